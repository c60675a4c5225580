"""部门管理: departments with contacts, aliases, group members; merging duplicates.

Every change is saved at once through ``core.services.departments``, each in its own
``db.session()`` (one transaction, one audit entry); errors go through ``show_error``.
A group (各乡镇政府) does not report: its members do, so the dialog names the groups
still without members, proposes members (``propose_group_members``) and can add new
units (城关镇) as members.  ``offer_group_members`` asks for them after a plan import.
"""

from __future__ import annotations

import re

from PySide6.QtCore import (
    QModelIndex,
    QSignalBlocker,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGroupBox,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from foodsafety_desktop.core.services import departments as service
from foodsafety_desktop.core.services.departments import DepartmentRow, MemberProposal
from foodsafety_desktop.core.storage.database import Database, current_user
from foodsafety_desktop.core.terms import KIND_GROUP, KIND_LABELS, KIND_TOWNSHIP
from foodsafety_desktop.ui.forms import child, load_form
from foodsafety_desktop.ui.messages import confirm, show_error, show_info
from foodsafety_desktop.ui.screen import fit_on_screen
from foodsafety_desktop.ui.table_model import ListTableModel

SORT_ROLE = Qt.ItemDataRole.UserRole + 1
SEARCH_ROLE = Qt.ItemDataRole.UserRole + 2
PROPOSED_ROLE = Qt.ItemDataRole.UserRole + 3  # a member list item that is a proposal
# Separators of several names typed at once: 城关镇、东明镇 / 城关镇，东明镇 / one a line.
_NAME_SEPARATORS = re.compile(r"[、，,；;\s]+")


class DepartmentsModel(ListTableModel):
    """``list_departments`` rows as a table (名称, 类型, 联系人, 电话, 别名, 任务数)."""

    HEADERS = ("名称", "类型", "联系人", "电话", "别名", "任务数")

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, column)
        if role == Qt.ItemDataRole.ToolTipRole and column in (0, 4):
            return "、".join(row.aliases) if column == 4 and row.aliases else None
        if role == SORT_ROLE:
            return row.task_count if column == 5 else self._text(row, column)
        if role == SEARCH_ROLE:
            return " ".join([row.name, *row.aliases, row.contact_person or "", row.phone or ""])
        if role == Qt.ItemDataRole.TextAlignmentRole and column == 5:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.UserRole:
            return row.id
        return None

    @staticmethod
    def _text(row: DepartmentRow, column: int) -> str:
        if column == 0:
            return row.name
        if column == 1:
            return KIND_LABELS.get(row.kind, row.kind)
        if column == 2:
            return row.contact_person or ""
        if column == 3:
            return row.phone or ""
        if column == 4:
            return "、".join(row.aliases)
        return str(row.task_count)


class _Filter(QSortFilterProxyModel):
    """Filter on name, aliases, contact person and phone; sort task counts as numbers."""

    needle = ""

    def set_needle(self, text: str) -> None:
        self.beginFilterChange()
        self.needle = text.strip().lower()
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: QModelIndex) -> bool:
        needle = self.needle
        if not needle:
            return True
        index = self.sourceModel().index(source_row, 0, source_parent)
        return needle in (index.data(SEARCH_ROLE) or "").lower()


