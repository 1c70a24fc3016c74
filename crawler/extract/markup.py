"""Markup facts several extractors share: page zones, hidden elements, link labels, hosts.

Zones are the parts of a page that are furniture rather than content: the navigation
bar, breadcrumbs, the footer, friend-link boxes. They are found by tag and by the class
and id names templates give them (TRS, Hanweb and hand-made sites alike say nav, menu,
foot, bottom, crumb, position, 导航-pinyin daohang).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import urlsplit

from selectolax.lexbor import LexborNode

from crawler.extract.page import Page, css, css_first

# Zones by tag, and by words in class or id names; the selectors and zone_flags read
# the same lists.
_NAV_TAGS = ("nav", "header")
_NAV_CLASS = ("nav", "menu", "daohang")
_NAV_ID = ("nav", "menu", "daohang")
_CRUMB_CLASS = ("crumb", "position", "location", "dqwz", "current")
_CRUMB_ID = ("position", "location")
_FOOT_TAGS = ("footer",)
_FOOT_CLASS = ("foot", "bottom", "copyright", "yqlj", "friend", "links")
_FOOT_ID = ("foot", "bottom", "copyright", "yqlj")


def _selector(tags: tuple[str, ...], classes: tuple[str, ...], ids: tuple[str, ...]) -> str:
    # class and id words interleave as they always did: [class*=nav],[id*=nav],…
    parts = list(tags)
    for word in dict.fromkeys(classes + ids):
        if word in classes:
            parts.append(f"[class*={word}]")
        if word in ids:
            parts.append(f"[id*={word}]")
    return ",".join(parts)


def _any_word(words: tuple[str, ...]) -> re.Pattern[str]:
    """A search for any of the words as a substring (case-sensitive, as [class*=…])."""
    return re.compile("|".join(re.escape(word) for word in words))


_NAV_CLASS_WORD = _any_word(_NAV_CLASS)
_NAV_ID_WORD = _any_word(_NAV_ID)
_CRUMB_FOOT_CLASS_WORD = _any_word(_CRUMB_CLASS + _FOOT_CLASS)
_CRUMB_FOOT_ID_WORD = _any_word(_CRUMB_ID + _FOOT_ID)

NAV_SELECTOR = _selector(_NAV_TAGS, _NAV_CLASS, _NAV_ID)
CRUMB_SELECTOR = _selector((), _CRUMB_CLASS, _CRUMB_ID)
FOOT_SELECTOR = _selector(_FOOT_TAGS, _FOOT_CLASS, _FOOT_ID)

# Inline styles that hide an element: display:none, visibility:hidden, off-screen
# positioning (left/top/text-indent of -999px or further), zero size, invisible text.
HIDDEN_STYLE = re.compile(
    r"display\s*:\s*none"
    r"|visibility\s*:\s*hidden"
    r"|(?:left|top|right|text-indent|margin-left|margin-top)\s*:\s*-\s*(?:[5-9]\d{2}|\d{4,})"
    r"|(?<![-\w])(?:height|width)\s*:\s*[01](?:px)?\s*(?:;|$|!).*overflow\s*:\s*hidden"
    r"|overflow\s*:\s*hidden.*(?<![-\w])(?:height|width)\s*:\s*[01](?:px)?\s*(?:;|$|!)"
    r"|font-size\s*:\s*0(?:px|pt|em)?\s*(?:;|$|!)",
    re.IGNORECASE | re.DOTALL,
)
# .name{…display:none…} and #name{…} rules in the page's own style sheets.
_CSS_RULE = re.compile(r"([^{}]{1,200})\{([^{}]{0,600})\}")
_SIMPLE_SELECTOR = re.compile(r"^\s*([.#])([\w-]+)\s*$")

# Link texts that lead to more of a list, another page of it, or the page's own chrome.
_CHROME_STRIP = re.compile(r"[\s\[\]【】<>《》«»›‹>＞〉〈()（）:：.。…|丨/]+")
_CHROME_TEXTS = frozenset(
    {
        "更多",
        "more",
        "查看更多",
        "更多内容",
        "更多信息",
        "详细",
        "详情",
        "查看详情",
        "首页",
        "上一页",
        "下一页",
        "上页",
        "下页",
        "前一页",
        "后一页",
        "尾页",
        "末页",
        "最后一页",
        "第一页",
        "go",
        "跳转",
        "返回",
        "返回首页",
        "返回顶部",
        "打印",
        "打印本页",
        "关闭",
        "关闭窗口",
        "收藏",
        "加入收藏",
        "设为首页",
        "登录",
        "注册",
        "english",
        "无障碍",
        "无障碍浏览",
        "长者模式",
        "繁体",
        "繁體",
        "简体",
    }
)
_MORE_TEXT = re.compile(r"^(?:更多|more|查看更多|更多内容|更多信息)$|^\W*$", re.IGNORECASE)

NON_PAGE_SCHEMES = ("javascript:", "mailto:", "tel:", "data:", "about:", "vbscript:")


def link_label(
    a: LexborNode, text: str | None = None, attrs: dict[str, str | None] | None = None
) -> str:
    """What a link says: its text, else its title, else its image's alt. `text` is the
    link's a.text(deep=True, separator=" ", strip=True) and `attrs` its attributes when
    the caller has them already."""
    if text is None:
        text = a.text(deep=True, strip=True, separator=" ")
    text = " ".join(text.split())
    title = ((a.attributes if attrs is None else attrs).get("title") or "").strip()
    if title and (not text or (text.endswith(("...", "…")) and len(title) > len(text))):
        return title  # lists cut long titles; the title attribute keeps them whole
    if text:
        return text
    if title:
        return title
    img = css_first(a, "img[alt]")
    return (img.attributes.get("alt") or "").strip() if img is not None else ""


def chrome_text(label: str) -> bool:
    """更多>>, pagination, 返回首页 …: links that are no list item and no column name."""
    key = _CHROME_STRIP.sub("", label).lower()
    return not key or key in _CHROME_TEXTS or key.isdigit()


def more_text(label: str) -> bool:
    """A block's 更多>> / more link (also a bare >> or ››)."""
    key = _CHROME_STRIP.sub("", label)
    return bool(_MORE_TEXT.match(key)) or key.startswith(("更多", "查看更多", "More", "MORE"))


