"""Reading returned workbooks: hostile and broken files are refused with their message."""

from __future__ import annotations

import re
import zipfile

import openpyxl
import pytest

from foodsafety_desktop.core.errors import UserError
from foodsafety_desktop.core.excel import template_layout as layout
from foodsafety_desktop.core.excel import workbook_reader as reader
from foodsafety_desktop.core.excel.identity import IDENTITY_SHEET
from foodsafety_desktop.core.excel.workbook_reader import read_returned_workbook, title_key
from foodsafety_desktop.core.services.collect import collect_files
from foodsafety_desktop.core.storage.models import Submission

from .collect_fixtures import USER, build_scenario, fill


def _refused(path, *words):
    with pytest.raises(UserError) as info:
        read_returned_workbook(path)
    text = str(info.value)
    assert path.name in text
    for word in words:
        assert word in text, text
    return info.value


def _plain_xlsx(path, rows=(("序号", "任务内容", "完成情况"), ("1", "任务", "已完成"))):
    wb = openpyxl.Workbook()
    for row in rows:
        wb.active.append(list(row))
    wb.save(path)
    return path


def _rewrite(src, dst, replace: dict[str, bytes]):
    """Copy an xlsx, replacing some entries' bytes."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, replace.get(info.filename, zin.read(info.filename)))
    return dst


def test_empty_file(tmp_path):
    path = tmp_path / "空.xlsx"
    path.write_bytes(b"")
    _refused(path, "文件是空的")


def test_corrupt_zip(tmp_path):
    good = _plain_xlsx(tmp_path / "good.xlsx")
    path = tmp_path / "坏.xlsx"
    path.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    _refused(path, "已损坏")


def test_not_excel_at_all(tmp_path):
    path = tmp_path / "x.xlsx"
    path.write_bytes(b"hello, this is text")
    _refused(path, "不是 Excel 工作簿")


def test_docx_renamed_xlsx(tmp_path):
    import docx

    doc = docx.Document()
    doc.add_paragraph("报送材料")
    src = tmp_path / "a.docx"
    doc.save(src)
    path = tmp_path / "报送.xlsx"
    path.write_bytes(src.read_bytes())
    _refused(path, "Word 文档")


def test_password_protected_workbook(tmp_path):
    # An encrypted OOXML file is an OLE container with an EncryptedPackage stream;
    # build the container's marker bytes the way Excel lays them out (UTF-16 names).
    path = tmp_path / "加密.xlsx"
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504
    names = (
        "EncryptionInfo".encode("utf-16-le") + b"\0" * 20 + "EncryptedPackage".encode("utf-16-le")
    )
    path.write_bytes(header + names + b"\0" * 1024)
    _refused(path, "密码")


def test_xls_that_xlrd_cannot_read(tmp_path):
    path = tmp_path / "旧.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 2000)
    _refused(path, ".xls")


def test_zip_bomb_shared_strings(tmp_path):
    src = _plain_xlsx(tmp_path / "src.xlsx")
    path = tmp_path / "炸弹.xlsx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if info.filename != "xl/sharedStrings.xml":
                zout.writestr(info.filename, zin.read(info.filename))
        # 80 MB of shared strings that deflate to well under 1 MB, written in chunks.
        with zout.open("xl/sharedStrings.xml", "w", force_zip64=True) as stream:
            stream.write(b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
            chunk = b"<si><t>" + b"A" * 8000 + b"</t></si>"
            for _ in range(80 * 1024 * 1024 // len(chunk)):
                stream.write(chunk)
            stream.write(b"</sst>")
    assert path.stat().st_size < reader.MAX_FILE_BYTES
    _refused(path, "sharedStrings.xml", "压缩炸弹")


def test_billion_laughs(tmp_path):
    src = _plain_xlsx(tmp_path / "src.xlsx")
    lol = (
        b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
        + b"".join(
            f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'.encode()
            for i in range(1, 10)
        )
        + b']>\n<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row>'
        b"</sheetData></worksheet>"
    )
    path = _rewrite(src, tmp_path / "laughs.xlsx", {"xl/worksheets/sheet1.xml": lol})
    _refused(path, "XML")


def test_openpyxl_parses_through_defusedxml():
    import defusedxml  # noqa: F401  (a dependency: openpyxl uses it when installed)
    import openpyxl.xml

    assert openpyxl.xml.DEFUSEDXML is True


def test_defusedxml_refuses_entities_even_without_the_prescan(tmp_path, monkeypatch):
    """With the DTD scans switched off and the file read by openpyxl, the XML parser
    (defusedxml) still refuses the entity."""
    monkeypatch.setattr(reader, "_DTD_ANYWHERE", re.compile(b"\0never\0"))
    monkeypatch.setattr(reader._CalamineSource, "for_xlsx", classmethod(lambda *a: None))
    src = _plain_xlsx(tmp_path / "src.xlsx")
    body = (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]>'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&a;</t></is></c></row>'
        b"</sheetData></worksheet>"
    )
    path = _rewrite(src, tmp_path / "entity.xlsx", {"xl/worksheets/sheet1.xml": body})
    _refused(path, "XML")


def test_declared_million_rows_refused_without_reading_them(tmp_path):
    src = _plain_xlsx(tmp_path / "src.xlsx")
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<dimension ref="A1:L1000000"/><sheetData>'
        '<row r="1"><c r="A1" t="inlineStr"><is><t>序号</t></is></c>'
        '<c r="B1" t="inlineStr"><is><t>任务内容</t></is></c>'
        '<c r="C1" t="inlineStr"><is><t>完成情况</t></is></c></row>'
        '<row r="1000000"><c r="A1000000" t="inlineStr"><is><t>x</t></is></c></row>'
        "</sheetData></worksheet>"
    ).encode()
    path = _rewrite(src, tmp_path / "百万行.xlsx", {"xl/worksheets/sheet1.xml": body})
    _refused(path, "行数超过上限", "1000000")


def test_streamed_rows_over_the_limit(tmp_path):
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("报送表")
    ws.append(["序号", "任务内容", "完成情况"])
    for n in range(reader.MAX_ROWS + 1000):
        ws.append([n, "任务", "已完成"])
    path = tmp_path / "六千行.xlsx"
    wb.save(path)
    _refused(path, "行数超过上限")


def test_cell_text_over_the_limit(tmp_path):
    path = _plain_xlsx(
        tmp_path / "长.xlsx",
        rows=(("序号", "任务内容", "完成情况"), ("1", "任务", "x" * (reader.MAX_CELL_CHARS + 1))),
    )
    err = _refused(path, "内容过长")
    assert err.cell == "C2"


def test_no_report_sheet(tmp_path):
    path = _plain_xlsx(tmp_path / "无关.xlsx", rows=(("姓名", "年龄"), ("张三", 30)))
    _refused(path, "未找到报送表")


def test_file_size_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(reader, "MAX_FILE_BYTES", 100)
    path = _plain_xlsx(tmp_path / "大.xlsx")
    _refused(path, "文件过大")


def test_hostile_files_write_nothing(db, tmp_path):
    empty = tmp_path / "empty.xlsx"
    empty.write_bytes(b"")
    docx_like = tmp_path / "d.xlsx"
    with zipfile.ZipFile(docx_like, "w") as z:
        z.writestr("word/document.xml", "<w/>")
    outcomes = collect_files(db, [empty, docx_like], user=USER, accept_warnings=True)
    assert [o.accepted for o in outcomes] == [False, False]
    assert "文件是空的" in outcomes[0].errors[0] and "Word" in outcomes[1].errors[0]
    with db.session() as s:
        assert s.query(Submission).count() == 0


def test_reads_a_filled_template(db, tmp_path):
    sc = build_scenario(db, tmp_path / "t", ["县卫健委"])
    path = fill(
        sc.templates["县卫健委"],
        tmp_path / "r.xlsx",
        status="滞后",
        edits={"I6": "=1+1", layout.REVIEWER_CELL: "李审", layout.LEADER_CELL: "王主任"},
    )
    wb = read_returned_workbook(path)
    assert wb.file_format == "xlsx" and wb.report_sheet == layout.REPORT_SHEET
    assert wb.standard_layout and wb.header_row == layout.HEADER_ROW == 5
    assert wb.header == {
        "department": "县卫健委",
        "reporter": "张三",
        "phone": "0398-7654321",
        "filled_on": "2022-09-20",
        "reviewer": "李审",
        "leader": "王主任",
    }
    assert wb.title.endswith("2022年第三季度落实情况报送表")
    assert wb.identity_values["department_name"] == "县卫健委"
    assert wb.sheet_states[IDENTITY_SHEET] == "veryHidden"
    assert [r.row for r in wb.rows] == [6, 7, 8, 9]
    assert wb.rows[0].get("status") == "滞后" and wb.rows[0].get("data") is None
    assert wb.cell_ref("status", 7) == "G7"


def test_title_keys():
    assert title_key("完成情况（已完成/滞后）") == "status"
    assert title_key("任务内容") == "task"
    assert title_key("工作任务") == "task"
    assert title_key("完成值") == "value"
    assert title_key("下一步打算") == "next_steps"
    assert title_key("姓名") is None
