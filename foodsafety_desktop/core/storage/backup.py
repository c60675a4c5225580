"""Backups of the ledger (备份与恢复): taken without anyone thinking of them, rotated.

Layout of a backup folder (``backups/`` beside the database file, or a USB stick for
"备份到…")::

    ledger-20261122-183000-daily.sqlite3    one self-contained SQLite file (journal DELETE)
    ledger-20261122-183000-daily.json       manifest: date, reason, revision, counts, version
    archive/plans/…, archive/submissions/…  mirror of the ledger's archive/

The prefix is the database file's stem (``ledger`` for the default database), so the
backups of a demo or test database never rotate away the ledger's.  Archived originals
are content-addressed by name (``<sha256[:12]>_<name>``) and never change, so the mirror
is shared by all backups of the folder: each backup copies only the files that are not
there yet, and rotation never deletes from it (an older backup may refer to any file).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from foodsafety_desktop.core.errors import UserError
from foodsafety_desktop.core.paths import archive_dir_for, backups_dir_for, data_dir
from foodsafety_desktop.core.storage.database import Database, head_revision
from foodsafety_desktop.core.storage.integrity import check_file, format_time, read_only_uri

SUFFIX = ".sqlite3"
ARCHIVE_FOLDER = "archive"
# Backups taken before a restore, a migration or a change the clerk was told a backup
# was taken for (a plan updated or deleted, a period deleted) survive rotation this long.
PROTECTED_REASONS = frozenset(
    {
        "migration",
        "before-restore",
        "restore",
        "plan-update",
        "plan-delete",
        "period-delete",
        "assessment-replace",
    }
)
PROTECTED_DAYS = 30

REASON_TEXT = {
    "daily": "每日自动备份",
    "manual": "手动备份",
    "export": "备份到其他位置",
    "migration": "升级数据库前",
    "import": "导入方案前",
    "submissions": "导入报送材料前",
    "merge": "合并单位前",
    "period-delete": "删除报送期次前",
    "plan-update": "更新方案前",
    "plan-delete": "删除方案前",
    "assessment-replace": "替换考核细则前",
    "before-restore": "从备份恢复前",
    "restore": "从备份恢复前",
}

# Counted in the manifest and the preview when the table exists at that revision.
COUNTED_TABLES = {
    "plans": "plan",
    "tasks": "task",
    "departments": "department",
    "periods": "reporting_period",
    "submissions": "submission",
}

_NAME = re.compile(
    r"^(?P<stem>.+)-(?P<date>\d{8})-(?P<time>\d{6})-(?P<reason>[a-z0-9-]+?)"
    r"(?:_(?P<n>\d+))?\.sqlite3$"
)


@dataclass
class BackupFile:
    """One backup found in a folder (from its file name)."""

    path: Path
    stem: str  # the database file's stem: "ledger"
    created_at: datetime  # local time
    reason: str
    sequence: int = 0  # second backup within the same second: 1, 2, …

    @property
    def manifest_path(self) -> Path:
        return self.path.with_suffix(".json")


@dataclass
class BackupInfo:
    """What a backup holds, for the "从备份恢复…" preview."""

    path: Path
    created_at: datetime
    reason: str
    schema_revision: str | None
    app_version: str | None
    plans: list[tuple[int, str]] = field(default_factory=list)  # (id, title)
    periods: list[str] = field(default_factory=list)  # 报送期次 names
    counts: dict[str, int] = field(default_factory=dict)  # keys of COUNTED_TABLES
    size: int = 0  # bytes

    @property
    def reason_text(self) -> str:
        return REASON_TEXT.get(self.reason, self.reason)

    def summary(self) -> str:
        """Chinese lines for the preview."""
        c = self.counts
        lines = [
            f"备份时间：{format_time(self.created_at)}（{self.reason_text}）",
            f"方案 {c.get('plans', 0)} 个，任务 {c.get('tasks', 0)} 项，"
            f"单位 {c.get('departments', 0)} 个，报送期次 {c.get('periods', 0)} 个，"
            f"报送记录 {c.get('submissions', 0)} 份",
        ]
        lines.extend(f"  《{title}》" for _id, title in self.plans)
        return "\n".join(lines)


# --- taking backups ---------------------------------------------------------------------


def backup_now(
    db: Database,
    *,
    reason: str,
    dest_dir: Path | None = None,
    now: datetime | None = None,
) -> Path:
    """Copy the database with SQLite's online backup API; return the backup file.

    Into ``backups/`` beside the database (then rotated) or ``dest_dir`` (not rotated).
    The archived originals are mirrored into ``<folder>/archive``.  A server database raises
    ``UserError``: its administrator backs it up with the server's own tools.
    """
    source = _sqlite_file(db)
    return _backup_file(source, reason=reason, dest_dir=dest_dir, now=now)


def export_backup(db: Database, folder: Path, *, now: datetime | None = None) -> Path:
    """Back up into a folder the clerk chose ("备份到…", e.g. a USB stick)."""
    return backup_now(db, reason="export", dest_dir=Path(folder), now=now)


def before_change(db: Database, reason: str, *, now: datetime | None = None) -> Path | None:
    """Back up before an import, restore or merge; None for a server database."""
    if not db.is_sqlite or db.sqlite_path is None:
        return None
    return backup_now(db, reason=reason, now=now)


def backup_if_due(db: Database, *, now: datetime | None = None) -> Path | None:
    """At start: back up when no backup of this database was made today (or ever).

    "Today" rather than "24 hours": an office that starts the program at 8:00 after
    working until 17:00 gets its backup every morning.  None when nothing was due, or
    for a server database.
    """
    if not db.is_sqlite or db.sqlite_path is None:
        return None
    now = now or datetime.now()
    path = db.sqlite_path
    newest = next(iter(list_backups(backups_dir_for(path), stem=path.stem)), None)
    if newest is not None and newest.created_at.date() >= now.date():
        return None
    return backup_now(db, reason="daily", now=now)


def _sqlite_file(db: Database) -> Path:
    if not db.is_sqlite:
        raise UserError("服务器数据库请由管理员使用数据库自带的备份工具备份")
    path = db.sqlite_path
    if path is None:
        raise UserError("内存中的数据库无法备份。")
    return path


def _backup_file(
    source: Path,
    *,
    reason: str,
    dest_dir: Path | None = None,
    now: datetime | None = None,
    rotate: bool | None = None,
) -> Path:
    now = (now or datetime.now()).replace(microsecond=0)
    reason = _clean_reason(reason)
    folder = Path(dest_dir) if dest_dir is not None else backups_dir_for(source)
    if rotate is None:
        rotate = dest_dir is None
    if not source.is_file():
        raise UserError("找不到要备份的数据库文件。", file=source)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"无法创建备份文件夹：{exc.strerror or exc}", file=folder) from exc
    target = _claim_name(folder, source.stem, now, reason)
    try:
        _snapshot(source, target)
        summary = _summarize(target)
        _write_json(
            target.with_suffix(".json"),
            {
                "created_at": now.isoformat(),
                "reason": reason,
                "database": source.name,
                "schema_revision": summary["schema_revision"],
                "counts": summary["counts"],
                "plans": summary["plans"],
                "app_version": _app_version(),
            },
        )
        _mirror(archive_dir_for(source), folder / ARCHIVE_FOLDER)
    except OSError as exc:
        _discard(target)
        raise UserError(
            f"备份失败（磁盘已满、文件夹不可写或U盘已拔出？）：{exc.strerror or exc}",
            file=target,
        ) from exc
    except BaseException:
        _discard(target)
        raise
    if rotate:
        rotate_backups(folder, now=now)
    return target


def _clean_reason(reason: str) -> str:
    cleaned = re.sub(r"[^a-z0-9-]+", "-", reason.lower()).strip("-")[:30]
    return cleaned or "manual"


def _claim_name(folder: Path, stem: str, now: datetime, reason: str) -> Path:
    """A backup name no other process can take: the file is created exclusively (empty)
    and the finished snapshot replaces it.  Two clerks backing up in the same second
    get ``…-submissions.sqlite3`` and ``…-submissions_2.sqlite3``."""
    base = f"{stem}-{now:%Y%m%d-%H%M%S}-{reason}"
    n = 1
    while True:
        target = folder / (f"{base}{SUFFIX}" if n == 1 else f"{base}_{n}{SUFFIX}")
        try:
            os.close(os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
            return target
        except FileExistsError:
            n += 1
        except OSError as exc:
            raise UserError(
                f"无法在备份文件夹中写入（磁盘已满或文件夹不可写？）：{exc.strerror or exc}",
                file=folder,
            ) from exc


def _discard(target: Path) -> None:
    """Remove a claimed name and whatever a failed backup left beside it."""
    for leftover in (target, target.with_suffix(".json")):
        leftover.unlink(missing_ok=True)


def _snapshot(source: Path, target: Path) -> None:
    """Online backup of ``source`` into ``target`` (through a ``.part`` file of this
    process only, verified; nothing is left beside it when it fails)."""
    partial = target.with_name(f"{target.name}.{os.getpid()}-{threading.get_ident()}.part")
    try:
        src = sqlite3.connect(read_only_uri(source), uri=True, timeout=10)
    except sqlite3.Error as exc:
        raise UserError(f"无法读取数据库，备份失败：{exc}", file=source) from exc
    try:
        dst = sqlite3.connect(partial)
        try:
            src.backup(dst)
            # One self-contained file: no -wal beside it on a USB stick, and it opens
            # read-only (mode=ro) without creating a -shm file.
            dst.execute("PRAGMA journal_mode=DELETE").fetchall()
            problems = [r[0] for r in dst.execute("PRAGMA quick_check").fetchall()]
        finally:
            dst.close()
    except sqlite3.DatabaseError as exc:
        _remove_partial(partial)
        if _intact(src):  # the copy failed, not the database: say what really happened
            raise UserError(f"备份失败，数据库本身完好：{_sqlite_cause(exc)}", file=target) from exc
        raise UserError(
            f"数据库无法完整读取，备份失败（完整性检查发现数据库文件已损坏）：{exc}", file=source
        ) from exc
    finally:
        src.close()
    if problems != ["ok"]:
        _remove_partial(partial)
        raise UserError("备份文件校验失败，已放弃这次备份。", file=target)
    try:
        _fsync(partial)
        os.replace(partial, target)
    except OSError:
        _remove_partial(partial)
        raise
    _fsync_dir(target.parent)


def _remove_partial(partial: Path) -> None:
    for suffix in ("", "-journal", "-wal", "-shm"):
        Path(f"{partial}{suffix}").unlink(missing_ok=True)


def _intact(connection: sqlite3.Connection) -> bool:
    """Whether the source database passes SQLite's own integrity check."""
    try:
        rows = connection.execute("PRAGMA integrity_check").fetchall()
    except sqlite3.DatabaseError:
        return False
    return [r[0] for r in rows] == ["ok"]


