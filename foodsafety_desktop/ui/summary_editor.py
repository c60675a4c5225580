"""工作总结 editor: the period's summary draft, edited before it is written as a 公文.

The draft comes from ``core.reports.summary`` (generated text with the saved edits
merged in); building it, writing the .docx and exporting the PDF run in the background.
Only the clerk's changes are saved (``save_draft``), so regenerating after a late
submission keeps them.
"""

from __future__ import annotations

import copy
import datetime as dt
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, QRegularExpression, QSignalBlocker, QStandardPaths, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QRegularExpressionValidator
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QFrame,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from foodsafety_desktop.core.changes import SUMMARIES, ChangeSet
from foodsafety_desktop.core.dates import local_time
from foodsafety_desktop.core.errors import UserError
from foodsafety_desktop.core.reports import export
from foodsafety_desktop.core.reports.department_report import write_department_report
from foodsafety_desktop.core.reports.itemized import write_itemized
from foodsafety_desktop.core.reports.material import PeriodMaterial, gather_material
from foodsafety_desktop.core.reports.summary import (
    BLOCK_SECTION,
    BLOCK_TASK,
    HEAD_FIELDS,
    MASTHEAD_FILE,
    MASTHEAD_MARK,
    MASTHEAD_NONE,
    TEXT_FIELDS,
    SummaryBlock,
    SummaryDraft,
    build_draft,
    figures_line,
    reporting_text,
    save_draft,
    write_summary,
)
from foodsafety_desktop.core.services import tracking
from foodsafety_desktop.core.services.documents import (
    COPY_TO,
    ISSUER_MARK,
    REPORT_RECIPIENT,
    SIGNED_BY,
    DocumentSettings,
    default_recipient,
    document_settings,
    keep_letterhead,
    letterhead_of,
    set_document_settings,
    split_names,
)
from foodsafety_desktop.core.services.periods import PeriodRow, list_periods
from foodsafety_desktop.core.storage.database import Database, current_user
from foodsafety_desktop.core.word.official import normalized_doc_number
from foodsafety_desktop.ui import messages
from foodsafety_desktop.ui.background import BackgroundTask, run_in_background, track
from foodsafety_desktop.ui.changes import OutsideChanges, announce, listen
from foodsafety_desktop.ui.document_settings_dialog import edit_document_settings
from foodsafety_desktop.ui.forms import child, load_form
from foodsafety_desktop.ui.office_dialog import edit_office
from foodsafety_desktop.ui.screen import fit_on_screen

KIND_SUMMARY = "summary"
KIND_ITEMIZED = "itemized"
KIND_DEPARTMENT = "department"
KINDS = (
    (KIND_SUMMARY, "工作总结"),
    (KIND_ITEMIZED, "逐条报送表"),
    (KIND_DEPARTMENT, "部门落实情况"),
)
KIND_HINTS = {
    KIND_SUMMARY: "",
    KIND_ITEMIZED: "逐条报送表按台账和各单位报送内容逐项生成（每项任务一行），无需在此编辑；"
    "点击“生成 Word”即可。",
    KIND_DEPARTMENT: "部门落实情况汇总所选单位本期报送的全部内容，无需在此编辑；"
    "选择单位后点击“生成 Word”即可。",
}

# The texts around the body, shown as items of the block tree (key "field:<name>").
FIELD_PREFIX = "field:"
FIELD_ITEMS = (
    ("opening", "总体情况（开头）"),
    ("problems", "存在的问题"),
    ("next_steps", "下步工作打算"),
)
EDITED_MARK = "（已修改）"
ROLE_KEY = Qt.ItemDataRole.UserRole
GREY = QBrush(QColor("#9a9a9a"))
EDITED_BRUSH = QBrush(QColor("#b45309"))
DOCX_FILTER = "Word 文档 (*.docx)"
PDF_FILTER = "PDF 文件 (*.pdf)"

MASTHEADS = (
    (MASTHEAD_NONE, "不用红头"),
    (MASTHEAD_FILE, "本单位红头文件"),
    (MASTHEAD_MARK, "按发文机关标志生成"),
)
URGENCIES = (("", "无"), ("加急", "加急"), ("特急", "特急"))
NO_LETTERHEAD = "尚未选择本单位的红头文件：请在“公文要素”中点“选择…”，或改选其他红头。"

log = logging.getLogger(__name__)


# 发文字号 as clerks type it: 卢食安办[2022]12号, 卢食安办（2022）第012号, 卢食安办 2022 12.
def _qdate(day: dt.date) -> QDate:
    return QDate(day.year, day.month, day.day)


class _Loaded:
    """What a background build hands to the GUI thread (no ORM objects)."""

    def __init__(
        self,
        material: PeriodMaterial,
        draft: SummaryDraft,
        submissions: set[int],
        documents: DocumentSettings,
    ):
        self.material = material
        self.draft = draft
        self.submissions = submissions
        self.documents = documents


def carry_edits(old: SummaryDraft, new: SummaryDraft) -> None:
    """Put the clerk's (possibly unsaved) edits of ``old`` onto the regenerated ``new``:
    fields that differ from their old generated value, block texts and inclusion, and
    the attachment options.  Untouched text follows the new data."""
    for name in TEXT_FIELDS:
        value = getattr(old, name)
        if value != old.generated.get(name):
            setattr(new, name, value)
        else:
            setattr(new, name, new.generated.get(name, value))
    if old.signed_on != old.generated.get("signed_on"):
        new.signed_on = old.signed_on
    new.attach_task_table = old.attach_task_table
    new.attach_indicator_table = old.attach_indicator_table
    new.masthead = old.masthead
    new.imprint = old.imprint
    new.include_reporting = old.include_reporting
    old_head = old.generated.get("head")
    for name in HEAD_FIELDS:
        value = getattr(old.head, name)
        if old_head is None or value != getattr(old_head, name):
            setattr(new.head, name, copy.copy(value))
    previous = {b.key: b for b in old.blocks}
    for block in new.blocks:
        before = previous.get(block.key)
        if before is not None:
            block.edited = before.edited if before.edited != block.generated else None
            block.included = before.included


