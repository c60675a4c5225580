"""Plans in every form an office receives them, imported through the real window and
review dialog: Word with automatic numbering, .doc, .wps, a text PDF, .xlsx and .xls
分工表.  Then bad input: nothing is stored and the message names the file."""

from __future__ import annotations

import re

import pytest
from core.format_fixtures import (
    NUMBERED_PLAN_TASKS,
    SOFFICE,
    every_form,
    image_only_pdf,
)
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QDialog, QDialogButtonBox
from sqlalchemy import func, select

from foodsafety_desktop.core.plans import convert
from foodsafety_desktop.core.plans.reader import SUPPORTED_SUFFIXES
from foodsafety_desktop.core.storage.database import open_database
from foodsafety_desktop.core.storage.models import (
    ROLE_LEAD,
    Assignment,
    Department,
    Plan,
    Task,
)
from foodsafety_desktop.ui import main_window as main_window_module
from foodsafety_desktop.ui import messages
from foodsafety_desktop.ui.main_window import MainWindow

needs_soffice = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) not installed")
DIVISION_TASKS = [
    ("1.", "开展耕地土壤污染防治", ["县农业农村局"]),
    ("2.", "加强农产品质量安全监测", ["县农业农村局"]),
]


@pytest.fixture(scope="module")
def plan_files(tmp_path_factory):
    """One plan file of each form, made as offices make them (LibreOffice for old formats)."""
    if SOFFICE is None:
        pytest.skip("LibreOffice (soffice) not installed")
    return every_form(tmp_path_factory.mktemp("plans"))


@pytest.fixture
def db(tmp_path):
    database = open_database(tmp_path / "office.sqlite3")
    yield database
    database.close()


@pytest.fixture
def window(qtbot, db, monkeypatch):
    shown: dict[str, list[str]] = {"info": [], "error": []}
    monkeypatch.setattr(messages, "show_info", lambda _p, text, _t="": shown["info"].append(text))
    monkeypatch.setattr(
        messages, "show_error", lambda _p, exc, _t="": shown["error"].append(str(exc))
    )
    win = MainWindow(db, user="测试")
    qtbot.addWidget(win)
    win.shown = shown
    return win


def confirm_and_import(dialog, outcome: dict) -> None:
    """The clerk accepts every proposed department and imports."""
    try:
        outcome["tasks"] = [(t.label, t.title, t.lead) for t in dialog.review.parsed.tasks]
        dialog.confirmAllButton.click()
        dialog.buttonBox.button(QDialogButtonBox.StandardButton.Ok).click()
    finally:
        if dialog.isVisible():
            outcome.setdefault("error", "dialog not accepted")
            QDialog.done(dialog, QDialog.DialogCode.Rejected)


def stored_tasks(db, plan_id: int) -> list[tuple[str, str, list[str]]]:
    with db.session() as s:
        tasks = s.scalars(select(Task).where(Task.plan_id == plan_id).order_by(Task.position))
        return [
            (
                t.label,
                t.title,
                list(
                    s.scalars(
                        select(Department.name)
                        .join(Assignment, Assignment.department_id == Department.id)
                        .where(Assignment.task_id == t.id, Assignment.role == ROLE_LEAD)
                    )
                ),
            )
            for t in tasks
        ]


@needs_soffice
@pytest.mark.parametrize("kind", ["docx", "doc", "wps", "pdf", "xlsx", "xls"])
def test_every_form_imports_through_the_review_dialog(qtbot, window, db, plan_files, kind):
    path = plan_files[kind]
    outcome: dict = {}
    window.reviewDialogOpened.connect(
        lambda dialog: QTimer.singleShot(0, lambda: confirm_and_import(dialog, outcome))
    )
    with qtbot.waitSignal(window.planImported, timeout=180000) as blocker:
        window.start_import(path)
    assert not window.shown["error"] and "error" not in outcome
    expected = DIVISION_TASKS if kind in ("xlsx", "xls") else NUMBERED_PLAN_TASKS
    assert outcome["tasks"] == expected
    # What the clerk relies on: the database after the import, and the archived original.
    plan_id = blocker.args[0]
    assert stored_tasks(db, plan_id) == expected
    with db.session() as s:
        plan = s.get(Plan, plan_id)
        assert plan.source_name == path.name
        title = plan.title
    assert title.endswith(("重点工作安排", "任务分工表"))
    assert f"已导入 {len(expected)} 项任务" in window.shown["info"][0]
    assert window.model.task_count() == len(expected)


@pytest.mark.parametrize(
    ("name", "make", "words"),
    [
        ("扫描版方案.pdf", lambda path: path.write_bytes(image_only_pdf()), ("扫描件",)),
        (
            "旧方案.doc",
            lambda path: path.write_bytes(
                b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "WordDocument".encode("utf-16-le") * 4
            ),
            ("另存为", "LibreOffice"),
        ),
        (
            "分工表.xlsx",
            lambda path: _sheet_without_header(path),
            ("工作表“Sheet”", "表头"),
        ),
    ],
    ids=["scanned-pdf", "doc-without-converter", "xlsx-without-header"],
)
def test_bad_input_is_refused_and_nothing_is_stored(
    qtbot, window, db, tmp_path, monkeypatch, name, make, words
):
    monkeypatch.setattr(convert, "CONVERTERS", [lambda: None])  # a PC without Word/WPS/LO
    path = tmp_path / name
    make(path)
    opened: list[object] = []
    window.reviewDialogOpened.connect(opened.append)
    task = window.start_import(path)
    qtbot.waitUntil(lambda: bool(window.shown["error"]), timeout=60000)
    assert task is not None and not opened
    message = window.shown["error"][0]
    assert name in message
    for word in words:
        assert word in message, message
    with db.session() as s:
        assert s.scalar(select(func.count(Plan.id))) == 0
        assert s.scalar(select(func.count(Task.id))) == 0


def _sheet_without_header(path):
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.append(["姓名", "电话"])
    wb.active.append(["张三", "12345"])
    wb.save(path)


def test_open_dialog_offers_every_form_the_reader_reads():
    offered = set(re.findall(r"\*(\.\w+)", main_window_module.PLAN_FILE_FILTER.split(";;")[0]))
    assert offered == set(SUPPORTED_SUFFIXES)
