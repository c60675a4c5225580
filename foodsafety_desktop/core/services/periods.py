"""Reporting periods (报送期次) of a plan: proposed from its reporting rules, then editable.

``propose_periods`` reads the plan's ``ReportingRule`` rows and years and returns drafts
the clerk reviews; ``create_periods`` stores them.  Decisions (see docs/reporting.md):

- years: ``plan.year_start``..``plan.year_end``, else the year of issue, else this year;
- quarterly rule with dates ``03-25,06-25,09-25,11-30``: the dates belong to the 1st,
  2nd, 3rd … quarter in order; when the rule's ``what`` mentions 年度/全年 and it has
  four dates, the last one is the annual report (``2022年度``) instead of a 4th quarter;
- yearly rule ``12-01``: ``2022年度`` due 2022-12-01 (a date in January or February is
  the report on the previous year, due early next year);
- half-yearly rule ``06-30,12-31``: ``2019年上半年`` / ``2019年下半年``; without dates
  the defaults are 上半年 due 07-10 and 下半年 due 01-10 of the next year (the usual
  "10 days after the period" of county offices); quarterly without dates: the 10th of
  the month after each quarter;
- once: one period per full date, named ``{what}（YYYY-MM-DD）``;
- a period due before the plan's issue date is skipped; names are unique per plan.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from foodsafety_desktop.core.errors import UserError
from foodsafety_desktop.core.services import audit
from foodsafety_desktop.core.storage.models import (
    PERIOD_HALF,
    PERIOD_KINDS,
    PERIOD_ONCE,
    PERIOD_QUARTER,
    PERIOD_YEAR,
    Plan,
    ReportingPeriod,
    ReportingRule,
    Submission,
)

KIND_LABELS = {
    PERIOD_QUARTER: "季度",
    PERIOD_HALF: "半年",
    PERIOD_YEAR: "年度",
    PERIOD_ONCE: "专项",
}
QUARTER_NAMES = ("第一季度", "第二季度", "第三季度", "第四季度")
HALF_NAMES = ("上半年", "下半年")
# Defaults when a rule gives no dates: (month, day, years after the period's year).
DEFAULT_QUARTER_DUES = ((4, 10, 0), (7, 10, 0), (10, 10, 0), (1, 10, 1))
DEFAULT_HALF_DUES = ((7, 10, 0), (1, 10, 1))
DEFAULT_YEAR_DUE = (12, 20, 0)
ANNUAL_WORDS = ("年度", "全年")
DEFAULT_ONCE_NAME = "专项报送"


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()


@dataclass
class PeriodDraft:
    """A proposed period, not yet stored."""

    name: str
    kind: str  # models.PERIOD_*
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
    """A stored period as listed (period list, the status matrix's columns)."""

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

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)

    @property
    def state_label(self) -> str:
        return "进行中" if self.is_open else "已关闭"


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


def _quarter_bounds(year: int, quarter: int) -> tuple[dt.date, dt.date]:
    start = dt.date(year, 3 * quarter - 2, 1)
    end_month = 3 * quarter
    end = (dt.date(year + 1, 1, 1) if end_month == 12 else dt.date(year, end_month + 1, 1)) - (
        dt.timedelta(days=1)
    )
    return start, end


def _is_annual(rule: ReportingRule) -> bool:
    return any(word in (rule.what or rule.text or "") for word in ANNUAL_WORDS)


def _rule_drafts(rule: ReportingRule, years: list[int], plan_year: int) -> list[PeriodDraft]:
    dates = _parse_dates(rule.due_dates)
    note = rule.text
    drafts: list[PeriodDraft] = []
    kind = rule.recurrence
    if kind == "once":
        what = (rule.what or "").strip() or DEFAULT_ONCE_NAME
        for year, month, day in dates:
            due = _date(year or plan_year, month, day)
            if due is not None:
                drafts.append(
                    PeriodDraft(
                        f"{what}（{due.isoformat()}）", PERIOD_ONCE, due.year, due, note=note
                    )
                )
        return drafts
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
            bounds = (
                (dt.date(year, 1, 1), dt.date(year, 6, 30)),
                (dt.date(year, 7, 1), dt.date(year, 12, 31)),
            )
            for i, (month, day, later) in enumerate(dues):
                due = _date(year + later, month, day)
                if due is not None:
                    name = f"{year}年{HALF_NAMES[i]}"
                    drafts.append(PeriodDraft(name, PERIOD_HALF, year, due, *bounds[i], note))
        elif kind == "yearly":
            for _, month, day in dates or [(None, *DEFAULT_YEAR_DUE[:2])]:
                # A January/February date is the report on the previous year.
                due = _date(year + 1 if month <= 2 else year, month, day)
                if due is not None:
                    drafts.append(_annual(year, due, note))
    return drafts


