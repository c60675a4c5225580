"""When a returned workbook was received (收到日期): what 逾期 is judged by.

A clerk imports the e-mails of last week on Monday; the import time says nothing of
when a department sent its answer.  The date proposed is the earliest trustworthy
trace of the file's arrival: its modification time (a file saved from an e-mail or
WeChat carries the time it was saved) and the 填报日期 the department wrote, when that
is earlier — neither in the future, neither after the import.  The clerk can change it
in the preview, on the command line (``collect --received``) and afterwards.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from sqlalchemy.orm import Session

from foodsafety_desktop.core.dates import cn_date, local_date
from foodsafety_desktop.core.errors import UserError
from foodsafety_desktop.core.services import audit
from foodsafety_desktop.core.storage.models import Submission, utcnow

# "2022-09-20", "2022/9/20", "2022.9.20", "2022年9月20日" (Excel dates arrive as ISO).
_WRITTEN_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")


def file_modified_at(path: Path) -> dt.datetime | None:
    """The file's modification time as naive UTC (the schema's timestamps); None if unknown."""
    try:
        stamp = Path(path).stat().st_mtime
    except OSError:
        return None
    return dt.datetime.fromtimestamp(stamp, dt.timezone.utc).replace(tzinfo=None)


def written_date(text: str | None) -> dt.date | None:
    """The date of a 填报日期 cell as written, or None when it holds none."""
    match = _WRITTEN_DATE.search(text or "")
    if match is None:
        return None
    try:
        return dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def local_noon(day: dt.date) -> dt.datetime:
    """Local noon of ``day`` as naive UTC: a date the clerk gives, stored so that its
    local date is that day."""
    local = dt.datetime.combine(day, dt.time(12)).astimezone()
    return local.astimezone(dt.timezone.utc).replace(tzinfo=None)


BY_FILE_TIME = "按文件修改时间"
BY_FILLED_ON = "按填报日期"
BY_IMPORT = "按导入时间"
BY_CLERK = "手动指定"


def proposed_received(
    modified_at: dt.datetime | None, filled_on: str | None, *, now: dt.datetime | None = None
) -> tuple[dt.datetime, str]:
    """The receipt time proposed for a file (naive UTC) and what it rests on: the earlier
    of its modification time and its 填报日期 (local noon), leaving out either when it is
    later than ``now`` (the import); ``now`` when there is neither."""
    now = now or utcnow()
    candidates = []
    if modified_at is not None and modified_at <= now:
        candidates.append((modified_at, BY_FILE_TIME))
    filled = written_date(filled_on)
    if filled is not None and filled <= local_date(now):
        candidates.append((min(local_noon(filled), now), BY_FILLED_ON))
    return min(candidates, default=(now, BY_IMPORT))


def proposed_received_at(
    modified_at: dt.datetime | None, filled_on: str | None, *, now: dt.datetime | None = None
) -> dt.datetime:
    """The time of ``proposed_received``."""
    return proposed_received(modified_at, filled_on, now=now)[0]


def set_received_on(session: Session, submission_id: int, day: dt.date, *, user: str) -> bool:
    """The clerk corrects when a stored submission was received (逾期 follows it).

    Stored as local noon of ``day``; refused for a day in the future.  One audit entry
    with the dates before and after; False when nothing changed.
    """
    if day > dt.date.today():
        raise UserError(f"收到日期 {day.isoformat()} 晚于今天，请检查。")
    submission = session.get(Submission, submission_id)
    if submission is None:
        raise UserError("该报送记录已不存在（可能已被其他用户删除）。")
    before = local_date(submission.received_at)
    if before == day:
        return False
    submission.received_at = local_noon(day)
    audit.record(
        session,
        user=user,
        action="submission.received",
        entity="submission",
        entity_id=submission.id,
        summary=(
            f"修改“{submission.department.name}”{submission.period.name}报送的收到日期："
            f"{cn_date(before)} → {cn_date(day)}"
        ),
        detail={"before": before.isoformat(), "after": day.isoformat()},
    )
    session.flush()
    return True
