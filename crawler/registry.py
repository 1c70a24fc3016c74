"""The registry in the store: import (all-or-nothing upsert by code), list, load."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import delete, insert, select, update

from crawler.site import Site, SiteStatus
from crawler.store import Store
from crawler.store.models import ImportLog, SiteRow


@dataclass(frozen=True)
class ImportPlan:
    added: list[Site] = field(default_factory=list)
    changed: list[Site] = field(default_factory=list)
    unchanged: list[Site] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # codes in the store, not in the file
    pruned: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ImportSummary:
    rows: int
    added: int
    changed: int
    unchanged: int
    missing: int
    pruned: int


def plan_import(existing: dict[str, Site], incoming: Iterable[Site], *, prune: bool) -> ImportPlan:
    """Compare the file with the store; pure, so the counts can be shown before writing."""
    plan = ImportPlan()
    seen: set[str] = set()
    for site in incoming:
        seen.add(site.code)
        old = existing.get(site.code)
        if old is None:
            plan.added.append(site)
        elif old != site:
            plan.changed.append(site)
        else:
            plan.unchanged.append(site)
    plan.missing.extend(sorted(set(existing) - seen))
    if prune:
        plan.pruned.extend(plan.missing)
    return plan


def _site(row: SiteRow) -> Site:
    return Site(
        code=row.code,
        name=row.name,
        region=row.region,
        url=row.url,
        department=row.department,
        status=SiteStatus(row.status),
    )


def _values(site: Site, now: datetime) -> dict[str, object]:
    return {
        "code": site.code,
        "name": site.name,
        "region": site.region,
        "department": site.department,
        "url": site.url,
        "status": site.status.value,
        "updated_at": now,
    }


async def load_sites(store: Store) -> list[Site]:
    """The registry ordered by code."""
    async with store.session() as session:
        rows = (await session.scalars(select(SiteRow).order_by(SiteRow.code))).all()
    return [_site(row) for row in rows]


async def import_sites(
    store: Store,
    sites: list[Site],
    *,
    file_name: str,
    file_sha256: str,
    prune: bool = False,
) -> ImportSummary:
    """Upsert the file's sites in one transaction, with a line in the import log."""
    now = datetime.now(UTC)
    async with store.session() as session, session.begin():
        rows = (await session.scalars(select(SiteRow))).all()
        plan = plan_import({row.code: _site(row) for row in rows}, sites, prune=prune)
        if plan.added:
            await session.execute(
                insert(SiteRow), [_values(s, now) | {"created_at": now} for s in plan.added]
            )
        if plan.changed:
            await session.execute(update(SiteRow), [_values(s, now) for s in plan.changed])
        if plan.pruned:
            await session.execute(delete(SiteRow).where(SiteRow.code.in_(plan.pruned)))
        summary = ImportSummary(
            rows=len(sites),
            added=len(plan.added),
            changed=len(plan.changed),
            unchanged=len(plan.unchanged),
            missing=len(plan.missing),
            pruned=len(plan.pruned),
        )
        detail = {
            "added": [s.code for s in plan.added],
            "changed": [s.code for s in plan.changed],
            "missing": plan.missing,
            "pruned": plan.pruned,
        }
        session.add(
            ImportLog(
                file_name=file_name,
                file_sha256=file_sha256,
                imported_at=now,
                rows=summary.rows,
                added=summary.added,
                changed=summary.changed,
                unchanged=summary.unchanged,
                missing=summary.missing,
                pruned=summary.pruned,
                detail=json.dumps(detail, ensure_ascii=False),
            )
        )
    return summary
