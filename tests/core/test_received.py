"""逾期 is judged by when a file was received, not when the clerk imported it.

The date proposed is the file's modification time, or its 填报日期 when earlier —
neither in the future; ``collect --received`` and the clerk's later correction win.
"""

from __future__ import annotations

import datetime as dt
import os

import pytest
from sqlalchemy import select

from foodsafety_desktop.app import main
from foodsafety_desktop.core.dates import local_date
from foodsafety_desktop.core.errors import UserError
from foodsafety_desktop.core.excel.template_layout import FILLED_ON_CELL
from foodsafety_desktop.core.services import tracking
from foodsafety_desktop.core.services.collect import (
    collect_files,
    proposed_received_at,
    set_received_on,
)
from foodsafety_desktop.core.services.collect.received import local_noon, written_date
from foodsafety_desktop.core.storage.database import open_database
from foodsafety_desktop.core.storage.models import AuditEntry, ReportingPeriod, Submission

from .collect_fixtures import USER, build_scenario, fill

NOW = dt.datetime(2022, 10, 10, 2, 0)  # naive UTC: the Monday the clerk imports
MARKET, HEALTH = "县市场监管局", "县卫健委"


@pytest.mark.parametrize(
    ("modified", "filled", "expected"),
    [
        (dt.datetime(2022, 9, 24, 1), "2022-09-30", dt.datetime(2022, 9, 24, 1)),  # saved first
        (dt.datetime(2022, 10, 9, 1), "2022年9月20日", local_noon(dt.date(2022, 9, 20))),
        (dt.datetime(2022, 10, 9, 1), "2023-01-01", dt.datetime(2022, 10, 9, 1)),  # future
        (dt.datetime(2030, 1, 1), "", NOW),  # a clock that was wrong: neither
        (None, "2022/9/21", local_noon(dt.date(2022, 9, 21))),
        (None, "九月底", NOW),
    ],
)
def test_the_date_proposed(modified, filled, expected):
    assert proposed_received_at(modified, filled, now=NOW) == expected


def test_written_dates():
    assert written_date("2022-09-20") == dt.date(2022, 9, 20)
    assert written_date(" 2022 年 9 月 20 日 ") == dt.date(2022, 9, 20)
    assert written_date("2022.13.40") is None and written_date(None) is None


@pytest.fixture
def returned(any_db_url, tmp_path):
    db = open_database(any_db_url)
    sc = build_scenario(db, tmp_path / "templates", [MARKET, HEALTH])
    with db.session() as s:
        due = s.get(ReportingPeriod, sc.q3).due_date  # 2022-09-25
    yield db, sc, due
    db.close()


def _states(db, sc, today):
    with db.session() as s:
        matrix = tracking.status_matrix(s, sc.plan_id, today=today)
        return {
            d.name: matrix.cell(d.id, sc.q3).state
            for d in matrix.departments
            if d.name in (MARKET, HEALTH)
        }


def test_files_received_before_the_deadline_and_imported_after_are_on_time(returned, tmp_path):
    db, sc, due = returned
    inbox = tmp_path / "收件箱"
    # No 填报日期 written: the file's modification time says when it came.
    on_time = fill(
        sc.templates[MARKET], inbox / "市场.xlsx", status="已完成", edits={FILLED_ON_CELL: None}
    )
    before = dt.datetime.combine(due - dt.timedelta(days=2), dt.time(9)).timestamp()
    os.utime(on_time, (before, before))  # saved from the e-mail two days before the deadline
    # Saved today; the department dated it after the deadline: received then, late.
    late = fill(
        sc.templates[HEALTH],
        inbox / "卫健.xlsx",
        status="已完成",
        edits={FILLED_ON_CELL: "2022-09-28"},
    )
    outcomes = collect_files(db, [on_time, late], user=USER)  # imported today, long after
    assert all(o.accepted for o in outcomes)
    assert _states(db, sc, dt.date.today()) == {
        MARKET: tracking.STATE_REPORTED,
        HEALTH: tracking.STATE_LATE,
    }
    with db.session() as s:
        received = {x.source_name: local_date(x.received_at) for x in s.scalars(select(Submission))}
    assert received == {"市场.xlsx": due - dt.timedelta(days=2), "卫健.xlsx": dt.date(2022, 9, 28)}

    # The clerk knows better: the health bureau's e-mail came on the 24th.
    with db.session() as s:
        health = s.scalars(select(Submission).where(Submission.source_name == "卫健.xlsx")).one()
        assert set_received_on(s, health.id, dt.date(2022, 9, 24), user=USER)
        assert not set_received_on(s, health.id, dt.date(2022, 9, 24), user=USER)  # unchanged
        with pytest.raises(UserError, match="晚于今天"):
            set_received_on(s, health.id, dt.date.today() + dt.timedelta(days=1), user=USER)
    assert _states(db, sc, dt.date.today())[HEALTH] == tracking.STATE_REPORTED
    with db.session() as s:
        entry = s.scalars(
            select(AuditEntry).where(AuditEntry.action == "submission.received")
        ).one()
        assert "2022年9月28日 → 2022年9月24日" in entry.summary


def test_collect_received_sets_the_date(tmp_path, capsys):
    path = tmp_path / "ledger.sqlite3"
    db = open_database(path)
    try:
        sc = build_scenario(db, tmp_path / "templates", [MARKET])
    finally:
        db.close()
    returned = fill(sc.templates[MARKET], tmp_path / "r" / "市场.xlsx", status="已完成")
    assert main(["--db", str(path), "collect", str(returned), "--received", "2022-09-30"]) == 0
    db = open_database(path)
    try:
        with db.session() as s:
            [sub] = s.scalars(select(Submission)).all()
            assert local_date(sub.received_at) == dt.date(2022, 9, 30)
        assert _states(db, sc, dt.date.today())[MARKET] == tracking.STATE_LATE
    finally:
        db.close()
