"""Registry import speed: a 1,900-row farm registry into SQLite and PostgreSQL.

    .venv/bin/python bench/import_bench.py [--sites 1900] [--pg postgresql://postgres@127.0.0.1/postgres]

Each backend gets a fresh store; the time covers reading and validating the file,
migrating the store and the upsert transaction, as `govcrawl sites import` does.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
import uuid
from pathlib import Path

import asyncpg

from crawler.farm.catalog import build_catalog
from crawler.registry import import_sites
from crawler.registry_file import read_registry, write_registry
from crawler.store import open_store


async def _timed_import(url: str, path: Path) -> tuple[float, float]:
    start = time.perf_counter()
    read = read_registry(path)
    assert not read.problems, read.problems[:3]
    parsed = time.perf_counter()
    async with open_store(url) as store:
        await import_sites(store, read.sites, file_name=path.name, file_sha256="0" * 64)
    return parsed - start, time.perf_counter() - start


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sites", type=int, default=1900)
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        rows = [fs.site for fs in build_catalog(args.sites)]
        print("| backend | file | rows | parse s | total s |\n| --- | --- | --- | --- | --- |")
        for suffix in ("csv", "xlsx"):
            path = Path(tmp) / f"sites.{suffix}"
            write_registry(path, rows)
            parse_s, total_s = await _timed_import(f"sqlite:///{tmp}/{suffix}.db", path)
            print(f"| SQLite | {suffix} | {len(rows)} | {parse_s:.3f} | {total_s:.3f} |")
            admin = await asyncpg.connect(args.pg.replace("postgresql://", "postgres://"))
            name = f"govcrawl_bench_{uuid.uuid4().hex[:8]}"
            await admin.execute(f'CREATE DATABASE "{name}"')
            try:
                pg = args.pg.rsplit("/", 1)[0] + f"/{name}"
                parse_s, total_s = await _timed_import(pg, path)
                print(f"| PostgreSQL | {suffix} | {len(rows)} | {parse_s:.3f} | {total_s:.3f} |")
            finally:
                await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
                await admin.close()


if __name__ == "__main__":
    asyncio.run(main())
