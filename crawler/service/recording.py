"""The recorder loop: the service's only writer to the store.

Results arrive from a source (an asyncio queue in embedded mode, a Redis stream with a
consumer group in arq mode). A batch is acknowledged only after its transaction has
committed, so a store outage or a restart of the service loses nothing: an unacknowledged
batch is retried (embedded) or read again from the stream's pending list (arq). Every
write is idempotent by job id, so reading a batch twice records it once.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from pydantic import ValidationError
from redis.asyncio import Redis
from redis.exceptions import RedisError, ResponseError
from sqlalchemy import case, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from crawler.config import Settings
from crawler.recorder import record
from crawler.service.jobs import recorded_inspection, split_kinds
from crawler.service.schedule import parse_job_id
from crawler.store import Store, StoreError
from crawler.store.models import ResultRow
from crawler.store.service_models import ScheduleRow

log = logging.getLogger(__name__)
BATCH = 200  # envelopes per transaction
STORE_ERRORS = (OSError, SQLAlchemyError, StoreError, TimeoutError)
GROUP = "recorder"
CONSUMER = "service"

Confirm = Callable[[str, datetime], Awaitable[None]]


class ResultSource(Protocol):
    async def take(self, limit: int, wait_s: float) -> list[tuple[Any, dict]]: ...
    async def ack(self, tokens: Sequence[Any]) -> None: ...


class QueueSource:
    """Embedded mode: envelopes handed over in memory by the in-process pool."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[dict] = asyncio.Queue()

    async def put(self, envelope: dict) -> None:
        await self.queue.put(envelope)

    async def take(self, limit: int, wait_s: float) -> list[tuple[Any, dict]]:
        items: list[tuple[Any, dict]] = []
        try:
            async with asyncio.timeout(wait_s):
                items.append((None, await self.queue.get()))
        except TimeoutError:
            return items
        while len(items) < limit and not self.queue.empty():
            items.append((None, self.queue.get_nowait()))
        return items

    async def ack(self, tokens: Sequence[Any]) -> None:
        return None

    def backlog(self) -> int:
        return self.queue.qsize()


def stream_key(prefix: str) -> str:
    return f"{prefix}:results"


