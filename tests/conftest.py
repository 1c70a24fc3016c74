"""Fixtures shared by unit and integration tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date

import pytest

# --- site farm ---
from crawler.farm import SiteFarm

FARM_SITES = 40  # the catalog's first 40 sites cover every condition
FARM_TODAY = date(2026, 3, 16)  # pages and truth are dated for this day


@pytest.fixture
async def farm() -> AsyncIterator[SiteFarm]:
    """The site farm in-process: 40 sites on a free port, a control endpoint on another.

    Yields the SiteFarm: .sites (catalog), .truth[code], .url_of(code), .control_url,
    .today, await .set_mode(code, mode).
    """
    async with SiteFarm(
        FARM_SITES,
        port=0,
        today=FARM_TODAY,
        control=("127.0.0.1", 0),
        slow_drip_seconds=10.0,
    ) as site_farm:
        yield site_farm


# --- end site farm ---


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked slow run first: a parallel run then finishes the rest beside them."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)
