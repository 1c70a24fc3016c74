"""`govcrawl sites import/list/export` end to end, against SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from crawler.cli import cli
from crawler.registry_file import write_registry
from crawler.site import Site, SiteStatus

HEADER = "网站标识码,网站名称,州、市/部门,主管单位,首页网址,运行状态\n"
GOOD_ROWS = [
    "5301000041,昆明市人民政府外事侨务办公室,昆明,昆明市人民政府,http://wqb.km.gov.cn/,正常运行",
    "5306250038,永善教育网,昭通,永善县教育局,http://www.ysjy.gov.cn/,正常运行",
    "5303020029,麒麟区地震局一试点,曲靖,麒麟区地震局,http://dzj.ql.gov.cn/,永久关停",
    "5325230002,云南省屏边县教育局,红河,屏边县人民政府,https://jyj.pb.gov.cn/,暂时关停",
]


def _invoke(store_url: str, *args: str) -> tuple[int, str]:
    runner = CliRunner()
    result = runner.invoke(cli, list(args), env={"GOVCRAWL_STORE__URL": store_url})
    return result.exit_code, result.output


def _listed(store_url: str) -> list[dict]:
    code, out = _invoke(store_url, "sites", "list", "--json")
    assert code == 0, out
    return json.loads(out)


def test_import_list_export_round_trip(store_url: str, tmp_path: Path) -> None:
    src = tmp_path / "sites.csv"
    src.write_text(HEADER + "\n".join(GOOD_ROWS) + "\n", encoding="utf-8")
    code, out = _invoke(store_url, "sites", "import", str(src))
    assert code == 0, out
    assert "added 4" in out
    listed = {row["code"]: row for row in _listed(store_url)}
    assert listed["5303020029"]["status"] == "permanently_closed"
    assert listed["5325230002"]["url"] == "https://jyj.pb.gov.cn/"

    code, out = _invoke(store_url, "sites", "import", str(src))
    assert "unchanged 4" in out

    exported = tmp_path / "out.xlsx"
    code, out = _invoke(store_url, "sites", "export", str(exported))
    assert code == 0, out
    code, out = _invoke(store_url, "sites", "import", str(exported))
    assert code == 0 and "unchanged 4" in out, out


def test_bad_rows_are_all_reported_and_nothing_is_stored(store_url: str, tmp_path: Path) -> None:
    good = tmp_path / "good.csv"
    good.write_text(HEADER + GOOD_ROWS[0] + "\n", encoding="utf-8")
    assert _invoke(store_url, "sites", "import", str(good))[0] == 0
    before = _listed(store_url)

    bad = tmp_path / "bad.csv"
    rows = [
        GOOD_ROWS[1],  # row 2: fine
        "53012,坏标识码网站,昆明,,http://a.km.gov.cn/,正常运行",  # row 3: bad code
        "5301000057,昆明市水政监察网,昆明,,www.kmsz.gov.cn,正常运行",  # row 4: bad URL
        "5306250038,永善教育网重复,昭通,,http://b.gov.cn/,正常运行",  # row 5: duplicate
        "5304020001,红塔教育网,玉溪,,http://c.gov.cn/,装修中",  # row 6: unknown status
        "5304000023,,玉溪,,http://d.gov.cn/,正常运行",  # row 7: missing name
    ]
    bad.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    code, out = _invoke(store_url, "sites", "import", str(bad))
    assert code != 0
    for row, column in [
        (3, "网站标识码"),
        (4, "首页网址"),
        (5, "网站标识码"),
        (6, "运行状态"),
        (7, "网站名称"),
    ]:
        assert f"row {row}, column {column}" in out, out
    assert "5 problem(s); nothing was imported" in out
    assert _listed(store_url) == before


@pytest.mark.parametrize("form", ["gbk-csv", "xlsx"])
def test_gbk_and_xlsx_import_the_same_rows(store_url: str, tmp_path: Path, form: str) -> None:
    text = HEADER + "\n".join(GOOD_ROWS) + "\n"
    utf8 = tmp_path / "utf8.csv"
    utf8.write_text(text, encoding="utf-8")
    if form == "gbk-csv":
        other = tmp_path / "gbk.csv"
        other.write_bytes(text.encode("gbk"))
    else:
        other = tmp_path / "sites.xlsx"
        from crawler.registry_file import read_registry

        write_registry(other, read_registry(utf8).sites)
    assert _invoke(store_url, "sites", "import", str(utf8))[0] == 0
    first = _listed(store_url)
    code, out = _invoke(store_url, "sites", "import", str(other))
    assert code == 0 and "unchanged 4" in out, out
    assert _listed(store_url) == first


def test_prune_deletes_only_when_asked(store_url: str, tmp_path: Path) -> None:
    full = tmp_path / "full.csv"
    full.write_text(HEADER + "\n".join(GOOD_ROWS) + "\n", encoding="utf-8")
    part = tmp_path / "part.csv"
    write_registry(
        part,
        [
            Site(
                "5301000041",
                "昆明市人民政府外事侨务办公室",
                "昆明",
                "http://wqb.km.gov.cn/",
                "昆明市人民政府",
                SiteStatus.OPEN,
            )
        ],
    )
    _invoke(store_url, "sites", "import", str(full))
    code, out = _invoke(store_url, "sites", "import", str(part))
    assert code == 0
    assert "missing from file 3" in out and len(_listed(store_url)) == 4
    code, out = _invoke(store_url, "sites", "import", "--prune", str(part))
    assert code == 0
    assert "pruned 3" in out and len(_listed(store_url)) == 1
