"""HTTP fetching for inspections, link checks and availability probes.

One ``Fetcher`` per process. It never raises for a network or HTTP problem: every
outcome is a ``FetchResult`` whose ``error_kind`` says what went wrong.

Bounds, all from ``FetchConfig``:

- ``timeout``: network time of one ``get`` (all redirect hops, connect, headers and
  body; waiting for a free slot does not count). A server that drips a byte a second is
  cut off there.
- ``total`` / ``per_host`` concurrent requests, and ``host_delay`` between request
  starts to one host (county servers fall over under a crawler).
- ``max_body_bytes`` of decoded body. Content-Encoding is decoded here, not by aiohttp,
  with zlib's ``max_length`` so output never exceeds the cap whatever the input claims
  (a gzip bomb costs a few kilobytes of reading).
- ``max_redirects`` hops, each one followed by hand so it is recorded and passes the
  address guard (crawler.netguard).

Sessions: one aiohttp ClientSession for each combination actually used of
guarded/open address policy, verified/unverified TLS and keep-alive/fresh connections
(a connector fixes all three), created lazily and closed with the Fetcher.
"""

from __future__ import annotations

import asyncio
import base64
import socket
import ssl
import time
import zlib
from collections import Counter
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass, field
from types import TracebackType
from typing import Any, Literal, Self

import aiohttp
from aiohttp import http_exceptions
from aiohttp.abc import AbstractResolver
from yarl import URL

from crawler.config import FetchConfig
from crawler.decode import decode_html
from crawler.netguard import BlockedAddressError, GuardedResolver, blocked_reason, literal_address
from crawler.netguard import same_host as _same_host

ErrorKind = Literal[
    "dns",
    "refused",
    "timeout",
    "tls",
    "http_status",
    "too_large",
    "redirect_loop",
    "too_many_redirects",
    "bad_content",
    "blocked_address",
    "connection",
    "invalid_url",
]

KEPT_HEADERS = ("content-type", "last-modified", "content-length")
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_CHUNK = 64 * 1024
_GZIP_MAGIC = b"\x1f\x8b"
_THREAD_DECODE_BYTES = 512 * 1024  # larger bodies are decoded off the event loop
_BAD_CERT_MEMORY = 600.0  # seconds a host's failed verification is remembered
_MAX_HOST_ENTRIES = 2048  # idle per-host state beyond this is dropped

DEFAULT_HEADERS = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5",
    # Only what _Inflater decodes; a server sending anything else gets bad_content.
    "Accept-Encoding": "gzip, deflate",
}


@dataclass(frozen=True)
class FetchResult:
    """What one ``get`` produced. ``body`` is at most the cap; ``text`` is it decoded.

    error_kind: None, or one of ErrorKind. ``http_status`` (status >= 400) and
    ``too_large`` (body cut at max_body_bytes) still carry the body; ``timeout`` carries
    whatever arrived before it. tls_error is set when the certificate failed
    verification but the unverified retry worked: the page is then returned normally.
    """

    url: str
    final_url: str
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    redirects: list[str] = field(default_factory=list)
    body: bytes = b""
    text: str = ""
    encoding: str = ""
    elapsed_ms: int = 0
    error_kind: ErrorKind | None = None
    error: str | None = None
    tls_error: str | None = None
    truncated: bool = False

    @property
    def ok(self) -> bool:
        """A 2xx answer read without error."""
        return self.error_kind is None and self.status is not None and 200 <= self.status < 300

    def to_dict(self, *, body: bool = False) -> dict[str, Any]:
        """Plain JSON data; the body and text only when asked for (they can be megabytes)."""
        data = asdict(self)
        data.pop("body")
        data["body_bytes"] = len(self.body)
        if not body:
            data.pop("text")
        return data


# A paused inspection carries the pages it fetched but has not used yet to its next job, up
# to this much compressed text; past it a page is fetched again there.
CARRY_LIMIT = 2_000_000


