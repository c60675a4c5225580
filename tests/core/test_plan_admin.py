"""Deleting (with a backup and undo) and archiving plans (services.plan_admin, undo), on
SQLite and PostgreSQL; the migration that added ``plan.archived`` and ``task.removed_at``."""

from __future__ import annotations

import datetime as dt

import pytest
from alembic import command
from seeds import seed_path
from sqlalchemy import func, select, text

from foodsafety_desktop.core.errors import UserError
from foodsafety_desktop.core.reports.summary import build_draft, save_draft
from foodsafety_desktop.core.services import history, ledger, undo
from foodsafety_desktop.core.services import periods as period_service
from foodsafety_desktop.core.services.collect import collect_files, sweep_orphan_archives
from foodsafety_desktop.core.services.ledger import LedgerFilter
from foodsafety_desktop.core.services.plan_admin import (
    archive_plan,
    delete_plan,
    delete_plan_with_backup,
    plan_contents,
)
from foodsafety_desktop.core.services.plan_import import import_plan_file
from foodsafety_desktop.core.storage import models
from foodsafety_desktop.core.storage.backup import parse_backup_name
from foodsafety_desktop.core.storage.database import (
    alembic_config,
    make_engine,
    open_database,
    upgrade_schema,
)
from foodsafety_desktop.core.storage.models import AuditEntry, Plan, Task
from foodsafety_desktop.core.storage.originals import FolderOriginals, originals_of

from .collect_fixtures import Q3, build_scenario, fill

USER = "测试员"
MARKET = "县市场监管局"
TITLE = "卢氏县深化食品安全放心工程建设攻坚行动工作方案（2022—2024年）"
# Every table a plan's rows live in (the audit entries stay: they are the history).
TABLES = (
    models.Plan,
    models.Section,
    models.Task,
    models.TaskItem,
    models.Assignment,
    models.Indicator,
    models.ReportingRule,
    models.ReportingPeriod,
    models.Submission,
    models.SubmissionEntry,
    models.SummaryDraft,
)


@pytest.fixture
def any_db(any_db_url, tmp_path, monkeypatch):
    monkeypatch.setenv("FOODSAFETY_DATA_DIR", str(tmp_path / "appdata"))
    database = open_database(any_db_url)
    yield database
    database.close()


def dump(db) -> dict[str, list[tuple]]:
    """Every row of every table a plan has, ordered by key."""
    with db.session() as s:
        return {
            model.__tablename__: [
                tuple(row)
                for row in s.execute(
                    select(*model.__table__.columns).order_by(*model.__table__.primary_key)
                )
            ]
            for model in TABLES
        }


def reported_plan(db, tmp_path) -> tuple[int, int]:
    """Seed 002 with its periods, 县市场监管局's Q3 report and a saved 工作总结 draft;
    returns (plan id, Q3 period id)."""
    scenario = build_scenario(db, tmp_path / "templates", [MARKET])
    filled = fill(scenario.templates[MARKET], tmp_path / "returned" / "市场监管局.xlsx")
    [outcome] = collect_files(db, [filled], user=USER, period_id=scenario.q3, accept_warnings=True)
    assert outcome.accepted, outcome.errors
    with db.session() as s:
        draft = build_draft(s, scenario.plan_id, scenario.q3, today=dt.date(2022, 10, 10))
        draft.recipient = "县食品安全委员会"
    with db.session() as s:
        save_draft(s, scenario.q3, draft, user=USER)
    return scenario.plan_id, scenario.q3


def test_delete_backs_up_and_undo_puts_back_every_row(any_db, tmp_path):
    plan_id, q3 = reported_plan(any_db, tmp_path)
    other = import_plan_file(any_db, seed_path("001"), user=USER).plan_id
    before = dump(any_db)
    with any_db.session() as s:
        contents = plan_contents(s, plan_id)
        periods = s.scalar(
            select(func.count(models.ReportingPeriod.id)).where(
                models.ReportingPeriod.plan_id == plan_id
            )
        )
        archive_path = s.scalar(select(models.Submission.archive_path))
    assert (contents.tasks, contents.periods, contents.submissions) == (12, periods, 1)
    assert contents.describe() == f"12 项任务、{periods} 个报送期次、1 份报送（1 个单位）"

    deleted = delete_plan_with_backup(any_db, plan_id, user=USER)
    assert deleted.message.startswith(f"已删除方案《{TITLE}》及其 {contents.describe()}")
    assert deleted.message.endswith("可以撤销。")
    if any_db.is_sqlite:
        assert parse_backup_name(deleted.backup).reason == "plan-delete"
        assert deleted.backup.is_file()
    else:
        assert deleted.backup is None
    after = dump(any_db)
    assert [r[0] for r in after["plan"]] == [other]
    with any_db.session() as s:
        assert s.scalar(select(func.count(Task.id)).where(Task.plan_id == plan_id)) == 0
        assert s.scalar(select(func.count(models.Submission.id))) == 0
        assert s.scalar(select(func.count(models.SummaryDraft.id))) == 0
        assert [p.id for p in ledger.list_plans(s)] == [other]
        change = undo.last_undoable(s)
        assert (change.action, change.entity_id) == ("plan.delete", plan_id)
        assert change.description == f"删除方案《{TITLE}》"
        entry = s.get(AuditEntry, change.entry_id)
        assert entry.summary == f"删除方案《{TITLE}》（{contents.describe()}）"
        assert history.history_rows(s, "plan", plan_id)[0].action == "删除方案"

    # A start-up sweep before the undo leaves the deleted submission's original alone.
    originals = originals_of(any_db)
    if isinstance(originals, FolderOriginals):
        assert sweep_orphan_archives(any_db) == []
        assert originals.file(archive_path).is_file()
    else:
        with any_db.session() as s:
            assert originals.has(s, archive_path)

    with any_db.session() as s:
        result = undo.undo_last(s, user=USER)
    assert result == f"已恢复方案《{TITLE}》（12 项任务、{periods} 个报送期次、1 份报送）"
    for db in (any_db, open_database(any_db.url)):
        try:
            assert dump(db) == before
            with db.session() as s:
                assert undo.last_undoable(s) is None  # the undo itself ends the chance
                assert [p.id for p in ledger.list_plans(s)] == [plan_id, other]
                draft = build_draft(s, plan_id, q3, today=dt.date(2022, 10, 10))
                assert draft.recipient == "县食品安全委员会"
        finally:
            if db is not any_db:
                db.close()
    with any_db.session() as s:  # the restored rows work: a new period after them
        period_service.add_period(
            s, plan_id, name="2025年第一季度", due_date=dt.date(2025, 4, 10), user=USER
        )
        assert period_service.find_period(s, plan_id, Q3).id == q3


