"""probe_site against the farm and a TLS server on loopback: every outcome from real sockets."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hostile_server import Server, make_certificate, running_server

from crawler.config import Settings
from crawler.farm import SiteFarm
from crawler.fetch import Fetcher
from crawler.probe import probe_site
from crawler.site import SiteStatus


def _settings(timeout: str = "2s") -> Settings:
    return Settings(fetch={"timeout": timeout, "host_delay": "0s"})  # type: ignore[arg-type]


def _open_site(farm: SiteFarm, skip: int = 0):  # type: ignore[no-untyped-def]
    plain = [
        fs for fs in farm.sites
        if fs.status is SiteStatus.OPEN and fs.initial_mode == "normal" and fs.layout == "blocks"
    ]  # fmt: skip
    return plain[skip].site


async def test_farm_outcomes(farm: SiteFarm) -> None:
    settings = _settings("1s")
    site = _open_site(farm)
    before = datetime.now(UTC)
    ok = await probe_site(site, settings)
    assert ok.outcome == "ok", ok
    assert ok.status == 200 and ok.error == "" and ok.code == site.code
    assert ok.latency_ms is not None and 0 <= ok.latency_ms < 1000
    assert before <= ok.at <= datetime.now(UTC)
    assert ok.cert_expires_at is None  # plain HTTP

    await farm.set_mode(site.code, "refuse")
    refused = await probe_site(site, settings)
    assert refused.outcome == "refused" and refused.status is None and refused.error

    await farm.set_mode(site.code, "error500")
    failed = await probe_site(site, settings)
    assert (failed.outcome, failed.status) == ("http_status", 500)

    await farm.set_mode(site.code, "hang")
    hung = await probe_site(site, settings)
    assert hung.outcome == "timeout"
    assert hung.latency_ms is not None and hung.latency_ms >= 900

    await farm.set_mode(site.code, "normal")
    assert (await probe_site(site, settings)).outcome == "ok"


async def test_temporarily_closed_site_shows_maintenance_notice(farm: SiteFarm) -> None:
    closed = next(fs for fs in farm.sites if fs.status is SiteStatus.TEMPORARILY_CLOSED)
    result = await probe_site(closed.site, _settings())
    assert result.outcome == "maintenance_notice"
    assert result.status == 200 and "网站维护中" in result.error


async def test_unknown_name_is_dns(farm: SiteFarm) -> None:
    site = dataclasses.replace(_open_site(farm), url="http://no-such-site.invalid/")
    result = await probe_site(site, _settings())
    assert result.outcome == "dns" and result.status is None


async def test_each_probe_opens_a_new_connection(farm: SiteFarm) -> None:
    site = _open_site(farm, 1)
    settings = _settings()
    async with Fetcher(settings.fetch) as fetcher:
        for _ in range(3):
            assert (await probe_site(site, settings, fetcher=fetcher)).ok
        for session in fetcher._sessions.values():
            assert session.connector is not None and session.connector.force_close


@pytest.fixture
async def tls_server(tmp_path: Path) -> AsyncIterator[Server]:
    async with running_server(make_certificate(tmp_path)) as server:
        yield server


async def test_https_self_signed_reports_expiry(farm: SiteFarm, tls_server: Server) -> None:
    site = dataclasses.replace(_open_site(farm), url=tls_server.tls_url("/ok"))
    result = await probe_site(site, _settings())
    assert result.outcome == "ok", result
    assert "certificate" in result.error  # self-signed: a certificate problem, not an outage
    assert result.cert_expires_at is not None
    # make_certificate signs for 2 days
    assert timedelta(days=1) < result.cert_expires_at - datetime.now(UTC) <= timedelta(days=2)
