"""What an inspection saw, before any rule is applied: the input of crawler.rules.evaluate.

Inspection (IO) fills these from the extractors; the rules (pure) turn them into problems.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from crawler.result import BrokenLink, ColumnType
from crawler.site import SiteStatus


@dataclass(frozen=True, slots=True)
class ColumnFacts:
    name: str
    url: str
    type: ColumnType
    latest_update: date | None  # newest dated item; None when no item carries a date
    items: int  # list items seen (dated or not)
    blank: bool
    blank_reason: str | None = None  # "no items" or the 暂无信息-style phrase found
    top_level: bool = True  # 一级 column (navigation bar), for the 2019 edition's notice rule


@dataclass(frozen=True, slots=True)
class SiteFacts:
    code: str  # the registered 网站标识码
    status: SiteStatus
    reachable: bool
    error: str | None = None  # "timeout: …" when the homepage could not be opened
    tls_error: str | None = None  # reason when the certificate failed but the page loaded
    closure_notice: bool = False  # the page itself says 网站已关停 / 此网站已关闭
    homepage_latest: date | None = None
    homepage_dated_items: int = 0
    navigation_only: bool = False
    columns: list[ColumnFacts] = field(default_factory=list)
    zhaocuo_entry: bool = False
    zhaocuo_sitecode: str | None = None
    exposure_entry: bool = False
    site_id_meta: str | None = None  # <meta name="SiteIDCode">
    site_id_footer: str | None = None  # 网站标识码：… in the text
    spam_blocks: list[str] = field(default_factory=list)  # excerpts of hidden link blocks
    forbidden_words: list[str] = field(default_factory=list)  # operator list words found
    links_checked: int = 0
    broken_links: list[BrokenLink] = field(default_factory=list)
    homepage_broken_links: int = 0  # of broken_links, those found on the homepage
    evidence_url: str = ""  # the homepage URL that was read
