"""The shared cache of the sites' newest inspections, on both stores: rows recorded since
the last read are taken in, and a row that commits below what was read forces a full read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from crawler.recorder import LatestResults, latest_results
from crawler.result import SiteResult
from crawler.site import SiteStatus
from crawler.store import Store
from crawler.store.models import ResultRow

T0 = datetime(2026, 11, 29, 8, tzinfo=UTC)


def _result(code: str, hours: int, verdict: str = "qualified") -> SiteResult:
    return SiteResult(
        code=code, name=f"网站{code}", region="昆明", url=f"http://{code}.example/",
        status=SiteStatus.OPEN, checked_at=T0 + timedelta(hours=hours), verdict=verdict,  # type: ignore[arg-type]
    )  # fmt: skip


async def _put(store: Store, row_id: int, result: SiteResult, kind: str = "inspection") -> None:
    """A row with a chosen id, as a writer whose commit came late would leave it."""
    row = ResultRow(
        id=row_id, job_id=f"j{row_id}", code=result.code, kind=kind,
        checked_at=result.checked_at, verdict=result.verdict, reachable=result.reachable,
        payload=result.model_dump(mode="json"),
    )  # fmt: skip
    async with store.session() as session, session.begin():
        session.add(row)


async def test_new_rows_are_taken_in_and_a_late_row_forces_a_full_read(store: Store) -> None:
    cache = LatestResults()
    assert await cache.get(store) == {}
    await _put(store, 10, _result("A", 0))
    await _put(store, 20, _result("B", 0))
    await _put(store, 25, _result("B", 9), kind="verify")  # another kind: not an inspection
    first = await cache.get(store)
    assert {code: r.checked_at for code, r in first.items()} == {
        "A": T0,
        "B": T0,
    }
    assert await cache.get(store) is first  # nothing new: no read

    await _put(store, 30, _result("A", 1, "unqualified"))
    second = await cache.get(store)
    assert second["A"].verdict == "unqualified" and second["B"] == first["B"]
    assert first["A"].verdict == "qualified"  # a dict handed out is never changed

    # C's row commits late, below the highest id already read; nothing shows it until the
    # next row arrives, whose count gives it away.
    await _put(store, 15, _result("C", 2))
    assert "C" not in await cache.get(store)
    await _put(store, 40, _result("B", 3))
    third = await cache.get(store)
    assert third == await latest_results(store)
    assert set(third) == {"A", "B", "C"} and third["B"].checked_at == T0 + timedelta(hours=3)
