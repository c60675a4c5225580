"""新增期次 / 修改期次: a reporting period's name, kind, start of its span and due date.

The dialog only chooses: what a regular name means (``2023年第三季度`` is a quarter from
07-01) and whether the fields make a valid period come from ``core.services.periods``;
the window stores the result through the core in the background.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from PySide6.QtCore import QDate, QSignalBlocker
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from foodsafety_desktop.core.dates import cn_date
from foodsafety_desktop.core.errors import UserError
from foodsafety_desktop.core.services import periods as period_service
from foodsafety_desktop.core.services.periods import PeriodDraft, PeriodRow
from foodsafety_desktop.ui.messages import show_error

DATE_FORMAT = "yyyy年M月d日"
# The kinds in the order of the combo box (季度 first: the usual county rhythm).
KIND_ORDER = (
    period_service.PERIOD_QUARTER,
    period_service.PERIOD_HALF,
    period_service.PERIOD_YEAR,
    period_service.PERIOD_MONTH,
    period_service.PERIOD_ONCE,
)


@dataclass(frozen=True)
class PeriodValues:
    """What the clerk entered."""

    name: str
    kind: str
    start_date: dt.date | None
    due_date: dt.date


def _date_edit(name: str, value: dt.date) -> QDateEdit:
    edit = QDateEdit(QDate(value))
    edit.setObjectName(name)
    edit.setCalendarPopup(True)
    edit.setDisplayFormat(DATE_FORMAT)
    return edit


class PeriodDialog(QDialog):
    """One period's fields.  ``PeriodDialog.for_new(suggestions, taken, grace_days)``
    proposes the next period of each kind; ``PeriodDialog.for_edit(row, taken, grace)``
    shows a stored one.  ``values()`` after ``Accepted``.

    Widgets by objectName: ``periodNameEdit``, ``periodKindCombo``, ``periodStartCheck``,
    ``periodStartEdit``, ``periodDueEdit``, ``periodHintLabel``.
    """

    def __init__(
        self,
        title: str,
        initial: PeriodDraft,
        *,
        taken: set[str],
        grace_days: int,
        suggestions: dict[str, PeriodDraft] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.taken = taken
        self.grace_days = grace_days
        self.suggestions = suggestions or {}
        self._name_typed = suggestions is None  # editing: the name is the clerk's own

        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.nameEdit = QLineEdit(initial.name)
        self.nameEdit.setObjectName("periodNameEdit")
        self.nameEdit.setMinimumWidth(300)
        self.nameEdit.setPlaceholderText("如 2023年第三季度、2023年上半年、专项：方案制定情况")
        self.nameEdit.textEdited.connect(self._name_edited)
        form.addRow("名称", self.nameEdit)

        self.kindCombo = QComboBox()
        self.kindCombo.setObjectName("periodKindCombo")
        for kind in KIND_ORDER:
            self.kindCombo.addItem(period_service.KIND_LABELS[kind], kind)
        self._set_kind(initial.kind)
        self.kindCombo.currentIndexChanged.connect(self._kind_changed)
        form.addRow("类型", self.kindCombo)

        start_row = QHBoxLayout()
        self.startCheck = QCheckBox("填写")
        self.startCheck.setObjectName("periodStartCheck")
        self.startCheck.setToolTip("统计时段的开始日期；不填写时报送表上不写统计时段")
        self.startEdit = _date_edit("periodStartEdit", initial.start_date or initial.due_date)
        self.startCheck.toggled.connect(self.startEdit.setEnabled)
        self.startCheck.setChecked(initial.start_date is not None)
        self.startEdit.setEnabled(initial.start_date is not None)
        start_row.addWidget(self.startCheck)
        start_row.addWidget(self.startEdit, 1)
        form.addRow("开始日期", start_row)

        self.dueEdit = _date_edit("periodDueEdit", initial.due_date)
        self.dueEdit.dateChanged.connect(lambda _d: self._update_hint())
        form.addRow("截止日期", self.dueEdit)
        layout.addLayout(form)

        self.hintLabel = QLabel()
        self.hintLabel.setObjectName("periodHintLabel")
        self.hintLabel.setWordWrap(True)
        self.hintLabel.setStyleSheet("color: #555555;")
        layout.addWidget(self.hintLabel)

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.okButton = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.okButton.setText("保存")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self._update_hint()

    @classmethod
    def for_new(
        cls,
        suggestions: dict[str, PeriodDraft],
        *,
        taken: set[str],
        grace_days: int,
        kind: str | None = None,
        parent: QWidget | None = None,
    ) -> PeriodDialog:
        """``kind``: the kind proposed first (the plan's newest period's), else 季度."""
        order = (kind, *KIND_ORDER) if kind else KIND_ORDER
        first = next(
            (suggestions[k] for k in order if k in suggestions),
            PeriodDraft("", period_service.PERIOD_ONCE, None, dt.date.today()),
        )
        return cls(
            "新增报送期次",
            first,
            taken=taken,
            grace_days=grace_days,
            suggestions=suggestions,
            parent=parent,
        )

    @classmethod
    def for_edit(
        cls, period: PeriodRow, *, taken: set[str], grace_days: int, parent: QWidget | None = None
    ) -> PeriodDialog:
        draft = PeriodDraft(
            period.name, period.kind, period.year, period.due_date, period.start_date
        )
        return cls(
            "修改报送期次", draft, taken=taken - {period.name}, grace_days=grace_days, parent=parent
        )

    # --- filling in -------------------------------------------------------------------

    def _set_kind(self, kind: str) -> None:
        index = self.kindCombo.findData(kind)
        with QSignalBlocker(self.kindCombo):
            self.kindCombo.setCurrentIndex(max(index, 0))

    def _fill(self, draft: PeriodDraft) -> None:
        self.nameEdit.setText(draft.name)
        self._set_kind(draft.kind)
        self.startCheck.setChecked(draft.start_date is not None)
        if draft.start_date is not None:
            self.startEdit.setDate(QDate(draft.start_date))
        self.dueEdit.setDate(QDate(draft.due_date))

    def _kind_changed(self, _index: int) -> None:
        """A new kind before the clerk typed a name: propose that kind's next period."""
        kind = self.kindCombo.currentData()
        if not self._name_typed and kind in self.suggestions:
            self._fill(self.suggestions[kind])
        self._update_hint()

    def _name_edited(self, text: str) -> None:
        """A regular name sets the kind and the start of the span."""
        self._name_typed = True
        regular = period_service.regular_period(text)
        if regular is not None:
            self._set_kind(regular.kind)
            self.startCheck.setChecked(True)
            self.startEdit.setDate(QDate(regular.start_date))
        elif period_service.guess_kind(text) == period_service.PERIOD_ONCE:
            self._set_kind(period_service.PERIOD_ONCE)
        self._update_hint()

    def _update_hint(self) -> None:
        due = self.dueEdit.date().toPython()
        closes = period_service.closes_on(due, self.grace_days)
        self.hintLabel.setText(
            "截止日期单独保存，显示在名称旁边，不要写进名称。"
            f"该期次将于{cn_date(closes)}后自动关闭（截止日期后 {self.grace_days} 天），"
            "关闭后仍可收取逾期报送。"
        )

    # --- result -----------------------------------------------------------------------

    def values(self) -> PeriodValues:
        start = self.startEdit.date().toPython() if self.startCheck.isChecked() else None
        return PeriodValues(
            name=" ".join(self.nameEdit.text().split()),
            kind=self.kindCombo.currentData(),
            start_date=start,
            due_date=self.dueEdit.date().toPython(),
        )

    def problem(self) -> str | None:
        """Why the entered period cannot be stored (None when it can)."""
        v = self.values()
        try:
            draft = period_service.draft_for(
                v.name, v.due_date, kind=v.kind, start_date=v.start_date
            )
        except UserError as exc:
            return exc.message
        if draft.name in self.taken:
            return f"该方案已有名为“{draft.name}”的报送期次，请换一个名称。"
        return None

    def accept(self) -> None:
        problem = self.problem()
        if problem is not None:
            show_error(self, UserError(problem), "请检查")
            return
        super().accept()
