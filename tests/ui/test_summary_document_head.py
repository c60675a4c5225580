"""工作总结 editor, 公文要素: the 版头 and 版记 of the document (红头, 发文字号, 签发人,
抄送机关 …) are edited per draft, saved with it, printed, and the office's defaults and
红头 file are remembered with the database."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import docx
import pytest
from core.document_fixtures import build_period
from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtWidgets import QApplication, QDialog
from sqlalchemy import select

from foodsafety_desktop.core.reports.summary import (
    MASTHEAD_FILE,
    MASTHEAD_MARK,
    MASTHEAD_NONE,
    reporting_text,
)
from foodsafety_desktop.core.services.documents import (
    COPY_TO,
    SIGNED_BY,
    DocumentSettings,
    document_settings,
    keep_letterhead,
)
from foodsafety_desktop.core.storage.database import open_database, open_database_readonly
from foodsafety_desktop.core.storage.models import SummaryDraft
from foodsafety_desktop.core.word.official import normalized_doc_number
from foodsafety_desktop.ui import document_settings_dialog, messages, screen, summary_editor
from foodsafety_desktop.ui.document_settings_dialog import DocumentSettingsDialog
from foodsafety_desktop.ui.summary_editor import SummaryEditor

WAIT_MS = 60_000
OFFICE = "卢氏县食品安全委员会办公室"  # seed 002's generated office name
COPY_TO_TYPED = "县委办公室\n县人大常委会办公室、县政协办公室"
COPY_TO_NAMES = ["县委办公室", "县人大常委会办公室", "县政协办公室"]
LETTERHEAD_TEXT = "卢氏县食品安全委员会办公室文件"


@pytest.fixture
def db(tmp_path):
    database = open_database(tmp_path / "office.sqlite3")
    yield database
    database.close()


@pytest.fixture
def period(db, tmp_path):
    return build_period(db, tmp_path)


@pytest.fixture
def shown(monkeypatch) -> list[tuple[str, str]]:
    """Record messages instead of showing modal boxes (they would block the test)."""
    out: list[tuple[str, str]] = []
    monkeypatch.setattr(
        messages, "show_error", lambda _p, exc, _t="": out.append(("error", str(exc)))
    )
    monkeypatch.setattr(messages, "show_info", lambda _p, text, _t="": out.append(("info", text)))
    monkeypatch.setattr(messages, "confirm", lambda _p, text, _t="": out.append(("ask", text)))
    return out


def wait(qtbot, task) -> None:
    assert task is not None
    with qtbot.waitSignal(task.finished, timeout=WAIT_MS):
        pass


def idle(qtbot, editor: SummaryEditor) -> None:
    """Until the editor's background work (started by a click) is done."""
    qtbot.waitUntil(lambda: not editor._tasks and editor.loading is None, timeout=WAIT_MS)


def open_editor(qtbot, db, period) -> SummaryEditor:
    editor = SummaryEditor(db, period.scenario.plan_id)
    qtbot.addWidget(editor)
    wait(qtbot, editor.loading)
    assert editor.draft is not None
    return editor


def type_text(widget, text: str) -> None:
    """Type Chinese the way an input method does (QTest.keyClicks crashes with CJK)."""
    widget.setFocus()
    widget.selectAll()
    event = QInputMethodEvent()
    event.setCommitString(text)
    QApplication.sendEvent(widget, event)


def choose_item(combo, data) -> None:
    combo.setCurrentIndex(combo.findData(data))


def stored_edits(db, period_id: int) -> dict:
    with db.session() as s:
        row = s.scalar(select(SummaryDraft).where(SummaryDraft.period_id == period_id))
        return json.loads(row.edits_json) if row else {}


def paragraphs(path: Path) -> list[str]:
    """Every paragraph of the document, in every section (the 版记 is the last one)."""
    return [p.text for p in docx.Document(str(path)).paragraphs]


def make_letterhead(path: Path) -> Path:
    document = docx.Document()
    document.add_paragraph(LETTERHEAD_TEXT)
    document.save(str(path))
    return path


