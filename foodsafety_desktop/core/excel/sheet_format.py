"""Formatting shared by every workbook the office hands out (台账, 报送表)."""

from __future__ import annotations

import math
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from foodsafety_desktop.core.fileio import write_atomically

if TYPE_CHECKING:  # openpyxl is imported only when a workbook is written
    from openpyxl.cell import Cell
    from openpyxl.worksheet.worksheet import Worksheet

FONT_NAME = "宋体"
HEADER_FILL = "D9E1F2"  # the header row
HEADING_FILL = "EDEDED"  # a heading row (一级项目)
INPUT_FILL = "FFF9E5"  # pale yellow: "write here"
LOCKED_FILL = "F2F2F2"  # grey: nothing to write
LINE_HEIGHT = 14.5  # points per line of 11pt 宋体
# A cell text starting with one of these would become a formula in Excel (formula injection).
FORMULA_STARTS = ("=", "+", "-", "@")


def set_text(cell: Cell, text: str) -> None:
    """Store ``text`` as text, never as a formula."""
    cell.value = text
    if text.startswith(FORMULA_STARTS):
        cell.data_type = "s"
        cell.quotePrefix = True  # stays text when the user edits the cell in Excel


def wrapped_lines(text: str | None, width: float) -> int:
    """Lines ``text`` takes in a wrapped column ``width`` characters wide (CJK counts 2)."""
    usable = max(1.0, width - 1.5)
    total = 0
    for paragraph in (text or "").split("\n"):
        units = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in paragraph)
        total += max(1, math.ceil(units / usable))
    return total


def a4_landscape(
    ws: Worksheet, *, title_row: int, print_area: str | None = None, side_margin: float = 0.5
) -> None:
    """A4 landscape, fitted to the page width, ``title_row`` repeated on every page, 第 N 页."""
    from openpyxl.worksheet.properties import PageSetupProperties

    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages as needed
    ws.print_title_rows = f"{title_row}:{title_row}"
    if print_area:
        ws.print_area = print_area
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = side_margin
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.page_margins.footer = 0.3
    ws.oddFooter.center.text = "第 &P 页 共 &N 页"
    ws.oddFooter.center.font = FONT_NAME
    ws.oddFooter.center.size = 10


def save_workbook(wb: Any, path: Path) -> None:
    write_atomically(path, wb.save)


def form_styles() -> dict[str, Any]:
    """The fonts, fills, borders and alignments of the forms handed out to units (报送表,
    自评表), by name."""
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    thin = Side(style="thin", color="000000")
    return {
        "title": Font(name=FONT_NAME, size=16, bold=True),
        "bold": Font(name=FONT_NAME, size=11, bold=True),
        "body": Font(name=FONT_NAME, size=11),
        "small": Font(name=FONT_NAME, size=10),
        "hint": Font(name=FONT_NAME, size=10, color="C00000"),
        "border": Border(left=thin, right=thin, top=thin, bottom=thin),
        "underline": Border(bottom=thin),
        "header_fill": PatternFill("solid", fgColor=HEADER_FILL),
        "heading_fill": PatternFill("solid", fgColor=HEADING_FILL),
        "input_fill": PatternFill("solid", fgColor=INPUT_FILL),
        "locked_fill": PatternFill("solid", fgColor=LOCKED_FILL),
        "center": Alignment(horizontal="center", vertical="center", wrap_text=True),
        "wrap": Alignment(horizontal="left", vertical="top", wrap_text=True),
        "top_center": Alignment(horizontal="center", vertical="top", wrap_text=True),
        "left": Alignment(horizontal="left", vertical="center"),
        "right": Alignment(horizontal="right", vertical="center"),
    }
