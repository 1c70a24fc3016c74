"""build_app: the service's aiohttp application with every route module that is installed."""

from __future__ import annotations

import importlib
import logging

from aiohttp import web

from crawler.config import Settings
from crawler.store import Store
from crawler.web.api import SERVICE, ServiceHandle, setup_api
from crawler.web.keys import SETTINGS, STORE

log = logging.getLogger(__name__)

# Route modules other parts of govcrawl provide; each is optional here.
OPTIONAL = (
    ("crawler.web.metrics_route", "setup_metrics"),
    ("crawler.web.status_page", "setup_status_page"),
    ("crawler.web.reports_route", "setup_reports"),
    ("crawler.web.availability_route", "setup_availability"),
)


async def _metrics_placeholder(request: web.Request) -> web.Response:
    return web.Response(
        text="# govcrawl metrics are not installed in this build\n",
        content_type="text/plain",
    )


def build_app(
    store: Store, settings: Settings, service: ServiceHandle | None = None
) -> web.Application:
    app = web.Application()
    app[STORE] = store
    app[SETTINGS] = settings
    if service is not None:
        app[SERVICE] = service
    setup_api(app)
    for module_name, function in OPTIONAL:
        try:
            module = importlib.import_module(module_name)
            getattr(module, function)(app)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                log.exception("%s cannot be imported; its routes are not served", module_name)
        except Exception:  # a broken optional part must not take the API down with it
            log.exception("%s.%s failed; its routes are not served", module_name, function)
    if not any(r.resource and r.resource.canonical == "/metrics" for r in app.router.routes()):
        app.router.add_get("/metrics", _metrics_placeholder)
    return app
