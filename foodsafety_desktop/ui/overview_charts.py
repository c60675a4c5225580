"""The 概况's charts, painted with QPainter: the same drawing in the window, in the PNG
for a WeChat message and in the PDF for a slide (``overview_picture``).

Why QPainter and not a chart library (measured, PySide6 6.11, Python 3.11):

- QtCharts is in PySide6-Addons, a second wheel of 175 MB (Linux; the Windows one is of
  the same order) that the installer does not carry otherwise;
- pyqtgraph (a 1.9 MB wheel) needs NumPy (45 MB installed) and takes 235–270 ms to import
  after PySide6;
- these painters import in 10 ms after the main window (tests/benchmarks/bench_overview.py)
  and add nothing to the installer; the 概况 needs stacked bars, bars against a target
  line, lamps and a legend, drawn with the Qt the application has loaded, in the PC's
  fonts, one drawing for the screen, the PNG and the PDF.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPen

from foodsafety_desktop.core.services.overview import (
    LIGHT_GREEN,
    LIGHT_RED,
    LIGHT_YELLOW,
    Overview,
    PartProgress,
    TargetProgress,
)

# One colour per status, the same everywhere (bars, legend, tables).
STATUS_COLORS = {
    "已完成": "#2e7d32",
    "序时推进": "#1e88e5",
    "滞后": "#e53935",
    "未启动": "#8d6e63",
    "未填写完成情况": "#f9a825",
    "未报送": "#b0bec5",
}
LIGHT_COLORS = {LIGHT_RED: "#e53935", LIGHT_YELLOW: "#f9a825", LIGHT_GREEN: "#43a047"}
TEXT = QColor("#202124")
MUTED = QColor("#5f6368")
GRID = QColor("#dadce0")
TARGET_LINE = QColor("#d81b60")
ALL_TASKS = "全部任务"


@dataclass(frozen=True)
class Style:
    """Sizes in device units of the surface painted on (pixels or PDF points)."""

    font_px: float = 13.0

    def font(self, scale: float = 1.0, *, bold: bool = False) -> QFont:
        font = QFont()
        font.setPixelSize(max(6, round(self.font_px * scale)))
        font.setBold(bold)
        return font


def status_color(status: str) -> QColor:
    return QColor(STATUS_COLORS.get(status, "#9e9e9e"))


def _text(
    p: QPainter, rect: QRectF, text: str, flags: Qt.AlignmentFlag, font: QFont, color: QColor = TEXT
) -> None:
    p.setFont(font)
    p.setPen(color)
    p.drawText(rect, int(flags), text)


def _elided(text: str, font: QFont, width: float) -> str:
    return QFontMetricsF(font).elidedText(text, Qt.TextElideMode.ElideRight, width)


def paint_legend(
    p: QPainter, rect: QRectF, items: Sequence[tuple[str, QColor]], style: Style
) -> float:
    """Colour boxes with their names in one or more rows; returns the height used."""
    font = style.font(0.9)
    metrics = QFontMetricsF(font)
    box = metrics.height() * 0.8
    x, y = rect.left(), rect.top()
    row = metrics.height() * 1.3
    for name, color in items:
        width = box + 4 + metrics.horizontalAdvance(name) + 14
        if x + width > rect.right() and x > rect.left():
            x, y = rect.left(), y + row
        p.fillRect(QRectF(x, y + (row - box) / 2, box, box), color)
        _text(
            p,
            QRectF(x + box + 4, y, width, row),
            name,
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            font,
        )
        x += width
    return y + row - rect.top()


def paint_stacked_bar(p: QPainter, rect: QRectF, counts: dict[str, int], total: int) -> None:
    """One bar split by status, left to right in the order of ``counts``."""
    p.fillRect(rect, QColor("#f1f3f4"))
    if total <= 0:
        return
    x = rect.left()
    for status, count in counts.items():
        if not count:
            continue
        width = rect.width() * count / total
        p.fillRect(QRectF(x, rect.top(), width, rect.height()), status_color(status))
        x += width


def paint_parts(
    p: QPainter, rect: QRectF, plan: PartProgress, parts: Sequence[PartProgress], style: Style
) -> None:
    """完成情况: the whole plan and each part as a bar of its statuses, with the share done."""
    font = style.font()
    bold = style.font(bold=True)
    metrics = QFontMetricsF(font)
    legend = [
        (s, status_color(s)) for s in plan.counts if any(x.counts.get(s) for x in [plan, *parts])
    ]
    used = paint_legend(p, rect, legend, style)
    # One part holding every task (三、主要任务) would repeat the plan's bar.
    shown = [] if len(parts) == 1 and parts[0].total == plan.total else list(parts)
    rows = [plan, *shown]
    titles = [ALL_TASKS, *(r.title for r in shown)]
    top = rect.top() + used + 4
    row_h = min(metrics.height() * 1.9, (rect.bottom() - top) / max(1, len(rows)))
    label_w = min(rect.width() * 0.34, max(metrics.horizontalAdvance(t) for t in titles) + 8)
    figure_w = metrics.horizontalAdvance("100%（99/99）") + 8
    for i, part in enumerate(rows):
        y = top + i * row_h
        label_rect = QRectF(rect.left(), y, label_w - 6, row_h)
        _text(
            p,
            label_rect,
            _elided(titles[i], font, label_w - 6),
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
            bold if i == 0 else font,
        )
        bar = QRectF(
            rect.left() + label_w, y + row_h * 0.18, rect.width() - label_w - figure_w, row_h * 0.64
        )
        paint_stacked_bar(p, bar, part.counts, part.total)
        done = part.counts.get("已完成", 0)
        figure = f"{round(part.done_share * 100)}%（{done}/{part.total}）"
        _text(
            p,
            QRectF(bar.right() + 6, y, figure_w, row_h),
            figure,
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            font,
        )


@dataclass(frozen=True)
class DepartmentBar:
    name: str
    share: float  # 0..1 of its tasks done
    state: str  # 已报 / 逾期报送 / 部分报送 / 未报 / 待报


STATE_COLORS = {
    "已报": "#43a047",
    "逾期报送": "#fb8c00",
    "部分报送": "#fdd835",
    "未报": "#e53935",
    "待报": "#b0bec5",
}


def paint_departments(
    p: QPainter, rect: QRectF, bars: Sequence[DepartmentBar], style: Style
) -> None:
    """各单位: the share of its tasks done as a bar, its reporting state as a dot."""
    font = style.font(0.9)
    metrics = QFontMetricsF(font)
    legend = [(s, QColor(c)) for s, c in STATE_COLORS.items()]
    used = paint_legend(p, rect, legend, style)
    top = rect.top() + used + 4
    if not bars:
        return
    row_h = min(metrics.height() * 1.5, (rect.bottom() - top) / len(bars))
    dot = min(row_h * 0.45, metrics.height() * 0.7)
    longest = max(metrics.horizontalAdvance(b.name) for b in bars)
    label_w = min(rect.width() * 0.45, dot + longest + 14)
    figure_w = metrics.horizontalAdvance("100%") + 8
    for i, b in enumerate(bars):
        y = top + i * row_h
        p.setBrush(QColor(STATE_COLORS.get(b.state, "#9e9e9e")))
        p.setPen(Qt.PenStyle.NoPen)
        p.drawEllipse(QRectF(rect.left(), y + (row_h - dot) / 2, dot, dot))
        _text(
            p,
            QRectF(rect.left() + dot + 4, y, label_w - dot - 6, row_h),
            _elided(b.name, font, label_w - dot - 6),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            font,
        )
        full = QRectF(
            rect.left() + label_w, y + row_h * 0.2, rect.width() - label_w - figure_w, row_h * 0.6
        )
        p.fillRect(full, QColor("#f1f3f4"))
        p.fillRect(
            QRectF(full.left(), full.top(), full.width() * b.share, full.height()),
            status_color("已完成"),
        )
        _text(
            p,
            QRectF(full.right() + 4, y, figure_w, row_h),
            f"{round(b.share * 100)}%",
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            font,
        )


def target_fraction(target: TargetProgress) -> float | None:
    """How far the year-to-date value is toward the target (1.0 = reached), None when
    it cannot be said (no value, no target, or a ≤ target)."""
    if target.year_to_date is None or not target.target or target.comparison in ("≤", "<"):
        return None
    return max(0.0, target.year_to_date / target.target)


def target_figure(t: TargetProgress) -> str:
    """进度正常  850/1000批次: the verdict and the figure against the target."""
    value = "—" if t.year_to_date is None else f"{t.year_to_date:g}"
    goal = "" if t.target is None else f"{t.target:g}"
    return f"{t.verdict}  {value}/{goal}{t.unit or ''}"


def paint_targets(
    p: QPainter, rect: QRectF, targets: Sequence[TargetProgress], style: Style
) -> None:
    """指标: each target's year-to-date value against it (the line at 100 %), coloured
    by the verdict."""
    font = style.font(0.9)
    metrics = QFontMetricsF(font)
    if not targets:
        _text(p, rect, "本方案没有量化指标", Qt.AlignmentFlag.AlignCenter, font, MUTED)
        return
    row_h = min(metrics.height() * 2.6, rect.height() / len(targets))
    label_w = rect.width() * 0.42
    figure_w = max(metrics.horizontalAdvance(target_figure(t)) for t in targets) + 12
    verdict_colors = {"已达标": "#2e7d32", "进度正常": "#1e88e5", "可能未达标": "#e53935"}
    for i, t in enumerate(targets):
        y = rect.top() + i * row_h
        _text(
            p,
            QRectF(rect.left(), y, label_w - 6, row_h),
            _elided(f"{t.task_label}{t.text}", font, label_w - 6),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            font,
        )
        track = QRectF(
            rect.left() + label_w, y + row_h * 0.25, rect.width() - label_w - figure_w, row_h * 0.5
        )
        p.fillRect(track, QColor("#f1f3f4"))
        fraction = target_fraction(t)
        color = QColor(verdict_colors.get(t.verdict, "#9e9e9e"))
        scale = 1.25  # the bar may run a quarter past the target
        if fraction is not None:
            width = track.width() * min(fraction, scale) / scale
            p.fillRect(QRectF(track.left(), track.top(), width, track.height()), color)
        x = track.left() + track.width() / scale
        p.setPen(QPen(TARGET_LINE, 2))
        p.drawLine(QPointF(x, track.top() - 3), QPointF(x, track.bottom() + 3))
        _text(
            p,
            QRectF(track.right() + 6, y, figure_w, row_h),
            target_figure(t),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            font,
            color,
        )


def paint_lights(p: QPainter, rect: QRectF, counts: dict[str, int], style: Style) -> None:
    """亮灯: three lamps with their counts."""
    font = style.font(1.1, bold=True)
    n = 3
    width = rect.width() / n
    lamp = min(rect.height() * 0.7, width * 0.3)
    for i, light in enumerate((LIGHT_RED, LIGHT_YELLOW, LIGHT_GREEN)):
        x = rect.left() + i * width
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor(LIGHT_COLORS[light]))
        p.drawEllipse(QRectF(x + 4, rect.center().y() - lamp / 2, lamp, lamp))
        label = {LIGHT_RED: "红灯", LIGHT_YELLOW: "黄灯", LIGHT_GREEN: "绿灯"}[light]
        _text(
            p,
            QRectF(x + lamp + 10, rect.top(), width - lamp - 12, rect.height()),
            f"{label} {counts.get(light, 0)} 项",
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            font,
        )


def department_bars(ov: Overview) -> list[DepartmentBar]:
    return [DepartmentBar(d.name, d.done_share, d.state) for d in ov.departments]


def paint_overview(p: QPainter, rect: QRectF, ov: Overview, style: Style | None = None) -> None:
    """The whole 概况 on one page (the PNG and PDF picture): title, lamps, the parts'
    progress, the departments and the targets."""
    style = style or Style(font_px=max(9.0, rect.width() / 95))
    p.save()
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.fillRect(rect, Qt.GlobalColor.white)
    title_font = style.font(1.5, bold=True)
    title_h = QFontMetricsF(title_font).height() * 1.5
    period = f"（{ov.period_name}）" if ov.period_name else ""
    _text(
        p,
        QRectF(rect.left(), rect.top(), rect.width(), title_h),
        f"{ov.plan_title}{period}工作进展概况",
        Qt.AlignmentFlag.AlignCenter,
        title_font,
    )
    sub_font = style.font(0.9)
    sub_h = QFontMetricsF(sub_font).height() * 1.4
    _text(
        p,
        QRectF(rect.left(), rect.top() + title_h, rect.width(), sub_h),
        f"截至{ov.as_of.year}年{ov.as_of.month}月{ov.as_of.day}日",
        Qt.AlignmentFlag.AlignCenter,
        sub_font,
        MUTED,
    )
    top = rect.top() + title_h + sub_h + 6
    lights_h = sub_h * 1.6
    paint_lights(
        p, QRectF(rect.left(), top, rect.width() * 0.6, lights_h), ov.light_counts(), style
    )
    top += lights_h + 8
    left = QRectF(rect.left(), top, rect.width() * 0.56, rect.bottom() - top)
    right = QRectF(
        left.right() + rect.width() * 0.03, top, rect.width() * 0.41, rect.bottom() - top
    )
    heading = style.font(1.1, bold=True)
    head_h = QFontMetricsF(heading).height() * 1.5
    parts_h = left.height() * 0.5
    _text(
        p,
        QRectF(left.left(), left.top(), left.width(), head_h),
        "各部分完成情况",
        Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
        heading,
    )
    paint_parts(
        p,
        QRectF(left.left(), left.top() + head_h, left.width(), parts_h - head_h),
        ov.plan,
        ov.parts,
        style,
    )
    y = left.top() + parts_h + 6
    _text(
        p,
        QRectF(left.left(), y, left.width(), head_h),
        "量化指标（年度累计或最新值／目标）",
        Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
        heading,
    )
    paint_targets(
        p,
        QRectF(left.left(), y + head_h, left.width(), left.bottom() - y - head_h),
        ov.targets,
        style,
    )
    _text(
        p,
        QRectF(right.left(), right.top(), right.width(), head_h),
        "各单位报送和完成情况",
        Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
        heading,
    )
    paint_departments(
        p,
        QRectF(right.left(), right.top() + head_h, right.width(), right.height() - head_h),
        department_bars(ov),
        style,
    )
    p.setPen(QPen(GRID, 1))
    p.drawLine(
        QPointF(right.left() - rect.width() * 0.015, top),
        QPointF(right.left() - rect.width() * 0.015, rect.bottom()),
    )
    p.restore()
