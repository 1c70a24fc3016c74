"""deploy/: the generated dashboard and rules are current, and every file is valid for its tool.

promtool (Debian `prometheus`), systemd-analyze and `docker compose` are used where
installed; outside CI a missing tool skips its test with the reason, under CI=true it fails.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import yaml

from crawler import alert_rules, grafana_dashboard

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
DASHBOARD = DEPLOY / "grafana" / "dashboards" / "govcrawl-duty.json"
RULES = DEPLOY / "prometheus" / "govcrawl-rules.yml"
IN_CI = os.environ.get("CI", "").lower() == "true"
GRAFANA_BUILTINS = {"__rate_interval", "__interval", "__range", "__all", "__data"}


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        message = f"{name} is not installed (apt-get install -y {_PACKAGE.get(name, name)})"
        if IN_CI:
            pytest.fail(f"{message}; CI requires it")
        pytest.skip(message)
    return path


_PACKAGE = {"promtool": "prometheus", "systemd-analyze": "systemd"}


def test_generated_files_are_current() -> None:
    assert DASHBOARD.read_text(encoding="utf-8") == grafana_dashboard.dashboard_json(), (
        "regenerate: govcrawl metrics dashboard > deploy/grafana/dashboards/govcrawl-duty.json"
    )
    assert RULES.read_text(encoding="utf-8") == alert_rules.rules_yaml(), (
        "regenerate: govcrawl metrics rules > deploy/prometheus/govcrawl-rules.yml"
    )


def _datasource_uid() -> str:
    data = yaml.safe_load(
        (DEPLOY / "grafana/provisioning/datasources/govcrawl.yml").read_text(encoding="utf-8")
    )
    (source,) = data["datasources"]
    assert source["type"] == "prometheus"
    return source["uid"]


def test_dashboard_is_valid_for_grafana_provisioning() -> None:
    board = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    uid = _datasource_uid()
    assert isinstance(board["schemaVersion"], int) and board["schemaVersion"] >= 36
    assert re.fullmatch(r"[a-zA-Z0-9_-]{1,40}", board["uid"])
    assert "id" not in board or board["id"] is None  # provisioning assigns it
    variables = {v["name"]: v for v in board["templating"]["list"]}
    assert {"code", "region"} <= variables.keys()
    for v in variables.values():
        assert v["type"] in {"query", "constant", "textbox", "custom", "interval"}
        if v["type"] == "query":
            assert v["datasource"]["uid"] == uid
            assert v["query"]["query"].startswith("label_values(")
    provider = yaml.safe_load(
        (DEPLOY / "grafana/provisioning/dashboards/govcrawl.yml").read_text(encoding="utf-8")
    )
    assert provider["providers"][0]["options"]["path"] == "/var/lib/grafana/dashboards"

    ids = []
    for panel in board["panels"]:
        ids.append(panel["id"])
        assert {"x", "y", "w", "h"} <= panel["gridPos"].keys()
        assert re.search(r"[\u4e00-\u9fff]", panel["title"]), panel["title"]
        if panel["type"] == "row":
            continue
        assert panel["description"].isascii(), panel["title"]  # English for operators
        assert panel["datasource"]["uid"] == uid
        assert panel["targets"]
        for target in panel["targets"]:
            assert target["datasource"]["uid"] == uid
            assert target["refId"]
            used = set(re.findall(r"\$\{?(\w+)", target["expr"]))
            assert used <= variables.keys() | GRAFANA_BUILTINS, (panel["title"], used)
        urls = [link["url"] for link in panel["links"]]
        assert any("/api/sites" in url for url in urls), panel["title"]
    assert len(ids) == len(set(ids))
    assert any(p["type"] == "row" and "$code" in p["title"] for p in board["panels"])


def test_every_dashboard_expression_is_extracted() -> None:
    board = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    found = grafana_dashboard.expressions(board)
    queries = sum(len(p.get("targets", [])) for p in board["panels"])
    assert len(found) == queries > 20


def test_rules_cover_the_duty_alerts() -> None:
    data = yaml.safe_load(RULES.read_text(encoding="utf-8"))
    names = {name for name, _ in alert_rules.expressions(data)}
    assert names == {
        "GovcrawlSiteDownOverThreshold",
        "GovcrawlHomepageStale",
        "GovcrawlWorkerMissing",
        "GovcrawlQueueBacklogGrowing",
        "GovcrawlSchedulerStalled",
        "GovcrawlAlertsUndelivered",
    }
    down = next(
        r for g in data["groups"] for r in g["rules"] if r["alert"].startswith("GovcrawlSite")
    )
    assert "> 86400" in down["expr"]  # alerts.report_after's default
    short = yaml.safe_load(
        alert_rules.rules_yaml(alert_rules.RuleParams(down_after=timedelta(seconds=5)))
    )
    assert "> 5" in short["groups"][0]["rules"][0]["expr"]


def test_promtool_checks_config_and_rules(tmp_path: Path) -> None:
    promtool = tool("promtool")
    # check config also checks the rule files it names, relative to the config file
    shutil.copy(DEPLOY / "prometheus/prometheus.yml", tmp_path / "prometheus.yml")
    shutil.copy(RULES, tmp_path / "govcrawl-rules.yml")
    for args in (["check", "config", "prometheus.yml"], ["check", "rules", "govcrawl-rules.yml"]):
        done = subprocess.run(
            [promtool, *args], cwd=tmp_path, capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 0, done.stdout + done.stderr


def test_alertmanager_routes_reach_defined_receivers() -> None:
    data = yaml.safe_load((DEPLOY / "alertmanager/alertmanager.yml").read_text(encoding="utf-8"))
    receivers = {r["name"] for r in data["receivers"]}
    routes = [data["route"], *data["route"].get("routes", [])]
    assert all(r["receiver"] in receivers for r in routes)
    assert all(r.get("webhook_configs") for r in data["receivers"])
    prometheus = yaml.safe_load((DEPLOY / "prometheus/prometheus.yml").read_text(encoding="utf-8"))
    jobs = {job["job_name"] for job in prometheus["scrape_configs"]}
    assert jobs == {"govcrawl", "govcrawl-worker"}


def test_compose_file_defines_the_stack() -> None:
    compose = DEPLOY / "docker-compose.yml"
    docker = shutil.which("docker")
    has_compose = (
        docker is not None
        and subprocess.run([docker, "compose", "version"], capture_output=True).returncode == 0
    )
    if has_compose:
        done = subprocess.run(
            [docker, "compose", "-f", str(compose), "config", "--quiet"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
    data = yaml.safe_load(compose.read_text(encoding="utf-8"))
    services = data["services"]
    assert {
        "redis",
        "govcrawl",
        "worker-1",
        "worker-2",
        "prometheus",
        "alertmanager",
        "grafana",
    } <= (services.keys())
    assert services["govcrawl"]["command"] == ["run"]
    for name in ("worker-1", "worker-2"):
        command = services[name]["command"]
        assert command[0] == "worker" and command[command.index("--metrics") + 1].endswith(":9101")
    assert services["govcrawl"]["environment"]["GOVCRAWL_QUEUE__REDIS_URL"].startswith("redis://")
    for name, spec in services.items():
        for volume in spec.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (DEPLOY / source).exists(), (name, source)
            else:
                assert source in data["volumes"], (name, source)
    assert (DEPLOY / services["govcrawl"]["build"]["context"] / "Dockerfile").is_file()


def test_dockerfile_is_multistage_non_root_with_healthcheck() -> None:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert len(re.findall(r"^FROM ", text, re.M)) >= 2
    assert re.search(r"^COPY --from=", text, re.M)
    user = re.findall(r"^USER (\S+)", text, re.M)
    assert user and user[-1] not in ("root", "0")
    assert re.search(r"^HEALTHCHECK .*", text, re.M)


@pytest.mark.parametrize("unit", ["govcrawl.service", "govcrawl-worker@.service"])
def test_systemd_units_verify(unit: str, tmp_path: Path) -> None:
    analyze = tool("systemd-analyze")
    # verify wants ExecStart to exist: point it at this environment's govcrawl
    text = (DEPLOY / "systemd" / unit).read_text(encoding="utf-8")
    text = text.replace("/opt/govcrawl/venv/bin/govcrawl", str(Path(sys.prefix) / "bin/govcrawl"))
    path = tmp_path / unit
    path.write_text(text, encoding="utf-8")
    target = tmp_path / unit.replace("@.", "@1.") if "@." in unit else path
    if target != path:
        target.write_text(text, encoding="utf-8")
    done = subprocess.run(
        [analyze, "verify", str(target)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stdout + done.stderr
