"""The text layer of a PDF plan as paragraphs: reading order, page furniture dropped.

Library: pdfplumber (MIT, on pdfminer.six).  Measured on the five seed plans, each made
into a PDF by LibreOffice from a .docx with a header line and a "— N —" page footer
(6–9 pages each), text compared with the source after removing whitespace (rapidfuzz
Indel similarity; "lines not in source" = extracted lines that are no substring of a
source line, i.e. characters out of reading order):

=============  ===============  ====================  ===============
library        similarity       lines not in source   time per seed
=============  ===============  ====================  ===============
pdfplumber     1.0000 (all 5)   0                     250–460 ms
pypdfium2      0.9885–0.9922    18–38 per seed        12–17 ms
pypdf          0.9859–0.9895    19–47 per seed        100–180 ms
pdfminer.six   0.9776–0.9846    22–50, 4 chars lost   205–350 ms
=============  ===============  ====================  ===============

The others emit characters in content-stream order: LibreOffice writes the “ ” quotes
of a CJK line in a separate font run, and they come out at the end of the line (or the
line before).  pdfplumber orders characters by position.  PDFs made from the plain-text
seeds read 1.0000 with every library.  PyMuPDF was not considered (AGPL).

A line break inside a paragraph is joined when the line runs to the right margin and the
next one is not indented; page numbers ("— 3 —", "- 3 -", "第3页", "3") and lines
repeated at the top or bottom of most pages (running headers) are dropped.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from foodsafety_desktop.core.errors import UserError
from foodsafety_desktop.core.plans.model import Paragraph

__all__ = ["MAX_PAGES", "read_pdf"]

MAX_PAGES = 500  # a plan is a few dozen pages; more is not a plan (or a whole yearbook)

_SCANNED = (
    "这是扫描件 PDF：文件里只有图片，没有可读取的文字，无法识别任务。"
    "请向发文单位索取方案的 Word 文件（.docx 或 .doc）；"
    "或者用 WPS、Word 等软件的“图片转文字（OCR）”功能把它转成 Word 文档，核对文字后再导入。"
)
_DAMAGED = (
    "无法打开这个 PDF 文件：文件已损坏、下载不完整，或不是真正的 PDF 文件。"
    "请重新下载或向发文单位索取方案的 Word 文件（.docx）后导入。"
)
_ENCRYPTED = (
    "这个 PDF 文件设置了打开密码（已加密），无法读取其中的文字。"
    "请向发文单位索取不带密码的文件，或在 PDF 阅读器中输入密码打开后“另存为”不加密的 PDF 再导入。"
)

_PAGE_NUMBER = re.compile(
    r"^(?:[-—–－―_~～·•\s]*\d{1,4}[-—–－―_~～·•\s]*"
    r"|第\s*\d{1,4}\s*页(?:\s*[,，/／]?\s*共\s*\d{1,4}\s*页)?"
    r"|\d{1,4}\s*[/／]\s*\d{1,4}"
    r"|[-—–－―\s]*[A-Za-z]?[-—–－―\s]*\d{1,4}\s*[-—–－―]*)$"
)
_DIGITS = re.compile(r"\d+")
_SPACE_NEAR_CJK = re.compile(r"(?<=[^\x00-\x7f]) +| +(?=[^\x00-\x7f])")
_SENTENCE_END = "。！？；;!?"
_LABEL_START = re.compile(
    r"^(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十\d]+[)）]|\d+[.．、]"
    r"|第[一二三四五六七八九十]+[部分章节条]|[①-⑳]|(?:牵头|责任|配合)单位[:：])"
)
_FURNITURE_BAND = 0.12  # top and bottom share of the page where headers and footers sit


@dataclass
class _Line:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    page: int

    @property
    def size(self) -> float:
        return max(self.bottom - self.top, 1.0)


def read_pdf(path: Path, data: bytes) -> list[Paragraph]:
    """Paragraphs of the PDF's text layer; ``UserError`` for scans, passwords, damage."""
    pages, images = _extract(path, data)
    lines = _drop_furniture(pages)
    if not any(line.text.strip() for line in lines):
        if images or pages:
            raise UserError(_SCANNED, file=path)
        raise UserError(_DAMAGED, file=path)
    return [Paragraph(text=text) for text in _paragraphs(lines) if text]


