from datetime import date
from pathlib import Path

import pytest

from crawler.extract.items import Item, article_like, list_items
from crawler.extract.page import parse_page

TODAY = date(2026, 11, 28)
PAGES = Path(__file__).parents[1] / "fixtures" / "pages"
URL = "http://www.a.gov.cn/col/x/index.html"


def items(body: str, url: str = URL) -> list[Item]:
    return list_items(parse_page(f"<html><body>{body}</body></html>", url), TODAY)


def test_li_with_date_span() -> None:
    (item,) = items(
        '<ul><li><a href="/a/1.html">关于开展检查的通知</a><span>2026-11-20</span></li></ul>'
    )
    assert item == Item("关于开展检查的通知", "http://www.a.gov.cn/a/1.html", date(2026, 11, 20))


def test_table_row_date_in_the_next_cell() -> None:
    (item,) = items(
        '<table><tr><td><a href="/a/1.html">县政府召开常务会议</a></td>'
        "<td>2026/11/9</td></tr></table>"
    )
    assert item.date == date(2026, 11, 9)


def test_dl_row_date_in_dd() -> None:
    (item,) = items(
        '<dl><dt><a href="/a/1.html">县政府召开常务会议</a></dt><dd>2026.11.09</dd></dl>'
    )
    assert item.date == date(2026, 11, 9)


def test_year_less_date_takes_the_implied_year() -> None:
    got = items(
        '<ul><li><a href="/a/1.html">县政府召开常务会议</a><em>[11-27]</em></li>'
        '<li><a href="/a/2.html">县政府召开年终总结会议</a><em>[12-30]</em></li></ul>'
    )
    assert [i.date for i in got] == [date(2026, 11, 27), date(2025, 12, 30)]


def test_date_inside_the_link() -> None:
    (item,) = items(
        '<ul><li><a href="/a/1.html"><span class="t">县政府召开常务会议</span>'
        '<span class="d">2026-11-21</span></a></li></ul>'
    )
    assert item.date == date(2026, 11, 21)


def test_a_date_in_the_title_is_not_the_items_date() -> None:
    (item,) = items(
        '<ul><li><a href="/a/1.html">关于2026年1月1日起施行新规定的通知</a>'
        "<span>2026-11-18</span></li></ul>"
    )
    assert item.date == date(2026, 11, 18)


def test_url_date_when_the_row_shows_none() -> None:
    (item,) = items(
        '<ul><li><a href="/art/2026/6/2/art_1003_812.html">国土空间规划公示</a></li></ul>'
    )
    assert item.date == date(2026, 6, 2)


def test_row_date_beats_url_date() -> None:
    (item,) = items(
        '<ul><li><a href="/zwdt/202611/t20261101_1.html">县政府召开常务会议</a>'
        "<span>2026-11-03</span></li></ul>"
    )
    assert item.date == date(2026, 11, 3)


def test_undated_article_counts_as_undated_item() -> None:
    (item,) = items('<ul><li><a href="/content/post_1.html">县政府干部任前公示</a></li></ul>')
    assert item.date is None


def test_row_holding_several_items_dates_each_by_its_own_segment() -> None:
    got = items(
        '<div class="list"><a href="/a/1.html">县政府召开常务会议</a> 2026-11-20<br>'
        '<a href="/a/2.html">县政府召开安全生产会议</a> 2026-11-10<br>'
        '<a href="/a/3.html">县政府召开森林防火会议</a> 2026-10-01<br></div>'
    )
    assert [i.date for i in got] == [date(2026, 11, 20), date(2026, 11, 10), date(2026, 10, 1)]


@pytest.mark.parametrize(
    "link",
    [
        '<a href="/col/tzgg/">更多&gt;&gt;</a>',
        '<a href="/col/tzgg/index_1.html">下一页</a>',
        '<a href="/col/tzgg/index_9.html">尾页</a>',
        '<a href="/col/tzgg/index_2.html">3</a>',
        '<a href="javascript:void(0)">关于开展检查工作的通知</a>',
        '<a href="mailto:a@b.cn">联系我们的电子邮箱地址</a>',
        '<a href="#top">返回顶部</a>',
        '<a href="/col/tzgg/index.html">通知公告栏目首页入口</a>',  # a column, not an article
        '<a href="/images/a.jpg">县政府召开常务会议照片</a>',
    ],
)
def test_links_that_are_no_items(link: str) -> None:
    assert items(f"<ul><li>{link}</li></ul>") == []


