"""The reports' layout as data (rules/reports.yaml, overridable): region order and phrasings."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
)

from crawler.divisions import canonical_region


class LayoutError(ValueError):
    """The reports layout file is wrong; the message names the file and the key."""


class FollowUpStatus(StrEnum):
    """What became of a site named last quarter."""

    FIXED = "fixed"
    NOT_FIXED = "not_fixed"  # 未完成整改: unqualified all quarter
    FIXED_NOT_KEPT = "fixed_not_kept"  # 完成整改后未持续更新: qualified once, failing again
    CLOSED_SITE_ONLINE = "closed_site_online"  # 申请永久关停后站点未关闭
    UNREACHABLE = "unreachable"  # 站点无法访问
    NOT_CHECKED = "not_checked"  # no inspection this quarter (or temporarily closed)


# The statuses the notice's follow-up table (annex 3) names: still not fixed.
NOT_FIXED_STATUSES = frozenset(
    {
        FollowUpStatus.NOT_FIXED,
        FollowUpStatus.FIXED_NOT_KEPT,
        FollowUpStatus.CLOSED_SITE_ONLINE,
        FollowUpStatus.UNREACHABLE,
    }
)

Word = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class ReportLayout(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    region_order: tuple[Word, ...]
    repeat_offenders: Literal["follow_up", "mark"]
    repeat_prefix: str
    follow_up_labels: dict[FollowUpStatus, Word]
    outage_report_hours: Annotated[float, Field(gt=0)]

    @field_validator("region_order")
    @classmethod
    def _unique(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        names = [canonical_region(name) for name in value]
        twice = sorted({name for name in names if names.count(name) > 1})
        if twice:
            raise ValueError(f"listed more than once: {', '.join(twice)}")
        return tuple(names)

    @field_validator("follow_up_labels")
    @classmethod
    def _complete(cls, value: dict[FollowUpStatus, str]) -> dict[FollowUpStatus, str]:
        missing = [status.value for status in FollowUpStatus if status not in value]
        if missing:
            raise ValueError(f"no label for {', '.join(missing)}")
        return value

    def region_rank(self, region: str) -> tuple[int, str]:
        """Sort key of a region: its place in the order, unlisted regions after, by name."""
        name = canonical_region(region)
        try:
            return self.region_order.index(name), ""
        except ValueError:
            return len(self.region_order), name


def _read(text: str, origin: str) -> dict[str, Any]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise LayoutError(f"reports layout {origin} is not valid YAML: {exc}") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise LayoutError(f"reports layout {origin}: expected a mapping at the top level")
    return data


def _validate(data: Mapping[str, Any], origin: str) -> ReportLayout:
    try:
        return ReportLayout.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg'].removeprefix('Value error, ')}"
            for err in exc.errors()
        )
        raise LayoutError(f"reports layout {origin}: {problems}") from None


@cache
def _packaged() -> dict[str, Any]:
    text = files("rules").joinpath("reports.yaml").read_text(encoding="utf-8")
    return _read(text, "rules/reports.yaml")


def load_layout(override_file: Path | None = None) -> ReportLayout:
    """rules/reports.yaml, with the operator's file's keys replacing the packaged ones."""
    data = dict(_packaged())
    origin = "rules/reports.yaml"
    if override_file is not None:
        origin = str(override_file)
        try:
            text = Path(override_file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise LayoutError(f"reports layout {origin} cannot be read: {exc}") from exc
        override = _read(text, origin)
        unknown = sorted(set(override) - set(data))
        if unknown:
            raise LayoutError(f"reports layout {origin}: unknown key(s) {', '.join(unknown)}")
        data.update(override)
        if "follow_up_labels" in override and isinstance(override["follow_up_labels"], dict):
            data["follow_up_labels"] = {
                **_packaged()["follow_up_labels"],
                **override["follow_up_labels"],
            }
    return _validate(data, origin)
