"""The read-only second window (another instance holds the ledger) can open every view
for reading: 报送管理 and 工作总结 open, show the figures, and write nothing."""

from __future__ import annotations

from core.document_fixtures import build_period
from sqlalchemy import func, select

from foodsafety_desktop.core.storage.database import open_database, open_database_readonly
from foodsafety_desktop.core.storage.models import AuditEntry
from foodsafety_desktop.ui import messages
from foodsafety_desktop.ui.main_window import MainWindow

NOTE = "另一个窗口正在使用该数据库"


def test_reporting_and_summary_open_read_only(qtbot, tmp_path, monkeypatch):
    path = tmp_path / "office.sqlite3"
    db = open_database(path)
    period = build_period(db, tmp_path)
    with db.session() as s:
        audits = s.scalar(select(func.count()).select_from(AuditEntry))
    db.close()
    errors: list[str] = []
    monkeypatch.setattr(messages, "show_error", lambda _p, exc, _t="": errors.append(str(exc)))

    reader = open_database_readonly(path)
    try:
        window = MainWindow(reader, read_only_note=NOTE)
        qtbot.addWidget(window)
        window.show()
        assert window.reporting_action.isEnabled() and window.summary_action.isEnabled()

        reporting = window.open_reporting()
        assert reporting is not None and reporting.read_only
        assert "只读" in reporting.windowTitle()
        assert reporting.select_period(period.scenario.q3)
        assert reporting.status_model.rowCount() > 0  # the figures are there
        assert not any(b.isEnabled() for b in reporting._writing_buttons())
        assert reporting.generateButton.isEnabled() and reporting.remindButton.isEnabled()
        assert not reporting.acceptDrops()

        editor = window.open_summary()
        assert editor is not None and editor.read_only
        with qtbot.waitSignal(editor.loading.finished, timeout=60000):
            pass
        assert editor.draft is not None and editor.writeButton.isEnabled()
        assert not editor.saveButton.isEnabled() and not editor.officeButton.isEnabled()
        editor.close()
    finally:
        reader.close()
    assert errors == []
    db = open_database(path)
    try:
        with db.session() as s:  # nothing written
            assert s.scalar(select(func.count()).select_from(AuditEntry)) == audits
    finally:
        db.close()
