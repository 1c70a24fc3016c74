"""How well an inspection found what the farm was built to contain (pure)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from crawler.extract.links import canonical_url
from crawler.result import SiteResult


@dataclass(frozen=True, slots=True)
class PR:
    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


def pr(found: set[Any], expected: set[Any]) -> PR:
    return PR(len(found & expected), len(found - expected), len(expected - found))


@dataclass(slots=True)
class Score:
    by_kind: dict[str, PR] = field(default_factory=dict)
    homepage_date_match: float = 1.0
    homepage_dates_compared: int = 0
    blank_columns: PR = PR(0, 0, 0)
    stale_columns: PR = PR(0, 0, 0)
    broken_links: PR = PR(0, 0, 0)  # by (site, URL), for sites whose links were checked
    found_on_missing: list[str] = field(default_factory=list)  # a page the report left out
    mismatches: list[str] = field(default_factory=list)  # first few, for a readable failure


def score(
    truth: Mapping[str, Mapping[str, Any]],
    results: Iterable[SiteResult],
    *,
    ignore_kinds: frozenset[str] = frozenset(),
) -> Score:
    """Compare results with the farm's ground truth, site by site.

    ignore_kinds: problem kinds the run did not look for (e.g. broken_links without a crawl).
    """
    out = Score()
    found_kinds: set[tuple[str, str, bool]] = set()
    expected_kinds: set[tuple[str, str, bool]] = set()
    found_blank: set[tuple[str, str]] = set()
    expected_blank: set[tuple[str, str]] = set()
    found_stale: set[tuple[str, str]] = set()
    expected_stale: set[tuple[str, str]] = set()
    found_broken: set[tuple[str, str]] = set()
    expected_broken: set[tuple[str, str]] = set()
    dates_equal = dates_seen = 0
    for result in results:
        t = truth[result.code]
        if result.link_check is not None:
            _score_links(result, t, found_broken, expected_broken, out.found_on_missing)
        found_kinds |= {
            (result.code, p.kind.value, p.veto)
            for p in result.problems
            if p.kind.value not in ignore_kinds
        }
        expected_kinds |= {
            (result.code, p["kind"], p["veto"])
            for p in t["expected_problems"]
            if p["kind"] not in ignore_kinds
        }
        found_blank |= {(result.code, c.url) for c in result.columns if c.blank}
        found_stale |= {(result.code, c.url) for c in result.columns if c.stale}
        expected_blank |= {(result.code, c["url"]) for c in t["columns"] if c["blank"]}
        expected_stale |= {(result.code, c["url"]) for c in t["columns"] if c["stale"]}
        if result.reachable and t.get("homepage_latest_update") is not None:
            dates_seen += 1
            got = result.homepage.latest_update
            if got is not None and got.isoformat() == t["homepage_latest_update"]:
                dates_equal += 1
            elif len(out.mismatches) < 20:
                out.mismatches.append(
                    f"{result.code} homepage date {got} != {t['homepage_latest_update']}"
                )
    for kind in sorted({k for _, k, _ in found_kinds | expected_kinds}):
        out.by_kind[kind] = pr(
            {x for x in found_kinds if x[1] == kind}, {x for x in expected_kinds if x[1] == kind}
        )
    for extra in sorted(found_kinds - expected_kinds)[:20]:
        out.mismatches.append(f"unexpected problem {extra}")
    for missed in sorted(expected_kinds - found_kinds)[:20]:
        out.mismatches.append(f"missed problem {missed}")
    out.blank_columns = pr(found_blank, expected_blank)
    out.stale_columns = pr(found_stale, expected_stale)
    out.broken_links = pr(found_broken, expected_broken)
    for extra in sorted(found_broken - expected_broken)[:20]:
        out.mismatches.append(f"unexpected broken link {extra}")
    for missed in sorted(expected_broken - found_broken)[:20]:
        out.mismatches.append(f"missed broken link {missed}")
    out.homepage_dates_compared = dates_seen
    out.homepage_date_match = dates_equal / dates_seen if dates_seen else 1.0
    return out


def _score_links(
    result: SiteResult,
    t: Mapping[str, Any],
    found: set[tuple[str, str]],
    expected: set[tuple[str, str]],
    missing: list[str],
) -> None:
    reported = {canonical_url(b.url): b for b in result.broken_links}
    found |= {(result.code, url) for url in reported}
    for b in t.get("broken_links", []):
        url = canonical_url(b["url"])
        expected.add((result.code, url))
        got = reported.get(url)
        if got is None:
            continue
        pages = {canonical_url(p) for p in got.found_on}
        missing.extend(
            f"{result.code} {url} not reported on {page}"
            for page in b["found_on"]
            if canonical_url(page) not in pages
        )
