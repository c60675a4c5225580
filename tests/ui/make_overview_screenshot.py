"""Make docs/screenshot_overview.png and docs/overview_picture.png (run by hand,
fonts-noto-cjk installed).

    QT_QPA_PLATFORM=offscreen python tests/ui/make_overview_screenshot.py

The demo database (five seed plans, 2022年第三季度 of seed 002 reported by most of its
departments, some late, some 滞后) is opened in the main window and its 概况 shown; the
picture export of the same overview is written beside it.  Look at both before
committing them.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))


def main() -> None:
    from foodsafety_desktop.core.services import demo
    from foodsafety_desktop.ui.app import ensure_application
    from foodsafety_desktop.ui.main_window import MainWindow
    from foodsafety_desktop.ui.overview_picture import write_picture

    folder = Path(tempfile.mkdtemp(prefix="overview-shot-"))
    os.environ["FOODSAFETY_DATA_DIR"] = str(folder / "data")
    app = ensure_application()
    db = demo.create_demo_database(folder / "demo.sqlite3")
    work = demo.add_reporting_work(db, folder / "work")
    window = MainWindow(db)
    window.resize(1366, 768)
    window.show()
    window.select_plan(work.plan_id)
    overview = window.open_overview()
    assert overview is not None
    overview.resize(1280, 800)
    for _ in range(5):
        app.processEvents()
    overview.grab().save(str(DOCS / "screenshot_overview.png"))
    write_picture(overview.overview, DOCS / "overview_picture.png")
    print(DOCS / "screenshot_overview.png")
    db.close()

    # Seed 002 states no targets: the year of the 概况 tests (a count and a rate target
    # over three quarters, an overdue and a due-soon task) shows that part.
    from core.overview_fixtures import Q3, TODAY, build_year

    from foodsafety_desktop.core.storage.database import open_database
    from foodsafety_desktop.ui.overview_window import OverviewWindow

    year_db = open_database(folder / "year.sqlite3")
    year = build_year(year_db, folder / "year")
    window = OverviewWindow(year_db, year.plan_id, today=TODAY)
    window.periodCombo.setCurrentIndex(window.periodCombo.findData(year.periods[Q3]))
    window.resize(1280, 800)
    window.tabs.setCurrentWidget(window.targetsTable)
    window.show()
    for _ in range(5):
        app.processEvents()
    window.grab().save(str(DOCS / "screenshot_overview_targets.png"))
    write_picture(window.overview, DOCS / "overview_picture.png")
    print(DOCS / "screenshot_overview_targets.png")
    print(DOCS / "overview_picture.png")
    year_db.close()


if __name__ == "__main__":
    main()
