"""工作总结 editor: the draft follows the plan, edits are saved with the period and
survive a late submission, the Word file holds them, PDF export says what is missing."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import docx
import pytest
from core.collect_fixtures import USER, fill
from core.document_fixtures import FULL, PARTIAL, SILENT, build_period, measures_text
from PySide6.QtCore import Qt
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtWidgets import QApplication, QMessageBox
from seeds import seed_path
from sqlalchemy import select

from foodsafety_desktop.core.reports import export
from foodsafety_desktop.core.reports.material import sentence
from foodsafety_desktop.core.reports.summary import reporting_text
from foodsafety_desktop.core.services.collect import collect_files
from foodsafety_desktop.core.storage.database import open_database
from foodsafety_desktop.core.storage.models import Section, SummaryDraft, Task
from foodsafety_desktop.ui import messages
from foodsafety_desktop.ui.summary_editor import (
    EDITED_MARK,
    GREY,
    KIND_DEPARTMENT,
    KIND_ITEMIZED,
    SummaryEditor,
)

REWRITTEN = "县市场监管局牵头开展专项整治，此段由办公室改写。"
WAIT_MS = 60_000


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


def expected_keys(db, plan_id: int) -> list[str]:
    """Sections (each before its first task) and tasks in the plan's order, from the DB."""
    with db.session() as s:
        sections = {x.id: x for x in s.scalars(select(Section).where(Section.plan_id == plan_id))}
        tasks = list(
            s.scalars(select(Task).where(Task.plan_id == plan_id).order_by(Task.position, Task.id))
        )
        out, seen = [], set()
        for task in tasks:
            chain, sid = [], task.section_id
            while sid is not None:
                chain.append(sid)
                sid = sections[sid].parent_id
            for sid in reversed(chain or [0]):
                if sid not in seen:
                    seen.add(sid)
                    out.append(f"section:{sid}")
            out.append(f"task:{task.id}")
        return out


def stored_edits(db, period_id: int) -> dict:
    with db.session() as s:
        row = s.scalar(select(SummaryDraft).where(SummaryDraft.period_id == period_id))
        return json.loads(row.edits_json) if row else {}


def body_texts(path: Path) -> list[str]:
    return [p.text for p in docx.Document(str(path)).paragraphs]


def edited_generated(editor: SummaryEditor, task_id: int) -> str:
    return editor.draft.task_block(task_id).generated


def task_indexes(editor: SummaryEditor) -> list[int]:
    return [i for i, b in enumerate(editor.draft.blocks) if b.kind == "task"]


