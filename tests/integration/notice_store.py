"""A store whose results reproduce the example notice's annex 2 and annex 3 (CENSUS.md).

Quarter 2016Q4, previous quarter 2016Q3, as in 云府办明电〔2017〕5号. Besides the annex
sites: sites named in Q3 that fixed their problems, qualified sites, closed sites and
results just outside the quarter, so the report has something to leave out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from crawler.recorder import EvidencePage, Recorded, record
from crawler.registry import import_sites
from crawler.reports.model import NamedSite
from crawler.result import Entries, Problem, ProblemKind, SiteResult
from crawler.rules import load_rules
from crawler.site import Site, SiteStatus
from crawler.store import Store

ANNEX2 = [
    (1, "昆明", "昆明市人民政府外事侨务办公室", "首页长期不更新", "5301000041"),
    (2, "昆明", "昆明市人民政府法制办公室", "站点无法访问", "5301000043"),
    (3, "昆明", "昆明市水政监察网", "多个栏目为空白", "5301000057"),
    (4, "昭通", "永善教育网", "站点无法访问", "5306250038"),
    (5, "曲靖", "宣威市规划局", "首页长期不更新 多个栏目为空白", "5303810003"),
    (6, "玉溪", "玉溪档案信息网", "多个栏目长期不更新", "5301000006"),
    (7, "玉溪", "玉溪市商务局网", "站点无法访问", "5304000023"),
    (8, "玉溪", "红塔教育网", "多个栏目为空白", "5304020001"),
    (9, "玉溪", "玉溪市峨山彝族自治县人民政府财政局", "站点无法访问", "5304260003"),
    (10, "楚雄", "武定县国土资源局", "多个栏目长期不更新", "5323290001"),
    (11, "楚雄", "武定信息网", "站点无法访问", "5323290005"),
    (12, "红河", "红河州工信委", "站点无法访问", "5325000023"),
    (13, "文山", "富宁c网通", "站点无法访问", "5326280002"),
    (14, "西双版纳", "景洪市人力资源和社会保障局", "首页长期不更新", "5328010021"),
    (15, "德宏", "芒市档案信息网", "首页长期不更新", "5331030001"),
]

ANNEX3 = [
    (1, "曲靖", "麒麟区地震局一试点", "申请永久关停后站点未关闭", "5303020029"),
    (2, "红河", "蒙自市人民政府门户网站", "未完成整改", "5325030002"),
    (3, "红河", "云南省屏边县教育局", "完成整改后未持续更新", "5325230002"),
    (4, "文山", "富宁政务网", "未完成整改", "5326280005"),
    (
        5,
        "普洱",
        "孟连县住房和城乡建设和环境保护局政府信息信息公开网站",
        "完成整改后未持续更新",
        "5308270030",
    ),
    (6, "西双版纳", "勐海县工业园区管委会", "完成整改后未持续更新", "5328220013"),
    (7, "德宏", "瑞丽农业信息网", "站点无法访问", "5331020003"),
    (8, "丽江", "古城区开南街道办事处一试点", "申请永久关停后站点未关闭", "5307020016"),
    (9, "丽江", "丽江市公安局古城分局一试点", "申请永久关停后站点未关闭", "5307020019"),
    (10, "怒江", "福贡县公安局政府信息公开网", "申请永久关停后站点未关闭", "5333230004"),
    (11, "怒江", "福贡县政务服务管理局", "申请永久关停后站点未关闭", "5333230017"),
    (12, "怒江", "贡山县捧当乡人民政府信息公开网", "未完成整改", "5333240005"),
    (13, "怒江", "贡山县地震局", "未完成整改", "5333240011"),
    (14, "临沧", "临翔区邦东乡", "完成整改后未持续更新", "5309020022"),
    (15, "临沧", "云县公共资源交易网", "未完成整改", "5309220059"),
]

# Named in Q3 and fixed in Q4: three now qualified, one closed as it applied to be.
FIXED_Q3 = [
    ("昆明", "昆明市某局网站", "5301000070", "首页长期不更新", SiteStatus.OPEN),
    ("大理", "大理市某局网站", "5329010008", "多个栏目为空白", SiteStatus.OPEN),
    ("保山", "保山市某局网站", "5305000011", "站点无法访问", SiteStatus.OPEN),
    ("迪庆", "香格里拉市某局网站", "5334010002", "首页长期不更新", SiteStatus.PERMANENTLY_CLOSED),
]

PHRASE_KINDS = {
    "首页长期不更新": ProblemKind.HOMEPAGE_STALE,
    "站点无法访问": ProblemKind.SITE_UNREACHABLE,
    "多个栏目为空白": ProblemKind.BLANK_COLUMNS,
    "多个栏目长期不更新": ProblemKind.COLUMNS_STALE,
}

EARLY = datetime(2016, 10, 20, 2, tzinfo=UTC)  # Q4, first inspection
LATE = datetime(2016, 11, 25, 2, tzinfo=UTC)  # Q4, latest inspection
IN_Q3 = datetime(2016, 9, 30, 15, tzinfo=UTC)  # 23:00 on 30 Sept in Yunnan: still Q3
AFTER = datetime(2017, 1, 5, 2, tzinfo=UTC)  # Q1 2017
QUALIFIED = 20  # plain qualified sites; 16 carry the 找错 entry, 12 the 曝光台 entry
EVIDENCE_CODE = "5301000041"
EVIDENCE_PAGE = EvidencePage("http://5301000041.example/", "<html>2016-08-01 旧闻</html>".encode())


@dataclass(frozen=True)
class NoticeStore:
    evidence_sha: str
    previous: list[NamedSite]  # what the province named in 2016Q3


def _url(code: str) -> str:
    return f"http://{code}.example/"


def problem(kind: ProblemKind, veto: bool = True, evidence: str = "") -> Problem:
    rules = load_rules()
    return Problem(
        kind=kind,
        label=rules.label(kind),
        veto=veto,
        level="veto" if veto else "problem",
        detail=f"{rules.label(kind)}（测试）",
        evidence=evidence,
    )


def result(
    site: Site,
    when: datetime,
    problems: list[Problem] = (),  # type: ignore[assignment]
    *,
    verdict: str | None = None,
    reachable: bool = True,
    zhaocuo: bool = False,
    exposure: bool = False,
    evidence: dict[str, str] | None = None,
) -> SiteResult:
    problems = list(problems)
    if verdict is None:
        verdict = "unqualified" if any(p.veto for p in problems) else "qualified"
    return SiteResult(
        code=site.code,
        name=site.name,
        region=site.region,
        url=site.url,
        status=site.status,
        checked_at=when,
        reachable=reachable,
        entries=Entries(zhaocuo=zhaocuo, exposure=exposure),
        problems=problems,
        verdict=verdict,  # type: ignore[arg-type]
        evidence=evidence or {},
    )


def _site(region: str, name: str, code: str, status: SiteStatus = SiteStatus.OPEN) -> Site:
    return Site(code=code, name=name, region=region, url=_url(code), status=status)


def phrase_problems(phrase: str, evidence: str = "") -> list[Problem]:
    return [problem(PHRASE_KINDS[part], evidence=evidence) for part in phrase.split()]


async def build_notice_store(store: Store) -> NoticeStore:
    sites: list[Site] = []
    items: list[Recorded] = []

    def add(site: Site, when: datetime, res: SiteResult, evidence=()) -> None:  # type: ignore[no-untyped-def]
        items.append(
            Recorded(f"inspect:{site.code}:{when.isoformat()}", "inspection", res, evidence)
        )

    for _, region, name, phrase, code in ANNEX2:
        site = _site(region, name, code)
        sites.append(site)
        down = phrase == "站点无法访问"
        for when in (EARLY, LATE):
            if code == EVIDENCE_CODE and when == LATE:
                page = EVIDENCE_PAGE
                found = phrase_problems(phrase, evidence=page.url)
                # a non-veto problem is listed in the result but never in the notice cell
                found.append(problem(ProblemKind.MISSING_ZHAOCUO_ENTRY, veto=False))
                add(site, when, result(site, when, found, evidence={page.url: page.id}), [page])
                continue
            add(site, when, result(site, when, phrase_problems(phrase), reachable=not down))
    # Annex 2's first site was fixed after the quarter: that must not count for 2016Q4.
    first = sites[0]
    add(first, AFTER, result(first, AFTER, zhaocuo=True))

    previous: list[NamedSite] = []
    for seq, region, name, status, code in ANNEX3:
        closed = status == "申请永久关停后站点未关闭"
        site = _site(
            region, name, code, SiteStatus.PERMANENTLY_CLOSED if closed else SiteStatus.OPEN
        )
        sites.append(site)
        previous.append(NamedSite(code, name, region, "首页长期不更新", "unqualified", seq))
        stale = [problem(ProblemKind.HOMEPAGE_STALE)]
        if closed:
            online = [problem(ProblemKind.CLOSED_SITE_ONLINE), *stale]
            add(site, LATE, result(site, LATE, online))
        elif status == "未完成整改":
            add(site, EARLY, result(site, EARLY, stale))
            add(site, LATE, result(site, LATE, stale))
        elif status == "完成整改后未持续更新":
            add(site, EARLY, result(site, EARLY, zhaocuo=True, exposure=True))
            add(site, LATE, result(site, LATE, stale))
        else:  # 站点无法访问
            add(site, EARLY, result(site, EARLY, stale))
            down = [problem(ProblemKind.SITE_UNREACHABLE)]
            add(site, LATE, result(site, LATE, down, reachable=False))

    for i, (region, name, code, phrase, status) in enumerate(FIXED_Q3, len(ANNEX3) + 1):
        site = _site(region, name, code, status)
        sites.append(site)
        previous.append(NamedSite(code, name, region, phrase, "unqualified", i))
        if status is SiteStatus.PERMANENTLY_CLOSED:
            add(site, LATE, result(site, LATE, verdict="not_checked", reachable=False))
        else:
            add(site, EARLY, result(site, EARLY, phrase_problems(phrase)))
            add(site, LATE, result(site, LATE, zhaocuo=True, exposure=True))

    for i in range(QUALIFIED):
        code = f"53290100{i + 10:02d}"  # 大理
        site = _site("大理", f"大理州合格网站{i}", code)
        sites.append(site)
        add(site, LATE, result(site, LATE, zhaocuo=i < 16, exposure=i < 12))
    # Its only unqualified result is from the evening of 30 Sept, local time: Q3.
    edge = sites[-1]
    add(edge, IN_Q3, result(edge, IN_Q3, [problem(ProblemKind.HOMEPAGE_STALE)]))

    for i in range(2):  # closed as applied: down when verified
        site = _site("保山", f"保山已关停网站{i}", f"530500002{i}", SiteStatus.PERMANENTLY_CLOSED)
        sites.append(site)
        add(site, LATE, result(site, LATE, verdict="not_checked", reachable=False))
    rebuilding = _site("迪庆", "迪庆改版网站", "5334000005", SiteStatus.TEMPORARILY_CLOSED)
    sites.append(rebuilding)
    add(rebuilding, LATE, result(rebuilding, LATE, verdict="not_checked", reachable=None))  # type: ignore[arg-type]
    unchecked = _site("怒江", "怒江未检查网站", "5333000009")
    sites.append(unchecked)
    add(unchecked, IN_Q3, result(unchecked, IN_Q3, [problem(ProblemKind.HOMEPAGE_STALE)]))

    await import_sites(store, sites, file_name="notice.csv", file_sha256="0" * 64)
    items.sort(key=lambda item: item.result.checked_at)  # recorded in time order, as a service does
    assert await record(store, items) == len(items)
    return NoticeStore(evidence_sha=EVIDENCE_PAGE.id, previous=previous)


# What the results imply (the test's expectations, counted by hand from the above).
FIGURES = {
    "registered": 15 + 15 + 4 + QUALIFIED + 2 + 1 + 1,  # 58
    "checked": 15 + 15 + 3 + QUALIFIED,  # 53
    "qualified": 3 + QUALIFIED,  # 23
    "unqualified": 30,
    "listed": 15,
    "previous_named": 19,
    "follow_up_not_fixed": 15,
    "follow_up_fixed": 4,
    # reachable and judged: annex 2 less 7 unreachable, annex 3 less 5 closed-online and
    # 1 unreachable, the 3 fixed and the qualified sites
    "homepages_read": 8 + 9 + 3 + QUALIFIED,  # 40
    "zhaocuo_entry": 3 + 16,
    "exposure_entry": 3 + 12,
    "closed_registered": 5 + 1 + 2,
    "closed_verified": 1 + 2,
    "closed_online": 5,
}
