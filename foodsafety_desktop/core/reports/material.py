"""What a period's documents are made of (材料): the plan's sections and tasks with each
department's current answers, indicator results, status counts and who reported.

:func:`gather_material` reads everything in a few queries (eager loading, no lazy loads
afterwards), so the result can be used after the session is closed and the summary, the
逐条报送表 and the 部门小结 are written from the same figures.  The answers and each
task's status are the period's own (``services.period_status.period_figures``), never
the ledger's ``Task.status``: a past period's documents do not change when later
periods are collected.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from foodsafety_desktop.core.dates import local_date
from foodsafety_desktop.core.errors import UserError
from foodsafety_desktop.core.services.office import office_for, place_of_plan
from foodsafety_desktop.core.services.overview import (
    TargetProgress,
    compare,
    format_number,
    year_targets,
)
from foodsafety_desktop.core.services.period_status import (
    PERIOD_STATUS_ORDER,
    STATUS_NOT_REPORTED,
    CurrentSubmission,
    EntryAnswer,
    TaskFigures,
    meaningful,
    period_figures,
    says_something,
    status_counts,
)
from foodsafety_desktop.core.services.reporting_units import reporting_units
from foodsafety_desktop.core.storage.models import (
    KIND_GROUP,
    ROLE_COOPERATING,
    ROLE_LEAD,
    ROLE_RESPONSIBLE,
    Assignment,
    Department,
    GroupMember,
    Plan,
    ReportingPeriod,
    Section,
    Task,
    combine_statuses,
)

# The order in which documents count and list a period's statuses (总体情况: 已完成
# first, 未填写完成情况 and 未报送 last).
STATUS_ORDER = PERIOD_STATUS_ORDER
ROLE_RANK = {ROLE_LEAD: 0, ROLE_RESPONSIBLE: 1, ROLE_COOPERATING: 2}
ROLE_UNASSIGNED = ""  # a department that answered for a task it is not assigned to

_END_PUNCT = "。！？!?"
_TRIM_PUNCT = "。；;，,、 \t\n"


# One answered row (SubmissionEntry) of a department for a task.
EntryMaterial = EntryAnswer


@dataclass
class DepartmentMaterial:
    """A department's part in one task and what it reported for it this period."""

    department_id: int
    name: str
    role: str  # 牵头 / 责任 / 配合 (strongest held), "" when answered without assignment
    via_group: str | None = None  # held through a group (各乡镇政府) of which it is a member
    # A reporting unit (``reporting_units``); False for the office and for a group
    # without members: named as the task's department, never as one that did not report.
    reports: bool = True
    submission_id: int | None = None  # its current submission of the period, if any
    received_at: dt.datetime | None = None  # naive UTC
    entries: list[EntryMaterial] = field(default_factory=list)

    @property
    def reported(self) -> bool:
        """The department said something for the task: a status, a value or a meaningful
        text (a submission also stores the rows it left blank; "无"/"同上" say nothing)."""
        return says_something(self.entries)

    @property
    def is_lead(self) -> bool:
        return self.role == ROLE_LEAD

    def _texts(self, attr: str) -> list[str]:
        return unique_texts(getattr(e, attr) for e in self.entries)

    @property
    def status(self) -> str | None:
        """The department's status of the task from its rows (all 已完成 → 已完成, any
        滞后 → 滞后, else 序时推进; 未启动 only when all rows say so)."""
        return combine_statuses(e.status for e in self.entries)

    @property
    def measures(self) -> list[str]:
        return self._texts("measures")

    @property
    def data(self) -> list[str]:
        return self._texts("data")

    @property
    def examples(self) -> list[str]:
        return self._texts("examples")

    @property
    def problems(self) -> list[str]:
        return self._texts("problems")

    @property
    def next_steps(self) -> list[str]:
        return self._texts("next_steps")

    @property
    def text(self) -> str:
        """Measures, data and examples as one passage ("" when nothing was written)."""
        return join_sentences([*self.measures, *self.data, *self.examples])


@dataclass
class ReportedValue:
    """One department's 完成值 for an indicator."""

    department: str
    value: float | None
    value_text: str | None


