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

from crawler.extract.page import Page

NAV_SELECTOR = ",".join(
    (
        "nav",
        "header",
        "[class*=nav]",
        "[id*=nav]",
        "[class*=menu]",
        "[id*=menu]",
        "[class*=daohang]",
        "[id*=daohang]",
    )
)
CRUMB_SELECTOR = ",".join(
    (
        "[class*=crumb]",
        "[class*=position]",
        "[id*=position]",
        "[class*=location]",
        "[id*=location]",
        "[class*=dqwz]",
        "[class*=current]",
    )
)
FOOT_SELECTOR = ",".join(
    (
        "footer",
        "[class*=foot]",
        "[id*=foot]",
        "[class*=bottom]",
        "[id*=bottom]",
        "[class*=copyright]",
        "[id*=copyright]",
        "[class*=yqlj]",
        "[id*=yqlj]",
        "[class*=friend]",
        "[class*=links]",
    )
)

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


def link_label(a: LexborNode) -> str:
    """What a link says: its text, else its title, else its image's alt."""
    text = " ".join(a.text(deep=True, strip=True, separator=" ").split())
    title = (a.attributes.get("title") or "").strip()
    if title and (not text or (text.endswith(("...", "…")) and len(title) > len(text))):
        return title  # lists cut long titles; the title attribute keeps them whole
    if text:
        return text
    if title:
        return title
    img = a.css_first("img[alt]")
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
    href = (a.attributes.get("href") or "").strip()
    if not href or href.startswith("#") or href.lower().startswith(NON_PAGE_SCHEMES):
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
    return {n.mem_id for zone in nodes for n in zone.css(inner)}


def zone_link_ids(page: Page) -> tuple[set[int], set[int]]:
    """Links in the navigation zones, and links in the breadcrumb and footer zones."""
    body = page.body
    if body is None:
        return set(), set()
    return (
        node_ids(body.css(NAV_SELECTOR), "a"),
        node_ids(body.css(f"{CRUMB_SELECTOR},{FOOT_SELECTOR}"), "a"),
    )


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
    return page.body.css(",".join(selectors[:100]))


def hidden_elements(page: Page) -> list[LexborNode]:
    """Elements hidden by their inline style or by a simple rule of the page's style sheet."""
    body = page.body
    if body is None:
        return []
    found = [n for n in body.css("[style]") if HIDDEN_STYLE.search(n.attributes.get("style") or "")]
    return found + _hidden_by_sheet(page)


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
