"""HTML of farm sites: pure functions from (site, today) to text, and text to bytes.

The markup imitates the provincial portals built on TRS and Hanweb templates: metas,
a navigation bar, homepage blocks with 更多>> links, paginated column lists, article
pages, a footer with 网站标识码 / ICP / 公安备案 / 党政机关 mark, the supervision entries,
and the widgets that show today's date without being an update.
"""

from __future__ import annotations

import zlib
from datetime import date, timedelta
from html import escape

from crawler.farm.catalog import (
    Column,
    FarmSite,
    column_ages,
    homepage_count,
    item_id,
)

WEEKDAYS = "一二三四五六日"
ZHAOCUO_HOST = "https://zfwzgl.www.gov.cn"
ZHAOCUO_JS = f"{ZHAOCUO_HOST}/exposure/jiucuo.js"
LEGACY_JS = "http://pucha.kaipuyun.cn/exposure/jiucuo.js"
ZHAOCUO_PAGE = f"{ZHAOCUO_HOST}/exposure/jiucuo.html"
EXPOSURE_PAGE = "https://www.yn.gov.cn/ztgg/wzbgt/"
GOV_CN = "http://www.gov.cn/"
YN_GOV = "http://www.yn.gov.cn/"
MIIT = "https://beian.miit.gov.cn/"

TOPICS = (
    "脱贫攻坚", "安全生产", "森林防火", "乡村振兴", "营商环境", "河长制",
    "民族团结进步示范", "农村人居环境整治", "招商引资", "防汛抗旱", "禁毒防艾",
    "政务公开", "高原特色农业", "义务教育均衡发展", "生态环境保护", "消防安全",
)  # fmt: skip
PLACES = (
    "城关镇",
    "新街乡",
    "河口村",
    "工业园区",
    "龙潭社区",
    "坝区",
    "边境村寨",
    "易地搬迁安置点",
)
LEADERS = (
    "李喆",
    "王堃",
    "张昇",
    "赵赟",
    "杨犇",
    "刘建华",
    "陈志明",
    "周丽萍",
)  # 喆堃昇赟犇: GBK, not GB2312
TECH_SUPPORT = "云南昇腾网络科技有限公司"  # 昇 is GBK, not GB2312: GBK pages are really GBK
SPAM_TEXTS = (
    "澳门威尼斯人娱乐场",
    "皇冠体育投注",
    "北京赛车pk10",
    "网上真人百家乐",
    "六合彩开奖",
    "太阳城娱乐",
)


def _pick(seq: tuple[str, ...], *key: object) -> str:
    return seq[zlib.crc32("|".join(map(str, key)).encode()) % len(seq)]


# ---- dates and item URLs ---------------------------------------------------------------


def format_date(day: date, style: str, today: date) -> str:
    if style == "iso":
        return day.isoformat()
    if style == "slash":
        return f"{day.year}/{day.month}/{day.day}"
    if style == "dot":
        return f"{day:%Y.%m.%d}"
    if style == "cn":
        return f"{day.year}年{day.month}月{day.day}日"
    if style == "bracket":  # the year is implied for this year's items, as templates do
        return f"[{day:%m-%d}]" if day.year == today.year else f"[{day.isoformat()}]"
    return ""  # url_only: the date is only in the link


def item_url(fs: FarmSite, col: Column, k: int, day: date | None) -> str:
    aid = item_id(col, k)
    if day is None:
        return f"/{col.slug}/content/{aid}.html"
    if fs.url_style == "trs":
        return f"/{col.slug}/{day:%Y%m}/t{day:%Y%m%d}_{aid}.html"
    return f"/art/{day.year}/{day.month}/{day.day}/art_{col.col_id}_{aid}.html"


