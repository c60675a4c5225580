"""The 工作台账 as a Qt tree model: section headings (一、/（一）) above their task rows.

Built from one ``ledger.ledger_rows`` + ``ledger.sections`` query per refresh; edits go
through ``ledger.update_task`` in one unit of work and the edited row is re-read.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import QComboBox, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from foodsafety_desktop.core.dates import parse_deadline_input
from foodsafety_desktop.core.terms import STATUSES

if TYPE_CHECKING:
    from foodsafety_desktop.core.services.ledger import LedgerFilter, LedgerRow, SectionRow
    from foodsafety_desktop.core.storage.database import Database

COL_LABEL, COL_TASK, COL_LEAD, COL_RESPONSIBLE, COL_DEADLINE, COL_INDICATORS = range(6)
COL_STATUS, COL_PROGRESS = 6, 7
HEADERS = ("序号", "任务", "牵头单位", "责任单位", "完成时限", "指标", "状态", "最新进展")
EDITABLE_COLUMNS = frozenset({COL_TASK, COL_DEADLINE, COL_STATUS, COL_PROGRESS})

TASK_ID_ROLE = Qt.ItemDataRole.UserRole + 1
LEDGER_ROW_ROLE = Qt.ItemDataRole.UserRole + 2

EXCERPT_CHARS = 60  # the 任务 cell stays one line; the full text is in the detail panel
OVERDUE_TEXT = QColor("#c00000")
OVERDUE_BACKGROUND = QColor("#fdecec")
SECTION_BACKGROUNDS = (QColor("#e4e9f0"), QColor("#eef1f5"), QColor("#f5f7fa"))
REMOVED_TEXT = QColor("#8a8f98")  # a task an update of its plan dropped (kept for its reports)
REMOVED_MARK = "【已从方案中删除】"
STATUS_COLORS = {
    "已完成": QColor("#1e7b34"),
    "滞后": QColor("#c00000"),
    "序时推进": QColor("#1f5fa8"),
}


# --- tree -----------------------------------------------------------------------------


@dataclass(eq=False)
class _Node:
    """A row of the tree: a section heading or a task (exactly one of them is set)."""

    parent: _Node | None
    section: SectionRow | None = None
    task: LedgerRow | None = None
    children: list[_Node] = field(default_factory=list)
    row: int = 0
    order: tuple[int, int] = (0, 0)  # document order: first task position below it


def _build_tree(rows: list[LedgerRow], sections: list[SectionRow]) -> _Node:
    """The root of section nodes holding the given tasks; empty sections are left out."""
    root = _Node(parent=None)
    by_id = {s.id: s for s in sections}
    nodes: dict[int, _Node] = {}

    def section_node(section_id: int) -> _Node:
        if section_id in nodes:
            return nodes[section_id]
        section = by_id[section_id]
        parent_id = section.parent_id
        parent = section_node(parent_id) if parent_id in by_id and parent_id != section_id else root
        node = _Node(parent=parent, section=section, order=(1 << 30, section.position))
        nodes[section_id] = node
        parent.children.append(node)
        return node

    for task in rows:
        parent = section_node(task.section_id) if task.section_id in by_id else root
        parent.children.append(_Node(parent=parent, task=task, order=(task.position, 0)))
        # Sections sort by their first task, so headings follow the document.
        up: _Node | None = parent
        while up is not None and up.section is not None:
            if (task.position, 0) < up.order:
                up.order = (task.position, up.section.position)
            up = up.parent

    def finish(node: _Node) -> None:
        node.children.sort(key=lambda n: n.order)
        for i, child in enumerate(node.children):
            child.row = i
            finish(child)

    finish(root)
    return root


# --- model ----------------------------------------------------------------------------


class LedgerModel(QAbstractItemModel):
    """Sections as parents, tasks as children; eight columns as in the printed 台账."""

    editFailed = Signal(object)  # the exception; the view shows it, the model is unchanged
    taskEdited = Signal(int)  # task id, after a successful in-place edit

    def __init__(self, db: Database | None, user: str, parent=None) -> None:
        super().__init__(parent)
        self._db = db
        self._user = user
        self._root = _Node(parent=None)
        self._rows: list[LedgerRow] = []
        self._sections: list[SectionRow] = []
        self._by_task: dict[int, _Node] = {}
        self.today: dt.date | None = None  # tests fix "today"; None = the real date
        self.read_only = False  # another instance owns the database

    def set_database(self, db: Database, user: str | None = None) -> None:
        """Query another database from now on (the caller reloads)."""
        self._db = db
        if user is not None:
            self._user = user

    # -- loading

    def load(self, flt: LedgerFilter) -> None:
        """Re-query the ledger for ``flt`` (one unit of work) and rebuild the tree."""
        from foodsafety_desktop.core.services import ledger

        with self._db.session() as session:
            rows = ledger.ledger_rows(session, flt, today=self.today)
            sections = ledger.sections(session, flt.plan_id) if flt.plan_id is not None else []
        self.set_rows(rows, sections)

    def set_rows(self, rows: list[LedgerRow], sections: list[SectionRow]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self._sections = list(sections)
        self._root = _build_tree(self._rows, self._sections)
        self._by_task = {}
        self._index_tasks(self._root)
        self.endResetModel()

    def _index_tasks(self, node: _Node) -> None:
        for child in node.children:
            if child.task is not None:
                self._by_task[child.task.task_id] = child
            else:
                self._index_tasks(child)

    # -- what is shown

    def ledger_rows(self) -> list[LedgerRow]:
        """The task rows shown, in document order."""
        return [n.task for n in self._by_task.values() if n.task is not None]

    def sections(self) -> list[SectionRow]:
        return list(self._sections)

    def task_count(self) -> int:
        return len(self._by_task)

    def overdue_count(self) -> int:
        return sum(1 for n in self._by_task.values() if n.task is not None and n.task.overdue)

    def task_at(self, index: QModelIndex) -> LedgerRow | None:
        node = self._node(index)
        return node.task if node is not None else None

    def section_at(self, index: QModelIndex) -> SectionRow | None:
        node = self._node(index)
        return node.section if node is not None else None

    def index_for_task(self, task_id: int, column: int = 0) -> QModelIndex:
        node = self._by_task.get(task_id)
        if node is None:
            return QModelIndex()
        return self.createIndex(node.row, column, node)

    # -- QAbstractItemModel

    def _node(self, index: QModelIndex | QPersistentModelIndex) -> _Node | None:
        if not index.isValid():
            return None
        return index.internalPointer()

    def index(self, row: int, column: int, parent=QModelIndex()) -> QModelIndex:  # noqa: B008
        if column < 0 or column >= len(HEADERS):
            return QModelIndex()
        node = self._node(parent) or self._root
        if parent.isValid() and parent.column() != 0:
            return QModelIndex()
        if 0 <= row < len(node.children):
            return self.createIndex(row, column, node.children[row])
        return QModelIndex()

    def parent(self, index=QModelIndex()):  # noqa: B008
        node = self._node(index)
        if node is None or node.parent is None or node.parent is self._root:
            return QModelIndex()
        return self.createIndex(node.parent.row, 0, node.parent)

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: B008
        if parent.isValid() and parent.column() != 0:
            return 0
        node = self._node(parent) or self._root
        return len(node.children)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: B008
        return len(HEADERS)

    def headerData(self, section: int, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        return None

    def flags(self, index):
        node = self._node(index)
        if node is None:
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if node.task is not None and index.column() in EDITABLE_COLUMNS and not self.read_only:
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def data(self, index, role=Qt.ItemDataRole.DisplayRole) -> Any:
        node = self._node(index)
        if node is None:
            return None
        if node.section is not None:
            return self._section_data(node.section, index.column(), role)
        assert node.task is not None
        return self._task_data(node.task, index.column(), role)

    def _section_data(self, section: SectionRow, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            # The heading spans the row (setFirstColumnSpanned); column 0 holds it all.
            return section.as_text() if column == COL_LABEL else None
        if role == Qt.ItemDataRole.ToolTipRole and column == COL_LABEL:
            return section.as_text()
        if role == Qt.ItemDataRole.FontRole:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.BackgroundRole:
            level = max(1, section.level)
            return QBrush(SECTION_BACKGROUNDS[min(level, len(SECTION_BACKGROUNDS)) - 1])
        return None

    def _task_data(self, row: LedgerRow, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(row, column)
        if role == Qt.ItemDataRole.EditRole:
            return self._edit_value(row, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(row, column)
        if role == TASK_ID_ROLE:
            return row.task_id
        if role == LEDGER_ROW_ROLE:
            return row
        if role == Qt.ItemDataRole.BackgroundRole and row.overdue:
            return QBrush(OVERDUE_BACKGROUND)
        if role == Qt.ItemDataRole.ForegroundRole:
            if row.removed:
                return QBrush(REMOVED_TEXT)
            if column == COL_DEADLINE and row.overdue:
                return QBrush(OVERDUE_TEXT)
            if column == COL_STATUS and row.status in STATUS_COLORS:
                return QBrush(STATUS_COLORS[row.status])
        if role == Qt.ItemDataRole.FontRole and column == COL_DEADLINE and row.overdue:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (COL_LABEL, COL_STATUS):
            return int(Qt.AlignmentFlag.AlignCenter)
        return None

    @staticmethod
    def _display(row: LedgerRow, column: int) -> str:
        if column == COL_LABEL:
            return row.label or str(row.position)
        if column == COL_TASK:
            return (REMOVED_MARK if row.removed else "") + task_excerpt(row)
        if column == COL_LEAD:
            return "、".join(row.lead)
        if column == COL_RESPONSIBLE:
            return "、".join(row.responsible)
        if column == COL_DEADLINE:
            return row.deadline_display
        if column == COL_INDICATORS:
            return "；".join(row.indicators)
        if column == COL_STATUS:
            return row.status
        if column == COL_PROGRESS:
            return (row.progress or "").replace("\n", " ")
        return ""

    @staticmethod
    def _edit_value(row: LedgerRow, column: int) -> str:
        if column == COL_TASK:
            return row.title
        if column == COL_DEADLINE:
            if row.deadline_text:
                return row.deadline_text
            return row.deadline.isoformat() if row.deadline else ""
        if column == COL_STATUS:
            return row.status
        if column == COL_PROGRESS:
            return row.progress or ""
        return LedgerModel._display(row, column)

    @staticmethod
    def _tooltip(row: LedgerRow, column: int) -> str | None:
        if column == COL_DEADLINE and row.overdue:
            return "已逾期"
        if column == COL_TASK:
            full = row.title if row.text.strip() in ("", row.title) else f"{row.title}\n{row.text}"
            if row.removed:
                full += "\n方案更新后已没有这项任务；各单位对它的报送仍保留。"
            return full + ("\n已逾期" if row.overdue else "")
        text = LedgerModel._display(row, column)
        return text or None

    # -- editing

    def setData(self, index, value, role=Qt.ItemDataRole.EditRole) -> bool:
        from foodsafety_desktop.core.services import ledger

        node = self._node(index)
        if node is None or node.task is None or role != Qt.ItemDataRole.EditRole:
            return False
        row = node.task
        try:
            changes = self._changes(row, index.column(), value)
            if not changes:
                return False
            with self._db.session() as session:
                ledger.update_task(session, row.task_id, user=self._user, **changes)
        except Exception as exc:  # shown by the view; the cached row stays as it was
            self.editFailed.emit(exc)
            return False
        self.reload_task(row.task_id)
        self.taskEdited.emit(row.task_id)
        return True

    @staticmethod
    def _changes(row: LedgerRow, column: int, value: Any) -> dict[str, Any]:
        text = "" if value is None else str(value)
        if column == COL_TASK:
            return {"title": text} if text.strip() != row.title else {}
        if column == COL_DEADLINE:
            if text.strip() == LedgerModel._edit_value(row, column):
                return {}
            deadline, deadline_text = parse_deadline_input(text)
            return {"deadline": deadline, "deadline_text": deadline_text}
        if column == COL_STATUS:
            return {"status": text} if text != row.status else {}
        if column == COL_PROGRESS:
            return {"progress": text} if text.strip() != (row.progress or "") else {}
        return {}

    def reload_task(self, task_id: int) -> None:
        """Re-read one task after an edit (its deadline text, overdue flag …)."""
        from foodsafety_desktop.core.services import ledger

        node = self._by_task.get(task_id)
        if node is None or node.task is None:
            return
        with self._db.session() as session:
            fresh = ledger.ledger_row(session, task_id, today=self.today)
        if fresh is None:
            return
        node.task = fresh
        self._rows = [fresh if r.task_id == task_id else r for r in self._rows]
        first = self.createIndex(node.row, 0, node)
        last = self.createIndex(node.row, len(HEADERS) - 1, node)
        self.dataChanged.emit(first, last)


def task_excerpt(row: LedgerRow) -> str:
    """The 任务 cell: the title, followed by the start of the text when it says more."""
    title = row.title.strip()
    text = " ".join(row.text.split())
    if not text or text == title:
        return title
    if text.startswith(title):
        text = text[len(title) :].lstrip("。；;，,：: ")
    if not text:
        return title
    room = max(0, EXCERPT_CHARS - len(title))
    if room < 8:
        return title
    excerpt = text[:room] + ("…" if len(text) > room else "")
    return f"{title}：{excerpt}" if title else excerpt


class StatusDelegate(QStyledItemDelegate):
    """A combo box with the four statuses for the 状态 column."""

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index):
        if index.column() != COL_STATUS:
            return super().createEditor(parent, option, index)
        combo = QComboBox(parent)
        combo.addItems(list(STATUSES))
        # Commit on pick, so one click changes the status.
        combo.activated.connect(lambda _i: self.commitData.emit(combo))
        combo.activated.connect(lambda _i: self.closeEditor.emit(combo))
        return combo

    def setEditorData(self, editor: QWidget, index) -> None:
        if isinstance(editor, QComboBox):
            value = index.data(Qt.ItemDataRole.EditRole)
            position = editor.findText(value or "")
            editor.setCurrentIndex(max(0, position))
            return
        super().setEditorData(editor, index)

    def setModelData(self, editor: QWidget, model, index) -> None:
        if isinstance(editor, QComboBox):
            model.setData(index, editor.currentText(), Qt.ItemDataRole.EditRole)
            return
        super().setModelData(editor, model, index)
