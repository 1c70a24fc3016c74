"""Site farm throughput: requests per second one farm process answers.

    .venv/bin/python bench/farm_throughput.py [--sites 1900] [--requests 40000]
        [--concurrency 200] [--port 8800] [--control 127.0.0.1:8799] [--external] [--raw]

Starts `python -m crawler.farm serve` in a child process (or, with --external, uses the
farm already listening there), then sends a bounded number of GET requests spread over
every reachable site's homepage and column pages from one aiohttp client process. The
first pass renders pages (cold cache); the second finds them cached (warm).

The aiohttp client costs more CPU per request than the farm does; --raw uses a minimal
keep-alive HTTP/1.1 client on asyncio streams instead, to show what the farm itself can do.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import subprocess
import sys
import time
from collections import Counter

import aiohttp

from crawler.aio import run
from crawler.farm.catalog import build_catalog


def _urls(count: int, port: int) -> list[str]:
    urls: list[str] = []
    for fs in build_catalog(count, port=port):
        if fs.initial_mode == "normal":
            urls.append(fs.url)
            urls.extend(fs.origin + col.path for col in fs.columns)
    # interleave sites so concurrent requests land on many addresses at once
    urls.sort(key=lambda u: u.split("/", 3)[3])
    return urls


async def _wait_ready(control: str) -> None:
    deadline = time.monotonic() + 30
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            with contextlib.suppress(aiohttp.ClientError):
                async with session.get(f"{control}/stats") as response:
                    if response.status == 200:
                        return
            await asyncio.sleep(0.1)
    raise SystemExit(f"the farm did not come up at {control}")


async def _pass(urls: list[str], total: int, concurrency: int) -> tuple[float, Counter[int]]:
    statuses: Counter[int] = Counter()
    next_index = 0
    connector = aiohttp.TCPConnector(limit=concurrency, limit_per_host=4)
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:

        async def worker() -> None:
            nonlocal next_index
            while next_index < total:
                url = urls[next_index % len(urls)]
                next_index += 1
                try:
                    async with session.get(url) as response:
                        await response.read()
                        statuses[response.status] += 1
                except (aiohttp.ClientError, TimeoutError):
                    statuses[0] += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return time.perf_counter() - started, statuses


async def _raw_pass(urls: list[str], total: int, concurrency: int) -> tuple[float, Counter[int]]:
    """Keep-alive connections, a few requests each, moving from site to site like a crawler."""
    statuses: Counter[int] = Counter()
    next_index = 0
    per_connection = 8

    async def worker() -> None:
        nonlocal next_index
        while next_index < total:
            start = next_index
            next_index += per_connection
            batch = [urls[i % len(urls)] for i in range(start, min(start + per_connection, total))]
            by_origin: dict[str, list[str]] = {}
            for url in batch:
                origin, _, path = url[len("http://") :].partition("/")
                by_origin.setdefault(origin, []).append("/" + path)
            for origin, paths in by_origin.items():
                host, _, port = origin.partition(":")
                reader, writer = await asyncio.open_connection(host, int(port))
                for path in paths:
                    writer.write(f"GET {path} HTTP/1.1\r\nHost: {origin}\r\n\r\n".encode())
                    head = await reader.readuntil(b"\r\n\r\n")
                    length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
                    await reader.readexactly(length)
                    statuses[int(head[9:12])] += 1
                writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - started, statuses


async def _bench(args: argparse.Namespace) -> None:
    control = f"http://{args.control}"
    await _wait_ready(control)
    urls = _urls(args.sites, args.port)
    if args.raw:  # consecutive requests share a site, so a connection serves several
        urls.sort(key=lambda u: u.split("/", 3)[2])
    one_pass = _raw_pass if args.raw else _pass
    print(f"{args.sites} sites, {len(urls)} distinct pages, {args.requests} requests per pass, "
          f"concurrency {args.concurrency}")  # fmt: skip
    for label in ("cold", "warm"):
        seconds, statuses = await one_pass(urls, args.requests, args.concurrency)
        print(f"{label}: {args.requests / seconds:,.0f} requests/s "
              f"({seconds:.2f} s, statuses {dict(statuses)})")  # fmt: skip
    async with aiohttp.ClientSession() as session, session.get(f"{control}/stats") as response:
        stats = await response.json()
    print(f"farm served {stats['requests']} requests, {stats['bytes_sent'] / 1e6:.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=1900)
    parser.add_argument("--requests", type=int, default=40_000)
    parser.add_argument("--concurrency", type=int, default=200)
    parser.add_argument("--port", type=int, default=8800)
    parser.add_argument("--control", default="127.0.0.1:8799")
    parser.add_argument("--external", action="store_true", help="use a farm already running")
    parser.add_argument("--raw", action="store_true", help="minimal keep-alive client")
    args = parser.parse_args()
    child = None
    if not args.external:
        command = [sys.executable, "-m", "crawler.farm", "serve", "--sites", str(args.sites),
                   "--port", str(args.port), "--control", args.control]  # fmt: skip
        child = subprocess.Popen(command)
    try:
        run(_bench(args))
    finally:
        if child is not None:
            child.terminate()
            child.wait(timeout=10)


if __name__ == "__main__":
    main()
