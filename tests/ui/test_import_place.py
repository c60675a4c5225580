"""地区 in the import review: the place found in the plan is shown, can be corrected, is
checked, and is what the imported plan keeps (``Plan.jurisdiction``)."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QDialog, QMessageBox
from seeds import seed_path

from foodsafety_desktop.core.plans.reader import read_plan
from foodsafety_desktop.core.services.office import office_for
from foodsafety_desktop.core.services.plan_import import import_plan, prepare_import
from foodsafety_desktop.core.storage.database import open_database
from foodsafety_desktop.core.storage.models import Plan
from foodsafety_desktop.ui.import_dialog import ImportReviewDialog

USER = "测试员"


@pytest.fixture
def db(tmp_path):
    database = open_database(tmp_path / "t.sqlite3")
    yield database
    database.close()


@pytest.fixture
def boxes(monkeypatch):
    """Questions answered by ``answers`` (Yes by default); every box recorded."""
    shown: list[tuple[str, str]] = []
    answers: list[QMessageBox.StandardButton] = []

    def question(_parent, _title, text, *_args, **_kwargs):
        shown.append(("question", text))
        return answers.pop(0) if answers else QMessageBox.StandardButton.Yes

    def warning(_parent, _title, text, *_args, **_kwargs):
        shown.append(("warning", text))

    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(warning))
    return shown, answers


def review_dialog(qtbot, db, seed: str) -> ImportReviewDialog:
    path = seed_path(seed)
    with db.session() as session:
        review = prepare_import(session, read_plan(path), path)
    dialog = ImportReviewDialog(db, review)
    qtbot.addWidget(dialog, before_close_func=lambda d: QDialog.done(d, 0))
    dialog.show()
    return dialog


def type_place(dialog: ImportReviewDialog, text: str) -> None:
    dialog.placeEdit.selectAll()
    dialog.placeEdit.del_()
    dialog.placeEdit.insert(text)  # as typed: textEdited reaches the plan
    dialog.placeEdit.textEdited.emit(dialog.placeEdit.text())


def imported(db, dialog: ImportReviewDialog) -> str | None:
    with db.session() as session:
        plan_id = import_plan(session, dialog.review, user=USER).plan_id
    reopened = open_database(db.engine.url.database)
    try:
        with reopened.session() as session:
            plan = session.get(Plan, plan_id)
            return plan.jurisdiction, office_for(session, plan).name
    finally:
        reopened.close()


@pytest.mark.parametrize(
    ("seed", "place"), [("001", "红旗区"), ("004", "营口市鲅鱼圈区"), ("002", "卢氏县")]
)
def test_found_place_is_shown_and_kept(qtbot, db, boxes, seed, place):
    dialog = review_dialog(qtbot, db, seed)
    assert dialog.placeEdit.text() == place
    assert "署名" in dialog.placeEdit.toolTip()
    dialog.accept()
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert imported(db, dialog) == (place, f"{place}食品安全委员会办公室")
    assert not [kind for kind, _text in boxes[0] if kind == "warning"]


def test_corrected_place_is_imported(qtbot, db, boxes):
    dialog = review_dialog(qtbot, db, "001")
    type_place(dialog, " 新乡市 红旗区 ")
    assert dialog.plan.place == "新乡市红旗区"
    dialog.accept()
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert imported(db, dialog) == ("新乡市红旗区", "新乡市红旗区食品安全委员会办公室")


def test_a_place_must_end_like_one(qtbot, db, boxes):
    shown, _answers = boxes
    dialog = review_dialog(qtbot, db, "001")
    type_place(dialog, "新乡")
    dialog.accept()
    assert dialog.isVisible() and dialog.result() != QDialog.DialogCode.Accepted
    assert any(kind == "warning" and "以“县”“区”“市”或“旗”结尾" in text for kind, text in shown)


def test_a_place_of_another_level_is_confirmed(qtbot, db, boxes):
    shown, answers = boxes
    dialog = review_dialog(qtbot, db, "001")  # 区 departments
    type_place(dialog, "卫辉市")
    answers.append(QMessageBox.StandardButton.No)
    dialog.accept()
    assert dialog.isVisible()
    question = [text for kind, text in shown if kind == "question" and "地区" in text]
    assert question == [
        "地区“卫辉市”是市，但方案中的单位名称以“区”开头（如“区市场监管局”）。仍按“卫辉市”导入？"
    ]
    dialog.accept()  # answered Yes this time
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert imported(db, dialog)[0] == "卫辉市"


def test_cleared_place_keeps_the_level(qtbot, db, boxes):
    dialog = review_dialog(qtbot, db, "002")
    type_place(dialog, "")
    dialog.accept()
    assert dialog.result() == QDialog.DialogCode.Accepted
    jurisdiction, _office = imported(db, dialog)
    assert jurisdiction == "县"
