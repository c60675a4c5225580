"""A plan whose numbered tasks name no department: imported with an empty 责任单位 column,
then the clerk names one department for five selected tasks in one step."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QDialog, QDialogButtonBox
from sqlalchemy import select

from foodsafety_desktop.core.storage.database import open_database
from foodsafety_desktop.core.storage.models import (
    ROLE_LEAD,
    ROLE_RESPONSIBLE,
    Assignment,
    Department,
    Task,
)
from foodsafety_desktop.ui import messages
from foodsafety_desktop.ui.main_window import MainWindow

PLAN = """双峰县2025年食品安全示范创建工作方案
一、总体要求
以创建省级食品安全示范县为抓手，全面提升食品安全保障水平。
二、重点任务
（一）强化源头治理
1.加强耕地土壤污染源头管控。
2.加强农业投入品监管，全年开展专项检查不少于4次。
3.推进承诺达标合格证制度。
（二）强化过程监管
1.开展食品生产企业风险分级管理。
2.开展校园食品安全守护行动。
3.开展餐饮质量安全提升行动。
4.规范农村集体聚餐管理。
三、保障措施
（一）加强组织领导。
"""


@pytest.fixture
def db(tmp_path):
    database = open_database(tmp_path / "office.sqlite3")
    yield database
    database.close()


def assign_five_and_accept(dialog, outcome: dict) -> None:
    """Select tasks 1–5 (Ctrl+click), name 县市场监管局 and 县农业农村局 once, import."""
    try:
        model = dialog.tasks_model
        outcome["before"] = [
            (model.index(r, 2).data(), model.index(r, 3).data()) for r in range(model.rowCount())
        ]
        dialog.select_tasks([0, 1, 2, 3, 4])
        assert dialog.selectionLabel.text().startswith("已选中 5 项")

        def fill() -> None:
            assign = dialog.assign_dialog
            assert assign.replaceRadio.isChecked()  # nothing to keep: replace is the default
            assign.leadEdit.setText("县市场监管局")
            assign.othersEdit.setText("县农业农村局")
            assign.buttonBox.button(QDialogButtonBox.StandardButton.Ok).click()

        QTimer.singleShot(0, fill)
        assert dialog.assign_selected()
        outcome["after"] = [
            (model.index(r, 2).data(), model.index(r, 3).data()) for r in range(model.rowCount())
        ]
        dialog.confirmAllButton.click()
        dialog.buttonBox.button(QDialogButtonBox.StandardButton.Ok).click()
    finally:
        if dialog.isVisible():
            outcome.setdefault("error", "dialog not accepted")
            QDialog.done(dialog, QDialog.DialogCode.Rejected)


def test_plan_without_departments_imports_and_five_tasks_get_one_department(
    qtbot, db, tmp_path, monkeypatch
):
    path = tmp_path / "双峰县示范创建方案.txt"
    path.write_text(PLAN, encoding="utf-8")
    errors: list[str] = []
    monkeypatch.setattr(messages, "show_info", lambda *_a, **_k: None)
    monkeypatch.setattr(messages, "show_error", lambda _p, exc, _t="": errors.append(str(exc)))
    window = MainWindow(db, user="测试")
    qtbot.addWidget(window)
    outcome: dict = {}
    window.reviewDialogOpened.connect(
        lambda dialog: QTimer.singleShot(0, lambda: assign_five_and_accept(dialog, outcome))
    )
    with qtbot.waitSignal(window.planImported, timeout=30000) as blocker:
        window.start_import(path)
    assert not errors and "error" not in outcome
    # Seven tasks (the 1. items under 重点任务), none with a department before the step.
    assert outcome["before"] == [("", "")] * 7
    assert outcome["after"] == [("县市场监管局", "县农业农村局")] * 5 + [("", "")] * 2

    with db.session() as s:
        tasks = s.scalars(
            select(Task).where(Task.plan_id == blocker.args[0]).order_by(Task.position)
        ).all()
        assert [t.label for t in tasks] == ["1.", "2.", "3.", "1.", "2.", "3.", "4."]
        named = [
            sorted(
                (role, name)
                for role, name in s.execute(
                    select(Assignment.role, Department.name)
                    .join(Department, Department.id == Assignment.department_id)
                    .where(Assignment.task_id == t.id)
                )
            )
            for t in tasks
        ]
    lead_and_other = sorted([(ROLE_LEAD, "县市场监管局"), (ROLE_RESPONSIBLE, "县农业农村局")])
    assert named == [lead_and_other] * 5 + [[], []]