def _annual(year: int, due: dt.date, note: str | None) -> PeriodDraft:
    return PeriodDraft(
        f"{year}年度", PERIOD_YEAR, year, due, dt.date(year, 1, 1), dt.date(year, 12, 31), note
    )


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


def _unique_name(name: str, taken: dict[str, Any]) -> str:
    n = 2
    candidate = f"{name}（{n}）"
    while candidate in taken:
        n += 1
        candidate = f"{name}（{n}）"
    return candidate


# --- storing and editing --------------------------------------------------------------


def _clean_name(name: str | None) -> str:
    text = " ".join((name or "").split())
    if not text:
        raise UserError("报送期次的名称不能为空。")
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


def create_periods(
    session: Session, plan_id: int, drafts: list[PeriodDraft], *, user: str
) -> list[int]:
    """Store ``drafts`` as periods of the plan (open) and return their ids in order.

    A draft whose name the plan already has is skipped (creating the proposals twice
    adds nothing); positions are renumbered by due date.
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
        if draft.kind not in PERIOD_KINDS:
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
        audit.record(
            session,
            user=user,
            action="period.create",
            entity="plan",
            entity_id=plan_id,
            summary=f"为“{plan.title}”新建报送期次 {len(created)} 个：{names}",
            detail=[{"id": p.id, "name": p.name, "due_date": p.due_date} for p in created],
        )
    session.flush()
    return [p.id for p in created]


def list_periods(session: Session, plan_id: int) -> list[PeriodRow]:
    """The plan's periods by due date, with the number of current submissions."""
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
            is_open=p.is_open,
            position=p.position,
            note=p.note,
            submission_count=counts.get(p.id, 0),
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
        raise UserError(f"未找到报送期次“{text}”：该方案还没有报送期次，请先生成报送期次。")
    names = "、".join(p.name for p in periods)
    raise UserError(f"未找到报送期次“{text}”。该方案的报送期次有：{names}")


_DIGITS = str.maketrans("０１２３４５６７８９一二三四", "0123456789" + "1234")


def _loose(name: str) -> str:
    return "".join(name.split()).translate(_DIGITS).replace("（", "(").replace("）", ")")


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
) -> None:
    """Change a period's fields (only those given); one audit entry lists the changes."""
    period = get_period(session, period_id)
    before = _fields(period)
    if name is not None:
        name = _clean_name(name)
        clash = session.scalar(
            select(ReportingPeriod.id).where(
                ReportingPeriod.plan_id == period.plan_id,
                ReportingPeriod.name == name,
                ReportingPeriod.id != period.id,
            )
        )
        if clash is not None:
            raise UserError(f"该方案已有名为“{name}”的报送期次，请换一个名称。")
        period.name = name
    if kind is not None:
        if kind not in PERIOD_KINDS:
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
    _check_dates(period.start_date, period.end_date)
    after = _fields(period)
    changed = {k: {"before": before[k], "after": after[k]} for k in after if before[k] != after[k]}
    if not changed:
        return
    session.flush()
    _renumber(session, period.plan_id)
    audit.record(
        session,
        user=user,
        action="period.update",
        entity="period",
        entity_id=period.id,
        summary=f"修改报送期次“{period.name}”",
        detail=changed,
    )
    session.flush()


def _fields(period: ReportingPeriod) -> dict[str, Any]:
    return {
        "name": period.name,
        "kind": period.kind,
        "year": period.year,
        "due_date": period.due_date,
        "start_date": period.start_date,
        "end_date": period.end_date,
        "note": period.note,
    }


def close_period(session: Session, period_id: int, *, user: str, reopen: bool = False) -> None:
    """Close a period (no more submissions expected) or, with ``reopen``, open it again."""
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


def delete_period(session: Session, period_id: int, *, user: str) -> None:
    """Delete a period that has no submissions (one with submissions can only be closed)."""
    period = get_period(session, period_id)
    has = session.scalar(select(func.count()).where(Submission.period_id == period_id))
    if has:
        raise UserError(
            f"报送期次“{period.name}”已收到 {has} 份报送，不能删除；如不再收取，请关闭该期次。"
        )
    plan_id, name = period.plan_id, period.name
    session.delete(period)
    session.flush()
    _renumber(session, plan_id)
    audit.record(
        session,
        user=user,
        action="period.delete",
        entity="period",
        entity_id=period_id,
        summary=f"删除报送期次“{name}”",
    )
    session.flush()
