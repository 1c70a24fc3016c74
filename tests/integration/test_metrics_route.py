"""GET /metrics on a real store: per-site series from the latest results, removed sites gone."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client.parser import text_string_to_metric_families
from service_kit import record_week_of_probes
from sqlalchemy import text

from crawler.config import Settings
from crawler.recorder import Recorded, record
from crawler.registry import import_sites
from crawler.result import HomepageResult, Problem, SiteResult
from crawler.site import Site, SiteStatus
from crawler.store import Store
from crawler.web.keys import SETTINGS, STORE
from crawler.web.metrics_route import METRICS, setup_metrics

SITES = [
    Site(code="5306250038", name="永善县人民政府", region="昭通", url="http://127.1.0.9/"),
    Site(code="5301000043", name="昆明市外事办", region="昆明", url="http://127.1.0.10/"),
]


def _result(site: Site) -> SiteResult:
    return SiteResult(
        code=site.code,
        name=site.name,
        region=site.region,
        url=site.url,
        status=SiteStatus.OPEN,
        checked_at=datetime.now(UTC),
        homepage=HomepageResult(latest_update=datetime.now(UTC).date()),
        problems=[
            Problem(kind="broken_links", label="错误链接", veto=False, level="problem", detail="d")
        ],
        verdict="unqualified",
    )


def _codes(body: str, name: str) -> set[str]:
    return {
        s.labels["code"]
        for family in text_string_to_metric_families(body)
        for s in family.samples
        if s.name == name
    }


async def test_scrape_follows_the_registry(store: Store) -> None:
    await import_sites(store, SITES, file_name="t.csv", file_sha256="0" * 64)
    await record(store, [Recorded(f"t:{s.code}", "inspection", _result(s)) for s in SITES])
    app = web.Application()
    app[STORE] = store
    app[SETTINGS] = Settings()
    setup_metrics(app, refresh_every=3600)
    async with TestClient(TestServer(app)) as client:
        response = await client.get("/metrics")
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain")
        body = await response.text()
        assert _codes(body, "govcrawl_site_qualified") == {s.code for s in SITES}
        assert _codes(body, "govcrawl_site_problems") == {s.code for s in SITES}
        assert "# TYPE govcrawl_job_duration_seconds histogram" in body  # the fleet registry too

        await import_sites(store, SITES[:1], file_name="t2.csv", file_sha256="1" * 64, prune=True)
        await app[METRICS].refresh(app)
        body = await (await client.get("/metrics")).text()
        assert _codes(body, "govcrawl_site_qualified") == {SITES[0].code}
        assert _codes(body, "govcrawl_site_problems") == {SITES[0].code}


async def test_scrape_survives_a_store_failure(store: Store) -> None:
    await import_sites(store, SITES, file_name="t.csv", file_sha256="0" * 64)
    await record(store, [Recorded(f"t:{s.code}", "inspection", _result(s)) for s in SITES])
    app = web.Application()
    app[STORE] = store
    app[SETTINGS] = Settings()
    setup_metrics(app, refresh_every=0.001)  # every scrape finds the snapshot stale
    async with TestClient(TestServer(app)) as client:
        await app[METRICS].refresh(app)
        async with store.session() as session, session.begin():
            await session.execute(text("ALTER TABLE sites RENAME TO sites_away"))
        try:
            response = await client.get("/metrics")
            assert response.status == 200
            body = await response.text()
            assert _codes(body, "govcrawl_site_qualified") == {s.code for s in SITES}
            assert "# TYPE govcrawl_probes_total counter" in body
        finally:
            async with store.session() as session, session.begin():
                await session.execute(text("ALTER TABLE sites_away RENAME TO sites"))


async def test_the_service_app_serves_metrics_and_status_page(store: Store) -> None:
    from crawler.web.app import build_app

    await import_sites(store, SITES, file_name="t.csv", file_sha256="0" * 64)
    await record(store, [Recorded(f"t:{s.code}", "inspection", _result(s)) for s in SITES])
    app = build_app(store, Settings())
    async with TestClient(TestServer(app)) as client:
        body = await (await client.get("/metrics")).text()
        assert _codes(body, "govcrawl_site_qualified") == {s.code for s in SITES}
        page = await client.get("/")
        assert page.status == 200
        html = await page.text()
        assert f'href="/sites/{SITES[0].code}"' in html
        report = await client.get("/api/reports/current.xlsx")  # the download link works
        assert "/api/reports/current.xlsx" in html and report.status == 200


async def test_site_unreachable_is_the_week_of_probes_under_the_configured_rule(
    store: Store, tmp_path: Path
) -> None:
    """Inspected fine, but 7 of the week's 140 probes failed: 5 %, the census veto. With
    the operator's rules file raising the veto share to 10 %, the same week is a warning."""
    site = SITES[1]
    await import_sites(store, SITES, file_name="t.csv", file_sha256="0" * 64)
    fine = _result(site).model_copy(update={"problems": [], "verdict": "qualified"})
    await record(store, [Recorded(f"t:{site.code}", "inspection", fine)])
    now = datetime.now(UTC)
    await record_week_of_probes(store, site, now)
    rules_file = tmp_path / "rules.yaml"
    rules_file.write_text("availability:\n  veto_failed_share: 0.10\n", encoding="utf-8")

    seen = []
    for settings in (Settings(), Settings(rules={"file": rules_file})):
        app = web.Application()
        app[STORE] = store
        app[SETTINGS] = settings
        setup_metrics(app, refresh_every=3600)
        async with TestClient(TestServer(app)) as client:
            body = await (await client.get("/metrics")).text()
        samples = {
            (s.name, s.labels.get("kind"), s.labels.get("level")): s.value
            for family in text_string_to_metric_families(body)
            for s in family.samples
            if s.labels.get("code") == site.code
        }
        seen.append(
            (
                samples[("govcrawl_site_qualified", None, None)],
                {k[2] for k in samples if k[:2] == ("govcrawl_site_problems", "site_unreachable")},
            )
        )
    assert seen == [(0.0, {"veto"}), (1.0, {"warning"})]
