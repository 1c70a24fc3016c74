"""An inspection carried across jobs: paused at every step, its state through JSON, resumed
by a new SiteInspection (as another worker would), finds exactly what one run finds."""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
import pytest_asyncio

from crawler.config import FetchConfig
from crawler.farm import SiteFarm
from crawler.farm.catalog import FarmSite
from crawler.fetch import Fetcher, FetchResult
from crawler.inspect import InspectOptions, SiteInspection, inspect_site
from crawler.linkcheck import LinkCache
from crawler.result import SiteResult
from crawler.rules import load_rules

pytestmark = pytest.mark.asyncio(loop_scope="module")

TODAY = date(2026, 3, 16)
NOW = datetime(2026, 3, 16, 12)
RULES = load_rules()
NOT_FOUND_PROBE = "/govcrawl-"  # crawler.linkcheck.learn_not_found's made-up path
OPTIONS = InspectOptions(retry_delay=timedelta(0), max_pages=30, max_links=200)
FETCH = FetchConfig.model_validate(
    {"timeout": "3s", "host_delay": "0s", "per_host": 4, "allow_private_addresses": True}
)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def farm() -> AsyncIterator[SiteFarm]:
    async with SiteFarm(60, port=0, today=TODAY, control=None) as running:
        yield running


def sample(farm: SiteFarm) -> list[FarmSite]:
    """One site of each condition and homepage layout the farm builds (none that only
    wait: a hanging or dripping server adds time, not steps)."""
    picked: dict[str, FarmSite] = {}
    for fs in farm.sites:
        for key in (*fs.conditions, fs.layout):
            if key not in ("slow_drip", "huge_page", "unreachable_hang"):
                picked.setdefault(key, fs)
    return list({fs.code: fs for fs in picked.values()}.values())


def comparable(result: SiteResult) -> dict:
    data = result.model_dump(mode="json")
    data.pop("elapsed_ms")  # the homepage's response time differs between fetches
    for link in data.get("broken_links") or []:
        if not _farm_host(link["url"]):
            # A real domain: whether its lookup fails at once or times out is this
            # machine's network, not where the pauses fell.
            link.pop("error"), link.pop("error_kind"), link.pop("status")
    return data


def _farm_host(url: str) -> bool:
    return (urlsplit(url).hostname or "").replace(".", "").isdigit()


class Counting:
    """The real fetcher, with every request asked of it counted by method and URL."""

    def __init__(self, fetcher: Fetcher) -> None:
        self.fetcher = fetcher
        self.config = fetcher.config
        self.asked: Counter[tuple[str, str]] = Counter()

    async def get(self, url: str, **kw: Any) -> FetchResult:
        self.asked["GET", url] += 1
        return await self.fetcher.get(url, **kw)

    async def head(self, url: str, **kw: Any) -> FetchResult:
        self.asked["HEAD", url] += 1
        return await self.fetcher.head(url, **kw)

    def site_pages(self, fs: FarmSite) -> Counter[tuple[str, str]]:
        """Requests for the site's own pages, without the made-up not-found probe (a new
        random path on every inspection)."""
        host = urlsplit(fs.site.url).netloc
        return Counter(
            {
                (method, url): n
                for (method, url), n in self.asked.items()
                if urlsplit(url).netloc == host and NOT_FOUND_PROBE not in url
            }
        )


async def stepped(fs: FarmSite, fetcher: Fetcher) -> tuple[SiteResult, int]:
    # One process's link cache (names that do not resolve here are looked up once); the
    # crawl's own state carries every answer it needs from part to part.
    links = LinkCache()
    inspection = SiteInspection.begin(
        fs.site, fetcher, RULES, now=NOW, today=TODAY, options=OPTIONS, link_cache=links
    )
    parts = 1
    while (done := await inspection.advance(deadline=time.monotonic())) is None:
        carried = json.loads(json.dumps(inspection.state_data()))
        inspection = SiteInspection.resume(
            fs.site, carried, fetcher, RULES, options=OPTIONS, link_cache=links
        )
        parts += 1
    return done.result, parts


async def test_an_inspection_paused_at_every_step_finds_what_one_run_finds(
    farm: SiteFarm,
) -> None:
    sites = sample(farm)
    assert len(sites) >= 10
    async with Fetcher(FETCH) as fetcher:

        async def both(fs: FarmSite) -> None:
            once, apart = Counting(fetcher), Counting(fetcher)
            whole = await inspect_site(
                fs.site,
                once,  # type: ignore[arg-type]
                RULES,
                now=NOW,
                today=TODAY,
                options=OPTIONS,
                link_cache=LinkCache(),
            )
            resumed, parts = await stepped(fs, apart)  # type: ignore[arg-type]
            assert comparable(resumed) == comparable(whole.result), fs.code
            # The pages a job read and did not use yet go on to the next one with the
            # state: no page of the site is asked for more often than in one run.
            assert apart.site_pages(fs) == once.site_pages(fs), fs.code
            if whole.result.reachable:
                assert parts >= 4, fs.code  # the homepage, columns, pages, checks: apart
            assert resumed.evidence == whole.result.evidence

        # At once: where the pauses fall must not matter.
        await asyncio.gather(*(both(fs) for fs in sites))


async def test_an_inspection_out_of_time_keeps_its_census_facts(farm: SiteFarm) -> None:
    fs = next(fs for fs in farm.sites if "broken_links" in fs.conditions)
    async with Fetcher(FETCH) as fetcher:
        inspection = SiteInspection.begin(
            fs.site, fetcher, RULES, now=NOW, today=TODAY, options=OPTIONS, link_cache=LinkCache()
        )
        while inspection.state.stage != "links":
            assert await inspection.advance(deadline=time.monotonic()) is None
        assert await inspection.advance(deadline=time.monotonic()) is None  # crawl started
        result = inspection.stop().result
        unbounded = await inspect_site(
            fs.site, fetcher, RULES, now=NOW, today=TODAY, options=OPTIONS, link_cache=LinkCache()
        )
    assert result.link_check is not None and result.link_check.truncated_time
    assert result.columns == unbounded.result.columns
    assert result.homepage == unbounded.result.homepage
    assert result.links_checked < unbounded.result.links_checked


async def test_an_inspection_out_of_time_before_its_columns_is_not_checked(
    farm: SiteFarm,
) -> None:
    fs = next(fs for fs in farm.sites if fs.conditions == {"healthy"})
    async with Fetcher(FETCH) as fetcher:
        inspection = SiteInspection.begin(
            fs.site, fetcher, RULES, now=NOW, today=TODAY, options=OPTIONS, link_cache=LinkCache()
        )
        assert await inspection.advance(deadline=time.monotonic()) is None  # the homepage
        result = inspection.stop().result
    assert result.verdict == "not_checked"
    assert result.error and result.error.startswith("timeout:")