def answer_file_dialog(monkeypatch, module, path: Path | None) -> list[str]:
    """QFileDialog.getOpenFileName of ``module`` answers ``path``; returns the titles asked."""
    asked: list[str] = []

    def fake(_parent, title, _start="", _filter=""):
        asked.append(title)
        return (str(path) if path else "", "")

    monkeypatch.setattr(module.QFileDialog, "getOpenFileName", staticmethod(fake))
    return asked


def test_head_fields_are_saved_restored_and_printed(qtbot, db, period, tmp_path, shown):
    sc = period.scenario
    editor = open_editor(qtbot, db, period)
    editor.documentTabs.setCurrentWidget(editor.headPage)
    # What a new draft starts with: no 红头, the office prints it, the 版记 is on.
    assert editor.mastheadCombo.currentData() == MASTHEAD_NONE
    assert editor.recipientEdit.text() == "卢氏县人民政府"
    assert editor.printedByEdit.text() == OFFICE
    assert editor.printedOnSameCheck.isChecked() and not editor.printedOnEdit.isEnabled()
    assert editor.imprintCheck.isChecked() and not editor.reportingCheck.isChecked()
    assert not editor.issuerMarkEdit.isEnabled()  # only for a generated 红头

    choose_item(editor.mastheadCombo, MASTHEAD_MARK)
    assert editor.draft.masthead == MASTHEAD_MARK and editor.issuerMarkEdit.isEnabled()
    assert editor.issuerMarkEdit.text() == OFFICE
    # 发文字号 as a clerk types it, tidied when the field is left.
    type_text(editor.docNumberEdit, "卢食安办[2022]第012号")
    qtbot.keyClick(editor.docNumberEdit, Qt.Key.Key_Return)
    assert editor.docNumberEdit.text() == "卢食安办〔2022〕12号"
    assert editor.draft.head.doc_number == "卢食安办〔2022〕12号"
    type_text(editor.signedByEdit, "张三")
    editor.copyToEdit.setFocus()
    type_text(editor.copyToEdit, COPY_TO_TYPED)
    assert editor.draft.head.copy_to == COPY_TO_NAMES
    choose_item(editor.urgencyCombo, "加急")
    editor.printedOnSameCheck.click()  # off: a date of its own
    assert editor.printedOnEdit.isEnabled()
    editor.printedOnEdit.setDate(QDate(2022, 10, 12))
    editor.signedOnEdit.setDate(QDate(2022, 10, 10))
    editor.reportingCheck.click()
    assert editor.draft.head.urgency == "加急"
    assert editor.draft.head.printed_on == dt.date(2022, 10, 12)
    assert editor.draft.include_reporting and editor.is_dirty

    editor.saveButton.click()
    assert not editor.is_dirty
    edits = stored_edits(db, sc.q3)
    assert edits["head"] == {
        "copy_to": COPY_TO_NAMES,
        "doc_number": "卢食安办〔2022〕12号",
        "printed_on": "2022-10-12",
        "signed_by": "张三",
        "urgency": "加急",
    }
    assert edits["options"]["masthead"] == MASTHEAD_MARK
    assert edits["options"]["include_reporting"] is True
    assert editor.close()

    # Reopened: every value back in its widget.
    again = open_editor(qtbot, db, period)
    assert again.mastheadCombo.currentData() == MASTHEAD_MARK
    assert again.docNumberEdit.text() == "卢食安办〔2022〕12号"
    assert again.signedByEdit.text() == "张三"
    assert again.draft.head.copy_to == COPY_TO_NAMES
    assert again.copyToEdit.toPlainText() == "、".join(COPY_TO_NAMES)
    assert again.urgencyCombo.currentText() == "加急"
    assert not again.printedOnSameCheck.isChecked()
    assert again.printedOnEdit.date() == QDate(2022, 10, 12)
    assert again.reportingCheck.isChecked() and again.imprintCheck.isChecked()
    assert not again.is_dirty

    # The Word file, reopened: 紧急程度, the red mark, 发文字号 with 签发人, the
    # reporting paragraph, and the 版记 with 抄送 and 印发.
    out = tmp_path / "总结.docx"
    wait(qtbot, again.write_docx(out))
    texts = paragraphs(out)
    assert texts[0] == "加急"
    assert OFFICE in texts
    assert "卢食安办〔2022〕12号\t签发人：张三" in texts
    assert reporting_text(again.material) in texts
    assert reporting_text(again.material).startswith("本期应报送单位")
    assert "抄送：县委办公室，县人大常委会办公室，县政协办公室。" in texts
    assert f"{OFFICE}\t2022年10月12日印发" in texts
    assert not any(kind == "error" for kind, _ in shown)

    # Without the 版记 and with no 红头: neither is printed.
    again.imprintCheck.click()
    choose_item(again.mastheadCombo, MASTHEAD_NONE)
    plain = tmp_path / "无版记.docx"
    wait(qtbot, again.write_docx(plain))
    texts = paragraphs(plain)
    assert not any(t.startswith("抄送：") for t in texts)
    assert OFFICE not in texts[:3]  # no red mark; the 发文字号 line stays
    assert "卢食安办〔2022〕12号\t签发人：张三" in texts


