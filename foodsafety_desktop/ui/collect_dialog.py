"""导入报送表: check returned workbooks in the background, preview them, commit the chosen ones.

Every file is checked with ``collect.check_workbook`` in its own unit of work on a worker
thread; the clerk sees per file what would be stored (new / changed / unchanged rows,
errors and warnings naming sheet and cell), accepts warnings or confirms a proposed
matching, and ``导入所选`` commits each acceptable file in its own transaction.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, QObject, QSignalBlocker, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QProgressDialog,
    QPushButton,
    QSplitter,
    QStyle,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from foodsafety_desktop.core.dates import local_date
from foodsafety_desktop.core.errors import UserError
from foodsafety_desktop.core.services import departments as dept_service
from foodsafety_desktop.core.services.collect import (
    ACCEPTED_SUFFIXES,
    FIELD_LABELS,
    NEEDS_CONFIRMATION,
    CollectOutcome,
    CollectPreview,
    RowPreview,
    check_workbook,
    commit_previews,
    outcomes_changes,
    scan_paths,
)
from foodsafety_desktop.core.services.collect.received import local_noon
from foodsafety_desktop.core.services.collect.versions import OlderVersion, older_versions
from foodsafety_desktop.core.storage.database import Database, current_user
from foodsafety_desktop.ui.background import BackgroundTask, run_in_background
from foodsafety_desktop.ui.forms import child, load_form
from foodsafety_desktop.ui.messages import show_error
from foodsafety_desktop.ui.screen import fit_on_screen

SKIPPED_SHOWN = 5  # files not collected named in the summary; the rest counted
STATE_OK = "可导入"
STATE_WARNING = "有警告"
STATE_ERROR = "有错误"
STATE_CONFIRM = "需确认匹配"
STATE_OLDER = "旧版本"
STATE_IMPORTED = "已导入"
STATE_REJECTED = "未导入"

STATE_COLORS = {
    STATE_OK: QColor("#2e7d32"),
    STATE_WARNING: QColor("#9a5b00"),
    STATE_CONFIRM: QColor("#1f5fa8"),
    STATE_ERROR: QColor("#b71c1c"),
    STATE_OLDER: QColor("#777777"),
    STATE_IMPORTED: QColor("#2e7d32"),
    STATE_REJECTED: QColor("#b71c1c"),
}
CHANGE_LABELS = {"new": "新增", "changed": "有变化", "unchanged": "未变"}
CHANGE_BRUSHES = {
    "new": QBrush(QColor("#dcf2dc")),
    "changed": QBrush(QColor("#fff1b8")),
    "unchanged": QBrush(),
}
CHANGED_CELL_BRUSH = QBrush(QColor("#ffe08a"))
UNCHANGED_COLOR = QColor("#777777")
LOW_SCORE_BRUSH = QBrush(QColor("#ffd6d6"))
# The answer columns of the rows table, in template order (SubmissionEntry fields).
ANSWER_FIELDS = ("status", "value_text", "measures", "data", "examples", "problems", "next_steps")
SHORT_FIELDS = ("status", "value_text")  # shown as "old → new" in the cell itself
ROW_HEADERS = (
    "行",
    "序号",
    "任务内容",
    "对比",
    *(FIELD_LABELS.get(f, f) for f in ANSWER_FIELDS),
    "文件中的任务内容",
    "匹配度",
)
COL_CHANGE = 3
COL_FIRST_ANSWER = 4
COL_WRITTEN = COL_FIRST_ANSWER + len(ANSWER_FIELDS)
COL_SCORE = COL_WRITTEN + 1
PATH_ROLE = Qt.ItemDataRole.UserRole + 1


class ProgressRelay(QObject):
    """Carries ``progress(done, total, name)`` from a worker to a task's progress dialog.

    The relay is created on the GUI thread, so the signal emitted by the worker is
    queued there; the worker never touches the dialog.
    """

    changed = Signal(int, int, str)

    def __init__(self, parent: QObject, label: Callable[[int, int, str], str]) -> None:
        super().__init__(parent)
        self._label = label
        self.dialog: QProgressDialog | None = None
        self.last: tuple[int, int, str] | None = None
        self.changed.connect(self._show)

    def report(self, done: int, total: int, name: str = "") -> None:
        """Called on the worker thread."""
        self.changed.emit(done, total, name)

    def attach(self, task: BackgroundTask) -> BackgroundTask:
        self.dialog = task.progress
        task.finished.connect(self._detach)
        return task

    def _detach(self) -> None:
        self.dialog = None

    def _show(self, done: int, total: int, name: str) -> None:
        self.last = (done, total, name)
        dialog = self.dialog
        if dialog is None:
            return
        dialog.setLabelText(self._label(done, total, name))
        dialog.setMaximum(max(total, 1))
        # Last: on a modal dialog setValue processes events, which may finish the task.
        dialog.setValue(min(done, max(total, 1) - 1) if total else 0)


@dataclass
class FileCheck:
    """One file of the dialog: its check result and the clerk's decisions."""

    path: Path
    preview: CollectPreview | None = None
    read_error: str | None = None  # the file could not be read at all
    accept_warnings: bool = False
    confirmed: bool = False
    include: bool = False  # the clerk's tick in the file list
    outcome: CollectOutcome | None = None
    older: OlderVersion | None = None  # a newer file of the same answer is in the batch

    @property
    def file_name(self) -> str:
        return self.path.name

    @property
    def errors(self) -> list[str]:
        if self.read_error:
            return [self.read_error]
        return [i.text() for i in self.preview.errors] if self.preview else []

    @property
    def warnings(self) -> list[str]:
        """Warnings the clerk must accept (the "needs confirmation" note is confirmed instead)."""
        if self.preview is None:
            return []
        return [
            i.text() for i in self.preview.warnings if not i.message.startswith(NEEDS_CONFIRMATION)
        ]

    @property
    def needs_confirmation(self) -> bool:
        return bool(self.preview and self.preview.needs_confirmation)

    @property
    def state(self) -> str:
        if self.outcome is not None:
            if self.outcome.older_version:
                return STATE_OLDER
            return STATE_IMPORTED if self.outcome.accepted else STATE_REJECTED
        if self.errors:
            return STATE_ERROR
        if self.older is not None:
            return STATE_OLDER
        if self.needs_confirmation:
            return STATE_CONFIRM
        if self.warnings:
            return STATE_WARNING
        return STATE_OK

    @property
    def acceptable(self) -> bool:
        """No errors, the matching confirmed when needed, the warnings accepted."""
        return (
            self.outcome is None
            and self.preview is not None
            and not self.errors
            and (self.confirmed or not self.needs_confirmation)
            and (self.accept_warnings or not self.warnings)
        )

    def blocking_reason(self) -> str:
        """Why the file is not imported (for the summary)."""
        if self.errors:
            return "；".join(self.errors[:3]) + ("……" if len(self.errors) > 3 else "")
        if self.needs_confirmation and not self.confirmed:
            return "匹配未确认"
        if self.warnings and not self.accept_warnings:
            return "有警告未接受"
        return "未勾选导入"


