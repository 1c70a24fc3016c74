from pathlib import Path

import pytest

from crawler.extract.entries import EntryFacts, find_entries
from crawler.extract.page import parse_page

PAGES = Path(__file__).parents[1] / "fixtures" / "pages"
JS = "https://zfwzgl.www.gov.cn/exposure/jiucuo.js"


def entries(body: str, head: str = "") -> EntryFacts:
    return find_entries(
        parse_page(f"<html><head>{head}</head><body>{body}</body></html>", "http://a.gov.cn/")
    )


def test_script_form() -> None:
    got = entries(f'<script id="_jiucuo_" sitecode="5325230001" src="{JS}"></script>')
    assert got == EntryFacts(True, "5325230001", "script", False)


def test_legacy_host_script() -> None:
    got = entries(
        '<script id="_jiucuo_" sitecode="1400000045" src="http://pucha.kaipuyun.cn/exposure/jiucuo.js"></script>'
    )
    assert (got.zhaocuo, got.zhaocuo_sitecode, got.zhaocuo_form) == (True, "1400000045", "script")


def test_script_without_sitecode() -> None:
    got = entries(f'<script id="_jiucuo_" sitecode="" src="{JS}"></script>')
    assert (got.zhaocuo, got.zhaocuo_sitecode) == (True, None)


def test_loader_form() -> None:
    code = (
        '(function(){var s=document.createElement("script");'
        's.setAttribute("sitecode","5303810003");'
        f's.src="{JS}";document.body.appendChild(s);}})();'
    )
    got = entries(f"<script>{code}</script>")
    assert got == EntryFacts(True, "5303810003", "loader", False)


def test_loader_commented_out_in_js_does_not_count() -> None:
    assert not entries(f'<script>// s.src="{JS}";\n/* s.src="{JS}"; */ var a = 1;</script>').zhaocuo


def test_pre_rendered_image_form() -> None:
    got = entries(
        '<span id="_span_jiucuo"><img onclick="Link(\'5328010055\')" '
        'src="https://zfwzgl.www.gov.cn/exposure/images/jiucuo.png?v=5328010055"></span>'
    )
    assert got == EntryFacts(True, "5328010055", "image", False)


@pytest.mark.parametrize(
    "body",
    [
        '<a href="https://zfwzgl.www.gov.cn/exposure/jiucuo.html">我为政府网站找错</a>',
        '<a href="/x"><img src="/images/jc.png" alt="我为政府网站找错"></a>',
        '<a href="/x" title="我为政府网站找错"><img src="/images/jc.png"></a>',
    ],
)
def test_plain_link_or_image_form(body: str) -> None:
    got = entries(body)
    assert (got.zhaocuo, got.zhaocuo_form) == (True, "link")


def test_national_page_link_carries_the_site_code() -> None:
    got = entries(
        '<a href="https://zfwzgl.www.gov.cn/exposure/jiucuo.html?site_code=5301000041&amp;url=x">找错</a>'
    )
    assert (got.zhaocuo, got.zhaocuo_sitecode, got.zhaocuo_form) == (True, "5301000041", "link")


@pytest.mark.parametrize(
    "body",
    [
        f'<!-- <script id="_jiucuo_" sitecode="5325230001" src="{JS}"></script> -->',
        "<!-- <a href='https://zfwzgl.www.gov.cn/exposure/jiucuo.html'>我为政府网站找错</a> -->",
        '<a style="display:none;" href="http://121.43.68.40/exposure/jiucuo.html?site_code=3300000020">'
        '<img style="display:none;" src="x.png"></a>',
        '<a href="https://www.gov.cn/fuwu/jiucuopage.html">网站纠错</a>',
        "<span>【我要纠错】</span>",
        "",
    ],
)
def test_no_entry(body: str) -> None:
    assert not entries(body).zhaocuo


def test_strongest_form_is_reported() -> None:
    got = entries(
        '<a href="/x">我为政府网站找错</a>'
        f'<script id="_jiucuo_" sitecode="5325230001" src="{JS}"></script>'
    )
    assert got.zhaocuo_form == "script"


@pytest.mark.parametrize(
    "body",
    [
        '<a href="https://www.yn.gov.cn/ztgg/wzbgt/">云南省政府网站问题曝光台</a>',
        '<a href="https://www.yn.gov.cn/ztgg/wzbgt/">'
        '<img src="/b.png" alt="云南省政府网站问题曝光台"></a>',
        '<a href="https://www.yn.gov.cn/ztgg/wzbgt/" title="问题曝光台"><img src="/b.png"></a>',
    ],
)
def test_exposure_forms(body: str) -> None:
    assert entries(body).exposure


@pytest.mark.parametrize(
    "body",
    [
        "<!-- <a href='https://www.yn.gov.cn/ztgg/wzbgt/'>问题曝光台</a> -->",
        '<div style="display:none"><a href="https://www.yn.gov.cn/ztgg/wzbgt/">问题曝光台</a></div>',
        "<p>问题曝光台</p>",  # text alone is no entry
    ],
)
def test_no_exposure(body: str) -> None:
    assert not entries(body).exposure


def test_fixture_entries() -> None:
    html = (PAGES / "county_home_trs.html").read_text()
    got = find_entries(parse_page(html, "http://www.pingbian.gov.cn/"))
    assert got == EntryFacts(True, "5325230001", "script", True)
