"""The import review (核对导入内容): the clerk checks and corrects a parsed plan before it is saved.

The dialog edits the ``ImportReview`` in memory and never writes to the database; it
only reads (department list, ``refresh_resolutions``).  After ``exec()`` returns
Accepted, ``dialog.review`` is what the caller passes to ``plan_import.import_plan``.
"""

from __future__ import annotations

import re

from PySide6.QtCore import (
    QDate,
    QEvent,
    QModelIndex,
    QSignalBlocker,
    Qt,
    QTimer,
)
from PySide6.QtGui import QBrush, QColor, QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSpinBox,
    QSplitter,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from foodsafety_desktop.core.dates import cn_date, format_due_date, parse_due_dates
from foodsafety_desktop.core.errors import UserError
from foodsafety_desktop.core.names import jurisdiction_level
from foodsafety_desktop.core.places import check_place
from foodsafety_desktop.core.plans.model import (
    ParsedItem,
    ParsedPlan,
    ParsedTarget,
    ParsedTask,
    ReportingRule,
)
from foodsafety_desktop.core.plans.schedule import parse_deadline
from foodsafety_desktop.core.services import departments as dept_service
from foodsafety_desktop.core.services.departments import DepartmentRow, NameResolution
from foodsafety_desktop.core.services.plan_import import (
    ImportReview,
    merge_targets,
    refresh_resolutions,
)
from foodsafety_desktop.core.storage.database import Database
from foodsafety_desktop.core.terms import KIND_DEPARTMENT, KIND_LABELS
from foodsafety_desktop.ui.forms import child, load_form
from foodsafety_desktop.ui.messages import confirm, show_error
from foodsafety_desktop.ui.screen import fit_on_screen
from foodsafety_desktop.ui.table_model import ListTableModel

PENDING_BRUSH = QBrush(QColor("#ffe6a8"))
INVALID_BRUSH = QBrush(QColor("#ffd6d6"))
CONFIRMED_COLOR = QColor("#2e7d32")
PENDING_COLOR = QColor("#9a5b00")

RECURRENCE_LABELS = {
    "yearly": "每年",
    "half-yearly": "每半年",
    "quarterly": "每季度",
    "once": "一次性",
}
COMPARISONS = ("≥", "≤", "=", ">", "<")
_SEPARATORS = re.compile(r"[、，,；;\s]+")


def split_names(text: str) -> list[str]:
    """Department names typed as "区市场监管局、区公安局" → a list without repeats."""
    return list(dict.fromkeys(part for part in _SEPARATORS.split(text.strip()) if part))


def join_names(names: list[str]) -> str:
    return "、".join(names)


def match_basis(res: NameResolution, score: float | None) -> str:
    """How a proposal was found, in the words of the names tab (匹配依据)."""
    if res.match == "exact":
        return "完全一致"
    if res.match == "alias":
        return "别名"
    if res.match == "prefix":
        return "补全前缀"
    if res.match == "fuzzy":
        return f"近似 {score:.0f}%" if score is not None else "近似"
    return "新部门"


def proposal_score(res: NameResolution) -> float | None:
    """The score of the proposed candidate (the one the resolution points at)."""
    for cand in res.candidates:
        if cand.department_id == res.department_id and cand.name == res.canonical_name:
            return cand.score
    for cand in res.candidates:
        if res.department_id is not None and cand.department_id == res.department_id:
            return cand.score
    return max((c.score for c in res.candidates), default=None)


# --- tasks table -------------------------------------------------------------------


class TasksModel(ListTableModel):
    """The parsed tasks (the very list ``review.parsed.tasks``) as a table."""

    HEADERS = ("序号", "任务", "牵头单位", "责任单位", "完成时限", "指标")

    def __init__(self, tasks: list[ParsedTask], parent=None) -> None:
        super().__init__(parent)
        self.rows = tasks  # shared, not copied: removing a row removes the task

    @property
    def tasks(self) -> list[ParsedTask]:
        return self.rows

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        task = self.tasks[index.row()]
        column = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            value = self._text(task, column)
            if role == Qt.ItemDataRole.ToolTipRole:
                return task.text if column == 1 else (value or None)
            return value
        if role == Qt.ItemDataRole.BackgroundRole and column == 2 and not task.lead:
            return PENDING_BRUSH  # a task without a lead department deserves a look
        return None

    @staticmethod
    def _text(task: ParsedTask, column: int) -> str:
        if column == 0:
            return task.label
        if column == 1:
            return task.title
        if column == 2:
            return join_names(task.lead)
        if column == 3:
            return join_names(task.others)
        if column == 4:
            return task.deadline or ""
        return "；".join(t.text for t in task.targets)

    def task_changed(self, row: int) -> None:
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(self.HEADERS) - 1))

    def remove_task(self, row: int) -> ParsedTask:
        self.beginRemoveRows(QModelIndex(), row, row)
        task = self.tasks.pop(row)
        self.endRemoveRows()
        return task


# --- names table -------------------------------------------------------------------


