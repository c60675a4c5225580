"""An unexpected error in the GUI is written to the log file with its traceback; the
clerk's message is Chinese, names the log, and carries no driver English for database
errors."""

from __future__ import annotations

import sqlite3

from sqlalchemy.exc import OperationalError

from foodsafety_desktop.core.logs import log_file
from foodsafety_desktop.ui import messages


def _raise_inside() -> None:
    raise KeyError("ledger_column_7")


def test_an_unexpected_error_goes_to_the_log_and_the_message_names_it(private_data_dir):
    assert not log_file().exists()
    try:
        _raise_inside()
    except KeyError as exc:
        text = messages.error_text(exc)
    assert text.startswith("发生了意外错误：KeyError")
    assert f"详细信息已写入日志：{log_file()}" in text
    logged = log_file().read_text(encoding="utf-8")
    assert "GUI operation failed" in logged and "_raise_inside" in logged  # the traceback


def test_a_database_error_is_chinese_with_the_english_in_the_log(private_data_dir):
    exc = OperationalError("INSERT …", {}, sqlite3.OperationalError("database or disk is full"))
    text = messages.error_text(exc)
    assert "磁盘空间已满" in text and "database or disk is full" not in text
    assert "database or disk is full" in log_file().read_text(encoding="utf-8")
