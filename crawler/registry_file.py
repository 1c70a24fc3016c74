"""Registry files (sites.csv / sites.xlsx): read with every bad row reported, and write.

Pure file handling: no store. A file is read whole into sites plus row problems; the
caller stores nothing when there is any problem, so an import is all-or-nothing.
"""

from __future__ import annotations

import csv
import io
import os
import re
import tempfile
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from crawler.divisions import canonical_region, is_division_code, region_of_code
from crawler.site import STATUS_LABELS, Site, SiteStatus

CSV_SUFFIXES = frozenset({".csv", ".tsv", ".txt"})
XLSX_SUFFIXES = frozenset({".xlsx", ".xlsm"})

# The field each header names, written as the notices and the national registry do, then
# in English. Headers are compared after _header_key (case, spaces, full-width forms).
HEADERS: dict[str, tuple[str, ...]] = {
    "code": ("网站标识码", "标识码", "code", "site_code"),
    "name": ("网站名称", "name"),
    "region": ("州、市/部门", "州市/部门", "州(市)/部门", "州、市", "州市", "地区", "region"),
    "department": ("主管单位", "department"),
    "url": ("首页网址", "网址", "网站地址", "首页地址", "url"),
    "status": ("运行状态", "status"),
}
REQUIRED = ("code", "name", "url")
# The header write_registry puts over each field; read_registry reports problems under
# the header as the file wrote it.
WRITE_HEADERS = ("网站标识码", "网站名称", "州、市/部门", "主管单位", "首页网址", "运行状态")

_STATUS_WORDS: dict[str, SiteStatus] = {
    **{s.value: s for s in SiteStatus},
    **{label: s for s, label in STATUS_LABELS.items()},
    "正常": SiteStatus.OPEN,
}
# Characters str.strip() keeps but a pasted cell often carries: BOM, zero-width space.
_INVISIBLE = "\ufeff\u200b\u200c\u200d\u2060"
_CODE_RE = re.compile(r"\d{10}")
_EXCEL_FLOAT_RE = re.compile(r"(\d+)\.0*")  # 5301000041.0 from a tool that saw a number
_SCIENTIFIC_RE = re.compile(r"\d(\.\d+)?[eE]\+?\d+")  # 5.30100E+09: Excel shortened it
_HEADER_SEARCH_ROWS = 5  # a title row or two may sit above the header


class RegistryFileError(Exception):
    """The file as a whole cannot be read as a registry (the message names the file)."""


@dataclass(frozen=True, slots=True)
class RowProblem:
    file: str
    row: int  # as a spreadsheet shows it: the header is row 1, the first data row is 2
    column: str  # the header as the file writes it
    value: str
    message: str

    def __str__(self) -> str:
        what = f'"{self.value}" {self.message}' if self.value else self.message
        return f"{self.file} row {self.row}, column {self.column}: {what}"


@dataclass(slots=True)
class RegistryRead:
    sites: list[Site] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)


# ---- writing ---------------------------------------------------------------------------


