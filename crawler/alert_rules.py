"""Prometheus alert rules for govcrawl, generated from one place.

deploy/prometheus/govcrawl-rules.yml is `govcrawl metrics rules` with the defaults (a test
keeps them equal); the integration test renders the same rules with thresholds of seconds
so that it proves the shipped expressions fire.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import yaml

from crawler.config import format_duration

API_LINK = "{{ $externalLabels.govcrawl_url }}/api/sites/{{ $labels.code }}"


@dataclass(frozen=True, slots=True)
class RuleParams:
    down_after: timedelta = timedelta(hours=24)  # alerts.report_after: must be reported
    down_for: timedelta = timedelta(minutes=5)
    stale_for: timedelta = timedelta(hours=1)
    min_workers: int = 1
    worker_for: timedelta = timedelta(minutes=5)
    backlog_min: int = 500  # jobs waiting before growth matters
    backlog_window: timedelta = timedelta(minutes=30)
    backlog_for: timedelta = timedelta(minutes=30)
    stall_after: timedelta = timedelta(minutes=10)
    stall_for: timedelta = timedelta(minutes=5)
    undelivered_after: timedelta = timedelta(minutes=30)  # an alert message still waiting
    undelivered_for: timedelta = timedelta(minutes=5)
    evaluation_interval: timedelta = timedelta(minutes=1)


def _d(value: timedelta) -> str:
    return format_duration(value) if value.total_seconds() > 0 else "0s"


def _s(value: timedelta) -> str:
    return f"{value.total_seconds():g}"


def rules(p: RuleParams = RuleParams()) -> dict[str, Any]:
    """The rule file as data: one group for the sites, one for govcrawl itself."""
    hours = p.down_after.total_seconds() / 3600
    sites = [
        {
            "alert": "GovcrawlSiteDownOverThreshold",
            "expr": f"govcrawl_site_outage_open_seconds > {_s(p.down_after)}",
            "for": _d(p.down_for),
            "labels": {"severity": "critical", "report": "written"},
            "annotations": {
                "summary": "{{ $labels.region }} {{ $labels.code }} "
                f"无法访问超过{hours:g}小时，需书面报备",
                "description": f"Site {{{{ $labels.code }}}} has been down for over {hours:g} h "
                "(outage open {{ $value | humanizeDuration }}); it must be reported in writing.",
                "api": API_LINK,
            },
        },
        {
            "alert": "GovcrawlHomepageStale",
            "expr": 'govcrawl_site_problems{kind="homepage_stale", level="veto"} > 0',
            "for": _d(p.stale_for),
            "labels": {"severity": "warning"},
            "annotations": {
                "summary": "{{ $labels.region }} {{ $labels.code }} 首页长期不更新",
                "description": "The latest inspection found the homepage of {{ $labels.code }} "
                "stale past the census line (veto).",
                "api": API_LINK,
            },
        },
    ]
    service = [
        {
            "alert": "GovcrawlWorkerMissing",
            "expr": f'govcrawl_workers < {p.min_workers} or up{{job="govcrawl-worker"}} == 0',
            "for": _d(p.worker_for),
            "labels": {"severity": "critical"},
            "annotations": {
                "summary": "govcrawl 工作进程缺失",
                "description": "Fewer govcrawl workers are alive than expected, or a worker's "
                "metrics endpoint stopped answering ({{ $labels.instance }}).",
            },
        },
        {
            "alert": "GovcrawlQueueBacklogGrowing",
            "expr": f"govcrawl_queue_depth > {p.backlog_min} "
            f"and delta(govcrawl_queue_depth[{_d(p.backlog_window)}]) > 0",
            "for": _d(p.backlog_for),
            "labels": {"severity": "warning"},
            "annotations": {
                "summary": "govcrawl 队列 {{ $labels.queue }} 积压持续增长",
                "description": "Queue {{ $labels.queue }} holds {{ $value }} jobs and keeps "
                "growing: workers cannot keep up with the schedule.",
            },
        },
        {
            "alert": "GovcrawlSchedulerStalled",
            "expr": "time() - govcrawl_scheduler_last_tick_timestamp_seconds "
            f"> {_s(p.stall_after)}",
            "for": _d(p.stall_for),
            "labels": {"severity": "critical"},
            "annotations": {
                "summary": "govcrawl 调度器停止",
                "description": "The scheduler has not finished a pass for "
                "{{ $value | humanizeDuration }}: no probes or inspections are being queued.",
            },
        },
        {
            "alert": "GovcrawlAlertsUndelivered",
            "expr": f"govcrawl_alerts_oldest_undelivered_seconds > {_s(p.undelivered_after)}",
            "for": _d(p.undelivered_for),
            "labels": {"severity": "critical"},
            "annotations": {
                "summary": "govcrawl 告警消息未能送达（{{ $labels.hook }}）",
                "description": "An alert message to hook {{ $labels.hook }} has waited "
                "{{ $value | humanizeDuration }}: outage reports may reach nobody. The "
                "service log names the delivery errors; govcrawl alerts test tries every hook.",
            },
        },
    ]
    interval = _d(p.evaluation_interval)
    return {
        "groups": [
            {"name": "govcrawl-sites", "interval": interval, "rules": sites},
            {"name": "govcrawl-service", "interval": interval, "rules": service},
        ]
    }


HEADER = (
    "# Generated by `govcrawl metrics rules` from crawler/alert_rules.py; edit that, then\n"
    "#   govcrawl metrics rules > deploy/prometheus/govcrawl-rules.yml\n"
)


def rules_yaml(p: RuleParams = RuleParams()) -> str:
    body = yaml.safe_dump(rules(p), allow_unicode=True, sort_keys=False, width=100)
    return HEADER + body


def expressions(data: dict[str, Any]) -> list[tuple[str, str]]:
    """(alert name, expr) of every rule in a rule file's data."""
    return [(r.get("alert") or r["record"], r["expr"]) for g in data["groups"] for r in g["rules"]]
