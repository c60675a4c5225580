"""Draw packaging/splash.png, the start-up picture of the Windows build (PyInstaller Splash).

Run by hand after changing the text: ``python packaging/make_splash.py``; the PNG is
committed so that building needs no font and no display.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QFont, QFontDatabase, QGuiApplication, QImage, QPainter

WIDTH, HEIGHT = 420, 180
OUT = Path(__file__).with_name("splash.png")
CJK_FAMILIES = ("Microsoft YaHei", "Noto Sans CJK SC", "Source Han Sans SC", "SimHei")


def cjk_family() -> str:
    families = set(QFontDatabase.families())
    return next((f for f in CJK_FAMILIES if f in families), "")


def main() -> int:
    app = QGuiApplication(sys.argv[:1])  # noqa: F841 (fonts need an application)
    image = QImage(WIDTH, HEIGHT, QImage.Format.Format_RGB32)
    image.fill(QColor("#ffffff"))
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    painter.fillRect(0, 0, WIDTH, 8, QColor("#b71c1c"))  # the red band of an official paper
    family = cjk_family()
    title = QFont(family, 30, QFont.Weight.Bold)
    painter.setFont(title)
    painter.setPen(QColor("#b71c1c"))
    painter.drawText(QRect(0, 34, WIDTH, 70), Qt.AlignmentFlag.AlignCenter, "食安台账")
    painter.setFont(QFont(family, 13))
    painter.setPen(QColor("#444444"))
    painter.drawText(QRect(0, 110, WIDTH, 40), Qt.AlignmentFlag.AlignCenter, "正在启动…")
    painter.setPen(QColor("#cccccc"))
    painter.drawRect(0, 0, WIDTH - 1, HEIGHT - 1)
    painter.end()
    if not image.save(str(OUT)):
        print(f"无法保存 {OUT}", file=sys.stderr)
        return 1
    print(OUT)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
