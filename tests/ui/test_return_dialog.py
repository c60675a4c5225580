"""退回修改 in the GUI: opened from the history (a collected workbook) and from the collect
preview, two row comments typed, the package written, the state in 报送管理, the
corrected file collected and both workbooks in the history."""

from __future__ import annotations

import datetime as dt
import json

import openpyxl
import pytest
from core.collect_fixtures import Q3, build_scenario, fill
from docx import Document
from PySide6.QtCore import Qt
from user_input import type_comment

from foodsafety_desktop.core.excel import template_layout as layout
from foodsafety_desktop.core.services import history, returns, tracking
from foodsafety_desktop.core.services.collect import collect_files
from foodsafety_desktop.core.storage.database import current_user, open_database
from foodsafety_desktop.core.storage.models import Submission
from foodsafety_desktop.ui import messages
from foodsafety_desktop.ui.collect_dialog import CollectDialog
from foodsafety_desktop.ui.history_dialog import HistoryDialog
from foodsafety_desktop.ui.reporting_window import ReportingWindow
from foodsafety_desktop.ui.return_dialog import COMMENT_COLUMN, ReturnDialog

MARKET = "县市场监管局"


@pytest.fixture
def db(tmp_path):
    database = open_database(tmp_path / "office.sqlite3")
    yield database
    database.close()


@pytest.fixture
def boxes(monkeypatch) -> list[tuple[str, str]]:
    """Record every message box instead of showing it (it would block the test)."""
    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(messages, "show_info", lambda _p, text, _t="": shown.append(("info", text)))
    monkeypatch.setattr(
        messages, "show_error", lambda _p, exc, _t="": shown.append(("error", str(exc)))
    )
    monkeypatch.setattr(messages, "confirm", lambda *_a, **_k: True)
    return shown


def select_entry(dialog: HistoryDialog, action: str) -> None:
    rows = dialog.visible_rows()
    index = next(i for i, r in enumerate(rows) if r.action_code == action)
    dialog.entriesView.selectRow(index)


def test_return_from_history_then_corrected_file(qtbot, db, tmp_path, boxes):
    sc = build_scenario(db, tmp_path / "t", [MARKET])
    first = collect_files(
        db,
        [fill(sc.templates[MARKET], tmp_path / "back" / "市场监管局.xlsx")],
        user=current_user(),
        received_at=dt.datetime(2022, 9, 20, 2),
        accept_warnings=True,
    )[0]
    assert first.accepted
    sub_id = first.submission_id

    hist = HistoryDialog(db, entity=None, entity_id=None, title="操作记录")
    qtbot.addWidget(hist)
    hist.show()
    select_entry(hist, "plan.import")
    assert not hist.returnButton.isEnabled()  # not a workbook's entry
    select_entry(hist, "submission.collect")
    assert hist.returnButton.isEnabled()
    qtbot.mouseClick(hist.returnButton, Qt.MouseButton.LeftButton)
    dialog = hist.return_dialog
    assert isinstance(dialog, ReturnDialog) and dialog.submission_id == sub_id
    assert dialog.isVisible() and not dialog.withdrawButton.isVisible()
    shown = [dialog.rowsTable.item(r, 0).text() for r in range(dialog.rowsTable.rowCount())]
    assert shown[:3] == ["1", "2", "3"]
    assert dialog.rowsTable.item(0, 2).text() == "序时推进"
    assert dialog.rowsTable.item(0, 3).text() == "已按要求推进，开展专项检查1次"

    type_comment(qtbot, dialog, 0, "请补充检查户次和发现问题数。")
    type_comment(qtbot, dialog, 2, "完成情况与措施不一致，请核实。")
    dialog.noteEdit.setPlainText("部分任务的落实情况过于简略。")
    dialog.folderEdit.setText(str(tmp_path / "退回"))
    with qtbot.waitSignal(dialog.returnFinished, timeout=20000) as done:
        qtbot.mouseClick(dialog.returnButton, Qt.MouseButton.LeftButton)
    outcome = done.args[0]
    assert boxes and boxes[-1][0] == "info" and "已退回" in boxes[-1][1]
    assert not dialog.isVisible()
    review = dialog.review
    task_ids = [review.rows[0].task_id, review.rows[2].task_id]
    sheet_rows = [review.rows[0].row, review.rows[2].row]

    # The database, reopened.
    again = open_database(tmp_path / "office.sqlite3")
    try:
        with again.session() as s:
            sub = s.get(Submission, sub_id)
            assert sub.is_current and sub.returned_by == current_user()
            data = json.loads(sub.return_json)
            assert data["note"] == "部分任务的落实情况过于简略。"
            assert [(r["task_id"], r["row"], r["comment"]) for r in data["rows"]] == [
                (task_ids[0], sheet_rows[0], "请补充检查户次和发现问题数。"),
                (task_ids[1], sheet_rows[1], "完成情况与措施不一致，请核实。"),
            ]
    finally:
        again.close()

    # The files for the unit.
    package = outcome.package
    table = Document(str(package.notice_path)).tables[0]
    assert [row.cells[2].text for row in table.rows[1:]] == [
        "请补充检查户次和发现问题数。",
        "完成情况与措施不一致，请核实。",
    ]
    wb = openpyxl.load_workbook(package.template_path)
    ws = wb[layout.REPORT_SHEET]
    assert ws[layout.cell("status", sheet_rows[0])].value == "序时推进"
    assert ws[layout.cell("measures", sheet_rows[1])].value == "已按要求推进，开展专项检查3次"
    assert "请补充检查户次" in ws[layout.cell("task", sheet_rows[0])].comment.text

    # 报送管理 shows the state.
    window = ReportingWindow(db, sc.plan_id)
    qtbot.addWidget(window)
    window.show()
    assert window.select_period(Q3)
    assert window.status_of(MARKET) == tracking.STATE_RETURNED

    # The unit corrects the prefilled template; the real collect replaces the returned one.
    ws[layout.cell("measures", sheet_rows[0])] = "开展专项检查120户次，发现问题15个，已全部整改。"
    ws[layout.cell("status", sheet_rows[1])] = "已完成"
    corrected = tmp_path / "back" / "市场监管局（更正）.xlsx"
    wb.save(corrected)
    second = collect_files(
        db,
        [corrected],
        user=current_user(),
        received_at=dt.datetime(2022, 9, 24, 2),
        accept_warnings=True,
    )[0]
    assert second.accepted and second.counts["changed"] == 2, second.errors
    window.refresh()
    assert window.select_period(Q3)
    assert window.status_of(MARKET) == tracking.STATE_REPORTED

    # The history: both workbooks, the return with its comments on the old one.
    hist.refresh()
    codes = [r.action_code for r in hist.visible_rows()]
    assert codes[:3] == ["submission.collect", returns.ACTION_RETURN, "submission.collect"]
    select_entry(hist, returns.ACTION_RETURN)
    assert "完成情况与措施不一致，请核实。" in hist.detailText.toPlainText()
    assert "退回说明：部分任务的落实情况过于简略。" in hist.detailText.toPlainText()
    with db.session() as s:
        chain = history.submission_history(s, second.submission_id)
        assert [(r.action_code, r.entity_id) for r in chain] == [
            ("submission.collect", second.submission_id),
            (returns.ACTION_RETURN, sub_id),
            ("submission.collect", sub_id),
        ]
        assert chain[0].summary.endswith("（更正退回修改的报送）")
        old, new = s.get(Submission, sub_id), s.get(Submission, second.submission_id)
        assert (old.is_current, old.returned_at is not None) == (False, True)
        assert (new.is_current, new.returned_at) == (True, None)


