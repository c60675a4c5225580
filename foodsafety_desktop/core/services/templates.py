"""Report templates (报送表) for departments: one signed .xlsx per department and period.

Layout: ``template_layout``; identity block: ``identity``.  A template lists the rows a
department holds in the plan (directly or through a group it is a member of), locks
what comes from the plan, leaves the answer cells open, and prints on A4 landscape
(the 填报说明 on A4 portrait), fitted to the page width.  A task with several
indicators is one task row whose cells are merged down over a compact 指标 block (one
line per indicator: 目标值 and 完成值); columns no row fills (目标值/完成值 of a plan
without indicators) are hidden.

Sheet protection has no password by default: Excel's sheet password is a weak,
publicly documented hash, so it stops nobody determined and only gets lost; it is
there to stop accidental edits.  Integrity comes from the identity block (HMAC over
plan, period, department and rows, plus a digest of every 任务内容 cell), which the
reader checks.  An office that wants a password sets ``settings.TEMPLATE_PASSWORD``.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, TypedDict

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from foodsafety_desktop.core.dates import cn_date
from foodsafety_desktop.core.errors import UserError
from foodsafety_desktop.core.excel import template_layout as layout
from foodsafety_desktop.core.excel.identity import (
    RowIdentity,
    TemplateIdentity,
    squash,
    text_sha1,
    write_identity,
)
from foodsafety_desktop.core.excel.sheet_format import (
    LINE_HEIGHT,
    a4_landscape,
    form_styles,
    save_workbook,
    set_text,
    wrapped_lines,
)
from foodsafety_desktop.core.fileio import write_atomically
from foodsafety_desktop.core.services import audit
from foodsafety_desktop.core.services.office import office_for
from foodsafety_desktop.core.services.reporting_units import reporting_units
from foodsafety_desktop.core.services.settings import (
    TEMPLATE_PASSWORD,
    get_setting,
    office_secret,
)
from foodsafety_desktop.core.services.submissions import latest_earlier_submission
from foodsafety_desktop.core.storage.models import (
    KIND_GROUP,
    ROLE_COOPERATING,
    ROLE_LEAD,
    ROLE_RESPONSIBLE,
    Assignment,
    Department,
    GroupMember,
    Indicator,
    Plan,
    ReportingPeriod,
    Submission,
    SubmissionEntry,
    Task,
    TaskItem,
)

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

ROLE_RANK = {ROLE_LEAD: 0, ROLE_RESPONSIBLE: 1, ROLE_COOPERATING: 2}
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]')

Progress = Callable[[int, int], None]


class _UnitFields(TypedDict):
    """The fields every row of one task or item shares (``TemplateRow`` keywords)."""

    task_id: int
    item_id: int | None
    task_text: str
    role: str
    deadline: str


@dataclass
class TemplateRow:
    """One data row of a department's report sheet."""

    row: int  # sheet row number
    task_id: int
    item_id: int | None
    indicator_id: int | None
    seq: str  # 序号 (A)
    task_text: str  # 任务内容 (B)
    role: str  # 本单位职责 (C): 牵头 / 责任 / 配合
    deadline: str  # 完成时限 (D)
    target: str  # 目标值 (E): the indicator's text
    first_of_unit: bool = True  # False on the 2nd…Nth indicator row of one task/item
    prefill: dict[str, Any] = field(default_factory=dict)  # INPUT_KEYS → previous answer
    # On the 2nd…Nth indicator row: the sheet row of the unit's first row, whose task
    # cells (序号…完成时限, 完成情况, the text answers) are merged down over this one.
    anchor: int | None = None
    unit_rows: int = 1  # rows of the unit (its 指标 block), on every row of it

    @property
    def has_indicator(self) -> bool:
        return self.indicator_id is not None

    @property
    def unit_seq(self) -> str:
        """序号 as the sheet shows it: the unit's number ("3", not "3-2")."""
        return self.seq.split("-")[0]

    def identity(self) -> RowIdentity:
        return RowIdentity(
            self.row, self.task_id, self.item_id, self.indicator_id, self.text_sha1, self.anchor
        )

    @property
    def text_sha1(self) -> str:
        return text_sha1(self.task_text)


# --- which rows a department holds ----------------------------------------------------


def _period(session: Session, period_id: int) -> ReportingPeriod:
    period = session.get(ReportingPeriod, period_id)
    if period is None:
        raise UserError(f"未找到报送期次（编号 {period_id}），可能已被删除。")
    return period


def _department(session: Session, department_id: int) -> Department:
    department = session.get(Department, department_id)
    if department is None:
        raise UserError(f"未找到单位（编号 {department_id}），可能已被删除或合并。")
    return department


class _PlanItem(NamedTuple):
    id: int
    position: int
    text: str


class _PlanIndicator(NamedTuple):
    id: int
    text: str


@dataclass
class _PlanTask:
    """A task of the plan as ``PeriodTemplates`` uses it: plain values, read with its
    items and indicators in three queries (ORM objects cost more than the rows)."""

    id: int
    position: int
    label: str
    title: str
    text: str
    deadline_text: str | None
    deadline: dt.date | None
    items: list[_PlanItem] = field(default_factory=list)  # in plan order
    indicators: list[_PlanIndicator] = field(default_factory=list)


