"""Availability at fleet scale: recording probes and reading the census share.

    flock /tmp/govcrawl-bench.lock .venv/bin/python bench/availability_bench.py [--days 7]

For SQLite and PostgreSQL: 1,900 sites with `--days` of history at 288 probes a day
(5-minute interval) bulk-loaded into the probes table; then
- handle_probes: the recorder's steady state, batches of 100 probes (3 % failing);
- availability_for(all sites): the trailing-week census share the API, /metrics and
  reports read;
- outage_windows(over 24h).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
from sqlalchemy import insert

from crawler.availability import availability_for, handle_probes, hour_of, outage_windows
from crawler.config import Settings
from crawler.probe import ProbeResult
from crawler.registry import import_sites
from crawler.site import Site
from crawler.store import open_store
from crawler.store.availability_models import ProbeHourRow, ProbeRow

SITES = 1900
PER_DAY = 288


async def _load_history(store, codes: list[str], days: int, now: datetime) -> int:  # type: ignore[no-untyped-def]
    rng = random.Random(1)
    step = timedelta(days=1) / PER_DAY
    rows: list[dict] = []
    total = 0
    counts: dict[tuple[str, datetime], list[int]] = {}  # the hourly counts handle_probes keeps
    for k in range(days * PER_DAY):
        at = now - timedelta(days=days) + k * step
        for code in codes:
            ok = rng.random() > 0.03
            rows.append({
                "job_id": f"h:{code}:{k}", "code": code, "at": at,
                "outcome": "ok" if ok else "timeout", "status": 200 if ok else None,
                "latency_ms": 120.0, "error": "", "suppressed": None,
            })  # fmt: skip
            tally = counts.setdefault((code, hour_of(at)), [0, 0])
            tally[0] += 1
            tally[1] += not ok
        if len(rows) >= 20_000:
            total += await _insert(store, ProbeRow, rows)
            rows = []
    total += await _insert(store, ProbeRow, rows)
    values = [{"code": c, "hour": h, "probes": n, "failed": f} for (c, h), (n, f) in counts.items()]
    await _insert(store, ProbeHourRow, values)
    return total


async def _insert(store, table, rows: list[dict]) -> int:  # type: ignore[no-untyped-def]
    for start in range(0, len(rows), 20_000):
        async with store.session() as session, session.begin():
            await session.execute(insert(table), rows[start : start + 20_000])
    return len(rows)


async def bench(url: str, days: int) -> dict[str, float]:
    settings = Settings(probe={"reference_urls": []})  # type: ignore[arg-type]
    now = datetime.now(UTC).replace(microsecond=0)
    codes = [f"53{i:08d}" for i in range(SITES)]
    sites = [Site(c, f"site {c}", "昆明", f"http://{c}.example/") for c in codes]
    out: dict[str, float] = {}
    async with open_store(url) as store:
        await import_sites(store, sites, file_name="bench", file_sha256="0" * 64)
        started = time.perf_counter()
        out["history_rows"] = await _load_history(store, codes, days, now)
        out["load_s"] = time.perf_counter() - started

        rng = random.Random(2)
        batches, size = 40, 100
        started = time.perf_counter()
        for b in range(batches):
            at = now + timedelta(seconds=b)
            batch = []
            for code in rng.sample(codes, size):
                ok = rng.random() > 0.03
                batch.append((f"live:{b}:{code}", ProbeResult(
                    code=code, url="u", at=at, outcome="ok" if ok else "refused", latency_ms=50.0,
                )))  # fmt: skip
            await handle_probes(store, settings, batch, at)
        elapsed = time.perf_counter() - started
        out["handle_probes_per_s"] = batches * size / elapsed
        out["handle_batch_ms"] = elapsed / batches * 1000

        for _ in range(2):  # second run: warm caches
            started = time.perf_counter()
            found = await availability_for(store, None, now + timedelta(minutes=1))
            out["availability_for_s"] = time.perf_counter() - started
        out["availability_sites"] = len(found)
        started = time.perf_counter()
        await outage_windows(store, min_duration=timedelta(hours=24))
        out["outage_windows_s"] = time.perf_counter() - started
    return out


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--days", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        print("sqlite", await bench(f"sqlite:///{tmp}/bench.db", args.days))
    name = f"govcrawl_bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(host="127.0.0.1", user="postgres", database="postgres")
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        print("postgresql", await bench(f"postgresql://postgres@127.0.0.1/{name}", args.days))
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


if __name__ == "__main__":
    asyncio.run(main())
