"""The report written out: XLSX (one sheet per table, A4), CSV (UTF-8 with BOM), Markdown.

Files are written to a temporary name and renamed, so a reader never sees half a file.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from crawler.reports.model import Report
from crawler.reports.tables import Table, report_tables, unqualified_table

FORMATS = ("xlsx", "csv", "md")


def _atomic_write(path: Path, write: Callable[[Path], None]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


# ---------------------------------------------------------------------------- xlsx


def _sheet(wb, table: Table) -> None:  # type: ignore[no-untyped-def]
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(table.title)
    columns = len(table.headers)
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    ws.cell(row=1, column=1, value=table.caption).font = Font(bold=True, size=14)
    ws.cell(row=1, column=1).alignment = Alignment(horizontal="center", vertical="center")
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=table.print_columns)
    ws.row_dimensions[1].height = 30
    for col, header in enumerate(table.headers, 1):
        cell = ws.cell(row=2, column=col, value=header)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = border
    for index, width in enumerate(table.widths[:columns], 1):
        ws.column_dimensions[get_column_letter(index)].width = width
    wrapped = Alignment(vertical="center", wrap_text=True)
    centred = Alignment(horizontal="center", vertical="center")
    for r, values in enumerate(table.rows, 3):
        for c, value in enumerate(values, 1):
            # Codes stay text: as a number Excel would show 5.30100E+09.
            cell = ws.cell(row=r, column=c, value=value)
            cell.border = border
            if isinstance(value, str) and value.startswith(("http://", "https://")):
                cell.hyperlink = value.split("\n", 1)[0]  # the first of the cell's links
            cell.alignment = wrapped if (c - 1) in table.wrap else centred
    ws.freeze_panes = "A3"
    last_row = max(2, len(table.rows) + 2)
    ws.print_area = f"A1:{get_column_letter(table.print_columns)}{last_row}"
    ws.print_title_rows = "2:2"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if table.print_columns > 6 else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages tall as needed
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"


def write_xlsx(report: Report, path: Path) -> Path:
    from openpyxl import Workbook

    def write(tmp: Path) -> None:
        wb = Workbook()
        wb.remove(wb.active)
        for table in report_tables(report):
            _sheet(wb, table)
        wb.save(tmp)

    return _atomic_write(Path(path), write)


def xlsx_bytes(report: Report) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        return write_xlsx(report, Path(tmp) / "report.xlsx").read_bytes()


# ---------------------------------------------------------------------------- csv


def csv_text(table: Table) -> str:
    """One table as CSV (the caller writes it UTF-8 with BOM, which Excel needs)."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(table.headers)
    writer.writerows(["" if v is None else v for v in row] for row in table.rows)
    return buffer.getvalue()


def write_csv(report: Report, directory: Path, stem: str) -> list[Path]:
    """One CSV per table: <stem>-<table>.csv."""
    paths = []
    for table in report_tables(report):
        text = csv_text(table)
        path = Path(directory) / f"{stem}-{table.key}.csv"
        paths.append(_atomic_write(path, lambda tmp, t=text: tmp.write_text(t, "utf-8-sig")))
    return paths


# ---------------------------------------------------------------------------- markdown


def _md_cell(value: object) -> str:
    text = "" if value is None else str(value)
    return text.replace("|", "\\|").replace("\r", "").replace("\n", "<br>")


def _md_table(headers: tuple[str, ...], rows: list[tuple[object, ...]]) -> list[str]:
    lines = ["| " + " | ".join(headers) + " |", "| " + " | ".join("---" for _ in headers) + " |"]
    lines += ["| " + " | ".join(_md_cell(v) for v in row) + " |" for row in rows]
    return lines


def markdown(report: Report) -> str:
    """The lists as the notice prints them, then the figures, then the trace of every row."""
    out = [f"# {report.quarter.label}政府网站抽查情况", ""]
    traces: list[tuple[object, ...]] = []
    for table in report_tables(report):
        n = table.print_columns
        out += [f"## {table.caption}", ""]
        if table.rows:
            out += _md_table(table.headers[:n], [row[:n] for row in table.rows])
        else:
            out.append("（无）")
        out.append("")
        if table.key in ("unqualified", "follow_up") and len(table.headers) > n:
            traces += [(table.title, row[2], row[4], *row[n:]) for row in table.rows]
    if traces:
        out += ["## 附：核查依据", ""]
        headers = ("名单", "网站名称", "网站标识码", *unqualified_table(report).headers[5:])
        out += _md_table(headers, traces)
        out.append("")
    return "\n".join(out)


def write_markdown(report: Report, path: Path) -> Path:
    text = markdown(report)
    return _atomic_write(Path(path), lambda tmp: tmp.write_text(text, "utf-8"))


def write_report(report: Report, directory: Path, formats: tuple[str, ...] = FORMATS) -> list[Path]:
    """Every requested format into `directory`, named report-<quarter>.*"""
    stem = f"report-{report.quarter}"
    paths: list[Path] = []
    for fmt in formats:
        if fmt == "xlsx":
            paths.append(write_xlsx(report, Path(directory) / f"{stem}.xlsx"))
        elif fmt == "csv":
            paths += write_csv(report, Path(directory), stem)
        elif fmt == "md":
            paths.append(write_markdown(report, Path(directory) / f"{stem}.md"))
        else:
            raise ValueError(f"unknown report format {fmt!r} (known: {', '.join(FORMATS)})")
    return paths
