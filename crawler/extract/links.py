"""The links a census link check counts on a page, and the URL shapes the crawl keys on.

What counts (链接可用性 is about what a visitor can open from the page):

- ``<a href>`` and ``<area href>``: what a visitor clicks, attachments included;
- ``<iframe src>`` / ``<frame src>``: embedded pages a visitor sees as part of the page;
- ``<img src>``: a broken image shows as a broken picture;
- ``<meta http-equiv="refresh">``: the page the browser is sent on to.

Not counted: scripts and stylesheets (page furniture a visitor never opens; a dead
analytics script is not a broken link), form actions, ``javascript:``, ``mailto:``,
``tel:``, ``data:`` and other non-HTTP schemes, and same-page ``#fragment`` links.
Markup inside ``<script>``, ``<noscript>``, ``<template>`` and comments is not seen
(crawler.extract.page strips it).

Every URL is absolute and canonical (``canonical_url``), so one link written three ways
is checked once.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from crawler.extract.page import Page, css

LinkKind = Literal["page", "attachment", "image", "media"]


def _extensions(names: str) -> frozenset[str]:
    return frozenset(f".{name}" for name in names.split())


# Downloads the census scores under 附件下载; .wps/.et/.dps are WPS Office, .ofd/.ceb
# Chinese electronic documents.
ATTACHMENT_EXTENSIONS = _extensions(
    "doc docx xls xlsx ppt pptx pdf zip rar 7z wps et dps ofd ceb txt csv tar gz"
)
IMAGE_EXTENSIONS = _extensions("jpg jpeg png gif bmp webp svg ico tif tiff")
# Not pages either: audio, video, programs, and page furniture linked by hand.
MEDIA_EXTENSIONS = _extensions("mp4 mp3 flv swf avi wmv wav mov m4v webm apk exe msi iso css js")
# Query parameters that carry a session, not a resource: dropping them makes the same
# page one URL for every visit (and keeps a session-id trap from looking endless).
SESSION_PARAMS = frozenset(
    {"jsessionid", "phpsessid", "sid", "sessionid", "session_id", "cfid", "cftoken"}
)
_SESSION_PREFIXES = ("aspsessionid",)  # ASP appends letters: ASPSESSIONIDQATQDBCT
_PATH_SESSION = re.compile(r";(?:jsessionid|phpsessid|sid)=[^/?#]*", re.IGNORECASE)
_SKIPPED_SCHEMES = ("javascript:", "mailto:", "tel:", "data:", "about:", "vbscript:")
_URL_WHITESPACE = re.compile(r"[\t\n\r]")  # browsers drop these anywhere in a URL
_REFRESH_URL = re.compile(r"url\s*=\s*['\"]?([^'\";]+)", re.IGNORECASE)
_DIGITS = re.compile(r"\d+")
_SPACES = re.compile(r"\s+")
# Characters left as written when re-encoding: reserved ones and existing escapes.
_SAFE = "!#$%&'()*+,/:;=?@[]~"
_DEFAULT_PORTS = {"http": 80, "https": 443}
TEXT_LIMIT = 200  # anchor text kept per link


@dataclass(frozen=True, slots=True)
class Link:
    url: str  # absolute and canonical
    text: str  # anchor text, else the alt or title of what is linked
    kind: LinkKind
    tag: str  # a, area, iframe, frame, img, meta


def _is_session_key(key: str) -> bool:
    name = unquote(key).strip().lower()
    return name in SESSION_PARAMS or name.startswith(_SESSION_PREFIXES)


def _canonical_query(query: str) -> str:
    # Split by hand rather than parse_qsl: values stay byte-exact (GBK escapes survive).
    pairs = [p for p in query.split("&") if p and not _is_session_key(p.split("=", 1)[0])]
    return "&".join(sorted(quote(p, safe=_SAFE) for p in pairs))


# A site's pages repeat the same links (navigation, footer) and a crawl reads many sites'
# pages interleaved: a cache well beyond urlsplit's own 128 entries keeps those hits.
@functools.lru_cache(maxsize=1 << 14)
def canonical_url(url: str) -> str:
    """One spelling per resource: lowercase scheme and host, no default port, no
    fragment, session ids dropped, query parameters sorted, non-ASCII percent-encoded.

    Something that is not a parseable URL comes back stripped, for the fetcher to call
    it an invalid URL.
    """
    raw = _URL_WHITESPACE.sub("", url).strip()
    try:
        parts = urlsplit(raw)
        port = parts.port
    except ValueError:
        return raw
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    if not host:
        return raw
    if ":" in host:
        host = f"[{host}]"
    netloc = host
    if port is not None and port != _DEFAULT_PORTS.get(scheme):
        netloc = f"{host}:{port}"
    if parts.username is not None:
        userinfo = parts.username + (f":{parts.password}" if parts.password is not None else "")
        netloc = f"{userinfo}@{netloc}"
    path = quote(_PATH_SESSION.sub("", parts.path), safe=_SAFE) or "/"
    return urlunsplit((scheme, netloc, path, _canonical_query(parts.query), ""))


def url_pattern(url: str) -> str:
    """The shape of a URL for per-pattern crawl caps: digits in the path collapsed and
    the query reduced to its sorted keys, so every day of a calendar trap
    (``/calendar/index.html?date=2026-03-01``) has one pattern."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    path = _DIGITS.sub("9", parts.path)
    keys = sorted({p.split("=", 1)[0] for p in parts.query.split("&") if p})
    query = "&".join(keys)
    return f"{parts.scheme}://{parts.netloc}{path}" + (f"?{query}" if query else "")


