"""催报通知: the formal reminder to departments that have not sent the period's 报送表,
written in the 公文 format (the WeChat-sized text is ``tracking.reminder_text``)."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from sqlalchemy.orm import Session

from foodsafety_desktop.core.errors import UserError
from foodsafety_desktop.core.reports.formatting import (
    MAX_TITLE_LINES,
    break_title,
    keep_last_lines_with_signature,
    line_count,
)
from foodsafety_desktop.core.services.office import office_for
from foodsafety_desktop.core.services.periods import get_period
from foodsafety_desktop.core.services.tracking import missing_departments
from foodsafety_desktop.core.storage.models import Plan
from foodsafety_desktop.core.titles import period_words, plan_reference, progress, title_units
from foodsafety_desktop.core.word import OFFICIAL, FontSet, OfficialDocument, date_text

# Days given to reply once the due date has passed (calendar days: kept simple).
REPLY_DAYS = 3
# Up to this many departments are named as 主送机关; more would fill half a page, so
# the notice goes to 各有关单位 and names them in the body instead.
MAX_NAMED_RECIPIENTS = 10
GENERAL_RECIPIENT = "各有关单位"
# Where the office set no contact person or phone: room to write them by hand.
BLANK_NAME = "_" * 10
BLANK_PHONE = "_" * 16


def reply_deadline(due: dt.date, today: dt.date) -> dt.date:
    """The date to reply by: the due date while it has not passed, else today + 3 days."""
    return due if today <= due else today + dt.timedelta(days=REPLY_DAYS)


def reminder_title(plan_ref: str, period_name: str) -> str:
    """关于报送《方案》2022年第三季度落实情况的催报通知, broken into lines; with a plan
    title too long for three lines: 关于报送2022年第三季度食品安全工作落实情况的催报通知.
    ``plan_ref`` is the plan's title, in 书名号 or not (``core.titles``)."""
    period = period_words(period_name)
    title = break_title(
        title_units(["关于报送", plan_reference(plan_ref), period, "落实情况的催报通知"])
    )
    # Too long for three lines: the title names the period only, and the plan is named
    # in the first sentence (once, so the notice keeps to one page for 20 departments).
    if line_count(title) > MAX_TITLE_LINES:
        title = break_title(title_units(["关于报送", period, "食品安全工作", "落实情况的催报通知"]))
    return title


def contact_lines(contact: str, phone: str, email: str = "") -> str:
    """联系人：李四，联系电话：0398-1234567。 and, when set, 电子邮箱：… on a line of its
    own (an address broken onto the next line would spread the line before it apart);
    a contact or phone not set is a line to write it on (the notice is printed and
    sealed: the clerk fills it in)."""
    line = f"联系人：{contact or BLANK_NAME}，联系电话：{phone or BLANK_PHONE}。"
    return line + (f"\n电子邮箱：{email}" if email else "")


def _work_progress(period_name: str) -> str:
    """2022年第三季度工作落实情况; 方案制定情况 (a topic saying it) as it is."""
    words, said = period_words(period_name), progress(period_name)
    return said if said == words else f"{words}工作落实情况"


def write_reminder(
    session: Session,
    period_id: int,
    path: str | os.PathLike[str],
    *,
    today: dt.date | None = None,
    letterhead: str | os.PathLike[str] | None = None,
    fonts: FontSet = OFFICIAL,
) -> Path:
    """Write the 催报通知 of the period to ``path``: addressed to the departments without
    a current submission, signed by the office (settings) and dated ``today``.

    UserError when every department has reported.
    """
    today = today or dt.date.today()
    period = get_period(session, period_id)
    plan = session.get(Plan, period.plan_id)
    missing = missing_departments(session, period_id)
    if not missing:
        raise UserError(f"{period.name}各单位均已报送，无需催报。")
    info = office_for(session, plan)  # 卢氏县食品安全委员会办公室 (or the setting)
    office, contact, phone, email = info.name, info.contact, info.phone, info.email

    plan_ref = plan_reference(plan.title) if plan else ""
    names = [d.name for d in missing]
    named = len(names) <= MAX_NAMED_RECIPIENTS
    due = period.due_date
    reply_by = reply_deadline(due, today)

    doc = OfficialDocument(letterhead, fonts=fonts)
    title = reminder_title(plan_ref, period.name)
    doc.title(title)
    doc.recipient("、".join(names) if named else GENERAL_RECIPIENT)

    who = "你单位" if named else f"{'、'.join(names)}等{len(names)}个单位"
    in_title = bool(plan_ref) and plan_ref in title.replace("\n", "")
    basis = "按照工作安排" if in_title or not plan_ref else f"按照{plan_ref}工作安排"
    opening = (
        f"{basis}，各有关单位应于{date_text(due)}前报送{_work_progress(period.name)}。"
        f"截至{date_text(today)}，{who}尚未报送"
    )
    if today > due:
        opening += f"，已超过报送截止日期{(today - due).days}天。"
    elif today == due:
        opening += "，今天为报送截止日期。"
    else:
        opening += f"，距报送截止日期还有{(due - today).days}天。"
    doc.paragraph(opening)

    # As the 填报说明 of the 报送表 says (core.services.templates): fill in the file
    # sent, saved as .xlsx or .xls, rows and columns as they are, sent by e-mail, USB
    # stick or WeChat.
    doc.paragraph(
        f"请{'你单位' if named else '上述单位'}于{date_text(reply_by)}前，将经单位负责人审核的"
        f"报送表通过电子邮件、U盘或微信报送{office}。报送表请在下发的原表中填写，"
        "保存为.xlsx或.xls格式均可，不要增删行列或复制到其他表格中，以免无法汇总。"
    )
    doc.paragraph(contact_lines(contact, phone, email))
    doc.paragraph("特此通知。")
    doc.signature(office, today)
    keep_last_lines_with_signature(doc)
    return doc.save(path)
