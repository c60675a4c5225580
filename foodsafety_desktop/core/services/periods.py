"""Reporting periods (报送期次) of a plan: proposed from its reporting rules or added by
hand, edited, deleted (undoably), and closed by themselves after their due date.

``propose_periods`` reads the plan's ``ReportingRule`` rows and years and returns drafts
the clerk reviews; ``create_periods`` stores them; ``add_period`` stores one the clerk
typed.  Names are short and regular — ``2023年第三季度``, ``2023年上半年``, ``2023年度``,
``2023年3月``, ``专项：方案制定情况`` — and never carry the due date, which has its own
column and is shown beside the name.  Decisions (see docs/reporting.md):

- years: ``plan.year_start``..``plan.year_end``, else the year of issue, else this year;
- quarterly rule with dates ``03-25,06-25,09-25,11-30``: the dates belong to the 1st,
  2nd, 3rd … quarter in order; when the rule's ``what`` mentions 年度/全年 and it has
  four dates, the last one is the annual report (``2022年度``) instead of a 4th quarter;
- yearly rule ``12-01``: ``2022年度`` due 2022-12-01 (a date in January or February is
  the report on the previous year, due early next year); a yearly rule with more than
  two dates is a monthly one ("每月25日前"): ``2022年3月`` due 03-25 (a day up to the
  10th is the report on the month before);
- half-yearly rule ``06-30,12-31``: ``2019年上半年`` / ``2019年下半年``; without dates
  the defaults are 上半年 due 07-10 and 下半年 due 01-10 of the next year (the usual
  "10 days after the period" of county offices); quarterly without dates: the 10th of
  the month after each quarter;
- once: a report on the whole year (全年/年度/年底, or a 总结/完成情况 due in November to
  February) is ``YYYY年度``, one on the first half (上半年/半年) ``YYYY年上半年``; two
  dates of one rule naming both are the 上半年 and the 年度 report, and so are two dates
  of a plain progress report due in May–July and November–January; a plan's own 方案
  is ``专项：方案制定情况``; anything else ``专项：{what, shortened}`` (several dates:
  ``（第一次）``, ``（第二次）`` …);
- a period due before the plan's issue date is skipped; names are unique per plan.

A period is open until ``due_date + grace`` (setting ``period_grace_days``, default 30
days) and closed after that, or when the clerk closed it by hand (``is_open`` False).
Closing stops nothing: a file for a closed period is still collected, and counts as
逾期报送 because it came after the due date.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from foodsafety_desktop.core.changes import PERIODS, SUBMISSIONS, ChangeSet
from foodsafety_desktop.core.dates import cn_date
from foodsafety_desktop.core.errors import UserError
from foodsafety_desktop.core.services import audit
from foodsafety_desktop.core.services.settings import period_grace_days
from foodsafety_desktop.core.storage.models import (
    PERIOD_HALF,
    PERIOD_KINDS,
    PERIOD_ONCE,
    PERIOD_QUARTER,
    PERIOD_YEAR,
    Evidence,
    Plan,
    ReportingPeriod,
    ReportingRule,
    Submission,
    SubmissionEntry,
    SummaryDraft,
)

if TYPE_CHECKING:
    from foodsafety_desktop.core.storage.database import Database

# Monthly reports need no schema change: ``kind`` is free text, checked here.
PERIOD_MONTH = "month"
KINDS = (*PERIOD_KINDS, PERIOD_MONTH)
KIND_LABELS = {
    PERIOD_QUARTER: "季度",
    PERIOD_HALF: "半年",
    PERIOD_YEAR: "年度",
    PERIOD_MONTH: "月度",
    PERIOD_ONCE: "专项",
}
KIND_BY_LABEL = {label: kind for kind, label in KIND_LABELS.items()}
QUARTER_NAMES = ("第一季度", "第二季度", "第三季度", "第四季度")
HALF_NAMES = ("上半年", "下半年")
# Defaults when a rule gives no dates: (month, day, years after the period's year).
DEFAULT_QUARTER_DUES = ((4, 10, 0), (7, 10, 0), (10, 10, 0), (1, 10, 1))
DEFAULT_HALF_DUES = ((7, 10, 0), (1, 10, 1))
DEFAULT_YEAR_DUE = (12, 20, 0)
DEFAULT_MONTH_DUE_DAY = 5  # of the next month
DEFAULT_ONCE_DAYS = 30  # a special report typed by hand: due in a month
ANNUAL_WORDS = ("年度", "全年")
ONCE_ANNUAL_WORDS = (*ANNUAL_WORDS, "年底", "年末")
FINAL_WORDS = ("总结", "完成情况")
SPECIAL_PREFIX = "专项："
PLAN_TOPIC = "方案制定情况"
DEFAULT_ONCE_NAME = "专项报送"
ORDINALS = "一二三四五六七八九十"
# Where a long 报送内容 is cut: "食品安全建设年工作各项任务落实情况" → "任务落实情况".
TOPIC_HEADS = ("任务", "工作", "阶段", "进展", "落实", "完成", "开展", "情况")
TOPIC_MAX = 8


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()


@dataclass
class PeriodDraft:
    """A proposed period, not yet stored."""

    name: str
    kind: str  # models.PERIOD_* or PERIOD_MONTH
    year: int | None
    due_date: dt.date
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    note: str | None = None  # the rule's wording, for the clerk

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)


@dataclass
class PeriodRow:
    """A stored period as listed (period list, the status matrix's columns).

    ``is_open`` is the state the clerk sees today: False once the period was closed by
    hand (``closed_by_hand``) or when ``closes_on`` (due date + grace) has passed.
    """

    id: int
    plan_id: int
    name: str
    kind: str
    year: int | None
    due_date: dt.date
    start_date: dt.date | None
    end_date: dt.date | None
    is_open: bool
    position: int
    note: str | None
    submission_count: int  # current submissions (departments that reported)
    closes_on: dt.date | None = None  # the last day it is open (due date + grace)
    closed_by_hand: bool = False

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)

    @property
    def state_label(self) -> str:
        return "进行中" if self.is_open else "已关闭"

    @property
    def closed_automatically(self) -> bool:
        return not self.is_open and not self.closed_by_hand

    @property
    def state_hint(self) -> str:
        """One Chinese sentence on when it closes, or why it is closed."""
        late = "仍可收取逾期报送（记为逾期报送）"
        if self.closed_by_hand:
            return f"已手动关闭，{late}。"
        if not self.is_open:
            return f"截止日期已过，已于{cn_date(self.closes_on)}后自动关闭，{late}。"
        if self.closes_on is not None:
            return f"截止日期{cn_date(self.due_date)}，{cn_date(self.closes_on)}后自动关闭。"
        return f"截止日期{cn_date(self.due_date)}。"


def closes_on(due_date: dt.date, grace_days: int) -> dt.date:
    """The last day a period due on ``due_date`` is open."""
    return due_date + dt.timedelta(days=grace_days)


def is_open_on(period: ReportingPeriod | PeriodRow, today: dt.date, grace_days: int) -> bool:
    """Whether the period is open on ``today`` (not closed by hand, grace not over)."""
    closed_by_hand = period.closed_by_hand if isinstance(period, PeriodRow) else not period.is_open
    return not closed_by_hand and today <= closes_on(period.due_date, grace_days)


def period_is_open(
    session: Session, period: ReportingPeriod, *, today: dt.date | None = None
) -> bool:
    """``is_open_on`` with the office's grace setting (for a single period's message)."""
    return is_open_on(period, today or dt.date.today(), period_grace_days(session))


# --- proposing ------------------------------------------------------------------------


def plan_years(plan: Plan) -> list[int]:
    """The years the plan runs (year_start..year_end, else the year of issue)."""
    start = plan.year_start or (plan.issued_on.year if plan.issued_on else None)
    if start is None:
        start = end = dt.date.today().year
    else:
        end = plan.year_end or start
    if end < start:
        start, end = end, start
    return list(range(start, end + 1))


def _parse_dates(text: str | None) -> list[tuple[int | None, int, int]]:
    """``"03-25,2022-07-20"`` → [(None, 3, 25), (2022, 7, 20)]; bad parts are skipped."""
    out: list[tuple[int | None, int, int]] = []
    for part in (text or "").replace("，", ",").split(","):
        bits = part.strip().split("-")
        try:
            numbers = [int(b) for b in bits]
        except ValueError:
            continue
        if len(numbers) == 2:
            out.append((None, numbers[0], numbers[1]))
        elif len(numbers) == 3:
            out.append((numbers[0], numbers[1], numbers[2]))
    return out


def _date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        if month == 2 and day == 29:
            return dt.date(year, 2, 28)
        return None


def _month_end(year: int, month: int) -> dt.date:
    first_next = dt.date(year + 1, 1, 1) if month == 12 else dt.date(year, month + 1, 1)
    return first_next - dt.timedelta(days=1)


def _quarter_bounds(year: int, quarter: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 3 * quarter - 2, 1), _month_end(year, 3 * quarter)


def _half_bounds(year: int, half: int) -> tuple[dt.date, dt.date]:
    if half == 1:
        return dt.date(year, 1, 1), dt.date(year, 6, 30)
    return dt.date(year, 7, 1), dt.date(year, 12, 31)


def _is_annual(rule: ReportingRule) -> bool:
    return any(word in (rule.what or rule.text or "") for word in ANNUAL_WORDS)


def _annual(year: int, due: dt.date, note: str | None) -> PeriodDraft:
    return PeriodDraft(
        f"{year}年度", PERIOD_YEAR, year, due, dt.date(year, 1, 1), dt.date(year, 12, 31), note
    )


def _half(year: int, half: int, due: dt.date, note: str | None) -> PeriodDraft:
    name = f"{year}年{HALF_NAMES[half - 1]}"
    return PeriodDraft(name, PERIOD_HALF, year, due, *_half_bounds(year, half), note)


def _month(year: int, month: int, due: dt.date, note: str | None) -> PeriodDraft:
    start, end = dt.date(year, month, 1), _month_end(year, month)
    return PeriodDraft(f"{year}年{month}月", PERIOD_MONTH, year, due, start, end, note)


def _report_year(due: dt.date) -> int:
    """The year an annual report due on ``due`` is about (January/February: the last)."""
    return due.year - 1 if due.month <= 2 else due.year


def short_topic(what: str | None) -> str:
    """What a special report is about, short enough for a period name.

    ``专项攻坚行动工作方案`` → ``方案制定情况``; ``食品安全建设年工作各项任务落实情况``
    → ``任务落实情况``; ``专项行动总结`` → ``行动总结``.
    """
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", what or ""))
    text = re.sub(r"[（(][^）)]*[）)]", "", text)  # dates or remarks in brackets
    text = re.sub(r"[，,。；;：:、]+.*$", "", text)  # a sentence fragment after a stop
    text = re.sub(r"(书面|材料|文字|电子版)+$", "", text)
    if not text:
        return DEFAULT_ONCE_NAME
    if text.endswith("方案"):
        return PLAN_TOPIC
    if text.startswith("专项") and len(text) > 4:
        text = text[2:]
    if len(text) <= TOPIC_MAX:
        return text
    starts = sorted(
        i
        for head in TOPIC_HEADS
        for i in range(len(text))
        if text.startswith(head, i) and 2 <= len(text) - i <= TOPIC_MAX
    )
    return text[starts[0] :] if starts else text[-TOPIC_MAX:]


def _once_kind(what: str, due: dt.date) -> tuple[str, int]:
    """(kind, half) of a once-only report on ``what`` due on ``due``; half is 1 or 2."""
    if any(word in what for word in ONCE_ANNUAL_WORDS):
        return PERIOD_YEAR, 0
    if "下半年" in what:
        return PERIOD_HALF, 2
    if "半年" in what:
        return PERIOD_HALF, 1
    if any(word in what for word in FINAL_WORDS) and due.month in (11, 12, 1, 2):
        return PERIOD_YEAR, 0
    return PERIOD_ONCE, 0


def _once_drafts(rule: ReportingRule, plan_year: int) -> list[PeriodDraft]:
    what = (rule.what or "").strip()
    note = rule.text
    dues = [
        d
        for year, month, day in _parse_dates(rule.due_dates)
        if (d := _date(year or plan_year, month, day)) is not None
    ]
    dues.sort()
    annual = any(word in what for word in ONCE_ANNUAL_WORDS)
    half = "半年" in what
    if len(dues) >= 2 and (
        (annual and half)
        or (
            not annual
            and not half
            and len(dues) == 2
            and dues[0].month in (5, 6, 7)
            and (dues[1].month in (11, 12) or (dues[1].month == 1 and dues[1].year > dues[0].year))
        )
    ):
        # "于6月20日前、11月30日前分别将上半年和全年任务完成情况报送"
        halves = [_half(d.year, 1, d, note) for d in dues[:-1]]
        return [*halves, _annual(_report_year(dues[-1]), dues[-1], note)]
    drafts: list[PeriodDraft] = []
    special: list[dt.date] = []
    for due in dues:
        kind, which = _once_kind(what, due)
        if kind == PERIOD_YEAR:
            drafts.append(_annual(_report_year(due), due, note))
        elif kind == PERIOD_HALF:
            year = due.year - 1 if which == 2 and due.month <= 6 else due.year
            drafts.append(_half(year, which, due, note))
        else:
            special.append(due)
    name = SPECIAL_PREFIX + short_topic(what)
    for n, due in enumerate(special, start=1):
        suffix = f"（第{ORDINALS[n - 1]}次）" if len(special) > 1 and n <= len(ORDINALS) else ""
        if len(special) > 1 and n > len(ORDINALS):
            suffix = f"（第{n}次）"
        drafts.append(PeriodDraft(name + suffix, PERIOD_ONCE, due.year, due, note=note))
    return drafts


def _monthly_drafts(
    dates: list[tuple[int | None, int, int]], years: list[int], note: str | None
) -> list[PeriodDraft]:
    """One period per month of the plan's years; a day up to the 10th reports on the
    month before ("每月5日前报送上月工作")."""
    day = max((d for _, _, d in dates), key=[d for _, _, d in dates].count)
    drafts = []
    for year in years:
        for month in range(1, 13):
            if day <= 10:
                due = _date(year + (month == 12), month % 12 + 1, day)
            else:
                due = _date(year, month, day)
            if due is not None:
                drafts.append(_month(year, month, due, note))
    return drafts


def _rule_drafts(rule: ReportingRule, years: list[int], plan_year: int) -> list[PeriodDraft]:
    dates = _parse_dates(rule.due_dates)
    note = rule.text
    drafts: list[PeriodDraft] = []
    kind = rule.recurrence
    if kind == "once":
        return _once_drafts(rule, plan_year)
    if kind == "yearly" and len(dates) > 2:
        return _monthly_drafts(dates, years, note)
    for year in years:
        if kind == "quarterly":
            dues = [(m, d, 1 if m < 3 * (i + 1) - 2 else 0) for i, (_, m, d) in enumerate(dates)]
            dues = dues[:4] or list(DEFAULT_QUARTER_DUES)
            annual_last = len(dues) == 4 and _is_annual(rule)
            for i, (month, day, later) in enumerate(dues):
                due = _date(year + later, month, day)
                if due is None:
                    continue
                if annual_last and i == 3:
                    drafts.append(_annual(year, due, note))
                else:
                    start, end = _quarter_bounds(year, i + 1)
                    name = f"{year}年{QUARTER_NAMES[i]}"
                    drafts.append(PeriodDraft(name, PERIOD_QUARTER, year, due, start, end, note))
        elif kind == "half-yearly":
            dues = [(m, d, 1 if (i == 1 and m < 7) else 0) for i, (_, m, d) in enumerate(dates)]
            dues = (dues + list(DEFAULT_HALF_DUES)[len(dues) :])[:2]
            for i, (month, day, later) in enumerate(dues):
                due = _date(year + later, month, day)
                if due is not None:
                    drafts.append(_half(year, i + 1, due, note))
        elif kind == "yearly":
            for _, month, day in dates or [(None, *DEFAULT_YEAR_DUE[:2])]:
                # A January/February date is the report on the previous year.
                due = _date(year + 1 if month <= 2 else year, month, day)
                if due is not None:
                    drafts.append(_annual(year, due, note))
    return drafts


def propose_periods(plan: Plan) -> list[PeriodDraft]:
    """Drafts for every period the plan's reporting rules call for, ordered by due date.

    Periods due before the plan was issued are left out; two rules giving the same name
    and date give one period; the same name on another date gets ``（2）``, ``（3）`` …
    appended so that names stay unique.
    """
    years = plan_years(plan)
    drafts: list[PeriodDraft] = []
    for rule in plan.reporting_rules:
        for draft in _rule_drafts(rule, years, years[0]):
            if plan.issued_on and draft.due_date < plan.issued_on:
                continue
            drafts.append(draft)
    drafts.sort(key=lambda d: (d.due_date, d.kind != PERIOD_ONCE))
    seen: dict[str, dt.date] = {}
    unique: list[PeriodDraft] = []
    for draft in drafts:
        if seen.get(draft.name) == draft.due_date:
            continue
        if draft.name in seen:
            draft.name = _unique_name(draft.name, seen)
        seen[draft.name] = draft.due_date
        unique.append(draft)
    return unique


def _unique_name(name: str, taken: dict[str, Any] | set[str]) -> str:
    n = 2
    candidate = f"{name}（{n}）"
    while candidate in taken:
        n += 1
        candidate = f"{name}（{n}）"
    return candidate


# --- periods typed by hand ------------------------------------------------------------

_CN_QUARTER = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_REGULAR = (
    (PERIOD_QUARTER, re.compile(r"^(\d{4})年?第?([一二三四1-4])季度$")),
    (PERIOD_HALF, re.compile(r"^(\d{4})年?([上下])半年$")),
    (PERIOD_YEAR, re.compile(r"^(\d{4})年度?$")),
    (PERIOD_MONTH, re.compile(r"^(\d{4})年(\d{1,2})月份?$")),
)


@dataclass(frozen=True)
class RegularPeriod:
    """What a regular name says: ``2023年第三季度`` → quarter 2023, 07-01…09-30."""

    kind: str
    year: int
    start_date: dt.date
    end_date: dt.date
    default_due: dt.date


def regular_period(name: str | None) -> RegularPeriod | None:
    """The kind, year and bounds a regular period name states; None for other names."""
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", name or ""))
    for kind, pattern in _REGULAR:
        m = pattern.match(text)
        if not m:
            continue
        year = int(m[1])
        if not 1900 <= year <= 2999:
            return None
        if kind == PERIOD_QUARTER:
            quarter = _CN_QUARTER[m[2]]
            month, day, later = DEFAULT_QUARTER_DUES[quarter - 1]
            start, end = _quarter_bounds(year, quarter)
            due = dt.date(year + later, month, day)
        elif kind == PERIOD_HALF:
            half = 1 if m[2] == "上" else 2
            month, day, later = DEFAULT_HALF_DUES[half - 1]
            start, end = _half_bounds(year, half)
            due = dt.date(year + later, month, day)
        elif kind == PERIOD_YEAR:
            start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
            due = dt.date(year, *DEFAULT_YEAR_DUE[:2])
        else:
            month = int(m[2])
            if not 1 <= month <= 12:
                return None
            start, end = dt.date(year, month, 1), _month_end(year, month)
            due = dt.date(year + (month == 12), month % 12 + 1, DEFAULT_MONTH_DUE_DAY)
        return RegularPeriod(kind, year, start, end, due)
    return None


def guess_kind(name: str | None) -> str:
    """The kind a period's name suggests: 季度, 半年, 年度, 月 — else 专项."""
    regular = regular_period(name)
    if regular is not None:
        return regular.kind
    text = name or ""
    if "季度" in text:
        return PERIOD_QUARTER
    if "半年" in text:
        return PERIOD_HALF
    if "年度" in text or "全年" in text:
        return PERIOD_YEAR
    return PERIOD_ONCE