class SummaryEditor(QWidget):
    """工作总结 of one plan: choose the period and the kind of document, edit the
    summary draft, save the edits, write the Word file, open it, export a PDF.

    ``SummaryEditor(db, plan_id, period_id=None, parent=None)``; the draft is built in
    the background (``loading`` is that task until it finishes).  Driving it without
    dialogs: ``load_period``, ``set_block_text``, ``set_block_included``, ``save``,
    ``regenerate``, ``write_docx(path)``, ``export_pdf(path)``, ``open_document``,
    ``check_new_material`` (call after submissions were imported elsewhere; also run
    when the window is activated).

    Signals: ``draftLoaded()``, ``draftSaved(int period_id)``, ``documentWritten(Path)``,
    ``pdfExported(Path)``.
    """

    draftLoaded = Signal()
    draftSaved = Signal(int)
    documentWritten = Signal(object)
    pdfExported = Signal(object)

    def __init__(
        self,
        db: Database,
        plan_id: int,
        period_id: int | None = None,
        parent: QWidget | None = None,
        *,
        read_only: bool = False,
    ) -> None:
        super().__init__(parent)
        self.db = db
        self.plan_id = plan_id
        # Another clerk's instance writes: the draft can be read and printed, not saved.
        self.read_only = read_only
        self.user = current_user()
        self.period_id: int | None = None
        self.periods: list[PeriodRow] = []
        self.material: PeriodMaterial | None = None
        self.draft: SummaryDraft | None = None
        self.loading: BackgroundTask | None = None
        self.last_docx: Path | None = None
        self.last_pdf: Path | None = None
        self.result_box: QMessageBox | None = None
        self.documents = DocumentSettings()  # the remembered defaults, as last read
        self._built_with: set[int] = set()  # current submissions when the draft was built
        self._pending: list[str] = []  # arrived after the draft was built
        self.ledger_changed = False  # tasks or departments changed since the draft was built
        self._dirty = False
        self._ready = False  # a draft is shown and may be edited
        self._filling = False
        self._token = 0
        self._items: dict[str, QTreeWidgetItem] = {}
        self._current_key: str | None = None
        self._tasks: list[BackgroundTask] = []

        self.setWindowTitle("工作总结（只读）" if read_only else "工作总结")
        self.form = load_form("summary_editor", self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.form)
        self._find_widgets()
        self._setup()
        fit_on_screen(self, 1240, 820)
        self.bodySplitter.setSizes([470, 770])
        self._fill_periods()
        chosen = period_id if period_id is not None else self._default_period()
        if chosen is not None:
            self.load_period(chosen)
        else:
            self._set_enabled(False)
            self.figuresLabel.setText("该方案还没有报送期次，请先在“报送管理”中生成报送期次。")
        listen(self, self.on_changed)
        self.outside_changes = OutsideChanges(self, db, self.on_changed)

    def on_changed(self, changes: ChangeSet) -> None:
        """Another window, a dialog or another process changed the database: new
        submissions show in the banner (the clerk decides when to rebuild the text)."""
        if changes.touches("periods", "submissions"):
            self._fill_periods()
            if self.period_id is not None:
                self._select_period_in_combo(self.period_id)
        if changes.touches("tasks", "departments") and self.draft is not None:
            self.ledger_changed = True  # the draft's task list and names may be stale
        if changes.touches("submissions", "tasks", "departments"):
            self.check_new_material()
            self._update_banner()

    # --- widgets -----------------------------------------------------------------------

    def _find_widgets(self) -> None:
        f = self.form
        self.documentTabs = child(f, QTabWidget, "documentTabs")
        self.headPage = child(f, QWidget, "headPage")
        self.periodCombo = child(f, QComboBox, "periodCombo")
        self.kindCombo = child(f, QComboBox, "kindCombo")
        self.departmentLabel = child(f, QLabel, "departmentLabel")
        self.departmentCombo = child(f, QComboBox, "departmentCombo")
        self.titleEdit = child(f, QPlainTextEdit, "titleEdit")
        self.recipientEdit = child(f, QLineEdit, "recipientEdit")
        self.signerEdit = child(f, QLineEdit, "signerEdit")
        self.signedOnEdit = child(f, QDateEdit, "signedOnEdit")
        self.officeButton = child(f, QPushButton, "officeButton")
        # 公文要素 (版头 and 版记)
        self.mastheadCombo = child(f, QComboBox, "mastheadCombo")
        self.letterheadEdit = child(f, QLineEdit, "letterheadEdit")
        self.letterheadButton = child(f, QPushButton, "letterheadButton")
        self.issuerMarkEdit = child(f, QLineEdit, "issuerMarkEdit")
        self.copyNumberEdit = child(f, QLineEdit, "copyNumberEdit")
        self.docNumberEdit = child(f, QLineEdit, "docNumberEdit")
        self.signedByEdit = child(f, QLineEdit, "signedByEdit")
        self.urgencyCombo = child(f, QComboBox, "urgencyCombo")
        self.copyToEdit = child(f, QPlainTextEdit, "copyToEdit")
        self.printedByEdit = child(f, QLineEdit, "printedByEdit")
        self.printedOnEdit = child(f, QDateEdit, "printedOnEdit")
        self.printedOnSameCheck = child(f, QCheckBox, "printedOnSameCheck")
        self.secrecyEdit = child(f, QLineEdit, "secrecyEdit")
        self.imprintCheck = child(f, QCheckBox, "imprintCheck")
        self.reportingCheck = child(f, QCheckBox, "reportingCheck")
        self.rememberButton = child(f, QPushButton, "rememberButton")
        self.documentSettingsButton = child(f, QPushButton, "documentSettingsButton")
        self.attachTaskCheck = child(f, QCheckBox, "attachTaskCheck")
        self.attachIndicatorCheck = child(f, QCheckBox, "attachIndicatorCheck")
        self.newMaterialBanner = child(f, QFrame, "newMaterialBanner")
        self.newMaterialLabel = child(f, QLabel, "newMaterialLabel")
        self.bannerRegenerateButton = child(f, QPushButton, "bannerRegenerateButton")
        self.kindHintLabel = child(f, QLabel, "kindHintLabel")
        self.bodySplitter = child(f, QSplitter, "bodySplitter")
        self.blockTree = child(f, QTreeWidget, "blockTree")
        self.editorPane = child(f, QWidget, "editorPane")
        self.blockTitleLabel = child(f, QLabel, "blockTitleLabel")
        self.blockInfoLabel = child(f, QLabel, "blockInfoLabel")
        self.blockTextEdit = child(f, QPlainTextEdit, "blockTextEdit")
        self.editedLabel = child(f, QLabel, "editedLabel")
        self.restoreButton = child(f, QPushButton, "restoreButton")
        self.saveButton = child(f, QPushButton, "saveButton")
        self.regenerateButton = child(f, QPushButton, "regenerateButton")
        self.writeButton = child(f, QPushButton, "writeButton")
        self.openButton = child(f, QPushButton, "openButton")
        self.pdfButton = child(f, QPushButton, "pdfButton")
        self.figuresLabel = child(f, QLabel, "figuresLabel")
        self.statusLabel = child(f, QLabel, "statusLabel")

    def _setup(self) -> None:
        for kind, label in KINDS:
            self.kindCombo.addItem(label, kind)
        self.kindCombo.currentIndexChanged.connect(self._kind_changed)
        self.periodCombo.activated.connect(self._period_chosen)
        self.signedOnEdit.setDate(QDate.currentDate())
        self.printedOnEdit.setDate(QDate.currentDate())
        for value, label in MASTHEADS:
            self.mastheadCombo.addItem(label, value)
        for value, label in URGENCIES:
            self.urgencyCombo.addItem(label, value)
        self.copyNumberEdit.setValidator(
            QRegularExpressionValidator(QRegularExpression(r"\d{0,6}"), self.copyNumberEdit)
        )

        tree = self.blockTree
        tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        tree.header().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        tree.header().setStretchLastSection(False)
        tree.currentItemChanged.connect(self._current_changed)
        tree.itemChanged.connect(self._item_changed)

        self.titleEdit.textChanged.connect(
            lambda: self._field_edited("title", self.titleEdit.toPlainText())
        )
        self.recipientEdit.textChanged.connect(lambda t: self._field_edited("recipient", t))
        self.signerEdit.textChanged.connect(lambda t: self._field_edited("signer", t))
        self.signedOnEdit.dateChanged.connect(self._date_edited)
        self.attachTaskCheck.toggled.connect(lambda on: self._option("attach_task_table", on))
        self.attachIndicatorCheck.toggled.connect(
            lambda on: self._option("attach_indicator_table", on)
        )
        self.blockTextEdit.textChanged.connect(self._text_edited)
        self.restoreButton.clicked.connect(self.restore_generated)
        self.officeButton.clicked.connect(self.edit_office)
        self._setup_head()

        self.saveButton.clicked.connect(self.save)
        self.regenerateButton.clicked.connect(self.regenerate)
        self.bannerRegenerateButton.clicked.connect(self.regenerate)
        self.writeButton.clicked.connect(self.choose_and_write)
        self.openButton.clicked.connect(self.open_document)
        self.pdfButton.clicked.connect(self.choose_and_export_pdf)
        self.newMaterialBanner.hide()
        self._kind_changed()
        self._show_block(None)
        self._update_file_buttons()

    def _setup_head(self) -> None:
        """公文要素: every widget writes its field of ``draft.head`` (or the option)."""
        self.mastheadCombo.currentIndexChanged.connect(self._masthead_chosen)
        self.letterheadButton.clicked.connect(self.choose_letterhead)
        for edit, name in (
            (self.issuerMarkEdit, "issuer_mark"),
            (self.copyNumberEdit, "copy_number"),
            (self.docNumberEdit, "doc_number"),
            (self.signedByEdit, "signed_by"),
            (self.printedByEdit, "printed_by"),
            (self.secrecyEdit, "secrecy"),
        ):
            edit.textChanged.connect(lambda text, name=name: self._head_edited(name, text.strip()))
        self.docNumberEdit.editingFinished.connect(self._tidy_doc_number)
        self.copyNumberEdit.editingFinished.connect(self._tidy_copy_number)
        self.urgencyCombo.currentIndexChanged.connect(
            lambda _i: self._head_edited("urgency", self.urgencyCombo.currentData() or "")
        )
        self.copyToEdit.textChanged.connect(
            lambda: self._head_edited("copy_to", split_names(self.copyToEdit.toPlainText()))
        )
        self.printedOnSameCheck.toggled.connect(self._printed_on_edited)
        self.printedOnEdit.dateChanged.connect(self._printed_on_edited)
        self.imprintCheck.toggled.connect(lambda on: self._option("imprint", on))
        self.reportingCheck.toggled.connect(lambda on: self._option("include_reporting", on))
        self.rememberButton.clicked.connect(self.remember_defaults)
        self.documentSettingsButton.clicked.connect(self.edit_document_settings)

    # --- periods -----------------------------------------------------------------------

    def _fill_periods(self) -> None:
        try:
            with self.db.session() as session:
                self.periods = list_periods(session, self.plan_id)
        except UserError as exc:
            messages.show_error(self, exc)
            self.periods = []
        with QSignalBlocker(self.periodCombo):
            self.periodCombo.clear()
            for period in self.periods:
                self.periodCombo.addItem(
                    f"{period.name}（已报 {period.submission_count} 个单位）", period.id
                )

    def _default_period(self) -> int | None:
        """The latest period that has submissions, else the first one."""
        reported = [p for p in self.periods if p.submission_count]
        if reported:
            return reported[-1].id
        return self.periods[0].id if self.periods else None

    def _period_chosen(self, index: int) -> None:
        period_id = self.periodCombo.itemData(index)
        if period_id is None or period_id == self.period_id:
            return
        if not self._keep_or_drop_changes():
            self._select_period_in_combo(self.period_id)
            return
        self.load_period(period_id)

    def _select_period_in_combo(self, period_id: int | None) -> None:
        index = self.periodCombo.findData(period_id)
        if index >= 0:
            with QSignalBlocker(self.periodCombo):
                self.periodCombo.setCurrentIndex(index)

    def period_name(self) -> str:
        return next((p.name for p in self.periods if p.id == self.period_id), "")

    # --- loading -----------------------------------------------------------------------

    def load_period(self, period_id: int) -> BackgroundTask:
        """Build the draft of ``period_id`` (saved edits merged in) in the background."""
        self.period_id = period_id
        self._select_period_in_combo(period_id)
        self.draft = None
        self._dirty = False
        return self._build(keep=None, label="正在生成工作总结草稿…")

    def edit_office(self) -> BackgroundTask | None:
        """本单位信息: the office's name (署名), contact person and phone; a changed name
        shows in the draft at once (regenerated, the clerk's edits kept)."""

        def saved(changed: list[str]) -> None:
            if changed and self.draft is not None:
                self.regenerate()

        return edit_office(self, self.db, self.user, plan_id=self.plan_id, on_saved=saved)

    def regenerate(self) -> BackgroundTask | None:
        """重新生成: rebuild from the current data, keeping the edits (saved or not)."""
        if self.period_id is None:
            return None
        return self._build(keep=self.draft, label="正在按最新报送内容重新生成…")

    def _build(self, *, keep: SummaryDraft | None, label: str) -> BackgroundTask:
        self._token += 1
        token = self._token
        db, plan_id, period_id = self.db, self.plan_id, self.period_id
        assert period_id is not None
        self._set_enabled(False)
        self.statusLabel.setText("正在生成…")

        def build() -> _Loaded:
            with db.session() as session:
                material = gather_material(session, plan_id, period_id)
                draft = build_draft(session, plan_id, period_id, material=material)
                return _Loaded(
                    material,
                    draft,
                    tracking.current_submission_ids(session, period_id),
                    document_settings(session),
                )

        def done(loaded: _Loaded) -> None:
            if token != self._token:  # a newer build was started meanwhile
                return
            if keep is not None:
                carry_edits(keep, loaded.draft)
            self._show_loaded(loaded, regenerated=keep is not None)

        def failed(exc: BaseException) -> None:
            if token == self._token:
                self.statusLabel.setText("")
                self._set_enabled(self.draft is not None)
            messages.show_error(self, exc, "无法生成工作总结")

        task = self._background(build, label, done, failed)
        self.loading = task
        task.finished.connect(lambda: self._loading_finished(task))
        return task

    def _loading_finished(self, task: BackgroundTask) -> None:
        if self.loading is task:
            self.loading = None

    def _show_loaded(self, loaded: _Loaded, *, regenerated: bool) -> None:
        self.material, self.draft = loaded.material, loaded.draft
        self.documents = loaded.documents
        self._built_with = loaded.submissions
        self._pending = []
        self.ledger_changed = False
        self._fill_fields()
        self._fill_departments()
        self._fill_tree()
        self.figuresLabel.setText(figures_line(loaded.material))
        self._set_enabled(True)
        self._update_banner()
        if regenerated:
            self.statusLabel.setText("已按最新报送内容重新生成，修改已保留（尚未保存）。")
        elif self.draft.saved_at is not None:
            saved = local_time(self.draft.saved_at)
            who = f"（{self.draft.saved_by}）" if self.draft.saved_by else ""
            self.statusLabel.setText(f"已载入 {saved:%Y-%m-%d %H:%M} 保存的修改{who}")
        else:
            self.statusLabel.setText("草稿按台账和报送内容生成，尚未修改。")
        self.draftLoaded.emit()

    def _fill_fields(self) -> None:
        draft = self.draft
        assert draft is not None
        self._filling = True
        try:
            self.titleEdit.setPlainText(draft.title)
            self.recipientEdit.setText(draft.recipient)
            self.signerEdit.setText(draft.signer)
            self.signedOnEdit.setDate(_qdate(draft.signed_on))
            self.attachTaskCheck.setChecked(draft.attach_task_table)
            self.attachIndicatorCheck.setChecked(draft.attach_indicator_table)
            self._fill_head()
        finally:
            self._filling = False

    def _fill_head(self) -> None:
        draft, material = self.draft, self.material
        assert draft is not None and material is not None
        head = draft.head
        self.mastheadCombo.setCurrentIndex(max(0, self.mastheadCombo.findData(draft.masthead)))
        self.letterheadEdit.setText(self.documents.letterhead_name or "")
        self.issuerMarkEdit.setText(head.issuer_mark)
        self.copyNumberEdit.setText(head.copy_number)
        self.docNumberEdit.setText(head.doc_number)
        self.signedByEdit.setText(head.signed_by)
        self.urgencyCombo.setCurrentIndex(max(0, self.urgencyCombo.findData(head.urgency)))
        if split_names(self.copyToEdit.toPlainText()) != head.copy_to:  # keep how it was typed
            self.copyToEdit.setPlainText("、".join(head.copy_to))
        self.printedByEdit.setText(head.printed_by)
        self.printedOnSameCheck.setChecked(head.printed_on is None)
        self.printedOnEdit.setDate(_qdate(head.printed_on or draft.signed_on))
        self.imprintCheck.setChecked(draft.imprint)
        self.reportingCheck.setChecked(draft.include_reporting)
        self.reportingCheck.setToolTip(
            "在总体情况后写入各单位报送情况（报送给政府的总结一般不写）：\n"
            + reporting_text(material)
        )
        self._update_head_widgets()

    def _update_head_widgets(self) -> None:
        """What applies to the chosen 红头: the kept file's name, the mark's text."""
        draft = self.draft
        masthead = draft.masthead if draft is not None else MASTHEAD_NONE
        editable = self._head_editable()
        self.letterheadEdit.setEnabled(editable and masthead == MASTHEAD_FILE)
        self.issuerMarkEdit.setEnabled(editable and masthead == MASTHEAD_MARK)
        self.printedOnEdit.setEnabled(editable and not self.printedOnSameCheck.isChecked())
        if masthead == MASTHEAD_FILE and not self.documents.letterhead:
            self.letterheadEdit.setPlaceholderText("尚未选择红头文件，请点“选择…”")
        else:
            self.letterheadEdit.setPlaceholderText("尚未选择红头文件")

    def _head_editable(self) -> bool:
        return (
            self._ready and self.draft is not None and self.kind() == KIND_SUMMARY
        ) and not self.read_only

    def _fill_departments(self) -> None:
        material = self.material
        assert material is not None
        keep = self.departmentCombo.currentText()
        reported = [
            d.name for d in (*material.departments, *material.extra_departments) if d.reported
        ]
        with QSignalBlocker(self.departmentCombo):
            self.departmentCombo.clear()
            self.departmentCombo.addItems(reported)
            if keep in reported:
                self.departmentCombo.setCurrentText(keep)
        if not reported:
            self.departmentCombo.setPlaceholderText("本期尚无单位报送")

    # --- the block tree ----------------------------------------------------------------

    def _fill_tree(self) -> None:
        draft = self.draft
        assert draft is not None
        keep = self._current_key
        tree = self.blockTree
        self._filling = True
        try:
            with QSignalBlocker(tree):
                tree.clear()
                self._items = {}

                def field_item(name: str, label: str) -> None:
                    item = QTreeWidgetItem([label, ""])
                    item.setData(0, ROLE_KEY, FIELD_PREFIX + name)
                    item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
                    tree.addTopLevelItem(item)
                    self._items[FIELD_PREFIX + name] = item

                field_item(*FIELD_ITEMS[0])
                for block in draft.blocks:
                    item = QTreeWidgetItem(["", block.status or ""])
                    item.setData(0, ROLE_KEY, block.key)
                    item.setFlags(
                        Qt.ItemFlag.ItemIsEnabled
                        | Qt.ItemFlag.ItemIsSelectable
                        | Qt.ItemFlag.ItemIsUserCheckable
                    )
                    item.setCheckState(
                        0, Qt.CheckState.Checked if block.included else Qt.CheckState.Unchecked
                    )
                    if block.kind == BLOCK_SECTION:
                        font = QFont(item.font(0))
                        font.setBold(True)
                        item.setFont(0, font)
                    parent = self._items.get(block.parent_key or "")
                    if parent is not None:
                        parent.addChild(item)
                    else:
                        tree.addTopLevelItem(item)
                    self._items[block.key] = item
                for name, label in FIELD_ITEMS[1:]:
                    field_item(name, label)
                tree.expandAll()
            self._refresh_labels()
        finally:
            self._filling = False
        target = self._items.get(keep or "") or self._first_task_item()
        self.blockTree.setCurrentItem(target)
        self._show_block(target)

    def _first_task_item(self) -> QTreeWidgetItem | None:
        for key, item in self._items.items():
            if key.startswith(BLOCK_TASK + ":"):
                return item
        return self._items.get(FIELD_PREFIX + "opening")

    def _refresh_labels(self) -> None:
        """Ordinals as printed (excluded blocks renumber the rest), the 已修改 mark, grey
        for what will not be printed."""
        draft = self.draft
        if draft is None:
            return
        ordinals = {b.key: label for label, b in draft.numbered()}
        with QSignalBlocker(self.blockTree):
            for block in draft.blocks:
                item = self._items[block.key]
                name = block.text.strip() if block.kind == BLOCK_SECTION else block.title
                text = ordinals.get(block.key, "") + name.replace("\n", " ")
                if block.is_edited and block.edited != block.generated:
                    text += EDITED_MARK
                item.setText(0, text)
                printed = block.key in ordinals
                brush = (
                    EDITED_BRUSH if printed and block.is_edited else (QBrush() if printed else GREY)
                )
                item.setForeground(0, brush)
                item.setForeground(1, QBrush() if printed else GREY)
                tip = block.title if block.kind == BLOCK_TASK else block.text
                if not printed:
                    tip += "\n（不写入总结）"
                item.setToolTip(0, tip)
            for name, label in FIELD_ITEMS:
                item = self._items[FIELD_PREFIX + name]
                edited = self._field_is_edited(name)
                item.setText(0, label + (EDITED_MARK if edited else ""))
                item.setForeground(0, EDITED_BRUSH if edited else QBrush())
                empty = not getattr(draft, name).strip()
                item.setText(1, "（空，不写入）" if empty else "")

    def _field_is_edited(self, name: str) -> bool:
        draft = self.draft
        return draft is not None and getattr(draft, name) != draft.generated.get(name)

    def _key_of(self, item: QTreeWidgetItem | None) -> str | None:
        return item.data(0, ROLE_KEY) if item is not None else None

    def _current_changed(self, current: QTreeWidgetItem | None, _previous=None) -> None:
        self._show_block(current)

    def _show_block(self, item: QTreeWidgetItem | None) -> None:
        key = self._key_of(item)
        self._current_key = key
        self._filling = True
        try:
            if key is None or self.draft is None:
                self.blockTitleLabel.setText("")
                self.blockInfoLabel.setText("")
                self.blockTextEdit.setPlainText("")
                self.blockTextEdit.setEnabled(False)
            else:
                self.blockTextEdit.setEnabled(True)
                if key.startswith(FIELD_PREFIX):
                    name = key[len(FIELD_PREFIX) :]
                    label = dict(FIELD_ITEMS)[name]
                    self.blockTitleLabel.setText(label)
                    self.blockInfoLabel.setText(
                        "按台账和各单位报送内容汇总生成，可直接修改；内容为空时不写入总结。"
                    )
                    self.blockTextEdit.setPlainText(getattr(self.draft, name))
                else:
                    block = self.draft.block(key)
                    self.blockTitleLabel.setText(self._block_heading(block))
                    self.blockInfoLabel.setText(self._block_info(block))
                    self.blockTextEdit.setPlainText(block.text)
        finally:
            self._filling = False
        self._update_edited_state()

    def _block_heading(self, block: SummaryBlock) -> str:
        if block.kind == BLOCK_SECTION:
            return f"标题：{block.generated}"
        return block.title

    def _block_info(self, block: SummaryBlock) -> str:
        if block.kind == BLOCK_SECTION:
            return "可改写本级标题；取消勾选则本部分（含其下任务）不写入总结。"
        if not block.departments:
            return "本期没有单位报送这项任务（完成情况：未报送）。"
        status = f"完成情况：{block.status}。" if block.status else ""
        return status + "报送单位（牵头单位在前）：" + "、".join(block.departments)

    def _update_edited_state(self) -> None:
        edited = self._current_is_edited()
        self.editedLabel.setText("已修改：打印时使用修改后的文字" if edited else "")
        self.restoreButton.setEnabled(edited)

    def _current_is_edited(self) -> bool:
        key, draft = self._current_key, self.draft
        if key is None or draft is None:
            return False
        if key.startswith(FIELD_PREFIX):
            return self._field_is_edited(key[len(FIELD_PREFIX) :])
        block = draft.block(key)
        return block.is_edited and block.edited != block.generated

    def _text_edited(self) -> None:
        if self._filling or self._current_key is None or self.draft is None:
            return
        text = self.blockTextEdit.toPlainText()
        key = self._current_key
        if key.startswith(FIELD_PREFIX):
            setattr(self.draft, key[len(FIELD_PREFIX) :], text)
        else:
            block = self.draft.block(key)
            block.edited = None if text == block.generated else text
        self._changed()

    def _item_changed(self, item: QTreeWidgetItem, column: int) -> None:
        key = self._key_of(item)
        if self._filling or column != 0 or self.draft is None or not key:
            return
        if key.startswith(FIELD_PREFIX):
            return
        block = self.draft.block(key)
        included = item.checkState(0) == Qt.CheckState.Checked
        if included != block.included:
            block.included = included
            self._changed()

    def restore_generated(self) -> None:
        """恢复生成内容: drop the edit of the selected block (or text)."""
        key, draft = self._current_key, self.draft
        if key is None or draft is None:
            return
        if key.startswith(FIELD_PREFIX):
            name = key[len(FIELD_PREFIX) :]
            setattr(draft, name, draft.generated.get(name, ""))
        else:
            draft.block(key).edited = None
        self._changed()
        self._show_block(self._items.get(key))

    def _changed(self) -> None:
        self._dirty = True
        self._refresh_labels()
        self._update_edited_state()
        self.statusLabel.setText("有未保存的修改")

    # --- fields ------------------------------------------------------------------------

    def _field_edited(self, name: str, value: str) -> None:
        if self._filling or self.draft is None:
            return
        setattr(self.draft, name, value)
        self._changed()

    def _date_edited(self, value: QDate) -> None:
        if self._filling or self.draft is None:
            return
        self.draft.signed_on = value.toPython()
        if self.printedOnSameCheck.isChecked():  # 印发日期 follows 成文日期
            self._filling = True
            try:
                self.printedOnEdit.setDate(value)
            finally:
                self._filling = False
        self._changed()

    def _head_edited(self, name: str, value: Any) -> None:
        if self._filling or self.draft is None:
            return
        if getattr(self.draft.head, name) == value:
            return
        setattr(self.draft.head, name, value)
        self._changed()

    def _masthead_chosen(self, _index: int) -> None:
        if self._filling or self.draft is None:
            return
        self.draft.masthead = self.mastheadCombo.currentData() or MASTHEAD_NONE
        self._update_head_widgets()
        self._changed()

    def set_masthead(self, masthead: str) -> None:
        """红头: MASTHEAD_NONE, MASTHEAD_FILE or MASTHEAD_MARK, through the combo."""
        self.mastheadCombo.setCurrentIndex(self.mastheadCombo.findData(masthead))

    def _tidy_doc_number(self) -> None:
        text = self.docNumberEdit.text()
        tidy = normalized_doc_number(text)
        if tidy != text:
            self.docNumberEdit.setText(tidy)  # goes to the draft through textChanged

    def _tidy_copy_number(self) -> None:
        text = self.copyNumberEdit.text().strip()
        if text.isdigit() and len(text) < 6:  # GB/T 9704 7.2.1: six digits
            self.copyNumberEdit.setText(text.zfill(6))

    def _printed_on_edited(self, *_args: Any) -> None:
        same = self.printedOnSameCheck.isChecked()
        self.printedOnEdit.setEnabled(self._head_editable() and not same)
        if self._filling or self.draft is None:
            return
        if same:
            self._filling = True
            try:
                self.printedOnEdit.setDate(_qdate(self.draft.signed_on))
            finally:
                self._filling = False
        self._head_edited("printed_on", None if same else self.printedOnEdit.date().toPython())

    def _option(self, name: str, on: bool) -> None:
        if self._filling or self.draft is None:
            return
        setattr(self.draft, name, on)
        self._changed()

    def choose_letterhead(self) -> BackgroundTask | None:
        start = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        path, _ = QFileDialog.getOpenFileName(self, "选择红头文件", start, DOCX_FILTER)
        if not path:
            return None
        return self.keep_letterhead(path)

    def keep_letterhead(self, path: str | Path) -> BackgroundTask:
        """Check the 红头 .docx at ``path`` and keep it with the database (every clerk
        of the office and every later session uses it); this draft then prints on it."""
        db, user = self.db, self.user

        def keep() -> tuple[str, DocumentSettings]:
            with db.session() as session:
                name = keep_letterhead(session, path, user=user)
                return name, document_settings(session)

        def done(result: tuple[str, DocumentSettings]) -> None:
            name, self.documents = result
            self.letterheadEdit.setText(self.documents.letterhead_name or name)
            if self.draft is not None:
                self.set_masthead(MASTHEAD_FILE)
            self._update_head_widgets()
            self.statusLabel.setText(f"红头文件“{name}”已保存，以后自动使用。")

        return self._background(
            keep,
            "正在保存红头文件…",
            done,
            lambda e: messages.show_error(self, e, "红头文件未保存"),
        )

    def remember_defaults(self) -> BackgroundTask | None:
        """记住为本单位默认: this draft's 主送机关, 抄送机关, 签发人 (and, when the 红头 is
        generated from it, the 发文机关标志) become what new documents start with; the
        draft is regenerated, so these are no longer edits of it."""
        draft = self.draft
        if draft is None or self.read_only:
            return None
        values: dict[str, str | list[str] | None] = {
            REPORT_RECIPIENT: draft.recipient.strip(),
            COPY_TO: list(draft.head.copy_to),
            SIGNED_BY: draft.head.signed_by,
        }
        if draft.masthead == MASTHEAD_MARK:
            values[ISSUER_MARK] = draft.head.issuer_mark
        db, user = self.db, self.user

        def remember() -> list[str]:
            with db.session() as session:
                return set_document_settings(session, values, user=user)

        def done(changed: list[str]) -> None:
            note = (
                f"已记住为本单位默认：{'、'.join(changed)}。" if changed else "本单位默认没有变化。"
            )
            if not changed:
                self.statusLabel.setText(note)
                return
            task = self.regenerate()
            if task is not None:
                task.finished.connect(lambda: self.statusLabel.setText(note))

        return self._background(
            remember, "正在保存本单位默认…", done, lambda e: messages.show_error(self, e)
        )

    def edit_document_settings(self) -> BackgroundTask | None:
        """公文设置: the remembered defaults; a change shows in the draft at once
        (regenerated, the clerk's edits kept)."""
        material = self.material

        def saved(changed: list[str]) -> None:
            if changed and self.draft is not None:
                self.regenerate()

        return edit_document_settings(
            self,
            self.db,
            self.user,
            recipient_default=default_recipient(DocumentSettings(), material.place)
            if material
            else "",
            mark_default=material.office_name if material else "",
            on_saved=saved,
        )

    # --- kind ---------------------------------------------------------------------------

    def kind(self) -> str:
        return self.kindCombo.currentData() or KIND_SUMMARY

    def set_kind(self, kind: str, department: str | None = None) -> None:
        self.kindCombo.setCurrentIndex(self.kindCombo.findData(kind))
        if department is not None:
            self.departmentCombo.setCurrentText(department)

    def _kind_changed(self, _index: int = 0) -> None:
        kind = self.kind()
        is_department = kind == KIND_DEPARTMENT
        self.departmentLabel.setVisible(is_department)
        self.departmentCombo.setVisible(is_department)
        self.kindHintLabel.setText(KIND_HINTS[kind])
        self.kindHintLabel.setVisible(bool(KIND_HINTS[kind]))
        self._set_enabled(self.draft is not None)

    def _set_enabled(self, ready: bool) -> None:
        summary = self.kind() == KIND_SUMMARY
        for widget in (
            self.titleEdit,
            self.recipientEdit,
            self.signerEdit,
            self.signedOnEdit,
            self.attachTaskCheck,
            self.attachIndicatorCheck,
            self.bodySplitter,
            self.saveButton,
            *self._head_widgets(),
        ):
            widget.setEnabled(ready and summary)
        self._ready = ready
        if ready and summary:
            self._update_head_widgets()
        if self.read_only:  # nothing saved: not the draft, the letterhead or the defaults
            for widget in (
                self.saveButton,
                *self._head_widgets(),
                self.letterheadButton,
                self.rememberButton,
                self.documentSettingsButton,
                self.officeButton,
            ):
                widget.setEnabled(False)
        self.regenerateButton.setEnabled(ready)
        self.bannerRegenerateButton.setEnabled(ready)
        self.writeButton.setEnabled(ready)
        self.kindCombo.setEnabled(ready)
        self.departmentCombo.setEnabled(ready)

    def _head_widgets(self) -> tuple[QWidget, ...]:
        return (
            self.mastheadCombo,
            self.letterheadEdit,
            self.letterheadButton,
            self.issuerMarkEdit,
            self.copyNumberEdit,
            self.docNumberEdit,
            self.signedByEdit,
            self.urgencyCombo,
            self.copyToEdit,
            self.printedByEdit,
            self.printedOnEdit,
            self.printedOnSameCheck,
            self.secrecyEdit,
            self.imprintCheck,
            self.reportingCheck,
            self.rememberButton,
            self.documentSettingsButton,
        )

    # --- new material -------------------------------------------------------------------

    def check_new_material(self) -> list[str]:
        """Look for submissions that arrived after the draft was built; the banner offers
        重新生成.  Returns the departments (as shown)."""
        if self.draft is None or self.period_id is None or self.loading is not None:
            return []
        with self.db.session() as session:
            self._pending = tracking.new_material(session, self.period_id, self._built_with)
        if self._pending:  # the period list shows how many departments reported
            self._fill_periods()
            self._select_period_in_combo(self.period_id)
        self._update_banner()
        return self._pending

    def _update_banner(self) -> None:
        draft = self.draft
        notes: list[str] = []
        if self._pending:
            notes.append(
                f"有 {len(self._pending)} 份新的报送：{'、'.join(self._pending)}，"
                "点击“重新生成”合并（已做的修改会保留）。"
            )
        if self.ledger_changed:
            notes.append(
                "台账的任务或单位已有改动，点击“重新生成”按最新台账更新草稿（已做的修改会保留）。"
            )
        if not notes and draft is not None and draft.new_material:
            notes.append(
                f"上次保存修改后收到 {len(draft.new_material)} 份新的报送："
                f"{'；'.join(draft.new_material)}。未修改的段落和数字已按新内容生成，"
                "请检查后点击“保存修改”。"
            )
        if not notes:
            self.newMaterialBanner.hide()
            return
        text = "".join(notes)
        self.newMaterialLabel.setText(text)
        self.bannerRegenerateButton.setVisible(bool(self._pending) or self.ledger_changed)
        self.newMaterialBanner.show()

    # --- saving -------------------------------------------------------------------------

    def save(self) -> bool:
        """保存修改: store the edits with the period (one transaction, audited)."""
        if self.draft is None or self.period_id is None:
            return False
        try:
            with self.db.session() as session:
                save_draft(session, self.period_id, self.draft, user=self.user)
            announce(SUMMARIES, self)
        except Exception as exc:
            messages.show_error(self, exc, "修改未保存")
            return False
        self._dirty = False
        # Submissions that arrived while editing stay in the banner until 重新生成:
        # the text on screen does not hold them yet.
        self._update_banner()
        self.statusLabel.setText(f"修改已保存（{dt.datetime.now():%H:%M}）")
        self.draftSaved.emit(self.period_id)
        return True

    @property
    def is_dirty(self) -> bool:
        return self._dirty

    def _keep_or_drop_changes(self) -> bool:
        """Before leaving the draft: offer to save unsaved edits.  False: saving failed."""
        if not self._dirty or self.draft is None or self.read_only:
            return True
        if messages.confirm(self, "工作总结有未保存的修改，现在保存吗？\n选“否”将放弃这些修改。"):
            return self.save()
        self._dirty = False
        return True

    def closeEvent(self, event) -> None:
        if not self._keep_or_drop_changes():
            event.ignore()
            return
        super().closeEvent(event)

    # --- writing ------------------------------------------------------------------------

    def default_file_name(self) -> str:
        kind = self.kind()
        name = self.period_name()
        if kind == KIND_DEPARTMENT:
            name = self.departmentCombo.currentText() + name + "落实情况"
        else:
            name += dict(KINDS)[kind]
        return "".join(c for c in name if c not in '\\/:*?"<>|\n') + ".docx"

    def choose_and_write(self) -> None:
        folder = (
            str(self.last_docx.parent)
            if self.last_docx
            else QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        )
        path, _ = QFileDialog.getSaveFileName(
            self, "生成 Word 文档", str(Path(folder) / self.default_file_name()), DOCX_FILTER
        )
        if path:
            if not path.lower().endswith(".docx"):
                path += ".docx"
            self.write_docx(path)

    def write_docx(self, path: str | Path) -> BackgroundTask | None:
        """Write the chosen kind of document to ``path`` in the background; on success
        a message offers 打开 / 导出PDF."""
        if self.period_id is None or self.draft is None:
            return None
        kind, target = self.kind(), Path(path)
        department = self.departmentCombo.currentText()
        if kind == KIND_DEPARTMENT and not department:
            messages.show_error(self, UserError("本期还没有单位报送，无法生成部门落实情况。"))
            return None
        draft = copy.deepcopy(self.draft)  # the worker must not see later edits
        db, plan_id, period_id = self.db, self.plan_id, self.period_id

        def write() -> Path:
            letterhead = None
            with db.session() as session:
                material = gather_material(session, plan_id, period_id)
                if kind == KIND_SUMMARY and draft.masthead == MASTHEAD_FILE:
                    letterhead = letterhead_of(session)  # UserError: the kept copy is gone
                    if letterhead is None:
                        raise UserError(NO_LETTERHEAD)
            if kind == KIND_ITEMIZED:
                return write_itemized(material, target)
            if kind == KIND_DEPARTMENT:
                return write_department_report(material, department, target)
            return write_summary(draft, material, target, letterhead=letterhead)

        def done(written: Path) -> None:
            self.last_docx = Path(written)
            self._update_file_buttons()
            self.statusLabel.setText(f"已生成：{self.last_docx.name}")
            self.documentWritten.emit(self.last_docx)
            self._show_result(
                "生成完成",
                f"已生成 Word 文档：\n{self.last_docx}\n\n可以打开后打印，或导出为 PDF。",
                [("打开", self.open_document), ("导出PDF", self.choose_and_export_pdf)],
            )

        return self._background(
            write, "正在生成 Word 文档…", done, lambda e: messages.show_error(self, e)
        )

    def _update_file_buttons(self) -> None:
        has = self.last_docx is not None
        self.openButton.setEnabled(has)
        self.pdfButton.setEnabled(has)
        if not has:
            self.openButton.setToolTip("请先点击“生成 Word”")
            self.pdfButton.setToolTip("请先点击“生成 Word”")
        else:
            self.openButton.setToolTip(f"用 WPS 或 Word 打开：{self.last_docx}")
            self.pdfButton.setToolTip("通过 Word 或 LibreOffice 把文档转为 PDF")

    def _show_result(
        self, title: str, text: str, actions: list[tuple[str, Callable[[], Any]]]
    ) -> QMessageBox:
        """A non-blocking message with action buttons (打开 / 导出PDF) and 关闭."""
        if self.result_box is not None:
            self.result_box.done(0)
        box = QMessageBox(QMessageBox.Icon.Information, title, text, parent=self)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        handlers = {}
        for label, fn in actions:
            handlers[box.addButton(label, QMessageBox.ButtonRole.ActionRole)] = fn
        box.addButton("关闭", QMessageBox.ButtonRole.RejectRole)
        box.buttonClicked.connect(lambda button: self._result_clicked(handlers, button))
        box.finished.connect(lambda _r: self._forget_box(box))
        self.result_box = box
        box.open()
        return box

    def _result_clicked(self, handlers: dict, button) -> None:
        fn = handlers.get(button)
        if fn is not None:
            fn()

    def _forget_box(self, box: QMessageBox) -> None:
        if self.result_box is box:
            self.result_box = None

    def open_document(self, path: str | Path | None = None) -> bool:
        """打开: the document (default: the one just written) in WPS / Word."""
        target = Path(path) if path else self.last_docx
        if target is None:
            messages.show_error(self, UserError("请先点击“生成 Word”生成文档。"))
            return False
        try:
            export.open_file(target)
        except Exception as exc:
            messages.show_error(self, exc, "无法打开")
            return False
        return True

    def choose_and_export_pdf(self) -> None:
        if self.last_docx is None:
            messages.show_error(self, UserError("请先点击“生成 Word”生成文档。"))
            return
        if export.find_office() is None:
            messages.show_error(self, UserError(export.NO_OFFICE_MESSAGE), "无法导出 PDF")
            return
        path, _ = QFileDialog.getSaveFileName(
            self, "导出 PDF", str(self.last_docx.with_suffix(".pdf")), PDF_FILTER
        )
        if path:
            self.export_pdf(path)

    def export_pdf(self, path: str | Path | None = None) -> BackgroundTask | None:
        """导出 PDF of the last written document to ``path`` (default: beside it) through
        Word or LibreOffice, in the background; says plainly when neither is installed."""
        docx = self.last_docx
        if docx is None:
            messages.show_error(self, UserError("请先点击“生成 Word”生成文档。"))
            return None
        if export.find_office() is None:
            messages.show_error(self, UserError(export.NO_OFFICE_MESSAGE), "无法导出 PDF")
            return None
        target = Path(path) if path else None

        def done(pdf: Path) -> None:
            self.last_pdf = Path(pdf)
            self.statusLabel.setText(f"已导出：{self.last_pdf.name}")
            self.pdfExported.emit(self.last_pdf)
            self._show_result(
                "导出完成",
                f"已导出 PDF：\n{self.last_pdf}",
                [("打开", lambda: self.open_document(self.last_pdf))],
            )

        return self._background(
            lambda: export.export_pdf(docx, target),
            "正在导出 PDF（可能需要几十秒）…",
            done,
            lambda e: messages.show_error(self, e, "无法导出 PDF"),
        )

    # --- helpers ------------------------------------------------------------------------

    def _background(
        self,
        fn: Callable[[], Any],
        label: str,
        on_done: Callable[[Any], None],
        on_error: Callable[[BaseException], None],
    ) -> BackgroundTask:
        task = run_in_background(self, fn, label=label, on_done=on_done, on_error=on_error)
        return track(self._tasks, task)

    # --- driving without dialogs (tests, main window) ----------------------------------

    def block_keys(self) -> list[str]:
        """The blocks' keys as the tree lists them (plan order)."""
        out = []

        def walk(item: QTreeWidgetItem) -> None:
            key = self._key_of(item)
            if key and not key.startswith(FIELD_PREFIX):
                out.append(key)
            for i in range(item.childCount()):
                walk(item.child(i))

        for i in range(self.blockTree.topLevelItemCount()):
            walk(self.blockTree.topLevelItem(i))
        return out

    def item_of(self, key: str) -> QTreeWidgetItem:
        return self._items[key]

    def select_block(self, index: int) -> QTreeWidgetItem:
        """Select ``draft.blocks[index]`` in the tree (its text goes to the editor)."""
        assert self.draft is not None
        item = self._items[self.draft.blocks[index].key]
        self.blockTree.setCurrentItem(item)
        return item

    def select_field(self, name: str) -> QTreeWidgetItem:
        """Select 总体情况 (``opening``), 存在的问题 (``problems``) or ``next_steps``."""
        item = self._items[FIELD_PREFIX + name]
        self.blockTree.setCurrentItem(item)
        return item

    def set_block_text(self, index: int, text: str) -> None:
        """Rewrite ``draft.blocks[index]`` through the editor, as the clerk would."""
        self.select_block(index)
        self.blockTextEdit.setPlainText(text)

    def set_block_included(self, index: int, included: bool) -> None:
        item = self.select_block(index)
        item.setCheckState(0, Qt.CheckState.Checked if included else Qt.CheckState.Unchecked)
