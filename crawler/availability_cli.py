"""`govcrawl outages`, `govcrawl alerts test`, `govcrawl maintenance …`."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Coroutine, Sequence
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.table import Table

from crawler.aio import run
from crawler.config import Settings, parse_duration
from crawler.store import StoreError, open_store

T = TypeVar("T")
console = Console()

CAUSE_LABELS = {
    "dns": "域名解析失败",
    "refused": "连接被拒绝",
    "timeout": "访问超时",
    "tls": "证书或加密连接错误",
    "connection": "连接中断",
    "http_status": "服务器返回错误",
    "bad_content": "页面内容异常",
    "maintenance_notice": "显示维护页面",
    "closure_notice": "显示关停页面",
    "server_default": "显示服务器默认页",
}
EXPORT_COLUMNS = (
    "序号", "州、市/部门", "网站名称", "网站标识码", "主管单位", "首页网址", "故障开始时间",
    "恢复时间", "持续时长（小时）", "故障原因", "最近错误", "失败探测次数", "已触发报备提醒",
)  # fmt: skip


def _settings() -> Settings:
    return click.get_current_context().find_root().obj.settings  # type: ignore[no-any-return]


def _call(coro: Coroutine[Any, Any, T]) -> T:
    try:
        return run(coro)
    except StoreError as exc:
        raise click.ClickException(str(exc)) from exc


def _duration(_ctx: click.Context, _param: click.Parameter, value: str | None) -> timedelta | None:
    if value is None:
        return None
    try:
        return parse_duration(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc


def parse_when(value: str, tz: tzinfo, now: datetime | None = None) -> datetime:
    """ISO date or datetime (no offset: the configured time zone), or "now"."""
    text = value.strip()
    if text == "now":
        return now or datetime.now(UTC)
    try:
        when = datetime.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(f"{value!r} is not a time (use e.g. 2026-11-29T08:00 or now)") from exc
    return when.replace(tzinfo=tz) if when.tzinfo is None else when


def _when_option(_ctx: click.Context, param: click.Parameter, value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        return parse_when(value, _settings().tz)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc


def _local(value: datetime | None, tz: tzinfo) -> str:
    return value.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S") if value else ""


# ---------------------------------------------------------------------------- outages


async def _windows(settings: Settings, **query: Any) -> list:
    from crawler.availability import outage_windows

    async with open_store(settings.store.url) as store:
        return await outage_windows(store, **query)


def _window_json(window: Any) -> dict[str, Any]:
    return {
        "code": window.code,
        "name": window.name,
        "region": window.region,
        "department": window.department,
        "url": window.url,
        "started_at": window.started_at.isoformat(),
        "ended_at": window.ended_at.isoformat() if window.ended_at else None,
        "duration_s": window.duration_s,
        "cause": window.cause,
        "probe_count": window.probe_count,
        "last_error": window.last_error,
        "reported": window.reported,
    }


@click.group(invoke_without_command=True)
@click.option("--open", "open_only", is_flag=True, help="Only windows still open.")
@click.option("--over", callback=_duration, help="Only windows at least this long, e.g. 24h.")
@click.option("--since", callback=_when_option, help="Windows overlapping this time or later.")
@click.option("--json", "as_json", is_flag=True, help="A JSON list instead of a table.")
@click.pass_context
def outages(
    ctx: click.Context,
    open_only: bool,
    over: timedelta | None,
    since: datetime | None,
    as_json: bool,
) -> None:
    """Outage windows: when each site was down, for how long, and why."""
    if ctx.invoked_subcommand is not None:
        return
    settings = _settings()
    windows = _call(_windows(settings, open_only=open_only, min_duration=over, since=since))
    if as_json:
        click.echo(json.dumps([_window_json(w) for w in windows], ensure_ascii=False, indent=1))
        return
    tz = settings.tz
    table = Table(title=f"{len(windows)} outage windows")
    for col in ("网站标识码", "网站名称", "州、市/部门", "开始", "结束", "时长", "原因", "报备"):
        table.add_column(col, overflow="fold")
    from crawler.alerts.messages import human_duration

    for w in windows:
        table.add_row(
            w.code, w.name, w.region, _local(w.started_at, tz),
            _local(w.ended_at, tz) or "[red]未恢复[/red]", human_duration(w.duration_s),
            CAUSE_LABELS.get(w.cause, w.cause), "是" if w.reported else "",
        )  # fmt: skip
    console.print(table)


def export_rows(windows: Sequence[Any], tz: tzinfo) -> list[list[Any]]:
    """The windows as rows of a written report (EXPORT_COLUMNS), times in tz."""
    rows = []
    for number, w in enumerate(windows, 1):
        rows.append([
            number, w.region, w.name, w.code, w.department, w.url, _local(w.started_at, tz),
            _local(w.ended_at, tz) or "未恢复", round(w.duration_s / 3600, 1),
            CAUSE_LABELS.get(w.cause, w.cause), w.last_error, w.probe_count,
            "是" if w.reported else "否",
        ])  # fmt: skip
    return rows


def write_export(path: Path, rows: list[list[Any]], fmt: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(EXPORT_COLUMNS)
        writer.writerows(rows)
        # UTF-8 with BOM: Excel on a Chinese Windows desktop opens it correctly.
        path.write_text(buffer.getvalue(), encoding="utf-8-sig")
        return
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "故障报备"
    sheet.append(list(EXPORT_COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(row)
    widths = (6, 12, 30, 14, 20, 36, 20, 20, 10, 16, 40, 10, 10)
    for index, width in enumerate(widths):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    sheet.freeze_panes = "A2"
    tmp = path.with_suffix(path.suffix + ".tmp")
    book.save(tmp)
    tmp.replace(path)  # never a half-written report


@outages.command("export")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="File to write (.xlsx or .csv).")  # fmt: skip
@click.option("--format", "fmt", type=click.Choice(["xlsx", "csv"]), default=None,
              help="Default: from the file name.")  # fmt: skip
@click.option("--over", callback=_duration, default="24h", show_default=True,
              help="Only windows at least this long (the written-report threshold).")  # fmt: skip
@click.option("--since", callback=_when_option, help="From this time (e.g. the quarter's start).")
@click.option("--until", callback=_when_option, help="Up to this time.")
def outages_export(
    out: Path, fmt: str | None, over: timedelta, since: datetime | None, until: datetime | None
) -> None:
    """Export the windows that must be reported in writing (xlsx or csv)."""
    settings = _settings()
    fmt = fmt or ("csv" if out.suffix.lower() == ".csv" else "xlsx")
    windows = _call(_windows(settings, min_duration=over, since=since, until=until))
    write_export(out, export_rows(windows, settings.tz), fmt)
    click.echo(f"{out}: {len(windows)} outage windows")


# ---------------------------------------------------------------------------- alerts


@click.group()
def alerts() -> None:
    """Alert hooks (alerts.hooks)."""


@alerts.command("test")
def alerts_test() -> None:
    """Send a test message to every configured hook now; exit 1 if any failed."""
    import aiohttp

    from crawler.alerts.hooks import DeliveryError, hook_label, send
    from crawler.alerts.messages import alert_test_payload

    settings = _settings()
    if not settings.alerts.hooks:
        raise click.ClickException("no alert hooks configured ([[alerts.hooks]] in the config)")

    async def go() -> list[tuple[str, str | None]]:
        payload = alert_test_payload(datetime.now(UTC))
        results = []
        async with aiohttp.ClientSession(trust_env=False) as http:
            for hook in settings.alerts.hooks:
                try:
                    await send(hook, payload, http)
                    results.append((hook_label(hook), None))
                except DeliveryError as exc:
                    results.append((hook_label(hook), str(exc)))
        return results

    failed = 0
    for label, error in run(go()):
        if error is None:
            click.echo(f"ok      {label}")
        else:
            failed += 1
            click.echo(f"FAILED  {label}: {error}")
    if failed:
        raise SystemExit(1)


# ---------------------------------------------------------------------------- maintenance


@click.group()
def maintenance() -> None:
    """Planned maintenance: failures of a site (or region) in the window are not outages."""


@maintenance.command("add")
@click.argument("code", required=False)
@click.option("--region", help="Every site of this region (州、市/部门) instead of one code.")
@click.option("--from", "starts", callback=_when_option, default="now", show_default=True,
              help="Start (ISO time; no offset means the configured time zone).")  # fmt: skip
@click.option("--until", "ends", callback=_when_option, required=True, help="End (ISO time).")
@click.option("--reason", default="", help="Shown in listings.")
def maintenance_add(
    code: str | None, region: str | None, starts: datetime, ends: datetime, reason: str
) -> None:
    """Declare planned maintenance of site CODE or of --region R."""
    from crawler.maintenance import add_maintenance

    settings = _settings()

    async def go():  # type: ignore[no-untyped-def]
        async with open_store(settings.store.url) as store:
            return await add_maintenance(
                store, code=code, region=region, starts_at=starts, ends_at=ends, reason=reason
            )

    try:
        item = _call(go())
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    target = item.code or f"region {item.region}"
    click.echo(
        f"maintenance {item.id}: {target} from {_local(item.starts_at, settings.tz)} "
        f"until {_local(item.ends_at, settings.tz)}"
    )


@maintenance.command("list")
@click.option("--all", "include_past", is_flag=True, help="Include windows that have ended.")
@click.option("--json", "as_json", is_flag=True, help="A JSON list.")
def maintenance_list(include_past: bool, as_json: bool) -> None:
    """Current and future maintenance windows."""
    from crawler.maintenance import list_maintenance

    settings = _settings()

    async def go():  # type: ignore[no-untyped-def]
        async with open_store(settings.store.url) as store:
            return await list_maintenance(store, include_past=include_past)

    items = _call(go())
    if as_json:
        click.echo(json.dumps([i.model_dump(mode="json") for i in items], ensure_ascii=False))
        return
    for i in items:
        target = i.code or f"region {i.region}"
        click.echo(
            f"{i.id}\t{target}\t{_local(i.starts_at, settings.tz)}\t"
            f"{_local(i.ends_at, settings.tz)}\t{i.reason}"
        )


@maintenance.command("remove")
@click.argument("maintenance_id", type=int)
def maintenance_remove(maintenance_id: int) -> None:
    """Remove maintenance window ID (see `maintenance list`)."""
    from crawler.maintenance import remove_maintenance

    settings = _settings()

    async def go() -> bool:
        async with open_store(settings.store.url) as store:
            return await remove_maintenance(store, maintenance_id)

    if not _call(go()):
        raise click.ClickException(f"no maintenance window {maintenance_id}")
    click.echo(f"maintenance {maintenance_id} removed")


COMMANDS = (outages, alerts, maintenance)
