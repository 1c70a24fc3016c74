"""One site's inspection: fetch the homepage and its columns, extract, apply the rules.

IO happens here and in the fetcher; everything that decides is pure (crawler.extract,
crawler.rules).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit

from crawler.crawl import FoundLink, LinkReport, crawl_site
from crawler.extract.columns import column_facts, column_type, navigation_columns
from crawler.extract.entries import find_entries
from crawler.extract.homepage import client_redirect, homepage_facts
from crawler.extract.identity import site_identity
from crawler.extract.page import parse_page
from crawler.extract.spam import hidden_link_blocks, words_found
from crawler.facts import ColumnFacts, SiteFacts
from crawler.fetch import Fetcher, FetchResult
from crawler.linkcheck import LinkCache
from crawler.recorder import EvidencePage
from crawler.result import BrokenLink, HomepageResult, LinkCheck, SiteResult
from crawler.rules import Rules, evaluate
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
    options = options or InspectOptions()
    base = site_result(site, now)
    if site.status is SiteStatus.TEMPORARILY_CLOSED:
        return Inspection(base)  # being rebuilt: not checked meanwhile

    host = urlsplit(site.url).hostname or ""
    fetched, pages = await _homepage(fetcher, site.url, host, options)
    base.http_status = fetched.status
    base.elapsed_ms = fetched.elapsed_ms
    base.final_url = fetched.final_url
    if not _opened(fetched):
        base.reachable = False
        base.error = _error_text(fetched)
        base.pages_fetched = pages
        facts = SiteFacts(
            code=site.code,
            status=site.status,
            reachable=False,
            error=base.error,
            evidence_url=site.url,
        )
        return _finish(base, facts, rules, today, [])

    page = parse_page(fetched.text, fetched.final_url or site.url)
    target = client_redirect(page)
    if target:
        followed = await fetcher.get(target, site_host=host)
        pages += 1
        if _opened(followed):
            fetched, page = followed, parse_page(followed.text, followed.final_url or target)
            base.final_url = fetched.final_url
    base.reachable = True
    if fetched.error_kind == "too_large":
        base.error = _error_text(fetched)  # judged on the first fetch.max_body_bytes only

    home = homepage_facts(page, today)
    links = navigation_columns(page, page.url)[: options.max_columns]
    column_pages = await asyncio.gather(*(fetcher.get(c.url, site_host=host) for c in links))
    pages += len(column_pages)
    report: LinkReport | None = None
    if options.check_links and link_cache is not None:
        seeds = {page.url: fetched} | {
            c.url: got for c, got in zip(links, column_pages, strict=True)
        }
        report = await crawl_site(
            page.url,
            fetcher,
            seed_pages=seeds,
            max_depth=options.max_depth,
            max_pages=options.max_pages,
            max_links=options.max_links,
            cache=link_cache,
            soft404_phrases=rules.soft_404_phrases,
            count_4xx_auth=options.count_restricted_links,
        )
        pages += max(0, report.pages_crawled - len(seeds))
    columns: list[ColumnFacts] = []
    column_evidence: dict[str, EvidencePage] = {}
    for link, got in zip(links, column_pages, strict=True):
        if not _opened(got):
            continue  # an unopenable column page is a broken link, not a blank column
        col_page = parse_page(got.text, got.final_url or link.url)
        found = column_facts(col_page, today, rules.blank_phrases)
        columns.append(
            ColumnFacts(
                name=link.name,
                url=link.url,
                type=column_type(link.name, col_page.metas, rules.column_keywords),
                latest_update=found.latest_update,
                items=found.items,
                blank=found.blank,
                blank_reason=found.blank_reason,
                top_level=link.top_level,
            )
        )
        column_evidence[link.url] = _evidence(got)

    latest = home.latest_update
    if home.navigation_only:
        dates = [c.latest_update for c in columns if c.latest_update]
        latest = max(dates, default=None)

    entries = find_entries(page)
    identity = site_identity(page)
    text = page.text
    facts = SiteFacts(
        code=site.code,
        status=site.status,
        reachable=True,
        tls_error=fetched.tls_error,
        closure_notice=bool(words_found(text, rules.closure_phrases)),
        homepage_latest=latest,
        homepage_dated_items=home.dated_items,
        navigation_only=home.navigation_only,
        columns=columns,
        zhaocuo_entry=entries.zhaocuo,
        zhaocuo_sitecode=entries.zhaocuo_sitecode,
        exposure_entry=entries.exposure,
        site_id_meta=identity.meta_code,
        site_id_footer=identity.footer_code,
        spam_blocks=hidden_link_blocks(page, rules.spam_words),
        forbidden_words=words_found(text, rules.forbidden_words),
        evidence_url=page.url,
    )
    if report is not None:
        _apply_links(base, report)
        facts = replace(
            facts,
            broken_links=base.broken_links,
            homepage_broken_links=report.homepage_broken,
            links_checked=report.links_checked,
        )
    base.homepage = HomepageResult(
        latest_update=latest, dated_items=home.dated_items, navigation_only=home.navigation_only
    )
    base.entries.zhaocuo = entries.zhaocuo
    base.entries.exposure = entries.exposure
    base.site_id_code_on_page = identity.meta_code or identity.footer_code
    base.pages_fetched = pages
    return _finish(base, facts, rules, today, [_evidence(fetched)], column_evidence)


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
