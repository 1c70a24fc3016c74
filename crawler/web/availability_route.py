"""Availability over HTTP: outage windows, per-site census share, the monitor's own state,
and planned maintenance (adding and removing it needs the bearer token).

    GET    /api/outages?open=1&over=24h&since=ISO&until=ISO
    GET    /api/availability?codes=A,B            census share and live state per site
    GET    /api/monitor                           is govcrawl itself cut off?
    GET    /api/maintenance?all=1
    POST   /api/maintenance   {"code"| "region", "from", "until", "reason"}   (token)
    DELETE /api/maintenance/{id}                                              (token)
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime

from aiohttp import web

from crawler.availability import (
    add_maintenance,
    availability_for,
    census_rule,
    list_maintenance,
    monitor_status,
    outage_windows,
    remove_maintenance,
    unreachable_problem,
)
from crawler.config import parse_duration
from crawler.web.api import BadParameter, json_response, require_token
from crawler.web.keys import SETTINGS, STORE


def _when(raw: str | None, name: str, request: web.Request) -> datetime | None:
    if raw is None or raw == "":
        return None
    from crawler.availability_cli import parse_when

    try:
        return parse_when(str(raw), request.app[SETTINGS].tz)
    except ValueError as exc:
        raise BadParameter(name, str(exc)) from None


async def get_outages(request: web.Request) -> web.Response:
    over = request.query.get("over")
    try:
        min_duration = parse_duration(over) if over else None
    except ValueError as exc:
        raise BadParameter("over", str(exc)) from None
    windows = await outage_windows(
        request.app[STORE],
        open_only=request.query.get("open", "") in ("1", "true", "yes"),
        min_duration=min_duration,
        since=_when(request.query.get("since"), "since", request),
        until=_when(request.query.get("until"), "until", request),
    )
    return json_response([w.model_dump(mode="json") for w in windows])


async def get_availability(request: web.Request) -> web.Response:
    raw = request.query.get("codes")
    codes = [c.strip() for c in raw.split(",") if c.strip()] if raw else None
    rule = census_rule(request.app[SETTINGS])
    found = await availability_for(request.app[STORE], codes, datetime.now(UTC), rule=rule)
    return json_response(
        {
            code: asdict(avail) | {"problem": unreachable_problem(avail)}
            for code, avail in found.items()
        }
    )


async def get_monitor(request: web.Request) -> web.Response:
    status = monitor_status()
    return json_response(
        {"offline": status.offline, "since": status.since, "checked_at": status.checked_at}
    )


async def get_maintenance(request: web.Request) -> web.Response:
    include_past = request.query.get("all", "") in ("1", "true", "yes")
    items = await list_maintenance(request.app[STORE], include_past=include_past)
    return json_response([i.model_dump(mode="json") for i in items])


async def post_maintenance(request: web.Request) -> web.Response:
    require_token(request)
    try:
        body = await request.json()
    except ValueError:
        raise BadParameter("body", "not JSON") from None
    if not isinstance(body, dict):
        raise BadParameter("body", "expected a JSON object")
    starts = _when(body.get("from") or "now", "from", request)
    ends = _when(body.get("until"), "until", request)
    if ends is None:
        raise BadParameter("until", "required")
    try:
        item = await add_maintenance(
            request.app[STORE],
            code=body.get("code") or None,
            region=body.get("region") or None,
            starts_at=starts or datetime.now(UTC),
            ends_at=ends,
            reason=str(body.get("reason") or ""),
        )
    except ValueError as exc:
        raise BadParameter("body", str(exc)) from None
    return json_response(item.model_dump(mode="json"), 201)


async def delete_maintenance(request: web.Request) -> web.Response:
    require_token(request)
    try:
        maintenance_id = int(request.match_info["id"])
    except ValueError:
        raise BadParameter("id", "not a number") from None
    if not await remove_maintenance(request.app[STORE], maintenance_id):
        return json_response({"error": f"no maintenance window {maintenance_id}"}, 404)
    return json_response({"removed": maintenance_id})


def setup_availability(app: web.Application) -> None:
    app.router.add_get("/api/outages", get_outages)
    app.router.add_get("/api/availability", get_availability)
    app.router.add_get("/api/monitor", get_monitor)
    app.router.add_get("/api/maintenance", get_maintenance)
    app.router.add_post("/api/maintenance", post_maintenance)
    app.router.add_delete("/api/maintenance/{id}", delete_maintenance)
