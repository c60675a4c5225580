"""Checking one returned workbook (检查): identity, period, rows, answers, earlier answers.

``check_workbook`` reads a file and fills a ``CollectPreview``: by the signed hidden
identity, or (a file without one) by the matching proposed in ``match``; every answer
is validated and compared with the department's current or previous submission.
Nothing is written.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any, Literal, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from foodsafety_desktop.core.errors import UserError
from foodsafety_desktop.core.excel import template_layout as layout
from foodsafety_desktop.core.excel.identity import (
    IDENTITY_SHEET,
    RowIdentity,
    TemplateIdentity,
    read_identity,
    squash,
    text_sha1,
    verify,
)
from foodsafety_desktop.core.excel.workbook_reader import (
    ReturnedWorkbook,
    SheetRow,
    read_returned_workbook,
)
from foodsafety_desktop.core.services.collect.match import (
    MATCH_THRESHOLD,
    _best,
    _guess_department,
    _guess_period,
    _propose,
    inherit_blocks,
)
from foodsafety_desktop.core.services.collect.received import file_modified_at
from foodsafety_desktop.core.services.collect.results import (
    ENTRY_FIELDS,
    NEEDS_CONFIRMATION,
    CollectPreview,
    RowPreview,
    _text_or_none,
    local_time_text,
    parse_value,
)
from foodsafety_desktop.core.services.settings import office_secret
from foodsafety_desktop.core.services.submissions import latest_earlier_submissions
from foodsafety_desktop.core.services.templates import PeriodTemplates, TemplateRow
from foodsafety_desktop.core.storage.models import (
    AuditEntry,
    Department,
    Plan,
    ReportingPeriod,
    Submission,
    SubmissionEntry,
    Task,
    utcnow,
)

_Row = TypeVar("_Row")
Baseline = Literal["current", "previous", None]  # what a file is compared with

SIGNATURE_FAILED = "签名校验失败：该文件的隐藏标识被改动，可能不是本办下发的报送表"
# A preview keeps the bytes it checked up to this size, so that the commit archives them
# without copying the file again; the GUI holds many previews, hence the bound.
KEEP_CONTENT_BYTES = 2 * 1024 * 1024


def _already_committed(
    session: Session, sha256: str, period_id: int | None = None
) -> Submission | None:
    """The stored submission of the same bytes (of ``period_id`` when given), if any."""
    query = select(Submission).where(Submission.sha256 == sha256)
    if period_id is not None:
        query = query.where(Submission.period_id == period_id)
    return session.scalar(query.order_by(Submission.id).limit(1))


def _duplicate_message(
    session: Session,
    existing: Submission,
    *,
    meanwhile: bool = False,
    since: dt.datetime | None = None,
) -> str:
    """Says when the file was imported (local time), not the 收到日期 the clerk gave.

    ``meanwhile``: found at the commit, under the write lock (or by the database's
    uniqueness), i.e. another clerk (process) stored it since this file was checked;
    likewise when it was imported after ``since`` (the start of this batch's checks).
    """
    imported = session.execute(
        select(AuditEntry.at, AuditEntry.user)
        .where(
            AuditEntry.action == "submission.collect",
            AuditEntry.entity == "submission",
            AuditEntry.entity_id == existing.id,
        )
        .order_by(AuditEntry.id)
        .limit(1)
    ).first()
    when = local_time_text(imported[0] if imported else existing.received_at)
    where = f"（{existing.department.name}，{existing.period.name}）"
    if since is not None and imported is not None and imported[0] >= since:
        meanwhile = True
    if meanwhile:
        who = f"（{imported[1]}）" if imported and imported[1] else ""
        return f"该文件已由另一位用户{who}于 {when} 导入{where}，本次未重复导入。"
    return f"该文件已于 {when} 导入过{where}，同一文件不能重复导入。"


# --- check ----------------------------------------------------------------------------


class CheckContext:
    """What checking the files of one batch reads once, in one session: the office's
    secret and each period's template rows (``templates.PeriodTemplates``).  The check
    only reads, so a batch can check all its files in one session; the commit decides
    again under the write lock."""

    def __init__(self, session: Session, started: dt.datetime | None = None) -> None:
        self.session = session
        # A file stored after this moment (the batch's start; naive UTC, as the history's
        # timestamps) was stored by another clerk while this batch was under way.
        self.started = started or utcnow()
        self._secret: bytes | None = None
        self._templates: dict[int, PeriodTemplates | None] = {}
        self._rows: dict[tuple[type, int], Any] = {}
        self._hashes: set[str] | None = None
        self._departments: dict[int, Department] | None = None
        self._plan_tasks: dict[int, set[int]] = {}
        # period id → department id → (the submission a file is compared with, its kind)
        self._baselines: dict[int, dict[int, tuple[Submission, Baseline]]] = {}

    def get(self, model: type[_Row], row_id: int) -> _Row | None:
        """``session.get``, keeping the row: the session's identity map holds rows only
        while something else refers to them, and each file asks for the same period."""
        key = (model, row_id)
        if key not in self._rows:
            self._rows[key] = self.session.get(model, row_id)
        return self._rows[key]

    def stored(self, sha256: str) -> Submission | None:
        """The stored submission of the same bytes, if any (``_already_committed``).

        The stored files' hashes are read once (a county stores a few thousand), so a
        new file costs no query."""
        if self._hashes is None:
            self._hashes = set(self.session.scalars(select(Submission.sha256)))
        return _already_committed(self.session, sha256) if sha256 in self._hashes else None

    def department(self, department_id: int) -> Department | None:
        if self._departments is None:  # a county has a few dozen: read them all once
            self._departments = {d.id: d for d in self.session.scalars(select(Department))}
        return self._departments.get(department_id)

    def existing_tasks(self, plan_id: int, task_ids: set[int]) -> set[int]:
        """Those of ``task_ids`` that are tasks of the plan (not deleted from the ledger)."""
        if plan_id not in self._plan_tasks:
            self._plan_tasks[plan_id] = set(
                self.session.scalars(select(Task.id).where(Task.plan_id == plan_id))
            )
        return task_ids & self._plan_tasks[plan_id]

    def baseline(
        self, period: ReportingPeriod, department_id: int
    ) -> tuple[Submission | None, list[SubmissionEntry], Baseline]:
        """What a file is compared with: the department's current submission of this
        period (the file replaces it), else its latest earlier one (the previous
        period's answers: ``submissions.latest_earlier_submissions``)."""
        if period.id not in self._baselines:
            self._baselines[period.id] = self._read_baselines(period)
        found = self._baselines[period.id].get(department_id)
        if found is None:
            return None, [], None
        submission, kind = found
        return submission, list(submission.entries), kind

    def _read_baselines(self, period: ReportingPeriod) -> dict[int, tuple[Submission, Baseline]]:
        out: dict[int, tuple[Submission, Baseline]] = {
            department_id: (submission, "previous")
            for department_id, submission in latest_earlier_submissions(
                self.session, period
            ).items()
        }
        for submission in self.session.scalars(
            select(Submission).where(
                Submission.period_id == period.id, Submission.is_current.is_(True)
            )
        ):  # one current submission per department and period (a unique index)
            out[submission.department_id] = (submission, "current")
        return out

    def secret(self) -> bytes:
        if self._secret is None:
            self._secret = office_secret(self.session)
            if self.session.new or self.session.dirty:  # created now: never hold the lock
                self.session.commit()
        return self._secret

    def template_rows(self, period_id: int, department_id: int) -> list[TemplateRow]:
        """The department's template rows for the period; [] when the period is gone."""
        if period_id not in self._templates:
            try:
                self._templates[period_id] = PeriodTemplates(self.session, period_id)
            except UserError:
                self._templates[period_id] = None
        templates = self._templates[period_id]
        return templates.rows(department_id) if templates is not None else []


def check_workbook(
    session: Session,
    path: str | os.PathLike[str],
    *,
    period_id: int | None = None,
    department_id: int | None = None,
    workbook: ReturnedWorkbook | None = None,
    context: CheckContext | None = None,
) -> CollectPreview:
    """Read and check one returned workbook; nothing is written.

    ``period_id``: the period the clerk is collecting for (a file of another period is
    an error); ``department_id``: the clerk's choice of department for a file without
    identity (overrides the guess).  Raises UserError only when the file cannot be read
    at all (empty, corrupt, not Excel, encrypted, over a limit); everything else is an
    ``Issue`` on the preview.  ``context``: what a batch's checks share (its session).
    """
    context = context if context is not None else CheckContext(session)
    wb = workbook or read_returned_workbook(path)
    preview = CollectPreview(
        path=Path(path),
        file_name=wb.file_name,
        sha256=wb.sha256,
        size=wb.size,
        file_format=wb.file_format,
        matched_by="identity",
        reporter=wb.header.get("reporter", ""),
        phone=wb.header.get("phone", ""),
        filled_on=wb.header.get("filled_on", ""),
        content=wb.content if wb.size <= KEEP_CONTENT_BYTES else None,
        modified_at=file_modified_at(Path(path)),
    )
    for cell, message in wb.formula_warnings():
        preview.warn(message, cell=cell, sheet=wb.report_sheet)
    existing = context.stored(wb.sha256)
    if existing is not None:
        preview.already_imported = _duplicate_message(session, existing, since=context.started)
        preview.error(preview.already_imported)
    parsed = read_identity(wb.identity_values) if wb.identity_values else None
    if wb.identity_values is not None and parsed is None:
        preview.warn(
            "隐藏标识无法识别（可能被其他软件改写），改按单位名称和任务内容匹配。",
            sheet=IDENTITY_SHEET,
        )
    if parsed is not None:
        identity, signature = parsed
        if not verify(identity, signature, context.secret()):
            preview.error(SIGNATURE_FAILED, sheet=IDENTITY_SHEET)
            preview.period_name = identity.period_name
            preview.department_name = identity.department_name
            return preview
        _check_by_identity(session, wb, identity, preview, period_id, context)
    else:
        preview.matched_by = "proposed"
        preview.needs_confirmation = True
        _check_by_proposal(session, wb, preview, period_id, department_id, context)
    if preview.period_id is not None and preview.department_id is not None:
        _compare(preview, context)
    return preview


def _period_checks(
    context: CheckContext, preview: CollectPreview, period: ReportingPeriod, wanted: int | None
) -> None:
    plan = context.get(Plan, period.plan_id)
    preview.plan_id = period.plan_id
    preview.plan_title = plan.title if plan else ""
    preview.period_id = period.id
    preview.period_name = period.name
    preview.due_date = period.due_date
    if wanted is not None and wanted != period.id:
        current = context.get(ReportingPeriod, wanted)
        name = current.name if current else f"编号 {wanted}"
        preview.error(f"报送期次不符：该文件是“{period.name}”的报送表，当前收取的是“{name}”。")
    if not period.is_open:
        preview.warn(f"报送期次“{period.name}”已关闭，仍可收取，请确认。")


def _check_by_identity(
    session: Session,
    wb: ReturnedWorkbook,
    identity: TemplateIdentity,
    preview: CollectPreview,
    wanted_period: int | None,
    context: CheckContext,
) -> None:
    sheet = wb.report_sheet
    preview.period_name = identity.period_name
    preview.department_name = identity.department_name
    period = context.get(ReportingPeriod, identity.period_id)
    if period is None or period.plan_id != identity.plan_id:
        preview.error(
            f"该文件对应的报送期次“{identity.period_name}”在本系统中不存在（可能已被删除），"
            "请确认是本办下发的报送表。"
        )
        return
    department = context.department(identity.department_id)
    if department is None:
        preview.error(
            f"该文件对应的单位“{identity.department_name}”在本系统中不存在（可能已被合并或删除）。"
        )
        return
    _period_checks(context, preview, period, wanted_period)
    preview.department_id = department.id
    preview.department_name = department.name
    preview.expected_rows = len(identity.rows)
    written = wb.header.get("department", "")
    if wb.standard_layout and written and squash(written) != squash(identity.department_name):
        preview.error(
            f"填报单位“{written}”与报送表下发给的单位“{identity.department_name}”不一致。",
            cell=layout.header_cell("department", wb.header_row),
            sheet=sheet,
        )
    if not wb.standard_layout:
        preview.error(
            f"报送表的表头被改动（第{layout.HEADER_ROW}行的列标题与下发的报送表不一致），"
            "无法按列读取；请使用下发的报送表填报。",
            sheet=sheet,
        )
        return
    existing_tasks = context.existing_tasks(period.plan_id, {r.task_id for r in identity.rows})
    known_rows = {r.row for r in identity.rows}
    by_sha: dict[str, int] = {r.text_sha1: r.row for r in identity.rows}
    template = {r.row: r for r in context.template_rows(period.id, department.id)}
    for rid in identity.rows:
        if rid.anchor is not None:
            # A sub-row of a 指标 block: its task cells are the anchor's (merged).
            _sub_row(session, wb, rid, preview, template, existing_tasks)
            continue
        row = wb.row(rid.row)
        task_cell = wb.cell_ref("task", rid.row)
        if row is None or not row.text("task"):
            preview.error(
                f"缺少第 {rid.row} 行：下发的报送表在该行有一项任务，返回的文件中该行为空"
                "（可能被删除或清空）。",
                cell=task_cell,
                sheet=sheet,
            )
            continue
        if text_sha1(row.text("task")) != rid.text_sha1:
            preview.error(
                "锁定内容被改动：该行的“任务内容”与下发的报送表不一致，请勿修改任务内容、"
                "请勿增删或移动行。",
                cell=task_cell,
                sheet=sheet,
            )
            continue
        if rid.task_id not in existing_tasks:
            preview.warn("该行对应的任务已从台账中删除，该行不导入。", cell=task_cell, sheet=sheet)
            continue
        trow = template.get(rid.row)
        seq = trow.seq if trow else row.text("seq")
        preview.rows.append(
            _row_preview(
                preview,
                wb,
                row,
                rid.task_id,
                rid.item_id,
                rid.indicator_id,
                seq=seq,
                task_text=trow.task_text if trow else row.text("task"),
                score=100.0,
            )
        )
    for row in wb.rows:
        if row.row in known_rows or row.row <= wb.header_row:
            continue
        original = by_sha.get(text_sha1(row.text("task"))) if row.text("task") else None
        if original is not None:
            preview.error(
                f"重复行：该行与第 {original} 行是同一任务，请删除重复的行。",
                cell=wb.cell_ref("task", row.row),
                sheet=sheet,
            )
        else:  # named by its first filled cell: that is where the clerk looks
            first = next((k for k in row.values if row.text(k)), "seq")
            preview.warn(
                "下发的报送表中没有这一行，该行内容不导入。",
                cell=wb.cell_ref(first, row.row),
                sheet=sheet,
            )


def _sub_row(
    session: Session,
    wb: ReturnedWorkbook,
    rid: RowIdentity,
    preview: CollectPreview,
    template: dict[int, TemplateRow],
    existing_tasks: set[int],
) -> None:
    """One 2nd…Nth indicator row of a version 2 template: 完成值 from its own row,
    完成情况 from the task row it belongs to (``rid.anchor``), no text answers (they are
    the task row's, stored with its first indicator as a version 1 file stores them)."""
    sheet = wb.report_sheet
    anchor = wb.row(rid.anchor) if rid.anchor is not None else None
    if anchor is None or text_sha1(anchor.text("task")) != rid.text_sha1:
        return  # the task row's own check reports the missing or changed task
    if rid.task_id not in existing_tasks:
        return  # reported on the task row
    own = wb.row(rid.row)
    values = dict(own.values) if own is not None else {}
    if own is not None and own.text("task"):
        preview.error(
            "该行是上一项任务的指标行，任务内容单元格应为空（与上方合并），请勿修改表格结构。",
            cell=wb.cell_ref("task", rid.row),
            sheet=sheet,
        )
        return
    for key in ("status", *layout.TEXT_INPUT_KEYS):
        values[key] = None
    values["status"] = anchor.get("status")
    trow = template.get(rid.row)
    preview.rows.append(
        _row_preview(
            preview,
            wb,
            SheetRow(rid.row, values),
            rid.task_id,
            rid.item_id,
            rid.indicator_id,
            seq=trow.seq if trow else anchor.text("seq"),
            task_text=trow.task_text if trow else anchor.text("task"),
            score=100.0,
            status_checked=True,
            written_text=anchor.text("task"),
        )
    )


def _row_preview(
    preview: CollectPreview,
    wb: ReturnedWorkbook,
    row: SheetRow,
    task_id: int,
    item_id: int | None,
    indicator_id: int | None,
    *,
    seq: str,
    task_text: str,
    score: float,
    status_checked: bool = False,
    written_text: str | None = None,
) -> RowPreview:
    """Validate one row's answers and return them as SubmissionEntry fields.

    ``status_checked``: the 完成情况 is another row's (a 指标 block's task row), which
    reports its problems itself."""
    sheet = wb.report_sheet
    values: dict[str, Any] = {}
    status = squash(row.get("status")) if row.get("status") is not None else ""
    if status_checked:
        if status not in layout.STATUS_CHOICES:
            status = ""
    elif status and status not in layout.STATUS_CHOICES:
        preview.error(
            f"完成情况“{row.text('status')}”不在可选范围内，请从下拉列表中选择："
            f"{'、'.join(layout.STATUS_CHOICES)}。",
            cell=wb.cell_ref("status", row.row),
            sheet=sheet,
        )
    elif not status:
        preview.warn("完成情况未填写。", cell=wb.cell_ref("status", row.row), sheet=sheet)
    values["status"] = status or None
    number, text, ok = parse_value(row.get("value"))
    if indicator_id is not None and not ok:
        preview.error(
            f"完成值“{text}”不是数字，请只填写数字（例如 92.5），单位见“目标值”。",
            cell=wb.cell_ref("value", row.row),
            sheet=sheet,
        )
        number = None
    values["value"] = number if indicator_id is not None else None
    values["value_text"] = text if indicator_id is not None else None
    if indicator_id is None and text:
        preview.warn(
            "该行没有量化指标，填写的完成值不导入。",
            cell=wb.cell_ref("value", row.row),
            sheet=sheet,
        )
    for key in layout.TEXT_INPUT_KEYS:
        values[key] = _text_or_none(row.get(key))
    return RowPreview(
        sheet_row=row.row,
        task_id=task_id,
        item_id=item_id,
        indicator_id=indicator_id,
        seq=seq,
        task_text=task_text,
        written_text=row.text("task") if written_text is None else written_text,
        score=score,
        values=values,
    )


# --- files without identity: a proposed matching -------------------------------------


def _check_by_proposal(
    session: Session,
    wb: ReturnedWorkbook,
    preview: CollectPreview,
    wanted_period: int | None,
    department_id: int | None,
    context: CheckContext,
) -> None:
    sheet = wb.report_sheet
    preview.warn(NEEDS_CONFIRMATION + "。")
    department = context.department(department_id) if department_id else None
    if department is None:
        period_hint = context.get(ReportingPeriod, wanted_period) if wanted_period else None
        plan = context.get(Plan, period_hint.plan_id) if period_hint else None
        department, sure, written = _guess_department(
            session, wb, plan.jurisdiction if plan else None
        )
        if department is None:
            preview.error(
                f"无法识别填报单位{f'“{written}”' if written else ''}：表头和文件名中都没有"
                "本系统中的单位名称，请选择该文件的填报单位。"
            )
            return
        if not sure:
            preview.warn(f"填报单位按“{written}”推测为“{department.name}”，请确认。")
    preview.department_id = department.id
    preview.department_name = department.name
    if wanted_period is not None:
        period = context.get(ReportingPeriod, wanted_period)
        if period is None:
            preview.error(f"未找到报送期次（编号 {wanted_period}），可能已被删除。")
            return
        guessed, _ = _guess_period(session, wb, department.id)
        if guessed is not None and guessed.id != period.id and guessed.plan_id == period.plan_id:
            preview.error(
                f"报送期次不符：该文件的文件名或标题写的是“{guessed.name}”，当前收取的是“{period.name}”。"
            )
    else:
        period, reason = _guess_period(session, wb, department.id)
        if period is None:
            preview.error(reason)
            return
    _period_checks(context, preview, period, None)
    expected = context.template_rows(period.id, department.id)
    preview.expected_rows = len(expected)
    if not expected:
        preview.error(f"“{department.name}”在该方案中没有承担任务，无法导入其报送。")
        return
    sheet_rows, inherited = inherit_blocks(wb.rows)
    by_number = {r.row: r for r in sheet_rows}
    pairs = _propose(sheet_rows, expected)
    used_rows: dict[int, int] = {}
    for sheet_row, trow, score in pairs:
        row = by_number[sheet_row]
        used_rows[sheet_row] = trow.row
        preview.rows.append(
            _row_preview(
                preview,
                wb,
                row,
                trow.task_id,
                trow.item_id,
                trow.indicator_id,
                seq=trow.seq,
                task_text=trow.task_text,
                score=score,
                status_checked=sheet_row in inherited,
            )
        )
    matched = {id(t) for _, t, _ in pairs}
    matched_keys = {(t.task_id, t.item_id, t.indicator_id): r for r, t, _ in pairs}
    for row in sheet_rows:
        if row.row in used_rows or not (row.text("task") or row.text("seq")):
            continue
        best = _best(row, expected)
        if best is not None and best[1] >= MATCH_THRESHOLD:
            key = (best[0].task_id, best[0].item_id, best[0].indicator_id)
            preview.error(
                f"重复行：该行与第 {matched_keys.get(key, '?')} 行对应同一任务"
                f"（序号 {best[0].seq}），请删除重复的行。",
                cell=wb.cell_ref("task", row.row),
                sheet=sheet,
            )
        else:
            preview.warn(
                "该行未能对应到该单位的任务，不导入。",
                cell=wb.cell_ref("task" if row.text("task") else "seq", row.row),
                sheet=sheet,
            )
    preview.missing_rows = [t for t in expected if id(t) not in matched]
    if preview.missing_rows:
        seqs = "、".join(t.seq for t in preview.missing_rows[:20])
        more = "等" if len(preview.missing_rows) > 20 else ""
        preview.warn(
            f"缺少 {len(preview.missing_rows)} 项任务的报送（序号 {seqs}{more}），按部分报送处理。"
        )


# --- comparison with earlier answers --------------------------------------------------


def _entry_values(entry: SubmissionEntry) -> dict[str, Any]:
    return {k: getattr(entry, k) for k in (*ENTRY_FIELDS, "value")}


def _compare(preview: CollectPreview, context: CheckContext) -> None:
    assert preview.period_id is not None
    period = context.get(ReportingPeriod, preview.period_id)
    assert period is not None and preview.department_id is not None
    base, entries, kind = context.baseline(period, preview.department_id)
    preview.compared_with = kind
    preview.compared_submission_id = base.id if base else None
    if kind == "current" and base is not None:
        preview.replaces_submission_id = base.id
        preview.replaces_name = base.source_name
        preview.replaces_received_at = base.received_at
    earlier = {(e.task_id, e.item_id, e.indicator_id): e for e in entries}
    for row in preview.rows:
        entry = earlier.get(row.key)
        if entry is None:
            row.change = "new"
            continue
        row.previous = _entry_values(entry)
        changed = [
            k for k in ENTRY_FIELDS if (row.values.get(k) or None) != (getattr(entry, k) or None)
        ]
        row.changed_fields = changed
        row.change = "changed" if changed else "unchanged"
