"""The quarterly report from what the store holds: pure, so it is tested without IO.

- unqualified: sites whose newest inspection of the quarter (with the quarter's census
  availability) has a veto problem, in the layout's region order, then by code, their
  problems in the notices' phrasing (crawler.rules.notice_phrases);
- follow-up: every site named last quarter and what became of it;
- figures, and the outages long enough to have needed a written report.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime, timedelta, tzinfo
from typing import Any, TypeVar

from crawler.divisions import canonical_region
from crawler.reports.layout import NOT_FIXED_STATUSES, FollowUpStatus, ReportLayout
from crawler.reports.model import (
    Figures,
    FollowUpRow,
    NamedSite,
    OutageRow,
    ProblemView,
    RegionFigures,
    Report,
    ReportInputs,
    ResultView,
    Trace,
    UnqualifiedRow,
)
from crawler.result import Problem, ProblemKind
from crawler.rules import Rules, notice_phrases
from crawler.site import Site, SiteStatus

UNREACHABLE = ProblemKind.SITE_UNREACHABLE.value
CLOSED_ONLINE = ProblemKind.CLOSED_SITE_ONLINE.value
_KNOWN_KINDS = frozenset(kind.value for kind in ProblemKind)


def phrase_problems(problems: Iterable[ProblemView], rules: Rules) -> str:
    """The veto problems as one 存在的突出问题 cell, joined as the notices join them."""
    vetoed = [p for p in problems if p.veto]
    known = [
        Problem(kind=ProblemKind(p.kind), label=p.label, veto=True, level="veto", detail="")
        for p in vetoed
        if p.kind in _KNOWN_KINDS
    ]
    text = notice_phrases(known, rules)
    # A veto of a later edition (not a ProblemKind yet) is written with its own label.
    extra = [p.label or p.kind for p in vetoed if p.kind not in _KNOWN_KINDS]
    return " ".join(part for part in [text, *dict.fromkeys(extra)] if part)


class _Context:
    """What every row needs: the registry, availability, the layout and the rules."""

    def __init__(self, inputs: ReportInputs, layout: ReportLayout, rules: Rules, zone: tzinfo):
        self.inputs = inputs
        self.layout = layout
        self.rules = rules
        self.zone = zone
        self.sites = {site.code: site for site in inputs.sites}
        self.availability = inputs.availability or {}

    def site_status(self, code: str, view: ResultView | None) -> str:
        site = self.sites.get(code)
        if site is not None:
            return site.status.value
        return view.status if view is not None else SiteStatus.OPEN.value

    def problems(self, view: ResultView) -> tuple[ProblemView, ...]:
        """The result's problems, plus 站点无法访问 when the week's probes say so.

        In the running service the census availability rule (failed share over a week) is
        the authority for 站点无法访问; a closed site is judged by its closure instead.
        """
        seen = self.availability.get(view.code)
        status = self.site_status(view.code, view)
        if seen is None or not seen.unreachable or status != SiteStatus.OPEN.value:
            return view.problems
        if view.has(UNREACHABLE):
            return view.problems
        share = "" if seen.failed_share is None else f"（失败占比 {seen.failed_share:.1%}）"
        added = ProblemView(
            kind=UNREACHABLE,
            label=self.rules.label(ProblemKind.SITE_UNREACHABLE),
            veto=True,
            level="veto",
            detail=f"一周内首页探测无法打开的比例达到否决线{share}",
        )
        return (added, *view.problems)

    def verdict(self, view: ResultView) -> str:
        if view.verdict != "not_checked" and any(p.veto for p in self.problems(view)):
            return "unqualified"
        return view.verdict

    def region(self, code: str, view: ResultView | None, fallback: str = "") -> str:
        site = self.sites.get(code)
        region = site.region if site else (view.region if view else fallback)
        return canonical_region(region or fallback)

    def name(self, code: str, view: ResultView | None, fallback: str = "") -> str:
        site = self.sites.get(code)
        return site.name if site else (view.name if view else fallback)

    def sort_key(self, region: str, code: str) -> tuple[int, str, str]:
        rank, name = self.layout.region_rank(region)
        return rank, name, code

    def trace(self, view: ResultView | None, problems: Iterable[ProblemView]) -> Trace:
        if view is None:
            return Trace(None, None, "", "", "")
        cited = [p for p in problems if p.veto] or list(problems)
        pages: list[str] = []
        for problem in cited:
            for part in problem.evidence.split():
                if part.startswith(("http://", "https://")) and part not in pages:
                    pages.append(part)
        shas = [view.evidence[page] for page in pages if page in view.evidence]
        if not shas:  # the pages the result kept, when the problem cites none of them
            shas = list(dict.fromkeys(view.evidence.values()))
        # The status page serves stored pages (crawler/web/status_page.py).
        base = f"{self.inputs.link_base}/sites/{view.code}/evidence/"
        return Trace(
            result_id=view.id,
            checked_at=view.checked_at.astimezone(self.zone),
            details="\n".join(f"{p.label}：{p.detail}" if p.detail else p.label for p in cited),
            pages="\n".join(pages),
            evidence_links="\n".join(f"{base}{sha}" for sha in dict.fromkeys(shas)),
        )


def follow_up_status(ctx: _Context, code: str) -> FollowUpStatus:
    """What became of a site named last quarter, judged on this quarter's inspections."""
    view = ctx.inputs.latest.get(code)
    if view is None:
        return FollowUpStatus.NOT_CHECKED
    problems = ctx.problems(view)
    if any(p.kind == CLOSED_ONLINE and p.veto for p in problems):
        return FollowUpStatus.CLOSED_SITE_ONLINE
    if view.verdict == "not_checked":
        closed = ctx.site_status(code, view) == SiteStatus.PERMANENTLY_CLOSED.value
        return FollowUpStatus.FIXED if closed else FollowUpStatus.NOT_CHECKED
    if ctx.verdict(view) != "unqualified":
        return FollowUpStatus.FIXED
    if any(p.kind == UNREACHABLE and p.veto for p in problems):
        return FollowUpStatus.UNREACHABLE
    earlier = ctx.inputs.verdicts.get(code, [])
    if any(verdict == "qualified" and at < view.checked_at for at, verdict in earlier):
        return FollowUpStatus.FIXED_NOT_KEPT
    return FollowUpStatus.NOT_FIXED


