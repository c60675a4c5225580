"""Seed 002 answered as its departments would (the 2022年度 round of
``make_summary_sample``): every department's template filled with plausible measures,
data and examples, two departments silent, one late; for the page-count tests of the
逐条报送表 and the 催报通知.  ``render_pages`` converts a .docx with LibreOffice and
reads the PDF back page by page."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from seeds import seed_path

from foodsafety_desktop.core.services import periods
from foodsafety_desktop.core.services.collect import collect_files
from foodsafety_desktop.core.services.plan_import import import_plan_file
from foodsafety_desktop.core.services.templates import (
    template_departments,
    template_filename,
    template_rows,
    write_template,
)
from foodsafety_desktop.core.storage.database import Database
from foodsafety_desktop.core.storage.models import Plan, Task

from .make_official_sample import convert_to_pdf
from .make_summary_sample import LATE, PERIOD, SILENT, USER, add_targets, fill_realistic


@dataclass
class Realistic:
    plan_id: int
    period_id: int


def build_realistic(db: Database, folder: Path) -> Realistic:
    """Seed 002 imported with targets, its 2022年度 answered (see the module docstring)."""
    result = import_plan_file(db, seed_path("002"), user=USER)
    add_targets(db)
    for sub in ("t", "r"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    files: list[tuple[str, Path]] = []
    with db.session() as s:
        plan = s.get(Plan, result.plan_id)
        periods.create_periods(s, plan.id, periods.propose_periods(plan), user=USER)
        period = periods.find_period(s, plan.id, PERIOD)
        period_id = period.id
        for dep in template_departments(s, plan.id):
            if dep.name in SILENT:
                continue
            # 序号 in a template counts the department's own rows: map it to positions.
            positions = {
                int(str(row.seq).split("-")[0]): s.get(Task, row.task_id).position
                for row in template_rows(s, period_id, dep.id)
            }
            template = write_template(
                s, period_id, dep.id, folder / "t" / template_filename(period, dep)
            )
            filled = fill_realistic(template, folder / "r" / template.name, dep.name, positions)
            files.append((dep.name, filled))
    for paths, when in (
        ([p for name, p in files if name not in LATE], dt.datetime(2022, 11, 25, 2)),
        ([p for name, p in files if name in LATE], dt.datetime(2022, 12, 2, 2)),
    ):
        outcomes = collect_files(db, paths, user=USER, accept_warnings=True, received_at=when)
        assert all(o.accepted for o in outcomes), [o.as_dict() for o in outcomes]
    return Realistic(result.plan_id, period_id)


needs_pdf_tools = pytest.mark.skipif(
    (shutil.which("soffice") is None and shutil.which("libreoffice") is None)
    or shutil.which("pdftotext") is None,
    reason="LibreOffice 或 pdftotext 未安装，跳过版面检查 (not installed)",
)
# Four or more Chinese characters each followed by one space: a line justified apart
# ("县 城 市 管 理 局"), as pdftotext -layout writes it.
SPREAD = re.compile(r"(?:[\u4e00-\u9fff] ){3,}[\u4e00-\u9fff]")


def render_pages(docx_path: Path, out: Path) -> list[str]:
    """The text of each page of ``docx_path`` as LibreOffice lays it out (pdftotext
    -layout: characters drawn apart come out with spaces between them)."""
    pdf = convert_to_pdf(docx_path, out, work=out / "lo")
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    pages = text.split("\f")
    if pages and not pages[-1].strip():
        pages = pages[:-1]
    return pages


def joined(page: str) -> str:
    """A page's text as one string: lines stripped and run together, spaces dropped (a
    name broken at a line end reads whole)."""
    return "".join("".join(line.split()) for line in page.splitlines())
