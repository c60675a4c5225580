"""佐证材料: evidence files (PDF, photos, Word, Excel, scans) attached to a task, a returned
workbook (submission) or a 细则 item, kept with the database like returned workbooks.

``attach_evidence`` stores the file's bytes through ``storage.originals`` (``archive/``
beside a SQLite ledger, ``stored_file`` in a server database) in the transaction that
adds the ``Evidence`` row; the same file attached twice to the same target adds nothing
(``EvidenceInfo.duplicate``).  ``remove_evidence`` deletes the row only: the original
stays until the start-up sweep finds it unreferenced.  ``item_evidence`` answers which
evidence belongs to each 细则 item (the export of the assessment file uses it).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import re
import stat
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select

from foodsafety_desktop.core.dates import local_time
from foodsafety_desktop.core.errors import UserError
from foodsafety_desktop.core.services import audit
from foodsafety_desktop.core.storage.models import (
    AssessmentItem,
    AssessmentLink,
    Department,
    Evidence,
    ReportingPeriod,
    Submission,
    SubmissionEntry,
    Task,
)
from foodsafety_desktop.core.storage.originals import evidence_original_path, originals_of

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from foodsafety_desktop.core.storage.database import Database

__all__ = [
    "MAX_EVIDENCE_BYTES",
    "AttachOutcome",
    "EvidenceInfo",
    "attach_evidence",
    "attach_many",
    "evidence_bytes",
    "evidence_copy_for_opening",
    "evidence_info",
    "evidence_list",
    "find_task_id",
    "format_size",
    "item_evidence",
    "opened_copies_dir",
    "remove_evidence",
]

# Larger files are refused: a scan of a whole 案卷 is some tens of MB; 200 MB keeps a
# server database's rows and a backup to a USB stick reasonable.
MAX_EVIDENCE_BYTES = 200 * 1024 * 1024
_TITLE_CHARS = 24  # of a task's or an item's title in the "attached to" label


def format_size(size: int) -> str:
    """1.2 MB / 35 KB / 512 字节."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    if size >= 1024:
        return f"{max(1, round(size / 1024))} KB"
    return f"{size} 字节"


@dataclass
class EvidenceInfo:
    """One 佐证材料 file as the ledger and the 考核 view list it."""

    id: int
    name: str
    size: int
    sha256: str
    added_at: dt.datetime  # local time
    added_by: str
    note: str | None
    task_id: int | None
    submission_id: int | None
    item_id: int | None
    department_id: int | None
    department_name: str | None
    attached_to: str  # 任务“3.加强…”；考核项目“1.2 …”；报送：城关镇 2026年第一季度
    archive_path: str = ""
    duplicate: bool = False  # attach_evidence: already attached to this target, not added

    @property
    def size_text(self) -> str:
        return format_size(self.size)

    @property
    def added_text(self) -> str:
        return self.added_at.strftime("%Y-%m-%d %H:%M")

    @property
    def suffix(self) -> str:
        return Path(self.name).suffix.lower()


@dataclass
class AttachOutcome:
    """What became of one file of a drop (``attach_many``)."""

    path: Path
    info: EvidenceInfo | None = None
    error: str | None = None  # the Chinese reason it was not attached

    @property
    def added(self) -> bool:
        return self.info is not None and not self.info.duplicate

    @property
    def duplicate(self) -> bool:
        return self.info is not None and self.info.duplicate

    @property
    def message(self) -> str:
        """One line for the clerk: 已添加 / 已添加过 / the reason."""
        if self.error:
            return self.error
        assert self.info is not None
        if self.info.duplicate:
            return f"“{self.path.name}”已添加过（{self.info.attached_to}），未重复添加。"
        return f"已添加“{self.path.name}”（{self.info.size_text}）。"


@dataclass
class _Target:
    task: Task | None = None
    submission: Submission | None = None
    item: AssessmentItem | None = None
    department: Department | None = None
    labels: list[str] = field(default_factory=list)


def _short(text: str) -> str:
    text = re.sub(r"\s+", "", text or "")
    return text if len(text) <= _TITLE_CHARS else text[: _TITLE_CHARS - 1] + "…"


def _task_label(task: Task) -> str:
    return f"任务“{_short(f'{task.label}{task.title or task.text}')}”"


def _item_label(item: AssessmentItem) -> str:
    number = item.number
    if number and number[-1] not in "）)":
        number += "、" if item.level == 1 and not number.isdigit() else "."
    return f"考核项目“{_short(f'{number}{item.title}')}”"


