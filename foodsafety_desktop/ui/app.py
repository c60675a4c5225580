"""Starting the GUI: the QApplication with a CJK-friendly font, and the main window."""

from __future__ import annotations

import sys

from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

from foodsafety_desktop.core.storage.database import Database

APP_NAME = "食安台账"
# Windows first (微软雅黑), then what Linux / macOS test machines have.
UI_FONT_FAMILIES = (
    "Microsoft YaHei UI",
    "Microsoft YaHei",
    "微软雅黑",
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "PingFang SC",
    "WenQuanYi Micro Hei",
)
UI_POINT_SIZE = 10


def ui_font_family() -> str | None:
    """The first installed family of ``UI_FONT_FAMILIES`` (None: keep Qt's default)."""
    installed = set(QFontDatabase.families())
    return next((family for family in UI_FONT_FAMILIES if family in installed), None)


def apply_app_font(app: QApplication) -> None:
    family = ui_font_family()
    if family is None:
        return
    font = QFont(family)
    font.setPointSize(UI_POINT_SIZE)
    app.setFont(font)


def ensure_application() -> QApplication:
    """The running QApplication, created and set up on first use."""
    app = QApplication.instance()
    if app is None:
        app = QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName(APP_NAME)
    app.setOrganizationName(APP_NAME)
    apply_app_font(app)
    return app


def run_gui(db: Database, *, demo: bool = False) -> int:
    """Show the main window over ``db`` and run the event loop; returns the exit code."""
    from foodsafety_desktop.ui.main_window import MainWindow

    app = ensure_application()
    window = MainWindow(db, demo=demo)
    window.show()
    return app.exec()
