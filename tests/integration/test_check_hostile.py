"""Hostile homepages inside a `govcrawl check` run: each ends bounded and named, and the
run goes on with the well-behaved sites beside them."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from pathlib import Path

from hostile_server import MB, running_server
from test_fetch import peak_rss_bytes, peak_rss_reset

from crawler.check import check_sites
from crawler.config import Settings
from crawler.farm import SiteFarm
from crawler.result import SiteResult
from crawler.rules import load_rules
from crawler.site import Site

HOSTILE = {
    "/big": "50 MB body",
    "/bomb": "gzip bomb",
    "/redirect/20": "20-hop redirect chain",
    "/loop/a": "redirect loop",
    "/drip": "one byte a second",
    "/gbk-invalid": "invalid bytes in a GBK page",
    "/nested": "10,000-deep nesting",
    "/calendar": "calendar link trap",
}


def settings_for(tmp_path: Path) -> Settings:
    s = Settings()
    return s.model_copy(
        update={
            "store": s.store.model_copy(update={"url": f"sqlite:///{tmp_path / 'g.db'}"}),
            "fetch": s.fetch.model_copy(
                update={
                    # Room for the 5 MB read on a busy machine; the drip still runs out of it.
                    "timeout": timedelta(seconds=6),
                    "host_delay": timedelta(0),
                    "allow_private_addresses": True,
                }
            ),
            "inspect": s.inspect.model_copy(
                update={
                    "retry_delay": timedelta(0),
                    "attempts": 1,
                    "max_pages": 60,
                    "max_depth": 10,  # deep enough that only the trap caps can end it
                }
            ),
            "probe": s.probe.model_copy(update={"reference_urls": []}),
        }
    )


async def test_hostile_homepages_end_bounded_and_the_run_goes_on(
    farm: SiteFarm, tmp_path: Path
) -> None:
    settings = settings_for(tmp_path)
    good = [fs.site for fs in farm.sites[:10]]
    async with running_server() as server:
        hostile = [
            Site(
                code=f"53000099{i:02d}",
                name=what,
                region="昆明市",
                url=server.url(path),
            )
            for i, (path, what) in enumerate(HOSTILE.items())
        ]
        measured = peak_rss_reset()
        before = peak_rss_bytes()
        now = datetime.combine(farm.today, time(12), tzinfo=settings.tz)
        totals = await check_sites(hostile + good, settings, load_rules(), store=None, now=now)
        grown = peak_rss_bytes() - before
    by_url = {r.url: r for r in totals.results}
    assert totals.sites == len(hostile) + len(good)

    def result(path: str) -> SiteResult:
        return by_url[server.url(path)]

    assert result("/big").error.startswith("too_large")
    assert result("/bomb").error.startswith("too_large")
    assert result("/redirect/20").error.startswith("too_many_redirects")
    assert result("/loop/a").error.startswith("redirect_loop")
    assert result("/drip").error.startswith("timeout")
    for path in ("/redirect/20", "/loop/a", "/drip"):
        assert result(path).reachable is False, path
        assert result(path).verdict == "unqualified", path
    # Decoded with replacement characters, read and judged like any page.
    assert result("/gbk-invalid").reachable is True
    assert result("/gbk-invalid").error is None
    assert result("/nested").reachable is True and result("/nested").error is None
    trap = result("/calendar").link_check
    assert trap is not None
    assert trap.pages_crawled <= settings.inspect.max_pages
    assert trap.capped_patterns or trap.truncated_pages
    # The well-behaved sites beside them were inspected as usual.
    for fs in farm.sites[:10]:
        got = by_url[fs.site.url]
        assert got.verdict == farm.truth[fs.code]["expected_verdict"], fs.code
    if measured:
        assert grown < 300 * MB
