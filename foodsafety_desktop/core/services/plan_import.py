"""Importing a parsed plan (实施方案/工作要点) into the 工作台账.

Two steps: ``prepare_import`` proposes a department for every written name (the
review dialog shows the proposals that need confirmation), ``import_plan`` stores the
plan, its sections, tasks, items, assignments, indicators and reporting rules in the
caller's transaction and archives the source file.  ``import_plan_file`` does both
without asking (CLI, demo data).

Storage decisions:
- a ``TaskItem`` row is stored only for tasks with more than one attributed item;
  assignments of such tasks carry ``item_id``, those of single-item tasks have
  ``item_id`` None.  One assignment row per (task, item, department, role); a ledger
  query lists a department once per task.
- a written name that differs from its department's name becomes an alias of it,
  except a bare name that the jurisdiction prefix maps anyway ("发改委" → "县发改委"):
  stored as an alias it would capture "发改委" in the plans of other counties.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from foodsafety_desktop.core.changes import PLAN_IMPORTED, ChangeSet
from foodsafety_desktop.core.errors import UserError
from foodsafety_desktop.core.fileio import file_sha256
from foodsafety_desktop.core.names import place_prefix, prefixed
from foodsafety_desktop.core.plans.model import ParsedPlan, ParsedTask
from foodsafety_desktop.core.services import audit
from foodsafety_desktop.core.services.departments import NameResolution, resolve_names
from foodsafety_desktop.core.storage.database import Database
from foodsafety_desktop.core.storage.models import (
    ROLE_COOPERATING,
    ROLE_LEAD,
    ROLE_RESPONSIBLE,
    Assignment,
    Department,
    DepartmentAlias,
    Indicator,
    Plan,
    ReportingRule,
    Section,
    Task,
    TaskItem,
)
from foodsafety_desktop.core.storage.originals import Originals, originals_of, plan_original_path


@dataclass
class ImportReview:
    """A parsed plan with the proposed department for every written name.

    The review dialog may edit ``parsed`` (task departments) and ``resolutions``
    (the clerk's decisions: set ``department_id``/``canonical_name``); call
    ``refresh_resolutions`` after editing task departments.
    """

    parsed: ParsedPlan
    resolutions: dict[str, NameResolution]  # key: name as written
    source_path: Path | None

    def needing_confirmation(self) -> list[NameResolution]:
        return [r for r in self.resolutions.values() if r.needs_confirmation]


@dataclass
class ImportResult:
    """What an import stored."""

    plan_id: int
    task_count: int
    created_departments: list[str]
    warnings: list[str] = field(default_factory=list)
    changes: ChangeSet = PLAN_IMPORTED


def name_counts(parsed: ParsedPlan) -> Counter[str]:
    """How many times each department name is written in the plan."""
    return Counter(
        name.strip()
        for task in parsed.tasks
        for item in task.items
        for name in (*item.lead, *item.others)
        if name and name.strip()
    )


def _check_not_imported(session: Session, sha256: str | None, path: Path | None) -> None:
    if not sha256:
        return
    existing = session.execute(
        select(Plan.id, Plan.title).where(Plan.source_sha256 == sha256).order_by(Plan.id)
    ).first()
    if existing is not None:
        raise UserError(
            f"该方案已导入过（方案编号 {existing.id}：《{existing.title}》），不能重复导入。"
            "如需重新导入，请先删除已导入的方案。",
            file=path,
        )


def prepare_import(
    session: Session, parsed: ParsedPlan, source_path: Path | None = None
) -> ImportReview:
    """Propose departments for the plan's names (UserError if the file was imported)."""
    source_path = Path(source_path) if source_path is not None else None
    if source_path is not None:
        _check_not_imported(session, _sha256_or_error(source_path), source_path)
    review = ImportReview(parsed=parsed, resolutions={}, source_path=source_path)
    refresh_resolutions(session, review)
    return review


def refresh_resolutions(session: Session, review: ImportReview) -> None:
    """Resolve names added since the last call; keep the decisions already made.

    Names no longer written anywhere in the plan are dropped.
    """
    names = review.parsed.department_names()
    new = [name for name in names if name not in review.resolutions]
    if new:
        resolved = resolve_names(
            session, names, review.parsed.jurisdiction, counts=name_counts(review.parsed)
        )
        for res in resolved:
            if res.written in new:
                review.resolutions[res.written] = res
    for name in list(review.resolutions):
        if name not in names:
            del review.resolutions[name]


def _sha256_or_error(path: Path) -> str:
    try:
        return file_sha256(path)
    except OSError as exc:
        raise UserError(f"无法读取方案文件：{exc.strerror or exc}", file=path) from exc


class _Departments:
    """Departments chosen for the plan's written names, created on first use."""

    def __init__(self, session: Session, review: ImportReview) -> None:
        self.session = session
        self.review = review
        self.jurisdiction = review.parsed.jurisdiction
        self.by_written: dict[str, Department] = {}
        self.created: list[str] = []

    def get(self, written: str) -> Department:
        if written in self.by_written:
            return self.by_written[written]
        res = self.review.resolutions.get(written) or self.review.resolutions[written.strip()]
        department = self._chosen(res)
        self.by_written[written] = department
        self._alias(written.strip(), department)
        return department

    def _chosen(self, res: NameResolution) -> Department:
        # "合并为" another written name: follow that name's own decision.
        seen = {res.written}
        while (
            res.department_id is None
            and res.canonical_name in self.review.resolutions
            and res.canonical_name not in seen
        ):
            seen.add(res.canonical_name)
            res = self.review.resolutions[res.canonical_name]
        if res.department_id is not None:
            department = self.session.get(Department, res.department_id)
            if department is None:
                raise UserError(
                    f"单位“{res.canonical_name}”已不存在（可能刚被合并或删除），"
                    "请重新核对方案中的单位后再导入。"
                )
            return department
        name = (res.canonical_name or res.written).strip()
        department = self.session.scalar(select(Department).where(Department.name == name))
        if department is None:
            department = self.session.scalar(
                select(Department)
                .join(DepartmentAlias, DepartmentAlias.department_id == Department.id)
                .where(DepartmentAlias.alias == name)
            )
        if department is None:
            department = Department(name=name, kind=res.kind)
            self.session.add(department)
            self.session.flush()
            self.created.append(name)
        return department

    def _alias(self, written: str, department: Department) -> None:
        if written == department.name:
            return
        if place_prefix(department.name) and prefixed(written, department.name[0]):
            # A bare name ("卫健委", "卫生健康委员会") of a 县/区/市 department would, as
            # an alias, capture the same bare name in other counties' plans; the prefix
            # rule finds the department again anyway.
            return
        taken = self.session.scalar(
            select(Department.id).where(Department.name == written)
        ) or self.session.scalar(select(DepartmentAlias.id).where(DepartmentAlias.alias == written))
        if taken is None:
            self.session.add(DepartmentAlias(department_id=department.id, alias=written))
            self.session.flush()


def import_plan(
    session: Session, review: ImportReview, *, user: str, originals: Originals | None = None
) -> ImportResult:
    """Store the reviewed plan in the caller's transaction and keep its source file.

    The file is kept as ``plans/<sha256[:12]>_<name>`` among the database's originals
    (``storage.originals``: ``archive/`` beside a SQLite ledger, the database itself for
    a server; ``originals`` overrides it); it is gone again if the caller's transaction
    is rolled back.
    """
    parsed = review.parsed
    if not parsed.tasks:
        raise UserError("方案中没有识别出任何任务，无法导入。", file=review.source_path)
    sha256 = None
    if review.source_path is not None:
        sha256 = _sha256_or_error(review.source_path)
        _check_not_imported(session, sha256, review.source_path)
    if any(name not in review.resolutions for name in parsed.department_names()):
        refresh_resolutions(session, review)

    source_name = parsed.source_name or (review.source_path.name if review.source_path else None)
    plan = Plan(
        title=(parsed.title or source_name or "未命名方案").strip()[:500],
        issuer=parsed.issuer,
        doc_number=parsed.doc_number,
        issued_on=parsed.date,
        year_start=parsed.year_start,
        year_end=parsed.year_end,
        jurisdiction=parsed.jurisdiction,
        source_name=source_name,
        source_sha256=sha256,
    )
    session.add(plan)
    session.flush()

    sections = _add_sections(session, plan, parsed.tasks)
    departments = _Departments(session, review)
    warnings = list(parsed.warnings)
    for position, parsed_task in enumerate(parsed.tasks, start=1):
        _add_task(session, plan, position, parsed_task, sections, departments, warnings)
    if unnamed := [t for t in parsed.tasks if not t.lead and not t.others]:
        shown = "、".join(task_reference(t) for t in unnamed[:5])
        more = f"等 {len(unnamed)} 项任务" if len(unnamed) > 5 else ""
        warnings.append(f"{shown}{more}没有写明责任单位，请在台账中补充。")
    for position, rule in enumerate(parsed.reporting, start=1):
        session.add(
            ReportingRule(
                plan_id=plan.id,
                position=position,
                text=rule.text,
                what=(rule.what or None) and rule.what[:200],
                recurrence=rule.recurrence,
                due_dates=",".join(rule.dates)[:200],
            )
        )
    session.flush()

    audit.record(
        session,
        user=user,
        action="plan.import",
        entity="plan",
        entity_id=plan.id,
        summary=(
            f"导入方案《{plan.title}》：{len(parsed.tasks)} 项任务"
            + (f"，新建 {len(departments.created)} 个单位" if departments.created else "")
        ),
        detail={
            "source_name": source_name,
            "sha256": sha256,
            "task_count": len(parsed.tasks),
            "created_departments": departments.created,
            "resolutions": {
                name: {"match": r.match, "department": r.canonical_name}
                for name, r in review.resolutions.items()
            },
        },
    )
    session.flush()
    if review.source_path is not None and sha256:
        _archive(
            session, review.source_path, plan_original_path(source_name or "", sha256), originals
        )
    return ImportResult(
        plan_id=plan.id,
        task_count=len(parsed.tasks),
        created_departments=list(departments.created),
        warnings=warnings,
    )


def _add_sections(session: Session, plan: Plan, tasks: list[ParsedTask]) -> dict[tuple, Section]:
    """One Section per distinct heading path prefix, in document order."""
    sections: dict[tuple, Section] = {}
    for task in tasks:
        key: tuple = ()
        parent: Section | None = None
        for heading in task.path:
            key = (*key, (heading.label, heading.title, heading.level))
            section = sections.get(key)
            if section is None:
                section = Section(
                    plan_id=plan.id,
                    parent_id=parent.id if parent else None,
                    label=heading.label[:20],
                    title=heading.title,
                    level=heading.level,
                    position=len(sections) + 1,
                )
                session.add(section)
                session.flush()
                sections[key] = section
            parent = section
    return sections


def task_reference(task: ParsedTask) -> str:
    """How the clerk finds a task: its section's number, its own and its title,
    "（二）3.推进承诺达标合格证制度" (numbers restart in every section)."""
    section = task.path[-1].label if task.path else ""
    return f"{section}{task.label}{task.title[:16]}"


def _path_key(task: ParsedTask) -> tuple:
    return tuple((h.label, h.title, h.level) for h in task.path)


def _add_task(
    session: Session,
    plan: Plan,
    position: int,
    parsed: ParsedTask,
    sections: dict[tuple, Section],
    departments: _Departments,
    warnings: list[str],
) -> None:
    section = sections.get(_path_key(parsed)) if parsed.path else None
    task = Task(
        plan_id=plan.id,
        section_id=section.id if section else None,
        position=position,
        label=parsed.label[:20],
        title=parsed.title,
        text=parsed.text,
        deadline_text=parsed.deadline[:100] if parsed.deadline else None,
        deadline=parsed.deadline_date,
    )
    # Rows are linked as objects and written by the one flush at commit: a flush per
    # task made a 3,000-task plan take seconds.
    session.add(task)

    items: list[TaskItem | None] = [None] * len(parsed.items)
    if len(parsed.items) > 1:
        for i, parsed_item in enumerate(parsed.items):
            new_item = TaskItem(position=i + 1, text=parsed_item.text)
            task.items.append(new_item)
            items[i] = new_item

    seen: set[tuple[int | None, int, str]] = set()
    leads: set[tuple[int | None, int]] = set()
    order = 0
    for index, (parsed_item, item) in enumerate(zip(parsed.items, items, strict=True)):
        item_id = index if item else None  # the item's place; its row id comes at flush
        cooperating = set(parsed_item.cooperating)
        named = [(n, ROLE_LEAD) for n in parsed_item.lead] + [
            (n, ROLE_COOPERATING if n in cooperating else ROLE_RESPONSIBLE)
            for n in parsed_item.others
        ]
        for written, role in named:
            if not written or not written.strip():
                continue
            department = departments.get(written)
            if role != ROLE_LEAD and (item_id, department.id) in leads:
                continue
            key = (item_id, department.id, role)
            if key in seen:
                continue
            seen.add(key)
            if role == ROLE_LEAD:
                leads.add((item_id, department.id))
            order += 1
            task.assignments.append(
                Assignment(
                    item=item,
                    department_id=department.id,
                    role=role,
                    written_name=written.strip()[:200],
                    position=order,
                )
            )

    for i, target in enumerate(parsed.targets, start=1):
        task.indicators.append(
            Indicator(
                position=i,
                text=target.text,
                subject=target.subject or None,
                comparison=target.comparison,
                value=target.value,
                unit=(target.unit or None) and target.unit[:50],
            )
        )


def _archive(session: Session, source: Path, relative: str, originals: Originals | None) -> None:
    """Keep the source file among the originals; gone again if the transaction fails."""
    store = originals if originals is not None else originals_of(session)
    try:
        store.keep(session, relative, source.read_bytes())
    except OSError as exc:
        raise UserError(
            f"无法把方案文件保存到存档文件夹：{exc.strerror or exc}", file=source
        ) from exc


def import_plan_file(
    db: Database,
    path: Path,
    *,
    user: str,
    originals: Originals | None = None,
    backup: bool = True,
) -> ImportResult:
    """Read, resolve and import a plan file without asking (CLI, demo data).

    Exact, alias and prefix matches are accepted; a fuzzy proposal is not merged: the
    name becomes a new department and a warning names the proposal.  The database is
    backed up first (``backup=False``: a throw-away demo database).
    """
    from foodsafety_desktop.core.storage.backup import before_change

    review = read_for_review(db, path)
    if backup:
        before_change(db, "import")
    with db.session() as session:
        notes = accept_certain(review)
        result = import_plan(session, review, user=user, originals=originals)
    result.warnings.extend(notes)
    return result


def read_for_review(db: Database, path: Path) -> ImportReview:
    """Read a plan file and propose its departments, for the clerk to review (writes
    nothing; UserError for a file that cannot be used)."""
    from foodsafety_desktop.core.plans.reader import read_plan

    path = Path(path)
    parsed = read_plan(path)
    if not parsed.source_name:
        parsed.source_name = path.name
    with db.session() as session:
        return prepare_import(session, parsed, path)


def import_reviewed(
    db: Database, review: ImportReview, *, user: str, originals: Originals | None = None
) -> ImportResult:
    """Store a plan the clerk reviewed: back up first, then one transaction."""
    from foodsafety_desktop.core.storage.backup import before_change

    before_change(db, "import")
    with db.session() as session:
        return import_plan(session, review, user=user, originals=originals)


def accept_certain(review: ImportReview) -> list[str]:
    """Turn fuzzy proposals into new departments; return one warning for each."""
    notes = []
    for name, res in list(review.resolutions.items()):
        if res.match != "fuzzy":
            continue
        own = prefixed(name, review.parsed.jurisdiction) or name
        notes.append(
            f"单位“{name}”与“{res.canonical_name}”相近，未自动合并，已作为新单位“{own}”导入；"
            "如为同一单位，请在单位管理中合并。"
        )
        review.resolutions[name] = NameResolution(
            written=name,
            match="new",
            department_id=None,
            canonical_name=own,
            kind=res.kind,
            candidates=res.candidates,
        )
    return notes
