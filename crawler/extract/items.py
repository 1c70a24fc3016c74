"""List items: an element (li, tr, dd, div row …) holding an article link and its date.

For every link of the page, in order:
  1. skip what is no article: javascript:/mailto:/anchors, 更多>> and pagination links,
     links to column indexes (…/, index.html, list.jsp without an article id);
  2. find the row: the nearest li/tr/dd/dt/p/div above the link;
  3. date it, first hit wins: the row's own text outside the link title (2026-11-20,
     [11-20], 11月20日 …), a date closing the link text (a date <span> inside the <a>),
     the link URL (TRS t20261120_…, Hanweb /art/2026/11/20/ …); else undated;
  4. keep it if dated, or if undated but plainly an article link of this site outside
     the navigation zone, with a title longer than a column name. Never from the footer
     or breadcrumb zones (gov.cn's 关于本网 links carry dated URLs). Another site's link
     counts only when its row shows a date: a URL date there is the other site's, and
     such links are friend links. Hidden links count only when they are this site's and
     dated (inactive homepage tabs are display:none; spam links are external, undated);
  5. dedupe by URL, keeping the dated sighting.

Undated items are returned (date None): the census counts them as not updated.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date

from selectolax.lexbor import LexborNode

from crawler.extract.dates import date_in_url, item_dates
from crawler.extract.markup import (
    HIDDEN_INLINE,
    IN_CRUMB_OR_FOOT,
    IN_NAV,
    PageLink,
    body_links,
    chrome_text,
    sheet_hidden_link_ids,
    site_matcher,
    zone_flags,
)
from crawler.extract.page import Page, css_first

ROW_TAGS = frozenset({"li", "tr", "dd", "dt", "p", "div", "article", "section", "td"})
MAX_CLIMB = 4  # a link sits at most a few inline elements below its row
MIN_UNDATED_TITLE = 5  # column names (通知公告, 工作动态) are shorter than article titles
ROW_LINKS_FOR_ROW_TEXT = 2  # more links than this in a row: read the link's own segment
ROW_TEXT_MAX = 300  # a longer "row" is a text block: read only what follows the link
MAX_LINKS = 3000  # links read per page; a link farm past this says nothing new

_COLUMN_STEM = re.compile(r"^(?:index|default|list|main|home)(?:_\d+)?$", re.IGNORECASE)
_ARTICLE_QUERY = re.compile(
    r"(?:^|&)(?:id|aid|articleid|article_id|contentid|content_id|infoid|newsid|docid|"
    r"artid|itemid|wbnewsid)=\w",
    re.IGNORECASE,
)
_FILE_EXT = re.compile(r"\.(?:jpg|jpeg|png|gif|bmp|css|js|ico|swf|exe|zip|rar)$", re.IGNORECASE)
_FILE_EXTS = frozenset(
    ("jpg", "jpeg", "png", "gif", "bmp", "css", "js", "ico", "swf", "exe", "zip", "rar")
)
_COLUMN_STEMS = frozenset(("index", "default", "list", "main", "home"))


@dataclass(frozen=True, slots=True)
class Item:
    title: str
    url: str  # absolute
    date: date | None


@dataclass(frozen=True, slots=True)
class FoundItem:
    """An item with where it was found, for the homepage and column readers."""

    item: Item
    group: int  # mem_id of the element holding the list (ul, table, div)
    date_source: str  # "row", "link", "url" or "" (undated)


def article_like(url: str) -> bool:
    """Whether a URL names an article rather than a column index or a static file."""
    if "#" in url:
        url = url.split("#", 1)[0]
    if "?" in url:
        path, _, query = url.partition("?")
        if query and _ARTICLE_QUERY.search(query):
            return True
    else:
        path = url
    scheme_end = path.find("//")
    slash = path.find("/", scheme_end + 2) if scheme_end >= 0 else 0
    if slash < 0 or path.endswith("/"):
        return False  # a site's root or a folder
    name = path[path.rfind("/") + 1 :]  # the last segment
    dot = name.rfind(".")
    stem = name[:dot] if dot >= 0 else name
    if name.isascii() and "\n" not in name:
        # the two patterns below, for the plain ASCII name: set lookups
        if dot >= 0 and name[dot + 1 :].lower() in _FILE_EXTS:
            return False
        stem = stem.lower()
        head, underscore, number = stem.partition("_")
        return not (
            stem in _COLUMN_STEMS or (underscore and head in _COLUMN_STEMS and number.isdigit())
        )
    if _FILE_EXT.search(name):
        return False
    return not _COLUMN_STEM.match(stem)


def _row(a: LexborNode) -> LexborNode | None:
    node = a.parent
    for _ in range(MAX_CLIMB):
        if node is None or node.tag in ("body", "html"):
            return None
        if node.tag in ("td", "dt", "dd"):  # the date is in the next cell: tr or dl
            parent = node.parent
            return parent if parent is not None and parent.tag in ("tr", "dl") else node
        if node.tag in ROW_TAGS:
            return node
        node = node.parent
    return None


def _group(row: LexborNode) -> int:
    parent = row.parent
    return parent.mem_id if parent is not None else row.mem_id


def _segment(a: LexborNode, row: LexborNode) -> str:
    """Text after the link up to the row's next link (rows holding several items)."""
    top = a
    while top.parent is not None and top.parent.mem_id != row.mem_id:
        top = top.parent
    parts = []
    sib = top.next
    for _ in range(6):
        if sib is None:
            break
        if sib.tag == "a" or (sib.is_element_node and css_first(sib, "a") is not None):
            break
        parts.append(sib.text(deep=True, separator=" ", strip=True))
        sib = sib.next
    return " ".join(parts)