def kind_from_label(text: str) -> str:
    """A kind given as 季度/半年/年度/月度/专项 (or quarter/half/year/month/once)."""
    value = (text or "").strip()
    if value in KINDS:
        return value
    if value in KIND_BY_LABEL:
        return KIND_BY_LABEL[value]
    labels = "、".join(KIND_LABELS[k] for k in KINDS)
    raise UserError(f"未知的报送期次类型：{value}（可选：{labels}）")


def draft_for(
    name: str,
    due_date: dt.date,
    *,
    kind: str | None = None,
    start_date: dt.date | None = None,
    end_date: dt.date | None = None,
    year: int | None = None,
    note: str | None = None,
) -> PeriodDraft:
    """A period the clerk typed, completed from its name: ``2023年第三季度`` is a
    quarter of 2023 from 07-01 to 09-30 unless kind or dates are given.  Without a
    regular name the period runs from ``start_date`` (if given) to the due date."""
    name = _clean_name(name)
    kind = kind or guess_kind(name)
    if kind not in KINDS:
        raise UserError(f"未知的报送期次类型：{kind}")
    regular = regular_period(name)
    if regular is not None and regular.kind == kind:
        start_date = start_date or regular.start_date
        end_date = end_date or regular.end_date
        year = year or regular.year
    elif start_date is not None and end_date is None:
        end_date = due_date
    if year is None:
        year = (start_date or due_date).year
    _check_dates(start_date, end_date)
    return PeriodDraft(name, kind, year, due_date, start_date, end_date, note)


