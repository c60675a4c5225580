"""The period's 工作总结 / 落实情况报告: a draft generated from the ledger and the
submissions, the clerk's saved edits merged in, written as a 公文 (GB/T 9704).

Generated text is never stored.  ``summary_draft`` keeps only what the clerk changed
(a NULL field follows the generated text), so regenerating after a late submission
updates the figures and paragraphs the clerk did not touch and keeps the rest.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from foodsafety_desktop.core.dates import cn_date, local_time
from foodsafety_desktop.core.errors import UserError
from foodsafety_desktop.core.reports.formatting import (
    MAX_TITLE_LINES,
    break_title,
    keep_last_lines_with_signature,
    line_count,
    names_cell,
)
from foodsafety_desktop.core.reports.material import (
    STATUS_ORDER,
    PeriodMaterial,
    SectionMaterial,
    TaskMaterial,
    format_number,
    gather_material,
    sentence,
    unique_texts,
)
from foodsafety_desktop.core.services import audit
from foodsafety_desktop.core.services.documents import (
    DocumentSettings,
    default_recipient,
)
from foodsafety_desktop.core.services.overview import (
    KIND_COUNT,
    VERDICT_NO_DATA,
    VERDICTS,
    TargetProgress,
)
from foodsafety_desktop.core.services.period_status import STATUS_NOT_REPORTED
from foodsafety_desktop.core.services.periods import regular_period
from foodsafety_desktop.core.storage.models import (
    PERIOD_HALF,
    PERIOD_QUARTER,
    PERIOD_YEAR,
    ReportingPeriod,
    Submission,
    utcnow,
)
from foodsafety_desktop.core.storage.models import (
    SummaryDraft as SummaryDraftRow,
)
from foodsafety_desktop.core.titles import (
    period_words,
    plan_reference,
    progress,
    title_text,
    title_units,
)
from foodsafety_desktop.core.word import FontSet, OfficialDocument, heading_label
from foodsafety_desktop.core.word.official import DocumentHead, Letterhead

MASTHEAD_NONE = "none"
MASTHEAD_FILE = "file"  # the letterhead file kept with the database (services.documents)
MASTHEAD_MARK = "mark"  # a red 发文机关标志 set from its text
MASTHEADS = (MASTHEAD_NONE, MASTHEAD_FILE, MASTHEAD_MARK)
# The DocumentHead fields a draft stores when the clerk changed them.
HEAD_FIELDS = (
    "copy_number",
    "secrecy",
    "urgency",
    "issuer_mark",
    "doc_number",
    "signed_by",
    "copy_to",
    "printed_by",
    "printed_on",
)

BLOCK_SECTION = "section"
BLOCK_TASK = "task"

NOBODY_REPORTED = "本期各责任单位未报送落实情况。"
DEFAULT_BODY_HEADING = "主要工作开展情况"
PROBLEMS_HEADING = "存在的问题"
NEXT_STEPS_HEADING = "下步工作打算"
TASK_TABLE_TITLE = "任务落实情况一览表"
INDICATOR_TABLE_TITLE = "指标完成情况表"
TASK_TABLE_HEADER = ["序号", "任务", "牵头单位", "责任单位", "完成情况", "进展摘要"]
INDICATOR_TABLE_HEADER = ["序号", "指标", "目标值", "本期报送值", "年度累计或最新", "完成判断"]
TABLE_FONT_PT = 12.0
SUMMARY_CHARS = 70  # 进展摘要 cut to this many characters

# Level-1 plan headings that name a kind of work get "落实情况" in a report
# (三、主要任务 → 一、主要任务落实情况).
_ADD_PROGRESS = re.compile(r"(任务|工作|措施|举措|重点)$")

# Fields of the draft that may be edited; None in the table = follow the generated text.
TEXT_FIELDS = ("title", "recipient", "opening", "problems", "next_steps", "signer")


@dataclass
class SummaryBlock:
    """A heading (plan section) or a task paragraph of the body, in plan order.

    ``level`` is the heading level in the summary (1 一、, 2 （一）, 3 1.); the ordinal is
    given when the draft is numbered, so excluding a block renumbers the rest.  For a
    section ``generated`` is its heading text and ``edited`` a rewritten heading.
    """

    kind: str  # BLOCK_SECTION / BLOCK_TASK
    id: int  # section id or task id (0 for the heading added when tasks lack a section)
    level: int
    title: str  # section title or the task's short title
    generated: str = ""
    edited: str | None = None
    included: bool = True
    parent_key: str | None = None  # enclosing section block's key
    departments: list[str] = field(default_factory=list)  # who contributed (tasks)
    status: str | None = None  # the task's status in the period (未报送 when nobody reported)

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.id}"

    @property
    def text(self) -> str:
        """What is printed: the clerk's text when there is one, else the generated."""
        return self.edited if self.edited is not None else self.generated

    @property
    def is_edited(self) -> bool:
        return self.edited is not None


