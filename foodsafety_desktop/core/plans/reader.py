"""Reading a plan file into paragraphs and tables for the parser.

Formats: Word (.docx, with automatic numbering rebuilt by ``docx_numbering``; .doc, .wps,
.dot, .wpt and .rtf converted to .docx by ``convert``), text PDFs (``pdf_text``), 任务分工表
workbooks (.xlsx, .xlsm, .xls, .et by ``spreadsheet``), text (.txt) and Markdown (.md).
The content decides, not the name: a .docx saved as .doc is read as .docx.  Every
problem with the file itself (wrong format, empty, too large, damaged, password,
scanned) is raised as a ``UserError`` with a Chinese message that names the file.
"""

from __future__ import annotations

import codecs
import re
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

from foodsafety_desktop.core.errors import UserError
from foodsafety_desktop.core.plans.model import Block, Paragraph, Table

if TYPE_CHECKING:
    from foodsafety_desktop.core.plans.docx_numbering import Numbering
    from foodsafety_desktop.core.plans.model import ParsedPlan

__all__ = ["MAX_FILE_SIZE", "SUPPORTED_SUFFIXES", "decode_text", "read_blocks", "read_plan"]

MAX_FILE_SIZE = 20 * 1024 * 1024
_OLD_SUFFIXES = (".doc", ".wps", ".dot", ".wpt", ".rtf")
_SHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".et")
SUPPORTED_SUFFIXES = (
    ".docx", *_OLD_SUFFIXES, ".pdf", *_SHEET_SUFFIXES, ".txt", ".md", ".markdown"
)  # fmt: skip

_SUPPORTED_HINT = (
    "目前支持 Word/WPS 文档（.docx、.doc、.wps）、PDF 文件（有文字的，非扫描件）、"
    "任务分工表（.xlsx、.xls、.et）、文本文件（.txt）和 Markdown 文件（.md）。"
)
_PASSWORD = (
    "这个文档设置了打开密码，软件读不到其中的文字。"
    "请在 Word 或 WPS 中输入密码打开，取消打开密码后“另存为” .docx 格式再导入。"
)
_SHEET_PASSWORD = (
    "这个工作簿设置了打开密码（已加密），无法读取。请在 Excel 或 WPS 中输入密码打开，"
    "取消密码后另存再导入。"
)
_OTHER_OLE = (
    "这个文件不是 Word 文档、PDF 或任务分工表（可能是旧版 PowerPoint 或其他软件的文件）。"
    + _SUPPORTED_HINT
)
_CSV = "不支持 CSV 文件：请在 Excel 或 WPS 中打开，“另存为” .xlsx 格式后再导入。"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
_WORD_STREAM = "WordDocument".encode("utf-16-le")
_SHEET_STREAMS = ("Workbook".encode("utf-16-le"), "Book".encode("utf-16-le"))

# Control characters other than tab and newline (NUL from broken converters, form feeds).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ufeff\ufffe\u200b]")
_LINE_BREAKS = re.compile(r"\r\n|[\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")


# --- entry points ---------------------------------------------------------------------


def read_plan(path: Path) -> ParsedPlan:
    """Read ``path`` and parse it into a plan (blocks -> ``parser.parse_blocks``)."""
    from foodsafety_desktop.core.plans import parser

    path = Path(path)
    blocks = read_blocks(path)
    return parser.parse_blocks(blocks, source_name=path.name)


