"""The archive of returned originals (archive/submissions) and its tidying after a crash.

``submission_archive_path`` says where a file goes, ``_archive`` copies it there inside
the commit's transaction (removed again on rollback), ``sweep_orphan_archives`` deals
with what a killed process left behind.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from foodsafety_desktop.core.errors import UserError
from foodsafety_desktop.core.fileio import file_sha256
from foodsafety_desktop.core.paths import archive_dir
from foodsafety_desktop.core.services.collect.results import CollectPreview
from foodsafety_desktop.core.storage.archive import remove_unless_committed
from foodsafety_desktop.core.storage.database import Database
from foodsafety_desktop.core.storage.models import Submission


def submission_archive_path(
    period_id: int, sha256: str, name: str, archive_root: Path | None = None
) -> Path:
    """``archive/submissions/<period_id>/<sha256[:12]>_<name>``."""
    root = archive_root if archive_root is not None else archive_dir()
    return root / "submissions" / str(period_id) / f"{sha256[:12]}_{name}"


def _archive(session: Session, preview: CollectPreview, archive_root: Path | None) -> Path:
    """Copy the original into the archive; the copy is removed if the transaction fails."""
    target = submission_archive_path(
        preview.period_id or 0, preview.sha256, preview.file_name, archive_root
    )
    if target.exists() and file_sha256(target) == preview.sha256:
        return target  # the same bytes kept before (a rolled-back attempt kept nothing)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    changed = UserError("文件在检查之后被修改过，请重新检查后再导入。", file=preview.path)
    try:
        if preview.content is not None:
            # The checked bytes are archived; the original must still be those bytes.
            if file_sha256(preview.path) != preview.sha256:
                raise changed
            partial.write_bytes(preview.content)
        else:
            shutil.copyfile(preview.path, partial)
            if file_sha256(partial) != preview.sha256:
                partial.unlink(missing_ok=True)
                raise changed
        partial.replace(target)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise UserError(
            f"无法把报送文件保存到存档文件夹：{exc.strerror or exc}", file=preview.path
        ) from exc

    remove_unless_committed(session, target)
    return target


ORPHANS_DIR = "orphaned"  # under the archive root: copies no submission refers to


def sweep_orphan_archives(
    db: Database, archive_root: Path | None = None, *, older_than: float | None = None
) -> list[Path]:
    """Tidy ``archive/submissions`` after a crash; return the paths it moved or removed.

    The original is archived before the transaction commits, and a rollback removes the
    copy again; a process killed (or a power cut) in between leaves a copy that no
    submission refers to, or a half-written ``.part``.  A ``.part`` is deleted (never a
    complete file).  A complete unreferenced copy is moved to ``archive/orphaned/`` rather
    than deleted: after a restore of an older backup it may be the only copy of a
    department's file.  Call it at start, by the instance that holds the write lock;
    a read-only database is left alone.  With ``older_than`` (a ``time.time()``), files
    written since then are skipped: they belong to an import that is still running.
    """
    if db.read_only:
        return []
    root = archive_root if archive_root is not None else archive_dir()
    folder = root / "submissions"
    if not folder.is_dir():
        return []
    with db.session() as session:
        referenced = {
            p for p in session.scalars(select(Submission.archive_path)).all() if p is not None
        }
    handled: list[Path] = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        relative = path.relative_to(root).as_posix()
        if relative in referenced:
            continue
        if older_than is not None and _mtime(path) >= older_than:
            continue
        try:
            if path.name.endswith(".part"):
                path.unlink()
            else:
                target = root / ORPHANS_DIR / relative
                target.parent.mkdir(parents=True, exist_ok=True)
                n = 1
                while target.exists():
                    n += 1
                    target = target.with_name(f"{path.stem}_{n}{path.suffix}")
                os.replace(path, target)
        except OSError:
            continue  # held open by another program: try again at the next start
        handled.append(path)
    return handled


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return float("inf")  # vanished meanwhile: nothing to sweep
