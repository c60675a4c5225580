"""Make the screenshots in ``docs/`` (run by hand: ``python tests/ui/make_screenshots.py``).

Builds a demo database from the seed plans in a temporary folder, opens the main
window at 1400×850 on the 001 plan and saves ``docs/screenshot_ledger.png``.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"


# (task number in the plan, status, deadline, progress): what a clerk enters over months.
PROGRESS = [
    (1, "序时推进", "2023年11月", "已完成省级示范区复审自评，正在整改评价细则中的失分项。"),
    (2, "已完成", "2023年6月", "完成受污染耕地安全利用核查，台账已报市农业农村局。"),
    (3, "序时推进", None, "第二季度开展农药兽药残留抽检120批次，合格率98.3%。"),
    (4, "滞后", "2023年5月", "粮食收购企业检查尚未覆盖全部乡镇，已督促限期完成。"),
    (6, "序时推进", None, "开展食品销售企业自查，完成率约70%。"),
    (9, "已完成", "2023年9月", "秋季开学前完成全区中小学食堂全覆盖检查。"),
]


def fill_in_progress(db, plan_id: int) -> None:
    from foodsafety_desktop.core.dates import parse_deadline_input
    from foodsafety_desktop.core.services import departments, ledger
    from foodsafety_desktop.core.services.ledger import LedgerFilter

    with db.session() as session:
        # The non-interactive demo import keeps the seed's typo "区场监管局" as its own
        # department (with a warning); the clerk merges it in 部门管理.
        by_name = {d.name: d.id for d in departments.list_departments(session)}
        if "区场监管局" in by_name and "区市场监管局" in by_name:
            departments.merge_departments(
                session, by_name["区市场监管局"], by_name["区场监管局"], user="演示"
            )
        rows = ledger.ledger_rows(session, LedgerFilter(plan_id=plan_id))
        for number, status, deadline, progress in PROGRESS:
            if number > len(rows):
                continue
            changes = {"status": status, "progress": progress}
            if deadline and not rows[number - 1].deadline:
                changes["deadline"], changes["deadline_text"] = parse_deadline_input(deadline)
            ledger.update_task(session, rows[number - 1].task_id, user="演示", **changes)


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="foodsafety-shots-") as folder:
        os.environ["FOODSAFETY_DATA_DIR"] = str(Path(folder) / "appdata")
        from PySide6.QtWidgets import QApplication

        from foodsafety_desktop.core.services import ledger
        from foodsafety_desktop.core.services.demo import create_demo_database
        from foodsafety_desktop.ui.app import ensure_application
        from foodsafety_desktop.ui.main_window import MainWindow

        db = create_demo_database(Path(folder) / "演示数据.sqlite3")
        try:
            app = ensure_application()
            with db.session() as session:
                plans = ledger.list_plans(session)
            plan = next(p for p in plans if "红旗" in p.title or "2023" in (p.doc_number or ""))
            fill_in_progress(db, plan.id)
            window = MainWindow(db, demo=True, user="演示")
            window.resize(1400, 850)
            window.show()
            window.select_plan(plan.id)
            QApplication.processEvents()
            rows = window.model.ledger_rows()
            # A task with departments and a deadline makes a telling detail panel.
            chosen = next((r for r in rows if r.lead and r.deadline_display), rows[0])
            window.select_task(chosen.task_id)
            for _ in range(5):
                QApplication.processEvents()
            DOCS.mkdir(exist_ok=True)
            target = DOCS / "screenshot_ledger.png"
            window.grab().save(str(target))
            print(f"saved {target} ({plan.title}, {len(rows)} tasks)")
            window.close()
            app.processEvents()
        finally:
            db.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
