"""Make docs/screenshot_reporting.png and docs/screenshot_collect_preview.png (run by hand).

    QT_QPA_PLATFORM=offscreen python tests/ui/make_reporting_screenshots.py

Seed 002 (卢氏县) with its periods; the 2022年第二季度 returns are collected through the
core (on time, late, partial), then five 2022年第三季度 returns are dropped on the
报送管理 window: the preview is taken with an error file selected, the two good files
are imported, and the window is taken afterwards.  Look at the pictures before
committing them.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
sys.path.insert(0, str(ROOT / "tests"))

MARKET, HEALTH, FARM, POLICE = "县市场监管局", "县卫健委", "县农业农村局", "县公安局"
DEVELOP, EDUCATION = "县发改委", "县教体局"


def wait(app, condition, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("界面操作超时")
        app.processEvents()


def main() -> int:
    import openpyxl
    from core.collect_fixtures import build_scenario, fill
    from PySide6.QtCore import QUrl
    from PySide6.QtGui import QFont
    from PySide6.QtWidgets import QApplication

    from foodsafety_desktop.core.excel.identity import IDENTITY_SHEET
    from foodsafety_desktop.core.services.collect import collect_files
    from foodsafety_desktop.core.services.settings import (
        OFFICE_CONTACT,
        OFFICE_NAME,
        OFFICE_PHONE,
        set_setting,
    )
    from foodsafety_desktop.core.storage.database import open_database
    from foodsafety_desktop.ui.reporting_window import ReportingWindow

    app = QApplication.instance() or QApplication(sys.argv)
    app.setFont(QFont("Noto Sans CJK SC", 10))
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        os.environ["FOODSAFETY_DATA_DIR"] = str(tmp / "appdata")
        db = open_database(tmp / "office.sqlite3")
        names = [MARKET, HEALTH, FARM, POLICE, DEVELOP, EDUCATION]
        sc = build_scenario(db, tmp / "templates", names)
        with db.session() as s:
            set_setting(s, OFFICE_NAME, "卢氏县食安办")
            set_setting(s, OFFICE_CONTACT, "王丽")
            set_setting(s, OFFICE_PHONE, "0398-7000000")
        q2 = tmp / "q2"
        on_time = dt.datetime(2022, 6, 20, 2, 0)
        late = dt.datetime(2022, 7, 1, 2, 0)
        done = [fill(sc.q2_templates[n], q2 / f"{n}.xlsx") for n in (MARKET, HEALTH, FARM)]
        collect_files(db, done, user="演示", accept_warnings=True, received_at=on_time)
        slow = fill(sc.q2_templates[POLICE], q2 / "公安.xlsx", status="滞后")
        collect_files(db, [slow], user="演示", accept_warnings=True, received_at=late)
        half = fill(sc.q2_templates[DEVELOP], q2 / "发改.xlsx", only=2)
        collect_files(db, [half], user="演示", accept_warnings=True, received_at=on_time)

        out = tmp / "returned"
        market = fill(sc.templates[MARKET], out / "2022年第三季度-县市场监管局-报送表.xlsx")
        health = fill(
            sc.templates[HEALTH], out / "2022年第三季度-县卫健委-报送表.xlsx", status="已完成"
        )
        partial = fill(sc.templates[FARM], out / "农业农村局三季度.xlsx", only=3)
        bad = fill(
            sc.templates[DEVELOP],
            out / "发改委报送表（改）.xlsx",
            edits={"G7": "基本完成", "B8": "改写过的任务内容", "F6": "约九成"},
        )
        police = fill(sc.templates[POLICE], out / "公安局报送表.xlsx")
        wb = openpyxl.load_workbook(police)
        for row in wb[IDENTITY_SHEET].iter_rows():
            if row[0].value == "department_name":
                row[1].value = FARM
        wb.save(police)

        window = ReportingWindow(db, sc.plan_id)
        window.resize(1280, 760)
        window.show()
        window.select_period("2022年第三季度")
        urls = [QUrl.fromLocalFile(str(p)) for p in (market, health, partial, bad, police)]
        dialog = window.handle_dropped_urls(urls)
        wait(app, lambda: dialog.checked)
        dialog.resize(1280, 780)
        dialog.select_file(bad.name)
        app.processEvents()
        dialog.grab().save(str(DOCS / "screenshot_collect_preview.png"))

        dialog.import_selected()
        wait(app, lambda: dialog.imported)
        app.processEvents()
        dialog.grab().save(str(tmp.parent / "screenshot_collect_done.png"))
        dialog.done(0)
        app.processEvents()
        window.tabs.setCurrentWidget(window.matrixTab)
        app.processEvents()
        window.grab().save(str(tmp.parent / "screenshot_reporting_matrix.png"))
        window.tabs.setCurrentWidget(window.periodTab)
        app.processEvents()
        window.grab().save(str(DOCS / "screenshot_reporting.png"))
        window.close()
        db.close()
    print(
        f"saved {DOCS / 'screenshot_reporting.png'} and {DOCS / 'screenshot_collect_preview.png'}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
