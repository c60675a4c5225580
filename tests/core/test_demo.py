"""Demo data (services.demo)."""

from __future__ import annotations

import datetime as dt
import importlib.util
import os
import sys
import types
from pathlib import Path

import pytest
from sqlalchemy import func, select

from foodsafety_desktop.core.paths import data_dir
from foodsafety_desktop.core.plans.model import ParsedItem, ParsedPlan, ParsedTask
from foodsafety_desktop.core.reports.summary import build_draft
from foodsafety_desktop.core.services import demo, demo_answers
from foodsafety_desktop.core.services.tracking import (
    STATE_LATE,
    STATE_MISSING,
    STATE_REPORTED,
    status_matrix,
)
from foodsafety_desktop.core.storage.models import (
    STATUS_BEHIND,
    STATUS_DONE,
    STATUS_ON_SCHEDULE,
    Plan,
    ReportingPeriod,
    Submission,
    Task,
)

HAS_READER = importlib.util.find_spec("foodsafety_desktop.core.plans.reader") is not None


def test_seed_files_are_found():
    files = demo.seed_files()
    assert [f.name[:3] for f in files] == ["000", "001", "002", "003", "004"]
    assert demo.seeds_dir().name == "seeds"


@pytest.mark.skipif(not HAS_READER, reason="plan reader not written yet")
def test_create_demo_database(tmp_path):
    path = tmp_path / "demo.sqlite3"
    db = demo.create_demo_database(path)
    try:
        with db.session() as s:
            assert s.scalar(select(func.count()).select_from(Plan)) == 5
    finally:
        db.close()
    again = demo.create_demo_database(path)  # seeds already there: skipped, no error
    try:
        with again.session() as s:
            assert s.scalar(select(func.count()).select_from(Plan)) == 5
    finally:
        again.close()


def test_create_demo_database_with_a_stand_in_reader(tmp_path, monkeypatch):
    def read_plan(path):
        task = ParsedTask("1.", [], "任务", "任务。", [ParsedItem("任务。", ["区卫健委"])])
        return ParsedPlan(title=Path(path).stem, jurisdiction="区", tasks=[task])

    module = types.ModuleType("foodsafety_desktop.core.plans.reader")
    module.read_plan = read_plan
    monkeypatch.setitem(sys.modules, module.__name__, module)
    path = tmp_path / "demo" / "演示.sqlite3"
    path.parent.mkdir()
    for _ in range(2):  # the second call finds every seed imported already
        db = demo.create_demo_database(path)
        try:
            with db.session() as s:
                titles = s.scalars(select(Plan.title).order_by(Plan.id)).all()
        finally:
            db.close()
        assert titles == [f.stem for f in demo.seed_files()]
    assert len(list((path.parent / "archive" / "plans").iterdir())) == 5
    assert not (data_dir() / "archive").exists()  # the user's data folder is left alone


# --- the year of reporting of seed 002 -------------------------------------------------


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    """The demo database, built once; the user's data folder is a separate tmp folder."""
    real = tmp_path_factory.mktemp("real-data")
    folder = tmp_path_factory.mktemp("demo")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("FOODSAFETY_DATA_DIR", str(real))
        db = demo.create_demo_database(folder / "演示数据.sqlite3")
        assert os.environ["FOODSAFETY_DATA_DIR"] == str(real)  # restored after collecting
        yield db, folder, real
        db.close()


needs_reader = pytest.mark.skipif(not HAS_READER, reason="plan reader not written yet")


@needs_reader
def test_demo_has_the_plans_and_the_periods_of_002(demo_db):
    db, _folder, _real = demo_db
    plan_id = demo.work_plan_id(db)
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Plan)) == 5
        assert "卢氏县" in s.get(Plan, plan_id).title
        names = s.scalars(
            select(ReportingPeriod.name)
            .where(ReportingPeriod.plan_id == plan_id)
            .order_by(ReportingPeriod.position)
        ).all()
        other = s.scalar(
            select(func.count())
            .select_from(ReportingPeriod)
            .where(ReportingPeriod.plan_id != plan_id)
        )
    assert names[:4] == [
        "专项：方案制定情况",
        "2022年第二季度",
        demo.WORK_PERIOD,
        "2022年度",
    ]
    assert names[-1] == "2024年度"
    assert other == 0  # only 002 plays its year


