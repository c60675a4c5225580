"""操作记录 dialog and the undo action: history of a task, the whole database, undo."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtWidgets import QApplication
from sqlalchemy import select

from foodsafety_desktop.core.services import departments, ledger
from foodsafety_desktop.core.services.ledger import LedgerFilter
from foodsafety_desktop.core.storage.database import current_user, open_database
from foodsafety_desktop.core.storage.models import Task
from foodsafety_desktop.ui import history_dialog, messages
from foodsafety_desktop.ui.history_dialog import HistoryDialog, run_undo, undo_text

try:
    from .ledger_data import LEDGER_TODAY, build_ledger
except ImportError:
    from ledger_data import LEDGER_TODAY, build_ledger

MARKET = "区市场监管局"


@pytest.fixture
def db(tmp_path):
    database = open_database(tmp_path / "t.sqlite3")
    yield database
    database.close()


@pytest.fixture
def sample(db):
    return build_ledger(db, task_count=8)


def ledger_rows(db) -> list[ledger.LedgerRow]:
    with db.session() as s:
        return ledger.ledger_rows(s, LedgerFilter(), today=LEDGER_TODAY)


@pytest.fixture
def boxes(monkeypatch) -> list[tuple[str, str]]:
    """Record every message box instead of showing it (it would block the test)."""
    shown: list[tuple[str, str]] = []

    def info(_parent, text, _title=""):
        shown.append(("info", text))

    def error(_parent, exc, _title=""):
        shown.append(("error", str(exc)))

    monkeypatch.setattr(messages, "show_info", info)
    monkeypatch.setattr(messages, "show_error", error)
    return shown


def type_text(widget, text: str) -> None:
    """Type Chinese text the way an input method does (QTest.keyClicks is ASCII only)."""
    widget.setFocus()
    widget.selectAll()
    event = QInputMethodEvent()
    event.setCommitString(text)
    QApplication.sendEvent(widget, event)


def open_dialog(qtbot, db, **kwargs) -> HistoryDialog:
    dialog = HistoryDialog(db, **kwargs)
    qtbot.addWidget(dialog)
    return dialog


def test_task_history_lists_edits_newest_first_with_before_and_after(qtbot, db, sample, boxes):
    task_id = sample.tasks[0]
    user = current_user()
    with db.session() as s:
        ledger.update_task(s, task_id, user=user, status="序时推进")
    with db.session() as s:
        ledger.update_task(s, task_id, user=user, title="任务01落实企业主体责任")
    with db.session() as s:  # another task: not in this task's history
        ledger.update_task(s, sample.tasks[1], user=user, status="滞后")

    dialog = open_dialog(qtbot, db, entity="task", entity_id=task_id, title="任务的操作记录")
    assert dialog.windowTitle() == "任务的操作记录"
    assert not dialog.filterEdit.isVisibleTo(dialog)
    rows = dialog.visible_rows()
    assert [r.summary for r in rows] == [
        "修改任务“1.任务01落实企业主体责任”：任务名称",
        "修改任务“1.任务01落实责任”：状态 未启动→序时推进",
    ]
    assert [r.action for r in rows] == ["修改任务", "修改任务"]
    model = dialog.entriesView.model()
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(4)]
    assert headers == ["时间", "操作人", "操作", "内容"]
    assert model.index(0, 0).data() == rows[0].at_text  # local time, to the second
    assert model.index(0, 1).data() == user
    assert model.index(1, 3).data() == rows[1].summary

    # The newest is selected; the detail below shows before → after.
    assert dialog.detailText.toPlainText() == "任务名称：任务01落实责任 → 任务01落实企业主体责任"
    dialog.entriesView.selectRow(1)
    assert dialog.detailText.toPlainText() == "状态：未启动 → 序时推进"
    assert dialog.countLabel.text() == "共 2 条记录"
    assert boxes == []


def test_whole_database_view_filters_by_text(qtbot, db, sample):
    user = current_user()
    with db.session() as s:
        ledger.update_task(s, sample.tasks[0], user=user, status="序时推进")
        departments.add_alias(s, sample.departments[MARKET], "区市场监督管理局", user=user)
        ledger.delete_task(s, sample.tasks[3], user=user)

    dialog = open_dialog(qtbot, db, entity=None, entity_id=None, title="操作记录")
    assert dialog.filterEdit.isVisibleTo(dialog)
    assert [r.action for r in dialog.visible_rows()] == ["删除任务", "添加别名", "修改任务"]

    type_text(dialog.filterEdit, "别名")
    assert [r.summary for r in dialog.visible_rows()] == [
        "为单位“区市场监管局”添加别名“区市场监督管理局”"
    ]
    assert dialog.countLabel.text() == "显示 1 条，共 3 条记录"
    assert dialog.detailText.toPlainText() == "别名：区市场监督管理局"

    dialog.filterEdit.setText("任务04")
    (deleted,) = dialog.visible_rows()
    assert deleted.summary == "删除任务“4.任务04落实责任”"
    assert "牵头单位：区公安分局" in dialog.detailText.toPlainText()

    dialog.filterEdit.setText("没有这样的记录")
    assert dialog.visible_rows() == [] and dialog.detailText.toPlainText() == ""
    assert dialog.countLabel.text() == "显示 0 条，共 3 条记录"
    dialog.filterEdit.clear()
    assert len(dialog.visible_rows()) == 3


def test_run_undo_restores_a_deleted_task(db, sample, monkeypatch, boxes):
    before = ledger_rows(db)
    assert undo_text(db) is None
    with db.session() as s:
        ledger.delete_task(s, sample.tasks[0], user="张三")
    assert undo_text(db) == "撤销：删除任务“1.任务01落实责任”"

    questions: list[str] = []
    answer = False

    def confirm(_parent, text, _title=""):
        questions.append(text)
        return answer

    monkeypatch.setattr(messages, "confirm", confirm)
    assert run_undo(None, db, "李四") is False  # declined: nothing changes
    with db.session() as s:
        assert s.get(Task, sample.tasks[0]) is None

    answer = True
    assert run_undo(None, db, "李四") is True
    assert questions[0].startswith("撤销删除任务“1.任务01落实责任”？")
    assert "张三" in questions[0]
    assert boxes == [("info", "已恢复任务“1.任务01落实责任”（2 条单位分工）")]
    with db.session() as s:
        assert s.scalar(select(Task.title).where(Task.id == sample.tasks[0])) == "任务01落实责任"
    assert ledger_rows(db) == before

    # Nothing more to undo: the action is disabled, and run_undo only says so.
    assert undo_text(db) is None
    assert run_undo(None, db, "李四") is False
    assert boxes[-1] == ("info", "没有可以撤销的操作。")
    assert len(questions) == 2


def test_long_names_are_cut_in_the_menu_text(db, sample):
    with db.session() as s:
        ledger.update_task(s, sample.tasks[1], user="张三", title="压" * 60)
        ledger.delete_task(s, sample.tasks[1], user="张三")
    text = undo_text(db)
    assert text is not None and text.startswith("撤销：删除任务“2.压压")
    assert text.endswith("…”") and len(text) == len("撤销：") + history_dialog.UNDO_TEXT_LIMIT
