"""The 概况 as an Excel workbook with native charts (they stay live in Excel, WPS and
LibreOffice): 概况 (status counts and chart, parts as stacked bars, lights and verdicts),
各单位 (table and completion chart), 量化指标 (values per period, share of target chart)
and 亮灯 (every task, filled red / yellow / green)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from foodsafety_desktop.core.dates import cn_date
from foodsafety_desktop.core.errors import UserError
from foodsafety_desktop.core.excel.sheet_format import (
    FONT_NAME,
    a4_landscape,
    save_workbook,
    set_text,
    wrapped_lines,
)
from foodsafety_desktop.core.services.overview import (
    KIND_COUNT,
    LIGHT_GREEN,
    LIGHT_RED,
    LIGHT_YELLOW,
    LIGHTS,
    VERDICTS,
    Overview,
)
from foodsafety_desktop.core.services.period_status import PERIOD_STATUS_ORDER

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

SHEET_OVERVIEW = "概况"
SHEET_DEPARTMENTS = "各单位"
SHEET_TARGETS = "量化指标"
SHEET_LIGHTS = "亮灯"

LIGHT_FILLS = {LIGHT_RED: "F4B6B6", LIGHT_YELLOW: "FBE59A", LIGHT_GREEN: "BFE3B4"}
STATUS_COLORS = {  # chart colours of the period statuses, in PERIOD_STATUS_ORDER
    "已完成": "4E9A4E",
    "序时推进": "4F81BD",
    "滞后": "C0504D",
    "未启动": "F0A030",
    "未填写完成情况": "9E9E9E",
    "未报送": "D0D0D0",
}
HEADER_FILL = "DDE4EE"
CM = 360000  # EMU per centimetre (chart sizes)


def write_overview_xlsx(ov: Overview, path: str | os.PathLike[str]) -> Path:
    """Write the 概况 workbook to ``path`` (.xlsx added if missing), atomically; returns
    the path written."""
    from openpyxl import Workbook

    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        path = path.with_name(path.name + ".xlsx")
    if not path.parent.is_dir():
        raise UserError(f"无法写入文件：文件夹“{path.parent}”不存在，请换一个保存位置。")
    wb = Workbook()
    wb.properties.creator = "食安台账"
    wb.properties.title = f"{ov.plan_title}工作概况"
    _overview_sheet(wb.active, ov)
    _departments_sheet(wb.create_sheet(SHEET_DEPARTMENTS), ov)
    _targets_sheet(wb.create_sheet(SHEET_TARGETS), ov)
    _lights_sheet(wb.create_sheet(SHEET_LIGHTS), ov)
    save_workbook(wb, path)
    return path


# --- shared pieces ----------------------------------------------------------------------


def subtitle(ov: Overview) -> str:
    """期次, its due date and the day of the figures, as printed under the title."""
    if ov.period_name:
        period = f"报送期次：{ov.period_name}（截止{cn_date(ov.due_date)}）"
    else:
        period = "报送期次：尚未设置（全部任务按未报送统计）"
    return f"{period}　统计日期：{cn_date(ov.as_of)}　到期预警：{ov.warning_days}天"


def _font(size: float = 11, *, bold: bool = False, color: str | None = None) -> Any:
    from openpyxl.styles import Font

    return Font(name=FONT_NAME, size=size, bold=bold, color=color)


def _fill(color: str) -> Any:
    from openpyxl.styles import PatternFill

    return PatternFill("solid", start_color=color, end_color=color)


def _border() -> Any:
    from openpyxl.styles import Border, Side

    thin = Side(style="thin", color="808080")
    return Border(left=thin, right=thin, top=thin, bottom=thin)


def _title(ws: Worksheet, title: str, sub: str, columns: int) -> None:
    from openpyxl.styles import Alignment

    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=columns)
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=columns)
    set_text(ws.cell(1, 1), title)
    ws.cell(1, 1).font = _font(16, bold=True)
    ws.cell(1, 1).alignment = Alignment(horizontal="center", vertical="center")
    ws.row_dimensions[1].height = 30
    set_text(ws.cell(2, 1), sub)
    ws.cell(2, 1).font = _font(10)
    ws.cell(2, 1).alignment = Alignment(horizontal="center")


def _table(
    ws: Worksheet,
    row: int,
    header: list[str],
    rows: list[list[Any]],
    *,
    widths: Sequence[float] | None = None,
    wrap: set[int] | None = None,
) -> int:
    """Write a bordered table with its header at ``row``; returns the last row written."""
    from openpyxl.styles import Alignment

    border = _border()
    for col, text in enumerate(header, start=1):
        cell = ws.cell(row, col)
        set_text(cell, text)
        cell.font = _font(bold=True)
        cell.fill = _fill(HEADER_FILL)
        cell.border = border
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for r, values in enumerate(rows, start=row + 1):
        lines = 1
        for col, value in enumerate(values, start=1):
            cell = ws.cell(r, col)
            if isinstance(value, str):
                set_text(cell, value)
            else:
                cell.value = value
            cell.font = _font()
            cell.border = border
            wrapped = wrap is not None and col in wrap
            cell.alignment = Alignment(
                vertical="center",
                wrap_text=wrapped,
                horizontal="left" if isinstance(value, str) else "right",
            )
            if wrapped and widths and isinstance(value, str):
                lines = max(lines, wrapped_lines(value, widths[col - 1]))
        if lines > 1:
            ws.row_dimensions[r].height = 14.5 * lines + 2
    if widths:
        from openpyxl.utils import get_column_letter

        for col, width in enumerate(widths, start=1):
            letter = get_column_letter(col)
            ws.column_dimensions[letter].width = max(ws.column_dimensions[letter].width or 0, width)
    return row + len(rows)


def _percent(ws: Worksheet, first_row: int, last_row: int, col: int) -> None:
    for r in range(first_row, last_row + 1):
        ws.cell(r, col).number_format = "0.0%"


def _values_shown(series: Any, number_format: str | None = None) -> None:
    """Data labels with the value only (LibreOffice shows the series and category names
    too unless told not to)."""
    from openpyxl.chart.label import DataLabelList

    labels = DataLabelList()
    labels.showVal = True
    labels.showSerName = labels.showCatName = labels.showLegendKey = False
    labels.showPercent = False
    if number_format:
        labels.numFmt = number_format
    series.dLbls = labels


def _size(chart: Any, width_cm: float, height_cm: float) -> None:
    chart.width, chart.height = width_cm, height_cm


def _style_chart(chart: Any, title: str) -> None:
    chart.title = title
    chart.style = 10
    chart.legend.position = "b"


# --- sheets -----------------------------------------------------------------------------


def _overview_sheet(ws: Worksheet, ov: Overview) -> None:
    from openpyxl.chart import BarChart, PieChart, Reference
    from openpyxl.chart.series import DataPoint

    ws.title = SHEET_OVERVIEW
    statuses = list(PERIOD_STATUS_ORDER)
    columns = 2 + len(statuses) + 1
    _title(ws, f"{ov.plan_title}工作概况", subtitle(ov), columns)

    # The plan's statuses (A:C) and, beside them, the lights and the verdicts (E:F).
    total = ov.plan.total
    rows: list[list[Any]] = [
        [s, ov.plan.counts.get(s, 0), ov.plan.counts.get(s, 0) / total if total else 0]
        for s in statuses
    ]
    rows.append(["合计", total, 1 if total else 0])
    last = _table(ws, 4, ["本期完成情况", "任务数", "占比"], rows, widths=[16, 10, 10])
    _percent(ws, 5, last, 3)
    lights = ov.light_counts()
    light_rows = [[f"{light}灯", lights[light]] for light in LIGHTS]
    verdicts = ov.verdict_counts()
    verdict_rows = [[v, verdicts[v]] for v in VERDICTS]
    _side_table(ws, 4, 5, ["亮灯", "任务数"], light_rows)
    for offset, light in enumerate(LIGHTS):
        ws.cell(5 + offset, 5).fill = _fill(LIGHT_FILLS[light])
    _side_table(ws, 9, 5, ["量化指标", "个数"], verdict_rows)
    ws.column_dimensions["D"].width = 3
    ws.column_dimensions["E"].width = 14
    ws.column_dimensions["F"].width = 8

    # Chart 1: tasks per status (one bar per status, coloured as the statuses).
    bar = BarChart()
    bar.type = "col"
    _style_chart(bar, "本期任务完成情况")
    bar.add_data(
        Reference(ws, min_col=2, min_row=4, max_row=4 + len(statuses)), titles_from_data=True
    )
    bar.set_categories(Reference(ws, min_col=1, min_row=5, max_row=4 + len(statuses)))
    bar.legend = None
    bar.y_axis.title = "任务数"
    bar.y_axis.majorGridlines = None
    bar.y_axis.delete = False
    bar.x_axis.delete = False
    series = bar.series[0]
    for index, status in enumerate(statuses):
        point = DataPoint(idx=index)
        point.graphicalProperties.solidFill = STATUS_COLORS[status]
        series.dPt.append(point)
    _values_shown(series)
    _size(bar, 15, 7.5)
    ws.add_chart(bar, "A15")

    # Chart 2: the lights as a pie.
    pie = PieChart()
    _style_chart(pie, "任务亮灯")
    pie.add_data(Reference(ws, min_col=6, min_row=4, max_row=7), titles_from_data=True)
    pie.set_categories(Reference(ws, min_col=5, min_row=5, max_row=7))
    for index, light in enumerate(LIGHTS):
        point = DataPoint(idx=index)
        point.graphicalProperties.solidFill = {
            LIGHT_RED: "D9534F",
            LIGHT_YELLOW: "F0C419",
            LIGHT_GREEN: "5CB85C",
        }[light]
        pie.series[0].dPt.append(point)
    _values_shown(pie.series[0])
    _size(pie, 9, 7.5)
    ws.add_chart(pie, "H15")

    # The parts: statuses per part (table from row 31), a stacked bar chart below it.
    start = 31
    set_text(ws.cell(start - 1, 1), "各部分任务完成情况")
    ws.cell(start - 1, 1).font = _font(12, bold=True)
    part_rows: list[list[Any]] = [
        [p.title, *(p.counts.get(s, 0) for s in statuses), p.total, p.done_share] for p in ov.parts
    ]
    header = ["部分", *statuses, "合计", "完成率"]
    widths = [30, *(max(9, 2 * len(s) + 2) for s in statuses), 8, 9]
    last = _table(ws, start, header, part_rows, widths=widths, wrap={1})
    _percent(ws, start + 1, last, len(header))
    if ov.parts:
        stacked = BarChart()
        stacked.type = "bar"
        stacked.grouping = "stacked"
        stacked.overlap = 100
        _style_chart(stacked, "各部分任务完成情况")
        stacked.add_data(
            Reference(ws, min_col=2, max_col=1 + len(statuses), min_row=start, max_row=last),
            titles_from_data=True,
        )
        stacked.set_categories(Reference(ws, min_col=1, min_row=start + 1, max_row=last))
        for s, status in zip(stacked.series, statuses, strict=True):
            s.graphicalProperties.solidFill = STATUS_COLORS[status]
            s.graphicalProperties.line.solidFill = STATUS_COLORS[status]
        stacked.x_axis.delete = False
        stacked.y_axis.delete = False
        stacked.y_axis.title = "任务数"
        stacked.y_axis.majorGridlines = None
        stacked.x_axis.scaling.orientation = "maxMin"  # first part on top
        _size(stacked, 24, max(6.0, 2.5 + 1.2 * len(ov.parts)))
        ws.add_chart(stacked, f"A{last + 2}")
    a4_landscape(ws, title_row=start)
    ws.page_setup.fitToHeight = 1  # a dashboard: one page
    ws.freeze_panes = "A3"


def _side_table(
    ws: Worksheet, row: int, col: int, header: list[str], rows: list[list[Any]]
) -> None:
    from openpyxl.styles import Alignment

    border = _border()
    for k, text in enumerate(header):
        cell = ws.cell(row, col + k)
        set_text(cell, text)
        cell.font = _font(bold=True)
        cell.fill = _fill(HEADER_FILL)
        cell.border = border
        cell.alignment = Alignment(horizontal="center")
    for r, values in enumerate(rows, start=row + 1):
        for k, value in enumerate(values):
            cell = ws.cell(r, col + k)
            if isinstance(value, str):
                set_text(cell, value)
            else:
                cell.value = value
            cell.font = _font()
            cell.border = border


def _departments_sheet(ws: Worksheet, ov: Overview) -> None:
    from openpyxl.chart import BarChart, Reference

    header = [
        "单位",
        "承担任务",
        "其中牵头",
        "本期报送",
        "按时报送期数",
        "逾期报送期数",
        "未报期数",
        "已完成任务",
        "完成率",
    ]
    rows: list[list[Any]] = [
        [
            d.name,
            d.tasks,
            d.tasks_led,
            d.state,
            d.periods_on_time,
            d.periods_late,
            d.periods_missing,
            d.done,
            d.done_share,
        ]
        for d in ov.departments
    ]
    _title(ws, f"{ov.plan_title}各单位工作进展", subtitle(ov), len(header))
    widths = [26, 9, 9, 10, 9, 9, 9, 10, 9]
    last = _table(ws, 4, header, rows, widths=widths, wrap={1})
    _percent(ws, 5, last, 9)
    for r in range(5, last + 1):
        state = ws.cell(r, 4)
        if state.value in ("未报", "部分报送"):
            state.font = _font(bold=True, color="C00000")
    ws.freeze_panes = "B5"
    a4_landscape(ws, title_row=4)
    if ov.departments:
        chart = BarChart()
        chart.type = "bar"
        _style_chart(chart, "各单位承担任务完成率")
        chart.add_data(Reference(ws, min_col=9, min_row=4, max_row=last), titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=1, min_row=5, max_row=last))
        chart.legend = None
        chart.x_axis.delete = False
        chart.y_axis.delete = False
        chart.y_axis.scaling.min = 0
        chart.y_axis.scaling.max = 1
        chart.y_axis.number_format = "0%"
        chart.y_axis.majorGridlines = None
        chart.x_axis.scaling.orientation = "maxMin"
        chart.series[0].graphicalProperties.solidFill = "4E9A4E"
        _values_shown(chart.series[0], "0%")
        _size(chart, 24, max(6.0, 2.5 + 0.6 * len(ov.departments)))
        ws.add_chart(chart, f"A{last + 2}")


def _targets_sheet(ws: Worksheet, ov: Overview) -> None:
    from openpyxl.chart import BarChart, Reference

    period_names = [v.period_name for v in ov.targets[0].values] if ov.targets else []
    header = ["任务", "指标", "目标", "计算方式", *period_names, "累计/最新", "完成目标", "判断"]
    rows: list[list[Any]] = []
    for t in ov.targets:
        done = t.year_to_date / t.target if t.year_to_date is not None and t.target else None
        rows.append(
            [
                t.task_label,
                t.text,
                t.target_text,
                t.kind,
                *(v.value for v in t.values),
                t.year_to_date,
                done,
                t.verdict,
            ]
        )
    columns = len(header)
    _title(ws, f"{ov.plan_title}量化指标完成情况", subtitle(ov), columns)
    widths = [8, 34, 12, 9, *([11] * len(period_names)), 11, 10, 11]
    last = _table(ws, 4, header, rows, widths=widths, wrap={2})
    _percent(ws, 5, last, columns - 1)
    for r, t in enumerate(ov.targets, start=5):
        for c in range(5, 5 + len(period_names) + 1):
            ws.cell(r, c).number_format = "0.##"
        verdict = ws.cell(r, columns)
        verdict.font = _font(bold=True, color="C00000" if t.verdict == "可能未达标" else None)
    # The rules under the table, one line each.
    rules = list(dict.fromkeys(t.rule for t in ov.targets))
    if ov.targets and any(t.kind == KIND_COUNT for t in ov.targets):
        rules.append(
            "累计类指标：各期报送值相加；年度、半年报送的统计时段覆盖此前各期的，以其数值为累计值。"
        )
    for k, rule in enumerate(["说明：", *rules], start=last + 2):
        set_text(ws.cell(k, 1), rule if rule == "说明：" else f"{rule}。".replace("。。", "。"))
        ws.cell(k, 1).font = _font(10)
    ws.freeze_panes = "C5"
    a4_landscape(ws, title_row=4)
    if not ov.targets:
        set_text(ws.cell(5, 1), "本方案没有带目标值的量化指标。")
        return
    # One clustered chart: each target's completion (share of its target) against the
    # share of the year elapsed, which a count should have reached by now.
    chart_row = last + len(rules) + 5
    set_text(ws.cell(chart_row - 1, 1), "图表数据：")
    ws.cell(chart_row - 1, 1).font = _font(9, color="808080")
    set_text(ws.cell(chart_row, 1), "指标")
    set_text(ws.cell(chart_row, 2), "完成目标")
    set_text(ws.cell(chart_row, 3), "序时进度")
    for k, t in enumerate(ov.targets, start=chart_row + 1):
        ws.cell(k, 1).value = f"{t.task_label}{_short(t.text)}"
        ws.cell(k, 2).value = (
            t.year_to_date / t.target if t.year_to_date is not None and t.target else 0
        )
        ws.cell(k, 3).value = (
            ov.elapsed_share if t.kind == KIND_COUNT and ov.elapsed_share else None
        )
        ws.cell(k, 2).number_format = ws.cell(k, 3).number_format = "0%"
        for c in (1, 2, 3):
            ws.cell(k, c).font = _font(9, color="808080")
    end = chart_row + len(ov.targets)
    chart = BarChart()
    chart.type = "col"
    chart.grouping = "clustered"
    _style_chart(chart, "量化指标完成目标的比例（累计类与序时进度比较）")
    chart.add_data(
        Reference(ws, min_col=2, max_col=3, min_row=chart_row, max_row=end), titles_from_data=True
    )
    chart.set_categories(Reference(ws, min_col=1, min_row=chart_row + 1, max_row=end))
    chart.y_axis.number_format = "0%"
    chart.y_axis.scaling.min = 0
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    chart.y_axis.majorGridlines = None
    chart.series[0].graphicalProperties.solidFill = "4F81BD"
    chart.series[1].graphicalProperties.solidFill = "BFBFBF"
    _values_shown(chart.series[0], "0%")
    _size(chart, 24, 8)
    ws.add_chart(chart, f"A{end + 2}")


def _short(text: str, limit: int = 14) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _lights_sheet(ws: Worksheet, ov: Overview) -> None:
    from openpyxl.styles import Alignment

    header = ["序号", "任务", "所属部分", "牵头单位", "完成时限", "本期完成情况", "亮灯", "说明"]
    rows: list[list[Any]] = [
        [
            light.label,
            light.title,
            light.section_title or "",
            light.lead,
            cn_date(light.deadline) if light.deadline else "",
            light.status,
            light.light,
            light.reason,
        ]
        for light in ov.lights
    ]
    counts = ov.light_counts()
    sub = f"{subtitle(ov)}　" + "　".join(f"{k}灯{counts[k]}项" for k in LIGHTS)
    _title(ws, f"{ov.plan_title}任务亮灯", sub, len(header))
    widths = [8, 36, 20, 20, 15, 13, 7, 16]
    last = _table(ws, 4, header, rows, widths=widths, wrap={2, 3, 4})
    for r, light in enumerate(ov.lights, start=5):
        fill = _fill(LIGHT_FILLS[light.light])
        for c in (7, 8):
            ws.cell(r, c).fill = fill
        ws.cell(r, 7).alignment = Alignment(horizontal="center", vertical="center")
        ws.cell(r, 7).font = _font(bold=True)
    set_text(
        ws.cell(last + 2, 1),
        f"说明：红灯为已超过完成时限未完成或本期报送滞后的任务；黄灯为{ov.warning_days}天内"
        "到期尚未完成的任务；其余为绿灯。完成情况为本期各单位报送的情况。",
    )
    ws.cell(last + 2, 1).font = _font(10)
    ws.freeze_panes = "C5"
    a4_landscape(ws, title_row=4)
