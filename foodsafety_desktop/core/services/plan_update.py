"""Updating an imported plan from another version of its document (更新方案).

``compare_plan`` says what an update would change: tasks added, removed, with changed
text, departments, deadline or indicators, the plan's own fields and its 报送要求;
``update_plan`` does it in the caller's transaction with one audit entry;
``update_reviewed`` backs the database up first, as an import does.  The GUI asks the
clerk with ``compare_matches`` (one comparison per stored plan the file already is),
the CLI with ``plan import --update ID``.

Decisions:

- The plan keeps its id, reporting periods, submissions, 工作总结 edits and history.  A
  task is paired with its earlier version by the same text, then by a similar text
  (rapidfuzz ratio ≥ ``SIMILAR_SCORE``), then by the same place (section and number); a
  paired task keeps its id, status, 最新进展 and the departments' submissions.
- What the new document says wins: text, number, section, deadline, departments,
  indicators, reporting rules, title and 文号.  What it does not say is kept: a task for
  which the document names no department keeps the departments it has (the clerk gave
  them in the ledger), a task without a deadline keeps its deadline.
- A task the new version no longer has is deleted when nobody reported on it.  When
  departments did report on it, it is kept with those submissions, marked as dropped
  (``Task.removed_at``; the ledger shows 已从方案中删除) and placed after the task it
  followed.  Refusing the update would leave the clerk no way to bring a revised plan
  in, and deleting the task would delete what departments reported for past periods
  (the 工作总结 of those periods must stay as they were).  A dropped task that a later
  version has again is paired with it and comes back.
- Updating an archived plan brings it back to the lists: the clerk just imported it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session, selectinload

from foodsafety_desktop.core.changes import PLAN_IMPORTED, SUMMARIES
from foodsafety_desktop.core.dates import cn_date
from foodsafety_desktop.core.errors import UserError
from foodsafety_desktop.core.plans.model import ParsedPlan, ParsedTask
from foodsafety_desktop.core.services import audit
from foodsafety_desktop.core.services.plan_import import (
    ChosenDepartments,
    ImportResult,
    ImportReview,
    _add_task,
    _archive,
    _path_key,
    _sha256_or_error,
    add_reporting_rules,
    attribute_task,
    indicator_values,
    refresh_resolutions,
    task_key,
    task_reference,
    text_key,
)
from foodsafety_desktop.core.storage.database import Database
from foodsafety_desktop.core.storage.models import (
    ROLE_COOPERATING,
    ROLE_LEAD,
    Assignment,
    Department,
    DepartmentAlias,
    Indicator,
    Plan,
    ReportingPeriod,
    ReportingRule,
    Section,
    Submission,
    SubmissionEntry,
    Task,
    utcnow,
)
from foodsafety_desktop.core.storage.originals import Originals, plan_original_path

# Two versions of a task whose texts are this similar (rapidfuzz ratio) are one task.
SIMILAR_SCORE = 60
# Above this many pairs of unpaired tasks the similarity pass is skipped (a whole new plan).
SIMILAR_PAIRS_LIMIT = 250_000

CHANGE_TEXT = "text"
CHANGE_DEPARTMENTS = "departments"
CHANGE_DEADLINE = "deadline"
CHANGE_INDICATORS = "indicators"
CHANGE_LABELS = {
    CHANGE_TEXT: "内容",
    CHANGE_DEPARTMENTS: "责任单位",
    CHANGE_DEADLINE: "完成时限",
    CHANGE_INDICATORS: "指标",
}
# The plan's own fields an update sets, with their Chinese names.
PLAN_FIELDS = {
    "title": "方案名称",
    "doc_number": "文号",
    "issued_on": "成文日期",
    "issuer": "发文机关",
    "year_start": "起始年度",
    "year_end": "结束年度",
}
REMOVED_MARK = "已从方案中删除"


@dataclass(frozen=True)
class TaskChange:
    """One task an update adds, removes or changes."""

    reference: str  # how the clerk finds it: "（三）实施农药兽药使用减量行动"
    task_id: int | None  # the stored task (None: added)
    index: int | None  # its place in the new version (None: removed)
    fields: tuple[str, ...] = ()  # CHANGE_* of a changed task
    before: dict[str, Any] = field(default_factory=dict)  # text, lead, responsible, …
    after: dict[str, Any] = field(default_factory=dict)
    submissions: int = 0  # submission entries of a removed task: it is kept, marked
    restored: bool = False  # dropped by an earlier update, in this version again

    def describe(self, what: str | None = None) -> str:
        """One line for the clerk; ``what`` (a CHANGE_*) limits it to that change."""
        if self.index is None:
            if self.submissions:
                return (
                    f"{self.reference}（已有 {self.submissions} 条报送内容，"
                    f"保留在台账中并标注“{REMOVED_MARK}”）"
                )
            return self.reference
        if self.task_id is None or self.restored:
            lead = "、".join(self.after.get("lead") or [])
            text = self.reference + (f"（牵头：{lead}）" if lead else "")
            return text + ("（此前已从方案中删除，恢复）" if self.restored else "")
        parts = []
        for key in self.fields if what is None else (what,):
            if key == CHANGE_TEXT:
                parts.append("内容有修改")
            elif key == CHANGE_DEPARTMENTS:
                for role, label in (("lead", "牵头单位"), ("responsible", "责任单位")):
                    old, new = self.before.get(role) or [], self.after.get(role) or []
                    if set(old) != set(new):
                        parts.append(f"{label} {_names(old)} → {_names(new)}")
            elif key == CHANGE_DEADLINE:
                parts.append(
                    f"完成时限 {self.before.get('deadline_text') or '（无）'} → "
                    f"{self.after.get('deadline_text') or '（无）'}"
                )
            elif key == CHANGE_INDICATORS:
                parts.append(
                    f"指标 {'；'.join(self.before.get('indicators') or []) or '（无）'} → "
                    f"{'；'.join(self.after.get('indicators') or []) or '（无）'}"
                )
        return f"{self.reference}：{'；'.join(parts)}"


def _names(names: list[str]) -> str:
    return "、".join(names) or "（无）"


@dataclass
class PlanComparison:
    """What updating plan ``plan_id`` from the reviewed document changes."""

    plan_id: int
    title: str
    doc_number: str | None
    issued_on: dt.date | None
    archived: bool
    fields: dict[str, tuple[Any, Any]]  # PLAN_FIELDS key → (stored, new)
    source: tuple[str | None, str | None]  # file names: stored, new
    added: list[TaskChange]
    removed: list[TaskChange]
    changed: list[TaskChange]
    unchanged: int
    reporting_changed: bool
    periods: int  # reporting periods of the plan (kept)
    submissions: int  # submissions of those periods (kept)
    # parsed task index → stored task id, and what to rewrite of it (for update_plan)
    pairs: dict[int, int] = field(default_factory=dict, repr=False)
    rebuild: set[int] = field(default_factory=set, repr=False)  # task ids: new attribution
    reindicate: set[int] = field(default_factory=set, repr=False)  # task ids: new indicators

    def changed_in(self, what: str) -> list[TaskChange]:
        return [c for c in self.changed if what in c.fields]

    @property
    def kept_removed(self) -> list[TaskChange]:
        return [c for c in self.removed if c.submissions]

    @property
    def is_empty(self) -> bool:
        """Nothing but the file would change."""
        return not (
            self.fields or self.added or self.removed or self.changed or self.reporting_changed
        )

    def summary(self) -> str:
        """ "新增 1 项任务，删除 1 项，内容有修改 2 项，责任单位有变化 1 项"."""
        parts = []
        if self.fields:
            parts.append("、".join(PLAN_FIELDS[k] for k in self.fields) + "有变化")
        if self.added:
            parts.append(f"新增 {len(self.added)} 项任务")
        if self.removed:
            kept = len(self.kept_removed)
            parts.append(
                f"删除 {len(self.removed)} 项任务"
                + (f"（其中 {kept} 项已有报送，保留并标注“{REMOVED_MARK}”）" if kept else "")
            )
        for what in (CHANGE_TEXT, CHANGE_DEPARTMENTS, CHANGE_DEADLINE, CHANGE_INDICATORS):
            if count := len(self.changed_in(what)):
                verb = "有修改" if what == CHANGE_TEXT else "有变化"
                parts.append(f"{CHANGE_LABELS[what]}{verb} {count} 项")
        if self.reporting_changed:
            parts.append("报送要求有变化")
        return "，".join(parts) if parts else "内容没有变化"

    def groups(self) -> list[tuple[str, list[str]]]:
        """The changes in groups for the clerk: (heading, lines), empty groups left out."""
        result: list[tuple[str, list[str]]] = []
        if self.fields:
            result.append(
                (
                    "方案信息",
                    [
                        f"{PLAN_FIELDS[k]}：{_shown(old)} → {_shown(new)}"
                        for k, (old, new) in self.fields.items()
                    ],
                )
            )
        if self.added:
            result.append((f"新增任务（{len(self.added)}）", [c.describe() for c in self.added]))
        if self.removed:
            result.append(
                (f"删除的任务（{len(self.removed)}）", [c.describe() for c in self.removed])
            )
        for what, heading in (
            (CHANGE_TEXT, "内容有修改"),
            (CHANGE_DEPARTMENTS, "责任单位有变化"),
            (CHANGE_DEADLINE, "完成时限有变化"),
            (CHANGE_INDICATORS, "指标有变化"),
        ):
            changes = self.changed_in(what)
            if changes:
                result.append((f"{heading}（{len(changes)}）", [c.describe(what) for c in changes]))
        if self.reporting_changed:
            result.append(("报送要求", ["报送要求按新文件更新（已有的报送期次不变）"]))
        return result

    def kept_text(self) -> str:
        """What the update keeps, in one sentence."""
        if self.periods:
            text = f"保留该方案的 {self.periods} 个报送期次"
            if self.submissions:
                text += f"和 {self.submissions} 份报送"
            text += "，以及各项任务的状态和最新进展。"
        else:
            text = "保留各项任务的状态和最新进展。"
        if self.unchanged:
            text = f"{self.unchanged} 项任务没有变化。" + text
        if self.archived:
            text += "该方案已归档，更新后恢复显示。"
        return text

    def lines(self) -> list[str]:
        """Every change as text lines (the command line)."""
        lines = [f"更新方案（编号 {self.plan_id}）《{self.title}》：{self.summary()}。"]
        for heading, rows in self.groups():
            lines.append(f"{heading}：")
            lines.extend(f"  {row}" for row in rows)
        lines.append(self.kept_text())
        return lines


def _shown(value: Any) -> str:
    if value is None or value == "":
        return "（空）"
    if isinstance(value, dt.date):
        return cn_date(value)
    return str(value)


# --- comparing ------------------------------------------------------------------------


class _Names:
    """The department name each written name of the review becomes (read only)."""

    def __init__(self, session: Session, review: ImportReview) -> None:
        self.session = session
        self.review = review
        self.cache: dict[str, str] = {}

    def canonical(self, written: str) -> str:
        written = written.strip()
        if written in self.cache:
            return self.cache[written]
        resolutions = self.review.resolutions
        res = resolutions.get(written)
        name = written
        seen = {written}
        while res is not None:
            if res.department_id is not None:
                department = self.session.get(Department, res.department_id)
                name = department.name if department is not None else res.canonical_name
                break
            name = (res.canonical_name or res.written).strip()
            if name in resolutions and name not in seen:
                seen.add(name)
                res = resolutions[name]
                continue
            found = self.session.scalar(
                select(Department.name).where(Department.name == name)
            ) or self.session.scalar(
                select(Department.name)
                .join(DepartmentAlias, DepartmentAlias.department_id == Department.id)
                .where(DepartmentAlias.alias == name)
            )
            name = found or name
            break
        self.cache[written] = name
        return name

    def roles(self, parsed: ParsedTask) -> tuple[list[str], list[str]]:
        lead = _unique(self.canonical(n) for n in parsed.lead if n.strip())
        others = [
            n
            for n in _unique(self.canonical(n) for n in parsed.others if n.strip())
            if n not in lead
        ]
        return lead, others

    def signature(self, parsed: ParsedTask) -> list[tuple]:
        """Items with their departments and roles, comparable with ``_stored_signature``."""
        if len(parsed.items) <= 1:
            lead, others = self.roles(parsed)
            cooperating = {
                self.canonical(n) for item in parsed.items for n in item.cooperating if n.strip()
            }
            return [(None, sorted(lead), _role_pairs(others, cooperating))]
        rows = []
        for item in parsed.items:
            lead = _unique(self.canonical(n) for n in item.lead if n.strip())
            others = [
                n
                for n in _unique(self.canonical(n) for n in item.others if n.strip())
                if n not in lead
            ]
            cooperating = {self.canonical(n) for n in item.cooperating if n.strip()}
            rows.append((text_key(item.text), sorted(lead), _role_pairs(others, cooperating)))
        return rows


def _role_pairs(others: list[str], cooperating: set[str]) -> list[tuple[str, str]]:
    return sorted((n, ROLE_COOPERATING if n in cooperating else "") for n in others)


def _unique(names: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(n for n in names if n))


def _stored_roles(task: Task) -> tuple[list[str], list[str]]:
    lead = _unique(a.department.name for a in task.assignments if a.role == ROLE_LEAD)
    others = [
        n
        for n in _unique(a.department.name for a in task.assignments if a.role != ROLE_LEAD)
        if n not in lead
    ]
    return lead, others


def _stored_signature(task: Task) -> list[tuple]:
    def roles(assignments: list[Assignment]) -> tuple[list[str], list[tuple[str, str]]]:
        lead = _unique(a.department.name for a in assignments if a.role == ROLE_LEAD)
        others = {
            a.department.name: ROLE_COOPERATING if a.role == ROLE_COOPERATING else ""
            for a in assignments
            if a.role != ROLE_LEAD and a.department.name not in lead
        }
        return sorted(lead), sorted(others.items())

    if not task.items:
        lead, others = roles(list(task.assignments))
        return [(None, lead, others)]
    rows = []
    for item in task.items:
        lead, others = roles([a for a in task.assignments if a.item_id == item.id])
        rows.append((text_key(item.text), lead, others))
    return rows


def _section_keys(session: Session, plan_id: int) -> dict[int, tuple]:
    """Section id → its path key ((label, title, level) from the outermost)."""
    rows = {s.id: s for s in session.scalars(select(Section).where(Section.plan_id == plan_id))}
    keys: dict[int, tuple] = {}

    def key(section_id: int, seen: frozenset[int] = frozenset()) -> tuple:
        if section_id in keys:
            return keys[section_id]
        section = rows[section_id]
        parent = section.parent_id
        prefix = key(parent, seen | {section_id}) if parent in rows and parent not in seen else ()
        keys[section_id] = (*prefix, (section.label, section.title, section.level))
        return keys[section_id]

    for section_id in rows:
        key(section_id)
    return keys


def _place_key(path: tuple, label: str) -> tuple:
    return (tuple((text_key(lb), text_key(t)) for lb, t, _level in path), text_key(label))


def _pair(
    stored: list[Task], stored_places: list[tuple], parsed: list[ParsedTask]
) -> dict[int, int]:
    """Parsed task index → index into ``stored``: the same text, then a similar text,
    then the same place (section and number)."""
    pairs: dict[int, int] = {}
    free: dict[str, list[int]] = {}
    for j, task in enumerate(stored):
        free.setdefault(task_key(task.title, task.text), []).append(j)
    parsed_keys = [task_key(t.title, t.text) for t in parsed]
    for i, key in enumerate(parsed_keys):
        if free.get(key):
            pairs[i] = free[key].pop(0)
    used = set(pairs.values())
    rest_p = [i for i in range(len(parsed)) if i not in pairs]
    rest_s = [j for j in range(len(stored)) if j not in used]
    if rest_p and rest_s and len(rest_p) * len(rest_s) <= SIMILAR_PAIRS_LIMIT:
        from rapidfuzz import fuzz

        stored_keys = {j: task_key(stored[j].title, stored[j].text) for j in rest_s}
        scored = sorted(
            ((-fuzz.ratio(parsed_keys[i], stored_keys[j]), i, j) for i in rest_p for j in rest_s),
        )
        for negative, i, j in scored:
            if -negative < SIMILAR_SCORE:
                break
            if i in pairs or j in used:
                continue
            pairs[i] = j
            used.add(j)
    places: dict[tuple, list[int]] = {}
    for j in range(len(stored)):
        if j not in used:
            places.setdefault(stored_places[j], []).append(j)
    for i, new in enumerate(parsed):
        if i in pairs:
            continue
        place = _place_key(tuple((h.label, h.title, h.level) for h in new.path), new.label)
        if places.get(place):
            j = places[place].pop(0)
            pairs[i] = j
            used.add(j)
    return pairs


def _plan_values(parsed: ParsedPlan, source_name: str | None) -> dict[str, Any]:
    return {
        "title": (parsed.title or source_name or "未命名方案").strip()[:500],
        "doc_number": parsed.doc_number,
        "issued_on": parsed.date,
        "issuer": parsed.issuer,
        "year_start": parsed.year_start,
        "year_end": parsed.year_end,
    }


def _stored_tasks(session: Session, plan_id: int) -> list[Task]:
    return list(
        session.scalars(
            select(Task)
            .where(Task.plan_id == plan_id)
            .order_by(Task.position, Task.id)
            .options(
                selectinload(Task.assignments).selectinload(Assignment.department),
                selectinload(Task.items),
                selectinload(Task.indicators),
            )
        )
    )


def _reference(task: Task, section_keys: dict[int, tuple]) -> str:
    section = section_keys.get(task.section_id) if task.section_id else None
    label = section[-1][0] if section else ""
    return f"{label}{task.label}{task.title[:16]}"


def _deadline_key(text: str | None) -> str:
    return text_key(text)


def compare_plan(session: Session, review: ImportReview, plan_id: int) -> PlanComparison:
    """What ``update_plan`` would change in plan ``plan_id`` (writes nothing)."""
    plan = session.get(Plan, plan_id)
    if plan is None:
        raise UserError(f"未找到该工作方案（编号 {plan_id}），可能已被删除。")
    parsed = review.parsed
    if any(name not in review.resolutions for name in parsed.department_names()):
        refresh_resolutions(session, review)
    names = _Names(session, review)
    source_name = parsed.source_name or (review.source_path.name if review.source_path else None)

    new_values = _plan_values(parsed, source_name)
    fields = {
        key: (getattr(plan, key), value)
        for key, value in new_values.items()
        if (getattr(plan, key) or None) != (value or None)
    }
    stored = _stored_tasks(session, plan_id)
    section_keys = _section_keys(session, plan_id)
    places = [
        _place_key(section_keys.get(t.section_id, ()) if t.section_id else (), t.label)
        for t in stored
    ]
    pairing = _pair(stored, places, parsed.tasks)
    entry_counts = _entry_counts(session, [t.id for t in stored])

    added: list[TaskChange] = []
    changed: list[TaskChange] = []
    pairs: dict[int, int] = {}
    rebuild: set[int] = set()
    reindicate: set[int] = set()
    unchanged = 0
    for i, new in enumerate(parsed.tasks):
        lead, others = names.roles(new)
        after: dict[str, Any] = {
            "text": new.text,
            "lead": lead,
            "responsible": others,
            "deadline_text": new.deadline,
            "indicators": [t.text for t in new.targets],
        }
        j = pairing.get(i)
        if j is None:
            added.append(TaskChange(task_reference(new), None, i, after=after))
            continue
        task = stored[j]
        pairs[i] = task.id
        old_lead, old_others = _stored_roles(task)
        before: dict[str, Any] = {
            "text": task.text,
            "lead": old_lead,
            "responsible": old_others,
            "deadline_text": task.deadline_text,
            "indicators": [ind.text for ind in task.indicators],
        }
        what: list[str] = []
        if task_key(task.title, task.text) != task_key(new.title, new.text):
            what.append(CHANGE_TEXT)
        names_any = bool(lead or others)
        if names_any and (set(lead), set(others)) != (set(old_lead), set(old_others)):
            what.append(CHANGE_DEPARTMENTS)
        if names_any and names.signature(new) != _stored_signature(task):
            rebuild.add(task.id)
        if new.deadline and _deadline_key(new.deadline) != _deadline_key(task.deadline_text):
            what.append(CHANGE_DEADLINE)
        if [text_key(t) for t in after["indicators"]] != [
            text_key(t) for t in before["indicators"]
        ]:
            what.append(CHANGE_INDICATORS)
            reindicate.add(task.id)
        reference = _reference(task, section_keys)
        if task.removed_at is not None:
            added.append(TaskChange(reference, task.id, i, after=after, restored=True))
        elif what:
            changed.append(TaskChange(reference, task.id, i, tuple(what), before, after))
        else:
            unchanged += 1
    paired = set(pairs.values())
    removed = [
        TaskChange(
            _reference(task, section_keys),
            task.id,
            None,
            before={"text": task.text, "lead": _stored_roles(task)[0]},
            submissions=entry_counts.get(task.id, 0),
        )
        for task in stored
        if task.id not in paired and task.removed_at is None
    ]
    stored_rules = [
        text_key(r.text)
        for r in session.scalars(
            select(ReportingRule)
            .where(ReportingRule.plan_id == plan_id)
            .order_by(ReportingRule.position)
        )
    ]
    period_count, submission_count = _reporting_counts(session, plan_id)
    return PlanComparison(
        plan_id=plan.id,
        title=plan.title,
        doc_number=plan.doc_number,
        issued_on=plan.issued_on,
        archived=bool(plan.archived),
        fields=fields,
        source=(plan.source_name, source_name),
        added=added,
        removed=removed,
        changed=changed,
        unchanged=unchanged,
        reporting_changed=stored_rules != [text_key(r.text) for r in parsed.reporting],
        periods=period_count,
        submissions=submission_count,
        pairs=pairs,
        rebuild=rebuild,
        reindicate=reindicate,
    )


def _entry_counts(session: Session, task_ids: list[int]) -> dict[int, int]:
    if not task_ids:
        return {}
    rows = session.execute(
        select(SubmissionEntry.task_id, func.count(SubmissionEntry.id))
        .where(SubmissionEntry.task_id.in_(task_ids))
        .group_by(SubmissionEntry.task_id)
    )
    return {task_id: int(count) for task_id, count in rows}


def _reporting_counts(session: Session, plan_id: int) -> tuple[int, int]:
    periods = session.scalar(
        select(func.count(ReportingPeriod.id)).where(ReportingPeriod.plan_id == plan_id)
    )
    submissions = session.scalar(
        select(func.count(Submission.id))
        .join(ReportingPeriod, ReportingPeriod.id == Submission.period_id)
        .where(ReportingPeriod.plan_id == plan_id, Submission.is_current.is_(True))
    )
    return int(periods or 0), int(submissions or 0)


def compare_matches(db: Database, review: ImportReview) -> list[PlanComparison]:
    """One comparison per stored plan the reviewed plan already is (``review.matches``),
    in the same order: what the clerk is shown before choosing to update or import."""
    with db.session() as session:
        return [
            compare_plan(session, review, match.plan_id)
            for match in review.matches
            if session.get(Plan, match.plan_id) is not None
        ]


# --- updating -------------------------------------------------------------------------


def _sync_sections(
    session: Session, plan: Plan, tasks: list[ParsedTask]
) -> tuple[dict[tuple, Section], list[Section]]:
    """The sections of the new version, by ``plan_import._path_key`` as ``_add_task``
    looks them up: existing rows reused by heading path, new ones added.  Also returns
    the old sections no longer used."""
    keys = _section_keys(session, plan.id)
    existing: dict[tuple, Section] = {}
    for row in session.scalars(
        select(Section).where(Section.plan_id == plan.id).order_by(Section.position, Section.id)
    ):
        existing.setdefault(keys[row.id], row)
    sections: dict[tuple, Section] = {}
    for task in tasks:
        key: tuple = ()
        parent: Section | None = None
        for heading in task.path:
            key = (*key, (heading.label, heading.title, heading.level))
            section = sections.get(key)
            if section is None:
                section = existing.pop(_cut_key(key), None)
                if section is None:
                    section = Section(
                        plan_id=plan.id, label=heading.label[:20], title=heading.title
                    )
                    session.add(section)
                section.parent_id = parent.id if parent else None
                section.level = heading.level
                section.position = len(sections) + 1
                session.flush()
                sections[key] = section
            parent = section
    used = {s.id for s in sections.values()}
    unused = [
        s
        for s in session.scalars(select(Section).where(Section.plan_id == plan.id))
        if s.id not in used
    ]
    return sections, unused


def _cut_key(key: tuple) -> tuple:
    """A heading path as stored: labels cut to the column's 20 characters."""
    return tuple((label[:20], title, level) for label, title, level in key)


