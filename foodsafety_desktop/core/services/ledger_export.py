"""The 工作台账 as a formatted, print-ready xlsx a clerk can hand to a leader as is."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from foodsafety_desktop.core.dates import cn_date
from foodsafety_desktop.core.errors import UserError
from foodsafety_desktop.core.excel.sheet_format import (
    FONT_NAME,
    LINE_HEIGHT,
    a4_landscape,
    save_workbook,
    set_text,
    wrapped_lines,
)
from foodsafety_desktop.core.services.ledger import LedgerFilter, LedgerRow, ledger_rows
from foodsafety_desktop.core.storage.models import Department, Plan

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

SHEET_TITLE = "工作台账"
# (header, width in characters): sums to about one A4 landscape page at 11pt.
COLUMNS: list[tuple[str, float]] = [
    ("序号", 6),
    ("任务", 48),
    ("牵头单位", 16),
    ("责任单位", 22),
    ("完成时限", 13),
    ("指标", 22),
    ("状态", 9),
    ("最新进展", 30),
]
TITLE_ROW, SUBTITLE_ROW, HEADER_ROW = 1, 2, 3
SECTION_FILLS = ("D9D9D9", "EDEDED", "F5F5F5")  # outermost heading darkest
OVERDUE_FILL = "FFC7CE"
OVERDUE_FONT = "C00000"


def export_ledger_xlsx(
    session: Session,
    flt: LedgerFilter,
    path: str | os.PathLike[str],
    *,
    today: dt.date | None = None,
) -> Path:
    """Write the ledger rows matching ``flt`` to ``path`` (.xlsx added if missing).

    The file is written to a temporary file next to it and then moved into place, so a
    failure never leaves half a workbook.  Returns the path written.
    """
    from openpyxl import Workbook

    today = today or dt.date.today()
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        path = path.with_name(path.name + ".xlsx")
    if not path.parent.is_dir():
        raise UserError(f"无法写入文件：文件夹“{path.parent}”不存在，请换一个保存位置。")

    plan = None
    if flt.plan_id is not None:
        plan = session.get(Plan, flt.plan_id)
        if plan is None:
            raise UserError(f"未找到该工作方案（编号 {flt.plan_id}），可能已被删除。")
    rows = ledger_rows(session, flt, today=today)
    plan_titles: dict[int, str] = {}
    if plan is None:
        plan_ids = {r.plan_id for r in rows}
        result = session.execute(select(Plan.id, Plan.title).where(Plan.id.in_(plan_ids)))
        plan_titles = {plan_id: title for plan_id, title in result}

    wb = Workbook()
    ws = wb.active
    ws.title = SHEET_TITLE
    wb.properties.creator = "食安台账"
    title = f"{plan.title}{SHEET_TITLE}" if plan else f"全部方案{SHEET_TITLE}"
    wb.properties.title = title
    _write_title(ws, title, _subtitle(session, flt, plan, today))
    _write_header(ws)
    _write_rows(ws, rows, plan_titles)
    a4_landscape(ws, title_row=HEADER_ROW)
    save_workbook(wb, path)
    return path


# --- sheet parts ----------------------------------------------------------------------


def _fonts() -> dict[str, Any]:
    from openpyxl.styles import Font

    return {
        "title": Font(name=FONT_NAME, size=16, bold=True),
        "subtitle": Font(name=FONT_NAME, size=10),
        "header": Font(name=FONT_NAME, size=11, bold=True),
        "section": Font(name=FONT_NAME, size=11, bold=True),
        "body": Font(name=FONT_NAME, size=11),
        "overdue": Font(name=FONT_NAME, size=11, bold=True, color=OVERDUE_FONT),
    }


def _border() -> Any:
    from openpyxl.styles import Border, Side

    thin = Side(style="thin", color="000000")
    return Border(left=thin, right=thin, top=thin, bottom=thin)


def _subtitle(session: Session, flt: LedgerFilter, plan: Plan | None, today: dt.date) -> str:
    parts = [f"导出日期：{cn_date(today)}"]
    if plan is not None and plan.doc_number:
        parts.insert(0, f"文号：{plan.doc_number}")
    conditions = []
    if flt.department_id is not None:
        department = session.get(Department, flt.department_id)
        name = department.name if department else f"编号 {flt.department_id}"
        conditions.append(f"单位：{name}")
    if flt.status:
        conditions.append(f"状态：{flt.status}")
    if flt.overdue_only:
        conditions.append("仅逾期未完成")
    if flt.text.strip():
        conditions.append(f"关键词：“{flt.text.strip()}”")
    if conditions:
        parts.append("筛选条件：" + "，".join(conditions))
    return "　　".join(parts)


def _write_title(ws: Worksheet, title: str, subtitle: str) -> None:
    from openpyxl.styles import Alignment

    fonts = _fonts()
    last = len(COLUMNS)
    ws.merge_cells(start_row=TITLE_ROW, start_column=1, end_row=TITLE_ROW, end_column=last)
    cell = ws.cell(TITLE_ROW, 1)
    set_text(cell, title)
    cell.font = fonts["title"]
    cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    ws.row_dimensions[TITLE_ROW].height = 32
    ws.merge_cells(start_row=SUBTITLE_ROW, start_column=1, end_row=SUBTITLE_ROW, end_column=last)
    cell = ws.cell(SUBTITLE_ROW, 1)
    set_text(cell, subtitle)
    cell.font = fonts["subtitle"]
    cell.alignment = Alignment(horizontal="right", vertical="center", wrap_text=True)
    ws.row_dimensions[SUBTITLE_ROW].height = 20


def _write_header(ws: Worksheet) -> None:
    from openpyxl.styles import Alignment, PatternFill
    from openpyxl.utils import get_column_letter

    fonts = _fonts()
    border = _border()
    fill = PatternFill("solid", fgColor="BFBFBF")
    for index, (header, width) in enumerate(COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
        cell = ws.cell(HEADER_ROW, index, header)
        cell.font = fonts["header"]
        cell.fill = fill
        cell.border = border
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    ws.row_dimensions[HEADER_ROW].height = 22
    ws.freeze_panes = ws.cell(HEADER_ROW + 1, 1)


def _task_text(row: LedgerRow) -> str:
    """The 任务 cell: the title, then the full text unless it only repeats the title; a
    task an update of its plan dropped (kept for its reports) says so first."""
    title, text = row.title.strip(), (row.text or "").strip()
    mark = "【已从方案中删除】" if row.removed else ""
    if not text or text == title:
        return mark + title
    if text.startswith(title):
        return mark + text
    return f"{mark}{title}\n{text}"


def _write_rows(ws: Worksheet, rows: list[LedgerRow], plan_titles: dict[int, str]) -> None:
    from openpyxl.styles import Alignment, PatternFill

    fonts = _fonts()
    border = _border()
    wrap_top = Alignment(vertical="top", wrap_text=True)
    centered = Alignment(horizontal="center", vertical="top", wrap_text=True)
    overdue_fill = PatternFill("solid", fgColor=OVERDUE_FILL)
    last = len(COLUMNS)
    r = HEADER_ROW + 1
    previous_plan: int | None = None
    previous_path: list[str] = []

    def section_row(text: str, level: int) -> None:
        nonlocal r
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=last)
        fill = PatternFill("solid", fgColor=SECTION_FILLS[min(level, len(SECTION_FILLS) - 1)])
        for column in range(1, last + 1):
            cell = ws.cell(r, column)
            cell.border = border
            cell.fill = fill
        cell = ws.cell(r, 1)
        set_text(cell, text)
        cell.font = fonts["section"]
        cell.alignment = Alignment(vertical="center", wrap_text=True)
        width = sum(w for _, w in COLUMNS)
        ws.row_dimensions[r].height = max(20, wrapped_lines(text, width) * LINE_HEIGHT + 5)
        r += 1

    if not rows:
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=last)
        cell = ws.cell(r, 1)
        set_text(cell, "（没有符合条件的任务）")
        cell.font = fonts["body"]
        cell.alignment = Alignment(horizontal="center")
        return

    for number, row in enumerate(rows, start=1):
        if plan_titles and row.plan_id != previous_plan:
            section_row(plan_titles.get(row.plan_id, ""), 0)
            previous_path = []
        previous_plan = row.plan_id
        path = row.section_path
        common = 0
        while common < min(len(path), len(previous_path)) and path[common] == previous_path[common]:
            common += 1
        for level in range(common, len(path)):
            section_row(path[level], level + (1 if plan_titles else 0))
        previous_path = path

        values: list[Any] = [
            number,
            _task_text(row),
            "、".join(row.lead),
            "、".join(row.responsible),
            row.deadline_display,
            "\n".join(row.indicators),
            row.status,
            row.progress or "",
        ]
        heights = []
        for column, value in enumerate(values, start=1):
            cell = ws.cell(r, column)
            if isinstance(value, str):
                set_text(cell, value)
                heights.append(wrapped_lines(value, COLUMNS[column - 1][1]))
            else:
                cell.value = value
            cell.font = fonts["body"]
            cell.border = border
            cell.alignment = centered if column in (1, 5, 7) else wrap_top
        if row.overdue:
            cell = ws.cell(r, 5)
            cell.fill = overdue_fill
            cell.font = fonts["overdue"]
        ws.row_dimensions[r].height = max(1, *heights) * LINE_HEIGHT + 5
        r += 1


# --- cells ----------------------------------------------------------------------------


# --- writing --------------------------------------------------------------------------
