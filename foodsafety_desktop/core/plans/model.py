"""What the plan reader finds in a plan document, before anything is stored.

These plain dataclasses are the contract between plan parsing (``reader``, ``parser``),
the import review (UI) and storage (``services.plan_import``).  Department names here
are always *as written* in the document; resolving them to canonical departments is
the job of ``services.departments``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

# --- blocks: what a reader hands to the parser ---------------------------------------


@dataclass
class Paragraph:
    """One paragraph of text (a line of a .txt, a paragraph of a .docx).

    ``heading_level`` is set when the document itself says the paragraph is a heading
    (Word's "Heading 1..4" styles, Markdown ``#``); typed numbering ("一、", "（一）")
    is detected by the parser, not the reader.
    """

    text: str
    heading_level: int | None = None


@dataclass
class Table:
    """A table of a .docx: rows of cell texts, first row usually the header."""

    rows: list[list[str]]


Block = Paragraph | Table

# --- parsed plan ----------------------------------------------------------------------


@dataclass
class Heading:
    """A section heading: label as written ("三、", "（一）", "1.") and its title."""

    label: str
    title: str
    level: int  # 1 for the outermost numbering style found in the document

    def as_text(self) -> str:
        return f"{self.label}{self.title}"


Comparison = Literal["≥", "≤", "=", ">", "<"]


@dataclass
class ParsedTarget:
    """A quantitative target (指标) found in a task's text."""

    text: str  # the phrase as written, e.g. "“明厨亮灶”建设覆盖率达到90%"
    value: float | None  # 90.0
    unit: str  # "%", "批次/千人", "学时/年", "项" ...
    comparison: Comparison  # "≥" for 达到/以上/不低于/不少于, "≤" for 不超过/以下 ...
    subject: str = ""  # what is measured, best effort: "“明厨亮灶”建设覆盖率"

    def to_json(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "subject": self.subject,
            "comparison": self.comparison,
            "value": self.value,
            "unit": self.unit,
        }


@dataclass
class ParsedItem:
    """One attributed clause of a task: its text and the departments named for it.

    ``lead``: 牵头单位 as written.  ``others``: every other named department, in order
    (责任单位 and 配合单位); ``cooperating`` is the subset named as 配合.
    """

    text: str
    lead: list[str] = field(default_factory=list)
    others: list[str] = field(default_factory=list)
    cooperating: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"text": self.text, "lead": self.lead, "others": self.others}


@dataclass
class ParsedTask:
    """A task of the plan (the lowest numbered item that carries attributions)."""

    label: str  # "（二）", "3.", "13."
    path: list[Heading]  # enclosing sections, outermost first
    title: str  # first sentence / heading text without the label
    text: str  # the whole task text without label and attribution notes
    items: list[ParsedItem] = field(default_factory=list)
    deadline: str | None = None  # as written: "2020年10月", "2019年12月"
    deadline_date: dt.date | None = None  # last day of that period: 2020-10-31
    targets: list[ParsedTarget] = field(default_factory=list)

    @property
    def lead(self) -> list[str]:
        return _union(name for item in self.items for name in item.lead)

    @property
    def others(self) -> list[str]:
        leads = set(self.lead)
        return [n for n in _union(n for i in self.items for n in i.others) if n not in leads]

    def assign(self, lead: list[str], others: list[str], *, replace: bool) -> None:
        """Name departments for the whole task, as the clerk does for several tasks at once.

        ``replace``: every item gets exactly these departments (a task without items gets
        one item).  Otherwise they are added: ``lead`` leads items that have no lead and
        is 责任 elsewhere; ``others`` join every item's 责任单位.
        """
        others = [n for n in _union(others) if n not in lead]
        if not self.items:
            self.items.append(ParsedItem(text=self.text))
        for item in self.items:
            if replace:
                item.lead, item.others, item.cooperating = list(lead), list(others), []
                continue
            extra = [] if not item.lead else [n for n in lead if n not in item.lead]
            if not item.lead:
                item.lead = list(lead)
            item.others = [n for n in _union([*item.others, *extra, *others]) if n not in item.lead]

    def to_json(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "path": [h.as_text() for h in self.path],
            "title": self.title,
            "text": self.text,
            "lead": self.lead,
            "others": self.others,
            "items": [item.to_json() for item in self.items],
            "deadline": self.deadline,
            "deadline_date": self.deadline_date.isoformat() if self.deadline_date else None,
            "targets": [t.to_json() for t in self.targets],
        }


Recurrence = Literal["yearly", "half-yearly", "quarterly", "once"]


@dataclass
class ReportingRule:
    """A reporting obligation found in the plan's 工作措施 / 工作要求 part."""

    text: str  # the sentence as written
    dates: list[str]  # "MM-DD" for recurring dates, "YYYY-MM-DD" for one-off ones
    recurrence: Recurrence
    what: str  # "年度工作总结", "季度和年度工作总结", "专项攻坚行动工作方案" ...

    def to_json(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "dates": self.dates,
            "recurrence": self.recurrence,
            "what": self.what,
        }


@dataclass
class ParsedPlan:
    """Everything found in one plan document."""

    title: str
    issuer: str | None = None  # 发文机关: "卢氏县人民政府办公室"
    doc_number: str | None = None  # 文号: "卢政办〔2022〕21号"
    date: dt.date | None = None  # 成文日期
    year_start: int | None = None  # years the plan covers: 2022..2024
    year_end: int | None = None
    jurisdiction: str | None = None  # "区", "县", "市": prefix elided in department names
    # The place by name ("卢氏县", "营口市鲅鱼圈区", ``core.places``): the 署名 and 报送至
    # of the plan's documents; None when the plan names none.
    place: str | None = None
    tasks: list[ParsedTask] = field(default_factory=list)
    reporting: list[ReportingRule] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # Chinese, for the review dialog
    source_name: str | None = None  # file name the plan came from

    def department_names(self) -> list[str]:
        """Every department name as written, in order of first appearance."""
        return _union(
            name
            for task in self.tasks
            for item in task.items
            for name in (*item.lead, *item.others)
        )

    @property
    def stored_jurisdiction(self) -> str | None:
        """What ``Plan.jurisdiction`` keeps: the place when known ("卢氏县"), else the
        level ("县"); ``names.jurisdiction_level`` reads the level back from either."""
        return self.place or self.jurisdiction

    def to_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "issuer": self.issuer,
            "doc_number": self.doc_number,
            "date": self.date.isoformat() if self.date else None,
            "year_start": self.year_start,
            "year_end": self.year_end,
            "jurisdiction": self.jurisdiction,
            "place": self.place,
            "tasks": [task.to_json() for task in self.tasks],
            "reporting": [rule.to_json() for rule in self.reporting],
            "warnings": self.warnings,
        }


def _union(names: Any) -> list[str]:
    """Names in first-seen order without repeats."""
    return list(dict.fromkeys(names))
