"""The 逐条报送表: one landscape table row per task with every department's measures
attributed to it, read back with python-docx."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess

import docx
import pytest
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from foodsafety_desktop.core.reports import export, itemized
from foodsafety_desktop.core.reports.itemized import (
    HEADER,
    implementation_text,
    write_itemized,
)
from foodsafety_desktop.core.reports.material import gather_material

from .document_fixtures import FULL, PARTIAL, SILENT, build_period
from .realistic_fixtures import SPREAD, build_realistic, joined, needs_pdf_tools, render_pages

TODAY = dt.date(2022, 10, 8)


@pytest.fixture
def period(db, tmp_path):
    return build_period(db, tmp_path)


@pytest.fixture
def document(period, tmp_path):
    path = write_itemized(period.material, tmp_path / "逐条", today=TODAY)
    assert path.name == "逐条.docx"
    return docx.Document(str(path))


def task_rows(table):
    """Rows of tasks (序号 a number), by 序号."""
    return {
        int(row.cells[0].text): row
        for row in table.rows[1:]
        if row.cells[0].text.isdigit() and len(row._tr.findall(qn("w:tc"))) == len(HEADER)
    }


def test_whole_document_is_landscape_with_the_official_margins(document):
    assert len(document.sections) == 1
    s = document.sections[0]
    assert s.orientation == WD_ORIENT.LANDSCAPE
    assert s.page_width / Mm(1) == pytest.approx(297, abs=0.5)
    assert (s.page_width - s.left_margin - s.right_margin) / Mm(1) == pytest.approx(225, abs=0.3)


def test_title_and_explanation(document, period):
    m = period.material
    title = document.paragraphs[0]
    assert title.style.name == "公文标题"
    assert title.text.replace("\n", "") == f"《{m.plan_title}》{m.period_name}各项任务落实情况表"
    assert all(r.font.size == Pt(22) for r in title.runs if r.text)
    texts = [p.text for p in document.paragraphs]
    assert f"填报单位：{m.office_name}　　填报日期：2022年10月8日" in texts
    note = next(t for t in texts if t.startswith("说明："))
    counts = m.status_counts
    assert f"共{len(m.tasks)}项任务" in note
    for status, n in counts.items():
        # Statuses with no task are left out (…、未报送3项, not 滞后0项).
        assert (f"{status}{n}项" in note) == bool(n), status
    assert counts["未报送"] and "未启动" not in note
    assert f"应报送单位{len(m.departments)}个，已报送2个" in note


def test_one_row_per_task_with_repeated_header(document, period):
    m = period.material
    assert len(document.tables) == 1
    table = document.tables[0]
    header = table.rows[0]
    assert [c.text for c in header.cells] == HEADER
    assert header._tr.trPr.find(qn("w:tblHeader")) is not None
    assert all(r._tr.trPr.find(qn("w:tblHeader")) is None for r in table.rows[1:])
    rows = task_rows(table)
    assert sorted(rows) == list(range(1, len(m.tasks) + 1))
    for n, task in enumerate(m.tasks, start=1):
        cells = [c.text for c in rows[n].cells]
        assert cells[1] == f"{task.label}{task.heading_title}"
        # one name a line (a narrow column never breaks a name in two), the lead first
        assert cells[2] == "、\n".join(
            [f"{n}（牵头）" for n in task.lead_names] + task.responsible_names
        )
        assert cells[3] == task.status
    # widths fill the landscape text block
    widths = [int(g.get(qn("w:w"))) for g in table._tbl.tblGrid.findall(qn("w:gridCol"))]
    assert sum(widths) / 56.7 == pytest.approx(225, abs=1)


def test_sections_are_merged_bold_rows_in_plan_order(document, period):
    m = period.material
    table = document.tables[0]
    merged = [r for r in table.rows[1:] if len(r._tr.findall(qn("w:tc"))) == 1]
    used = {t.section_id for t in m.tasks}
    expected = [f"{s.label}{s.title}" for s in m.sections if s.section_id in used]
    assert [r._tr.findall(qn("w:tc"))[0].xpath("string(.)") for r in merged] == expected
    for row in merged:
        tc = row._tr.findall(qn("w:tc"))[0]
        assert tc.tcPr.find(qn("w:gridSpan")).get(qn("w:val")) == str(len(HEADER))
        runs = [r for p in tc.findall(qn("w:p")) for r in p.findall(qn("w:r"))]
        assert runs and all(r.find(qn("w:rPr") + "/" + qn("w:b")) is not None for r in runs)
    # the section row comes right before its first task
    first_section_row = next(
        i for i, r in enumerate(table.rows) if len(r._tr.findall(qn("w:tc"))) == 1
    )
    assert table.rows[first_section_row + 1].cells[0].text == "1"


def test_every_measures_text_is_in_its_task_row_attributed(document, period):
    m = period.material
    rows = task_rows(document.tables[0])
    number = {t.task_id: n for n, t in enumerate(m.tasks, start=1)}
    written = [r for r in period.reported if r.status or r.measures]  # blank rows are stored too
    assert written
    for r in written:
        cell = rows[number[r.task_id]].cells[4]
        lines = [p.text for p in cell.paragraphs]
        mine = next(line for line in lines if line.startswith(f"{r.department}："))
        for text in (r.measures, r.data, r.examples):
            if text:
                assert text in mine, (r.department, text)
        # and in no other task's row
        for n, row in rows.items():
            if n != number[r.task_id] and r.measures:
                assert r.measures not in row.cells[4].text


def test_lead_is_attributed_first_and_silent_departments_are_named(document, period):
    m = period.material
    rows = task_rows(document.tables[0])
    for n, task in enumerate(m.tasks, start=1):
        lines = [p.text for p in rows[n].cells[4].paragraphs]
        names = [d.name for d in task.departments if d.reported]
        attributed = [line.split("：", 1)[0] for line in lines if not line.startswith("未填报")]
        if names:
            assert attributed[: len(names)] == names
        else:
            assert lines[0] == "本期无单位报送。"
        # Reporting units only: a group without members (各乡镇政府) reports nothing itself.
        silent = [d.name for d in task.departments if not d.reported and d.reports]
        assert "各乡镇政府" not in silent
        if silent:
            assert lines[-1] == f"未填报：{'、'.join(silent)}。"
        # the lead speaks first whenever it answered
        if task.lead_names and task.lead_names[0] in names:
            assert attributed[0] == task.lead_names[0]
    # 县发改委 did not report: named as 未填报 wherever it holds a task, never attributed
    text = document.tables[0]._tbl.xpath("string(.)")
    assert f"{SILENT}：" not in text
    assert FULL + "：" in text and PARTIAL + "：" in text


def test_blank_rows_of_a_submission_are_not_attributed(period):
    # 县卫健委 answered two of its rows; the other rows it holds say 未填报
    blank = [
        t
        for t in period.material.tasks
        for d in t.departments
        if d.name == PARTIAL and d.entries and not d.reported
    ]
    assert blank
    for task in blank:
        text = implementation_text(task)
        assert f"{PARTIAL}：" not in text
        assert PARTIAL in text.splitlines()[-1]


def test_table_text_is_small_fangsong(document):
    row = task_rows(document.tables[0])[1]
    run = row.cells[4].paragraphs[0].runs[0]
    assert run._r.rPr.rFonts.get(qn("w:eastAsia")) == "仿宋_GB2312"
    assert run.font.size == Pt(itemized.TABLE_PT) == Pt(10.5)  # 五号


def test_full_task_text_option(period, tmp_path):
    path = write_itemized(period.material, tmp_path / "f.docx", today=TODAY, full_task_text=True)
    d = docx.Document(str(path))
    task = period.material.tasks[0]
    cell = task_rows(d.tables[0])[1].cells[1]
    assert cell.paragraphs[0].text == f"{task.label}{task.heading_title}"
    assert task.text.strip().split("\n")[0] in cell.text


@pytest.mark.skipif(
    export.find_soffice() is None or shutil.which("pdftotext") is None,
    reason="LibreOffice 或 pdftotext 未安装，跳过 PDF 转换检查 (not installed)",
)
def test_converts_to_a_landscape_pdf(period, tmp_path):
    source = write_itemized(period.material, tmp_path / "itemized.docx", today=TODAY)
    pdf = export.export_pdf(source)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    if info:
        size = next(line for line in info.splitlines() if line.startswith("Page size"))
        width, height = (float(v) for v in size.split(":")[1].split("pts")[0].split(" x "))
        assert width > height  # landscape
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout.replace(" ", "")
    assert "落实情况" in text and f"{FULL}：" in text


def grid_mm(table) -> list[float]:
    return [int(g.get(qn("w:w"))) / 56.7 for g in table._tbl.tblGrid.findall(qn("w:gridCol"))]


def test_columns_are_sized_from_their_text(document):
    widths = dict(zip(HEADER, grid_mm(document.tables[0]), strict=True))
    assert sum(widths.values()) == pytest.approx(225, abs=1)
    # 落实情况 holds most of the text: the widest column
    assert widths["落实情况"] == max(widths.values())
    # the short columns hold their header and values on one line (五号: 3.7 mm a character)
    char = 10.5 / 72 * 25.4
    assert widths["完成情况"] >= 4 * char + 3 and widths["序号"] >= 2 * char + 3
    assert widths["序号"] < widths["任务"]


def test_cells_are_flush_left_or_centred_never_justified(document):
    table = document.tables[0]
    jcs = {
        jc.get(qn("w:val"))
        for jc in table._tbl.iter(qn("w:jc"))
        if jc.getparent().tag == qn("w:pPr")
    }
    assert "both" not in jcs and "distribute" not in jcs
    row = task_rows(table)[1]
    assert row.cells[0].paragraphs[0].alignment == WD_ALIGN_PARAGRAPH.CENTER  # 序号
    assert row.cells[2].paragraphs[0].alignment == WD_ALIGN_PARAGRAPH.LEFT  # 责任单位
    assert row.cells[4].paragraphs[0].alignment == WD_ALIGN_PARAGRAPH.LEFT  # 落实情况


@pytest.fixture
def realistic(db, tmp_path):
    """Seed 002's 2022年度 answered by every department as a clerk would."""
    r = build_realistic(db, tmp_path / "answers")
    with db.session() as s:
        material = gather_material(s, r.plan_id, r.period_id)
    return material


