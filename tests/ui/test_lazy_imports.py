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

SHOW_WINDOW = """
import json, sys
from foodsafety_desktop.core.storage.database import open_database
from foodsafety_desktop.ui.app import ensure_application
from foodsafety_desktop.ui.main_window import MainWindow
app = ensure_application()
window = MainWindow(open_database(sys.argv[1]))
window.show()
app.processEvents()
print(json.dumps(sorted(m for m in json.loads(sys.argv[2]) if m in sys.modules)))
window.close()
"""


def test_main_window_shows_without_heavy_modules(tmp_path) -> None:
    path = tmp_path / "ledger.sqlite3"
    open_database(path).close()  # created (and migrated) here: the window opens it at head
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    out = subprocess.run(
        [sys.executable, "-c", SHOW_WINDOW, str(path), json.dumps(NOT_AT_START)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []


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
