"""Writing files so that a crash or a file open in another program never leaves half a file."""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from foodsafety_desktop.core.errors import UserError


def file_sha256(path: Path) -> str:
    """The file's SHA-256 (hex), read in 1 MiB pieces: the identity of an imported file."""
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def write_atomically(
    path: Path, write: Callable[[Path], None], *, program: str = "Excel/WPS"
) -> None:
    """Call ``write(tmp)`` on a temporary file in the same folder, then move it over ``path``.

    ``program`` names what may hold the file open ("Excel/WPS", "Word/WPS") in the message.
    """
    hint = f"请先在 {program} 中关闭该文件，或换一个保存位置后重试。"
    locked = f"无法写入文件“{path.name}”：文件可能正在被其他程序使用，或没有写入权限。{hint}"
    try:
        handle, tmp_name = tempfile.mkstemp(prefix=f"~{path.stem}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise UserError(locked) from exc
    os.close(handle)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        # mkstemp makes the file private (0600); a document the clerk writes is an
        # ordinary file, readable as the user's other documents are (0644).
        _ordinary_mode(tmp)
        os.replace(tmp, path)
    except PermissionError as exc:
        raise UserError(locked) from exc
    except OSError as exc:
        raise UserError(f"无法写入文件“{path.name}”（{exc.strerror or exc}）。{hint}") from exc
    finally:
        if tmp.exists():
            with contextlib.suppress(OSError):
                tmp.unlink()


def _ordinary_mode(path: Path) -> None:
    if os.name == "nt":
        return  # Windows has no mode bits: the folder's permissions apply
    with contextlib.suppress(OSError):
        os.chmod(path, 0o644)
