"""Departments (牵头单位/责任单位): resolving names as written, aliases, merging, groups.

A plan writes department names the way its authors like: "县卫健委", "卫健委" (the
county prefix elided), "县卫生健康委员会", sometimes with a typo.  ``resolve_names``
proposes, for each written name, the department it most likely means and says how it
found it; only "exact" and "alias" matches are certain, "prefix" and "fuzzy" ones are
proposals for the clerk to confirm.  The rules for names alone (no database) are in
``core.names``; they are re-exported here for the callers that import them from this module.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from foodsafety_desktop.core.errors import UserError
from foodsafety_desktop.core.names import (  # noqa: F401
    EQUIVALENT_FORMS,
    EQUIVALENT_SCORE,
    JURISDICTIONS,
    can_prefix,
    carries_place,
    guess_kind,
    is_office_name,
    is_township_group,
    jurisdiction_level,
    members_written_in,
    normalize,
    place_prefix,
    prefixed,
    similarity,
)
from foodsafety_desktop.core.services import audit
from foodsafety_desktop.core.storage.models import (
    KIND_GROUP,
    KIND_LABELS,
    KIND_TOWNSHIP,
    Assignment,
    Department,
    DepartmentAlias,
    GroupMember,
    Submission,
    Task,
)

MatchKind = Literal["exact", "alias", "prefix", "fuzzy", "new"]

# A fuzzy candidate at or above this score (rapidfuzz ratio, 0..100) is proposed.
FUZZY_THRESHOLD = 85.0
# Candidates listed for the review dialog (not proposed) down to this score.
CANDIDATE_THRESHOLD = 60.0
MAX_CANDIDATES = 5


@dataclass
class Candidate:
    """A department (``department_id`` None: a name not yet stored) and its score."""

    department_id: int | None
    name: str
    score: float  # 0..100


@dataclass
class NameResolution:
    """What a written department name is taken to mean."""

    written: str  # as in the document
    match: MatchKind  # how the proposal was found
    department_id: int | None  # existing department chosen; None = create ``canonical_name``
    canonical_name: str
    kind: str  # models.KIND_*
    candidates: list[Candidate] = field(default_factory=list)

    @property
    def needs_confirmation(self) -> bool:
        return self.match in ("prefix", "fuzzy")


# --- resolution ---------------------------------------------------------------------


@dataclass
class _Known:
    """The database's names: department names and aliases → (id, canonical name)."""

    names: dict[str, tuple[int, str]]
    aliases: dict[str, tuple[int, str]]
    kinds: dict[int, str]

    @classmethod
    def load(cls, session: Session) -> _Known:
        names: dict[str, tuple[int, str]] = {}
        kinds: dict[int, str] = {}
        by_id: dict[int, str] = {}
        for dep_id, name, kind in session.execute(
            select(Department.id, Department.name, Department.kind)
        ):
            names[name] = (dep_id, name)
            kinds[dep_id] = kind
            by_id[dep_id] = name
        aliases = {
            alias: (dep_id, by_id[dep_id])
            for alias, dep_id in session.execute(
                select(DepartmentAlias.alias, DepartmentAlias.department_id)
            )
            if dep_id in by_id
        }
        return cls(names, aliases, kinds)

    def lookup(self, name: str) -> tuple[int, str, MatchKind] | None:
        if name in self.names:
            return (*self.names[name], "exact")
        if name in self.aliases:
            return (*self.aliases[name], "alias")
        return None


def resolve_names(
    session: Session,
    names: list[str],
    jurisdiction: str | None,
    *,
    counts: Mapping[str, int] | None = None,
) -> list[NameResolution]:
    """Propose a department for every written name (same order as ``names``).

    Order of the rules: exact name → alias → jurisdiction prefix ("发改委" in a 县 plan
    → "县发改委" when that department exists, or is written elsewhere in the plan, or
    otherwise as the name to create) → fuzzy match against the database and against
    the other names of the same plan → new.  ``counts`` (how often each name is
    written) decides, between two similar names of the plan, which one is the proposal
    for the other: the more frequent, then the longer, then the earlier one.
    """
    known = _Known.load(session)
    written = list(dict.fromkeys(n.strip() for n in names if n and n.strip()))
    counts = counts or {}
    position = {name: i for i, name in enumerate(written)}

    def rank(name: str) -> tuple[int, int, int]:
        return (-counts.get(name, 1), -len(name), position[name])

    resolved: dict[str, NameResolution] = {}
    # Resolve the most credible names first so that lesser spellings can point at them.
    for name in sorted(written, key=rank):
        resolved[name] = _resolve_one(name, jurisdiction, known, written, resolved, rank)
    out = []
    for raw in names:
        name = raw.strip() if raw else ""
        if name in resolved:
            res = resolved[name]
            out.append(res if raw == name else _copy(res, written=raw))
        else:
            out.append(NameResolution(raw, "new", None, raw, guess_kind(raw), []))
    return out


