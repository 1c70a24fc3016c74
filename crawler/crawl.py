"""One site's link check (链接可用性): crawl the site within bounds, check every link found.

The crawl is breadth-first from the homepage: the homepage (depth 0), the pages it links
to (column pages, depth 1), the pages those link to (articles, pagination, depth 2), up
to ``max_depth``; same host and port only, at most ``max_pages`` pages parsed. Traps
(calendars, session ids, endless query strings) are held by canonical URLs and by URL
shape (crawler.extract.links.url_pattern): at most ``per_pattern`` pages of a shape are
reached from pages of the same shape, and no shape takes more than half the budget.
Pages the inspection already fetched come in as ``seed_pages`` and are not fetched again.

Every distinct link on a parsed page (internal and external, attachments and images
included) is checked once, at most ``max_links`` per site. A page the crawl fetches is
checked by that fetch; other links by ``crawler.linkcheck.check_link``: links to other
hosts through the run's shared ``LinkCache`` (www.gov.cn is checked once per run), links
to the site's own host through a cache of this crawl (their soft-404 test uses the
site's own not-found page, which must not leak into other sites' answers).
"""

from __future__ import annotations

import asyncio
import ipaddress
import time
from collections import Counter, deque
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit

from pydantic import TypeAdapter

from crawler.extract.links import Link, LinkKind, canonical_url, page_links, refresh_target
from crawler.extract.links import url_pattern as _url_pattern
from crawler.extract.page import Page, parse_page
from crawler.fetch import Fetcher, FetchResult, carried_pages, carry_pages
from crawler.linkcheck import (
    LinkCache,
    LinkStatus,
    NotFoundPage,
    Soft404,
    check_link,
    classify,
    page_fingerprint,
)
from crawler.linkcheck import (
    learn_not_found as _learn_not_found,
)

MAX_URL_LENGTH = 400  # longer internal URLs are checked but not crawled (query traps)
_THREAD_PARSE_CHARS = 256 * 1024  # parse bigger pages off the event loop
_PAGE_FETCHES = 4  # pages of one site fetched at once (the fetcher's per-host cap rules)
_CHECKS = 8  # link checks of one site in flight (many go to other hosts)
# Pages fetched ahead of the one being read: the fetcher's per-host cap and _PAGE_FETCHES
# bound the real concurrency; pages are still read in order, so the crawl is repeatable.
_WINDOW = 16


@dataclass(frozen=True, slots=True)
class FoundLink:
    """A broken (or restricted) link and every crawled page it appears on."""

    url: str
    found_on: list[str]
    text: str
    status: int | None
    error: str | None  # None for a plain HTTP error status; else "<kind>: <reason>"
    error_kind: str | None  # http_status, soft_404, dns, refused, timeout, tls, …
    on_homepage: bool


@dataclass(slots=True)
class LinkReport:
    """The link check of one site; ``broken`` is what the census counts."""

    pages_crawled: int = 0
    links_checked: int = 0
    broken: list[FoundLink] = field(default_factory=list)
    restricted: list[FoundLink] = field(default_factory=list)  # 401/403/429, not counted
    homepage_broken: int = 0  # broken links that appear on the homepage
    other_broken: int = 0  # broken links that appear only on other pages
    truncated_pages: bool = False  # a page was left uncrawled for max_pages
    truncated_links: bool = False  # a link was left unchecked for max_links
    not_checked: int = 0  # links to addresses the fetcher refuses (private, loopback)
    capped_patterns: list[str] = field(default_factory=list)  # URL shapes cut (traps)
    truncated_time: bool = False  # the crawl was stopped at its time bound
    elapsed_ms: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(slots=True)
class _Entry:
    url: str
    text: str
    kind: LinkKind
    found_on: dict[str, None]  # an ordered set of page URLs


def _same_origin(url: str, host: str, port: int | None) -> bool:
    try:
        parts = urlsplit(url)
        return (parts.hostname or "") == host and _port(parts.scheme, parts.port) == port
    except ValueError:
        return False


def _port(scheme: str, port: int | None) -> int | None:
    return port if port is not None else {"http": 80, "https": 443}.get(scheme)


