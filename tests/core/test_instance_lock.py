"""One writer per ledger: the lock file and the read-only second window."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from foodsafety_desktop.core.errors import UserError
from foodsafety_desktop.core.storage import instance_lock
from foodsafety_desktop.core.storage.database import (
    head_revision,
    make_engine,
    open_database,
    open_database_readonly,
    schema_revision,
    upgrade_schema,
)
from foodsafety_desktop.core.storage.instance_lock import InstanceLock, boot_time, pid_alive
from foodsafety_desktop.core.storage.models import Department


@pytest.fixture
def db_path(tmp_path) -> Path:
    return tmp_path / "ledger.sqlite3"


def write_lock(db_path: Path, **fields) -> Path:
    data = {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "user": "张三",
        "started_at": "2026-11-22T18:30:00",
        "boot_time": boot_time(),
        "token": "other",
    }
    data.update(fields)
    path = db_path.with_name(db_path.name + ".lock")
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def dead_pid() -> int:
    """The id of a process that has ended."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    assert not pid_alive(child.pid)
    return child.pid


def test_second_lock_on_the_same_ledger_is_refused(db_path):
    first = InstanceLock(db_path)
    second = InstanceLock(db_path)
    assert first.acquire()
    assert first.acquire()  # again: still ours
    assert not second.acquire()
    owner = second.owner()
    assert owner.pid == os.getpid()
    assert owner.host == socket.gethostname()
    assert "本窗口只能查看" in owner.describe()
    assert first.path.name == "ledger.sqlite3.lock"

    first.release()
    assert not first.path.exists()
    assert second.acquire()
    second.release()


def test_context_manager_releases(db_path):
    with InstanceLock(db_path) as lock:
        assert lock.held and lock.path.exists()
    assert not lock.path.exists()


def test_lock_of_a_process_that_ended_is_taken_over(db_path):
    write_lock(db_path, pid=dead_pid())
    lock = InstanceLock(db_path)
    assert lock.acquire()
    assert lock.owner().pid == os.getpid()
    assert not list(db_path.parent.glob("*.stale"))
    lock.release()


def test_lock_of_a_running_process_is_respected(db_path):
    write_lock(db_path, pid=os.getppid())
    assert not InstanceLock(db_path).acquire()


def test_lock_from_before_a_restart_is_taken_over(db_path):
    if boot_time() is None:
        pytest.skip("boot time unknown on this platform")
    # The pid is alive now, but the lock was written before the last boot (power cut).
    write_lock(db_path, pid=os.getppid(), boot_time=boot_time() - 86400)
    assert InstanceLock(db_path).acquire()


def test_lock_of_another_computer_is_respected(db_path):
    write_lock(db_path, host="OTHER-PC", pid=dead_pid(), user="李四")
    lock = InstanceLock(db_path)
    assert not lock.acquire()
    assert "李四" in lock.owner().describe() and "OTHER-PC" in lock.owner().describe()


def test_unreadable_lock_is_respected_briefly_then_taken_over(db_path):
    path = db_path.with_name(db_path.name + ".lock")
    path.write_bytes(b"")  # another instance between creating and writing it
    assert not InstanceLock(db_path).acquire()
    old = time.time() - 60
    os.utime(path, (old, old))  # that instance died before writing
    assert InstanceLock(db_path).acquire()


def test_release_leaves_a_lock_that_is_not_ours(db_path):
    lock = InstanceLock(db_path)
    assert lock.acquire()
    write_lock(db_path, token="someone-else")  # an administrator replaced it
    lock.release()
    assert lock.path.exists()


def test_lock_held_by_another_process(db_path):
    code = (
        "import sys\n"
        "from foodsafety_desktop.core.storage.instance_lock import InstanceLock\n"
        f"lock = InstanceLock({str(db_path)!r})\n"
        "print('locked' if lock.acquire() else 'refused', flush=True)\n"
        "sys.stdin.readline()\n"
    )
    child = subprocess.Popen(
        [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout.readline().strip() == "locked"
        lock = InstanceLock(db_path)
        assert not lock.acquire()
        assert lock.owner().pid == child.pid
    finally:
        child.kill()  # no release: the lock file stays behind, as after a crash
        child.wait()
    assert lock.path.exists()
    assert lock.acquire()  # stale now
    lock.release()


def test_pid_alive():
    assert pid_alive(os.getpid())
    assert not pid_alive(0)
    assert not pid_alive(-5)


def test_boot_time_is_in_the_past():
    value = boot_time()
    assert value is None or value < time.time()


def test_windows_liveness_is_isolated(monkeypatch):
    calls = []
    monkeypatch.setattr(instance_lock.sys, "platform", "win32")
    monkeypatch.setattr(instance_lock, "_pid_alive_windows", lambda pid: calls.append(pid) or True)
    assert pid_alive(1234)
    assert calls == [1234]


# --- read-only second window --------------------------------------------------------------


def test_readonly_database_reads_but_never_writes(tmp_path):
    path = tmp_path / "食安 台账#1" / "ledger.sqlite3"  # spaces, '#', Chinese in the path
    path.parent.mkdir()
    writer = open_database(path)
    with writer.session() as s:
        s.add(Department(name="县卫健委"))
    reader = open_database_readonly(path)
    try:
        assert reader.read_only and not writer.read_only
        assert reader.sqlite_path == path.resolve()
        with reader.session() as s:
            assert s.scalars(select(Department.name)).all() == ["县卫健委"]
        with pytest.raises(OperationalError, match="readonly"), reader.session() as s:
            s.add(Department(name="县教育局"))
        # The writer keeps writing while the reader is open, and the reader sees it.
        with writer.session() as s:
            s.add(Department(name="县公安局"))
        with reader.session() as s:
            assert len(s.scalars(select(Department.name)).all()) == 2
    finally:
        reader.close()
        writer.close()


def test_readonly_does_not_migrate(tmp_path):
    path = tmp_path / "old.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    upgrade_schema(engine, "0001")
    engine.dispose()
    reader = open_database_readonly(path)
    try:
        assert schema_revision(reader.engine) == "0001" != head_revision()
    finally:
        reader.close()


def test_readonly_of_a_missing_file_gives_a_user_error(tmp_path):
    with pytest.raises(UserError, match="找不到数据库文件"):
        open_database_readonly(tmp_path / "none.sqlite3")
    assert not (tmp_path / "none.sqlite3").exists()


def test_owner_describe_in_chinese():
    owner = instance_lock.LockOwner(
        pid=1, host="PC-01", user="张三", started_at=datetime(2026, 11, 22, 8, 5)
    )
    assert owner.describe() == (
        "台账已由 张三（计算机 PC-01）于 11月22日 08:05 打开，本窗口只能查看，不能修改。"
    )
