"""Evidence files as departments send them: PDFs of a known page count, photos, Word
documents (with the page count Word writes into docProps/app.xml) and workbooks; and a
database with seed 002 imported and one returned workbook collected."""

from __future__ import annotations

import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import docx
import openpyxl
from seeds import seed_path

from foodsafety_desktop.core.services import periods
from foodsafety_desktop.core.services.collect import collect_files
from foodsafety_desktop.core.services.plan_import import import_plan_file
from foodsafety_desktop.core.services.templates import template_filename, write_template
from foodsafety_desktop.core.storage.database import Database
from foodsafety_desktop.core.storage.models import Department, Plan, Submission, Task

from .collect_fixtures import fill

USER = "测试员"
MARKET = "县市场监管局"
Q3 = "2022年第三季度"


def make_pdf(path: Path, pages: int, *, text: str = "evidence") -> Path:
    """A valid PDF of ``pages`` A4 pages, each with one line of text (offsets computed,
    so any reader accepts it)."""
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"",  # the page tree, filled in below
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    kids = []
    for n in range(pages):
        stream = f"BT /F1 24 Tf 72 720 Td ({text} page {n + 1}) Tj ET".encode()
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream))
        content_id = len(objects)
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
            b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % content_id
        )
        kids.append(len(objects))
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
        b" ".join(b"%d 0 R" % k for k in kids),
        pages,
    )
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    path.write_bytes(bytes(out))
    return path


def make_png(path: Path, *, shade: int = 128) -> Path:
    """A small grey PNG photo (``shade`` makes different photos differ)."""
    width = height = 8
    raw = b"".join(b"\x00" + bytes([shade, shade, shade]) * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    png = b"\x89PNG\r\n\x1a\n"
    png += chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
    png += chunk(b"IDAT", zlib.compress(raw))
    png += chunk(b"IEND", b"")
    path.write_bytes(png)
    return path


def make_docx(path: Path, *, pages: int | None, text: str = "会议纪要") -> Path:
    """A Word document; ``pages`` is written into docProps/app.xml as Word does (None:
    no page count, as python-docx and some converters leave it)."""
    document = docx.Document()
    document.add_paragraph(text)
    document.save(str(path))
    with zipfile.ZipFile(path) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    count = f"<Pages>{pages}</Pages>" if pages is not None else ""
    app = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-'
        'properties"><Application>Microsoft Office Word</Application>'
        f"{count}<Words>12</Words></Properties>"
    ).encode()
    parts["docProps/app.xml"] = app
    types = parts["[Content_Types].xml"].decode()
    if "/docProps/app.xml" not in types:
        types = types.replace(
            "</Types>",
            '<Override PartName="/docProps/app.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.extended-properties+xml"/></Types>',
        )
        parts["[Content_Types].xml"] = types.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in parts.items():
            target.writestr(name, data)
    return path


def make_xlsx(path: Path) -> Path:
    wb = openpyxl.Workbook()
    wb.active["A1"] = "抽检台账"
    wb.save(path)
    return path


@dataclass
class Ledger:
    plan_id: int
    period_id: int
    department_id: int
    submission_id: int
    task_ids: list[int]  # the plan's tasks in order
    answered: list[int]  # the tasks the submission answered


def ledger_with_submission(db: Database, folder: Path) -> Ledger:
    """Seed 002 imported, its 2022年第三季度 period, and 县市场监管局's filled workbook
    collected."""
    result = import_plan_file(db, seed_path("002"), user=USER)
    folder.mkdir(parents=True, exist_ok=True)
    with db.session() as s:
        plan = s.get(Plan, result.plan_id)
        periods.create_periods(s, plan.id, periods.propose_periods(plan), user=USER)
        q3 = periods.find_period(s, plan.id, Q3)
        dep = s.query(Department).filter_by(name=MARKET).one()
        template = write_template(s, q3.id, dep.id, folder / template_filename(q3, dep))
        task_ids = [t.id for t in s.query(Task).filter_by(plan_id=plan.id).order_by(Task.position)]
        period_id, department_id = q3.id, dep.id
    filled = fill(template, folder / "returned" / template.name)
    (outcome,) = collect_files(db, [filled], user=USER)
    assert outcome.submission_id, outcome
    with db.session() as s:
        submission = s.get(Submission, outcome.submission_id)
        answered = sorted({e.task_id for e in submission.entries})
    return Ledger(
        result.plan_id, period_id, department_id, outcome.submission_id, task_ids, answered
    )