def suggest_periods(
    session: Session, plan_id: int, *, today: dt.date | None = None
) -> dict[str, PeriodDraft]:
    """For the 新增期次 dialog: per kind, the next regular period the plan does not have.

    After the plan's newest period of a kind comes the one after it; a kind the plan has
    none of starts with the one that contains ``today`` in the plan's years, else the
    first of its first year.  专项 proposes ``专项：`` due in 30 days.
    """
    today = today or dt.date.today()
    plan = _plan(session, plan_id)
    years = plan_years(plan)
    names = set(
        session.scalars(select(ReportingPeriod.name).where(ReportingPeriod.plan_id == plan_id))
    )
    stated = [r for n in names if (r := regular_period(n)) is not None]
    out: dict[str, PeriodDraft] = {}
    for kind, per_year in (
        (PERIOD_QUARTER, 4),
        (PERIOD_HALF, 2),
        (PERIOD_YEAR, 1),
        (PERIOD_MONTH, 12),
    ):
        sequence = [
            (name, info)
            for year in range(years[0], years[-1] + 2)  # one year past the plan's last
            for index in range(1, per_year + 1)
            if (info := regular_period(name := _regular_name(kind, year, index))) is not None
        ]
        newest = max((r.start_date for r in stated if r.kind == kind), default=None)
        if newest is not None:
            later = [(n, i) for n, i in sequence if i.start_date > newest]
        else:
            current = [n for n, i in sequence if i.start_date <= today <= i.end_date]
            at = [n for n, _ in sequence].index(current[0]) if current else 0
            later = sequence[at:]
        free = next(((n, i) for n, i in later if n not in names), None)
        if free is not None:
            name, info = free
            out[kind] = PeriodDraft(
                name, kind, info.year, info.default_due, info.start_date, info.end_date
            )
    out[PERIOD_ONCE] = PeriodDraft(
        SPECIAL_PREFIX, PERIOD_ONCE, today.year, today + dt.timedelta(days=DEFAULT_ONCE_DAYS)
    )
    return out


