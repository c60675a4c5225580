"""Templates in the layout of version 1, as earlier versions sent them out (for the tests
that prove the reader still takes them).

The layout as it was: title on row 1; 填报单位/填报人/联系电话/填报日期 on row 2 with each
value right of its label (B2, E2, H2, K2); the hint on row 3; the column titles on row
4; one row per indicator from row 5, every row with the whole 任务内容, 完成情况 and
text answers of its own; identity format ``…/report-template/1`` without "anchor".
The rows are the production ``template_rows`` renumbered, signed with the office's
secret, so that a filled copy is collected like a real one in circulation.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Protection

from foodsafety_desktop.core.excel import template_layout as layout
from foodsafety_desktop.core.excel.identity import (
    FORMAT_V1,
    RowIdentity,
    TemplateIdentity,
    write_identity,
)
from foodsafety_desktop.core.services.settings import office_secret
from foodsafety_desktop.core.services.templates import template_rows
from foodsafety_desktop.core.storage.models import Department, Plan, ReportingPeriod

V1_HEADER_CELLS = {f.key: f.value_cell for f in layout.HEADER_FIELDS_V1}


def write_template_v1(session, period_id: int, department_id: int, path: Path) -> Path:
    period = session.get(ReportingPeriod, period_id)
    plan = session.get(Plan, period.plan_id)
    department = session.get(Department, department_id)
    rows = template_rows(session, period_id, department_id)
    numbered = [(layout.FIRST_DATA_ROW_V1 + i, r) for i, r in enumerate(rows)]
    identity = TemplateIdentity(
        plan_id=plan.id,
        plan_title=plan.title,
        period_id=period.id,
        period_name=period.name,
        department_id=department.id,
        department_name=department.name,
        generated_at=dt.datetime(2022, 9, 1, 8, 0).isoformat(),
        rows=tuple(
            RowIdentity(n, r.task_id, r.item_id, r.indicator_id, r.text_sha1) for n, r in numbered
        ),
        format=FORMAT_V1,
    )
    wb = Workbook()
    instructions = wb.active
    instructions.title = layout.INSTRUCTIONS_SHEET
    instructions["A1"] = f"{layout.title_text(plan.title, period.name)}填报说明"
    ws = wb.create_sheet(layout.REPORT_SHEET)
    ws["A1"] = layout.title_text(plan.title, period.name)
    ws.merge_cells("A1:L1")
    for f in layout.HEADER_FIELDS_V1:
        ws[f.label_cell] = f"{f.label}："
        if not f.locked:
            ws[f.value_cell].protection = Protection(locked=False)
    ws[V1_HEADER_CELLS["department"]] = department.name
    ws["A3"] = f"报送截止日期：{period.due_date}前"
    for column in layout.COLUMNS:
        if column.key not in layout.OPTIONAL_KEYS:  # added after version 1 went out
            ws[f"{column.letter}{layout.HEADER_ROW_V1}"] = column.title
    for n, r in numbered:
        values = {
            "seq": r.seq,
            "task": r.task_text,
            "role": r.role,
            "deadline": r.deadline,
            "target": r.target,
        }
        for key, value in values.items():
            ws[layout.cell(key, n)] = value or None
        for key in layout.INPUT_KEYS:
            if key not in layout.OPTIONAL_KEYS:
                ws[layout.cell(key, n)].protection = Protection(locked=False)
    ws.protection.sheet = True
    write_identity(wb, identity, office_secret(session))
    wb.save(path)
    return path
