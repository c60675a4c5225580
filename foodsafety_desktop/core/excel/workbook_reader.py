"""Reading a returned report workbook (报送表) safely: .xlsx/.xlsm/.ods by python-calamine
(openpyxl read-only for the files calamine is not given), .xls by xlrd.

Nothing in a returned file is trusted: the file is sniffed by its bytes (not its
extension), sizes are checked before a parser touches it (file size, the zip's declared
uncompressed sizes, rows, text length), XML with a DOCTYPE is refused (openpyxl also
parses through defusedxml), formulas are never evaluated (the cached value Excel, WPS or
LibreOffice stored is read; a formula without one reads as empty) and macros never run
(openpyxl does not execute VBA; ``keep_vba`` is off).

Which parser reads an .xlsx: python-calamine (Rust; about 15× faster than openpyxl's
read-only mode on the templates) when the file is plain — every sheet a worksheet part
named by xl/workbook.xml and its relationships, the parts to be read inflated within the
limits here (by Python's zipfile, their CRC checked) and free of any DTD over their whole
length, the real shared-string count and every parsed sheet's cell extent (``prescan``)
small enough for calamine's dense grid.  calamine is then handed a new zip holding only
those checked parts, stored uncompressed, so it never inflates anything itself.  Every
other .xlsx (a broken part, a chartsheet, a sheet reaching past ``MAX_ROWS`` or
``CALAMINE_MAX_CELLS``, a parse calamine refuses) is read by openpyxl's read-only
streaming parser as before, which produces the refusals the limits below promise.
.ods (LibreOffice) has no such fallback: its content.xml is measured by ``prescan`` with
repeats counted and refused when over the limits.

The result, ``ReturnedWorkbook``, holds the identity sheet's A→B pairs (when present),
the header block and the data rows keyed by ``template_layout`` column keys.  When the
sheet is not the template's own (a department typed into its own layout), the columns
are found by their titles.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import io
import itertools
import os
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from foodsafety_desktop.core.errors import UserError
from foodsafety_desktop.core.excel import prescan
from foodsafety_desktop.core.excel import template_layout as layout
from foodsafety_desktop.core.excel.identity import IDENTITY_SHEET, squash
from foodsafety_desktop.core.excel.prescan import column_letter

# --- limits ---------------------------------------------------------------------------
# A template of 300 rows filled generously is well under 1 MB; these limits leave a
# wide margin for real files while refusing what would exhaust memory.
MAX_FILE_BYTES = 20 * 1024 * 1024  # 20 MB on disk
MAX_ENTRY_BYTES = 64 * 1024 * 1024  # one zip entry uncompressed (sharedStrings, a sheet)
MAX_TOTAL_BYTES = 256 * 1024 * 1024  # all zip entries uncompressed
MAX_ZIP_ENTRIES = 2000
MAX_ROWS = 5000  # rows of the report sheet (the used range, empty formatted rows too)
MAX_COLUMNS = 30  # columns read on the report sheet (A..AD)
MAX_CELL_CHARS = 10000  # characters in one cell of the report sheet
MAX_SHEETS = 50
MAX_IDENTITY_ROWS = 500
# A 报送表 holds a few hundred distinct texts; a huge table takes seconds per 100,000.
MAX_SHARED_STRINGS = 100_000
MAX_IDENTITY_CHARS = 32767  # Excel's own cell limit; identity chunks are 30,000
HEADER_SCAN_ROWS = 15  # rows searched for the column titles of a hand-made sheet

# python-calamine builds a sheet as a dense grid (first to last cell): the largest grid
# it is given; a sheet beyond it is read by openpyxl's streaming parser instead.
CALAMINE_MAX_COLUMNS = 256
CALAMINE_MAX_CELLS = 600_000
# .ods tables have no second reader: beyond these they are refused.
ODS_MAX_COLUMNS = 1024
MAX_UNCALCULATED_REPORTED = 50

FORMAT_XLSX = "xlsx"
FORMAT_XLS = "xls"
FORMAT_ODS = "ods"

# The warning of a formula cell without a cached result (the cell is named beside it).
UNCALCULATED_FORMULA = "公式没有计算结果，请在 Excel/WPS 中打开并保存后再报送"
FORMULA_ERROR = "公式计算出错（{error}），该单元格按空白读取；请在 Excel/WPS 中改正后再报送"

_ZIP_MAGIC = b"PK\x03\x04"
_EMPTY_ZIP_MAGIC = b"PK\x05\x06"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
_DTD_SCAN_BYTES = 64 * 1024

# Column titles of hand-made sheets → template_layout column keys.  An exact title wins;
# otherwise the longest alias contained in the title.
TITLE_ALIASES: dict[str, tuple[str, ...]] = {
    "seq": ("序号", "编号", "序"),
    "task": (
        "任务内容",
        "工作任务",
        "重点任务",
        "主要任务",
        "具体任务",
        "工作内容",
        "任务",
        "工作事项",
    ),
    "role": ("本单位职责", "职责", "责任分工", "牵头/配合"),
    "deadline": ("完成时限", "时限", "完成时间", "时间节点"),
    "target": ("目标值", "目标任务", "指标"),
    "value": ("完成值", "实际完成值", "完成数"),
    "status": ("完成情况", "进展情况", "完成状态", "进度情况", "状态"),
    "measures": (
        "主要措施及成效",
        "主要措施",
        "工作措施",
        "落实情况",
        "工作进展",
        "措施",
        "成效",
    ),
    "data": ("数据",),
    "examples": ("典型事例", "典型案例", "亮点"),
    "problems": ("存在问题", "问题"),
    "next_steps": ("下步打算", "下一步打算", "下步计划", "下一步工作", "下步工作"),
    "evidence": ("佐证材料", "佐证资料", "佐证材料清单", "证明材料", "佐证"),
}
HEADER_LABELS: dict[str, tuple[str, ...]] = {
    "department": ("填报单位", "报送单位", "单位名称", "责任单位"),
    "reporter": ("填报人", "填表人", "经办人", "联系人"),
    "phone": ("联系电话", "电话", "手机"),
    "filled_on": ("填报日期", "填报时间", "报送日期", "日期"),
    "reviewer": ("审核人", "审核"),
    "leader": ("单位负责人", "负责人"),
}


@dataclass
class SheetRow:
    """One non-empty data row of the report sheet: column key → value as read."""

    row: int  # sheet row number (1-based)
    values: dict[str, Any]

    def get(self, key: str) -> Any:
        return self.values.get(key)

    def text(self, key: str) -> str:
        """The value as stripped text ("" for empty); 3.0 reads as "3"."""
        return cell_text(self.values.get(key))


@dataclass
class ReturnedWorkbook:
    """What a returned workbook says, as read (nothing checked against the database yet)."""

    path: Path
    file_name: str
    file_format: str  # "xlsx" (also .xlsm), "xls" or "ods"
    size: int
    sha256: str
    sheet_names: list[str]
    report_sheet: str
    standard_layout: bool  # the template's own 报送表 sheet with its own column titles
    columns: dict[str, str]  # column key → letter found on the sheet
    header_row: int
    title: str
    # department / reporter / phone / filled_on / reviewer / leader (as text)
    header: dict[str, str]
    rows: list[SheetRow]
    identity_values: dict[str, Any] | None  # A→B pairs of the _identity sheet
    sheet_states: dict[str, str] = field(default_factory=dict)  # visible/hidden/veryHidden
    content: bytes = field(default=b"", repr=False)  # the bytes read (sha256 is theirs)
    # Formula cells of the report sheet without a cached result (read as empty), "F7".
    uncalculated_cells: list[str] = field(default_factory=list)
    # Cells of the report sheet whose formula gave an error (read as empty): ("F7", "#N/A").
    error_cells: list[tuple[str, str]] = field(default_factory=list)
    reader: str = ""  # which parser read the sheets: "calamine", "openpyxl" or "xlrd"

    def formula_warnings(self) -> list[tuple[str, str]]:
        """(cell, message) for each formula cell of the report sheet without a result or
        with an error result."""
        return [(c, UNCALCULATED_FORMULA) for c in self.uncalculated_cells] + [
            (c, FORMULA_ERROR.format(error=e or "错误值")) for c, e in self.error_cells
        ]

    def cell_ref(self, key: str, row: int) -> str:
        """The A1 reference of column ``key`` on ``row`` ("G7")."""
        letter = self.columns.get(key) or layout.COLUMN_BY_KEY[key].letter
        return f"{letter}{row}"

    def row(self, number: int) -> SheetRow | None:
        return self._rows_by_number.get(number)

    @functools.cached_property
    def _rows_by_number(self) -> dict[int, SheetRow]:  # ``rows`` is final once read
        return {r.row: r for r in self.rows}


_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def cell_text(value: Any) -> str:
    """A cell value as text: numbers without a spurious ".0", dates as YYYY-MM-DD."""
    if value is None:
        return ""
    if isinstance(value, str):  # the common case first; printable text has no control
        if value.isprintable():
            return value.strip()
        return (_CONTROL_CHARS.sub("", value) if _CONTROL_CHARS.search(value) else value).strip()
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    # .xls cells can carry control characters that .xlsx's XML cannot: drop them.
    return _CONTROL_CHARS.sub("", str(value)).strip()


# --- entry point ----------------------------------------------------------------------


def read_returned_workbook(path: str | os.PathLike[str]) -> ReturnedWorkbook:
    """Read a returned workbook; raise UserError (Chinese, naming the file) when unusable."""
    path = Path(path)
    data = _read_bytes(path)
    sha256 = hashlib.sha256(data).hexdigest()
    sheets: _Source
    if data.startswith(_ZIP_MAGIC) or data.startswith(_EMPTY_ZIP_MAGIC):
        sheets, file_format = _open_zip(path, data)
    elif data.startswith(_OLE_MAGIC):
        if _ENCRYPTED_PACKAGE in data:
            raise _encrypted(path)
        sheets = _XlsSource(path, data)
        file_format = FORMAT_XLS
    else:
        raise UserError(_not_excel_message(path, data), file=path)
    try:
        workbook = _read(path, sheets, file_format, len(data), sha256)
    finally:
        sheets.close()
    workbook.content = data
    return workbook


def _read_bytes(path: Path) -> bytes:
    try:
        size = path.stat().st_size
    except FileNotFoundError as exc:
        raise UserError("找不到该文件，可能已被移动或删除。", file=path) from exc
    except OSError as exc:
        raise UserError(f"无法读取该文件：{exc.strerror or exc}", file=path) from exc
    if path.is_dir():
        raise UserError("这是一个文件夹，不是 Excel 文件。", file=path)
    if size == 0:
        raise UserError(
            "文件是空的（0 字节），可能没有保存完整或传输失败，请让报送单位重新发送。", file=path
        )
    if size > MAX_FILE_BYTES:
        raise UserError(
            f"文件过大（{size / 1024 / 1024:.1f} MB，上限 {MAX_FILE_BYTES // 1024 // 1024} MB），"
            "不像本办下发的报送表；请让报送单位删除图片等多余内容后重新发送。",
            file=path,
        )
    try:
        with open(path, "rb") as stream:
            data = stream.read(MAX_FILE_BYTES + 1)
    except PermissionError as exc:
        raise UserError(
            "文件正被其他程序占用或没有读取权限，请关闭 Excel/WPS 后重试。", file=path
        ) from exc
    except OSError as exc:
        raise UserError(f"无法读取该文件：{exc.strerror or exc}", file=path) from exc
    if not data:
        raise UserError(
            "文件是空的（0 字节），可能没有保存完整或传输失败，请让报送单位重新发送。", file=path
        )
    if len(data) > MAX_FILE_BYTES:
        raise UserError(
            f"文件过大（上限 {MAX_FILE_BYTES // 1024 // 1024} MB），不像本办下发的报送表。",
            file=path,
        )
    return data


def _not_excel_message(path: Path, data: bytes) -> str:
    head = data[:512].lstrip().lower()
    if head.startswith(b"%pdf"):
        return "这是 PDF 文件，不是 Excel 报送表；请让报送单位发送填好的 Excel 文件。"
    if head.startswith((b"<html", b"<!doctype html", b"<?xml", b"<table", b"mime-version")):
        return (
            "这是网页或 XML 格式的文件（扩展名被改成了 Excel），不是真正的 Excel 工作簿；"
            "请用 Excel/WPS 打开后“另存为”.xlsx 再报送。"
        )
    return "不是 Excel 工作簿（.xlsx/.xlsm/.xls/.ods），文件可能已损坏或扩展名被改动。"


def _encrypted(path: Path) -> UserError:
    return UserError(
        "工作簿设置了打开密码（已加密），无法读取；请让报送单位取消密码后重新发送。", file=path
    )


# --- sheet sources --------------------------------------------------------------------


class _Source:
    """The sheets of one workbook, whatever the format."""

    path: Path
    names: list[str]
    states: dict[str, str]
    reader = ""

    def rows(self, name: str, max_col: int) -> Iterator[tuple[int, tuple[Any, ...]]]:
        """(row number, values A..) of every stored row of sheet ``name``, in order."""
        raise NotImplementedError

    def declared_rows(self, name: str) -> int | None:
        return None

    def uncalculated(self, name: str) -> list[str]:
        """Formula cells of sheet ``name`` without a cached result ("F7")."""
        return []

    def error_values(self, name: str) -> list[tuple[str, str]]:
        """Cells of sheet ``name`` holding an error result: ("F7", "#DIV/0!")."""
        return []

    def close(self) -> None:
        pass


def _open_zip(path: Path, data: bytes) -> tuple[_Source, str]:
    """The source of a zip-based workbook (.xlsx/.xlsm or .ods), after the zip checks."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as exc:
        raise UserError(
            "文件已损坏（不是完整的 Excel 压缩包），可能没有传输完整；请让报送单位重新发送。",
            file=path,
        ) from exc
    try:
        names = {i.filename for i in infos}
        if "xl/workbook.xml" not in names and not any(
            n.lower() == "xl/workbook.xml" for n in names
        ):
            kind = _opendocument_kind(archive, names)
            if kind == "spreadsheet":
                read = _check_zip(path, archive, infos)
                return _CalamineSource.for_ods(path, archive, infos, read), FORMAT_ODS
            if kind is not None:
                raise UserError(
                    f"这是 OpenDocument {kind}（LibreOffice/WPS 的 .odt/.odp 等），"
                    "不是报送表；请报送本办下发的 Excel 报送表。",
                    file=path,
                )
            if any(n.startswith("word/") for n in names):
                raise UserError(
                    "这是 Word 文档（.docx），只是扩展名被改成了 Excel；"
                    "请报送本办下发的 Excel 报送表。",
                    file=path,
                )
            if any(n.startswith("ppt/") for n in names):
                raise UserError("这是 PowerPoint 文件，不是 Excel 报送表。", file=path)
            if "EncryptedPackage" in names:
                raise _encrypted(path)
            raise UserError("不是 Excel 工作簿：压缩包里没有工作簿内容。", file=path)
        read = _check_zip(path, archive, infos)
        fast = _CalamineSource.for_xlsx(path, archive, infos, read)
        if fast is not None:
            archive.close()
            return fast, FORMAT_XLSX
        return _XlsxSource(path, data, archive), FORMAT_XLSX
    except BaseException:
        archive.close()
        raise


