from datetime import date
from pathlib import Path

import pytest

from crawler.extract.columns import (
    ColumnLink,
    column_facts,
    column_type,
    navigation_columns,
    pagination,
)
from crawler.extract.page import parse_page
from crawler.result import ColumnType

TODAY = date(2026, 11, 28)
PAGES = Path(__file__).parents[1] / "fixtures" / "pages"
BLANK = ["暂无信息", "本栏目暂无内容", "正在建设中", "暂无数据"]
KEYWORDS = {
    "news": ["动态", "要闻", "新闻", "工作动态"],
    "notice": ["通知", "公告", "公示", "政策文件", "通知公告"],
    "should_update": ["人事", "规划", "计划", "财政", "预决算", "统计"],
    "static": ["机构职能", "领导", "领导信息", "联系我们", "办事指南"],
}


def fixture(name: str, url: str, encoding: str = "utf-8"):
    return parse_page((PAGES / name).read_bytes().decode(encoding), url)


# ---- navigation_columns ----------------------------------------------------------------


def test_county_homepage_columns() -> None:
    site = "http://www.pingbian.gov.cn/"
    got = navigation_columns(fixture("county_home_trs.html", site), site)
    assert got == [
        ColumnLink("政务动态", site + "zwdt/", True),
        ColumnLink("政府信息公开", site + "zwgk/", True),
        ColumnLink("通知公告", site + "zwgk/tzgg/", False),  # a submenu entry
        ColumnLink("政策文件", site + "zwgk/zcwj/", False),
        ColumnLink("人事信息", site + "zwgk/rsxx/", False),
        ColumnLink("机构职能", site + "jgzn/", True),
        ColumnLink("领导信息", site + "ldxx/", True),
        ColumnLink("互动交流", site + "hdjl/", True),
    ]


def test_more_links_are_named_by_their_block() -> None:
    site = "http://www.a.gov.cn/"
    html = (
        '<body><div class="nav"><a href="/">首页</a><a href="/gzdt/">工作动态</a></div>'
        '<div class="block"><div class="title"><h3>通知公告</h3>'
        '<a class="more" href="/tzgg/">更多&gt;&gt;</a></div></div>'
        '<div class="block"><span>政策解读</span><a href="/zcjd/">more</a></div>'
        '<div class="block"><a href="/gzdt/">更多</a><h3>工作动态要闻</h3></div>'
        '<div class="block"><a href="/rsxx/" title="更多人事信息">&gt;&gt;</a></div></body>'
    )
    assert navigation_columns(parse_page(html, site), site) == [
        ColumnLink("工作动态", site + "gzdt/", True),
        ColumnLink("通知公告", site + "tzgg/", False),
        ColumnLink("政策解读", site + "zcjd/", False),
        ColumnLink("人事信息", site + "rsxx/", False),
    ]


def test_other_sites_anchors_scripts_and_the_homepage_are_no_columns() -> None:
    site = "http://www.a.gov.cn/"
    html = (
        '<body><ul class="nav">'
        '<li><a href="/">首页</a></li><li><a href="/index.html">网站首页</a></li>'
        '<li><a href="http://www.a.gov.cn">本站</a></li>'
        '<li><a href="http://www.gov.cn/">中国政府网</a></li>'
        '<li><a href="#main">跳到正文</a></li><li><a href="javascript:;">收藏本站</a></li>'
        '<li><a href="mailto:a@a.gov.cn">来信</a></li>'
        '<li><a href="/zwgk/">政务公开</a></li><li><a href="/zwgk/#x">公开</a></li></ul></body>'
    )
    assert navigation_columns(parse_page(html, site), site) == [
        ColumnLink("政务公开", "http://www.a.gov.cn/zwgk/", True)
    ]


def test_www_and_bare_host_are_one_site() -> None:
    html = '<body><ul class="nav"><li><a href="http://a.gov.cn/zwgk/">政务公开</a></li></ul></body>'
    got = navigation_columns(parse_page(html, "http://www.a.gov.cn/"), "http://www.a.gov.cn/")
    assert got == [ColumnLink("政务公开", "http://a.gov.cn/zwgk/", True)]


def test_footer_navigation_is_no_column() -> None:
    site = "http://www.a.gov.cn/"
    html = (
        '<body><div class="nav"><a href="/gzdt/">工作动态</a></div>'
        '<div class="footer_nav"><a href="/gywm/">关于我们</a>'
        '<a href="/wzdt/">网站地图</a></div></body>'
    )
    assert [c.name for c in navigation_columns(parse_page(html, site), site)] == ["工作动态"]


def test_navigation_only_tiles_become_columns() -> None:
    site = "http://ajj.jh.gov.cn/"
    got = navigation_columns(fixture("nav_only_home.html", site), site)
    assert [c.name for c in got] == ["工作动态", "通知公告", "政策法规", "机构职能", "办事指南"]
    assert all(c.top_level and c.url.startswith(site + "col/") for c in got)


def test_gbk_homepage_columns() -> None:
    site = "http://ghj.xuanwei.gov.cn/"
    got = navigation_columns(fixture("gbk_home.html", site, "gb18030"), site)
    assert [c.name for c in got] == ["工作动态", "通知公告", "规划计划", "领导之窗"]


# ---- column_facts ----------------------------------------------------------------------


def test_year_less_list_with_a_sidebar() -> None:
    facts = column_facts(
        fixture("list_yearless.html", "http://www.pingbian.gov.cn/zwdt/"), TODAY, BLANK
    )
    assert facts.items == 6  # the sidebar of hot articles is not this column's list
    assert facts.latest_update == date(2026, 11, 27)
    assert not facts.blank
    assert facts.page_count == 5
    assert facts.next_pages == [
        "http://www.pingbian.gov.cn/zwdt/index_1.html",
        "http://www.pingbian.gov.cn/zwdt/index_2.html",
    ]


