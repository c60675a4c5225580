"""Importing a parsed plan (实施方案/工作要点) into the 工作台账.

Two steps: ``prepare_import`` proposes a department for every written name (the
review dialog shows the proposals that need confirmation), ``import_plan`` stores the
plan, its sections, tasks, items, assignments, indicators and reporting rules in the
caller's transaction and archives the source file.  ``import_plan_file`` does both
without asking (CLI, demo data).

A plan already in the database — the same file, the same text from another file (the
.doc and the .docx of one plan), or the same title and 文号 — is not refused:
``prepare_import`` lists it in ``ImportReview.matches`` and the clerk chooses to update
that plan (``plan_update.update_plan``: periods and submissions kept) or to import the
file as a new plan (``review.as_new``).  Without a choice ``import_plan`` still refuses
the same file, and ``import_plan_file`` refuses any match (``SamePlanExists``).

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

import datetime as dt
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from foodsafety_desktop.core.changes import PLAN_IMPORTED, ChangeSet
from foodsafety_desktop.core.dates import cn_date
from foodsafety_desktop.core.errors import UserError
from foodsafety_desktop.core.fileio import file_sha256
from foodsafety_desktop.core.names import place_prefix, prefixed
from foodsafety_desktop.core.plans.model import ParsedPlan, ParsedTarget, ParsedTask
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

if TYPE_CHECKING:
    from foodsafety_desktop.core.services.plan_update import PlanComparison

# Why a stored plan is taken for the plan being imported (PlanMatch.reason).
MATCH_FILE = "file"  # the same bytes
MATCH_TEXT = "text"  # (most of) the same task texts, from any file
MATCH_TITLE = "title"  # the same title and 文号
# Share of the same task texts from which two plans are one plan in two versions, and
# how many tasks in common make that so when the titles differ (tiny plans of generic
# tasks such as "加强监管。" are not one plan for sharing a sentence).
SAME_TEXT_SHARE = 0.8
SAME_TEXT_TASKS = 5


@dataclass(frozen=True)
class PlanMatch:
    """A stored plan that the plan being imported already is (or is a version of)."""

    plan_id: int
    title: str
    doc_number: str | None
    issued_on: dt.date | None
    task_count: int
    archived: bool
    reason: str  # MATCH_FILE / MATCH_TEXT / MATCH_TITLE
    share: float  # share of the task texts the two have in common, 0..1

    @property
    def reason_text(self) -> str:
        """同一文件 / 正文相同 / 正文大部分相同（85%） / 标题和文号相同."""
        if self.reason == MATCH_FILE:
            return "同一文件"
        if self.reason == MATCH_TITLE and self.share < SAME_TEXT_SHARE:
            return "标题和文号相同" if self.doc_number else "标题和成文日期相同"
        if self.share >= 1:
            return "正文相同"
        return f"正文大部分相同（{self.share:.0%}的任务相同）"

    def describe(self) -> str:
        """ "方案编号 3：《…》（卢政办〔2022〕21号，2022年5月19日，12 项任务；正文相同）"."""
        parts = [self.doc_number or "", cn_date(self.issued_on) if self.issued_on else ""]
        facts = "，".join([p for p in parts if p] + [f"{self.task_count} 项任务"])
        archived = "，已归档" if self.archived else ""
        return f"方案编号 {self.plan_id}：《{self.title}》（{facts}{archived}；{self.reason_text}）"


@dataclass
class ImportReview:
    """A parsed plan with the proposed department for every written name.

    The review dialog may edit ``parsed`` (task departments) and ``resolutions``
    (the clerk's decisions: set ``department_id``/``canonical_name``); call
    ``refresh_resolutions`` after editing task departments.  ``matches`` are the stored
    plans this one already is (best first); ``as_new`` says the clerk chose to import it
    as a new plan all the same.
    """

    parsed: ParsedPlan
    resolutions: dict[str, NameResolution]  # key: name as written
    source_path: Path | None
    matches: list[PlanMatch] = field(default_factory=list)
    as_new: bool = False

    def needing_confirmation(self) -> list[NameResolution]:
        return [r for r in self.resolutions.values() if r.needs_confirmation]


@dataclass
class ImportResult:
    """What an import stored (or, with ``comparison``, what an update changed)."""

    plan_id: int
    task_count: int
    created_departments: list[str]
    warnings: list[str] = field(default_factory=list)
    changes: ChangeSet = PLAN_IMPORTED
    comparison: PlanComparison | None = None  # set when an existing plan was updated
    backup: Path | None = None

    @property
    def updated(self) -> bool:
        return self.comparison is not None


class SamePlanExists(UserError):
    """The plan is already in the database and nobody said whether to update it or to
    import it as new (``import_plan_file`` without ``update_plan_id`` / ``as_new``)."""

    def __init__(self, matches: list[PlanMatch], path: Path | None = None) -> None:
        self.matches = matches
        best = matches[0]
        if best.reason == MATCH_FILE:
            head = f"该方案已导入过（方案编号 {best.plan_id}：《{best.title}》）。"
        else:
            head = f"已导入的方案中已有这份方案：{best.describe()}。"
        others = "".join(f"另有{m.describe()}。" for m in matches[1:])
        super().__init__(
            f"{head}{others}可以用这份文件更新已导入的方案（保留其报送期次和报送），"
            "或作为新方案导入。",
            file=path,
        )


_SPACE = re.compile(r"\s+")


def text_key(text: str | None) -> str:
    """A task's text for comparing two versions of a plan: width and spaces ignored."""
    return _SPACE.sub("", unicodedata.normalize("NFKC", text or ""))


def task_key(title: str | None, text: str | None) -> str:
    return text_key(text) or text_key(title)


def _title_key(title: str | None) -> str:
    return text_key(title).strip("《》")


def find_same_plans(
    session: Session, parsed: ParsedPlan, sha256: str | None = None
) -> list[PlanMatch]:
    """The stored plans (archived ones too) that ``parsed`` already is: the same file,
    most of the same task texts, or the same title and 文号 (without 文号 on either
    side: the same title and date).  Best first: file, then the larger share."""
    plans = list(session.scalars(select(Plan).order_by(Plan.id)))
    if not plans:
        return []
    mine = Counter(task_key(t.title, t.text) for t in parsed.tasks)
    theirs: dict[int, Counter[str]] = {p.id: Counter() for p in plans}
    for plan_id, title, text in session.execute(
        select(Task.plan_id, Task.title, Task.text).where(Task.removed_at.is_(None))
    ):
        theirs[plan_id][task_key(title, text)] += 1
    title = _title_key(parsed.title)
    doc_number = text_key(parsed.doc_number)
    found: list[tuple[tuple, PlanMatch]] = []
    for plan in plans:
        stored = theirs[plan.id]
        common = sum((mine & stored).values())
        share = common / max(sum(mine.values()), sum(stored.values()), 1)
        same_title = bool(title) and _title_key(plan.title) == title
        if doc_number or plan.doc_number:
            same_title = same_title and text_key(plan.doc_number) == doc_number
        else:
            same_title = same_title and parsed.date is not None and plan.issued_on == parsed.date
        if sha256 and plan.source_sha256 == sha256:
            reason = MATCH_FILE
        elif share >= SAME_TEXT_SHARE and (
            common >= SAME_TEXT_TASKS or (common and _title_key(plan.title) == title)
        ):
            reason = MATCH_TEXT
        elif same_title:
            reason = MATCH_TITLE
        else:
            continue
        match = PlanMatch(
            plan_id=plan.id,
            title=plan.title,
            doc_number=plan.doc_number,
            issued_on=plan.issued_on,
            task_count=sum(stored.values()),
            archived=bool(plan.archived),
            reason=reason,
            share=share,
        )
        rank = (reason != MATCH_FILE, -share, not same_title, -plan.id)
        found.append((rank, match))
    return [m for _rank, m in sorted(found, key=lambda f: f[0])]


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
            f"该方案已导入过（方案编号 {existing.id}：《{existing.title}》）。"
            "可以用这份文件更新已导入的方案，或选择作为新方案导入。",
            file=path,
        )


