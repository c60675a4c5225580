"""The period's 工作总结 / 落实情况报告: a draft generated from the ledger and the
submissions, the clerk's saved edits merged in, written as a 公文 (GB/T 9704).

Generated text is never stored.  ``summary_draft`` keeps only what the clerk changed
(a NULL field follows the generated text), so regenerating after a late submission
updates the figures and paragraphs the clerk did not touch and keeps the rest.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from foodsafety_desktop.core.dates import cn_date, local_time
from foodsafety_desktop.core.errors import UserError
from foodsafety_desktop.core.reports.formatting import break_title
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
    title_text,
    title_units,
)
from foodsafety_desktop.core.word import OfficialDocument, heading_label

BLOCK_SECTION = "section"
BLOCK_TASK = "task"

NOBODY_REPORTED = "本期各责任单位未报送落实情况。"
DEFAULT_BODY_HEADING = "主要工作开展情况"
PROBLEMS_HEADING = "存在的问题"
NEXT_STEPS_HEADING = "下步工作打算"
TASK_TABLE_TITLE = "任务落实情况一览表"
INDICATOR_TABLE_TITLE = "指标完成情况表"
TASK_TABLE_HEADER = ["序号", "任务", "牵头单位", "责任单位", "完成情况", "进展摘要"]
TASK_TABLE_WIDTHS_MM = [12, 50, 28, 38, 21, 76]  # landscape text block: 225 mm
INDICATOR_TABLE_HEADER = ["序号", "指标", "目标值", "报送值", "报送单位", "是否达标"]
INDICATOR_TABLE_WIDTHS_MM = [12, 48, 24, 24, 30, 18]  # portrait text block: 156 mm
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

        printed_tasks = [b for b in self.blocks if b.kind == BLOCK_TASK and chain_included(b)]
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
    return break_title(
        title_units(["关于", plan, period_words(material.period_name), "落实情况的报告"])
    )


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
    """总体情况: an introductory sentence and the figures, computed from the material."""
    plan = re.sub(r"[《》]", "", material.plan_title)
    who = f"{material.place}各" if material.place else "各"
    doc = f"（{material.plan_doc_number}）" if material.plan_doc_number else ""
    period = period_words(material.period_name)  # no date or 专项： in a sentence
    what = period if period.endswith("情况") else f"{period}工作情况"
    intro = (
        f"{period}，{who}责任单位按照《{plan}》{doc}确定的目标任务，"
        f"压实工作责任，扎实推进各项重点工作。现将{what}报告如下。"
    )
    counts = material.status_counts
    # Statuses with no task are left out (已完成10项、序时推进1项, not …、未启动0项).
    parts = [
        f"方案确定的{len(material.tasks)}项任务中，"
        + "、".join(f"{status}{counts[status]}项" for status in STATUS_ORDER if counts.get(status))
    ]
    if material.indicators_total:
        unreported = material.indicators_total - material.indicators_reported
        tail = f"，{unreported}项未报送完成值" if unreported else ""
        parts.append(
            f"{material.indicators_total}项量化指标中已达标{material.indicators_met}项{tail}"
        )
    expected = len(material.departments)
    reporting = (
        f"本期应报送单位{expected}个，按时报送{len(material.on_time)}个，"
        f"逾期报送{len(material.late)}个，未报送{len(material.missing)}个"
    )
    if material.missing:
        reporting += f"（{'、'.join(d.name for d in material.missing)}）"
    figures = "；".join(parts) + "。" + reporting + "。"
    return intro + "\n" + figures


def task_text(task: TaskMaterial) -> str:
    """A task's paragraph: each reporting department's measures, data and examples,
    lead department first, attributed ("县市场监管局：……。县教育局：……。"), then its
    indicators' results."""
    parts = []
    for d in task.reporting:
        if d.text:
            parts.append(f"{d.name}：{d.text}")
        elif d.status:
            parts.append(f"{d.name}报送完成情况为“{d.status}”，未填写具体措施。")
    for ind in task.indicators:
        if ind.reported_text:
            verdict = {True: "已达标", False: "未达标", None: "无法比较"}[ind.met]
            subject = (ind.subject or ind.text).strip()
            parts.append(
                sentence(
                    f"{subject}目标{ind.target_text}，报送完成值{ind.reported_text}，{verdict}"
                )
            )
    if not any(d.reported for d in task.departments):
        return NOBODY_REPORTED
    return "".join(parts) or NOBODY_REPORTED


