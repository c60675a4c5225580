"""Hostile returned workbooks: reading and collecting never crash and never write half.

Property for every file: ``read_returned_workbook`` either reads it or raises
``UserError`` with a Chinese message naming the file (never another exception), and
``collect_files`` either accepts it or refuses it with the database (every table) and the
archive exactly as before.  Hypothesis mutates a real filled template (bytes and cell
values, derandomized); the targeted cases build truncated zips, wrong content types,
XML and zip bombs, huge tables, control characters, impossible dates, merged cells, an
encrypted workbook, renamed files and each explicit limit with its own message.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import sqlite3
import zipfile
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest
from core.collect_fixtures import USER, build_scenario, fill
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from foodsafety_desktop.core.errors import UserError
from foodsafety_desktop.core.excel import template_layout as layout
from foodsafety_desktop.core.excel import workbook_reader as reader
from foodsafety_desktop.core.excel.workbook_reader import read_returned_workbook
from foodsafety_desktop.core.services.collect import check_workbook, collect_files
from foodsafety_desktop.core.storage.database import Database, open_database
from foodsafety_desktop.core.storage.models import utcnow

from .hostile import (
    CONTENT_TYPES,
    billion_laughs,
    encrypted_ole,
    flip_bytes,
    lie_about_sizes,
    read_entry,
    rezip,
    truncations,
    with_shared_strings,
    write_zip_bomb,
)

MARKET = "县市场监管局"
REPORT_XML = "xl/worksheets/sheet2.xml"  # 报送表 in templates written by openpyxl
CJK = re.compile(r"[\u4e00-\u9fff]")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
FUZZ = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
STATS = {"examples": 0, "refused": 0, "accepted": 0, "calamine": 0, "openpyxl": 0, "xlrd": 0}


@dataclass
class Ledger:
    db: Database
    db_path: Path
    archive: Path
    folder: Path  # where hostile files are written
    template: Path  # the 县市场监管局 Q3 template
    good: bytes  # a filled, valid returned workbook

    def write(self, name: str, data: bytes) -> Path:
        path = self.folder / name
        path.write_bytes(data)
        return path


@pytest.fixture(scope="module")
def ledger(tmp_path_factory) -> Ledger:
    base = tmp_path_factory.mktemp("fuzzwb")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("FOODSAFETY_DATA_DIR", str(base / "data"))
        (base / "data").mkdir()
        db = open_database(base / "data" / "ledger.sqlite3")
        sc = build_scenario(db, base / "templates", [MARKET])
    good = fill(sc.templates[MARKET], base / "good.xlsx").read_bytes()
    folder = base / "hostile"
    folder.mkdir()
    state = Ledger(
        db,
        base / "data" / "ledger.sqlite3",
        base / "data" / "archive",
        folder,
        sc.templates[MARKET],
        good,
    )
    yield state
    db.close()


def _dump(db_path: Path) -> tuple[dict[str, int], str]:
    """Row counts and the SHA-256 of a canonical dump of every table."""
    con = sqlite3.connect(db_path)
    try:
        tables = [
            r[0]
            for r in con.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
        ]
        digest = hashlib.sha256()
        counts = {}
        for table in tables:
            rows = con.execute(f'SELECT * FROM "{table}" ORDER BY rowid').fetchall()
            counts[table] = len(rows)
            digest.update(f"{table}:{rows!r}".encode())
    finally:
        con.close()
    return counts, digest.hexdigest()


def _archive_listing(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*")) if root.exists() else []


def assert_user_message(exc: UserError, path: Path) -> None:
    text = str(exc)
    assert CJK.search(exc.message), text
    assert path.name in text, text


def read_or_refuse(path: Path) -> str | None:
    """None when read; the message of the UserError otherwise (any other exception fails)."""
    try:
        wb = read_returned_workbook(path)
    except UserError as exc:
        assert_user_message(exc, path)
        return str(exc)
    STATS[wb.reader] += 1  # which parser read it: calamine, or openpyxl for odd files
    return None


def collect_or_refuse(ledger: Ledger, path: Path) -> str | None:
    """Collect ``path``: None when accepted; the refusal when refused (nothing changed)."""
    before = _dump(ledger.db_path), _archive_listing(ledger.archive)
    # Each hostile file arrives now: a later one replaces the earlier (the choice of
    # versions is not what is tested here).
    [outcome] = collect_files(
        ledger.db, [path], user=USER, accept_warnings=True, received_at=utcnow()
    )
    STATS["examples"] += 1
    text = "；".join(outcome.errors)
    assert "意外错误" not in text, text  # an exception other than UserError
    if outcome.accepted:
        STATS["accepted"] += 1
        return None
    STATS["refused"] += 1
    assert outcome.errors and all(CJK.search(e) for e in outcome.errors), outcome.errors
    after = _dump(ledger.db_path), _archive_listing(ledger.archive)
    assert after == before, f"refused file changed the ledger: {path.name}"
    return text


def check_file(ledger: Ledger, path: Path) -> str | None:
    """Both properties; returns the reader's refusal (None when readable)."""
    refusal = read_or_refuse(path)
    collected = collect_or_refuse(ledger, path)
    if refusal is not None:
        assert collected is not None
    return refusal


