"""修改责任单位: pick a task's 牵头 and 责任 departments from checkable lists."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from foodsafety_desktop.core.services.departments import DepartmentRow
from foodsafety_desktop.core.terms import KIND_LABELS
from foodsafety_desktop.ui.forms import child, load_form

ID_ROLE = Qt.ItemDataRole.UserRole + 1


class TaskDepartmentsDialog(QDialog):
    """Checkable department lists; ``lead_ids()`` / ``responsible_ids()`` after accept.

    Departments already on the task keep their order; newly checked ones follow.
    """

    def __init__(
        self,
        departments: Sequence[DepartmentRow],
        task_name: str,
        lead_ids: Sequence[int],
        responsible_ids: Sequence[int],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("修改责任单位")
        self.resize(680, 560)
        self.form = load_form("task_departments", self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.form)
        child(self.form, QLabel, "taskLabel").setText(f"任务：{task_name}")
        self.filter_edit: QLineEdit = child(self.form, QLineEdit, "filterEdit")
        self.lead_list: QListWidget = child(self.form, QListWidget, "leadList")
        self.responsible_list: QListWidget = child(self.form, QListWidget, "responsibleList")
        buttons: QDialogButtonBox = child(self.form, QDialogButtonBox, "buttonBox")
        ok: QPushButton = buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText("确定")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self._initial = (list(lead_ids), list(responsible_ids))
        self._fill(self.lead_list, departments, lead_ids)
        self._fill(self.responsible_list, departments, responsible_ids)
        self.filter_edit.textChanged.connect(self._filter)

    @staticmethod
    def _fill(
        widget: QListWidget, departments: Sequence[DepartmentRow], checked: Sequence[int]
    ) -> None:
        chosen = set(checked)
        # Checked departments first, so the current choice is visible without scrolling.
        ordered = sorted(departments, key=lambda d: (d.id not in chosen, d.kind != "department"))
        for department in ordered:
            kind = KIND_LABELS.get(department.kind, "")
            text = (
                department.name
                if department.kind == "department"
                else f"{department.name}（{kind}）"
            )
            item = QListWidgetItem(text)
            item.setData(ID_ROLE, department.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(
                Qt.CheckState.Checked if department.id in chosen else Qt.CheckState.Unchecked
            )
            widget.addItem(item)

    def _filter(self, text: str) -> None:
        needle = text.strip()
        for widget in (self.lead_list, self.responsible_list):
            for i in range(widget.count()):
                item = widget.item(i)
                item.setHidden(bool(needle) and needle not in item.text())

    @staticmethod
    def _checked(widget: QListWidget, initial: list[int]) -> list[int]:
        checked = [
            widget.item(i).data(ID_ROLE)
            for i in range(widget.count())
            if widget.item(i).checkState() == Qt.CheckState.Checked
        ]
        kept = [i for i in initial if i in checked]
        return kept + [i for i in checked if i not in kept]

    def set_checked(self, role: str, department_id: int, checked: bool) -> None:
        """Check or uncheck a department in the 'lead' or 'responsible' list (tests, scripts)."""
        widget = self.lead_list if role == "lead" else self.responsible_list
        for i in range(widget.count()):
            item = widget.item(i)
            if item.data(ID_ROLE) == department_id:
                item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)

    def lead_ids(self) -> list[int]:
        return self._checked(self.lead_list, self._initial[0])

    def responsible_ids(self) -> list[int]:
        return self._checked(self.responsible_list, self._initial[1])
