"""The report as tables (title, headers, rows): what the xlsx, csv and Markdown writers print.

The first columns of the two lists are the notice's own, with its headers exactly; the
columns after them trace each row back to its stored result and evidence.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from crawler.reports.model import Figures, Report, Trace

UNQUALIFIED_HEADERS = ("序号", "州、市/部门", "网站名称", "存在的突出问题", "网站标识码")
FOLLOW_UP_HEADERS = ("序号", "州、市/部门", "网站名称", "存在突出问题", "网站标识码")  # annex 3
TRACE_HEADERS = ("结果编号", "检查时间", "问题详情", "问题页面", "证据链接")
REVIEW_HEADERS = ("序号", "州、市/部门", "网站名称", "网站标识码", "上季度通报问题", "复核结果")
OUTAGE_HEADERS = (
    "序号",
    "州、市/部门",
    "网站名称",
    "网站标识码",
    "故障开始时间",
    "恢复时间",
    "持续时长",
    "故障原因",
    "已报备",
)
REGION_HEADERS = (
    "州、市/部门",
    "登记网站数",
    "本季度检查数",
    "合格",
    "不合格",
    "本季度通报不合格",
    "整改未到位",
)

# Column widths in characters (a CJK character counts 2), chosen so the notice's five
# columns fill an A4 portrait page.
NOTICE_WIDTHS = (6, 12, 34, 40, 14)
TRACE_WIDTHS = (10, 18, 60, 50, 50)


@dataclass(frozen=True, slots=True)
class Table:
    key: str  # file-name part: unqualified, follow_up, review, figures, outages
    title: str  # sheet name (≤ 31 characters)
    caption: str  # the line above the table, as the notice's annex title
    headers: tuple[str, ...]
    rows: list[tuple[object, ...]]
    widths: tuple[int, ...]
    print_columns: int  # the columns that go on paper; the rest are for tracing
    wrap: frozenset[int] = frozenset()  # 0-based columns whose text wraps


def local_time(moment: datetime | None) -> str:
    return "" if moment is None else moment.strftime("%Y-%m-%d %H:%M")


def duration_text(value: timedelta | None) -> str:
    """27小时20分, as a written outage report puts it."""
    if value is None:
        return ""
    minutes = int(value.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}小时{minutes}分" if minutes else f"{hours}小时"


def share_text(part: int, whole: int) -> str:
    return "—" if whole == 0 else f"{part / whole:.1%}"


def _trace(trace: Trace) -> tuple[object, ...]:
    return (
        trace.result_id if trace.result_id is not None else "",
        local_time(trace.checked_at),
        trace.details,
        trace.pages,
        trace.evidence_links,
    )


def unqualified_table(report: Report) -> Table:
    return Table(
        key="unqualified",
        title="不合格网站名单",
        caption=f"{report.quarter.label}抽查发现的不合格政府网站名单",
        headers=UNQUALIFIED_HEADERS + TRACE_HEADERS,
        rows=[
            (r.seq, r.region, r.name, r.problems, r.code, *_trace(r.trace))
            for r in report.unqualified
        ],
        widths=NOTICE_WIDTHS + TRACE_WIDTHS,
        print_columns=len(UNQUALIFIED_HEADERS),
        wrap=frozenset({2, 3, 7, 8, 9}),
    )


def follow_up_table(report: Report) -> Table:
    previous = report.quarter.previous().label
    return Table(
        key="follow_up",
        title="整改未到位网站名单",
        caption=f"{previous}被通报后仍未整改到位的政府网站名单",
        headers=FOLLOW_UP_HEADERS + TRACE_HEADERS,
        rows=[
            (r.seq, r.region, r.name, r.status_label, r.code, *_trace(r.trace))
            for r in report.follow_up_not_fixed
        ],
        widths=NOTICE_WIDTHS + TRACE_WIDTHS,
        print_columns=len(FOLLOW_UP_HEADERS),
        wrap=frozenset({2, 3, 7, 8, 9}),
    )


def review_table(report: Report) -> Table:
    """Every site named last quarter and what the quarter's inspections found, fixed ones too."""
    return Table(
        key="review",
        title="整改复核明细",
        caption=f"{report.quarter.previous().label}被通报政府网站整改复核情况",
        headers=REVIEW_HEADERS + TRACE_HEADERS,
        rows=[
            (r.seq, r.region, r.name, r.code, r.previous_problems, r.status_label, *_trace(r.trace))
            for r in report.follow_up
        ],
        widths=(6, 12, 30, 14, 30, 22, *TRACE_WIDTHS),
        print_columns=len(REVIEW_HEADERS),
        wrap=frozenset({2, 4, 5, 8, 9, 10}),
    )