@dataclass
class SummaryDraft:
    """A 工作总结 ready to edit and write (see :func:`build_draft`)."""

    plan_id: int
    period_id: int
    title: str
    recipient: str
    opening: str
    blocks: list[SummaryBlock]
    problems: str
    next_steps: str
    signer: str
    signed_on: dt.date
    attach_task_table: bool = True
    attach_indicator_table: bool = True
    # 版头/版记 (``DocumentHead``); head.printed_on None follows signed_on.
    head: DocumentHead = field(default_factory=DocumentHead)
    masthead: str = MASTHEAD_NONE  # which 红头: none, the kept letterhead file, or the mark
    imprint: bool = True  # print the 版记 (印发机关和印发日期, 抄送)
    include_reporting: bool = False  # the paragraph on who reported on time (internal)
    # The generated value of every field in TEXT_FIELDS and "signed_on": what the
    # clerk's value is compared with when saving.
    generated: dict[str, Any] = field(default_factory=dict)
    saved_at: dt.datetime | None = None  # naive UTC of the saved edits, None if never
    saved_by: str | None = None
    new_material: list[str] = field(default_factory=list)  # arrived since saved_at

    def block(self, key: str) -> SummaryBlock:
        for b in self.blocks:
            if b.key == key:
                return b
        raise KeyError(key)

    def task_block(self, task_id: int) -> SummaryBlock:
        return self.block(f"{BLOCK_TASK}:{task_id}")

    def numbered(self) -> list[tuple[str, SummaryBlock]]:
        """The blocks that are printed, each with its ordinal (一、 / （一） / 1.).

        A task is printed when it and every enclosing section are included; a section
        when it is included and holds at least one printed task.
        """
        by_key = {b.key: b for b in self.blocks}

        def chain_included(b: SummaryBlock | None) -> bool:
            while b is not None:
                if not b.included:
                    return False
                b = by_key.get(b.parent_key) if b.parent_key else None
            return True

        # A task with nothing to say (nobody is responsible for it) is printed only
        # when the clerk writes its text.
        printed_tasks = [
            b for b in self.blocks if b.kind == BLOCK_TASK and chain_included(b) and b.text.strip()
        ]
        live_sections: set[str] = set()
        for t in printed_tasks:
            key = t.parent_key
            while key:
                live_sections.add(key)
                key = by_key[key].parent_key if key in by_key else None
        counters: dict[int, int] = {}
        out: list[tuple[str, SummaryBlock]] = []
        for b in self.blocks:
            if b.kind == BLOCK_SECTION and b.key not in live_sections:
                continue
            if b.kind == BLOCK_TASK and b not in printed_tasks:
                continue
            counters[b.level] = counters.get(b.level, 0) + 1
            for deeper in [lvl for lvl in counters if lvl > b.level]:
                del counters[deeper]
            out.append((heading_label(b.level, counters[b.level]), b))
        return out

    def closing_headings(self) -> list[tuple[str, str, str]]:
        """(ordinal, heading, text) of 存在的问题 and 下步工作打算 when they have text,
        numbered after the body's level-1 headings."""
        level1 = sum(1 for _, b in self.numbered() if b.level == 1)
        out = []
        for heading, text in (
            (PROBLEMS_HEADING, self.problems),
            (NEXT_STEPS_HEADING, self.next_steps),
        ):
            if text.strip():
                level1 += 1
                out.append((heading_label(1, level1), heading, text))
        return out

    def printed_head(self) -> DocumentHead:
        """The head as printed: 印发日期 the 成文日期 unless the clerk set another."""
        head = dataclasses.replace(self.head)
        if head.printed_on is None:
            head.printed_on = self.signed_on
        return head

    def attachment_names(self, material: PeriodMaterial) -> list[str]:
        names = []
        if self.attach_task_table:
            names.append(attachment_title(material, TASK_TABLE_TITLE))
        if self.attach_indicator_table:
            names.append(attachment_title(material, INDICATOR_TABLE_TITLE))
        return names


def attachment_title(material: PeriodMaterial, table: str) -> str:
    """附件 titles: 2022年第三季度任务落实情况一览表 (the period as a title reads it)."""
    return title_text([period_words(material.period_name), table])


# --- generating -----------------------------------------------------------------------


def summary_title(material: PeriodMaterial) -> str:
    """卢氏县2022年第三季度食品安全工作总结 / 卢氏县2022年度食品安全工作总结; without a
    place name (or for a one-off period) 关于《方案》2022年第三季度落实情况的报告 (the plan
    in 书名号, ``core.titles``: no dates, no doubled words).  Long titles break into lines
    at sense boundaries (``\\n``)."""
    place, regular = material.place, _regular_words(material)
    if place and regular:
        return break_title(title_units([place + regular, "食品安全工作总结"]))
    plan = plan_reference(material.plan_title)
    period = period_words(material.period_name)
    title = break_title(title_units(["关于", plan, period, "落实情况的报告"]))
    if line_count(title) > MAX_TITLE_LINES:  # the plan is named in the first sentence
        who = material.place or ""
        title = break_title(title_units(["关于", who + period, "食品安全工作", "落实情况的报告"]))
    return title


