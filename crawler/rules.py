"""The census indicators (CENSUS.md) applied to what an inspection saw.

The numbers and word lists are data: rules/census.yaml (profile "census-2015") and
rules/inspection-2019.yaml, shipped with the package, with the operator's own file merged
over them. The logic is here and nowhere else: `evaluate` turns `SiteFacts` into the
problems, columns and verdict of the per-site result. Everything below is pure.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
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
    model_validator,
)

from crawler.facts import ColumnFacts, SiteFacts
from crawler.result import ColumnResult, ColumnType, Level, Problem, ProblemKind, Verdict
from crawler.site import SiteStatus

DEFAULT_PROFILE = "census-2015"
PROFILE_FILES: dict[str, str] = {
    "census-2015": "census.yaml",
    "inspection-2019": "inspection-2019.yaml",
}
# Keys the loader consumes: an edition names the edition it is written against, and the
# profile is chosen in the settings (rules.profile), so an operator file may set neither.
_EDITION_ONLY_KEYS = ("based_on", "profile")

# The order problems are listed in a result: vetoes of the whole site first.
PROBLEM_ORDER: tuple[ProblemKind, ...] = (
    ProblemKind.CLOSED_SITE_ONLINE,
    ProblemKind.SITE_UNREACHABLE,
    ProblemKind.HOMEPAGE_STALE,
    ProblemKind.COLUMNS_STALE,
    ProblemKind.BLANK_COLUMNS,
    ProblemKind.SEVERE_ERROR,
    ProblemKind.BROKEN_LINKS,
    ProblemKind.MISSING_ZHAOCUO_ENTRY,
    ProblemKind.MISSING_EXPOSURE_ENTRY,
    ProblemKind.SITE_ID_CODE_MISSING,
    ProblemKind.TLS_ERROR,
)

# The types that have a staleness rule, and which veto line each one counts toward.
NEWS_NOTICE_TYPES = frozenset({ColumnType.NEWS, ColumnType.NOTICE})
STALE_RULE_TYPES = NEWS_NOTICE_TYPES | {ColumnType.SHOULD_UPDATE}


class RulesError(ValueError):
    """A rules file is wrong; the message names the file and the key."""


# ---------------------------------------------------------------------------- the model

Word = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Words = tuple[Word, ...]
Days = Annotated[int, Field(ge=0)]
Count = Annotated[int, Field(ge=1)]
Share = Annotated[float, Field(gt=0, le=1)]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Availability(_Section):
    window_days: Count
    min_probes_per_day: Count
    probe_timeout_seconds: Annotated[float, Field(gt=0)]
    veto_failed_share: Share
    one_shot_attempts: Count


class HomepageStale(_Section):
    after_days: Days


class ColumnsStale(_Section):
    after_days: dict[ColumnType, Days]
    top_level_only: tuple[ColumnType, ...]
    below_top_level_as: ColumnType | None
    news_notice_veto_at: Count
    should_update_veto_at: Count

    @model_validator(mode="after")
    def _consistent(self) -> ColumnsStale:
        never = set(self.after_days) - STALE_RULE_TYPES
        if never:
            names = ", ".join(sorted(never))
            raise ValueError(f"after_days: {names} columns are never stale (no rule applies)")
        for kind in self.top_level_only:
            if kind not in self.after_days:
                raise ValueError(f"top_level_only: {kind} has no after_days rule")
        judged = self.below_top_level_as
        if judged is not None and (judged not in self.after_days or judged in self.top_level_only):
            raise ValueError(
                f"below_top_level_as: {judged} must be a type in after_days "
                "that is not itself top_level_only (or null)"
            )
        return self


class BlankColumns(_Section):
    veto_at: Count


class EarlyWarnings(_Section):
    level: Literal["warning", "problem"]
    homepage_after_days: Days
    blank_columns_above: Days
    stale_columns_above: Days
    unreachable_share: Share


class BrokenLinks(_Section):
    evidence_urls: Count


class Scoring(_Section):
    total_points: Count
    unqualified_below: Days | None
    bonus_above: Days | None
    bonus_points: Days
    bonus_portals_only: bool


class LaterVeto(_Section):
    id: Word
    label: Word


class SupervisionEntries(_Section):
    zhaocuo_script_hosts: Words
    zhaocuo_texts: Words
    exposure_texts: Words


class Rules(_Section):
    """One profile of the census rules, validated; every number the evaluator uses."""

    profile: str
    edition: str
    availability: Availability
    homepage_stale: HomepageStale
    columns_stale: ColumnsStale
    blank_columns: BlankColumns
    early_warnings: EarlyWarnings
    broken_links: BrokenLinks
    scoring: Scoring
    later_vetoes: tuple[LaterVeto, ...]
    column_keywords: dict[ColumnType, Words]
    blank_phrases: Words
    spam_words: Words
    forbidden_words: Words
    supervision_entries: SupervisionEntries
    soft_404_phrases: Words
    maintenance_phrases: Words
    closure_phrases: Words
    labels: dict[ProblemKind, Word]
    notice_phrasings: dict[ProblemKind, Word]
    notice_phrasing_alone: tuple[ProblemKind, ...]

    @model_validator(mode="after")
    def _consistent(self) -> Rules:
        missing = [kind.value for kind in ProblemKind if kind not in self.labels]
        if missing:
            raise ValueError(f"labels: no label for {', '.join(missing)}")
        warn, veto = self.early_warnings, self
        pairs = (
            (
                "early_warnings.homepage_after_days",
                warn.homepage_after_days,
                "homepage_stale.after_days",
                veto.homepage_stale.after_days,
            ),
            (
                "early_warnings.blank_columns_above",
                warn.blank_columns_above,
                "blank_columns.veto_at",
                veto.blank_columns.veto_at,
            ),
            (
                "early_warnings.unreachable_share",
                warn.unreachable_share,
                "availability.veto_failed_share",
                veto.availability.veto_failed_share,
            ),
        )
        for warn_key, warn_value, veto_key, veto_value in pairs:
            if warn_value >= veto_value:
                raise ValueError(
                    f"{warn_key} ({warn_value}) must be below {veto_key} ({veto_value}): "
                    "an early warning comes before the veto line"
                )
        return self

    def label(self, kind: ProblemKind) -> str:
        return self.labels[kind]


# ---------------------------------------------------------------------------- loading


def _read_yaml(text: str, origin: str) -> dict[str, Any]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise RulesError(f"rules file {origin} is not valid YAML: {exc}") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise RulesError(f"rules file {origin}: expected a mapping of keys at the top level")
    return data


def _merge(
    base: Mapping[str, Any], override: Mapping[Any, Any], path: tuple[str, ...], unknown: list[str]
) -> dict[str, Any]:
    """`override` over `base`: mappings merge, anything else replaces; collects unknown keys."""
    merged = dict(base)
    for key, value in override.items():
        where = ".".join((*path, str(key)))
        if key not in base:
            unknown.append(where)
            continue
        if isinstance(base[key], dict):
            if not isinstance(value, dict):
                raise RulesError(
                    f"{where}: expected a mapping (keys: {', '.join(map(str, base[key]))})"
                )
            merged[key] = _merge(base[key], value, (*path, str(key)), unknown)
        else:
            merged[key] = value
    return merged


def merge_rules_data(
    base: Mapping[str, Any], override: Mapping[Any, Any], origin: str
) -> dict[str, Any]:
    """Deep merge of a rules file over `base`; RulesError names the file and the keys."""
    unknown: list[str] = []
    try:
        merged = _merge(base, override, (), unknown)
    except RulesError as exc:
        raise RulesError(f"rules file {origin}: {exc}") from None
    if unknown:
        raise RulesError(f"rules file {origin}: unknown key(s) {', '.join(unknown)}")
    return merged


def _describe(exc: ValidationError, origin: str) -> str:
    lines = [f"rules file {origin}: invalid rules:"]
    for err in exc.errors():
        key = ".".join(str(part) for part in err["loc"] if part != "[key]")
        # YAML speaks of lists, not tuples
        msg = err["msg"].removeprefix("Value error, ").replace("a valid tuple", "a list")
        got = err.get("input")
        shown = (
            "" if isinstance(got, dict | list) or err["type"] == "value_error" else f" ({got!r})"
        )
        lines.append(f"  {key}: {msg}{shown}" if key else f"  {msg}")
    return "\n".join(lines)


def _validate(data: Mapping[str, Any], origin: str) -> Rules:
    try:
        return Rules.model_validate(data)
    except ValidationError as exc:
        raise RulesError(_describe(exc, origin)) from None


@cache
def _packaged_data(profile: str) -> dict[str, Any]:
    """A packaged profile as plain data, its `based_on` edition merged under it."""
    if profile not in PROFILE_FILES:
        known = ", ".join(PROFILE_FILES)
        raise RulesError(f"unknown rules profile {profile!r} (known: {known})")
    name = PROFILE_FILES[profile]
    data = _read_yaml(files("rules").joinpath(name).read_text(encoding="utf-8"), f"rules/{name}")
    based_on = data.pop("based_on", None)
    if based_on is not None:
        data = merge_rules_data(_packaged_data(based_on), data, f"rules/{name}")
    if data.get("profile") != profile:
        raise RulesError(f"rules file rules/{name}: profile should be {profile!r}")
    return data


@cache
def _packaged_rules(profile: str) -> Rules:
    return _validate(_packaged_data(profile), f"rules/{PROFILE_FILES[profile]}")


def load_rules(profile: str = DEFAULT_PROFILE, override_file: Path | None = None) -> Rules:
    """The profile's rules, with the operator's file (if any) merged over them.

    Packaged profiles are cached; an operator file is read on every call, so an edit to
    it takes effect on the next load.
    """
    if override_file is None:
        return _packaged_rules(profile)
    base = _packaged_data(profile)
    origin = str(override_file)
    try:
        text = Path(override_file).read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise RulesError(f"rules file {origin} does not exist") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise RulesError(f"rules file {origin} cannot be read: {exc}") from exc
    override = _read_yaml(text, origin)
    for key in _EDITION_ONLY_KEYS:
        if key in override:
            raise RulesError(
                f"rules file {origin}: {key} cannot be set here "
                "(choose the edition with the setting rules.profile)"
            )
    return _validate(merge_rules_data(base, override, origin), origin)  # merge copies


# ---------------------------------------------------------------------------- evaluation


@dataclass(frozen=True, slots=True)
class ColumnCounts:
    stale: dict[ColumnType, int]  # stale columns by their own type
    blank: int
    news_notice_stale: int  # counted toward the news + notice line (5)
    should_update_stale: int  # counted toward the should-update line (10)

    @property
    def stale_counted(self) -> int:
        return self.news_notice_stale + self.should_update_stale


@dataclass(frozen=True, slots=True)
class Evaluation:
    problems: list[Problem]
    columns: list[ColumnResult]
    verdict: Verdict
    counts: ColumnCounts


def days_since(day: date, today: date) -> int:
    return (today - day).days


def stale_rule(column: ColumnFacts, rules: Rules) -> ColumnType | None:
    """The type whose staleness rule judges this column; None when it is never stale.

    Usually its own type; an edition that counts a type at top level only (2019: notice)
    judges a lower-level column of that type by `below_top_level_as`.
    """
    judged_as: ColumnType | None = column.type
    if judged_as in rules.columns_stale.top_level_only and not column.top_level:
        judged_as = rules.columns_stale.below_top_level_as
    return judged_as if judged_as in rules.columns_stale.after_days else None


def is_stale(column: ColumnFacts, rules: Rules, today: date) -> bool:
    """Nothing new within the column's limit; undated items count as not updated.

    A blank column is blank, not also stale; a column without items (a text page) has
    nothing to be late with.
    """
    rule = stale_rule(column, rules)
    if rule is None or column.blank or column.items == 0:
        return False
    if column.latest_update is None:
        return True
    return days_since(column.latest_update, today) > rules.columns_stale.after_days[rule]


def _column_result(column: ColumnFacts, stale: bool) -> ColumnResult:
    return ColumnResult(
        name=column.name,
        url=column.url,
        type=column.type,
        latest_update=column.latest_update,
        items=column.items,
        blank=column.blank,
        stale=stale,
        blank_reason=column.blank_reason,
    )


def _count(columns: list[ColumnFacts], stale: list[bool], rules: Rules) -> ColumnCounts:
    by_type = dict.fromkeys(ColumnType, 0)
    news_notice = should_update = 0
    for column, is_late in zip(columns, stale, strict=True):
        if not is_late:
            continue
        by_type[column.type] += 1
        if stale_rule(column, rules) in NEWS_NOTICE_TYPES:
            news_notice += 1
        else:
            should_update += 1
    return ColumnCounts(
        stale=by_type,
        blank=sum(c.blank for c in columns),
        news_notice_stale=news_notice,
        should_update_stale=should_update,
    )


def _problem(
    rules: Rules, kind: ProblemKind, level: Level, detail: str, evidence: str = ""
) -> Problem:
    return Problem(
        kind=kind,
        label=rules.label(kind),
        veto=level == "veto",
        level=level,
        detail=detail,
        evidence=evidence,
    )


def _below_line_level(rules: Rules, count: int, warning_above: int) -> Level:
    return rules.early_warnings.level if count > warning_above else "problem"


def homepage_latest(facts: SiteFacts) -> date | None:
    """The homepage's newest dated item; a navigation-only homepage takes its columns'."""
    if facts.homepage_latest is None and facts.navigation_only:
        return max((c.latest_update for c in facts.columns if c.latest_update), default=None)
    return facts.homepage_latest


def _homepage_problem(facts: SiteFacts, rules: Rules, today: date) -> Problem | None:
    latest = homepage_latest(facts)
    where = "首页为导航页，二级栏目" if facts.navigation_only else ""
    kind, evidence = ProblemKind.HOMEPAGE_STALE, facts.evidence_url
    veto_after = rules.homepage_stale.after_days
    if latest is None:
        detail = f"{where or '首页'}没有带发布日期的信息（无日期视为未更新）"
        return _problem(rules, kind, "veto", detail, evidence)
    age = days_since(latest, today)
    if age > veto_after:
        return _problem(
            rules, kind, "veto", f"{where}最新信息 {latest}，已 {age} 天未更新", evidence
        )
    if age > rules.early_warnings.homepage_after_days:
        detail = f"{where}最新信息 {latest}，已 {age} 天未更新（超过 {veto_after} 天即否决）"
        return _problem(rules, kind, rules.early_warnings.level, detail, evidence)
    return None


def _column_date(column: ColumnFacts) -> str:
    return f"最新 {column.latest_update}" if column.latest_update else "无日期"


def _columns_stale_problem(
    facts: SiteFacts, stale: list[bool], counts: ColumnCounts, rules: Rules
) -> Problem | None:
    if not counts.stale_counted:
        return None
    line = rules.columns_stale
    veto = (
        counts.news_notice_stale >= line.news_notice_veto_at
        or counts.should_update_stale >= line.should_update_veto_at
    )
    level: Level = (
        "veto"
        if veto
        else _below_line_level(
            rules, counts.stale_counted, rules.early_warnings.stale_columns_above
        )
    )
    late = [c for c, is_late in zip(facts.columns, stale, strict=True) if is_late]
    listed = "、".join(f"{c.name}（{_column_date(c)}）" for c in late)
    parts = []
    if counts.news_notice_stale:
        parts.append(
            f"动态要闻、通知公告类栏目 {counts.news_notice_stale} 个未按期更新"
            f"（{line.news_notice_veto_at} 个即否决）"
        )
    if counts.should_update_stale:
        parts.append(
            f"应更新栏目 {counts.should_update_stale} 个长期未更新"
            f"（{line.should_update_veto_at} 个即否决）"
        )
    detail = "，".join(parts) + "：" + listed
    return _problem(rules, ProblemKind.COLUMNS_STALE, level, detail, " ".join(c.url for c in late))


def _blank_reason(column: ColumnFacts) -> str:
    if not column.blank_reason:
        return column.name
    reason = "无信息" if column.blank_reason == "no items" else column.blank_reason
    return f"{column.name}（{reason}）"


def _blank_problem(facts: SiteFacts, counts: ColumnCounts, rules: Rules) -> Problem | None:
    if not counts.blank:
        return None
    veto_at = rules.blank_columns.veto_at
    level: Level = (
        "veto"
        if counts.blank >= veto_at
        else _below_line_level(rules, counts.blank, rules.early_warnings.blank_columns_above)
    )
    blank = [c for c in facts.columns if c.blank]
    detail = f"空白栏目 {counts.blank} 个（{veto_at} 个即否决）：" + "、".join(
        _blank_reason(c) for c in blank
    )
    return _problem(rules, ProblemKind.BLANK_COLUMNS, level, detail, " ".join(c.url for c in blank))


def _severe_error_problem(facts: SiteFacts, rules: Rules) -> Problem | None:
    parts = []
    if facts.spam_blocks:
        parts.append(f"首页有隐藏的违规链接块（暗链）{len(facts.spam_blocks)} 处")
    if facts.forbidden_words:
        parts.append(f"页面含禁用词：{'、'.join(facts.forbidden_words)}")
    if not parts:
        return None
    excerpt = facts.spam_blocks[0][:200] if facts.spam_blocks else ""
    evidence = " ".join(part for part in (facts.evidence_url, excerpt) if part)
    return _problem(rules, ProblemKind.SEVERE_ERROR, "veto", "；".join(parts), evidence)


def _broken_links_problem(facts: SiteFacts, rules: Rules) -> Problem | None:
    total = len(facts.broken_links)
    if not total:
        return None
    on_home = min(facts.homepage_broken_links, total)
    detail = (
        f"错误链接 {total} 个（首页 {on_home} 个，其他页面 {total - on_home} 个），"
        f"共检查链接 {facts.links_checked} 个"
    )
    shown = facts.broken_links[: rules.broken_links.evidence_urls]
    return _problem(
        rules, ProblemKind.BROKEN_LINKS, "problem", detail, " ".join(b.url for b in shown)
    )


def _normal_code(code: str) -> str:
    return code.strip().lower()  # central departments' codes start with "bm"


def site_id_code_findings(facts: SiteFacts) -> list[str]:
    """What is wrong with the 网站标识码 on the page, one phrase per finding."""
    registered = _normal_code(facts.code)
    on_page = {
        "元数据 SiteIDCode": facts.site_id_meta,
        "页脚": facts.site_id_footer,
        "“我为政府网站找错”入口 sitecode": facts.zhaocuo_sitecode,
    }
    findings = []
    if not facts.site_id_meta and not facts.site_id_footer:
        findings.append("页面未标注网站标识码（元数据 SiteIDCode 与页脚均无）")
    present = {where: code for where, code in on_page.items() if code}
    if len({_normal_code(code) for code in present.values()}) > 1:
        findings.append("页面上的网站标识码互不一致")
    findings.extend(
        f"{where}为 {code}，与登记的 {facts.code} 不一致"
        for where, code in present.items()
        if _normal_code(code) != registered
    )
    return findings


def _content_problems(
    facts: SiteFacts, stale: list[bool], counts: ColumnCounts, rules: Rules, today: date
) -> list[Problem]:
    """Every rule that reads the pages of a site that answered."""
    found = [
        _homepage_problem(facts, rules, today),
        _columns_stale_problem(facts, stale, counts, rules),
        _blank_problem(facts, counts, rules),
        _severe_error_problem(facts, rules),
        _broken_links_problem(facts, rules),
    ]
    home = facts.evidence_url
    if not facts.zhaocuo_entry:
        detail = "首页未发现“我为政府网站找错”入口"
        found.append(_problem(rules, ProblemKind.MISSING_ZHAOCUO_ENTRY, "problem", detail, home))
    if not facts.exposure_entry:
        detail = "首页未发现问题曝光台入口"
        found.append(_problem(rules, ProblemKind.MISSING_EXPOSURE_ENTRY, "problem", detail, home))
    if code_findings := site_id_code_findings(facts):
        detail = "；".join(code_findings)
        found.append(_problem(rules, ProblemKind.SITE_ID_CODE_MISSING, "problem", detail, home))
    if facts.tls_error:
        detail = f"证书异常：{facts.tls_error}"
        found.append(_problem(rules, ProblemKind.TLS_ERROR, "problem", detail, home))
    return [p for p in found if p is not None]


def _in_order(problems: Iterable[Problem]) -> list[Problem]:
    rank = {kind: i for i, kind in enumerate(PROBLEM_ORDER)}
    return sorted(problems, key=lambda p: rank[p.kind])


def evaluate(facts: SiteFacts, rules: Rules, today: date) -> Evaluation:
    """The census rules over one site's facts: its problems, columns and verdict.

    - temporarily closed (being rebuilt): not checked;
    - permanently closed and down, or showing a closure notice: closed as it applied to
      be; "not_checked" rather than "qualified", since there is no site left to qualify;
    - permanently closed but serving content: closed_site_online (veto), and the content
      is evaluated like any other, since the public still sees it;
    - open but unreachable: site_unreachable (veto) only, nothing else can be read.
    """
    if facts.status is SiteStatus.TEMPORARILY_CLOSED:
        return _unjudged(facts, rules, [], "not_checked")
    closed = facts.status is SiteStatus.PERMANENTLY_CLOSED
    if closed and (not facts.reachable or facts.closure_notice):
        return _unjudged(facts, rules, [], "not_checked")
    if not facts.reachable:
        detail = f"首页无法打开：{facts.error}" if facts.error else "首页无法打开"
        problem = _problem(rules, ProblemKind.SITE_UNREACHABLE, "veto", detail, facts.evidence_url)
        return _unjudged(facts, rules, [problem], "unqualified")

    stale = [is_stale(c, rules, today) for c in facts.columns]
    counts = _count(facts.columns, stale, rules)
    problems = _content_problems(facts, stale, counts, rules, today)
    if closed:
        detail = "已申请永久关停，站点仍可访问并提供内容"
        problems.append(
            _problem(rules, ProblemKind.CLOSED_SITE_ONLINE, "veto", detail, facts.evidence_url)
        )
    columns = [_column_result(c, s) for c, s in zip(facts.columns, stale, strict=True)]
    verdict: Verdict = "unqualified" if any(p.veto for p in problems) else "qualified"
    return Evaluation(_in_order(problems), columns, verdict, counts)


def _unjudged(
    facts: SiteFacts, rules: Rules, problems: list[Problem], verdict: Verdict
) -> Evaluation:
    """A site whose pages were not judged: columns as seen, none of them stale."""
    stale = [False] * len(facts.columns)
    columns = [_column_result(c, False) for c in facts.columns]
    return Evaluation(problems, columns, verdict, _count(facts.columns, stale, rules))


def notice_phrases(problems: Iterable[Problem], rules: Rules | None = None) -> str:
    """A site's veto problems as the notices' 存在的突出问题 cell writes them.

    Phrasings in the profile's order, joined by a space ("首页长期不更新 多个栏目为空白");
    a phrasing marked alone (a closed site still online) stands by itself.
    """
    rules = rules or load_rules()
    vetoed = {p.kind for p in problems if p.veto}
    alone = [kind for kind in rules.notice_phrasing_alone if kind in vetoed]
    if alone:
        vetoed = set(alone)
    ordered = [kind for kind in rules.notice_phrasings if kind in vetoed]
    ordered += sorted(
        (kind for kind in vetoed if kind not in rules.notice_phrasings),
        key=PROBLEM_ORDER.index,
    )
    phrases: list[str] = []
    for kind in ordered:
        phrase = rules.notice_phrasings.get(kind) or rules.label(kind)
        if phrase not in phrases:
            phrases.append(phrase)
    return " ".join(phrases)