def _check_file(db: Database, path: Path, period_id: int | None, department_id=None) -> FileCheck:
    """Worker side: check one file in its own unit of work."""
    try:
        with db.session() as session:
            preview = check_workbook(
                session, path, period_id=period_id, department_id=department_id
            )
        return FileCheck(path, preview)
    except UserError as exc:
        return FileCheck(path, read_error=str(exc))
    except Exception as exc:  # one unreadable file must not stop the others
        return FileCheck(path, read_error=f"读取时发生意外错误（{type(exc).__name__}：{exc}）")


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _answer_key(check: FileCheck) -> tuple[int, int] | None:
    """(period, department) of a file that could be imported, else None."""
    preview = check.preview
    if preview is None or preview.errors:
        return None
    if preview.period_id is None or preview.department_id is None:
        return None
    return preview.period_id, preview.department_id


def _versions_together(files: list[FileCheck]) -> list[FileCheck]:
    """Mark the older versions (``collect.versions``) and list the files of one
    department's answer next to each other, the newest first."""
    older = older_versions([f.preview for f in files])
    for index, check in enumerate(files):
        check.older = older.get(index)
    first: dict[tuple[int, int], int] = {}
    for index, check in enumerate(files):
        key = _answer_key(check)
        if key is not None:
            first.setdefault(key, index)

    def place(item: tuple[int, FileCheck]) -> tuple[int, int, int]:
        index, check = item
        key = _answer_key(check)
        group = first[key] if key is not None else index
        return group, 0 if check.older is None else 1, index

    return [check for _index, check in sorted(enumerate(files), key=place)]


def _same_answer(files: list[FileCheck], check: FileCheck) -> list[FileCheck]:
    """The other files answering for the same department and period."""
    key = _answer_key(check)
    if key is None:
        return []
    return [f for f in files if f is not check and _answer_key(f) == key]


