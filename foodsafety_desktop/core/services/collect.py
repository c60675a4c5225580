"""Collecting returned report workbooks (收取报送): check, preview, commit.

``check_workbook`` reads a file, matches it to a period, a department and the rows of
its template (by the signed hidden identity; else by the header, the file name, 序号 and
content similarity, which the clerk must confirm), validates every answer and compares
it with the department's earlier answers.  ``commit_submission`` stores a checked file
in the caller's transaction; ``collect_files`` does both for many files, one
transaction per file.  Decisions are listed in docs/reporting.md.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from foodsafety_desktop.core.changes import NOTHING, SUBMISSIONS, ChangeSet
from foodsafety_desktop.core.dates import local_time
from foodsafety_desktop.core.errors import UserError
from foodsafety_desktop.core.excel import template_layout as layout
from foodsafety_desktop.core.excel.identity import (
    IDENTITY_SHEET,
    TemplateIdentity,
    read_identity,
    squash,
    text_sha1,
    verify,
)
from foodsafety_desktop.core.excel.workbook_reader import (
    ReturnedWorkbook,
    SheetRow,
    cell_text,
    read_returned_workbook,
)
from foodsafety_desktop.core.fileio import file_sha256
from foodsafety_desktop.core.paths import archive_dir
from foodsafety_desktop.core.services import audit
from foodsafety_desktop.core.services.departments import resolve_names
from foodsafety_desktop.core.services.settings import office_secret
from foodsafety_desktop.core.services.templates import TemplateRow, template_rows
from foodsafety_desktop.core.storage.archive import remove_unless_committed
from foodsafety_desktop.core.storage.database import Database
from foodsafety_desktop.core.storage.models import (
    ROLE_LEAD,
    Assignment,
    AuditEntry,
    Department,
    DepartmentAlias,
    GroupMember,
    Plan,
    ReportingPeriod,
    Submission,
    SubmissionEntry,
    Task,
    combine_statuses,
    utcnow,
)

SIGNATURE_FAILED = "签名校验失败：该文件的隐藏标识被改动，可能不是本办下发的报送表"
NEEDS_CONFIRMATION = (
    "该文件没有本办报送表的隐藏标识，系统按填报单位、序号和任务内容推测了对应关系，"
    "需要人工确认后才能导入"
)
MATCH_THRESHOLD = 60.0  # similarity (0..100) below which a pasted row is not matched
PROGRESS_CHARS = 200  # Task.progress: a short text of the latest measures
ACCEPTED_SUFFIXES = (".xlsx", ".xlsm", ".xls")
# A preview keeps the bytes it checked up to this size, so that the commit archives them
# without copying the file again; the GUI holds many previews, hence the bound.
KEEP_CONTENT_BYTES = 2 * 1024 * 1024
ENTRY_FIELDS = ("status", "value_text", *layout.TEXT_INPUT_KEYS)
_ENTRY_COLUMNS = (*ENTRY_FIELDS, "value")  # the answer columns of SubmissionEntry
FIELD_LABELS = {
    "status": "完成情况",
    "value_text": "完成值",
    **{c.key: c.title for c in layout.COLUMNS},
}

Change = Literal["new", "changed", "unchanged"]
Progress = Callable[[int, int], None]


@dataclass
class Issue:
    """One finding of the check: an error rejects the file, a warning lets the clerk accept."""

    level: Literal["error", "warning"]
    message: str
    sheet: str | None = None
    cell: str | None = None

    def text(self) -> str:
        where = "，".join(
            p
            for p in (
                f"工作表“{self.sheet}”" if self.sheet else "",
                f"单元格 {self.cell}" if self.cell else "",
            )
            if p
        )
        return f"{where}：{self.message}" if where else self.message

    __str__ = text


@dataclass
class RowPreview:
    """One answered row as it would be stored, and how it compares with earlier answers."""

    sheet_row: int
    task_id: int
    item_id: int | None
    indicator_id: int | None
    seq: str
    task_text: str  # the ledger's text (the template's 任务内容)
    written_text: str  # 任务内容 as found in the file
    score: float  # 100 for rows matched by the identity; similarity for proposed matches
    values: dict[str, Any]  # SubmissionEntry fields: status, value, value_text, measures …
    change: Change = "new"
    changed_fields: list[str] = field(default_factory=list)
    previous: dict[str, Any] | None = None  # the earlier answer compared with

    @property
    def key(self) -> tuple[int, int | None, int | None]:
        return (self.task_id, self.item_id, self.indicator_id)


@dataclass
class CollectPreview:
    """What a returned workbook would change, before anything is stored."""

    path: Path
    file_name: str
    sha256: str
    size: int
    file_format: str
    matched_by: Literal["identity", "proposed"]
    plan_id: int | None = None
    plan_title: str = ""
    period_id: int | None = None
    period_name: str = ""
    due_date: dt.date | None = None
    department_id: int | None = None
    department_name: str = ""
    reporter: str = ""
    phone: str = ""
    filled_on: str = ""
    rows: list[RowPreview] = field(default_factory=list)
    missing_rows: list[TemplateRow] = field(default_factory=list)  # expected, not found
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    needs_confirmation: bool = False
    compared_with: Literal["current", "previous", None] = None
    compared_submission_id: int | None = None
    replaces_submission_id: int | None = None  # the current submission this one replaces
    expected_rows: int = 0
    # The bytes that were checked (small files only): archived as they are at commit
    content: bytes | None = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        return not self.errors

    def counts(self) -> dict[str, int]:
        out = {"new": 0, "changed": 0, "unchanged": 0}
        for row in self.rows:
            out[row.change] += 1
        return out

    def error(self, message: str, cell: str | None = None, sheet: str | None = None) -> None:
        self.errors.append(Issue("error", message, sheet, cell))

    def warn(self, message: str, cell: str | None = None, sheet: str | None = None) -> None:
        self.warnings.append(Issue("warning", message, sheet, cell))


@dataclass
class SubmissionResult:
    submission_id: int
    period_id: int
    department_id: int
    entry_count: int
    replaced_submission_id: int | None
    archive_path: Path
    updated_task_ids: list[int]
    counts: dict[str, int]


@dataclass
class CollectOutcome:
    """The result of one file in ``collect_files`` (printed by the CLI, listed by the GUI)."""

    path: Path
    accepted: bool
    department: str = ""
    period: str = ""
    submission_id: int | None = None
    errors: list[str] = field(default_factory=list)  # full Chinese lines, as shown
    warnings: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    # line → the finding it came from (message, sheet, cell), for as_dict
    located: dict[str, Issue] = field(default_factory=dict, repr=False)

    @property
    def file_name(self) -> str:
        return self.path.name

    def add(self, issue: Issue, text: str | None = None) -> None:
        """Record a finding; ``text`` is its line when not ``issue.text()`` (a UserError's)."""
        line = text if text is not None else issue.text()
        (self.errors if issue.level == "error" else self.warnings).append(line)
        self.located[line] = issue

    def _issue_dict(self, level: str, text: str) -> dict[str, Any]:
        issue = self.located.get(text)
        return {
            "level": level,
            "message": issue.message if issue else text,
            "sheet": issue.sheet if issue else None,
            "cell": issue.cell if issue else None,
            "text": text,
        }

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready; each error and warning is {level, message, sheet, cell, text}."""
        return {
            "file": str(self.path),
            "accepted": self.accepted,
            "department": self.department,
            "period": self.period,
            "submission_id": self.submission_id,
            "errors": [self._issue_dict("error", t) for t in self.errors],
            "warnings": [self._issue_dict("warning", t) for t in self.warnings],
            "counts": dict(self.counts),
        }


# --- small helpers --------------------------------------------------------------------


_NUMBER = re.compile(r"^[-+]?\d+(?:\.\d+)?$")
_UNIT_SUFFIX = re.compile(r"^(?P<n>[-+]?\d+(?:\.\d+)?)(?:%|‰|[\u4e00-\u9fff]{1,3})$")


def parse_value(value: Any) -> tuple[float | None, str | None, bool]:
    """完成值 → (number, text as written, ok).  "95%"/"12家" are numbers; "约95" is not."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, None, True
    if isinstance(value, bool):
        return None, cell_text(value), False
    if isinstance(value, (int, float)):
        return float(value), cell_text(value), True
    text = cell_text(value)
    squashed = squash(text).replace(",", "")
    if _NUMBER.match(squashed):
        return float(squashed), text, True
    m = _UNIT_SUFFIX.match(squashed)
    if m:
        return float(m["n"]), text, True
    return None, text, False


def _text_or_none(value: Any) -> str | None:
    text = cell_text(value)
    return text or None


def _already_committed(session: Session, sha256: str) -> Submission | None:
    return session.scalar(
        select(Submission).where(Submission.sha256 == sha256).order_by(Submission.id).limit(1)
    )


def _duplicate_message(session: Session, existing: Submission) -> str:
    """Says when the file was imported (local time), not the 收到日期 the clerk gave."""
    imported = session.scalar(
        select(AuditEntry.at)
        .where(
            AuditEntry.action == "submission.collect",
            AuditEntry.entity == "submission",
            AuditEntry.entity_id == existing.id,
        )
        .order_by(AuditEntry.id)
        .limit(1)
    )
    return (
        f"该文件已于 {local_time_text(imported or existing.received_at)} 导入过"
        f"（{existing.department.name}，{existing.period.name}），同一文件不能重复导入。"
    )


def local_time_text(utc: dt.datetime | None) -> str:
    """A stored timestamp (naive UTC) as the machine's local time, "2022-09-20 10:00"."""
    if utc is None:
        return "（时间不详）"
    return f"{local_time(utc):%Y-%m-%d %H:%M}"


# --- check ----------------------------------------------------------------------------


def check_workbook(
    session: Session,
    path: str | os.PathLike[str],
    *,
    period_id: int | None = None,
    department_id: int | None = None,
    workbook: ReturnedWorkbook | None = None,
) -> CollectPreview:
    """Read and check one returned workbook; nothing is written.

    ``period_id``: the period the clerk is collecting for (a file of another period is
    an error); ``department_id``: the clerk's choice of department for a file without
    identity (overrides the guess).  Raises UserError only when the file cannot be read
    at all (empty, corrupt, not Excel, encrypted, over a limit); everything else is an
    ``Issue`` on the preview.
    """
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
    )
    existing = _already_committed(session, wb.sha256)
    if existing is not None:
        preview.error(_duplicate_message(session, existing))
    parsed = read_identity(wb.identity_values) if wb.identity_values else None
    if wb.identity_values is not None and parsed is None:
        preview.warn(
            "隐藏标识无法识别（可能被其他软件改写），改按单位名称和任务内容匹配。",
            sheet=IDENTITY_SHEET,
        )
    if parsed is not None:
        identity, signature = parsed
        if not verify(identity, signature, office_secret(session)):
            preview.error(SIGNATURE_FAILED, sheet=IDENTITY_SHEET)
            preview.period_name = identity.period_name
            preview.department_name = identity.department_name
            return preview
        _check_by_identity(session, wb, identity, preview, period_id)
    else:
        preview.matched_by = "proposed"
        preview.needs_confirmation = True
        _check_by_proposal(session, wb, preview, period_id, department_id)
    if preview.period_id is not None and preview.department_id is not None:
        _compare(session, preview)
    return preview


