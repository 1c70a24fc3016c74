"""Summaries of many results, for the end of `govcrawl check` and the demo."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from rich.table import Table

from crawler.reports.layout import load_layout
from crawler.result import SiteResult


def problem_table(results: Iterable[SiteResult]) -> Table:
    """Sites per problem kind, veto and below-threshold counted apart."""
    veto: Counter[str] = Counter()
    other: Counter[str] = Counter()
    labels: dict[str, str] = {}
    for result in results:
        for problem in result.problems:
            (veto if problem.veto else other)[problem.kind] += 1
            labels[problem.kind] = problem.label
    table = Table(title="问题 problems (sites)")
    table.add_column("kind")
    table.add_column("问题")
    table.add_column("veto 否决", justify="right")
    table.add_column("below threshold 未达否决线", justify="right")
    for kind in sorted(labels, key=lambda k: (-veto[k], -other[k], k)):
        table.add_row(kind, labels[kind], str(veto[kind]), str(other[kind]))
    return table


def region_table(results: Iterable[SiteResult]) -> Table:
    """Checked, qualified, unqualified and not-checked sites per region, in the province's order."""
    counts: dict[str, Counter[str]] = {}
    for result in results:
        counts.setdefault(result.region, Counter())[result.verdict] += 1
    # The notices' order (rules/reports.yaml), as the quarterly lists use it.
    order = {name: i for i, name in enumerate(load_layout().region_order)}
    table = Table(title="按州、市/部门 by region")
    for col in (
        "州、市/部门",
        "sites",
        "合格 qualified",
        "不合格 unqualified",
        "未检查 not checked",
    ):
        table.add_column(col, justify="right" if col != "州、市/部门" else "left")
    total: Counter[str] = Counter()
    for region in sorted(counts, key=lambda r: (order.get(r, len(order)), r)):
        c = counts[region]
        total.update(c)
        table.add_row(
            region,
            str(c.total()),
            str(c["qualified"]),
            str(c["unqualified"]),
            str(c["not_checked"]),
        )
    table.add_row(
        "合计",
        str(total.total()),
        str(total["qualified"]),
        str(total["unqualified"]),
        str(total["not_checked"]),
        style="bold",
    )
    return table
