"""Where the work stands (概况): progress of the plan and its parts, the departments, the
quantitative targets over the year, a red/yellow/green light per task, and warnings.

The rules:

- **Statuses** are the period's (``period_status.period_figures``), never ``Task.status``.
  Without ``period_id`` the period is the plan's latest one whose due date has passed,
  else its first; a plan without periods has every task 未报送 and every unit 待报.
  Tasks an updated plan dropped (``Task.removed_at``) are left out.
- **Parts**: the top sections holding tasks; when there is a single one, the sections
  one level below it (its tasks outside those form a part of their own, titled by the
  top section).  Tasks without a section are the part 其他任务 (``section_id`` None).
- **Lights**: 红 when the task is overdue (deadline before the day of the lights, status
  not 已完成) or its status is 滞后; 黄 when not 已完成 and the deadline is within
  ``warning_days`` from that day (that day included); else 绿.  A task without a
  deadline is 红 only when 滞后.  The day is today, unless a later period of the plan is
  already due: then the period is history and its lights are as of its due date
  (``Overview.as_of``).  The status is the period's; a task nobody reported on in the
  period keeps the status of the latest earlier period that has one (a task 已完成 in
  the third quarter is not red in a fourth quarter nobody has reported on yet).
- **Departments** are the plan's reporting units (``reporting_units``, plan order).  A
  unit holds a task directly or as a member of a group holding it (any role); it leads
  it through a 牵头 assignment of its own or of a group.  ``state`` is the tracking state
  of the period (the rule of ``tracking.status_matrix``, read for all units at once).
  Over the plan's periods due on or before this period's due date, a current submission
  received by the due date (local date) is on time, one received after it late, none
  after the due date missing (a period not yet due with nothing received counts in none
  of the three; 部分报送 counts as on time or late by its date).
- **Targets** (指标 with a target value; an indicator without a number is left out):
  a *rate* (最新) when the unit is % / ‰ / 个百分点, contains "/" (批次/千人, 学时/年: a
  density of the whole year, reported as the figure so far) or the text or subject says
  率 / 覆盖 / 占比 / 比例 / 比重 / 合格 / 达标; the latest reported value counts.  Else a
  *count* (累计: 批次, 家, 次, 人, 件 …): the values of the year's periods add up.  The
  year's periods are those of the plan with the period's year (due date's year when
  unset), up to this one in due-date order; one-off periods (专项) only when it is the
  period itself.  A period whose 统计时段 covers earlier ones' (半年, 年度) reports a
  running total: its value replaces theirs.  In a period the value that counts is the
  lead's, else the first number given (``material.IndicatorResult.reported``).
- **Verdict**: 已达标 when the year-to-date figure meets the target by its comparison
  (≤ / < are met while within the bound); a count not yet met is 进度正常 when it is at
  least the target × the elapsed share of the year at the period's end date (else its
  due date), else 可能未达标; a rate not met is 可能未达标; no value at all is 未报送.
- **Warnings** (every plan not archived): tasks not 已完成 due within the warning days,
  overdue tasks, and periods due within the warning days with units not yet reported.
  A plan whose last period due date and last task deadline are more than
  ``ENDED_PLAN_DAYS`` past is over: it warns of nothing (archive it to hide it).

Reading one plan takes a fixed number of queries (tasks, sections, assignments,
indicators, the year's values, the submissions' states and the units' expected rows in
one query or a few each; ``period_figures``; ``reporting_units``), never one per task or
per department.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from foodsafety_desktop.core.dates import cn_date
from foodsafety_desktop.core.errors import UserError
from foodsafety_desktop.core.services.period_status import (
    STATUS_NOT_REPORTED,
    period_figures,
    status_counts,
)
from foodsafety_desktop.core.services.settings import day_setting, set_day_setting
from foodsafety_desktop.core.services.templates import ROLE_RANK
from foodsafety_desktop.core.storage.models import (
    PERIOD_ONCE,
    ROLE_LEAD,
    Assignment,
    Department,
    GroupMember,
    Indicator,
    Plan,
    ReportingPeriod,
    Section,
    Submission,
    SubmissionEntry,
    Task,
)
from foodsafety_desktop.core.terms import STATUS_BEHIND, STATUS_DONE

LIGHT_RED, LIGHT_YELLOW, LIGHT_GREEN = "红", "黄", "绿"
LIGHTS = (LIGHT_RED, LIGHT_YELLOW, LIGHT_GREEN)

WARNING_DAYS = "warning_days"  # setting: days ahead a deadline or a due date is announced
DEFAULT_WARNING_DAYS = 15
MIN_WARNING_DAYS, MAX_WARNING_DAYS = 1, 90

KIND_COUNT = "累计"
KIND_RATE = "最新"

VERDICT_MET = "已达标"
VERDICT_ON_TRACK = "进度正常"
VERDICT_AT_RISK = "可能未达标"
VERDICT_NO_DATA = "未报送"
VERDICTS = (VERDICT_MET, VERDICT_ON_TRACK, VERDICT_AT_RISK, VERDICT_NO_DATA)

WARN_TASK_DUE = "task_due"
WARN_TASK_OVERDUE = "task_overdue"
WARN_PERIOD_DUE = "period_due"

ENDED_PLAN_DAYS = 90
OTHER_PART = "其他任务"  # the part of the tasks without a section
WARNING_NAMES = 5  # tasks named in one warning line before "等"

_RATE_UNITS = ("%", "％", "‰", "个百分点")
_RATE_WORDS = re.compile(r"率|覆盖|占比|比例|比重|合格|达标")


# --- the setting ------------------------------------------------------------------------


def warning_days(session: Session) -> int:
    """Days ahead a task's deadline or a period's due date is warned of (default 15)."""
    return day_setting(
        session, WARNING_DAYS, DEFAULT_WARNING_DAYS, MIN_WARNING_DAYS, MAX_WARNING_DAYS
    )


def set_warning_days(session: Session, days: int, *, user: str) -> bool:
    """Set the warning days; audited.  False when it was already ``days``; UserError
    outside 1…90."""
    return set_day_setting(
        session,
        WARNING_DAYS,
        days,
        default=DEFAULT_WARNING_DAYS,
        low=MIN_WARNING_DAYS,
        high=MAX_WARNING_DAYS,
        label="到期预警天数",
        user=user,
    )


# --- the result -------------------------------------------------------------------------


@dataclass
class PartProgress:
    """One part of the plan (or the whole plan): tasks per period status."""

    title: str
    section_id: int | None  # None for the whole plan / the tasks without a section
    counts: dict[str, int]  # every status of PERIOD_STATUS_ORDER, 0 included
    total: int

    @property
    def done_share(self) -> float:
        return self.counts.get(STATUS_DONE, 0) / self.total if self.total else 0.0


@dataclass
class DepartmentProgress:
    """A reporting unit: what it holds, its reporting record, how much of it is done."""

    department_id: int
    name: str
    tasks: int  # tasks it holds (any role) in the plan
    tasks_led: int
    state: str  # tracking state in the period: 已报/逾期报送/部分报送/退回修改/未报/待报
    periods_on_time: int  # of the periods due on or before this period's due date
    periods_late: int
    periods_missing: int
    done: int  # tasks it holds whose period status is 已完成

    @property
    def done_share(self) -> float:
        return self.done / self.tasks if self.tasks else 0.0


@dataclass
class TargetValue:
    """The value of a target that counts in one period."""

    period_id: int
    period_name: str
    value: float | None


@dataclass
class TargetProgress:
    """A quantitative target over the year up to the period, and its verdict."""

    indicator_id: int
    task_id: int
    task_label: str
    text: str  # the indicator as written
    comparison: str  # ≥ ≤ = > <
    target: float | None
    unit: str | None
    kind: str  # KIND_COUNT or KIND_RATE
    values: list[TargetValue]  # the year's periods up to this one, by due date
    year_to_date: float | None
    verdict: str
    rule: str  # the rule in Chinese, printed under the table
    expected: float | None = None  # a count's share of the target due by now

    @property
    def target_text(self) -> str:
        if self.target is None:
            return self.text
        return f"{self.comparison}{format_number(self.target)}{self.unit or ''}"

    @property
    def year_to_date_text(self) -> str:
        if self.year_to_date is None:
            return ""
        return format_number(self.year_to_date) + (self.unit or "")


@dataclass
class TaskLight:
    """A task's light (红/黄/绿) and why."""

    task_id: int
    label: str
    title: str  # short title
    section_title: str | None
    lead: str  # lead department names joined with 、
    deadline: dt.date | None
    status: str  # the task's status in the period (period_status), never Task.status
    light: str
    reason: str  # "已逾期12天" / "滞后" / "距完成时限还有5天" / ""


