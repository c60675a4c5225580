"""The layout of the report template (version 1), shared by the writer and the reader.

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

LAYOUT_VERSION = 1

INSTRUCTIONS_SHEET = "填报说明"
REPORT_SHEET = "报送表"
SHEET_NAMES = (INSTRUCTIONS_SHEET, REPORT_SHEET, IDENTITY_SHEET)

# Row 1: the title, merged over all columns.
TITLE_ROW = 1
TITLE_CELL = "A1"


@dataclass(frozen=True)
class HeaderField:
    """One labelled cell of the header block (row 2)."""

    key: str  # Submission attribute it feeds: department / reporter / phone / filled_on
    label: str
    label_cell: str
    value_cell: str
    locked: bool


HEADER_ROW_FIELDS = 2
HEADER_FIELDS = (
    HeaderField("department", "填报单位", "A2", "B2", True),
    HeaderField("reporter", "填报人", "D2", "E2", False),
    HeaderField("phone", "联系电话", "G2", "H2", False),
    HeaderField("filled_on", "填报日期", "J2", "K2", False),
)
HEADER_BY_KEY = {f.key: f for f in HEADER_FIELDS}
DEPARTMENT_CELL = HEADER_BY_KEY["department"].value_cell  # "B2"
REPORTER_CELL = HEADER_BY_KEY["reporter"].value_cell  # "E2"
PHONE_CELL = HEADER_BY_KEY["phone"].value_cell  # "H2"
FILLED_ON_CELL = HEADER_BY_KEY["filled_on"].value_cell  # "K2"

# Row 3 is an empty spacer; row 4 holds the column titles; data starts on row 5.
HEADER_ROW = 4
FIRST_DATA_ROW = 5


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
    Column("role", "C", "本单位职责", 8, True),
    Column("deadline", "D", "完成时限", 12, True),
    Column("target", "E", "目标值", 16, True),
    Column("value", "F", "完成值", 10, False),  # input only on rows with an indicator
    Column("status", "G", "完成情况", 11, False),
    Column("measures", "H", "主要措施及成效", 30, False),
    Column("data", "I", "数据", 16, False),
    Column("examples", "J", "典型事例", 20, False),
    Column("problems", "K", "存在问题", 18, False),
    Column("next_steps", "L", "下步打算", 18, False),
)
COLUMN_BY_KEY = {c.key: c for c in COLUMNS}
COLUMN_BY_LETTER = {c.letter: c for c in COLUMNS}
LAST_COLUMN = COLUMNS[-1].letter  # "L"
LOCKED_KEYS = tuple(c.key for c in COLUMNS if c.locked)
# Text input columns, in sheet order; "value" (F) is numeric and "status" (G) a list.
TEXT_INPUT_KEYS = ("measures", "data", "examples", "problems", "next_steps")
INPUT_KEYS = ("value", "status", *TEXT_INPUT_KEYS)

# 完成情况: the ledger's own status set (models.STATUSES), ordered as a department
# would answer: done first, then on schedule, behind, not started.  Four plain words
# a 县直部门 already uses in its 季度报告; the ledger shows the same word, so a
# submission updates a task's status without any mapping.
STATUS_CHOICES = (STATUS_DONE, STATUS_ON_SCHEDULE, STATUS_BEHIND, STATUS_NOT_STARTED)

# A row's 完成值 cell (F) is an input only when the row stands for an indicator
# (identity row "indicator_id" not null); otherwise it is locked and shaded.
VALUE_NEEDS_INDICATOR = True

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