def _plan_tasks(session: Session, plan_id: int, *where: Any) -> dict[int, _PlanTask]:
    """The plan's tasks (those matching ``where``) with their items and indicators."""
    tasks = {
        row.id: _PlanTask(*row)
        for row in session.execute(
            select(
                Task.id,
                Task.position,
                Task.label,
                Task.title,
                Task.text,
                Task.deadline_text,
                Task.deadline,
            ).where(Task.plan_id == plan_id, *where)
        )
    }
    for task_id, item_id, position, text in session.execute(
        select(TaskItem.task_id, TaskItem.id, TaskItem.position, TaskItem.text)
        .join(Task, Task.id == TaskItem.task_id)
        .where(Task.plan_id == plan_id)
        .order_by(TaskItem.position, TaskItem.id)
    ):
        if task_id in tasks:
            tasks[task_id].items.append(_PlanItem(item_id, position, text))
    for task_id, indicator_id, text in session.execute(
        select(Indicator.task_id, Indicator.id, Indicator.text)
        .join(Task, Task.id == Indicator.task_id)
        .where(Task.plan_id == plan_id)
        .order_by(Indicator.position, Indicator.id)
    ):
        if task_id in tasks:
            tasks[task_id].indicators.append(_PlanIndicator(indicator_id, text))
    return tasks


def _deadline_text(task: Task | _PlanTask) -> str:
    if task.deadline_text:
        return task.deadline_text
    if task.deadline:
        return cn_date(task.deadline)
    return ""


def _task_text(task: Task | _PlanTask, item: TaskItem | _PlanItem | None) -> str:
    label = (task.label or "").strip()
    if item is None:
        return f"{label}{task.text or task.title}".strip()
    title = (task.title or "").strip()
    body = (item.text or "").strip()
    if title and not squash(body).startswith(squash(title)):
        body = f"{title}：{body}"
    return f"{label}{body}".strip()


def template_rows(session: Session, period_id: int, department_id: int) -> list[TemplateRow]:
    """The rows of the department's template for the period, in plan order.

    One unit per (task, item) the department holds, directly or through a group it is a
    member of (a task-level assignment covers the whole task).  Its role is the
    strongest one held (牵头 > 责任 > 配合).  A unit with indicators gives one row per
    indicator (a whole task all of the task's indicators, an item those whose text is in
    the item's text); on the sheet they are one 指标 block: the first row holds the task,
    the others (``anchor`` set) only 目标值 and 完成值.  Tasks an updated plan dropped
    before the period's due date are left out.  ``prefill`` is left empty (see ``write_template``).
    """
    return PeriodTemplates(session, period_id).rows(department_id)


class _Held(NamedTuple):
    """One assignment, as ``PeriodTemplates`` reads it (a plan has thousands)."""

    id: int
    department_id: int
    item_id: int | None
    role: str