@dataclass
class Overview:
    """The 概况 of one plan as of one period."""

    plan_id: int
    plan_title: str
    period_id: int | None
    period_name: str | None
    as_of: dt.date  # today
    warning_days: int
    plan: PartProgress
    parts: list[PartProgress]
    departments: list[DepartmentProgress]
    targets: list[TargetProgress]
    lights: list[TaskLight]
    due_date: dt.date | None = None  # the period's
    elapsed_share: float | None = None  # of the period's year at its end date

    def light_counts(self) -> dict[str, int]:
        counts = dict.fromkeys(LIGHTS, 0)
        for light in self.lights:
            counts[light.light] += 1
        return counts

    def verdict_counts(self) -> dict[str, int]:
        counts = dict.fromkeys(VERDICTS, 0)
        for target in self.targets:
            counts[target.verdict] += 1
        return counts


@dataclass
class Warning:
    """One line of the warnings (预警)."""

    kind: str  # WARN_TASK_DUE, WARN_TASK_OVERDUE, WARN_PERIOD_DUE
    text: str
    plan_id: int
    task_ids: list[int] = field(default_factory=list)
    period_id: int | None = None
    departments: list[str] = field(default_factory=list)  # period_due: not yet reported


# --- rules as functions -----------------------------------------------------------------


