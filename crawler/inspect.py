"""One site's inspection: fetch the homepage and its columns, extract, apply the rules.

IO happens here and in the fetcher; everything that decides is pure (crawler.extract,
crawler.rules).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import TypeAdapter

from crawler.crawl import CrawlState, FoundLink, LinkReport, SiteCrawl, default_per_pattern
from crawler.extract.columns import ColumnLink, column_facts, column_type, navigation_columns
from crawler.extract.entries import find_entries
from crawler.extract.homepage import client_redirect, homepage_facts
from crawler.extract.identity import site_identity
from crawler.extract.links import canonical_url
from crawler.extract.page import Page, parse_page
from crawler.extract.spam import hidden_link_blocks, words_found
from crawler.facts import ColumnFacts, SiteFacts
from crawler.fetch import Fetcher, FetchResult, carried_pages, carry_pages
from crawler.linkcheck import LinkCache
from crawler.recorder import EvidencePage, evidence_data, evidence_page
from crawler.result import BrokenLink, HomepageResult, LinkCheck, SiteResult
from crawler.rules import Rules, evaluate, is_stale
from crawler.site import Site, SiteStatus


@dataclass(frozen=True, slots=True)
class InspectOptions:
    attempts: int = 3  # the one-shot check's reading of "could not be opened"
    retry_delay: timedelta = timedelta(seconds=3)
    max_columns: int = 60  # a portal's navigation rarely lists more; bounds one site's cost
    check_links: bool = True
    max_depth: int = 2
    max_pages: int = 300
    max_links: int = 2000
    count_restricted_links: bool = False


@dataclass(slots=True)
class Inspection:
    result: SiteResult
    evidence: list[EvidencePage] = field(default_factory=list)


def _opened(fetched: FetchResult) -> bool:
    # An oversized page still opened: the first max_body_bytes are read and judged.
    ok_kind = fetched.error_kind in (None, "too_large")
    return ok_kind and fetched.status is not None and 200 <= fetched.status < 300


def _error_text(fetched: FetchResult) -> str:
    return f"{fetched.error_kind}: {fetched.error}" if fetched.error else str(fetched.error_kind)


def _evidence(fetched: FetchResult) -> EvidencePage:
    return EvidencePage(
        url=fetched.final_url or fetched.url,
        body=fetched.body,
        content_type=fetched.headers.get("content-type", ""),
    )


async def _homepage(
    fetcher: Fetcher, url: str, host: str, options: InspectOptions
) -> tuple[FetchResult, int]:
    """The homepage within the allowed attempts; returns the last answer and pages fetched."""
    fetched = await fetcher.get(url, site_host=host)
    tries = 1
    while not _opened(fetched) and tries < options.attempts:
        await asyncio.sleep(options.retry_delay.total_seconds())
        fetched = await fetcher.get(url, site_host=host)
        tries += 1
    return fetched, tries


def site_result(site: Site, checked_at: datetime) -> SiteResult:
    """A site's result before anything is found: the registry's fields, not checked."""
    return SiteResult(
        code=site.code,
        name=site.name,
        region=site.region,
        url=site.url,
        status=site.status,
        checked_at=checked_at,
    )


async def inspect_site(
    site: Site,
    fetcher: Fetcher,
    rules: Rules,
    *,
    now: datetime,
    today: date,
    options: InspectOptions | None = None,
    link_cache: LinkCache | None = None,
) -> Inspection:
    """Everything the spot check would look at on one site, with evidence of each problem.

    link_cache: the run's shared link statuses; without one, links are not checked.
    """
    inspection = SiteInspection.begin(
        site, fetcher, rules, now=now, today=today, options=options, link_cache=link_cache
    )
    done = await inspection.advance()
    assert done is not None  # without a deadline it never pauses
    return done


Stage = Literal["home", "columns", "links"]


@dataclass(slots=True)
class InspectionState:
    """A paused inspection as plain data (JSON through pydantic), for the next job."""

    checked_at: datetime
    today: date
    stage: Stage
    result: SiteResult
    worked_s: float = 0.0  # time spent in the jobs so far
    tries: int = 0  # homepage attempts made
    home_url: str = ""  # the homepage as read (after a client-side redirect)
    facts: SiteFacts | None = None  # the homepage's facts, columns not yet in
    column_links: list[ColumnLink] = field(default_factory=list)  # in navigation order
    columns_todo: list[int] = field(default_factory=list)  # indexes not yet read
    columns: list[tuple[int, ColumnFacts]] = field(default_factory=list)
    # Evidence pages (crawler.recorder.evidence_data): the homepage's, and by column URL
    # the blank or stale columns'.
    home_evidence: dict[str, str] = field(default_factory=dict)
    column_evidence: dict[str, dict[str, str]] = field(default_factory=dict)
    # The homepage and column pages as fetched (crawler.fetch.carry_pages), until the link
    # check takes them: a crawl that starts in a later job reads them instead of asking
    # the site again.
    seeds: dict[str, dict[str, Any]] = field(default_factory=dict)
    crawl: CrawlState | None = None


INSPECTION_STATE = TypeAdapter(InspectionState)


class SiteInspection:
    """One site's inspection in steps, so a service can bound each job: the homepage (with
    its attempts), the column pages, then the link check. ``advance`` runs until done or a
    deadline; a paused inspection's ``state_data()`` goes on in ``resume`` in any process."""

    def __init__(
        self,
        site: Site,
        state: InspectionState,
        fetcher: Fetcher,
        rules: Rules,
        options: InspectOptions,
        link_cache: LinkCache | None,
    ) -> None:
        self.site, self.state = site, state
        self.fetcher, self.rules, self.options = fetcher, rules, options
        self.link_cache = link_cache
        self.host = urlsplit(site.url).hostname or ""
        # The pages read so far (in this job or, carried in the state, in earlier ones),
        # handed to the link check so it does not fetch them again.
        self.seeds: dict[str, FetchResult] = carried_pages(state.seeds)
        self.crawl: SiteCrawl | None = None
        self.progressed = False  # this job has read a page: the deadline now rules

    @classmethod
    def begin(
        cls,
        site: Site,
        fetcher: Fetcher,
        rules: Rules,
        *,
        now: datetime,
        today: date,
        options: InspectOptions | None = None,
        link_cache: LinkCache | None = None,
    ) -> SiteInspection:
        state = InspectionState(
            checked_at=now, today=today, stage="home", result=site_result(site, now)
        )
        return cls(site, state, fetcher, rules, options or InspectOptions(), link_cache)

    @classmethod
    def resume(
        cls,
        site: Site,
        state: dict,
        fetcher: Fetcher,
        rules: Rules,
        *,
        options: InspectOptions | None = None,
        link_cache: LinkCache | None = None,
    ) -> SiteInspection:
        """Go on with a paused inspection (``state()`` of the one that paused)."""
        return cls(
            site,
            INSPECTION_STATE.validate_python(state),
            fetcher,
            rules,
            options or InspectOptions(),
            link_cache,
        )

    def state_data(self) -> dict:
        """The paused inspection as JSON-ready data."""
        if self.crawl is not None:
            self.state.crawl = self.crawl.state()
        # Until the crawl has taken them, the pages read so far go on to the next job.
        self.state.seeds = {} if self.state.crawl is not None else carry_pages(self.seeds)
        return INSPECTION_STATE.dump_python(self.state, mode="json")

    async def advance(self, deadline: float | None = None) -> Inspection | None:
        """Work until done (the inspection) or the monotonic ``deadline`` (None: paused).
        Each call makes progress, so a chain of calls always ends."""
        started = time.monotonic()
        self.progressed = False
        try:
            return await self._advance(deadline)
        finally:
            self.state.worked_s += time.monotonic() - started

    async def _advance(self, deadline: float | None) -> Inspection | None:
        st = self.state
        if self.site.status is SiteStatus.TEMPORARILY_CLOSED:
            return Inspection(st.result)  # being rebuilt: not checked meanwhile
        if st.stage == "home":
            done = await self._home(deadline)
            if done is not None or st.stage == "home":
                return done
        if st.stage == "columns" and not await self._columns(deadline):
            return None
        if st.stage == "links":
            if self.crawl is None:
                if _past(deadline) and self.progressed and not self.seeds:
                    return None  # nothing in hand would be lost: start in the next job
                self.crawl = await self._start_crawl()
            if self.crawl is not None and not await self.crawl.advance(
                deadline, progressed=self.progressed
            ):
                return None
        return self._finish_all()

    def stop(self) -> Inspection:
        """The inspection's time bound is spent: finish with what was found. The census
        facts need the homepage and its columns; the link check may stop short."""
        st = self.state
        if st.stage != "links":
            return self.not_checked(f"inspection took longer than {st.worked_s:.0f} s")
        if self.crawl is None and st.crawl is not None:
            self.crawl = self._restored_crawl()
        if self.crawl is not None:
            self.crawl.stop()
        return self._finish_all()

    def not_checked(self, reason: str) -> Inspection:
        """The site's result without findings: the time ran out before the census facts."""
        result = site_result(self.site, self.state.checked_at)
        result.error = f"timeout: {reason}"
        return Inspection(result)

    # ---- the homepage ---------------------------------------------------------------

    async def _home(self, deadline: float | None) -> Inspection | None:
        st, base, options = self.state, self.state.result, self.options
        while True:
            fetched = await self.fetcher.get(self.site.url, site_host=self.host)
            st.tries += 1
            self.progressed = True
            if _opened(fetched) or st.tries >= options.attempts:
                break
            await asyncio.sleep(options.retry_delay.total_seconds())
            if _past(deadline):
                return None  # the next job makes the next attempt
        pages = st.tries
        base.http_status = fetched.status
        base.elapsed_ms = fetched.elapsed_ms
        base.final_url = fetched.final_url
        if not _opened(fetched):
            base.reachable = False
            base.error = _error_text(fetched)
            base.pages_fetched = pages
            facts = SiteFacts(
                code=self.site.code,
                status=self.site.status,
                reachable=False,
                error=base.error,
                evidence_url=self.site.url,
            )
            return _finish(base, facts, self.rules, st.today, [])

        page = parse_page(fetched.text, fetched.final_url or self.site.url)
        target = client_redirect(page)
        if target:
            followed = await self.fetcher.get(target, site_host=self.host)
            pages += 1
            if _opened(followed):
                fetched, page = followed, parse_page(followed.text, followed.final_url or target)
                base.final_url = fetched.final_url
        base.reachable = True
        if fetched.error_kind == "too_large":
            base.error = _error_text(fetched)  # judged on the first fetch.max_body_bytes only
        base.pages_fetched = pages
        st.facts = self._homepage_facts(page, fetched)
        links = navigation_columns(page, page.url)[: options.max_columns]
        st.column_links = links
        st.columns_todo = list(range(len(links)))
        st.home_url = page.url
        st.home_evidence = evidence_data(_evidence(fetched))
        self.seeds[page.url] = fetched
        st.stage = "columns"
        return None

    def _homepage_facts(self, page: Page, fetched: FetchResult) -> SiteFacts:
        rules, base = self.rules, self.state.result
        home = homepage_facts(page, self.state.today)
        entries = find_entries(page)
        identity = site_identity(page)
        text = page.text
        base.homepage = HomepageResult(
            latest_update=home.latest_update,
            dated_items=home.dated_items,
            navigation_only=home.navigation_only,
        )
        base.entries.zhaocuo = entries.zhaocuo
        base.entries.exposure = entries.exposure
        base.site_id_code_on_page = identity.meta_code or identity.footer_code
        return SiteFacts(
            code=self.site.code,
            status=self.site.status,
            reachable=True,
            tls_error=fetched.tls_error,
            closure_notice=bool(words_found(text, rules.closure_phrases)),
            homepage_latest=home.latest_update,
            homepage_dated_items=home.dated_items,
            navigation_only=home.navigation_only,
            zhaocuo_entry=entries.zhaocuo,
            zhaocuo_sitecode=entries.zhaocuo_sitecode,
            exposure_entry=entries.exposure,
            site_id_meta=identity.meta_code,
            site_id_footer=identity.footer_code,
            spam_blocks=hidden_link_blocks(page, rules.spam_words),
            forbidden_words=words_found(text, rules.forbidden_words),
            evidence_url=page.url,
        )

    # ---- the column pages -----------------------------------------------------------

    async def _columns(self, deadline: float | None) -> bool:
        """Fetch and read the column pages; True when all are in."""
        st = self.state
        if self.progressed and _past(deadline):
            return False  # this job's time went on the homepage
        fetches = {
            i: asyncio.ensure_future(self.fetcher.get(st.column_links[i].url, site_host=self.host))
            for i in st.columns_todo
        }
        try:
            if fetches and not self.progressed:
                # At least one page per job, so a chain of jobs always ends.
                await asyncio.wait(fetches.values(), return_when=asyncio.FIRST_COMPLETED)
            left = None if deadline is None else deadline - time.monotonic()
            if fetches and (left is None or left > 0):
                await asyncio.wait(fetches.values(), timeout=left)
            pending = [fetch for fetch in fetches.values() if not fetch.done()]
            if pending:
                # Answers already asked for get one fetch timeout more, as in the crawl.
                drain = self.fetcher.config.timeout.total_seconds()
                await asyncio.wait(pending, timeout=drain)
        finally:
            for fetch in fetches.values():
                fetch.cancel()
        todo = []
        for i in st.columns_todo:
            fetch = fetches[i]
            if not fetch.done() or fetch.cancelled():
                todo.append(i)
                continue
            self._column(i, st.column_links[i], fetch.result())
            self.progressed = True
        st.columns_todo = todo
        if todo:
            return False
        st.columns.sort(key=lambda pair: pair[0])
        st.stage = "links"
        return True

    def _column(self, index: int, link: ColumnLink, got: FetchResult) -> None:
        st = self.state
        st.result.pages_fetched += 1
        self.seeds[link.url] = got
        if not _opened(got):
            return  # an unopenable column page is a broken link, not a blank column
        col_page = parse_page(got.text, got.final_url or link.url)
        found = column_facts(col_page, st.today, self.rules.blank_phrases)
        column = ColumnFacts(
            name=link.name,
            url=link.url,
            type=column_type(link.name, col_page.metas, self.rules.column_keywords),
            latest_update=found.latest_update,
            items=found.items,
            blank=found.blank,
            blank_reason=found.blank_reason,
            top_level=link.top_level,
        )
        st.columns.append((index, column))
        if column.blank or is_stale(column, self.rules, st.today):
            st.column_evidence[link.url] = evidence_data(_evidence(got))

    # ---- the link check -------------------------------------------------------------

    async def _start_crawl(self) -> SiteCrawl | None:
        st, options = self.state, self.options
        if st.crawl is not None:
            return self._restored_crawl()
        if not options.check_links or self.link_cache is None:
            return None
        crawl = SiteCrawl(
            st.home_url,
            self.fetcher,
            self.link_cache,
            max_depth=options.max_depth,
            max_pages=options.max_pages,
            max_links=options.max_links,
            per_pattern=default_per_pattern(options.max_pages),
            phrases=tuple(self.rules.soft_404_phrases),
        )
        # The homepage as read, then the column pages in navigation order.
        seeds = [(st.home_url, self.seeds.get(st.home_url))]
        seeds += [(link.url, self.seeds.get(link.url)) for link in st.column_links]
        await crawl.start([(canonical_url(u), got) for u, got in seeds], learn=True)
        return crawl

    def _restored_crawl(self) -> SiteCrawl | None:
        if self.state.crawl is None or self.link_cache is None:
            return None
        phrases = tuple(self.rules.soft_404_phrases)
        return SiteCrawl.restore(self.state.crawl, self.fetcher, self.link_cache, phrases)

    # ---- the verdict ----------------------------------------------------------------

    def _finish_all(self) -> Inspection:
        st, base = self.state, self.state.result
        assert st.facts is not None
        columns = [column for _, column in st.columns]
        latest = st.facts.homepage_latest
        if st.facts.navigation_only:
            latest = max((c.latest_update for c in columns if c.latest_update), default=None)
        facts = replace(st.facts, columns=columns, homepage_latest=latest)
        base.homepage.latest_update = latest
        if self.crawl is not None:
            report = self.crawl.report(self.options.count_restricted_links)
            seeds = 1 + len(st.column_links)
            base.pages_fetched += max(0, report.pages_crawled - seeds)
            _apply_links(base, report)
            facts = replace(
                facts,
                broken_links=base.broken_links,
                homepage_broken_links=report.homepage_broken,
                links_checked=report.links_checked,
            )
        home = [evidence_page(st.home_evidence)]
        kept = {url: evidence_page(data) for url, data in st.column_evidence.items()}
        return _finish(base, facts, self.rules, st.today, home, kept)


