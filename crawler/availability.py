"""Availability in the store: probes recorded, outage windows kept, alerts enqueued,
the census share computed.

``handle_probes`` is what the service's recorder calls with each batch of finished probe
jobs. It runs the pure state machine (crawler.outages) for every probe, in one transaction
with the probe rows, window rows and outbox rows, so a restart never loses or repeats a
step: a job id already recorded is skipped whole.

The monitor's own connectivity: when the recent probes fail across most sites at once
(rules/availability.yaml ``monitor_offline``), the reference sites (``probe.reference_urls``)
are asked; if none answers (or none is configured) the failures are recorded as
"monitor_offline" and open no windows, and no alert fires until that passes.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from importlib.resources import files
from typing import Any

import yaml
from pydantic import BaseModel
from sqlalchemy import and_, delete, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from crawler.alerts import outbox
from crawler.alerts.messages import Event, outage_payload
from crawler.census_availability import (  # noqa: F401  (re-exported: the module's API)
    CensusRule,
    CensusStatus,
    census_rule,
    census_status,
    unreachable_problem,
    with_weekly_availabilities,
)
from crawler.config import HookConfig, Settings
from crawler.maintenance import (  # noqa: F401  (re-exported)
    Maintenance,
    add_maintenance,
    in_maintenance,
    list_maintenance,
    remove_maintenance,
)
from crawler.outages import BurstRule, Observation, SiteState, Window, advance, failure_burst
from crawler.outages import report_due as _report_due
from crawler.probe import ProbeResult
from crawler.result import SiteResult
from crawler.store import Store
from crawler.store.availability_models import (
    MaintenanceRow,
    OutageStateRow,
    OutageWindowRow,
    ProbeHourRow,
    ProbeRow,
)
from crawler.store.models import SiteRow

log = logging.getLogger(__name__)

MONITOR_OFFLINE = "monitor_offline"
MAINTENANCE = "maintenance"
CLOSED = "closed"
_INSERT_CHUNK = 500  # rows per INSERT (SQLite bounds the parameters of one statement)


# ---------------------------------------------------------------------------- monitor state


@dataclass
class MonitorStatus:
    """What the last batch said about govcrawl's own connectivity (per process)."""

    offline: bool = False
    since: datetime | None = None
    checked_at: datetime | None = None


MONITOR = MonitorStatus()
_reference_cache: dict[tuple[str, ...], tuple[datetime, bool]] = {}


def monitor_status() -> MonitorStatus:
    """For /readyz and /metrics: is the monitor cut off right now?"""
    return MONITOR


@cache
def burst_rule() -> BurstRule:
    data = yaml.safe_load((files("rules") / "availability.yaml").read_text(encoding="utf-8"))
    section = (data or {}).get("monitor_offline") or {}
    return BurstRule(
        failed_share=float(section.get("failed_share", 0.8)),
        min_sites=int(section.get("min_sites", 5)),
        sample_sites=int(section.get("sample_sites", 10)),
    )


async def _references_answer(settings: Settings, now: datetime) -> bool:
    urls = tuple(settings.probe.reference_urls)
    if not urls:
        return False
    cached = _reference_cache.get(urls)
    if cached and now - cached[0] < settings.probe.confirm_after:
        return cached[1]
    from crawler.fetch import Fetcher
    from crawler.uplink import uplink_up

    async with Fetcher(settings.fetch) as fetcher:
        answered = await uplink_up(fetcher, urls)
    _reference_cache[urls] = (now, answered)
    return answered


async def _monitor_offline(
    store: Store, settings: Settings, batch: Sequence[ProbeResult], now: datetime
) -> bool:
    """Is govcrawl itself cut off? Asked only when this batch has failures.

    Offline when the most recently probed sites fail together (a burst) and no reference
    site answers (or none is configured); also when a failure would open or grow a window
    and the configured reference sites do not answer either.
    """
    failing = {p.code for p in batch if not p.ok}
    burst, at_risk = False, 0
    if failing:
        rule = burst_rule()
        async with store.session() as session:
            rows = (
                await session.execute(
                    select(ProbeRow.code, ProbeRow.outcome)
                    .order_by(ProbeRow.at.desc())
                    .limit(rule.sample_sites * 20)
                )
            ).all()
            at_risk = (
                await session.scalar(
                    select(func.count())
                    .select_from(OutageStateRow)
                    .where(
                        OutageStateRow.code.in_(sorted(failing)),
                        OutageStateRow.phase.in_(("suspect", "down")),
                    )
                )
            ) or 0
        newest = sorted(batch, key=lambda p: p.at, reverse=True)
        recent = [(p.code, p.ok) for p in newest] + [(c, o == "ok") for c, o in rows]
        burst = failure_burst(recent, rule)
    if not settings.probe.reference_urls:
        offline = burst
    elif burst or at_risk or MONITOR.offline:  # once offline, stay so until they answer
        offline = not await _references_answer(settings, now)
    else:
        offline = False
    _set_monitor(offline, now)
    return offline


