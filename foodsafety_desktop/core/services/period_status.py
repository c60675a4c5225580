"""A period's figures (本期情况): each task's status and progress as of one reporting
period, computed from the current submissions of that period only.

The ledger's ``Task.status`` follows the latest period collected; a period's documents
(工作总结, 逐条报送表, 部门小结, their 附件) take their figures from :func:`period_figures`
instead, so a past period's documents read the same whatever is collected later.

The rules:

- each department's current submission of the period counts (one per department; if
  history ever left two, the latest received);
- a department answered a task when one of its rows for the task has a status, a value
  or a text that says something (``无`` / ``同上`` say nothing, see :func:`meaningful`);
- the task's status in the period is the status of the answer :func:`choose_answer`
  picks — the lead department's (牵头, directly or as a member of a lead group) when it
  gave one, else the most recently received one — the ledger's rule
  (``collect.refresh_tasks``) applied to this period's answers alone;
- answered, but nobody chose a 完成情况 → :data:`STATUS_UNSTATED`; nobody answered in
  the period → :data:`STATUS_NOT_REPORTED` (未报送), never 未启动 — also when the task was
  answered in an earlier period: a period's figures say what was reported for that
  period, and no later (or earlier) period changes them.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from foodsafety_desktop.core.services.periods import get_period
from foodsafety_desktop.core.storage.models import (
    ROLE_LEAD,
    Assignment,
    GroupMember,
    Submission,
    Task,
)
from foodsafety_desktop.core.terms import (
    STATUS_BEHIND,
    STATUS_DONE,
    STATUS_NOT_STARTED,
    STATUS_ON_SCHEDULE,
    combine_statuses,
)

# Not statuses of the ledger: what a period's documents say of a task without one.
STATUS_UNSTATED = "未填写完成情况"  # answered, but no row chose a 完成情况
STATUS_NOT_REPORTED = "未报送"  # nobody answered for the task in the period
# The order in which documents count and list a period's statuses (已完成 first).
PERIOD_STATUS_ORDER = (
    STATUS_DONE,
    STATUS_ON_SCHEDULE,
    STATUS_BEHIND,
    STATUS_NOT_STARTED,
    STATUS_UNSTATED,
    STATUS_NOT_REPORTED,
)
PROGRESS_CHARS = 200  # as the ledger's Task.progress

# Answers that say nothing (a department's 2nd row of a task is often "同上").
_EMPTY_ANSWERS = {"", "无", "暂无", "同上", "/", "-", "—", "——", "无。", "暂无。", "同上。"}
_TEXT_FIELDS = ("measures", "data", "examples", "problems", "next_steps")


def meaningful(text: str | None) -> str | None:
    """``text`` stripped, or None for empty answers such as 无 / 同上."""
    if text is None:
        return None
    text = re.sub(r"[ \t\u3000]+", " ", text.replace("\r\n", "\n")).strip()
    if text in _EMPTY_ANSWERS:
        return None
    return text


@dataclass
class EntryAnswer:
    """One stored row (SubmissionEntry) of a department for a task, as plain data."""

    item_id: int | None
    indicator_id: int | None
    status: str | None
    measures: str | None
    data: str | None
    examples: str | None
    problems: str | None
    next_steps: str | None
    value: float | None
    value_text: str | None


def says_something(entries: Iterable[EntryAnswer]) -> bool:
    """The rows answer the task: a status, a value or a meaningful text (a submission
    also stores the rows it left blank; "无"/"同上" say nothing)."""
    return any(
        e.status
        or e.value is not None
        or e.value_text
        or any(meaningful(getattr(e, name)) for name in _TEXT_FIELDS)
        for e in entries
    )


@dataclass
class DepartmentAnswer:
    """A department's rows of one task in its current submission of the period."""

    department_id: int
    department: str  # name
    submission_id: int
    received_at: dt.datetime  # naive UTC
    entries: list[EntryAnswer] = field(default_factory=list)

    @property
    def status(self) -> str | None:
        """Its rows combined (all 已完成 → 已完成, any 滞后 → 滞后, …; None when no row says)."""
        return combine_statuses(e.status for e in self.entries)

    @property
    def answered(self) -> bool:
        return says_something(self.entries)


class Answer(Protocol):
    """What :func:`choose_answer` weighs: whose answer, when received, its status."""

    @property
    def department_id(self) -> int: ...
    @property
    def submission_id(self) -> int: ...
    @property
    def received_at(self) -> dt.datetime: ...
    @property
    def status(self) -> str | None: ...


A = TypeVar("A", bound=Answer)


def choose_answer(answers: Sequence[A], leads: Collection[int]) -> A | None:
    """The answer that decides a task's status: the newest (received, then submission
    id) of a lead department that gave a status, else the newest that gave one, else
    the newest at all; None without answers."""
    if not answers:
        return None

    def rank(a: A) -> tuple[bool, bool, dt.datetime, int]:  # one pass, the best largest
        said = bool(a.status)
        return (said and a.department_id in leads, said, a.received_at, a.submission_id)

    return max(answers, key=rank)