class StreamSource:
    """arq mode: workers XADD results; this consumer group reads and acks after commit."""

    def __init__(self, redis: Redis, prefix: str) -> None:
        self.redis = redis
        self.key = stream_key(prefix)
        self._pending_first = True  # after a restart, what was read but not acked comes first

    async def ensure_group(self) -> None:
        try:
            await self.redis.xgroup_create(self.key, GROUP, id="0", mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    async def take(self, limit: int, wait_s: float) -> list[tuple[Any, dict]]:
        try:
            if self._pending_first:
                got = await self.redis.xreadgroup(GROUP, CONSUMER, {self.key: "0"}, count=limit)
                entries = got[0][1] if got else []
                if entries:
                    return _decode(entries)
                self._pending_first = False
            got = await self.redis.xreadgroup(
                GROUP, CONSUMER, {self.key: ">"}, count=limit, block=int(wait_s * 1000)
            )
        except ResponseError as exc:
            if "NOGROUP" in str(exc):  # the stream was deleted under us: start again
                await self.ensure_group()
                return []
            raise
        return _decode(got[0][1]) if got else []

    async def ack(self, tokens: Sequence[Any]) -> None:
        if tokens:
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.xack(self.key, GROUP, *tokens)
                pipe.xdel(self.key, *tokens)  # acked entries are not needed again
                await pipe.execute()

    def reset(self) -> None:
        self._pending_first = True  # after a Redis outage, re-read what is pending

    async def backlog(self) -> int:
        return int(await self.redis.xlen(self.key))


def _decode(entries: list) -> list[tuple[Any, dict]]:
    out: list[tuple[Any, dict]] = []
    for entry_id, fields in entries:
        raw = fields.get(b"data") or fields.get("data")
        try:
            out.append((entry_id, json.loads(raw)))
        except (TypeError, ValueError):
            log.error("results stream entry %s is not JSON; dropped", entry_id)
            out.append((entry_id, {}))
    return out


# ------------------------------------------------------------------------ writing


def _insert(store: Store, table):  # type: ignore[no-untyped-def]
    return (postgresql if store.dialect == "postgresql" else sqlite).insert(table)


async def mark_slots(store: Store, job_ids: Sequence[str], now: datetime) -> None:
    """Remember the newest slot recorded per (site, kind); never moves backwards."""
    newest: dict[tuple[str, str], int] = {}
    for job_id in job_ids:
        due = parse_job_id(job_id)
        if due is not None:
            key = (due.code, due.kind)
            newest[key] = max(newest.get(key, due.slot_ms), due.slot_ms)
    if not newest:
        return
    stmt = _insert(store, ScheduleRow)
    stmt = stmt.on_conflict_do_update(
        index_elements=["code", "kind"],
        set_={
            "slot_ms": case(
                (stmt.excluded.slot_ms > ScheduleRow.slot_ms, stmt.excluded.slot_ms),
                else_=ScheduleRow.slot_ms,
            ),
            "recorded_at": stmt.excluded.recorded_at,
        },
    )
    rows = [
        {"code": code, "kind": kind, "slot_ms": slot, "recorded_at": now}
        for (code, kind), slot in sorted(newest.items())
    ]
    async with store.session() as session, session.begin():
        await session.execute(stmt, rows)


async def load_slots(store: Store) -> dict[tuple[str, str], int]:
    async with store.session() as session:
        rows = (
            await session.execute(select(ScheduleRow.code, ScheduleRow.kind, ScheduleRow.slot_ms))
        ).all()
    return {(code, kind): slot for code, kind, slot in rows}


async def record_probes(
    store: Store, settings: Settings, envelopes: Sequence[dict], now: datetime
) -> list[tuple[str, datetime]]:
    """Probes through the availability module (outage windows, confirmations) if present."""
    from crawler.probe import ProbeResult

    probes = [(e["job_id"], ProbeResult.model_validate(e["result"])) for e in envelopes]
    try:
        from crawler.availability import handle_probes
    except ImportError:
        await _store_probes_plainly(store, probes)
        return []
    return list(await handle_probes(store, settings, probes, now))


async def _store_probes_plainly(store: Store, probes: Sequence[tuple[str, Any]]) -> None:
    # Without the availability module a probe is kept as a result row of kind "probe".
    async with store.session() as session, session.begin():
        await session.execute(
            _insert(store, ResultRow).on_conflict_do_nothing(index_elements=["job_id"]),
            [
                {
                    "job_id": job_id,
                    "code": probe.code,
                    "kind": "probe",
                    "checked_at": probe.at,
                    "verdict": "not_checked",
                    "reachable": probe.ok,
                    "payload": probe.model_dump(mode="json"),
                }
                for job_id, probe in probes
            ],
        )


async def write_batch(
    store: Store, settings: Settings, envelopes: Sequence[dict], now: datetime
) -> list[tuple[str, datetime]]:
    """Record one batch; returns the confirmation probes the availability rules ask for."""
    probes, inspections = split_kinds(envelopes)
    if inspections:
        await record(store, [recorded_inspection(e) for e in inspections])
    confirmations = await record_probes(store, settings, probes, now) if probes else []
    await mark_slots(store, [e["job_id"] for e in envelopes], now)
    return confirmations


def valid(envelope: dict) -> bool:
    """A malformed envelope is logged and dropped rather than blocking the stream."""
    try:
        if envelope.get("kind") == "probe":
            from crawler.probe import ProbeResult

            ProbeResult.model_validate(envelope["result"])
        else:
            recorded_inspection(envelope)
        return isinstance(envelope["job_id"], str)
    except (KeyError, TypeError, ValueError, ValidationError) as exc:
        log.error("result %r is malformed and was dropped: %s", envelope.get("job_id"), exc)
        return False


@dataclass
class RecorderState:
    store_ok: bool = True
    source_ok: bool = True
    recorded: int = 0
    batches: int = 0
    last_error: str = ""
    last_recorded_at: datetime | None = None
    seen: dict[str, int] = field(default_factory=lambda: {"probe": 0, "inspection": 0})


class Recorder:
    def __init__(
        self,
        store: Store,
        settings: Settings,
        source: ResultSource,
        confirm: Confirm | None = None,
        *,
        max_backoff_s: float = 5.0,
    ) -> None:
        self.store = store
        self.settings = settings
        self.source = source
        self.confirm = confirm
        self.state = RecorderState()
        self.max_backoff_s = max_backoff_s
        self.idle = asyncio.Event()  # set whenever a take came back empty

    async def run(self, stop: asyncio.Event, drain_s: float = 30.0) -> None:
        """Record until stop is set and the source has nothing more right now, or drain_s
        after stop (busy workers keep adding; what is left waits in the stream)."""
        loop = asyncio.get_running_loop()
        stopped_at: float | None = None
        while True:
            if stop.is_set():
                stopped_at = stopped_at or loop.time()
                if loop.time() - stopped_at > drain_s:
                    return
            try:
                items = await self.source.take(BATCH, 0.2 if stop.is_set() else 0.5)
                self.state.source_ok = True
            except (RedisError, OSError) as exc:
                self._source_down(exc)
                if stop.is_set():
                    return
                await _sleep_or(stop, 1.0)
                continue
            if not items:
                self.idle.set()
                if stop.is_set():
                    return
                continue
            self.idle.clear()
            await self._commit(items, stop)

    def _source_down(self, exc: BaseException) -> None:
        if self.state.source_ok:
            log.warning("results source unreachable: %s", exc)
        self.state.source_ok = False
        reset = getattr(self.source, "reset", None)
        if reset is not None:
            reset()

    async def _commit(self, items: list[tuple[Any, dict]], stop: asyncio.Event) -> None:
        envelopes = [env for _, env in items if valid(env)]
        delay = 0.2
        while True:
            try:
                confirmations = await write_batch(
                    self.store, self.settings, envelopes, datetime.now(UTC)
                )
                break
            except STORE_ERRORS as exc:
                if self.state.store_ok:
                    log.warning("store unavailable, keeping %d results: %s", len(envelopes), exc)
                self.state.store_ok = False
                self.state.last_error = str(exc)[:300]
                await asyncio.sleep(delay)  # not cut short by stop: results must not be lost
                delay = min(delay * 2, self.max_backoff_s)
        self.state.store_ok = True
        # Counted once committed: the store holds them whether or not the ack goes through.
        self.state.recorded += len(envelopes)
        self.state.batches += 1
        self.state.last_recorded_at = datetime.now(UTC)
        for env in envelopes:
            self.state.seen[env["kind"]] = self.state.seen.get(env["kind"], 0) + 1
        tokens = [token for token, _ in items if token is not None]
        while True:
            try:
                await self.source.ack(tokens)
                break
            except (RedisError, OSError) as exc:
                # Unacked entries are read again later and recorded as no-ops.
                self._source_down(exc)
                if stop.is_set():
                    break
                await asyncio.sleep(1.0)
        if self.confirm is not None:
            for code, when in confirmations:
                with contextlib.suppress(RedisError, OSError):
                    await self.confirm(code, when)


async def _sleep_or(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            await stop.wait()
