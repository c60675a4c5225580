"""What a clerk does with the keyboard and the mouse, as the GUI tests replay it: typing
a 退回意见 into the 退回修改 dialog, dropping files from the file manager."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QInputMethodEvent
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


def drop(widget, paths: list[Path]) -> QDropEvent:
    """Drag the files over the widget and drop them, as Explorer does."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    center = widget.rect().center()
    args = (
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    enter = QDragEnterEvent(center, *args)
    QApplication.sendEvent(widget, enter)
    assert enter.isAccepted()
    event = QDropEvent(QPointF(center), *args)
    QApplication.sendEvent(widget, event)
    return event
