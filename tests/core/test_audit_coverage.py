"""Every change the history must show writes exactly one audit entry with the user name.

Issue 5 item 6: task edit, department merge and alias change, plan import, resubmission
of a workbook, summary edit, restore of a backup (and undo).  Each change goes through
the core service the GUI calls, with ``current_user()`` as the GUI passes it.
"""

from __future__ import annotations

import datetime as dt

import pytest
from seeds import seed_path
from sqlalchemy import func, select

from foodsafety_desktop.core.reports.summary import build_draft, save_draft
from foodsafety_desktop.core.services import audit, departments, history, ledger, periods, undo
from foodsafety_desktop.core.services.collect import collect_files
from foodsafety_desktop.core.services.plan_import import import_plan_file
from foodsafety_desktop.core.services.templates import template_filename, write_template
from foodsafety_desktop.core.storage.backup import backup_now, restore_backup
from foodsafety_desktop.core.storage.database import current_user, open_database
from foodsafety_desktop.core.storage.models import (
    AuditEntry,
    Department,
    Plan,
    ReportingPeriod,
    Task,
)

from .collect_fixtures import fill

MARKET = "县市场监管局"
Q3 = "2022年第三季度"


def last_id(db) -> int:
    with db.session() as s:
        return s.scalar(select(func.max(AuditEntry.id))) or 0


def only_new_entry(db, since: int) -> AuditEntry:
    """The one entry recorded after ``since`` (fails when there are none or several)."""
    with db.session() as s:
        entries = list(s.scalars(select(AuditEntry).where(AuditEntry.id > since)))
    assert len(entries) == 1, [(e.action, e.summary) for e in entries]
    return entries[0]


def check(entry: AuditEntry, action: str, entity: str, entity_id: int | None) -> None:
    assert (entry.action, entry.entity, entry.entity_id) == (action, entity, entity_id)
    assert entry.user == current_user()
    assert isinstance(entry.at, dt.datetime)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in entry.summary)  # Chinese sentence


@pytest.fixture
def user() -> str:
    return current_user()


@pytest.fixture
def plan_id(db, user) -> int:
    since = last_id(db)
    result = import_plan_file(db, seed_path("002"), user=user)
    entry = only_new_entry(db, since)
    check(entry, "plan.import", "plan", result.plan_id)
    with db.session() as s:
        title = s.get(Plan, result.plan_id).title
    assert entry.summary.startswith(f"导入方案《{title}》：{result.task_count} 项任务")
    assert audit.detail_of(entry)["source_name"] == seed_path("002").name
    return result.plan_id


def test_task_edit_names_fields_with_before_and_after(db, plan_id, user):
    with db.session() as s:
        task = s.scalar(select(Task).where(Task.plan_id == plan_id, Task.position == 1))
        task_id, old_title, old_status = task.id, task.title, task.status
    since = last_id(db)
    with db.session() as s:
        ledger.update_task(s, task_id, user=user, title="新的任务名称", status="已完成")
    entry = only_new_entry(db, since)
    check(entry, "task.update", "task", task_id)
    assert entry.summary.startswith("修改任务“（一）新的任务名称”：")
    assert "任务名称" in entry.summary and f"状态 {old_status}→已完成" in entry.summary
    assert audit.detail_of(entry) == {
        "before": {"title": old_title, "status": old_status},
        "after": {"title": "新的任务名称", "status": "已完成"},
    }
    assert "任务名称：" + old_title + " → 新的任务名称" in history.describe_detail(entry)


