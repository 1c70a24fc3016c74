"""Hacked content: hidden blocks of links (暗链) and operator-listed words.

A block counts when markup hides it (display:none, visibility:hidden, off-screen left/top
of -500px or more, zero size with overflow hidden, font-size:0 — inline, or by a simple
.class/#id rule of the page's own style sheet, or written by document.write in a script)
and it holds MIN_LINKS links or more, and either names a listed spam word or, hidden by
the tricks only spammers use (off-screen, zero size, invisible text), links to several
other sites. A display:none block of this site's links is an inactive tab or menu, not
spam; one of government links is a closed 友情链接 box.
"""

from __future__ import annotations

import re

from selectolax.lexbor import LexborHTMLParser, LexborNode

from crawler.extract.markup import HIDDEN_STYLE, hidden_elements, host_key
from crawler.extract.page import Page, css, css_first

MIN_LINKS = 3
MIN_FOREIGN_LINKS = 3
EXCERPT_CHARS = 300
_SPAMMER_TRICK = re.compile(
    r"(?:left|top|right|text-indent|margin-left|margin-top)\s*:\s*-\s*(?:[5-9]\d{2}|\d{4,})"
    r"|font-size\s*:\s*0|(?<![-\w])(?:height|width)\s*:\s*[01](?:px)?\s*(?:;|$|!)",
    re.IGNORECASE,
)
_GOVERNMENT = re.compile(r"\.(?:gov|gov\.cn|org\.cn|edu\.cn|mil\.cn)$|^(?:[\w-]+\.)*gov\.cn$")
_DOC_WRITE = re.compile(r"document\s*\.\s*write(?:ln)?\s*\(", re.IGNORECASE)


def words_found(text: str, words: list[str]) -> list[str]:
    """The listed words that occur in the text, in list order, once each."""
    lowered = None
    out: list[str] = []
    for word in words:
        if not word or word in out:
            continue
        if word in text:
            out.append(word)
        elif word.isascii():
            lowered = lowered if lowered is not None else text.lower()
            if word.lower() in lowered:
                out.append(word)
    return out


def _excerpt(node: LexborNode) -> str:
    html = node.html or ""
    return " ".join(html.split())[:EXCERPT_CHARS]


def _is_spam(
    node: LexborNode, style: str, own_host: tuple[str, int | None], words: list[str]
) -> bool:
    links = css(node, "a[href]")
    if len(links) < MIN_LINKS:
        return False
    text = node.text(deep=True, separator=" ", strip=True)
    hrefs = " ".join(a.attributes.get("href") or "" for a in links)
    if words_found(text, words) or words_found(hrefs, words):
        return True
    if not _SPAMMER_TRICK.search(style):
        return False
    foreign = 0
    for a in links:
        host = host_key(a.attributes.get("href") or "")
        if host[0] and host != own_host and not _GOVERNMENT.search(host[0]):
            foreign += 1
    return foreign >= MIN_FOREIGN_LINKS


def _style_of(node: LexborNode) -> str:
    style = node.attributes.get("style") or ""
    return style if HIDDEN_STYLE.search(style) else "display:none"  # hidden by a sheet rule


def _written_blocks(page: Page) -> list[LexborNode]:
    """Hidden blocks a script writes into the page with document.write."""
    out = []
    for script in page.scripts:
        code = script.code
        if code and _DOC_WRITE.search(code) and "href" in code and HIDDEN_STYLE.search(code):
            fragment = LexborHTMLParser(code[:50_000].replace("\\'", "'").replace('\\"', '"'))
            body = fragment.body
            if body is not None:
                out.extend(
                    n
                    for n in css(body, "[style]")
                    if HIDDEN_STYLE.search(n.attributes.get("style") or "")
                )
    return out


def hidden_link_blocks(page: Page, spam_words: list[str]) -> list[str]:
    """Excerpts of the hidden link blocks that look like hacked-in spam, outermost only."""
    own = host_key(page.url)
    blocks = [n for n in hidden_elements(page) if css_first(n, "a[href]") is not None]
    blocks += _written_blocks(page)
    out: list[str] = []
    reported: list[LexborNode] = []
    for node in blocks:
        if any(_inside(node, outer) for outer in reported):
            continue
        if _is_spam(node, _style_of(node), own, spam_words):
            reported.append(node)
            out.append(_excerpt(node))
    return out


def _inside(node: LexborNode, outer: LexborNode) -> bool:
    parent = node.parent
    target = outer.mem_id
    steps = 0
    while parent is not None and steps < 60:
        if parent.mem_id == target:
            return True
        parent = parent.parent
        steps += 1
    return False
