"""Status page routes on a real store: overview, site page, evidence shown sandboxed, 404s."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from selectolax.lexbor import LexborHTMLParser

from crawler.alerts import outbox
from crawler.config import HookConfig, Settings
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
        assert overview.css_first("#alerts-waiting") is None  # no hook, nothing waits

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


async def test_overview_names_a_hook_whose_messages_wait(store: Store) -> None:
    """A message waiting an hour for its hook is on the duty overview (the hook's URL
    masked); one enqueued a moment ago is still being tried and is not."""
    hook = HookConfig(kind="webhook", url="http://127.0.0.1:9/hook?token=s3cretvalue")
    fresh = HookConfig(kind="webhook", url="http://127.0.0.1:9/other")
    settings = Settings(alerts={"hooks": [hook, fresh]})  # type: ignore[arg-type]
    now = datetime.now(UTC)
    async with store.session() as session, session.begin():
        for key, hooks, at in (
            ("a", [hook], now - timedelta(hours=1)),
            ("b", [hook], now),
            ("c", [fresh], now),
        ):
            await outbox.enqueue(
                session, store, hooks, key=key, code=SITE.code,
                payload={"event": "outage_report_due"}, now=at,
            )  # fmt: skip
    app = web.Application()
    app[STORE], app[SETTINGS] = store, settings
    setup_status_page(app)
    async with TestClient(TestServer(app)) as client:
        html = await (await client.get("/")).text()
    assert "s3cretvalue" not in html
    notice = LexborHTMLParser(html).css_first("#alerts-waiting")
    assert notice is not None
    (line,) = [li.text() for li in notice.css("li")]
    assert line.startswith("webhook http://127.0.0.1:9/hook") and "2 条待送达" in line
    assert "1小时" in line
