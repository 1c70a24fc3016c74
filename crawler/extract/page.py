"""One parsed page: the tree, its metas, title, scripts and visible text, read once.

Every extractor takes a `Page`, so a page is parsed by lexbor exactly once however many
facts are read from it. Script and style bodies are kept aside (entries, redirects,
pagination and hidden-block rules read them) and then removed from the tree, so element
text never contains code. Comments are not elements: nothing commented out is seen.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from selectolax.lexbor import LexborCSSSelector, LexborHTMLParser, LexborNode

# Elements whose content is never shown as page text.
_INVISIBLE = ("script", "style", "noscript", "template")
# Pages of several MB (public-information catalogues) carry no more facts past this;
# bounding the text keeps every text scan linear in a small constant.
TEXT_LIMIT = 300_000
# A relative path urljoin resolves by concatenation: no scheme, no leading / ? # or dot,
# no empty segment, no ;params, no characters urlsplit removes or that need care.
_SPLIT_NEEDED = re.compile(r"[?#\[\]\t\r\n]")  # what urlsplit treats specially
_PLAIN_RELATIVE = re.compile(r"[^/?#.:;\\\s][^:;?#\\\s]*(?:[?#][^\s]*)?$")


_engines = threading.local()


def _engine() -> LexborCSSSelector:
    engine = getattr(_engines, "css", None)
    if engine is None:
        engine = _engines.css = LexborCSSSelector()
    return engine


def css(node: LexborNode, query: str) -> list[LexborNode]:
    """node.css(query), through one CSS engine per thread. selectolax builds a new engine
    (CSS parser, selector memory) for each parsed document on its first query, which
    costs more than parsing a 4 KB page; the engine holds nothing of a document between
    queries, so one per thread serves every page."""
    return _engine().find(query, node)


def css_first(node: LexborNode, query: str) -> LexborNode | None:
    """node.css_first(query) through the thread's CSS engine."""
    found = _engine().find_first(query, node)
    return found[0] if found else None


@dataclass(frozen=True, slots=True)
class Script:
    src: str  # the src attribute, "" for inline code
    attrs: dict[str, str | None]
    code: str  # inline code ("" for an external script)


@dataclass(frozen=True, slots=True)
class Page:
    url: str  # the page's address (after redirects)
    base: str  # what relative links resolve against: <base href> or url
    origin: str  # scheme://host[:port] of base, for the common root-relative link
    tree: LexborHTMLParser
    metas: dict[str, str]  # <meta name> (lowercased) -> content; first non-empty wins
    refresh: str | None  # content of <meta http-equiv="refresh">
    title: str
    scripts: tuple[Script, ...]
    styles: str  # the <style> sheets, joined (hidden-class rules live there)
    text: str  # visible text, one text node per line, capped at TEXT_LIMIT
    # What several extractors derive from the tree (its links, zones, hidden elements),
    # computed on first use and kept here: the page never changes after parsing, so the
    # functions stay pure and each derivation runs once per page.
    memo: dict[str, object] = field(default_factory=dict, compare=False, repr=False)

    @property
    def body(self) -> LexborNode | None:
        return self.tree.body

    def absolute(self, href: str) -> str:
        """A link's absolute URL, without its #fragment."""
        href = href.strip()
        # Fast paths for the two shapes most links take; urljoin for everything else.
        if href.startswith(("http://", "https://")) and "/." not in href:
            url = href
        elif href.startswith("/") and not href.startswith("//") and "/." not in href:
            url = self.origin + href
        elif (
            _PLAIN_RELATIVE.match(href)
            and "/." not in href
            and "//" not in href
            and (folder := self._folder())
        ):
            url = folder + href  # index_1.html, ../-free paths: what urljoin gives
        else:
            url = urljoin(self.base, href)
        return url.split("#", 1)[0] if "#" in url else url

    def _folder(self) -> str:
        """The base URL up to its path's last slash, when joining a plain relative path to
        it is plain concatenation (no dot or empty segments, no ;params); else ""."""
        folder = self.memo.get("folder")
        if folder is None:
            head = self.base.split("#", 1)[0].split("?", 1)[0]
            path = head[len(self.origin) :] if self.origin and head.startswith(self.origin) else ""
            if path == "" and self.origin and head == self.origin:
                path = "/"
                head += "/"
            plain = path.startswith("/") and "/." not in path and "//" not in path
            folder = head[: head.rfind("/") + 1] if plain and ";" not in path else ""
            self.memo["folder"] = folder
        return folder  # type: ignore[return-value]


def _metas(tree: LexborHTMLParser) -> tuple[dict[str, str], str | None]:
    metas: dict[str, str] = {}
    refresh = None
    for node in tree.tags("meta"):
        attrs = node.attributes
        content = (attrs.get("content") or "").strip()
        name = attrs.get("name") or attrs.get("property") or attrs.get("itemprop")
        if name:
            key = name.strip().lower()
            if not metas.get(key):  # SiteIDCode often appears twice; keep a non-empty one
                metas[key] = content
            continue
        equiv = (attrs.get("http-equiv") or "").strip().lower()
        if equiv == "refresh" and refresh is None:
            refresh = content
    return metas, refresh


def _origin(base: str) -> str:
    """scheme://netloc of the base, "" without either; sliced by hand for a plain URL."""
    if base.startswith(("http://", "https://")) and not _SPLIT_NEEDED.search(base):
        slash = base.find("/", base.find("//") + 2)
        origin = base[:slash] if slash >= 0 else base
        if len(origin) > base.find("//") + 2:  # a netloc
            return origin
    parts = urlsplit(base)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def parse_page(html: str, url: str) -> Page:
    """Parse once; everything an extractor needs is on the result."""
    tree = LexborHTMLParser(html)
    metas, refresh = _metas(tree)
    # tags() walks lexbor's element index: several times cheaper than a CSS query.
    titles = tree.tags("title")
    title = titles[0].text(strip=True) if titles else ""
    base_node = next((n for n in tree.tags("base") if "href" in n.attrs), None)
    base = urljoin(url, (base_node.attrs.get("href") or "").strip()) if base_node else url
    origin = _origin(base)
    scripts = []
    for node in tree.tags("script"):
        attrs = dict(node.attributes)
        src = (attrs.get("src") or "").strip()
        scripts.append(Script(src, attrs, "" if src else node.text(deep=True)))
    styles = "\n".join(node.text(deep=True) for node in tree.tags("style"))
    tree.strip_tags(list(_INVISIBLE))
    body = tree.body
    text = body.text(separator="\n", strip=True) if body is not None else ""
    return Page(
        url=url,
        base=base,
        origin=origin,
        tree=tree,
        metas=metas,
        refresh=refresh,
        title=title,
        scripts=tuple(scripts),
        styles=styles,
        text=text[:TEXT_LIMIT],
    )
