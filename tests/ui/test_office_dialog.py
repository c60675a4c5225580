"""本单位信息: the office's name, contact person, phone and e-mail, edited in the GUI
(from the 工作总结 editor's 署名) and stored through the core."""

from __future__ import annotations

import pytest
from core.document_fixtures import build_period
from PySide6.QtWidgets import QDialog, QMessageBox

from foodsafety_desktop.core.services.office import OfficeSettings, office_settings
from foodsafety_desktop.core.services.settings import OFFICE_CONTACT, OFFICE_NAME, OFFICE_PHONE
from foodsafety_desktop.core.storage.database import open_database
from foodsafety_desktop.ui.office_dialog import OfficeDialog, edit_office
from foodsafety_desktop.ui.summary_editor import SummaryEditor

WAIT_MS = 60_000
GENERATED = "卢氏县食品安全委员会办公室"


@pytest.fixture
def db(tmp_path):
    database = open_database(tmp_path / "office.sqlite3")
    yield database
    database.close()


def fill_in(values: dict[str, str]):
    """An ``exec`` for OfficeDialog that types ``values`` and presses 保存."""

    def run(dialog: OfficeDialog) -> int:
        edits = {
            OFFICE_NAME: dialog.nameEdit,
            OFFICE_CONTACT: dialog.contactEdit,
            OFFICE_PHONE: dialog.phoneEdit,
        }
        for key, text in values.items():
            edits[key].setText(text)
        return QDialog.DialogCode.Accepted

    return run


def test_dialog_shows_the_generated_name_and_a_preview(qtbot):
    dialog = OfficeDialog(OfficeSettings(contact="张三"), generated=GENERATED)
    qtbot.addWidget(dialog)
    assert dialog.nameEdit.text() == ""
    assert GENERATED in dialog.nameEdit.placeholderText()
    assert dialog.previewLabel.text() == (
        f"报送表上写：报送至：{GENERATED}（联系人：张三）\n署名：{GENERATED}"
    )
    dialog.phoneEdit.setText("0398-7777777")
    assert "（联系人：张三，联系电话：0398-7777777）" in dialog.previewLabel.text()
    dialog.nameEdit.setText("卢氏县食安办")
    assert dialog.previewLabel.text().endswith("署名：卢氏县食安办")
    assert dialog.values()[OFFICE_NAME] == "卢氏县食安办"


def test_summary_editor_edits_the_office_and_its_signer_follows(qtbot, db, tmp_path, monkeypatch):
    period = build_period(db, tmp_path)
    editor = SummaryEditor(db, period.scenario.plan_id)
    qtbot.addWidget(editor)
    with qtbot.waitSignal(editor.loading.finished, timeout=WAIT_MS):
        pass
    assert editor.signerEdit.text() == GENERATED  # seed 002: 卢氏县, nothing set

    monkeypatch.setattr(
        OfficeDialog, "exec", fill_in({OFFICE_NAME: "卢氏县食安办", OFFICE_PHONE: "0398-1"})
    )
    task = editor.edit_office()
    with qtbot.waitSignal(task.finished, timeout=WAIT_MS):
        pass
    qtbot.waitUntil(lambda: editor.loading is None, timeout=WAIT_MS)
    assert editor.signerEdit.text() == "卢氏县食安办"
    with db.session() as s:
        current = office_settings(s)
    assert (current.name, current.phone, current.contact) == ("卢氏县食安办", "0398-1", None)


def test_a_bad_phone_is_refused_with_a_message(qtbot, db, monkeypatch):
    warnings: list[str] = []
    monkeypatch.setattr(
        QMessageBox, "warning", staticmethod(lambda _p, _t, text, *a, **k: warnings.append(text))
    )
    monkeypatch.setattr(OfficeDialog, "exec", fill_in({OFFICE_PHONE: "请打电话"}))
    saved: list[list[str]] = []
    parent = QDialog()
    qtbot.addWidget(parent)
    task = edit_office(parent, db, "测试员", on_saved=saved.append)
    with qtbot.waitSignal(task.finished, timeout=WAIT_MS):
        pass
    assert saved == []
    assert warnings and "联系电话“请打电话”只能包含数字" in warnings[0]
    with db.session() as s:
        assert office_settings(s).phone is None


def test_cancel_stores_nothing(qtbot, db, monkeypatch):
    monkeypatch.setattr(OfficeDialog, "exec", lambda _self: QDialog.DialogCode.Rejected)
    parent = QDialog()
    qtbot.addWidget(parent)
    assert edit_office(parent, db, "测试员") is None
    with db.session() as s:
        assert office_settings(s) == OfficeSettings()