class PeriodTemplates:
    """The template rows of every department for one period (``template_rows``), from
    one read of the plan's tasks (their items and indicators), assignments and groups:
    a batch of returned workbooks, or of templates, asks for many departments."""

    def __init__(self, session: Session, period_id: int) -> None:
        period = _period(session, period_id)
        # A task an updated plan dropped is still asked for in the periods due before it
        # was dropped (their returned sheets hold it), never in later ones.
        dropped_after = dt.datetime.combine(period.due_date + dt.timedelta(days=1), dt.time.min)
        tasks = _plan_tasks(
            session,
            period.plan_id,
            or_(Task.removed_at.is_(None), Task.removed_at >= dropped_after),
        )
        # The assignments as plain rows: a plan has thousands, and no object is needed.
        # Each with its place in plan order (task position, task id, assignment id).
        self._held: dict[int, list[tuple[tuple[int, int, int], _Held, _PlanTask]]] = {}
        for held in session.execute(
            select(
                Assignment.id,
                Assignment.department_id,
                Assignment.item_id,
                Assignment.role,
                Task.id,
            )
            .join(Task, Task.id == Assignment.task_id)
            .where(Task.plan_id == period.plan_id)
        ):
            task = tasks.get(held[4])
            if task is not None:
                place = (task.position, task.id, held[0])
                self._held.setdefault(held[1], []).append((place, _Held(*held[:4]), task))
        self._units: dict[tuple[int, int | None], tuple[Any, ...]] = {}
        self._groups: dict[int, set[int]] = {}
        for group_id, member_id in session.execute(
            select(GroupMember.group_id, GroupMember.member_id)
        ):
            self._groups.setdefault(member_id, set()).add(group_id)

    def _unit(
        self, task: _PlanTask, item_id: int | None
    ) -> tuple[int | None, str, str, list[_PlanIndicator]]:
        """(item id, 任务内容, 完成时限, indicators) of a unit: the same for every
        department that holds it."""
        key = (task.id, item_id)
        if key not in self._units:
            item = next((i for i in task.items if i.id == item_id), None)
            if item is None:
                indicators = list(task.indicators)
            else:
                body = squash(item.text)
                indicators = [i for i in task.indicators if squash(i.text) in body]
            self._units[key] = (
                item.id if item else None,
                _task_text(task, item),
                _deadline_text(task),
                indicators,
            )
        return self._units[key]

    def rows(self, department_id: int) -> list[TemplateRow]:
        """The rows of the department's template (new ones at each call: callers fill
        them in)."""
        # The department itself and every group it is a member of.
        holders = {department_id, *self._groups.get(department_id, ())}
        assignments = sorted(held for holder in holders for held in self._held.get(holder, ()))
        units: dict[tuple[int, int | None], str] = {}
        tasks: dict[int, _PlanTask] = {}
        whole: set[int] = set()
        for (_, task_id, _), assignment, task in assignments:
            tasks[task_id] = task
            key = (task_id, assignment.item_id)
            if assignment.item_id is None:
                whole.add(task_id)
            role = units.get(key)
            if role is None or ROLE_RANK.get(assignment.role, 9) < ROLE_RANK.get(role, 9):
                units[key] = assignment.role
        # A task-level assignment covers the whole task: drop its item units, keep the role.
        for key in [k for k in units if k[1] is not None and k[0] in whole]:
            role = units.pop(key)
            task_key = (key[0], None)
            if ROLE_RANK.get(role, 9) < ROLE_RANK.get(units[task_key], 9):
                units[task_key] = role

        def order(key: tuple[int, int | None]) -> tuple[int, int, int]:
            task = tasks[key[0]]
            item_pos = -1
            if key[1] is not None:
                item_pos = next((i.position for i in task.items if i.id == key[1]), 0)
            return (task.position, task.id, item_pos)

        rows: list[TemplateRow] = []
        sheet_row = layout.FIRST_DATA_ROW
        for number, key in enumerate(sorted(units, key=order), start=1):
            item_id, text, deadline, indicators = self._unit(tasks[key[0]], key[1])
            base = _UnitFields(
                task_id=key[0], item_id=item_id, task_text=text, role=units[key], deadline=deadline
            )
            if not indicators:
                rows.append(
                    TemplateRow(
                        row=sheet_row, indicator_id=None, seq=str(number), target="", **base
                    )
                )
                sheet_row += 1
                continue
            first_row = sheet_row
            for k, indicator in enumerate(indicators, start=1):
                rows.append(
                    TemplateRow(
                        row=sheet_row,
                        indicator_id=indicator.id,
                        seq=str(number) if len(indicators) == 1 else f"{number}-{k}",
                        target=indicator.text,
                        first_of_unit=k == 1,
                        anchor=None if k == 1 else first_row,
                        unit_rows=len(indicators),
                        **base,
                    )
                )
                sheet_row += 1
        return rows


def template_departments(session: Session, plan_id: int) -> list[Department]:
    """The departments that get a template: the plan's reporting units
    (``reporting_units``: a group's members instead of the group, a group without
    members and the office left out).  Ordered by the first task they appear in."""
    return reporting_units(session, plan_id).departments


# --- prefill --------------------------------------------------------------------------


def _apply_prefill(rows: list[TemplateRow], entries: list[SubmissionEntry]) -> None:
    exact = {(e.task_id, e.item_id, e.indicator_id): e for e in entries}
    by_unit: dict[tuple[int, int | None], SubmissionEntry] = {}
    for e in entries:
        by_unit.setdefault((e.task_id, e.item_id), e)
    for row in rows:
        entry = exact.get((row.task_id, row.item_id, row.indicator_id))
        if entry is None:
            entry = by_unit.get((row.task_id, row.item_id))
            if entry is None:
                continue
            values = {k: getattr(entry, k) for k in ("status", *layout.TEXT_INPUT_KEYS)}
        else:
            values = {k: getattr(entry, k) for k in ("status", *layout.TEXT_INPUT_KEYS)}
            if row.has_indicator:
                values["value"] = entry.value if entry.value is not None else entry.value_text
        row.prefill = {k: v for k, v in values.items() if v not in (None, "")}


# --- writing --------------------------------------------------------------------------


def template_filename(period: ReportingPeriod, department: Department) -> str:
    """``2023年第三季度-区市场监管局-报送表.xlsx`` (characters Windows forbids → _)."""
    name = f"{period.name}-{department.name}-报送表"
    name = _UNSAFE.sub("_", name).strip().rstrip(". ")
    return f"{name}.xlsx"


