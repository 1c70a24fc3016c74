"""The demo's second half: `govcrawl run` on the farm, an outage and its alerts, the
metrics, the status page and the quarter's report.

The same service a provincial server runs, on compressed time: probes every 2 s and the
written-report threshold at 10 s instead of 24 h, so one outage goes through its whole
life (opened, reported, recovered) while the demo watches.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import aiohttp
from aiohttp import web
from pydantic import SecretStr
from rich.console import Console
from rich.table import Table

from crawler.availability import outage_windows
from crawler.config import HookConfig, Settings
from crawler.farm import SiteFarm
from crawler.farm.catalog import FarmSite
from crawler.reports import Quarter, make_report, write_report
from crawler.service.run import Service, run_service
from crawler.site import SiteStatus
from crawler.store import open_store

PROBE_EVERY = timedelta(seconds=2)
REPORT_AFTER = timedelta(seconds=10)
DEMO_TOKEN = "demo-token"  # the demo's service listens on loopback only
METRIC_PREFIXES = ("govcrawl_site_up{", "govcrawl_outage_open_seconds{", "govcrawl_probes_total")


@dataclass
class Inbox:
    """A webhook receiver standing in for the office's chat robot."""

    events: list[dict] = field(default_factory=list)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    async def handle(self, request: web.Request) -> web.Response:
        self.events.append(await request.json())
        self.changed.set()
        return web.json_response({"ok": True})

    async def wait_for(self, event: str, code: str, within: float) -> bool:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(within):
                while not any(e.get("event") == event and e.get("code") == code
                              for e in self.events):  # fmt: skip
                    self.changed.clear()
                    await self.changed.wait()
                return True
        return False


@contextlib.asynccontextmanager
async def receiver() -> AsyncIterator[tuple[Inbox, str]]:
    inbox = Inbox()
    app = web.Application()
    app.router.add_post("/hook", inbox.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    host, port = runner.addresses[0][:2]
    try:
        yield inbox, f"http://{host}:{port}/hook"
    finally:
        await runner.cleanup()


def tour_settings(settings: Settings, hook_url: str, reference: str) -> Settings:
    """Compressed time, an HTTP port of its own, the farm's first site as the reference
    that tells this machine is online (the real ones are not reachable offline)."""
    return settings.model_copy(
        update={
            "http": settings.http.model_copy(
                update={"listen": "127.0.0.1:0", "token": SecretStr(DEMO_TOKEN)}
            ),
            "probe": settings.probe.model_copy(
                update={
                    "interval": PROBE_EVERY,
                    "confirm_after": timedelta(seconds=1),
                    "reference_urls": [reference],
                }
            ),
            "inspect": settings.inspect.model_copy(update={"interval": timedelta(days=1)}),
            "alerts": settings.alerts.model_copy(
                update={
                    "report_after": REPORT_AFTER,
                    "retry_initial": timedelta(milliseconds=200),
                    "hooks": [HookConfig(kind="webhook", url=SecretStr(hook_url))],
                }
            ),
        }
    )


def healthy(farm: SiteFarm) -> list[FarmSite]:
    """Open sites with nothing wrong: one stands in as the reference site, one goes down."""
    return [
        fs
        for fs in farm.sites
        if fs.status is SiteStatus.OPEN
        and fs.initial_mode == "normal"
        and fs.conditions <= {"healthy"}
    ]


@contextlib.asynccontextmanager
async def running_service(settings: Settings) -> AsyncIterator[Service]:
    stop = asyncio.Event()
    started: asyncio.Future[Service] = asyncio.get_running_loop().create_future()
    task = asyncio.create_task(run_service(settings, stop, on_started=started.set_result))
    done, _ = await asyncio.wait({task, started}, timeout=60, return_when=asyncio.FIRST_COMPLETED)
    if task in done:
        task.result()  # it failed to start: say why
    try:
        yield started.result()
    finally:
        stop.set()
        await task


async def metric_lines(url: str, code: str) -> list[str]:
    async with aiohttp.ClientSession() as http, http.get(f"{url}/metrics") as resp:
        text = await resp.text()
    return [
        line
        for line in text.splitlines()
        if line.startswith(METRIC_PREFIXES)
        and (code in line or "{code" not in line)
        and not line.endswith(" 0.0")
    ]


async def service_tour(
    settings: Settings,
    farm: SiteFarm,
    out_dir: Path,
    console: Console,
    *,
    keep_serving: bool,
) -> None:
    reference, victim = healthy(farm)[:2]
    async with receiver() as (inbox, hook_url):
        tour = tour_settings(settings, hook_url, reference.url)
        console.rule("govcrawl run: the service on the farm (probes every 2 s)")
        async with running_service(tour) as service:
            console.print(f"service up at {service.url}  (status page /, API /api/sites, /metrics)")
            await farm.set_mode(victim.code, "refuse")
            console.print(
                f"taking {victim.code} {victim.site.name} down: the written report is due after "
                f"{REPORT_AFTER.total_seconds():.0f} s of outage (24 h in production)"
            )
            due = await inbox.wait_for("outage_report_due", victim.code, within=40)
            await farm.set_mode(victim.code, "normal")
            recovered = await inbox.wait_for("outage_recovered", victim.code, within=20)
            console.print(
                f"alert hook received for {victim.code}: "
                + (
                    ", ".join(e["event"] for e in inbox.events if e.get("code") == victim.code)
                    or "nothing"
                )
                + ("" if due and recovered else "  (incomplete: see the service log)")
                + f"; {len(inbox.events)} messages in all (the farm's down sites too)"
            )
            async with open_store(tour.store.url) as store:
                windows = await outage_windows(store)
            table = Table(title="outage windows (govcrawl outages; the farm's down sites too)")
            for column in ("code", "started", "ended", "seconds", "cause", "reported"):
                table.add_column(column, no_wrap=True)
            for w in windows:
                table.add_row(
                    w.code, f"{w.started_at:%H:%M:%S}",
                    f"{w.ended_at:%H:%M:%S}" if w.ended_at else "open",
                    f"{w.duration_s:.0f}", w.cause, "yes" if w.reported else "no",
                )  # fmt: skip
            console.print(table)
            for line in await metric_lines(service.url, victim.code):
                console.print(f"  {line}", highlight=False)
            await write_quarter(tour, out_dir, console)
            if keep_serving:
                console.print(
                    f"status page: {service.url}/  (Ctrl-C stops the service and the farm)"
                )
                await asyncio.Event().wait()


async def write_quarter(settings: Settings, out_dir: Path, console: Console) -> None:
    quarter = Quarter.containing(datetime.now(settings.tz), settings.tz)
    async with open_store(settings.store.url) as store:
        report = await make_report(store, quarter, settings)
    paths = write_report(report, out_dir / "report", ("xlsx", "csv", "md"))
    f = report.figures
    console.print(
        f"report {quarter.label}: {f.checked} sites checked, {f.unqualified} unqualified → "
        + ", ".join(str(p) for p in paths)
    )
