"""A site's identity on its pages: 网站标识码 (meta and footer), ICP, 公安备案, 党政机关 mark.

The meta comes first (<meta name="SiteIDCode">, empty means absent); the footer form is
网站标识码：5325230002 / 网站标识码5325230002 / 网站识别码…, read from the end of the text
where footers are. Codes are 10 digits (6-digit division + 4-digit serial) or bm + 8
digits for central departments.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from crawler.extract.page import Page, css_first

FOOTER_SCAN = 30_000  # characters from the end of the text that hold the footer

CODE = re.compile(r"^(?:\d{10}|bm\d{8})$", re.IGNORECASE)
_FOOTER_CODE = re.compile(r"网站(?:标识|识别)码\s*[：:]?\s*((?:bm|BM)\d{8}|\d{10})(?!\d)")
_ICP = re.compile(r"[\u4e00-\u9fff]ICP[备证]\s*\d+\s*号(?:\s*-\s*\d+)?", re.IGNORECASE)
_ICP_HINT = re.compile(r"ICP[备证]", re.IGNORECASE)
_POLICE = re.compile(r"[\u4e00-\u9fff]公网安备\s*\d+\s*号?")


@dataclass(frozen=True, slots=True)
class Identity:
    meta_code: str | None
    footer_code: str | None
    agree: bool | None  # both present and equal; None when either is missing
    icp: str | None
    police_filing: str | None
    conac_mark: bool  # the 党政机关 mark (a conac.cn link, image or script)


def _search_tail_first(pattern: re.Pattern[str], text: str) -> re.Match[str] | None:
    tail_start = max(0, len(text) - FOOTER_SCAN)
    return pattern.search(text, tail_start) or (pattern.search(text) if tail_start else None)


def _icp_search(text: str, start: int = 0) -> re.Match[str] | None:
    """_ICP.search(text, start): the pattern opens with a character class, which re scans
    position by position; its "ICP备" part is found by a literal scan, then matched."""
    for hint in _ICP_HINT.finditer(text, start + 1):
        m = _ICP.match(text, hint.start() - 1)
        if m:
            return m
    return None


def _icp_tail_first(text: str) -> re.Match[str] | None:
    tail_start = max(0, len(text) - FOOTER_SCAN)
    return _icp_search(text, tail_start) or (_icp_search(text) if tail_start else None)


def _conac(page: Page) -> bool:
    if any("conac.cn" in s.src or "conac.cn" in s.code for s in page.scripts):
        return True
    body = page.body
    return body is not None and (
        css_first(body, "a[href*='conac.cn'], img[src*='conac.cn'], #_ideConac") is not None
    )


def site_identity(page: Page) -> Identity:
    meta = (page.metas.get("siteidcode") or "").strip() or None
    text = page.text
    m = _search_tail_first(_FOOTER_CODE, text)
    footer = m[1].lower() if m and m[1][:2].lower() == "bm" else (m[1] if m else None)
    agree = None if meta is None or footer is None else meta.lower() == footer.lower()
    icp = _icp_tail_first(text)
    police = _search_tail_first(_POLICE, text)
    return Identity(
        meta_code=meta,
        footer_code=footer,
        agree=agree,
        icp=" ".join(icp[0].split()) if icp else None,
        police_filing=" ".join(police[0].split()) if police else None,
        conac_mark=_conac(page),
    )