def carry_pages(pages: Mapping[str, FetchResult]) -> dict[str, dict[str, Any]]:
    """Fetched pages as JSON data for a later job (in a job payload): every field but the
    raw body, the text compressed; pages past CARRY_LIMIT are left out."""
    out: dict[str, dict[str, Any]] = {}
    budget = CARRY_LIMIT
    for url, page in pages.items():
        packed = base64.b64encode(zlib.compress(page.text.encode("utf-8"), 6)).decode("ascii")
        if len(packed) > budget:
            continue
        budget -= len(packed)
        data = page.to_dict()
        del data["body_bytes"]
        out[url] = data | {"text_z": packed}
    return out


def carried_pages(data: Mapping[str, Mapping[str, Any]]) -> dict[str, FetchResult]:
    """The pages of carry_pages (without their raw bodies: readers use the text)."""
    out = {}
    for url, fields in data.items():
        kept = dict(fields)
        text = zlib.decompress(base64.b64decode(kept.pop("text_z"))).decode("utf-8")
        out[url] = FetchResult(**kept, text=text)
    return out


@dataclass
class FetchStats:
    """Counters for the metrics module: plain ints, only ever increased."""

    requests: int = 0  # HTTP requests sent: every redirect hop and TLS retry
    outcomes: Counter[str] = field(default_factory=Counter)  # per get(): "ok" or error_kind
    bytes_read: int = 0  # body bytes received, before decompression
    pages: int = 0  # get() calls that returned a 2xx body
    tls_retries: int = 0  # requests repeated without certificate verification


def classify_error(exc: BaseException) -> tuple[ErrorKind, str]:
    """An exception raised while fetching, as (error_kind, human reason)."""
    os_error = getattr(exc, "os_error", None)
    if isinstance(exc, BlockedAddressError) or isinstance(os_error, BlockedAddressError):
        return "blocked_address", str(os_error if os_error is not None else exc)
    if isinstance(exc, aiohttp.ClientConnectorCertificateError):
        return "tls", certificate_reason(exc)
    if isinstance(exc, aiohttp.ClientSSLError | ssl.SSLError):
        return "tls", f"TLS handshake failed: {_reason(os_error or exc)}"
    if isinstance(exc, aiohttp.ClientConnectorDNSError | socket.gaierror):
        return "dns", f"name not resolved: {_reason(os_error or exc)}"
    if isinstance(exc, aiohttp.ClientConnectorError):
        if isinstance(os_error, ConnectionRefusedError):
            return "refused", "connection refused"
        return "connection", f"cannot connect: {_reason(os_error or exc)}"
    if isinstance(exc, TimeoutError):  # asyncio's, and aiohttp's ServerTimeoutError
        return "timeout", "no complete answer within the timeout"
    if isinstance(exc, _ContentError | zlib.error):
        return "bad_content", str(exc)
    if isinstance(exc, aiohttp.ClientPayloadError):
        cause = exc.__cause__
        if isinstance(cause, http_exceptions.ContentEncodingError | _ContentError):
            return "bad_content", f"malformed body: {_reason(cause)}"
        if isinstance(cause, http_exceptions.TransferEncodingError):
            return "bad_content", f"malformed chunked body: {_reason(cause)}"
        return "connection", f"body incomplete: {_reason(cause or exc)}"
    if isinstance(exc, aiohttp.InvalidURL):
        return "invalid_url", f"not a fetchable URL: {exc}"
    if isinstance(exc, aiohttp.ClientResponseError):  # unparseable status line or headers
        return "bad_content", f"malformed HTTP response: {exc.message}"
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return "connection", "server closed the connection"
    if isinstance(exc, aiohttp.ClientError | OSError):
        return "connection", _reason(exc)
    raise TypeError(f"not a fetch error: {exc!r}") from exc


def certificate_reason(exc: aiohttp.ClientConnectorCertificateError) -> str:
    cert_error = exc.certificate_error
    detail = getattr(cert_error, "verify_message", None) or _reason(cert_error)
    return f"certificate verify failed: {detail}"


def _reason(exc: BaseException) -> str:
    text = str(exc).strip()
    return text or type(exc).__name__


class _ContentError(Exception):
    """The body cannot be decoded (unsupported or corrupt Content-Encoding)."""