@dataclass
class IndicatorResult:
    """A quantitative target (指标) of a task and what was reported against it."""

    indicator_id: int
    task_id: int
    text: str  # as written in the plan
    subject: str | None
    comparison: str  # ≥ ≤ = > <
    target: float | None
    unit: str | None
    values: list[ReportedValue] = field(default_factory=list)  # lead first

    @property
    def reported(self) -> ReportedValue | None:
        """The value that counts: the first department (lead first) that gave a number,
        else the first that wrote anything."""
        for v in self.values:
            if v.value is not None:
                return v
        return next((v for v in self.values if v.value_text), None)

    @property
    def reported_value(self) -> float | None:
        r = self.reported
        return r.value if r else None

    @property
    def reported_text(self) -> str:
        """The value as shown in a table: the number with the target's unit."""
        r = self.reported
        if r is None:
            return ""
        if r.value is None:
            return r.value_text or ""
        return format_number(r.value) + (self.unit or "")

    @property
    def target_text(self) -> str:
        if self.target is None:
            return self.text
        return f"{self.comparison}{format_number(self.target)}{self.unit or ''}"

    @property
    def met(self) -> bool | None:
        """Target met (value compared by the indicator's comparison); None when no
        number was reported or the target has no value."""
        value = self.reported_value
        if value is None or self.target is None:
            return None
        return compare(value, self.comparison, self.target)

    @property
    def met_text(self) -> str:
        return {True: "是", False: "否", None: "未报送"}[self.met]


@dataclass
class TaskMaterial:
    """A task of the plan with its departments (lead first) and their answers."""

    task_id: int
    position: int
    section_id: int | None
    label: str
    title: str
    text: str
    deadline: dt.date | None
    deadline_text: str | None
    # The task's status in this period (period_status): a ledger status, 未填写完成情况
    # or 未报送; never the ledger's Task.status, which follows the latest period.
    status: str
    progress: str | None  # the deciding department's measures this period
    departments: list[DepartmentMaterial] = field(default_factory=list)
    indicators: list[IndicatorResult] = field(default_factory=list)

    @property
    def lead_names(self) -> list[str]:
        return [d.name for d in self.departments if d.role == ROLE_LEAD]

    @property
    def responsible_names(self) -> list[str]:
        """责任 and 配合 departments (not the lead), in plan order."""
        return [d.name for d in self.departments if d.role in (ROLE_RESPONSIBLE, ROLE_COOPERATING)]

    @property
    def reporting(self) -> list[DepartmentMaterial]:
        """Departments that answered for this task, lead first."""
        return [d for d in self.departments if d.reported]

    @property
    def silent(self) -> list[DepartmentMaterial]:
        """Assigned reporting units without an answer for this task (the office and
        groups without members are not expected to answer)."""
        return [d for d in self.departments if d.reports and not d.reported]

    @property
    def reported(self) -> bool:
        return any(d.reported for d in self.departments)

    @property
    def heading_title(self) -> str:
        """The task's short title without a trailing full stop."""
        return (self.title or self.text).strip().rstrip("。．.；;")


@dataclass
class SectionMaterial:
    """A heading of the plan above the tasks (一、 / （一）)."""

    section_id: int
    parent_id: int | None
    label: str
    title: str
    level: int
    position: int


@dataclass
class DepartmentReport:
    """Whether a department expected for the period reported (按时 / 逾期 / 未报)."""

    department_id: int
    name: str
    submission_id: int | None = None
    received_at: dt.datetime | None = None  # naive UTC
    received_on: dt.date | None = None  # local date
    late: bool = False
    reporter: str | None = None
    phone: str | None = None

    @property
    def reported(self) -> bool:
        return self.submission_id is not None


