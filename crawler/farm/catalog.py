"""The farm's site catalog: a deterministic function of (count, seed, port).

Every site is a registry entry (`crawler.site.Site`) plus the shape of what it serves:
columns with item ages in days before "today", the homepage layout, date shapes, the
form of its supervision entries, its encoding, and its conditions (what is wrong with
it). Dates are kept as ages so the same catalog renders for any `today`; pages and truth
turn ages into calendar dates. The catalog is prefix-stable: `build_catalog(40)` equals
the first 40 sites of `build_catalog(1900)`, and its first 40 sites cover every condition.
"""

from __future__ import annotations

import ipaddress
import random
from dataclasses import dataclass, field
from functools import cache

from crawler.site import Site, SiteStatus

DEFAULT_PORT = 8800
FIRST_ADDRESS = "127.1.0.1"

# What can be wrong with a site. "healthy" is the absence of everything else.
CONDITIONS: tuple[str, ...] = (
    "healthy",
    "homepage_stale",
    "blank_columns",
    "columns_stale",
    "broken_links",
    "unreachable_refuse",
    "unreachable_hang",
    "unreachable_500",
    "closed_site_online",
    "closed_site_offline",
    "temporarily_closed",
    "missing_zhaocuo",
    "missing_exposure",
    "wrong_sitecode",
    "missing_sitecode",
    "hidden_spam",
    "navigation_only",
    "meta_refresh",
    "js_redirect",
    "redirect_loop",
    "link_trap",
    "huge_page",
    "slow_drip",
    "threshold",  # just inside every line: 4 blank columns, news 13 days, notices 170 days
)

# Conditions that decide the whole site's availability or registry status: one per site.
EXCLUSIVE = frozenset(
    {
        "unreachable_refuse",
        "unreachable_hang",
        "unreachable_500",
        "closed_site_online",
        "closed_site_offline",
        "temporarily_closed",
    }
)
HOMEPAGE_LAYOUTS = ("navigation_only", "meta_refresh", "js_redirect")

# The runtime behaviour a site starts in; the control endpoint can change it.
INITIAL_MODE = {
    "unreachable_refuse": "refuse",
    "closed_site_offline": "refuse",
    "unreachable_hang": "hang",
    "unreachable_500": "error500",
}

# Column types as the census rules name them.
NEWS, NOTICE, SHOULD_UPDATE, STATIC, OTHER = "news", "notice", "should_update", "static", "other"

# (slug, name, type, layout): layout "list" has dated items, "text" is a static text page.
COLUMN_POOL: tuple[tuple[str, str, str, str], ...] = (
    ("ywdt", "要闻动态", NEWS, "list"),
    ("tzgg", "通知公告", NOTICE, "list"),
    ("zcwj", "政策文件", NOTICE, "list"),
    ("gzdt", "工作动态", NEWS, "list"),
    ("jcdt", "基层动态", NEWS, "list"),
    ("rsxx", "人事信息", SHOULD_UPDATE, "list"),
    ("czyjs", "财政预决算", SHOULD_UPDATE, "list"),
    ("ghjh", "规划计划", SHOULD_UPDATE, "list"),
    ("tjxx", "统计信息", SHOULD_UPDATE, "list"),
    ("jgzn", "机构职能", STATIC, "text"),
    ("ldxx", "领导信息", STATIC, "text"),
    ("bszn", "办事指南", STATIC, "list"),
    ("lxwm", "联系我们", STATIC, "text"),
    ("hdjl", "互动交流", OTHER, "list"),
)
_POOL = {slug: (slug, name, kind, layout) for slug, name, kind, layout in COLUMN_POOL}
_POOL_ORDER = [slug for slug, *_ in COLUMN_POOL]
_ALWAYS = ("ywdt", "tzgg", "zcwj")
_NEWS_NOTICE = ("ywdt", "gzdt", "jcdt", "tzgg", "zcwj")

