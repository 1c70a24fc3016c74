"""The homepage: its newest dated item, whether it is only navigation, client redirects.

Homepage items are the dated lists of its blocks. A group of links (one ul, table or
div of rows) is a dated list when at least half of its items carry a date; service
link boxes (网上办事, 数据开放 …) with the odd dated URL are not. A homepage is
navigation-only when it shows almost no dated item (at most NAV_ONLY_MAX_SHOWN dates on
the page, at most NAV_ONLY_MAX_URL_DATED more only in link URLs, such as a box of annual
reports), almost no undated article link, and does link to columns or subsites: the
census then reads the second-level column pages.

Client redirects, in order: <meta http-equiv="refresh" content="0;url=…"> (any case and
quoting, a delay of at most MAX_REFRESH_DELAY seconds); then a JavaScript assignment
(window.location.href=, location.replace(…) …) or <body onload>, but only when the page
has little content of its own (a portal that redirects phones holds the same code).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from crawler.extract.items import FoundItem, scan_items
from crawler.extract.markup import body_links
from crawler.extract.page import Page

NAV_ONLY_MAX_SHOWN = 2  # "almost no dated items": a pinned dated link or two is still none
NAV_ONLY_MAX_URL_DATED = 4  # items dated only by their URL: the visitor sees no date
NAV_ONLY_MAX_UNDATED = 3  # …nor more than a few undated article links
NAV_ONLY_MIN_LINKS = 3  # and it does lead somewhere: links to columns or subsites
MAX_REFRESH_DELAY = 30.0  # seconds; longer is an auto-reload of the page itself
REDIRECT_MAX_TEXT = 400  # characters of visible text a pure redirect page may show
REDIRECT_MAX_LINKS = 5

_REFRESH_DELAY = re.compile(r"^\s*(\d+(?:\.\d*)?)\s*(?:[;,]|$)")
_REFRESH_URL = re.compile(r"^\s*url\s*=\s*", re.IGNORECASE)
_JS_TARGETS = (
    re.compile(
        r"""(?:(?:window|top|self|parent|document)\s*\.\s*)?location(?:\s*\.\s*href)?\s*=\s*(["'])([^"'\s]+)\1"""
    ),
    re.compile(r"""location\s*\.\s*(?:replace|assign)\s*\(\s*(["'])([^"'\s]+)\1\s*\)"""),
)
# Targets for phones: a portal script may send them elsewhere; the desktop target wins.
_MOBILE = re.compile(r"(?:^|[/.])(?:m|wap|phone|h5)(?:[/.]|$)|_ewm\.|mobile", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class HomepageFacts:
    latest_update: date | None
    dated_items: int
    navigation_only: bool


def dated_list_items(found: list[FoundItem]) -> list[FoundItem]:
    """Items of the groups that are dated lists (at least half of their items dated)."""
    groups: dict[int, list[FoundItem]] = defaultdict(list)
    for f in found:
        groups[f.group].append(f)
    out = []
    for members in groups.values():
        dated = [f for f in members if f.item.date is not None]
        if dated and 2 * len(dated) >= len(members):
            out.extend(dated)
    return out


def _site_links(page: Page) -> int:
    return sum(1 for link in body_links(page) if link.href is not None)


def homepage_facts(page: Page, today: date) -> HomepageFacts:
    found = scan_items(page, today)
    dated = dated_list_items(found)
    latest = max((f.item.date for f in dated if f.item.date), default=None)
    undated = sum(1 for f in found if f.item.date is None)
    url_dated = sum(1 for f in dated if f.date_source == "url")
    navigation_only = (
        len(dated) - url_dated <= NAV_ONLY_MAX_SHOWN
        and url_dated <= NAV_ONLY_MAX_URL_DATED
        and undated <= NAV_ONLY_MAX_UNDATED
        and _site_links(page) >= NAV_ONLY_MIN_LINKS
    )
    return HomepageFacts(latest, len(dated), navigation_only)


# ---- client redirects --------------------------------------------------------------------


def _refresh_target(page: Page) -> str | None:
    """The URL of `content="0;url=…"` (also `0; URL='…'`, `0,url=…`, a bare `url=…`)."""
    if not page.refresh:
        return None
    rest = page.refresh
    delay = _REFRESH_DELAY.match(rest)
    if delay:
        if float(delay[1]) > MAX_REFRESH_DELAY:
            return None
        rest = rest[delay.end() :]
    rest = _REFRESH_URL.sub("", rest, count=1).strip().strip("'\"").strip()
    return rest or None


def _little_content(page: Page) -> bool:
    if len(page.text) > REDIRECT_MAX_TEXT:
        return False
    return len(body_links(page)) <= REDIRECT_MAX_LINKS


def _js_target(page: Page) -> str | None:
    targets = []
    codes = [s.code for s in page.scripts if s.code]
    body = page.body
    if body is not None:
        codes.append(body.attributes.get("onload") or "")
    for code in codes:
        for shape in _JS_TARGETS:
            targets.extend(m[2] for m in shape.finditer(code[:20_000]))
    targets = [t for t in targets if not t.lower().startswith(("javascript:", "#", "mailto:"))]
    if not targets:
        return None
    desktop = [t for t in targets if not _MOBILE.search(t)]
    return (desktop or targets)[0]


def client_redirect(page: Page) -> str | None:
    """The absolute URL a meta refresh or a redirect-only script sends the browser to."""
    target = _refresh_target(page)
    if target is None and _little_content(page):
        target = _js_target(page)
    if target is None:
        return None
    url = page.absolute(target)
    if not url.startswith(("http://", "https://")) or url == page.url.split("#", 1)[0]:
        return None
    return url