@functools.lru_cache(maxsize=1 << 14)  # as canonical_url: the same links, page after page
def kind_of(url: str) -> LinkKind:
    """What a URL points at, judged by its path's extension (no extension: a page)."""
    path = urlsplit(url).path.lower()
    dot = path.rfind(".")
    if dot < 0 or "/" in path[dot:]:
        return "page"
    ext = path[dot:]
    if ext in ATTACHMENT_EXTENSIONS:
        return "attachment"
    if ext in IMAGE_EXTENSIONS:
        return "image"
    if ext in MEDIA_EXTENSIONS:
        return "media"
    return "page"


def _clean_text(text: str) -> str:
    return _SPACES.sub(" ", text).strip()[:TEXT_LIMIT]


def _anchor_text(node: object) -> str:
    text = _clean_text(node.text(deep=True, strip=True))  # type: ignore[attr-defined]
    if text:
        return text
    for img in css(node, "img"):  # type: ignore[attr-defined]
        alt = _clean_text(img.attributes.get("alt") or img.attributes.get("title") or "")
        if alt:
            return alt
    return _clean_text(node.attributes.get("title") or "")  # type: ignore[attr-defined]


def _absolute(page: Page, ref: str) -> str | None:
    ref = _URL_WHITESPACE.sub("", ref).strip()
    if not ref or ref.startswith("#") or ref.lower().startswith(_SKIPPED_SCHEMES):
        return None
    url = page.absolute(ref)
    if url.partition(":")[0].lower() not in ("http", "https"):
        return None  # ftp:, file:, weixin: …: nothing an HTTP check can open
    return canonical_url(url)


def refresh_target(page: Page) -> str | None:
    """The URL a ``<meta http-equiv="refresh">`` sends the browser to, if any."""
    if not page.refresh:
        return None
    match = _REFRESH_URL.search(page.refresh)
    return _absolute(page, match.group(1)) if match else None


def page_links(page: Page) -> list[Link]:
    """Every counted link of the page in document order, one per occurrence."""
    links: list[Link] = []
    if target := refresh_target(page):
        links.append(Link(target, "", kind_of(target), "meta"))
    root = page.tree.root
    query = "a[href], area[href], iframe[src], frame[src], img[src]"
    found = css(root, query) if root is not None else []
    for node in found:
        tag = node.tag or ""
        attrs = node.attributes
        if tag == "img":
            url = _absolute(page, attrs.get("src") or "")
            if url:
                text = _clean_text(attrs.get("alt") or attrs.get("title") or "")
                links.append(Link(url, text, "image", tag))
            continue
        url = _absolute(page, attrs.get("src" if tag in ("iframe", "frame") else "href") or "")
        if url:
            text = _anchor_text(node) if tag == "a" else _clean_text(attrs.get("title") or "")
            if tag == "area" and not text:
                text = _clean_text(attrs.get("alt") or "")
            links.append(Link(url, text, kind_of(url), tag))
    return links
