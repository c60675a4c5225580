"""更新方案？ The question the import asks when the plan is already in the database.

Shows, for each stored plan the file already is, what updating it would change (from
``plan_update.compare_matches``) and lets the clerk update it, import the file as a
new plan, or cancel.  The dialog only chooses; the main window runs the core call.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from foodsafety_desktop.ui.forms import child, load_form
from foodsafety_desktop.ui.screen import fit_on_screen

if TYPE_CHECKING:
    from foodsafety_desktop.core.services.plan_import import PlanMatch
    from foodsafety_desktop.core.services.plan_update import PlanComparison

UPDATE, NEW = "update", "new"
KEPT_COLOR = QColor("#9a5b00")


class PlanUpdateDialog(QDialog):
    """``PlanUpdateDialog(matches, comparisons, file_name, parent)``; after ``exec()``
    ``choice`` is ``UPDATE`` (with ``plan_id``), ``NEW``, or None (cancelled).

    Widgets by objectName: ``matchCombo``, ``summaryLabel``, ``changesTree``,
    ``keptLabel``, ``updateButton``, ``newButton``, ``cancelButton``.
    """

    def __init__(
        self,
        matches: list[PlanMatch],
        comparisons: list[PlanComparison],
        file_name: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.matches = matches
        self.comparisons = {c.plan_id: c for c in comparisons}
        self.choice: str | None = None
        self.plan_id: int | None = None
        self.setWindowTitle(f"已导入过的方案 - {file_name}" if file_name else "已导入过的方案")
        self.form = load_form("plan_update", self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 10, 10, 10)
        layout.addWidget(self.form)
        f = self.form
        self.questionLabel = child(f, QLabel, "questionLabel")
        self.matchCombo = child(f, QComboBox, "matchCombo")
        self.summaryLabel = child(f, QLabel, "summaryLabel")
        self.changesTree = child(f, QTreeWidget, "changesTree")
        self.keptLabel = child(f, QLabel, "keptLabel")
        self.updateButton = child(f, QPushButton, "updateButton")
        self.newButton = child(f, QPushButton, "newButton")
        self.cancelButton = child(f, QPushButton, "cancelButton")

        for match in matches:
            if match.plan_id in self.comparisons:
                self.matchCombo.addItem(match.describe(), match.plan_id)
        self.matchCombo.setEnabled(self.matchCombo.count() > 1)
        self.matchCombo.currentIndexChanged.connect(self._show_current)
        self.updateButton.clicked.connect(self.choose_update)
        self.newButton.clicked.connect(self.choose_new)
        self.cancelButton.clicked.connect(self.reject)
        fit_on_screen(self, 820, 560)
        self._show_current()

    def current_comparison(self) -> PlanComparison | None:
        return self.comparisons.get(self.matchCombo.currentData())

    def _show_current(self, _index: int | None = None) -> None:
        comparison = self.current_comparison()
        self.changesTree.clear()
        self.updateButton.setEnabled(comparison is not None)
        if comparison is None:
            self.summaryLabel.setText("")
            self.keptLabel.setText("")
            return
        old, new = comparison.source
        file_line = f"文件：{old or '（无）'} → {new}" if new and new != old else ""
        text = f"更新后的变化：{comparison.summary()}。"
        self.summaryLabel.setText(text + (f"\n{file_line}" if file_line else ""))
        for heading, lines in comparison.groups():
            group = QTreeWidgetItem(self.changesTree, [heading])
            font = group.font(0)
            font.setBold(True)
            group.setFont(0, font)
            for line in lines:
                row = QTreeWidgetItem(group, [line])
                row.setToolTip(0, line)
                if "保留在台账中" in line:
                    row.setForeground(0, KEPT_COLOR)
            group.setExpanded(True)
        if comparison.is_empty:
            QTreeWidgetItem(self.changesTree, ["两份方案的任务、责任单位和报送要求完全相同。"])
        self.keptLabel.setText(comparison.kept_text())
        self.changesTree.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

    def change_lines(self) -> list[str]:
        """Every line of the changes tree, top to bottom (groups and their rows)."""
        lines = []
        for i in range(self.changesTree.topLevelItemCount()):
            group = self.changesTree.topLevelItem(i)
            lines.append(group.text(0))
            lines.extend(group.child(j).text(0) for j in range(group.childCount()))
        return lines

    def choose_update(self) -> None:
        self.choice, self.plan_id = UPDATE, self.matchCombo.currentData()
        self.accept()

    def choose_new(self) -> None:
        self.choice, self.plan_id = NEW, None
        self.accept()
