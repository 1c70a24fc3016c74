"""One parsed page: the tree, its metas, title, scripts and visible text, each read once.

Every extractor takes a `Page`, so a page is parsed by lexbor exactly once however many
facts are read from it. Script and style bodies are kept aside (entries, redirects,
pagination and hidden-block rules read them) and then removed from the tree, so element
text never contains code. Comments are not elements: nothing commented out is seen.

The metas, title, base and text are read on first use: an extractor that needs none of
them (or only the metas) does not pay for the others. What is read from the tree before
<noscript> is removed (metas, title, base) is read at parse time when the page has a
<noscript>, so it is the same whichever extractor asks first.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
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


_UNREAD = object()  # a lazily read field not read yet


class Page:
    """A parsed page. Fields (read-only):

    url      the page's address (after redirects)
    base     what relative links resolve against: <base href> or url
    origin   scheme://host[:port] of base, for the common root-relative link
    tree     the parsed document, without script, style, noscript and template
    metas    <meta name> (lowercased) -> content; first non-empty wins
    refresh  content of <meta http-equiv="refresh">
    title    the first <title>'s text
    scripts  the <script> elements, in document order
    styles   the <style> sheets, joined (hidden-class rules live there)
    text     visible text, one text node per line, capped at TEXT_LIMIT
    memo     what several extractors derive from the tree (its links, zones, hidden
             elements), computed on first use and kept here: the page never changes
             after parsing, so the functions stay pure and each derivation runs once.
    """

    __slots__ = (
        "_base",
        "_body",
        "_metas",
        "_origin",
        "_refresh",
        "_text",
        "_title",
        "memo",
        "scripts",
        "styles",
        "tree",
        "url",
    )

    def __init__(self, url: str, tree: LexborHTMLParser) -> None:
        self.url = url
        self.tree = tree
        self.memo: dict[str, object] = {}
        self._metas: dict[str, str] | None = None
        self._refresh: str | None = None
        self._title: str | None = None
        self._base: str | None = None
        self._origin: str | None = None
        self._text: str | None = None
        self._body: object = _UNREAD
        self.scripts: tuple[Script, ...] = ()
        self.styles = ""

    def __repr__(self) -> str:
        return f"Page({self.url!r})"

    @property
    def body(self) -> LexborNode | None:
        body = self._body
        if body is _UNREAD:
            body = self._body = self.tree.body
        return body  # type: ignore[return-value]

    @property
    def metas(self) -> dict[str, str]:
        if self._metas is None:
            self._read_metas()
        return self._metas  # type: ignore[return-value]

    @property
    def refresh(self) -> str | None:
        if self._metas is None:
            self._read_metas()
        return self._refresh

    @property
    def title(self) -> str:
        title = self._title
        if title is None:
            titles = self.tree.tags("title")
            title = self._title = titles[0].text(strip=True) if titles else ""
        return title

    @property
    def base(self) -> str:
        base = self._base
        if base is None:
            node = next((n for n in self.tree.tags("base") if "href" in n.attrs), None)
            href = (node.attrs.get("href") or "").strip() if node is not None else None
            base = self._base = urljoin(self.url, href) if href is not None else self.url
        return base

    @property
    def origin(self) -> str:
        origin = self._origin
        if origin is None:
            origin = self._origin = _origin(self.base)
        return origin

    @property
    def text(self) -> str:
        text = self._text
        if text is None:
            body = self.body
            text = body.text(separator="\n", strip=True) if body is not None else ""
            text = self._text = text[:TEXT_LIMIT]
        return text

    def _read_metas(self) -> None:
        metas: dict[str, str] = {}
        refresh = None
        for node in self.tree.tags("meta"):
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
        self._metas, self._refresh = metas, refresh

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
            origin = self.origin
            head = self.base.split("#", 1)[0].split("?", 1)[0]
            path = head[len(origin) :] if origin and head.startswith(origin) else ""
            if path == "" and origin and head == origin:
                path = "/"
                head += "/"
            plain = path.startswith("/") and "/." not in path and "//" not in path
            folder = head[: head.rfind("/") + 1] if plain and ";" not in path else ""
            self.memo["folder"] = folder
        return folder  # type: ignore[return-value]


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
    page = Page(url, tree)
    # tags() walks lexbor's tree in C: several times cheaper than a CSS query. Script and
    # style bodies are read before the elements leave the tree.
    scripts = []
    script_nodes = tree.tags("script")
    for node in script_nodes:
        attrs = node.attributes
        src = (attrs.get("src") or "").strip()
        scripts.append(Script(src, attrs, "" if src else node.text(deep=True)))
    page.scripts = tuple(scripts)
    style_nodes = tree.tags("style")
    if style_nodes:
        page.styles = "\n".join(node.text(deep=True) for node in style_nodes)
    noscript_nodes = tree.tags("noscript")
    if noscript_nodes:  # it may hold metas, a title or a base: read them before it goes
        page._read_metas()
        page.title  # noqa: B018
        page.base  # noqa: B018
    for nodes in (script_nodes, style_nodes, noscript_nodes, tree.tags("template")):
        for node in nodes:
            node.decompose(recursive=False)
    return page
