"""Database and disk errors in Chinese: one place that turns a driver's English into a
sentence the clerk can act on (the CLI's last line of defence and the GUI's messages).

``database_error_message(exc, operation)`` recognises SQLite's ``sqlite3`` errors (full
disk, locked, read-only, damaged, cannot open, I/O error, constraint), a server's errors
by their SQLSTATE (psycopg's ``sqlstate``, psycopg2's ``pgcode``) and a full disk while
writing a backup or archive copy (``OSError`` ENOSPC), whether raw or wrapped by
SQLAlchemy (``exc.orig``).  Anything else gives None: the caller keeps its own message.
The English detail is not part of the message; callers log it.

Importing this module imports neither SQLAlchemy nor a driver (the GUI's messages use it
before the database is open).
"""

from __future__ import annotations

import errno
import sqlite3
import sys

__all__ = ["database_error_kind", "database_error_message"]

_DISK_FULL = "磁盘空间已满，{op}未完成，数据未被修改。请清理磁盘空间（或换一个位置）后重试。"
_LOCKED = (
    "数据库正被另一个程序或另一位用户占用，{op}未完成，数据未被修改。请稍后重试；"
    "若一直如此，请关闭其他正在使用该数据库的食安台账。"
)
_READ_ONLY = (
    "数据库不能写入（文件只读、没有写入权限，或另一个食安台账窗口正在使用它），"
    "{op}未完成，数据未被修改。"
)
_CANT_OPEN = "无法打开数据库文件（文件夹不存在或没有权限），{op}未完成。"
_IO_ERROR = (
    "读写数据库文件时出错（U盘或网络盘可能已断开，或磁盘有故障），{op}未完成，"
    "数据未被修改。请检查磁盘后重试。"
)
_DAMAGED = "数据库文件已损坏或不是本软件的数据库，{op}未完成。请从备份恢复（图形界面会提示）。"
_CONFLICT = (
    "数据与数据库中已有的记录冲突（可能另一位用户刚刚做了同样的操作），{op}未完成，"
    "数据未被修改。请刷新后重试。"
)
_SCHEMA = "数据库的结构与本软件的版本不符，{op}未完成。请确认软件已升级到最新版本。"
_SERVER_UNREACHABLE = (
    "无法连接数据库服务器（网络中断、服务器未启动或地址、用户名、密码有误），{op}未完成。"
)
_SERVER_PERMISSION = "数据库服务器拒绝了此操作（没有权限），{op}未完成，数据未被修改。"
_RETRY = "与另一位用户的操作同时进行而被数据库取消，{op}未完成，数据未被修改。请重试。"
_GENERIC = "{op}时数据库出错，操作未完成，数据未被修改。"


# The message of each kind of failure.
_MESSAGES = {
    "disk_full": _DISK_FULL,
    "locked": _LOCKED,
    "read_only": _READ_ONLY,
    "cant_open": _CANT_OPEN,
    "io_error": _IO_ERROR,
    "damaged": _DAMAGED,
    "conflict": _CONFLICT,
    "schema": _SCHEMA,
    "server_unreachable": _SERVER_UNREACHABLE,
    "server_permission": _SERVER_PERMISSION,
    "retry": _RETRY,
    "generic": _GENERIC,
}

