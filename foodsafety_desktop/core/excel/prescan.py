"""What a returned workbook's XML says before a parser builds anything from it.

python-calamine (a Rust reader) builds each sheet as a dense grid from its first to its
last cell, so one cell at XFD1048576 would make it allocate billions of cells before
Python sees a row.  These functions read the XML the reader is about to hand over and
answer the questions asked *before* calamine runs: which part holds which sheet, how far
the cells of a sheet reach, how many shared strings there really are, and which formula
cells carry no cached result (calamine, like openpyxl's data_only mode, reads those as
empty).  Everything here is a bytes regex or a defusedxml parse of a part already
inflated within the reader's limits; nothing is trusted, and an answer of ``None`` means
"not understood: use the careful (openpyxl) path".
"""

from __future__ import annotations

import functools
import io
import posixpath
import re
from dataclasses import dataclass

OFFICE_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
WORKSHEET_REL = OFFICE_REL + "/worksheet"
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
PACKAGE_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"

ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
_TABLE_NS = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_OFFICE_NS = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_CALCEXT_NS = "urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0"
_STYLE_NS = "urn:oasis:names:tc:opendocument:xmlns:style:1.0"


@dataclass(frozen=True)
class SheetPart:
    name: str
    part: str  # zip entry name, "xl/worksheets/sheet2.xml"
    state: str  # visible / hidden / veryHidden


def xlsx_sheet_parts(workbook_xml: bytes, rels_xml: bytes) -> list[SheetPart] | None:
    """The sheets of xl/workbook.xml with their parts; None unless all are worksheets."""
    parts = _sheet_parts(workbook_xml, rels_xml)
    return list(parts) if parts is not None else None


@functools.lru_cache(maxsize=64)
def _sheet_parts(workbook_xml: bytes, rels_xml: bytes) -> tuple[SheetPart, ...] | None:
    """``xlsx_sheet_parts``, once per text: the templates of one office share theirs."""
    from defusedxml import ElementTree

    try:
        book = ElementTree.fromstring(workbook_xml)
        rels = ElementTree.fromstring(rels_xml)
    except Exception:  # DTDs, broken XML: the careful path decides
        return None
    targets: dict[str, tuple[str, str]] = {}
    for rel in rels.iter(f"{{{PACKAGE_REL_NS}}}Relationship"):
        rid, target = rel.get("Id"), rel.get("Target")
        if rid and target:
            targets[rid] = (rel.get("Type", ""), target)
    sheets = book.find(f"{{{MAIN_NS}}}sheets")
    if sheets is None:
        return None
    parts: list[SheetPart] = []
    for sheet in sheets.findall(f"{{{MAIN_NS}}}sheet"):
        name, rid = sheet.get("name"), sheet.get(f"{{{OFFICE_REL}}}id")
        if not name or rid not in targets:
            return None
        kind, target = targets[rid]
        if kind != WORKSHEET_REL or rel_is_external(target):
            return None
        part = target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
        part = posixpath.normpath(part)
        if part.startswith("../") or part.startswith("/"):
            return None
        state = sheet.get("state") or "visible"
        parts.append(SheetPart(name, part, state))
    return tuple(parts)


def rel_is_external(target: str) -> bool:
    return "://" in target or target.startswith("\\\\")


_P = rb"(?:[A-Za-z_][\w.-]*:)?"  # an optional namespace prefix
# Every opening tag of a row is "<row" or, with a namespace prefix, ":row": counting
# those strings (a literal search, at memory speed) counts every real tag and perhaps
# more (a <rowBreaks>, an "a:row" in a text), which only raises the bound.
_ROW_STARTS = (b"<row", b":row")
# Cell opening tags ("<c" or ":c", then a space, > or /).  The group is " r=" when the
# tag's first attribute is r: a cell that says where it is.  Every other match counts as
# a cell that follows the one before it (r later in the tag, or a match that is no tag
# at all, in a comment or a text, only raises the bound).
_CELL_TAGS = (re.compile(rb"<c(?=[\s>/])(\sr\s*=)?"), re.compile(rb":c(?=[\s>/])(\sr\s*=)?"))
# Every r="…" attribute, wherever it is: a cell's reference ("AA9") or a row's number
# ("9", no letters).  Taking them all (a value that looks like one as well) only raises
# the bound; a scan tied to <row> tags would stop at a first r= hidden in a value.  The
# pattern starts at the literal "r" and looks back for the white space before it: the
# same matches as "\sr=…", found several times faster.
_REF_ANYWHERE = re.compile(rb"r(?<=\sr)\s*=\s*[\"']\$?([A-Za-z]{0,4})\$?(\d{1,10})[\"']")
_REF = re.compile(rb"^\$?([A-Za-z]{1,4})\$?(\d{1,10})$")
_R_ATTR = re.compile(rb"(?:^|\s)r\s*=\s*[\"']([^\"']*)[\"']")
_DIMENSION = re.compile(rb"<" + _P + rb"dimension\b[^>]*\bref=\"([^\"]*)\"")