def _regular_name(kind: str, year: int, index: int) -> str:
    if kind == PERIOD_QUARTER:
        return f"{year}年{QUARTER_NAMES[index - 1]}"
    if kind == PERIOD_HALF:
        return f"{year}年{HALF_NAMES[index - 1]}"
    if kind == PERIOD_MONTH:
        return f"{year}年{index}月"
    return f"{year}年度"


# --- storing and editing --------------------------------------------------------------


def _clean_name(name: str | None) -> str:
    text = " ".join((name or "").split())
    if not text:
        raise UserError("报送期次的名称不能为空。")
    if text.rstrip("：:") == SPECIAL_PREFIX.rstrip("："):
        raise UserError("请在“专项：”后写明报送内容，如“专项：方案制定情况”。")
    if len(text) > 200:
        raise UserError("报送期次的名称过长（最多200个字）。")
    return text


def _check_dates(start: dt.date | None, end: dt.date | None) -> None:
    if start and end and end < start:
        raise UserError("报送期次的结束日期早于开始日期，请检查。")


def propose_periods_for(session: Session, plan_id: int) -> list[PeriodDraft]:
    """``propose_periods`` of the plan ``plan_id`` (UserError when it is gone)."""
    return propose_periods(_plan(session, plan_id))


def _plan(session: Session, plan_id: int) -> Plan:
    plan = session.get(Plan, plan_id)
    if plan is None:
        raise UserError(f"未找到该工作方案（编号 {plan_id}），可能已被删除。")
    return plan