def _period_checks(
    session: Session, preview: CollectPreview, period: ReportingPeriod, wanted: int | None
) -> None:
    plan = session.get(Plan, period.plan_id)
    preview.plan_id = period.plan_id
    preview.plan_title = plan.title if plan else ""
    preview.period_id = period.id
    preview.period_name = period.name
    preview.due_date = period.due_date
    if wanted is not None and wanted != period.id:
        current = session.get(ReportingPeriod, wanted)
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
) -> None:
    sheet = wb.report_sheet
    preview.period_name = identity.period_name
    preview.department_name = identity.department_name
    period = session.get(ReportingPeriod, identity.period_id)
    if period is None or period.plan_id != identity.plan_id:
        preview.error(
            f"该文件对应的报送期次“{identity.period_name}”在本系统中不存在（可能已被删除），"
            "请确认是本办下发的报送表。"
        )
        return
    department = session.get(Department, identity.department_id)
    if department is None:
        preview.error(
            f"该文件对应的单位“{identity.department_name}”在本系统中不存在（可能已被合并或删除）。"
        )
        return
    _period_checks(session, preview, period, wanted_period)
    preview.department_id = department.id
    preview.department_name = department.name
    preview.expected_rows = len(identity.rows)
    written = wb.header.get("department", "")
    if wb.standard_layout and written and squash(written) != squash(identity.department_name):
        preview.error(
            f"填报单位“{written}”与报送表下发给的单位“{identity.department_name}”不一致。",
            cell=layout.DEPARTMENT_CELL,
            sheet=sheet,
        )
    if not wb.standard_layout:
        preview.error(
            f"报送表的表头被改动（第{layout.HEADER_ROW}行的列标题与下发的报送表不一致），"
            "无法按列读取；请使用下发的报送表填报。",
            sheet=sheet,
        )
        return
    existing_tasks = set(
        session.scalars(select(Task.id).where(Task.id.in_({r.task_id for r in identity.rows})))
    )
    known_rows = {r.row for r in identity.rows}
    by_sha: dict[str, int] = {r.text_sha1: r.row for r in identity.rows}
    template = {r.row: r for r in _template_rows_or_empty(session, period.id, department.id)}
    for rid in identity.rows:
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
        else:
            preview.warn(
                "下发的报送表中没有这一行，该行内容不导入。",
                cell=wb.cell_ref("seq", row.row),
                sheet=sheet,
            )


