"""The status page's overview data, pure: which site lands in which list."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from crawler.metrics import SiteAvailability
from crawler.result import ColumnResult, HomepageResult, Problem, SiteResult
from crawler.site import Site, SiteStatus
from crawler.web.status_page import human_duration, overview

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def _site(code: str, region: str = "昭通", status: SiteStatus = SiteStatus.OPEN) -> Site:
    return Site(code=code, name=f"网站{code}", region=region, url="http://x/", status=status)


def _result(code: str, *kinds: str) -> SiteResult:
    return SiteResult(
        code=code,
        name=f"网站{code}",
        region="昭通",
        url="http://x/",
        status=SiteStatus.OPEN,
        checked_at=NOW,
        homepage=HomepageResult(latest_update=date(2026, 11, 1)),
        columns=[ColumnResult(name="通知公告", url="http://x/a", blank=True)],
        problems=[Problem(kind=k, label=k, veto=True, level="veto", detail="d") for k in kinds],
        verdict="unqualified" if kinds else "qualified",
    )


def test_lists_follow_probes_and_problems() -> None:
    sites = [
        _site("1000000001"),
        _site("1000000002", region="昆明"),
        _site("1000000003", status=SiteStatus.TEMPORARILY_CLOSED),
        _site("1000000004"),
    ]
    view = overview(
        sites,
        {
            "1000000001": _result("1000000001", "homepage_stale", "blank_columns"),
            "1000000004": _result("1000000004"),
        },
        {
            "1000000002": SiteAvailability(up=False, outage_open_seconds=90000),
            "1000000003": SiteAvailability(up=False, outage_open_seconds=90000),
            "1000000004": SiteAvailability(up=False, outage_open_seconds=0),
        },
        NOW,
        timedelta(hours=24),
    )
    codes = {key: [row.site.code for row in rows] for key, rows in view.lists.items()}
    # the longest outage first; a planned closure is not "down"
    assert codes["down"] == ["1000000002", "1000000004"]
    assert codes["report"] == ["1000000002"]
    assert view.lists["down"][1].value == "待确认"
    assert codes["homepage_stale"] == ["1000000001"]
    assert view.lists["homepage_stale"][0].value == "28 天未更新"
    assert codes["blank_columns"] == ["1000000001"]
    assert codes["unqualified"] == ["1000000001"]
    assert codes["columns_stale"] == []
    by_region = {line.region: line for line in view.regions}
    assert by_region["昭通"].registered == 3 and by_region["昭通"].unqualified == 1
    assert by_region["昆明"].down == 1

    only = overview(sites, {}, {}, NOW, timedelta(hours=24), region="昆明")
    assert only.registered == 1


def test_human_duration() -> None:
    assert human_duration(90000) == "1天1小时"
    assert human_duration(3700) == "1小时1分"
    assert human_duration(59) == "59秒"
