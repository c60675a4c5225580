"""Dates and times as the clerk sees them: Chinese dates (2023年11月30日) and the stored
naive-UTC timestamps in the computer's local time.  One place, so every report, sheet and
message writes them alike."""

from __future__ import annotations

import datetime as dt


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
