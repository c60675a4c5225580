"""Backups: taken, described, rotated and restored (core.storage.backup)."""

from __future__ import annotations

import json
import os
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from plan_fixtures import GBK_PLAN_TEXT
from sqlalchemy import create_mock_engine, select, text

from foodsafety_desktop.core.errors import UserError
from foodsafety_desktop.core.paths import archive_dir_for, backups_dir_for, default_database_path
from foodsafety_desktop.core.services import audit
from foodsafety_desktop.core.services.plan_import import import_plan_file
from foodsafety_desktop.core.storage import backup
from foodsafety_desktop.core.storage.backup import (
    backup_if_due,
    backup_now,
    before_change,
    describe_backup,
    export_backup,
    list_backups,
    restore_backup,
    rotate_backups,
)
from foodsafety_desktop.core.storage.database import (
    Database,
    head_revision,
    open_database,
    schema_revision,
)
from foodsafety_desktop.core.storage.models import AuditEntry, Department, Plan

from .ledger_fixtures import build_sample

NOW = datetime(2026, 11, 22, 18, 30, 0)

PLAN_TEXT = GBK_PLAN_TEXT


def archive_dir():
    """The default ledger's archive (beside it, in the data folder)."""
    return archive_dir_for(default_database_path())


def backups_dir():
    return backups_dir_for(default_database_path())


def write_plan(folder: Path, name: str = "重点工作.txt", text: str = PLAN_TEXT) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def ledger(private_data_dir, tmp_path):
    """The default ledger in the data folder: a sample ledger plus one imported plan."""
    private_data_dir.mkdir(parents=True, exist_ok=True)
    db = open_database(private_data_dir / "ledger.sqlite3")
    build_sample(db)
    import_plan_file(db, write_plan(tmp_path / "in"), user="张三", backup=False)
    yield db
    db.close()


def plan_titles(path: Path) -> list[str]:
    """Read a database file directly, the way a user would check a backup."""
    connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return [r[0] for r in connection.execute("SELECT title FROM plan ORDER BY id")]
    finally:
        connection.close()


def titles(db: Database) -> list[str]:
    with db.session() as s:
        return list(s.scalars(select(Plan.title).order_by(Plan.id)))


# --- backup_now ---------------------------------------------------------------------------


def test_backup_holds_every_plan_and_a_manifest(ledger):
    path = backup_now(ledger, reason="manual", now=NOW)

    assert path.parent == backups_dir()
    assert path.name == "ledger-20261122-183000-manual.sqlite3"
    assert plan_titles(path) == titles(ledger)
    assert len(plan_titles(path)) == 3

    manifest = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    assert manifest["reason"] == "manual"
    assert manifest["created_at"] == "2026-11-22T18:30:00"
    assert manifest["schema_revision"] == head_revision()
    assert manifest["counts"]["plans"] == 3
    assert manifest["counts"]["submissions"] == 0
    assert manifest["app_version"]


def test_backup_is_one_self_contained_file(ledger):
    path = backup_now(ledger, reason="manual", now=NOW)
    assert not path.with_name(path.name + "-wal").exists()
    connection = sqlite3.connect(path)
    try:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    finally:
        connection.close()
    assert not list(path.parent.glob("*.part"))


def test_backup_while_a_transaction_is_open_holds_only_committed_data(ledger):
    with ledger.session() as s:
        s.add(Department(name="县未提交局"))
        s.flush()
        path = backup_now(ledger, reason="manual", now=NOW)
    connection = sqlite3.connect(path)
    try:
        names = [r[0] for r in connection.execute("SELECT name FROM department")]
    finally:
        connection.close()
    assert "县未提交局" not in names
    assert "县市场监管局" in names


def test_backup_mirrors_the_archive_once(ledger, monkeypatch):
    originals = sorted(p.relative_to(archive_dir()) for p in archive_dir().rglob("*.txt"))
    assert len(originals) == 1
    first = backup_now(ledger, reason="manual", now=NOW)
    mirrored = sorted(p.relative_to(first.parent / "archive") for p in first.parent.rglob("*.txt"))
    assert mirrored == originals

    copies = []
    real_copy = backup.shutil.copyfile
    monkeypatch.setattr(backup.shutil, "copyfile", lambda a, b: copies.append(a) or real_copy(a, b))
    backup_now(ledger, reason="manual", now=NOW + timedelta(minutes=1))
    assert copies == []  # the original is already in the backup folder's archive


def test_two_backups_in_one_second_keep_both(ledger):
    first = backup_now(ledger, reason="import", now=NOW)
    second = backup_now(ledger, reason="import", now=NOW)
    assert first != second
    assert second.name == "ledger-20261122-183000-import_2.sqlite3"
    assert [b.path for b in list_backups(backups_dir())] == [second, first]


