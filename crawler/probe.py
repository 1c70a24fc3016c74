"""One availability probe of a site's homepage: did it open, how fast, and what answered.

A probe uses a fresh connection every time (no keep-alive, no DNS cache), so DNS, connect
and TLS are measured on each one, as a visitor arriving at the site would meet them.
Success is a 2xx HTML answer within ``fetch.timeout`` after redirects. A 200 page that is a
maintenance notice, a closure notice or a web server's default page is recorded as such
(phrases in rules/availability.yaml) and does not count as open.

The network errors are crawler.fetch's classification; this module only maps its kinds
onto the probe's outcomes.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from datetime import UTC, datetime
from functools import cache
from importlib.resources import files
from typing import Any, Literal

import yaml
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator
from selectolax.lexbor import LexborHTMLParser
from yarl import URL

from crawler.config import Settings
from crawler.fetch import Fetcher, FetchResult, looks_textual
from crawler.site import Site

Outcome = Literal[
    "ok",
    "dns",
    "refused",
    "timeout",
    "tls",
    "connection",  # reset or closed mid-answer: reached the server, got no page
    "http_status",
    "bad_content",
    "maintenance_notice",
    "closure_notice",
    "server_default",
]
NOTICE_OUTCOMES: tuple[Outcome, ...] = ("closure_notice", "maintenance_notice", "server_default")

PROBE_BODY_BYTES = 256 * 1024  # enough to tell a homepage from a notice; the rest is not read
_CERT_TIMEOUT = 5.0  # seconds for the extra handshake that reads the certificate's expiry

# crawler.fetch error kinds → probe outcomes (kinds not listed keep their own name).
_KIND_OUTCOME: dict[str, Outcome] = {
    "redirect_loop": "bad_content",
    "too_many_redirects": "bad_content",
    "invalid_url": "bad_content",
    "blocked_address": "bad_content",
}


class ProbeResult(BaseModel):
    """One probe, as workers return it and the recorder stores it (plain JSON)."""

    model_config = ConfigDict(frozen=True)

    code: str
    url: str
    at: AwareDatetime  # when the probe started, UTC
    outcome: Outcome
    status: int | None = None
    latency_ms: float | None = Field(None, ge=0)
    error: str = ""
    cert_expires_at: AwareDatetime | None = None

    @field_validator("at", "cert_expires_at")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        return None if value is None else value.astimezone(UTC)

    @property
    def ok(self) -> bool:
        return self.outcome == "ok"


# ---------------------------------------------------------------------------- notices


class NoticePhrases(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    short_page_chars: int = Field(1500, ge=0)
    closure_notice: tuple[str, ...] = ()
    maintenance_notice: tuple[str, ...] = ()
    server_default: tuple[str, ...] = ()


@cache
def notice_phrases() -> NoticePhrases:
    text = (files("rules") / "availability.yaml").read_text(encoding="utf-8")
    data: dict[str, Any] = yaml.safe_load(text) or {}
    lowered = {
        key: tuple(str(p).lower() for p in value) if isinstance(value, list) else value
        for key, value in data.items()
        if key in NoticePhrases.model_fields  # the file's other sections are not phrases
    }
    return NoticePhrases.model_validate(lowered)


def page_notice(html: str, phrases: NoticePhrases | None = None) -> Outcome | None:
    """Which kind of notice a 200 page is, or None when it looks like a real page.

    The title is always searched; the visible text only when the page is short, so a
    homepage with a headline about 系统维护 stays a homepage.
    """
    phrases = phrases or notice_phrases()
    tree = LexborHTMLParser(html)
    title_node = tree.css_first("title")
    title = title_node.text(strip=True).lower() if title_node else ""
    tree.strip_tags(["script", "style", "noscript", "template"])
    body = tree.body
    text = body.text(separator=" ", strip=True).lower() if body else ""
    haystacks = [title]
    if len(text) <= phrases.short_page_chars:
        haystacks.append(text)
    for outcome in NOTICE_OUTCOMES:
        for phrase in getattr(phrases, outcome):
            if any(phrase in h for h in haystacks):
                return outcome
    return None


# ---------------------------------------------------------------------------- judging


def _is_html(fetched: FetchResult) -> bool:
    kind = fetched.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if "html" in kind:
        return True
    return looks_textual(kind, fetched.body) and fetched.body.lstrip()[:1] == b"<"


def judge(fetched: FetchResult) -> tuple[Outcome, str]:
    """A fetch's answer as a probe outcome and a short reason ("" when ok)."""
    kind = fetched.error_kind
    if kind is not None and kind != "too_large":
        outcome = _KIND_OUTCOME.get(kind, kind)
        return outcome, f"{kind}: {fetched.error}" if fetched.error else kind  # type: ignore[return-value]
    status = fetched.status
    if status is None or not 200 <= status < 300:
        return "http_status", f"HTTP {status}"
    if not _is_html(fetched):
        ctype = fetched.headers.get("content-type", "") or "no Content-Type"
        return "bad_content", f"not an HTML page ({ctype})"
    if not fetched.text.strip():
        return "bad_content", "empty page"
    notice = page_notice(fetched.text)
    if notice is not None:
        return notice, f"{notice.replace('_', ' ')}: {_title(fetched.text)}"
    if fetched.tls_error:
        # The page opens once a visitor clicks through the warning: a certificate
        # problem for the inspection, not an outage.
        return "ok", f"certificate: {fetched.tls_error}"
    return "ok", ""


