"""Acceptance of the availability issue with `govcrawl run` (embedded), the farm and a
webhook receiver on loopback. Sites are taken down and up through the farm's control
endpoint; report_after is seconds instead of 24 hours.

Timing tolerances: a probe starts within one scheduler tick (0.5 s at a 2 s interval) of
its slot, so "within one interval" is checked as interval + tick.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from service_kit import register, service_settings, sqlite_url

import crawler.availability as availability
from crawler.availability import add_maintenance, availability_for, outage_windows
from crawler.config import HookConfig, Settings
from crawler.farm import SiteFarm
from crawler.service.run import Service, run_service
from crawler.service.schedule import PROBE, slot_start
from crawler.site import Site, SiteStatus
from crawler.store import open_store

INTERVAL = 2.0
TICK = 0.5
REPORT_AFTER = 10.0
SLACK = 1.5  # recording, the outbox's wake-up and delivery on a shared 2-core machine


@dataclass
class Inbox:
    messages: list[tuple[float, dict]] = field(default_factory=list)  # (time.time(), body)
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    url: str = ""

    async def handle(self, request: web.Request) -> web.Response:
        self.messages.append((time.time(), await request.json()))
        self.changed.set()
        return web.json_response({"ok": True})

    def events(self, code: str | None = None) -> list[str]:
        return [m["event"] for _, m in self.messages if code is None or m["code"] == code]

    async def wait_for(self, predicate, within: float) -> None:  # type: ignore[no-untyped-def]
        async with asyncio.timeout(within):
            while not predicate():
                self.changed.clear()
                await self.changed.wait()


@pytest.fixture
async def inbox() -> AsyncIterator[Inbox]:
    box = Inbox()
    app = web.Application()
    app.router.add_post("/hook", box.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    box.url = f"http://{host}:{port}/hook"
    yield box
    await runner.cleanup()


@pytest.fixture(autouse=True)
def _fresh_monitor() -> None:
    availability.MONITOR = availability.MonitorStatus()
    availability._reference_cache.clear()


def _settings(tmp_path: Path, inbox: Inbox, *, references: list[str] | None = None) -> Settings:
    s = service_settings(sqlite_url(tmp_path), probe_interval=INTERVAL)
    probe = {"confirm_after": timedelta(seconds=1), "reference_urls": references or []}
    alerts = {
        "report_after": timedelta(seconds=REPORT_AFTER),
        "retry_initial": timedelta(milliseconds=200),
        "hooks": [HookConfig(kind="webhook", url=inbox.url)],  # type: ignore[arg-type]
    }
    return s.model_copy(
        update={
            "probe": s.probe.model_copy(update=probe),
            "alerts": s.alerts.model_copy(update=alerts),
        }
    )


@contextlib.asynccontextmanager
async def running(settings: Settings) -> AsyncIterator[Service]:
    stop = asyncio.Event()
    started: asyncio.Future[Service] = asyncio.get_running_loop().create_future()
    task = asyncio.create_task(run_service(settings, stop, on_started=started.set_result))
    done, _ = await asyncio.wait({task, started}, timeout=30, return_when=asyncio.FIRST_COMPLETED)
    if task in done:
        task.result()
    try:
        yield started.result()
    finally:
        stop.set()
        await task


async def set_mode(farm: SiteFarm, code: str, mode: str) -> float:
    """Switch a farm site through its control endpoint; returns when it took effect."""
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{farm.control_url}/sites/{code}/mode", json={"mode": mode}) as resp,
    ):
        assert resp.status == 200, await resp.text()
    return time.time()


def healthy_sites(farm: SiteFarm, count: int) -> list[Site]:
    picked = [
        fs.site for fs in farm.sites
        if fs.status is SiteStatus.OPEN and fs.initial_mode == "normal" and fs.layout == "blocks"
        and not fs.links
    ]  # fmt: skip
    assert len(picked) >= count
    return picked[:count]


def _ts(value: datetime | None) -> float:
    assert value is not None
    return value.timestamp()


async def flap(farm: SiteFarm, code: str, until: float) -> None:
    """Down for one probe in three: refused from just before every third slot of the site
    to 0.8 s after it (a failure's confirmation, 1 s later, finds it up)."""
    size = INTERVAL
    first = slot_start(code, PROBE, timedelta(seconds=size), int(time.time() * 1000)) / 1000
    k = 1
    while True:
        slot = first + k * size
        if slot + 1 > until:
            return
        if k % 3 == 0:
            await asyncio.sleep(max(0.0, slot - 0.2 - time.time()))
            await set_mode(farm, code, "refuse")
            await asyncio.sleep(max(0.0, slot + 0.8 - time.time()))
            await set_mode(farm, code, "normal")
        k += 1


async def test_refused_40s_one_window_one_report_one_recovery_flapping_and_maintenance(
    farm: SiteFarm, tmp_path: Path, inbox: Inbox
) -> None:
    settings = _settings(tmp_path, inbox)
    sites = healthy_sites(farm, 6)
    down, flapping, maintained = sites[0].code, sites[1].code, sites[2].code
    async with open_store(settings.store.url) as store:
        await register(store, sites)
        now = datetime.now(UTC)
        await add_maintenance(
            store, code=maintained, starts_at=now, ends_at=now + timedelta(hours=1)
        )
        async with running(settings):
            await asyncio.sleep(2 * INTERVAL)  # every site probed ok at least once
            went_down = await set_mode(farm, down, "refuse")
            await set_mode(farm, maintained, "refuse")
            flapper = asyncio.create_task(flap(farm, flapping, went_down + 40))
            await asyncio.sleep(20)
            await set_mode(farm, maintained, "normal")
            await asyncio.sleep(max(0.0, went_down + 40 - time.time()))
            came_up = await set_mode(farm, down, "normal")
            await flapper
            await inbox.wait_for(lambda: "outage_recovered" in inbox.events(), 3 * INTERVAL)
            await asyncio.sleep(INTERVAL)  # nothing else may arrive
        windows = await outage_windows(store)
        avail = await availability_for(store, [flapping, maintained], datetime.now(UTC))

    assert [w.code for w in windows] == [down], windows
    window = windows[0]
    started, ended = _ts(window.started_at), _ts(window.ended_at)
    report_delay = inbox.messages[0][0] - started if inbox.messages else None
    print(  # measured numbers, shown with -s
        f"start after down {started - went_down:.2f}s, end after up {ended - came_up:.2f}s, "
        f"report at start+{report_delay}s, flapping share {avail[flapping].failed_share}"
    )
    assert 0 <= started - went_down <= INTERVAL + TICK, (started, went_down)
    assert 0 <= ended - came_up <= INTERVAL + TICK, (ended, came_up)
    assert window.cause == "refused" and window.reported
    assert window.probe_count >= 40 / INTERVAL - 2

    assert inbox.events() == ["outage_report_due", "outage_recovered"]
    (report_at, report), (_, recovered) = inbox.messages
    assert report["code"] == down and report["ended_at"] is None
    assert REPORT_AFTER <= report_at - started <= REPORT_AFTER + INTERVAL + SLACK
    assert REPORT_AFTER <= report["duration_s"] <= REPORT_AFTER + INTERVAL + SLACK
    assert recovered["ended_at"] is not None
    assert recovered["duration_s"] == pytest.approx(ended - started, abs=0.1)

    # the flapping site: no window, but its failures count in its share
    assert avail[flapping].failed >= 4
    assert 0 < (avail[flapping].failed_share or 0) < 0.5
    # the maintained site failed for 20 s: recorded, but no window and no message
    assert avail[maintained].failed >= 20 / INTERVAL - 2


async def test_restart_during_an_open_window_and_after_the_threshold(
    farm: SiteFarm, tmp_path: Path, inbox: Inbox
) -> None:
    settings = _settings(tmp_path, inbox)
    sites = healthy_sites(farm, 3)
    code = sites[0].code
    async with open_store(settings.store.url) as store:
        await register(store, sites)
        async with running(settings):
            await asyncio.sleep(INTERVAL)
            went_down = await set_mode(farm, code, "refuse")
            async with asyncio.timeout(3 * INTERVAL + 2):
                while not await outage_windows(store, open_only=True):  # noqa: ASYNC110
                    await asyncio.sleep(0.2)
        # down while the threshold passes, nothing running
        await asyncio.sleep(max(0.0, went_down + REPORT_AFTER + 1 - time.time()))
        assert inbox.events() == []
        restarted = time.time()
        async with running(settings):
            await inbox.wait_for(lambda: inbox.events() == ["outage_report_due"], 2 * INTERVAL)
            report_at = inbox.messages[0][0]
            await asyncio.sleep(INTERVAL)
        async with running(settings):  # a second restart fires nothing again
            await asyncio.sleep(INTERVAL)
            came_up = await set_mode(farm, code, "normal")
            await inbox.wait_for(lambda: "outage_recovered" in inbox.events(), 3 * INTERVAL)
            await asyncio.sleep(INTERVAL)
        windows = await outage_windows(store)

    assert report_at - restarted <= SLACK + 1.0  # fired on start, not at the next probe
    assert inbox.events() == ["outage_report_due", "outage_recovered"]
    (window,) = windows
    assert 0 <= _ts(window.started_at) - went_down <= INTERVAL + TICK
    assert 0 <= _ts(window.ended_at) - came_up <= INTERVAL + TICK


async def test_monitor_cut_off_opens_no_windows(
    farm: SiteFarm, tmp_path: Path, inbox: Inbox
) -> None:
    dead_reference = "http://127.0.0.1:9/"  # nothing listens: the "Internet" is gone too
    settings = _settings(tmp_path, inbox, references=[dead_reference])
    sites = healthy_sites(farm, 6)
    async with open_store(settings.store.url) as store:
        await register(store, sites)
        async with running(settings) as service:
            await asyncio.sleep(2 * INTERVAL)
            for site in sites:
                await set_mode(farm, site.code, "refuse")
            await asyncio.sleep(REPORT_AFTER + 2 * INTERVAL)
            offline = availability.monitor_status().offline
            async with aiohttp.ClientSession() as http:
                async with http.get(f"{service.url}/api/monitor") as r:
                    said = await r.json()
                async with http.get(f"{service.url}/readyz") as r:
                    ready = r.status, await r.json()
            for site in sites:
                await set_mode(farm, site.code, "normal")
            await asyncio.sleep(2 * INTERVAL)
        windows = await outage_windows(store)
        avail = await availability_for(store, [s.code for s in sites], datetime.now(UTC))
    assert offline and said["offline"] is True
    assert ready[0] == 503 and ready[1]["checks"]["monitor_online"] is False
    assert windows == []
    assert inbox.events() == []
    # probes went on and are kept, but the cut-off ones do not count against the sites
    assert all(a.probes >= 3 and a.failed <= 1 for a in avail.values()), avail