def _hostname(url: str) -> str:
    try:
        return urlsplit(url).hostname or ""
    except ValueError:
        return ""


def _parseable(result: FetchResult) -> bool:
    return bool(result.text) and "html" in result.headers.get("content-type", "text/html")


@dataclass(slots=True)
class CrawlState:
    """A paused crawl, as plain data (JSON through pydantic): what a later job resumes.

    Page URLs in ``links`` are indexes into ``pages_seen``, so a navigation link found on
    every crawled page costs a few numbers, not a few hundred URLs.
    """

    site_url: str
    host: str
    port: int | None
    home_urls: list[str]
    not_found: NotFoundPage | None
    max_depth: int
    max_pages: int
    max_links: int
    per_pattern: int
    pages_seen: list[str]
    links: list[tuple[str, str, LinkKind, list[int]]]  # url, text, kind, found_on
    page_status: dict[str, LinkStatus]
    checked: dict[str, LinkStatus]
    to_check: list[tuple[str, LinkKind]]
    scheduled: list[str]
    parsed: list[str]
    patterns: dict[str, int]
    capped: list[str]
    pages: int
    truncated_pages: bool
    truncated_links: bool
    frontier: list[tuple[str, int]]
    elapsed_s: float
    # Pages fetched but not read yet (crawler.fetch.carry_pages): read, not fetched again.
    in_hand: dict[str, dict[str, Any]] = field(default_factory=dict)


CRAWL_STATE = TypeAdapter(CrawlState)


