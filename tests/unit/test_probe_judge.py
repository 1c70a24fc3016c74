"""Probe outcomes from fetch answers, notice pages, and certificate dates (pure parts)."""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from crawler.fetch import FetchResult
from crawler.probe import ProbeResult, der_not_after, judge, page_notice


def _page(title: str, body: str = "") -> str:
    return f"<html><head><title>{title}</title></head><body>{body}</body></html>"


def _fetched(html: str = "", status: int | None = 200, **kw: object) -> FetchResult:
    headers = kw.pop("headers", {"content-type": "text/html; charset=utf-8"})
    return FetchResult(
        url="http://a/", final_url="http://a/", status=status, headers=headers,  # type: ignore[arg-type]
        body=html.encode(), text=html, **kw,  # type: ignore[arg-type]
    )  # fmt: skip


HOMEPAGE = _page("昆明市人民政府", "<p>" + "政务动态 " * 400 + "关于系统维护的通知</p>")


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        (_page("网站维护中", "正在升级改版，暂停访问"), "maintenance_notice"),
        (_page("提示", "<h1>此网站已关闭</h1>"), "closure_notice"),
        (_page("Welcome to nginx!", "If you see this page..."), "server_default"),
        (_page("IIS Windows Server"), "server_default"),
        (_page("通知", "本网站已关闭，系统维护"), "closure_notice"),  # closure wins
        (HOMEPAGE, None),  # a long real page mentioning 系统维护 is still the homepage
        (_page("某县人民政府", "<script>var s='网站维护中'</script>政务公开"), None),
    ],
)
def test_page_notice(html: str, expected: str | None) -> None:
    assert page_notice(html) == expected


@pytest.mark.parametrize(
    ("fetched", "outcome"),
    [
        (_fetched(_page("首页", "政务")), "ok"),
        (_fetched(_page("网站维护中")), "maintenance_notice"),
        (_fetched("", None, error_kind="dns", error="name not resolved"), "dns"),
        (_fetched("", None, error_kind="refused", error="connection refused"), "refused"),
        (_fetched("", None, error_kind="timeout", error="no answer"), "timeout"),
        (_fetched("", None, error_kind="tls", error="handshake failed"), "tls"),
        (_fetched("", None, error_kind="connection", error="reset"), "connection"),
        (_fetched(_page("404"), 404, error_kind="http_status", error="HTTP 404"), "http_status"),
        (_fetched("", 302, error_kind="redirect_loop", error="loop"), "bad_content"),
        (_fetched("{}", headers={"content-type": "application/json"}), "bad_content"),
        (_fetched("   "), "bad_content"),
        (_fetched(_page("首页", "x" * 10), error_kind="too_large", error="cut"), "ok"),
    ],
)
def test_judge(fetched: FetchResult, outcome: str) -> None:
    got, error = judge(fetched)
    assert got == outcome
    assert (error == "") == (outcome == "ok")


def test_judge_bad_certificate_still_opens() -> None:
    outcome, error = judge(_fetched(_page("首页", "政务"), tls_error="certificate expired"))
    assert outcome == "ok"
    assert "certificate expired" in error


def test_probe_result_is_json_and_utc() -> None:
    at = datetime(2026, 11, 29, 12, 0, tzinfo=timezone(timedelta(hours=8)))
    result = ProbeResult(code="5301000041", url="http://a/", at=at, outcome="timeout")
    data = json.loads(result.model_dump_json())
    assert data["at"] == "2026-11-29T04:00:00Z"
    assert ProbeResult.model_validate_json(result.model_dump_json()) == result
    assert result.at.tzinfo == UTC and not result.ok
    with pytest.raises(ValueError):
        ProbeResult(code="x", url="u", at=datetime(2026, 1, 1), outcome="ok")  # naive
    with pytest.raises(ValueError):
        ProbeResult(code="x", url="u", at=at, outcome="down")  # type: ignore[arg-type]


def test_der_not_after_matches_openssl(tmp_path: Path) -> None:
    cert, key = tmp_path / "c.pem", tmp_path / "k.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-nodes", "-days", "30", "-newkey", "rsa:2048",
         "-keyout", str(key), "-out", str(cert), "-subj", "/CN=test"],
        check=True, capture_output=True,
    )  # fmt: skip
    der = subprocess.run(
        ["openssl", "x509", "-in", str(cert), "-outform", "DER"], check=True, capture_output=True
    ).stdout
    end = subprocess.run(
        ["openssl", "x509", "-in", str(cert), "-noout", "-enddate"],
        check=True, capture_output=True, text=True,
    ).stdout.strip().split("=", 1)[1]  # fmt: skip
    expected = datetime.strptime(end, "%b %d %H:%M:%S %Y %Z").replace(tzinfo=UTC)
    assert der_not_after(der) == expected
    assert der_not_after(b"\x30\x03\x02\x01\x00") is None