class DepartmentsDialog(QDialog):
    """部门管理: the department table on the left, the selected department on the right.

    Widgets by objectName: ``filterEdit``, ``departmentsTable``, ``nameEdit``,
    ``kindCombo``, ``contactEdit``, ``phoneEdit``, ``noteEdit``, ``aliasesList``,
    ``aliasEdit``, ``addAliasButton``, ``removeAliasButton``, ``membersList``,
    ``proposalsLabel``, ``acceptProposalsButton``, ``newMemberEdit``, ``addMemberButton``,
    ``groupsWarningLabel``, ``nextGroupButton``,
    ``mergeButton``, ``duplicatesButton``, ``duplicatesTable``, ``mergeDuplicateButton``.

    ``first_groups``: group ids to offer first (a plan's groups without members, after
    its import); the first of them is selected.
    """

    def __init__(
        self,
        db: Database,
        parent: QWidget | None = None,
        *,
        first_groups: list[int] | None = None,
    ) -> None:
        super().__init__(parent)
        self.db = db
        self.user = current_user()
        self._current: DepartmentRow | None = None
        self._quiet = False
        self._pairs: list[tuple[DepartmentRow, DepartmentRow, float]] = []
        self._proposals: list[MemberProposal] = []
        self._first_groups = list(first_groups or [])
        self.setWindowTitle("部门管理")
        self.setWindowFlag(Qt.WindowType.WindowMaximizeButtonHint, True)
        self.form = load_form("departments", self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 10, 10, 10)
        layout.addWidget(self.form)
        self._find_widgets()

        self.model = DepartmentsModel(self)
        self.proxy = _Filter(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.proxy.setSortLocaleAware(True)
        table = self.departmentsTable
        table.setModel(self.proxy)
        table.verticalHeader().hide()
        table.verticalHeader().setDefaultSectionSize(26)
        table.horizontalHeader().setHighlightSections(False)
        for column, width in enumerate((200, 80, 80, 120, 220, 60)):
            table.setColumnWidth(column, width)
        table.horizontalHeader().setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        table.horizontalHeader().setStretchLastSection(False)
        table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        table.selectionModel().currentRowChanged.connect(self._selected)

        for kind, label in KIND_LABELS.items():
            self.kindCombo.addItem(label, kind)
        self.filterEdit.textChanged.connect(self._filter)
        self.nameEdit.editingFinished.connect(self._name_edited)
        self.contactEdit.editingFinished.connect(
            lambda: self._save_text(self.contactEdit, "contact_person")
        )
        self.phoneEdit.editingFinished.connect(lambda: self._save_text(self.phoneEdit, "phone"))
        self.noteEdit.editingFinished.connect(lambda: self._save_text(self.noteEdit, "note"))
        self.kindCombo.activated.connect(self._kind_chosen)
        self.addAliasButton.clicked.connect(self.add_alias)
        self.aliasEdit.returnPressed.connect(self.add_alias)
        self.removeAliasButton.clicked.connect(self.remove_alias)
        self.aliasesList.currentRowChanged.connect(
            lambda row: self.removeAliasButton.setEnabled(row >= 0)
        )
        self.membersList.itemChanged.connect(self._member_toggled)
        self.acceptProposalsButton.clicked.connect(self.accept_proposals)
        self.addMemberButton.clicked.connect(self.add_new_members)
        self.newMemberEdit.returnPressed.connect(self.add_new_members)
        self.nextGroupButton.clicked.connect(self.select_next_group)
        self.mergeButton.clicked.connect(self.merge_current)
        self.historyButton.clicked.connect(self.show_history)
        self.duplicatesButton.clicked.connect(self.show_duplicates)
        self.mergeDuplicateButton.clicked.connect(self.merge_selected_pair)
        self.hideDuplicatesButton.clicked.connect(self.duplicatesBox.hide)
        self.buttonBox.rejected.connect(self.reject)
        self.buttonBox.button(QDialogButtonBox.StandardButton.Close).setText("关闭")

        dup = self.duplicatesTable
        dup.setColumnCount(3)
        dup.setHorizontalHeaderLabels(["部门", "可能与之相同", "相似度"])
        dup.verticalHeader().hide()
        dup.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        dup.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        dup.setColumnWidth(2, 70)
        self.duplicatesBox.hide()

        fit_on_screen(self, 1150, 720)
        self.departmentsSplitter.setSizes([700, 450])
        self.reload()
        pending = self.groups_without_members()
        if pending and self._first_groups and pending[0].id in self._first_groups:
            self.select_id(pending[0].id)
        elif self.proxy.rowCount():
            table.selectRow(0)
        else:
            self._show(None)

    def _find_widgets(self) -> None:
        f = self.form
        self.filterEdit = child(f, QLineEdit, "filterEdit")
        self.countLabel = child(f, QLabel, "countLabel")
        self.duplicatesButton = child(f, QPushButton, "duplicatesButton")
        self.departmentsSplitter = child(f, QSplitter, "departmentsSplitter")
        self.departmentsTable = child(f, QTableView, "departmentsTable")
        self.listSplitter = child(f, QSplitter, "listSplitter")
        self.duplicatesBox = child(f, QGroupBox, "duplicatesBox")
        self.duplicatesTable = child(f, QTableWidget, "duplicatesTable")
        self.mergeDuplicateButton = child(f, QPushButton, "mergeDuplicateButton")
        self.hideDuplicatesButton = child(f, QPushButton, "hideDuplicatesButton")
        self.detailPane = child(f, QWidget, "detailPane")
        self.nameEdit = child(f, QLineEdit, "nameEdit")
        self.kindCombo = child(f, QComboBox, "kindCombo")
        self.taskCountLabel = child(f, QLabel, "taskCountLabel")
        self.contactEdit = child(f, QLineEdit, "contactEdit")
        self.phoneEdit = child(f, QLineEdit, "phoneEdit")
        self.noteEdit = child(f, QLineEdit, "noteEdit")
        self.aliasesList = child(f, QListWidget, "aliasesList")
        self.aliasEdit = child(f, QLineEdit, "aliasEdit")
        self.addAliasButton = child(f, QPushButton, "addAliasButton")
        self.removeAliasButton = child(f, QPushButton, "removeAliasButton")
        self.membersBox = child(f, QGroupBox, "membersBox")
        self.membersList = child(f, QListWidget, "membersList")
        self.membersHintLabel = child(f, QLabel, "membersHintLabel")
        self.proposalsLabel = child(f, QLabel, "proposalsLabel")
        self.acceptProposalsButton = child(f, QPushButton, "acceptProposalsButton")
        self.newMemberEdit = child(f, QLineEdit, "newMemberEdit")
        self.addMemberButton = child(f, QPushButton, "addMemberButton")
        self.groupsWarningLabel = child(f, QLabel, "groupsWarningLabel")
        self.nextGroupButton = child(f, QPushButton, "nextGroupButton")
        self.mergeButton = child(f, QPushButton, "mergeButton")
        self.historyButton = child(f, QPushButton, "historyButton")
        self.buttonBox = child(f, QDialogButtonBox, "buttonBox")

    # --- list ------------------------------------------------------------------------

    def reload(self, select_id: int | None = None) -> None:
        """Read the departments again and keep (or move) the selection."""
        keep = select_id if select_id is not None else (self._current.id if self._current else None)
        with self.db.session() as session:
            rows = service.list_departments(session)
        self.model.set_rows(rows)
        self._update_count()
        self._update_groups_warning()
        if keep is not None and self.select_id(keep):
            return
        if self.proxy.rowCount():
            self.departmentsTable.selectRow(0)
        else:
            self._show(None)

    def _update_count(self) -> None:
        total, shown = self.model.rowCount(), self.proxy.rowCount()
        self.countLabel.setText(
            f"共 {total} 个" if shown == total else f"显示 {shown} / {total} 个"
        )

    def _filter(self, text: str) -> None:
        self.proxy.set_needle(text)
        self._update_count()
        if self._current is None or not self.select_id(self._current.id):
            if self.proxy.rowCount():
                self.departmentsTable.selectRow(0)
            else:
                self._show(None)

    def select_id(self, department_id: int, *, show: bool = True) -> bool:
        """Select a department in the table; ``show=False`` leaves the detail pane as it is."""
        for row in range(self.proxy.rowCount()):
            index = self.proxy.index(row, 0)
            if index.data(Qt.ItemDataRole.UserRole) == department_id:
                self._quiet = True  # the detail pane is filled below, once
                try:
                    self.departmentsTable.setCurrentIndex(index)
                finally:
                    self._quiet = False
                self.departmentsTable.scrollTo(index)
                department = self.model.rows[self.proxy.mapToSource(index).row()]
                if show:
                    self._show(department)
                else:
                    self._current = department
                return True
        return False

    def select_department(self, name: str) -> bool:
        """Select the department called ``name`` (False when it is not listed)."""
        row = next((r for r in self.model.rows if r.name == name), None)
        return row is not None and self.select_id(row.id)

    def row_by_name(self, name: str) -> DepartmentRow | None:
        return next((r for r in self.model.rows if r.name == name), None)

    def _selected(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if self._quiet:
            return
        if not current.isValid():
            self._show(None)
            return
        self._show(self.model.rows[self.proxy.mapToSource(current).row()])

    # --- detail ----------------------------------------------------------------------

    def _show(self, row: DepartmentRow | None) -> None:
        self._current = row
        self.detailPane.setEnabled(row is not None)
        self.nameEdit.setText(row.name if row else "")
        self.contactEdit.setText((row.contact_person or "") if row else "")
        self.phoneEdit.setText((row.phone or "") if row else "")
        self.noteEdit.setText((row.note or "") if row else "")
        self.taskCountLabel.setText(f"{row.task_count} 项" if row else "")
        with QSignalBlocker(self.kindCombo):
            self.kindCombo.setCurrentIndex(max(self.kindCombo.findData(row.kind), 0) if row else 0)
        self.aliasesList.clear()
        if row:
            self.aliasesList.addItems(row.aliases)
        self.removeAliasButton.setEnabled(False)
        self.aliasEdit.clear()
        self._show_members(row)

    def _show_members(self, row: DepartmentRow | None) -> None:
        is_group = row is not None and row.kind == KIND_GROUP
        self.membersBox.setVisible(is_group)
        self._proposals = []
        self.newMemberEdit.clear()
        with QSignalBlocker(self.membersList):
            self.membersList.clear()
            if not is_group:
                return
            with self.db.session() as session:
                self._proposals = service.propose_group_members(session, row.id)
            members = set(row.members)
            proposed = {p.department_id: p for p in self._proposals if p.department_id}
            candidates = [r for r in self.model.rows if r.id != row.id and r.kind != KIND_GROUP]
            # Members first, then the proposals, townships (the usual members), the rest.
            candidates.sort(
                key=lambda r: (
                    r.name not in members,
                    r.id not in proposed,
                    r.kind != KIND_TOWNSHIP,
                    r.name,
                )
            )
            bold = QFont(self.membersList.font())
            bold.setBold(True)
            for other in candidates:
                item = QListWidgetItem(other.name)
                item.setData(Qt.ItemDataRole.UserRole, other.id)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                checked = other.name in members
                item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
                proposal = proposed.get(other.id)
                item.setData(PROPOSED_ROLE, proposal is not None)
                if proposal is not None:
                    item.setFont(bold)
                    item.setToolTip(f"建议的成员：{proposal.reason}")
                self.membersList.addItem(item)
        self._update_members_title(len(members))
        self._show_proposals()

    def _update_members_title(self, count: int) -> None:
        self.membersBox.setTitle(f"成员单位（已选 {count} 个，勾选属于本组的单位）")
        self.membersHintLabel.setText(
            "单位组本身不报送：它承担的任务由勾选的成员单位分别报送。"
            if count
            else "还没有成员单位：本组承担的任务暂无单位报送。请勾选成员单位，"
            "或在下方新增（如 城关镇、东明镇）。"
        )
        self.membersHintLabel.setStyleSheet("" if count else "color: #B00000;")

    def _show_proposals(self) -> None:
        proposals = self._proposals
        self.acceptProposalsButton.setEnabled(bool(proposals))
        if not proposals:
            self.proposalsLabel.setText("没有建议的成员单位。")
            self.proposalsLabel.setToolTip("")
            return
        new = [p.name for p in proposals if p.department_id is None]
        text = f"建议的成员 {len(proposals)} 个（粗体）"
        if new:
            text += f"，其中 {len(new)} 个待新增"
        self.proposalsLabel.setText(text)
        lines = [
            f"{p.name}：{p.reason}"
            + ("（尚未建立，勾选时新增）" if p.department_id is None else "")
            for p in proposals[:30]
        ]
        if len(proposals) > 30:
            lines.append(f"……共 {len(proposals)} 个")
        self.proposalsLabel.setToolTip("\n".join(lines))

    def proposals(self) -> list[MemberProposal]:
        """The members proposed for the selected group (not yet members)."""
        return list(self._proposals)

    def accept_proposals(self) -> None:
        """按建议勾选: every proposed member joins the group (new names are created)."""
        row = self._current
        if row is None or not self._proposals:
            return
        names = [p.name for p in self._proposals]
        self._change_members(
            row,
            lambda s: service.add_group_members(s, row.id, names, user=self.user, create=True),
        )

    def add_new_members(self) -> None:
        """新增并勾选: the typed names join the group; names no unit has are created."""
        row = self._current
        names = [n for n in _NAME_SEPARATORS.split(self.newMemberEdit.text()) if n]
        if row is None or not names:
            return
        if self._change_members(
            row,
            lambda s: service.add_group_members(s, row.id, names, user=self.user, create=True),
        ):
            self.newMemberEdit.clear()
        self.newMemberEdit.setFocus()

    def _change_members(self, row: DepartmentRow, work) -> bool:
        done = self._run(work)
        self.reload(row.id)
        return done

    def groups_without_members(self) -> list[DepartmentRow]:
        """Groups that hold tasks and have no members yet: nobody reports their tasks.
        The ``first_groups`` come first, then the others by name."""
        rows = [
            r for r in self.model.rows if r.kind == KIND_GROUP and r.task_count and not r.members
        ]
        first = {gid: i for i, gid in enumerate(self._first_groups)}
        return sorted(rows, key=lambda r: (first.get(r.id, len(first)), r.name))

    def _update_groups_warning(self) -> None:
        pending = self.groups_without_members()
        self.groupsWarningLabel.setVisible(bool(pending))
        self.nextGroupButton.setEnabled(bool(pending))
        if pending:
            names = "、".join(r.name for r in pending[:5]) + ("等" if len(pending) > 5 else "")
            self.groupsWarningLabel.setText(
                f"有 {len(pending)} 个单位组还没有成员单位：{names}。单位组本身不报送，"
                "它们承担的任务要由成员单位报送；请点“指定单位组成员…”逐个勾选。"
            )

    def select_next_group(self) -> bool:
        """Select the next group without members after the selected one (wrapping)."""
        pending = self.groups_without_members()
        if not pending:
            return False
        ids = [r.id for r in pending]
        current = self._current.id if self._current else None
        start = ids.index(current) + 1 if current in ids else 0
        target = ids[start % len(ids)]
        if not self.select_id(target):  # hidden by the filter
            self.filterEdit.clear()
            self.select_id(target)
        self.membersList.setFocus()
        return True

    def _save(self, **changes) -> bool:
        """``update_department`` for the selected department in one transaction."""
        row = self._current
        if row is None:
            return False
        ok = self._run(lambda s: service.update_department(s, row.id, user=self.user, **changes))
        self.reload(row.id)
        return ok

    def _run(self, work) -> bool:
        try:
            with self.db.session() as session:
                work(session)
        except Exception as exc:
            show_error(self, exc)
            return False
        return True

    def _save_text(self, edit: QLineEdit, field: str) -> None:
        row = self._current
        if row is None:
            return
        value = edit.text().strip()
        if value == (getattr(row, field) or ""):
            return
        self._save(**{field: value})

    def _name_edited(self) -> None:
        row = self._current
        name = self.nameEdit.text().strip()
        if row is None or name == row.name:
            return
        if not name:
            self.nameEdit.setText(row.name)
            return
        self._save(name=name)

    def _kind_chosen(self) -> None:
        row = self._current
        kind = self.kindCombo.currentData()
        if row is not None and kind != row.kind:
            self._save(kind=kind)

    def add_alias(self) -> None:
        row = self._current
        alias = self.aliasEdit.text().strip()
        if row is None or not alias:
            return
        if self._run(lambda s: service.add_alias(s, row.id, alias, user=self.user)):
            self.reload(row.id)
        self.aliasEdit.setFocus()

    def remove_alias(self) -> None:
        row = self._current
        item = self.aliasesList.currentItem()
        if row is None or item is None:
            return
        alias = item.text()
        if self._run(lambda s: service.remove_alias(s, row.id, alias, user=self.user)):
            self.reload(row.id)

    def _member_toggled(self, _item: QListWidgetItem) -> None:
        row = self._current
        if row is None:
            return
        ids = [
            self.membersList.item(i).data(Qt.ItemDataRole.UserRole)
            for i in range(self.membersList.count())
            if self.membersList.item(i).checkState() == Qt.CheckState.Checked
        ]
        self._run(lambda s: service.set_group_members(s, row.id, ids, user=self.user))
        # Keep the list as it is (no re-sort under the mouse); refresh the table only.
        with self.db.session() as session:
            rows = service.list_departments(session)
        self.model.set_rows(rows)
        self._update_groups_warning()
        self.select_id(row.id, show=False)
        self._update_members_title(len(self._current.members) if self._current else 0)

    # --- merging ---------------------------------------------------------------------

    def show_history(self) -> None:
        """历史…: what was done to the selected department, newest first."""
        row = self._current
        if row is None:
            return
        from foodsafety_desktop.ui.history_dialog import HistoryDialog

        dialog = HistoryDialog(
            self.db, entity="department", entity_id=row.id, title=f"“{row.name}”的操作记录",
            parent=self,
        )  # fmt: skip
        dialog.exec()
        dialog.deleteLater()

    def merge_current(self) -> None:
        """合并到…: merge the selected department into one the clerk chooses."""
        row = self._current
        if row is None:
            return
        others = sorted((r for r in self.model.rows if r.id != row.id), key=lambda r: r.name)
        if not others:
            return
        name, ok = QInputDialog.getItem(
            self,
            "合并部门",
            f"将“{row.name}”合并到（保留的部门）：",
            [r.name for r in others],
            0,
            False,
        )
        keep = next((r for r in others if r.name == name), None)
        if ok and keep is not None:
            self.merge(keep, row)

    def merge(self, keep: DepartmentRow, merged: DepartmentRow) -> bool:
        """Ask, then merge ``merged`` into ``keep``; True when done."""
        text = (
            f"将“{merged.name}”合并到“{keep.name}”？\n\n"
            f"“{merged.name}”的 {merged.task_count} 项任务将转给“{keep.name}”，"
            f"它的别名和单位组成员关系一并转入，“{merged.name}”保留为别名。\n"
            "此操作不能撤销。"
        )
        if not confirm(self, text, "合并部门"):
            return False
        done = self._run(lambda s: service.merge_departments(s, keep.id, merged.id, user=self.user))
        self.reload(keep.id)
        if done and self.duplicatesBox.isVisible():
            self._fill_duplicates()
        return done

    def show_duplicates(self) -> None:
        """疑似重复: list the likely duplicate pairs below the table."""
        self._fill_duplicates()
        if not self._pairs:
            self.duplicatesBox.hide()
            show_info(self, "没有发现名称相近、疑似重复的部门。", "疑似重复")
            return
        if not self.duplicatesBox.isVisible():
            self.duplicatesBox.show()
            height = max(self.listSplitter.height(), 400)
            self.listSplitter.setSizes([height * 3 // 5, height * 2 // 5])
        self.duplicatesTable.selectRow(0)
        self.duplicatesTable.setFocus()

    def _fill_duplicates(self) -> None:
        with self.db.session() as session:
            self._pairs = service.suggest_duplicates(session)
        table = self.duplicatesTable
        table.setRowCount(0)
        for first, second, score in self._pairs:
            row = table.rowCount()
            table.insertRow(row)
            table.setItem(row, 0, QTableWidgetItem(f"{first.name}（{first.task_count} 项任务）"))
            table.setItem(row, 1, QTableWidgetItem(f"{second.name}（{second.task_count} 项任务）"))
            table.setItem(row, 2, QTableWidgetItem(f"{score:.0f}%"))
        self.duplicatesBox.setTitle(f"疑似重复的部门（{len(self._pairs)} 对）")
        self.mergeDuplicateButton.setEnabled(bool(self._pairs))

    def merge_selected_pair(self) -> None:
        """合并所选: choose which of the two names to keep, then merge."""
        row = self.duplicatesTable.currentRow()
        if not 0 <= row < len(self._pairs):
            return
        first, second, _score = self._pairs[row]
        name, ok = QInputDialog.getItem(
            self, "合并部门", "保留哪个部门的名称？", [first.name, second.name], 0, False
        )
        if not ok:
            return
        keep, merged = (first, second) if name == first.name else (second, first)
        self.merge(keep, merged)


def offer_group_members(
    parent: QWidget | None, db: Database, plan_id: int
) -> DepartmentsDialog | None:
    """After a plan import: when groups of the plan have no members yet, say so and
    offer 部门管理 with the first of them selected.  Returns the dialog when opened
    (already closed again), None when nothing was asked or the clerk said no."""
    from foodsafety_desktop.core.services.reporting_units import groups_without_members

    with db.session() as session:
        pending = groups_without_members(session, plan_id)
    if not pending:
        return None
    names = "、".join(f"“{g.name}”" for g in pending)
    text = (
        f"本方案有 {len(pending)} 个单位组还没有成员单位：{names}。\n\n"
        "单位组本身不报送，它承担的任务由成员单位分别报送；不指定成员，这些任务就没有单位报送。"
        "\n\n现在为它们指定成员单位吗？（以后也可以在“部门管理”中指定。）"
    )
    if not confirm(parent, text, "指定单位组成员"):
        return None
    dialog = DepartmentsDialog(db, parent, first_groups=[g.id for g in pending])
    dialog.exec()
    dialog.deleteLater()
    return dialog