def _copy(res: NameResolution, **changes: Any) -> NameResolution:
    data = dict(res.__dict__)
    data["candidates"] = list(res.candidates)
    data.update(changes)
    return NameResolution(**data)


def _resolve_one(
    name: str,
    jurisdiction: str | None,
    known: _Known,
    plan_names: list[str],
    resolved: Mapping[str, NameResolution],
    rank: Callable[[str], tuple[int, int, int]],
) -> NameResolution:
    kind = guess_kind(name)

    def found(
        dep_id: int, canonical: str, match: MatchKind, score: float = 100.0
    ) -> NameResolution:
        return NameResolution(
            name,
            match,
            dep_id,
            canonical,
            known.kinds.get(dep_id, kind),
            [Candidate(dep_id, canonical, score)],
        )

    if name in known.names:
        return found(*known.names[name], "exact")
    with_prefix = prefixed(name, jurisdiction)
    if with_prefix:
        hit = known.lookup(with_prefix)
        if hit:
            return found(hit[0], hit[1], "prefix")
    if name in known.aliases:
        dep_id, canonical = known.aliases[name]
        # A bare alias ("卫健委") must not pull a 县 plan's name into a 区 department.
        other_place = place_prefix(canonical)
        if not (with_prefix and other_place and other_place != jurisdiction_level(jurisdiction)):
            return found(dep_id, canonical, "alias")

    forms = [with_prefix, name] if with_prefix else [name]
    candidates = _candidates(forms, known, plan_names, resolved, rank)
    if with_prefix and with_prefix in plan_names and with_prefix != name:
        # "发改委" and "县发改委" in the same plan: the prefixed spelling is the department.
        target = resolved.get(with_prefix)
        if target and target.match == "fuzzy":  # only as certain as that spelling's match
            return _copy(target, written=name, candidates=candidates)
        target_id = target.department_id if target else None
        canonical = target.canonical_name if target else with_prefix
        return NameResolution(name, "prefix", target_id, canonical, kind, candidates)
    if candidates and candidates[0].score >= FUZZY_THRESHOLD:
        best = candidates[0]
        best_kind = known.kinds.get(best.department_id, kind) if best.department_id else kind
        return NameResolution(name, "fuzzy", best.department_id, best.name, best_kind, candidates)
    if with_prefix:
        return NameResolution(name, "prefix", None, with_prefix, kind, candidates)
    return NameResolution(name, "new", None, name, kind, candidates)


def _candidates(
    forms: list[str],
    known: _Known,
    plan_names: list[str],
    resolved: Mapping[str, NameResolution],
    rank: Callable[[str], tuple[int, int, int]],
) -> list[Candidate]:
    """Similar departments of the database and similar better-ranked names of the plan.

    ``forms``: the written name, preceded by its prefixed form when it has one
    ("公安红旗局" in a 区 plan is compared as "区公安红旗局" and as written).
    """
    name = forms[-1]
    best: dict[tuple[int | None, str], float] = {}
    # The place the name is in: its own prefix, or the plan's when it gets prefixed.
    own_place = place_prefix(forms[0])

    def score_of(text: str) -> float:
        return max(similarity(form, text) for form in forms)

    def offer(dep_id: int | None, canonical: str, score: float) -> None:
        if score < CANDIDATE_THRESHOLD:
            return
        other_place = place_prefix(canonical)
        if own_place and other_place and own_place != other_place:
            return  # a bare alias ("卫健委") of another county's department
        key = (dep_id, canonical if dep_id is None else "")
        if score > best.get(key, -1.0):
            best[key] = score

    for text, (dep_id, canonical) in (*known.names.items(), *known.aliases.items()):
        offer(dep_id, canonical, score_of(text))
    for other in plan_names:
        if other == name or rank(other) >= rank(name):
            continue
        target = resolved.get(other)
        if target is None or target.canonical_name in forms:
            continue
        score = max(score_of(other), score_of(target.canonical_name))
        offer(target.department_id, target.canonical_name, score)
    names_by_id = {dep_id: canonical for dep_id, canonical in known.names.values()}
    out = [
        Candidate(dep_id, names_by_id.get(dep_id, canonical) if dep_id else canonical, score)
        for (dep_id, canonical), score in best.items()
    ]
    out.sort(key=lambda c: (-c.score, c.name))
    return out[:MAX_CANDIDATES]


