"""Every open window shows what changed, whoever changed it: a collect by the command line
(another process) and an undo in the main window reach 报送管理 and 工作总结 without
reopening them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from core.collect_fixtures import build_scenario, fill
from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QApplication

from foodsafety_desktop.core.services import ledger
from foodsafety_desktop.core.services.ledger import LedgerFilter
from foodsafety_desktop.core.services.tracking import STATE_MISSING, STATE_PENDING
from foodsafety_desktop.core.storage.database import open_database
from foodsafety_desktop.ui import messages
from foodsafety_desktop.ui.main_window import MainWindow

ROOT = Path(__file__).resolve().parents[2]
MARKET = "县市场监管局"
HEALTH = "县卫健委"


@pytest.fixture
def db(tmp_path):
    database = open_database(tmp_path / "office.sqlite3")
    yield database
    database.close()


def activate(window) -> None:
    """What the window system sends when the clerk clicks into a window."""
    QApplication.sendEvent(window, QEvent(QEvent.Type.WindowActivate))


def market_cell(reporting, scenario):
    return reporting.snapshot.cells[(scenario.departments[MARKET], scenario.q3)]


def test_other_process_collect_and_undo_show_in_every_window(qtbot, db, tmp_path, monkeypatch):
    monkeypatch.setattr(messages, "confirm", lambda *_a, **_k: True)
    monkeypatch.setattr(messages, "show_info", lambda *_a, **_k: None)
    scenario = build_scenario(db, tmp_path / "templates", [MARKET, HEALTH])
    window = MainWindow(db, user="测试")
    qtbot.addWidget(window)
    window.select_plan(scenario.plan_id)
    reporting = window.open_reporting()
    editor = window.open_summary()
    qtbot.waitUntil(lambda: editor.loading is None and editor.draft is not None, timeout=30000)
    editor.load_period(scenario.q3)
    qtbot.waitUntil(lambda: editor.loading is None and editor.draft is not None, timeout=30000)
    assert market_cell(reporting, scenario).state in (STATE_MISSING, STATE_PENDING)
    expected_before = market_cell(reporting, scenario).expected_rows

    # 1. The command line collects 县市场监管局's workbook while the windows are open.
    returned = fill(scenario.templates[MARKET], tmp_path / "returned" / "市场监管局.xlsx")
    env = {**os.environ, "FOODSAFETY_DATA_DIR": str(tmp_path / "cli-data")}
    done = subprocess.run(
        [sys.executable, "-m", "foodsafety_desktop", "--db", str(db.sqlite_path),
         "collect", str(returned)],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    # Nothing changes until a window is looked at again ...
    assert market_cell(reporting, scenario).submission_id is None
    # ... then each shows it: the status matrix, the 工作总结's banner, the ledger.
    activate(reporting)
    cell = market_cell(reporting, scenario)
    assert cell.submission_id is not None and cell.answered_rows == cell.expected_rows
    activate(editor)
    assert editor.newMaterialBanner.isVisibleTo(editor)
    assert MARKET in editor.newMaterialLabel.text()
    activate(window)
    with db.session() as s:
        rows = ledger.ledger_rows(s, LedgerFilter(plan_id=scenario.plan_id))
    assert [r.status for r in window.model.ledger_rows()] == [r.status for r in rows]
    assert "序时推进" in {r.status for r in rows}

    # 2. The main window deletes one of 县市场监管局's tasks, then undoes the delete.
    with db.session() as s:
        market_rows = ledger.ledger_rows(
            s, LedgerFilter(plan_id=scenario.plan_id, department_id=scenario.departments[MARKET])
        )
    window.select_task(market_rows[0].task_id)
    assert window.delete_selected(ask=False)
    assert market_cell(reporting, scenario).expected_rows < expected_before
    assert editor.ledger_changed and "台账的任务或单位已有改动" in editor.newMaterialLabel.text()
    window.undo_last()
    assert market_cell(reporting, scenario).expected_rows == expected_before
    assert window.model.task_count() == len(rows)


def test_f5_rereads_the_window(qtbot, db, tmp_path):
    scenario = build_scenario(db, tmp_path / "templates", [MARKET])
    window = MainWindow(db, user="测试")
    qtbot.addWidget(window)
    window.select_plan(scenario.plan_id)
    reporting = window.open_reporting()
    # A write the window was not told about (as another clerk's on a server database).
    from foodsafety_desktop.core.services import periods

    with db.session() as s:
        periods.close_period(s, scenario.q3, user="另一位同事")
    before = {p.id: p for p in reporting.snapshot.periods}[scenario.q3]
    reporting.outside_changes.refresh_now()  # what F5 does
    after = {p.id: p for p in reporting.snapshot.periods}[scenario.q3]
    assert before != after