def _template_rows_or_empty(
    session: Session, period_id: int, department_id: int
) -> list[TemplateRow]:
    try:
        return template_rows(session, period_id, department_id)
    except UserError:
        return []


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
) -> RowPreview:
    """Validate one row's answers and return them as SubmissionEntry fields."""
    sheet = wb.report_sheet
    values: dict[str, Any] = {}
    status = squash(row.get("status")) if row.get("status") is not None else ""
    if status and status not in layout.STATUS_CHOICES:
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
        written_text=row.text("task"),
        score=score,
        values=values,
    )


# --- files without identity: a proposed matching -------------------------------------


def _loose(text: str) -> str:
    table = str.maketrans("０１２３４５６７８９一二三四", "0123456789" + "1234")
    return squash(text).translate(table).replace("（", "(").replace("）", ")")


def _guess_period(
    session: Session, wb: ReturnedWorkbook, department_id: int | None
) -> tuple[ReportingPeriod | None, str]:
    """The period named in the file name or the title; (None, reason) when unclear."""
    haystack = _loose(Path(wb.file_name).stem + " " + wb.title)
    periods = session.scalars(select(ReportingPeriod).order_by(ReportingPeriod.id)).all()
    found = [p for p in periods if _loose(p.name) and _loose(p.name) in haystack]
    if not found:
        return None, "无法从文件名或标题中识别报送期次，请选择该文件所属的报送期次。"
    longest = max(len(_loose(p.name)) for p in found)
    found = [p for p in found if len(_loose(p.name)) == longest]
    if len(found) > 1:
        plans = {p.id: session.get(Plan, p.plan_id) for p in found}
        by_title = [p for p in found if (plan := plans[p.id]) and _loose(plan.title) in haystack]
        if len(by_title) == 1:
            return by_title[0], ""
        if department_id is not None:
            held = set(
                session.scalars(
                    select(Task.plan_id)
                    .join(Assignment, Assignment.task_id == Task.id)
                    .where(Assignment.department_id.in_(_holders(session, department_id)))
                )
            )
            found = [p for p in found if p.plan_id in held] or found
        if len(found) > 1:
            return None, (
                f"报送期次“{found[0].name}”在多个方案中都有，请选择该文件所属的方案和报送期次。"
            )
    return found[0], ""


