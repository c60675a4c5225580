"""The sheet extent that guards python-calamine is never below the grid calamine builds.

calamine allocates a dense grid from A1 to the last cell of a sheet, so the reader asks
``prescan.xlsx_extent`` first and hands a sheet over only when the bound is small.  The
bound counts cheaply (literal searches, tags counted rather than parsed), and this
property holds it to calamine itself: Hypothesis writes sheets the way different
programs and forgers do (rows and cells with and without ``r``, ``r`` after other
attributes, namespace prefixes, references hidden in attribute values, texts and
comments), calamine reads each one, and the bound must reach its last row and column.
"""

from __future__ import annotations

import io
import zipfile

from hypothesis import given, settings
from hypothesis import strategies as st

from foodsafety_desktop.core.excel import prescan
from foodsafety_desktop.core.excel.workbook_reader import column_letter

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
PROPERTY = settings(max_examples=300, deadline=None, derandomize=True)

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/'
    'sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
    'worksheet+xml"/></Types>'
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)

# An attribute that is no reference, or one whose value only looks like one.
_DECOY = st.sampled_from(['s="1"', 't="n"', "foo=' r=\"A1\"'", 'bar=">"', 'spans="1:3"'])
_SPACE = st.sampled_from([" ", "  ", "\n", "\t"])
# How a reference may be written and still be read: quotes, spaces around "=", lower
# case, leading zeros.
_REF_FORMS = st.sampled_from(['r="{}"', "r='{}'", 'r = "{}"'])


def _written(reference: str, lower: bool, zeros: int) -> str:
    letters = reference.rstrip("0123456789")
    digits = reference[len(letters) :]
    return (letters.lower() if lower else letters) + "0" * zeros + digits


@st.composite
def _cell(draw: st.DrawFn, prefix: str, row: int | None) -> str:
    before = " ".join(draw(st.lists(_DECOY, max_size=2)))
    after = " ".join(draw(st.lists(_DECOY, max_size=1)))
    numbered = row is not None and draw(st.booleans())
    ref = ""
    if numbered:
        reference = f"{column_letter(draw(st.integers(1, 60)))}{row}"
        written = _written(reference, draw(st.booleans()), draw(st.integers(0, 2)))
        ref = draw(_REF_FORMS).format(written)
    attrs = " ".join(a for a in (before, ref, after) if a)
    space = draw(_SPACE) if attrs else ""
    value = draw(st.integers(0, 999))
    return f"<{prefix}c{space}{attrs}><{prefix}v>{value}</{prefix}v></{prefix}c>"


@st.composite
def _sheet(draw: st.DrawFn) -> bytes:
    prefix = draw(st.sampled_from(["", "x:"]))
    xmlns = f'xmlns:x="{MAIN}"' if prefix else f'xmlns="{MAIN}"'
    rows = []
    number = 0
    for _ in range(draw(st.integers(1, 8))):
        numbered = draw(st.booleans())
        number = draw(st.integers(number + 1, number + 30)) if numbered else number + 1
        decoy = draw(st.sampled_from(["", " spans=' r=\"1\"'", ' ht="15"']))
        ref = " " + draw(_REF_FORMS).format(number) if numbered else ""
        cells = "".join(
            draw(_cell(prefix, number if numbered else None))
            for _ in range(draw(st.integers(0, 12)))
        )
        rows.append(f"<{prefix}row{decoy}{ref}>{cells}</{prefix}row>")
        if draw(st.booleans()):
            rows.append('<!-- <c r="A1"/> r="ZZ1" -->')
    body = "".join(rows)
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><{prefix}worksheet {xmlns}>'
        f"<{prefix}sheetData>{body}</{prefix}sheetData></{prefix}worksheet>"
    ).encode()


def _calamine_grid(sheet_xml: bytes) -> tuple[int, int] | None:
    """(rows, columns) of the grid python-calamine builds from the sheet, or None."""
    from python_calamine import CalamineWorkbook

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as out:
        out.writestr("[Content_Types].xml", _CONTENT_TYPES)
        out.writestr("_rels/.rels", _RELS)
        out.writestr("xl/workbook.xml", _WORKBOOK)
        out.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        out.writestr("xl/worksheets/sheet1.xml", sheet_xml)
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(buffer.getvalue()))
        grid = workbook.get_sheet_by_name("S").to_python(skip_empty_area=False)
    except Exception:  # a sheet calamine refuses allocates nothing
        return None
    return len(grid), max((len(row) for row in grid), default=0)


@PROPERTY
@given(sheet=_sheet())
def test_the_extent_covers_the_grid_calamine_builds(sheet):
    grid = _calamine_grid(sheet)
    if grid is None:
        return
    extent = prescan.xlsx_extent(sheet)
    assert extent.rows >= grid[0] and extent.columns >= grid[1], (extent, grid, sheet)
