"""The registered site: the value every part of govcrawl passes around."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class SiteStatus(StrEnum):
    """Operating status as the national site registry (全国政府网站信息报送系统) records it."""

    OPEN = "open"
    TEMPORARILY_CLOSED = "temporarily_closed"
    PERMANENTLY_CLOSED = "permanently_closed"


# Chinese names as registry spreadsheets write them.
STATUS_LABELS: dict[SiteStatus, str] = {
    SiteStatus.OPEN: "正常运行",
    SiteStatus.TEMPORARILY_CLOSED: "暂时关停",
    SiteStatus.PERMANENTLY_CLOSED: "永久关停",
}


@dataclass(frozen=True, slots=True)
class Site:
    code: str  # 网站标识码, 10 characters
    name: str  # 网站名称
    region: str  # 州、市/部门 as the notices write it (昆明, 红河, 省直部门 …)
    url: str  # homepage, absolute http(s)
    department: str = ""  # 主管单位
    status: SiteStatus = SiteStatus.OPEN
