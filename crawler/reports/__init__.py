"""Quarterly reports: the notices' lists of unqualified sites, the follow-up of last
quarter's, the figures and the outages over 24 h, as xlsx, csv, Markdown and JSON.

    report = await make_report(store, Quarter.parse("2026Q4"), settings)
    write_report(report, Path("out"), ("xlsx", "csv", "md"))
"""

from __future__ import annotations

from datetime import datetime

from crawler.config import Settings
from crawler.reports.build import build_report
from crawler.reports.jsonview import report_json
from crawler.reports.layout import FollowUpStatus, LayoutError, ReportLayout, load_layout
from crawler.reports.model import NamedSite, Report, ReportInputs
from crawler.reports.previous import PreviousListError, read_previous_list, save_named
from crawler.reports.quarter import Quarter, QuarterError
from crawler.reports.source import load_inputs
from crawler.reports.writers import FORMATS, write_report, xlsx_bytes
from crawler.rules import load_rules
from crawler.store import Store


async def make_report(
    store: Store,
    quarter: Quarter,
    settings: Settings,
    *,
    layout: ReportLayout | None = None,
    previous: list[NamedSite] | None = None,
    previous_source: str = "",
    now: datetime | None = None,
    link_base: str = "",
) -> Report:
    """Read the quarter from the store and build its report."""
    layout = layout or load_layout()
    rules = load_rules(settings.rules.profile, settings.rules.file)
    inputs = await load_inputs(
        store,
        quarter,
        settings.tz,
        layout,
        rules,
        settings,
        previous=previous,
        previous_source=previous_source,
        now=now,
        link_base=link_base,
    )
    return build_report(inputs, layout, rules, settings.tz)


__all__ = [
    "FORMATS",
    "FollowUpStatus",
    "LayoutError",
    "NamedSite",
    "PreviousListError",
    "Quarter",
    "QuarterError",
    "Report",
    "ReportInputs",
    "ReportLayout",
    "build_report",
    "load_layout",
    "make_report",
    "read_previous_list",
    "report_json",
    "save_named",
    "write_report",
    "xlsx_bytes",
]
