"""The quarter's outage windows and census availability, from crawler.availability.

Kept apart so the reports still build, and say so in a note, where that module is absent.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from crawler.config import Settings
from crawler.reports.model import AvailabilityView, OutageView
from crawler.store import Store


def _aware(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; govcrawl writes UTC.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


async def load(
    store: Store,
    settings: Settings,
    codes: Sequence[str],
    start: datetime,
    until: datetime,
    now: datetime,
    min_duration: timedelta,
) -> tuple[list[OutageView] | None, dict[str, AvailabilityView] | None, str]:
    """(windows of at least min_duration overlapping [start, until], each site's census
    availability over the week before `until`, a note when the data is not available)."""
    try:
        from crawler.availability import availability_for, census_rule, outage_windows
    except ImportError as exc:
        return None, None, f"可用性数据不可用（{exc}）：未统计故障时段与一周可用性"
    windows = await outage_windows(
        store, since=start, until=until, min_duration=min_duration, now=now
    )
    outages = [
        OutageView(
            code=w.code,
            started_at=_aware(w.started_at),
            ended_at=None if w.ended_at is None else _aware(w.ended_at),
            duration=timedelta(seconds=w.duration_s),
            cause=w.cause,
            reported=w.reported,
            name=w.name,
            region=w.region,
        )
        for w in windows
    ]
    seen = await availability_for(store, list(codes), until, rule=census_rule(settings))
    availability = {
        code: AvailabilityView(code, a.failed_share, a.census == "veto") for code, a in seen.items()
    }
    return outages, availability, ""
