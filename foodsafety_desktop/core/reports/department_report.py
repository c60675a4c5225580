"""部门小结: everything one department reported for a period, task by task, in the 公文
format (its role, status, measures, data, examples, problems, next steps, indicators)."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from foodsafety_desktop.core.dates import cn_date
from foodsafety_desktop.core.errors import UserError
from foodsafety_desktop.core.reports.formatting import (
    break_title,
    keep_last_lines_with_signature,
)
from foodsafety_desktop.core.reports.material import (
    ROLE_UNASSIGNED,
    STATUS_ORDER,
    DepartmentMaterial,
    DepartmentReport,
    IndicatorResult,
    PeriodMaterial,
    TaskMaterial,
    compare,
    format_number,
)
from foodsafety_desktop.core.storage.models import ROLE_COOPERATING, ROLE_LEAD, ROLE_RESPONSIBLE
from foodsafety_desktop.core.titles import period_words, plan_reference, progress, title_units
from foodsafety_desktop.core.word import FontSet, OfficialDocument, heading_label

ROLE_TEXT = {
    ROLE_LEAD: "牵头单位",
    ROLE_RESPONSIBLE: "责任单位",
    ROLE_COOPERATING: "配合单位",
    ROLE_UNASSIGNED: "未列为责任单位（本单位主动报送）",
}
# The labelled parts of a department's answer, in the order of the 报送表's columns.
PARTS = (
    ("measures", "主要措施："),
    ("data", "工作数据："),
    ("examples", "典型案例："),
    ("problems", "存在问题："),
    ("next_steps", "下步打算："),
)
NOT_ANSWERED = "本期未填报该项任务。"
_END = "。！？；：…!?;:."


def find_department(material: PeriodMaterial, name: str) -> DepartmentReport:
    """The department of the period called ``name``; UserError when it is not one of
    the period's departments or has not reported."""
    name = name.strip()
    for report in (*material.departments, *material.extra_departments):
        if report.name == name:
            if not report.reported:
                raise UserError(
                    f"该单位本期尚未报送（{name}，{material.period_name}），无法生成部门小结。"
                )
            return report
    raise UserError(f"“{name}”不是{material.period_name}的报送单位，请检查单位名称。")


def department_tasks(
    material: PeriodMaterial, department_id: int
) -> list[tuple[TaskMaterial, DepartmentMaterial]]:
    """The tasks the department holds (directly or through a group) or answered, in plan
    order, each with the department's part in it."""
    out = []
    for task in material.tasks:
        part = next((d for d in task.departments if d.department_id == department_id), None)
        if part is not None:
            out.append((task, part))
    return out


def role_text(part: DepartmentMaterial) -> str:
    text = ROLE_TEXT.get(part.role, part.role or ROLE_TEXT[ROLE_UNASSIGNED])
    return f"{text}（{part.via_group}）" if part.via_group else text


def _sentences(text: str) -> str:
    """``text`` with a full stop closing every line that lacks end punctuation."""
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    return "\n".join(line if line[-1] in _END else line + "。" for line in lines)


def _division(task: TaskMaterial, part: DepartmentMaterial) -> str:
    """本单位为责任单位；牵头单位：… (the lead names its partners instead)."""
    text = f"本单位为{role_text(part)}"
    if part.is_lead:
        others = [n for n in task.responsible_names if n != part.name]
        if others:
            text += f"；责任单位：{'、'.join(others)}"
    else:
        leads = [n for n in task.lead_names if n != part.name]
        if leads:
            text += f"；牵头单位：{'、'.join(leads)}"
    return text + "。"


def _indicator_lines(task: TaskMaterial, department: str) -> list[str]:
    lines = []
    for indicator in task.indicators:
        for value in indicator.values:
            if value.department != department:
                continue
            lines.append(_indicator_line(indicator, value.value, value.value_text))
    return lines


def _indicator_line(indicator: IndicatorResult, value: float | None, written: str | None) -> str:
    shown = format_number(value) + (indicator.unit or "") if value is not None else (written or "")
    line = f"{indicator.text.rstrip('。；;')}：完成值{shown}"
    if value is not None and indicator.target is not None:
        met = compare(value, indicator.comparison, indicator.target)
        line += f"（目标{indicator.target_text}，{'已达标' if met else '未达标'}）"
    return line + "。"


def _opening(
    material: PeriodMaterial,
    report: DepartmentReport,
    tasks: list[tuple[TaskMaterial, DepartmentMaterial]],
) -> list[str]:
    roles = [part.role for _, part in tasks]
    role_counts = "、".join(
        f"{ROLE_TEXT[r][:2]}{roles.count(r)}项"
        for r in (ROLE_LEAD, ROLE_RESPONSIBLE, ROLE_COOPERATING)
        if roles.count(r)
    )
    held = [part for _, part in tasks if part.role != ROLE_UNASSIGNED]
    plan = plan_reference(material.plan_title)
    text = f"{material.period_name}，{report.name}承担{plan}{len(held)}项任务"
    text += f"（{role_counts}）。" if role_counts else "。"
    done = [part for _, part in tasks if part.reported]
    statuses = [part.status for part in done if part.status]
    by_status = "、".join(f"{s}{statuses.count(s)}项" for s in STATUS_ORDER if statuses.count(s))
    text += f"本期填报{len(done)}项"
    text += f"，其中{by_status}" if by_status else ""
    blank = len(tasks) - len(done)
    text += f"；{blank}项未填报。" if blank else "。"
    lines = [text]
    if report.received_on is not None:
        timing = "逾期报送" if report.late else "按时报送"
        detail = f"报送时间：{cn_date(report.received_on)}（{timing}）"
        if report.reporter:
            detail += f"；填报人：{report.reporter}"
        if report.phone:
            detail += f"；联系电话：{report.phone}"
        lines.append(detail + "。")
    return lines


def write_department_report(
    material: PeriodMaterial,
    department_name: str,
    path: str | os.PathLike[str],
    *,
    fonts: FontSet | None = None,
) -> Path:
    """Write everything ``department_name`` reported for the period to ``path``: an
    opening with its figures, then per task (plan order) its role, status and the texts
    it sent, signed with the department's name and the date it reported.

    UserError("该单位本期尚未报送…") when the department has no current submission.
    """
    report = find_department(material, department_name)
    tasks = department_tasks(material, report.department_id)

    doc = OfficialDocument(fonts=fonts)
    words = period_words(material.period_name)
    tail = "" if progress(material.period_name) == words else "食品安全工作落实情况"
    doc.title(break_title(title_units([report.name, words, tail])))
    for line in _opening(material, report, tasks):
        doc.paragraph(line)

    for number, (task, part) in enumerate(tasks, start=1):
        doc.heading(1, heading_label(1, number) + task.heading_title)
        doc.paragraph(_division(task, part), bold_prefix="职责分工：")
        if not part.reported:
            doc.paragraph(NOT_ANSWERED)
            continue
        doc.paragraph(f"{part.status or '未填写'}。", bold_prefix="完成情况：")
        for attr, label in PARTS:
            texts = getattr(part, attr)
            if texts:
                doc.paragraph("\n".join(_sentences(t) for t in texts), bold_prefix=label)
        indicators = _indicator_lines(task, report.name)
        if indicators:
            doc.paragraph("\n".join(indicators), bold_prefix="指标完成情况：")

    doc.signature(report.name, report.received_on or dt.date.today())
    keep_last_lines_with_signature(doc)
    return doc.save(path)
