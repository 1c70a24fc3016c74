"""Ground truth: what a correct inspector finds on a farm site, for a given `today`.

Pure and JSON-serialisable. It is computed from the same catalog the pages are rendered
from, never from the pages, so a disagreement between an inspector and the truth points
at the inspector (or at a bug the farm's own tests catch).
"""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import urljoin

from crawler.farm.catalog import (
    NEWS,
    NOTICE,
    SHOULD_UPDATE,
    FarmSite,
    column_ages,
    homepage_count,
)
from crawler.farm.pages import external_links, spam_links
from crawler.site import SiteStatus

# The census numbers (CENSUS.md), as the truth applies them.
STALE_DAYS = {NEWS: 14, NOTICE: 183, SHOULD_UPDATE: 365}
HOMEPAGE_STALE_DAYS = 14
BLANK_VETO = 5
STALE_NEWS_NOTICE_VETO = 5
STALE_SHOULD_UPDATE_VETO = 10

BROKEN = {
    "http404": (404, None),
    "http500": (500, None),
    "soft404": (200, "soft_404"),
    "dead_host": (None, "connection_refused"),
    "refused_port": (None, "connection_refused"),
    "redirect_loop": (302, "redirect_loop"),
}
NOT_BROKEN = {"http401": 401, "http403": 403}


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _newest(ages: tuple[int | None, ...], today: date) -> date | None:
    dated = [a for a in ages if a is not None]
    return today - timedelta(days=min(dated)) if dated else None


