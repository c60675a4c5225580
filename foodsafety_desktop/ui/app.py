"""Starting the GUI: the QApplication with a CJK-friendly font, and the main window.

The window shows first, with its menus and an empty ledger marked 正在打开…, before
SQLAlchemy and the schema are even imported; the database is opened on a thread (lock,
integrity check, migrations) and the ledger fills in when it is ready.  Questions that
opening may raise (a damaged file) are asked on the GUI thread, over the window.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QLibraryInfo, QLocale, QObject, QTimer, QTranslator, Signal
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication, QWidget

if TYPE_CHECKING:
    from foodsafety_desktop.core.storage.database import Database
    from foodsafety_desktop.core.storage.instance_lock import InstanceLock
    from foodsafety_desktop.ui.main_window import MainWindow

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


@dataclass
class OpenedDatabase:
    """What opening the office's database gave, handed from the opening thread to the GUI.

    ``db`` is None when it could not be opened: ``damaged`` (the clerk may restore the
    newest backup) or ``error`` (shown, then the program ends).
    """

    db: Database | None = None
    read_only_note: str | None = None  # another instance writes: look, don't touch
    lock: InstanceLock | None = None
    damaged: Exception | None = None  # integrity.DamagedDatabaseError
    path: Path | None = None
    error: BaseException | None = None
    housekeeping: bool = True  # the office's own file: daily backup and archive tidy-up


def open_office_database(path_or_url: str | None) -> OpenedDatabase:
    """Open the database as safely as possible; touches no widget (runs on a thread).

    A second instance on the same file opens it read-only; a damaged file is never
    used; a server database is opened as it is (the server handles concurrency).
    """
    from foodsafety_desktop.core.storage.database import (
        database_url,
        open_database,
        open_database_readonly,
        sqlite_file,
    )
    from foodsafety_desktop.core.storage.instance_lock import InstanceLock
    from foodsafety_desktop.core.storage.integrity import DamagedDatabaseError, open_checked

    url = database_url(path_or_url)
    db_path = sqlite_file(url)
    if db_path is None:
        return OpenedDatabase(db=open_database(url), housekeeping=False)
    lock = InstanceLock(db_path)
    if not lock.acquire():
        note = lock.owner().describe()
        return OpenedDatabase(
            db=open_database_readonly(db_path), read_only_note=note, housekeeping=False
        )
    try:
        return OpenedDatabase(db=open_checked(db_path), lock=lock, path=db_path)
    except DamagedDatabaseError as exc:
        return OpenedDatabase(lock=lock, damaged=exc, path=db_path)
    except BaseException:
        lock.release()
        raise


def restore_damaged(opened: OpenedDatabase, parent: QWidget | None) -> bool:
    """Offer the newest good backup for a damaged file; True when it was restored."""
    from foodsafety_desktop.core.storage.backup import restore_backup
    from foodsafety_desktop.core.storage.database import open_database
    from foodsafety_desktop.ui import messages

    damaged = opened.damaged
    assert damaged is not None and opened.path is not None
    backup_path = getattr(damaged, "backup_path", None)
    if backup_path is None or not messages.confirm(
        parent, f"{damaged}\n\n现在从最近的备份恢复吗？", "数据库已损坏"
    ):
        messages.show_error(parent, damaged, "无法打开数据库")
        return False
    restore_backup(opened.path, backup_path)
    opened.db, opened.damaged = open_database(opened.path), None
    return True


class _Opener(QObject):
    """Runs the opening on a thread and hands the result to the GUI thread."""

    done = Signal(object)

    def start(self, open_fn: Callable[[], OpenedDatabase]) -> None:
        def work() -> None:
            try:
                opened = open_fn()
            except BaseException as exc:  # shown on the GUI thread
                opened = OpenedDatabase(error=exc, housekeeping=False)
            self.done.emit(opened)

        threading.Thread(target=work, name="open-database", daemon=True).start()


def run_gui(open_fn: Callable[[], OpenedDatabase], *, demo: bool = False) -> int:
    """Show the main window at once, open the database with ``open_fn`` meanwhile, fill
    the window when it is open, and run the event loop; returns the exit code."""
    from foodsafety_desktop.ui.main_window import MainWindow

    app = ensure_application()
    window = MainWindow(None, demo=demo)
    window.show()
    session = _GuiSession(window)
    opener = _Opener()
    opener.done.connect(session.attach)
    opener.start(open_fn)
    previous_hook = sys.excepthook
    sys.excepthook = _logging_excepthook(previous_hook)
    try:
        code = app.exec()
    finally:
        sys.excepthook = previous_hook
    session.close()
    return session.code or code


def _logging_excepthook(previous: Callable[..., Any]) -> Callable[..., Any]:
    """An exception no handler caught (in a slot, say) goes to the log file too; the
    previous hook (Python's, or a test runner's) still sees it."""

    def hook(kind: type[BaseException], exc: BaseException, tb: Any) -> None:
        from foodsafety_desktop.core.logs import log_unexpected

        log_unexpected(exc.with_traceback(tb), "GUI event", "食安台账")
        previous(kind, exc, tb)

    return hook


class _GuiSession:
    """The open database of one run of the window, and what to close after it."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.opened: OpenedDatabase | None = None
        self.housekeeping: threading.Thread | None = None
        self.code = 0

    def attach(self, opened: OpenedDatabase) -> None:
        from foodsafety_desktop.ui import messages

        self.opened = opened
        if opened.error is not None:
            messages.show_error(self.window, opened.error, "无法打开数据库")
            self._give_up()
        elif opened.damaged is not None and not restore_damaged(opened, self.window):
            self._give_up()
        elif opened.db is not None:
            self.window.attach_database(opened.db, read_only_note=opened.read_only_note)
            if opened.housekeeping:
                self.housekeeping = start_housekeeping(opened.db)

    def _give_up(self) -> None:
        self.code = 1
        QTimer.singleShot(0, self.window.close)

    def close(self) -> None:
        if self.housekeeping is not None:
            self.housekeeping.join(timeout=60)  # let a running backup finish before closing
        if self.opened is not None:
            if self.opened.db is not None:
                self.opened.db.close()
            if self.opened.lock is not None:
                self.opened.lock.release()


def start_housekeeping(db: Database) -> threading.Thread:
    """The daily backup and the archive tidy-up, on a worker thread while the window opens.

    The tidy-up first brings over the originals an earlier version kept in the data
    folder (``originals.adopt_legacy_archive``), then sweeps what a crash left behind.

    Neither touches a widget; each opens its own unit of work.  Files archived after the
    start are left alone, so an import begun meanwhile is never mistaken for an orphan.
    """
    started = time.time()

    def work() -> None:
        from foodsafety_desktop.core.services.collect import sweep_orphan_archives
        from foodsafety_desktop.core.storage.backup import backup_if_due
        from foodsafety_desktop.core.storage.originals import adopt_legacy_archive

        try:
            adopt_legacy_archive(db)  # originals an earlier version kept in the data folder
            # A copy archived by an import that a power cut interrupted has no submission.
            sweep_orphan_archives(db, older_than=started)
            backup_if_due(db)  # one online backup a day
        except Exception as exc:  # never takes the window down; it runs at the next start
            from foodsafety_desktop.core.logs import log_unexpected

            log.exception("start-up housekeeping failed")
            log_unexpected(exc, "start-up housekeeping", db.location)

    thread = threading.Thread(target=work, name="housekeeping", daemon=True)
    thread.start()
    return thread


def start_gui(path_or_url: str | None) -> int:
    """The GUI on the office's database (``--db`` or the default file)."""
    return run_gui(lambda: open_office_database(path_or_url))
