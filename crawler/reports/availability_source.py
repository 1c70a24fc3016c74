"""The quarter's outage windows and census availability, from the availability module.

Kept apart so the reports build (and say so in a note) while that data is not there.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from crawler.reports.model import AvailabilityView, OutageView
from crawler.store import Store


async def load(
    store: Store, codes: Sequence[str], start: datetime, until: datetime
) -> tuple[list[OutageView] | None, dict[str, AvailabilityView] | None, str]:
    """(outages overlapping [start, until), availability at `until`, a note when missing)."""
    try:
        from crawler import availability  # noqa: F401
    except ImportError:
        return None, None, "可用性模块未安装：本报告未含故障时段与一周可用性"
    return None, None, "可用性数据接口尚未接入报告"
