"""The service at fleet scale: jobs per second, CPU per job, memory, embedded and arq.

    flock /tmp/govcrawl-bench.lock .venv/bin/python bench/service_bench.py \
        [--sites 1900] [--latency-ms 200] [--window 90] [--warmup 15] \
        [--modes embedded,arq1,arq2] [--redis redis://127.0.0.1:6379/14]

Starts the farm (1,900 sites, every answer delayed by --latency-ms) in its own process,
imports its registry into a fresh SQLite store per mode, then runs `govcrawl run` alone
(embedded) or with 1 or 2 `govcrawl worker` processes (arq), probes every minute and
inspections over a compressed interval. Every job of the fleet falls due at start, so
there is a backlog throughout the window: jobs per second is the recorded results
(probes + inspections) over the window after a warm-up; CPU seconds per job sums the
service's and the workers' user+system time over the same window; RSS is the peak.
Concurrency per process is fixed (--jobs per queue), so a second worker doubles the
jobs in flight, which is what the latency-bound fleet needs.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import redis

BIN = Path(sys.executable).with_name("govcrawl")
TICK = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime + stime


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def recorded(db: Path) -> tuple[int, int]:
    """(probes, inspections) recorded so far."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    try:
        probes = con.execute("select count(*) from probes").fetchone()[0]
        inspections = con.execute(
            "select count(*) from results where kind = 'inspection'"
        ).fetchone()[0]
    finally:
        con.close()
    return probes, inspections


@dataclass
class Outcome:
    mode: str
    jobs_per_s: float
    probes: int
    inspections: int
    cpu_per_job_ms: float
    service_rss_mb: float
    worker_rss_mb: list[float] = field(default_factory=list)


def env_for(args: argparse.Namespace, db: Path, redis_url: str, http_port: int) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "GOVCRAWL_STORE__URL": f"sqlite:///{db}",
            "GOVCRAWL_QUEUE__REDIS_URL": redis_url,
            "GOVCRAWL_QUEUE__PREFIX": f"bench-{uuid.uuid4().hex[:8]}",
            "GOVCRAWL_QUEUE__PROBE_CONCURRENCY": str(args.jobs),
            "GOVCRAWL_QUEUE__INSPECT_TIMEOUT": "2m",
            "GOVCRAWL_HTTP__LISTEN": f"127.0.0.1:{http_port}",
            "GOVCRAWL_FETCH__TIMEOUT": "10s",
            "GOVCRAWL_FETCH__ALLOW_PRIVATE_ADDRESSES": "true",
            "GOVCRAWL_PROBE__INTERVAL": "1m",
            "GOVCRAWL_PROBE__REFERENCE_URLS": "[]",
            "GOVCRAWL_INSPECT__INTERVAL": args.inspect_interval,
            "GOVCRAWL_QUEUE__INSPECT_CONCURRENCY": str(args.jobs),
            "GOVCRAWL_INSPECT__MAX_PAGES": "20",
            "GOVCRAWL_INSPECT__MAX_LINKS": "200",
            "GOVCRAWL_INSPECT__ATTEMPTS": "1",
        }
    )
    return env


