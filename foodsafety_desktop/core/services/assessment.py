"""评议考核细则: the year's scoring table (考核细则) read from a .xlsx/.docx table and stored.

``read_assessment(path)`` reads the table without a database (for a preview);
``import_assessment(db, path, year=…, kind=…, user=…)`` stores it, one 细则 per year and
kind (乡镇 / 成员单位), replacing an existing one only when asked.  The header row is found
by its titles (by the words they begin with: "考核内容及要求" is the content column; a 备注
column of evidence wording is the 佐证材料); a level-1 item (一级项目) is a vertically merged
first column, a heading row ("一、…", or 序号 "一"), or a row merged across the table, one
heading with the project cells below it that name it without number and points; 加分/扣分
in an item's title or in its heading's title make it a bonus or deduction item, and a
bonus heading without points takes the cap its rule cell or a 说明 note gives.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import delete, func, select

from foodsafety_desktop.core.dates import cn_datetime, local_time
from foodsafety_desktop.core.errors import UserError
from foodsafety_desktop.core.plans.model import Paragraph, Table
from foodsafety_desktop.core.services import audit
from foodsafety_desktop.core.storage.models import Assessment, AssessmentItem
from foodsafety_desktop.core.storage.originals import assessment_original_path, originals_of

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from foodsafety_desktop.core.storage.database import Database

__all__ = [
    "FULL_MARKS",
    "KINDS",
    "KIND_MEMBER",
    "KIND_TOWNSHIP",
    "AssessmentImport",
    "AssessmentOutline",
    "AssessmentSummary",
    "OutlineItem",
    "ParsedAssessment",
    "ParsedAssessmentItem",
    "assessment_items",
    "assessment_outline",
    "assessment_row",
    "content_count_text",
    "find_item",
    "import_assessment",
    "item_paths",
    "list_assessments",
    "normalized_ref",
    "parse_points",
    "read_assessment",
]

# Whom a 细则 scores (assessment.kind); stored as written.  Not the department kinds of
# ``core.terms`` (KIND_TOWNSHIP there is the code "township" of a department).
KIND_TOWNSHIP = "乡镇"
KIND_MEMBER = "成员单位"
KINDS = (KIND_TOWNSHIP, KIND_MEMBER)

FULL_MARKS = 100.0
HEADER_SCAN_ROWS = 10
_EPSILON = 0.005


# --- parsed form (no database) --------------------------------------------------------


@dataclass
class ParsedAssessmentItem:
    """One item as read: a 一级项目 or an item below it."""

    number: str  # as written, without the trailing 、/.: 一 / （一） / 1
    title: str
    level: int
    points: float | None = None
    points_text: str | None = None
    rule: str | None = None  # 评分标准
    evidence: str | None = None  # 佐证材料要求
    bonus: bool = False
    deduction: bool = False
    location: str = ""  # where it was read: "工作表“…”第5行" / "第1个表格第5行"
    children: list[ParsedAssessmentItem] = field(default_factory=list)

    @property
    def counted(self) -> bool:
        """Part of the 100 points (neither 加分项 nor 扣分项)."""
        return not (self.bonus or self.deduction)

    def value(self) -> float:
        """Its points, or the sum of its counted children's when it has none itself."""
        if self.points is not None:
            return self.points
        return sum(c.value() for c in self.children if c.counted)

    def walk(self) -> Iterator[ParsedAssessmentItem]:
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass
class ParsedAssessment:
    """A 考核细则 as read from its file: the items nested, and what looked wrong."""

    title: str
    source_name: str
    items: list[ParsedAssessmentItem]
    warnings: list[str] = field(default_factory=list)

    def all_items(self) -> list[ParsedAssessmentItem]:
        """Every item, a heading before its items."""
        return [i for top in self.items for i in top.walk()]

    @property
    def item_count(self) -> int:
        return len(self.all_items())

    @property
    def content_count(self) -> int:
        """The items that are scored (考核内容): those with no items below them."""
        return sum(1 for i in self.all_items() if not i.children)

    @property
    def part_count(self) -> int:
        """The 一级项目."""
        return len(self.items)

    @property
    def count_text(self) -> str:
        """ "26 项考核内容（6 个一级项目）": what a clerk counts in the table."""
        return content_count_text(self.content_count, self.part_count)

    @property
    def total_points(self) -> float:
        """The points of the counted 一级项目 (or of their items where they have none)."""
        return _round(sum(i.value() for i in self.items if i.counted))

    @property
    def bonus_points(self) -> float:
        return _round(sum(_flagged_value(i, "bonus") for i in self.items))

    @property
    def deduction_points(self) -> float:
        return _round(sum(_flagged_value(i, "deduction") for i in self.items))


def _flagged_value(item: ParsedAssessmentItem, flag: str) -> float:
    """The points of the outermost items carrying ``flag`` (a 加分项 heading's cap, else
    the sum of its items)."""
    if getattr(item, flag):
        if item.points is not None:
            return item.points
        return sum(c.points or 0.0 for c in item.walk() if c is not item and not c.children)
    return sum(_flagged_value(c, flag) for c in item.children)


def _round(value: float) -> float:
    return round(value, 2)


def format_points(value: float | None) -> str:
    """10.0 → "10", 2.5 → "2.5"; "" for None."""
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


# --- points ---------------------------------------------------------------------------

_NUMBER = r"(\d+(?:\.\d+)?)"
_CAPPED = re.compile(
    rf"(?:最高|最多|上限|封顶|共|满分|合计|总分)\s*(?:可)?\s*(?:加|扣|计|得)?\s*{_NUMBER}\s*分"
)
_FIRST_NUMBER = re.compile(rf"[-－—+＋]?\s*{_NUMBER}")
_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９．", "0123456789.")