class CollectDialog(QDialog):
    """导入报送表: the preview of returned workbooks and the import of the chosen ones.

    ``CollectDialog(db, paths, period_id=None, parent=None)``: ``paths`` are files or
    folders; ``period_id`` is the period being collected (a file of another period is an
    error).  Checks start at once; ``checked`` is True and ``checksFinished`` fires when
    they are done.  After ``import_selected()`` finishes, ``results`` holds one
    ``CollectOutcome`` per file and ``importFinished(results)`` fires.

    Widgets by objectName: ``filesList``, ``issuesList``, ``acceptWarningsCheck``,
    ``confirmMatchCheck``, ``departmentCombo``, ``rowsTable``, ``rowDetail``,
    ``summaryLabel``, ``importButton``, ``closeButton``.
    """

    checksFinished = Signal()
    importFinished = Signal(object)  # list[CollectOutcome]

    def __init__(
        self,
        db: Database,
        paths: Sequence[str | Path],
        *,
        period_id: int | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.db = db
        self.period_id = period_id
        self.user = current_user()
        scan = scan_paths(paths)
        self.paths = scan.files
        self.skipped = scan.skipped  # other files of the folders, each with its reason
        self.files: list[FileCheck] = []
        self.results: list[CollectOutcome] = []
        self.checked = False
        self.imported = False
        self.summary_text = ""
        self._task: BackgroundTask | None = None
        self._period_name = ""
        if period_id is not None:
            from foodsafety_desktop.core.services.periods import get_period

            with db.session() as session:
                try:
                    self._period_name = get_period(session, period_id).name
                except UserError:
                    self.period_id = None

        self.setWindowTitle("导入报送表")
        self.setWindowFlag(Qt.WindowType.WindowMaximizeButtonHint, True)
        self.form = load_form("collect_preview", self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 10, 10, 10)
        layout.addWidget(self.form)
        self._find_widgets()
        self._setup()
        fit_on_screen(self, 1280, 780)
        self.splitter.setSizes([360, 920])
        self._show_file(None)
        self._update_buttons()
        self.start_checks()

    # --- widgets ---------------------------------------------------------------------

    def _find_widgets(self) -> None:
        f = self.form
        self.summaryLabel = child(f, QLabel, "summaryLabel")
        self.splitter = child(f, QSplitter, "splitter")
        self.filesList = child(f, QListWidget, "filesList")
        self.fileTitleLabel = child(f, QLabel, "fileTitleLabel")
        self.departmentLabel = child(f, QLabel, "departmentLabel")
        self.departmentCombo = child(f, QComboBox, "departmentCombo")
        self.periodLabel = child(f, QLabel, "periodLabel")
        self.reporterLabel = child(f, QLabel, "reporterLabel")
        self.comparedLabel = child(f, QLabel, "comparedLabel")
        self.rowsCountLabel = child(f, QLabel, "rowsCountLabel")
        self.receivedEdit = child(f, QDateEdit, "receivedEdit")
        self.receivedNote = child(f, QLabel, "receivedNote")
        self.issuesList = child(f, QListWidget, "issuesList")
        self.confirmMatchCheck = child(f, QCheckBox, "confirmMatchCheck")
        self.acceptWarningsCheck = child(f, QCheckBox, "acceptWarningsCheck")
        self.rowsTable = child(f, QTableWidget, "rowsTable")
        self.rowDetail = child(f, QTextBrowser, "rowDetail")
        self.legendLabel = child(f, QLabel, "legendLabel")
        self.importButton = child(f, QPushButton, "importButton")
        self.closeButton = child(f, QPushButton, "closeButton")
        # 退回修改… of the current file once it is stored (imported now or before).
        self.returnButton = QPushButton("退回修改…", f)
        self.returnButton.setObjectName("returnButton")
        self.returnButton.setToolTip("把当前文件退回该单位修改，填写逐行的退回意见")
        # In the row of 导入所选 (a layout inside the dialog's own: look it up by name).
        buttons = f.findChild(QHBoxLayout, "buttonsLayout")
        buttons.insertWidget(buttons.indexOf(self.importButton), self.returnButton)
        self.return_dialog: QDialog | None = None

    def _setup(self) -> None:
        self.filesList.currentRowChanged.connect(self._current_file_changed)
        self.filesList.itemChanged.connect(self._file_item_changed)
        self.acceptWarningsCheck.toggled.connect(self._accept_toggled)
        self.confirmMatchCheck.toggled.connect(self._confirm_toggled)
        self.departmentCombo.activated.connect(self._department_chosen)
        self.receivedEdit.setMaximumDate(QDate.currentDate())
        self.receivedEdit.dateChanged.connect(self._received_changed)
        self.importButton.clicked.connect(self.import_selected)
        self.closeButton.clicked.connect(self.reject)
        self.returnButton.clicked.connect(self.open_return_dialog)
        table = self.rowsTable
        table.setColumnCount(len(ROW_HEADERS))
        table.setHorizontalHeaderLabels(list(ROW_HEADERS))
        table.verticalHeader().hide()
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        widths = [44, 48, 300, 64, 150, 90, 240, 110, 110, 110, 110, 240, 60]
        for column, width in enumerate(widths):
            table.setColumnWidth(column, width)
        table.currentCellChanged.connect(lambda row, *_: self._show_row_detail(row))
        self.legendLabel.setText(
            "对比：<span style='background:#dcf2dc'>&nbsp;新增&nbsp;</span> "
            "<span style='background:#ffe08a'>&nbsp;有变化的内容（原 → 新）&nbsp;</span> "
            "<span style='color:#777'>未变</span>"
        )
        with self.db.session() as session:
            rows = dept_service.list_departments(session)
        for row in sorted(rows, key=lambda r: r.name):
            self.departmentCombo.addItem(row.name, row.id)
        self.departmentCombo.hide()
        self.summaryLabel.setText(f"正在检查 {len(self.paths)} 份文件……")

    # --- checking --------------------------------------------------------------------

    def start_checks(self) -> BackgroundTask | None:
        """Check every file on a worker thread, each in its own session."""
        if not self.paths:
            self.summaryLabel.setText(
                html.escape(f"没有找到可导入的 Excel 报送表（{'、'.join(ACCEPTED_SUFFIXES)}）。")
                + self._skipped_html()
            )
            self._checks_done([])
            return None
        db, paths, period_id = self.db, list(self.paths), self.period_id
        relay = ProgressRelay(self, lambda done, total, name: f"正在检查 {done}/{total} …\n{name}")

        def check_all() -> list[FileCheck]:
            out = []
            total = len(paths)
            for done, path in enumerate(paths, start=1):
                relay.report(done, total, path.name)
                out.append(_check_file(db, path, period_id))
            return out

        task = run_in_background(
            self,
            check_all,
            label=f"正在检查 0/{len(paths)} …",
            on_done=self._checks_done,
            on_error=self._task_failed,
        )
        self._task = relay.attach(task)
        self._update_buttons()
        return task

    def _task_failed(self, exc: BaseException) -> None:
        self._task = None
        show_error(self, exc)
        self.checked = True
        self._update_buttons()

    def _checks_done(self, files: list[FileCheck]) -> None:
        self._task = None
        self.files = _versions_together(files)
        for check in self.files:
            check.include = check.acceptable and check.older is None
        self.checked = True
        self._fill_files()
        if files:
            first = next((i for i, f in enumerate(files) if f.state != STATE_OK), 0)
            self.filesList.setCurrentRow(first)
        self._update_summary()
        self._update_buttons()
        self.checksFinished.emit()

    def recheck(self, index: int, department_id: int | None) -> BackgroundTask:
        """Check one file again with the clerk's choice of department (files without identity)."""
        db, path, period_id = self.db, self.files[index].path, self.period_id

        earlier = self.files[index].preview
        chosen_received = earlier.received_at if earlier is not None else None

        def again(check: FileCheck) -> None:
            self._task = None
            if check.preview is not None:  # the clerk's receipt date stays
                check.preview.received_at = chosen_received
            self.files[index] = check
            self.files = _versions_together(self.files)
            check.include = check.acceptable and check.older is None
            self._fill_files()
            row = self.files.index(check)
            self.filesList.setCurrentRow(row)
            self._show_file(row)
            self._update_summary()
            self._update_buttons()
            self.checksFinished.emit()

        task = run_in_background(
            self,
            lambda: _check_file(db, path, period_id, department_id),
            label=f"正在重新检查“{path.name}”…",
            on_done=again,
            on_error=self._task_failed,
        )
        self._task = task
        self._update_buttons()
        return task

    # --- the file list ---------------------------------------------------------------

    def _fill_files(self) -> None:
        with QSignalBlocker(self.filesList):
            self.filesList.clear()
            for index in range(len(self.files)):
                item = QListWidgetItem()
                self.filesList.addItem(item)
                self._refresh_item(index)

    def _state_icon(self, state: str):
        pixmap = {
            STATE_OK: QStyle.StandardPixmap.SP_DialogApplyButton,
            STATE_IMPORTED: QStyle.StandardPixmap.SP_DialogApplyButton,
            STATE_WARNING: QStyle.StandardPixmap.SP_MessageBoxWarning,
            STATE_CONFIRM: QStyle.StandardPixmap.SP_MessageBoxQuestion,
            STATE_ERROR: QStyle.StandardPixmap.SP_MessageBoxCritical,
            STATE_OLDER: QStyle.StandardPixmap.SP_MessageBoxInformation,
            STATE_REJECTED: QStyle.StandardPixmap.SP_MessageBoxCritical,
        }[state]
        return self.style().standardIcon(pixmap)

    def state_text(self, index: int) -> str:
        """The file's state as the list shows it (可导入 / 有警告 / 有错误 / 需确认匹配 …)."""
        check = self.files[index]
        state = check.state
        if state == STATE_CONFIRM and check.confirmed:
            return "需确认匹配（已确认）"
        if state == STATE_WARNING and check.accept_warnings:
            return "有警告（已接受）"
        if state == STATE_ERROR:
            return f"有错误：{check.errors[0]}"
        if state == STATE_REJECTED and check.outcome is not None and check.outcome.errors:
            return f"未导入：{check.outcome.errors[0]}"
        return state

    def _refresh_item(self, index: int) -> None:
        check = self.files[index]
        item = self.filesList.item(index)
        if item is None:
            return
        with QSignalBlocker(self.filesList):
            state = check.state
            who = check.preview.department_name if check.preview else ""
            line = self.state_text(index)
            room = 24 - len(who)
            if len(line) > room:
                line = line[: room - 1] + "…"
            item.setText(f"{check.file_name}\n{who + '　' if who else ''}{line}")
            item.setIcon(self._state_icon(state))
            item.setForeground(QBrush(STATE_COLORS[state]))
            item.setData(PATH_ROLE, str(check.path))
            tips = [str(check.path), self.state_text(index)]
            tips += [f"错误：{e}" for e in check.errors[:10]]
            tips += [f"警告：{w}" for w in check.warnings[:10]]
            item.setToolTip("\n".join(tips))
            flags = Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEnabled
            if check.acceptable:
                flags |= Qt.ItemFlag.ItemIsUserCheckable
            item.setFlags(flags)
            # After the import the box shows what happened (and can no longer be changed).
            if check.outcome is None:
                checked = check.include and check.acceptable
            else:
                checked = check.outcome.accepted
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)

    def _file_item_changed(self, item: QListWidgetItem) -> None:
        index = self.filesList.row(item)
        if 0 <= index < len(self.files):
            check = self.files[index]
            check.include = item.checkState() == Qt.CheckState.Checked
            if check.include:  # one version of a department's answer: the one chosen
                for other in _same_answer(self.files, check):
                    if other.include:
                        other.include = False
                        self._refresh_item(self.files.index(other))
            self._update_summary()
            self._update_buttons()

    def index_of(self, name: str) -> int:
        """The index of the file named ``name`` (its file name or full path)."""
        for index, check in enumerate(self.files):
            if name in (check.file_name, str(check.path)):
                return index
        raise KeyError(name)

    def select_file(self, name: str) -> None:
        self.filesList.setCurrentRow(self.index_of(name))

    def current_index(self) -> int | None:
        row = self.filesList.currentRow()
        return row if 0 <= row < len(self.files) else None

    def _current_file_changed(self, row: int) -> None:
        self._show_file(row if 0 <= row < len(self.files) else None)
        self._update_buttons()

    def stored_submission_id(self, index: int | None) -> int | None:
        """The stored submission of file ``index``: imported in this dialog, or a file
        imported before (same content); None otherwise."""
        if index is None or not 0 <= index < len(self.files):
            return None
        check = self.files[index]
        if check.outcome is not None and check.outcome.accepted:
            return check.outcome.submission_id
        if check.preview is not None and check.preview.already_imported:
            from foodsafety_desktop.core.services.returns import submission_for_file

            try:
                return submission_for_file(self.db, check.preview.sha256)
            except Exception:
                return None
        return None

    def open_return_dialog(self) -> QDialog | None:
        """退回修改… of the current file's stored submission (window-modal)."""
        from foodsafety_desktop.ui.return_dialog import ReturnDialog

        submission_id = self.stored_submission_id(self.current_index())
        if submission_id is None or self._task is not None:
            return None
        try:
            dialog = ReturnDialog(self.db, submission_id, parent=self)
        except Exception as exc:
            show_error(self, exc)
            return None
        self.return_dialog = dialog
        dialog.open()
        return dialog

    # --- the decisions ---------------------------------------------------------------

    def set_accept_warnings(self, index: int, accept: bool) -> None:
        check = self.files[index]
        check.accept_warnings = accept
        check.include = check.acceptable
        self._decision_changed(index)

    def set_confirmed(self, index: int, confirmed: bool) -> None:
        check = self.files[index]
        check.confirmed = confirmed
        check.include = check.acceptable
        self._decision_changed(index)

    def _decision_changed(self, index: int) -> None:
        self._refresh_item(index)
        if self.current_index() == index:
            self._show_decisions(self.files[index])
        self._update_summary()
        self._update_buttons()

    def _accept_toggled(self, on: bool) -> None:
        index = self.current_index()
        if index is not None:
            self.set_accept_warnings(index, on)

    def _confirm_toggled(self, on: bool) -> None:
        index = self.current_index()
        if index is not None:
            self.set_confirmed(index, on)

    def _department_chosen(self, _row: int) -> None:
        index = self.current_index()
        department_id = self.departmentCombo.currentData()
        if index is None or department_id is None:
            return
        preview = self.files[index].preview
        if preview is not None and preview.department_id == department_id:
            return
        self.recheck(index, department_id)

    # --- the detail pane -------------------------------------------------------------

    def _show_file(self, index: int | None) -> None:
        check = self.files[index] if index is not None else None
        self.form.findChild(QWidget, "detailPane").setEnabled(check is not None)
        if check is None:
            self.fileTitleLabel.setText("")
            for label in (
                self.departmentLabel,
                self.periodLabel,
                self.reporterLabel,
                self.comparedLabel,
                self.rowsCountLabel,
            ):
                label.setText("")
            self.issuesList.clear()
            self.rowsTable.setRowCount(0)
            self.rowDetail.clear()
            self._show_decisions(None)
            return
        preview = check.preview
        self.fileTitleLabel.setText(f"{check.file_name}　—　{check.state}")
        self.fileTitleLabel.setToolTip(str(check.path))
        self.departmentLabel.setText(preview.department_name if preview else "")
        if preview and preview.period_name:
            due = f"（截止 {preview.due_date:%Y-%m-%d}）" if preview.due_date else ""
            self.periodLabel.setText(f"{preview.period_name}{due}")
        else:
            self.periodLabel.setText("")
        if preview:
            who = "，".join(p for p in (preview.reporter, preview.phone) if p)
            filled = f"（填报日期 {preview.filled_on}）" if preview.filled_on else ""
            self.reporterLabel.setText(f"{who}{filled}" if who or filled else "（未填写）")
            self.comparedLabel.setText(self._compared_text(preview))
            self._show_received(preview)
            counts = preview.counts()
            matched = "按隐藏标识匹配" if preview.matched_by == "identity" else "推测匹配，需确认"
            self.rowsCountLabel.setText(
                f"{len(preview.rows)} 行（应有 {preview.expected_rows} 行）："
                f"新增 {counts['new']}，有变化 {counts['changed']}，未变 {counts['unchanged']}"
                f"；{matched}"
            )
        else:
            self.reporterLabel.setText("")
            self.comparedLabel.setText("")
            self._show_received(None)
            self.rowsCountLabel.setText("文件无法读取")
        self._fill_issues(check)
        self._fill_rows(preview)
        self._show_decisions(check)

    def _show_received(self, preview: CollectPreview | None) -> None:
        """The receipt date (逾期 is judged by it), what it rests on, late or not."""
        self.receivedEdit.setEnabled(preview is not None and not self.imported)
        if preview is None:
            self.receivedNote.setText("")
            return
        moment, basis = preview.received_basis()
        day = local_date(moment)
        with QSignalBlocker(self.receivedEdit):
            self.receivedEdit.setDate(QDate(day.year, day.month, day.day))
        note = f"（{basis}）"
        if preview.due_date is not None and day > preview.due_date:
            note += f"　晚于截止日期 {(day - preview.due_date).days} 天，将记为逾期报送"
        self.receivedNote.setText(note)

    def _received_changed(self, date: QDate) -> None:
        """The clerk knows when the file came: it is kept for the import."""
        index = self.current_index()
        if index is None or self.files[index].preview is None:
            return
        preview = self.files[index].preview
        preview.received_at = local_noon(dt.date(date.year(), date.month(), date.day()))
        self._show_received(preview)

    def _compared_text(self, preview: CollectPreview) -> str:
        if preview.compared_with == "current":
            return "本期已收到的报送（本次导入将替换它，原报送保留在历史中）"
        if preview.compared_with == "previous":
            return "该单位上一期的报送"
        if preview.period_id is None:
            return ""
        return "无（该单位首次报送）"

    def _fill_issues(self, check: FileCheck) -> None:
        self.issuesList.clear()
        error_icon = self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxCritical)
        warn_icon = self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
        info_icon = self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxInformation)
        if check.older is not None and check.outcome is None:
            item = QListWidgetItem(info_icon, check.older.text())
            item.setForeground(QBrush(STATE_COLORS[STATE_OLDER]))
            self.issuesList.addItem(item)
        for text in check.errors:
            item = QListWidgetItem(error_icon, f"错误：{text}")
            item.setForeground(QBrush(STATE_COLORS[STATE_ERROR]))
            self.issuesList.addItem(item)
        if check.preview is not None:
            for issue in check.preview.warnings:
                note = issue.message.startswith(NEEDS_CONFIRMATION)
                item = QListWidgetItem(info_icon if note else warn_icon, f"警告：{issue.text()}")
                item.setForeground(QBrush(STATE_COLORS[STATE_CONFIRM if note else STATE_WARNING]))
                self.issuesList.addItem(item)
        if check.outcome is not None:
            for text in check.outcome.errors:
                if text not in check.errors:
                    item = QListWidgetItem(error_icon, f"未导入：{text}")
                    item.setForeground(QBrush(STATE_COLORS[STATE_ERROR]))
                    self.issuesList.addItem(item)
        if self.issuesList.count() == 0:
            item = QListWidgetItem(
                self.style().standardIcon(QStyle.StandardPixmap.SP_DialogApplyButton),
                "检查通过，没有错误和警告。",
            )
            item.setForeground(QBrush(STATE_COLORS[STATE_OK]))
            self.issuesList.addItem(item)
        self.issuesList.setVisible(True)

    def _show_decisions(self, check: FileCheck | None) -> None:
        open_ = check is not None and check.outcome is None and not check.errors
        with QSignalBlocker(self.confirmMatchCheck), QSignalBlocker(self.acceptWarningsCheck):
            self.confirmMatchCheck.setVisible(bool(check and check.needs_confirmation))
            self.confirmMatchCheck.setEnabled(open_)
            self.confirmMatchCheck.setChecked(bool(check and check.confirmed))
            self.acceptWarningsCheck.setVisible(bool(check and check.warnings))
            self.acceptWarningsCheck.setEnabled(open_)
            self.acceptWarningsCheck.setChecked(bool(check and check.accept_warnings))
        proposed = bool(check and check.needs_confirmation and check.outcome is None)
        self.departmentCombo.setVisible(proposed)
        self.departmentLabel.setVisible(not proposed)
        if proposed and check.preview is not None:
            with QSignalBlocker(self.departmentCombo):
                department_id = check.preview.department_id
                found = (
                    -1 if department_id is None else self.departmentCombo.findData(department_id)
                )
                self.departmentCombo.setCurrentIndex(found)
        columns_visible = bool(check and check.preview and check.preview.matched_by == "proposed")
        self.rowsTable.setColumnHidden(COL_WRITTEN, not columns_visible)
        self.rowsTable.setColumnHidden(COL_SCORE, not columns_visible)

    def _fill_rows(self, preview: CollectPreview | None) -> None:
        table = self.rowsTable
        rows = preview.rows if preview else []
        table.setRowCount(len(rows))
        self._rows = rows
        bold = QFont()
        bold.setBold(True)
        for r, row in enumerate(rows):
            base = [str(row.sheet_row), row.seq, row.task_text]
            for column, text in enumerate(base):
                item = QTableWidgetItem(text)
                item.setToolTip(text if column == 2 else "")
                table.setItem(r, column, item)
            change = QTableWidgetItem(CHANGE_LABELS[row.change])
            change.setBackground(CHANGE_BRUSHES[row.change])
            if row.change != "unchanged":
                change.setFont(bold)
            table.setItem(r, COL_CHANGE, change)
            for offset, key in enumerate(ANSWER_FIELDS):
                table.setItem(r, COL_FIRST_ANSWER + offset, self._answer_item(row, key))
            written = QTableWidgetItem(row.written_text)
            written.setToolTip(row.written_text)
            table.setItem(r, COL_WRITTEN, written)
            score = QTableWidgetItem(f"{row.score:.0f}%")
            score.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            if row.score < 80:
                score.setBackground(LOW_SCORE_BRUSH)
            table.setItem(r, COL_SCORE, score)
        if rows:
            with QSignalBlocker(table):
                table.setCurrentCell(0, 0)
        self._show_row_detail(0)

    def _answer_item(self, row: RowPreview, key: str) -> QTableWidgetItem:
        new = _text(row.values.get(key))
        item = QTableWidgetItem()
        if key in row.changed_fields and row.previous is not None:
            old = _text(row.previous.get(key))
            shown = f"{old or '（空）'} → {new or '（空）'}" if key in SHORT_FIELDS else new
            item.setText(shown or "（已清空）")
            item.setBackground(CHANGED_CELL_BRUSH)
            item.setToolTip(f"原：{old or '（空）'}\n新：{new or '（空）'}")
        else:
            item.setText(new)
            item.setToolTip(new if len(new) > 12 else "")
            if row.change == "unchanged":
                item.setForeground(QBrush(UNCHANGED_COLOR))
        return item

    def _show_row_detail(self, r: int) -> None:
        rows = getattr(self, "_rows", [])
        if not 0 <= r < len(rows):
            self.rowDetail.clear()
            return
        row = rows[r]
        esc = html.escape
        parts = [
            f"<b>第 {row.sheet_row} 行　序号 {esc(row.seq)}</b>　"
            f"{esc(CHANGE_LABELS[row.change])}<br>{esc(row.task_text)}"
        ]
        for key in ANSWER_FIELDS:
            new = _text(row.values.get(key))
            label = esc(FIELD_LABELS.get(key, key))
            if key in row.changed_fields and row.previous is not None:
                old = _text(row.previous.get(key))
                parts.append(
                    f"<b>{label}</b>：<span style='color:#777'>{esc(old) or '（空）'}</span>"
                    f" → <span style='background:#ffe08a'>{esc(new) or '（空）'}</span>"
                )
            elif new:
                parts.append(f"<b>{label}</b>：{esc(new)}")
        self.rowDetail.setHtml("<br>".join(parts))

    # --- summary and buttons ---------------------------------------------------------

    def selected_indexes(self) -> list[int]:
        return [i for i, f in enumerate(self.files) if f.include and f.acceptable]

    def _update_summary(self) -> None:
        if self.imported:
            return
        counts = dict.fromkeys(
            (STATE_OK, STATE_WARNING, STATE_CONFIRM, STATE_ERROR, STATE_OLDER), 0
        )
        for check in self.files:
            if check.state in counts:
                counts[check.state] += 1
        period = (
            f"当前收取期次：<b>{html.escape(self._period_name)}</b>。" if self._period_name else ""
        )
        chosen = len(self.selected_indexes())
        older = counts[STATE_OLDER]
        self.summary_text = (
            f"共 {len(self.files)} 份文件：可导入 {counts[STATE_OK]}，有警告 "
            f"{counts[STATE_WARNING]}，需确认匹配 {counts[STATE_CONFIRM]}，有错误 "
            f"{counts[STATE_ERROR]}"
            + (f"，旧版本 {older}（同一单位本期有更新的文件）" if older else "")
            + f"。已勾选 {chosen} 份。"
        )
        self.summaryLabel.setText(
            f"{html.escape(self.summary_text)}{period}<br>"
            "有错误的文件不会导入；有警告的文件勾选“接受警告”、推测匹配的文件勾选“确认匹配”"
            "后才能导入。每份文件单独保存，要么全部导入，要么完全不导入。" + self._skipped_html()
        )

    def _skipped_html(self) -> str:
        """The files of the chosen folders that are not collected, each with its reason."""
        if not self.skipped:
            return ""
        shown = [f"{path.name}（{reason}）" for path, reason in self.skipped[:SKIPPED_SHOWN]]
        more = len(self.skipped) - len(shown)
        text = f"另有 {len(self.skipped)} 个文件未收取：" + "；".join(shown)
        if more:
            text += f"……等（另 {more} 个）"
        return "<br><span style='color:#8a6d00'>" + html.escape(text) + "</span>"

    def _update_buttons(self) -> None:
        busy = self._task is not None
        self.importButton.setEnabled(
            self.checked and not busy and not self.imported and bool(self.selected_indexes())
        )
        chosen = len(self.selected_indexes())
        self.importButton.setText(f"导入所选（{chosen} 份）" if chosen else "导入所选")
        self.filesList.setEnabled(not busy)
        self.closeButton.setText("完成" if self.imported else "关闭")
        self.returnButton.setEnabled(
            not busy and self.stored_submission_id(self.current_index()) is not None
        )

    # --- committing ------------------------------------------------------------------

    def import_selected(self) -> BackgroundTask | None:
        """Commit every chosen acceptable file in the background (``commit_previews``)."""
        chosen = self.selected_indexes()
        if not chosen or self._task is not None or self.imported:
            return None
        db, user = self.db, self.user
        reviewed = [(self.files[i].preview, self.files[i].confirmed) for i in chosen]
        names = [preview.file_name for preview, _ in reviewed]
        relay = ProgressRelay(self, lambda done, total, name: f"正在导入 {done}/{total} …\n{name}")

        def progress(done: int, total: int) -> None:
            if done < total:
                relay.report(done + 1, total, names[done])

        def commit_all() -> dict[int, CollectOutcome]:
            outcomes = commit_previews(db, reviewed, user=user, progress=progress)
            return dict(zip(chosen, outcomes, strict=True))

        task = run_in_background(
            self,
            commit_all,
            label=f"正在导入 0/{len(reviewed)} …",
            on_done=self._import_done,
            changes=lambda outcomes: outcomes_changes(list(outcomes.values())),
            on_error=self._task_failed,
        )
        self._task = relay.attach(task)
        self._update_buttons()
        return task

    def _import_done(self, outcomes: dict[int, CollectOutcome]) -> None:
        self._task = None
        results: list[CollectOutcome] = []
        for index, check in enumerate(self.files):
            outcome = outcomes.get(index)
            if outcome is None:
                preview = check.preview
                outcome = CollectOutcome(
                    path=check.path,
                    accepted=False,
                    department=preview.department_name if preview else "",
                    period=preview.period_name if preview else "",
                    errors=check.errors or [check.blocking_reason()],
                    warnings=check.warnings,
                    counts=preview.counts() if preview else {},
                )
                if check.older is not None and not check.errors:
                    outcome.older_version = True
                    outcome.errors = [check.older.text()]
            check.outcome = outcome
            results.append(outcome)
        self.results = results
        self.imported = True
        for index in range(len(self.files)):
            self._refresh_item(index)
        current = self.current_index()
        self._show_file(current)
        self._show_summary(results)
        self._update_buttons()
        self.importFinished.emit(results)

    def _show_summary(self, results: list[CollectOutcome]) -> None:
        accepted = [r for r in results if r.accepted]
        older = [r for r in results if r.older_version]
        rejected = [r for r in results if not r.accepted and not r.older_version]
        head = f"{len(accepted)} 份已导入"
        if older:
            head += f"，{len(older)} 份是旧版本（同一单位本期有更新的文件），未导入"
        lines = [f"{head}，{len(rejected)} 份未导入。" if rejected else f"{head}。"]
        lines += [f"· 已导入：{r.file_name}（{r.department}）" for r in accepted]
        for r in rejected:
            reason = r.errors[0] if r.errors else "未导入"
            more = f"（共 {len(r.errors)} 个问题）" if len(r.errors) > 1 else ""
            lines.append(f"· 未导入：{r.file_name}——{reason}{more}")
        lines += [f"· 旧版本：{r.file_name}（{r.department}）" for r in older]
        self.summary_text = "\n".join(lines)
        style = (
            "#eaf6ea; border: 1px solid #9fcf9f"
            if not rejected
            else "#fff7d6; border: 1px solid #e6c35c"
        )
        self.summaryLabel.setStyleSheet(
            f"QLabel#summaryLabel {{ background: {style}; border-radius: 3px; padding: 6px 8px; }}"
        )
        self.summaryLabel.setText(
            "<b>导入完成：</b>"
            + "<br>".join(html.escape(line) for line in lines)
            + self._skipped_html()
        )

    # --- closing ---------------------------------------------------------------------

    def reject(self) -> None:
        if self._task is not None:
            return  # a check or an import is running; it cannot be interrupted halfway
        super().reject()

    def closeEvent(self, event) -> None:
        if self._task is not None:
            event.ignore()
            return
        super().closeEvent(event)
