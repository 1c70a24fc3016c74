"""Results are recorded once per job id; evidence is content-addressed and pruned."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update

from crawler.recorder import (
    EvidencePage,
    Recorded,
    evidence_body,
    latest_results,
    prune_evidence,
    record,
)
from crawler.result import SiteResult
from crawler.site import SiteStatus
from crawler.store import Store
from crawler.store.models import EvidenceRow, ResultRow


def _result(code: str, when: datetime, verdict: str = "qualified", **kw: object) -> SiteResult:
    return SiteResult(
        code=code,
        name="永善教育网",
        region="昭通",
        url="http://127.1.0.9/",
        status=SiteStatus.OPEN,
        checked_at=when,
        verdict=verdict,  # type: ignore[arg-type]
        **kw,  # type: ignore[arg-type]
    )


async def test_same_job_recorded_once(store: Store) -> None:
    now = datetime.now(UTC)
    page = EvidencePage(url="http://127.1.0.9/", body="<html>首页</html>".encode())
    item = Recorded("inspect:5306250038:1", "inspection", _result("5306250038", now), [page])
    assert await record(store, [item]) == 1
    assert await record(store, [item]) == 0  # replay after a restart: no second row
    async with store.session() as session:
        assert await session.scalar(select(func.count()).select_from(ResultRow)) == 1
        assert await session.scalar(select(func.count()).select_from(EvidenceRow)) == 1
    assert await evidence_body(store, page.id) == (page.url, page.body)


async def test_latest_result_per_site(store: Store) -> None:
    t0 = datetime(2026, 11, 1, tzinfo=UTC)
    await record(
        store,
        [
            Recorded("a1", "inspection", _result("5306250038", t0, "qualified")),
            Recorded("b1", "inspection", _result("5301000043", t0, "qualified")),
        ],
    )
    await record(
        store,
        [Recorded("a2", "inspection", _result("5306250038", t0 + timedelta(1), "unqualified"))],
    )
    latest = await latest_results(store)
    assert latest["5306250038"].verdict == "unqualified"
    assert latest["5301000043"].verdict == "qualified"


async def test_prune_keeps_evidence_cited_by_latest(store: Store) -> None:
    now = datetime.now(UTC)
    old_page = EvidencePage(url="http://127.1.0.9/old", body=b"old blank column")
    kept_page = EvidencePage(url="http://127.1.0.9/", body=b"latest homepage")
    await record(store, [Recorded("j1", "inspection", _result("5306250038", now), [old_page])])
    cited = _result("5306250038", now, evidence={kept_page.url: kept_page.id})
    await record(store, [Recorded("j2", "inspection", cited, [kept_page])])
    async with store.session() as session, session.begin():
        await session.execute(update(EvidenceRow).values(stored_at=now - timedelta(days=400)))
    assert await prune_evidence(store, timedelta(days=90)) == 1
    assert await evidence_body(store, old_page.id) is None
    assert await evidence_body(store, kept_page.id) is not None
