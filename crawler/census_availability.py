"""The census availability rule (站点无法访问), pure: counts in, a verdict out.

Veto when the failed share of a week's probes reaches 5 % with at least 20 probes a day;
an early warning from 3 %; fewer probes than that is insufficient data, never healthy.
The numbers come from the rules profile (rules/*.yaml: availability, early_warnings).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Literal

from crawler.config import Settings
from crawler.result import AvailabilitySummary, Problem, ProblemKind, SiteResult
from crawler.rules import load_rules

CensusStatus = Literal["veto", "warning", "ok", "insufficient_data"]


@dataclass(frozen=True, slots=True)
class CensusRule:
    window_days: int = 7
    min_probes_per_day: int = 20
    veto_failed_share: float = 0.05
    warning_failed_share: float | None = 0.03


def census_rule(settings: Settings | None = None) -> CensusRule:
    settings = settings or Settings()
    rules = load_rules(settings.rules.profile, settings.rules.file)
    return CensusRule(
        window_days=rules.availability.window_days,
        min_probes_per_day=rules.availability.min_probes_per_day,
        veto_failed_share=rules.availability.veto_failed_share,
        warning_failed_share=rules.early_warnings.unreachable_share,
    )


def census_status(probes: int, failed: int, rule: CensusRule) -> CensusStatus:
    """The census verdict on a window's counts: veto at ≥ the share with enough probes.

    Exact fractions, so 5% is 5% (7 of 140 is a veto, 6.86 would not be).
    """
    if probes < rule.min_probes_per_day * rule.window_days:
        return "insufficient_data"
    share = Fraction(failed, probes)
    if share >= Fraction(str(rule.veto_failed_share)):
        return "veto"
    if rule.warning_failed_share is not None and share >= Fraction(str(rule.warning_failed_share)):
        return "warning"
    return "ok"


def unreachable_problem(avail: Any) -> dict[str, Any] | None:
    """The site_unreachable finding for a site result (veto, or an early warning), from
    anything with census, failed_share, probes, failed, probes_per_day and window_days
    (crawler.availability.Availability)."""
    if avail.census not in ("veto", "warning") or avail.failed_share is None:
        return None
    veto = avail.census == "veto"
    return {
        "kind": "site_unreachable",
        "label": "站点无法访问",
        "veto": veto,
        "level": "veto" if veto else "warning",
        "detail": f"近{avail.window_days}天 {avail.probes} 次探测中 {avail.failed} 次无法访问"
        f"（{avail.failed_share:.1%}），日均 {avail.probes_per_day:g} 次",
        "evidence": "",
    }


def with_weekly_availability(result: SiteResult, avail: Any | None) -> SiteResult:
    """A stored site result as the running service reads it: with a week of probes
    behind it, site_unreachable is the weekly share rule, not the inspection's three
    attempts (that answer stays in reachable/error as the spot-check result). With
    too few probes the inspection's own finding stands. Adds the ``availability`` summary.
    """
    if avail is None:
        return result
    summary = AvailabilitySummary(
        window_days=avail.window_days,
        probes=avail.probes,
        failed=avail.failed,
        failed_share=avail.failed_share,
        probes_per_day=avail.probes_per_day,
        census=avail.census,
        up=avail.up,
        outage_open_seconds=avail.outage_open_seconds,
    )
    if avail.census == "insufficient_data":
        return result.model_copy(update={"availability": summary})
    problems = [p for p in result.problems if p.kind is not ProblemKind.SITE_UNREACHABLE]
    weekly = unreachable_problem(avail)
    if weekly is not None:
        problems.insert(0, Problem.model_validate(weekly))
    update: dict[str, Any] = {"availability": summary, "problems": problems}
    if result.verdict != "not_checked" or weekly is not None:
        update["verdict"] = "unqualified" if any(p.veto for p in problems) else "qualified"
    return result.model_copy(update=update)


def with_weekly_availabilities(
    results: Mapping[str, SiteResult], avails: Mapping[str, Any]
) -> dict[str, SiteResult]:
    """with_weekly_availability for each site of a code -> result map."""
    return {code: with_weekly_availability(r, avails.get(code)) for code, r in results.items()}
