"""The printed ledger: HTML with a repeated header, A4 landscape PDF over several pages."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from PySide6.QtGui import QPageLayout

from foodsafety_desktop.core.services import ledger
from foodsafety_desktop.core.services.ledger import LedgerFilter
from foodsafety_desktop.core.storage.database import open_database
from foodsafety_desktop.ui import printing

try:
    from .ledger_data import LEDGER_TODAY, PLAN_TITLE, build_ledger
except ImportError:
    from ledger_data import LEDGER_TODAY, PLAN_TITLE, build_ledger


@pytest.fixture
def rows_and_sections(tmp_path):
    db = open_database(tmp_path / "t.sqlite3")
    ids = build_ledger(db, task_count=31)
    with db.session() as s:
        rows = ledger.ledger_rows(s, LedgerFilter(plan_id=ids.plan), today=LEDGER_TODAY)
        sections = ledger.sections(s, ids.plan)
    db.close()
    return rows, sections


def test_html_has_thead_sections_and_full_text(rows_and_sections):
    rows, sections = rows_and_sections
    text = printing.ledger_html(rows, sections, "台账")
    assert text.count("<thead>") == 1
    header = text[text.index("<thead>") : text.index("</thead>")]
    assert [h for h, _ in printing.COLUMNS] == re.findall(r"<th[^>]*>([^<]*)</th>", header)
    assert "一、重点任务" in text and "（二）第2组工作" in text
    assert rows[2].text[:80] in text  # the full text, not the excerpt of the tree
    assert "已逾期" in text


def test_document_table_repeats_its_header(qtbot, rows_and_sections):
    rows, sections = rows_and_sections
    doc = printing.ledger_document(rows, sections, f"{PLAN_TITLE}工作台账")
    tables = [f for f in doc.rootFrame().childFrames() if hasattr(f, "cellAt")]
    assert tables, "the ledger must be a table"
    assert tables[0].format().headerRowCount() == 1
    assert tables[0].columns() == len(printing.COLUMNS)


def test_printer_is_a4_landscape_with_15mm_margins(qtbot):
    printer = printing.make_printer()
    layout = printer.pageLayout()
    assert layout.orientation() == QPageLayout.Orientation.Landscape
    assert layout.pageSize().id() == layout.pageSize().PageSizeId.A4
    margins = layout.margins(QPageLayout.Unit.Millimeter)
    assert round(margins.left()) == round(margins.top()) == 15


def test_long_ledger_prints_to_a_multi_page_pdf(qtbot, tmp_path, rows_and_sections):
    rows, sections = rows_and_sections
    assert len(rows) == 31
    doc = printing.ledger_document(rows, sections, f"{PLAN_TITLE}工作台账")
    pdf = printing.print_to_pdf(doc, tmp_path / "台账.pdf")
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    pages = len(re.findall(rb"/Type\s*/Page[^s]", data))
    assert pages > 1
    if shutil.which("pdftotext"):  # optional visual check: the header is on every page
        out = tmp_path / "text.txt"
        subprocess.run(["pdftotext", "-layout", str(pdf), str(out)], check=True)
        page_texts = out.read_text(encoding="utf-8").split("\f")
        page_texts = [p for p in page_texts if p.strip()]
        assert len(page_texts) == pages
        assert all("牵头单位" in p and "最新进展" in p for p in page_texts)


def test_short_ledger_fits_one_page(qtbot, tmp_path, rows_and_sections):
    rows, sections = rows_and_sections
    doc = printing.ledger_document(rows[:1], sections, "台账")
    data = printing.print_to_pdf(doc, tmp_path / "short.pdf").read_bytes()
    assert len(re.findall(rb"/Type\s*/Page[^s]", data)) == 1