def _holders(session: Session, department_id: int) -> set[int]:
    groups = session.scalars(
        select(GroupMember.group_id).where(GroupMember.member_id == department_id)
    )
    return {department_id, *groups}


def _guess_department(
    session: Session, wb: ReturnedWorkbook, jurisdiction: str | None
) -> tuple[Department | None, bool, str]:
    """(department, sure, written name) from the header's 填报单位, else the file name."""
    written = wb.header.get("department", "").strip()
    if written:
        res = resolve_names(session, [written], jurisdiction)[0]
        if res.department_id is not None:
            return session.get(Department, res.department_id), not res.needs_confirmation, written
    # The file name: the longest department name or alias it contains.
    stem = squash(Path(wb.file_name).stem)
    names: list[tuple[str, int]] = [
        (d.name, d.id) for d in session.scalars(select(Department)).all()
    ]
    names += [(a.alias, a.department_id) for a in session.scalars(select(DepartmentAlias)).all()]
    hits = [(len(squash(n)), i, n) for n, i in names if squash(n) and squash(n) in stem]
    if hits:
        _, dep_id, name = max(hits)
        return session.get(Department, dep_id), True, name
    parts = [p for p in re.split(r"[-_—\s、()（）]+", Path(wb.file_name).stem) if p]
    for part in parts:
        res = resolve_names(session, [part], jurisdiction)[0]
        if res.department_id is not None:
            return session.get(Department, res.department_id), False, part
    return None, False, written


def _check_by_proposal(
    session: Session,
    wb: ReturnedWorkbook,
    preview: CollectPreview,
    wanted_period: int | None,
    department_id: int | None,
) -> None:
    sheet = wb.report_sheet
    preview.warn(NEEDS_CONFIRMATION + "。")
    department = session.get(Department, department_id) if department_id else None
    if department is None:
        period_hint = session.get(ReportingPeriod, wanted_period) if wanted_period else None
        plan = session.get(Plan, period_hint.plan_id) if period_hint else None
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
        period = session.get(ReportingPeriod, wanted_period)
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
    _period_checks(session, preview, period, None)
    expected = _template_rows_or_empty(session, period.id, department.id)
    preview.expected_rows = len(expected)
    if not expected:
        preview.error(f"“{department.name}”在该方案中没有承担任务，无法导入其报送。")
        return
    pairs = _propose(wb.rows, expected)
    used_rows: dict[int, int] = {}
    for sheet_row, trow, score in pairs:
        row = wb.row(sheet_row)
        assert row is not None
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
            )
        )
    matched = {id(t) for _, t, _ in pairs}
    matched_keys = {(t.task_id, t.item_id, t.indicator_id): r for r, t, _ in pairs}
    for row in wb.rows:
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


def _score(row: SheetRow, trow: TemplateRow) -> float:
    from rapidfuzz import fuzz

    written = squash(row.text("task"))
    expected = squash(trow.task_text)
    seq_same = bool(row.text("seq")) and squash(row.text("seq")) == squash(trow.seq)
    if not written:
        return 70.0 if seq_same else 0.0
    score = max(fuzz.ratio(written, expected), 0.9 * fuzz.partial_ratio(written, expected))
    if seq_same:
        score += 10
    target = squash(row.text("target"))
    if target and trow.target:
        score += 5 if target == squash(trow.target) else -5
    return min(score, 100.0 + 15)


def _best(row: SheetRow, expected: list[TemplateRow]) -> tuple[TemplateRow, float] | None:
    scored = [(t, _score(row, t)) for t in expected]
    return max(scored, key=lambda p: p[1]) if scored else None


