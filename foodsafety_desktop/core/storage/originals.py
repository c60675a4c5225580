"""Where a database keeps the original files it records (原件): plans, returned workbooks.

A SQLite ledger keeps them in ``archive/`` beside its file (``FolderOriginals``): the
ledger and its originals travel together (``D:\\台账``, a USB stick).  A server database
keeps them in its ``stored_file`` table (``DatabaseOriginals``): every clerk's PC sees
the same originals, whichever PC collected them.

Both are written inside the transaction that records the file, and the copy exists only
if that transaction commits.  Paths are relative and content-addressed
(``plans/<sha256[:12]>_<name>``, ``submissions/<period id>/<sha256[:12]>_<name>``): the
same relative path always holds the same bytes, so two ledgers sharing a folder may
share a copy, and a backup's mirror never needs to overwrite one.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sqlite3
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Protocol

from sqlalchemy import Engine, event, select
from sqlalchemy.orm import Session

from foodsafety_desktop.core.fileio import file_sha256
from foodsafety_desktop.core.paths import archive_dir_for, legacy_archive_dir
from foodsafety_desktop.core.storage.database import Database, sqlite_file
from foodsafety_desktop.core.storage.models import (
    Assessment,
    AssessmentSubmission,
    AuditEntry,
    Evidence,
    Plan,
    Setting,
    StoredFile,
    Submission,
)

log = logging.getLogger(__name__)

PLANS = "plans"
LETTERHEADS = "letterheads"
ASSESSMENTS = "assessments"  # 考核细则 originals (services.assessment)
EVIDENCE = "evidence"  # 佐证材料 files
SELF_ASSESSMENTS = "self_assessments"  # returned 自评 workbooks
# The setting holding the relative path of the office's kept letterhead (红头) file.
LETTERHEAD_SETTING = "document_letterhead"
_CHUNK = 500  # paths per IN (…) list
SUBMISSIONS = "submissions"


def plan_original_path(name: str, sha256: str) -> str:
    """The relative path of a plan's original: ``plans/<sha256[:12]>_<name>``."""
    return f"{PLANS}/{sha256[:12]}_{Path(name).name}"


def letterhead_original_path(name: str, sha256: str) -> str:
    """The relative path of a kept 红头 file: ``letterheads/<sha256[:12]>_<name>``."""
    return f"{LETTERHEADS}/{sha256[:12]}_{Path(name).name}"


def assessment_original_path(name: str, sha256: str) -> str:
    """The relative path of a 考核细则's original: ``assessments/<sha256[:12]>_<name>``."""
    return f"{ASSESSMENTS}/{sha256[:12]}_{Path(name).name}"


def evidence_original_path(name: str, sha256: str) -> str:
    """The relative path of a 佐证材料 file: ``evidence/<sha256[:12]>_<name>``."""
    return f"{EVIDENCE}/{sha256[:12]}_{Path(name).name}"


def self_assessment_original_path(assessment_id: int, name: str, sha256: str) -> str:
    """The relative path of a returned 自评 workbook:
    ``self_assessments/<assessment id>/<sha256[:12]>_<name>``."""
    return f"{SELF_ASSESSMENTS}/{assessment_id}/{sha256[:12]}_{Path(name).name}"


def submission_original_path(period_id: int, name: str, sha256: str) -> str:
    """The relative path of a returned workbook: ``submissions/<period>/<sha[:12]>_<name>``."""
    return f"{SUBMISSIONS}/{period_id}/{sha256[:12]}_{Path(name).name}"


class Originals(Protocol):
    """The originals of one database."""

    @property
    def where(self) -> str:
        """Where they are, in words for the clerk."""

    def keep(self, session: Session, relative: str, content: bytes) -> None:
        """Store ``content`` under ``relative`` as part of the session's transaction."""

    def read(self, session: Session, relative: str) -> bytes | None:
        """The stored bytes, or None when nothing is stored under ``relative``."""

    def has(self, session: Session, relative: str) -> bool:
        """Whether something is stored under ``relative``."""

    def present(self, session: Session, paths: Iterable[str]) -> set[str]:
        """Those of ``paths`` something is stored under (one query for a database)."""


