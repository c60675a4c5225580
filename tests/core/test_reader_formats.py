"""Plans arriving as .pdf, .doc, .wps, .xlsx, .xls: read, or refused with a clear message."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import docx
import pytest
from docx.shared import Pt
from seeds import seed_files

from foodsafety_desktop.core.errors import UserError
from foodsafety_desktop.core.plans import convert
from foodsafety_desktop.core.plans.model import Paragraph, Table
from foodsafety_desktop.core.plans.reader import read_blocks, read_plan

from .format_fixtures import (
    NUMBERED_PLAN_TASKS,
    RUNNING_HEADER,
    SOFFICE,
    division_workbook,
    image_only_pdf,
    lo_convert,
    numbered_plan_docx,
    seed_docx,
    task_keys,
)

needs_soffice = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) not installed")
PAGE_NUMBER = re.compile(r"^[—\-]\s*\d+\s*[—\-]$")


def assert_refused(path: Path, *words: str) -> str:
    with pytest.raises(UserError) as info:
        read_blocks(path)
    message = str(info.value)
    assert path.name in message
    for word in words:
        assert word in message, message
    return message


# --- PDF ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seed_pdfs(tmp_path_factory):
    if SOFFICE is None:
        pytest.skip("LibreOffice (soffice) not installed")
    folder = tmp_path_factory.mktemp("seed_pdfs")
    sources = [seed_docx(seed, folder / f"{seed.stem}.docx") for seed in seed_files()]
    lo_convert(sources, "pdf", folder)
    return {seed.stem: folder / f"{seed.stem}.pdf" for seed in seed_files()}


@needs_soffice
@pytest.mark.parametrize("seed", seed_files(), ids=lambda p: p.stem)
def test_text_pdf_gives_the_same_plan_as_the_text(seed_pdfs, seed):
    from_text = read_plan(seed)
    from_pdf = read_plan(seed_pdfs[seed.stem])
    assert from_pdf.title == from_text.title
    assert task_keys(from_pdf) == task_keys(from_text)
    assert len(from_pdf.tasks) >= 12


@needs_soffice
def test_pdf_page_numbers_and_running_headers_are_dropped(seed_pdfs):
    seed = seed_files()[0]
    texts = [b.text for b in read_blocks(seed_pdfs[seed.stem])]
    assert not [t for t in texts if PAGE_NUMBER.match(t) or RUNNING_HEADER in t]
    source = "".join(re.sub(r"\s+", "", line) for line in seed.read_text("utf-8").splitlines())
    assert "".join(re.sub(r"\s+", "", t) for t in texts) == source  # nothing lost or doubled


@needs_soffice
def test_pdf_lines_of_an_indented_paragraph_are_joined(tmp_path):
    document = docx.Document()
    paragraphs = [
        "关于印发某某县食品安全工作要点的通知",
        "各乡镇人民政府，县直各有关单位：" + "现将工作要点印发给你们，请结合实际认真贯彻落实。" * 4,
        "一、加强食品安全监管",
        "全面落实食品安全党政同责，"
        + "健全完善食品安全责任体系，压实属地管理责任和部门监管责任，" * 5
        + "确保全县不发生重大食品安全事故。",
    ]
    for text in paragraphs:
        p = document.add_paragraph(text)
        p.paragraph_format.first_line_indent = Pt(21) if len(text) > 30 else None
    source = tmp_path / "通知.docx"
    document.save(source)
    lo_convert([source], "pdf", tmp_path)
    assert [b.text for b in read_blocks(tmp_path / "通知.pdf")] == paragraphs


def test_scanned_pdf_says_it_is_a_scan(tmp_path):
    path = tmp_path / "扫描版方案.pdf"
    path.write_bytes(image_only_pdf())
    assert_refused(path, "扫描件", "没有可读取的文字", "Word")


@needs_soffice
def test_password_pdf(tmp_path):
    source = tmp_path / "加密方案.txt"
    shutil.copy(seed_files()[0], source)
    options = (
        '{"EncryptFile":{"type":"boolean","value":"true"},'
        '"DocumentOpenPassword":{"type":"string","value":"abc"}}'
    )
    lo_convert([source], "pdf", tmp_path, f"writer_pdf_Export:{options}")
    assert_refused(tmp_path / "加密方案.pdf", "打开密码")


@pytest.mark.parametrize(
    "data", [bytes(range(256)) * 8, b"%PDF-1.7\n" + bytes(range(256)) * 8, b"<html></html>"]
)
def test_damaged_pdf(tmp_path, data):
    path = tmp_path / "损坏.pdf"
    path.write_bytes(data)
    assert_refused(path, "PDF", "损坏")


# --- .doc / .wps ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def old_word(tmp_path_factory):
    """The auto-numbered plan saved by LibreOffice as Word 97 .doc, and the same as .wps."""
    if SOFFICE is None:
        pytest.skip("LibreOffice (soffice) not installed")
    folder = tmp_path_factory.mktemp("old_word")
    source = numbered_plan_docx(folder / "工作安排.docx")
    lo_convert([source], "doc", folder)
    doc = folder / "工作安排.doc"
    assert doc.read_bytes()[:4] == b"\xd0\xcf\x11\xe0"
    wps = folder / "工作安排.wps"
    shutil.copy(doc, wps)  # WPS 2005+ .wps is the same OLE Word binary
    return {"doc": doc, "wps": wps, "docx": source}


@needs_soffice
@pytest.mark.parametrize("kind", ["doc", "wps"])
def test_doc_and_wps_are_converted_and_read(old_word, kind):
    plan = read_plan(old_word[kind])
    assert plan.title == "某某县2024年食品安全重点工作安排"
    assert [(t.label, t.title, t.lead) for t in plan.tasks] == NUMBERED_PLAN_TASKS
    assert plan.source_name == f"工作安排.{kind}"


def test_no_converter_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setattr(convert, "CONVERTERS", [lambda: None])
    path = tmp_path / "旧方案.doc"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "WordDocument".encode("utf-16-le") * 4)
    assert_refused(path, "另存为", ".docx", "LibreOffice", "Word 或 WPS")


def test_failing_converter_is_reported(tmp_path, monkeypatch):
    def failing(source, target):
        raise convert.ConversionFailed("LibreOffice 在 120 秒内没有完成转换")

    monkeypatch.setattr(convert, "CONVERTERS", [lambda: failing])
    path = tmp_path / "旧方案.wps"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "WordDocument".encode("utf-16-le") * 4)
    assert_refused(path, "无法转换", "120 秒", "另存为")


def test_converter_gets_a_copy_and_its_docx_is_read(tmp_path, monkeypatch):
    seen = []

    def fake(source, target):
        seen.append((source.name, source.read_bytes()[:8]))
        numbered_plan_docx(target)

    monkeypatch.setattr(convert, "CONVERTERS", [lambda: None, lambda: fake])
    path = tmp_path / "旧方案.doc"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "WordDocument".encode("utf-16-le") * 4)
    plan = read_plan(path)
    assert seen == [("source.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")]
    assert [(t.label, t.title, t.lead) for t in plan.tasks] == NUMBERED_PLAN_TASKS


@pytest.mark.parametrize("name", ["加密.docx", "加密.doc", "加密.wps"])
def test_password_protected_word_document_is_not_converted(tmp_path, monkeypatch, name):
    def must_not_run():
        raise AssertionError("an encrypted document must not reach the converter")

    monkeypatch.setattr(convert, "CONVERTERS", [must_not_run])
    path = tmp_path / name
    path.write_bytes(
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\x00" * 504
        + "EncryptionInfo".encode("utf-16-le")
        + "EncryptedPackage".encode("utf-16-le")
    )
    assert_refused(path, "打开密码", "取消", ".docx")


def test_password_protected_workbook(tmp_path):
    path = tmp_path / "分工表.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "EncryptedPackage".encode("utf-16-le"))
    assert_refused(path, "工作簿", "打开密码")


def test_docx_saved_under_an_old_name_is_read_directly(tmp_path, monkeypatch):
    monkeypatch.setattr(convert, "CONVERTERS", [])
    path = numbered_plan_docx(tmp_path / "x.docx").rename(tmp_path / "其实是新格式.doc")
    assert [(t.label, t.title, t.lead) for t in read_plan(path).tasks] == NUMBERED_PLAN_TASKS


def test_old_powerpoint_named_doc(tmp_path):
    path = tmp_path / "演示.doc"
    path.write_bytes(
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "PowerPoint Document".encode("utf-16-le")
    )
    assert_refused(path, "已损坏", "另存为")


def test_powerpoint_renamed_docx(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("ppt/presentation.xml", "<presentation/>")
    path = tmp_path / "汇报.docx"
    path.write_bytes(buffer.getvalue())
    assert_refused(path, "PowerPoint")


def test_workbook_renamed_docx_says_to_rename_it(tmp_path):
    path = division_workbook(tmp_path / "x.xlsx").rename(tmp_path / "分工表.docx")
    assert_refused(path, "Excel 工作簿", ".xlsx")


def test_csv_is_refused_with_a_hint(tmp_path):
    path = tmp_path / "分工表.csv"
    path.write_text("序号,工作任务,牵头单位\n", encoding="utf-8")
    assert_refused(path, "CSV", ".xlsx")


def test_random_bytes_named_xlsx(tmp_path):
    path = tmp_path / "分工表.xlsx"
    path.write_bytes(bytes(range(256)) * 4)
    assert_refused(path, "Excel", "损坏")


# --- the command line, one file of each format ------------------------------------------


@pytest.fixture(scope="module")
def every_format(tmp_path_factory, old_word):
    folder = tmp_path_factory.mktemp("formats")
    files = {"docx": old_word["docx"], "doc": old_word["doc"], "wps": old_word["wps"]}
    lo_convert([old_word["docx"]], "pdf", folder)
    files["pdf"] = folder / "工作安排.pdf"
    files["xlsx"] = division_workbook(folder / "分工表.xlsx")
    lo_convert([files["xlsx"]], "xls", folder)
    files["xls"] = folder / "分工表.xls"
    return files


@needs_soffice
@pytest.mark.parametrize("kind", ["docx", "doc", "wps", "pdf", "xlsx", "xls"])
def test_cli_plan_parse_every_format(every_format, kind):
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "foodsafety_desktop",
            "plan",
            "parse",
            "--json",
            str(every_format[kind]),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    plan = json.loads(done.stdout)
    tasks = [(t["label"], t["title"], t["lead"]) for t in plan["tasks"]]
    if kind in ("xlsx", "xls"):
        assert plan["title"] == "2024年某某县食品安全重点工作任务分工表"
        assert tasks == [
            ("1.", "开展耕地土壤污染防治", ["县农业农村局"]),
            ("2.", "加强农产品质量安全监测", ["县农业农村局"]),
        ]
        assert [t["path"] for t in plan["tasks"]] == [["一、源头治理"]] * 2
        assert [t["deadline"] for t in plan["tasks"]][1] == "长期坚持"
    else:
        assert plan["title"] == "某某县2024年食品安全重点工作安排"
        assert tasks == [(label, title, lead) for label, title, lead in NUMBERED_PLAN_TASKS]


def test_blocks_of_each_kind_are_blocks(tmp_path):
    blocks = read_blocks(division_workbook(tmp_path / "分工表.xlsx"))
    assert isinstance(blocks[0], Paragraph) and isinstance(blocks[-1], Table)


@needs_soffice
def test_libreoffice_timeout_ends_the_conversion(old_word, monkeypatch):
    monkeypatch.setattr(convert, "CONVERTERS", [convert._libreoffice])
    monkeypatch.setattr(convert, "TIMEOUT_SECONDS", 0.05)
    assert_refused(old_word["doc"], "无法转换", "0.05 秒内没有完成转换", "另存为")
