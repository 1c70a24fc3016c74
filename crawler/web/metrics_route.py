"""GET /metrics: the fleet registry plus the per-site series, rebuilt from the store.

A background task rebuilds the per-site snapshot every `refresh_every` seconds so that a
scrape only renders it; a scrape that finds the snapshot missing or much older than that
(the task died, or the app was never started by a runner) rebuilds it first.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from crawler.alerts.outbox import by_configured_hook, undelivered
from crawler.census_availability import census_rule
from crawler.metrics import (
    REGISTRY,
    SiteCollector,
    Snapshot,
    exposition,
    load_snapshot,
    set_alert_backlog,
    site_registry,
)
from crawler.web.keys import RESULTS, SETTINGS, STORE, share_results

log = logging.getLogger(__name__)

DEFAULT_REFRESH_SECONDS = 30.0  # probes run every few minutes; Prometheus scrapes every 30 s


class SiteMetrics:
    """The per-site collector of one application and when it was last refreshed."""

    def __init__(self, refresh_every: float = DEFAULT_REFRESH_SECONDS) -> None:
        self.refresh_every = refresh_every
        self.collector = SiteCollector()  # the current snapshot, for readers in-process
        self.refreshed_at: float | None = None  # monotonic
        # the snapshot rendered once, served by every scrape until the next
        self._site_text = exposition(site_registry(self.collector))
        self._lock = asyncio.Lock()

    async def refresh(self, app: web.Application) -> Snapshot:
        async with self._lock:
            store, settings = app[STORE], app[SETTINGS]
            snapshot = await load_snapshot(
                store, settings.tz, results=app[RESULTS], rule=census_rule(settings)
            )
            backlog = by_configured_hook(settings.alerts.hooks, await undelivered(store))
            set_alert_backlog(*backlog, datetime.now(UTC))
            # Rendering 1,900 sites' series takes ~0.1 s of CPU: once per refresh, off the loop.
            text = await asyncio.to_thread(exposition, site_registry(SiteCollector(snapshot)))
            self.collector.update(snapshot)
            self._site_text = text
            self.refreshed_at = time.monotonic()
            return snapshot

    def stale(self) -> bool:
        if self.refreshed_at is None:
            return True
        return time.monotonic() - self.refreshed_at > 2 * self.refresh_every

    def render(self) -> bytes:
        return exposition(REGISTRY) + self._site_text


METRICS = web.AppKey("metrics", SiteMetrics)


async def _metrics(request: web.Request) -> web.Response:
    site_metrics = request.app[METRICS]
    if site_metrics.stale():
        try:
            await site_metrics.refresh(request.app)
        except Exception:  # the store is away: serve what we have; the snapshot's
            # timestamp series shows how old the per-site part is
            log.exception("refreshing per-site metrics failed; serving the last snapshot")
    return web.Response(body=site_metrics.render(), headers={"Content-Type": CONTENT_TYPE_LATEST})


async def _refresher(app: web.Application) -> AsyncIterator[None]:
    site_metrics = app[METRICS]

    async def loop() -> None:
        while True:
            try:
                await site_metrics.refresh(app)
            except Exception:  # a store hiccup must not end the loop; the next pass retries
                log.exception("refreshing per-site metrics failed")
            await asyncio.sleep(site_metrics.refresh_every)

    task = asyncio.create_task(loop(), name="govcrawl-metrics-refresh")
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


def setup_metrics(app: web.Application, refresh_every: float = DEFAULT_REFRESH_SECONDS) -> None:
    app[METRICS] = SiteMetrics(refresh_every)
    share_results(app)
    app.router.add_get("/metrics", _metrics)
    app.cleanup_ctx.append(_refresher)