def parse_points(text: str) -> float | None:
    """The points a 分值 cell or a title's parenthesis gives: "10分", "10", "5分（每项1分）"
    → 5, "最高加5分" → 5, "-5" / "扣5分" → 5 (a deduction is marked by its item, not a sign);
    None when the text has no number."""
    text = (text or "").translate(_FULLWIDTH_DIGITS).strip()
    if not text:
        return None
    if m := _CAPPED.search(text):
        return float(m.group(1))
    if m := _FIRST_NUMBER.search(text):
        return float(m.group(1))
    return None


# Points written at the end of a title: "党政同责（10分）", "加分项（最高加5分）".
_TITLE_POINTS = re.compile(
    r"\s*[（(]\s*(?P<text>(?:最高|最多|共|满分|计)?\s*(?:可)?\s*(?:加|扣|计)?\s*"
    r"[\d０-９]+(?:[.．][\d０-９]+)?\s*分[^（）()]*)[)）]\s*$"
)


# ... or after a space: "责任落实 20分".
_SPACED_POINTS = re.compile(r"\s+(?P<text>[\d０-９]+(?:[.．][\d０-９]+)?\s*分)\s*$")


def _split_title_points(title: str) -> tuple[str, str | None]:
    m = _TITLE_POINTS.search(title) or _SPACED_POINTS.search(title)
    if not m or not title[: m.start()].strip():
        return title, None
    return title[: m.start()].strip(), m.group("text").strip()


def _heading_key(text: str) -> str:
    """A 一级项目's title without its number and points: "七、加分项（最高加5分）" and
    "加分项" name the same heading."""
    found = _number_of(text)
    if found and found[2]:
        text = found[2]
    return _norm(_split_title_points(text.strip())[0])


# --- numbers and headers --------------------------------------------------------------

_CN = "一二三四五六七八九十"
_NUMBER_FORMS: list[tuple[str, re.Pattern[str]]] = [
    ("part", re.compile(rf"^(第[{_CN}]+(?:部分|项|类|章))[、.．:：\s]*")),
    ("cn", re.compile(rf"^([{_CN}]+)(?:[、.．]\s*|\s+|$)")),
    ("cn_paren", re.compile(rf"^([（(][{_CN}]+[)）])[、.．]?\s*")),
    ("arabic", re.compile(r"^(\d{1,3})(?:[、．]|\.(?!\d))\s*")),
    ("arabic_paren", re.compile(r"^([（(]\d{1,3}[)）])[、.．]?\s*")),
    ("circled", re.compile(r"^([①-⑳])\s*")),
]
_BARE_NUMBER = re.compile(r"^\d{1,3}$")
_SPACE = re.compile(r"\s+")
_TOP_STYLES = {"part", "cn"}


def _norm(cell: str) -> str:
    return _SPACE.sub("", cell or "")


def _number_of(text: str) -> tuple[str, str, str] | None:
    """(style, number as written, the rest) of a numbered text, or None."""
    text = text.strip()
    for style, pattern in _NUMBER_FORMS:
        if m := pattern.match(text):
            return style, m.group(1), text[m.end() :].strip()
    return None


def _number_cell(cell: str) -> tuple[str, str] | None:
    """(style, number) of a 序号 cell: "一", "一、", "（一）", "1", "1."."""
    text = _norm(cell)
    if not text:
        return None
    if _BARE_NUMBER.match(text):
        return "arabic", text
    found = _number_of(text)
    if found is None or found[2]:
        return None
    return found[0], found[1]


_IGNORED = ("得分", "自评", "实得", "扣分原因", "扣分情况", "扣分说明", "牵头", "责任单位")
_NUMBER_TITLES = {"序号", "编号", "序", "No.", "No"}
_POINTS_TITLES = {"分值", "分数", "标准分", "满分", "基础分", "基本分", "权重", "赋分", "分值分"}
_PROJECT_TITLES = {
    "考核项目", "项目", "评分项目", "一级项目", "一级指标", "考核类别", "类别", "考核指标",
    "考核大项", "指标", "考评项目", "考核要素", "考核类目", "评价项目", "工作项目",
}  # fmt: skip
# A content header is one of these or begins with one: "考核内容及要求", "工作内容和标准".
_CONTENT_TITLES = (
    "考核内容", "二级项目", "二级指标", "考核要点", "工作内容", "考核事项", "评分内容",
    "具体内容", "内容", "考评内容", "评价内容", "工作任务", "考核细则内容", "指标内容",
    "考核要求", "工作要求", "具体要求", "目标任务", "工作目标", "任务内容",
)  # fmt: skip
_RULE_WORDS = ("评分", "标准", "细则", "办法", "计分", "方法", "考核方式", "扣分")
_EVIDENCE_WORDS = ("佐证", "依据", "备查", "资料", "材料", "印证")
_REMARK_TITLES = {"备注", "说明", "备注说明"}
# Words of a 佐证材料 requirement, to tell a 备注 column that holds them ("提供会议纪要").
_EVIDENCE_CELL_WORDS = (
    "提供", "佐证", "材料", "资料", "台账", "记录", "文件", "照片", "纪要", "报告", "方案",
    "总结", "证明", "名单", "扫描件", "截图", "图片", "签到", "登记表", "通知", "简报",
    "合同", "清单", "凭证", "档案",
)  # fmt: skip


def _column_role(header: str) -> str | None:
    """What a header cell names: number, project, content, points, rule, evidence, or
    remark (a 备注 column, read as evidence when its cells are evidence requirements).

    A header is known by its exact words, by the content title it begins with, or else by
    the first rule or evidence word in it: "评分标准及依据" is a rule, "佐证资料" evidence."""
    h = _norm(header).strip("：:*").replace("（", "").replace("）", "")
    h = h.replace("(", "").replace(")", "")
    if not h or len(h) > 12:
        return None
    if any(w in h for w in _IGNORED):
        return None
    if h.startswith("备注"):
        if h in _REMARK_TITLES:
            return "remark"
        return "evidence" if any(w in h for w in _EVIDENCE_WORDS) else None
    if h in _REMARK_TITLES:
        return "remark"
    if h in _NUMBER_TITLES:
        return "number"
    if h in _POINTS_TITLES or h.startswith("分值"):
        return "points"
    if h in _PROJECT_TITLES:
        return "project"
    if any(h.startswith(t) for t in _CONTENT_TITLES):
        return "content"
    found = [
        (h.find(w), role)
        for role, words in (("rule", _RULE_WORDS), ("evidence", _EVIDENCE_WORDS))
        for w in words
        if w in h
    ]
    return min(found)[1] if found else None