def _propose(
    rows: list[SheetRow], expected: list[TemplateRow]
) -> list[tuple[int, TemplateRow, float]]:
    """Greedy one-to-one matching of sheet rows to template rows, best pairs first."""
    candidates = []
    usable = [r for r in rows if r.text("task") or r.text("seq")]
    for rank, row in enumerate(usable):
        for index, trow in enumerate(expected):
            score = _score(row, trow)
            if score >= MATCH_THRESHOLD:
                # Ties (several indicator rows of one task): keep the sheet's order.
                candidates.append((-score, abs(index - rank), row.row, index))
    candidates.sort()
    used_rows: set[int] = set()
    used_templates: set[int] = set()
    pairs: list[tuple[int, TemplateRow, float]] = []
    for neg, _, sheet_row, index in candidates:
        if sheet_row in used_rows or index in used_templates:
            continue
        used_rows.add(sheet_row)
        used_templates.add(index)
        pairs.append((sheet_row, expected[index], min(100.0, -neg)))
    pairs.sort(key=lambda p: p[0])
    return pairs


# --- comparison with earlier answers --------------------------------------------------


def _baseline(
    session: Session, period: ReportingPeriod, department_id: int
) -> tuple[Submission | None, Literal["current", "previous", None]]:
    current = session.scalar(
        select(Submission)
        .where(
            Submission.period_id == period.id,
            Submission.department_id == department_id,
            Submission.is_current.is_(True),
        )
        .order_by(Submission.id.desc())
        .limit(1)
    )
    if current is not None:
        return current, "current"
    previous = session.scalar(
        select(Submission)
        .join(ReportingPeriod, ReportingPeriod.id == Submission.period_id)
        .where(
            ReportingPeriod.plan_id == period.plan_id,
            ReportingPeriod.id != period.id,
            ReportingPeriod.due_date <= period.due_date,
            Submission.department_id == department_id,
            Submission.is_current.is_(True),
        )
        .order_by(ReportingPeriod.due_date.desc(), ReportingPeriod.id.desc(), Submission.id.desc())
        .limit(1)
    )
    return (previous, "previous") if previous is not None else (None, None)


def _entry_values(entry: SubmissionEntry) -> dict[str, Any]:
    return {k: getattr(entry, k) for k in (*ENTRY_FIELDS, "value")}


def _compare(session: Session, preview: CollectPreview) -> None:
    period = session.get(ReportingPeriod, preview.period_id)
    assert period is not None and preview.department_id is not None
    base, kind = _baseline(session, period, preview.department_id)
    preview.compared_with = kind
    preview.compared_submission_id = base.id if base else None
    if kind == "current" and base is not None:
        preview.replaces_submission_id = base.id
    earlier = {(e.task_id, e.item_id, e.indicator_id): e for e in (base.entries if base else [])}
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


# --- commit ---------------------------------------------------------------------------


def submission_archive_path(
    period_id: int, sha256: str, name: str, archive_root: Path | None = None
) -> Path:
    """``archive/submissions/<period_id>/<sha256[:12]>_<name>``."""
    root = archive_root if archive_root is not None else archive_dir()
    return root / "submissions" / str(period_id) / f"{sha256[:12]}_{name}"


def commit_submission(
    session: Session,
    preview: CollectPreview,
    *,
    user: str,
    confirmed: bool = False,
    received_at: dt.datetime | None = None,
    archive_root: Path | None = None,
) -> SubmissionResult:
    """Store a checked workbook in the caller's transaction (all of it or nothing).

    Refuses (UserError) a preview with errors, a proposed matching not ``confirmed`` by
    the clerk, a file already committed (same SHA-256) and a file changed since it was
    checked.  The original is archived; an earlier current submission of the same
    period and department stops being current (kept as history, linked by
    ``replaced_submission_id``); the ledger's task status and progress are updated.
    ``received_at`` (naive UTC like every timestamp of the schema) defaults to now.
    """
    if preview.errors:
        raise UserError(
            "该文件有错误，不能导入：" + "；".join(i.text() for i in preview.errors[:5]),
            file=preview.path,
        )
    if preview.needs_confirmation and not confirmed:
        raise UserError(NEEDS_CONFIRMATION + "。", file=preview.path)
    if preview.period_id is None or preview.department_id is None:
        raise UserError("未确定报送期次或填报单位，不能导入。", file=preview.path)
    existing = _already_committed(session, preview.sha256)
    if existing is not None:
        raise UserError(_duplicate_message(session, existing), file=preview.path)
    period = session.get(ReportingPeriod, preview.period_id)
    department = session.get(Department, preview.department_id)
    if period is None or department is None:
        raise UserError("报送期次或填报单位已被删除，不能导入。", file=preview.path)

    # Autoflush would write the pending objects before every query; flush when needed.
    with session.no_autoflush:
        archived = _archive(session, preview, archive_root)
        root = archive_root if archive_root is not None else archive_dir()
        previous = session.scalars(
            select(Submission).where(
                Submission.period_id == period.id,
                Submission.department_id == department.id,
                Submission.is_current.is_(True),
            )
        ).all()
        for old in previous:
            old.is_current = False
        replaced = max((s.id for s in previous), default=None)
        submission = Submission(
            period_id=period.id,
            department_id=department.id,
            received_at=received_at or utcnow(),
            source_name=preview.file_name,
            sha256=preview.sha256,
            archive_path=archived.relative_to(root).as_posix(),
            reporter=preview.reporter or None,
            phone=preview.phone or None,
            filled_on=preview.filled_on or None,
            is_current=True,
            replaced_submission_id=replaced,
            warnings_json=json.dumps([i.text() for i in preview.warnings], ensure_ascii=False)
            if preview.warnings
            else None,
        )
        session.add(submission)
        session.flush()  # the submission's id, and the earlier one no longer current
        if preview.rows:
            # One executemany INSERT; no ORM object per row.
            session.execute(
                insert(SubmissionEntry),
                [
                    {
                        "submission_id": submission.id,
                        "task_id": row.task_id,
                        "item_id": row.item_id,
                        "indicator_id": row.indicator_id,
                        **{k: row.values.get(k) for k in _ENTRY_COLUMNS},
                    }
                    for row in preview.rows
                ],
            )
        task_ids = sorted({r.task_id for r in preview.rows})
        task_changes = refresh_tasks(session, task_ids)
        counts = preview.counts()
        audit.record(
            session,
            user=user,
            action="submission.collect",
            entity="submission",
            entity_id=submission.id,
            summary=(
                f"收取“{department.name}”{period.name}报送：{len(preview.rows)} 行"
                f"（新增 {counts['new']}，变化 {counts['changed']}，未变 {counts['unchanged']}）"
                + ("，替换此前的报送" if replaced else "")
            ),
            detail={
                "file": preview.file_name,
                "sha256": preview.sha256,
                "archive": submission.archive_path,
                "period_id": period.id,
                "department_id": department.id,
                "matched_by": preview.matched_by,
                "replaced_submission_id": replaced,
                "warnings": [i.text() for i in preview.warnings],
                "tasks": task_changes,
            },
        )
        session.flush()
    return SubmissionResult(
        submission_id=submission.id,
        period_id=period.id,
        department_id=department.id,
        entry_count=len(preview.rows),
        replaced_submission_id=replaced,
        archive_path=archived,
        updated_task_ids=[int(t) for t in task_changes],
        counts=counts,
    )


