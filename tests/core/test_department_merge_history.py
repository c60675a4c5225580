"""Merging departments keeps every submission (the office's record of what was sent)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from foodsafety_desktop.core.services.departments import merge_departments
from foodsafety_desktop.core.storage.models import (
    Department,
    Plan,
    ReportingPeriod,
    Submission,
)


def _submission(period: ReportingPeriod, dept: Department, received: dt.datetime) -> Submission:
    return Submission(
        period=period,
        department=dept,
        received_at=received,
        source_name=f"{dept.name}.xlsx",
        sha256=f"{dept.id:064d}",
        is_current=True,
    )


def test_merge_moves_submissions_and_keeps_the_latest_current(db) -> None:
    with db.session() as s:
        plan = Plan(title="测试方案")
        period = ReportingPeriod(
            plan=plan, name="2023年度", kind="year", due_date=dt.date(2023, 12, 1)
        )
        keep = Department(name="区市场监管局")
        typo = Department(name="区场监管局")
        s.add_all([plan, period, keep, typo])
        s.flush()
        s.add_all(
            [
                _submission(period, keep, dt.datetime(2023, 11, 20)),
                _submission(period, typo, dt.datetime(2023, 11, 28)),
            ]
        )
        s.flush()
        keep_id, typo_id = keep.id, typo.id

    with db.session() as s:
        merge_departments(s, keep_id, typo_id, user="测试")

    with db.session() as s:
        rows = s.execute(
            select(Submission.source_name, Submission.is_current)
            .where(Submission.department_id == keep_id)
            .order_by(Submission.received_at)
        ).all()
        assert rows == [("区市场监管局.xlsx", False), ("区场监管局.xlsx", True)]
        assert s.scalar(select(func.count()).select_from(Department)) == 1


def test_a_department_with_submissions_cannot_be_deleted_with_its_history(db) -> None:
    with db.session() as s:
        plan = Plan(title="测试方案")
        period = ReportingPeriod(
            plan=plan, name="2023年度", kind="year", due_date=dt.date(2023, 12, 1)
        )
        dept = Department(name="区农业农村局")
        s.add_all([plan, period, dept])
        s.flush()
        s.add(_submission(period, dept, dt.datetime(2023, 11, 20)))
        dept_id = dept.id

    with pytest.raises(IntegrityError), db.session() as s:
        s.execute(Department.__table__.delete().where(Department.id == dept_id))
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Submission)) == 1
