"""Word automatic numbering (编号) of .docx paragraphs, rebuilt as the label Word shows.

A plan typed with Word's list feature keeps "一、" "（一）" "1." out of the paragraph text:
the number lives in ``word/numbering.xml`` (``w:num`` → ``w:abstractNum`` → ``w:lvl``) and
the paragraph (or its style) only says which list and level.  ``Numbering.label(p)``
returns what Word would display, counting in document order, so the parser sees the same
typed numbering as in a hand-numbered plan.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Numbering", "format_number"]

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _q(tag: str) -> str:
    return f"{{{_W}}}{tag}"


def _val(element: Any, tag: str) -> str | None:
    if element is None:
        return None
    child = element.find(_q(tag))
    return child.get(_q("val")) if child is not None else None


def _int(text: str | None, default: int | None = None) -> int | None:
    try:
        return int(text) if text is not None else default
    except ValueError:
        return default


# --- number formats -------------------------------------------------------------------

_CN_DIGITS = "〇一二三四五六七八九"
_CN_LEGAL = "零壹贰叁肆伍陆柒捌玖"
_TIANGAN = "甲乙丙丁戊己庚辛壬癸"
_DIZHI = "子丑寅卯辰巳午未申酉戌亥"


def _chinese(n: int, digits: str = _CN_DIGITS, units: str = "十百千万") -> str:
    """1 → 一, 10 → 十, 11 → 十一, 20 → 二十, 105 → 一百零五 (Word's chineseCounting)."""
    if n <= 0:
        return str(n)
    if n >= 100000:
        return str(n)
    parts: list[str] = []
    text = str(n)
    length = len(text)
    zero = False
    for i, ch in enumerate(text):
        d = int(ch)
        power = length - 1 - i
        if d == 0:
            zero = bool(parts)
            continue
        if zero:
            parts.append(digits[0])
            zero = False
        if not (d == 1 and power == 1 and i == 0):  # 十一, not 一十一
            parts.append(digits[d])
        if power:
            parts.append(units[power - 1])
    return "".join(parts)


def _letters(n: int, base: str) -> str:
    """Word repeats the letter: 1 → a, 26 → z, 27 → aa, 53 → aaa."""
    if n <= 0:
        return str(n)
    return base[(n - 1) % 26] * ((n - 1) // 26 + 1)


def _roman(n: int) -> str:
    if not 0 < n < 4000:
        return str(n)
    out = ""
    for value, numeral in (
        (1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
        (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"),
    ):  # fmt: skip
        while n >= value:
            out += numeral
            n -= value
    return out


def _enclosed(n: int, first: int, count: int) -> str:
    return chr(first + n - 1) if 1 <= n <= count else str(n)


def format_number(n: int, fmt: str) -> str:
    """The number ``n`` in Word's ``w:numFmt`` ``fmt`` ("chineseCounting" → 一, 二 …)."""
    if fmt in ("chineseCounting", "chineseCountingThousand", "japaneseCounting",
               "taiwaneseCounting", "taiwaneseCountingThousand", "koreanCounting"):  # fmt: skip
        return _chinese(n)
    if fmt in ("chineseLegalSimplified", "ideographLegalTraditional", "japaneseLegal"):
        return _chinese(n, _CN_LEGAL, "拾佰仟万")
    if fmt == "ideographTraditional":
        return _TIANGAN[(n - 1) % 10] if n > 0 else str(n)
    if fmt == "ideographZodiac":
        return _DIZHI[(n - 1) % 12] if n > 0 else str(n)
    if fmt in ("decimalEnclosedCircle", "decimalEnclosedCircleChinese"):
        return _enclosed(n, 0x2460, 20)  # ①
    if fmt == "ideographEnclosedCircle":
        return _enclosed(n, 0x3220, 10)  # ㈠
    if fmt == "decimalEnclosedParen":
        return _enclosed(n, 0x2474, 20)  # ⑴
    if fmt == "decimalEnclosedFullstop":
        return _enclosed(n, 0x2488, 20)  # ⒈
    if fmt in ("decimalFullWidth", "decimalFullWidth2"):
        return "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in str(n))
    if fmt == "decimalZero":
        return f"{n:02d}"
    if fmt == "lowerLetter":
        return _letters(n, "abcdefghijklmnopqrstuvwxyz")
    if fmt == "upperLetter":
        return _letters(n, "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    if fmt == "lowerRoman":
        return _roman(n).lower()
    if fmt == "upperRoman":
        return _roman(n)
    if fmt in ("none", "bullet"):
        return ""
    return str(n)  # decimal, ordinal, cardinalText … and unknown formats


# --- numbering definitions ------------------------------------------------------------


@dataclass
class _Level:
    start: int = 1
    fmt: str = "decimal"
    text: str = ""
    restart: int | None = None  # w:lvlRestart: restart after this 1-based level; 0 never
    legal: bool = False  # w:isLgl: every number shown as decimal
    suffix: str = "tab"
    style: str | None = None  # w:pStyle: the paragraph style linked to this level


def _level(lvl: Any) -> _Level:
    return _Level(
        start=_int(_val(lvl, "start"), 1) or 0,
        fmt=_val(lvl, "numFmt") or "decimal",
        text=_val(lvl, "lvlText") or "",
        restart=_int(_val(lvl, "lvlRestart")),
        legal=lvl.find(_q("isLgl")) is not None
        and (_val(lvl, "isLgl") or "1") not in ("0", "false"),
        suffix=_val(lvl, "suff") or "tab",
        style=_val(lvl, "pStyle"),
    )


@dataclass
class _Num:
    abstract_id: str
    overrides: dict[int, int] = field(default_factory=dict)  # ilvl → startOverride
    levels: dict[int, _Level] = field(default_factory=dict)  # ilvl → overriding w:lvl


@dataclass
class _State:
    """Counters of one abstract list: the last number shown at each level."""

    values: dict[int, int] = field(default_factory=dict)


_PLACEHOLDER = re.compile(r"%([1-9])")
_MAX_LEVELS = 9


class Numbering:
    """Labels of numbered paragraphs of one document, in document order.

    Call ``label(p)`` once per paragraph as the paragraphs are read; repeated calls for
    the same paragraph (merged table cells) return the first answer without counting.
    """

    def __init__(self, document: Any) -> None:
        self._abstract: dict[str, dict[int, _Level]] = {}
        self._abstract_link: dict[str, str] = {}  # abstractNumId → w:numStyleLink style
        self._nums: dict[str, _Num] = {}
        self._styles: dict[str, Any] = {}
        self._states: dict[str, _State] = {}
        self._seen_nums: set[str] = set()
        self._labels: dict[Any, str] = {}
        self._load(document)

    @property
    def active(self) -> bool:
        return bool(self._nums)

    def _load(self, document: Any) -> None:
        try:
            root = document.part.numbering_part.element
        except Exception:  # no numbering part: nothing is numbered
            return
        try:
            styles = document.styles.element
        except Exception:
            styles = None
        if styles is not None:
            for style in styles.iterchildren(_q("style")):
                style_id = style.get(_q("styleId"))
                if style_id:
                    self._styles[style_id] = style
        for abstract in root.iterchildren(_q("abstractNum")):
            abstract_id = abstract.get(_q("abstractNumId"))
            if abstract_id is None:
                continue
            levels: dict[int, _Level] = {}
            for lvl in abstract.iterchildren(_q("lvl")):
                ilvl = _int(lvl.get(_q("ilvl")))
                if ilvl is not None and 0 <= ilvl < _MAX_LEVELS:
                    levels[ilvl] = _level(lvl)
            self._abstract[abstract_id] = levels
            link = _val(abstract, "numStyleLink")
            if link:
                self._abstract_link[abstract_id] = link
        for num in root.iterchildren(_q("num")):
            num_id = num.get(_q("numId"))
            abstract_id = _val(num, "abstractNumId")
            if num_id is None or abstract_id is None:
                continue
            entry = _Num(abstract_id)
            for override in num.iterchildren(_q("lvlOverride")):
                ilvl = _int(override.get(_q("ilvl")))
                if ilvl is None or not 0 <= ilvl < _MAX_LEVELS:
                    continue
                start = _int(_val(override, "startOverride"))
                lvl = override.find(_q("lvl"))
                if lvl is not None:
                    entry.levels[ilvl] = _level(lvl)
                    if start is None:
                        start = entry.levels[ilvl].start
                if start is not None:
                    entry.overrides[ilvl] = start
            self._nums[num_id] = entry

    # --- which list and level a paragraph is in ---------------------------------------

    def _style_numbering(self, style_id: str | None) -> tuple[str | None, int | None]:
        """(numId, ilvl) a paragraph style (or the style it is based on) gives."""
        depth = 0
        while style_id and depth < 10:
            style = self._styles.get(style_id)
            if style is None:
                break
            num_pr = style.find(f"{_q('pPr')}/{_q('numPr')}")
            if num_pr is not None:
                num_id = _val(num_pr, "numId")
                if num_id is not None:
                    return num_id, _int(_val(num_pr, "ilvl"))
            style_id = _val(style, "basedOn")
            depth += 1
        return None, None

    def _resolve(self, p: Any) -> tuple[str, int, str | None] | None:
        ppr = p.find(_q("pPr"))
        num_pr = ppr.find(_q("numPr")) if ppr is not None else None
        style_id = _val(ppr, "pStyle") if ppr is not None else None
        num_id = _val(num_pr, "numId") if num_pr is not None else None
        ilvl = _int(_val(num_pr, "ilvl")) if num_pr is not None else None
        from_style = False
        if num_id is None:
            style_num, style_ilvl = self._style_numbering(style_id)
            if style_num is None:
                return None
            num_id, from_style = style_num, True
            if ilvl is None:
                ilvl = style_ilvl
        if num_id in (None, "0") or num_id not in self._nums:
            return None  # numId 0: numbering switched off for this paragraph
        if ilvl is None and from_style:
            ilvl = self._level_of_style(num_id, style_id)
        ilvl = ilvl or 0
        if not 0 <= ilvl < _MAX_LEVELS:
            return None
        return num_id, ilvl, style_id

    def _abstract_id(self, num_id: str) -> str:
        abstract_id = self._nums[num_id].abstract_id
        link = self._abstract_link.get(abstract_id)
        if link:  # a list style: the definition is in the num its style points to
            linked_num, _ = self._style_numbering(link)
            if linked_num and linked_num in self._nums:
                return self._nums[linked_num].abstract_id
        return abstract_id

    def _level_of_style(self, num_id: str, style_id: str | None) -> int:
        levels = self._abstract.get(self._abstract_id(num_id), {})
        for ilvl, level in levels.items():
            if style_id and level.style == style_id:
                return ilvl
        return 0

    def _definition(self, num_id: str, ilvl: int) -> _Level:
        num = self._nums[num_id]
        if ilvl in num.levels:
            return num.levels[ilvl]
        return self._abstract.get(self._abstract_id(num_id), {}).get(ilvl, _Level())

    # --- counting ---------------------------------------------------------------------

    def label(self, p: Any) -> str:
        """The label Word shows before paragraph ``p`` ("一、", "（1）", "①"), or ""."""
        if not self._nums:
            return ""
        if p in self._labels:
            return self._labels[p]
        text = self._count(p)
        self._labels[p] = text
        return text

    def _count(self, p: Any) -> str:
        resolved = self._resolve(p)
        if resolved is None:
            return ""
        num_id, ilvl, _style = resolved
        abstract_id = self._abstract_id(num_id)
        state = self._states.setdefault(abstract_id, _State())
        if num_id not in self._seen_nums:
            self._seen_nums.add(num_id)
            for override_ilvl, start in self._nums[num_id].overrides.items():
                state.values[override_ilvl] = start - 1  # a restart: the next number is ``start``
        level = self._definition(num_id, ilvl)
        if level.fmt == "bullet":
            return ""
        current = state.values.get(ilvl)
        state.values[ilvl] = level.start if current is None else current + 1
        for deeper in range(ilvl + 1, _MAX_LEVELS):
            restart = self._definition(num_id, deeper).restart
            after = deeper if restart is None else restart  # 1-based level
            if after and ilvl < after:
                state.values.pop(deeper, None)
        return self._render(num_id, ilvl, level, state)

    def _render(self, num_id: str, ilvl: int, level: _Level, state: _State) -> str:
        def number(match: re.Match[str]) -> str:
            k = int(match.group(1)) - 1
            definition = self._definition(num_id, k) if k != ilvl else level
            value = state.values.get(k, definition.start)
            fmt = definition.fmt
            if level.legal and fmt != "none":
                fmt = "decimal"
            return format_number(value, fmt)

        text = _PLACEHOLDER.sub(number, level.text).strip()
        last = text[-1:]
        if (
            last
            and level.suffix != "nothing"
            and ((last.isascii() and last.isalnum()) or "\u4e00" <= last <= "\u9fff")
        ):
            text += " "  # Word shows a tab or space after "第一条", "1.1"; not after "一、"
        return text