def item_title(fs: FarmSite, col: Column, k: int, day: date | None) -> str:
    topic = _pick(TOPICS, fs.code, col.slug, k)
    org = fs.site.department
    year = (day or date(2016, 1, 1)).year
    if col.type == "news":
        leader, place = _pick(LEADERS, fs.code, k), _pick(PLACES, fs.code, col.slug, k)
        return _pick(
            (
                f"{org}召开{topic}工作推进会",
                f"{org}开展{topic}专项检查",
                f"{leader}到{place}调研{topic}工作",
                f"{org}扎实推进{topic}工作",
            ),
            fs.code,
            col.slug,
            k,
            "t",
        )
    if col.type == "notice":
        return _pick(
            (
                f"关于开展{topic}工作的通知",
                f"关于{year}年度{topic}的公示",
                f"{org}关于进一步加强{topic}的实施意见",
            ),
            fs.code,
            col.slug,
            k,
        )
    if col.slug == "czyjs":
        return f"{org}{year}年部门{_pick(('预算', '决算'), fs.code, k)}公开"
    if col.slug == "rsxx":
        kind = _pick(("公告", "拟聘用人员公示", "成绩公布"), fs.code, k)
        return f"{org}{year}年公开招聘工作人员{kind}"
    if col.slug == "tjxx":
        return f"{year}年{(day or date(2016, 1, 1)).month}月{org}{topic}统计数据"
    if col.slug == "ghjh":
        return f"{org}{topic}三年行动计划"
    if col.slug == "bszn":
        return f"{topic}相关事项办事指南"
    return f"关于{topic}问题的咨询与答复"


def _items(fs: FarmSite, col: Column, today: date, start: int, stop: int, style: str) -> str:
    ages = column_ages(fs, col)
    lines = []
    offset = 1 if col.pinned_undated else 0
    for k, age in enumerate(ages[start:stop], start=start):
        day = None if age is None else today - timedelta(days=age)
        if col.pinned_undated and k == 0:
            title, url = (
                f"[置顶] {col.name}工作说明",
                f"/{col.slug}/content/{item_id(col, 999)}.html",
            )
        else:
            n = k - offset
            title, url = item_title(fs, col, n, day), item_url(fs, col, n, day)
        when = format_date(day, style, today) if day else ""
        span = f'<span class="date">{when}</span>' if when else ""
        lines.append(
            f'<li><a href="{url}" target="_blank" title="{escape(title)}">'
            f"{escape(title)}</a>{span}</li>"
        )
    return "\n".join(lines)


# ---- page furniture ------------------------------------------------------------------------


def _charset_meta(fs: FarmSite) -> str:
    if fs.charset_meta is None:
        return ""
    if fs.index % 2:
        return f'<meta charset="{fs.charset_meta}">'
    return f'<meta http-equiv="Content-Type" content="text/html; charset={fs.charset_meta}">'


def _head(fs: FarmSite, title: str, metas: dict[str, str] | None = None) -> str:
    code = fs.sitecode_on_page or ""
    tags = {"SiteName": fs.site.name, "SiteDomain": f"{fs.address}:{fs.port}", "SiteIDCode": code}
    tags.update(metas or {})
    meta_html = "\n".join(f'<meta name="{k}" content="{escape(v)}">' for k, v in tags.items())
    return (
        f"<!DOCTYPE html>\n<html>\n<head>\n{_charset_meta(fs)}\n"
        '<meta http-equiv="X-UA-Compatible" content="IE=edge">\n'
        f"<title>{escape(title)}</title>\n{meta_html}\n"
        '<link rel="stylesheet" type="text/css" href="/css/style.css">\n'
        '<script type="text/javascript" src="/js/jquery.min.js"></script>\n'
        "</head>\n"
    )


def _nav(fs: FarmSite) -> str:
    items = "".join(f'<li><a href="{c.path}">{c.name}</a></li>' for c in fs.columns)
    return f'<div class="nav"><ul><li><a href="/">首页</a></li>{items}</ul></div>\n'


def _header(fs: FarmSite) -> str:
    return (
        '<div class="header"><a href="/">'
        f'<img src="/images/logo.png" alt="{escape(fs.site.name)}"></a>'
        f"<h1>{escape(fs.site.name)}</h1>"
        '<form class="search" action="/cms/search.html"><input name="q" type="text">'
        '<button type="submit">搜索</button></form></div>\n'
    )


def _weather(fs: FarmSite, today: date) -> str:
    city = fs.site.region if fs.site.region != "省直部门" else "昆明"
    return (
        f'<div class="weather">今天是：{today.year}年{today.month}月{today.day}日 '
        f"星期{WEEKDAYS[today.weekday()]}　{city} 晴 12~24℃</div>\n"
    )


def _clock(today: date) -> str:
    return (
        f'<span id="clock">{today.isoformat()} 08:00:00</span>'
        "<script>setInterval(function(){var d=new Date();"
        'document.getElementById("clock").innerHTML=d.toLocaleString();},1000);</script>\n'
    )


