"""The pure parts of the quarterly reports: quarters, layout, phrasing, files, the builder."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from crawler.reports.build import build_report, phrase_problems
from crawler.reports.layout import FollowUpStatus, LayoutError, load_layout
from crawler.reports.model import NamedSite, ProblemView, ReportInputs, ResultView
from crawler.reports.previous import PreviousListError, read_previous_list
from crawler.reports.quarter import Quarter, QuarterError
from crawler.reports.tables import duration_text, unqualified_table
from crawler.reports.writers import csv_text, markdown
from crawler.rules import load_rules
from crawler.site import Site, SiteStatus

ZONE = ZoneInfo("Asia/Shanghai")
RULES = load_rules()


def test_quarter_parse_label_bounds_and_previous() -> None:
    q = Quarter.parse("2026Q4")
    assert (str(q), q.label) == ("2026Q4", "2026年第四季度")
    assert q.bounds(ZONE) == (datetime(2026, 10, 1, tzinfo=ZONE), datetime(2027, 1, 1, tzinfo=ZONE))
    assert Quarter.parse("2027q1").previous() == Quarter(2026, 4)
    assert Quarter.containing(datetime(2026, 9, 30, 16, tzinfo=UTC), ZONE) == q  # 00:00 local
    for bad in ("2026Q5", "26Q4", "2026-4", ""):
        with pytest.raises(QuarterError, match="expected YEARQn"):
            Quarter.parse(bad)


def test_layout_defaults_and_overrides(tmp_path: Path) -> None:
    layout = load_layout()
    assert layout.region_order[:5] == ("昆明", "昭通", "曲靖", "玉溪", "楚雄")
    assert layout.region_order[-1] == "省直部门" and len(layout.region_order) == 17
    assert layout.region_rank("红河州") < layout.region_rank("文山")  # aliases count
    assert layout.region_rank("外省") > layout.region_rank("省直部门")
    own = tmp_path / "layout.yaml"
    own.write_text("follow_up_labels: {fixed: 整改到位}\n", encoding="utf-8")
    changed = load_layout(own)
    assert changed.follow_up_labels[FollowUpStatus.FIXED] == "整改到位"
    assert changed.follow_up_labels[FollowUpStatus.NOT_FIXED] == "未完成整改"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("region_order: [昆明, 昆明市]\n", "listed more than once: 昆明"),
        ("repeat_offenders: twice\n", "repeat_offenders"),
        ("colours: red\n", "unknown key(s) colours"),
        ("region_order: [昆明\n", "not valid YAML"),
    ],
)
def test_layout_errors_name_the_file_and_key(tmp_path: Path, text: str, message: str) -> None:
    own = tmp_path / "layout.yaml"
    own.write_text(text, encoding="utf-8")
    with pytest.raises(LayoutError) as caught:
        load_layout(own)
    assert str(own) in str(caught.value) and message in str(caught.value)


def _p(kind: str, veto: bool = True, label: str = "") -> ProblemView:
    return ProblemView(
        kind=kind, label=label or kind, veto=veto, level="veto" if veto else "problem"
    )


def test_phrasing_joins_vetoes_as_the_notices_do() -> None:
    both = [_p("blank_columns"), _p("homepage_stale"), _p("broken_links", veto=False)]
    assert phrase_problems(both, RULES) == "首页长期不更新 多个栏目为空白"
    closed = [_p("homepage_stale"), _p("closed_site_online")]
    assert phrase_problems(closed, RULES) == "申请永久关停后站点未关闭"
    later = [_p("interaction_unanswered", label="互动回应差"), _p("site_unreachable")]
    assert phrase_problems(later, RULES) == "站点无法访问 互动回应差"


def test_duration_text() -> None:
    assert duration_text(timedelta(hours=36)) == "36小时"
    assert duration_text(timedelta(hours=27, minutes=20, seconds=59)) == "27小时20分"


# ------------------------------------------------------------------------ the builder

T1 = datetime(2026, 10, 10, tzinfo=UTC)
T2 = datetime(2026, 11, 10, tzinfo=UTC)


def _view(
    rid: int, code: str, at: datetime, problems: list[ProblemView], **kw: object
) -> ResultView:
    values: dict[str, object] = {
        "id": rid,
        "code": code,
        "name": f"网站{code}",
        "region": "昆明",
        "url": f"http://{code}.example/",
        "status": "open",
        "checked_at": at,
        "verdict": "unqualified" if any(p.veto for p in problems) else "qualified",
        "reachable": True,
        "problems": tuple(problems),
        "zhaocuo": False,
        "exposure": False,
        "evidence": {},
    }
    values.update(kw)
    return ResultView(**values)  # type: ignore[arg-type]


def _inputs(latest: list[ResultView], sites: list[Site], **kw: object) -> ReportInputs:
    values: dict[str, object] = {
        "quarter": Quarter(2026, 4),
        "generated_at": T2,
        "sites": sites,
        "latest": {v.code: v for v in latest},
        "verdicts": {},
        "previous": [],
        "previous_source": "none",
    }
    values.update(kw)
    return ReportInputs(**values)  # type: ignore[arg-type]


def _site(code: str, region: str, status: SiteStatus = SiteStatus.OPEN) -> Site:
    return Site(code, f"网站{code}", region, f"http://{code}.example/", status=status)


def test_rows_sort_by_region_order_then_code_and_take_the_registry_name() -> None:
    stale = [_p("homepage_stale", label="首页长期不更新")]
    sites = [
        _site("5325000002", "红河"),
        _site("5301000009", "昆明"),
        _site("5300000001", "省直部门"),
        _site("5301000001", "昆明"),
    ]
    latest = [_view(i, s.code, T2, stale) for i, s in enumerate(sites, 1)]
    report = build_report(_inputs(latest, sites), load_layout(), RULES, ZONE)
    assert [(r.seq, r.region, r.code) for r in report.unqualified] == [
        (1, "昆明", "5301000001"),
        (2, "昆明", "5301000009"),
        (3, "红河", "5325000002"),
        (4, "省直部门", "5300000001"),
    ]
    assert report.outages is None and "可用性" in report.notes[0]


def test_follow_up_status_rules() -> None:
    stale = [_p("homepage_stale", label="首页长期不更新")]
    sites = [_site(f"530100000{i}", "昆明") for i in range(1, 8)]
    sites[4] = _site("5301000005", "昆明", SiteStatus.PERMANENTLY_CLOSED)
    sites[5] = _site("5301000006", "昆明", SiteStatus.TEMPORARILY_CLOSED)
    latest = [
        _view(1, "5301000001", T2, stale),  # unqualified all quarter
        _view(2, "5301000002", T2, stale),  # qualified in October, stale again
        _view(3, "5301000003", T2, [_p("site_unreachable")], reachable=False),
        _view(4, "5301000004", T2, []),  # fixed
        _view(5, "5301000005", T2, [], verdict="not_checked", reachable=False),  # closed
        _view(6, "5301000006", T2, [], verdict="not_checked"),  # being rebuilt
        # 5301000007: no inspection this quarter
    ]
    verdicts = {
        "5301000001": [(T1, "unqualified"), (T2, "unqualified")],
        "5301000002": [(T1, "qualified"), (T2, "unqualified")],
    }
    previous = [NamedSite(s.code, s.name, "昆明", "首页长期不更新") for s in sites]
    inputs = _inputs(latest, sites, verdicts=verdicts, previous=previous)
    report = build_report(inputs, load_layout(), RULES, ZONE)
    assert [r.status for r in report.follow_up] == [
        FollowUpStatus.NOT_FIXED,
        FollowUpStatus.FIXED_NOT_KEPT,
        FollowUpStatus.UNREACHABLE,
        FollowUpStatus.FIXED,
        FollowUpStatus.FIXED,
        FollowUpStatus.NOT_CHECKED,
        FollowUpStatus.NOT_CHECKED,
    ]
    assert report.unqualified == []  # the failing ones are followed up, not listed again
    assert (report.figures.follow_up_not_fixed, report.figures.follow_up_fixed) == (3, 2)
    assert report.figures.closed_verified == 1


# ------------------------------------------------------------------------ files


def test_previous_list_without_a_notice_table_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_text("网站名称,网址\n某网站,http://x\n", encoding="utf-8")
    with pytest.raises(PreviousListError, match="no table with the notice's header"):
        read_previous_list(path)
    with pytest.raises(PreviousListError, match=r"\.xlsx or \.csv"):
        read_previous_list(tmp_path / "list.pdf")
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a zip")
    with pytest.raises(PreviousListError, match=r"not a readable \.xlsx workbook"):
        read_previous_list(broken)


def test_csv_and_markdown_keep_cells_intact() -> None:
    stale = [ProblemView("homepage_stale", "首页长期不更新", True, "veto", "a|b\nc", "http://x/")]
    sites = [_site("5301000001", "昆明")]
    report = build_report(_inputs([_view(1, "5301000001", T2, stale)], sites), load_layout(),
                          RULES, ZONE)  # fmt: skip
    text = csv_text(unqualified_table(report))
    assert text.splitlines()[0].startswith(
        "序号,州、市/部门,网站名称,存在的突出问题,网站标识码,结果编号"
    )
    assert '"首页长期不更新：a|b\nc"' in text  # a multi-line cell stays one quoted cell
    md = markdown(report)
    assert "| 1 | 昆明 | 网站5301000001 | 首页长期不更新 | 5301000001 |" in md
    assert "首页长期不更新：a\\|b<br>c" in md


def test_previous_workbook_reads_every_annex_sheet(tmp_path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    first = wb.active
    first.title = "附件1"
    first.append(["附件1"])
    first.append(["序号", "州、市/部门", "网站名称", "存在的突出问题", "网站标识码"])
    first.append([1, "红河州", "云南省屏边县 教育局", "首页面长时间未更新", "5325230002"])
    third = wb.create_sheet("附件3")
    third.append(["序号", "州、市/部门", "网站名称", "存在突出问题", "网站标识码"])
    third.append([1, "曲靖", "麒麟区地震局一试点", "申请永久关停后站点未关闭", 5303020029.0])
    wb.create_sheet("说明").append(["不是名单"])
    path = tmp_path / "notice.xlsx"
    wb.save(path)
    named = read_previous_list(path)
    assert [(n.list_name, n.region, n.name, n.code) for n in named] == [
        ("unqualified", "红河", "云南省屏边县教育局", "5325230002"),  # name unwrapped
        ("follow_up", "曲靖", "麒麟区地震局一试点", "5303020029"),  # code typed as a number
    ]
