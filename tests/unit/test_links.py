"""Links a census check counts, canonical URLs and URL shapes: pure."""

from __future__ import annotations

import pytest

from crawler.extract.links import canonical_url, kind_of, page_links, url_pattern
from crawler.extract.page import parse_page

BASE = "http://www.example.gov.cn/col/ywdt/index.html"


def links_of(body: str, url: str = BASE, head: str = "") -> list[tuple[str, str, str, str]]:
    page = parse_page(f"<html><head>{head}</head><body>{body}</body></html>", url)
    return [(link.url, link.text, link.kind, link.tag) for link in page_links(page)]


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("HTTP://WWW.Example.GOV.cn:80/a/b.html#top", "http://www.example.gov.cn/a/b.html"),
        ("https://example.gov.cn:443", "https://example.gov.cn/"),
        ("http://example.gov.cn:8080/x", "http://example.gov.cn:8080/x"),
        ("http://example.gov.cn/s?b=2&a=1&a=0", "http://example.gov.cn/s?a=0&a=1&b=2"),
        ("http://h.cn/a.jsp;jsessionid=0A1B2C?id=3", "http://h.cn/a.jsp?id=3"),
        ("http://h.cn/a.php?PHPSESSID=abc&id=3&sid=9", "http://h.cn/a.php?id=3"),
        ("http://h.cn/a.asp?ASPSESSIONIDQATQDBCT=XY&p=1", "http://h.cn/a.asp?p=1"),
        ("http://h.cn/a?", "http://h.cn/a"),
        ("http://h.cn/新闻/a b.html", "http://h.cn/%E6%96%B0%E9%97%BB/a%20b.html"),
        ("http://h.cn/s.jsp?kw=%D5%D0%C6%B8", "http://h.cn/s.jsp?kw=%D5%D0%C6%B8"),  # GBK kept
        ("http://[::1]:8000/x", "http://[::1]:8000/x"),
        ("http://h.cn./x", "http://h.cn/x"),
        ("http://user:pw@h.cn/x", "http://user:pw@h.cn/x"),
    ],
)
def test_canonical_url(raw: str, canonical: str) -> None:
    assert canonical_url(raw) == canonical
    assert canonical_url(canonical) == canonical  # idempotent


@pytest.mark.parametrize("raw", ["http://[::1/x", "http://h.cn:port/x", "http://", "not a url"])
def test_unparseable_urls_come_back_for_the_fetcher_to_name(raw: str) -> None:
    assert canonical_url(raw) == raw.strip()


def test_url_pattern_collapses_digits_and_query_values() -> None:
    days = [f"http://h.cn/calendar/index.html?date=2026-03-{d:02d}" for d in range(1, 29)]
    assert {url_pattern(u) for u in days} == {"http://h.cn/calendar/index.html?date"}
    assert url_pattern("http://h.cn/ywdt/202603/t20260310_1001003.html") == (
        "http://h.cn/ywdt/9/t9_9.html"
    )
    assert url_pattern("http://h.cn/l.jsp?page=2&cat=5") == url_pattern(
        "http://h.cn/l.jsp?cat=9&page=30"
    )
    assert url_pattern("http://h.cn/col/ywdt/index.html") != url_pattern(
        "http://h.cn/col/tzgg/index.html"
    )


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("http://h.cn/a/b.html", "page"),
        ("http://h.cn/a/", "page"),
        ("http://h.cn/list.jsp?x=1.pdf", "page"),  # the query does not make an attachment
        ("http://h.cn/v1.2/index", "page"),
        ("http://h.cn/files/年报.PDF", "attachment"),
        ("http://h.cn/f/a.wps", "attachment"),
        ("http://h.cn/f/a.xlsx", "attachment"),
        ("http://h.cn/f/a.rar", "attachment"),
        ("http://h.cn/i/logo.png", "image"),
        ("http://h.cn/v/a.mp4", "media"),
    ],
)
def test_kind_of(url: str, kind: str) -> None:
    assert kind_of(url) == kind


def test_counted_elements_in_document_order_with_their_text() -> None:
    body = (
        '<a href="/a.html"> 要闻\n 动态 </a>'
        '<img src="/i/logo.png" alt="标志">'
        '<a href="/f/2026年报.docx" title="下载"><img src="/i/doc.gif" alt="年报附件"></a>'
        '<a href="http://www.gov.cn/" title="中国政府网"></a>'
        '<iframe src="/map.html" title="地图"></iframe>'
        '<map><area href="/area.html" alt="区域"></map>'
    )
    assert links_of(body) == [
        ("http://www.example.gov.cn/a.html", "要闻 动态", "page", "a"),
        ("http://www.example.gov.cn/i/logo.png", "标志", "image", "img"),
        (
            "http://www.example.gov.cn/f/2026%E5%B9%B4%E6%8A%A5.docx",
            "年报附件",
            "attachment",
            "a",
        ),
        ("http://www.example.gov.cn/i/doc.gif", "年报附件", "image", "img"),
        ("http://www.gov.cn/", "中国政府网", "page", "a"),
        ("http://www.example.gov.cn/map.html", "地图", "page", "iframe"),
        ("http://www.example.gov.cn/area.html", "区域", "page", "area"),
    ]


def test_relative_links_resolve_against_the_page_and_base() -> None:
    assert links_of('<a href="index_1.html">下一页</a>')[0][0] == (
        "http://www.example.gov.cn/col/ywdt/index_1.html"
    )
    with_base = links_of('<a href="x.html">x</a>', head='<base href="http://cdn.gov.cn/d/">')
    assert with_base[0][0] == "http://cdn.gov.cn/d/x.html"


@pytest.mark.parametrize(
    "href",
    [
        "javascript:void(0)",
        "JavaScript:openWin('a')",
        "mailto:ban@example.gov.cn",
        "tel:0871-1234567",
        "#top",
        "",
        "   ",
        "data:image/png;base64,AAAA",
        "ftp://ftp.example.gov.cn/a.zip",
    ],
)
def test_skipped_links(href: str) -> None:
    assert links_of(f'<a href="{href}">x</a><img src="{href}">') == []


def test_scripts_styles_forms_and_hidden_markup_are_not_links() -> None:
    body = (
        '<script src="/js/a.js"></script><link rel="stylesheet" href="/c.css">'
        '<form action="/search.jsp"></form>'
        '<noscript><a href="/noscript.html">n</a></noscript>'
        '<!-- <a href="/commented.html">c</a> -->'
        '<script>document.write("<a href=/written.html>w</a>")</script>'
    )
    assert links_of(body) == []


def test_meta_refresh_target_is_a_link() -> None:
    head = '<meta http-equiv="refresh" content="0; url=\'/portal/index.html\'">'
    assert links_of("", url="http://h.cn/", head=head) == [
        ("http://h.cn/portal/index.html", "", "page", "meta")
    ]


def test_whitespace_inside_hrefs_is_dropped_as_browsers_do() -> None:
    assert links_of('<a href=" /a\n/b.html\t">x</a>')[0][0] == (
        "http://www.example.gov.cn/a/b.html"
    )


def test_one_link_per_occurrence_same_canonical_url() -> None:
    found = links_of('<a href="/a.html#p1">a</a><a href="/a.html">b</a><a href="/A.html">c</a>')
    urls = [url for url, *_ in found]
    assert urls[0] == urls[1] != urls[2]  # paths are case-sensitive
