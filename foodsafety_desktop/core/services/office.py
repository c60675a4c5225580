"""The office that runs the ledger (食安办) as its documents name it: the 署名 of the
工作总结 and 催报通知, the 报送至 line of every 报送表, with its contact person and phone.

The name is the setting ``office_name`` when the clerk set one (every plan is signed so),
else the plan's place + 食品安全委员会办公室 (卢氏县食品安全委员会办公室, ``core.places``);
contact person, phone and e-mail are the settings ``office_contact`` / ``office_phone`` /
``office_email`` (``set_office``: the CLI ``office`` command and the 本单位信息 dialog).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy.orm import Session

from foodsafety_desktop.core.errors import UserError
from foodsafety_desktop.core.places import office_name_of, plan_place
from foodsafety_desktop.core.services.settings import (
    OFFICE_CONTACT,
    OFFICE_EMAIL,
    OFFICE_NAME,
    OFFICE_PHONE,
    get_setting,
    record_setting_change,
    set_setting,
)
from foodsafety_desktop.core.storage.models import Plan

# The settings this module edits, in the order the dialog and the CLI show them.
FIELDS = (
    (OFFICE_NAME, "单位名称", 60),
    (OFFICE_CONTACT, "联系人", 30),
    (OFFICE_PHONE, "联系电话", 40),
    (OFFICE_EMAIL, "电子邮箱", 100),
)
LABELS = {key: label for key, label, _limit in FIELDS}
_LIMITS = {key: limit for key, _label, limit in FIELDS}
_PHONE_RE = re.compile(r"^[0-9０-９+＋\-－—()（）\s转,，、/;；]+$")
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class OfficeSettings:
    """What the clerk set (None: not set)."""

    name: str | None = None
    contact: str | None = None
    phone: str | None = None
    email: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        return {
            OFFICE_NAME: self.name,
            OFFICE_CONTACT: self.contact,
            OFFICE_PHONE: self.phone,
            OFFICE_EMAIL: self.email,
        }


@dataclass(frozen=True)
class Office:
    """The office as one plan's documents name it."""

    name: str  # 卢氏县食品安全委员会办公室, or the setting office_name
    contact: str = ""
    phone: str = ""
    email: str = ""

    def contact_text(self, *, email: bool = True) -> str:
        """联系人：张三，联系电话：0398-7777777[，电子邮箱：…]; "" when nothing is set."""
        parts = [
            f"联系人：{self.contact}" if self.contact else "",
            f"联系电话：{self.phone}" if self.phone else "",
            f"电子邮箱：{self.email}" if email and self.email else "",
        ]
        return "，".join(p for p in parts if p)

    def send_to(self) -> str:
        """报送至 as a template prints it: 卢氏县食品安全委员会办公室（联系人：…，联系电话：…）."""
        contact = self.contact_text()
        return self.name + (f"（{contact}）" if contact else "")


def office_settings(session: Session) -> OfficeSettings:
    return OfficeSettings(
        name=get_setting(session, OFFICE_NAME) or None,
        contact=get_setting(session, OFFICE_CONTACT) or None,
        phone=get_setting(session, OFFICE_PHONE) or None,
        email=get_setting(session, OFFICE_EMAIL) or None,
    )


def place_of_plan(plan: Plan | None) -> str | None:
    """The place of a stored plan (卢氏县), None when it names none."""
    if plan is None:
        return None
    return plan_place(
        plan.jurisdiction, issuer=plan.issuer, title=plan.title, doc_number=plan.doc_number
    )


def generated_name(plan: Plan | None) -> str:
    """The name the documents of ``plan`` get without the setting office_name:
    卢氏县食品安全委员会办公室 (县食品安全委员会办公室 when only the level is known)."""
    return office_name_of(place_of_plan(plan), plan.jurisdiction if plan is not None else None)


def office_for(session: Session, plan: Plan | None) -> Office:
    """The office as the documents of ``plan`` name it (see the module docstring)."""
    settings = office_settings(session)
    name = settings.name or generated_name(plan)
    return Office(name, settings.contact or "", settings.phone or "", settings.email or "")


def office_form(session: Session, plan_id: int | None = None) -> tuple[OfficeSettings, str]:
    """What 本单位信息 shows: the settings, and the name the documents of ``plan_id``
    get when 单位名称 is left empty."""
    plan = session.get(Plan, plan_id) if plan_id is not None else None
    return office_settings(session), generated_name(plan)


def _checked(key: str, value: str | None) -> str | None:
    text = " ".join((value or "").split())
    if not text:
        return None
    label = LABELS[key]
    if len(text) > _LIMITS[key]:
        raise UserError(f"{label}太长（最多 {_LIMITS[key]} 个字）。")
    if key == OFFICE_PHONE and not _PHONE_RE.match(text):
        raise UserError(f"联系电话“{text}”只能包含数字、“-”、括号和“转”，如 0398-7777777。")
    if key == OFFICE_EMAIL and not _EMAIL_RE.match(text):
        raise UserError(f"电子邮箱“{text}”的格式不对，应如 sab@example.cn。")
    if key == OFFICE_NAME:
        text = text.replace(" ", "")
    return text


def set_office(session: Session, values: dict[str, str | None], *, user: str) -> list[str]:
    """Set some of the office's settings (``values``: key → text, "" or None clears it);
    audited in one entry.  Returns the labels of what changed (empty: nothing did).

    UserError for an unknown key, a text too long, a phone with letters or an e-mail
    address without "@".
    """
    unknown = [k for k in values if k not in LABELS]
    if unknown:
        raise UserError(f"没有名为“{'、'.join(unknown)}”的本单位信息。")
    before = office_settings(session).as_dict()
    after = dict(before)
    for key, value in values.items():
        after[key] = _checked(key, value)
    changed = [key for key, _label, _limit in FIELDS if after[key] != before[key]]
    if not changed:
        return []
    for key in changed:
        set_setting(session, key, after[key])
    record_setting_change(
        session,
        user=user,
        summary="本单位信息："
        + "；".join(f"{LABELS[k]}：{before[k] or '未填'} → {after[k] or '未填'}" for k in changed),
        before={k: before[k] for k in changed},
        after={k: after[k] for k in changed},
    )

    session.flush()
    return [LABELS[k] for k in changed]
