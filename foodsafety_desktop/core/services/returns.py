"""退回修改: the office sends a department's workbook back for rework, with comments.

``return_submission`` marks the department's current submission of a period returned
(``Submission.returned_at/returned_by/return_json``) with an overall note and comments
per row; ``withdraw_return`` undoes it; ``reports.return_notice.write_return_package`` writes
what the unit gets (services never import reports): the 退回说明 (Word, 公文 format) and
its template of the same period prefilled with the returned answers, the commented rows
carrying a 批注 (``row_notes``).

Decisions (docs: the module docstring of ``tracking``):

- Only a current submission can be returned.  Returning it again replaces the comments.
- While returned, the unit's state in the period is 退回修改 (``tracking.STATE_RETURNED``):
  not finally reported, chased in the 催报 text with its own wording.  Its answers stay
  visible and still count in the period's figures (``period_status.period_figures``),
  so a 工作总结 written meanwhile is not emptied by a return.
- The corrected workbook is collected as any other (``collect``): it replaces the
  returned one, which stays in history with its comments; the new one is not returned.

Every function takes a ``Session`` (the caller's unit of work) or a ``Database`` (one
transaction of its own).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from foodsafety_desktop.core.changes import ChangeSet
from foodsafety_desktop.core.dates import local_time
from foodsafety_desktop.core.errors import UserError
from foodsafety_desktop.core.services import audit
from foodsafety_desktop.core.storage.database import Database
from foodsafety_desktop.core.storage.models import (
    Department,
    Submission,
    Task,
    utcnow,
)

if TYPE_CHECKING:
    from foodsafety_desktop.core.services.templates import TemplateRow

ACTION_RETURN = "submission.return"
ACTION_RETURN_UPDATE = "submission.return_update"
ACTION_WITHDRAW = "submission.return_withdraw"
# Working days (Monday to Friday; public holidays are not known offline) to resubmit.
DEFAULT_RESUBMIT_DAYS = 3
# Longest 落实情况 excerpt shown per row in the return dialog.
EXCERPT_CHARS = 60
NOTE_CHARS = 2000  # an overall note or a row comment longer than this is refused
RETURNED_CHANGES = ChangeSet(submissions=True)


@dataclass(frozen=True)
class RowComment:
    """The office's 退回意见 on one row of a returned workbook (a task, maybe one of its
    items or indicators)."""

    task_id: int
    comment: str
    item_id: int | None = None
    indicator_id: int | None = None


@dataclass(frozen=True)
class ReturnedRow:
    """A stored row comment: where it is in the returned workbook and what the task is."""

    task_id: int
    row: int | None  # sheet row of the returned workbook (None: not found in its layout)
    comment: str
    item_id: int | None = None
    indicator_id: int | None = None
    seq: str = ""  # 序号 as the template numbers the row
    task: str = ""  # 任务内容 (label and title)


@dataclass(frozen=True)
class ReturnInfo:
    """What a returned submission carries (None on one not returned)."""

    returned_at: dt.datetime  # naive UTC
    returned_by: str
    note: str
    rows: list[ReturnedRow]


@dataclass
class ReturnResult:
    """What ``return_submission`` / ``withdraw_return`` changed."""

    submission_id: int
    period_id: int
    period: str
    department_id: int
    department: str
    returned: bool  # False after a withdrawal
    updated: bool = False  # the submission was returned already: comments replaced
    returned_at: dt.datetime | None = None
    note: str = ""
    rows: list[ReturnedRow] = field(default_factory=list)
    changes: ChangeSet = RETURNED_CHANGES


@dataclass(frozen=True)
class ReviewRow:
    """One row of a submission as the return dialog lists it."""

    task_id: int
    item_id: int | None
    indicator_id: int | None
    row: int | None
    seq: str
    task: str  # label and title (short)
    task_text: str  # 任务内容 as the template shows it
    status: str
    excerpt: str  # 主要措施及成效 (落实情况), cut to EXCERPT_CHARS
    comment: str  # the current 退回意见 of the row ("" for none)


@dataclass(frozen=True)
class SubmissionReview:
    """A submission with its rows, for the return dialog and the command line."""

    submission_id: int
    period_id: int
    period: str
    department_id: int
    department: str
    source_name: str
    received_at: dt.datetime  # naive UTC
    is_current: bool
    rows: list[ReviewRow]
    returned: ReturnInfo | None
    replaced_by: int | None  # the submission that replaced this one, if any


# --- unit of work -----------------------------------------------------------------------


@contextlib.contextmanager
def _unit(db: Database | Session) -> Iterator[Session]:
    if isinstance(db, Session):
        yield db
        return
    with db.session() as session:
        yield session


# --- reading ------------------------------------------------------------------------------


def return_info(submission: Submission) -> ReturnInfo | None:
    """The return stored on ``submission`` (None when it is not returned)."""
    if submission.returned_at is None:
        return None
    data: dict[str, Any] = {}
    if submission.return_json:
        try:
            loaded = json.loads(submission.return_json)
        except ValueError:
            loaded = {}
        data = loaded if isinstance(loaded, dict) else {}
    rows = [
        ReturnedRow(
            task_id=int(r["task_id"]),
            row=r.get("row"),
            comment=str(r.get("comment") or ""),
            item_id=r.get("item_id"),
            indicator_id=r.get("indicator_id"),
            seq=str(r.get("seq") or ""),
            task=str(r.get("task") or ""),
        )
        for r in data.get("rows") or []
        if isinstance(r, dict) and r.get("task_id") is not None
    ]
    return ReturnInfo(
        returned_at=submission.returned_at,
        returned_by=submission.returned_by or "",
        note=str(data.get("note") or ""),
        rows=rows,
    )


def _submission(session: Session, submission_id: int) -> Submission:
    submission = session.get(Submission, submission_id)
    if submission is None:
        raise UserError(f"未找到报送记录（编号 {submission_id}），可能已被删除。")
    return submission


TASK_NAME_CHARS = 40  # a task as the notice's table and the history name it


def _task_name(task: Task | None) -> str:
    """（一）实施标准制（修）订和风险监测行动: label and title, cut to TASK_NAME_CHARS."""
    if task is None:
        return ""
    name = f"{task.label or ''}{task.title or ''}".strip()
    return name if len(name) <= TASK_NAME_CHARS else name[: TASK_NAME_CHARS - 1] + "…"


def _layout_rows(session: Session, submission: Submission) -> list[TemplateRow]:
    """The template rows of the submission's department and period (the layout the
    returned workbook has when it came from this program's template)."""
    from foodsafety_desktop.core.services.templates import template_rows

    return template_rows(session, submission.period_id, submission.department_id)


