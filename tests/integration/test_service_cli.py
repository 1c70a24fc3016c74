"""`govcrawl status` and the service commands' argument checks."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path

from click.testing import CliRunner

from crawler.alerts import outbox
from crawler.cli import cli
from crawler.config import HookConfig
from crawler.store import open_store

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


def test_status_names_the_alert_messages_waiting(store_url: str, tmp_path: Path) -> None:
    """Per configured hook (its URL masked) how many wait and since when; the messages of
    a hook no longer configured in one number."""
    hook = {"kind": "webhook", "url": "http://127.0.0.1:9/hook?token=s3cretvalue"}
    gone = {"kind": "webhook", "url": "http://127.0.0.1:9/old"}
    config = tmp_path / "govcrawl.toml"
    config.write_text(
        f'[store]\nurl = "{store_url}"\n[queue]\nredis_url = ""\n'
        f'[[alerts.hooks]]\nkind = "webhook"\nurl = "{hook["url"]}"\n',
        encoding="utf-8",
    )
    when = datetime(2026, 11, 29, 4, 0, tzinfo=UTC)

    async def enqueue() -> None:
        async with open_store(store_url) as store, store.session() as session, session.begin():
            for key, hooks in (("a", [hook]), ("b", [hook]), ("c", [gone])):
                await outbox.enqueue(
                    session, store, [HookConfig.model_validate(h) for h in hooks],
                    key=key, code="5301000041", payload={"event": "outage_report_due"}, now=when,
                )  # fmt: skip

    asyncio.run(enqueue())
    code, out = _invoke({}, "--config", str(config), "status", "--json")
    assert code == 0, out
    alerts = json.loads(out)["alerts"]
    assert "s3cretvalue" not in out
    ((label, waiting),) = alerts["waiting"].items()
    assert label.startswith("webhook http://127.0.0.1:9/hook")
    assert waiting["messages"] == 2
    assert datetime.fromisoformat(waiting["oldest"]) == when
    assert alerts["orphaned"] == 1
    code, text = _invoke({}, "--config", str(config), "status")
    assert code == 0 and "alerts     waiting webhook http://127.0.0.1:9/hook" in text
    assert "kept for hooks no longer configured: 1" in text and "s3cretvalue" not in text
