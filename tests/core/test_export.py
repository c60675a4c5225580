"""PDF export through LibreOffice (or Word), finding the office suite, opening files."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from foodsafety_desktop.core.errors import UserError
from foodsafety_desktop.core.reports import export
from foodsafety_desktop.core.reports.export import (
    KIND_LIBREOFFICE,
    OfficeSuite,
    export_pdf,
    find_office,
    open_file,
)
from foodsafety_desktop.core.word import OfficialDocument


def small_doc(path: Path) -> Path:
    doc = OfficialDocument()
    doc.title("关于导出测试的通知")
    doc.paragraph("这是一份用于检查PDF导出的文档。")
    return doc.save(path)


def no_office(monkeypatch) -> None:
    """Neither Word nor LibreOffice: nothing on PATH, no install folder, no COM."""
    monkeypatch.setattr(export.shutil, "which", lambda name: None)
    monkeypatch.setattr(export, "_install_folders", lambda: iter(()))
    monkeypatch.setattr(export, "_word_available", lambda: False)


needs_soffice = pytest.mark.skipif(
    export.find_soffice() is None,
    reason="LibreOffice 未安装，跳过 PDF 导出检查 (LibreOffice not installed)",
)


@needs_soffice
def test_export_pdf_with_libreoffice(tmp_path):
    source = small_doc(tmp_path / "导出 测试.docx")
    suite = find_office()
    assert suite is not None
    pdf = export_pdf(source)
    assert pdf == source.with_suffix(".pdf")
    assert pdf.read_bytes().startswith(b"%PDF")
    # an explicit target without suffix gets .pdf; only the PDF is left in the folder
    out = tmp_path / "out"
    out.mkdir()
    pdf2 = export_pdf(source, out / "报告")
    assert pdf2 == out / "报告.pdf" and pdf2.read_bytes().startswith(b"%PDF")
    assert [p.name for p in out.iterdir()] == ["报告.pdf"]


def test_no_office_is_a_chinese_user_error(tmp_path, monkeypatch):
    source = small_doc(tmp_path / "a.docx")
    no_office(monkeypatch)
    assert find_office() is None
    with pytest.raises(UserError) as info:
        export_pdf(source)
    assert str(info.value) == export.NO_OFFICE_MESSAGE
    assert "未找到 Word 或 LibreOffice" in str(info.value)
    assert not (tmp_path / "a.pdf").exists()


def test_soffice_found_in_install_folder(tmp_path, monkeypatch):
    fake = tmp_path / "LibreOffice" / "program" / "soffice.exe"
    fake.parent.mkdir(parents=True)
    fake.write_text("", encoding="utf-8")
    monkeypatch.setattr(export.shutil, "which", lambda name: None)
    monkeypatch.setattr(export, "_install_folders", lambda: iter([tmp_path / "x", fake]))
    monkeypatch.setattr(export, "_word_available", lambda: False)
    assert find_office() == OfficeSuite(KIND_LIBREOFFICE, fake)
    assert find_office().name == "LibreOffice"


def test_word_is_not_used_off_windows(monkeypatch):
    monkeypatch.setattr(export.sys, "platform", "linux")
    assert export._word_available() is False


def test_failed_conversion_and_timeout_are_user_errors(tmp_path, monkeypatch):
    source = small_doc(tmp_path / "a.docx")
    soffice = tmp_path / "soffice"
    monkeypatch.setattr(export, "_suites", lambda: [OfficeSuite(KIND_LIBREOFFICE, soffice)])
    calls = []

    def writes_nothing(command, **kwargs):
        calls.append((command, kwargs))
        return subprocess.CompletedProcess(
            command, 1, b"", b"Error: source file could not be loaded"
        )

    monkeypatch.setattr(export.subprocess, "run", writes_nothing)
    with pytest.raises(
        UserError, match="LibreOffice 未能把文档转换为 PDF（Error: source file"
    ) as e:
        export_pdf(source)
    assert e.value.file == "a.docx"
    command, kwargs = calls[0]
    assert command[0] == str(soffice)
    assert command[1].startswith("-env:UserInstallation=file:///")  # private profile
    assert command[2:6] == ["--headless", "--norestore", "--convert-to", "pdf"]
    assert kwargs["timeout"] == export.CONVERT_TIMEOUT_S == 120

    def hangs(command, **kwargs):
        raise subprocess.TimeoutExpired(command, kwargs["timeout"])

    monkeypatch.setattr(export.subprocess, "run", hangs)
    with pytest.raises(UserError, match="120 秒内未完成"):
        export_pdf(source)
    assert not (tmp_path / "a.pdf").exists()


def test_a_failing_suite_hands_over_to_the_next(tmp_path, monkeypatch):
    source = small_doc(tmp_path / "a.docx")
    monkeypatch.setattr(
        export,
        "_suites",
        lambda: [OfficeSuite(export.KIND_WORD), OfficeSuite(KIND_LIBREOFFICE, tmp_path / "so")],
    )

    def word_fails(src, out_dir):
        raise UserError("Word 未能把文档转换为 PDF（测试）。")

    def lo_works(soffice, src, out_dir):
        pdf = out_dir / (src.stem + ".pdf")
        pdf.write_bytes(b"%PDF-1.7 fake")
        return pdf

    monkeypatch.setattr(export, "_convert_word", word_fails)
    monkeypatch.setattr(export, "_convert_libreoffice", lo_works)
    assert export_pdf(source).read_bytes() == b"%PDF-1.7 fake"


def test_export_of_a_missing_file(tmp_path):
    with pytest.raises(UserError, match="不存在"):
        export_pdf(tmp_path / "none.docx")


def test_open_file_uses_xdg_open(tmp_path, monkeypatch):
    path = small_doc(tmp_path / "a.docx")
    calls = []
    monkeypatch.setattr(export.sys, "platform", "linux")
    monkeypatch.setattr(export.subprocess, "Popen", lambda args, **kw: calls.append(args))
    open_file(path)
    assert calls == [["xdg-open", str(path)]]
    monkeypatch.setattr(export.sys, "platform", "darwin")
    open_file(path)
    assert calls[-1] == ["open", str(path)]


def test_open_file_uses_startfile_on_windows(tmp_path, monkeypatch):
    path = small_doc(tmp_path / "a.docx")
    calls = []
    monkeypatch.setattr(export.sys, "platform", "win32")
    monkeypatch.setattr(export.os, "startfile", calls.append, raising=False)
    open_file(path)
    assert calls == [str(path)]

    def no_association(p):
        raise OSError(1155, "No application is associated")

    monkeypatch.setattr(export.os, "startfile", no_association, raising=False)
    with pytest.raises(UserError, match="请安装 WPS 或 Word"):
        open_file(path)


def test_open_file_errors(tmp_path, monkeypatch):
    with pytest.raises(UserError, match="文件不存在"):
        open_file(tmp_path / "gone.docx")
    path = small_doc(tmp_path / "a.docx")
    monkeypatch.setattr(export.sys, "platform", "linux")

    def missing(args, **kw):
        raise FileNotFoundError(2, "No such file")

    monkeypatch.setattr(export.subprocess, "Popen", missing)
    with pytest.raises(UserError, match="xdg-open"):
        open_file(path)


def test_soffice_on_path_is_found(monkeypatch):
    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice 未安装 (not installed)")
    monkeypatch.setattr(export, "_word_available", lambda: False)
    assert find_office().executable == Path(shutil.which("soffice"))
