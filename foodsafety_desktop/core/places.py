"""Places (地区): the 县/区/市 a plan is written for — 卢氏县, 红旗区, 营口市鲅鱼圈区.

One rule (:func:`find_place`) reads the place from what a plan writes at its head —
the 发文机关 ("卢氏县人民政府办公室", "白河区食品安全委员会办公室"), the title
("2023年红旗区食品安全工作要点", "2020年营口市鲅鱼圈区…") — and from department names
that carry it ("卢氏县市场监管局"); the prefix most department names carry (县市场监管局
→ a 县) rules out the places of other levels (三门峡市 in a 县 plan), and the 文号's first
character (卢政办〔2022〕21号) prefers the place it abbreviates.

``Plan.jurisdiction`` keeps the place when one was found or typed in the review, else the
bare level ("县") as earlier versions did; :func:`plan_place` reads either (for a bare
level it finds the place again from the stored 发文机关 and title).  Pure: no database.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from foodsafety_desktop.core.names import LEVELS, jurisdiction_level

# What a place name may end with, longest first.  省 and 自治区 are provinces (left out
# of the place); 自治州 and 市 may hold the next level (营口市鲅鱼圈区).  Bare 州 and 盟
# are not suffixes here: 郑州, 杭州 are city names written without 市.
_SUFFIXES = ("自治县", "自治旗", "自治州", "自治区", "县", "区", "市", "旗", "省")
_PROVINCE = ("省", "自治区")
_HOLDS_LOWER = ("市", "自治州")
_MAX_NAME = 12  # 郑州高新技术产业开发区: 10 characters before 区

# A suffix character followed by these is a word, not the end of a place (新郑市场 …).
_NOT_ENDINGS = ("市场", "市政", "市级", "市民", "市域", "县级", "县域", "区级", "区域", "区划")
# Words no place name contains: a title or an organ, not a name ("食品安全示范区").
_NOT_IN_NAME = re.compile(
    r"[年的与及、，。；：（）()《》“”\"\s\d]|食品|安全|工作|示范|创建|重点|行动|方案|要点"
    r"|关于|印发|政府|人民|委员|办公|监督|监管|管理局|质量|提升|放心|工程|深化|加强|推进|开展"
    r"|实施|落实|专项|建设|城乡|农村|全域|所辖|辖区|各级|本级"
)
# Names that are words: 全县, 我区, 本市, 该县, 各县市区; a one-character name of this set
# (全 + 县, 城 + 区: the town of a county) is passed over, a name starting so is none.
_NOT_NAMES = frozenset("全我本该各此其县区市旗省城郊上下")
_NOT_NAME_START = re.compile(r"^(?:[全我本该各此其][县区市旗省]|[县区旗省])")

# What may stand before the place at the head of a text: a year ("2023年", "2022—2024年"),
# 中共, 关于印发, an opening bracket, a short parenthesis ("（此件公开发布）").
_LEAD = re.compile(
    r"^(?:\s+|[《〈「『“\"]|[（(][^（）()]{1,10}[）)]|中共|关于印发|关于|印发"
    r"|\d{4}\s*(?:[—–\-－~～至到]+\s*\d{4}\s*)?年度?)"
)
_DOC_HEAD = re.compile(r"^[\u4e00-\u9fff]")

OFFICE_SUFFIX = "食品安全委员会办公室"


def _unit_at(text: str, start: int) -> tuple[str, str] | None:
    """The shortest place unit written at ``text[start:]``: (unit, suffix), or None."""
    for n in range(1, _MAX_NAME + 1):
        name = text[start : start + n]
        if len(name) < n or _NOT_IN_NAME.search(name) or _NOT_NAME_START.match(name):
            return None
        if name in _NOT_NAMES:
            continue
        end = start + n
        for suffix in _SUFFIXES:
            if not text.startswith(suffix, end):
                continue
            after = end + len(suffix)
            if text[after - 1 : after + 1] in _NOT_ENDINGS:
                continue
            urban = n >= 2 and text[after - 1 : after + 1] == "市区"  # 新郑市区: its town
            if text[after : after + 1] in LEVELS and not urban and not _next_is_word(text, after):
                continue  # 红旗区, 沙市区: the suffix character is part of the name
            return name + suffix, suffix
    return None


def _next_is_word(text: str, at: int) -> bool:
    """Whether a place or a word starts at ``at`` (济南市|市中区, 济南市|市场监管局)."""
    return text[at : at + 2] in _NOT_ENDINGS or _unit_at(text, at) is not None


def leading_place(text: str | None) -> str | None:
    """The place a text starts with: "卢氏县人民政府办公室" → 卢氏县, "2020年营口市鲅鱼圈区
    食品安全…" → 营口市鲅鱼圈区, "河南省三门峡市卢氏县…" → 卢氏县, "新乡市红旗区…" →
    新乡市红旗区; None when it starts with none (市场监管局, 关于做好…的通知).

    A province is left out; a 区 keeps the city written before it (districts are named
    with their city), a 县 or county-level 市 does not.
    """
    compact = "".join((text or "").split())
    while match := _LEAD.match(compact):
        compact = compact[match.end() :]
    units: list[tuple[str, str]] = []
    at = 0
    while unit := _unit_at(compact, at):
        at += len(unit[0])
        if unit[1] in _PROVINCE:
            if units:
                break
            continue
        units.append(unit)
        if unit[1] not in _HOLDS_LOWER:
            break
    if not units:
        return None
    last, suffix = units[-1]
    if suffix == "自治州":
        return None
    if suffix == "区" and len(units) > 1 and units[-2][1] == "市":
        return units[-2][0] + last
    return last


def is_place(value: str | None) -> bool:
    """Whether ``value`` names a place ("卢氏县"), not only a level ("县") or nothing."""
    text = "".join((value or "").split())
    return len(text) >= 2 and jurisdiction_level(text) is not None and leading_place(text) == text


def check_place(text: str | None) -> str | None:
    """A place as the clerk typed it, tidied ("卢氏县"); None for an empty text.

    ValueError (with a Chinese message) when it does not end like a place.
    """
    value = "".join((text or "").split())
    if not value:
        return None
    if len(value) < 2 or jurisdiction_level(value) is None:
        raise ValueError(
            f"地区“{value}”应写县（区、市、旗）的全称，以“县”“区”“市”或“旗”结尾，"
            "如“卢氏县”“红旗区”“营口市鲅鱼圈区”。"
        )
    return value


def find_place(
    *,
    issuer: str | None = None,
    title: str | None = None,
    notice_title: str | None = None,
    doc_number: str | None = None,
    lines: Iterable[str] = (),
    department_names: Iterable[str] = (),
    level: str | None = None,
) -> str | None:
    """The place a plan is for, from its head and its department names.

    Candidates, in this order: the place the 发文机关 starts with, the title's, the
    notice title's ("关于印发卢氏县…的通知"), the other ``lines`` of the plan's head
    (a first line the parser did not take for the title), then places that department
    names start with (卢氏县市场监管局; most often written first).  With ``level`` (the prefix most
    department names carry) only places of that level count.  A candidate starting with
    the 文号's first character (卢政办 → 卢氏县) is preferred; of two spellings of one
    place the longer (新乡市红旗区 over 红旗区).  None when no candidate is left.
    """
    candidates: list[str] = []
    for text in (issuer, title, notice_title, *lines):
        place = leading_place(text)
        if place and place not in candidates:
            candidates.append(place)
    carried = Counter(
        place
        for name in department_names
        if (place := leading_place(name)) and len(place) < len("".join(name.split()))
    )
    for place, _count in carried.most_common():
        if place not in candidates:
            candidates.append(place)
    if level in LEVELS:
        candidates = [c for c in candidates if jurisdiction_level(c) == level]
    if not candidates:
        return None
    head = "".join((doc_number or "").split())[:1]
    if head and _DOC_HEAD.match(head):
        candidates.sort(key=lambda c: not c.startswith(head))  # stable: order kept otherwise
    best = candidates[0]
    longer = [c for c in candidates if c != best and c.endswith(best)]
    return max(longer, key=len) if longer else best


def place_name(jurisdiction: str | None) -> str | None:
    """The place ``Plan.jurisdiction`` names, None when it keeps only a level ("县")."""
    text = "".join((jurisdiction or "").split())
    return text if is_place(text) else None


def plan_place(
    jurisdiction: str | None,
    *,
    issuer: str | None = None,
    title: str | None = None,
    doc_number: str | None = None,
) -> str | None:
    """The place of a stored plan: the one ``Plan.jurisdiction`` names, else (plans
    imported by earlier versions kept only the level) found again from its 发文机关,
    title and 文号 by the same rule, limited to that level."""
    return place_name(jurisdiction) or find_place(
        issuer=issuer, title=title, doc_number=doc_number, level=jurisdiction_level(jurisdiction)
    )


def office_name_of(place: str | None, jurisdiction: str | None = None) -> str:
    """The office's name as it signs for a plan: 卢氏县食品安全委员会办公室; with only a
    level known 县食品安全委员会办公室; else 食品安全委员会办公室."""
    prefix = place or jurisdiction_level(jurisdiction) or ""
    return prefix + OFFICE_SUFFIX