def outage_table(report: Report) -> Table:
    rows = [
        (
            r.seq,
            r.region,
            r.name,
            r.code,
            local_time(r.started_at),
            local_time(r.ended_at) or "未恢复",
            duration_text(r.duration),
            r.cause,
            "" if r.reported is None else ("是" if r.reported else "否"),
        )
        for r in report.outages or ()
    ]
    return Table(
        key="outages",
        title="超24小时故障",
        caption=f"{report.quarter.label}超过24小时无法恢复的网站故障",
        headers=OUTAGE_HEADERS,
        rows=rows,
        widths=(6, 10, 28, 13, 17, 17, 12, 16, 7),
        print_columns=len(OUTAGE_HEADERS),
        wrap=frozenset({2, 7}),
    )


def figure_lines(report: Report) -> list[tuple[str, str]]:
    """(指标, 数值) lines of the figures sheet and the Markdown summary."""
    f: Figures = report.figures
    outages = "不可用" if f.outages_over_24h is None else str(f.outages_over_24h)
    lines = [
        ("季度", report.quarter.label),
        ("生成时间", local_time(report.generated_at)),
        ("登记网站数", str(f.registered)),
        ("其中正常运行", str(f.registered_open)),
        ("本季度检查网站数", str(f.checked)),
        ("合格", str(f.qualified)),
        ("不合格", str(f.unqualified)),
        ("本季度通报不合格网站", str(f.listed)),
        ("上季度被通报网站", str(f.previous_named)),
        ("整改未到位", str(f.follow_up_not_fixed)),
        ("已完成整改", str(f.follow_up_fixed)),
        ("首页已检查网站数", str(f.homepages_read)),
        (
            "首页添加“我为政府网站找错”入口",
            f"{f.zhaocuo_entry}（{share_text(f.zhaocuo_entry, f.homepages_read)}）",
        ),
        (
            "首页添加“云南省政府网站问题曝光台”入口",
            f"{f.exposure_entry}（{share_text(f.exposure_entry, f.homepages_read)}）",
        ),
        ("超过24小时无法恢复的故障", outages),
        ("超过24小时故障总时长", duration_text(f.outage_total) or "不可用"),
        ("申请永久关停网站", str(f.closed_registered)),
        ("已核实关停", str(f.closed_verified)),
        ("申请永久关停后站点未关闭", str(f.closed_online)),
        ("上季度名单来源", report.previous_source),
    ]
    lines += [("说明", note) for note in report.notes]
    return lines


def region_table(report: Report) -> Table:
    f = report.figures
    rows: list[tuple[object, ...]] = [
        (
            r.region,
            r.registered,
            r.checked,
            r.qualified,
            r.unqualified,
            r.listed,
            r.follow_up_not_fixed,
        )
        for r in f.by_region
    ]
    rows.append(
        (
            "合计",
            f.registered,
            f.checked,
            f.qualified,
            f.unqualified,
            f.listed,
            f.follow_up_not_fixed,
        )
    )
    return Table(
        key="regions",
        title="分地区统计",
        caption=f"{report.quarter.label}各州、市/部门政府网站抽查情况",
        headers=REGION_HEADERS,
        rows=rows,
        widths=(12, 11, 13, 8, 8, 16, 11),
        print_columns=len(REGION_HEADERS),
    )


def figures_table(report: Report) -> Table:
    return Table(
        key="figures",
        title="统计",
        caption=f"{report.quarter.label}政府网站抽查统计",
        headers=("指标", "数值"),
        rows=list(figure_lines(report)),
        widths=(40, 50),
        print_columns=2,
        wrap=frozenset({0, 1}),
    )


def report_tables(report: Report) -> list[Table]:
    """Every table of the report, in the order the xlsx sheets and the Markdown list them."""
    tables = [
        unqualified_table(report),
        follow_up_table(report),
        review_table(report),
        figures_table(report),
        region_table(report),
    ]
    if report.outages is not None:
        tables.append(outage_table(report))
    return tables