def _previous_by_code(previous: Iterable[NamedSite]) -> dict[str, NamedSite]:
    named: dict[str, NamedSite] = {}
    for row in previous:
        named.setdefault(row.code, row)  # a site on two of last quarter's lists: once
    return named


def _follow_up(ctx: _Context, named: dict[str, NamedSite]) -> list[FollowUpRow]:
    rows = []
    for code, row in named.items():
        view = ctx.inputs.latest.get(code)
        status = follow_up_status(ctx, code)
        region = ctx.region(code, view, row.region)
        rows.append(
            (
                ctx.sort_key(region, code),
                FollowUpRow(
                    seq=0,
                    region=region,
                    name=ctx.name(code, view, row.name),
                    status=status,
                    status_label=ctx.layout.follow_up_labels[status],
                    code=code,
                    previous_problems=row.problems,
                    trace=ctx.trace(view, ctx.problems(view) if view else ()),
                ),
            )
        )
    return _numbered(rows)


_Row = TypeVar("_Row", UnqualifiedRow, FollowUpRow, OutageRow)


def _numbered(pairs: list[tuple[Any, _Row]]) -> list[_Row]:
    """Rows in their sort order, numbered 序号 1, 2, …"""
    pairs.sort(key=lambda pair: pair[0])
    return [replace(row, seq=i) for i, (_, row) in enumerate(pairs, 1)]


def _unqualified(
    ctx: _Context, named: dict[str, NamedSite], follow_up: list[FollowUpRow]
) -> list[UnqualifiedRow]:
    still_named = {row.code for row in follow_up if row.status in NOT_FIXED_STATUSES}
    rows = []
    for code, view in ctx.inputs.latest.items():
        if ctx.verdict(view) != "unqualified":
            continue
        repeat = code in named
        if repeat and ctx.layout.repeat_offenders == "follow_up" and code in still_named:
            continue  # listed in the follow-up list instead, as the notice does
        problems = ctx.problems(view)
        phrase = phrase_problems(problems, ctx.rules)
        if repeat:
            phrase = ctx.layout.repeat_prefix + phrase
        region = ctx.region(code, view)
        rows.append(
            (
                ctx.sort_key(region, code),
                UnqualifiedRow(
                    seq=0,
                    region=region,
                    name=ctx.name(code, view),
                    problems=phrase,
                    code=code,
                    repeat=repeat,
                    kinds=tuple(p.kind for p in problems if p.veto),
                    trace=ctx.trace(view, problems),
                ),
            )
        )
    return _numbered(rows)


