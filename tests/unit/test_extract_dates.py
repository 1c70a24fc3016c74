from datetime import date

import pytest

from crawler.extract.dates import (
    date_in_url,
    dates_in_text,
    implied_year,
    item_dates,
    parse_date,
    plausible,
)

TODAY = date(2026, 11, 28)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2017-02-10", date(2017, 2, 10)),
        ("2017/2/10", date(2017, 2, 10)),
        ("2017.02.10", date(2017, 2, 10)),
        ("2017年2月10日", date(2017, 2, 10)),
        ("2017 年 2 月 10 日", date(2017, 2, 10)),
        ("2017-02-10 11:40:11", date(2017, 2, 10)),
        ("发布时间：2026-01-22 11:40:11", date(2026, 1, 22)),
        ("2007-08-20-23:59:59", date(2007, 8, 20)),  # gov.cn firstpublishedtime
        ("20170210", date(2017, 2, 10)),
    ],
)
def test_full_and_compact_shapes(text: str, expected: date) -> None:
    assert parse_date(text, TODAY) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[02-10]", date(2026, 2, 10)),
        ("02-10", date(2026, 2, 10)),
        ("11/20", date(2026, 11, 20)),
        ("2月10日", date(2026, 2, 10)),
        ("[11-28]", date(2026, 11, 28)),  # today is not after today
        ("[11-29]", date(2025, 11, 29)),  # tomorrow's month/day: last year's
        ("[12-30]", date(2025, 12, 30)),
        ("02-29", date(2024, 2, 29)),  # the most recent leap day
    ],
)
def test_year_implied_takes_the_most_recent_day_not_after_today(text: str, expected: date) -> None:
    assert parse_date(text, TODAY) == expected


@pytest.mark.parametrize(
    "text",
    ["2027-01-01", "2026-11-29", "1994-12-31", "2017-02-30", "2017-13-01", "", "第2月10次", "无"],
)
def test_implausible_or_no_date(text: str) -> None:
    assert parse_date(text, TODAY) is None


def test_plausibility_bounds() -> None:
    assert plausible(date(1995, 1, 1), TODAY)
    assert not plausible(date(1994, 12, 31), TODAY)
    assert plausible(TODAY, TODAY)
    assert not plausible(date(2026, 11, 29), TODAY)


def test_implied_year_never_in_the_future() -> None:
    assert implied_year(11, 28, TODAY) == TODAY
    assert implied_year(12, 1, TODAY) == date(2025, 12, 1)
    assert implied_year(2, 30, TODAY) is None


def test_item_dates_prefers_full_dates_over_year_less() -> None:
    assert item_dates("2026-11-20 [11-21]", TODAY) == [date(2026, 11, 20)]
    assert item_dates("(11-21)", TODAY) == [date(2026, 11, 21)]
    assert item_dates("浏览 1234 次", TODAY) == []


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://www.a.gov.cn/zwdt/202611/t20261120_700088.html", date(2026, 11, 20)),
        ("http://a.gov.cn/yw/sxyw/201909/t20190918_693227.shtml", date(2019, 9, 18)),
        ("http://fgw.zj.gov.cn/art/2016/11/22/art_1621004_30332664.html", date(2016, 11, 22)),
        ("/art/2026/3/7/art_1003_790.html", date(2026, 3, 7)),
        ("http://www.gov.cn/guoqing/2018-05/03/content_5287353.htm", date(2018, 5, 3)),
        ("/news/2026-11-20/88.html", date(2026, 11, 20)),
        ("/2026/1120/c1234a5678/page.htm", date(2026, 11, 20)),
        ("/content/202611/20/content_1.html", date(2026, 11, 20)),
        ("/20261120/a.html", date(2026, 11, 20)),
        ("/a/20261120093015.html", date(2026, 11, 20)),
    ],
)
def test_date_in_url_shapes(url: str, expected: date) -> None:
    assert date_in_url(url, TODAY) == expected


@pytest.mark.parametrize(
    "url",
    [
        "/calendar/index.html?date=2026-11-20",  # a query is no publication date
        "/tzgg/index_1.html",
        "/zwdt/202612/t20261201_1.html",  # the future
        "/zwdt/202602/t20260230_1.html",  # no such day
        "/col/col1621004/index.html",
    ],
)
def test_no_date_in_url(url: str) -> None:
    assert date_in_url(url, TODAY) is None


def test_dates_in_text_keeps_article_dates() -> None:
    text = "发布时间：2026-01-22 11:40:11\n各单位要于2026年2月10日前完成自查。"
    assert dates_in_text(text, TODAY) == [date(2026, 1, 22), date(2026, 2, 10)]


@pytest.mark.parametrize(
    "text",
    [
        "今天是：2026年11月28日 星期六 晴",
        "今天是\n2026年11月28日",
        "2026年11月28日 星期六",
        "2026-11-28 08:00:00 周六",
        "当前时间：2026-11-28",
        "Copyright © 2005-2026 某县人民政府 版权所有",
        "Copyright 2008–2026",
        "© 2016-11-28 某县",
        "2026年11月28日 农历十月初九",
    ],
)
def test_dates_in_text_drops_widgets_and_copyright(text: str) -> None:
    assert dates_in_text(text, TODAY) == []


def test_dates_in_text_drops_future_and_ancient() -> None:
    assert dates_in_text("2030-01-01 1990-05-05 2020-05-05", TODAY) == [date(2020, 5, 5)]
