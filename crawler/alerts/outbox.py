"""The durable alert outbox: messages are rows first, deliveries second.

``enqueue`` adds one row per configured hook inside the caller's transaction (the same one
that records the outage), keyed so that a message is never enqueued twice. ``deliver_forever``
sends them: per (hook, site) strictly in id order, one at a time; failures retry with
doubling pauses from ``alerts.retry_initial`` up to ``alerts.retry_max``, for as long as it
takes. A row is marked delivered right after its hook accepted it, so a crash between the
two can repeat one message (receivers get ``delivery_id`` to drop such a repeat).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from crawler.alerts.hooks import DeliveryError, hook_id, hook_label, send
from crawler.config import HookConfig, Settings
from crawler.metrics import observe_alert_delivery
from crawler.store import Store
from crawler.store.availability_models import OutboxRow

log = logging.getLogger(__name__)

POLL_SECONDS = 1.0  # longest sleep when nothing is due (enqueue also wakes the loop)
PARALLEL = 8  # deliveries in flight at once (different sites or hooks)
REPORT_CHECK_MAX_S = 60.0  # longest pause between checks for report thresholds passed
PRUNE_EVERY_S = 3600.0  # single probes older than probe.retention are deleted this often

_wake: asyncio.Event | None = None


def wake() -> None:
    """New rows are in: let a sleeping deliver_forever in this process look now."""
    if _wake is not None:
        _wake.set()


def _insert(store: Store):  # type: ignore[no-untyped-def]
    return (postgresql if store.dialect == "postgresql" else sqlite).insert(OutboxRow)


async def enqueue(
    session: AsyncSession,
    store: Store,
    hooks: Sequence[HookConfig],
    *,
    key: str,
    code: str,
    payload: dict[str, Any],
    now: datetime,
) -> int:
    """One row per hook under key "<key>:<hook id>"; an existing key is left alone."""
    rows = []
    for hook in hooks:
        hid = hook_id(hook)
        delivery = f"{key}:{hid}"
        rows.append(
            {
                "key": delivery,
                "hook": hid,
                "code": code,
                "event": payload["event"],
                "payload": {**payload, "delivery_id": delivery},
                "created_at": now,
                "attempts": 0,
                "next_attempt_at": now,
                "delivered_at": None,
                "last_error": "",
            }
        )
    if not rows:
        return 0
    await session.execute(
        _insert(store).values(rows).on_conflict_do_nothing(index_elements=["key"])
    )
    return len(rows)


def backoff(attempts: int, initial: timedelta, cap: timedelta) -> timedelta:
    """Pause after the attempts-th failure: initial, 2×, 4× … at most cap."""
    return min(initial * (2 ** max(attempts - 1, 0)), cap)


def _heads(rows: Sequence[OutboxRow]) -> list[OutboxRow]:
    """The oldest pending row of each (hook, site): only it may be sent (order per site)."""
    seen: set[tuple[str, str]] = set()
    heads = []
    for row in rows:
        group = (row.hook, row.code)
        if group not in seen:
            seen.add(group)
            heads.append(row)
    return heads


async def deliver_due(
    store: Store,
    settings: Settings,
    http: aiohttp.ClientSession,
    now: datetime | None = None,
) -> float:
    """One pass: send every due head row. Returns seconds until the next row is due."""
    hooks = {hook_id(h): h for h in settings.alerts.hooks}
    if not hooks:
        return POLL_SECONDS
    now = now or datetime.now(UTC)
    async with store.session() as session:
        pending = (
            await session.scalars(
                select(OutboxRow)
                .where(OutboxRow.delivered_at.is_(None), OutboxRow.hook.in_(list(hooks)))
                .order_by(OutboxRow.id)
            )
        ).all()
    heads = _heads(pending)
    due = [row for row in heads if row.next_attempt_at <= now]
    limit = asyncio.Semaphore(PARALLEL)

    async def one(row: OutboxRow) -> None:
        async with limit:
            await _attempt(store, settings, hooks[row.hook], row, http)

    await asyncio.gather(*(one(row) for row in due))
    waiting = [row.next_attempt_at for row in heads if row not in due]
    if len(due) > 0:
        return 0.0  # the next row of those groups may be due already
    if not waiting:
        return POLL_SECONDS
    return max(0.0, min(POLL_SECONDS, (min(waiting) - datetime.now(UTC)).total_seconds()))


async def _attempt(
    store: Store, settings: Settings, hook: HookConfig, row: OutboxRow, http: aiohttp.ClientSession
) -> None:
    try:
        await send(hook, row.payload, http)
    except DeliveryError as exc:
        attempts = row.attempts + 1
        pause = backoff(attempts, settings.alerts.retry_initial, settings.alerts.retry_max)
        log.warning(
            "alert %s to %s failed (attempt %d, next in %s): %s",
            row.key, hook_label(hook), attempts, pause, exc,
        )  # fmt: skip
        values: dict[str, Any] = {
            "attempts": attempts,
            "next_attempt_at": datetime.now(UTC) + pause,
            "last_error": str(exc)[:2000],
        }
        observe_alert_delivery(row.hook, "failed")
    else:
        values = {"attempts": row.attempts + 1, "delivered_at": datetime.now(UTC), "last_error": ""}
        observe_alert_delivery(row.hook, "delivered")
    async with store.session() as session, session.begin():
        await session.execute(update(OutboxRow).where(OutboxRow.id == row.id).values(**values))


async def deliver_forever(store: Store, settings: Settings, stop: asyncio.Event) -> None:
    """Deliver outbox rows until ``stop`` is set (a pass in progress finishes first).

    The loop also does availability's periodic chores: report thresholds that passed
    without a probe arriving (at start-up, after downtime) and pruning old single probes.
    """
    global _wake
    _wake = asyncio.Event()
    from crawler.availability import check_reports, prune_probes

    # Report thresholds are also checked here, at start and then periodically: a window
    # whose threshold passed while the service was down fires now, not at its next probe.
    check_every = min(settings.probe.interval.total_seconds(), REPORT_CHECK_MAX_S)
    next_check = next_prune = 0.0
    loop = asyncio.get_running_loop()
    async with aiohttp.ClientSession(trust_env=False) as http:
        while not stop.is_set():
            try:
                if loop.time() >= next_check:
                    next_check = loop.time() + check_every
                    await check_reports(store, settings, datetime.now(UTC))
                if loop.time() >= next_prune:
                    next_prune = loop.time() + PRUNE_EVERY_S
                    await prune_probes(store, datetime.now(UTC) - settings.probe.retention)
                delay = await deliver_due(store, settings, http)
            except Exception:  # the store may be briefly unavailable: keep the loop alive
                log.exception("alert outbox pass failed")
                delay = POLL_SECONDS
            if delay <= 0:
                continue
            _wake.clear()
            waiters = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(_wake.wait())]
            with contextlib.suppress(TimeoutError):
                await asyncio.wait(waiters, timeout=delay, return_when=asyncio.FIRST_COMPLETED)
            for waiter in waiters:
                waiter.cancel()


@dataclass(frozen=True, slots=True)
class Undelivered:
    """A hook's messages still waiting: how many, and since when the oldest."""

    count: int
    oldest: datetime