# --- department management ------------------------------------------------------------


@dataclass
class DepartmentRow:
    """One department as listed in 单位管理."""

    id: int
    name: str
    kind: str
    contact_person: str | None
    phone: str | None
    note: str | None
    aliases: list[str]
    members: list[str]
    task_count: int


def list_departments(session: Session) -> list[DepartmentRow]:
    """Every department with its aliases, group members and number of tasks, by name."""
    departments = list(session.scalars(select(Department).order_by(Department.name)))
    names = {d.id: d.name for d in departments}
    aliases: dict[int, list[str]] = {}
    for dep_id, alias in session.execute(
        select(DepartmentAlias.department_id, DepartmentAlias.alias).order_by(DepartmentAlias.alias)
    ):
        aliases.setdefault(dep_id, []).append(alias)
    members: dict[int, list[str]] = {}
    for group_id, member_id in session.execute(
        select(GroupMember.group_id, GroupMember.member_id).order_by(GroupMember.id)
    ):
        if member_id in names:
            members.setdefault(group_id, []).append(names[member_id])
    task_counts = dict(
        session.execute(
            select(
                Assignment.department_id, func.count(func.distinct(Assignment.task_id))
            ).group_by(Assignment.department_id)
        ).all()
    )
    return [
        DepartmentRow(
            id=d.id,
            name=d.name,
            kind=d.kind,
            contact_person=d.contact_person,
            phone=d.phone,
            note=d.note,
            aliases=aliases.get(d.id, []),
            members=members.get(d.id, []),
            task_count=task_counts.get(d.id, 0),
        )
        for d in departments
    ]


def department_row(session: Session, department_id: int) -> DepartmentRow:
    """One department as ``list_departments`` lists it (UserError when it is gone)."""
    department = _department(session, department_id)
    row = next((r for r in list_departments(session) if r.id == department.id), None)
    assert row is not None
    return row


def plan_group_ids(session: Session, plan_id: int) -> list[int]:
    """The groups holding tasks of the plan, in the order of their first task."""
    rows = session.execute(
        select(Department.id, func.min(Task.position))
        .join(Assignment, Assignment.department_id == Department.id)
        .join(Task, Task.id == Assignment.task_id)
        .where(Task.plan_id == plan_id, Department.kind == KIND_GROUP)
        .group_by(Department.id)
        .order_by(func.min(Task.position), Department.id)
    )
    return [dep_id for dep_id, _position in rows]


def _department(session: Session, department_id: int) -> Department:
    department = session.get(Department, department_id)
    if department is None:
        raise UserError(f"找不到编号为 {department_id} 的单位，可能已被删除或合并。")
    return department


def _name_owner(session: Session, name: str) -> tuple[int, str] | None:
    """The department that uses ``name`` as its name or one of its aliases."""
    dep_id = session.scalar(select(Department.id).where(Department.name == name))
    if dep_id is not None:
        return dep_id, "名称"
    dep_id = session.scalar(
        select(DepartmentAlias.department_id).where(DepartmentAlias.alias == name)
    )
    if dep_id is not None:
        return dep_id, "别名"
    return None


def create_department(
    session: Session, name: str, *, user: str, kind: str | None = None
) -> Department:
    """Add a department (UserError when the name is already used)."""
    name = _clean_name(name)
    owner = _name_owner(session, name)
    if owner:
        raise UserError(f"单位“{name}”已存在（{owner[1]}），不能重复添加。")
    department = Department(name=name, kind=kind or guess_kind(name))
    session.add(department)
    session.flush()
    audit.record(
        session,
        user=user,
        action="dept.create",
        entity="department",
        entity_id=department.id,
        summary=f"新增单位“{name}”",
        detail={"name": name, "kind": department.kind},
    )
    return department


def _clean_name(name: str | None) -> str:
    text = (name or "").strip()
    if not text:
        raise UserError("单位名称不能为空。")
    if len(text) > 200:
        raise UserError("单位名称过长（最多 200 个字）。")
    return text


