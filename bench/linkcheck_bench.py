"""Link checking over the site farm: govcrawl's crawl_site beside Scrapy and LinkChecker.

    .venv/bin/python bench/linkcheck_bench.py [--sites 60] [--port 8820]
        [--bench-python /tmp/venv-bench/bin/python] [--linkchecker-sites 4]

One farm process serves the sites; each crawler then runs in its own process over the
same start URLs (every farm site that answers, less the slow-drip ones whose 30 s pages
measure waiting, not work) with the same bounds: depth 2, 300 pages per site, per-host
concurrency 4, 100 requests in flight, no politeness delay. Wall time and CPU seconds
of each crawler's process come from wait4's rusage, so the farm's CPU is not counted.

Scrapy and LinkChecker are not govcrawl dependencies: install them into a separate
environment (``python -m venv /tmp/venv-bench && /tmp/venv-bench/bin/pip install scrapy
linkchecker``) and pass its interpreter as --bench-python. A tool missing there is
reported as not run.

What each does differs, and the table says so: govcrawl checks every distinct link once
(GET of the first 64 KiB, HEAD for attachments, soft-404 test, one not-found probe per
site); the Scrapy spider (bench/scrapy_spider.py) requests every distinct link with a
full GET; LinkChecker (`-r 3`: URLs to depth 3, pages parsed to depth 2, the same as
max_depth 2) checks internal links only (external ones are syntax-checked by default)
and has no per-site page cap. LinkChecker keeps 0.1-0.6 s between requests to one host,
under one lock for all its threads, unless the server answers with a "LinkChecker"
header (the farm does not), so it gets only the first --linkchecker-sites start URLs and
its CPU per page is the number to compare.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

BENCH = Path(__file__).resolve().parent
MAX_DEPTH, MAX_PAGES, PER_HOST, TOTAL = 2, 300, 4, 100
NOT_PAGES = (".png", ".gif", ".jpg", ".jpeg", ".css", ".js", ".ico")


def wait_for(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"the farm did not come up at {url}")


def measured(cmd: list[str], **kw: object) -> tuple[float, float, int, str]:
    """Wall seconds, CPU seconds (user + system), exit status and stdout of one process."""
    start = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, **kw)  # type: ignore[call-overload]
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        out.seek(0)
        err.seek(0)
        text = out.read().decode("utf-8", errors="replace")
        errors = err.read().decode("utf-8", errors="replace")
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        print(errors[-2000:], file=sys.stderr)
    return wall, usage.ru_utime + usage.ru_stime, code, text


# ---- govcrawl, run in a child process: ``linkcheck_bench.py --govcrawl URLS_FILE`` ---------


def govcrawl_worker(urls_file: str) -> None:
    import asyncio

    from crawler.aio import run
    from crawler.config import FetchConfig
    from crawler.crawl import crawl_site
    from crawler.fetch import Fetcher
    from crawler.linkcheck import LinkCache
    from crawler.rules import load_rules

    urls = Path(urls_file).read_text(encoding="utf-8").split()
    phrases = load_rules().soft_404_phrases
    config = FetchConfig(host_delay=0, per_host=PER_HOST, total=TOTAL, allow_private_addresses=True)

    async def main() -> dict[str, int]:
        cache = LinkCache()
        async with Fetcher(config) as fetcher:
            reports = await asyncio.gather(
                *(
                    crawl_site(
                        url,
                        fetcher,
                        cache=cache,
                        soft404_phrases=phrases,
                        max_depth=MAX_DEPTH,
                        max_pages=MAX_PAGES,
                    )
                    for url in urls
                )
            )
            requests = fetcher.stats.requests
        return {
            "pages": sum(r.pages_crawled for r in reports),
            "links": sum(r.links_checked for r in reports),
            "broken": sum(len(r.broken) for r in reports),
            "requests": requests,
        }

    print(json.dumps(run(main())))


# ---- the other two ------------------------------------------------------------------------


def run_govcrawl(urls_file: Path) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--govcrawl", str(urls_file)]
    wall, cpu, code, out = measured(cmd)
    return {"tool": "govcrawl crawl_site", "wall": wall, "cpu": cpu, "code": code} | (
        json.loads(out) if code == 0 else {}
    )


def run_scrapy(python: str, urls_file: Path, tmp: Path) -> dict:
    result_file = tmp / "scrapy.json"
    cmd = [python, str(BENCH / "scrapy_spider.py"), str(urls_file), str(result_file)]
    cmd += ["--max-depth", str(MAX_DEPTH), "--max-pages", str(MAX_PAGES)]
    cmd += ["--per-host", str(PER_HOST), "--total", str(TOTAL)]
    wall, cpu, code, _ = measured(cmd, cwd=tmp)
    data = json.loads(result_file.read_text()) if code == 0 and result_file.exists() else {}
    return {"tool": "Scrapy spider", "wall": wall, "cpu": cpu, "code": code} | data


def run_linkchecker(python: str, urls: list[str], tmp: Path) -> dict:
    rc = tmp / "linkcheckerrc"
    rc.write_text(
        f"[checking]\nmaxrequestspersecond=1000\nthreads={TOTAL}\ntimeout=15\n[output]\nstatus=0\n",
        encoding="utf-8",
    )
    rc.chmod(0o644)  # LinkChecker started as root drops to nobody
    linkchecker = str(Path(python).parent / "linkchecker")
    cmd = [linkchecker, "-f", str(rc), "-r", str(MAX_DEPTH + 1), "--no-robots", "--no-status"]
    cmd += ["-v", "-o", "csv", *urls]
    wall, cpu, code, out = measured(cmd, cwd=tmp)
    # Exit 1 means "broken links found"; 2 and more are errors.
    lines = [line for line in out.splitlines() if line and not line.startswith("#")]
    rows = list(csv.reader(io.StringIO("\n".join(lines)), delimiter=";"))
    header, body = (rows[0], rows[1:]) if rows else ([], [])
    col = {name: n for n, name in enumerate(header)}
    checked = [r for r in body if len(r) == len(header) and r[col["result"]] != "filtered"]
    # Each URL is logged once, at its recursion level; pages parsed are the start URLs
    # and the HTML pages answered at a level up to max_depth.
    parsed = [
        r
        for r in checked
        if r[col["level"]].isdigit()
        and int(r[col["level"]]) <= MAX_DEPTH
        and r[col["result"]].startswith("200")
        and not r[col["url"]].lower().endswith(NOT_PAGES)
    ]
    broken = sum(1 for r in checked if r[col["valid"]] != "True")
    return {
        "tool": f"LinkChecker ({len(urls)} of the start URLs)",
        "wall": wall,
        "cpu": cpu,
        "code": 0 if code in (0, 1) else code,
        "links": len(checked),
        "pages": len(urls) + len(parsed),
        "broken": broken,
    }


def available(python: str, module: str) -> bool:
    try:
        subprocess.run([python, "-c", f"import {module}"], check=True, capture_output=True)
    except (OSError, subprocess.CalledProcessError):
        return False
    return True


def table(rows: list[dict]) -> str:
    lines = [
        "| crawler | pages | links | broken | wall s | pages/s | links/s | CPU s | CPU ms/page |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in rows:
        if r.get("code") or "links" not in r:
            lines.append(f"| {r['tool']} | not run: {r.get('why', 'failed')} | | | | | | | |")
            continue
        pages = max(r["pages"], 1)
        lines.append(
            f"| {r['tool']} | {r['pages']} | {r['links']} | {r['broken']} | {r['wall']:.1f} | "
            f"{r['pages'] / r['wall']:.0f} | {r['links'] / r['wall']:.0f} | {r['cpu']:.1f} | "
            f"{1000 * r['cpu'] / pages:.1f} |"
        )
    return "\n".join(lines)


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--govcrawl":
        govcrawl_worker(sys.argv[2])
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sites", type=int, default=60)
    parser.add_argument("--port", type=int, default=8820)
    parser.add_argument("--control", default="127.0.0.1:8829")
    parser.add_argument("--bench-python", default="/tmp/venv-bench/bin/python")
    parser.add_argument(
        "--linkchecker-sites",
        type=int,
        default=4,
        help="start URLs given to LinkChecker (its per-host throttle makes it slow)",
    )
    args = parser.parse_args()

    from crawler.farm.catalog import build_catalog

    urls = [
        fs.url
        for fs in build_catalog(args.sites, port=args.port)
        if fs.initial_mode == "normal" and "slow_drip" not in fs.conditions
    ]
    farm_cmd = [sys.executable, "-m", "crawler.farm", "serve", "--sites", str(args.sites)]
    farm_cmd += ["--port", str(args.port), "--control", args.control]
    farm = subprocess.Popen(farm_cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    rows: list[dict] = []
    try:
        wait_for(f"http://{args.control}/stats")
        with tempfile.TemporaryDirectory() as tmp_name:
            tmp = Path(tmp_name)
            tmp.chmod(0o755)
            urls_file = tmp / "urls.txt"
            urls_file.write_text("\n".join(urls) + "\n", encoding="utf-8")
            urls_file.chmod(0o644)
            rows.append(run_govcrawl(urls_file))
            if available(args.bench_python, "scrapy"):
                rows.append(run_scrapy(args.bench_python, urls_file, tmp))
            else:
                rows.append({"tool": "Scrapy spider", "why": "Scrapy not installed"})
            if available(args.bench_python, "linkcheck"):
                subset = urls[: args.linkchecker_sites]
                rows.append(run_linkchecker(args.bench_python, subset, tmp))
            else:
                rows.append({"tool": "LinkChecker", "why": "LinkChecker not installed"})
    finally:
        farm.terminate()
        farm.wait(timeout=30)
    print(f"{len(urls)} start URLs (farm of {args.sites} sites), depth {MAX_DEPTH}, "
          f"{MAX_PAGES} pages per site, per-host {PER_HOST}, {TOTAL} in flight")  # fmt: skip
    print(table(rows))
    print(json.dumps(rows, indent=1), file=sys.stderr)


if __name__ == "__main__":
    main()
