"""End to end: import a real plan through the review dialog, edit, filter, export.

Seed 001 (红旗区2023年工作要点) writes "区场监管局" for 区市场监管局; the clerk accepts
that proposal in the review dialog, so the typo becomes an alias, not a department.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QDialog, QDialogButtonBox
from seeds import seed_path
from sqlalchemy import func, select

from foodsafety_desktop.core.services import ledger
from foodsafety_desktop.core.services.ledger import LedgerFilter
from foodsafety_desktop.core.storage.database import open_database
from foodsafety_desktop.core.storage.models import Assignment, Department, Plan, Task
from foodsafety_desktop.ui import messages
from foodsafety_desktop.ui.ledger_model import COL_STATUS
from foodsafety_desktop.ui.main_window import MainWindow

SEED = seed_path("001")
TYPO, FIXED = "区场监管局", "区市场监管局"


@pytest.fixture
def db(tmp_path):
    database = open_database(tmp_path / "office.sqlite3")
    yield database
    database.close()


def review_in_dialog(dialog, outcome: dict) -> None:
    """What the clerk does in 核对导入内容: fix the typo's match, confirm the rest, OK."""
    try:
        assert TYPO in dialog.pending_names()
        assert dialog.name_combo(TYPO).currentText().endswith(FIXED)  # the proposal
        # Select the typo's row in the names table and accept just that proposal.
        dialog.tabs.setCurrentWidget(dialog.namesTab)
        row = dialog.names_model.row_of(TYPO)
        dialog.namesTable.selectRow(row)
        dialog.confirmSelectedButton.click()
        assert dialog.review.resolutions[TYPO].canonical_name == FIXED
        assert TYPO not in dialog.pending_names()
        dialog.confirmAllButton.click()
        assert not dialog.pending_names()
        outcome["tasks"] = len(dialog.review.parsed.tasks)
        dialog.buttonBox.button(QDialogButtonBox.StandardButton.Ok).click()
    finally:
        if dialog.isVisible():  # a failed step must not leave exec() waiting forever
            outcome.setdefault("error", "dialog not accepted")
            QDialog.done(dialog, QDialog.DialogCode.Rejected)


def test_import_edit_filter_export(qtbot, db, tmp_path, monkeypatch):
    from openpyxl import load_workbook

    from foodsafety_desktop.core.services.ledger_export import COLUMNS, HEADER_ROW

    infos: list[str] = []
    errors: list[str] = []
    monkeypatch.setattr(messages, "show_info", lambda _p, text, _t="": infos.append(text))
    monkeypatch.setattr(messages, "show_error", lambda _p, exc, _t="": errors.append(str(exc)))
    window = MainWindow(db, user="测试")
    qtbot.addWidget(window)
    window.show()
    assert window.model.rowCount() == 0

    # 1. Import through the real review dialog.
    outcome: dict = {}
    window.reviewDialogOpened.connect(
        lambda dialog: QTimer.singleShot(0, lambda: review_in_dialog(dialog, outcome))
    )
    with qtbot.waitSignal(window.planImported, timeout=30000) as blocker:
        window.start_import(SEED)
    assert "error" not in outcome and not errors
    plan_id = blocker.args[0]
    with db.session() as s:
        plan = s.get(Plan, plan_id)
        assert plan.title == "2023年红旗区食品安全工作要点"
        task_count = s.scalar(select(func.count(Task.id)).where(Task.plan_id == plan_id))
        assert task_count == outcome["tasks"] == 31
        assert s.scalar(select(Department).where(Department.name == TYPO)) is None
        typo_departments = set(
            s.scalars(
                select(Department.name)
                .join(Assignment, Assignment.department_id == Department.id)
                .where(Assignment.written_name == TYPO)
            )
        )
        assert typo_departments == {FIXED}
    assert window.current_plan_id() == plan_id
    assert window.model.task_count() == 31
    assert "已导入 31 项任务" in infos[0]

    # 2. Edit a status in the ledger.
    agriculture = window.department_combo.itemData(window.department_combo.findText("区农业农村局"))
    with db.session() as s:
        target = ledger.ledger_rows(s, LedgerFilter(plan_id=plan_id, department_id=agriculture))[0]
    index = window.model.index_for_task(target.task_id, COL_STATUS)
    assert window.model.setData(index, "序时推进")
    with db.session() as s:
        assert s.get(Task, target.task_id).status == "序时推进"

    # 3. Filter by 区农业农村局.
    window.select_department("区农业农村局")
    flt = LedgerFilter(plan_id=plan_id, department_id=agriculture)
    with db.session() as s:
        expected = ledger.ledger_rows(s, flt)
    assert [r.task_id for r in window.model.ledger_rows()] == [r.task_id for r in expected]
    assert 0 < len(expected) < 31
    assert window.count_label.text().startswith(f"共 {len(expected)} 项任务")

    # 4. Export and compare the workbook with the database, cell by cell.
    path = tmp_path / "农业农村局台账.xlsx"
    with qtbot.waitSignal(window.exportFinished, timeout=30000):
        window.export_ledger(path)
    ws = load_workbook(path).active
    assert [ws.cell(HEADER_ROW, c).value for c in range(1, 9)] == [h for h, _ in COLUMNS]

    def text(row: int, column: int) -> str:
        value = ws.cell(row, column).value
        return "" if value is None else str(value)

    task_rows = [r for r in range(HEADER_ROW + 1, ws.max_row + 1) if text(r, 1).isdigit()]
    section_texts = [
        text(r, 1) for r in range(HEADER_ROW + 1, ws.max_row + 1) if r not in task_rows
    ]
    assert len(task_rows) == len(expected)
    for number, (r, row) in enumerate(zip(task_rows, expected, strict=True), start=1):
        assert text(r, 1) == str(number)
        assert text(r, 2).startswith(row.title)
        assert row.text.strip()[-20:] in text(r, 2)
        assert text(r, 3) == "、".join(row.lead)
        assert text(r, 4) == "、".join(row.responsible)
        assert text(r, 5) == row.deadline_display
        assert text(r, 6) == "\n".join(row.indicators)
        assert text(r, 7) == row.status
        assert text(r, 8) == (row.progress or "")
        assert "区农业农村局" in row.lead + row.responsible
        for heading in row.section_path:
            assert heading in section_texts
    edited = task_rows[[r.task_id for r in expected].index(target.task_id)]
    assert text(edited, 7) == "序时推进"