def prepare_import(
    session: Session, parsed: ParsedPlan, source_path: Path | None = None
) -> ImportReview:
    """Propose departments for the plan's names and find the stored plans it already is
    (``review.matches``: the clerk is asked whether to update one or import anew)."""
    source_path = Path(source_path) if source_path is not None else None
    sha256 = _sha256_or_error(source_path) if source_path is not None else None
    review = ImportReview(
        parsed=parsed,
        resolutions={},
        source_path=source_path,
        matches=find_same_plans(session, parsed, sha256),
    )
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


def merge_targets(review: ImportReview, written: str) -> list[str]:
    """The other names of the file ``written`` can be merged into (合并为), in plan order.

    Each is a name that becomes a new department of its own (its chain of "合并为" ends
    there: it is created as itself or under a name typed for it), so merging never
    forms a loop: a name merged into ``written`` is not offered, its end is.
    ``import_plan`` then creates one department and records ``written`` as its alias.
    """
    resolutions = review.resolutions
    out: list[str] = []
    for other, res in resolutions.items():
        if other == written or res.department_id is not None:
            continue
        if res.canonical_name != other and res.canonical_name in resolutions:
            continue  # merged into a third name: that name is offered instead
        out.append(other)
    return out


def _sha256_or_error(path: Path) -> str:
    try:
        return file_sha256(path)
    except OSError as exc:
        raise UserError(f"无法读取方案文件：{exc.strerror or exc}", file=path) from exc