DATE_STYLES = ("iso", "slash", "dot", "cn", "bracket", "url_only")
ZHAOCUO_FORMS = ("script", "legacy", "loader", "span_img", "link_text", "img_alt")
ZHAOCUO_WITH_CODE = ("script", "legacy", "span_img")
EXPOSURE_FORMS = ("link_text", "img_alt", "title")
BLANK_PHRASES = ("", "暂无信息", "本栏目暂无内容", "正在建设中", "暂无数据")
NOISE = ("copyright", "weather", "calendar", "clock")

# ---- Yunnan's divisions: prefecture code, short name as notices write it, full name,
# and counties (2-digit code within 01..30, short name).
PREFECTURES: tuple[tuple[str, str, str, tuple[tuple[str, str], ...]], ...] = (
    ("5301", "昆明", "昆明市", (("02", "五华区"), ("03", "盘龙区"), ("11", "官渡区"),
        ("12", "西山区"), ("13", "东川区"), ("14", "呈贡区"), ("15", "晋宁区"),
        ("24", "富民县"), ("25", "宜良县"), ("26", "石林县"), ("27", "嵩明县"),
        ("28", "禄劝县"), ("29", "寻甸县"))),
    ("5303", "曲靖", "曲靖市", (("02", "麒麟区"), ("03", "沾益区"), ("04", "马龙区"),
        ("22", "陆良县"), ("23", "师宗县"), ("24", "罗平县"), ("25", "富源县"),
        ("26", "会泽县"))),
    ("5304", "玉溪", "玉溪市", (("02", "红塔区"), ("03", "江川区"), ("23", "通海县"),
        ("24", "华宁县"), ("25", "易门县"), ("26", "峨山县"), ("27", "新平县"),
        ("28", "元江县"))),
    ("5305", "保山", "保山市", (("02", "隆阳区"), ("21", "施甸县"), ("23", "龙陵县"),
        ("24", "昌宁县"))),
    ("5306", "昭通", "昭通市", (("02", "昭阳区"), ("21", "鲁甸县"), ("22", "巧家县"),
        ("23", "盐津县"), ("24", "大关县"), ("25", "永善县"), ("26", "绥江县"),
        ("27", "镇雄县"), ("28", "彝良县"), ("29", "威信县"))),
    ("5307", "丽江", "丽江市", (("02", "古城区"), ("21", "玉龙县"), ("22", "永胜县"),
        ("23", "华坪县"), ("24", "宁蒗县"))),
    ("5308", "普洱", "普洱市", (("02", "思茅区"), ("21", "宁洱县"), ("22", "墨江县"),
        ("23", "景东县"), ("24", "景谷县"), ("25", "镇沅县"), ("26", "江城县"),
        ("27", "孟连县"), ("28", "澜沧县"), ("29", "西盟县"))),
    ("5309", "临沧", "临沧市", (("02", "临翔区"), ("21", "凤庆县"), ("22", "云县"),
        ("23", "永德县"), ("24", "镇康县"), ("25", "双江县"), ("26", "耿马县"),
        ("27", "沧源县"))),
    ("5323", "楚雄", "楚雄州", (("01", "楚雄市"), ("22", "双柏县"), ("23", "牟定县"),
        ("24", "南华县"), ("25", "姚安县"), ("26", "大姚县"), ("27", "永仁县"),
        ("28", "元谋县"), ("29", "武定县"))),
    ("5325", "红河", "红河州", (("01", "个旧市"), ("02", "开远市"), ("03", "蒙自市"),
        ("04", "弥勒市"), ("23", "屏边县"), ("24", "建水县"), ("25", "石屏县"),
        ("27", "泸西县"), ("28", "元阳县"), ("29", "红河县"), ("30", "金平县"))),
    ("5326", "文山", "文山州", (("01", "文山市"), ("22", "砚山县"), ("23", "西畴县"),
        ("24", "麻栗坡县"), ("25", "马关县"), ("26", "丘北县"), ("27", "广南县"),
        ("28", "富宁县"))),
    ("5328", "西双版纳", "西双版纳州", (("01", "景洪市"), ("22", "勐海县"), ("23", "勐腊县"))),
    ("5329", "大理", "大理州", (("01", "大理市"), ("22", "漾濞县"), ("23", "祥云县"),
        ("24", "宾川县"), ("25", "弥渡县"), ("26", "南涧县"), ("27", "巍山县"),
        ("28", "永平县"), ("29", "云龙县"), ("30", "洱源县"))),
    ("5331", "德宏", "德宏州", (("02", "瑞丽市"), ("03", "芒市"), ("22", "梁河县"),
        ("23", "盈江县"), ("24", "陇川县"))),
    ("5333", "怒江", "怒江州", (("01", "泸水市"), ("23", "福贡县"), ("24", "贡山县"),
        ("25", "兰坪县"))),
    ("5334", "迪庆", "迪庆州", (("01", "香格里拉市"), ("22", "德钦县"), ("23", "维西县"))),
)  # fmt: skip

