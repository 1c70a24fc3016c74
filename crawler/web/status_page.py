"""The built-in status page: the duty overview at `/` and a page per site, for installations
without Grafana. Plain server-rendered HTML (jinja2 templates shipped with the package).

The page data is built by pure functions (`overview`, `site_detail`) from the registry, the
latest results and the availability data; the handlers only read the store and render.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import jinja2
from aiohttp import web

from crawler.alerts.outbox import HookBacklog, by_configured_hook, undelivered
from crawler.availability import outage_windows
from crawler.metrics import SiteAvailability, availability_from
from crawler.recorder import evidence_body
from crawler.registry import load_sites
from crawler.result import ProblemKind, SiteResult
from crawler.site import STATUS_LABELS, Site, SiteStatus
from crawler.web.current import site_results
from crawler.web.keys import SETTINGS, STORE, share_results

_CODE = re.compile(r"^\d{6,16}$")
_SHA = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True, slots=True)
class Row:
    """One site in a list of the overview."""

    site: Site
    value: str = ""  # what the list is about: outage length, days, counts
    sort: float = 0.0


@dataclass(slots=True)
class RegionLine:
    region: str
    registered: int = 0
    checked: int = 0
    unqualified: int = 0
    down: int = 0


@dataclass(slots=True)
class Overview:
    now: datetime
    registered: int
    checked: int
    lists: dict[str, list[Row]] = field(default_factory=dict)  # key -> rows
    regions: list[RegionLine] = field(default_factory=list)


# key, Chinese heading, English hint — the order of the overview's sections
SECTIONS: tuple[tuple[str, str], ...] = (
    ("down", "当前无法访问"),
    ("report", "超过24小时无法访问（需书面报备）"),
    ("homepage_stale", "首页长期不更新"),
    ("blank_columns", "多个栏目为空白"),
    ("columns_stale", "栏目长期不更新"),
    ("broken_links", "错误链接"),
    ("unqualified", "不合格网站"),
)


# A message is tried within seconds of its event and then with short pauses: one waiting
# this long means its hook keeps refusing, and the duty should know before the 24-hour
# reports go missing.
STUCK_AFTER = timedelta(minutes=5)


def stuck_alerts(backlog: Sequence[HookBacklog], now: datetime) -> list[tuple[str, int, float]]:
    """(hook label, messages waiting, seconds the oldest has waited) of the configured hooks
    (crawler.alerts.outbox.by_configured_hook) whose oldest message has waited STUCK_AFTER
    or more."""
    out = []
    for entry in sorted(backlog, key=lambda b: b.label):
        if entry.waiting is None:
            continue
        waited = (now - entry.waiting.oldest).total_seconds()
        if waited >= STUCK_AFTER.total_seconds():
            out.append((entry.label, entry.waiting.count, waited))
    return out


def human_duration(seconds: float) -> str:
    seconds = int(max(seconds, 0))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{days}天{hours}小时"
    if hours:
        return f"{hours}小时{minutes}分"
    return f"{minutes}分钟" if minutes else f"{seconds}秒"


def _has(result: SiteResult | None, kind: ProblemKind) -> bool:
    return result is not None and any(p.kind == kind and p.veto for p in result.problems)


def overview(
    sites: Sequence[Site],
    results: Mapping[str, SiteResult],
    availability: Mapping[str, SiteAvailability],
    now: datetime,
    report_after: timedelta,
    region: str | None = None,
) -> Overview:
    """The duty overview: who is down, who must be reported, what the inspections found."""
    lists: dict[str, list[Row]] = {key: [] for key, _ in SECTIONS}
    regions: dict[str, RegionLine] = {}
    shown = [s for s in sites if region in (None, "", s.region)]
    for site in sites:
        line = regions.setdefault(site.region, RegionLine(site.region))
        line.registered += 1
        result = results.get(site.code)
        avail = availability.get(site.code)
        is_open = site.status is SiteStatus.OPEN
        down = is_open and avail is not None and avail.up is False
        line.checked += result is not None
        line.unqualified += result is not None and result.verdict == "unqualified"
        line.down += down
    for site in shown:
        result = results.get(site.code)
        avail = availability.get(site.code)
        if site.status is SiteStatus.OPEN and avail is not None and avail.up is False:
            open_for = avail.outage_open_seconds
            value = human_duration(open_for) if open_for else "待确认"
            lists["down"].append(Row(site, value, -open_for))
            if open_for >= report_after.total_seconds():
                lists["report"].append(Row(site, human_duration(open_for), -open_for))
        if result is None:
            continue
        if _has(result, ProblemKind.HOMEPAGE_STALE):
            latest = result.homepage.latest_update
            days = (now.date() - latest).days if latest else None
            value = f"{days} 天未更新" if days is not None else "无可识别的更新日期"
            lists["homepage_stale"].append(Row(site, value, -(days or 10**6)))
        blank = sum(c.blank for c in result.columns)
        if _has(result, ProblemKind.BLANK_COLUMNS):
            lists["blank_columns"].append(Row(site, f"{blank} 个空白栏目", -blank))
        stale = sum(c.stale for c in result.columns)
        if _has(result, ProblemKind.COLUMNS_STALE):
            lists["columns_stale"].append(Row(site, f"{stale} 个栏目不更新", -stale))
        if result.broken_links:
            n = len(result.broken_links)
            lists["broken_links"].append(Row(site, f"{n} 个错误链接", -n))
        if result.verdict == "unqualified":
            kinds = "、".join(p.label for p in result.problems if p.veto)
            lists["unqualified"].append(Row(site, kinds, 0))
    for rows in lists.values():
        rows.sort(key=lambda r: (r.sort, r.site.region, r.site.code))
    return Overview(
        now=now,
        registered=len(shown),
        checked=sum(1 for s in shown if s.code in results),
        lists=lists,
        regions=sorted(regions.values(), key=lambda r: (-r.unqualified, -r.down, r.region)),
    )


@dataclass(frozen=True, slots=True)
class OutageLine:
    started_at: datetime
    ended_at: datetime | None
    duration: str
    cause: str
    reported: bool


def outage_lines(windows: Sequence[Any], now: datetime) -> list[OutageLine]:
    """crawler.availability's windows (read by attribute name), newest first."""
    lines = []
    for w in windows:
        get = w.get if isinstance(w, Mapping) else lambda name, w=w: getattr(w, name, None)
        started, ended = get("started_at"), get("ended_at")
        if started is None:
            continue
        seconds = get("duration_s")
        if seconds is None:
            seconds = ((ended or now) - started).total_seconds()
        lines.append(
            OutageLine(
                started_at=started,
                ended_at=ended,
                duration=human_duration(seconds),
                cause=str(get("cause") or ""),
                reported=bool(get("reported") or get("reported_at")),
            )
        )
    return sorted(lines, key=lambda line: line.started_at, reverse=True)


