"""Per-site series from a snapshot, fleet counters, and the exposition text format."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from prometheus_client.parser import text_string_to_metric_families

from crawler import metrics
from crawler.metrics import SiteAvailability, SiteCollector, build_snapshot, exposition
from crawler.result import BrokenLink, ColumnResult, HomepageResult, Problem, SiteResult
from crawler.site import Site, SiteStatus

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 29, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai


def _site(code: str, region: str = "昭通", status: SiteStatus = SiteStatus.OPEN) -> Site:
    return Site(code=code, name="永善县人民政府", region=region, url="http://x/", status=status)


def _result(code: str) -> SiteResult:
    return SiteResult(
        code=code,
        name="永善县人民政府",
        region="昭通",
        url="http://x/",
        status=SiteStatus.OPEN,
        checked_at=datetime(2026, 11, 29, 1, 0, tzinfo=UTC),
        reachable=True,
        homepage=HomepageResult(latest_update=date(2026, 11, 9), dated_items=20),
        columns=[
            ColumnResult(name="通知公告", url="http://x/a", blank=True),
            ColumnResult(name="工作动态", url="http://x/b", stale=True),
            ColumnResult(name="政策文件", url="http://x/c", blank=True),
        ],
        broken_links=[BrokenLink(url="http://x/404", found_on=["http://x/"], status=404)],
        problems=[
            Problem(
                kind="homepage_stale", label="首页长期不更新", veto=True, level="veto", detail="d"
            ),
            Problem(
                kind="blank_columns", label="多个栏目为空白", veto=True, level="veto", detail="d"
            ),
        ],
        verdict="unqualified",
    )


def _samples(body: bytes) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    out = {}
    for family in text_string_to_metric_families(body.decode()):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def test_site_series_carry_only_code_and_region() -> None:
    snap = build_snapshot(
        [_site("5306250038"), _site("5301000043", region="昆明")],
        {"5306250038": _result("5306250038")},
        {
            "5306250038": SiteAvailability(
                up=False, probe_duration_seconds=15.0, outage_open_seconds=90000.0
            ),
            "5301000043": SiteAvailability(up=True, probe_duration_seconds=0.25),
        },
        NOW,
        TZ,
    )
    collector = SiteCollector(snap)
    got = _samples(exposition(metrics.site_registry(collector)))
    a = (("code", "5306250038"), ("region", "昭通"))
    b = (("code", "5301000043"), ("region", "昆明"))
    assert got[("govcrawl_site_up", a)] == 0.0
    assert got[("govcrawl_site_up", b)] == 1.0
    assert got[("govcrawl_site_outage_open_seconds", a)] == 90000.0
    assert got[("govcrawl_site_outage_open_seconds", b)] == 0.0
    assert got[("govcrawl_site_probe_duration_seconds", b)] == 0.25
    assert got[("govcrawl_site_homepage_age_seconds", a)] == 20 * 86400
    assert got[("govcrawl_site_blank_columns", a)] == 2
    assert got[("govcrawl_site_stale_columns", a)] == 1
    assert got[("govcrawl_site_broken_links", a)] == 1
    assert got[("govcrawl_site_qualified", a)] == 0
    veto = (
        ("code", "5306250038"),
        ("kind", "homepage_stale"),
        ("level", "veto"),
        ("region", "昭通"),
    )
    assert got[("govcrawl_site_problems", veto)] == 1
    # a site with no inspection yet has no inspection series rather than zeros
    assert ("govcrawl_site_qualified", b) not in got
    assert ("govcrawl_site_broken_links", b) not in got
    registered = (("region", "昭通"), ("status", "open"))
    assert got[("govcrawl_sites", registered)] == 1
    allowed = {"code", "region", "kind", "level", "status"}
    assert all(
        {k for k, _ in labels} <= allowed for name, labels in got if name.startswith("govcrawl_")
    )


def test_closed_sites_have_no_up_series() -> None:
    snap = build_snapshot(
        [_site("5303020029", status=SiteStatus.PERMANENTLY_CLOSED)],
        {},
        {"5303020029": SiteAvailability(up=False, outage_open_seconds=5.0)},
        NOW,
        TZ,
    )
    assert snap.sites[0].values == ()


def test_replacing_the_snapshot_drops_removed_sites() -> None:
    avail = {"a": SiteAvailability(up=True), "b": SiteAvailability(up=False)}
    collector = SiteCollector(build_snapshot([_site("a"), _site("b")], {}, avail, NOW, TZ))
    registry = metrics.site_registry(collector)
    assert b'code="b"' in exposition(registry)
    collector.update(build_snapshot([_site("a")], {}, avail, NOW, TZ))
    body = exposition(registry)
    assert b'code="a"' in body and b'code="b"' not in body


def test_fleet_functions_move_their_series() -> None:
    reg = metrics.REGISTRY
    before = reg.get_sample_value("govcrawl_probes_total", {"outcome": "timeout"}) or 0
    metrics.observe_probe("timeout")
    assert reg.get_sample_value("govcrawl_probes_total", {"outcome": "timeout"}) == before + 1
    count = reg.get_sample_value("govcrawl_job_duration_seconds_count", {"kind": "probe"}) or 0
    metrics.observe_job("probe", "ok", 0.3)
    assert (
        reg.get_sample_value("govcrawl_job_duration_seconds_count", {"kind": "probe"}) == count + 1
    )
    metrics.set_queue_depth("probe", 12)
    assert reg.get_sample_value("govcrawl_queue_depth", {"queue": "probe"}) == 12
    metrics.scheduler_tick(1_800_000_000.0)
    assert reg.get_sample_value("govcrawl_scheduler_last_tick_timestamp_seconds") == 1.8e9
    pages = reg.get_sample_value("govcrawl_pages_fetched_total") or 0
    metrics.observe_pages(30, links=200)
    assert reg.get_sample_value("govcrawl_pages_fetched_total") == pages + 30
    metrics.observe_fetch_error("dns")
    assert reg.get_sample_value("govcrawl_fetch_errors_total", {"kind": "dns"}) >= 1


def test_availability_records_are_adapted_by_name() -> None:
    adapted = metrics.availability_from(
        {"a": {"up": False, "latency_ms": 1500, "outage_open_seconds": 30, "failure_ratio": 0.1}}
    )
    assert adapted["a"] == SiteAvailability(
        up=False, probe_duration_seconds=1.5, outage_open_seconds=30.0, probe_failure_ratio=0.1
    )