def write_template(
    session: Session,
    period_id: int,
    department_id: int,
    path: str | os.PathLike[str],
    *,
    prefill: bool = False,
    now: dt.datetime | None = None,
    prefill_from: int | None = None,
    row_notes: dict[int, str] | None = None,
    resubmit_by: dt.date | None = None,
    templates: PeriodTemplates | None = None,
) -> Path:
    """Write the department's template for the period to ``path`` and return it.

    With ``prefill`` the answer cells (and 填报人/联系电话) start with the department's
    answers from its latest earlier submission for the same task/item/indicator;
    ``prefill_from`` (a submission id) takes them from that submission instead (退回修改:
    the returned workbook's own answers, so the unit corrects rather than retypes).
    ``row_notes`` (sheet row → text) adds a cell comment on those rows' 任务内容 cells
    (the office's 退回意见); comments change no value and the identity does not cover them.
    ``resubmit_by``: the date a returned workbook is to come back by, said instead of the
    period's due date.  ``templates``: the period's rows read once for many departments.
    UserError when the department holds no task of the plan or the file cannot be
    written.  The file appears atomically (temporary file, then ``os.replace``).
    """
    period = _period(session, period_id)
    department = _department(session, department_id)
    plan = session.get(Plan, period.plan_id)
    assert plan is not None  # period.plan_id is a foreign key with cascade
    if department.kind == KIND_GROUP:
        raise UserError(
            f"“{department.name}”是单位组，由它的成员单位分别报送，不单独生成报送表；"
            "请在“部门管理”中为它指定成员单位。"
        )
    templates = templates or PeriodTemplates(session, period_id)
    rows = templates.rows(department_id)
    if not rows:
        raise UserError(f"“{department.name}”在“{plan.title}”中没有承担任务，无需生成报送表。")
    previous = None
    if prefill_from is not None:
        previous = session.get(Submission, prefill_from)
        if previous is None:
            raise UserError(f"未找到报送记录（编号 {prefill_from}），可能已被删除。")
        _apply_prefill(rows, list(previous.entries))
    elif prefill:
        previous, entries = latest_earlier_submission(session, period, department_id)
        _apply_prefill(rows, entries)
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        path = path.with_name(path.name + ".xlsx")
    if not path.parent.is_dir():
        raise UserError(f"无法写入文件：文件夹“{path.parent}”不存在，请换一个保存位置。")
    now = now or dt.datetime.now()
    identity = TemplateIdentity(
        plan_id=plan.id,
        plan_title=plan.title,
        period_id=period.id,
        period_name=period.name,
        department_id=department.id,
        department_name=department.name,
        generated_at=now.replace(microsecond=0).isoformat(),
        rows=tuple(r.identity() for r in rows),
    )
    wb = _build_workbook(
        session, plan, period, department, rows, identity, previous, resubmit_by=resubmit_by
    )
    if row_notes:
        _add_row_notes(wb[layout.REPORT_SHEET], row_notes)
    save_workbook(wb, path)
    return path


def _add_row_notes(ws: Worksheet, notes: dict[int, str]) -> None:
    """A comment (批注) on the 任务内容 cell of each noted row: seen on hover and printed
    nowhere, so the unit sees what to correct without the sheet's layout changing."""
    from openpyxl.comments import Comment

    for row, text in notes.items():
        if text and text.strip():
            comment = Comment(text.strip(), "食安办")
            comment.width, comment.height = 320, 140
            ws[layout.cell("task", row)].comment = comment


def write_all_templates(
    session: Session,
    period_id: int,
    folder: str | os.PathLike[str],
    *,
    prefill: bool = False,
    zip_name: str | None = None,
    progress: Progress | None = None,
    user: str | None = None,
) -> list[Path]:
    """One template per department of ``template_departments`` into ``folder``.

    Returns the template paths in department order.  With ``zip_name`` all templates
    are also packed into ``folder/zip_name`` (``.zip`` added if missing; not in the
    returned list).  ``progress(done, total)`` is called before the first and after each
    file.  The folder is created when missing.  An audit entry records the run.
    """
    period = _period(session, period_id)
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"无法创建文件夹“{folder}”（{exc.strerror or exc}）。") from exc
    units = reporting_units(session, period.plan_id)
    departments = units.departments
    if not departments:
        if units.groups_without_members or units.offices:
            raise UserError("该方案没有需要报送的单位，无法生成报送表：" + "".join(units.warnings))
        raise UserError("该方案的任务还没有分配责任单位，无法生成报送表。")
    office_secret(session)  # create the secret once, before the loop
    templates = PeriodTemplates(session, period.id)  # the plan read once, not per department
    total = len(departments)
    if progress:
        progress(0, total)
    paths: list[Path] = []
    used: set[str] = set()
    for done, department in enumerate(departments, start=1):
        name = template_filename(period, department)
        if name.lower() in used:  # two names equal after replacing forbidden characters
            name = f"{Path(name).stem}-{department.id}.xlsx"
        used.add(name.lower())
        paths.append(
            write_template(
                session,
                period.id,
                department.id,
                folder / name,
                prefill=prefill,
                templates=templates,
            )
        )
        if progress:
            progress(done, total)
    if zip_name:
        zip_path = folder / (zip_name if zip_name.lower().endswith(".zip") else f"{zip_name}.zip")
        _zip_atomically(paths, zip_path)
    audit.record(
        session,
        user=user or "未知用户",
        action="period.templates",
        entity="period",
        entity_id=period.id,
        summary=f"生成报送期次“{period.name}”的报送表 {len(paths)} 份",
        detail={"folder": str(folder), "files": [p.name for p in paths], "prefill": prefill},
    )
    return paths