def _archive(session: Session, preview: CollectPreview, archive_root: Path | None) -> Path:
    """Copy the original into the archive; the copy is removed if the transaction fails."""
    target = submission_archive_path(
        preview.period_id or 0, preview.sha256, preview.file_name, archive_root
    )
    if target.exists() and file_sha256(target) == preview.sha256:
        return target  # the same bytes kept before (a rolled-back attempt kept nothing)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    changed = UserError("文件在检查之后被修改过，请重新检查后再导入。", file=preview.path)
    try:
        if preview.content is not None:
            # The checked bytes are archived; the original must still be those bytes.
            if file_sha256(preview.path) != preview.sha256:
                raise changed
            partial.write_bytes(preview.content)
        else:
            shutil.copyfile(preview.path, partial)
            if file_sha256(partial) != preview.sha256:
                partial.unlink(missing_ok=True)
                raise changed
        partial.replace(target)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise UserError(
            f"无法把报送文件保存到存档文件夹：{exc.strerror or exc}", file=preview.path
        ) from exc

    remove_unless_committed(session, target)
    return target


ORPHANS_DIR = "orphaned"  # under the archive root: copies no submission refers to


def sweep_orphan_archives(
    db: Database, archive_root: Path | None = None, *, older_than: float | None = None
) -> list[Path]:
    """Tidy ``archive/submissions`` after a crash; return the paths it moved or removed.

    The original is archived before the transaction commits, and a rollback removes the
    copy again; a process killed (or a power cut) in between leaves a copy that no
    submission refers to, or a half-written ``.part``.  A ``.part`` is deleted (never a
    complete file).  A complete unreferenced copy is moved to ``archive/orphaned/`` rather
    than deleted: after a restore of an older backup it may be the only copy of a
    department's file.  Call it at start, by the instance that holds the write lock;
    a read-only database is left alone.  With ``older_than`` (a ``time.time()``), files
    written since then are skipped: they belong to an import that is still running.
    """
    if db.read_only:
        return []
    root = archive_root if archive_root is not None else archive_dir()
    folder = root / "submissions"
    if not folder.is_dir():
        return []
    with db.session() as session:
        referenced = {
            p for p in session.scalars(select(Submission.archive_path)).all() if p is not None
        }
    handled: list[Path] = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        relative = path.relative_to(root).as_posix()
        if relative in referenced:
            continue
        if older_than is not None and _mtime(path) >= older_than:
            continue
        try:
            if path.name.endswith(".part"):
                path.unlink()
            else:
                target = root / ORPHANS_DIR / relative
                target.parent.mkdir(parents=True, exist_ok=True)
                n = 1
                while target.exists():
                    n += 1
                    target = target.with_name(f"{path.stem}_{n}{path.suffix}")
                os.replace(path, target)
        except OSError:
            continue  # held open by another program: try again at the next start
        handled.append(path)
    return handled


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return float("inf")  # vanished meanwhile: nothing to sweep