def _calendar(today: date) -> str:
    first = today.replace(day=1)
    cells = ["<td></td>"] * first.weekday()
    day = first
    while day.month == today.month:
        mark = ' class="today"' if day == today else ""
        cells.append(f"<td{mark}>{day.day}</td>")
        day += timedelta(days=1)
    rows = "".join(f"<tr>{''.join(cells[i : i + 7])}</tr>" for i in range(0, len(cells), 7))
    head = "".join(f"<th>{w}</th>" for w in WEEKDAYS)
    caption = f"<caption>{today.year}年{today.month}月</caption>"
    return f'<table class="calendar">{caption}<tr>{head}</tr>{rows}</table>\n'


def _zhaocuo(fs: FarmSite) -> str:
    code = fs.zhaocuo_sitecode or ""
    script = f'<script id="_jiucuo_" sitecode="{code or fs.code}" src="{ZHAOCUO_JS}"></script>'
    return {
        "script": script,
        "legacy": f'<script id="_jiucuo_" sitecode="{code}" src="{LEGACY_JS}"></script>',
        "loader": (
            '<script type="text/javascript">(function(){var s=document.createElement("script");'
            f's.src="{ZHAOCUO_JS}";document.body.appendChild(s);}})();</script>'
        ),
        "span_img": (
            f'<span id="_span_jiucuo"><img onclick="Link(\'{code}\')" '
            'style="margin:0;border:0;cursor:pointer;" '
            f'src="{ZHAOCUO_HOST}/exposure/images/jiucuo.png?v={code}"></span>'
        ),
        "link_text": f'<a href="{ZHAOCUO_PAGE}" target="_blank">我为政府网站找错</a>',
        "img_alt": (
            f'<a href="{ZHAOCUO_PAGE}" target="_blank">'
            '<img src="/images/jiucuo.png" alt="我为政府网站找错"></a>'
        ),
        "comment": f"<!-- {script} -->",  # a commented-out entry is no entry
        "none": "",
    }[fs.zhaocuo_form]


def _exposure(fs: FarmSite) -> str:
    link = f'<a href="{EXPOSURE_PAGE}" target="_blank">云南省政府网站问题曝光台</a>'
    return {
        "link_text": link,
        "img_alt": (
            f'<a href="{EXPOSURE_PAGE}" target="_blank">'
            '<img src="/images/bgt.png" alt="云南省政府网站问题曝光台"></a>'
        ),
        "title": (
            f'<a href="{EXPOSURE_PAGE}" target="_blank" title="问题曝光台">'
            '<img src="/images/bgt.png"></a>'
        ),
        "comment": f"<!-- {link} -->",
        "none": "",
    }[fs.exposure_form]


def _psb(fs: FarmSite) -> str:
    return f"{fs.code[:6]}{fs.icp[-8:]}"


def _conac_url(fs: FarmSite) -> str:
    return f"https://bszs.conac.cn/sitename?method=show&id={zlib.crc32(fs.code.encode()):08X}"


def _footer(fs: FarmSite, today: date) -> str:
    code_line = f"网站标识码：{fs.sitecode_on_page}　" if fs.sitecode_on_page else ""
    return (
        '<div class="links">相关链接：'
        f'<a href="{GOV_CN}" target="_blank">中国政府网</a> '
        f'<a href="{YN_GOV}" target="_blank">云南省人民政府</a></div>\n'
        '<div class="footer">\n'
        f"<p>主办单位：{escape(fs.site.department)}　联系电话：0871-{fs.icp[:7]}</p>\n"
        f'<p>{code_line}<a href="{MIIT}" target="_blank">滇ICP备{fs.icp}号-1</a>　'
        f'<a href="http://www.beian.gov.cn/portal/registerSystemInfo?recordcode={_psb(fs)}" '
        f'target="_blank"><img src="/images/ga.png">滇公网安备 {_psb(fs)}号</a></p>\n'
        f"<p>Copyright &copy; {fs.since_year}-{today.year} {escape(fs.site.name)} 版权所有</p>\n"
        f"<p>技术支持：{TECH_SUPPORT}</p>\n"
        f'<span id="_ideConac"><a href="{escape(_conac_url(fs))}" target="_blank">'
        '<img src="/images/red.png" alt="党政机关"></a></span>\n'
        f'<div class="entries">{_zhaocuo(fs)} {_exposure(fs)}</div>\n'
        "</div>\n"
    )


