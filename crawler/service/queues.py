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
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from crawler.config import Settings
from crawler.service.jobs import JobContext, run_job, site_payload
from crawler.service.schedule import (
    INSPECTION,
    KINDS,
    PROBE,
    inspection_id_of,
)
from crawler.site import Site

log = logging.getLogger(__name__)

FUNCTION = {PROBE: "probe", INSPECTION: "inspect"}  # arq function names


def queue_name(prefix: str, kind: str) -> str:
    return f"{prefix}:queue:{kind}"


def chain_key(prefix: str, job_id: str) -> str:
    """Set when an inspection is queued, kept until it has surely ended and been recorded
    (a TTL, never deleted): arq knows a job's id only while that job waits or runs, an
    inspection's later jobs have ids of their own, and a restarted scheduler may not yet
    know of a result still on its way to the store."""
    return f"{prefix}:inspecting:{job_id}"


def chain_ttl(settings: Settings) -> timedelta:
    """How long an inspection may wait and work: a lost chain frees its slot after this."""
    return settings.inspect.interval + 2 * settings.queue.inspect_timeout


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
    async def in_flight(self) -> list[str]: ...
    async def inspecting(self, code: str) -> str | None: ...


class EmbeddedQueue:
    """Bounded pools of asyncio tasks running the job functions in this process."""

    def __init__(
        self, settings: Settings, ctx: JobContext, sink: Callable[[dict], Awaitable[None]]
    ) -> None:
        self.ctx = ctx
        self.sink = sink
        # (job id, site, paused inspection or None)
        self.queues: dict[str, asyncio.Queue[tuple[str, dict, dict | None]]] = {
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
            self.queues[kind].put_nowait((job_id, site_payload(site), None))
        return True

    def _put_later(self, kind: str, job_id: str, site: dict) -> None:
        self._timers.pop(job_id, None)
        if not self.closing:
            self.queues[kind].put_nowait((job_id, site, None))

    async def _work(self, kind: str) -> None:
        queue = self.queues[kind]
        while True:
            job_id, site, part = await queue.get()
            going_on = False
            try:
                envelope = await run_job(self.ctx, kind, job_id, site, part)
                if "next" in envelope:
                    # Behind the jobs already waiting, as in arq: a long inspection does
                    # not hold a slot while other sites wait.
                    going_on = not self.closing
                    if going_on:
                        queue.put_nowait((job_id, site, envelope["next"]))
                else:
                    await self.sink(envelope)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("%s job %s failed", kind, job_id)
            finally:
                if not going_on:
                    self.pending.discard(job_id)
                    if not self.pending:
                        self._drained.set()

    async def depth(self) -> dict[str, int]:
        return {kind: q.qsize() for kind, q in self.queues.items()}

    async def in_flight(self) -> list[str]:
        return sorted(self.pending)

    async def inspecting(self, code: str) -> str | None:
        """The id of an inspection of that site waiting or running, if any."""
        return next(filter(None, (inspection_id_of(j, code) for j in self.pending)), None)

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
                job_id, _, _ = queue.get_nowait()
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
        marker = chain_key(self.prefix, job_id) if kind == INSPECTION else None
        if marker is not None:
            ttl = int((chain_ttl(self.settings) + expires).total_seconds() * 1000)
            if not await self.pool.set(marker, "1", nx=True, px=ttl):
                return False  # under way in a later job of its chain
        try:
            job = await self.pool.enqueue_job(
                FUNCTION[kind],
                site_payload(site),
                _job_id=job_id,
                _queue_name=queue_name(self.prefix, kind),
                _defer_until=at,
                _expires=expires,
            )
        except BaseException:
            if marker is not None:
                with contextlib.suppress(Exception):
                    await self.pool.delete(marker)  # not queued: do not block the slot
            raise
        return job is not None

    async def in_flight(self) -> list[str]:
        """Ids of the jobs not surely ended: waiting or running in arq, or an inspection
        whose chain marker still stands (a restarted scheduler must not queue them again)."""
        from arq.constants import in_progress_key_prefix, job_key_prefix

        ours = f"{_glob_escape(self.prefix)}:*"
        ids = {job_id async for job_id in self._ids(chain_key(self.prefix, ""))}
        for key_prefix in (job_key_prefix, in_progress_key_prefix):
            ids.update([job_id async for job_id in self._ids(key_prefix, ours)])
        return sorted(ids)

    async def inspecting(self, code: str) -> str | None:
        """The id of an inspection of that site waiting or running, if any (arq keeps a
        job's key until it ends; a chain's later jobs are named after the first)."""
        from arq.constants import job_key_prefix

        async for job_id in self._ids(job_key_prefix, f"{_glob_escape(self.prefix)}:*:{code}:*"):
            if found := inspection_id_of(job_id, code):
                return found
        return None

    async def _ids(self, key_prefix: str, rest: str = "*") -> AsyncIterator[str]:
        """What follows ``key_prefix`` in the keys matching ``rest`` (a glob) after it."""
        async for key in self.pool.scan_iter(match=_glob_escape(key_prefix) + rest, count=1000):
            text = key.decode() if isinstance(key, bytes) else key
            yield text[len(key_prefix) :]

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


def _glob_escape(text: str) -> str:
    return re.sub(r"([\\*?\[\]])", r"\\\1", text)


def redis_settings(url: str):  # type: ignore[no-untyped-def]
    from arq.connections import RedisSettings

    # Retry briefly at start-up; afterwards the redis client reconnects on its own.
    return dataclasses.replace(RedisSettings.from_dsn(url), conn_retries=3, conn_retry_delay=1)