def test_department_alias_rename_and_merge(db, plan_id, user):
    with db.session() as s:
        keep = departments.create_department(s, "县测试局", user=user).id
        other = departments.create_department(s, "县测试管理局", user=user).id

    since = last_id(db)
    with db.session() as s:
        departments.add_alias(s, keep, "测试局", user=user)
    entry = only_new_entry(db, since)
    check(entry, "dept.alias_add", "department", keep)
    assert entry.summary == "为单位“县测试局”添加别名“测试局”"

    since = last_id(db)
    with db.session() as s:
        departments.remove_alias(s, keep, "测试局", user=user)
    entry = only_new_entry(db, since)
    check(entry, "dept.alias_remove", "department", keep)
    assert entry.summary == "删除单位“县测试局”的别名“测试局”"

    since = last_id(db)
    with db.session() as s:
        departments.update_department(s, other, name="县测试监管局", phone="123", user=user)
    entry = only_new_entry(db, since)
    check(entry, "dept.update", "department", other)
    assert entry.summary == "修改单位“县测试监管局”：名称、电话"
    detail = audit.detail_of(entry)
    assert (detail["before"]["name"], detail["after"]["name"]) == ("县测试管理局", "县测试监管局")
    assert "名称：县测试管理局 → 县测试监管局" in history.describe_detail(entry)

    since = last_id(db)
    with db.session() as s:
        departments.merge_departments(s, keep, other, user=user)
    entry = only_new_entry(db, since)
    check(entry, "dept.merge", "department", keep)
    assert entry.summary.startswith("将单位“县测试监管局”合并到“县测试局”")
    assert audit.detail_of(entry)["undo"]["merged"]["id"] == other


def test_resubmission_and_summary_edit(db, plan_id, user, tmp_path):
    with db.session() as s:
        periods.create_periods(s, plan_id, periods.propose_periods(s.get(Plan, plan_id)), user=user)
        period = periods.find_period(s, plan_id, Q3)
        department = s.scalar(select(Department).where(Department.name == MARKET))
        period_id, department_id = period.id, department.id
        template = write_template(
            s, period.id, department.id, tmp_path / template_filename(period, department)
        )
    first = fill(template, tmp_path / "r" / "first.xlsx")
    second = fill(template, tmp_path / "r" / "second.xlsx", measures="改写后的措施{n}")

    [outcome] = collect_files(db, [first], user=user, period_id=period_id, accept_warnings=True)
    assert outcome.accepted, outcome.errors
    since = last_id(db)
    [outcome] = collect_files(db, [second], user=user, period_id=period_id, accept_warnings=True)
    assert outcome.accepted, outcome.errors
    entry = only_new_entry(db, since)
    check(entry, "submission.collect", "submission", entry.entity_id)
    assert entry.summary.startswith(f"收取“{MARKET}”{Q3}报送")
    assert "变化" in entry.summary and entry.summary.endswith("替换此前的报送")
    detail = audit.detail_of(entry)
    assert detail["department_id"] == department_id and detail["replaced_submission_id"]

    for action in ("summary.create", "summary.save"):
        with db.session() as s:
            draft = build_draft(s, plan_id, period_id, today=dt.date(2022, 10, 10))
            draft.recipient = f"县食品安全委员会（{action}）"
        since = last_id(db)
        with db.session() as s:
            save_draft(s, period_id, draft, user=user)
        entry = only_new_entry(db, since)
        check(entry, action, "period", period_id)
        assert entry.summary.startswith(f"保存{Q3}工作总结草稿")
        assert "recipient" in audit.detail_of(entry)["fields"]


def test_restore_is_recorded_in_the_restored_ledger(db, plan_id, tmp_path):
    saved = backup_now(db, reason="manual", dest_dir=tmp_path / "usb")
    path = db.sqlite_path
    db.close()
    restore_backup(path, saved)
    again = open_database(path)
    try:
        with again.session() as s:
            entry = s.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
            check(entry, "db.restore", "database", None)
            assert entry.summary.startswith("从备份恢复数据库（备份时间")
            assert undo.last_undoable(s) is None  # a restore ends the chance to undo
    finally:
        again.close()


def test_delete_and_undo(db, plan_id, user):
    with db.session() as s:
        task_id = s.scalar(select(Task.id).where(Task.plan_id == plan_id, Task.position == 2))
    since = last_id(db)
    with db.session() as s:
        ledger.delete_task(s, task_id, user=user)
    entry = only_new_entry(db, since)
    check(entry, "task.delete", "task", task_id)
    assert entry.summary.startswith("删除任务“")

    since = last_id(db)
    with db.session() as s:
        undo.undo_last(s, user=user)
    entry = only_new_entry(db, since)
    check(entry, "undo", "task", task_id)
    assert entry.summary.startswith("撤销删除任务“")
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(ReportingPeriod)) == 0