# --- workbook parts -------------------------------------------------------------------


def _office(session: Session, plan: Plan) -> dict[str, str]:
    """The office as the plan's templates name it: 卢氏县食品安全委员会办公室 and the
    contact person, phone and e-mail of the settings (``office.office_for``).

    When the settings name no contact person and no phone, the office's own entry in
    部门管理 (联系人、电话 of the 食安办 holding tasks of the plan) is used instead, so
    that a department always learns whom to call when either was entered somewhere.
    """
    office = office_for(session, plan)
    if not (office.contact or office.phone):
        for unit in reporting_units(session, plan.id).offices:
            if unit.contact_person or unit.phone:
                office = replace(office, contact=unit.contact_person or "", phone=unit.phone or "")
                break
    return {
        "name": office.name,
        "contact": office.contact,
        "phone": office.phone,
        "email": office.email,
        "contact_text": office.contact_text(),
        "send_to": office.send_to(),
    }


def reporting_span(period: ReportingPeriod) -> tuple[dt.date, dt.date] | None:
    """统计时段 of the period: (start, end), None when the period has no start date.

    A period named like 2022年度 or 2022年第三季度 stores the calendar span (1月1日 to
    12月31日, 7月1日 to 9月30日) while its due date often falls inside it (11月30日,
    9月25日).  A department reporting by the due date can only report the work done by
    then, so the span ends at the due date when it falls inside the span; otherwise
    (due after the end, as for a 上年度 report due in January) the period's own end.
    """
    start, end = period.start_date, period.end_date
    if start is None:
        return None
    if end is None or (start <= period.due_date < end):
        end = period.due_date
    return start, end


def reporting_span_text(period: ReportingPeriod) -> str:
    """``2022年1月1日至2022年11月30日`` ("" without a span)."""
    span = reporting_span(period)
    if span is None:
        return ""
    return f"{cn_date(span[0])}至{cn_date(span[1])}"


def _build_workbook(
    session: Session,
    plan: Plan,
    period: ReportingPeriod,
    department: Department,
    rows: list[TemplateRow],
    identity: TemplateIdentity,
    previous: Submission | None,
    *,
    resubmit_by: dt.date | None = None,
) -> Any:
    from openpyxl import Workbook
    from openpyxl.workbook.protection import WorkbookProtection

    styles = form_styles()
    password = get_setting(session, TEMPLATE_PASSWORD) or None
    office = _office(session, plan)
    wb = Workbook()
    wb.properties.creator = "食安台账"
    wb.properties.title = layout.title_text(plan.title, period.name)
    instructions = wb.active
    instructions.title = layout.INSTRUCTIONS_SHEET
    has_indicators = any(r.has_indicator for r in rows)
    lines = instruction_lines(
        plan,
        period,
        department,
        office,
        has_indicators=has_indicators,
        has_blocks=any(r.anchor is not None for r in rows),
        resubmit_by=resubmit_by,
    )
    _write_instructions(instructions, lines, styles, password)
    report = wb.create_sheet(layout.REPORT_SHEET)
    _write_report(
        report, plan, period, department, rows, previous, office, styles, password,
        resubmit_by=resubmit_by,
    )  # fmt: skip
    write_identity(wb, identity, office_secret(session))
    wb.active = wb.sheetnames.index(layout.REPORT_SHEET)
    instructions.sheet_view.tabSelected = False
    report.sheet_view.tabSelected = True
    # Structure protection: no sheet can be added, renamed, deleted or unhidden.
    wb.security = WorkbookProtection(lockStructure=True)
    if password:
        wb.security.workbookPassword = password
    return wb


def _protect(ws: Worksheet, password: str | None) -> None:
    ws.protection.sheet = True
    # Allowed on a protected sheet: selecting cells, resizing rows and columns (a long
    # answer needs a taller row); everything else stays locked.
    ws.protection.formatRows = False
    ws.protection.formatColumns = False
    ws.protection.selectLockedCells = False
    ws.protection.selectUnlockedCells = False
    if password:
        ws.protection.password = password


INSTRUCTIONS_WIDTH = 88  # characters: A4 portrait inside 0.6" margins, unscaled
# 11pt 宋体 draws a CJK character a little wider than two digit widths: estimate the
# wrapped lines against a slightly narrower column so that a row is never too short.
_CJK_SLACK = 0.92


def deadline_text(period: ReportingPeriod, resubmit_by: dt.date | None = None) -> str:
    """ "报送截止日期：2022年9月25日前", or for a workbook returned for rework
    "重新报送截止日期：…前"."""
    if resubmit_by is not None:
        return f"重新报送截止日期：{cn_date(resubmit_by)}前"
    return f"报送截止日期：{cn_date(period.due_date)}前"