def _regular_words(material: PeriodMaterial) -> str | None:
    """The period as a 工作总结's title names it (2022年第三季度, 2022年上半年, 2022年度),
    None for a one-off period or a name that is not regular (专项：方案制定情况)."""
    if material.period_kind not in (PERIOD_QUARTER, PERIOD_HALF, PERIOD_YEAR):
        return None
    words = period_words(material.period_name)
    regular = regular_period(words)
    if regular is not None and regular.kind == material.period_kind:
        return f"{regular.year}年度" if regular.kind == PERIOD_YEAR else words
    if material.period_kind == PERIOD_YEAR and material.period_year:
        return f"{material.period_year}年度"  # 全年工作总结（2023-12-01） of earlier versions
    return None


def opening_text(material: PeriodMaterial) -> str:
    """总体情况: an introductory sentence and the tasks' figures (what the government is
    told; who reported on time is the office's own business, see
    :func:`reporting_text`)."""
    plan = plan_reference(material.plan_title)
    who = f"{material.place}各" if material.place else "各"
    doc = f"（{material.plan_doc_number}）" if material.plan_doc_number else ""
    words = period_words(material.period_name)  # no date or 专项： in a sentence
    regular = _regular_words(material)
    what = f"{regular}工作情况" if regular else progress(material.period_name)
    # A period that is not a quarter, half or year (任务落实情况（第一次）) does not open
    # the sentence: it is named where the report is announced.
    when = f"{regular}，" if regular else ""
    basis = f"按照{plan}{doc}确定的目标任务" if plan else "按照年度工作安排"
    intro = (
        f"{when}{who}责任单位{basis}，压实工作责任，扎实推进各项重点工作。"
        f"现将{what or words}报告如下。"
    )
    counts = material.status_counts
    # Statuses with no task are left out (已完成10项、序时推进1项, not …、未启动0项);
    # 未报送 is the office's tracking word: said as 尚未报送进展 in a report.
    statuses = [
        f"{'尚未报送进展' if status == STATUS_NOT_REPORTED else status}{counts[status]}项"
        for status in STATUS_ORDER
        if counts.get(status)
    ]
    parts = [f"方案确定的{len(material.tasks)}项任务中，" + "、".join(statuses)]
    if material.targets:
        # The year's figures, judged as in 附件2 and the 概况 (services.overview).
        verdicts = Counter(t.verdict for t in material.targets)
        said = {VERDICT_NO_DATA: "尚无完成值"}
        judged = "、".join(f"{said.get(v, v)}{verdicts[v]}项" for v in VERDICTS if verdicts.get(v))
        parts.append(f"{len(material.targets)}项量化指标中{judged}")
    elif material.indicators_total:
        unreported = material.indicators_total - material.indicators_reported
        tail = f"，{unreported}项尚无完成值" if unreported else ""
        parts.append(
            f"{material.indicators_total}项量化指标中已达标{material.indicators_met}项{tail}"
        )
    return intro + "\n" + "；".join(parts) + "。"


def reporting_text(material: PeriodMaterial) -> str:
    """The optional paragraph on who reported (off by default in a report to the
    government): 本期应报送单位16个，按时报送12个，逾期报送2个，未报送2个（…）。"""
    reporting = (
        f"本期应报送单位{len(material.departments)}个，按时报送{len(material.on_time)}个，"
        f"逾期报送{len(material.late)}个，未报送{len(material.missing)}个"
    )
    if material.missing:
        reporting += f"（{'、'.join(d.name for d in material.missing)}）"
    return reporting + "。"


def task_text(task: TaskMaterial, targets: dict[int, TargetProgress] | None = None) -> str:
    """A task's text, one paragraph (line) per reporting department, lead first
    ("县市场监管局：……"), then one for its indicators' results.

    "" for a task nobody is expected to report on (no responsible unit, or only the
    office itself): such a task is not printed unless the clerk writes its text.
    """
    if not task.reported and not any(d.reports for d in task.departments):
        return ""
    if not task.reported:
        return NOBODY_REPORTED
    lines = []
    for d in task.reporting:
        if d.text:
            lines.append(f"{d.name}：{_without_self_reference(d.text)}")
        elif d.status:
            lines.append(f"{d.name}报送完成情况为“{d.status}”，未填写具体措施。")
    results = []
    for ind in task.indicators:
        subject = (ind.subject or ind.text).strip()
        target = (targets or {}).get(ind.indicator_id)
        if target is not None and target.year_to_date is not None:
            # The year's figure and verdict, as in 附件2 and the 概况.
            figure = "年度累计" if target.kind == KIND_COUNT else "最新"
            results.append(
                f"{subject}目标{target.target_text}，{figure}{target.year_to_date_text}，"
                f"{target.verdict}"
            )
        elif ind.reported_text:
            verdict = {True: "已达标", False: "未达标", None: "无法比较"}[ind.met]
            results.append(f"{subject}目标{ind.target_text}，完成{ind.reported_text}，{verdict}")
    if results:
        lines.append("；".join(results) + "。")
    return "\n".join(lines) or NOBODY_REPORTED


