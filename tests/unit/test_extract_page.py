from pathlib import Path

from crawler.extract.page import TEXT_LIMIT, parse_page

PAGES = Path(__file__).parents[1] / "fixtures" / "pages"


def test_metas_are_lowercased_and_the_first_non_empty_wins() -> None:
    page = parse_page(
        '<html><head><meta name="SiteIDCode" content="">'
        '<meta name="SiteIDCode" content=" 5325230001 ">'
        '<meta name="ColumnName" content="通知公告">'
        '<meta property="og:title" content="t"></head><body></body></html>',
        "http://a.gov.cn/",
    )
    assert page.metas["siteidcode"] == "5325230001"
    assert page.metas["columnname"] == "通知公告"
    assert page.metas["og:title"] == "t"


def test_text_has_no_script_style_or_comment() -> None:
    page = parse_page(
        "<html><head><title> 标题 </title><style>.a{color:red}</style></head><body>"
        "<p>正文</p><script>var secret = 1;</script><!-- 注释 --><noscript>请启用脚本</noscript>"
        "</body></html>",
        "http://a.gov.cn/",
    )
    assert page.title == "标题"
    assert "正文" in page.text
    for hidden in ("secret", "color", "注释", "请启用脚本"):
        assert hidden not in page.text
    assert page.scripts[0].code.strip() == "var secret = 1;"
    assert ".a{color:red}" in page.styles


def test_scripts_keep_their_attributes() -> None:
    page = parse_page(
        '<body><script id="_jiucuo_" sitecode="1" src="https://x/exposure/jiucuo.js"></script></body>',
        "http://a.gov.cn/",
    )
    (script,) = page.scripts
    assert script.src == "https://x/exposure/jiucuo.js"
    assert script.attrs["sitecode"] == "1"


def test_refresh_meta_in_any_case() -> None:
    page = parse_page(
        '<HEAD><META HTTP-EQUIV="Refresh" CONTENT="0;url=/portal/"></HEAD>', "http://a.gov.cn/"
    )
    assert page.refresh == "0;url=/portal/"


def test_absolute_links_honour_base_and_drop_fragments() -> None:
    page = parse_page('<head><base href="http://a.gov.cn/sub/"></head>', "http://a.gov.cn/x/y.html")
    assert page.absolute("t1.html#top") == "http://a.gov.cn/sub/t1.html"
    assert page.absolute("/col/1/") == "http://a.gov.cn/col/1/"
    assert page.absolute("../a/./b.html") == "http://a.gov.cn/a/b.html"
    assert page.absolute("//cdn.gov.cn/a.html") == "http://cdn.gov.cn/a.html"
    assert page.absolute("https://b.gov.cn/") == "https://b.gov.cn/"


def test_text_is_capped() -> None:
    page = parse_page("<p>" + "字" * (TEXT_LIMIT + 10) + "</p>", "http://a.gov.cn/")
    assert len(page.text) == TEXT_LIMIT


def test_gbk_fixture_reads_after_gb18030_decoding() -> None:
    raw = (PAGES / "gbk_home.html").read_bytes()
    page = parse_page(raw.decode("gb18030"), "http://ghj.xuanwei.gov.cn/")
    assert page.metas["sitename"] == "宣威市规划局"
    assert "李喆局长" in page.text  # 喆 is GBK, not GB2312