class ChosenDepartments:
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
        if not review.as_new:
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
        jurisdiction=parsed.stored_jurisdiction,  # the place (卢氏县), else the level
        source_name=source_name,
        source_sha256=sha256,
    )
    session.add(plan)
    session.flush()

    sections = _add_sections(session, plan, parsed.tasks)
    departments = ChosenDepartments(session, review)
    warnings = list(parsed.warnings)
    for position, parsed_task in enumerate(parsed.tasks, start=1):
        _add_task(session, plan, position, parsed_task, sections, departments, warnings)
    if unnamed := [t for t in parsed.tasks if not t.lead and not t.others]:
        shown = "、".join(task_reference(t) for t in unnamed[:5])
        more = f"等 {len(unnamed)} 项任务" if len(unnamed) > 5 else ""
        warnings.append(f"{shown}{more}没有写明责任单位，请在台账中补充。")
    add_reporting_rules(session, plan.id, parsed)
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
    # Who reports: a group without members yet has nobody to answer for its tasks.
    from foodsafety_desktop.core.services.reporting_units import reporting_units

    warnings.extend(reporting_units(session, plan.id).warnings)
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
    departments: ChosenDepartments,
    warnings: list[str],
) -> Task:
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
    attribute_task(task, parsed, departments)
    add_indicators(task, parsed)
    return task


def attribute_task(
    task: Task, parsed: ParsedTask, departments: ChosenDepartments, reuse: Sequence[TaskItem] = ()
) -> list[TaskItem]:
    """Give ``task`` the items and assignments of ``parsed`` (the task has none yet).

    ``reuse``: item rows of an earlier version of the task, taken by position so that
    the submission entries pointing at them keep their 分项; returns those not used.
    """
    reuse = list(reuse)
    items: list[TaskItem | None] = [None] * len(parsed.items)
    if len(parsed.items) > 1:
        for i, parsed_item in enumerate(parsed.items):
            if reuse:
                new_item = reuse.pop(0)
                new_item.position, new_item.text = i + 1, parsed_item.text
            else:
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
    return reuse


def indicator_values(target: ParsedTarget) -> dict[str, object]:
    """The columns of an ``Indicator`` row for a parsed target."""
    return {
        "text": target.text,
        "subject": target.subject or None,
        "comparison": target.comparison,
        "value": target.value,
        "unit": (target.unit or None) and target.unit[:50],
    }


def add_indicators(task: Task, parsed: ParsedTask) -> None:
    for i, target in enumerate(parsed.targets, start=1):
        task.indicators.append(Indicator(position=i, **indicator_values(target)))


def add_reporting_rules(session: Session, plan_id: int, parsed: ParsedPlan) -> None:
    """Store the plan's 报送要求 (the rules periods are proposed from), in plan order."""
    for position, rule in enumerate(parsed.reporting, start=1):
        session.add(
            ReportingRule(
                plan_id=plan_id,
                position=position,
                text=rule.text,
                what=(rule.what or None) and rule.what[:200],
                recurrence=rule.recurrence,
                due_dates=",".join(rule.dates)[:200],
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
    update_plan_id: int | None = None,
    as_new: bool = False,
) -> ImportResult:
    """Read, resolve and import a plan file without asking (CLI, demo data).

    Exact, alias and prefix matches are accepted; a fuzzy proposal is not merged: the
    name becomes a new department and a warning names the proposal.  The database is
    backed up first (``backup=False``: a throw-away demo database).

    A plan already in the database (``find_same_plans``) raises ``SamePlanExists``
    unless the caller chose: ``update_plan_id`` updates that plan from the file
    (``plan_update.update_plan``, its periods and submissions kept), ``as_new`` imports
    the file as another plan.
    """
    from foodsafety_desktop.core.storage.backup import before_change

    review = read_for_review(db, path)
    if update_plan_id is not None:
        from foodsafety_desktop.core.services.plan_update import update_reviewed

        if update_plan_id not in {m.plan_id for m in review.matches}:
            # A typo in the plan number must not turn another county's plan into this
            # one: only a plan this file is a version of can be updated from it.
            found = "、".join(f"{m.plan_id}" for m in review.matches)
            hint = f"与它相同的方案是：编号 {found}。" if found else "数据库中没有与它相同的方案。"
            raise UserError(
                f"该文件与方案（编号 {update_plan_id}）不是同一方案（标题、文号和任务内容都不同），"
                f"不能用它更新；{hint}如要作为另一个方案导入，请改用 --new。",
                file=path,
            )
        notes = accept_certain(review)
        result = update_reviewed(
            db, review, update_plan_id, user=user, originals=originals, backup=backup
        )
        result.warnings.extend(notes)
        return result
    if review.matches and not as_new:
        raise SamePlanExists(review.matches, path)
    review.as_new = as_new
    backup_file = before_change(db, "import") if backup else None
    with db.session() as session:
        notes = accept_certain(review)
        result = import_plan(session, review, user=user, originals=originals)
    result.warnings.extend(notes)
    result.backup = backup_file
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
    """Store a plan the clerk reviewed as a new plan: back up first, then one
    transaction.  The caller asked about ``review.matches`` first (updating one is
    ``plan_update.update_reviewed``); the same file is refused without ``as_new``."""
    from foodsafety_desktop.core.storage.backup import before_change

    backup = before_change(db, "import")
    with db.session() as session:
        result = import_plan(session, review, user=user, originals=originals)
    result.backup = backup
    return result


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
