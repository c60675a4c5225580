"""Storing a checked workbook (导入) and bringing the ledger's task status up to date.

``commit_submission`` writes one submission in the caller's transaction: the archived
original, the entries, the earlier submission made history, the audit entry.
``refresh_tasks`` sets each task's status and progress from the current submissions.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from foodsafety_desktop.core.errors import UserError
from foodsafety_desktop.core.services import audit
from foodsafety_desktop.core.services.collect.archive import _archive
from foodsafety_desktop.core.services.collect.check import _duplicate_message
from foodsafety_desktop.core.services.collect.results import (
    _ENTRY_COLUMNS,
    NEEDS_CONFIRMATION,
    AlreadyImported,
    CollectPreview,
    SubmissionResult,
)
from foodsafety_desktop.core.services.period_status import (
    choose_answer,
    progress_text,
)
from foodsafety_desktop.core.storage.models import (
    ROLE_LEAD,
    Assignment,
    Department,
    GroupMember,
    ReportingPeriod,
    Submission,
    SubmissionEntry,
    Task,
    combine_statuses,
)
from foodsafety_desktop.core.storage.originals import Originals


def commit_submission(
    session: Session,
    preview: CollectPreview,
    *,
    user: str,
    confirmed: bool = False,
    received_at: dt.datetime | None = None,
    originals: Originals | None = None,
) -> SubmissionResult:
    """Store a checked workbook in the caller's transaction (all of it or nothing).

    Refuses (UserError) a preview with errors, a proposed matching not ``confirmed`` by
    the clerk, a file already committed (same SHA-256) and a file changed since it was
    checked.  The original is kept in ``originals`` (default: the database's own,
    ``storage.originals.originals_of``); an earlier current submission of the same
    period and department stops being current (kept as history, linked by
    ``replaced_submission_id``); the ledger's task status and progress are updated.
    ``received_at`` (naive UTC like every timestamp of the schema) defaults to the
    preview's (``CollectPreview.received``: the clerk's date, else the file's
    modification time or 填报日期); 逾期 is judged by it.
    """
    [result] = commit_submissions(
        session,
        [(preview, confirmed)],
        user=user,
        received_at=received_at,
        originals=originals,
    )
    if isinstance(result, UserError):
        raise result
    return result


def commit_submissions(
    session: Session,
    previews: Sequence[tuple[CollectPreview, bool]],
    *,
    user: str,
    received_at: dt.datetime | None = None,
    originals: Originals | None = None,
) -> list[SubmissionResult | UserError]:
    """Store checked workbooks ``(preview, confirmed)`` in the caller's transaction, as
    ``commit_submission`` stores one, in the order given; one result per file: what was
    stored, or why the file was refused (``AlreadyImported`` among them).

    Set-based: the stored copies, the earlier submissions and the tasks' answers are
    read once for all the files, and each kind of row is written in one statement.
    Files that meet one another (the same period and department, or the same bytes)
    are stored in successive rounds, so that the later one replaces, or is found as
    stored, as if one file were committed after the other.  Anything but a refusal
    (a constraint, the disk, the server) raises: nothing of the transaction must then
    be kept.
    """
    results: list[SubmissionResult | UserError | None] = [None] * len(previews)
    waiting: list[int] = []
    for index, (preview, confirmed) in enumerate(previews):
        refusal = why_not_stored(preview, confirmed)
        if refusal is not None:
            results[index] = refusal
        else:
            waiting.append(index)
    # The decision "already imported?" is taken here, inside the transaction that
    # writes and after taking the write lock; the unique indexes of 0005 back it up.
    for period_id in sorted({previews[i][0].period_id or 0 for i in waiting}):
        lock_for_collect(session, period_id)  # one order for every clerk: no deadlock
    answers: TaskAnswers | None = None
    with session.no_autoflush:  # flushed where needed: one INSERT of each kind a round
        while waiting:
            round_, waiting = _one_round([previews[i][0] for i in waiting], waiting)
            answers = _store_round(
                session,
                [(i, previews[i][0]) for i in round_],
                results,
                user=user,
                received_at=received_at,
                originals=originals,
                answers=answers,
            )
    return [r for r in results if r is not None]


def why_not_stored(preview: CollectPreview, confirmed: bool) -> UserError | None:
    """Why a checked file cannot be stored, before the database is asked."""
    if preview.already_imported is not None and len(preview.errors) == 1:
        return AlreadyImported(preview.already_imported, file=preview.path)
    if preview.errors:
        return UserError(
            "该文件有错误，不能导入：" + "；".join(i.text() for i in preview.errors[:5]),
            file=preview.path,
        )
    if preview.needs_confirmation and not confirmed:
        return UserError(NEEDS_CONFIRMATION + "。", file=preview.path)
    if preview.period_id is None or preview.department_id is None:
        return UserError("未确定报送期次或填报单位，不能导入。", file=preview.path)
    return None


def _one_round(previews: list[CollectPreview], indexes: list[int]) -> tuple[list[int], list[int]]:
    """(the files that can be stored together, the rest): no two of a round share a
    period and department, or their bytes."""
    pairs: set[tuple[int | None, int | None]] = set()
    hashes: set[str] = set()
    now, later = [], []
    for preview, index in zip(previews, indexes, strict=True):
        pair = (preview.period_id, preview.department_id)
        if pair in pairs or preview.sha256 in hashes:
            later.append(index)
        else:
            pairs.add(pair)
            hashes.add(preview.sha256)
            now.append(index)
    return now, later


def _store_round(
    session: Session,
    files: list[tuple[int, CollectPreview]],
    results: list[SubmissionResult | UserError | None],
    *,
    user: str,
    received_at: dt.datetime | None,
    originals: Originals | None,
    answers: TaskAnswers | None,
) -> TaskAnswers | None:
    """Store one round of ``commit_submissions``; returns the answers, kept up to date."""
    stored = _stored_copies(session, [p.sha256 for _, p in files])
    periods = _by_id(session, ReportingPeriod, {p.period_id for _, p in files})
    departments = _by_id(session, Department, {p.department_id for _, p in files})
    going: list[tuple[int, CollectPreview, str]] = []  # (index, preview, archive path)
    for index, preview in files:
        existing = stored.get(preview.sha256)
        if existing is not None:
            results[index] = AlreadyImported(
                _duplicate_message(session, existing, meanwhile=True), file=preview.path
            )
        elif preview.period_id not in periods or preview.department_id not in departments:
            results[index] = UserError("报送期次或填报单位已被删除，不能导入。", file=preview.path)
        else:
            try:
                going.append((index, preview, _archive(session, preview, originals)))
            except UserError as exc:  # changed since its check, or the archive failed
                results[index] = exc
    if not going:
        return answers
    previous: dict[tuple[int, int], list[Submission]] = {}
    for old in session.scalars(
        select(Submission).where(
            Submission.period_id.in_({p.period_id for _, p, _ in going}),
            Submission.department_id.in_({p.department_id for _, p, _ in going}),
            Submission.is_current.is_(True),
        )
    ):
        previous.setdefault((old.period_id, old.department_id), []).append(old)
    wanted = {(p.period_id, p.department_id) for _, p, _ in going}
    previous = {pair: subs for pair, subs in previous.items() if pair in wanted}
    replaced_tasks = _tasks_of(session, [s.id for subs in previous.values() for s in subs])
    task_ids = {r.task_id for _, p, _ in going for r in p.rows} | {
        t for tasks in replaced_tasks.values() for t in tasks
    }
    # Read before anything is written: ``add`` brings it up to date below.
    if answers is None:
        answers = TaskAnswers(session, task_ids)
    else:
        answers.load(task_ids)

    submissions = []
    for _, preview, archived in going:
        olds = previous.get((preview.period_id, preview.department_id), [])  # type: ignore[arg-type]
        for old in olds:
            old.is_current = False
        submissions.append(
            Submission(
                period_id=preview.period_id,
                department_id=preview.department_id,
                received_at=received_at or preview.received(),
                source_name=preview.file_name,
                sha256=preview.sha256,
                archive_path=archived,
                reporter=preview.reporter or None,
                phone=preview.phone or None,
                filled_on=preview.filled_on or None,
                is_current=True,
                replaced_submission_id=max((s.id for s in olds), default=None),
                warnings_json=json.dumps([i.text() for i in preview.warnings], ensure_ascii=False)
                if preview.warnings
                else None,
            )
        )
    session.add_all(submissions)
    session.flush()  # the submissions' ids, and the earlier ones no longer current
    entries = [
        {
            "submission_id": submission.id,
            "task_id": row.task_id,
            "item_id": row.item_id,
            "indicator_id": row.indicator_id,
            **{k: row.values.get(k) for k in _ENTRY_COLUMNS},
        }
        for (_, preview, _), submission in zip(going, submissions, strict=True)
        for row in preview.rows
    ]
    if entries:
        # Core, not the ORM: its bulk INSERT leaves out the None values, so rows with and
        # without an indicator alternate between two statements (hundreds of executes).
        session.execute(insert(cast(Table, SubmissionEntry.__table__)), entries)

    for (index, preview, archived), submission in zip(going, submissions, strict=True):
        period = periods[submission.period_id]
        department = departments[submission.department_id]
        olds = previous.get((period.id, department.id), [])
        touched = answers.add(
            submission,
            period,
            department,
            [(r.task_id, r.values.get("status"), r.values.get("measures")) for r in preview.rows],
            [s.id for s in olds],
        )
        task_changes = answers.decide(touched)
        replaced = submission.replaced_submission_id
        counts = preview.counts()
        audit.record(
            session,
            user=user,
            action="submission.collect",
            entity="submission",
            entity_id=submission.id,
            summary=(
                f"收取“{department.name}”{period.name}报送：{len(preview.rows)} 行"
                f"（新增 {counts['new']}，变化 {counts['changed']}，未变 {counts['unchanged']}）"
                + ("，替换此前的报送" if replaced else "")
            ),
            detail={
                "file": preview.file_name,
                "sha256": preview.sha256,
                "archive": archived,
                "period_id": period.id,
                "department_id": department.id,
                "matched_by": preview.matched_by,
                "replaced_submission_id": replaced,
                "warnings": [i.text() for i in preview.warnings],
                "tasks": task_changes,
            },
        )
        results[index] = SubmissionResult(
            submission_id=submission.id,
            period_id=period.id,
            department_id=department.id,
            entry_count=len(preview.rows),
            replaced_submission_id=replaced,
            archive_path=archived,
            updated_task_ids=[int(t) for t in task_changes],
            counts=counts,
        )
    answers.write()
    session.flush()
    return answers


def _stored_copies(session: Session, hashes: list[str]) -> dict[str, Submission]:
    """SHA-256 → the first stored submission of those bytes, for the given hashes."""
    found: dict[str, Submission] = {}
    for start in range(0, len(hashes), _CHUNK):
        for submission in session.scalars(
            select(Submission)
            .where(Submission.sha256.in_(hashes[start : start + _CHUNK]))
            .order_by(Submission.id)
        ):
            found.setdefault(submission.sha256, submission)
    return found


def _by_id(session: Session, model: type[Any], ids: set[int | None]) -> dict[int, Any]:
    """The rows of ``model`` with these ids (one query; the session's own when loaded)."""
    wanted = [i for i in ids if i is not None]
    return {row.id: row for row in session.scalars(select(model).where(model.id.in_(wanted)))}


def _tasks_of(session: Session, submission_ids: list[int]) -> dict[int, set[int]]:
    """Submission id → the tasks its entries answer."""
    out: dict[int, set[int]] = {}
    for start in range(0, len(submission_ids), _CHUNK):
        chunk = submission_ids[start : start + _CHUNK]
        for submission_id, task_id in session.execute(
            select(SubmissionEntry.submission_id, SubmissionEntry.task_id)
            .where(SubmissionEntry.submission_id.in_(chunk))
            .distinct()
        ):
            out.setdefault(submission_id, set()).add(task_id)
    return out


def lock_for_collect(session: Session, period_id: int) -> None:
    """Take the write lock of collecting into ``period_id`` for the session's transaction.

    SQLite: ``BEGIN IMMEDIATE`` — the database's write lock at once (waiting up to the
    busy timeout), so that what this transaction reads next is what it writes against;
    a deferred transaction would read a snapshot and fail (or, worse, two would decide
    alike).  pysqlite opens a transaction only before the first write, so the lock can
    be taken here even after the check's reads; when this transaction has written
    already it holds the write lock anyway.  PostgreSQL (and others): the period's row
    ``SELECT … FOR UPDATE``: collecting into one period is serialised, each transaction
    sees what the one before it committed (READ COMMITTED) — and the archive path,
    which is per period, is never shared by two open transactions.
    """
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        raw = connection.connection.dbapi_connection
        if raw is not None and not getattr(raw, "in_transaction", True):
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        return
    session.execute(
        select(ReportingPeriod.id).where(ReportingPeriod.id == period_id).with_for_update()
    )


def refresh_tasks(session: Session, task_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """Set each task's status and progress from the current submissions.

    The latest period (by due date) with a current answer for the task decides.  Within
    it, the lead department's status (牵头, directly or as a member of a lead group)
    wins; otherwise the most recently received one.  A department's several rows of one
    task combine: all 已完成 → 已完成, any 滞后 → 滞后, else 序时推进 (未启动 only when
    all are).  Progress is ``"{period}{department}：{measures}"`` cut to 200 characters.
    Returns {task_id: {"status": [before, after], "progress": [before, after]}} for the
    tasks that changed.
    """
    wanted = list(dict.fromkeys(task_ids))
    return TaskAnswers(session, wanted).refresh(wanted)


_CHUNK = 500  # ids per IN (…) list: well under SQLite's limit on bound parameters


@dataclass
class _Answer:
    """One department's current rows of one task in one period (what refresh_tasks weighs)."""

    submission_id: int
    department_id: int
    received_at: dt.datetime
    label: str  # period name + department name, the prefix of the progress text
    statuses: list[str] = field(default_factory=list)
    measures: list[str] = field(default_factory=list)

    @functools.cached_property
    def status(self) -> str | None:  # weighed many times while choosing; rows are final
        return combine_statuses(self.statuses)


_PeriodKey = tuple[dt.date, int]  # (due date, id): the larger is the later period


class TaskAnswers:
    """The current answers of some tasks in every period, with the tasks and their lead
    departments: read once (one query each, in chunks of ``_CHUNK`` ids), then kept up
    to date in memory by ``add`` as submissions are stored.

    A batch of files reads it once and decides each file's effect on the ledger from it
    (``decide`` after ``add``, then one ``write``) instead of reading every answer of
    the file's tasks again.  It must be read after the write lock is taken
    (``lock_for_collect``), so that nobody else's submissions change under it.
    """

    def __init__(self, session: Session, task_ids: Iterable[int]) -> None:
        self._session = session
        self._ledger: dict[int, tuple[str, str | None]] = {}  # task id → (status, progress)
        self._unwritten: set[int] = set()  # decided, not written yet
        self._leads: dict[int, set[int]] = {}
        # task id → period → submission id → that department's answer
        self._answers: dict[int, dict[_PeriodKey, dict[int, _Answer]]] = {}
        self._tasks_of: dict[int, set[int]] = {}  # submission id → its tasks here
        self.load(task_ids)

    def load(self, task_ids: Iterable[int]) -> None:
        """Read the tasks not read yet (flushing the session first)."""
        wanted = [t for t in dict.fromkeys(task_ids) if t not in self._answers]
        if not wanted:
            return
        session = self._session
        with session.no_autoflush:
            session.flush()  # the caller's new entries must be visible to the queries
            for start in range(0, len(wanted), _CHUNK):
                chunk = wanted[start : start + _CHUNK]
                for task_id, status, progress in session.execute(
                    select(Task.id, Task.status, Task.progress).where(Task.id.in_(chunk))
                ):
                    self._ledger[task_id] = (status, progress)
                for task_id in chunk:
                    self._answers[task_id] = {}
                self._read_answers(chunk)
                self._read_leads(chunk)

    def _read_answers(self, task_ids: list[int]) -> None:
        rows = self._session.execute(
            select(
                SubmissionEntry.task_id,
                SubmissionEntry.status,
                SubmissionEntry.measures,
                Submission.id,
                Submission.department_id,
                Submission.received_at,
                ReportingPeriod.id,
                ReportingPeriod.due_date,
                ReportingPeriod.name,
                Department.name,
            )
            .join(Submission, Submission.id == SubmissionEntry.submission_id)
            .join(ReportingPeriod, ReportingPeriod.id == Submission.period_id)
            .join(Department, Department.id == Submission.department_id)
            .where(SubmissionEntry.task_id.in_(task_ids), Submission.is_current.is_(True))
            .order_by(SubmissionEntry.id)
        ).all()
        for (
            task_id,
            status,
            measures,
            sub_id,
            dep_id,
            received,
            period_id,
            due,
            period,
            dep,
        ) in rows:
            answer = self._answer(task_id, (due, period_id), sub_id, dep_id, received, period, dep)
            answer.statuses.append(status or "")
            if measures and measures.strip():
                answer.measures.append(measures.strip())

    def _answer(
        self,
        task_id: int,
        period: _PeriodKey,
        submission_id: int,
        department_id: int,
        received_at: dt.datetime,
        period_name: str,
        department_name: str,
    ) -> _Answer:
        answers = self._answers[task_id].setdefault(period, {})
        answer = answers.get(submission_id)
        if answer is None:
            answer = _Answer(
                submission_id, department_id, received_at, f"{period_name}{department_name}"
            )
            answers[submission_id] = answer
            self._tasks_of.setdefault(submission_id, set()).add(task_id)
        return answer

    def _read_leads(self, task_ids: list[int]) -> None:
        """Task id → its lead departments (牵头) and the members of lead groups."""
        rows = self._session.execute(
            select(Assignment.task_id, Assignment.department_id, GroupMember.member_id)
            .outerjoin(GroupMember, GroupMember.group_id == Assignment.department_id)
            .where(Assignment.task_id.in_(task_ids), Assignment.role == ROLE_LEAD)
        ).all()
        for task_id, department_id, member_id in rows:
            leads = self._leads.setdefault(task_id, set())
            leads.add(department_id)
            if member_id is not None:
                leads.add(member_id)

    def add(
        self,
        submission: Submission,
        period: ReportingPeriod,
        department: Department,
        rows: Iterable[tuple[int, str | None, str | None]],
        replaced: Iterable[int] = (),
    ) -> set[int]:
        """Record a submission just stored (its rows as (task id, status, measures)),
        and the ``replaced`` ones it made history; return the tasks whose answers changed.
        """
        rows = list(rows)
        self.load(task_id for task_id, _, _ in rows)
        touched: set[int] = set()
        key = (period.due_date, period.id)
        for old in replaced:
            for task_id in self._tasks_of.pop(old, ()):
                self._answers[task_id].get(key, {}).pop(old, None)
                touched.add(task_id)
        for task_id, status, measures in rows:
            answer = self._answer(
                task_id,
                key,
                submission.id,
                department.id,
                submission.received_at,
                period.name,
                department.name,
            )
            answer.statuses.append(status or "")
            if measures and measures.strip():
                answer.measures.append(measures.strip())
            touched.add(task_id)
        return touched

    def refresh(self, task_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
        """Set the tasks' status and progress from the answers (``refresh_tasks``)."""
        changes = self.decide(task_ids)
        self.write()
        return changes

    def decide(self, task_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
        """Decide the tasks' status and progress from the answers (written by ``write``);
        returns {task_id: {"status": [before, after], ...}} for those that change."""
        changes: dict[int, dict[str, Any]] = {}
        for task_id in sorted(set(task_ids)):
            periods = {k: v for k, v in self._answers.get(task_id, {}).items() if v}
            if task_id not in self._ledger or not periods:
                continue
            latest = periods[max(periods)]
            before = self._ledger[task_id]
            after = _decide(before, list(latest.values()), self._leads.get(task_id, set()))
            if after != before:
                self._ledger[task_id] = after
                self._unwritten.add(task_id)
                changes[task_id] = {
                    key: [old, new]
                    for key, old, new in zip(("status", "progress"), before, after, strict=True)
                    if old != new
                }
        return changes

    def write(self) -> None:
        """Write what ``decide`` changed: one executemany UPDATE; tasks loaded in the
        session get the new values too (as committed values, not as changes)."""
        if not self._unwritten:
            return
        values = [(task_id, *self._ledger[task_id]) for task_id in sorted(self._unwritten)]
        self._unwritten.clear()
        tasks = cast(Table, Task.__table__)  # Core: one executemany, no ORM objects
        self._session.execute(
            update(tasks)
            .where(tasks.c.id == bindparam("task_id"))
            .values(status=bindparam("new_status"), progress=bindparam("new_progress")),
            [
                {"task_id": task_id, "new_status": status, "new_progress": progress}
                for task_id, status, progress in values
            ],
        )
        for task_id, status, progress in values:
            task = self._session.identity_map.get(identity_key(Task, task_id))
            if task is not None:
                set_committed_value(task, "status", status)
                set_committed_value(task, "progress", progress)


def _decide(
    ledger: tuple[str, str | None], answers: list[_Answer], leads: set[int]
) -> tuple[str, str | None]:
    """A task's (status, progress) after the latest period's answers.

    The answer that decides is ``period_status.choose_answer``'s, the progress text
    ``period_status.progress_text``'s: the ledger follows the rule of a period's figures.
    Without a status (or measures) in it, the task keeps its own.
    """
    status, progress = ledger
    chosen = choose_answer(answers, leads)
    if chosen is None:
        return ledger
    return (
        chosen.status or status,
        progress_text(chosen.label, chosen.measures) or progress,
    )
