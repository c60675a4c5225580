"""逐条报送表: the plan answered task by task for a period, as one landscape table in
the 公文 format (序号 / 任务 / 责任单位 — the lead first, marked （牵头） — / 完成情况 /
落实情况)."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

from docx.oxml import OxmlElement
from docx.oxml.ns import qn

from foodsafety_desktop.core.reports.formatting import break_title, names_cell
from foodsafety_desktop.core.reports.material import (
    STATUS_ORDER,
    PeriodMaterial,
    SectionMaterial,
    TaskMaterial,
)
from foodsafety_desktop.core.titles import period_words, plan_reference, progress, title_units
from foodsafety_desktop.core.word import OFFICIAL, FontSet, OfficialDocument, date_text
from foodsafety_desktop.core.word.official import LANDSCAPE

HEADER = ["序号", "任务", "责任单位", "完成情况", "落实情况"]
# 五号 on single-and-a-bit lines: the table carries every department's answer, and at
# 小四 the 落实情况 of a county plan runs to half as many pages again.
TABLE_PT = 10.5
TABLE_LINE_PT = 13.0  # exact lines: 1.24 × the 五号 size, as tables in 公文 are set
# 2号 title characters on a 225 mm line (225 / 7.76 = 29), one spare.
LANDSCAPE_TITLE_WIDTH = 28
NOTHING_REPORTED = "本期无单位报送。"


def section_chain(
    section_id: int | None, sections: dict[int, SectionMaterial]
) -> list[SectionMaterial]:
    """The sections from the top level down to ``section_id`` (empty for None)."""
    chain: list[SectionMaterial] = []
    seen: set[int] = set()
    while section_id is not None and section_id in sections and section_id not in seen:
        seen.add(section_id)
        section = sections[section_id]
        chain.append(section)
        section_id = section.parent_id
    return chain[::-1]


def units_text(task: TaskMaterial) -> str:
    """The 责任单位 cell: the lead first, marked （牵头）, then the others, one a line."""
    return names_cell([f"{name}（牵头）" for name in task.lead_names] + task.responsible_names)


def section_text(section: SectionMaterial) -> str:
    return f"{section.label}{section.title}".strip()


def task_text(task: TaskMaterial, *, full: bool = False) -> str:
    """The 任务 cell: label and short title, and the plan's full wording when ``full``."""
    head = f"{task.label}{task.heading_title}".strip()
    body = (task.text or "").strip()
    if full and body and body.rstrip("。") != task.heading_title:
        return f"{head}\n{body}"
    return head


def implementation_text(task: TaskMaterial) -> str:
    """The 落实情况 cell: each reporting department's measures, data and examples
    attributed to it (lead first), indicator values, and who has not answered."""
    lines = []
    for dep in task.departments:
        if not dep.reported:
            continue
        text = dep.text or (f"{dep.status}。" if dep.status else "已报送，未填写具体措施。")
        lines.append(f"{dep.name}：{text}")
    for indicator in task.indicators:
        reported = indicator.reported
        if reported is None:
            continue
        verdict = {True: "已达标", False: "未达标", None: ""}[indicator.met]
        value = indicator.reported_text
        tail = f"，{verdict}" if verdict else ""
        lines.append(f"指标：{indicator.text}，完成{value}（{reported.department}）{tail}。")
    # Reporting units without a submission, and those whose submission left this task
    # blank (the office and groups without members are not expected to answer).
    silent = [d.name for d in task.silent]
    if not lines:
        lines.append(NOTHING_REPORTED)
    if silent:
        lines.append(f"未填报：{'、'.join(silent)}。")
    return "\n".join(lines)


def _explanation(material: PeriodMaterial) -> str:
    counts = material.status_counts
    # Statuses with no task are left out, as in the 工作总结 (not …、未启动0项).
    by_status = "、".join(f"{s}{counts[s]}项" for s in STATUS_ORDER if counts.get(s))
    expected = len(material.departments)
    reported = len(material.reported)
    text = (
        f"说明：本表根据各单位报送的{material.period_name}落实情况汇总，按方案任务顺序排列。"
        f"共{len(material.tasks)}项任务" + (f"，其中{by_status}" if by_status else "") + "；"
        f"应报送单位{expected}个，已报送{reported}个"
    )
    if material.indicators_total:
        text += f"；量化指标{material.indicators_total}项，已达标{material.indicators_met}项"
    return text + "。"


