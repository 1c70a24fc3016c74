"""The supervision entries: 我为政府网站找错 (the national one) and the 问题曝光台.

找错, strongest form first:
  script  <script id="_jiucuo_" sitecode="…" src="…/exposure/jiucuo.js"> (hosts
          zfwzgl.www.gov.cn and the older pucha.kaipuyun.cn);
  loader  the same jiucuo.js URL only as a string inside inline code;
  image   the pre-rendered <span id="_span_jiucuo"><img src="…/exposure/images/jiucuo.png?v=…">;
  link    a link or image whose text, alt or title says 我为政府网站找错, or a link to the
          national …/exposure/jiucuo.html?site_code=… page.
Commented-out forms are no elements and never seen; a link or image hidden by an inline
style does not count (a visitor cannot use it). A portal's own 网站纠错 page is not the
national entry. 曝光台: a visible link or image whose text, alt or title names 曝光台.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from selectolax.lexbor import LexborNode

from crawler.extract.markup import hidden_by_ancestor
from crawler.extract.page import TEXT_LIMIT, Page, css

ZHAOCUO_TEXT = "我为政府网站找错"
EXPOSURE_TEXT = "曝光台"

_JIUCUO_JS = re.compile(r"/exposure/jiucuo\.js", re.IGNORECASE)
_JIUCUO_PNG = re.compile(r"/exposure/images/jiucuo\.png(?:\?v=(\w+))?", re.IGNORECASE)
_JIUCUO_PAGE = re.compile(r"/exposure/jiucuo\.html", re.IGNORECASE)
_LOADER_CODE = re.compile(r"""sitecode["']?\s*[,:=]\s*["'](\w+)["']""", re.IGNORECASE)
_JS_COMMENT = re.compile(r"/\*.*?\*/|(?<![:\"'\\])//[^\n]*", re.DOTALL)


@dataclass(frozen=True, slots=True)
class EntryFacts:
    zhaocuo: bool
    zhaocuo_sitecode: str | None
    zhaocuo_form: str | None  # "script", "loader", "image", "link"
    exposure: bool


def _script_entry(page: Page) -> tuple[str | None, str | None]:
    """(form, sitecode) from <script> tags: the embed itself, then a loader."""
    for script in page.scripts:
        if (script.src and _JIUCUO_JS.search(script.src)) or script.attrs.get("id") == "_jiucuo_":
            code = (script.attrs.get("sitecode") or "").strip() or None
            return "script", code
    for script in page.scripts:
        if script.code and "jiucuo" in script.code:
            live = _JS_COMMENT.sub("", script.code[:50_000])
            if _JIUCUO_JS.search(live):
                m = _LOADER_CODE.search(live)
                return "loader", m[1] if m else None
    return None, None


def _image_entry(page: Page) -> tuple[str | None, str | None]:
    body = page.body
    if body is None:
        return None, None
    for img in css(body, "#_span_jiucuo img, img[src*=jiucuo]"):
        m = _JIUCUO_PNG.search(img.attributes.get("src") or "")
        if m and not hidden_by_ancestor(img):
            return "image", m[1]
    return None, None


def _names(node_text: str, attrs: dict[str, str | None]) -> str:
    return " ".join((node_text, attrs.get("alt") or "", attrs.get("title") or ""))


def _named_selector(word: str) -> str:
    return ", ".join(
        f'{tag}[{attr}*="{word}"]' for tag in ("a", "img") for attr in ("alt", "title")
    )


_NAMED_EXPOSURE = _named_selector(EXPOSURE_TEXT)
# a and img elements whose alt or title names an entry, and links to the national page:
# one query per page for both entries (each candidate is then checked exactly)
_FLAGGED = ", ".join(
    (
        _named_selector(ZHAOCUO_TEXT),
        _named_selector(EXPOSURE_TEXT),
        'a[href*="/exposure/jiucuo.html" i]',
    )
)


def _text_candidates(page: Page, word: str) -> list[LexborNode]:
    """The a elements whose text may hold `word`, in document order.

    An element's stripped text holds the word only if one of its text nodes holds the
    word's first character, which then shows in the page text and in the element's raw
    textContent (text_lexbor, a cheap native read)."""
    body = page.body
    first = word[0]
    if body is None or (first not in page.text and len(page.text) < TEXT_LIMIT):
        return []  # (a capped text proves nothing)
    anchors = page.memo.get("anchors")
    if anchors is None:
        anchors = page.memo["anchors"] = css(body, "a")
    return [a for a in anchors if first in a.text_lexbor()]  # type: ignore[attr-defined]


def _candidates(page: Page, word: str) -> list[LexborNode]:
    """The a and img elements, in document order, that may name `word` or link to the
    national 找错 page: every one that does, fewer to check one by one than all of them.

    The text side is _text_candidates; alt, title and href are matched by one native
    query.
    """
    body = page.body
    if body is None:
        return []
    flagged_nodes = css(body, _FLAGGED)
    flagged = {n.mem_id for n in flagged_nodes}
    texts = {a.mem_id for a in _text_candidates(page, word)}
    if not flagged and not texts:
        return []
    if any(n.tag != "a" for n in flagged_nodes):
        every = css(body, "a, img")  # a flagged img: a and img in document order
    else:
        every = page.memo.get("anchors") or css(body, "a")
    return [node for node in every if node.mem_id in flagged or node.mem_id in texts]


def _link_entry(page: Page) -> tuple[str | None, str | None]:
    for node in _candidates(page, ZHAOCUO_TEXT):
        attrs = node.attributes
        href = attrs.get("href") or ""
        text = node.text(deep=True, strip=True) if node.tag == "a" else ""
        named = ZHAOCUO_TEXT in _names(text, attrs)
        national = node.tag == "a" and bool(_JIUCUO_PAGE.search(href))
        if (named or national) and not hidden_by_ancestor(node):
            code = None
            if national:
                query = parse_qs(urlsplit(href).query)
                code = (query.get("site_code") or query.get("sitecode") or [None])[0]
            return "link", code
    return None, None


def _named_exposure(node: LexborNode) -> bool:
    attrs = node.attributes
    text = node.text(deep=True, strip=True) if node.tag == "a" else ""
    return EXPOSURE_TEXT in _names(text, attrs) and not hidden_by_ancestor(node)


def _exposure(page: Page) -> bool:
    """Whether a visible a or img names 曝光台 (in order does not matter for a yes or no:
    the links whose text may say so are read first, and most entries are such links)."""
    if any(_named_exposure(a) for a in _text_candidates(page, EXPOSURE_TEXT)):
        return True
    body = page.body
    if body is None:
        return False
    return any(_named_exposure(node) for node in css(body, _NAMED_EXPOSURE))


def find_entries(page: Page) -> EntryFacts:
    form, code = None, None
    for finder in (_script_entry, _image_entry, _link_entry):
        form, code = finder(page)
        if form is not None:
            break
    return EntryFacts(form is not None, code, form, _exposure(page))