# A department's own text says 我局/本单位; under its name in the summary that is dropped.
_SELF_REFERENCE = re.compile(r"^(?:我|本)(?:局|委|单位|部门|站|所|中心|办|队|院)[，,：:]?")


def _without_self_reference(text: str) -> str:
    return _SELF_REFERENCE.sub("", text.strip()) or text.strip()


# Themes under which the departments' problems are grouped (存在的问题 （一）（二）…):
# a heading and the words that place a text under it, in the order they are printed.
# A text matching none goes under the part of the plan its task belongs to.
PROBLEM_THEMES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("基层监管力量不足", ("人员", "力量", "编制", "人手", "队伍", "专业人才", "执法人员")),
    ("经费和装备保障不足", ("经费", "资金", "投入", "装备", "设备", "仪器", "车辆")),
    ("检验检测能力有待提升", ("检测", "检验", "抽检", "快检", "实验室")),
    (
        "主体责任落实不够到位",
        ("主体责任", "经营者", "生产者", "从业人员", "小作坊", "小摊", "商户"),
    ),
    ("部门协作有待加强", ("协调", "联动", "协作", "配合", "衔接", "信息共享")),
    ("宣传培训有待加强", ("宣传", "意识", "知晓", "培训", "科普")),
    ("基础设施和信息化建设滞后", ("设施", "场所", "信息化", "平台", "系统")),
)


# The same for 下步工作打算: what the office will do, by kind of work.
NEXT_STEP_THEMES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("强化源头治理", ("农产品", "农药", "兽药", "种植", "养殖", "源头", "绿色防控")),
    ("加强风险监测和抽检", ("监测", "抽检", "检测", "检验", "快检")),
    ("守护校园食品安全", ("学校", "校园", "食堂", "学生")),
    ("严格监管执法", ("执法", "整治", "检查", "查处", "打击", "办案", "监管")),
    ("加强宣传培训", ("宣传", "培训", "科普", "教育")),
    ("健全工作机制", ("机制", "协作", "联动", "考核", "督导", "网格", "责任")),
    ("加强保障能力建设", ("经费", "资金", "设备", "人员", "队伍", "设施")),
)
# Where a text matching no theme goes when the plan's parts do not tell (see below).
OTHER_GROUP = {"problems": "其他问题", "next_steps": "统筹推进其他工作"}


def gathered_text(material: PeriodMaterial, attr: str) -> str:
    """存在的问题 (``attr`` "problems") or 下步打算 ("next_steps") as numbered items
    （一）（二）…: each department's texts de-duplicated, problems grouped by theme
    (:data:`PROBLEM_THEMES`, :data:`NEXT_STEP_THEMES`), the rest by the part of the plan
    their task belongs to;
    each item says who raised it ("县农业农村局等3个单位反映，…"), never a list of a
    dozen names."""
    order = [*material.departments, *material.extra_departments]
    rank = {d.department_id: i for i, d in enumerate(order)}
    sections = {s.section_id: s for s in material.sections}
    themes = PROBLEM_THEMES if attr == "problems" else NEXT_STEP_THEMES
    # normalised text -> (text, departments, theme, plan part, task)
    texts: dict[str, tuple[str, list[str], str | None, str, str]] = {}
    dep_rank: dict[str, int] = {}
    for task in material.tasks:
        part = _top_section_title(task, sections)
        for d in task.reporting:
            dep_rank.setdefault(d.name, rank.get(d.department_id, len(rank)))
            for text in getattr(d, attr):
                key = re.sub(r"\s+", "", text).strip("。；;，, ")
                if key not in texts:
                    texts[key] = (text, [], _theme(text, themes), part, task.heading_title)
                if d.name not in texts[key][1]:
                    texts[key][1].append(d.name)
    # A text outside the themes goes under its part of the plan, unless the plan's
    # tasks all sit under one heading (三、主要任务): then under 其他问题.  Not under its
    # task: a department writes its problems once, in the row of its first task.
    parts = {part for _t, _n, theme, part, _task in texts.values() if theme is None}
    single_part = len(parts) <= 1
    group_order: dict[str, int] = {heading: i for i, (heading, _w) in enumerate(themes)}
    groups: dict[str, list[tuple[str, list[str]]]] = {}
    for text, names, theme, part, _task_title in texts.values():
        group = theme or (OTHER_GROUP[attr] if single_part else part)
        group_order.setdefault(group, len(group_order))
        groups.setdefault(group, []).append((text, names))
    verb = "反映" if attr == "problems" else "提出"
    lines = []
    for n, group in enumerate(sorted(groups, key=group_order.__getitem__), start=1):
        entries = groups[group]
        names = sorted({name for _t, ns in entries for name in ns}, key=dep_rank.__getitem__)
        body = "；".join(sentence(t).rstrip("。") for t in unique_texts(t for t, _ in entries))
        heading = group.rstrip("。")
        lines.append(f"{heading_label(2, n)}{heading}。{_who(names)}{verb}，{body}。")
    return "\n".join(lines)


def _who(names: list[str]) -> str:
    """县农业农村局 / 县农业农村局、县卫健委 / 县农业农村局等3个单位."""
    if len(names) <= 2:
        return "、".join(names)
    return f"{names[0]}等{len(names)}个单位"