@dataclass
class _Columns:
    roles: dict[str, int]

    @property
    def recognised(self) -> bool:
        return ("project" in self.roles or "content" in self.roles) and "points" in self.roles

    def cell(self, row: list[str], role: str) -> str:
        index = self.roles.get(role)
        if index is None or index >= len(row):
            return ""
        return row[index].strip()


def _classify(row: list[str]) -> _Columns:
    roles: dict[str, int] = {}
    seen: set[str] = set()
    for index, cell in enumerate(row):
        key = _norm(cell)
        role = _column_role(cell)
        if role is None or key in seen or role in roles:
            continue  # a merged header cell repeats its text: keep the first column
        seen.add(key)
        roles[role] = index
    return _Columns(roles)


def _find_header(rows: list[list[str]]) -> tuple[_Columns, int] | None:
    """Column roles and the index of the header row, in the first rows."""
    for index in range(min(HEADER_SCAN_ROWS, len(rows))):
        columns = _classify(rows[index])
        if columns.recognised:
            return columns, index
    return None


# --- reading the table ----------------------------------------------------------------

_NOTE_ROW = re.compile(r"^(?:备注|说明|注)\s*[:：]|^注\s*\d")
_TOTAL_ROW = re.compile(r"^(?:合计|总计|总分|小计|共计)")
_BONUS_WORDS = ("加分", "附加分", "奖励分")
_DEDUCTION_WORDS = ("扣分项", "减分", "扣分事项", "扣分")


@dataclass
class _Source:
    """One table of the file: its rows and how to name a row in a message."""

    rows: list[list[str]]
    sheet: str | None  # a workbook's sheet name
    table_number: int  # 1-based, for a Word document
    titles: list[str]  # texts above the header
    after: list[str] = field(default_factory=list)  # paragraphs after the last table

    def where(self, row_index: int) -> str:
        if self.sheet is not None:
            return f"工作表“{self.sheet}”第{row_index + 1}行"
        return f"第{self.table_number}个表格第{row_index + 1}行"

    def cell(self, row_index: int, column: int) -> str:
        if self.sheet is not None:
            from foodsafety_desktop.core.excel.workbook_reader import column_letter

            return f"工作表“{self.sheet}”单元格 {column_letter(column + 1)}{row_index + 1}"
        return f"第{self.table_number}个表格第{row_index + 1}行第{column + 1}列"