def _set_monitor(offline: bool, now: datetime) -> None:
    if offline and not MONITOR.offline:
        log.warning("monitor offline: sites fail together and no reference site answers")
        MONITOR.since = now
    elif not offline and MONITOR.offline:
        log.warning("monitor back online")
        MONITOR.since = None
    MONITOR.offline, MONITOR.checked_at = offline, now


# ---------------------------------------------------------------------------- handle_probes


def _insert(store: Store, table: Any):  # type: ignore[no-untyped-def]
    return (postgresql if store.dialect == "postgresql" else sqlite).insert(table)


def _site_info(row: SiteRow | None, probe: ProbeResult | None, code: str) -> dict[str, str]:
    if row is None:
        return {"code": code, "name": code, "region": "", "department": "",
                "url": probe.url if probe else "", "status": "open"}  # fmt: skip
    return {
        "code": row.code,
        "name": row.name,
        "region": row.region,
        "department": row.department,
        "url": row.url,
        "status": row.status,
    }


def _state_from(row: OutageStateRow | None, window: OutageWindowRow | None) -> SiteState:
    if row is None:
        return SiteState()
    first = None
    if row.phase == "suspect" and row.first_failure_at is not None:
        first = Observation(
            row.first_failure_at, False, row.first_failure_outcome, row.first_failure_error
        )
    win = None
    if window is not None and window.ended_at is None:
        win = Window(
            started_at=window.started_at,
            last_failure_at=window.last_failure_at,
            causes=dict(window.causes),
            last_error=window.last_error,
            reported_at=window.reported_at,
        )
    phase = row.phase if (row.phase != "down" or win is not None) else "up"
    return SiteState(phase, row.last_probe_at, row.last_ok, first, win)  # type: ignore[arg-type]


async def _enqueue(
    session: AsyncSession,
    store: Store,
    settings: Settings,
    event: Event,
    hooks: Sequence[HookConfig],
    window_id: int,
    site: dict[str, str],
    window: OutageWindowRow,
    now: datetime,
) -> None:
    if not hooks:
        return
    duration = ((window.ended_at or now) - window.started_at).total_seconds()
    payload = outage_payload(
        event,
        site=site,
        window_id=window_id,
        started_at=window.started_at,
        ended_at=window.ended_at,
        duration_s=duration,
        cause=window.cause,
        last_error=window.last_error,
        probe_count=window.probe_count,
        report_after_s=settings.alerts.report_after.total_seconds(),
    )
    await outbox.enqueue(
        session, store, hooks, key=f"w{window_id}:{event}", code=site["code"],
        payload=payload, now=now,
    )  # fmt: skip


async def handle_probes(
    store: Store,
    settings: Settings,
    recorded: Sequence[tuple[str, ProbeResult]],
    now: datetime,
) -> list[tuple[str, datetime]]:
    """Record a batch of probes (idempotent by job id), advance outage windows, enqueue
    alerts; returns the confirmation probes to schedule as (code, when).

    Also call it with an empty batch (e.g. at start-up and now and then): it fires the
    report-threshold alerts of open windows that passed it while nothing arrived.
    """
    fresh = list({job_id: probe for job_id, probe in recorded}.items())
    if fresh:
        async with store.session() as session:
            known = set(
                (
                    await session.scalars(
                        select(ProbeRow.job_id).where(ProbeRow.job_id.in_([j for j, _ in fresh]))
                    )
                ).all()
            )
        fresh = [(j, p) for j, p in fresh if j not in known]
    offline = (
        await _monitor_offline(store, settings, [p for _, p in fresh], now)
        if fresh
        else (MONITOR.offline)
    )
    confirmations: list[tuple[str, datetime]] = []
    enqueued = False
    async with store.session() as session, session.begin():
        if fresh:
            confirmations, enqueued = await _apply(session, store, settings, fresh, offline, now)
        if not offline:
            enqueued = await _reports_due(session, store, settings, now) or enqueued
    if enqueued:
        outbox.wake()
    return confirmations