def _submission_label(session: Session, submission: Submission) -> str:
    period = session.get(ReportingPeriod, submission.period_id)
    department = session.get(Department, submission.department_id)
    return f"报送：{department.name if department else ''} {period.name if period else ''}".strip()


def _resolve(
    session: Session,
    *,
    task_id: int | None,
    submission_id: int | None,
    item_id: int | None,
    department_id: int | None,
) -> _Target:
    if task_id is None and submission_id is None and item_id is None:
        raise UserError("佐证材料应添加到一项任务、一份报送或一个考核项目。")
    target = _Target()
    if task_id is not None:
        target.task = session.get(Task, task_id)
        if target.task is None:
            raise UserError(f"没有编号为 {task_id} 的任务。")
        target.labels.append(_task_label(target.task))
    if submission_id is not None:
        target.submission = session.get(Submission, submission_id)
        if target.submission is None:
            raise UserError(f"没有编号为 {submission_id} 的报送记录。")
        target.labels.append(_submission_label(session, target.submission))
        if department_id is None:
            department_id = target.submission.department_id
        elif department_id != target.submission.department_id:
            raise UserError("所选单位与这份报送的单位不一致，请重新选择单位。")
    if item_id is not None:
        target.item = session.get(AssessmentItem, item_id)
        if target.item is None:
            raise UserError(f"没有编号为 {item_id} 的考核项目。")
        target.labels.append(_item_label(target.item))
    if department_id is not None:
        target.department = session.get(Department, department_id)
        if target.department is None:
            raise UserError(f"没有编号为 {department_id} 的单位。")
    return target


def _info(session: Session, row: Evidence, *, duplicate: bool = False) -> EvidenceInfo:
    labels: list[str] = []
    if row.task_id is not None and (task := session.get(Task, row.task_id)) is not None:
        labels.append(_task_label(task))
    if row.submission_id is not None:
        submission = session.get(Submission, row.submission_id)
        if submission is not None:
            labels.append(_submission_label(session, submission))
    if row.item_id is not None and (item := session.get(AssessmentItem, row.item_id)) is not None:
        labels.append(_item_label(item))
    department = session.get(Department, row.department_id) if row.department_id else None
    return EvidenceInfo(
        id=row.id,
        name=row.name,
        size=row.size,
        sha256=row.sha256,
        added_at=local_time(row.added_at),
        added_by=row.added_by,
        note=row.note,
        task_id=row.task_id,
        submission_id=row.submission_id,
        item_id=row.item_id,
        department_id=row.department_id,
        department_name=department.name if department else None,
        attached_to="；".join(labels),
        archive_path=row.archive_path,
        duplicate=duplicate,
    )


def _read_file(path: Path, limit: int) -> bytes:
    """The file's bytes; UserError naming the file when it is not one, is empty, too big
    or cannot be read."""
    name = path.name
    try:
        info = path.stat()
    except FileNotFoundError:
        raise UserError("找不到这个文件，可能已被移动、改名或删除。", file=path) from None
    except OSError as exc:
        raise UserError(f"无法读取这个文件（{exc.strerror or exc}）。", file=path) from exc
    if stat.S_ISDIR(info.st_mode):
        raise UserError("这是一个文件夹，请选择其中的文件作为佐证材料。", file=path)
    if info.st_size == 0:
        raise UserError("这是一个空文件（0 字节），不能作为佐证材料。", file=path)
    if info.st_size > limit:
        raise UserError(
            f"文件太大（{format_size(info.st_size)}），佐证材料每个文件不能超过"
            f" {format_size(limit)}。请压缩或拆分后再添加。",
            file=path,
        )
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise UserError(
            f"无法读取这个文件（{exc.strerror or exc}），文件可能正在被其他程序使用。",
            file=path,
        ) from exc
    if not content:  # emptied meanwhile
        raise UserError(f"“{name}”是一个空文件（0 字节），不能作为佐证材料。", file=path)
    return content


