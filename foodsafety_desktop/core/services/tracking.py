"""Tracking submissions (报送情况): the departments × periods matrix and 催报.

States of one department in one period (``status_matrix``):

- 已报: a current submission received on or before the due date with every row answered;
- 逾期报送: received after the due date (local date), every row answered;
- 部分报送: a current submission that answers fewer rows than the template has
  (late or not; ``late`` says which);
- 未报: no submission and the due date has passed;
- 待报: no submission and the due date has not come yet (not yet a failure, so it is
  not counted as 未报 and not named in a 催报);
- 退回修改: the current submission was returned for rework (``services.returns``): not
  finally reported until the corrected file replaces it, chased in the 催报 text with
  its own sentence (``returned_departments``).  Its answers still count in the period's
  figures (``period_status``); ``late`` says whether the returned file came late.

A corrected workbook that replaced one returned for rework counts as received when the
returned one was (``counted_receipt``): the office asked for the rework, so a unit that
reported on time and corrected what it was asked to is not late.

The departments are the plan's reporting units (``reporting_units``): a group's
members, never the group; the office (食安办) only when the clerk includes it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from foodsafety_desktop.core.dates import cn_date, local_date
from foodsafety_desktop.core.services.office import Office, office_for
from foodsafety_desktop.core.services.periods import get_period
from foodsafety_desktop.core.services.reporting_units import reporting_units
from foodsafety_desktop.core.services.templates import PeriodTemplates
from foodsafety_desktop.core.storage.models import (
    Department,
    Plan,
    ReportingPeriod,
    Submission,
)
from foodsafety_desktop.core.titles import plan_reference, progress

STATE_REPORTED = "已报"
STATE_LATE = "逾期报送"
STATE_PARTIAL = "部分报送"
STATE_MISSING = "未报"
STATE_PENDING = "待报"
STATE_RETURNED = "退回修改"
STATES = (
    STATE_REPORTED, STATE_LATE, STATE_PARTIAL, STATE_RETURNED, STATE_MISSING, STATE_PENDING,
)  # fmt: skip


@dataclass
class MatrixCell:
    """One department in one period."""

    state: str
    submission_id: int | None = None
    received_at: dt.datetime | None = None  # naive UTC, as stored
    received_on: dt.date | None = None  # local date (compared with the due date)
    late: bool = False
    answered_rows: int = 0  # rows with a status or any text
    expected_rows: int = 0
    submission_count: int = 0  # all submissions of the period (history included)


@dataclass
class Matrix:
    """Departments (rows) × periods (columns) of one plan."""

    plan_id: int
    periods: list[ReportingPeriod]
    departments: list[Department]
    cells: dict[tuple[int, int], MatrixCell] = field(default_factory=dict)  # (dept, period)
    # Groups without members, the office left out: ``ReportingUnits.warnings``.
    warnings: list[str] = field(default_factory=list)

    def cell(self, department_id: int, period_id: int) -> MatrixCell:
        return self.cells[(department_id, period_id)]

    def counts(self, period_id: int) -> dict[str, int]:
        out = dict.fromkeys(STATES, 0)
        for department in self.departments:
            out[self.cells[(department.id, period_id)].state] += 1
        return out


# (received_at, replaced_submission_id, returned_at) of a submission, by id
History = dict[int, tuple[dt.datetime, int | None, dt.datetime | None]]


def counted_receipt(
    received_at: dt.datetime, replaced_id: int | None, history: History
) -> dt.datetime:
    """When a submission counts as received: its own receipt, or that of the earliest
    workbook of the chain it corrects (the ones returned for rework it replaced)."""
    counted = received_at
    seen: set[int] = set()
    while replaced_id is not None and replaced_id in history and replaced_id not in seen:
        seen.add(replaced_id)
        earlier_at, earlier_replaced, returned_at = history[replaced_id]
        if returned_at is None:
            break
        counted = min(counted, earlier_at)
        replaced_id = earlier_replaced
    return counted


def _cell(
    period: ReportingPeriod,
    submissions: list[Submission],
    expected: int,
    today: dt.date,
) -> MatrixCell:
    current = [s for s in submissions if s.is_current]
    if not current:
        state = STATE_MISSING if today > period.due_date else STATE_PENDING
        return MatrixCell(state, expected_rows=expected, submission_count=len(submissions))
    sub = max(current, key=lambda s: (s.received_at, s.id))
    received_on = local_date(sub.received_at)
    history = {s.id: (s.received_at, s.replaced_submission_id, s.returned_at) for s in submissions}
    late = (
        local_date(counted_receipt(sub.received_at, sub.replaced_submission_id, history))
        > period.due_date
    )
    answered = sum(
        1
        for e in sub.entries
        if e.status
        or e.value_text
        or any(getattr(e, k) for k in ("measures", "data", "examples", "problems", "next_steps"))
    )
    state = STATE_PARTIAL if answered < expected else STATE_LATE if late else STATE_REPORTED
    if sub.returned_at is not None:
        state = STATE_RETURNED
    return MatrixCell(
        state,
        submission_id=sub.id,
        received_at=sub.received_at,
        received_on=received_on,
        late=late,
        answered_rows=answered,
        expected_rows=expected,
        submission_count=len(submissions),
    )


def status_matrix(session: Session, plan_id: int, *, today: dt.date | None = None) -> Matrix:
    """The plan's departments (those that get a template) × its periods (by due date)."""
    today = today or dt.date.today()
    periods = list(
        session.scalars(
            select(ReportingPeriod)
            .where(ReportingPeriod.plan_id == plan_id)
            .order_by(ReportingPeriod.due_date, ReportingPeriod.position, ReportingPeriod.id)
        )
    )
    units = reporting_units(session, plan_id)
    departments = units.departments
    matrix = Matrix(
        plan_id=plan_id, periods=periods, departments=departments, warnings=units.warnings
    )
    if not periods:
        return matrix
    submissions: dict[tuple[int, int], list[Submission]] = {}
    # Entries loaded with the submissions: one query instead of one per cell.
    for sub in session.scalars(
        select(Submission)
        .where(Submission.period_id.in_([p.id for p in periods]))
        .options(selectinload(Submission.entries))
    ):
        submissions.setdefault((sub.department_id, sub.period_id), []).append(sub)
    templates = PeriodTemplates(session, periods[0].id)  # the plan read once
    for department in departments:
        # The rows a department holds do not depend on the period.
        expected = len(templates.rows(department.id))
        for period in periods:
            matrix.cells[(department.id, period.id)] = _cell(
                period, submissions.get((department.id, period.id), []), expected, today
            )
    return matrix


