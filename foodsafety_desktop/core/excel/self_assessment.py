"""The 自评表: a unit's self-assessment workbook generated from a 考核细则, written and
read back (no database here; ``services.assessment_scores`` does the rest).

Like the period 报送表 (``services.templates``): sheets 填报说明, 自评表 and a very
hidden ``_identity`` sheet carrying which 细则 and unit the file was made for and which
细则 item each data row stands for, signed with an HMAC keyed by the office's secret
(``settings.office_secret``).  Everything but the cells to fill is locked.  Columns
A–E come from the 细则 (序号, 考核内容, 分值, 评分标准, 佐证材料要求); F 自评分 (a
number 0..分值; for a 扣分项 the points taken off, for a 加分项 the points added),
G 自评说明 and H 佐证材料清单 are the unit's.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from foodsafety_desktop.core.errors import UserError
from foodsafety_desktop.core.excel.identity import (
    CHUNK,
    IDENTITY_SHEET,
    canonical,
    sign,
    text_sha1,
)
from foodsafety_desktop.core.excel.sheet_format import (
    LINE_HEIGHT,
    a4_landscape,
    form_styles,
    save_workbook,
    set_text,
    wrapped_lines,
)

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

# Version 2 signs a digest of every locked cell of every row (序号, 考核内容, 分值, 评分标准,
# 佐证材料要求; key "locked"); version 1 files (sent out before) signed only 考核内容
# and are still read and verified under their own rule.
FORMAT_V1 = "foodsafety-desktop/self-assessment/1"
FORMAT = "foodsafety-desktop/self-assessment/2"
FORMATS = (FORMAT_V1, FORMAT)
INSTRUCTIONS_SHEET = "填报说明"
SHEET = "自评表"

TITLE_ROW = 1
HINT_ROW = 4
HEADER_ROW = 5
FIRST_DATA_ROW = 6
# Header block (rows 2–3): label cell → value cell.
DEPARTMENT_CELL = "A2"  # 填报单位：…, locked, merged A2:B2
PERIOD_CELL = "A3"  # 考核年度：…, locked, merged A3:B3
HEADER_FIELDS = (
    # key, label, label cell, value cell, value end (merged)
    ("reporter", "填报人", "C2", "D2", "D2"),
    ("phone", "联系电话", "E2", "F2", "G2"),
    ("filled_on", "填报日期", "C3", "D3", "D3"),
    ("leader", "单位负责人（签字）", "E3", "F3", "G3"),
)
HEADER_CELLS = {key: value for key, _label, _cell, value, _end in HEADER_FIELDS}


@dataclass(frozen=True)
class Column:
    key: str
    letter: str
    title: str
    width: float
    locked: bool


COLUMNS = (
    Column("seq", "A", "序号", 7, True),
    Column("title", "B", "考核内容", 34, True),
    Column("points", "C", "分值", 8, True),
    Column("rule", "D", "评分标准", 34, True),
    Column("evidence", "E", "佐证材料要求", 22, True),
    Column("score", "F", "自评分", 9, False),
    Column("note", "G", "自评说明", 26, False),
    Column("evidence_list", "H", "佐证材料清单", 26, False),
)
COLUMN_BY_KEY = {c.key: c for c in COLUMNS}
LAST_COLUMN = COLUMNS[-1].letter
INPUT_KEYS = ("score", "note", "evidence_list")

# The locked cells of a data row that come from the 细则, in the order of their digests.
LOCKED_KEYS = ("seq", "title", "points", "rule", "evidence")

MAX_ROWS = 2000
MAX_CELL_CHARS = 10000


def cell(key: str, row: int) -> str:
    return f"{COLUMN_BY_KEY[key].letter}{row}"


def points_text(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


# --- the rows and the identity --------------------------------------------------------


@dataclass(frozen=True)
class SelfRow:
    """One data row: a 细则 item (a heading has no input cells)."""

    row: int
    item_id: int
    seq: str  # 序号 as shown: 一 / （一） / 1
    title: str
    level: int
    points: float | None
    points_label: str  # 分值 as shown: 10 / 最高加5 / 扣10
    rule: str
    evidence: str
    heading: bool  # has items below it: scored through them
    bonus: bool = False
    deduction: bool = False

    @property
    def text_sha1(self) -> str:
        return text_sha1(self.title)

    def locked_digests(self) -> tuple[str, ...]:
        """``locked_digest`` of each cell of ``LOCKED_KEYS`` as written."""
        shown = {
            "seq": self.seq,
            "title": self.title,
            "points": self.points_label,
            "rule": self.rule,
            "evidence": self.evidence,
        }
        return tuple(locked_digest(shown[key]) for key in LOCKED_KEYS)


def locked_digest(value: Any) -> str:
    """Digest of a locked cell as read back (a number re-saved as 4.0 is "4"), short:
    the HMAC over all of them is what a unit cannot forge."""
    return text_sha1(_text(value))[:16]


@dataclass(frozen=True)
class SelfIdentity:
    """The 细则, the unit and the rows a 自评表 was generated for."""

    assessment_id: int
    assessment_title: str
    year: int
    kind: str
    department_id: int
    department_name: str
    generated_at: str
    # (sheet row, item id, text_sha1 of 考核内容, 分值) of each row with input cells
    rows: tuple[tuple[int, int, str, float | None], ...] = field(default_factory=tuple)
    format: str = FORMAT
    # (sheet row, locked_digest of each of LOCKED_KEYS) of every row, headings too;
    # empty in a version 1 identity
    locked: tuple[tuple[int, tuple[str, ...]], ...] = field(default_factory=tuple)

    def values(self) -> dict[str, str]:
        values = {
            "format": self.format,
            "assessment_id": str(self.assessment_id),
            "assessment_title": self.assessment_title,
            "year": str(self.year),
            "kind": self.kind,
            "department_id": str(self.department_id),
            "department_name": self.department_name,
            "generated_at": self.generated_at,
            "rows": canonical([list(r) for r in self.rows]),
        }
        if self.format != FORMAT_V1:
            # after "rows": a version 1 identity keeps its exact keys (signature)
            values["locked"] = canonical([[r, list(d)] for r, d in self.locked])
        return values


_KEYS = (
    "format",
    "assessment_id",
    "assessment_title",
    "year",
    "kind",
    "department_id",
    "department_name",
    "generated_at",
    "rows",
)
_CONTINUATION = re.compile(r"^(?P<key>[a-z_]+)\.(?P<n>\d+)$")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def parse_identity(pairs: dict[str, Any]) -> tuple[SelfIdentity, str] | None:
    """The identity and its signature from the ``_identity`` sheet's A→B pairs; None
    when they are not a 自评表's (another kind of file, or damaged)."""
    texts: dict[str, str] = {}
    continuations: dict[str, list[tuple[int, str]]] = {}
    for raw_key, raw_value in pairs.items():
        key = _text(raw_key).strip()
        if m := _CONTINUATION.match(key):
            continuations.setdefault(m["key"], []).append((int(m["n"]), _text(raw_value)))
        else:
            texts[key] = _text(raw_value)
    for key, parts in continuations.items():
        if key in texts:
            texts[key] += "".join(v for _, v in sorted(parts))
    version = texts.get("format")
    keys = _KEYS if version == FORMAT_V1 else (*_KEYS, "locked")
    if version not in FORMATS or any(k not in texts for k in keys):
        return None
    try:
        locked: tuple[tuple[int, tuple[str, ...]], ...] = ()
        if version != FORMAT_V1:
            locked = tuple(
                (int(r), tuple(str(d) for d in digests))
                for r, digests in json.loads(texts["locked"])
            )
            if any(len(d) != len(LOCKED_KEYS) for _r, d in locked):
                return None
        rows = tuple(
            (int(r[0]), int(r[1]), str(r[2]), None if r[3] is None else float(r[3]))
            for r in json.loads(texts["rows"])
        )
        identity = SelfIdentity(
            assessment_id=int(texts["assessment_id"]),
            assessment_title=texts["assessment_title"],
            year=int(texts["year"]),
            kind=texts["kind"],
            department_id=int(texts["department_id"]),
            department_name=texts["department_name"],
            generated_at=texts["generated_at"],
            rows=rows,
            format=str(version),
            locked=locked,
        )
    except (ValueError, TypeError, IndexError, KeyError):
        return None
    return identity, texts.get("signature", "").strip()