def _edited(ledger: Ledger, name: str, edit) -> Path:
    """The filled workbook, changed by ``edit(workbook)`` through openpyxl."""
    wb = openpyxl.load_workbook(io.BytesIO(ledger.good))
    edit(wb)
    path = ledger.folder / name
    wb.save(path)
    return path


def _report_xml(ledger: Ledger) -> str:
    return read_entry(ledger.good, REPORT_XML).decode("utf-8")


def _with_measures_text(ledger: Ledger, text: str) -> bytes:
    """The filled workbook with ``text`` put verbatim into the XML of the first 主要措施 cell."""
    sheet = _report_xml(ledger)
    measures = layout.cell("measures", layout.FIRST_DATA_ROW)
    pattern = re.compile(rf'(<c r="{measures}"[^>]*t="inlineStr"[^>]*><is><t[^>]*>)(.*?)(</t>)')
    assert pattern.search(sheet), "the filled template stores the measures inline"
    sheet = pattern.sub(lambda m: m.group(1) + text + m.group(3), sheet, count=1)
    return rezip(ledger.good, {REPORT_XML: sheet.encode("utf-8")})


# --- hypothesis -----------------------------------------------------------------------


@FUZZ
@given(
    flips=st.lists(st.tuples(st.integers(0, 1 << 20), st.integers(1, 255)), min_size=1, max_size=6)
)
def test_flipped_bytes(ledger, flips):
    check_file(ledger, ledger.write("flipped.xlsx", flip_bytes(ledger.good, flips)))


@settings(FUZZ, max_examples=25)
@given(cut=st.integers(min_value=1))
def test_truncated_anywhere(ledger, cut):
    data = ledger.good[: cut % len(ledger.good)]
    assert check_file(ledger, ledger.write("cut.xlsx", data)) is not None


@settings(FUZZ, max_examples=30)
@given(
    entry=st.sampled_from(
        [
            CONTENT_TYPES,
            "xl/workbook.xml",
            REPORT_XML,
            "xl/worksheets/sheet3.xml",
            "xl/styles.xml",
            "xl/_rels/workbook.xml.rels",
            "_rels/.rels",
        ]
    ),
    junk=st.one_of(
        st.binary(max_size=300),
        st.text(max_size=200).map(lambda t: t.encode("utf-8")),
        st.none(),
    ),
)
def test_replaced_or_missing_part(ledger, entry, junk):
    check_file(ledger, ledger.write("part.xlsx", rezip(ledger.good, {entry: junk})))


_CELL_TEXT = st.text(
    alphabet=st.characters(
        blacklist_categories=("Cs",), blacklist_characters="".join(map(chr, range(32)))
    )
    | st.sampled_from(list("\t\n")),
    max_size=300,
)
_CELL_VALUE = st.one_of(
    st.none(),
    _CELL_TEXT,
    st.sampled_from(["=1+1", "+SUM(A1)", "-2", "@cmd", "已完成", "滞后", "95%", "约95", "１２家"]),
    st.integers(-(10**18), 10**18),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.dates(min_value=dt.date(1900, 3, 1)),
)


