"""The report's inputs (what the store holds for a quarter) and its rows, as plain values.

Inputs are read leniently from stored result payloads (the crawler/result.py SiteResult
shape): a report must still build from results recorded by an older version.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from crawler.reports.layout import NOT_FIXED_STATUSES, FollowUpStatus
from crawler.reports.quarter import Quarter
from crawler.site import Site


@dataclass(frozen=True, slots=True)
class ProblemView:
    kind: str
    label: str
    veto: bool
    level: str
    detail: str = ""
    evidence: str = ""


@dataclass(frozen=True, slots=True)
class ResultView:
    """The parts of one stored inspection result a report reads."""

    id: int  # results.id: the row a report line is traced back to
    code: str
    name: str
    region: str
    url: str
    status: str
    checked_at: datetime
    verdict: str
    reachable: bool | None
    problems: tuple[ProblemView, ...]
    zhaocuo: bool
    exposure: bool
    evidence: dict[str, str]  # page URL -> evidence sha256

    @classmethod
    def from_payload(
        cls, result_id: int, payload: dict[str, Any], checked_at: datetime
    ) -> ResultView:
        entries = payload.get("entries") or {}
        return cls(
            id=result_id,
            code=str(payload.get("code", "")),
            name=str(payload.get("name", "")),
            region=str(payload.get("region", "")),
            url=str(payload.get("url", "")),
            status=str(payload.get("status", "open")),
            checked_at=checked_at,
            verdict=str(payload.get("verdict", "not_checked")),
            reachable=payload.get("reachable"),
            problems=tuple(
                ProblemView(
                    kind=str(p.get("kind", "")),
                    label=str(p.get("label", "")),
                    veto=bool(p.get("veto", False)),
                    level=str(p.get("level", "")),
                    detail=str(p.get("detail", "")),
                    evidence=str(p.get("evidence", "")),
                )
                for p in payload.get("problems") or ()
            ),
            zhaocuo=bool(entries.get("zhaocuo", False)),
            exposure=bool(entries.get("exposure", False)),
            evidence={str(k): str(v) for k, v in (payload.get("evidence") or {}).items()},
        )

    def has(self, kind: str, *, veto: bool = True) -> bool:
        return any(p.kind == kind and (p.veto or not veto) for p in self.problems)


@dataclass(frozen=True, slots=True)
class NamedSite:
    """A row of a published list (last quarter's), from the store or an imported file."""

    code: str
    name: str
    region: str
    problems: str  # 存在的突出问题 as published
    list_name: str = "unqualified"  # unqualified | follow_up
    seq: int = 0


@dataclass(frozen=True, slots=True)
class OutageView:
    code: str
    started_at: datetime
    ended_at: datetime | None  # None while still open at the report's end
    duration: timedelta
    cause: str = ""
    reported: bool | None = None
    name: str = ""
    region: str = ""


@dataclass(frozen=True, slots=True)
class AvailabilityView:
    """A site's census availability (the trailing-week failed-probe share rule)."""

    code: str
    failed_share: float | None
    unreachable: bool  # the 站点无法访问 veto holds


@dataclass(slots=True)
class ReportInputs:
    quarter: Quarter
    generated_at: datetime
    sites: list[Site]  # the registry
    latest: dict[str, ResultView]  # each site's newest inspection in the quarter
    verdicts: dict[str, list[tuple[datetime, str]]]  # the quarter's verdicts of named sites
    previous: list[NamedSite]
    previous_source: str  # "store", "file: NAME", "results of 2026Q3", "none"
    outages: list[OutageView] | None = None  # None: availability data not available
    availability: dict[str, AvailabilityView] | None = None
    link_base: str = ""  # the service's address for absolute links; "" keeps them relative
    notes: list[str] = field(default_factory=list)


# ------------------------------------------------------------------------ the rows


@dataclass(frozen=True, slots=True)
class Trace:
    """Where a row comes from: the stored result and the evidence pages it cites."""

    result_id: int | None
    checked_at: datetime | None
    details: str  # the problems' own details, one per line
    pages: str  # the problem pages on the site (URLs)
    evidence_links: str  # links to the stored copies of those pages


@dataclass(frozen=True, slots=True)
class UnqualifiedRow:
    seq: int
    region: str
    name: str
    problems: str  # 存在的突出问题
    code: str
    repeat: bool
    kinds: tuple[str, ...]
    trace: Trace


@dataclass(frozen=True, slots=True)
class FollowUpRow:
    seq: int
    region: str
    name: str
    status: FollowUpStatus
    status_label: str  # 存在突出问题
    code: str
    previous_problems: str
    trace: Trace


@dataclass(frozen=True, slots=True)
class OutageRow:
    seq: int
    region: str
    name: str
    code: str
    started_at: datetime
    ended_at: datetime | None
    duration: timedelta
    cause: str
    reported: bool | None


@dataclass(frozen=True, slots=True)
class RegionFigures:
    region: str
    registered: int = 0
    checked: int = 0
    qualified: int = 0
    unqualified: int = 0
    listed: int = 0  # rows in this quarter's unqualified list
    follow_up_not_fixed: int = 0


@dataclass(frozen=True, slots=True)
class Figures:
    registered: int
    registered_open: int
    checked: int
    qualified: int
    unqualified: int
    listed: int
    previous_named: int
    follow_up_not_fixed: int
    follow_up_fixed: int
    homepages_read: int  # homepages whose entries could be counted
    zhaocuo_entry: int
    exposure_entry: int
    outages_over_24h: int | None  # None: availability data not available
    outage_total: timedelta | None
    closed_registered: int  # permanently closed in the registry
    closed_verified: int  # checked this quarter and really closed
    closed_online: int  # 申请永久关停后站点未关闭
    by_region: list[RegionFigures]

    @staticmethod
    def share(part: int, whole: int) -> float | None:
        return None if whole == 0 else part / whole

    @property
    def zhaocuo_share(self) -> float | None:
        return self.share(self.zhaocuo_entry, self.homepages_read)

    @property
    def exposure_share(self) -> float | None:
        return self.share(self.exposure_entry, self.homepages_read)


@dataclass(frozen=True, slots=True)
class Report:
    quarter: Quarter
    generated_at: datetime
    unqualified: list[UnqualifiedRow]
    follow_up: list[FollowUpRow]  # every site named last quarter, fixed ones included
    figures: Figures
    outages: list[OutageRow] | None  # None: availability data not available
    previous_source: str
    notes: list[str]

    @property
    def follow_up_not_fixed(self) -> list[FollowUpRow]:
        """The notice's follow-up table: named last quarter and still not fixed."""
        rows = [row for row in self.follow_up if row.status in NOT_FIXED_STATUSES]
        return [replace(row, seq=i) for i, row in enumerate(rows, 1)]