def _opendocument_kind(archive: zipfile.ZipFile, names: set[str]) -> str | None:
    """The kind of an OpenDocument file ("spreadsheet" for .ods), None for other zips."""
    if "mimetype" not in names:
        return (
            "spreadsheet" if "content.xml" in names and "META-INF/manifest.xml" in names else None
        )
    try:
        info = archive.getinfo("mimetype")
        if info.file_size > 200:
            return None
        mimetype = archive.read(info).strip()
    except Exception:
        return None
    if mimetype.startswith(prescan.ODS_MIMETYPE):
        return "spreadsheet"
    kinds = {b"text": "文本文档", b"presentation": "演示文稿", b"graphics": "绘图"}
    if mimetype.startswith(b"application/vnd.oasis.opendocument."):
        tail = mimetype.rsplit(b".", 1)[-1]
        return kinds.get(tail, "文件")
    return None


class _XlsxSource(_Source):
    """openpyxl's read-only streaming parser: every .xlsx calamine is not given."""

    reader = "openpyxl"

    def __init__(self, path: Path, data: bytes, archive: zipfile.ZipFile) -> None:
        self.path = path
        self._zip = archive
        self._data = data
        self._open()

    def _open(self) -> None:
        import openpyxl
        from openpyxl.utils.exceptions import InvalidFileException

        try:
            # read_only streams the sheets; data_only reads cached formula results and
            # never evaluates anything; VBA is not kept (and never run anyway).
            self.wb = openpyxl.load_workbook(
                io.BytesIO(self._data), read_only=True, data_only=True, keep_links=False
            )
        except UserError:
            raise
        except _defused_errors() as exc:
            raise _xml_bomb(self.path) from exc
        except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, TypeError) as exc:
            if _caused_by_defused(exc):  # openpyxl wraps parser errors in ValueError
                raise _xml_bomb(self.path) from exc
            raise UserError(
                f"无法读取该 Excel 工作簿，文件可能已损坏（{type(exc).__name__}）。", file=self.path
            ) from exc
        except Exception as exc:  # any parser failure of a hostile or broken file
            raise UserError(
                f"无法读取该 Excel 工作簿，文件可能已损坏（{type(exc).__name__}）。", file=self.path
            ) from exc
        self.names = list(self.wb.sheetnames)
        self.states = {}
        for ws in self.wb.worksheets:
            self.states[ws.title] = getattr(ws, "sheet_state", "visible") or "visible"

    def declared_rows(self, name: str) -> int | None:
        ws = self.wb[name]
        try:
            return ws.max_row
        except Exception:
            return None

    def rows(self, name: str, max_col: int) -> Iterator[tuple[int, tuple[Any, ...]]]:
        ws = self.wb[name]
        if not hasattr(ws, "iter_rows"):  # a chartsheet
            return
        try:
            # max_row given: without it openpyxl stops at the declared <dimension>, and
            # rows a wrong dimension leaves out would be lost without a word.  The caller
            # stops after MAX_ROWS, so gaps ("missing rows") are filled lazily that far.
            rows = ws.iter_rows(min_row=1, max_row=_EXCEL_ROWS, max_col=max_col, values_only=True)
            for number, values in enumerate(rows, start=1):
                yield number, tuple(values)
        except UserError:
            raise
        except _defused_errors() as exc:
            raise _xml_bomb(self.path, name) from exc
        except Exception as exc:
            if _caused_by_defused(exc):
                raise _xml_bomb(self.path, name) from exc
            raise UserError(
                f"无法读取该工作表，内容可能已损坏（{type(exc).__name__}）。",
                file=self.path,
                sheet=name,
            ) from exc

    def uncalculated(self, name: str) -> list[str]:
        xml = self._sheet_xml(name)
        return prescan.uncalculated_formulas(xml, MAX_UNCALCULATED_REPORTED) if xml else []

    def error_values(self, name: str) -> list[tuple[str, str]]:
        xml = self._sheet_xml(name)
        return prescan.error_values(xml, MAX_UNCALCULATED_REPORTED) if xml else []

    def _sheet_xml(self, name: str) -> bytes | None:
        """The XML of sheet ``name`` (None when the file is not plain enough to say)."""
        try:
            parts = prescan.xlsx_sheet_parts(
                _inflate(self._zip, "xl/workbook.xml"),
                _inflate(self._zip, "xl/_rels/workbook.xml.rels"),
            )
            part = next((p.part for p in parts or () if p.name == name), None)
            return _inflate(self._zip, part) if part is not None else None
        except _NotPlain:
            return None

    def close(self) -> None:
        wb = getattr(self, "wb", None)
        if wb is not None:
            wb.close()
        self._zip.close()