def refresh_tasks(session: Session, task_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """Set each task's status and progress from the current submissions.

    The latest period (by due date) with a current answer for the task decides.  Within
    it, the lead department's status (牵头, directly or as a member of a lead group)
    wins; otherwise the most recently received one.  A department's several rows of one
    task combine: all 已完成 → 已完成, any 滞后 → 滞后, else 序时推进 (未启动 only when
    all are).  Progress is ``"{period}{department}：{measures}"`` cut to 200 characters.
    Returns {task_id: {"status": [before, after], "progress": [before, after]}} for the
    tasks that changed.

    Set-based: the tasks, their current answers and their lead departments are loaded
    in one query each (in chunks of ``_CHUNK`` ids) and the decision is made in Python.
    """
    wanted = list(dict.fromkeys(task_ids))
    changes: dict[int, dict[str, Any]] = {}
    with session.no_autoflush:
        session.flush()  # the caller's new entries must be visible to the queries
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start : start + _CHUNK]
            tasks = {t.id: t for t in session.scalars(select(Task).where(Task.id.in_(chunk)))}
            answers = _current_answers(session, chunk)
            leads = _lead_departments(session, chunk)
            for task_id in chunk:
                task = tasks.get(task_id)
                if task is None or task_id not in answers:
                    continue
                change = _refresh_task(task, answers[task_id], leads.get(task_id, set()))
                if change:
                    changes[task_id] = change
    session.flush()
    return changes


_CHUNK = 500  # ids per IN (…) list: well under SQLite's limit on bound parameters


@dataclass
class _Answer:
    """One department's current rows of one task in one period (what refresh_tasks weighs)."""

    submission_id: int
    department_id: int
    received_at: dt.datetime
    label: str  # period name + department name, the prefix of the progress text
    statuses: list[str] = field(default_factory=list)
    measures: list[str] = field(default_factory=list)


def _current_answers(session: Session, task_ids: list[int]) -> dict[int, list[_Answer]]:
    """Task id → the answers of the latest period (by due date, then id) that has any."""
    rows = session.execute(
        select(
            SubmissionEntry.task_id,
            SubmissionEntry.status,
            SubmissionEntry.measures,
            Submission.id,
            Submission.department_id,
            Submission.received_at,
            ReportingPeriod.id,
            ReportingPeriod.name,
            Department.name,
        )
        .join(Submission, Submission.id == SubmissionEntry.submission_id)
        .join(ReportingPeriod, ReportingPeriod.id == Submission.period_id)
        .join(Department, Department.id == Submission.department_id)
        .where(SubmissionEntry.task_id.in_(task_ids), Submission.is_current.is_(True))
        .order_by(
            SubmissionEntry.task_id,
            ReportingPeriod.due_date.desc(),
            ReportingPeriod.id.desc(),
            SubmissionEntry.id,
        )
    ).all()
    out: dict[int, list[_Answer]] = {}
    latest: dict[int, int] = {}  # task id → its latest period id
    by_submission: dict[tuple[int, int], _Answer] = {}
    for task_id, status, measures, sub_id, dep_id, received, period_id, period, dep in rows:
        if latest.setdefault(task_id, period_id) != period_id:
            continue  # an earlier period of a task already answered in a later one
        answer = by_submission.get((task_id, sub_id))
        if answer is None:
            answer = _Answer(sub_id, dep_id, received, f"{period}{dep}")
            by_submission[(task_id, sub_id)] = answer
            out.setdefault(task_id, []).append(answer)
        answer.statuses.append(status or "")
        if measures and measures.strip():
            answer.measures.append(measures.strip())
    return out


def _lead_departments(session: Session, task_ids: list[int]) -> dict[int, set[int]]:
    """Task id → its lead departments (牵头) and the members of lead groups."""
    rows = session.execute(
        select(Assignment.task_id, Assignment.department_id, GroupMember.member_id)
        .outerjoin(GroupMember, GroupMember.group_id == Assignment.department_id)
        .where(Assignment.task_id.in_(task_ids), Assignment.role == ROLE_LEAD)
    ).all()
    out: dict[int, set[int]] = {}
    for task_id, department_id, member_id in rows:
        leads = out.setdefault(task_id, set())
        leads.add(department_id)
        if member_id is not None:
            leads.add(member_id)
    return out


def _refresh_task(task: Task, answers: list[_Answer], leads: set[int]) -> dict[str, Any]:
    """Apply the latest period's answers to one task; return what changed (maybe nothing)."""
    ordered = sorted(answers, key=lambda a: (a.received_at, a.submission_id), reverse=True)
    chosen = next(
        (a for a in ordered if a.department_id in leads and combine_statuses(a.statuses)), None
    )
    if chosen is None:
        chosen = next((a for a in ordered if combine_statuses(a.statuses)), ordered[0])
    status = combine_statuses(chosen.statuses)
    measures = "；".join(dict.fromkeys(chosen.measures))
    before = {"status": task.status, "progress": task.progress}
    if status:
        task.status = status
    if measures:
        text = f"{chosen.label}：{measures}"
        if len(text) > PROGRESS_CHARS:
            text = text[: PROGRESS_CHARS - 1] + "…"
        task.progress = text
    after = {"status": task.status, "progress": task.progress}
    return {k: [before[k], after[k]] for k in before if before[k] != after[k]}


