"""Running long core work off the GUI thread, with a progress dialog.

Modelled on Anki's CollectionOp: the worker gets no widgets and no shared session
(the function opens its own unit of work); result and error come back on the GUI
thread through Qt signals.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget

from foodsafety_desktop.core.changes import ChangeSet
from foodsafety_desktop.ui.messages import show_error

# What a finished job changed: a fixed set, or read from its result.
Changes = ChangeSet | Callable[[Any], ChangeSet] | None

_worker: QThreadPool | None = None


def database_worker() -> QThreadPool:
    """One worker thread for all database work, one job at a time (as Anki's taskman):
    jobs never race each other for the database, and each opens its own session."""
    global _worker
    if _worker is None:
        _worker = QThreadPool()
        _worker.setMaxThreadCount(1)
        _worker.setExpiryTimeout(-1)
    return _worker


class _Signals(QObject):
    done = Signal(object)
    failed = Signal(object)


class _Job(QRunnable):
    def __init__(self, fn: Callable[[], Any], signals: _Signals) -> None:
        super().__init__()
        self.fn = fn
        self.signals = signals

    def run(self) -> None:
        try:
            result = self.fn()
        except BaseException as exc:  # delivered to the GUI thread, shown there
            self.signals.failed.emit(exc)
        else:
            self.signals.done.emit(result)


class BackgroundTask(QObject):
    """One piece of work on the global thread pool; ``finished`` fires on the GUI thread."""

    finished = Signal()

    def __init__(
        self,
        parent: QWidget,
        fn: Callable[[], Any],
        *,
        label: str,
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        changes: Changes = None,
        quiet: bool = False,
    ) -> None:
        super().__init__(parent)
        self._parent = parent
        self._on_done = on_done
        self._on_error = on_error
        self._changes = changes
        self._signals = _Signals()
        self._signals.done.connect(self._done, Qt.ConnectionType.QueuedConnection)
        self._signals.failed.connect(self._failed, Qt.ConnectionType.QueuedConnection)
        # quiet: work the clerk did not ask for (start-up reminders), no dialog.
        self.progress: QProgressDialog | None = None
        if not quiet:
            self.progress = QProgressDialog(label, "", 0, 0, parent)
            self.progress.setWindowTitle("请稍候")
            self.progress.setCancelButton(None)  # single transactions: no half-cancel
            self.progress.setWindowModality(Qt.WindowModality.WindowModal)
            self.progress.setMinimumDuration(300)
        self._job = _Job(fn, self._signals)

    def start(self) -> None:
        database_worker().start(self._job)

    def _close(self) -> None:
        if self.progress is not None:
            self.progress.reset()
            self.progress.deleteLater()

    def _done(self, result: object) -> None:
        self._close()
        if self._on_done:
            self._on_done(result)
        changes = self._changes(result) if callable(self._changes) else self._changes
        if changes:
            from foodsafety_desktop.ui.changes import announce

            announce(changes, self._parent.window())
        self.finished.emit()

    def _failed(self, exc: BaseException) -> None:
        self._close()
        if self._on_error:
            self._on_error(exc)
        else:
            show_error(self._parent, exc)
        self.finished.emit()


def run_in_background(
    parent: QWidget,
    fn: Callable[[], Any],
    *,
    label: str,
    on_done: Callable[[Any], None] | None = None,
    on_error: Callable[[BaseException], None] | None = None,
    changes: Changes = None,
    quiet: bool = False,
) -> BackgroundTask:
    """Run ``fn()`` on the database worker; on success ``on_done(result)`` runs on the GUI
    thread, then ``changes`` (or ``changes(result)``) is announced to every open window.
    ``quiet``: no progress dialog.  Tests wait with ``qtbot.waitSignal(task.finished)``."""
    task = BackgroundTask(
        parent,
        fn,
        label=label,
        on_done=on_done,
        on_error=on_error,
        changes=changes,
        quiet=quiet,
    )
    task.start()
    return task


def track(running: list[BackgroundTask], task: BackgroundTask) -> BackgroundTask:
    """Keep ``task`` in ``running`` until it finishes (a window refuses to close meanwhile)."""
    running.append(task)
    task.finished.connect(lambda: running.remove(task) if task in running else None)
    return task
