"""The whole GB/T 9704 document (issue 13): 版头 (份号, 密级, 紧急程度, 发文机关标志,
发文字号, 签发人, red rule), 版记 (抄送, 印发机关和印发日期 between rules, last page, no
page number), and the 署名 kept with the end of the body, long or short."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from pathlib import Path

import docx
import pytest
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

from foodsafety_desktop.core.reports.formatting import keep_last_lines_with_signature
from foodsafety_desktop.core.word import OfficialDocument
from foodsafety_desktop.core.word.official import (
    RED,
    DocumentHead,
    Letterhead,
    doc_number_text,
)

from .make_official_sample import convert_to_pdf

LONG_SIGNER = "郑州经济技术开发区食品安全委员会办公室"
DATE = dt.date(2023, 11, 30)
HEAD = DocumentHead(
    copy_number="000012",
    secrecy="秘密★1年",
    urgency="加急",
    issuer_mark="卢氏县食品安全委员会办公室",
    doc_number=doc_number_text("卢食安办", 2022, "012"),
    signed_by="王建国",
    copy_to=["市食品安全委员会办公室", "县委办公室", "县人大常委会办公室", "县政协办公室"],
    printed_by="卢氏县食品安全委员会办公室",
    printed_on=dt.date(2022, 12, 6),
)
needs_soffice = pytest.mark.skipif(shutil.which("soffice") is None, reason="needs LibreOffice")


def paragraphs(path: Path) -> list:
    return list(docx.Document(str(path)).paragraphs)


def pdf_pages(pdf: Path) -> list[list[str]]:
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    pages = text.split("\f")
    if pages and not pages[-1].strip():
        pages.pop()
    return [[re.sub(r"\s+", "", line) for line in p.splitlines() if line.strip()] for p in pages]


def document(head: DocumentHead, body_paragraphs: int = 3, **kwargs) -> OfficialDocument:
    doc = OfficialDocument(**kwargs)
    doc.masthead(head)
    doc.title("卢氏县2022年度食品安全工作总结")
    doc.recipient("卢氏县人民政府")
    for _ in range(body_paragraphs):
        doc.paragraph("全县各责任单位压实工作责任，扎实推进各项重点工作，取得明显成效。" * 3)
    doc.signature("卢氏县食品安全委员会办公室", DATE)
    keep_last_lines_with_signature(doc)
    doc.imprint(head)
    return doc


def test_doc_number_has_hexagonal_brackets_and_no_leading_zeros():
    assert doc_number_text("卢食安办", 2022, "012") == "卢食安办〔2022〕12号"
    assert doc_number_text(" 豫食安办 ", 2023, 3) == "豫食安办〔2023〕3号"


def test_masthead_elements_in_order(tmp_path):
    path = document(HEAD).save(tmp_path / "head.docx")
    ps = paragraphs(path)
    texts = [p.text for p in ps]
    assert texts[:3] == ["000012", "秘密★1年", "加急"]  # top left, first lines
    mark = ps[3]
    assert mark.text == HEAD.issuer_mark
    color = mark.runs[0]._r.find(qn("w:rPr")).find(qn("w:color"))
    assert color is not None and color.get(qn("w:val")) == RED
    number = next(p for p in ps if p.text.startswith("卢食安办〔2022〕12号"))
    # 上行文: 发文字号 left, 签发人 right on the same line, the red rule under it
    assert number.text == "卢食安办〔2022〕12号\t签发人：王建国"
    rule = number._p.pPr.find(qn("w:pBdr")).find(qn("w:bottom"))
    assert rule.get(qn("w:color")) == RED
    title = next(i for i, p in enumerate(ps) if p.text == "卢氏县2022年度食品安全工作总结")
    assert texts[ps.index(number) + 1 : title] == ["", ""]  # 标题 two lines below the rule


def test_without_signer_the_number_is_centred(tmp_path):
    head = DocumentHead(issuer_mark="卢氏县食品安全委员会办公室", doc_number="卢食安办〔2022〕12号")
    ps = paragraphs(document(head).save(tmp_path / "down.docx"))
    number = next(p for p in ps if p.text == "卢食安办〔2022〕12号")
    assert number.alignment == docx.enum.text.WD_ALIGN_PARAGRAPH.CENTER


def test_letterhead_placeholder_gets_the_number(tmp_path):
    red = docx.Document()
    red.add_paragraph("卢氏县食品安全委员会办公室文件")
    red.add_paragraph("{发文字号}")
    red.save(tmp_path / "红头.docx")
    doc = OfficialDocument(Letterhead.from_file(tmp_path / "红头.docx"))
    doc.masthead(DocumentHead(doc_number="卢食安办〔2022〕12号"))
    doc.title("标题")
    texts = [p.text for p in paragraphs(doc.save(tmp_path / "out.docx"))]
    assert texts[:2] == ["卢氏县食品安全委员会办公室文件", "卢食安办〔2022〕12号"]
    assert "{发文字号}" not in "".join(texts)


def test_imprint_in_its_own_even_page_section_without_page_numbers(tmp_path):
    path = document(HEAD).save(tmp_path / "imprint.docx")
    d = docx.Document(str(path))
    last = d.sections[-1]
    assert last._sectPr.find(qn("w:type")).get(qn("w:val")) == "evenPage"
    assert all(not p.text.strip() for p in last.footer.paragraphs)
    assert all(not p.text.strip() for p in last.even_page_footer.paragraphs)
    texts = [p.text for p in d.paragraphs]
    copy = next(t for t in texts if t.startswith("抄送："))
    assert copy == "抄送：市食品安全委员会办公室，县委办公室，县人大常委会办公室，县政协办公室。"
    assert texts[-1] == "卢氏县食品安全委员会办公室\t2022年12月6日印发"
    borders = [p._p.pPr.find(qn("w:pBdr")) for p in d.paragraphs[-2:]]
    assert borders[0].find(qn("w:top")).get(qn("w:sz")) == "8"  # first rule thick
    assert borders[1].find(qn("w:top")).get(qn("w:sz")) == "6"  # the one between thin
    assert borders[1].find(qn("w:bottom")).get(qn("w:sz")) == "8"  # last rule thick


@needs_soffice
def test_printed_imprint_is_alone_at_the_bottom_of_the_last_page(tmp_path):
    path = document(HEAD, body_paragraphs=12).save(tmp_path / "printed.docx")
    pages = pdf_pages(convert_to_pdf(path, tmp_path, work=tmp_path / "render"))
    last = pages[-1]
    assert last[0].startswith("抄送：") and last[-1].endswith("2022年12月6日印发"), last
    assert not any("—" in line for line in last)  # no page number on the 版记 page
    assert "卢氏县食品安全委员会办公室" in pages[-2]  # the signature before it


@needs_soffice
def test_signature_never_alone_and_long_signer_on_one_line(tmp_path):
    """Bodies of 14 to 23 lines put the 署名 at every place around the page end: its page
    always holds body text, and the long 署名 is one line."""
    line = "全县各责任单位压实工作责任扎实推进各项重点工作取得成效。"
    assert len(line) == 28
    files = []
    for lines in range(14, 24):
        doc = OfficialDocument()
        doc.title("测试标题")
        for _ in range(lines // 3):
            doc.paragraph((line * 3)[:-2])  # three lines with the indent
        for _ in range(lines % 3):
            doc.paragraph(line[:-4])
        doc.attachment_list(["附件名称"])
        doc.signature(LONG_SIGNER, DATE)
        keep_last_lines_with_signature(doc)
        files.append(doc.save(tmp_path / f"k{lines}.docx"))
    pages_seen = set()
    for path in files:
        pages = pdf_pages(convert_to_pdf(path, tmp_path, work=tmp_path / "render"))
        pages_seen.add(len(pages))
        signed = next(p for p in pages if LONG_SIGNER in p)
        assert "2023年11月30日" in signed
        before = signed[: signed.index(LONG_SIGNER)]
        assert any("成效" in text or "全县" in text for text in before), (path.name, signed)
    assert pages_seen == {1, 2}  # the signature did move across the page end


def red_letterhead(path: Path, *, placeholder: bool) -> Path:
    """A 红头 as offices make them: the red mark, optionally "{发文字号}", and the red
    rule as the bottom border of an empty paragraph."""
    red = docx.Document()
    red.add_paragraph("青山县食品安全委员会办公室文件")
    if placeholder:
        red.add_paragraph("{发文字号}")
    rule = red.add_paragraph()
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (
        ("w:val", "single"),
        ("w:sz", "18"),
        ("w:space", "1"),
        ("w:color", "FF0000"),
    ):
        bottom.set(qn(key), value)
    borders.append(bottom)
    rule._p.get_or_add_pPr().append(borders)
    red.save(str(path))
    return path


@pytest.mark.parametrize("placeholder", [True, False])
def test_letterhead_keeps_its_red_rule_and_gets_number_and_signer(tmp_path, placeholder):
    red = red_letterhead(tmp_path / "红头.docx", placeholder=placeholder)
    doc = OfficialDocument(Letterhead.from_file(red))
    doc.masthead(DocumentHead(doc_number="青食安办〔2024〕15号", signed_by="张建国"))
    doc.title("标题")
    ps = paragraphs(doc.save(tmp_path / "out.docx"))
    assert ps[0].text == "青山县食品安全委员会办公室文件"
    assert ps[1].text == "青食安办〔2024〕15号\t签发人：张建国"
    # the red rule is still there, under the number line (never dropped as "empty"):
    # its own paragraph after "{发文字号}", else moved onto the number line
    ruled = [
        i
        for i, p in enumerate(ps)
        if p._p.pPr is not None and p._p.pPr.find(qn("w:pBdr")) is not None
    ]
    assert len(ruled) == 1 and ruled[0] == (2 if placeholder else 1)
    rule = ps[ruled[0]]._p.pPr.find(qn("w:pBdr")).find(qn("w:bottom"))
    assert rule.get(qn("w:color")) == "FF0000"
    title = [p.text for p in ps].index("标题")
    assert title == ruled[0] + 3 and [p.text for p in ps[ruled[0] + 1 : title]] == ["", ""]
