"""The only writer of results: each job's result stored once, evidence pages kept compressed."""

from __future__ import annotations

import asyncio
import base64
import gzip
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.dialects import postgresql, sqlite

from crawler.result import SiteResult
from crawler.store import Store
from crawler.store.models import EvidenceRow, ResultRow


@dataclass(frozen=True, slots=True)
class EvidencePage:
    url: str
    body: bytes
    content_type: str = ""

    @property
    def id(self) -> str:
        return evidence_id(self.body)


@dataclass(frozen=True, slots=True)
class Recorded:
    """A job's outcome on its way to the store."""

    job_id: str
    kind: str  # "inspection"
    result: SiteResult
    evidence: Sequence[EvidencePage] = ()


def evidence_id(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def evidence_data(page: EvidencePage) -> dict[str, str]:
    """An evidence page as JSON (in job envelopes and paused inspections)."""
    body = base64.b64encode(page.body).decode("ascii")
    return {"url": page.url, "content_type": page.content_type, "body_b64": body}


def evidence_page(data: dict[str, str]) -> EvidencePage:
    return EvidencePage(
        data["url"], base64.b64decode(data["body_b64"]), data.get("content_type", "")
    )


def _insert(store: Store, table):  # type: ignore[no-untyped-def]
    return (postgresql if store.dialect == "postgresql" else sqlite).insert(table)


async def record(store: Store, items: Sequence[Recorded]) -> int:
    """Store results and their evidence in one transaction; a job id seen before is skipped.

    Returns how many results were new, so a replayed job is visibly a no-op.
    """
    if not items:
        return 0
    now = datetime.now(UTC)
    pages = {page.id: page for item in items for page in item.evidence}
    async with store.session() as session, session.begin():
        if pages:
            await session.execute(
                _insert(store, EvidenceRow).on_conflict_do_nothing(index_elements=["sha256"]),
                [
                    {
                        "sha256": sha,
                        "url": page.url[:2000],
                        "content_type": page.content_type[:200],
                        "size": len(page.body),
                        "body_gz": gzip.compress(page.body, compresslevel=6),
                        "stored_at": now,
                    }
                    for sha, page in pages.items()
                ],
            )
        before = await session.scalar(select(func.count()).select_from(ResultRow))
        await session.execute(
            _insert(store, ResultRow).on_conflict_do_nothing(index_elements=["job_id"]),
            [
                {
                    "job_id": item.job_id,
                    "code": item.result.code,
                    "kind": item.kind,
                    "checked_at": item.result.checked_at.astimezone(UTC),  # SQLite drops offsets
                    "verdict": item.result.verdict,
                    "reachable": item.result.reachable,
                    "payload": item.result.model_dump(mode="json"),
                }
                for item in items
            ],
        )
        after = await session.scalar(select(func.count()).select_from(ResultRow))
    return int(after or 0) - int(before or 0)


async def latest_results(
    store: Store,
    kind: str = "inspection",
    codes: Sequence[str] | None = None,
    *,
    after: int = 0,
    upto: int | None = None,
) -> dict[str, SiteResult]:
    """Each site's newest result of a kind (of the given sites, or of all), among the rows
    with ``after`` < id <= ``upto``."""
    newest = select(ResultRow.code, func.max(ResultRow.id).label("id")).where(
        ResultRow.kind == kind, ResultRow.id > after
    )
    if upto is not None:
        newest = newest.where(ResultRow.id <= upto)
    if codes is not None:
        newest = newest.where(ResultRow.code.in_(list(codes)))
    newest = newest.group_by(ResultRow.code).subquery()
    async with store.session() as session:
        rows = (
            await session.scalars(select(ResultRow).join(newest, ResultRow.id == newest.c.id))
        ).all()
    return {row.code: SiteResult.model_validate(row.payload) for row in rows}


class LatestResults:
    """Each site's newest inspection, kept in memory and brought up to date from the rows
    recorded since the last read: validating 1,900 stored payloads costs a third of a
    second, and a running service adds one result a minute or so.

    Results are only ever added, by id. A row that commits after a higher id was read (two
    writers at once: a `govcrawl check` beside the service) shows in the count at the next
    new row, and then everything is read again."""

    def __init__(self) -> None:
        self.high = 0  # the highest result id read
        self.count = 0  # inspection rows with id <= high
        self.results: dict[str, SiteResult] = {}
        self._lock = asyncio.Lock()

    async def get(self, store: Store) -> dict[str, SiteResult]:
        """code -> newest inspection (the cache's own dict: do not modify it)."""
        async with self._lock:
            inspections = ResultRow.kind == "inspection"
            async with store.session() as session:
                added, high = (
                    await session.execute(
                        select(func.count(ResultRow.id), func.max(ResultRow.id)).where(
                            inspections, ResultRow.id > self.high
                        )
                    )
                ).one()
                if not added:
                    return self.results
                count = await session.scalar(
                    select(func.count(ResultRow.id)).where(inspections, ResultRow.id <= high)
                )
            if count == self.count + added:
                fresh = await latest_results(store, after=self.high, upto=high)
                self.results = self.results | fresh
            else:  # a row came in below what was read: read everything again
                self.results = await latest_results(store, upto=high)
            self.high, self.count = int(high), int(count or 0)
            return self.results


async def evidence_body(store: Store, sha256: str) -> tuple[str, bytes] | None:
    """(url, html bytes) of a stored evidence page."""
    async with store.session() as session:
        row = await session.get(EvidenceRow, sha256)
    return None if row is None else (row.url, gzip.decompress(row.body_gz))


async def prune_evidence(store: Store, keep_for: timedelta) -> int:
    """Drop evidence older than keep_for unless a site's latest result still cites it."""
    cutoff = datetime.now(UTC) - keep_for
    cited = {
        sha for result in (await latest_results(store)).values() for sha in result.evidence.values()
    }
    async with store.session() as session, session.begin():
        old = (
            await session.scalars(select(EvidenceRow.sha256).where(EvidenceRow.stored_at < cutoff))
        ).all()
        doomed = [sha for sha in old if sha not in cited]
        for start in range(0, len(doomed), 500):
            chunk = doomed[start : start + 500]
            await session.execute(delete(EvidenceRow).where(EvidenceRow.sha256.in_(chunk)))
    return len(doomed)
