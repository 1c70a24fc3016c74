"""One /metrics scrape for 1,900 sites, and the store refresh behind it.

    flock /tmp/govcrawl-bench.lock .venv/bin/python bench/metrics_bench.py [--sites 1900]

Builds a SQLite store with 1,900 registered sites, one inspection result each (shaped
like the farm's: a dozen columns, a few problems and broken links) and --probe-hours of
probe rounds every 5 minutes recorded through crawler.availability (some sites down),
then measures
1. a scrape: GET /metrics over HTTP from a running aiohttp app with a built snapshot;
2. a refresh: rebuilding the per-site snapshot from the store (runs in the background).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import aiohttp
from aiohttp import web

from crawler.availability import availability_for, handle_probes
from crawler.config import Settings
from crawler.probe import ProbeResult
from crawler.recorder import Recorded, latest_results, record
from crawler.registry import import_sites, load_sites
from crawler.result import BrokenLink, ColumnResult, HomepageResult, Problem, SiteResult
from crawler.site import Site, SiteStatus
from crawler.store import open_store
from crawler.web.keys import SETTINGS, STORE
from crawler.web.metrics_route import METRICS, setup_metrics

REGIONS = ["昆明", "曲靖", "玉溪", "保山", "昭通", "丽江", "普洱", "临沧", "楚雄", "红河"]


def _site(i: int) -> Site:
    return Site(
        code=f"53{i:08d}",
        name=f"测试网站{i}",
        region=REGIONS[i % len(REGIONS)],
        url=f"http://127.1.{i // 250}.{i % 250 + 1}/",
    )


def _result(site: Site, now: datetime) -> SiteResult:
    i = int(site.code[2:])
    problems = []
    if i % 3 == 0:
        problems.append(
            Problem(
                kind="homepage_stale", label="首页长期不更新", veto=True, level="veto", detail="x"
            )
        )
    if i % 5 == 0:
        problems.append(
            Problem(kind="broken_links", label="错误链接", veto=False, level="problem", detail="x")
        )
    return SiteResult(
        code=site.code,
        name=site.name,
        region=site.region,
        url=site.url,
        status=SiteStatus.OPEN,
        checked_at=now,
        reachable=True,
        homepage=HomepageResult(latest_update=date(2026, 11, 1), dated_items=30),
        columns=[
            ColumnResult(name=f"栏目{c}", url=f"{site.url}c{c}/", blank=c == i % 12, items=20)
            for c in range(12)
        ],
        links_checked=300,
        broken_links=[
            BrokenLink(url=f"{site.url}gone{b}.html", found_on=[site.url], status=404)
            for b in range(i % 4)
        ],
        problems=problems,
        verdict="unqualified" if problems else "qualified",
    )


async def add_probes(store, sites: list[Site], hours: float, now: datetime) -> int:  # type: ignore[no-untyped-def]
    """Probe rounds every 5 minutes over the last `hours`, recorded as the service records
    them (crawler.availability.handle_probes: probe rows, hourly counts, outage state);
    every 50th site refuses for the last half hour."""
    settings = Settings()  # no reference sites: the bench machine may be offline
    settings = settings.model_copy(
        update={"probe": settings.probe.model_copy(update={"reference_urls": []})}
    )
    steps = int(hours * 12)
    rows = 0
    for k in reversed(range(steps)):
        at = now - timedelta(minutes=5 * k)
        batch = [
            (
                f"p:{site.code}:{k}",
                ProbeResult(
                    code=site.code,
                    url=site.url,
                    at=at,
                    outcome="refused" if n % 50 == 0 and k < 6 else "ok",
                    latency_ms=120.0 + k % 7,
                ),
            )
            for n, site in enumerate(sites)
        ]
        await handle_probes(store, settings, batch, at)
        rows += len(batch)
    return rows


async def main(count: int, scrapes: int, probe_hours: float) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        async with open_store(url) as store:
            sites = [_site(i) for i in range(count)]
            await import_sites(store, sites, file_name="bench", file_sha256="0" * 64)
            now = datetime.now(UTC) - timedelta(hours=1)
            await record(
                store, [Recorded(f"bench:{s.code}", "inspection", _result(s, now)) for s in sites]
            )
            probes = await add_probes(store, sites, probe_hours, datetime.now(UTC))
            app = web.Application()
            app[STORE] = store
            app[SETTINGS] = Settings()
            setup_metrics(app, refresh_every=3600)
            runner = web.AppRunner(app)
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

            refresh = []
            for _ in range(5):
                started = time.perf_counter()
                await app[METRICS].refresh(app)
                refresh.append(time.perf_counter() - started)
            # As in a running service: an inspection recorded between two refreshes.
            after_new = []
            for k in range(4):
                again = _result(sites[k], datetime.now(UTC))
                await record(store, [Recorded(f"bench:new:{k}", "inspection", again)])
                started = time.perf_counter()
                await app[METRICS].refresh(app)
                after_new.append(time.perf_counter() - started)

            parts: dict[str, list[float]] = {"registry": [], "results": [], "availability": []}
            for _ in range(3):
                started = time.perf_counter()
                await load_sites(store)
                parts["registry"].append(time.perf_counter() - started)
                started = time.perf_counter()
                await latest_results(store)
                parts["results"].append(time.perf_counter() - started)
                started = time.perf_counter()
                await availability_for(store, [s.code for s in sites], datetime.now(UTC))
                parts["availability"].append(time.perf_counter() - started)

            scrape = []
            size = 0
            series = 0
            async with aiohttp.ClientSession() as http:
                for _ in range(scrapes):
                    started = time.perf_counter()
                    async with http.get(f"http://127.0.0.1:{port}/metrics") as response:
                        body = await response.read()
                    scrape.append(time.perf_counter() - started)
                    size = len(body)
                    lines = [x for x in body.split(b"\n") if x and not x.startswith(b"#")]
                    series = len(lines)
                    families = Counter(x.split(b"{")[0].split(b" ")[0].decode() for x in lines)
            render = []
            for _ in range(scrapes):
                started = time.perf_counter()
                app[METRICS].render()
                render.append(time.perf_counter() - started)
            await runner.cleanup()

    def ms(values: list[float]) -> str:
        values = sorted(values)
        p95 = values[max(0, int(len(values) * 0.95) - 1)]
        return f"median {statistics.median(values) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms"

    print(f"sites: {count}, probes stored: {probes}")
    print(f"series per scrape: {series}, body: {size / 1024:.0f} KiB")
    print("  " + ", ".join(f"{k} {v}" for k, v in families.items() if v >= 100))
    print(f"scrape over HTTP ({scrapes}x): {ms(scrape)}")
    print(f"render only ({scrapes}x): {ms(render)}")
    print(f"refresh from store, first (results read): {refresh[0] * 1000:.0f} ms")
    print(f"refresh from store, next 4 (no new results): {ms(refresh[1:])}")
    print(f"refresh after one new result, 4x: {ms(after_new)}")
    for name, values in parts.items():
        print(f"  of which {name} (3x): {ms(values)}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=1900)
    parser.add_argument("--scrapes", type=int, default=30)
    parser.add_argument("--probe-hours", type=float, default=2.0)
    args = parser.parse_args()
    asyncio.run(main(args.sites, args.scrapes, args.probe_hours))