def attach_evidence(
    db: Database,
    path: str | os.PathLike[str],
    *,
    user: str,
    task_id: int | None = None,
    submission_id: int | None = None,
    item_id: int | None = None,
    department_id: int | None = None,
    note: str | None = None,
) -> EvidenceInfo:
    """Attach the file ``path`` to a task, a submission and/or a 细则 item, for
    ``department_id`` (default: the submission's department).

    The bytes and the row are written in one transaction.  The same file (same SHA-256)
    already attached to the same target adds nothing: the existing row is returned with
    ``duplicate`` True.  UserError for an empty, too big, unreadable file or an unknown
    target.
    """
    path = Path(path)
    content = _read_file(path, MAX_EVIDENCE_BYTES)
    digest = hashlib.sha256(content).hexdigest()
    name = path.name
    note = (note or "").strip() or None
    with db.session() as session:
        target = _resolve(
            session,
            task_id=task_id,
            submission_id=submission_id,
            item_id=item_id,
            department_id=department_id,
        )
        ids = {
            "task_id": target.task.id if target.task else None,
            "submission_id": target.submission.id if target.submission else None,
            "item_id": target.item.id if target.item else None,
            "department_id": target.department.id if target.department else None,
        }
        stmt = select(Evidence).where(Evidence.sha256 == digest)
        for column, value in ids.items():
            col = getattr(Evidence, column)
            stmt = stmt.where(col.is_(None) if value is None else col == value)
        existing = session.scalars(stmt.order_by(Evidence.id)).first()
        if existing is not None:
            return _info(session, existing, duplicate=True)
        relative = evidence_original_path(name, digest)
        originals = originals_of(session)
        if not originals.has(session, relative):
            originals.keep(session, relative, content)
        row = Evidence(
            name=name,
            sha256=digest,
            size=len(content),
            archive_path=relative,
            note=note,
            added_by=user or "未知用户",
            **ids,
        )
        session.add(row)
        session.flush()
        entity, entity_id = _audit_entity(row)
        where = "；".join(target.labels)
        unit = f"（{target.department.name}）" if target.department else ""
        audit.record(
            session,
            user=user,
            action="evidence.add",
            entity=entity,
            entity_id=entity_id,
            summary=f"添加佐证材料“{name}”到{where}{unit}",
            detail=_detail(row),
        )
        return _info(session, row)


def _detail(row: Evidence) -> dict:
    """The audit detail: the name and note shown in the history, the rest for the
    program only (under the history's hidden "snapshot" key)."""
    return {
        "name": row.name,
        "note": row.note,
        "sha256": row.sha256,
        "snapshot": {
            "evidence_id": row.id,
            "size": row.size,
            "archive_path": row.archive_path,
            "task_id": row.task_id,
            "submission_id": row.submission_id,
            "item_id": row.item_id,
            "department_id": row.department_id,
        },
    }


def _audit_entity(row: Evidence) -> tuple[str, int]:
    """The history an evidence change shows in: its task's, else its submission's, else
    its 细则 item's."""
    if row.task_id is not None:
        return "task", row.task_id
    if row.submission_id is not None:
        return "submission", row.submission_id
    assert row.item_id is not None
    return "assessment_item", row.item_id


