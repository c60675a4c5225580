"""Dates and times as the clerk sees them: Chinese dates (2023年11月30日) and the stored
naive-UTC timestamps in the computer's local time.  One place, so every report, sheet and
message writes them alike."""

from __future__ import annotations

import calendar
import datetime as dt
import re

from foodsafety_desktop.core.errors import UserError


def cn_date(day: dt.date | None) -> str:
    """``2023年11月30日`` (no leading zeros, as in 公文); "" for None."""
    if day is None:
        return ""
    return f"{day.year}年{day.month}月{day.day}日"


def cn_datetime(moment: dt.datetime | None) -> str:
    """``2026年11月22日 18:30``; "" for None.  ``moment`` is shown as given (no zone change)."""
    if moment is None:
        return ""
    return f"{cn_date(moment)} {moment:%H:%M}"


def local_time(utc: dt.datetime) -> dt.datetime:
    """A stored naive-UTC time in the computer's time zone (naive, for display)."""
    return utc.replace(tzinfo=dt.timezone.utc).astimezone().replace(tzinfo=None)


def local_date(utc: dt.datetime) -> dt.date:
    """The office's local calendar date of a stored (naive UTC) timestamp."""
    return local_time(utc).date()


# --- what the clerk types: a task's 完成时限, a rule's due dates ----------------------

_ISO = re.compile(r"^(\d{4})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})$")
_CN_DAY = re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?(?:前|之前|底前)?$")
_CN_MONTH = re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月(?:份)?(?:底|末)?(?:前|之前)?$")
_YM = re.compile(r"^(\d{4})\s*[-/.]\s*(\d{1,2})$")
_CN_YEAR_END = re.compile(r"^(\d{4})\s*年\s*(?:年底|年末|底|末)(?:前|之前)?$")
DEADLINE_HINT = (
    "请输入日期，例如 2024-06-30、2024年6月30日、2024年6月 或 2024年底；留空表示无时限。"
)


def _date(year: int, month: int, day: int | None, written: str) -> dt.date:
    if not 1 <= month <= 12:
        raise UserError(f"完成时限“{written}”中的月份无效。{DEADLINE_HINT}")
    last = calendar.monthrange(year, month)[1]
    if day is None:
        return dt.date(year, month, last)
    if not 1 <= day <= last:
        raise UserError(f"完成时限“{written}”中的日期无效。{DEADLINE_HINT}")
    return dt.date(year, month, day)


def parse_deadline_input(text: str) -> tuple[dt.date | None, str | None]:
    """(deadline, deadline_text) for what the clerk typed into the 完成时限 cell.

    An exact date is stored as the date alone; a month or year end keeps the words as
    written (``2024年6月`` → 2024-06-30 + "2024年6月").  Raises UserError otherwise.
    """
    written = (text or "").strip()
    if not written:
        return None, None
    if m := _ISO.match(written):
        return _date(int(m[1]), int(m[2]), int(m[3]), written), None
    if m := _CN_DAY.match(written):
        return _date(int(m[1]), int(m[2]), int(m[3]), written), written
    if m := _CN_MONTH.match(written) or _YM.match(written):
        return _date(int(m[1]), int(m[2]), None, written), written
    if m := _CN_YEAR_END.match(written):
        return dt.date(int(m[1]), 12, 31), written
    parsed = _schedule_deadline(written)
    if parsed is not None:
        return parsed, written
    raise UserError(f"无法识别的完成时限“{written}”。{DEADLINE_HINT}")


def _schedule_deadline(written: str) -> dt.date | None:
    """The plan parser's reading of free deadline phrases (2024年6月底前完成 …), if any."""
    from foodsafety_desktop.core.plans.schedule import parse_deadline

    result = parse_deadline(written)
    return result[1] if result else None


def format_due_date(text: str) -> str:
    """ "12-01" → "12月1日", "2023-06-30" → "2023年6月30日"; anything else unchanged."""
    parts = text.split("-")
    try:
        if len(parts) == 2:
            return f"{int(parts[0])}月{int(parts[1])}日"
        if len(parts) == 3:
            return f"{int(parts[0])}年{int(parts[1])}月{int(parts[2])}日"
    except ValueError:
        pass
    return text


_DATE_FULL = re.compile(r"^(\d{4})\s*[年\-/.]\s*(\d{1,2})\s*[月\-/.]\s*(\d{1,2})\s*日?$")
_DATE_DAY = re.compile(r"^(\d{1,2})\s*[月\-/.]\s*(\d{1,2})\s*日?$")


def parse_due_dates(text: str) -> list[str]:
    """The reverse of ``format_due_date`` for "、"-separated dates; UserError when unreadable."""
    out = []
    for part in (p for p in re.split(r"[、，,；;\s]+", text.strip()) if p):
        if m := _DATE_FULL.match(part):
            year, month, day = (int(g) for g in m.groups())
            try:
                out.append(dt.date(year, month, day).isoformat())
            except ValueError:
                raise UserError(f"“{part}”不是有效的日期。") from None
        elif m := _DATE_DAY.match(part):
            month, day = (int(g) for g in m.groups())
            try:
                dt.date(2024, month, day)  # a leap year accepts 2月29日
            except ValueError:
                raise UserError(f"“{part}”不是有效的日期。") from None
            out.append(f"{month:02d}-{day:02d}")
        else:
            raise UserError(f"无法识别的日期“{part}”，请写作“12月1日”或“2023年6月30日”。")
    return out