# --- many files -----------------------------------------------------------------------


def expand_paths(paths: Iterable[str | os.PathLike[str]]) -> list[Path]:
    """Files as given; a folder gives its .xlsx/.xlsm/.xls files (not Office lock files ~$)."""
    out: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            out.extend(
                sorted(
                    p
                    for p in path.iterdir()
                    if p.is_file()
                    and p.suffix.lower() in ACCEPTED_SUFFIXES
                    and not p.name.startswith("~$")
                )
            )
        else:
            out.append(path)
    return out


class _Rejected(Exception):
    """Leaves the file's transaction so that it rolls back."""


def collect_files(
    db: Database,
    paths: Iterable[str | os.PathLike[str]],
    *,
    user: str,
    accept_warnings: bool = False,
    period_id: int | None = None,
    progress: Progress | None = None,
    received_at: dt.datetime | None = None,
    archive_root: Path | None = None,
) -> list[CollectOutcome]:
    """Check and commit each file in its own transaction; one outcome per file.

    A file with errors is rejected; one with warnings only when ``accept_warnings``; a
    file without identity (a proposed matching) is always rejected here, since it needs
    the clerk's confirmation in the preview.  ``progress(done, total)`` is called before
    the first file and after each.  Folders are expanded (``expand_paths``).
    """
    files = expand_paths(paths)
    total = len(files)
    if progress:
        progress(0, total)
    if files:
        from foodsafety_desktop.core.storage.backup import before_change

        before_change(db, "submissions")  # the state before this batch, kept in backups/
    outcomes: list[CollectOutcome] = []
    for done, path in enumerate(files, start=1):
        outcome = CollectOutcome(path=path, accepted=False)
        try:
            with db.session() as session:
                preview = check_workbook(session, path, period_id=period_id)
                outcome.department = preview.department_name
                outcome.period = preview.period_name
                for issue in (*preview.errors, *preview.warnings):
                    outcome.add(issue)
                outcome.counts = preview.counts()
                if preview.errors:
                    raise _Rejected
                if preview.needs_confirmation:
                    outcome.add(
                        Issue("error", NEEDS_CONFIRMATION + "（请在软件界面中导入并确认）。")
                    )
                    raise _Rejected
                if preview.warnings and not accept_warnings:
                    outcome.add(
                        Issue("error", "有警告，未导入；确认无误后可选择“接受警告”再导入。")
                    )
                    raise _Rejected
                result = commit_submission(
                    session, preview, user=user, received_at=received_at, archive_root=archive_root
                )
                outcome.submission_id = result.submission_id
                outcome.accepted = True
        except _Rejected:
            pass
        except UserError as exc:
            outcome.add(Issue("error", exc.message, exc.sheet, exc.cell), str(exc))
        except Exception as exc:  # one broken file must not stop the batch
            outcome.add(
                Issue("error", f"读取或导入时发生意外错误（{type(exc).__name__}：{exc}）。")
            )
        outcomes.append(outcome)
        if progress:
            progress(done, total)
    return outcomes


def commit_previews(
    db: Database,
    reviewed: list[tuple[CollectPreview, bool]],
    *,
    user: str,
    progress: Progress | None = None,
) -> list[CollectOutcome]:
    """Commit files the clerk checked in the preview: ``(preview, confirmed)`` each.

    The GUI's counterpart of ``collect_files``, with the same rules: one backup before
    the batch, one transaction per file (a failing file rolls back alone and the batch
    goes on), one outcome per file in the order given.
    """
    total = len(reviewed)
    if progress:
        progress(0, total)
    if reviewed:
        from foodsafety_desktop.core.storage.backup import before_change

        before_change(db, "submissions")
    outcomes: list[CollectOutcome] = []
    for done, (preview, confirmed) in enumerate(reviewed, start=1):
        outcome = CollectOutcome(
            path=preview.path,
            accepted=False,
            department=preview.department_name,
            period=preview.period_name,
            counts=preview.counts(),
        )
        for issue in preview.warnings:
            outcome.add(issue)
        try:
            with db.session() as session:
                result = commit_submission(session, preview, user=user, confirmed=confirmed)
            outcome.submission_id = result.submission_id
            outcome.accepted = True
        except UserError as exc:
            outcome.add(Issue("error", exc.message, exc.sheet, exc.cell), str(exc))
        except Exception as exc:  # one broken file must not stop the batch
            outcome.add(
                Issue("error", f"读取或导入时发生意外错误（{type(exc).__name__}：{exc}）。")
            )
        outcomes.append(outcome)
        if progress:
            progress(done, total)
    return outcomes


def outcomes_changes(outcomes: list[CollectOutcome]) -> ChangeSet:
    """What a batch changed: submissions and task statuses once any file went in."""
    return SUBMISSIONS if any(o.accepted for o in outcomes) else NOTHING

