"""Make docs/screenshot_import_review.png, docs/screenshot_assign_departments.png and
docs/screenshot_departments.png (run by hand).

    QT_QPA_PLATFORM=offscreen python tests/ui/make_dialog_screenshots.py

The review dialog shows seed 001 (红旗区) on an empty database, names tab with the
names to confirm; the departments dialog shows the demo database.  Look at the
pictures before committing them.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))
from seeds import seed_path  # noqa: E402

DOCS = ROOT / "docs"
SEED = seed_path("001")
# A plan that names no department: the clerk names them in the review dialog.
UNATTRIBUTED = ROOT / "tests" / "data" / "plans" / "guanghe_county_2026_unattributed_enclosed.txt"


def main() -> int:
    from PySide6.QtGui import QFont
    from PySide6.QtWidgets import QApplication

    from foodsafety_desktop.core.plans.reader import read_plan
    from foodsafety_desktop.core.services import departments as service
    from foodsafety_desktop.core.services.demo import create_demo_database
    from foodsafety_desktop.core.services.plan_import import prepare_import
    from foodsafety_desktop.core.storage.database import open_database
    from foodsafety_desktop.ui.departments_dialog import DepartmentsDialog
    from foodsafety_desktop.ui.import_dialog import ImportReviewDialog

    app = QApplication.instance() or QApplication(sys.argv)
    app.setFont(QFont("Noto Sans CJK SC", 10))
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["FOODSAFETY_DATA_DIR"] = str(Path(tmp) / "appdata")
        db = open_database(Path(tmp) / "review.sqlite3")
        with db.session() as session:
            review = prepare_import(session, read_plan(SEED), SEED)
        dialog = ImportReviewDialog(db, review)
        dialog.show()
        dialog.tabs.setCurrentWidget(dialog.namesTab)
        app.processEvents()
        dialog.grab().save(str(DOCS / "screenshot_import_review.png"))
        dialog.tabs.setCurrentWidget(dialog.tasksTab)
        dialog.select_task(6)
        app.processEvents()
        dialog.grab().save(str(Path(tmp).parent / "screenshot_import_review_tasks.png"))
        dialog.done(0)

        with db.session() as session:
            review = prepare_import(session, read_plan(UNATTRIBUTED), UNATTRIBUTED)
        dialog = ImportReviewDialog(db, review)
        dialog.show()
        dialog.tabs.setCurrentWidget(dialog.tasksTab)
        dialog.select_task(0)
        dialog.select_tasks([0, 1, 2, 3, 4])
        app.processEvents()
        from foodsafety_desktop.ui.assign_departments import AssignDepartmentsDialog

        tasks = [dialog.plan.tasks[r] for r in range(5)]
        assign = AssignDepartmentsDialog(tasks, dialog.known_names(), dialog)
        assign.leadEdit.setText("县市场监管局")
        assign.othersEdit.setText("县农业农村局、各乡镇人民政府")
        assign.show()
        geometry = dialog.geometry()
        assign.move(geometry.center() - assign.rect().center())
        app.processEvents()
        picture = dialog.grab()
        from PySide6.QtGui import QPainter

        painter = QPainter(picture)
        painter.drawPixmap(assign.pos() - dialog.pos(), assign.grab())
        painter.end()
        picture.save(str(DOCS / "screenshot_assign_departments.png"))
        assign.done(0)
        dialog.done(0)
        db.close()

        demo = create_demo_database(Path(tmp) / "demo.sqlite3")
        with demo.session() as session:  # what an office fills in after a while
            rows = {row.name: row for row in service.list_departments(session)}
            market = rows["区市场监管局"].id
            service.update_department(
                session, market, user="演示", contact_person="张明", phone="0373-3021567"
            )
            service.add_alias(session, market, "红旗区市场监管局", user="演示")
        departments = DepartmentsDialog(demo)
        departments.show()
        departments.select_department("区市场监管局") or departments.departmentsTable.selectRow(0)
        departments.show_duplicates()
        app.processEvents()
        departments.grab().save(str(DOCS / "screenshot_departments.png"))
        departments.done(0)
        demo.close()
    print(
        f"saved {DOCS / 'screenshot_import_review.png'} and {DOCS / 'screenshot_departments.png'}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