def instruction_lines(
    plan: Plan,
    period: ReportingPeriod,
    department: Department,
    office: dict[str, str],
    *,
    has_indicators: bool,
    has_blocks: bool,
    resubmit_by: dt.date | None = None,
) -> list[tuple[str, str]]:
    """The (style, text) lines of the 填报说明 sheet, in order."""
    span = reporting_span_text(period)
    statuses = "、".join(layout.STATUS_CHOICES)
    lines: list[tuple[str, str]] = [
        ("title", f"{layout.title_text(plan.title, period.name)}填报说明"),
        ("body", ""),
        ("bold", f"填报单位：{department.name}"),
        ("bold", f"报送期次：{period.name}"),
    ]
    if span:
        lines.append(("bold", f"统计时段：{span}"))
    lines += [
        ("bold", deadline_text(period, resubmit_by)),
        ("bold", f"报送至：{office['send_to']}"),  # with 联系人 and 联系电话 when known
    ]
    lines += [
        ("body", ""),
        ("bold", "怎样填写"),
        (
            "body",
            f"1. 请打开“{layout.REPORT_SHEET}”工作表，在表头填写填报人、联系电话、"
            "填报日期和审核人；打印后由单位负责人签字。",
        ),
        (
            "body",
            "2. 表中每一行是本单位在方案中承担的一项任务（或任务中的一项内容）。"
            "浅黄色的单元格由本单位填写：",
        ),
        ("body", f"   · 完成情况：从下拉列表中选择（{statuses}），每项任务都要选择；"),
    ]
    if has_indicators:
        lines.append(
            (
                "body",
                "   · 完成值：只在有目标值的行填写，只填数字，不带单位和百分号"
                "（例如目标值为“覆盖率达90%”，完成值填 92.5）；",
            )
        )
    if has_blocks:
        lines.append(
            (
                "body",
                "   · 一项任务有多个目标值时，每个目标值占一行，逐行填写完成值；"
                "完成情况和文字只在该任务的合并单元格中填写一次；",
            )
        )
    lines += [
        ("body", "   · 主要措施及成效、数据、典型事例、存在问题、下步打算：用文字填写。"),
        (
            "body",
            "   · 佐证材料：列出能证明完成情况的材料名称（如会议纪要、检查记录），"
            "材料文件另行报送。",
        ),
        (
            "body",
            "3. 序号、任务内容、本单位职责、完成时限"
            + ("、目标值" if has_indicators else "")
            + "由食安办根据工作方案生成，已锁定，不能修改。对任务内容或分工有不同意见，"
            "请写在“存在问题”栏，或直接与食安办联系。",
        ),
        (
            "body",
            "4. 请不要插入、删除或移动行和列，不要把内容复制到其他表格中填写，"
            "也不要另建表格：本文件带有自动汇总用的识别信息，请直接在本文件中填写。",
        ),
        ("body", "5. 文件名可以修改，不影响汇总。"),
        ("body", ""),
        ("bold", "怎样报送"),
        (
            "body",
            "1. 填好后直接保存（Excel 或 WPS 均可，保存为 .xlsx 或 .xls 格式），"
            f"在截止日期前通过电子邮件、U盘或微信把文件发送给{office['name']}。",
        ),
        ("body", "2. 如需更正，在本文件中修改后重新报送即可，以最后一次报送为准。"),
    ]
    if office["contact_text"]:
        lines.append(
            ("body", f"3. 填报中有疑问，请与{office['name']}联系（{office['contact_text']}）。")
        )
    return lines


def _write_instructions(
    ws: Worksheet,
    lines: list[tuple[str, str]],
    styles: dict[str, Any],
    password: str | None,
) -> None:
    from openpyxl.worksheet.properties import PageSetupProperties

    width = INSTRUCTIONS_WIDTH
    ws.column_dimensions["A"].width = width
    # A narrow empty column B inside the print area: LibreOffice's "fit to one page wide"
    # only shrinks a print range spanning more than one column (a single column wider
    # than the page is printed cut off), and column widths depend on the default font
    # each office suite finds (DejaVu Sans draws "88 characters" 25% wider than Calibri).
    ws.column_dimensions["B"].width = 2
    for r, (style, text) in enumerate(lines, start=1):
        cell = ws.cell(r, 1)
        set_text(cell, text)
        cell.font = styles[style]
        cell.alignment = styles["wrap"]
        if style == "title":
            # 16pt: fewer characters per line than the 11pt body.
            lines_needed = wrapped_lines(text, width * _CJK_SLACK * 11 / 16)
            ws.row_dimensions[r].height = lines_needed * 22 + 10
            cell.alignment = styles["center"]
        elif text:
            ws.row_dimensions[r].height = wrapped_lines(text, width * _CJK_SLACK) * LINE_HEIGHT + 5
        else:
            ws.row_dimensions[r].height = LINE_HEIGHT
    ws.page_setup.orientation = "portrait"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    # Fitted to the page width whatever the printer's margins; as many pages as needed.
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.print_area = f"A1:B{len(lines)}"
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.6
    ws.page_margins.top = ws.page_margins.bottom = 0.7
    _protect(ws, password)