def _renumber(session: Session, plan_id: int) -> None:
    periods = session.scalars(
        select(ReportingPeriod)
        .where(ReportingPeriod.plan_id == plan_id)
        .order_by(ReportingPeriod.due_date, ReportingPeriod.id)
    ).all()
    for position, period in enumerate(periods, start=1):
        period.position = position


def _name_taken(session: Session, plan_id: int, name: str, *, but: int | None = None) -> bool:
    stmt = select(ReportingPeriod.id).where(
        ReportingPeriod.plan_id == plan_id, ReportingPeriod.name == name
    )
    if but is not None:
        stmt = stmt.where(ReportingPeriod.id != but)
    return session.scalar(stmt.limit(1)) is not None


def _clash(name: str) -> UserError:
    return UserError(f"该方案已有名为“{name}”的报送期次，请换一个名称。")


def create_periods(
    session: Session, plan_id: int, drafts: list[PeriodDraft], *, user: str
) -> list[int]:
    """Store ``drafts`` as periods of the plan (open) and return their ids in order.

    A draft whose name the plan already has is skipped (creating the proposals twice
    adds nothing); positions are renumbered by due date.  One audit entry, undoable.
    """
    plan = _plan(session, plan_id)
    existing = set(
        session.scalars(select(ReportingPeriod.name).where(ReportingPeriod.plan_id == plan_id))
    )
    created: list[ReportingPeriod] = []
    for draft in drafts:
        name = _clean_name(draft.name)
        if name in existing:
            continue
        if draft.kind not in KINDS:
            raise UserError(f"未知的报送期次类型：{draft.kind}")
        _check_dates(draft.start_date, draft.end_date)
        period = ReportingPeriod(
            plan_id=plan_id,
            name=name,
            kind=draft.kind,
            year=draft.year,
            due_date=draft.due_date,
            start_date=draft.start_date,
            end_date=draft.end_date,
            is_open=True,
            note=draft.note,
        )
        session.add(period)
        existing.add(name)
        created.append(period)
    session.flush()
    _renumber(session, plan_id)
    if created:
        names = "、".join(p.name for p in created)
        summary = (
            f"为“{plan.title}”新建报送期次“{names}”（截止 {cn_date(created[0].due_date)}）"
            if len(created) == 1
            else f"为“{plan.title}”新建报送期次 {len(created)} 个：{names}"
        )
        audit.record(
            session,
            user=user,
            action="period.create",
            entity="plan",
            entity_id=plan_id,
            summary=summary,
            detail={
                "periods": [{"id": p.id, "name": p.name, "due_date": p.due_date} for p in created],
                "undo": {"plan_id": plan_id, "period_ids": [p.id for p in created]},
            },
        )
    session.flush()
    return [p.id for p in created]


