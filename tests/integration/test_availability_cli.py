"""`govcrawl outages`, `outages export`, `maintenance`, `alerts test` end to end."""

from __future__ import annotations

import asyncio
import csv
import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from crawler.availability import handle_probes
from crawler.cli import cli
from crawler.config import Settings
from crawler.probe import ProbeResult
from crawler.registry import import_sites
from crawler.site import Site
from crawler.store import open_store

NOW = datetime.now(UTC).replace(microsecond=0)
LONG, SHORT, OPEN = "5301000041", "5301000043", "5325230002"
SITES = [
    Site(LONG, "昆明市人民政府外事侨务办公室", "昆明", "http://wqb.km.gov.cn/", "昆明市人民政府"),
    Site(SHORT, "昆明市人民政府法制办公室", "昆明", "http://fzb.km.gov.cn/"),
    Site(OPEN, "云南省屏边县教育局", "红河", "https://jyj.pb.gov.cn/"),
]


def _probe(code: str, hours_ago: float, ok: bool) -> tuple[str, ProbeResult]:
    at = NOW - timedelta(hours=hours_ago)
    result = ProbeResult(code=code, url="http://x/", at=at, outcome="ok" if ok else "timeout",
                         error="" if ok else "timeout: no complete answer")  # fmt: skip
    return f"{code}:{hours_ago}", result


async def _fill(store_url: str) -> None:
    settings = Settings(probe={"reference_urls": []})  # type: ignore[arg-type]
    async with open_store(store_url) as store:
        await import_sites(store, SITES, file_name="t.csv", file_sha256="0" * 64)
        timeline = [
            (LONG, 60, False), (LONG, 59.9, False), (LONG, 30, False), (LONG, 20, True),  # 40 h
            (SHORT, 10, False), (SHORT, 9.9, False), (SHORT, 9, True),  # 1 h
            (OPEN, 30, False), (OPEN, 29.9, False), (OPEN, 1, False),  # open for 30 h
        ]  # fmt: skip
        for code, ago, ok in sorted(timeline, key=lambda t: -t[1]):
            job = _probe(code, ago, ok)
            await handle_probes(store, settings, [job], job[1].at)
        await handle_probes(store, settings, [], NOW)


@pytest.fixture
def filled(store_url: str) -> str:
    asyncio.run(_fill(store_url))
    return store_url


def _invoke(store_url: str, *args: str, env: dict | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(
        cli, list(args), env={"GOVCRAWL_STORE__URL": store_url, **(env or {})}
    )
    return result.exit_code, result.output


def test_outages_json_filters(filled: str) -> None:
    code, out = _invoke(filled, "outages", "--json")
    assert code == 0, out
    windows = json.loads(out)
    assert [w["code"] for w in windows] == [LONG, OPEN, SHORT]
    long = windows[0]
    assert long["duration_s"] == 40 * 3600 and long["reported"] is True
    assert long["region"] == "昆明" and long["name"].startswith("昆明市")
    assert set(long) >= {"code", "name", "region", "started_at", "ended_at", "duration_s",
                         "cause", "reported"}  # fmt: skip
    assert windows[1]["ended_at"] is None and windows[1]["reported"] is True

    code, out = _invoke(filled, "outages", "--open", "--json")
    assert [w["code"] for w in json.loads(out)] == [OPEN]
    code, out = _invoke(filled, "outages", "--over", "24h", "--json")
    assert [w["code"] for w in json.loads(out)] == [LONG, OPEN]
    code, out = _invoke(filled, "outages")
    assert code == 0 and "未恢复" in out
    code, out = _invoke(filled, "outages", "--over", "soon")
    assert code != 0 and "not a duration" in out


def test_export_xlsx_and_csv(filled: str, tmp_path: Path) -> None:
    code, out = _invoke(filled, "outages", "export", "--out", str(tmp_path / "r.xlsx"))
    assert code == 0 and "2 outage windows" in out, out
    sheet = load_workbook(tmp_path / "r.xlsx").active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("序号", "州、市/部门", "网站名称", "网站标识码")
    assert [r[3] for r in rows[1:]] == [LONG, OPEN]
    assert rows[1][8] == 40.0 and rows[1][9] == "访问超时" and rows[2][7] == "未恢复"
    assert rows[1][4] == "昆明市人民政府"

    code, out = _invoke(filled, "outages", "export", "--out", str(tmp_path / "r.csv"),
                        "--over", "30m")  # fmt: skip
    assert code == 0, out
    with (tmp_path / "r.csv").open(encoding="utf-8-sig") as fh:
        lines = list(csv.reader(fh))
    assert len(lines) == 4 and lines[0][0] == "序号"


def test_maintenance_add_list_remove(filled: str) -> None:
    until = (NOW + timedelta(hours=2)).isoformat()
    code, out = _invoke(filled, "maintenance", "add", LONG, "--until", until, "--reason", "改版")
    assert code == 0, out
    mid = out.split()[1].rstrip(":")
    code, out = _invoke(filled, "maintenance", "add", "--region", "红河", "--from",
                        "2026-12-01T08:00", "--until", "2026-12-01T12:00")  # fmt: skip
    assert code == 0, out
    code, out = _invoke(filled, "maintenance", "list", "--json")
    items = json.loads(out)
    assert [(i["code"], i["region"]) for i in items] == [(LONG, None), (None, "红河")]
    assert items[1]["starts_at"] == "2026-12-01T00:00:00Z"  # 08:00 Asia/Shanghai
    code, out = _invoke(filled, "maintenance", "add", "5399999999", "--until", until)
    assert code != 0 and "no registered site" in out
    code, out = _invoke(filled, "maintenance", "add", LONG, "--until", "2020-01-01")
    assert code != 0 and "before it starts" in out
    code, out = _invoke(filled, "maintenance", "remove", mid)
    assert code == 0, out
    code, out = _invoke(filled, "maintenance", "remove", mid)
    assert code != 0


class _Hook(BaseHTTPRequestHandler):
    got: ClassVar[list[dict]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Hook.got.append(json.loads(body))
        self.send_response(200 if self.path.startswith("/ok") else 500)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"errcode": 0}')

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def hook_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_alerts_test_reports_each_hook(tmp_path: Path, hook_server: str) -> None:
    _Hook.got.clear()
    cfg = tmp_path / "g.toml"
    cfg.write_text(
        f'[[alerts.hooks]]\nkind = "webhook"\nurl = "{hook_server}/ok?token=s3cr3t"\n'
        f'[[alerts.hooks]]\nkind = "wecom"\nurl = "{hook_server}/broken?key=s3cr3t"\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["--config", str(cfg), "alerts", "test"])
    assert result.exit_code == 1
    assert "ok      webhook" in result.output and "FAILED  wecom" in result.output
    assert "s3cr3t" not in result.output
    assert _Hook.got[0]["event"] == "test" and "markdown" in _Hook.got[1]
