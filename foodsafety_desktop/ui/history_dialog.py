"""操作记录: the history of a task, a department or the whole database; undo of the last change.

The main window opens ``HistoryDialog`` (台账 → 操作记录…, a task's or department's
"历史…") and offers ``run_undo`` under 台账 → 撤销…, labelled with ``undo_text``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import (
    QItemSelection,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from foodsafety_desktop.core.dates import local_time
from foodsafety_desktop.ui import messages
from foodsafety_desktop.ui.forms import child, load_form
from foodsafety_desktop.ui.screen import fit_on_screen
from foodsafety_desktop.ui.table_model import ListTableModel

if TYPE_CHECKING:
    from foodsafety_desktop.core.services.history import HistoryRow
    from foodsafety_desktop.core.services.undo import UndoableChange
    from foodsafety_desktop.core.storage.database import Database

# Longest menu text of the undo action before the object's name is cut with "…".
UNDO_TEXT_LIMIT = 40


class HistoryModel(ListTableModel):
    """History rows as a table: 时间 (local), 操作人, 操作, 内容."""

    HEADERS = ("时间", "操作人", "操作", "内容")

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            if role == Qt.ItemDataRole.ToolTipRole and index.column() != 3:
                return None
            return (row.at_text, row.user, row.action, row.summary)[index.column()]
        return None

    def row_at(self, row: int) -> HistoryRow:
        return self.rows[row]


class HistoryDialog(QDialog):
    """The history of one object (``entity``/``entity_id``) or, with ``entity`` None, of
    the whole database with a filter box.  Newest first; the selected entry's detail
    (before → after) is shown below the table.

    ``entity`` is an audit entity: "task", "department", "plan", "period" …
    """

    def __init__(
        self,
        db: Database,
        *,
        entity: str | None,
        entity_id: int | None,
        title: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.db = db
        self.entity = entity
        self.entity_id = entity_id
        self.setWindowTitle(title)
        fit_on_screen(self, 900, 600)
        self.form = load_form("history", self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 10, 10, 10)
        layout.addWidget(self.form)
        self.titleLabel = child(self.form, QLabel, "titleLabel")
        self.filterEdit = child(self.form, QLineEdit, "filterEdit")
        self.entriesView = child(self.form, QTableView, "entriesView")
        self.detailText = child(self.form, QPlainTextEdit, "detailText")
        self.countLabel = child(self.form, QLabel, "countLabel")
        self.buttonBox = child(self.form, QDialogButtonBox, "buttonBox")
        self.titleLabel.setText(title)

        self.model = HistoryModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setFilterKeyColumn(-1)  # any column
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        view = self.entriesView
        view.setModel(self.proxy)
        view.verticalHeader().hide()
        header = view.horizontalHeader()
        for column in range(3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        view.selectionModel().selectionChanged.connect(self._selection_changed)

        self.filterEdit.setVisible(entity is None)
        self.filterEdit.textChanged.connect(self._filter_changed)
        self.buttonBox.rejected.connect(self.reject)
        # 退回修改… on a selected returned workbook (its collection, return …).
        self.return_dialog: QDialog | None = None
        self.returnButton = self.buttonBox.addButton(
            "退回修改…", QDialogButtonBox.ButtonRole.ActionRole
        )
        self.returnButton.setObjectName("returnButton")
        self.returnButton.setToolTip("把所选记录的报送表退回该单位修改，填写逐行的退回意见")
        self.returnButton.clicked.connect(self.open_return_dialog)
        self.returnButton.setEnabled(False)
        self.refresh()

    def refresh(self) -> None:
        """Reload the entries from the database (newest first) and select the newest."""
        from foodsafety_desktop.core.services import history

        try:
            with self.db.session() as session:
                rows = history.history_rows(session, self.entity, self.entity_id)
        except Exception as exc:
            messages.show_error(self, exc)
            rows = []
        self.model.set_rows(rows)
        self._after_change()

    def _filter_changed(self, text: str) -> None:
        self.proxy.setFilterFixedString(text.strip())
        self._after_change()

    def _after_change(self) -> None:
        shown, total = self.proxy.rowCount(), self.model.rowCount()
        if total == 0:
            self.countLabel.setText("暂无操作记录")
        elif shown == total:
            self.countLabel.setText(f"共 {total} 条记录")
        else:
            self.countLabel.setText(f"显示 {shown} 条，共 {total} 条记录")
        if shown:
            self.entriesView.selectRow(0)
        else:
            self.detailText.setPlainText("")

    def selected_submission_id(self) -> int | None:
        """The returned workbook the selected entry is about (None: not a workbook's)."""
        row = self.selected_row()
        if row is None or row.entity != "submission":
            return None
        return row.entity_id

    def open_return_dialog(self) -> QDialog | None:
        """退回修改… of the selected entry's workbook (window-modal); the history reloads
        when a return or its withdrawal is done."""
        from foodsafety_desktop.ui.return_dialog import ReturnDialog

        submission_id = self.selected_submission_id()
        if submission_id is None:
            return None
        try:
            dialog = ReturnDialog(self.db, submission_id, parent=self)
        except Exception as exc:
            messages.show_error(self, exc)
            return None
        dialog.returnFinished.connect(lambda _outcome: self.refresh())
        dialog.withdrawFinished.connect(lambda _result: self.refresh())
        self.return_dialog = dialog
        dialog.open()
        return dialog

    def _selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        self.returnButton.setEnabled(self.selected_submission_id() is not None)
        row = self.selected_row()
        if row is None:
            self.detailText.setPlainText("")
            return
        self.detailText.setPlainText(row.detail_text() or "（没有更多内容）")

    def selected_row(self) -> HistoryRow | None:
        indexes = self.entriesView.selectionModel().selectedRows()
        if not indexes:
            return None
        return self.model.row_at(self.proxy.mapToSource(indexes[0]).row())

    def visible_rows(self) -> list[HistoryRow]:
        """The rows as shown (after the filter), top to bottom."""
        return [
            self.model.row_at(self.proxy.mapToSource(self.proxy.index(r, 0)).row())
            for r in range(self.proxy.rowCount())
        ]


# --- undo -----------------------------------------------------------------------------


def _short(description: str, limit: int = UNDO_TEXT_LIMIT) -> str:
    """``description`` cut to ``limit`` characters, keeping the closing quote."""
    if len(description) <= limit:
        return description
    return description[: limit - 2] + "…" + ("”" if description.endswith("”") else "")


def undo_text(db: Database) -> str | None:
    """The text of the 撤销 menu item ("撤销：删除任务“（三）…”"), None when disabled."""
    from foodsafety_desktop.core.services import undo

    try:
        with db.session() as session:
            change = undo.last_undoable(session)
    except Exception:
        return None
    return None if change is None else f"撤销：{_short(change.description)}"


def last_change(db: Database) -> UndoableChange | None:
    """The change the 撤销 action would undo (None: nothing, or the database cannot say)."""
    from foodsafety_desktop.core.services import undo

    try:
        with db.session() as session:
            return undo.last_undoable(session)
    except Exception:
        return None


def undo_question(change: UndoableChange) -> str:
    """The question asked before undoing ``change``."""
    when = f"{local_time(change.at):%Y-%m-%d %H:%M}"
    return (
        f"撤销{change.description}？\n\n这是数据库中最后一次修改（{change.user}，{when}）。"
        "撤销后将恢复到修改前的状态，并记入操作记录。"
    )


def run_undo(parent: QWidget | None, db: Database, user: str) -> bool:
    """Ask, undo the last change and tell the result; True when something was undone.

    The caller refreshes its views (ledger, departments) after True.
    """
    from foodsafety_desktop.core.services import undo

    try:
        with db.session() as session:
            change = undo.last_undoable(session)
    except Exception as exc:
        messages.show_error(parent, exc)
        return False
    if change is None:
        messages.show_info(parent, undo.NOTHING_TO_UNDO + "。", "撤销")
        return False
    if not messages.confirm(parent, undo_question(change), "撤销"):
        return False
    try:
        with db.session() as session:
            result = undo.undo_last(session, user=user)
    except Exception as exc:
        messages.show_error(parent, exc, "无法撤销")
        return False
    messages.show_info(parent, result, "已撤销")
    return True


class UndoAction:
    """The undo helpers in one place for the main window's 台账 → 撤销… action."""

    undo_text = staticmethod(undo_text)
    run_undo = staticmethod(run_undo)
