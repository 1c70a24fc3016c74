"""arq workers: the job functions exposed to arq and the settings each queue runs with.

`govcrawl worker` runs one arq Worker per queue (probes, inspections) in one process, so
probes never wait behind inspections. Jobs are JSON (never pickle). A job's envelope goes
to the recorder's Redis stream; arq keeps no result (keep_result=0), which frees the job
id as soon as it finished. An inspection longer than ``queue.inspect_slice`` goes on in a
further job (``<job id>:part<n>``) that the worker queues itself; the last one hands the
result over.

Only a Redis error while handing over is retried (arq.Retry); any other exception fails
the job at once and the site's next slot runs as usual. A worker killed mid-job leaves it
claimed until its in-progress key expires (job timeout + 10 s: one slice's worth), then
another worker runs it from where that job began; the recorder drops a duplicate.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import socket
from datetime import timedelta
from typing import Any, ClassVar

from arq import Retry
from arq.worker import Worker, func
from redis.exceptions import RedisError

from crawler.config import Settings, load_settings
from crawler.service.jobs import HANDOVER_S, JobContext, inspect_job_seconds, run_job
from crawler.service.queues import (
    chain_ttl,
    dumps,
    loads,
    queue_name,
    redis_settings,
)
from crawler.service.recording import stream_key
from crawler.service.schedule import INSPECTION, KINDS, PROBE, part_job_id

log = logging.getLogger(__name__)
RESTART_DELAY_S = 2.0
HANDOVER = timedelta(seconds=HANDOVER_S)  # after losing Redis, a worker starts again this soon


async def _hand_over(ctx: dict, kind: str, site: dict, part: dict | None = None) -> None:
    job: JobContext = ctx["govcrawl"]
    prefix = job.settings.queue.prefix
    job_id = part["job_id"] if part else ctx["job_id"]
    envelope = await run_job(job, kind, job_id, site, part["state"] if part else None)
    try:
        if "next" in envelope:
            number = (part["part"] if part else 1) + 1
            await ctx["redis"].enqueue_job(
                "inspect",
                site,
                {"job_id": job_id, "part": number, "state": envelope["next"]},
                _job_id=part_job_id(job_id, number),
                _queue_name=queue_name(prefix, INSPECTION),
                _expires=chain_ttl(job.settings),
            )
            return
        await ctx["redis"].xadd(
            stream_key(prefix), {"data": json.dumps(envelope, ensure_ascii=False)}
        )
    except RedisError as exc:
        raise Retry(defer=2) from exc


async def probe(ctx: dict, site: dict) -> None:
    await _hand_over(ctx, PROBE, site)


async def inspect(ctx: dict, site: dict, part: dict | None = None) -> None:
    """An inspection job: the first of its chain, or a further ``part`` of one."""
    await _hand_over(ctx, INSPECTION, site, part)


def worker_kwargs(settings: Settings, kind: str, job: JobContext) -> dict[str, Any]:
    """arq Worker arguments for one queue."""
    q = settings.queue
    timeout = q.probe_timeout if kind == PROBE else timedelta(seconds=inspect_job_seconds(settings))
    concurrency = q.probe_concurrency if kind == PROBE else settings.queue.inspect_concurrency
    function = func(
        probe if kind == PROBE else inspect, name="probe" if kind == PROBE else "inspect"
    )

    async def startup(ctx: dict) -> None:
        ctx["govcrawl"] = job

    return {
        "functions": [function],
        "queue_name": queue_name(q.prefix, kind),
        "redis_settings": redis_settings(q.redis_url),
        "job_serializer": dumps,
        "job_deserializer": loads,
        "max_jobs": concurrency,
        "job_timeout": timeout,
        "keep_result": 0,
        "max_tries": 3,
        "health_check_interval": q.health_check_interval,
        "handle_signals": False,
        "on_startup": startup,
        "poll_delay": 0.05,  # a finished job's slot is refilled soon (arq default: 0.5 s)
        # On SIGTERM: stop taking jobs, let running ones finish within the grace, then
        # cancel the rest (arq re-queues a cancelled job for another worker).
        "job_completion_wait": max(1, int(q.shutdown_grace.total_seconds())),
    }


def worker_key(prefix: str) -> str:
    return f"{prefix}:workers:{socket.gethostname()}:{os.getpid()}"


async def _heartbeat(settings: Settings, job: JobContext, stop: asyncio.Event) -> None:
    """A per-process key with a TTL: `govcrawl status` counts live workers by it."""
    from redis.asyncio import Redis

    interval = settings.queue.health_check_interval.total_seconds()
    redis = Redis.from_url(settings.queue.redis_url, socket_timeout=5)
    key = worker_key(settings.queue.prefix)
    try:
        while not stop.is_set():
            with contextlib.suppress(RedisError, OSError):
                await redis.set(key, json.dumps(job.running), ex=int(interval * 2 + 1))
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(interval):
                    await stop.wait()
        with contextlib.suppress(RedisError, OSError):
            await redis.delete(key)
    finally:
        await redis.aclose()


async def _run_queue(settings: Settings, kind: str, job: JobContext, stop: asyncio.Event) -> None:
    """One arq Worker, started again after a Redis outage rather than crashing the process."""
    while not stop.is_set():
        worker = Worker(**worker_kwargs(settings, kind, job))
        main = asyncio.create_task(worker.async_run())
        halt = asyncio.create_task(stop.wait())
        try:
            await asyncio.wait({main, halt}, return_when=asyncio.FIRST_COMPLETED)
            if main.done() and not main.cancelled() and main.exception() is not None:
                log.warning("%s worker stopped: %s; starting again", kind, main.exception())
        finally:
            halt.cancel()
            if not main.done():
                worker.handle_sig_wait_for_completion(signal.SIGTERM)
                with contextlib.suppress(Exception, asyncio.CancelledError):
                    await main
            # close() cancels the jobs still running (arq hands them back) and may raise
            # their CancelledError or Redis errors: neither may end this loop.
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await worker.close()
        if not stop.is_set():
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(RESTART_DELAY_S):
                    await stop.wait()


async def run_workers(
    settings: Settings, stop: asyncio.Event, kinds: tuple[str, ...] = KINDS
) -> None:
    job = await JobContext.open(settings)
    try:
        await asyncio.gather(
            _heartbeat(settings, job, stop),
            *(_run_queue(settings, kind, job, stop) for kind in kinds),
        )
    finally:
        await job.close()


async def _arq_startup(ctx: dict) -> None:
    ctx["govcrawl"] = await JobContext.open(load_settings())


async def _arq_shutdown(ctx: dict) -> None:
    if "govcrawl" in ctx:
        await ctx["govcrawl"].close()


class WorkerSettings:
    """For arq's own command line, ``arq workers.settings.WorkerSettings``: the inspections
    queue of the default prefix (`govcrawl worker` runs both queues and is preferred).
    The Redis URL is read from GOVCRAWL_QUEUE__REDIS_URL."""

    functions: ClassVar[list] = [func(probe, name="probe"), func(inspect, name="inspect")]
    queue_name = queue_name(os.environ.get("GOVCRAWL_QUEUE__PREFIX", "govcrawl"), INSPECTION)
    redis_settings = redis_settings(
        os.environ.get("GOVCRAWL_QUEUE__REDIS_URL") or "redis://127.0.0.1:6379/0"
    )
    job_serializer = staticmethod(dumps)
    job_deserializer = staticmethod(loads)
    keep_result = 0
    on_startup = _arq_startup
    on_shutdown = _arq_shutdown