def write_registry(path: Path, sites: Iterable[Site]) -> None:
    """Write sites as CSV (UTF-8 with BOM, so Excel opens it) or XLSX, by the suffix.

    The file is written beside the target and renamed over it, so a failed write leaves
    the old file as it was.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in CSV_SUFFIXES and suffix not in XLSX_SUFFIXES:
        raise RegistryFileError(f"{path}: write a .csv or .xlsx file, not {suffix or 'no suffix'}")
    rows = [_site_row(site) for site in sites]
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        os.close(fd)
        try:
            if suffix in XLSX_SUFFIXES:
                _write_xlsx(Path(tmp), rows)
            else:
                _write_csv(Path(tmp), rows, delimiter="\t" if suffix == ".tsv" else ",")
            # mkstemp makes the file private (0600); an export is for others to open.
            os.chmod(tmp, path.stat().st_mode & 0o777 if path.exists() else 0o644)
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    except OSError as exc:
        raise RegistryFileError(f"{path}: cannot write: {exc.strerror or exc}") from exc


def _site_row(site: Site) -> tuple[str, ...]:
    status = STATUS_LABELS[SiteStatus(site.status)]
    return (site.code, site.name, site.region, site.department, site.url, status)


def _write_csv(path: Path, rows: list[tuple[str, ...]], delimiter: str) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f, delimiter=delimiter)
        writer.writerow(WRITE_HEADERS)
        writer.writerows(rows)


def _write_xlsx(path: Path, rows: list[tuple[str, ...]]) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = "网站名录"
    ws.append(WRITE_HEADERS)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append(row)
    # Text format on the code column, so Excel neither shows 5.3E+09 nor drops digits
    # when someone edits a code and saves.
    for (cell,) in ws.iter_rows(min_col=1, max_col=1):
        cell.number_format = "@"
    for index, header in enumerate(WRITE_HEADERS, start=1):
        widest = max((_display_width(r[index - 1]) for r in rows), default=0)
        ws.column_dimensions[get_column_letter(index)].width = min(
            max(widest, _display_width(header)) + 2, 60
        )
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions
    wb.save(path)


def _display_width(text: str) -> int:
    """Width in Excel's character units: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


# ---- reading: the file into rows of strings ------------------------------------------


def read_registry(path: Path, province_prefix: str = "53") -> RegistryRead:
    """Read a CSV or XLSX registry; every problem of every row goes into `problems`."""
    path = Path(path)
    rows = _read_rows(path)
    header_row, columns = _find_header(path, rows)
    return _parse_rows(path.name, rows, header_row, columns, province_prefix)


def _read_rows(path: Path) -> list[tuple[int, list[str]]]:
    """(spreadsheet row number, cleaned cells) for every row that is not entirely empty."""
    suffix = path.suffix.lower()
    if suffix == ".xls":
        raise RegistryFileError(
            f"{path}: old .xls workbooks are not read; save it as .xlsx or .csv"
        )
    if suffix not in CSV_SUFFIXES and suffix not in XLSX_SUFFIXES:
        raise RegistryFileError(
            f"{path}: unknown file type {suffix or '(no suffix)'}; give a .csv or .xlsx file"
        )
    try:
        raw_rows = _xlsx_rows(path) if suffix in XLSX_SUFFIXES else _csv_rows(path)
        rows = [(n, cells) for n, cells in raw_rows if any(cells)]
    except OSError as exc:
        raise RegistryFileError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    except csv.Error as exc:
        raise RegistryFileError(f"{path}: not a readable CSV file: {exc}") from exc
    if not rows:
        raise RegistryFileError(f"{path}: the file is empty")
    return rows


def _csv_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    text = decode_csv_bytes(path.read_bytes(), path)
    head = "\n".join(text.split("\n", _HEADER_SEARCH_ROWS)[:_HEADER_SEARCH_ROWS])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_sniff_delimiter(head))
    for cells in reader:
        # line_num counts physical lines, which is the row a spreadsheet shows unless a
        # quoted cell spans lines; then it is the row's last line, still near enough.
        yield reader.line_num, [clean_cell(c) for c in cells]