def add_period(
    session: Session,
    plan_id: int,
    *,
    user: str,
    name: str,
    due_date: dt.date,
    kind: str | None = None,
    start_date: dt.date | None = None,
    end_date: dt.date | None = None,
    year: int | None = None,
    note: str | None = None,
) -> int:
    """Add one period the clerk typed (新增期次, ``period add``); return its id.

    Kind, year and bounds are completed from a regular name (``draft_for``); a name the
    plan already has is refused.  One transaction, one audit entry, undoable.
    """
    _plan(session, plan_id)
    draft = draft_for(
        name,
        due_date,
        kind=kind,
        start_date=start_date,
        end_date=end_date,
        year=year,
        note=(note or "").strip() or None,
    )
    if _name_taken(session, plan_id, draft.name):
        raise _clash(draft.name)
    [period_id] = create_periods(session, plan_id, [draft], user=user)
    return period_id


def list_periods(
    session: Session, plan_id: int, *, today: dt.date | None = None
) -> list[PeriodRow]:
    """The plan's periods by due date, with the number of current submissions and
    whether each is open ``today`` (closed by hand, or past its due date + grace)."""
    today = today or dt.date.today()
    grace = period_grace_days(session)
    counts = dict(
        session.execute(
            select(Submission.period_id, func.count(func.distinct(Submission.department_id)))
            .join(ReportingPeriod, ReportingPeriod.id == Submission.period_id)
            .where(ReportingPeriod.plan_id == plan_id, Submission.is_current.is_(True))
            .group_by(Submission.period_id)
        ).all()
    )
    periods = session.scalars(
        select(ReportingPeriod)
        .where(ReportingPeriod.plan_id == plan_id)
        .order_by(ReportingPeriod.due_date, ReportingPeriod.position, ReportingPeriod.id)
    )
    return [
        PeriodRow(
            id=p.id,
            plan_id=p.plan_id,
            name=p.name,
            kind=p.kind,
            year=p.year,
            due_date=p.due_date,
            start_date=p.start_date,
            end_date=p.end_date,
            is_open=is_open_on(p, today, grace),
            position=p.position,
            note=p.note,
            submission_count=counts.get(p.id, 0),
            closes_on=closes_on(p.due_date, grace),
            closed_by_hand=not p.is_open,
        )
        for p in periods
    ]


def get_period(session: Session, period_id: int) -> ReportingPeriod:
    period = session.get(ReportingPeriod, period_id)
    if period is None:
        raise UserError(f"未找到报送期次（编号 {period_id}），可能已被删除。")
    return period