def test_server_database_is_refused_without_touching_files(private_data_dir):
    url = "postgresql+psycopg://clerk:secret@server/ledger"
    server = Database(url, create_mock_engine(url, lambda *a, **k: None))
    with pytest.raises(UserError, match="服务器数据库请由管理员使用数据库自带的备份工具备份"):
        backup_now(server, reason="manual", now=NOW)
    assert before_change(server, "import") is None
    assert backup_if_due(server, now=NOW) is None
    assert not backups_dir().exists()


def test_export_backup_to_a_usb_folder(ledger, tmp_path):
    usb = tmp_path / "U盘" / "备份"
    path = export_backup(ledger, usb, now=NOW)
    assert path.parent == usb
    assert plan_titles(path) == titles(ledger)
    assert list((usb / "archive").rglob("*.txt"))
    info = describe_backup(path)
    assert info.reason == "export"
    assert info.counts["plans"] == 3


def test_export_into_a_file_gives_a_user_error(ledger, tmp_path):
    not_a_folder = tmp_path / "file.txt"
    not_a_folder.write_text("x")
    with pytest.raises(UserError, match="备份"):
        export_backup(ledger, not_a_folder, now=NOW)


def test_backup_if_due_once_a_day(ledger):
    first = backup_if_due(ledger, now=NOW)
    assert first is not None and first.name.endswith("-daily.sqlite3")
    assert backup_if_due(ledger, now=NOW + timedelta(hours=5)) is None
    # Next morning, although less than 24 hours later.
    second = backup_if_due(ledger, now=datetime(2026, 11, 23, 8, 0))
    assert second is not None and second != first
    assert plan_titles(second) == titles(ledger)


def test_backups_of_another_database_do_not_count(ledger, tmp_path):
    other = open_database(tmp_path / "demo.sqlite3")
    try:
        backup_now(other, reason="daily", now=NOW)
    finally:
        other.close()
    assert backup_if_due(ledger, now=NOW) is not None


def test_plan_import_backs_up_first(ledger, tmp_path):
    before = titles(ledger)
    # The same plan in another file: imported as a second plan, as the clerk may choose.
    import_plan_file(
        ledger,
        write_plan(tmp_path / "in2", "二.txt", PLAN_TEXT + "\n补充"),
        user="李四",
        as_new=True,
    )
    made = list_backups(backups_dir())
    assert [b.reason for b in made] == ["import"]
    assert plan_titles(made[0].path) == before  # the state before the import
    assert len(titles(ledger)) == len(before) + 1


# --- describe_backup ---------------------------------------------------------------------


def test_describe_backup_lists_plans_and_counts(ledger):
    path = backup_now(ledger, reason="daily", now=NOW)
    info = describe_backup(path)
    assert info.created_at == NOW
    assert info.reason_text == "每日自动备份"
    assert info.schema_revision == head_revision()
    assert [t for _i, t in info.plans] == titles(ledger)
    assert info.counts["tasks"] > 0
    assert "2026年11月22日 18:30" in info.summary()
    assert "某县2024年食品安全工作要点" in info.summary()


def test_describe_backup_does_not_change_the_file(ledger):
    path = backup_now(ledger, reason="daily", now=NOW)
    path.with_suffix(".json").unlink()  # falls back to the file name
    before = path.read_bytes()
    info = describe_backup(path)
    assert info.created_at == NOW and info.reason == "daily"
    assert path.read_bytes() == before
    assert not path.with_name(path.name + "-wal").exists()


@pytest.mark.parametrize("content", [b"", b"\x00garbage" * 500])
def test_describe_a_broken_file_gives_a_user_error(tmp_path, content):
    path = tmp_path / "ledger-20261122-183000-daily.sqlite3"
    path.write_bytes(content)
    with pytest.raises(UserError):
        describe_backup(path)


def test_describe_another_sqlite_file_gives_a_user_error(tmp_path):
    path = tmp_path / "other.sqlite3"
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE t (x)")
    connection.commit()
    connection.close()
    with pytest.raises(UserError, match="不是本软件的备份"):
        describe_backup(path)


# --- rotation ----------------------------------------------------------------------------


def fake_backup(folder: Path, when: datetime, reason: str = "daily", stem: str = "ledger") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{stem}-{when:%Y%m%d-%H%M%S}-{reason}.sqlite3"
    path.write_bytes(b"x")
    path.with_suffix(".json").write_text("{}")
    return path


