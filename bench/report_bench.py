"""Quarterly report speed: `govcrawl report` for 1,900 sites, SQLite and PostgreSQL.

    .venv/bin/python bench/report_bench.py [--sites 1900] [--results-per-site 13]
        [--probes-per-day 24] [--pg postgresql://postgres@127.0.0.1:5432/postgres]

Each backend gets a fresh store holding the farm registry, `--results-per-site`
inspections per site spread over 2026Q4 (13: weekly; 92: daily) with realistic payloads
(25 columns, broken links, evidence), a stored 2026Q3 list of 150 named sites, 300 outage
windows and a week of probes (`--probes-per-day` per site). The timed part is what
`govcrawl report --quarter 2026Q4 --format xlsx,csv,md` does after opening the store:
read the quarter (results, previous list, outages, weekly availability), build, write.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import resource
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg

from crawler.availability import rebuild_probe_hours
from crawler.config import Settings
from crawler.farm.catalog import build_catalog
from crawler.recorder import Recorded, record
from crawler.registry import import_sites
from crawler.reports import Quarter, make_report, save_named, write_report
from crawler.reports.model import NamedSite
from crawler.reports.writers import write_csv, write_markdown, write_xlsx
from crawler.result import (
    BrokenLink,
    ColumnResult,
    ColumnType,
    Entries,
    HomepageResult,
    Problem,
    ProblemKind,
    SiteResult,
)
from crawler.rules import load_rules
from crawler.site import Site
from crawler.store import Store, open_store
from crawler.store.availability_models import OutageWindowRow, ProbeRow

QUARTER = Quarter(2026, 4)
START = datetime(2026, 9, 30, 16, tzinfo=UTC)  # 2026-10-01 00:00 in Yunnan
NOW = datetime(2027, 1, 3, tzinfo=UTC)
RULES = load_rules()


def _problem(kind: ProblemKind, veto: bool = True) -> Problem:
    return Problem(
        kind=kind,
        label=RULES.label(kind),
        veto=veto,
        level="veto" if veto else "problem",
        detail="最新信息 2026-09-02，已 57 天未更新",
        evidence="http://example/ http://example/col/1/",
    )


def _result(site: Site, at: datetime, rnd: random.Random) -> SiteResult:
    roll = rnd.random()
    problems = []
    if roll < 0.05:
        problems.append(_problem(ProblemKind.SITE_UNREACHABLE))
    elif roll < 0.17:
        problems.append(_problem(ProblemKind.HOMEPAGE_STALE))
    elif roll < 0.20:
        problems += [_problem(ProblemKind.HOMEPAGE_STALE), _problem(ProblemKind.BLANK_COLUMNS)]
    elif roll < 0.22:
        problems.append(_problem(ProblemKind.COLUMNS_STALE))
    reachable = not (problems and problems[0].kind is ProblemKind.SITE_UNREACHABLE)
    zhaocuo = rnd.random() < 0.83
    if not zhaocuo:
        problems.append(_problem(ProblemKind.MISSING_ZHAOCUO_ENTRY, veto=False))
    problems.append(_problem(ProblemKind.BROKEN_LINKS, veto=False))
    columns = [
        ColumnResult(
            name=f"栏目{i}",
            url=f"{site.url}col/{i}/index.html",
            type=ColumnType.NEWS if i % 3 else ColumnType.NOTICE,
            latest_update=(at - timedelta(days=i)).date(),
            items=20,
        )
        for i in range(25)
    ] if reachable else []  # fmt: skip
    links = [
        BrokenLink(url=f"{site.url}a/{i}.html", found_on=[site.url], text="链接", status=404)
        for i in range(5)
    ]
    return SiteResult(
        code=site.code,
        name=site.name,
        region=site.region,
        url=site.url,
        status=site.status,
        checked_at=at,
        reachable=reachable,
        http_status=200 if reachable else None,
        elapsed_ms=420,
        homepage=HomepageResult(latest_update=at.date(), dated_items=30),
        columns=columns,
        links_checked=300,
        broken_links=links,
        entries=Entries(zhaocuo=zhaocuo, exposure=rnd.random() < 0.75),
        problems=problems,
        verdict="unqualified" if any(p.veto for p in problems) else "qualified",
        evidence={site.url: f"{rnd.getrandbits(256):064x}"},
    )


async def fill(store: Store, sites: list[Site], per_site: int, probes_per_day: int) -> None:
    rnd = random.Random(7)
    await import_sites(store, sites, file_name="bench", file_sha256="0" * 64)
    step = timedelta(days=90) / per_site
    batch: list[Recorded] = []
    for n in range(per_site):
        for site in sites:
            at = START + step * n + timedelta(seconds=rnd.randrange(3600))
            batch.append(Recorded(f"i:{site.code}:{n}", "inspection", _result(site, at, rnd)))
            if len(batch) >= 2000:
                await record(store, batch)
                batch = []
    await record(store, batch)
    named = [
        NamedSite(s.code, s.name, s.region, "首页长期不更新", "unqualified", i)
        for i, s in enumerate(rnd.sample(sites, min(150, len(sites) // 2)), 1)
    ]
    await save_named(store, QUARTER.previous(), named, "bench")
    windows = []
    for i in range(300):
        begin = START + timedelta(hours=rnd.randrange(24 * 88))
        length = timedelta(hours=rnd.choice([1, 3, 30, 50]))
        windows.append(
            OutageWindowRow(
                code=rnd.choice(sites).code, started_at=begin, ended_at=begin + length,
                duration_s=length.total_seconds(), last_failure_at=begin + length,
                cause="timeout", causes={"timeout": 9}, probe_count=9, last_error="",
                reported_at=None if i % 2 else begin,
            )
        )  # fmt: skip
    async with store.session() as session, session.begin():
        session.add_all(windows)
    end = START + timedelta(days=92)
    every = timedelta(days=1) / probes_per_day
    rows = []
    for site in sites:
        for k in range(probes_per_day * 7):
            rows.append(
                {
                    "job_id": f"p:{site.code}:{k}",
                    "code": site.code,
                    "at": end - every * (k + 1),
                    "outcome": "timeout" if rnd.random() < 0.02 else "ok",
                    "status": 200,
                    "latency_ms": 300.0,
                    "error": "",
                }
            )
            if len(rows) >= 20000:
                async with store.session() as session, session.begin():
                    await session.execute(ProbeRow.__table__.insert(), rows)
                rows = []
    if rows:
        async with store.session() as session, session.begin():
            await session.execute(ProbeRow.__table__.insert(), rows)
    await rebuild_probe_hours(store)  # the hourly counts the service keeps as it records


async def timed(url: str, sites: list[Site], args: argparse.Namespace, label: str) -> None:
    async with open_store(url) as store:
        t = time.perf_counter()
        await fill(store, sites, args.results_per_site, args.probes_per_day)
        fill_s = time.perf_counter() - t
    settings = Settings(store={"url": url})
    with tempfile.TemporaryDirectory() as out:
        t0 = time.perf_counter()
        async with open_store(url) as store:
            t1 = time.perf_counter()
            report = await make_report(store, QUARTER, settings, now=NOW)
        t2 = time.perf_counter()
        write_xlsx(report, Path(out) / "r.xlsx")
        t3 = time.perf_counter()
        write_csv(report, Path(out), "r")
        write_markdown(report, Path(out) / "r.md")
        t4 = time.perf_counter()
        assert write_report  # the CLI's writer; the three timed above are what it calls
    f = report.figures
    print(
        f"| {label} | {len(sites)} | {args.results_per_site} | {args.probes_per_day} "
        f"| {fill_s:.0f} | {t1 - t0:.2f} | {t2 - t1:.2f} | {t3 - t2:.2f} | {t4 - t3:.2f} "
        f"| **{t4 - t0:.2f}** | {f.unqualified} / {f.listed} / {f.follow_up_not_fixed} "
        f"/ {f.outages_over_24h} |"
    )


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sites", type=int, default=1900)
    parser.add_argument("--results-per-site", type=int, default=13)
    parser.add_argument("--probes-per-day", type=int, default=24)
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--skip-pg", action="store_true")
    parser.add_argument("--keep", type=Path, help="keep the SQLite store here (for the CLI)")
    args = parser.parse_args()
    sites = [fs.site for fs in build_catalog(args.sites)]
    print(
        "| backend | sites | results/site | probes/day | fill s | open s | read+build s "
        "| xlsx s | csv+md s | total s | unqualified / listed / not fixed / outages>24h |\n"
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
    )
    with tempfile.TemporaryDirectory() as tmp:
        db = args.keep or Path(tmp) / "bench.db"
        db.unlink(missing_ok=True)
        await timed(f"sqlite:///{db}", sites, args, "SQLite")
    if args.skip_pg:
        return
    admin = await asyncpg.connect(args.pg.replace("postgresql://", "postgres://"))
    name = f"govcrawl_bench_{uuid.uuid4().hex[:8]}"
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        await timed(args.pg.rsplit("/", 1)[0] + f"/{name}", sites, args, "PostgreSQL")
    finally:
        await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        await admin.close()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak RSS of the bench process (fill included): {rss:.0f} MB")


if __name__ == "__main__":
    asyncio.run(main())