async def _apply(
    session: AsyncSession,
    store: Store,
    settings: Settings,
    fresh: list[tuple[str, ProbeResult]],
    offline: bool,
    now: datetime,
) -> tuple[list[tuple[str, datetime]], bool]:
    codes = sorted({p.code for _, p in fresh})
    sites = {
        row.code: row
        for row in (await session.scalars(select(SiteRow).where(SiteRow.code.in_(codes)))).all()
    }
    states = {
        row.code: row
        for row in (
            await session.scalars(select(OutageStateRow).where(OutageStateRow.code.in_(codes)))
        ).all()
    }
    window_ids = [s.window_id for s in states.values() if s.window_id is not None]
    windows = {
        row.id: row
        for row in (
            await session.scalars(select(OutageWindowRow).where(OutageWindowRow.id.in_(window_ids)))
        ).all()
    } if window_ids else {}  # fmt: skip
    earliest = min(p.at for _, p in fresh)
    regions = {s.region for s in sites.values()}
    maintenance = (
        await session.scalars(
            select(MaintenanceRow).where(
                MaintenanceRow.ends_at > earliest,
                MaintenanceRow.starts_at <= now,
                or_(MaintenanceRow.code.in_(codes), MaintenanceRow.region.in_(regions)),
            )
        )
    ).all()

    hooks = settings.alerts.hooks
    short_hooks = [h for h in hooks if h.notify_short_outages]
    confirm_after = settings.probe.confirm_after
    confirmations: dict[str, datetime] = {}
    enqueued = False
    probe_rows = []
    for job_id, probe in sorted(fresh, key=lambda jp: jp[1].at):
        site = _site_info(sites.get(probe.code), probe, probe.code)
        suppressed = None
        if not probe.ok:
            if site["status"] != "open":
                suppressed = CLOSED
            elif in_maintenance(maintenance, probe.code, site["region"], probe.at):
                suppressed = MAINTENANCE
            elif offline:
                suppressed = MONITOR_OFFLINE
        probe_rows.append(_probe_row(job_id, probe, suppressed))

        state_row = states.get(probe.code)
        window_row = windows.get(state_row.window_id) if state_row and state_row.window_id else None
        state = _state_from(state_row, window_row)
        obs = Observation(probe.at, probe.ok, probe.outcome, probe.error, suppressed)
        step = advance(state, obs, confirm_after)
        if step.stale:
            continue
        if step.opened is not None:
            window_row = _new_window(probe.code, step.opened)
            session.add(window_row)
            await session.flush()
            windows[window_row.id] = window_row
            if short_hooks:
                await _enqueue(session, store, settings, "outage_started", short_hooks,
                               window_row.id, site, window_row, now)  # fmt: skip
                enqueued = True
        elif step.grown is not None and window_row is not None:
            _sync_window(window_row, step.grown)
        elif step.closed is not None and window_row is not None:
            _sync_window(window_row, step.closed)
            window_row.ended_at = step.closed.ended_at
            window_row.duration_s = step.closed.duration(now).total_seconds()
            targets = hooks if window_row.reported_at is not None else short_hooks
            if targets:
                await _enqueue(session, store, settings, "outage_recovered", targets,
                               window_row.id, site, window_row, now)  # fmt: skip
                enqueued = True
        if step.confirm_at is not None:
            confirmations[probe.code] = max(step.confirm_at, now)
        elif step.state.phase != "suspect":
            confirmations.pop(probe.code, None)
        new = step.state
        open_id = window_row.id if new.window is not None and window_row is not None else None
        values = {
            "phase": new.phase,
            "last_probe_at": new.last_probe_at,
            "last_ok": new.last_ok,
            "last_latency_ms": probe.latency_ms,
            "first_failure_at": new.first_failure.at if new.first_failure else None,
            "first_failure_outcome": new.first_failure.outcome if new.first_failure else "",
            "first_failure_error": (new.first_failure.error if new.first_failure else "")[:500],
            "window_id": open_id,
        }
        if state_row is None:
            state_row = OutageStateRow(code=probe.code, **values)
            session.add(state_row)
            states[probe.code] = state_row
        else:
            for key, value in values.items():
                setattr(state_row, key, value)

    for start in range(0, len(probe_rows), _INSERT_CHUNK):
        chunk = probe_rows[start : start + _INSERT_CHUNK]
        await session.execute(
            _insert(store, ProbeRow).values(chunk).on_conflict_do_nothing(index_elements=["job_id"])
        )
    await _count_hours(session, store, probe_rows)
    return sorted(confirmations.items(), key=lambda cw: (cw[1], cw[0])), enqueued