def format_number(value: float) -> str:
    """95.0 → "95", 98.60 → "98.6"."""
    return f"{value:.4f}".rstrip("0").rstrip(".") if value != int(value) else str(int(value))


def compare(value: float, comparison: str, target: float) -> bool:
    """``value`` meets ``target`` under ``comparison`` (≥ ≤ = > <; unknown → ≥): the one
    rule of every report and the 概况."""
    eps = 1e-9
    if comparison == "≤":
        return value <= target + eps
    if comparison == "<":
        return value < target
    if comparison == ">":
        return value > target
    if comparison == "=":
        return abs(value - target) <= eps
    return value >= target - eps


def task_light(status: str, deadline: dt.date | None, today: dt.date, days: int) -> tuple[str, str]:
    """(light, reason) of a task with ``status`` in the period (see the module's rules)."""
    done = status == STATUS_DONE
    if deadline is not None and not done and deadline < today:
        return LIGHT_RED, f"已逾期{(today - deadline).days}天"
    if status == STATUS_BEHIND:
        return LIGHT_RED, STATUS_BEHIND
    if deadline is not None and not done and (deadline - today).days <= days:
        left = (deadline - today).days
        return LIGHT_YELLOW, "今天到期" if left == 0 else f"距完成时限还有{left}天"
    return LIGHT_GREEN, ""


def target_kind(text: str, subject: str | None, unit: str | None) -> str:
    """KIND_RATE (the latest value counts) or KIND_COUNT (values add up)."""
    unit = (unit or "").strip()
    if unit in _RATE_UNITS or "/" in unit or "／" in unit:
        return KIND_RATE
    if _RATE_WORDS.search(subject or "") or _RATE_WORDS.search(text or ""):
        return KIND_RATE
    return KIND_COUNT


def elapsed_share(day: dt.date) -> float:
    """The share of ``day``'s year that has passed at the end of ``day``."""
    start = dt.date(day.year, 1, 1)
    length = (dt.date(day.year + 1, 1, 1) - start).days
    return min(1.0, max(0.0, ((day - start).days + 1) / length))


def _is_upper_bound(comparison: str) -> bool:
    return comparison in ("≤", "<")


def verdict(
    kind: str,
    comparison: str,
    target: float | None,
    year_to_date: float | None,
    share: float,
) -> tuple[str, float | None]:
    """(verdict, the count expected by now or None) by the module's rules."""
    if year_to_date is None:
        return VERDICT_NO_DATA, None
    if target is None:
        return VERDICT_ON_TRACK, None
    if compare(year_to_date, comparison, target):
        return VERDICT_MET, None
    if kind == KIND_RATE or _is_upper_bound(comparison):
        return VERDICT_AT_RISK, None
    expected = target * share
    if year_to_date >= expected - 1e-9:
        return VERDICT_ON_TRACK, expected
    return VERDICT_AT_RISK, expected


def rule_text(kind: str, comparison: str, progress_day: dt.date) -> str:
    """The rule in Chinese, as printed under the targets table."""
    if kind == KIND_RATE:
        if _is_upper_bound(comparison):
            return "比率类指标取最新一期的报送值，不超过目标即为达标"
        return "比率类指标取最新一期的报送值与目标比较，未达到目标即为可能未达标"
    if _is_upper_bound(comparison):
        return "累计值不超过目标即为达标"
    pct = round(elapsed_share(progress_day) * 100)
    return (
        f"累计值按序时进度（截至{progress_day.month}月{progress_day.day}日，全年的{pct}%）"
        "与目标比较"
    )


# --- reading ----------------------------------------------------------------------------


@dataclass
class _TaskRow:
    id: int
    position: int
    section_id: int | None
    label: str
    title: str
    deadline: dt.date | None


@dataclass
class _PlanData:
    """What both the overview and the warnings read of a plan."""

    plan: Plan
    periods: list[ReportingPeriod]
    period: ReportingPeriod | None
    tasks: list[_TaskRow]
    statuses: dict[int, str]  # task id → period status
    leads: dict[int, list[str]]  # task id → lead department names, plan order


def _periods(session: Session, plan_id: int) -> list[ReportingPeriod]:
    return list(
        session.scalars(
            select(ReportingPeriod)
            .where(ReportingPeriod.plan_id == plan_id)
            .order_by(ReportingPeriod.due_date, ReportingPeriod.position, ReportingPeriod.id)
        )
    )