class _Builder:
    """Turns the data rows of one or more tables into nested items."""

    def __init__(self) -> None:
        self.items: list[ParsedAssessmentItem] = []
        self.warnings: list[str] = []
        self.notes: list[str] = []  # 备注/说明 rows, where a bonus cap may be written
        self._top: ParsedAssessmentItem | None = None
        self._top_key: str | None = None
        # (style, item) of the open numbered items below the current 一级项目 (or at the
        # top, without a project column).
        self._stack: list[tuple[str, ParsedAssessmentItem]] = []

    def add_table(self, source: _Source, columns: _Columns, first_row: int) -> None:
        has_project = "project" in columns.roles and "content" in columns.roles
        title_role = "content" if "content" in columns.roles else "project"
        for index in range(first_row, len(source.rows)):
            row = source.rows[index]
            texts = [c.strip() for c in row]
            non_empty = [_norm(t) for t in texts if t]
            if not non_empty:
                continue
            if _classify(row).recognised:
                continue  # the header repeated on the next page
            first = next(t for t in texts if t)
            if _NOTE_ROW.match(first):
                self.notes.append(_row_text(row))
                continue
            if _TOTAL_ROW.match(_norm(first)):
                continue
            merged_across = len(texts) > 1 and len(set(non_empty)) == 1
            if has_project:
                self._project_row(source, columns, index, row, merged_across)
            else:
                self._single_row(source, columns, index, row, title_role, merged_across)

    # A table with 考核项目 (level 1, often merged down) and 考核内容 columns.
    def _project_row(
        self, source: _Source, columns: _Columns, index: int, row: list[str], merged: bool
    ) -> None:
        project = columns.cell(row, "project")
        content = columns.cell(row, "content")
        number_cell = _number_cell(columns.cell(row, "number"))
        if merged:
            project = content = next(c.strip() for c in row if c.strip())
        # A heading merged across the table ("七、加分项（最高加5分）") and the project cell
        # of the rows below it ("加分项") name one 一级项目: compared without number and points.
        written = _norm(project)
        key = _heading_key(project)
        if key and key != self._top_key:
            top_number = number_cell[1] if number_cell and number_cell[0] in _TOP_STYLES else ""
            self._open_top(source, index, project, top_number, from_number_cell=bool(top_number))
            self._top_key = key
            if not content or _norm(content) == written:
                self._fill(source, columns, index, row, self._top)
                return
        elif not key and self._top is None:
            self._open_top(source, index, "", "")
            self._top_key = ""
        leaf_number = number_cell if number_cell and number_cell[0] not in _TOP_STYLES else None
        if not content or _norm(content) == written:
            if leaf_number is not None and columns.cell(row, "points"):
                # A numbered row with points but no text: kept (and warned about), not lost.
                self._child(source, columns, index, row, "", leaf_number)
            return
        self._child(source, columns, index, row, content, leaf_number)

    # A table with one title column (序号 / 考核内容 / 分值 …) and heading rows.
    def _single_row(
        self,
        source: _Source,
        columns: _Columns,
        index: int,
        row: list[str],
        title_role: str,
        merged: bool,
    ) -> None:
        title = columns.cell(row, title_role)
        number_cell = _number_cell(columns.cell(row, "number"))
        if merged:
            title = next(c.strip() for c in row if c.strip())
            number_cell = None
        found = _number_of(title)
        style = number_cell[0] if number_cell else (found[0] if found else None)
        if not title and number_cell is None:
            return
        if merged or style in _TOP_STYLES:
            number = number_cell[1] if number_cell else (found[1] if found else "")
            self._open_top(source, index, title, number, from_number_cell=number_cell is not None)
            if not merged:
                self._fill(source, columns, index, row, self._top)
            return
        self._child(source, columns, index, row, title, number_cell)

    def _open_top(
        self,
        source: _Source,
        index: int,
        text: str,
        number: str,
        *,
        from_number_cell: bool = True,
    ) -> None:
        found = _number_of(text)
        if found and (found[0] in _TOP_STYLES or not from_number_cell):
            number = number or found[1]
            text = found[2]
        title, points_text = _split_title_points(text)
        item = ParsedAssessmentItem(
            number=_clean_number(number), title=title, level=1, location=source.where(index)
        )
        if points_text:
            item.points_text = points_text
            item.points = parse_points(points_text)
        _mark(item, None)
        self.items.append(item)
        self._top = item
        self._stack = []

    def _child(
        self,
        source: _Source,
        columns: _Columns,
        index: int,
        row: list[str],
        text: str,
        number_cell: tuple[str, str] | None,
    ) -> None:
        found = _number_of(text)
        if number_cell is not None:
            style, number = number_cell
            if found and found[0] == style:
                text = found[2]
        elif found is not None:
            style, number, text = found
        else:
            style, number = "plain", ""
        if any(s == style for s, _ in self._stack):
            while self._stack and self._stack[-1][0] != style:
                self._stack.pop()
            self._stack.pop()
        parent = self._stack[-1][1] if self._stack else self._top
        title, points_text = _split_title_points(text)
        item = ParsedAssessmentItem(
            number=_clean_number(number),
            title=title,
            level=parent.level + 1 if parent else 1,
            location=source.where(index),
        )
        if points_text:
            item.points_text = points_text
            item.points = parse_points(points_text)
        self._fill(source, columns, index, row, item)
        _mark(item, parent)
        if parent is None:
            self.items.append(item)
        else:
            parent.children.append(item)
        self._stack.append((style, item))

    def _fill(
        self,
        source: _Source,
        columns: _Columns,
        index: int,
        row: list[str],
        item: ParsedAssessmentItem | None,
    ) -> None:
        """Points, rule and evidence of the row; a cell that repeats the title (a heading
        merged across the row) is not read as any of them."""
        if item is None:
            return
        title_key = {_norm(columns.cell(row, "project")), _norm(columns.cell(row, "content"))}
        title_key.discard("")
        points = columns.cell(row, "points")
        if points and _norm(points) not in title_key:
            value = parse_points(points)
            if value is None:
                self.warnings.append(
                    f"{source.cell(index, columns.roles['points'])}：分值“{points}”不是数字，"
                    f"“{item.title}”未计分值，请核对。"
                )
            else:
                item.points, item.points_text = value, points
        for role in ("rule", "evidence"):
            text = columns.cell(row, role)
            if text and _norm(text) not in title_key:
                setattr(item, role, text)

    def finish(self) -> None:
        for top in self.items:
            for item in top.walk():
                if (
                    item.children
                    and item.points is not None
                    and item.counted
                    and all(c.points is not None for c in item.children)
                ):
                    below = _round(sum(c.points or 0 for c in item.children if c.counted))
                    if abs(below - item.points) > _EPSILON and below > 0:
                        self.warnings.append(
                            f"{item.location}：“{_label(item)}”的分值为 "
                            f"{format_points(item.points)} 分，下面各项合计 "
                            f"{format_points(below)} 分，请核对。"
                        )


def _clean_number(number: str) -> str:
    return number.strip().rstrip("、.．:：").strip()


def _mark(item: ParsedAssessmentItem, parent: ParsedAssessmentItem | None) -> None:
    """Bonus/deduction by the words of the item's title or of its heading's."""
    title = _norm(item.title)
    words = title + _norm(item.points_text or "")
    item.bonus = bool(parent and parent.bonus) or any(w in words for w in _BONUS_WORDS)
    item.deduction = bool(parent and parent.deduction) or (
        not item.bonus and any(w in title for w in _DEDUCTION_WORDS)
    )
    if item.bonus and item.deduction:
        item.deduction = False


def _label(item: ParsedAssessmentItem) -> str:
    number = item.number
    if number and number[-1] not in "）)":
        number += "、" if item.level == 1 and not number.isdigit() else "."
    return f"{number}{item.title}"


# --- files ----------------------------------------------------------------------------

_NOT_A_TABLE = (
    "这个文件不是 Excel 工作簿或 Word 文档，无法作为考核细则导入。"
    "请选择考核细则的 Excel（.xlsx、.xls）或 Word（.docx、.doc）文件。"
)
_NO_HEADER = (
    "找不到考核细则的表头（应有“考核项目/考核内容”和“分值”等列，如“序号、考核项目、考核内容、"
    "分值、评分标准、佐证材料”）。请确认选择的是考核细则，或把表头改成这样后再导入。"
)
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"
_ENCRYPTED = "EncryptedPackage".encode("utf-16-le")
_WORD_STREAM = "WordDocument".encode("utf-16-le")
_SHEET_STREAMS = ("Workbook".encode("utf-16-le"), "Book".encode("utf-16-le"))
_ATTACHMENT = re.compile(r"^附件\s*\d*\s*[:：]?$")