def hour_of(at: datetime) -> datetime:
    return at.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


async def _count_hours(session: AsyncSession, store: Store, rows: list[dict[str, Any]]) -> None:
    """Add the probes to their (site, hour) counts; monitor-offline ones count nowhere."""
    counts: dict[tuple[str, datetime], list[int]] = {}
    for row in rows:
        if row["suppressed"] == MONITOR_OFFLINE:
            continue
        tally = counts.setdefault((row["code"], hour_of(row["at"])), [0, 0])
        tally[0] += 1
        tally[1] += row["outcome"] != "ok"
    values = [{"code": c, "hour": h, "probes": n, "failed": f} for (c, h), (n, f) in counts.items()]
    for start in range(0, len(values), _INSERT_CHUNK):
        statement = _insert(store, ProbeHourRow).values(values[start : start + _INSERT_CHUNK])
        await session.execute(
            statement.on_conflict_do_update(
                index_elements=["code", "hour"],
                set_={
                    "probes": ProbeHourRow.probes + statement.excluded.probes,
                    "failed": ProbeHourRow.failed + statement.excluded.failed,
                },
            )
        )


async def rebuild_probe_hours(store: Store, since: datetime | None = None) -> int:
    """Recount the hourly counts from the single probes (from since's hour on, or all):
    for probes written straight into the table, or a repair. Returns the hours written."""
    start = hour_of(since) if since is not None else None
    counts: dict[tuple[str, datetime], list[int]] = {}
    query = select(ProbeRow.code, ProbeRow.at, ProbeRow.outcome, ProbeRow.suppressed)
    if start is not None:
        query = query.where(ProbeRow.at >= start)
    async with store.session() as session, session.begin():
        for code, at, outcome, suppressed in (await session.execute(query)).all():
            if suppressed == MONITOR_OFFLINE:
                continue
            tally = counts.setdefault((code, hour_of(at)), [0, 0])
            tally[0] += 1
            tally[1] += outcome != "ok"
        wipe = delete(ProbeHourRow)
        if start is not None:
            wipe = wipe.where(ProbeHourRow.hour >= start)
        await session.execute(wipe)
        values = [
            {"code": c, "hour": h, "probes": n, "failed": f} for (c, h), (n, f) in counts.items()
        ]
        for begin in range(0, len(values), _INSERT_CHUNK):
            await session.execute(
                _insert(store, ProbeHourRow).values(values[begin : begin + _INSERT_CHUNK])
            )
    return len(counts)


def _probe_row(job_id: str, probe: ProbeResult, suppressed: str | None) -> dict[str, Any]:
    return {
        "job_id": job_id,
        "code": probe.code,
        "at": probe.at,
        "outcome": probe.outcome,
        "status": probe.status,
        "latency_ms": probe.latency_ms,
        "error": probe.error[:500],
        "cert_expires_at": probe.cert_expires_at,
        "suppressed": suppressed,
    }


def _new_window(code: str, window: Window) -> OutageWindowRow:
    row = OutageWindowRow(code=code, started_at=window.started_at, reported_at=None)
    _sync_window(row, window)
    return row


def _sync_window(row: OutageWindowRow, window: Window) -> None:
    row.last_failure_at = window.last_failure_at
    row.causes = dict(window.causes)
    row.cause = window.cause
    row.probe_count = window.probe_count
    row.last_error = window.last_error[:500]


