"""Status page routes on a real store: overview, site page, evidence shown sandboxed, 404s."""

from __future__ import annotations

from datetime import UTC, datetime

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from selectolax.lexbor import LexborHTMLParser

from crawler.config import Settings
from crawler.recorder import EvidencePage, Recorded, record
from crawler.registry import import_sites
from crawler.result import Problem, SiteResult
from crawler.site import Site, SiteStatus
from crawler.store import Store
from crawler.web.keys import SETTINGS, STORE
from crawler.web.status_page import setup_status_page

SITE = Site(code="5306250038", name="永善县人民政府", region="昭通", url="http://127.1.0.9/")


async def test_site_page_and_evidence(store: Store) -> None:
    page = EvidencePage(
        url="http://127.1.0.9/", body="<html><script>x()</script>首页</html>".encode()
    )
    result = SiteResult(
        code=SITE.code,
        name=SITE.name,
        region=SITE.region,
        url=SITE.url,
        status=SiteStatus.OPEN,
        checked_at=datetime.now(UTC),
        reachable=True,
        problems=[
            Problem(
                kind="homepage_stale",
                label="首页长期不更新",
                veto=True,
                level="veto",
                detail="最新信息 2026-10-02，已 57 天未更新",
                evidence="http://127.1.0.9/",
            )
        ],
        verdict="unqualified",
        evidence={"http://127.1.0.9/": page.id},
    )
    await import_sites(store, [SITE], file_name="t.csv", file_sha256="0" * 64)
    await record(store, [Recorded("j1", "inspection", result, [page])])
    app = web.Application()
    app[STORE] = store
    app[SETTINGS] = Settings()
    setup_status_page(app)
    async with TestClient(TestServer(app)) as client:
        home = await client.get("/")
        assert home.status == 200 and "text/html" in home.headers["Content-Type"]
        overview = LexborHTMLParser(await home.text())
        assert overview.css_first("title").text() == "总览 · govcrawl"
        links = {a.attributes.get("href") for a in overview.css("main a")}
        assert f"/sites/{SITE.code}" in links
        assert {"/api/reports/current.xlsx", "/api/reports/previous.xlsx"} <= links

        detail = await (await client.get(f"/sites/{SITE.code}")).text()
        assert "已 57 天未更新" in detail
        assert f'href="/sites/{SITE.code}/evidence/{page.id}"' in detail

        evidence = await client.get(f"/sites/{SITE.code}/evidence/{page.id}")
        assert evidence.status == 200
        assert evidence.headers["Content-Security-Policy"].startswith("sandbox")
        assert await evidence.read() == page.body

        assert (await client.get("/sites/5300000000")).status == 404
        assert (await client.get("/sites/../etc")).status == 404
        assert (await client.get(f"/sites/{SITE.code}/evidence/{'0' * 64}")).status == 404
