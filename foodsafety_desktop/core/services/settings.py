"""The office's settings (名称, 联系人, 电话 …) and its secret, stored in the ``setting`` table."""

from __future__ import annotations

import secrets

from sqlalchemy.orm import Session

from foodsafety_desktop.core.storage.models import Setting

OFFICE_NAME = "office_name"  # 县政府食安办
OFFICE_CONTACT = "office_contact"  # 联系人
OFFICE_PHONE = "office_phone"  # 联系电话
OFFICE_EMAIL = "office_email"  # 报送邮箱 (optional)
OFFICE_SECRET = "office_secret"  # hex; HMAC key of the template identity
TEMPLATE_PASSWORD = "template_sheet_password"  # optional sheet-protection password

DEFAULT_OFFICE_NAME = "食安办"


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