def update_department(
    session: Session,
    department_id: int,
    *,
    user: str,
    name: str | None = None,
    kind: str | None = None,
    contact_person: str | None = None,
    phone: str | None = None,
    note: str | None = None,
) -> None:
    """Change a department's fields (None = unchanged; "" clears the contact fields).

    Renaming keeps the old name as an alias, so later plans written the old way still
    find the department.
    """
    department = _department(session, department_id)
    before = _fields(department)
    if name is not None:
        name = _clean_name(name)
        if name != department.name:
            owner = _name_owner(session, name)
            if owner and owner[0] != department.id:
                raise UserError(f"名称“{name}”已被其他单位使用（{owner[1]}），请先合并这两个单位。")
            old = department.name
            if owner:  # the new name was an alias of this department: it is the name now
                session.execute(
                    delete(DepartmentAlias).where(DepartmentAlias.alias == name),
                    execution_options={"synchronize_session": "fetch"},
                )
            department.name = name
            session.add(DepartmentAlias(department_id=department.id, alias=old))
    if kind is not None:
        if kind not in KIND_LABELS:
            raise UserError(f"未知的单位类型：{kind}")
        department.kind = kind
    if contact_person is not None:
        department.contact_person = contact_person.strip() or None
    if phone is not None:
        department.phone = phone.strip() or None
    if note is not None:
        department.note = note.strip() or None
    after = _fields(department)
    if after == before:
        return
    session.flush()
    changed = [key for key in after if after[key] != before[key]]
    audit.record(
        session,
        user=user,
        action="dept.update",
        entity="department",
        entity_id=department.id,
        summary=f"修改单位“{department.name}”：" + "、".join(_FIELD_LABELS[k] for k in changed),
        detail={"before": before, "after": after},
    )


_FIELD_LABELS = {
    "name": "名称",
    "kind": "类型",
    "contact_person": "联系人",
    "phone": "电话",
    "note": "备注",
}


def _fields(department: Department) -> dict[str, str | None]:
    return {key: getattr(department, key) for key in _FIELD_LABELS}


def add_alias(session: Session, department_id: int, alias: str, *, user: str) -> None:
    """Record another spelling of the department (UserError if another one uses it)."""
    department = _department(session, department_id)
    alias = _clean_name(alias)
    owner = _name_owner(session, alias)
    if owner:
        if owner[0] == department.id:
            return
        other = session.get(Department, owner[0])
        other_name = other.name if other else str(owner[0])
        raise UserError(
            f"“{alias}”已是单位“{other_name}”的{owner[1]}，不能再作为“{department.name}”的别名。"
        )
    session.add(DepartmentAlias(department_id=department.id, alias=alias))
    session.flush()
    audit.record(
        session,
        user=user,
        action="dept.alias_add",
        entity="department",
        entity_id=department.id,
        summary=f"为单位“{department.name}”添加别名“{alias}”",
        detail={"alias": alias},
    )


def remove_alias(session: Session, department_id: int, alias: str, *, user: str) -> None:
    """Forget one spelling of the department (UserError when it is not one of its aliases)."""
    department = _department(session, department_id)
    row = session.scalar(
        select(DepartmentAlias).where(
            DepartmentAlias.department_id == department.id, DepartmentAlias.alias == alias
        )
    )
    if row is None:
        raise UserError(f"“{alias}”不是单位“{department.name}”的别名。")
    session.delete(row)
    session.flush()
    audit.record(
        session,
        user=user,
        action="dept.alias_remove",
        entity="department",
        entity_id=department.id,
        summary=f"删除单位“{department.name}”的别名“{alias}”",
        detail={"alias": alias},
    )