def default_period(
    periods: list[ReportingPeriod], today: dt.date, reported: Collection[int] = ()
) -> ReportingPeriod | None:
    """The period the 概况 opens on: the latest one that has submissions (``reported``:
    ids of periods with a current submission), else the latest whose due date has
    passed, else the first (by due date).  A plan of an earlier year opens on its last
    reported round, not on an empty later one."""
    with_data = [p for p in periods if p.id in reported]
    if with_data:
        return with_data[-1]
    passed = [p for p in periods if p.due_date < today]
    if passed:
        return passed[-1]
    return periods[0] if periods else None


def _short_title(title: str | None) -> str:
    return (title or "").strip().rstrip("。．.；;")


def _plan_data(
    session: Session, plan: Plan, period_id: int | None, today: dt.date
) -> tuple[_PlanData, list[tuple[int, int, str, int, str]]]:
    periods = _periods(session, plan.id)
    if period_id is None:
        reported = set(
            session.scalars(
                select(Submission.period_id)
                .where(
                    Submission.period_id.in_([p.id for p in periods]),
                    Submission.is_current.is_(True),
                )
                .distinct()
            )
        )
        period = default_period(periods, today, reported)
    else:
        period = next((p for p in periods if p.id == period_id), None)
        if period is None:
            raise UserError(f"工作方案“{plan.title}”没有编号为{period_id}的报送期次。")
    tasks = [
        _TaskRow(*row)
        for row in session.execute(
            select(Task.id, Task.position, Task.section_id, Task.label, Task.title, Task.deadline)
            .where(Task.plan_id == plan.id, Task.removed_at.is_(None))
            .order_by(Task.position, Task.id)
        )
    ]
    if period is not None:
        figures = period_figures(session, period.id).tasks
        statuses = {
            t.id: figures[t.id].status if t.id in figures else STATUS_NOT_REPORTED for t in tasks
        }
    else:
        statuses = {t.id: STATUS_NOT_REPORTED for t in tasks}
    # (task, department, role, assignment position, name), plan order.
    assignments = [
        (task_id, department_id, role, position, name)
        for task_id, department_id, role, position, name in session.execute(
            select(
                Assignment.task_id,
                Assignment.department_id,
                Assignment.role,
                Assignment.position,
                Department.name,
            )
            .join(Task, Task.id == Assignment.task_id)
            .join(Department, Department.id == Assignment.department_id)
            .where(Task.plan_id == plan.id)
            .order_by(Task.position, Assignment.position, Assignment.id)
        )
    ]
    leads: dict[int, list[str]] = {}
    for task_id, _dep, role, _pos, name in assignments:
        if role == ROLE_LEAD and name not in leads.setdefault(task_id, []):
            leads[task_id].append(name)
    data = _PlanData(plan, periods, period, tasks, statuses, leads)
    return data, assignments


def _get_plan(session: Session, plan_id: int) -> Plan:
    plan = session.get(Plan, plan_id)
    if plan is None:
        raise UserError(f"找不到编号为{plan_id}的工作方案。")
    return plan


def overview(
    session: Session, plan_id: int, period_id: int | None = None, *, today: dt.date | None = None
) -> Overview:
    """The 概况 of the plan as of the period (see the module's rules)."""
    today = today or dt.date.today()
    plan = _get_plan(session, plan_id)
    data, assignments = _plan_data(session, plan, period_id, today)
    days = warning_days(session)
    period = data.period

    sections = {
        s.id: s
        for s in session.scalars(
            select(Section).where(Section.plan_id == plan.id).order_by(Section.position)
        )
    }
    parts, part_of = _parts(sections, data.tasks)
    part_progress = [
        PartProgress(
            title,
            section_id,
            status_counts(data.statuses[t.id] for t in data.tasks if part_of[t.id] == key),
            sum(1 for t in data.tasks if part_of[t.id] == key),
        )
        for key, (title, section_id) in parts.items()
    ]
    whole = PartProgress(plan.title, None, status_counts(data.statuses.values()), len(data.tasks))

    light_day = today
    if period is not None and any(
        p.due_date > period.due_date and p.due_date <= today for p in data.periods
    ):
        light_day = min(today, period.due_date)  # a past round, lit as it stood
    known = _carried_statuses(session, data)
    lights = []
    for t in data.tasks:
        status = data.statuses[t.id]
        light, reason = task_light(known.get(t.id, status), t.deadline, light_day, days)
        title = parts[part_of[t.id]][0] if part_of[t.id] is not None else None
        lights.append(
            TaskLight(
                t.id,
                t.label,
                _short_title(t.title),
                title,
                "、".join(data.leads.get(t.id, [])),
                t.deadline,
                status,
                light,
                reason,
            )
        )

    members = _group_members(session)
    departments = _departments(session, data, assignments, members, today)
    targets, share = _targets(session, data, assignments, members)
    return Overview(
        plan_id=plan.id,
        plan_title=plan.title,
        period_id=period.id if period else None,
        period_name=period.name if period else None,
        as_of=light_day,
        warning_days=days,
        plan=whole,
        parts=part_progress,
        departments=departments,
        targets=targets,
        lights=lights,
        due_date=period.due_date if period else None,
        elapsed_share=share,
    )