class _Inflater:
    """Streaming Content-Encoding decoder whose output per call is bounded by ``limit``.

    zlib's ``max_length`` stops inflating once ``limit`` bytes are out, whatever the
    compression ratio, so memory stays at about the cap plus one network chunk. Handles
    concatenated gzip members (valid, and what a streamed bomb looks like) and raw
    deflate sent as "deflate" (common on IIS).
    """

    def __init__(self, encoding: str) -> None:
        self._gzip = encoding in ("gzip", "x-gzip")
        self._obj: Any = None
        self._members = 0
        self._ended = False

    def feed(self, data: bytes, limit: int) -> bytes:
        out = bytearray()
        while data and not self._ended and len(out) < limit:
            if self._obj is None:
                if self._members and not _GZIP_MAGIC.startswith(data[:2]):
                    self._ended = True  # padding after the last member: browsers ignore it
                    break
                self._obj = zlib.decompressobj(self._wbits(data))
                self._members += 1
            out += self._obj.decompress(data, limit - len(out))
            data = self._obj.unconsumed_tail  # non-empty only when the limit was reached
            if self._obj.eof:
                data, self._obj = self._obj.unused_data, None
                self._ended = not self._gzip
        return bytes(out)

    def _wbits(self, first: bytes) -> int:
        if self._gzip:
            return 16 + zlib.MAX_WBITS
        # RFC 1950 header: compression method 8 and a header checksum divisible by 31.
        if len(first) >= 2 and first[0] & 0x0F == 8 and int.from_bytes(first[:2]) % 31 == 0:
            return zlib.MAX_WBITS
        return -zlib.MAX_WBITS


def _inflater(content_encoding: str) -> _Inflater | None:
    encoding = content_encoding.strip().lower()
    if encoding in ("", "identity"):
        return None
    if encoding in ("gzip", "x-gzip", "deflate"):
        return _Inflater(encoding)
    raise _ContentError(f"unsupported Content-Encoding {content_encoding!r}")


def looks_textual(content_type: str | None, body: bytes) -> bool:
    """Worth decoding: HTML, XML, JSON, scripts, or no type given and a markup start."""
    kind = (content_type or "").split(";", 1)[0].strip().lower()
    if kind.startswith("text/") or any(t in kind for t in ("html", "xml", "json", "script")):
        return True
    return kind in ("", "application/octet-stream") and body.lstrip()[:1] == b"<"


@dataclass
class _Hop:
    """One request's answer, filled in as it arrives so a timeout keeps what came."""

    url: URL
    status: int | None = None
    reason: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    location: str | None = None
    cookies: dict[str, str] = field(default_factory=dict)
    body: bytearray = field(default_factory=bytearray)
    truncated: bool = False
    tls_error: str | None = None
    elapsed: float = 0.0  # seconds on the network, waiting for a slot excluded


@dataclass
class _HostState:
    slots: asyncio.Semaphore
    next_start: float = 0.0
    users: int = 0


class _Failed(Exception):
    """Ends a get() early with an error result (raised and caught inside Fetcher.get)."""

    def __init__(self, kind: ErrorKind, reason: str) -> None:
        super().__init__(reason)
        self.kind: ErrorKind = kind
        self.reason = reason


