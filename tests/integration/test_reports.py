"""Quarterly reports from a store reproducing the example notice's annexes (CENSUS.md)."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from notice_store import (
    ANNEX2,
    ANNEX3,
    EVIDENCE_CODE,
    FIGURES,
    FIXED_Q3,
    build_notice_store,
)
from openpyxl import load_workbook

from crawler.cli import cli
from crawler.config import Settings
from crawler.reports import Quarter, load_layout, make_report, save_named, write_report
from crawler.reports.layout import FollowUpStatus
from crawler.reports.previous import load_named
from crawler.reports.tables import FOLLOW_UP_HEADERS, UNQUALIFIED_HEADERS
from crawler.store import Store

Q4 = Quarter(2016, 4)
NOW = datetime(2017, 1, 10, tzinfo=UTC)


def _rows(report_rows, status: bool = False):  # type: ignore[no-untyped-def]
    return [
        (r.seq, r.region, r.name, r.status_label if status else r.problems, r.code)
        for r in report_rows
    ]


async def _report(store: Store, **kw):  # type: ignore[no-untyped-def]
    return await make_report(store, Q4, Settings(), now=NOW, **kw)


async def test_annex_2_and_3_reproduced_from_stored_results(store: Store) -> None:
    notice = await build_notice_store(store)
    await save_named(store, Q4.previous(), notice.previous, "notice 2016Q3")
    report = await _report(store)
    assert _rows(report.unqualified) == ANNEX2
    assert _rows(report.follow_up_not_fixed, status=True) == ANNEX3
    assert report.previous_source == "store (notice 2016Q3)"
    figures = report.figures
    assert {name: getattr(figures, name) for name in FIGURES} == FIGURES
    assert figures.zhaocuo_share == pytest.approx(19 / 40)
    assert figures.exposure_share == pytest.approx(15 / 40)
    by_region = {r.region: r for r in figures.by_region}
    assert (by_region["玉溪"].listed, by_region["怒江"].follow_up_not_fixed) == (4, 4)
    assert by_region["大理"].qualified == 21  # 20 plain and one fixed
    # regions in the configured order; 省直部门 would come last
    order = [r.region for r in figures.by_region]
    assert order[:3] == ["昆明", "昭通", "曲靖"] and order[-1] == "临沧"


async def test_every_follow_up_status_and_the_fixed_sites(store: Store) -> None:
    notice = await build_notice_store(store)
    await save_named(store, Q4.previous(), notice.previous, "notice 2016Q3")
    report = await _report(store)
    status = {row.code: row.status for row in report.follow_up}
    labels = {
        "未完成整改": FollowUpStatus.NOT_FIXED,
        "完成整改后未持续更新": FollowUpStatus.FIXED_NOT_KEPT,
        "申请永久关停后站点未关闭": FollowUpStatus.CLOSED_SITE_ONLINE,
        "站点无法访问": FollowUpStatus.UNREACHABLE,
    }
    for _, _, _, label, code in ANNEX3:
        assert status[code] is labels[label], code
    for _, _, code, _, _ in FIXED_Q3:
        assert status[code] is FollowUpStatus.FIXED, code
    fixed_row = next(r for r in report.follow_up if r.code == FIXED_Q3[0][2])
    assert fixed_row.status_label == "已完成整改"
    assert fixed_row.previous_problems == "首页长期不更新"


async def test_rows_trace_to_their_result_and_evidence(store: Store) -> None:
    notice = await build_notice_store(store)
    report = await _report(store)
    row = next(r for r in report.unqualified if r.code == EVIDENCE_CODE)
    assert row.trace.result_id is not None
    assert row.trace.checked_at == datetime(2016, 11, 25, 10, tzinfo=Q4_ZONE())
    assert row.trace.pages == "http://5301000041.example/"
    assert row.trace.evidence_links == f"/sites/{EVIDENCE_CODE}/evidence/{notice.evidence_sha}"
    assert "首页长期不更新" in row.trace.details
    assert "找错" not in row.trace.details  # the non-veto problem is not why it was named


def Q4_ZONE():  # type: ignore[no-untyped-def]
    return Settings().tz


async def test_previous_list_falls_back_to_last_quarters_results(store: Store) -> None:
    """Nothing stored for 2016Q3: the sites its own results found unqualified are followed."""
    await build_notice_store(store)
    report = await _report(store)
    assert report.previous_source == "results of 2016Q3"
    # the one site whose only unqualified result fell in Q3 (30 Sept, 23:00 local time)
    # and the site not checked since
    assert {r.code: r.status for r in report.follow_up} == {
        "5329010029": FollowUpStatus.FIXED,
        "5333000009": FollowUpStatus.NOT_CHECKED,
    }


async def test_mark_layout_lists_repeat_offenders_with_the_notice_prefix(
    store: Store, tmp_path: Path
) -> None:
    notice = await build_notice_store(store)
    await save_named(store, Q4.previous(), notice.previous, "notice 2016Q3")
    override = tmp_path / "layout.yaml"
    override.write_text("repeat_offenders: mark\n", encoding="utf-8")
    report = await _report(store, layout=load_layout(override))
    marked = {r.code: r.problems for r in report.unqualified if r.repeat}
    assert marked["5325230002"] == "上季度抽查不合格后整改不彻底，首页长期不更新"
    assert marked["5303020029"] == "上季度抽查不合格后整改不彻底，申请永久关停后站点未关闭"
    assert len(report.unqualified) == 15 + 15
    assert _rows(report.follow_up_not_fixed, status=True) == ANNEX3  # unchanged


async def test_region_order_is_configurable(store: Store, tmp_path: Path) -> None:
    notice = await build_notice_store(store)
    await save_named(store, Q4.previous(), notice.previous, "notice 2016Q3")
    override = tmp_path / "layout.yaml"
    override.write_text("region_order: [德宏, 玉溪]\n", encoding="utf-8")
    report = await _report(store, layout=load_layout(override))
    regions = [r.region for r in report.unqualified]
    assert regions[:5] == ["德宏", "玉溪", "玉溪", "玉溪", "玉溪"]
    # the rest by name: 文山 < 昆明 < 昭通 < 曲靖 < 楚雄 < 红河 < 西双版纳 (code points)
    rest = list(dict.fromkeys(regions[5:]))
    assert rest == sorted(rest)


# ------------------------------------------------------------------- files and the CLI


def _write_previous_xlsx(path: Path, extra: list[tuple[object, ...]] = ()) -> None:  # type: ignore[assignment]
    """The notice's annexes as a province would circulate them: titles over each table."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "附件2"
    ws.append(["附件2"])
    ws.append(["2016年三季度省政府办公厅抽查发现的不合格政府网站名单"])
    ws.append(list(UNQUALIFIED_HEADERS))
    for seq, region, name, _, code in ANNEX3:
        ws.append([seq, region, name, "首页长期不更新", int(code)])  # codes typed as numbers
    for seq, (region, name, code, phrase, _) in enumerate(FIXED_Q3, len(ANNEX3) + 1):
        ws.append([seq, region, name, phrase, code])
    for row in extra:
        ws.append(list(row))
    ws.append([None, None, None, None, None])
    ws.append(["云南省人民政府办公厅"])  # the signature under the table is not a row
    other = wb.create_sheet("说明")
    other.append(["本表为示例"])
    wb.save(path)