async def load_outages(store: Any, code: str, now: datetime) -> list[OutageLine]:
    return outage_lines(await outage_windows(store, codes=[code], now=now), now)


# ------------------------------------------------------------------------------ HTTP

_env = jinja2.Environment(
    loader=jinja2.PackageLoader("crawler.web", "templates"),
    autoescape=jinja2.select_autoescape(["html"]),
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_env.globals.update(sections=SECTIONS, status_labels=STATUS_LABELS, human_duration=human_duration)


def _local(value: datetime | None, tz: Any) -> str:
    return "" if value is None else value.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def _render(name: str, **context: Any) -> web.Response:
    html = _env.get_template(name).render(**context)
    return web.Response(text=html, content_type="text/html", charset="utf-8")


async def _current(
    request: web.Request, now: datetime, codes: list[str]
) -> tuple[dict[str, SiteResult], dict[str, SiteAvailability]]:
    results, weekly = await site_results(request.app, codes, now)
    return results, availability_from(weekly)


async def _overview(request: web.Request) -> web.Response:
    store, settings = request.app[STORE], request.app[SETTINGS]
    now = datetime.now(settings.tz)
    region = request.query.get("region") or None
    sites = await load_sites(store)
    results, availability = await _current(request, now, [s.code for s in sites])
    view = overview(sites, results, availability, now, settings.alerts.report_after, region)
    regions = sorted({s.region for s in sites})
    backlog, _ = by_configured_hook(settings.alerts.hooks, await undelivered(store))
    return _render(
        "overview.html",
        view=view,
        region=region,
        regions=regions,
        when=_local(now, settings.tz),
        report_hours=settings.alerts.report_after.total_seconds() / 3600,
        alerts_waiting=stuck_alerts(backlog, now),
    )


async def _site(request: web.Request) -> web.Response:
    store, settings = request.app[STORE], request.app[SETTINGS]
    code = request.match_info["code"]
    if not _CODE.match(code):
        raise web.HTTPNotFound(text=f"no site {code}")
    site = next((s for s in await load_sites(store) if s.code == code), None)
    if site is None:
        raise web.HTTPNotFound(text=f"no registered site {code}")
    now = datetime.now(settings.tz)
    results, availability = await _current(request, now, [code])
    result, avail = results.get(code), availability.get(code)
    evidence = dict(result.evidence) if result else {}
    return _render(
        "site.html",
        site=site,
        result=result,
        avail=avail,
        outages=await load_outages(store, code, now),
        evidence=evidence,
        checked=_local(result.checked_at, settings.tz) if result else "",
        local=lambda value: _local(value, settings.tz),
        when=_local(now, settings.tz),
    )


async def _evidence(request: web.Request) -> web.Response:
    sha = request.match_info["sha"]
    found = await evidence_body(request.app[STORE], sha) if _SHA.match(sha) else None
    if found is None:
        raise web.HTTPNotFound(text="no such evidence page")
    _url, body = found
    # The page may be a hacked one: show it, but let none of its scripts or forms run.
    return web.Response(
        body=body,
        content_type="text/html",
        headers={
            "Content-Security-Policy": "sandbox; script-src 'none'; object-src 'none'",
            "X-Content-Type-Options": "nosniff",
        },
    )


def setup_status_page(app: web.Application) -> None:
    share_results(app)
    app.router.add_get("/", _overview, name="status_overview")
    app.router.add_get("/sites/{code}", _site, name="status_site")
    app.router.add_get("/sites/{code}/evidence/{sha}", _evidence, name="status_evidence")
