"""The scheduler loop: reads the registry, queues what is due, never the same slot twice."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime

from redis.exceptions import RedisError
from sqlalchemy.exc import SQLAlchemyError

from crawler.config import Settings
from crawler.registry import load_sites
from crawler.service.queues import JobQueue
from crawler.service.recording import load_slots
from crawler.service.schedule import (
    INSPECTION,
    PROBE,
    Due,
    Intervals,
    due_jobs,
    parse_job_id,
    recheck_job_id,
    to_ms,
)
from crawler.site import Site
from crawler.store import Store

log = logging.getLogger(__name__)
ENQUEUE_CHUNK = 100  # enqueues in flight at once (arq: one Redis round trip each)


class Scheduler:
    def __init__(
        self,
        store: Store,
        settings: Settings,
        queue: JobQueue,
        *,
        clock: Callable[[], float] = time.time,
        tick_s: float | None = None,
    ) -> None:
        self.store = store
        self.settings = settings
        self.queue = queue
        self.clock = clock
        self.intervals = Intervals.from_settings(settings)
        self.prefix = settings.queue.prefix
        # Half the shortest interval, at most a second: a slot is queued soon after it starts.
        shortest = min(self.intervals.probe, self.intervals.inspection).total_seconds()
        self.tick_s = tick_s if tick_s is not None else min(1.0, shortest / 4)
        self.sites: dict[str, Site] = {}
        self.done: dict[tuple[str, str], int] = {}
        self.queued = {PROBE: 0, INSPECTION: 0}
        self.last_tick: datetime | None = None
        self.first_tick_ms: int | None = None  # the schedule's window, for status and tests
        self.last_tick_ms: int | None = None
        self.registry_loaded_at = 0.0
        self.queue_ok = True
        self._reload = asyncio.Event()

    def now_ms(self) -> int:
        return int(self.clock() * 1000)

    async def load(self) -> None:
        """The registry, the slots already recorded and those still queued or running (a
        restart carries on from there: a site's nearest slot may have moved meanwhile)."""
        slots = list((await load_slots(self.store)).items())
        queued = (parse_job_id(job_id) for job_id in await self.queue.in_flight())
        slots += [((due.code, due.kind), due.slot_ms) for due in queued if due is not None]
        for key, slot in slots:
            self.done[key] = max(self.done.get(key, slot), slot)
        await self.reload_registry()

    async def reload_registry(self) -> tuple[int, int]:
        sites = {site.code: site for site in await load_sites(self.store)}
        added = len(sites.keys() - self.sites.keys())
        removed = len(self.sites.keys() - sites.keys())
        if added or removed:
            log.info("registry: %d sites (%d added, %d removed)", len(sites), added, removed)
        self.sites = sites
        self.registry_loaded_at = time.monotonic()
        return added, removed

    def request_reload(self) -> None:
        self._reload.set()

    async def tick(self) -> int:
        """Queue every due job; returns how many were queued."""
        now_ms = self.now_ms()
        due = due_jobs(self.sites.values(), self.intervals, now_ms, self.done)
        queued = 0
        for start in range(0, len(due), ENQUEUE_CHUNK):
            chunk = due[start : start + ENQUEUE_CHUNK]
            results = await asyncio.gather(*(self._enqueue(d) for d in chunk))
            queued += sum(results)
        self.last_tick = datetime.now(UTC)
        self.first_tick_ms = self.first_tick_ms or now_ms
        self.last_tick_ms = now_ms
        _metric("scheduler_tick")
        return queued

    async def _enqueue(self, due: Due) -> bool:
        site = self.sites.get(due.code)
        if site is None:
            return False
        fresh = await self.queue.enqueue(due.kind, due.job_id(self.prefix), site)
        # False: that id is already waiting or running (e.g. queued before a restart).
        self.done[(due.code, due.kind)] = due.slot_ms
        if fresh:
            self.queued[due.kind] += 1
        return fresh

    async def run(self, stop: asyncio.Event) -> None:
        poll = self.settings.queue.registry_poll.total_seconds()
        while not stop.is_set():
            try:
                if self._reload.is_set() or time.monotonic() - self.registry_loaded_at >= poll:
                    self._reload.clear()
                    await self.reload_registry()
                await self.tick()
                self.queue_ok = True
            except (RedisError, OSError, SQLAlchemyError) as exc:
                # Nothing is marked done unless queued: the next tick tries again.
                if self.queue_ok:
                    log.warning("scheduler: %s; retrying", exc)
                self.queue_ok = False
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.tick_s):
                    await _first(stop, self._reload)

    async def confirm(self, code: str, when: datetime) -> None:
        """A confirmation probe the availability rules asked for after a failure."""
        site = self.sites.get(code)
        if site is not None:
            await self.queue.enqueue(
                PROBE, f"{self.prefix}:confirm:{code}:{to_ms(when)}", site, when
            )

    async def recheck(self, code: str) -> tuple[str, bool] | None:
        """An inspection now, outside the schedule: (job id, queued). Not queued when one
        of that site is already waiting or running (its id is given instead: its result
        is the one asked for); None for a site not scheduled."""
        site = self.sites.get(code)
        if site is None:
            return None
        if under_way := await self.queue.inspecting(code):
            return under_way, False
        job_id = recheck_job_id(self.prefix, code, self.now_ms())
        return job_id, await self.queue.enqueue(INSPECTION, job_id, site)


async def _first(*events: asyncio.Event) -> None:
    waits = [asyncio.ensure_future(e.wait()) for e in events]
    try:
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for w in waits:
            w.cancel()


def _metric(name: str, *args: object) -> None:
    try:
        from crawler import metrics
    except ImportError:
        return
    fn = getattr(metrics, name, None)
    if fn is not None:
        fn(*args)