def _date_from_row(rest: str, today: date) -> date | None:
    found = item_dates(rest, today) if rest else []
    return max(found) if found else None


def _date_from_link_tail(a_text: str, today: date) -> date | None:
    """A date closing the link text: <a><span>title</span><span>2026-11-20</span></a>."""
    tail = a_text[-14:]
    found = item_dates(tail, today) if any(c.isdigit() for c in tail) else []
    return found[-1] if found else None


def scan_items(page: Page, today: date) -> list[FoundItem]:
    if page.body is None:
        return []
    sheet_hidden = sheet_hidden_link_ids(page)
    same_site = site_matcher(page.url)
    page_url = page.url

    # Pass 1: candidate links and their rows; rows are counted to tell lists of one link
    # per row from rows that hold a whole list.
    candidates: list[tuple[PageLink, str, str, LexborNode | None, int]] = []
    # candidates: (link, label, absolute URL, row, zone flags)
    row_links: Counter[int] = Counter()
    for link in body_links(page)[:MAX_LINKS]:
        # cheapest tests first: most links of a page are furniture or column indexes
        url = link.url
        if url is None:
            continue
        if not url.startswith(("http://", "https://")) or url == page_url:
            continue
        if not article_like(url):
            continue
        flags = zone_flags(page, link.node, link.attrs)
        if flags & IN_CRUMB_OR_FOOT:
            continue
        label = link.label
        if chrome_text(label):
            continue
        row = _row(link.node)
        if row is not None:
            row_links[row.mem_id] += 1
        candidates.append((link, label, url, row, flags))

    # Pass 2: date each link, first hit wins (row text, link tail, URL).
    found: dict[str, FoundItem] = {}
    for link, label, url, row, flags in candidates:
        a = link.node
        a_text = link.text
        day, source = None, ""
        if row is not None:
            rest = ""
            if row_links[row.mem_id] <= ROW_LINKS_FOR_ROW_TEXT:
                row_text = row.text(deep=True, separator=" ", strip=True)
                if len(row_text) <= ROW_TEXT_MAX + len(a_text):
                    rest = row_text.replace(a_text, " ", 1) if a_text else row_text
                else:
                    rest = _segment(a, row)
            else:
                rest = _segment(a, row)
            day = _date_from_row(rest, today)
            source = "row" if day else ""
        if day is None and a_text:
            day = _date_from_link_tail(a_text, today)
            source = "link" if day else ""
        own = same_site(url)
        if day is None and own:
            day = date_in_url(url, today)
            source = "url" if day else ""
        mid = link.mem_id
        hidden = flags & HIDDEN_INLINE or mid in sheet_hidden
        if hidden and (day is None or not own):
            continue  # hidden and undated or external: spam or a closed menu, not content
        if day is None and (flags & IN_NAV or len(label) < MIN_UNDATED_TITLE or not own):
            continue
        previous = found.get(url)
        if previous is not None and (previous.item.date is not None or day is None):
            continue
        group = _group(row) if row is not None else (a.parent.mem_id if a.parent else 0)
        found[url] = FoundItem(Item(label, url, day), group, source)
    return list(found.values())


def list_items(page: Page, today: date) -> list[Item]:
    """The page's list items in page order, deduplicated by URL."""
    return [f.item for f in scan_items(page, today)]