def _find_row(
    rows: Sequence[TemplateRow], task_id: int, item_id: int | None, indicator_id: int | None
) -> TemplateRow | None:
    """The first template row of the task (of its item / indicator when given); None
    when the layout has none."""
    exact = [
        r
        for r in rows
        if r.task_id == task_id
        and (item_id is None or r.item_id == item_id)
        and (indicator_id is None or r.indicator_id == indicator_id)
    ]
    return exact[0] if exact else None


def review_submission(db: Database | Session, submission_id: int) -> SubmissionReview:
    """The submission's rows (task, 完成情况, 落实情况 excerpt, current comment) in the
    order of its template; rows of tasks no longer in the template follow."""
    with _unit(db) as session:
        sub = _submission(session, submission_id)
        info = return_info(sub)
        comments = {
            (r.task_id, r.item_id, r.indicator_id): r.comment for r in (info.rows if info else [])
        }
        task_comments = {r.task_id: r.comment for r in (info.rows if info else [])}
        layout_rows = _layout_rows(session, sub)
        wanted = {e.task_id for e in sub.entries} | {r.task_id for r in layout_rows}
        tasks = {t.id: t for t in session.scalars(select(Task).where(Task.id.in_(wanted or {0})))}
        entries = {(e.task_id, e.item_id, e.indicator_id): e for e in sub.entries}
        rows: list[ReviewRow] = []
        seen: set[tuple[int, int | None, int | None]] = set()

        def add(
            key: tuple[int, int | None, int | None], row: int | None, seq: str, text: str
        ) -> None:
            entry = entries.get(key)
            measures = " ".join((entry.measures or "").split()) if entry else ""
            if len(measures) > EXCERPT_CHARS:
                measures = measures[: EXCERPT_CHARS - 1] + "…"
            comment = comments.get(key)
            if comment is None and key[1] is None and key[2] is None:
                comment = task_comments.get(key[0])
            rows.append(
                ReviewRow(
                    task_id=key[0],
                    item_id=key[1],
                    indicator_id=key[2],
                    row=row,
                    seq=seq,
                    task=_task_name(tasks.get(key[0])),
                    task_text=text,
                    status=(entry.status or "") if entry else "",
                    excerpt=measures,
                    comment=comment or "",
                )
            )
            seen.add(key)

        for r in layout_rows:
            if r.anchor is not None:
                continue  # a 指标 sub-row: its task is commented on its first row
            key = (r.task_id, r.item_id, r.indicator_id)
            add(key, r.row, r.unit_seq, r.task_text)
        for key in entries:
            unit = (key[0], key[1])
            if key in seen or any((s[0], s[1]) == unit for s in seen):
                continue
            task = tasks.get(key[0])
            add(key, None, "", f"{task.label}{task.text}" if task else "")
        replaced_by = session.scalar(
            select(Submission.id).where(Submission.replaced_submission_id == sub.id)
        )
        return SubmissionReview(
            submission_id=sub.id,
            period_id=sub.period_id,
            period=sub.period.name,
            department_id=sub.department_id,
            department=sub.department.name,
            source_name=sub.source_name,
            received_at=sub.received_at,
            is_current=sub.is_current,
            rows=rows,
            returned=info,
            replaced_by=replaced_by,
        )


