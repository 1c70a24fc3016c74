"""The facts of realpages/MANIFEST.md, read by the extractors from the pages themselves."""

from datetime import date
from pathlib import Path

import pytest

from crawler.extract.entries import find_entries
from crawler.extract.identity import site_identity
from crawler.extract.page import Page, parse_page
from crawler.extract.pubdate import page_date
from crawler.extract.spam import hidden_link_blocks

TODAY = date(2026, 11, 28)
REAL = Path(__file__).parents[1] / "fixtures" / "pages" / "real"
URLS = {
    "shanxi-1": "http://www.shanxi.gov.cn/yw/sxyw/201909/t20190918_693227.shtml",
    "gzggw-1": "http://fgw.zj.gov.cn/art/2016/11/22/art_1621004_30332664.html",
    "other-1": "https://www.gov.cn/gongbao/content/2007/content_750530.htm",
}


def real(name: str) -> Page:
    return parse_page((REAL / f"{name}.html").read_text(encoding="utf-8"), URLS[name])


def test_shanxi_metas_code_and_legacy_entry() -> None:
    page = real("shanxi-1")
    assert page.metas["pubdate"] == "2019-09-18 06:23"
    assert page.metas["columnname"] == "山西要闻"
    assert page.metas["siteidcode"] == "1400000045"
    identity = site_identity(page)
    assert (identity.meta_code, identity.footer_code, identity.agree) == (
        "1400000045",
        "1400000045",
        True,
    )
    assert identity.icp == "晋ICP备12000773号"
    assert identity.conac_mark
    entries = find_entries(page)
    assert (entries.zhaocuo, entries.zhaocuo_sitecode, entries.zhaocuo_form) == (
        True,
        "1400000045",
        "script",
    )
    assert page_date(page, TODAY) == date(2019, 9, 18)


def test_gzggw_blank_meta_footer_code_and_commented_entry() -> None:
    page = real("gzggw-1")
    assert page.metas["pubdate"] == "2016-11-22 09:53"
    assert page.metas["columnname"] == "投资运行"
    identity = site_identity(page)
    assert identity.meta_code is None  # the meta is there but empty
    assert identity.footer_code == "3300000020"
    assert identity.agree is None
    # 【我要纠错】 sits in a comment; the jiucuo.html link beside the conac mark is
    # display:none. Neither is an entry a visitor can use.
    assert not find_entries(page).zhaocuo
    assert page_date(page, TODAY) == date(2016, 11, 22)  # not the 2019-03-22 Maketime


def test_other_central_code_firstpublishedtime_and_own_correction_page() -> None:
    page = real("other-1")
    assert "pubdate" not in page.metas
    assert page.metas["firstpublishedtime"] == "2007-08-20-23:59:59"
    assert site_identity(page).footer_code == "bm01000001"
    entries = find_entries(page)
    assert not entries.zhaocuo  # 网站纠错 is the portal's own page, not the national entry
    assert not entries.exposure
    assert page_date(page, TODAY) == date(2007, 8, 20)


@pytest.mark.parametrize("name", sorted(URLS))
def test_real_pages_have_no_spam_blocks(name: str) -> None:
    assert hidden_link_blocks(real(name), ["博彩", "澳门", "百家乐", "六合彩"]) == []