def _theme(text: str, themes: tuple[tuple[str, tuple[str, ...]], ...]) -> str | None:
    for heading, words in themes:
        if any(w in text for w in words):
            return heading
    return None


def _top_section_title(task: TaskMaterial, sections: dict[int, SectionMaterial]) -> str:
    """The plan part a task belongs to, as an item heading: its section below the top
    level when the plan has one (（一）实施源头治理行动), else its top section; the task's
    own title when it has no section."""
    chain: list[SectionMaterial] = []
    sid = task.section_id
    while sid is not None and sid in sections and sid not in [s.section_id for s in chain]:
        chain.append(sections[sid])
        sid = sections[sid].parent_id
    chain.reverse()
    if not chain:
        return task.heading_title
    # The top level of a plan is often one heading over all the work (三、主要任务):
    # the level below it names the parts.
    chosen = chain[1] if len(chain) > 1 else chain[0]
    return chosen.title.strip().rstrip("。．.；;")


def _section_heading(section: SectionMaterial, level: int) -> str:
    title = section.title.strip().rstrip("。．.")
    if level == 1 and _ADD_PROGRESS.search(title):
        title += "落实情况"
    return title


def generate_blocks(material: PeriodMaterial) -> list[SummaryBlock]:
    """The body's blocks in plan order: each section that holds tasks, then its tasks.

    Levels are re-based so the plan's top headings are 一、 in the summary; a task sits
    one level below its section (at most 4); tasks outside any section go under an
    added 一、主要工作开展情况.
    """
    sections = {s.section_id: s for s in material.sections}
    targets = {t.indicator_id: t for t in material.targets}
    used: set[int] = set()
    for task in material.tasks:
        sid = task.section_id
        while sid is not None and sid in sections and sid not in used:
            used.add(sid)
            sid = sections[sid].parent_id
    levels = sorted({s.level for s in sections.values() if s.section_id in used})
    rank = {lvl: i + 1 for i, lvl in enumerate(levels)}

    def chain(sid: int | None) -> list[SectionMaterial]:
        out = []
        while sid is not None and sid in sections:
            out.append(sections[sid])
            sid = sections[sid].parent_id
        return out[::-1]

    blocks: list[SummaryBlock] = []
    opened: list[int] = []  # the section chain currently open
    loose_heading = False
    for task in material.tasks:
        path = chain(task.section_id)
        if not path and not loose_heading:
            # Tasks without a section: one added heading above them.
            blocks.append(
                SummaryBlock(BLOCK_SECTION, 0, 1, DEFAULT_BODY_HEADING, DEFAULT_BODY_HEADING)
            )
            loose_heading = True
        ids = [s.section_id for s in path]
        if ids != opened:
            for depth, s in enumerate(path):
                if depth < len(opened) and opened[depth] == s.section_id:
                    continue
                level = min(rank.get(s.level, depth + 1), 3)
                heading = _section_heading(s, level)
                blocks.append(
                    SummaryBlock(
                        BLOCK_SECTION,
                        s.section_id,
                        level,
                        s.title,
                        heading,
                        parent_key=f"{BLOCK_SECTION}:{s.parent_id}" if s.parent_id else None,
                    )
                )
            opened = ids
        if path:
            parent_key = f"{BLOCK_SECTION}:{path[-1].section_id}"
            level = min(min(rank.get(path[-1].level, len(path)), 3) + 1, 4)
        else:
            parent_key = f"{BLOCK_SECTION}:0"
            level = 2
        blocks.append(
            SummaryBlock(
                BLOCK_TASK,
                task.task_id,
                level,
                task.heading_title,
                task_text(task, targets),
                parent_key=parent_key,
                departments=[d.name for d in task.reporting],
                status=task.status,
            )
        )
    return blocks


def generate_draft(
    material: PeriodMaterial,
    *,
    today: dt.date | None = None,
    documents: DocumentSettings | None = None,
) -> SummaryDraft:
    """The draft as generated from ``material`` and the remembered document settings
    (no saved edits)."""
    today = today or dt.date.today()
    documents = documents or DocumentSettings()
    head = DocumentHead(
        issuer_mark=documents.issuer_mark or material.office_name,
        signed_by=documents.signed_by,
        copy_to=list(documents.copy_to),
        printed_by=material.office_name,
    )
    generated: dict[str, Any] = {
        "title": summary_title(material),
        "recipient": default_recipient(documents, material.place),
        "opening": opening_text(material),
        "problems": gathered_text(material, "problems"),
        "next_steps": gathered_text(material, "next_steps"),
        "signer": material.office_name,
        "signed_on": today,
        "head": dataclasses.replace(head, copy_to=list(head.copy_to)),
    }
    if documents.letterhead:
        masthead = MASTHEAD_FILE
    elif documents.issuer_mark:
        masthead = MASTHEAD_MARK
    else:
        masthead = MASTHEAD_NONE
    return SummaryDraft(
        plan_id=material.plan_id,
        period_id=material.period_id,
        title=generated["title"],
        recipient=generated["recipient"],
        opening=generated["opening"],
        blocks=generate_blocks(material),
        problems=generated["problems"],
        next_steps=generated["next_steps"],
        signer=generated["signer"],
        signed_on=today,
        attach_task_table=True,
        attach_indicator_table=material.indicators_total > 0,
        head=head,
        masthead=masthead,
        generated=generated,
    )