def page_href(a: LexborNode) -> str | None:
    """The href of a link that leads to another page, else None."""
    return _page_href(a.attributes.get("href"))


def _page_href(value: str | None) -> str | None:
    href = (value or "").strip()
    if not href or href[0] == "#":
        return None
    # every listed scheme ends with ":" within 11 characters; lower() only when one may
    if ":" in href[:11] and href.lower().startswith(NON_PAGE_SCHEMES):
        return None
    return href


def host_key(url: str) -> tuple[str, int | None]:
    """Host and port, with www. dropped: example.gov.cn and www.example.gov.cn are one site."""
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        port = parts.port
    except ValueError:
        return "", None
    if port == {"http": 80, "https": 443}.get(parts.scheme):
        port = None
    return host.removeprefix("www."), port


def site_matcher(site_url: str) -> Callable[[str], bool]:
    """A test for "this URL is on the site": a prefix check for the common case (links
    written as root-relative paths resolve under the site's origin), host_key otherwise."""
    parts = urlsplit(site_url)
    prefix = f"{parts.scheme}://{parts.netloc}/" if parts.scheme and parts.netloc else None
    own = host_key(site_url)
    seen: dict[str, bool] = {}

    def same_site(url: str) -> bool:
        if prefix is not None and url.startswith(prefix):
            return True
        netloc = url.split("/", 3)[2] if url.count("/") >= 2 else url
        if netloc not in seen:
            seen[netloc] = host_key(url) == own
        return seen[netloc]

    return same_site


def node_ids(nodes: list[LexborNode], inner: str) -> set[int]:
    """mem_ids of the `inner` elements within the given elements."""
    return {n.mem_id for zone in nodes for n in css(zone, inner)}


class PageLink:
    """One <a href> of the page's body and what extractors read from it, each read once."""

    __slots__ = ("_label", "_text", "attrs", "href", "mem_id", "node", "url")

    def __init__(
        self, node: LexborNode, attrs: dict[str, str | None], href: str | None, url: str | None
    ) -> None:
        self.node = node
        self.attrs = attrs  # node.attributes
        self.mem_id: int = node.mem_id
        self.href = href  # page_href(node): None for #anchors, javascript: …
        self.url = url  # absolute, without #fragment; None when href is None
        self._text: str | None = None
        self._label: str | None = None

    @property
    def text(self) -> str:
        """node.text(deep=True, separator=" ", strip=True)"""
        if self._text is None:
            self._text = self.node.text(deep=True, separator=" ", strip=True)
        return self._text

    @property
    def label(self) -> str:
        """link_label(node)"""
        if self._label is None:
            self._label = link_label(self.node, self.text, self.attrs)
        return self._label


def body_links(page: Page) -> list[PageLink]:
    """The body's <a href> elements in document order (computed once per page)."""
    links = page.memo.get("links")
    if links is None:
        links = []
        body = page.body
        if body is not None:
            absolute = page.absolute
            for a in css(body, "a[href]"):
                attrs = a.attributes  # one native read for href, title, class and id
                href = _page_href(attrs.get("href"))
                url = absolute(href) if href is not None else None
                links.append(PageLink(a, attrs, href, url))
        page.memo["links"] = links
    return links  # type: ignore[return-value]


# zone_flags bits
IN_NAV = 1  # inside (or being) an element NAV_SELECTOR matches
IN_CRUMB_OR_FOOT = 2  # … CRUMB_SELECTOR or FOOT_SELECTOR matches
HIDDEN_INLINE = 4  # … an element whose own style attribute hides it


