"""概况: where the work of a plan stands in a period, at a glance.

The charts (``overview_charts``) over three tables: 亮灯 (every task red, yellow or
green; a click shows the task in the ledger), 各单位 and 指标 (each target against the
values reported period by period).  The figures come from
``core.services.overview.overview``; the window re-reads them whenever a change touches
what it shows, and exports the same figures as an Excel workbook with native charts or
as a picture (PNG, PDF).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import QRectF, QSignalBlocker, QStandardPaths, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from foodsafety_desktop.core.changes import ChangeSet
from foodsafety_desktop.core.dates import cn_date
from foodsafety_desktop.core.services.overview import (
    LIGHT_RED,
    LIGHT_YELLOW,
    Overview,
    overview,
    set_warning_days,
)
from foodsafety_desktop.core.services.periods import list_periods
from foodsafety_desktop.core.storage.database import Database, current_user
from foodsafety_desktop.ui.changes import OutsideChanges, listen
from foodsafety_desktop.ui.messages import show_error
from foodsafety_desktop.ui.overview_charts import (
    LIGHT_COLORS,
    STATE_COLORS,
    paint_overview,
)
from foodsafety_desktop.ui.screen import fit_on_screen
from foodsafety_desktop.ui.table_widgets import cell, row_table, stretch

LIGHT_HEADER = ["灯", "序号", "任务", "牵头单位", "完成时限", "完成情况", "说明"]
DEPARTMENT_HEADER = ["单位", "承担任务", "牵头任务", "本期报送", "按时", "逾期", "未报", "已完成"]


class ChartsView(QWidget):
    """The painted 概况 (the same drawing as the picture export)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("overviewCharts")
        self.overview: Overview | None = None
        self.setMinimumHeight(320)

    def set_overview(self, ov: Overview | None) -> None:
        self.overview = ov
        self.update()

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), Qt.GlobalColor.white)
        if self.overview is not None:
            paint_overview(painter, QRectF(self.rect()).adjusted(12, 8, -12, -8), self.overview)
        painter.end()