async def _invoke(args: list[str], db: str, *, catch: bool = False) -> Result:
    """The command in a thread: it runs its own event loop, as from a shell."""

    def call() -> Result:
        env = {"GOVCRAWL_STORE__URL": db}
        return CliRunner().invoke(cli, args, env=env, catch_exceptions=catch)

    return await asyncio.to_thread(call)


async def test_cli_report_from_previous_xlsx_writes_xlsx_csv_md(
    store: Store, store_url: str, tmp_path: Path
) -> None:
    notice = await build_notice_store(store)
    previous = tmp_path / "2016Q3.xlsx"
    _write_previous_xlsx(previous)
    out = tmp_path / "out"
    args = ["report", "--quarter", "2016Q4", "--out", str(out), "--previous", str(previous)]
    result = await _invoke([*args, "--base-url", "http://10.0.0.5:8080/"], store_url)
    assert result.exit_code == 0, result.output
    assert "15 listed, 15 of 19 named last quarter not fixed" in result.output

    wb = load_workbook(out / "report-2016Q4.xlsx")
    assert wb.sheetnames[:3] == ["不合格网站名单", "整改未到位网站名单", "整改复核明细"]
    ws = wb["不合格网站名单"]
    assert tuple(c.value for c in ws[2][:5]) == UNQUALIFIED_HEADERS
    assert [tuple(c.value for c in row[:5]) for row in ws.iter_rows(min_row=3)] == ANNEX2
    assert int(ws.page_setup.paperSize) == 9  # A4
    assert int(ws.page_setup.fitToWidth) == 1 and ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_area == "'不合格网站名单'!$A$1:$E$17"
    assert ws.column_dimensions["D"].width == 40 and ws["D3"].alignment.wrap_text
    link = f"http://10.0.0.5:8080/sites/{EVIDENCE_CODE}/evidence/{notice.evidence_sha}"
    assert ws["J3"].value == link and ws["J3"].hyperlink.target == link  # 证据链接, row 1
    ws = wb["整改未到位网站名单"]
    assert tuple(c.value for c in ws[2][:5]) == FOLLOW_UP_HEADERS
    assert [tuple(c.value for c in row[:5]) for row in ws.iter_rows(min_row=3)] == ANNEX3
    assert ws.cell(row=3, column=6).value  # result id of the first follow-up row

    raw = (out / "report-2016Q4-unqualified.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert tuple(rows[0][:5]) == UNQUALIFIED_HEADERS
    assert [tuple(r[:5]) for r in rows[1:]] == [tuple(map(str, row)) for row in ANNEX2]

    md = (out / "report-2016Q4.md").read_text(encoding="utf-8")
    assert "| 5 | 曲靖 | 宣威市规划局 | 首页长期不更新 多个栏目为空白 | 5303810003 |" in md
    assert "| 7 | 德宏 | 瑞丽农业信息网 | 站点无法访问 | 5331020003 |" in md

    # the import was stored for 2016Q3: a second run needs no file
    named, source = await load_named(store, Q4.previous())
    assert len(named) == 19 and source == "file 2016Q3.xlsx"


async def test_cli_rejects_a_bad_previous_list_and_stores_nothing(
    store: Store, store_url: str, tmp_path: Path
) -> None:
    from openpyxl import Workbook

    bad = tmp_path / "bad.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.append(list(UNQUALIFIED_HEADERS))
    ws.append([1, "昆明", "某网站", "首页长期不更新", "53010000"])
    ws.append([2, "昆明", "", "首页长期不更新", "5301000041"])
    wb.save(bad)
    result = await _invoke(
        ["report", "--quarter", "2016Q4", "--out", str(tmp_path), "--previous", str(bad)],
        store_url,
        catch=True,
    )
    assert result.exit_code != 0
    assert "row 2, column 网站标识码" in result.output and "row 3, column 网站名称" in result.output
    assert await load_named(store, Q4.previous()) == ([], "")
    assert not list(tmp_path.glob("report-*"))


async def test_cli_record_keeps_this_quarters_lists_for_the_next(
    store: Store, store_url: str, tmp_path: Path
) -> None:
    notice = await build_notice_store(store)
    await save_named(store, Q4.previous(), notice.previous, "notice 2016Q3")
    result = await _invoke(
        ["report", "--quarter", "2016Q4", "--format", "md", "--out", str(tmp_path), "--record"],
        store_url,
    )
    assert result.exit_code == 0, result.output
    named, source = await load_named(store, Q4)
    assert source == "report 2016Q4"
    assert [(n.list_name, n.code) for n in named[:1]] == [("unqualified", "5301000041")]
    assert len(named) == 30
    assert [p.name for p in tmp_path.glob("report-*")] == ["report-2016Q4.md"]


async def test_write_report_files_are_complete(store: Store, tmp_path: Path) -> None:
    await build_notice_store(store)
    report = await _report(store)
    paths = write_report(report, tmp_path, ("xlsx", "csv"))
    names = sorted(p.name for p in paths)
    assert "report-2016Q4.xlsx" in names and "report-2016Q4-figures.csv" in names
    assert not list(tmp_path.glob(".report-*"))  # no temporary files left behind


STATUS_EXAMPLES = [
    (FollowUpStatus.NOT_FIXED, "5325030002", "未完成整改"),
    (FollowUpStatus.FIXED_NOT_KEPT, "5325230002", "完成整改后未持续更新"),
    (FollowUpStatus.CLOSED_SITE_ONLINE, "5303020029", "申请永久关停后站点未关闭"),
    (FollowUpStatus.UNREACHABLE, "5331020003", "站点无法访问"),
    (FollowUpStatus.FIXED, "5301000070", "已完成整改"),  # qualified again
    (FollowUpStatus.FIXED, "5334010002", "已完成整改"),  # closed, as it applied to be
    (FollowUpStatus.NOT_CHECKED, "5333000009", "本季度未检查"),
]


@pytest.mark.parametrize(("status", "code", "label"), STATUS_EXAMPLES)
async def test_follow_up_status_from_an_imported_xlsx(
    store: Store, tmp_path: Path, status: FollowUpStatus, code: str, label: str
) -> None:
    """One site of last quarter's list per status, read from a notice-format workbook."""
    from crawler.reports import read_previous_list

    await build_notice_store(store)
    path = tmp_path / "2016Q3.xlsx"
    _write_previous_xlsx(
        path, extra=[(99, "怒江", "怒江未检查网站", "首页长期不更新", "5333000009")]
    )
    previous = [n for n in read_previous_list(path) if n.code == code]
    assert len(previous) == 1
    report = await _report(store, previous=previous, previous_source=path.name)
    assert [(r.code, r.status, r.status_label) for r in report.follow_up] == [(code, status, label)]
    listed = [r.code for r in report.follow_up_not_fixed]
    assert listed == (
        [] if status in (FollowUpStatus.FIXED, FollowUpStatus.NOT_CHECKED) else [code]
    )
    # a site still not fixed is followed up, not listed again among the new unqualified
    assert code not in {r.code for r in report.unqualified}


async def test_previous_list_from_csv_with_bom(store: Store, tmp_path: Path) -> None:
    from crawler.reports import read_previous_list

    await build_notice_store(store)
    path = tmp_path / "2016Q3.csv"
    lines = ["附件3", ",".join(FOLLOW_UP_HEADERS)]
    lines += [f"{s},{r},{n},{p},{c}" for s, r, n, p, c in ANNEX3]
    path.write_bytes("\r\n".join(lines).encode("utf-8-sig"))
    previous = read_previous_list(path)
    assert [(n.code, n.list_name) for n in previous[:1]] == [("5303020029", "follow_up")]
    report = await _report(store, previous=previous, previous_source=path.name)
    assert _rows(report.follow_up_not_fixed, status=True) == ANNEX3
