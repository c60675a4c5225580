"""OfficialDocument.table(): columns sized from their text, tall rows that may split
across pages, cell text never justified; explicit widths as given."""

from __future__ import annotations

import docx
import pytest
from docx.oxml.ns import qn

from foodsafety_desktop.core.word import OfficialDocument
from foodsafety_desktop.core.word.official import LANDSCAPE, PORTRAIT, mm_to_twips

from .realistic_fixtures import joined, needs_pdf_tools, render_pages

HEADER = ["序号", "单位", "完成情况", "落实情况"]
ANSWER = "开展食品安全专项检查，督促经营者落实进货查验和索证索票制度，"


def rows(n: int = 6, answer_repeats: int = 2) -> list[list[str]]:
    return [
        [str(i), "县城市管理局", "序时推进", ANSWER * answer_repeats + f"第{i}项。"]
        for i in range(1, n + 1)
    ]


def written(tmp_path, *args, landscape: bool = False, **kwargs):
    doc = OfficialDocument(landscape=landscape)
    doc.table(*args, **kwargs)
    return docx.Document(str(doc.save(tmp_path / "t.docx"))).tables[0]


def grid(table) -> list[int]:
    return [int(g.get(qn("w:w"))) for g in table._tbl.tblGrid.findall(qn("w:gridCol"))]


def test_widths_from_content_fill_the_block_and_favour_the_long_column(tmp_path):
    table = written(tmp_path, HEADER, rows())
    widths = grid(table)
    assert sum(widths) == PORTRAIT.text_width_twips
    # 序号 and 完成情况 (序时推进, 4 characters of 12 pt) on one line, 落实情况 the rest
    assert widths[0] < widths[1] < widths[3]
    assert widths[2] >= 4 * 240 + 2 * OfficialDocument.CELL_MARGIN
    assert widths[3] > PORTRAIT.text_width_twips / 2
    # the cells say the same widths as the grid
    assert [int(c.find(qn("w:tcPr") + "/" + qn("w:tcW")).get(qn("w:w"))) for c in
            table.rows[1]._tr.findall(qn("w:tc"))] == widths  # fmt: skip


def test_short_table_gets_widths_in_proportion_to_its_text(tmp_path):
    widths = grid(written(tmp_path, ["序号", "指标"], [["1", "抽检合格率"]]))
    assert sum(widths) == PORTRAIT.text_width_twips and widths[0] < widths[1]


def test_explicit_widths_are_kept(tmp_path):
    mm = [12, 50, 28, 38, 21, 76]  # the 工作总结's 附件1
    header = ["序号", "任务", "牵头单位", "责任单位", "完成情况", "进展摘要"]
    table = written(tmp_path, header, [["1", "任务", "甲", "乙", "已完成", "摘要"]],
                    col_widths_mm=mm, landscape=True)  # fmt: skip
    assert grid(table) == [mm_to_twips(w) for w in mm]
    assert sum(grid(table)) == pytest.approx(LANDSCAPE.text_width_twips, abs=10)


def test_tall_rows_may_split_and_start_at_the_top(tmp_path):
    table = written(tmp_path, HEADER, [*rows(1, answer_repeats=1), *rows(1, answer_repeats=12)])
    header, short, tall = (r._tr for r in table.rows)
    assert header.trPr.find(qn("w:tblHeader")) is not None
    assert header.trPr.find(qn("w:cantSplit")) is not None
    assert short.trPr.find(qn("w:cantSplit")) is not None
    assert tall.trPr.find(qn("w:cantSplit")) is None
    assert {v.get(qn("w:val")) for v in tall.iter(qn("w:vAlign"))} == {"top"}
    assert {v.get(qn("w:val")) for v in short.iter(qn("w:vAlign"))} == {"center"}


def test_cell_text_is_never_justified(tmp_path):
    table = written(tmp_path, HEADER, rows(), align=["center", "both", "center", "both"])
    values = [
        p.find(qn("w:pPr") + "/" + qn("w:jc")).get(qn("w:val")) for p in table._tbl.iter(qn("w:p"))
    ]
    assert set(values) == {"center", "left"}
    assert set(written(tmp_path, HEADER, rows()).rows[1].cells[3]._tc.xpath(".//w:jc/@w:val")) == {
        "left"
    }


@needs_pdf_tools
def test_a_tall_row_starts_on_the_page_it_follows(tmp_path):
    doc = OfficialDocument()
    doc.title("关于食品安全工作的报告")
    for _ in range(12):
        doc.paragraph("食品安全工作稳中向好。")
    tall = "\n".join(f"第{i}段：{ANSWER}" for i in range(1, 41))
    doc.table(HEADER, [["1", "县城市管理局", "已完成", tall]])
    pages = render_pages(doc.save(tmp_path / "tall.docx"), tmp_path)
    # the row begins below the text on page 1 instead of leaving the rest of it blank
    assert "第1段：" in joined(pages[0])
    assert len(pages) > 1
    assert all("落实情况" in page for page in pages)  # header repeated
