"""The JSON API: sites, their latest result and history, problems, rechecks.

Lists are paginated with ``limit`` (default 100, at most 1000) and ``offset``; a bad
parameter is a 400 naming it. Mutating endpoints need ``Authorization: Bearer <http.token>``.
"""

from __future__ import annotations

import hmac
import json
from datetime import UTC, date, datetime, tzinfo
from typing import Any, Protocol

from aiohttp import web
from sqlalchemy import func, select

from crawler.availability import monitor_status
from crawler.registry import load_sites
from crawler.result import ProblemKind, SiteResult
from crawler.site import Site, SiteStatus
from crawler.store.models import ResultRow, SiteRow
from crawler.web.current import site_results
from crawler.web.keys import SETTINGS, STORE, share_results

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
HISTORY_KINDS = ("inspection", "probe")


class ServiceHandle(Protocol):
    """What the running service offers the HTTP side (absent when only the API is served)."""

    async def readiness(self) -> dict[str, bool]: ...
    async def recheck(self, code: str) -> tuple[str, bool] | None: ...
    def reload_registry(self) -> None: ...
    async def describe(self) -> dict[str, Any]: ...


SERVICE = web.AppKey("service", ServiceHandle)


class BadParameter(web.HTTPBadRequest):
    def __init__(self, name: str, message: str) -> None:
        super().__init__(
            text=_dumps({"error": f"{name}: {message}", "parameter": name}),
            content_type="application/json",
        )


def _dumps(data: Any) -> str:
    """The JSON of every route: Chinese as is, times in ISO 8601, anything else as text."""
    return json.dumps(data, ensure_ascii=False, default=_plain)


def _plain(value: Any) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)


def json_response(data: Any, status: int = 200) -> web.Response:
    return web.Response(text=_dumps(data), status=status, content_type="application/json")


def _int(request: web.Request, name: str, default: int, low: int, high: int | None) -> int:
    raw = request.query.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadParameter(name, f"{raw!r} is not an integer") from None
    if value < low or (high is not None and value > high):
        bound = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise BadParameter(name, f"must be {bound}, not {value}")
    return value


def page_params(request: web.Request) -> tuple[int, int]:
    return (
        _int(request, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT),
        _int(request, "offset", 0, 0, None),
    )


def _choice(request: web.Request, name: str, allowed: tuple[str, ...]) -> str | None:
    raw = request.query.get(name)
    if raw is None or raw == "":
        return None
    if raw not in allowed:
        raise BadParameter(name, f"{raw!r} is not one of {', '.join(allowed)}")
    return raw


def _bool(request: web.Request, name: str) -> bool | None:
    raw = request.query.get(name)
    if raw is None or raw == "":
        return None
    if raw.lower() in ("true", "1", "yes"):
        return True
    if raw.lower() in ("false", "0", "no"):
        return False
    raise BadParameter(name, f"{raw!r} is not true or false")


def _page(items: list, total: int, limit: int, offset: int) -> dict[str, Any]:
    return {"total": total, "limit": limit, "offset": offset, "items": items}


def _aware(value: datetime | None, tz: tzinfo) -> str | None:
    """In the configured zone. Times are stored in UTC and SQLite drops the offset, so a
    naive value is UTC."""
    if value is None:
        return None
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(tz).isoformat()


def _site_json(site: Site) -> dict[str, Any]:
    return {
        "code": site.code,
        "name": site.name,
        "region": site.region,
        "url": site.url,
        "department": site.department,
        "status": site.status.value,
    }


def require_token(request: web.Request) -> None:
    token = request.app[SETTINGS].http.token.get_secret_value()
    given = request.headers.get("Authorization", "")
    scheme, _, value = given.partition(" ")
    if not token or scheme.lower() != "bearer" or not hmac.compare_digest(value.strip(), token):
        raise web.HTTPUnauthorized(
            text=_dumps({"error": "a valid bearer token (http.token) is required"}),
            content_type="application/json",
            headers={"WWW-Authenticate": 'Bearer realm="govcrawl"'},
        )


# ------------------------------------------------------------------------ queries


async def _current(request: web.Request, codes: list[str]) -> dict[str, SiteResult]:
    results, _ = await site_results(request.app, codes, datetime.now(UTC))
    return results


# ------------------------------------------------------------------------ handlers


async def healthz(request: web.Request) -> web.Response:
    return json_response({"status": "alive"})


async def readyz(request: web.Request) -> web.Response:
    checks: dict[str, bool] = {}
    try:
        async with request.app[STORE].session() as session:
            await session.execute(select(1))
        checks["store"] = True
    except Exception:  # any failure to reach the store means not ready
        checks["store"] = False
    service = request.app.get(SERVICE)
    if service is not None:
        checks.update(await service.readiness())
    # Cut off from the Internet, the monitor cannot tell a down site from its own uplink.
    monitor = monitor_status()
    checks["monitor_online"] = not monitor.offline
    ready = all(checks.values())
    body: dict[str, Any] = {"ready": ready, "checks": checks}
    if monitor.offline:
        body["monitor_offline_since"] = monitor.since.isoformat() if monitor.since else None
    return json_response(body, 200 if ready else 503)