@needs_reader
def test_demo_has_the_q3_submissions(demo_db):
    db, _folder, _real = demo_db
    plan_id = demo.work_plan_id(db)
    with db.session() as s:
        period = s.scalar(select(ReportingPeriod).where(ReportingPeriod.name == demo.WORK_PERIOD))
        subs = s.scalars(select(Submission).where(Submission.period_id == period.id)).all()
        reported = {sub.department.name for sub in subs}
        matrix = status_matrix(s, plan_id, today=dt.date(2022, 12, 1))
        counts = matrix.counts(period.id)
        other_periods = s.scalar(
            select(func.count()).select_from(Submission).where(Submission.period_id != period.id)
        )
    # 15 reporting units (各乡镇政府 has no members: it reports nothing), 2 silent.
    assert len(subs) == 13 and all(sub.is_current for sub in subs)
    assert other_periods == 0
    assert not reported & set(demo_answers.SILENT)
    assert set(demo_answers.LATE) <= reported
    assert counts[STATE_REPORTED] == 12
    assert counts[STATE_LATE] == 1
    assert counts[STATE_MISSING] == 2
    late = [sub for sub in subs if sub.received_at.date() > period.due_date]
    assert [sub.department.name for sub in late] == list(demo_answers.LATE)
    assert all(sub.reporter and sub.phone for sub in subs)


@needs_reader
def test_demo_tasks_take_their_status_from_the_submissions(demo_db):
    db, _folder, _real = demo_db
    plan_id = demo.work_plan_id(db)
    with db.session() as s:
        tasks = s.scalars(select(Task).where(Task.plan_id == plan_id).order_by(Task.position))
        statuses = {t.position: (t.status, t.progress) for t in tasks}
    assert statuses[2][0] == STATUS_BEHIND
    assert statuses[4][0] == STATUS_DONE
    assert statuses[12][0] == STATUS_DONE
    assert statuses[6][0] == STATUS_ON_SCHEDULE
    # the lead department's measures become the task's progress
    assert statuses[3][1].startswith(f"{demo.WORK_PERIOD}县农业农村局：深入实施农药兽药使用减量")
    assert all(progress for _status, progress in statuses.values())


@needs_reader
def test_demo_summary_draft_uses_the_reports(demo_db):
    db, _folder, _real = demo_db
    plan_id = demo.work_plan_id(db)
    with db.session() as s:
        period = s.scalar(select(ReportingPeriod).where(ReportingPeriod.name == demo.WORK_PERIOD))
        draft = build_draft(s, plan_id, period.id, today=dt.date(2022, 9, 30))
    text = "\n".join(block.text for block in draft.blocks)
    assert "在双龙湾镇建成香菇绿色防控示范基地1个" in text
    assert demo_answers.LEAD[4][0][:20] in text
    assert "基层市场监管所执法人员不足" in draft.problems


@needs_reader
def test_demo_keeps_everything_in_its_own_folder(demo_db):
    _db, folder, real = demo_db
    assert list(real.iterdir()) == []  # no backup, no archive in the user's data folder
    assert list((folder / "backups").glob("*.sqlite3"))  # the backup before collecting
    assert len(list((folder / "archive" / "submissions").rglob("*.xlsx"))) == 13
    assert len(list((folder / "报送表" / "空白").glob("*.xlsx"))) == 15


@needs_reader
def test_demo_work_is_added_once(demo_db):
    db, folder, _real = demo_db
    again = demo.add_reporting_work(db, folder)
    assert again.period_ids == [] and again.submission_ids == []
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Submission)) == 13


def test_answers_are_fixed_and_per_role():
    lead = demo_answers.answer("县市场监管局", "牵头", 4, "实施保健食品行业专项清理整治行动")
    assert lead["status"] == STATUS_DONE
    assert lead["measures"] == demo_answers.LEAD[4][0]
    support = demo_answers.answer("县公安局", "责任", 5, "实施农村假冒伪劣食品治理行动")
    assert support["status"] == STATUS_ON_SCHEDULE
    assert support["measures"].startswith("配合牵头单位推进农村假冒伪劣食品治理工作，")
    assert support["data"] == ""
