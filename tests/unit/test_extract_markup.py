"""zone_flags answers what the body-rooted CSS zone queries answer, link by link."""

from pathlib import Path

import pytest

from crawler.extract.markup import (
    CRUMB_SELECTOR,
    FOOT_SELECTOR,
    HIDDEN_INLINE,
    HIDDEN_STYLE,
    IN_CRUMB_OR_FOOT,
    IN_NAV,
    NAV_SELECTOR,
    body_links,
    node_ids,
    own_zone_flags,
    zone_flags,
)
from crawler.extract.page import Page, css, parse_page

PAGES = Path(__file__).parents[1] / "fixtures" / "pages"
TRICKY = (
    "<html><body class='menu-page'><div class='NAV'><a href='/a.html'>a</a></div>"
    "<a class='navlink' href='/b.html'>b</a><footer><p><a href='/c.html'>c</a></p></footer>"
    "<div id='footbar'><ul><li><a href='/d.html'>d</a></li></ul></div>"
    "<div style='display: none'><span><a href='/e.html'>e</a></span></div>"
    "<header><a style='left:-9999px' href='/f.html'>f</a></header>"
    "<div class='copyright-box' id='x-position'><a href='/g.html'>g</a></div></body></html>"
)


def _by_queries(page: Page) -> dict[int, int]:
    """Each link's bits the way the queries find them: zones, then links inside."""
    body = page.body
    assert body is not None
    hidden = [n for n in css(body, "[style]") if HIDDEN_STYLE.search(n.attrs.get("style") or "")]
    nav = node_ids(css(body, NAV_SELECTOR), "a")
    foot = node_ids(css(body, f"{CRUMB_SELECTOR},{FOOT_SELECTOR}"), "a")
    inline = node_ids(hidden, "a")
    return {
        a.mem_id: (IN_NAV if a.mem_id in nav else 0)
        | (IN_CRUMB_OR_FOOT if a.mem_id in foot else 0)
        | (HIDDEN_INLINE if a.mem_id in inline else 0)
        for a in css(body, "a")
    }


def _pages() -> list[tuple[str, str]]:
    found = [("tricky", TRICKY)]
    for path in sorted(PAGES.rglob("*.html")):
        raw = path.read_bytes()
        for encoding in ("utf-8", "gb18030"):
            try:
                found.append((path.name, raw.decode(encoding)))
                break
            except UnicodeDecodeError:
                continue
    return found


@pytest.mark.parametrize(("name", "html"), _pages(), ids=[n for n, _ in _pages()])
def test_zone_flags_match_the_zone_queries(name: str, html: str) -> None:
    page = parse_page(html, "http://www.a.gov.cn/")
    want = _by_queries(page)
    for link in body_links(page):  # (redirect pages have none)
        assert zone_flags(page, link.node, link.attrs) == want[link.mem_id], link.href


def test_tricky_page_zones() -> None:
    page = parse_page(TRICKY, "http://www.a.gov.cn/")
    flags = {link.href: zone_flags(page, link.node) for link in body_links(page)}
    # the body's class says menu: every link is in a navigation zone
    assert all(f & IN_NAV for f in flags.values())
    assert not flags["/a.html"] & IN_CRUMB_OR_FOOT  # NAV is no nav: [class*=nav] is exact
    assert flags["/c.html"] & IN_CRUMB_OR_FOOT and flags["/d.html"] & IN_CRUMB_OR_FOOT
    assert flags["/g.html"] & IN_CRUMB_OR_FOOT
    assert flags["/e.html"] & HIDDEN_INLINE and flags["/f.html"] & HIDDEN_INLINE
    assert not flags["/b.html"] & HIDDEN_INLINE
    body = page.body
    assert body is not None and own_zone_flags(page, body) & IN_NAV
