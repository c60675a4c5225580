"""数据安全 menu: 备份到…, 从备份恢复…, 检查数据库 — thin wrappers over core.storage."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QFileDialog

from foodsafety_desktop.core.errors import UserError
from foodsafety_desktop.core.paths import backups_dir_for
from foodsafety_desktop.core.storage import backup, integrity
from foodsafety_desktop.core.storage.database import open_database
from foodsafety_desktop.ui import messages

if TYPE_CHECKING:
    from foodsafety_desktop.ui.main_window import MainWindow

BACKUP_FILTER = "台账备份 (*.sqlite3);;所有文件 (*)"


def backup_to_folder(window: MainWindow, folder: Path | None = None) -> None:
    """ "备份到…": a copy of the database and the archived files in a folder (a USB stick)."""
    if folder is None:
        chosen = QFileDialog.getExistingDirectory(window, "选择备份保存位置（如U盘）")
        if not chosen:
            return
        folder = Path(chosen)
    db = window.db
    window.run_task(
        lambda: backup.export_backup(db, folder),
        "正在备份…",
        lambda path: messages.show_info(window, f"已备份到：\n{path}", "备份完成"),
    )


def restore_from_backup(window: MainWindow, path: Path | None = None) -> None:
    """ "从备份恢复…": preview what the backup holds, back up the current state, replace."""
    db_path = window.db.sqlite_path
    if db_path is None:
        messages.show_error(window, UserError("服务器数据库请由管理员使用数据库自带的工具恢复。"))
        return
    if path is None:
        chosen, _ = QFileDialog.getOpenFileName(
            window, "选择要恢复的备份", str(backups_dir_for(db_path)), BACKUP_FILTER
        )
        if not chosen:
            return
        path = Path(chosen)
    try:
        info = backup.describe_backup(path)
    except UserError as exc:
        messages.show_error(window, exc)
        return
    question = (
        f"{info.summary()}\n\n恢复后，当前数据将被这个备份替换。"
        "恢复前会先自动备份当前数据，需要时可以再恢复回来。\n\n确定恢复吗？"
    )
    if not messages.confirm(window, question, "从备份恢复"):
        return
    window.db.close()
    try:
        safety = backup.restore_backup(db_path, path)
    except UserError as exc:
        messages.show_error(window, exc)
        window.replace_database(open_database(db_path))
        return
    window.replace_database(open_database(db_path))
    note = f"\n恢复前的数据已备份到：{safety}" if safety else ""
    messages.show_info(window, f"已从备份恢复。{note}", "恢复完成")


def check_database(window: MainWindow) -> None:
    """ "检查数据库": the full integrity and foreign-key check, off the GUI thread."""
    db = window.db

    def done(report: integrity.CheckReport) -> None:
        text = "\n".join(report.messages())
        if report.ok:
            messages.show_info(window, text, "检查数据库")
        else:
            messages.show_error(window, UserError(text), "数据库有问题")

    window.run_task(lambda: integrity.full_check(db), "正在检查数据库…", done)
