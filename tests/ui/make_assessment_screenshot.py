"""Make docs/screenshot_assessment*.png, the 考核 window (run by hand, fonts-noto-cjk
installed).

    QT_QPA_PLATFORM=offscreen python tests/ui/make_assessment_screenshot.py

Seed 002 with its 2022年度 collected as its departments would answer
(``core.realistic_fixtures``), the 2022 成员单位 细则 of ``tests/data/assessment``
imported and auto-linked, evidence attached to one item for 县市场监管局, and three units'
考核得分 entered; the window is shown on that item, once per tab.  Look at the pictures
before committing them.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
DATA = ROOT / "tests" / "data" / "assessment"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

USER = "王芳"
MARKET = "县市场监管局"


def main() -> None:
    from core.evidence_fixtures import make_docx, make_pdf, make_png
    from core.realistic_fixtures import build_realistic

    from foodsafety_desktop.core.services.assessment import KIND_MEMBER, import_assessment
    from foodsafety_desktop.core.services.assessment_links import auto_link, item_links
    from foodsafety_desktop.core.services.assessment_scores import score_table, set_score
    from foodsafety_desktop.core.services.evidence import attach_evidence
    from foodsafety_desktop.core.storage.database import open_database
    from foodsafety_desktop.ui.app import ensure_application
    from foodsafety_desktop.ui.assessment_window import AssessmentWindow

    folder = Path(tempfile.mkdtemp(prefix="assessment-shot-"))
    os.environ["FOODSAFETY_DATA_DIR"] = str(folder / "data")
    app = ensure_application()
    db = open_database(folder / "office.sqlite3")
    build_realistic(db, folder / "round")
    assessment_id = import_assessment(
        db, DATA / "member_2022.xlsx", year=2022, kind=KIND_MEMBER, user=USER
    ).assessment_id
    auto_link(db, assessment_id, user=USER)
    with db.session() as session:
        links = item_links(session, assessment_id)
        table = score_table(session, assessment_id)
    item_id = min(i for i, ls in links.items() if any(link.confirmed for link in ls))
    units = {u.name: u.department_id for u in table.units}
    files = folder / "微信文件"
    files.mkdir()
    for path in (
        make_pdf(files / "2022年食品安全抽检计划.pdf", 6),
        make_png(files / "农贸市场现场检查照片.png"),
        make_docx(files / "食品安全工作联席会议纪要.docx", pages=3),
    ):
        attach_evidence(db, path, user=USER, item_id=item_id, department_id=units[MARKET])
    leaves = [i for i in table.items if i.leaf and i.counted]
    for offset, name in enumerate((MARKET, "县卫健委", "县教体局")):
        if name not in units:
            continue
        for index, leaf in enumerate(leaves):
            lost = 1.0 if (index + offset) % 5 == 0 else 0.0
            set_score(
                db, leaf.id, units[name], score=(leaf.points or 0) - lost,
                reason="佐证材料不全" if lost else None, user=USER,
            )  # fmt: skip

    window = AssessmentWindow(db)
    window.resize(1400, 860)
    window.show()
    node = window.itemTree.currentItem()
    for _ in range(3):
        app.processEvents()
    stack = [window.itemTree.topLevelItem(i) for i in range(window.itemTree.topLevelItemCount())]
    while stack:
        node = stack.pop(0)
        if node.data(0, 256) == item_id:
            window.itemTree.setCurrentItem(node)
            break
        stack.extend(node.child(i) for i in range(node.childCount()))
    window.unitCombo.setCurrentIndex(window.unitCombo.findText(MARKET))
    shots = {
        "screenshot_assessment.png": 0,
        "screenshot_assessment_evidence.png": 1,
        "screenshot_assessment_ranking.png": 3,
    }
    for name, tab in shots.items():
        if tab == 3:
            window.unitCombo.setCurrentIndex(0)
        window.tabs.setCurrentIndex(tab)
        for _ in range(5):
            app.processEvents()
        window.grab().save(str(DOCS / name))
        print(DOCS / name)
    db.close()


if __name__ == "__main__":
    main()
