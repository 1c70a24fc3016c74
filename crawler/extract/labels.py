"""The facts a labelled page is checked on, and agreement between labels and extraction.

Used by the accuracy test and the extraction benchmark: one place says which extractor
answers which label, so both measure the same thing.
"""

from __future__ import annotations

from datetime import date

from crawler.extract.columns import column_facts, main_list
from crawler.extract.entries import find_entries
from crawler.extract.homepage import client_redirect, homepage_facts
from crawler.extract.identity import site_identity
from crawler.extract.items import scan_items
from crawler.extract.page import Page
from crawler.extract.pubdate import page_date
from crawler.extract.spam import hidden_link_blocks

FIELDS = (
    "latest",
    "dated_items",
    "items",
    "blank",
    "page_count",
    "navigation_only",
    "redirect",
    "page_date",
    "zhaocuo",
    "zhaocuo_sitecode",
    "exposure",
    "site_id_meta",
    "site_id_footer",
    "spam",
)


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def extract_labels(
    page: Page, kind: str, today: date, blank_phrases: list[str], spam_words: list[str]
) -> dict[str, object]:
    """What extraction says about a page of the given kind (homepage, column, article)."""
    out: dict[str, object] = {}
    if kind == "homepage":
        home = homepage_facts(page, today)
        out.update(
            latest=_iso(home.latest_update),
            dated_items=home.dated_items,
            navigation_only=home.navigation_only,
            redirect=client_redirect(page),
            spam=bool(hidden_link_blocks(page, spam_words)),
        )
    elif kind == "column":
        facts = column_facts(page, today, blank_phrases)
        listed = main_list(scan_items(page, today))
        out.update(
            latest=_iso(facts.latest_update),
            items=facts.items,
            dated_items=sum(1 for f in listed if f.item.date is not None),
            blank=facts.blank,
            page_count=facts.page_count,
        )
    else:
        out["page_date"] = _iso(page_date(page, today))
    if kind in ("homepage", "article"):
        entries = find_entries(page)
        identity = site_identity(page)
        out.update(
            zhaocuo=entries.zhaocuo,
            zhaocuo_sitecode=entries.zhaocuo_sitecode,
            exposure=entries.exposure,
            site_id_meta=identity.meta_code,
            site_id_footer=identity.footer_code,
        )
    return out


def agreement(
    labels: dict[str, dict[str, object]], found: dict[str, dict[str, object]]
) -> dict[str, tuple[int, int]]:
    """Per field: (pages where extraction equals the label, pages labelled with the field)."""
    scores: dict[str, tuple[int, int]] = {}
    for field in FIELDS:
        right = total = 0
        for name, label in labels.items():
            if field not in label:
                continue
            total += 1
            right += found.get(name, {}).get(field) == label[field]
        if total:
            scores[field] = (right, total)
    return scores


def mismatches(
    labels: dict[str, dict[str, object]], found: dict[str, dict[str, object]]
) -> list[str]:
    return [
        f"{name}: {field} = {found.get(name, {}).get(field)!r}, label {label[field]!r}"
        for name, label in labels.items()
        for field in FIELDS
        if field in label and found.get(name, {}).get(field) != label[field]
    ]
