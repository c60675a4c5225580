"""Document titles (标题): one wording for the 报送表, 工作总结, 逐条报送表 and 催报通知.

A title that cites a plan puts its title in 书名号 (关于《卢氏县…工作方案》2022年第三季度
落实情况的报告; a 书名号 inside it becomes 〈〉); a period reads as a title reads it
(专项：方案制定情况 → 方案制定情况; dates such as "（2023-12-01）" that earlier versions
put into period names are dropped); Markdown marks ("#", "**") copied from a web page
are dropped; a word is never doubled (…落实情况落实情况, 2023年度年度…).  Pure text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_ISO_DATE = re.compile(
    r"[（(]\s*\d{4}\s*[-/.－]\s*\d{1,2}\s*[-/.－]\s*\d{1,2}\s*[）)]"
    r"|\d{4}\s*[-/.－]\s*\d{1,2}\s*[-/.－]\s*\d{1,2}"
)
_MARKDOWN = re.compile(r"#+|\*+|`+|__+|^\s*>+\s*")
_CJK_GAP = re.compile(r"(?<=[^\x00-\x7f])\s+|\s+(?=[^\x00-\x7f])")
_SPECIAL = re.compile(r"^专项\s*[：:]\s*")
_DOUBLED = re.compile(r"([\u4e00-\u9fff]{2,8})\1+")
_EDGE_PUNCT = "，,。；;：:、 "
# What a period's words may already end with: nothing more to add (方案制定情况).
_SAYS_PROGRESS = ("情况", "总结", "报告", "进展")

PROGRESS = "落实情况"
_TRAILING_BRACKET = re.compile(r"[（(][^（）()]*[）)]\s*$")


def clean(text: str | None) -> str:
    """``text`` without Markdown marks, ISO dates, doubled words and stray spaces."""
    value = _MARKDOWN.sub("", text or "")
    value = _ISO_DATE.sub("", value)
    value = _CJK_GAP.sub("", " ".join(value.split()))
    return _DOUBLED.sub(r"\1", value).strip(_EDGE_PUNCT)


def plan_reference(title: str | None) -> str:
    """A plan's title as a title cites it: 《卢氏县…工作方案（2022—2024年）》 ("" for none).

    书名号 the title already carries are not doubled; those inside become 〈〉.
    """
    text = clean(title)
    while text.startswith("《") and text.endswith("》") and text.count("《") == 1:
        text = text[1:-1].strip()
    if not text:
        return ""
    text = text.replace("《", "〈").replace("》", "〉")
    return f"《{text}》"


def period_words(name: str | None) -> str:
    """A period's name as a title reads it: 2023年第三季度 as written, 专项：方案制定情况
    → 方案制定情况, 全年工作总结（2023-12-01） → 全年工作总结."""
    return _SPECIAL.sub("", clean(name)).strip(_EDGE_PUNCT)


def progress(name: str | None) -> str:
    """What is reported for a period: 2023年第三季度落实情况; a topic that says it
    already (方案制定情况, 任务落实情况, 行动总结) as it is."""
    words = period_words(name)
    return words if _says_progress(words) else words + PROGRESS


def _says_progress(text: str) -> bool:
    """Whether ``text`` says already that it reports (…情况, …总结); a numbering bracket
    after it does not count: 任务落实情况（第一次）."""
    return _TRAILING_BRACKET.sub("", text).endswith(_SAYS_PROGRESS)


def title_units(units: Sequence[str]) -> list[str]:
    """The sense units of a title (for ``formatting.break_title``), cleaned, with a word
    that ends one unit and starts the next written once (…落实情况 + 落实情况的报告), and
    no 落实情况 after a period that says what it reports (方案制定情况 + 落实情况的报告 →
    方案制定情况的报告)."""
    out: list[str] = []
    for raw in units:
        unit = raw if raw.startswith("《") else clean(raw)
        if out and unit:
            unit = unit[_overlap(out[-1], unit) :]
            if unit.startswith(PROGRESS) and _says_progress(out[-1]):
                unit = unit[len(PROGRESS) :]
        if unit:
            out.append(unit)
    return out


def _overlap(left: str, right: str) -> int:
    """Length of the longest word (2…8 Chinese characters) ``left`` ends and ``right``
    starts with."""
    for n in range(min(8, len(left), len(right)), 1, -1):
        word = right[:n]
        if left.endswith(word) and re.fullmatch(r"[\u4e00-\u9fff]+", word):
            return n
    return 0


def title_text(units: Sequence[str]) -> str:
    """The units of a title joined on one line (the Excel 报送表's title row)."""
    return "".join(title_units(units))
