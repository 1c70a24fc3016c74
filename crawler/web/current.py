"""The sites' current results for the HTTP side: the application's shared LatestResults,
with the week of probes folded in (crawler.availability.current_results)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from aiohttp import web

from crawler.availability import Availability, current_results
from crawler.census_availability import census_rule
from crawler.result import SiteResult
from crawler.web.keys import RESULTS, SETTINGS, STORE


async def site_results(
    app: web.Application, codes: Sequence[str], now: datetime
) -> tuple[dict[str, SiteResult], dict[str, Availability]]:
    """The given sites' newest inspections as every reader shows them, and their
    availability, under the configured census rule."""
    store = app[STORE]
    cached = await app[RESULTS].get(store)
    latest = {code: cached[code] for code in codes if code in cached}
    rule = census_rule(app[SETTINGS])
    return await current_results(store, latest, codes, now, rule=rule)