LOCAL_DEPARTMENTS: tuple[str, ...] = (
    "人民政府", "教育局", "人力资源和社会保障局", "财政局", "自然资源局",
    "住房和城乡建设局", "农业农村局", "卫生健康局", "市场监督管理局", "应急管理局",
    "发展和改革局", "公安局", "水务局", "林业和草原局", "统计局", "文化和旅游局",
    "交通运输局", "民政局", "司法局", "审计局", "商务局", "政务服务管理局",
    "工业和信息化局", "退役军人事务局", "医疗保障局", "地震局", "档案馆", "科学技术局",
)  # fmt: skip
PROVINCIAL_DEPARTMENTS: tuple[str, ...] = (
    "教育厅", "财政厅", "人力资源和社会保障厅", "自然资源厅", "住房和城乡建设厅",
    "交通运输厅", "农业农村厅", "水利厅", "商务厅", "文化和旅游厅", "卫生健康委员会",
    "审计厅", "统计局", "林业和草原局", "市场监督管理局", "应急管理厅", "民政厅",
    "司法厅", "生态环境厅", "发展和改革委员会", "工业和信息化厅", "科学技术厅",
    "民族宗教事务委员会", "地方志编纂委员会办公室", "档案局", "人民政府外事办公室",
    "广播电视局", "体育局", "能源局", "粮食和物资储备局", "药品监督管理局",
    "机关事务管理局", "政务服务管理局", "退役军人事务厅", "医疗保障局",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Column:
    slug: str
    name: str
    type: str  # news | notice | should_update | static | other
    layout: str  # list | text
    position: int  # order in the navigation bar; also the Hanweb column id's tail
    items: int  # dated or undated items on the list (0: blank)
    newest_age: int | None  # age in days of the newest item; None: no item carries a date
    gap: int  # the largest gap in days between consecutive items
    blank_phrase: str | None = None  # blank columns: the phrase shown ("" shows an empty list)
    on_homepage: bool = False
    pinned_undated: bool = False  # a [置顶] item without a date at the top of the list

    @property
    def blank(self) -> bool:
        return self.blank_phrase is not None

    @property
    def path(self) -> str:
        return f"/col/{self.slug}/index.html"

    @property
    def col_id(self) -> int:
        return 1000 + self.position


@dataclass(frozen=True, slots=True)
class SpecialLink:
    """A link placed on purpose: broken, not broken (401/403), a trap, a huge or slow page."""

    href: str  # root-relative, or absolute for other hosts
    kind: str  # http404 http500 soft404 dead_host refused_port http401 http403
    #            redirect_loop link_trap huge slow
    text: str
    on: str  # "home" or a column slug: the page it is shown on


@dataclass(frozen=True, slots=True)
class FarmSite:
    index: int
    site: Site
    address: str
    port: int
    encoding: str  # utf-8 | gbk
    charset_header: str | None  # charset named in Content-Type; None: no charset there
    charset_meta: str | None  # charset named by the page's meta tag
    conditions: frozenset[str]
    columns: tuple[Column, ...]
    layout: str  # blocks | navigation_only | meta_refresh | js_redirect
    date_style: str  # date shape of homepage items
    list_date_style: str  # date shape of column page items
    url_style: str  # trs | hanweb
    page_size: int
    zhaocuo_form: str  # one of ZHAOCUO_FORMS, or "none" / "comment" when missing
    exposure_form: str  # one of EXPOSURE_FORMS, or "none" / "comment"
    zhaocuo_sitecode: str | None  # the code the entry carries (None: the form has none)
    sitecode_on_page: str | None  # SiteIDCode meta and footer code (None: not shown)
    noise: tuple[str, ...]
    links: tuple[SpecialLink, ...] = field(default=())
    icp: str = ""
    since_year: int = 2005

    @property
    def code(self) -> str:
        return self.site.code

    @property
    def url(self) -> str:
        return self.site.url

    @property
    def status(self) -> SiteStatus:
        return self.site.status

    @property
    def origin(self) -> str:
        return f"http://{self.address}:{self.port}"

    @property
    def home_path(self) -> str:
        """The page holding the homepage content (after a client-side redirect)."""
        return "/portal/index.html" if self.layout in ("meta_refresh", "js_redirect") else "/"

    @property
    def initial_mode(self) -> str:
        for condition in self.conditions:
            if condition in INITIAL_MODE:
                return INITIAL_MODE[condition]
        return "normal"

    def column(self, slug: str) -> Column | None:
        for col in self.columns:
            if col.slug == slug:
                return col
        return None


def site_address(index: int, first: str = FIRST_ADDRESS) -> str:
    """The index-th loopback address from `first`, skipping .0 and .255 last octets."""
    per_block = 254
    start = ipaddress.IPv4Address(first)
    base = int(start) & ~0xFF
    offset = (int(start) & 0xFF) - 1 + index
    return str(ipaddress.IPv4Address(base + (offset // per_block) * 256 + offset % per_block + 1))


# A loopback address no farm site uses (sites count up from 127.1.0.1): links to it are
# refused, like a link to a decommissioned server.
DEAD_HOST = "127.254.254.254"


def dead_port(port: int) -> int:
    """A port on the site's own address where nothing listens."""
    return 8081 if port != 8081 else 8082


@cache
def item_ages(key: str, items: int, newest_age: int | None, gap: int) -> tuple[int | None, ...]:
    """Ages in days of a column's items, newest first; None for undated items."""
    if newest_age is None:
        return (None,) * items
    rng = random.Random(key)
    ages: list[int | None] = []
    age = newest_age
    for _ in range(items):
        ages.append(age)
        age += rng.randint(0, gap)
    return tuple(ages)


def column_ages(fs: FarmSite, col: Column) -> tuple[int | None, ...]:
    """All items of a column, pinned one first; the order pages show them."""
    ages = item_ages(f"{fs.code}:{col.slug}", col.items, col.newest_age, col.gap)
    return ((None,) if col.pinned_undated else ()) + ages


# ---- the schedule that makes the first 40 sites cover every condition ----------------

# Each entry: conditions, plus variant parameters (blank count, stale count).
_SCHEDULE: tuple[tuple[tuple[str, ...], dict[str, int]], ...] = (
    (("healthy",), {}),
    (("homepage_stale",), {"stale_days": 45}),
    (("blank_columns",), {"blank": 6}),
    (("columns_stale",), {"stale": 5}),
    (("broken_links",), {}),
    (("unreachable_refuse",), {}),
    (("unreachable_hang",), {}),
    (("unreachable_500",), {}),
    (("closed_site_online",), {}),
    (("closed_site_offline",), {}),
    (("temporarily_closed",), {}),
    (("missing_zhaocuo",), {}),
    (("missing_exposure",), {}),
    (("wrong_sitecode",), {}),
    (("hidden_spam",), {}),
    (("navigation_only",), {}),
    (("meta_refresh",), {}),
    (("js_redirect",), {}),
    (("redirect_loop",), {}),
    (("link_trap",), {}),
    (("huge_page",), {}),
    (("slow_drip",), {}),
    (("missing_sitecode",), {}),
    (("healthy",), {}),
    (("blank_columns",), {"blank": 3}),
    (("columns_stale",), {"stale": 4}),
    (("healthy",), {}),
    (("homepage_stale", "blank_columns"), {"stale_days": 160, "blank": 5}),
    (("healthy",), {}),
    (("missing_zhaocuo", "missing_exposure"), {}),
    (("healthy",), {}),
    (("broken_links", "hidden_spam"), {}),
    (("healthy",), {}),
    (("navigation_only", "columns_stale"), {"stale": 5}),
    (("healthy",), {}),
    (("meta_refresh", "missing_zhaocuo"), {}),
    (("healthy",), {}),
    (("js_redirect", "homepage_stale"), {"stale_days": 90}),
    (("healthy",), {}),
    (("threshold", "blank_columns"), {"blank": 4}),
)

_RANDOM_CONDITIONS = tuple(c for c in CONDITIONS if c != "healthy")
_COMBINABLE = tuple(
    c
    for c in _RANDOM_CONDITIONS
    if c not in EXCLUSIVE and c not in ("wrong_sitecode", "missing_sitecode")
)


def _conditions_for(index: int, rng: random.Random) -> tuple[frozenset[str], dict[str, int]]:
    if index < len(_SCHEDULE):
        names, params = _SCHEDULE[index]
        return frozenset(names), dict(params)
    if rng.random() < 0.6:
        return frozenset({"healthy"}), {}
    first = rng.choice(_RANDOM_CONDITIONS)
    chosen = {first}
    if first not in EXCLUSIVE and rng.random() < 0.2:
        second = rng.choice(_COMBINABLE)
        if not _conflict(first, second):
            chosen.add(second)
    params = {
        "blank": rng.choice((3, 5, 6, 7)),
        "stale": rng.choice((4, 5, 5)),
        "stale_days": rng.randint(20, 200),
    }
    return frozenset(chosen), params


def _conflict(a: str, b: str) -> bool:
    pair = {a, b}
    return (
        (a in HOMEPAGE_LAYOUTS and b in HOMEPAGE_LAYOUTS)
        or pair == {"blank_columns", "columns_stale"}
        or pair == {"missing_zhaocuo", "wrong_sitecode"}
    )


# ---- identities -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Identity:
    code: str
    name: str
    region: str
    department: str


def _identities(seed: int) -> list[_Identity]:
    """Every (division, department) pair as a registry entry, in a seeded order."""
    rng = random.Random(f"identities:{seed}")
    units: list[_Identity] = []
    divisions: list[tuple[str, str, str, tuple[str, ...]]] = [
        ("530000", "省直部门", "云南省", PROVINCIAL_DEPARTMENTS)
    ]
    for pref, short, full, counties in PREFECTURES:
        depts = tuple(d.replace("发展和改革局", "发展和改革委员会") for d in LOCAL_DEPARTMENTS)
        divisions.append((f"{pref}00", short, full, depts))
        divisions.extend((f"{pref}{cc}", short, cname, LOCAL_DEPARTMENTS) for cc, cname in counties)
    for division, region, area, depts in divisions:
        order = list(depts)
        rng.shuffle(order)  # serials are registration order, which differs per division
        for serial, dept in enumerate(order, start=1):
            units.append(_unit(division, serial, region, area, dept, second=False))
        for serial, dept in enumerate(order, start=41):
            units.append(_unit(division, serial, region, area, dept, second=True))
    first = [u for u in units if int(u.code[6:]) < 41]
    second = [u for u in units if int(u.code[6:]) >= 41]
    rng.shuffle(first)
    rng.shuffle(second)
    return first + second  # second sites of a unit only once every unit has one


def _unit(division: str, serial: int, region: str, area: str, dept: str, second: bool) -> _Identity:
    department = f"{area}{dept}"
    if dept == "人民政府":
        name = f"{area}人民政府信息公开网" if second else f"{area}人民政府门户网站"
        department = f"{area}人民政府办公室"
    else:
        name = f"{department}信息公开网" if second else department
    return _Identity(f"{division}{serial:04d}", name, region, department)


def max_sites() -> int:
    return len(_identities(0))


# ---- building one site ---------------------------------------------------------------


def _columns(
    rng: random.Random, conditions: frozenset[str], params: dict[str, int]
) -> tuple[Column, ...]:
    blank_n = params.get("blank", 0) if "blank_columns" in conditions else 0
    stale_n = params.get("stale", 0) if "columns_stale" in conditions else 0
    size = rng.randint(8, 12)
    if blank_n:
        size = max(size, blank_n + 5)
    slugs = list(_ALWAYS)
    if stale_n:
        slugs += [s for s in _NEWS_NOTICE if s not in slugs]  # enough news/notice columns
    others = [s for s, *_ in COLUMN_POOL if s not in slugs]
    rng.shuffle(others)
    slugs += others[: max(0, size - len(slugs))]
    slugs.sort(key=_POOL_ORDER.index)

    stale_slugs: set[str] = set()
    if stale_n:
        candidates = [s for s in slugs if s in _NEWS_NOTICE]
        rng.shuffle(candidates)
        stale_slugs = set(candidates[:stale_n])
    blank_slugs: set[str] = set()
    if blank_n:
        # rsxx stays dated: it is what keeps a stale-columns homepage fresh
        candidates = [s for s in slugs if s not in ("ywdt", "tzgg", "rsxx")]
        rng.shuffle(candidates)
        blank_slugs = set(candidates[:blank_n])
    stale_days = params.get("stale_days", 0) if "homepage_stale" in conditions else 0
    if (stale_n or "threshold" in conditions) and not stale_days and "rsxx" not in slugs:
        slugs.append("rsxx")  # keeps the homepage fresh while the news columns go stale
        slugs.sort(key=_POOL_ORDER.index)
    undated_slug = sorted(stale_slugs)[0] if stale_slugs and rng.random() < 0.5 else None

    columns: list[Column] = []
    for position, slug in enumerate(slugs, start=1):
        _, name, kind, layout = _POOL[slug]
        on_home = slug in ("ywdt", "tzgg", "zcwj", "gzdt", "rsxx") and slug not in blank_slugs
        if slug in blank_slugs:
            phrase = (
                rng.choice(BLANK_PHRASES) if layout == "list" else rng.choice(BLANK_PHRASES[1:])
            )
            columns.append(Column(slug, name, kind, layout, position, 0, None, 1, phrase))
            continue
        if layout == "text":
            columns.append(Column(slug, name, kind, layout, position, 0, None, 1))
            continue
        newest, gap, items = _freshness(rng, kind, slug in stale_slugs)
        if "threshold" in conditions and kind in THRESHOLD_AGES:
            newest = THRESHOLD_AGES[kind]
        if (stale_n or "threshold" in conditions) and not stale_days and slug == "rsxx":
            newest = rng.randint(0, 9)
        if stale_days:
            newest = max(newest, stale_days + rng.randint(0, 3) * (slug != "ywdt"))
        columns.append(
            Column(
                slug,
                name,
                kind,
                layout,
                position,
                items,
                None if slug == undated_slug else newest,
                gap,
                on_homepage=on_home,
                pinned_undated=slug == "tzgg" and rng.random() < 0.3,
            )
        )
    return tuple(columns)


# Just inside the census lines (stale after 14 days / 6 months): never flagged.
THRESHOLD_AGES = {NEWS: 13, NOTICE: 170}


def _freshness(rng: random.Random, kind: str, stale: bool) -> tuple[int, int, int]:
    """(newest item age, largest gap, item count) for a list column of this type."""
    if kind == NEWS:
        newest = rng.randint(20, 200) if stale else rng.randint(0, 9)
        return newest, 6, rng.randint(12, 55)
    if kind == NOTICE:
        newest = rng.randint(200, 600) if stale else rng.randint(0, 120)
        return newest, 25, rng.randint(6, 45)
    if kind == SHOULD_UPDATE:
        return rng.randint(0, 300), 60, rng.randint(4, 30)
    if kind == STATIC:
        return rng.randint(0, 900), 120, rng.randint(5, 25)
    return rng.randint(0, 60), 15, rng.randint(5, 30)


def _links(
    rng: random.Random,
    conditions: frozenset[str],
    columns: tuple[Column, ...],
    port: int,
    addr: str,
) -> tuple[SpecialLink, ...]:
    links: list[SpecialLink] = []
    if "broken_links" in conditions:
        listed = [c for c in columns if c.layout == "list" and not c.blank]
        for n in range(rng.randint(1, 3)):
            href = f"/xxgk/201{5 + n}/t2016031{n}_{4400 + n}.html"
            links.append(SpecialLink(href, "http404", f"{2015 + n}年政府信息公开年报", "home"))
        links += [
            SpecialLink(
                "/cms/search.jsp?keyword=%E6%8B%9B%E8%81%98", "http500", "站内搜索", "home"
            ),
            SpecialLink("/zwgk/old/index.html", "soft404", "旧版信息公开", "home"),
            SpecialLink(f"http://{DEAD_HOST}:{port}/", "dead_host", "网上办事大厅", "home"),
            SpecialLink(f"http://{addr}:{dead_port(port)}/", "refused_port", "在线访谈", "home"),
            SpecialLink("/member/login.html", "http401", "用户登录", "home"),
            SpecialLink("/admin/index.html", "http403", "后台管理", "home"),
        ]
        if listed:
            col = listed[0]
            href = f"/{col.slug}/201603/t20160310_99{col.position:02d}.html"  # a removed article
            links.append(SpecialLink(href, "http404", "关于做好春季森林防火工作的通知", col.slug))
    if "redirect_loop" in conditions:
        links.append(SpecialLink("/go/a.html", "redirect_loop", "数据开放平台", "home"))
    if "link_trap" in conditions:
        links.append(SpecialLink("/calendar/index.html", "link_trap", "活动日历", "home"))
    if "huge_page" in conditions:
        links.append(SpecialLink("/special/huge.html", "huge", "政府信息公开目录", "home"))
    if "slow_drip" in conditions:
        links.append(SpecialLink("/special/slow.html", "slow", "视频专题", "home"))
    return tuple(links)


def _charsets(rng: random.Random, index: int) -> tuple[str, str | None, str | None]:
    """(encoding, charset in the header, charset in the meta tag)."""
    gbk = index % 10 in (2, 5, 8) if index < 40 else rng.random() < 0.3
    variant = (index // 3) % 4 if index < 40 else rng.randrange(4)
    if gbk:
        return (
            "gbk",
            *(
                ("gbk", "gbk"),
                (None, "gb2312"),  # no charset in the header: the meta tag decides
                ("gb2312", "utf-8"),  # header and meta disagree; the header is right
                ("GBK", None),
            )[variant],
        )
    return (
        "utf-8",
        *(("utf-8", "utf-8"), (None, "utf-8"), ("utf-8", None), ("UTF-8", "utf-8"))[variant],
    )


def _other_code(code: str) -> str:
    return f"{code[:6]}{(int(code[6:]) + 17) % 10000:04d}"


def _build_site(index: int, ident: _Identity, seed: int, port: int) -> FarmSite:
    rng = random.Random(f"site:{seed}:{index}")
    conditions, params = _conditions_for(index, rng)
    address = site_address(index)
    if "temporarily_closed" in conditions:
        status = SiteStatus.TEMPORARILY_CLOSED
    elif conditions & {"closed_site_online", "closed_site_offline"}:
        status = SiteStatus.PERMANENTLY_CLOSED
    else:
        status = SiteStatus.OPEN
    site = Site(
        code=ident.code,
        name=ident.name,
        region=ident.region,
        url=f"http://{address}:{port}/",
        department=ident.department,
        status=status,
    )
    encoding, charset_header, charset_meta = _charsets(rng, index)
    columns = _columns(rng, conditions, params)
    layout = next((c for c in HOMEPAGE_LAYOUTS if c in conditions), "blocks")

    zhaocuo_forms = ZHAOCUO_WITH_CODE if "wrong_sitecode" in conditions else ZHAOCUO_FORMS
    zhaocuo = zhaocuo_forms[index % len(zhaocuo_forms)] if index < 40 else rng.choice(zhaocuo_forms)
    if "missing_zhaocuo" in conditions:
        zhaocuo = "comment" if index % 2 else "none"
    exposure = EXPOSURE_FORMS[index % 3] if index < 40 else rng.choice(EXPOSURE_FORMS)
    if "missing_exposure" in conditions:
        exposure = "comment" if index % 2 == 0 else "none"
    sitecode = _other_code(ident.code) if "wrong_sitecode" in conditions else ident.code
    zhaocuo_code = sitecode if zhaocuo in ZHAOCUO_WITH_CODE else None

    noise = ["copyright"]
    noise += [n for n in NOISE[1:] if rng.random() < 0.4]
    if "homepage_stale" in conditions:
        noise = list(NOISE)  # a stale homepage that still shows today's date in widgets

    date_style = DATE_STYLES[index % len(DATE_STYLES)] if index < 40 else rng.choice(DATE_STYLES)
    return FarmSite(
        index=index,
        site=site,
        address=address,
        port=port,
        encoding=encoding,
        charset_header=charset_header,
        charset_meta=charset_meta,
        conditions=conditions,
        columns=columns,
        layout=layout,
        date_style=date_style,
        list_date_style=rng.choice(DATE_STYLES),
        url_style="trs" if rng.random() < 0.6 else "hanweb",
        page_size=rng.choice((15, 20, 20)),
        zhaocuo_form=zhaocuo,
        exposure_form=exposure,
        zhaocuo_sitecode=zhaocuo_code,
        sitecode_on_page=None if "missing_sitecode" in conditions else ident.code,
        noise=tuple(noise),
        links=_links(rng, conditions, columns, port, address),
        icp=f"{rng.randint(5000000, 19999999):08d}",
        since_year=rng.choice((2005, 2008, 2010, 2012, 2015)),
    )


def build_catalog(count: int = 1900, *, seed: int = 0, port: int = DEFAULT_PORT) -> list[FarmSite]:
    """The first `count` farm sites; the same arguments always give the same catalog."""
    identities = _identities(seed)
    if not 0 <= count <= len(identities):
        raise ValueError(f"the farm has room for 0..{len(identities)} sites, not {count}")
    return [_build_site(i, identities[i], seed, port) for i in range(count)]


def homepage_count(fs: FarmSite, col: Column) -> int:
    """How many of a column's newest items its homepage block shows (5 to 8)."""
    return 5 + (col.position + fs.index) % 4


def item_id(col: Column, k: int) -> int:
    """The article id of a column's k-th item; decodable back to (column, item)."""
    return 1_000_000 + col.position * 1000 + k


def decode_item_id(article_id: int) -> tuple[int, int]:
    """(column position, item index) of an article id."""
    return (article_id // 1000) % 1000, article_id % 1000