def itemized_title_units(material: PeriodMaterial) -> list[str]:
    """《方案》2022年第三季度各项任务落实情况表; a period that says what it reports:
    《方案》方案制定情况表 (``core.titles``)."""
    words = period_words(material.period_name)
    tail = "表" if progress(material.period_name) == words else "各项任务落实情况表"
    return title_units([plan_reference(material.plan_title), words, tail])


def write_itemized(
    material: PeriodMaterial,
    path: str | os.PathLike[str],
    *,
    today: dt.date | None = None,
    full_task_text: bool = False,
    fonts: FontSet = OFFICIAL,
) -> Path:
    """Write the 逐条报送表 of ``material`` to ``path`` (whole document landscape):
    title, 填报单位 and date, a 说明 line with the figures, then one table row per task
    in plan order under merged bold rows for the plan's sections.  Returns the path."""
    today = today or dt.date.today()
    doc = OfficialDocument(fonts=fonts, landscape=True)
    doc.title(break_title(itemized_title_units(material), width=LANDSCAPE_TITLE_WIDTH))
    doc.paragraph(f"填报单位：{material.office_name}　　填报日期：{date_text(today)}")
    doc.paragraph(_explanation(material))

    sections = {s.section_id: s for s in material.sections}
    rows: list[list[str]] = []
    section_rows: list[int] = []
    emitted: set[int] = set()
    for number, task in enumerate(material.tasks, start=1):
        for section in section_chain(task.section_id, sections):
            if section.section_id not in emitted:
                emitted.add(section.section_id)
                section_rows.append(len(rows))
                rows.append([section_text(section), "", "", "", ""])
        rows.append(
            [
                str(number),
                task_text(task, full=full_task_text),
                units_text(task),
                task.status,
                implementation_text(task),
            ]
        )
    # Widths from the task rows' text (a section row spans the table).
    skip = set(section_rows)
    task_rows = [r for i, r in enumerate(rows) if i not in skip]
    widths = OfficialDocument.content_widths(
        HEADER, task_rows, LANDSCAPE.text_width_twips, TABLE_PT
    )
    doc.table(
        HEADER,
        rows,
        col_widths_mm=[w * 25.4 / 1440 for w in widths],
        font_size_pt=TABLE_PT,
        line_pt=TABLE_LINE_PT,
        align=["center", "left", "left", "center", "left"],
    )
    table = doc.document.tables[-1]
    for index in section_rows:
        _merge_into_heading_row(table.rows[index + 1]._tr)  # +1: the header row
    return doc.save(path)


def _merge_into_heading_row(tr: Any) -> None:
    """Turn a table row into one cell across the table, its text bold and flush left
    (a plan section such as 三、主要任务 between the task rows)."""
    cells = tr.findall(qn("w:tc"))
    first = cells[0]
    width = 0
    for tc in cells:
        tc_w = tc.find(qn("w:tcPr") + "/" + qn("w:tcW"))
        width += int(tc_w.get(qn("w:w")))
    for tc in cells[1:]:
        tr.remove(tc)
    tc_pr = first.find(qn("w:tcPr"))
    tc_pr.find(qn("w:tcW")).set(qn("w:w"), str(width))
    span = OxmlElement("w:gridSpan")
    span.set(qn("w:val"), str(len(cells)))
    tc_pr.find(qn("w:tcW")).addnext(span)  # tcW, gridSpan, …, vAlign
    # Keep the section heading on the page of its first task.
    for p in first.findall(qn("w:p")):
        ppr = p.find(qn("w:pPr"))
        keep = OxmlElement("w:keepNext")
        ppr.find(qn("w:pStyle")).addnext(keep)
        jc = ppr.find(qn("w:jc"))
        if jc is None:
            jc = OxmlElement("w:jc")
            ppr.append(jc)
        jc.set(qn("w:val"), "left")
        for rpr in p.iter(qn("w:rPr")):
            bold = OxmlElement("w:b")
            rpr.find(qn("w:rFonts")).addnext(bold)
            bold.addnext(OxmlElement("w:bCs"))
