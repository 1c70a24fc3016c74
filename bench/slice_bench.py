"""What bounded inspection jobs cost: one inspection whole vs. the same in slices.

    flock /tmp/govcrawl-bench.lock .venv/bin/python bench/slice_bench.py \
        [--sites 12] [--latency-ms 500] [--slice 60]

Farm sites whose every answer is delayed (a slow, distant server), inspected with links
checked at the shipped budgets (300 pages, 2,000 links) and the shipped fetch settings
(2 connections a host, 250 ms apart). First each site in one go, as `govcrawl check` does;
then the same sites the way the service runs them: a job works for --slice seconds, its
paused state goes through JSON (as through Redis) and a new SiteInspection goes on with
it, as another worker would. Reports the longest job, jobs per inspection, the state's
size, the wall time and requests against the whole run, and whether both found the same.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from dataclasses import dataclass, field
from datetime import date, datetime

from crawler.config import Settings
from crawler.farm import SiteFarm
from crawler.farm.catalog import FarmSite
from crawler.fetch import Fetcher
from crawler.inspect import InspectOptions, SiteInspection, inspect_site
from crawler.linkcheck import LinkCache
from crawler.result import SiteResult
from crawler.rules import load_rules
from crawler.site import SiteStatus

TODAY = date(2026, 3, 16)
NOW = datetime(2026, 3, 16, 12)
RULES = load_rules()


@dataclass
class Sliced:
    result: SiteResult
    wall_s: float
    jobs: list[float] = field(default_factory=list)  # each job's wall seconds
    state_kb: list[float] = field(default_factory=list)


def comparable(result: SiteResult) -> dict:
    data = result.model_dump(mode="json")
    data.pop("elapsed_ms")
    return data


async def whole(
    fs: FarmSite, fetcher: Fetcher, options: InspectOptions
) -> tuple[SiteResult, float]:
    started = time.monotonic()
    done = await inspect_site(
        fs.site, fetcher, RULES, now=NOW, today=TODAY, options=options, link_cache=LinkCache()
    )
    return done.result, time.monotonic() - started


async def sliced(fs: FarmSite, fetcher: Fetcher, options: InspectOptions, slice_s: float) -> Sliced:
    links = LinkCache()  # one worker process's cache
    started = time.monotonic()
    inspection = SiteInspection.begin(
        fs.site, fetcher, RULES, now=NOW, today=TODAY, options=options, link_cache=links
    )
    jobs: list[float] = []
    sizes: list[float] = []
    while True:
        job = time.monotonic()
        done = await inspection.advance(job + slice_s)
        if done is not None:
            jobs.append(time.monotonic() - job)
            return Sliced(done.result, time.monotonic() - started, jobs, sizes)
        carried = json.dumps(inspection.state_data())
        jobs.append(time.monotonic() - job)
        sizes.append(len(carried) / 1024)
        inspection = SiteInspection.resume(
            fs.site, json.loads(carried), fetcher, RULES, options=options, link_cache=links
        )


async def main(args: argparse.Namespace) -> None:
    settings = Settings()
    fetch = settings.fetch.model_copy(update={"allow_private_addresses": True})
    options = InspectOptions(
        max_pages=settings.inspect.max_pages, max_links=settings.inspect.max_links
    )
    async with SiteFarm(
        args.sites * 3, port=0, today=TODAY, control=None, latency=args.latency_ms / 1000
    ) as farm:
        sites = [
            fs
            for fs in farm.sites
            if fs.site.status is SiteStatus.OPEN
            and farm.answers(fs.code)
            and not fs.conditions & {"slow_drip", "huge_page", "unreachable_hang"}
        ][: args.sites]
        async with Fetcher(fetch) as fetcher:
            t0 = time.monotonic()
            asked = farm.stats()["requests"]
            wholes = await asyncio.gather(*(whole(fs, fetcher, options) for fs in sites))
            whole_wall = time.monotonic() - t0
            whole_requests = farm.stats()["requests"] - asked
            t0 = time.monotonic()
            asked = farm.stats()["requests"]
            slices = await asyncio.gather(
                *(sliced(fs, fetcher, options, args.slice) for fs in sites)
            )
            sliced_wall = time.monotonic() - t0
            sliced_requests = farm.stats()["requests"] - asked
    same = sum(
        comparable(a) == comparable(b.result) for (a, _), b in zip(wholes, slices, strict=True)
    )
    pages = [r.link_check.pages_crawled if r.link_check else 0 for r, _ in wholes]
    jobs = [len(s.jobs) for s in slices]
    longest = max(max(s.jobs) for s in slices)
    sizes = [kb for s in slices for kb in s.state_kb] or [0.0]
    ratio = [s.wall_s / w for (_, w), s in zip(wholes, slices, strict=True)]
    print(f"sites {len(sites)}, latency {args.latency_ms} ms, slice {args.slice:.0f} s")
    print("| measure | value |")
    print("| --- | ---: |")
    print(
        f"| pages crawled per site (median, max) | {statistics.median(pages):.0f}, {max(pages)} |"
    )
    print(
        "| whole inspection wall s (median, max) | "
        f"{statistics.median(w for _, w in wholes):.1f}, {max(w for _, w in wholes):.1f} |"
    )
    print(f"| jobs per inspection (median, max) | {statistics.median(jobs):.0f}, {max(jobs)} |")
    print(f"| longest job s | {longest:.1f} |")
    print(f"| paused state KB (median, max) | {statistics.median(sizes):.0f}, {max(sizes):.0f} |")
    print(
        "| sliced / whole wall per site (median, max) | "
        f"{statistics.median(ratio):.2f}, {max(ratio):.2f} |"
    )
    print(f"| all sites wall s: whole, sliced | {whole_wall:.0f}, {sliced_wall:.0f} |")
    print(f"| requests to the farm: whole, sliced | {whole_requests}, {sliced_requests} |")
    print(f"| same result both ways | {same}/{len(sites)} |")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sites", type=int, default=12)
    parser.add_argument("--latency-ms", type=int, default=500)
    parser.add_argument("--slice", type=float, default=60.0)
    asyncio.run(main(parser.parse_args()))