def merge_departments(session: Session, keep_id: int, merge_id: int, *, user: str) -> None:
    """Merge department ``merge_id`` into ``keep_id`` and delete it.

    Assignments, aliases and group memberships move to the kept department (a role the
    kept department already has in the same task/item is not duplicated); the merged
    name becomes an alias; empty contact fields of the kept department are filled from
    the merged one.  The audit entry records what moved, so ``undo.undo_last`` can split
    the two again.
    """
    if keep_id == merge_id:
        raise UserError("不能把单位与自身合并。")
    keep = _department(session, keep_id)
    merge = _department(session, merge_id)
    merged_name = merge.name
    session.flush()
    from foodsafety_desktop.core.services import undo  # undo imports no departments

    before = undo.merge_snapshot(session, keep.id, merge.id)

    moved = _move_assignments(session, keep.id, merge.id)
    alias_rows = list(
        session.scalars(select(DepartmentAlias).where(DepartmentAlias.department_id == merge.id))
    )
    alias_names = [row.alias for row in alias_rows]
    session.execute(
        update(DepartmentAlias)
        .where(DepartmentAlias.department_id == merge.id)
        .values(department_id=keep.id),
        execution_options={"synchronize_session": "fetch"},
    )
    _move_memberships(session, keep.id, merge.id)
    submissions_moved = _move_submissions(session, keep.id, merge.id)
    for key in ("contact_person", "phone", "note"):
        if not getattr(keep, key) and getattr(merge, key):
            setattr(keep, key, getattr(merge, key))

    session.expire(merge)
    session.expire(keep, ["aliases"])
    session.delete(merge)
    session.flush()
    added_alias = DepartmentAlias(department_id=keep.id, alias=merged_name)
    session.add(added_alias)
    session.flush()
    audit.record(
        session,
        user=user,
        action="dept.merge",
        entity="department",
        entity_id=keep.id,
        summary=f"将单位“{merged_name}”合并到“{keep.name}”（{moved} 条任务分工转入）",
        detail={
            "kept": {"id": keep.id, "name": keep.name},
            "merged": {"id": merge_id, "name": merged_name},
            "aliases_moved": alias_names,
            "assignments_moved": moved,
            "submissions_moved": submissions_moved,
            # The ids of every row moved or deleted, for undo.undo_last.
            "undo": undo.merge_undo_detail(session, before, keep.id, added_alias.id),
        },
    )


def _move_assignments(session: Session, keep_id: int, merge_id: int) -> int:
    existing = {
        (task_id, item_id, role)
        for task_id, item_id, role in session.execute(
            select(Assignment.task_id, Assignment.item_id, Assignment.role).where(
                Assignment.department_id == keep_id
            )
        )
    }
    moved = 0
    for assignment in session.scalars(
        select(Assignment).where(Assignment.department_id == merge_id).order_by(Assignment.id)
    ):
        key = (assignment.task_id, assignment.item_id, assignment.role)
        if key in existing:
            session.delete(assignment)
        else:
            existing.add(key)
            assignment.department_id = keep_id
            moved += 1
    session.flush()
    return moved


def _move_memberships(session: Session, keep_id: int, merge_id: int) -> None:
    rows = list(
        session.scalars(
            select(GroupMember).where(
                (GroupMember.group_id == merge_id) | (GroupMember.member_id == merge_id)
            )
        )
    )
    pairs = {
        (group_id, member_id)
        for group_id, member_id in session.execute(
            select(GroupMember.group_id, GroupMember.member_id).where(
                (GroupMember.group_id == keep_id) | (GroupMember.member_id == keep_id)
            )
        )
    }
    for row in rows:
        group_id = keep_id if row.group_id == merge_id else row.group_id
        member_id = keep_id if row.member_id == merge_id else row.member_id
        if group_id == member_id or (group_id, member_id) in pairs:
            session.delete(row)
        else:
            pairs.add((group_id, member_id))
            row.group_id, row.member_id = group_id, member_id
    session.flush()


def _move_submissions(session: Session, keep_id: int, merge_id: int) -> int:
    """Give the merged department's submissions (its history) to the kept one.

    Where both had a current submission for the same period, the later one stays
    current and the other becomes history.
    """
    moved = list(session.scalars(select(Submission).where(Submission.department_id == merge_id)))
    # History first, then the move: one current submission per period and department is
    # a unique index (uq_submission_current), checked on every UPDATE.
    current = session.scalars(
        select(Submission)
        .where(Submission.department_id.in_((keep_id, merge_id)), Submission.is_current.is_(True))
        .order_by(Submission.period_id, Submission.received_at.desc(), Submission.id.desc())
    )
    seen_periods: set[int] = set()
    for submission in current:
        if submission.period_id in seen_periods:
            submission.is_current = False
        seen_periods.add(submission.period_id)
    session.flush()
    for submission in moved:
        submission.department_id = keep_id
    session.flush()
    return len(moved)