def _load_sources(path: Path, data: bytes) -> list[_Source]:
    """The tables of the file (sheets of a workbook, tables of a document)."""
    # The plan readers' checks and messages: zip bombs, DTDs, damaged files, passwords.
    from foodsafety_desktop.core.plans import reader, spreadsheet

    suffix = path.suffix.lower()
    if data.startswith(_OLE_MAGIC):
        if _ENCRYPTED in data:
            raise UserError(
                "这个文件设置了打开密码（已加密），无法读取。请在 Excel、Word 或 WPS 中输入密码"
                "打开，取消密码后另存，再导入。",
                file=path,
            )
        if any(stream in data for stream in _SHEET_STREAMS):
            return _sheet_sources(spreadsheet._read_xls(path, data))
        if _WORD_STREAM in data:
            return _block_sources(reader._read_converted(path, data, ".doc"))
        raise UserError(_NOT_A_TABLE, file=path)
    if data.startswith(_ZIP_MAGIC):
        import io
        import zipfile

        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            raise UserError("文件已损坏或下载不完整，无法打开。", file=path) from None
        if "xl/workbook.xml" in names:
            return _sheet_sources(spreadsheet._read_xlsx(path, data))
        if "word/document.xml" in names:
            return _block_sources(reader._read_docx(path, data))
        raise UserError(_NOT_A_TABLE, file=path)
    if data.startswith(b"{\\rtf"):
        return _block_sources(reader._read_converted(path, data, ".rtf"))
    if suffix in (".xlsx", ".xlsm", ".xls", ".et"):
        raise UserError(
            "无法打开这个 Excel 工作簿：文件已损坏，或不是真正的 Excel 文件"
            "（可能是改了扩展名的其他文件）。"
            "请在 Excel 或 WPS 中打开，“另存为” .xlsx 格式后再导入。",
            file=path,
        )
    if suffix in (".docx", ".doc", ".wps"):
        raise UserError(
            "无法打开这个 Word 文档：文件已损坏，或不是真正的 Word 文件。"
            "请在 Word 或 WPS 中打开，“另存为” .docx 格式后再导入。",
            file=path,
        )
    raise UserError(_NOT_A_TABLE, file=path)


def _sheet_sources(sheets: list) -> list[_Source]:
    sources = []
    for sheet in sheets:
        sources.append(_Source(rows=sheet.rows, sheet=sheet.name, table_number=0, titles=[]))
    return sources


def _block_sources(blocks: list) -> list[_Source]:
    sources: list[_Source] = []
    titles: list[str] = []
    number = 0
    for block in blocks:
        if isinstance(block, Paragraph):
            titles.append(block.text)
        elif isinstance(block, Table):
            number += 1
            sources.append(_Source(rows=block.rows, sheet=None, table_number=number, titles=titles))
            titles = []
    if sources:
        sources[-1].after = titles
    return sources


def _row_text(row: list[str]) -> str:
    return " ".join(dict.fromkeys(c.strip() for c in row if c.strip()))


def _title_of(texts: list[str], fallback: str) -> str:
    texts = [t.strip() for t in texts if t.strip() and not _ATTACHMENT.match(t.strip())]
    for text in texts:
        if ("考核" in text or "考评" in text or "评议" in text) and len(text) <= 120:
            return text
    return texts[0][:200] if texts else fallback


_ROLE_NAMES = {
    "number": "序号",
    "project": "考核项目",
    "content": "考核内容",
    "points": "分值",
    "rule": "评分标准",
    "evidence": "佐证材料",
    "remark": "备注",
}


def _remark_as_evidence(columns: _Columns, data_rows: list[list[str]]) -> None:
    """A 备注 column whose cells are mostly 佐证材料 requirements ("提供会议纪要、文件") is
    the evidence column when the table has none of its own."""
    if "remark" not in columns.roles or "evidence" in columns.roles:
        return
    cells = [columns.cell(r, "remark") for r in data_rows]
    cells = [c for c in cells if c and not _NOTE_ROW.match(c)]
    hits = sum(1 for c in cells if any(w in c for w in _EVIDENCE_CELL_WORDS))
    if cells and hits * 2 > len(cells):
        columns.roles["evidence"] = columns.roles["remark"]


def _header_columns(source: _Source, columns: _Columns, header_row: list[str]) -> tuple[str, str]:
    """(the columns recognised, the titled columns not recognised) of a header, in words."""
    roles = {index: role for role, index in columns.roles.items() if role != "remark"}

    def name(index: int) -> str:
        if source.sheet is not None:
            from foodsafety_desktop.core.excel.workbook_reader import column_letter

            return f"{column_letter(index + 1)}列“{_norm(header_row[index])}”"
        return f"第{index + 1}列“{_norm(header_row[index])}”"

    known = "、".join(f"{_ROLE_NAMES[roles[i]]}（{name(i)}）" for i in sorted(roles))
    unknown = "、".join(
        dict.fromkeys(
            name(i)
            for i, text in enumerate(header_row)
            if _norm(text)
            and i not in roles
            and _norm(text) not in {_norm(header_row[j]) for j in roles}
        )
    )
    return known, unknown


def _check_titles(
    path: Path,
    source: _Source,
    columns: _Columns,
    header_index: int,
    added: list[ParsedAssessmentItem],
    warnings: list[str],
) -> None:
    """Refuse a table whose items all lack their text (the content column was not
    recognised); name the rows where only some lack it."""
    leaves = [i for i in added if not i.children]
    untitled = [i for i in leaves if not i.title]
    if not untitled:
        return
    if len(untitled) == len(leaves):
        known, unknown = _header_columns(source, columns, source.rows[header_index])
        others = f"；没有认出的列：{unknown}" if unknown else ""
        raise UserError(
            f"表头（第{header_index + 1}行）下面的 {len(leaves)} 个考核项目都读不到考核内容，"
            f"不能导入。认出的列：{known}{others}。请把写考核内容的那一列的表头改为"
            "“考核内容”后再导入。",
            file=path,
            sheet=source.sheet,
        )
    rows = "、".join(i.location for i in untitled[:5])
    more = f"等 {len(untitled)} 处" if len(untitled) > 5 else ""
    warnings.append(f"{rows}{more}：考核项目没有考核内容（名称为空），请核对。")


