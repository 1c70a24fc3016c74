"""Columns: which a site offers, what one column page shows, and what type a column is.

`navigation_columns`, in order: the navigation bar's links (一级 columns, top_level),
then the homepage blocks' 更多>> links (named by the block's title), then, only when
those found fewer than MIN_COLUMNS (a navigation-only homepage of tiles), the page's
other links to column indexes. Same site only (www. and the bare host are one site),
never the homepage, never footer links (关于我们, 网站地图), deduplicated by URL keeping
the first good name (navigation names first); a link in a nested submenu list is not
top_level.

`column_facts` reads one column page: its list is the group of items with the most
items, dated ones counting double (a sidebar of hot links loses to the list); blank
when a blank phrase shows and the list has fewer than PHRASE_BEATEN_BY dated items, or
when there is no item and no real text (a static 机构职能 page is not blank).

`column_type` precedence: the ColumnType meta, then the ColumnName meta, then the link
name; the first of those that matches any keyword decides. Within one name the longest
matching keyword wins (通知公告 beats 公告 beats 公), so the rules file controls
conflicts by listing the longer phrase; on equal length the order is news, notice,
should_update, static (领导动态 is news, 领导信息 is static once 领导信息 is listed).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from selectolax.lexbor import LexborNode

from crawler.extract.items import FoundItem, article_like, scan_items
from crawler.extract.markup import (
    CRUMB_SELECTOR,
    FOOT_SELECTOR,
    IN_CRUMB_OR_FOOT,
    IN_NAV,
    NAV_SELECTOR,
    body_links,
    chrome_text,
    more_text,
    node_ids,
    own_zone_flags,
    site_matcher,
    zone_flags,
)
from crawler.extract.page import Page, css, css_first
from crawler.result import ColumnType

MIN_COLUMNS = 3
MAX_NAME = 20  # longer link texts are sentences, not column names
PHRASE_BEATEN_BY = 3  # dated list items that outweigh a stray 暂无数据 in a side box
REAL_TEXT_CHARS = 40  # characters of paragraph text that make a static page not blank
NEXT_PAGES = 2  # list pages after the first that the inspector may follow
TYPE_ORDER = (ColumnType.NEWS, ColumnType.NOTICE, ColumnType.SHOULD_UPDATE, ColumnType.STATIC)

_HOME_PATHS = re.compile(
    r"^/?(?:(?:index|default|main|home)\.(?:s?html?|jsp|php|aspx?|do))?$", re.IGNORECASE
)
_CJK = re.compile(r"[\u4e00-\u9fff]")
_SPLIT_NEEDED = re.compile(r"[?#\[\]\t\r\n]")  # what urlsplit treats specially
_MORE_AFFIX = re.compile(r"^(?:查看)?更多|更多$|[>》»›\s]+$")
_FURNITURE = re.compile(
    r"版权|ICP|备案|标识码|主办|承办|技术支持|访客|访问量|浏览器|分辨率|当前位置|现在的位置"
    r"|今天是|星期[一二三四五六日天]|天气|欢迎|搜索|登录"
)
_BLOCK_TAGS = frozenset(
    {"div", "p", "ul", "ol", "dl", "table", "li", "section", "article", "form", "h1", "h2"}
    | {"h3", "h4", "h5", "h6"}
)

# Pagination: scripts, then 尾页 links, then the text.
_PAGE_SCRIPT = re.compile(
    r"""createPageHTML\(\s*(\w+)\s*,\s*(\w+)\s*,\s*["']([\w-]+)["']\s*,\s*["'](\w+)["']"""
)
_PAGE_COUNT_JS = re.compile(
    r"(?:createPage(?:HTML)?\(\s*|\b(?:countPage|totalPage|pageCount|totalpage|pagecount)"
    r"\s*[=:]\s*[\"']?)(\d+)"
)
_PAGE_TEXT = re.compile(r"共\s*(\d+)\s*页|(?<!\d)\d+\s*/\s*(\d+)\s*页")
_INDEX_N = re.compile(r"(index|default)_(\d+)\.(\w+)$")
_PAGE_PARAM = re.compile(r"^(?:page|pageno|pageindex|pagenum|curpage|currentpage|p|pn)$", re.I)


@dataclass(frozen=True, slots=True)
class ColumnLink:
    name: str
    url: str
    top_level: bool


@dataclass(frozen=True, slots=True)
class ColumnPageFacts:
    items: int
    latest_update: date | None
    blank: bool
    blank_reason: str | None
    page_count: int | None
    next_pages: list[str]


# ---- the columns a site offers -----------------------------------------------------------


def _path_and_query(url: str) -> tuple[str, str]:
    """urlsplit(url)'s path and query; sliced by hand for the plain http(s) URL."""
    if url.startswith(("http://", "https://")) and not _SPLIT_NEEDED.search(url):
        slash = url.find("/", url.find("//") + 2)
        return (url[slash:] if slash >= 0 else ""), ""
    parts = urlsplit(url)
    return parts.path, parts.query


def _is_homepage(url: str, site_url: str, page_url: str) -> bool:
    path, query = _path_and_query(url)
    if query:
        return False
    if _HOME_PATHS.match(path):
        return True
    bare = url.rstrip("/")
    return bare in (site_url.rstrip("/"), page_url.rstrip("/"))


def _clean_name(name: str) -> str:
    return " ".join(name.split())[: MAX_NAME * 2]


def _good_name(name: str) -> bool:
    return bool(name) and len(name) <= MAX_NAME and not chrome_text(name) and not more_text(name)


def _nav_depth(page: Page, a: LexborNode, flags: int) -> tuple[bool, int]:
    """Whether the link is in a navigation zone and how many lists deep below its top.
    `flags` are its zone_flags: without IN_NAV no element above it is a zone."""
    if not flags & IN_NAV:
        return False, 0
    lists_seen = 0
    lists_at_zone = None
    node = a.parent
    while node is not None and node.tag not in ("body", "html"):
        if node.tag in ("ul", "ol", "dl"):
            lists_seen += 1
        if own_zone_flags(page, node) & IN_NAV:
            lists_at_zone = lists_seen  # keep climbing: the outermost zone counts
        node = node.parent
    if lists_at_zone is None:
        return False, 0
    return True, lists_at_zone


def _block_title(a: LexborNode, label: str) -> str:
    """The title of the homepage block a 更多>> link belongs to."""
    title = _MORE_AFFIX.sub("", (a.attributes.get("title") or "").strip())
    if _good_name(title) and _CJK.search(title):
        return title
    node = a.parent
    for _ in range(3):
        if node is None or node.tag in ("body", "html"):
            break
        for line in node.text(deep=True, separator="\n", strip=True).split("\n")[:6]:
            line = line.strip()
            if line and line != label and _good_name(line) and _CJK.search(line):
                return line
        node = node.parent
    return ""


def navigation_columns(page: Page, site_url: str) -> list[ColumnLink]:
    body = page.body
    if body is None:
        return []
    same_site = site_matcher(site_url)
    found: dict[str, ColumnLink] = {}

    def add(name: str, url: str, top_level: bool) -> None:
        name = _clean_name(name)
        previous = found.get(url)
        if previous is None:
            found[url] = ColumnLink(name, url, top_level)
            return
        best = previous.name if _good_name(previous.name) else name
        found[url] = ColumnLink(best, url, previous.top_level or top_level)

    more: list[tuple[str, str]] = []
    tiles: list[tuple[str, str]] = []
    for link in body_links(page):
        url = link.url
        if url is None:
            continue
        if not url.startswith(("http://", "https://")) or not same_site(url):
            continue
        if _is_homepage(url, site_url, page.url):
            continue
        a = link.node
        flags = zone_flags(page, a, link.attrs)
        if flags & IN_CRUMB_OR_FOOT:
            continue  # a footer_nav is footer: 关于我们, 网站地图 are no columns
        label = link.label
        in_nav, depth = _nav_depth(page, a, flags)
        if more_text(label):
            more.append((_block_title(a, label), url))
        elif in_nav:
            if not chrome_text(label):
                add(label, url, depth <= 1)
        elif not article_like(url) and _good_name(label):
            tiles.append((label, url))
    for name, url in more:
        add(name, url, False)
    if len(found) < MIN_COLUMNS:
        for name, url in tiles:
            add(name, url, True)
    return list(found.values())


# ---- one column page ---------------------------------------------------------------------


def main_list(found: list[FoundItem]) -> list[FoundItem]:
    """The page's list: the group with the most items, dated items counting double."""
    groups: dict[int, list[FoundItem]] = {}
    for f in found:
        groups.setdefault(f.group, []).append(f)
    if not groups:
        return []

    def score(members: list[FoundItem]) -> tuple[int, int]:
        dated = sum(1 for f in members if f.item.date is not None)
        return len(members) + dated, dated

    return max(groups.values(), key=score)


def _blank_phrase(text: str, phrases: list[str]) -> str | None:
    for phrase in phrases:
        if phrase and phrase in text:
            return phrase
    return None


def real_text_chars(page: Page) -> int:
    """Characters of text in leaf blocks (p, li, td, dd, div without block children) that
    hold no link and are no navigation, footer or widget furniture."""
    body = page.body
    if body is None:
        return 0
    zones = css(body, f"{NAV_SELECTOR},{CRUMB_SELECTOR},{FOOT_SELECTOR}")
    skip = node_ids(zones, "p, li, td, dd, div")
    total = 0
    for node in css(body, "p, li, td, dd, div"):
        if node.mem_id in skip:
            continue
        if node.tag != "p" and any(child.tag in _BLOCK_TAGS for child in node.iter()):
            continue  # a container: its leaf blocks are counted themselves
        if css_first(node, "a") is not None:
            continue  # list rows and link boxes are not text
        text = node.text(deep=True, strip=True)
        if text and not _FURNITURE.search(text):
            total += len(text)
            if total >= REAL_TEXT_CHARS:
                break
    return total


def _replace_page(url: str, n: int) -> str | None:
    """The same list URL at page number n (index_1.html -> index_n.html, page=2 -> page=n)."""
    parts = urlsplit(url)
    m = _INDEX_N.search(parts.path)
    if m:
        path = parts.path[: m.start()] + f"{m[1]}_{n}.{m[3]}"
        return urlunsplit(parts._replace(path=path))
    query = parse_qsl(parts.query, keep_blank_values=True)
    for i, (key, value) in enumerate(query):
        if _PAGE_PARAM.match(key) and value.isdigit():
            query[i] = (key, str(n))
            return urlunsplit(parts._replace(query=urlencode(query)))
    return None


_LAST_WORDS = ("尾页", "末页", "最后一页", "最后页")
_NEXT_WORDS = ("下一页", "下页", "后一页", ">", "›")
_PAGER_WORDS = frozenset(_LAST_WORDS + _NEXT_WORDS)


def _pager_firsts(page: Page) -> dict[str, tuple[int, str]]:
    """For each pager word, the first link (position, URL) whose text or title it is."""
    firsts = page.memo.get("pager")
    if firsts is None:
        firsts = {}
        for i, link in enumerate(body_links(page)):
            if link.url is None:
                continue
            # link.text joins the text nodes with " ": without its spaces it must equal
            # the word (no word has a space) before the exact, ""-joined text is read
            if link.text.replace(" ", "") in _PAGER_WORDS:
                label = link.node.text(deep=True, strip=True)
                if label in _PAGER_WORDS:
                    firsts.setdefault(label, (i, link.url))
            title = link.attrs.get("title") or ""
            if title in _PAGER_WORDS:
                firsts.setdefault(title, (i, link.url))
        page.memo["pager"] = firsts
    return firsts  # type: ignore[return-value]


def _pager_link(page: Page, words: tuple[str, ...]) -> str | None:
    """The first link whose text or title is one of the words."""
    if page.body is None or not any(w in page.text for w in words):
        return None  # the text has no such link: skip walking every link
    firsts = _pager_firsts(page)
    found = [firsts[w] for w in words if w in firsts]
    return min(found)[1] if found else None


def _page_number(url: str) -> int | None:
    parts = urlsplit(url)
    m = _INDEX_N.search(parts.path)
    if m:
        return int(m[2]) + 1  # TRS: index.html is page 1, index_1.html page 2
    for key, value in parse_qsl(parts.query):
        if _PAGE_PARAM.match(key) and value.isdigit():
            return int(value)
    return None


def _js_int(token: str, code: str) -> int | None:
    """A literal, or the value of `var token = N` in the same script (TRS writes
    createPageHTML(countPage, currentPage, "index", "shtml"))."""
    if token.isdigit():
        return int(token)
    m = re.search(rf"\b{re.escape(token)}\s*=\s*(\d+)", code)
    return int(m[1]) if m else None


def pagination(page: Page) -> tuple[int | None, list[str]]:
    """Page count and the URLs of list pages 2..3."""
    count: int | None = None
    trs: tuple[int, int, str, str] | None = None
    for script in page.scripts:
        if not script.code:
            continue
        m = _PAGE_SCRIPT.search(script.code)
        if m:
            n, cur = _js_int(m[1], script.code), _js_int(m[2], script.code)
            if n is not None:
                trs = (n, cur or 0, m[3], m[4])
                count = n
                break
        m = _PAGE_COUNT_JS.search(script.code)
        if m:
            count = int(m[1])
            break
    if count is None:
        last = _pager_link(page, _LAST_WORDS)
        if last:
            count = _page_number(last)
    if count is None:
        m = _PAGE_TEXT.search(page.text)
        if m:
            count = int(m[1] or m[2])
    if count is not None and count < 1:
        count = None

    pages: list[str] = []
    if count is None or count < 2:
        return count, pages
    if trs is not None:  # createPageHTML(N, cur, "index", "html"): index_1.html …
        _, cur, name, ext = trs
        for k in range(cur + 1, min(count, cur + 1 + NEXT_PAGES)):
            pages.append(page.absolute(f"{name}_{k}.{ext}"))
        return count, pages
    following = _pager_link(page, _NEXT_WORDS)
    if following:
        pages.append(following)
        number = _page_number(following)
        if number is not None and number + 1 <= count:
            after = _replace_page(following, number if _INDEX_N.search(following) else number + 1)
            if after and after != following:
                pages.append(after)
    elif not article_like(page.url):  # TRS lists: index.html, index_1.html …
        pages = [page.absolute(f"index_{k}.html") for k in range(1, min(count, 1 + NEXT_PAGES))]
    return count, pages[:NEXT_PAGES]


def column_facts(page: Page, today: date, blank_phrases: list[str]) -> ColumnPageFacts:
    found = main_list(scan_items(page, today))
    items = len(found)
    dates = [f.item.date for f in found if f.item.date is not None]
    latest = max(dates, default=None)
    phrase = _blank_phrase(page.text, blank_phrases)
    blank, reason = False, None
    if phrase is not None and len(dates) < PHRASE_BEATEN_BY:
        blank, reason = True, phrase
    elif items == 0 and real_text_chars(page) < REAL_TEXT_CHARS:
        blank, reason = True, "no items"
    count, pages = pagination(page)
    return ColumnPageFacts(items, latest, blank, reason, count, pages)


# ---- column types ------------------------------------------------------------------------


def _match(name: str, keywords: dict[str, list[str]]) -> ColumnType | None:
    best: tuple[int, int] | None = None
    best_type = None
    for rank, kind in enumerate(TYPE_ORDER):
        for word in keywords.get(kind.value, ()):
            if word and word in name:
                key = (len(word), -rank)
                if best is None or key > best:
                    best, best_type = key, kind
    return best_type


def column_type(name: str, metas: dict[str, str], keywords: dict[str, list[str]]) -> ColumnType:
    for candidate in (metas.get("columntype", ""), metas.get("columnname", ""), name):
        candidate = candidate.strip()
        if candidate:
            found = _match(candidate, keywords)
            if found is not None:
                return found
    return ColumnType.OTHER