def year_targets(session: Session, plan_id: int, period_id: int) -> list[TargetProgress]:
    """The targets of ``overview`` alone (the 工作总结's 附件2): the same figures and
    verdicts, without the lights and the units' states."""
    plan = _get_plan(session, plan_id)
    data, assignments = _plan_data(session, plan, period_id, dt.date.today())
    return _targets(session, data, assignments, _group_members(session))[0]


def _group_members(session: Session) -> dict[int, list[int]]:
    """Group id → its members' ids."""
    members: dict[int, list[int]] = {}
    for group_id, member_id in session.execute(
        select(GroupMember.group_id, GroupMember.member_id).order_by(GroupMember.id)
    ):
        members.setdefault(group_id, []).append(member_id)
    return members


def _carried_statuses(session: Session, data: _PlanData) -> dict[int, str]:
    """For the tasks 未报送 in the period: the status of the latest earlier period that
    has one (only periods before it, by due date; read until every task has one)."""
    period = data.period
    missing = {t.id for t in data.tasks if data.statuses[t.id] == STATUS_NOT_REPORTED}
    out: dict[int, str] = {}
    if period is None or not missing:
        return out
    earlier = [p for p in data.periods if p.due_date < period.due_date and p.id != period.id]
    for p in reversed(earlier):
        figures = period_figures(session, p.id).tasks
        for task_id in list(missing):
            f = figures.get(task_id)
            if f is not None and f.status != STATUS_NOT_REPORTED:
                out[task_id] = f.status
                missing.discard(task_id)
        if not missing:
            break
    return out


def _ended(data: _PlanData, today: dt.date) -> bool:
    """A plan whose periods and deadlines all lie more than ENDED_PLAN_DAYS back."""
    days = [p.due_date for p in data.periods] + [t.deadline for t in data.tasks if t.deadline]
    return bool(days) and max(days) < today - dt.timedelta(days=ENDED_PLAN_DAYS)


def _section_title(section: Section) -> str:
    return f"{section.label or ''}{section.title or ''}".strip()


def _parts(
    sections: dict[int, Section], tasks: list[_TaskRow]
) -> tuple[dict[int | None, tuple[str, int | None]], dict[int, int | None]]:
    """The parts (key → (title, section id)) in plan order and each task's part key."""

    def chain(section_id: int | None) -> list[int]:  # top first
        out: list[int] = []
        seen: set[int] = set()
        while section_id is not None and section_id in sections and section_id not in seen:
            seen.add(section_id)
            out.append(section_id)
            section_id = sections[section_id].parent_id
        return out[::-1]

    chains = {t.id: chain(t.section_id) for t in tasks}
    tops = {c[0] for c in chains.values() if c}
    single = len(tops) == 1
    part_of: dict[int, int | None] = {}
    for t in tasks:
        c = chains[t.id]
        if not c:
            part_of[t.id] = None
        elif single and len(c) > 1:
            part_of[t.id] = c[1]
        else:
            part_of[t.id] = c[0]
    keys = set(part_of.values())
    parts: dict[int | None, tuple[str, int | None]] = {}
    for section_id in sorted(
        (k for k in keys if k is not None), key=lambda k: (sections[k].position, k)
    ):
        parts[section_id] = (_section_title(sections[section_id]), section_id)
    if None in keys:
        parts[None] = (OTHER_PART, None)
    return parts, part_of


def _departments(
    session: Session,
    data: _PlanData,
    assignments: list[tuple[int, int, str, int, str]],
    members: dict[int, list[int]],
    today: dt.date,
) -> list[DepartmentProgress]:
    from foodsafety_desktop.core.services.reporting_units import reporting_units
    from foodsafety_desktop.core.services.tracking import (
        STATE_LATE,
        STATE_MISSING,
        STATE_PARTIAL,
        STATE_PENDING,
        STATE_REPORTED,
    )

    period = data.period
    units = reporting_units(session, data.plan.id).departments
    live = {t.id for t in data.tasks}
    held: dict[int, set[int]] = {}
    led: dict[int, set[int]] = {}
    for task_id, department_id, role, _pos, _name in assignments:
        if task_id not in live:
            continue
        for holder in (department_id, *members.get(department_id, ())):
            held.setdefault(holder, set()).add(task_id)
            if role == ROLE_LEAD:
                led.setdefault(holder, set()).add(task_id)
    due_periods = [p for p in data.periods if period is not None and p.due_date <= period.due_date]
    cells = _cells(session, data, due_periods, [u.id for u in units], members, today)
    out = []
    for unit in units:
        on_time = late = missing = 0
        state = STATE_PENDING
        if period is not None:
            state = cells[(unit.id, period.id)][0]
            for p in due_periods:
                cell_state, cell_late = cells[(unit.id, p.id)]
                if cell_state == STATE_MISSING:
                    missing += 1
                elif cell_state in (STATE_REPORTED, STATE_LATE, STATE_PARTIAL):
                    if cell_late:
                        late += 1
                    else:
                        on_time += 1
        tasks = held.get(unit.id, set())
        out.append(
            DepartmentProgress(
                department_id=unit.id,
                name=unit.name,
                tasks=len(tasks),
                tasks_led=len(led.get(unit.id, set())),
                state=state,
                periods_on_time=on_time,
                periods_late=late,
                periods_missing=missing,
                done=sum(1 for t in tasks if data.statuses.get(t) == STATUS_DONE),
            )
        )
    return out