def find_submission(db: Database | Session, plan_id: int, period: str | int, unit: str) -> int:
    """The id of the current submission of ``unit`` (a department's name or alias) in the
    plan's ``period`` (name or id); UserError when there is none."""
    from foodsafety_desktop.core.services.departments import find_department_id
    from foodsafety_desktop.core.services.periods import find_period

    with _unit(db) as session:
        found = find_period(session, plan_id, period)
        department = session.get(Department, find_department_id(session, unit))
        assert department is not None
        submission_id = session.scalar(
            select(Submission.id).where(
                Submission.period_id == found.id,
                Submission.department_id == department.id,
                Submission.is_current.is_(True),
            )
        )
        if submission_id is None:
            raise UserError(f"“{department.name}”{found.name}尚未报送，没有可以退回的报送表。")
        return submission_id


def submission_for_file(db: Database | Session, sha256: str) -> int | None:
    """The stored submission of a file with this SHA-256 (the collect preview's file
    that was imported already), None when there is none."""
    with _unit(db) as session:
        return session.scalar(
            select(Submission.id).where(Submission.sha256 == sha256).order_by(Submission.id)
        )


# --- returning ----------------------------------------------------------------------------


def _clean(text: str | None) -> str:
    return "\n".join(line.strip() for line in (text or "").strip().splitlines()).strip()


def _lock(session: Session, period_id: int) -> None:
    # The collect's lock: a corrected file collected at the same moment waits, so the
    # "is it still current?" decided here is what is written.
    from foodsafety_desktop.core.services.collect import lock_for_collect

    lock_for_collect(session, period_id)


def return_submission(
    db: Database | Session,
    submission_id: int,
    *,
    user: str,
    note: str,
    rows: Sequence[RowComment],
) -> ReturnResult:
    """Return the submission for rework (退回修改), in one transaction, audited.

    ``note`` is the overall reason, ``rows`` the comments per row (empty comments are
    dropped; one per task/item/indicator, the last wins).  UserError: no note and no
    comment, a comment on a task the unit does not report on, a submission that is not
    the current one of its department and period.  Returned already: its comments are
    replaced (``updated``).  Each comment's ``row`` is the row of the task in the
    unit's template layout (the returned workbook's when it was filled in the template
    sent), None when the task is not in it.
    """
    note = _clean(note)
    with _unit(db) as session:
        sub = _submission(session, submission_id)
        _lock(session, sub.period_id)
        session.refresh(sub)
        if not sub.is_current:
            raise UserError(
                f"该报送表（{sub.source_name}）已被更新的报送替换，只能退回当前有效的报送。"
            )
        cleaned: dict[tuple[int, int | None, int | None], str] = {}
        for r in rows:
            comment = _clean(r.comment)
            if comment:
                cleaned[(int(r.task_id), r.item_id, r.indicator_id)] = comment
        if not note and not cleaned:
            raise UserError("请填写退回说明，或至少填写一行的退回意见。")
        for text in (note, *cleaned.values()):
            if len(text) > NOTE_CHARS:
                raise UserError(f"退回意见过长（{len(text)} 字），请控制在 {NOTE_CHARS} 字以内。")
        layout_rows = _layout_rows(session, sub)
        entry_tasks = {e.task_id for e in sub.entries}
        tasks = {
            t.id: t
            for t in session.scalars(
                select(Task).where(Task.id.in_({k[0] for k in cleaned} or {0}))
            )
        }
        stored: list[ReturnedRow] = []
        for (task_id, item_id, indicator_id), comment in cleaned.items():
            found = _find_row(layout_rows, task_id, item_id, indicator_id)
            if found is None and task_id not in entry_tasks:
                raise UserError(
                    f"任务（编号 {task_id}）不在“{sub.department.name}”的报送表中，"
                    "不能填写退回意见。"
                )
            stored.append(
                ReturnedRow(
                    task_id=task_id,
                    row=found.row if found is not None else None,
                    comment=comment,
                    item_id=item_id,
                    indicator_id=indicator_id,
                    seq=found.unit_seq if found is not None else "",
                    task=_task_name(tasks.get(task_id)),
                )
            )
        stored.sort(key=lambda r: (r.row is None, r.row or 0, r.task_id))
        before = return_info(sub)
        updated = before is not None
        now = utcnow()
        sub.returned_at = now
        sub.returned_by = user or "未知用户"
        sub.return_json = json.dumps(
            {"note": note, "rows": [_row_json(r) for r in stored]}, ensure_ascii=False
        )
        period, department = sub.period, sub.department
        what = f"“{department.name}”{period.name}报送表（{sub.source_name}）"
        audit.record(
            session,
            user=user,
            action=ACTION_RETURN_UPDATE if updated else ACTION_RETURN,
            entity="submission",
            entity_id=sub.id,
            summary=(f"修改{what}的退回意见" if updated else f"退回{what}，请其修改后重新报送")
            + (f"：{len(stored)} 行有意见" if stored else ""),
            detail={
                "period_id": period.id,
                "department_id": department.id,
                "file": sub.source_name,
                "rows": [_row_json(r) for r in stored],
                # A first return shows its note and comments; a change, before → after.
                **(
                    {
                        "before": {
                            "return_note": before.note,
                            "return_rows": _rows_text(before.rows),
                        },
                        "after": {"return_note": note, "return_rows": _rows_text(stored)},
                    }
                    if before
                    else {"return_note": note, "return_rows": _rows_text(stored)}
                ),
            },
        )
        session.flush()
        return ReturnResult(
            submission_id=sub.id,
            period_id=period.id,
            period=period.name,
            department_id=department.id,
            department=department.name,
            returned=True,
            updated=updated,
            returned_at=now,
            note=note,
            rows=stored,
        )