def missing_departments(session: Session, period_id: int) -> list[Department]:
    """Departments expected for the period without a current submission (in template order)."""
    period = get_period(session, period_id)
    reported = set(
        session.scalars(
            select(Submission.department_id).where(
                Submission.period_id == period_id, Submission.is_current.is_(True)
            )
        )
    )
    units = reporting_units(session, period.plan_id).departments
    return [d for d in units if d.id not in reported]


def returned_departments(session: Session, period_id: int) -> list[Department]:
    """Departments whose current submission of the period is returned for rework
    (退回修改), in template order."""
    period = get_period(session, period_id)
    returned = set(
        session.scalars(
            select(Submission.department_id).where(
                Submission.period_id == period_id,
                Submission.is_current.is_(True),
                Submission.returned_at.is_not(None),
            )
        )
    )
    if not returned:
        return []
    units = reporting_units(session, period.plan_id).departments
    return [d for d in units if d.id in returned]


def reminder_text(session: Session, period_id: int, *, today: dt.date | None = None) -> str:
    """A short 催报 message to paste into WeChat: who, which period, the due date, contact.

    Units whose workbook was returned (退回修改) are asked, in a sentence of their own,
    to send the corrected one."""
    today = today or dt.date.today()
    period = get_period(session, period_id)
    plan = session.get(Plan, period.plan_id)
    office = office_for(session, plan)
    missing = missing_departments(session, period_id)
    subject = f"{plan_reference(plan.title) if plan else ''}{progress(period.name)}"
    returned = returned_departments(session, period_id)
    if returned:
        contact = office.contact_text()
        tail = f"（{contact}）" if contact else ""
        again = (
            f"以下{len(returned)}个单位的报送表已退回修改：{'、'.join(d.name for d in returned)}。"
            f"请按退回意见修改后，将更正后的报送表发送至{office.name}{tail}。"
        )
        if not missing:
            return f"【{office.name}催报】{subject}报送表{again}"
        return _missing_text(period, office, missing, subject, today) + again
    if not missing:
        return f"【{office.name}】{subject}报送表各单位均已报送，感谢支持！"
    return _missing_text(period, office, missing, subject, today)


