"""The report as JSON (GET /api/reports/{quarter}, `govcrawl report --json`)."""

from __future__ import annotations

from dataclasses import fields, is_dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import Any

from crawler.reports.model import Report
from crawler.reports.tables import figure_lines


def _plain(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def report_json(report: Report) -> dict[str, Any]:
    f = report.figures
    figures = _plain(f)
    figures["zhaocuo_share"] = f.zhaocuo_share
    figures["exposure_share"] = f.exposure_share
    figures["outage_total_s"] = figures.pop("outage_total")
    return {
        "quarter": str(report.quarter),
        "label": report.quarter.label,
        "generated_at": report.generated_at.isoformat(),
        "previous_source": report.previous_source,
        "notes": list(report.notes),
        "unqualified": _plain(report.unqualified),
        "follow_up": _plain(report.follow_up_not_fixed),
        "review": _plain(report.follow_up),
        "figures": figures,
        "figure_lines": [{"name": k, "value": v} for k, v in figure_lines(report)],
        "outages": None if report.outages is None else _plain(report.outages),
    }


__all__ = ["report_json"]
