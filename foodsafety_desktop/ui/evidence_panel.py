"""佐证材料 panel: the evidence files of a task, a submission or a 细则 item, with drop
from the file manager, 添加…, 打开 and 删除 (for the ledger and the 考核 view).

Attaching, opening and removing run on the database worker (``ui.background``); the
list is re-read after each commit and ``changed`` is emitted.  The panel shows what
happened to each dropped file in its status line (no message box per file).
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from foodsafety_desktop.core.changes import EVIDENCE, ChangeSet
from foodsafety_desktop.ui.background import BackgroundTask, run_in_background
from foodsafety_desktop.ui.changes import listen
from foodsafety_desktop.ui.messages import confirm, show_error

if TYPE_CHECKING:
    from foodsafety_desktop.core.services.evidence import AttachOutcome, EvidenceInfo
    from foodsafety_desktop.core.storage.database import Database

COLUMNS = ("文件名", "大小", "添加时间", "添加人", "单位", "添加到")
ID_ROLE = Qt.ItemDataRole.UserRole + 1
DROP_HINT = "把文件拖到这里即可添加（PDF、照片、Word、Excel、扫描件等均可）。"


class _Relay(QObject):
    """Carries ``progress(done, total, name)`` from the worker to the progress dialog
    (created on the GUI thread, so the signal is queued there)."""

    moved = Signal(int, int, str)

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self.task: BackgroundTask | None = None
        self.moved.connect(self._show)

    def report(self, done: int, total: int, name: str) -> None:
        self.moved.emit(done, total, name)

    def _show(self, done: int, total: int, name: str) -> None:
        dialog = self.task.progress if self.task is not None else None
        if dialog is None:
            return
        dialog.setLabelText(f"正在添加佐证材料 {min(done + 1, total)}/{total} …\n{name}")
        dialog.setMaximum(max(total, 1))
        dialog.setValue(min(done, max(total, 1) - 1))


class EvidencePanel(QWidget):
    """The evidence of one target (see :meth:`set_target`).

    ``changed`` fires on the GUI thread after a commit (files added or one removed);
    ``opened(Path)`` after a copy was handed to the desktop to open.
    """

    changed = Signal()
    opened = Signal(object)

    def __init__(self, db: Database | None, parent: QWidget | None = None) -> None:
        """``db`` None: nothing is shown until ``set_database`` (the main window opens
        its database after it is shown)."""
        super().__init__(parent)
        self.db = db
        self.user = _user() if db is not None else ""
        self.target: dict[str, int | None] = {}
        self.rows: list[EvidenceInfo] = []
        self.outcomes: list[AttachOutcome] = []
        self.task: BackgroundTask | None = None
        self.setAcceptDrops(True)

        self.titleLabel = QLabel("佐证材料", self)
        self.titleLabel.setObjectName("titleLabel")
        self.list = QTreeWidget(self)
        self.list.setObjectName("evidenceList")
        self.list.setColumnCount(len(COLUMNS))
        self.list.setHeaderLabels(list(COLUMNS))
        self.list.setRootIsDecorated(False)
        self.list.setUniformRowHeights(True)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.list.setAcceptDrops(False)  # the panel takes the drop
        self.list.itemDoubleClicked.connect(lambda _item, _col: self.open_selected())
        self.list.itemSelectionChanged.connect(self._update_buttons)

        self.addButton = QPushButton("添加…", self)
        self.openButton = QPushButton("打开", self)
        self.removeButton = QPushButton("删除", self)
        self.addButton.clicked.connect(self.choose_files)
        self.openButton.clicked.connect(self.open_selected)
        self.removeButton.clicked.connect(self.remove_selected)
        self.statusLabel = QLabel(DROP_HINT, self)
        self.statusLabel.setObjectName("statusLabel")
        self.statusLabel.setWordWrap(True)

        buttons = QHBoxLayout()
        buttons.addWidget(self.addButton)
        buttons.addWidget(self.openButton)
        buttons.addWidget(self.removeButton)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.titleLabel)
        layout.addWidget(self.list, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.statusLabel)
        listen(self, self._on_change)
        self._update_buttons()

    # --- the target -------------------------------------------------------------------

    def set_database(self, db: Database) -> None:
        self.db = db
        self.user = _user()
        self.set_target()

    def set_target(
        self,
        *,
        task_id: int | None = None,
        submission_id: int | None = None,
        item_id: int | None = None,
        department_id: int | None = None,
        assessment_id: int | None = None,
    ) -> None:
        """Show the evidence of this target (every filter given must match); files are
        attached to the task / submission / item given (an ``assessment_id`` alone
        lists a whole 细则's evidence and takes no drop)."""
        self.target = {
            "task_id": task_id,
            "submission_id": submission_id,
            "item_id": item_id,
            "department_id": department_id,
            "assessment_id": assessment_id,
        }
        self.statusLabel.setText(DROP_HINT if self.can_attach else "")
        self.refresh()

    @property
    def can_attach(self) -> bool:
        t = self.target
        return any(t.get(k) is not None for k in ("task_id", "submission_id", "item_id"))

    def _attach_target(self) -> dict[str, int | None]:
        return {k: v for k, v in self.target.items() if k != "assessment_id"}

    def refresh(self) -> None:
        """Re-read the list (one short query)."""
        selected = self.selected_id()
        if self.db is None or all(v is None for v in self.target.values()):
            self.rows = []
        else:
            with self.db.session() as session:
                from foodsafety_desktop.core.services.evidence import evidence_list, item_evidence

                t = self.target
                if t.get("item_id") is not None and t.get("assessment_id") is not None:
                    # A 细则 item: its own files and those of its linked tasks and their
                    # workbooks, as the item's count in the 考核 window says.
                    by_item = item_evidence(
                        session, t["assessment_id"], department_id=t.get("department_id")
                    )
                    self.rows = by_item.get(t["item_id"], [])
                else:
                    self.rows = evidence_list(session, **t)
        self.list.clear()
        for info in self.rows:
            item = QTreeWidgetItem(
                [
                    info.name,
                    info.size_text,
                    info.added_text,
                    info.added_by,
                    info.department_name or "",
                    info.attached_to,
                ]
            )
            item.setData(0, ID_ROLE, info.id)
            item.setToolTip(0, info.note or info.name)
            item.setTextAlignment(1, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.list.addTopLevelItem(item)
            if info.id == selected:
                item.setSelected(True)
        for column in range(1, len(COLUMNS)):
            self.list.resizeColumnToContents(column)
        self.titleLabel.setText(f"佐证材料（{len(self.rows)}）" if self.rows else "佐证材料")
        self._update_buttons()

    def _on_change(self, changes: ChangeSet) -> None:
        if changes.touches("evidence", "tasks", "submissions", "assessments") and self.target:
            self.refresh()

    def selected_id(self) -> int | None:
        items = self.list.selectedItems()
        return int(items[0].data(0, ID_ROLE)) if items else None

    def _selected(self) -> EvidenceInfo | None:
        wanted = self.selected_id()
        return next((r for r in self.rows if r.id == wanted), None)

    def _update_buttons(self) -> None:
        idle = self.task is None
        writable = self.db is not None and not self.db.read_only
        self.addButton.setEnabled(idle and self.can_attach and writable)
        has = self.selected_id() is not None
        self.openButton.setEnabled(idle and has)
        self.removeButton.setEnabled(idle and has and writable)

    # --- adding -----------------------------------------------------------------------

    @staticmethod
    def _dropped_paths(mime: Any) -> list[Path]:
        if mime is None or not mime.hasUrls():
            return []
        return [Path(u.toLocalFile()) for u in mime.urls() if u.isLocalFile()]

    def dragEnterEvent(self, event) -> None:
        if self.addButton.isEnabled() and self._dropped_paths(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    dragMoveEvent = dragEnterEvent

    def dropEvent(self, event) -> None:
        paths = self._dropped_paths(event.mimeData())
        if not (self.can_attach and self.task is None and paths):
            event.ignore()
            return
        event.acceptProposedAction()
        self.attach_files(paths)

    def choose_files(self) -> None:
        names, _ = QFileDialog.getOpenFileNames(self, "选择佐证材料", "", "所有文件 (*)")
        if names:
            self.attach_files(names)

    def attach_files(self, paths: Iterable[str | Path]) -> BackgroundTask | None:
        """Attach ``paths`` on the database worker (one transaction a file); the list,
        the status line and ``changed`` follow on the GUI thread."""
        files = [Path(p) for p in paths]
        files = _expand_folders(files)
        if not files or not self.can_attach or self.task is not None:
            return None
        db, user, target = self.db, self.user, self._attach_target()
        relay = _Relay(self)

        def work() -> list[AttachOutcome]:
            from foodsafety_desktop.core.services.evidence import attach_many

            return attach_many(db, files, user=user, progress=relay.report, **target)

        self.statusLabel.setText(f"正在添加 {len(files)} 个文件…")
        task = run_in_background(
            self,
            work,
            label=f"正在添加佐证材料 0/{len(files)} …",
            on_done=self._attached,
            on_error=self._failed,
            changes=lambda outcomes: EVIDENCE if any(o.added for o in outcomes) else ChangeSet(),
        )
        relay.task = task
        self._busy(task)
        return task

    def _attached(self, outcomes: list[AttachOutcome]) -> None:
        self.outcomes = outcomes
        self.refresh()
        added = [o for o in outcomes if o.added]
        rest = [o for o in outcomes if not o.added]
        lines = [f"已添加 {len(added)} 个文件。"] if added else []
        lines += [o.message for o in rest]
        failed = any(o.error for o in rest)
        text = "<br>".join(html.escape(line) for line in lines)
        self.statusLabel.setText(f'<span style="color:#b00020">{text}</span>' if failed else text)
        if added:
            self.changed.emit()

    def _failed(self, exc: BaseException) -> None:
        self.statusLabel.setText("")
        show_error(self, exc)

    def _busy(self, task: BackgroundTask) -> None:
        self.task = task
        self._update_buttons()
        task.finished.connect(self._idle)

    def _idle(self) -> None:
        self.task = None
        self._update_buttons()

    # --- opening and removing ---------------------------------------------------------

    def open_selected(self) -> BackgroundTask | None:
        """Open a read-only copy of the selected file with the program the desktop
        associates with it (Word/WPS, the PDF reader, the photo viewer)."""
        info = self._selected()
        if info is None or self.task is not None:
            return None
        db, evidence_id = self.db, info.id
        task = run_in_background(
            self,
            lambda: _evidence().evidence_copy_for_opening(db, evidence_id),
            label=f"正在打开“{info.name}”…",
            on_done=self._open_copy,
        )
        self._busy(task)
        return task

    def _open_copy(self, path: Path) -> None:
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))):
            self.statusLabel.setText(
                html.escape(f"没有找到可以打开“{path.name}”的程序。副本在：{path}")
            )
        self.opened.emit(path)

    def remove_selected(self) -> BackgroundTask | None:
        info = self._selected()
        if info is None or self.task is not None:
            return None
        if not confirm(self, f"删除佐证材料“{info.name}”（{info.attached_to}）？"):
            return None
        db, user, evidence_id = self.db, self.user, info.id
        task = run_in_background(
            self,
            lambda: _evidence().remove_evidence(db, evidence_id, user=user),
            label="正在删除…",
            on_done=self._removed,
            changes=EVIDENCE,
        )
        self._busy(task)
        return task

    def _removed(self, info: EvidenceInfo) -> None:
        self.refresh()
        self.statusLabel.setText(html.escape(f"已删除“{info.name}”。"))
        self.changed.emit()


def _expand_folders(paths: Sequence[Path]) -> list[Path]:
    """A dropped folder stands for the files in it (not in its subfolders, not hidden
    or temporary ones such as Word's ~$ files)."""
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            out.extend(
                p
                for p in sorted(path.iterdir())
                if p.is_file() and not p.name.startswith((".", "~$"))
            )
        else:
            out.append(path)
    return out


# The services load SQLAlchemy: imported when first used, so that the main window (which
# holds a panel) shows before the database opens.
def _evidence() -> Any:
    from foodsafety_desktop.core.services import evidence

    return evidence


def _user() -> str:
    from foodsafety_desktop.core.storage.database import current_user

    return current_user()