class Fetcher:
    """``async with Fetcher(cfg) as f: result = await f.get(url, site_host=host)``."""

    def __init__(self, config: FetchConfig) -> None:
        self.config = config
        self.stats = FetchStats()
        self._total = asyncio.Semaphore(config.total)
        self._hosts: dict[str, _HostState] = {}
        self._sessions: dict[tuple[bool, bool, bool], aiohttp.ClientSession] = {}
        self._resolvers: list[AbstractResolver] = []
        self._bad_certs: dict[str, tuple[str, float]] = {}
        self._open = False
        self._verified_tls = ssl.create_default_context()
        self._unverified_tls = ssl.create_default_context()
        self._unverified_tls.check_hostname = False
        self._unverified_tls.verify_mode = ssl.CERT_NONE

    async def __aenter__(self) -> Self:
        self._open = True
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        self._open = False
        sessions, self._sessions = list(self._sessions.values()), {}
        resolvers, self._resolvers = self._resolvers, []
        for session in sessions:
            await session.close()
        for resolver in resolvers:
            await resolver.close()

    async def head(
        self, url: str, *, site_host: str | None = None, fresh_connection: bool = False
    ) -> FetchResult:
        """Status and headers only (link checks). Some servers answer HEAD with 405 or
        501, or send a body anyway (bad_content), where GET works: a caller wanting
        certainty retries those with ``get(url, max_bytes=...)``."""
        return await self.get(
            url,
            site_host=site_host,
            method="HEAD",
            read_body=False,
            fresh_connection=fresh_connection,
        )

    async def get(
        self,
        url: str,
        *,
        site_host: str | None = None,
        read_body: bool = True,
        max_bytes: int | None = None,
        method: str = "GET",
        fresh_connection: bool = False,
    ) -> FetchResult:
        """Fetch ``url``, following redirects; never raises for network or HTTP trouble.

        site_host: the registered site's own host; it may live on a private address.
        read_body=False: status and headers only. max_bytes: read only the first N bytes
        (truncated=True, but not error too_large, when there were more); without it the
        body is capped at max_body_bytes and a longer one is error_kind "too_large" with
        the first max_body_bytes returned. fresh_connection: no connection or DNS reuse,
        so each probe measures the whole way to the server.
        """
        if not self._open:
            raise RuntimeError("use the Fetcher as 'async with Fetcher(config) as fetcher'")
        method = method.upper()
        cap = self.config.max_body_bytes if max_bytes is None else max_bytes
        cap = max(0, min(cap, self.config.max_body_bytes))
        strict_cap = max_bytes is None or max_bytes >= self.config.max_body_bytes
        hops: list[_Hop] = []
        redirects: list[str] = []
        cookies: dict[str, dict[str, str]] = {}
        try:
            current = _parse_url(url)
            seen = {_visit_key(current, cookies)}
            while True:
                hop = _Hop(current)
                hops.append(hop)
                await self._hop(
                    hop,
                    self.config.timeout.total_seconds() - sum(h.elapsed for h in hops),
                    method=method,
                    read_body=read_body,
                    cap=cap,
                    site_host=site_host,
                    fresh=fresh_connection,
                    cookies=cookies.get(_host(current), {}),
                )
                if hop.cookies:
                    cookies.setdefault(_host(current), {}).update(hop.cookies)
                if hop.location is None:
                    break
                target = _redirect_target(current, hop.location)
                if len(redirects) >= self.config.max_redirects:
                    raise _Failed(
                        "too_many_redirects", f"more than {self.config.max_redirects} redirects"
                    )
                key = _visit_key(target, cookies)
                if key in seen:
                    raise _Failed("redirect_loop", f"redirect loop: {current} -> {target}")
                seen.add(key)
                redirects.append(str(target))
                current = target
        except _Failed as failed:
            return await self._finish(url, hops, redirects, failed.kind, failed.reason)
        except (aiohttp.ClientError, OSError, TimeoutError, zlib.error, _ContentError) as exc:
            kind, reason = classify_error(exc)
            return await self._finish(url, hops, redirects, kind, reason)

        kind_: ErrorKind | None = None
        reason_: str | None = None
        if hop.truncated and strict_cap:
            kind_, reason_ = "too_large", f"body longer than {cap} bytes; first {cap} kept"
        elif hop.status is not None and hop.status >= 400:
            kind_, reason_ = "http_status", f"HTTP {hop.status} {hop.reason}".strip()
        return await self._finish(url, hops, redirects, kind_, reason_)

    async def _finish(
        self,
        url: str,
        hops: list[_Hop],
        redirects: list[str],
        kind: ErrorKind | None,
        reason: str | None,
    ) -> FetchResult:
        hop = hops[-1] if hops else None
        body = bytes(hop.body) if hop else b""
        content_type = hop.headers.get("content-type") if hop else None
        text, encoding = "", ""
        if body and looks_textual(content_type, body):
            if len(body) > _THREAD_DECODE_BYTES:
                text, encoding = await asyncio.to_thread(decode_html, body, content_type)
            else:
                text, encoding = decode_html(body, content_type)
        result = FetchResult(
            url=url,
            final_url=str(hop.url) if hop else url,
            status=hop.status if hop else None,
            headers=dict(hop.headers) if hop else {},
            redirects=redirects,
            body=body,
            text=text,
            encoding=encoding,
            elapsed_ms=round(sum(h.elapsed for h in hops) * 1000),
            error_kind=kind,
            error=reason,
            tls_error=next((h.tls_error for h in hops if h.tls_error), None),
            truncated=hop.truncated if hop else False,
        )
        self.stats.outcomes[kind or "ok"] += 1
        if result.ok and body:
            self.stats.pages += 1
        return result

    async def _hop(
        self,
        hop: _Hop,
        budget: float,
        *,
        method: str,
        read_body: bool,
        cap: int,
        site_host: str | None,
        fresh: bool,
        cookies: dict[str, str],
    ) -> None:
        """One request (and its TLS retry) within what is left of the time budget."""
        host = _host(hop.url)
        guarded = not (self.config.allow_private_addresses or _same_host(host, site_host))
        # The connector does not resolve literal addresses, so those are checked here.
        address = literal_address(host) if guarded else None
        if address is not None and (reason := blocked_reason(address)):
            raise _Failed("blocked_address", f"{host} is a {reason} address")
        async with self._slot(host):
            started = time.monotonic()
            try:
                async with asyncio.timeout(max(budget, 0.0)):
                    await self._request(hop, method, read_body, cap, guarded, fresh, cookies)
            finally:
                hop.elapsed = time.monotonic() - started

    async def _request(
        self,
        hop: _Hop,
        method: str,
        read_body: bool,
        cap: int,
        guarded: bool,
        fresh: bool,
        cookies: dict[str, str],
    ) -> None:
        cert_key = f"{_host(hop.url)}:{hop.url.port}"
        known_bad = self._bad_cert(cert_key)
        if known_bad is None:
            try:
                session = self._session(guarded=guarded, verify=True, fresh=fresh)
                await self._exchange(session, hop, method, read_body, cap, cookies)
                return
            except aiohttp.ClientConnectorCertificateError as exc:
                known_bad = certificate_reason(exc)
                self._remember_bad_cert(cert_key, known_bad)
        # A browser user can click through an expired or self-signed certificate and
        # read the page; the census counts that as a certificate problem, not an outage.
        hop.tls_error = known_bad
        self.stats.tls_retries += 1
        session = self._session(guarded=guarded, verify=False, fresh=fresh)
        await self._exchange(session, hop, method, read_body, cap, cookies)

    async def _exchange(
        self,
        session: aiohttp.ClientSession,
        hop: _Hop,
        method: str,
        read_body: bool,
        cap: int,
        cookies: dict[str, str],
    ) -> None:
        self.stats.requests += 1
        # Cookies set during this get() only, sent by hand: a throwaway jar would refuse
        # them for hosts that are IP addresses.
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())} if cookies else None
        async with session.request(
            method, hop.url, allow_redirects=False, headers=headers
        ) as response:
            hop.status = response.status
            hop.reason = response.reason or ""
            hop.headers = {k: response.headers[k] for k in KEPT_HEADERS if k in response.headers}
            hop.cookies = {name: morsel.value for name, morsel in response.cookies.items()}
            if response.status in REDIRECT_STATUSES and response.headers.get("Location"):
                hop.location = response.headers["Location"]
                return
            if method == "HEAD" or not read_body:
                return
            await self._read_body(response, hop, cap)

    async def _read_body(self, response: aiohttp.ClientResponse, hop: _Hop, cap: int) -> None:
        inflater = _inflater(response.headers.get("Content-Encoding", ""))
        async for chunk in response.content.iter_chunked(_CHUNK):
            self.stats.bytes_read += len(chunk)
            room = cap - len(hop.body)
            # One byte past the cap tells "exactly cap" from "longer than cap".
            data = inflater.feed(chunk, room + 1) if inflater else chunk[: room + 1]
            hop.body += data
            if len(hop.body) > cap:
                del hop.body[cap:]
                hop.truncated = True
                response.close()  # the rest is never read: drop the connection
                return

    @asynccontextmanager
    async def _slot(self, host: str) -> AsyncIterator[None]:
        """Per-host slot, politeness delay, then a global slot (in that order, so a busy
        host never holds global slots while it waits)."""
        state = self._hosts.get(host)
        if state is None:
            self._prune_hosts()
            state = self._hosts[host] = _HostState(asyncio.Semaphore(self.config.per_host))
        state.users += 1
        try:
            async with state.slots:
                now = time.monotonic()
                wait = state.next_start - now
                state.next_start = (
                    max(now, state.next_start) + self.config.host_delay.total_seconds()
                )
                if wait > 0:
                    await asyncio.sleep(wait)
                async with self._total:
                    yield
        finally:
            state.users -= 1

    def _prune_hosts(self) -> None:
        if len(self._hosts) < _MAX_HOST_ENTRIES:
            return
        now = time.monotonic()
        for host in [h for h, s in self._hosts.items() if s.users == 0 and s.next_start <= now]:
            del self._hosts[host]

    def _bad_cert(self, key: str) -> str | None:
        entry = self._bad_certs.get(key)
        if entry is None:
            return None
        reason, until = entry
        if until < time.monotonic():
            del self._bad_certs[key]
            return None
        return reason

    def _remember_bad_cert(self, key: str, reason: str) -> None:
        # Skipping the doomed verified handshake halves the connections to such a host.
        now = time.monotonic()
        if len(self._bad_certs) >= _MAX_HOST_ENTRIES:
            self._bad_certs = {k: v for k, v in self._bad_certs.items() if v[1] >= now}
        self._bad_certs[key] = (reason, now + _BAD_CERT_MEMORY)

    def _session(self, *, guarded: bool, verify: bool, fresh: bool) -> aiohttp.ClientSession:
        key = (guarded, verify, fresh)
        session = self._sessions.get(key)
        if session is None:
            resolver: AbstractResolver = aiohttp.DefaultResolver()
            if guarded:
                resolver = GuardedResolver(resolver)
            self._resolvers.append(resolver)
            connector = aiohttp.TCPConnector(
                ssl=self._verified_tls if verify else self._unverified_tls,
                resolver=resolver,
                limit=self.config.total,
                limit_per_host=0,  # _slot enforces per_host across all sessions
                force_close=fresh,
                use_dns_cache=not fresh,
            )
            session = aiohttp.ClientSession(
                connector=connector,
                headers={"User-Agent": self.config.user_agent, **DEFAULT_HEADERS},
                timeout=aiohttp.ClientTimeout(total=None),  # get() bounds the whole exchange
                auto_decompress=False,  # _Inflater decodes with a bounded output
                cookie_jar=aiohttp.DummyCookieJar(),  # cookies live for one get() only
                trust_env=False,
                max_field_size=16 * 1024,  # long Set-Cookie headers from WAFs
            )
            self._sessions[key] = session
        return session


def _parse_url(raw: str) -> URL:
    try:
        url = URL(raw.strip())
    except (ValueError, UnicodeError) as exc:
        raise _Failed("invalid_url", f"not a URL: {raw!r} ({exc})") from exc
    if url.scheme not in ("http", "https") or not url.host:
        raise _Failed("invalid_url", f"not an http(s) URL: {raw!r}")
    return url.with_fragment(None)


def _redirect_target(current: URL, location: str) -> URL:
    try:
        target = current.join(URL(location.strip()))
    except (ValueError, UnicodeError) as exc:
        raise _Failed("invalid_url", f"unusable redirect Location {location!r}") from exc
    return _parse_url(str(target))


def _host(url: URL) -> str:
    return (url.host or "").lower().rstrip(".")


def _visit_key(url: URL, cookies: dict[str, dict[str, str]]) -> tuple[str, frozenset[Any]]:
    # A redirect back to the same URL that sets a cookie is a WAF challenge, not a loop.
    return str(url), frozenset(cookies.get(_host(url), {}).items())