def _null_entries(session: Session, column: Any, ids: list[int]) -> None:
    if ids:
        session.execute(update(SubmissionEntry).where(column.in_(ids)).values({column.key: None}))


def _rewrite_task(
    session: Session,
    task: Task,
    new: ParsedTask,
    sections: dict[tuple, Section],
    departments: ChosenDepartments,
    *,
    attribution: bool,
    indicators: bool,
) -> None:
    task.label = new.label[:20]
    task.title = new.title
    task.text = new.text
    section = sections.get(_path_key(new)) if new.path else None
    task.section_id = section.id if section else None
    if new.deadline or new.deadline_date:
        task.deadline_text = new.deadline[:100] if new.deadline else None
        task.deadline = new.deadline_date
    task.removed_at = None
    if attribution:
        for assignment in list(task.assignments):
            task.assignments.remove(assignment)
        session.flush()
        unused = attribute_task(task, new, departments, reuse=list(task.items))
        _null_entries(session, SubmissionEntry.item_id, [i.id for i in unused])
        for item in unused:
            task.items.remove(item)
    if indicators:
        old = list(task.indicators)
        for position, target in enumerate(new.targets, start=1):
            if old:
                row = old.pop(0)
                row.position = position
                for key, value in indicator_values(target).items():
                    setattr(row, key, value)
            else:
                task.indicators.append(Indicator(position=position, **indicator_values(target)))
        _null_entries(session, SubmissionEntry.indicator_id, [i.id for i in old])
        for row in old:
            task.indicators.remove(row)