def set_group_members(session: Session, group_id: int, member_ids: list[int], *, user: str) -> None:
    """Replace the members of a group (各乡镇政府 → the township governments)."""
    group = _department(session, group_id)
    wanted = list(dict.fromkeys(member_ids))
    if group.id in wanted:
        raise UserError(f"单位组“{group.name}”不能包含自身。")
    members = [_department(session, member_id) for member_id in wanted]
    nested = [m.name for m in members if m.kind == KIND_GROUP]
    if nested:
        raise UserError(
            f"“{'、'.join(nested)}”是单位组，不能作为单位组“{group.name}”的成员；请勾选具体的单位。"
        )
    before = [
        name
        for (name,) in session.execute(
            select(Department.name)
            .join(GroupMember, GroupMember.member_id == Department.id)
            .where(GroupMember.group_id == group.id)
            .order_by(GroupMember.id)
        )
    ]
    session.execute(
        delete(GroupMember).where(GroupMember.group_id == group.id),
        execution_options={"synchronize_session": "fetch"},
    )
    for member in members:
        session.add(GroupMember(group_id=group.id, member_id=member.id))
    if group.kind != KIND_GROUP and members:
        group.kind = KIND_GROUP
    session.flush()
    after = [m.name for m in members]
    if before == after:
        return
    audit.record(
        session,
        user=user,
        action="dept.members",
        entity="department",
        entity_id=group.id,
        summary=f"设置单位组“{group.name}”的成员：{'、'.join(after) or '（无）'}",
        detail={"before": before, "after": after},
    )


class UnknownDepartments(UserError):
    """Names no department has (``add_group_members`` without ``create``)."""

    def __init__(self, names: list[str]) -> None:
        self.names = list(names)
        super().__init__(f"没有名为“{'、'.join(names)}”的单位，请核对名称，或先新增这些单位。")


def add_group_members(
    session: Session, group_id: int, names: Iterable[str], *, user: str, create: bool = False
) -> list[str]:
    """Add the departments called ``names`` (names or aliases) to the group's members.

    With ``create`` a name no department has becomes a new department (its kind guessed
    from the name, a township for 城关镇); otherwise such names are a UserError naming
    them all.  Returns the names of the departments created.
    """
    group = _department(session, group_id)
    wanted = list(dict.fromkeys(_clean_name(n) for n in names))
    unknown = [n for n in wanted if _name_owner(session, n) is None]
    if unknown and not create:
        raise UnknownDepartments(unknown)
    created = [create_department(session, n, user=user).name for n in unknown]
    current = _member_ids(session, group.id)
    for name in wanted:
        owner = _name_owner(session, name)
        assert owner is not None
        if owner[0] not in current:
            current.append(owner[0])
    set_group_members(session, group.id, current, user=user)
    return created


def remove_group_members(
    session: Session, group_id: int, names: Iterable[str], *, user: str
) -> None:
    """Take the departments called ``names`` out of the group (UserError for a name that
    is not one of its members)."""
    group = _department(session, group_id)
    current = _member_ids(session, group.id)
    drop: set[int] = set()
    for name in names:
        owner = _name_owner(session, name.strip())
        if owner is None or owner[0] not in current:
            raise UserError(f"“{name.strip()}”不是单位组“{group.name}”的成员。")
        drop.add(owner[0])
    set_group_members(session, group.id, [i for i in current if i not in drop], user=user)


def _member_ids(session: Session, group_id: int) -> list[int]:
    return list(
        session.scalars(
            select(GroupMember.member_id)
            .where(GroupMember.group_id == group_id)
            .order_by(GroupMember.id)
        )
    )


@dataclass(frozen=True)
class MemberProposal:
    """A unit proposed as a member of a group, and why."""

    name: str
    department_id: int | None  # None: written in the plan, not yet a department
    reason: str  # Chinese: 方案中列出 / 已有的乡镇、街道 / 本方案的单位


REASON_WRITTEN = "方案中列出"
REASON_TOWNSHIP = "已有的乡镇、街道"
REASON_PLAN = "本方案的单位"