async def undelivered(store: Store) -> dict[str, Undelivered]:
    """Messages not yet delivered, by hook id (hooks no longer configured included)."""
    query = (
        select(OutboxRow.hook, func.count(), func.min(OutboxRow.created_at))
        .where(OutboxRow.delivered_at.is_(None))
        .group_by(OutboxRow.hook)
    )
    async with store.session() as session:
        rows = (await session.execute(query)).all()
    # SQLite hands back naive datetimes: they are stored in UTC
    return {
        hook: Undelivered(int(count), oldest if oldest.tzinfo else oldest.replace(tzinfo=UTC))
        for hook, count, oldest in rows
    }


@dataclass(frozen=True, slots=True)
class HookBacklog:
    """One configured hook and what waits for it."""

    hook: str  # hook_id: kind and a hash, no secret (metrics label)
    label: str  # hook_label: the URL masked (for people)
    waiting: Undelivered | None  # None: nothing waits


def by_configured_hook(
    hooks: Sequence[HookConfig], waiting: Mapping[str, Undelivered]
) -> tuple[list[HookBacklog], int]:
    """The waiting messages (``undelivered``) of each configured hook, and how many wait
    for hooks no longer configured."""
    backlog = []
    for hook in hooks:
        hid = hook_id(hook)
        backlog.append(HookBacklog(hid, hook_label(hook), waiting.get(hid)))
    configured = {b.hook for b in backlog}
    return backlog, sum(w.count for hid, w in waiting.items() if hid not in configured)
