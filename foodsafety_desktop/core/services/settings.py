"""The office's settings (名称, 联系人, 电话 …) and its secret, stored in the ``setting`` table."""

from __future__ import annotations

import secrets

from sqlalchemy.orm import Session

from foodsafety_desktop.core.errors import UserError
from foodsafety_desktop.core.services import audit
from foodsafety_desktop.core.storage.models import Setting

OFFICE_NAME = "office_name"  # 县政府食安办
OFFICE_CONTACT = "office_contact"  # 联系人
OFFICE_PHONE = "office_phone"  # 联系电话
OFFICE_EMAIL = "office_email"  # 报送邮箱 (optional)
OFFICE_SECRET = "office_secret"  # hex; HMAC key of the template identity
TEMPLATE_PASSWORD = "template_sheet_password"  # optional sheet-protection password
# Days after its due date a reporting period closes by itself (late files are still taken).
PERIOD_GRACE_DAYS = "period_grace_days"
# The department that is the office running the ledger (its name), when the clerk says
# so; otherwise the office is recognised in each plan (``reporting_units``).
OFFICE_DEPARTMENT = "office_department"
# "1": the office reports like any other unit (template, 催报, 未报); default: it does not.
OFFICE_REPORTS = "office_reports"

DEFAULT_OFFICE_NAME = "食安办"
DEFAULT_PERIOD_GRACE_DAYS = 30
MAX_PERIOD_GRACE_DAYS = 366


def record_setting_change(
    session: Session, *, user: str, summary: str, before: object, after: object
) -> None:
    """The one audit entry of a change of settings (``setting.update``)."""
    audit.record(
        session,
        user=user,
        action="setting.update",
        entity="setting",
        entity_id=None,
        summary=summary,
        detail={"before": before, "after": after},
    )


def get_setting(session: Session, key: str, default: str | None = None) -> str | None:
    """The value of ``key``, or ``default`` when it is not set (or set to None)."""
    row = session.get(Setting, key)
    if row is None or row.value is None:
        return default
    return row.value


def set_setting(session: Session, key: str, value: str | None) -> None:
    """Set ``key`` to ``value`` in the caller's transaction (None clears it)."""
    row = session.get(Setting, key)
    if row is None:
        session.add(Setting(key=key, value=value))
    else:
        row.value = value
    session.flush()


def office_secret(session: Session) -> bytes:
    """The office's 32-byte secret, created on first use and kept in the database.

    It signs every template's identity block; it never leaves the database (a copy of
    the database file carries it, so a restored backup still verifies old templates).
    """
    value = get_setting(session, OFFICE_SECRET)
    if value:
        try:
            return bytes.fromhex(value)
        except ValueError:
            pass  # a damaged value: replace it (old templates then fail to verify)
    secret = secrets.token_bytes(32)
    set_setting(session, OFFICE_SECRET, secret.hex())
    return secret


def day_setting(session: Session, key: str, default: int, low: int, high: int) -> int:
    """A number of days stored under ``key``: ``default`` when unset or not in low…high."""
    value = get_setting(session, key)
    try:
        days = int(str(value).strip()) if value is not None else default
    except ValueError:
        return default
    return days if low <= days <= high else default


def set_day_setting(
    session: Session,
    key: str,
    days: int,
    *,
    default: int,
    low: int,
    high: int,
    label: str,
    user: str,
) -> bool:
    """Store a number of days under ``key``, audited as "{label}：30 天 → 5 天".  False
    when it was already ``days``; UserError (naming ``label``) for a value not an integer
    in low…high."""
    if isinstance(days, bool) or not isinstance(days, int):
        raise UserError(f"{label}应为整数。")
    if not low <= days <= high:
        raise UserError(f"{label}应在 {low} 到 {high} 之间。")
    before = day_setting(session, key, default, low, high)
    if before == days and get_setting(session, key) is not None:
        return False
    set_setting(session, key, str(days))
    record_setting_change(
        session,
        user=user,
        summary=f"{label}：{before} 天 → {days} 天",
        before={key: before},
        after={key: days},
    )
    session.flush()
    return True


def period_grace_days(session: Session) -> int:
    """Days after the due date a period closes by itself (default 30; a bad value → 30)."""
    return day_setting(
        session, PERIOD_GRACE_DAYS, DEFAULT_PERIOD_GRACE_DAYS, 0, MAX_PERIOD_GRACE_DAYS
    )


def set_period_grace_days(session: Session, days: int, *, user: str) -> bool:
    """Set the grace of every period (0 = closes the day after its due date); audited.

    Returns False when the value was already ``days``.  UserError outside 0…366.
    """
    return set_day_setting(
        session,
        PERIOD_GRACE_DAYS,
        days,
        default=DEFAULT_PERIOD_GRACE_DAYS,
        low=0,
        high=MAX_PERIOD_GRACE_DAYS,
        label="报送期次截止后自动关闭的天数",
        user=user,
    )


def office_department(session: Session) -> str | None:
    """The name of the department the clerk named as the office (None: not named)."""
    return get_setting(session, OFFICE_DEPARTMENT) or None


def set_office_department(session: Session, name: str | None, *, user: str) -> bool:
    """Name the department that is the office (None or "" forgets the choice); audited.

    ``name`` is a department's name or alias; its current name is stored.  UserError
    for a name no department has.  Returns False when nothing changed.
    """
    from foodsafety_desktop.core.services.departments import find_department_id
    from foodsafety_desktop.core.storage.models import Department

    text = (name or "").strip()
    value: str | None = None
    if text:
        department = session.get(Department, find_department_id(session, text))
        assert department is not None
        value = department.name
    before = office_department(session)
    if before == value:
        return False
    set_setting(session, OFFICE_DEPARTMENT, value)
    record_setting_change(
        session,
        user=user,
        summary=f"食安办（本办）所在单位：{before or '自动识别'} → {value or '自动识别'}",
        before={OFFICE_DEPARTMENT: before},
        after={OFFICE_DEPARTMENT: value},
    )
    return True


def office_reports(session: Session) -> bool:
    """Whether the office gets templates, is reminded and counted like any unit."""
    return (get_setting(session, OFFICE_REPORTS) or "").strip() in ("1", "true", "yes")


def set_office_reports(session: Session, include: bool, *, user: str) -> bool:
    """Include the office among the reporting units (or leave it out again); audited.

    Returns False when it was already so.
    """
    before = office_reports(session)
    if before == bool(include) and get_setting(session, OFFICE_REPORTS) is not None:
        return False
    set_setting(session, OFFICE_REPORTS, "1" if include else "0")
    label = {True: "报送", False: "不报送"}
    record_setting_change(
        session,
        user=user,
        summary=f"食安办本身是否填报报送表：{label[before]} → {label[bool(include)]}",
        before={OFFICE_REPORTS: before},
        after={OFFICE_REPORTS: bool(include)},
    )
    return True