class OverviewWindow(QWidget):
    """The 概况 of one plan.  ``taskActivated(task_id)`` when the clerk clicks a task of
    the 亮灯 table (the main window shows it in the ledger).  Widgets by objectName:
    ``periodCombo``, ``overviewCharts``, ``lightsTable``, ``departmentsTable``,
    ``targetsTable``, ``exportExcelButton``, ``exportPictureButton``."""

    taskActivated = Signal(int)

    def __init__(
        self,
        db: Database,
        plan_id: int,
        parent: QWidget | None = None,
        *,
        today: dt.date | None = None,
    ) -> None:
        super().__init__(parent)
        self.db = db
        self.plan_id = plan_id
        self.today = today  # None: the real date (a fixed one for screenshots)
        self.overview: Overview | None = None
        self.setWindowTitle("概况")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        top = QHBoxLayout()
        self.planLabel = QLabel()
        self.planLabel.setObjectName("planLabel")
        top.addWidget(self.planLabel, 1)
        top.addWidget(QLabel("期次"))
        self.periodCombo = QComboBox()
        self.periodCombo.setObjectName("periodCombo")
        self.periodCombo.setMinimumContentsLength(14)
        top.addWidget(self.periodCombo)
        top.addWidget(QLabel("黄灯：提前"))
        self.warningDaysSpin = QSpinBox()
        self.warningDaysSpin.setObjectName("warningDaysSpin")
        self.warningDaysSpin.setRange(1, 90)
        self.warningDaysSpin.setSuffix(" 天")
        self.warningDaysSpin.setToolTip(
            "完成时限在这么多天以内、尚未完成的任务亮黄灯，打开软件时提醒"
        )
        top.addWidget(self.warningDaysSpin)
        self.exportExcelButton = QPushButton("导出 Excel…")
        self.exportExcelButton.setObjectName("exportExcelButton")
        self.exportExcelButton.setToolTip("概况的表格和图表（Excel 图表，可在 Excel、WPS 中编辑）")
        self.exportPictureButton = QPushButton("导出图片…")
        self.exportPictureButton.setObjectName("exportPictureButton")
        self.exportPictureButton.setToolTip("概况图（PNG 可发微信，PDF 可放进汇报材料）")
        top.addWidget(self.exportExcelButton)
        top.addWidget(self.exportPictureButton)
        layout.addLayout(top)

        splitter = QSplitter(Qt.Orientation.Vertical)
        self.charts = ChartsView()
        splitter.addWidget(self.charts)
        self.tabs = QTabWidget()
        self.lightsTable = row_table(LIGHT_HEADER, "lightsTable")
        self.lightsTable.setToolTip("点击一项任务，在台账中查看")
        self.departmentsTable = row_table(DEPARTMENT_HEADER, "departmentsTable")
        self.targetsTable = row_table(["指标"], "targetsTable")
        self.tabs.addTab(self.lightsTable, "亮灯")
        self.tabs.addTab(self.departmentsTable, "各单位")
        self.tabs.addTab(self.targetsTable, "指标")
        splitter.addWidget(self.tabs)
        splitter.setSizes([440, 300])
        layout.addWidget(splitter, 1)
        self.ruleLabel = QLabel()
        self.ruleLabel.setObjectName("ruleLabel")
        self.ruleLabel.setWordWrap(True)
        self.ruleLabel.setStyleSheet("color:#5f6368")
        layout.addWidget(self.ruleLabel)

        self.periodCombo.currentIndexChanged.connect(lambda _i: self.refresh())
        self.warningDaysSpin.editingFinished.connect(self.save_warning_days)
        self.lightsTable.cellClicked.connect(self._light_clicked)
        self.exportExcelButton.clicked.connect(self.export_excel)
        self.exportPictureButton.clicked.connect(self.export_picture)
        fit_on_screen(self, 1200, 780)
        self.outside_changes = OutsideChanges(self, db, self.on_changed)
        self._fill_periods()
        self.refresh()
        listen(self, self.on_changed)

    # --- data ------------------------------------------------------------------------

    def on_changed(self, changes: ChangeSet) -> None:
        if changes.touches("plans", "tasks", "departments", "periods", "submissions"):
            if changes.touches("periods", "plans"):
                self._fill_periods()
            self.refresh()

    def set_plan(self, plan_id: int) -> None:
        self.plan_id = plan_id
        self._fill_periods()
        self.refresh()

    def _fill_periods(self) -> None:
        keep = self.periodCombo.currentData()
        with self.db.session() as session:
            periods = [(p.id, p.name) for p in list_periods(session, self.plan_id)]
        with QSignalBlocker(self.periodCombo):
            self.periodCombo.clear()
            self.periodCombo.addItem("（最近一期）", None)
            for period_id, name in periods:
                self.periodCombo.addItem(name, period_id)
            index = self.periodCombo.findData(keep)
            self.periodCombo.setCurrentIndex(max(0, index))

    def selected_period_id(self) -> int | None:
        return self.periodCombo.currentData()

    def refresh(self) -> None:
        """Re-read the figures of the chosen period (the latest due one by default)."""
        with self.db.session() as session:
            ov = overview(session, self.plan_id, self.selected_period_id(), today=self.today)
        self.overview = ov
        self.outside_changes.seen()
        with QSignalBlocker(self.warningDaysSpin):
            self.warningDaysSpin.setValue(ov.warning_days)
        period = f"　{ov.period_name}" if ov.period_name else "　（尚无报送期次）"
        self.planLabel.setText(f"{ov.plan_title}{period}　截至{cn_date(ov.as_of)}")
        self.charts.set_overview(ov)
        self._fill_lights(ov)
        self._fill_departments(ov)
        self._fill_targets(ov)
        rules = list(dict.fromkeys(t.rule for t in ov.targets if t.rule))
        self.ruleLabel.setText(
            f"亮灯：逾期未完成或滞后为红灯，{ov.warning_days}天内到期未完成为黄灯。"
            + ("　指标：" + "；".join(rules) if rules else "")
        )

    def _fill_lights(self, ov: Overview) -> None:
        table = self.lightsTable
        # Red first, then yellow, then green; plan order within each.
        order = {LIGHT_RED: 0, LIGHT_YELLOW: 1}
        lights = sorted(ov.lights, key=lambda light: order.get(light.light, 2))
        table.setRowCount(len(lights))
        for row, light in enumerate(lights):
            lamp = cell("●", center=True)
            lamp.setForeground(QBrush(QColor(LIGHT_COLORS.get(light.light, "#9e9e9e"))))
            lamp.setData(Qt.ItemDataRole.UserRole, light.task_id)
            lamp.setToolTip(f"{light.light}灯")
            values = [
                lamp,
                cell(light.label, center=True),
                cell(light.title),
                cell(light.lead),
                cell(cn_date(light.deadline) if light.deadline else "", center=True),
                cell(light.status, center=True),
                cell(light.reason),
            ]
            for column, item in enumerate(values):
                item.setData(Qt.ItemDataRole.UserRole, light.task_id)
                if light.light == LIGHT_RED and column == 6:
                    item.setForeground(QBrush(QColor(LIGHT_COLORS[LIGHT_RED])))
                table.setItem(row, column, item)
        stretch(table, 2)

    def _fill_departments(self, ov: Overview) -> None:
        table = self.departmentsTable
        table.setRowCount(len(ov.departments))
        for row, d in enumerate(ov.departments):
            state = cell(d.state, center=True)
            state.setForeground(QBrush(QColor(STATE_COLORS.get(d.state, "#202124"))))
            values = [
                cell(d.name),
                cell(d.tasks, center=True),
                cell(d.tasks_led, center=True),
                state,
                cell(d.periods_on_time, center=True),
                cell(d.periods_late, center=True),
                cell(d.periods_missing, center=True),
                cell(f"{d.done}（{round(d.done_share * 100)}%）", center=True),
            ]
            for column, item in enumerate(values):
                table.setItem(row, column, item)
        stretch(table, 0)

    def _fill_targets(self, ov: Overview) -> None:
        table = self.targetsTable
        periods: list[str] = []
        for t in ov.targets:
            for v in t.values:
                if v.period_name not in periods:
                    periods.append(v.period_name)
        header = ["任务", "指标", "目标", *periods, "累计／最新", "判断"]
        table.clear()
        table.setColumnCount(len(header))
        table.setHorizontalHeaderLabels(header)
        table.setRowCount(len(ov.targets))
        for row, t in enumerate(ov.targets):
            by_period = {v.period_name: v.value for v in t.values}
            goal = "" if t.target is None else f"{t.comparison}{t.target:g}{t.unit or ''}"
            ytd = "—" if t.year_to_date is None else f"{t.year_to_date:g}{t.unit or ''}"
            cells = [
                cell(t.task_label, center=True),
                cell(t.text),
                cell(goal, center=True),
                *(
                    cell("" if by_period.get(p) is None else f"{by_period[p]:g}", center=True)
                    for p in periods
                ),
                cell(f"{ytd}（{t.kind}）", center=True),
                cell(t.verdict, center=True),
            ]
            for column, item in enumerate(cells):
                table.setItem(row, column, item)
        stretch(table, 1)

    def save_warning_days(self) -> None:
        """Store the days of the yellow light (a setting of the database, audited) and
        show the lights again."""
        days = self.warningDaysSpin.value()
        if self.overview is not None and days == self.overview.warning_days:
            return
        try:
            with self.db.session() as session:
                set_warning_days(session, days, user=current_user())
        except Exception as exc:  # shown in Chinese; unexpected ones are logged
            show_error(self, exc, "预警天数未保存")
        self.refresh()

    def _light_clicked(self, row: int, _column: int) -> None:
        item = self.lightsTable.item(row, 0)
        if item is not None:
            self.taskActivated.emit(int(item.data(Qt.ItemDataRole.UserRole)))

    # --- export ----------------------------------------------------------------------

    def _save_name(self, suffix: str) -> str:
        ov = self.overview
        period = ov.period_name if ov and ov.period_name else "概况"
        folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        return str(Path(folder) / f"{period}工作进展概况{suffix}")

    def export_excel(self) -> Path | None:
        path, _ = QFileDialog.getSaveFileName(
            self, "导出概况", self._save_name(".xlsx"), "Excel 工作簿 (*.xlsx)"
        )
        if not path or self.overview is None:
            return None
        from foodsafety_desktop.core.reports.overview_export import write_overview_xlsx

        try:
            return write_overview_xlsx(self.overview, Path(path))
        except Exception as exc:  # shown in Chinese; unexpected ones are logged
            show_error(self, exc, "概况未导出")
            return None

    def export_picture(self) -> Path | None:
        path, _ = QFileDialog.getSaveFileName(
            self,
            "导出概况图",
            self._save_name(".png"),
            "PNG 图片 (*.png);;PDF 文件 (*.pdf)",
        )
        if not path or self.overview is None:
            return None
        from foodsafety_desktop.ui.overview_picture import write_picture

        try:
            return write_picture(self.overview, Path(path))
        except Exception as exc:
            show_error(self, exc, "概况图未导出")
            return None
