"""One application-wide signal that carries what a write changed (``core.changes``).

Every write announces its ``ChangeSet`` here; every open window listens and re-reads
what it shows when a kind of data it shows was touched.  The window that made a change
updates itself (it knows which row to keep selected) and skips its own announcement.
Changes made by another process are noticed when a window is activated or F5 is pressed:
``OutsideChanges`` compares the newest audit entry with the one the window last saw.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QApplication, QWidget

from foodsafety_desktop.core.changes import EVERYTHING, ChangeSet

if TYPE_CHECKING:
    from foodsafety_desktop.core.storage.database import Database


class ChangeBus(QObject):
    """``changed(ChangeSet, source)``: ``source`` is the widget that made the change."""

    changed = Signal(object, object)


_bus: ChangeBus | None = None


def change_bus() -> ChangeBus:
    """The application's one bus (created with, and owned by, the QApplication)."""
    global _bus
    app = QApplication.instance()
    if _bus is None or _bus.parent() is not app:
        _bus = ChangeBus(app)
    return _bus


def announce(changes: ChangeSet, source: QObject | None = None) -> None:
    """Tell every open window what a write changed (nothing is sent for no change)."""
    if changes:
        change_bus().changed.emit(changes, source)


def listen(window: QWidget, on_change: Callable[[ChangeSet], None]) -> None:
    """Call ``on_change(changes)`` for every change ``window`` did not make itself."""

    def relay(changes: ChangeSet, source: object) -> None:
        if source is not window:
            on_change(changes)

    change_bus().changed.connect(relay)
    window.destroyed.connect(lambda _obj=None: _disconnect(relay))


def _disconnect(relay: Callable[..., None]) -> None:
    if _bus is not None:
        with contextlib.suppress(RuntimeError, TypeError):  # gone with the application
            _bus.changed.disconnect(relay)


class OutsideChanges(QObject):
    """Refresh ``window`` when another process wrote to the database since it last looked.

    Checked when the window is activated and on F5 (which also refreshes when nothing
    changed: the clerk asked).  ``seen()`` is called by the window after every refresh.
    """

    def __init__(self, window: QWidget, db: Database, on_change: Callable[[ChangeSet], None]):
        super().__init__(window)
        self.window = window
        self.db = db
        self.on_change = on_change
        self.last_seen = self._newest()
        window.installEventFilter(self)
        QShortcut(QKeySequence(QKeySequence.StandardKey.Refresh), window, self.refresh_now)

    def _newest(self) -> int:
        from foodsafety_desktop.core.services import audit

        with self.db.session() as session:
            return audit.last_entry_id(session)

    def seen(self) -> None:
        self.last_seen = self._newest()

    def check(self) -> bool:
        """Refresh when the database changed since ``seen``; return whether it did."""
        newest = self._newest()
        if newest == self.last_seen:
            return False
        self.last_seen = newest
        self.on_change(EVERYTHING)
        return True

    def refresh_now(self) -> None:
        self.last_seen = self._newest()
        self.on_change(EVERYTHING)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.window and event.type() == QEvent.Type.WindowActivate:
            self.check()
        return False