async def _reports_due(
    session: AsyncSession, store: Store, settings: Settings, now: datetime
) -> bool:
    """Mark and enqueue every open window past alerts.report_after (once per window)."""
    threshold = now - settings.alerts.report_after
    rows = (
        await session.scalars(
            select(OutageWindowRow).where(
                OutageWindowRow.ended_at.is_(None),
                OutageWindowRow.reported_at.is_(None),
                OutageWindowRow.started_at <= threshold,
            )
        )
    ).all()
    if not rows:
        return False
    codes = sorted({r.code for r in rows})
    sites = {
        s.code: s
        for s in (await session.scalars(select(SiteRow).where(SiteRow.code.in_(codes)))).all()
    }
    regions = {s.region for s in sites.values()}
    maintenance = (
        await session.scalars(
            select(MaintenanceRow).where(
                MaintenanceRow.starts_at <= now,
                MaintenanceRow.ends_at > now,
                or_(MaintenanceRow.code.in_(codes), MaintenanceRow.region.in_(regions)),
            )
        )
    ).all()
    enqueued = False
    for row in rows:
        if row.code not in sites:
            continue  # removed from the registry: nobody to report it to
        site = _site_info(sites[row.code], None, row.code)
        if site["status"] != "open" or in_maintenance(maintenance, row.code, site["region"], now):
            continue
        window = Window(row.started_at, row.last_failure_at, dict(row.causes), row.last_error)
        if not _report_due(window, now, settings.alerts.report_after):
            continue
        row.reported_at = now
        await _enqueue(session, store, settings, "outage_report_due", settings.alerts.hooks,
                       row.id, site, row, now)  # fmt: skip
        enqueued = True
    return enqueued


async def check_reports(store: Store, settings: Settings, now: datetime) -> bool:
    """Fire the report-threshold alerts that are due (e.g. at start-up, after the service
    was down when a threshold passed). True when anything was enqueued."""
    if MONITOR.offline:
        return False
    async with store.session() as session, session.begin():
        enqueued = await _reports_due(session, store, settings, now)
    if enqueued:
        outbox.wake()
    return enqueued


async def prune_probes(store: Store, older_than: datetime, *, chunk: int = 50_000) -> int:
    """Delete single probes recorded before older_than, a chunk per transaction (the hourly
    counts, windows and outage state keep what the census and reports need)."""
    removed = 0
    while True:
        async with store.session() as session, session.begin():
            ids = (
                await session.scalars(
                    select(ProbeRow.id).where(ProbeRow.at < older_than).limit(chunk)
                )
            ).all()
            if not ids:
                return removed
            await session.execute(delete(ProbeRow).where(ProbeRow.id.in_(ids)))
        removed += len(ids)


# ---------------------------------------------------------------------------- read API


class OutageWindow(BaseModel):
    """One outage window as the CLI, the API and reports show it."""

    id: int
    code: str
    name: str
    region: str
    department: str
    url: str
    started_at: datetime
    ended_at: datetime | None
    duration_s: float
    cause: str
    probe_count: int
    last_error: str
    reported: bool
    reported_at: datetime | None


async def outage_windows(
    store: Store,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    open_only: bool = False,
    min_duration: timedelta | None = None,
    codes: Sequence[str] | None = None,
    now: datetime | None = None,
) -> list[OutageWindow]:
    """Windows overlapping [since, until] (open ones last until now), oldest first.

    min_duration: only windows at least this long (an open one counts its length so far).
    """
    now = now or datetime.now(UTC)
    query = select(OutageWindowRow, SiteRow).outerjoin(
        SiteRow, SiteRow.code == OutageWindowRow.code
    )
    if open_only:
        query = query.where(OutageWindowRow.ended_at.is_(None))
    if since is not None:
        query = query.where(
            or_(OutageWindowRow.ended_at.is_(None), OutageWindowRow.ended_at >= since)
        )
    if until is not None:
        query = query.where(OutageWindowRow.started_at <= until)
    if codes is not None:
        query = query.where(OutageWindowRow.code.in_(list(codes)))
    query = query.order_by(OutageWindowRow.started_at, OutageWindowRow.id)
    async with store.session() as session:
        rows = (await session.execute(query)).all()
    out = []
    for window, site in rows:
        duration = window.duration_s
        if duration is None:
            duration = (now - window.started_at).total_seconds()
        if min_duration is not None and duration < min_duration.total_seconds():
            continue
        info = _site_info(site, None, window.code)
        out.append(
            OutageWindow(
                id=window.id,
                code=window.code,
                name=info["name"],
                region=info["region"],
                department=info["department"],
                url=info["url"],
                started_at=window.started_at,
                ended_at=window.ended_at,
                duration_s=round(duration, 1),
                cause=window.cause,
                probe_count=window.probe_count,
                last_error=window.last_error,
                reported=window.reported_at is not None,
                reported_at=window.reported_at,
            )
        )
    return out