def progress_text(label: str, measures: Iterable[str | None]) -> str | None:
    """``"{label}：{措施}"`` (label = 期次 + 单位) as the ledger shows progress, the
    measures de-duplicated and joined with "；", cut to 200 characters; None without
    measures."""
    texts = [m.strip() for m in measures if m and m.strip()]
    if not texts:
        return None
    text = f"{label}：{'；'.join(dict.fromkeys(texts))}"
    if len(text) > PROGRESS_CHARS:
        text = text[: PROGRESS_CHARS - 1] + "…"
    return text


def status_counts(statuses: Iterable[str]) -> dict[str, int]:
    """Tasks per status, in :data:`PERIOD_STATUS_ORDER` (every status present)."""
    counts = dict.fromkeys(PERIOD_STATUS_ORDER, 0)
    for status in statuses:
        counts[status] = counts.get(status, 0) + 1
    return counts


@dataclass
class TaskFigures:
    """One task as of the period."""

    task_id: int
    status: str  # a ledger status, STATUS_UNSTATED or STATUS_NOT_REPORTED
    progress: str | None = None  # the deciding answer's measures, as the ledger's progress
    decided_by: DepartmentAnswer | None = None
    answers: list[DepartmentAnswer] = field(default_factory=list)  # answered, as received

    @property
    def reported(self) -> bool:
        return self.status != STATUS_NOT_REPORTED


@dataclass
class CurrentSubmission:
    """A department's current submission of the period, its rows by task."""

    submission_id: int
    department_id: int
    department: str
    received_at: dt.datetime  # naive UTC
    reporter: str | None
    phone: str | None
    entries: dict[int, list[EntryAnswer]] = field(default_factory=dict)  # task id → rows


@dataclass
class PeriodFigures:
    """Every task of the plan as of one period (plan order), and the submissions read."""

    plan_id: int
    period_id: int
    period_name: str
    due_date: dt.date
    submissions: dict[int, CurrentSubmission]  # department id → current, as received
    tasks: dict[int, TaskFigures]  # task id → figures, plan order

    @property
    def status_counts(self) -> dict[str, int]:
        return status_counts(t.status for t in self.tasks.values())


def period_figures(session: Session, period_id: int) -> PeriodFigures:
    """Each task of the period's plan as of the period (see the module's rules), in five
    queries: the period, the plan's tasks, the period's current submissions with their
    departments, their rows, the lead departments."""
    period = get_period(session, period_id)
    task_ids = list(
        session.scalars(
            select(Task.id).where(Task.plan_id == period.plan_id).order_by(Task.position, Task.id)
        )
    )
    submissions: dict[int, CurrentSubmission] = {}
    for sub in session.scalars(
        select(Submission)
        .where(Submission.period_id == period_id, Submission.is_current.is_(True))
        .order_by(Submission.received_at, Submission.id)
        .options(selectinload(Submission.entries), joinedload(Submission.department))
    ):
        current = CurrentSubmission(
            sub.id,
            sub.department_id,
            sub.department.name,
            sub.received_at,
            sub.reporter,
            sub.phone,
        )
        for e in sub.entries:  # in id order (the relationship's order_by)
            current.entries.setdefault(e.task_id, []).append(
                EntryAnswer(
                    e.item_id,
                    e.indicator_id,
                    e.status,
                    e.measures,
                    e.data,
                    e.examples,
                    e.problems,
                    e.next_steps,
                    e.value,
                    e.value_text,
                )
            )
        # Ordered by receipt: the latest received of a department stays.
        submissions.pop(sub.department_id, None)
        submissions[sub.department_id] = current
    leads = lead_departments(session, period.plan_id)
    tasks: dict[int, TaskFigures] = {}
    for task_id in task_ids:
        answers = [
            DepartmentAnswer(
                sub.department_id, sub.department, sub.submission_id, sub.received_at, rows
            )
            for sub in submissions.values()
            if (rows := sub.entries.get(task_id))
        ]
        tasks[task_id] = _task_figures(
            task_id, [a for a in answers if a.answered], leads.get(task_id, set()), period.name
        )
    return PeriodFigures(
        plan_id=period.plan_id,
        period_id=period.id,
        period_name=period.name,
        due_date=period.due_date,
        submissions=submissions,
        tasks=tasks,
    )


def _task_figures(
    task_id: int, answers: list[DepartmentAnswer], leads: set[int], period_name: str
) -> TaskFigures:
    chosen = choose_answer(answers, leads)
    if chosen is None:
        return TaskFigures(task_id, STATUS_NOT_REPORTED)
    return TaskFigures(
        task_id,
        chosen.status or STATUS_UNSTATED,
        progress=progress_text(
            period_name + chosen.department, (e.measures for e in chosen.entries)
        ),
        decided_by=chosen,
        answers=answers,
    )


def lead_departments(session: Session, plan_id: int) -> dict[int, set[int]]:
    """Task id → its lead departments (牵头) and the members of lead groups."""
    rows = session.execute(
        select(Assignment.task_id, Assignment.department_id, GroupMember.member_id)
        .join(Task, Task.id == Assignment.task_id)
        .outerjoin(GroupMember, GroupMember.group_id == Assignment.department_id)
        .where(Task.plan_id == plan_id, Assignment.role == ROLE_LEAD)
    ).all()
    out: dict[int, set[int]] = {}
    for task_id, department_id, member_id in rows:
        held = out.setdefault(task_id, set())
        held.add(department_id)
        if member_id is not None:
            held.add(member_id)
    return out