def test_rotation_of_a_90_day_history(tmp_path):
    folder = tmp_path / "backups"
    now = datetime(2026, 11, 22, 20, 0)  # a Sunday
    for day in range(90):  # one daily backup at 18:00, 2026-08-25 … 2026-11-22
        fake_backup(folder, datetime(2026, 11, 22, 18, 0) - timedelta(days=day))
    fake_backup(folder, datetime(2026, 11, 22, 9, 0), "import")  # earlier the same day
    fake_backup(folder, datetime(2026, 11, 12, 9, 0), "migration")  # 10 days ago: protected
    fake_backup(folder, datetime(2026, 11, 2, 9, 0), "before-restore")  # 20 days: protected
    fake_backup(folder, datetime(2026, 10, 13, 9, 0), "migration")  # 40 days: not protected
    fake_backup(folder, datetime(2026, 9, 1, 9, 0), "daily", stem="demo")  # other database
    (folder / "notes.txt").write_text("not a backup")

    deleted = rotate_backups(folder, now=now)

    kept = sorted(p.name for p in folder.glob("ledger-*.sqlite3"))
    expected = sorted(
        [
            f"ledger-2026{md}-180000-daily.sqlite3"
            for md in [
                "1116",
                "1117",
                "1118",
                "1119",
                "1120",
                "1121",
                "1122",  # 7 days
                "1115",
                "1108",
                "1101",  # newest of the 3 weeks before (Sundays)
                "1031",
                "0930",
                "0831",  # newest of each earlier month
            ]
        ]
        + [
            "ledger-20261112-090000-migration.sqlite3",
            "ledger-20261102-090000-before-restore.sqlite3",
            "ledger-20261122-090000-import.sqlite3",  # one of the 3 newest
        ]
    )
    assert kept == expected
    assert len(deleted) == 90 + 4 - 16
    assert all(not p.exists() and not p.with_suffix(".json").exists() for p in deleted)
    assert (folder / "demo-20260901-090000-daily.sqlite3").exists()
    assert (folder / "notes.txt").exists()

    # Idempotent: a second rotation at the same time deletes nothing.
    assert rotate_backups(folder, now=now) == []


def test_rotation_never_deletes_the_newest_or_future_backups(tmp_path):
    folder = tmp_path / "backups"
    newest = fake_backup(folder, datetime(2020, 1, 1))
    future = fake_backup(folder, datetime(2030, 1, 1))
    rotate_backups(folder, now=datetime(2026, 11, 22), keep_daily=0, keep_weekly=0, keep_monthly=0)
    assert newest.exists() and future.exists()


def test_rotation_keeps_the_last_backups_of_a_busy_day(tmp_path):
    folder = tmp_path / "backups"
    made = [fake_backup(folder, NOW.replace(hour=h), "import") for h in range(8, 14)]
    rotate_backups(folder, now=NOW)
    assert sorted(p for p in folder.glob("*.sqlite3")) == made[-3:]


def test_backup_now_rotates_the_backup_folder(ledger):
    old = [fake_backup(backups_dir(), datetime(2023, m, 1)) for m in range(1, 13)]
    backup_now(ledger, reason="daily", now=NOW)
    # Twelve months with backups are kept: 2026-11 and 2023-02 … 2023-12.
    assert [p.exists() for p in old] == [False] + [True] * 11
    assert list(backup.rotate_backups(backups_dir(), now=NOW)) == []


# --- restore ------------------------------------------------------------------------------


def test_restore_brings_back_deleted_data(ledger, private_data_dir):
    saved = backup_now(ledger, reason="manual", now=NOW)
    expected = titles(ledger)
    with ledger.session() as s:
        s.delete(s.scalars(select(Plan).order_by(Plan.id)).first())
    assert len(titles(ledger)) == len(expected) - 1
    db_path = ledger.sqlite_path
    ledger.close()

    safety = restore_backup(db_path, saved, now=NOW + timedelta(hours=1))

    assert safety is not None and safety.name.endswith("-before-restore.sqlite3")
    assert len(plan_titles(safety)) == len(expected) - 1  # the state before the restore
    again = open_database(db_path)
    try:
        assert titles(again) == expected
        with again.session() as s:
            entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "db.restore")).one()
            assert "2026年11月22日 18:30" in entry.summary
            assert audit.detail_of(entry)["backup"] == saved.name
            assert entry.at == datetime(2026, 11, 22, 19, 30) - _utc_offset(NOW)
    finally:
        again.close()


def _utc_offset(moment: datetime) -> timedelta:
    return moment.astimezone().utcoffset() or timedelta(0)


def test_restore_removes_the_old_wal_and_restores_the_archive(ledger):
    saved = backup_now(ledger, reason="manual", now=NOW)
    original = next(archive_dir().rglob("*.txt"))
    content = original.read_bytes()
    original.unlink()
    db_path = ledger.sqlite_path
    ledger.close()
    wal = db_path.with_name(db_path.name + "-wal")
    wal.write_bytes(b"stale wal of the replaced database")

    restore_backup(db_path, saved, now=NOW)

    assert not wal.exists()
    assert original.read_bytes() == content
    again = open_database(db_path)
    try:
        assert len(titles(again)) == 3
    finally:
        again.close()