def _write_report(
    ws: Worksheet,
    plan: Plan,
    period: ReportingPeriod,
    department: Department,
    rows: list[TemplateRow],
    previous: Submission | None,
    office: dict[str, str],
    styles: dict[str, Any],
    password: str | None,
    *,
    resubmit_by: dt.date | None = None,
) -> None:
    last = layout.LAST_COLUMN
    has_indicators = any(r.has_indicator for r in rows)
    hidden = set() if has_indicators else set(layout.INDICATOR_KEYS)
    if not any(r.deadline for r in rows):
        hidden.add("deadline")  # a plan without 完成时限: no empty column on every page
    for column in layout.COLUMNS:
        dimension = ws.column_dimensions[column.letter]
        dimension.width = column.width
        if column.key in hidden:
            dimension.hidden = True  # not shown, not printed; still read back
    shown = [c for c in layout.COLUMNS if c.key not in hidden]
    width = sum(c.width for c in shown)

    # Row 1: title.
    ws.merge_cells(f"A{layout.TITLE_ROW}:{last}{layout.TITLE_ROW}")
    title = ws[layout.TITLE_CELL]
    set_text(title, layout.title_text(plan.title, period.name))
    title.font = styles["title"]
    title.alignment = styles["center"]
    title_lines = max(1, wrapped_lines(title.value, width * 11 / 16))
    ws.row_dimensions[layout.TITLE_ROW].height = title_lines * 22 + 8

    _write_header_block(ws, period, department, previous, styles)

    # Row 4: a hint: when and to whom (报送至 with the office's contact person and phone).
    hint_row = layout.HINT_ROW
    ws.merge_cells(f"A{hint_row}:{last}{hint_row}")
    hint = ws[f"A{hint_row}"]
    hint.value = (
        f"{deadline_text(period, resubmit_by)}，报送至：{office['send_to']}。"
        f"填写前请先阅读“{layout.INSTRUCTIONS_SHEET}”；浅黄色单元格为填写区，请勿增删行列。"
    )
    hint.font = styles["hint"]
    hint.alignment = styles["wrap"]
    ws.row_dimensions[hint_row].height = wrapped_lines(hint.value, width) * LINE_HEIGHT + 4

    # Row 5: column titles.
    for column in layout.COLUMNS:
        cell = ws[f"{column.letter}{layout.HEADER_ROW}"]
        cell.value = column.title
        cell.font = styles["bold"]
        cell.fill = styles["header_fill"]
        cell.alignment = styles["center"]
        cell.border = styles["border"]
    ws.row_dimensions[layout.HEADER_ROW].height = 30

    status_cells, value_cells = _write_data_rows(ws, rows, styles)
    _add_validations(ws, status_cells, value_cells)

    ws.freeze_panes = f"A{layout.FIRST_DATA_ROW}"
    last_row = rows[-1].row if rows else layout.HEADER_ROW
    a4_landscape(
        ws,
        title_row=layout.HEADER_ROW,
        print_area=f"A1:{layout.LAST_COLUMN}{last_row}",
        side_margin=0.4,
    )
    _protect(ws, password)


def _write_header_block(
    ws: Worksheet,
    period: ReportingPeriod,
    department: Department,
    previous: Submission | None,
    styles: dict[str, Any],
) -> None:
    """Rows 2–3: 填报单位 and 统计时段 on the left; 填报人/联系电话/填报日期 and
    审核人/单位负责人（签字） on the right, each value cell underlined."""
    values = {"department": department.name}
    if previous is not None:
        values["reporter"] = previous.reporter or ""
        values["phone"] = previous.phone or ""
    right = styles["right"]
    for fld in layout.HEADER_FIELDS:
        if fld.label_cell == fld.value_cell:  # 填报单位：县市场监管局 in one locked cell
            ws.merge_cells(f"{fld.value_cell}:{fld.value_end}")
            cell = ws[fld.value_cell]
            set_text(cell, f"{fld.label}：{values.get(fld.key, '')}")
            cell.font = styles["bold"]
            cell.alignment = styles["left"]
            continue
        if fld.label_end:
            ws.merge_cells(f"{fld.label_cell}:{fld.label_end}")
        label = ws[fld.label_cell]
        label.value = f"{fld.label}："
        label.font = styles["bold"]
        label.alignment = right
        if fld.value_end:
            ws.merge_cells(f"{fld.value_cell}:{fld.value_end}")
        value = ws[fld.value_cell]
        value.font = styles["body"]
        value.alignment = styles["left"]
        for ref in _cells(fld.value_cell, fld.value_end or fld.value_cell):
            ws[ref].border = styles["underline"]
        if not fld.locked:
            value.protection = _unlocked()
            value.fill = styles["input_fill"]
        if values.get(fld.key):
            set_text(value, values[fld.key])
    span = reporting_span_text(period)
    ws.merge_cells(f"{layout.SPAN_CELL}:D{layout.HEADER_ROW_FIELDS + 1}")
    span_cell = ws[layout.SPAN_CELL]
    set_text(span_cell, f"报送期次：{period.name}" + (f"（统计时段：{span}）" if span else ""))
    span_cell.font = styles["body"]
    span_cell.alignment = styles["left"]
    for r in (layout.HEADER_ROW_FIELDS, layout.HEADER_ROW_FIELDS + 1):
        ws.row_dimensions[r].height = 24


