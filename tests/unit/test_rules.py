"""The census rules: every line at, just below and just above its threshold."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest

from crawler.facts import ColumnFacts, SiteFacts
from crawler.result import BrokenLink, ColumnType, Problem, ProblemKind
from crawler.rules import (
    Evaluation,
    Rules,
    RulesError,
    evaluate,
    is_stale,
    load_rules,
    notice_phrases,
)
from crawler.site import SiteStatus

TODAY = date(2026, 11, 28)
CODE = "5325230002"
HOME = "http://www.example.gov.cn/"

NEWS, NOTICE = ColumnType.NEWS, ColumnType.NOTICE
SHOULD_UPDATE, STATIC, OTHER = ColumnType.SHOULD_UPDATE, ColumnType.STATIC, ColumnType.OTHER


@pytest.fixture(scope="module")
def census() -> Rules:
    return load_rules("census-2015")


@pytest.fixture(scope="module")
def inspection() -> Rules:
    return load_rules("inspection-2019")


def days_ago(days: int) -> date:
    return TODAY - timedelta(days=days)


def column(
    name: str = "工作动态",
    type: ColumnType = NEWS,
    age: int | None = 1,
    *,
    items: int = 20,
    blank: bool = False,
    blank_reason: str | None = None,
    top_level: bool = True,
) -> ColumnFacts:
    return ColumnFacts(
        name=name,
        url=f"{HOME}{name}/",
        type=type,
        latest_update=None if age is None else days_ago(age),
        items=items,
        blank=blank,
        blank_reason=blank_reason,
        top_level=top_level,
    )


def columns_of(type: ColumnType, count: int, age: int | None, **kw) -> list[ColumnFacts]:
    return [column(f"{type.value}{i}", type, age, **kw) for i in range(count)]


def blank_columns(count: int) -> list[ColumnFacts]:
    return [
        column(f"空白{i}", STATIC, None, items=0, blank=True, blank_reason="暂无信息")
        for i in range(count)
    ]


def healthy(**changes) -> SiteFacts:
    """A site with nothing wrong; each test changes what it is about."""
    facts = SiteFacts(
        code=CODE,
        status=SiteStatus.OPEN,
        reachable=True,
        homepage_latest=days_ago(1),
        homepage_dated_items=30,
        columns=[column(), column("通知公告", NOTICE, 30), column("领导信息", STATIC, None)],
        zhaocuo_entry=True,
        zhaocuo_sitecode=CODE,
        exposure_entry=True,
        site_id_meta=CODE,
        site_id_footer=CODE,
        links_checked=100,
        evidence_url=HOME,
    )
    return replace(facts, **changes)


def only(evaluation: Evaluation, kind: ProblemKind) -> Problem:
    found = [p for p in evaluation.problems if p.kind == kind]
    assert len(found) == 1, evaluation.problems
    return found[0]


def kinds(evaluation: Evaluation) -> list[ProblemKind]:
    return [p.kind for p in evaluation.problems]


# ---------------------------------------------------------------- the shipped profiles


def test_healthy_site_is_qualified_without_problems(census: Rules) -> None:
    result = evaluate(healthy(), census, TODAY)
    assert result.problems == []
    assert result.verdict == "qualified"
    assert [c.stale for c in result.columns] == [False, False, False]


def test_census_numbers(census: Rules) -> None:
    assert census.homepage_stale.after_days == 14
    assert census.columns_stale.after_days == {NEWS: 14, NOTICE: 183, SHOULD_UPDATE: 365}
    assert census.columns_stale.news_notice_veto_at == 5
    assert census.columns_stale.should_update_veto_at == 10
    assert census.blank_columns.veto_at == 5
    assert census.availability.veto_failed_share == 0.05
    assert census.availability.min_probes_per_day == 20
    assert census.availability.probe_timeout_seconds == 15
    assert census.availability.one_shot_attempts == 3
    assert census.early_warnings.level == "warning"
    assert census.early_warnings.homepage_after_days == 10
    assert census.early_warnings.unreachable_share == 0.03
    assert census.forbidden_words == ()
    assert "暂无信息" in census.blank_phrases
    assert "博彩" in census.spam_words
    assert "zfwzgl.www.gov.cn" in census.supervision_entries.zhaocuo_script_hosts
    assert "网站已关停" in census.closure_phrases
    assert "页面不存在" in census.soft_404_phrases
    assert set(census.labels) == set(ProblemKind)


def test_editions_differ_only_where_the_2019_indicators_do(
    census: Rules, inspection: Rules
) -> None:
    a = census.model_dump(
        exclude={"profile", "edition", "columns_stale", "scoring", "later_vetoes"}
    )
    b = inspection.model_dump(
        exclude={"profile", "edition", "columns_stale", "scoring", "later_vetoes"}
    )
    assert a == b
    assert inspection.profile == "inspection-2019"
    assert inspection.columns_stale.top_level_only == (NOTICE,)
    assert inspection.columns_stale.news_notice_veto_at == 5
    assert inspection.columns_stale.should_update_veto_at == 10
    assert inspection.scoring.unqualified_below == 60


def test_packaged_profiles_are_cached(census: Rules) -> None:
    assert load_rules() is census


def test_unknown_profile() -> None:
    with pytest.raises(RulesError, match=r"census-2099.*known: census-2015, inspection-2019"):
        load_rules("census-2099")


# ---------------------------------------------------------------- column staleness


@pytest.mark.parametrize(
    ("type", "age", "stale"),
    [
        (NEWS, 14, False),
        (NEWS, 15, True),
        (NOTICE, 183, False),
        (NOTICE, 184, True),
        (SHOULD_UPDATE, 365, False),
        (SHOULD_UPDATE, 366, True),
        (STATIC, 5000, False),
        (OTHER, 5000, False),
    ],
)
def test_column_stale_after_its_days(census: Rules, type: ColumnType, age: int, stale: bool):
    assert is_stale(column("栏目", type, age), census, TODAY) is stale


@pytest.mark.parametrize("type", [NEWS, NOTICE, SHOULD_UPDATE])
def test_undated_items_count_as_not_updated(census: Rules, type: ColumnType) -> None:
    assert is_stale(column("栏目", type, None, items=8), census, TODAY)


def test_static_column_without_dates_is_not_stale(census: Rules) -> None:
    assert not is_stale(column("联系我们", STATIC, None, items=3), census, TODAY)


def test_blank_column_is_blank_not_also_stale(census: Rules) -> None:
    site = healthy(
        columns=[column("工作动态", NEWS, None, items=0, blank=True, blank_reason="no items")]
    )
    result = evaluate(site, census, TODAY)
    assert result.columns[0].blank and not result.columns[0].stale
    assert kinds(result) == [ProblemKind.BLANK_COLUMNS]
    assert result.counts.blank == 1 and result.counts.stale_counted == 0
    assert "工作动态（无信息）" in result.problems[0].detail


def test_future_dated_column_is_not_stale(census: Rules) -> None:
    assert not is_stale(column("工作动态", NEWS, -3), census, TODAY)


# ---------------------------------------------------------------- homepage


@pytest.mark.parametrize(
    ("age", "level"),
    [(10, None), (11, "warning"), (14, "warning"), (15, "veto")],
)
def test_homepage_stale_lines(census: Rules, age: int, level: str | None) -> None:
    result = evaluate(healthy(homepage_latest=days_ago(age)), census, TODAY)
    if level is None:
        assert result.problems == []
        return
    problem = only(result, ProblemKind.HOMEPAGE_STALE)
    assert problem.level == level
    assert problem.veto is (level == "veto")
    assert problem.label == "首页长期不更新"
    assert f"最新信息 {days_ago(age)}，已 {age} 天未更新" in problem.detail
    assert result.verdict == ("unqualified" if level == "veto" else "qualified")


def test_homepage_detail_reads_like_the_notice(census: Rules) -> None:
    site = healthy(homepage_latest=date(2026, 10, 2))
    problem = only(evaluate(site, census, TODAY), ProblemKind.HOMEPAGE_STALE)
    assert problem.detail == "最新信息 2026-10-02，已 57 天未更新"
    assert problem.evidence == HOME


def test_homepage_without_dated_items_is_stale(census: Rules) -> None:
    result = evaluate(healthy(homepage_latest=None, homepage_dated_items=0), census, TODAY)
    problem = only(result, ProblemKind.HOMEPAGE_STALE)
    assert problem.veto and "没有带发布日期的信息" in problem.detail


def test_navigation_only_homepage_takes_its_newest_column(census: Rules) -> None:
    cols = [column("工作动态", NEWS, 3), column("通知公告", NOTICE, 30)]
    site = healthy(homepage_latest=None, navigation_only=True, columns=cols)
    assert evaluate(site, census, TODAY).problems == []

    old = [column("工作动态", NEWS, 20, items=0), column("通知公告", NOTICE, 30)]
    site = healthy(homepage_latest=None, navigation_only=True, columns=old)
    problem = only(evaluate(site, census, TODAY), ProblemKind.HOMEPAGE_STALE)
    assert problem.veto
    assert problem.detail == f"首页为导航页，二级栏目最新信息 {days_ago(20)}，已 20 天未更新"


def test_navigation_only_without_any_date(census: Rules) -> None:
    site = healthy(
        homepage_latest=None, navigation_only=True, columns=[column("联系我们", STATIC, None)]
    )
    assert only(evaluate(site, census, TODAY), ProblemKind.HOMEPAGE_STALE).veto


# ---------------------------------------------------------------- columns not updated


@pytest.mark.parametrize(
    ("news", "notice", "level"),
    [(1, 0, "problem"), (2, 2, "problem"), (4, 0, "problem"), (5, 0, "veto"), (2, 3, "veto")],
)
def test_news_and_notice_columns_together(census: Rules, news: int, notice: int, level: str):
    cols = columns_of(NEWS, news, 15) + columns_of(NOTICE, notice, 184)
    result = evaluate(healthy(columns=cols), census, TODAY)
    problem = only(result, ProblemKind.COLUMNS_STALE)
    assert problem.level == level
    assert problem.veto is (level == "veto")
    assert result.counts.news_notice_stale == news + notice
    assert result.counts.stale[NEWS] == news and result.counts.stale[NOTICE] == notice


def test_columns_just_inside_their_limits_are_not_counted(census: Rules) -> None:
    cols = columns_of(NEWS, 5, 14) + columns_of(NOTICE, 5, 183) + columns_of(SHOULD_UPDATE, 10, 365)
    result = evaluate(healthy(columns=cols), census, TODAY)
    assert result.problems == [] and result.counts.stale_counted == 0


@pytest.mark.parametrize(
    ("count", "level"),
    [(1, "problem"), (6, "problem"), (7, "warning"), (9, "warning"), (10, "veto")],
)
def test_should_update_columns(census: Rules, count: int, level: str) -> None:
    result = evaluate(healthy(columns=columns_of(SHOULD_UPDATE, count, 366)), census, TODAY)
    problem = only(result, ProblemKind.COLUMNS_STALE)
    assert problem.level == level
    assert result.counts.should_update_stale == count


def test_stale_warning_counts_both_lines_together(census: Rules) -> None:
    cols = columns_of(NEWS, 4, 20) + columns_of(SHOULD_UPDATE, 3, 400)
    problem = only(evaluate(healthy(columns=cols), census, TODAY), ProblemKind.COLUMNS_STALE)
    assert (problem.veto, problem.level) == (False, "warning")


def test_columns_stale_detail_names_columns_and_dates(census: Rules) -> None:
    cols = [column("工作动态", NEWS, 20), column("人事信息", SHOULD_UPDATE, None, items=4)]
    problem = only(evaluate(healthy(columns=cols), census, TODAY), ProblemKind.COLUMNS_STALE)
    assert problem.label == "栏目长期不更新"
    assert f"工作动态（最新 {days_ago(20)}）" in problem.detail
    assert "人事信息（无日期）" in problem.detail
    assert "动态要闻、通知公告类栏目 1 个" in problem.detail
    assert "应更新栏目 1 个" in problem.detail
    assert problem.evidence == f"{HOME}工作动态/ {HOME}人事信息/"


def test_undated_columns_reach_the_veto(census: Rules) -> None:
    result = evaluate(healthy(columns=columns_of(NEWS, 5, None, items=10)), census, TODAY)
    assert only(result, ProblemKind.COLUMNS_STALE).veto
    assert result.verdict == "unqualified"


# ---------------------------------------------------------------- the 2019 edition


def test_2019_counts_only_top_level_notice_columns(census: Rules, inspection: Rules) -> None:
    # 3 stale news + 2 notice columns 200 days old below the navigation bar.
    cols = columns_of(NEWS, 3, 20) + columns_of(NOTICE, 2, 200, top_level=False)
    site = healthy(columns=cols)

    in_2015 = evaluate(site, census, TODAY)
    assert only(in_2015, ProblemKind.COLUMNS_STALE).veto
    assert in_2015.verdict == "unqualified"

    in_2019 = evaluate(site, inspection, TODAY)
    assert in_2019.verdict == "qualified"
    problem = only(in_2019, ProblemKind.COLUMNS_STALE)
    assert not problem.veto and in_2019.counts.news_notice_stale == 3
    assert [c.stale for c in in_2019.columns] == [True] * 3 + [False] * 2


def test_2019_lower_level_notice_column_is_judged_as_should_update(inspection: Rules) -> None:
    lower = column("政策解读", NOTICE, 366, top_level=False)
    assert is_stale(lower, inspection, TODAY)
    assert not is_stale(replace(lower, latest_update=days_ago(365)), inspection, TODAY)
    assert is_stale(replace(lower, top_level=True, latest_update=days_ago(184)), inspection, TODAY)
    result = evaluate(healthy(columns=[lower]), inspection, TODAY)
    assert result.counts.should_update_stale == 1 and result.counts.stale[NOTICE] == 1


# ---------------------------------------------------------------- blank columns


@pytest.mark.parametrize(
    ("count", "level"),
    [(1, "problem"), (2, "problem"), (3, "warning"), (4, "warning"), (5, "veto")],
)
def test_blank_column_lines(census: Rules, count: int, level: str) -> None:
    result = evaluate(healthy(columns=blank_columns(count)), census, TODAY)
    problem = only(result, ProblemKind.BLANK_COLUMNS)
    assert problem.level == level
    assert problem.veto is (count >= 5)
    assert problem.label == "多个栏目为空白"
    assert problem.detail.startswith(f"空白栏目 {count} 个（5 个即否决）：空白0（暂无信息）")
    assert result.verdict == ("unqualified" if count >= 5 else "qualified")


# ---------------------------------------------------------------- closed and unreachable


def test_temporarily_closed_site_is_not_checked(census: Rules) -> None:
    site = healthy(status=SiteStatus.TEMPORARILY_CLOSED, reachable=False, homepage_latest=None)
    result = evaluate(site, census, TODAY)
    assert (result.problems, result.verdict) == ([], "not_checked")


@pytest.mark.parametrize(
    ("reachable", "closure_notice"), [(False, False), (True, True)], ids=["down", "notice"]
)
def test_permanently_closed_and_really_closed(census: Rules, reachable: bool, closure_notice: bool):
    site = healthy(
        status=SiteStatus.PERMANENTLY_CLOSED,
        reachable=reachable,
        closure_notice=closure_notice,
        homepage_latest=None,
        columns=[],
        zhaocuo_entry=False,
    )
    result = evaluate(site, census, TODAY)
    assert (result.problems, result.verdict) == ([], "not_checked")


def test_permanently_closed_site_still_online(census: Rules) -> None:
    site = healthy(status=SiteStatus.PERMANENTLY_CLOSED, homepage_latest=days_ago(400))
    result = evaluate(site, census, TODAY)
    assert kinds(result)[:2] == [ProblemKind.CLOSED_SITE_ONLINE, ProblemKind.HOMEPAGE_STALE]
    closed = only(result, ProblemKind.CLOSED_SITE_ONLINE)
    assert closed.veto and closed.label == "申请永久关停后站点未关闭"
    assert result.verdict == "unqualified"
    assert notice_phrases(result.problems) == "申请永久关停后站点未关闭"


def test_unreachable_site_has_that_problem_only(census: Rules) -> None:
    site = healthy(reachable=False, error="timeout: no answer in 15 s", homepage_latest=None)
    result = evaluate(site, census, TODAY)
    problem = only(result, ProblemKind.SITE_UNREACHABLE)
    assert kinds(result) == [ProblemKind.SITE_UNREACHABLE]
    assert problem.veto and problem.label == "站点无法访问"
    assert "timeout" in problem.detail
    assert result.verdict == "unqualified"
    assert notice_phrases(result.problems) == "站点无法访问"


# ---------------------------------------------------------------- problems without veto


def test_broken_links_never_veto(census: Rules) -> None:
    broken = [BrokenLink(url=f"{HOME}gone{i}.html", found_on=[HOME], status=404) for i in range(8)]
    site = healthy(broken_links=broken, homepage_broken_links=3, links_checked=312)
    result = evaluate(site, census, TODAY)
    problem = only(result, ProblemKind.BROKEN_LINKS)
    assert (problem.veto, problem.level, result.verdict) == (False, "problem", "qualified")
    assert problem.detail == "错误链接 8 个（首页 3 个，其他页面 5 个），共检查链接 312 个"
    assert problem.evidence.split() == [b.url for b in broken[:5]]


def test_missing_supervision_entries(census: Rules) -> None:
    result = evaluate(healthy(zhaocuo_entry=False, exposure_entry=False), census, TODAY)
    assert kinds(result) == [ProblemKind.MISSING_ZHAOCUO_ENTRY, ProblemKind.MISSING_EXPOSURE_ENTRY]
    assert not any(p.veto for p in result.problems) and result.verdict == "qualified"
    assert result.problems[0].label == '未添加"我为政府网站找错"入口'


def test_tls_error_is_listed_without_veto(census: Rules) -> None:
    result = evaluate(healthy(tls_error="certificate has expired"), census, TODAY)
    problem = only(result, ProblemKind.TLS_ERROR)
    assert not problem.veto and "certificate has expired" in problem.detail
    assert result.verdict == "qualified"


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"site_id_meta": None, "site_id_footer": None}, "未标注网站标识码"),
        ({"site_id_footer": "5325230003"}, "页脚为 5325230003，与登记的 5325230002 不一致"),
        ({"site_id_meta": "5325230009", "site_id_footer": None}, "元数据 SiteIDCode为 5325230009"),
        ({"zhaocuo_sitecode": "5300000001"}, "入口 sitecode为 5300000001"),
        ({"site_id_meta": "5325230009", "site_id_footer": "5325230008"}, "互不一致"),
    ],
)
def test_site_id_code_missing_or_wrong(census: Rules, changes: dict, says: str) -> None:
    result = evaluate(healthy(**changes), census, TODAY)
    problem = only(result, ProblemKind.SITE_ID_CODE_MISSING)
    assert not problem.veto and says in problem.detail
    assert result.verdict == "qualified"


def test_site_id_code_in_one_place_is_enough(census: Rules) -> None:
    assert evaluate(healthy(site_id_meta=None), census, TODAY).problems == []
    assert (
        evaluate(healthy(site_id_footer=None, zhaocuo_sitecode=None), census, TODAY).problems == []
    )


def test_department_codes_compare_without_case(census: Rules) -> None:
    site = healthy(code="bm10000001", site_id_meta="BM10000001", site_id_footer=None)
    assert evaluate(replace(site, zhaocuo_sitecode=None), census, TODAY).problems == []


@pytest.mark.parametrize(
    "changes",
    [
        {"spam_blocks": ['<div style="display:none"><a>澳门娱乐城</a></div>']},
        {"forbidden_words": ["某词"]},
    ],
)
def test_severe_error_vetoes(census: Rules, changes: dict) -> None:
    result = evaluate(healthy(**changes), census, TODAY)
    problem = only(result, ProblemKind.SEVERE_ERROR)
    assert problem.veto and problem.label == "严重错误"
    assert result.verdict == "unqualified"


# ---------------------------------------------------------------- verdicts and notices


def test_problems_listed_vetoes_first(census: Rules) -> None:
    site = healthy(
        homepage_latest=days_ago(30),
        columns=blank_columns(5),
        zhaocuo_entry=False,
        tls_error="self-signed",
    )
    result = evaluate(site, census, TODAY)
    assert kinds(result) == [
        ProblemKind.HOMEPAGE_STALE,
        ProblemKind.BLANK_COLUMNS,
        ProblemKind.MISSING_ZHAOCUO_ENTRY,
        ProblemKind.TLS_ERROR,
    ]
    assert result.verdict == "unqualified"
    assert notice_phrases(result.problems) == "首页长期不更新 多个栏目为空白"


def test_notice_phrases_stable_order_and_only_vetoes(census: Rules) -> None:
    def veto(kind: ProblemKind, is_veto: bool = True) -> Problem:
        return Problem(kind=kind, label="", veto=is_veto, level="veto", detail="")

    problems = [
        veto(ProblemKind.COLUMNS_STALE),
        veto(ProblemKind.BLANK_COLUMNS),
        veto(ProblemKind.HOMEPAGE_STALE),
        veto(ProblemKind.BROKEN_LINKS, is_veto=False),
    ]
    assert notice_phrases(problems, census) == "首页长期不更新 多个栏目为空白 多个栏目长期不更新"
    assert notice_phrases(list(reversed(problems)), census) == notice_phrases(problems, census)
    assert notice_phrases([veto(ProblemKind.BROKEN_LINKS, is_veto=False)], census) == ""
    assert notice_phrases([]) == ""


def test_evaluate_does_not_change_its_input(census: Rules) -> None:
    site = healthy(columns=blank_columns(5))
    before = replace(site)
    evaluate(site, census, TODAY)
    assert site == before


# ---------------------------------------------------------------- the operator's file


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_override_changes_a_number(tmp_path: Path, census: Rules) -> None:
    rules = load_rules(override_file=write(tmp_path, "blank_columns:\n  veto_at: 3\n"))
    assert rules.blank_columns.veto_at == 3
    assert rules.columns_stale == census.columns_stale  # the rest is the profile's
    early = "early_warnings:\n  blank_columns_above: 1\nblank_columns:\n  veto_at: 3\n"
    rules = load_rules(override_file=write(tmp_path, early))
    assert only(
        evaluate(healthy(columns=blank_columns(3)), rules, TODAY), ProblemKind.BLANK_COLUMNS
    ).veto


def test_override_merges_mappings_key_by_key(tmp_path: Path) -> None:
    rules = load_rules(
        override_file=write(tmp_path, "columns_stale:\n  after_days:\n    news: 7\n")
    )
    assert rules.columns_stale.after_days == {NEWS: 7, NOTICE: 183, SHOULD_UPDATE: 365}
    assert is_stale(column("工作动态", NEWS, 8), rules, TODAY)


def test_override_replaces_a_list(tmp_path: Path) -> None:
    text = "forbidden_words: [错字一, 错字二]\nblank_phrases: [暂无]\n"
    rules = load_rules(override_file=write(tmp_path, text))
    assert rules.forbidden_words == ("错字一", "错字二")
    assert rules.blank_phrases == ("暂无",)


def test_override_applies_to_the_chosen_profile(tmp_path: Path) -> None:
    rules = load_rules("inspection-2019", write(tmp_path, "homepage_stale:\n  after_days: 20\n"))
    assert rules.profile == "inspection-2019"
    assert rules.columns_stale.top_level_only == (NOTICE,)
    assert rules.homepage_stale.after_days == 20


def test_override_file_is_not_cached(tmp_path: Path) -> None:
    path = write(tmp_path, "blank_columns:\n  veto_at: 3\n")
    assert load_rules(override_file=path).blank_columns.veto_at == 3
    path.write_text("blank_columns:\n  veto_at: 4\n", encoding="utf-8")
    assert load_rules(override_file=path).blank_columns.veto_at == 4
    assert load_rules().blank_columns.veto_at == 5


def test_empty_override_file_changes_nothing(tmp_path: Path, census: Rules) -> None:
    assert load_rules(override_file=write(tmp_path, "# nothing yet\n")) == census


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("blank_column:\n  veto_at: 3\n", "unknown key(s) blank_column"),
        ("columns_stale:\n  after_days:\n    static: 30\n", "columns_stale.after_days.static"),
        (
            "homepage_stale:\n  after_days: 14\n  warn: 3\nlabelz: {}\n",
            "homepage_stale.warn, labelz",
        ),
    ],
)
def test_override_unknown_keys_are_named(tmp_path: Path, text: str, names: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(RulesError) as caught:
        load_rules(override_file=path)
    assert str(path) in str(caught.value) and names in str(caught.value)


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("blank_columns:\n  veto_at: five\n", "blank_columns.veto_at"),
        ("spam_words: 博彩\n", "spam_words"),
        ("blank_columns: 5\n", "blank_columns: expected a mapping"),
        ("columns_stale:\n  after_days:\n    news: -1\n", "columns_stale.after_days.news"),
        ("early_warnings:\n  level: loud\n", "early_warnings.level"),
        ("forbidden_words: ['']\n", "forbidden_words.0"),
        ("early_warnings:\n  homepage_after_days: 14\n", "early_warnings.homepage_after_days"),
        ("profile: inspection-2019\n", "profile cannot be set here"),
        ("- just a list\n", "expected a mapping of keys"),
        ("blank_columns: [\n", "not valid YAML"),
    ],
)
def test_override_bad_values_are_named(tmp_path: Path, text: str, names: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(RulesError) as caught:
        load_rules(override_file=path)
    assert str(path) in str(caught.value) and names in str(caught.value)


def test_missing_override_file(tmp_path: Path) -> None:
    with pytest.raises(RulesError, match="does not exist"):
        load_rules(override_file=tmp_path / "nope.yaml")
