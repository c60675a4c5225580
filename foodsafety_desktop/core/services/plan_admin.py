"""Deleting and archiving a plan (删除方案 / 归档方案).

``delete_plan`` removes a plan with everything that belongs to it — sections, tasks,
their items, assignments and indicators, reporting rules, reporting periods, the
departments' submissions and the 工作总结 edits — in the caller's transaction; its audit
entry holds every removed row, so ``undo.undo_last`` puts the plan back as it was.
``delete_plan_with_backup`` backs the database up first (the GUI and the CLI).  The
original files stay among the originals: the undo needs them, and a backup refers to them.

``archive_plan`` hides a plan from the plan lists (``ledger.list_plans``) and keeps it
whole, with its history; ``archive_plan(..., archived=False)`` brings it back.  An
archived plan still answers to its number (``--plan``), so its reports can be read.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from foodsafety_desktop.core.changes import EVERYTHING, ChangeSet
from foodsafety_desktop.core.errors import UserError
from foodsafety_desktop.core.services import audit
from foodsafety_desktop.core.services.ledger import PlanSummary, get_plan, plan_summary
from foodsafety_desktop.core.storage.database import Database
from foodsafety_desktop.core.storage.models import (
    AssessmentLink,
    Assignment,
    Evidence,
    Indicator,
    Plan,
    ReportingPeriod,
    ReportingRule,
    Section,
    Submission,
    SubmissionEntry,
    SummaryDraft,
    Task,
    TaskItem,
)

PLAN_LISTS = ChangeSet(plans=True)


@dataclass(frozen=True)
class PlanContents:
    """What a plan holds: what deleting it removes (and the undo puts back)."""

    plan_id: int
    title: str
    doc_number: str | None
    tasks: int
    periods: int
    submissions: int  # submission rows, earlier versions included
    departments: int  # departments that reported

    def describe(self) -> str:
        """ "12 项任务、4 个报送期次、23 份报送（9 个单位）"."""
        text = f"{self.tasks} 项任务"
        if self.periods:
            text += f"、{self.periods} 个报送期次"
        if self.submissions:
            text += f"、{self.submissions} 份报送（{self.departments} 个单位）"
        return text


@dataclass(frozen=True)
class DeletedPlan:
    """What ``delete_plan`` removed."""

    contents: PlanContents
    backup: Path | None = None
    changes: ChangeSet = EVERYTHING

    @property
    def message(self) -> str:
        text = f"已删除方案《{self.contents.title}》及其 {self.contents.describe()}"
        if self.backup is not None:
            text += f"；删除前已备份：{self.backup.name}"
        return text + "。可以撤销。"


def plan_contents(session: Session, plan_id: int) -> PlanContents:
    """How much plan ``plan_id`` holds (UserError when there is no such plan)."""
    plan = get_plan(session, plan_id)
    tasks = session.scalar(select(func.count(Task.id)).where(Task.plan_id == plan_id))
    periods = session.scalar(
        select(func.count(ReportingPeriod.id)).where(ReportingPeriod.plan_id == plan_id)
    )
    submissions, departments = session.execute(
        select(func.count(Submission.id), func.count(func.distinct(Submission.department_id)))
        .join(ReportingPeriod, ReportingPeriod.id == Submission.period_id)
        .where(ReportingPeriod.plan_id == plan_id)
    ).one()
    return PlanContents(
        plan_id=plan.id,
        title=plan.title,
        doc_number=plan.doc_number,
        tasks=int(tasks or 0),
        periods=int(periods or 0),
        submissions=int(submissions or 0),
        departments=int(departments or 0),
    )


def delete_plan(
    session: Session,
    plan_id: int,
    *,
    user: str,
    expected: PlanContents | None = None,
    backup: Path | None = None,
) -> DeletedPlan:
    """Delete plan ``plan_id`` and everything it holds in the caller's transaction; the
    ``plan.delete`` audit entry keeps every row (``undo.plan_snapshot``).

    With ``expected`` (what the clerk was shown, and what the backup holds) a plan that
    received more submissions or tasks meanwhile is refused.
    """
    from foodsafety_desktop.core.services.undo import plan_snapshot

    contents = plan_contents(session, plan_id)
    if expected is not None and (
        contents.submissions > expected.submissions
        or contents.tasks > expected.tasks
        or contents.periods > expected.periods
    ):
        raise UserError(
            f"方案《{contents.title}》刚刚又有了新的任务、期次或报送，未删除；请重新确认后再删除。"
        )
    plan = get_plan(session, plan_id)
    snapshot = plan_snapshot(session, plan)

    # Explicit deletes, children first: nothing depends on the schema's cascades.
    period_ids = select(ReportingPeriod.id).where(ReportingPeriod.plan_id == plan_id)
    submission_ids = select(Submission.id).where(Submission.period_id.in_(period_ids))
    task_ids = select(Task.id).where(Task.plan_id == plan_id)
    fetch = {"synchronize_session": False}
    session.execute(
        delete(Evidence).where(
            or_(Evidence.task_id.in_(task_ids), Evidence.submission_id.in_(submission_ids))
        ),
        execution_options=fetch,
    )
    session.execute(
        delete(AssessmentLink).where(AssessmentLink.task_id.in_(task_ids)),
        execution_options=fetch,
    )
    session.execute(
        delete(SubmissionEntry).where(
            or_(
                SubmissionEntry.submission_id.in_(submission_ids),
                SubmissionEntry.task_id.in_(task_ids),
            )
        ),
        execution_options=fetch,
    )
    session.execute(
        update(Submission)
        .where(Submission.replaced_submission_id.in_(submission_ids))
        .values(replaced_submission_id=None),
        execution_options=fetch,
    )
    session.execute(
        delete(Submission).where(Submission.period_id.in_(period_ids)), execution_options=fetch
    )
    session.execute(
        delete(SummaryDraft).where(SummaryDraft.period_id.in_(period_ids)),
        execution_options=fetch,
    )
    session.execute(
        delete(ReportingPeriod).where(ReportingPeriod.plan_id == plan_id), execution_options=fetch
    )
    for model in (Assignment, Indicator, TaskItem):
        session.execute(delete(model).where(model.task_id.in_(task_ids)), execution_options=fetch)
    session.execute(delete(Task).where(Task.plan_id == plan_id), execution_options=fetch)
    session.execute(
        update(Section).where(Section.plan_id == plan_id).values(parent_id=None),
        execution_options=fetch,
    )
    session.execute(delete(Section).where(Section.plan_id == plan_id), execution_options=fetch)
    session.execute(
        delete(ReportingRule).where(ReportingRule.plan_id == plan_id), execution_options=fetch
    )
    session.expunge(plan)
    session.execute(delete(Plan).where(Plan.id == plan_id), execution_options=fetch)
    session.expire_all()  # rows of the plan the session had loaded are gone

    audit.record(
        session,
        user=user,
        action="plan.delete",
        entity="plan",
        entity_id=plan_id,
        summary=f"删除方案《{contents.title}》（{contents.describe()}）",
        detail={
            "plan_title": contents.title,
            "doc_number": contents.doc_number,
            "task_count": contents.tasks,
            "periods": contents.periods,
            "submissions": contents.submissions,
            "backup": backup.name if backup is not None else None,
            "undo": snapshot,
        },
    )
    session.flush()
    return DeletedPlan(contents, backup)


def delete_plan_with_backup(db: Database, plan_id: int, *, user: str) -> DeletedPlan:
    """删除方案 as the GUI and the CLI do it: the database is backed up first (SQLite),
    then the plan is deleted in one transaction (undoable)."""
    from foodsafety_desktop.core.storage.backup import before_change

    with db.session() as session:
        expected = plan_contents(session, plan_id)
    backup = before_change(db, "plan-delete")
    with db.session() as session:
        return delete_plan(session, plan_id, user=user, expected=expected, backup=backup)


def archive_plan(
    session: Session, plan_id: int, *, user: str, archived: bool = True
) -> PlanSummary:
    """归档 (``archived``) or bring back (``archived=False``) plan ``plan_id``; an audit
    entry records it.  Asking for the state the plan is already in changes nothing."""
    plan = get_plan(session, plan_id)
    count = session.scalar(
        select(func.count(Task.id)).where(Task.plan_id == plan_id, Task.removed_at.is_(None))
    )
    if bool(plan.archived) != archived:
        plan.archived = archived
        session.flush()
        audit.record(
            session,
            user=user,
            action="plan.archive" if archived else "plan.unarchive",
            entity="plan",
            entity_id=plan.id,
            summary=f"{'归档' if archived else '取消归档'}方案《{plan.title}》",
            detail={"before": {"archived": not archived}, "after": {"archived": archived}},
        )
        session.flush()
    return plan_summary(plan, int(count or 0))
