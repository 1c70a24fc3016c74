"""Dates in every shape Chinese government pages write them, and which of them count.

Pipeline for one string (`parse_date`): full dates with a year (2017-02-10, 2017/2/10,
2017.02.10, 2017年2月10日, 2017-02-10 11:40:11), then the compact 20170210, then dates
with the year implied ([02-10], 02-10, 2月10日: the most recent such day not after
today). Every candidate then passes the plausibility filter: a real calendar day, not
after today, not before 1995 (no government site published earlier).

Free text (`dates_in_text`) only yields full dates, and drops those that are page
furniture, not updates: copyright lines, "今天是…星期六" clocks and weather widgets.
"""

from __future__ import annotations

import re
from datetime import date

EARLIEST = date(1995, 1, 1)
TEXT_SCAN_LIMIT = 100_000  # characters of free text searched for dates

# A year, a separator, month and day; the separators need not match (2017年2月10日).
_FULL = re.compile(
    r"(?<!\d)((?:19|20)\d{2})\s*(?:[-/.]|年)\s*(\d{1,2})\s*(?:[-/.]|月)\s*(\d{1,2})(?!\d)"
)
_COMPACT = re.compile(r"(?<!\d)((?:19|20)\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?!\d)")
# Year-less: [02-10], 02-10, 2/10, 2月10日. Never after a digit or a separator, so the
# tail of a full date (2017-02-10 -> "02-10") is not read twice.
_SHORT = re.compile(r"(?<![\d\-/.年])(\d{1,2})\s*(?:[-/]|月)\s*(\d{1,2})(?![\d\-/.])\s*(日)?")

# Furniture: a date right after these words is today's date in a widget, not an update.
_CLOCK_BEFORE = re.compile(
    r"(今天是|今天|今日|当前时间|现在时间|现在是|北京时间|当前日期|©|&copy;|copyright|版权)"
    r"[\s：:]*$",
    re.IGNORECASE,
)
_CLOCK_AFTER = re.compile(
    r"\s*(?:日)?\s*(?:\d{1,2}:\d{2}(?::\d{2})?\s*)?(?:星期|礼拜|周[一二三四五六日天]|农历)"
)
_COPYRIGHT = re.compile(r"(©|&copy;|copyright|版权所有)", re.IGNORECASE)


def plausible(day: date, today: date) -> bool:
    return EARLIEST <= day <= today


def _make(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def implied_year(month: int, day: int, today: date) -> date | None:
    """The most recent month/day not after today (list templates drop this year's year)."""
    for year in range(today.year, today.year - 5, -1):  # 02-29 may need a leap year
        found = _make(year, month, day)
        if found is not None and found <= today:
            return found
    return None


def _full_dates(s: str, today: date) -> list[date]:
    out = []
    for m in _FULL.finditer(s):
        found = _make(int(m[1]), int(m[2]), int(m[3]))
        if found is not None and plausible(found, today):
            out.append(found)
    return out


def parse_date(s: str, today: date) -> date | None:
    """The first plausible date in one date string, in any of the shapes above."""
    found = _full_dates(s, today)
    if found:
        return found[0]
    for m in _COMPACT.finditer(s):
        day = _make(int(m[1]), int(m[2]), int(m[3]))
        if day is not None and plausible(day, today):
            return day
    for m in _SHORT.finditer(s):
        if m[0].find("月") >= 0 and not m[3]:
            continue  # "2月10" without 日 is a phrase (第2月10次), not a date
        day = implied_year(int(m[1]), int(m[2]), today)
        if day is not None and plausible(day, today):
            return day
    return None


def item_dates(s: str, today: date) -> list[date]:
    """Every plausible date in a list item's own text, year-less ones included."""
    found = _full_dates(s, today)
    if found:
        return found
    out = []
    for m in _SHORT.finditer(s):
        if "月" in m[0] and not m[3]:
            continue
        day = implied_year(int(m[1]), int(m[2]), today)
        if day is not None:
            out.append(day)
    return out


# ---- dates in URLs -------------------------------------------------------------------------

# Ordered: the most specific CMS shapes first.
_URL_SHAPES: tuple[tuple[str, re.Pattern[str]], ...] = (
    # TRS: /202611/t20261120_123456.html (the t-date is the article's own)
    ("trs", re.compile(r"/t((?:19|20)\d{2})(\d{2})(\d{2})_\d+")),
    # Hanweb: /art/2026/11/20/art_1234_5678.html
    ("hanweb", re.compile(r"/art/((?:19|20)\d{2})/(\d{1,2})/(\d{1,2})/art_")),
    # /2026-11/20/ and /2026-11-20/
    ("dashed", re.compile(r"/((?:19|20)\d{2})-(\d{1,2})[-/](\d{1,2})(?=[/_.])")),
    # /2026/11/20/ and /2026/1120/ (WebPlus)
    ("slashed", re.compile(r"/((?:19|20)\d{2})/(\d{1,2})/?(\d{2})/")),
    # /202611/20/ (content_ paths)
    ("month_dir", re.compile(r"/((?:19|20)\d{2})(\d{2})/(\d{2})/")),
    # /20261120/ or /20261120123456.html: a compact date opening a path segment
    (
        "compact",
        re.compile(r"/((?:19|20)\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?:/|\d{0,10}\.\w+$)"),
    ),
)


def date_in_url(url: str, today: date) -> date | None:
    """The publication date a CMS wrote into an article's path (never its query)."""
    path = url.split("?", 1)[0].split("#", 1)[0]
    if len(path) > 2000 or not any(c.isdigit() for c in path):
        return None
    for _name, shape in _URL_SHAPES:
        m = shape.search(path)
        if m:
            day = _make(int(m[1]), int(m[2]), int(m[3]))
            if day is not None and plausible(day, today):
                return day
    return None


# ---- dates in free text --------------------------------------------------------------------


def _furniture(text: str, start: int, end: int) -> bool:
    """Today's date in a clock or weather widget, or a date in a copyright line."""
    before = text[max(0, start - 12) : start]
    if _CLOCK_BEFORE.search(before):
        return True
    if _CLOCK_AFTER.match(text, end, min(len(text), end + 24)):
        return True
    line_start = max(text.rfind("\n", max(0, start - 40), start) + 1, start - 40, 0)
    return bool(_COPYRIGHT.search(text, line_start, start))


def dates_in_text(text: str, today: date) -> list[date]:
    """Full dates in free text, in order, without widget and copyright furniture."""
    text = text[:TEXT_SCAN_LIMIT]
    out = []
    for m in _FULL.finditer(text):
        day = _make(int(m[1]), int(m[2]), int(m[3]))
        if day is None or not plausible(day, today):
            continue
        if _furniture(text, m.start(), m.end()):
            continue
        out.append(day)
    return out