def test_return_from_the_collect_preview_and_withdraw(qtbot, db, tmp_path, boxes):
    sc = build_scenario(db, tmp_path / "t", [MARKET])
    path = fill(sc.templates[MARKET], tmp_path / "back" / "市场监管局.xlsx")
    dialog = CollectDialog(db, [path], period_id=sc.q3)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.checked, timeout=30000)
    dialog.filesList.setCurrentRow(0)
    assert not dialog.returnButton.isEnabled()  # not stored yet
    dialog.set_accept_warnings(0, True)
    with qtbot.waitSignal(dialog.importFinished, timeout=30000):
        dialog.import_selected()
    sub_id = dialog.results[0].submission_id
    assert dialog.returnButton.isEnabled()
    qtbot.mouseClick(dialog.returnButton, Qt.MouseButton.LeftButton)
    ret = dialog.return_dialog
    assert isinstance(ret, ReturnDialog) and ret.submission_id == sub_id

    # Nothing entered: refused with the reason, nothing stored.
    ret.folderEdit.clear()
    qtbot.mouseClick(ret.returnButton, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(boxes), timeout=20000)
    assert boxes[-1][0] == "error"
    assert "请填写退回说明" in boxes[-1][1] and ret.returnButton.isEnabled()
    type_comment(qtbot, ret, 1, "请补充数据。")
    with qtbot.waitSignal(ret.returnFinished, timeout=20000) as done:
        qtbot.mouseClick(ret.returnButton, Qt.MouseButton.LeftButton)
    assert done.args[0].package is None  # no folder: returned only
    with db.session() as s:
        assert (
            tracking.status_matrix(s, sc.plan_id).cell(sc.departments[MARKET], sc.q3).state
            == tracking.STATE_RETURNED
        )

    # Opened again: the comment is there, and the return can be withdrawn.
    again = ReturnDialog(db, sub_id)
    qtbot.addWidget(again)
    assert again.rowsTable.item(1, COMMENT_COLUMN).text() == "请补充数据。"
    assert again.withdrawButton.isVisibleTo(again)
    with qtbot.waitSignal(again.withdrawFinished, timeout=20000):
        qtbot.mouseClick(again.withdrawButton, Qt.MouseButton.LeftButton)
    with db.session() as s:
        assert s.get(Submission, sub_id).returned_at is None
        assert (
            tracking.status_matrix(s, sc.plan_id).cell(sc.departments[MARKET], sc.q3).state
            != tracking.STATE_RETURNED
        )