# "加分项累计不超过3分", "加分最高不超过5分", "加分项每项加1分，最高加5分".
_BONUS_CAP = re.compile(
    rf"(?:加分|附加分|奖励分)[^；;。\n扣]{{0,16}}?"
    rf"(?:不超过|不得超过|不超|最高|最多|上限|封顶)\s*(?:为|可)?\s*(?:加|计|得)?\s*{_NUMBER}\s*分"
)


def _apply_bonus_cap(
    items: list[ParsedAssessmentItem], notes: list[str], warnings: list[str]
) -> None:
    """A bonus heading without points of its own takes the cap written in its rule cell or
    in a 备注/说明 note of the file ("加分项累计不超过3分")."""
    headings = [i for i in items if i.bonus and i.children]
    if len(headings) != 1:
        return
    heading = headings[0]
    texts = [heading.rule or "", *notes] if heading.points is None else notes
    for text in texts:
        m = _BONUS_CAP.search((text or "").translate(_FULLWIDTH_DIGITS))
        if not m:
            continue
        cap = float(m.group(1))
        if heading.points is None:
            heading.points, heading.points_text = cap, m.group(0)
        elif abs(heading.points - cap) > _EPSILON:
            warnings.append(
                f"{heading.location}：“{_label(heading)}”写的是 {format_points(heading.points)} "
                f"分，说明中写的是“{m.group(0)}”，请核对。"
            )
        return


def read_assessment(path: Path) -> ParsedAssessment:
    """The 考核细则 of a .xlsx/.xls or .docx/.doc file, nested; ``UserError`` (naming the
    file, and the sheet where it applies) when it is not one."""
    from foodsafety_desktop.core.plans import reader

    path = Path(path)
    size = reader._file_size(path)
    if size == 0:
        raise UserError("文件是空的，没有任何内容。", file=path)
    if size > reader.MAX_FILE_SIZE:
        raise UserError(
            f"文件太大（{size / 1024 / 1024:.1f} MB），超过了 20 MB 的上限，不像考核细则。",
            file=path,
        )
    return _parse(path, reader._read_bytes(path))


def _parse(path: Path, data: bytes) -> ParsedAssessment:
    sources = _load_sources(path, data)
    builder = _Builder()
    titles: list[str] = []
    found = False
    notes: list[str] = []
    for source in sources:
        header = _find_header(source.rows)
        if header is None:
            continue
        columns, index = header
        above = [_row_text(r) for r in source.rows[:index]]
        if not found:
            titles = source.titles + above
        notes += source.titles + above + source.after
        found = True
        _remark_as_evidence(columns, source.rows[index + 1 :])
        before = {id(i) for top in builder.items for i in top.walk()}
        builder.add_table(source, columns, index + 1)
        added = [i for top in builder.items for i in top.walk() if id(i) not in before]
        _check_titles(path, source, columns, index, added, builder.warnings)
    if not found:
        non_empty = [s for s in sources if any(any(c.strip() for c in r) for r in s.rows)]
        if not sources or not non_empty:
            what = "工作簿里没有任何内容" if sources and sources[0].sheet else "文件里没有表格"
            if not sources and data.startswith(_ZIP_MAGIC):
                what = "文件里没有表格"
            raise UserError(f"{what}，无法作为考核细则导入。", file=path)
        first = non_empty[0]
        more = f"（共 {len(non_empty)} 个{'工作表' if first.sheet else '表格'}都没有）"
        raise UserError(
            _NO_HEADER if len(non_empty) == 1 else _NO_HEADER.replace("。", more + "。", 1),
            file=path,
            sheet=first.sheet,
        )
    if not builder.items:
        raise UserError("考核细则的表头下面没有任何考核项目。", file=path)
    builder.finish()
    _apply_bonus_cap(builder.items, [*builder.notes, *notes], builder.warnings)
    parsed = ParsedAssessment(
        title=_title_of(titles, path.stem),
        source_name=path.name,
        items=builder.items,
        warnings=builder.warnings,
    )
    total = parsed.total_points
    if abs(total - FULL_MARKS) > _EPSILON:
        extra = []
        if parsed.bonus_points:
            extra.append(f"加分项 {format_points(parsed.bonus_points)} 分")
        if parsed.deduction_points:
            extra.append(f"扣分项 {format_points(parsed.deduction_points)} 分")
        aside = f"（{'、'.join(extra)}另计）" if extra else ""
        parsed.warnings.insert(
            0,
            f"各项分值合计 {format_points(total)} 分{aside}，不是 {format_points(FULL_MARKS)} 分，"
            "请核对考核细则。",
        )
    return parsed


# --- the database ---------------------------------------------------------------------


def content_count_text(contents: int, parts: int) -> str:
    return f"{contents} 项考核内容（{parts} 个一级项目）"


@dataclass
class AssessmentImport:
    """What ``import_assessment`` stored."""

    assessment_id: int
    title: str
    item_count: int  # every row: 一级项目 and 考核内容
    content_count: int
    part_count: int
    total_points: float
    bonus_points: float
    deduction_points: float
    warnings: list[str]
    replaced_id: int | None = None  # the 细则 it replaced


@dataclass
class AssessmentSummary:
    id: int
    year: int
    kind: str
    title: str
    item_count: int  # every row: 一级项目 and 考核内容
    content_count: int
    part_count: int
    total_points: float
    bonus_points: float
    source_name: str | None
    created_at: dt.datetime

    @property
    def count_text(self) -> str:
        return content_count_text(self.content_count, self.part_count)