def decode_csv_bytes(data: bytes, path: Path) -> str:
    """Text of a CSV as Excel in China saves it: UTF-8 (with or without BOM), or GBK.

    GBK and GB2312 decode as GB18030, their superset, so a rare character in a name
    does not fail the whole file.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode text" export
        return _decode(data, "utf-16", path)
    if data.startswith(b"\xef\xbb\xbf"):
        return _decode(data, "utf-8-sig", path)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    return _decode(data, "gb18030", path)


def _decode(data: bytes, encoding: str, path: Path) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise RegistryFileError(
            f"{path}: the text is not valid {encoding} (bad byte at offset {exc.start}); "
            'save it from Excel as "CSV UTF-8"'
        ) from exc


def _sniff_delimiter(head: str) -> str:
    """The delimiter the first lines use most: comma, tab or semicolon (a comma when none).

    csv.Sniffer guesses from quoting patterns and is easily misled by Chinese text; the
    count over the header lines is what decides in practice.
    """
    counts = {d: head.count(d) for d in (",", "\t", ";")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _xlsx_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError) as exc:
        raise RegistryFileError(f"{path}: not a readable .xlsx workbook ({exc})") from exc
    try:
        ws = wb.worksheets[0]
        # Some exporters write a wrong or no <dimension>; without this a read-only sheet
        # would trust it and return a cut-off table.
        ws.reset_dimensions()
        # A read-only sheet's iteration can still stumble on a damaged part; collect here
        # so the workbook is closed and the error named before anything is parsed.
        rows = [
            (n, [clean_cell(v) for v in values])
            for n, values in enumerate(ws.iter_rows(values_only=True), start=1)
        ]
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise RegistryFileError(f"{path}: not a readable .xlsx workbook ({exc})") from exc
    finally:
        wb.close()
    yield from rows


def clean_cell(value: object) -> str:
    """A cell as text: numbers without a trailing .0, surrounding and invisible spaces gone.

    A site code typed into Excel is stored as the number 5301000041, sometimes read back
    as 5301000041.0; either way it is the text "5301000041".
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int):
        return str(value)
    text = str(value)
    if text and (text[0] in _INVISIBLE or text[-1] in _INVISIBLE):
        text = text.strip(_INVISIBLE + " \t\r\n\u3000\xa0")
    return text.strip()  # str.strip also removes the full-width space U+3000


# ---- reading: the header -----------------------------------------------------------------


def _header_key(text: str) -> str:
    """Headers compare without case, spaces or full-width forms (／ → /, （ → ()."""
    return "".join(unicodedata.normalize("NFKC", text).lower().split())


_HEADER_FIELDS: dict[str, str] = {
    _header_key(alias): name for name, aliases in HEADERS.items() for alias in aliases
}


def _find_header(path: Path, rows: list[tuple[int, list[str]]]) -> tuple[int, dict[str, int]]:
    """The header row's index in `rows` and where each field is: {"code": 0, …}."""
    for index, (_, cells) in enumerate(rows[:_HEADER_SEARCH_ROWS]):
        columns: dict[str, int] = {}
        for position, cell in enumerate(cells):
            name = _HEADER_FIELDS.get(_header_key(cell))
            if name is None:
                continue
            if name in columns:
                raise RegistryFileError(
                    f"{path}: columns {cells[columns[name]]!r} and {cell!r} both give the "
                    f"{name}; keep one"
                )
            columns[name] = position
        if columns:
            missing = [name for name in REQUIRED if name not in columns]
            if missing:
                wanted = ", ".join(f"{HEADERS[m][0]} ({m})" for m in missing)
                found = ", ".join(c for c in cells if c)
                raise RegistryFileError(
                    f"{path}: missing required column(s): {wanted}; the header has: {found}"
                )
            if index == len(rows) - 1:
                raise RegistryFileError(f"{path}: the file has a header but no sites")
            return index, columns
    found = ", ".join(c for c in rows[0][1] if c)
    raise RegistryFileError(
        f"{path}: no header naming the columns 网站标识码, 网站名称, 首页网址 "
        f"(or code, name, url); the first row has: {found}"
    )


# ---- reading: rows into sites and problems ---------------------------------------------


