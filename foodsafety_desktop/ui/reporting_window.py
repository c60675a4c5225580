"""报送管理: a plan's reporting periods, who has reported, templates out, workbooks in, 催报.

A widget usable as a tab of the main window or as a window of its own.  Reads go
through ``periods.list_periods`` and ``tracking.status_matrix`` (fast queries, on the GUI
thread); writing the templates and collecting workbooks run in the background.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QDate,
    QModelIndex,
    QSignalBlocker,
    QStandardPaths,
    Qt,
    QUrl,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QFont, QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from foodsafety_desktop.core.changes import EVERYTHING, PERIODS, SUBMISSIONS, ChangeSet
from foodsafety_desktop.core.dates import cn_date, local_time
from foodsafety_desktop.core.errors import UserError
from foodsafety_desktop.core.services import periods as period_service
from foodsafety_desktop.core.services import tracking, undo
from foodsafety_desktop.core.services.collect import ACCEPTED_SUFFIXES, set_received_on
from foodsafety_desktop.core.services.periods import (
    UNSET,
    DeletedPeriod,
    PeriodDraft,
    PeriodHasSubmissions,
    PeriodRow,
)
from foodsafety_desktop.core.services.settings import (
    MAX_PERIOD_GRACE_DAYS,
    period_grace_days,
    set_period_grace_days,
)
from foodsafety_desktop.core.services.templates import write_all_templates
from foodsafety_desktop.core.services.tracking import MatrixCell
from foodsafety_desktop.core.storage.database import Database, current_user
from foodsafety_desktop.ui.background import BackgroundTask, run_in_background, track
from foodsafety_desktop.ui.changes import OutsideChanges, listen
from foodsafety_desktop.ui.collect_dialog import CollectDialog, ProgressRelay
from foodsafety_desktop.ui.forms import child, load_form
from foodsafety_desktop.ui.history_dialog import undo_text
from foodsafety_desktop.ui.messages import confirm, show_error, show_info
from foodsafety_desktop.ui.period_dialog import PeriodDialog, PeriodValues
from foodsafety_desktop.ui.screen import fit_on_screen

STATE_BRUSHES = {
    tracking.STATE_REPORTED: QBrush(QColor("#cdeccd")),
    tracking.STATE_LATE: QBrush(QColor("#ffe0b2")),
    tracking.STATE_PARTIAL: QBrush(QColor("#fff3a8")),
    tracking.STATE_RETURNED: QBrush(QColor("#e1d5f5")),
    tracking.STATE_MISSING: QBrush(QColor("#ffcdcd")),
    tracking.STATE_PENDING: QBrush(QColor("#f0f0f0")),
}
STATE_HEX = {
    tracking.STATE_REPORTED: "#cdeccd",
    tracking.STATE_LATE: "#ffe0b2",
    tracking.STATE_PARTIAL: "#fff3a8",
    tracking.STATE_RETURNED: "#e1d5f5",
    tracking.STATE_MISSING: "#ffcdcd",
    tracking.STATE_PENDING: "#f0f0f0",
}
STATE_HINTS = {
    tracking.STATE_REPORTED: "按时报送，且每一行都已填写",
    tracking.STATE_LATE: "截止日期之后报送，每一行都已填写",
    tracking.STATE_PARTIAL: "已报送，但有的行未填写",
    tracking.STATE_RETURNED: "报送表已退回修改，等待更正后的报送表",
    tracking.STATE_MISSING: "已过截止日期，尚未报送",
    tracking.STATE_PENDING: "尚未报送，截止日期未到",
}
EXCEL_FILTER = "Excel 报送表 (*.xlsx *.xlsm *.xls *.ods);;所有文件 (*)"


def local_time_text(value: dt.datetime | None) -> str:
    """A stored (naive UTC) timestamp in the office's local time, "" when unknown."""
    return "" if value is None else f"{local_time(value):%Y-%m-%d %H:%M}"


def excel_paths(paths: Iterable[str | Path]) -> list[Path]:
    """The dropped or chosen paths worth checking: Excel files and folders."""
    out = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir() or (
            path.suffix.lower() in ACCEPTED_SUFFIXES and not path.name.startswith("~$")
        ):
            out.append(path)
    return out


# --- models --------------------------------------------------------------------------


class _Snapshot:
    """What the window shows, read in one unit of work (plain values, no live ORM)."""

    def __init__(self) -> None:
        self.plan_title = ""
        self.periods: list[PeriodRow] = []
        self.grace_days = 0
        self.undo_text: str | None = None  # the 撤销 button's text; None: nothing to undo
        self.departments: list[tuple[int, str]] = []
        self.cells: dict[tuple[int, int], MatrixCell] = {}
        self.file_names: dict[int, str] = {}  # submission id → file name
        self.warnings: list[str] = []  # groups without members, the office left out …