# --- python-calamine ------------------------------------------------------------------


class _NotPlain(Exception):
    """A part python-calamine must not be given: read the file the careful way."""


def _inflate(archive: zipfile.ZipFile, name: str, read: dict[str, bytes] | None = None) -> bytes:
    """One entry, inflated by Python's zipfile within its declared size, CRC checked.

    ``read``: entries ``_check_zip`` already inflated whole (CRC checked at their end).
    """
    if read is not None and name in read:
        return read[name]
    try:
        info = archive.getinfo(name)
    except KeyError as exc:
        raise _NotPlain(name) from exc
    if info.file_size > MAX_ENTRY_BYTES or info.flag_bits & 0x1:  # too big / encrypted
        raise _NotPlain(name)
    try:
        with archive.open(info) as stream:
            data = stream.read(info.file_size + 1)
    except Exception as exc:  # BadZipFile (CRC), zlib.error, EOFError, ...
        raise _NotPlain(name) from exc
    if len(data) != info.file_size:
        raise _NotPlain(name)
    return data


# Bytes XML 1.0 forbids (Excel writes such characters as _xHHHH_): a broken part.
_RAW_CONTROL = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20)])
_NOT_RAW_CONTROL = bytes(b for b in range(256) if b not in _RAW_CONTROL)