def test_a_plan_that_changed_since_it_was_counted_is_not_deleted(any_db):
    plan_id = import_plan_file(any_db, seed_path("002"), user=USER).plan_id
    with any_db.session() as s:
        counted = plan_contents(s, plan_id)
        ledger.add_task(s, plan_id, user=USER, title="新增的任务")
    with any_db.session() as s, pytest.raises(UserError, match="刚刚又有了新的任务"):
        delete_plan(s, plan_id, user=USER, expected=counted)
    with pytest.raises(UserError, match="未找到该工作方案（编号 999）"):
        delete_plan_with_backup(any_db, 999, user=USER)


def test_archived_plans_leave_the_lists_and_come_back(any_db):
    first = import_plan_file(any_db, seed_path("002"), user=USER).plan_id
    second = import_plan_file(any_db, seed_path("001"), user=USER).plan_id
    with any_db.session() as s:
        all_rows = len(ledger.ledger_rows(s, LedgerFilter()))
        own_rows = len(ledger.ledger_rows(s, LedgerFilter(plan_id=first)))
        summary = archive_plan(s, first, user=USER)
    assert summary.archived and summary.label.startswith("【已归档】")
    with any_db.session() as s:
        assert [p.id for p in ledger.list_plans(s)] == [second]
        assert [(p.id, p.archived) for p in ledger.list_plans(s, include_archived=True)] == [
            (first, True),
            (second, False),
        ]
        # Hidden from "every plan", still whole when asked for by number.
        assert len(ledger.ledger_rows(s, LedgerFilter())) == all_rows - own_rows
        assert len(ledger.ledger_rows(s, LedgerFilter(plan_id=first))) == own_rows
        entries = s.scalar(select(func.count(AuditEntry.id)))
        archive_plan(s, first, user=USER)  # already archived: nothing to record
    with any_db.session() as s:
        assert s.scalar(select(func.count(AuditEntry.id))) == entries
        archive_plan(s, first, user=USER, archived=False)
    with any_db.session() as s:
        assert [p.id for p in ledger.list_plans(s)] == [first, second]
        rows = history.history_rows(s, "plan", first)
        assert [r.action for r in rows[:2]] == ["取消归档", "归档方案"]
        assert rows[1].summary == f"归档方案《{TITLE}》"
        assert rows[1].detail_text() == "已归档：否 → 是"


def test_migration_0007_keeps_existing_plans_visible(any_db_url, tmp_path, monkeypatch):
    """A ledger at 0006 with a plan and a task upgrades: not archived, not removed; the
    downgrade keeps every row."""
    monkeypatch.setenv("FOODSAFETY_DATA_DIR", str(tmp_path / "appdata"))
    engine = make_engine(any_db_url)
    try:
        upgrade_schema(engine, "0006")
        with engine.begin() as connection:  # ids from the database, as the program's
            connection.execute(
                text(
                    "INSERT INTO plan (title, imported_at)"
                    " VALUES ('某县2024年食品安全工作要点', '2024-02-03 09:00:00')"
                )
            )
            plan_id = connection.execute(text("SELECT max(id) FROM plan")).scalar()
            connection.execute(
                text(
                    "INSERT INTO task (plan_id, position, label, title, text, status,"
                    " updated_at) VALUES (:plan, 1, '（一）', '任务', '任务。', '未启动',"
                    " '2024-02-03 09:00:00')"
                ),
                {"plan": plan_id},
            )
    finally:
        engine.dispose()
    db = open_database(any_db_url)
    try:
        with db.session() as s:
            assert s.get(Plan, plan_id).archived is False
            [task] = s.scalars(select(Task))
            assert task.removed_at is None
            [summary] = ledger.list_plans(s)
            assert (summary.id, summary.task_count, summary.archived) == (plan_id, 1, False)
            ledger.add_task(s, plan_id, user=USER, title="第二项任务")
        # Back to 0006 drops the two columns and nothing else (no copy of the tables,
        # whose drop would cascade to the rows referring to them).
        command.downgrade(alembic_config(db.engine), "0006")
        with db.engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM task")).scalar() == 2
            assert connection.execute(text("SELECT count(*) FROM plan")).scalar() == 1
        upgrade_schema(db.engine)
        with db.session() as s:
            assert [t.title for t in s.scalars(select(Task).order_by(Task.position))] == [
                "任务",
                "第二项任务",
            ]
    finally:
        db.close()