def _col_number(letters: bytes) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ch - 64
    return n


@dataclass(frozen=True)
class Extent:
    rows: int  # an upper bound of the last row holding a cell (or a <row> element)
    columns: int  # an upper bound of the last column holding a cell
    declared_rows: int | None  # what <dimension ref> claims, when it does


def xlsx_extent(sheet_xml: bytes) -> Extent:
    """How far the cells of one worksheet part can reach (an upper bound).

    Rows without ``r`` follow the previous row and cells without ``r`` the previous cell,
    so those are added on top of the largest explicit reference: the bound is never
    below what a parser following the same rules reaches.  The scans are C-level
    ``findall``s (a template's sheet takes well under a millisecond).
    """
    # Numbers and references are taken wherever they appear (a value that looks like
    # one only raises the bound).  Every row tag is counted as one that may follow the
    # largest number, every cell tag without r first as one that follows a cell.
    refs = _REF_ANYWHERE.findall(sheet_xml)
    max_row = max(map(int, {r for _, r in refs}), default=0)
    max_col = max((_col_number(c) for c in {c for c, _ in refs if c}), default=0)
    unnumbered_rows = sum(sheet_xml.count(start) for start in _ROW_STARTS)
    unnumbered_cells = sum(cells.findall(sheet_xml).count(b"") for cells in _CELL_TAGS)
    declared = None
    dim = _DIMENSION.search(sheet_xml)
    if dim:
        ref = _REF.match(dim.group(1).split(b":")[-1].strip())
        if ref:
            declared = int(ref.group(2))
    return Extent(max_row + unnumbered_rows, max_col + unnumbered_cells, declared)


_SI = re.compile(rb"<" + _P + rb"si\b")


def shared_string_count(sst_xml: bytes) -> int:
    """The number of <si> items actually in xl/sharedStrings.xml (not the declared count)."""
    return len(_SI.findall(sst_xml))


_F_OPEN = re.compile(rb"<" + _P + rb"f[\s>/]")
# What every <f> opening tag contains ("<f" or, prefixed, ":f", then a space, > or /):
# when neither is in a sheet, it has no formula (a validation's <formula1> is none).
_F_HINTS = (re.compile(rb"<f[\s>/]"), re.compile(rb":f[\s>/]"))
_C_OPEN = re.compile(rb"<" + _P + rb"c\b([^>]*?)/?>")
_C_CLOSE = re.compile(rb"</" + _P + rb"c\s*>")
_VALUE = re.compile(rb"<" + _P + rb"v\b[^>]*?(?:/>|>(.*?)</" + _P + rb"v\s*>)", re.S)
_TYPE_ATTR = re.compile(rb"(?:^|\s)t\s*=\s*[\"']([^\"']*)[\"']")
_CELL_WINDOW = 4096  # a <c ...> opening tag is looked for this far before its <f>


