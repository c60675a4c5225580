"""Nothing heavy is imported before the main window shows (the cold-start benchmark's
guard; figures in tests/benchmarks/README.md)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from foodsafety_desktop.core.storage.database import open_database

# Loaded on first use only: workbooks, Word documents, migrations, the 报送 window, the
# fuzzy name matcher, printing.
NOT_AT_START = (
    "openpyxl",
    "docx",
    "alembic",
    "alembic.command",
    "rapidfuzz",
    "PySide6.QtPrintSupport",
    "foodsafety_desktop.ui.reporting_window",
    "foodsafety_desktop.core.services.collect",
    "foodsafety_desktop.core.services.plan_import",
)

# The real start-up: the window shows before SQLAlchemy is imported, the ledger fills in
# once the database is open, and nothing of NOT_AT_START is loaded by then.
START = """
import json, sys
from PySide6.QtCore import QTimer
from foodsafety_desktop.ui import app as gui
from foodsafety_desktop.ui.main_window import MainWindow
seen = {}
show, attach = MainWindow.show, MainWindow.attach_database
def shown(self):
    show(self)
    seen["sqlalchemy_at_show"] = "sqlalchemy" in sys.modules
    seen["label_at_show"] = self.count_label.text()
def attached(self, db, **kwargs):
    attach(self, db, **kwargs)
    seen["tasks"] = self.model.task_count()
    seen["heavy"] = sorted(m for m in json.loads(sys.argv[2]) if m in sys.modules)
    QTimer.singleShot(0, self.close)
MainWindow.show, MainWindow.attach_database = shown, attached
code = gui.start_gui(sys.argv[1])
print(json.dumps(seen))
sys.exit(code)
"""


def test_window_shows_before_the_database_opens(tmp_path) -> None:
    from seeds import seed_path

    from foodsafety_desktop.core.services.plan_import import import_plan_file

    path = tmp_path / "ledger.sqlite3"
    db = open_database(path)  # created (and migrated) here: the window opens it at head
    import_plan_file(db, seed_path("001"), user="测试", backup=False)
    db.close()
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", FOODSAFETY_DATA_DIR=str(tmp_path / "d"))
    out = subprocess.run(
        [sys.executable, "-c", START, str(path), json.dumps(NOT_AT_START)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert seen["sqlalchemy_at_show"] is False
    assert seen["label_at_show"] == "正在打开数据库…"
    assert seen["tasks"] == 31  # seed 001, filled in after the window showed
    assert seen["heavy"] == []


def test_database_at_head_opens_without_alembic(tmp_path) -> None:
    path = tmp_path / "ledger.sqlite3"
    open_database(path).close()
    code = (
        "import sys\n"
        "from foodsafety_desktop.core.storage.database import open_database\n"
        f"open_database({str(path)!r}).close()\n"
        "print('alembic' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
