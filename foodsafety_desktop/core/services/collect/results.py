"""What collecting a returned workbook produces: findings, row and file previews, outcomes.

The dataclasses the check fills in and the commit reads (``Issue``, ``RowPreview``,
``CollectPreview``, ``SubmissionResult``, ``CollectOutcome``), the answer fields of a
``SubmissionEntry`` and the small value helpers (``parse_value``, ``local_time_text``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from foodsafety_desktop.core.dates import local_time
from foodsafety_desktop.core.errors import UserError
from foodsafety_desktop.core.excel import template_layout as layout
from foodsafety_desktop.core.excel.identity import squash
from foodsafety_desktop.core.excel.workbook_reader import cell_text
from foodsafety_desktop.core.services.collect.received import BY_CLERK, proposed_received
from foodsafety_desktop.core.services.templates import TemplateRow

NEEDS_CONFIRMATION = (
    "该文件没有本办报送表的隐藏标识，系统按填报单位、序号和任务内容推测了对应关系，"
    "需要人工确认后才能导入"
)
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
    replaces_name: str = ""  # its file name
    replaces_received_at: dt.datetime | None = None  # when it was received
    expected_rows: int = 0
    # The bytes that were checked (small files only): archived as they are at commit
    content: bytes | None = field(default=None, repr=False)
    # Set when the same file is already stored: the message (also one of the errors)
    already_imported: str | None = None
    # When it arrived (naive UTC): the file's modification time read at the check, and
    # the clerk's choice in the preview (None: the proposal of ``received``)
    modified_at: dt.datetime | None = None
    received_at: dt.datetime | None = None

    def received(self, now: dt.datetime | None = None) -> dt.datetime:
        """The receipt time 逾期 is judged by: the clerk's, else the one proposed
        (``received.proposed_received``: modification time or 填报日期)."""
        return self.received_basis(now)[0]

    def received_basis(self, now: dt.datetime | None = None) -> tuple[dt.datetime, str]:
        """The receipt time and what it rests on (按文件修改时间, 按填报日期, 手动指定 …)."""
        if self.received_at is not None:
            return self.received_at, BY_CLERK
        return proposed_received(self.modified_at, self.filled_on, now=now)

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
    archive_path: str  # relative to the database's originals (storage.originals)
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
    # The department's earlier current submission of the period that this one replaced.
    replaced_submission_id: int | None = None
    errors: list[str] = field(default_factory=list)  # full Chinese lines, as shown
    warnings: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    # The file was stored before (by this clerk earlier, or by another clerk meanwhile):
    # not imported again, and not a failure of the batch.  Its line is in ``errors``.
    already_imported: bool = False
    # Another file of the batch is a newer version of the same department's answer for
    # the period (``versions``): not imported, not a failure.  Its line is in ``errors``.
    older_version: bool = False
    # line → the finding it came from (message, sheet, cell), for as_dict
    located: dict[str, Issue] = field(default_factory=dict, repr=False)

    @property
    def file_name(self) -> str:
        return self.path.name

    @property
    def failed(self) -> bool:
        """Neither imported now nor stored before: the batch did not do its job."""
        return not self.accepted and not self.already_imported and not self.older_version

    @property
    def verdict(self) -> str:
        """已导入 / 已导入过 / 旧版本 / 未导入 (the first word of the CLI's line)."""
        if self.accepted:
            return "已导入"
        if self.already_imported:
            return "已导入过"
        return "旧版本" if self.older_version else "未导入"

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
        """JSON-ready; each error and warning is {level, message, sheet, cell, text}.

        A file skipped, not failed (imported before, or an older version), has no
        errors: the line that says why is under ``notes``, level "info"."""
        skipped = not self.accepted and not self.failed
        errors = [] if skipped else [self._issue_dict("error", t) for t in self.errors]
        notes = [self._issue_dict("info", t) for t in self.errors] if skipped else []
        return {
            "file": str(self.path),
            "accepted": self.accepted,
            "already_imported": self.already_imported,
            "older_version": self.older_version,
            "department": self.department,
            "period": self.period,
            "submission_id": self.submission_id,
            "replaced_submission_id": self.replaced_submission_id,
            "errors": errors,
            "warnings": [self._issue_dict("warning", t) for t in self.warnings],
            "notes": notes,
            "counts": dict(self.counts),
        }


class AlreadyImported(UserError):
    """The file is stored already (found under the write lock, or by the constraint)."""


# --- small helpers --------------------------------------------------------------------

_NOT_SAVED = "未能保存该文件的导入（数据库未改动，该文件未导入），"


def storage_failure_message(exc: BaseException) -> str | None:
    """A Chinese line for a failure of the database itself at write or commit; else None.

    The kind of failure is ``storage.errors.database_error_kind``'s; a full disk, an I/O
    error, a lock or a read-only database are worded for the file that was not saved.
    """
    from foodsafety_desktop.core.storage.errors import (
        database_error_kind,
        database_error_message,
    )

    kind = database_error_kind(exc)
    if kind in _NOT_SAVED_REASONS:
        return _NOT_SAVED_REASONS[kind]
    return database_error_message(exc, "导入该文件")


_NOT_SAVED_REASONS = {
    "disk_full": "磁盘空间已满，" + _NOT_SAVED + "请清理磁盘空间后重新导入。",
    "io_error": "读写磁盘出错（I/O 错误），" + _NOT_SAVED + "请检查磁盘或网络盘后重新导入。",
    "locked": "数据库正被另一位用户或程序占用，等待超时，" + _NOT_SAVED + "请稍后重新导入。",
    "retry": "数据库正被另一位用户或程序占用，等待超时，" + _NOT_SAVED + "请稍后重新导入。",
    "read_only": "数据库为只读，" + _NOT_SAVED + "请检查文件权限或是否已在别处打开。",
}


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


def local_time_text(utc: dt.datetime | None) -> str:
    """A stored timestamp (naive UTC) as the machine's local time, "2022-09-20 10:00"."""
    if utc is None:
        return "（时间不详）"
    return f"{local_time(utc):%Y-%m-%d %H:%M}"