def _top(fs: FarmSite, today: date) -> str:
    parts = []
    if "weather" in fs.noise:
        parts.append(_weather(fs, today))
    if "clock" in fs.noise:
        parts.append(_clock(today))
    return f'<div class="topbar">{"".join(parts)}</div>\n'


def _spam(fs: FarmSite) -> str:
    if "hidden_spam" not in fs.conditions:
        return ""
    style = "display:none" if fs.index % 2 else "DISPLAY: none;"
    links = "".join(f'<a href="{url}" target="_blank">{text}</a>' for url, text in _spam_pairs(fs))
    return f'<div style="{style}">{links}</div>\n'


def _spam_pairs(fs: FarmSite) -> list[tuple[str, str]]:
    # .invalid never resolves (RFC 2606): hacked-in links without real gambling domains
    return [(f"http://www.{n}bet{fs.index % 97}.invalid/", t) for n, t in enumerate(SPAM_TEXTS)]


def spam_links(fs: FarmSite) -> list[str]:
    return [url for url, _ in _spam_pairs(fs)] if "hidden_spam" in fs.conditions else []


def external_links(fs: FarmSite) -> list[str]:
    """Absolute links to hosts outside the farm, found on every content page (footer)."""
    links = [
        GOV_CN,
        YN_GOV,
        MIIT,
        f"http://www.beian.gov.cn/portal/registerSystemInfo?recordcode={_psb(fs)}",
    ]
    links.append(_conac_url(fs))
    if fs.zhaocuo_form in ("link_text", "img_alt"):
        links.append(ZHAOCUO_PAGE)
    if fs.exposure_form in ("link_text", "img_alt", "title"):
        links.append(EXPOSURE_PAGE)
    return links


def _special_links(fs: FarmSite, on: str) -> str:
    links = [link for link in fs.links if link.on == on]
    if not links:
        return ""
    items = "".join(
        f'<li><a href="{escape(link.href)}" target="_blank">{link.text}</a></li>' for link in links
    )
    title = '<div class="block-title"><h3>便民服务</h3></div>'
    return f'<div class="block related">{title}<ul>{items}</ul></div>\n'


def _page(
    fs: FarmSite, today: date, title: str, body: str, metas: dict[str, str] | None = None
) -> str:
    return (
        _head(fs, title, metas)
        + "<body>\n"
        + _top(fs, today)
        + _header(fs)
        + _nav(fs)
        + body
        + _spam(fs)
        + _footer(fs, today)
        + "</body>\n</html>\n"
    )


# ---- pages -------------------------------------------------------------------------------


def homepage(fs: FarmSite, today: date) -> str:
    """The page at /: the portal itself, or a client-side redirect to it."""
    if fs.layout == "meta_refresh":
        return (
            f"<html><head>{_charset_meta(fs)}"
            '<meta http-equiv="refresh" content="0;url=/portal/index.html">'
            f"<title>{escape(fs.site.name)}</title></head><body></body></html>\n"
        )
    if fs.layout == "js_redirect":
        return (
            f"<html><head>{_charset_meta(fs)}<title>{escape(fs.site.name)}</title>"
            '<script type="text/javascript">window.location.href = "/portal/index.html";</script>'
            "</head><body>正在跳转...</body></html>\n"
        )
    return portal(fs, today)


def portal(fs: FarmSite, today: date) -> str:
    if fs.layout == "navigation_only":
        tiles = "".join(
            f'<li><a href="{c.path}"><img src="/images/icon_{c.slug}.png" alt="{c.name}">'
            f"<span>{c.name}</span></a></li>"
            for c in fs.columns
        )
        body = f'<div class="main entrance"><ul class="tiles">{tiles}</ul></div>\n'
    else:
        blocks = []
        for col in fs.columns:
            if not col.on_homepage:
                continue
            items = _items(fs, col, today, 0, homepage_count(fs, col), fs.date_style)
            blocks.append(
                f'<div class="block"><div class="block-title"><h3>{col.name}</h3>'
                f'<a class="more" href="{col.path}">更多&gt;&gt;</a></div>\n'
                f'<ul class="list">\n{items}\n</ul></div>\n'
            )
        body = f'<div class="main">\n{"".join(blocks)}</div>\n'
    if "calendar" in fs.noise:
        body += _calendar(today)
    body += _special_links(fs, "home")
    return _page(fs, today, fs.site.name, body)


