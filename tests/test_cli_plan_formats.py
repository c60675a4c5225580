"""``plan import`` on the command line for every form a plan arrives in, checked in the
database it wrote; and a foreign file refused with the file's name and nothing stored."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from core.format_fixtures import (
    NUMBERED_PLAN_TASKS,
    SOFFICE,
    every_form,
    image_only_pdf,
)
from sqlalchemy import func, select

from foodsafety_desktop.core.storage.database import open_database
from foodsafety_desktop.core.storage.models import ROLE_LEAD, Assignment, Department, Plan, Task

ROOT = Path(__file__).resolve().parents[1]


def cli(*args: str, data: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "FOODSAFETY_DATA_DIR": str(data), "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-m", "foodsafety_desktop", *args],
        capture_output=True,
        env=env,
        cwd=ROOT,
        timeout=300,
    )
    return subprocess.CompletedProcess(
        done.args, done.returncode, done.stdout.decode("utf-8"), done.stderr.decode("utf-8")
    )


@pytest.fixture(scope="module")
def plan_files(tmp_path_factory):
    """One plan file of each form, made as offices make them (LibreOffice for old formats)."""
    if SOFFICE is None:
        pytest.skip("LibreOffice (soffice) not installed")
    return every_form(tmp_path_factory.mktemp("plans"))


def leads_by_task(db_path: Path) -> list[tuple[str, str, list[str]]]:
    db = open_database(db_path)
    try:
        with db.session() as s:
            rows = []
            for task in s.scalars(select(Task).order_by(Task.position)):
                leads = s.scalars(
                    select(Department.name)
                    .join(Assignment, Assignment.department_id == Department.id)
                    .where(Assignment.task_id == task.id, Assignment.role == ROLE_LEAD)
                )
                rows.append((task.label, task.title, list(leads)))
            return rows
    finally:
        db.close()


@pytest.mark.parametrize("kind", ["docx", "doc", "wps", "pdf", "xlsx", "xls"])
def test_plan_import_every_form(plan_files, tmp_path, kind):
    db_path = tmp_path / "ledger.sqlite3"
    done = cli("--db", str(db_path), "plan", "import", str(plan_files[kind]), data=tmp_path / "d")
    assert done.returncode == 0, done.stderr
    expected = (
        [("1.", "开展耕地土壤污染防治", ["县农业农村局"]),
         ("2.", "加强农产品质量安全监测", ["县农业农村局"])]
        if kind in ("xlsx", "xls")
        else NUMBERED_PLAN_TASKS
    )  # fmt: skip
    assert leads_by_task(db_path) == expected
    # The original file is archived beside the database, byte for byte.
    archived = list((tmp_path / "archive" / "plans").glob(f"*_{plan_files[kind].name}"))
    assert len(archived) == 1
    assert archived[0].read_bytes() == plan_files[kind].read_bytes()


def test_scanned_pdf_is_refused_and_nothing_is_stored(tmp_path):
    path = tmp_path / "扫描件.pdf"
    path.write_bytes(image_only_pdf())
    db_path = tmp_path / "ledger.sqlite3"
    done = cli("--db", str(db_path), "plan", "import", str(path), data=tmp_path / "d")
    assert done.returncode != 0
    assert "扫描件.pdf" in done.stderr and "扫描件" in done.stderr
    assert "Traceback" not in done.stderr
    if db_path.exists():
        db = open_database(db_path)
        try:
            with db.session() as s:
                assert s.scalar(select(func.count(Plan.id))) == 0
        finally:
            db.close()
