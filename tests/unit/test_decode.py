"""decode_html: declared, mislabelled, undeclared and damaged Chinese pages."""

from __future__ import annotations

import codecs

import pytest

from crawler.decode import (
    charset_from_content_type,
    charset_from_meta,
    choose_encoding,
    decode_html,
    normalize_charset,
)

TEXT = "云南省人民政府门户网站 政务公开 通知公告 2017年2月10日"


def page(meta: str = "", text: str = TEXT) -> str:
    return f"<html><head>{meta}<title>首页</title></head><body><p>{text}</p></body></html>"


@pytest.mark.parametrize(
    "label",
    ["gb2312", "GB2312", "gbk", "GBK", "x-gbk", "GB_2312-80", "cp936", "gb18030", "'gbk'"],
)
def test_gb_family_reads_as_gb18030(label: str) -> None:
    assert normalize_charset(label) == "gb18030"


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("UTF-8", "utf-8"),
        ("utf8", "utf-8"),
        ("big5", "big5"),
        ("no-such-charset", None),
        ("", None),
    ],
)
def test_normalize_charset(label: str, expected: str | None) -> None:
    assert normalize_charset(label) == expected


def test_charset_from_content_type() -> None:
    assert charset_from_content_type('text/html; charset="GBK"') == "gb18030"
    assert charset_from_content_type("text/html;charset=utf-8") == "utf-8"
    assert charset_from_content_type("text/html") is None
    assert charset_from_content_type(None) is None


@pytest.mark.parametrize(
    "meta",
    [
        '<meta charset="gb2312">',
        "<META CHARSET=gbk>",
        '<meta http-equiv="Content-Type" content="text/html; charset=gb2312" />',
        "<meta content='text/html;charset=GBK' http-equiv='content-type'>",
    ],
)
def test_meta_forms(meta: str) -> None:
    assert charset_from_meta(page(meta).encode("gbk")) == "gb18030"


def test_meta_beyond_prescan_window_is_ignored() -> None:
    body = b"<!--" + b" " * 5000 + b'--><meta charset="gbk">'
    assert charset_from_meta(body) is None


def test_declared_and_true() -> None:
    body = page('<meta charset="gbk">').encode("gbk")
    assert decode_html(body, "text/html; charset=gbk") == (page('<meta charset="gbk">'), "gb18030")


def test_header_utf8_but_bytes_gbk() -> None:
    text, encoding = decode_html(page().encode("gbk"), "text/html; charset=utf-8")
    assert (encoding, TEXT in text) == ("gb18030", True)


def test_header_gbk_but_bytes_utf8() -> None:
    meta = '<meta charset="utf-8">'
    text, encoding = decode_html(page(meta).encode("utf-8"), "text/html; charset=gb2312")
    assert (encoding, TEXT in text) == ("utf-8", True)


def test_meta_gbk_but_bytes_utf8() -> None:
    text, encoding = decode_html(page('<meta charset="gb2312">').encode("utf-8"), None)
    assert (encoding, TEXT in text) == ("utf-8", True)


def test_iso_8859_1_default_on_a_chinese_page() -> None:
    text, encoding = decode_html(page().encode("gbk"), "text/html; charset=ISO-8859-1")
    assert (encoding, TEXT in text) == ("gb18030", True)


def test_no_declaration_gbk() -> None:
    assert decode_html(page().encode("gbk"), "text/html")[1] == "gb18030"


def test_no_declaration_utf8() -> None:
    assert decode_html(page().encode("utf-8"), None)[1] == "utf-8"


def test_gbk_with_invalid_bytes_keeps_the_chinese() -> None:
    body = page().encode("gbk").replace(b"<p>", b"<p>\xff \x80 ")
    text, encoding = decode_html(body, "text/html; charset=utf-8")
    assert encoding == "gb18030"
    assert TEXT in text
    assert text.count("\ufffd") == 2


def test_utf8_with_a_cut_character_stays_utf8() -> None:
    # CMS templates cut titles by bytes, leaving half a character behind.
    broken = "通知公告".encode()[:-1]
    body = page().encode("utf-8").replace(b"<p>", b"<p>" + broken + b" ")
    text, encoding = decode_html(body, "text/html")
    assert encoding == "utf-8"
    assert TEXT in text


def test_body_cut_mid_character_is_still_clean() -> None:
    body = page().encode("gbk")
    cut = body[: body.index(b"</p>") - 1]  # half of the last GBK character
    assert choose_encoding(cut, "text/html; charset=gbk") == "gb18030"


def test_latin1_page_that_is_latin1() -> None:
    body = "<p>café au lait, très bien, déjà vu</p>".encode("latin-1")
    text, encoding = decode_html(body, "text/html; charset=iso-8859-1")
    assert "café" in text
    assert encoding == "iso8859-1"


@pytest.mark.parametrize(
    ("bom", "codec"),
    [
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ],
)
def test_bom_wins(bom: bytes, codec: str) -> None:
    text, encoding = decode_html(bom + page().encode(codec), "text/html; charset=gbk")
    assert (text, encoding) == (page(), codec)


def test_ascii_only_uses_the_declared_name() -> None:
    assert decode_html(b"<p>hello</p>", "text/html; charset=gb2312") == ("<p>hello</p>", "gb18030")


def test_empty() -> None:
    assert decode_html(b"", None) == ("", "utf-8")


def test_garbage_never_raises() -> None:
    body = bytes(range(256)) * 50
    text, encoding = decode_html(body, "text/html; charset=utf-8")
    assert text
    assert encoding
