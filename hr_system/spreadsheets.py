"""Writing .xlsx exports: the one place a value enters a cell of a workbook we hand out.

openpyxl stores any string that begins with "=" as a live formula, so a name such as
`=HYPERLINK("http://…")` or `=cmd|' /C notepad'!A1` typed into a roster became a
formula in the employee list, the timesheet or the exam results that HR opened in
Excel. Text that begins with "+", "-", "@", a tab or a carriage return is read as a
formula as soon as someone edits the cell (OWASP: "CSV Injection"). Every string that
begins with one of these is therefore written as a text cell with Excel's quote prefix:
the value stays exactly as typed, and no spreadsheet program evaluates it.

Exports build their workbook with `new_workbook`/`write_table`/`put` and hand it out
through `to_bytes`, which also turns any formula cell left over into text: these
workbooks never carry a formula of ours.

`to_bytes` also sets every sheet up for paper, since HR prints these lists to sign them:
A4 landscape, scaled to the page's width (as many pages down as it takes), the header
row repeated on every page (the row `write_table` wrote, else the first row).
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
HEADER_FONT = Font(bold=True)


def is_formula_like(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_PREFIXES)


def _as_text(cell: Cell) -> None:
    # data_type "s" writes the string as it is (openpyxl inferred "f" from the "=");
    # quotePrefix keeps Excel and LibreOffice from reading it as a formula on edit.
    cell.data_type = "s"
    cell.quotePrefix = True


def _plain(value: Any) -> Any:
    """NaN (pandas' empty cell) → an empty cell; everything else as it is."""
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def put(ws: Worksheet, row: int, column: int, value: Any) -> Cell:
    """Set one cell; text that a spreadsheet would evaluate stays text."""
    cell = ws.cell(row=row, column=column)
    cell.value = _plain(value)
    if is_formula_like(cell.value):
        _as_text(cell)
    return cell


def write_table(ws: Worksheet, columns: Sequence[Any], rows: Iterable[Sequence[Any]], *, first_row: int = 1) -> int:
    """A bold header row and the rows under it, from column A; returns the last row written."""
    for column, title in enumerate(columns, 1):
        put(ws, first_row, column, title).font = HEADER_FONT
    ws.print_title_rows = f"{first_row}:{first_row}"
    row_number = first_row
    for row_number, row in enumerate(rows, first_row + 1):
        for column, value in enumerate(row, 1):
            put(ws, row_number, column, value)
    return row_number


def new_workbook(*sheet_titles: str) -> Workbook:
    """A workbook with the named sheets, in order (the first one active)."""
    wb = Workbook()
    wb.active.title = sheet_titles[0] if sheet_titles else "Sheet1"
    for title in sheet_titles[1:]:
        wb.create_sheet(title)
    return wb


def neutralise(wb: Workbook) -> None:
    """Turn every formula-like text cell of the workbook into plain text."""
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f" or is_formula_like(cell.value):
                    _as_text(cell)


def set_up_page(ws: Worksheet) -> None:
    """A4 landscape, one page wide, the header row on every page."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages down as the rows need
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    if not ws.print_title_rows and ws.max_row > 1:
        ws.print_title_rows = "1:1"


def to_bytes(wb: Workbook) -> bytes:
    """The .xlsx file of a workbook, with no cell that a spreadsheet would evaluate, set
    up for printing."""
    neutralise(wb)
    for ws in wb.worksheets:
        set_up_page(ws)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
