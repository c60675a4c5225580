"""Collecting many files (批量收取): one backup per batch; the checked files committed
``FILES_PER_TRANSACTION`` to a transaction, each file alone when that fails.

``collect_files`` checks and commits (the command line); ``commit_previews`` commits
the previews the clerk reviewed (the GUI); both give one ``CollectOutcome`` per file.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from foodsafety_desktop.core.changes import NOTHING, SUBMISSIONS, ChangeSet
from foodsafety_desktop.core.errors import UserError
from foodsafety_desktop.core.services.collect.check import (
    CheckContext,
    _already_committed,
    _duplicate_message,
    check_workbook,
)
from foodsafety_desktop.core.services.collect.commit import (
    commit_submission,
    commit_submissions,
    why_not_stored,
)
from foodsafety_desktop.core.services.collect.results import (
    NEEDS_CONFIRMATION,
    AlreadyImported,
    CollectOutcome,
    CollectPreview,
    Issue,
    Progress,
    SubmissionResult,
    storage_failure_message,
)
from foodsafety_desktop.core.services.collect.versions import older_versions
from foodsafety_desktop.core.storage.database import Database
from foodsafety_desktop.core.storage.models import utcnow
from foodsafety_desktop.core.storage.originals import Originals

ACCEPTED_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")


@dataclass
class FolderScan:
    """What collecting the given paths takes: the workbooks, and every other file of a
    given folder with the reason it is not collected (never skipped unsaid)."""

    files: list[Path] = field(default_factory=list)
    skipped: list[tuple[Path, str]] = field(default_factory=list)  # (path, reason)

    def skipped_lines(self) -> list[str]:
        return [f"{path.name}：{reason}" for path, reason in self.skipped]


def scan_paths(paths: Iterable[str | os.PathLike[str]]) -> FolderScan:
    """Files as given; a folder gives its workbooks (``ACCEPTED_SUFFIXES``), and every
    other entry of it is listed in ``skipped`` with its reason (``skip_reason``)."""
    scan = FolderScan()
    for raw in paths:
        path = Path(raw)
        if not path.is_dir():
            scan.files.append(path)  # a file named by the clerk is checked, and refused
            continue
        for entry in sorted(path.iterdir()):
            reason = skip_reason(entry)
            if reason is None:
                scan.files.append(entry)
            else:
                scan.skipped.append((entry, reason))
    return scan


def expand_paths(paths: Iterable[str | os.PathLike[str]]) -> list[Path]:
    """The workbooks ``scan_paths`` finds (the files of folders, the files given)."""
    return scan_paths(paths).files


_OTHER_KINDS = {
    ".et": "WPS 表格格式（.et），请在 WPS 中“另存为” .xlsx 后再导入",
    ".csv": "CSV 文本文件，不是下发的报送表，请用下发的 Excel 报送表填报",
    ".zip": "压缩文件，请先解压，再导入其中的报送表",
    ".rar": "压缩文件，请先解压，再导入其中的报送表",
    ".7z": "压缩文件，请先解压，再导入其中的报送表",
}
_SYSTEM_FILES = {"thumbs.db", "desktop.ini", ".ds_store"}


def skip_reason(entry: Path) -> str | None:
    """Why an entry of a collected folder is not collected; None for a workbook."""
    name = entry.name
    if entry.is_dir():
        return "子文件夹，其中的文件未收取（如需导入，请单独选择该文件夹）"
    suffix = entry.suffix.lower()
    if name.startswith("~$"):
        return "Excel/WPS 打开文件时生成的临时文件，不是报送表"
    if name.lower() in _SYSTEM_FILES:
        return "系统生成的文件，不是报送表"
    if suffix in ACCEPTED_SUFFIXES:
        return None
    if suffix in _OTHER_KINDS:
        return _OTHER_KINDS[suffix]
    return f"不是 Excel 报送表（只收取 {'、'.join(ACCEPTED_SUFFIXES)} 文件）"


# Files stored per transaction (``commit.commit_submissions``): one commit (one fsync,
# one read of the tasks' answers) for many files.  The write lock is held while they
# are written (about a millisecond a file), never while a workbook is read.
FILES_PER_TRANSACTION = 50


@dataclass
class _Job:
    """A checked file to commit, and the outcome that reports it."""

    preview: CollectPreview
    outcome: CollectOutcome
    confirmed: bool = False


@dataclass
class _Verdict:
    """What committing one file came to; applied to its outcome once that is final."""

    submission_id: int | None = None
    replaced_submission_id: int | None = None
    issue: Issue | None = None
    line: str | None = None  # the issue's line when not ``issue.text()``
    already_imported: bool = False

    def apply(self, outcome: CollectOutcome) -> None:
        if self.issue is not None:
            outcome.add(self.issue, self.line)
        if self.already_imported:
            outcome.already_imported = True
        if self.submission_id is not None:
            outcome.submission_id = self.submission_id
            outcome.replaced_submission_id = self.replaced_submission_id
            outcome.accepted = True


def _stored(result: SubmissionResult) -> _Verdict:
    return _Verdict(
        submission_id=result.submission_id, replaced_submission_id=result.replaced_submission_id
    )


def _refusal(exc: Exception) -> _Verdict:
    """The verdict on a file whose commit raised ``exc`` (IntegrityError aside)."""
    if isinstance(exc, AlreadyImported):
        return _Verdict(
            issue=Issue("error", exc.message, exc.sheet, exc.cell),
            line=str(exc),
            already_imported=True,
        )
    if isinstance(exc, UserError):
        return _Verdict(issue=Issue("error", exc.message, exc.sheet, exc.cell), line=str(exc))
    cause = storage_failure_message(exc)
    return _Verdict(
        issue=Issue("error", cause or f"读取或导入时发生意外错误（{type(exc).__name__}：{exc}）。")
    )


def _commit_jobs(
    db: Database,
    jobs: list[_Job],
    *,
    user: str,
    received_at: dt.datetime | None = None,
    originals: Originals | None = None,
    step: Callable[[], None] | None = None,
    done: Callable[[_Job], None] | None = None,
) -> None:
    """Commit checked files, ``FILES_PER_TRANSACTION`` to a transaction.

    ``outcome.accepted`` is set only once the file's transaction has committed.  When
    the transaction of several files fails to commit (disk full, I/O error, lock
    timeout, a lost server), none of them is stored and each is committed again alone,
    so that one file's failure is its own: it is then not imported, with a line naming
    the cause, and its archived copy removed again (``archive._archive`` ties the copy
    to the transaction).  A file another clerk stored meanwhile — found under the write
    lock, or refused by the unique indexes — is ``already_imported``: not imported
    again, not a failure.  ``step()`` and ``done(job)`` are called for each file once its
    outcome is final.

    One backup first (the state before the batch, kept in backups/), and only when a
    file can be stored: a batch of refused or already imported files changes nothing,
    and its backup would push a useful one of the day out of the rotation.
    """
    if any(why_not_stored(job.preview, job.confirmed) is None for job in jobs):
        from foodsafety_desktop.core.storage.backup import before_change

        before_change(db, "submissions")
    for start in range(0, len(jobs), FILES_PER_TRANSACTION):
        chunk = jobs[start : start + FILES_PER_TRANSACTION]
        verdicts = _commit_together(db, chunk, user, received_at, originals)
        if verdicts is None:  # nothing of the chunk is stored: one transaction a file
            verdicts = [_commit_alone(db, job, user, received_at, originals) for job in chunk]
        for job, verdict in zip(chunk, verdicts, strict=True):
            verdict.apply(job.outcome)
            if step:
                step()
            if done:
                done(job)


def _commit_together(
    db: Database,
    chunk: list[_Job],
    user: str,
    received_at: dt.datetime | None,
    originals: Originals | None,
) -> list[_Verdict] | None:
    """Commit the files of ``chunk`` in one transaction (``commit_submissions``: a file
    refused is left out, the others go in); their verdicts once it has committed, None
    when it did not (nothing of it is stored).  A single file goes through
    ``_commit_alone``, which says why its transaction failed."""
    if len(chunk) == 1:
        return None
    try:
        with db.session() as session:
            results = commit_submissions(
                session,
                [(job.preview, job.confirmed) for job in chunk],
                user=user,
                received_at=received_at,
                originals=originals,
            )
    except Exception:  # the transaction did not commit; the files are tried one by one
        return None
    return [
        _refusal(result) if isinstance(result, UserError) else _stored(result) for result in results
    ]


def _commit_alone(
    db: Database,
    job: _Job,
    user: str,
    received_at: dt.datetime | None,
    originals: Originals | None,
) -> _Verdict:
    """Commit one checked file in a transaction of its own."""
    try:
        with db.session() as session:
            result = commit_submission(
                session,
                job.preview,
                user=user,
                confirmed=job.confirmed,
                received_at=received_at,
                originals=originals,
            )
    except IntegrityError:
        try:
            with db.session() as session:
                return _doubled(session, job.preview)
        except Exception as exc:  # the database is failing: say so, not a traceback
            return _Verdict(issue=Issue("error", storage_failure_message(exc) or _CONFLICT))
    except Exception as exc:  # one broken file must not stop the batch
        return _refusal(exc)
    return _stored(result)


def _doubled(session: Session, preview: CollectPreview) -> _Verdict:
    """The unique indexes refused the file (its transaction rolled back): say why."""
    existing = (
        _already_committed(session, preview.sha256, preview.period_id)
        if preview.period_id is not None
        else None
    )
    if existing is None:
        return _Verdict(issue=Issue("error", _CONFLICT))
    message = _duplicate_message(session, existing, meanwhile=True)
    return _Verdict(issue=Issue("error", message), already_imported=True)


_CONFLICT = (
    "另一位用户同时导入了该单位本期的报送，本文件未导入（数据库未改动），请重新检查后再导入。"
)


def collect_files(
    db: Database,
    paths: Iterable[str | os.PathLike[str]],
    *,
    user: str,
    accept_warnings: bool = False,
    period_id: int | None = None,
    progress: Progress | None = None,
    received_at: dt.datetime | None = None,
    originals: Originals | None = None,
    on_outcome: Callable[[CollectOutcome], None] | None = None,
) -> list[CollectOutcome]:
    """Check every file, then commit the committable ones (``_commit_jobs``: many to a
    transaction, each alone when that fails); one outcome per file.

    One backup before the first commit, when a file can be stored at all
    (``_commit_jobs``); ``on_outcome(outcome)`` is called as each file is done
    (the command line prints its line then).

    A file with errors is rejected; one with warnings only when ``accept_warnings``; a
    file without identity (a proposed matching) is always rejected here, since it needs
    the clerk's confirmation in the preview.  A file stored before is
    ``already_imported`` (not imported again, not a failure).  The check only reads;
    the commit is a transaction of its own that takes the write lock first and decides
    "already imported?" again (``commit.lock_for_collect``), so the lock is not held
    while a workbook is read.  Several files of one department and period: the newest
    is committed, the others are ``older_version`` (``versions.older_versions``; not
    imported, not a failure).  ``progress(done, total)`` counts two steps a file (its
    check, its commit).  Folders are expanded (``expand_paths``).
    """
    started = utcnow()
    files = expand_paths(paths)
    total = len(files)
    if progress:
        progress(0, 2 * total)
    # Every file is checked before any is committed: several versions of one
    # department's answer in the batch are found first, and only the newest goes in.
    checked: list[tuple[CollectOutcome, CollectPreview | None]] = []
    versions: list[CollectPreview | None] = []  # what takes part in the choice of version
    with db.session() as session:  # the checks only read: one session for them all
        context = CheckContext(session, started)
        for done, path in enumerate(files, start=1):
            outcome = CollectOutcome(path=path, accepted=False)
            preview, committable = _check_one(context, path, outcome, period_id, accept_warnings)
            if preview is not None and received_at is not None:
                preview.received_at = received_at  # the clerk's date decides the version too
            checked.append((outcome, preview if committable else None))
            versions.append(preview if committable or outcome.already_imported else None)
            if progress:
                progress(done, 2 * total)
    older = older_versions(versions)
    jobs: list[_Job] = []
    outcomes: list[CollectOutcome] = []
    for index, (outcome, preview) in enumerate(checked):
        outcomes.append(outcome)
        if preview is not None and index in older:
            outcome.older_version = True
            outcome.add(Issue("error", older[index].text()))
        elif preview is not None:
            jobs.append(_Job(preview, outcome))
    waiting = {id(job.outcome) for job in jobs}
    reported = 0

    def report_ready(job: _Job | None = None) -> None:
        """``on_outcome`` of each outcome in file order, once it is final."""
        nonlocal reported
        if job is not None:
            waiting.discard(id(job.outcome))
        while reported < len(outcomes) and id(outcomes[reported]) not in waiting:
            if on_outcome:
                on_outcome(outcomes[reported])
            reported += 1

    written = 0

    def step() -> None:
        nonlocal written
        written += 1
        if progress:
            progress(total + (total - len(jobs)) + written, 2 * total)

    report_ready()
    _commit_jobs(
        db,
        jobs,
        user=user,
        received_at=received_at,
        originals=originals,
        step=step,
        done=report_ready,
    )
    if progress and total and not jobs:  # nothing to commit: the commit steps are done
        progress(2 * total, 2 * total)
    return outcomes


def _check_one(
    context: CheckContext,
    path: Path,
    outcome: CollectOutcome,
    period_id: int | None,
    accept_warnings: bool,
) -> tuple[CollectPreview | None, bool]:
    """Check one file for ``collect_files``: its preview (None when unreadable) and
    whether it may be committed; the reasons why not are in ``outcome``."""
    try:
        preview = check_workbook(context.session, path, period_id=period_id, context=context)
    except UserError as exc:
        outcome.add(Issue("error", exc.message, exc.sheet, exc.cell), str(exc))
        return None, False
    except Exception as exc:  # one broken file must not stop the batch
        context.session.rollback()  # it only read; a failed statement ends the transaction
        cause = storage_failure_message(exc)
        outcome.add(
            Issue("error", cause or f"读取或导入时发生意外错误（{type(exc).__name__}：{exc}）。")
        )
        return None, False
    outcome.department = preview.department_name
    outcome.period = preview.period_name
    for issue in (*preview.errors, *preview.warnings):
        outcome.add(issue)
    outcome.counts = preview.counts()
    if preview.already_imported is not None:
        outcome.already_imported = True
        return preview, False
    if preview.errors:
        return preview, False
    if preview.needs_confirmation:
        outcome.add(Issue("error", NEEDS_CONFIRMATION + "（请在软件界面中导入并确认）。"))
        return preview, False
    if preview.warnings and not accept_warnings:
        outcome.add(
            Issue(
                "error",
                "有警告，未导入；确认无误后请选择接受警告再导入"
                "（命令行加 --accept-warnings，软件界面中勾选“接受警告”）。",
            )
        )
        return preview, False
    return preview, True


def commit_previews(
    db: Database,
    reviewed: list[tuple[CollectPreview, bool]],
    *,
    user: str,
    progress: Progress | None = None,
) -> list[CollectOutcome]:
    """Commit files the clerk checked in the preview: ``(preview, confirmed)`` each.

    The GUI's counterpart of ``collect_files``, with the same rules: one backup before
    the batch when a file can be stored, the files committed by ``_commit_jobs`` (a
    failing file rolls back alone and the batch goes on), one outcome per file in the
    order given; accepted only once committed.
    """
    total = len(reviewed)
    if progress:
        progress(0, total)
    jobs: list[_Job] = []
    for preview, confirmed in reviewed:
        outcome = CollectOutcome(
            path=preview.path,
            accepted=False,
            department=preview.department_name,
            period=preview.period_name,
            counts=preview.counts(),
        )
        for issue in preview.warnings:
            outcome.add(issue)
        jobs.append(_Job(preview, outcome, confirmed))
    written = 0

    def step() -> None:
        nonlocal written
        written += 1
        if progress:
            progress(written, total)

    _commit_jobs(db, jobs, user=user, step=step)
    return [job.outcome for job in jobs]


def outcomes_changes(outcomes: list[CollectOutcome]) -> ChangeSet:
    """What a batch changed: submissions and task statuses once any file went in."""
    return SUBMISSIONS if any(o.accepted for o in outcomes) else NOTHING
