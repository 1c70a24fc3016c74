"""Link checking over real loopback HTTP: the site farm's truth, traps, budgets, and the
small sites (linkcheck_sites) for what the farm does not show."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlsplit

import pytest
import pytest_asyncio
from aiohttp import web
from linkcheck_sites import Site, html, many_links_site, serve

from crawler.config import FetchConfig
from crawler.crawl import (
    CRAWL_STATE,
    FoundLink,
    LinkReport,
    SiteCrawl,
    crawl_site,
    default_per_pattern,
)
from crawler.extract.links import canonical_url
from crawler.farm import SiteFarm
from crawler.farm.catalog import FarmSite
from crawler.farm.pages import GOV_CN
from crawler.fetch import Fetcher
from crawler.linkcheck import LinkCache, check_link
from crawler.rules import load_rules
from crawler.site import SiteStatus

pytestmark = pytest.mark.asyncio(loop_scope="module")

TODAY = date(2026, 3, 16)
PHRASES = tuple(load_rules().soft_404_phrases)
# What each kind of planted broken link must be reported as: (status, error kind).
EXPECTED = {
    "http404": (404, "http_status"),
    "http500": (500, "http_status"),
    "soft404": (200, "soft_404"),
    "dead_host": (None, "refused"),
    "refused_port": (None, "refused"),
    "redirect_loop": (302, "redirect_loop"),
}


def config(**changes: object) -> FetchConfig:
    values: dict[str, object] = {
        "timeout": "3s",
        "host_delay": "0s",
        "per_host": 4,
        "allow_private_addresses": True,  # the farm lives on loopback
    }
    values.update(changes)
    return FetchConfig.model_validate(values)


@dataclass
class Run:
    farm: SiteFarm
    sites: list[FarmSite]
    reports: dict[str, LinkReport]
    cache: LinkCache


def serving(farm: SiteFarm) -> list[FarmSite]:
    return [
        fs
        for fs in farm.sites
        if farm.truth[fs.code]["reachable"] and fs.status is not SiteStatus.TEMPORARILY_CLOSED
    ]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def farm() -> AsyncIterator[SiteFarm]:
    async with SiteFarm(40, port=0, today=TODAY, control=None, slow_drip_seconds=1.0) as running:
        yield running


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def run(farm: SiteFarm) -> Run:
    """Every serving farm site checked in one run with one shared cache, the way
    `govcrawl check` does; a JS-redirect homepage is seeded with the page it leads to,
    as the inspection passes it."""
    cache = LinkCache()
    sites = serving(farm)
    async with Fetcher(config()) as fetcher:

        async def one(fs: FarmSite) -> LinkReport:
            seeds = None
            if fs.layout == "js_redirect":
                portal = fs.origin + fs.home_path
                seeds = {portal: await fetcher.get(portal, site_host=fs.address)}
            return await crawl_site(
                fs.url, fetcher, seed_pages=seeds, cache=cache, soft404_phrases=PHRASES
            )

        reports = await asyncio.gather(*(one(fs) for fs in sites))
    return Run(farm, sites, {fs.code: r for fs, r in zip(sites, reports, strict=True)}, cache)


def named_host(url: str) -> bool:
    """A link to a real domain name rather than a farm (loopback) address."""
    host = urlsplit(url).hostname or ""
    return not host.replace(".", "").isdigit()


def environmental(link: FoundLink) -> bool:
    """Real domains (www.gov.cn, the hacked-in .invalid ones) do not resolve here: the
    lookup fails at once or, when this machine's resolver gets no answer, runs out of time
    (which one is the network's doing, not the crawl's)."""
    return named_host(link.url) and link.error_kind in ("dns", "timeout")


def truth_broken(run: Run, fs: FarmSite) -> dict[str, dict]:
    return {canonical_url(b["url"]): b for b in run.farm.truth[fs.code]["broken_links"]}


async def test_broken_links_match_the_farm_truth(run: Run) -> None:
    assert any(truth_broken(run, fs) for fs in run.sites)
    true_pos = false_pos = false_neg = 0
    for fs in run.sites:
        expected = truth_broken(run, fs)
        reported = {b.url for b in run.reports[fs.code].broken if not environmental(b)}
        true_pos += len(reported & expected.keys())
        false_pos += len(reported - expected.keys())
        false_neg += len(expected.keys() - reported)
    precision = true_pos / (true_pos + false_pos)
    recall = true_pos / (true_pos + false_neg)
    assert precision >= 0.98 and recall >= 0.98, (precision, recall, false_pos, false_neg)


async def test_every_broken_link_names_every_page_it_is_on(run: Run) -> None:
    for fs in run.sites:
        reported = {b.url: b for b in run.reports[fs.code].broken}
        for url, truth in truth_broken(run, fs).items():
            assert set(reported[url].found_on) == {canonical_url(p) for p in truth["found_on"]}
            assert reported[url].text == truth["text"]


async def test_each_kind_of_breakage_is_reported_with_its_reason(run: Run) -> None:
    seen = set()
    for fs in run.sites:
        reported = {b.url: b for b in run.reports[fs.code].broken}
        for url, truth in truth_broken(run, fs).items():
            link = reported[url]
            assert (link.status, link.error_kind) == EXPECTED[truth["kind"]], (url, link)
            seen.add(truth["kind"])
    assert seen == set(EXPECTED)


async def test_unreachable_external_links_are_dns_failures_checked_once_per_run(run: Run) -> None:
    external = set()
    for fs in run.sites:
        for link in run.reports[fs.code].broken:
            if urlsplit(link.url).hostname != fs.address:
                external.add(link.url)
                assert not named_host(link.url) or environmental(link)
    # Every site links www.gov.cn; the shared cache checked each such URL once.
    assert canonical_url(GOV_CN) in external
    assert run.cache.stats.checks == len(external)
    assert run.cache.stats.hits + run.cache.stats.joined >= len(run.sites) - 1


async def test_401_and_403_are_recorded_but_not_broken_by_default(run: Run) -> None:
    checked = 0
    for fs in run.sites:
        report = run.reports[fs.code]
        broken = {b.url for b in report.broken}
        restricted = {b.url: b.status for b in report.restricted}
        for truth in run.farm.truth[fs.code]["not_broken_links"]:
            url = canonical_url(truth["url"])
            assert url not in broken
            assert restricted[url] == truth["status"]
            checked += 1
    assert checked


async def test_homepage_and_other_pages_are_counted_apart(run: Run) -> None:
    for fs in run.sites:
        report = run.reports[fs.code]
        home = canonical_url(fs.origin + fs.home_path)
        assert report.homepage_broken + report.other_broken == len(report.broken)
        assert report.homepage_broken == sum(home in b.found_on for b in report.broken)
        planted_elsewhere = [
            b
            for b in truth_broken(run, fs).values()
            if fs.origin + fs.home_path not in b["found_on"]
        ]
        assert report.other_broken == len(planted_elsewhere)


async def test_whole_sites_are_crawled_within_the_default_budgets(run: Run) -> None:
    for fs in run.sites:
        report = run.reports[fs.code]
        assert 1 < report.pages_crawled <= 300
        assert report.links_checked <= 2000
        assert not report.truncated_links
        assert report.not_checked == 0  # private addresses are allowed for the farm


async def test_a_link_trap_cannot_spend_the_page_budget(farm: SiteFarm) -> None:
    fs = next(fs for fs in farm.sites if "link_trap" in fs.conditions)
    before = farm.requests
    async with Fetcher(config()) as fetcher:
        report = await crawl_site(
            fs.url,
            fetcher,
            cache=LinkCache(),
            soft404_phrases=PHRASES,
            max_depth=50,  # only the caps stop the calendar
            max_pages=150,
            per_pattern=10,
        )
    assert f"http://{fs.address}:{fs.port}/calendar/index.html?date" in report.capped_patterns
    assert report.pages_crawled <= 150
    assert farm.requests - before <= 150 + report.links_checked + 1


async def test_seed_pages_are_not_fetched_again(farm: SiteFarm) -> None:
    fs = next(fs for fs in farm.sites if fs.conditions == {"healthy"})
    columns = [fs.origin + c.path for c in fs.columns]
    async with Fetcher(config()) as fetcher:
        seeds = {fs.url: await fetcher.get(fs.url, site_host=fs.address)}
        for url in columns:
            seeds[url] = await fetcher.get(url, site_host=fs.address)
        before = farm.requests
        seeded = await crawl_site(
            fs.url, fetcher, seed_pages=seeds, cache=LinkCache(), soft404_phrases=PHRASES
        )
        with_seeds = farm.requests - before
        before = farm.requests
        alone = await crawl_site(fs.url, fetcher, cache=LinkCache(), soft404_phrases=PHRASES)
        without = farm.requests - before
    assert without - with_seeds == len(seeds)
    assert (seeded.pages_crawled, seeded.links_checked) == (
        alone.pages_crawled,
        alone.links_checked,
    )


async def test_a_site_of_10000_links_stops_at_its_link_budget() -> None:
    async with serve(many_links_site(10_000)) as site:
        async with Fetcher(config(per_host=8)) as fetcher:
            report = await crawl_site(site.url, fetcher, cache=LinkCache(), max_links=2000)
        served = sum(site.requests.values())
    assert report.truncated_links
    assert report.links_checked == 2000
    assert served == 2000 + 2  # the links, the homepage, the not-found probe
    # One URL shape may fill at most half the page budget; the rest is checked only.
    assert report.pages_crawled == 1 + 150
    assert report.capped_patterns == [f"{site.url}p/9.html"]
    assert report.broken == []


async def test_a_homepage_moved_to_another_address_is_crawled_there() -> None:
    async with serve(many_links_site(5)) as moved:

        def routes(site: Site) -> dict:
            async def home(request: web.Request) -> web.Response:
                raise web.HTTPFound(moved.url)

            return {"/": home}

        async with serve(routes) as registered, Fetcher(config()) as fetcher:
            report = await crawl_site(registered.url, fetcher, cache=LinkCache())
    assert (report.pages_crawled, report.links_checked, report.broken) == (6, 5, [])
    assert moved.count("/p/4.html") == 1


# ---- small sites: what the farm does not show ------------------------------------------------


def mixed_routes(site: Site) -> dict:
    async def home(request: web.Request) -> web.Response:
        links = (
            '<a href="/login.html">登录</a><a href="/admin.html">管理</a>'
            '<a href="/files/report.pdf">年报</a><a href="/files/plan.doc">规划</a>'
            '<a href="/old/2016.html">旧栏目</a><a href="/news.html">新闻</a>'
            '<a href="http://127.0.0.2:9/x.html">内网</a>'
        )
        return html("某县人民政府", links)

    async def status(code: int) -> web.Response:
        return html(str(code), "", code)

    async def login(request: web.Request) -> web.Response:
        return await status(401)

    async def admin(request: web.Request) -> web.Response:
        return await status(403)

    async def honest_pdf(request: web.Request) -> web.Response:
        return web.Response(body=b"%PDF-1.4", content_type="application/pdf")

    async def no_head_doc(request: web.Request) -> web.Response:
        if request.method == "HEAD":
            return web.Response(status=405)  # HEAD refused, GET works: not broken
        return web.Response(body=b"\xd0\xcf\x11\xe0", content_type="application/msword")

    async def news(request: web.Request) -> web.Response:
        return html("新闻", "<p>今日要闻</p>")

    return {
        "/": home,
        "/login.html": login,
        "/admin.html": admin,
        "/files/report.pdf": honest_pdf,
        "/files/plan.doc": no_head_doc,
        "/news.html": news,
    }


def template_not_found(site: Site):
    """Unknown paths answer 200 with a page that names no known phrase."""

    async def missing(request: web.Request) -> web.Response:
        return html("某县人民政府", f"<p>抱歉，没有找到 {request.path} 的内容</p>")

    return missing


async def test_small_site_statuses_head_policy_and_not_found_identity() -> None:
    async with (
        serve(mixed_routes, fallback=template_not_found) as site,
        Fetcher(config(allow_private_addresses=False)) as fetcher,
    ):
        report = await crawl_site(site.url, fetcher, cache=LinkCache(), soft404_phrases=PHRASES)
        counted = await crawl_site(
            site.url,
            fetcher,
            cache=LinkCache(),
            soft404_phrases=PHRASES,
            count_4xx_auth=True,
            learn_not_found=False,
        )
    base = site.url.rstrip("/")
    assert [(b.url, b.error_kind) for b in report.broken] == [(f"{base}/old/2016.html", "soft_404")]
    assert {b.url: b.status for b in report.restricted} == {
        f"{base}/login.html": 401,
        f"{base}/admin.html": 403,
    }
    assert report.not_checked == 1  # 127.0.0.2 is another loopback host: not fetched
    assert report.links_checked == 7
    # Without the learned not-found page the template page passes; 401/403 now count.
    assert {b.url for b in counted.broken} == {f"{base}/login.html", f"{base}/admin.html"}
    # HEAD where honest; the .doc's refused HEAD was confirmed by GET in each run.
    assert site.count("/files/report.pdf", "HEAD") == 2
    assert site.count("/files/report.pdf", "GET") == 0
    assert site.count("/files/plan.doc", "GET") == 2


async def test_a_host_that_refuses_head_gets_get_only_afterwards() -> None:
    async with serve(mixed_routes) as site:
        cache = LinkCache()
        async with Fetcher(config()) as fetcher:
            first = await check_link(f"{site.url}files/plan.doc", fetcher, cache, site_host=None)
            then = await check_link(f"{site.url}files/report.pdf", fetcher, cache, site_host=None)
    assert first.outcome == then.outcome == "ok"
    assert site.count("/files/plan.doc", "HEAD") == 1
    assert site.count("/files/report.pdf", "HEAD") == 0
    assert site.count("/files/report.pdf", "GET") == 1


def held_routes(site: Site) -> dict:
    async def flaky(request: web.Request) -> web.Response:
        if site.count("/flaky.html") == 1:
            await site.release.wait()  # the first answer never comes
        return html("通知", "<p>正文</p>")

    async def hang(request: web.Request) -> web.Response:
        await site.release.wait()
        return html("x", "")

    async def shared(request: web.Request) -> web.Response:
        return html("省政府", "<p>门户</p>")

    return {"/flaky.html": flaky, "/hang.html": hang, "/shared.html": shared}


async def test_one_retry_after_a_timeout_and_coalesced_checks() -> None:
    async with serve(held_routes) as site:
        cache = LinkCache()
        async with Fetcher(config(timeout="0.5s", per_host=16)) as fetcher:

            def check(path: str):
                return check_link(f"{site.url}{path}", fetcher, cache, site_host=None)

            flaky, hang, *shared = await asyncio.gather(
                check("flaky.html"), check("hang.html"), *(check("shared.html") for _ in range(20))
            )
    assert (flaky.outcome, flaky.attempts) == ("ok", 2)
    assert (hang.outcome, hang.error_kind, hang.attempts) == ("broken", "timeout", 2)
    assert site.count("/hang.html") == 2
    assert {s.outcome for s in shared} == {"ok"}
    assert site.count("/shared.html") == 1  # twenty sites asking at once: one request


def _same_report(report: LinkReport) -> dict:
    data = report.to_dict()
    data.pop("elapsed_ms")
    return data


async def test_a_crawl_paused_at_every_step_and_resumed_from_json_reports_the_same(
    farm: SiteFarm,
) -> None:
    """A crawl carried across jobs: paused after each page read or check finished (a
    deadline already past, nothing drained), its state through JSON, resumed by a new
    SiteCrawl."""
    fs = next(fs for fs in farm.sites if "broken_links" in fs.conditions)
    bounds = {"max_depth": 2, "max_pages": 25, "max_links": 150}
    async with Fetcher(config()) as fetcher:
        whole = await crawl_site(
            fs.url, fetcher, cache=LinkCache(), soft404_phrases=PHRASES, **bounds
        )
        cache = LinkCache()  # one per process; each part here is a new "process"
        crawl = SiteCrawl(
            fs.url, fetcher, cache, per_pattern=default_per_pattern(25), phrases=PHRASES, **bounds
        )
        await crawl.start([], learn=True)
        parts = 1
        while not await crawl.advance(deadline=time.monotonic(), drain_s=0):
            carried = json.loads(json.dumps(CRAWL_STATE.dump_python(crawl.state(), mode="json")))
            crawl = SiteCrawl.restore(
                CRAWL_STATE.validate_python(carried), fetcher, LinkCache(), PHRASES
            )
            parts += 1
        resumed = crawl.report(count_4xx_auth=False)
    # Each part reads one page or finishes one check, plus whatever has already arrived
    # (how much depends on the machine); a page's links are fetched only after it is read,
    # so the homepage, the pages it links to and theirs are at least three parts.
    assert whole.broken and parts >= 3
    assert _same_report(resumed) == _same_report(whole)
    assert not resumed.truncated_time


async def test_a_crawl_stopped_at_its_time_bound_reports_what_it_read() -> None:
    async with serve(many_links_site(300)) as site, Fetcher(config()) as fetcher:
        crawl = SiteCrawl(
            site.url,
            fetcher,
            LinkCache(),
            max_depth=0,  # the homepage only: its 300 links are checked, not crawled
            max_pages=300,
            max_links=2000,
            per_pattern=50,
            phrases=PHRASES,
        )
        await crawl.start([], learn=False)
        assert not await crawl.advance(deadline=time.monotonic())  # the homepage read
        assert not await crawl.advance(deadline=time.monotonic())  # a first check done
        crawl.stop()
        report = crawl.report(count_4xx_auth=False)
    assert report.truncated_time
    assert report.pages_crawled == 1
    assert 0 < report.links_checked < 300


async def test_pausing_costs_no_request_when_answers_come_within_the_drain(
    farm: SiteFarm,
) -> None:
    """Paused at every chance, with the default drain: what was asked for is read before
    the pause, so the site sees the same requests as one uninterrupted crawl."""
    fs = next(fs for fs in farm.sites if "broken_links" in fs.conditions)
    bounds = {"max_depth": 2, "max_pages": 60, "max_links": 400}
    async with Fetcher(config()) as fetcher:
        before = farm.requests
        whole = await crawl_site(
            fs.url, fetcher, cache=LinkCache(), soft404_phrases=PHRASES, **bounds
        )
        asked_whole = farm.requests - before
        before = farm.requests
        crawl = SiteCrawl(
            fs.url,
            fetcher,
            LinkCache(),
            per_pattern=default_per_pattern(60),
            phrases=PHRASES,
            **bounds,
        )
        await crawl.start([], learn=True)
        parts = 1
        while not await crawl.advance(deadline=time.monotonic()):
            state = CRAWL_STATE.validate_python(CRAWL_STATE.dump_python(crawl.state()))
            crawl = SiteCrawl.restore(state, fetcher, LinkCache(), PHRASES)
            parts += 1
        asked_paused = farm.requests - before
        resumed = crawl.report(count_4xx_auth=False)
    assert parts > 1
    assert _same_report(resumed) == _same_report(whole)
    assert asked_paused == asked_whole
