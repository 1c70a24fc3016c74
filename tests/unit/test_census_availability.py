"""The census availability rule on counts: 5 % exactly is a veto, 4.9 % is not."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from crawler.availability import Availability
from crawler.census_availability import (
    CensusRule,
    census_rule,
    census_status,
    unreachable_problem,
    with_weekly_availabilities,
    with_weekly_availability,
)
from crawler.result import Problem, ProblemKind, SiteResult
from crawler.site import SiteStatus

RULE = CensusRule(window_days=7, min_probes_per_day=20, veto_failed_share=0.05)


def test_five_percent_exactly_is_a_veto() -> None:
    assert census_status(140, 7, RULE) == "veto"  # 7/140 = 5 %
    assert census_status(1000, 50, RULE) == "veto"
    assert census_status(2016, 101, RULE) == "veto"  # 288 a day, 5.01 %


def test_four_point_nine_percent_is_not() -> None:
    assert census_status(1000, 49, RULE) == "warning"  # 4.9 %: early warning (3 %)
    assert census_status(1000, 29, RULE) == "ok"
    no_warning = CensusRule(warning_failed_share=None)
    assert census_status(1000, 49, no_warning) == "ok"


def test_fewer_than_twenty_a_day_is_insufficient_not_healthy() -> None:
    assert census_status(139, 0, RULE) == "insufficient_data"
    assert census_status(139, 139, RULE) == "insufficient_data"
    assert census_status(0, 0, RULE) == "insufficient_data"
    assert census_status(140, 0, RULE) == "ok"


def test_rule_comes_from_the_profile() -> None:
    rule = census_rule()
    assert (rule.window_days, rule.min_probes_per_day, rule.veto_failed_share) == (7, 20, 0.05)
    assert rule.warning_failed_share == 0.03


def test_unreachable_problem() -> None:
    now = datetime(2026, 11, 29, tzinfo=UTC)
    avail = Availability(
        code="5301000043", probes=140, failed=7, probes_per_day=20, failed_share=0.05,
        census="veto", up=False, last_probe_at=now, latency_ms=None,
        outage_started_at=now - timedelta(hours=1), outage_open_seconds=3600, window_days=7,
    )  # fmt: skip
    problem = unreachable_problem(avail)
    assert problem is not None and problem["veto"] and problem["label"] == "站点无法访问"
    assert "5.0%" in problem["detail"]


def _avail(census: str, failed: int, probes: int = 140) -> Availability:
    now = datetime(2026, 11, 29, tzinfo=UTC)
    return Availability(
        code="5301000043", probes=probes, failed=failed, probes_per_day=probes / 7,
        failed_share=failed / probes, census=census, up=True, last_probe_at=now,  # type: ignore[arg-type]
        latency_ms=80.0, outage_started_at=None, outage_open_seconds=0, window_days=7,
    )  # fmt: skip


SPOT_CHECK_DOWN = SiteResult(
    code="5301000043", name="某县人民政府", region="某县", url="http://example.gov.cn/",
    status=SiteStatus.OPEN, checked_at=datetime(2026, 11, 28, tzinfo=UTC), reachable=False,
    verdict="unqualified",
    problems=[
        Problem(
            kind=ProblemKind.SITE_UNREACHABLE, label="站点无法访问", veto=True, level="veto",
            detail="首页三次无法打开",
        ),
        Problem(
            kind=ProblemKind.HOMEPAGE_STALE, label="首页长期不更新", veto=False,
            level="warning", detail="首页 20 天未更新",
        ),
    ],
)  # fmt: skip


def test_a_week_of_probes_overrides_the_spot_check() -> None:
    # Down at the moment of the inspection, but 1 of 140 probes failed this week.
    merged = with_weekly_availability(SPOT_CHECK_DOWN, _avail("ok", 1))
    assert [p.kind for p in merged.problems] == [ProblemKind.HOMEPAGE_STALE]
    assert merged.verdict == "qualified"
    assert merged.reachable is False  # the spot-check answer is kept as such
    assert merged.availability is not None and merged.availability.census == "ok"
    assert SPOT_CHECK_DOWN.verdict == "unqualified"  # the stored result is left as it was


def test_the_weekly_veto_makes_an_open_homepage_unqualified() -> None:
    fine = SPOT_CHECK_DOWN.model_copy(update={"problems": [], "verdict": "qualified"})
    merged = with_weekly_availability(fine, _avail("veto", 7))
    assert [p.kind for p in merged.problems] == [ProblemKind.SITE_UNREACHABLE]
    assert merged.problems[0].veto and merged.verdict == "unqualified"
    assert "7 次无法访问" in merged.problems[0].detail


def test_a_weekly_warning_is_listed_without_a_veto() -> None:
    fine = SPOT_CHECK_DOWN.model_copy(update={"problems": [], "verdict": "qualified"})
    merged = with_weekly_availability(fine, _avail("warning", 5))
    assert [(p.kind, p.level, p.veto) for p in merged.problems] == [
        (ProblemKind.SITE_UNREACHABLE, "warning", False)
    ]
    assert merged.verdict == "qualified"


def test_too_few_probes_leave_the_spot_check_standing() -> None:
    merged = with_weekly_availability(SPOT_CHECK_DOWN, _avail("insufficient_data", 0, 30))
    assert merged.problems == SPOT_CHECK_DOWN.problems
    assert merged.verdict == "unqualified"
    assert merged.availability is not None
    assert merged.availability.census == "insufficient_data"


def test_no_probes_at_all_leave_the_result_as_it_is() -> None:
    assert with_weekly_availability(SPOT_CHECK_DOWN, None) is SPOT_CHECK_DOWN
    many = with_weekly_availabilities({"5301000043": SPOT_CHECK_DOWN}, {})
    assert many == {"5301000043": SPOT_CHECK_DOWN}