def _cells(
    session: Session,
    data: _PlanData,
    periods: list[ReportingPeriod],
    department_ids: list[int],
    members: dict[int, list[int]],
    today: dt.date,
) -> dict[tuple[int, int], tuple[str, bool]]:
    """(department, period) → (tracking state, late) for ``periods``: the rule of
    ``tracking.status_matrix`` read in three queries for all departments at once (the
    matrix reads each department's template rows; ``tests/core/test_overview.py`` and
    the benchmark compare the two)."""
    from foodsafety_desktop.core.dates import local_date
    from foodsafety_desktop.core.services.tracking import (
        STATE_LATE,
        STATE_MISSING,
        STATE_PARTIAL,
        STATE_PENDING,
        STATE_REPORTED,
        STATE_RETURNED,
        History,
        counted_receipt,
    )

    out: dict[tuple[int, int], tuple[str, bool]] = {}
    if not periods or not department_ids:
        return out
    expected = expected_rows(session, data.plan.id, department_ids, members)
    latest: dict[tuple[int, int], tuple[dt.datetime, int]] = {}  # (dept, period) → (at, id)
    returned: set[int] = set()  # submissions returned for rework (退回修改)
    history: History = {}  # every submission, for the receipt of a corrected workbook
    for (
        sub_id,
        period_id,
        department_id,
        received_at,
        returned_at,
        replaced,
        current,
    ) in session.execute(
        select(
            Submission.id,
            Submission.period_id,
            Submission.department_id,
            Submission.received_at,
            Submission.returned_at,
            Submission.replaced_submission_id,
            Submission.is_current,
        ).where(Submission.period_id.in_([p.id for p in periods]))
    ):
        history[sub_id] = (received_at, replaced, returned_at)
        if not current:
            continue
        key = (department_id, period_id)
        if key not in latest or (received_at, sub_id) > latest[key]:
            latest[key] = (received_at, sub_id)
        if returned_at is not None:
            returned.add(sub_id)
    answered: dict[int, int] = {}
    chosen = [sub_id for _at, sub_id in latest.values()]
    for chunk in range(0, len(chosen), 500):
        for sub_id, *fields in session.execute(
            select(
                SubmissionEntry.submission_id,
                SubmissionEntry.status,
                SubmissionEntry.value_text,
                SubmissionEntry.measures,
                SubmissionEntry.data,
                SubmissionEntry.examples,
                SubmissionEntry.problems,
                SubmissionEntry.next_steps,
            ).where(SubmissionEntry.submission_id.in_(chosen[chunk : chunk + 500]))
        ):
            if any(fields):  # as tracking counts an answered row
                answered[sub_id] = answered.get(sub_id, 0) + 1
    for department_id in department_ids:
        for p in periods:
            found = latest.get((department_id, p.id))
            if found is None:
                out[(department_id, p.id)] = (
                    STATE_MISSING if today > p.due_date else STATE_PENDING,
                    False,
                )
                continue
            counted = counted_receipt(found[0], history[found[1]][1], history)
            late = local_date(counted) > p.due_date
            rows = answered.get(found[1], 0)
            state = (
                STATE_PARTIAL
                if rows < expected.get(department_id, 0)
                else STATE_LATE
                if late
                else STATE_REPORTED
            )
            if found[1] in returned:
                state = STATE_RETURNED
            out[(department_id, p.id)] = (state, late)
    return out


