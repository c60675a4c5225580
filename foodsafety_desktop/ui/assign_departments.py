"""为选中的任务指定单位: one step to name the departments of several parsed tasks.

Used by the import review for plans that name nobody (or name too few): the clerk
selects tasks, types or picks the 牵头单位 and 责任单位 once, and ``ParsedTask.assign``
writes them into every selected task.
"""

from __future__ import annotations

import re

from PySide6.QtCore import QStringListModel, Qt
from PySide6.QtWidgets import (
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from foodsafety_desktop.core.plans.model import ParsedTask
from foodsafety_desktop.core.services.plan_import import task_reference
from foodsafety_desktop.ui.forms import child, load_form

_SEPARATORS = re.compile(r"[、，,；;\s]+")
_LAST_NAME = re.compile(r"^(.*[、，,；;\s])?([^、，,；;\s]*)$")


def split_names(text: str) -> list[str]:
    return list(dict.fromkeys(n for n in _SEPARATORS.split(text.strip()) if n))


class NameListCompleter(QCompleter):
    """Completes the name being typed after the last 、 of a department list."""

    def __init__(self, names: list[str], parent: QWidget | None = None) -> None:
        super().__init__(QStringListModel(names), parent)
        self.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setFilterMode(Qt.MatchFlag.MatchContains)

    def splitPath(self, path: str) -> list[str]:
        match = _LAST_NAME.match(path)
        return [match.group(2) if match else path]

    def pathFromIndex(self, index) -> str:
        edit = self.widget()
        typed = edit.text() if isinstance(edit, QLineEdit) else ""
        match = _LAST_NAME.match(typed)
        before = (match.group(1) or "") if match else ""
        return before + str(index.data())


class AssignDepartmentsDialog(QDialog):
    """Widgets by objectName: ``leadEdit``, ``othersEdit``, ``replaceRadio``,
    ``appendRadio``, ``buttonBox``."""

    def __init__(
        self, tasks: list[ParsedTask], known_names: list[str], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.tasks = tasks
        self.setWindowTitle(f"为选中的 {len(tasks)} 项任务指定单位")
        self.form = load_form("assign_departments", self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 10, 10, 10)
        layout.addWidget(self.form)
        self.tasksLabel = child(self.form, QLabel, "tasksLabel")
        self.leadEdit = child(self.form, QLineEdit, "leadEdit")
        self.othersEdit = child(self.form, QLineEdit, "othersEdit")
        self.replaceRadio = child(self.form, QRadioButton, "replaceRadio")
        self.appendRadio = child(self.form, QRadioButton, "appendRadio")
        self.buttonBox = child(self.form, QDialogButtonBox, "buttonBox")

        shown = "、".join(task_reference(t) for t in tasks[:4])
        more = f" 等 {len(tasks)} 项任务" if len(tasks) > 4 else ""
        self.tasksLabel.setText(f"选中的任务：{shown}{more}")
        for edit in (self.leadEdit, self.othersEdit):
            edit.setCompleter(NameListCompleter(known_names, edit))
        # A task that already names departments keeps them unless the clerk says so.
        if any(t.lead or t.others for t in tasks):
            self.appendRadio.setChecked(True)
        self.buttonBox.button(QDialogButtonBox.StandardButton.Ok).setText("指定")
        self.buttonBox.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        self.buttonBox.accepted.connect(self.accept)
        self.buttonBox.rejected.connect(self.reject)
        self.resize(560, 260)

    @property
    def lead(self) -> list[str]:
        return split_names(self.leadEdit.text())

    @property
    def others(self) -> list[str]:
        return split_names(self.othersEdit.text())

    def accept(self) -> None:
        if not self.lead and not self.others:
            self.leadEdit.setFocus()
            self.leadEdit.setPlaceholderText("请至少填写一个单位")
            return
        replace = self.replaceRadio.isChecked()
        for task in self.tasks:
            task.assign(self.lead, self.others, replace=replace)
        super().accept()
