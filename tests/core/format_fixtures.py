"""Plan files in the forms offices receive, built in a test's tmp folder.

A .docx whose numbering is Word's automatic numbering (with a running header and a
"— N —" footer, as 公文 have), the same saved by LibreOffice as .doc/.wps/.pdf, and an
Excel 分工表.  Used by the reader tests and the end-to-end import tests of the GUI.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import docx
import openpyxl

from .test_docx_numbering import CHINESE_OUTLINE, new_document, num, numbered

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
RUNNING_HEADER = "某某县食品安全委员会办公室文件"


def lo_convert(sources: list[Path], fmt: str, outdir: Path, filter_options: str = "") -> None:
    """Convert with LibreOffice (own profile, so a running instance does not interfere)."""
    outdir.mkdir(parents=True, exist_ok=True)
    target = f"{fmt}:{filter_options}" if filter_options else fmt
    subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation={(outdir / 'lo-profile').as_uri()}",
            "--headless",
            "--convert-to",
            target,
            "--outdir",
            str(outdir),
            *map(str, sources),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )


def add_page_furniture(document):
    """A running header and a "— N —" page-number footer, as 公文 have."""
    section = document.sections[0]
    section.header.paragraphs[0].text = RUNNING_HEADER
    footer = section.footer.paragraphs[0]
    footer.add_run("— ")
    field = docx.oxml.parse_xml(
        '<w:fldSimple xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
        ' w:instr="PAGE"><w:r><w:t>1</w:t></w:r></w:fldSimple>'
    )
    footer._p.append(field)
    footer.add_run(" —")


def seed_docx(seed: Path, target: Path) -> Path:
    document = docx.Document()
    add_page_furniture(document)
    for line in seed.read_text("utf-8").splitlines():
        if line.strip():
            document.add_paragraph(line.strip())
    document.save(target)
    return target


def task_keys(plan):
    return [(t.label, t.title, t.lead, t.others) for t in plan.tasks]


def numbered_plan_docx(path: Path) -> Path:
    """A plan whose numbering is Word's automatic numbering, not typed."""
    document = new_document(CHINESE_OUTLINE, num(1, 0))
    add_page_furniture(document)
    document.add_paragraph("某某县2024年食品安全重点工作安排")
    numbered(document, "总体要求", 1, 0)
    document.add_paragraph("坚持以人民为中心，落实“四个最严”要求，保障群众饮食安全。")
    numbered(document, "重点任务", 1, 0)
    numbered(document, "强化源头治理。开展耕地土壤污染防治，严控农药兽药残留超标。", 1, 1)
    document.add_paragraph("牵头单位：县农业农村局")
    document.add_paragraph("责任单位：县生态环境分局、各乡镇人民政府")
    numbered(document, "严格生产经营监管。推行风险分级管理，抽检合格率达到98%以上。", 1, 1)
    document.add_paragraph("牵头单位：县市场监管局")
    numbered(document, "加强校园食品安全。落实校长陪餐制度。", 1, 1)
    document.add_paragraph("牵头单位：县教育局；配合单位：县市场监管局")
    document.save(path)
    return path


NUMBERED_PLAN_TASKS = [
    ("（一）", "强化源头治理", ["县农业农村局"]),
    ("（二）", "严格生产经营监管", ["县市场监管局"]),
    ("（三）", "加强校园食品安全", ["县教育局"]),
]


def division_workbook(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws["A1"] = "2024年某某县食品安全重点工作任务分工表"
    ws.merge_cells("A1:E1")
    ws.append(["序号", "工作任务", "牵头单位", "配合单位", "完成时限"])
    ws.append(["一、源头治理"])
    ws.merge_cells("A3:E3")
    ws.append([1, "开展耕地土壤污染防治。", "县农业农村局", "县生态环境分局", "2024年6月底前"])
    ws.append([2, "加强农产品质量安全监测。", "县农业农村局", "县市场监管局", "长期坚持"])
    wb.save(path)
    return path


def image_only_pdf() -> bytes:
    """A one-page PDF holding only a 2×2 grey image: what a scanner writes."""
    image = b"\x80\x40\x40\x80"
    content = b"q 400 0 0 400 100 200 cm /Im1 Do Q"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /XObject << /Im1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /XObject /Subtype /Image /Width 2 /Height 2 /ColorSpace /DeviceGray "
        b"/BitsPerComponent 8 /Length 4 >>\nstream\n" + image + b"\nendstream",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def every_form(folder: Path) -> dict[str, Path]:
    """The numbered plan as .docx, .doc, .wps and .pdf, and the 分工表 as .xlsx and .xls,
    the old formats written by LibreOffice as a department's office suite writes them."""
    files = {"docx": numbered_plan_docx(folder / "工作安排.docx")}
    lo_convert([files["docx"]], "doc", folder)
    lo_convert([files["docx"]], "pdf", folder)
    files["doc"] = folder / "工作安排.doc"
    files["wps"] = folder / "工作安排（WPS）.wps"
    shutil.copy(files["doc"], files["wps"])  # WPS 2005+ writes the same OLE Word binary
    files["pdf"] = folder / "工作安排.pdf"
    files["xlsx"] = division_workbook(folder / "分工表.xlsx")
    lo_convert([files["xlsx"]], "xls", folder)
    files["xls"] = folder / "分工表.xls"
    return files