def read_blocks(path: Path) -> list[Block]:
    """Paragraphs and tables of a plan file, in document order, empty paragraphs left out.

    Raises ``UserError`` when the file cannot be used (format, size, damage, access).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    _check_suffix(path, suffix)
    size = _file_size(path)
    if size == 0:
        raise UserError("文件是空的，没有任何内容。", file=path)
    if size > MAX_FILE_SIZE:
        raise UserError(
            f"文件太大（{size / 1024 / 1024:.1f} MB），超过了 20 MB 的上限。"
            "方案文档一般不会这么大，请确认选择的是方案文件；"
            "如果文档里插入了大量图片，请删除图片后另存再导入。",
            file=path,
        )
    data = _read_bytes(path)
    blocks = _read_content(path, data, suffix)
    if not blocks:
        if suffix in (".txt", ".md", ".markdown"):
            raise UserError("文件是空的，只有空白，没有任何文字。", file=path)
        raise UserError(
            "文档里没有可读取的文字（可能只有图片或扫描件）。请导入含有文字的 Word 文档。",
            file=path,
        )
    return blocks


def _read_content(path: Path, data: bytes, suffix: str) -> list[Block]:
    """Dispatch on what the bytes are; the suffix only decides between close cases."""
    if data.startswith(_OLE_MAGIC):
        return _read_ole(path, data, suffix)
    if data.startswith(b"%PDF") or (suffix == ".pdf" and b"%PDF-" in data[:1024]):
        from foodsafety_desktop.core.plans.pdf_text import read_pdf

        return list(read_pdf(path, data))
    if suffix == ".pdf":
        raise UserError(
            "无法打开这个 PDF 文件：它不是真正的 PDF 文件（可能已损坏、下载不完整或扩展名被改动）。"
            "请重新下载，或向发文单位索取方案的 Word 文件（.docx）后导入。",
            file=path,
        )
    if suffix in _SHEET_SUFFIXES:
        if not data.startswith(_ZIP_MAGIC):
            raise UserError(
                "无法打开这个 Excel 工作簿：文件已损坏，或不是真正的 Excel 文件。"
                "请在 Excel 或 WPS 中打开，“另存为” .xlsx 格式后再导入。",
                file=path,
            )
        from foodsafety_desktop.core.plans.spreadsheet import read_workbook

        return read_workbook(path, data, xls=False)
    if suffix in _OLD_SUFFIXES:
        if data.startswith(_ZIP_MAGIC):
            return _read_docx(path, data)  # a .docx saved under an old name
        return _read_converted(path, data, ".rtf" if data.startswith(b"{\\rtf") else ".doc")
    if suffix == ".docx":
        return _read_docx(path, data)
    return _read_text(path, data, suffix)


def _read_ole(path: Path, data: bytes, suffix: str) -> list[Block]:
    """An OLE compound file: an encrypted Office file, a .doc/.wps or an .xls/.et."""
    if _ENCRYPTED_PACKAGE in data:
        raise UserError(_SHEET_PASSWORD if suffix in _SHEET_SUFFIXES else _PASSWORD, file=path)
    if _WORD_STREAM in data:
        return _read_converted(path, data, ".doc")
    if any(stream in data for stream in _SHEET_STREAMS):
        from foodsafety_desktop.core.plans.spreadsheet import read_workbook

        return read_workbook(path, data, xls=True)
    if suffix in (".txt", ".md", ".markdown"):
        raise UserError("这个文件实际上是 Office 文档，不是文本文件。" + _SUPPORTED_HINT, file=path)
    if suffix in (*_OLD_SUFFIXES, ".docx"):
        raise UserError(
            "这个旧版 Word/WPS 格式的文件已损坏，或不是 Word 文档，无法读取。"
            "请在 Word 或 WPS 中打开它，“另存为” .docx 格式后再导入。",
            file=path,
        )
    raise UserError(_OTHER_OLE, file=path)


def _read_converted(path: Path, data: bytes, source_suffix: str) -> list[Block]:
    from foodsafety_desktop.core.plans.convert import converted_docx

    with converted_docx(path, data, source_suffix=source_suffix) as docx_path:
        return _read_docx(path, docx_path.read_bytes())


# --- file checks ----------------------------------------------------------------------


def _check_suffix(path: Path, suffix: str) -> None:
    if suffix in SUPPORTED_SUFFIXES:
        return
    if suffix == ".csv":
        raise UserError(_CSV, file=path)
    if suffix in {".docm", ".dotx", ".dotm"}:
        raise UserError(
            "这是 Word 模板或带宏的文档，请在 Word 中“另存为” .docx 格式再导入。", file=path
        )
    shown = f"“{suffix}”" if suffix else "没有扩展名的"
    raise UserError(f"不支持{shown}文件。{_SUPPORTED_HINT}", file=path)


def _file_size(path: Path) -> int:
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise UserError("找不到这个文件，可能已被移动、改名或删除。", file=path) from None
    except PermissionError:
        raise UserError("没有读取这个文件的权限。", file=path) from None
    except OSError as exc:
        raise UserError(f"无法读取这个文件（{exc.strerror or exc}）。", file=path) from None
    if path.is_dir():
        raise UserError("这是一个文件夹，不是文件。", file=path)
    return stat.st_size


def _read_bytes(path: Path) -> bytes:
    try:
        with path.open("rb") as f:
            return f.read(MAX_FILE_SIZE + 1)
    except FileNotFoundError:
        raise UserError("找不到这个文件，可能已被移动、改名或删除。", file=path) from None
    except PermissionError:
        raise UserError(
            "没有读取这个文件的权限，或文件正被其他程序独占打开。请关闭该文件后重试。",
            file=path,
        ) from None
    except OSError as exc:
        raise UserError(f"无法读取这个文件（{exc.strerror or exc}）。", file=path) from None


def clean_text(text: str) -> str:
    """Unify line breaks and drop control characters other than tab and newline."""
    return _CONTROL.sub("", _LINE_BREAKS.sub("\n", text))


# --- .txt / .md -----------------------------------------------------------------------


def decode_text(data: bytes) -> str:
    """Bytes of a text file as str: BOM, UTF-8, GB18030 (Windows ANSI), then a guess."""
    for bom, encoding in (
        (codecs.BOM_UTF32_LE, "utf-32-le"),
        (codecs.BOM_UTF32_BE, "utf-32-be"),
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if data.startswith(bom):
            return data[len(bom) :].decode(encoding, errors="replace")
    if len(data) >= 4 and data.count(0) > len(data) // 3:
        # UTF-16 without BOM: every other byte of ASCII text is NUL.
        encoding = "utf-16-le" if data[1::2].count(0) > data[0::2].count(0) else "utf-16-be"
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            pass
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is not None:
        return str(best)
    return data.decode("gb18030", errors="replace")


_MD_HEADING = re.compile(r"^(#{1,6})\s*(.*?)\s*#*$")
_MD_RULE = re.compile(r"^(?:[-*_]\s*){3,}$")
_MD_TABLE_SEPARATOR = re.compile(r"^\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?$")


def _read_text(path: Path, data: bytes, suffix: str) -> list[Block]:
    if data.startswith(_ZIP_MAGIC):
        raise UserError(
            "这个文件实际上是 Word 文档或压缩包，不是文本文件。"
            "如果它是 Word 文档，请把扩展名改为 .docx 后再导入。",
            file=path,
        )
    text = clean_text(decode_text(data))
    markdown = suffix in {".md", ".markdown"}
    blocks: list[Block] = []
    table_rows: list[list[str]] = []
    for raw in text.split("\n"):
        line = raw.strip()
        if markdown and line.startswith("|"):
            if not _MD_TABLE_SEPARATOR.match(line):
                cells = line.strip("|").split("|")
                table_rows.append([_strip_markdown(c.strip()) for c in cells])
            continue
        if table_rows:
            blocks.append(Table(rows=table_rows))
            table_rows = []
        if not line:
            continue
        if not markdown:
            blocks.append(Paragraph(text=line))
            continue
        if _MD_RULE.match(line):
            continue
        level = None
        if m := _MD_HEADING.match(line):
            level = len(m.group(1))
            line = m.group(2)
        line = _strip_markdown(line)
        if line:
            blocks.append(Paragraph(text=line, heading_level=level))
    if table_rows:
        blocks.append(Table(rows=table_rows))
    return blocks


def _strip_markdown(text: str) -> str:
    return text.replace("**", "").replace("__", "").strip()


# --- .docx ----------------------------------------------------------------------------

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
_P, _TBL, _SDT = f"{{{_W}}}p", f"{{{_W}}}tbl", f"{{{_W}}}sdt"
_HEADING_STYLE = re.compile(r"^(?:heading|标题)\s*(\d)$", re.IGNORECASE)


def _damaged(path: Path, detail: str = "") -> UserError:
    return UserError(
        "无法打开这个 Word 文档：文件已损坏，或不是真正的 .docx 文件"
        f"{detail}。请在 Word 或 WPS 中打开它，“另存为” .docx 格式后再导入。",
        file=path,
    )


def _read_docx(path: Path, data: bytes) -> list[Block]:
    import io

    if not data.startswith(_ZIP_MAGIC):
        if data.lstrip()[:1] == b"<" or b"MIME-Version" in data[:400]:
            raise _damaged(path, "（它实际上是网页或 XML 格式）")
        raise _damaged(path)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        raise _damaged(path, "（文件不完整）") from None
    if "word/document.xml" not in names:
        if "xl/workbook.xml" in names:
            raise UserError(
                "这其实是一个 Excel 工作簿（扩展名被改成了 .docx），不是 Word 文档。"
                "如果它是任务分工表，请把扩展名改回 .xlsx 后再导入。",
                file=path,
            )
        if "ppt/presentation.xml" in names:
            raise UserError("这其实是一个 PowerPoint 演示文稿，不是 Word 文档。", file=path)
        raise _damaged(path)
    try:
        import docx

        document = docx.Document(io.BytesIO(data))
        return list(_body_blocks(document))
    except UserError:
        raise
    except Exception as exc:  # python-docx/lxml/zipfile raise many kinds on damaged files
        raise _damaged(path, "（文件不完整）" if "zip" in str(exc).lower() else "") from None


def _body_blocks(document: object) -> list[Block]:
    from docx.document import Document as DocumentObject

    assert isinstance(document, DocumentObject)
    from foodsafety_desktop.core.plans.docx_numbering import Numbering

    styles = _StyleLevels(document)
    numbering = Numbering(document)
    blocks: list[Block] = []
    _walk(document.element.body, styles, numbering, blocks)
    return blocks


def _walk(
    container: object, styles: _StyleLevels, numbering: Numbering, blocks: list[Block]
) -> None:
    for child in container.iterchildren():  # type: ignore[attr-defined]
        if child.tag == _P:
            text = _paragraph_text(child, numbering)
            if text:
                blocks.append(Paragraph(text=text, heading_level=styles.level_of(child)))
        elif child.tag == _TBL:
            rows = _table_rows(child, numbering)
            if any(cell for row in rows for cell in row):
                blocks.append(Table(rows=rows))
        elif child.tag == _SDT:
            content = child.find(f"{{{_W}}}sdtContent")
            if content is not None:
                _walk(content, styles, numbering, blocks)


def _paragraph_text(p: object, numbering: Numbering) -> str:
    """The paragraph's text with the label of Word's automatic numbering in front."""
    label = numbering.label(p)  # counted even when the paragraph is empty, as Word does
    text = _join_soft_lines(_element_text(p))
    return f"{label}{text}" if text else ""


def _element_text(element: object) -> str:
    """Visible text of a paragraph: runs, hyperlinks, tracked insertions; no text boxes."""
    parts: list[str] = []
    for node in element.iter():  # type: ignore[attr-defined]
        tag = node.tag
        if not isinstance(tag, str):
            continue
        if tag == f"{{{_W}}}t":
            if not _inside_skipped(node, element):
                parts.append(node.text or "")
        elif tag == f"{{{_W}}}tab":
            if node.getparent() is not None and node.getparent().tag == f"{{{_W}}}r":
                parts.append("\t")
        elif tag in (f"{{{_W}}}br", f"{{{_W}}}cr"):
            parts.append("\n")
    return clean_text("".join(parts))


def _inside_skipped(node: object, stop: object) -> bool:
    """True for text inside a text box, a deletion or a compatibility fallback."""
    parent = node.getparent()  # type: ignore[attr-defined]
    while parent is not None and parent is not stop:
        tag = parent.tag
        if tag in (f"{{{_W}}}txbxContent", f"{{{_W}}}del", f"{{{_MC}}}Fallback"):
            return True
        parent = parent.getparent()
    return False


def _join_soft_lines(text: str) -> str:
    """One line per paragraph: a manual line break inside it joins without a space."""
    lines = [line.strip() for line in text.split("\n")]
    out = ""
    for line in lines:
        if not line:
            continue
        if out and (_is_ascii_word(out[-1]) and _is_ascii_word(line[0])):
            out += " "
        out += line
    return out.strip()


def _is_ascii_word(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def _table_rows(tbl: object, numbering: Numbering) -> list[list[str]]:
    """Cell texts row by row; a merged cell repeats its text in every row and column."""
    from docx.table import Table as DocxTable

    table = DocxTable(tbl, None)  # type: ignore[arg-type]
    rows: list[list[str]] = []
    for row in table.rows:
        cells: list[str] = []
        for cell in row.cells:
            texts = [_paragraph_text(p, numbering) for p in cell._tc.iter(_P)]
            cells.append("\n".join(t for t in texts if t))
        rows.append(cells)
    return rows


class _StyleLevels:
    """Heading level of a paragraph from its style (Heading N, 标题 N) or outline level."""

    def __init__(self, document: object) -> None:
        self._levels: dict[str, int | None] = {}
        try:
            styles = document.styles.element  # type: ignore[attr-defined]
        except Exception:
            styles = None
        self._by_id: dict[str, object] = {}
        if styles is not None:
            for style in styles.iterchildren(f"{{{_W}}}style"):
                style_id = style.get(f"{{{_W}}}styleId")
                if style_id:
                    self._by_id[style_id] = style

    def level_of(self, p: object) -> int | None:
        ppr = p.find(f"{{{_W}}}pPr")  # type: ignore[attr-defined]
        style_id = None
        if ppr is not None:
            level = _outline_level(ppr)
            if level is not None:
                return level or None
            pstyle = ppr.find(f"{{{_W}}}pStyle")
            if pstyle is not None:
                style_id = pstyle.get(f"{{{_W}}}val")
        if not style_id:
            return None
        return self._style_level(style_id, depth=0)

    def _style_level(self, style_id: str, depth: int) -> int | None:
        if style_id in self._levels:
            return self._levels[style_id]
        level: int | None = None
        style = self._by_id.get(style_id)
        if style is not None and depth < 10:
            name_el = style.find(f"{{{_W}}}name")  # type: ignore[attr-defined]
            name = name_el.get(f"{{{_W}}}val") if name_el is not None else ""
            ppr = style.find(f"{{{_W}}}pPr")  # type: ignore[attr-defined]
            outline = _outline_level(ppr) if ppr is not None else None
            if m := _HEADING_STYLE.match((name or "").strip()):
                level = int(m.group(1))
            elif outline is not None:
                level = outline or None
            else:
                based = style.find(f"{{{_W}}}basedOn")  # type: ignore[attr-defined]
                if based is not None and based.get(f"{{{_W}}}val"):
                    level = self._style_level(based.get(f"{{{_W}}}val"), depth + 1)
        elif (m := _HEADING_STYLE.match(style_id)) is not None:
            level = int(m.group(1))
        self._levels[style_id] = level
        return level


def _outline_level(ppr: object) -> int | None:
    """1-based outline level, 0 for body text (w:outlineLvl 9), None when not set."""
    el = ppr.find(f"{{{_W}}}outlineLvl")  # type: ignore[attr-defined]
    if el is None:
        return None
    try:
        value = int(el.get(f"{{{_W}}}val"))
    except (TypeError, ValueError):
        return None
    return 0 if value >= 9 else value + 1
