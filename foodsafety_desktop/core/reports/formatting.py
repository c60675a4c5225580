"""Layout helpers shared by the report writers: breaking a long 公文 title into lines at
sense boundaries (GB/T 9704 7.3.2: 回行时要做到词意完整), and keeping the 署名 from
standing alone on the last page."""

from __future__ import annotations

import re
from collections.abc import Sequence

from foodsafety_desktop.core.word import OfficialDocument
from foodsafety_desktop.core.word.official import STYLE_SIGNER, text_width_chars

# 2号 (22 pt) characters on a 156 mm line: 156 mm / 7.76 mm = 20.
TITLE_WIDTH = 20

# Places inside a long name (a plan's title) where a line may break: before a
# parenthesis or 关于, after the place name (卢氏县|深化…), before the document kind.
_INNER_BREAKS = re.compile(
    r"(?=（)|(?=关于)|(?<=[省市县区州旗])(?=[^）》]{4})|(?=(?:工作|实施|行动)?(?:方案|要点|安排|计划)(?:（|》|$))"
)


def _pieces(unit: str, width: int) -> list[str]:
    if text_width_chars(unit) <= width:
        return [unit]
    cuts = sorted({m.start() for m in _INNER_BREAKS.finditer(unit)} - {0, len(unit)})
    parts, start = [], 0
    for cut in [*cuts, len(unit)]:
        if cut > start:
            parts.append(unit[start:cut])
            start = cut
    out: list[str] = []
    for part in parts:
        # A piece still too long is cut where the line is full.
        while text_width_chars(part) > width:
            n = 1
            while text_width_chars(part[: n + 1]) <= width:
                n += 1
            out.append(part[:n])
            part = part[n:]
        if part:
            out.append(part)
    return out


def break_title(units: Sequence[str], width: int = TITLE_WIDTH) -> str:
    """Join the sense ``units`` of a title, starting a new line (``"\\n"``) before a
    unit that would overflow ``width`` characters; a unit longer than a line is cut at
    its own inner boundaries first."""
    lines: list[str] = []
    current = ""
    for unit in units:
        for piece in _pieces(unit, width):
            if current and text_width_chars(current + piece) > width:
                lines.append(current)
                current = piece
            else:
                current += piece
    if current:
        lines.append(current)
    return "\n".join(lines)


def line_count(title: str) -> int:
    return title.count("\n") + 1


def keep_last_lines_with_signature(doc: OfficialDocument, lines: int = 1) -> None:
    """Keep the last ``lines`` body paragraphs (and the blank line) on the page of the
    署名: a page holding only the 署名 and 成文日期 is what GB/T 9704 7.3.5.4 forbids.
    Call after :meth:`OfficialDocument.signature`."""
    paragraphs = list(doc.document.paragraphs)
    signer = next(
        (i for i in range(len(paragraphs) - 1, -1, -1) if paragraphs[i].style.name == STYLE_SIGNER),
        None,
    )
    if signer is None:
        return
    kept = 0
    for p in reversed(paragraphs[:signer]):
        p.paragraph_format.keep_with_next = True
        if p.text.strip():
            kept += 1
            if kept >= lines:
                break