def _missing_text(
    period: ReportingPeriod,
    office: Office,
    missing: list[Department],
    subject: str,
    today: dt.date,
) -> str:
    """The 催报 sentences for the units that have not reported."""
    if today > period.due_date:
        deadline = (
            f"报送截止日期为{cn_date(period.due_date)}，已逾期{(today - period.due_date).days}天"
        )
        ask = "请尽快报送"
    else:
        deadline = f"报送截止日期为{cn_date(period.due_date)}"
        ask = "请于截止日期前报送"
    names = "、".join(d.name for d in missing)
    contact = office.contact_text()
    tail = f"（{contact}）" if contact else ""
    return (
        f"【{office.name}催报】{subject}{deadline}。截至{cn_date(today)}，以下"
        f"{len(missing)}个单位尚未报送：{names}。{ask}，将填好的报送表发送至{office.name}{tail}。"
    )


# --- what the reporting windows show -------------------------------------------------


@dataclass
class ReportingOverview:
    """Everything the 报送管理 window shows for one plan, read in one unit of work."""

    plan_title: str
    periods: list  # periods.PeriodRow
    matrix: Matrix
    file_names: dict[int, str]  # submission id -> the returned workbook's file name

    @property
    def warnings(self) -> list[str]:
        """Groups without members and the office left out, for the window to show."""
        return self.matrix.warnings


def reporting_overview(session: Session, plan_id: int) -> ReportingOverview:
    from foodsafety_desktop.core.services.periods import list_periods

    plan = session.get(Plan, plan_id)
    matrix = status_matrix(session, plan_id)
    ids = [c.submission_id for c in matrix.cells.values() if c.submission_id]
    query = select(Submission.id, Submission.source_name).where(Submission.id.in_(ids))
    names = dict(session.execute(query).all()) if ids else {}
    return ReportingOverview(
        plan_title=plan.title if plan else "",
        periods=list_periods(session, plan_id),
        matrix=matrix,
        file_names=names,
    )


def current_submission_ids(session: Session, period_id: int) -> set[int]:
    """The submissions that count now in ``period_id`` (the latest of each department)."""
    return set(
        session.scalars(
            select(Submission.id).where(
                Submission.period_id == period_id, Submission.is_current.is_(True)
            )
        )
    )


def new_material(session: Session, period_id: int, known: set[int]) -> list[str]:
    """Departments whose current submission of the period is not among ``known``, in the
    order they arrived; a resubmission is marked （重新报送）."""
    fresh = current_submission_ids(session, period_id) - known
    rows = session.execute(
        select(Department.name, Submission.replaced_submission_id)
        .join(Department, Department.id == Submission.department_id)
        .where(Submission.id.in_(fresh))
        .order_by(Submission.received_at, Submission.id)
    ).all()
    return [name + ("（重新报送）" if replaced else "") for name, replaced in rows]
