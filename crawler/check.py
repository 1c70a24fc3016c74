"""`govcrawl check`: a one-shot inspection of many sites, recorded like the service's own."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from crawler.config import Settings
from crawler.fetch import Fetcher
from crawler.inspect import Inspection, InspectOptions, inspect_site
from crawler.linkcheck import LinkCache
from crawler.recorder import Recorded, record
from crawler.result import SiteResult
from crawler.rules import Rules
from crawler.site import Site
from crawler.store import Store
from crawler.uplink import uplink_up

FLUSH_EVERY = 200  # results per store transaction: few commits, little held in memory


@dataclass(slots=True)
class CheckTotals:
    sites: int = 0
    pages: int = 0
    problems: int = 0
    recorded: int = 0
    uplink: bool = True  # False: this server could not reach the reference sites
    results: list[SiteResult] = field(default_factory=list)


def options_from(settings: Settings) -> InspectOptions:
    return InspectOptions(
        attempts=settings.inspect.attempts,
        retry_delay=settings.inspect.retry_delay,
        max_columns=settings.inspect.max_columns,
        check_links=settings.inspect.check_links,
        max_depth=settings.inspect.max_depth,
        max_pages=settings.inspect.max_pages,
        max_links=settings.inspect.max_links,
        count_restricted_links=settings.inspect.count_restricted_links,
    )


async def check_sites(
    sites: Sequence[Site],
    settings: Settings,
    rules: Rules,
    *,
    store: Store | None,
    on_result: Callable[[Inspection], None] = lambda _: None,
    now: datetime | None = None,
) -> CheckTotals:
    """Inspect every site with bounded concurrency; record results in batches as they come."""
    run_id = uuid.uuid4().hex[:12]
    now = now or datetime.now(settings.tz)
    today = now.astimezone(settings.tz).date()
    options = options_from(settings)
    totals = CheckTotals()
    pending: list[Recorded] = []
    gate = asyncio.Semaphore(settings.inspect.concurrent_sites)

    async def flush() -> None:
        if store is not None and pending:
            batch = pending.copy()
            pending.clear()
            totals.recorded += await record(store, batch)

    async def one(site: Site, fetcher: Fetcher) -> None:
        async with gate:
            inspection = await inspect_site(
                site,
                fetcher,
                rules,
                now=datetime.now(settings.tz),
                today=today,
                options=options,
                link_cache=links,
            )
        totals.sites += 1
        totals.pages += inspection.result.pages_fetched
        totals.problems += len(inspection.result.problems)
        totals.results.append(inspection.result)
        pending.append(
            Recorded(
                f"check:{run_id}:{site.code}", "inspection", inspection.result, inspection.evidence
            )
        )
        on_result(inspection)
        if len(pending) >= FLUSH_EVERY:
            await flush()

    async with Fetcher(settings.fetch) as fetcher:
        up = not options.check_links or await uplink_up(fetcher, settings.probe.reference_urls)
        totals.uplink = up
        links = LinkCache(uplink=up)  # one per run: a link shared by many sites is checked once
        await asyncio.gather(*(one(site, fetcher) for site in sites))
    await flush()
    return totals
