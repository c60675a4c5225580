"""Opening generated documents in the default program and exporting them to PDF.

PDF goes through Microsoft Word (COM automation, Windows, only when ``pywin32`` is
installed) or LibreOffice (``soffice --headless``); neither is a dependency of the app.
"""

from __future__ import annotations

import contextlib
import glob
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

from foodsafety_desktop.core.errors import UserError
from foodsafety_desktop.core.fileio import write_atomically

KIND_WORD: Final = "word"
KIND_LIBREOFFICE: Final = "libreoffice"

CONVERT_TIMEOUT_S = 120
_WD_EXPORT_FORMAT_PDF = 17  # WdExportFormat.wdExportFormatPDF

NO_OFFICE_MESSAGE = (
    "未找到 Word 或 LibreOffice，无法导出 PDF。请安装 WPS/Word 后用“打开”打印，或安装 LibreOffice。"
)


@dataclass(frozen=True)
class OfficeSuite:
    """A program that can turn a .docx into a PDF: Word (through COM, no executable
    path) or LibreOffice (its ``soffice`` executable)."""

    kind: Literal["word", "libreoffice"]
    executable: Path | None = None

    @property
    def name(self) -> str:
        return "Microsoft Word" if self.kind == KIND_WORD else "LibreOffice"


# --- finding an office suite ---------------------------------------------------------


def _word_available() -> bool:
    """Word is usable through COM: Windows, pywin32 importable, Word.Application registered."""
    if sys.platform != "win32":
        return False
    try:
        if importlib.util.find_spec("win32com.client") is None:
            return False
    except (ImportError, ValueError):
        return False
    try:
        import winreg

        with winreg.OpenKey(winreg.HKEY_CLASSES_ROOT, r"Word.Application\CLSID"):
            return True
    except OSError:
        return False


def _install_folders() -> Iterator[Path]:
    """Where LibreOffice is usually installed when its program folder is not on PATH."""
    if sys.platform == "win32":
        roots = {
            os.environ.get(name) for name in ("ProgramFiles", "ProgramFiles(x86)", "ProgramW6432")
        }
        roots |= {r"C:\Program Files", r"C:\Program Files (x86)"}
        for root in sorted(r for r in roots if r):
            # "LibreOffice", and older side-by-side installs "LibreOffice 7" …
            for folder in sorted(glob.glob(os.path.join(root, "LibreOffice*")), reverse=True):
                yield Path(folder) / "program" / "soffice.exe"
    elif sys.platform == "darwin":
        yield Path("/Applications/LibreOffice.app/Contents/MacOS/soffice")
    else:
        for folder in sorted(glob.glob("/opt/libreoffice*"), reverse=True):
            yield Path(folder) / "program" / "soffice"
        yield Path("/usr/lib/libreoffice/program/soffice")
        yield Path("/snap/bin/libreoffice")


def find_soffice() -> Path | None:
    """LibreOffice's ``soffice`` on PATH or in its usual install folders, or None."""
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return Path(found)
    for candidate in _install_folders():
        if candidate.is_file():
            return candidate
    return None


def _suites() -> list[OfficeSuite]:
    """Every usable suite, preferred first (Word renders its own format best)."""
    suites = []
    if _word_available():
        suites.append(OfficeSuite(KIND_WORD))
    soffice = find_soffice()
    if soffice is not None:
        suites.append(OfficeSuite(KIND_LIBREOFFICE, soffice))
    return suites


def find_office() -> OfficeSuite | None:
    """The program :func:`export_pdf` would use, or None when there is neither Word
    (Windows, through ``win32com``) nor LibreOffice."""
    suites = _suites()
    return suites[0] if suites else None


# --- converting -----------------------------------------------------------------------


def _no_window() -> int:
    # Without this flag every conversion flashes a console window on Windows.
    return getattr(subprocess, "CREATE_NO_WINDOW", 0) if sys.platform == "win32" else 0


def _convert_libreoffice(soffice: Path, source: Path, out_dir: Path) -> Path:
    """``soffice --headless --convert-to pdf`` with a private profile, so it works while
    the user has LibreOffice open (a shared profile would hand the job to that instance
    or refuse to start)."""
    with tempfile.TemporaryDirectory(prefix="fsd-lo-profile-") as profile:
        command = [
            str(soffice),
            f"-env:UserInstallation={Path(profile).resolve().as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out_dir),
            str(source),
        ]
        try:
            result = subprocess.run(
                command,
                capture_output=True,
                timeout=CONVERT_TIMEOUT_S,
                creationflags=_no_window(),
                stdin=subprocess.DEVNULL,
            )
        except subprocess.TimeoutExpired as exc:
            raise UserError(
                f"LibreOffice 在 {CONVERT_TIMEOUT_S} 秒内未完成 PDF 转换，已停止。"
                "请关闭其他正在运行的程序后重试，或用“打开”在 Word/WPS 中另存为 PDF。",
                file=source,
            ) from exc
        except OSError as exc:
            raise UserError(
                f"无法启动 LibreOffice（{soffice}）：{exc.strerror or exc}。"
                "请重新安装 LibreOffice，或用“打开”在 Word/WPS 中另存为 PDF。",
                file=source,
            ) from exc
    pdf = out_dir / (source.stem + ".pdf")
    if not pdf.is_file():
        detail = (result.stderr or result.stdout or b"").decode("utf-8", "replace").strip()
        detail = detail.splitlines()[-1] if detail else f"返回码 {result.returncode}"
        raise UserError(
            f"LibreOffice 未能把文档转换为 PDF（{detail}）。"
            "请用“打开”在 Word/WPS 中检查文档后另存为 PDF。",
            file=source,
        )
    return pdf


