"""The farm's catalog, truth and pages are pure and agree with each other."""

from __future__ import annotations

import ipaddress
import json
import re
from datetime import date, timedelta

import pytest

from crawler.farm.catalog import CONDITIONS, FarmSite, build_catalog, site_address
from crawler.farm.pages import format_date
from crawler.farm.routes import route
from crawler.farm.truth import ground_truth
from crawler.site import SiteStatus

TODAY = date(2026, 3, 16)
PREFECTURES = {"5300", "5301", "5303", "5304", "5305", "5306", "5307", "5308", "5309",
               "5323", "5325", "5326", "5328", "5329", "5331", "5333", "5334"}  # fmt: skip


@pytest.fixture(scope="module")
def catalog() -> list[FarmSite]:
    return build_catalog(1900)


@pytest.fixture(scope="module")
def truths(catalog: list[FarmSite]) -> dict[str, dict]:
    return {fs.code: ground_truth(fs, TODAY) for fs in catalog}


def _with(catalog: list[FarmSite], condition: str) -> list[FarmSite]:
    return [fs for fs in catalog if condition in fs.conditions]


def _kinds(truth: dict) -> dict[str, dict]:
    return {p["kind"]: p for p in truth["expected_problems"]}


def test_catalog_is_deterministic_and_prefix_stable(catalog: list[FarmSite]) -> None:
    assert build_catalog(40) == build_catalog(40)
    assert build_catalog(40) == catalog[:40]
    assert build_catalog(40, seed=1) != build_catalog(40)
    assert build_catalog(3, port=9000)[0].url.endswith(":9000/")


def test_codes_are_unique_and_shaped_like_yunnan_codes(catalog: list[FarmSite]) -> None:
    codes = [fs.code for fs in catalog]
    assert len(set(codes)) == 1900
    for fs in catalog:
        assert re.fullmatch(r"53\d{8}", fs.code), fs.code
        assert fs.code[:4] in PREFECTURES
        county = int(fs.code[4:6])
        assert county == 0 or 1 <= county <= 30
        assert fs.code[6:] != "0000"
        assert (fs.code[:4] == "5300") == (fs.site.region == "省直部门")
        assert fs.site.name and fs.site.department


def test_addresses_are_loopback_and_skip_network_and_broadcast_octets(
    catalog: list[FarmSite],
) -> None:
    addresses = [fs.address for fs in catalog]
    assert addresses[0] == "127.1.0.1"
    assert len(set(addresses)) == len(addresses)
    for address in addresses:
        ip = ipaddress.IPv4Address(address)
        assert ip.is_loopback and address != "127.0.0.1"
        assert address.split(".")[3] not in ("0", "255")
    assert site_address(253) == "127.1.0.254" and site_address(254) == "127.1.1.1"
    assert all(fs.url == f"http://{fs.address}:8800/" for fs in catalog)


def test_first_40_sites_cover_every_condition(catalog: list[FarmSite]) -> None:
    seen = {c for fs in catalog[:40] for c in fs.conditions}
    assert seen == set(CONDITIONS)


def test_mix_of_the_full_catalog(catalog: list[FarmSite]) -> None:
    healthy = sum(fs.conditions == {"healthy"} for fs in catalog)
    assert 0.5 < healthy / len(catalog) < 0.7
    gbk = [fs for fs in catalog if fs.encoding == "gbk"]
    assert 0.2 < len(gbk) / len(catalog) < 0.4
    assert any(fs.charset_header is None for fs in gbk)  # the meta tag decides
    assert any(fs.charset_header == "gb2312" and fs.charset_meta == "utf-8" for fs in gbk)
    for condition in CONDITIONS:
        assert len(_with(catalog, condition)) >= 10, condition


def test_truth_is_json_and_dated_for_today(catalog: list[FarmSite]) -> None:
    fs = catalog[0]
    truth = ground_truth(fs, TODAY)
    assert json.loads(json.dumps(truth, ensure_ascii=False)) == truth
    later = ground_truth(fs, TODAY + timedelta(days=10))
    assert date.fromisoformat(later["homepage_latest_update"]) - date.fromisoformat(
        truth["homepage_latest_update"]
    ) == timedelta(days=10)


def test_healthy_sites_have_no_problems(catalog: list[FarmSite], truths: dict) -> None:
    for fs in _with(catalog, "healthy"):
        truth = truths[fs.code]
        assert truth["expected_problems"] == [], fs.code
        assert truth["expected_verdict"] == "qualified"
        assert truth["entries"] == {"zhaocuo": True, "exposure": True}
        assert truth["site_id_code_on_page"] == fs.code


def test_blank_columns_veto_at_five(catalog: list[FarmSite], truths: dict) -> None:
    counts = set()
    for fs in _with(catalog, "blank_columns"):
        truth = truths[fs.code]
        blank = [c for c in truth["columns"] if c["blank"]]
        counts.add(len(blank))
        problem = _kinds(truth)["blank_columns"]
        assert problem["count"] == len(blank)
        assert problem["veto"] is (len(blank) >= 5)
        assert not any(c["stale"] for c in blank)  # blank is not also stale
        if len(blank) >= 5:
            assert truth["expected_verdict"] == "unqualified"
    assert 3 in counts and counts & {5, 6, 7}


def test_stale_columns_veto_at_five(catalog: list[FarmSite], truths: dict) -> None:
    counts = set()
    for fs in _with(catalog, "columns_stale"):
        truth = truths[fs.code]
        stale = [c for c in truth["columns"] if c["stale"] and c["type"] in ("news", "notice")]
        counts.add(len(stale))
        assert _kinds(truth)["columns_stale"]["veto"] is (len(stale) >= 5)
        for column in stale:
            if column["latest_update"] is not None:  # undated columns are stale too
                age = (TODAY - date.fromisoformat(column["latest_update"])).days
                assert age > (14 if column["type"] == "news" else 183)
    assert {4, 5} <= counts


