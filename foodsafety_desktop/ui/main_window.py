"""The main window: plan picker, filters, the 工作台账 tree, the task detail panel.

Every change goes through the core services (``ledger``, ``plan_import``,
``plan_update``, ``plan_admin``, ``ledger_export``) in its own unit of work; imports,
updates, deletes of plans and exports run in the background.  The 方案 menu archives
(归档), shows archived plans and deletes the current plan (backed up first, undoable).
What the window needs only on demand (reporting, import, export, printing, backups) is
imported when first used, so the window shows without loading it
(tests/ui/test_lazy_imports.py; figures in tests/benchmarks/README.md).
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QStandardPaths, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QSplitter,
    QStyle,
    QTabWidget,
    QTextBrowser,
    QToolBar,
    QTreeView,
    QWidget,
)

from foodsafety_desktop import __version__
from foodsafety_desktop.core.changes import DEPARTMENTS, EVERYTHING, EVIDENCE, TASKS, ChangeSet
from foodsafety_desktop.core.terms import KIND_DEPARTMENT, KIND_GROUP, STATUSES
from foodsafety_desktop.ui import messages
from foodsafety_desktop.ui.background import BackgroundTask, Changes, run_in_background, track
from foodsafety_desktop.ui.changes import OutsideChanges, announce, listen
from foodsafety_desktop.ui.evidence_panel import EvidencePanel
from foodsafety_desktop.ui.forms import child, load_form
from foodsafety_desktop.ui.history_dialog import (
    HistoryDialog,
    last_change,
    run_undo,
    undo_question,
    undo_text,
)
from foodsafety_desktop.ui.ledger_model import (
    COL_DEADLINE,
    COL_INDICATORS,
    COL_LABEL,
    COL_LEAD,
    COL_RESPONSIBLE,
    COL_STATUS,
    COL_TASK,
    LedgerModel,
    StatusDelegate,
)
from foodsafety_desktop.ui.screen import fit_on_screen

if TYPE_CHECKING:
    from foodsafety_desktop.core.services import ledger, plan_admin, plan_import, plan_update
    from foodsafety_desktop.core.services.ledger import LedgerFilter, LedgerRow, PlanSummary
    from foodsafety_desktop.core.storage.database import Database
    from foodsafety_desktop.ui.assessment_window import AssessmentWindow
    from foodsafety_desktop.ui.overview_window import OverviewWindow
    from foodsafety_desktop.ui.reporting_window import ReportingWindow
    from foodsafety_desktop.ui.summary_editor import SummaryEditor

APP_TITLE = "食安台账"
# The day the start-up warnings were last shown on this PC (once a day).
WARNINGS_SHOWN_FILE = "warnings_shown.txt"
MAX_WARNINGS_SHOWN = 5


def first_time_today(marker: Path, today: dt.date) -> bool:
    """Whether ``today`` is a new day for ``marker`` (then it is written): the warnings
    are not repeated within a day, also across restarts."""
    try:
        if marker.read_text(encoding="utf-8").strip() == today.isoformat():
            return False
    except OSError:
        pass
    try:
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.write_text(today.isoformat(), encoding="utf-8")
    except OSError:
        pass  # shown again next start: better than never
    return True


DEMO_SUFFIX = "（演示数据）"
ALL_DEPARTMENTS = "全部部门"
ALL_STATUSES = "全部状态"
SEARCH_DELAY_MS = 300
# Every suffix core.plans.reader reads (tests/ui/test_main_window.py checks they agree).
PLAN_FILE_FILTER = ";;".join(
    (
        "方案文件 (*.docx *.doc *.wps *.dot *.wpt *.rtf *.pdf *.xlsx *.xlsm *.xls *.et"
        " *.txt *.md *.markdown)",
        "Word/WPS 文档 (*.docx *.doc *.wps *.dot *.wpt *.rtf)",
        "PDF 文件 (*.pdf)",
        "任务分工表 (*.xlsx *.xlsm *.xls *.et)",
        "文本文件 (*.txt *.md *.markdown)",
        "所有文件 (*)",
    )
)
# Formats read through a conversion by Word, WPS or LibreOffice: it can take a while.
CONVERTED_SUFFIXES = (".doc", ".wps", ".dot", ".wpt", ".rtf")
COLUMN_WIDTHS = {
    COL_LABEL: 104,  # room for "（十一）" after two levels of indentation
    COL_TASK: 390,
    COL_LEAD: 160,
    COL_RESPONSIBLE: 200,
    COL_DEADLINE: 110,
    COL_INDICATORS: 160,
    COL_STATUS: 72,
}
KIND_ORDER = {KIND_DEPARTMENT: 0, KIND_GROUP: 2}


class MainWindow(QMainWindow):
    """食安台账's main window over one open database."""

    planImported = Signal(int)  # plan id, after an import committed
    planUpdated = Signal(int)  # plan id, after an update from a new file committed
    planDeleted = Signal(int)  # plan id, after a delete committed
    undoFinished = Signal(str)  # the result text of an undo run in the background
    reviewDialogOpened = Signal(object)  # the ImportReviewDialog, just before exec()
    updateDialogOpened = Signal(object)  # the PlanUpdateDialog, just before exec()
    exportFinished = Signal(object)  # Path of the written workbook
    ledgerRefreshed = Signal()
    databaseAttached = Signal()  # the ledger is filled from the open database

    def __init__(
        self,
        db: Database | None,
        *,
        demo: bool = False,
        user: str | None = None,
        today: dt.date | None = None,
        read_only_note: str | None = None,
        parent=None,
    ) -> None:
        super().__init__(parent)
        self.db = db
        self.demo = demo
        self.read_only_note = read_only_note  # another instance writes: look, don't touch
        self.reporting_window: ReportingWindow | None = None
        self.summary_editor: SummaryEditor | None = None
        self.overview_window: OverviewWindow | None = None
        self.assessment_window: AssessmentWindow | None = None
        self.setAcceptDrops(True)
        self.user = user or ""  # known once the database is open (attach_database)
        self._plans: list[PlanSummary] = []
        self._tasks: list[BackgroundTask] = []
        fit_on_screen(self, 1400, 850)

        self.form = load_form("main_window", self)
        self.setCentralWidget(self.form)
        self.plan_combo: QComboBox = child(self.form, QComboBox, "planCombo")
        self.department_combo: QComboBox = child(self.form, QComboBox, "departmentCombo")
        self.status_combo: QComboBox = child(self.form, QComboBox, "statusCombo")
        self.overdue_check: QCheckBox = child(self.form, QCheckBox, "overdueCheck")
        self.search_edit: QLineEdit = child(self.form, QLineEdit, "searchEdit")
        self.count_label: QLabel = child(self.form, QLabel, "countLabel")
        self.view: QTreeView = child(self.form, QTreeView, "ledgerView")
        self.detail: QTextBrowser = child(self.form, QTextBrowser, "detailBrowser")
        self.detail_title: QLabel = child(self.form, QLabel, "detailTitle")
        self.detail_tabs: QTabWidget = child(self.form, QTabWidget, "detailTabs")
        # The selected task's 佐证材料: listed, opened, and added by dropping files.
        self.evidence_panel = EvidencePanel(db)
        self.evidence_panel.setObjectName("taskEvidencePanel")
        child(self.form, QWidget, "evidencePage").layout().addWidget(self.evidence_panel)
        self.evidence_panel.changed.connect(self._evidence_changed)
        self.edit_departments_button: QPushButton = child(
            self.form, QPushButton, "editDepartmentsButton"
        )
        self.edit_text_button: QPushButton = child(self.form, QPushButton, "editTextButton")
        self.task_history_button: QPushButton = child(self.form, QPushButton, "taskHistoryButton")
        splitter: QSplitter = child(self.form, QSplitter, "splitter")
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([540, 220])

        self.model = LedgerModel(db, self.user, self)
        self.model.today = today  # tests fix "today" for the overdue marks
        self.view.setModel(self.model)
        self.view.setItemDelegate(StatusDelegate(self.view))
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.view.header()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignCenter)
        for column, width in COLUMN_WIDTHS.items():
            header.resizeSection(column, width)
        self.model.editFailed.connect(self._edit_failed)
        self.model.taskEdited.connect(self._task_edited)
        self.view.selectionModel().currentRowChanged.connect(self._current_changed)
        self.view.doubleClicked.connect(self._double_clicked)

        self.status_combo.addItem(ALL_STATUSES, None)
        for status in STATUSES:
            self.status_combo.addItem(status, status)
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.refresh)
        self.search_edit.textChanged.connect(lambda _t: self._search_timer.start())
        self.search_edit.returnPressed.connect(self._search_now)
        self.plan_combo.currentIndexChanged.connect(self._plan_changed)
        self.department_combo.currentIndexChanged.connect(lambda _i: self.refresh())
        self.status_combo.currentIndexChanged.connect(lambda _i: self.refresh())
        self.overdue_check.toggled.connect(lambda _c: self.refresh())
        self.edit_departments_button.clicked.connect(self.edit_departments)
        self.edit_text_button.clicked.connect(self.edit_task_text)
        self.task_history_button.clicked.connect(self.show_task_history)

        self._create_actions()
        self._create_menus_and_toolbar()
        self._database_label = QLabel("数据库：正在打开…")
        self.statusBar().addPermanentWidget(self._database_label)
        self.outside_changes: OutsideChanges | None = None
        if db is None:
            # The window shows first; the database opens meanwhile (ui/app.py start_gui).
            self.count_label.setText("正在打开数据库…")
            for action in self.findChildren(QAction):
                action.setEnabled(action in (self.quit_action, self.about_action))
        else:
            self.attach_database(db, read_only_note=read_only_note)

    def attach_database(self, db: Database, *, read_only_note: str | None = None) -> None:
        """Fill the window from ``db``, once it is open."""
        from foodsafety_desktop.core.storage.database import current_user

        self.db = db
        self.user = self.user or current_user()
        self.model.set_database(db, self.user)
        self.evidence_panel.set_database(db)
        self.read_only_note = read_only_note
        self.model.read_only = bool(read_only_note)
        self._database_label.setText(f"数据库：{db.location}")
        if read_only_note:
            self._show_read_only_banner(read_only_note)
        self._check_fonts()
        self._show_warnings()
        for action in self.findChildren(QAction):
            action.setEnabled(True)
        self.reload_departments()
        self.reload_plans()
        self._update_actions()
        self._update_undo_action()
        listen(self, self.on_changed)
        self.outside_changes = OutsideChanges(self, db, self.on_changed)
        self.databaseAttached.emit()

    def on_changed(self, changes: ChangeSet) -> None:
        """Another window, a dialog or another process changed the database."""
        if changes.touches("plans", "departments"):
            self.reload_departments()
            self.reload_plans()  # refreshes the ledger too
        elif changes.touches("tasks", "submissions"):
            self.refresh()
        self._update_undo_action()
        self.outside_changes.seen()

    def _show_read_only_banner(self, note: str) -> None:
        banner = QLabel(f"只读模式：{note}　可以查看、打印和导出，但不能修改。")
        banner.setObjectName("readOnlyBanner")
        banner.setWordWrap(True)
        banner.setStyleSheet(
            "background:#fff4ce; color:#5c4400; padding:6px; border:1px solid #e0c060"
        )
        self.form.layout().insertWidget(0, banner)
        self.model.read_only = True

    def _check_fonts(self) -> None:
        """Say once (per PC, again when it changes) which 公文 fonts are missing and
        what the documents use instead; a banner, never a dialog."""
        from PySide6.QtGui import QFontDatabase

        from foodsafety_desktop.core.paths import data_dir
        from foodsafety_desktop.core.word.fonts import fonts_notice, notice_once

        notice = notice_once(fonts_notice(QFontDatabase.families()), data_dir())
        if notice is None:
            return
        banner = QLabel(f'{notice}　<a href="hide">知道了</a>')
        banner.setObjectName("fontsBanner")
        banner.setWordWrap(True)
        banner.setStyleSheet(
            "background:#eef4ff; color:#1d3b6e; padding:6px; border:1px solid #9db7e0"
        )
        banner.linkActivated.connect(lambda _link: banner.hide())
        self.form.layout().insertWidget(0, banner)

    def _show_warnings(self, *, today: dt.date | None = None) -> BackgroundTask | None:
        """Tasks due within the warning days, overdue tasks and periods about to close
        with units not yet reported, in a banner at the top (never a dialog), once a
        day per PC; a link opens the 催报 of the period or shows the tasks.  Read on the
        database worker (all plans: half a second on a city's database)."""
        from foodsafety_desktop.core.paths import data_dir
        from foodsafety_desktop.core.services.overview import warnings

        today = today or dt.date.today()
        if not first_time_today(data_dir() / WARNINGS_SHOWN_FILE, today):
            return None
        db = self.db

        def read() -> list[Any]:
            with db.session() as session:
                return warnings(session, today=today)

        return run_in_background(
            self, read, label="正在检查到期提醒…", on_done=self._add_warnings_banner, quiet=True
        )

    def _add_warnings_banner(self, found: list[Any]) -> QLabel | None:
        from foodsafety_desktop.core.services.overview import WARN_PERIOD_DUE

        if not found:
            return None
        lines = []
        for w in found[:MAX_WARNINGS_SHOWN]:
            if w.kind == WARN_PERIOD_DUE and w.period_id is not None:
                link = f'<a href="remind:{w.plan_id}:{w.period_id}">催报</a>'
            else:
                link = f'<a href="tasks:{w.plan_id}:{",".join(map(str, w.task_ids))}">查看</a>'
            lines.append(f"{html.escape(w.text)}　{link}")
        if len(found) > MAX_WARNINGS_SHOWN:
            lines.append(f"另有{len(found) - MAX_WARNINGS_SHOWN}条提醒，请打开“概况”查看。")
        banner = QLabel("<br>".join(lines) + '　<a href="hide">知道了</a>')
        banner.setObjectName("warningsBanner")
        banner.setWordWrap(True)
        banner.setStyleSheet(
            "background:#fff8e1; color:#5d4037; padding:6px; border:1px solid #ffcc80"
        )
        banner.linkActivated.connect(lambda link: self._warning_link(banner, link))
        self.form.layout().insertWidget(0, banner)
        return banner

    def _warning_link(self, banner: QLabel, link: str) -> None:
        if link == "hide":
            banner.hide()
            return
        kind, plan, rest = link.split(":", 2)
        self.select_plan(int(plan))
        if kind == "remind":
            window = self.open_reporting()
            if window is not None and window.select_period(int(rest)):
                window.show_reminder()
        elif kind == "tasks" and rest:
            self.show_task_in_ledger(int(rest.split(",")[0]))

    def replace_database(self, db: Database) -> None:
        """Show another database (after a restore): same window, fresh queries."""
        self.db = db
        self.model.set_database(db)
        self._database_label.setText(f"数据库：{self.db.location}")
        self.reload_departments()
        self.reload_plans()
        self._update_actions()

    # --- actions ------------------------------------------------------------------

    def _action(
        self,
        text: str,
        slot: Callable[[], Any],
        *,
        shortcut: QKeySequence | QKeySequence.StandardKey | str | None = None,
        icon: QStyle.StandardPixmap | None = None,
        tip: str | None = None,
    ) -> QAction:
        action = QAction(text, self)
        if icon is not None:
            action.setIcon(self.style().standardIcon(icon))
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if tip:
            action.setStatusTip(tip)
            action.setToolTip(tip)
        action.triggered.connect(lambda _checked=False: slot())
        return action

    def _create_actions(self) -> None:
        sp = QStyle.StandardPixmap
        self.import_action = self._action(
            "导入方案…", self.choose_import_file, shortcut=QKeySequence.StandardKey.Open,
            icon=sp.SP_DialogOpenButton, tip="从 Word 或文本文件导入工作方案，生成工作台账",
        )  # fmt: skip
        self.export_action = self._action(
            "导出台账…", self.choose_export_file, shortcut="Ctrl+E",
            icon=sp.SP_DialogSaveButton, tip="把当前筛选的台账导出为 Excel 表格",
        )  # fmt: skip
        self.preview_action = self._action(
            "打印预览…", self.print_preview, icon=sp.SP_FileDialogContentsView,
            tip="按 A4 横向预览当前台账",
        )  # fmt: skip
        self.print_action = self._action(
            "打印…", self.print_ledger, shortcut=QKeySequence.StandardKey.Print,
            tip="打印当前筛选的台账",
        )  # fmt: skip
        self.quit_action = self._action("退出", self.close, shortcut="Ctrl+Q")
        self.add_action = self._action(
            "新增任务", self.add_task, shortcut="Ctrl+N", icon=sp.SP_FileIcon,
            tip="在所选任务之后新增一项任务",
        )  # fmt: skip
        self.up_action = self._action(
            "上移", lambda: self.move_selected(-1), shortcut="Ctrl+Up", icon=sp.SP_ArrowUp
        )
        self.down_action = self._action(
            "下移", lambda: self.move_selected(1), shortcut="Ctrl+Down", icon=sp.SP_ArrowDown
        )
        self.delete_action = self._action(
            "删除任务", self.delete_selected, shortcut=QKeySequence.StandardKey.Delete,
            icon=sp.SP_TrashIcon,
        )  # fmt: skip
        self.departments_action = self._action(
            "部门管理…", self.manage_departments, icon=sp.SP_DirIcon,
            tip="维护部门名称、别名，合并重复的部门",
        )  # fmt: skip
        self.reporting_action = self._action(
            "报送管理…", self.open_reporting, shortcut="Ctrl+R", icon=sp.SP_FileDialogListView,
            tip="报送期次、生成各部门报送表、导入收回的报送表、催报",
        )  # fmt: skip
        self.summary_action = self._action(
            "工作总结…", self.open_summary, shortcut="Ctrl+W", icon=sp.SP_FileDialogDetailedView,
            tip="由台账和各单位报送生成工作总结、逐条报送表（Word，公文格式）",
        )  # fmt: skip
        self.overview_action = self._action(
            "概况…", self.open_overview, shortcut="Ctrl+G", icon=sp.SP_FileDialogInfoView,
            tip="各部分完成情况、各单位报送情况、量化指标进度和红黄绿亮灯",
        )  # fmt: skip
        self.assessment_action = self._action(
            "评议考核…", self.open_assessment, shortcut="Ctrl+K", icon=sp.SP_DialogApplyButton,
            tip="考核细则、与台账任务的关联、佐证材料、自评和考核得分、考核档案",
        )  # fmt: skip
        self.backup_action = self._action(
            "备份到…", lambda: _data_safety().backup_to_folder(self),
            tip="把全部数据和收到的原始文件备份到指定文件夹（如U盘）",
        )  # fmt: skip
        self.restore_action = self._action(
            "从备份恢复…", lambda: _data_safety().restore_from_backup(self),
            tip="查看备份内容后，用备份替换当前数据（恢复前自动备份当前数据）",
        )  # fmt: skip
        self.check_action = self._action("检查数据库", lambda: _data_safety().check_database(self))
        self.undo_action = self._action(
            "撤销", self.undo_last, shortcut=QKeySequence.StandardKey.Undo
        )
        self.history_action = self._action(
            "操作记录…", self.show_history, tip="全部导入、修改、合并、报送和恢复的记录"
        )
        self.about_action = self._action("关于", self.show_about)
        self.archive_plan_action = self._action(
            "归档方案", self.toggle_archive_current,
            tip="不再在方案列表中显示当前方案（数据和操作记录保留，可以取消归档）",
        )  # fmt: skip
        self.show_archived_action = QAction("显示已归档的方案", self)
        self.show_archived_action.setCheckable(True)
        self.show_archived_action.toggled.connect(lambda _on: self.reload_plans())
        self.delete_plan_action = self._action(
            "删除方案…", self.delete_current_plan,
            tip="删除当前方案及其任务、报送期次和报送（删除前自动备份，可以撤销）",
        )  # fmt: skip
        # Delete must not fire while typing in the search box.
        self.delete_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.view.addAction(self.delete_action)

    def _create_menus_and_toolbar(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("文件(&F)")
        file_menu.addActions([self.import_action, self.export_action])
        file_menu.addSeparator()
        file_menu.addActions([self.preview_action, self.print_action])
        file_menu.addSeparator()
        file_menu.addActions([self.backup_action, self.restore_action, self.check_action])
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        plan_menu = bar.addMenu("方案(&P)")
        plan_menu.addAction(self.import_action)
        plan_menu.addSeparator()
        plan_menu.addActions([self.archive_plan_action, self.show_archived_action])
        plan_menu.addSeparator()
        plan_menu.addAction(self.delete_plan_action)
        ledger_menu = bar.addMenu("台账(&L)")
        ledger_menu.addAction(self.undo_action)
        ledger_menu.addSeparator()
        ledger_menu.addActions([self.add_action, self.up_action, self.down_action])
        ledger_menu.addSeparator()
        ledger_menu.addAction(self.delete_action)
        ledger_menu.addSeparator()
        ledger_menu.addAction(self.history_action)
        ledger_menu.aboutToShow.connect(self._update_undo_action)
        reporting_menu = bar.addMenu("报送(&R)")
        reporting_menu.addActions(
            [self.reporting_action, self.summary_action, self.overview_action]
        )
        assessment_menu = bar.addMenu("考核(&K)")
        assessment_menu.addAction(self.assessment_action)
        department_menu = bar.addMenu("部门(&D)")
        department_menu.addAction(self.departments_action)
        help_menu = bar.addMenu("帮助(&H)")
        help_menu.addAction(self.about_action)

        toolbar = QToolBar("常用", self)
        toolbar.setObjectName("mainToolBar")
        toolbar.setMovable(False)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        toolbar.addActions([self.import_action, self.export_action, self.preview_action])
        toolbar.addSeparator()
        toolbar.addActions([self.add_action, self.up_action, self.down_action, self.delete_action])
        toolbar.addSeparator()
        toolbar.addActions([self.overview_action, self.reporting_action, self.summary_action])
        toolbar.addAction(self.assessment_action)
        toolbar.addAction(self.departments_action)
        self.addToolBar(toolbar)

    def _update_actions(self) -> None:
        has_plan = self.current_plan_id() is not None
        task = self.selected_task()
        for action in (self.export_action, self.preview_action, self.print_action):
            action.setEnabled(has_plan)
        # Read-only: both open for reading (their writing buttons are off).
        self.reporting_action.setEnabled(has_plan)
        self.summary_action.setEnabled(has_plan)
        writable = not self.read_only_note
        plan = self.current_plan()
        self.archive_plan_action.setText("取消归档" if plan and plan.archived else "归档方案")
        self.archive_plan_action.setEnabled(has_plan and writable)
        self.delete_plan_action.setEnabled(has_plan and writable)
        self.add_action.setEnabled(has_plan and writable)
        for action in (self.up_action, self.down_action, self.delete_action):
            action.setEnabled(task is not None and writable)
        for action in (self.import_action, self.restore_action, self.departments_action):
            action.setEnabled(writable)
        self.edit_departments_button.setEnabled(task is not None and writable)
        self.edit_text_button.setEnabled(task is not None and writable)
        self.task_history_button.setEnabled(task is not None)

    # --- plans, departments, filter -----------------------------------------------

    def reload_plans(self, select_id: int | None = None) -> None:
        """Refill the plan picker (keeping the current plan unless ``select_id`` is given)."""
        from foodsafety_desktop.core.services import ledger

        keep = select_id if select_id is not None else self.current_plan_id()
        with self.db.session() as session:
            self._plans = ledger.list_plans(
                session, include_archived=self.show_archived_action.isChecked()
            )
        labels = ledger.plan_labels(self._plans)
        self.plan_combo.blockSignals(True)
        self.plan_combo.clear()
        for plan in self._plans:
            # 文号, date and task count tell two plans of the same title apart.
            self.plan_combo.addItem(labels[plan.id], plan.id)
            tip = f"{plan.title}\n{plan.details}" + (
                f"\n文件：{plan.source_name}" if plan.source_name else ""
            )
            self.plan_combo.setItemData(
                self.plan_combo.count() - 1, tip, Qt.ItemDataRole.ToolTipRole
            )
        position = self.plan_combo.findData(keep) if keep is not None else -1
        if position < 0 and self._plans:
            position = self.plan_combo.count() - 1  # the newest plan
        self.plan_combo.setCurrentIndex(position)
        self.plan_combo.blockSignals(False)
        self._plan_changed()

    def reload_departments(self) -> None:
        """Refill the 部门 filter with the departments that have tasks."""
        from foodsafety_desktop.core.services import departments

        keep = self.department_combo.currentData()
        with self.db.session() as session:
            rows = departments.list_departments(session)
        rows = [r for r in rows if r.task_count > 0]
        rows.sort(key=lambda r: (KIND_ORDER.get(r.kind, 1), r.name))
        self.department_combo.blockSignals(True)
        self.department_combo.clear()
        self.department_combo.addItem(ALL_DEPARTMENTS, None)
        for row in rows:
            self.department_combo.addItem(row.name, row.id)
        position = self.department_combo.findData(keep) if keep is not None else 0
        self.department_combo.setCurrentIndex(max(0, position))
        self.department_combo.blockSignals(False)

    def current_plan_id(self) -> int | None:
        return self.plan_combo.currentData()

    def current_plan(self) -> PlanSummary | None:
        plan_id = self.current_plan_id()
        return next((p for p in self._plans if p.id == plan_id), None)

    def select_plan(self, plan_id: int) -> None:
        position = self.plan_combo.findData(plan_id)
        if position >= 0:
            self.plan_combo.setCurrentIndex(position)

    def select_department(self, name_or_id: str | int | None) -> None:
        """Set the 部门 filter by department name or id (None = 全部部门)."""
        if name_or_id is None:
            position = 0
        elif isinstance(name_or_id, int):
            position = self.department_combo.findData(name_or_id)
        else:
            position = self.department_combo.findText(name_or_id)
        if position < 0:
            raise LookupError(f"部门“{name_or_id}”不在筛选列表中")
        self.department_combo.setCurrentIndex(position)

    def current_filter(self) -> LedgerFilter:
        from foodsafety_desktop.core.services.ledger import LedgerFilter

        return LedgerFilter(
            plan_id=self.current_plan_id(),
            department_id=self.department_combo.currentData(),
            status=self.status_combo.currentData(),
            overdue_only=self.overdue_check.isChecked(),
            text=self.search_edit.text().strip(),
        )

    def _plan_changed(self, _index: int | None = None) -> None:
        plan = self.current_plan()
        title = APP_TITLE if plan is None else f"{APP_TITLE} — {plan.title}"
        self.setWindowTitle(title + (DEMO_SUFFIX if self.demo else ""))
        self.refresh()

    def _search_now(self) -> None:
        self._search_timer.stop()
        self.refresh()

    def refresh(self) -> None:
        """Re-query the ledger for the current plan and filter; keep the selected task."""
        self._search_timer.stop()
        keep = self.selected_task_id()
        if self.current_plan_id() is None:
            self.model.set_rows([], [])
        else:
            try:
                self.model.load(self.current_filter())
            except Exception as exc:
                messages.show_error(self, exc, "无法读取台账")
                self.model.set_rows([], [])
        self._after_reset()
        if keep is not None:
            self.select_task(keep)
        self._show_detail()
        self._update_actions()
        self.ledgerRefreshed.emit()

    def _after_reset(self) -> None:
        self.view.expandAll()
        self._span_sections(QModelIndex())
        total, overdue = self.model.task_count(), self.model.overdue_count()
        self.count_label.setText(self._count_text(total, overdue))
        if overdue:
            self.count_label.setStyleSheet("color: #c00000;")
        else:
            self.count_label.setStyleSheet("")

    def _count_text(self, total: int, overdue: int) -> str:
        removed = sum(1 for row in self.model.ledger_rows() if row.removed)
        if not removed:
            return f"共 {total} 项任务，逾期 {overdue} 项"
        return f"共 {total - removed} 项任务（另有 {removed} 项已从方案中删除），逾期 {overdue} 项"

    def _span_sections(self, parent: QModelIndex) -> None:
        for row in range(self.model.rowCount(parent)):
            index = self.model.index(row, 0, parent)
            if self.model.section_at(index) is not None:
                self.view.setFirstColumnSpanned(row, parent, True)
                self._span_sections(index)

    # --- selection and detail -------------------------------------------------------

    def selected_task(self) -> LedgerRow | None:
        index = self.view.currentIndex()
        return self.model.task_at(index) if index.isValid() else None

    def selected_task_id(self) -> int | None:
        task = self.selected_task()
        return task.task_id if task is not None else None

    def select_task(self, task_id: int) -> bool:
        index = self.model.index_for_task(task_id)
        if not index.isValid():
            return False
        self.view.selectionModel().setCurrentIndex(
            index,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        self.view.scrollTo(index)
        return True

    def _current_changed(self, _current: QModelIndex, _previous: QModelIndex) -> None:
        self._show_detail()
        self._update_actions()

    def _show_detail(self) -> None:
        from foodsafety_desktop.core.services import ledger

        task = self.selected_task()
        if task is None:
            self.evidence_panel.set_target()
            self.detail_title.setText("任务详情")
            if not self._plans:
                self.detail.setHtml(
                    "<p style='color:#555555'>尚未导入工作方案。请点击工具栏上的"
                    "“导入方案…”，选择县（区）政府或食安办印发的实施方案、工作要点文件。</p>"
                )
            else:
                self.detail.clear()
            return
        self.evidence_panel.set_target(task_id=task.task_id)
        self.detail_title.setText(f"<b>任务详情：{html.escape(task.label + task.title)}</b>")
        with self.db.session() as session:  # one indexed query: fast enough for the GUI thread
            items = ledger.task_items(session, task.task_id)
        self.detail.setHtml(task_detail_html(task, items))

    def _evidence_changed(self) -> None:
        announce(EVIDENCE, self)
        self.outside_changes.seen()

    def _task_edited(self, task_id: int) -> None:
        announce(TASKS, self)  # a status or progress typed into the ledger
        self.outside_changes.seen()
        total, overdue = self.model.task_count(), self.model.overdue_count()
        self.count_label.setText(self._count_text(total, overdue))
        if task_id == self.selected_task_id():
            self._show_detail()
        self.statusBar().showMessage("已保存", 3000)

    def _edit_failed(self, exc: BaseException) -> None:
        # Deferred: a modal box opened while the cell editor commits would steal its
        # focus and commit the same value a second time.
        QTimer.singleShot(0, lambda: messages.show_error(self, exc, "修改未保存"))

    def _double_clicked(self, index: QModelIndex) -> None:
        if self.model.task_at(index) is not None and index.column() in (COL_LEAD, COL_RESPONSIBLE):
            self.edit_departments()

    # --- ledger edits ---------------------------------------------------------------

    def _run_edit(
        self, fn: Callable[[Any], Any], title: str = "修改未保存", changes: ChangeSet = TASKS
    ) -> Any:
        """Run ``fn(session)`` in one unit of work and tell the other windows; show a
        failure and return None.  (Edits of one task are quick: the GUI thread may wait.)"""
        try:
            with self.db.session() as session:
                result = fn(session)
        except Exception as exc:
            messages.show_error(self, exc, title)
            return None
        announce(changes, self)
        self.outside_changes.seen()
        return result

    def add_task(self, title: str | None = None) -> int | None:
        """新增任务 after the selected task (or in the selected section, or at the end)."""
        from foodsafety_desktop.core.services import ledger

        plan_id = self.current_plan_id()
        if plan_id is None:
            return None
        if title is None:
            title, ok = QInputDialog.getText(self, "新增任务", "任务名称：")
            if not ok or not title.strip():
                return None
        index = self.view.currentIndex()
        after = self.model.task_at(index)
        section = self.model.section_at(index)
        task_id = self._run_edit(
            lambda s: ledger.add_task(
                s, plan_id, user=self.user, title=title,
                after_task_id=after.task_id if after else None,
                section_id=section.id if section else None,
            ),
            "无法新增任务",
        )  # fmt: skip
        if task_id is None:
            return None
        self._reload_plan_counts()
        self.refresh()
        if not self.select_task(task_id):
            self.statusBar().showMessage("已新增任务（当前筛选条件下不显示）", 5000)
        return task_id

    def move_selected(self, offset: int) -> None:
        """上移 (-1) / 下移 (+1) the selected task; it stays selected."""
        from foodsafety_desktop.core.services import ledger

        task_id = self.selected_task_id()
        if task_id is None:
            return
        done = self._run_edit(
            lambda s: ledger.move_task(s, task_id, offset, user=self.user) or True,
            "无法移动任务",
        )
        if done:
            self.refresh()
            self.select_task(task_id)

    def delete_selected(self, *, ask: bool = True) -> bool:
        from foodsafety_desktop.core.services import ledger

        task = self.selected_task()
        if task is None:
            return False
        name = f"{task.label}{task.title}"
        if ask and not messages.confirm(
            self, f"确定删除任务“{name}”吗？\n\n删除后可在操作记录中查到原文，但不能撤销。"
        ):
            return False
        done = self._run_edit(
            lambda s: ledger.delete_task(s, task.task_id, user=self.user) or True,
            "无法删除任务",
        )
        if not done:
            return False
        self._reload_plan_counts()
        self.refresh()
        return True

    def edit_task_text(self) -> None:
        task = self.selected_task()
        if task is None:
            return
        text, ok = QInputDialog.getMultiLineText(
            self, "修改任务内容", f"{task.label}{task.title}", task.text
        )
        if ok:
            self.set_task_text(task.task_id, text)

    def set_task_text(self, task_id: int, text: str) -> bool:
        from foodsafety_desktop.core.services import ledger

        done = self._run_edit(
            lambda s: ledger.update_task(s, task_id, user=self.user, text=text) or True
        )
        if done:
            self.model.reload_task(task_id)
            self._task_edited(task_id)
        return bool(done)

    def edit_departments(self) -> None:
        """修改责任单位… for the selected task."""
        from foodsafety_desktop.core.services import departments
        from foodsafety_desktop.ui.task_departments import TaskDepartmentsDialog

        task = self.selected_task()
        if task is None:
            return
        with self.db.session() as session:
            rows = departments.list_departments(session)
        ids = {r.name: r.id for r in rows}
        dialog = TaskDepartmentsDialog(
            rows,
            f"{task.label}{task.title}",
            [ids[n] for n in task.lead if n in ids],
            [ids[n] for n in task.responsible if n in ids],
            self,
        )
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.set_task_departments(task.task_id, dialog.lead_ids(), dialog.responsible_ids())

    def set_task_departments(
        self, task_id: int, lead_ids: list[int], responsible_ids: list[int]
    ) -> bool:
        from foodsafety_desktop.core.services import ledger

        done = self._run_edit(
            lambda s: (
                ledger.update_task(
                    s, task_id, user=self.user, lead_ids=lead_ids, responsible_ids=responsible_ids
                )
                or True
            )
        )
        if done:
            self.reload_departments()
            self.refresh()
            self.select_task(task_id)
        return bool(done)

    def _reload_plan_counts(self) -> None:
        from foodsafety_desktop.core.services import ledger

        with self.db.session() as session:
            self._plans = ledger.list_plans(
                session, include_archived=self.show_archived_action.isChecked()
            )

    # --- import ---------------------------------------------------------------------

    def run_task(
        self,
        fn: Callable[[], Any],
        label: str,
        on_done: Callable[[Any], None],
        *,
        changes: Changes = None,
    ) -> BackgroundTask:
        """Run ``fn`` on the database worker with a progress dialog; errors are shown,
        ``changes`` announced to the other windows."""
        task = run_in_background(
            self, fn, label=label, on_done=on_done, changes=changes,
            on_error=lambda exc: messages.show_error(self, exc),
        )  # fmt: skip
        return track(self._tasks, task)

    def choose_import_file(self) -> None:
        folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        path, _ = QFileDialog.getOpenFileName(self, "导入工作方案", folder, PLAN_FILE_FILTER)
        if path:
            self.start_import(Path(path))

    def start_import(self, path: str | Path) -> BackgroundTask:
        """Read the plan and propose departments in the background, then review it."""
        path = Path(path)
        db = self.db

        def prepare() -> plan_import.ImportReview:
            from foodsafety_desktop.core.services import plan_import

            return plan_import.read_for_review(db, path)

        label = f"正在读取方案“{path.name}”…"
        if path.suffix.lower() in CONVERTED_SUFFIXES:
            label = f"正在用 Word/WPS 或 LibreOffice 把“{path.name}”转换为 .docx 并读取，请稍候…"
        return self.run_task(prepare, label, self.review_and_import)

    def review_and_import(self, review: plan_import.ImportReview) -> BackgroundTask | None:
        """Show the 导入核对 dialog; on OK import what the clerk confirmed."""
        from foodsafety_desktop.ui.import_dialog import ImportReviewDialog

        dialog = ImportReviewDialog(self.db, review, self)
        self.reviewDialogOpened.emit(dialog)
        accepted = dialog.exec() == QDialog.DialogCode.Accepted
        reviewed = dialog.review
        dialog.deleteLater()
        if not accepted:
            self.statusBar().showMessage("已取消导入", 5000)
            return None
        if reviewed.matches and not reviewed.as_new:
            return self.compare_with_imported(reviewed)
        return self.import_reviewed(reviewed)

    def compare_with_imported(self, review: plan_import.ImportReview) -> BackgroundTask:
        """The plan is already in the database: work out what updating it would change
        (in the background), then ask update or new."""
        db = self.db

        def compare() -> list[plan_update.PlanComparison]:
            from foodsafety_desktop.core.services import plan_update

            return plan_update.compare_matches(db, review)

        return self.run_task(
            compare,
            "正在与已导入的方案比较…",
            lambda comparisons: self.ask_update_or_new(review, comparisons),
        )

    def ask_update_or_new(
        self, review: plan_import.ImportReview, comparisons: list[plan_update.PlanComparison]
    ) -> BackgroundTask | None:
        """更新该方案 / 作为新方案导入 / 取消, with the list of changes."""
        from foodsafety_desktop.ui.plan_update_dialog import UPDATE, PlanUpdateDialog

        if not comparisons:  # the matching plans were deleted meanwhile
            review.as_new = True
            return self.import_reviewed(review)
        name = review.source_path.name if review.source_path else (review.parsed.source_name or "")
        dialog = PlanUpdateDialog(review.matches, comparisons, name, self)
        self.updateDialogOpened.emit(dialog)
        accepted = dialog.exec() == QDialog.DialogCode.Accepted
        choice, plan_id = dialog.choice, dialog.plan_id
        dialog.deleteLater()
        if not accepted or choice is None:
            self.statusBar().showMessage("已取消导入", 5000)
            return None
        if choice == UPDATE and plan_id is not None:
            return self.update_plan(review, plan_id)
        review.as_new = True
        return self.import_reviewed(review)

    def update_plan(self, review: plan_import.ImportReview, plan_id: int) -> BackgroundTask:
        """Update plan ``plan_id`` from the reviewed file (backup first, one transaction)."""
        from foodsafety_desktop.core.services import plan_update

        db, user = self.db, self.user
        return self.run_task(
            lambda: plan_update.update_reviewed(db, review, plan_id, user=user),
            "正在更新方案…",
            self._plan_updated,
            changes=lambda result: result.changes,
        )

    def _plan_updated(self, result: plan_import.ImportResult) -> None:
        self.reload_departments()
        self.reload_plans(select_id=result.plan_id)
        self.outside_changes.seen()
        self.planUpdated.emit(result.plan_id)
        comparison = result.comparison
        assert comparison is not None
        lines = [f"已更新方案《{comparison.title}》：{comparison.summary()}。"]
        lines.append(comparison.kept_text())
        if result.created_departments:
            lines.append(
                f"新建单位 {len(result.created_departments)} 个："
                + "、".join(result.created_departments)
            )
        if result.backup is not None:
            lines.append(f"更新前已备份：{result.backup.name}")
        if result.warnings:
            lines.append("\n请注意：")
            lines.extend(f"· {w}" for w in result.warnings)
        messages.show_info(self, "\n".join(lines), "更新完成")

    # --- archive and delete plans ---------------------------------------------------

    def toggle_archive_current(self) -> BackgroundTask | None:
        """归档 the current plan, or bring an archived one back (取消归档)."""
        from foodsafety_desktop.core.services.plan_admin import PLAN_LISTS

        plan = self.current_plan()
        if plan is None or self.read_only_note:
            return None
        archived = not plan.archived
        db, user = self.db, self.user

        def run() -> ledger.PlanSummary:
            from foodsafety_desktop.core.services import plan_admin

            with db.session() as session:
                return plan_admin.archive_plan(session, plan.id, user=user, archived=archived)

        def done(summary: ledger.PlanSummary) -> None:
            self.reload_plans(select_id=summary.id)
            self.outside_changes.seen()
            if archived:
                hint = "（“方案 → 显示已归档的方案”可以查看和取消归档）"
                if self.show_archived_action.isChecked():
                    hint = ""
                self.statusBar().showMessage(f"已归档方案《{summary.title}》{hint}", 8000)
            else:
                self.statusBar().showMessage(f"已取消归档方案《{summary.title}》", 8000)

        label = "正在归档方案…" if archived else "正在取消归档…"
        return self.run_task(run, label, done, changes=PLAN_LISTS)

    def delete_current_plan(self, *, ask: bool = True) -> BackgroundTask | None:
        """删除方案: ask (with what it holds), close its windows, then delete it on the
        database worker after a backup; 台账 → 撤销 puts it back."""
        from foodsafety_desktop.core.services import plan_admin

        plan = self.current_plan()
        if plan is None or self.read_only_note:
            return None
        db, user, plan_id = self.db, self.user, plan.id
        try:
            with db.session() as session:  # a few counts: fine on the GUI thread
                contents = plan_admin.plan_contents(session, plan_id)
        except Exception as exc:
            messages.show_error(self, exc, "无法删除方案")
            return None
        question = (
            f"确定删除方案《{contents.title}》吗？\n\n将同时删除其 {contents.describe()}。"
            "删除前会自动备份数据库，删除后可以用“台账 → 撤销”恢复。"
            "\n\n只是不再使用的方案，可以选择“方案 → 归档方案”。"
        )
        if ask and not messages.confirm(self, question, "删除方案"):
            return None
        if not self._close_plan_windows(plan_id):
            return None
        return self.run_task(
            lambda: plan_admin.delete_plan_with_backup(db, plan_id, user=user),
            "正在备份并删除方案…",
            self._plan_deleted,
            changes=lambda deleted: deleted.changes,
        )

    def _close_plan_windows(self, plan_id: int) -> bool:
        """Close the 报送管理 and 工作总结 windows of a plan about to go; False when the
        clerk kept the summary editor open (unsaved edits)."""
        editor = self.summary_editor
        if editor is not None and editor.plan_id == plan_id and not editor.close():
            return False
        window = self.reporting_window
        if window is not None and window.plan_id == plan_id:
            window.close()
            window.deleteLater()
            self.reporting_window = None
        overview_window = self.overview_window
        if overview_window is not None and overview_window.plan_id == plan_id:
            overview_window.close()
            overview_window.deleteLater()
            self.overview_window = None
        return True

    def _plan_deleted(self, deleted: plan_admin.DeletedPlan) -> None:
        self.reload_departments()
        self.reload_plans()
        self._update_undo_action()
        self.outside_changes.seen()
        self.planDeleted.emit(deleted.contents.plan_id)
        messages.show_info(
            self, deleted.message.replace("可以撤销。", "可以用“台账 → 撤销”恢复。"), "已删除方案"
        )

    def import_reviewed(self, review: plan_import.ImportReview) -> BackgroundTask:
        from foodsafety_desktop.core.services import plan_import

        db, user = self.db, self.user
        return self.run_task(
            lambda: plan_import.import_reviewed(db, review, user=user),
            "正在导入方案…",
            self._imported,
            changes=lambda result: result.changes,
        )

    def _imported(self, result: plan_import.ImportResult) -> None:
        self.reload_departments()
        self.reload_plans(select_id=result.plan_id)
        self.planImported.emit(result.plan_id)
        lines = [f"已导入 {result.task_count} 项任务。"]
        if result.created_departments:
            lines.append(
                f"新建单位 {len(result.created_departments)} 个："
                + "、".join(result.created_departments)
            )
        if result.warnings:
            lines.append("\n请注意：")
            lines.extend(f"· {w}" for w in result.warnings)
        messages.show_info(self, "\n".join(lines), "导入完成")

    # --- export and print -----------------------------------------------------------

    def _default_file_name(self, suffix: str) -> str:
        plan = self.current_plan()
        name = f"{plan.title}工作台账" if plan else "工作台账"
        for bad in '\\/:*?"<>|':
            name = name.replace(bad, "")
        folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        return str(Path(folder) / f"{name}{suffix}")

    def choose_export_file(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "导出台账", self._default_file_name(".xlsx"), "Excel 工作簿 (*.xlsx)"
        )
        if path:
            self.export_ledger(Path(path))

    def export_ledger(self, path: str | Path) -> BackgroundTask:
        """Export the current filtered ledger to ``path`` (xlsx) in the background."""
        flt, db = self.current_filter(), self.db

        def export() -> Path:
            from foodsafety_desktop.core.services import ledger_export

            with db.session() as session:
                return ledger_export.export_ledger_xlsx(session, flt, path)

        def done(written: Path) -> None:
            self.exportFinished.emit(written)
            messages.show_info(self, f"台账已导出到：\n{written}", "导出完成")

        return self.run_task(export, "正在导出台账…", done)

    def filter_description(self) -> str:
        parts = []
        if self.department_combo.currentData() is not None:
            parts.append(f"部门：{self.department_combo.currentText()}")
        if self.status_combo.currentData():
            parts.append(f"状态：{self.status_combo.currentText()}")
        if self.overdue_check.isChecked():
            parts.append("仅逾期")
        if self.search_edit.text().strip():
            parts.append(f"搜索：“{self.search_edit.text().strip()}”")
        return "；".join(parts)

    def print_document(self):
        """The QTextDocument of the ledger as currently shown (filter applied)."""
        from foodsafety_desktop.ui import printing

        plan = self.current_plan()
        title = f"{plan.title}工作台账" if plan else "工作台账"
        rows = self.model.ledger_rows()
        subtitle = f"共 {len(rows)} 项任务，逾期 {sum(r.overdue for r in rows)} 项"
        if plan and plan.doc_number:
            subtitle = f"{plan.doc_number}　　{subtitle}"
        description = self.filter_description()
        if description:
            subtitle += f"（筛选：{description}）"
        return printing.ledger_document(rows, self.model.sections(), title, subtitle=subtitle)

    def print_preview(self) -> None:
        from foodsafety_desktop.ui import printing

        dialog = printing.preview(self, self.print_document())
        dialog.exec()
        dialog.deleteLater()

    def print_ledger(self) -> None:
        from PySide6.QtPrintSupport import QPrintDialog

        from foodsafety_desktop.ui import printing

        printer = printing.make_printer()
        dialog = QPrintDialog(printer, self)
        dialog.setWindowTitle("打印台账")
        if dialog.exec() == QDialog.DialogCode.Accepted:
            printing.print_document(self.print_document(), printer)

    # --- departments, about -----------------------------------------------------------

    # --- history and undo -------------------------------------------------------------

    def _update_undo_action(self) -> None:
        text = None if self.read_only_note else undo_text(self.db)
        self.undo_action.setText(text or "撤销")
        self.undo_action.setEnabled(text is not None)

    def undo_last(self) -> BackgroundTask | None:
        """Undo the database's last change when it can be undone (a task or plan delete,
        a department merge, a change of periods).  Putting back a deleted plan can be
        thousands of rows: it runs on the database worker (the task is returned)."""
        if self.read_only_note:
            return None
        change = last_change(self.db)
        if change is None:
            return None
        if change.action != "plan.delete":
            if run_undo(self, self.db, self.user):
                self._after_undo()
            return None
        if not messages.confirm(self, undo_question(change), "撤销"):
            return None
        db, user, plan_id = self.db, self.user, change.entity_id

        def run() -> str:
            from foodsafety_desktop.core.services import undo

            with db.session() as session:
                return undo.undo_last(session, user=user)

        def done(text: str) -> None:
            self._after_undo(select_plan=plan_id)
            messages.show_info(self, text, "已撤销")
            self.undoFinished.emit(text)

        def failed(exc: BaseException) -> None:
            messages.show_error(self, exc, "无法撤销")
            self._update_undo_action()

        task = run_in_background(
            self, run, label="正在撤销…", on_done=done, on_error=failed, changes=EVERYTHING
        )
        return track(self._tasks, task)

    def _after_undo(self, select_plan: int | None = None) -> None:
        self.reload_departments()
        self.reload_plans(select_id=select_plan)  # refreshes the ledger; a plan may be back
        if select_plan is None:
            announce(EVERYTHING, self)  # an undo can put back anything
        self._update_undo_action()
        self.outside_changes.seen()

    def show_history(self) -> None:
        dialog = HistoryDialog(self.db, entity=None, entity_id=None, title="操作记录", parent=self)
        dialog.exec()
        dialog.deleteLater()

    def show_task_history(self) -> None:
        task = self.selected_task()
        if task is None:
            return
        title = f"任务“{task.label}{task.title}”的操作记录"
        dialog = HistoryDialog(
            self.db, entity="task", entity_id=task.task_id, title=title, parent=self
        )
        dialog.exec()
        dialog.deleteLater()

    # --- reporting (报送) ------------------------------------------------------------

    def open_reporting(self) -> ReportingWindow | None:
        """The 报送管理 window of the current plan (one, reused)."""
        plan_id = self.current_plan_id()
        if plan_id is None:
            return None
        window = self.reporting_window
        if window is None:
            from foodsafety_desktop.ui.reporting_window import ReportingWindow

            window = ReportingWindow(self.db, plan_id, read_only=bool(self.read_only_note))
            window.setWindowFlag(Qt.WindowType.Window)
            window.setParent(self, window.windowFlags())
            fit_on_screen(window, 1280, 760)
            self.reporting_window = window
        else:
            window.set_plan(plan_id)
        window.show()
        window.raise_()
        window.activateWindow()
        return window

    def open_overview(self) -> OverviewWindow | None:
        """The 概况 window of the current plan (one, reused); a click on one of its
        tasks shows the task here."""
        plan_id = self.current_plan_id()
        if plan_id is None:
            return None
        window = self.overview_window
        if window is None:
            from foodsafety_desktop.ui.overview_window import OverviewWindow

            window = OverviewWindow(self.db, plan_id)
            window.setWindowFlag(Qt.WindowType.Window)
            window.setParent(self, window.windowFlags())
            window.taskActivated.connect(self.show_task_in_ledger)
            self.overview_window = window
        else:
            window.set_plan(plan_id)
        window.show()
        window.raise_()
        window.activateWindow()
        return window

    def open_assessment(self) -> AssessmentWindow:
        """The 评议考核 window (one, reused; not tied to the current plan: a 细则 covers
        the year's plans); a double-click on a linked task shows it here."""
        window = self.assessment_window
        if window is None:
            from foodsafety_desktop.ui.assessment_window import AssessmentWindow

            window = AssessmentWindow(self.db)
            window.setWindowFlag(Qt.WindowType.Window)
            window.setParent(self, window.windowFlags())
            window.planTaskActivated.connect(self._show_plan_task)
            self.assessment_window = window
        window.show()
        window.raise_()
        window.activateWindow()
        return window

    def _show_plan_task(self, plan_id: int, task_id: int) -> None:
        if plan_id != self.current_plan_id():
            self.select_plan(plan_id)
        self.show_task_in_ledger(task_id)

    def show_task_in_ledger(self, task_id: int) -> bool:
        """Select ``task_id`` in the ledger (clearing filters that hide it) and bring
        the main window forward."""
        if not self.select_task(task_id):
            self.search_edit.clear()
            self.status_combo.setCurrentIndex(0)
            self.department_combo.setCurrentIndex(0)
            self.overdue_check.setChecked(False)
            self.refresh()
            if not self.select_task(task_id):
                return False
        self.raise_()
        self.activateWindow()
        self.view.setFocus()
        return True

    def open_summary(self) -> SummaryEditor | None:
        """The 工作总结 editor of the current plan (one at a time)."""
        plan_id = self.current_plan_id()
        if plan_id is None:
            return None
        if self.summary_editor is not None and self.summary_editor.plan_id == plan_id:
            editor = self.summary_editor
        else:
            from foodsafety_desktop.ui.summary_editor import SummaryEditor

            if self.summary_editor is not None:
                self.summary_editor.close()
            editor = SummaryEditor(self.db, plan_id, read_only=bool(self.read_only_note))
            editor.setWindowFlag(Qt.WindowType.Window)
            editor.setParent(self, editor.windowFlags())
            editor.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            editor.destroyed.connect(lambda _obj=None: setattr(self, "summary_editor", None))
            self.summary_editor = editor
        editor.show()
        editor.raise_()
        editor.activateWindow()
        return editor

    def _dropped_excel(self, event) -> list[Path]:
        mime = event.mimeData()
        if self.read_only_note or not mime.hasUrls():
            return []
        from foodsafety_desktop.ui.reporting_window import excel_paths

        return excel_paths(u.toLocalFile() for u in mime.urls() if u.isLocalFile())

    def dragEnterEvent(self, event) -> None:
        if self._dropped_excel(event):
            event.acceptProposedAction()
        else:
            event.ignore()

    dragMoveEvent = dragEnterEvent

    def dropEvent(self, event) -> None:
        """Returned workbooks dropped on the ledger go to the current plan's collect dialog."""
        if not self._dropped_excel(event):
            event.ignore()
            return
        event.acceptProposedAction()
        window = self.open_reporting()
        if window is not None:
            # No period is chosen here: each file is checked against the period it names.
            window.handle_dropped_urls(event.mimeData().urls(), any_period=True)

    def manage_departments(self) -> None:
        from foodsafety_desktop.ui.departments_dialog import DepartmentsDialog

        dialog = DepartmentsDialog(self.db, self)
        dialog.exec()
        dialog.deleteLater()
        # Renames and merges change the names in the ledger and the reporting windows.
        self.reload_departments()
        self.refresh()
        announce(DEPARTMENTS, self)
        self.outside_changes.seen()

    def show_about(self) -> None:
        QMessageBox.about(
            self,
            "关于食安台账",
            f"<h3>食安台账 {__version__}</h3>"
            "<p>县（区）食品安全办公室的工作台账软件：导入工作方案，生成工作台账，"
            "跟踪各部门任务进展，打印和导出台账。</p>"
            f"<p>数据库：{html.escape(self.db.location)}</p>",
        )

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._tasks:
            messages.show_info(self, "正在处理数据，请等操作完成后再退出。", "请稍候")
            event.ignore()
            return
        super().closeEvent(event)


def task_detail_html(task: LedgerRow, items: list[ledger.ItemDetail] | None = None) -> str:
    """The detail panel: the full text (or its 分项 with their departments) on the left,
    the ledger fields on the right."""
    esc = html.escape

    def field(label: str, value: str, style: str = "") -> str:
        return (
            f"<tr><td width='70' style='color:#5a6270; padding:1px 8px 3px 0'>{label}</td>"
            f"<td style='padding:1px 0 3px 0; {style}'>{value}</td></tr>"
        )

    deadline = esc(task.deadline_display) or "（未定）"
    if task.overdue:
        deadline = f"{deadline}　<b>已逾期</b>"
    left = []
    if task.removed:
        left.append(
            "<p style='color:#9a5b00; margin:0 0 4px 0'>方案更新后已没有这项任务"
            "（已从方案中删除），各单位对它的报送仍保留。</p>"
        )
    if task.section_path:
        left.append(
            f"<p style='color:#5a6270; margin:0 0 4px 0'>{esc(' › '.join(task.section_path))}</p>"
        )
    if items:
        for number, item in enumerate(items, start=1):
            units = [f"牵头：{'、'.join(item.lead)}" if item.lead else "牵头：（未定）"]
            if item.others:
                units.append(f"责任：{'、'.join(item.others)}")
            left.append(
                f"<p style='margin:0 0 6px 0'><b>分项{number}</b>　{esc(item.text)}"
                f"<br/><span style='color:#1f4e8c'>{esc('；'.join(units))}</span></p>"
            )
    else:
        text = task.text.strip() or task.title
        left.append(f"<p style='margin:0'>{esc(text).replace(chr(10), '<br/>')}</p>")
    right = ["<table cellspacing='0' cellpadding='0'>"]
    right.append(field("牵头单位", esc("、".join(task.lead)) or "（未定）"))
    right.append(field("责任单位", esc("、".join(task.responsible)) or "（无）"))
    right.append(field("完成时限", deadline, "color:#c00000" if task.overdue else ""))
    indicators = "<br/>".join(esc(i) for i in task.indicators) or "（无）"
    right.append(field("指标", indicators))
    right.append(field("状态", esc(task.status)))
    progress = esc(task.progress or "（尚未填写）").replace("\n", "<br/>")
    right.append(field("最新进展", progress))
    right.append("</table>")
    return (
        "<table width='100%' cellspacing='0' cellpadding='0'><tr>"
        f"<td width='58%' style='padding-right:16px; line-height:150%'>{''.join(left)}</td>"
        f"<td width='42%' style='border-left:1px solid #d0d5dd; padding-left:12px'>"
        f"{''.join(right)}</td></tr></table>"
    )


def _data_safety():
    """ui.data_safety (backup, restore, check), imported on first use."""
    from foodsafety_desktop.ui import data_safety

    return data_safety
