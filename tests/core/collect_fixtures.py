"""Builders for the reporting round-trip tests: seed 002 imported, periods, templates, fills.

Departments fill a template the way they would: openpyxl opens the file the office
sent, writes the answer cells and saves it again (hidden sheets stay as they are).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import openpyxl
from seeds import seed_path

from foodsafety_desktop.core.excel import template_layout as layout
from foodsafety_desktop.core.services import periods
from foodsafety_desktop.core.services.plan_import import import_plan_file
from foodsafety_desktop.core.services.templates import template_filename, write_template
from foodsafety_desktop.core.storage.database import Database
from foodsafety_desktop.core.storage.models import Department, Plan, ReportingPeriod

USER = "测试员"
Q3 = "2022年第三季度"  # due 2022-09-25
Q2 = "2022年第二季度"  # due 2022-06-25


@dataclass
class Scenario:
    plan_id: int
    q3: int  # period ids
    q2: int
    departments: dict[str, int]  # name -> id
    templates: dict[str, Path]  # department name -> Q3 template
    q2_templates: dict[str, Path]
    folder: Path


def build_scenario(db: Database, folder: Path, names: list[str]) -> Scenario:
    """Seed 002 imported, its periods created, Q3 (and Q2) templates for ``names``."""
    result = import_plan_file(db, seed_path("002"), user=USER)
    folder.mkdir(parents=True, exist_ok=True)
    with db.session() as s:
        plan = s.get(Plan, result.plan_id)
        periods.create_periods(s, plan.id, periods.propose_periods(plan), user=USER)
        q3 = periods.find_period(s, plan.id, Q3)
        q2 = periods.find_period(s, plan.id, Q2)
        departments = {d.name: d.id for d in s.query(Department).all()}
        templates, q2_templates = {}, {}
        for name in names:
            dep = s.get(Department, departments[name])
            (folder / "q3").mkdir(exist_ok=True)
            (folder / "q2").mkdir(exist_ok=True)
            templates[name] = write_template(
                s, q3.id, dep.id, folder / "q3" / template_filename(q3, dep)
            )
            q2_templates[name] = write_template(
                s, q2.id, dep.id, folder / "q2" / template_filename(q2, dep)
            )
        return Scenario(plan.id, q3.id, q2.id, departments, templates, q2_templates, folder)


def data_rows(path: Path) -> list[int]:
    wb = openpyxl.load_workbook(path)
    ws = wb[layout.REPORT_SHEET]
    rows = [r for r in range(layout.FIRST_DATA_ROW, ws.max_row + 1) if ws[f"B{r}"].value]
    wb.close()
    return rows


def fill(
    template: Path,
    out: Path,
    *,
    status: str = "序时推进",
    measures: str = "已按要求推进，开展专项检查{n}次",
    only: int | None = None,
    value: object = 95,
    reporter: str = "张三",
    edits: dict[str, object] | None = None,
    version: int = layout.LAYOUT_VERSION,
) -> Path:
    """Answer the first ``only`` rows (all by default) and save to ``out``.

    ``version=1``: the template is in the layout of version 1 (``template_v1``)."""
    wb = openpyxl.load_workbook(template)
    ws = wb[layout.REPORT_SHEET]
    header_row = layout.HEADER_ROW if version == layout.LAYOUT_VERSION else layout.HEADER_ROW_V1
    for key, text in (
        ("reporter", reporter),
        ("phone", "0398-7654321"),
        ("filled_on", dt.date(2022, 9, 20)),
    ):
        ws[layout.header_cell(key, header_row)] = text
    rows = [r for r in range(header_row + 1, ws.max_row + 1) if ws[f"B{r}"].value]
    last = ws.max_row
    for n, r in enumerate(rows[:only] if only is not None else rows, start=1):
        ws[layout.cell("status", r)] = status
        ws[layout.cell("measures", r)] = measures.format(n=n)
        # The task's 指标 block: its own row and the sub-rows below it (merged task cells,
        # empty 任务内容) up to the next task row.
        end = next((x for x in rows if x > r), last + 1)
        for sub in range(r, end):
            if ws[layout.cell("target", sub)].value:
                ws[layout.cell("value", sub)] = value
    for ref, v in (edits or {}).items():
        sheet, _, cell = ref.rpartition("!")
        wb[sheet or layout.REPORT_SHEET][cell] = v
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    return out


def period(db: Database, period_id: int) -> ReportingPeriod:
    with db.session() as s:
        return s.get(ReportingPeriod, period_id)