@dataclass
class PeriodMaterial:
    """Everything a period's documents need, read once."""

    plan_id: int
    plan_title: str
    plan_issuer: str | None
    plan_doc_number: str | None
    jurisdiction: str | None  # 县 / 区 / 市
    place: str | None  # 卢氏县, 营口市鲅鱼圈区 (``place_of``), None when the plan names none
    office_name: str  # setting office_name, else "{place}食品安全委员会办公室" (office_for)
    period_id: int
    period_name: str
    period_kind: str
    period_year: int | None
    due_date: dt.date
    sections: list[SectionMaterial]
    tasks: list[TaskMaterial]
    departments: list[DepartmentReport]  # expected departments, template order
    extra_departments: list[DepartmentReport] = field(default_factory=list)  # not expected
    # The targets over the year up to this period, judged as the 概况 judges them
    # (services.overview): the 指标完成情况 attachment prints these.
    targets: list[TargetProgress] = field(default_factory=list)
    generated_at: dt.datetime = field(default_factory=dt.datetime.now)

    @property
    def status_counts(self) -> dict[str, int]:
        """Tasks per status of the period, in :data:`STATUS_ORDER` (every status present)."""
        return status_counts(task.status for task in self.tasks)

    @property
    def indicators(self) -> list[IndicatorResult]:
        return [i for t in self.tasks for i in t.indicators]

    @property
    def indicators_total(self) -> int:
        return len(self.indicators)

    @property
    def indicators_met(self) -> int:
        return sum(1 for i in self.indicators if i.met is True)

    @property
    def indicators_reported(self) -> int:
        return sum(1 for i in self.indicators if i.reported_value is not None)

    @property
    def reported(self) -> list[DepartmentReport]:
        return [d for d in self.departments if d.reported]

    @property
    def on_time(self) -> list[DepartmentReport]:
        return [d for d in self.departments if d.reported and not d.late]

    @property
    def late(self) -> list[DepartmentReport]:
        return [d for d in self.departments if d.reported and d.late]

    @property
    def missing(self) -> list[DepartmentReport]:
        """Expected departments without a current submission (未报送)."""
        return [d for d in self.departments if not d.reported]

    def task(self, task_id: int) -> TaskMaterial:
        for t in self.tasks:
            if t.task_id == task_id:
                return t
        raise KeyError(task_id)

    def department_names(self) -> list[str]:
        """Every department of the period: expected ones, then others that answered."""
        return [d.name for d in (*self.departments, *self.extra_departments)]


# --- text helpers (shared by the writers) ----------------------------------------------


def unique_texts(texts: Iterable[str | None]) -> list[str]:
    """Meaningful texts, de-duplicated (ignoring punctuation at the ends), in order."""
    seen: set[str] = set()
    out: list[str] = []
    for raw in texts:
        text = meaningful(raw)
        if not text:
            continue
        key = re.sub(r"\s+", "", text).strip(_TRIM_PUNCT)
        if key and key not in seen:
            seen.add(key)
            out.append(text)
    return out


def sentence(text: str) -> str:
    """``text`` as one sentence ending in "。" (inner line breaks joined with "；")."""
    parts = [p.strip().strip(_TRIM_PUNCT) for p in text.split("\n")]
    body = "；".join(p for p in parts if p)
    if not body:
        return ""
    return body if body[-1] in _END_PUNCT else body + "。"


def join_sentences(texts: list[str]) -> str:
    """Several answers as a passage of sentences, duplicates dropped."""
    return "".join(sentence(t) for t in unique_texts(texts))


# --- gathering ---------------------------------------------------------------------------


def gather_material(session: Session, plan_id: int, period_id: int) -> PeriodMaterial:
    """Read the plan's sections, tasks, assignments, indicators and the period's current
    submissions in one pass and return them as plain data (no ORM objects).

    Departments of a task: its assignments, a group with members (各乡镇政府) replaced
    by the members that hold it through the group; lead first, then 责任, 配合 (plan
    order), then departments that answered for the task without being assigned.
    """
    plan = session.get(Plan, plan_id)
    if plan is None:
        raise UserError(f"找不到编号为{plan_id}的工作方案。")
    period = session.get(ReportingPeriod, period_id)
    if period is None or period.plan_id != plan_id:
        raise UserError(f"工作方案“{plan.title}”没有编号为{period_id}的报送期次。")

    # Every department once, so later look-ups (reporting_units too) hit the map.
    departments = {d.id: d for d in session.scalars(select(Department))}
    members: dict[int, list[int]] = {}
    for group_id, member_id in session.execute(
        select(GroupMember.group_id, GroupMember.member_id).order_by(GroupMember.id)
    ):
        members.setdefault(group_id, []).append(member_id)

    sections = [
        SectionMaterial(s.id, s.parent_id, s.label, s.title, s.level, s.position)
        for s in session.scalars(
            select(Section).where(Section.plan_id == plan_id).order_by(Section.position)
        )
    ]
    tasks = list(
        session.scalars(
            select(Task)
            .where(Task.plan_id == plan_id)
            .order_by(Task.position, Task.id)
            .options(selectinload(Task.assignments), selectinload(Task.indicators))
        )
    )
    # The period's current submissions and each task's status as of the period.
    figures = period_figures(session, period_id)
    by_department = figures.submissions
    entries: dict[tuple[int, int], list[EntryMaterial]] = {  # (task, department)
        (task_id, sub.department_id): rows
        for sub in by_department.values()
        for task_id, rows in sub.entries.items()
    }

    units = reporting_units(session, plan_id)
    expected = units.departments
    task_materials = [
        _task_material(
            task,
            departments,
            members,
            by_department,
            entries,
            figures.tasks.get(task.id),
            units.ids,
        )
        for task in tasks
    ]

    reports = [_department_report(d, by_department.get(d.id), period) for d in expected]
    expected_ids = {d.id for d in expected}
    extra = [
        _department_report(departments[dep_id], sub, period)
        for dep_id, sub in by_department.items()
        if dep_id not in expected_ids and dep_id in departments
    ]

    place = place_of_plan(plan)
    office = office_for(session, plan).name
    targets = year_targets(session, plan_id, period_id)
    return PeriodMaterial(
        plan_id=plan.id,
        plan_title=plan.title,
        plan_issuer=plan.issuer,
        plan_doc_number=plan.doc_number,
        jurisdiction=plan.jurisdiction,
        place=place,
        office_name=office,
        period_id=period.id,
        period_name=period.name,
        period_kind=period.kind,
        period_year=period.year,
        due_date=period.due_date,
        sections=sections,
        tasks=task_materials,
        departments=reports,
        extra_departments=extra,
        targets=targets,
    )


