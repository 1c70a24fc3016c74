"""GET /api/reports/{quarter}: the quarterly report as JSON, or as a file to download.

    /api/reports                      the current and previous quarters, with links
    /api/reports/2026Q4               JSON (report_json)
    /api/reports/2026Q4.xlsx          the workbook (one sheet per list, A4)
    /api/reports/2026Q4.md            Markdown for a notice draft
    /api/reports/current.xlsx         the quarter now running (also: previous), for links

A row's evidence links point at the status page's /sites/<code>/evidence/<sha256>.
Read-only, like the other GET endpoints: no token. A report is built from the store on
each request (about a second for 1,900 sites; see bench/RESULTS.md).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from urllib.parse import quote

from aiohttp import web

from crawler.reports import Quarter, QuarterError, make_report, report_json
from crawler.reports.writers import markdown, xlsx_bytes
from crawler.web.api import json_response
from crawler.web.keys import SETTINGS, STORE

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_FORMATS = ("json", "xlsx", "md")


def _download(body: bytes, name: str, content_type: str) -> web.Response:
    return web.Response(
        body=body,
        content_type=content_type,
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"},
    )


async def _index(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    current = Quarter.containing(datetime.now(UTC), settings.tz)
    quarters = [current, current.previous()]
    return json_response(
        {
            "quarters": [
                {
                    "quarter": str(q),
                    "label": q.label,
                    "json": f"/api/reports/{q}",
                    "xlsx": f"/api/reports/{q}.xlsx",
                    "md": f"/api/reports/{q}.md",
                }
                for q in quarters
            ]
        }
    )


async def _report(request: web.Request) -> web.Response:
    name = request.match_info["quarter"]
    text, _, fmt = name.partition(".")
    fmt = fmt or "json"
    if fmt not in _FORMATS:
        return json_response({"error": f"format {fmt!r}: choose json, xlsx or md"}, status=400)
    settings = request.app[SETTINGS]
    current = Quarter.containing(datetime.now(UTC), settings.tz)
    try:
        quarter = {"current": current, "previous": current.previous()}.get(text) or Quarter.parse(
            text
        )
    except QuarterError as exc:
        return json_response({"error": str(exc), "parameter": "quarter"}, status=400)
    report = await make_report(request.app[STORE], quarter, settings)
    if fmt == "xlsx":
        # openpyxl takes about half a second for 1,900 sites: off the event loop.
        body = await asyncio.to_thread(xlsx_bytes, report)
        return _download(body, f"report-{quarter}.xlsx", XLSX_TYPE)
    if fmt == "md":
        return _download(markdown(report).encode(), f"report-{quarter}.md", "text/markdown")
    return json_response(report_json(report))


def setup_reports(app: web.Application) -> None:
    app.router.add_get("/api/reports", _index)
    app.router.add_get("/api/reports/{quarter}", _report)
