"""Queries of stored submissions (报送) shared by the use cases that read earlier answers.

The department's previous submission is asked for twice: to prefill a new template
(``templates``) and as the baseline a returned file is compared with (``collect``).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from foodsafety_desktop.core.storage.models import ReportingPeriod, Submission, SubmissionEntry


def latest_earlier_submission(
    session: Session, period: ReportingPeriod, department_id: int
) -> tuple[Submission | None, list[SubmissionEntry]]:
    """The department's current submission of the latest earlier period of the same plan
    that has one, and its entries; ``(None, [])`` when there is none.

    "Earlier": another period of the plan due on or before ``period`` (latest due date
    first, then the higher period id, then the newest submission).
    """
    stmt = (
        select(Submission)
        .join(ReportingPeriod, ReportingPeriod.id == Submission.period_id)
        .where(
            ReportingPeriod.plan_id == period.plan_id,
            ReportingPeriod.id != period.id,
            ReportingPeriod.due_date <= period.due_date,
            Submission.department_id == department_id,
            Submission.is_current.is_(True),
        )
        .order_by(ReportingPeriod.due_date.desc(), ReportingPeriod.id.desc(), Submission.id.desc())
        .limit(1)
    )
    submission = session.scalar(stmt)
    if submission is None:
        return None, []
    return submission, list(submission.entries)