# --- writing --------------------------------------------------------------------------


def sheet_title(assessment_title: str) -> str:
    """清河县2026年度乡镇（街道）食品安全工作评议考核细则 → …评议考核自评表."""
    title = assessment_title.strip()
    for ending in ("细则", "评分表", "评分标准"):
        if title.endswith(ending):
            title = title[: -len(ending)]
            break
    return f"{title}自评表"


def instruction_lines(
    title: str, department: str, year: int, kind: str, office_name: str, contact: str
) -> list[tuple[str, str]]:
    fill = [
        f"1. 请打开“{SHEET}”工作表，在表头填写填报人、联系电话和填报日期；打印后由单位负责人签字。",
        "2. 表中每一行是考核细则的一项；浅黄色单元格由本单位填写：",
        "   · 自评分：只填数字，不超过该项分值（例如分值为 5，可填 0 到 5，可以有小数如 4.5）；",
        "   · 加分项：填写按评分标准可加的分数，没有加分的填 0 或不填；",
        "   · 扣分项：填写按评分标准应扣的分数，没有扣分情形的填 0 或不填；",
        "   · 自评说明：写明得分或失分的理由；佐证材料清单：列出该项的佐证材料"
        "（文件、记录、照片等）名称，佐证材料按清单一并报送。",
        "3. 序号、考核内容、分值、评分标准、佐证材料要求来自考核细则，已锁定，不能修改。",
        "4. 请不要插入、删除或移动行和列，也不要另建表格：本文件带有自动汇总用的"
        "识别信息，请直接在本文件中填写。",
    ]
    send = (
        f"填好后直接保存（Excel 或 WPS 均可），通过电子邮件、U盘或微信把文件发送给"
        f"{office_name}；如需更正，在本文件中修改后重新报送，以最后一次报送为准。"
    )
    lines: list[tuple[str, str]] = [
        ("title", f"{title}填报说明"),
        ("body", ""),
        ("bold", f"填报单位：{department}"),
        ("bold", f"考核年度：{year}年度（对{kind}）"),
        ("bold", f"报送至：{office_name}" + (f"（{contact}）" if contact else "")),
        ("body", ""),
        ("bold", "怎样填写"),
        *(("body", line) for line in fill),
        ("body", ""),
        ("bold", "怎样报送"),
        ("body", send),
    ]
    return lines


