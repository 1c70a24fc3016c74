"""`govcrawl status` and the service commands' argument checks."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from crawler.cli import cli

HEADER = "网站标识码,网站名称,州、市/部门,主管单位,首页网址,运行状态\n"
ROWS = [
    "5301000041,昆明市人民政府外事侨务办公室,昆明,昆明市人民政府,http://wqb.km.gov.cn/,正常运行",
    "5303020029,麒麟区地震局一试点,曲靖,麒麟区地震局,http://dzj.ql.gov.cn/,永久关停",
    "5325230002,云南省屏边县教育局,红河,屏边县人民政府,https://jyj.pb.gov.cn/,暂时关停",
]


def _invoke(env: dict[str, str], *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), env=env)
    errors = result.stderr if result.stderr_bytes is not None else ""
    return result.exit_code, result.output + errors


def test_status_of_a_fresh_registry(store_url: str, tmp_path: Path) -> None:
    src = tmp_path / "sites.csv"
    src.write_text(HEADER + "\n".join(ROWS) + "\n", encoding="utf-8")
    env = {"GOVCRAWL_STORE__URL": store_url, "GOVCRAWL_QUEUE__REDIS_URL": ""}
    assert _invoke(env, "sites", "import", str(src))[0] == 0
    code, out = _invoke(env, "status", "--json")
    assert code == 0, out
    data = json.loads(out)
    assert data["sites"]["total"] == 3
    # Open: a probe and an inspection; permanently closed: its daily check; paused: nothing.
    assert data["due"] == {"probe": 1, "inspection": 2}
    assert data["queue"] == {"mode": "embedded"}
    assert data["last"] == {"probe": None, "inspection": None}
    code, text = _invoke(env, "status")
    assert code == 0 and "due now    probes 1, inspections 2" in text


def test_worker_needs_redis(tmp_path: Path) -> None:
    code, out = _invoke({"GOVCRAWL_QUEUE__REDIS_URL": ""}, "worker")
    assert code != 0 and "needs Redis" in out
