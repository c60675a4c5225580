"""报送管理: a drop of returned workbooks through preview to commit, templates, periods, 催报."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import openpyxl
import pytest
from core.collect_fixtures import Q3, build_scenario, fill
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QGuiApplication
from PySide6.QtWidgets import QApplication, QMessageBox
from seeds import seed_path
from sqlalchemy import select

from foodsafety_desktop.core.excel import template_layout as layout
from foodsafety_desktop.core.excel.identity import IDENTITY_SHEET
from foodsafety_desktop.core.paths import archive_dir_for
from foodsafety_desktop.core.services import periods, tracking
from foodsafety_desktop.core.services.collect import SIGNATURE_FAILED
from foodsafety_desktop.core.services.plan_import import import_plan_file
from foodsafety_desktop.core.services.templates import template_departments, template_rows
from foodsafety_desktop.core.storage.database import open_database
from foodsafety_desktop.core.storage.models import Plan, Submission
from foodsafety_desktop.ui.collect_dialog import STATE_ERROR, STATE_OK, CollectDialog
from foodsafety_desktop.ui.reporting_window import (
    ProposePeriodsDialog,
    ReportingWindow,
)

SEED = seed_path("002")
MARKET = "县市场监管局"
HEALTH = "县卫健委"
FARM = "县农业农村局"
POLICE = "县公安局"


@pytest.fixture
def db(tmp_path):
    database = open_database(tmp_path / "office.sqlite3")
    yield database
    database.close()


@pytest.fixture
def scenario(db, tmp_path):
    """Seed 002 imported (as the brief's ``import_plan_file``), periods, Q3 templates."""
    return build_scenario(db, tmp_path / "templates", [MARKET, HEALTH, POLICE])


@pytest.fixture
def answer_no(monkeypatch):
    asked: list[str] = []

    def question(_parent, _title, text, *_args, **_kwargs):
        asked.append(text)
        return QMessageBox.StandardButton.No

    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    return asked


def make_window(qtbot, db, plan_id) -> ReportingWindow:
    window = ReportingWindow(db, plan_id)
    qtbot.addWidget(window)
    window.show()
    return window


def wait(qtbot, task) -> None:
    """Wait for a period write the window runs on the database worker."""
    assert task is not None
    with qtbot.waitSignal(task.finished, timeout=10000):
        pass


def drop_files(window: ReportingWindow, paths: list[Path]) -> None:
    """Drag the files over the window and drop them, as Explorer does."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    center = window.rect().center()
    actions = Qt.DropAction.CopyAction
    enter = QDragEnterEvent(
        center, actions, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    )
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted()
    drop = QDropEvent(
        QPointF(center), actions, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    )
    QApplication.sendEvent(window, drop)
    assert drop.isAccepted()


def test_drop_preview_commit_and_status(qtbot, db, scenario, tmp_path):
    sc = scenario
    window = make_window(qtbot, db, sc.plan_id)
    assert window.windowTitle() == "报送管理"
    assert window.select_period(Q3)
    # Collecting before the deadline: move Q3's due date into the future (an edit the
    # clerk makes in the window), so that on-time submissions count as 已报.
    due = dt.date.today() + dt.timedelta(days=30)
    wait(qtbot, window.update_period(sc.q3, name=Q3, due_date=due))
    assert window.status_of(MARKET) == tracking.STATE_PENDING

    out = tmp_path / "returned"
    market = fill(sc.templates[MARKET], out / "市场监管局.xlsx", status="已完成")
    health = fill(sc.templates[HEALTH], out / "卫健委.xlsx", status="序时推进", value=88)
    police = fill(sc.templates[POLICE], out / "公安局.xlsx")
    wb = openpyxl.load_workbook(police)
    for row in wb[IDENTITY_SHEET].iter_rows():
        if row[0].value == "department_name":
            row[1].value = FARM
        if row[0].value == "department_id":
            row[1].value = str(sc.departments[FARM])
    wb.save(police)
    note = out / "说明.txt"
    note.write_text("不是报送表", encoding="utf-8")

    with qtbot.waitSignal(window.collectDialogOpened) as opened:
        drop_files(window, [market, health, police, note])
    dialog = opened.args[0]
    assert isinstance(dialog, CollectDialog) and window.collect_dialog is dialog
    assert dialog in QApplication.topLevelWidgets()
    assert dialog.period_id == sc.q3
    assert [p.name for p in dialog.paths] == [market.name, health.name, police.name]
    qtbot.waitUntil(lambda: dialog.checked, timeout=30000)

    states = {f.file_name: f.state for f in dialog.files}
    assert states == {market.name: STATE_OK, health.name: STATE_OK, police.name: STATE_ERROR}
    dialog.select_file(police.name)
    issues = [dialog.issuesList.item(i).text() for i in range(dialog.issuesList.count())]
    assert any(SIGNATURE_FAILED in text for text in issues)
    assert STATE_ERROR in dialog.fileTitleLabel.text()

    with qtbot.waitSignal(window.submissionsImported, timeout=30000) as imported:
        dialog.importButton.click()
    outcomes = {o.file_name: o for o in imported.args[0]}
    assert outcomes[market.name].accepted and outcomes[health.name].accepted
    assert not outcomes[police.name].accepted
    assert dialog.results == imported.args[0]

    with db.session() as s:  # a new unit of work: what was committed
        subs = s.scalars(
            select(Submission).where(Submission.is_current.is_(True)).order_by(Submission.id)
        ).all()
        assert sorted((x.department.name, x.period_id) for x in subs) == sorted(
            [(MARKET, sc.q3), (HEALTH, sc.q3)]
        )
        filled = {MARKET: ("已完成", 95.0), HEALTH: ("序时推进", 88.0)}
        for sub in subs:
            status, value = filled[sub.department.name]
            expected = template_rows(s, sc.q3, sub.department_id)
            assert len(sub.entries) == len(expected)
            entries = sorted(sub.entries, key=lambda e: e.id)
            assert {e.status for e in entries} == {status}
            assert [e.measures for e in entries] == [
                f"已按要求推进，开展专项检查{n}次" for n in range(1, len(expected) + 1)
            ]
            assert {e.value for e in entries if e.indicator_id} <= {value}
            assert sub.reporter == "张三"
            assert (archive_dir_for(db.sqlite_path) / sub.archive_path).is_file()

    # The window refreshed: the selected period's table and the whole matrix.
    assert window.status_of(MARKET) == tracking.STATE_REPORTED
    assert window.status_of(HEALTH) == tracking.STATE_REPORTED
    assert window.status_of(POLICE) == tracking.STATE_PENDING
    model = window.matrix_model
    names = [name for _id, name in model.snapshot.departments]
    column = [p.id for p in model.snapshot.periods].index(sc.q3)
    for name in (MARKET, HEALTH):
        text = model.index(names.index(name), column).data()
        assert text.startswith(tracking.STATE_REPORTED), text
    row = window.periodsTable.currentRow()
    total = len(model.snapshot.departments)
    assert window.periodsTable.item(row, 3).text() == f"2/{total}"
    status_rows = window.status_model
    market_row = names.index(MARKET)
    assert status_rows.index(market_row, 4).data() == market.name
    assert status_rows.index(market_row, 3).data().split("/")[0] == str(
        len(template_rows_for(db, sc.q3, sc.departments[MARKET]))
    )


def template_rows_for(db, period_id, department_id):
    with db.session() as s:
        return template_rows(s, period_id, department_id)


def test_generate_templates_writes_one_file_per_department(
    qtbot, db, scenario, tmp_path, answer_no
):
    window = make_window(qtbot, db, scenario.plan_id)
    window.select_period(Q3)
    folder = tmp_path / "out"
    with qtbot.waitSignal(window.templatesGenerated, timeout=60000) as written:
        window.generate_templates(folder, make_zip=True)
    paths = written.args[0]
    with db.session() as s:
        expected = [d.name for d in template_departments(s, scenario.plan_id)]
    assert len(paths) == len(expected)
    assert sorted(p.name for p in folder.glob("*.xlsx")) == sorted(p.name for p in paths)
    for name in expected:
        assert (folder / f"{Q3}-{name}-报送表.xlsx").is_file()
    with zipfile.ZipFile(folder / f"{Q3}-报送表.zip") as archive:
        assert sorted(archive.namelist()) == sorted(p.name for p in paths)
    wb = openpyxl.load_workbook(paths[0], read_only=True)
    assert layout.REPORT_SHEET in wb.sheetnames
    wb.close()
    assert answer_no and "打开该文件夹" in answer_no[0]


def test_periods_proposed_edited_closed(qtbot, db, tmp_path):
    result = import_plan_file(db, SEED, user="测试")
    window = make_window(qtbot, db, result.plan_id)
    assert window.periodsTable.rowCount() == 0
    assert "还没有报送期次" in window.countsLabel.text()
    assert not window.generateButton.isEnabled()

    drafts, existing = window.proposals()
    dialog = ProposePeriodsDialog(drafts, existing, window)
    qtbot.addWidget(dialog)
    assert dialog.list.count() == len(drafts) > 4
    dialog.list.item(0).setCheckState(Qt.CheckState.Unchecked)  # leave the first one out
    wait(qtbot, window.add_periods(dialog.chosen()))
    assert window.periodsTable.rowCount() == len(drafts) - 1
    assert window.matrix_model.columnCount() == len(drafts) - 1

    # Proposing again: the existing periods are shown as such and cannot be ticked.
    drafts, existing = window.proposals()
    again = ProposePeriodsDialog(drafts, existing, window)
    qtbot.addWidget(again)
    assert [d.name for d in again.chosen()] == [drafts[0].name]

    assert window.select_period(Q3)
    # Past its due date + grace a period is closed by itself: the button cannot reopen it.
    assert window.selected_period().closed_automatically
    assert window.closePeriodButton.text() == "重新开放"
    assert not window.closePeriodButton.isEnabled()
    new_due = dt.date.today() + dt.timedelta(days=5)
    wait(
        qtbot,
        window.update_period(window.selected_period_id(), name="2022年三季度", due_date=new_due),
    )
    period = window.selected_period()
    assert (period.name, period.due_date) == ("2022年三季度", new_due)
    assert window.closePeriodButton.text() == "关闭期次"
    wait(qtbot, window.toggle_period_open())
    assert not window.selected_period().is_open
    assert window.closePeriodButton.text() == "重新开放"
    with db.session() as s:
        plan = s.get(Plan, result.plan_id)
        rows = periods.list_periods(s, plan.id)
        assert [r.is_open for r in rows if r.name == "2022年三季度"] == [False]
    wait(qtbot, window.toggle_period_open())
    assert window.selected_period().is_open


def test_reminder_copies_text(qtbot, db, scenario):
    window = make_window(qtbot, db, scenario.plan_id)
    window.select_period(Q3)
    dialog = window.show_reminder()
    assert dialog is not None and window.reminder_dialog is dialog
    text = dialog.textEdit.toPlainText()
    assert "催报" in text and MARKET in text and Q3 in text
    dialog.copyButton.click()
    assert QGuiApplication.clipboard().text() == text
    assert dialog.wordButton.isEnabled()
    dialog.close()


def test_drop_of_other_files_is_refused(qtbot, db, scenario, tmp_path):
    window = make_window(qtbot, db, scenario.plan_id)
    note = tmp_path / "readme.docx"
    note.write_bytes(b"x")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(note))])
    enter = QDragEnterEvent(
        QPoint(5, 5),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(window, enter)
    assert not enter.isAccepted()
    assert window.collect_dialog is None


def test_workbooks_dropped_on_the_ledger_window_reach_the_collect_dialog(
    qtbot, db, scenario, tmp_path, monkeypatch
):
    from foodsafety_desktop.ui import messages
    from foodsafety_desktop.ui.main_window import MainWindow

    monkeypatch.setattr(messages, "show_info", lambda *_a, **_k: None)
    main = MainWindow(db, user="测试")
    qtbot.addWidget(main)
    main.select_plan(scenario.plan_id)
    main.show()
    returned = fill(scenario.templates[MARKET], tmp_path / "returned" / "市场监管局.xlsx")

    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(returned))])
    center = main.rect().center()
    args = (
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    enter = QDragEnterEvent(center, *args)
    QApplication.sendEvent(main, enter)
    assert enter.isAccepted()
    QApplication.sendEvent(main, QDropEvent(QPointF(center), *args))

    reporting = main.reporting_window
    assert reporting is not None and reporting.isVisible()
    dialog = reporting.collect_dialog
    assert isinstance(dialog, CollectDialog)
    assert [p.name for p in dialog.paths] == [returned.name]
    qtbot.waitUntil(lambda: dialog.checked, timeout=30000)
    assert [f.state for f in dialog.files] == [STATE_OK]


def test_groups_without_members_are_pointed_out(qtbot, db, scenario):
    """各乡镇政府 holds tasks of seed 002 but has no members yet: the window says so."""
    window = make_window(qtbot, db, scenario.plan_id)
    assert window.select_period(scenario.q3)
    text = window.countsLabel.text()
    assert "各乡镇政府" in text and "成员" in text
    assert "各乡镇政府" not in [name for _id, name in window.status_model.snapshot.departments]
