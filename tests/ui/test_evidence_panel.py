"""The 佐证材料 panel: three files dropped from the file manager are attached on the
database worker, listed, stored (checked in a reopened database), opened and removed."""

from __future__ import annotations

from pathlib import Path

import pytest
from core.evidence_fixtures import (
    MARKET,
    ledger_with_submission,
    make_docx,
    make_pdf,
    make_png,
)
from PySide6.QtCore import QMimeData, Qt, QUrl
from PySide6.QtGui import QDesktopServices, QDragEnterEvent
from PySide6.QtWidgets import QApplication
from user_input import drop

from foodsafety_desktop.core.services import evidence as ev
from foodsafety_desktop.core.storage.database import open_database
from foodsafety_desktop.ui import evidence_panel as panel_module
from foodsafety_desktop.ui.evidence_panel import EvidencePanel


@pytest.fixture
def db(tmp_path):
    database = open_database(tmp_path / "ledger.sqlite3")
    yield database
    database.close()


def test_drop_three_files_open_one_and_remove_one(qtbot, db, tmp_path, monkeypatch):
    ledger = ledger_with_submission(db, tmp_path / "ledger")
    task_id = ledger.answered[0]
    folder = tmp_path / "微信文件"
    folder.mkdir()
    files = [
        make_pdf(folder / "抽检计划.pdf", 2),
        make_png(folder / "现场照片.png"),
        make_docx(folder / "会议纪要.docx", pages=1),
    ]
    panel = EvidencePanel(db)
    qtbot.addWidget(panel)
    panel.resize(700, 300)
    panel.show()
    panel.set_target(task_id=task_id, department_id=ledger.department_id)
    assert panel.list.topLevelItemCount() == 0 and panel.addButton.isEnabled()

    with qtbot.waitSignal(panel.changed, timeout=20000):
        event = drop(panel, files)
        assert event.isAccepted()
    qtbot.waitUntil(lambda: panel.task is None, timeout=5000)

    shown = [
        [panel.list.topLevelItem(r).text(c) for c in range(panel.list.columnCount())]
        for r in range(panel.list.topLevelItemCount())
    ]
    assert [row[0] for row in shown] == ["抽检计划.pdf", "现场照片.png", "会议纪要.docx"]
    assert all(row[4] == MARKET and row[5].startswith("任务“") for row in shown)
    assert shown[0][1] == ev.format_size(files[0].stat().st_size)
    assert panel.statusLabel.text() == "已添加 3 个文件。"

    # The database, reopened, holds the three files byte for byte.
    again = open_database(tmp_path / "ledger.sqlite3")
    try:
        with again.session() as s:
            stored = ev.evidence_list(s, task_id=task_id)
            assert [e.name for e in stored] == [p.name for p in files]
            assert [ev.evidence_bytes(s, e.id) for e in stored] == [p.read_bytes() for p in files]
            assert {e.department_id for e in stored} == {ledger.department_id}
    finally:
        again.close()

    # Dropping one of them again adds nothing and says so.
    drop(panel, files[:1])
    task = panel.task
    assert task is not None  # the drop is being attached on the worker
    with qtbot.waitSignal(task.finished, timeout=20000):
        pass
    assert "已添加过" in panel.statusLabel.text() and "抽检计划.pdf" in panel.statusLabel.text()
    assert panel.list.topLevelItemCount() == 3

    # 打开: a read-only copy, named as the original, handed to the desktop.
    opened_urls: list[QUrl] = []
    monkeypatch.setattr(ev, "opened_copies_dir", lambda: tmp_path / "opened")
    monkeypatch.setattr(
        QDesktopServices, "openUrl", staticmethod(lambda url: opened_urls.append(url) or True)
    )
    panel.list.topLevelItem(2).setSelected(True)
    with qtbot.waitSignal(panel.opened, timeout=20000) as opened:
        panel.openButton.click()
    copy = opened.args[0]
    assert copy.name == "会议纪要.docx" and copy.read_bytes() == files[2].read_bytes()
    assert [Path(u.toLocalFile()) for u in opened_urls] == [copy]

    # 删除, after the clerk confirms.
    asked: list[str] = []
    monkeypatch.setattr(panel_module, "confirm", lambda _parent, text: asked.append(text) or True)
    qtbot.waitUntil(lambda: panel.removeButton.isEnabled(), timeout=5000)
    panel.list.clearSelection()
    panel.list.topLevelItem(1).setSelected(True)
    with qtbot.waitSignal(panel.changed, timeout=20000):
        panel.removeButton.click()
    assert asked and "现场照片.png" in asked[0]
    assert [panel.list.topLevelItem(r).text(0) for r in range(panel.list.topLevelItemCount())] == [
        "抽检计划.pdf",
        "会议纪要.docx",
    ]
    again = open_database(tmp_path / "ledger.sqlite3")
    try:
        with again.session() as s:
            assert [e.name for e in ev.evidence_list(s, task_id=task_id)] == [
                "抽检计划.pdf",
                "会议纪要.docx",
            ]
    finally:
        again.close()


def test_a_bad_file_in_a_drop_is_named_and_the_others_are_added(qtbot, db, tmp_path):
    ledger = ledger_with_submission(db, tmp_path / "ledger")
    good = make_pdf(tmp_path / "通报.pdf", 1)
    empty = tmp_path / "空文件.pdf"
    empty.write_bytes(b"")
    panel = EvidencePanel(db)
    qtbot.addWidget(panel)
    panel.set_target(submission_id=ledger.submission_id)
    with qtbot.waitSignal(panel.changed, timeout=20000):
        drop(panel, [good, empty])
    qtbot.waitUntil(lambda: panel.task is None, timeout=5000)
    assert panel.list.topLevelItemCount() == 1
    assert (
        "空文件.pdf" in panel.statusLabel.text() and "空文件（0 字节）" in panel.statusLabel.text()
    )


def test_a_whole_assessment_lists_but_takes_no_drop(qtbot, db, tmp_path):
    panel = EvidencePanel(db)
    qtbot.addWidget(panel)
    panel.set_target(assessment_id=1)
    assert not panel.addButton.isEnabled()
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(make_pdf(tmp_path / "a.pdf", 1)))])
    enter = QDragEnterEvent(
        panel.rect().center(),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(panel, enter)
    assert not enter.isAccepted()