class FolderOriginals:
    """The originals of a SQLite ledger, as files under ``root`` (``archive/``)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    @property
    def where(self) -> str:
        return f"存档文件夹 {self.root}"

    def file(self, relative: str) -> Path:
        return self.root / relative

    def keep(self, session: Session, relative: str, content: bytes) -> None:
        """Write the file (through a partial file private to this process and thread),
        removed again if the session's transaction does not commit.  A file already
        there with the same bytes is left as it is, and never removed: it belongs to an
        earlier commit (perhaps of another ledger of the folder)."""
        target = self.file(relative)
        if target.is_file() and file_sha256(target) == hashlib.sha256(content).hexdigest():
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f"{target.name}.{os.getpid()}-{threading.get_ident()}.part")
        try:
            partial.write_bytes(content)
            os.replace(partial, target)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        remove_unless_committed(session, target)

    def read(self, session: Session, relative: str) -> bytes | None:
        try:
            return self.file(relative).read_bytes()
        except FileNotFoundError:
            return None

    def has(self, session: Session, relative: str) -> bool:
        return self.file(relative).is_file()

    def present(self, session: Session, paths: Iterable[str]) -> set[str]:
        return {p for p in paths if self.file(p).is_file()}


class DatabaseOriginals:
    """The originals of a server database, as rows of ``stored_file``."""

    @property
    def where(self) -> str:
        return "数据库中"

    def keep(self, session: Session, relative: str, content: bytes) -> None:
        digest = hashlib.sha256(content).hexdigest()
        stored = session.scalars(select(StoredFile).where(StoredFile.path == relative)).first()
        if stored is not None:
            if stored.sha256 != digest:  # a 12-digit prefix collision: keep the new bytes
                stored.sha256, stored.size, stored.content = digest, len(content), content
            return
        session.add(StoredFile(path=relative, sha256=digest, size=len(content), content=content))
        session.flush()

    def read(self, session: Session, relative: str) -> bytes | None:
        return session.scalar(select(StoredFile.content).where(StoredFile.path == relative))

    def has(self, session: Session, relative: str) -> bool:
        return bool(self.present(session, [relative]))

    def present(self, session: Session, paths: Iterable[str]) -> set[str]:
        wanted = list(dict.fromkeys(paths))
        found: set[str] = set()
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start : start + _CHUNK]
            found.update(session.scalars(select(StoredFile.path).where(StoredFile.path.in_(chunk))))
        return found


def originals_of(bind: Database | Session | Engine) -> Originals:
    """The originals of the database ``bind`` belongs to: a folder beside a SQLite file,
    else (a server, an in-memory database) the database itself."""
    if isinstance(bind, Database):
        url = bind.url
    else:
        engine = bind.get_bind().engine if isinstance(bind, Session) else bind
        url = engine.url.render_as_string(hide_password=False)
    file = sqlite_file(url)
    if file is not None:
        return FolderOriginals(archive_dir_for(file))
    return DatabaseOriginals()


def remove_unless_committed(session: Session, path: Path) -> None:
    """Delete ``path`` when the session's current transaction ends without a commit."""
    # Listeners are one-shot flags rather than removed: removing a listener while the
    # session dispatches events is not allowed, and sessions are short-lived anyway.
    root = session.get_transaction()
    state = {"committed": False, "done": False}

    def committed(_session: Session) -> None:
        state["committed"] = True

    def ended(_session: Session, transaction: object) -> None:
        if state["done"] or transaction is not root:
            return
        state["done"] = True
        if not state["committed"]:
            path.unlink(missing_ok=True)

    event.listen(session, "after_commit", committed)
    event.listen(session, "after_transaction_end", ended)


def referenced_paths(session: Session) -> set[str]:
    """Every relative path the database refers to: plans', submissions', 细则, 自评 and
    evidence originals,
    and those of what the last change deleted while an undo can still put it back."""
    paths = {p for p in session.scalars(select(Submission.archive_path)) if p}
    for name, sha256 in session.execute(select(Plan.source_name, Plan.source_sha256)):
        if name and sha256:
            paths.add(plan_original_path(name, sha256))
    for name, sha256 in session.execute(select(Assessment.source_name, Assessment.source_sha256)):
        if name and sha256:
            paths.add(assessment_original_path(name, sha256))
    paths.update(session.scalars(select(Evidence.archive_path)))
    paths.update(p for p in session.scalars(select(AssessmentSubmission.archive_path)) if p)
    letterhead = session.get(Setting, LETTERHEAD_SETTING)
    if letterhead is not None and letterhead.value:
        paths.add(letterhead.value)
    return paths | awaiting_undo(session)