def uncalculated_formulas(sheet_xml: bytes, limit: int = 200) -> list[str]:
    """A1 references of formula cells that carry no cached result, in sheet order.

    openpyxl (and any program that writes formulas without calculating them) stores
    ``<c r="F7"><f>…</f><v></v></c>``: Excel/WPS/LibreOffice would show the result, but
    a reader of the file sees nothing.  A cell of type ``str`` with an empty ``<v>`` is a
    formula whose result is the empty text, so it is not reported.
    """
    found: list[str] = []
    if not any(hint.search(sheet_xml) for hint in _F_HINTS):  # no formula (most sheets)
        return found
    seen_end = 0
    for f in _F_OPEN.finditer(sheet_xml):
        if f.start() < seen_end:
            continue  # a second <f> inside the same cell
        window_start = max(0, f.start() - _CELL_WINDOW)
        openings = list(_C_OPEN.finditer(sheet_xml, window_start, f.start()))
        opening = openings[-1] if openings else None
        if opening is None or opening.group(0).endswith(b"/>"):
            continue
        close = _C_CLOSE.search(sheet_xml, f.end())
        end = close.start() if close else len(sheet_xml)
        seen_end = end
        attrs, body = opening.group(1), sheet_xml[opening.end() : end]
        value = _VALUE.search(body)
        kind = _TYPE_ATTR.search(attrs)
        cell_type = kind.group(1) if kind else b"n"
        if value is not None:
            text = (value.group(1) or b"").strip()
            if text or cell_type in (b"str", b"inlineStr"):
                continue
        r = _R_ATTR.search(attrs)
        ref = _REF.match(r.group(1)) if r else None
        if ref:
            found.append((ref.group(1).upper() + ref.group(2)).decode("ascii"))
            if len(found) >= limit:
                break
    return found


_ERROR_TYPES = (b't="e"', b"t='e'")


def error_values(sheet_xml: bytes, limit: int = 200) -> list[tuple[str, str]]:
    """(A1 reference, error text) of the cells holding an error result (type ``e``:
    #DIV/0!, #N/A, #VALUE! …), in sheet order.  calamine reads them as empty, openpyxl
    as the error's text: the caller reads them as empty and names them."""
    found: list[tuple[str, str]] = []
    if not any(kind in sheet_xml for kind in _ERROR_TYPES):  # no error at all (most sheets)
        return found
    for opening in _C_OPEN.finditer(sheet_xml):
        attrs = opening.group(1)
        kind = _TYPE_ATTR.search(attrs)
        r = _R_ATTR.search(attrs)
        ref = _REF.match(r.group(1)) if r else None
        if kind is None or kind.group(1) != b"e" or ref is None:
            continue
        text = b""
        if not opening.group(0).endswith(b"/>"):
            close = _C_CLOSE.search(sheet_xml, opening.end())
            end = close.start() if close else len(sheet_xml)
            value = _VALUE.search(sheet_xml, opening.end(), end)
            text = (value.group(1) or b"").strip() if value else b""
        cell = (ref.group(1).upper() + ref.group(2)).decode("ascii")
        found.append((cell, text.decode("utf-8", "replace")[:20]))
        if len(found) >= limit:
            break
    return found


# --- OpenDocument ---------------------------------------------------------------------


@dataclass(frozen=True)
class OdsTable:
    name: str
    rows: int  # last row holding a non-empty cell (repeats counted)
    columns: int  # last column holding a non-empty cell (repeats counted)
    cells: int  # cells a dense grid of the table holds (rows × columns)
    state: str  # visible / hidden
    # Formula cells without a result ("F6"): table:formula and no office:value-type (a
    # program wrote the formula without calculating it; calamine reads them as empty).
    uncalculated: tuple[str, ...] = ()
    # Cells whose formula gave an error (LibreOffice: calcext:value-type="error", the
    # error's text as the cell's text; calamine reads them as empty): ("F6", "#DIV/0!").
    errors: tuple[tuple[str, str], ...] = ()


