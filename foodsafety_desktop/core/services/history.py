"""Rows of the history panel (操作记录): audit entries as Chinese text, in local time.

The panel shows one object's history (a task, a department) or the whole database's;
``describe_detail`` turns an entry's JSON detail into "字段：旧值 → 新值" lines.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from foodsafety_desktop.core.dates import local_time
from foodsafety_desktop.core.services import audit
from foodsafety_desktop.core.storage.models import AuditEntry

# The whole-database view loads at most this many of the newest entries.
MAX_ROWS = 20000

ACTION_LABELS = {
    "task.update": "修改任务",
    "task.add": "新增任务",
    "task.move": "移动任务",
    "task.delete": "删除任务",
    "plan.import": "导入方案",
    "assessment.import": "导入考核细则",
    "assessment.link_auto": "自动关联考核项目",
    "assessment.link_add": "关联考核项目",
    "assessment.link_confirm": "确认考核项目关联",
    "assessment.link_remove": "取消考核项目关联",
    "assessment.templates": "生成自评表",
    "assessment.self_import": "收取自评表",
    "assessment.score": "考核评分",
    "evidence.add": "添加佐证材料",
    "evidence.remove": "删除佐证材料",
    "plan.update": "更新方案",
    "plan.delete": "删除方案",
    "plan.archive": "归档方案",
    "plan.unarchive": "取消归档",
    "dept.create": "新增单位",
    "dept.update": "修改单位",
    "dept.alias_add": "添加别名",
    "dept.alias_remove": "删除别名",
    "dept.merge": "合并单位",
    "dept.members": "设置单位组",
    "submission.collect": "收取报送",
    "submission.return": "退回修改",
    "submission.return_update": "修改退回意见",
    "submission.return_withdraw": "撤销退回",
    "period.create": "新建期次",
    "period.update": "修改期次",
    "period.close": "关闭期次",
    "period.reopen": "重新开放期次",
    "period.delete": "删除期次",
    "period.templates": "生成报送表",
    "summary.create": "保存工作总结",
    "summary.save": "保存工作总结",
    "db.restore": "从备份恢复",
    "setting.update": "修改设置",
    "undo": "撤销",
}


@dataclass(frozen=True)
class HistoryRow:
    """One line of the history panel; the detail is described only when asked for."""

    id: int
    at: dt.datetime  # local time
    user: str
    action: str  # Chinese label
    summary: str
    action_code: str
    raw_detail: str | None
    task_id: int | None = None  # a task's panel: only this task's part of a workbook
    entity: str = ""  # the entry's object ("submission" for a returned workbook …)
    entity_id: int | None = None

    @property
    def at_text(self) -> str:
        return self.at.strftime("%Y-%m-%d %H:%M:%S")

    def detail_text(self) -> str:
        """ "字段：旧值 → 新值" lines (may be empty)."""
        return describe(self.action_code, self.raw_detail, task_id=self.task_id)


def history_rows(
    session: Session, entity: str | None = None, entity_id: int | None = None
) -> list[HistoryRow]:
    """The history of one object, or of the whole database when ``entity`` is None.

    Newest first.  A task's history also lists the returned workbooks that changed its
    status or progress (recorded as "submission.collect" with the task in the detail)
    and the updates of its plan that changed it ("plan.update", likewise).
    """
    if entity is None:
        stmt = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(MAX_ROWS)
        return [_row(e) for e in session.scalars(stmt)]
    entries = audit.history(session, entity, entity_id)
    if entity == "task" and entity_id is not None:
        key = f'"{entity_id}": {{'  # a key of detail["tasks"] (json.dumps spacing)
        collected = session.scalars(
            select(AuditEntry).where(
                AuditEntry.action.in_(("submission.collect", "plan.update")),
                AuditEntry.detail.contains(key, autoescape=True),
            )
        )
        for entry in collected:
            tasks = (audit.detail_of(entry) or {}).get("tasks")
            if isinstance(tasks, dict) and str(entity_id) in tasks:
                entries.append(entry)
        entries.sort(key=lambda e: e.id, reverse=True)
    return [_row(e, task_id=entity_id if entity == "task" else None) for e in entries]


def _row(entry: AuditEntry, task_id: int | None = None) -> HistoryRow:
    return HistoryRow(
        id=entry.id,
        at=local_time(entry.at),
        user=entry.user,
        action=ACTION_LABELS.get(entry.action, entry.action),
        summary=entry.summary,
        action_code=entry.action,
        raw_detail=entry.detail,
        task_id=task_id,
        entity=entry.entity,
        entity_id=entry.entity_id,
    )


def submission_history(session: Session, submission_id: int) -> list[HistoryRow]:
    """The history of one returned workbook and of every other workbook of the same
    department and period (collected, returned for rework, corrected), newest first.

    The collection of a file that replaced a returned one says so (（更正退回修改的报送）).
    """
    from dataclasses import replace

    from foodsafety_desktop.core.storage.models import Submission

    sub = session.get(Submission, submission_id)
    if sub is None:
        return []
    siblings = session.execute(
        select(Submission.id, Submission.returned_at, Submission.replaced_submission_id).where(
            Submission.period_id == sub.period_id,
            Submission.department_id == sub.department_id,
        )
    ).all()
    ids = [s.id for s in siblings]
    returned = {s.id for s in siblings if s.returned_at is not None}
    corrects = {s.id for s in siblings if s.replaced_submission_id in returned}
    entries = session.scalars(
        select(AuditEntry)
        .where(AuditEntry.entity == "submission", AuditEntry.entity_id.in_(ids))
        .order_by(AuditEntry.id.desc())
    )
    rows = []
    for entry in entries:
        row = _row(entry)
        if entry.action == "submission.collect" and entry.entity_id in corrects:
            row = replace(row, summary=row.summary + "（更正退回修改的报送）")
        rows.append(row)
    return rows


def describe_detail(entry: AuditEntry, *, task_id: int | None = None) -> str:
    """The entry's detail as readable Chinese lines ("字段：旧值 → 新值")."""
    return describe(entry.action, entry.detail, task_id=task_id)