def test_tall_rows_may_split_short_rows_stay_whole(realistic, tmp_path):
    d = docx.Document(str(write_itemized(realistic, tmp_path / "r.docx", today=TODAY)))
    rows = d.tables[0].rows
    header = rows[0]._tr.trPr
    assert header.find(qn("w:tblHeader")) is not None and header.find(qn("w:cantSplit")) is not None
    # with every department's answer, 落实情况 takes more than half the block; the
    # column of names is as wide as its longest name line (never 县市场监/管局)
    widths = grid_mm(d.tables[0])
    assert widths[-1] > 0.5 * 225
    lines = [line for r in rows[1:] for line in r.cells[2].text.split("\n") if line]
    longest = max(len(line) for line in lines if len(line) <= 13)
    assert widths[2] >= longest * 10.5 * 25.4 / 72 + 3, widths[2]
    kept = [r for r in rows[1:] if r._tr.trPr.find(qn("w:cantSplit")) is not None]
    split = [r for r in rows[1:] if r._tr.trPr.find(qn("w:cantSplit")) is None]
    assert kept and split  # the section row and short rows whole; long answers may split
    for r in split:
        assert max(len(c.text) for c in r.cells) > 100
        # a row that may split starts its cells at the top of each part
        assert {v.get(qn("w:val")) for v in r._tr.iter(qn("w:vAlign"))} == {"top"}


@needs_pdf_tools
def test_seed_002_table_starts_on_page_one_and_is_compact(realistic, tmp_path):
    tasks = realistic.tasks
    assert len(tasks) == 12
    source = write_itemized(realistic, tmp_path / "逐条报送表.docx", today=TODAY)
    pages = render_pages(source, tmp_path)
    # 12 tasks, each answered by its lead and four to seven supporting departments
    # (2,400 characters of 落实情况): four pages, one per three tasks
    assert len(pages) <= -(-len(tasks) // 3)
    first = joined(pages[0])
    assert first.startswith("《卢氏县深化食品安全放心工程建设攻坚行动工作方案")
    # page 1 holds the header and the first task's row (its lead's answer begins there)
    lead_answer = implementation_text(tasks[0]).split("\n")[0]
    assert "序号任务责任单位完成情况落实情况" in first
    assert lead_answer[:30] in first
    for n, page in enumerate(pages, start=1):
        assert "落实情况" in page, n  # the header row repeated on every page
        assert not SPREAD.search(page), (n, SPREAD.search(page))
    # every task's row is there, in order
    text = "".join(joined(p) for p in pages)
    positions = [text.index(implementation_text(t).split("\n")[0][:20]) for t in tasks]
    assert positions == sorted(positions)
