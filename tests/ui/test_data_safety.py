"""备份到… / 从备份恢复… / 检查数据库 from the main window."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from foodsafety_desktop.core.storage.database import open_database
from foodsafety_desktop.core.storage.models import Department
from foodsafety_desktop.ui import data_safety, messages
from foodsafety_desktop.ui.main_window import MainWindow


@pytest.fixture
def said(monkeypatch):
    out: dict[str, list[str]] = {"info": [], "error": [], "confirm": []}
    monkeypatch.setattr(messages, "show_info", lambda _p, t, _t="": out["info"].append(t))
    monkeypatch.setattr(messages, "show_error", lambda _p, e, _t="": out["error"].append(str(e)))
    monkeypatch.setattr(messages, "confirm", lambda _p, t, _t="": out["confirm"].append(t) or True)
    return out


def departments(db) -> list[str]:
    with db.session() as s:
        return list(s.scalars(select(Department.name).order_by(Department.name)))


def test_backup_then_restore_brings_the_old_state_back(qtbot, tmp_path, said):
    db = open_database(tmp_path / "ledger.sqlite3")
    with db.session() as s:
        s.add(Department(name="县市场监管局"))
    window = MainWindow(db, user="测试")
    qtbot.addWidget(window)

    stick = tmp_path / "U盘"
    stick.mkdir()
    data_safety.backup_to_folder(window, stick)
    qtbot.waitUntil(lambda: bool(said["info"]))
    copy = next(stick.glob("*.sqlite3"))

    with window.db.session() as s:  # a change made after the backup
        s.add(Department(name="县教育局"))
    data_safety.restore_from_backup(window, copy)

    assert "方案 0 个" in said["confirm"][0]  # the preview says what the backup holds
    assert departments(window.db) == ["县市场监管局"]
    assert "已从备份恢复" in said["info"][-1]
    window.db.close()


def test_check_database_reports_a_healthy_file(qtbot, tmp_path, said):
    db = open_database(tmp_path / "ledger.sqlite3")
    window = MainWindow(db, user="测试")
    qtbot.addWidget(window)
    data_safety.check_database(window)
    qtbot.waitUntil(lambda: bool(said["info"]))
    assert "检查通过" in said["info"][0]
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Department)) == 0
    db.close()
