"""A 任务分工表 workbook (.xlsx/.xlsm by openpyxl, .xls/.et by xlrd) as plan blocks.

Every visible sheet whose header ``table_plan`` recognises becomes a ``Table`` (merged
cells repeat their value in every covered cell, as the .docx reader does); the title rows
above the header become paragraphs.  With several such sheets each is a section headed by
its name (a default name such as "Sheet1" is replaced by its own title row, if any).
The workbook is read as untrusted the way ``core.excel.workbook_reader`` reads returned
workbooks: zip sizes and DTDs checked first, defusedxml, no formulas evaluated.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from foodsafety_desktop.core.errors import UserError
from foodsafety_desktop.core.excel import workbook_reader as wr
from foodsafety_desktop.core.plans import table_plan
from foodsafety_desktop.core.plans.model import Block, Paragraph, Table

__all__ = ["MAX_COLUMNS", "MAX_ROWS", "read_workbook"]

MAX_ROWS = wr.MAX_ROWS  # rows read per sheet
MAX_COLUMNS = 40  # a 分工表 has 4–10 columns
MAX_CELL_CHARS = wr.MAX_CELL_CHARS
MAX_SHEETS = wr.MAX_SHEETS

_DEFAULT_SHEET = re.compile(r"^(?:sheet|工作表|表)\s*\d*$", re.IGNORECASE)
_MERGE_REF = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*?\bref="([A-Z]{1,3}\d+)(?::([A-Z]{1,3}\d+))?"')
_CELL_REF = re.compile(r"^([A-Z]{1,3})(\d+)$")
_NO_HEADER = "找不到表头（应包含“任务”和“牵头单位/责任单位”等列），不像任务分工表。"


@dataclass
class _Sheet:
    name: str
    rows: list[list[str]]


def read_workbook(path: Path, data: bytes, *, xls: bool) -> list[Block]:
    """Blocks of the division-of-labour sheets; ``UserError`` when none has a header."""
    sheets = _read_xls(path, data) if xls else _read_xlsx(path, data)
    found: list[tuple[_Sheet, int]] = []
    for sheet in sheets:
        index = table_plan.header_row_index(sheet.rows)
        if index is not None:
            found.append((sheet, index))
    if not found:
        named = [s for s in sheets if any(any(c for c in r) for r in s.rows)] or sheets
        if not named:
            raise UserError("工作簿里没有任何内容。", file=path)
        more = f"（共 {len(named)} 个工作表都没有）" if len(named) > 1 else ""
        raise UserError(
            f"{_NO_HEADER[:-1]}{more}。请确认选择的是方案的任务分工表，"
            "或把表头改为“序号、工作任务、牵头单位、配合单位、完成时限”后再导入。",
            file=path,
            sheet=named[0].name,
        )
    blocks: list[Block] = []
    several = len(found) > 1
    for position, (sheet, index) in enumerate(found):
        titles = [_row_text(row) for row in sheet.rows[:index]]
        titles = [t for t in titles if t]
        if position == 0:
            blocks.extend(Paragraph(text=t) for t in titles)
        if several:
            heading = sheet.name if not _DEFAULT_SHEET.match(sheet.name.strip()) else ""
            if not heading and position > 0 and titles:
                heading = titles[-1]
            if heading:
                blocks.append(Paragraph(text=heading, heading_level=1))
        blocks.append(Table(rows=sheet.rows[index:]))
    return blocks


def _row_text(row: list[str]) -> str:
    """A title row's text: a merged cell's repeated value once."""
    return " ".join(dict.fromkeys(c.strip() for c in row if c.strip()))


def _text(value: Any) -> str:
    if isinstance(value, dt.datetime) and value.time() == dt.time(0, 0):
        value = value.date()
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return f"{value.year}年{value.month}月{value.day}日"
    return wr.cell_text(value)


def _finish(name: str, grid: list[list[str]], merges: list[tuple[int, int, int, int]]) -> _Sheet:
    """Repeat merged values, drop empty trailing rows and columns."""
    for r0, c0, r1, c1 in merges:
        if r0 >= len(grid) or c0 >= MAX_COLUMNS:
            continue
        value = grid[r0][c0] if c0 < len(grid[r0]) else ""
        for r in range(r0, min(r1, len(grid) - 1) + 1):
            row = grid[r]
            for c in range(c0, min(c1, MAX_COLUMNS - 1) + 1):
                if c >= len(row):
                    row.extend([""] * (c + 1 - len(row)))
                if not row[c]:
                    row[c] = value
    while grid and not any(grid[-1]):
        grid.pop()
    width = max((max((i + 1 for i, c in enumerate(r) if c), default=0) for r in grid), default=0)
    return _Sheet(name=name, rows=[(r + [""] * width)[:width] for r in grid])


def _check_cell(path: Path, sheet: str, row: int, column: int, text: str) -> None:
    if len(text) > MAX_CELL_CHARS:
        raise UserError(
            f"单元格内容过长（{len(text)} 字，上限 {MAX_CELL_CHARS} 字），不像任务分工表。",
            file=path,
            sheet=sheet,
            cell=f"{wr.column_letter(column + 1)}{row + 1}",
        )


def _too_many_rows(path: Path, sheet: str) -> UserError:
    return UserError(
        f"工作表行数超过上限 {MAX_ROWS} 行，不像任务分工表。请删除多余的行后再导入。",
        file=path,
        sheet=sheet,
    )


# --- .xlsx ----------------------------------------------------------------------------


def _read_xlsx(path: Path, data: bytes) -> list[_Sheet]:
    import openpyxl

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError):
        raise UserError("无法打开这个 Excel 工作簿：文件已损坏或下载不完整。", file=path) from None
    with archive:
        wr._check_zip(path, archive, infos)
        try:
            # read_only streams the sheets (merged ranges are read from the sheet XML
            # below); data_only: cached formula results, nothing evaluated.
            wb = openpyxl.load_workbook(
                io.BytesIO(data), read_only=True, data_only=True, keep_links=False
            )
        except UserError:
            raise
        except Exception as exc:
            if wr._caused_by_defused(exc):
                raise wr._xml_bomb(path) from None
            raise UserError(
                f"无法读取这个 Excel 工作簿，文件可能已损坏（{type(exc).__name__}）。", file=path
            ) from None
        try:
            return [
                sheet
                for ws in wb.worksheets[:MAX_SHEETS]
                if (sheet := _xlsx_sheet(path, archive, ws)) is not None
            ]
        finally:
            wb.close()


def _xlsx_sheet(path: Path, archive: zipfile.ZipFile, ws: Any) -> _Sheet | None:
    if getattr(ws, "sheet_state", "visible") != "visible" or not hasattr(ws, "iter_rows"):
        return None
    name = ws.title
    grid: list[list[str]] = []
    try:
        for number, values in enumerate(ws.iter_rows(max_col=MAX_COLUMNS, values_only=True)):
            row = [_text(v) for v in values]
            if number >= MAX_ROWS:
                if any(row):
                    raise _too_many_rows(path, name)
                break
            for column, text in enumerate(row):
                _check_cell(path, name, number, column, text)
            grid.append(row)
    except UserError:
        raise
    except Exception as exc:
        if wr._caused_by_defused(exc):
            raise wr._xml_bomb(path, name) from None
        raise UserError(
            f"无法读取这个工作表，内容可能已损坏（{type(exc).__name__}）。", file=path, sheet=name
        ) from None
    return _finish(name, grid, _xlsx_merges(archive, getattr(ws, "_worksheet_path", "")))


def _xlsx_merges(archive: zipfile.ZipFile, part: str) -> list[tuple[int, int, int, int]]:
    """Merged ranges (0-based r0, c0, r1, c1) from the sheet's ``<mergeCells>``."""
    if not part:
        return []
    try:
        with archive.open(part.lstrip("/")) as stream:
            xml = stream.read(wr.MAX_ENTRY_BYTES)
    except (KeyError, zipfile.BadZipFile, OSError, EOFError):
        return []
    merges = []
    for m in _MERGE_REF.finditer(xml):
        first = _cell(m.group(1).decode())
        last = _cell(m.group(2).decode()) if m.group(2) else first
        if first and last:
            merges.append((first[0], first[1], last[0], last[1]))
    return merges