class StatusModel(QAbstractTableModel):
    """One period's column of the status matrix: 部门, 状态, 报送时间, 已填/应填, 文件名."""

    HEADERS = ("部门", "状态", "报送时间", "已填/应填", "文件名")

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.snapshot = _Snapshot()
        self.period_id: int | None = None

    def set_period(self, snapshot: _Snapshot, period_id: int | None) -> None:
        self.beginResetModel()
        self.snapshot, self.period_id = snapshot, period_id
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: B008 - Qt signature
        if parent.isValid() or self.period_id is None:
            return 0
        return len(self.snapshot.departments)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: B008 - Qt signature
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole:
            if orientation == Qt.Orientation.Horizontal:
                return self.HEADERS[section]
            return str(section + 1)
        return None

    def cell(self, row: int) -> MatrixCell | None:
        department_id = self.snapshot.departments[row][0]
        return self.snapshot.cells.get((department_id, self.period_id))

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        name = self.snapshot.departments[index.row()][1]
        cell = self.cell(index.row())
        column = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            if column == 0:
                return name
            if cell is None:
                return ""
            if column == 1:
                if role == Qt.ItemDataRole.ToolTipRole:
                    return STATE_HINTS.get(cell.state)
                return cell.state
            if column == 2:
                return local_time_text(cell.received_at)
            if column == 3:
                return (
                    f"{cell.answered_rows}/{cell.expected_rows}"
                    if cell.submission_id
                    else f"—/{cell.expected_rows}"
                )
            if column == 4:
                name = self.snapshot.file_names.get(cell.submission_id or 0, "")
                if role == Qt.ItemDataRole.ToolTipRole and cell.submission_count > 1:
                    return f"{name}\n（本期共收到 {cell.submission_count} 次报送，显示最新一次）"
                return name
        if role == Qt.ItemDataRole.BackgroundRole and column == 1 and cell is not None:
            return STATE_BRUSHES.get(cell.state)
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (1, 3):
            return int(Qt.AlignmentFlag.AlignCenter)
        return None

    def state_of(self, department: str) -> str | None:
        for row, (_id, name) in enumerate(self.snapshot.departments):
            if name == department:
                cell = self.cell(row)
                return cell.state if cell else None
        return None


