"""Tasks from a division-of-labour table (任务分工表): 序号 / 任务 / 牵头单位 / 配合单位 / 完成时限.

A table is recognised by its header (found by its titles in the first ``HEADER_SCAN_ROWS``
rows: a workbook's sheet often has a title row or two above it); section rows such as a
full-width "一、源头治理", or a row with only "一" in 序号 and a title in 任务, set the heading
path of the rows below them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from foodsafety_desktop.core.plans.indicators import extract_targets
from foodsafety_desktop.core.plans.model import Heading, ParsedItem, ParsedTask, Table
from foodsafety_desktop.core.plans.schedule import parse_deadline

__all__ = ["HEADER_SCAN_ROWS", "header_row_index", "split_names", "tasks_from_table"]

HEADER_SCAN_ROWS = 10

_SPACE = re.compile(r"\s+")
# People, not departments: "牵头领导", "责任人", "联系人及电话".
_PERSON = ("领导", "责任人", "联系人", "负责人", "电话", "备注")


def _norm(cell: str) -> str:
    return _SPACE.sub("", cell)


def _role(header: str) -> str | None:
    """What a header cell names: label, task, lead, others, deadline, target, category."""
    h = _norm(header).strip("：:*")
    if not h or len(h) > 14:
        return None
    if any(w in h for w in _PERSON):
        return None
    if h in {"序号", "编号", "序", "No.", "No"}:
        return "label"
    if "牵头" in h or h == "主责单位" or h == "主办单位":
        return "lead"
    if any(w in h for w in ("配合", "参与", "协办", "协助")):
        return "cooperating"
    if any(w in h for w in ("责任单位", "责任部门", "实施单位", "承办单位", "负责单位")):
        return "others"
    if any(w in h for w in ("时限", "完成时间", "时间节点", "完成期限", "时间安排", "进度")):
        return "deadline"
    if h in {"时间", "期限"}:
        return "deadline"
    if any(w in h for w in ("目标", "指标", "标准")):
        return "target"
    if h in {"类别", "分类", "领域", "重点领域", "工作类别", "任务类别"}:
        return "category"
    if any(w in h for w in ("任务", "工作内容", "措施", "重点工作", "工作事项", "内容", "事项")):
        return "task"
    return None


@dataclass
class _Columns:
    roles: dict[int, str] = field(default_factory=dict)

    def first(self, role: str) -> int | None:
        return next((i for i, r in self.roles.items() if r == role), None)

    def all(self, role: str) -> list[int]:
        return [i for i, r in self.roles.items() if r == role]

    @property
    def recognised(self) -> bool:
        has = set(self.roles.values())
        return "task" in has and bool(has & {"lead", "others", "cooperating"})


def _classify(row: list[str]) -> _Columns:
    columns = _Columns()
    seen_text: set[str] = set()
    for i, cell in enumerate(row):
        role = _role(cell)
        key = _norm(cell)
        if role is None or key in seen_text:
            continue  # a merged header cell repeats its text: keep the first column
        seen_text.add(key)
        if role == "task" and columns.first("task") is not None:
            continue
        columns.roles[i] = role
    return columns


def header_row_index(rows: list[list[str]]) -> int | None:
    """Index of the (first) header row of a division-of-labour table, or None."""
    for index in range(min(HEADER_SCAN_ROWS, len(rows))):
        if _classify(rows[index]).recognised:
            return index
    return None


def _header(rows: list[list[str]]) -> tuple[_Columns, int] | None:
    """Column roles and the index of the first data row."""
    for index in range(min(HEADER_SCAN_ROWS, len(rows))):
        columns = _classify(rows[index])
        if not columns.recognised:
            continue
        nxt = index + 1
        if nxt < len(rows) and _continues_header(rows[index], rows[nxt]):
            # Two-row header: 责任单位 over 牵头单位 | 配合单位.
            merged = dict(columns.roles)
            merged.update(_classify(rows[nxt]).roles)
            return _Columns(merged), nxt + 1
        return columns, nxt
    return None


def _continues_header(upper: list[str], lower: list[str]) -> bool:
    """True when every cell of ``lower`` is a header word or repeats the cell above."""
    if not _classify(lower).roles:
        return False
    for i, cell in enumerate(lower):
        text = _norm(cell)
        if not text or _role(cell) is not None:
            continue
        if i < len(upper) and text == _norm(upper[i]):
            continue
        return False
    return True


# --- department names -----------------------------------------------------------------

_NAME_SEPARATORS = set("、，,；;/／ \t\n\u3000")
_NAME_NOISE = re.compile(
    r"(?:按职责分工负责|按职责分工|分别负责|按职责负责|共同负责|负责|等单位|等部门|等)$"
)
_LEAD_MARK = re.compile(r"[（(]\s*(?:牵头|牵头单位|主责)\s*[)）]$|牵头$")
_COOP_MARK = re.compile(r"[（(]\s*(?:配合|配合单位)\s*[)）]$|配合$")


def split_names(cell: str) -> list[str]:
    """Department names of a cell: split on 、，,；; and spaces, never inside （…）."""
    names: list[str] = []
    current = ""
    depth = 0
    for ch in cell:
        if ch in "（(":
            depth += 1
        elif ch in "）)":
            depth = max(0, depth - 1)
        if depth == 0 and ch in _NAME_SEPARATORS:
            if current.strip():
                names.append(current.strip())
            current = ""
        else:
            current += ch
    if current.strip():
        names.append(current.strip())
    out: list[str] = []
    for name in names:
        name = name.strip("。．.：:")
        if name in {"无", "—", "-", "/", "——"}:
            continue
        if name:
            out.append(name)
    return out


def _clean_name(name: str) -> tuple[str, str | None]:
    """The name without 牵头/配合 marks and the mark found ("lead", "cooperating")."""
    mark = None
    if _LEAD_MARK.search(name):
        mark, name = "lead", _LEAD_MARK.sub("", name)
    elif _COOP_MARK.search(name):
        mark, name = "cooperating", _COOP_MARK.sub("", name)
    name = _NAME_NOISE.sub("", name).strip()
    return name, mark


def _item(text: str, row: list[str], columns: _Columns) -> ParsedItem:
    lead: list[str] = []
    others: list[str] = []
    cooperating: list[str] = []
    has_lead_column = columns.first("lead") is not None
    for index, role in columns.roles.items():
        if role not in {"lead", "others", "cooperating"} or index >= len(row):
            continue
        for raw in split_names(row[index]):
            name, mark = _clean_name(raw)
            if not name:
                continue
            if role == "lead" or mark == "lead":
                lead.append(name)
            else:
                others.append(name)
                if role == "cooperating" or mark == "cooperating":
                    cooperating.append(name)
    lead = list(dict.fromkeys(lead))
    others = [n for n in dict.fromkeys(others) if n not in lead]
    if not has_lead_column and not lead and others:
        lead = [others.pop(0)]  # "责任单位" only: the first named leads
        cooperating = [n for n in cooperating if n != lead[0]]
    return ParsedItem(text=text, lead=lead, others=others, cooperating=cooperating)


# --- rows -----------------------------------------------------------------------------

_SECTION_LABEL = re.compile(
    r"^\s*(?P<label>[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十]+[)）]"
    r"|第[一二三四五六七八九十]+[部分章节项类]\s*)\s*(?P<title>.*)$"
)
_FIRST_SENTENCE = re.compile(r"^(.+?)(?:[。；;！!？?\n]|$)", re.S)
_TASK_LABEL = re.compile(r"^\s*(?:\d+[.．、]|[（(]\d+[)）])\s*")


def _style_of(label: str) -> str:
    if not label:
        return "plain"
    if label.startswith(("（", "(")):
        return "paren"
    if label.startswith("第"):
        return "part"
    return "comma"


def _label(cell: str, number: int) -> str:
    text = _norm(cell)
    if not text:
        return f"{number}."
    if text.isdigit():
        return f"{text}."
    return text


def _section_row(row: list[str]) -> tuple[str, str] | None:
    """(label, title) of a row that only carries a section heading."""
    texts = [c.strip() for c in row]
    non_empty = {_norm(t) for t in texts if t}
    if len(non_empty) != 1:
        return None
    text = next(t for t in texts if t)
    if m := _SECTION_LABEL.match(text):
        return m["label"].strip(), m["title"].strip()
    if len(texts) > 1 and all(_norm(t) == _norm(text) for t in texts):
        return "", text  # a full-width merged row without numbering
    return None


_CN_LABEL_CELL = re.compile(
    r"^(?:[一二三四五六七八九十]+[、.．]?|[（(][一二三四五六七八九十]+[)）]|第[一二三四五六七八九十]+[部分章节项类])$"
)


def _labelled_section_row(row: list[str], columns: _Columns) -> tuple[str, str] | None:
    """(label, title) of a row with a Chinese-numeral 序号 ("一", "（二）"), a title in the
    task column and no department or deadline: a section of the table."""
    label_col, task_col = columns.first("label"), columns.first("task")
    if label_col is None or task_col is None:
        return None
    label = _norm(row[label_col])
    if not _CN_LABEL_CELL.match(label):
        return None
    title = row[task_col].strip()
    if not title:
        return None
    for index, role in columns.roles.items():
        cell = _norm(row[index])
        if role in {"lead", "others", "cooperating", "deadline"} and cell and cell != _norm(title):
            return None  # (a merged section row repeats its title in every cell)
    if label[-1] not in "、.．）)" and not label.startswith("第"):
        label += "、"
    return label, title


def _title(text: str) -> str:
    body = _TASK_LABEL.sub("", text.strip())
    m = _FIRST_SENTENCE.match(body)
    return (m.group(1) if m else body).strip()


def tasks_from_table(
    table: Table, path: list[Heading], *, plan_year: int | None = None
) -> list[ParsedTask] | None:
    """One ``ParsedTask`` per data row of a division-of-labour table, or ``None``.

    ``path`` is the heading path the table stands under; full-width section rows in the
    table extend it.  ``plan_year`` lets "6月底前" become a date in a one-year plan.
    """
    rows = [list(r) for r in table.rows if any(_norm(c) for c in r)]
    found = _header(rows)
    if found is None:
        return None
    columns, start = found
    task_col = columns.first("task")
    label_col = columns.first("label")
    deadline_col = columns.first("deadline")
    category_col = columns.first("category")
    target_cols = columns.all("target")
    assert task_col is not None
    width = max(columns.roles) + 1
    header_row = rows[start - 1]
    header_task = _norm(header_row[task_col]) if task_col < len(header_row) else ""
    base_level = path[-1].level if path else 0
    sections: list[tuple[str, Heading]] = []  # (numbering style, heading) innermost last
    category: Heading | None = None
    tasks: list[ParsedTask] = []
    number = 0
    for row in rows[start:]:
        row = row + [""] * (width - len(row))
        if section := _section_row(row) or _labelled_section_row(row, columns):
            label, title = section
            style = _style_of(label)
            styles = [s for s, _ in sections]
            depth = styles.index(style) if style in styles else len(sections)
            heading = Heading(label=label, title=title, level=base_level + depth + 1)
            sections = [*sections[:depth], (style, heading)]
            continue
        task_text = row[task_col].strip() if task_col < len(row) else ""
        if not task_text:
            continue
        if _norm(task_text) == header_task:
            continue  # a repeated header row (tables that break across pages)
        value = row[category_col].strip() if category_col is not None else ""
        if value and (category is None or category.title != value):
            category = Heading(label="", title=value, level=base_level + 1)
        label_cell = row[label_col] if label_col is not None else ""
        item = _item(task_text, row, columns)
        current_path = [*path, *(h for _, h in sections)]
        if category is not None:
            current_path.append(category)
        previous = tasks[-1] if tasks else None
        if (
            previous is not None
            and _norm(label_cell)
            and _label(label_cell, number) == previous.label
            and previous.text == task_text
        ):
            # A vertically merged 序号/任务 cell with one row per department group.
            if all((i.lead, i.others) != (item.lead, item.others) for i in previous.items):
                previous.items.append(item)
            continue
        number += 1
        deadline_text = row[deadline_col].strip() if deadline_col is not None else ""
        deadline = parse_deadline(deadline_text, default_year=plan_year) if deadline_text else None
        target_text = "\n".join([task_text, *(row[c] for c in target_cols if c < len(row))])
        tasks.append(
            ParsedTask(
                label=_label(label_cell, number),
                path=current_path,
                title=_title(task_text),
                text=task_text,
                items=[item],
                deadline=(deadline_text if len(deadline_text) <= 30 else deadline[0])
                if deadline
                else deadline_text or None,
                deadline_date=deadline[1] if deadline else None,
                targets=extract_targets(target_text),
            )
        )
    return tasks
