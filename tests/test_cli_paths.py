"""``--db`` takes any file path, and a database the program cannot use gets a Chinese
message: paths with spaces, Chinese, ``%``, ``%41``, ``?`` and ``#``; a ledger written by
a newer version; database errors (a full disk) named by the operation, English only in
the log."""

from __future__ import annotations

import os
import sqlite3
import sys
import types
from pathlib import Path

import pytest

from foodsafety_desktop.app import main
from foodsafety_desktop.cli.common import log_file
from foodsafety_desktop.core.storage import database
from foodsafety_desktop.core.storage.backup import list_backups
from foodsafety_desktop.core.storage.database import (
    database_url,
    open_database,
    sqlite_file,
)
from foodsafety_desktop.core.storage.errors import database_error_message

NAMES = {
    "space": "台 账 2024.sqlite3",
    "chinese": "食品安全台账.sqlite3",
    "percent": "100%.sqlite3",
    "percent-hex": "a%41b.sqlite3",  # "%41" is "A" once unquoted: must stay "%41"
    "question": "what?mode=ro.sqlite3",
    "hash": "no#1.sqlite3",
    "all": "x %41 ? # %2F 台账.sqlite3",
}


TASKS = {"count": 1}  # the full-disk test imports more than fits in the file's pages


@pytest.fixture
def stub_reader(monkeypatch):
    """``plan import`` of a plan of ``TASKS["count"]`` tasks, without the real reader."""
    from foodsafety_desktop.core.plans.model import Heading, ParsedItem, ParsedPlan, ParsedTask

    def read_plan(path):
        tasks = [
            ParsedTask(
                label=f"{n}.",
                path=[Heading("一、", "主要任务", 1)],
                title=f"开展专项整治{n}",
                text=f"开展专项整治{n}。" * 20,
                items=[ParsedItem(f"开展专项整治{n}。", lead=["县市场监管局"], others=[])],
            )
            for n in range(1, TASKS["count"] + 1)
        ]
        return ParsedPlan(title="路径测试方案", doc_number="测〔2024〕1号", tasks=tasks)

    reader = types.ModuleType("foodsafety_desktop.core.plans.reader")
    reader.read_plan = read_plan  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "foodsafety_desktop.core.plans.reader", reader)


def _source(tmp_path: Path) -> Path:
    source = tmp_path / "方案.txt"
    source.write_text("路径测试方案", encoding="utf-8")
    return source


@pytest.mark.parametrize("name", list(NAMES.values()), ids=list(NAMES))
def test_the_url_gives_the_same_path_back(tmp_path, name):
    for path in (tmp_path / name, tmp_path / f"目录 %41?#{name[:2]}" / name):
        assert sqlite_file(database_url(path)) == path.resolve()
        assert sqlite_file(database_url(str(path))) == path.resolve()


@pytest.mark.parametrize("name", list(NAMES.values()), ids=list(NAMES))
def test_any_path_is_the_database_file(tmp_path, name, stub_reader, capsys):
    folder = tmp_path / f"目录 %41 ?#{len(name)}"
    folder.mkdir()
    path = folder / name
    assert main(["--db", str(path), "plan", "import", str(_source(tmp_path))]) == 0
    plan_id = int(capsys.readouterr().out.strip())

    # The file on disk is exactly the path given; beside it only its journal, the
    # archive of its originals and its backups (the one taken before the import).
    assert path.is_file()
    beside = {name, f"{name}-wal", f"{name}-shm", "archive", "backups"}
    assert {p.name for p in folder.iterdir()} <= beside
    assert len(list((folder / "archive" / "plans").iterdir())) == 1
    assert [b.stem for b in list_backups(folder / "backups")] == [path.stem]
    with sqlite3.connect(path) as raw:
        assert raw.execute("SELECT title FROM plan").fetchall() == [("路径测试方案",)]

    # Reopened by path: the same ledger.
    assert main(["plan", "list", "--db", str(path)]) == 0
    assert f"{plan_id}\t路径测试方案\t" in capsys.readouterr().out
    db = open_database(path)
    try:
        assert db.sqlite_path == path.resolve() and db.location == str(path.resolve())
    finally:
        db.close()


def _stamp(path: Path, revision: str) -> None:
    with sqlite3.connect(path) as raw:
        raw.execute("UPDATE alembic_version SET version_num = ?", (revision,))


