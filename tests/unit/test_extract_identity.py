import pytest

from crawler.extract.identity import CODE, Identity, site_identity
from crawler.extract.page import parse_page


def identity(body: str, head: str = "") -> Identity:
    return site_identity(
        parse_page(f"<html><head>{head}</head><body>{body}</body></html>", "http://a.gov.cn/")
    )


@pytest.mark.parametrize(
    ("footer", "code"),
    [
        ("网站标识码：5325230002", "5325230002"),
        ("网站标识码:5325230002", "5325230002"),
        ("网站标识码 5325230002", "5325230002"),
        ("网站标识码5325230002", "5325230002"),
        ("网站识别码：5325230002", "5325230002"),
        ("网站标识码bm01000001", "bm01000001"),
        ("网站标识码：BM01000001", "bm01000001"),
        ("网站标识码：53252300021", None),  # 11 digits: no code
        ("网站标识码：", None),
    ],
)
def test_footer_code_forms(footer: str, code: str | None) -> None:
    assert identity(f"<p>{footer}</p>").footer_code == code


def test_footer_code_split_across_elements() -> None:
    assert identity("<span>网站标识码：</span><span>5325230002</span>").footer_code == "5325230002"


def test_meta_and_footer_agree_or_not() -> None:
    head = '<meta name="SiteIDCode" content="5325230002">'
    assert identity("<p>网站标识码：5325230002</p>", head).agree is True
    assert identity("<p>网站标识码：5325230003</p>", head).agree is False
    assert identity("", head).agree is None


def test_empty_meta_is_none() -> None:
    got = identity("", '<meta name="SiteIDCode" content=" ">')
    assert got.meta_code is None


def test_icp_police_and_conac() -> None:
    got = identity(
        '<p><a href="https://beian.miit.gov.cn/">滇ICP备08001234号-1</a> '
        '<a href="http://www.beian.gov.cn/portal/registerSystemInfo?recordcode=53252302000101">'
        "滇公网安备 53252302000101号</a></p>"
        '<span id="_ideConac"><a href="https://bszs.conac.cn/sitename?method=show&amp;id=1">'
        '<img src="/red.png"></a></span>'
    )
    assert got.icp == "滇ICP备08001234号-1"
    assert got.police_filing == "滇公网安备 53252302000101号"
    assert got.conac_mark


def test_conac_script_counts_as_the_mark() -> None:
    got = identity(
        '<script src="https://dcs.conac.cn/js/26/000/0000/60000000/CA260000000.js"></script>'
    )
    assert got.conac_mark
    assert not identity("<p>党政机关</p>").conac_mark


def test_code_shape() -> None:
    assert CODE.match("5325230002") and CODE.match("bm01000001")
    assert not CODE.match("532523000") and not CODE.match("bm0100000")
