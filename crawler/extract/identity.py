"""A site's identity on its pages: 网站标识码 (meta and footer), ICP, 公安备案, 党政机关 mark.

The meta comes first (<meta name="SiteIDCode">, empty means absent); the footer form is
网站标识码：5325230002 / 网站标识码5325230002 / 网站识别码…, read from the end of the text
where footers are. Codes are 10 digits (6-digit division + 4-digit serial) or bm + 8
digits for central departments.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from crawler.extract.page import Page, css_first

FOOTER_SCAN = 30_000  # characters from the end of the text that hold the footer

CODE = re.compile(r"^(?:\d{10}|bm\d{8})$", re.IGNORECASE)
_FOOTER_CODE = re.compile(r"网站(?:标识|识别)码\s*[：:]?\s*((?:bm|BM)\d{8}|\d{10})(?!\d)")
_ICP = re.compile(r"[\u4e00-\u9fff]ICP[备证]\s*\d+\s*号(?:\s*-\s*\d+)?", re.IGNORECASE)
_ICP_HINT = re.compile(r"ICP[备证]", re.IGNORECASE)
_ICP_MARK = re.compile(r"[备证]")
_POLICE = re.compile(r"[\u4e00-\u9fff]公网安备\s*\d+\s*号?")
_CONAC = "a[href*='conac.cn'], img[src*='conac.cn'], #_ideConac"


@dataclass(frozen=True, slots=True)
class Identity:
    meta_code: str | None
    footer_code: str | None
    agree: bool | None  # both present and equal; None when either is missing
    icp: str | None
    police_filing: str | None
    conac_mark: bool  # the 党政机关 mark (a conac.cn link, image or script)


def _police_search(text: str, start: int = 0) -> re.Match[str] | None:
    """_POLICE.search(text, start): the pattern opens with a character class, which re
    tries at every position; its 公网安备 part is found by a literal scan, then matched."""
    at = text.find("公网安备", start + 1)
    while at >= 0:
        m = _POLICE.match(text, at - 1)
        if m:
            return m
        at = text.find("公网安备", at + 1)
    return None


def _icp_search(text: str, start: int = 0) -> re.Match[str] | None:
    """_ICP.search(text, start): the pattern opens with a character class, which re tries
    at every position, and its ICP part ignores case, which no literal scan can find; its
    备/证 (no case) is found first, then the rest is matched around it."""
    for mark in _ICP_MARK.finditer(text, start + 4):
        hint = mark.start() - 3  # where "ICP" starts
        if _ICP_HINT.match(text, hint):
            m = _ICP.match(text, hint - 1)
            if m:
                return m
    return None


def _tail_first(
    search: Callable[[str, int], re.Match[str] | None], text: str
) -> re.Match[str] | None:
    """The first match in the last FOOTER_SCAN characters, else the first in the text."""
    tail_start = max(0, len(text) - FOOTER_SCAN)
    return search(text, tail_start) or (search(text, 0) if tail_start else None)


def _conac(page: Page) -> bool:
    if any("conac.cn" in s.src or "conac.cn" in s.code for s in page.scripts):
        return True
    body = page.body
    if body is None:
        return False
    # The mark sits in the footer, at the end: the body's last element is searched first
    # (a yes there is a yes for the whole body), the whole body only when it says no.
    last = body.last_child
    while last is not None and not last.is_element_node:
        last = last.prev
    if last is not None and css_first(last, _CONAC) is not None:
        return True
    return css_first(body, _CONAC) is not None


def site_identity(page: Page) -> Identity:
    meta = (page.metas.get("siteidcode") or "").strip() or None
    text = page.text
    m = _tail_first(_FOOTER_CODE.search, text)
    footer = m[1].lower() if m and m[1][:2].lower() == "bm" else (m[1] if m else None)
    agree = None if meta is None or footer is None else meta.lower() == footer.lower()
    icp = _tail_first(_icp_search, text)
    police = _tail_first(_police_search, text)
    return Identity(
        meta_code=meta,
        footer_code=footer,
        agree=agree,
        icp=" ".join(icp[0].split()) if icp else None,
        police_filing=" ".join(police[0].split()) if police else None,
        conac_mark=_conac(page),
    )
