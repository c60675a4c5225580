"""The originals of returned workbooks, and the tidying of a folder archive after a crash.

``submission_archive_path`` says where a file goes, ``_archive`` stores it inside the
commit's transaction (``storage.originals``: the folder beside a SQLite ledger, the
database itself for a server), ``sweep_orphan_archives`` deals with what a killed
process left behind in a folder.
"""

from __future__ import annotations

import errno
import hashlib
import os
from pathlib import Path

from sqlalchemy.orm import Session

from foodsafety_desktop.core.errors import UserError
from foodsafety_desktop.core.fileio import file_sha256
from foodsafety_desktop.core.services.collect.results import (
    CollectPreview,
    storage_failure_message,
)
from foodsafety_desktop.core.storage.database import Database
from foodsafety_desktop.core.storage.originals import (
    FolderOriginals,
    Originals,
    originals_of,
    referenced_paths,
    sibling_references,
    submission_original_path,
)


def submission_archive_path(period_id: int, sha256: str, name: str) -> str:
    """``submissions/<period_id>/<sha256[:12]>_<name>``, relative to the originals' root."""
    return submission_original_path(period_id, name, sha256)


def _archive(session: Session, preview: CollectPreview, originals: Originals | None) -> str:
    """Keep the checked bytes as the original; gone again if the transaction fails.

    The bytes kept are the ones checked, and the file must still be those bytes: a file
    changed since its check is refused.
    """
    relative = submission_archive_path(preview.period_id or 0, preview.sha256, preview.file_name)
    store = originals if originals is not None else originals_of(session)
    changed = UserError("文件在检查之后被修改过，请重新检查后再导入。", file=preview.path)
    try:
        if file_sha256(preview.path) != preview.sha256:
            raise changed
        content = preview.content if preview.content is not None else preview.path.read_bytes()
    except OSError as exc:
        raise UserError(f"无法读取报送文件：{exc.strerror or exc}", file=preview.path) from exc
    if hashlib.sha256(content).hexdigest() != preview.sha256:
        raise changed
    try:
        store.keep(session, relative, content)
    except OSError as exc:
        raise UserError(_not_archived(exc), file=preview.path) from exc
    return relative


_OS_REASONS = {
    errno.EACCES: "没有写入存档文件夹的权限",
    errno.EPERM: "没有写入存档文件夹的权限",
    errno.EROFS: "存档文件夹所在的磁盘为只读",
    errno.ENOENT: "存档文件夹不存在（U盘或网络盘可能已断开）",
    errno.EIO: "读写磁盘出错（U盘或网络盘可能已断开，或磁盘有故障）",
}


def _not_archived(exc: OSError) -> str:
    """Why the original could not be kept, in Chinese (never the system's English)."""
    full = storage_failure_message(exc)  # a full disk
    if full is not None:
        return full
    reason = _OS_REASONS.get(exc.errno or 0, f"系统错误代码 {exc.errno}")
    return f"无法把报送文件保存到存档文件夹：{reason}，该文件未导入，请处理后重新导入。"


ORPHANS_DIR = "orphaned"  # under the archive root: copies no submission refers to


def sweep_orphan_archives(db: Database, *, older_than: float | None = None) -> list[Path]:
    """Tidy the ``archive/submissions`` folder of a SQLite ledger after a crash; return
    the paths it moved or removed.

    The original is archived before the transaction commits, and a rollback removes the
    copy again; a process killed (or a power cut) in between leaves a copy that nothing
    refers to, or a half-written ``.part``.  A ``.part`` is deleted (never a complete
    file).  A complete copy that neither this ledger nor another ledger of the same
    folder refers to is moved to ``archive/orphaned/`` rather than deleted: after a
    restore of an older backup it may be the only copy of a department's file.  When a
    sibling ledger cannot be read, complete files are left alone.  Call it at start, by
    the instance that holds the write lock; a read-only database and a server database
    (whose originals are rows of its own transactions) are left alone.  With
    ``older_than`` (a ``time.time()``), files written since then are skipped: they
    belong to an import that is still running.
    """
    originals = originals_of(db)
    if db.read_only or not isinstance(originals, FolderOriginals) or db.sqlite_path is None:
        return []
    root = originals.root
    folder = root / "submissions"
    if not folder.is_dir():
        return []
    with db.session() as session:
        referenced = referenced_paths(session)
    others = sibling_references(db.sqlite_path)
    if others is not None:
        referenced |= others
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
            elif others is None:
                continue  # another ledger of the folder may refer to it
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