async def list_sites(request: web.Request) -> web.Response:
    tz = request.app[SETTINGS].tz
    limit, offset = page_params(request)
    status = _choice(request, "status", tuple(s.value for s in SiteStatus))
    region = request.query.get("region") or None
    sites = await load_sites(request.app[STORE])
    if status:
        sites = [s for s in sites if s.status.value == status]
    if region:
        sites = [s for s in sites if s.region == region]
    chosen = sites[offset : offset + limit]
    latest = await _current(request, [s.code for s in chosen])
    items = []
    for site in chosen:
        result = latest.get(site.code)
        items.append(
            _site_json(site)
            | {
                "checked_at": _aware(result.checked_at, tz) if result else None,
                "verdict": result.verdict if result else "not_checked",
                "reachable": result.reachable if result else None,
            }
        )
    return json_response(_page(items, len(sites), limit, offset))


async def _site_or_404(request: web.Request) -> SiteRow:
    code = request.match_info["code"]
    async with request.app[STORE].session() as session:
        row = await session.get(SiteRow, code)
    if row is None:
        raise web.HTTPNotFound(
            text=_dumps({"error": f"no registered site {code}"}), content_type="application/json"
        )
    return row


async def site_detail(request: web.Request) -> web.Response:
    site = await _site_or_404(request)
    result = (await _current(request, [site.code])).get(site.code)
    if result is not None:
        return json_response(result.model_dump(mode="json"))
    # registered, not inspected yet: the contract's shape, not checked
    return json_response(
        {
            "code": site.code,
            "name": site.name,
            "region": site.region,
            "url": site.url,
            "status": site.status,
            "checked_at": None,
            "verdict": "not_checked",
            "problems": [],
        }
    )


async def site_history(request: web.Request) -> web.Response:
    tz = request.app[SETTINGS].tz
    site = await _site_or_404(request)
    limit, offset = page_params(request)
    kind = _choice(request, "kind", HISTORY_KINDS)
    where = [ResultRow.code == site.code]
    if kind:
        where.append(ResultRow.kind == kind)
    async with request.app[STORE].session() as session:
        total = await session.scalar(select(func.count()).select_from(ResultRow).where(*where))
        rows = (
            await session.execute(
                select(ResultRow)
                .where(*where)
                .order_by(ResultRow.checked_at.desc(), ResultRow.id.desc())
                .limit(limit)
                .offset(offset)
            )
        ).scalars()
        items = [
            {
                "job_id": row.job_id,
                "kind": row.kind,
                "checked_at": _aware(row.checked_at, tz),
                "verdict": row.verdict,
                "reachable": row.reachable,
                "problems": [p["kind"] for p in (row.payload or {}).get("problems", [])],
            }
            for row in rows
        ]
    return json_response(_page(items, int(total or 0), limit, offset))


async def problems(request: web.Request) -> web.Response:
    tz = request.app[SETTINGS].tz
    limit, offset = page_params(request)
    kind = _choice(request, "kind", tuple(k.value for k in ProblemKind))
    region = request.query.get("region") or None
    veto = _bool(request, "veto")
    sites = {s.code: s for s in await load_sites(request.app[STORE])}
    shown = sorted(code for code, site in sites.items() if region in (None, site.region))
    latest = await _current(request, shown)
    found: list[dict[str, Any]] = []
    for code in shown:
        site, result = sites[code], latest.get(code)
        if result is None:
            continue
        for problem in result.problems:
            if kind and problem.kind != kind:
                continue
            if veto is not None and problem.veto != veto:
                continue
            found.append(
                {
                    "code": code,
                    "name": site.name,
                    "region": site.region,
                    "url": site.url,
                    "checked_at": _aware(result.checked_at, tz),
                }
                | problem.model_dump(mode="json")
            )
    return json_response(_page(found[offset : offset + limit], len(found), limit, offset))


async def recheck(request: web.Request) -> web.Response:
    require_token(request)
    site = await _site_or_404(request)
    service = request.app.get(SERVICE)
    if service is None:
        return json_response({"error": "no scheduler runs in this process"}, 503)
    asked = await service.recheck(site.code)
    if asked is None:
        return json_response(
            {"error": f"site {site.code} is not scheduled yet; try again shortly"}, 409
        )
    job_id, queued = asked
    if not queued:
        # One inspection of a site at a time: the one under way answers this request.
        return json_response(
            {"queued": False, "job_id": job_id, "reason": "already under way"}, 200
        )
    return json_response({"queued": True, "job_id": job_id}, 202)


async def reload_registry(request: web.Request) -> web.Response:
    require_token(request)
    service = request.app.get(SERVICE)
    if service is None:
        return json_response({"error": "no scheduler runs in this process"}, 503)
    service.reload_registry()
    return json_response({"reloading": True}, 202)


async def service_state(request: web.Request) -> web.Response:
    service = request.app.get(SERVICE)
    if service is None:
        return json_response({"error": "no scheduler runs in this process"}, 503)
    return json_response(await service.describe())


def setup_api(app: web.Application) -> None:
    share_results(app)
    app.router.add_get("/api/service", service_state)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/api/sites", list_sites)
    app.router.add_get("/api/sites/{code}", site_detail)
    app.router.add_get("/api/sites/{code}/history", site_history)
    app.router.add_get("/api/problems", problems)
    app.router.add_post("/api/sites/{code}/recheck", recheck)
    app.router.add_post("/api/registry/reload", reload_registry)
