"""退回说明: the notice sending a department's 报送表 back for rework (公文 format), and
the package a returned unit gets: the notice and its prefilled template of the period.

The return itself (who, when, the comments) is ``services.returns``; this module only
writes files from it.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from foodsafety_desktop.core.dates import local_time
from foodsafety_desktop.core.errors import UserError
from foodsafety_desktop.core.reports.formatting import (
    break_title,
    keep_last_lines_with_signature,
)
from foodsafety_desktop.core.reports.reminder import contact_lines
from foodsafety_desktop.core.services import returns
from foodsafety_desktop.core.storage.database import Database
from foodsafety_desktop.core.storage.models import Plan
from foodsafety_desktop.core.titles import period_words, plan_reference, title_units
from foodsafety_desktop.core.word import FontSet, OfficialDocument, date_text


@dataclass(frozen=True)
class ReturnPackage:
    """The files for the department: the 退回说明 and the prefilled template."""

    notice_path: Path
    template_path: Path


@dataclass
class ReturnNotice:
    """What the 退回说明 says (plain data: the notice needs no database)."""

    office: str  # 卢氏县食品安全委员会办公室
    department: str
    period: str
    file_name: str  # the returned workbook as received
    received_on: dt.date  # local date
    resubmit_by: dt.date
    today: dt.date
    note: str = ""
    # (序号 in the unit's 报送表, 任务, 退回意见): the unit finds the row by its own 序号.
    rows: Sequence[tuple[str, str, str]] = field(default_factory=list)
    template_name: str = ""  # the prefilled template sent with it
    plan_title: str = ""
    contact: str = ""
    phone: str = ""
    email: str = ""


def notice_title(department: str, period: str) -> str:
    """关于退回修改县市场监管局2022年第三季度食品安全工作报送表的通知, broken into lines."""
    return break_title(
        title_units(["关于退回修改", department, period_words(period), "食品安全工作报送表的通知"])
    )


def write_notice(
    notice: ReturnNotice,
    path: str | os.PathLike[str],
    *,
    letterhead: Any = None,
    fonts: FontSet | None = None,
) -> Path:
    """Write the 退回说明 to ``path``: addressed to the unit, which file received when,
    the reasons, a table 序号/任务/退回意见, the date to resubmit by, the office's
    contact, 署名 and date."""
    doc = OfficialDocument(letterhead, fonts=fonts)
    doc.title(notice_title(notice.department, notice.period))
    doc.recipient(notice.department)
    plan_ref = plan_reference(notice.plan_title)
    basis = f"按照{plan_ref}报送要求，" if plan_ref else ""
    doc.paragraph(
        f"{basis}{date_text(notice.received_on)}，我办收到你单位报送的"
        f"{period_words(notice.period)}报送表（文件名：{notice.file_name}）。经审核，报送表中部分内容"
        "需要修改完善，现退回你单位修改。"
    )
    if notice.note:
        note = notice.note.strip()
        if note[-1] not in "。！？；.!?;":
            note += "。"
        lines = note.splitlines()
        doc.paragraph(f"退回原因：{lines[0]}" + "".join("\n" + line for line in lines[1:]))
    if notice.rows:
        doc.paragraph("具体修改意见如下：")
        doc.table(
            ["序号", "任务", "退回意见"],
            [
                (seq or str(n), task, comment)
                for n, (seq, task, comment) in enumerate(notice.rows, start=1)
            ],
            align=["center", "left", "left"],
        )
    prefilled = bool(notice.template_name)
    doc.paragraph(
        "请你单位按照上述意见，在"
        + (
            "附件报送表（已填入你单位原报送的内容，加批注的任务为需修改之处）"
            if prefilled
            else "原报送表"
        )
        + f"中修改完善，经单位负责人审核后，于{date_text(notice.resubmit_by)}前重新报送"
        f"{notice.office}。"
    )
    doc.paragraph(contact_lines(notice.contact, notice.phone, notice.email))
    doc.paragraph("特此通知。")
    if notice.template_name:
        doc.attachment_list([Path(notice.template_name).stem])
    doc.signature(notice.office, notice.today)
    keep_last_lines_with_signature(doc)
    return doc.save(path)


def write_return_package(
    db: Database | Session,
    submission_id: int,
    folder: str | os.PathLike[str],
    *,
    today: dt.date | None = None,
    resubmit_days: int = returns.DEFAULT_RESUBMIT_DAYS,
    letterhead: Any = None,
    fonts: FontSet | None = None,
) -> ReturnPackage:
    """Write the 退回说明 and the prefilled template of the returned submission into
    ``folder`` (created when missing); UserError when the submission is not returned.

    The template is the unit's template of the same period (signed as every template,
    so the corrected file collects as usual) with the returned answers filled in and a
    批注 on each commented row; the notice asks for the corrected file within
    ``resubmit_days`` working days of ``today``.  ``letterhead`` None: the office's
    红头 from 公文设置, if one is kept.
    """
    from foodsafety_desktop.core.services.documents import letterhead_of
    from foodsafety_desktop.core.services.office import office_for
    from foodsafety_desktop.core.services.templates import template_rows, write_template

    today = today or dt.date.today()
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"无法创建文件夹“{folder}”：{exc.strerror or exc}") from exc
    with returns._unit(db) as session:
        review = returns.review_submission(session, submission_id)
        info = review.returned
        if info is None:
            raise UserError(f"该报送表（{review.source_name}）未被退回，请先退回再生成退回说明。")
        period_id, department_id = review.period_id, review.department_id
        resubmit_by = returns.add_working_days(today, resubmit_days)
        notice_name, template_name = returns.package_names(review.period, review.department)
        layout_rows = template_rows(session, period_id, department_id)
        notes: dict[int, str] = {}
        for r in info.rows:
            found = returns._find_row(layout_rows, r.task_id, r.item_id, r.indicator_id)
            if found is None:
                continue
            key = found.anchor if found.anchor is not None else found.row
            notes[key] = (notes[key] + "\n" if key in notes else "") + f"退回意见：{r.comment}"
        template_path = write_template(
            session,
            period_id,
            department_id,
            folder / template_name,
            prefill_from=submission_id,
            row_notes=notes,
            resubmit_by=resubmit_by,  # the template says the same date as the notice
        )
        from foodsafety_desktop.core.services.periods import get_period

        plan = session.get(Plan, get_period(session, period_id).plan_id)
        office = office_for(session, plan)
        if letterhead is None:
            letterhead = letterhead_of(session)
        notice = ReturnNotice(
            office=office.name,
            department=review.department,
            period=review.period,
            file_name=review.source_name,
            received_on=local_time(review.received_at).date(),
            resubmit_by=resubmit_by,
            today=today,
            note=info.note,
            rows=[(r.seq, r.task, r.comment) for r in info.rows],
            template_name=template_path.name,
            plan_title=plan.title if plan else "",
            contact=office.contact,
            phone=office.phone,
            email=office.email,
        )
        notice_path = write_notice(notice, folder / notice_name, letterhead=letterhead, fonts=fonts)
    return ReturnPackage(notice_path=notice_path, template_path=template_path)
