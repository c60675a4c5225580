"""报送管理: 新增期次…, 修改期次…, 删除期次, 撤销 and 自动关闭… clicked as the clerk does.

Seed 001 has no 报送要求: its periods can only be added by hand.  The dialogs are modal
(``exec``); a zero-delay timer fills them in once they are up, and the write the window
runs on the database worker is awaited through ``periodsWritten``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from core.collect_fixtures import Q3, build_scenario, fill
from PySide6.QtCore import QDate, Qt, QTimer
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtWidgets import QApplication, QInputDialog, QLineEdit, QMessageBox
from seeds import seed_path
from sqlalchemy import select

from foodsafety_desktop.core.services import periods, undo
from foodsafety_desktop.core.services.collect import collect_files
from foodsafety_desktop.core.services.plan_import import import_plan_file
from foodsafety_desktop.core.storage.database import open_database
from foodsafety_desktop.core.storage.models import ReportingPeriod, Submission
from foodsafety_desktop.ui.period_dialog import PeriodDialog
from foodsafety_desktop.ui.reporting_window import ReportingWindow

WAIT_MS = 10000
MARKET = "县市场监管局"


@pytest.fixture
def db(tmp_path):
    database = open_database(tmp_path / "office.sqlite3")
    yield database
    database.close()


@pytest.fixture
def boxes(monkeypatch):
    """Every message box answered Yes and recorded: (kind, title, text)."""
    shown: list[tuple[str, str, str]] = []

    def box(kind: str, answer=None):
        def show(_parent, title, text, *_args, **_kwargs):
            shown.append((kind, title, text))
            return answer

        return staticmethod(show)

    monkeypatch.setattr(QMessageBox, "question", box("question", QMessageBox.StandardButton.Yes))
    monkeypatch.setattr(QMessageBox, "information", box("information"))
    monkeypatch.setattr(QMessageBox, "warning", box("warning"))
    return shown


def make_window(qtbot, db, plan_id) -> ReportingWindow:
    window = ReportingWindow(db, plan_id)
    qtbot.addWidget(window)
    window.show()
    return window


def with_dialog(act: Callable[[PeriodDialog], None]) -> list[PeriodDialog]:
    """Run ``act`` on the modal period dialog as soon as it is shown."""
    seen: list[PeriodDialog] = []

    def run() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, PeriodDialog), dialog
        seen.append(dialog)
        try:
            act(dialog)
        finally:
            if dialog.isVisible():  # a failed check must not leave the modal loop running
                dialog.reject()

    QTimer.singleShot(0, run)
    return seen


def type_text(edit: QLineEdit, text: str) -> None:
    """Type Chinese as an input method does: one committed string (QTest types ASCII)."""
    event = QInputMethodEvent()
    event.setCommitString(text)
    QApplication.sendEvent(edit, event)


def click_and_wait(qtbot, window: ReportingWindow, button) -> None:
    with qtbot.waitSignal(window.periodsWritten, timeout=WAIT_MS):
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def rows(window: ReportingWindow) -> list[tuple[str, str, str]]:
    table = window.periodsTable
    return [tuple(table.item(r, c).text() for c in range(3)) for r in range(table.rowCount())]


def stored(db) -> list[tuple]:
    with db.session() as s:
        return [
            (p.name, p.kind, p.start_date, p.due_date)
            for p in s.scalars(select(ReportingPeriod).order_by(ReportingPeriod.position))
        ]


def test_add_edit_delete_and_undo_by_the_buttons(qtbot, db, boxes):
    plan_id = import_plan_file(db, seed_path("001"), user="测试").plan_id
    window = make_window(qtbot, db, plan_id)
    assert window.periodsTable.rowCount() == 0
    assert "新增期次" in window.countsLabel.text()
    assert window.addPeriodButton.isEnabled()
    assert not window.editPeriodButton.isEnabled() and not window.deletePeriodButton.isEnabled()

    def enter_q3(dialog: PeriodDialog) -> None:
        assert dialog.windowTitle() == "新增报送期次"
        # The plan is 2023's: a quarter of it is proposed.
        assert dialog.kindCombo.currentText() == "季度"
        assert dialog.nameEdit.text().startswith("2023年第")
        dialog.nameEdit.clear()
        type_text(dialog.nameEdit, "2023年第三季度")
        assert dialog.kindCombo.currentText() == "季度"
        assert dialog.startCheck.isChecked()
        assert dialog.startEdit.date().toPython() == dt.date(2023, 7, 1)
        dialog.dueEdit.setDate(QDate(2023, 10, 10))
        assert "2023年11月9日后自动关闭" in dialog.hintLabel.text()
        qtbot.mouseClick(dialog.okButton, Qt.MouseButton.LeftButton)

    seen = with_dialog(enter_q3)
    click_and_wait(qtbot, window, window.addPeriodButton)
    assert seen and not boxes
    assert rows(window) == [("2023年第三季度", "2023-10-10", "已关闭")]
    assert window.selected_period().name == "2023年第三季度"
    assert stored(db) == [("2023年第三季度", "quarter", dt.date(2023, 7, 1), dt.date(2023, 10, 10))]
    assert window.undoPeriodButton.isEnabled()
    assert window.undoPeriodButton.toolTip() == "撤销：新建报送期次“2023年第三季度”"
    # Closed by itself (due + 30 days is past): only a later due date reopens it.
    assert not window.closePeriodButton.isEnabled()
    assert "自动关闭" in window.closePeriodButton.toolTip()

    # A second period of another kind; the kind chosen first brings its proposal.
    def enter_special(dialog: PeriodDialog) -> None:
        dialog.kindCombo.setCurrentIndex(dialog.kindCombo.findText("专项"))
        assert dialog.nameEdit.text() == "专项："
        assert not dialog.startCheck.isChecked()
        qtbot.mouseClick(dialog.okButton, Qt.MouseButton.LeftButton)  # "专项：" alone: refused
        assert boxes[-1][0] == "warning" and "请在“专项：”后写明报送内容" in boxes[-1][2]
        assert dialog.isVisible()
        type_text(dialog.nameEdit, "方案制定情况")
        dialog.dueEdit.setDate(QDate(2023, 5, 31))
        qtbot.mouseClick(dialog.okButton, Qt.MouseButton.LeftButton)

    with_dialog(enter_special)
    click_and_wait(qtbot, window, window.addPeriodButton)
    assert rows(window) == [
        ("专项：方案制定情况", "2023-05-31", "已关闭"),
        ("2023年第三季度", "2023-10-10", "已关闭"),
    ]
    assert window.selected_period().name == "专项：方案制定情况"

    # 修改期次…: the selected one, renamed to a name another period has → refused.
    assert window.select_period("2023年第三季度")

    def rename(dialog: PeriodDialog) -> None:
        assert dialog.windowTitle() == "修改报送期次"
        assert dialog.nameEdit.text() == "2023年第三季度"
        dialog.nameEdit.setText("专项：方案制定情况")
        qtbot.mouseClick(dialog.okButton, Qt.MouseButton.LeftButton)
        assert "已有名为“专项：方案制定情况”" in boxes[-1][2]
        dialog.nameEdit.clear()
        type_text(dialog.nameEdit, "2023年第四季度")
        dialog.dueEdit.setDate(QDate.currentDate().addDays(10))
        qtbot.mouseClick(dialog.okButton, Qt.MouseButton.LeftButton)

    with_dialog(rename)
    click_and_wait(qtbot, window, window.editPeriodButton)
    later = dt.date.today() + dt.timedelta(days=10)
    assert window.selected_period().name == "2023年第四季度"
    assert rows(window)[1] == ("2023年第四季度", f"{later:%Y-%m-%d}", "进行中")
    assert stored(db)[1] == ("2023年第四季度", "quarter", dt.date(2023, 10, 1), later)
    assert window.closePeriodButton.isEnabled()  # open again: due date in the future

    # 撤销 puts the quarter back as it was.
    click_and_wait(qtbot, window, window.undoPeriodButton)
    assert boxes[-2][0] == "question" and "撤销：修改报送期次“2023年第三季度”" in boxes[-2][2]
    assert boxes[-1] == (
        "information",
        "已撤销",
        "报送期次已恢复为“2023年第三季度”（截止 2023-10-10）",
    )
    assert rows(window)[1] == ("2023年第三季度", "2023-10-10", "已关闭")
    assert window.selected_period().name == "2023年第三季度"

    # 删除期次 asks, deletes; 撤销 brings it back.
    click_and_wait(qtbot, window, window.deletePeriodButton)
    assert boxes[-1] == ("question", "删除期次", "删除报送期次“2023年第三季度”？删除后可以撤销。")
    assert [r[0] for r in rows(window)] == ["专项：方案制定情况"]
    click_and_wait(qtbot, window, window.undoPeriodButton)
    assert [r[0] for r in rows(window)] == ["专项：方案制定情况", "2023年第三季度"]
    with db.session() as s:
        assert undo.last_undoable(s) is None
    assert not window.undoPeriodButton.isEnabled()


def test_cancelled_dialog_and_answer_no_change_nothing(qtbot, db, boxes, monkeypatch):
    plan_id = import_plan_file(db, seed_path("001"), user="测试").plan_id
    window = make_window(qtbot, db, plan_id)
    with_dialog(lambda dialog: dialog.reject())
    qtbot.mouseClick(window.addPeriodButton, Qt.MouseButton.LeftButton)
    assert window.periodsTable.rowCount() == 0 and stored(db) == []
    with db.session() as s:
        periods.add_period(s, plan_id, user="测试", name="2023年度", due_date=dt.date(2023, 12, 20))
    window.refresh()
    monkeypatch.setattr(
        QMessageBox, "question", staticmethod(lambda *_a, **_k: QMessageBox.StandardButton.No)
    )
    assert window.delete_period() is None
    assert [r[0] for r in rows(window)] == ["2023年度"]


def test_deleting_a_period_with_submissions_asks_backs_up_and_undoes(qtbot, db, boxes, tmp_path):
    sc = build_scenario(db, tmp_path / "templates", [MARKET])
    [outcome] = collect_files(
        db,
        [fill(sc.templates[MARKET], tmp_path / "returned" / "市场监管局.xlsx")],
        user="测试",
        accept_warnings=True,
    )
    assert outcome.accepted
    window = make_window(qtbot, db, sc.plan_id)
    assert window.select_period(Q3)
    assert window.selected_period().submission_count == 1
    with qtbot.waitSignal(window.periodDeleted, timeout=WAIT_MS) as deleted:
        qtbot.mouseClick(window.deletePeriodButton, Qt.MouseButton.LeftButton)
    question = next(text for kind, _t, text in boxes if kind == "question")
    assert "已收到 1 个单位的报送" in question and "删除前会自动备份数据库" in question
    result = deleted.args[0]
    assert (result.name, result.submissions) == (Q3, 1)
    assert result.backup is not None and result.backup.is_file()
    assert boxes[-1][:2] == ("information", "已删除") and result.backup.name in boxes[-1][2]
    assert Q3 not in [r[0] for r in rows(window)]
    with db.session() as s:
        assert s.scalars(select(Submission)).all() == []

    click_and_wait(qtbot, window, window.undoPeriodButton)
    assert "已恢复报送期次“2022年第三季度”（1 份报送" in boxes[-1][2]
    assert window.select_period(Q3)
    assert window.selected_period().submission_count == 1
    with db.session() as s:
        assert len(s.scalars(select(Submission)).all()) == 1


def test_grace_days_are_set_from_the_window(qtbot, db, boxes, monkeypatch):
    plan_id = import_plan_file(db, seed_path("001"), user="测试").plan_id
    due = dt.date.today() - dt.timedelta(days=10)
    with db.session() as s:
        periods.add_period(s, plan_id, user="测试", name="专项：方案制定情况", due_date=due)
    window = make_window(qtbot, db, plan_id)
    assert rows(window)[0][2] == "进行中"  # 10 days after the due date, 30 days of grace
    asked: list[int] = []

    def get_int(_parent, _title, _label, value, low, high, *_args, **_kwargs):
        asked.append((value, low, high))
        return 5, True

    monkeypatch.setattr(QInputDialog, "getInt", staticmethod(get_int))
    click_and_wait(qtbot, window, window.graceButton)
    assert asked == [(30, 0, 366)]
    assert rows(window)[0][2] == "已关闭"
    assert "截止日期后 5 天自动关闭" in window.graceButton.toolTip()
    assert "自动关闭" in window.periodsTable.item(0, 2).toolTip()