def propose_group_members(session: Session, group_id: int) -> list[MemberProposal]:
    """Who the group's members probably are, for the clerk to confirm (not yet members).

    First the units the plan writes in the group's name ("各乡镇（城关镇、东明镇）");
    then, for a group of townships (各乡镇政府, 各镇（街道）, 各办事处), every known
    乡镇/街道; for any other group (区食安委各成员单位, 有关部门), the departments of
    the plans the group has tasks in, the office (食安办) left out.
    """
    group = _department(session, group_id)
    taken = {group.id, *_member_ids(session, group.id)}
    out: list[MemberProposal] = []
    seen: set[str] = set()

    def offer(name: str, dep_id: int | None, reason: str) -> None:
        if name in seen or (dep_id is not None and dep_id in taken):
            return
        seen.add(name)
        out.append(MemberProposal(name, dep_id, reason))

    written = [group.name]
    written += session.scalars(
        select(Assignment.written_name)
        .where(Assignment.department_id == group.id, Assignment.written_name.is_not(None))
        .distinct()
    )
    for text in written:
        for name in members_written_in(text or ""):
            owner = _name_owner(session, name)
            if owner is None:
                offer(name, None, REASON_WRITTEN)
            else:
                offer(_department(session, owner[0]).name, owner[0], REASON_WRITTEN)

    if is_township_group(group.name):
        townships = list(
            session.execute(
                select(Department.id, Department.name)
                .where(Department.kind == KIND_TOWNSHIP)
                .order_by(Department.name)
            )
        )
        if "乡" not in group.name and "镇" not in group.name:  # 各办事处, 各街道办事处
            streets = [t for t in townships if t.name.endswith(("街道", "办事处"))]
            townships = streets or townships
        for dep_id, name in townships:
            offer(name, dep_id, REASON_TOWNSHIP)
        return out

    plans = (
        select(Task.plan_id)
        .join(Assignment, Assignment.task_id == Task.id)
        .where(Assignment.department_id == group.id)
    )
    rows = session.execute(
        select(Department.id, Department.name, func.min(Task.position))
        .join(Assignment, Assignment.department_id == Department.id)
        .join(Task, Task.id == Assignment.task_id)
        .where(Task.plan_id.in_(plans), Department.kind != KIND_GROUP)
        .group_by(Department.id, Department.name)
        .order_by(func.min(Task.position), Department.name)
    )
    for dep_id, name, _position in rows:
        if not is_office_name(name):
            offer(name, dep_id, REASON_PLAN)
    return out


def suggest_duplicates(
    session: Session, min_score: float = 85
) -> list[tuple[DepartmentRow, DepartmentRow, float]]:
    """Pairs of departments whose names look like the same unit, best first."""
    rows = list_departments(session)
    spellings = {row.id: [row.name, *row.aliases] for row in rows}
    pairs: list[tuple[DepartmentRow, DepartmentRow, float]] = []
    for i, a in enumerate(rows):
        for b in rows[i + 1 :]:
            score = max(similarity(x, y) for x in spellings[a.id] for y in spellings[b.id])
            if score >= min_score:
                # The department with more tasks first: the natural one to keep.
                first, second = (a, b) if a.task_count >= b.task_count else (b, a)
                pairs.append((first, second, score))
    pairs.sort(key=lambda p: (-p[2], p[0].name, p[1].name))
    return pairs


def department_names(session: Session, ids: Iterable[int]) -> dict[int, str]:
    """Names of the given departments (missing ids are left out)."""
    ids = list(ids)
    if not ids:
        return {}
    rows = session.execute(select(Department.id, Department.name).where(Department.id.in_(ids)))
    return {dep_id: name for dep_id, name in rows}


def describe(resolution: NameResolution) -> str:
    """A Chinese sentence for the review dialog and warnings."""
    if resolution.match == "exact":
        return f"“{resolution.written}”：已有单位"
    if resolution.match == "alias":
        return f"“{resolution.written}”：已有单位“{resolution.canonical_name}”的别名"
    if resolution.match == "prefix":
        return f"“{resolution.written}”：按本方案地域补全为“{resolution.canonical_name}”"
    if resolution.match == "fuzzy":
        return f"“{resolution.written}”：可能是“{resolution.canonical_name}”，请确认"
    return f"“{resolution.written}”：新单位"


def find_department_id(session: Session, name: str) -> int:
    """The id of the department named ``name`` or having it as an alias (the CLI's
    ``--department``); UserError when there is none."""
    name = name.strip()
    found = session.scalar(select(Department.id).where(Department.name == name))
    if found is None:
        found = session.scalar(
            select(DepartmentAlias.department_id).where(DepartmentAlias.alias == name)
        )
    if found is None:
        raise UserError(f"未找到单位“{name}”，请使用单位管理中的名称。")
    return found
