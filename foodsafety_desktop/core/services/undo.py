"""Undo of the last deletion of a task or a plan, merge of departments or change of the
reporting periods (撤销).

The rule is deliberately simple, like Ctrl+Z pressed once: only the very last change
recorded in the database (its newest ``AuditEntry``) can be undone, and only when it is
a ``task.delete``, a ``plan.delete``, a ``dept.merge`` or a ``period.create`` /
``period.update`` / ``period.delete`` whose entry holds what is needed to reverse it.
Any later change — an edit, an import, a returned workbook, a restore, or the undo
itself — ends the chance, so an undo never has to reconcile rows someone changed since.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Date, DateTime, delete, insert, or_, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from foodsafety_desktop.core.errors import UserError
from foodsafety_desktop.core.services import audit
from foodsafety_desktop.core.storage.models import (
    AssessmentItem,
    AssessmentLink,
    Assignment,
    AuditEntry,
    Base,
    Department,
    DepartmentAlias,
    Evidence,
    GroupMember,
    Indicator,
    Plan,
    ReportingPeriod,
    ReportingRule,
    Section,
    Submission,
    SubmissionEntry,
    SummaryDraft,
    Task,
    TaskItem,
)

ACTION_UNDO = "undo"
PERIOD_ACTIONS = ("period.create", "period.update", "period.delete")
UNDOABLE_ACTIONS = ("task.delete", "plan.delete", "dept.merge", *PERIOD_ACTIONS)
NOTHING_TO_UNDO = "没有可以撤销的操作"


@dataclass(frozen=True)
class UndoableChange:
    """The change ``undo_last`` would reverse."""

    entry_id: int
    action: str  # task.delete / plan.delete / dept.merge / period.create / …
    at: dt.datetime  # UTC, as stored
    user: str
    summary: str  # the entry's summary
    description: str  # short Chinese text for a menu: 删除任务“…” / 合并单位“…”到“…”
    entity_id: int | None = None  # the entry's object: the deleted task's or plan's id …


# --- what delete_task and merge_departments record ------------------------------------


def row_values(row: Base) -> dict[str, Any]:
    """All column values of an ORM row, JSON-ready (dates as ISO text)."""
    values: dict[str, Any] = {}
    for column in row.__table__.columns:
        value = getattr(row, column.key)
        values[column.key] = value.isoformat() if isinstance(value, dt.date) else value
    return values


def task_snapshot(session: Session, task: Task) -> dict[str, Any]:
    """Every row that deleting ``task`` removes (for ``ledger.delete_task``'s entry).

    Besides the task's items, assignments and indicators this includes the departments'
    submission entries for it, which the database deletes by cascade.
    """
    entries = session.scalars(
        select(SubmissionEntry)
        .where(SubmissionEntry.task_id == task.id)
        .order_by(SubmissionEntry.id)
    )
    return {
        "task": row_values(task),
        "items": [row_values(i) for i in task.items],
        "assignments": [row_values(a) for a in task.assignments],
        "indicators": [row_values(i) for i in task.indicators],
        "submission_entries": [row_values(e) for e in entries],
        **_attached(session, Evidence.task_id == task.id, AssessmentLink.task_id == task.id),
    }


def _attached(session: Session, evidence_where: Any, link_where: Any = None) -> dict[str, Any]:
    """The 佐证材料 rows and 细则 links a delete removes with tasks or submissions (the
    database cascades them), for the undo to put back."""
    out: dict[str, Any] = {
        "evidence": [
            row_values(e)
            for e in session.scalars(select(Evidence).where(evidence_where).order_by(Evidence.id))
        ]
    }
    if link_where is not None:
        out["assessment_links"] = [
            row_values(link)
            for link in session.scalars(
                select(AssessmentLink).where(link_where).order_by(AssessmentLink.id)
            )
        ]
    return out


def _restore_attached(
    session: Session,
    snap: dict[str, Any],
    *,
    task_ids: dict[int, int] | None = None,
    submission_ids: dict[int, int] | None = None,
) -> int:
    """Put back the evidence and links ``_attached`` recorded, pointing at the restored
    tasks and submissions (old id → new id; an id not in the map is kept when its row
    still exists).  A link whose 细则 item is gone stays gone; an evidence row keeps
    what of its targets exists.  Returns the evidence rows restored."""

    def target(model: type[Base], old: int | None, mapping: dict[int, int] | None) -> int | None:
        if old is None:
            return None
        if mapping is not None and old in mapping:
            return mapping[old]
        return old if session.get(model, old) is not None else None

    restored = 0
    for row in snap.get("evidence", []):
        task_id = target(Task, row.get("task_id"), task_ids)
        submission_id = target(Submission, row.get("submission_id"), submission_ids)
        item_id = target(AssessmentItem, row.get("item_id"), None)
        if task_id is None and submission_id is None and item_id is None:
            continue
        department_id = target(Department, row.get("department_id"), None)
        _rebuild(
            session, Evidence, row, task_id=task_id, submission_id=submission_id,
            item_id=item_id, department_id=department_id,
        )  # fmt: skip
        restored += 1
    for row in snap.get("assessment_links", []):
        task_id = target(Task, row.get("task_id"), task_ids)
        if task_id is None or session.get(AssessmentItem, row["item_id"]) is None:
            continue
        _rebuild(session, AssessmentLink, row, task_id=task_id)
    session.flush()
    return restored


_CONTACT_FIELDS = ("contact_person", "phone", "note")


def merge_snapshot(session: Session, keep_id: int, merge_id: int) -> dict[str, Any]:
    """The rows a merge will move or delete, taken before ``merge_departments`` moves them."""
    merge = session.get(Department, merge_id)
    keep = session.get(Department, keep_id)
    assert merge is not None and keep is not None
    return {
        "merged": row_values(merge),
        "keep_fields": {key: getattr(keep, key) for key in _CONTACT_FIELDS},
        "assignments": [
            row_values(a)
            for a in session.scalars(select(Assignment).where(Assignment.department_id == merge_id))
        ],
        "aliases": list(
            session.scalars(
                select(DepartmentAlias.id).where(DepartmentAlias.department_id == merge_id)
            )
        ),
        "memberships": [
            row_values(m)
            for m in session.scalars(
                select(GroupMember).where(
                    (GroupMember.group_id == merge_id) | (GroupMember.member_id == merge_id)
                )
            )
        ],
        "submissions": [
            {"id": s.id, "department_id": s.department_id, "is_current": s.is_current}
            for s in session.scalars(
                select(Submission).where(Submission.department_id.in_((keep_id, merge_id)))
            )
        ],
    }


def merge_undo_detail(
    session: Session, before: dict[str, Any], keep_id: int, added_alias_id: int
) -> dict[str, Any]:
    """What ``undo_last`` needs to split the merge again, once the merge is done.

    Rows still present were moved to the kept department; the others (duplicates of a
    role the kept department already had) were deleted and are kept whole.
    """
    keep = session.get(Department, keep_id)
    assert keep is not None

    def existing(id_column: InstrumentedAttribute[int], ids: list[int]) -> set[int]:
        if not ids:
            return set()
        return set(session.scalars(select(id_column).where(id_column.in_(ids))))

    assignment_ids = existing(Assignment.id, [a["id"] for a in before["assignments"]])
    membership_ids = existing(GroupMember.id, [m["id"] for m in before["memberships"]])
    merge_id = before["merged"]["id"]
    return {
        "merged": before["merged"],
        "keep_filled": {
            key: old for key, old in before["keep_fields"].items() if getattr(keep, key) != old
        },
        "assignments_moved": sorted(assignment_ids),
        "assignments_removed": [a for a in before["assignments"] if a["id"] not in assignment_ids],
        "aliases_moved": before["aliases"],
        "alias_added": added_alias_id,
        "memberships_moved": [m for m in before["memberships"] if m["id"] in membership_ids],
        "memberships_removed": [m for m in before["memberships"] if m["id"] not in membership_ids],
        "submissions_moved": [
            s["id"] for s in before["submissions"] if s["department_id"] == merge_id
        ],
        "submissions_current": {str(s["id"]): s["is_current"] for s in before["submissions"]},
    }


def period_snapshot(session: Session, period: ReportingPeriod) -> dict[str, Any]:
    """Every row deleting ``period`` removes (for ``periods.delete_period``'s entry): the
    period, its submissions (history included) and their entries, its 工作总结 edits, and
    the status and progress of the tasks it reported on (refreshed after the delete)."""
    submissions = list(
        session.scalars(
            select(Submission).where(Submission.period_id == period.id).order_by(Submission.id)
        )
    )
    ids = [s.id for s in submissions]
    entries = (
        list(
            session.scalars(
                select(SubmissionEntry)
                .where(SubmissionEntry.submission_id.in_(ids))
                .order_by(SubmissionEntry.id)
            )
        )
        if ids
        else []
    )
    task_ids = sorted({e.task_id for e in entries})
    tasks = (
        session.execute(
            select(Task.id, Task.status, Task.progress).where(Task.id.in_(task_ids))
        ).all()
        if task_ids
        else []
    )
    drafts = session.scalars(select(SummaryDraft).where(SummaryDraft.period_id == period.id))
    return {
        "period": row_values(period),
        "submissions": [row_values(s) for s in submissions],
        "entries": [row_values(e) for e in entries],
        "summary_drafts": [row_values(d) for d in drafts],
        "tasks": {str(t.id): {"status": t.status, "progress": t.progress} for t in tasks},
        **_attached(session, Evidence.submission_id.in_(ids)),
    }


def plan_snapshot(session: Session, plan: Plan) -> dict[str, Any]:
    """Every row deleting ``plan`` removes (for ``plan_admin.delete_plan``'s entry): the
    plan, its sections, tasks with their items, assignments and indicators, reporting
    rules, periods, their submissions (history included) and entries, 工作总结 edits."""
    period_ids = select(ReportingPeriod.id).where(ReportingPeriod.plan_id == plan.id)
    submission_ids = select(Submission.id).where(Submission.period_id.in_(period_ids))
    task_ids = select(Task.id).where(Task.plan_id == plan.id)

    def rows(model: type[Base], *where: Any) -> list[dict[str, Any]]:
        table = model.__table__
        result = session.execute(select(*table.columns).where(*where).order_by(*table.primary_key))
        return [
            {
                key: value.isoformat() if isinstance(value, dt.date) else value
                for key, value in row._mapping.items()
            }
            for row in result
        ]

    return {
        "plan": row_values(plan),
        "sections": rows(Section, Section.plan_id == plan.id),
        "tasks": rows(Task, Task.plan_id == plan.id),
        "items": rows(TaskItem, TaskItem.task_id.in_(task_ids)),
        "assignments": rows(Assignment, Assignment.task_id.in_(task_ids)),
        "indicators": rows(Indicator, Indicator.task_id.in_(task_ids)),
        "reporting_rules": rows(ReportingRule, ReportingRule.plan_id == plan.id),
        "periods": rows(ReportingPeriod, ReportingPeriod.plan_id == plan.id),
        "submissions": rows(Submission, Submission.period_id.in_(period_ids)),
        "entries": rows(
            SubmissionEntry,
            or_(
                SubmissionEntry.submission_id.in_(submission_ids),
                SubmissionEntry.task_id.in_(task_ids),
            ),
        ),
        "summary_drafts": rows(SummaryDraft, SummaryDraft.period_id.in_(period_ids)),
        **_attached(
            session,
            or_(Evidence.task_id.in_(task_ids), Evidence.submission_id.in_(submission_ids)),
            AssessmentLink.task_id.in_(task_ids),
        ),
    }


# --- finding and undoing the last change ----------------------------------------------


def _detail(entry: AuditEntry) -> dict[str, Any] | None:
    detail = audit.detail_of(entry)
    return detail if isinstance(detail, dict) else None


def _undo_data(entry: AuditEntry) -> dict[str, Any] | None:
    """The entry's reversal data; None for entries written before undo existed."""
    detail = _detail(entry)
    if detail is None:
        return None
    key = "snapshot" if entry.action == "task.delete" else "undo"  # plan.delete: "undo"
    data = detail.get(key)
    return data if isinstance(data, dict) else None


def _description(entry: AuditEntry) -> str:
    detail = _detail(entry) or {}
    if entry.action == "period.create":
        names = [p.get("name", "") for p in detail.get("periods") or [] if isinstance(p, dict)]
        if len(names) == 1:
            return f"新建报送期次“{names[0]}”"
        return f"新建报送期次 {len(names)} 个"
    if entry.action == "period.delete":
        return f"删除报送期次“{(detail.get('period') or {}).get('name', '')}”"
    if entry.action == "period.update":
        before = (detail.get("undo") or {}).get("fields") or {}
        return f"修改报送期次“{before.get('name', '')}”"
    if entry.action == "plan.delete":
        return f"删除方案《{detail.get('plan_title', '')}》"
    if entry.action == "dept.merge":
        merged = (detail.get("merged") or {}).get("name", "")
        kept = (detail.get("kept") or {}).get("name", "")
        return f"合并单位“{merged}”到“{kept}”"
    return entry.summary


def last_undoable(session: Session) -> UndoableChange | None:
    """The change ``undo_last`` would reverse: the database's very last change, if undoable."""
    entry = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1)).first()
    if entry is None or entry.action not in UNDOABLE_ACTIONS or _undo_data(entry) is None:
        return None
    return UndoableChange(
        entry_id=entry.id,
        action=entry.action,
        at=entry.at,
        user=entry.user,
        summary=entry.summary,
        description=_description(entry),
        entity_id=entry.entity_id,
    )


def undo_last(session: Session, *, user: str) -> str:
    """Reverse the last change (see the module docstring); return a Chinese summary.

    Runs in the caller's transaction and records an "undo" audit entry, so a second
    call finds nothing to undo.  UserError("没有可以撤销的操作") when there is none.
    """
    change = last_undoable(session)
    if change is None:
        raise UserError(NOTHING_TO_UNDO + "。")
    entry = session.get(AuditEntry, change.entry_id)
    assert entry is not None
    data = _undo_data(entry)
    assert data is not None
    if change.action == "task.delete":
        entity, entity_id, result = "task", *_restore_task(session, data)
    elif change.action == "plan.delete":
        entity, entity_id, result = "plan", *_restore_plan(session, data)
    elif change.action == "dept.merge":
        entity, entity_id, result = "department", *_split_merge(session, data)
    elif change.action == "period.create":
        entity, entity_id, result = "plan", *_remove_created_periods(session, data)
    elif change.action == "period.update":
        entity, entity_id, result = "period", *_restore_period_fields(session, data)
    else:
        entity, entity_id, result = "period", *_restore_period(session, data)
    session.flush()
    audit.record(
        session,
        user=user,
        action=ACTION_UNDO,
        entity=entity,
        entity_id=entity_id,
        summary=f"撤销{change.description}：{result}",
        detail={"undone_entry_id": entry.id, "undone_action": entry.action},
    )
    session.flush()
    return result


def _column_value(column: Any, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(column.type, DateTime):
        return dt.datetime.fromisoformat(value)
    if isinstance(column.type, Date):
        return dt.date.fromisoformat(value)
    return value


def _rebuild(session: Session, model: type[Base], values: dict[str, Any], **changes: Any) -> Any:
    """A new ``model`` row from recorded values; the old id when it is still free."""
    kwargs = {}
    for column in model.__table__.columns:
        if column.key in values:
            kwargs[column.key] = _column_value(column, values[column.key])
    kwargs.update(changes)
    if kwargs.get("id") is not None and session.get(model, kwargs["id"]) is not None:
        kwargs["id"] = None
    row = model(**kwargs)
    session.add(row)
    return row


def _restore_task(session: Session, snap: dict[str, Any]) -> tuple[int, str]:
    values = snap["task"]
    plan = session.get(Plan, values["plan_id"])
    if plan is None:
        raise UserError("该任务所属的工作方案已不存在，无法恢复。")
    section_id = values.get("section_id")
    if section_id is not None and session.get(Section, section_id) is None:
        section_id = None
    others = list(
        session.scalars(
            select(Task).where(Task.plan_id == plan.id).order_by(Task.position, Task.id)
        )
    )
    task = _rebuild(session, Task, values, section_id=section_id)
    session.flush()
    # Back to its place: ``delete_task`` renumbered the others 1..n.
    index = max(0, min(len(others), int(values.get("position") or 1) - 1))
    others.insert(index, task)
    for position, row in enumerate(others, start=1):
        row.position = position

    item_ids: dict[int, int] = {}
    for item in snap.get("items", []):
        row = _rebuild(session, TaskItem, item, task_id=task.id)
        session.flush()
        item_ids[item["id"]] = row.id
    indicator_ids: dict[int, int] = {}
    for indicator in snap.get("indicators", []):
        row = _rebuild(session, Indicator, indicator, task_id=task.id)
        session.flush()
        indicator_ids[indicator["id"]] = row.id
    lost: list[str] = []
    restored = 0
    for assignment in snap.get("assignments", []):
        if session.get(Department, assignment["department_id"]) is None:
            lost.append(assignment.get("written_name") or str(assignment["department_id"]))
            continue
        _rebuild(
            session,
            Assignment,
            assignment,
            task_id=task.id,
            item_id=item_ids.get(assignment.get("item_id")),
        )
        restored += 1
    entries = 0
    for entry in snap.get("submission_entries", []):
        if session.get(Submission, entry["submission_id"]) is None:
            continue
        _rebuild(
            session,
            SubmissionEntry,
            entry,
            task_id=task.id,
            item_id=item_ids.get(entry.get("item_id")),
            indicator_id=indicator_ids.get(entry.get("indicator_id")),
        )
        entries += 1
    session.flush()
    evidence = _restore_attached(session, snap, task_ids={values["id"]: task.id})
    name = f"{task.label}{task.title}" if task.label else task.title
    parts = [f"{restored} 条单位分工"]
    if indicator_ids:
        parts.append(f"{len(indicator_ids)} 项指标")
    if entries:
        parts.append(f"{entries} 条报送内容")
    if evidence:
        parts.append(f"{evidence} 份佐证材料")
    text = f"已恢复任务“{name}”（{'、'.join(parts)}）"
    if lost:
        text += f"；以下单位已不存在，未能恢复其分工：{'、'.join(lost)}"
    return task.id, text


def _split_merge(session: Session, data: dict[str, Any]) -> tuple[int, str]:
    merged = data["merged"]
    kept_id = None
    added = session.get(DepartmentAlias, data.get("alias_added"))
    if added is not None:
        kept_id = added.department_id
        session.delete(added)
    else:  # the alias was removed by hand; the name must at least be free again
        stale = session.scalar(
            select(DepartmentAlias).where(DepartmentAlias.alias == merged["name"])
        )
        if stale is not None:
            session.delete(stale)
    session.flush()
    if session.scalar(select(Department.id).where(Department.name == merged["name"])) is not None:
        raise UserError(f"已有名为“{merged['name']}”的单位，无法撤销合并。")
    department = _rebuild(session, Department, merged)
    session.flush()
    new_id = department.id
    old_id = merged["id"]

    def back(dep_id: int) -> int:
        return new_id if dep_id == old_id else dep_id

    moved = 0
    for assignment in session.scalars(
        select(Assignment).where(Assignment.id.in_(data.get("assignments_moved", [])))
    ):
        kept_id = kept_id or assignment.department_id
        assignment.department_id = new_id
        moved += 1
    for values in data.get("assignments_removed", []):
        if session.get(Task, values["task_id"]) is None:
            continue
        item_id = values.get("item_id")
        if item_id is not None and session.get(TaskItem, item_id) is None:
            continue
        _rebuild(session, Assignment, values, department_id=new_id)
        moved += 1
    for alias in session.scalars(
        select(DepartmentAlias).where(DepartmentAlias.id.in_(data.get("aliases_moved", [])))
    ):
        alias.department_id = new_id
    for values in data.get("memberships_moved", []):
        row = session.get(GroupMember, values["id"])
        if row is not None:
            row.group_id, row.member_id = back(values["group_id"]), back(values["member_id"])
    session.flush()
    for values in data.get("memberships_removed", []):
        group_id, member_id = back(values["group_id"]), back(values["member_id"])
        if group_id == member_id or None in (
            session.get(Department, group_id),
            session.get(Department, member_id),
        ):
            continue
        exists = session.scalar(
            select(GroupMember.id).where(
                GroupMember.group_id == group_id, GroupMember.member_id == member_id
            )
        )
        if exists is None:
            _rebuild(session, GroupMember, values, group_id=group_id, member_id=member_id)
    moved_submissions = set(data.get("submissions_moved", []))
    current = {int(k): v for k, v in (data.get("submissions_current") or {}).items()}
    # The moved submissions leave first, then the kept department's become current again:
    # one current submission per period and department is a unique index.
    submissions = list(
        session.scalars(
            select(Submission).where(Submission.id.in_(moved_submissions | set(current)))
        )
    )
    for submission in submissions:
        if submission.id in moved_submissions:
            submission.department_id = new_id
            submission.is_current = current.get(submission.id, submission.is_current)
    session.flush()
    for submission in submissions:
        if submission.id in current:
            submission.is_current = current[submission.id]
    keep = session.get(Department, kept_id) if kept_id is not None else None
    if keep is not None:
        for key, old in (data.get("keep_filled") or {}).items():
            setattr(keep, key, old)
    session.flush()
    text = f"已恢复单位“{merged['name']}”（{moved} 条任务分工"
    if moved_submissions:
        text += f"、{len(moved_submissions)} 份报送"
    text += "转回）"
    return (kept_id if kept_id is not None else new_id), text


# --- reporting periods ----------------------------------------------------------------


def _renumber_periods(session: Session, plan_id: int) -> None:
    periods = session.scalars(
        select(ReportingPeriod)
        .where(ReportingPeriod.plan_id == plan_id)
        .order_by(ReportingPeriod.due_date, ReportingPeriod.id)
    )
    for position, period in enumerate(periods, start=1):
        period.position = position


def _remove_created_periods(session: Session, data: dict[str, Any]) -> tuple[int, str]:
    plan_id = int(data["plan_id"])
    periods = list(
        session.scalars(
            select(ReportingPeriod).where(ReportingPeriod.id.in_(data.get("period_ids", [])))
        )
    )
    for period in periods:
        if session.scalar(select(Submission.id).where(Submission.period_id == period.id)):
            raise UserError(f"报送期次“{period.name}”已收到报送，无法撤销新建。")
    names = "、".join(p.name for p in periods)
    for period in periods:
        session.execute(delete(SummaryDraft).where(SummaryDraft.period_id == period.id))
        session.delete(period)
    session.flush()
    _renumber_periods(session, plan_id)
    return plan_id, f"已删除新建的报送期次“{names}”" if names else "新建的报送期次已不存在"


def _restore_period_fields(session: Session, data: dict[str, Any]) -> tuple[int, str]:
    period = session.get(ReportingPeriod, data["period_id"])
    if period is None:
        raise UserError("该报送期次已不存在，无法撤销修改。")
    values = data["fields"]
    name = values["name"]
    clash = session.scalar(
        select(ReportingPeriod.id).where(
            ReportingPeriod.plan_id == period.plan_id,
            ReportingPeriod.name == name,
            ReportingPeriod.id != period.id,
        )
    )
    if clash is not None:
        raise UserError(f"该方案已有名为“{name}”的报送期次，无法撤销修改。")
    for column in ReportingPeriod.__table__.columns:
        if column.key in values:
            setattr(period, column.key, _column_value(column, values[column.key]))
    session.flush()
    _renumber_periods(session, period.plan_id)
    return period.id, f"报送期次已恢复为“{name}”（截止 {period.due_date.isoformat()}）"


def _restore_period(session: Session, snap: dict[str, Any]) -> tuple[int, str]:
    values = snap["period"]
    if session.get(Plan, values["plan_id"]) is None:
        raise UserError("该报送期次所属的工作方案已不存在，无法恢复。")
    clash = session.scalar(
        select(ReportingPeriod.id).where(
            ReportingPeriod.plan_id == values["plan_id"], ReportingPeriod.name == values["name"]
        )
    )
    if clash is not None:
        raise UserError(f"该方案已有名为“{values['name']}”的报送期次，无法恢复。")
    period = _rebuild(session, ReportingPeriod, values)
    session.flush()
    submission_ids: dict[int, int] = {}
    lost = 0
    for row in snap.get("submissions", []):
        if session.get(Department, row["department_id"]) is None:
            lost += 1
            continue
        submission = _rebuild(
            session, Submission, row, period_id=period.id, replaced_submission_id=None
        )
        session.flush()
        submission_ids[row["id"]] = submission.id
    for row in snap.get("submissions", []):  # the chain of replaced versions, once all exist
        old = row.get("replaced_submission_id")
        if row["id"] in submission_ids and old is not None:
            replaced = submission_ids.get(old)
            if replaced is None and session.get(Submission, old) is not None:
                replaced = old
            restored = session.get(Submission, submission_ids[row["id"]])
            assert restored is not None
            restored.replaced_submission_id = replaced
    entries = 0
    for row in snap.get("entries", []):
        submission_id = submission_ids.get(row["submission_id"])
        if submission_id is None or session.get(Task, row["task_id"]) is None:
            continue
        item_id, indicator_id = row.get("item_id"), row.get("indicator_id")
        _rebuild(
            session,
            SubmissionEntry,
            row,
            submission_id=submission_id,
            item_id=item_id if item_id and session.get(TaskItem, item_id) else None,
            indicator_id=(
                indicator_id if indicator_id and session.get(Indicator, indicator_id) else None
            ),
        )
        entries += 1
    for row in snap.get("summary_drafts", []):
        _rebuild(session, SummaryDraft, row, period_id=period.id)
    for key, fields in (snap.get("tasks") or {}).items():
        task = session.get(Task, int(key))
        if task is not None:
            task.status, task.progress = fields["status"], fields["progress"]
    session.flush()
    _restore_attached(session, snap, submission_ids=submission_ids)
    _renumber_periods(session, period.plan_id)
    text = f"已恢复报送期次“{period.name}”"
    if submission_ids:
        text += f"（{len(submission_ids)} 份报送、{entries} 条报送内容）"
    if lost:
        text += f"；{lost} 份报送的单位已不存在，未能恢复"
    return period.id, text


# --- plans ----------------------------------------------------------------------------

_CHUNK = 500  # ids per IN (…) list: well below every backend's limit of bound parameters


def _taken(session: Session, model: type[Base], ids: list[int]) -> bool:
    column = model.__table__.c.id
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        if session.scalar(select(column).where(column.in_(chunk)).limit(1)) is not None:
            return True
    return False


def _insert(session: Session, model: type[Base], rows: list[dict[str, Any]]) -> None:
    """Put recorded rows back as they were (their own ids), in one statement per chunk."""
    if not rows:
        return
    columns = model.__table__.columns
    values = [
        {c.key: _column_value(c, row.get(c.key)) for c in columns if c.key in row} for row in rows
    ]
    for start in range(0, len(values), _CHUNK):
        session.execute(insert(model), values[start : start + _CHUNK])


def _restore_plan(session: Session, snap: dict[str, Any]) -> tuple[int, str]:
    """Put a deleted plan back with every row ``plan_snapshot`` recorded, under their old
    ids (free again: only the database's last change can be undone).  Assignments and
    submissions of a department that no longer exists cannot come back; the text says so."""
    values = snap["plan"]
    tables: list[tuple[type[Base], str]] = [
        (Plan, "plan"),
        (Section, "sections"),
        (Task, "tasks"),
        (TaskItem, "items"),
        (Indicator, "indicators"),
        (Assignment, "assignments"),
        (ReportingRule, "reporting_rules"),
        (ReportingPeriod, "periods"),
        (Submission, "submissions"),
        (SubmissionEntry, "entries"),
        (SummaryDraft, "summary_drafts"),
    ]
    for model, key in tables:
        rows = [snap[key]] if key == "plan" else snap.get(key, [])
        if _taken(session, model, [r["id"] for r in rows]):
            raise UserError(f"方案《{values['title']}》的数据已被其他内容占用，无法撤销删除。")
    department_ids = {r["department_id"] for r in snap.get("assignments", [])} | {
        r["department_id"] for r in snap.get("submissions", [])
    }
    existing: set[int] = set()
    ids = sorted(department_ids)
    for start in range(0, len(ids), _CHUNK):
        existing.update(
            session.scalars(
                select(Department.id).where(Department.id.in_(ids[start : start + _CHUNK]))
            )
        )
    assignments = [r for r in snap.get("assignments", []) if r["department_id"] in existing]
    submissions = [r for r in snap.get("submissions", []) if r["department_id"] in existing]
    kept = {r["id"] for r in submissions}
    entries = [r for r in snap.get("entries", []) if r["submission_id"] in kept]

    _insert(session, Plan, [values])
    sections = snap.get("sections", [])
    _insert(session, Section, [{**r, "parent_id": None} for r in sections])
    _insert(session, Task, snap.get("tasks", []))
    _insert(session, TaskItem, snap.get("items", []))
    _insert(session, Indicator, snap.get("indicators", []))
    _insert(session, Assignment, assignments)
    _insert(session, ReportingRule, snap.get("reporting_rules", []))
    _insert(session, ReportingPeriod, snap.get("periods", []))
    _insert(session, Submission, [{**r, "replaced_submission_id": None} for r in submissions])
    _insert(session, SubmissionEntry, entries)
    _insert(session, SummaryDraft, snap.get("summary_drafts", []))
    # The links within a table, once every row exists.
    for row in sections:
        if row.get("parent_id") is not None:
            session.execute(
                update(Section).where(Section.id == row["id"]).values(parent_id=row["parent_id"])
            )
    for row in submissions:
        if row.get("replaced_submission_id") in kept:
            session.execute(
                update(Submission)
                .where(Submission.id == row["id"])
                .values(replaced_submission_id=row["replaced_submission_id"])
            )
    session.flush()
    # Their own ids are free again (only the last change can be undone): identity maps.
    _restore_attached(
        session,
        snap,
        task_ids={r["id"]: r["id"] for r in snap.get("tasks", [])},
        submission_ids={r["id"]: r["id"] for r in submissions},
    )
    session.expire_all()

    parts = [f"{len(snap.get('tasks', []))} 项任务"]
    if snap.get("periods"):
        parts.append(f"{len(snap['periods'])} 个报送期次")
    if submissions:
        parts.append(f"{len(submissions)} 份报送")
    text = f"已恢复方案《{values['title']}》（{'、'.join(parts)}）"
    lost = len(snap.get("assignments", [])) - len(assignments)
    lost_submissions = len(snap.get("submissions", [])) - len(submissions)
    if lost or lost_submissions:
        text += f"；{lost + lost_submissions} 条分工或报送的单位已不存在，未能恢复"
    return int(values["id"]), text
