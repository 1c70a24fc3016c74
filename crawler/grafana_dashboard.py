"""The Grafana duty dashboard, generated from one place.

deploy/grafana/dashboards/govcrawl-duty.json is `govcrawl metrics dashboard` (a test keeps
them equal). Titles are Chinese for the duty officers, descriptions English for operators.
Every panel links to govcrawl's API (the site's page where the panel is about sites).
"""

from __future__ import annotations

import json
from typing import Any

DATASOURCE_UID = "govcrawl-prometheus"
DASHBOARD_UID = "govcrawl-duty"
DS = {"type": "prometheus", "uid": DATASOURCE_UID}
R = 'region=~"$region"'
SITE_API = "${govcrawl_url}/api/sites/${__data.fields.code}"
CODE_VALUES = 'label_values(govcrawl_site_inspected_timestamp_seconds{region=~"$region"}, code)'
DRILL = f"/d/{DASHBOARD_UID}/govcrawl?var-code=${{__data.fields.code}}"


def _target(expr: str, ref: str = "A", legend: str = "", instant: bool = False) -> dict:
    target: dict[str, Any] = {"datasource": DS, "refId": ref, "expr": expr}
    if legend:
        target["legendFormat"] = legend
    if instant:
        target.update(instant=True, range=False, format="table")
    return target


def _panel(
    kind: str,
    title: str,
    description: str,
    targets: list[dict],
    grid: tuple[int, int, int, int],
    link: str = "${govcrawl_url}/api/sites",
    **extra: Any,
) -> dict:
    x, y, w, h = grid
    return {
        "type": kind,
        "title": title,
        "description": description,
        "datasource": DS,
        "gridPos": {"x": x, "y": y, "w": w, "h": h},
        "targets": targets,
        "links": [{"title": "govcrawl API", "url": link, "targetBlank": True}],
        **extra,
    }


def _stat(
    title: str,
    description: str,
    expr: str,
    grid: tuple[int, int, int, int],
    *,
    count: bool = True,
) -> dict:
    """A single number. count: a count of problem sites (0 when none, red from 1);
    otherwise a 1/0 health value (red at 0)."""
    steps = (
        [{"color": "green", "value": None}, {"color": "red", "value": 1}]
        if count
        else [{"color": "red", "value": None}, {"color": "green", "value": 1}]
    )
    return _panel(
        "stat",
        title,
        description,
        [_target(f"{expr} or vector(0)" if count else expr)],
        grid,
        options={"reduceOptions": {"calcs": ["lastNotNull"]}, "colorMode": "background"},
        fieldConfig={
            "defaults": {"thresholds": {"mode": "absolute", "steps": steps}},
            "overrides": [],
        },
    )


def _site_table(
    title: str, description: str, expr: str, grid: tuple[int, int, int, int], unit: str = ""
) -> dict:
    """An instant table of sites: code (linking to the API page and the drill-down), region."""
    return _panel(
        "table",
        title,
        description,
        [_target(expr, instant=True)],
        grid,
        transformations=[
            {
                "id": "organize",
                "options": {
                    "excludeByName": {
                        "Time": True,
                        "__name__": True,
                        "instance": True,
                        "job": True,
                    },
                    "renameByName": {"code": "网站标识码", "region": "地区", "Value": "值"},
                },
            }
        ],
        fieldConfig={
            "defaults": {"unit": unit} if unit else {},
            "overrides": [
                {
                    "matcher": {"id": "byName", "options": "code"},
                    "properties": [
                        {
                            "id": "links",
                            "value": [
                                {"title": "API", "url": SITE_API, "targetBlank": True},
                                {"title": "单站详情 (drill-down)", "url": DRILL},
                            ],
                        }
                    ],
                }
            ],
        },
    )


def _timeseries(
    title: str,
    description: str,
    targets: list[dict],
    grid: tuple[int, int, int, int],
    unit: str = "",
    link: str = "${govcrawl_url}/api/sites",
) -> dict:
    return _panel(
        "timeseries",
        title,
        description,
        targets,
        grid,
        link=link,
        fieldConfig={"defaults": {"unit": unit} if unit else {}, "overrides": []},
    )


