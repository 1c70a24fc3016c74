"""`govcrawl check` over the 1,900-site farm: wall time, CPU seconds, peak RSS.

    .venv/bin/python bench/check_bench.py [--sites 1900] [--port 8810] [--links]

The farm runs in its own process beside the check, as on the 2-core machine the target
is set for. Without --links: homepage and every column page of every site, no link
checking (the inspection target); with --links: the full inspection, crawl and link check
included. Each process's CPU and peak RSS come from wait4's rusage.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

GOVCRAWL = [sys.executable, "-m", "crawler.cli"]


def wait_for(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"farm did not come up at {url}")


def run_measured(cmd: list[str], env: dict[str, str]) -> tuple[float, float, float, int]:
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        sys.stderr.write(proc.stderr.read().decode() if proc.stderr else "")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, proc.returncode


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sites", type=int, default=1900)
    parser.add_argument("--port", type=int, default=8810)
    parser.add_argument("--links", action="store_true", help="crawl and check links too")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(
            os.environ,
            GOVCRAWL_STORE__URL=f"sqlite:///{tmp}/g.db",
            GOVCRAWL_INSPECT__CHECK_LINKS=str(args.links).lower(),
            GOVCRAWL_FETCH__ALLOW_PRIVATE_ADDRESSES="true",  # the farm lives on loopback
        )
        registry = Path(tmp) / "sites.csv"
        subprocess.run(
            [*GOVCRAWL, "farm", "registry", str(registry), "--sites", str(args.sites),
             "--port", str(args.port)], check=True, env=env,
        )  # fmt: skip
        farm = subprocess.Popen(
            [*GOVCRAWL, "farm", "serve", "--sites", str(args.sites), "--port", str(args.port),
             "--control", "127.0.0.1:8809"], env=env, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            wait_for("http://127.0.0.1:8809/stats")
            farm_cpu0 = _cpu_of(farm.pid)
            out = Path(tmp) / "results.jsonl"
            wall, cpu, rss, code = run_measured(
                [*GOVCRAWL, "check", "--sites", str(registry), "--jsonl", str(out)], env
            )
            farm_cpu = _cpu_of(farm.pid) - farm_cpu0
            results = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
            pages = sum(r["pages_fetched"] for r in results)
        finally:
            farm.terminate()
            farm.wait()
    links = sum(r["links_checked"] for r in results)
    print(f"exit {code}; {len(results)} sites, {pages} pages, {links} links checked")
    print("| links | sites | pages | links checked | wall s | check CPU s | CPU ms/page "
          "| check peak RSS MB | farm CPU s | pages/s | links/s |")  # fmt: skip
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    print(f"| {'yes' if args.links else 'no'} | {len(results)} | {pages} | {links} | {wall:.1f} "
          f"| {cpu:.1f} | {1000 * cpu / max(pages, 1):.2f} | {rss:.0f} | {farm_cpu:.1f} "
          f"| {pages / wall:.0f} | {links / wall:.0f} |")  # fmt: skip


def _cpu_of(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


if __name__ == "__main__":
    main()
