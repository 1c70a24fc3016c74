"""Where jobs wait: an in-process pool (embedded) or arq queues on Redis (distributed).

Both take the same call, ``enqueue(kind, job_id, site, at=None) -> bool``; False means a
job with that id is already waiting or running, so nothing was queued. Probes and
inspections have separate queues, so probes never wait behind inspections (arq has no
priorities).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from crawler.config import Settings
from crawler.service.jobs import JobContext, run_job, site_payload
from crawler.service.schedule import INSPECTION, KINDS, PROBE
from crawler.site import Site

log = logging.getLogger(__name__)

FUNCTION = {PROBE: "probe", INSPECTION: "inspect"}  # arq function names


def queue_name(prefix: str, kind: str) -> str:
    return f"{prefix}:queue:{kind}"


def dumps(value: Any) -> bytes:
    """arq's job serializer: JSON, never pickle. arq also serializes a failed job's
    exception; that becomes its repr."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=repr).encode()


def loads(raw: bytes) -> Any:
    return json.loads(raw)


class JobQueue(Protocol):
    async def enqueue(
        self, kind: str, job_id: str, site: Site, at: datetime | None = None
    ) -> bool: ...
    async def depth(self) -> dict[str, int]: ...
    async def ping(self) -> bool: ...
    async def close(self, grace_s: float) -> None: ...


class EmbeddedQueue:
    """Bounded pools of asyncio tasks running the job functions in this process."""

    def __init__(
        self, settings: Settings, ctx: JobContext, sink: Callable[[dict], Awaitable[None]]
    ) -> None:
        self.ctx = ctx
        self.sink = sink
        self.queues: dict[str, asyncio.Queue[tuple[str, dict]]] = {
            k: asyncio.Queue() for k in KINDS
        }
        self.pending: set[str] = set()  # ids waiting or running: never queued twice
        self._drained = asyncio.Event()
        self.closing = False
        size = {
            PROBE: settings.queue.probe_concurrency,
            INSPECTION: settings.queue.inspect_concurrency,
        }
        self._workers = [
            asyncio.create_task(self._work(kind), name=f"{kind}-worker-{i}")
            for kind in KINDS
            for i in range(size[kind])
        ]
        self._timers: dict[str, asyncio.TimerHandle] = {}

    async def enqueue(self, kind: str, job_id: str, site: Site, at: datetime | None = None) -> bool:
        if self.closing or job_id in self.pending:
            return False
        self.pending.add(job_id)
        delay = (at - datetime.now(UTC)).total_seconds() if at else 0.0
        if delay > 0:
            loop = asyncio.get_running_loop()
            timer = loop.call_later(delay, self._put_later, kind, job_id, site_payload(site))
            self._timers[job_id] = timer
        else:
            self.queues[kind].put_nowait((job_id, site_payload(site)))
        return True

    def _put_later(self, kind: str, job_id: str, site: dict) -> None:
        self._timers.pop(job_id, None)
        if not self.closing:
            self.queues[kind].put_nowait((job_id, site))

    async def _work(self, kind: str) -> None:
        queue = self.queues[kind]
        while True:
            job_id, site = await queue.get()
            try:
                envelope = await run_job(self.ctx, kind, job_id, site)
                await self.sink(envelope)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("%s job %s failed", kind, job_id)
            finally:
                self.pending.discard(job_id)
                if not self.pending:
                    self._drained.set()

    async def depth(self) -> dict[str, int]:
        return {kind: q.qsize() for kind, q in self.queues.items()}

    def running(self) -> dict[str, int]:
        return dict(self.ctx.running)

    async def ping(self) -> bool:
        return True

    async def close(self, grace_s: float) -> None:
        """No new jobs; running ones get grace_s to finish; waiting ones are dropped.

        A dropped job's slot was never recorded, so the next start queues it again.
        """
        if self.closing:
            return
        self.closing = True
        for job_id, timer in self._timers.items():
            timer.cancel()
            self.pending.discard(job_id)
        for queue in self.queues.values():
            while not queue.empty():
                job_id, _ = queue.get_nowait()
                self.pending.discard(job_id)
        if self.pending:
            self._drained.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(grace_s):
                    await self._drained.wait()
        for task in self._workers:
            task.cancel()
        await asyncio.gather(*self._workers, return_exceptions=True)
        await self.ctx.close()


class ArqQueue:
    """arq on Redis: a queue per kind, jobs named by id, results never kept by arq.

    arq refuses a second job with an id while the first is queued, running or its result
    is kept; results go to the recorder's stream instead, so keep_result is 0 and an id is
    free again once its job has finished.
    """

    def __init__(self, settings: Settings, pool: Any) -> None:
        self.settings = settings
        self.pool = pool
        self.prefix = settings.queue.prefix
        # A job not started by its next slot is stale: the next slot supersedes it.
        self.expires = {PROBE: settings.probe.interval, INSPECTION: settings.inspect.interval}

    @classmethod
    async def open(cls, settings: Settings) -> ArqQueue:
        from arq.connections import create_pool

        pool = await create_pool(
            redis_settings(settings.queue.redis_url),
            job_serializer=dumps,
            job_deserializer=loads,
            default_queue_name=queue_name(settings.queue.prefix, PROBE),
        )
        return cls(settings, pool)

    async def enqueue(self, kind: str, job_id: str, site: Site, at: datetime | None = None) -> bool:
        expires: timedelta = self.expires[kind]
        if at is not None:
            expires += max(timedelta(0), at - datetime.now(UTC))
        job = await self.pool.enqueue_job(
            FUNCTION[kind],
            site_payload(site),
            _job_id=job_id,
            _queue_name=queue_name(self.prefix, kind),
            _defer_until=at,
            _expires=expires,
        )
        return job is not None

    async def depth(self) -> dict[str, int]:
        async with self.pool.pipeline(transaction=False) as pipe:
            for kind in KINDS:
                pipe.zcard(queue_name(self.prefix, kind))
            counts = await pipe.execute()
        return dict(zip(KINDS, (int(c) for c in counts), strict=True))

    async def ping(self) -> bool:
        try:
            async with asyncio.timeout(2):
                return bool(await self.pool.ping())
        except Exception:  # any failure means "not reachable" to /readyz
            return False

    async def close(self, grace_s: float) -> None:
        with contextlib.suppress(Exception):
            await self.pool.aclose()


def redis_settings(url: str):  # type: ignore[no-untyped-def]
    from arq.connections import RedisSettings

    # Retry briefly at start-up; afterwards the redis client reconnects on its own.
    return dataclasses.replace(RedisSettings.from_dsn(url), conn_retries=3, conn_retry_delay=1)
