"""arq mode against real Redis and worker processes: kill -9, service restart, Redis outage."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest
from conftest import REDIS_URL, service_missing
from redis.asyncio import Redis
from service_kit import (
    inspections,
    job_ids,
    probes,
    register,
    service_settings,
    sqlite_url,
    start_worker,
)
from test_service_embedded import running

from crawler.config import Settings
from crawler.farm import SiteFarm
from crawler.service.status import gather_status
from crawler.site import SiteStatus
from crawler.store import Store, open_store

pytestmark = pytest.mark.redis


async def _redis_up(url: str) -> None:
    redis = Redis.from_url(url, socket_connect_timeout=2)
    try:
        await redis.ping()
    except Exception as exc:  # any failure: the test cannot run here
        service_missing(f"Redis at {url}", exc)
    finally:
        await redis.aclose()


@contextlib.contextmanager
def workers(
    settings: Settings, tmp_path: Path, count: int, *extra: str
) -> Iterator[list[subprocess.Popen]]:
    procs = [start_worker(settings, tmp_path / f"worker{i}.log", *extra) for i in range(count)]
    try:
        yield procs
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


async def _cleanup(url: str, prefix: str) -> None:
    redis = Redis.from_url(url)
    try:
        keys = [key async for key in redis.scan_iter(match=f"{prefix}:*", count=1000)]
        keys += [key async for key in redis.scan_iter(match=f"arq:*{prefix}:*", count=1000)]
        if keys:
            await redis.delete(*keys)
    finally:
        await redis.aclose()


async def _wait_for(predicate, within: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + within
    while not await predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.25)


def _inspected_sites(farm: SiteFarm) -> list[str]:
    return [fs.code for fs in farm.sites if fs.site.status is not SiteStatus.TEMPORARILY_CLOSED]


async def _slow_farm(farm: SiteFarm, delay: float) -> None:
    for fs in farm.sites:
        if farm.mode_of(fs.code) == "normal":
            await farm.set_mode(fs.code, "slow", delay=delay)


@pytest.fixture
async def arq_settings(tmp_path: Path) -> AsyncIterator[Settings]:
    await _redis_up(REDIS_URL)
    settings = service_settings(
        sqlite_url(tmp_path),
        redis_url=REDIS_URL,
        probe_interval=3600.0,  # these tests watch inspections
        # Each job works a second at most: an inspection of the slowed farm takes several.
        inspect_slice=timedelta(seconds=1),
        inspect_timeout=timedelta(seconds=60),
    )
    settings = settings.model_copy(
        update={"queue": settings.queue.model_copy(update={"inspect_concurrency": 6})}
    )
    yield settings
    await _cleanup(REDIS_URL, settings.queue.prefix)


async def _all_recorded(store: Store, codes: list[str]) -> bool:
    got = await inspections(store)
    return all(got[c] >= 1 for c in codes)


async def test_killed_worker_jobs_are_recorded_exactly_once(
    farm: SiteFarm, tmp_path: Path, arq_settings: Settings
) -> None:
    await _slow_farm(farm, 0.5)  # an inspection takes about 3 s: a chain of jobs
    codes = _inspected_sites(farm)
    async with open_store(arq_settings.store.url) as store:
        await register(store, [fs.site for fs in farm.sites])
        with workers(arq_settings, tmp_path, 2) as procs:
            async with running(arq_settings) as service:
                await _wait_for(
                    lambda: _some(service.recorder.state.seen["inspection"]), 30, "first results"
                )
                procs[0].kill()  # SIGKILL mid-inspections: a claimed job frees after 1+2*3+5+10 s
                procs[0].wait()
                await _wait_for(lambda: _all_recorded(store, codes), 90, "every inspection")
                # The test may read the store between the recorder's commit and its count.
                await _wait_for(
                    lambda: _reaches(service.recorder.state.seen["inspection"], len(codes)),
                    5,
                    "the recorder's count of every job it was handed",
                )
                handed = service.recorder.state.seen["inspection"]
        counts = await inspections(store)
        ids = await job_ids(store)
    assert {c: counts[c] for c in codes} == {c: 1 for c in codes}
    assert len(ids) == len(set(ids)) == len(codes)
    assert handed >= len(codes)  # a job the killed worker finished but did not close may rerun


async def _some(value: int) -> bool:
    return value > 0


async def _reaches(value: int, count: int) -> bool:
    return value >= count


async def test_service_restart_loses_and_repeats_nothing(
    farm: SiteFarm, tmp_path: Path, arq_settings: Settings
) -> None:
    await _slow_farm(farm, 1.0)
    codes = _inspected_sites(farm)
    handed = 0
    metrics_port = _free_port()
    (tmp_path / "second").mkdir()
    async with open_store(arq_settings.store.url) as store:
        await register(store, [fs.site for fs in farm.sites])
        with (
            workers(arq_settings, tmp_path, 1, "--metrics", f"127.0.0.1:{metrics_port}"),
            workers(arq_settings, tmp_path / "second", 1),
        ):
            async with running(arq_settings) as service:
                await asyncio.sleep(2.0)
            handed += service.recorder.state.seen["inspection"]
            queued = dict(service.scheduler.queued)
            assert handed < len(codes)  # stopped mid-way
            await asyncio.sleep(2.0)  # workers keep finishing jobs into the stream meanwhile
            async with running(arq_settings) as again:
                await _wait_for(lambda: _all_recorded(store, codes), 90, "every inspection")
                await asyncio.sleep(1.0)
                status = await gather_status(arq_settings, datetime.now(UTC))
                async with (
                    aiohttp.ClientSession() as http,
                    http.get(f"http://127.0.0.1:{metrics_port}/metrics") as resp,
                ):
                    exposition = await resp.text()
            handed += again.recorder.state.seen["inspection"]
            requeued = again.scheduler.queued["inspection"]
        counts = await inspections(store)
    assert {c: counts[c] for c in codes} == {c: 1 for c in codes}
    assert queued["inspection"] == len(codes)
    # The restarted scheduler found every slot recorded or still queued: nothing queued twice,
    # and every job ran once (each envelope read once across both runs).
    assert requeued == 0
    assert handed == len(codes)
    # `govcrawl status` sees both workers, empty queues and nothing left to record.
    assert len(status["queue"]["workers"]) == 2
    assert status["queue"]["depth"]["inspection"] == 0  # probes: confirmations wait 30 s
    assert status["queue"]["results_backlog"] == 0
    assert 'govcrawl_jobs_total{kind="inspection"' in exposition  # the worker's own counters
    assert status["due"]["inspection"] == 0 and status["sites"]["total"] == len(farm.sites)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _redis_server(port: int, data: Path) -> subprocess.Popen:
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server is not installed")
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(data),
         "--appendonly", "yes", "--save", "", "--protected-mode", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return proc
        time.sleep(0.05)
    proc.kill()
    pytest.fail("private redis-server did not start")


OUTAGE_S = float(os.environ.get("GOVCRAWL_TEST_REDIS_OUTAGE_S", "30"))


async def test_redis_outage_is_survived(farm: SiteFarm, tmp_path: Path) -> None:
    """A private redis-server (never the shared one) goes away for 30 s and comes back."""
    port = _free_port()
    data = tmp_path / "redis"
    data.mkdir()
    server = _redis_server(port, data)
    url = f"redis://127.0.0.1:{port}/0"
    settings = service_settings(sqlite_url(tmp_path), redis_url=url, probe_interval=1.0)
    sites = [fs.site for fs in farm.sites if farm.answers(fs.code)][:10]
    try:
        async with open_store(settings.store.url) as store:
            await register(store, sites)
            with workers(settings, tmp_path, 1) as procs:
                async with running(settings) as service, aiohttp.ClientSession() as http:
                    ready = f"{service.url}/readyz"
                    await _wait_for(lambda: _status(http, ready, 200), 15, "ready")
                    await _wait_for(lambda: _probed(store), 20, "first probes")
                    server.send_signal(signal.SIGTERM)
                    server.wait(timeout=10)
                    await _wait_for(lambda: _status(http, ready, 503), 10, "not ready")
                    await asyncio.sleep(OUTAGE_S)
                    assert await _status(http, ready, 503)
                    before = sum((await probes(store)).values())
                    server = _redis_server(port, data)
                    await _wait_for(lambda: _status(http, ready, 200), 20, "ready again")
                    await _wait_for(lambda: _probed(store, before + 10), 30, "probes again")
                    assert all(p.poll() is None for p in procs), "a worker died"
            assert "Traceback" not in (tmp_path / "worker0.log").read_text(errors="replace")
    finally:
        server.kill()
        server.wait()


async def _status(http: aiohttp.ClientSession, url: str, want: int) -> bool:
    async with http.get(url) as resp:
        return resp.status == want


async def _probed(store: Store, at_least: int = 1) -> bool:
    return sum((await probes(store)).values()) >= at_least