def _cells(first: str, last: str) -> list[str]:
    """The references of a one-row range ("K3", "L3" → ["K3", "L3"])."""
    row = first.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    start, end = first[: -len(row)], last[: -len(row)]
    return [f"{chr(c)}{row}" for c in range(ord(start), ord(end) + 1)]


# Columns of a task row merged down over its 指标 block: all but 目标值 and 完成值.
_UNIT_KEYS = tuple(c.key for c in layout.COLUMNS if c.key not in layout.INDICATOR_KEYS)


def _write_data_rows(
    ws: Worksheet, rows: list[TemplateRow], styles: dict[str, Any]
) -> tuple[list[str], list[str]]:
    """The data rows; returns the 完成情况 and 完成值 cells (for the validations)."""
    status_cells: list[str] = []
    value_cells: list[str] = []
    widths = {c.key: c.width for c in layout.COLUMNS}
    for row in rows:
        r = row.row
        sub_row = row.anchor is not None
        locked_values = {
            "seq": row.unit_seq,
            "task": row.task_text,
            "role": row.role,
            "deadline": row.deadline,
            "target": row.target,
        }
        for column in layout.COLUMNS:
            if sub_row and column.key in _UNIT_KEYS:
                continue  # merged into the task row above
            cell = ws[f"{column.letter}{r}"]
            cell.font = styles["body"]
            cell.border = styles["border"]
            cell.alignment = (
                styles["wrap"] if column.key in ("task", "target") else styles["top_center"]
            )
            if column.key in locked_values:
                set_text(cell, locked_values[column.key])
                continue
            if column.key == "value" and not row.has_indicator:
                cell.fill = styles["locked_fill"]
                continue
            cell.protection = _unlocked()
            cell.fill = styles["input_fill"]
            if column.key in layout.TEXT_INPUT_KEYS:
                cell.alignment = styles["wrap"]
            answer = row.prefill.get(column.key)
            if isinstance(answer, str):
                set_text(cell, answer)
            elif answer is not None:
                cell.value = answer
        if not sub_row:
            status_cells.append(layout.cell("status", r))
        if row.has_indicator:
            value_cells.append(layout.cell("value", r))
    # Heights: a unit needs as many lines as its longest text; its 指标 block shares them.
    units: dict[int, list[TemplateRow]] = {}
    for row in rows:
        units.setdefault(row.anchor if row.anchor is not None else row.row, []).append(row)
    for first, block in units.items():
        head = block[0]
        needed = max(
            wrapped_lines(head.task_text, widths["task"]),
            wrapped_lines(head.deadline, widths["deadline"]),
            *(
                wrapped_lines(str(head.prefill.get(k) or ""), widths[k])
                for k in layout.TEXT_INPUT_KEYS
            ),
            2,
        )
        share = math.ceil(needed / len(block))
        for row in block:
            lines = max(share, wrapped_lines(row.target, widths["target"]), 1)
            if len(block) == 1:
                lines = max(lines, 2)
            ws.row_dimensions[row.row].height = min(409, lines * LINE_HEIGHT + 6)
        if len(block) > 1:
            last_row = block[-1].row
            for key in _UNIT_KEYS:
                letter = layout.COLUMN_BY_KEY[key].letter
                ws.merge_cells(f"{letter}{first}:{letter}{last_row}")
    return status_cells, value_cells


def _add_validations(ws: Worksheet, status_cells: list[str], value_cells: list[str]) -> None:
    from openpyxl.worksheet.datavalidation import DataValidation

    statuses = ",".join(layout.STATUS_CHOICES)
    status_rule = DataValidation(
        type="list",
        formula1=f'"{statuses}"',
        allow_blank=True,
        showDropDown=False,  # False shows the arrow (the OOXML attribute is inverted)
        showErrorMessage=True,
        errorTitle="完成情况",
        error=f"请从下拉列表中选择：{'、'.join(layout.STATUS_CHOICES)}",
        showInputMessage=True,
        promptTitle="完成情况",
        prompt="请从下拉列表中选择",
    )
    for ref in status_cells:
        status_rule.add(ref)
    ws.add_data_validation(status_rule)
    if value_cells:
        value_rule = DataValidation(
            type="decimal",
            operator="between",
            formula1="-1000000000000",
            formula2="1000000000000",
            allow_blank=True,
            showErrorMessage=True,
            errorTitle="完成值",
            error="完成值只能填写数字（不带单位和百分号），例如 92.5",
            showInputMessage=True,
            promptTitle="完成值",
            prompt="只填数字，单位见“目标值”",
        )
        for ref in value_cells:
            value_rule.add(ref)
        ws.add_data_validation(value_rule)


def _unlocked() -> Any:
    from openpyxl.styles import Protection

    return Protection(locked=False)


# --- cells and files ------------------------------------------------------------------


def _zip_atomically(paths: list[Path], zip_path: Path) -> None:
    def write(tmp: Path) -> None:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for p in paths:
                archive.write(p, arcname=p.name)

    write_atomically(zip_path, write)
