"""A live govcrawl web app over farm data, for the Prometheus and browser tests.

A handful of farm sites (one per condition that the dashboard and the status page show)
are imported, inspected for real (crawler.check.check_sites) and probed for real
(crawler.probe.probe_site) and recorded with crawler.availability.handle_probes, as the
service's recorder does (two failed rounds open an outage window).
The app carries the store and settings like the service's, with setup_metrics and
setup_status_page.
"""

from __future__ import annotations

import asyncio
import socket
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

from aiohttp import web

from crawler import metrics
from crawler.availability import handle_probes
from crawler.check import check_sites
from crawler.config import HookConfig, Settings
from crawler.farm import SiteFarm
from crawler.farm.catalog import FarmSite
from crawler.probe import probe_site
from crawler.registry import import_sites
from crawler.rules import load_rules
from crawler.store import Store, open_store
from crawler.web.keys import SETTINGS, STORE
from crawler.web.metrics_route import setup_metrics
from crawler.web.status_page import setup_status_page

CONDITIONS = (
    "healthy",
    "homepage_stale",
    "blank_columns",
    "columns_stale",
    "broken_links",
    "unreachable_refuse",
    "missing_zhaocuo",
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pick_sites(farm: SiteFarm) -> dict[str, FarmSite]:
    """condition -> the first farm site built with it."""
    picked: dict[str, FarmSite] = {}
    for fs in farm.sites:
        for condition in CONDITIONS:
            if condition in fs.conditions and condition not in picked:
                picked[condition] = fs
    missing = set(CONDITIONS) - picked.keys()
    assert not missing, f"the farm has no site for {missing}"
    return picked


def quick_settings(url: str) -> Settings:
    s = Settings()
    return s.model_copy(
        update={
            "store": s.store.model_copy(update={"url": url}),
            "fetch": s.fetch.model_copy(
                update={
                    "timeout": timedelta(seconds=3),
                    "host_delay": timedelta(0),
                    "allow_private_addresses": True,  # the farm lives on loopback
                }
            ),
            "inspect": s.inspect.model_copy(
                update={"retry_delay": timedelta(0), "attempts": 1, "max_pages": 40}
            ),
        }
    )


async def probe_round(store: Store, sites: Sequence[FarmSite], settings: Settings) -> None:
    """Probe every site once, for real, record it and count it as the service does."""
    started = asyncio.get_running_loop().time()
    probes = await asyncio.gather(*(probe_site(fs.site, settings) for fs in sites))
    batch = [(f"probe:{p.code}:{uuid.uuid4().hex}", p) for p in probes]
    await handle_probes(store, settings, batch, utcnow())
    for probe in probes:
        metrics.observe_probe(probe.outcome)
        if not probe.ok:
            metrics.observe_fetch_error(probe.outcome)
        metrics.observe_job("probe", "ok", asyncio.get_running_loop().time() - started)


@dataclass
class Stack:
    url: str  # http://127.0.0.1:port
    port: int
    store: Store
    settings: Settings
    sites: dict[str, FarmSite]  # condition -> site
    app: web.Application


@asynccontextmanager
async def live_stack(farm: SiteFarm, tmp_path: Path) -> AsyncIterator[Stack]:
    """Farm sites inspected and probed into a SQLite store, served by a live web app."""
    settings = quick_settings(f"sqlite:///{tmp_path / 'govcrawl.db'}")
    picked = pick_sites(farm)
    # The monitor's own connectivity is judged by a reference site: a healthy farm site
    # here (the default references are on the internet, which this machine may not reach).
    reference = picked["healthy"].url
    # One alert hook, where nothing listens: its messages wait in the outbox.
    dead_hook = HookConfig(kind="webhook", url="http://127.0.0.1:9/hook")
    settings = settings.model_copy(
        update={
            "probe": settings.probe.model_copy(update={"reference_urls": [reference]}),
            "alerts": settings.alerts.model_copy(update={"hooks": [dead_hook]}),
        }
    )
    async with open_store(settings.store.url) as store:
        sites = [fs.site for fs in picked.values()]
        await import_sites(store, sites, file_name="farm", file_sha256="0" * 64)
        now = datetime.combine(farm.today, time(12), tzinfo=settings.tz)
        totals = await check_sites(sites, settings, load_rules(), store=store, now=now)
        metrics.observe_pages(totals.pages, links=sum(r.links_checked for r in totals.results))
        for result in totals.results:
            metrics.observe_inspection(result.verdict)
        for _ in range(2):  # a failure and its confirmation open the window
            await probe_round(store, list(picked.values()), settings)
        app = web.Application()
        app[STORE] = store
        app[SETTINGS] = settings
        setup_metrics(app, refresh_every=0.5)
        setup_status_page(app)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        port = free_port()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        try:
            yield Stack(f"http://127.0.0.1:{port}", port, store, settings, picked, app)
        finally:
            await runner.cleanup()


def utcnow() -> datetime:
    return datetime.now(UTC)
