"""Starting the GUI: the QApplication with a CJK-friendly font, and the main window."""

from __future__ import annotations

import logging
import sys
import threading
import time

from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

from foodsafety_desktop.core.storage.database import Database

log = logging.getLogger(__name__)

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


def install_qt_translation(app: QApplication) -> None:
    """Qt's own texts in Chinese: 确定/取消/是/否 on message boxes, input and file dialogs."""
    if app.findChild(QTranslator, "qtbase_zh_CN") is not None:
        return
    translator = QTranslator(app)
    translator.setObjectName("qtbase_zh_CN")
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    china = QLocale(QLocale.Language.Chinese, QLocale.Country.China)
    if translator.load(china, "qtbase", "_", folder):
        app.installTranslator(translator)
    else:  # a build without Qt's translations: English buttons, nothing worse
        log.warning("Qt translation qtbase_zh_CN not found in %s", folder)


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
    install_qt_translation(app)
    return app


def run_gui(db: Database, *, demo: bool = False, read_only_note: str | None = None) -> int:
    """Show the main window over ``db`` and run the event loop; returns the exit code."""
    from foodsafety_desktop.ui.main_window import MainWindow

    app = ensure_application()
    window = MainWindow(db, demo=demo, read_only_note=read_only_note)
    window.show()
    return app.exec()


def start_housekeeping(db: Database) -> threading.Thread:
    """The daily backup and the archive tidy-up, on a worker thread while the window opens.

    Neither touches a widget; each opens its own unit of work.  Files archived after the
    start are left alone, so an import begun meanwhile is never mistaken for an orphan.
    """
    started = time.time()

    def work() -> None:
        from foodsafety_desktop.core.services.collect import sweep_orphan_archives
        from foodsafety_desktop.core.storage.backup import backup_if_due

        try:
            # A copy archived by an import that a power cut interrupted has no submission.
            sweep_orphan_archives(db, older_than=started)
            backup_if_due(db)  # one online backup a day
        except Exception:  # housekeeping must never take the window down; it runs again
            log.exception("start-up housekeeping failed")

    thread = threading.Thread(target=work, name="housekeeping", daemon=True)
    thread.start()
    return thread


def start_gui(path_or_url: str | None) -> int:
    """Open the office's database as safely as possible, then run the GUI.

    A second instance on the same file opens it read-only with a banner; a damaged
    file is never used: the clerk is offered the newest good backup instead.
    """
    from foodsafety_desktop.core.storage.backup import restore_backup
    from foodsafety_desktop.core.storage.database import (
        database_url,
        open_database,
        open_database_readonly,
        sqlite_file,
    )
    from foodsafety_desktop.core.storage.instance_lock import InstanceLock
    from foodsafety_desktop.core.storage.integrity import DamagedDatabaseError, open_checked
    from foodsafety_desktop.ui import messages

    ensure_application()
    url = database_url(path_or_url)
    db_path = sqlite_file(url)
    if db_path is None:  # a server database: the server handles concurrency and backups
        db = open_database(url)
        try:
            return run_gui(db)
        finally:
            db.close()

    lock = InstanceLock(db_path)
    if not lock.acquire():
        db = open_database_readonly(db_path)
        try:
            return run_gui(db, read_only_note=lock.owner().describe())
        finally:
            db.close()
    try:
        try:
            db = open_checked(db_path)
        except DamagedDatabaseError as exc:
            if exc.backup_path is None or not messages.confirm(
                None, f"{exc}\n\n现在从最近的备份恢复吗？", "数据库已损坏"
            ):
                messages.show_error(None, exc, "无法打开数据库")
                return 1
            restore_backup(db_path, exc.backup_path)
            db = open_database(db_path)
        housekeeping = start_housekeeping(db)
        try:
            return run_gui(db)
        finally:
            housekeeping.join(timeout=60)  # let a running backup finish before closing
            db.close()
    finally:
        lock.release()