def expected_rows(
    session: Session,
    plan_id: int,
    department_ids: list[int],
    members: dict[int, list[int]],
) -> dict[int, int]:
    """Department → the rows of its template (``templates.template_rows``, counted the
    same way for all departments in three queries): one per (task, item) it holds
    directly or through a group — a task-level assignment covers the whole task — and
    one per indicator of a unit that has indicators.  As ``status_matrix``, the rows of
    the plan's first period (a task dropped before its due date is left out)."""
    from sqlalchemy import or_

    from foodsafety_desktop.core.excel.identity import squash
    from foodsafety_desktop.core.storage.models import TaskItem

    first_due = session.scalar(
        select(ReportingPeriod.due_date)
        .where(ReportingPeriod.plan_id == plan_id)
        .order_by(ReportingPeriod.due_date, ReportingPeriod.position, ReportingPeriod.id)
        .limit(1)
    )
    if first_due is None:
        return {}
    dropped_after = dt.datetime.combine(first_due + dt.timedelta(days=1), dt.time.min)
    held = session.execute(
        select(Assignment.task_id, Assignment.item_id, Assignment.department_id)
        .join(Task, Task.id == Assignment.task_id)
        .where(
            Task.plan_id == plan_id,
            or_(Task.removed_at.is_(None), Task.removed_at >= dropped_after),
        )
    ).all()
    items = dict(
        session.execute(
            select(TaskItem.id, TaskItem.text)
            .join(Task, Task.id == TaskItem.task_id)
            .where(Task.plan_id == plan_id)
        ).all()
    )
    indicators: dict[int, list[str]] = {}
    for task_id, text in session.execute(
        select(Indicator.task_id, Indicator.text)
        .join(Task, Task.id == Indicator.task_id)
        .where(Task.plan_id == plan_id)
    ):
        indicators.setdefault(task_id, []).append(squash(text))
    groups_of: dict[int, set[int]] = {}
    for group_id, member_ids in members.items():
        for member_id in member_ids:
            groups_of.setdefault(member_id, set()).add(group_id)
    by_holder: dict[int, list[tuple[int, int | None]]] = {}
    for task_id, item_id, department_id in held:
        by_holder.setdefault(department_id, []).append((task_id, item_id))
    out: dict[int, int] = {}
    for department_id in department_ids:
        units: set[tuple[int, int | None]] = set()
        for holder in (department_id, *groups_of.get(department_id, ())):
            units.update(by_holder.get(holder, ()))
        whole = {task_id for task_id, item_id in units if item_id is None}
        count = 0
        for task_id, item_id in units:
            if item_id is not None and task_id in whole:
                continue
            texts = indicators.get(task_id, [])
            if item_id is not None:
                body = squash(items.get(item_id, ""))
                texts = [t for t in texts if t in body]
            count += len(texts) or 1
        out[department_id] = count
    return out


def _year_periods(data: _PlanData) -> list[ReportingPeriod]:
    period = data.period
    if period is None:
        return []
    year = period.year or period.due_date.year
    return [
        p
        for p in data.periods
        if (p.year or p.due_date.year) == year
        and p.due_date <= period.due_date
        and (p.kind != PERIOD_ONCE or p.id == period.id)
    ]


def _span(p: ReportingPeriod) -> tuple[dt.date, dt.date]:
    year = p.year or p.due_date.year
    return (p.start_date or dt.date(year, 1, 1), p.end_date or p.due_date)


def year_to_date(
    kind: str, periods: list[ReportingPeriod], values: list[float | None]
) -> float | None:
    """The year's figure: the latest value (rate) or the sum (count), a period whose
    统计时段 covers earlier ones replacing their values (see the module's rules)."""
    given = [(p, v) for p, v in zip(periods, values, strict=True) if v is not None]
    if not given:
        return None
    if kind == KIND_RATE:
        return given[-1][1]
    kept: list[tuple[tuple[dt.date, dt.date], float]] = []
    for p, v in given:
        start, end = _span(p)
        kept = [(s, x) for s, x in kept if not (start <= s[0] and s[1] <= end)]
        kept.append(((start, end), v))
    return sum(x for _s, x in kept)


