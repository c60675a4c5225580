"""本单位信息: the office's name, contact person, phone and e-mail as its documents show
them (署名 of the 工作总结 and 催报通知, 报送至 of every 报送表).

The dialog only chooses; ``edit_office`` stores the values through
``core.services.office.set_office`` on the database worker.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from foodsafety_desktop.core.changes import NOTHING
from foodsafety_desktop.core.services.office import (
    Office,
    OfficeSettings,
    office_form,
    set_office,
)
from foodsafety_desktop.core.services.settings import (
    OFFICE_CONTACT,
    OFFICE_EMAIL,
    OFFICE_NAME,
    OFFICE_PHONE,
)
from foodsafety_desktop.core.storage.database import Database
from foodsafety_desktop.ui.background import BackgroundTask, run_in_background
from foodsafety_desktop.ui.messages import show_error


class OfficeDialog(QDialog):
    """The four fields of 本单位信息.  ``values()`` after ``Accepted``.

    ``generated``: the name the plan's documents get when 单位名称 is left empty
    (卢氏县食品安全委员会办公室), shown as its placeholder.  Widgets by objectName:
    ``officeNameEdit``, ``officeContactEdit``, ``officePhoneEdit``, ``officeEmailEdit``,
    ``officePreviewLabel``.
    """

    def __init__(
        self, current: OfficeSettings, *, generated: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("本单位信息")
        self.generated = generated
        layout = QVBoxLayout(self)
        intro = QLabel(
            "报送表的“报送至”写明以下名称、联系人、电话和邮箱；工作总结、催报通知以此名称署名。"
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)

        form = QFormLayout()
        self.nameEdit = self._edit("officeNameEdit", current.name, f"不填则为“{generated}”")
        self.nameEdit.setMinimumWidth(320)
        form.addRow("单位名称", self.nameEdit)
        self.contactEdit = self._edit("officeContactEdit", current.contact, "如：张三")
        form.addRow("联系人", self.contactEdit)
        self.phoneEdit = self._edit("officePhoneEdit", current.phone, "如：0398-7777777")
        form.addRow("联系电话", self.phoneEdit)
        self.emailEdit = self._edit("officeEmailEdit", current.email, "接收报送表的邮箱（可不填）")
        form.addRow("电子邮箱", self.emailEdit)
        layout.addLayout(form)

        self.previewLabel = QLabel()
        self.previewLabel.setObjectName("officePreviewLabel")
        self.previewLabel.setWordWrap(True)
        self.previewLabel.setStyleSheet("color: #555555;")
        layout.addWidget(self.previewLabel)
        for edit in (self.nameEdit, self.contactEdit, self.phoneEdit, self.emailEdit):
            edit.textChanged.connect(self._preview)
        self._preview()

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("保存")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    @staticmethod
    def _edit(name: str, value: str | None, placeholder: str) -> QLineEdit:
        edit = QLineEdit(value or "")
        edit.setObjectName(name)
        edit.setPlaceholderText(placeholder)
        return edit

    def values(self) -> dict[str, str | None]:
        """What the clerk entered, by setting key ("" clears a setting)."""
        return {
            OFFICE_NAME: self.nameEdit.text().strip(),
            OFFICE_CONTACT: self.contactEdit.text().strip(),
            OFFICE_PHONE: self.phoneEdit.text().strip(),
            OFFICE_EMAIL: self.emailEdit.text().strip(),
        }

    def _preview(self) -> None:
        values = self.values()
        office = Office(
            values[OFFICE_NAME] or self.generated,
            values[OFFICE_CONTACT] or "",
            values[OFFICE_PHONE] or "",
            values[OFFICE_EMAIL] or "",
        )
        self.previewLabel.setText(f"报送表上写：报送至：{office.send_to()}\n署名：{office.name}")


def edit_office(
    parent: QWidget,
    db: Database,
    user: str,
    *,
    plan_id: int | None = None,
    on_saved: Callable[[list[str]], None] | None = None,
) -> BackgroundTask | None:
    """Show 本单位信息 for the documents of ``plan_id`` and store what the clerk changed
    (in the background, audited); ``on_saved(changed labels)`` afterwards.  None when
    the clerk cancelled."""
    with db.session() as session:
        current, generated = office_form(session, plan_id)
    dialog = OfficeDialog(current, generated=generated, parent=parent)
    try:
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        values = dialog.values()
    finally:
        dialog.deleteLater()

    def failed(exc: BaseException) -> None:
        show_error(parent, exc, "无法保存本单位信息")

    return run_in_background(
        parent,
        lambda: _save(db, values, user),
        label="正在保存本单位信息…",
        on_done=on_saved,
        on_error=failed,
        changes=NOTHING,
    )


def _save(db: Database, values: dict[str, str | None], user: str) -> list[str]:
    with db.session() as session:
        return set_office(session, values, user=user)
