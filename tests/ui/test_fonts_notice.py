"""The clerk is told once which 公文 fonts this PC lacks and what is used instead (issue 13)."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QLabel

from foodsafety_desktop.core.storage.database import open_database
from foodsafety_desktop.core.word.fonts import fonts_notice
from foodsafety_desktop.ui.main_window import MainWindow


@pytest.fixture
def db(tmp_path):
    database = open_database(tmp_path / "t.sqlite3")
    yield database
    database.close()


def banner(window: MainWindow) -> QLabel | None:
    return window.findChild(QLabel, "fontsBanner")


def test_missing_fonts_are_named_once_per_pc(qtbot, db, private_data_dir):
    expected = fonts_notice(QFontDatabase.families())
    assert expected is not None  # the test machine has no 方正小标宋简体
    first = MainWindow(db)
    qtbot.addWidget(first)
    shown = banner(first)
    assert shown is not None and expected in shown.text()
    assert "方正小标宋简体" in shown.text()
    # 知道了 hides it
    shown.linkActivated.emit("hide")
    assert shown.isHidden()

    # the next start on this PC says nothing more
    second = MainWindow(db)
    qtbot.addWidget(second)
    assert banner(second) is None


def test_a_changed_font_situation_is_told_again(qtbot, db, private_data_dir, monkeypatch):
    first = MainWindow(db)
    qtbot.addWidget(first)
    assert banner(first) is not None
    # the clerk installs 仿宋 and 宋体 (as Windows has them): what is missing changed
    families = [*QFontDatabase.families(), "FangSong", "SimSun"]
    monkeypatch.setattr(QFontDatabase, "families", staticmethod(lambda *a: families))
    second = MainWindow(db)
    qtbot.addWidget(second)
    shown = banner(second)
    assert shown is not None and "改用仿宋" in shown.text() and "改用宋体加粗" in shown.text()
