"""Last quarter's published lists: read from a notice-format file, kept in the store.

A file is the notice's table (序号 | 州、市/部门 | 网站名称 | 存在的突出问题 | 网站标识码), as
xlsx (every sheet with such a header is read: annexes 1-3 of one notice) or csv. It is read
whole; any bad row fails the import with the file, sheet and row named, and nothing is
stored. Storing replaces the quarter's lists in one transaction.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import delete, select

from crawler.divisions import canonical_region
from crawler.registry_file import RegistryFileError, clean_cell, decode_csv_bytes
from crawler.reports.model import NamedSite
from crawler.reports.quarter import Quarter
from crawler.store import Store
from crawler.store.reports_models import NamedSiteRow

UNQUALIFIED, FOLLOW_UP = "unqualified", "follow_up"
_CODE = re.compile(r"(\d{10}|bm\d{8})", re.IGNORECASE)
_EXCEL_FLOAT = re.compile(r"(\d{10})\.0*")
_HEADER_SEARCH_ROWS = 6  # 附件 N and the list's title sit above the header
# The notice's columns, compared without spaces and full-width forms.
_FIELDS = {
    "序号": "seq",
    "州、市/部门": "region",
    "州市/部门": "region",
    "网站名称": "name",
    "存在的突出问题": "problems",
    "存在突出问题": "problems",
    "网站标识码": "code",
}
# Annex 3 writes 存在突出问题 (no 的): the follow-up list.
_FOLLOW_UP_HEADERS = frozenset({"存在突出问题"})


class PreviousListError(ValueError):
    """The previous quarter's list cannot be read; the message names file, sheet and row."""


def _key(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


_FIELD_KEYS = {_key(k): v for k, v in _FIELDS.items()}


def _header(cells: list[str]) -> tuple[dict[str, int], bool] | None:
    columns: dict[str, int] = {}
    follow_up = False
    for position, cell in enumerate(cells):
        name = _FIELD_KEYS.get(_key(cell))
        if name and name not in columns:
            columns[name] = position
            follow_up = follow_up or _key(cell) in _FOLLOW_UP_HEADERS
    if {"name", "code", "problems"} <= set(columns):
        return columns, follow_up
    return None


def _table(
    where: str, rows: list[tuple[int, list[str]]], errors: list[str]
) -> list[NamedSite] | None:
    """The notice table in one sheet, or None when the sheet has none."""
    headers = [
        (index, found)
        for index, (_, cells) in enumerate(rows[:_HEADER_SEARCH_ROWS])
        if (found := _header(cells)) is not None
    ]
    if not headers:
        return None
    index, (columns, follow_up) = headers[0]
    list_name = FOLLOW_UP if follow_up else UNQUALIFIED
    named: list[NamedSite] = []

    def cell(cells: list[str], name: str) -> str:
        at = columns.get(name)
        return cells[at] if at is not None and at < len(cells) else ""

    for number, cells in rows[index + 1 :]:
        code, name = cell(cells, "code"), cell(cells, "name")
        if not code and not name:
            continue  # a signature or date line under the table
        if match := _EXCEL_FLOAT.fullmatch(code):
            code = match.group(1)
        if not _CODE.fullmatch(code):
            shown = f'"{code}"' if code else "(empty)"
            errors.append(f"{where} row {number}, column 网站标识码: {shown} is not a site code")
            continue
        if not name:
            errors.append(f"{where} row {number}, column 网站名称: empty")
            continue
        seq = cell(cells, "seq")
        named.append(
            NamedSite(
                code=code,
                name="".join(name.split()),  # a name wrapped in a PDF cell: no spaces
                region=canonical_region(cell(cells, "region")),
                problems=cell(cells, "problems"),
                list_name=list_name,
                seq=int(seq) if seq.isdigit() else len(named) + 1,
            )
        )
    return named


def _xlsx_sheets(path: Path) -> list[tuple[str, list[tuple[int, list[str]]]]]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, OSError) as exc:
        raise PreviousListError(f"{path}: not a readable .xlsx workbook ({exc})") from exc
    try:
        sheets = []
        for ws in wb.worksheets:
            ws.reset_dimensions()
            rows = [
                (n, [clean_cell(v) for v in values])
                for n, values in enumerate(ws.iter_rows(values_only=True), start=1)
            ]
            sheets.append((ws.title, [(n, c) for n, c in rows if any(c)]))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise PreviousListError(f"{path}: not a readable .xlsx workbook ({exc})") from exc
    finally:
        wb.close()
    return sheets


