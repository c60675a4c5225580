"""One writer per ledger (单实例): a lock file beside the database.

``ledger.sqlite3.lock`` is created with O_CREAT|O_EXCL (atomic on Windows, POSIX and
SMB shares) and holds who opened the ledger: pid, host, user, start time.  A lock left
by a process that no longer runs on this host, or by a boot before the last restart
(a power cut), is taken over.  A lock of another host cannot be checked and is
respected: the GUI then opens the ledger read-only with a banner naming the owner.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from foodsafety_desktop.core.storage.database import current_user

LOCK_SUFFIX = ".lock"
# A lock file that is empty or unreadable is another instance being written right
# now, unless it is older than this (then its writer died between create and write).
UNREADABLE_GRACE_SECONDS = 10.0
# Boot times computed from uptime jitter by a second or two.
BOOT_TOLERANCE_SECONDS = 120.0


@dataclass
class LockOwner:
    """Who holds the lock, as written in the lock file."""

    pid: int
    host: str
    user: str
    started_at: datetime
    boot_time: float | None = None
    token: str = ""

    def describe(self) -> str:
        """Chinese line for the read-only banner."""
        when = f"{self.started_at.month}月{self.started_at.day}日 {self.started_at:%H:%M}"
        return (
            f"台账已由 {self.user}（计算机 {self.host}）于 {when} 打开，本窗口只能查看，不能修改。"
        )


class InstanceLock:
    """The lock of one database file; ``acquire()`` → True when this process may write."""

    def __init__(self, db_path: str | os.PathLike[str]) -> None:
        db_path = Path(db_path)
        self.path = db_path.with_name(db_path.name + LOCK_SUFFIX)
        self._token = uuid.uuid4().hex
        self.held = False

    def acquire(self) -> bool:
        """Take the lock (True), or leave another live instance's lock alone (False)."""
        if self.held:
            return True
        for _attempt in range(3):
            if self._create():
                self.held = True
                return True
            owner, raw = self._read()
            if not self._is_stale(owner, raw):
                return False
            self._remove_stale(raw)
        return False

    def release(self) -> None:
        """Remove the lock file if it is still ours."""
        if not self.held:
            return
        self.held = False
        owner, _raw = self._read()
        if owner is not None and owner.token == self._token:
            with contextlib.suppress(OSError):
                self.path.unlink()

    def owner(self) -> LockOwner | None:
        """Who holds the lock now (None: nobody, or the file is unreadable)."""
        return self._read()[0]

    def __enter__(self) -> InstanceLock:
        self.acquire()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.release()

    # -- internals ---------------------------------------------------------------------

    def _create(self) -> bool:
        data = json.dumps(
            {
                "pid": os.getpid(),
                "host": socket.gethostname(),
                "user": current_user(),
                "started_at": datetime.now().isoformat(timespec="seconds"),
                "boot_time": boot_time(),
                "token": self._token,
            },
            ensure_ascii=False,
        ).encode("utf-8")
        try:
            fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            return False
        try:
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        return True

    def _read(self) -> tuple[LockOwner | None, bytes | None]:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return None, None
        except OSError:
            return None, b""
        try:
            data = json.loads(raw.decode("utf-8"))
            owner = LockOwner(
                pid=int(data["pid"]),
                host=str(data["host"]),
                user=str(data.get("user") or "未知用户"),
                started_at=datetime.fromisoformat(data["started_at"]),
                boot_time=data.get("boot_time"),
                token=str(data.get("token") or ""),
            )
        except (ValueError, KeyError, TypeError):
            return None, raw
        return owner, raw

    def _is_stale(self, owner: LockOwner | None, raw: bytes | None) -> bool:
        if raw is None:
            return True  # vanished meanwhile: just try again
        if owner is None:
            try:
                age = time.time() - self.path.stat().st_mtime
            except OSError:
                return True
            return age > UNREADABLE_GRACE_SECONDS
        if owner.host != socket.gethostname():
            return False
        current_boot = boot_time()
        if (
            owner.boot_time is not None
            and current_boot is not None
            and abs(float(owner.boot_time) - current_boot) > BOOT_TOLERANCE_SECONDS
        ):
            return True  # written before the last restart; the pid may be reused now
        if owner.pid == os.getpid():
            return False  # another window (InstanceLock) of this very process holds it
        return not pid_alive(owner.pid)

    def _remove_stale(self, raw: bytes | None) -> None:
        """Move the stale lock aside; put it back if it changed meanwhile (a live one)."""
        if raw is None:
            return
        aside = self.path.with_name(f"{self.path.name}.{self._token}.stale")
        try:
            os.replace(self.path, aside)
        except OSError:
            return
        try:
            moved = aside.read_bytes()
        except OSError:
            moved = None
        if moved != raw:
            # Another instance took the stale lock over between our read and the move:
            # give its live lock back (acquire() then sees it and returns False).
            if not self.path.exists():
                with contextlib.suppress(OSError):
                    os.replace(aside, self.path)
            return
        aside.unlink(missing_ok=True)


def pid_alive(pid: int) -> bool:
    """Whether a process with this id runs on this computer."""
    if pid <= 0:
        return False
    if sys.platform == "win32":
        return _pid_alive_windows(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by another user
    except OSError:
        return False
    return True


def _pid_alive_windows(pid: int) -> bool:
    if sys.platform != "win32":  # also tells mypy the ctypes calls below are Windows-only
        raise RuntimeError("_pid_alive_windows is only for Windows")
    import ctypes
    from ctypes import wintypes

    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
    kernel32.OpenProcess.restype = wintypes.HANDLE
    kernel32.OpenProcess.argtypes = (wintypes.DWORD, wintypes.BOOL, wintypes.DWORD)
    kernel32.GetExitCodeProcess.argtypes = (wintypes.HANDLE, ctypes.POINTER(wintypes.DWORD))
    kernel32.CloseHandle.argtypes = (wintypes.HANDLE,)
    process_query_limited_information = 0x1000
    still_active = 259
    error_access_denied = 5
    handle = kernel32.OpenProcess(process_query_limited_information, False, pid)
    if not handle:
        return ctypes.get_last_error() == error_access_denied
    try:
        code = wintypes.DWORD()
        if not kernel32.GetExitCodeProcess(handle, ctypes.byref(code)):
            return True
        return code.value == still_active
    finally:
        kernel32.CloseHandle(handle)


def boot_time() -> float | None:
    """When this computer was last started (epoch seconds), or None when unknown."""
    uptime: float  # declared here so that a type check for any platform sees it
    try:
        if sys.platform == "win32":
            import ctypes

            kernel32 = ctypes.WinDLL("kernel32")
            kernel32.GetTickCount64.restype = ctypes.c_ulonglong
            uptime = kernel32.GetTickCount64() / 1000.0
        elif sys.platform.startswith("linux"):
            with open("/proc/uptime", encoding="ascii") as stream:
                uptime = float(stream.read().split()[0])
        else:
            return None
    except (OSError, ValueError, AttributeError):
        return None
    return round(time.time() - uptime, 0)