def describe(action: str, raw_detail: str | None, *, task_id: int | None = None) -> str:
    """A detail (JSON text) as Chinese lines; for a returned workbook and ``task_id``,
    only that task's changes."""
    if raw_detail is None:
        return ""
    try:
        detail = json.loads(raw_detail)
    except ValueError:
        return raw_detail
    if detail is None:
        return ""
    if not isinstance(detail, dict):
        return str(detail)
    lines: list[str] = []
    before, after = detail.get("before"), detail.get("after")
    if isinstance(before, dict) and isinstance(after, dict):
        for key in dict.fromkeys([*before, *after]):
            lines.append(f"{_label(key)}：{_show(before.get(key))} → {_show(after.get(key))}")
    elif isinstance(before, list) and isinstance(after, list):
        lines.append(f"成员：{_show(before)} → {_show(after)}")
    tasks = detail.get("tasks")
    if isinstance(tasks, dict):
        for key, change in tasks.items():
            if task_id is not None and key != str(task_id):
                continue
            for field, values in (change or {}).items():
                if isinstance(values, list) and len(values) == 2:
                    prefix = "" if task_id is not None else f"任务 {key} "
                    lines.append(
                        f"{prefix}{_label(field)}：{_show(values[0])} → {_show(values[1])}"
                    )
    if action == "task.delete":
        for key in ("label", "title", "lead", "responsible", "deadline_text", "status"):
            if detail.get(key):
                lines.append(f"{_label(key)}：{_show(detail[key])}")
        return "\n".join(lines)
    for key, value in detail.items():
        if key in _HIDDEN or value in (None, "", [], {}):
            continue
        lines.append(f"{_label(key)}：{_show(value)}")
    return "\n".join(lines)


# Keys that are shown above, or that only the program reads.
_HIDDEN = {
    "before",
    "after",
    "tasks",
    "snapshot",
    "undo",
    "resolutions",
    "sha256",
    "previous_sha256",
    "undone_entry_id",
    "rows",  # 退回意见 as stored; shown as return_rows
}


def _label(key: str) -> str:
    return FIELD_LABELS.get(key, key)


def _show(value: Any) -> str:
    if value is None or value == "" or value == []:
        return "（空）"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return "、".join(_show(v) for v in value)
    if isinstance(value, dict):
        if "name" in value:
            return str(value["name"])
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, str) and value in ACTION_LABELS:
        return ACTION_LABELS[value]
    return str(value)


# Chinese names of the fields found in audit details (unknown keys are shown as they are).
FIELD_LABELS = {
    "title": "任务名称",
    "text": "任务内容",
    "deadline": "完成时限",
    "deadline_text": "时限说明",
    "status": "状态",
    "progress": "最新进展",
    "lead": "牵头单位",
    "responsible": "责任单位",
    "position": "位置",
    "section_id": "章节编号",
    "plan_id": "方案编号",
    "label": "序号",
    "name": "名称",
    "kind": "类型",
    "contact_person": "联系人",
    "phone": "电话",
    "note": "备注",
    "alias": "别名",
    "kept": "保留单位",
    "merged": "并入单位",
    "aliases_moved": "转入别名",
    "assignments_moved": "转入分工数",
    "submissions_moved": "转入报送数",
    "source_name": "文件",
    "file": "文件",
    "folder": "文件夹",
    "files": "文件",
    "prefill": "预填上期内容",
    "task_count": "任务数",
    "created_departments": "新建单位",
    "archive": "存档位置",
    "period_id": "期次编号",
    "department_id": "单位编号",
    "matched_by": "识别方式",
    "replaced_submission_id": "替换的报送编号",
    "warnings": "提示",
    "fields": "修改的部分",
    "tasks_rewritten": "改写任务数",
    "tasks_excluded": "不列入任务数",
    "backup": "备份文件",
    "created_at": "备份时间",
    "undone_action": "撤销的操作",
    "periods": "期次",
    "period": "期次",
    "submissions": "报送记录数",
    "due_date": "截止日期",
    "plan_title": "方案名称",
    "doc_number": "文号",
    "issued_on": "成文日期",
    "issuer": "发文机关",
    "year_start": "起始年度",
    "year_end": "结束年度",
    "archived": "已归档",
    "indicators": "指标",
    "previous_source": "原文件",
    "tasks_added": "新增任务",
    "tasks_removed": "删除任务",
    "tasks_kept": "保留的已删除任务（有报送）",
    "reporting_changed": "报送要求有变化",
    "unarchived": "取消归档",
    "return_note": "退回说明",
    "return_rows": "退回意见",
    "returned_by": "退回人",
    "returned_at": "退回时间",
}