def ods_tables(content_xml: bytes, max_cells: int) -> list[OdsTable] | None:
    """The tables of an .ods content.xml and how far their non-empty cells reach.

    ``table:number-rows-repeated`` / ``number-columns-repeated`` let a few bytes stand
    for a million cells; a grid is only as large as its last non-empty cell, and the
    count stops as soon as a table passes ``max_cells`` (the caller refuses it then).
    None when the XML cannot be parsed (defusedxml refuses DTDs and entities).
    """
    from defusedxml import ElementTree

    table_tag = f"{{{_TABLE_NS}}}table"
    row_tag = f"{{{_TABLE_NS}}}table-row"
    cell_tags = {f"{{{_TABLE_NS}}}table-cell", f"{{{_TABLE_NS}}}covered-table-cell"}
    style_tag = f"{{{_STYLE_NS}}}style"
    props_tag = f"{{{_STYLE_NS}}}table-properties"
    rows_rep = f"{{{_TABLE_NS}}}number-rows-repeated"
    cols_rep = f"{{{_TABLE_NS}}}number-columns-repeated"
    value_type = f"{{{_OFFICE_NS}}}value-type"
    name_attr = f"{{{_TABLE_NS}}}name"
    style_attr = f"{{{_TABLE_NS}}}style-name"
    style_name = f"{{{_STYLE_NS}}}name"
    display = f"{{{_TABLE_NS}}}display"
    formula = f"{{{_TABLE_NS}}}formula"
    calc_type = f"{{{_CALCEXT_NS}}}value-type"

    hidden_styles: set[str] = set()
    tables: list[OdsTable] = []
    current: dict[str, object] | None = None
    uncalculated: list[str] = []  # of the current table
    errors: list[tuple[str, str]] = []
    row = 0  # rows before the current one
    col = 0
    row_last_col = 0
    style: str | None = None

    def repeat(elem: object, attr: str) -> int:
        try:
            n = int(elem.get(attr) or 1)  # type: ignore[attr-defined]
        except ValueError:
            return 1
        return max(1, min(n, 1 << 31))

    try:
        for event, elem in ElementTree.iterparse(io.BytesIO(content_xml), events=("start", "end")):
            tag = elem.tag
            if event == "start":
                if tag == table_tag:
                    state = "hidden" if elem.get(style_attr) in hidden_styles else "visible"
                    current = {
                        "name": elem.get(name_attr) or "",
                        "rows": 0,
                        "cols": 0,
                        "state": state,
                    }
                    uncalculated, errors = [], []
                    row = 0
                elif tag == row_tag and current is not None:
                    col = 0
                    row_last_col = 0
                elif tag == style_tag:
                    style = elem.get(style_name)
                continue
            # end events
            if tag in cell_tags and current is not None:
                n = repeat(elem, cols_rep)
                empty = (
                    elem.get(value_type) is None
                    and len(elem) == 0
                    and not (elem.text or "").strip()
                )
                calculated = elem.get(formula) is None or elem.get(value_type) is not None
                if not calculated and len(uncalculated) < MAX_UNCALCULATED:
                    uncalculated.append(f"{column_letter(col + 1)}{row + 1}")
                if elem.get(calc_type) == "error" and len(errors) < MAX_UNCALCULATED:
                    text = "".join(elem.itertext()).strip()[:20]
                    errors.append((f"{column_letter(col + 1)}{row + 1}", text))
                col += n
                if not empty:
                    row_last_col = col
                elem.clear()
            elif tag == row_tag and current is not None:
                n = repeat(elem, rows_rep)
                row += n
                if row_last_col:
                    current["rows"] = row
                    current["cols"] = max(int(current["cols"]), row_last_col)  # type: ignore[call-overload]
                    if int(current["rows"]) * int(current["cols"]) > max_cells:  # type: ignore[call-overload]
                        tables.append(_ods_table(current, uncalculated, errors))
                        return tables
                elem.clear()
            elif tag == table_tag and current is not None:
                tables.append(_ods_table(current, uncalculated, errors))
                current = None
                elem.clear()
            elif tag == props_tag and style and elem.get(display) == "false":
                hidden_styles.add(style)
            elif tag == style_tag:
                style = None
    except Exception:
        return None
    return tables


def _ods_table(
    current: dict[str, object], uncalculated: list[str], errors: list[tuple[str, str]]
) -> OdsTable:
    rows, cols = int(current["rows"]), int(current["cols"])  # type: ignore[call-overload]
    name, state = str(current["name"]), str(current["state"])
    return OdsTable(name, rows, cols, rows * cols, state, tuple(uncalculated), tuple(errors))


MAX_UNCALCULATED = 200  # formula cells reported per table (the reader shows fewer)


def column_letter(index: int) -> str:
    """1 → A, 27 → AA."""
    letters = ""
    while index > 0:
        index, rem = divmod(index - 1, 26)
        letters = chr(ord("A") + rem) + letters
    return letters
