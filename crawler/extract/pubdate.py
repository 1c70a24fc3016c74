"""An article page's own date (what htmldate calls the page's date), for detail pages.

Order: the PubDate-family metas (PubDate, firstpublishedtime, article:published_time …),
then a labelled date in the text (发布时间：2026-01-22 11:40:11, 发布日期：…, 日期：…), then
the date in the URL. Other dates on the page (Maketime metas, related-article lists,
footers) are not the article's.
"""

from __future__ import annotations

import re
from datetime import date

from crawler.extract.dates import TEXT_SCAN_LIMIT, date_in_url, dates_in_text, parse_date
from crawler.extract.page import Page, css

PUBLISH_METAS = (
    "pubdate",
    "publishdate",
    "publish_date",
    "firstpublishedtime",
    "article:published_time",
    "og:published_time",
    "og:release_date",
    "dc.date.issued",
    "dc.date",
    "dcterms.created",
    "weibo:article:create_at",
)
_LABELLED = re.compile(
    r"(?:发布时间|发布日期|发文日期|成文日期|更新时间|日期|时间)\s*[：:]\s*"
    r"((?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2})"
)
LABEL_SCAN = 60_000


def page_date(page: Page, today: date) -> date | None:
    for name in PUBLISH_METAS:
        value = page.metas.get(name)
        if value:
            found = parse_date(value, today)
            if found is not None:
                return found
    for m in _LABELLED.finditer(page.text, 0, LABEL_SCAN):
        found = parse_date(m[1], today)
        if found is not None:
            return found
    return date_in_url(page.url, today)


# Widgets that print today's date: clocks, weather lines, calendars.
WIDGET_SELECTOR = ",".join(
    f"[{attr}*={name}]"
    for name in ("clock", "weather", "tianqi", "calendar", "rili", "nowtime", "today")
    for attr in ("id", "class")
)


def page_text_dates(page: Page, today: date) -> list[date]:
    """Full dates in the page's visible text, without clock, weather and calendar widgets
    (markup) and without copyright and 今天是… furniture (text)."""
    text = page.text[:TEXT_SCAN_LIMIT]
    body = page.body
    if body is not None:
        for widget in css(body, WIDGET_SELECTOR):
            shown = widget.text(deep=True, separator="\n", strip=True)
            if shown:
                text = text.replace(shown, " ", 1)
    return dates_in_text(text, today)
