"""Old Word formats (.doc, .wps, .dot, .wpt, .rtf) to .docx with the office suite present.

On Windows Word or WPS does it through COM (``win32com``, when importable); anywhere,
LibreOffice (``soffice --headless --convert-to docx``) with a private profile so a
LibreOffice window the clerk has open does not block it.  ``CONVERTERS`` lists the
converter finders in order of preference; a test replaces it to simulate a machine
without any office suite.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from foodsafety_desktop.core.errors import UserError

__all__ = ["CONVERTERS", "TIMEOUT_SECONDS", "ConversionFailed", "converted_docx"]

TIMEOUT_SECONDS = 120

NO_CONVERTER = (
    "这是旧版 Word/WPS 格式（{suffix}），本机没有找到能转换它的软件。"
    "请在 Word 或 WPS 中打开这个文件，“另存为” .docx 格式后再导入；"
    "或者安装 LibreOffice（免费）后重试。"
)
FAILED = (
    "无法转换这个旧版 Word/WPS 文档（{detail}）。文件可能已损坏或设置了打开密码。"
    "请在 Word 或 WPS 中打开它，“另存为” .docx 格式后再导入。"
)


class ConversionFailed(Exception):
    """A converter ran but produced no .docx; the text says why (Chinese, short)."""


# A converter turns ``source`` into a .docx at ``target`` or raises ConversionFailed.
Converter = Callable[[Path, Path], None]


def _word_com() -> Converter | None:
    return _com_converter(("Word.Application",))


def _wps_com() -> Converter | None:
    return _com_converter(("KWps.Application", "wps.Application"))


def _com_converter(prog_ids: tuple[str, ...]) -> Converter | None:  # pragma: no cover
    """Word's object model (WPS copies it): open read-only, SaveAs2 as .docx (format 16)."""
    if sys.platform != "win32":
        return None
    try:
        import pythoncom
        import win32com.client
    except ImportError:
        return None

    def convert(source: Path, target: Path) -> None:
        pythoncom.CoInitialize()
        app = None
        try:
            for prog_id in prog_ids:
                try:
                    app = win32com.client.DispatchEx(prog_id)
                    break
                except Exception:
                    continue
            if app is None:
                raise ConversionFailed("无法启动 Word/WPS")
            app.Visible = False
            app.DisplayAlerts = 0
            # A wrong password makes Open fail instead of showing a password dialog.
            doc = app.Documents.Open(
                str(source),
                ConfirmConversions=False,
                ReadOnly=True,
                AddToRecentFiles=False,
                PasswordDocument="foodsafety-no-password",
                Visible=False,
            )
            try:
                doc.SaveAs2(str(target), FileFormat=16)
            finally:
                doc.Close(False)
        except ConversionFailed:
            raise
        except Exception as exc:
            raise ConversionFailed(f"Word/WPS 报告：{exc}") from exc
        finally:
            if app is not None:
                with contextlib.suppress(Exception):
                    app.Quit()
            pythoncom.CoUninitialize()

    return convert


def _find_soffice() -> str | None:
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    if sys.platform == "win32":  # pragma: no cover - Windows install folders
        for base in (os.environ.get("PROGRAMFILES"), os.environ.get("PROGRAMFILES(X86)")):
            for folder in ("LibreOffice", "LibreOffice 7", "OpenOffice 4"):
                if base:
                    candidate = Path(base) / folder / "program" / "soffice.exe"
                    if candidate.is_file():
                        return str(candidate)
    return None


def _libreoffice() -> Converter | None:
    program = _find_soffice()
    if program is None:
        return None

    def convert(source: Path, target: Path) -> None:
        profile = target.parent / "lo-profile"
        command = [
            program,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--norestore",
            "--nologo",
            "--nodefault",
            "--nolockcheck",
            "--convert-to",
            "docx:MS Word 2007 XML",
            "--outdir",
            str(target.parent),
            str(source),
        ]
        try:
            returncode = _run(command)
        except subprocess.TimeoutExpired:
            raise ConversionFailed(f"LibreOffice 在 {TIMEOUT_SECONDS} 秒内没有完成转换") from None
        except OSError as exc:
            raise ConversionFailed(f"无法启动 LibreOffice：{exc.strerror or exc}") from None
        produced = target.parent / f"{source.stem}.docx"
        if produced != target and produced.is_file():
            produced.replace(target)
        if not target.is_file() or target.stat().st_size == 0:
            raise ConversionFailed(f"LibreOffice 没有生成文件，退出码 {returncode}")

    return convert


def _run(command: list[str]) -> int:
    """Run ``command`` in its own process group; on timeout end the whole group
    (``soffice`` is a launcher: killing it alone would leave soffice.bin running)."""
    windows = sys.platform == "win32"
    options: dict[str, Any] = (
        {"creationflags": getattr(subprocess, "CREATE_NO_WINDOW", 0)}
        if windows
        else {"start_new_session": True}
    )
    process = subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        **options,
    )
    try:
        return process.wait(timeout=TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        if sys.platform == "win32":  # pragma: no cover
            subprocess.run(
                ["taskkill", "/F", "/T", "/PID", str(process.pid)],
                capture_output=True,
                check=False,
                **options,
            )
        else:
            with contextlib.suppress(OSError):
                os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        raise


# Finders in order of preference; each returns a converter or None when not installed.
CONVERTERS: list[Callable[[], Converter | None]] = [_word_com, _wps_com, _libreoffice]


@contextlib.contextmanager
def converted_docx(path: Path, data: bytes, *, source_suffix: str = ".doc") -> Iterator[Path]:
    """A .docx made from the old-format ``data`` of ``path``, in a temporary folder.

    The first converter found is used; ``UserError`` (naming ``path``) when none is
    installed or the conversion fails.
    """
    converters = [c for c in (finder() for finder in CONVERTERS) if c is not None]
    if not converters:
        raise UserError(NO_CONVERTER.format(suffix=path.suffix.lower() or "无扩展名"), file=path)
    with tempfile.TemporaryDirectory(prefix="foodsafety-convert-") as folder:
        # An ASCII copy: the converters need no quoting of the clerk's file name, and a
        # file open in Word elsewhere is not touched.
        source = Path(folder) / f"source{source_suffix}"
        source.write_bytes(data)
        target = Path(folder) / "converted.docx"
        errors: list[str] = []
        for convert in converters:
            try:
                convert(source, target)
                break
            except ConversionFailed as exc:
                errors.append(str(exc))
                target.unlink(missing_ok=True)
        else:
            raise UserError(FAILED.format(detail="；".join(errors)), file=path)
        yield target