def _unlocked() -> Any:
    from openpyxl.styles import Protection

    return Protection(locked=False)


def _protect(ws: Worksheet, password: str | None) -> None:
    ws.protection.sheet = True
    ws.protection.formatRows = False
    ws.protection.formatColumns = False
    ws.protection.selectLockedCells = False
    ws.protection.selectUnlockedCells = False
    if password:
        ws.protection.password = password


def write_self_workbook(
    path: str | os.PathLike[str],
    *,
    identity: SelfIdentity,
    rows: list[SelfRow],
    secret: bytes,
    office_name: str,
    office_contact: str = "",
    password: str | None = None,
) -> Path:
    """Write the 自评表 of ``identity`` (rows from ``self_rows``) to ``path``, atomically."""
    from openpyxl import Workbook
    from openpyxl.workbook.protection import WorkbookProtection

    path = Path(path)
    styles = form_styles()
    title = sheet_title(identity.assessment_title)
    wb = Workbook()
    wb.properties.creator = "食安台账"
    wb.properties.title = title
    instructions = wb.active
    instructions.title = INSTRUCTIONS_SHEET
    _write_instructions(
        instructions,
        instruction_lines(
            title,
            identity.department_name,
            identity.year,
            identity.kind,
            office_name,
            office_contact,
        ),
        styles,
        password,
    )
    ws = wb.create_sheet(SHEET)
    _write_sheet(ws, title, identity, rows, styles, password)
    _write_identity(wb, identity, secret)
    wb.active = wb.sheetnames.index(SHEET)
    instructions.sheet_view.tabSelected = False
    ws.sheet_view.tabSelected = True
    wb.security = WorkbookProtection(lockStructure=True)
    if password:
        wb.security.workbookPassword = password
    save_workbook(wb, path)
    return path


def _write_identity(wb: Any, identity: SelfIdentity, secret: bytes) -> None:
    ws = wb.create_sheet(IDENTITY_SHEET)
    pairs: list[tuple[str, str]] = []
    for key, value in identity.values().items():
        chunks = [value[i : i + CHUNK] for i in range(0, len(value), CHUNK)] or [""]
        pairs.append((key, chunks[0]))
        pairs.extend((f"{key}.{n}", chunk) for n, chunk in enumerate(chunks[1:], start=1))
    pairs.append(("signature", sign(identity, secret)))
    for r, (key, value) in enumerate(pairs, start=1):
        ws.cell(r, 1).value = key
        c = ws.cell(r, 2)
        c.value = value
        c.data_type = "s"
    ws.sheet_state = "veryHidden"
    ws.protection.sheet = True


def _write_instructions(
    ws: Worksheet, lines: list[tuple[str, str]], styles: dict[str, Any], password: str | None
) -> None:
    from openpyxl.worksheet.properties import PageSetupProperties

    width = 88
    ws.column_dimensions["A"].width = width
    ws.column_dimensions["B"].width = 2  # see services.templates: LibreOffice's fit to width
    for r, (style, text) in enumerate(lines, start=1):
        c = ws.cell(r, 1)
        set_text(c, text)
        c.font = styles[style]
        c.alignment = styles["center"] if style == "title" else styles["wrap"]
        if style == "title":
            ws.row_dimensions[r].height = wrapped_lines(text, width * 0.92 * 11 / 16) * 22 + 10
        elif text:
            ws.row_dimensions[r].height = wrapped_lines(text, width * 0.92) * LINE_HEIGHT + 5
    ws.page_setup.orientation = "portrait"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.print_area = f"A1:B{len(lines)}"
    _protect(ws, password)


