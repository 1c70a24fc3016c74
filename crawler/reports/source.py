"""What the store holds for a quarter, read into ReportInputs (the IO edge of the reports)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta, tzinfo

from sqlalchemy import func, select

from crawler.config import Settings
from crawler.registry import load_sites
from crawler.reports import availability_source
from crawler.reports.build import build_report
from crawler.reports.layout import ReportLayout
from crawler.reports.model import NamedSite, ReportInputs, ResultView
from crawler.reports.previous import UNQUALIFIED, load_named
from crawler.reports.quarter import Quarter
from crawler.rules import Rules
from crawler.store import Store
from crawler.store.models import ResultRow

INSPECTION = "inspection"
_CHUNK = 500  # codes per IN (...) query


def _aware(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; govcrawl writes UTC.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _checked_at(payload: dict, column: datetime) -> datetime:
    """The payload's own time (it keeps its offset on every backend), else the column's."""
    try:
        return _aware(datetime.fromisoformat(str(payload["checked_at"])))
    except (KeyError, ValueError):
        return _aware(column)


async def latest_in(store: Store, start: datetime, end: datetime) -> dict[str, ResultView]:
    """Each site's newest inspection recorded with start <= checked_at < end."""
    newest = (
        select(ResultRow.code, func.max(ResultRow.id).label("id"))
        .where(
            ResultRow.kind == INSPECTION,
            ResultRow.checked_at >= start.astimezone(UTC),
            ResultRow.checked_at < end.astimezone(UTC),
        )
        .group_by(ResultRow.code)
        .subquery()
    )
    query = select(ResultRow.id, ResultRow.checked_at, ResultRow.payload).join(
        newest, ResultRow.id == newest.c.id
    )
    async with store.session() as session:
        rows = (await session.execute(query)).all()
    return {
        view.code: view
        for view in (
            ResultView.from_payload(rid, payload, _checked_at(payload, at))
            for rid, at, payload in rows
        )
    }


async def verdicts_in(
    store: Store, codes: Iterable[str], start: datetime, end: datetime
) -> dict[str, list[tuple[datetime, str]]]:
    """Every inspection verdict of the given sites in [start, end), oldest first."""
    wanted = sorted(set(codes))
    found: dict[str, list[tuple[datetime, str]]] = {}
    async with store.session() as session:
        for at in range(0, len(wanted), _CHUNK):
            rows = await session.execute(
                select(ResultRow.code, ResultRow.checked_at, ResultRow.verdict)
                .where(
                    ResultRow.kind == INSPECTION,
                    ResultRow.code.in_(wanted[at : at + _CHUNK]),
                    ResultRow.checked_at >= start.astimezone(UTC),
                    ResultRow.checked_at < end.astimezone(UTC),
                )
                .order_by(ResultRow.id)
            )
            for code, checked_at, verdict in rows:
                found.setdefault(code, []).append((_aware(checked_at), verdict))
    return found


async def load_inputs(
    store: Store,
    quarter: Quarter,
    zone: tzinfo,
    layout: ReportLayout,
    rules: Rules,
    settings: Settings,
    *,
    previous: list[NamedSite] | None = None,
    previous_source: str = "",
    now: datetime | None = None,
    link_base: str = "",
    with_availability: bool = True,
) -> ReportInputs:
    """The registry, the quarter's results and last quarter's named sites.

    Last quarter's list: `previous` when given (an imported file), else the lists stored
    for that quarter, else the sites that quarter's own results found unqualified.
    """
    now = now or datetime.now(UTC)
    start, end = quarter.bounds(zone)
    until = min(end, now) if now > start else end
    notes: list[str] = []
    if previous is None:
        previous, previous_source = await previous_named(
            store, quarter.previous(), zone, layout, rules
        )
    sites = await load_sites(store)
    latest = await latest_in(store, start, end)
    verdicts = await verdicts_in(store, [n.code for n in previous], start, end)
    outages = availability = None
    if with_availability:
        outages, availability, note = await availability_source.load(
            store,
            settings,
            [s.code for s in sites],
            start,
            until,
            now,
            timedelta(hours=layout.outage_report_hours),
        )
        if note:
            notes.append(note)
    return ReportInputs(
        quarter=quarter,
        generated_at=now,
        sites=sites,
        latest=latest,
        verdicts=verdicts,
        previous=previous,
        previous_source=previous_source,
        outages=outages,
        availability=availability,
        link_base=link_base,
        notes=notes,
    )


async def previous_named(
    store: Store, quarter: Quarter, zone: tzinfo, layout: ReportLayout, rules: Rules
) -> tuple[list[NamedSite], str]:
    """The sites `quarter` named: its stored lists, or what its own results found."""
    stored, source = await load_named(store, quarter)
    if stored:
        return stored, f"store ({source})"
    start, end = quarter.bounds(zone)
    latest = await latest_in(store, start, end)
    if not latest:
        return [], "none"
    inputs = ReportInputs(
        quarter=quarter,
        generated_at=end,
        sites=await load_sites(store),
        latest=latest,
        verdicts={},
        previous=[],
        previous_source="none",
    )
    report = build_report(inputs, layout, rules, zone)
    named = [
        NamedSite(row.code, row.name, row.region, row.problems, UNQUALIFIED, row.seq)
        for row in report.unqualified
    ]
    return named, f"results of {quarter}"