def run_mode(args: argparse.Namespace, mode: str, registry: Path, workdir: Path) -> Outcome:
    db = workdir / f"{mode}.db"
    workers = {"embedded": 0, "arq1": 1, "arq2": 2}[mode]
    redis_url = args.redis if workers else ""
    env = env_for(args, db, redis_url, free_port())
    subprocess.run(
        [BIN, "sites", "import", str(registry)], env=env, check=True, capture_output=True
    )
    logs = workdir / f"{mode}.log"
    out = logs.open("wb")
    procs = [
        subprocess.Popen([BIN, "worker"], env=env, stdout=out, stderr=subprocess.STDOUT)
        for _ in range(workers)
    ]
    service = subprocess.Popen([BIN, "run"], env=env, stdout=out, stderr=subprocess.STDOUT)
    everyone = [service, *procs]
    peak = {p.pid: 0.0 for p in everyone}
    try:
        deadline = time.monotonic() + args.warmup
        while time.monotonic() < deadline:
            time.sleep(1)
            for p in everyone:
                peak[p.pid] = max(peak[p.pid], rss_mb(p.pid))
        cpu0 = sum(cpu_s(p.pid) for p in everyone)
        probes0, insp0 = recorded(db)
        start = time.monotonic()
        while time.monotonic() - start < args.window:
            time.sleep(2)
            for p in everyone:
                if p.poll() is not None:
                    raise SystemExit(f"{mode}: a process exited; see {logs}")
                peak[p.pid] = max(peak[p.pid], rss_mb(p.pid))
        elapsed = time.monotonic() - start
        cpu1 = sum(cpu_s(p.pid) for p in everyone)
        probes1, insp1 = recorded(db)
    finally:
        for p in everyone:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in everyone:
            try:
                p.wait(timeout=60)
            except subprocess.TimeoutExpired:
                p.kill()
        out.close()
        if redis_url:
            cleanup(redis_url, env["GOVCRAWL_QUEUE__PREFIX"])
    jobs = (probes1 - probes0) + (insp1 - insp0)
    return Outcome(
        mode=mode,
        jobs_per_s=jobs / elapsed,
        probes=probes1 - probes0,
        inspections=insp1 - insp0,
        cpu_per_job_ms=1000 * (cpu1 - cpu0) / max(jobs, 1),
        service_rss_mb=peak[service.pid],
        worker_rss_mb=[peak[p.pid] for p in procs],
    )


def cleanup(url: str, prefix: str) -> None:
    client = redis.Redis.from_url(url)
    keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
    keys += list(client.scan_iter(match=f"arq:*{prefix}:*", count=1000))
    if keys:
        client.delete(*keys)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sites", type=int, default=1900)
    parser.add_argument("--latency-ms", type=int, default=200)
    parser.add_argument("--window", type=float, default=90.0)
    parser.add_argument("--warmup", type=float, default=15.0)
    parser.add_argument("--jobs", type=int, default=4, help="jobs in flight per queue and process")
    parser.add_argument("--inspect-interval", default="30m")
    parser.add_argument("--modes", default="embedded,arq1,arq2")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/14")
    args = parser.parse_args()

    port, control = free_port(), free_port()
    with tempfile.TemporaryDirectory(prefix="service-bench-") as tmp:
        workdir = Path(tmp)
        registry = workdir / "registry.csv"
        subprocess.run(
            [
                BIN,
                "farm",
                "registry",
                str(registry),
                "--sites",
                str(args.sites),
                "--port",
                str(port),
            ],
            check=True,
            capture_output=True,
        )
        farm = subprocess.Popen(
            [BIN, "farm", "serve", "--sites", str(args.sites), "--port", str(port),
             "--control", f"127.0.0.1:{control}", "--latency-ms", str(args.latency_ms)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            for _ in range(200):
                with (
                    contextlib.suppress(OSError),
                    socket.create_connection(("127.0.0.1", control), 0.2),
                ):
                    break
                time.sleep(0.1)
            results = [run_mode(args, m, registry, workdir) for m in args.modes.split(",")]
        finally:
            farm.send_signal(signal.SIGTERM)
            farm.wait(timeout=30)
    print(
        f"\n{args.sites} sites, farm latency {args.latency_ms} ms, probes every 1m, "
        f"inspections every {args.inspect_interval}, {args.jobs} jobs per queue and process, "
        f"window {args.window:.0f} s after {args.warmup:.0f} s warm-up\n"
    )
    print("| mode | jobs/s | probes | inspections | CPU ms/job | service RSS MB | worker RSS MB |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | --- |")
    for r in results:
        workers = ", ".join(f"{m:.0f}" for m in r.worker_rss_mb) or "-"
        print(
            f"| {r.mode} | {r.jobs_per_s:.1f} | {r.probes} | {r.inspections} | "
            f"{r.cpu_per_job_ms:.0f} | {r.service_rss_mb:.0f} | {workers} |"
        )
    by = {r.mode: r for r in results}
    if "arq1" in by and "arq2" in by:
        print(f"\narq 2 workers / 1 worker: {by['arq2'].jobs_per_s / by['arq1'].jobs_per_s:.2f}x")


if __name__ == "__main__":
    main()
