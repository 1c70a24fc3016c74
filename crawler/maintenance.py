"""Planned maintenance windows: a site (or a whole region) whose failures in the window
are not outages and fire nothing. Probes go on and are recorded."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from pydantic import BaseModel
from sqlalchemy import delete, select

from crawler.store import Store
from crawler.store.availability_models import MaintenanceRow
from crawler.store.models import SiteRow


def in_maintenance(windows: Iterable[MaintenanceRow], code: str, region: str, at: datetime) -> bool:
    return any(
        (w.code == code or (w.code is None and w.region == region))
        and w.starts_at <= at < w.ends_at
        for w in windows
    )


class Maintenance(BaseModel):
    id: int
    code: str | None
    region: str | None
    starts_at: datetime
    ends_at: datetime
    reason: str


def _maintenance(row: MaintenanceRow) -> Maintenance:
    return Maintenance(
        id=row.id, code=row.code, region=row.region, starts_at=row.starts_at,
        ends_at=row.ends_at, reason=row.reason,
    )  # fmt: skip


async def add_maintenance(
    store: Store,
    *,
    code: str | None = None,
    region: str | None = None,
    starts_at: datetime,
    ends_at: datetime,
    reason: str = "",
    now: datetime | None = None,
) -> Maintenance:
    """Declare planned maintenance of one site or one region. ValueError names what is wrong."""
    if (code is None) == (region is None):
        raise ValueError("give either a site code or a region, not both")
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise ValueError("maintenance times need a time zone")
    if ends_at <= starts_at:
        raise ValueError(f"maintenance ends ({ends_at.isoformat()}) before it starts")
    async with store.session() as session, session.begin():
        if code is not None:
            known = await session.scalar(select(SiteRow.code).where(SiteRow.code == code))
            if known is None:
                raise ValueError(f"no registered site with code {code}")
        else:
            known = await session.scalar(select(SiteRow.code).where(SiteRow.region == region))
            if known is None:
                raise ValueError(f"no registered site in region {region}")
        row = MaintenanceRow(
            code=code, region=region, starts_at=starts_at, ends_at=ends_at,
            reason=reason[:500], created_at=now or datetime.now(UTC),
        )  # fmt: skip
        session.add(row)
        await session.flush()
        return _maintenance(row)


async def list_maintenance(
    store: Store, *, now: datetime | None = None, include_past: bool = False
) -> list[Maintenance]:
    query = select(MaintenanceRow).order_by(MaintenanceRow.starts_at, MaintenanceRow.id)
    if not include_past:
        query = query.where(MaintenanceRow.ends_at > (now or datetime.now(UTC)))
    async with store.session() as session:
        return [_maintenance(r) for r in (await session.scalars(query)).all()]


async def remove_maintenance(store: Store, maintenance_id: int) -> bool:
    async with store.session() as session, session.begin():
        result = await session.execute(
            delete(MaintenanceRow).where(MaintenanceRow.id == maintenance_id)
        )
    return bool(result.rowcount)