def _sqlite_cause(exc: sqlite3.Error) -> str:
    text = str(exc).lower()
    if "full" in text:
        return "磁盘空间已满，请清理磁盘或换一个备份位置。"
    if "readonly" in text or "read-only" in text or "unable to open" in text:
        return "备份文件夹不可写（只读或没有权限），请换一个备份位置。"
    if "i/o" in text:
        return "写入时发生磁盘读写错误（U盘已拔出或磁盘有问题？）。"
    return f"{exc}"


def _fsync(path: Path) -> None:
    with open(path, "rb+") as stream:
        os.fsync(stream.fileno())


def _fsync_dir(folder: Path) -> None:
    if os.name == "nt":  # directories cannot be opened for fsync on Windows
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _write_json(path: Path, data: dict) -> None:
    partial = path.with_name(path.name + ".part")
    partial.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    os.replace(partial, path)


def _mirror(source: Path, target: Path) -> int:
    """Copy files of ``source`` missing (or of another size) in ``target``; never delete."""
    if not source.is_dir():
        return 0
    copied = 0
    for file in sorted(source.rglob("*")):
        if not file.is_file() or file.name.endswith(".part"):
            continue
        dest = target / file.relative_to(source)
        try:
            if dest.exists() and dest.stat().st_size == file.stat().st_size:
                continue
        except OSError:
            pass
        dest.parent.mkdir(parents=True, exist_ok=True)
        # This process's and thread's own partial file: two clerks backing up at once
        # mirror the same archive files.
        partial = dest.with_name(f"{dest.name}.{os.getpid()}-{threading.get_ident()}.part")
        shutil.copyfile(file, partial)
        os.replace(partial, dest)
        copied += 1
    return copied