def test_printed_on_follows_the_signing_date_until_set(qtbot, db, period, shown):
    editor = open_editor(qtbot, db, period)
    editor.signedOnEdit.setDate(QDate(2022, 10, 9))
    assert editor.printedOnEdit.date() == QDate(2022, 10, 9)
    assert editor.draft.head.printed_on is None
    assert editor.draft.printed_head().printed_on == dt.date(2022, 10, 9)


def test_a_letterhead_chosen_in_the_editor_is_kept_with_the_database(
    qtbot, db, period, tmp_path, shown, monkeypatch
):
    chosen = make_letterhead(tmp_path / "红头.docx")
    asked = answer_file_dialog(monkeypatch, summary_editor, chosen)
    editor = open_editor(qtbot, db, period)
    assert editor.letterheadEdit.text() == ""
    editor.documentTabs.setCurrentWidget(editor.headPage)
    editor.letterheadButton.click()
    idle(qtbot, editor)
    assert asked == ["选择红头文件"]
    assert editor.letterheadEdit.text() == "红头.docx"
    assert editor.mastheadCombo.currentData() == MASTHEAD_FILE
    assert "红头文件“红头.docx”已保存" in editor.statusLabel.text()
    editor.close()  # unsaved: the question is answered "no"
    chosen.unlink()  # the kept copy is the database's own

    # Another editor on the same database (another session, another clerk): the 红头
    # is remembered and a new draft prints on it.
    second = open_editor(qtbot, db, period)
    assert second.letterheadEdit.text() == "红头.docx"
    assert second.mastheadCombo.currentData() == MASTHEAD_FILE
    type_text(second.docNumberEdit, "卢食安办〔2022〕3号")
    out = tmp_path / "红头总结.docx"
    wait(qtbot, second.write_docx(out))
    texts = paragraphs(out)
    assert texts[0] == LETTERHEAD_TEXT
    assert "卢食安办〔2022〕3号" in texts
    assert not any(kind == "error" for kind, _ in shown)


def test_a_file_that_is_not_a_letterhead_is_refused(
    qtbot, db, period, tmp_path, shown, monkeypatch
):
    bad = tmp_path / "红头.docx"
    bad.write_bytes(b"not a word document")
    answer_file_dialog(monkeypatch, summary_editor, bad)
    editor = open_editor(qtbot, db, period)
    editor.letterheadButton.click()
    idle(qtbot, editor)
    assert shown and shown[-1][0] == "error"
    assert editor.letterheadEdit.text() == ""
    assert editor.mastheadCombo.currentData() == MASTHEAD_NONE
    with db.session() as s:
        assert document_settings(s).letterhead is None