class NamesModel(ListTableModel):
    """One row per department name as written; the choice itself is a combo over column 1."""

    HEADERS = ("原文名称", "处理方式", "匹配依据", "类型", "状态")
    COL_WRITTEN, COL_CHOICE, COL_BASIS, COL_KIND, COL_STATE = range(5)

    def __init__(self, dialog: ImportReviewDialog) -> None:
        super().__init__(dialog)
        self.dialog = dialog

    @property
    def names(self) -> list[str]:
        return self.rows

    def set_names(self, names: list[str]) -> None:
        self.set_rows(names)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        written = self.names[index.row()]
        res = self.dialog.review.resolutions.get(written)
        if res is None:
            return None
        column = index.column()
        pending = res.needs_confirmation
        if role == Qt.ItemDataRole.DisplayRole:
            if column == self.COL_WRITTEN:
                return written
            if column == self.COL_CHOICE:
                return self.dialog.choice_text(res)
            if column == self.COL_BASIS:
                return self.dialog.basis_text(written)
            if column == self.COL_KIND:
                return KIND_LABELS.get(res.kind, res.kind)
            if column == self.COL_STATE:
                if pending:
                    return "待确认"
                return "已确认" if written in self.dialog.decided else ""
        if role == Qt.ItemDataRole.ToolTipRole and column == self.COL_WRITTEN:
            return self.dialog.usage_text(written)
        if role == Qt.ItemDataRole.BackgroundRole and pending:
            return PENDING_BRUSH
        if role == Qt.ItemDataRole.ForegroundRole and column == self.COL_STATE:
            return QBrush(PENDING_COLOR if pending else CONFIRMED_COLOR)
        if role == Qt.ItemDataRole.FontRole and column == self.COL_STATE and pending:
            font = QFont()
            font.setBold(True)
            return font
        return None

    def row_of(self, written: str) -> int:
        return self.names.index(written)

    def name_changed(self, written: str) -> None:
        row = self.row_of(written)
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(self.HEADERS) - 1))


# --- the dialog --------------------------------------------------------------------


