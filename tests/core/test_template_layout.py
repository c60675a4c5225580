"""The 报送表 as a county office prints it (layout version 2) and the old layout still read.

Seed 002 with targets added: a task with three indicators is one task row merged down
over its 指标 block; a template without indicators hides 目标值/完成值; the header has
审核人 and 单位负责人（签字）; 统计时段 ends at the due date; the 填报说明 is rendered by
LibreOffice and every line of it is found whole in the PDF.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest
from openpyxl.cell.cell import MergedCell
from seeds import seed_path
from sqlalchemy import select

from foodsafety_desktop.core.excel import template_layout as layout
from foodsafety_desktop.core.excel.identity import FORMAT, FORMAT_V1, IDENTITY_SHEET, squash
from foodsafety_desktop.core.excel.workbook_reader import read_returned_workbook
from foodsafety_desktop.core.services import periods, settings
from foodsafety_desktop.core.services.collect import check_workbook, collect_files
from foodsafety_desktop.core.services.plan_import import import_plan_file
from foodsafety_desktop.core.services.templates import (
    INSTRUCTIONS_WIDTH,
    instruction_lines,
    reporting_span_text,
    template_departments,
    template_rows,
    write_template,
)
from foodsafety_desktop.core.storage.models import (
    Assignment,
    Department,
    Indicator,
    Plan,
    ReportingPeriod,
    Submission,
    SubmissionEntry,
    Task,
)

from .collect_fixtures import USER, fill
from .template_v1 import V1_HEADER_CELLS, write_template_v1

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
MARKET = "县市场监管局"
HEALTH = "县卫健委"
Q3 = "2022年第三季度"
YEAR = "2022年度"
# Three targets on one task the market authority leads, one on another (as
# make_summary_sample.py adds targets to seed 002, which states none per task).
BLOCK = [
    ("餐饮服务单位量化分级管理率达到95%", 95.0),
    ("餐饮服务单位监督检查覆盖率达到100%", 100.0),
    ("“互联网+明厨亮灶”覆盖率达到60%", 60.0),
]
SINGLE = ("食品安全风险监测样本不少于1.5批次/千人", 1.5)


@pytest.fixture
def seeded(db):
    plan_id = import_plan_file(db, seed_path("002"), user=USER).plan_id
    with db.session() as s:
        plan = s.get(Plan, plan_id)
        periods.create_periods(s, plan_id, periods.propose_periods(plan), user=USER)
        settings.set_setting(s, settings.OFFICE_CONTACT, "王丽")
        settings.set_setting(s, settings.OFFICE_PHONE, "0398-7861234")
        market = s.scalar(select(Department).where(Department.name == MARKET))
        led = s.scalars(
            select(Task)
            .join(Assignment, Assignment.task_id == Task.id)
            .where(
                Task.plan_id == plan_id,
                Assignment.department_id == market.id,
                Assignment.role == "牵头",
                Assignment.item_id.is_(None),
            )
            .order_by(Task.position)
        ).all()
        block_task, single_task = led[1], led[2]
        for position, (text, value) in enumerate(BLOCK, start=10):
            block_task.indicators.append(
                Indicator(position=position, text=text, comparison=">=", value=value, unit="%")
            )
        single_task.indicators.append(
            Indicator(position=10, text=SINGLE[0], comparison=">=", value=SINGLE[1])
        )
        s.flush()
        return {
            "plan": plan_id,
            "q3": periods.find_period(s, plan_id, Q3).id,
            "year": periods.find_period(s, plan_id, YEAR).id,
            "market": market.id,
            "health": s.scalar(select(Department.id).where(Department.name == HEALTH)),
            "block_task": block_task.id,
            "single_task": single_task.id,
        }


def _write(db, period_id, department_id, path: Path) -> Path:
    with db.session() as s:
        return write_template(s, period_id, department_id, path)


def _rows(db, period_id, department_id):
    with db.session() as s:
        return template_rows(s, period_id, department_id)


def test_indicator_block_is_one_task_row_merged_over_its_indicators(db, seeded, tmp_path):
    rows = _rows(db, seeded["q3"], seeded["market"])
    path = _write(db, seeded["q3"], seeded["market"], tmp_path / "m.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb[layout.REPORT_SHEET]
    block = [r for r in rows if r.task_id == seeded["block_task"]]
    assert [r.target for r in block] == [t for t, _ in BLOCK]
    first, last = block[0].row, block[-1].row
    assert last == first + 2 and [r.anchor for r in block] == [None, first, first]
    # the task's cells are written once and merged down over the 指标 block
    merged = {str(m) for m in ws.merged_cells.ranges}
    for key in ("seq", "task", "role", "deadline", "status", *layout.TEXT_INPUT_KEYS):
        letter = layout.COLUMN_BY_KEY[key].letter
        assert f"{letter}{first}:{letter}{last}" in merged, key
    assert ws[layout.cell("seq", first)].value == block[0].unit_seq == block[0].seq[:-2]
    for r in block[1:]:
        assert isinstance(ws[layout.cell("task", r.row)], MergedCell)
    # each indicator keeps its own 目标值 (locked) and 完成值 (input, numbers only)
    for r in block:
        assert ws[layout.cell("target", r.row)].value == r.target
        assert ws[layout.cell("target", r.row)].protection.locked
        assert not ws[layout.cell("value", r.row)].protection.locked
    # one text of the task on the whole sheet: rows with 任务内容 are the units
    data = range(layout.FIRST_DATA_ROW, rows[-1].row + 1)
    texts = [ws[layout.cell("task", r)].value for r in data]
    units = {(r.task_id, r.item_id) for r in rows}
    assert len([t for t in texts if t]) == len(units) == len(rows) - 2
    assert texts.count(block[0].task_text) == 1
    assert not ws.column_dimensions["E"].hidden and not ws.column_dimensions["F"].hidden


def test_block_is_collected_one_entry_per_indicator(db, seeded, tmp_path):
    rows = _rows(db, seeded["q3"], seeded["market"])
    block = [r for r in rows if r.task_id == seeded["block_task"]]
    template = _write(db, seeded["q3"], seeded["market"], tmp_path / "m.xlsx")
    reached = [96.3, 100, 58]
    values = {layout.cell("value", r.row): v for r, v in zip(block, reached, strict=True)}
    filled = fill(template, tmp_path / "r" / "m.xlsx", status="已完成", edits=values)
    [outcome] = collect_files(db, [filled], user=USER, period_id=seeded["q3"])
    assert outcome.accepted, (outcome.errors, outcome.warnings)
    with db.session() as s:
        entries = s.scalars(
            select(SubmissionEntry)
            .where(SubmissionEntry.task_id == seeded["block_task"])
            .order_by(SubmissionEntry.id)
        ).all()
        by_indicator = {s.get(Indicator, e.indicator_id).text: e for e in entries}
        assert {t: e.value for t, e in by_indicator.items()} == {
            BLOCK[0][0]: 96.3,
            BLOCK[1][0]: 100,
            BLOCK[2][0]: 58,
        }
        # one 完成情况 for the task, its text once (with the first indicator, as before)
        assert [e.status for e in entries] == ["已完成"] * 3
        assert [bool(e.measures) for e in entries] == [True, False, False]
        sub = s.scalar(select(Submission))
        assert len(sub.entries) == len(rows)


def test_sub_row_value_errors_name_its_cell(db, seeded, tmp_path):
    rows = _rows(db, seeded["q3"], seeded["market"])
    sub_row = next(r for r in rows if r.anchor is not None)
    template = _write(db, seeded["q3"], seeded["market"], tmp_path / "m.xlsx")
    bad = fill(template, tmp_path / "bad.xlsx", edits={layout.cell("value", sub_row.row): "约九成"})
    with db.session() as s:
        preview = check_workbook(s, bad, period_id=seeded["q3"])
    cell = layout.cell("value", sub_row.row)
    assert any(f"单元格 {cell}" in e.text() and "不是数字" in e.text() for e in preview.errors)
    assert all("报送表" in e.text() for e in preview.errors)


def test_columns_without_content_are_hidden_and_still_read(db, seeded, tmp_path):
    with db.session() as s:
        departments = [d.id for d in template_departments(s, seeded["plan"])]
    plain = [d for d in departments if not any(r.has_indicator for r in _rows(db, seeded["q3"], d))]
    assert plain and seeded["market"] not in plain
    rows = _rows(db, seeded["q3"], plain[0])
    template = _write(db, seeded["q3"], plain[0], tmp_path / "h.xlsx")
    ws = openpyxl.load_workbook(template)[layout.REPORT_SHEET]
    hidden = [c.title for c in layout.COLUMNS if ws.column_dimensions[c.letter].hidden]
    # seed 002 gives no 完成时限: that column is hidden too
    assert not any(r.deadline for r in rows)
    assert hidden == ["完成时限", "目标值", "完成值"]
    # the header block keeps off the hidden columns
    for f in layout.HEADER_FIELDS:
        assert f.value_cell[0] not in "DEF" and f.label_cell[0] not in "DEF"
    filled = fill(template, tmp_path / "r" / "h.xlsx", status="序时推进")
    wb = read_returned_workbook(filled)
    assert wb.standard_layout and wb.columns["value"] == "F"
    [outcome] = collect_files(db, [filled], user=USER, period_id=seeded["q3"])
    assert outcome.accepted, outcome.errors
    with db.session() as s:
        sub = s.scalar(select(Submission))
        assert sub.reporter == "张三" and sub.filled_on == "2022-09-20"
        assert [e.status for e in sub.entries] == ["序时推进"] * len(rows)


def test_header_block_has_reviewer_and_leader_near_the_reporter(db, seeded, tmp_path):
    template = _write(db, seeded["year"], seeded["market"], tmp_path / "m.xlsx")
    ws = openpyxl.load_workbook(template)[layout.REPORT_SHEET]
    labels = {f.key: ws[f.label_cell].value for f in layout.HEADER_FIELDS}
    assert labels["reviewer"] == "审核人：" and labels["leader"] == "单位负责人（签字）："
    for key in ("reporter", "phone", "filled_on", "reviewer", "leader"):
        cell = ws[layout.HEADER_BY_KEY[key].value_cell]
        assert not cell.protection.locked and cell.fill.fgColor.rgb.endswith("FFF9E5"), key
    # 审核人 right under 填报人, 单位负责人 under 联系电话/填报日期
    assert layout.REVIEWER_CELL[0] == layout.REPORTER_CELL[0]
    assert int(layout.REVIEWER_CELL[1:]) == int(layout.REPORTER_CELL[1:]) + 1
    assert ws[layout.DEPARTMENT_CELL].value == f"填报单位：{MARKET}"
    assert ws[layout.SPAN_CELL].value == (
        "报送期次：2022年度（统计时段：2022年1月1日至2022年11月30日）"
    )
    hint = ws[f"A{layout.HINT_ROW}"].value
    assert "报送至：卢氏县食品安全委员会办公室（联系人：王丽，联系电话：0398-7861234）" in hint
    filled = fill(
        template,
        tmp_path / "r.xlsx",
        edits={layout.REVIEWER_CELL: "李审", layout.LEADER_CELL: "赵局长"},
    )
    header = read_returned_workbook(filled).header
    assert (header["reviewer"], header["leader"], header["department"]) == (
        "李审",
        "赵局长",
        MARKET,
    )


def test_reporting_span_ends_at_the_due_date_inside_the_period(db, seeded):
    with db.session() as s:
        year = s.get(ReportingPeriod, seeded["year"])
        q3 = s.get(ReportingPeriod, seeded["q3"])
        # stored as the calendar span of the name, due inside it
        assert (year.start_date.isoformat(), year.end_date.isoformat()) == (
            "2022-01-01",
            "2022-12-31",
        )
        assert year.due_date.isoformat() == "2022-11-30"
        assert reporting_span_text(year) == "2022年1月1日至2022年11月30日"
        assert reporting_span_text(q3) == "2022年7月1日至2022年9月25日"
        # due after the span (a report on the past year due in January): the period's end
        late = ReportingPeriod(
            plan_id=year.plan_id,
            name="2022年度（补报）",
            kind="once",
            due_date=year.end_date.replace(year=2023, month=1, day=15),
            start_date=year.start_date,
            end_date=year.end_date,
        )
        assert reporting_span_text(late) == "2022年1月1日至2022年12月31日"
        late.start_date = None
        assert reporting_span_text(late) == ""


def _instructions(db, seeded, tmp_path):
    path = _write(db, seeded["year"], seeded["market"], tmp_path / "年度-县市场监管局-报送表.xlsx")
    with db.session() as s:
        from foodsafety_desktop.core.services.templates import _office

        period = s.get(ReportingPeriod, seeded["year"])
        lines = instruction_lines(
            s.get(Plan, seeded["plan"]),
            period,
            s.get(Department, seeded["market"]),
            _office(s, s.get(Plan, seeded["plan"])),
            has_indicators=True,
            has_blocks=True,
        )
    return path, lines


def test_instructions_fit_the_page_width_and_their_text(db, seeded, tmp_path):
    path, lines = _instructions(db, seeded, tmp_path)
    ws = openpyxl.load_workbook(path)[layout.INSTRUCTIONS_SHEET]
    assert [ws.cell(r, 1).value or "" for r in range(1, len(lines) + 1)] == [t for _, t in lines]
    texts = [t for _, t in lines]
    assert "统计时段：2022年1月1日至2022年11月30日" in texts
    assert "报送至：卢氏县食品安全委员会办公室（联系人：王丽，联系电话：0398-7861234）" in texts
    office = "卢氏县食品安全委员会办公室"
    assert f"3. 填报中有疑问，请与{office}联系（联系人：王丽，联系电话：0398-7861234）。" in texts
    assert ws.page_setup.orientation == "portrait"
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0)
    assert ws.print_area == f"'{layout.INSTRUCTIONS_SHEET}'!$A$1:$B${len(lines)}"
    assert ws.column_dimensions["A"].width == INSTRUCTIONS_WIDTH
    # every row tall enough for its wrapped text (two CJK units a character)
    for r, text in enumerate(texts, start=1):
        units = sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)
        size = ws.cell(r, 1).font.sz
        lines_needed = -(-units * size / 11 // (INSTRUCTIONS_WIDTH - 2)) or 1
        assert ws.row_dimensions[r].height >= lines_needed * size * 1.3, (r, text)
        assert ws.cell(r, 1).alignment.wrap_text


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) not installed")
def test_instructions_print_whole_through_libreoffice(db, seeded, tmp_path):
    path, lines = _instructions(db, seeded, tmp_path)
    out = tmp_path / "pdf"
    subprocess.run(
        [SOFFICE, f"-env:UserInstallation={(tmp_path / 'lo').as_uri()}", "--headless",
         "--convert-to", "pdf", "--outdir", str(out), str(path)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    pdf = out / f"{path.stem}.pdf"
    page = subprocess.run(
        ["pdftotext", "-layout", "-f", "1", "-l", "1", str(pdf), "-"],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    flat = squash(page)
    longest = max((t for _, t in lines), key=len)
    assert squash(longest) in flat  # not cut off at the right
    for _, text in lines:
        assert squash(text) in flat, text
    # and every word inside the page, clear of its right edge
    bbox = subprocess.run(
        ["pdftotext", "-bbox", "-f", "1", "-l", "1", str(pdf), "-"],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    width = float(re.search(r'<page width="([\d.]+)"', bbox).group(1))
    right = max(float(x) for x in re.findall(r'xMax="([\d.]+)"', bbox))
    assert right < width - 18  # a quarter inch of margin at least


def test_old_layout_in_circulation_is_still_collected(db, seeded, tmp_path):
    rows = _rows(db, seeded["q3"], seeded["market"])
    with db.session() as s:
        template = write_template_v1(s, seeded["q3"], seeded["market"], tmp_path / "v1.xlsx")
    wb = openpyxl.load_workbook(template)
    values = {r[0]: r[1] for r in wb[IDENTITY_SHEET].iter_rows(values_only=True)}
    assert values["format"] == FORMAT_V1 != FORMAT
    assert "anchor" not in values["rows"]
    # version 1: every indicator row repeats the task text
    block = [r for r in rows if r.task_id == seeded["block_task"]]
    ws = wb[layout.REPORT_SHEET]
    texts = [ws.cell(r, 2).value for r in range(layout.FIRST_DATA_ROW_V1, ws.max_row + 1)]
    assert texts.count(block[0].task_text) == 3
    filled = fill(template, tmp_path / "r" / "v1.xlsx", status="滞后", reporter="李四", version=1)
    read = read_returned_workbook(filled)
    assert read.standard_layout and read.header_row == layout.HEADER_ROW_V1
    assert read.header["department"] == MARKET and read.header["reporter"] == "李四"
    [outcome] = collect_files(db, [filled], user=USER, period_id=seeded["q3"])
    assert outcome.accepted, outcome.errors
    with db.session() as s:
        sub = s.scalar(select(Submission))
        assert sub.reporter == "李四" and sub.phone == "0398-7654321"
        assert len(sub.entries) == len(rows)
        assert {e.status for e in sub.entries} == {"滞后"}
        block_entries = [e for e in sub.entries if e.task_id == seeded["block_task"]]
        assert [e.value for e in block_entries] == [95, 95, 95]
    # a changed task text in the old layout is still caught, naming the cell
    bad = fill(
        template,
        tmp_path / "bad.xlsx",
        version=1,
        edits={
            f"B{layout.FIRST_DATA_ROW_V1}": "改过的任务内容",
            V1_HEADER_CELLS["department"]: "县公安局",
        },
    )
    with db.session() as s:
        preview = check_workbook(s, bad, period_id=seeded["q3"])
    texts = [e.text() for e in preview.errors]
    assert any(f"单元格 B{layout.FIRST_DATA_ROW_V1}" in t and "锁定内容被改动" in t for t in texts)
    assert any("单元格 B2" in t and "填报单位" in t for t in texts)


def test_hand_made_sheet_with_merged_task_cells_matches_every_indicator(db, seeded, tmp_path):
    """A sheet typed by the department (no identity) whose task cells are merged down
    over the indicator rows, as version 2 prints them: each indicator row is matched."""
    rows = _rows(db, seeded["q3"], seeded["market"])
    block = [r for r in rows if r.task_id == seeded["block_task"]]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = f"{MARKET}{Q3}落实情况"
    ws["A2"] = f"填报单位：{MARKET}"
    ws.append(["序号", "任务内容", "目标值", "完成值", "完成情况", "主要措施"])
    ws.append([block[0].unit_seq, block[0].task_text, block[0].target, 96, "已完成", "措施"])
    ws.append([None, None, block[1].target, 99, None, None])
    ws.append([None, None, block[2].target, 61, None, None])
    ws.merge_cells("A4:A6")
    ws.merge_cells("B4:B6")
    ws.merge_cells("E4:E6")
    path = tmp_path / f"{MARKET}{Q3}.xlsx"
    wb.save(path)
    with db.session() as s:
        preview = check_workbook(s, path, period_id=seeded["q3"])
    assert preview.matched_by == "proposed" and preview.ok, [e.text() for e in preview.errors]
    got = {r.indicator_id: (r.values["value"], r.values["status"]) for r in preview.rows}
    assert got == {
        block[0].indicator_id: (96, "已完成"),
        block[1].indicator_id: (99, "已完成"),
        block[2].indicator_id: (61, "已完成"),
    }
