"""GET /api/reports/{quarter} on the service's application, over real HTTP."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web
from notice_store import ANNEX2, ANNEX3, build_notice_store
from openpyxl import load_workbook

from crawler.config import Settings
from crawler.reports import Quarter, save_named
from crawler.reports.tables import UNQUALIFIED_HEADERS
from crawler.store import Store
from crawler.web.app import build_app


@pytest.fixture
async def base(store: Store) -> AsyncIterator[tuple[str, str]]:
    notice = await build_notice_store(store)
    await save_named(store, Quarter(2016, 3), notice.previous, "notice 2016Q3")
    runner = web.AppRunner(build_app(store, Settings(store={"url": store.url})))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    yield f"http://{host}:{port}", notice.evidence_sha
    await runner.cleanup()


async def _get(url: str) -> tuple[int, str, bytes, aiohttp.typedefs.LooseHeaders]:
    async with aiohttp.ClientSession() as http, http.get(url) as resp:
        return resp.status, resp.content_type, await resp.read(), resp.headers


async def test_report_json_has_the_notice_rows(base: tuple[str, str]) -> None:
    url, _ = base
    async with aiohttp.ClientSession() as http, http.get(f"{url}/api/reports/2016Q4") as resp:
        assert resp.status == 200
        body = await resp.json()
    assert body["quarter"] == "2016Q4" and body["label"] == "2016年第四季度"
    rows = [
        (r["seq"], r["region"], r["name"], r["problems"], r["code"]) for r in body["unqualified"]
    ]
    assert rows == ANNEX2
    follow = [
        (r["seq"], r["region"], r["name"], r["status_label"], r["code"]) for r in body["follow_up"]
    ]
    assert follow == ANNEX3
    assert body["figures"]["listed"] == 15 and body["figures"]["zhaocuo_share"] == 19 / 40
    assert body["unqualified"][0]["trace"]["result_id"] > 0


async def test_report_xlsx_download_and_the_evidence_it_cites(base: tuple[str, str]) -> None:
    url, sha = base
    status, ctype, body, headers = await _get(f"{url}/api/reports/2016Q4.xlsx")
    assert status == 200 and ctype.endswith("spreadsheetml.sheet")
    assert "report-2016Q4.xlsx" in headers["Content-Disposition"]
    ws = load_workbook(io.BytesIO(body))["不合格网站名单"]
    assert tuple(c.value for c in ws[2][:5]) == UNQUALIFIED_HEADERS
    link = ws.cell(row=3, column=10).value  # 证据链接 of row 1
    assert link == f"/sites/5301000041/evidence/{sha}"  # served by the status page

    status, ctype, page, headers = await _get(f"{url}{link}")
    assert status == 200 and ctype == "text/html"
    assert "旧闻" in page.decode() and "sandbox" in headers["Content-Security-Policy"]


async def test_status_page_links_the_current_quarters_workbook(base: tuple[str, str]) -> None:
    url, _ = base
    status, _, page, _ = await _get(f"{url}/")
    assert status == 200 and 'href="/api/reports/current.xlsx"' in page.decode()
    status, ctype, body, _ = await _get(f"{url}/api/reports/current.xlsx")
    assert status == 200 and ctype.endswith("spreadsheetml.sheet")
    assert load_workbook(io.BytesIO(body)).sheetnames[0] == "不合格网站名单"


async def test_bad_requests_are_named(base: tuple[str, str]) -> None:
    url, _ = base
    status, _, body, _ = await _get(f"{url}/api/reports/2016Q5")
    assert status == 400 and "expected YEARQn" in body.decode()
    status, _, body, _ = await _get(f"{url}/api/reports/2016Q4.pdf")
    assert status == 400 and "choose json, xlsx or md" in body.decode()
    status, _, body, _ = await _get(f"{url}/api/reports")
    assert status == 200 and b"/api/reports/" in body
