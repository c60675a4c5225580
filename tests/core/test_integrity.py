"""Checking the database file and refusing damaged ones (core.storage.integrity)."""

from __future__ import annotations

import random
import sqlite3
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from foodsafety_desktop.core.errors import UserError
from foodsafety_desktop.core.storage.backup import backup_now, newest_good_backup
from foodsafety_desktop.core.storage.database import head_revision, open_database
from foodsafety_desktop.core.storage.integrity import (
    DamagedDatabaseError,
    check_file,
    full_check,
    open_checked,
    quick_check,
)
from foodsafety_desktop.core.storage.models import Department

NOW = datetime(2026, 11, 22, 18, 30)
PAGE = 4096


@pytest.fixture
def ledger_path(private_data_dir) -> Path:
    """A closed ledger of ~250 pages (2000 departments) in the data folder."""
    private_data_dir.mkdir(parents=True, exist_ok=True)
    path = private_data_dir / "ledger.sqlite3"
    db = open_database(path)
    with db.session() as s:
        s.add_all(Department(name=f"县第{i}局", note="备注" * 60) for i in range(2000))
    db.close()  # the last connection checkpoints the WAL into the file
    assert not path.with_name(path.name + "-wal").exists()
    assert path.stat().st_size > 100 * PAGE
    return path


def make_backup(path: Path, when: datetime = NOW) -> Path:
    db = open_database(path)
    try:
        return backup_now(db, reason="daily", now=when)
    finally:
        db.close()


def overwrite_middle(path: Path) -> None:
    """Random bytes over one whole page in the middle of the file (a bad sector)."""
    data = bytearray(path.read_bytes())
    start = (len(data) // PAGE // 2) * PAGE
    data[start : start + PAGE] = random.Random(5).randbytes(PAGE)
    path.write_bytes(bytes(data))


def truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])


def random_bytes(path: Path) -> None:
    path.write_bytes(random.Random(7).randbytes(64 * 1024))


DAMAGE = [overwrite_middle, truncate, random_bytes]


# --- checks of an open database -----------------------------------------------------------


def test_quick_and_full_check_of_a_sound_ledger(ledger_path):
    db = open_database(ledger_path)
    try:
        assert quick_check(db) == []
        report = full_check(db)
        assert report.ok
        assert report.revision == report.head == head_revision()
        assert report.messages() == ["数据库检查通过：文件完好，数据引用一致，版本为最新。"]
    finally:
        db.close()


def test_full_check_finds_broken_references(ledger_path):
    connection = sqlite3.connect(ledger_path)  # foreign keys off: the damage an old bug does
    connection.execute(
        "INSERT INTO department_alias (department_id, alias) VALUES (999999, '不存在的单位')"
    )
    connection.commit()
    connection.close()
    db = open_database(ledger_path)
    try:
        report = full_check(db)
    finally:
        db.close()
    assert not report.ok
    assert report.integrity == []
    assert report.foreign_keys == ["表 department_alias 第 1 行引用的 department 记录不存在"]
    assert "有数据引用了不存在的记录：" in report.messages()


def test_full_check_reports_an_old_schema(ledger_path):
    db = open_database(ledger_path)
    try:
        with db.engine.begin() as connection:
            connection.exec_driver_sql("UPDATE alembic_version SET version_num = '0001'")
        report = full_check(db)
    finally:
        db.close()
    assert report.revision == "0001"
    assert not report.ok
    assert any("本软件需要" in line for line in report.messages())


@pytest.mark.parametrize("damage", DAMAGE, ids=lambda f: f.__name__)
def test_check_file_finds_the_damage(ledger_path, damage):
    assert check_file(ledger_path) == []
    damage(ledger_path)
    assert check_file(ledger_path) != []


def test_check_file_does_not_create_a_missing_file(tmp_path):
    with pytest.raises(UserError, match="找不到数据库文件"):
        check_file(tmp_path / "none.sqlite3")
    assert not (tmp_path / "none.sqlite3").exists()


# --- open_checked -------------------------------------------------------------------------


def test_open_checked_opens_a_sound_ledger(ledger_path):
    db = open_checked(ledger_path)
    try:
        with db.session() as s:
            assert len(s.scalars(select(Department.id)).all()) == 2000
    finally:
        db.close()


def test_open_checked_creates_a_new_ledger(tmp_path):
    db = open_checked(tmp_path / "new.sqlite3")
    try:
        assert quick_check(db) == []
    finally:
        db.close()


@pytest.mark.parametrize("damage", DAMAGE, ids=lambda f: f.__name__)
def test_damaged_ledger_names_the_newest_good_backup(ledger_path, damage):
    older = make_backup(ledger_path, datetime(2026, 11, 21, 9, 0))
    newest = make_backup(ledger_path, NOW)
    damage(ledger_path)

    with pytest.raises(DamagedDatabaseError) as caught:
        open_checked(ledger_path)

    error = caught.value
    assert isinstance(error, UserError)
    assert error.backup_path == newest != older
    assert error.problems
    message = str(error)
    assert "数据库文件已损坏" in message
    assert "可以打开最近的备份（2026年11月22日 18:30）" in message
    assert "Traceback" not in message
    assert "malformed" not in message and "not a database" not in message  # Chinese only
    # The damaged file is left exactly as it was for the restore to keep.
    assert ledger_path.exists()


def test_damaged_ledger_without_backups(ledger_path):
    random_bytes(ledger_path)
    with pytest.raises(DamagedDatabaseError, match="没有找到可用的备份") as caught:
        open_checked(ledger_path)
    assert caught.value.backup_path is None


def test_a_damaged_newer_backup_is_skipped(ledger_path):
    good = make_backup(ledger_path, datetime(2026, 11, 20, 18, 0))
    bad = make_backup(ledger_path, NOW)
    overwrite_middle(bad)
    assert newest_good_backup(ledger_path).path == good
    random_bytes(ledger_path)
    with pytest.raises(DamagedDatabaseError, match="2026年11月20日 18:00"):
        open_checked(ledger_path)


def test_an_emptied_ledger_with_backups_is_damaged_not_new(ledger_path):
    backup = make_backup(ledger_path)
    ledger_path.write_bytes(b"")  # a power cut truncated the file
    with pytest.raises(DamagedDatabaseError) as caught:
        open_checked(ledger_path)
    assert caught.value.backup_path == backup
    assert ledger_path.stat().st_size == 0  # not turned into a new, empty ledger