def _write_sheet(
    ws: Worksheet,
    title: str,
    identity: SelfIdentity,
    rows: list[SelfRow],
    styles: dict[str, Any],
    password: str | None,
) -> None:
    from openpyxl.worksheet.datavalidation import DataValidation

    width = sum(c.width for c in COLUMNS)
    for column in COLUMNS:
        ws.column_dimensions[column.letter].width = column.width
    ws.merge_cells(f"A{TITLE_ROW}:{LAST_COLUMN}{TITLE_ROW}")
    t = ws[f"A{TITLE_ROW}"]
    set_text(t, title)
    t.font = styles["title"]
    t.alignment = styles["center"]
    ws.row_dimensions[TITLE_ROW].height = wrapped_lines(title, width * 11 / 16) * 22 + 8

    ws.merge_cells("A2:B2")
    set_text(ws[DEPARTMENT_CELL], f"填报单位：{identity.department_name}")
    ws.merge_cells("A3:B3")
    set_text(ws[PERIOD_CELL], f"考核年度：{identity.year}年度（对{identity.kind}）")
    for ref in (DEPARTMENT_CELL, PERIOD_CELL):
        ws[ref].font = styles["bold"]
        ws[ref].alignment = styles["left"]
    for _key, label, label_cell, value_cell, value_end in HEADER_FIELDS:
        lab = ws[label_cell]
        lab.value = f"{label}："
        lab.font = styles["bold"]
        lab.alignment = styles["right"]
        if value_end != value_cell:
            ws.merge_cells(f"{value_cell}:{value_end}")
        value = ws[value_cell]
        value.protection = _unlocked()
        value.fill = styles["input_fill"]
        value.font = styles["body"]
        value.alignment = styles["left"]
        value.border = styles["underline"]
    for r in (2, 3):
        ws.row_dimensions[r].height = 24

    ws.merge_cells(f"A{HINT_ROW}:{LAST_COLUMN}{HINT_ROW}")
    hint = ws[f"A{HINT_ROW}"]
    hint.value = (
        f"填写前请先阅读“{INSTRUCTIONS_SHEET}”。浅黄色单元格为填写区：自评分只填数字，"
        "不超过该项分值（扣分项填应扣的分数），请勿增删行列。"
    )
    hint.font = styles["hint"]
    hint.alignment = styles["wrap"]
    ws.row_dimensions[HINT_ROW].height = (wrapped_lines(hint.value, width * 0.92) + 1) * LINE_HEIGHT

    for column in COLUMNS:
        c = ws[f"{column.letter}{HEADER_ROW}"]
        c.value = column.title
        c.font = styles["bold"]
        c.fill = styles["header_fill"]
        c.alignment = styles["center"]
        c.border = styles["border"]
    ws.row_dimensions[HEADER_ROW].height = 30

    validations: dict[tuple[float, str], DataValidation] = {}
    for row in rows:
        r = row.row
        values = {
            "seq": row.seq,
            "title": row.title,
            "points": row.points_label,
            "rule": row.rule,
            "evidence": row.evidence,
        }
        for column in COLUMNS:
            c = ws[f"{column.letter}{r}"]
            c.border = styles["border"]
            c.font = styles["bold"] if row.heading else styles["body"]
            c.alignment = (
                styles["wrap"]
                if column.key in ("title", "rule", "evidence", "note", "evidence_list")
                else styles["top_center"]
            )
            if column.key in values:
                set_text(c, values[column.key])
                if row.heading:
                    c.fill = styles["heading_fill"]
                continue
            if row.heading:
                c.fill = styles["heading_fill"]
                continue
            c.protection = _unlocked()
            c.fill = styles["input_fill"]
        if not row.heading and row.points is not None:
            what = "扣分" if row.deduction else "加分" if row.bonus else "自评分"
            key = (row.points, what)
            if key not in validations:
                limit = points_text(row.points)
                validations[key] = DataValidation(
                    type="decimal",
                    operator="between",
                    formula1="0",
                    formula2=limit,
                    allow_blank=True,
                    showErrorMessage=True,
                    errorTitle=what,
                    error=f"请填写 0 到 {limit} 之间的数字",
                    showInputMessage=True,
                    promptTitle=what,
                    prompt=(
                        f"填写应扣的分数，0 到 {limit}"
                        if row.deduction
                        else f"填写 0 到 {limit} 之间的数字"
                    ),
                )
            validations[key].add(cell("score", r))
        # 11pt 宋体 draws a CJK character a little wider than two digits (templates).
        lines = max(
            wrapped_lines(row.title, COLUMN_BY_KEY["title"].width * 0.92),
            wrapped_lines(row.rule, COLUMN_BY_KEY["rule"].width * 0.92),
            wrapped_lines(row.evidence, COLUMN_BY_KEY["evidence"].width * 0.92),
            1 if row.heading else 2,
        )
        ws.row_dimensions[r].height = min(409, lines * LINE_HEIGHT + 6)
    for validation in validations.values():
        ws.add_data_validation(validation)
    ws.freeze_panes = f"A{FIRST_DATA_ROW}"
    last_row = rows[-1].row if rows else HEADER_ROW
    a4_landscape(
        ws, title_row=HEADER_ROW, print_area=f"A1:{LAST_COLUMN}{last_row}", side_margin=0.4
    )
    _protect(ws, password)