def _app_version() -> str:
    from foodsafety_desktop import __version__

    return __version__


# --- reading backups --------------------------------------------------------------------


def parse_backup_name(path: Path) -> BackupFile | None:
    """The backup described by a file name, or None for another file."""
    match = _NAME.match(Path(path).name)
    if match is None:
        return None
    try:
        created = datetime.strptime(match["date"] + match["time"], "%Y%m%d%H%M%S")
    except ValueError:
        return None
    return BackupFile(
        path=Path(path),
        stem=match["stem"],
        created_at=created,
        reason=match["reason"],
        sequence=int(match["n"] or 0),
    )


def list_backups(folder: Path, *, stem: str | None = None) -> list[BackupFile]:
    """The backups in ``folder``, newest first (``stem``: of that database only)."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    found = []
    for path in folder.glob(f"*{SUFFIX}"):
        info = parse_backup_name(path)
        if info is not None and (stem is None or info.stem == stem):
            found.append(info)
    found.sort(key=lambda b: (b.created_at, b.sequence, b.path.name), reverse=True)
    return found


def newest_good_backup(db_path: Path) -> BackupFile | None:
    """The newest backup of the database ``db_path`` that passes a quick check.

    Looked for in ``backups/`` beside it, then in the data folder's, where earlier
    versions kept the backups of every database.
    """
    db_path = Path(db_path)
    candidates = list_backups(backups_dir_for(db_path), stem=db_path.stem)
    legacy = data_dir() / "backups"
    if legacy.resolve() != backups_dir_for(db_path).resolve():
        candidates += list_backups(legacy, stem=db_path.stem)
    candidates.sort(key=lambda b: (b.created_at, b.sequence), reverse=True)
    for backup in candidates:
        try:
            if not check_file(backup.path):
                return backup
        except UserError:
            continue
    return None


def describe_backup(path: Path) -> BackupInfo:
    """What the backup at ``path`` holds, read without changing or migrating it.

    Raises ``UserError`` when the file is not a sound SQLite ledger.
    """
    path = Path(path)
    problems = check_file(path)
    if problems:
        raise UserError("备份文件已损坏，不能使用。", file=path)
    try:
        summary = _summarize(path)
    except sqlite3.DatabaseError as exc:
        raise UserError(f"该文件不是本软件的备份：{exc}", file=path) from exc
    if summary["schema_revision"] is None and "plan" not in summary["tables"]:
        raise UserError("该文件不是本软件的备份。", file=path)
    manifest = _read_manifest(path.with_suffix(".json"))
    named = parse_backup_name(path)
    created = _manifest_time(manifest) or (named.created_at if named else None)
    if created is None:
        created = datetime.fromtimestamp(path.stat().st_mtime)
    reason = manifest.get("reason") or (named.reason if named else "manual")
    return BackupInfo(
        path=path,
        created_at=created,
        reason=str(reason),
        schema_revision=summary["schema_revision"],
        app_version=manifest.get("app_version"),
        plans=[(int(i), str(t)) for i, t in summary["plans"]],
        periods=summary["periods"],
        counts=summary["counts"],
        size=path.stat().st_size,
    )


def _read_manifest(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _manifest_time(manifest: dict) -> datetime | None:
    try:
        return datetime.fromisoformat(str(manifest["created_at"]))
    except (KeyError, ValueError):
        return None


def _summarize(path: Path) -> dict:
    """Revision, counts, plans and periods of a SQLite file, opened read-only."""
    connection = sqlite3.connect(read_only_uri(path), uri=True, timeout=5)
    try:
        tables = {
            row[0]
            for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
        }
        revision = None
        if "alembic_version" in tables:
            row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
            revision = row[0] if row else None
        counts = {
            key: connection.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
            for key, table in COUNTED_TABLES.items()
            if table in tables
        }
        plans = (
            [list(r) for r in connection.execute("SELECT id, title FROM plan ORDER BY id")]
            if "plan" in tables
            else []
        )
        periods = (
            [r[0] for r in connection.execute("SELECT name FROM reporting_period ORDER BY id")]
            if "reporting_period" in tables
            else []
        )
    finally:
        connection.close()
    return {
        "tables": tables,
        "schema_revision": revision,
        "counts": counts,
        "plans": plans,
        "periods": periods,
    }


# --- rotation ---------------------------------------------------------------------------


def rotate_backups(
    folder: Path,
    *,
    now: datetime,
    keep_daily: int = 7,
    keep_weekly: int = 4,
    keep_monthly: int = 12,
    keep_last: int = 3,
) -> list[Path]:
    """Delete old backups (grandfather-father-son); return the deleted files.

    Per database stem, a backup is kept when it is
    - one of the ``keep_last`` newest (the newest is never deleted);
    - the newest of its day, for the ``keep_daily`` most recent days that have backups;
    - the newest of its ISO week, for the ``keep_weekly`` most recent such weeks;
    - the newest of its month, for the ``keep_monthly`` most recent such months;
    - taken before a restore, a migration, a plan update or delete or a period delete,
      less than 30 days before ``now``;
    - dated after ``now`` (the clock was changed: keep rather than guess).
    Counting days that *have* backups, not calendar days, means a PC left off for a
    month does not lose its older backups at the next start.  The archive mirror and
    files that are not backups are never touched.
    """
    folder = Path(folder)
    by_stem: dict[str, list[BackupFile]] = {}
    for backup in list_backups(folder):
        by_stem.setdefault(backup.stem, []).append(backup)
    deleted: list[Path] = []
    for backups in by_stem.values():  # each newest first
        keep: set[Path] = {b.path for b in backups[: max(1, keep_last)]}
        for key, count in (
            (lambda b: b.created_at.date(), keep_daily),
            (lambda b: b.created_at.isocalendar()[:2], keep_weekly),
            (lambda b: (b.created_at.year, b.created_at.month), keep_monthly),
        ):
            keep.update(_newest_per_bucket(backups, key, count))
        for backup in backups:
            if backup.created_at > now or (
                backup.reason in PROTECTED_REASONS
                and now - backup.created_at <= timedelta(days=PROTECTED_DAYS)
            ):
                keep.add(backup.path)
        for backup in backups:
            if backup.path in keep:
                continue
            try:
                backup.path.unlink(missing_ok=True)
                backup.manifest_path.unlink(missing_ok=True)
            except OSError:
                continue  # open in another program: try again next time
            deleted.append(backup.path)
    return deleted


def _newest_per_bucket(
    backups: list[BackupFile], key: Callable[[BackupFile], Hashable], count: int
) -> list[Path]:
    chosen: dict[Hashable, Path] = {}
    for backup in backups:  # newest first: the first of each bucket is its newest
        bucket = key(backup)
        if bucket not in chosen:
            if len(chosen) >= count:
                break
            chosen[bucket] = backup.path
    return list(chosen.values())


# --- restoring --------------------------------------------------------------------------


def restore_backup(db_path: Path, backup_path: Path, *, now: datetime | None = None) -> Path | None:
    """Replace the database at ``db_path`` by the backup; return the safety backup.

    (None when there was no database file to keep.)

    The caller has closed the database (``db.close()``) and reopens it afterwards with
    ``open_database`` (which upgrades an older backup's schema, after another backup).
    Steps: check the backup completely; back up the current state (reason
    "before-restore"; a damaged current file is copied byte for byte into
    ``backups/damaged/`` instead); write the backup to a temporary file beside the
    database with an audit entry of the restore; remove the old ``-wal``/``-shm``;
    ``os.replace``; copy the backup's archived originals that are missing.
    """
    db_path = Path(db_path).resolve()
    backup_path = Path(backup_path)
    now = (now or datetime.now()).replace(microsecond=0)
    info = _check_restorable(backup_path)

    if db_path.exists():
        try:
            safety = _backup_file(db_path, reason="before-restore", now=now, rotate=False)
        except UserError:
            safety = _keep_damaged(db_path, now)
        else:
            _checkpoint(db_path)
    else:
        safety = None

    partial = db_path.with_name(f".{db_path.name}.restore.part")
    partial.unlink(missing_ok=True)
    try:
        src = sqlite3.connect(read_only_uri(backup_path), uri=True, timeout=5)
        try:
            dst = sqlite3.connect(partial)
            try:
                src.backup(dst)
                dst.execute("PRAGMA journal_mode=DELETE").fetchall()
                _record_restore(dst, backup_path, info, now)
                problems = [r[0] for r in dst.execute("PRAGMA quick_check").fetchall()]
            finally:
                dst.close()
        finally:
            src.close()
        if problems != ["ok"]:
            raise UserError("恢复时写出的数据库未通过校验，原数据库未改动。", file=backup_path)
        _fsync(partial)
        # The old -wal must go before the new file arrives: SQLite would replay it into
        # the restored database.  Its content is in the safety backup.
        for suffix in ("-wal", "-shm", "-journal"):
            db_path.with_name(db_path.name + suffix).unlink(missing_ok=True)
        os.replace(partial, db_path)
        _fsync_dir(db_path.parent)
    except sqlite3.Error as exc:
        partial.unlink(missing_ok=True)
        raise UserError(f"恢复失败，原数据库未改动：{exc}", file=backup_path) from exc
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise UserError(
            f"恢复失败（数据库可能仍被打开，或没有写入权限）：{exc.strerror or exc}",
            file=db_path,
        ) from exc
    try:
        _mirror(backup_path.parent / ARCHIVE_FOLDER, archive_dir_for(db_path))
    except OSError as exc:
        raise UserError(
            f"数据库已恢复，但存档的原始文件未能全部恢复：{exc.strerror or exc}",
            file=backup_path,
        ) from exc
    return safety


def _check_restorable(backup_path: Path) -> BackupInfo:
    info = describe_backup(backup_path)
    if check_file(backup_path, full=True):
        raise UserError("备份文件已损坏，不能用于恢复。", file=backup_path)
    if info.schema_revision is not None and not _known_revision(info.schema_revision):
        raise UserError("该备份由更新版本的软件创建，请先升级本软件再恢复。", file=backup_path)
    return info


def _known_revision(revision: str) -> bool:
    from alembic.script import ScriptDirectory
    from alembic.script.revision import RevisionError
    from alembic.util import CommandError

    from foodsafety_desktop.core.storage.database import alembic_config

    if revision == head_revision():
        return True
    try:
        return ScriptDirectory.from_config(alembic_config(None)).get_revision(revision) is not None
    except (RevisionError, CommandError):
        return False


def _checkpoint(db_path: Path) -> None:
    """Move the -wal content into the file, so a failed restore below loses nothing."""
    try:
        connection = sqlite3.connect(db_path, timeout=5)
        try:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
        finally:
            connection.close()
    except sqlite3.Error:
        pass  # the safety backup holds the same content anyway


def _keep_damaged(db_path: Path, now: datetime) -> Path:
    """Byte copies of a database the backup API cannot read (and its -wal)."""
    folder = backups_dir_for(db_path) / "damaged"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{db_path.stem}-{now:%Y%m%d-%H%M%S}{SUFFIX}"
    for suffix in ("", "-wal"):
        source = db_path.with_name(db_path.name + suffix)
        if source.exists():
            shutil.copyfile(source, target.with_name(target.name + suffix))
    return target


def _record_restore(
    connection: sqlite3.Connection, backup_path: Path, info: BackupInfo, now: datetime
) -> None:
    """An audit entry of the restore inside the restored ledger (操作记录)."""
    from foodsafety_desktop.core.storage.database import current_user

    tables = {r[0] for r in connection.execute("SELECT name FROM sqlite_master")}
    if "audit_entry" not in tables:
        return
    # Stored like the ORM's utcnow(): naive UTC, SQLAlchemy's SQLite text format.
    utc = datetime.fromtimestamp(now.timestamp(), timezone.utc).replace(tzinfo=None)
    connection.execute(
        'INSERT INTO audit_entry (at, "user", action, entity, entity_id, summary, detail) '
        "VALUES (?, ?, 'db.restore', 'database', NULL, ?, ?)",
        (
            utc.strftime("%Y-%m-%d %H:%M:%S.%f"),
            current_user(),
            f"从备份恢复数据库（备份时间 {format_time(info.created_at)}）",
            json.dumps(
                {"backup": backup_path.name, "created_at": info.created_at.isoformat()},
                ensure_ascii=False,
            ),
        ),
    )
    connection.commit()