def gathered_text(material: PeriodMaterial, attr: str) -> str:
    """存在问题 or 下步打算 of every department, de-duplicated and attributed: one line
    per department ("县卫健委：……。"), a text written by several departments once under
    all their names."""
    order = [*material.departments, *material.extra_departments]
    rank = {d.department_id: i for i, d in enumerate(order)}
    texts: dict[str, tuple[str, list[str]]] = {}  # normalised text -> (text, departments)
    dep_rank: dict[str, int] = {}
    for task in material.tasks:
        for d in task.reporting:
            dep_rank.setdefault(d.name, rank.get(d.department_id, len(rank)))
            for text in getattr(d, attr):
                key = re.sub(r"\s+", "", text).strip("。；;，, ")
                entry = texts.setdefault(key, (text, []))
                if d.name not in entry[1]:
                    entry[1].append(d.name)
    groups: dict[tuple[str, ...], list[str]] = {}
    for text, names in texts.values():
        names.sort(key=lambda n: dep_rank[n])
        groups.setdefault(tuple(names), []).append(text)
    lines = []
    for group_names, group in sorted(groups.items(), key=lambda g: [dep_rank[n] for n in g[0]]):
        body = "；".join(sentence(t).rstrip("。") for t in unique_texts(group)) + "。"
        lines.append(f"{'、'.join(group_names)}：{body}")
    return "\n".join(lines)


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
                task_text(task),
                parent_key=parent_key,
                departments=[d.name for d in task.reporting],
                status=task.status,
            )
        )
    return blocks


def generate_draft(material: PeriodMaterial, *, today: dt.date | None = None) -> SummaryDraft:
    """The draft as generated from ``material`` alone (no saved edits)."""
    today = today or dt.date.today()
    generated: dict[str, Any] = {
        "title": summary_title(material),
        "recipient": "",
        "opening": opening_text(material),
        "problems": gathered_text(material, "problems"),
        "next_steps": gathered_text(material, "next_steps"),
        "signer": material.office_name,
        "signed_on": today,
    }
    return SummaryDraft(
        plan_id=material.plan_id,
        period_id=material.period_id,
        title=generated["title"],
        recipient="",
        opening=generated["opening"],
        blocks=generate_blocks(material),
        problems=generated["problems"],
        next_steps=generated["next_steps"],
        signer=generated["signer"],
        signed_on=today,
        attach_task_table=True,
        attach_indicator_table=material.indicators_total > 0,
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
    material = material or gather_material(session, plan_id, period_id)
    draft = generate_draft(material, today=today)
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
    draft.saved_at, draft.saved_by = row.saved_at, row.saved_by
    draft.new_material = new_material(session, period_id)
    return draft


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
        },
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
    text = text.replace("\n", "")
    return text if len(text) <= limit else text[: limit - 1] + "…"


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
                "、".join(task.lead_names),
                "、".join(task.responsible_names),
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
    """附件2: one row per indicator of the plan."""
    rows = []
    for n, ind in enumerate(material.indicators, start=1):
        reported = ind.reported
        rows.append(
            [
                str(n),
                ind.text,
                ind.target_text,
                ind.reported_text or "—",
                reported.department if reported else "",
                ind.met_text,
            ]
        )
    return rows


def write_summary(
    draft: SummaryDraft,
    material: PeriodMaterial,
    path: str | os.PathLike[str],
    *,
    letterhead: str | os.PathLike[str] | None = None,
) -> Path:
    """Write the draft as a 公文 (.docx) with its attachments; returns the path written."""
    doc = OfficialDocument(letterhead)
    doc.title(draft.title)
    if draft.recipient.strip():
        doc.recipient(draft.recipient)
    if draft.opening.strip():
        doc.paragraph(draft.opening)
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
        doc.paragraph(text)
    names = draft.attachment_names(material)
    doc.attachment_list(names)
    doc.signature(draft.signer, draft.signed_on)
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
            col_widths_mm=TASK_TABLE_WIDTHS_MM,
            font_size_pt=TABLE_FONT_PT,
            align=["center", "both", "center", "both", "center", "both"],
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
            col_widths_mm=INDICATOR_TABLE_WIDTHS_MM,
            font_size_pt=TABLE_FONT_PT,
            align=["center", "both", "center", "center", "center", "center"],
        )
    return doc.save(path)


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