class SiteCrawl:
    """One site's crawl, resumable: ``start`` reads the homepage and the seed pages,
    ``advance`` goes on until done or a deadline, ``state``/``restore`` carry a paused
    crawl to another job (another process), ``report`` sums it up."""

    def __init__(
        self,
        site_url: str,
        fetcher: Fetcher,
        cache: LinkCache,
        *,
        max_depth: int,
        max_pages: int,
        max_links: int,
        per_pattern: int,
        phrases: tuple[str, ...],
    ) -> None:
        self.site_url = canonical_url(site_url)
        parts = urlsplit(self.site_url)
        self.host = parts.hostname or ""
        self.port = _port(parts.scheme, parts.port)
        self.fetcher = fetcher
        self.shared = cache
        self.local = LinkCache()  # this site's own host: results depend on this site
        self.max_depth, self.max_pages, self.max_links = max_depth, max_pages, max_links
        self.per_pattern = per_pattern
        self.soft_shared = Soft404(phrases)
        self.soft_local = Soft404(phrases)
        self.links: dict[str, _Entry] = {}
        self.page_status: dict[str, LinkStatus] = {}  # crawled pages, by requested URL
        self.checked: dict[str, LinkStatus] = {}  # link checks finished
        self.checks: dict[str, asyncio.Task[LinkStatus]] = {}  # link checks running
        self.check_kinds: dict[str, LinkKind] = {}  # checks not finished (to start again)
        self.checking: set[str] = set()  # checks past their slot: asking now
        self.scheduled: set[str] = set()
        self.parsed: set[str] = set()
        self.patterns: Counter[str] = Counter()
        self.capped: dict[str, None] = {}
        self.home_urls: set[str] = {self.site_url}
        self.pages = 0
        self.truncated_pages = False
        self.truncated_links = False
        self.truncated_time = False
        # Pages to read, in breadth-first order, with their depth; seed pages in hand.
        self.frontier: deque[tuple[str, int]] = deque()
        self.in_hand: dict[str, FetchResult] = {}
        self.elapsed_s = 0.0  # time spent in earlier jobs
        self._progress = 0
        self.fetch_slots = asyncio.Semaphore(_PAGE_FETCHES)
        self.check_slots = asyncio.Semaphore(_CHECKS)

    # ---- pages ----------------------------------------------------------------------

    async def _fetch(self, url: str) -> FetchResult:
        async with self.fetch_slots:
            return await self.fetcher.get(url, site_host=self.host)

    async def start(self, seeds: list[tuple[str, FetchResult | None]], learn: bool) -> None:
        """Read the homepage (fetched unless it is the first seed) and learn the site's
        not-found page; the seed pages (column pages) come next, at depth 1, before the
        pages the homepage links to. A seed without its page is fetched when its turn comes."""
        started = time.monotonic()
        home_url, home = seeds[0] if seeds else (self.site_url, None)
        self.home_urls.add(home_url)
        home, not_found = await asyncio.gather(
            self._fetch(home_url) if home is None else _done(home),
            _learn_not_found(self.site_url, self.fetcher, site_host=self.host)
            if learn
            else _none(),
        )
        self.home_urls.add(canonical_url(home.final_url or home_url))
        self.soft_local = Soft404(self.soft_shared.phrases, not_found)
        self.scheduled.add(home_url)
        later = [(url, got) for url, got in seeds[1:] if url not in self.scheduled]
        self.scheduled.update(url for url, _ in later)
        self.pages = 1 + len(later)
        self.frontier.append((home_url, 0))
        self.in_hand[home_url] = home
        for url, got in later:
            self.frontier.append((url, 1))
            if got is not None:
                self.in_hand[url] = got
        self.elapsed_s += time.monotonic() - started

    async def advance(
        self,
        deadline: float | None = None,
        *,
        progressed: bool = False,
        drain_s: float | None = None,
    ) -> bool:
        """Crawl and check until done (True) or until the monotonic ``deadline`` (False:
        paused; what is left is kept to do in the next job).

        Past the deadline, pages and checks already asked for get ``drain_s`` more (one
        fetch timeout by default) before the rest is put off. Unless the caller already
        ``progressed`` in this job, at least one page is read or one check finished
        whatever the deadline, so a chain of jobs always ends."""
        if drain_s is None:
            drain_s = self.fetcher.config.timeout.total_seconds()
        started = time.monotonic()
        self._progress = int(progressed)  # pages read and checks finished by this job
        for url, kind in list(self.check_kinds.items()):
            self._start_check(url, kind)  # what a pause cancelled (no-op for the rest)
        try:
            done = await self._pages(deadline, drain_s) and await self._checks(deadline)
            if not done:
                assert deadline is not None
                await self._settle_checks(deadline + drain_s)
            return done
        finally:
            self.elapsed_s += time.monotonic() - started

    async def _pages(self, deadline: float | None, drain_s: float) -> bool:
        window: deque[tuple[str, int, asyncio.Future[FetchResult]]] = deque()
        # Past the deadline the pages already asked for are still read, for up to one
        # fetch timeout more (within a job's bound): a job that stopped at once would
        # throw away every answer that came in behind the one it was waiting for.
        drain_until: float | None = None
        try:
            while self.frontier or window:
                while drain_until is None and self.frontier and len(window) < _WINDOW:
                    url, depth = self.frontier.popleft()
                    got = self.in_hand.get(url)
                    fetch = (
                        _ready(got) if got is not None else asyncio.ensure_future(self._fetch(url))
                    )
                    window.append((url, depth, fetch))
                if not window:
                    return False  # drained: the rest waits for the next job
                url, depth, fetch = window[0]
                # A page in hand is read whatever the time: reading it costs no waiting.
                limit = deadline if drain_until is None else drain_until
                if not await _within(fetch, limit if self._progress else None):
                    if drain_until is not None or deadline is None:
                        return False
                    drain_until = deadline + drain_s
                    continue
                self._progress += 1
                window.popleft()
                self.in_hand.pop(url, None)
                await self._take_page(url, fetch.result(), depth)
            return True
        finally:
            # Whatever was not read goes back, in order, for the next job.
            for url, depth, fetch in reversed(window):
                if fetch.done() and not fetch.cancelled() and fetch.exception() is None:
                    self.in_hand[url] = fetch.result()  # fetched, not yet read: keep it
                fetch.cancel()
                self.frontier.appendleft((url, depth))

    async def _checks(self, deadline: float | None) -> bool:
        while self.checks:
            url, task = next(iter(self.checks.items()))
            if not await _within(task, deadline if self._progress else None):
                return False
            self._progress += 1
            self._settled(url, task.result())
            del self.checks[url]
        return True

    async def _settle_checks(self, until: float) -> None:
        """At a pause: checks already asking get until ``until`` to answer (their requests
        are made; a check started again next job would make them twice), the waiting
        ones are cancelled; ``check_kinds`` keeps every unfinished one to start again."""
        for url, task in self.checks.items():
            if url not in self.checking:
                task.cancel()
        asking = [task for url, task in self.checks.items() if url in self.checking]
        left = until - time.monotonic()
        if asking and left > 0:
            await asyncio.wait(asking, timeout=left)
        for url, task in self.checks.items():
            if task.done() and not task.cancelled() and task.exception() is None:
                self._settled(url, task.result())
        self.cancel_checks()

    def _settled(self, url: str, status: LinkStatus) -> None:
        self.checked[url] = status
        self.check_kinds.pop(url, None)

    def cancel_checks(self) -> None:
        """Cancel the checks in flight; ``check_kinds`` keeps them to start again."""
        for task in self.checks.values():
            task.cancel()
        self.checks.clear()

    def stop(self) -> None:
        """End the crawl where it is (its time bound is spent): what was not read or not
        checked is left out of the report."""
        self.cancel_checks()
        self.truncated_time = bool(self.frontier or self.check_kinds)
        self.frontier.clear()
        self.in_hand.clear()

    async def _take_page(self, url: str, got: FetchResult, depth: int) -> None:
        page: Page | None = None
        final = canonical_url(got.final_url or url)
        if depth == 0 and not _same_origin(final, self.host, self.port):
            self._move_to(final)  # the registered address redirects (new domain, https)
        same_site = _same_origin(final, self.host, self.port)
        if got.status is not None and 200 <= got.status < 300 and _parseable(got) and same_site:
            page = await _parse(got.text, got.final_url or url)
        status = classify(got, soft404=self.soft_local, page=page)
        if status.error_kind == "timeout":
            self._start_check(url, "page")  # the check's own retry decides
        else:
            self.page_status[url] = status
        # The homepage is read whatever it says: the inspection found it open.
        if page is None or (status.outcome != "ok" and depth > 0) or final in self.parsed:
            return
        self.parsed.add(final)
        if depth == 0:
            self._learn_homepage(page, final)
        links = await _links_of(page)
        pattern = _url_pattern(final)
        for link in links:
            self._found(link, final, depth + 1, pattern)

    def _move_to(self, final: str) -> None:
        parts = urlsplit(final)
        self.host, self.port = parts.hostname or "", _port(parts.scheme, parts.port)
        self.home_urls.add(final)

    def _learn_homepage(self, page: Page, final: str) -> None:
        target = refresh_target(page)
        if target and _same_origin(target, self.host, self.port):
            self.home_urls.add(target)  # the homepage is a meta-refresh stub: both count
        nf = self.soft_local.not_found
        if nf and nf.final_url is None and page_fingerprint(page.text) == nf.fingerprint:
            # Every path answers with the homepage: identity tells nothing here.
            self.soft_local = Soft404(self.soft_local.phrases)

    # ---- links ----------------------------------------------------------------------

    def _found(self, link: Link, page_url: str, depth: int, page_pattern: str) -> None:
        entry = self.links.get(link.url)
        if entry is not None:
            entry.found_on[page_url] = None
            if not entry.text and link.text:
                entry.text = link.text
            return
        if len(self.links) >= self.max_links:
            self.truncated_links = True
            return
        self.links[link.url] = _Entry(link.url, link.text, link.kind, {page_url: None})
        if link.url in self.scheduled:
            return  # a page being crawled: its fetch is its check
        if self._crawl(link, depth, page_pattern):
            self.scheduled.add(link.url)
            self.frontier.append((link.url, depth))
            return
        self._start_check(link.url, link.kind)

    def _crawl(self, link: Link, depth: int, page_pattern: str) -> bool:
        if depth > self.max_depth or link.kind != "page" or link.tag == "img":
            return False
        if len(link.url) > MAX_URL_LENGTH or not _same_origin(link.url, self.host, self.port):
            return False
        pattern = _url_pattern(link.url)
        # A page leading to more of its own shape (calendar days, pagination, next
        # article) is how a trap grows: such chains get per_pattern pages. Articles
        # listed by column pages are not a chain, and only may not fill half the budget.
        chained = pattern == page_pattern
        if self.patterns[pattern] >= (self.per_pattern if chained else self.max_pages // 2):
            self.capped[pattern] = None
            return False
        if self.pages >= self.max_pages:
            self.truncated_pages = True
            return False
        self.patterns[pattern] += 1
        self.pages += 1
        return True

    def _start_check(self, url: str, kind: LinkKind) -> None:
        if url not in self.checks and url not in self.checked:
            self.check_kinds[url] = kind
            self.checks[url] = asyncio.ensure_future(self._check(url, kind))

    async def _check(self, url: str, kind: LinkKind) -> LinkStatus:
        host = _hostname(url)
        own = host == self.host
        async with self.check_slots:
            self.checking.add(url)
            try:
                status = await check_link(
                    url,
                    self.fetcher,
                    self.local if own else self.shared,
                    site_host=self.host,
                    soft404=self.soft_local if own else self.soft_shared,
                    kind=kind,
                )
            finally:
                self.checking.discard(url)
        if not own and not self.shared.uplink and _unreachable_name(host, status):
            return replace(status, outcome="not_checked", error=f"monitor offline: {status.error}")
        return status

    # ---- carried between jobs -------------------------------------------------------

    def state(self) -> CrawlState:
        """The paused crawl as data (after ``advance`` returned False)."""
        seen: dict[str, int] = {}
        links = [
            (e.url, e.text, e.kind, [seen.setdefault(p, len(seen)) for p in e.found_on])
            for e in self.links.values()
        ]
        return CrawlState(
            site_url=self.site_url,
            host=self.host,
            port=self.port,
            home_urls=sorted(self.home_urls),
            not_found=self.soft_local.not_found,
            max_depth=self.max_depth,
            max_pages=self.max_pages,
            max_links=self.max_links,
            per_pattern=self.per_pattern,
            pages_seen=list(seen),
            links=links,
            page_status=self.page_status,
            checked=self.checked,
            to_check=list(self.check_kinds.items()),
            scheduled=sorted(self.scheduled),
            parsed=sorted(self.parsed),
            patterns=dict(self.patterns),
            capped=list(self.capped),
            pages=self.pages,
            truncated_pages=self.truncated_pages,
            truncated_links=self.truncated_links,
            frontier=list(self.frontier),
            elapsed_s=self.elapsed_s,
            in_hand=carry_pages(self.in_hand),
        )

    @classmethod
    def restore(
        cls, state: CrawlState, fetcher: Fetcher, cache: LinkCache, phrases: tuple[str, ...]
    ) -> SiteCrawl:
        """A crawl to go on with in this process (``advance`` starts the checks left)."""
        crawl = cls(
            state.site_url,
            fetcher,
            cache,
            max_depth=state.max_depth,
            max_pages=state.max_pages,
            max_links=state.max_links,
            per_pattern=state.per_pattern,
            phrases=phrases,
        )
        crawl.host, crawl.port = state.host, state.port
        crawl.home_urls = set(state.home_urls)
        crawl.soft_local = Soft404(phrases, state.not_found)
        pages = state.pages_seen
        crawl.links = {
            url: _Entry(url, text, kind, {pages[i]: None for i in found_on})
            for url, text, kind, found_on in state.links
        }
        crawl.page_status = dict(state.page_status)
        crawl.checked = dict(state.checked)
        crawl.check_kinds = dict(state.to_check)  # advance starts them again
        crawl.scheduled = set(state.scheduled)
        crawl.parsed = set(state.parsed)
        crawl.patterns = Counter(state.patterns)
        crawl.capped = dict.fromkeys(state.capped)
        crawl.pages = state.pages
        crawl.truncated_pages = state.truncated_pages
        crawl.truncated_links = state.truncated_links
        crawl.frontier = deque((url, depth) for url, depth in state.frontier)
        crawl.elapsed_s = state.elapsed_s
        crawl.in_hand = carried_pages(state.in_hand)
        return crawl

    # ---- report ---------------------------------------------------------------------

    def report(self, count_4xx_auth: bool) -> LinkReport:
        """The link check as it stands (call after ``advance`` returned True or ``stop``)."""
        out = LinkReport(
            pages_crawled=len(self.parsed),
            truncated_pages=self.truncated_pages,
            truncated_links=self.truncated_links,
            truncated_time=self.truncated_time,
            capped_patterns=list(self.capped),
        )
        for url, entry in self.links.items():
            status = self.checked.get(url) or self.page_status.get(url)
            if status is None:
                continue  # a seed page the crawl never reached, or a check left undone
            out.links_checked += 1
            if status.outcome == "not_checked":
                out.not_checked += 1
                continue
            if status.outcome == "ok":
                continue
            found = FoundLink(
                url=url,
                found_on=list(entry.found_on),
                text=entry.text,
                status=status.status,
                error=status.error,
                error_kind=status.error_kind,
                on_homepage=not self.home_urls.isdisjoint(entry.found_on),
            )
            counted = status.outcome == "broken" or count_4xx_auth
            (out.broken if counted else out.restricted).append(found)
        out.homepage_broken = sum(b.on_homepage for b in out.broken)
        out.other_broken = len(out.broken) - out.homepage_broken
        out.elapsed_ms = round(self.elapsed_s * 1000)
        return out


def _ready(result: FetchResult) -> asyncio.Future[FetchResult]:
    future: asyncio.Future[FetchResult] = asyncio.get_running_loop().create_future()
    future.set_result(result)
    return future


async def _within(task: asyncio.Future, deadline: float | None) -> bool:
    """Wait for a task until the deadline; False when the deadline came first."""
    if deadline is None:
        await asyncio.wait({task})
        return True
    left = deadline - time.monotonic()
    if left > 0:
        await asyncio.wait({task}, timeout=left)
    return task.done()


_NETWORK_ERRORS = frozenset({"dns", "refused", "timeout", "tls"})


def _unreachable_name(host: str, status: LinkStatus) -> bool:
    """A named (not literal-address) host this server could not reach at all."""
    if status.error_kind not in _NETWORK_ERRORS:
        return False
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return True
    return False


async def _done(result: FetchResult) -> FetchResult:
    return result


async def _none() -> None:
    return None


async def _parse(text: str, url: str) -> Page:
    if len(text) > _THREAD_PARSE_CHARS:
        return await asyncio.to_thread(parse_page, text, url)
    return parse_page(text, url)


async def _links_of(page: Page) -> list[Link]:
    if len(page.text) > _THREAD_PARSE_CHARS // 2:
        return await asyncio.to_thread(page_links, page)
    return page_links(page)


def default_per_pattern(max_pages: int) -> int:
    """Pages of one URL shape reached from pages of that shape: a column's first
    pagination pages fit, a calendar trap does not."""
    return max(10, max_pages // 6)


async def crawl_site(
    site_url: str,
    fetcher: Fetcher,
    *,
    seed_pages: Mapping[str, FetchResult] | None = None,
    max_depth: int = 2,
    max_pages: int = 300,
    max_links: int = 2000,
    cache: LinkCache,
    soft404_phrases: Iterable[str] = (),
    count_4xx_auth: bool = False,
    per_pattern: int | None = None,
    learn_not_found: bool = True,
) -> LinkReport:
    """Crawl one site within bounds and check every link found on the crawled pages.

    seed_pages: pages the inspection already fetched, keyed by the URL asked for; the
    first is the homepage as read (after a client-side redirect), the rest column pages
    (depth 1). Without seeds the homepage is fetched from ``site_url``. cache: the run's
    shared LinkCache. soft404_phrases: rules' ``soft_404_phrases``. count_4xx_auth: count
    401/403/429 as broken. learn_not_found: fetch one nonexistent path to learn the
    site's not-found page (the soft-404 identity test).
    """
    crawl = SiteCrawl(
        site_url,
        fetcher,
        cache,
        max_depth=max_depth,
        max_pages=max_pages,
        max_links=max_links,
        per_pattern=per_pattern or default_per_pattern(max_pages),
        phrases=tuple(soft404_phrases),
    )
    seeds = [(canonical_url(url), got) for url, got in (seed_pages or {}).items()]
    try:
        await crawl.start(seeds, learn_not_found)
        await crawl.advance()
    except BaseException:
        crawl.cancel_checks()
        raise
    return crawl.report(count_4xx_auth)