class ImportReviewDialog(QDialog):
    """核对导入内容: plan metadata, tasks, department names and reporting rules.

    Widgets a test (or the main window) uses, by objectName: ``titleEdit``, ``placeEdit``,
    ``tasksTable``, ``taskTitleEdit``, ``leadEdit``, ``othersEdit``, ``deadlineEdit``,
    ``deleteTaskButton``, ``namesTable``, ``confirmAllButton``, ``reportingTable``,
    ``buttonBox``; ``name_combo(written)`` is the 处理方式 combo of one name.
    """

    def __init__(self, db: Database, review: ImportReview, parent: QWidget | None = None):
        super().__init__(parent)
        self.db = db
        self.review = review
        self.plan: ParsedPlan = review.parsed
        self.decided: set[str] = set()  # names whose choice the clerk made or confirmed
        self._found: dict[str, tuple[NameResolution, float | None]] = {}
        self._combos: dict[str, QComboBox] = {}
        self._kind_combos: dict[str, QComboBox] = {}
        self._row: int | None = None  # selected task
        self._item = 0  # selected item of that task
        self._loading = False
        self._dirty = False
        with db.session() as session:
            self._departments: dict[int, DepartmentRow] = {
                row.id: row for row in dept_service.list_departments(session)
            }

        source = review.source_path.name if review.source_path else self.plan.source_name
        self.setWindowTitle(f"核对导入内容 - {source}" if source else "核对导入内容")
        self.setWindowFlag(Qt.WindowType.WindowMaximizeButtonHint, True)
        self.form = load_form("import_review", self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 10, 10, 10)
        layout.addWidget(self.form)
        self._find_widgets()
        self.sourceLabel.setText(source or "")
        self._remember_found(self.review.resolutions)

        self._setup_metadata()
        self._setup_warnings()
        self._setup_tasks()
        self._setup_names()
        self._setup_reporting()

        self.ok_button = self.buttonBox.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("确认导入")
        self.buttonBox.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        self.buttonBox.accepted.connect(self.accept)
        self.buttonBox.rejected.connect(self.reject)
        self.ok_button.setToolTip("保存前最后检查一遍（Ctrl+Enter）")
        QShortcut(QKeySequence("Ctrl+Return"), self, self.accept)
        QShortcut(QKeySequence("Ctrl+Enter"), self, self.accept)

        fit_on_screen(self, 1200, 800)
        self.tasksSplitter.setSizes([640, 560])
        self._update_tab_titles()
        if self.plan.tasks:
            self.tasksTable.selectRow(0)
        self.tabs.setCurrentWidget(self.namesTab if self.pending_names() else self.tasksTab)
        first = self.namesTable if self.pending_names() else self.tasksTable
        first.setFocus()

    # --- widgets ---------------------------------------------------------------------

    def _find_widgets(self) -> None:
        f = self.form
        self.titleEdit = child(f, QLineEdit, "titleEdit")
        self.issuerEdit = child(f, QLineEdit, "issuerEdit")
        self.docNumberEdit = child(f, QLineEdit, "docNumberEdit")
        self.placeEdit = child(f, QLineEdit, "placeEdit")
        self.dateEdit = child(f, QDateEdit, "dateEdit")
        self.yearStartSpin = child(f, QSpinBox, "yearStartSpin")
        self.yearEndSpin = child(f, QSpinBox, "yearEndSpin")
        self.sourceLabel = child(f, QLabel, "sourceLabel")
        self.warningsLabel = child(f, QLabel, "warningsLabel")
        self.tabs = child(f, QTabWidget, "tabs")
        self.tasksTab = child(f, QWidget, "tasksTab")
        self.namesTab = child(f, QWidget, "namesTab")
        self.reportingTab = child(f, QWidget, "reportingTab")
        self.tasksSplitter = child(f, QSplitter, "tasksSplitter")
        self.tasksTable = child(f, QTableView, "tasksTable")
        self.assignButton = child(f, QPushButton, "assignButton")
        self.selectionLabel = child(f, QLabel, "selectionLabel")
        self.taskDetail = child(f, QWidget, "taskDetail")
        self.taskLabelEdit = child(f, QLineEdit, "taskLabelEdit")
        self.taskPathLabel = child(f, QLabel, "taskPathLabel")
        self.deleteTaskButton = child(f, QPushButton, "deleteTaskButton")
        self.taskTitleEdit = child(f, QLineEdit, "taskTitleEdit")
        self.taskTextEdit = child(f, QPlainTextEdit, "taskTextEdit")
        self.itemsCaption = child(f, QLabel, "itemsCaption")
        self.itemsTable = child(f, QTableWidget, "itemsTable")
        self.taskDetailScroll = child(f, QScrollArea, "taskDetailScroll")
        self.leadEdit = child(f, QLineEdit, "leadEdit")
        self.othersEdit = child(f, QLineEdit, "othersEdit")
        self.deadlineEdit = child(f, QLineEdit, "deadlineEdit")
        self.deadlineHint = child(f, QLabel, "deadlineHint")
        self.targetsTable = child(f, QTableWidget, "targetsTable")
        self.addTargetButton = child(f, QPushButton, "addTargetButton")
        self.removeTargetButton = child(f, QPushButton, "removeTargetButton")
        self.namesTable = child(f, QTableView, "namesTable")
        self.confirmSelectedButton = child(f, QPushButton, "confirmSelectedButton")
        self.confirmAllButton = child(f, QPushButton, "confirmAllButton")
        self.reportingTable = child(f, QTableWidget, "reportingTable")
        self.buttonBox = child(f, QDialogButtonBox, "buttonBox")

    def _update_tab_titles(self) -> None:
        names = len(self.review.resolutions)
        pending = len(self.pending_names())
        self.tabs.setTabText(self.tabs.indexOf(self.tasksTab), f"任务（{len(self.plan.tasks)}）")
        names_title = (
            f"部门名称（{names}，待确认 {pending}）" if pending else f"部门名称（{names}）"
        )
        self.tabs.setTabText(self.tabs.indexOf(self.namesTab), names_title)
        self.tabs.setTabText(
            self.tabs.indexOf(self.reportingTab), f"报送要求（{len(self.plan.reporting)}）"
        )
        self.confirmAllButton.setEnabled(pending > 0)

    # --- metadata --------------------------------------------------------------------

    def _setup_metadata(self) -> None:
        plan = self.plan
        self.titleEdit.setText(plan.title or "")
        self.issuerEdit.setText(plan.issuer or "")
        self.docNumberEdit.setText(plan.doc_number or "")
        self.placeEdit.setText(plan.place or "")
        self.dateEdit.setMinimumDate(QDate(1999, 1, 1))
        self.dateEdit.setMaximumDate(QDate(2100, 12, 31))
        self.dateEdit.setDate(
            QDate(plan.date.year, plan.date.month, plan.date.day)
            if plan.date
            else self.dateEdit.minimumDate()
        )
        for spin, year in (
            (self.yearStartSpin, plan.year_start),
            (self.yearEndSpin, plan.year_end),
        ):
            spin.setValue(year or spin.minimum())
        for edit in (self.titleEdit, self.issuerEdit, self.docNumberEdit, self.placeEdit):
            edit.textEdited.connect(self._apply_metadata)
        self.dateEdit.dateChanged.connect(self._apply_metadata)
        self.yearStartSpin.valueChanged.connect(self._apply_metadata)
        self.yearEndSpin.valueChanged.connect(self._apply_metadata)

    def _apply_metadata(self) -> None:
        plan = self.plan
        plan.title = self.titleEdit.text().strip()
        plan.issuer = self.issuerEdit.text().strip() or None
        plan.doc_number = self.docNumberEdit.text().strip() or None
        plan.place = "".join(self.placeEdit.text().split()) or None
        date = self.dateEdit.date()
        plan.date = None if date == self.dateEdit.minimumDate() else date.toPython()
        start, end = self.yearStartSpin.value(), self.yearEndSpin.value()
        plan.year_start = None if start == self.yearStartSpin.minimum() else start
        plan.year_end = None if end == self.yearEndSpin.minimum() else end
        self._dirty = True

    def _setup_warnings(self) -> None:
        warnings = self.plan.warnings
        # A plan already in the database: after 确认导入 the clerk chooses to update it
        # or to import anew (main window, ui/plan_update_dialog.py).
        matches = [
            f"这份方案已经导入过：{m.describe()}。确认后可以选择更新已导入的方案"
            "（保留其报送期次和报送）或作为新方案导入。"
            for m in self.review.matches[:1]
        ]
        if not warnings and not matches:
            self.warningsLabel.hide()
            return
        shown = warnings[:4]
        lines = list(matches)
        if warnings:
            lines += [f"解析提示（{len(warnings)} 条），请核对："] + [f"• {w}" for w in shown]
        if len(warnings) > len(shown):
            lines.append(f"……另有 {len(warnings) - len(shown)} 条，鼠标停留此处可查看全部。")
        self.warningsLabel.setText("\n".join(lines))
        self.warningsLabel.setToolTip("\n".join([*matches, *(f"• {w}" for w in warnings)]))

    # --- tasks -----------------------------------------------------------------------

    def _setup_tasks(self) -> None:
        self.tasks_model = TasksModel(self.plan.tasks, self)
        table = self.tasksTable
        table.setModel(self.tasks_model)
        header = table.horizontalHeader()
        header.setHighlightSections(False)
        for column, width in enumerate((60, 210, 110, 170, 100, 200)):
            table.setColumnWidth(column, width)
        header.setStretchLastSection(True)
        table.verticalHeader().setDefaultSectionSize(26)
        table.verticalHeader().hide()
        table.selectionModel().currentRowChanged.connect(self._task_selected)
        table.selectionModel().selectionChanged.connect(self._show_selection)
        self.assignButton.clicked.connect(self.assign_selected)
        self._show_selection()

        self.taskTitleEdit.textEdited.connect(self._title_edited)
        self.taskLabelEdit.textEdited.connect(self._label_edited)
        self.taskTextEdit.textChanged.connect(self._text_edited)
        self._setup_items()
        self.leadEdit.editingFinished.connect(self.commit_departments)
        self.othersEdit.editingFinished.connect(self.commit_departments)
        self.deadlineEdit.textEdited.connect(self._deadline_edited)
        self.deleteTaskButton.clicked.connect(self.delete_current_task)
        QShortcut(
            QKeySequence(QKeySequence.StandardKey.Delete),
            table,
            self.delete_current_task,
            context=Qt.ShortcutContext.WidgetShortcut,
        )

        targets = self.targetsTable
        targets.setColumnCount(4)
        targets.setHorizontalHeaderLabels(["指标内容", "比较", "数值", "单位"])
        targets.verticalHeader().hide()
        targets.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column, width in ((1, 64), (2, 80), (3, 90)):
            targets.setColumnWidth(column, width)
        targets.itemChanged.connect(self._target_item_changed)
        self.addTargetButton.clicked.connect(self.add_target)
        self.removeTargetButton.clicked.connect(self.remove_target)
        self._load_task(None)

    @property
    def current_task(self) -> ParsedTask | None:
        if self._row is None or self._row >= len(self.plan.tasks):
            return None
        return self.plan.tasks[self._row]

    def _task_selected(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self.commit_departments()
        self._load_task(current.row() if current.isValid() else None)

    def selected_rows(self) -> list[int]:
        return sorted(i.row() for i in self.tasksTable.selectionModel().selectedRows())

    def select_tasks(self, rows: list[int]) -> None:
        """Select several tasks, as Ctrl+click does."""
        selection = self.tasksTable.selectionModel()
        flags = selection.SelectionFlag.Select | selection.SelectionFlag.Rows
        selection.clearSelection()
        for row in rows:
            selection.select(self.tasks_model.index(row, 0), flags)

    def _show_selection(self, *_args) -> None:
        rows = self.selected_rows()
        missing = sum(1 for t in self.plan.tasks if not t.lead and not t.others)
        parts = [f"已选中 {len(rows)} 项"] if len(rows) > 1 else []
        if missing:
            parts.append(f"{missing} 项任务尚未指定单位")
        self.selectionLabel.setText("，".join(parts))
        self.assignButton.setEnabled(bool(rows))

    def known_names(self) -> list[str]:
        """Department names to offer: the database's and those written in the plan."""
        names = [row.name for row in self._departments.values()]
        return list(dict.fromkeys([*names, *self.plan.department_names()]))

    def assign_selected(self) -> bool:
        """Name departments for every selected task in one step (返回是否已指定)."""
        from foodsafety_desktop.ui.assign_departments import AssignDepartmentsDialog

        self.commit_departments()
        rows = self.selected_rows()
        if not rows:
            return False
        dialog = AssignDepartmentsDialog(
            [self.plan.tasks[r] for r in rows], self.known_names(), self
        )
        self.assign_dialog = dialog  # a test fills it in while it is open
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return False
        for row in rows:
            self.tasks_model.task_changed(row)
        self._dirty = True
        self._load_task(self._row)
        self._names_changed()
        self._show_selection()
        return True

    def select_task(self, row: int) -> None:
        """Select task ``row`` in the table (and load it into the detail editor)."""
        self.tasksTable.setCurrentIndex(self.tasks_model.index(row, 0))

    def _load_task(self, row: int | None) -> None:
        self._loading = True
        try:
            self._row = row
            task = self.current_task
            self.taskDetail.setEnabled(task is not None)
            self.taskLabelEdit.setText(task.label if task else "")
            self.taskPathLabel.setText(" › ".join(h.as_text() for h in task.path) if task else "")
            self.taskPathLabel.setToolTip(self.taskPathLabel.text())
            self.taskTitleEdit.setText(task.title if task else "")
            self.taskTitleEdit.setCursorPosition(0)
            self.taskTextEdit.setPlainText(task.text if task else "")
            self.deadlineEdit.setText((task.deadline or "") if task else "")
            self._show_deadline_hint(task)
            self._item = 0
            self._fill_items(task)
            self._load_item()
            self._load_targets(task)
        finally:
            self._loading = False

    def _load_item(self) -> None:
        task = self.current_task
        item = task.items[self._item] if task and self._item < len(task.items) else None
        self.leadEdit.setText(join_names(item.lead) if item else "")
        self.othersEdit.setText(join_names(item.others) if item else "")
        for edit in (self.leadEdit, self.othersEdit):
            edit.setCursorPosition(0)
            edit.setModified(False)

    def _item_selected(self, row: int) -> None:
        if self._loading or row < 0:
            return
        self.commit_departments()
        self._item = row
        self._load_item()

    # --- items (分项) ------------------------------------------------------------------

    ITEM_HEADERS = ("分项内容", "牵头单位", "责任/配合单位")

    def _setup_items(self) -> None:
        table = self.itemsTable
        table.setColumnCount(len(self.ITEM_HEADERS))
        table.setHorizontalHeaderLabels(list(self.ITEM_HEADERS))
        table.verticalHeader().hide()
        header = table.horizontalHeader()
        header.setHighlightSections(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        # Wrapped text: a row is as tall as its longest cell, again after every resize.
        table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        table.currentCellChanged.connect(lambda row, *_: self._item_selected(row))
        table.viewport().installEventFilter(self)
        # The detail pane scrolls as a whole; it is never narrower than its fields.  The
        # section path (its tooltip has it whole) does not widen it.
        policy = self.taskPathLabel.sizePolicy()
        policy.setHorizontalPolicy(QSizePolicy.Policy.Ignored)
        self.taskPathLabel.setSizePolicy(policy)
        scroll = self.taskDetailScroll
        bar = scroll.verticalScrollBar().sizeHint().width()
        scroll.setMinimumWidth(self.taskDetail.minimumSizeHint().width() + bar)

    ITEM_SHARES = (0.46, 0.2, 0.34)  # of the table's width: text, 牵头, 责任/配合

    def eventFilter(self, watched, event) -> bool:
        if watched is self.itemsTable.viewport() and event.type() == QEvent.Type.Resize:
            self._fit_items_table()
        return super().eventFilter(watched, event)

    def _fit_items_table(self) -> None:
        """Columns share the width (no sideways scrolling); the table is as tall as its
        rows up to its maximum, beyond that it scrolls."""
        table = self.itemsTable
        width = table.viewport().width()
        for column, share in enumerate(self.ITEM_SHARES[:-1]):
            table.setColumnWidth(column, int(width * share))
        used = sum(table.columnWidth(c) for c in range(len(self.ITEM_SHARES) - 1))
        table.setColumnWidth(len(self.ITEM_SHARES) - 1, max(width - used, 40))
        table.resizeRowsToContents()
        rows = sum(table.rowHeight(r) for r in range(table.rowCount()))
        height = rows + table.horizontalHeader().height() + 2 * table.frameWidth()
        height = min(max(height, 60), table.maximumHeight())
        if table.minimumHeight() != height:
            table.setMinimumHeight(height)

    def _fill_items(self, task: ParsedTask | None) -> None:
        """One row per item of the task: its text, 牵头单位 and 责任/配合单位."""
        table = self.itemsTable
        items = task.items if task else []
        with QSignalBlocker(table):
            table.clearContents()
            table.setRowCount(len(items))
            for row, item in enumerate(items):
                self._set_item_row(row, item)
            if items:
                table.setCurrentCell(min(self._item, len(items) - 1), 0)
        self._fit_items_table()
        self.itemsTable.setVisible(bool(items))
        self.itemsCaption.setVisible(bool(items))
        self.itemsCaption.setText(f"分项（{len(items)}）" if len(items) > 1 else "分项")

    def _set_item_row(self, row: int, item: ParsedItem) -> None:
        cooperating = set(item.cooperating)
        others = join_names([f"{n}（配合）" if n in cooperating else n for n in item.others])
        for column, text in enumerate((item.text, join_names(item.lead), others)):
            cell = QTableWidgetItem(text)
            cell.setToolTip(text)
            cell.setTextAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
            self.itemsTable.setItem(row, column, cell)

    def _item_changed(self, task: ParsedTask) -> None:
        """The departments of the selected item changed: show them in its row."""
        row = min(self._item, len(task.items) - 1)
        if self.itemsTable.rowCount() != len(task.items):
            self._fill_items(task)
        else:
            self._set_item_row(row, task.items[row])

    def _title_edited(self, text: str) -> None:
        task = self.current_task
        if task is not None:
            task.title = text.strip()
            self._task_changed()

    def _label_edited(self, text: str) -> None:
        task = self.current_task
        if task is not None:
            task.label = text.strip()
            self._task_changed()

    def _text_edited(self) -> None:
        task = self.current_task
        if task is not None and not self._loading:
            task.text = self.taskTextEdit.toPlainText().strip()
            self._task_changed()

    def _task_changed(self) -> None:
        if self._row is not None:
            self.tasks_model.task_changed(self._row)
        self._dirty = True

    def commit_departments(self) -> None:
        """Write the 牵头单位 / 责任单位 fields into the selected item of the task."""
        task = self.current_task
        if task is None or self._loading:
            return
        lead = split_names(self.leadEdit.text())
        others = [n for n in split_names(self.othersEdit.text()) if n not in lead]
        if not task.items:
            if not lead and not others:
                return
            task.items.append(ParsedItem(text=task.text))
        item = task.items[min(self._item, len(task.items) - 1)]
        if item.lead == lead and item.others == others:
            return
        item.lead = lead
        item.others = others
        item.cooperating = [n for n in item.cooperating if n in others]
        self._item_changed(task)
        self._task_changed()
        self._names_changed()

    def _deadline_edited(self, text: str) -> None:
        task = self.current_task
        if task is None:
            return
        text = text.strip()
        task.deadline = text or None
        task.deadline_date = None
        if text and (parsed := parse_deadline(text)):
            task.deadline_date = parsed[1]
        self._show_deadline_hint(task)
        self._task_changed()

    def _show_deadline_hint(self, task: ParsedTask | None) -> None:
        hint = self.deadlineHint
        if task is None or not task.deadline:
            hint.setText("")
        elif task.deadline_date is not None:
            hint.setText(f"截止日期：{cn_date(task.deadline_date)}")
            hint.setStyleSheet("color: #2e7d32;")
        else:
            hint.setText("未能识别为日期，将按文字保存，不参与逾期提醒")
            hint.setStyleSheet("color: #b00020;")

    def delete_current_task(self) -> None:
        task = self.current_task
        if task is None:
            return
        name = f"{task.label}{task.title}"
        if not confirm(self, f"删除任务“{name}”？\n删除后本次导入不包含这一条。", "删除任务"):
            return
        row = self._row or 0
        self._row = None  # no commit of the editors into the removed task
        self.tasks_model.remove_task(row)
        self._dirty = True
        if self.plan.tasks:
            self.select_task(min(row, len(self.plan.tasks) - 1))
        else:
            self._load_task(None)
        self._names_changed()

    # --- targets (指标) ----------------------------------------------------------------

    def _load_targets(self, task: ParsedTask | None) -> None:
        table = self.targetsTable
        with QSignalBlocker(table):
            table.setRowCount(0)
            for target in task.targets if task else []:
                self._append_target_row(target)
        self.removeTargetButton.setEnabled(bool(task and task.targets))

    def _append_target_row(self, target: ParsedTarget) -> None:
        table = self.targetsTable
        row = table.rowCount()
        table.insertRow(row)
        table.setItem(row, 0, QTableWidgetItem(target.text))
        value = "" if target.value is None else f"{target.value:g}"
        table.setItem(row, 2, QTableWidgetItem(value))
        table.setItem(row, 3, QTableWidgetItem(target.unit))
        combo = QComboBox()
        combo.addItems(COMPARISONS)
        combo.setCurrentText(target.comparison)
        combo.currentTextChanged.connect(lambda text, c=combo: self._comparison_changed(c, text))
        table.setCellWidget(row, 1, combo)

    def _comparison_changed(self, combo: QComboBox, text: str) -> None:
        task = self.current_task
        for row in range(self.targetsTable.rowCount()):
            if self.targetsTable.cellWidget(row, 1) is combo and task is not None:
                task.targets[row].comparison = text  # type: ignore[assignment]
                self._task_changed()

    def _target_item_changed(self, item: QTableWidgetItem) -> None:
        task = self.current_task
        if task is None or item.row() >= len(task.targets):
            return
        target = task.targets[item.row()]
        text = item.text().strip()
        column = item.column()
        if column == 0:
            target.text = text
        elif column == 2:
            try:
                target.value = float(text.rstrip("%")) if text else None
                item.setBackground(QBrush())
                item.setToolTip("")
            except ValueError:
                item.setBackground(INVALID_BRUSH)
                item.setToolTip("请填写数字，如 90 或 3.2")
                return
        elif column == 3:
            target.unit = text
        self._task_changed()

    def add_target(self) -> None:
        task = self.current_task
        if task is None:
            return
        target = ParsedTarget(text="", value=None, unit="%", comparison="≥")
        task.targets.append(target)
        with QSignalBlocker(self.targetsTable):
            self._append_target_row(target)
        row = self.targetsTable.rowCount() - 1
        self.targetsTable.setCurrentCell(row, 0)
        self.targetsTable.editItem(self.targetsTable.item(row, 0))
        self.removeTargetButton.setEnabled(True)
        self._task_changed()

    def remove_target(self) -> None:
        task = self.current_task
        row = self.targetsTable.currentRow()
        if task is None or not 0 <= row < len(task.targets):
            return
        del task.targets[row]
        self.targetsTable.removeRow(row)
        self.removeTargetButton.setEnabled(bool(task.targets))
        self._task_changed()

    # --- department names ------------------------------------------------------------

    def _remember_found(self, resolutions: dict[str, NameResolution]) -> None:
        """Keep how each name was first matched, for the 匹配依据 column."""
        for written, res in resolutions.items():
            if written not in self._found:
                original = NameResolution(
                    res.written,
                    res.match,
                    res.department_id,
                    res.canonical_name,
                    res.kind,
                    list(res.candidates),
                )
                self._found[written] = (original, proposal_score(res))

    def _setup_names(self) -> None:
        self.names_model = NamesModel(self)
        table = self.namesTable
        table.setModel(self.names_model)
        table.verticalHeader().hide()
        table.verticalHeader().setDefaultSectionSize(30)
        header = table.horizontalHeader()
        header.setHighlightSections(False)
        for column, width in enumerate((220, 340, 110, 120)):
            table.setColumnWidth(column, width)
        header.setStretchLastSection(True)
        self.confirmSelectedButton.clicked.connect(self.confirm_selected)
        self.confirmAllButton.clicked.connect(self.confirm_all)
        self._fill_names()

    def _name_order(self) -> list[str]:
        """Names needing confirmation first, then in order of first appearance."""
        order = {name: i for i, name in enumerate(self.plan.department_names())}
        names = list(self.review.resolutions)
        return sorted(
            names,
            key=lambda n: (
                not self.review.resolutions[n].needs_confirmation,
                order.get(n, len(order)),
            ),
        )

    def _fill_names(self) -> None:
        self._combos.clear()
        self._kind_combos.clear()
        self.names_model.set_names(self._name_order())
        for row, written in enumerate(self.names_model.names):
            combo = QComboBox()
            combo.setObjectName(f"choiceCombo_{row}")
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
            self._combos[written] = combo
            self._fill_choice_combo(written)
            # currentIndexChanged, not activated: keyboard, mouse and setCurrentIndex alike.
            combo.currentIndexChanged.connect(
                lambda index, w=written: self._choice_activated(w, index)
            )
            self.namesTable.setIndexWidget(
                self.names_model.index(row, NamesModel.COL_CHOICE), combo
            )
            kind_combo = QComboBox()
            kind_combo.setObjectName(f"kindCombo_{row}")
            for kind, label in KIND_LABELS.items():
                kind_combo.addItem(label, kind)
            self._kind_combos[written] = kind_combo
            self._sync_kind_combo(written)
            kind_combo.activated.connect(lambda _i, w=written: self._kind_activated(w))
            self.namesTable.setIndexWidget(
                self.names_model.index(row, NamesModel.COL_KIND), kind_combo
            )
        self._update_tab_titles()

    def name_combo(self, written: str) -> QComboBox:
        """The 处理方式 combo of the row of ``written``."""
        return self._combos[written]

    def kind_combo(self, written: str) -> QComboBox:
        return self._kind_combos[written]

    def pending_names(self) -> list[str]:
        """Names whose proposal (prefix / fuzzy) the clerk has not confirmed yet."""
        return [w for w, r in self.review.resolutions.items() if r.needs_confirmation]

    def choice_text(self, res: NameResolution) -> str:
        if res.department_id is not None:
            return f"使用已有：{res.canonical_name}"
        if res.canonical_name != res.written and res.canonical_name in self.review.resolutions:
            return f"合并为：{res.canonical_name}"
        return f"新建：{res.canonical_name}"

    def basis_text(self, written: str) -> str:
        original, score = self._found.get(written, (self.review.resolutions[written], None))
        return match_basis(original, score)

    def usage_text(self, written: str) -> str:
        tasks = [
            f"{t.label}{t.title}"
            for t in self.plan.tasks
            if any(written in (*i.lead, *i.others) for i in t.items)
        ]
        if not tasks:
            return written
        shown = "\n".join(tasks[:8]) + ("\n……" if len(tasks) > 8 else "")
        return f"出现在 {len(tasks)} 项任务中：\n{shown}"

    def _choices(self, written: str) -> list[tuple[str, tuple]]:
        """(label, choice) of the combo: the current choice, candidates, alternatives."""
        res = self.review.resolutions[written]
        original, _score = self._found.get(written, (res, None))
        out: list[tuple[str, tuple]] = []
        seen: set[tuple] = set()

        def offer(choice: tuple) -> None:
            if choice in seen:
                return
            seen.add(choice)
            kind, *rest = choice
            if kind == "existing":
                label = f"使用已有：{rest[1]}"
            elif kind == "new" and rest[0] != written and rest[0] in self.review.resolutions:
                label = f"合并为：{rest[0]}"
            elif kind == "new":
                label = f"新建：{rest[0]}"
            elif kind == "custom":
                label = "新建为其他名称…"
            else:
                label = "选择其他已有部门…"
            out.append((label, choice))

        offer(self._choice_of(res))
        offer(self._choice_of(original))
        for cand in [*original.candidates, *res.candidates]:
            if cand.department_id is not None:
                offer(("existing", cand.department_id, cand.name))
            elif cand.name != written:
                offer(("new", cand.name))
        offer(("new", written))
        if original.canonical_name != written and original.department_id is None:
            offer(("new", original.canonical_name))
        # Any other name of the file that becomes a new department: "合并为" it.
        for other in merge_targets(self.review, written):
            offer(("new", other))
        offer(("custom",))
        if self._departments:
            offer(("pick",))
        return out

    @staticmethod
    def _choice_of(res: NameResolution) -> tuple:
        if res.department_id is not None:
            return ("existing", res.department_id, res.canonical_name)
        return ("new", res.canonical_name)

    def _fill_choice_combo(self, written: str) -> None:
        combo = self._combos[written]
        res = self.review.resolutions[written]
        with QSignalBlocker(combo):
            combo.clear()
            for label, choice in self._choices(written):
                combo.addItem(label, choice)
            current = self._choice_of(res)
            for index in range(combo.count()):
                if combo.itemData(index) == current:
                    combo.setCurrentIndex(index)
                    break
        combo.setToolTip(dept_service.describe(res))

    def _sync_kind_combo(self, written: str) -> None:
        res = self.review.resolutions[written]
        combo = self._kind_combos[written]
        with QSignalBlocker(combo):
            index = combo.findData(res.kind)
            combo.setCurrentIndex(max(index, 0))
        # An existing department keeps its kind; it is changed in 部门管理.
        combo.setEnabled(res.department_id is None)

    def _choice_activated(self, written: str, index: int) -> None:
        combo = self._combos[written]
        choice = combo.itemData(index)
        if choice is None:
            return
        if choice[0] in ("custom", "pick"):
            # Ask after the combo has finished its own event (its popup is closing).
            QTimer.singleShot(0, self, lambda: self._ask_choice(written, choice[0]))
            return
        self.set_choice(written, choice)

    def _ask_choice(self, written: str, what: str) -> None:
        """The combo's "新建为其他名称…" / "选择其他已有部门…" entries."""
        if written not in self._combos:
            return
        if what == "custom":
            name, ok = QInputDialog.getText(
                self,
                "新建部门",
                f"为“{written}”新建的部门名称：",
                QLineEdit.EchoMode.Normal,
                self.review.resolutions[written].canonical_name,
            )
            name = name.strip()
            if not ok or not name:
                self._fill_choice_combo(written)
                return
            existing = next((d for d in self._departments.values() if d.name == name), None)
            choice = ("existing", existing.id, existing.name) if existing else ("new", name)
        else:
            rows = sorted(self._departments.values(), key=lambda d: d.name)
            name, ok = QInputDialog.getItem(
                self,
                "选择已有部门",
                f"“{written}”对应的已有部门：",
                [d.name for d in rows],
                0,
                False,
            )
            chosen = next((d for d in rows if d.name == name), None)
            if not ok or chosen is None:
                self._fill_choice_combo(written)
                return
            choice = ("existing", chosen.id, chosen.name)
        self.set_choice(written, choice)

    def set_choice(self, written: str, choice: tuple) -> None:
        """Apply a choice ("existing", id, name) / ("new", name) to the name's resolution."""
        res = self.review.resolutions[written]
        if choice[0] == "existing":
            res.department_id, res.canonical_name = choice[1], choice[2]
            department = self._departments.get(choice[1])
            if department is not None:
                res.kind = department.kind
            res.match = "exact" if written == res.canonical_name else "alias"
        else:
            name = choice[1]
            target = self.review.resolutions.get(name)
            res.department_id = None
            res.canonical_name = name
            if target is not None and target is not res:
                res.kind = target.kind
            elif res.kind not in KIND_LABELS:
                res.kind = dept_service.guess_kind(name) or KIND_DEPARTMENT
            res.match = "new"
        self.decided.add(written)
        self._dirty = True
        # The names one can merge into change with every choice: refill every combo.
        for name in self._combos:
            self._fill_choice_combo(name)
        self._sync_kind_combo(written)
        self.names_model.name_changed(written)
        self._update_tab_titles()

    def _kind_activated(self, written: str) -> None:
        res = self.review.resolutions[written]
        res.kind = self._kind_combos[written].currentData()
        self.decided.add(written)
        self.names_model.name_changed(written)

    def confirm_names(self, names: list[str]) -> None:
        """Accept the proposals of ``names`` as they stand."""
        for written in names:
            res = self.review.resolutions.get(written)
            if res is not None and res.needs_confirmation:
                self.set_choice(written, self._choice_of(res))

    def confirm_selected(self) -> None:
        rows = {index.row() for index in self.namesTable.selectionModel().selectedRows()}
        self.confirm_names([self.names_model.names[row] for row in sorted(rows)])

    def confirm_all(self) -> None:
        self.confirm_names(self.pending_names())

    def _names_changed(self) -> None:
        """After task edits: resolve names new to the plan, forget names no longer used."""
        used = set(self.plan.department_names())
        known = set(self.review.resolutions)
        if used == known:
            return
        with self.db.session() as session:
            refresh_resolutions(session, self.review)
        for written in list(self.review.resolutions):
            if written not in used:
                del self.review.resolutions[written]
        self._remember_found(self.review.resolutions)
        self._fill_names()

    def _settle_links(self) -> None:
        """A name merged into another name of the plan follows that name's final choice."""
        resolutions = self.review.resolutions
        for _ in range(len(resolutions)):
            changed = False
            for res in resolutions.values():
                if res.department_id is not None:
                    continue
                target = resolutions.get(res.canonical_name)
                if target is None or target is res:
                    continue
                if (target.department_id, target.canonical_name) != (None, res.canonical_name):
                    res.department_id = target.department_id
                    res.canonical_name = target.canonical_name
                    res.kind = target.kind
                    changed = True
            if not changed:
                break

    # --- reporting rules -------------------------------------------------------------

    def _setup_reporting(self) -> None:
        table = self.reportingTable
        table.setColumnCount(4)
        table.setHorizontalHeaderLabels(["报送内容", "频次", "报送日期", "原文"])
        table.verticalHeader().hide()
        for column, width in enumerate((240, 100, 220)):
            table.setColumnWidth(column, width)
        table.horizontalHeader().setStretchLastSection(True)
        with QSignalBlocker(table):
            for rule in self.plan.reporting:
                self._append_rule_row(rule)
        table.itemChanged.connect(self._rule_item_changed)

    def _append_rule_row(self, rule: ReportingRule) -> None:
        table = self.reportingTable
        row = table.rowCount()
        table.insertRow(row)
        table.setItem(row, 0, QTableWidgetItem(rule.what))
        table.setItem(row, 2, QTableWidgetItem("、".join(format_due_date(d) for d in rule.dates)))
        text = QTableWidgetItem(rule.text)
        text.setFlags(text.flags() & ~Qt.ItemFlag.ItemIsEditable)
        text.setToolTip(rule.text)
        table.setItem(row, 3, text)
        combo = QComboBox()
        for value, label in RECURRENCE_LABELS.items():
            combo.addItem(label, value)
        combo.setCurrentIndex(max(combo.findData(rule.recurrence), 0))
        combo.activated.connect(lambda _i, r=rule, c=combo: self._recurrence_changed(r, c))
        table.setCellWidget(row, 1, combo)

    def _recurrence_changed(self, rule: ReportingRule, combo: QComboBox) -> None:
        rule.recurrence = combo.currentData()
        self._dirty = True

    def _rule_item_changed(self, item: QTableWidgetItem) -> None:
        rule = self.plan.reporting[item.row()]
        if item.column() == 0:
            rule.what = item.text().strip()
        elif item.column() == 2:
            try:
                rule.dates = parse_due_dates(item.text())
            except UserError as exc:
                item.setBackground(INVALID_BRUSH)
                item.setToolTip(str(exc))
                return
            item.setBackground(QBrush())
            item.setToolTip("")
        self._dirty = True

    # --- closing ---------------------------------------------------------------------

    def keyPressEvent(self, event) -> None:
        # Enter finishes the field being edited; only Ctrl+Enter (or the button) imports.
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not (
            event.modifiers() & Qt.KeyboardModifier.ControlModifier
        ):
            focused = self.focusWidget()
            if isinstance(focused, QPushButton) and focused.isEnabled():
                focused.click()
            event.accept()
            return
        super().keyPressEvent(event)

    def accept(self) -> None:
        self.commit_departments()
        self._apply_metadata()
        if not self.plan.title:
            show_error(self, UserError("请填写方案标题。"))
            self.titleEdit.setFocus()
            return
        if (
            self.plan.year_start
            and self.plan.year_end
            and self.plan.year_start > self.plan.year_end
        ):
            show_error(self, UserError("起始年度不能晚于结束年度。"))
            self.yearStartSpin.setFocus()
            return
        if not self._place_confirmed():
            self.placeEdit.setFocus()
            return
        pending = self.pending_names()
        if pending:
            if not confirm(
                self, f"还有 {len(pending)} 个部门名称的匹配未确认，按建议处理？", "确认导入"
            ):
                self.tabs.setCurrentWidget(self.namesTab)
                return
            self.confirm_names(pending)
        self._settle_links()
        super().accept()

    def _place_confirmed(self) -> bool:
        """The 地区 ends like a place; one of another level than the department names'
        prefix (区 typed, 县市场监管局 written) is imported only when the clerk says so."""
        try:
            self.plan.place = check_place(self.plan.place)
        except ValueError as exc:
            show_error(self, UserError(str(exc)))
            return False
        level = jurisdiction_level(self.plan.place)
        written = self.plan.jurisdiction
        if self.plan.place and written and level != written:
            return confirm(
                self,
                f"地区“{self.plan.place}”是{level}，但方案中的单位名称以“{written}”开头"
                f"（如“{written}市场监管局”）。仍按“{self.plan.place}”导入？",
                "核对地区",
            )
        return True

    def reject(self) -> None:
        if self._dirty and not confirm(self, "放弃本次导入？所做的修改不会保存。", "取消导入"):
            return
        super().reject()
