"""Checking the database file (数据库检查): quick check at start, full check on demand.

A damaged SQLite file is reported as ``DamagedDatabaseError`` (a ``UserError``) that
names the newest backup which passes its own check, so the GUI can offer to restore it.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from foodsafety_desktop.core.dates import cn_datetime
from foodsafety_desktop.core.errors import UserError
from foodsafety_desktop.core.storage.database import (
    Database,
    database_url,
    head_revision,
    open_database,
    schema_revision,
)

# PRAGMA quick_check / integrity_check stop after this many problems.
MAX_PROBLEMS = 20


def check_file(path: Path, *, full: bool = False) -> list[str]:
    """Problems SQLite finds in the file at ``path`` ([] when it is sound).

    Opened read-only through a ``file:…?mode=ro`` URI, so nothing is written, no
    migration runs and a missing file is not created.  A file that SQLite cannot read
    at all ("file is not a database") gives one problem, not an exception; a file that
    cannot be opened for another reason (locked, no permission) raises ``UserError``.
    """
    path = Path(path)
    if not path.is_file():
        raise UserError("找不到数据库文件。", file=path)
    pragma = "integrity_check" if full else "quick_check"
    try:
        connection = sqlite3.connect(read_only_uri(path), uri=True, timeout=5)
    except sqlite3.Error as exc:
        raise UserError(f"无法打开数据库文件：{exc}", file=path) from exc
    try:
        rows = [str(row[0]) for row in connection.execute(f"PRAGMA {pragma}({MAX_PROBLEMS})")]
    except sqlite3.OperationalError as exc:
        if _is_corruption(exc):
            return [str(exc)]
        raise UserError(
            f"无法读取数据库文件（可能正被其他程序占用，或没有读取权限）：{exc}", file=path
        ) from exc
    except sqlite3.DatabaseError as exc:  # SQLITE_NOTADB, SQLITE_CORRUPT
        return [str(exc)]
    finally:
        connection.close()
    return [] if rows == ["ok"] else rows


def read_only_uri(path: Path) -> str:
    """The ``file:`` URI that opens ``path`` read-only (percent-encoded, any platform)."""
    return Path(path).resolve().as_uri() + "?mode=ro"


# SQLite's result codes; the sqlite3 module names them only from Python 3.11 on.
_SQLITE_CORRUPT = 11
_SQLITE_NOTADB = 26


def _is_corruption(exc: sqlite3.Error) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    if code in (_SQLITE_CORRUPT, _SQLITE_NOTADB):
        return True
    text = str(exc).lower()
    return "malformed" in text or "not a database" in text


def quick_check(db: Database) -> list[str]:
    """``PRAGMA quick_check`` of an open database: [] when it is sound.

    Server databases ([] always) are checked by their administrator's tools.
    """
    if not db.is_sqlite:
        return []
    try:
        with db.engine.connect() as connection:
            rows = connection.exec_driver_sql(f"PRAGMA quick_check({MAX_PROBLEMS})").all()
    except DBAPIError as exc:
        return [str(exc.orig)]
    problems = [str(row[0]) for row in rows]
    return [] if problems == ["ok"] else problems


@dataclass
class CheckReport:
    """What "检查数据库" found: storage problems, broken references, schema version."""

    integrity: list[str] = field(default_factory=list)  # PRAGMA integrity_check
    foreign_keys: list[str] = field(default_factory=list)  # PRAGMA foreign_key_check (Chinese)
    revision: str | None = None  # the database's Alembic revision
    head: str | None = None  # the revision this program expects

    @property
    def ok(self) -> bool:
        return not self.integrity and not self.foreign_keys and self.revision == self.head

    def messages(self) -> list[str]:
        """Chinese lines for the check dialog (one line "数据库检查通过" when ok)."""
        if self.ok:
            return ["数据库检查通过：文件完好，数据引用一致，版本为最新。"]
        lines = []
        if self.integrity:
            lines.append("数据库文件已损坏：")
            lines.extend(f"  {p}" for p in self.integrity)
        if self.foreign_keys:
            lines.append("有数据引用了不存在的记录：")
            lines.extend(f"  {p}" for p in self.foreign_keys)
        if self.revision != self.head:
            lines.append(
                f"数据库版本为 {self.revision or '未知'}，本软件需要 {self.head}；"
                "请重新启动软件以升级数据库。"
            )
        return lines


def full_check(db: Database) -> CheckReport:
    """``integrity_check`` + ``foreign_key_check`` + schema revision == head."""
    report = CheckReport(head=head_revision(db.engine))
    try:
        report.revision = schema_revision(db.engine)
    except DBAPIError as exc:
        report.integrity.append(str(exc.orig))
        return report
    if not db.is_sqlite:
        return report
    try:
        with db.engine.connect() as connection:
            rows = connection.exec_driver_sql(f"PRAGMA integrity_check({MAX_PROBLEMS})").all()
            problems = [str(row[0]) for row in rows]
            report.integrity = [] if problems == ["ok"] else problems
            for table, rowid, parent, _fkid in connection.exec_driver_sql(
                "PRAGMA foreign_key_check"
            ).all()[:MAX_PROBLEMS]:
                report.foreign_keys.append(f"表 {table} 第 {rowid} 行引用的 {parent} 记录不存在")
    except DBAPIError as exc:
        report.integrity.append(str(exc.orig))
    return report


class DamagedDatabaseError(UserError):
    """The database file is damaged; ``backup_path`` is the newest good backup or None."""

    def __init__(
        self,
        path: Path,
        problems: list[str],
        backup_path: Path | None = None,
        backup_time: datetime | None = None,
    ) -> None:
        self.path = Path(path)
        self.problems = list(problems)
        self.backup_path = backup_path
        self.backup_time = backup_time
        if backup_path is not None:
            when = f"（{format_time(backup_time)}）" if backup_time else ""
            advice = f"可以打开最近的备份{when}，恢复前会先保留损坏的文件。"
        else:
            advice = "没有找到可用的备份，请不要删除该文件，并联系技术人员修复。"
        super().__init__(f"数据库文件已损坏，不能继续使用。{advice}", file=path)


def format_time(moment: datetime | None) -> str:
    """``2026年11月22日 18:30`` as shown to the clerk."""
    return cn_datetime(moment)


def open_checked(path_or_url: str | os.PathLike[str] | None = None) -> Database:
    """Open the database like ``open_database``, after a quick check of a SQLite file.

    Raises ``DamagedDatabaseError`` (never a traceback) when the file is damaged, or
    when it is empty although backups of it exist (a file truncated by a power cut
    would otherwise silently become a new, empty ledger).
    """
    from foodsafety_desktop.core.storage.backup import newest_good_backup

    url = database_url(path_or_url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        path = Path(parsed.database)
        if path.exists():
            problems = check_file(path)
            if not problems and path.stat().st_size == 0:
                good = newest_good_backup(path)
                if good is not None:
                    problems = ["数据库文件是空的"]
            if problems:
                good = newest_good_backup(path)
                raise DamagedDatabaseError(
                    path,
                    problems,
                    good.path if good else None,
                    good.created_at if good else None,
                )
    return open_database(url)
