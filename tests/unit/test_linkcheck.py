"""What counts as a broken link, soft-404 detection and the per-run cache: pure parts."""

from __future__ import annotations

import asyncio

import pytest

from crawler.fetch import FetchResult
from crawler.linkcheck import (
    LinkCache,
    LinkStatus,
    NotFoundPage,
    Soft404,
    classify,
    page_fingerprint,
    soft_404_reason,
)

URL = "http://www.example.gov.cn/a.html"
PHRASES = ("页面不存在", "您访问的页面不存在", "404 Not Found")
HTML = {"content-type": "text/html; charset=utf-8"}


def result(
    status: int | None = 200, kind: str | None = None, text: str = "", url: str = URL, **kw
) -> FetchResult:
    error = f"{kind} happened" if kind else None
    return FetchResult(
        url=url, final_url=kw.pop("final_url", url), status=status, error_kind=kind, error=error,
        text=text, headers=kw.pop("headers", HTML), **kw,
    )  # fmt: skip


def page(title: str, body: str) -> str:
    return f"<html><head><title>{title}</title></head><body>{body}</body></html>"


@pytest.mark.parametrize(
    ("status", "kind", "outcome"),
    [
        (200, None, "ok"),
        (204, None, "ok"),
        (304, None, "ok"),  # a 3xx the fetcher does not follow: the visitor is not stuck
        (404, "http_status", "broken"),
        (410, "http_status", "broken"),
        (400, "http_status", "broken"),
        (405, "http_status", "broken"),
        (500, "http_status", "broken"),
        (503, "http_status", "broken"),
        (401, "http_status", "restricted"),
        (403, "http_status", "restricted"),
        (429, "http_status", "restricted"),
        (None, "dns", "broken"),
        (None, "refused", "broken"),
        (None, "connection", "broken"),
        (None, "timeout", "broken"),
        (None, "tls", "broken"),  # failed even without verification
        (302, "redirect_loop", "broken"),
        (302, "too_many_redirects", "broken"),
        (None, "invalid_url", "broken"),
        (None, "bad_content", "broken"),  # no parseable answer at all
        (None, "blocked_address", "not_checked"),
        (200, "too_large", "ok"),  # opened; only too long to read whole
        (200, "timeout", "ok"),  # headers came, the body is slow: the page opens
        (200, "bad_content", "ok"),
    ],
)
def test_classify_outcomes(status: int | None, kind: str | None, outcome: str) -> None:
    verdict = classify(result(status, kind), soft404=Soft404(PHRASES))
    assert verdict.outcome == outcome
    assert verdict.status == status
    if outcome in ("broken", "restricted") and kind == "http_status":
        assert verdict.error is None  # the status says it all, as BrokenLink expects
    elif outcome == "broken":
        assert verdict.error and verdict.error.startswith(f"{kind}: ")


def test_a_readable_page_behind_a_bad_certificate_is_not_a_broken_link() -> None:
    verdict = classify(result(200, tls_error="certificate verify failed: expired"))
    assert verdict.outcome == "ok"
    assert verdict.tls_error == "certificate verify failed: expired"


@pytest.mark.parametrize(
    "html",
    [
        page("页面不存在", "<p>返回首页</p>"),
        page("某某县人民政府", "<div>对不起，您访问的页面不存在！</div><a href='/'>返回首页</a>"),
        page("404 Not Found", "<center>nginx</center>"),
    ],
)
def test_soft_404_by_phrase(html: str) -> None:
    verdict = classify(result(200, text=html), soft404=Soft404(PHRASES))
    assert verdict.outcome == "broken"
    assert verdict.status == 200
    assert verdict.error_kind == "soft_404"
    assert verdict.error is not None and verdict.error.startswith("soft_404: ")


def test_a_long_page_quoting_the_phrase_is_not_a_soft_404() -> None:
    article = (
        "为方便群众办事，网站对栏目进行了调整。" * 200 + "旧链接显示页面不存在的，请从首页进入。"
    )
    verdict = classify(
        result(200, text=page("关于网站改版的说明", article)), soft404=Soft404(PHRASES)
    )
    assert verdict.outcome == "ok"


def test_without_a_soft_404_test_a_200_is_ok() -> None:
    assert classify(result(200, text=page("页面不存在", ""))).outcome == "ok"


def test_soft_404_identical_to_the_sites_not_found_page() -> None:
    template = page("某县人民政府", "<div class='nav'>首页 新闻</div><p>抱歉，找不到 {path}</p>")
    probe = "/govcrawl-1/nf.html"
    learned = NotFoundPage(None, page_fingerprint(f"首页 新闻\n抱歉，找不到 {probe}", drop=probe))
    test = Soft404((), learned)
    dead = "http://h.cn/old/2016/1.html"
    gone = classify(
        result(200, text=template.format(path="/old/2016/1.html"), url=dead), soft404=test
    )
    assert gone.error_kind == "soft_404"
    alive = classify(result(200, text=page("某县人民政府", "<p>新闻正文</p>")), soft404=test)
    assert alive.outcome == "ok"


