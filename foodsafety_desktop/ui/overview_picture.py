"""The 概况 as a picture: a PNG for a WeChat message or a PDF page for a slide, painted
by ``overview_charts.paint_overview`` (the window's own drawing).  Also used by the
command line (``overview -o FILE.png``), which has no window: a Qt GUI application is
made for the painting, without a screen where there is none.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from PySide6.QtCore import QMarginsF, QRectF, QSizeF
from PySide6.QtGui import QImage, QPageLayout, QPageSize, QPainter, QPdfWriter
from PySide6.QtWidgets import QApplication

from foodsafety_desktop.core.errors import UserError
from foodsafety_desktop.core.fileio import write_atomically
from foodsafety_desktop.core.services.overview import Overview
from foodsafety_desktop.ui.overview_charts import paint_overview

PNG_SIZE = (1800, 1100)  # pixels: sharp on a phone, small enough for WeChat
PICTURE_SUFFIXES = (".png", ".pdf")

_app: QApplication | None = None


def _ensure_gui() -> None:
    """An application to paint with (fonts need one): a QApplication, not only a
    QGuiApplication, so widgets can still be made later in the same process; offscreen
    on a Linux without a display, as in CI."""
    global _app
    if QApplication.instance() is not None:
        return
    if sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    ):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    _app = QApplication([])


def render_png(ov: Overview, path: Path) -> None:
    image = QImage(*PNG_SIZE, QImage.Format.Format_RGB32)
    image.fill(0xFFFFFF)
    painter = QPainter(image)
    margin = 36
    paint_overview(
        painter, QRectF(margin, margin, PNG_SIZE[0] - 2 * margin, PNG_SIZE[1] - 2 * margin), ov
    )
    painter.end()
    if not image.save(str(path), "PNG"):
        raise OSError(f"could not write {path}")


def render_pdf(ov: Overview, path: Path) -> None:
    writer = QPdfWriter(str(path))
    writer.setResolution(144)
    writer.setPageLayout(
        QPageLayout(
            QPageSize(QPageSize.PageSizeId.A4),
            QPageLayout.Orientation.Landscape,
            QMarginsF(12, 12, 12, 12),
            QPageLayout.Unit.Millimeter,
        )
    )
    writer.setTitle(f"{ov.plan_title}工作进展概况")
    writer.setCreator("食安台账")
    painter = QPainter(writer)
    size = QSizeF(writer.width(), writer.height())
    paint_overview(painter, QRectF(0, 0, size.width(), size.height()), ov)
    painter.end()


def write_picture(ov: Overview, path: str | os.PathLike[str]) -> Path:
    """Write the 概况 to ``path`` (.png or .pdf) through a temporary file; returns it."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in PICTURE_SUFFIXES:
        raise UserError("概况图片只能保存为 .png 或 .pdf 文件。", file=path)
    if not path.parent.is_dir():
        raise UserError(f"无法写入文件：文件夹“{path.parent}”不存在，请换一个保存位置。")
    _ensure_gui()
    render = render_png if suffix == ".png" else render_pdf

    def write(tmp: Path) -> None:
        # Qt picks the format from the name: the temporary file keeps the suffix.
        named = tmp.with_name(tmp.name + suffix)
        try:
            render(ov, named)
            os.replace(named, tmp)
        finally:
            named.unlink(missing_ok=True)

    write_atomically(path, write, program="图片查看器")
    return path
