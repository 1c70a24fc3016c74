"""Alert messages: the JSON payload every hook receives, and its Chinese text.

The payload is what the outbox stores; each hook kind renders it (crawler.alerts.hooks).
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any, Literal
from zoneinfo import ZoneInfo

Event = Literal["outage_report_due", "outage_recovered", "outage_started", "test"]

TITLES: dict[str, str] = {
    "outage_report_due": "政府网站故障超过24小时无法恢复，需书面报备",
    "outage_recovered": "政府网站故障已恢复",
    "outage_started": "政府网站无法访问",
    "test": "govcrawl 告警测试",
}


def outage_payload(
    event: Event,
    *,
    site: dict[str, str],
    window_id: int | None,
    started_at: datetime | None,
    ended_at: datetime | None,
    duration_s: float | None,
    cause: str,
    last_error: str,
    probe_count: int,
    report_after_s: float,
) -> dict[str, Any]:
    return {
        "event": event,
        "code": site.get("code", ""),
        "name": site.get("name", ""),
        "region": site.get("region", ""),
        "department": site.get("department", ""),
        "url": site.get("url", ""),
        "window_id": window_id,
        "started_at": started_at.isoformat() if started_at else None,
        "ended_at": ended_at.isoformat() if ended_at else None,
        "duration_s": None if duration_s is None else round(duration_s, 1),
        "cause": cause,
        "last_error": last_error,
        "probe_count": probe_count,
        "report_after_s": report_after_s,
    }


def alert_test_payload(now: datetime) -> dict[str, Any]:
    return {
        "event": "test",
        "code": "",
        "name": "govcrawl",
        "region": "",
        "department": "",
        "url": "",
        "window_id": None,
        "started_at": now.isoformat(),
        "ended_at": None,
        "duration_s": None,
        "cause": "",
        "last_error": "",
        "probe_count": 0,
        "report_after_s": None,
    }


def human_duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    seconds = int(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{days}天"] if days else []
    if hours or days:
        parts.append(f"{hours}小时")
    if not days:
        parts.append(f"{minutes}分")
    if not days and not hours:
        parts.append(f"{secs}秒")
    return "".join(parts)


def _local(iso: str | None, tz: tzinfo) -> str:
    if not iso:
        return "-"
    return datetime.fromisoformat(iso).astimezone(tz).strftime("%Y-%m-%d %H:%M:%S")


def title(payload: dict[str, Any]) -> str:
    return TITLES.get(payload["event"], payload["event"])


def text_lines(payload: dict[str, Any], tz: tzinfo | None = None) -> list[tuple[str, str]]:
    """(label, value) rows of a message, in the order a written report lists them."""
    tz = tz or ZoneInfo("Asia/Shanghai")
    if payload["event"] == "test":
        return [
            ("说明", "这是一条测试消息，收到即说明告警通道可用"),
            ("时间", _local(payload["started_at"], tz)),
        ]
    rows = [
        ("网站名称", payload["name"]),
        ("网站标识码", payload["code"]),
        ("州、市/部门", payload["region"] or "-"),
    ]
    if payload.get("department"):
        rows.append(("主管单位", payload["department"]))
    rows += [
        ("网址", payload["url"]),
        ("故障开始", _local(payload["started_at"], tz)),
    ]
    if payload["event"] == "outage_recovered":
        rows += [
            ("恢复时间", _local(payload["ended_at"], tz)),
            ("故障总时长", human_duration(payload["duration_s"])),
        ]
    else:
        rows.append(("已持续", human_duration(payload["duration_s"])))
    rows += [("故障原因", payload["cause"] or "-"), ("最近错误", payload["last_error"] or "-")]
    return rows


def markdown(payload: dict[str, Any], tz: tzinfo | None = None) -> str:
    lines = [f"### {title(payload)}", ""]
    lines += [f"- **{label}**：{value}" for label, value in text_lines(payload, tz)]
    return "\n".join(lines)


def plain_text(payload: dict[str, Any], tz: tzinfo | None = None) -> str:
    lines = [title(payload)]
    lines += [f"{label}：{value}" for label, value in text_lines(payload, tz)]
    return "\n".join(lines)
