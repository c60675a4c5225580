"""The one place through which the GUI tells the user about errors and results."""

from __future__ import annotations

import logging

from PySide6.QtWidgets import QMessageBox, QWidget

from foodsafety_desktop.core.errors import UserError
from foodsafety_desktop.core.logs import log_unexpected
from foodsafety_desktop.core.storage.errors import database_error_message

log = logging.getLogger(__name__)


def error_text(exc: BaseException) -> str:
    """A Chinese message for any exception; unexpected ones are written to the log file
    with their traceback (``core.logs``), and the message says where."""
    if isinstance(exc, UserError):
        return str(exc)
    log.error("unexpected error", exc_info=exc)
    written = log_unexpected(exc, "GUI operation", "食安台账")
    where = f"\n详细信息已写入日志：{written}" if written else ""
    known = database_error_message(exc, "操作")
    if known is not None:  # the driver's English is in the log only
        return known + where
    return (
        f"发生了意外错误：{type(exc).__name__}：{exc}\n\n数据未被修改。"
        f"请将此信息告知技术支持人员。{where}"
    )


def show_error(parent: QWidget | None, exc: BaseException, title: str = "操作未完成") -> None:
    QMessageBox.warning(parent, title, error_text(exc))


def show_info(parent: QWidget | None, text: str, title: str = "完成") -> None:
    QMessageBox.information(parent, title, text)


def confirm(parent: QWidget | None, text: str, title: str = "请确认") -> bool:
    answer = QMessageBox.question(
        parent,
        title,
        text,
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.No,
    )
    return answer == QMessageBox.StandardButton.Yes
