"""python-calamine reads returned workbooks; openpyxl reads what calamine is not given.

The two readers must agree cell by cell on the project's own templates (the identity
sheet is signed: a number read as 3.0 where the writer put "3", or a date as a date
where it was text, would break verification), .ods from LibreOffice reads like .xlsx,
and formula cells without a cached result are reported by their cell.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest

from foodsafety_desktop.core.errors import UserError
from foodsafety_desktop.core.excel import prescan
from foodsafety_desktop.core.excel import template_layout as layout
from foodsafety_desktop.core.excel import workbook_reader as reader
from foodsafety_desktop.core.excel.identity import IDENTITY_SHEET, read_identity, verify
from foodsafety_desktop.core.excel.workbook_reader import read_returned_workbook
from foodsafety_desktop.core.services.collect import check_workbook
from foodsafety_desktop.core.services.settings import office_secret

from .collect_fixtures import build_scenario, fill

NAMES = ["县市场监管局", "县卫健委", "县教体局"]
R = layout.FIRST_DATA_ROW
EDITS = {
    f"F{R}": 92.5,
    f"I{R}": 3,
    f"I{R + 1}": dt.date(2022, 9, 1),
    f"J{R}": "  前后有空格  ",
    f"K{R}": True,
    f"L{R}": "第一行\n第二行",
}


@pytest.fixture
def filled(db, tmp_path):
    sc = build_scenario(db, tmp_path / "t", NAMES)
    files = [
        fill(sc.templates[name], tmp_path / "r" / sc.templates[name].name, edits=EDITS)
        for name in NAMES
    ]
    return sc, files


def _openpyxl_only(monkeypatch) -> None:
    monkeypatch.setattr(reader._CalamineSource, "for_xlsx", classmethod(lambda *a: None))


def _sources(path: Path):
    """(calamine source, openpyxl source) of one .xlsx."""
    data = path.read_bytes()
    archive = zipfile.ZipFile(io.BytesIO(data))
    fast = reader._CalamineSource.for_xlsx(path, archive, archive.infolist())
    slow = reader._XlsxSource(path, data, zipfile.ZipFile(io.BytesIO(data)))
    assert fast is not None
    return fast, slow


def _trimmed(rows) -> list[tuple[int, tuple]]:
    out = []
    for number, values in rows:
        values = tuple(values)
        while values and values[-1] is None:
            values = values[:-1]
        if values:
            out.append((number, values))
    return out


def test_both_readers_agree_cell_by_cell(filled):
    _, files = filled
    for path in files:
        fast, slow = _sources(path)
        try:
            assert fast.names == slow.names
            assert fast.states == slow.states
            assert fast.states[IDENTITY_SHEET] == "veryHidden"
            for name in fast.names:
                if name == layout.INSTRUCTIONS_SHEET:
                    continue
                a = _trimmed(fast.rows(name, 30))
                b = _trimmed(slow.rows(name, 30))
                assert [n for n, _ in a] == [n for n, _ in b], name
                for (number, va), (_, vb) in zip(a, b, strict=True):
                    assert len(va) == len(vb), (name, number)
                    for col, (x, y) in enumerate(zip(va, vb, strict=True), start=1):
                        ref = f"{name}!{reader.column_letter(col)}{number}"
                        assert type(x) is type(y) and x == y, (ref, x, y)
        finally:
            fast.close()
            slow.close()


def test_identity_values_are_text_exactly_as_signed(db, filled):
    _, files = filled
    for path in files:
        wb = read_returned_workbook(path)
        assert wb.reader == "calamine"
        assert all(isinstance(v, str) for v in wb.identity_values.values())
        identity, signature = read_identity(wb.identity_values)
        with db.session() as s:
            assert verify(identity, signature, office_secret(s))


def test_read_results_are_the_same_with_either_reader(filled, monkeypatch):
    _, files = filled
    fast = [read_returned_workbook(p) for p in files]
    _openpyxl_only(monkeypatch)
    slow = [read_returned_workbook(p) for p in files]
    for a, b in zip(fast, slow, strict=True):
        assert (a.reader, b.reader) == ("calamine", "openpyxl")
        a.reader = b.reader = ""
        assert a == b


def test_check_workbook_verifies_the_identity_read_by_calamine(db, filled):
    _, files = filled
    with db.session() as s:
        preview = check_workbook(s, files[0])
        assert preview.matched_by == "identity"
        assert not preview.errors, preview.errors


def test_formula_without_cached_value_is_named(db, tmp_path, monkeypatch):
    sc = build_scenario(db, tmp_path / "t", ["县卫健委"])
    path = fill(sc.templates["县卫健委"], tmp_path / "f.xlsx", edits={"H8": "=1+1", "I6": "=A6"})
    for _ in range(2):
        wb = read_returned_workbook(path)
        assert wb.uncalculated_cells == ["I6", "H8"]
        assert wb.formula_warnings()[1] == (
            "H8",
            "公式没有计算结果，请在 Excel/WPS 中打开并保存后再报送",
        )
        assert wb.row(8).get("measures") is None  # read as empty, as before
        _openpyxl_only(monkeypatch)


def _with_errors(path: Path, errors: dict[str, str]) -> Path:
    """The workbook with each of ``errors``' cells turned into a formula whose cached
    result is that error value (type e), as Excel saves =1/0 or a failed lookup."""
    data = path.read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    sheet = "xl/worksheets/sheet2.xml"
    xml = parts[sheet].decode()
    for cell, error in errors.items():
        xml, n = re.subn(
            rf'<c r="{cell}"([^>]*?)(?: t="\w+")?(?:/>|>.*?</c>)',
            rf'<c r="{cell}"\1 t="e"><f>1/0</f><v>{error}</v></c>',
            xml,
            count=1,
        )
        assert n == 1, cell
    parts[sheet] = xml.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, content in parts.items():
            z.writestr(name, content)
    return path


def test_formula_error_values_are_named_and_read_as_empty(db, tmp_path, monkeypatch):
    """#DIV/0! or #N/A is no answer: every reader takes the cell as empty, and the
    cell is named with the error, so the clerk knows why 完成情况 or 完成值 is missing."""
    sc = build_scenario(db, tmp_path / "t", ["县卫健委"])
    filled = fill(sc.templates["县卫健委"], tmp_path / "f.xlsx", edits={f"I{R}": "数据"})
    path = _with_errors(filled, {f"G{R}": "#N/A", f"I{R}": "#DIV/0!"})
    for reader_name in ("calamine", "openpyxl"):
        wb = read_returned_workbook(path)
        assert wb.reader == reader_name
        assert wb.error_cells == [(f"G{R}", "#N/A"), (f"I{R}", "#DIV/0!")]
        row = wb.row(R)
        assert row is not None and row.get("status") is None and row.get("data") is None
        assert wb.formula_warnings() == [
            (f"G{R}", "公式计算出错（#N/A），该单元格按空白读取；请在 Excel/WPS 中改正后再报送"),
            (f"I{R}", "公式计算出错（#DIV/0!），该单元格按空白读取；请在 Excel/WPS 中改正后再报送"),
        ]
        with db.session() as s:
            preview = check_workbook(s, path)
        assert {(i.cell, i.level) for i in preview.warnings} >= {
            (f"G{R}", "warning"),
            (f"I{R}", "warning"),
        }
        _openpyxl_only(monkeypatch)


def _with_rows(path: Path, rows_xml: str) -> Path:
    """The workbook with rows added at the end of the report sheet, its <dimension>
    left as it was (a program that does not update it)."""
    with zipfile.ZipFile(io.BytesIO(path.read_bytes())) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    sheet = "xl/worksheets/sheet2.xml"
    parts[sheet] = parts[sheet].replace(b"</sheetData>", rows_xml.encode() + b"</sheetData>")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, content in parts.items():
            z.writestr(name, content)
    return path


def test_rows_past_a_wrong_dimension_are_read_or_refused(db, tmp_path, monkeypatch):
    """Every reader reads rows beyond what <dimension> declares; a row past MAX_ROWS is
    refused, not left out without a word (openpyxl stops at the dimension unless told)."""
    sc = build_scenario(db, tmp_path / "t", ["县卫健委"])
    text = '<c r="B{0}" t="inlineStr"><is><t>表外的一行</t></is></c>'
    near = _with_rows(
        fill(sc.templates["县卫健委"], tmp_path / "near.xlsx"),
        f'<row r="3000">{text.format(3000)}</row>',
    )
    far = _with_rows(
        fill(sc.templates["县卫健委"], tmp_path / "far.xlsx"),
        f'<row r="1048576">{text.format(1048576)}</row>',
    )
    for _ in range(2):  # calamine, then openpyxl alone
        row = read_returned_workbook(near).row(3000)
        assert row is not None and row.get("task") == "表外的一行"
        with pytest.raises(UserError, match="行数超过上限") as caught:
            read_returned_workbook(far)
        assert "far.xlsx" in str(caught.value)
        _openpyxl_only(monkeypatch)


def test_uncalculated_formulas_in_xml():
    xml = (
        b'<sheetData><row r="1"><c r="A1"><f>1+1</f><v></v></c><c r="B1"><f>1+1</f></c>'
        b'<c r="C1" t="str"><f>""</f><v></v></c><c r="D1"><f>2</f><v>2</v></c>'
        b'<c r="E1"><f t="shared" si="0"/></c><x:c r="F1"><x:f>1</x:f><x:v/></x:c>'
        b'<c r="G1" t="s"><v>0</v></c></row></sheetData>'
    )
    assert prescan.uncalculated_formulas(xml) == ["A1", "B1", "E1", "F1"]


def test_extent_counts_rows_and_cells_without_references():
    xml = b'<row r="3"><c r="B3"/></row><row><c/><c/><c/></row><row r="9"><c r="AA9"/></row>'
    extent = prescan.xlsx_extent(xml)
    assert extent.rows >= 9 and extent.columns >= 27


def test_extent_is_not_lowered_by_references_hidden_in_values():
    """A cell without r follows the one before it, whatever its other attributes say: a
    value that looks like r="A1" (or holds ">") makes it no numbered cell."""
    hidden = b"<c foo=' r=\"A1\"'/>" * 300 + b'<c bar=">" r="B1"/>'
    extent = prescan.xlsx_extent(b'<row r="1"><c r="A1"/>' + hidden + b"</row>")
    assert extent.columns >= 302
    rows = b'<row spans=\' r="1"\'><c r="A1"/></row>' * 40
    assert prescan.xlsx_extent(rows).rows >= 40
    # A row's own number after one hidden in a value: its cells without r are there.
    far = b'<row spans=\' r="1"\' r="4999"><c><v>1</v></c></row>'
    assert prescan.xlsx_extent(far).rows >= 4999


def _wide(tmp_path, column: int) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = layout.REPORT_SHEET
    ws.append(["序号", "任务内容", "完成情况"])
    ws.append(["1", "任务", "已完成"])
    ws.cell(row=2, column=column, value="远处")
    path = tmp_path / "宽.xlsx"
    wb.save(path)
    return path


def test_a_sheet_too_wide_for_a_dense_grid_is_read_by_openpyxl(tmp_path):
    wb = read_returned_workbook(_wide(tmp_path, reader.CALAMINE_MAX_COLUMNS + 1))
    assert wb.reader == "openpyxl" and wb.rows[0].get("status") == "已完成"
    assert read_returned_workbook(_wide(tmp_path, 20)).reader == "calamine"


def test_a_crc_mismatch_is_never_given_to_calamine(tmp_path):
    path = _wide(tmp_path, 5)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as z:
        info = z.getinfo("xl/worksheets/sheet1.xml")
    # Corrupt the stored CRC-32 in the central directory entry of the sheet.
    name = info.filename.encode()
    at = bytes(data).rfind(b"PK\x01\x02", 0, bytes(data).rfind(name))
    data[at + 16 : at + 20] = b"\0\0\0\0"
    path.write_bytes(bytes(data))
    archive = zipfile.ZipFile(io.BytesIO(bytes(data)))
    assert reader._CalamineSource.for_xlsx(path, archive, archive.infolist()) is None


# --- OpenDocument ---------------------------------------------------------------------


def _soffice() -> str:
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if exe is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    return exe


def _to_ods(xlsx: Path, out: Path) -> Path:
    exe = _soffice()
    out.mkdir(parents=True, exist_ok=True)
    profile = out / "profile"
    subprocess.run(
        [
            exe,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "ods",
            "--outdir",
            str(out),
            str(xlsx),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return out / (xlsx.stem + ".ods")


def test_ods_saved_by_libreoffice_is_read_and_verified(db, filled, tmp_path):
    _, files = filled
    ods = _to_ods(files[0], tmp_path / "ods")
    wb = read_returned_workbook(ods)
    xlsx = read_returned_workbook(files[0])
    assert wb.file_format == "ods" and wb.reader == "calamine"
    assert wb.sheet_states[IDENTITY_SHEET] == "hidden"  # LibreOffice has no veryHidden
    assert wb.identity_values == xlsx.identity_values
    assert wb.header == xlsx.header and wb.title == xlsx.title
    assert [r.row for r in wb.rows] == [r.row for r in xlsx.rows]
    for a, b in zip(wb.rows, xlsx.rows, strict=True):
        ods_texts = {k: a.text(k) for k in a.values}
        xlsx_texts = {k: b.text(k) for k in b.values}
        if a.row == R:  # K6 holds TRUE: calamine reads an .ods boolean as the number 1
            assert (ods_texts.pop("problems"), xlsx_texts.pop("problems")) == ("1", "是")
        assert ods_texts == xlsx_texts
    with db.session() as s:
        preview = check_workbook(s, ods)
        assert preview.matched_by == "identity" and not preview.errors, preview.errors


def _ods(path: Path, table_xml: str) -> Path:
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
        ' xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"'
        ' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        "<office:body><office:spreadsheet>" + table_xml + "</office:spreadsheet></office:body>"
        "</office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
        'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
        'manifest:version="1.2"><manifest:file-entry manifest:full-path="/" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED)
        z.writestr("META-INF/manifest.xml", manifest)
        z.writestr("content.xml", content)
    return path


def _cell(text: str, repeat: int = 1) -> str:
    rep = f' table:number-columns-repeated="{repeat}"' if repeat > 1 else ""
    return (
        f'<table:table-cell office:value-type="string"{rep}><text:p>{text}</text:p>'
        "</table:table-cell>"
    )


def _table(*rows: str) -> str:
    return '<table:table table:name="报送表">' + "".join(rows) + "</table:table>"


HEAD = (
    "<table:table-row>"
    + _cell("序号")
    + _cell("任务内容")
    + _cell("完成情况")
    + "</table:table-row>"
)
EMPTY_TAIL = (  # what LibreOffice writes after the last used row
    '<table:table-row table:number-rows-repeated="1048570">'
    '<table:table-cell table:number-columns-repeated="1024"/></table:table-row>'
)


def test_hand_made_ods_is_read(tmp_path):
    row = "<table:table-row>" + _cell("1") + _cell("任务") + _cell("已完成") + "</table:table-row>"
    path = _ods(tmp_path / "手工.ods", _table(HEAD, row, EMPTY_TAIL))
    wb = read_returned_workbook(path)
    assert wb.file_format == "ods" and wb.rows[0].get("status") == "已完成"


def test_ods_formula_without_a_result_is_named(tmp_path):
    """A formula a program wrote without calculating it (table:formula, no value) reads
    as empty, as in .xlsx: the cell is named with the same warning; so is an error
    result."""
    formula = '<table:table-cell table:formula="of:=50+10"/>'
    calculated = (
        '<table:table-cell table:formula="of:=1+1" office:value-type="float" office:value="2">'
        "<text:p>2</text:p></table:table-cell>"
    )
    empty_result = '<table:table-cell table:formula="of:=&quot;&quot;" office:value-type="string"/>'
    row = (
        "<table:table-row>"
        + _cell("1", 2)  # A2:B2, one cell written for two columns
        + formula  # C2
        + calculated  # D2
        + empty_result  # E2
        + formula  # F2
        + "</table:table-row>"
    )
    error = (  # as LibreOffice saves =1/0
        '<table:table-cell xmlns:calcext="urn:org:documentfoundation:names:experimental:calc:'
        'xmlns:calcext:1.0" table:formula="of:=1/0" office:value-type="string"'
        ' office:string-value="" calcext:value-type="error"><text:p>#DIV/0!</text:p>'
        "</table:table-cell>"
    )
    path = _ods(
        tmp_path / "公式.ods",
        _table(HEAD, row.replace("</table:table-row>", error + "</table:table-row>")),
    )
    wb = read_returned_workbook(path)
    assert wb.uncalculated_cells == ["C2", "F2"]
    assert wb.error_cells == [("G2", "#DIV/0!")]
    assert [cell for cell, _ in wb.formula_warnings()] == ["C2", "F2", "G2"]
    assert wb.rows[0].get("status") is None  # read as empty, as in .xlsx


def test_ods_repeated_rows_bomb_is_refused_before_calamine(tmp_path):
    bomb = (
        '<table:table-row table:number-rows-repeated="1000000">'
        + _cell("x", 16384)
        + "</table:table-row>"
    )
    path = _ods(tmp_path / "炸弹.ods", _table(HEAD, bomb))
    with pytest.raises(UserError, match="行数超过上限") as caught:
        read_returned_workbook(path)
    assert "炸弹.ods" in str(caught.value)


def test_ods_too_wide_is_refused(tmp_path):
    wide = "<table:table-row>" + _cell("x", 5000) + "</table:table-row>"
    path = _ods(tmp_path / "宽.ods", _table(HEAD, wide))
    with pytest.raises(UserError, match="填写范围过大"):
        read_returned_workbook(path)


def test_ods_with_a_dtd_is_refused(tmp_path):
    path = _ods(tmp_path / "lol.ods", _table(HEAD))
    data = path.read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        content = z.read("content.xml").replace(b"?>", b'?><!DOCTYPE x [<!ENTITY a "aaaa">]>', 1)
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", content)
    with pytest.raises(UserError, match="XML"):
        read_returned_workbook(path)


def test_other_opendocument_files_are_named(tmp_path):
    path = tmp_path / "报送.ods"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        z.writestr("content.xml", "<x/>")
    with pytest.raises(UserError, match="OpenDocument 文本文档"):
        read_returned_workbook(path)
