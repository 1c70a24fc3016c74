"""The HTTP API against a real store: every endpoint, the 401, the 400s and pagination."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import aiohttp
import pytest
from aiohttp import web
from selectolax.lexbor import LexborHTMLParser
from service_kit import TOKEN, record_week_of_probes, register, service_settings

from crawler.recorder import Recorded, record
from crawler.result import Problem, ProblemKind, SiteResult
from crawler.site import Site, SiteStatus
from crawler.store import Store
from crawler.web.app import build_app

REGIONS = ("昆明", "红河", "大理")


def _sites() -> list[Site]:
    return [
        Site(
            code=f"53{i:08d}",
            name=f"测试网站{i}",
            region=REGIONS[i % 3],
            url=f"http://127.9.0.{i + 1}/",
            status=SiteStatus.TEMPORARILY_CLOSED if i == 4 else SiteStatus.OPEN,
        )
        for i in range(12)
    ]


def _result(site: Site, when: datetime, problems: list[Problem]) -> SiteResult:
    return SiteResult(
        code=site.code,
        name=site.name,
        region=site.region,
        url=site.url,
        status=site.status,
        checked_at=when,
        reachable=True,
        problems=problems,
        verdict="unqualified" if any(p.veto for p in problems) else "qualified",
    )


STALE = Problem(
    kind=ProblemKind.HOMEPAGE_STALE, label="首页长期不更新", veto=True, level="veto", detail="d"
)
BLANK = Problem(
    kind=ProblemKind.BLANK_COLUMNS, label="多个栏目为空白", veto=False, level="warning", detail="d"
)


@pytest.fixture
async def api(store: Store) -> AsyncIterator[tuple[str, list[Site]]]:
    sites = _sites()
    await register(store, sites)
    then = datetime(2026, 11, 1, tzinfo=UTC)
    items = []
    for i, site in enumerate(sites[:10]):
        # Two inspections each: the API must show the newer one.
        items.append(Recorded(f"t:old:{site.code}", "inspection", _result(site, then, [BLANK])))
        newer = [STALE] if i % 2 == 0 else []
        items.append(
            Recorded(
                f"t:new:{site.code}",
                "inspection",
                _result(site, then + timedelta(days=1), [*newer, BLANK]),
            )
        )
    await record(store, items)
    settings = service_settings(store.url)
    runner = web.AppRunner(build_app(store, settings))
    await runner.setup()
    tcp = web.TCPSite(runner, "127.0.0.1", 0)
    await tcp.start()
    host, port = runner.addresses[0][:2]
    yield f"http://{host}:{port}", sites
    await runner.cleanup()


async def _get(url: str, **kw: object) -> tuple[int, object]:
    async with aiohttp.ClientSession() as http, http.get(url, **kw) as resp:  # type: ignore[arg-type]
        body = await resp.json() if resp.content_type == "application/json" else await resp.text()
        return resp.status, body


async def _post(url: str, token: str | None = None) -> tuple[int, dict]:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    async with aiohttp.ClientSession() as http, http.post(url, headers=headers) as resp:
        return resp.status, await resp.json()


async def test_health_ready_and_metrics(api: tuple[str, list[Site]]) -> None:
    base, _ = api
    assert await _get(f"{base}/healthz") == (200, {"status": "alive"})
    status, body = await _get(f"{base}/readyz")
    assert status == 200 and body == {
        "ready": True,
        "checks": {"store": True, "monitor_online": True},
    }
    status, text = await _get(f"{base}/metrics")
    assert status == 200 and isinstance(text, str)


async def test_sites_list_pagination_and_filters(api: tuple[str, list[Site]]) -> None:
    base, sites = api
    status, body = await _get(f"{base}/api/sites")
    assert status == 200 and body["total"] == 12 and body["limit"] == 100  # type: ignore[index]
    assert [s["code"] for s in body["items"]] == [s.code for s in sites]  # type: ignore[index]
    first = body["items"][0]  # type: ignore[index]
    assert first["verdict"] == "unqualified" and first["checked_at"].startswith("2026-11-02")
    assert body["items"][11]["verdict"] == "not_checked"  # type: ignore[index]

    _, page = await _get(f"{base}/api/sites", params={"limit": "5", "offset": "10"})
    assert (
        page["total"] == 12
        and [s["code"] for s in page["items"]]
        == [  # type: ignore[index]
            s.code for s in sites[10:]
        ]
    )
    _, region = await _get(f"{base}/api/sites", params={"region": "红河"})
    assert {s["region"] for s in region["items"]} == {"红河"} and region["total"] == 4  # type: ignore[index]
    _, closed = await _get(f"{base}/api/sites", params={"status": "temporarily_closed"})
    assert [s["code"] for s in closed["items"]] == [sites[4].code]  # type: ignore[index]


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ({"limit": "0"}, "limit"),
        ({"limit": "1001"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"offset": "-1"}, "offset"),
        ({"status": "closed"}, "status"),
    ],
)
async def test_bad_parameters_are_400s_naming_them(
    api: tuple[str, list[Site]], query: dict, parameter: str
) -> None:
    base, _ = api
    status, body = await _get(f"{base}/api/sites", params=query)
    assert status == 400 and body["parameter"] == parameter  # type: ignore[index]
    assert parameter in body["error"]  # type: ignore[index]


async def test_max_limit_is_accepted(api: tuple[str, list[Site]]) -> None:
    base, _ = api
    status, body = await _get(f"{base}/api/sites", params={"limit": "1000"})
    assert status == 200 and body["limit"] == 1000  # type: ignore[index]


async def test_site_detail_and_history(api: tuple[str, list[Site]]) -> None:
    base, sites = api
    status, body = await _get(f"{base}/api/sites/{sites[0].code}")
    assert status == 200
    assert SiteResult.model_validate(body).problems[0].kind == "homepage_stale"
    status, body = await _get(f"{base}/api/sites/{sites[11].code}")
    assert status == 200 and body["verdict"] == "not_checked"  # type: ignore[index]
    status, body = await _get(f"{base}/api/sites/5399999999")
    assert status == 404 and "5399999999" in body["error"]  # type: ignore[index]

    status, hist = await _get(f"{base}/api/sites/{sites[0].code}/history")
    assert status == 200 and hist["total"] == 2  # type: ignore[index]
    assert [h["job_id"] for h in hist["items"]] == [  # type: ignore[index]
        f"t:new:{sites[0].code}",
        f"t:old:{sites[0].code}",
    ]
    _, one = await _get(
        f"{base}/api/sites/{sites[0].code}/history", params={"limit": "1", "offset": "1"}
    )
    assert [h["job_id"] for h in one["items"]] == [f"t:old:{sites[0].code}"]  # type: ignore[index]
    status, bad = await _get(f"{base}/api/sites/{sites[0].code}/history", params={"kind": "x"})
    assert status == 400 and bad["parameter"] == "kind"  # type: ignore[index]
    status, _ = await _get(f"{base}/api/sites/5399999999/history")
    assert status == 404


async def test_problems_filters(api: tuple[str, list[Site]]) -> None:
    base, _ = api
    _, every = await _get(f"{base}/api/problems")
    assert every["total"] == 15  # 10 blank + 5 stale, newest inspections only  # type: ignore[index]
    _, veto = await _get(f"{base}/api/problems", params={"veto": "true"})
    assert veto["total"] == 5 and {p["kind"] for p in veto["items"]} == {"homepage_stale"}  # type: ignore[index]
    _, kind = await _get(f"{base}/api/problems", params={"kind": "blank_columns", "limit": "3"})
    assert kind["total"] == 10 and len(kind["items"]) == 3  # type: ignore[index]
    _, region = await _get(f"{base}/api/problems", params={"region": "昆明", "veto": "0"})
    assert region["total"] == 4 and {p["region"] for p in region["items"]} == {"昆明"}  # type: ignore[index]
    for query, name in (({"kind": "nope"}, "kind"), ({"veto": "maybe"}, "veto")):
        status, body = await _get(f"{base}/api/problems", params=query)
        assert status == 400 and body["parameter"] == name  # type: ignore[index]


async def test_mutations_need_the_bearer_token(api: tuple[str, list[Site]]) -> None:
    base, sites = api
    url = f"{base}/api/sites/{sites[0].code}/recheck"
    for token in (None, "wrong"):
        status, body = await _post(url, token)
        assert status == 401 and "token" in body["error"]
    status, _ = await _post(f"{base}/api/registry/reload")
    assert status == 401
    # The right token, but this app has no scheduler behind it.
    status, body = await _post(url, TOKEN)
    assert status == 503
    status, _ = await _post(f"{base}/api/sites/5399999999/recheck", TOKEN)
    assert status == 404
    status, _ = await _get(f"{base}/api/service")
    assert status == 503


async def test_every_reader_takes_site_unreachable_from_the_week_of_probes(
    api: tuple[str, list[Site]], store: Store
) -> None:
    """Inspected fine, but 7 of the week's 140 probes failed (5 %: the census veto): the
    site list, the site, the problem list and the status page all say so (the metrics:
    test_metrics_route)."""
    base, sites = api
    site = sites[1]  # its newest inspection: a blank-columns warning, qualified
    now = datetime.now(UTC)
    await record_week_of_probes(store, site, now)

    _, listed = await _get(f"{base}/api/sites", params={"limit": "2"})
    assert [s["verdict"] for s in listed["items"]] == ["unqualified", "unqualified"]  # type: ignore[index]
    _, detail = await _get(f"{base}/api/sites/{site.code}")
    result = SiteResult.model_validate(detail)
    assert result.verdict == "unqualified" and result.reachable is True
    assert [p.kind for p in result.problems] == ["site_unreachable", "blank_columns"]
    assert result.availability is not None
    assert (result.availability.probes, result.availability.failed) == (140, 7)
    _, found = await _get(f"{base}/api/problems", params={"kind": "site_unreachable"})
    assert [(p["code"], p["veto"]) for p in found["items"]] == [(site.code, True)]  # type: ignore[index]

    _, site_page = await _get(f"{base}/sites/{site.code}")
    week = LexborHTMLParser(site_page).css_first("#week")  # type: ignore[arg-type]
    assert week is not None
    assert "140 次，失败 7 次（5.0%）" in week.text() and "单项否决" in week.text()
    _, page = await _get(f"{base}/")
    unqualified = page.split("不合格网站", 1)[1]  # type: ignore[union-attr]
    assert site.name in unqualified and "站点无法访问" in unqualified