def _parse_rows(
    file: str,
    rows: list[tuple[int, list[str]]],
    header_index: int,
    columns: dict[str, int],
    province_prefix: str,
) -> RegistryRead:
    header_cells = rows[header_index][1]
    headers = {name: header_cells[pos] for name, pos in columns.items()}
    read = RegistryRead()
    first_row_of: dict[str, int] = {}
    for row_number, cells in rows[header_index + 1 :]:
        values = {name: cells[pos] if pos < len(cells) else "" for name, pos in columns.items()}
        messages: list[tuple[str, str, str]] = []  # (field, value, message)

        code = _normalise_code(values["code"])
        code_error = check_code(code, province_prefix)
        if code_error:
            messages.append(("code", values["code"], code_error))
        elif code in first_row_of:
            messages.append(("code", code, f"duplicates row {first_row_of[code]}"))
        else:
            first_row_of[code] = row_number

        name = values["name"]
        if not name:
            messages.append(("name", "", "the site name is blank"))

        url = values["url"]
        url_error = check_url(url)
        if url_error:
            messages.append(("url", url, url_error))

        status = parse_status(values.get("status", ""))
        if status is None:
            messages.append(("status", values["status"], _STATUS_HINT))

        region = canonical_region(values.get("region", ""))
        if not region and not code_error:
            region = region_of_code(code) or ""
            if not region:
                messages.append(
                    ("region", "", "the region is blank and the code does not tell it")
                    if "region" in columns
                    else ("code", code, "has no region; add a 州、市/部门 column")
                )

        if messages:
            read.problems.extend(
                RowProblem(file, row_number, headers[f], value, message)
                for f, value, message in messages
            )
            continue
        assert status is not None
        read.sites.append(
            Site(
                code=code,
                name=name,
                region=region,
                url=url,
                department=values.get("department", ""),
                status=status,
            )
        )
    return read


def _normalise_code(value: str) -> str:
    """Undo what spreadsheets do to a code: ="5301000041" (Excel's keep-as-text), .0 tails."""
    if value.startswith('="') and value.endswith('"'):
        value = value[2:-1].strip()
    match = _EXCEL_FLOAT_RE.fullmatch(value)
    return match.group(1) if match else value


def check_code(code: str, province_prefix: str = "53") -> str | None:
    """Why `code` is not a site code of the province, or None when it is one."""
    if not _CODE_RE.fullmatch(code):
        if _SCIENTIFIC_RE.fullmatch(code):
            return (
                "is not a 10-digit site code (Excel saved the number shortened; "
                "format the column as text and type the codes again)"
            )
        return "is not a 10-digit site code"
    if not code.startswith(province_prefix):
        return f"does not start with the province's code {province_prefix}"
    if not is_division_code(code[:6], province_prefix):
        return f"does not start with an administrative division code ({code[:6]} is not one)"
    return None


def check_url(url: str) -> str | None:
    """Why `url` is not an absolute http(s) homepage address, or None when it is one."""
    if not url:
        return "the homepage address is blank"
    if any(ch.isspace() for ch in url):
        return "contains spaces"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 — raises ValueError on a port that is not a number
    except ValueError:
        return "is not a valid address"
    scheme = parts.scheme.lower()
    if scheme in ("http", "https"):
        return None if parts.hostname else "has no host name"
    if not parts.netloc and _looks_like_host(url):
        return f'has no http:// or https://; did you mean "{_suggest_url(url)}"?'
    return "is not an http or https address"


def _looks_like_host(url: str) -> bool:
    """A bare "www.x.gov.cn" or "www.x.gov.cn:8080/a": urlsplit takes "www.x.gov.cn" for a
    scheme when a port follows, so look at the text before any slash instead."""
    host = url.split("/", 1)[0].split(":", 1)[0]
    return "." in host and all(part for part in host.split("."))


def _suggest_url(url: str) -> str:
    return f"http://{url}" if "/" in url else f"http://{url}/"


_STATUS_HINT = (
    "is not a known status (正常运行, 暂时关停, 永久关停; "
    "or open, temporarily_closed, permanently_closed; blank means 正常运行)"
)


def parse_status(text: str) -> SiteStatus | None:
    """The status a cell names (blank: open), or None when it names none we know."""
    if not text:
        return SiteStatus.OPEN
    key = text.strip().lower().replace(" ", "_").replace("-", "_")
    return _STATUS_WORDS.get(key) or _STATUS_WORDS.get(text.strip())