def attach_many(
    db: Database,
    paths: Iterable[str | os.PathLike[str]],
    *,
    user: str,
    task_id: int | None = None,
    submission_id: int | None = None,
    item_id: int | None = None,
    department_id: int | None = None,
    note: str | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> list[AttachOutcome]:
    """Attach each of ``paths`` (a drop of several files), one transaction per file; a
    file that cannot be attached is an outcome with its reason, the others go on.
    ``progress(done, total, name)`` is called before each file."""
    files = [Path(p) for p in paths]
    outcomes: list[AttachOutcome] = []
    for done, path in enumerate(files):
        if progress is not None:
            progress(done, len(files), path.name)
        try:
            info = attach_evidence(
                db,
                path,
                user=user,
                task_id=task_id,
                submission_id=submission_id,
                item_id=item_id,
                department_id=department_id,
                note=note,
            )
        except UserError as exc:
            outcomes.append(AttachOutcome(path, error=str(exc)))
        else:
            outcomes.append(AttachOutcome(path, info=info))
    if progress is not None:
        progress(len(files), len(files), "")
    return outcomes


def _assessment_item_ids(session: Session, assessment_id: int) -> list[int]:
    return list(
        session.scalars(
            select(AssessmentItem.id).where(AssessmentItem.assessment_id == assessment_id)
        )
    )


def evidence_list(
    session: Session,
    *,
    task_id: int | None = None,
    submission_id: int | None = None,
    item_id: int | None = None,
    department_id: int | None = None,
    assessment_id: int | None = None,
) -> list[EvidenceInfo]:
    """The evidence matching every filter given, oldest first.

    ``assessment_id``: the evidence of the 细则's items, attached to them directly or
    reached through a confirmed link (the linked tasks and their submissions).
    """
    stmt = select(Evidence)
    if task_id is not None:
        stmt = stmt.where(Evidence.task_id == task_id)
    if submission_id is not None:
        stmt = stmt.where(Evidence.submission_id == submission_id)
    if item_id is not None:
        stmt = stmt.where(Evidence.item_id == item_id)
    if department_id is not None:
        stmt = stmt.where(Evidence.department_id == department_id)
    rows = list(session.scalars(stmt.order_by(Evidence.added_at, Evidence.id)))
    if assessment_id is not None:
        reached = {
            e.id
            for found in item_evidence(session, assessment_id, department_id=department_id).values()
            for e in found
        }
        rows = [r for r in rows if r.id in reached]
    return [_info(session, r) for r in rows]


def item_evidence(
    session: Session, assessment_id: int, *, department_id: int | None = None
) -> dict[int, list[EvidenceInfo]]:
    """Per 细则 item id, the evidence that belongs to it, oldest first: files attached to
    the item, to the tasks confirmed-linked to it, and to submissions of those tasks'
    periods by the units that reported on them.

    ``department_id``: only that unit's evidence (files attached for no unit are the
    county's own and belong to the whole county's file only).
    """
    item_ids = _assessment_item_ids(session, assessment_id)
    if not item_ids:
        return {}
    links: dict[int, list[int]] = {}
    for item_id, task_id in session.execute(
        select(AssessmentLink.item_id, AssessmentLink.task_id).where(
            AssessmentLink.item_id.in_(item_ids), AssessmentLink.confirmed.is_(True)
        )
    ):
        links.setdefault(item_id, []).append(task_id)
    linked_tasks = sorted({t for tasks in links.values() for t in tasks})

    stmt = select(Evidence).where(Evidence.item_id.in_(item_ids))
    direct = list(session.scalars(stmt))
    on_tasks: list[Evidence] = []
    on_submissions: list[tuple[Evidence, set[int]]] = []
    if linked_tasks:
        on_tasks = list(session.scalars(select(Evidence).where(Evidence.task_id.in_(linked_tasks))))
        # Evidence of a workbook counts for the tasks the workbook answered.
        answered: dict[int, set[int]] = {}
        for submission_id, task_id in session.execute(
            select(SubmissionEntry.submission_id, SubmissionEntry.task_id)
            .join(Evidence, Evidence.submission_id == SubmissionEntry.submission_id)
            .where(SubmissionEntry.task_id.in_(linked_tasks))
            .distinct()
        ):
            answered.setdefault(submission_id, set()).add(task_id)
        if answered:
            for row in session.scalars(
                select(Evidence).where(Evidence.submission_id.in_(sorted(answered)))
            ):
                assert row.submission_id is not None
                on_submissions.append((row, answered[row.submission_id]))

    found: dict[int, dict[int, Evidence]] = {i: {} for i in item_ids}
    for row in direct:
        assert row.item_id is not None
        found[row.item_id][row.id] = row
    for item_id, tasks in links.items():
        wanted = set(tasks)
        for row in on_tasks:
            if row.task_id in wanted:
                found[item_id][row.id] = row
        for row, answered_tasks in on_submissions:
            if answered_tasks & wanted:
                found[item_id][row.id] = row
    out: dict[int, list[EvidenceInfo]] = {}
    for item_id, rows in found.items():
        chosen = [
            r for r in rows.values() if department_id is None or r.department_id == department_id
        ]
        chosen.sort(key=lambda r: (r.added_at, r.id))
        out[item_id] = [_info(session, r) for r in chosen]
    return out


def _evidence_row(session: Session, evidence_id: int) -> Evidence:
    row = session.get(Evidence, evidence_id)
    if row is None:
        raise UserError(f"没有编号为 {evidence_id} 的佐证材料，可能已被删除。")
    return row


def stored_bytes(session: Session, archive_path: str, sha256: str, name: str) -> bytes:
    """The kept bytes of an original, checked against ``sha256``; UserError naming the
    file when it is missing or damaged."""
    originals = originals_of(session)
    content = originals.read(session, archive_path)
    if content is None:
        raise UserError(
            f"佐证材料“{name}”的原件找不到了（应在{originals.where}的 {archive_path}）。"
            "请从备份恢复，或删除后重新添加。"
        )
    if hashlib.sha256(content).hexdigest() != sha256:
        raise UserError(
            f"佐证材料“{name}”的原件已损坏（内容与添加时不一致）。请从备份恢复，或删除后重新添加。"
        )
    return content


def evidence_info(session: Session, evidence_id: int) -> EvidenceInfo:
    """One evidence file's listing; UserError when there is none with that id."""
    return _info(session, _evidence_row(session, evidence_id))


def evidence_bytes(session: Session, evidence_id: int) -> bytes:
    """The evidence file's bytes, verified against its SHA-256."""
    row = _evidence_row(session, evidence_id)
    return stored_bytes(session, row.archive_path, row.sha256, row.name)


def opened_copies_dir() -> Path:
    """Where copies for opening are written (a per-user temporary folder)."""
    return Path(tempfile.gettempdir()) / f"foodsafety-evidence-{_user_tag()}"


def _user_tag() -> str:
    try:
        return str(os.getuid())  # type: ignore[attr-defined,unused-ignore]
    except AttributeError:  # Windows: the temp folder is per user already
        return "opened"


def evidence_copy_for_opening(db: Database, evidence_id: int) -> Path:
    """A read-only copy of the evidence file, named as the original (Word/WPS show the
    name and open it), in a folder of its own under :func:`opened_copies_dir`.

    A copy already there with the right bytes is reused (it may be open in Word).
    """
    with db.session() as session:
        row = _evidence_row(session, evidence_id)
        name, digest = row.name, row.sha256
        content = stored_bytes(session, row.archive_path, digest, name)
    folder = opened_copies_dir() / f"{evidence_id}-{digest[:12]}"
    target = folder / _safe_name(name)
    if target.is_file():
        with contextlib.suppress(OSError):
            if hashlib.sha256(target.read_bytes()).hexdigest() == digest:
                return target
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if target.exists():
            os.chmod(target, stat.S_IRUSR | stat.S_IWUSR)
        partial = folder / f".{target.name}.{os.getpid()}.part"
        partial.write_bytes(content)
        os.chmod(partial, stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
        os.replace(partial, target)
    except OSError as exc:
        raise UserError(
            f"无法打开佐证材料“{name}”：临时文件夹 {folder} 无法写入（{exc.strerror or exc}）。"
            "如果该文件正在 Word/WPS 中打开，请先关闭后重试。"
        ) from exc
    return target


_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


def _safe_name(name: str) -> str:
    """A file name Windows and Linux accept (the characters they refuse become _)."""
    cleaned = _UNSAFE.sub("_", name).strip().rstrip(".")
    return cleaned or "佐证材料"


def remove_evidence(db: Database, evidence_id: int, *, user: str) -> EvidenceInfo:
    """Delete one evidence row (audited); its original stays until the start-up sweep
    finds it referenced by nothing.  Returns what was removed."""
    with db.session() as session:
        row = _evidence_row(session, evidence_id)
        info = _info(session, row)
        entity, entity_id = _audit_entity(row)
        unit = f"（{info.department_name}）" if info.department_name else ""
        audit.record(
            session,
            user=user,
            action="evidence.remove",
            entity=entity,
            entity_id=entity_id,
            summary=f"删除佐证材料“{row.name}”（{info.attached_to}）{unit}",
            detail=_detail(row),
        )
        session.delete(row)
        return info


def safe_file_name(name: str) -> str:
    """Public alias of the file-name cleaner (the export renames files with it)."""
    return _safe_name(name)


def infos_by_id(session: Session, ids: Sequence[int]) -> list[EvidenceInfo]:
    """The evidence of ``ids``, in that order (unknown ids left out)."""
    rows = {r.id: r for r in session.scalars(select(Evidence).where(Evidence.id.in_(list(ids))))}
    return [_info(session, rows[i]) for i in ids if i in rows]


def find_task_id(session: Session, ref: str, *, plan_id: int | None = None) -> int:
    """The task ``ref`` names (the command line's ``--task``): "#17" or, without a plan,
    digits are its id; with ``plan_id``, as ``ledger.find_task`` reads a reference
    ("（三）", "3" its place in the plan).  UserError when none or several match."""
    from foodsafety_desktop.core.services.ledger import find_task

    wanted = (ref or "").strip()
    if not wanted:
        raise UserError("请写明任务：#任务编号，或 --plan 方案编号 加台账中的序号（如“（三）”）。")
    if wanted.startswith("#") or (plan_id is None and wanted.isdigit()):
        digits = wanted.lstrip("#")
        task = session.get(Task, int(digits)) if digits.isdigit() else None
        if task is None:
            raise UserError(f"没有编号为 {digits} 的任务。")
        return task.id
    if plan_id is None:
        raise UserError(f"用序号“{wanted}”指定任务时，请同时用 --plan 指定方案（见 plan list）。")
    return find_task(session, wanted, plan_ids=[plan_id], scope=f"方案（编号 {plan_id}）").id
