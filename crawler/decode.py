"""Bytes of a page to text, the way a browser on a Chinese desktop would read them.

Order of evidence: a byte-order mark; bytes that are valid UTF-8; the declared charsets
(HTTP header, then the ``<meta>`` tag) that decode the bytes without an error; GB18030;
and only when nothing decodes cleanly, the least damaged candidate (a declared weak
charset or charset-normalizer's guess if even that is badly damaged). Invalid bytes
become U+FFFD.

Why not simply trust the declaration: servers here often send ``charset=utf-8`` or the
Java/Tomcat default ``ISO-8859-1`` for pages written in GBK, and many send no charset at
all. ISO-8859-1, ASCII and windows-1252 decode any bytes "cleanly", so they are weak
evidence and only used when neither UTF-8 nor GB18030 fits.
"""

from __future__ import annotations

import codecs
import re

# GB2312 and GBK are subsets of GB18030; decoding them as GB18030 also reads the
# characters that sites put in "GB2312" pages anyway (rare names, 镕, 喆, …).
_GB_ALIASES = frozenset(
    {
        "gb2312",
        "gb_2312",
        "gb_2312-80",
        "gb231280",
        "csgb2312",
        "csiso58gb231280",
        "iso-ir-58",
        "chinese",
        "euc-cn",
        "euccn",
        "gbk",
        "x-gbk",
        "cp936",
        "ms936",
        "windows-936",
        "csgbk",
        "gb18030",
    }
)
# Labels that decode every byte string without an error, so "it decodes" proves nothing.
_WEAK = frozenset({"latin-1", "iso8859-1", "ascii", "cp1252"})

META_PRESCAN_BYTES = 4096  # where the <meta> charset is looked for
# Share of non-ASCII bytes that may be invalid in a chosen decoding. The wrong codec
# breaks most of them (Latin-1 text read as GB18030: nearly every accented letter).
_DAMAGE_TOLERATED = 0.1
_DETECT_PREFIX = 64 * 1024  # bytes given to charset-normalizer when all else fails

_HEADER_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([^\s"';,]+)""", re.IGNORECASE)
# Covers <meta charset="gbk"> and <meta http-equiv="Content-Type" content="…; charset=gbk">.
_META_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)""", re.I)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([a-zA-Z0-9_.:-]+)""", re.I)

_HIGH_BYTES = bytes(range(128, 256))
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: it starts with the same bytes
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def normalize_charset(label: str | None) -> str | None:
    """A codec name Python knows, GB family folded into gb18030; None if unknown."""
    if not label:
        return None
    name = label.strip().strip("\"'").lower()
    if name.replace("_", "-") in _GB_ALIASES or name in _GB_ALIASES:
        return "gb18030"
    try:
        codec = codecs.lookup(name).name
    except LookupError:
        return None
    if codec in {"gb2312", "gbk"}:
        return "gb18030"
    return codec


def charset_from_content_type(content_type: str | None) -> str | None:
    if not content_type:
        return None
    match = _HEADER_CHARSET.search(content_type)
    return normalize_charset(match.group(1)) if match else None


def charset_from_meta(body: bytes) -> str | None:
    """The charset a <meta> tag (or an XML declaration) in the first 4 KB declares."""
    head = body[:META_PRESCAN_BYTES]
    match = _META_CHARSET.search(head) or _XML_ENCODING.search(head)
    if not match:
        return None
    found = normalize_charset(match.group(1).decode("ascii", "replace"))
    # A meta tag can only be read if the page is ASCII-compatible, so "utf-16" there is
    # a mislabel for UTF-8 (the HTML standard says the same).
    if found and found.startswith("utf-16"):
        return "utf-8"
    return found


def _bom(body: bytes) -> tuple[str, int] | None:
    for mark, name in _BOMS:
        if body.startswith(mark):
            return name, len(mark)
    return None


def decodes_cleanly(body: bytes, encoding: str) -> bool:
    """No invalid sequence; an incomplete character at the very end is allowed (a body
    cut at the size cap may end in the middle of one)."""
    try:
        codecs.getincrementaldecoder(encoding)("strict").decode(body, final=False)
    except UnicodeDecodeError:
        return False
    return True


def damage(body: bytes, encoding: str) -> float:
    """Invalid sequences per non-ASCII byte: 0.0 is clean, near 1.0 is the wrong codec."""
    non_ascii = len(body) - len(body.translate(None, _HIGH_BYTES))
    if non_ascii == 0:
        return 0.0
    return body.decode(encoding, "replace").count("\ufffd") / non_ascii


def _detect(body: bytes) -> str | None:
    from charset_normalizer import from_bytes  # imported late: rarely needed, slow import

    best = from_bytes(body[:_DETECT_PREFIX]).best()
    return normalize_charset(best.encoding) if best else None


def choose_encoding(body: bytes, content_type: str | None) -> str:
    """The codec to read ``body`` with; see the module docstring for the order."""
    declared: list[str] = []
    for found in (charset_from_content_type(content_type), charset_from_meta(body)):
        if found and found not in declared:
            declared.append(found)
    strong = [name for name in declared if name not in _WEAK]
    weak = [name for name in declared if name in _WEAK]

    # Valid UTF-8 is evidence enough whatever was declared: GBK text is almost never
    # valid UTF-8, while UTF-8 text often passes as some sequence of GB18030 characters.
    if decodes_cleanly(body, "utf-8"):
        return strong[0] if strong and body.isascii() else "utf-8"
    for name in strong:
        if decodes_cleanly(body, name):
            return name
    if decodes_cleanly(body, "gb18030"):
        return "gb18030"

    # Nothing is clean: typical of a GBK page with a few broken bytes, or a UTF-8 page
    # whose title was cut in the middle of a character.
    candidates = [*strong, *(n for n in ("utf-8", "gb18030") if n not in strong)]
    scores = {name: damage(body, name) for name in candidates}
    best = min(candidates, key=scores.__getitem__)  # the first of equals: declared wins ties
    if scores[best] <= _DAMAGE_TOLERATED:
        return best
    if weak:
        return weak[0]
    return _detect(body) or best


def decode_html(body: bytes, content_type: str | None) -> tuple[str, str]:
    """(text, encoding) of a page; never raises, invalid bytes become U+FFFD."""
    if not body:
        return "", charset_from_content_type(content_type) or "utf-8"
    if bom := _bom(body):
        name, size = bom
        return body[size:].decode(name, "replace"), name
    encoding = choose_encoding(body, content_type)
    return body.decode(encoding, "replace"), encoding