def test_a_newer_database_asks_for_an_upgrade_and_makes_no_backup(tmp_path, capsys):
    path = tmp_path / "新版本 %41.sqlite3"
    open_database(path).close()
    _stamp(path, "9999_from_the_future")
    backups = Path(os.environ["FOODSAFETY_DATA_DIR"]) / "backups"
    before = sorted(backups.rglob("*")) if backups.exists() else []
    for _ in range(2):
        assert main(["--db", str(path), "plan", "list"]) == 1
        err = capsys.readouterr().err
        assert "该数据库由更新版本的食安台账创建（版本 9999_from_the_future）" in err
        assert "请升级软件后再打开" in err and path.name in err
        assert "意外错误" not in err and "Can't locate" not in err
    assert (sorted(backups.rglob("*")) if backups.exists() else []) == before
    with sqlite3.connect(path) as raw:  # untouched
        assert raw.execute("SELECT version_num FROM alembic_version").fetchall() == [
            ("9999_from_the_future",)
        ]


def test_a_full_disk_is_a_chinese_message_and_the_detail_is_logged(
    tmp_path, stub_reader, monkeypatch, capsys
):
    """SQLite's own "disk full" (max_page_count reached) while ``plan import`` writes."""
    path = tmp_path / "满.sqlite3"
    open_database(path).close()
    raw = sqlite3.connect(path)
    raw.execute("VACUUM")  # no free pages left: the next new page exceeds the limit
    pages = raw.execute("PRAGMA page_count").fetchone()[0]
    raw.close()
    pragmas = database._set_sqlite_pragmas

    def full_disk(dbapi_connection, record):
        pragmas(dbapi_connection, record)
        dbapi_connection.execute(f"PRAGMA max_page_count={pages}")

    monkeypatch.setattr(database, "_set_sqlite_pragmas", full_disk)
    monkeypatch.setitem(TASKS, "count", 300)
    assert not log_file().exists()  # created only when there is something to log
    assert main(["--db", str(path), "plan", "import", str(_source(tmp_path))]) == 1
    err = capsys.readouterr().err
    assert "磁盘空间已满" in err and "导入方案未完成" in err, err
    assert "disk is full" not in err and "sqlalche.me" not in err and "意外错误" not in err
    assert str(log_file()) in err
    logged = log_file().read_text(encoding="utf-8")
    assert "导入方案 failed" in logged and "database or disk is full" in logged


class _FakePgError(Exception):
    """A driver error as psycopg raises it: a SQLSTATE, from a psycopg module."""

    def __init__(self, message: str, sqlstate: str) -> None:
        super().__init__(message)
        self.sqlstate = sqlstate


_FakePgError.__module__ = "psycopg.errors"


class _FakePgOperational(Exception):
    pass


_FakePgOperational.__name__ = "OperationalError"
_FakePgOperational.__module__ = "psycopg"


def test_database_error_messages():
    from sqlalchemy.exc import IntegrityError, OperationalError

    def wrapped(orig: BaseException) -> BaseException:
        return OperationalError("INSERT …", {}, orig)

    full = sqlite3.OperationalError("database or disk is full")
    assert database_error_message(full, "导入方案").startswith("磁盘空间已满，导入方案未完成")
    assert "磁盘空间已满" in database_error_message(wrapped(full), "导入报送表")
    assert "占用" in database_error_message(wrapped(sqlite3.OperationalError("database is locked")))
    assert "不能写入" in database_error_message(
        sqlite3.OperationalError("attempt to write a readonly database")
    )
    assert "已损坏" in database_error_message(sqlite3.DatabaseError("file is not a database"))
    assert "冲突" in database_error_message(
        IntegrityError("INSERT …", {}, sqlite3.IntegrityError("UNIQUE constraint failed: x"))
    )
    assert "磁盘空间已满" in database_error_message(_FakePgError("could not extend file", "53100"))
    assert "冲突" in database_error_message(_FakePgError("duplicate key", "23505"))
    assert "重试" in database_error_message(_FakePgError("deadlock detected", "40P01"))
    assert "无法连接" in database_error_message(_FakePgOperational("connection refused"))
    assert "磁盘空间已满" in database_error_message(OSError(28, "No space left on device"))
    for other in (ValueError("x"), KeyError("y"), OSError(2, "No such file")):
        assert database_error_message(other) is None
    for message in (database_error_message(wrapped(full)), database_error_message(full)):
        assert message is not None and not any("a" <= c.lower() <= "z" for c in message)


def test_the_log_hides_a_server_password(monkeypatch):
    from foodsafety_desktop.cli.common import log_unexpected

    url = "postgresql+psycopg://clerk:s3cr@t@server/ledger"
    monkeypatch.setattr(sys, "argv", ["foodsafety-desktop", "--db", url, "plan", "list"])
    try:
        raise _FakePgOperational("connection refused")
    except _FakePgOperational as exc:
        path = log_unexpected(exc, "列出方案")
    assert path == log_file()
    logged = path.read_text(encoding="utf-8")
    assert "postgresql+psycopg://clerk:***@server/ledger" in logged and "s3cr" not in logged
    assert "connection refused" in logged  # the English detail, with its traceback
