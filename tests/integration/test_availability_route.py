"""The availability routes through the service's build_app, on both stores."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import aiohttp
import pytest
from aiohttp import web

import crawler.availability as availability
from crawler.availability import handle_probes
from crawler.config import Settings
from crawler.probe import ProbeResult
from crawler.registry import import_sites
from crawler.site import Site
from crawler.store import Store
from crawler.web.app import build_app

TOKEN = "route-t0ken"
NOW = datetime.now(UTC)
SITES = [
    Site("5301000041", "外事侨务办", "昆明", "http://a/"),
    Site("5325230002", "屏边县教育局", "红河", "http://b/"),
]


@pytest.fixture
async def base(store: Store) -> AsyncIterator[str]:
    settings = Settings(
        store={"url": store.url}, http={"token": TOKEN},  # type: ignore[arg-type]
        probe={"reference_urls": []},  # type: ignore[arg-type]
    )  # fmt: skip
    await import_sites(store, SITES, file_name="t.csv", file_sha256="0" * 64)
    jobs = []
    for k in range(3):
        at = NOW - timedelta(hours=30 - k)
        jobs.append((f"a{k}", ProbeResult(code=SITES[0].code, url="u", at=at, outcome="timeout")))
    await handle_probes(store, settings, jobs, NOW)
    runner = web.AppRunner(build_app(store, settings))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    yield f"http://{host}:{port}"
    await runner.cleanup()


async def _call(method: str, url: str, token: str | None = None, **kw: object):  # type: ignore[no-untyped-def]
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with (
        aiohttp.ClientSession() as http,
        http.request(
            method,
            url,
            headers=headers,
            **kw,  # type: ignore[arg-type]
        ) as resp,
    ):
        return resp.status, await resp.json()


async def test_outages_availability_and_monitor(base: str) -> None:
    status, windows = await _call("GET", f"{base}/api/outages?open=1&over=24h")
    assert status == 200 and [w["code"] for w in windows] == ["5301000041"]
    assert windows[0]["ended_at"] is None and windows[0]["duration_s"] >= 30 * 3600 - 5
    status, body = await _call("GET", f"{base}/api/outages?over=eventually")
    assert status == 400 and body["parameter"] == "over"
    status, avail = await _call("GET", f"{base}/api/availability?codes=5301000041,5325230002")
    assert status == 200
    assert avail["5301000041"]["probes"] == 3 and avail["5301000041"]["up"] is False
    assert avail["5301000041"]["census"] == "insufficient_data"
    assert avail["5301000041"]["outage_open_seconds"] > 0
    assert avail["5325230002"]["probes"] == 0
    status, monitor = await _call("GET", f"{base}/api/monitor")
    assert status == 200 and monitor["offline"] is False
    availability.MONITOR = availability.MonitorStatus(offline=True, since=NOW)
    try:
        status, monitor = await _call("GET", f"{base}/api/monitor")
        assert monitor["offline"] is True and monitor["since"] == NOW.isoformat()
    finally:
        availability.MONITOR = availability.MonitorStatus()


async def test_maintenance_needs_the_token(base: str) -> None:
    body = {"code": "5325230002", "until": (NOW + timedelta(hours=1)).isoformat()}
    status, _ = await _call("POST", f"{base}/api/maintenance", json=body)
    assert status == 401
    status, _ = await _call("POST", f"{base}/api/maintenance", "wrong", json=body)
    assert status == 401
    status, item = await _call("POST", f"{base}/api/maintenance", TOKEN, json=body)
    assert status == 201 and item["code"] == "5325230002"
    status, bad = await _call("POST", f"{base}/api/maintenance", TOKEN,
                              json={"region": "无此地", "until": "2030-01-01"})  # fmt: skip
    assert status == 400 and "no registered site" in bad["error"]
    status, items = await _call("GET", f"{base}/api/maintenance")
    assert [i["id"] for i in items] == [item["id"]]
    status, _ = await _call("DELETE", f"{base}/api/maintenance/{item['id']}")
    assert status == 401
    status, _ = await _call("DELETE", f"{base}/api/maintenance/{item['id']}", TOKEN)
    assert status == 200
    status, _ = await _call("DELETE", f"{base}/api/maintenance/{item['id']}", TOKEN)
    assert status == 404