# --- edits ------------------------------------------------------------------------------


def _saved_row(session: Session, period_id: int) -> SummaryDraftRow | None:
    return session.scalar(select(SummaryDraftRow).where(SummaryDraftRow.period_id == period_id))


def build_draft(
    session: Session,
    plan_id: int,
    period_id: int,
    *,
    today: dt.date | None = None,
    material: PeriodMaterial | None = None,
) -> SummaryDraft:
    """The generated draft with the clerk's saved edits merged in.

    ``material`` may be passed when already gathered (the writer needs it too).  Edits of
    tasks or sections no longer in the plan are dropped; ``new_material`` lists the
    submissions received after the edits were saved.
    """
    from foodsafety_desktop.core.services.documents import document_settings

    material = material or gather_material(session, plan_id, period_id)
    draft = generate_draft(material, today=today, documents=document_settings(session))
    row = _saved_row(session, period_id)
    if row is None:
        return draft
    for name in TEXT_FIELDS:
        value = getattr(row, name)
        if value is not None:
            setattr(draft, name, value)
    if row.signed_on is not None:
        draft.signed_on = row.signed_on
    edits = _load_edits(row.edits_json)
    for block in draft.blocks:
        kind = "tasks" if block.kind == BLOCK_TASK else "sections"
        saved = edits.get(kind, {}).get(str(block.id))
        if saved:
            if saved.get("text") is not None:
                block.edited = saved["text"]
            block.included = bool(saved.get("included", True))
    options = edits.get("options", {})
    draft.attach_task_table = bool(options.get("attach_task_table", draft.attach_task_table))
    draft.attach_indicator_table = bool(
        options.get("attach_indicator_table", draft.attach_indicator_table)
    )
    if options.get("masthead") in MASTHEADS:
        draft.masthead = options["masthead"]
    draft.imprint = bool(options.get("imprint", draft.imprint))
    draft.include_reporting = bool(options.get("include_reporting", draft.include_reporting))
    head = edits.get("head")
    if isinstance(head, dict):
        for name in HEAD_FIELDS:
            if name not in head:
                continue
            value = head[name]
            if name == "printed_on":
                value = _date_or_none(value)
            elif name == "copy_to":
                value = [str(v) for v in value] if isinstance(value, list) else []
            else:
                value = str(value or "")
            setattr(draft.head, name, value)
    draft.saved_at, draft.saved_by = row.saved_at, row.saved_by
    draft.new_material = new_material(session, period_id)
    return draft


