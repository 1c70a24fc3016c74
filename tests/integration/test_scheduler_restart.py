"""A restarted scheduler against real Redis: jobs queued before it started are not queued
again, even when the clock has meanwhile crossed a new site's half-interval (where its
nearest slot moves from the one just begun to the next one)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from conftest import REDIS_URL
from service_kit import register, service_settings, sqlite_url
from test_service_arq import _cleanup, _redis_up

from crawler.config import Settings
from crawler.service.queues import ArqQueue, chain_key
from crawler.service.schedule import INSPECTION, Intervals, due_jobs, phase_ms
from crawler.service.scheduler import Scheduler
from crawler.site import Site
from crawler.store import open_store

pytestmark = pytest.mark.redis

HOUR_MS = 3_600_000
SITE = Site(code="5301000001", name="昆明市人民政府", region="昆明市", url="http://a.example/")


@pytest.fixture
async def settings(tmp_path: Path) -> AsyncIterator[Settings]:
    await _redis_up(REDIS_URL)
    settings = service_settings(sqlite_url(tmp_path), redis_url=REDIS_URL, probe_interval=3600.0)
    yield settings
    await _cleanup(REDIS_URL, settings.queue.prefix)


@contextlib.asynccontextmanager
async def _scheduler(settings: Settings, now_ms: int) -> AsyncIterator[Scheduler]:
    """A scheduler starting at now_ms on the real queue, as `govcrawl run` starts one."""
    queue = await ArqQueue.open(settings)
    try:
        async with open_store(settings.store.url) as store:
            scheduler = Scheduler(store, settings, queue, clock=lambda: now_ms / 1000)
            await scheduler.load()
            yield scheduler
    finally:
        await queue.close(0)


async def test_restart_across_the_half_interval_queues_nothing_twice(settings: Settings) -> None:
    async with open_store(settings.store.url) as store:
        await register(store, [SITE])
    phase = phase_ms(SITE.code, INSPECTION, timedelta(hours=1))
    slot = 20_000 * HOUR_MS + phase  # a slot that has begun
    before, after = slot + HOUR_MS // 2 - 1_000, slot + HOUR_MS // 2 + 1_000
    intervals = Intervals.from_settings(settings)
    nearest = {
        t: {d.kind: d.slot_ms for d in due_jobs([SITE], intervals, t, {})} for t in (before, after)
    }
    # The case in point: with nothing known, the two starts pick different slots.
    assert nearest[before][INSPECTION] == slot
    assert nearest[after][INSPECTION] == slot + HOUR_MS

    async with _scheduler(settings, before) as first:
        assert await first.tick() == 2  # a probe and an inspection

    async with _scheduler(settings, after) as again:
        job_id = f"{settings.queue.prefix}:{INSPECTION}:{SITE.code}:{slot}"
        assert job_id in await again.queue.in_flight()
        assert await again.queue.pool.exists(chain_key(settings.queue.prefix, job_id))
        assert again.done[(SITE.code, INSPECTION)] == slot
        assert await again.tick() == 0
        assert again.queued[INSPECTION] == 0
        # A recheck now is answered by the inspection under way, not queued beside it.
        assert await again.queue.inspecting(SITE.code) == job_id
        assert await again.recheck(SITE.code) == (job_id, False)
        assert await again.queue.inspecting("5301000002") is None
