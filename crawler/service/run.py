"""`govcrawl run`: scheduler, recorder and HTTP in one process, plus the pool when embedded."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from redis.asyncio import Redis

from crawler.config import Settings
from crawler.service.jobs import JobContext
from crawler.service.queues import ArqQueue, EmbeddedQueue, JobQueue
from crawler.service.recording import QueueSource, Recorder, ResultSource, StreamSource
from crawler.service.scheduler import Scheduler
from crawler.store import Store, open_store
from crawler.web.app import build_app

log = logging.getLogger(__name__)
STARTUP_DRAIN_S = 10.0  # arq: results left in the stream are recorded before scheduling


@dataclass
class Service:
    """The running parts, for the HTTP side and for tests."""

    settings: Settings
    store: Store
    queue: JobQueue
    scheduler: Scheduler
    recorder: Recorder
    source: ResultSource
    redis: Redis | None = None
    url: str = ""
    started: asyncio.Event = field(default_factory=asyncio.Event)

    async def readiness(self) -> dict[str, bool]:
        checks = {"recorder_store": self.recorder.state.store_ok}
        if self.redis is not None:
            checks["queue"] = await self.queue.ping() and self.recorder.state.source_ok
        return checks

    async def recheck(self, code: str) -> tuple[str, bool] | None:
        return await self.scheduler.recheck(code)

    def reload_registry(self) -> None:
        self.scheduler.request_reload()

    async def describe(self) -> dict[str, Any]:
        """The service's own state for /api/service and `govcrawl status`."""
        sched, rec = self.scheduler, self.recorder.state
        depth: dict[str, int] | str
        try:
            depth = await self.queue.depth()
        except Exception as exc:  # shown, not raised: the endpoint must answer in an outage
            depth = f"unreachable: {exc}"
        return {
            "mode": "arq" if self.redis is not None else "embedded",
            "sites": len(sched.sites),
            "queued": dict(sched.queued),
            "queue_depth": depth,
            "schedule_window_ms": [sched.first_tick_ms, sched.last_tick_ms],
            "last_tick": sched.last_tick,
            "recorder": {
                "store_ok": rec.store_ok,
                "source_ok": rec.source_ok,
                "recorded": rec.recorded,
                "by_kind": dict(rec.seen),
                "last_recorded_at": rec.last_recorded_at,
                "last_error": rec.last_error,
            },
        }


def _optional(module: str, name: str) -> Callable[..., Any] | None:
    try:
        mod = __import__(module, fromlist=[name])
    except ImportError:
        return None
    return getattr(mod, name, None)


async def run_service(
    settings: Settings,
    stop: asyncio.Event,
    *,
    on_started: Callable[[Service], None] | None = None,
) -> None:
    """Run until stop is set, then shut down in order: schedule, jobs, results, HTTP."""
    async with open_store(settings.store.url) as store, contextlib.AsyncExitStack() as exits:
        redis: Redis | None = None
        source: ResultSource
        queue: JobQueue
        grace = settings.queue.shutdown_grace.total_seconds()
        if settings.queue.redis_url:
            redis = Redis.from_url(
                settings.queue.redis_url, socket_timeout=5, socket_connect_timeout=3
            )
            exits.push_async_callback(redis.aclose)
            stream = StreamSource(redis, settings.queue.prefix)
            await stream.ensure_group()
            source = stream
            queue = await ArqQueue.open(settings)
        else:
            embedded = QueueSource()
            source = embedded
            queue = EmbeddedQueue(settings, await JobContext.open(settings), embedded.put)
        exits.push_async_callback(queue.close, grace)  # idempotent: also on a failed start
        scheduler = Scheduler(store, settings, queue)
        recorder = Recorder(store, settings, source, confirm=scheduler.confirm)
        service = Service(settings, store, queue, scheduler, recorder, source, redis)

        recorder_stop = asyncio.Event()
        # arq: busy workers keep adding, so the drain is bounded (the rest waits in the
        # stream); embedded: nothing adds after the pool closed, and memory is all there is.
        drain = grace if redis is not None else float("inf")
        recording = asyncio.create_task(recorder.run(recorder_stop, drain), name="recorder")
        tasks: list[asyncio.Task] = []
        runner: web.AppRunner | None = None
        try:
            if redis is not None:
                # Results that arrived while the service was down are recorded first, so
                # the scheduler knows their slots are done and does not queue them again.
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(STARTUP_DRAIN_S):
                        await recorder.idle.wait()
            await scheduler.load()
            tasks.append(asyncio.create_task(scheduler.run(stop), name="scheduler"))
            tasks.append(asyncio.create_task(_gauges(service, stop), name="gauges"))
            deliver = _optional("crawler.alerts.outbox", "deliver_forever")
            if deliver is not None:
                tasks.append(asyncio.create_task(deliver(store, settings, stop), name="alerts"))
            runner = web.AppRunner(
                build_app(store, settings, service), access_log=None, handle_signals=False
            )
            await runner.setup()
            host, _, port = settings.http.listen.rpartition(":")
            await web.TCPSite(runner, host, int(port), reuse_address=True).start()
            bound = runner.addresses[0] if runner.addresses else (host, int(port))
            service.url = f"http://{bound[0]}:{bound[1]}"
            log.info(
                "govcrawl run: %d sites, %s mode, store %s, http %s",
                len(scheduler.sites),
                "arq" if redis else "embedded",
                store.display_url,
                service.url,
            )
            service.started.set()
            if on_started is not None:
                on_started(service)
            await stop.wait()
        finally:
            log.info("stopping: no new jobs; running jobs get %.0f s", grace)
            stop.set()
            await asyncio.gather(*tasks, return_exceptions=True)  # scheduler, alerts
            await queue.close(grace)
            recorder_stop.set()  # records what the finished jobs handed over, then ends
            await recording
            if runner is not None:
                await runner.cleanup()


GAUGE_EVERY_S = 5.0


async def _gauges(service: Service, stop: asyncio.Event) -> None:
    """Queue depth, jobs running and live workers for /metrics, every few seconds."""
    try:
        from crawler import metrics
    except ImportError:
        return
    while not stop.is_set():
        with contextlib.suppress(Exception):  # a gauge is never worth stopping the service
            for kind, depth in (await service.queue.depth()).items():
                metrics.set_queue_depth(kind, depth)
            backlog = service.source.backlog()
            if asyncio.iscoroutine(backlog):
                backlog = await backlog
            metrics.set_queue_depth("results", int(backlog))
            running, workers = await _workers(service)
            for kind, count in running.items():
                metrics.set_jobs_in_flight(kind, count)
            metrics.set_workers(workers)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(GAUGE_EVERY_S):
                await stop.wait()


async def _workers(service: Service) -> tuple[dict[str, int], int]:
    """Jobs running by kind and the number of live workers (1: the in-process pool)."""
    if service.redis is None:
        return dict(getattr(service.queue, "running", lambda: {})()), 1
    import json

    running: dict[str, int] = {}
    workers = 0
    async for key in service.redis.scan_iter(match=f"{service.settings.queue.prefix}:workers:*"):
        raw = await service.redis.get(key)
        if raw is None:
            continue
        workers += 1
        for kind, count in json.loads(raw).items():
            running[kind] = running.get(kind, 0) + int(count)
    return running, workers


async def serve_until_signalled(settings: Settings) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    await run_service(settings, stop)