def _date_or_none(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


def _load_edits(text: str | None) -> dict[str, Any]:
    if not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def save_draft(session: Session, period_id: int, draft: SummaryDraft, *, user: str) -> None:
    """Store the clerk's edits of ``draft`` for the period (in the caller's transaction,
    one audit entry).  Only what differs from the generated text is stored."""
    period = session.get(ReportingPeriod, period_id)
    if period is None:
        raise UserError(f"找不到编号为{period_id}的报送期次。")
    if draft.period_id != period_id:
        raise ValueError("the draft belongs to another period")
    row = _saved_row(session, period_id)
    created = row is None
    if row is None:
        row = SummaryDraftRow(period_id=period_id, saved_by=user)
        session.add(row)
    changed = []
    for name in TEXT_FIELDS:
        value = getattr(draft, name)
        stored = None if value == draft.generated.get(name) else value
        if stored is not None:
            changed.append(name)
        setattr(row, name, stored)
    row.signed_on = None if draft.signed_on == draft.generated.get("signed_on") else draft.signed_on
    tasks: dict[str, Any] = {}
    sections: dict[str, Any] = {}
    for block in draft.blocks:
        edited = block.edited if block.edited not in (None, block.generated) else None
        if edited is None and block.included:
            continue
        target = tasks if block.kind == BLOCK_TASK else sections
        target[str(block.id)] = {"text": edited, "included": block.included}
    # The submissions the draft was saved with: anything else that is current later is
    # new material (received_at may be back-dated to the day a file came in, so it cannot
    # be compared with saved_at).
    seen = sorted(
        session.scalars(
            select(Submission.id).where(
                Submission.period_id == period_id, Submission.is_current.is_(True)
            )
        )
    )
    edits = {
        "seen_submissions": seen,
        "tasks": tasks,
        "sections": sections,
        "options": {
            "attach_task_table": draft.attach_task_table,
            "attach_indicator_table": draft.attach_indicator_table,
            "masthead": draft.masthead,
            "imprint": draft.imprint,
            "include_reporting": draft.include_reporting,
        },
        "head": _head_edits(draft),
    }
    row.edits_json = json.dumps(edits, ensure_ascii=False, sort_keys=True)
    row.saved_at = utcnow()
    row.saved_by = user
    session.flush()
    draft.saved_at, draft.saved_by = row.saved_at, user
    draft.new_material = []
    excluded = sum(1 for v in tasks.values() if not v["included"])
    rewritten = sum(1 for v in tasks.values() if v["text"] is not None)
    audit.record(
        session,
        user=user,
        action="summary.create" if created else "summary.save",
        entity="period",
        entity_id=period_id,
        summary=(
            f"保存{period.name}工作总结草稿：改写{rewritten}项任务段落，不列入{excluded}项任务"
            + (f"，修改了{len(changed)}处文字" if changed else "")
        ),
        detail={"fields": changed, "tasks_rewritten": rewritten, "tasks_excluded": excluded},
    )


def _head_edits(draft: SummaryDraft) -> dict[str, Any]:
    """The head fields that differ from the generated ones, JSON-ready."""
    generated = draft.generated.get("head") or DocumentHead()
    out: dict[str, Any] = {}
    for name in HEAD_FIELDS:
        value = getattr(draft.head, name)
        if value == getattr(generated, name):
            continue
        out[name] = value.isoformat() if isinstance(value, dt.date) else value
    return out


def new_material(session: Session, period_id: int) -> list[str]:
    """Submissions of the period that came in after the edits were saved (current ones
    the saved draft had not seen), in Chinese ("县公安局于2022年10月8日10:00报送（12行）");
    empty when nothing was saved."""
    row = _saved_row(session, period_id)
    if row is None:
        return []
    edits = _load_edits(row.edits_json)
    seen = edits.get("seen_submissions")
    stmt = select(Submission).where(
        Submission.period_id == period_id, Submission.is_current.is_(True)
    )
    if seen is None:  # saved without the list: fall back to the time of receipt
        stmt = stmt.where(Submission.received_at > row.saved_at)
    elif seen:
        stmt = stmt.where(Submission.id.not_in(seen))
    out = []
    for sub in session.scalars(stmt.order_by(Submission.received_at, Submission.id)):
        local = local_time(sub.received_at)
        when = f"{cn_date(local)}{local:%H:%M}"
        again = "重新报送" if sub.replaced_submission_id else "报送"
        out.append(f"{sub.department.name}于{when}{again}（{len(sub.entries)}行）")
    return out


# --- writing ----------------------------------------------------------------------------


def _cut(text: str, limit: int = SUMMARY_CHARS) -> str:
    """``text`` shortened to about ``limit`` characters at the end of a sentence, else of
    a clause ("……" marks what is left out), never inside a word unless no clause ends in
    the second half of the limit."""
    text = text.replace("\n", "")
    if len(text) <= limit:
        return text
    head = text[:limit]
    for marks, tail in (("。；！？", ""), ("，、：", "……")):
        end = max(head.rfind(m) for m in marks)
        if end >= limit // 2:
            return head[: end + 1] if not tail else head[:end] + tail
    return head[: limit - 1] + "…"


def task_table_rows(draft: SummaryDraft, material: PeriodMaterial) -> list[list[str]]:
    """附件1: one row per task of the plan (all of them, printed in the body or not)."""
    rows = []
    for n, task in enumerate(material.tasks, start=1):
        try:
            block = draft.task_block(task.task_id)
            edited = block.edited
        except KeyError:
            edited = None
        summary = _cut(edited) if edited else progress_summary(task)
        rows.append(
            [
                str(n),
                task.heading_title,
                names_cell(task.lead_names),
                names_cell(task.responsible_names),
                task.status,
                summary,
            ]
        )
    return rows


def progress_summary(task: TaskMaterial) -> str:
    """进展摘要 of a task: the first reporting department's (the lead's when it
    reported) measures and data, cut short; "未报送" when nobody reported."""
    for d in task.reporting:
        if d.text:
            return _cut(f"{d.name}：{d.text}")
    if task.reporting:
        return f"{task.reporting[0].name}：{task.reporting[0].status or '已报送'}"
    return "未报送"


def indicator_table_rows(material: PeriodMaterial) -> list[list[str]]:
    """附件2: one row per target of the plan, with its year-to-date figure (cumulative for
    a count, the latest for a rate) and the verdict of the 概况 (services.overview)."""
    current = {i.indicator_id: i for i in material.indicators}
    rows = []
    for n, target in enumerate(material.targets, start=1):
        now = current.get(target.indicator_id)
        this_period = now.reported_text if now is not None and now.reported_text else "—"
        ytd = target.year_to_date_text or "—"
        rows.append(
            [
                str(n),
                target.text,
                target.target_text,
                this_period,
                f"{ytd}（{target.kind}）" if target.year_to_date is not None else ytd,
                target.verdict,
            ]
        )
    return rows


def indicator_rules(material: PeriodMaterial) -> str:
    """The rules of the verdicts, printed under 附件2."""
    rules = list(dict.fromkeys(t.rule for t in material.targets if t.rule))
    return ("说明：" + "；".join(rules) + "。") if rules else ""


def write_summary(
    draft: SummaryDraft,
    material: PeriodMaterial,
    path: str | os.PathLike[str],
    *,
    letterhead: str | os.PathLike[str] | Letterhead | None = None,
    fonts: FontSet | None = None,
) -> Path:
    """Write the draft as a 公文 (.docx): 版头 (the ``letterhead`` file when the draft
    uses one, else a red 发文机关标志 when chosen, with 发文字号 and 签发人), title,
    主送机关, body, 附件说明, 署名 and 成文日期 kept with the end of the body, the
    attachments and the 版记 on the last, even page.  Returns the path written."""
    head = draft.printed_head()
    use_file = draft.masthead == MASTHEAD_FILE and letterhead is not None
    doc = OfficialDocument(letterhead if use_file else None, fonts=fonts)
    if draft.masthead != MASTHEAD_MARK:
        head = dataclasses.replace(head, issuer_mark="")
    if use_file or head.has_masthead or head.doc_number or head.signed_by:
        doc.masthead(head)
    doc.title(draft.title)
    if draft.recipient.strip():
        doc.recipient(draft.recipient)
    if draft.opening.strip():
        doc.paragraph(draft.opening)
    if draft.include_reporting:
        doc.paragraph(reporting_text(material))
    for label, block in draft.numbered():
        if block.kind == BLOCK_SECTION:
            doc.heading(block.level, label + block.text.strip())
        else:
            title = block.title.rstrip("。．.；;") + "。"
            doc.heading(block.level, label + title, run_in=_first_line(block.text))
            for rest in _other_lines(block.text):
                doc.paragraph(rest)
    for label, heading, text in draft.closing_headings():
        doc.heading(1, label + heading)
        for line in (line.strip() for line in text.split("\n") if line.strip()):
            item = _ITEM.match(line)
            if item:
                doc.heading(2, item.group(1), run_in=line[item.end() :])
            else:
                doc.paragraph(line)
    names = draft.attachment_names(material)
    doc.attachment_list(names)
    doc.signature(draft.signer, draft.signed_on)
    keep_last_lines_with_signature(doc)
    number = 0
    if draft.attach_task_table:
        number += 1
        doc.attachment(
            number if len(names) > 1 else None,
            attachment_title(material, TASK_TABLE_TITLE),
            landscape=True,
        )
        doc.table(
            TASK_TABLE_HEADER,
            task_table_rows(draft, material),
            col_widths_mm=None,  # from the content: names whole, 进展摘要 wide
            font_size_pt=TABLE_FONT_PT,
            align=["center", "left", "left", "left", "center", "left"],
        )
    if draft.attach_indicator_table:
        number += 1
        doc.attachment(
            number if len(names) > 1 else None, attachment_title(material, INDICATOR_TABLE_TITLE)
        )
        rows = indicator_table_rows(material)
        doc.table(
            INDICATOR_TABLE_HEADER,
            rows or [["", "本期无量化指标", "", "", "", ""]],
            col_widths_mm=None,
            font_size_pt=TABLE_FONT_PT,
            align=["center", "left", "center", "center", "center", "center"],
        )
        if indicator_rules(material):
            doc.note(indicator_rules(material))
    if draft.imprint:
        doc.imprint(head)
    return doc.save(path)


# An item of 存在的问题/下步打算: "（一）基层监管力量不足。" starting a line.
_ITEM = re.compile(r"^(（[一二三四五六七八九十]+）[^。！？]{1,40}。)")


def _first_line(text: str) -> str:
    lines = [line for line in text.split("\n") if line.strip()]
    return lines[0] if lines else ""


def _other_lines(text: str) -> list[str]:
    lines = [line for line in text.split("\n") if line.strip()]
    return lines[1:]


def summary_figures(material: PeriodMaterial) -> dict[str, int]:
    """The opening's figures as numbers (for the editor's status line and tests)."""
    counts = material.status_counts
    return {
        "tasks": len(material.tasks),
        **{status: counts.get(status, 0) for status in STATUS_ORDER},
        "indicators": material.indicators_total,
        "indicators_met": material.indicators_met,
        "departments": len(material.departments),
        "on_time": len(material.on_time),
        "late": len(material.late),
        "missing": len(material.missing),
    }


__all__ = [
    "BLOCK_SECTION",
    "BLOCK_TASK",
    "NOBODY_REPORTED",
    "SummaryBlock",
    "SummaryDraft",
    "build_draft",
    "format_number",
    "generate_draft",
    "new_material",
    "save_draft",
    "summary_figures",
    "write_summary",
]


def figures_line(material: PeriodMaterial) -> str:
    """The 工作总结 editor's line of figures: the opening's numbers (``summary_figures``)."""
    f = summary_figures(material)
    statuses = "、".join(f"{s}{f[s]}项" for s in STATUS_ORDER if f.get(s))
    text = f"{material.period_name}：任务{f['tasks']}项" + (f"（{statuses}）" if statuses else "")
    if f["indicators"]:
        text += f"；量化指标{f['indicators']}项，已达标{f['indicators_met']}项"
    text += (
        f"；应报送单位{f['departments']}个，按时报送{f['on_time']}个，"
        f"逾期报送{f['late']}个，未报送{f['missing']}个。"
    )
    return text
