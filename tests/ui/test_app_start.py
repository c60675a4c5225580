"""Starting the GUI on the office's database: lock, read-only second instance, damaged file."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from foodsafety_desktop.core.storage import backup
from foodsafety_desktop.core.storage.database import open_database, open_database_readonly
from foodsafety_desktop.core.storage.instance_lock import InstanceLock
from foodsafety_desktop.core.storage.models import Department
from foodsafety_desktop.ui import app, messages


@pytest.fixture
def started(monkeypatch, qapp):
    """Run the real start-up; close the window as soon as the ledger is filled, and
    record what it was filled from."""
    from PySide6.QtCore import QTimer

    from foodsafety_desktop.ui.main_window import MainWindow

    calls: list[dict] = []
    attach = MainWindow.attach_database

    def attach_and_close(self, db, *, read_only_note=None):
        attach(self, db, read_only_note=read_only_note)
        with db.session() as s:
            count = s.scalar(select(func.count()).select_from(Department))
        calls.append({"db": db, "note": read_only_note, "departments": count})
        QTimer.singleShot(0, self.close)

    monkeypatch.setattr(MainWindow, "attach_database", attach_and_close)
    QTimer.singleShot(60000, qapp.quit)  # a start-up that never finishes fails, not hangs
    return calls


def make_ledger(path, names=("县市场监管局",)):
    db = open_database(path)
    with db.session() as s:
        s.add_all(Department(name=n) for n in names)
    db.close()


def test_first_instance_writes_and_backs_up_once_a_day(tmp_path, started, private_data_dir):
    path = tmp_path / "ledger.sqlite3"
    make_ledger(path)
    assert app.start_gui(str(path)) == 0
    assert started[0]["note"] is None and started[0]["departments"] == 1
    assert len(backup.list_backups(tmp_path / "backups", stem=path.stem)) == 1  # beside the ledger
    assert InstanceLock(path).acquire()  # released when the window closed


def test_second_instance_opens_read_only_with_a_banner(tmp_path, started):
    path = tmp_path / "ledger.sqlite3"
    make_ledger(path)
    first = InstanceLock(path)
    assert first.acquire()
    try:
        assert app.start_gui(str(path)) == 0
    finally:
        first.release()
    note = started[0]["note"]
    assert started[0]["db"].read_only and note
    db = open_database_readonly(path)
    try:
        with pytest.raises(Exception), db.session() as s:  # noqa: B017 (any DBAPI write error)
            s.add(Department(name="县教育局"))
    finally:
        db.close()


def test_damaged_database_offers_the_newest_backup(tmp_path, started, monkeypatch):
    path = tmp_path / "ledger.sqlite3"
    make_ledger(path, names=("县市场监管局", "县教育局"))
    db = open_database(path)
    backup.backup_now(db, reason="manual")
    db.close()
    data = bytearray(path.read_bytes())
    data[100:4096] = b"\xff" * (4096 - 100)  # wreck the header and the first page
    path.write_bytes(bytes(data))

    asked: list[str] = []
    monkeypatch.setattr(messages, "confirm", lambda _p, text, _t="": asked.append(text) or True)
    assert app.start_gui(str(path)) == 0
    assert "损坏" in asked[0]
    assert started[0]["departments"] == 2  # the restored backup


def test_damaged_database_is_never_opened_when_the_clerk_declines(tmp_path, started, monkeypatch):
    path = tmp_path / "ledger.sqlite3"
    make_ledger(path)
    db = open_database(path)
    backup.backup_now(db, reason="manual")
    db.close()
    path.write_bytes(b"\0" * 8192)
    errors: list[str] = []
    monkeypatch.setattr(messages, "confirm", lambda *_a, **_k: False)
    monkeypatch.setattr(messages, "show_error", lambda _p, exc, _t="": errors.append(str(exc)))
    assert app.start_gui(str(path)) == 1
    assert started == [] and "损坏" in errors[0]


def test_qt_standard_buttons_are_chinese(qapp):
    from PySide6.QtWidgets import QDialogButtonBox

    app.ensure_application()
    app.ensure_application()  # a second call installs nothing twice
    buttons = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
    )
    assert sorted(b.text() for b in buttons.buttons()) == sorted(["确定", "取消"])