def update_plan(
    session: Session,
    review: ImportReview,
    plan_id: int,
    *,
    user: str,
    originals: Originals | None = None,
    backup: Path | None = None,
) -> ImportResult:
    """Update plan ``plan_id`` from the reviewed document in the caller's transaction
    (see the module docstring); one ``plan.update`` audit entry lists the changes.

    The new file is kept among the originals (the earlier one stays there too).  Returns
    an ``ImportResult`` whose ``comparison`` says what changed.
    """
    parsed = review.parsed
    if not parsed.tasks:
        raise UserError("方案中没有识别出任何任务，无法更新方案。", file=review.source_path)
    comparison = compare_plan(session, review, plan_id)
    plan = session.get(Plan, plan_id)
    assert plan is not None
    sha256 = _sha256_or_error(review.source_path) if review.source_path is not None else None
    source_name = parsed.source_name or (review.source_path.name if review.source_path else None)
    previous = {"source_name": plan.source_name, "sha256": plan.source_sha256}

    for key, value in _plan_values(parsed, source_name).items():
        setattr(plan, key, value)
    plan.jurisdiction = parsed.stored_jurisdiction or plan.jurisdiction
    if sha256:
        plan.source_name, plan.source_sha256 = source_name, sha256
    was_archived = bool(plan.archived)
    plan.archived = False

    sections, unused_sections = _sync_sections(session, plan, parsed.tasks)
    departments = ChosenDepartments(session, review)
    warnings = list(parsed.warnings)
    stored = {t.id: t for t in _stored_tasks(session, plan_id)}
    old_order = sorted(stored.values(), key=lambda t: (t.position, t.id))

    order: list[Task] = []
    for i, new in enumerate(parsed.tasks):
        task_id = comparison.pairs.get(i)
        if task_id is None:
            order.append(_add_task(session, plan, 0, new, sections, departments, warnings))
            continue
        task = stored[task_id]
        _rewrite_task(
            session,
            task,
            new,
            sections,
            departments,
            attribution=task_id in comparison.rebuild,
            indicators=task_id in comparison.reindicate,
        )
        order.append(task)

    now = utcnow()
    in_order = {t.id for t in order if t.id is not None}
    kept: list[Task] = []
    for task in old_order:
        if task.id in in_order:
            continue
        if _entry_counts(session, [task.id]):
            if task.removed_at is None:
                task.removed_at = now
            kept.append(task)
        else:
            session.delete(task)
    for task in kept:  # after the task it followed, in its section
        index = old_order.index(task)
        before = next((t for t in reversed(old_order[:index]) if t in order), None)
        place = order.index(before) + 1 if before is not None else 0
        neighbour = before if before is not None else (order[0] if order else None)
        task.section_id = neighbour.section_id if neighbour is not None else None
        order.insert(place, task)
    for position, task in enumerate(order, start=1):
        task.position = position
    session.flush()

    if unused_sections:
        ids = [s.id for s in unused_sections]
        session.execute(update(Task).where(Task.section_id.in_(ids)).values(section_id=None))
        session.execute(update(Section).where(Section.id.in_(ids)).values(parent_id=None))
        session.execute(delete(Section).where(Section.id.in_(ids)))
    if comparison.reporting_changed:
        session.execute(delete(ReportingRule).where(ReportingRule.plan_id == plan.id))
        add_reporting_rules(session, plan.id, parsed)
    session.flush()

    audit.record(
        session,
        user=user,
        action="plan.update",
        entity="plan",
        entity_id=plan.id,
        summary=f"更新方案《{plan.title}》：{comparison.summary()}",
        detail=_audit_detail(comparison, previous, source_name, sha256, backup, was_archived)
        | {"created_departments": departments.created},
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
        changes=PLAN_IMPORTED | SUMMARIES,
        comparison=comparison,
        backup=backup,
    )


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def _audit_detail(
    comparison: PlanComparison,
    previous: dict[str, Any],
    source_name: str | None,
    sha256: str | None,
    backup: Path | None,
    was_archived: bool,
) -> dict[str, Any]:
    fields = {"title": "plan_title"}  # "title" alone is a task's 任务名称 in the history
    tasks: dict[str, dict[str, list[Any]]] = {}
    for change in comparison.changed:
        keys = {
            CHANGE_TEXT: ("text",),
            CHANGE_DEPARTMENTS: ("lead", "responsible"),
            CHANGE_DEADLINE: ("deadline_text",),
            CHANGE_INDICATORS: ("indicators",),
        }
        tasks[str(change.task_id)] = {
            key: [change.before.get(key), change.after.get(key)]
            for what in change.fields
            for key in keys[what]
            if change.before.get(key) != change.after.get(key)
        }
    return (
        {
            "before": {
                fields.get(k, k): _jsonable(old) for k, (old, _new) in comparison.fields.items()
            },
            "after": {
                fields.get(k, k): _jsonable(new) for k, (_old, new) in comparison.fields.items()
            },
            "source_name": source_name,
            "sha256": sha256,
            "previous_source": previous["source_name"],
            "previous_sha256": previous["sha256"],
            "tasks_added": [c.reference for c in comparison.added],
            "tasks_removed": [c.reference for c in comparison.removed if not c.submissions],
            "tasks_kept": [c.reference for c in comparison.kept_removed],
            "tasks": tasks,
            "backup": backup.name if backup is not None else None,
        }
        | ({"reporting_changed": True} if comparison.reporting_changed else {})
        | ({"unarchived": True} if was_archived else {})
    )


def update_reviewed(
    db: Database,
    review: ImportReview,
    plan_id: int,
    *,
    user: str,
    originals: Originals | None = None,
    backup: bool = True,
) -> ImportResult:
    """更新方案 as the GUI and the CLI do it: back up first (a SQLite ledger), then one
    transaction."""
    from foodsafety_desktop.core.storage.backup import before_change

    with db.session() as session:
        if session.get(Plan, plan_id) is None:
            raise UserError(f"未找到该工作方案（编号 {plan_id}），可能已被删除。")
    backup_file = before_change(db, "plan-update") if backup else None
    with db.session() as session:
        return update_plan(
            session, review, plan_id, user=user, originals=originals, backup=backup_file
        )


__all__ = [
    "PlanComparison",
    "TaskChange",
    "compare_matches",
    "compare_plan",
    "update_plan",
    "update_reviewed",
]