def _row(title: str, y: int) -> dict:
    return {
        "type": "row",
        "title": title,
        "collapsed": False,
        "gridPos": {"x": 0, "y": y, "w": 24, "h": 1},
        "panels": [],
    }


def panels() -> list[dict]:
    over = f"govcrawl_site_outage_open_seconds{{{R}}} > $report_after_seconds"
    stale = f'govcrawl_site_problems{{kind="homepage_stale", level="veto", {R}}}'
    columns = f'govcrawl_site_problems{{kind=~"blank_columns|columns_stale", level="veto", {R}}}'
    code = 'code="$code"'
    out = [
        _row("每日读网 · 总览", 0),
        _stat(
            "当前无法访问",
            "Open sites whose last probe failed (now down).",
            f"count(govcrawl_site_up{{{R}}} == 0)",
            (0, 1, 4, 4),
        ),
        _stat(
            "超过24小时无法访问（需书面报备）",
            "Sites with an outage window open longer than alerts.report_after (24 h): "
            "they must be reported in writing.",
            f"count({over})",
            (4, 1, 4, 4),
        ),
        _stat(
            "首页长期不更新",
            "Sites whose latest inspection found the homepage stale (veto).",
            f"count({stale})",
            (8, 1, 4, 4),
        ),
        _stat(
            "栏目空白/不更新超标",
            "Sites over the blank-column or stale-column veto threshold.",
            f"count(count by (code) ({columns}))",
            (12, 1, 4, 4),
        ),
        _stat(
            "错误链接",
            "Broken links found by the latest inspections, all sites.",
            f"sum(govcrawl_site_broken_links{{{R}}})",
            (16, 1, 4, 4),
        ),
        _stat(
            "不合格网站",
            "Sites whose latest inspection verdict is unqualified.",
            f"count(govcrawl_site_qualified{{{R}}} == 0)",
            (20, 1, 4, 4),
        ),
        _site_table(
            "当前无法访问的网站",
            "Down now: the last probe failed. Value: seconds the outage window has been open "
            "(0 until a second probe confirms it).",
            f"govcrawl_site_outage_open_seconds{{{R}}} and on(code) (govcrawl_site_up{{{R}}} == 0)",
            (0, 5, 12, 8),
            unit="s",
        ),
        _site_table(
            "超过24小时无法访问（需书面报备）",
            "Down over the reporting threshold: the written report is due.",
            over,
            (12, 5, 12, 8),
            unit="s",
        ),
        _site_table(
            "首页长期不更新的网站",
            "Homepage stale (veto). Value: days since the homepage's newest dated item.",
            f"govcrawl_site_homepage_age_seconds{{{R}}} / 86400 and on(code) {stale}",
            (0, 13, 8, 8),
        ),
        _site_table(
            "栏目空白或长期不更新",
            "Sites over the blank or stale column threshold. Value: blank plus stale columns.",
            f"(govcrawl_site_blank_columns{{{R}}} + on(code, region) "
            f"govcrawl_site_stale_columns{{{R}}}) and on(code) {columns}",
            (8, 13, 8, 8),
        ),
        _site_table(
            "错误链接最多的网站",
            "Sites with broken links, the most first (top 50).",
            f"topk(50, govcrawl_site_broken_links{{{R}}} > 0)",
            (16, 13, 8, 8),
        ),
        _panel(
            "bargauge",
            "各地区不合格网站数",
            "Unqualified sites per region (latest inspection verdicts).",
            [
                _target(
                    f"count by (region) (govcrawl_site_qualified{{{R}}} == 0)", legend="{{region}}"
                )
            ],
            (0, 21, 12, 10),
            options={"orientation": "horizontal", "reduceOptions": {"calcs": ["lastNotNull"]}},
        ),
        _site_table(
            "近7天可用率最低的网站",
            "Availability over the last 7 days as the census counts it: the share of stored "
            "probes that opened the homepage (1 - govcrawl_site_probe_failure_ratio), "
            "lowest 30 sites. The census veto is at 95%.",
            f"bottomk(30, 1 - govcrawl_site_probe_failure_ratio{{{R}}})",
            (12, 21, 12, 10),
            unit="percentunit",
        ),
        _timeseries(
            "近7天全省可用率",
            "Share of open sites up at each moment over the last 7 days (set the time range "
            "to 7 days), and the census 7-day availability averaged over sites.",
            [
                _target(f"avg(govcrawl_site_up{{{R}}})", "A", "当前可访问比例"),
                _target(f"1 - avg(govcrawl_site_probe_failure_ratio{{{R}}})", "B", "7天平均可用率"),
            ],
            (0, 31, 24, 6),
            unit="percentunit",
        ),
        _row("单站详情 · $code", 37),
        _timeseries(
            "可用性与探测耗时",
            "The selected site: last probe up (1) or down (0), and how long the probe took.",
            [
                _target(f"govcrawl_site_up{{{code}}}", "A", "up"),
                _target(f"govcrawl_site_probe_duration_seconds{{{code}}}", "B", "探测耗时 s"),
            ],
            (0, 38, 12, 8),
            link="${govcrawl_url}/api/sites/$code",
        ),
        _timeseries(
            "无法访问时长",
            "The selected site: seconds its open outage window has lasted (0 when up).",
            [_target(f"govcrawl_site_outage_open_seconds{{{code}}}", legend="outage")],
            (12, 38, 12, 8),
            unit="s",
            link="${govcrawl_url}/api/sites/$code",
        ),
        _panel(
            "stat",
            "首页更新 · 栏目 · 链接",
            "The selected site's latest inspection: days since the homepage's newest item, "
            "blank columns, stale columns, broken links.",
            [
                _target(f"govcrawl_site_homepage_age_seconds{{{code}}} / 86400", "A", "首页天数"),
                _target(f"govcrawl_site_blank_columns{{{code}}}", "B", "空白栏目"),
                _target(f"govcrawl_site_stale_columns{{{code}}}", "C", "不更新栏目"),
                _target(f"govcrawl_site_broken_links{{{code}}}", "D", "错误链接"),
            ],
            (0, 46, 12, 6),
            link="${govcrawl_url}/api/sites/$code",
        ),
        _site_table(
            "当前问题",
            "The selected site's problems from its latest inspection, by kind and level.",
            f"govcrawl_site_problems{{{code}}}",
            (12, 46, 12, 6),
        ),
        _row("系统运行状况", 52),
        _timeseries(
            "队列深度与工作进程",
            "Jobs waiting per queue and workers alive (fleet health).",
            [
                _target("govcrawl_queue_depth", "A", "queue {{queue}}"),
                _target("sum(govcrawl_workers)", "B", "workers"),
            ],
            (0, 53, 8, 8),
        ),
        _timeseries(
            "抓取错误",
            "Fetch errors per second by kind, all govcrawl processes.",
            [
                _target(
                    "sum by (kind) (rate(govcrawl_fetch_errors_total[$__rate_interval]))",
                    legend="{{kind}}",
                )
            ],
            (8, 53, 8, 8),
            unit="reqps",
        ),
        _timeseries(
            "探测结果",
            "Probes per second by outcome kind.",
            [
                _target(
                    "sum by (outcome) (rate(govcrawl_probes_total[$__rate_interval]))",
                    legend="{{outcome}}",
                )
            ],
            (16, 53, 8, 8),
            unit="reqps",
        ),
        _timeseries(
            "任务耗时 p95",
            "95th percentile job duration by job kind.",
            [
                _target(
                    "histogram_quantile(0.95, sum by (le, kind) "
                    "(rate(govcrawl_job_duration_seconds_bucket[$__rate_interval])))",
                    legend="{{kind}}",
                )
            ],
            (0, 61, 8, 8),
            unit="s",
        ),
        _timeseries(
            "调度器心跳",
            "Seconds since the scheduler last finished a pass (alert: scheduler stalled).",
            [_target("time() - govcrawl_scheduler_last_tick_timestamp_seconds", legend="lag")],
            (8, 61, 8, 8),
            unit="s",
        ),
        _stat(
            "监测服务器联网",
            "1 while govcrawl itself reaches the reference sites; 0 while it is cut off "
            "(probes then open no outages).",
            "min(govcrawl_monitor_online)",
            (0, 69, 8, 4),
            count=False,
        ),
        _stat(
            "告警消息待送达",
            "Alert messages waiting for delivery to the configured hooks (alert: one waiting "
            "over 30 min). A hook that refuses them leaves outage reports unsent.",
            "sum(govcrawl_alerts_undelivered)",
            (0, 73, 8, 4),
        ),
        _timeseries(
            "抓取页面与链接",
            "Pages fetched and links checked per second by inspections.",
            [
                _target("sum(rate(govcrawl_pages_fetched_total[$__rate_interval]))", "A", "pages"),
                _target("sum(rate(govcrawl_links_checked_total[$__rate_interval]))", "B", "links"),
            ],
            (16, 61, 8, 8),
            unit="reqps",
        ),
    ]
    for number, panel in enumerate(out, start=1):
        panel["id"] = number
    return out