def test_the_letterhead_file_option_without_a_kept_file_says_what_to_do(
    qtbot, db, period, tmp_path, shown
):
    editor = open_editor(qtbot, db, period)
    choose_item(editor.mastheadCombo, MASTHEAD_FILE)
    assert "请点“选择…”" in editor.letterheadEdit.placeholderText()
    wait(qtbot, editor.write_docx(tmp_path / "x.docx"))
    assert shown[-1] == ("error", summary_editor.NO_LETTERHEAD)
    assert not (tmp_path / "x.docx").exists()


def test_remember_defaults_are_used_by_new_drafts(qtbot, db, period, shown):
    sc = period.scenario
    editor = open_editor(qtbot, db, period)
    type_text(editor.recipientEdit, "卢氏县人民政府办公室")
    type_text(editor.signedByEdit, "李四")
    editor.copyToEdit.setPlainText("县委办公室、县纪委监委")
    choose_item(editor.mastheadCombo, MASTHEAD_MARK)
    type_text(editor.issuerMarkEdit, "卢氏县食品安全委员会")
    editor.rememberButton.click()
    idle(qtbot, editor)
    assert editor.statusLabel.text() == (
        "已记住为本单位默认：主送机关（报告）、抄送机关、签发人、发文机关标志。"
    )
    with db.session() as s:
        remembered = document_settings(s)
    assert remembered == DocumentSettings(
        report_recipient="卢氏县人民政府办公室",
        copy_to=["县委办公室", "县纪委监委"],
        issuer_mark="卢氏县食品安全委员会",
        signed_by="李四",
    )
    # Regenerated: the values stay on screen and are defaults now, not edits.
    assert editor.recipientEdit.text() == "卢氏县人民政府办公室"
    assert editor.signedByEdit.text() == "李四"
    editor.saveButton.click()
    assert stored_edits(db, sc.q3)["head"] == {}
    with db.session() as s:
        assert s.scalar(select(SummaryDraft.recipient)) is None

    # Another period's new draft starts with them (and with the generated 红头).
    other = SummaryEditor(db, sc.plan_id, sc.q2)
    qtbot.addWidget(other)
    wait(qtbot, other.loading)
    assert other.recipientEdit.text() == "卢氏县人民政府办公室"
    assert other.signedByEdit.text() == "李四"
    assert other.draft.head.copy_to == ["县委办公室", "县纪委监委"]
    assert other.mastheadCombo.currentData() == MASTHEAD_MARK
    assert other.issuerMarkEdit.text() == "卢氏县食品安全委员会"


def test_document_settings_dialog_from_the_editor(qtbot, db, period, tmp_path, shown, monkeypatch):
    chosen = make_letterhead(tmp_path / "本单位红头.docx")
    answer_file_dialog(monkeypatch, document_settings_dialog, chosen)
    seen: list[tuple[str, str, str]] = []

    def fill_in(dialog: DocumentSettingsDialog) -> int:
        dialog.copyToEdit.setPlainText("县委办公室\n县政府办公室")
        dialog.signedByEdit.setText("王五")
        dialog.chooseButton.click()
        seen.append(
            (
                dialog.recipientEdit.placeholderText(),
                dialog.issuerMarkEdit.placeholderText(),
                dialog.letterheadEdit.text(),
            )
        )
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(DocumentSettingsDialog, "exec", fill_in)
    editor = open_editor(qtbot, db, period)
    editor.documentSettingsButton.click()
    idle(qtbot, editor)
    qtbot.waitUntil(lambda: editor.signedByEdit.text() == "王五", timeout=WAIT_MS)
    idle(qtbot, editor)
    assert seen == [("不填则为“卢氏县人民政府”", f"不填则为“{OFFICE}”", "本单位红头.docx")]
    with db.session() as s:
        remembered = document_settings(s)
    assert remembered.copy_to == ["县委办公室", "县政府办公室"]
    assert remembered.signed_by == "王五" and remembered.letterhead_name == "本单位红头.docx"
    # The draft follows the new defaults.
    assert editor.draft.head.copy_to == ["县委办公室", "县政府办公室"]
    assert editor.letterheadEdit.text() == "本单位红头.docx"
    assert not any(kind == "error" for kind, _ in shown)


