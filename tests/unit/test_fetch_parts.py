"""The fetcher's pure parts: bounded decompression and error classification."""

from __future__ import annotations

import gzip
import socket
import zlib

import aiohttp
import pytest

from crawler.fetch import FetchResult, _ContentError, _inflater, classify_error, looks_textual
from crawler.netguard import BlockedAddressError

MB = 1024 * 1024


def test_inflater_output_never_exceeds_the_limit() -> None:
    bomb = gzip.compress(bytes(64 * MB))  # 64 KB that inflates a thousandfold
    inflater = _inflater("gzip")
    assert inflater is not None
    assert len(inflater.feed(bomb, 1000)) == 1000


def test_inflater_reads_concatenated_members_and_ignores_padding() -> None:
    inflater = _inflater("gzip")
    assert inflater is not None
    data = gzip.compress(b"abc") + gzip.compress(b"def") + b"\0\0\0"
    assert inflater.feed(data[:7], 100) + inflater.feed(data[7:], 100) == b"abcdef"


@pytest.mark.parametrize("wbits", [zlib.MAX_WBITS, -zlib.MAX_WBITS])
def test_deflate_with_and_without_zlib_header(wbits: int) -> None:
    compressor = zlib.compressobj(6, zlib.DEFLATED, wbits)
    data = compressor.compress(b"<html>" * 100) + compressor.flush()
    inflater = _inflater("deflate")
    assert inflater is not None
    assert inflater.feed(data, 10_000) == b"<html>" * 100


def test_identity_and_unsupported_encodings() -> None:
    assert _inflater("") is None
    assert _inflater("identity") is None
    with pytest.raises(_ContentError):
        _inflater("br")


def _key() -> object:
    return type("Key", (), {"ssl": True, "host": "h", "port": 1})()


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (aiohttp.ClientConnectorDNSError(_key(), socket.gaierror(-2, "unknown")), "dns"),  # type: ignore[arg-type]
        (aiohttp.ClientConnectorError(_key(), ConnectionRefusedError(111, "refused")), "refused"),  # type: ignore[arg-type]
        (aiohttp.ClientConnectorError(_key(), OSError(113, "no route")), "connection"),  # type: ignore[arg-type]
        (
            aiohttp.ClientConnectorDNSError(
                _key(), BlockedAddressError("h", "10.0.0.1", "private")
            ),
            "blocked_address",
        ),  # type: ignore[arg-type]
        (TimeoutError(), "timeout"),
        (aiohttp.ServerTimeoutError(), "timeout"),
        (aiohttp.ServerDisconnectedError(), "connection"),
        (aiohttp.ClientPayloadError("incomplete"), "connection"),
        (zlib.error("bad"), "bad_content"),
        (aiohttp.InvalidURL("x"), "invalid_url"),
    ],
)
def test_classify_error(exc: BaseException, kind: str) -> None:
    assert classify_error(exc)[0] == kind


def test_programming_errors_are_not_fetch_errors() -> None:
    with pytest.raises(TypeError):
        classify_error(KeyError("x"))


@pytest.mark.parametrize(
    ("content_type", "body", "textual"),
    [
        ("text/html; charset=gbk", b"x", True),
        ("application/xhtml+xml", b"x", True),
        ("application/json", b"{}", True),
        ("image/png", b"\x89PNG", False),
        (None, b"  <html>", True),
        ("application/octet-stream", b"%PDF-1.4", False),
    ],
)
def test_looks_textual(content_type: str | None, body: bytes, textual: bool) -> None:
    assert looks_textual(content_type, body) is textual


def test_result_ok() -> None:
    assert FetchResult(url="u", final_url="u", status=200).ok
    assert not FetchResult(url="u", final_url="u", status=404, error_kind="http_status").ok
    assert not FetchResult(url="u", final_url="u", status=200, error_kind="too_large").ok
