"""The 概况 workbook (``reports/overview_export.py``): its sheets, tables, fills, print
setup and native charts, read back with openpyxl; and the charts drawn by LibreOffice
(the workbook converted to PDF: chart titles and axis labels in the text, and the
chart pages carry far more ink than the same workbook without its charts)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest

from foodsafety_desktop.core.reports.export import find_soffice
from foodsafety_desktop.core.reports.overview_export import (
    LIGHT_FILLS,
    SHEET_DEPARTMENTS,
    SHEET_LIGHTS,
    SHEET_OVERVIEW,
    SHEET_TARGETS,
    write_overview_xlsx,
)
from foodsafety_desktop.core.services.overview import LIGHTS, Overview, overview
from foodsafety_desktop.core.services.period_status import PERIOD_STATUS_ORDER

from .overview_fixtures import TODAY, build_year


@pytest.fixture(scope="module")
def ov(tmp_path_factory) -> Overview:
    from foodsafety_desktop.core.storage.database import open_database

    folder = tmp_path_factory.mktemp("overview")
    os.environ["FOODSAFETY_DATA_DIR"] = str(folder / "appdata")
    db = open_database(folder / "t.sqlite3")
    try:
        year = build_year(db, folder / "year")
        with db.session() as s:
            return overview(s, year.plan_id, today=TODAY)
    finally:
        db.close()


def column(ws, col: int, first: int, last: int) -> list:
    return [ws.cell(r, col).value for r in range(first, last + 1)]


def test_workbook_sheets_tables_and_charts(ov, tmp_path):
    path = write_overview_xlsx(ov, tmp_path / "概况")
    assert path.name == "概况.xlsx"
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == [SHEET_OVERVIEW, SHEET_DEPARTMENTS, SHEET_TARGETS, SHEET_LIGHTS]

    ws = wb[SHEET_OVERVIEW]
    assert ws["A1"].value == f"{ov.plan_title}工作概况"
    assert "2022年第三季度" in ws["A2"].value and "2022年10月10日" in ws["A2"].value
    n = len(PERIOD_STATUS_ORDER)
    assert column(ws, 1, 5, 4 + n) == list(PERIOD_STATUS_ORDER)
    assert column(ws, 2, 5, 4 + n) == [ov.plan.counts[s] for s in PERIOD_STATUS_ORDER]
    assert ws.cell(5 + n, 2).value == ov.plan.total
    assert column(ws, 6, 5, 7) == [ov.light_counts()[k] for k in LIGHTS]
    charts = {type(c).__name__: c for c in ws._charts}
    assert len(ws._charts) == 3 and {"BarChart", "PieChart"} <= set(charts)
    stacked = [c for c in ws._charts if getattr(c, "grouping", None) == "stacked"]
    assert len(stacked) == 1 and len(stacked[0].series) == n  # one series per status

    ws = wb[SHEET_DEPARTMENTS]
    names = [d.name for d in ov.departments]
    assert column(ws, 1, 5, 4 + len(names)) == names
    assert column(ws, 9, 5, 4 + len(names)) == [d.done_share for d in ov.departments]
    assert column(ws, 4, 5, 4 + len(names)) == [d.state for d in ov.departments]
    assert len(ws._charts) == 1 and ws.freeze_panes == "B5"

    ws = wb[SHEET_TARGETS]
    header = [c.value for c in ws[4]]
    assert header[4:7] == [v.period_name for v in ov.targets[0].values]
    for r, t in enumerate(ov.targets, start=5):
        assert ws.cell(r, 2).value == t.text
        assert [ws.cell(r, c).value for c in range(5, 8)] == [v.value for v in t.values]
        assert ws.cell(r, 8).value == t.year_to_date
        assert ws.cell(r, len(header)).value == t.verdict
    texts = [ws.cell(r, 1).value for r in range(1, ws.max_row + 1)]
    assert any(t and t.startswith(ov.targets[0].rule) for t in texts)
    assert len(ws._charts) == 1

    ws = wb[SHEET_LIGHTS]
    for r, light in enumerate(ov.lights, start=5):
        assert ws.cell(r, 7).value == light.light and (ws.cell(r, 8).value or "") == light.reason
        assert ws.cell(r, 7).fill.start_color.rgb[-6:] == LIGHT_FILLS[light.light]
    for sheet in wb.worksheets:
        assert sheet.page_setup.orientation == "landscape"
        assert int(sheet.page_setup.paperSize) == int(sheet.PAPERSIZE_A4)
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
        assert sheet.page_setup.fitToWidth == 1
        assert sheet.freeze_panes


def test_rewriting_replaces_the_file_whole(ov, tmp_path):
    path = tmp_path / "概况.xlsx"
    path.write_bytes(b"old")
    write_overview_xlsx(ov, path)
    assert openpyxl.load_workbook(path).sheetnames[0] == SHEET_OVERVIEW
    assert [p.name for p in tmp_path.iterdir()] == ["概况.xlsx"]  # no temporary left


def to_pdf(xlsx: Path, out: Path) -> Path:
    soffice = find_soffice()
    assert soffice is not None
    out.mkdir(parents=True, exist_ok=True)
    profile = out / "profile"
    subprocess.run(
        [
            str(soffice),
            f"-env:UserInstallation={profile.resolve().as_uri()}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out),
            str(xlsx),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    return out / (xlsx.stem + ".pdf")


def ink(pdf: Path, page: int, folder: Path, band: tuple[float, float] = (0.0, 1.0)) -> float:
    """Share of non-white pixels of ``page`` rendered at 40 dpi, in the horizontal
    ``band`` (fractions of the page height)."""
    from PIL import Image

    stem = folder / f"{pdf.stem}-{page}"
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            "40",
            "-f",
            str(page),
            "-l",
            str(page),
            "-png",
            "-singlefile",
            str(pdf),
            str(stem),
        ],
        check=True,
        timeout=60,
    )
    image = Image.open(f"{stem}.png").convert("L")
    width, height = image.size
    image = image.crop((0, int(height * band[0]), width, int(height * band[1])))
    histogram = image.histogram()  # 256 grey levels
    return sum(histogram[:235]) / sum(histogram)


@pytest.mark.skipif(
    find_soffice() is None or shutil.which("pdftoppm") is None, reason="no LibreOffice / poppler"
)
def test_libreoffice_draws_the_charts(ov, tmp_path):
    charted = write_overview_xlsx(ov, tmp_path / "charts.xlsx")
    bare = tmp_path / "bare.xlsx"
    wb = openpyxl.load_workbook(charted)
    for sheet in wb.worksheets:
        sheet._charts = []
    wb.save(bare)
    with_charts = to_pdf(charted, tmp_path / "pdf")
    without = to_pdf(bare, tmp_path / "pdf")

    text = subprocess.run(
        ["pdftotext", "-layout", str(with_charts), "-"], capture_output=True, text=True, check=True
    ).stdout
    for title in ("本期任务完成情况", "任务亮灯", "各部分任务完成情况", "各单位承担任务完成率"):
        assert title in text
    assert "任务数" in text  # an axis title
    assert "量化指标完成目标的比例" in text
    bare_text = subprocess.run(
        ["pdftotext", str(without), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "各单位承担任务完成率" not in bare_text and "本期任务完成情况" not in bare_text

    # The 概况 page (one page, fitted): between the tables and the parts table sit the
    # status and light charts; without them that band is blank.
    band = (0.36, 0.6)
    drawn, blank = ink(with_charts, 1, tmp_path, band), ink(without, 1, tmp_path, band)
    assert drawn > 0.05 and blank < 0.01, (drawn, blank)
    assert ink(with_charts, 1, tmp_path) > ink(without, 1, tmp_path)
