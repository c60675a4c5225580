"""Dates in plans: task deadlines (完成时限) and reporting rules (报送要求).

Rules chosen here (see also the tests):

* ``parse_deadline`` returns ``None`` for open-ended phrases (长期坚持, 持续推进, 每季度 …) and
  for dates without a year (年底前, 6月底) unless the caller passes ``default_year``.
  When a phrase names several dates, the latest one is the deadline.
* ``extract_reporting`` gives a half-yearly / quarterly / yearly rule that names no day
  the period ends as dates (06-30 and 12-31; 03-31 … 12-31; 12-31), so every rule has
  due dates; the sentence is kept in ``text`` for the user to check.  A monthly rule
  ("每月5日前") becomes a yearly rule with twelve dates.  Dates without a year become
  one-off dates of ``plan_year`` when it is known, else yearly dates.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from typing import Literal

from foodsafety_desktop.core.plans.model import Recurrence, ReportingRule

__all__ = ["deadline_in_text", "extract_reporting", "parse_deadline"]


_CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}

# One alternation, most specific first: a full date, year + month, year + part of year,
# an ISO-like date, a bare year (only when followed by 前/完成/the end).
_DEADLINE = re.compile(
    r"(?<!\d)(?P<y>\d{4})\s*"
    r"(?:"
    r"年\s*(?P<m>\d{1,2})\s*月\s*(?:(?P<d>\d{1,2})\s*[日号]|(?P<mend>底|末|份))?"
    r"|[-/.]\s*(?P<m2>\d{1,2})\s*[-/.]\s*(?P<d2>\d{1,2})(?!\d)"
    r"|年\s*(?P<part>年底|年末|底|末|上半年|下半年|第?[一二三四1-4]季度末?|全年)"
    r"|年(?=\s*(?:前|之前|以前|内|以内|完成|底前|$|[，。；;,）)]))"
    r")"
)
_MONTH_ONLY = re.compile(
    r"(?<![\d年])(?P<m>\d{1,2})\s*月\s*(?:(?P<d>\d{1,2})\s*[日号]|(?P<mend>底|末|份))?"
)
_YEAR_END_ONLY = re.compile(r"年底|年末")


def _last_day(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def _safe_date(year: int, month: int, day: int | None) -> dt.date | None:
    if not 1 <= month <= 12:
        return None
    if day is None:
        day = _last_day(year, month)
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _match_date(m: re.Match[str]) -> dt.date | None:
    year = int(m["y"])
    if m["m"]:
        return _safe_date(year, int(m["m"]), int(m["d"]) if m["d"] else None)
    if m["m2"]:
        return _safe_date(year, int(m["m2"]), int(m["d2"]))
    part = m["part"]
    if part is None or part in {"年底", "年末", "底", "末", "下半年", "全年"}:
        return dt.date(year, 12, 31)
    if part == "上半年":
        return dt.date(year, 6, 30)
    quarter = _CN_DIGITS[part.lstrip("第")[0]]
    month = quarter * 3
    return dt.date(year, month, _last_day(year, month))


def parse_deadline(text: str, *, default_year: int | None = None) -> tuple[str, dt.date] | None:
    """The deadline in ``text`` as written and its last day, or ``None``.

    "2020年10月" -> ("2020年10月", 2020-10-31); "2022年7月20日前" -> ("2022年7月20日",
    2022-07-20); "2023年底前" -> ("2023年底", 2023-12-31).  Open-ended phrases
    (长期坚持, 持续推进) and dates without a year give ``None`` unless ``default_year``
    supplies the year ("6月底前", default_year=2024 -> ("6月底", 2024-06-30)).
    """
    if not text:
        return None
    found: list[tuple[dt.date, str]] = []
    for m in _DEADLINE.finditer(text):
        date = _match_date(m)
        if date is not None:
            found.append((date, re.sub(r"\s+", "", m.group())))
    if not found and default_year is not None:
        for m in _MONTH_ONLY.finditer(text):
            date = _safe_date(default_year, int(m["m"]), int(m["d"]) if m["d"] else None)
            if date is not None:
                found.append((date, re.sub(r"\s+", "", m.group())))
        if not found and (year_end := _YEAR_END_ONLY.search(text)):
            found.append((dt.date(default_year, 12, 31), year_end.group()))
    if not found:
        return None
    date, label = max(found, key=lambda pair: pair[0])
    return label, date


# A deadline written into a task's text: "2024年6月底前完成", "年底前", "于9月30日前",
# "三季度末前", "上半年完成", "年内实现".  A phrase counts when 前/之前/以前 follows it
# or a verb of completion does (完成, 实现, 建成 …).
_WHEN = (
    r"(?:(?P<y>\d{4})\s*年\s*)?"
    r"(?:(?P<m>\d{1,2})\s*月\s*(?:(?P<d>\d{1,2})\s*[日号]|底|末|份)?"
    r"|(?P<part>年底|年末|年内|上半年|下半年|第?[一二三四1-4]季度末?)"
    r"|(?<=年)(?P<yend>底|末|内))"
)
_IN_TEXT_DEADLINE = re.compile(
    r"(?<![\d年第])" + _WHEN + r"\s*(?:前|之前|以前|(?=(?:全面|全部|基本|要|须|必须)?"
    r"(?:完成|实现|建成|落实到位)))"
    r"|(?<![\d每当])(?P<within>年内)"  # "年内组织…": within the year is a deadline itself
)
_QUARTER_END = {"一": 3, "二": 6, "三": 9, "四": 12, "1": 3, "2": 6, "3": 9, "4": 12}
_RECURRING_BEFORE = re.compile(r"(?:每年|每季度?|每月|每半年|次年|当年|每)\s*$")


def _in_text_date(m: re.Match[str], default_year: int | None) -> dt.date | None:
    if m["within"]:
        return dt.date(default_year, 12, 31) if default_year else None
    year = int(m["y"]) if m["y"] else default_year
    if year is None:
        return None
    if m["m"]:
        return _safe_date(year, int(m["m"]), int(m["d"]) if m["d"] else None)
    part = m["part"] or "年底"
    if part == "上半年":
        return dt.date(year, 6, 30)
    if "季度" in part:
        month = _QUARTER_END[part.lstrip("第")[0]]
        return dt.date(year, month, _last_day(year, month))
    return dt.date(year, 12, 31)  # 年底, 年末, 年内, 下半年, "2024年底"


def deadline_in_text(
    text: str, *, default_year: int | None = None
) -> tuple[str, dt.date | None] | None:
    """The deadline a task's text sets itself ("…，2024年6月底前完成"), or ``None``.

    Only phrases before 前/之前/以前 or a completion verb count: "到2025年，覆盖率达到
    90%" is a target's horizon, "2019年以来" a history, "每年12月1日前报送" a reporting
    rule.  The latest dated phrase wins; a phrase without a year in a plan of several
    years ("年底前") is kept as written, without a date.  "此项工作长期坚持" is kept too.
    """
    undated: str | None = None
    best: tuple[str, dt.date] | None = None
    for match in _IN_TEXT_DEADLINE.finditer(text):
        if _RECURRING_BEFORE.search(text[max(0, match.start() - 4) : match.start()]):
            continue
        phrase = re.sub(r"\s+", "", text[match.start() : match.end()])
        if phrase[-1] not in "前":
            phrase = re.sub(r"\s+", "", match.group())
        date = _in_text_date(match, default_year)
        if date is None:
            undated = undated or phrase
        elif best is None or date > best[1]:
            best = (phrase, date)
    if best is not None:
        return best
    if undated:
        return undated, None
    if open_ended := _OPEN_ENDED.search(text):
        return open_ended.group(1), None
    return None


# "此项工作长期坚持。": an open-ended deadline stated as a sentence of its own.
_OPEN_ENDED = re.compile(
    r"(?:^|[。；;，,])\s*(?:此项|该项|本项)?(?:工作|任务)?\s*(长期坚持|常态化开展)\s*[。；;]?\s*$"
)


# --- reporting rules ------------------------------------------------------------------

_SENTENCE_END = re.compile(r"(?<=[。！？!?])|\n")
_PARAGRAPH_END = ("。", "！", "？", "!", "?", "；", ";", "：", ":")
# "报县食安办" / "报区政府食安办": 报 before the office that receives the report.
_VERB = re.compile(r"报送|上报|呈报|提交|报告|报(?=[县区市旗]?(?:政府|委)?食安办)")
_CLAUSE = re.compile(r"[^，。；;,！？!?]*")
_MD = re.compile(
    r"(?:(?P<y>\d{4})\s*年\s*)?(?P<m>\d{1,2})\s*月\s*(?:(?P<d>\d{1,2})\s*[日号]|(?P<end>底|末))"
)
_YEAR_END = re.compile(r"(?:(?P<y>\d{4})\s*年\s*)?(?:年底|年末)|(?P<y2>\d{4})\s*年\s*底")
_QUARTER_MONTH_DAY = re.compile(
    r"季度(?P<which>末月|最后一个月|最后一月|首月|第一个月|第一月|结束后次月|后次月|次月)"
    r"\s*(?P<d>\d{1,2})\s*[日号]"
)
_MONTH_DAY = re.compile(r"(?:每月|每个月|次月|按月)\s*(?P<d>\d{1,2})\s*[日号]")
_HALF = re.compile(r"每半年|每半个年度|按半年|半年度")
_QUARTER = re.compile(r"每季度|每个季度|每季|按季度?|季度末")
_MONTH = re.compile(r"每月|每个月|按月")
_YEAR = re.compile(r"每年|每一年|按年度?|年度终了")
_COUNT_PREFIX = re.compile(r"^[\d一二两三四五六七八九十]+\s*次")
_DEFAULT_DATES: dict[str, list[str]] = {
    "yearly": ["12-31"],
    "half-yearly": ["06-30", "12-31"],
    "quarterly": ["03-31", "06-30", "09-30", "12-31"],
}


def _join_broken(paragraphs: list[str]) -> str:
    """Paragraphs as one text, re-joining a sentence a page break cut in two."""
    out = ""
    previous = ""
    for raw in paragraphs:
        para = raw.strip()
        if not para:
            continue
        if out and not out.endswith(_PARAGRAPH_END) and not _looks_like_heading(previous):
            out += para
        else:
            out += ("\n" if out else "") + para
        previous = para
    return out


def _looks_like_heading(paragraph: str) -> bool:
    """A short line without punctuation ("三、工作要求") ends its paragraph: never glue to it."""
    return len(paragraph) <= 20 and not any(ch in paragraph for ch in "，。；：,;:")


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text) if s and s.strip()]


def _frequency(scope: str) -> Recurrence | Literal["monthly"] | None:
    if _HALF.search(scope):
        return "half-yearly"
    if _QUARTER.search(scope):
        return "quarterly"
    if _MONTH.search(scope):
        return "monthly"
    if _YEAR.search(scope):
        return "yearly"
    return None


def _dates(scope: str) -> list[tuple[int | None, int, int]]:
    """(year or None, month, day) in order; a year carries on to the dates after it."""
    hits: list[tuple[int, tuple[int | None, int, int]]] = []
    for m in _MD.finditer(scope):
        month = int(m["m"])
        if not 1 <= month <= 12:
            continue
        year = int(m["y"]) if m["y"] else None
        day = int(m["d"]) if m["d"] else _last_day(2023, month)  # 2月底 -> 02-28
        if day > _last_day(2024, month):
            continue
        hits.append((m.start(), (year, month, day)))
    for m in _YEAR_END.finditer(scope):
        year_text = m["y"] or m["y2"]
        hits.append((m.start(), (int(year_text) if year_text else None, 12, 31)))
    hits.sort(key=lambda hit: hit[0])
    out: list[tuple[int | None, int, int]] = []
    carried: int | None = None
    for _, (year, month, day) in hits:
        if year is not None:
            carried = year
        out.append((year if year is not None else carried, month, day))
    return out


def _what(after: str, scope: str) -> str:
    what = _COUNT_PREFIX.sub("", after.strip()).strip()
    # "将年度工作总结报送（至）县食安办": the object stands before the verb, and what
    # follows it is the office that receives the report.
    before = re.search(r"将([^，。；;,]+?)(?:于|在|按|向|报送|$)", scope)
    if before and (not what or what[0] in "至到给" or _RECIPIENT.match(what)):
        what = before.group(1).strip()
    elif not what or what[0] in "至到给":
        what = ""
    return what.rstrip("等").strip()


# The office a report goes to: "县食安办", "区政府食安办", "市食安委办公室".
_RECIPIENT = re.compile(
    r"^[县区市旗镇乡]?(?:人民)?(?:政府)?(?:食安办|食安委办公室|食品安全委员会办公室)"
)


def _rule(sentence: str, scope: str, what: str, plan_year: int | None) -> ReportingRule | None:
    freq = _frequency(scope)
    dates = _dates(scope)
    recurrence: Recurrence
    if freq is None and not dates:
        return None
    if freq == "monthly":
        m = _MONTH_DAY.search(scope)
        day = int(m["d"]) if m else (dates[0][2] if dates else 28)
        days = [f"{month:02d}-{min(day, _last_day(2023, month)):02d}" for month in range(1, 13)]
        return ReportingRule(text=sentence, dates=days, recurrence="yearly", what=what)
    if freq == "quarterly" and not dates and (m := _QUARTER_MONTH_DAY.search(scope)):
        first = m["which"] in {"首月", "第一个月", "第一月", "结束后次月", "后次月", "次月"}
        months = (1, 4, 7, 10) if first else (3, 6, 9, 12)
        day = int(m["d"])
        days = [f"{mo:02d}-{min(day, _last_day(2023, mo)):02d}" for mo in months]
        return ReportingRule(text=sentence, dates=days, recurrence="quarterly", what=what)
    if freq is not None:
        month_days = list(dict.fromkeys(f"{m:02d}-{d:02d}" for _, m, d in dates))
        if freq == "yearly" and len(month_days) == 4:
            recurrence = "quarterly"
        elif freq == "yearly" and len(month_days) == 2:
            recurrence = "half-yearly"
        else:
            recurrence = freq
        return ReportingRule(
            text=sentence,
            dates=month_days or list(_DEFAULT_DATES[recurrence]),
            recurrence=recurrence,
            what=what,
        )
    if all(year is not None for year, _, _ in dates) or plan_year is not None:
        once: list[str] = []
        for year, month, day in dates:
            try:
                once.append(dt.date(year or plan_year or 0, month, day).isoformat())
            except ValueError:
                continue
        if not once:
            return None
        return ReportingRule(
            text=sentence, dates=list(dict.fromkeys(once)), recurrence="once", what=what
        )
    # A date without a year in a plan of several years comes back every year.
    month_days = list(dict.fromkeys(f"{m:02d}-{d:02d}" for _, m, d in dates))
    return ReportingRule(text=sentence, dates=month_days, recurrence="yearly", what=what)


def _rules_in_sentence(sentence: str, plan_year: int | None) -> list[ReportingRule]:
    rules: list[ReportingRule] = []
    start = 0
    for verb in _VERB.finditer(sentence):
        if verb.start() < start:
            continue
        clause = _CLAUSE.match(sentence, verb.end())
        end = clause.end() if clause else verb.end()
        scope = sentence[start : verb.start()]
        after = sentence[verb.end() : end]
        start = end
        if verb.group() == "报告" and ("向" not in scope or re.match(r"\s*(制度|率|书)", after)):
            continue  # "报告" as a noun: 自查评价报告制度, 风险报告率
        rule = _rule(sentence, scope, _what(after, scope), plan_year)
        if rule is not None:
            rules.append(rule)
    return rules


def extract_reporting(paragraphs: list[str], plan_year: int | None) -> list[ReportingRule]:
    """Reporting obligations (报送要求) in the plan's 工作措施 / 工作要求 paragraphs.

    Each rule's ``text`` is its sentence; the dates are those written before the verb
    (报送, 上报, 报告 …) in the same sentence, its ``what`` the object after the verb.
    Sentences without a date and without a frequency (每年, 每半年, 每季度) are ignored.
    """
    rules: list[ReportingRule] = []
    seen: set[tuple[tuple[str, ...], str, str]] = set()
    for sentence in _sentences(_join_broken(paragraphs)):
        if not _VERB.search(sentence):
            continue
        for rule in _rules_in_sentence(sentence, plan_year):
            key = (tuple(rule.dates), rule.recurrence, rule.what)
            if key not in seen:
                seen.add(key)
                rules.append(rule)
    return rules
