"""Collecting many files (批量收取): one backup per batch, one transaction per file.

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

from foodsafety_desktop.core.changes import NOTHING, SUBMISSIONS, ChangeSet
from foodsafety_desktop.core.errors import UserError
from foodsafety_desktop.core.services.collect.check import (
    _already_committed,
    _duplicate_message,
    check_workbook,
)
from foodsafety_desktop.core.services.collect.commit import commit_submission
from foodsafety_desktop.core.services.collect.results import (
    NEEDS_CONFIRMATION,
    AlreadyImported,
    CollectOutcome,
    CollectPreview,
    Issue,
    Progress,
    storage_failure_message,
)
from foodsafety_desktop.core.services.collect.versions import older_versions
from foodsafety_desktop.core.storage.database import Database
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


def _commit_one(
    db: Database,
    preview: CollectPreview,
    outcome: CollectOutcome,
    *,
    user: str,
    confirmed: bool = False,
    received_at: dt.datetime | None = None,
    originals: Originals | None = None,
) -> None:
    """Commit one checked file in its own transaction and record what happened.

    ``outcome.accepted`` is set only once the transaction has committed: a failure of
    the commit itself (disk full, I/O error, lock timeout, a lost server) leaves the
    file not imported, with a line naming the cause, and its archived copy removed
    again (``archive._archive`` ties the copy to the transaction).  A file another
    clerk stored meanwhile — found under the write lock, or refused by the unique
    indexes — is ``already_imported``: not imported again, not a failure.
    """
    try:
        with db.session() as session:
            result = commit_submission(
                session,
                preview,
                user=user,
                confirmed=confirmed,
                received_at=received_at,
                originals=originals,
            )
    except AlreadyImported as exc:
        outcome.already_imported = True
        outcome.add(Issue("error", exc.message, exc.sheet, exc.cell), str(exc))
    except UserError as exc:
        outcome.add(Issue("error", exc.message, exc.sheet, exc.cell), str(exc))
    except IntegrityError:
        _doubled(db, preview, outcome)
    except Exception as exc:  # one broken file must not stop the batch
        cause = storage_failure_message(exc)
        outcome.add(
            Issue(
                "error",
                cause or f"读取或导入时发生意外错误（{type(exc).__name__}：{exc}）。",
            )
        )
    else:
        outcome.submission_id = result.submission_id
        outcome.accepted = True


def _doubled(db: Database, preview: CollectPreview, outcome: CollectOutcome) -> None:
    """The unique indexes refused the file (the transaction rolled back): say why."""
    try:
        with db.session() as session:
            existing = (
                _already_committed(session, preview.sha256, preview.period_id)
                if preview.period_id is not None
                else None
            )
            message = (
                _duplicate_message(session, existing, meanwhile=True)
                if existing is not None
                else None
            )
    except Exception as exc:  # the database is failing: say so, not a traceback
        outcome.add(Issue("error", storage_failure_message(exc) or _CONFLICT))
        return
    if message is None:
        outcome.add(Issue("error", _CONFLICT))
        return
    outcome.already_imported = True
    outcome.add(Issue("error", message))


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
    """Check and commit each file in its own transaction; one outcome per file.

    One backup before the batch; ``on_outcome(outcome)`` is called as each file is done
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
    files = expand_paths(paths)
    total = len(files)
    if progress:
        progress(0, 2 * total)
    if files:
        from foodsafety_desktop.core.storage.backup import before_change

        before_change(db, "submissions")  # the state before this batch, kept in backups/
    # Every file is checked before any is committed: several versions of one
    # department's answer in the batch are found first, and only the newest goes in.
    checked: list[tuple[CollectOutcome, CollectPreview | None]] = []
    versions: list[CollectPreview | None] = []  # what takes part in the choice of version
    for done, path in enumerate(files, start=1):
        outcome = CollectOutcome(path=path, accepted=False)
        preview, committable = _check_one(db, path, outcome, period_id, accept_warnings)
        if preview is not None and received_at is not None:
            preview.received_at = received_at  # the clerk's date decides the version too
        checked.append((outcome, preview if committable else None))
        versions.append(preview if committable or outcome.already_imported else None)
        if progress:
            progress(done, 2 * total)
    older = older_versions(versions)
    outcomes: list[CollectOutcome] = []
    for index, (outcome, preview) in enumerate(checked):
        if preview is not None and index in older:
            outcome.older_version = True
            outcome.add(Issue("error", older[index].text()))
        elif preview is not None:
            _commit_one(
                db, preview, outcome, user=user, received_at=received_at, originals=originals
            )
        outcomes.append(outcome)
        if on_outcome:
            on_outcome(outcome)
        if progress:
            progress(total + index + 1, 2 * total)
    return outcomes


def _check_one(
    db: Database,
    path: Path,
    outcome: CollectOutcome,
    period_id: int | None,
    accept_warnings: bool,
) -> tuple[CollectPreview | None, bool]:
    """Check one file for ``collect_files``: its preview (None when unreadable) and
    whether it may be committed; the reasons why not are in ``outcome``."""
    try:
        with db.session() as session:
            preview = check_workbook(session, path, period_id=period_id)
    except UserError as exc:
        outcome.add(Issue("error", exc.message, exc.sheet, exc.cell), str(exc))
        return None, False
    except Exception as exc:  # one broken file must not stop the batch
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
        outcome.add(Issue("error", "有警告，未导入；确认无误后可选择“接受警告”再导入。"))
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
    the batch, one transaction per file (a failing file rolls back alone and the batch
    goes on), one outcome per file in the order given; accepted only once committed.
    """
    total = len(reviewed)
    if progress:
        progress(0, total)
    if reviewed:
        from foodsafety_desktop.core.storage.backup import before_change

        before_change(db, "submissions")
    outcomes: list[CollectOutcome] = []
    for done, (preview, confirmed) in enumerate(reviewed, start=1):
        outcome = CollectOutcome(
            path=preview.path,
            accepted=False,
            department=preview.department_name,
            period=preview.period_name,
            counts=preview.counts(),
        )
        for issue in preview.warnings:
            outcome.add(issue)
        _commit_one(db, preview, outcome, user=user, confirmed=confirmed)
        outcomes.append(outcome)
        if progress:
            progress(done, total)
    return outcomes


def outcomes_changes(outcomes: list[CollectOutcome]) -> ChangeSet:
    """What a batch changed: submissions and task statuses once any file went in."""
    return SUBMISSIONS if any(o.accepted for o in outcomes) else NOTHING
