"""Quantitative targets (指标) in a task's text: "覆盖率达到90%", "不少于1项" ...

The rule: a number with a unit is a target when a comparison word stands right before
it (达到, 达, 不低于, 不少于, 至少, 稳定在, 超过, 提高 …, optionally after a frequency
such as 每年 / 每两年), or 以上 / 以下 / 以内 right after it, or when its unit is a
percentage.  Everything else — "4种高毒农药", "15个重点品种", years, document numbers,
list labels — is a count, not a target.  A percentage without a comparison word
("建立率100%", "100%全覆盖") is read as "≥".
"""

from __future__ import annotations

import re

from foodsafety_desktop.core.plans.model import Comparison, ParsedTarget

__all__ = ["cn_number", "extract_targets"]

_CN_DIGIT = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
             "六": 6, "七": 7, "八": 8, "九": 9}  # fmt: skip


def cn_number(text: str) -> float | None:
    """'40' -> 40.0, '3.2' -> 3.2, '一' -> 1.0, '两' -> 2.0, '十五' -> 15.0, '二十' -> 20.0."""
    try:
        return float(text)
    except ValueError:
        pass
    if not text or any(ch not in _CN_DIGIT and ch not in "十百" for ch in text):
        return None
    total, current = 0, 0
    for ch in text:
        if ch == "百":
            total += (current or 1) * 100
            current = 0
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        else:
            current = current * 10 + _CN_DIGIT[ch]
    return float(total + current)


_UNITS = (
    "个百分点", "批次/千人", "学时/年", "个工作日", "个月", "亿元", "万元", "人次",
    "学时", "课时", "批次", "小时", "%", "元", "家", "项", "名", "个", "次", "人", "所", "场",
    "头份", "份", "起", "场次",
    "天", "期", "轮", "户", "条", "件", "篇", "座", "处", "类", "种", "吨", "公斤",
)  # fmt: skip
_QUANTITY = re.compile(
    r"(?<![\d.．第])(?P<num>\d+(?:\.\d+)?|[一二两三四五六七八九十百]+)\s*(?P<wan>万)?\s*"
    r"(?P<unit>" + "|".join(map(re.escape, sorted(_UNITS, key=len, reverse=True))) + r")"
    r"(?P<suffix>及以上|以上|以下|以内)?"
)
_GE = ("达到", "达", "不低于", "不少于", "至少", "稳定在", "保持在", "提高到", "提升到",
       "提高至", "提升至", "增加到", "增长到", "实现", "不低於")  # fmt: skip
_GT = ("超过", "高于", "多于", "大于")
_LE = ("不超过", "不高于", "不多于", "控制在")
_LT = ("低于", "少于", "小于")
_CHANGE = ("提高", "提升", "增长", "增加", "下降", "降低", "减少")
_ACTIONS = ("开展", "设立", "配备", "建设", "建立", "举办", "召开", "进行", "培训",
            "抽检", "检查", "公布", "发布", "设置", "安排", "完成", "组织")  # fmt: skip
_VERB_WORDS = sorted((*_GE, *_GT, *_LE, *_LT, *_CHANGE), key=len, reverse=True)
_VERB_ALT = "|".join(_VERB_WORDS)
_VERB_AT_END = re.compile(
    r"(?P<freq>每[一两二三四五六七八九十\d]*(?:年|季度|季|半年|月|周))?"
    r"(?P<verb>" + _VERB_ALT + r")"
    r"(?P<act>(?:组织)?(?:" + "|".join(_ACTIONS) + r"))?\s*$"
)
_VERB_ANYWHERE = re.compile(_VERB_ALT)
_CLAUSES = re.compile(r"[^，。；;,！？!?\n]+")
_SUBJECT_STOPS = "，。；：:;,"
_LEADING_LABEL = re.compile(
    r"^\s*(?:\d+\s*[.．、]|[（(][一二三四五六七八九十\d]+[)）]|[一二三四五六七八九十]+、)\s*"
)
_LEADING_FILLER = re.compile(r"^(?:确保|力争|争取|努力|推动|使|并且|并|同时|其中|且|要|全年要)")


_PER_THOUSAND = re.compile(r"每千人\s*$")


def _comparison(verb: str | None, suffix: str | None) -> Comparison:
    if suffix in {"以下", "以内"}:
        return "<" if verb in _LT else "≤"
    if verb in _GT:
        return ">"
    if verb in _LE:
        return "≤"
    if verb in _LT:
        return "<"
    return "≥"