def find_period(session: Session, plan_id: int, name_or_id: str | int) -> ReportingPeriod:
    """The plan's period with this id or name (as the CLI's ``--period`` takes it).

    A name matches exactly after collapsing spaces; a number is tried as an id first,
    then as a name.  Unknown → UserError listing the valid names.
    """
    _plan(session, plan_id)
    periods = session.scalars(
        select(ReportingPeriod)
        .where(ReportingPeriod.plan_id == plan_id)
        .order_by(ReportingPeriod.due_date, ReportingPeriod.id)
    ).all()
    text = " ".join(str(name_or_id).split())
    if text.isdigit():
        for period in periods:
            if period.id == int(text):
                return period
    for period in periods:
        if period.name == text:
            return period
    for period in periods:  # 2023年第1季度 / ２０２３年度 typed differently
        if _loose(period.name) == _loose(text):
            return period
    if not periods:
        raise UserError(
            f"未找到报送期次“{text}”：该方案还没有报送期次，请先按方案生成或手工添加报送期次。"
        )
    names = "、".join(p.name for p in periods)
    raise UserError(f"未找到报送期次“{text}”。该方案的报送期次有：{names}")


_DIGITS = str.maketrans("０１２３４５６７８９一二三四", "0123456789" + "1234")


def _loose(name: str) -> str:
    return (
        "".join(name.split())
        .translate(_DIGITS)
        .replace("（", "(")
        .replace("）", ")")
        .replace("：", ":")
    )


_FIELDS = ("name", "kind", "year", "due_date", "start_date", "end_date", "note")
FIELD_LABELS = {
    "name": "名称",
    "kind": "类型",
    "year": "年度",
    "due_date": "截止日期",
    "start_date": "开始日期",
    "end_date": "结束日期",
    "note": "说明",
}


def _fields(period: ReportingPeriod) -> dict[str, Any]:
    return {key: getattr(period, key) for key in _FIELDS}


def _shown(key: str, value: Any) -> Any:
    """A field's value as the history panel shows it (kind as 季度, dates as text)."""
    if key == "kind":
        return KIND_LABELS.get(value, value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in values.items()}


def update_period(
    session: Session,
    period_id: int,
    *,
    user: str,
    name: str | None = None,
    due_date: dt.date | None = None,
    start_date: dt.date | None = UNSET,
    end_date: dt.date | None = UNSET,
    note: str | None = UNSET,
    kind: str | None = None,
    year: int | None = UNSET,
    derive_from_name: bool = False,
) -> bool:
    """Change a period's fields (only those given); one audit entry, undoable.

    With ``derive_from_name`` a regular name (``2023年第四季度``) also sets the kind
    (unless given), the year and the bounds (a start date given wins).  Returns False
    when nothing changed.
    """
    period = get_period(session, period_id)
    before = _fields(period)
    if name is not None:
        name = _clean_name(name)
        if _name_taken(session, period.plan_id, name, but=period.id):
            raise _clash(name)
        period.name = name
    if kind is not None:
        if kind not in KINDS:
            raise UserError(f"未知的报送期次类型：{kind}")
        period.kind = kind
    if due_date is not None:
        period.due_date = due_date
    if start_date is not UNSET:
        period.start_date = start_date
    if end_date is not UNSET:
        period.end_date = end_date
    if note is not UNSET:
        period.note = (note or "").strip() or None
    if year is not UNSET:
        period.year = year
    if derive_from_name and (regular := regular_period(period.name)) is not None:
        if kind is None:
            period.kind = regular.kind
        if period.kind == regular.kind:
            period.year = regular.year if year is UNSET else period.year
            if start_date is UNSET:
                period.start_date = regular.start_date
            if end_date is UNSET:
                period.end_date = regular.end_date
    _check_dates(period.start_date, period.end_date)
    after = _fields(period)
    changed = [k for k in _FIELDS if before[k] != after[k]]
    if not changed:
        return False
    session.flush()
    _renumber(session, period.plan_id)
    audit.record(
        session,
        user=user,
        action="period.update",
        entity="period",
        entity_id=period.id,
        summary=f"修改报送期次“{period.name}”：" + "、".join(FIELD_LABELS[k] for k in changed),
        detail={
            "before": {FIELD_LABELS[k]: _shown(k, before[k]) for k in changed},
            "after": {FIELD_LABELS[k]: _shown(k, after[k]) for k in changed},
            "undo": {"period_id": period.id, "fields": _jsonable(before)},
        },
    )
    session.flush()
    return True


def close_period(session: Session, period_id: int, *, user: str, reopen: bool = False) -> None:
    """Close a period by hand (no more submissions expected) or, with ``reopen``, take
    back that closing (a period past its due date + grace stays closed)."""
    period = get_period(session, period_id)
    if period.is_open == reopen:
        return
    period.is_open = reopen
    audit.record(
        session,
        user=user,
        action="period.reopen" if reopen else "period.close",
        entity="period",
        entity_id=period.id,
        summary=f"{'重新开放' if reopen else '关闭'}报送期次“{period.name}”",
    )
    session.flush()


# --- deleting -------------------------------------------------------------------------


class PeriodHasSubmissions(UserError):
    """Deleting a period that holds submissions needs ``force`` (after a confirmation)."""

    def __init__(self, name: str, submissions: int, departments: int) -> None:
        self.period_name = name
        self.submissions = submissions
        self.departments = departments
        super().__init__(
            f"报送期次“{name}”已收到 {departments} 个单位的 {submissions} 份报送，"
            "删除期次会同时删除这些报送记录（原件仍保留在存档中）。如只是不再收取，请关闭该期次。"
        )


