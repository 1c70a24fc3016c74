"""The farm's latency knob delays every answer (the service benchmark's distant servers)."""

from __future__ import annotations

import time
from datetime import date

import aiohttp

from crawler.farm import SiteFarm


async def test_latency_delays_every_answer() -> None:
    async with (
        SiteFarm(3, port=0, today=date(2026, 3, 16), control=None, latency=0.2) as farm,
        aiohttp.ClientSession() as http,
    ):
        url = farm.url_of(farm.sites[0].code)
        started = time.monotonic()
        async with http.get(url) as resp:
            assert resp.status == 200
            await resp.read()
        assert time.monotonic() - started >= 0.2
        farm.latency = 0.0
        started = time.monotonic()
        async with http.get(url) as resp:
            await resp.read()
        assert time.monotonic() - started < 0.2