# Deletes whose audit entry holds the deleted rows (services/undo.py restores them).
UNDOABLE_DELETES = ("plan.delete", "period.delete", "task.delete")


def awaiting_undo(session: Session) -> set[str]:
    """The originals of the submissions, evidence (and plan) the newest audit entry deleted, when it
    is an undoable delete: a start-up sweep between the delete and its undo must not
    move them away, or the restored submissions would point at nothing."""
    entry = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1)).first()
    if entry is None or entry.action not in UNDOABLE_DELETES or not entry.detail:
        return set()
    try:
        detail = json.loads(entry.detail)
    except ValueError:
        return set()
    key = "snapshot" if entry.action == "task.delete" else "undo"
    undo = detail.get(key) if isinstance(detail, dict) else None
    if not isinstance(undo, dict):
        return set()
    paths = {
        row["archive_path"]
        for name in ("submissions", "evidence")
        for row in undo.get(name) or []
        if isinstance(row, dict) and row.get("archive_path")
    }
    plan = undo.get("plan")
    if isinstance(plan, dict) and plan.get("source_name") and plan.get("source_sha256"):
        paths.add(plan_original_path(plan["source_name"], plan["source_sha256"]))
    return paths


def sibling_references(database_file: Path) -> set[str] | None:
    """The originals the other ledgers of ``database_file``'s folder refer to.

    Ledgers of one folder share its ``archive/``; the tidy-up of one must not move a
    file another refers to.  None when a sibling ledger cannot be read (locked, damaged):
    then nothing may be taken as unreferenced.
    """
    found: set[str] = set()
    folder = Path(database_file).parent
    for other in sorted(folder.iterdir()):
        if other == database_file or not other.is_file():
            continue
        if other.suffix.lower() not in (".sqlite3", ".sqlite", ".db"):
            continue
        try:
            connection = sqlite3.connect(other.as_uri() + "?mode=ro", uri=True, timeout=2)
        except sqlite3.Error:
            return None
        try:
            tables = {
                r[0]
                for r in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
            }
            if "submission" not in tables:
                continue  # not a ledger
            found.update(
                r[0] for r in connection.execute("SELECT archive_path FROM submission") if r[0]
            )
            if "plan" in tables:
                for name, sha256 in connection.execute(
                    "SELECT source_name, source_sha256 FROM plan"
                ):
                    if name and sha256:
                        found.add(plan_original_path(name, sha256))
            if "assessment" in tables:
                for name, sha256 in connection.execute(
                    "SELECT source_name, source_sha256 FROM assessment"
                ):
                    if name and sha256:
                        found.add(assessment_original_path(name, sha256))
            for table in ("evidence", "assessment_submission"):
                if table in tables:
                    found.update(
                        r[0]
                        for r in connection.execute(f"SELECT archive_path FROM {table}")
                        if r[0]
                    )
        except sqlite3.Error:
            return None
        finally:
            connection.close()
    return found


def adopt_legacy_archive(db: Database) -> int:
    """Bring the originals earlier versions kept in the data folder to the database.

    Earlier versions archived every ledger's originals in the per-user data folder,
    whatever ``--db`` said, and each PC kept its own copies of a server database's
    files.  Each original this database refers to that is missing from its own store
    and present in the old folder is copied (never moved: another ledger may refer to
    it); an idempotent step at each start, a no-op when the old folder is the ledger's
    own (the default database).  Returns how many files were brought over.
    """
    if db.read_only:
        return 0
    legacy = legacy_archive_dir()
    originals = originals_of(db)
    if isinstance(originals, FolderOriginals) and originals.root.resolve() == legacy.resolve():
        return 0
    if not legacy.is_dir():
        return 0
    adopted = 0
    with db.session() as session:
        found = [p for p in sorted(referenced_paths(session)) if (legacy / p).is_file()]
        stored = originals.present(session, found)  # at each start: one query, not one a file
        for relative in found:
            if relative not in stored:
                originals.keep(session, relative, (legacy / relative).read_bytes())
                adopted += 1
    if adopted:
        log.info("brought %d archived originals from %s", adopted, legacy)
    return adopted