def _row_json(r: ReturnedRow) -> dict[str, Any]:
    out: dict[str, Any] = {"task_id": r.task_id, "row": r.row, "comment": r.comment}
    for key in ("item_id", "indicator_id"):
        if getattr(r, key) is not None:
            out[key] = getattr(r, key)
    if r.seq:
        out["seq"] = r.seq
    if r.task:
        out["task"] = r.task
    return out


def _row_text(r: ReturnedRow) -> str:
    """第8行（序号3）任务…：意见 — a row comment as the history shows it."""
    where = f"第{r.row}行" if r.row else ""
    if r.seq:
        where += f"（序号{r.seq}）"
    return f"{where}{r.task}：{r.comment}"


def _rows_text(rows: Sequence[ReturnedRow]) -> str:
    return "\n".join(_row_text(r) for r in rows)


def withdraw_return(db: Database | Session, submission_id: int, *, user: str) -> ReturnResult:
    """Undo the return of a submission (it counts as reported again), audited.

    UserError when it is not returned, or when a corrected file replaced it already.
    """
    with _unit(db) as session:
        sub = _submission(session, submission_id)
        _lock(session, sub.period_id)
        session.refresh(sub)
        info = return_info(sub)
        if info is None:
            raise UserError(f"该报送表（{sub.source_name}）未被退回，无需撤销。")
        if not sub.is_current:
            raise UserError(
                f"该报送表（{sub.source_name}）已被更正后的报送替换，退回已经结束，不能撤销。"
            )
        sub.returned_at = None
        sub.returned_by = None
        sub.return_json = None
        period, department = sub.period, sub.department
        audit.record(
            session,
            user=user,
            action=ACTION_WITHDRAW,
            entity="submission",
            entity_id=sub.id,
            summary=f"撤销退回“{department.name}”{period.name}报送表（{sub.source_name}）",
            detail={
                "period_id": period.id,
                "department_id": department.id,
                "file": sub.source_name,
                "return_note": info.note,
                "return_rows": _rows_text(info.rows),
                "returned_by": info.returned_by,
                "returned_at": local_time(info.returned_at).strftime("%Y-%m-%d %H:%M"),
            },
        )
        session.flush()
        return ReturnResult(
            submission_id=sub.id,
            period_id=period.id,
            period=period.name,
            department_id=department.id,
            department=department.name,
            returned=False,
        )


# --- the package for the department -----------------------------------------------------


def add_working_days(day: dt.date, days: int) -> dt.date:
    """``days`` working days (Monday–Friday) after ``day``; holidays are not known."""
    out = day
    left = days
    while left > 0:
        out += dt.timedelta(days=1)
        if out.weekday() < 5:
            left -= 1
    return out


def package_names(period_name: str, department_name: str) -> tuple[str, str]:
    """File names of the package: ``2022年第三季度-县市场监管局-退回说明.docx`` and
    ``2022年第三季度-县市场监管局-报送表（退回修改）.xlsx``."""
    import re

    base = re.sub(r'[\\/:*?"<>|\r\n\t]', "_", f"{period_name}-{department_name}").strip()
    return f"{base}-退回说明.docx", f"{base}-报送表（退回修改）.xlsx"