def _csv_rows(path: Path) -> list[tuple[int, list[str]]]:
    try:
        text = decode_csv_bytes(path.read_bytes(), path)
    except RegistryFileError as exc:
        raise PreviousListError(str(exc)) from exc
    except OSError as exc:
        raise PreviousListError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    delimiter = (
        "\t" if text.split("\n", 1)[0].count("\t") > text.split("\n", 1)[0].count(",") else ","
    )
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        rows = [(reader.line_num, [clean_cell(c) for c in cells]) for cells in reader]
    except csv.Error as exc:
        raise PreviousListError(f"{path}: not a readable CSV file: {exc}") from exc
    return [(n, c) for n, c in rows if any(c)]


def read_previous_list(path: Path) -> list[NamedSite]:
    """Every named site in a notice-format xlsx or csv; PreviousListError names bad rows."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        if not path.is_file():
            raise PreviousListError(f"{path}: no such file")
        sheets = [(f"{path.name} sheet {title!r}", rows) for title, rows in _xlsx_sheets(path)]
    elif suffix in (".csv", ".txt", ".tsv"):
        sheets = [(path.name, _csv_rows(path))]
    else:
        raise PreviousListError(f"{path}: give the previous list as .xlsx or .csv")
    errors: list[str] = []
    named: list[NamedSite] = []
    tables = 0
    for where, rows in sheets:
        table = _table(where, rows, errors)
        if table is not None:
            tables += 1
            named.extend(table)
    if not tables:
        raise PreviousListError(
            f"{path}: no table with the notice's header "
            "(序号, 州、市/部门, 网站名称, 存在的突出问题, 网站标识码) in its first rows"
        )
    if errors:
        shown = "\n  ".join(errors[:50])
        more = f"\n  … and {len(errors) - 50} more" if len(errors) > 50 else ""
        raise PreviousListError(
            f"{path}: {len(errors)} bad row(s), nothing imported:\n  {shown}{more}"
        )
    return named


# ---------------------------------------------------------------------------- the store


async def save_named(
    store: Store, quarter: Quarter, named: Iterable[NamedSite], source: str
) -> int:
    """Replace the quarter's stored lists with `named`; returns the rows stored."""
    now = datetime.now(UTC)
    rows, seen = [], set()
    for site in named:
        if (site.list_name, site.code) in seen:
            continue  # the same site twice in one list: keep the first
        seen.add((site.list_name, site.code))
        rows.append(
            NamedSiteRow(
                quarter=str(quarter),
                list_name=site.list_name,
                seq=site.seq,
                code=site.code,
                region=site.region[:50],
                name=site.name[:200],
                problems=site.problems,
                source=source[:500],
                stored_at=now,
            )
        )
    async with store.session() as session, session.begin():
        await session.execute(delete(NamedSiteRow).where(NamedSiteRow.quarter == str(quarter)))
        session.add_all(rows)
    return len(rows)


async def load_named(store: Store, quarter: Quarter) -> tuple[list[NamedSite], str]:
    """The quarter's stored lists (unqualified first) and where they came from ("" if none)."""
    async with store.session() as session:
        rows = (
            await session.scalars(
                select(NamedSiteRow)
                .where(NamedSiteRow.quarter == str(quarter))
                .order_by(NamedSiteRow.list_name.desc(), NamedSiteRow.seq, NamedSiteRow.id)
            )
        ).all()
    named = [NamedSite(r.code, r.name, r.region, r.problems, r.list_name, r.seq) for r in rows]
    return named, (rows[0].source if rows else "")