class MatrixModel(QAbstractTableModel):
    """Departments (rows) × periods (columns) with the state, date and counts."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.snapshot = _Snapshot()
        self.selected_period_id: int | None = None  # its header is bold

    def set_snapshot(self, snapshot: _Snapshot) -> None:
        self.beginResetModel()
        self.snapshot = snapshot
        self.endResetModel()

    def set_selected_period(self, period_id: int | None) -> None:
        self.selected_period_id = period_id
        if self.snapshot.periods:
            self.headerDataChanged.emit(
                Qt.Orientation.Horizontal, 0, len(self.snapshot.periods) - 1
            )

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: B008 - Qt signature
        return 0 if parent.isValid() else len(self.snapshot.departments)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: B008 - Qt signature
        return 0 if parent.isValid() else len(self.snapshot.periods)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal:
            period = self.snapshot.periods[section]
            if role == Qt.ItemDataRole.DisplayRole:
                name = period.name if len(period.name) <= 9 else period.name[:8] + "…"
                return f"{name}\n截止 {period.due_date:%m-%d}"
            if role == Qt.ItemDataRole.ToolTipRole:
                return f"{period.name}，截止 {cn_date(period.due_date)}（{period.state_label}）"
            if role == Qt.ItemDataRole.FontRole and period.id == self.selected_period_id:
                font = QFont()
                font.setBold(True)
                return font
        elif role == Qt.ItemDataRole.DisplayRole:
            return self.snapshot.departments[section][1]
        return None

    def cell(self, row: int, column: int) -> MatrixCell | None:
        department_id = self.snapshot.departments[row][0]
        period_id = self.snapshot.periods[column].id
        return self.snapshot.cells.get((department_id, period_id))

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        cell = self.cell(index.row(), index.column())
        if cell is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            if cell.state == tracking.STATE_PARTIAL:
                return f"{cell.state} {cell.answered_rows}/{cell.expected_rows}"
            if cell.received_on is not None:
                return f"{cell.state} {cell.received_on:%m-%d}"
            return cell.state
        if role == Qt.ItemDataRole.ToolTipRole:
            lines = [
                f"{self.snapshot.departments[index.row()][1]}　"
                f"{self.snapshot.periods[index.column()].name}",
                f"{cell.state}：{STATE_HINTS.get(cell.state, '')}",
            ]
            if cell.submission_id:
                lines.append(f"报送时间：{local_time_text(cell.received_at)}")
                lines.append(f"已填/应填：{cell.answered_rows}/{cell.expected_rows}")
                lines.append(f"文件：{self.snapshot.file_names.get(cell.submission_id, '')}")
            return "\n".join(lines)
        if role == Qt.ItemDataRole.BackgroundRole:
            return STATE_BRUSHES.get(cell.state)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignCenter)
        return None


# --- small dialogs ---------------------------------------------------------------------


class ProposePeriodsDialog(QDialog):
    """按方案生成报送期次: the proposals as checkboxes; those already present are greyed."""

    def __init__(self, drafts: list[PeriodDraft], existing: set[str], parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("按方案生成报送期次")
        self.drafts = drafts
        layout = QVBoxLayout(self)
        intro = QLabel(
            "根据工作方案中的报送要求，应有以下报送期次。勾选要新建的期次（已有的不会重复新建）："
            if drafts
            else "工作方案中没有识别到报送要求（如“每季度末报送”），无法自动生成报送期次。"
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.list = QListWidget()
        self.list.setObjectName("proposalsList")
        for draft in drafts:
            item = QListWidgetItem(
                f"{draft.name}　截止 {cn_date(draft.due_date)}　（{draft.kind_label}）"
            )
            if draft.note:
                item.setToolTip(f"依据：{draft.note}")
            if draft.name in existing:
                item.setText(item.text() + "　已有")
                item.setFlags(Qt.ItemFlag.NoItemFlags)
                item.setCheckState(Qt.CheckState.Checked)
            else:
                item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(Qt.CheckState.Checked)
            self.list.addItem(item)
        layout.addWidget(self.list)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("新建所选期次")
        buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(bool(drafts))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(560, 420)

    def chosen(self) -> list[PeriodDraft]:
        return [
            draft
            for row, draft in enumerate(self.drafts)
            if self.list.item(row).flags() & Qt.ItemFlag.ItemIsEnabled
            and self.list.item(row).checkState() == Qt.CheckState.Checked
        ]


class GenerateOptionsDialog(QDialog):
    """生成报送表: the folder and the options (预填上期内容, 打包为 .zip)."""

    def __init__(self, period_name: str, folder: Path, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"生成报送表 - {period_name}")
        layout = QVBoxLayout(self)
        form = QFormLayout()
        row = QHBoxLayout()
        self.folderEdit = QLineEdit(str(folder))
        self.folderEdit.setObjectName("folderEdit")
        self.folderEdit.setMinimumWidth(380)
        browse = QPushButton("浏览…")
        browse.clicked.connect(self._browse)
        row.addWidget(self.folderEdit)
        row.addWidget(browse)
        form.addRow("保存到文件夹", row)
        layout.addLayout(form)
        self.prefillCheck = QCheckBox("预填上期内容（各单位在上期报送的基础上修改）")
        self.prefillCheck.setObjectName("prefillCheck")
        self.zipCheck = QCheckBox("同时打包为 .zip（便于一次发送）")
        self.zipCheck.setObjectName("zipCheck")
        layout.addWidget(self.prefillCheck)
        layout.addWidget(self.zipCheck)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("生成")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, "选择保存报送表的文件夹", self.folderEdit.text()
        )
        if folder:
            self.folderEdit.setText(folder)


class ReminderDialog(QDialog):
    """催报: the ready-to-send text, copy to the clipboard, and the Word notice when available."""

    def __init__(self, db: Database, period_id: int, text: str, parent=None) -> None:
        super().__init__(parent)
        self.db = db
        self.period_id = period_id
        self.setWindowTitle("催报")
        layout = QVBoxLayout(self)
        label = QLabel("催报内容（可修改后复制，粘贴到微信、短信或办公系统中发送）：")
        layout.addWidget(label)
        self.textEdit = QPlainTextEdit(text)
        self.textEdit.setObjectName("reminderText")
        layout.addWidget(self.textEdit)
        self.statusLabel = QLabel()
        self.statusLabel.setStyleSheet("color: #2e7d32;")
        layout.addWidget(self.statusLabel)
        row = QHBoxLayout()
        self.copyButton = QPushButton("复制到剪贴板")
        self.copyButton.setObjectName("copyButton")
        self.copyButton.clicked.connect(self.copy)
        self.wordButton = QPushButton("保存为 Word 通知…")
        self.wordButton.setObjectName("wordButton")
        self.wordButton.clicked.connect(self.save_word)
        close = QPushButton("关闭")
        close.clicked.connect(self.accept)
        row.addWidget(self.copyButton)
        row.addWidget(self.wordButton)
        row.addStretch(1)
        row.addWidget(close)
        layout.addLayout(row)
        self.resize(640, 300)

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.textEdit.toPlainText())
        self.statusLabel.setText("已复制到剪贴板。")

    def save_word(self) -> BackgroundTask | None:
        documents = QStandardPaths.writableLocation(
            QStandardPaths.StandardLocation.DocumentsLocation
        )
        path, _ = QFileDialog.getSaveFileName(
            self, "保存催报通知", str(Path(documents) / "催报通知.docx"), "Word 文档 (*.docx)"
        )
        if not path:
            return None
        db, period_id = self.db, self.period_id

        def write() -> Path:
            from foodsafety_desktop.core.reports.reminder import write_reminder

            with db.session() as session:
                return write_reminder(session, period_id, Path(path))

        return run_in_background(
            self,
            write,
            label="正在生成催报通知…",
            on_done=lambda _p: self.statusLabel.setText(f"催报通知已保存：{path}"),
        )


# --- the window ------------------------------------------------------------------------


class ReceivedDateDialog(QDialog):
    """修改收到日期: the day a department's file came (e-mail, USB stick, WeChat)."""

    def __init__(self, department: str, day: dt.date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("修改收到日期")
        layout = QVBoxLayout(self)
        note = QLabel(f"“{department}”本期报送表实际收到的日期（是否逾期按此判断）：")
        note.setWordWrap(True)
        layout.addWidget(note)
        self.dateEdit = QDateEdit(QDate(day.year, day.month, day.day))
        self.dateEdit.setCalendarPopup(True)
        self.dateEdit.setDisplayFormat("yyyy-MM-dd")
        self.dateEdit.setMaximumDate(QDate.currentDate())
        layout.addWidget(self.dateEdit)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def day(self) -> dt.date:
        date = self.dateEdit.date()
        return dt.date(date.year(), date.month(), date.day())


class ReportingWindow(QWidget):
    """报送管理 of one plan: periods, status, templates out, workbooks in, 催报.

    ``ReportingWindow(db, plan_id, parent=None)``; ``set_plan(plan_id)`` switches plan;
    ``refresh()`` re-reads everything (after the ledger changed elsewhere).  Signals:
    ``templatesGenerated(list[Path])``, ``collectDialogOpened(CollectDialog)``,
    ``submissionsImported(list[CollectOutcome])`` (the main window refreshes its ledger).

    Widgets by objectName: ``periodsTable``, ``statusTable``, ``matrixTable``, ``tabs``,
    ``proposePeriodsButton``, ``addPeriodButton``, ``editPeriodButton``,
    ``deletePeriodButton``, ``closePeriodButton``, ``undoPeriodButton``, ``graceButton``,
    ``officeButton``,
    ``generateButton``, ``collectButton``, ``remindButton``, ``countsLabel``.
    ``periodsWritten(result)`` / ``periodDeleted(DeletedPeriod)`` follow a period write.

    Period writes (新增, 修改, 删除, 关闭, 撤销, 自动关闭天数) run on the database worker
    and return their ``BackgroundTask`` (None when nothing was started); the window
    refreshes itself when one is done and announces the change to the others.
    """

    templatesGenerated = Signal(object)
    collectDialogOpened = Signal(object)
    submissionsImported = Signal(object)
    periodDeleted = Signal(object)  # DeletedPeriod
    periodsWritten = Signal(object)  # a period write is stored and shown: its result

    def __init__(
        self,
        db: Database,
        plan_id: int,
        parent: QWidget | None = None,
        *,
        read_only: bool = False,
    ) -> None:
        super().__init__(parent)
        self.db = db
        self.plan_id = plan_id
        # Another clerk's instance writes: every view opens, nothing writes.
        self.read_only = read_only
        self.user = current_user()
        self.snapshot = _Snapshot()
        self.collect_dialog: CollectDialog | None = None
        self.reminder_dialog: ReminderDialog | None = None
        self._tasks: list[BackgroundTask] = []
        self.setWindowTitle("报送管理（只读）" if read_only else "报送管理")
        self.setAcceptDrops(not read_only)
        self.form = load_form("reporting", self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.form)
        self._find_widgets()
        self._setup()
        fit_on_screen(self, 1280, 760)
        self.splitter.setSizes([400, 880])
        self.outside_changes = OutsideChanges(self, db, self.on_changed)
        self.refresh()
        listen(self, self.on_changed)

    def on_changed(self, changes: ChangeSet) -> None:
        """Another window, a dialog or another process changed the database."""
        if changes.touches("plans", "tasks", "departments", "periods", "submissions"):
            self.refresh()

    def _find_widgets(self) -> None:
        f = self.form
        self.planLabel = child(f, QLabel, "planLabel")
        self.splitter = child(f, QSplitter, "splitter")
        self.periodsTable = child(f, QTableWidget, "periodsTable")
        self.proposePeriodsButton = child(f, QPushButton, "proposePeriodsButton")
        self.addPeriodButton = child(f, QPushButton, "addPeriodButton")
        self.editPeriodButton = child(f, QPushButton, "editPeriodButton")
        self.deletePeriodButton = child(f, QPushButton, "deletePeriodButton")
        self.closePeriodButton = child(f, QPushButton, "closePeriodButton")
        self.undoPeriodButton = child(f, QPushButton, "undoPeriodButton")
        self.graceButton = child(f, QPushButton, "graceButton")
        self.officeButton = child(f, QPushButton, "officeButton")
        self.periodTitleLabel = child(f, QLabel, "periodTitleLabel")
        self.generateButton = child(f, QPushButton, "generateButton")
        self.collectButton = child(f, QToolButton, "collectButton")
        self.remindButton = child(f, QPushButton, "remindButton")
        self.countsLabel = child(f, QLabel, "countsLabel")
        self.tabs = child(f, QTabWidget, "tabs")
        self.periodTab = child(f, QWidget, "periodTab")
        self.matrixTab = child(f, QWidget, "matrixTab")
        self.statusTable = child(f, QTableView, "statusTable")
        self.matrixTable = child(f, QTableView, "matrixTable")
        self.legendLabel = child(f, QLabel, "legendLabel")

    def _setup(self) -> None:
        table = self.periodsTable
        table.setColumnCount(4)
        table.setHorizontalHeaderLabels(["期次", "截止日期", "状态", "已报"])
        table.verticalHeader().hide()
        header = table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2, 3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        table.itemSelectionChanged.connect(self._period_changed)
        table.doubleClicked.connect(lambda _i: None if self.read_only else self.edit_period())

        self.status_model = StatusModel(self)
        self.statusTable.setModel(self.status_model)
        self.statusTable.verticalHeader().hide()
        header = self.statusTable.horizontalHeader()
        for column, width in enumerate((220, 90, 140, 90)):
            self.statusTable.setColumnWidth(column, width)
        header.setStretchLastSection(True)
        self.statusTable.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.statusTable.customContextMenuRequested.connect(self._status_menu)

        self.matrix_model = MatrixModel(self)
        self.matrixTable.setModel(self.matrix_model)
        self.matrixTable.horizontalHeader().setDefaultSectionSize(118)
        self.matrixTable.verticalHeader().setDefaultAlignment(
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        )
        self.matrixTable.clicked.connect(self._matrix_clicked)
        self.legendLabel.setText(
            " ".join(
                f"<span style='background:{STATE_HEX[s]}'>&nbsp;{s}&nbsp;</span>"
                for s in tracking.STATES
            )
            + "　鼠标停在格子上可查看报送时间、已填行数和文件名；单击某列即选中该期次。"
        )
        self.legendLabel.setToolTip("\n".join(f"{s}：{STATE_HINTS[s]}" for s in tracking.STATES))

        self.proposePeriodsButton.clicked.connect(self.propose_periods)
        self.addPeriodButton.clicked.connect(self.new_period)
        self.editPeriodButton.clicked.connect(self.edit_period)
        self.deletePeriodButton.clicked.connect(self.delete_period)
        self.closePeriodButton.clicked.connect(self.toggle_period_open)
        self.undoPeriodButton.clicked.connect(self.undo_last)
        self.graceButton.clicked.connect(self.choose_grace_days)
        self.officeButton.clicked.connect(self.edit_office)
        self.generateButton.clicked.connect(self.choose_and_generate)
        self.collectButton.clicked.connect(self.choose_files_to_collect)
        menu = QMenu(self.collectButton)
        menu.addAction("选择文件…", self.choose_files_to_collect)
        menu.addAction("选择文件夹…", self.choose_folder_to_collect)
        self.collectButton.setMenu(menu)
        self.remindButton.clicked.connect(self.show_reminder)

    # --- data ------------------------------------------------------------------------

    def set_plan(self, plan_id: int) -> None:
        self.plan_id = plan_id
        self.refresh()

    def refresh(self) -> None:
        """Re-read the periods and the status matrix; keeps the selected period."""
        keep = self.selected_period_id()
        snapshot = _Snapshot()
        with self.db.session() as session:
            overview = tracking.reporting_overview(session, self.plan_id)
            snapshot.grace_days = period_grace_days(session)
        snapshot.undo_text = undo_text(self.db)
        snapshot.plan_title = overview.plan_title
        snapshot.periods = overview.periods
        snapshot.departments = [(d.id, d.name) for d in overview.matrix.departments]
        snapshot.cells = dict(overview.matrix.cells)
        snapshot.file_names = overview.file_names
        snapshot.warnings = list(overview.warnings)
        self.snapshot = snapshot
        self.outside_changes.seen()
        self.planLabel.setText(snapshot.plan_title or "（未选择方案）")
        self.matrix_model.set_snapshot(snapshot)
        self._fill_periods(keep)

    def _fill_periods(self, keep: int | None) -> None:
        table = self.periodsTable
        total = len(self.snapshot.departments)
        with QSignalBlocker(table):
            table.setRowCount(len(self.snapshot.periods))
            for row, period in enumerate(self.snapshot.periods):
                items = [
                    QTableWidgetItem(period.name),
                    QTableWidgetItem(f"{period.due_date:%Y-%m-%d}"),
                    QTableWidgetItem(period.state_label),
                    QTableWidgetItem(f"{period.submission_count}/{total}"),
                ]
                items[0].setData(Qt.ItemDataRole.UserRole, period.id)
                items[0].setToolTip(
                    "\n".join(p for p in (period.name, period.kind_label, period.note) if p)
                )
                items[2].setToolTip(period.state_hint)
                if not period.is_open:
                    for item in items:
                        item.setForeground(QBrush(QColor("#888888")))
                for column, item in enumerate(items):
                    if column:
                        item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                    table.setItem(row, column, item)
        ids = [p.id for p in self.snapshot.periods]
        if keep in ids:
            self.select_period(keep)
        elif ids:
            self.select_period(self._default_period())
        else:
            self._period_changed()

    def _default_period(self) -> int:
        """The first open period not yet due (the one being collected), else the last one."""
        today = dt.date.today()
        periods = self.snapshot.periods
        for period in periods:
            if period.is_open and period.due_date >= today:
                return period.id
        open_ = [p for p in periods if p.is_open]
        return (open_ or periods)[-1].id

    def selected_period_id(self) -> int | None:
        rows = self.periodsTable.selectionModel().selectedRows() if self.periodsTable else []
        if not rows:
            return None
        item = self.periodsTable.item(rows[0].row(), 0)
        return item.data(Qt.ItemDataRole.UserRole) if item else None

    def selected_period(self) -> PeriodRow | None:
        period_id = self.selected_period_id()
        return next((p for p in self.snapshot.periods if p.id == period_id), None)

    def select_period(self, name_or_id: str | int) -> bool:
        for row, period in enumerate(self.snapshot.periods):
            if name_or_id in (period.id, period.name):
                self.periodsTable.selectRow(row)
                self._period_changed()
                return True
        return False

    def _period_changed(self) -> None:
        period = self.selected_period()
        self.status_model.set_period(self.snapshot, period.id if period else None)
        self.matrix_model.set_selected_period(period.id if period else None)
        has = period is not None
        for button in (
            self.editPeriodButton,
            self.deletePeriodButton,
            self.closePeriodButton,
            self.generateButton,
        ):
            button.setEnabled(has)
        self.remindButton.setEnabled(has)
        self.closePeriodButton.setText("重新开放" if has and not period.is_open else "关闭期次")
        self.closePeriodButton.setToolTip(period.state_hint if has else "")
        if has and period.closed_automatically:
            # Past its due date + grace: only a later due date opens it again.
            self.closePeriodButton.setEnabled(False)
            self.closePeriodButton.setToolTip(
                period.state_hint + "如需继续收取，请修改截止日期或自动关闭天数。"
            )
        self.undoPeriodButton.setEnabled(self.snapshot.undo_text is not None)
        self.undoPeriodButton.setToolTip(self.snapshot.undo_text or undo.NOTHING_TO_UNDO)
        if self.read_only:
            for button in self._writing_buttons():
                button.setEnabled(False)
                button.setToolTip("只读：另一个窗口正在使用该数据库")
        self.graceButton.setToolTip(
            f"期次在截止日期后 {self.snapshot.grace_days} 天自动关闭（点此修改）；"
            "关闭后仍可收取逾期报送，记为逾期报送。"
        )
        if period is None:
            self.periodTitleLabel.setText("")
            self.countsLabel.setText(
                "该方案还没有报送期次：请点“按方案生成报送期次…”，"
                "方案中没有报送要求的请点“新增期次…”。"
                if not self.snapshot.periods
                else "请在左侧选择报送期次。"
            )
            return
        self.periodTitleLabel.setText(
            f"{period.name}（截止 {cn_date(period.due_date)}，{period.state_label}）"
        )
        self.periodTitleLabel.setToolTip(period.state_hint)
        counts = dict.fromkeys(tracking.STATES, 0)
        for department_id, _name in self.snapshot.departments:
            cell = self.snapshot.cells.get((department_id, period.id))
            if cell is not None:
                counts[cell.state] += 1
        parts = [
            f"<span style='background:{STATE_HEX[s]}'>&nbsp;{s} {counts[s]}&nbsp;</span>"
            for s in tracking.STATES
            if counts[s]
        ]
        warnings = "".join(
            f"<br><span style='color:#9a5b00'>⚠ {html.escape(w)}</span>"
            for w in self.snapshot.warnings
        )
        self.countsLabel.setText(
            f"应报单位 {len(self.snapshot.departments)} 个：" + "　".join(parts) + warnings
        )
        column = next(i for i, p in enumerate(self.snapshot.periods) if p.id == period.id)
        self.matrixTable.selectColumn(column)

    def _matrix_clicked(self, index: QModelIndex) -> None:
        if index.isValid():
            period = self.snapshot.periods[index.column()]
            if period.id != self.selected_period_id():
                self.select_period(period.id)

    def status_of(self, department: str) -> str | None:
        """The selected period's state of ``department`` as the table shows it."""
        return self.status_model.state_of(department)

    # --- periods ---------------------------------------------------------------------

    def _write(
        self,
        fn: Callable[[Any], Any],
        label: str,
        *,
        select: Callable[[Any], int | None] | None = None,
        changes: ChangeSet | Callable[[Any], ChangeSet] = PERIODS,
        notify: Callable[[Any], None] | None = None,
        title: str = "修改未保存",
    ) -> BackgroundTask:
        """Run ``fn(session)`` in one unit of work on the database worker; then refresh
        (selecting ``select(result)`` when given), ``notify(result)`` and announce
        ``changes``."""
        db = self.db

        def work() -> Any:
            with db.session() as session:
                return fn(session)

        def done(result: Any) -> None:
            self.refresh()
            period_id = select(result) if select is not None else None
            if period_id is not None:
                self.select_period(period_id)
            if notify is not None:
                notify(result)
            self.periodsWritten.emit(result)

        def failed(exc: BaseException) -> None:
            self.refresh()  # the database may have changed meanwhile (another clerk)
            show_error(self, exc, title)

        task = run_in_background(
            self, work, label=label, on_done=done, on_error=failed, changes=changes
        )
        return track(self._tasks, task)

    # --- a stored submission --------------------------------------------------------

    def _writing_buttons(self) -> list[QWidget]:
        """What writes to the database (disabled in a read-only window)."""
        return [
            self.proposePeriodsButton,
            self.addPeriodButton,
            self.editPeriodButton,
            self.deletePeriodButton,
            self.closePeriodButton,
            self.undoPeriodButton,
            self.graceButton,
            self.officeButton,
            self.collectButton,
        ]

    def _status_menu(self, point) -> None:
        if self.read_only:
            return
        row = self.statusTable.indexAt(point).row()
        cell = self.status_model.cell(row) if row >= 0 else None
        if cell is None or cell.submission_id is None:
            return
        menu = QMenu(self.statusTable)
        menu.addAction("修改收到日期…", lambda: self.edit_received_date(row))
        menu.exec(self.statusTable.viewport().mapToGlobal(point))

    def edit_received_date(self, row: int) -> BackgroundTask | None:
        """Ask for the date the department's file really came (逾期 is judged by it)."""
        cell = self.status_model.cell(row)
        if cell is None or cell.submission_id is None or cell.received_on is None:
            return None
        department = self.status_model.snapshot.departments[row][1]
        dialog = ReceivedDateDialog(department, cell.received_on, self)
        try:
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return None
            return self.set_received_date(cell.submission_id, dialog.day())
        finally:
            dialog.deleteLater()

    def set_received_date(self, submission_id: int, day: dt.date) -> BackgroundTask:
        user, period_id = self.user, self.selected_period_id()
        return self._write(
            lambda s: set_received_on(s, submission_id, day, user=user),
            "正在保存收到日期…",
            select=lambda _changed: period_id,
            changes=SUBMISSIONS,
        )

    def proposals(self) -> tuple[list[PeriodDraft], set[str]]:
        with self.db.session() as session:
            drafts = period_service.propose_periods_for(session, self.plan_id)
        return drafts, {p.name for p in self.snapshot.periods}

    def propose_periods(self) -> None:
        """按方案生成报送期次: show the proposals, create the ticked ones."""
        try:
            drafts, existing = self.proposals()
        except UserError as exc:
            show_error(self, exc)
            return
        dialog = ProposePeriodsDialog(drafts, existing, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.add_periods(dialog.chosen())
        dialog.deleteLater()

    def add_periods(self, drafts: list[PeriodDraft]) -> BackgroundTask | None:
        if not drafts:
            return None
        user, plan_id = self.user, self.plan_id
        return self._write(
            lambda s: period_service.create_periods(s, plan_id, drafts, user=user),
            "正在新建报送期次…",
        )

    def new_period_dialog(self) -> PeriodDialog:
        """The 新增期次 dialog, proposing the next period of each kind (not shown yet)."""
        with self.db.session() as session:
            suggestions = period_service.suggest_periods(session, self.plan_id)
        newest = max(self.snapshot.periods, key=lambda p: p.due_date, default=None)
        return PeriodDialog.for_new(
            suggestions,
            taken={p.name for p in self.snapshot.periods},
            grace_days=self.snapshot.grace_days,
            kind=newest.kind if newest is not None else None,
            parent=self,
        )

    def new_period(self) -> BackgroundTask | None:
        """新增期次…: ask for name, kind, start and due date, then store it."""
        try:
            dialog = self.new_period_dialog()
        except UserError as exc:
            show_error(self, exc)
            return None
        try:
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return None
            return self.add_period(dialog.values())
        finally:
            dialog.deleteLater()

    def add_period(self, values: PeriodValues) -> BackgroundTask:
        """Store a period the clerk entered; it is selected when done."""
        user, plan_id = self.user, self.plan_id
        return self._write(
            lambda s: period_service.add_period(
                s,
                plan_id,
                user=user,
                name=values.name,
                due_date=values.due_date,
                kind=values.kind,
                start_date=values.start_date,
            ),
            f"正在添加报送期次“{values.name}”…",
            select=lambda period_id: period_id,
        )

    def edit_period_dialog(self) -> PeriodDialog | None:
        period = self.selected_period()
        if period is None:
            return None
        return PeriodDialog.for_edit(
            period,
            taken={p.name for p in self.snapshot.periods},
            grace_days=self.snapshot.grace_days,
            parent=self,
        )

    def edit_period(self) -> BackgroundTask | None:
        """修改期次…: the selected period's name, kind, start and due date."""
        period = self.selected_period()
        dialog = self.edit_period_dialog()
        if period is None or dialog is None:
            return None
        try:
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return None
            v = dialog.values()
            return self.update_period(
                period.id, name=v.name, due_date=v.due_date, kind=v.kind, start_date=v.start_date
            )
        finally:
            dialog.deleteLater()

    def update_period(
        self,
        period_id: int,
        *,
        name: str,
        due_date: dt.date,
        kind: str | None = None,
        start_date: dt.date | None = UNSET,
    ) -> BackgroundTask:
        user = self.user
        return self._write(
            lambda s: period_service.update_period(
                s,
                period_id,
                user=user,
                name=name,
                due_date=due_date,
                kind=kind,
                start_date=start_date,
                derive_from_name=True,
            ),
            f"正在保存报送期次“{name}”…",
            select=lambda _changed: period_id,
        )

    def delete_period(self, *, ask: bool = True) -> BackgroundTask | None:
        """删除期次: asks first; a period with submissions is asked about again, backed
        up and then deleted with them (undoable)."""
        period = self.selected_period()
        if period is None:
            return None
        if period.submission_count:
            question = (
                f"报送期次“{period.name}”已收到 {period.submission_count} 个单位的报送。"
                "删除期次会同时删除这些报送记录（原件仍保留在存档中）。\n\n"
                "确定删除吗？删除前会自动备份数据库，删除后可以撤销。"
            )
        else:
            question = f"删除报送期次“{period.name}”？删除后可以撤销。"
        if ask and not confirm(self, question, "删除期次"):
            return None
        return self._delete(period.id, force=bool(period.submission_count))

    def _delete(self, period_id: int, *, force: bool) -> BackgroundTask:
        db, user = self.db, self.user

        def work() -> DeletedPeriod:
            return period_service.delete_period_with_backup(db, period_id, user=user, force=force)

        def done(result: DeletedPeriod) -> None:
            self.refresh()
            if result.submissions:  # say where the backup is
                show_info(self, result.message, "已删除")
            self.periodDeleted.emit(result)
            self.periodsWritten.emit(result)

        def failed(exc: BaseException) -> None:
            self.refresh()
            if isinstance(exc, PeriodHasSubmissions) and not force:
                # Reports arrived since the window last looked: ask again, with the figures.
                if confirm(
                    self,
                    f"{exc.message}\n\n确定删除吗？删除前会自动备份数据库，删除后可以撤销。",
                    "删除期次",
                ):
                    self._delete(period_id, force=True)
                return
            show_error(self, exc, "未删除")

        task = run_in_background(
            self,
            work,
            label="正在删除报送期次…",
            on_done=done,
            on_error=failed,
            changes=lambda result: result.changes,
        )
        return track(self._tasks, task)

    def toggle_period_open(self) -> BackgroundTask | None:
        period = self.selected_period()
        if period is None or period.closed_automatically:
            return None
        user, reopen, period_id = self.user, not period.is_open, period.id
        return self._write(
            lambda s: period_service.close_period(s, period_id, user=user, reopen=reopen),
            "正在保存…",
            select=lambda _r: period_id,
        )

    def undo_last(self, *, ask: bool = True) -> BackgroundTask | None:
        """撤销: reverse the database's last change (as 台账 → 撤销 in the ledger)."""
        text = undo_text(self.db)
        if text is None:
            show_info(self, undo.NOTHING_TO_UNDO + "。", "撤销")
            self.refresh()
            return None
        question = (
            f"{text}？\n\n这是数据库中最后一次修改，撤销后将恢复到修改前的状态，并记入操作记录。"
        )
        if ask and not confirm(self, question, "撤销"):
            return None
        user = self.user
        keep = self.selected_period_id()
        return self._write(
            lambda s: undo.undo_last(s, user=user),
            "正在撤销…",
            select=lambda _result: keep,
            changes=EVERYTHING,  # an undo can put back anything
            notify=lambda result: show_info(self, result, "已撤销"),
            title="无法撤销",
        )

    def edit_office(self) -> BackgroundTask | None:
        """本单位信息: the office's name, contact and phone its documents carry."""
        from foodsafety_desktop.ui.office_dialog import edit_office

        return edit_office(self, self.db, self.user, plan_id=self.plan_id)

    def choose_grace_days(self) -> BackgroundTask | None:
        days, ok = QInputDialog.getInt(
            self,
            "自动关闭",
            "报送期次在截止日期后多少天自动关闭？\n（关闭后仍可收取报送表，记为逾期报送）",
            self.snapshot.grace_days,
            0,
            MAX_PERIOD_GRACE_DAYS,
        )
        return self.set_grace_days(days) if ok else None

    def set_grace_days(self, days: int) -> BackgroundTask:
        user, keep = self.user, self.selected_period_id()
        return self._write(
            lambda s: set_period_grace_days(s, days, user=user),
            "正在保存…",
            select=lambda _r: keep,
        )

    # --- templates out ---------------------------------------------------------------

    def _default_folder(self, period: PeriodRow) -> Path:
        documents = QStandardPaths.writableLocation(
            QStandardPaths.StandardLocation.DocumentsLocation
        )
        name = "".join(c for c in period.name if c not in '\\/:*?"<>|')
        return Path(documents) / "报送表" / name

    def choose_and_generate(self) -> None:
        period = self.selected_period()
        if period is None:
            return
        dialog = GenerateOptionsDialog(period.name, self._default_folder(period), self)
        accepted = dialog.exec() == QDialog.DialogCode.Accepted
        folder = dialog.folderEdit.text().strip()
        prefill, make_zip = dialog.prefillCheck.isChecked(), dialog.zipCheck.isChecked()
        dialog.deleteLater()
        if accepted and folder:
            self.generate_templates(Path(folder), prefill=prefill, make_zip=make_zip)

    def generate_templates(
        self, folder: Path, *, prefill: bool = False, make_zip: bool = False
    ) -> BackgroundTask | None:
        """Write the selected period's templates into ``folder`` in the background."""
        period = self.selected_period()
        if period is None:
            return None
        db, user, period_id = self.db, self.user, period.id
        zip_name = f"{period.name}-报送表.zip" if make_zip else None
        relay = ProgressRelay(self, lambda done, total, _n: f"正在生成报送表 {done}/{total} …")

        def write() -> list[Path]:
            with db.session() as session:
                return write_all_templates(
                    session,
                    period_id,
                    folder,
                    prefill=prefill,
                    zip_name=zip_name,
                    progress=lambda done, total: relay.report(done, total),
                    user=user,
                )

        def done(paths: list[Path]) -> None:
            self.templatesGenerated.emit(paths)
            extra = f"，并打包为“{zip_name}”" if zip_name else ""
            if confirm(
                self,
                f"已生成 {len(paths)} 份报送表{extra}，保存在：\n{folder}\n\n现在打开该文件夹吗？",
                "生成完成",
            ):
                from foodsafety_desktop.core.reports.export import open_file

                try:
                    open_file(folder)
                except UserError as exc:
                    show_error(self, exc, "无法打开文件夹")

        return self._background(write, f"正在生成“{period.name}”的报送表…", done, relay)

    def _background(
        self,
        fn: Callable[[], Any],
        label: str,
        on_done: Callable[[Any], None],
        relay: ProgressRelay | None = None,
    ) -> BackgroundTask:
        task = run_in_background(self, fn, label=label, on_done=on_done)
        if relay is not None:
            relay.attach(task)
        return track(self._tasks, task)

    # --- workbooks in ----------------------------------------------------------------

    def choose_files_to_collect(self) -> None:
        documents = QStandardPaths.writableLocation(
            QStandardPaths.StandardLocation.DocumentsLocation
        )
        paths, _ = QFileDialog.getOpenFileNames(self, "导入报送表", documents, EXCEL_FILTER)
        if paths:
            self.open_collect(paths)

    def choose_folder_to_collect(self) -> None:
        documents = QStandardPaths.writableLocation(
            QStandardPaths.StandardLocation.DocumentsLocation
        )
        folder = QFileDialog.getExistingDirectory(self, "选择存放报送表的文件夹", documents)
        if folder:
            self.open_collect([folder])

    def open_collect(
        self, paths: Sequence[str | Path], *, any_period: bool = False
    ) -> CollectDialog | None:
        """Check ``paths`` (files or folders) in the CollectDialog for the selected period,
        or, with ``any_period``, for the period each file's hidden identity names."""
        chosen = excel_paths(paths)
        if not chosen:
            kinds = "、".join(ACCEPTED_SUFFIXES)
            message = f"没有可导入的文件：请选择 Excel 报送表（{kinds}）或文件夹。"
            show_error(self, UserError(message))
            return None
        period_id = None if any_period else self.selected_period_id()
        dialog = CollectDialog(self.db, chosen, period_id=period_id, parent=self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.importFinished.connect(self._collected)
        dialog.finished.connect(lambda _result: self._forget_dialog(dialog))
        self.collect_dialog = dialog
        self.collectDialogOpened.emit(dialog)
        dialog.open()
        return dialog

    def _forget_dialog(self, dialog: CollectDialog) -> None:
        if self.collect_dialog is dialog:
            self.collect_dialog = None

    def _collected(self, outcomes: list) -> None:
        # The collect dialog announced what it stored: this window refreshed from that.
        self.submissionsImported.emit(outcomes)

    def handle_dropped_urls(
        self, urls: Iterable[QUrl], *, any_period: bool = False
    ) -> CollectDialog | None:
        """What a drop does: local Excel files and folders go to the CollectDialog."""
        local = [u.toLocalFile() for u in urls if u.isLocalFile()]
        return self.open_collect(local, any_period=any_period)

    def _drop_paths(self, event) -> list[Path]:
        mime = event.mimeData()
        if not mime.hasUrls():
            return []
        return excel_paths(u.toLocalFile() for u in mime.urls() if u.isLocalFile())

    def dragEnterEvent(self, event) -> None:
        if self._drop_paths(event):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event) -> None:
        if self._drop_paths(event):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event) -> None:
        if not self._drop_paths(event):
            event.ignore()
            return
        event.acceptProposedAction()
        self.handle_dropped_urls(event.mimeData().urls())

    # --- 催报 --------------------------------------------------------------------------

    def reminder_text(self) -> str:
        period_id = self.selected_period_id()
        if period_id is None:
            return ""
        with self.db.session() as session:
            return tracking.reminder_text(session, period_id)

    def show_reminder(self) -> ReminderDialog | None:
        period_id = self.selected_period_id()
        if period_id is None:
            return None
        try:
            text = self.reminder_text()
        except UserError as exc:
            show_error(self, exc)
            return None
        dialog = ReminderDialog(self.db, period_id, text, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(lambda _result: setattr(self, "reminder_dialog", None))
        self.reminder_dialog = dialog
        dialog.open()
        return dialog