def _extract(path: Path, data: bytes) -> tuple[list[list[_Line]], int]:
    try:
        import pdfplumber
        from pdfminer.pdfdocument import PDFPasswordIncorrect
    except ImportError:  # pragma: no cover - a declared dependency
        raise UserError(
            "缺少读取 PDF 的组件（pdfplumber），请重新安装本软件。", file=path
        ) from None
    pages: list[list[_Line]] = []
    images = 0
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            if len(pdf.pages) > MAX_PAGES:
                raise UserError(
                    f"PDF 文件有 {len(pdf.pages)} 页，超过了 {MAX_PAGES} 页的上限，"
                    "不像一份工作方案。",
                    file=path,
                )
            for number, page in enumerate(pdf.pages, start=1):
                images += len(page.images)
                height = float(page.height or 0) or 1.0
                lines = []
                for raw in page.extract_text_lines(strip=True, return_chars=False):
                    text = _SPACE_NEAR_CJK.sub("", str(raw.get("text", ""))).strip()
                    if text:
                        lines.append(
                            _Line(
                                text=text,
                                x0=float(raw["x0"]),
                                x1=float(raw["x1"]),
                                top=float(raw["top"]),
                                bottom=float(raw["bottom"]),
                                page=number,
                            )
                        )
                pages.append(_with_height(lines, height))
    except UserError:
        raise
    except Exception as exc:  # pdfminer raises many kinds on damaged or hostile files
        if _is_password_error(exc, PDFPasswordIncorrect):
            raise UserError(_ENCRYPTED, file=path) from None
        raise UserError(_DAMAGED, file=path) from None
    return pages, images


def _is_password_error(exc: BaseException, password_error: type) -> bool:
    current: BaseException | None = exc
    for _ in range(10):
        if current is None:
            return False
        if isinstance(current, password_error) or "password" in type(current).__name__.lower():
            return True
        current = current.__cause__ or current.__context__
    return False


class _PageLines(list):
    """The lines of one page with the page height (for the header/footer bands)."""

    height: float = 1.0


def _with_height(lines: list[_Line], height: float) -> _PageLines:
    page = _PageLines(lines)
    page.height = height
    return page


def _furniture_key(text: str) -> str:
    return _DIGITS.sub("#", re.sub(r"\s+", "", text))


def _drop_furniture(pages: list[list[_Line]]) -> list[_Line]:
    """Body lines of every page, page numbers and running headers/footers left out."""
    edge_counts: Counter[str] = Counter()
    for page in pages:
        keys = {_furniture_key(line.text) for line in _edge_lines(page)}
        edge_counts.update(keys)
    repeated = {
        key for key, count in edge_counts.items() if len(pages) >= 2 and count * 2 >= len(pages)
    }
    body: list[_Line] = []
    for page in pages:
        edges = {id(line) for line in _edge_lines(page)}
        for line in page:
            if id(line) in edges and (
                _PAGE_NUMBER.match(line.text) or _furniture_key(line.text) in repeated
            ):
                continue
            body.append(line)
    return body


def _edge_lines(page: list[_Line]) -> list[_Line]:
    """At most two lines at the very top and two at the very bottom of a page."""
    height = getattr(page, "height", 1.0) or 1.0
    ordered = sorted(page, key=lambda line: line.top)
    top = [line for line in ordered[:2] if line.bottom <= height * _FURNITURE_BAND]
    bottom = [line for line in ordered[-2:] if line.top >= height * (1 - _FURNITURE_BAND)]
    return top + [line for line in bottom if line not in top]


def _paragraphs(lines: list[_Line]) -> list[str]:
    """Join lines into paragraphs: a line running to the right margin continues."""
    if not lines:
        return []
    left = _margin([line.x0 for line in lines], low=True)
    right = _margin([line.x1 for line in lines], low=False)
    out: list[str] = []
    previous: _Line | None = None
    for line in lines:
        if previous is not None and _continues(previous, line, left, right):
            out[-1] = _join(out[-1], line.text)
        else:
            out.append(line.text)
        previous = line
    return out


def _margin(values: list[float], *, low: bool) -> float:
    """The text block's left (or right) edge: the most common rounded position among the
    outermost lines, so a centred title or a short last line does not move it."""
    rounded = Counter(round(v) for v in values)
    if low:
        candidates = sorted(rounded)[: max(3, len(rounded) // 4)]
    else:
        candidates = sorted(rounded, reverse=True)[: max(3, len(rounded) // 4)]
    return float(max(candidates, key=lambda v: (rounded[v], -v if low else v)))


def _continues(previous: _Line, line: _Line, left: float, right: float) -> bool:
    size = previous.size
    if previous.x1 < right - 1.5 * size:
        return False  # the previous line ends short: its paragraph ended
    if line.x0 > left + 0.8 * size:
        return False  # indented: a new paragraph (公文 indent the first line by two chars)
    if previous.text[-1] in _SENTENCE_END + "）)" and _LABEL_START.match(line.text):
        return False
    return not (line.page == previous.page and line.top - previous.bottom > 1.2 * size)


def _join(text: str, more: str) -> str:
    if text[-1:].isascii() and text[-1:].isalnum() and more[:1].isascii() and more[:1].isalnum():
        return f"{text} {more}"
    return text + more