def test_stale_homepages(catalog: list[FarmSite], truths: dict) -> None:
    for fs in _with(catalog, "homepage_stale"):
        truth = truths[fs.code]
        age = (TODAY - date.fromisoformat(truth["homepage_latest_update"])).days
        assert 20 <= age <= 203
        assert _kinds(truth)["homepage_stale"]["veto"] is True


def test_availability_and_closure(catalog: list[FarmSite], truths: dict) -> None:
    for condition in ("unreachable_refuse", "unreachable_hang", "unreachable_500"):
        for fs in _with(catalog, condition):
            truth = truths[fs.code]
            assert truth["reachable"] is False
            assert truth["expected_problems"] == [{"kind": "site_unreachable", "veto": True}]
            assert truth["columns"] == [] and truth["homepage_latest_update"] is None
            switched_on = ground_truth(fs, TODAY, reachable=True)  # what "normal" mode shows
            assert switched_on["columns"] and switched_on["expected_verdict"] == "qualified"
    for fs in _with(catalog, "closed_site_online"):
        assert fs.status is SiteStatus.PERMANENTLY_CLOSED
        assert _kinds(truths[fs.code])["closed_site_online"]["veto"] is True
    for fs in _with(catalog, "closed_site_offline"):
        assert fs.status is SiteStatus.PERMANENTLY_CLOSED and fs.initial_mode == "refuse"
        assert truths[fs.code]["expected_problems"] == []
        assert truths[fs.code]["expected_verdict"] == "not_checked"
    for fs in _with(catalog, "temporarily_closed"):
        assert fs.status is SiteStatus.TEMPORARILY_CLOSED
        assert truths[fs.code]["expected_verdict"] == "not_checked"


def test_entries_and_site_codes(catalog: list[FarmSite], truths: dict) -> None:
    for fs in _with(catalog, "missing_zhaocuo"):
        truth = truths[fs.code]
        assert truth["entries"]["zhaocuo"] is False and "missing_zhaocuo_entry" in _kinds(truth)
    for fs in _with(catalog, "missing_exposure"):
        truth = truths[fs.code]
        assert truth["entries"]["exposure"] is False and "missing_exposure_entry" in _kinds(truth)
    for fs in _with(catalog, "wrong_sitecode"):
        truth = truths[fs.code]
        assert truth["zhaocuo_sitecode"] not in (None, fs.code)
        assert truth["site_id_code_on_page"] == fs.code
        assert _kinds(truth)["site_id_code_missing"]["veto"] is False
    for fs in _with(catalog, "missing_sitecode"):
        truth = truths[fs.code]
        assert truth["site_id_code_on_page"] is None and "site_id_code_missing" in _kinds(truth)
    forms = {fs.zhaocuo_form for fs in catalog[:40]}
    assert {"script", "legacy", "loader", "span_img", "link_text", "img_alt", "comment"} <= forms


def test_links_and_spam(catalog: list[FarmSite], truths: dict) -> None:
    for fs in _with(catalog, "broken_links"):
        truth = truths[fs.code]
        kinds = {link["kind"] for link in truth["broken_links"]}
        assert {"http404", "http500", "soft404", "dead_host", "refused_port"} <= kinds
        assert {link["status"] for link in truth["not_broken_links"]} == {401, 403}
        assert _kinds(truth)["broken_links"] == {
            "kind": "broken_links",
            "veto": False,
            "count": len(truth["broken_links"]),
        }
    for fs in _with(catalog, "redirect_loop"):
        assert any(b["error"] == "redirect_loop" for b in truths[fs.code]["broken_links"])
    for fs in _with(catalog, "hidden_spam"):
        truth = truths[fs.code]
        assert truth["spam_links"] and _kinds(truth)["severe_error"]["veto"] is True
    for fs in catalog:
        truth = truths[fs.code]
        assert bool(truth["link_traps"]) is ("link_trap" in fs.conditions)
        assert bool(truth["huge_pages"]) is ("huge_page" in fs.conditions)
        assert bool(truth["slow_pages"]) is ("slow_drip" in fs.conditions)


def test_navigation_only_homepages_take_the_newest_column(
    catalog: list[FarmSite], truths: dict
) -> None:
    for fs in _with(catalog, "navigation_only"):
        truth = truths[fs.code]
        assert truth["navigation_only"] is True and truth["homepage_dated_items"] == 0
        dates = [c["latest_update"] for c in truth["columns"] if c["latest_update"]]
        assert truth["homepage_latest_update"] == max(dates)


def test_pages_are_pure(catalog: list[FarmSite]) -> None:
    fs = catalog[2]
    assert route(fs, "/", "", TODAY) == route(fs, "/", "", TODAY)
    assert route(fs, "/", "", TODAY).body != route(fs, "/", "", TODAY + timedelta(days=1)).body
    assert route(fs, "/no/such/page.html", "", TODAY).status == 404


@pytest.mark.parametrize(
    ("style", "text"),
    [
        ("iso", "2017-02-10"),
        ("slash", "2017/2/10"),
        ("dot", "2017.02.10"),
        ("cn", "2017年2月10日"),
        ("bracket", "[2017-02-10]"),
        ("url_only", ""),
    ],
)
def test_date_shapes(style: str, text: str) -> None:
    assert format_date(date(2017, 2, 10), style, TODAY) == text
    assert format_date(date(2026, 2, 10), "bracket", TODAY) == "[02-10]"  # year implied