@settings(FUZZ, max_examples=50)
@given(
    cells=st.dictionaries(
        st.sampled_from(
            [
                layout.cell(key, row)
                for key in ("value", "status", "measures", "problems")
                for row in range(layout.FIRST_DATA_ROW, layout.FIRST_DATA_ROW + 3)
            ]
            + [
                layout.REPORTER_CELL,
                layout.PHONE_CELL,
                layout.FILLED_ON_CELL,
                f"B{layout.FIRST_DATA_ROW}",
                f"A{layout.FIRST_DATA_ROW}",
                "M5",
                "Z40",
            ]
        ),
        _CELL_VALUE,
        max_size=6,
    )
)
def test_random_cell_values(ledger, cells):
    def edit(wb):
        ws = wb[layout.REPORT_SHEET]
        for ref, value in cells.items():
            ws[ref] = value

    path = _edited(ledger, "cells.xlsx", edit)
    read_or_refuse(path)
    # The whole check (matching, validation, comparison) on the hostile values.
    with ledger.db.session() as s:
        try:
            check_workbook(s, path)
        except UserError as exc:
            assert_user_message(exc, path)
        s.rollback()
    collect_or_refuse(ledger, path)


# --- targeted files -------------------------------------------------------------------


def test_truncated_at_every_tenth(ledger):
    for pct, data in truncations(ledger.good):
        refusal = check_file(ledger, ledger.write(f"cut{pct}.xlsx", data))
        assert refusal is not None and "损坏" in refusal, (pct, refusal)


def test_empty_file(ledger):
    refusal = check_file(ledger, ledger.write("empty.xlsx", b""))
    assert "文件是空的（0 字节）" in refusal


@pytest.mark.parametrize(
    "types",
    [
        None,
        b"not xml at all",
        b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        b'content-types"></Types>',
    ],
    ids=["missing", "garbage", "empty"],
)
def test_wrong_content_types(ledger, types):
    check_file(ledger, ledger.write("types.xlsx", rezip(ledger.good, {CONTENT_TYPES: types})))


def test_content_types_claim_word(ledger):
    types = read_entry(ledger.good, CONTENT_TYPES).decode("utf-8")
    types = types.replace("spreadsheetml.sheet.main+xml", "wordprocessingml.document.main+xml")
    check_file(
        ledger, ledger.write("types.xlsx", rezip(ledger.good, {CONTENT_TYPES: types.encode()}))
    )


BOMB = "XML 炸弹"


@pytest.mark.parametrize(
    "entry",
    [REPORT_XML, "xl/workbook.xml", CONTENT_TYPES, "xl/worksheets/sheet3.xml"],
)
def test_billion_laughs(ledger, entry):
    xml = billion_laughs(
        "worksheet",
        "<sheetData><row r='1'><c r='A1' t='inlineStr'><is><t>"
        "&lol9;</t></is></c></row></sheetData>",
    )
    refusal = check_file(ledger, ledger.write("lol.xlsx", rezip(ledger.good, {entry: xml})))
    assert BOMB in refusal


def test_billion_laughs_in_shared_strings(ledger):
    xml = billion_laughs("sst", "<si><t>&lol9;</t></si>")
    refusal = check_file(ledger, ledger.write("lol.xlsx", with_shared_strings(ledger.good, xml)))
    assert BOMB in refusal


def test_external_entity(ledger):
    xml = (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b"<si><t>&xxe;</t></si></sst>"
    )
    refusal = check_file(ledger, ledger.write("xxe.xlsx", with_shared_strings(ledger.good, xml)))
    assert BOMB in refusal


def test_doctype_after_a_long_comment(ledger):
    """A DTD placed beyond the first 64 KB scanned: the XML parser must still refuse it."""
    sheet = _report_xml(ledger)
    body = sheet.split("?>", 1)[-1] if sheet.startswith("<?xml") else sheet
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<!--'
        + "x" * 70_000
        + "-->"
        + BILLION_DTD_ONLY
        + body.replace("<sheetData>", "<sheetData>", 1)
    )
    refusal = check_file(
        ledger, ledger.write("late.xlsx", rezip(ledger.good, {REPORT_XML: xml.encode()}))
    )
    assert refusal is not None


BILLION_DTD_ONLY = '<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'


def test_zip_bomb_300_mb(ledger):
    path = ledger.folder / "bomb.xlsx"
    write_zip_bomb(path, ledger.good, "xl/sharedStrings.xml", 300 * 1024 * 1024)
    assert path.stat().st_size < 2 * 1024 * 1024
    refusal = check_file(ledger, path)
    assert "解压后过大" in refusal and "压缩炸弹" in refusal