@dataclass
class DeletedPeriod:
    """What ``delete_period`` removed."""

    period_id: int
    name: str
    submissions: int  # submission rows removed (history included)
    departments: int  # departments that had reported
    backup: Path | None = None  # the backup taken first (SQLite, with submissions)
    task_changes: dict[int, Any] = field(default_factory=dict)  # statuses re-derived

    @property
    def changes(self) -> ChangeSet:
        return PERIODS | SUBMISSIONS | ChangeSet(summaries=True) if self.submissions else PERIODS

    @property
    def message(self) -> str:
        text = f"已删除报送期次“{self.name}”"
        if self.submissions:
            text += f"及其 {self.submissions} 份报送记录（{self.departments} 个单位）"
        if self.backup is not None:
            text += f"；删除前已备份：{self.backup.name}"
        return text + "。可以撤销。"


def submission_counts(session: Session, period_id: int) -> tuple[int, int]:
    """(submission rows, departments) of a period, history included."""
    row = session.execute(
        select(
            func.count(Submission.id), func.count(func.distinct(Submission.department_id))
        ).where(Submission.period_id == period_id)
    ).one()
    return int(row[0] or 0), int(row[1] or 0)


def delete_period(
    session: Session,
    period_id: int,
    *,
    user: str,
    force: bool = False,
    expected_submissions: int | None = None,
    backup: Path | None = None,
) -> DeletedPeriod:
    """Delete a period in the caller's transaction; one audit entry holds everything it
    removed (the period, its submissions and their entries, the 工作总结 edits), so
    ``undo.undo_last`` puts it back.

    A period with submissions raises ``PeriodHasSubmissions`` unless ``force``; with
    ``expected_submissions`` (what the caller backed up) a period that received more
    meanwhile is refused.  Tasks whose status came from the removed submissions get it
    again from the remaining ones.  Use ``delete_period_with_backup`` for the backup.
    """
    from foodsafety_desktop.core.services.undo import period_snapshot

    period = get_period(session, period_id)
    submissions, departments = submission_counts(session, period_id)
    if submissions and not force:
        raise PeriodHasSubmissions(period.name, submissions, departments)
    if expected_submissions is not None and submissions > expected_submissions:
        raise UserError(f"报送期次“{period.name}”刚刚又收到了报送，未删除；请重新确认后再删除。")
    snapshot = period_snapshot(session, period)
    task_ids = sorted({e["task_id"] for e in snapshot["entries"]})
    plan_id, name = period.plan_id, period.name
    # Explicit deletes, not the schema's cascades: nothing depends on a pragma.
    submission_ids = select(Submission.id).where(Submission.period_id == period_id)
    session.execute(delete(Evidence).where(Evidence.submission_id.in_(submission_ids)))
    session.execute(
        delete(SubmissionEntry).where(SubmissionEntry.submission_id.in_(submission_ids))
    )
    session.execute(
        update(Submission)
        .where(Submission.replaced_submission_id.in_(submission_ids))
        .values(replaced_submission_id=None)
    )
    session.execute(delete(Submission).where(Submission.period_id == period_id))
    session.execute(delete(SummaryDraft).where(SummaryDraft.period_id == period_id))
    session.delete(period)
    session.flush()
    _renumber(session, plan_id)
    task_changes: dict[int, Any] = {}
    if task_ids:
        from foodsafety_desktop.core.services.collect.commit import refresh_tasks

        task_changes = refresh_tasks(session, task_ids)
    summary = f"删除报送期次“{name}”"
    if submissions:
        summary += f"（含 {departments} 个单位的 {submissions} 份报送）"
    audit.record(
        session,
        user=user,
        action="period.delete",
        entity="period",
        entity_id=period_id,
        summary=summary,
        detail={
            "period": {"name": name, "due_date": snapshot["period"]["due_date"]},
            "submissions": submissions,
            "backup": backup.name if backup is not None else None,
            "tasks": {
                str(task_id): {key: list(values) for key, values in change.items()}
                for task_id, change in task_changes.items()
            },
            "undo": snapshot,
        },
    )
    session.flush()
    return DeletedPeriod(period_id, name, submissions, departments, backup, task_changes)


def delete_period_with_backup(
    db: Database, period_id: int, *, user: str, force: bool = False
) -> DeletedPeriod:
    """删除期次 as the GUI and the CLI do it: a period with submissions is refused
    without ``force``; with it the database is backed up first (SQLite), then the
    period is deleted in one transaction."""
    from foodsafety_desktop.core.storage.backup import before_change

    with db.session() as session:
        period = get_period(session, period_id)
        submissions, departments = submission_counts(session, period_id)
        if submissions and not force:
            raise PeriodHasSubmissions(period.name, submissions, departments)
    backup = before_change(db, "period-delete") if submissions else None
    with db.session() as session:
        return delete_period(
            session,
            period_id,
            user=user,
            force=force,
            expected_submissions=submissions,
            backup=backup,
        )
