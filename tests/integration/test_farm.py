"""The site farm over real loopback HTTP: its pages agree with its ground truth."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import aiohttp
import pytest
from click.testing import CliRunner
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from crawler.farm import SiteFarm
from crawler.farm.catalog import FarmSite, build_catalog
from crawler.farm.cli import farm as farm_cli
from crawler.site import SiteStatus

SHORT = aiohttp.ClientTimeout(total=3)
GBK_ONLY = "昇"  # in every footer; GBK has it, GB2312 does not

_TEXT_DATES = (
    (re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})"), "ymd"),
    (re.compile(r"(\d{4})/(\d{1,2})/(\d{1,2})"), "ymd"),
    (re.compile(r"(\d{4})\.(\d{1,2})\.(\d{1,2})"), "ymd"),
    (re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日"), "ymd"),
    (re.compile(r"\[(\d{2})-(\d{2})\]"), "md"),
)
_URL_DATES = (
    re.compile(r"/t(\d{4})(\d{2})(\d{2})_\d+\.html$"),
    re.compile(r"/art/(\d{4})/(\d{1,2})/(\d{1,2})/art_\d+_\d+\.html$"),
)


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=SHORT) as session:
        yield session


async def get(http: aiohttp.ClientSession, url: str, **kw: object) -> tuple[int, dict, bytes]:
    async with http.get(url, **kw) as response:  # type: ignore[arg-type]
        return response.status, dict(response.headers), await response.read()


def text_of(fs: FarmSite, body: bytes) -> str:
    return body.decode("gb18030" if fs.encoding == "gbk" else "utf-8")


def item_date(href: str, shown: str, today: date) -> date | None:
    """The date of a list item as a reader sees it: its text first, else its URL."""
    for pattern, shape in _TEXT_DATES:
        if match := pattern.search(shown):
            if shape == "md":
                return date(today.year, int(match[1]), int(match[2]))
            return date(int(match[1]), int(match[2]), int(match[3]))
    for pattern in _URL_DATES:
        if match := pattern.search(href):
            return date(int(match[1]), int(match[2]), int(match[3]))
    return None


def list_items(html: str, today: date) -> list[date | None]:
    items = []
    for li in HTMLParser(html).css("ul.list li"):
        link, span = li.css_first("a"), li.css_first("span.date")
        items.append(
            item_date(link.attributes.get("href") or "", span.text() if span else "", today)
        )
    return items


def serving(farm: SiteFarm) -> list[FarmSite]:
    """Sites that answer with content in their initial mode."""
    return [
        fs
        for fs in farm.sites
        if farm.truth[fs.code]["reachable"] and fs.status is not SiteStatus.TEMPORARILY_CLOSED
    ]


def uncommented(html: str) -> str:
    return re.sub(r"<!--.*?-->", "", html, flags=re.S)


async def test_homepages_show_their_latest_date(
    farm: SiteFarm, http: aiohttp.ClientSession
) -> None:
    checked = 0
    for fs in serving(farm):
        truth = farm.truth[fs.code]
        status, _, body = await get(http, truth["homepage_final_url"])
        assert status == 200
        html = text_of(fs, body)
        assert f'name="SiteIDCode" content="{truth["site_id_code_on_page"] or ""}"' in html
        if truth["navigation_only"]:
            assert list_items(html, farm.today) == []
            continue
        dates = [d for d in list_items(html, farm.today) if d]
        assert len(dates) == truth["homepage_dated_items"], fs.code
        assert max(dates).isoformat() == truth["homepage_latest_update"], fs.code
        checked += 1
    assert checked >= 20


async def test_columns_agree_with_truth(farm: SiteFarm, http: aiohttp.ClientSession) -> None:
    blank_seen = 0
    for fs in serving(farm):
        for column in farm.truth[fs.code]["columns"]:
            status, _, body = await get(http, column["url"])
            assert status == 200
            html = text_of(fs, body)
            items = list_items(html, farm.today)
            if column["blank"]:
                blank_seen += 1
                phrase = column["blank_phrase"]
                assert items == [] and (not phrase or phrase in html)
                continue
            assert len(items) == column["items"], (fs.code, column["name"])
            dated = [d for d in items if d]
            latest = max(dated).isoformat() if dated else None
            assert latest == column["latest_update"], (fs.code, column["name"])
    assert blank_seen >= 10


async def test_articles_pagination_and_unknown_paths(
    farm: SiteFarm, http: aiohttp.ClientSession
) -> None:
    fs = farm.sites[0]
    column = next(c for c in farm.truth[fs.code]["columns"] if c["pages"] > 1)
    status, _, body = await get(http, column["url"])
    first = HTMLParser(text_of(fs, body)).css_first("ul.list li a").attributes["href"]
    status, _, body = await get(http, fs.origin + first)
    html = text_of(fs, body)
    pub = re.search(r'name="PubDate" content="(\d{4}-\d{2}-\d{2}) \d{2}:\d{2}"', html)
    assert status == 200 and pub and f"发布时间：{pub[1]}" in html
    base = column["url"].removesuffix("index.html")
    assert (await get(http, f"{base}index_{column['pages'] - 1}.html"))[0] == 200
    assert (await get(http, f"{base}index_{column['pages']}.html"))[0] == 404
    assert (await get(http, fs.origin + "/no/such/page.html"))[0] == 404
    status, _, body = await get(http, fs.origin + "/robots.txt")
    assert status == 200 and b"Allow: /" in body
    async with http.head(fs.url) as response:
        assert response.status == 200 and int(response.headers["Content-Length"]) > 1000


async def test_broken_links_are_broken_and_401_403_answer_so(
    farm: SiteFarm, http: aiohttp.ClientSession
) -> None:
    kinds = set()
    for fs in serving(farm):
        truth = farm.truth[fs.code]
        for link in truth["broken_links"]:
            kinds.add(link["kind"])
            try:
                status, _, body = await get(http, link["url"])
            except aiohttp.ClientConnectorError:
                assert link["error"] == "connection_refused"
                continue
            except aiohttp.TooManyRedirects:
                assert link["error"] == "redirect_loop"
                continue
            assert status == link["status"]
            if link["error"] == "soft_404":
                assert "您访问的页面不存在" in text_of(fs, body)
        for link in truth["not_broken_links"]:
            assert (await get(http, link["url"]))[0] == link["status"]
        for page in {p for link in truth["broken_links"] for p in link["found_on"]}:
            html = text_of(fs, (await get(http, page))[2])
            hrefs = {a.attributes.get("href") for a in HTMLParser(html).css("a")}
            on_page = [b for b in truth["broken_links"] if page in b["found_on"]]
            assert all(any(link["url"].endswith(h or "#") for h in hrefs) for link in on_page)
    assert kinds >= {"http404", "http500", "soft404", "dead_host", "refused_port", "redirect_loop"}


async def test_unreachable_sites(farm: SiteFarm, http: aiohttp.ClientSession) -> None:
    by_condition = {c: fs for fs in reversed(farm.sites) for c in fs.conditions}
    with pytest.raises(aiohttp.ClientConnectorError):
        await get(http, by_condition["unreachable_refuse"].url)
    with pytest.raises(aiohttp.ClientConnectorError):
        await get(http, by_condition["closed_site_offline"].url)
    with pytest.raises(asyncio.TimeoutError):
        await get(
            http, by_condition["unreachable_hang"].url, timeout=aiohttp.ClientTimeout(total=0.5)
        )
    assert (await get(http, by_condition["unreachable_500"].url))[0] == 500
    status, _, body = await get(http, by_condition["temporarily_closed"].url)
    assert status == 200 and "网站维护中" in text_of(by_condition["temporarily_closed"], body)
    closed = by_condition["closed_site_online"]
    status, _, body = await get(http, closed.url)
    assert status == 200 and closed.site.name in text_of(closed, body)


async def test_gbk_sites_decode_as_gb18030(farm: SiteFarm, http: aiohttp.ClientSession) -> None:
    gbk = [fs for fs in serving(farm) if fs.encoding == "gbk"]
    assert {fs.charset_header for fs in gbk} >= {None, "gb2312"}
    for fs in gbk:
        status, headers, body = await get(http, fs.origin + fs.home_path)
        assert status == 200
        html = body.decode("gb18030")  # strict: the bytes are valid GBK
        assert fs.site.name in html and GBK_ONLY in html
        with pytest.raises(UnicodeDecodeError):
            body.decode("utf-8")
        declared = headers["Content-Type"].partition("charset=")[2]
        assert declared == (fs.charset_header or "")


async def test_entries_spam_and_client_redirects(
    farm: SiteFarm, http: aiohttp.ClientSession
) -> None:
    for fs in serving(farm):
        truth = farm.truth[fs.code]
        html = text_of(fs, (await get(http, truth["homepage_final_url"]))[2])
        visible = uncommented(html)
        has_zhaocuo = "jiucuo" in visible or "我为政府网站找错" in visible
        assert has_zhaocuo is truth["entries"]["zhaocuo"], fs.code
        assert ("曝光台" in visible) is truth["entries"]["exposure"], fs.code
        if truth["zhaocuo_sitecode"]:
            assert truth["zhaocuo_sitecode"] in visible
        if truth["site_id_code_on_page"]:
            assert f"网站标识码：{fs.code}" in html
        else:
            assert "网站标识码" not in html
        hidden = re.search(r'<div style="display:\s*none;?"[^>]*>(.*?)</div>', html, re.I | re.S)
        assert bool(hidden) is bool(truth["spam_links"])
        if fs.layout in ("meta_refresh", "js_redirect"):
            stub = text_of(fs, (await get(http, fs.url))[2])
            assert "/portal/index.html" in stub and "SiteIDCode" not in stub


async def test_traps_huge_and_slow_pages(farm: SiteFarm, http: aiohttp.ClientSession) -> None:
    trap_site = next(fs for fs in farm.sites if farm.truth[fs.code]["link_traps"])
    url = farm.truth[trap_site.code]["link_traps"][0]["url"]
    for _ in range(5):  # every day links to the next one, without end
        status, _, body = await get(http, url)
        nxt = re.search(
            r'href="(/calendar/index.html\?date=[\d-]+)">后一天', text_of(trap_site, body)
        )
        assert status == 200 and nxt
        url = trap_site.origin + nxt[1]
    huge = next(t for fs in farm.sites if (t := farm.truth[fs.code]["huge_pages"]))
    status, headers, _ = await get(http, huge[0]["url"])
    assert status == 200 and int(headers["Content-Length"]) > 4_000_000
    slow = next(t for fs in farm.sites if (t := farm.truth[fs.code]["slow_pages"]))
    with pytest.raises(asyncio.TimeoutError):
        await get(http, slow[0]["url"], timeout=aiohttp.ClientTimeout(total=1))


async def test_control_endpoint_switches_modes(farm: SiteFarm, http: aiohttp.ClientSession) -> None:
    assert farm.control_url
    fs = farm.sites[0]
    status, _, _ = await get(http, fs.url)
    assert status == 200
    async with http.get(f"{farm.control_url}/sites") as response:
        listing = await response.json()
    assert listing["count"] == len(farm.sites) and listing["sites"][0]["mode"] == "normal"
    async with http.get(f"{farm.control_url}/truth/{fs.code}") as response:
        assert await response.json() == farm.truth[fs.code]

    async def switch(mode: str, **extra: object) -> None:
        url = f"{farm.control_url}/sites/{fs.code}/mode"
        async with http.post(url, json={"mode": mode, **extra}) as response:
            assert response.status == 200, await response.text()

    await switch("refuse")
    with pytest.raises(aiohttp.ClientConnectorError):
        await get(http, fs.url)
    assert farm.truth[fs.code]["expected_problems"] == [{"kind": "site_unreachable", "veto": True}]
    await switch("normal")
    assert (await get(http, fs.url))[0] == 200
    assert farm.truth[fs.code]["expected_verdict"] == "qualified"
    await switch("error500")
    assert (await get(http, fs.url))[0] == 500
    await switch("slow", delay=0.3)
    started = asyncio.get_running_loop().time()
    assert (await get(http, fs.url))[0] == 200
    assert asyncio.get_running_loop().time() - started >= 0.3
    await switch("hang")
    with pytest.raises(asyncio.TimeoutError):
        await get(http, fs.url, timeout=aiohttp.ClientTimeout(total=0.3))
    await switch("normal")

    refused = next(fs for fs in farm.sites if fs.initial_mode == "refuse")
    async with http.post(f"{farm.control_url}/sites/{refused.code}/mode", json={"mode": "normal"}):
        pass
    assert (await get(http, refused.url))[0] == 200  # opens a socket it never had
    async with http.post(f"{farm.control_url}/sites/{fs.code}/mode", json={"mode": "x"}) as bad:
        assert bad.status == 400
    async with http.get(f"{farm.control_url}/stats") as response:
        stats = await response.json()
    assert stats["requests"] >= 5 and stats["by_status"]["500"] >= 1


async def test_all_1900_sites_bind(http: aiohttp.ClientSession) -> None:
    async with SiteFarm(port=0, control=None) as big:
        assert len(big.sites) == 1900
        refusing = sum(fs.initial_mode == "refuse" for fs in big.sites)
        assert big.listening == 1900 - refusing
        reachable = [fs for fs in big.sites if fs.initial_mode == "normal"]
        for fs in (reachable[0], reachable[len(reachable) // 2], reachable[-1]):
            status, _, body = await get(http, fs.url)
            assert status == 200 and fs.site.name in text_of(fs, body)


def test_cli_writes_registry_and_truth(tmp_path: Path) -> None:
    from crawler.registry_file import read_registry

    runner = CliRunner()
    result = runner.invoke(farm_cli, ["registry", str(tmp_path / "sites.csv"), "--sites", "40"])
    assert result.exit_code == 0, result.output
    read = read_registry(tmp_path / "sites.csv")
    assert not read.problems and [s.code for s in read.sites] == [
        fs.code for fs in build_catalog(40)
    ]
    out = tmp_path / "truth.json"
    result = runner.invoke(farm_cli, ["truth", str(out), "--sites", "40", "--today", "2026-03-16"])
    assert result.exit_code == 0, result.output
    truths = json.loads(out.read_text(encoding="utf-8"))
    assert len(truths) == 40 and truths[0]["today"] == "2026-03-16"
