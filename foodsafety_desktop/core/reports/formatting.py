"""Layout helpers shared by the report writers: breaking a long 公文 title into lines at
sense boundaries (GB/T 9704 7.3.2: 回行时要做到词意完整), and keeping the 署名 from
standing alone on the last page."""

from __future__ import annotations

import re
from collections.abc import Sequence

from foodsafety_desktop.core.word import OfficialDocument
from foodsafety_desktop.core.word.official import (
    STYLE_ATTACHMENT_LIST,
    STYLE_SIGNER,
    laid_out_width,
)

# 2号 (22 pt) characters on a 156 mm line: 156 mm / 7.76 mm = 20.
TITLE_WIDTH = 20
MAX_TITLE_LINES = 3
# Paragraphs between the body and the 署名 that are not body text.
_NOT_BODY = {STYLE_ATTACHMENT_LIST}

# Where a line of a title may break inside a sense unit (a cited plan's title is one
# unit), with a cost: lower is a better place.  Plan titles are built from a few kinds of
# words (a year, a place, the field, the action, the kind of document), so the
# boundaries between those kinds are found by their forms, not by a dictionary.
_DOC_KIND = r"(?:(?:工作|实施|行动|整治|提升|建设)?(?:方案|要点|安排|计划|意见|细则|办法|规划))"
_NOT_AFTER_PREFIX = "".join(f"(?<!{w})" for w in ("工作", "实施", "行动", "整治", "提升", "建设"))
_BREAKS: tuple[tuple[re.Pattern[str], int], ...] = (
    (re.compile(r"(?=[（(])|(?<=[）)])"), 1),  # around a parenthesis
    (re.compile(r"(?=暨)|(?=关于)|(?<=关于)"), 1),
    (re.compile(r"(?<=[》”])|(?=[《“])"), 1),
    # after a place (卢氏县|深化…, 营口市鲅鱼圈区|食品安全…), not inside 市场, 区域
    (re.compile(r"(?<=[省市县区州旗盟])(?![场级域内外级场政民])(?=[^）》]{2})"), 2),
    (re.compile(r"(?<=\d年)(?=[^）》度]{2})"), 2),  # after a year: 2020年|营口市
    # before the kind of document, whole: |工作方案, not 工作|方案
    (re.compile(rf"{_NOT_AFTER_PREFIX}(?:(?={_DOC_KIND}[）》]?$)|(?={_DOC_KIND}[（(》]))"), 2),
    (re.compile(r"(?=(?:食品安全|食品行业|食品)(?!$))|(?<=食品安全)(?=[^）》]{2})"), 3),
    (re.compile(r"(?=(?:专项|集中|三年|攻坚|提升|放心|整治)行动)"), 3),
    (re.compile(r"(?<=[的和与及、])"), 3),
)
# No line may start with a closing mark or end with an opening one.
_NO_LINE_START = set("》）)”’、，。；：！？")
_NO_LINE_END = set("《（(“‘")
_FORCED = 5000  # a break inside a word: worse than one more line
_LINE = 1000  # cost of one more line: as few lines as the width allows


def _break_costs(units: Sequence[str]) -> tuple[str, dict[int, int]]:
    """The title's text and the cost of a line break before each position (absent:
    not allowed)."""
    text = "".join(units)
    costs: dict[int, int] = {}
    start = 0
    for unit in units:
        if start:
            costs[start] = 0  # between sense units
        for pattern, cost in _BREAKS:
            for m in pattern.finditer(unit):
                pos = start + m.start()
                if start < pos < start + len(unit):
                    costs[pos] = min(costs.get(pos, cost), cost)
        start += len(unit)
    for pos in range(1, len(text)):
        if text[pos] in _NO_LINE_START or text[pos - 1] in _NO_LINE_END:
            costs.pop(pos, None)
        elif pos not in costs and not (text[pos - 1].isdigit() and text[pos].isdigit()):
            costs[pos] = _FORCED
    return text, costs


def break_title(units: Sequence[str], width: int = TITLE_WIDTH) -> str:
    """The sense ``units`` of a title joined into lines of at most ``width`` characters
    (``"\n"`` between lines), GB/T 9704 7.3.2: 回行时要做到词意完整, 排列对称.

    The breaks are chosen together (least cost): as few lines as possible, breaks
    between units or at the boundaries of a plan title's words (after its place name,
    before 方案/要点, around parentheses), lines of similar length; a word is broken
    only when nothing else fits the width.
    """
    text, costs = _break_costs([u for u in units if u])
    if not text:
        return ""
    n = len(text)
    best: list[tuple[float, list[int]] | None] = [None] * (n + 1)
    best[0] = (0.0, [])
    for end in range(1, n + 1):
        if end < n and end not in costs:
            continue
        candidates = []
        for begin in range(end - 1, -1, -1):
            # as laid out: the space Word and LibreOffice add between Chinese and digits
            # counts, or a line of exactly 20 characters would wrap its last one
            line_width = laid_out_width(text[begin:end])
            if line_width > width and begin < end - 1:
                break
            if best[begin] is None:
                continue
            cost, cuts = best[begin]  # type: ignore[misc]
            break_cost = costs.get(begin, 0) if begin else 0
            # Short lines cost more the emptier they are (a title set as a trapezoid
            # or diamond has lines of similar length).
            slack = max(0.0, width - line_width)
            candidates.append((cost + _LINE + break_cost + (slack * slack) / width, [*cuts, begin]))
        if candidates:
            best[end] = min(candidates, key=lambda c: c[0])
    result = best[n]
    if result is None:  # a single character wider than the line
        return text
    cuts = [*result[1][1:], n]
    lines, start = [], 0
    for cut in cuts:
        lines.append(text[start:cut])
        start = cut
    return "\n".join(lines)


def line_count(title: str) -> int:
    return title.count("\n") + 1


def keep_last_lines_with_signature(doc: OfficialDocument) -> None:
    """Keep the end of the body with the 署名 and 成文日期: GB/T 9704 7.3.5.5 wants no page
    holding only the signature (the space is found by adjusting the layout, never by a
    "此页无正文" page).  Call after :meth:`OfficialDocument.signature`.

    Every paragraph from the last one with text before the 署名 (the end of the body or
    the 附件说明) keeps with the next; the last body paragraph may still split, its last
    two lines going over with the 署名 (widow and orphan control), so a long paragraph is
    not moved whole and no half page stays empty.
    """
    paragraphs = list(doc.document.paragraphs)
    signer = next(
        (i for i in range(len(paragraphs) - 1, -1, -1) if paragraphs[i].style.name == STYLE_SIGNER),
        None,
    )
    if signer is None:
        return
    body_end = None
    for i in range(signer - 1, -1, -1):
        p = paragraphs[i]
        p.paragraph_format.keep_with_next = True
        if p.text.strip() and p.style.name not in _NOT_BODY:
            body_end = p
            break
    if body_end is not None:
        body_end.paragraph_format.widow_control = True


def names_cell(names: Sequence[str]) -> str:
    """Department names as a table cell lists them: one a line ("县发改委、" /
    "县农业农村局"), so a narrow column never breaks a name in two."""
    return "、\n".join(names)