@dataclass
class OutlineItem:
    id: int
    parent_id: int | None
    level: int
    number: str
    title: str
    points: float | None
    points_text: str | None
    rule: str | None
    evidence: str | None
    bonus: bool
    deduction: bool

    @property
    def label(self) -> str:
        number = self.number
        if number and number[-1] not in "）)":
            number += "、" if self.level == 1 and not number.isdigit() else "."
        return f"{number}{self.title}"


@dataclass
class AssessmentOutline:
    summary: AssessmentSummary
    items: list[OutlineItem]


def _check_kind(kind: str) -> str:
    kind = (kind or "").strip()
    aliases = {"对乡镇": KIND_TOWNSHIP, "乡镇（街道）": KIND_TOWNSHIP, "对成员单位": KIND_MEMBER}
    kind = aliases.get(kind, kind)
    if kind not in KINDS:
        raise UserError(f"考核对象应为“{KIND_TOWNSHIP}”或“{KIND_MEMBER}”，而不是“{kind}”。")
    return kind


def _check_year(year: int) -> int:
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        raise UserError(f"考核年度应为 2000 到 2100 之间的年份，而不是“{year}”。")
    return year


def import_assessment(
    db: Database,
    path: Path,
    *,
    year: int,
    kind: str,
    user: str,
    replace: bool = False,
) -> AssessmentImport:
    """Read ``path`` and store it as the 考核细则 of ``year`` for ``kind``, in one transaction.

    An existing 细则 of the same year and kind is kept (``UserError`` naming it) unless
    ``replace``: then it is deleted in the same transaction.  One audit entry.
    """
    kind = _check_kind(kind)
    year = _check_year(year)
    path = Path(path)
    parsed = read_assessment(path)
    content = path.read_bytes()
    digest = hashlib.sha256(content).hexdigest()
    if replace:
        from foodsafety_desktop.core.storage.backup import before_change

        with db.session() as session:
            replacing = session.scalar(
                select(Assessment.id).where(Assessment.year == year, Assessment.kind == kind)
            )
        if replacing is not None:
            before_change(db, "assessment-replace")  # the old 细则 can be restored
    with db.session() as session:
        # The original file stays with the database, as plans and returned workbooks do.
        relative = assessment_original_path(path.name, digest)
        originals = originals_of(session)
        if not originals.has(session, relative):
            originals.keep(session, relative, content)
        existing = session.execute(
            select(Assessment.id, Assessment.title, Assessment.source_name, Assessment.created_at)
            .where(Assessment.year == year, Assessment.kind == kind)
        ).first()  # fmt: skip
        replaced = None
        if existing is not None:
            if not replace:
                source = f"，来自“{existing.source_name}”" if existing.source_name else ""
                raise UserError(
                    f"{year}年度对{kind}的考核细则已经有了：《{existing.title}》"
                    f"（编号 {existing.id}，"
                    f"{cn_datetime(local_time(existing.created_at))}导入{source}）。"
                    "如要用这份文件替换它，请选择替换（命令行加 --replace）。",
                    file=path,
                )
            count = session.scalar(
                select(func.count()).where(AssessmentItem.assessment_id == existing.id)
            )
            replaced = {"id": existing.id, "title": existing.title, "items": count}
            session.execute(
                delete(AssessmentItem).where(AssessmentItem.assessment_id == existing.id)
            )
            session.execute(delete(Assessment).where(Assessment.id == existing.id))
            session.flush()
        assessment = Assessment(
            year=year,
            kind=kind,
            title=parsed.title,
            source_name=path.name,
            source_sha256=digest,
        )
        session.add(assessment)
        position = 0

        def add(item: ParsedAssessmentItem, parent: AssessmentItem | None) -> None:
            nonlocal position
            position += 1
            row = AssessmentItem(
                assessment=assessment,
                parent=parent,
                position=position,
                level=item.level,
                number=item.number,
                title=item.title,
                points=item.points,
                points_text=item.points_text,
                rule=item.rule,
                evidence=item.evidence,
                bonus=item.bonus,
                deduction=item.deduction,
            )
            session.add(row)  # no cascade along a backref (SQLAlchemy 2)
            for child in item.children:
                add(child, row)

        for top in parsed.items:
            add(top, None)
        session.flush()
        summary = (
            f"导入{year}年度对{kind}的考核细则《{parsed.title}》：{parsed.count_text}，"
            f"合计 {format_points(parsed.total_points)} 分"
        )
        if parsed.bonus_points:
            summary += f"，加分项 {format_points(parsed.bonus_points)} 分"
        if replaced:
            summary += f"（替换原细则《{replaced['title']}》）"
        audit.record(
            session,
            user=user,
            action="assessment.import",
            entity="assessment",
            entity_id=assessment.id,
            summary=summary,
            detail={
                "year": year,
                "kind": kind,
                "source_name": path.name,
                "sha256": digest,
                "items": parsed.item_count,
                "total_points": parsed.total_points,
                "bonus_points": parsed.bonus_points,
                "replaced": replaced,
            },
        )
        return AssessmentImport(
            assessment_id=assessment.id,
            title=parsed.title,
            item_count=parsed.item_count,
            content_count=parsed.content_count,
            part_count=parsed.part_count,
            total_points=parsed.total_points,
            bonus_points=parsed.bonus_points,
            deduction_points=parsed.deduction_points,
            warnings=list(parsed.warnings),
            replaced_id=replaced["id"] if replaced else None,
        )


def _outline_items(session: Session, assessment_id: int) -> list[OutlineItem]:
    rows = session.scalars(
        select(AssessmentItem)
        .where(AssessmentItem.assessment_id == assessment_id)
        .order_by(AssessmentItem.position)
    )
    return [
        OutlineItem(
            id=r.id,
            parent_id=r.parent_id,
            level=r.level,
            number=r.number,
            title=r.title,
            points=r.points,
            points_text=r.points_text,
            rule=r.rule,
            evidence=r.evidence,
            bonus=r.bonus,
            deduction=r.deduction,
        )
        for r in rows
    ]


