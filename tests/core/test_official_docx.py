"""The 公文 writer: page geometry, fonts, styles, footers, sections and tables of the
generated .docx, read back with python-docx and its XML, and converted by LibreOffice."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
from pathlib import Path

import docx
import pytest
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from foodsafety_desktop.core.errors import UserError
from foodsafety_desktop.core.word import OfficialDocument, fonts, heading_label, official
from foodsafety_desktop.core.word.fonts import FontSet, resolve_fonts

from .make_official_sample import DATE, SIGNER, build_sample, convert_to_pdf


def mm(length) -> float:
    return length / Mm(1)


@pytest.fixture(scope="module")
def sample_path(tmp_path_factory) -> Path:
    return build_sample().save(tmp_path_factory.mktemp("official") / "sample.docx")


@pytest.fixture(scope="module")
def sample(sample_path):
    return docx.Document(str(sample_path))


def paragraph(document, text: str):
    return next(p for p in document.paragraphs if p.text.startswith(text))


def style_value(p, getter):
    """A paragraph property, from the paragraph or the first style that sets it."""
    value = getter(p.paragraph_format)
    style = p.style
    while value is None and style is not None:
        value = getter(style.paragraph_format)
        style = style.base_style
    return value


def east_asia(run) -> str:
    return run._r.rPr.rFonts.get(qn("w:eastAsia"))


def latin(run) -> str:
    return run._r.rPr.rFonts.get(qn("w:ascii"))


def grid(section):
    return section._sectPr.find(qn("w:docGrid"))


# --- geometry -------------------------------------------------------------------------


def test_page_is_a4_with_official_margins(sample):
    s = sample.sections[0]
    assert mm(s.page_width) == pytest.approx(210, abs=0.5)
    assert mm(s.page_height) == pytest.approx(297, abs=0.5)
    assert s.orientation == WD_ORIENT.PORTRAIT
    assert mm(s.top_margin) == pytest.approx(37, abs=0.1)
    assert mm(s.left_margin) == pytest.approx(28, abs=0.1)
    assert mm(s.bottom_margin) == pytest.approx(35, abs=0.5)
    assert mm(s.right_margin) == pytest.approx(26, abs=0.5)
    text_w = s.page_width - s.left_margin - s.right_margin
    text_h = s.page_height - s.top_margin - s.bottom_margin
    assert mm(text_w) == pytest.approx(156, abs=0.2)
    assert mm(text_h) == pytest.approx(225, abs=0.2)


def test_document_grid_is_22_lines_and_28_characters(sample):
    s = sample.sections[0]
    g = grid(s)
    assert g.get(qn("w:type")) == official.GRID_TYPE == "lines"
    line_pitch = int(g.get(qn("w:linePitch")))  # twips
    text_h_twips = (s.page_height - s.top_margin - s.bottom_margin) / 635  # EMU → twips
    assert int(text_h_twips // line_pitch) == 22
    assert line_pitch / 20 == pytest.approx(28.95, abs=0.05)
    # charSpace: 4096ths of a point added to the Normal size (16 pt) → 28 per line.
    char_space = int(g.get(qn("w:charSpace")))
    pitch_pt = 16 + char_space / 4096
    text_w_pt = (s.page_width - s.left_margin - s.right_margin) / 12700
    assert text_w_pt / pitch_pt == pytest.approx(28, abs=0.02)
    assert sample.styles["Normal"].font.size == Pt(16)
    # 16 pt text advances 15.75 pt (condensed 0.25 pt): 28 characters fit on a line.
    body_run = paragraph(sample, "2023年，在区委").runs[0]
    condense = int(body_run._r.rPr.find(qn("w:spacing")).get(qn("w:val")))
    assert 28 * (16 + condense / 20) <= text_w_pt < 29 * (16 + condense / 20)


def test_body_lines_have_fixed_spacing_and_two_character_indent(sample):
    p = paragraph(sample, "2023年，在区委")
    assert p.style.name == "公文正文"
    assert style_value(p, lambda f: f.line_spacing_rule) == WD_LINE_SPACING.EXACTLY
    assert style_value(p, lambda f: f.line_spacing).pt == pytest.approx(28.95, abs=0.1)
    assert style_value(p, lambda f: f.first_line_indent) == Pt(32)
    assert style_value(p, lambda f: f.alignment) == WD_ALIGN_PARAGRAPH.JUSTIFY
    ind = p.style.element.pPr.find(qn("w:ind"))
    assert ind.get(qn("w:firstLineChars")) == "200"


# --- fonts and sizes ------------------------------------------------------------------


def test_title_is_2hao_xiaobiaosong_centred_with_line_break(sample):
    title = sample.paragraphs[0]
    assert title.style.name == "公文标题"
    assert style_value(title, lambda f: f.alignment) == WD_ALIGN_PARAGRAPH.CENTER
    assert all(east_asia(r) == "方正小标宋简体" for r in title.runs)
    assert all(r.font.size == Pt(22) for r in title.runs)
    assert title._p.findall(".//" + qn("w:br"))  # the sense-boundary line break
    assert sample.paragraphs[1].text == ""  # blank line after the title


def test_recipient_is_flush_left_and_ends_with_colon(sample):
    p = sample.paragraphs[2]
    assert p.text == "区人民政府："
    assert style_value(p, lambda f: f.first_line_indent) == 0
    assert east_asia(p.runs[0]) == "仿宋_GB2312"


def test_every_run_names_east_asian_and_latin_fonts(sample):
    for p in sample.paragraphs:
        for r in p.runs:
            if not r.text:
                continue
            fonts_el = r._r.rPr.rFonts
            assert fonts_el.get(qn("w:eastAsia")), p.text
            assert fonts_el.get(qn("w:ascii")) and fonts_el.get(qn("w:hAnsi")), p.text
            assert r.font.size is not None, p.text


@pytest.mark.parametrize(
    ("start", "style", "font", "bold"),
    [
        ("一、总体情况", "一级标题", "黑体", None),
        ("（一）强化源头治理", "二级标题", "楷体_GB2312", None),
        ("2.健全工作机制。", "三级标题", "仿宋_GB2312", True),
        ("2023年，在区委", "公文正文", "仿宋_GB2312", None),
    ],
)
def test_heading_and_body_fonts(sample, start, style, font, bold):
    p = paragraph(sample, start)
    assert p.style.name == style
    first = p.runs[0]
    assert east_asia(first) == font
    assert first.font.size == Pt(16)
    assert first.font.bold is bold or (bold is None and not first.font.bold)
    assert style_value(p, lambda f: f.first_line_indent) == Pt(32)


def test_digits_use_times_new_roman_beside_fangsong(sample):
    p = paragraph(sample, "2023年，在区委")
    assert latin(p.runs[0]) == "Times New Roman"
    assert p.runs[0]._r.rPr.rFonts.get(qn("w:hint")) == "eastAsia"


def test_run_in_text_after_bold_heading_is_not_bold(sample):
    p = paragraph(sample, "2.健全工作机制。")
    assert p.runs[0].font.bold is True
    assert p.runs[1].text == "建立月调度、季通报制度。"
    assert p.runs[1].font.bold is False


def test_bold_prefix(sample):
    p = paragraph(sample, "1.加强组织领导。")
    assert p.runs[0].font.bold is True and p.runs[0].text == "1.加强组织领导。"
    assert not p.runs[1].font.bold


def test_named_styles_exist_for_restyling(sample):
    names = {s.name for s in sample.styles}
    for name in [
        "公文标题",
        "公文正文",
        "一级标题",
        "二级标题",
        "三级标题",
        "附件标识",
        "表格文字",
    ]:
        assert name in names
    assert sample.styles["一级标题"].element.pPr.find(qn("w:outlineLvl")).get(qn("w:val")) == "0"


def test_font_table_declares_substitutes(sample):
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.oxml import parse_xml

    part = sample.part.part_related_by(RT.FONT_TABLE)
    table = parse_xml(part.blob)
    by_name = {f.get(qn("w:name")): f for f in table.findall(qn("w:font"))}
    fangsong = by_name["仿宋_GB2312"]
    assert fangsong.find(qn("w:altName")).get(qn("w:val")) == "仿宋"
    assert fangsong.find(qn("w:charset")).get(qn("w:val")) == "86"
    assert "方正小标宋简体" in by_name


# --- attachments, signature, footers --------------------------------------------------


def test_attachment_list_numbers_names_two_characters_in(sample):
    first = paragraph(sample, "附件：1.")
    assert first.text == "附件：1.\t2023年食品安全重点工作任务落实情况一览表"
    second = paragraph(sample, "2.\t2023年食品安全主要指标")
    ind_first = first._p.pPr.find(qn("w:ind"))
    left = int(ind_first.get(qn("w:left")))
    # first line starts two characters in; wrapped names align with the first name
    assert left - int(ind_first.get(qn("w:hanging"))) == 2 * 320
    assert int(second._p.pPr.find(qn("w:ind")).get(qn("w:left"))) == left


def test_signature_date_in_arabic_numerals_four_characters_from_right(sample):
    date = paragraph(sample, "2023年11月30日")
    assert date.text == "2023年11月30日" == official.date_text(DATE)
    assert date.paragraph_format.alignment == WD_ALIGN_PARAGRAPH.RIGHT
    assert date.paragraph_format.right_indent == Pt(4 * 15.75)
    signer = next(p for p in sample.paragraphs if p.text == SIGNER)
    assert signer.paragraph_format.alignment == WD_ALIGN_PARAGRAPH.CENTER
    # the signer's box is centred over the date
    s = sample.sections[0]
    width = s.page_width - s.left_margin - s.right_margin
    box_center = (
        signer.paragraph_format.left_indent + width - signer.paragraph_format.right_indent
    ) / 2
    date_center = width - Pt(4 * 15.75) - Pt(15.75 * official.laid_out_width(date.text)) / 2
    assert abs(box_center - date_center) < Pt(2)


def test_unsealed_signature_layout(tmp_path):
    doc = OfficialDocument()
    doc.paragraph("正文。")
    doc.signature("县食安办", dt.date(2024, 1, 5), sealed=False)
    d = docx.Document(str(doc.save(tmp_path / "u.docx")))
    signer, date = d.paragraphs[-2], d.paragraphs[-1]
    assert date.text == "2024年1月5日"
    # date longer than signer: date two characters from the right, signer two left of it
    assert signer.paragraph_format.left_indent == date.paragraph_format.left_indent - Pt(2 * 15.75)


def test_footers_odd_right_even_left_with_page_field(sample, sample_path):
    settings = sample.settings.element
    assert settings.find(qn("w:evenAndOddHeaders")) is not None
    s = sample.sections[0]
    odd, even = s.footer, s.even_page_footer
    assert not odd.is_linked_to_previous and not even.is_linked_to_previous
    for footer, align, side in ((odd, "right", "w:right"), (even, "left", "w:left")):
        p = footer.paragraphs[0]
        xml = p._p.xml
        assert p._p.pPr.jc.get(qn("w:val")) == align
        assert int(p._p.pPr.find(qn("w:ind")).get(qn(side))) == 280  # one 14 pt character
        assert "PAGE" in "".join(t.text for t in p._p.iter(qn("w:instrText")))
        assert xml.count('w:fldCharType="begin"') == 1 and xml.count('w:fldCharType="end"') == 1
        assert p.text.startswith("— ") and p.text.endswith(" —")
        assert all(r.font.size == Pt(14) and east_asia(r) == "宋体" for r in p.runs)


def test_attachments_start_new_sections_on_new_pages(sample):
    sections = sample.sections
    assert len(sections) == 3
    landscape, portrait = sections[1], sections[2]
    for s in (landscape, portrait):
        assert s.start_type == WD_SECTION.NEW_PAGE
        assert s.footer.is_linked_to_previous  # same page numbers
        assert not s.different_first_page_header_footer
    assert landscape.orientation == WD_ORIENT.LANDSCAPE
    assert mm(landscape.page_width) == pytest.approx(297, abs=0.5)
    assert mm(landscape.page_height) == pytest.approx(210, abs=0.5)
    lw = landscape.page_width - landscape.left_margin - landscape.right_margin
    lh = landscape.page_height - landscape.top_margin - landscape.bottom_margin
    assert (mm(lw), mm(lh)) == (pytest.approx(225, abs=0.3), pytest.approx(156, abs=0.3))
    assert portrait.orientation == WD_ORIENT.PORTRAIT

    # the first paragraph after the break is "附件1" in 黑体
    body = sample.element.body
    breaks = [
        p for p in body.iter(qn("w:p")) if p.find(qn("w:pPr") + "/" + qn("w:sectPr")) is not None
    ]
    assert len(breaks) == 2
    following = breaks[0].getnext()
    mark = docx.text.paragraph.Paragraph(following, sample._body)
    assert mark.text == "附件1"
    assert mark.style.name == "附件标识"
    assert east_asia(mark.runs[0]) == "黑体"
    assert mark.runs[0].font.size == Pt(16)
    title = docx.text.paragraph.Paragraph(following.getnext().getnext(), sample._body)
    assert title.text == "2023年食品安全重点工作任务落实情况一览表"
    assert title.runs[0].font.size == Pt(22)


def test_table_header_repeats_and_rows_do_not_split(sample):
    table = sample.tables[0]
    rows = table.rows
    assert rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    assert all(r._tr.trPr.find(qn("w:cantSplit")) is not None for r in rows)
    assert rows[1]._tr.trPr.find(qn("w:tblHeader")) is None
    assert [c.text for c in rows[0].cells] == [
        "序号",
        "任务",
        "牵头单位",
        "责任单位",
        "完成情况",
        "进展摘要",
    ]
    borders = table._tbl.tblPr.find(qn("w:tblBorders"))
    assert {b.get(qn("w:val")) for b in borders} == {"single"}
    cell_run = rows[1].cells[1].paragraphs[0].runs[0]
    assert east_asia(cell_run) == "仿宋_GB2312" and cell_run.font.size == Pt(12)
    assert east_asia(rows[0].cells[0].paragraphs[0].runs[0]) == "黑体"
    # 序号 and 完成情况 are short values: centred
    assert rows[1].cells[0].paragraphs[0].alignment == WD_ALIGN_PARAGRAPH.CENTER
    widths = [int(g.get(qn("w:w"))) for g in table._tbl.tblGrid.findall(qn("w:gridCol"))]
    assert sum(widths) / 56.7 == pytest.approx(225, abs=1)


def test_table_checks_shapes():
    doc = OfficialDocument()
    with pytest.raises(ValueError):
        doc.table(["a", "b"], [["1"]])
    with pytest.raises(ValueError):
        doc.table(["a", "b"], [["1", "2"]], col_widths_mm=[10])


# --- letterhead, saving ---------------------------------------------------------------


def make_letterhead(path: Path) -> Path:
    red = docx.Document()
    head = red.add_paragraph("经开区食品安全委员会办公室文件")
    head.runs[0].font.size = Pt(36)
    red.add_paragraph("经食安办〔2023〕12号")
    red.add_paragraph("")
    red.add_paragraph("")
    red.save(str(path))
    return path


def test_letterhead_keeps_its_content_and_adds_the_document(tmp_path):
    base = make_letterhead(tmp_path / "红头.docx")
    doc = OfficialDocument(base)
    doc.title("关于开展食品安全检查的通知")
    doc.paragraph("正文内容。")
    d = docx.Document(str(doc.save(tmp_path / "out.docx")))
    texts = [p.text for p in d.paragraphs]
    assert texts[0] == "经开区食品安全委员会办公室文件"
    assert d.paragraphs[0].runs[0].font.size == Pt(36)
    assert texts[1] == "经食安办〔2023〕12号"
    # trailing blank lines of the letterhead replaced by the standard two
    assert texts[2:5] == ["", "", "关于开展食品安全检查的通知"]
    s = d.sections[0]
    assert mm(s.top_margin) == pytest.approx(37, abs=0.1)
    assert s.footer.paragraphs[0].text == "— 1 —"
    assert d.styles["公文正文"] is not None


def test_letterhead_errors_are_user_errors(tmp_path):
    with pytest.raises(UserError, match="找不到红头模板"):
        OfficialDocument(tmp_path / "missing.docx")
    bad = tmp_path / "bad.docx"
    bad.write_text("not a zip", encoding="utf-8")
    with pytest.raises(UserError, match="不是有效的 Word 文档"):
        OfficialDocument(bad)
    old = tmp_path / "old.doc"
    old.write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(UserError, match="另存为"):
        OfficialDocument(old)


def test_save_adds_suffix_and_is_atomic(tmp_path):
    doc = OfficialDocument()
    doc.title("测试")
    path = doc.save(tmp_path / "报告")
    assert path.name == "报告.docx" and path.is_file()
    assert [p.name for p in tmp_path.iterdir()] == ["报告.docx"]
    assert docx.Document(str(path)).core_properties.title == "测试"


def test_save_over_an_open_file_is_a_user_error(tmp_path, monkeypatch):
    doc = OfficialDocument()
    doc.paragraph("正文。")

    def locked(src, dst):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(official.os, "replace", locked)
    with pytest.raises(UserError, match="请先在 Word/WPS 中关闭该文件") as info:
        doc.save(tmp_path / "x.docx")
    assert "x.docx" in str(info.value)
    assert list(tmp_path.iterdir()) == []  # the temporary file is cleaned up


def test_save_into_missing_folder(tmp_path):
    with pytest.raises(UserError, match="不存在"):
        OfficialDocument().save(tmp_path / "nope" / "x.docx")


def test_control_characters_from_excel_do_not_break_the_file(tmp_path):
    doc = OfficialDocument()
    doc.paragraph("第一行\x0b第二行\x07")
    d = docx.Document(str(doc.save(tmp_path / "c.docx")))
    assert [p.text for p in d.paragraphs] == ["第一行", "第二行"]


# --- helpers --------------------------------------------------------------------------


def test_heading_labels():
    assert [heading_label(1, n) for n in (1, 10, 12, 20)] == ["一、", "十、", "十二、", "二十、"]
    assert heading_label(2, 3) == "（三）"
    assert heading_label(3, 4) == "4."
    assert heading_label(4, 2) == "（2）"


def test_resolve_fonts_falls_back_to_installed_faces():
    assert resolve_fonts(None) == fonts.OFFICIAL
    windows_10 = ["SimSun", "SimHei", "FangSong", "KaiTi", "Microsoft YaHei", "Times New Roman"]
    got = resolve_fonts(windows_10)
    assert got == FontSet(title="宋体", fangsong="仿宋", kaiti="楷体", title_bold=True)
    with_pack = [*windows_10, "仿宋_GB2312", "楷体_GB2312", "方正小标宋简体"]
    assert resolve_fonts(with_pack) == fonts.OFFICIAL


def test_fallback_font_set_is_written(tmp_path):
    doc = OfficialDocument(fonts=FontSet(title="宋体", fangsong="仿宋", kaiti="楷体"))
    doc.title("标题")
    doc.paragraph("正文")
    d = docx.Document(str(doc.save(tmp_path / "f.docx")))
    assert east_asia(d.paragraphs[0].runs[0]) == "宋体"
    assert east_asia(d.paragraphs[2].runs[0]) == "仿宋"


# --- LibreOffice ----------------------------------------------------------------------

needs_soffice = pytest.mark.skipif(
    shutil.which("soffice") is None and shutil.which("libreoffice") is None,
    reason="LibreOffice 未安装，跳过 PDF 转换检查 (LibreOffice not installed)",
)


def pdftotext(pdf: Path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) 未安装 / not installed")
    out = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    )
    return out.stdout


def pdf_pages(pdf: Path) -> int:
    return pdftotext(pdf).count("\f")  # pdftotext ends every page with a form feed


@needs_soffice
def test_libreoffice_renders_two_pages_with_page_numbers_and_28_characters(tmp_path):
    doc = OfficialDocument()
    doc.title("关于食品安全工作的报告")
    doc.paragraph("食品安全" * 20)  # 80 characters: 26 + 28 + 26
    doc.attachment(1, "指标完成情况表")
    doc.table(["序号", "指标"], [["1", "抽检合格率"]])
    pdf = convert_to_pdf(doc.save(tmp_path / "two.docx"), tmp_path, work=tmp_path / "lo")
    assert pdf_pages(pdf) == 2
    text = pdftotext(pdf)
    flat = " ".join(text.split())
    assert "— 1 —" in flat.replace("—1—", "— 1 —")
    assert "— 2 —" in flat.replace("—2—", "— 2 —")
    lines = [line.replace(" ", "") for line in text.splitlines()]
    body = [line for line in lines if line and set(line) <= set("食品安全")]
    assert [len(line) for line in body] == [26, 28, 26]


@needs_soffice
def test_libreoffice_converts_the_full_sample(sample_path, tmp_path):
    pdf = convert_to_pdf(sample_path, tmp_path, work=tmp_path / "lo")
    # body (3 pages with 署名), landscape table (4 pages), portrait table (1 page)
    assert pdf_pages(pdf) == 8
    text = pdftotext(pdf)
    assert "2023年11月30日" in text.replace(" ", "")
    assert "附件1" in text.replace(" ", "")


def test_sample_script_runs(tmp_path):
    env = dict(os.environ)
    script = Path(__file__).with_name("make_official_sample.py")
    out = subprocess.run(
        [sys.executable, str(script), str(tmp_path / "s.docx")],
        capture_output=True, text=True, env=env, check=True,
    )  # fmt: skip
    assert Path(out.stdout.strip()).is_file()