def _past(deadline: float | None) -> bool:
    return deadline is not None and time.monotonic() >= deadline


def _broken(link: FoundLink) -> BrokenLink:
    return BrokenLink(
        url=link.url,
        found_on=link.found_on,
        text=link.text,
        status=link.status,
        error=link.error,
        error_kind=link.error_kind,
    )


def _apply_links(result: SiteResult, report: LinkReport) -> None:
    result.links_checked = report.links_checked
    result.broken_links = [_broken(link) for link in report.broken]
    result.link_check = LinkCheck(
        pages_crawled=report.pages_crawled,
        homepage_broken=report.homepage_broken,
        other_broken=report.other_broken,
        restricted=[_broken(link) for link in report.restricted],
        not_checked=report.not_checked,
        truncated_pages=report.truncated_pages,
        truncated_links=report.truncated_links,
        truncated_time=report.truncated_time,
        capped_patterns=report.capped_patterns,
    )


def _finish(
    result: SiteResult,
    facts: SiteFacts,
    rules: Rules,
    today: date,
    home_evidence: list[EvidencePage],
    column_evidence: dict[str, EvidencePage] | None = None,
) -> Inspection:
    evaluation = evaluate(facts, rules, today)
    result.columns = evaluation.columns
    result.problems = evaluation.problems
    result.verdict = evaluation.verdict
    kept: list[EvidencePage] = []
    if result.problems:
        kept.extend(home_evidence)
    kept.extend(
        column_evidence[c.url]
        for c in evaluation.columns
        if (c.blank or c.stale) and column_evidence and c.url in column_evidence
    )
    result.evidence = {page.url: page.id for page in kept}
    return Inspection(result, kept)