# --- reading --------------------------------------------------------------------------


@dataclass
class SelfWorkbook:
    """What a returned 自评表 says, as read (nothing checked against the database)."""

    path: Path
    file_name: str
    sha256: str
    content: bytes = field(repr=False)
    identity_values: dict[str, Any] | None
    header: dict[str, str]  # reporter / phone / filled_on / leader, department / period
    cells: dict[int, dict[str, Any]]  # sheet row → column key → value
    mtime: dt.datetime | None = None


def read_self_workbook(path: str | os.PathLike[str]) -> SelfWorkbook:
    """Read a returned 自评表 with the safety checks of the 报送表 reader (sizes, zip
    bombs, DTDs, encryption); UserError naming the file when it is not one."""
    from foodsafety_desktop.core.excel import workbook_reader as wr

    path = Path(path)
    data = wr._read_bytes(path)
    source: Any
    if data.startswith(wr._ZIP_MAGIC) or data.startswith(wr._EMPTY_ZIP_MAGIC):
        source, _format = wr._open_zip(path, data)
    elif data.startswith(wr._OLE_MAGIC):
        if wr._ENCRYPTED_PACKAGE in data:
            raise wr._encrypted(path)
        source = wr._XlsSource(path, data)
    else:
        raise UserError(wr._not_excel_message(path, data), file=path)
    try:
        if SHEET not in source.names:
            what = "报送表" if "报送表" in source.names else "Excel 工作簿"
            raise UserError(
                f"这是{what}，不是本办下发的自评表（没有“{SHEET}”工作表）；"
                "请使用食安办下发的自评表填报。",
                file=path,
            )
        identity = wr._read_identity(path, source) if IDENTITY_SHEET in source.names else None
        grid: dict[int, dict[str, Any]] = {}
        header: dict[str, str] = {}
        letters = {c.letter: c.key for c in COLUMNS}
        header_refs = {ref: key for key, ref in HEADER_CELLS.items()}
        header_refs[DEPARTMENT_CELL] = "department"
        header_refs[PERIOD_CELL] = "period"
        for number, values in source.rows(SHEET, len(COLUMNS)):
            if number > MAX_ROWS:
                raise UserError(
                    f"工作表行数超过上限 {MAX_ROWS} 行，不像本办下发的自评表。",
                    file=path,
                    sheet=SHEET,
                )
            for index, value in enumerate(values[: len(COLUMNS)]):
                letter = COLUMNS[index].letter
                if isinstance(value, str) and len(value) > MAX_CELL_CHARS:
                    raise UserError(
                        f"单元格内容过长（{len(value)} 字，上限 {MAX_CELL_CHARS} 字），"
                        "请精简后重新报送。",
                        file=path,
                        sheet=SHEET,
                        cell=f"{letter}{number}",
                    )
                ref = f"{letter}{number}"
                if ref in header_refs:
                    header[header_refs[ref]] = wr.cell_text(value)
                if number >= FIRST_DATA_ROW:
                    if isinstance(value, str):
                        value = value.strip() or None
                    grid.setdefault(number, {})[letters[letter]] = value
    finally:
        source.close()
    try:
        mtime = dt.datetime.fromtimestamp(path.stat().st_mtime)
    except OSError:
        mtime = None
    return SelfWorkbook(
        path=path,
        file_name=path.name,
        sha256=hashlib.sha256(data).hexdigest(),
        content=data,
        identity_values=identity,
        header=header,
        cells=grid,
        mtime=mtime,
    )