def _variables() -> list[dict]:
    return [
        {
            "name": "region",
            "label": "地区",
            "type": "query",
            "datasource": DS,
            "query": {"query": "label_values(govcrawl_sites, region)", "refId": "region"},
            "definition": "label_values(govcrawl_sites, region)",
            "refresh": 2,
            "multi": True,
            "includeAll": True,
            "allValue": ".*",
            "current": {"text": ["All"], "value": ["$__all"]},
            "sort": 1,
        },
        {
            "name": "code",
            "label": "网站标识码",
            "description": "The site shown in the drill-down rows.",
            "type": "query",
            "datasource": DS,
            "query": {"query": CODE_VALUES, "refId": "code"},
            "definition": CODE_VALUES,
            "refresh": 2,
            "multi": False,
            "includeAll": False,
            "sort": 1,
        },
        {
            "name": "report_after_seconds",
            "label": "书面报备阈值（秒）",
            "description": "alerts.report_after in seconds (24 h).",
            "type": "constant",
            "query": "86400",
            "hide": 2,
        },
        {
            "name": "govcrawl_url",
            "label": "govcrawl 地址",
            "description": "Base URL of govcrawl's HTTP API, for the links on every panel.",
            "type": "textbox",
            "query": "http://localhost:8080",
            "current": {"text": "http://localhost:8080", "value": "http://localhost:8080"},
            "hide": 2,
        },
    ]


def dashboard() -> dict:
    return {
        "uid": DASHBOARD_UID,
        "title": "政府网站每日读网 (govcrawl)",
        "description": "Daily duty view of the province's government websites: outages, "
        "stale homepages and columns, broken links, unqualified sites by region.",
        "tags": ["govcrawl"],
        "timezone": "browser",
        "schemaVersion": 39,
        "version": 1,
        "editable": True,
        "graphTooltip": 1,
        "refresh": "1m",
        "time": {"from": "now-24h", "to": "now"},
        "templating": {"list": _variables()},
        "annotations": {"list": []},
        "links": [
            {
                "title": "govcrawl 状态页",
                "url": "${govcrawl_url}/",
                "type": "link",
                "targetBlank": True,
            }
        ],
        "panels": panels(),
    }


def dashboard_json() -> str:
    return json.dumps(dashboard(), ensure_ascii=False, indent=2) + "\n"


def expressions(data: dict) -> list[tuple[str, str]]:
    """(panel title, expr) of every query in a dashboard's data, rows included."""
    found = []
    for panel in data["panels"]:
        for inner in [panel, *panel.get("panels", [])]:
            for target in inner.get("targets", []):
                found.append((inner["title"], target["expr"]))
    return found