def _totals(items: list[OutlineItem]) -> tuple[float, float]:
    """(counted total, bonus) of stored items, by the rules of ``ParsedAssessment``."""
    parsed: dict[int, ParsedAssessmentItem] = {}
    tops: list[ParsedAssessmentItem] = []
    for item in items:
        node = ParsedAssessmentItem(
            number=item.number,
            title=item.title,
            level=item.level,
            points=item.points,
            bonus=item.bonus,
            deduction=item.deduction,
        )
        parsed[item.id] = node
        if item.parent_id is None or item.parent_id not in parsed:
            tops.append(node)
        else:
            parsed[item.parent_id].children.append(node)
    whole = ParsedAssessment(title="", source_name="", items=tops)
    return whole.total_points, whole.bonus_points


def _summary(session: Session, row: Assessment, items: list[OutlineItem]) -> AssessmentSummary:
    total, bonus = _totals(items)
    parents = {i.parent_id for i in items}
    return AssessmentSummary(
        id=row.id,
        year=row.year,
        kind=row.kind,
        title=row.title,
        item_count=len(items),
        content_count=sum(1 for i in items if i.id not in parents),
        part_count=sum(1 for i in items if i.parent_id is None),
        total_points=total,
        bonus_points=bonus,
        source_name=row.source_name,
        created_at=row.created_at,
    )


def list_assessments(session: Session) -> list[AssessmentSummary]:
    """Every stored 考核细则, newest year first (乡镇 before 成员单位)."""
    rows = session.scalars(
        select(Assessment).order_by(Assessment.year.desc(), Assessment.kind)
    ).all()
    return [_summary(session, r, _outline_items(session, r.id)) for r in rows]


def assessment_outline(session: Session, assessment_id: int) -> AssessmentOutline:
    """One 考核细则 with its items in order; ``UserError`` for an unknown id."""
    row = assessment_row(session, assessment_id)
    items = _outline_items(session, row.id)
    return AssessmentOutline(summary=_summary(session, row, items), items=items)


# --- naming items as the clerk does ---------------------------------------------------


def assessment_row(session: Session, assessment_id: int) -> Assessment:
    """The stored 细则; ``UserError`` for an unknown id."""
    row = session.get(Assessment, assessment_id)
    if row is None:
        raise UserError(f"没有编号为 {assessment_id} 的考核细则。")
    return row


def assessment_items(session: Session, assessment_id: int) -> list[AssessmentItem]:
    """The items of a 细则 in order (a heading before its items)."""
    return list(
        session.scalars(
            select(AssessmentItem)
            .where(AssessmentItem.assessment_id == assessment_id)
            .order_by(AssessmentItem.position, AssessmentItem.id)
        )
    )


class NumberedItem(Protocol):
    """A stored item or its outline (``OutlineItem``)."""

    id: int
    parent_id: int | None
    number: str
    title: str


def item_paths(items: Iterable[NumberedItem]) -> dict[int, str]:
    """Item id → its number path as the clerk names it: "二.4", "三.（一）.1"; a part
    without a number by its title ("加分项.1")."""
    items = list(items)
    by_id = {i.id: i for i in items}
    out: dict[int, str] = {}
    for item in items:
        parts: list[str] = []
        node: NumberedItem | None = item
        seen: set[int] = set()
        while node is not None and node.id not in seen:
            seen.add(node.id)
            parts.append(node.number or node.title[:12])
            node = by_id.get(node.parent_id) if node.parent_id is not None else None
        out[item.id] = ".".join(reversed(parts))
    return out


def normalized_ref(text: str) -> str:
    """A reference as typed, for comparing: half-width brackets and dots, no spaces."""
    table = str.maketrans("（）．、。", "()...")
    return re.sub(r"\s+", "", (text or "").translate(table)).strip(". ")


def find_item(session: Session, assessment_id: int, ref: str | int) -> AssessmentItem:
    """The item of the 细则 that ``ref`` names: its number path ("二.4", "三.（一）.1"),
    its number alone when no other item has it ("4"), or its id ("#12"; digits that are
    no item's number are tried as an id); ``UserError`` otherwise."""
    assessment_row(session, assessment_id)
    items = assessment_items(session, assessment_id)
    paths = item_paths(items)
    wanted = normalized_ref(str(ref))
    if not wanted:
        raise UserError("请写明考核细则的项目编号，如“二.4”。")
    if wanted.startswith("#") and wanted[1:].isdigit():
        found = next((i for i in items if i.id == int(wanted[1:])), None)
        if found is None:
            raise UserError(f"考核细则（编号 {assessment_id}）里没有编号为 {wanted} 的项目。")
        return found
    exact = [i for i in items if normalized_ref(paths[i.id]) == wanted]
    if len(exact) == 1:
        return exact[0]
    tail = [i for i in items if normalized_ref(paths[i.id]).endswith("." + wanted)]
    if not exact and len(tail) == 1:
        return tail[0]
    if exact or len(tail) > 1:
        names = "、".join(paths[i.id] for i in (exact or tail)[:6])
        raise UserError(f"“{ref}”指向多个项目（{names}），请写完整的编号。")
    if wanted.isdigit():
        found = next((i for i in items if i.id == int(wanted)), None)
        if found is not None:
            return found
    parents = {i.parent_id for i in items}
    example = next((paths[i.id] for i in items if i.id not in parents), "二.5")
    raise UserError(
        f"考核细则（编号 {assessment_id}）里没有项目“{ref}”。请从一级项目的序号写起，"
        f"如“{example}”，或写 #编号；各项的编号见 assessment show {assessment_id}。"
    )
