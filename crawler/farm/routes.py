"""Which answer a farm site gives for a path: pure, so the server only caches and sends."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from crawler.farm import pages
from crawler.farm.catalog import FarmSite, decode_item_id, item_ages
from crawler.site import SiteStatus

HOME_PATHS = frozenset({"/", "/index.html", "/index.htm", "/index.shtml"})
PINNED = 999  # item index of a column's undated pinned item

_COLUMN = re.compile(r"^/col/([a-z]+)/(?:index(?:_(\d+))?\.html)?$")
_TRS = re.compile(r"^/([a-z]+)/(\d{6})/t(\d{8})_(\d+)\.html$")
_HANWEB = re.compile(r"^/art/(\d{4})/(\d{1,2})/(\d{1,2})/art_(\d+)_(\d+)\.html$")
_UNDATED = re.compile(r"^/([a-z]+)/content/(\d+)\.html$")

# A 1x1 transparent PNG: every <img> on the farm resolves to something real.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)
ASSETS = {
    "/css/": ("text/css", b"body{font-family:SimSun,serif}.date{float:right}\n"),
    "/js/": ("application/javascript", b"function createPageHTML(n,c,p,s){}\n"),
    "/images/": ("image/png", PNG),
}


@dataclass(frozen=True, slots=True)
class Reply:
    status: int
    body: bytes
    content_type: str
    headers: tuple[tuple[str, str], ...] = ()
    stream: str | None = None  # "slow": the server trickles the body
    cacheable: bool = True


def _html(fs: FarmSite, html: str, status: int = 200, **kw: object) -> Reply:
    return Reply(status, pages.encode(fs, html), pages.content_type(fs), **kw)  # type: ignore[arg-type]


def not_found(fs: FarmSite) -> Reply:
    return _html(fs, pages.not_found_page(fs), 404)


def server_error(fs: FarmSite) -> Reply:
    return _html(fs, pages.error_page(fs, 500, "服务器内部错误"), 500)


def _special(fs: FarmSite, path: str) -> Reply | None:
    """The answers of links placed on purpose (see catalog.SpecialLink)."""
    for link in fs.links:
        if link.href.startswith("http") or link.href.split("?")[0] != path:
            continue
        kind = link.kind
        if kind == "http404":
            return not_found(fs)
        if kind == "http500":
            return server_error(fs)
        if kind == "soft404":
            return _html(fs, pages.soft_404_page(fs))
        if kind == "http401":
            auth = (("WWW-Authenticate", 'Basic realm="member"'),)
            return _html(fs, pages.error_page(fs, 401, "请先登录"), 401, headers=auth)
        if kind == "http403":
            return _html(fs, pages.error_page(fs, 403, "禁止访问"), 403)
        if kind == "redirect_loop":
            return Reply(302, b"", "text/html", (("Location", "/go/b.html"),))
    if path == "/go/b.html" and "redirect_loop" in fs.conditions:
        return Reply(302, b"", "text/html", (("Location", "/go/a.html"),))
    return None


def _conditional(fs: FarmSite, path: str, query: str, today: date) -> Reply | None:
    if path == "/special/huge.html" and "huge_page" in fs.conditions:
        return _html(fs, pages.huge_page(fs, today), cacheable=False)
    if path == "/special/slow.html" and "slow_drip" in fs.conditions:
        return _html(fs, pages.slow_page(fs, today), stream="slow")
    if path == "/calendar/index.html" and "link_trap" in fs.conditions:
        day = today
        match = re.search(r"(?:^|&)date=(\d{4}-\d{2}-\d{2})", query)
        if match:
            try:
                day = date.fromisoformat(match.group(1))
            except ValueError:
                return not_found(fs)
        return _html(fs, pages.calendar_trap_page(fs, day, today))
    if path == "/portal/index.html" and fs.layout in ("meta_refresh", "js_redirect"):
        return _html(fs, pages.portal(fs, today))
    return None


def _column(fs: FarmSite, path: str, today: date) -> Reply | None:
    match = _COLUMN.match(path)
    if not match:
        return None
    col = fs.column(match.group(1))
    cur = int(match.group(2) or 0)
    if col is None or cur >= pages.page_count(fs, col) or (match.group(2) == "0"):
        return not_found(fs)
    return _html(fs, pages.column_page(fs, col, cur, today))


def _article(
    fs: FarmSite, slug: str | None, col_id: int | None, aid: int, day: date | None, today: date
) -> Reply:
    position, k = decode_item_id(aid)
    col = next((c for c in fs.columns if c.position == position), None)
    if col is None or (slug and col.slug != slug) or (col_id and col.col_id != col_id):
        return not_found(fs)
    if k == PINNED and col.pinned_undated and day is None:
        return _html(fs, pages.article_page(fs, col, k, None, today))
    ages = item_ages(f"{fs.code}:{col.slug}", col.items, col.newest_age, col.gap)
    if k >= len(ages):
        return not_found(fs)
    age = ages[k]
    real_day = None if age is None else today - timedelta(days=age)
    if real_day != day:
        return not_found(fs)  # right id, wrong date: not the article's address
    return _html(fs, pages.article_page(fs, col, k, day, today))


def _articles(fs: FarmSite, path: str, today: date) -> Reply | None:
    try:
        if match := _TRS.match(path):
            day = date(int(match[3][:4]), int(match[3][4:6]), int(match[3][6:]))
            if match[2] != match[3][:6]:
                return not_found(fs)
            return _article(fs, match[1], None, int(match[4]), day, today)
        if match := _HANWEB.match(path):
            day = date(int(match[1]), int(match[2]), int(match[3]))
            return _article(fs, None, int(match[4]), int(match[5]), day, today)
    except ValueError:
        return not_found(fs)
    if match := _UNDATED.match(path):
        return _article(fs, match[1], None, int(match[2]), None, today)
    return None


def route(fs: FarmSite, path: str, query: str, today: date) -> Reply:
    """The site's answer to GET path?query in normal mode."""
    if path == "/robots.txt":
        return Reply(200, b"User-agent: *\nAllow: /\n", "text/plain")
    if path == "/favicon.ico":
        return Reply(200, PNG, "image/x-icon")
    for prefix, (ctype, body) in ASSETS.items():
        if path.startswith(prefix):
            return Reply(200, body, ctype)
    if fs.status is SiteStatus.TEMPORARILY_CLOSED:
        return _html(fs, pages.maintenance_page(fs))
    if path in HOME_PATHS:
        return _html(fs, pages.homepage(fs, today))
    return (
        _special(fs, path)
        or _conditional(fs, path, query, today)
        or _column(fs, path, today)
        or _articles(fs, path, today)
        or not_found(fs)
    )
