"""Queries of stored submissions (报送) shared by the use cases that read earlier answers.

The department's previous submission is asked for twice: to prefill a new template
(``templates``) and as the baseline a returned file is compared with (``collect``).
"""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from foodsafety_desktop.core.storage.models import ReportingPeriod, Submission, SubmissionEntry


def _earlier_current(period: ReportingPeriod) -> Select[Submission]:
    """The current submissions of the plan's other periods due on or before ``period``,
    the latest first (due date, then the higher period id, then the newest submission)."""
    return (
        select(Submission)
        .join(ReportingPeriod, ReportingPeriod.id == Submission.period_id)
        .where(
            ReportingPeriod.plan_id == period.plan_id,
            ReportingPeriod.id != period.id,
            ReportingPeriod.due_date <= period.due_date,
            Submission.is_current.is_(True),
        )
        .order_by(ReportingPeriod.due_date.desc(), ReportingPeriod.id.desc(), Submission.id.desc())
    )


def latest_earlier_submission(
    session: Session, period: ReportingPeriod, department_id: int
) -> tuple[Submission | None, list[SubmissionEntry]]:
    """The department's current submission of the latest earlier period of the same plan
    that has one, and its entries; ``(None, [])`` when there is none.

    "Earlier": another period of the plan due on or before ``period`` (latest due date
    first, then the higher period id, then the newest submission).
    """
    stmt = _earlier_current(period).where(Submission.department_id == department_id).limit(1)
    submission = session.scalar(stmt)
    if submission is None:
        return None, []
    return submission, list(submission.entries)


def latest_earlier_submissions(session: Session, period: ReportingPeriod) -> dict[int, Submission]:
    """Department id → its ``latest_earlier_submission``, for every department at once."""
    found: dict[int, Submission] = {}
    for submission in session.scalars(_earlier_current(period)):
        found.setdefault(submission.department_id, submission)
    return found
