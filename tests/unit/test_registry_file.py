"""Registry files: the same rows in every format read the same; bad rows are all reported."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from crawler.divisions import (
    canonical_region,
    county_name,
    is_division_code,
    region_of_code,
    region_order,
)
from crawler.registry_file import (
    RegistryFileError,
    RowProblem,
    clean_cell,
    read_registry,
    write_registry,
)
from crawler.site import Site, SiteStatus

HEADER = ["网站标识码", "网站名称", "州、市/部门", "主管单位", "首页网址", "运行状态"]
ROWS = [
    ["5301000041", "昆明市人民政府", "昆明", "昆明市政府办", "http://www.km.gov.cn/", "正常运行"],
    ["5325280001", "元阳县人民政府", "红河", "元阳县政府办", "http://www.yy.hh.gov.cn/", ""],
    ["5328010003", "景洪市教育局", "", "景洪市教育局", "https://jyj.jhs.gov.cn/", "暂时关停"],
    ["5300000012", "云南省统计局", "", "云南省统计局", "http://stats.yn.gov.cn/", "永久关停"],
    ["5303810002", "宣威市人民政府", "曲靖市", "", "http://www.xw.gov.cn/index.html", "正常"],
]  # fmt: skip
EXPECTED = [
    Site("5301000041", "昆明市人民政府", "昆明", "http://www.km.gov.cn/", "昆明市政府办"),
    Site("5325280001", "元阳县人民政府", "红河", "http://www.yy.hh.gov.cn/", "元阳县政府办"),
    Site("5328010003", "景洪市教育局", "西双版纳", "https://jyj.jhs.gov.cn/", "景洪市教育局",
         SiteStatus.TEMPORARILY_CLOSED),
    Site("5300000012", "云南省统计局", "省直部门", "http://stats.yn.gov.cn/", "云南省统计局",
         SiteStatus.PERMANENTLY_CLOSED),
    Site("5303810002", "宣威市人民政府", "曲靖", "http://www.xw.gov.cn/index.html", ""),
]  # fmt: skip


def _csv_text(rows: list[list[str]], header: list[str] = HEADER, sep: str = ",") -> str:
    return "\r\n".join(sep.join(r) for r in [header, *rows]) + "\r\n"


def _xlsx(path: Path, rows: list[list[object]], header: list[str] = HEADER) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def _read_ok(path: Path) -> list[Site]:
    read = read_registry(path)
    assert read.problems == []
    return read.sites


# ---- formats -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("suffix", "encoding"),
    [(".csv", "utf-8"), (".csv", "utf-8-sig"), (".csv", "gbk"), (".csv", "gb2312"), (".xlsx", "")],
)
def test_every_format_reads_the_same_rows(tmp_path: Path, suffix: str, encoding: str) -> None:
    path = tmp_path / f"sites{suffix}"
    if suffix == ".xlsx":
        _xlsx(path, ROWS)
    else:
        path.write_bytes(_csv_text(ROWS).encode(encoding))
    assert _read_ok(path) == EXPECTED


def test_gbk_characters_outside_gb2312_decode(tmp_path: Path) -> None:
    # 镕 is in GBK but not GB2312; Excel's "CSV" on a Chinese Windows writes it as GBK.
    rows = [["5301000041", "朱镕基同志纪念网", "昆明", "", "http://a.km.gov.cn/", ""]]
    path = tmp_path / "sites.csv"
    path.write_bytes(_csv_text(rows).encode("gbk"))
    assert _read_ok(path)[0].name == "朱镕基同志纪念网"


@pytest.mark.parametrize("sep", ["\t", ";"])
def test_tab_and_semicolon_delimiters(tmp_path: Path, sep: str) -> None:
    path = tmp_path / "sites.csv"
    path.write_text(_csv_text(ROWS, sep=sep), encoding="utf-8")
    assert _read_ok(path) == EXPECTED


def test_utf16_unicode_text_export(tmp_path: Path) -> None:
    path = tmp_path / "sites.txt"
    path.write_text(_csv_text(ROWS, sep="\t"), encoding="utf-16")
    assert _read_ok(path) == EXPECTED


def test_numeric_xlsx_codes_read_as_text(tmp_path: Path) -> None:
    rows: list[list[object]] = [
        [5301000041, "a", "", "", "http://a.gov.cn/", None],
        [5325280001.0, "b", None, None, "http://b.gov.cn/", None],
    ]
    sites = _read_ok(_xlsx(tmp_path / "sites.xlsx", rows))
    assert [s.code for s in sites] == ["5301000041", "5325280001"]
    assert [s.region for s in sites] == ["昆明", "红河"]


def test_csv_codes_spoiled_by_spreadsheets(tmp_path: Path) -> None:
    rows = [["5301000041.0", "a", "", "", "http://a.gov.cn/", ""],
            ['="5325280001"', "b", "", "", "http://b.gov.cn/", ""],
            ["5.30100E+09", "c", "", "", "http://c.gov.cn/", ""]]  # fmt: skip
    path = tmp_path / "sites.csv"
    path.write_text(_csv_text(rows), encoding="utf-8")
    read = read_registry(path)
    assert [s.code for s in read.sites] == ["5301000041", "5325280001"]
    assert len(read.problems) == 1
    assert "format the column as text" in read.problems[0].message


def test_whitespace_and_empty_rows(tmp_path: Path) -> None:
    rows: list[list[object]] = [
        ["\u3000 5301000041 ", "\ufeff昆明市人民政府\u3000", " 昆明 ", "",
         " http://km.gov.cn/\xa0", ""],
        [None, None, None, None, None, None],
        ["", "  ", "\u3000", "", "", ""],
        ["5325280001", "元阳县人民政府", "红河", "", "http://www.yy.hh.gov.cn/", "正常运行"],
    ]  # fmt: skip
    sites = _read_ok(_xlsx(tmp_path / "sites.xlsx", rows))
    assert [(s.code, s.name, s.url) for s in sites] == [
        ("5301000041", "昆明市人民政府", "http://km.gov.cn/"),
        ("5325280001", "元阳县人民政府", "http://www.yy.hh.gov.cn/"),
    ]


@pytest.mark.parametrize(
    "header",
    [
        ["code", "name", "region", "department", "url", "status"],
        [" Code ", "NAME", "Region", "Department", "URL", "Status"],
        ["网站标识码", "网站名称", "州市/部门", "主管单位", "网址", "运行状态"],
        ["网站 标识码", "网站名称", "州、市", "主管单位", "网站地址", "运行状态"],
        ["网站标识码", "网站名称", "地区", "主管单位", "首页地址", "运行状态"],
        ["网站标识码", "网站名称", "州（市）／部门", "主管单位", "首页网址", "运行状态"],
    ],
)
def test_header_variants(tmp_path: Path, header: list[str]) -> None:
    path = tmp_path / "sites.csv"
    path.write_text(_csv_text(ROWS, header=header), encoding="utf-8")
    assert _read_ok(path) == EXPECTED


def test_columns_in_any_order_with_extra_columns_and_a_title_row(tmp_path: Path) -> None:
    text = (
        "云南省政府网站名录,,,,\n"
        "序号,首页网址,网站名称,网站标识码,备注\n"
        "1,http://www.km.gov.cn/,昆明市人民政府,5301000041,\n"
        "2,http://www.yy.hh.gov.cn/,元阳县人民政府,5325280001,县级\n"
    )
    path = tmp_path / "sites.csv"
    path.write_text(text, encoding="utf-8")
    sites = _read_ok(path)
    assert [(s.code, s.region, s.status) for s in sites] == [
        ("5301000041", "昆明", SiteStatus.OPEN),
        ("5325280001", "红河", SiteStatus.OPEN),
    ]


def test_english_status_words(tmp_path: Path) -> None:
    rows = [["5301000041", "a", "", "", "http://a.gov.cn/", "Temporarily_Closed"],
            ["5301000042", "b", "", "", "http://b.gov.cn/", "permanently closed"],
            ["5301000043", "c", "", "", "http://c.gov.cn/", "OPEN"]]  # fmt: skip
    path = tmp_path / "sites.csv"
    path.write_text(_csv_text(rows), encoding="utf-8")
    assert [s.status for s in _read_ok(path)] == [
        SiteStatus.TEMPORARILY_CLOSED,
        SiteStatus.PERMANENTLY_CLOSED,
        SiteStatus.OPEN,
    ]


# ---- row problems ----------------------------------------------------------------------


def test_five_bad_rows_give_exactly_five_problems(tmp_path: Path) -> None:
    rows = [
        ["5301000041", "昆明市人民政府", "昆明", "", "http://www.km.gov.cn/", ""],  # row 2
        ["53012", "坏代码", "昆明", "", "http://a.km.gov.cn/", ""],  # row 3: bad code
        ["5301000042", "坏网址", "昆明", "", "www.b.km.gov.cn", ""],  # row 4: bad url
        ["5325280001", "元阳县人民政府", "红河", "", "http://www.yy.hh.gov.cn/", ""],  # row 5
        ["5301000041", "重复", "昆明", "", "http://c.km.gov.cn/", ""],  # row 6: duplicate
        ["5301000043", "未知状态", "昆明", "", "http://d.km.gov.cn/", "停用"],  # row 7
        ["5301000044", "", "昆明", "", "http://e.km.gov.cn/", ""],  # row 8: no name
        ["5301000045", "好的", "昆明", "", "https://f.km.gov.cn/", "正常运行"],  # row 9
    ]
    path = tmp_path / "sites.csv"
    path.write_text(_csv_text(rows), encoding="utf-8")
    read = read_registry(path)
    assert [(p.row, p.column, p.value) for p in read.problems] == [
        (3, "网站标识码", "53012"),
        (4, "首页网址", "www.b.km.gov.cn"),
        (6, "网站标识码", "5301000041"),
        (7, "运行状态", "停用"),
        (8, "网站名称", ""),
    ]
    assert str(read.problems[0]) == (
        'sites.csv row 3, column 网站标识码: "53012" is not a 10-digit site code'
    )
    assert 'did you mean "http://www.b.km.gov.cn/"' in read.problems[1].message
    assert read.problems[2].message == "duplicates row 2"
    assert [s.code for s in read.sites] == ["5301000041", "5325280001", "5301000045"]


def test_every_problem_of_a_row_is_reported(tmp_path: Path) -> None:
    rows = [["5399000001", "", "", "", "ftp://x.gov.cn/", "关了"]]
    path = tmp_path / "sites.csv"
    path.write_text(_csv_text(rows), encoding="utf-8")
    problems = read_registry(path).problems
    assert [(p.row, p.column) for p in problems] == [
        (2, "网站标识码"),
        (2, "网站名称"),
        (2, "首页网址"),
        (2, "运行状态"),
    ]


def test_problem_columns_use_the_files_own_headers(tmp_path: Path) -> None:
    path = tmp_path / "sites.csv"
    path.write_text("Code,Name,URL\n123,x,http://x.gov.cn/\n", encoding="utf-8")
    (problem,) = read_registry(path).problems
    assert str(problem) == 'sites.csv row 2, column Code: "123" is not a 10-digit site code'


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("530100004", "is not a 10-digit site code"),
        ("53010000411", "is not a 10-digit site code"),
        ("530100004x", "is not a 10-digit site code"),
        ("5401000041", "does not start with the province's code 53"),
        ("5302000041", "5302"),  # no prefecture 5302
        ("5301990041", "530199"),  # no such county in Kunming
        ("5300010041", "530001"),
    ],
)
def test_bad_codes(tmp_path: Path, code: str, message: str) -> None:
    path = tmp_path / "sites.csv"
    path.write_text(_csv_text([[code, "x", "昆明", "", "http://x.gov.cn/", ""]]), encoding="utf-8")
    (problem,) = read_registry(path).problems
    assert problem.column == "网站标识码"
    assert message in problem.message


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("www.x.gov.cn", 'did you mean "http://www.x.gov.cn/"'),
        ("www.x.gov.cn/index.html", 'did you mean "http://www.x.gov.cn/index.html"'),
        ("www.x.gov.cn:8080/", 'did you mean "http://www.x.gov.cn:8080/"'),
        ("ftp://x.gov.cn/", "is not an http or https address"),
        ("http:///path", "has no host name"),
        ("http://x.gov.cn:port/", "is not a valid address"),
        ("http://x gov.cn/", "contains spaces"),
        ("", "the homepage address is blank"),
        ("首页", "is not an http or https address"),
    ],
)
def test_bad_urls(tmp_path: Path, url: str, fragment: str) -> None:
    path = tmp_path / "sites.csv"
    path.write_text(_csv_text([["5301000041", "x", "昆明", "", url, ""]]), encoding="utf-8")
    (problem,) = read_registry(path).problems
    assert problem.column == "首页网址"
    assert fragment in problem.message


def test_another_province_needs_its_region_written(tmp_path: Path) -> None:
    rows = [["4401000001", "广州", "", "", "http://www.gz.gov.cn/", ""],
            ["4401000002", "广州", "广州", "", "http://a.gz.gov.cn/", ""]]  # fmt: skip
    path = tmp_path / "sites.csv"
    path.write_text(_csv_text(rows), encoding="utf-8")
    read = read_registry(path, province_prefix="44")
    assert [(p.row, p.column) for p in read.problems] == [(2, "州、市/部门")]
    assert [s.region for s in read.sites] == ["广州"]


# ---- whole-file problems -------------------------------------------------------------


def test_missing_required_columns_are_named(tmp_path: Path) -> None:
    path = tmp_path / "sites.csv"
    path.write_text("网站标识码,州、市/部门\n5301000041,昆明\n", encoding="utf-8")
    with pytest.raises(RegistryFileError) as err:
        read_registry(path)
    assert "sites.csv" in str(err.value)
    assert "网站名称 (name)" in str(err.value)
    assert "首页网址 (url)" in str(err.value)


@pytest.mark.parametrize(
    ("name", "content", "fragment"),
    [
        ("sites.csv", b"", "empty"),
        ("sites.csv", b",,,\r\n \r\n", "empty"),
        ("sites.csv", "网站标识码,网站名称,首页网址\n".encode(), "no sites"),
        ("sites.csv", b"a,b,c\n1,2,3\n", "no header"),
        ("sites.json", b"[]", "unknown file type"),
        ("sites.xls", b"\xd0\xcf\x11\xe0", ".xlsx or .csv"),
        ("sites.xlsx", b"not a zip", "not a readable .xlsx"),
        ("sites.csv", b"\xef\xbb\xbf\xff\xfe", "not valid utf-8-sig"),
        ("sites.csv", "网站标识码,网址,首页网址\n".encode(), "keep one"),
    ],
)
def test_whole_file_errors(tmp_path: Path, name: str, content: bytes, fragment: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(RegistryFileError) as err:
        read_registry(path)
    assert name in str(err.value)
    assert fragment in str(err.value)


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(RegistryFileError, match="cannot read"):
        read_registry(tmp_path / "missing.csv")


# ---- writing -------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_round_trip(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"out{suffix}"
    write_registry(path, EXPECTED)
    assert _read_ok(path) == EXPECTED


def test_written_csv_is_utf8_with_bom_and_chinese(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    write_registry(path, EXPECTED[:3])
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    lines = data.decode("utf-8-sig").splitlines()
    assert lines[0] == ",".join(HEADER)
    assert lines[3].endswith(",暂时关停")


def test_written_xlsx_keeps_codes_as_text(tmp_path: Path) -> None:
    path = tmp_path / "out.xlsx"
    write_registry(path, EXPECTED)
    ws = load_workbook(path).active
    assert [c.value for c in ws[1]] == HEADER
    assert ws["A2"].value == "5301000041"
    assert ws["A2"].number_format == "@"
    assert ws["F5"].value == "永久关停"
    assert ws.column_dimensions["B"].width >= 14  # 宣威市人民政府: 7 CJK characters


def test_write_refuses_unknown_suffix(tmp_path: Path) -> None:
    with pytest.raises(RegistryFileError, match=r"out\.json"):
        write_registry(tmp_path / "out.json", EXPECTED)
    assert not list(tmp_path.iterdir())


def _many_sites(n: int) -> list[Site]:
    prefixes = ["530100", "530381", "530423", "530625", "532523", "532801", "530000"]
    return [
        Site(f"{prefixes[i % len(prefixes)]}{i:04d}", f"网站{i}", "", f"http://s{i}.yn.gov.cn/")
        for i in range(n)
    ]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_1900_rows_read_fast(tmp_path: Path, suffix: str) -> None:
    sites = [Site(s.code, s.name, region_of_code(s.code) or "", s.url) for s in _many_sites(1900)]
    path = tmp_path / f"many{suffix}"
    write_registry(path, sites)
    start = time.perf_counter()
    read = read_registry(path)
    elapsed = time.perf_counter() - start
    assert read.problems == []
    assert read.sites == sites
    assert elapsed < 1.0


# ---- pieces --------------------------------------------------------------------------


def test_clean_cell() -> None:
    assert clean_cell(5301000041) == "5301000041"
    assert clean_cell(5301000041.0) == "5301000041"
    assert clean_cell(1.5) == "1.5"
    assert clean_cell(None) == ""
    assert clean_cell("\u3000 a b\u3000") == "a b"
    assert clean_cell("\u200b a") == "a"


def test_row_problem_without_value() -> None:
    problem = RowProblem("a.xlsx", 8, "网站名称", "", "the site name is blank")
    assert str(problem) == "a.xlsx row 8, column 网站名称: the site name is blank"


def test_divisions() -> None:
    order = region_order()
    assert order[:3] == ["昆明", "曲靖", "玉溪"]
    assert order[-2:] == ["迪庆", "省直部门"]
    assert len(order) == 17
    assert region_of_code("5325280001") == "红河"
    assert region_of_code("530000") == "省直部门"
    assert region_of_code("5399000001") is None
    assert region_of_code("44") is None
    assert county_name("532528") == "元阳县"
    assert canonical_region("红河哈尼族彝族自治州") == "红河"
    assert canonical_region("某地") == "某地"
    for six in ("530000", "530100", "532523", "532801", "530381", "530423", "530625"):
        assert is_division_code(six)
    assert is_division_code("530422")  # 澄江县: retired, but codes issued under it remain
    for six in ("530001", "530200", "539900", "540100", "53010", "5301a0", "530199"):
        assert not is_division_code(six)
    assert is_division_code("440103", province_prefix="44")
    assert not is_division_code("530100", province_prefix="44")