def test_soft_404_by_redirect_to_the_sites_not_found_page() -> None:
    test = Soft404((), NotFoundPage(final_url="http://h.cn/", fingerprint="x"))

    def reason(url: str, final_url: str) -> str | None:
        return soft_404_reason("首页", "首页内容", url=url, final_url=final_url, soft404=test)

    found = reason("http://h.cn/gone.html", "http://h.cn/")
    assert found is not None and "redirected" in found
    # The page it lands on (the homepage) is no soft 404 itself, by address or by text.
    assert reason("http://h.cn/", "http://h.cn/") is None
    assert reason("http://h.cn/index.html", "http://h.cn/index.html") is None
    # A homepage alias redirected to the homepage is that page, not a dead link.
    assert reason("http://h.cn/index.html", "http://h.cn/") is None
    assert reason("http://h.cn/Default.aspx", "http://h.cn/") is None


def test_fingerprint_ignores_spacing_numbers_and_the_echoed_path() -> None:
    a = page_fingerprint("您访问的 /a/1.html 不存在\n2026-03-16 08:00", drop="/a/1.html")
    b = page_fingerprint("您访问的  /b/22.html 不存在 2026-03-17 09:30", drop="/b/22.html")
    assert a == b
    assert a != page_fingerprint("通知公告 第1页")


# ---- the cache -----------------------------------------------------------------------------


def status(url: str) -> LinkStatus:
    return LinkStatus(url=url, outcome="ok", status=200)


async def test_concurrent_checks_of_one_url_run_once() -> None:
    cache = LinkCache()
    release = asyncio.Event()
    runs = 0

    async def check() -> LinkStatus:
        nonlocal runs
        runs += 1
        await release.wait()
        return status(URL)

    waiters = [asyncio.ensure_future(cache.get_or_check(URL, check)) for _ in range(20)]
    await asyncio.sleep(0)  # let every waiter reach the cache
    release.set()
    assert {s.url for s in await asyncio.gather(*waiters)} == {URL}
    assert runs == 1
    assert await cache.get_or_check(URL, check) == status(URL)
    assert runs == 1
    assert (cache.stats.checks, cache.stats.joined, cache.stats.hits) == (1, 19, 1)


async def test_a_waiter_giving_up_does_not_cancel_the_check_for_others() -> None:
    cache = LinkCache()
    release = asyncio.Event()

    async def check() -> LinkStatus:
        await release.wait()
        return status(URL)

    first = asyncio.ensure_future(cache.get_or_check(URL, check))
    second = asyncio.ensure_future(cache.get_or_check(URL, check))
    await asyncio.sleep(0)
    first.cancel()
    release.set()
    assert (await second).outcome == "ok"
    assert cache.peek(URL) == status(URL)


async def test_a_failed_check_is_not_cached() -> None:
    cache = LinkCache()

    async def broken_check() -> LinkStatus:
        raise RuntimeError("bug")

    with pytest.raises(RuntimeError):
        await cache.get_or_check(URL, broken_check)
    assert URL not in cache

    async def check() -> LinkStatus:
        return status(URL)

    assert (await cache.get_or_check(URL, check)).outcome == "ok"


async def test_finished_entries_are_bounded_oldest_first() -> None:
    cache = LinkCache(max_entries=3)
    for n in range(5):
        url = f"http://h.cn/{n}"

        async def check(url: str = url) -> LinkStatus:
            return status(url)

        await cache.get_or_check(url, check)
    assert len(cache) == 3
    assert "http://h.cn/0" not in cache and "http://h.cn/4" in cache


async def test_a_long_lived_cache_forgets_after_its_ttl() -> None:
    now = [1000.0]
    cache = LinkCache(ttl=3600, clock=lambda: now[0])
    runs = 0

    async def check() -> LinkStatus:
        nonlocal runs
        runs += 1
        return status(URL)

    await cache.get_or_check(URL, check)
    now[0] += 3599
    await cache.get_or_check(URL, check)
    assert runs == 1 and cache.peek(URL) is not None
    now[0] += 2
    assert cache.peek(URL) is None
    await cache.get_or_check(URL, check)
    assert runs == 2 and len(cache) == 1


async def test_put_records_a_status_found_by_a_crawl() -> None:
    cache = LinkCache()
    cache.put(status(URL))

    async def never() -> LinkStatus:
        raise AssertionError("the crawl's answer is reused")

    assert (await cache.get_or_check(URL, never)).status == 200


def test_head_distrust_is_per_host() -> None:
    cache = LinkCache()
    cache.distrust_head("a.gov.cn")
    assert not cache.head_honest("a.gov.cn")
    assert cache.head_honest("b.gov.cn")
