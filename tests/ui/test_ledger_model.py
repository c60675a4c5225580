"""LedgerModel: the tree of sections and tasks, its roles, and edits through setData."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import QModelIndex, Qt
from sqlalchemy import func, select

from foodsafety_desktop.core.dates import parse_deadline_input
from foodsafety_desktop.core.errors import UserError
from foodsafety_desktop.core.services import ledger
from foodsafety_desktop.core.services.ledger import LedgerFilter
from foodsafety_desktop.core.storage.database import open_database
from foodsafety_desktop.core.storage.models import Section, Task
from foodsafety_desktop.ui.ledger_model import (
    COL_DEADLINE,
    COL_LEAD,
    COL_STATUS,
    COL_TASK,
    EDITABLE_COLUMNS,
    HEADERS,
    LedgerModel,
)

try:
    from .ledger_data import LEDGER_TODAY, build_ledger
except ImportError:
    from ledger_data import LEDGER_TODAY, build_ledger


@pytest.fixture
def db(tmp_path):
    database = open_database(tmp_path / "t.sqlite3")
    yield database
    database.close()


@pytest.fixture
def ids(db):
    return build_ledger(db)


@pytest.fixture
def model(qtbot, db, ids):
    m = LedgerModel(db, "测试")
    m.today = LEDGER_TODAY
    m.load(LedgerFilter(plan_id=ids.plan))
    return m


def task_indexes(model: LedgerModel, parent: QModelIndex = QModelIndex()) -> list[QModelIndex]:  # noqa: B008
    found = []
    for row in range(model.rowCount(parent)):
        index = model.index(row, 0, parent)
        if model.task_at(index) is not None:
            found.append(index)
        else:
            found.extend(task_indexes(model, index))
    return found


def test_tree_has_sections_as_parents_and_tasks_as_children(model, db, ids):
    with db.session() as s:
        top_sections = s.scalar(
            select(func.count(Section.id)).where(
                Section.plan_id == ids.plan, Section.parent_id.is_(None)
            )
        )
        task_count = s.scalar(select(func.count(Task.id)).where(Task.plan_id == ids.plan))
        per_section = dict(
            s.execute(
                select(Task.section_id, func.count(Task.id))
                .where(Task.plan_id == ids.plan)
                .group_by(Task.section_id)
            ).all()
        )
    assert model.rowCount() == top_sections == 2
    assert model.columnCount() == len(HEADERS) == 8
    first = model.index(0, 0)
    assert model.data(first) == "一、重点任务"
    assert model.rowCount(first) == 2  # （一）（二）
    for top in range(model.rowCount()):
        parent = model.index(top, 0)
        for sub in range(model.rowCount(parent)):
            section_index = model.index(sub, 0, parent)
            section = model.section_at(section_index)
            assert model.rowCount(section_index) == per_section[section.id]
            assert model.parent(section_index) == parent
            child = model.index(0, COL_TASK, section_index)
            assert model.parent(child) == section_index
    tasks = task_indexes(model)
    assert len(tasks) == task_count == model.task_count() == 31
    assert [model.task_at(i).task_id for i in tasks] == ids.tasks


def test_task_cells_and_overdue_marks(model, ids):
    index = model.index_for_task(ids.tasks[0])  # task 1: due 2024-03-31, 未启动 → overdue
    row = model.task_at(index)
    assert row.overdue
    deadline = index.siblingAtColumn(COL_DEADLINE)
    assert deadline.data() == "2024年3月底前"
    assert deadline.data(Qt.ItemDataRole.ToolTipRole) == "已逾期"
    assert deadline.data(Qt.ItemDataRole.ForegroundRole).color().red() > 150
    assert index.siblingAtColumn(COL_LEAD).data(Qt.ItemDataRole.BackgroundRole) is not None
    task_cell = index.siblingAtColumn(COL_TASK)
    assert task_cell.data().startswith("任务01落实责任：第1项任务")
    assert len(task_cell.data()) <= 62  # title + "："  + excerpt + "…"
    assert row.text in task_cell.data(Qt.ItemDataRole.ToolTipRole)
    done = model.index_for_task(ids.tasks[1])  # 已完成: not overdue
    assert done.siblingAtColumn(COL_DEADLINE).data(Qt.ItemDataRole.ToolTipRole) != "已逾期"
    assert done.siblingAtColumn(COL_LEAD).data(Qt.ItemDataRole.BackgroundRole) is None
    assert model.overdue_count() == 8


def test_only_task_columns_are_editable(model, ids):
    section = model.index(0, 0)
    assert not model.flags(section) & Qt.ItemFlag.ItemIsEditable
    index = model.index_for_task(ids.tasks[0])
    for column in range(len(HEADERS)):
        editable = bool(model.flags(index.siblingAtColumn(column)) & Qt.ItemFlag.ItemIsEditable)
        assert editable == (column in EDITABLE_COLUMNS)


def test_status_edit_is_stored(qtbot, model, db, ids):
    index = model.index_for_task(ids.tasks[0]).siblingAtColumn(COL_STATUS)
    with qtbot.waitSignal(model.dataChanged):
        assert model.setData(index, "已完成")
    with db.session() as s:
        assert s.get(Task, ids.tasks[0]).status == "已完成"
    assert index.data() == "已完成"
    assert not model.task_at(index).overdue  # done tasks are never overdue


def test_deadline_edit_keeps_the_words(model, db, ids):
    index = model.index_for_task(ids.tasks[3]).siblingAtColumn(COL_DEADLINE)
    assert model.setData(index, "2024年6月")
    with db.session() as s:
        task = s.get(Task, ids.tasks[3])
        assert task.deadline == dt.date(2024, 6, 30)
        assert task.deadline_text == "2024年6月"
    assert model.setData(index, "2024-09-15")
    with db.session() as s:
        task = s.get(Task, ids.tasks[3])
        assert (task.deadline, task.deadline_text) == (dt.date(2024, 9, 15), None)
    assert index.data() == "2024年9月15日"


def test_invalid_deadline_is_rejected_without_change(qtbot, model, db, ids):
    index = model.index_for_task(ids.tasks[0]).siblingAtColumn(COL_DEADLINE)
    with qtbot.waitSignal(model.editFailed) as blocker:
        assert not model.setData(index, "下个月吧")
    assert isinstance(blocker.args[0], UserError)
    assert "完成时限" in str(blocker.args[0])
    with db.session() as s:
        task = s.get(Task, ids.tasks[0])
        assert task.deadline == dt.date(2024, 3, 31)
        assert task.deadline_text == "2024年3月底前"
    assert index.data() == "2024年3月底前"


def test_empty_title_is_rejected(qtbot, model, db, ids):
    index = model.index_for_task(ids.tasks[0]).siblingAtColumn(COL_TASK)
    with qtbot.waitSignal(model.editFailed):
        assert not model.setData(index, "   ")
    with db.session() as s:
        assert s.get(Task, ids.tasks[0]).title == "任务01落实责任"


def test_filtered_load_shows_only_matching_tasks(model, db, ids):
    flt = LedgerFilter(plan_id=ids.plan, department_id=ids.departments["区农业农村局"])
    model.load(flt)
    with db.session() as s:
        expected = [r.task_id for r in ledger.ledger_rows(s, flt, today=LEDGER_TODAY)]
    assert [r.task_id for r in model.ledger_rows()] == expected
    assert 0 < len(expected) < 31
    # Only sections that hold a matching task are shown.
    shown_sections = {model.task_at(i).section_id for i in task_indexes(model)}
    count = sum(model.rowCount(model.index(r, 0)) for r in range(model.rowCount()))
    assert count == len(shown_sections)


def test_tasks_without_section_are_top_level_rows(db, qtbot):
    ids = build_ledger(db, task_count=3)
    with db.session() as s:
        ledger.add_task(s, ids.plan, user="测试", title="无章节任务")
        s.get(Task, ids.tasks[0]).section_id = None
    model = LedgerModel(db, "测试")
    model.load(LedgerFilter(plan_id=ids.plan))
    titles = [model.index(r, 0).data() for r in range(model.rowCount())]
    assert "1." in titles  # the task moved out of its section comes first (position 1)
    assert model.task_count() == 4


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-06-30", (dt.date(2024, 6, 30), None)),
        ("2024/6/5", (dt.date(2024, 6, 5), None)),
        ("2024年6月", (dt.date(2024, 6, 30), "2024年6月")),
        ("2024年2月底前", (dt.date(2024, 2, 29), "2024年2月底前")),
        ("2024年6月15日", (dt.date(2024, 6, 15), "2024年6月15日")),
        ("2024年底", (dt.date(2024, 12, 31), "2024年底")),
        ("", (None, None)),
    ],
)
def test_parse_deadline_input(text, expected):
    assert parse_deadline_input(text) == expected


@pytest.mark.parametrize("text", ["2024-13-01", "2024-02-30", "尽快", "abc"])
def test_parse_deadline_input_rejects(text):
    with pytest.raises(UserError):
        parse_deadline_input(text)
