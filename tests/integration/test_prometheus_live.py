"""A real Prometheus (Debian `prometheus`) scraping a live govcrawl over farm data.

Every PromQL expression of the Grafana dashboard and of the alert rules (parsed out of
the shipped JSON and YAML, so a new panel or rule is covered automatically) is evaluated
through Prometheus's HTTP API and must return data. The rules are rendered from the same
source (crawler/alert_rules.py) with thresholds of seconds; a farm site held down past
that threshold makes the down-over-threshold alert fire, and every other alert is
provoked through the fleet functions the service calls.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import shutil
import time
from datetime import datetime, timedelta
from pathlib import Path

import aiohttp
import pytest
import yaml
from conftest import IN_CI
from obs_stack import free_port, live_stack, probe_round, utcnow

from crawler import alert_rules, grafana_dashboard, metrics
from crawler.alerts import outbox
from crawler.availability import outage_windows
from crawler.farm import SiteFarm

ROOT = Path(__file__).resolve().parents[2]
DOWN_AFTER = 4  # seconds: the test's alerts.report_after
TEST_RULES = alert_rules.RuleParams(
    down_after=timedelta(seconds=DOWN_AFTER),
    down_for=timedelta(0),
    stale_for=timedelta(0),
    min_workers=1,
    worker_for=timedelta(0),
    backlog_min=0,
    backlog_window=timedelta(seconds=10),
    backlog_for=timedelta(0),
    stall_after=timedelta(seconds=1),
    stall_for=timedelta(0),
    undelivered_after=timedelta(seconds=1),
    undelivered_for=timedelta(0),
    evaluation_interval=timedelta(seconds=1),
)


def prometheus_binary() -> str:
    path = shutil.which("prometheus")
    if path is None:
        message = "prometheus is not installed (apt-get install -y prometheus)"
        if IN_CI:
            pytest.fail(f"{message}; CI requires it")
        pytest.skip(message)
    return path


def substitute(expr: str, code: str) -> str:
    """Grafana's variables as the dashboard would send them for one site."""
    return (
        expr.replace("$region", ".*")
        .replace("$code", code)
        .replace("$report_after_seconds", str(DOWN_AFTER))
        .replace("$__rate_interval", "1m")
    )


async def query(http: aiohttp.ClientSession, base: str, expr: str) -> list[dict]:
    async with http.get(f"{base}/api/v1/query", params={"query": expr}) as response:
        body = await response.json()
    assert body["status"] == "success", (expr, body)
    return body["data"]["result"]


async def wait_for(check, limit_s: float, what: str):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + limit_s
    last = None
    while time.monotonic() < deadline:
        last = await check()
        if last:
            return last
        await asyncio.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}; last: {last}")