def page_count(fs: FarmSite, col: Column) -> int:
    if col.layout != "list":
        return 1
    return max(1, -(-len(column_ages(fs, col)) // fs.page_size))


def _pager(col: Column, pages: int, cur: int) -> str:
    def name(n: int) -> str:
        return "index.html" if n == 0 else f"index_{n}.html"

    links = [f'<a href="{name(0)}">首页</a>']
    if cur > 0:
        links.append(f'<a href="{name(cur - 1)}">上一页</a>')
    if cur < pages - 1:
        links.append(f'<a href="{name(cur + 1)}">下一页</a>')
    links.append(f'<a href="{name(pages - 1)}">尾页</a>')
    return (
        '<div class="page"><script type="text/javascript" src="/js/page.js"></script>'
        f'<script type="text/javascript">createPageHTML({pages}, {cur}, "index", "html");</script>'
        f"{' '.join(links)} 共{pages}页</div>\n"
    )


def _crumb(col: Column) -> str:
    return (
        '<div class="crumb">当前位置：<a href="/">首页</a> &gt; '
        f'<a href="{col.path}">{col.name}</a></div>\n'
    )


def column_page(fs: FarmSite, col: Column, cur: int, today: date) -> str:
    metas = {"ColumnName": col.name, "ColumnDescription": col.name, "ColumnKeywords": col.name}
    crumb = _crumb(col)
    if col.blank:
        content = f'<div class="no-data">{col.blank_phrase}</div>' if col.blank_phrase else ""
        inner = f'<ul class="list"></ul>{content}'
    elif col.layout == "text":
        inner = _text_column(fs, col)
    else:
        start = cur * fs.page_size
        items = _items(fs, col, today, start, start + fs.page_size, fs.list_date_style)
        inner = f'<ul class="list">\n{items}\n</ul>\n' + _pager(col, page_count(fs, col), cur)
    body = f'{crumb}<div class="main column"><h2>{col.name}</h2>\n{inner}\n</div>\n'
    if cur == 0:
        body += _special_links(fs, col.slug)
    return _page(fs, today, f"{col.name} - {fs.site.name}", body, metas)


def _text_column(fs: FarmSite, col: Column) -> str:
    dept = escape(fs.site.department)
    if col.slug == "ldxx":
        rows = "".join(
            f"<li><strong>{name}</strong>　{role}</li>"
            for name, role in zip(
                LEADERS[:4], ("党组书记、局长", "副局长", "副局长", "纪检组长"), strict=True
            )
        )
        return (
            f'<div class="article-content"><p>{dept}领导班子成员及分工：</p><ul>{rows}</ul></div>'
        )
    if col.slug == "lxwm":
        return (
            f'<div class="article-content"><p>单位名称：{dept}</p>'
            f"<p>办公地址：{fs.site.region}行政中心{fs.index % 9 + 1}号楼</p>"
            f"<p>联系电话：0871-{fs.icp[:7]}</p><p>邮政编码：65{fs.icp[:4]}</p></div>"
        )
    return (
        f'<div class="article-content"><p>{dept}是主管本行政区域相关工作的政府工作部门。</p>'
        "<p>主要职责：</p>"
        "<p>（一）贯彻执行国家和省有关方针政策和法律法规，拟订本地区相关规划并组织实施。</p>"
        "<p>（二）负责本行政区域内相关行业的监督管理和公共服务工作。</p>"
        "<p>（三）完成上级交办的其他任务。</p></div>"
    )


def article_page(fs: FarmSite, col: Column, k: int, day: date | None, today: date) -> str:
    title = item_title(fs, col, k, day)
    metas = {"ColumnName": col.name, "ColumnType": col.name, "ArticleTitle": title}
    info = ""
    if day is not None:
        hour = 8 + k % 9
        metas["PubDate"] = f"{day.isoformat()} {hour:02d}:{k % 60:02d}"
        info = f"发布时间：{day.isoformat()} {hour:02d}:{k % 60:02d}:00　"
    metas["ContentSource"] = fs.site.department
    org = escape(fs.site.department)
    body = (
        _crumb(col) + f'<div class="main article"><h1>{escape(title)}</h1>\n'
        f'<div class="info">{info}来源：{org}　浏览次数：<span id="count">{100 + k}</span></div>\n'
        '<div class="article-content">'
        f"<p>为进一步做好{_pick(TOPICS, fs.code, k)}工作，{org}结合实际，认真研究部署相关工作。</p>"
        "<p>会议要求，各相关单位要提高思想认识，压实工作责任，确保各项工作落到实处。</p>"
        "</div></div>\n"
    )
    return _page(fs, today, f"{title}_{fs.site.name}", body, metas)


def maintenance_page(fs: FarmSite) -> str:
    return (
        f"<!DOCTYPE html>\n<html><head>{_charset_meta(fs)}<title>网站维护中</title></head>"
        f'<body><div class="notice"><h1>网站维护中</h1><p>{escape(fs.site.name)}正在升级改版，'
        "暂停访问，给您带来的不便敬请谅解。</p></div></body></html>\n"
    )


def not_found_page(fs: FarmSite) -> str:
    return (
        f"<!DOCTYPE html>\n<html><head>{_charset_meta(fs)}<title>页面不存在</title></head>"
        '<body><div class="error"><h1>404</h1><p>您访问的页面不存在或已被删除。</p>'
        '<p><a href="/">返回首页</a></p></div></body></html>\n'
    )


def error_page(fs: FarmSite, status: int, text: str) -> str:
    return (
        f"<!DOCTYPE html>\n<html><head>{_charset_meta(fs)}<title>{status} {text}</title></head>"
        f"<body><h1>{status}</h1><p>{text}</p></body></html>\n"
    )


def calendar_trap_page(fs: FarmSite, day: date, today: date) -> str:
    """One day of an events calendar whose 后一天 links never end (a link trap)."""
    prev_day, next_day = day - timedelta(days=1), day + timedelta(days=1)
    next_month = day + timedelta(days=31)
    body = (
        f'<div class="main calendar-page"><h2>活动日历 {day.year}年{day.month}月{day.day}日</h2>'
        "<p>当日暂无活动安排。</p>"
        f'<a href="/calendar/index.html?date={prev_day.isoformat()}">前一天</a> '
        f'<a href="/calendar/index.html?date={next_day.isoformat()}">后一天</a> '
        f'<a href="/calendar/index.html?date={next_month.isoformat()}">下个月</a></div>\n'
    )
    return _page(fs, today, f"活动日历 - {fs.site.name}", body)


def huge_page(fs: FarmSite, today: date, size: int = 5 * 1024 * 1024) -> str:
    """A public-information catalogue of several MB (one table, no links)."""
    row = (
        "<tr><td>{n}</td><td>{org}政府信息公开目录条目{n}</td><td>主动公开</td>"
        "<td>长期公开</td><td>网站、公开栏、档案馆</td></tr>\n"
    )
    org = escape(fs.site.department)
    sample = len(row.format(n=100000, org=org).encode())
    rows = "".join(row.format(n=n, org=org) for n in range(size // sample + 1))
    body = (
        f'<div class="main"><h2>政府信息公开目录</h2><table class="catalog">{rows}</table></div>\n'
    )
    return _page(fs, today, f"政府信息公开目录 - {fs.site.name}", body)


def slow_page(fs: FarmSite, today: date) -> str:
    body = '<div class="main"><h2>视频专题</h2><p>视频加载中，请稍候。</p></div>\n'
    return _page(fs, today, f"视频专题 - {fs.site.name}", body)


def soft_404_page(fs: FarmSite) -> str:
    """Answers 200 but says the page does not exist."""
    return (
        f"<!DOCTYPE html>\n<html><head>{_charset_meta(fs)}"
        f"<title>{escape(fs.site.name)}</title></head>"
        '<body><div class="error"><p>对不起，您访问的页面不存在！</p>'
        '<p><a href="/">返回首页</a></p></div></body></html>\n'
    )


# ---- bytes -------------------------------------------------------------------------------


def content_type(fs: FarmSite) -> str:
    return f"text/html; charset={fs.charset_header}" if fs.charset_header else "text/html"


def encode(fs: FarmSite, html: str) -> bytes:
    # GBK lacks a few symbols; a real GBK template would have entities for them.
    return html.encode("gbk" if fs.encoding == "gbk" else "utf-8", errors="xmlcharrefreplace")