def test_restore_over_a_damaged_database_keeps_the_damaged_file(ledger):
    saved = backup_now(ledger, reason="manual", now=NOW)
    db_path = ledger.sqlite_path
    ledger.close()
    for suffix in ("-wal", "-shm"):
        db_path.with_name(db_path.name + suffix).unlink(missing_ok=True)
    db_path.write_bytes(os.urandom(8192))

    kept = restore_backup(db_path, saved, now=NOW)

    assert kept is not None and kept.parent.name == "damaged"
    assert kept.stat().st_size == 8192
    assert plan_titles(db_path) == plan_titles(saved)


def test_a_damaged_backup_is_not_restored(ledger, tmp_path):
    saved = backup_now(ledger, reason="manual", now=NOW)
    broken = tmp_path / saved.name
    data = bytearray(saved.read_bytes())
    data[100:] = os.urandom(len(data) - 100)
    broken.write_bytes(bytes(data))
    expected = titles(ledger)
    db_path = ledger.sqlite_path
    ledger.close()

    with pytest.raises(UserError):
        restore_backup(db_path, broken, now=NOW)

    assert plan_titles(db_path) == expected
    assert [b.reason for b in list_backups(backups_dir())] == ["manual"]  # no safety backup either


def test_a_backup_of_a_newer_program_is_not_restored(ledger, tmp_path):
    saved = backup_now(ledger, reason="manual", now=NOW)
    connection = sqlite3.connect(saved)
    connection.execute("UPDATE alembic_version SET version_num = '9999_future'")
    connection.commit()
    connection.close()
    db_path = ledger.sqlite_path
    ledger.close()
    with pytest.raises(UserError, match="更新版本"):
        restore_backup(db_path, saved, now=NOW)


def test_restored_database_opens_in_wal_mode_at_head(ledger):
    saved = backup_now(ledger, reason="manual", now=NOW)
    db_path = ledger.sqlite_path
    ledger.close()
    restore_backup(db_path, saved, now=NOW)
    again = open_database(db_path)
    try:
        assert schema_revision(again.engine) == head_revision()
        with again.engine.connect() as connection:
            assert connection.execute(text("PRAGMA journal_mode")).scalar().lower() == "wal"
    finally:
        again.close()


def test_backups_in_the_same_second_never_collide(tmp_path):
    """Two clerks' programs backing up one database at the same moment: two backups,
    neither removes the other's work, no partial file left."""
    import threading
    from datetime import datetime

    path = tmp_path / "ledger.sqlite3"
    db = open_database(path)
    folder = tmp_path / "backups"
    moment = datetime(2026, 12, 1, 9, 30, 0)
    made: list[Path] = []
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def one() -> None:
        start.wait()
        try:
            made.append(backup.backup_now(db, reason="submissions", dest_dir=folder, now=moment))
        except BaseException as exc:  # recorded, asserted below
            errors.append(exc)

    threads = [threading.Thread(target=one) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    db.close()
    assert not errors
    assert len(set(made)) == 4
    assert sorted(p.name for p in made)[0] == "ledger-20261201-093000-submissions.sqlite3"
    for made_path in made:  # each one a complete, checked database
        con = sqlite3.connect(made_path)
        assert con.execute("PRAGMA quick_check").fetchone()[0] == "ok"
        con.close()
    assert not [p for p in folder.iterdir() if p.name.endswith((".part", "-journal"))]


def test_a_backup_that_cannot_be_written_says_why_and_leaves_nothing(tmp_path, monkeypatch):
    path = tmp_path / "ledger.sqlite3"
    db = open_database(path)
    folder = tmp_path / "backups"

    def full(*_args, **_kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(backup, "_fsync", full)
    with pytest.raises(UserError) as caught:
        backup.backup_now(db, reason="manual", dest_dir=folder)
    db.close()
    assert "磁盘已满" in str(caught.value) and "损坏" not in str(caught.value)
    assert list(folder.iterdir()) == []


def test_the_backup_named_before_a_plan_update_or_delete_survives_a_busy_day(tmp_path):
    """The clerk was told "更新前已备份：…plan-update.sqlite3": ten more operations the
    same day must not rotate it away (it is the way back from a wrong update)."""
    folder = tmp_path / "backups"
    named = [
        fake_backup(folder, datetime(2026, 12, 1, 9, 0), "plan-update"),
        fake_backup(folder, datetime(2026, 12, 1, 9, 5), "plan-delete"),
        fake_backup(folder, datetime(2026, 12, 1, 9, 10), "period-delete"),
    ]
    for minute in range(10):
        fake_backup(folder, datetime(2026, 12, 1, 10, minute), "submissions")
    deleted = backup.rotate_backups(folder, now=datetime(2026, 12, 1, 11, 0))
    assert deleted and all(p.is_file() for p in named)
    assert not any(p in deleted for p in named)
