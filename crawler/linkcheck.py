"""Whether one link opens: the check, its per-run cache, and what counts as broken.

Broken (链接可用性): HTTP 404, 410 and other 4xx, 5xx, a name that does not resolve, a
refused or failed connection, no answer within the timeout twice, a TLS handshake that
fails even unverified, a redirect loop, and a 200 answer that is a soft 404 (a title or
short body saying 页面不存在, or the site's own not-found page). 401, 403 and 429 are
recorded as "restricted" (a login wall, a WAF or rate limit is not a dead link; one
monitoring platform confirms 403, so the caller may count them). A link to a private
address the fetcher refuses is "not_checked". A certificate problem with a readable
page, a page too large to read whole and a page whose body is slow after a 2xx are
"ok": the visitor gets the page (certificates are their own census problem).

How: a GET of the first ``SNIFF_BYTES`` for pages (one round trip, like a HEAD, and only
the body shows a soft 404); HEAD first for attachments, images and media where the host
answers HEAD honestly, with a GET to confirm any HEAD failure and to sniff a text/html
answer. One retry after a timeout. Each URL is checked once per ``LinkCache``; concurrent
checks of one URL share one request.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import secrets
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import asdict, dataclass, replace
from typing import Any, Literal
from urllib.parse import urlsplit

from crawler.extract.links import LinkKind, canonical_url, kind_of
from crawler.extract.page import Page, parse_page
from crawler.fetch import Fetcher, FetchResult

Outcome = Literal["ok", "broken", "restricted", "not_checked"]

SNIFF_BYTES = 64 * 1024  # enough for the title and the visible text of an error page
SHORT_PAGE_CHARS = 3000  # a body phrase counts only on a page this short: error pages are
#                          short, and a long article may quote 页面不存在 in passing
RESTRICTED_STATUSES = frozenset({401, 403, 429})
# HEAD answers that a GET cannot change: the same name, address and handshake.
_FINAL_FOR_HEAD = frozenset(
    {
        "dns",
        "refused",
        "tls",
        "blocked_address",
        "invalid_url",
        "redirect_loop",
        "too_many_redirects",
    }
)
_DIGIT_RUNS = re.compile(r"\d+")
_HOME_ALIAS = re.compile(r"/(?:(?:index|default|main|home)\.\w+)?$", re.IGNORECASE)
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class LinkStatus:
    """What checking one URL found. ``error`` is None for a plain HTTP error status
    (``status`` says it all), else "<kind>: <reason>" (kinds: crawler.fetch.ErrorKind
    and "soft_404")."""

    url: str
    outcome: Outcome
    status: int | None = None
    error_kind: str | None = None
    error: str | None = None
    final_url: str | None = None
    method: str = "GET"
    attempts: int = 1
    elapsed_ms: int = 0
    tls_error: str | None = None

    @property
    def broken(self) -> bool:
        return self.outcome == "broken"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class NotFoundPage:
    """How a site answers a path that does not exist, when it answers 2xx (a soft-404
    site): the page it ends on after redirects and a fingerprint of its text."""

    final_url: str | None  # canonical; None when the path was not redirected
    fingerprint: str


@dataclass(frozen=True, slots=True)
class Soft404:
    """What a 2xx answer is compared with: the phrases, and the site's not-found page
    (only for links on the site's own host)."""

    phrases: tuple[str, ...] = ()
    not_found: NotFoundPage | None = None


# ---- soft 404: pure ------------------------------------------------------------------


def page_fingerprint(text: str, *, drop: str = "") -> str:
    """A digest of visible text that ignores spacing, numbers and an echoed path."""
    if drop:
        text = text.replace(drop, "")
    text = _SPACES.sub("", _DIGIT_RUNS.sub("", text))
    return hashlib.sha1(text.encode("utf-8", "replace")).hexdigest()


def soft_404_reason(
    title: str,
    text: str,
    *,
    url: str,
    final_url: str,
    soft404: Soft404,
) -> str | None:
    """Why a 2xx page is really "not found", or None. Order: title phrase, short-body
    phrase, redirected to the site's not-found page, identical to it."""
    for phrase in soft404.phrases:
        if phrase in title:
            return f"title says {phrase!r}"
    if len(text) <= SHORT_PAGE_CHARS:
        for phrase in soft404.phrases:
            if phrase in text:
                return f"page says {phrase!r}"
    nf = soft404.not_found
    if nf is None:
        return None
    if nf.final_url is not None:
        # The site redirects unknown paths; the page it lands on may be a real one (the
        # homepage), so only arriving there by redirect gives a link away, unless the
        # link is itself a homepage address (/index.html redirected to /).
        landed = canonical_url(final_url) == nf.final_url != canonical_url(url)
        if landed and not _HOME_ALIAS.search(_path(url)):
            return f"redirected to the site's not-found page {nf.final_url}"
        return None
    if page_fingerprint(text, drop=_path(url)) == nf.fingerprint:
        return "identical to the site's not-found page"
    return None


def _path(url: str) -> str:
    try:
        return urlsplit(url).path
    except ValueError:
        return ""


# ---- classification: pure -------------------------------------------------------------


def _error(kind: str, reason: str | None) -> str:
    return f"{kind}: {reason}" if reason else kind


def classify(
    result: FetchResult,
    *,
    soft404: Soft404 | None = None,
    page: Page | None = None,
    method: str = "GET",
    attempts: int = 1,
) -> LinkStatus:
    """The verdict on one fetch of a link. ``page``: the body already parsed (the crawl
    has it); otherwise a 2xx text body is parsed here for the soft-404 test."""
    base = LinkStatus(
        url=canonical_url(result.url),
        outcome="broken",
        status=result.status,
        error_kind=result.error_kind,
        error=_error(result.error_kind, result.error) if result.error_kind else None,
        final_url=result.final_url,
        method=method,
        attempts=attempts,
        elapsed_ms=result.elapsed_ms,
        tls_error=result.tls_error,
    )
    kind, status = result.error_kind, result.status
    answered_2xx = status is not None and 200 <= status < 300
    if kind == "blocked_address":
        return replace(base, outcome="not_checked")
    if kind == "http_status" and status is not None:
        if status in RESTRICTED_STATUSES:
            return replace(base, outcome="restricted", error=None)
        return replace(base, error=None)  # other 4xx and 5xx
    if kind in ("too_large", "timeout", "bad_content", "connection") and answered_2xx:
        # The page came (too long to read whole, or a slow or odd body): it opens.
        return replace(base, outcome="ok", error_kind=None, error=None)
    if kind is not None:
        return base  # dns, refused, timeout, tls, redirects, no status …
    if status is None or status >= 400:
        return replace(base, error_kind="http_status", error=None)
    if answered_2xx and soft404 is not None and (page is not None or result.text):
        if page is None:
            page = parse_page(result.text, result.final_url or result.url)
        reason = soft_404_reason(
            page.title,
            page.text,
            url=result.url,
            final_url=result.final_url or result.url,
            soft404=soft404,
        )
        if reason:
            return replace(base, error_kind="soft_404", error=f"soft_404: {reason}")
    return replace(base, outcome="ok")  # 2xx, or a 3xx the fetcher did not follow


# ---- the cache ------------------------------------------------------------------------


@dataclass
class CacheStats:
    checks: int = 0  # URLs actually checked
    hits: int = 0  # answered from a finished check
    joined: int = 0  # waited for a check already running


class LinkCache:
    """Link statuses of one run, shared by every site checked in it.

    Concurrent checks of one URL coalesce into one task; a finished result is kept
    (oldest finished entries dropped past ``max_entries``). Also remembers the hosts
    whose HEAD answers were contradicted by GET, so those get GET only.
    """

    def __init__(
        self,
        max_entries: int = 200_000,
        *,
        uplink: bool = True,
        ttl: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_entries = max_entries
        # A long-lived cache (a worker's) forgets a status after ttl seconds: a link
        # broken this morning may work tonight. None: the cache lives one run.
        self.ttl = ttl
        self._clock = clock
        self._settled_at: dict[str, float] = {}
        # False while this server cannot reach the Internet (crawler.uplink): then a
        # named host that cannot be reached is "not checked", not broken.
        self.uplink = uplink
        self.stats = CacheStats()
        self._entries: OrderedDict[str, asyncio.Future[LinkStatus]] = OrderedDict()
        self._done = 0
        self._head_dishonest: set[str] = set()

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, url: str) -> bool:
        return url in self._entries

    def peek(self, url: str) -> LinkStatus | None:
        """A finished status, without checking."""
        future = self._entries.get(url)
        if future is None or not future.done() or future.cancelled() or future.exception():
            return None
        if self._expired(url, future):
            return None
        return future.result()

    def put(self, status: LinkStatus) -> None:
        """Record a status found another way (a crawled page's fetch)."""
        if status.url in self._entries:
            return
        future: asyncio.Future[LinkStatus] = asyncio.get_running_loop().create_future()
        future.set_result(status)
        self._entries[status.url] = future
        self._settled_at[status.url] = self._clock()
        self._finished()

    async def get_or_check(
        self, url: str, check: Callable[[], Awaitable[LinkStatus]]
    ) -> LinkStatus:
        future = self._entries.get(url)
        if future is not None and self._expired(url, future):
            del self._entries[url]
            self._done -= 1
            future = None
        if future is not None:
            if future.done():
                self.stats.hits += 1
                self._entries.move_to_end(url)
            else:
                self.stats.joined += 1
            # shield: one waiter giving up must not cancel the check for the others
            return await asyncio.shield(future)
        self.stats.checks += 1
        task = asyncio.ensure_future(check())
        self._entries[url] = task
        task.add_done_callback(lambda t: self._settled(url, t))
        return await asyncio.shield(task)

    def _expired(self, url: str, future: asyncio.Future[LinkStatus]) -> bool:
        if self.ttl is None or not future.done():
            return False
        return self._clock() - self._settled_at.get(url, 0.0) > self.ttl

    def _settled(self, url: str, task: asyncio.Future[LinkStatus]) -> None:
        if task.cancelled() or task.exception() is not None:
            self._entries.pop(url, None)  # not a result: the next caller checks again
            return
        self._settled_at[url] = self._clock()
        self._finished()

    def _finished(self) -> None:
        self._done += 1
        while self._done > self.max_entries and self._entries:
            oldest = next(iter(self._entries))
            if not self._entries[oldest].done():
                break  # never drop a running check: its waiters hold it
            del self._entries[oldest]
            self._settled_at.pop(oldest, None)
            self._done -= 1

    def head_honest(self, host: str) -> bool:
        return host not in self._head_dishonest

    def distrust_head(self, host: str) -> None:
        self._head_dishonest.add(host)


# ---- the check --------------------------------------------------------------------------


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def _is_html(result: FetchResult) -> bool:
    return "html" in result.headers.get("content-type", "").lower()


async def _get(
    url: str, fetcher: Fetcher, site_host: str | None, soft404: Soft404, attempts: int
) -> LinkStatus:
    got = await fetcher.get(url, site_host=site_host, max_bytes=SNIFF_BYTES)
    return classify(got, soft404=soft404, attempts=attempts)


async def _head_then_get(
    url: str,
    fetcher: Fetcher,
    cache: LinkCache,
    site_host: str | None,
    soft404: Soft404,
    attempts: int,
) -> LinkStatus:
    head = await fetcher.head(url, site_host=site_host)
    verdict = classify(head, method="HEAD", attempts=attempts)
    if head.error_kind in _FINAL_FOR_HEAD:
        return verdict
    if verdict.outcome == "ok" and not _is_html(head):
        return verdict
    # A HEAD failure is confirmed by GET; an attachment answered with HTML may be an
    # error page in disguise, which only the body shows.
    confirmed = await _get(url, fetcher, site_host, soft404, attempts)
    if verdict.outcome != "ok" and confirmed.outcome == "ok":
        cache.distrust_head(_host(url))
    return confirmed


async def check_link(
    url: str,
    fetcher: Fetcher,
    cache: LinkCache,
    *,
    site_host: str | None,
    soft404: Soft404 | Iterable[str] = (),
    kind: LinkKind | None = None,
) -> LinkStatus:
    """Check one link once per cache. ``site_host``: the registered site's host (the
    fetcher's address guard lets it be private). ``soft404``: phrases, or a ``Soft404``
    carrying the site's not-found page (pass that only with a cache private to the site,
    since a shared result must not depend on the linking site). ``kind``: what the link
    points at (default: by the URL's extension)."""
    key = canonical_url(url)
    test = soft404 if isinstance(soft404, Soft404) else Soft404(tuple(soft404))
    target = kind or kind_of(key)

    async def run() -> LinkStatus:
        verdict: LinkStatus | None = None
        for attempt in (1, 2):  # one retry, after a timeout only
            if target != "page" and cache.head_honest(_host(key)):
                verdict = await _head_then_get(key, fetcher, cache, site_host, test, attempt)
            else:
                verdict = await _get(key, fetcher, site_host, test, attempt)
            if verdict.error_kind != "timeout":
                break
        assert verdict is not None
        return verdict

    return await cache.get_or_check(key, run)


async def learn_not_found(
    site_url: str, fetcher: Fetcher, *, site_host: str | None
) -> NotFoundPage | None:
    """Fetch a path that cannot exist on the site; a 2xx answer is its soft-404 page."""
    token = f"govcrawl-{secrets.token_hex(6)}"
    probe = canonical_url(site_url).split("?", 1)[0].rsplit("/", 1)[0] + f"/{token}/nf.html"
    got = await fetcher.get(probe, site_host=site_host, max_bytes=SNIFF_BYTES)
    if got.status is None or not 200 <= got.status < 300 or not got.text:
        return None
    final = canonical_url(got.final_url) if got.final_url and got.redirects else None
    page = parse_page(got.text, got.final_url or probe)
    return NotFoundPage(final_url=final, fingerprint=page_fingerprint(page.text, drop=_path(probe)))
