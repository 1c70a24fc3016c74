"""Yunnan's administrative divisions (rules/divisions.yaml): regions, and which codes exist."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib.resources import files

import yaml


@dataclass(frozen=True, slots=True)
class Prefecture:
    code: str  # 4 digits, e.g. "5325"
    short: str  # as the notices write it, e.g. "红河"
    aliases: tuple[str, ...]
    counties: dict[str, str]  # 6-digit code → name, former codes included
    counties_complete: bool


@dataclass(frozen=True, slots=True)
class Divisions:
    province: str  # 2 digits
    departments_code: str  # 6 digits: the province's own code, used by its departments
    departments_region: str  # 省直部门
    departments_aliases: tuple[str, ...]
    prefectures: tuple[Prefecture, ...]  # in the province's standard order


def _prefecture(entry: dict) -> Prefecture:  # type: ignore[type-arg]
    counties = {str(k): str(v) for k, v in (entry.get("counties") or {}).items()}
    counties.update({str(k): str(v) for k, v in (entry.get("former") or {}).items()})
    return Prefecture(
        code=str(entry["code"]),
        short=str(entry["short"]),
        aliases=tuple(str(a) for a in entry.get("aliases") or ()),
        counties=counties,
        counties_complete=bool(entry.get("counties_complete", False)),
    )


def parse_divisions(text: str) -> Divisions:
    """The YAML document as a value; separate from loading so tests can feed their own."""
    doc = yaml.safe_load(text)
    province = doc["province"]
    departments = province["departments"]
    return Divisions(
        province=str(province["code"]),
        departments_code=str(departments["code"]),
        departments_region=str(departments["region"]),
        departments_aliases=tuple(str(a) for a in departments.get("aliases") or ()),
        prefectures=tuple(_prefecture(p) for p in doc["prefectures"]),
    )


@cache
def divisions() -> Divisions:
    return parse_divisions(files("rules").joinpath("divisions.yaml").read_text(encoding="utf-8"))


@cache
def _by_prefix() -> dict[str, Prefecture]:
    return {p.code: p for p in divisions().prefectures}


@cache
def _region_names() -> dict[str, str]:
    """Every spelling of a region (short name, aliases) → the short name."""
    data = divisions()
    names = {data.departments_region: data.departments_region}
    names.update(dict.fromkeys(data.departments_aliases, data.departments_region))
    for p in data.prefectures:
        names[p.short] = p.short
        names.update(dict.fromkeys(p.aliases, p.short))
    return names


def region_order() -> list[str]:
    """The regions in division-code order: prefectures, then 省直部门. (The notices' own
    order is rules/reports.yaml ``region_order``.)"""
    data = divisions()
    return [p.short for p in data.prefectures] + [data.departments_region]


def region_of_code(code: str) -> str | None:
    """The region of a site code (or a 6-digit division code); None when it is not Yunnan's."""
    data = divisions()
    if len(code) < 6 or not code[:6].isdigit():
        return None
    if code[:6] == data.departments_code:
        return data.departments_region
    prefecture = _by_prefix().get(code[:4])
    return prefecture.short if prefecture else None


def canonical_region(name: str) -> str:
    """A region as the notices write it ("红河州" → "红河"); unknown names as given."""
    return _region_names().get(name, name)


def county_name(six: str) -> str | None:
    """The name of a county-level division (current or former), e.g. "532528" → "元阳县"."""
    prefecture = _by_prefix().get(six[:4])
    return prefecture.counties.get(six) if prefecture else None


def is_division_code(six: str, province_prefix: str = "53") -> bool:
    """Whether six digits are an administrative division code of the configured province.

    The data describes Yunnan only; for another province the best we can say is that the
    code starts with its prefix.
    """
    if len(six) != 6 or not six.isdigit() or not six.startswith(province_prefix):
        return False
    data = divisions()
    if province_prefix != data.province:
        return True
    if six == data.departments_code:
        return True
    prefecture = _by_prefix().get(six[:4])
    if prefecture is None:
        return False
    return six in prefecture.counties or not prefecture.counties_complete