def _task_material(
    task: Task,
    departments: dict[int, Department],
    members: dict[int, list[int]],
    submissions: dict[int, CurrentSubmission],
    entries: dict[tuple[int, int], list[EntryMaterial]],
    figures: TaskFigures | None,
    reporting: set[int],
) -> TaskMaterial:
    held: dict[int, DepartmentMaterial] = {}
    order: dict[int, tuple[int, int, int]] = {}  # department -> (role rank, position, id)

    def hold(dep_id: int, role: str, assignment: Assignment, via: str | None) -> None:
        dep = departments.get(dep_id)
        if dep is None:
            return
        rank = ROLE_RANK.get(role, 9)
        key = (rank, assignment.position, assignment.id)
        current = held.get(dep_id)
        if current is None or key < order[dep_id]:
            held[dep_id] = DepartmentMaterial(
                dep_id, dep.name, role, via_group=via, reports=dep_id in reporting
            )
            order[dep_id] = key

    for a in task.assignments:
        dep = departments.get(a.department_id)
        if dep is not None and dep.kind == KIND_GROUP and members.get(dep.id):
            for member_id in members[dep.id]:
                hold(member_id, a.role, a, dep.name)
        else:
            hold(a.department_id, a.role, a, None)

    # Departments that answered for the task without holding it (assignment changed).
    for (task_id, dep_id), _rows in entries.items():
        if task_id == task.id and dep_id not in held and dep_id in departments:
            held[dep_id] = DepartmentMaterial(dep_id, departments[dep_id].name, ROLE_UNASSIGNED)
            order[dep_id] = (10, 0, dep_id)

    ordered = sorted(held.values(), key=lambda d: order[d.department_id])
    for d in ordered:
        sub = submissions.get(d.department_id)
        if sub is not None:
            d.submission_id = sub.submission_id
            d.received_at = sub.received_at
            d.entries = entries.get((task.id, d.department_id), [])

    indicators = []
    for ind in task.indicators:
        values = [
            ReportedValue(d.name, e.value, meaningful(e.value_text))
            for d in ordered
            for e in d.entries
            if e.indicator_id == ind.id and (e.value is not None or meaningful(e.value_text))
        ]
        indicators.append(
            IndicatorResult(
                ind.id, task.id, ind.text, ind.subject, ind.comparison, ind.value, ind.unit, values
            )
        )
    return TaskMaterial(
        task_id=task.id,
        position=task.position,
        section_id=task.section_id,
        label=task.label,
        title=task.title,
        text=task.text,
        deadline=task.deadline,
        deadline_text=task.deadline_text,
        # Read in another statement: a task added meanwhile (a server database) has none.
        status=figures.status if figures else STATUS_NOT_REPORTED,
        progress=figures.progress if figures else None,
        departments=ordered,
        indicators=indicators,
    )


def _department_report(
    department: Department, sub: CurrentSubmission | None, period: ReportingPeriod
) -> DepartmentReport:
    if sub is None:
        return DepartmentReport(department.id, department.name)
    received_on = local_date(sub.received_at)
    return DepartmentReport(
        department.id,
        department.name,
        submission_id=sub.submission_id,
        received_at=sub.received_at,
        received_on=received_on,
        late=received_on > period.due_date,
        reporter=sub.reporter,
        phone=sub.phone,
    )
