from datetime import date
from pathlib import Path

import pytest

from crawler.extract.homepage import client_redirect, homepage_facts
from crawler.extract.page import parse_page

TODAY = date(2026, 11, 28)
PAGES = Path(__file__).parents[1] / "fixtures" / "pages"
HOME = "http://www.a.gov.cn/"


def page(html: str, url: str = HOME):
    return parse_page(html, url)


def fixture(name: str, url: str, encoding: str = "utf-8"):
    return parse_page((PAGES / name).read_bytes().decode(encoding), url)


def test_trs_county_homepage() -> None:
    facts = homepage_facts(fixture("county_home_trs.html", "http://www.pingbian.gov.cn/"), TODAY)
    assert facts.latest_update == date(2026, 11, 26)
    assert facts.dated_items == 8
    assert not facts.navigation_only


def test_gbk_homepage() -> None:
    facts = homepage_facts(fixture("gbk_home.html", "http://ghj.xuanwei.gov.cn/", "gb18030"), TODAY)
    assert (facts.latest_update, facts.dated_items) == (date(2026, 11, 18), 5)


def test_widgets_do_not_make_a_stale_homepage_fresh() -> None:
    facts = homepage_facts(fixture("noise_home.html", "http://wb.km.gov.cn/"), TODAY)
    assert facts.latest_update == date(2026, 10, 2)
    assert facts.dated_items == 3


def test_navigation_only_homepage() -> None:
    facts = homepage_facts(fixture("nav_only_home.html", "http://ajj.jh.gov.cn/"), TODAY)
    assert facts == type(facts)(None, 0, True)


def test_undated_article_lists_are_not_navigation_only() -> None:
    rows = "".join(
        f'<li><a href="/content/post_{n}.html">县政府召开第{n}次常务会议</a></li>' for n in range(8)
    )
    facts = homepage_facts(page(f'<body><ul class="list">{rows}</ul></body>'), TODAY)
    assert facts.latest_update is None
    assert facts.dated_items == 0
    assert not facts.navigation_only  # a stale homepage of undated items stays stale


def test_service_link_box_with_one_dated_url_is_not_a_dated_list() -> None:
    html = (
        '<body><div class="block"><h3>便民服务</h3><ul>'
        '<li><a href="/xxgk/2016/t20160310_1.html">政府信息公开年报</a></li>'
        '<li><a href="/go/a.html">数据开放平台入口</a></li>'
        '<li><a href="/special/huge.html">政府信息公开目录</a></li></ul></div>'
        '<ul><li><a href="/a/1.html">县政府召开常务会议</a><span>2026-11-20</span></li></ul></body>'
    )
    facts = homepage_facts(page(html), TODAY)
    assert (facts.latest_update, facts.dated_items) == (date(2026, 11, 20), 1)


@pytest.mark.parametrize(
    ("meta", "expected"),
    [
        ('<meta http-equiv="refresh" content="0;url=/portal/index.html">', "/portal/index.html"),
        ('<META HTTP-EQUIV="Refresh" CONTENT="0; URL=\'site/\'">', "/site/"),
        ('<meta http-equiv="REFRESH" content="1,url=http://b.gov.cn/">', "http://b.gov.cn/"),
        ('<meta http-equiv="refresh" content="url=index.shtml">', "/index.shtml"),
        ('<meta http-equiv="refresh" content="0.5; url = \'/x/\'">', "/x/"),
    ],
)
def test_meta_refresh(meta: str, expected: str) -> None:
    target = client_redirect(page(f"<html><head>{meta}</head><body></body></html>"))
    assert target == (expected if expected.startswith("http") else HOME.rstrip("/") + expected)


@pytest.mark.parametrize(
    "meta",
    [
        '<meta http-equiv="refresh" content="300">',  # an auto-reload
        '<meta http-equiv="refresh" content="600;url=/">',  # a slow reload of itself
        '<meta http-equiv="refresh" content="0;url=http://www.a.gov.cn/">',  # itself
    ],
)
def test_refresh_that_is_no_redirect(meta: str) -> None:
    assert client_redirect(page(f"<html><head>{meta}</head><body></body></html>")) is None


@pytest.mark.parametrize(
    "code",
    [
        'window.location.href = "/portal/index.html";',
        "location.href='/portal/index.html'",
        "window.location='/portal/index.html';",
        'top.location = "/portal/index.html"',
        "document.location.href='/portal/index.html'",
        "location.replace('/portal/index.html');",
        'window.location.replace("/portal/index.html")',
        "self.location.assign('/portal/index.html')",
    ],
)
def test_js_redirect_forms(code: str) -> None:
    html = f"<html><head><script>{code}</script></head><body>正在跳转...</body></html>"
    assert client_redirect(page(html)) == "http://www.a.gov.cn/portal/index.html"


def test_js_redirect_prefers_the_desktop_target() -> None:
    target = client_redirect(fixture("js_redirect_home.html", "http://zwfw.yy.gov.cn/"))
    assert target == "http://zwfw.yy.gov.cn/portal/index.html"


def test_body_onload_redirect() -> None:
    html = "<body onload=\"location.href='/web/'\">欢迎访问</body>"
    assert client_redirect(page(html)) == "http://www.a.gov.cn/web/"


def test_a_real_portal_with_location_code_is_no_redirect() -> None:
    assert client_redirect(fixture("county_home_trs.html", "http://www.pingbian.gov.cn/")) is None


def test_meta_refresh_fixture() -> None:
    target = client_redirect(fixture("meta_refresh_home.html", "http://www.msda.gov.cn/"))
    assert target == "http://www.msda.gov.cn/site/index.shtml"


def test_tiles_with_a_box_of_url_dated_reports_stay_navigation_only() -> None:
    tiles = "".join(
        f'<li><a href="/col/{slug}/index.html"><span>{name}</span></a></li>'
        for slug, name in (("gzdt", "工作动态"), ("tzgg", "通知公告"), ("jgzn", "机构职能"))
    )
    reports = "".join(
        f'<li><a href="/xxgk/{y}/t{y + 1}0310_{y}.html">{y}年政府信息公开年报</a></li>'
        for y in (2013, 2014, 2015)
    )
    html = (
        f'<body><ul class="tiles">{tiles}</ul><div><h3>便民服务</h3><ul>{reports}</ul></div></body>'
    )
    facts = homepage_facts(page(html), TODAY)
    assert facts.navigation_only
    assert facts.dated_items == 3  # reported as found; the census reads the columns instead


def test_a_homepage_of_url_dated_lists_is_not_navigation_only() -> None:
    rows = "".join(
        f'<li><a href="/zwdt/202611/t202611{10 + n}_{n}.html">县政府召开第{n}次常务会议</a></li>'
        for n in range(6)
    )
    facts = homepage_facts(page(f'<body><ul class="list">{rows}</ul></body>'), TODAY)
    assert not facts.navigation_only
    assert facts.latest_update == date(2026, 11, 15)