def test_navigation_and_footer_links_are_skipped() -> None:
    got = items(
        '<div class="nav"><a href="/a/intro.html">本局简介和历史沿革</a></div>'
        '<div class="footer"><a href="/home/2016-05/11/content_1.htm">关于本网</a></div>'
        '<ul><li><a href="/a/1.html">县政府召开常务会议</a><span>2026-11-20</span></li></ul>'
    )
    assert [i.url for i in got] == ["http://www.a.gov.cn/a/1.html"]


def test_undated_short_titles_are_column_names_not_items() -> None:
    assert items('<ul><li><a href="/a/x.html">通知公告</a></li></ul>') == []


def test_other_sites_count_only_with_a_shown_date() -> None:
    got = items(
        '<ul><li><a href="http://www.gov.cn/guoqing/2018-05/03/content_1.htm">退役军人事务部</a></li>'
        '<li><a href="http://www.gov.cn/yaowen/x.htm">国务院常务会议召开</a><span>2026-11-25</span></li>'
        '<li><a href="http://www.mnr.gov.cn/a/b.html">自然资源部门户网站</a></li></ul>'
    )
    assert [(i.url, i.date) for i in got] == [
        ("http://www.gov.cn/yaowen/x.htm", date(2026, 11, 25))
    ]


def test_hidden_tab_of_own_dated_items_counts_but_hidden_foreign_links_do_not() -> None:
    got = items(
        '<ul style="display:none"><li><a href="/a/1.html">关于开展检查的通知</a>'
        "<span>2026-11-20</span></li></ul>"
        '<div style="display:none"><a href="http://spam.example.com/1.html">澳门娱乐城官方网站</a></div>'
        '<div style="display:none"><a href="/a/2.html">没有日期的隐藏链接标题</a></div>'
    )
    assert [i.url for i in got] == ["http://www.a.gov.cn/a/1.html"]


def test_dedupe_by_url_keeps_the_dated_sighting() -> None:
    got = items(
        '<div class="focus"><a href="/a/1.html">'
        '<img src="f.jpg" alt="县政府召开常务会议"></a></div>'
        '<ul><li><a href="/a/1.html">县政府召开常务会议</a><span>2026-11-20</span></li></ul>'
    )
    assert got == [Item("县政府召开常务会议", "http://www.a.gov.cn/a/1.html", date(2026, 11, 20))]


def test_title_attribute_restores_a_cut_title() -> None:
    (item,) = items(
        '<ul><li><a href="/a/1.html" title="关于开展冬春火灾防控工作的通知">关于开展冬春...</a>'
        "<span>2026-11-20</span></li></ul>"
    )
    assert item.title == "关于开展冬春火灾防控工作的通知"


def test_future_row_date_falls_back_to_the_url() -> None:
    (item,) = items(
        '<ul><li><a href="/zwdt/202611/t20261120_1.html">县政府召开常务会议</a>'
        "<span>2027-01-01</span></li></ul>"
    )
    assert item.date == date(2026, 11, 20)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://a.gov.cn/zwdt/202611/t20261120_1.html", True),
        ("http://a.gov.cn/show.asp?id=12", True),
        ("http://a.gov.cn/index.php?m=content&c=index&a=show&catid=3&id=9", True),
        ("http://a.gov.cn/zwdt/", False),
        ("http://a.gov.cn/col/col12/index.html", False),
        ("http://a.gov.cn/zwdt/index_2.shtml", False),
        ("http://a.gov.cn/list.jsp?catid=3", False),
        ("http://a.gov.cn", False),
        ("http://a.gov.cn/a.pdf", True),  # attachments listed in a column are items
        ("http://a.gov.cn/a.png", False),
    ],
)
def test_article_like(url: str, expected: bool) -> None:
    assert article_like(url) is expected


def test_county_homepage_fixture_items() -> None:
    html = (PAGES / "county_home_trs.html").read_text()
    got = list_items(parse_page(html, "http://www.pingbian.gov.cn/"), TODAY)
    assert len(got) == 8
    assert max(i.date for i in got if i.date) == date(2026, 11, 26)
    assert all(i.url.startswith("http://www.pingbian.gov.cn/") for i in got)


def test_a_long_text_block_is_read_only_after_its_link() -> None:
    prose = "根据2025年3月1日印发的文件精神，" + "全县各单位认真落实。" * 40
    (item,) = items(
        f'<div><p>{prose}<a href="/a/1.html">县政府常务会议纪要全文</a>'
        " 2026-11-02 <b>x</b></p></div>"
    )
    assert item.date == date(2026, 11, 2)
