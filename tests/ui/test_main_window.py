"""MainWindow: plan picker, filters, in-place edits, task order, export and printing."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from seeds import seed_path
from sqlalchemy import select

from foodsafety_desktop.core.plans.model import ParsedPlan
from foodsafety_desktop.core.services import ledger
from foodsafety_desktop.core.services.ledger import LedgerFilter
from foodsafety_desktop.core.storage.database import open_database
from foodsafety_desktop.core.storage.models import Assignment, Task
from foodsafety_desktop.ui import messages, printing
from foodsafety_desktop.ui.ledger_model import COL_DEADLINE, COL_PROGRESS, COL_STATUS
from foodsafety_desktop.ui.main_window import MainWindow

try:
    from .ledger_data import LEDGER_TODAY, PLAN_TITLE, build_ledger
except ImportError:
    from ledger_data import LEDGER_TODAY, PLAN_TITLE, build_ledger


class Messages:
    """What the window told the user (instead of blocking message boxes)."""

    def __init__(self, monkeypatch, confirm_answer: bool = True) -> None:
        self.errors: list[str] = []
        self.infos: list[str] = []
        self.confirm_answer = confirm_answer
        monkeypatch.setattr(
            messages, "show_error", lambda _p, exc, _t="": self.errors.append(str(exc))
        )
        monkeypatch.setattr(messages, "show_info", lambda _p, text, _t="": self.infos.append(text))
        monkeypatch.setattr(messages, "confirm", lambda _p, _text, _t="": self.confirm_answer)


@pytest.fixture
def shown(monkeypatch):
    return Messages(monkeypatch)


@pytest.fixture
def db(tmp_path):
    database = open_database(tmp_path / "t.sqlite3")
    yield database
    database.close()


@pytest.fixture
def ids(db):
    return build_ledger(db)


@pytest.fixture
def window(qtbot, db, ids, shown):
    w = MainWindow(db, user="测试", today=LEDGER_TODAY)
    qtbot.addWidget(w)
    w.show()
    return w


def db_rows(db, **filters):
    with db.session() as s:
        return ledger.ledger_rows(s, LedgerFilter(**filters), today=LEDGER_TODAY)


def shown_ids(window: MainWindow) -> list[int]:
    return [r.task_id for r in window.model.ledger_rows()]


def plan_order(db, plan_id: int) -> list[int]:
    with db.session() as s:
        return list(
            s.scalars(select(Task.id).where(Task.plan_id == plan_id).order_by(Task.position))
        )


def test_window_shows_the_plan(window, db, ids):
    assert window.windowTitle() == f"食安台账 — {PLAN_TITLE}"
    assert window.current_plan_id() == ids.plan
    assert "某食安办〔2024〕1号" in window.plan_combo.currentText()
    assert shown_ids(window) == [r.task_id for r in db_rows(db, plan_id=ids.plan)]
    assert window.model.rowCount() == 2  # 一、 二、
    assert window.count_label.text() == "共 31 项任务，逾期 8 项"
    assert window.view.isFirstColumnSpanned(0, window.view.rootIndex())
    assert str(db.sqlite_path) in window._database_label.text()
    menus = [a.text() for a in window.menuBar().actions()]
    assert menus == [
        "文件(&F)",
        "方案(&P)",
        "台账(&L)",
        "报送(&R)",
        "考核(&K)",
        "部门(&D)",
        "帮助(&H)",
    ]


def test_demo_title(qtbot, db, ids, shown):
    w = MainWindow(db, demo=True)
    qtbot.addWidget(w)
    assert w.windowTitle().endswith("（演示数据）")


def test_empty_database_shows_a_hint(qtbot, tmp_path, shown):
    db = open_database(tmp_path / "empty.sqlite3")
    w = MainWindow(db)
    qtbot.addWidget(w)
    assert w.windowTitle() == "食安台账"
    assert w.model.rowCount() == 0
    assert "导入方案" in w.detail.toPlainText()
    assert not w.export_action.isEnabled()
    db.close()


def test_department_filter(window, db, ids):
    department = ids.departments["区农业农村局"]
    assert window.department_combo.itemText(0) == "全部部门"
    window.select_department("区农业农村局")
    expected = [r.task_id for r in db_rows(db, plan_id=ids.plan, department_id=department)]
    assert 0 < len(expected) < 31
    assert shown_ids(window) == expected
    assert window.count_label.text().startswith(f"共 {len(expected)} 项任务")
    for row in window.model.ledger_rows():
        assert "区农业农村局" in row.lead + row.responsible
    window.select_department(None)
    assert len(shown_ids(window)) == 31


def test_status_and_overdue_filters(window, db, ids):
    window.status_combo.setCurrentIndex(window.status_combo.findText("已完成"))
    assert shown_ids(window) == [r.task_id for r in db_rows(db, plan_id=ids.plan, status="已完成")]
    window.status_combo.setCurrentIndex(0)
    window.overdue_check.setChecked(True)
    overdue = [r.task_id for r in db_rows(db, plan_id=ids.plan, overdue_only=True)]
    assert len(overdue) == 8
    assert shown_ids(window) == overdue


def test_search_filters_as_the_user_types(qtbot, window, db, ids):
    qtbot.keyClicks(window.search_edit, "07")  # QTest types Latin-1 only
    expected = [r.task_id for r in db_rows(db, plan_id=ids.plan, text="07")]
    assert len(expected) == 1
    qtbot.waitUntil(lambda: shown_ids(window) == expected, timeout=3000)
    assert window.count_label.text() == "共 1 项任务，逾期 0 项"
    window.search_edit.clear()
    window.search_edit.insert("部署会议")  # what an input method commits
    expected = [r.task_id for r in db_rows(db, plan_id=ids.plan, text="部署会议")]
    qtbot.waitUntil(lambda: shown_ids(window) == expected, timeout=3000)
    assert len(expected) == 6


def test_selecting_a_task_fills_the_detail_panel(window, ids):
    window.select_task(ids.tasks[2])
    text = window.detail.toPlainText()
    task = window.selected_task()
    assert task.text[:40] in text
    assert "牵头单位" in text and task.lead[0] in text
    assert "抽检覆盖率" in text  # task 3 has an indicator
    assert window.edit_departments_button.isEnabled()


def test_status_edit_persists(qtbot, window, db, ids):
    index = window.model.index_for_task(ids.tasks[0], COL_STATUS)
    assert window.model.setData(index, "序时推进", Qt.ItemDataRole.EditRole)
    with db.session() as s:
        assert s.get(Task, ids.tasks[0]).status == "序时推进"
    progress = window.model.index_for_task(ids.tasks[0], COL_PROGRESS)
    assert window.model.setData(progress, "已完成第一轮排查", Qt.ItemDataRole.EditRole)
    with db.session() as s:
        assert s.get(Task, ids.tasks[0]).progress == "已完成第一轮排查"


def test_status_edit_through_the_combo_delegate(qtbot, window, db, ids):
    from PySide6.QtWidgets import QComboBox

    index = window.model.index_for_task(ids.tasks[3], COL_STATUS)
    window.view.setCurrentIndex(index)
    window.view.edit(index)
    combo = window.view.findChild(QComboBox)
    assert combo is not None and combo.count() == 4
    combo.setCurrentIndex(combo.findText("滞后"))
    combo.activated.emit(combo.currentIndex())
    with db.session() as s:
        assert s.get(Task, ids.tasks[3]).status == "滞后"


def test_invalid_deadline_is_rejected(qtbot, window, db, shown, ids):
    index = window.model.index_for_task(ids.tasks[0], COL_DEADLINE)
    assert not window.model.setData(index, "2024-02-31", Qt.ItemDataRole.EditRole)
    qtbot.waitUntil(lambda: bool(shown.errors))
    assert "完成时限" in shown.errors[0]
    with db.session() as s:
        task = s.get(Task, ids.tasks[0])
        assert (task.deadline, task.deadline_text) == (dt.date(2024, 3, 31), "2024年3月底前")
    assert index.data() == "2024年3月底前"


def test_add_move_delete_change_the_order(window, db, ids, shown):
    window.select_task(ids.tasks[1])
    new_id = window.add_task("新增的专项整治任务")
    order = plan_order(db, ids.plan)
    assert order.index(new_id) == order.index(ids.tasks[1]) + 1
    assert window.selected_task_id() == new_id
    assert window.count_label.text().startswith("共 32 项任务")

    window.move_selected(-1)
    order = plan_order(db, ids.plan)
    assert order[:3] == [ids.tasks[0], new_id, ids.tasks[1]]
    assert window.selected_task_id() == new_id
    window.move_selected(1)
    window.move_selected(1)
    assert plan_order(db, ids.plan)[:4] == [ids.tasks[0], ids.tasks[1], ids.tasks[2], new_id]
    assert window.selected_task_id() == new_id
    assert shown_ids(window) == plan_order(db, ids.plan)

    shown.confirm_answer = False
    assert not window.delete_selected()
    assert new_id in plan_order(db, ids.plan)
    shown.confirm_answer = True
    assert window.delete_selected()
    assert new_id not in plan_order(db, ids.plan)
    assert shown_ids(window) == plan_order(db, ids.plan)
    assert not shown.errors


def test_task_departments_can_be_changed(window, db, ids):
    task_id = ids.tasks[0]
    lead = [ids.departments["区卫健委"]]
    responsible = [ids.departments["区教育局"], ids.departments["区公安分局"]]
    assert window.set_task_departments(task_id, lead, responsible)
    with db.session() as s:
        roles = {
            (a.department_id, a.role)
            for a in s.scalars(select(Assignment).where(Assignment.task_id == task_id))
        }
    assert roles == {(lead[0], "牵头"), (responsible[0], "责任"), (responsible[1], "责任")}
    assert window.selected_task().lead == ["区卫健委"]


def test_task_departments_dialog(qtbot, db, ids):
    from foodsafety_desktop.core.services.departments import list_departments
    from foodsafety_desktop.ui.task_departments import TaskDepartmentsDialog

    with db.session() as s:
        rows = list_departments(s)
    a, b, c = (
        ids.departments["区卫健委"],
        ids.departments["区教育局"],
        ids.departments["区公安分局"],
    )
    dialog = TaskDepartmentsDialog(rows, "1.任务", [a], [b], None)
    qtbot.addWidget(dialog)
    dialog.set_checked("responsible", c, True)
    dialog.set_checked("lead", a, False)
    dialog.set_checked("lead", b, True)
    assert dialog.lead_ids() == [b]
    assert dialog.responsible_ids() == [b, c]
    dialog.filter_edit.setText("公安")
    visible = [
        dialog.lead_list.item(i).text()
        for i in range(dialog.lead_list.count())
        if not dialog.lead_list.item(i).isHidden()
    ]
    assert visible == ["区公安分局"]


def test_export_writes_the_filtered_ledger(qtbot, window, db, ids, tmp_path, shown):
    from openpyxl import load_workbook

    from foodsafety_desktop.core.services.ledger_export import COLUMNS, HEADER_ROW

    window.select_department("区农业农村局")
    path = tmp_path / "台账.xlsx"
    with qtbot.waitSignal(window.exportFinished, timeout=10000) as blocker:
        window.export_ledger(path)
    assert Path(blocker.args[0]) == path
    assert str(path) in shown.infos[0]
    ws = load_workbook(path).active
    assert [ws.cell(HEADER_ROW, c).value for c in range(1, 9)] == [h for h, _ in COLUMNS]
    expected = db_rows(db, plan_id=ids.plan, department_id=ids.departments["区农业农村局"])
    task_rows = [
        r for r in range(HEADER_ROW + 1, ws.max_row + 1) if isinstance(ws.cell(r, 1).value, int)
    ]
    assert len(task_rows) == len(expected)
    first, row = task_rows[0], expected[0]
    assert ws.cell(first, 2).value.startswith(row.title)
    assert ws.cell(first, 3).value == "、".join(row.lead)
    assert ws.cell(first, 4).value == "、".join(row.responsible)
    assert ws.cell(first, 5).value == row.deadline_display
    assert ws.cell(first, 7).value == row.status


def test_export_failure_is_shown(qtbot, window, tmp_path, shown):
    task = window.export_ledger(tmp_path / "no" / "such" / "folder" / "台账.xlsx")
    with qtbot.waitSignal(task.finished, timeout=10000):
        pass
    assert shown.errors and "文件夹" in shown.errors[0]


def test_print_document_follows_the_filter(qtbot, window, ids, tmp_path):
    doc = window.print_document()
    pdf = printing.print_to_pdf(doc, tmp_path / "all.pdf").read_bytes()
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) > 1
    assert PLAN_TITLE in doc.toPlainText()
    window.search_edit.setText("任务07")
    window.refresh()
    doc = window.print_document()
    assert "任务07落实责任" in doc.toPlainText()
    assert "任务08落实责任" not in doc.toPlainText()
    assert "搜索" in doc.toPlainText()


def test_review_and_import_with_a_stub_dialog(qtbot, window, db, monkeypatch, shown):
    """The import flow without the parser: the review dialog is replaced by a stub."""
    from foodsafety_desktop.core.plans.model import ParsedTask
    from foodsafety_desktop.core.services import plan_import
    from foodsafety_desktop.ui import import_dialog

    class StubDialog:
        def __init__(self, _db, review, _parent):
            self.review = review

        def exec(self):
            return 1

        def deleteLater(self):
            pass

    monkeypatch.setattr(import_dialog, "ImportReviewDialog", StubDialog)
    parsed = ParsedPlan(
        title="另一个方案", tasks=[ParsedTask(label="1.", path=[], title="新任务", text="新任务")]
    )
    with db.session() as s:
        review = plan_import.prepare_import(s, parsed)
    with qtbot.waitSignal(window.planImported, timeout=10000) as blocker:
        window.review_and_import(review)
    plan_id = blocker.args[0]
    assert window.current_plan_id() == plan_id
    assert window.windowTitle() == "食安台账 — 另一个方案"
    assert [r.title for r in window.model.ledger_rows()] == ["新任务"]
    assert "已导入 1 项任务" in shown.infos[0]


def test_application_gets_name_and_cjk_font(qtbot):
    from foodsafety_desktop.ui.app import UI_FONT_FAMILIES, ensure_application, ui_font_family

    app = ensure_application()
    assert app.applicationName() == "食安台账"
    family = ui_font_family()
    if family is not None:  # fonts-noto-cjk on Linux, 微软雅黑 on Windows
        assert family in UI_FONT_FAMILIES
        assert app.font().family() == family


def test_run_gui_shows_the_window_and_returns_the_exit_code(qtbot, db, ids, monkeypatch):
    from PySide6.QtWidgets import QApplication

    from foodsafety_desktop.ui import app as app_module

    seen = {}

    def fake_exec():
        window = next(
            w
            for w in QApplication.topLevelWidgets()
            if isinstance(w, MainWindow) and w.isVisible() and w.demo
        )
        seen["first"] = window.count_label.text()  # shown before the database is open
        qtbot.waitUntil(lambda: PLAN_TITLE in window.windowTitle(), timeout=30000)
        seen["title"] = window.windowTitle()
        window.close()
        window.deleteLater()
        return 0

    monkeypatch.setattr(QApplication, "exec", staticmethod(fake_exec))
    opened = app_module.OpenedDatabase(db=db, housekeeping=False)
    assert app_module.run_gui(lambda: opened, demo=True) == 0
    assert seen == {
        "first": "正在打开数据库…",
        "title": f"食安台账 — {PLAN_TITLE}（演示数据）",
    }


def test_detail_panel_lists_each_clause_with_its_departments(qtbot, tmp_path, shown) -> None:
    from foodsafety_desktop.core.services.plan_import import import_plan_file

    database = open_database(tmp_path / "seed.sqlite3")
    seed = seed_path("001")
    result = import_plan_file(database, seed, user="测试")
    w = MainWindow(database, user="测试", today=dt.date(2023, 6, 1))
    qtbot.addWidget(w)
    w.select_plan(result.plan_id)
    with database.session() as s:
        task_id = s.scalar(
            select(Task.id).where(Task.plan_id == result.plan_id, Task.label == "（二）")
        )
    assert w.select_task(task_id)

    text = w.detail.toPlainText()
    assert "分项1" in text and "分项2" in text
    assert "牵头：区农业农村局；责任：区生态环境局" in text
    database.close()


def test_delete_then_undo_from_the_ledger_menu(window, db, ids, shown, monkeypatch) -> None:
    from foodsafety_desktop.ui import history_dialog

    monkeypatch.setattr(history_dialog.messages, "confirm", lambda *_a, **_k: True)
    monkeypatch.setattr(history_dialog.messages, "show_info", lambda *_a, **_k: None)
    plan_id = window.current_plan_id()
    before = plan_order(db, plan_id)
    assert window.select_task(before[2])
    window.delete_selected(ask=False)
    assert plan_order(db, plan_id) == before[:2] + before[3:]

    window._update_undo_action()
    assert window.undo_action.isEnabled() and "删除任务" in window.undo_action.text()
    window.undo_action.trigger()
    assert plan_order(db, plan_id) == before
    assert before[2] in shown_ids(window)
    window._update_undo_action()
    assert not window.undo_action.isEnabled()


def test_summary_and_reporting_windows_open_for_the_current_plan(window, qtbot) -> None:
    reporting = window.open_reporting()
    assert reporting is not None and reporting.isVisible()
    assert window.open_reporting() is reporting  # one window, reused

    editor = window.open_summary()
    assert editor is not None and editor.isVisible()
    assert editor.plan_id == window.current_plan_id()
    assert window.open_summary() is editor
    reporting_menu = window.menuBar().actions()[3].menu()
    assert [a.text() for a in reporting_menu.actions()] == ["报送管理…", "工作总结…", "概况…"]