def _outages(ctx: _Context) -> list[OutageRow] | None:
    if ctx.inputs.outages is None:
        return None
    over = timedelta(hours=ctx.layout.outage_report_hours)
    rows = []
    for outage in ctx.inputs.outages:
        if outage.duration < over:
            continue
        view = ctx.inputs.latest.get(outage.code)
        region = ctx.region(outage.code, view, outage.region)
        rows.append(
            (
                (*ctx.sort_key(region, outage.code), outage.started_at),
                OutageRow(
                    seq=0,
                    region=region,
                    name=ctx.name(outage.code, view, outage.name),
                    code=outage.code,
                    started_at=outage.started_at.astimezone(ctx.zone),
                    ended_at=outage.ended_at.astimezone(ctx.zone) if outage.ended_at else None,
                    duration=outage.duration,
                    cause=outage.cause,
                    reported=outage.reported,
                ),
            )
        )
    return _numbered(rows)


def _figures(
    ctx: _Context,
    unqualified: list[UnqualifiedRow],
    follow_up: list[FollowUpRow],
    outages: list[OutageRow] | None,
) -> Figures:
    per: dict[str, Counter[str]] = {}

    def count(region: str, what: str) -> None:
        per.setdefault(region, Counter())[what] += 1

    for site in ctx.inputs.sites:
        count(canonical_region(site.region), "registered")
    entries = Counter[str]()
    closed = Counter[str]()
    for code, view in ctx.inputs.latest.items():
        region = ctx.region(code, view)
        verdict = ctx.verdict(view)
        if verdict in ("qualified", "unqualified"):
            count(region, "checked")
            count(region, verdict)
        status = ctx.site_status(code, view)
        online_closed = view.has(CLOSED_ONLINE)
        if status == SiteStatus.PERMANENTLY_CLOSED.value and online_closed:
            closed["online"] += 1
        elif status == SiteStatus.PERMANENTLY_CLOSED.value and verdict == "not_checked":
            closed["verified"] += 1  # down, or showing its closure notice, as it applied to be
        if view.reachable and verdict != "not_checked" and not online_closed:
            entries["read"] += 1
            entries["zhaocuo"] += view.zhaocuo
            entries["exposure"] += view.exposure
    for row in unqualified:
        count(row.region, "listed")
    for row in follow_up:
        if row.status in NOT_FIXED_STATUSES:
            count(row.region, "follow_up")
    by_region = [
        RegionFigures(
            region=region,
            registered=c["registered"],
            checked=c["checked"],
            qualified=c["qualified"],
            unqualified=c["unqualified"],
            listed=c["listed"],
            follow_up_not_fixed=c["follow_up"],
        )
        for region, c in sorted(per.items(), key=lambda item: ctx.layout.region_rank(item[0]))
    ]
    total = sum((Counter(c) for c in per.values()), Counter[str]())
    sites: list[Site] = ctx.inputs.sites
    return Figures(
        registered=len(sites),
        registered_open=sum(s.status is SiteStatus.OPEN for s in sites),
        checked=total["checked"],
        qualified=total["qualified"],
        unqualified=total["unqualified"],
        listed=len(unqualified),
        previous_named=len(follow_up),
        follow_up_not_fixed=sum(row.status in NOT_FIXED_STATUSES for row in follow_up),
        follow_up_fixed=sum(row.status is FollowUpStatus.FIXED for row in follow_up),
        homepages_read=entries["read"],
        zhaocuo_entry=entries["zhaocuo"],
        exposure_entry=entries["exposure"],
        outages_over_24h=None if outages is None else len(outages),
        outage_total=None if outages is None else sum((o.duration for o in outages), timedelta()),
        closed_registered=sum(s.status is SiteStatus.PERMANENTLY_CLOSED for s in sites),
        closed_verified=closed["verified"],
        closed_online=closed["online"],
        by_region=by_region,
    )


def build_report(inputs: ReportInputs, layout: ReportLayout, rules: Rules, zone: tzinfo) -> Report:
    """The quarter's lists and figures from its stored results (no IO)."""
    ctx = _Context(inputs, layout, rules, zone)
    named = _previous_by_code(inputs.previous)
    follow_up = _follow_up(ctx, named)
    unqualified = _unqualified(ctx, named, follow_up)
    outages = _outages(ctx)
    notes = list(inputs.notes)
    if not inputs.latest:
        notes.append(f"{inputs.quarter.label}没有已记录的检查结果")
    if outages is None:
        notes.append("可用性数据（故障时段）不可用：未统计超过24小时的故障")
    return Report(
        quarter=inputs.quarter,
        generated_at=inputs.generated_at.astimezone(zone),
        unqualified=unqualified,
        follow_up=follow_up,
        figures=_figures(ctx, unqualified, follow_up, outages),
        outages=outages,
        previous_source=inputs.previous_source,
        notes=notes,
    )


def local(moment: datetime | None, zone: tzinfo) -> str:
    """A time as the tables write it: 2026-11-28 13:00 (local)."""
    return "" if moment is None else moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")
