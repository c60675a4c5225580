"""Undo of the last deletion of a task or merge of departments (撤销).

The rule is deliberately simple, like Ctrl+Z pressed once: only the very last change
recorded in the database (its newest ``AuditEntry``) can be undone, and only when it is
a ``task.delete`` or a ``dept.merge`` whose entry holds what is needed to reverse it.
Any later change — an edit, an import, a returned workbook, a restore, or the undo
itself — ends the chance, so an undo never has to reconcile rows someone changed since.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Date, DateTime, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from foodsafety_desktop.core.errors import UserError
from foodsafety_desktop.core.services import audit
from foodsafety_desktop.core.storage.models import (
    Assignment,
    AuditEntry,
    Base,
    Department,
    DepartmentAlias,
    GroupMember,
    Indicator,
    Plan,
    Section,
    Submission,
    SubmissionEntry,
    Task,
    TaskItem,
)

ACTION_UNDO = "undo"
UNDOABLE_ACTIONS = ("task.delete", "dept.merge")
NOTHING_TO_UNDO = "没有可以撤销的操作"


@dataclass(frozen=True)
class UndoableChange:
    """The change ``undo_last`` would reverse."""

    entry_id: int
    action: str  # task.delete / dept.merge
    at: dt.datetime  # UTC, as stored
    user: str
    summary: str  # the entry's summary
    description: str  # short Chinese text for a menu: 删除任务“…” / 合并单位“…”到“…”


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
    }


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


# --- finding and undoing the last change ----------------------------------------------


def _detail(entry: AuditEntry) -> dict[str, Any] | None:
    detail = audit.detail_of(entry)
    return detail if isinstance(detail, dict) else None


def _undo_data(entry: AuditEntry) -> dict[str, Any] | None:
    """The entry's reversal data; None for entries written before undo existed."""
    detail = _detail(entry)
    if detail is None:
        return None
    key = "snapshot" if entry.action == "task.delete" else "undo"
    data = detail.get(key)
    return data if isinstance(data, dict) else None


def _description(entry: AuditEntry) -> str:
    detail = _detail(entry) or {}
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
    else:
        entity, entity_id, result = "department", *_split_merge(session, data)
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
    name = f"{task.label}{task.title}" if task.label else task.title
    parts = [f"{restored} 条单位分工"]
    if indicator_ids:
        parts.append(f"{len(indicator_ids)} 项指标")
    if entries:
        parts.append(f"{entries} 条报送内容")
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