def test_zip_bomb_with_lying_header(ledger):
    """The zip declares 10 KB for a 300 MB entry: never inflated past the declared size."""
    base = with_shared_strings(ledger.good, b"<sst/>")
    path = ledger.folder / "liar.xlsx"
    write_zip_bomb(path, base, "xl/sharedStrings.xml", 300 * 1024 * 1024)
    path.write_bytes(lie_about_sizes(path.read_bytes(), "xl/sharedStrings.xml", 10_000))
    assert check_file(ledger, path) is not None


def test_too_many_zip_entries(ledger):
    data = rezip(ledger.good, {f"customXml/item{i}.bin": b"x" for i in range(2001)})
    refusal = check_file(ledger, ledger.write("entries.xlsx", data))
    assert "压缩包内文件过多" in refusal


def test_huge_shared_string_table(ledger):
    count = 50_000
    xml = (
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        f'count="{count}" uniqueCount="{count}">'
        + "".join(f"<si><t>第{i}条报送内容</t></si>" for i in range(count))
        + "</sst>"
    ).encode()
    check_file(ledger, ledger.write("sst.xlsx", with_shared_strings(ledger.good, xml)))


def test_control_characters_in_cells_are_not_stored(ledger):
    """Excel's _xHHHH_ escapes can smuggle NUL and other control characters into a cell."""
    hostile = "开展_x0000_检查_x0007_三次_x001B_，_x000B_见附件"
    path = ledger.write("ctrl.xlsx", _with_measures_text(ledger, hostile))
    wb = read_returned_workbook(path)
    for row in wb.rows:
        for value in row.values.values():
            assert not (isinstance(value, str) and CONTROL.search(value)), repr(value)
    assert collect_or_refuse(ledger, path) is None
    con = sqlite3.connect(ledger.db_path)
    try:
        texts = [r[0] for r in con.execute("SELECT measures FROM submission_entry") if r[0]]
    finally:
        con.close()
    assert not any(CONTROL.search(t) for t in texts)


def test_raw_control_bytes_in_xml(ledger):
    data = _with_measures_text(ledger, "已按\x00要求\x01推进")
    refusal = check_file(ledger, ledger.write("raw.xlsx", data))
    assert refusal is not None


def test_100000_character_cell(ledger):
    """Written into the XML: openpyxl itself would cut a cell at Excel's 32,767."""
    cell = layout.cell("measures", layout.FIRST_DATA_ROW)
    refusal = check_file(
        ledger, ledger.write("long.xlsx", _with_measures_text(ledger, "措" * 100_000))
    )
    assert "单元格内容过长（100000 字，上限 10000 字）" in refusal and cell in refusal


@pytest.mark.parametrize(
    "value", ["2023-02-30", "0000-01-01", "9999-99-99", "2023年2月30日"], ids=str
)
def test_impossible_dates_as_text(ledger, value):
    def edit(wb):
        ws = wb[layout.REPORT_SHEET]
        ws[layout.FILLED_ON_CELL] = value
        ws[layout.cell("value", 5)] = value
        ws[layout.cell("measures", 5)] = value

    assert check_file(ledger, _edited(ledger, "date.xlsx", edit)) is None


@pytest.mark.parametrize("serial", [-1, 0, 2958466, 10**9, 1e308], ids=str)
def test_impossible_dates_as_serials(ledger, serial):
    """A number formatted as a date that no calendar has: never an unexpected error."""
    sheet = _report_xml(ledger)
    ref = layout.FILLED_ON_CELL
    sheet = re.sub(
        rf'<c r="{ref}"([^>]*?)(?: t="\w+")?([^>]*)>.*?</c>',
        lambda m: f'<c r="{ref}"{m.group(1)}{m.group(2)}><v>{serial}</v></c>',
        sheet,
        count=1,
    )
    check_file(
        ledger, ledger.write("serial.xlsx", rezip(ledger.good, {REPORT_XML: sheet.encode()}))
    )


@pytest.mark.parametrize("text", ["2023-02-30", "0000-01-01", "9999-99-99T99:99:99"])
def test_impossible_iso_date_cells(ledger, text):
    sheet = _report_xml(ledger)
    ref = layout.FILLED_ON_CELL
    sheet = re.sub(
        rf'<c r="{ref}"([^>]*?)(?: t="\w+")?([^>]*)>.*?</c>',
        lambda m: f'<c r="{ref}"{m.group(1)} t="d"{m.group(2)}><v>{text}</v></c>',
        sheet,
        count=1,
    )
    check_file(ledger, ledger.write("iso.xlsx", rezip(ledger.good, {REPORT_XML: sheet.encode()})))


