"""Undo of the last task deletion or department merge (services.undo)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from foodsafety_desktop.core.errors import UserError
from foodsafety_desktop.core.services import audit, departments, ledger, undo
from foodsafety_desktop.core.services.ledger import LedgerFilter
from foodsafety_desktop.core.storage import models
from foodsafety_desktop.core.storage.models import (
    Assignment,
    AuditEntry,
    Department,
    DepartmentAlias,
    Indicator,
    ReportingPeriod,
    Submission,
    SubmissionEntry,
    TaskItem,
)

from .ledger_fixtures import TODAY, ledger_db_fixture, sample_fixture  # noqa: F401

# Every table a delete or a merge touches; task.updated_at is left out (renumbering the
# other tasks touches it).
TABLES = (
    models.Task,
    TaskItem,
    Assignment,
    Indicator,
    SubmissionEntry,
    Department,
    DepartmentAlias,
    models.GroupMember,
    Submission,
)


def dump(db) -> dict[str, list[tuple]]:
    with db.session() as s:
        result = {}
        for model in TABLES:
            columns = [c for c in model.__table__.columns if c.key != "updated_at"]
            rows = s.execute(select(*columns).order_by(*model.__table__.primary_key)).all()
            result[model.__tablename__] = [tuple(r) for r in rows]
        return result


def rows(db) -> list[ledger.LedgerRow]:
    with db.session() as s:
        return ledger.ledger_rows(s, LedgerFilter(), today=TODAY)


def departments_list(db) -> list[departments.DepartmentRow]:
    with db.session() as s:
        return departments.list_departments(s)


@pytest.fixture
def rich(ledger_db, sample):
    """The sample ledger plus an item, an item assignment and a period with a submission."""
    with ledger_db.session() as s:
        t1 = sample.tasks["t1"]
        item = TaskItem(task_id=t1, position=1, text="推动HACCP体系认证")
        s.add(item)
        s.flush()
        s.add(
            Assignment(
                task_id=t1,
                item_id=item.id,
                department_id=sample.departments["县卫健委"],
                role=models.ROLE_COOPERATING,
                written_name="卫健委",
                position=5,
            )
        )
        period = ReportingPeriod(
            plan_id=sample.plan, name="2024年上半年", kind="half", due_date=dt.date(2024, 6, 25)
        )
        s.add(period)
        s.flush()
        submission = Submission(
            period_id=period.id,
            department_id=sample.departments["县农业农村局"],
            source_name="农业农村局.xlsx",
            sha256="a" * 64,
        )
        s.add(submission)
        s.flush()
        indicator = s.scalar(select(Indicator).where(Indicator.task_id == t1))
        s.add(
            SubmissionEntry(
                submission_id=submission.id,
                task_id=t1,
                item_id=item.id,
                indicator_id=indicator.id,
                status=models.STATUS_ON_SCHEDULE,
                measures="开展培训3次",
                value=95.0,
                value_text="95%",
            )
        )
        s.add(DepartmentAlias(department_id=sample.departments["县卫健委"], alias="县卫生健康委"))
    return sample


def test_nothing_to_undo_in_a_new_ledger(ledger_db, sample):
    with ledger_db.session() as s:
        assert undo.last_undoable(s) is None
        with pytest.raises(UserError, match="没有可以撤销的操作"):
            undo.undo_last(s, user="张三")


def test_delete_then_undo_restores_the_task_exactly(ledger_db, rich):
    before_rows, before_tables = rows(ledger_db), dump(ledger_db)
    with ledger_db.session() as s:
        ledger.delete_task(s, rich.tasks["t1"], user="张三")
    assert rows(ledger_db)[0].title == "压实属地管理责任"
    with ledger_db.session() as s:
        change = undo.last_undoable(s)
        assert change is not None and change.action == "task.delete"
        assert change.description == "删除任务“1.落实企业主体责任”"
        text = undo.undo_last(s, user="李四")
    assert text == "已恢复任务“1.落实企业主体责任”（4 条单位分工、1 项指标、1 条报送内容）"
    # Items, assignments, indicators, submission entries and position, ids included.
    assert rows(ledger_db) == before_rows
    assert dump(ledger_db) == before_tables
    with ledger_db.session() as s:
        assert undo.last_undoable(s) is None
        entries = audit.history(s, "task", rich.tasks["t1"])
        assert [e.action for e in entries] == ["undo", "task.delete"]
        assert entries[0].user == "李四"
        assert entries[0].summary.startswith("撤销删除任务“1.落实企业主体责任”")


def test_only_the_last_delete_can_be_undone(ledger_db, rich):
    with ledger_db.session() as s:
        ledger.delete_task(s, rich.tasks["t2"], user="张三")
        ledger.delete_task(s, rich.tasks["t3"], user="张三")
    with ledger_db.session() as s:
        assert "开展农药残留专项整治" in undo.undo_last(s, user="张三")
    with ledger_db.session() as s:
        assert undo.last_undoable(s) is None  # the undo is now the last change
    assert "压实属地管理责任" not in [r.title for r in rows(ledger_db)]


def test_delete_undo_ledger_rows_equal(ledger_db, rich):
    before = rows(ledger_db)
    with ledger_db.session() as s:
        ledger.delete_task(s, rich.tasks["t3"], user="张三")
    with ledger_db.session() as s:
        undo.undo_last(s, user="张三")
    assert rows(ledger_db) == before


def test_merge_then_undo_splits_the_departments(ledger_db, rich):
    d = rich.departments
    with ledger_db.session() as s:
        # The merged one's phone fills the kept one's empty field; undo empties it again.
        s.get(Department, d["县卫健委"]).phone = "0371-1234567"
        s.add(models.GroupMember(group_id=d["各乡镇"], member_id=d["县卫健委"]))
        # A role the kept department already has in t4: deleted by the merge.
        s.add(
            Assignment(
                task_id=rich.tasks["t4"],
                department_id=d["县卫健委"],
                role=models.ROLE_LEAD,
                written_name="县卫健委",
                position=9,
            )
        )
    before_rows, before_depts, before_tables = (
        rows(ledger_db),
        departments_list(ledger_db),
        dump(ledger_db),
    )
    with ledger_db.session() as s:
        departments.merge_departments(s, d["县教育局"], d["县卫健委"], user="张三")
    merged = departments_list(ledger_db)
    assert "县卫健委" not in [r.name for r in merged]
    keep = next(r for r in merged if r.id == d["县教育局"])
    assert set(keep.aliases) == {"县卫健委", "县卫生健康委"} and keep.phone == "0371-1234567"

    with ledger_db.session() as s:
        change = undo.last_undoable(s)
        assert change is not None
        assert change.description == "合并单位“县卫健委”到“县教育局”"
        text = undo.undo_last(s, user="李四")
    assert text.startswith("已恢复单位“县卫健委”")
    assert departments_list(ledger_db) == before_depts
    assert rows(ledger_db) == before_rows
    assert dump(ledger_db) == before_tables
    with ledger_db.session() as s:
        (entry,) = [e for e in audit.history(s, "department", d["县教育局"]) if e.action == "undo"]
        assert entry.user == "李四" and "撤销合并单位“县卫健委”到“县教育局”" in entry.summary


def test_merge_with_submissions_undo(ledger_db, rich):
    d = rich.departments
    with ledger_db.session() as s:
        period_id = s.scalar(select(ReportingPeriod.id))
        s.add(
            Submission(
                period_id=period_id,
                department_id=d["县市场监管局"],
                source_name="市场监管局.xlsx",
                sha256="b" * 64,
                received_at=dt.datetime(2024, 6, 20),
            )
        )
    before = dump(ledger_db)
    with ledger_db.session() as s:
        departments.merge_departments(s, d["县市场监管局"], d["县农业农村局"], user="张三")
    with ledger_db.session() as s:
        currents = s.execute(select(Submission.source_name, Submission.is_current)).all()
        assert sorted(currents) == [("农业农村局.xlsx", True), ("市场监管局.xlsx", False)]
        assert "1 份报送" in undo.undo_last(s, user="张三")
    assert dump(ledger_db) == before


def test_undo_twice_finds_nothing(ledger_db, rich):
    with ledger_db.session() as s:
        ledger.delete_task(s, rich.tasks["t4"], user="张三")
    with ledger_db.session() as s:
        undo.undo_last(s, user="张三")
    with ledger_db.session() as s, pytest.raises(UserError, match="没有可以撤销的操作"):
        undo.undo_last(s, user="张三")


def test_a_later_change_ends_the_undo(ledger_db, rich):
    with ledger_db.session() as s:
        ledger.delete_task(s, rich.tasks["t4"], user="张三")
    with ledger_db.session() as s:
        ledger.update_task(s, rich.tasks["t1"], user="张三", status=models.STATUS_DONE)
    with ledger_db.session() as s:
        assert undo.last_undoable(s) is None
        with pytest.raises(UserError, match="没有可以撤销的操作"):
            undo.undo_last(s, user="张三")


def test_a_failed_undo_changes_nothing(ledger_db, rich):
    d = rich.departments
    with ledger_db.session() as s:
        departments.merge_departments(s, d["县教育局"], d["县卫健委"], user="张三")
    with ledger_db.session() as s:
        # Someone created a department with the merged name outside the audited services.
        s.execute(DepartmentAlias.__table__.delete().where(DepartmentAlias.alias == "县卫健委"))
        s.add(Department(name="县卫健委"))
    before = dump(ledger_db)
    with pytest.raises(UserError, match="无法撤销合并"), ledger_db.session() as s:
        undo.undo_last(s, user="张三")
    assert dump(ledger_db) == before
    with ledger_db.session() as s:
        assert s.scalar(select(AuditEntry.action).order_by(AuditEntry.id.desc())) == "dept.merge"


def test_entries_without_snapshot_are_not_undoable(ledger_db, sample):
    with ledger_db.session() as s:
        audit.record(
            s,
            user="旧版本",
            action="task.delete",
            entity="task",
            entity_id=99,
            summary="删除任务“旧”",
            detail={"title": "旧"},
        )
    with ledger_db.session() as s:
        assert undo.last_undoable(s) is None