def _title(html: str) -> str:
    node = LexborHTMLParser(html).css_first("title")
    return (node.text(strip=True) if node else "")[:120]


# ---------------------------------------------------------------------------- probing


async def probe_site(
    site: Site, settings: Settings, *, fetcher: Fetcher | None = None
) -> ProbeResult:
    """Probe the site's homepage once. Never raises for network or HTTP trouble.

    fetcher: a shared Fetcher (the service keeps one per worker); without it a private one
    is opened and closed around this probe. Either way the request uses a fresh connection.
    """
    if fetcher is None:
        async with Fetcher(settings.fetch) as own:
            return await _probe(site, own)
    return await _probe(site, fetcher)


async def _probe(site: Site, fetcher: Fetcher) -> ProbeResult:
    at = datetime.now(UTC)
    host = (URL(site.url).host or "") if site.url else ""
    fetched = await fetcher.get(
        site.url, site_host=host, max_bytes=PROBE_BODY_BYTES, fresh_connection=True
    )
    outcome, error = judge(fetched)
    expires = None
    if outcome not in ("dns", "refused", "timeout") and fetched.final_url.startswith("https:"):
        expires = await _cached_expiry(fetched.final_url)
    return ProbeResult(
        code=site.code,
        url=site.url,
        at=at,
        outcome=outcome,
        status=fetched.status,
        latency_ms=float(fetched.elapsed_ms) if fetched.status or fetched.error_kind else None,
        error=error,
        cert_expires_at=expires,
    )


# ---------------------------------------------------------------------------- certificate

CERT_RECHECK_S = 6 * 3600.0  # a certificate's date is read again this often per host
_cert_cache: dict[tuple[str, int], tuple[float, datetime | None]] = {}


async def _cached_expiry(url: str) -> datetime | None:
    """certificate_expiry, at most once per CERT_RECHECK_S per host and port (probes come
    every few minutes; an extra handshake each time would double the TLS load)."""
    parsed = URL(url)
    key = (parsed.host or "", parsed.port or 443)
    now = time.monotonic()
    cached = _cert_cache.get(key)
    if cached is not None and now - cached[0] < CERT_RECHECK_S and cached[1] is not None:
        return cached[1]
    expires = await certificate_expiry(url)
    if len(_cert_cache) > 10_000:
        _cert_cache.clear()
    _cert_cache[key] = (now, expires)
    return expires


async def certificate_expiry(url: str, limit_s: float = _CERT_TIMEOUT) -> datetime | None:
    """The notAfter of the certificate the server presents (verified or not); None if unknown.

    A separate short handshake: the fetcher hides its connections, and an expired or
    self-signed certificate must still report its date.
    """
    parsed = URL(url)
    if parsed.scheme != "https" or not parsed.host:
        return None
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    writer = None
    try:
        async with asyncio.timeout(limit_s):
            _reader, writer = await asyncio.open_connection(
                parsed.host, parsed.port or 443, ssl=context, server_hostname=parsed.host
            )
            ssl_object = writer.get_extra_info("ssl_object")
            der = ssl_object.getpeercert(binary_form=True) if ssl_object else None
    except (OSError, TimeoutError, ssl.SSLError, ValueError):
        return None
    finally:
        if writer is not None:
            writer.close()
    return der_not_after(der) if der else None


def _der_item(data: bytes, pos: int) -> tuple[int, int, int]:
    """(tag, start of content, end of content) of the DER item at pos."""
    tag = data[pos]
    length = data[pos + 1]
    pos += 2
    if length & 0x80:
        count = length & 0x7F
        length = int.from_bytes(data[pos : pos + count])
        pos += count
    return tag, pos, pos + length


def _der_children(data: bytes, start: int, end: int) -> list[tuple[int, int, int]]:
    items = []
    while start < end:
        item = _der_item(data, start)
        items.append(item)
        start = item[2]
    return items


def _der_time(tag: int, raw: bytes) -> datetime:
    text = raw.decode("ascii").rstrip("Z")
    if tag == 0x17:  # UTCTime YYMMDDHHMMSS; years 50-99 are 19xx (RFC 5280)
        year = int(text[:2])
        text = f"{1900 + year if year >= 50 else 2000 + year}{text[2:]}"
    return datetime.strptime(text[:14], "%Y%m%d%H%M%S").replace(tzinfo=UTC)


def der_not_after(der: bytes) -> datetime | None:
    """notAfter of an X.509 certificate in DER: Certificate → tbsCertificate → validity."""
    try:
        _, cert_start, cert_end = _der_item(der, 0)
        _, tbs_start, tbs_end = _der_children(der, cert_start, cert_end)[0]
        fields = _der_children(der, tbs_start, tbs_end)
        offset = 1 if fields[0][0] == 0xA0 else 0  # explicit [0] version
        _, validity_start, validity_end = fields[offset + 3]
        times = _der_children(der, validity_start, validity_end)
        tag, start, end = times[1]
        return _der_time(tag, der[start:end])
    except (IndexError, ValueError, UnicodeDecodeError):
        return None
