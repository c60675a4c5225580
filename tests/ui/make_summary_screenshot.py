"""Make docs/screenshot_summary_editor.png (run by hand, fonts-noto-cjk installed).

    QT_QPA_PLATFORM=offscreen python tests/ui/make_summary_screenshot.py

Seed 002 (卢氏县), 2022年第三季度 answered by 县市场监管局 and 县卫健委; the clerk
rewrites the first task's paragraph, leaves the third out, fills in the 公文要素 (a red
发文机关标志, 发文字号, 签发人, 抄送机关) and saves; then 县发改委's late return is
collected, so the banner offers 重新生成.  The 公文要素 tab is shown.  Look at the
picture before committing it.
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

REWRITTEN = (
    "县市场监管局牵头，会同县卫健委、县农业农村局开展食品安全风险隐患排查整治，"
    "本季度共检查食品生产经营主体1260家次，发现并督促整改问题隐患87处。"
    "县卫健委完成食品安全风险监测样品120份，建立哨点医院1家。"
)


def wait(app, condition, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("界面操作超时")
        app.processEvents()


def main() -> int:
    from core.collect_fixtures import USER, fill
    from core.document_fixtures import SILENT, build_period, measures_text
    from PySide6.QtCore import QDate, Qt
    from PySide6.QtGui import QFont
    from PySide6.QtWidgets import QApplication

    from foodsafety_desktop.core.reports.summary import MASTHEAD_MARK
    from foodsafety_desktop.core.services.collect import collect_files
    from foodsafety_desktop.core.storage.database import open_database
    from foodsafety_desktop.ui.summary_editor import SummaryEditor

    app = QApplication.instance() or QApplication(sys.argv)
    app.setFont(QFont("Noto Sans CJK SC", 10))
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        db = open_database(tmp / "office.sqlite3")
        period = build_period(db, tmp)
        editor = SummaryEditor(db, period.scenario.plan_id)
        editor.show()
        editor.resize(1240, 820)  # its size on a 1366×768 screen or larger
        wait(app, lambda: editor.loading is None)
        tasks = [i for i, b in enumerate(editor.draft.blocks) if b.kind == "task"]
        editor.set_block_included(tasks[2], False)
        editor.signedOnEdit.setDate(QDate(2022, 10, 10))
        editor.set_masthead(MASTHEAD_MARK)
        editor.docNumberEdit.setText("卢食安办〔2022〕12号")
        editor.signedByEdit.setText("张三")
        editor.copyToEdit.setPlainText("县委办公室、县人大常委会办公室、县政协办公室")
        editor.set_block_text(tasks[0], REWRITTEN)
        editor.save()
        late = fill(
            period.scenario.templates[SILENT],
            tmp / "late" / "silent.xlsx",
            measures=measures_text(SILENT),
        )
        collect_files(
            db, [late], user=USER, received_at=dt.datetime(2022, 10, 8, 2), accept_warnings=True
        )
        editor.check_new_material()
        editor.blockTree.setCurrentItem(editor.item_of(editor.draft.blocks[tasks[0]].key))
        editor.documentTabs.setCurrentWidget(editor.headPage)
        editor.blockTextEdit.setFocus(Qt.FocusReason.OtherFocusReason)
        for _ in range(5):
            app.processEvents()
        DOCS.mkdir(exist_ok=True)
        target = DOCS / "screenshot_summary_editor.png"
        editor.grab().save(str(target))
        print(target)
        editor._dirty = False  # nothing to ask on close
        editor.close()
        db.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