def test_merged_cells_across_the_input_area(ledger):
    def edit(wb):
        ws = wb[layout.REPORT_SHEET]
        ws.merge_cells(f"F{layout.FIRST_DATA_ROW}:L{ws.max_row}")
        ws.merge_cells("A2:L3")

    check_file(ledger, _edited(ledger, "merged.xlsx", edit))


def test_password_protected_workbook(ledger):
    refusal = check_file(ledger, ledger.write("secret.xlsx", encrypted_ole()))
    assert "设置了打开密码" in refusal


def test_ole_file_that_is_not_a_workbook(ledger):
    data = encrypted_ole().replace("EncryptedPackage".encode("utf-16-le"), b"X" * 32)
    refusal = check_file(ledger, ledger.write("ole.xls", data))
    assert ".xls" in refusal


def test_docx_renamed_xlsx(ledger):
    import docx

    document = docx.Document()
    document.add_paragraph("关于印发某某方案的通知")
    buffer = io.BytesIO()
    document.save(buffer)
    refusal = check_file(ledger, ledger.write("renamed.xlsx", buffer.getvalue()))
    assert "这是 Word 文档（.docx）" in refusal


def test_not_a_zip_at_all(ledger):
    refusal = check_file(ledger, ledger.write("page.xlsx", b"<html><body>x</body></html>"))
    assert "网页或 XML" in refusal


def test_million_row_sheet_by_declared_dimension(ledger):
    sheet = re.sub(
        r'<dimension ref="[^"]+"/>', '<dimension ref="A1:L1000000"/>', _report_xml(ledger)
    )
    refusal = check_file(
        ledger, ledger.write("rows.xlsx", rezip(ledger.good, {REPORT_XML: sheet.encode()}))
    )
    assert f"工作表行数超过上限 {reader.MAX_ROWS} 行（该表声明有 1000000 行）" in refusal


def test_rows_beyond_the_limit_without_a_dimension(ledger):
    sheet = re.sub(r'<dimension ref="[^"]+"/>', "", _report_xml(ledger))
    far = '<row r="1000000"><c r="B1000000" t="inlineStr"><is><t>多余</t></is></c></row>'
    sheet = sheet.replace("</sheetData>", far + "</sheetData>")
    refusal = check_file(
        ledger, ledger.write("far.xlsx", rezip(ledger.good, {REPORT_XML: sheet.encode()}))
    )
    assert f"工作表行数超过上限 {reader.MAX_ROWS} 行" in refusal


def test_file_size_limit(ledger):
    path = ledger.folder / "big.xlsx"
    with open(path, "wb") as stream:
        stream.write(ledger.good)
        stream.truncate(reader.MAX_FILE_BYTES + 1)  # sparse: nothing is written
    refusal = check_file(ledger, path)
    assert "文件过大" in refusal and f"上限 {reader.MAX_FILE_BYTES // 1024 // 1024} MB" in refusal


def test_sheet_count_limit(ledger):
    def edit(wb):
        for i in range(reader.MAX_SHEETS):
            wb.create_sheet(f"附表{i}")

    refusal = check_file(ledger, _edited(ledger, "sheets.xlsx", edit))
    assert "工作表过多" in refusal


def test_macro_workbook_is_read_without_running_anything(ledger):
    data = rezip(ledger.good, {"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0" + b"\x00" * 100})
    path = ledger.write("macro.xlsm", data)
    check_file(ledger, path)
    with zipfile.ZipFile(path) as archive:
        assert "xl/vbaProject.bin" in archive.namelist()


def test_the_good_file_is_read_by_calamine(ledger):
    path = ledger.write("good.xlsx", ledger.good)
    assert read_returned_workbook(path).reader == "calamine"


def test_summary(ledger):
    """Runs last in this module: the counts for the lead's note."""
    print(
        f"\nworkbook fuzz: {STATS['examples']} files collected, "
        f"{STATS['refused']} refused, {STATS['accepted']} accepted; read by calamine "
        f"{STATS['calamine']}, by openpyxl {STATS['openpyxl']}"
    )
    assert STATS["refused"] > 0
    assert STATS["calamine"] > 0 and STATS["openpyxl"] > 0