def _has_raw_control(content: bytes) -> bool:
    """Whether ``content`` holds a byte XML 1.0 forbids (``bytes.translate`` deletes all
    the others: several times faster than a regex search over a whole sheet)."""
    return bool(content.translate(None, _NOT_RAW_CONTROL))


_DTD_ANYWHERE = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)


def _stored_zip(parts: dict[str, bytes]) -> bytes:
    """A new zip of exactly the checked parts, uncompressed: calamine inflates nothing."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as out:
        for name, content in parts.items():
            out.writestr(name, content)
    return buffer.getvalue()


def _is_system_exit(exc: BaseException) -> bool:
    return isinstance(exc, (KeyboardInterrupt, SystemExit, GeneratorExit, MemoryError))


_EXCEL_ROWS = 1_048_576  # the last row a sheet can have
_STATES = {"visible": "visible", "hidden": "hidden", "veryhidden": "veryHidden"}
_MAX_EXACT_FLOAT = 2.0**53


def _calamine_value(value: Any) -> Any:
    """A calamine cell as openpyxl reads it: None for empty, 95 for 95.0, datetimes.

    calamine decodes Excel's ``_xHHHH_`` escapes, so a cell can carry NUL and other
    control characters that no real answer has: they are dropped here.
    """
    if isinstance(value, str):
        if value == "":
            return None
        return _CONTROL_CHARS.sub("", value) if _CONTROL_CHARS.search(value) else value
    if isinstance(value, float):
        if value.is_integer() and abs(value) < _MAX_EXACT_FLOAT:
            return int(value)
        return value
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return dt.datetime(value.year, value.month, value.day)
    return value


def _calamine_row(row: list[Any]) -> tuple[Any, ...]:
    """``_calamine_value`` of every cell of a row; the common cells (empty, printable
    text) without a call: a sheet has hundreds of them."""
    return tuple(
        [
            None
            if value == ""
            else value
            if value.__class__ is str and value.isprintable()
            else _calamine_value(value)
            for value in row
        ]
    )


class _CalamineSource(_Source):
    """Sheets read by python-calamine from parts checked here; grids parsed up front."""

    reader = "calamine"

    def __init__(
        self,
        path: Path,
        names: list[str],
        states: dict[str, str],
        grids: dict[str, list[tuple[Any, ...]]],
        uncalculated: dict[str, list[str]],
        errors: dict[str, list[tuple[str, str]]] | None = None,
    ) -> None:
        self.path = path
        self.names = names
        self.states = states
        self._grids = grids
        self._uncalculated = uncalculated
        self._errors = errors or {}

    def rows(self, name: str, max_col: int) -> Iterator[tuple[int, tuple[Any, ...]]]:
        for number, values in enumerate(self._grids.get(name, ()), start=1):
            yield number, values[:max_col]

    def uncalculated(self, name: str) -> list[str]:
        return list(self._uncalculated.get(name, ()))

    def error_values(self, name: str) -> list[tuple[str, str]]:
        return list(self._errors.get(name, ()))

    @classmethod
    def for_xlsx(
        cls,
        path: Path,
        archive: zipfile.ZipFile,
        infos: list[zipfile.ZipInfo],
        read: dict[str, bytes] | None = None,
    ) -> _CalamineSource | None:
        """The calamine source of a plain .xlsx, or None: then openpyxl reads the file."""
        names = {i.filename for i in infos}
        try:
            workbook_xml = _inflate(archive, "xl/workbook.xml", read)
            rels_xml = _inflate(archive, "xl/_rels/workbook.xml.rels", read)
        except _NotPlain:
            return None
        kept = {"xl/workbook.xml": workbook_xml, "xl/_rels/workbook.xml.rels": rels_xml}
        for part in ("[Content_Types].xml", "_rels/.rels", "xl/styles.xml", "xl/sharedStrings.xml"):
            if part in names:
                try:
                    kept[part] = _inflate(archive, part, read)
                except _NotPlain:
                    return None
        if _DTD_ANYWHERE.search(workbook_xml) or _DTD_ANYWHERE.search(rels_xml):
            raise _xml_bomb(path)
        sheets = prescan.xlsx_sheet_parts(workbook_xml, rels_xml)
        if sheets is None or not sheets or len(sheets) > MAX_SHEETS:
            return None
        sst = kept.get("xl/sharedStrings.xml")
        if sst is not None and prescan.shared_string_count(sst) > MAX_SHARED_STRINGS:
            return None
        total = 0
        to_read: list[str] = []
        uncalculated: dict[str, list[str]] = {}
        errors: dict[str, list[tuple[str, str]]] = {}
        for sheet in sheets:
            if sheet.part in kept:  # two sheets on one part: not a plain file
                return None
            try:
                xml = _inflate(archive, sheet.part, read)
            except _NotPlain:
                return None
            kept[sheet.part] = xml
            if sheet.name == layout.INSTRUCTIONS_SHEET:
                continue  # never read (an empty part would do; the real one is small)
            extent = prescan.xlsx_extent(xml)
            cells = extent.rows * extent.columns
            if (
                extent.rows > MAX_ROWS
                or (extent.declared_rows or 0) > MAX_ROWS
                or extent.columns > CALAMINE_MAX_COLUMNS
                or cells > CALAMINE_MAX_CELLS
            ):
                return None
            total += cells
            if total > CALAMINE_MAX_CELLS:
                return None
            to_read.append(sheet.name)
            uncalculated[sheet.name] = prescan.uncalculated_formulas(xml, MAX_UNCALCULATED_REPORTED)
            errors[sheet.name] = prescan.error_values(xml, MAX_UNCALCULATED_REPORTED)
        for name, content in kept.items():
            if (read is None or name not in read) and _DTD_ANYWHERE.search(content):
                # _check_zip scanned what it read; the sheet by its name, never its part's
                raise _xml_bomb(path, next((x.name for x in sheets if x.part == name), None))
            if _has_raw_control(content):  # not XML at all; calamine would accept it
                return None
        grids = _calamine_grids(_stored_zip(kept), to_read)
        if grids is None:
            return None
        found, states, parsed = grids
        if found != [s.name for s in sheets]:
            return None
        return cls(path, found, states, parsed, uncalculated, errors)

    @classmethod
    def for_ods(
        cls,
        path: Path,
        archive: zipfile.ZipFile,
        infos: list[zipfile.ZipInfo],
        read: dict[str, bytes] | None = None,
    ) -> _CalamineSource:
        """The source of an OpenDocument spreadsheet (LibreOffice .ods); refuses, no fallback."""
        names = {i.filename for i in infos}
        broken = UserError(
            "无法读取该 .ods 工作簿，文件可能已损坏；请用 WPS/LibreOffice 打开后"
            "另存为 .xlsx 再报送。",
            file=path,
        )
        kept: dict[str, bytes] = {}
        for part in ("mimetype", "META-INF/manifest.xml", "content.xml", "styles.xml", "meta.xml"):
            if part in names:
                try:
                    kept[part] = _inflate(archive, part, read)
                except _NotPlain as exc:
                    raise broken from exc
        if "content.xml" not in kept:
            raise broken
        if any(_DTD_ANYWHERE.search(content) for content in kept.values()):
            raise _xml_bomb(path)
        if any(_has_raw_control(kept[n]) for n in kept if n != "mimetype"):
            raise broken
        tables = prescan.ods_tables(kept["content.xml"], CALAMINE_MAX_CELLS)
        if tables is None:
            raise broken
        if len(tables) > MAX_SHEETS:
            raise UserError(
                f"工作簿的工作表过多（{len(tables)} 个以上），不像本办下发的报送表。", file=path
            )
        for table in tables:
            if table.rows > MAX_ROWS:
                raise _too_many_rows(path, table.name, None)
            if table.columns > ODS_MAX_COLUMNS or table.cells > CALAMINE_MAX_CELLS:
                raise UserError(
                    f"工作表的填写范围过大（{table.rows} 行 × {table.columns} 列），"
                    "不像本办下发的报送表；请删除多余的内容后重新报送。",
                    file=path,
                    sheet=table.name,
                )
        if sum(t.cells for t in tables) > CALAMINE_MAX_CELLS * 2:
            raise UserError("工作簿的填写范围过大，不像本办下发的报送表。", file=path)
        to_read = [t.name for t in tables if t.name != layout.INSTRUCTIONS_SHEET]
        grids = _calamine_grids(_stored_zip(kept), to_read)
        if grids is None:
            raise broken
        found, states, parsed = grids
        uncalculated = {t.name: list(t.uncalculated[:MAX_UNCALCULATED_REPORTED]) for t in tables}
        errors = {t.name: list(t.errors[:MAX_UNCALCULATED_REPORTED]) for t in tables}
        return cls(path, found, states, parsed, uncalculated, errors)


def _calamine_grids(
    data: bytes, read: list[str]
) -> tuple[list[str], dict[str, str], dict[str, list[tuple[Any, ...]]]] | None:
    """(sheet names, states, grids of the sheets in ``read``) by python-calamine, or None."""
    try:
        from python_calamine import CalamineWorkbook
    except ImportError:  # pragma: no cover - a dependency; openpyxl still reads .xlsx
        return None
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        try:
            names = list(workbook.sheet_names)
            states: dict[str, str] = {}
            for meta in workbook.sheets_metadata:
                visible = str(meta.visible).rsplit(".", 1)[-1].lower()
                states[meta.name] = _STATES.get(visible, "visible")
                if "worksheet" not in str(meta.typ).lower():
                    return None
            grids: dict[str, list[tuple[Any, ...]]] = {}
            for name in read:
                if name not in names or name in grids:
                    return None
                sheet = workbook.get_sheet_by_name(name)
                grids[name] = [_calamine_row(row) for row in sheet.to_python(skip_empty_area=False)]
        finally:
            workbook.close()
    except BaseException as exc:  # pyo3's PanicException is a BaseException
        if _is_system_exit(exc):
            raise
        return None
    return names, states, grids


def _defused_errors() -> tuple[type[BaseException], ...]:
    try:
        from defusedxml import DefusedXmlException
    except ImportError:  # pragma: no cover - defusedxml is a dependency
        return ()
    return (DefusedXmlException,)


def _caused_by_defused(exc: BaseException) -> bool:
    errors = _defused_errors()
    seen = 0
    current: BaseException | None = exc
    while current is not None and seen < 10:
        if errors and isinstance(current, errors):
            return True
        current = current.__cause__ or current.__context__
        seen += 1
    return False


def _xml_bomb(path: Path, sheet: str | None = None) -> UserError:
    return UserError(
        "文件含有不安全的 XML 内容（实体定义/DOCTYPE，可能是“XML 炸弹”），已拒绝读取。",
        file=path,
        sheet=sheet,
    )


def _check_zip(
    path: Path, archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo]
) -> dict[str, bytes]:
    """Refuse zip bombs by the sizes the zip declares, before any entry is inflated.

    Returns the XML entries that the DTD scan read whole (name → bytes), for reuse.
    """
    if len(infos) > MAX_ZIP_ENTRIES:
        raise UserError(f"压缩包内文件过多（{len(infos)} 个），不像 Excel 报送表。", file=path)
    total = 0
    for info in infos:
        if info.file_size > MAX_ENTRY_BYTES:
            raise UserError(
                f"文件内部的“{info.filename}”解压后过大（{info.file_size / 1024 / 1024:.0f} MB，"
                f"上限 {MAX_ENTRY_BYTES // 1024 // 1024} MB），可能是“压缩炸弹”，已拒绝读取。",
                file=path,
            )
        total += info.file_size
        if total > MAX_TOTAL_BYTES:
            raise UserError(
                f"文件解压后总大小超过 {MAX_TOTAL_BYTES // 1024 // 1024} MB，"
                "可能是“压缩炸弹”，已拒绝读取。",
                file=path,
            )
    whole: dict[str, bytes] = {}
    # A DTD is never part of an Office file; refusing it here does not depend on which
    # XML parser openpyxl picked (it also uses defusedxml, which refuses entities).
    for info in infos:
        if not info.filename.lower().endswith((".xml", ".rels", ".vml")):
            continue
        try:
            with archive.open(info) as stream:
                head = stream.read(_DTD_SCAN_BYTES)
        except (zipfile.BadZipFile, EOFError, OSError, NotImplementedError, RuntimeError) as exc:
            if "encrypted" in str(exc).lower() or "password" in str(exc).lower():
                raise _encrypted(path) from exc
            raise UserError(f"文件已损坏：无法解压其中的“{info.filename}”。", file=path) from exc
        except Exception as exc:  # zlib.error and friends
            raise UserError(f"文件已损坏：无法解压其中的“{info.filename}”。", file=path) from exc
        if _DTD_ANYWHERE.search(head):
            raise _xml_bomb(path)  # the part's name ("sheet2") is no name the clerk sees
        if info.filename.lower() == "xl/sharedstrings.xml":
            _check_shared_strings(path, head)
        if len(head) < _DTD_SCAN_BYTES and len(head) == info.file_size:
            whole[info.filename] = head  # read to its end: zipfile checked the CRC
    return whole


def _check_shared_strings(path: Path, head: bytes) -> None:
    """Refuse a shared-string table declared larger than any real 报送表 needs."""
    m = re.search(rb'uniqueCount="(\d+)"', head) or re.search(rb'\bcount="(\d+)"', head)
    if m and int(m.group(1)) > MAX_SHARED_STRINGS:
        raise UserError(
            f"文件中的不同文字条目过多（{int(m.group(1))} 条，上限 {MAX_SHARED_STRINGS} 条），"
            "不像本办下发的报送表，已拒绝读取。",
            file=path,
        )


class _XlsSource(_Source):
    reader = "xlrd"

    def __init__(self, path: Path, data: bytes) -> None:
        import xlrd

        self.path = path
        try:
            self.book = xlrd.open_workbook(
                file_contents=data, on_demand=True, formatting_info=False, logfile=io.StringIO()
            )
        except xlrd.biffh.XLRDError as exc:
            text = str(exc).lower()
            if "encrypt" in text or "password" in text:
                raise _encrypted(path) from exc
            raise UserError(
                f"无法读取该 .xls 工作簿（{exc}）；请用 Excel/WPS 打开后另存为 .xlsx 再报送。",
                file=path,
            ) from exc
        except Exception as exc:  # xlrd raises assorted errors on broken OLE files
            raise UserError(
                "无法读取该 .xls 工作簿，文件可能已损坏；"
                "请用 Excel/WPS 打开后另存为 .xlsx 再报送。",
                file=path,
            ) from exc
        self.names = list(self.book.sheet_names())
        self._datemode = self.book.datemode
        self.states = {}
        for index, name in enumerate(self.names):
            sheet = self.book.sheet_by_index(index)
            self.states[name] = {0: "visible", 1: "hidden", 2: "veryHidden"}.get(
                getattr(sheet, "visibility", 0), "visible"
            )

    def declared_rows(self, name: str) -> int | None:
        return self.book.sheet_by_name(name).nrows

    def rows(self, name: str, max_col: int) -> Iterator[tuple[int, tuple[Any, ...]]]:
        import xlrd

        sheet = self.book.sheet_by_name(name)
        ncols = min(sheet.ncols, max_col)
        for r in range(sheet.nrows):
            values = []
            for c in range(ncols):
                cell = sheet.cell(r, c)
                values.append(self._value(cell, xlrd))
            yield r + 1, tuple(values)

    def error_values(self, name: str) -> list[tuple[str, str]]:
        import xlrd

        sheet = self.book.sheet_by_name(name)
        found: list[tuple[str, str]] = []
        for r in range(min(sheet.nrows, MAX_ROWS)):
            for c in range(min(sheet.ncols, MAX_COLUMNS)):
                cell = sheet.cell(r, c)
                if cell.ctype == xlrd.XL_CELL_ERROR and len(found) < MAX_UNCALCULATED_REPORTED:
                    text = xlrd.error_text_from_code.get(cell.value, "")
                    found.append((f"{column_letter(c + 1)}{r + 1}", text))
        return found

    def _value(self, cell: Any, xlrd: Any) -> Any:
        kind = cell.ctype
        if kind in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
            return None
        if kind == xlrd.XL_CELL_DATE:
            try:
                return xlrd.xldate.xldate_as_datetime(cell.value, self._datemode)
            except (ValueError, OverflowError, xlrd.xldate.XLDateError):
                return cell.value
        if kind == xlrd.XL_CELL_BOOLEAN:
            return bool(cell.value)
        if kind == xlrd.XL_CELL_ERROR:
            return None
        return cell.value

    def close(self) -> None:
        self.book.release_resources()


# --- reading the sheets ---------------------------------------------------------------


def _read(
    path: Path, source: _Source, file_format: str, size: int, sha256: str
) -> ReturnedWorkbook:
    if len(source.names) > MAX_SHEETS:
        raise UserError(
            f"工作簿的工作表过多（{len(source.names)} 个），不像本办下发的报送表。", file=path
        )
    identity_values = None
    if IDENTITY_SHEET in source.names:
        identity_values = _read_identity(path, source)
    sheet, header_row, columns, standard, sheet_rows = _find_report_sheet(path, source)
    declared = source.declared_rows(sheet)
    if declared is not None and declared > MAX_ROWS:
        raise _too_many_rows(path, sheet, declared)
    grid: list[tuple[int, tuple[Any, ...]]] = []
    for number, values in sheet_rows:
        if number > MAX_ROWS:
            raise _too_many_rows(path, sheet, None)
        if any(v is not None and v != "" for v in values):
            _check_lengths(path, sheet, number, values)
            grid.append((number, values))
    errors = source.error_values(sheet)
    if errors:  # an error result reads as empty, whichever program read the sheet
        grid = _without(grid, {_position(cell) for cell, _ in errors})
    title, header = _header_block(grid, header_row, standard)
    uncalculated = source.uncalculated(sheet)
    rows = []
    indexes = [(key, _index(letter)) for key, letter in columns.items()]
    for number, values in grid:
        if number <= header_row:
            continue
        row_values = {key: _cell(values, index) for key, index in indexes}
        if any(v is not None and cell_text(v) != "" for v in row_values.values()):
            rows.append(SheetRow(number, row_values))
    return ReturnedWorkbook(
        path=path,
        file_name=path.name,
        file_format=file_format,
        size=size,
        sha256=sha256,
        sheet_names=list(source.names),
        report_sheet=sheet,
        standard_layout=standard,
        columns=columns,
        header_row=header_row,
        title=title,
        header=header,
        rows=rows,
        identity_values=identity_values,
        sheet_states=dict(source.states),
        uncalculated_cells=uncalculated,
        error_cells=errors,
        reader=source.reader,
    )


def _position(cell: str) -> tuple[int, int]:
    """The row number and the 0-based column of a reference: "F7" → (7, 5)."""
    letters = cell.rstrip("0123456789")
    return int(cell[len(letters) :]), _index(letters) - 1


def _without(
    grid: list[tuple[int, tuple[Any, ...]]], cells: set[tuple[int, int]]
) -> list[tuple[int, tuple[Any, ...]]]:
    """The grid with the given cells (row, 0-based column) empty."""
    rows = {row for row, _ in cells}
    return [
        (number, values)
        if number not in rows
        else (number, tuple(None if (number, i) in cells else v for i, v in enumerate(values)))
        for number, values in grid
    ]


def _too_many_rows(path: Path, sheet: str, declared: int | None) -> UserError:
    said = f"（该表声明有 {declared} 行）" if declared else ""
    return UserError(
        f"工作表行数超过上限 {MAX_ROWS} 行{said}，不像本办下发的报送表；"
        "请删除多余的行（包括设置了格式的空行）后重新报送。",
        file=path,
        sheet=sheet,
    )


def _check_lengths(path: Path, sheet: str, number: int, values: Iterable[Any]) -> None:
    for index, value in enumerate(values, start=1):
        if isinstance(value, str) and len(value) > MAX_CELL_CHARS:
            raise UserError(
                f"单元格内容过长（{len(value)} 字，上限 {MAX_CELL_CHARS} 字），请精简后重新报送。",
                file=path,
                sheet=sheet,
                cell=f"{column_letter(index)}{number}",
            )


def _index(letter: str) -> int:
    n = 0
    for ch in letter:
        n = n * 26 + ord(ch) - ord("A") + 1
    return n


def _cell(values: tuple[Any, ...], index: int) -> Any:
    value = values[index - 1] if index - 1 < len(values) else None
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def _read_identity(path: Path, source: _Source) -> dict[str, Any]:
    pairs: dict[str, Any] = {}
    for number, values in source.rows(IDENTITY_SHEET, 2):
        if number > MAX_IDENTITY_ROWS:
            break
        key = values[0] if values else None
        value = values[1] if len(values) > 1 else None
        if key is None or cell_text(key) == "":
            continue
        if isinstance(value, str) and len(value) > MAX_IDENTITY_CHARS:
            raise UserError(
                "隐藏标识内容过长，文件可能被改动。",
                file=path,
                sheet=IDENTITY_SHEET,
                cell=f"B{number}",
            )
        pairs[cell_text(key)] = value
    return pairs


_READ_COLUMNS = max(MAX_COLUMNS, _index(layout.LAST_COLUMN))


def _find_report_sheet(
    path: Path, source: _Source
) -> tuple[str, int, dict[str, str], bool, Iterator[tuple[int, tuple[Any, ...]]]]:
    """(sheet, header row, column key → letter, is the template's own layout, its rows).

    The rows are every row of the sheet from the first: the ones scanned for the header
    and then the rest of the same pass, so that the sheet is parsed once.
    """
    standard_columns = {c.key: c.letter for c in layout.COLUMNS}
    candidates = [n for n in source.names if n not in (IDENTITY_SHEET, layout.INSTRUCTIONS_SHEET)]
    if layout.REPORT_SHEET in candidates:
        candidates.remove(layout.REPORT_SHEET)
        candidates.insert(0, layout.REPORT_SHEET)
    for name in candidates:
        if source.states.get(name, "visible") != "visible" and name != layout.REPORT_SHEET:
            continue
        head: list[tuple[int, tuple[Any, ...]]] = []
        rows = source.rows(name, _READ_COLUMNS)
        for number, values in rows:
            head.append((number, values))
            if number >= HEADER_SCAN_ROWS:
                break
        found = _header_in([(n, v[:MAX_COLUMNS]) for n, v in head if n <= HEADER_SCAN_ROWS])
        if found is None:
            continue
        header_row, columns = found
        standard = (
            name == layout.REPORT_SHEET
            and header_row in layout.HEADER_FIELDS_BY_ROW  # version 2 or version 1
            and all(columns.get(k) == standard_columns[k] for k in ("seq", "task", "status"))
        )
        sheet_rows = itertools.chain(head, rows)
        if standard:
            # A column added after a template went out (佐证材料) is read only where its
            # title is: column M of a version 2 file is no column of the template.
            own = {
                k: letter
                for k, letter in standard_columns.items()
                if k not in layout.OPTIONAL_KEYS or columns.get(k) == letter
            }
            return name, header_row, own, True, sheet_rows
        return name, header_row, columns, False, sheet_rows
    raise UserError(
        f"未找到报送表：工作簿中没有名为“{layout.REPORT_SHEET}”的工作表，"
        "也没有含“序号”“任务内容”“完成情况”等列标题的表格。请使用本办下发的报送表填报。",
        file=path,
    )


def title_key(title: Any) -> str | None:
    """The column key a title stands for ("完成情况" → "status"), or None."""
    if isinstance(title, str):
        return _text_title_key(title)
    return _title_key(title)


@functools.lru_cache(maxsize=4096)
def _text_title_key(title: str) -> str | None:
    """``title_key`` of a text: a batch's sheets repeat the same titles."""
    return _title_key(title)


def _title_key(title: Any) -> str | None:
    text = squash(title).replace("*", "").replace("＊", "")
    text = re.sub(r"[（(].*?[）)]", "", text) or text
    if not text or len(text) > 20:
        return None
    for key, aliases in TITLE_ALIASES.items():
        if text in aliases:
            return key
    best: tuple[int, str] | None = None
    for key, aliases in TITLE_ALIASES.items():
        for alias in aliases:
            if len(alias) >= 2 and alias in text and (best is None or len(alias) > best[0]):
                best = (len(alias), key)
    return best[1] if best else None


def _header_in(head: list[tuple[int, tuple[Any, ...]]]) -> tuple[int, dict[str, str]] | None:
    """The row of column titles (needs 任务内容 and one answer column) and its columns."""
    for number, values in head:
        columns: dict[str, str] = {}
        for index, value in enumerate(values, start=1):
            if value is None:
                continue
            key = title_key(value)
            if key and key not in columns:
                columns[key] = column_letter(index)
        answers = {"status", "measures", "value"} & set(columns)
        if "task" in columns and answers:
            return number, columns
    return None


def _header_block(
    grid: list[tuple[int, tuple[Any, ...]]], header_row: int, standard: bool
) -> tuple[str, dict[str, str]]:
    """The title (first text above the header) and 填报单位/填报人/联系电话/填报日期."""
    above = [(n, v) for n, v in grid if n < header_row]
    title = ""
    for _, values in above:
        texts = [cell_text(v) for v in values if cell_text(v)]
        if texts:
            title = texts[0]
            break
    header = {key: "" for key in HEADER_LABELS}
    if standard:
        by_number = dict(above)

        def at(ref: str) -> str:
            letter, row = re.match(r"([A-Z]+)(\d+)", ref).groups()  # type: ignore[union-attr]
            return cell_text(_cell(by_number.get(int(row), ()), _index(letter)))

        # The layout version is told by the row of the column titles (5: version 2,
        # 4: version 1, templates sent out by earlier versions).
        for f in layout.HEADER_FIELDS_BY_ROW[header_row]:
            text = at(f.value_cell)
            if f.value_cell == f.label_cell:  # "填报单位：县市场监管局" in one cell
                text = re.sub(r"^\s*" + re.escape(f.label) + r"\s*[:：]?\s*", "", text)
            header[f.key] = text.strip()
        return title, header
    for _, values in above:
        for index, value in enumerate(values):
            text = cell_text(value)
            if not text:
                continue
            for key, labels in HEADER_LABELS.items():
                if header[key]:
                    continue
                label = next((lb for lb in labels if squash(text).startswith(lb)), None)
                if label is None:
                    continue
                rest = re.sub(r"^\s*" + r"\s*".join(label) + r"\s*[:：]?\s*", "", text)
                if rest:
                    header[key] = rest.strip()
                else:
                    following = [cell_text(v) for v in values[index + 1 :] if cell_text(v)]
                    if (
                        following
                        and title_key(following[0]) is None
                        and not any(
                            squash(following[0]).startswith(lb)
                            for lbs in HEADER_LABELS.values()
                            for lb in lbs
                        )
                    ):
                        header[key] = following[0]
                break
    return title, header