def _convert_word(source: Path, out_dir: Path) -> Path:
    """Word through COM, in a new hidden instance (``DispatchEx``) so that quitting it
    never closes the user's own Word windows."""
    import pythoncom
    import win32com.client

    pdf = out_dir / (source.stem + ".pdf")
    pythoncom.CoInitialize()  # export runs on a worker thread
    word = None
    try:
        word = win32com.client.DispatchEx("Word.Application")
        word.Visible = False
        word.DisplayAlerts = 0
        document = word.Documents.Open(
            str(source), ConfirmConversions=False, ReadOnly=True, AddToRecentFiles=False
        )
        try:
            document.ExportAsFixedFormat(str(pdf), _WD_EXPORT_FORMAT_PDF)
        finally:
            document.Close(False)
    except Exception as exc:  # pywintypes.com_error and friends
        raise UserError(
            f"Word 未能把文档转换为 PDF（{exc}）。请用“打开”在 Word/WPS 中另存为 PDF。",
            file=source,
        ) from exc
    finally:
        if word is not None:
            with contextlib.suppress(Exception):
                word.Quit()
        pythoncom.CoUninitialize()
    if not pdf.is_file():
        raise UserError("Word 未生成 PDF 文件。请用“打开”在 Word/WPS 中另存为 PDF。", file=source)
    return pdf


def export_pdf(docx: str | os.PathLike[str], pdf: str | os.PathLike[str] | None = None) -> Path:
    """Convert ``docx`` to ``pdf`` (default: beside it, same name) through Word or
    LibreOffice; returns the PDF path.  A suite that fails hands over to the next one;
    :class:`UserError` says what to install when there is none."""
    source = Path(docx).resolve()
    if not source.is_file():
        raise UserError("要导出的 Word 文档不存在，请先生成文档。", file=source)
    target = Path(pdf) if pdf is not None else source.with_suffix(".pdf")
    if target.suffix.lower() != ".pdf":
        target = target.with_name(target.name + ".pdf")
    if not target.parent.is_dir():
        raise UserError(f"无法写入文件：文件夹“{target.parent}”不存在，请换一个保存位置。")
    suites = _suites()
    if not suites:
        raise UserError(NO_OFFICE_MESSAGE)
    error: UserError | None = None
    with tempfile.TemporaryDirectory(prefix="fsd-pdf-") as work:
        work_dir = Path(work)
        # Convert a copy with a plain name: some soffice builds mishandle non-ASCII
        # paths on Windows code pages, and the user's file may be open in Word/WPS.
        copy = work_dir / "in" / "document.docx"
        copy.parent.mkdir()
        try:
            shutil.copyfile(source, copy)
        except OSError as exc:
            raise UserError(
                f"无法读取文档（{exc.strerror or exc}）。请先在 Word/WPS 中关闭该文件后重试。",
                file=source,
            ) from exc
        for suite in suites:
            out_dir = work_dir / suite.kind
            out_dir.mkdir()
            try:
                if suite.kind == KIND_WORD:
                    produced = _convert_word(copy, out_dir)
                else:
                    assert suite.executable is not None
                    produced = _convert_libreoffice(suite.executable, copy, out_dir)
            except UserError as exc:
                error = error or exc
                continue

            def copy_produced(tmp: Path, src: Path = produced) -> None:
                shutil.copyfile(src, tmp)

            write_atomically(target, copy_produced, program="PDF 阅读器")
            return target
    assert error is not None
    raise UserError(error.message, file=source)


# --- opening --------------------------------------------------------------------------


def open_file(path: str | os.PathLike[str]) -> None:
    """Open ``path`` in its default program (Word or WPS for .docx; the file manager for a
    folder) without waiting: the one way the program opens what it wrote."""
    target = Path(path)
    if not target.exists():
        what = "文件夹" if target.suffix == "" else "文件"
        raise UserError(f"{what}不存在，可能已被移动或删除。", file=target)
    if sys.platform == "win32":
        try:
            os.startfile(str(target))
        except OSError as exc:
            raise UserError(
                f"没有可以打开“{target.suffix}”文件的程序，请安装 WPS 或 Word。", file=target
            ) from exc
        return
    opener = "open" if sys.platform == "darwin" else "xdg-open"
    try:
        subprocess.Popen(
            [opener, str(target)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    except OSError as exc:
        raise UserError(
            f"无法打开文件：系统中没有“{opener}”命令，请手动打开该文件。", file=target
        ) from exc
