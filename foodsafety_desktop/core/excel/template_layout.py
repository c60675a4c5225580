"""The layout of the report template (version 2; version 1 still read), shared by the
writer and the reader.

Everything a reader needs to find a value in a returned workbook lives here: sheet
names, header cells, column letters and titles, the first data row and the status
list.  Changing any of it is a new layout version (and a new ``identity.FORMAT``).
"""

from __future__ import annotations

from dataclasses import dataclass

from foodsafety_desktop.core import titles
from foodsafety_desktop.core.excel.identity import IDENTITY_SHEET
from foodsafety_desktop.core.storage.models import (
    STATUS_BEHIND,
    STATUS_DONE,
    STATUS_NOT_STARTED,
    STATUS_ON_SCHEDULE,
)

LAYOUT_VERSION = 2

INSTRUCTIONS_SHEET = "填报说明"
REPORT_SHEET = "报送表"
SHEET_NAMES = (INSTRUCTIONS_SHEET, REPORT_SHEET, IDENTITY_SHEET)

# Row 1: the title, merged over all columns.
TITLE_ROW = 1
TITLE_CELL = "A1"


@dataclass(frozen=True)
class HeaderField:
    """One labelled cell of the header block (rows above the column titles)."""

    key: str  # department / reporter / phone / filled_on / reviewer / leader
    label: str
    label_cell: str  # first cell of the label's range
    value_cell: str  # first cell of the value's range
    locked: bool
    label_end: str = ""  # last cell of a merged label range ("" : one cell)
    value_end: str = ""  # last cell of a merged value range ("" : one cell)


# Version 2 (written now).  The header block keeps off columns E and F, which are
# hidden when no row has an indicator: 填报单位 (with its value in the same cell) on the
# left, 填报人/联系电话/填报日期 on row 2 and 审核人/单位负责人（签字） under them on row 3.
HEADER_ROW_FIELDS = 2
HEADER_FIELDS = (
    HeaderField("department", "填报单位", "A2", "A2", True, value_end="D2"),
    HeaderField("reporter", "填报人", "G2", "H2", False),
    HeaderField("phone", "联系电话", "I2", "J2", False),
    HeaderField("filled_on", "填报日期", "K2", "L2", False),
    HeaderField("reviewer", "审核人", "G3", "H3", False),
    HeaderField("leader", "单位负责人（签字）", "I3", "K3", False, label_end="J3", value_end="L3"),
)
HEADER_BY_KEY = {f.key: f for f in HEADER_FIELDS}
DEPARTMENT_CELL = HEADER_BY_KEY["department"].value_cell  # "A2": 填报单位：县市场监管局
REPORTER_CELL = HEADER_BY_KEY["reporter"].value_cell  # "H2"
PHONE_CELL = HEADER_BY_KEY["phone"].value_cell  # "J2"
FILLED_ON_CELL = HEADER_BY_KEY["filled_on"].value_cell  # "L2"
REVIEWER_CELL = HEADER_BY_KEY["reviewer"].value_cell  # "H3"
LEADER_CELL = HEADER_BY_KEY["leader"].value_cell  # "K3"
SPAN_CELL = "A3"  # 统计时段：… (A3:D3)

# Row 4 is the hint (deadline, 报送至 with the office's contact); row 5 holds the
# column titles; data starts on row 6.
HINT_ROW = 4
HEADER_ROW = 5
FIRST_DATA_ROW = 6

# Version 1 (templates sent out before): the header block on row 2 only, each value
# cell right of its label; the hint on row 3, column titles on row 4, data from row 5;
# one row per indicator, every row with its whole 任务内容.  Still read.
HEADER_FIELDS_V1 = (
    HeaderField("department", "填报单位", "A2", "B2", True),
    HeaderField("reporter", "填报人", "D2", "E2", False),
    HeaderField("phone", "联系电话", "G2", "H2", False),
    HeaderField("filled_on", "填报日期", "J2", "K2", False),
)
HEADER_ROW_V1 = 4
FIRST_DATA_ROW_V1 = 5
# Header row → the header fields of that layout version (the reader tells the versions
# apart by the row of the column titles).
HEADER_FIELDS_BY_ROW = {HEADER_ROW: HEADER_FIELDS, HEADER_ROW_V1: HEADER_FIELDS_V1}