def _cell(ref: str) -> tuple[int, int] | None:
    m = _CELL_REF.match(ref)
    if not m:
        return None
    column = 0
    for ch in m.group(1):
        column = column * 26 + ord(ch) - ord("A") + 1
    return int(m.group(2)) - 1, column - 1


# --- .xls -----------------------------------------------------------------------------


def _read_xls(path: Path, data: bytes) -> list[_Sheet]:
    import xlrd

    book = None
    for formatting in (True, False):  # merged ranges need formatting_info
        try:
            book = xlrd.open_workbook(
                file_contents=data,
                on_demand=True,
                formatting_info=formatting,
                logfile=io.StringIO(),
            )
            break
        except xlrd.biffh.XLRDError as exc:
            text = str(exc).lower()
            if "encrypt" in text or "password" in text:
                raise UserError(
                    "工作簿设置了打开密码（已加密），无法读取。"
                    "请在 Excel 或 WPS 中取消密码后再导入。",
                    file=path,
                ) from None
            if not formatting:
                raise UserError(
                    f"无法读取这个 .xls 工作簿（{exc}）。请在 Excel 或 WPS 中打开，"
                    "“另存为” .xlsx 格式后再导入。",
                    file=path,
                ) from None
        except Exception:
            if not formatting:
                raise UserError(
                    "无法读取这个 .xls 工作簿，文件可能已损坏。请在 Excel 或 WPS 中打开，"
                    "“另存为” .xlsx 格式后再导入。",
                    file=path,
                ) from None
    assert book is not None
    try:
        sheets = []
        for index in range(min(book.nsheets, MAX_SHEETS)):
            sheet = book.sheet_by_index(index)
            if getattr(sheet, "visibility", 0) != 0:
                continue
            sheets.append(_xls_sheet(path, book, sheet))
        return sheets
    finally:
        book.release_resources()


def _xls_sheet(path: Path, book: Any, sheet: Any) -> _Sheet:
    import xlrd

    name = sheet.name
    if sheet.nrows > MAX_ROWS:
        raise _too_many_rows(path, name)
    grid: list[list[str]] = []
    for r in range(sheet.nrows):
        row = []
        for c in range(min(sheet.ncols, MAX_COLUMNS)):
            cell = sheet.cell(r, c)
            value: Any = cell.value
            if cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK, xlrd.XL_CELL_ERROR):
                value = None
            elif cell.ctype == xlrd.XL_CELL_DATE:
                with contextlib.suppress(ValueError, OverflowError, xlrd.xldate.XLDateError):
                    value = xlrd.xldate.xldate_as_datetime(cell.value, book.datemode)
            elif cell.ctype == xlrd.XL_CELL_BOOLEAN:
                value = bool(cell.value)
            text = _text(value)
            _check_cell(path, name, r, c, text)
            row.append(text)
        grid.append(row)
    merges = [(r0, c0, r1 - 1, c1 - 1) for r0, r1, c0, c1 in getattr(sheet, "merged_cells", [])]
    return _finish(name, grid, merges)
