"""The per-site result: the contract of `govcrawl check --jsonl`, /api and the reports.

Every field is always present (null when unknown), so downstream tools never guess.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from crawler.site import SiteStatus


class ProblemKind(StrEnum):
    SITE_UNREACHABLE = "site_unreachable"
    HOMEPAGE_STALE = "homepage_stale"
    COLUMNS_STALE = "columns_stale"
    BLANK_COLUMNS = "blank_columns"
    BROKEN_LINKS = "broken_links"
    CLOSED_SITE_ONLINE = "closed_site_online"
    MISSING_ZHAOCUO_ENTRY = "missing_zhaocuo_entry"
    MISSING_EXPOSURE_ENTRY = "missing_exposure_entry"
    SEVERE_ERROR = "severe_error"
    SITE_ID_CODE_MISSING = "site_id_code_missing"
    TLS_ERROR = "tls_error"


class ColumnType(StrEnum):
    NEWS = "news"  # 动态, 要闻: stale after 14 days
    NOTICE = "notice"  # 通知公告, 政策文件: stale after 6 months
    SHOULD_UPDATE = "should_update"  # 人事, 规划计划, 财政预决算 …: stale after a year
    STATIC = "static"  # 机构职能, 领导信息, 联系我们 …: never stale
    OTHER = "other"


Level = Literal["veto", "problem", "warning"]
Verdict = Literal["qualified", "unqualified", "not_checked"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class HomepageResult(_Model):
    latest_update: date | None = None
    dated_items: int = 0
    navigation_only: bool = False


class ColumnResult(_Model):
    name: str
    url: str
    type: ColumnType = ColumnType.OTHER
    latest_update: date | None = None
    items: int = 0
    blank: bool = False
    stale: bool = False
    blank_reason: str | None = None  # the phrase or "no items"


class BrokenLink(_Model):
    url: str
    found_on: list[str]  # every crawled page it appears on, the homepage first
    text: str = ""
    status: int | None = None
    error: str | None = None  # "<kind>: <reason>"; None for a plain HTTP error status
    error_kind: str | None = None  # http_status, soft_404, dns, refused, timeout, tls, …


class LinkCheck(_Model):
    """How far the link check went, and the census scoring detail."""

    pages_crawled: int = 0
    homepage_broken: int = 0  # broken links that appear on the homepage
    other_broken: int = 0  # broken links that appear only on other pages
    restricted: list[BrokenLink] = Field(default_factory=list)  # 401/403/429, not counted
    not_checked: int = 0  # links to addresses the fetcher may not reach
    truncated_pages: bool = False  # pages were left uncrawled at inspect.max_pages
    truncated_links: bool = False  # links were left unchecked at inspect.max_links
    truncated_time: bool = False  # the crawl was cut at queue.inspect_timeout (the service)
    capped_patterns: list[str] = Field(default_factory=list)  # URL shapes cut as traps


class AvailabilitySummary(_Model):
    """The service's week of probes behind site_unreachable (absent from one-shot checks)."""

    window_days: int
    probes: int
    failed: int
    failed_share: float | None
    probes_per_day: float
    census: Literal["veto", "warning", "ok", "insufficient_data"]
    up: bool | None
    outage_open_seconds: float


class Entries(_Model):
    zhaocuo: bool = False  # 我为政府网站找错
    exposure: bool = False  # 云南省政府网站问题曝光台


class Problem(_Model):
    kind: ProblemKind
    label: str  # the notices' Chinese phrasing
    veto: bool
    level: Level
    detail: str  # one line, Chinese, with the numbers
    evidence: str = ""  # URL(s) or an excerpt a site administrator can follow


class SiteResult(_Model):
    code: str
    name: str
    region: str
    url: str
    status: SiteStatus
    checked_at: datetime
    reachable: bool | None = None
    http_status: int | None = None
    elapsed_ms: int | None = None
    error: str | None = None  # error kind and reason when the homepage failed
    final_url: str | None = None
    homepage: HomepageResult = Field(default_factory=HomepageResult)
    columns: list[ColumnResult] = Field(default_factory=list)
    links_checked: int = 0
    broken_links: list[BrokenLink] = Field(default_factory=list)
    link_check: LinkCheck | None = None  # None when links were not checked
    availability: AvailabilitySummary | None = None  # the service's weekly probe share
    entries: Entries = Field(default_factory=Entries)
    site_id_code_on_page: str | None = None
    problems: list[Problem] = Field(default_factory=list)
    verdict: Verdict = "not_checked"
    pages_fetched: int = 0
    evidence: dict[str, str] = Field(default_factory=dict)  # page URL -> evidence id