def _subject_start(clause: str, end: int) -> int:
    """Where the measured phrase before ``end`` starts: after the last stop outside ().

    A 、 joins the subjects of one target ("集体用餐配送单位、大型餐饮服务单位…达到80%")
    and separates two targets ("…达到45%以上、…达到52%"): it stops the subject only
    when a number stands between it and the previous stop.
    """
    depth = 0
    for i in range(end - 1, -1, -1):
        ch = clause[i]
        if ch in "）)":
            depth += 1
        elif ch in "（(":
            depth = max(0, depth - 1)
        elif depth == 0 and (
            ch in _SUBJECT_STOPS or (ch == "、" and _NUMBER_BEFORE.search(clause[:i]))
        ):
            return i + 1
    return 0


# A quantity ending the text before a 、: "…覆盖率达45%以上、".
_NUMBER_BEFORE = re.compile(r"\d(?:\.\d+)?\s*[^\d，。；：:;,、]{0,6}$")


def _trim_front(clause: str, start: int, end: int) -> int:
    """Skip list labels, a leading attribution "（区卫健委）" and filler words."""
    while start < end:
        rest = clause[start:end]
        if m := _LEADING_LABEL.match(rest):
            start += m.end()
            continue
        if rest[0] in "（(":
            close = _matching_paren(rest)
            if close is not None and close + 1 < len(rest):
                start += close + 1
                continue
        if m := _LEADING_FILLER.match(rest):
            start += m.end()
            continue
        if rest[0].isspace():
            start += 1
            continue
        break
    return start


def _matching_paren(text: str) -> int | None:
    depth = 0
    for i, ch in enumerate(text):
        if ch in "（(":
            depth += 1
        elif ch in "）)":
            depth -= 1
            if depth == 0:
                return i
    return None


def _clean_subject(text: str) -> str:
    return text.strip().rstrip("的").strip()


def _target(clause: str, m: re.Match[str]) -> ParsedTarget | None:
    value = cn_number(m["num"])
    if value is None:
        return None
    if m["wan"]:
        value *= 10000  # "2万份"
    unit, suffix = m["unit"], m["suffix"]
    prefix = clause[: m.start()]
    if unit == "批次" and (per := _PER_THOUSAND.search(prefix)):
        unit, prefix = "批次/千人", prefix[: per.start()]  # "每千人2批次" = 2批次/千人
    verb_match = _VERB_AT_END.search(prefix)
    arabic = m["num"][0].isdigit()
    if verb_match is None and not arabic:
        return None  # "一流", "三年行动": Chinese numerals count only after a verb
    if verb_match is None and unit != "%" and "/" not in unit and suffix is None:
        return None  # a count, not a target; a rate ("4.5批次/千人") always is one
    verb = verb_match["verb"] if verb_match else None
    freq = verb_match["freq"] if verb_match else None
    if verb_match is not None:
        subject_end = verb_match.start()
    elif found := list(_VERB_ANYWHERE.finditer(prefix)):
        subject_end = found[-1].start()  # "人员达到队伍总人数的70%以上"
    else:
        subject_end = len(prefix)
    start = _trim_front(clause, _subject_start(clause, subject_end), subject_end)
    subject = _clean_subject(clause[start:subject_end])
    end = m.end()
    rest = clause[m.end() :].strip()
    if verb_match is not None and verb_match["act"] and rest:
        subject = _clean_subject(rest)  # "至少开展一次食品安全事件应急演练活动"
        end = len(clause)
    elif verb_match is None and suffix is None and rest:
        subject = _clean_subject(subject + rest)  # "经营者100%取得食品经营许可"
        end = len(clause)
    if verb in _CHANGE:
        subject += verb  # "人员占比每年提高2%": the increase is the target
    if freq and "/" not in unit:
        unit = f"{unit}/{freq[1:]}"
    return ParsedTarget(
        text=clause[start:end].strip(),
        value=value,
        unit=unit,
        comparison=_comparison(verb, suffix),
        subject=subject,
    )


def extract_targets(text: str) -> list[ParsedTarget]:
    """Every quantitative target in ``text``, in order, without repeats."""
    text = text.replace("％", "%").replace("／", "/")
    targets: list[ParsedTarget] = []
    seen: set[tuple[str, str, float | None, str]] = set()
    for clause_match in _CLAUSES.finditer(text):
        clause = clause_match.group()
        for m in _QUANTITY.finditer(clause):
            target = _target(clause, m)
            if target is None:
                continue
            key = (target.subject, target.comparison, target.value, target.unit)
            if key not in seen:
                seen.add(key)
                targets.append(target)
    return targets