def test_url_only_dates_and_query_pagination() -> None:
    url = "http://ghj.xuanwei.gov.cn/module/list.jsp?columnid=1003"
    facts = column_facts(fixture("list_url_only.html", url), TODAY, BLANK)
    assert (facts.items, facts.latest_update) == (4, date(2026, 6, 2))
    assert facts.page_count == 3
    assert facts.next_pages == [
        "http://ghj.xuanwei.gov.cn/module/list.jsp?columnid=1003&page=2",
        "http://ghj.xuanwei.gov.cn/module/list.jsp?columnid=1003&page=3",
    ]


def test_mixed_undated_items_and_script_variables() -> None:
    url = "http://www.pingbian.gov.cn/rsxx/index.shtml"
    facts = column_facts(fixture("list_mixed_undated.html", url), TODAY, BLANK)
    assert (facts.items, facts.latest_update, facts.blank) == (5, date(2026, 10, 1), False)
    assert facts.page_count == 4
    assert facts.next_pages[0] == "http://www.pingbian.gov.cn/rsxx/index_1.shtml"


def test_blank_phrase() -> None:
    facts = column_facts(fixture("list_blank.html", "http://a.gov.cn/col/ghjh/"), TODAY, BLANK)
    assert (facts.blank, facts.blank_reason, facts.items) == (True, "暂无信息", 0)


def test_empty_list_without_phrase_is_blank() -> None:
    facts = column_facts(
        fixture("list_blank_empty.html", "http://a.gov.cn/col/tjxx/"), TODAY, BLANK
    )
    assert (facts.blank, facts.blank_reason) == (True, "no items")


def test_static_text_page_is_not_blank() -> None:
    facts = column_facts(fixture("static_text.html", "http://a.gov.cn/col/jgzn/"), TODAY, BLANK)
    assert (facts.items, facts.blank, facts.blank_reason) == (0, False, None)


def test_phrase_in_a_side_box_does_not_blank_a_dated_list() -> None:
    rows = "".join(
        f'<li><a href="/a/{n}.html">县政府召开第{n}次常务会议</a><span>2026-11-{10 + n}</span></li>'
        for n in range(4)
    )
    html = f'<body><ul class="list">{rows}</ul><div class="side"><h3>热点</h3>暂无数据</div></body>'
    facts = column_facts(parse_page(html, "http://a.gov.cn/col/x/"), TODAY, BLANK)
    assert (facts.blank, facts.items, facts.latest_update) == (False, 4, date(2026, 11, 13))


@pytest.mark.parametrize(
    ("snippet", "count", "first_next"),
    [
        ('<script>createPageHTML(7, 0, "index", "shtml");</script>', 7, "index_1.shtml"),
        ('<script>createPageHTML(7, 2, "index", "html");</script>', 7, "index_3.html"),
        ("<script>createPage(6, 1, 'list');</script>", 6, None),
        ('<a href="index_1.html">下一页</a><a href="index_11.html">尾页</a>', 12, "index_1.html"),
        ("<span>共 9 页</span>", 9, "index_1.html"),
        ("<span>第1/4页</span>", 4, "index_1.html"),
        ('<a href="?page=2">下一页</a> <a href="?page=8">末页</a>', 8, "?page=2"),
        ("<span>共1页</span>", 1, None),
        ("", None, None),
    ],
)
def test_pagination(snippet: str, count: int | None, first_next: str | None) -> None:
    url = "http://a.gov.cn/col/x/index.html"
    got_count, pages = pagination(parse_page(f"<body>{snippet}</body>", url))
    assert got_count == count
    if first_next is None:
        assert pages == [] or count == 6  # createPage alone names no page URL shape
    else:
        assert pages[0] == parse_page("", url).absolute(first_next)
        assert len(pages) <= 2


# ---- column_type -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("通知公告", ColumnType.NOTICE),
        ("政务动态", ColumnType.NEWS),
        ("工作动态", ColumnType.NEWS),
        ("人事信息", ColumnType.SHOULD_UPDATE),
        ("财政预决算", ColumnType.SHOULD_UPDATE),
        ("领导信息", ColumnType.STATIC),
        ("机构职能", ColumnType.STATIC),
        ("联系我们", ColumnType.STATIC),
        ("办事指南", ColumnType.STATIC),
        ("领导动态", ColumnType.NEWS),  # equal length: news before static
        ("政策文件", ColumnType.NOTICE),
        ("互动交流", ColumnType.OTHER),
        ("", ColumnType.OTHER),
    ],
)
def test_column_type_by_name(name: str, expected: ColumnType) -> None:
    assert column_type(name, {}, KEYWORDS) is expected


def test_longest_keyword_wins_across_types() -> None:
    keywords = {**KEYWORDS, "should_update": [*KEYWORDS["should_update"], "人事任免公告"]}
    assert column_type("人事任免公告", {}, KEYWORDS) is ColumnType.NOTICE  # 公告 vs 人事: tie
    assert column_type("人事任免公告", {}, keywords) is ColumnType.SHOULD_UPDATE


def test_metas_beat_the_link_name() -> None:
    assert column_type("信息", {"columnname": "通知公告"}, KEYWORDS) is ColumnType.NOTICE
    metas = {"columntype": "工作动态", "columnname": "通知公告"}
    assert column_type("通知公告", metas, KEYWORDS) is ColumnType.NEWS
    # a ColumnType meta that names no type falls through to ColumnName, then the link
    assert column_type("人事信息", {"columntype": "1", "columnname": ""}, KEYWORDS) is (
        ColumnType.SHOULD_UPDATE
    )