async def test_dashboard_and_rules_against_live_prometheus(farm: SiteFarm, tmp_path: Path) -> None:
    binary = prometheus_binary()
    async with live_stack(farm, tmp_path) as stack:
        down = stack.sites["unreachable_refuse"].code
        stale = stack.sites["homepage_stale"].code
        worker = metrics.start_worker_metrics_server(free_port(), addr="127.0.0.1")
        worker_port = worker.server_address[1]
        rules_file = tmp_path / "rules.yml"
        rules_file.write_text(alert_rules.rules_yaml(TEST_RULES), encoding="utf-8")
        config = {
            "global": {
                "scrape_interval": "1s",
                "scrape_timeout": "1s",
                "evaluation_interval": "1s",
                "external_labels": {"govcrawl_url": stack.url},
            },
            "rule_files": [str(rules_file)],
            "scrape_configs": [
                {
                    "job_name": "govcrawl",
                    "static_configs": [{"targets": [f"127.0.0.1:{stack.port}"]}],
                },
                {
                    "job_name": "govcrawl-worker",
                    "static_configs": [{"targets": [f"127.0.0.1:{worker_port}"]}],
                },
            ],
        }
        (tmp_path / "prometheus.yml").write_text(yaml.safe_dump(config), encoding="utf-8")
        prom_port = free_port()
        base = f"http://127.0.0.1:{prom_port}"
        log = (tmp_path / "prometheus.log").open("wb")
        process = await asyncio.create_subprocess_exec(
            binary,
            f"--config.file={tmp_path / 'prometheus.yml'}",
            f"--storage.tsdb.path={tmp_path / 'tsdb'}",
            f"--web.listen-address=127.0.0.1:{prom_port}",
            stdout=log,
            stderr=log,
        )

        # The service's fleet signals, in the states that make every service alert fire:
        # no workers, a growing probe queue, a scheduler whose last pass is long ago, an
        # alert message its hook (nothing listens there) has not taken.
        async with stack.store.session() as session, session.begin():
            await outbox.enqueue(
                session, stack.store, stack.settings.alerts.hooks, key="live", code=down,
                payload={"event": "outage_report_due", "code": down}, now=utcnow(),
            )  # fmt: skip
        metrics.set_workers(0)
        metrics.scheduler_tick(time.time() - 3600)
        metrics.set_jobs_in_flight("probe", 1)

        async def keep_probing() -> None:  # the down site stays down; its window grows
            depth = 0
            while True:
                depth += 5
                metrics.set_queue_depth("probe", depth)
                await probe_round(stack.store, list(stack.sites.values()), stack.settings)
                await asyncio.sleep(0.5)

        prober = asyncio.create_task(keep_probing())
        try:
            async with aiohttp.ClientSession() as http:

                async def ready() -> bool:
                    with contextlib.suppress(aiohttp.ClientError):
                        async with http.get(f"{base}/-/ready") as response:
                            return response.status == 200
                    return False

                await wait_for(ready, 30, "Prometheus to start")

                async def firing() -> list[dict]:
                    return await query(
                        http,
                        base,
                        f'ALERTS{{alertname="GovcrawlSiteDownOverThreshold",'
                        f'alertstate="firing",code="{down}"}}',
                    )

                fired = await wait_for(firing, 60, f"the down alert for {down}")
                assert fired[0]["metric"]["region"] == stack.sites["unreachable_refuse"].site.region
                # ... and not before the outage window had lasted the threshold
                (window,) = await outage_windows(stack.store, codes=[down], open_only=True)
                async with http.get(f"{base}/api/v1/alerts") as response:
                    alerts = (await response.json())["data"]["alerts"]
                active_at = next(
                    datetime.fromisoformat(re.sub(r"(\.\d{6})\d*", r"\1", a["activeAt"]))
                    for a in alerts
                    if a["labels"]["alertname"] == "GovcrawlSiteDownOverThreshold"
                )
                assert active_at >= window.started_at + timedelta(seconds=DOWN_AFTER)
                # Nothing else is down over the threshold.
                others = await query(
                    http, base, 'ALERTS{alertname="GovcrawlSiteDownOverThreshold"}'
                )
                assert {a["metric"]["code"] for a in others} == {down}

                rules = yaml.safe_load(rules_file.read_text(encoding="utf-8"))
                names = [name for name, _ in alert_rules.expressions(rules)]

                async def all_firing() -> set[str]:
                    found = await query(http, base, 'ALERTS{alertstate="firing"}')
                    got = {a["metric"]["alertname"] for a in found}
                    return got if got >= set(names) else set()

                await wait_for(all_firing, 60, f"every alert of {names} to fire")
                # rate() needs two samples of a moved counter inside its window
                await asyncio.sleep(3)

                empty = []
                for name, expr in alert_rules.expressions(rules):
                    if not await query(http, base, expr):
                        empty.append((name, expr))
                board = json.loads(
                    (ROOT / "deploy/grafana/dashboards/govcrawl-duty.json").read_text("utf-8")
                )
                exprs = grafana_dashboard.expressions(board)
                assert len(exprs) > 20
                for title, expr in exprs:
                    if not await query(http, base, substitute(expr, stale)):
                        empty.append((title, substitute(expr, stale)))
                assert not empty, f"expressions without data: {empty}"

                # The variables' own queries list the farm sites and regions.
                async with http.get(
                    f"{base}/api/v1/label/code/values",
                    params={"match[]": "govcrawl_site_inspected_timestamp_seconds"},
                ) as response:
                    codes = set((await response.json())["data"])
                assert {down, stale} <= codes
        finally:
            prober.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await prober
            worker.shutdown()
            if process.returncode is None:
                process.terminate()
                try:
                    await asyncio.wait_for(process.wait(), 20)
                except TimeoutError:
                    process.kill()
            log.close()
        if os.environ.get("GOVCRAWL_TEST_VERBOSE"):
            print((tmp_path / "prometheus.log").read_text(errors="replace")[-3000:])
