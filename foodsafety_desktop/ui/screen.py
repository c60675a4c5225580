"""Windows and dialogs that fit the clerk's screen (often 1366×768 with a taskbar)."""

from __future__ import annotations

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

MARGIN = 24  # room for the window frame and title bar


def fit_on_screen(widget: QWidget, width: int, height: int) -> None:
    """Resize ``widget`` to ``width`` × ``height``, or to what the screen has room for."""
    screen = widget.screen() or QGuiApplication.primaryScreen()
    if screen is not None:
        room = screen.availableGeometry()
        width = min(width, room.width() - MARGIN)
        height = min(height, room.height() - 2 * MARGIN)
    widget.resize(width, height)
