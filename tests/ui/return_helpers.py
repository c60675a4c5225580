"""Typing into the 退回修改 dialog as a clerk does (shared by the GUI tests)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtWidgets import QApplication, QLineEdit

from foodsafety_desktop.ui.return_dialog import COMMENT_COLUMN, ReturnDialog


def type_comment(qtbot, dialog: ReturnDialog, row: int, text: str) -> None:
    """Open the 退回意见 cell's editor (what a double-click does), type as an input method
    commits Chinese, press Enter."""
    table = dialog.rowsTable
    item = table.item(row, COMMENT_COLUMN)
    table.scrollToItem(item)
    table.setCurrentItem(item)
    table.editItem(item)
    editors = [e for e in table.viewport().findChildren(QLineEdit) if e.isVisible()]
    assert len(editors) == 1
    editor = editors[0]
    editor.setFocus()
    event = QInputMethodEvent()
    event.setCommitString(text)
    QApplication.sendEvent(editor, event)
    assert editor.text() == text, editor.text()
    qtbot.keyClick(editor, Qt.Key.Key_Return)  # the delegate commits on the next event loop turn
    qtbot.waitUntil(lambda: item.text() == text, timeout=5000)
