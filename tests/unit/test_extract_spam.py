from pathlib import Path

import pytest

from crawler.extract.page import parse_page
from crawler.extract.spam import hidden_link_blocks, words_found

PAGES = Path(__file__).parents[1] / "fixtures" / "pages"
SPAM = ["博彩", "赌场", "棋牌", "娱乐城", "时时彩", "六合彩", "澳门", "百家乐"]
LINKS = (
    '<a href="http://www.amxpj88.com/">澳门新葡京娱乐城</a><a href="http://www.bjl777.com/">真人百家乐</a>'
    '<a href="http://www.lhc6.net/">六合彩开奖</a>'
)
FOREIGN = (
    '<a href="http://a1.com/">a</a><a href="http://b2.net/">b</a><a href="http://c3.cc/">c</a>'
)


def blocks(body: str, head: str = "") -> list[str]:
    page = parse_page(f"<html><head>{head}</head><body>{body}</body></html>", "http://a.gov.cn/")
    return hidden_link_blocks(page, SPAM)


@pytest.mark.parametrize(
    "style",
    [
        "display:none",
        "DISPLAY: none;",
        "visibility:hidden",
        "position:absolute;left:-9999px",
        "position:absolute; top: -999px",
        "height:0;overflow:hidden",
        "overflow:hidden;width:1px;height:1px",
        "font-size:0",
        "text-indent:-5000px",
    ],
)
def test_hidden_gambling_block(style: str) -> None:
    (excerpt,) = blocks(f'<div style="{style}">{LINKS}</div>')
    assert "amxpj88" in excerpt


def test_hidden_by_a_style_sheet_class() -> None:
    assert blocks(f'<div class="yc">{LINKS}</div>', "<style>.yc { display: none }</style>")


def test_written_by_document_write() -> None:
    code = f"document.write('<div style=\"display:none\">{LINKS}</div>');"
    assert blocks(f"<script>{code}</script>")


def test_off_screen_foreign_links_without_words() -> None:
    assert blocks(f'<div style="position:absolute;left:-9999px">{FOREIGN}</div>')


@pytest.mark.parametrize(
    "body",
    [
        f'<div style="display:none">{FOREIGN}</div>',  # a closed menu of other sites
        '<ul style="display:none"><li><a href="/a/1.html">通知一</a></li>'
        '<li><a href="/a/2.html">通知二</a></li><li><a href="/a/3.html">通知三</a></li></ul>',
        '<div style="position:absolute;left:-9999px"><a href="http://www.mnr.gov.cn/">部</a>'
        '<a href="http://dnr.yn.gov.cn/">厅</a><a href="http://www.cxz.gov.cn/">州</a></div>',
        f"<div>{LINKS}</div>",  # visible: a forbidden-word matter, not 暗链
        '<div style="display:none"><a href="http://x.com/">澳门</a></div>',  # one link
        f"<!-- <div style='display:none'>{LINKS}</div> -->",
    ],
)
def test_not_spam(body: str) -> None:
    assert blocks(body) == []


def test_nested_hidden_blocks_are_reported_once() -> None:
    assert len(blocks(f'<div style="display:none"><p style="font-size:0">{LINKS}</p></div>')) == 1


def test_spam_fixture() -> None:
    html = (PAGES / "spam_home.html").read_text()
    found = hidden_link_blocks(parse_page(html, "http://gtj.wd.gov.cn/"), SPAM)
    assert len(found) == 2
    assert "澳门新葡京" in found[0] and "xdyq1.com" in found[1]


def test_words_found() -> None:
    text = "欢迎访问 澳门 百家乐 PK10 澳门"
    assert words_found(text, ["百家乐", "澳门", "六合彩", "pk10", "澳门"]) == [
        "百家乐",
        "澳门",
        "pk10",
    ]
    assert words_found("", SPAM) == []
