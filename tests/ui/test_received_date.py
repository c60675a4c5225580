"""报送管理: the clerk corrects when a department's file came, and 逾期 follows."""

from __future__ import annotations

import datetime as dt

import pytest
from core.collect_fixtures import USER, build_scenario, fill
from PySide6.QtCore import QDate, QTimer
from PySide6.QtWidgets import QApplication

from foodsafety_desktop.core.excel.template_layout import FILLED_ON_CELL
from foodsafety_desktop.core.services import tracking
from foodsafety_desktop.core.services.collect import collect_files
from foodsafety_desktop.core.storage.database import open_database
from foodsafety_desktop.ui.reporting_window import ReceivedDateDialog, ReportingWindow

MARKET = "县市场监管局"


@pytest.fixture
def db(tmp_path):
    database = open_database(tmp_path / "office.sqlite3")
    yield database
    database.close()


def test_a_late_file_becomes_on_time_when_its_receipt_date_is_corrected(qtbot, db, tmp_path):
    sc = build_scenario(db, tmp_path / "templates", [MARKET])
    late = fill(
        sc.templates[MARKET], tmp_path / "r" / "市场.xlsx", edits={FILLED_ON_CELL: "2022-09-28"}
    )
    assert collect_files(db, [late], user=USER)[0].accepted
    window = ReportingWindow(db, sc.plan_id)
    qtbot.addWidget(window)
    window.show()
    assert window.select_period(sc.q3)
    assert window.status_of(MARKET) == tracking.STATE_LATE
    row = [name for _id, name in window.status_model.snapshot.departments].index(MARKET)

    def answer() -> None:  # the dialog the menu opens: 2022-09-24, OK
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, ReceivedDateDialog)
        assert dialog.dateEdit.date() == QDate(2022, 9, 28)
        dialog.dateEdit.setDate(QDate(2022, 9, 24))
        dialog.accept()

    QTimer.singleShot(0, answer)
    task = window.edit_received_date(row)
    assert task is not None
    with qtbot.waitSignal(task.finished, timeout=10000):
        pass
    assert window.status_of(MARKET) == tracking.STATE_REPORTED
    cell = window.status_model.cell(row)
    assert cell.received_on == dt.date(2022, 9, 24)