def test_edits_are_saved_survive_a_late_submission_and_reach_the_document(
    qtbot, db, period, tmp_path, shown, monkeypatch
):
    sc = period.scenario
    editor = open_editor(qtbot, db, period)
    assert editor.windowTitle() == "工作总结"
    assert editor.periodCombo.currentData() == sc.q3  # the period with submissions
    assert editor.block_keys() == expected_keys(db, sc.plan_id)
    assert editor.figuresLabel.text().startswith("2022年第三季度：任务")
    assert editor.newMaterialBanner.isHidden()

    tasks = task_indexes(editor)
    edited_i, excluded_i = tasks[0], tasks[2]
    edited = editor.draft.blocks[edited_i]
    excluded = editor.draft.blocks[excluded_i]
    assert FULL in edited.departments  # the seed's first task is answered

    # Rewrite through the real editor: select in the tree, type into the text box.
    editor.blockTree.setCurrentItem(editor.item_of(edited.key))
    assert editor.blockTextEdit.toPlainText() == edited.generated
    type_text(editor.blockTextEdit, REWRITTEN)
    assert edited.edited == REWRITTEN
    assert editor.item_of(edited.key).text(0).endswith(EDITED_MARK)
    assert editor.restoreButton.isEnabled()
    # Leave a task out: the checkbox in the tree.
    editor.item_of(excluded.key).setCheckState(0, Qt.CheckState.Unchecked)
    assert excluded.included is False
    assert editor.item_of(excluded.key).foreground(0) == GREY
    assert editor.is_dirty

    assert editor.save()
    edits = stored_edits(db, sc.q3)
    assert edits["tasks"][str(edited.id)] == {"text": REWRITTEN, "included": True}
    assert edits["tasks"][str(excluded.id)] == {"text": None, "included": False}
    assert editor.close()

    # A new editor reads the edits back from the database.
    again = open_editor(qtbot, db, period)
    assert again.draft.task_block(edited.id).text == REWRITTEN
    assert again.draft.task_block(excluded.id).included is False
    assert again.item_of(excluded.key).checkState(0) == Qt.CheckState.Unchecked
    assert again.item_of(edited.key).text(0).endswith(EDITED_MARK)
    assert again.newMaterialBanner.isHidden()

    # A late submission while the editor is open: the banner names the department.
    late = fill(
        sc.templates[SILENT], tmp_path / "late" / "silent.xlsx", measures=measures_text(SILENT)
    )
    outcomes = collect_files(
        db, [late], user=USER, received_at=dt.datetime(2022, 10, 8, 2), accept_warnings=True
    )
    assert outcomes[0].accepted
    assert again.check_new_material() == [SILENT]
    assert not again.newMaterialBanner.isHidden()
    assert "有 1 份新的报送" in again.newMaterialLabel.text()
    assert SILENT in again.newMaterialLabel.text()
    assert "重新生成" in again.newMaterialLabel.text()

    wait(qtbot, again.regenerate())
    assert again.draft.task_block(edited.id).text == REWRITTEN  # the edit is kept
    assert again.draft.task_block(excluded.id).included is False
    # 县发改委's first row belongs to the rewritten task: there only the generated text
    # has it; its second row lands in a task the clerk did not touch.
    silent_text = sentence(measures_text(SILENT).format(n=2))
    assert sentence(measures_text(SILENT).format(n=1)) in edited_generated(again, edited.id)
    assert any(silent_text in b.text for b in again.draft.blocks)  # merged
    assert SILENT in again.newMaterialLabel.text()  # …and listed until saved
    # Who reported late is the office's business, not the government's: not in the
    # opening, only in the optional paragraph (公文要素 → 写入报送情况段落, off).
    assert "逾期报送" not in again.draft.opening
    assert "逾期报送1个" in reporting_text(again.material)
    assert not again.draft.include_reporting and not again.reportingCheck.isChecked()

    # The Word file: the rewritten paragraph is there, the excluded task is not.
    out = tmp_path / "out" / "总结.docx"
    out.parent.mkdir()
    wait(qtbot, again.write_docx(out))
    assert out.is_file() and again.last_docx == out
    texts = body_texts(out)
    assert any(t.endswith(REWRITTEN) for t in texts)
    assert not any(excluded.title in t for t in texts)
    assert any(f"{SILENT}：{silent_text}" in t for t in texts)
    assert not any("本期应报送单位" in t for t in texts)
    box = again.result_box
    assert box is not None and str(out) in box.text()
    labels = [b.text() for b in box.buttons()]
    assert "打开" in labels and "导出PDF" in labels
    opened: list[Path] = []
    monkeypatch.setattr(export, "open_file", lambda path: opened.append(Path(path)))
    next(b for b in box.buttons() if b.text() == "打开").click()
    assert opened == [out]

    # No office suite: the Chinese message says what to install.
    monkeypatch.setattr(export, "find_office", lambda: None)
    assert again.export_pdf(tmp_path / "out" / "总结.pdf") is None
    assert shown[-1][0] == "error"
    assert "未找到 Word 或 LibreOffice" in shown[-1][1]
    assert not (tmp_path / "out" / "总结.pdf").exists()