def header_cell(key: str, header_row: int = HEADER_ROW) -> str:
    """The value cell of header field ``key`` in the layout whose column titles are on
    ``header_row`` ("A2" for 填报单位 in version 2, "B2" in version 1)."""
    fields = HEADER_FIELDS_BY_ROW.get(header_row, HEADER_FIELDS)
    return next(f.value_cell for f in fields if f.key == key)


@dataclass(frozen=True)
class Column:
    """One column of the report sheet."""

    key: str  # for input columns: the SubmissionEntry attribute it feeds
    letter: str
    title: str
    width: float  # characters
    locked: bool  # locked (content from the plan) or input (filled by the department)


COLUMNS = (
    Column("seq", "A", "序号", 7, True),
    Column("task", "B", "任务内容", 46, True),
    Column("role", "C", "本单位职责", 10, True),
    Column("deadline", "D", "完成时限", 12, True),
    Column("target", "E", "目标值", 16, True),
    Column("value", "F", "完成值", 10, False),  # input only on rows with an indicator
    Column("status", "G", "完成情况", 11, False),
    Column("measures", "H", "主要措施及成效", 30, False),
    Column("data", "I", "数据", 16, False),
    Column("examples", "J", "典型事例", 20, False),
    Column("problems", "K", "存在问题", 18, False),
    Column("next_steps", "L", "下步打算", 18, False),
    # 佐证材料 the department lists (file names, 文号): added after version 2 went out,
    # at the end so that every other column keeps its letter; a version 1 or 2 file has
    # no such title, and the reader then reads nothing from column M (workbook_reader).
    Column("evidence", "M", "佐证材料", 18, False),
)
COLUMN_BY_KEY = {c.key: c for c in COLUMNS}
COLUMN_BY_LETTER = {c.letter: c for c in COLUMNS}
LAST_COLUMN = COLUMNS[-1].letter  # "M"
LOCKED_KEYS = tuple(c.key for c in COLUMNS if c.locked)
# Text input columns, in sheet order; "value" (F) is numeric and "status" (G) a list.
TEXT_INPUT_KEYS = ("measures", "data", "examples", "problems", "next_steps", "evidence")
# Columns a returned standard workbook has only when their title is on its header row
# (the templates sent out before them lack them).
OPTIONAL_KEYS = ("evidence",)
INPUT_KEYS = ("value", "status", *TEXT_INPUT_KEYS)

# 完成情况: the ledger's own status set (models.STATUSES), ordered as a department
# would answer: done first, then on schedule, behind, not started.  Four plain words
# a 县直部门 already uses in its 季度报告; the ledger shows the same word, so a
# submission updates a task's status without any mapping.
STATUS_CHOICES = (STATUS_DONE, STATUS_ON_SCHEDULE, STATUS_BEHIND, STATUS_NOT_STARTED)

# A row's 完成值 cell (F) is an input only when the row stands for an indicator
# (identity row "indicator_id" not null); otherwise it is locked and shaded.
VALUE_NEEDS_INDICATOR = True
# Columns only rows with an indicator fill: hidden when no row of a template has one.
INDICATOR_KEYS = ("target", "value")

# Role words in column C (models.ROLE_*); 责任 and 配合 are shown as written.
ROLE_TEXT_LEAD = "牵头"


def cell(key: str, row: int) -> str:
    """The A1 reference of column ``key`` on sheet row ``row``."""
    return f"{COLUMN_BY_KEY[key].letter}{row}"


def title_text(plan_title: str, period_name: str) -> str:
    """Row 1: ``《{plan title}》{period}落实情况报送表`` (``core.titles``: the plan in
    书名号, 专项：方案制定情况 as 方案制定情况报送表, no dates or doubled words)."""
    return titles.title_text(
        [titles.plan_reference(plan_title), titles.progress(period_name), "报送表"]
    )