def test_document_settings_dialog_forgets_the_letterhead(
    qtbot, db, period, tmp_path, shown, monkeypatch
):
    with db.session() as s:
        keep_letterhead(s, make_letterhead(tmp_path / "旧红头.docx"), user="测试员")
    dialog_values: list[dict] = []

    def forget(dialog: DocumentSettingsDialog) -> int:
        assert dialog.letterheadEdit.text() == "旧红头.docx"
        dialog.forgetButton.click()
        assert dialog.letterheadEdit.text() == "" and not dialog.forgetButton.isEnabled()
        dialog_values.append(dialog.values())
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(DocumentSettingsDialog, "exec", forget)
    saved: list[list[str]] = []
    parent = QDialog()
    qtbot.addWidget(parent)
    wait(
        qtbot,
        document_settings_dialog.edit_document_settings(
            parent, db, "测试员", on_saved=saved.append
        ),
    )
    assert saved == [["红头文件"]]
    assert dialog_values[0][COPY_TO] == [] and dialog_values[0][SIGNED_BY] == ""
    with db.session() as s:
        assert document_settings(s).letterhead is None


def test_document_settings_dialog_fits_a_small_screen(qtbot):
    dialog = DocumentSettingsDialog(
        DocumentSettings(copy_to=["县委办公室"] * 3, letterhead="letterheads/ab_红头.docx")
    )
    qtbot.addWidget(dialog)
    dialog.show()
    hint = dialog.minimumSizeHint()
    assert hint.width() <= 1366 - screen.MARGIN and hint.height() <= 768 - 2 * screen.MARGIN
    assert dialog.letterheadEdit.text() == "红头.docx"


def test_read_only_editor_shows_the_head_disabled(qtbot, tmp_path, shown):
    path = tmp_path / "office.sqlite3"
    db = open_database(path)
    period = build_period(db, tmp_path)
    db.close()
    reader = open_database_readonly(path)
    try:
        editor = SummaryEditor(reader, period.scenario.plan_id, read_only=True)
        qtbot.addWidget(editor)
        wait(qtbot, editor.loading)
        assert editor.printedByEdit.text() == OFFICE  # shown …
        for widget in editor._head_widgets():  # … not editable
            assert not widget.isEnabled(), widget.objectName()
        assert editor.writeButton.isEnabled()
        editor.close()
    finally:
        reader.close()


@pytest.mark.parametrize(
    ("typed", "tidy"),
    [
        ("卢食安办[2022]12号", "卢食安办〔2022〕12号"),
        ("卢食安办（2022）第012号", "卢食安办〔2022〕12号"),
        ("卢食安办 2022 7", "卢食安办〔2022〕7号"),
        ("卢食安办〔2022〕12号", "卢食安办〔2022〕12号"),
        ("见附件", "见附件"),
        ("", ""),
    ],
)
def test_doc_number_is_tidied(typed, tidy):
    assert normalized_doc_number(typed) == tidy


def test_regenerating_keeps_the_head_edits(qtbot, db, period, shown):
    editor = open_editor(qtbot, db, period)
    type_text(editor.docNumberEdit, "卢食安办〔2022〕5号")
    editor.copyToEdit.setPlainText("县委办公室")
    choose_item(editor.mastheadCombo, MASTHEAD_MARK)
    editor.reportingCheck.click()
    wait(qtbot, editor.regenerate())
    assert editor.docNumberEdit.text() == "卢食安办〔2022〕5号"
    assert editor.draft.head.copy_to == ["县委办公室"]
    assert editor.draft.head.printed_by == OFFICE  # untouched: follows the data
    assert editor.mastheadCombo.currentData() == MASTHEAD_MARK
    assert editor.reportingCheck.isChecked() and editor.is_dirty
