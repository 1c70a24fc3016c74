"""`govcrawl run` in embedded mode against the farm: schedule kept, results recorded once."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from service_kit import TOKEN, inspections, job_ids, probes, register, service_settings, sqlite_url

from crawler.config import Settings
from crawler.farm import SiteFarm
from crawler.service.run import Service, run_service
from crawler.service.schedule import PROBE, scheduled_count
from crawler.site import SiteStatus
from crawler.store import open_store


@contextlib.asynccontextmanager
async def running(settings: Settings) -> AsyncIterator[Service]:
    stop = asyncio.Event()
    started: asyncio.Future[Service] = asyncio.get_running_loop().create_future()
    task = asyncio.create_task(run_service(settings, stop, on_started=started.set_result))
    done, _ = await asyncio.wait({task, started}, timeout=30, return_when=asyncio.FIRST_COMPLETED)
    if task in done:
        task.result()  # start-up failed: raise its error
    try:
        yield started.result()
    finally:
        stop.set()
        await task


def expected_probes(code: str, interval_s: float, start_ms: int, end_ms: int) -> int:
    from datetime import timedelta

    return scheduled_count(code, PROBE, timedelta(seconds=interval_s), start_ms, end_ms)


async def test_probes_on_schedule_inspections_once_recheck_and_registry_changes(
    farm: SiteFarm, tmp_path: Path
) -> None:
    settings = service_settings(sqlite_url(tmp_path), probe_interval=1.0)
    sites = [fs.site for fs in farm.sites]
    first, later = sites[:34], sites[34:]
    async with open_store(settings.store.url) as store:
        await register(store, first)
        async with running(settings) as service, aiohttp.ClientSession() as http:
            async with http.get(f"{service.url}/readyz") as resp:
                assert resp.status == 200, await resp.text()
            async with http.get(f"{service.url}/api/service") as resp:
                state = await resp.json()
                assert state["mode"] == "embedded" and state["sites"] == len(first)
            await asyncio.sleep(2.5)
            # Registry changes without a restart: 6 sites added, 2 removed.
            await register(store, first[2:] + later, prune=True)
            changed_ms = int(time.time() * 1000)
            recheck = f"{service.url}/api/sites/{first[5].code}/recheck"
            async with http.post(recheck) as resp:
                assert resp.status == 401
            async with http.post(recheck, headers={"Authorization": f"Bearer {TOKEN}"}) as resp:
                assert resp.status == 202
                assert ":recheck:" in (await resp.json())["job_id"]
            await asyncio.sleep(4.0)
            start_ms = service.scheduler.first_tick_ms or 0
            end_ms = service.scheduler.last_tick_ms or 0
        probed = await probes(store)
        inspected = await inspections(store)
        ids = await job_ids(store)

    def kind_ok(site) -> bool:  # type: ignore[no-untyped-def]
        # A site that hangs until the 3 s timeout cannot keep a 1 s pace (2 requests a host).
        return site.status is SiteStatus.OPEN and farm.answers(site.code)

    for site in first[2:]:
        if kind_ok(site):
            want = expected_probes(site.code, 1.0, start_ms, end_ms)
            assert abs(probed[site.code] - want) <= 1, (site.code, probed[site.code], want)
    for site in later:
        if kind_ok(site):
            # Picked up within a registry poll (1 s) of the import.
            want = expected_probes(site.code, 1.0, changed_ms + 1000, end_ms)
            assert probed[site.code] >= want - 1, (site.code, probed[site.code], want)
    for removed in first[:2]:
        # Probed only until the registry change was noticed.
        assert probed[removed.code] <= expected_probes(removed.code, 1.0, start_ms, changed_ms) + 2
    for site in first[2:] + later:
        assert site.status is not SiteStatus.TEMPORARILY_CLOSED or not probed[site.code]
        if site.status is SiteStatus.PERMANENTLY_CLOSED:
            assert probed[site.code] == 0 and inspected[site.code] == 1
        elif site.status is SiteStatus.OPEN:
            extra = 1 if site.code == first[5].code else 0  # the recheck
            assert inspected[site.code] == 1 + extra, site.code
        else:
            assert inspected[site.code] == 0
    assert len(ids) == len(set(ids))


async def test_restart_carries_on_without_repeating_recorded_slots(
    farm: SiteFarm, tmp_path: Path
) -> None:
    settings = service_settings(sqlite_url(tmp_path), probe_interval=1.0)
    sites = [fs.site for fs in farm.sites if fs.site.status is SiteStatus.OPEN]
    async with open_store(settings.store.url) as store:
        await register(store, sites)
        start_ms = int(time.time() * 1000)
        async with running(settings):
            await asyncio.sleep(2.0)
        async with running(settings):
            await asyncio.sleep(2.0)
        end_ms = int(time.time() * 1000)
        inspected = await inspections(store)
        probed = await probes(store)
    # Jobs cut short by the first stop ran again after the restart; none ran twice.
    assert {s.code: inspected[s.code] for s in sites} == {s.code: 1 for s in sites}
    for site in sites:
        # The gap between the runs can lose a slot, never add one.
        assert probed[site.code] <= expected_probes(site.code, 1.0, start_ms, end_ms) + 1


@pytest.mark.parametrize("outage_s", [1.5])
async def test_results_survive_a_store_outage(
    farm: SiteFarm, tmp_path: Path, outage_s: float
) -> None:
    """The store file disappears under the recorder; nothing recorded meanwhile is lost."""
    db = tmp_path / "service.db"
    settings = service_settings(f"sqlite:///{db}", probe_interval=1.0)
    sites = [fs.site for fs in farm.sites if fs.site.status is SiteStatus.OPEN][:10]
    async with open_store(settings.store.url) as store:
        await register(store, sites)
    async with running(settings) as service:
        await asyncio.sleep(1.0)
        # Lock the database exclusively: every write fails with "database is locked".
        import sqlite3

        blocker = sqlite3.connect(db, timeout=0, isolation_level=None)
        blocker.execute("PRAGMA busy_timeout=0")
        # Taken between two of the service's writes (this loop is the service's: no waiting).
        while True:
            try:
                blocker.execute("BEGIN EXCLUSIVE")
                break
            except sqlite3.OperationalError:
                await asyncio.sleep(0.01)
        await asyncio.sleep(outage_s + 11)  # longer than the store's 10 s busy timeout
        assert not service.recorder.state.store_ok
        blocker.execute("COMMIT")
        blocker.close()
        await asyncio.sleep(2.0)
        assert service.recorder.state.store_ok
        handed = service.recorder.state.seen["probe"]
    async with open_store(settings.store.url) as store:
        assert sum((await probes(store)).values()) >= handed


def _all_in(counts: dict[str, int], codes: list[str]) -> bool:
    return all(counts.get(code) for code in codes)


def _continued() -> float:
    from crawler.metrics import JOBS

    return JOBS.labels("inspection", "continued")._value.get()


async def test_long_inspections_go_on_in_further_jobs_and_are_recorded_once(
    farm: SiteFarm, tmp_path: Path
) -> None:
    """A 1 s slice with links checked: under 30 inspections at once each is a chain of jobs."""
    from datetime import timedelta

    base = service_settings(
        sqlite_url(tmp_path), probe_interval=3600.0, inspect_slice=timedelta(seconds=1)
    )
    settings = base.model_copy(
        update={"inspect": base.inspect.model_copy(update={"check_links": True, "max_pages": 20})}
    )
    sites = [fs.site for fs in farm.sites if fs.site.status is SiteStatus.OPEN]
    codes = [s.code for s in sites if farm.answers(s.code)]
    before = _continued()
    async with open_store(settings.store.url) as store:
        await register(store, sites)
        async with running(settings):
            deadline = time.monotonic() + 90
            while not _all_in(await inspections(store), codes):
                assert time.monotonic() < deadline, "every inspection recorded"
                await asyncio.sleep(0.25)
        counts = await inspections(store)
        ids = await job_ids(store)
        from crawler.recorder import latest_results

        latest = await latest_results(store)
    assert {c: counts[c] for c in codes} == dict.fromkeys(codes, 1)
    assert len(ids) == len(set(ids))
    assert _continued() - before >= len(codes)  # more than one job each
    for code in codes:
        check = latest[code].link_check
        assert check is not None and check.pages_crawled > 1 and not check.truncated_time, code


async def _recorded(store, code: str, count: int) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + 30
    while (await inspections(store))[code] < count:
        assert time.monotonic() < deadline, f"{count} inspections of {code} recorded"
        await asyncio.sleep(0.1)


async def test_a_recheck_while_one_is_under_way_is_answered_by_it(
    farm: SiteFarm, tmp_path: Path
) -> None:
    """One inspection of a site at a time: a second recheck names the one under way."""
    settings = service_settings(sqlite_url(tmp_path), probe_interval=3600.0)
    site = next(
        fs.site
        for fs in farm.sites
        if fs.site.status is SiteStatus.OPEN and farm.answers(fs.site.code)
    )
    auth = {"Authorization": f"Bearer {TOKEN}"}
    async with open_store(settings.store.url) as store:
        await register(store, [site])
        async with running(settings) as service, aiohttp.ClientSession() as http:
            await _recorded(store, site.code, 1)  # the scheduled one
            await farm.set_mode(site.code, "slow", delay=1.0)  # the recheck takes seconds
            url = f"{service.url}/api/sites/{site.code}/recheck"
            async with http.post(url, headers=auth) as resp:
                assert resp.status == 202
                first = await resp.json()
            async with http.post(url, headers=auth) as resp:
                assert resp.status == 200
                again = await resp.json()
            assert again == {
                "queued": False,
                "job_id": first["job_id"],
                "reason": "already under way",
            }
            await _recorded(store, site.code, 2)
            await farm.set_mode(site.code, "normal")
            async with http.post(url, headers=auth) as resp:
                assert resp.status == 202  # that one ended: a new one is queued
                third = await resp.json()
            await _recorded(store, site.code, 3)
        ids = await job_ids(store)
    assert len(ids) == len(set(ids)) == 3
    assert {first["job_id"], third["job_id"]} < set(ids)
