"""退回修改: return a department's workbook with an overall note and comments per row.

``ReturnDialog(db, submission_id)`` lists the submission's rows (序号, 任务, 完成情况,
落实情况 excerpt) with an editable 退回意见 column, an overall 退回说明 and a folder for
the package (退回说明 .docx and the prefilled template).  退回 runs
``services.returns.return_submission`` and ``reports.return_notice.write_return_package``
on the database worker; ``returnFinished(result)`` fires with the ``ReturnOutcome``.
Opened from the history dialog (a selected workbook) and the collect preview.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from foodsafety_desktop.core.changes import ChangeSet
from foodsafety_desktop.core.dates import local_time
from foodsafety_desktop.core.storage.database import current_user
from foodsafety_desktop.ui import messages
from foodsafety_desktop.ui.background import BackgroundTask, run_in_background
from foodsafety_desktop.ui.screen import fit_on_screen

if TYPE_CHECKING:
    from foodsafety_desktop.core.reports.return_notice import ReturnPackage
    from foodsafety_desktop.core.services.returns import ReturnResult, SubmissionReview
    from foodsafety_desktop.core.storage.database import Database

HEADERS = ("序号", "任务", "完成情况", "落实情况（摘录）", "退回意见")
COMMENT_COLUMN = 4


@dataclass
class ReturnOutcome:
    """What the dialog did: the return and, when a folder was chosen, the package."""

    result: ReturnResult
    package: ReturnPackage | None


def default_folder() -> Path:
    """Where the package goes unless the clerk picks another folder: 文档/退回修改."""
    documents = Path.home() / "Documents"
    return (documents if documents.is_dir() else Path.home()) / "退回修改"


class ReturnDialog(QDialog):
    """退回修改 of one submission.  Widgets by objectName: ``infoLabel``, ``rowsTable``
    (退回意见 in the last column, editable), ``noteEdit``, ``folderEdit``, ``folderButton``,
    ``returnButton``, ``withdrawButton``, ``cancelButton``."""

    returnFinished = Signal(object)  # ReturnOutcome
    withdrawFinished = Signal(object)  # ReturnResult

    def __init__(
        self,
        db: Database,
        submission_id: int,
        *,
        folder: str | Path | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        from foodsafety_desktop.core.services.returns import review_submission

        self.db = db
        self.submission_id = submission_id
        self.user = current_user()
        self.outcome: ReturnOutcome | None = None
        self._task: BackgroundTask | None = None
        self.review: SubmissionReview = review_submission(db, submission_id)
        self.setWindowTitle("退回修改")
        fit_on_screen(self, 1000, 640)
        self._build(folder)
        self._fill()

    # --- widgets ---------------------------------------------------------------------

    def _build(self, folder: str | Path | None) -> None:
        layout = QVBoxLayout(self)
        self.infoLabel = QLabel(self)
        self.infoLabel.setObjectName("infoLabel")
        self.infoLabel.setWordWrap(True)
        layout.addWidget(self.infoLabel)

        self.rowsTable = QTableWidget(0, len(HEADERS), self)
        self.rowsTable.setObjectName("rowsTable")
        self.rowsTable.setHorizontalHeaderLabels(list(HEADERS))
        self.rowsTable.verticalHeader().hide()
        self.rowsTable.setWordWrap(True)
        header = self.rowsTable.horizontalHeader()
        for column, width in enumerate((48, 280, 80, 260, 260)):
            self.rowsTable.setColumnWidth(column, width)
        header.setSectionResizeMode(COMMENT_COLUMN, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.rowsTable, 1)
        hint = QLabel("双击“退回意见”一栏填写该行需要修改的内容；不需修改的行留空。", self)
        hint.setStyleSheet("color: #555;")
        layout.addWidget(hint)

        layout.addWidget(QLabel("退回说明（退回原因，写入退回说明）：", self))
        self.noteEdit = QPlainTextEdit(self)
        self.noteEdit.setObjectName("noteEdit")
        self.noteEdit.setPlaceholderText("如：部分任务的落实情况过于简略，请补充具体数据和措施。")
        self.noteEdit.setMaximumHeight(90)
        layout.addWidget(self.noteEdit)

        row = QHBoxLayout()
        row.addWidget(QLabel("退回说明和预填的报送表保存到：", self))
        self.folderEdit = QLineEdit(str(folder) if folder is not None else str(default_folder()))
        self.folderEdit.setObjectName("folderEdit")
        self.folderEdit.setPlaceholderText("留空则只退回，不生成文件")
        self.folderEdit.setClearButtonEnabled(True)
        row.addWidget(self.folderEdit, 1)
        self.folderButton = QPushButton("选择…", self)
        self.folderButton.setObjectName("folderButton")
        self.folderButton.clicked.connect(self._choose_folder)
        row.addWidget(self.folderButton)
        layout.addLayout(row)

        buttons = QHBoxLayout()
        self.withdrawButton = QPushButton("撤销退回", self)
        self.withdrawButton.setObjectName("withdrawButton")
        self.withdrawButton.clicked.connect(self.withdraw)
        buttons.addWidget(self.withdrawButton)
        buttons.addStretch(1)
        self.returnButton = QPushButton("退回", self)
        self.returnButton.setObjectName("returnButton")
        self.returnButton.setDefault(True)
        self.returnButton.clicked.connect(self.return_submission)
        buttons.addWidget(self.returnButton)
        self.cancelButton = QPushButton("取消", self)
        self.cancelButton.setObjectName("cancelButton")
        self.cancelButton.clicked.connect(self.reject)
        buttons.addWidget(self.cancelButton)
        layout.addLayout(buttons)

    def _fill(self) -> None:
        review = self.review
        received = f"{local_time(review.received_at):%Y-%m-%d %H:%M}"
        lines = [
            f"<b>{review.department}</b>　{review.period}　文件：{review.source_name}"
            f"（收到：{received}）"
        ]
        info = review.returned
        if info is not None:
            lines.append(
                f"已于 {local_time(info.returned_at):%Y-%m-%d %H:%M} 由 {info.returned_by} "
                "退回修改；再次退回将替换原退回意见。"
            )
            self.noteEdit.setPlainText(info.note)
        if not review.is_current:
            lines.append(
                "<span style='color:#b71c1c'>该报送表已被更新的报送替换，不能退回。</span>"
            )
        self.infoLabel.setText("<br>".join(lines))
        table = self.rowsTable
        table.setRowCount(len(review.rows))
        for r, row in enumerate(review.rows):
            values = (row.seq, row.task_text or row.task, row.status, row.excerpt, row.comment)
            for column, value in enumerate(values):
                item = QTableWidgetItem(value)
                if column != COMMENT_COLUMN:
                    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                if column == 1:
                    item.setToolTip(row.task_text)
                    item.setText(row.task)
                table.setItem(r, column, item)
        self.returnButton.setEnabled(review.is_current)
        self.withdrawButton.setVisible(info is not None and review.is_current)

    def _choose_folder(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, "选择保存位置", self.folderEdit.text())
        if chosen:
            self.folderEdit.setText(chosen)

    # --- reading the form ------------------------------------------------------------

    def set_comment(self, row: int, text: str) -> None:
        """The 退回意见 of table row ``row`` (as typing it into the cell does)."""
        item = self.rowsTable.item(row, COMMENT_COLUMN)
        assert item is not None
        item.setText(text)

    def comments(self):  # -> list[RowComment]
        """The row comments entered (rows left empty are not returned)."""
        from foodsafety_desktop.core.services.returns import RowComment

        out = []
        for r, row in enumerate(self.review.rows):
            item = self.rowsTable.item(r, COMMENT_COLUMN)
            text = item.text().strip() if item is not None else ""
            if text:
                out.append(RowComment(row.task_id, text, row.item_id, row.indicator_id))
        return out

    # --- actions ---------------------------------------------------------------------

    def return_submission(self) -> BackgroundTask | None:
        """Return with the note and the comments; write the package when a folder is set."""
        if self._task is not None:
            return None
        # An open cell editor holds text the model has not got yet.
        self.rowsTable.setCurrentItem(None)
        from foodsafety_desktop.core.reports.return_notice import write_return_package
        from foodsafety_desktop.core.services import returns

        db, user, submission_id = self.db, self.user, self.submission_id
        note, rows = self.noteEdit.toPlainText(), self.comments()
        folder_text = self.folderEdit.text().strip()
        folder = Path(folder_text) if folder_text else None

        def work() -> ReturnOutcome:
            result = returns.return_submission(db, submission_id, user=user, note=note, rows=rows)
            package = write_return_package(db, submission_id, folder) if folder else None
            return ReturnOutcome(result, package)

        self._set_busy(True)
        self._task = run_in_background(
            self,
            work,
            label="正在退回……",
            on_done=self._returned,
            on_error=self._failed,
            changes=ChangeSet(submissions=True),
        )
        return self._task

    def _returned(self, outcome: ReturnOutcome) -> None:
        self._task = None
        self.outcome = outcome
        result = outcome.result
        lines = [
            f"{'已修改退回意见' if result.updated else '已退回'}：{result.department}"
            f"{result.period}报送表，{len(result.rows)} 行有退回意见。"
        ]
        if outcome.package is not None:
            lines.append(f"退回说明：{outcome.package.notice_path}")
            lines.append(f"预填的报送表：{outcome.package.template_path}")
            lines.append("请将这两个文件发给该单位；收到更正后的报送表后照常导入即可。")
        messages.show_info(self, "\n".join(lines), "已退回修改")
        self.returnFinished.emit(outcome)
        self.accept()

    def withdraw(self) -> BackgroundTask | None:
        """Undo the return (after asking)."""
        if self._task is not None:
            return None
        if not messages.confirm(
            self, "撤销退回后，该单位本期恢复为已报送。确定撤销吗？", "撤销退回"
        ):
            return None
        from foodsafety_desktop.core.services import returns

        db, user, submission_id = self.db, self.user, self.submission_id
        self._set_busy(True)
        self._task = run_in_background(
            self,
            lambda: returns.withdraw_return(db, submission_id, user=user),
            label="正在撤销退回……",
            on_done=self._withdrawn,
            on_error=self._failed,
            changes=ChangeSet(submissions=True),
        )
        return self._task

    def _withdrawn(self, result: ReturnResult) -> None:
        self._task = None
        messages.show_info(
            self, f"已撤销退回：{result.department}{result.period}报送表。", "撤销退回"
        )
        self.withdrawFinished.emit(result)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self._task = None
        self._set_busy(False)
        messages.show_error(self, exc, "未能退回")

    def _set_busy(self, busy: bool) -> None:
        for widget in (self.returnButton, self.withdrawButton, self.cancelButton):
            widget.setEnabled(not busy)
        if not busy:
            self.returnButton.setEnabled(self.review.is_current)

    def reject(self) -> None:
        if self._task is not None:
            return  # the return is being written; it cannot be interrupted halfway
        super().reject()