# SQLite's primary result codes (``sqlite_errorcode & 0xFF``, Python 3.11+).
_SQLITE_CODES = {
    5: "locked",  # SQLITE_BUSY
    6: "locked",  # SQLITE_LOCKED
    8: "read_only",  # SQLITE_READONLY
    10: "io_error",  # SQLITE_IOERR
    11: "damaged",  # SQLITE_CORRUPT
    13: "disk_full",  # SQLITE_FULL
    14: "cant_open",  # SQLITE_CANTOPEN
    19: "conflict",  # SQLITE_CONSTRAINT
    26: "damaged",  # SQLITE_NOTADB
}
# The same by message, for Python 3.10 (no ``sqlite_errorcode``).
_SQLITE_TEXTS = (
    ("database or disk is full", "disk_full"),
    ("database is locked", "locked"),
    ("database table is locked", "locked"),
    ("readonly database", "read_only"),
    ("disk i/o error", "io_error"),
    ("malformed", "damaged"),
    ("file is not a database", "damaged"),
    ("unable to open database file", "cant_open"),
    ("constraint failed", "conflict"),
    ("no such table", "schema"),
    ("no such column", "schema"),
)
# SQLSTATE classes and codes of a server database (PostgreSQL).
_SQLSTATES = {
    "53100": "disk_full",  # disk_full
    "40001": "retry",  # serialization_failure
    "40P01": "retry",  # deadlock_detected
    "55P03": "locked",  # lock_not_available
    "57014": "locked",  # query_canceled: a statement or lock timeout ran out
    "42501": "server_permission",  # insufficient_privilege
    "25006": "read_only",  # read_only_sql_transaction
    "42P01": "schema",  # undefined_table
    "42703": "schema",  # undefined_column
}
_SQLSTATE_CLASSES = {
    "08": "server_unreachable",  # connection exception
    "23": "conflict",  # integrity constraint violation
    "28": "server_unreachable",  # invalid authorization
    "57": "server_unreachable",  # operator intervention (server shut down)
    "53": "disk_full",  # insufficient resources
}
_DISK_FULL_ERRNOS = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}


def database_error_message(exc: BaseException, operation: str = "操作") -> str | None:
    """A Chinese sentence for a database or disk error during ``operation`` (如 "导入方案"),
    or None when ``exc`` is neither."""
    kind = database_error_kind(exc)
    return _MESSAGES[kind].format(op=operation) if kind else None


def database_error_kind(exc: BaseException) -> str | None:
    """What failed: "disk_full", "locked", "read_only", "io_error", "retry", "damaged",
    "conflict", … (the keys of ``_MESSAGES``), or None for an error that is neither a
    database's nor a disk's.  The one classification; callers word it for their case."""
    return _kind(exc)


def _kind(exc: BaseException) -> str | None:
    """The driver's error decides (inside SQLAlchemy's ``orig`` or a ``__cause__``);
    SQLAlchemy's own class only when no driver error is found."""
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and all(current is not seen for seen in chain):
        chain.append(current)
        orig = getattr(current, "orig", None)  # SQLAlchemy's DBAPIError wraps the driver's
        current = orig if isinstance(orig, BaseException) else current.__cause__
    for link in chain:
        found = _direct_kind(link)
        if found is not None:
            return found
    for link in chain:
        found = _sqlalchemy_kind(link)
        if found is not None:
            return found
    return None


def _direct_kind(exc: BaseException) -> str | None:
    if isinstance(exc, sqlite3.Error):
        code = getattr(exc, "sqlite_errorcode", None)
        if isinstance(code, int) and (code & 0xFF) in _SQLITE_CODES:
            return _SQLITE_CODES[code & 0xFF]
        text = str(exc).lower()
        for needle, kind in _SQLITE_TEXTS:
            if needle in text:
                return kind
        if isinstance(exc, sqlite3.IntegrityError):
            return "conflict"
        return "generic"
    state = getattr(exc, "sqlstate", None) or getattr(exc, "pgcode", None)
    if isinstance(state, str) and len(state) == 5:
        return _SQLSTATES.get(state) or _SQLSTATE_CLASSES.get(state[:2]) or "generic"
    if _is_driver_error(exc):
        if type(exc).__name__ == "OperationalError":
            return "server_unreachable"  # psycopg: connection refused, timeout, …
        return "generic"
    if isinstance(exc, OSError) and exc.errno in _DISK_FULL_ERRNOS:
        return "disk_full"
    return None


def _is_driver_error(exc: BaseException) -> bool:
    """A DB-API error of a server driver (psycopg, psycopg2, …), without importing it."""
    module = type(exc).__module__.split(".")[0]
    return module in {"psycopg", "psycopg2", "pg8000", "pymysql", "MySQLdb"}


def _sqlalchemy_kind(exc: BaseException) -> str | None:
    """A SQLAlchemy error without a driver's error inside (e.g. a pool timeout)."""
    sa_exc = sys.modules.get("sqlalchemy.exc")  # not loaded: cannot be one of its errors
    if sa_exc is None:
        return None
    if isinstance(exc, sa_exc.IntegrityError):
        return "conflict"
    if isinstance(exc, sa_exc.TimeoutError):
        return "locked"
    if isinstance(exc, (sa_exc.DBAPIError, sa_exc.OperationalError)):
        return "generic"
    return None