def column_truth(fs: FarmSite, today: date) -> list[dict]:
    out = []
    for col in fs.columns:
        ages = column_ages(fs, col)
        latest = _newest(ages, today)
        first_page = min(len(ages), fs.page_size) if col.layout == "list" else 0
        stale = False
        if not col.blank and col.type in STALE_DAYS and first_page:
            stale = latest is None or (today - latest).days > STALE_DAYS[col.type]
        out.append(
            {
                "name": col.name,
                "url": fs.origin + col.path,
                "type": col.type,
                "latest_update": _iso(latest),
                "items": first_page,  # items on the column's first list page
                "items_total": len(ages),
                "pages": max(1, -(-len(ages) // fs.page_size)) if col.layout == "list" else 1,
                "blank": col.blank,
                "blank_phrase": col.blank_phrase,
                "stale": stale,
            }
        )
    return out


def _homepage_latest(fs: FarmSite, today: date) -> tuple[date | None, int]:
    """Newest dated homepage item and the number of dated homepage items."""
    if fs.layout == "navigation_only":
        newest = [_newest(column_ages(fs, c), today) for c in fs.columns]
        return max((d for d in newest if d), default=None), 0
    shown: list[int] = []
    for col in fs.columns:
        if col.on_homepage:
            ages = column_ages(fs, col)[: homepage_count(fs, col)]
            shown.extend(a for a in ages if a is not None)
    return (today - timedelta(days=min(shown)) if shown else None), len(shown)


def _page_url(fs: FarmSite, on: str) -> str:
    if on == "home":
        return fs.origin + fs.home_path
    col = fs.column(on)
    return fs.origin + (col.path if col else "/")


def _links(fs: FarmSite) -> dict[str, list[dict]]:
    found: dict[str, dict] = {}
    out: dict[str, list[dict]] = {
        "broken": [],
        "not_broken": [],
        "traps": [],
        "huge": [],
        "slow": [],
    }
    for link in fs.links:
        url = urljoin(fs.origin + "/", link.href)
        page = _page_url(fs, link.on)
        if url in found:
            found[url]["found_on"].append(page)
            continue
        entry: dict = {"url": url, "found_on": [page], "text": link.text, "kind": link.kind}
        if link.kind in BROKEN:
            entry["status"], entry["error"] = BROKEN[link.kind]
            out["broken"].append(entry)
        elif link.kind in NOT_BROKEN:
            entry["status"] = NOT_BROKEN[link.kind]
            out["not_broken"].append(entry)
        elif link.kind == "link_trap":
            entry["pattern"] = url + "?date=YYYY-MM-DD"
            out["traps"].append(entry)
        elif link.kind == "huge":
            out["huge"].append(entry)
        elif link.kind == "slow":
            out["slow"].append(entry)
        found[url] = entry
    return out


def _problem(kind: str, veto: bool, **detail: int) -> dict:
    return {"kind": kind, "veto": veto, **detail}


def expected_problems(fs: FarmSite, facts: dict) -> tuple[list[dict], str]:
    """The census problems of a site's facts and the verdict they make."""
    if fs.status is SiteStatus.TEMPORARILY_CLOSED:
        return [], "not_checked"
    if not facts["reachable"]:
        if fs.status is SiteStatus.PERMANENTLY_CLOSED:
            return [], "not_checked"  # closed as it applied to be: nothing to judge
        return [_problem("site_unreachable", True)], "unqualified"
    problems: list[dict] = []
    if fs.status is SiteStatus.PERMANENTLY_CLOSED:
        problems.append(_problem("closed_site_online", True))
    latest = facts["homepage_latest_update"]
    today = date.fromisoformat(facts["today"])
    if latest is None or (today - date.fromisoformat(latest)).days > HOMEPAGE_STALE_DAYS:
        problems.append(_problem("homepage_stale", True))
    columns = facts["columns"]
    blank = sum(c["blank"] for c in columns)
    if blank:
        problems.append(_problem("blank_columns", blank >= BLANK_VETO, count=blank))
    stale_nn = sum(c["stale"] for c in columns if c["type"] in (NEWS, NOTICE))
    stale_su = sum(c["stale"] for c in columns if c["type"] == SHOULD_UPDATE)
    if stale_nn or stale_su:
        veto = stale_nn >= STALE_NEWS_NOTICE_VETO or stale_su >= STALE_SHOULD_UPDATE_VETO
        problems.append(
            _problem(
                "columns_stale",
                veto,
                count=stale_nn + stale_su,
                news_notice=stale_nn,
                should_update=stale_su,
            )
        )
    if facts["broken_links"]:
        problems.append(_problem("broken_links", False, count=len(facts["broken_links"])))
    if not facts["entries"]["zhaocuo"]:
        problems.append(_problem("missing_zhaocuo_entry", False))
    if not facts["entries"]["exposure"]:
        problems.append(_problem("missing_exposure_entry", False))
    on_page, entry_code = facts["site_id_code_on_page"], facts["zhaocuo_sitecode"]
    if on_page != fs.code or (entry_code is not None and entry_code != fs.code):
        problems.append(_problem("site_id_code_missing", False))  # missing or wrong
    if facts["spam_links"]:
        problems.append(_problem("severe_error", True, count=len(facts["spam_links"])))
    verdict = "unqualified" if any(p["veto"] for p in problems) else "qualified"
    return problems, verdict


def ground_truth(fs: FarmSite, today: date, *, reachable: bool | None = None) -> dict:
    """Everything an inspector should find on the site.

    `reachable` says whether the homepage answers (default: as in the site's initial
    mode; the farm passes the current mode's answer after a control switch). An
    unreachable site shows nothing: no columns, links, entries or codes are found.
    """
    if reachable is None:
        reachable = fs.initial_mode == "normal"
    # a temporarily closed site serves only a maintenance notice
    served = reachable and fs.status is not SiteStatus.TEMPORARILY_CLOSED
    latest, dated_items = _homepage_latest(fs, today) if served else (None, 0)
    links = (
        _links(fs)
        if served
        else {key: [] for key in ("broken", "not_broken", "traps", "huge", "slow")}
    )
    zhaocuo = served and fs.zhaocuo_form not in ("none", "comment")
    exposure = served and fs.exposure_form not in ("none", "comment")
    facts: dict = {
        "code": fs.code,
        "name": fs.site.name,
        "region": fs.site.region,
        "url": fs.url,
        "address": fs.address,
        "status": fs.status.value,
        "today": today.isoformat(),
        "encoding": fs.encoding,
        "charset_header": fs.charset_header,
        "charset_meta": fs.charset_meta,
        "conditions": sorted(fs.conditions),
        "initial_mode": fs.initial_mode,
        "reachable": reachable,
        "homepage_layout": fs.layout,
        "homepage_final_url": fs.origin + fs.home_path,
        "homepage_latest_update": _iso(latest),
        "homepage_dated_items": dated_items,
        "navigation_only": fs.layout == "navigation_only",
        "columns": column_truth(fs, today) if served else [],
        "broken_links": links["broken"],
        "not_broken_links": links["not_broken"],
        "link_traps": links["traps"],
        "huge_pages": links["huge"],
        "slow_pages": links["slow"],
        "external_links": external_links(fs) if served else [],
        "spam_links": spam_links(fs) if served else [],
        "entries": {"zhaocuo": zhaocuo, "exposure": exposure},
        "zhaocuo_form": fs.zhaocuo_form,
        "exposure_form": fs.exposure_form,
        "zhaocuo_sitecode": fs.zhaocuo_sitecode if zhaocuo else None,
        "site_id_code_on_page": fs.sitecode_on_page if served else None,
    }
    problems, verdict = expected_problems(fs, facts)
    facts["expected_problems"] = problems
    facts["expected_verdict"] = verdict
    return facts
