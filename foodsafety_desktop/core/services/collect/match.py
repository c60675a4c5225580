"""Matching a workbook without identity (无隐藏标识) to a period, a department and rows.

The period from the file name or title, the department from the header's 填报单位 or
the file name, and a greedy one-to-one matching of sheet rows to the template's rows by
序号 and content similarity.  These are proposals: the clerk confirms them in the preview.
"""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from foodsafety_desktop.core.excel import template_layout as layout
from foodsafety_desktop.core.excel.identity import squash
from foodsafety_desktop.core.excel.workbook_reader import ReturnedWorkbook, SheetRow
from foodsafety_desktop.core.services.departments import resolve_names
from foodsafety_desktop.core.services.templates import TemplateRow
from foodsafety_desktop.core.storage.models import (
    Assignment,
    Department,
    DepartmentAlias,
    GroupMember,
    Plan,
    ReportingPeriod,
    Task,
)

MATCH_THRESHOLD = 60.0  # similarity (0..100) below which a pasted row is not matched


def _loose(text: str) -> str:
    table = str.maketrans("０１２３４５６７８９一二三四", "0123456789" + "1234")
    return squash(text).translate(table).replace("（", "(").replace("）", ")")


def _guess_period(
    session: Session, wb: ReturnedWorkbook, department_id: int | None
) -> tuple[ReportingPeriod | None, str]:
    """The period named in the file name or the title; (None, reason) when unclear."""
    haystack = _loose(Path(wb.file_name).stem + " " + wb.title)
    periods = session.scalars(select(ReportingPeriod).order_by(ReportingPeriod.id)).all()
    found = [p for p in periods if _loose(p.name) and _loose(p.name) in haystack]
    if not found:
        return None, "无法从文件名或标题中识别报送期次，请选择该文件所属的报送期次。"
    longest = max(len(_loose(p.name)) for p in found)
    found = [p for p in found if len(_loose(p.name)) == longest]
    if len(found) > 1:
        plans = {p.id: session.get(Plan, p.plan_id) for p in found}
        by_title = [p for p in found if (plan := plans[p.id]) and _loose(plan.title) in haystack]
        if len(by_title) == 1:
            return by_title[0], ""
        if department_id is not None:
            held = set(
                session.scalars(
                    select(Task.plan_id)
                    .join(Assignment, Assignment.task_id == Task.id)
                    .where(Assignment.department_id.in_(_holders(session, department_id)))
                )
            )
            found = [p for p in found if p.plan_id in held] or found
        if len(found) > 1:
            return None, (
                f"报送期次“{found[0].name}”在多个方案中都有，请选择该文件所属的方案和报送期次。"
            )
    return found[0], ""


def _holders(session: Session, department_id: int) -> set[int]:
    groups = session.scalars(
        select(GroupMember.group_id).where(GroupMember.member_id == department_id)
    )
    return {department_id, *groups}


def _guess_department(
    session: Session, wb: ReturnedWorkbook, jurisdiction: str | None
) -> tuple[Department | None, bool, str]:
    """(department, sure, written name) from the header's 填报单位, else the file name."""
    written = wb.header.get("department", "").strip()
    if written:
        res = resolve_names(session, [written], jurisdiction)[0]
        if res.department_id is not None:
            return session.get(Department, res.department_id), not res.needs_confirmation, written
    # The file name: the longest department name or alias it contains.
    stem = squash(Path(wb.file_name).stem)
    names: list[tuple[str, int]] = [
        (d.name, d.id) for d in session.scalars(select(Department)).all()
    ]
    names += [(a.alias, a.department_id) for a in session.scalars(select(DepartmentAlias)).all()]
    hits = [(len(squash(n)), i, n) for n, i in names if squash(n) and squash(n) in stem]
    if hits:
        _, dep_id, name = max(hits)
        return session.get(Department, dep_id), True, name
    parts = [p for p in re.split(r"[-_—\s、()（）]+", Path(wb.file_name).stem) if p]
    for part in parts:
        res = resolve_names(session, [part], jurisdiction)[0]
        if res.department_id is not None:
            return session.get(Department, res.department_id), False, part
    return None, False, written


def _score(row: SheetRow, trow: TemplateRow) -> float:
    from rapidfuzz import fuzz

    written = squash(row.text("task"))
    expected = squash(trow.task_text)
    # 序号 as written: "3-2" (version 1, one row per indicator) or "3" (version 2 and
    # hand-made sheets, one 序号 per task over its 指标 block).
    seq_same = bool(row.text("seq")) and squash(row.text("seq")) in (
        squash(trow.seq),
        squash(trow.unit_seq),
    )
    if not written:
        return 70.0 if seq_same else 0.0
    score = max(fuzz.ratio(written, expected), 0.9 * fuzz.partial_ratio(written, expected))
    if seq_same:
        score += 10
    target = squash(row.text("target"))
    if target and trow.target:
        score += 5 if target == squash(trow.target) else -5
    return min(score, 100.0 + 15)


def inherit_blocks(rows: list[SheetRow]) -> tuple[list[SheetRow], set[int]]:
    """The rows with each 指标 sub-row completed from its task row, and those sub-rows.

    A sub-row is a row with a 目标值 but without 任务内容 and 序号 below a task row: the
    2nd…Nth indicator of a version 2 template, or of a hand-made sheet whose task cells
    are merged down over the indicator rows (a merged cell's value is on its first row
    only).  It takes 序号, 任务内容, 本单位职责, 完成时限 and 完成情况 from the task row, and
    no text answers (they are the task row's).
    """
    out: list[SheetRow] = []
    inherited: set[int] = set()
    task_row: SheetRow | None = None
    for row in rows:
        if row.text("task"):
            task_row = row
        elif task_row is not None and row.text("target") and not row.text("seq"):
            values = dict(row.values)
            for key in ("seq", "task", "role", "deadline", "status"):
                values[key] = task_row.get(key)
            for key in layout.TEXT_INPUT_KEYS:
                values[key] = None
            row = SheetRow(row.row, values)
            inherited.add(row.row)
        out.append(row)
    return out, inherited


def _best(row: SheetRow, expected: list[TemplateRow]) -> tuple[TemplateRow, float] | None:
    scored = [(t, _score(row, t)) for t in expected]
    return max(scored, key=lambda p: p[1]) if scored else None


def _propose(
    rows: list[SheetRow], expected: list[TemplateRow]
) -> list[tuple[int, TemplateRow, float]]:
    """Greedy one-to-one matching of sheet rows to template rows, best pairs first."""
    candidates = []
    usable = [r for r in rows if r.text("task") or r.text("seq")]
    for rank, row in enumerate(usable):
        for index, trow in enumerate(expected):
            score = _score(row, trow)
            if score >= MATCH_THRESHOLD:
                # Ties (several indicator rows of one task): keep the sheet's order.
                candidates.append((-score, abs(index - rank), row.row, index))
    candidates.sort()
    used_rows: set[int] = set()
    used_templates: set[int] = set()
    pairs: list[tuple[int, TemplateRow, float]] = []
    for neg, _, sheet_row, index in candidates:
        if sheet_row in used_rows or index in used_templates:
            continue
        used_rows.add(sheet_row)
        used_templates.add(index)
        pairs.append((sheet_row, expected[index], min(100.0, -neg)))
    pairs.sort(key=lambda p: p[0])
    return pairs
