"""公文设置: what the office's documents start with (主送机关 of a report, 抄送机关,
签发人, 发文机关标志 and the 红头 file kept with the database).

The dialog only chooses; ``edit_document_settings`` stores the values through
``core.services.documents`` on the database worker, in one transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QStandardPaths
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from foodsafety_desktop.core.changes import NOTHING
from foodsafety_desktop.core.services.documents import (
    COPY_TO,
    ISSUER_MARK,
    REPORT_RECIPIENT,
    SIGNED_BY,
    DocumentSettings,
    document_settings,
    forget_letterhead,
    keep_letterhead,
    set_document_settings,
    split_names,
)
from foodsafety_desktop.core.storage.database import Database
from foodsafety_desktop.ui.background import BackgroundTask, run_in_background
from foodsafety_desktop.ui.messages import show_error

DOCX_FILTER = "Word 文档 (*.docx)"
LETTERHEAD_LABEL = "红头文件"


class DocumentSettingsDialog(QDialog):
    """The remembered defaults of the office's 公文.  After ``Accepted``: ``values()``
    (setting key → text), ``letterhead_path`` (a new 红头 file to keep, or None) and
    ``forget`` (no 红头 file any more).

    ``recipient_default``: the 主送机关 a report gets when the field is left empty
    (卢氏县人民政府); ``mark_default`` the 发文机关标志 likewise (the office's name).
    Widgets by objectName: ``recipientDefaultEdit``, ``copyToDefaultEdit``,
    ``signedByDefaultEdit``, ``issuerMarkDefaultEdit``, ``letterheadNameEdit``,
    ``chooseLetterheadButton``, ``forgetLetterheadButton``.
    """

    def __init__(
        self,
        current: DocumentSettings,
        *,
        recipient_default: str = "",
        mark_default: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("公文设置")
        self.current = current
        self.letterhead_path: str | None = None
        self.forget = False
        layout = QVBoxLayout(self)
        intro = QLabel("新写的工作总结等公文自动填入以下内容，每份公文仍可单独修改。")
        intro.setWordWrap(True)
        layout.addWidget(intro)

        form = QFormLayout()
        self.recipientEdit = _line(
            "recipientDefaultEdit",
            current.report_recipient,
            f"不填则为“{recipient_default}”" if recipient_default else "如：卢氏县人民政府",
        )
        self.recipientEdit.setMinimumWidth(340)
        form.addRow("主送机关（报告）", self.recipientEdit)
        self.copyToEdit = QPlainTextEdit("\n".join(current.copy_to))
        self.copyToEdit.setObjectName("copyToDefaultEdit")
        self.copyToEdit.setPlaceholderText("每行一个，或用“、”分隔（可不填）")
        self.copyToEdit.setTabChangesFocus(True)
        self.copyToEdit.setFixedHeight(72)
        form.addRow("抄送机关", self.copyToEdit)
        self.signedByEdit = _line(
            "signedByDefaultEdit", current.signed_by, "上行文的签发人，如：张三"
        )
        form.addRow("签发人", self.signedByEdit)
        self.issuerMarkEdit = _line(
            "issuerMarkDefaultEdit",
            current.issuer_mark,
            f"不填则为“{mark_default}”" if mark_default else "如：卢氏县食品安全委员会办公室",
        )
        form.addRow("发文机关标志", self.issuerMarkEdit)

        row = QHBoxLayout()
        self.letterheadEdit = _line("letterheadNameEdit", current.letterhead_name, "不使用红头文件")
        self.letterheadEdit.setReadOnly(True)
        row.addWidget(self.letterheadEdit, 1)
        self.chooseButton = QPushButton("选择…")
        self.chooseButton.setObjectName("chooseLetterheadButton")
        self.chooseButton.setToolTip(
            "选择本单位的红头文件（.docx），与台账一起保存，所有工作人员共用"
        )
        self.chooseButton.clicked.connect(self.choose_letterhead)
        row.addWidget(self.chooseButton)
        self.forgetButton = QPushButton("不再使用")
        self.forgetButton.setObjectName("forgetLetterheadButton")
        self.forgetButton.clicked.connect(self.forget_letterhead)
        row.addWidget(self.forgetButton)
        form.addRow(LETTERHEAD_LABEL, row)
        layout.addLayout(form)
        self._update_letterhead()

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("保存")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def values(self) -> dict[str, str | list[str] | None]:
        """What the clerk entered, by setting key ("" clears a setting)."""
        return {
            REPORT_RECIPIENT: self.recipientEdit.text().strip(),
            COPY_TO: split_names(self.copyToEdit.toPlainText()),
            SIGNED_BY: self.signedByEdit.text().strip(),
            ISSUER_MARK: self.issuerMarkEdit.text().strip(),
        }

    def choose_letterhead(self) -> None:
        start = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        path, _ = QFileDialog.getOpenFileName(self, "选择红头文件", start, DOCX_FILTER)
        if path:
            self.letterhead_path, self.forget = path, False
            self._update_letterhead()

    def forget_letterhead(self) -> None:
        self.letterhead_path, self.forget = None, True
        self._update_letterhead()

    def _update_letterhead(self) -> None:
        if self.letterhead_path:
            name = Path(self.letterhead_path).name
        elif self.forget:
            name = ""
        else:
            name = self.current.letterhead_name or ""
        self.letterheadEdit.setText(name)
        self.forgetButton.setEnabled(bool(name))


def _line(name: str, value: str | None, placeholder: str) -> QLineEdit:
    edit = QLineEdit(value or "")
    edit.setObjectName(name)
    edit.setPlaceholderText(placeholder)
    return edit


def edit_document_settings(
    parent: QWidget,
    db: Database,
    user: str,
    *,
    recipient_default: str = "",
    mark_default: str = "",
    on_saved: Callable[[list[str]], None] | None = None,
) -> BackgroundTask | None:
    """Show 公文设置 and store what the clerk changed (in the background, one
    transaction, audited); ``on_saved(changed labels)`` afterwards.  None when the
    clerk cancelled."""
    with db.session() as session:
        current = document_settings(session)
    dialog = DocumentSettingsDialog(
        current, recipient_default=recipient_default, mark_default=mark_default, parent=parent
    )
    try:
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        values, path, forget = dialog.values(), dialog.letterhead_path, dialog.forget
    finally:
        dialog.deleteLater()

    def save() -> list[str]:
        with db.session() as session:
            changed = set_document_settings(session, values, user=user)
            if path:
                before = document_settings(session).letterhead
                keep_letterhead(session, path, user=user)
                if document_settings(session).letterhead != before:
                    changed.append(LETTERHEAD_LABEL)
            elif forget and forget_letterhead(session, user=user):
                changed.append(LETTERHEAD_LABEL)
            return changed

    return run_in_background(
        parent,
        save,
        label="正在保存公文设置…",
        on_done=on_saved,
        on_error=lambda exc: show_error(parent, exc, "公文设置未保存"),
        changes=NOTHING,
    )
