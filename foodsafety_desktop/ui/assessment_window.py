"""考核: the year's 评议考核 — the 细则's items, their links to the ledger, evidence and scores.

The window chooses and shows; the core decides and writes: ``services.assessment``
(细则), ``assessment_links`` (items ↔ tasks, the items' records from the year's
submissions), ``evidence`` (佐证材料), ``assessment_scores`` (自评 workbooks, 考核得分,
totals and ranking) and the exports (考核结果.xlsx, 考核情况通报, the assessment file).
Imports, collects and exports run on the database worker with a progress dialog.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSignalBlocker, QStandardPaths, Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTabWidget,
    QTextBrowser,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from foodsafety_desktop.core.changes import ASSESSMENTS, EVIDENCE, ChangeSet
from foodsafety_desktop.core.errors import UserError
from foodsafety_desktop.core.storage.database import Database, current_user
from foodsafety_desktop.ui.background import BackgroundTask, run_in_background, track
from foodsafety_desktop.ui.changes import OutsideChanges, announce, listen
from foodsafety_desktop.ui.evidence_panel import EvidencePanel
from foodsafety_desktop.ui.messages import confirm, show_error, show_info
from foodsafety_desktop.ui.screen import fit_on_screen
from foodsafety_desktop.ui.table_widgets import cell, row_table, stretch

ITEM_HEADER = ["考核项目", "分值", "关联任务", "佐证"]
LINK_HEADER = ["任务", "方案", "相似度", "状态"]
SCORE_HEADER = ["单位", "自评分", "自评说明", "考核得分", "扣分原因"]
RANK_HEADER = ["排名", "单位", "自评总分", "基础分", "加分", "扣分", "考核总分", "等次", "说明"]
KINDS = ("乡镇", "成员单位")  # services.assessment.KINDS
ALL_UNITS = "（全部单位）"
SCORE_COLUMN, REASON_COLUMN = 3, 4


def _points(value: float | None) -> str:
    from foodsafety_desktop.core.services.assessment import format_points

    return format_points(value)


class ImportAssessmentDialog(QDialog):
    """The year and the kind of a 细则 file about to be imported."""

    def __init__(self, path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("导入考核细则")
        form = QFormLayout(self)
        form.addRow("文件", QLabel(path.name))
        self.yearSpin = QSpinBox()
        self.yearSpin.setObjectName("yearSpin")
        self.yearSpin.setRange(2000, 2100)
        self.yearSpin.setValue(_year_in(path.name) or dt.date.today().year)
        form.addRow("考核年度", self.yearSpin)
        self.kindCombo = QComboBox()
        self.kindCombo.setObjectName("kindCombo")
        self.kindCombo.addItems([f"对{k}" for k in KINDS])
        if "成员单位" in path.name or "部门" in path.name:
            self.kindCombo.setCurrentIndex(1)
        form.addRow("考核对象", self.kindCombo)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def year(self) -> int:
        return self.yearSpin.value()

    def kind(self) -> str:
        return KINDS[self.kindCombo.currentIndex()]


def _year_in(name: str) -> int | None:
    import re

    m = re.search(r"(20\d{2})", name)
    return int(m.group(1)) if m else None


class AssessmentWindow(QWidget):
    """The 考核 of one 细则 at a time.  Widgets by objectName: ``assessmentCombo``,
    ``unitCombo``, ``itemTree``, ``linksTable``, ``recordBrowser``, ``evidencePanel``,
    ``scoresTable``, ``rankingTable`` and the buttons named in ``_buttons``.
    ``planTaskActivated(plan_id, task_id)`` when the clerk double-clicks a linked task."""

    planTaskActivated = Signal(int, int)

    def __init__(self, db: Database, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.read_only = bool(getattr(db, "read_only", False))
        self.running: list[BackgroundTask] = []
        self.outline: Any = None  # services.assessment.AssessmentOutline
        self.table: Any = None  # services.assessment_scores.ScoreTable
        self.links: dict[int, list[Any]] = {}
        self.evidence_counts: dict[int, int] = {}
        self.records: list[Any] = []  # services.assessment_links.ItemRecord, per item
        self.reported: dict[int, int] = {}  # item → periods its units reported on
        self.setWindowTitle("评议考核")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)

        top = QHBoxLayout()
        top.addWidget(QLabel("考核细则"))
        self.assessmentCombo = QComboBox()
        self.assessmentCombo.setObjectName("assessmentCombo")
        self.assessmentCombo.setMinimumContentsLength(28)
        top.addWidget(self.assessmentCombo, 1)
        top.addWidget(QLabel("单位"))
        self.unitCombo = QComboBox()
        self.unitCombo.setObjectName("unitCombo")
        self.unitCombo.setMinimumContentsLength(12)
        top.addWidget(self.unitCombo)
        layout.addLayout(top)

        buttons = QHBoxLayout()
        specs = [
            ("导入细则…", "importButton", self.import_assessment,
             "导入年度考核细则（Excel 或 Word 表格）"),
            ("自动关联", "autoLinkButton", self.auto_link,
             "按文字相近和责任单位，把细则各项关联到台账任务"),
            ("生成自评表…", "templateButton", self.write_templates,
             "为各单位生成自评表（Excel），发给各单位填写"),
            ("收取自评表…", "collectButton", self.collect_self,
             "导入各单位交回的自评表，读取自评分"),
            ("考核结果…", "resultsButton", self.export_results,
             "导出考核结果（Excel：排名、得分、扣分明细）"),
            ("情况通报…", "noticeButton", self.write_notice,
             "生成考核情况通报（Word，公文格式）"),
            ("考核档案…", "exportButton", self.export_file,
             "按细则各项整理佐证材料，导出文件夹或 .zip，附目录"),
        ]  # fmt: skip
        made = [self._button(text, name, slot, tip) for text, name, slot, tip in specs]
        (self.importButton, self.autoLinkButton, self.templateButton, self.collectButton,
         self.resultsButton, self.noticeButton, self.exportButton) = made  # fmt: skip
        for button in made:
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout.addLayout(buttons)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        self.itemTree = QTreeWidget()
        self.itemTree.setObjectName("itemTree")
        self.itemTree.setHeaderLabels(ITEM_HEADER)
        self.itemTree.setColumnCount(len(ITEM_HEADER))
        self.itemTree.setAlternatingRowColors(True)
        splitter.addWidget(self.itemTree)

        self.tabs = QTabWidget()
        self.tabs.setObjectName("assessmentTabs")
        record_page = QWidget()
        record_layout = QVBoxLayout(record_page)
        record_layout.setContentsMargins(4, 4, 4, 4)
        self.itemLabel = QLabel()
        self.itemLabel.setObjectName("itemLabel")
        self.itemLabel.setWordWrap(True)
        record_layout.addWidget(self.itemLabel)
        self.linksTable = row_table(LINK_HEADER, "linksTable")
        self.linksTable.setToolTip("双击一项任务，在台账中查看")
        self.linksTable.setMaximumHeight(150)
        record_layout.addWidget(self.linksTable)
        link_buttons = QHBoxLayout()
        self.confirmLinkButton = self._button("确认关联", "confirmLinkButton", self.confirm_link)
        self.removeLinkButton = self._button("取消关联", "removeLinkButton", self.remove_link)
        link_buttons.addWidget(self.confirmLinkButton)
        link_buttons.addWidget(self.removeLinkButton)
        link_buttons.addStretch(1)
        record_layout.addLayout(link_buttons)
        self.recordBrowser = QTextBrowser()
        self.recordBrowser.setObjectName("recordBrowser")
        record_layout.addWidget(self.recordBrowser, 2)
        self.tabs.addTab(record_page, "关联任务与报送记录")

        self.evidencePanel = EvidencePanel(db)
        self.evidencePanel.setObjectName("evidencePanel")
        self.tabs.addTab(self.evidencePanel, "佐证材料")

        score_page = QWidget()
        score_layout = QVBoxLayout(score_page)
        score_layout.setContentsMargins(4, 4, 4, 4)
        self.scoresTable = row_table(SCORE_HEADER, "scoresTable")
        self.scoresTable.setToolTip("在“考核得分”“扣分原因”两列填写，点“保存评分”")
        score_layout.addWidget(self.scoresTable, 1)
        score_buttons = QHBoxLayout()
        self.saveScoresButton = self._button("保存评分", "saveScoresButton", self.save_scores)
        score_buttons.addStretch(1)
        score_buttons.addWidget(self.saveScoresButton)
        score_layout.addLayout(score_buttons)
        self.tabs.addTab(score_page, "评分")

        self.rankingTable = row_table(RANK_HEADER, "rankingTable")
        self.tabs.addTab(self.rankingTable, "得分排名")
        splitter.addWidget(self.tabs)
        splitter.setSizes([560, 680])
        layout.addWidget(splitter, 1)
        self.statusLabel = QLabel()
        self.statusLabel.setObjectName("statusLabel")
        self.statusLabel.setWordWrap(True)
        self.statusLabel.setStyleSheet("color:#5f6368")
        layout.addWidget(self.statusLabel)

        self.assessmentCombo.currentIndexChanged.connect(lambda _i: self.refresh())
        self.unitCombo.currentIndexChanged.connect(lambda _i: self.refresh())
        self.itemTree.currentItemChanged.connect(lambda *_a: self._show_item())
        self.linksTable.cellDoubleClicked.connect(self._link_activated)
        self.linksTable.itemSelectionChanged.connect(self._update_buttons)
        self.evidencePanel.changed.connect(self._evidence_changed)
        fit_on_screen(self, 1240, 800)
        self.outside_changes = OutsideChanges(self, db, self.on_changed)
        self._fill_assessments()
        self.refresh()
        listen(self, self.on_changed)

    def _button(
        self, text: str, name: str, slot: Callable[[], object], tip: str = ""
    ) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(name)
        if tip:
            button.setToolTip(tip)
        button.clicked.connect(lambda _checked=False: slot())
        return button

    # --- data ------------------------------------------------------------------------

    def on_changed(self, changes: ChangeSet) -> None:
        if changes.touches("assessments", "evidence", "tasks", "submissions", "departments"):
            if changes.touches("assessments"):
                self._fill_assessments()
            self.refresh()

    def _fill_assessments(self, select: int | None = None) -> None:
        from foodsafety_desktop.core.services.assessment import list_assessments

        keep = select if select is not None else self.assessmentCombo.currentData()
        with self.db.session() as session:
            rows = list_assessments(session)
        with QSignalBlocker(self.assessmentCombo):
            self.assessmentCombo.clear()
            for row in rows:
                self.assessmentCombo.addItem(f"{row.year}年度 对{row.kind}：{row.title}", row.id)
            index = self.assessmentCombo.findData(keep)
            self.assessmentCombo.setCurrentIndex(max(0, index))

    def assessment_id(self) -> int | None:
        return self.assessmentCombo.currentData()

    def unit_id(self) -> int | None:
        return self.unitCombo.currentData()

    def refresh(self) -> None:
        """Re-read the chosen 细则: its items, links, evidence counts and scores."""
        from foodsafety_desktop.core.services.assessment import assessment_outline
        from foodsafety_desktop.core.services.assessment_links import item_links, item_records
        from foodsafety_desktop.core.services.assessment_scores import score_table
        from foodsafety_desktop.core.services.evidence import item_evidence

        assessment_id = self.assessment_id()
        if assessment_id is None:
            self.outline = self.table = None
            self.links, self.evidence_counts, self.records = {}, {}, []
        else:
            with self.db.session() as session:
                self.outline = assessment_outline(session, assessment_id)
                self.links = item_links(session, assessment_id)
                self.table = score_table(session, assessment_id)
                evidence = item_evidence(session, assessment_id, department_id=self.unit_id())
                self.evidence_counts = {k: len(v) for k, v in evidence.items()}
                # Read once per refresh: the tree's 报表 marks and each item's record.
                self.records = item_records(session, assessment_id, department_id=self.unit_id())
        # Items whose linked tasks were reported on: the 报表 are material too.
        self.reported = {r.item_id: r.on_time + r.late for r in self.records}
        self.outside_changes.seen()
        self._fill_units()
        self._fill_tree()
        self._fill_ranking()
        self._show_item()
        self._update_buttons()

    def _fill_units(self) -> None:
        keep = self.unitCombo.currentData()
        with QSignalBlocker(self.unitCombo):
            self.unitCombo.clear()
            self.unitCombo.addItem(ALL_UNITS, None)
            for unit in self.table.units if self.table is not None else []:
                self.unitCombo.addItem(unit.name, unit.department_id)
            self.unitCombo.setCurrentIndex(max(0, self.unitCombo.findData(keep)))

    def _fill_tree(self) -> None:
        keep = self.current_item_id()
        tree = self.itemTree
        with QSignalBlocker(tree):
            tree.clear()
            if self.outline is None:
                self.statusLabel.setText("还没有考核细则。点“导入细则…”导入本年度的考核细则表格。")
                return
            nodes: dict[int, QTreeWidgetItem] = {}
            current = None
            for item in self.outline.items:
                parent = nodes.get(item.parent_id) if item.parent_id else None
                links = self.links.get(item.id, [])
                confirmed = sum(1 for link in links if link.confirmed)
                proposed = len(links) - confirmed
                linked = str(confirmed) if confirmed else ""
                if proposed:
                    linked += f"（待确认{proposed}）"
                points = _points(item.points)
                if item.bonus:
                    points = f"加{points}" if points else "加分"
                elif item.deduction:
                    points = f"扣{points}" if points else "扣分"
                evidence = self.evidence_counts.get(item.id, 0)
                node = QTreeWidgetItem([item.label, points, linked, str(evidence or "")])
                node.setData(0, Qt.ItemDataRole.UserRole, item.id)
                node.setToolTip(0, item.label)
                if item.level == 1:
                    font = node.font(0)
                    font.setBold(True)
                    node.setFont(0, font)
                elif not item.bonus and not item.deduction and not evidence and item.evidence:
                    if self.reported.get(item.id):
                        node.setText(3, "报表")
                        node.setToolTip(
                            3, "只有报送表（考核档案中收在“报表及附件”），没有单独的佐证材料"
                        )
                    else:
                        node.setForeground(3, QBrush(QColor("#c62828")))
                        node.setText(3, "缺")
                        node.setToolTip(3, "细则要求佐证材料，尚未上传，也没有关联任务的报送表")
                (parent.addChild(node) if parent else tree.addTopLevelItem(node))
                nodes[item.id] = node
                if item.id == keep:
                    current = node
            tree.expandAll()
            header = tree.header()
            header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
            for column in (1, 2, 3):
                header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
            if current is None and tree.topLevelItemCount():
                current = tree.topLevelItem(0)
            tree.setCurrentItem(current)
        summary = self.outline.summary
        parents = {i.parent_id for i in self.outline.items if i.parent_id is not None}
        leaves = sum(1 for i in self.outline.items if i.id not in parents)
        tops = sum(1 for i in self.outline.items if i.parent_id is None)
        text = (
            f"{tops} 个一级项目、{leaves} 项考核内容，合计 {_points(summary.total_points)} 分"
            + (f"，加分项 {_points(summary.bonus_points)} 分" if summary.bonus_points else "")
        )
        if self.table is not None:
            scored = sum(1 for u in self.table.units if u.fully_scored)
            text += f"；{len(self.table.units)} 个单位，已完成评分 {scored} 个"
        self.statusLabel.setText(text + "。")

    def current_item_id(self) -> int | None:
        node = self.itemTree.currentItem()
        return None if node is None else node.data(0, Qt.ItemDataRole.UserRole)

    def _outline_item(self, item_id: int | None) -> Any:
        if self.outline is None or item_id is None:
            return None
        return next((i for i in self.outline.items if i.id == item_id), None)

    def _show_item(self) -> None:
        item = self._outline_item(self.current_item_id())
        self._fill_links(item)
        self._fill_record(item)
        self._fill_scores(item)
        self.evidencePanel.set_target(
            item_id=None if item is None else item.id,
            department_id=self.unit_id(),
            assessment_id=self.assessment_id(),
        )
        self._update_buttons()

    def _fill_links(self, item: Any) -> None:
        table = self.linksTable
        links = [] if item is None else self.links.get(item.id, [])
        table.setRowCount(len(links))
        for row, link in enumerate(links):
            state = cell("已确认" if link.confirmed else "待确认", center=True)
            if not link.confirmed:
                state.setForeground(QBrush(QColor("#e65100")))
            similarity = "" if link.similarity is None else f"{link.similarity:.0%}"
            cells = [
                cell(link.task_label),
                cell(link.plan_title),
                cell(similarity, center=True),
                state,
            ]
            for column, entry in enumerate(cells):
                entry.setData(Qt.ItemDataRole.UserRole, link.task_id)
                table.setItem(row, column, entry)
        stretch(table, 0)
        if item is None:
            self.itemLabel.clear()
            return
        parts = [f"<b>{html.escape(item.label)}</b>"]
        if item.points_text or item.points is not None:
            parts.append(f"分值：{html.escape(item.points_text or _points(item.points))}")
        if item.rule:
            parts.append(f"评分标准：{html.escape(item.rule)}")
        if item.evidence:
            parts.append(f"佐证材料：{html.escape(item.evidence)}")
        self.itemLabel.setText("<br>".join(parts))

    def _fill_record(self, item: Any) -> None:
        if item is None or self.assessment_id() is None:
            self.recordBrowser.clear()
            return
        from foodsafety_desktop.core.services.assessment_links import record_html

        if any(r.item_id == item.id for r in self.records):
            self.recordBrowser.setHtml(record_html(self.records, item.id))
        else:
            self.recordBrowser.clear()

    def _fill_scores(self, item: Any) -> None:
        table = self.scoresTable
        units = [] if self.table is None or item is None else self.table.units
        unit_id = self.unit_id()
        if unit_id is not None:
            units = [u for u in units if u.department_id == unit_id]
        scorable = item is not None and not any(
            other.parent_id == item.id for other in self.outline.items
        )
        table.setRowCount(len(units) if scorable else 0)
        if not scorable:
            return
        for row, unit in enumerate(units):
            score = unit.scores.get(item.id)
            cells = [
                cell(unit.name),
                cell(_points(score.self_score) if score else "", center=True),
                cell(score.self_note if score else ""),
                cell(_points(score.score) if score else "", center=True, editable=True),
                cell(score.reason if score and score.reason else "", editable=True),
            ]
            cells[0].setData(Qt.ItemDataRole.UserRole, unit.department_id)
            for column, entry in enumerate(cells):
                table.setItem(row, column, entry)
        stretch(table, 4)

    def _fill_ranking(self) -> None:
        table = self.rankingTable
        units = [] if self.table is None else self.table.units
        table.setRowCount(len(units))
        for row, unit in enumerate(units):
            t = unit.totals
            scored = any(v.score is not None for v in unit.scores.values())
            self_total = _points(unit.self_totals.total) if unit.submission_name else "未报"

            def shown(value: float) -> str:
                return _points(value) if scored else ""  # noqa: B023 (used at once)

            if unit.fully_scored:
                note = ""
            elif scored:
                note = f"尚有 {len(t.missing)} 项未评分"
            else:
                note = "尚未评分"
            cells = [
                cell(unit.rank or "", center=True),
                cell(unit.name),
                cell(self_total, center=True),
                cell(shown(t.base), center=True),
                cell(shown(t.bonus), center=True),
                cell(shown(t.deduction), center=True),
                cell(shown(t.total), center=True),
                cell(unit.grade or "", center=True),
                cell(note),
            ]
            for column, entry in enumerate(cells):
                table.setItem(row, column, entry)
        stretch(table, 8)

    def _update_buttons(self) -> None:
        has = self.assessment_id() is not None
        writable = not self.read_only
        self.importButton.setEnabled(writable)
        for button in (self.autoLinkButton, self.collectButton, self.saveScoresButton):
            button.setEnabled(has and writable)
        for button in (self.templateButton, self.resultsButton, self.noticeButton,
                       self.exportButton):  # fmt: skip
            button.setEnabled(has)
        link = self._selected_link()
        self.confirmLinkButton.setEnabled(writable and link is not None and not link.confirmed)
        self.removeLinkButton.setEnabled(writable and link is not None)

    # --- links -----------------------------------------------------------------------

    def _selected_link(self) -> Any:
        item_id = self.current_item_id()
        rows = self.linksTable.selectionModel().selectedRows() if self.linksTable.model() else []
        if item_id is None or not rows:
            return None
        links = self.links.get(item_id, [])
        row = rows[0].row()
        return links[row] if row < len(links) else None

    def _link_activated(self, row: int, _column: int) -> None:
        links = self.links.get(self.current_item_id() or -1, [])
        if row < len(links):
            self.planTaskActivated.emit(links[row].plan_id, links[row].task_id)

    def _write(self, fn: Callable[[], object], failure: str, changes: ChangeSet) -> bool:
        try:
            fn()
        except Exception as exc:  # shown in Chinese; unexpected ones are logged
            show_error(self, exc, failure)
            return False
        announce(changes, self)
        self.refresh()
        return True

    def confirm_link(self) -> None:
        from foodsafety_desktop.core.services.assessment_links import confirm_link

        link, item_id = self._selected_link(), self.current_item_id()
        if link is None or item_id is None:
            return
        self._write(
            lambda: confirm_link(self.db, item_id, link.task_id, user=current_user()),
            "关联未确认",
            ASSESSMENTS,
        )

    def remove_link(self) -> None:
        from foodsafety_desktop.core.services.assessment_links import remove_link

        link, item_id = self._selected_link(), self.current_item_id()
        if link is None or item_id is None:
            return
        self._write(
            lambda: remove_link(self.db, item_id, link.task_id, user=current_user()),
            "关联未取消",
            ASSESSMENTS,
        )

    def auto_link(self) -> BackgroundTask | None:
        from foodsafety_desktop.core.services.assessment_links import auto_link

        assessment_id = self.assessment_id()
        if assessment_id is None:
            return None

        def done(result: Any) -> None:
            self.refresh()
            show_info(
                self,
                f"已自动关联 {len(result.accepted)} 项；另有 {len(result.pending)} 项建议"
                "待确认（关联任务列表中标为“待确认”）。",
                "自动关联",
            )

        return track(
            self.running,
            run_in_background(
                self,
                lambda: auto_link(self.db, assessment_id, user=current_user()),
                label="正在比对细则各项和台账任务……",
                on_done=done,
                on_error=lambda exc: show_error(self, exc, "未能自动关联"),
                changes=ASSESSMENTS,
            ),
        )

    # --- scores ----------------------------------------------------------------------

    def save_scores(self) -> bool:
        """Store the 考核得分 and reasons typed in the 评分 table (each audited)."""
        from foodsafety_desktop.core.services.assessment import parse_points
        from foodsafety_desktop.core.services.assessment_scores import set_score

        item = self._outline_item(self.current_item_id())
        if item is None or self.table is None:
            return False
        changes: list[tuple[int, float | None, str | None]] = []
        units = {u.department_id: u for u in self.table.units}
        for row in range(self.scoresTable.rowCount()):
            department_id = self.scoresTable.item(row, 0).data(Qt.ItemDataRole.UserRole)
            score_text = self.scoresTable.item(row, SCORE_COLUMN).text().strip()
            reason = self.scoresTable.item(row, REASON_COLUMN).text().strip() or None
            score = parse_points(score_text) if score_text else None
            if score_text and score is None:
                name = units[department_id].name
                show_error(
                    self, UserError(f"{name}的考核得分“{score_text}”不是数字。"), "评分未保存"
                )
                return False
            old = units[department_id].scores.get(item.id)
            if old is not None and old.score == score and (old.reason or None) == reason:
                continue
            if old is None and score is None and reason is None:
                continue
            changes.append((department_id, score, reason))
        if not changes:
            return True

        def write() -> None:
            for department_id, score, reason in changes:
                set_score(
                    self.db, item.id, department_id, score=score, reason=reason,
                    user=current_user(),
                )  # fmt: skip

        return self._write(write, "评分未保存", ASSESSMENTS)

    # --- files -----------------------------------------------------------------------

    def _documents(self) -> Path:
        return Path(
            QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        )

    def _title(self) -> str:
        if self.outline is None:
            return "考核"
        s = self.outline.summary
        return f"{s.year}年度对{s.kind}考核"

    def import_assessment(self, path: Path | None = None) -> BackgroundTask | None:
        if path is None:
            name, _ = QFileDialog.getOpenFileName(
                self, "导入考核细则", str(self._documents()),
                "考核细则 (*.xlsx *.xls *.docx *.doc *.wps *.et);;所有文件 (*)",
            )  # fmt: skip
            if not name:
                return None
            path = Path(name)
        dialog = ImportAssessmentDialog(path, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return self._run_import(path, dialog.year(), dialog.kind(), replace=False)

    def _run_import(self, path: Path, year: int, kind: str, *, replace: bool) -> BackgroundTask:
        from foodsafety_desktop.core.services.assessment import import_assessment

        def done(result: Any) -> None:
            self._fill_assessments(select=result.assessment_id)
            self.refresh()
            warnings = "\n".join(result.warnings)
            show_info(
                self,
                f"已导入《{result.title}》：{result.content_count} 项考核内容"
                f"（{result.part_count} 个一级项目），合计 "
                f"{_points(result.total_points)} 分。"
                + (f"\n\n请注意：\n{warnings}" if warnings else ""),
                "导入考核细则",
            )

        def failed(exc: BaseException) -> None:
            if isinstance(exc, UserError) and "--replace" in str(exc) and not replace:
                text = str(exc).split("如要用这份文件替换它")[0]
                if confirm(
                    self, f"{text}\n\n用这份文件替换它吗？（替换前自动备份）", "替换考核细则"
                ):
                    self._run_import(path, year, kind, replace=True)
                return
            show_error(self, exc, "考核细则未导入")

        return track(
            self.running,
            run_in_background(
                self,
                lambda: import_assessment(
                    self.db, path, year=year, kind=kind, user=current_user(), replace=replace
                ),
                label=f"正在导入“{path.name}”……",
                on_done=done,
                on_error=failed,
                changes=ASSESSMENTS,
            ),
        )

    def write_templates(self, folder: Path | None = None) -> BackgroundTask | None:
        from foodsafety_desktop.core.services.assessment_scores import write_self_templates

        assessment_id = self.assessment_id()
        if assessment_id is None:
            return None
        if folder is None:
            name = QFileDialog.getExistingDirectory(self, "自评表保存到", str(self._documents()))
            if not name:
                return None
            folder = Path(name)
        unit = self.unit_id()
        return track(
            self.running,
            run_in_background(
                self,
                lambda: write_self_templates(
                    self.db,
                    assessment_id,
                    folder,
                    department_ids=None if unit is None else [unit],
                    user=current_user(),
                ),
                label="正在生成自评表……",
                on_done=lambda paths: show_info(
                    self, f"已生成 {len(paths)} 份自评表，保存在：\n{folder}", "生成自评表"
                ),
                on_error=lambda exc: show_error(self, exc, "自评表未生成"),
            ),
        )

    def collect_self(self, paths: list[Path] | None = None) -> BackgroundTask | None:
        from foodsafety_desktop.core.services.assessment_scores import import_self_assessments

        if self.assessment_id() is None:
            return None
        if paths is None:
            names, _ = QFileDialog.getOpenFileNames(
                self, "收取自评表", str(self._documents()), "Excel 工作簿 (*.xlsx *.xls *.et)"
            )
            if not names:
                return None
            paths = [Path(n) for n in names]

        def done(results: Any) -> None:
            self.refresh()
            show_info(self, _collect_text(results), "收取自评表")

        return track(
            self.running,
            run_in_background(
                self,
                lambda: import_self_assessments(self.db, paths, user=current_user()),
                label=f"正在导入 {len(paths)} 份自评表……",
                on_done=done,
                on_error=lambda exc: show_error(self, exc, "自评表未导入"),
                changes=ASSESSMENTS,
            ),
        )

    def _save_path(self, title: str, suffix: str, filter_: str) -> Path | None:
        name, _ = QFileDialog.getSaveFileName(
            self, title, str(self._documents() / f"{self._title()}{suffix}"), filter_
        )
        return Path(name) if name else None

    def export_results(self, path: Path | None = None) -> BackgroundTask | None:
        from foodsafety_desktop.core.reports.assessment_results import write_results_xlsx

        assessment_id = self.assessment_id()
        path = path or self._save_path("导出考核结果", "结果.xlsx", "Excel 工作簿 (*.xlsx)")
        if assessment_id is None or path is None:
            return None
        return self._export(
            lambda: write_results_xlsx(self.db, assessment_id, path), path, "考核结果未导出"
        )

    def write_notice(self, path: Path | None = None) -> BackgroundTask | None:
        from foodsafety_desktop.core.reports.assessment_results import make_notice

        assessment_id = self.assessment_id()
        path = path or self._save_path("生成考核情况通报", "情况通报.docx", "Word 文档 (*.docx)")
        if assessment_id is None or path is None:
            return None

        def done(result: Any) -> None:
            text = f"已保存：\n{result.path}"
            if result.warnings:  # what the director should know before signing
                text += "\n\n请注意：\n" + "\n".join(result.warnings)
            show_info(self, text, "考核情况通报")

        return track(
            self.running,
            run_in_background(
                self,
                lambda: make_notice(self.db, assessment_id, path),
                label=f"正在写入“{path.name}”……",
                on_done=done,
                on_error=lambda exc: show_error(self, exc, "通报未生成"),
            ),
        )

    def export_file(self, target: Path | None = None) -> BackgroundTask | None:
        from foodsafety_desktop.core.reports.assessment_file import export_assessment_file

        assessment_id = self.assessment_id()
        if assessment_id is None:
            return None
        unit = self.unit_id()
        if target is None:
            suffix = f"档案（{self.unitCombo.currentText()}）.zip" if unit else "档案.zip"
            target = self._save_path("导出考核档案", suffix, "压缩文件 (*.zip)")
            if target is None:
                return None
        return self._export(
            lambda: export_assessment_file(self.db, assessment_id, target, department_id=unit),
            target,
            "考核档案未导出",
        )

    def _export(self, fn: Callable[[], object], path: Path, failure: str) -> BackgroundTask:
        return track(
            self.running,
            run_in_background(
                self,
                fn,
                label=f"正在写入“{path.name}”……",
                on_done=lambda _r: show_info(self, f"已保存：\n{path}", "完成"),
                on_error=lambda exc: show_error(self, exc, failure),
            ),
        )

    def _evidence_changed(self) -> None:
        announce(EVIDENCE, self)
        self.refresh()


def _collect_text(results: Any) -> str:
    """What a batch of 自评 workbooks gave, per file."""
    lines = []
    for r in results:
        lines.append(f"{r.file_name}：{r.message}")
    return "\n".join(lines) or "没有导入任何文件。"
