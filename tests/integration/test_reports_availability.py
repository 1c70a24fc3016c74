"""Reports with the availability data: outages over 24 h and the weekly census share."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from notice_store import FIGURES, build_notice_store
from openpyxl import load_workbook

from crawler.config import Settings
from crawler.reports import Quarter, make_report, save_named, write_report
from crawler.store import Store

Q4 = Quarter(2016, 4)
NOW = datetime(2017, 1, 10, tzinfo=UTC)


async def _report(store: Store):  # type: ignore[no-untyped-def]
    return await make_report(store, Q4, Settings(), now=NOW)


async def _add_outages_and_probes(store: Store, flaky: str) -> None:
    from crawler.store.availability_models import OutageWindowRow, ProbeRow

    def window(code: str, start: datetime, end: datetime | None, reported: bool = False):  # type: ignore[no-untyped-def]
        return OutageWindowRow(
            code=code,
            started_at=start,
            ended_at=end,
            duration_s=None if end is None else (end - start).total_seconds(),
            last_failure_at=end or start,
            cause="timeout",
            causes={"timeout": 3},
            probe_count=3,
            last_error="timeout: 15 s",
            reported_at=start + timedelta(hours=24) if reported else None,
        )

    rows: list[object] = [
        # 36 h, reported in writing
        window("5301000043", datetime(2016, 10, 3, 8, tzinfo=UTC),
               datetime(2016, 10, 4, 20, tzinfo=UTC), reported=True),
        # 3 h: too short to report
        window("5304000023", datetime(2016, 11, 3, 8, tzinfo=UTC),
               datetime(2016, 11, 3, 11, tzinfo=UTC)),
        # Q3 only
        window("5304000023", datetime(2016, 9, 1, 8, tzinfo=UTC),
               datetime(2016, 9, 5, 8, tzinfo=UTC)),
        # from 20:00 on 31 Dec (local), still open on the report day
        window("5331020003", datetime(2016, 12, 31, 12, tzinfo=UTC), None),
    ]  # fmt: skip
    # The quarter's last week: 20 probes a day, 10 of 140 failed (7.1% ≥ 5%): 站点无法访问.
    end = datetime(2016, 12, 31, 16, tzinfo=UTC)
    for i in range(140):
        at = end - timedelta(hours=i * 1.2 + 0.5)
        rows.append(
            ProbeRow(
                job_id=f"probe:{flaky}:{i}",
                code=flaky,
                at=at,
                outcome="timeout" if i % 14 == 0 else "ok",
                status=None if i % 14 == 0 else 200,
                latency_ms=300.0,
                error="",
            )
        )
    async with store.session() as session, session.begin():
        session.add_all(rows)
    from crawler.availability import rebuild_probe_hours

    await rebuild_probe_hours(store)  # probes written directly: recount the hourly table


async def test_outages_over_24h_and_weekly_availability(store: Store, tmp_path: Path) -> None:
    notice = await build_notice_store(store)
    await save_named(store, Q4.previous(), notice.previous, "notice 2016Q3")
    flaky = "5329010015"  # a qualified 大理 site whose probes fail 7% of the last week
    await _add_outages_and_probes(store, flaky)
    report = await _report(store)

    assert report.outages is not None
    zone = Settings().tz
    got = [(o.code, o.started_at, o.ended_at, o.duration, o.reported) for o in report.outages]
    assert got == [
        (
            "5301000043",
            datetime(2016, 10, 3, 16, tzinfo=zone),
            datetime(2016, 10, 5, 4, tzinfo=zone),
            timedelta(hours=36),
            True,
        ),
        ("5331020003", datetime(2016, 12, 31, 20, tzinfo=zone), None, NOW - datetime(
            2016, 12, 31, 12, tzinfo=UTC), False),
    ]  # fmt: skip
    assert report.figures.outages_over_24h == 2
    assert report.figures.outage_total == timedelta(hours=36) + (
        NOW - datetime(2016, 12, 31, 12, tzinfo=UTC)
    )
    flagged = [r for r in report.unqualified if r.code == flaky]
    assert [(r.region, r.problems) for r in flagged] == [("大理", "站点无法访问")]
    assert "失败占比 7.1%" in flagged[0].trace.details
    assert report.figures.unqualified == FIGURES["unqualified"] + 1

    path = write_report(report, tmp_path, ("xlsx",))[0]
    ws = load_workbook(path)["超24小时故障"]
    assert [c.value for c in ws[2]] == [
        "序号", "州、市/部门", "网站名称", "网站标识码", "故障开始时间", "恢复时间",
        "持续时长", "故障原因", "已报备",
    ]  # fmt: skip
    assert [c.value for c in ws[3]] == [
        1, "昆明", "昆明市人民政府法制办公室", "5301000043", "2016-10-03 16:00",
        "2016-10-05 04:00", "36小时", "timeout", "是",
    ]  # fmt: skip
    assert ws.cell(row=4, column=6).value == "未恢复"