def _targets(
    session: Session,
    data: _PlanData,
    assignments: list[tuple[int, int, str, int, str]],
    members: dict[int, list[int]],
) -> tuple[list[TargetProgress], float | None]:
    live = {t.id: t for t in data.tasks}
    indicators = [
        i
        for i in session.scalars(
            select(Indicator)
            .join(Task, Task.id == Indicator.task_id)
            .where(Task.plan_id == data.plan.id, Indicator.value.is_not(None))
            .order_by(Task.position, Task.id, Indicator.position, Indicator.id)
        )
        if i.task_id in live
    ]
    periods = _year_periods(data)
    period = data.period
    progress_day = (period.end_date or period.due_date) if period else None
    share = elapsed_share(progress_day) if progress_day else None
    if not indicators:
        return [], share
    # Department order within a task: lead first, then 责任, 配合 (plan order), as
    # material orders a task's departments (a group's members take the group's role
    # and place); the first with a number counts.
    rank: dict[tuple[int, int], tuple[int, int]] = {}
    for task_id, department_id, role, position, _name in assignments:
        key = (ROLE_RANK.get(role, 9), position)
        for holder in (department_id, *members.get(department_id, ())):
            if (task_id, holder) not in rank or key < rank[(task_id, holder)]:
                rank[(task_id, holder)] = key
    values: dict[tuple[int, int], list[tuple[tuple[int, int], float]]] = {}
    if periods:
        rows = session.execute(
            select(
                SubmissionEntry.indicator_id,
                SubmissionEntry.task_id,
                SubmissionEntry.value,
                Submission.period_id,
                Submission.department_id,
                Submission.received_at,
                Submission.id,
            )
            .join(Submission, Submission.id == SubmissionEntry.submission_id)
            .where(
                Submission.period_id.in_([p.id for p in periods]),
                Submission.is_current.is_(True),
                SubmissionEntry.indicator_id.in_([i.id for i in indicators]),
                SubmissionEntry.value.is_not(None),
            )
            .order_by(Submission.received_at.desc(), Submission.id.desc(), SubmissionEntry.id)
        ).all()
        seen: set[tuple[int, int, int]] = set()  # a department's latest submission only
        for indicator_id, task_id, value, p_id, department_id, _at, _sub in rows:
            if indicator_id is None or value is None:
                continue  # excluded by the query; for the type checker
            if (indicator_id, p_id, department_id) in seen:
                continue
            seen.add((indicator_id, p_id, department_id))
            order = rank.get((task_id, department_id), (10, department_id))
            values.setdefault((indicator_id, p_id), []).append((order, float(value)))
    out = []
    for ind in indicators:
        task = live[ind.task_id]
        kind = target_kind(ind.text, ind.subject, ind.unit)
        by_period = [
            min(values[(ind.id, p.id)], key=lambda v: v[0])[1] if (ind.id, p.id) in values else None
            for p in periods
        ]
        ytd = year_to_date(kind, periods, by_period)
        judged, expected = verdict(kind, ind.comparison, ind.value, ytd, share or 1.0)
        out.append(
            TargetProgress(
                indicator_id=ind.id,
                task_id=task.id,
                task_label=task.label,
                text=ind.text,
                comparison=ind.comparison,
                target=ind.value,
                unit=ind.unit,
                kind=kind,
                values=[
                    TargetValue(p.id, p.name, v) for p, v in zip(periods, by_period, strict=True)
                ],
                year_to_date=ytd,
                verdict=judged,
                rule=rule_text(kind, ind.comparison, progress_day or dt.date.today()),
                expected=expected,
            )
        )
    return out, share


# --- warnings ---------------------------------------------------------------------------


def _task_names(data: _PlanData, ids: Iterable[int], extra: dict[int, str] | None = None) -> str:
    by_id = {t.id: t for t in data.tasks}
    ids = list(ids)
    names = [
        f"{by_id[i].label}{_short_title(by_id[i].title)}" + (extra or {}).get(i, "")
        for i in ids[:WARNING_NAMES]
    ]
    return "、".join(names) + ("等" if len(ids) > WARNING_NAMES else "")


def warnings(
    session: Session, *, today: dt.date | None = None, days: int | None = None
) -> list[Warning]:
    """The warnings of every plan not archived (see the module's rules), plan by plan:
    tasks due soon, overdue tasks, periods due soon with units not yet reported."""
    from foodsafety_desktop.core.services.tracking import missing_departments
    from foodsafety_desktop.core.titles import plan_reference

    today = today or dt.date.today()
    days = warning_days(session) if days is None else days
    plans = session.scalars(
        select(Plan).where(Plan.archived.is_(False)).order_by(Plan.imported_at.desc(), Plan.id)
    ).all()
    out: list[Warning] = []
    many = len(plans) > 1
    for plan in plans:
        data, _assignments = _plan_data(session, plan, None, today)
        if _ended(data, today):
            continue
        prefix = f"{plan_reference(plan.title)}：" if many else ""
        due, overdue = [], []
        for t in data.tasks:
            if t.deadline is None or data.statuses[t.id] == STATUS_DONE:
                continue
            if t.deadline < today:
                overdue.append(t)
            elif (t.deadline - today).days <= days:
                due.append(t)
        if overdue:
            late = {t.id: f"（逾期{(today - t.deadline).days}天）" for t in overdue if t.deadline}
            out.append(
                Warning(
                    WARN_TASK_OVERDUE,
                    f"{prefix}{len(overdue)}项任务已超过完成时限："
                    f"{_task_names(data, [t.id for t in overdue], late)}",
                    plan.id,
                    [t.id for t in overdue],
                )
            )
        if due:
            out.append(
                Warning(
                    WARN_TASK_DUE,
                    f"{prefix}{len(due)}项任务将在{days}天内到期："
                    f"{_task_names(data, [t.id for t in due])}",
                    plan.id,
                    [t.id for t in due],
                )
            )
        for p in data.periods:
            if not 0 <= (p.due_date - today).days <= days:
                continue
            missing = [d.name for d in missing_departments(session, p.id)]
            if not missing:
                continue
            when = "今天" if p.due_date == today else cn_date(p.due_date).split("年", 1)[1]
            out.append(
                Warning(
                    WARN_PERIOD_DUE,
                    f"{prefix}{p.name}报送将于{when}截止，还有{len(missing)}个单位未报送",
                    plan.id,
                    [],
                    p.id,
                    missing,
                )
            )
    return out