# ---------------------------------------------------------------------------- census share


@dataclass(frozen=True, slots=True)
class Availability:
    """One site's availability now: the census window and the live outage state."""

    code: str
    probes: int  # probes in the trailing window (monitor-offline ones excluded)
    failed: int
    probes_per_day: float
    failed_share: float | None  # None: no probes
    census: CensusStatus
    up: bool | None  # the last probe opened the homepage
    last_probe_at: datetime | None
    latency_ms: float | None  # of the last probe
    outage_started_at: datetime | None  # the open window's start
    outage_open_seconds: float  # 0 while no window is open
    window_days: int


async def availability_for(
    store: Store,
    codes: Sequence[str] | None,
    now: datetime,
    *,
    rule: CensusRule | None = None,
) -> dict[str, Availability]:
    """Per site: trailing-window failed share, probes per day, census status and live state.

    The window is whole UTC hours: [now − window_days, now) when now is on the hour.
    Probes recorded while the monitor was offline do not count either way.
    """
    rule = rule or CensusRule()
    # Whole UTC hours: from the hour window_days before now to the hour now falls in
    # (exactly [now − window, now) when now is on the hour, up to an hour more otherwise).
    first_hour = hour_of(now - timedelta(days=rule.window_days))
    counts = select(
        ProbeHourRow.code, func.sum(ProbeHourRow.probes), func.sum(ProbeHourRow.failed)
    ).where(ProbeHourRow.hour >= first_hour, ProbeHourRow.hour < now)
    state_q = select(OutageStateRow, OutageWindowRow).outerjoin(
        OutageWindowRow,
        and_(OutageWindowRow.id == OutageStateRow.window_id, OutageWindowRow.ended_at.is_(None)),
    )
    if codes is not None:
        counts = counts.where(ProbeHourRow.code.in_(list(codes)))
        state_q = state_q.where(OutageStateRow.code.in_(list(codes)))
    async with store.session() as session:
        tallies = {
            code: (int(total or 0), int(bad or 0))
            for code, total, bad in (
                await session.execute(counts.group_by(ProbeHourRow.code))
            ).all()
        }
        states = {s.code: (s, w) for s, w in (await session.execute(state_q)).all()}
    wanted = list(codes) if codes is not None else sorted(set(tallies) | set(states))
    out = {}
    for code in wanted:
        total, bad = tallies.get(code, (0, 0))
        state, window = states.get(code, (None, None))
        started = window.started_at if window is not None else None
        out[code] = Availability(
            code=code,
            probes=total,
            failed=bad,
            probes_per_day=round(total / rule.window_days, 2),
            failed_share=(bad / total) if total else None,
            census=census_status(total, bad, rule),
            up=state.last_ok if state else None,
            last_probe_at=state.last_probe_at if state else None,
            latency_ms=state.last_latency_ms if state else None,
            outage_started_at=started,
            outage_open_seconds=max(0.0, (now - started).total_seconds()) if started else 0.0,
            window_days=rule.window_days,
        )
    return out


async def current_results(
    store: Store,
    latest: Mapping[str, SiteResult],
    codes: Sequence[str],
    now: datetime,
    *,
    rule: CensusRule | None = None,
) -> tuple[dict[str, SiteResult], dict[str, Availability]]:
    """The sites' newest inspections (``latest``, crawler.recorder.LatestResults) as every
    reader shows them, with the week of probes folded in (with_weekly_availability:
    site_unreachable is the census share), and the sites' availability."""
    weekly = await availability_for(store, codes, now, rule=rule)
    return with_weekly_availabilities(latest, weekly), weekly


def as_json(items: Iterable[BaseModel]) -> list[Mapping[str, Any]]:
    return [item.model_dump(mode="json") for item in items]