def test_opening_edit_and_restore_generated(qtbot, db, period, shown):
    editor = open_editor(qtbot, db, period)
    generated = editor.draft.generated["opening"]
    editor.select_field("opening")
    assert editor.blockTextEdit.toPlainText() == generated
    type_text(editor.blockTextEdit, "本季度全县食品安全形势总体平稳。")
    assert editor.draft.opening == "本季度全县食品安全形势总体平稳。"
    index = task_indexes(editor)[1]
    editor.set_block_text(index, "改写后又恢复。")
    block = editor.draft.blocks[index]
    assert block.edited == "改写后又恢复。"
    editor.restoreButton.click()
    assert block.edited is None
    assert editor.blockTextEdit.toPlainText() == block.generated
    assert not editor.item_of(block.key).text(0).endswith(EDITED_MARK)
    editor.recipientEdit.setText("县委、县政府")
    assert editor.save()
    with db.session() as s:
        row = s.scalar(select(SummaryDraft))
        assert row.opening == "本季度全县食品安全形势总体平稳。"
        assert row.recipient == "县委、县政府"
        assert row.title is None  # untouched: follows the data
    assert json.loads(row.edits_json)["tasks"] == {}


def test_excluding_renumbers_and_unsaved_edits_are_offered_on_close(qtbot, db, period, shown):
    editor = open_editor(qtbot, db, period)
    first, second = task_indexes(editor)[:2]
    second_key = editor.draft.blocks[second].key
    assert editor.item_of(second_key).text(0).startswith("（二）")
    editor.set_block_included(first, False)
    assert editor.item_of(second_key).text(0).startswith("（一）")
    editor.close()
    assert shown and shown[-1][0] == "ask"  # confirm answered "no": edits dropped
    assert stored_edits(db, period.scenario.q3) == {}


def test_itemized_and_department_documents(qtbot, db, period, tmp_path, shown):
    editor = open_editor(qtbot, db, period)
    editor.set_kind(KIND_ITEMIZED)
    assert not editor.bodySplitter.isEnabled() and editor.writeButton.isEnabled()
    assert editor.default_file_name() == "2022年第三季度逐条报送表.docx"
    wait(qtbot, editor.write_docx(tmp_path / "itemized.docx"))
    document = docx.Document(str(tmp_path / "itemized.docx"))
    assert document.tables and document.tables[0].rows[0].cells[0].text == "序号"

    editor.set_kind(KIND_DEPARTMENT, PARTIAL)
    assert editor.departmentCombo.currentText() == PARTIAL
    names = [editor.departmentCombo.itemText(i) for i in range(editor.departmentCombo.count())]
    assert sorted(names) == sorted([FULL, PARTIAL])  # only those that reported
    wait(qtbot, editor.write_docx(tmp_path / "health.docx"))
    assert any("县卫健委问题：检测能力不足" in t for t in body_texts(tmp_path / "health.docx"))
    assert not any(kind == "error" for kind, _ in shown)


def test_pdf_export_runs_in_the_background_and_offers_to_open(
    qtbot, db, period, tmp_path, shown, monkeypatch
):
    editor = open_editor(qtbot, db, period)
    assert not editor.pdfButton.isEnabled()  # nothing written yet
    wait(qtbot, editor.write_docx(tmp_path / "s.docx"))
    assert editor.pdfButton.isEnabled() and editor.openButton.isEnabled()
    editor.result_box.done(0)

    converted: list[tuple[Path, Path]] = []

    def fake_export(source, target=None):
        target = Path(target)
        target.write_bytes(b"%PDF-1.4\n")
        converted.append((Path(source), target))
        return target

    monkeypatch.setattr(export, "find_office", lambda: export.OfficeSuite("libreoffice"))
    monkeypatch.setattr(export, "export_pdf", fake_export)
    wait(qtbot, editor.export_pdf(tmp_path / "s.pdf"))
    assert converted == [(tmp_path / "s.docx", tmp_path / "s.pdf")]
    assert editor.last_pdf == tmp_path / "s.pdf"
    assert isinstance(editor.result_box, QMessageBox) and "s.pdf" in editor.result_box.text()
    editor.result_box.done(0)


def test_a_plan_without_periods_says_so(qtbot, db, shown):
    from foodsafety_desktop.core.services.plan_import import import_plan_file

    seed = seed_path("002")
    plan_id = import_plan_file(db, seed, user=USER).plan_id
    editor = SummaryEditor(db, plan_id)
    qtbot.addWidget(editor)
    assert editor.loading is None and editor.draft is None
    assert "还没有报送期次" in editor.figuresLabel.text()
    assert not editor.writeButton.isEnabled()