def _own_flags(node: LexborNode, attrs: dict[str, str | None] | None = None) -> int:
    """The zone bits an element sets by itself: the selectors' tests, made in Python on
    attributes read once (class and id words are matched case-sensitively, as lexbor
    matches [class*=…])."""
    tag = node.tag
    flags = 0
    if tag in _NAV_TAGS:
        flags = IN_NAV
    elif tag in _FOOT_TAGS:
        flags = IN_CRUMB_OR_FOOT
    if attrs is None:
        attrs = node.attributes
    if not attrs:
        return flags
    cls = attrs.get("class")
    ident = attrs.get("id")
    if cls:
        if _NAV_CLASS_WORD.search(cls):
            flags |= IN_NAV
        if _CRUMB_FOOT_CLASS_WORD.search(cls):
            flags |= IN_CRUMB_OR_FOOT
    if ident:
        if _NAV_ID_WORD.search(ident):
            flags |= IN_NAV
        if _CRUMB_FOOT_ID_WORD.search(ident):
            flags |= IN_CRUMB_OR_FOOT
    if "style" in attrs and HIDDEN_STYLE.search(attrs["style"] or ""):
        flags |= HIDDEN_INLINE
    return flags


_OWN = 4  # zone_flags' memo keeps an element's own bits above its inherited ones


def _flag_memo(page: Page) -> dict[int, int]:
    memo: dict[int, int] | None = page.memo.get("zone_flags")  # type: ignore[assignment]
    if memo is None:
        memo = page.memo["zone_flags"] = {}
    return memo


def zone_flags(page: Page, node: LexborNode, attrs: dict[str, str | None] | None = None) -> int:
    """Which zones a body element lies in: the bits of every element from it up to the
    body (included), each element's bits read once per page.

    The same answer as the CSS queries rooted at the body (NAV_SELECTOR, the crumb and
    footer selectors, [style] hidden by HIDDEN_STYLE) followed by a descendant query in
    each, for the handful of links that need it instead of every element of the page."""
    memo = _flag_memo(page)
    body = page.body
    top = body.mem_id if body is not None else -1
    path = []
    inherited = 0
    current: LexborNode | None = node
    while current is not None:
        mid = current.mem_id
        known = memo.get(mid)
        if known is not None:
            inherited = known & 7
            break
        path.append((mid, current))
        if mid == top:
            break  # the queries are rooted at the body: nothing above it counts
        current = current.parent
    for mid, element in reversed(path):
        own = _own_flags(element, attrs if element is node else None)
        inherited |= own
        memo[mid] = inherited | own << _OWN
    return inherited


def own_zone_flags(page: Page, node: LexborNode) -> int:
    """The zone bits of the element itself (it matches NAV_SELECTOR …), read once."""
    known = _flag_memo(page).get(node.mem_id)
    return known >> _OWN if known is not None else _own_flags(node)


def sheet_hidden_link_ids(page: Page) -> set[int]:
    """mem_ids of the links inside elements a rule of the page's style sheet hides."""
    ids = page.memo.get("sheet_hidden_link_ids")
    if ids is None:
        ids = page.memo["sheet_hidden_link_ids"] = node_ids(_hidden_by_sheet(page), "a")
    return ids  # type: ignore[return-value]


def _hidden_by_sheet(page: Page) -> list[LexborNode]:
    """Elements hidden by a simple .class or #id rule of the page's own style sheet."""
    if not page.styles or page.body is None:
        return []
    selectors = []
    for m in _CSS_RULE.finditer(page.styles[:200_000]):
        if not HIDDEN_STYLE.search(m[2]):
            continue
        for part in m[1].split(","):
            simple = _SIMPLE_SELECTOR.match(part)
            if simple:
                selectors.append(f"{simple[1]}{simple[2]}")
    if not selectors:
        return []
    return css(page.body, ",".join(selectors[:100]))


def hidden_elements(page: Page) -> list[LexborNode]:
    """Elements hidden by their inline style or by a simple rule of the page's style sheet
    (computed once per page; callers do not modify the list)."""
    found = page.memo.get("hidden")
    if found is None:
        body = page.body
        if body is None:
            found = []
        else:
            styled = css(body, "[style]")
            found = [n for n in styled if HIDDEN_STYLE.search(n.attrs.get("style") or "")]
            found += _hidden_by_sheet(page)
        page.memo["hidden"] = found
    return found  # type: ignore[return-value]


def hidden_by_ancestor(node: LexborNode, limit: int = 40) -> bool:
    """Whether an inline style on the node or one of its ancestors hides it."""
    steps = 0
    while node is not None and steps < limit:
        style = node.attributes.get("style") if node.tag != "-undef" else None
        if style and HIDDEN_STYLE.search(style):
            return True
        node = node.parent
        steps += 1
    return False
