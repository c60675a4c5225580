"""考核细则 items linked to ledger tasks, and what the year's ledger says for each item.

A link (``AssessmentLink``) ties a 细则 item to a task whose submissions and indicator
values fill the item's record.  ``propose_links`` scores the year's tasks against every
item; ``auto_link`` stores the proposals (at or above the threshold as confirmed links,
the best few below it as proposals for the clerk); ``confirm_link`` / ``add_link`` /
``remove_link`` are the clerk's changes; ``item_records`` reads the record of each item.

The rules:

- **Candidates** are the tasks (not dropped by a plan update) of the plans of the
  细则's year: plans not archived whose ``year_start``–``year_end`` span the year (one
  bound alone: that year), or the one plan given.  Only items without child items are
  scored: a heading's record is the sum of its items'.
- **Similarity** (0..1) is how much of the item's text the task's text covers,
  weighted by how rare each character bigram is (TF-IDF over the candidate tasks and
  the 细则's items): the item is its title plus its 评分标准 at a third of the weight,
  the task its title twice, its text and its section's title at half the weight.  A
  short item against a long task is what a 细则 is, so the measure is one-sided
  (coverage of the item), not a cosine.  Measured on ``tests/data/assessment/
  member_2022.xlsx`` against seed 002: the right tasks score 0.62–0.81, the best wrong
  one 0.37 (``rapidfuzz.fuzz.partial_ratio``, the dependency we have, does not separate
  them: 0.42–0.69 against up to 0.46).  A candidate is proposed from ``MIN_SIMILARITY``
  and at least ``RELATIVE_CUTOFF`` of the item's best candidate (an item with a clear
  task is not cluttered with weak second guesses).
- **Department**: a task nobody of the 细则's kind holds scores ×``KIND_FACTOR`` (a
  乡镇 细则: no 乡镇/街道 unit, directly or as a member of a group, nor a group named
  乡镇/街道/办事处; a 成员单位 细则: no 部门 unit); an item that names a unit holding the
  task (县市场监管局, an alias) scores ``NAMED_UNIT_BONUS`` more.
- **Stored links**: confirmed (``confirmed`` True) count; a proposal is
  ``confirmed`` False with its ``similarity``; a link the clerk removed stays as a row
  with ``confirmed`` False and ``similarity`` NULL (``is_rejected``), so that
  ``auto_link`` never proposes it again; ``add_link`` on it makes it a confirmed link
  again.  ``auto_link`` leaves confirmed and removed links as they are, confirms the
  stored proposals now at or above the threshold, updates or drops the others, and
  writes one audit entry only when something changed (a second run changes nothing).
- **Records** (``item_records``): per item its confirmed tasks; per task the units that
  hold it (a group's members in its place), and per reporting period of the year (the
  plan's periods whose year is the 细则's) each unit's current submission: on time
  (received by the due date, local date), late, missing (none after the due date) or
  pending; its status (``combine_statuses`` of its rows for the task), 主要措施 and
  values; the task's targets are ``overview.year_targets`` as of the year's last
  period.  Evidence counts the ``Evidence`` rows attached to the item, to its tasks or
  to the submissions of the units for those periods (one unit: its own, and those
  attached for no unit).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import or_, select

from foodsafety_desktop.core.changes import ASSESSMENTS, NOTHING, ChangeSet
from foodsafety_desktop.core.errors import UserError
from foodsafety_desktop.core.services import audit
from foodsafety_desktop.core.services.assessment import (
    assessment_items,
    assessment_row,
    item_paths,
)
from foodsafety_desktop.core.services.tracking import History, counted_receipt
from foodsafety_desktop.core.storage.models import (
    KIND_DEPARTMENT,
    KIND_GROUP,
    KIND_TOWNSHIP,
    ROLE_LEAD,
    AssessmentItem,
    AssessmentLink,
    Assignment,
    Department,
    DepartmentAlias,
    Evidence,
    GroupMember,
    Plan,
    ReportingPeriod,
    Section,
    Submission,
    SubmissionEntry,
    Task,
)
from foodsafety_desktop.core.terms import combine_statuses

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from foodsafety_desktop.core.services.overview import TargetProgress
    from foodsafety_desktop.core.storage.database import Database

__all__ = [
    "AUTO_THRESHOLD",
    "MIN_SIMILARITY",
    "AutoLinkResult",
    "ItemRecord",
    "LinkChange",
    "LinkProposal",
    "LinkedTask",
    "TaskRecord",
    "UnitPeriod",
    "UnitRecord",
    "add_link",
    "auto_link",
    "candidate_plans",
    "confirm_link",
    "find_task",
    "is_rejected",
    "item_links",
    "item_record_html",
    "item_records",
    "propose_links",
    "record_html",
    "remove_link",
]

AUTO_THRESHOLD = 0.5  # auto_link confirms proposals at or above this similarity
MIN_SIMILARITY = 0.25  # weaker candidates are not proposed at all
RELATIVE_CUTOFF = 0.5  # nor those below this share of the item's best candidate
PROPOSALS_PER_ITEM = 3  # unconfirmed proposals kept per item
ACCEPTED_PER_ITEM = 3  # confirmed by auto_link per item at most
KIND_FACTOR = 0.8
NAMED_UNIT_BONUS = 0.1
EXCERPT_CHARS = 80

# Where a 细则 item's state is described.
STATE_ON_TIME = "按时报送"
STATE_LATE = "逾期报送"
STATE_MISSING = "未报送"
STATE_PENDING = "待报送"

_ITEM_RULE_WEIGHT = 0.3
_TASK_TITLE_WEIGHT = 2.0
_SECTION_WEIGHT = 0.5
_RUN = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]+")
_TOWNSHIP_WORDS = ("乡镇", "街道", "办事处", "镇政府", "乡政府")


# --- results --------------------------------------------------------------------------


@dataclass(frozen=True)
class LinkProposal:
    """A candidate task for a 细则 item, with why."""

    item_id: int
    task_id: int
    similarity: float  # 0..1, rounded to 3 places
    reason: str  # Chinese: "文字相近：食源性疾病、风险监测"
    item_label: str  # "二.4 开展食品安全标准…"
    task_label: str  # "（一）实施标准制（修）订和风险监测行动"
    item_path: str = ""  # "二.4", as find_item takes it
    task_number: str = ""  # "（一）", as the ledger shows it
    plan_id: int = 0


@dataclass
class AutoLinkResult:
    """What ``auto_link`` stored: the confirmed links of the proposals at or above the
    threshold (new or earlier) and the proposals left for the clerk."""

    accepted: list[LinkProposal]
    pending: list[LinkProposal]
    confirmed_now: int = 0  # links this run confirmed (new rows or stored proposals)
    proposed_now: int = 0  # proposal rows this run added
    dropped: int = 0  # stored proposals no longer proposed, deleted
    skipped_removed: int = 0  # proposals the clerk had removed, not proposed again
    threshold: float = AUTO_THRESHOLD
    changes: ChangeSet = NOTHING

    @property
    def changed(self) -> bool:
        return bool(self.changes)


@dataclass
class LinkChange:
    """What one of the clerk's link changes did (``changed`` False: it was so already)."""

    item_id: int
    task_id: int
    changed: bool
    confirmed: bool  # after the change
    summary: str
    changes: ChangeSet = NOTHING


@dataclass
class LinkedTask:
    """A task linked to an item (confirmed or proposed)."""

    link_id: int
    task_id: int
    confirmed: bool
    similarity: float | None  # None: made by the clerk
    number: str  # task label as the ledger shows it: "（一）"
    title: str
    plan_id: int
    plan_title: str
    created_by: str
    created_at: dt.datetime

    @property
    def label(self) -> str:
        return f"{self.number}{self.title}"

    @property
    def task_label(self) -> str:
        return self.label


@dataclass
class UnitPeriod:
    """One unit's answer for one task in one period of the year."""

    period_id: int
    period_name: str
    due_date: dt.date
    state: str  # STATE_ON_TIME / STATE_LATE / STATE_MISSING / STATE_PENDING
    submission_id: int | None = None
    received_at: dt.datetime | None = None
    returned: bool = False  # 退回修改, not yet replaced by the corrected file
    status: str | None = None  # the unit's status of the task (已完成 …)
    measures: str | None = None  # 主要措施及成效 as written
    values: list[tuple[str, str]] = field(default_factory=list)  # (indicator, 完成值)
    # 佐证材料 as the unit listed it in its 报送表 (names of records, photos …): what it
    # says exists, whether or not a file was attached.
    listed_evidence: str | None = None

    @property
    def excerpt(self) -> str:
        return _excerpt(self.measures)


@dataclass
class UnitRecord:
    """A unit holding a linked task, and its answers over the year."""

    department_id: int
    name: str
    role: str  # 牵头 / 责任 / 配合
    via_group: str | None  # the group it holds the task through (各乡镇政府)
    periods: list[UnitPeriod]
    evidence_ids: list[int] = field(default_factory=list)
    # A group without members yet: nobody reports its part (no periods, counted nowhere).
    group_without_members: bool = False

    def count(self, state: str) -> int:
        return sum(1 for p in self.periods if p.state == state)

    @property
    def on_time(self) -> int:
        return self.count(STATE_ON_TIME)

    @property
    def late(self) -> int:
        return self.count(STATE_LATE)

    @property
    def missing(self) -> int:
        return self.count(STATE_MISSING)

    @property
    def latest(self) -> UnitPeriod | None:
        """The latest period the unit reported in."""
        reported = [p for p in self.periods if p.submission_id is not None]
        return reported[-1] if reported else None

    @property
    def listed_evidence(self) -> list[tuple[str, str]]:
        """(period, text) of what the unit's 报送表 list as 佐证材料 over the year, each
        text once (at the first period listing it)."""
        seen: dict[str, str] = {}
        for p in self.periods:
            if p.listed_evidence and p.listed_evidence not in seen:
                seen[p.listed_evidence] = p.period_name
        return [(period, text) for text, period in seen.items()]

    @property
    def listed_evidence_text(self) -> str:
        """``listed_evidence`` in one line: the text, or "一季度：…；二季度：…"."""
        lines = self.listed_evidence
        if len(lines) == 1:
            return lines[0][1]
        return "；".join(f"{period}：{text}" for period, text in lines)


@dataclass
class TaskRecord:
    """A confirmed linked task: its units and its targets over the year."""

    task_id: int
    number: str
    title: str
    plan_id: int
    plan_title: str
    similarity: float | None
    units: list[UnitRecord]
    targets: list[TargetProgress]
    evidence_ids: list[int] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.number}{self.title}"


@dataclass
class ItemRecord:
    """One 细则 item and what the year's ledger says for it (item → task → unit)."""

    item_id: int
    parent_id: int | None
    level: int
    path: str  # "二.4", as find_item takes it
    number: str
    title: str
    points: float | None
    bonus: bool
    deduction: bool
    rule: str | None
    evidence_required: str | None
    tasks: list[TaskRecord]
    evidence_ids: list[int] = field(default_factory=list)
    pending: int = 0  # unconfirmed proposals waiting for the clerk

    @property
    def evidence_count(self) -> int:
        return len(self.evidence_ids)

    def _unit_periods(self) -> dict[tuple[int, int], str]:
        """(unit, period) → state, each counted once over the item's tasks."""
        out: dict[tuple[int, int], str] = {}
        for task in self.tasks:
            for unit in task.units:
                for p in unit.periods:
                    out.setdefault((unit.department_id, p.period_id), p.state)
        return out

    def count(self, state: str) -> int:
        return sum(1 for s in self._unit_periods().values() if s == state)

    @property
    def on_time(self) -> int:
        return self.count(STATE_ON_TIME)

    @property
    def late(self) -> int:
        return self.count(STATE_LATE)

    @property
    def missing(self) -> int:
        return self.count(STATE_MISSING)


def _excerpt(text: str | None, limit: int = EXCERPT_CHARS) -> str:
    text = re.sub(r"\s+", " ", text or "").strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def is_rejected(link: AssessmentLink) -> bool:
    """A link the clerk removed (kept so that it is not proposed again)."""
    return not link.confirmed and link.similarity is None


# --- the 细则 and its items -----------------------------------------------------------


def _item_label(item: AssessmentItem, path: str) -> str:
    return f"{path} {item.title}"


def find_task(
    session: Session, assessment_id: int, ref: str, *, plan_id: int | None = None
) -> Task:
    """The task of the 细则's year (or of ``plan_id``) that ``ref`` names, as
    ``ledger.find_task`` reads a reference."""
    from foodsafety_desktop.core.services.ledger import find_task as find_ledger_task

    assessment = assessment_row(session, assessment_id)
    plans = candidate_plans(session, assessment.year, plan_id=plan_id)
    return find_ledger_task(
        session, ref, plan_ids=[p.id for p in plans], scope=f"{assessment.year}年度的工作方案"
    )


def _short(title: str, limit: int = 24) -> str:
    title = (title or "").strip().rstrip("。；;")
    return title if len(title) <= limit else title[: limit - 1] + "…"


def candidate_plans(session: Session, year: int, *, plan_id: int | None = None) -> list[Plan]:
    """The plans whose tasks a 细则 of ``year`` is linked to (see the module's rules)."""
    if plan_id is not None:
        plan = session.get(Plan, plan_id)
        if plan is None:
            raise UserError(f"找不到编号为{plan_id}的工作方案，请用 plan list 查看方案编号。")
        return [plan]
    plans = []
    for plan in session.scalars(select(Plan).where(Plan.archived.is_(False)).order_by(Plan.id)):
        start = plan.year_start if plan.year_start is not None else plan.year_end
        end = plan.year_end if plan.year_end is not None else plan.year_start
        if start is not None and end is not None and start <= year <= end:
            plans.append(plan)
    if not plans:
        raise UserError(
            f"没有适用于{year}年度的工作方案（方案的年度不含{year}年）。"
            "请先导入当年的方案，或用 --plan 指定方案。"
        )
    return plans


# --- similarity -----------------------------------------------------------------------


def _bigrams(text: str) -> list[str]:
    out: list[str] = []
    for run in _RUN.findall(text or ""):
        run = run.lower()
        out.extend(run[i : i + 2] for i in range(len(run) - 1))
    return out


def _counts(parts: Iterable[tuple[str | None, float]]) -> dict[str, float]:
    """Bigram → weighted count."""
    counts: dict[str, float] = {}
    for text, weight in parts:
        for gram in _bigrams(text or ""):
            counts[gram] = counts.get(gram, 0.0) + weight
    return counts


class _Scorer:
    """Bigram TF-IDF coverage of items by tasks over one corpus."""

    def __init__(self, documents: Iterable[dict[str, float]]) -> None:
        documents = list(documents)
        frequency: Counter[str] = Counter()
        for doc in documents:
            frequency.update(doc.keys())
        n = len(documents)
        self.idf = {g: math.log((1 + n) / (1 + f)) + 1.0 for g, f in frequency.items()}

    def weights(self, counts: dict[str, float]) -> dict[str, float]:
        return {g: math.log1p(c) * self.idf.get(g, 1.0) for g, c in counts.items() if c > 0}

    @staticmethod
    def coverage(item: dict[str, float], task: dict[str, float]) -> float:
        total = sum(item.values())
        if not total:
            return 0.0
        return sum(w for g, w in item.items() if g in task) / total


def _shared_phrases(text: str, task_grams: dict[str, float], idf: dict[str, float]) -> list[str]:
    """The runs of ``text`` (3+ characters) made of bigrams the task has, rarest first."""
    phrases: list[tuple[float, int, str]] = []
    for run in _RUN.findall(text or ""):
        covered = [False] * len(run)
        for i in range(len(run) - 1):
            if run[i : i + 2].lower() in task_grams:
                covered[i] = covered[i + 1] = True
        start = None
        for i, on in enumerate([*covered, False]):
            if on and start is None:
                start = i
            elif not on and start is not None:
                phrase = run[start:i]
                if len(phrase) >= 3:
                    grams = _bigrams(phrase)
                    weight = sum(idf.get(g, 1.0) for g in grams) / len(grams)
                    phrases.append((-weight * len(phrase), len(phrases), phrase))
                start = None
    return [p for _w, _i, p in sorted(phrases)[:3]]


@dataclass
class _Candidate:
    task: Task
    section_title: str
    grams: dict[str, float]
    units: list[tuple[int, str, str]]  # (department id, name, kind) holding it, groups too
    members_kinds: set[str]


def _task_units(
    session: Session, task_ids: list[int]
) -> tuple[dict[int, list[tuple[int, str, str]]], dict[int, set[str]]]:
    """Task → the units holding it (id, name, kind) and the kinds of its groups' members."""
    units: dict[int, list[tuple[int, str, str]]] = {}
    groups: dict[int, list[int]] = {}
    for task_id, dep_id, name, kind in session.execute(
        select(Assignment.task_id, Department.id, Department.name, Department.kind)
        .join(Department, Department.id == Assignment.department_id)
        .where(Assignment.task_id.in_(task_ids))
        .order_by(Assignment.task_id, Assignment.position, Assignment.id)
    ):
        units.setdefault(task_id, []).append((dep_id, name, kind))
        if kind == KIND_GROUP:
            groups.setdefault(task_id, []).append(dep_id)
    member_kind: dict[int, set[str]] = {}
    group_ids = {g for ids in groups.values() for g in ids}
    if group_ids:
        for group_id, kind in session.execute(
            select(GroupMember.group_id, Department.kind)
            .join(Department, Department.id == GroupMember.member_id)
            .where(GroupMember.group_id.in_(group_ids))
        ):
            member_kind.setdefault(group_id, set()).add(kind)
    kinds = {
        task_id: {k for g in ids for k in member_kind.get(g, set())}
        for task_id, ids in groups.items()
    }
    return units, kinds


def _suits(kind: str, candidate: _Candidate) -> bool:
    """Whether somebody of the 细则's kind holds the task (see the module's rules)."""
    from foodsafety_desktop.core.services.assessment import KIND_TOWNSHIP as TOWNSHIPS

    if kind == TOWNSHIPS:
        return (
            any(k == KIND_TOWNSHIP for _i, _n, k in candidate.units)
            or KIND_TOWNSHIP in candidate.members_kinds
            or any(
                k == KIND_GROUP and any(w in n for w in _TOWNSHIP_WORDS)
                for _i, n, k in candidate.units
            )
        )
    return any(k == KIND_DEPARTMENT for _i, _n, k in candidate.units) or (
        KIND_DEPARTMENT in candidate.members_kinds
    )


def _unit_names(session: Session, department_ids: set[int]) -> dict[int, list[str]]:
    """Department → its name and aliases (for an item that names a unit)."""
    names: dict[int, list[str]] = {}
    if not department_ids:
        return names
    for dep_id, name in session.execute(
        select(Department.id, Department.name).where(Department.id.in_(department_ids))
    ):
        names.setdefault(dep_id, []).append(name)
    for dep_id, alias in session.execute(
        select(DepartmentAlias.department_id, DepartmentAlias.alias).where(
            DepartmentAlias.department_id.in_(department_ids)
        )
    ):
        names.setdefault(dep_id, []).append(alias)
    return names


def _scorable(items: list[AssessmentItem]) -> list[AssessmentItem]:
    parents = {i.parent_id for i in items if i.parent_id is not None}
    return [i for i in items if i.id not in parents]


def propose_links(
    session: Session, assessment_id: int, *, plan_id: int | None = None
) -> list[LinkProposal]:
    """Candidate tasks for every item without child items, best first per item (items in
    细则 order): those of similarity ``MIN_SIMILARITY`` or more and at least
    ``RELATIVE_CUTOFF`` of the item's best (see the module's rules).  Every such
    candidate is listed; ``auto_link`` keeps the best few."""
    assessment = assessment_row(session, assessment_id)
    plans = candidate_plans(session, assessment.year, plan_id=plan_id)
    items = assessment_items(session, assessment_id)
    paths = item_paths(items)
    scored = _scorable(items)
    tasks = list(
        session.scalars(
            select(Task)
            .where(Task.plan_id.in_([p.id for p in plans]), Task.removed_at.is_(None))
            .order_by(Task.plan_id, Task.position, Task.id)
        )
    )
    if not tasks or not scored:
        return []
    sections = {
        s.id: f"{s.label}{s.title}"
        for s in session.scalars(select(Section).where(Section.plan_id.in_([p.id for p in plans])))
    }
    task_counts = {
        t.id: _counts(
            [
                (t.title, _TASK_TITLE_WEIGHT),
                (t.text, 1.0),
                (sections.get(t.section_id, "") if t.section_id else "", _SECTION_WEIGHT),
            ]
        )
        for t in tasks
    }
    item_counts = {i.id: _counts([(i.title, 1.0), (i.rule, _ITEM_RULE_WEIGHT)]) for i in scored}
    scorer = _Scorer([*task_counts.values(), *item_counts.values()])
    units, member_kinds = _task_units(session, [t.id for t in tasks])
    candidates = [
        _Candidate(
            task=t,
            section_title=sections.get(t.section_id, "") if t.section_id else "",
            grams=scorer.weights(task_counts[t.id]),
            units=units.get(t.id, []),
            members_kinds=member_kinds.get(t.id, set()),
        )
        for t in tasks
    ]
    names = _unit_names(session, {d for c in candidates for d, _n, _k in c.units})
    out: list[LinkProposal] = []
    for item in scored:
        weights = scorer.weights(item_counts[item.id])
        text = f"{item.title}{item.rule or ''}"
        found: list[tuple[float, int, LinkProposal]] = []
        for order, c in enumerate(candidates):
            score = scorer.coverage(weights, c.grams)
            notes: list[str] = []
            named = [
                n
                for dep_id, _name, _kind in c.units
                for n in names.get(dep_id, [])[:1]
                if any(alias in text for alias in names.get(dep_id, []))
            ]
            if named:
                score += NAMED_UNIT_BONUS
                notes.append(f"承担单位：{'、'.join(named)}")
            if not _suits(assessment.kind, c):
                score *= KIND_FACTOR
                notes.append(f"没有{assessment.kind}承担")
            score = round(min(score, 1.0), 3)
            if score < MIN_SIMILARITY:
                continue
            phrases = _shared_phrases(item.title, c.grams, scorer.idf)
            reason = "文字相近：" + "、".join(phrases) if phrases else "文字部分相近"
            reason = "；".join([reason, *notes])
            found.append(
                (
                    -score,
                    order,
                    LinkProposal(
                        item_id=item.id,
                        task_id=c.task.id,
                        similarity=score,
                        reason=reason,
                        item_label=_item_label(item, paths[item.id]),
                        task_label=f"{c.task.label}{_short(c.task.title, 40)}",
                        item_path=paths[item.id],
                        task_number=c.task.label,
                        plan_id=c.task.plan_id,
                    ),
                )
            )
        found.sort(key=lambda f: (f[0], f[1]))
        if found:
            floor = -found[0][0] * RELATIVE_CUTOFF
            out.extend(p for _s, _o, p in found if p.similarity >= floor)
    return out


# --- storing --------------------------------------------------------------------------


def auto_link(
    db: Database,
    assessment_id: int,
    *,
    user: str,
    threshold: float = AUTO_THRESHOLD,
    plan_id: int | None = None,
) -> AutoLinkResult:
    """Store the proposals in one transaction: at or above ``threshold`` (the best
    ``ACCEPTED_PER_ITEM`` of an item) as confirmed links, the best ``PROPOSALS_PER_ITEM``
    of the rest as proposals; confirmed and removed links stay as they are (see the
    module's rules).  One audit entry when anything changed."""
    if not 0.0 < threshold <= 1.0:
        raise UserError(f"自动确认的相似度应在 0 到 1 之间（如 0.5），而不是 {threshold}。")
    with db.session() as session:
        assessment = assessment_row(session, assessment_id)
        proposals = propose_links(session, assessment_id, plan_id=plan_id)
        item_ids = [i.id for i in assessment_items(session, assessment_id)]
        stored = {
            (link.item_id, link.task_id): link
            for link in session.scalars(
                select(AssessmentLink).where(AssessmentLink.item_id.in_(item_ids))
            )
        }
        by_item: dict[int, list[LinkProposal]] = {}
        for p in proposals:
            by_item.setdefault(p.item_id, []).append(p)
        result = AutoLinkResult(accepted=[], pending=[], threshold=threshold)
        wanted: set[tuple[int, int]] = set()
        added: list[dict] = []
        for item_id, found in by_item.items():
            free = [p for p in found if not _removed(stored.get((item_id, p.task_id)))]
            result.skipped_removed += len(found) - len(free)
            accept = [p for p in free if p.similarity >= threshold][:ACCEPTED_PER_ITEM]
            rest = [p for p in free if p not in accept][:PROPOSALS_PER_ITEM]
            for p in accept:
                key = (item_id, p.task_id)
                wanted.add(key)
                link = stored.get(key)
                if link is None:
                    _add_link(session, item_id, p, confirmed=True, user=user)
                    result.confirmed_now += 1
                    added.append(_detail(p, confirmed=True))
                elif not link.confirmed:
                    link.confirmed = True
                    link.similarity = p.similarity
                    result.confirmed_now += 1
                    added.append(_detail(p, confirmed=True))
                result.accepted.append(p)
            for p in rest:
                key = (item_id, p.task_id)
                link = stored.get(key)
                if link is not None and link.confirmed:
                    continue  # the clerk's (or an earlier run's) link stays as it is
                wanted.add(key)
                result.pending.append(p)
                if link is None:
                    _add_link(session, item_id, p, confirmed=False, user=user)
                    result.proposed_now += 1
                    added.append(_detail(p, confirmed=False))
                elif link.similarity != p.similarity:
                    link.similarity = p.similarity
        dropped = []
        for key, link in stored.items():
            if not link.confirmed and link.similarity is not None and key not in wanted:
                session.delete(link)
                dropped.append({"item_id": key[0], "task_id": key[1]})
        result.dropped = len(dropped)
        if added or dropped:
            result.changes = ASSESSMENTS
            summary = (
                f"自动关联考核细则《{assessment.title}》的项目与台账任务："
                f"确认 {result.confirmed_now} 项关联，待确认建议 {len(result.pending)} 项"
            )
            audit.record(
                session,
                user=user,
                action="assessment.link_auto",
                entity="assessment",
                entity_id=assessment.id,
                summary=summary,
                detail={
                    "threshold": threshold,
                    "plan_id": plan_id,
                    "added": added,
                    "dropped": dropped,
                    "skipped_removed": result.skipped_removed,
                },
            )
        return result


def _removed(link: AssessmentLink | None) -> bool:
    return link is not None and is_rejected(link)


def _add_link(
    session: Session, item_id: int, proposal: LinkProposal, *, confirmed: bool, user: str
) -> None:
    """A new link of ``auto_link``: confirmed at or above the threshold, else 待确认."""
    session.add(
        AssessmentLink(
            item_id=item_id,
            task_id=proposal.task_id,
            similarity=proposal.similarity,
            confirmed=confirmed,
            created_by=user,
        )
    )


def _detail(p: LinkProposal, *, confirmed: bool) -> dict:
    return {
        "item_id": p.item_id,
        "task_id": p.task_id,
        "similarity": p.similarity,
        "confirmed": confirmed,
    }


def _pair(session: Session, item_id: int, task_id: int) -> tuple[AssessmentItem, Task, str]:
    item = session.get(AssessmentItem, item_id)
    if item is None:
        raise UserError(f"没有编号为 {item_id} 的考核项目。")
    task = session.get(Task, task_id)
    if task is None:
        raise UserError(f"没有编号为 {task_id} 的任务，可能已随方案删除。")
    path = item_paths(assessment_items(session, item.assessment_id))[item.id]
    return (
        item,
        task,
        f"考核项目 {path}“{_short(item.title)}”与任务{task.label}“{_short(task.title)}”",
    )


def _change(db: Database, item_id: int, task_id: int, *, user: str, action: str) -> LinkChange:
    with db.session() as session:
        item, _task, names = _pair(session, item_id, task_id)
        link = session.scalar(
            select(AssessmentLink).where(
                AssessmentLink.item_id == item_id, AssessmentLink.task_id == task_id
            )
        )
        before = (
            None if link is None else {"confirmed": link.confirmed, "similarity": link.similarity}
        )
        if action == "confirm":
            if link is None or is_rejected(link):
                raise UserError(f"{names}没有待确认的关联建议；要关联它们，请添加关联。")
            if link.confirmed:
                return LinkChange(item_id, task_id, False, True, f"{names}已经关联。")
            link.confirmed = True
            summary, code = f"确认{names}的关联", "assessment.link_confirm"
        elif action == "add":
            if link is not None and link.confirmed:
                return LinkChange(item_id, task_id, False, True, f"{names}已经关联。")
            if link is None:
                session.add(
                    AssessmentLink(
                        item_id=item_id, task_id=task_id, confirmed=True, created_by=user
                    )
                )
            else:
                link.confirmed = True
            summary, code = f"关联{names}", "assessment.link_add"
        else:
            if link is None or is_rejected(link):
                return LinkChange(item_id, task_id, False, False, f"{names}没有关联。")
            # Kept as a removed link so that auto_link does not propose it again.
            link.confirmed = False
            link.similarity = None
            summary, code = f"取消{names}的关联", "assessment.link_remove"
        session.flush()
        audit.record(
            session,
            user=user,
            action=code,
            entity="assessment",
            entity_id=item.assessment_id,
            summary=summary,
            detail={"item_id": item_id, "task_id": task_id, "before": before},
        )
        return LinkChange(
            item_id, task_id, True, action != "remove", summary + "。", changes=ASSESSMENTS
        )


def confirm_link(db: Database, item_id: int, task_id: int, *, user: str) -> LinkChange:
    """Confirm a stored proposal; ``UserError`` when there is none."""
    return _change(db, item_id, task_id, user=user, action="confirm")


def add_link(db: Database, item_id: int, task_id: int, *, user: str) -> LinkChange:
    """Link the item to the task by hand (confirmed; a removed link comes back)."""
    return _change(db, item_id, task_id, user=user, action="add")


def remove_link(db: Database, item_id: int, task_id: int, *, user: str) -> LinkChange:
    """Remove a link or a proposal; it is remembered and never proposed again."""
    return _change(db, item_id, task_id, user=user, action="remove")


# --- reading --------------------------------------------------------------------------


def item_links(session: Session, assessment_id: int) -> dict[int, list[LinkedTask]]:
    """Item id → its linked tasks, confirmed first, then by similarity (removed links
    are left out); every item of the 细则 is a key."""
    assessment_row(session, assessment_id)
    items = assessment_items(session, assessment_id)
    out: dict[int, list[LinkedTask]] = {i.id: [] for i in items}
    rows = session.execute(
        select(AssessmentLink, Task.label, Task.title, Task.plan_id, Plan.title)
        .join(Task, Task.id == AssessmentLink.task_id)
        .join(Plan, Plan.id == Task.plan_id)
        .where(AssessmentLink.item_id.in_(list(out)))
        .order_by(Task.plan_id, Task.position, Task.id)
    ).all()
    for link, label, title, plan_id, plan_title in rows:
        if is_rejected(link):
            continue
        out[link.item_id].append(
            LinkedTask(
                link_id=link.id,
                task_id=link.task_id,
                confirmed=link.confirmed,
                similarity=link.similarity,
                number=label,
                title=title,
                plan_id=plan_id,
                plan_title=plan_title,
                created_by=link.created_by,
                created_at=link.created_at,
            )
        )
    for tasks in out.values():
        tasks.sort(key=lambda t: (not t.confirmed, -(t.similarity or 2.0)))
    return out


def _year_periods(
    session: Session, plan_ids: set[int], year: int
) -> dict[int, list[ReportingPeriod]]:
    out: dict[int, list[ReportingPeriod]] = {}
    if not plan_ids:
        return out
    for p in session.scalars(
        select(ReportingPeriod)
        .where(ReportingPeriod.plan_id.in_(plan_ids))
        .order_by(ReportingPeriod.due_date, ReportingPeriod.position, ReportingPeriod.id)
    ):
        if (p.year or p.due_date.year) == year:
            out.setdefault(p.plan_id, []).append(p)
    return out


def item_records(
    session: Session,
    assessment_id: int,
    *,
    department_id: int | None = None,
    today: dt.date | None = None,
) -> list[ItemRecord]:
    """Every item of the 细则 in order with what the year's ledger says for it (see the
    module's rules); with ``department_id`` only that unit's part (its tasks, its
    answers, its evidence).  A fixed number of queries, plus ``year_targets`` per plan."""
    from foodsafety_desktop.core.dates import local_date
    from foodsafety_desktop.core.services.overview import year_targets

    today = today or dt.date.today()
    assessment = assessment_row(session, assessment_id)
    items = assessment_items(session, assessment_id)
    paths = item_paths(items)
    links = item_links(session, assessment_id)
    confirmed = {i: [t for t in ts if t.confirmed] for i, ts in links.items()}
    task_ids = sorted({t.task_id for ts in confirmed.values() for t in ts})
    plan_ids = {t.plan_id for ts in confirmed.values() for t in ts}
    periods = _year_periods(session, plan_ids, assessment.year)

    # Units holding each task: (department, role, via group), a group by its members.
    members: dict[int, list[int]] = {}
    for group_id, member_id in session.execute(
        select(GroupMember.group_id, GroupMember.member_id).order_by(GroupMember.id)
    ):
        members.setdefault(group_id, []).append(member_id)
    names = dict(session.execute(select(Department.id, Department.name)).all())
    kinds = dict(session.execute(select(Department.id, Department.kind)).all())
    holders: dict[int, list[tuple[int, str, str | None]]] = {}
    for task_id, dep_id, role in session.execute(
        select(Assignment.task_id, Assignment.department_id, Assignment.role)
        .where(Assignment.task_id.in_(task_ids))
        .order_by(Assignment.task_id, Assignment.position, Assignment.id)
    ):
        lines = holders.setdefault(task_id, [])
        expanded = (
            [(m, names.get(dep_id)) for m in members.get(dep_id, [])]
            if kinds.get(dep_id) == KIND_GROUP and members.get(dep_id)
            else [(dep_id, None)]
        )
        for unit_id, via in expanded:
            known = next((i for i, line in enumerate(lines) if line[0] == unit_id), None)
            if known is None:
                lines.append((unit_id, role, via))
            elif role == ROLE_LEAD and lines[known][1] != ROLE_LEAD:
                lines[known] = (unit_id, role, via)
    if department_id is not None:
        holders = {t: [h for h in hs if h[0] == department_id] for t, hs in holders.items()}

    # The units' submissions of the year's periods and their rows for the linked tasks.
    period_ids = [p.id for ps in periods.values() for p in ps]
    unit_ids = {h[0] for hs in holders.values() for h in hs}
    current: dict[tuple[int, int], Submission] = {}
    all_submissions: dict[int, list[int]] = {}  # department → submission ids (history too)
    history: History = {}
    if period_ids and unit_ids:
        for sub in session.scalars(
            select(Submission)
            .where(Submission.period_id.in_(period_ids), Submission.department_id.in_(unit_ids))
            .order_by(Submission.received_at, Submission.id)
        ):
            all_submissions.setdefault(sub.department_id, []).append(sub.id)
            history[sub.id] = (sub.received_at, sub.replaced_submission_id, sub.returned_at)
            if sub.is_current:
                current[(sub.department_id, sub.period_id)] = sub
    entries: dict[tuple[int, int], list[SubmissionEntry]] = {}  # (submission, task) → rows
    indicator_texts: dict[int, str] = {}
    if current and task_ids:
        from foodsafety_desktop.core.storage.models import Indicator

        for entry in session.scalars(
            select(SubmissionEntry)
            .where(
                SubmissionEntry.submission_id.in_([s.id for s in current.values()]),
                SubmissionEntry.task_id.in_(task_ids),
            )
            .order_by(SubmissionEntry.id)
        ):
            entries.setdefault((entry.submission_id, entry.task_id), []).append(entry)
        indicator_texts = dict(
            session.execute(
                select(Indicator.id, Indicator.text).where(Indicator.task_id.in_(task_ids))
            ).all()
        )

    # Evidence of the items, the tasks and the units' submissions.
    submission_ids = {s for subs in all_submissions.values() for s in subs}
    conditions = [Evidence.item_id.in_([i.id for i in items])]
    if task_ids:
        conditions.append(Evidence.task_id.in_(task_ids))
    if submission_ids:
        conditions.append(Evidence.submission_id.in_(submission_ids))
    evidence = list(
        session.execute(
            select(
                Evidence.id,
                Evidence.item_id,
                Evidence.task_id,
                Evidence.submission_id,
                Evidence.department_id,
            )
            .where(or_(*conditions))
            .order_by(Evidence.id)
        ).all()
    )
    if department_id is not None:
        own = set(all_submissions.get(department_id, []))
        evidence = [
            e
            for e in evidence
            if e.department_id in (None, department_id)
            and (e.submission_id is None or e.submission_id in own)
        ]

    # Targets of the year, per plan, as of its last period of the year.
    targets: dict[int, list[TargetProgress]] = {}
    for plan_id, ps in periods.items():
        for target in year_targets(session, plan_id, ps[-1].id):
            targets.setdefault(target.task_id, []).append(target)

    def unit_record(task: LinkedTask, unit_id: int, role: str, via: str | None) -> UnitRecord:
        if kinds.get(unit_id) == KIND_GROUP:
            return UnitRecord(
                unit_id, names.get(unit_id, ""), role, None, [], group_without_members=True
            )
        lines = []
        for p in periods.get(task.plan_id, []):
            sub = current.get((unit_id, p.id))
            if sub is None:
                state = STATE_MISSING if today > p.due_date else STATE_PENDING
                lines.append(UnitPeriod(p.id, p.name, p.due_date, state))
                continue
            rows = entries.get((sub.id, task.task_id), [])
            counted = counted_receipt(sub.received_at, sub.replaced_submission_id, history)
            state = STATE_LATE if local_date(counted) > p.due_date else STATE_ON_TIME
            measures = next((r.measures for r in rows if (r.measures or "").strip()), None)
            values = [
                (indicator_texts.get(r.indicator_id, ""), r.value_text or "")
                for r in rows
                if r.indicator_id is not None and (r.value_text or r.value is not None)
            ]
            lines.append(
                UnitPeriod(
                    p.id,
                    p.name,
                    p.due_date,
                    state,
                    submission_id=sub.id,
                    received_at=sub.received_at,
                    returned=sub.returned_at is not None,
                    status=combine_statuses(r.status for r in rows),
                    measures=measures,
                    values=values,
                    listed_evidence="；".join(
                        dict.fromkeys(
                            text
                            for r in rows
                            if (text := re.sub(r"\s+", " ", r.evidence or "").strip())
                        )
                    )
                    or None,
                )
            )
        own = set(all_submissions.get(unit_id, []))
        ids = [
            e.id
            for e in evidence
            if (e.submission_id in own)
            or (e.task_id == task.task_id and e.department_id == unit_id)
        ]
        return UnitRecord(unit_id, names.get(unit_id, ""), role, via, lines, ids)

    out = []
    for item in items:
        records = []
        for task in confirmed.get(item.id, []):
            units = [unit_record(task, *h) for h in holders.get(task.task_id, [])]
            if department_id is not None and not units:
                continue  # the unit's part: tasks it does not hold are not its part
            unit_subs = {s for u in units for s in all_submissions.get(u.department_id, [])}
            ids = [
                e.id
                for e in evidence
                if e.task_id == task.task_id
                or (e.submission_id in unit_subs and e.task_id in (None, task.task_id))
            ]
            records.append(
                TaskRecord(
                    task_id=task.task_id,
                    number=task.number,
                    title=task.title,
                    plan_id=task.plan_id,
                    plan_title=task.plan_title,
                    similarity=task.similarity,
                    units=units,
                    targets=targets.get(task.task_id, []),
                    evidence_ids=ids,
                )
            )
        ids = sorted(
            {e.id for e in evidence if e.item_id == item.id}
            | {i for r in records for i in r.evidence_ids}
        )
        out.append(
            ItemRecord(
                item_id=item.id,
                parent_id=item.parent_id,
                level=item.level,
                path=paths[item.id],
                number=item.number,
                title=item.title,
                points=item.points,
                bonus=item.bonus,
                deduction=item.deduction,
                rule=item.rule,
                evidence_required=item.evidence,
                tasks=records,
                evidence_ids=ids,
                pending=sum(1 for t in links.get(item.id, []) if not t.confirmed),
            )
        )
    return out


def item_record_html(
    session: Session,
    assessment_id: int,
    item_id: int,
    *,
    department_id: int | None = None,
    today: dt.date | None = None,
) -> str:
    """One item's record (``item_records``) as simple HTML for a text view: its tasks,
    their targets and a table of the units' answers over the year."""
    records = item_records(session, assessment_id, department_id=department_id, today=today)
    if not any(r.item_id == item_id for r in records):
        raise UserError(f"考核细则（编号 {assessment_id}）里没有编号为 {item_id} 的项目。")
    return record_html(records, item_id)


def record_html(records: list[ItemRecord], item_id: int) -> str:
    """The HTML of ``item_record_html`` from records already read (``item_records``):
    a window that holds them renders each item without reading the year again."""
    from html import escape

    record = next(r for r in records if r.item_id == item_id)
    parts = [f"<p><b>{escape(record.path)} {escape(record.title)}</b></p>"]
    children = [r for r in records if r.parent_id == record.item_id]
    if children:
        linked = sum(1 for r in children if r.tasks)
        parts.append(f"<p>下设 {len(children)} 项，其中 {linked} 项已关联台账任务。</p>")
        return "".join(parts)
    parts.append(
        f"<p>报送：按时 {record.on_time} 次、逾期 {record.late} 次、未报 {record.missing} 次；"
        f"佐证材料 {record.evidence_count} 份"
        + (f"；待确认的关联建议 {record.pending} 项" if record.pending else "")
        + "。</p>"
    )
    if not record.tasks:
        parts.append("<p>还没有确认关联的台账任务。</p>")
    for task in record.tasks:
        parts.append(f"<p><b>任务 {escape(task.label)}</b>（{escape(task.plan_title)}）</p>")
        for g in task.targets:
            ytd = g.year_to_date_text or "未报"
            parts.append(
                f"<p>指标：{escape(g.text)}，目标 {escape(g.target_text)}，"
                f"累计 {escape(ytd)}，{escape(g.verdict)}</p>"
            )
        rows = [
            "<tr><th>单位</th><th>承担</th><th>按时/逾期/未报</th><th>最近一期</th>"
            "<th>完成情况</th><th>主要措施</th><th>完成值</th><th>已附佐证（份）</th>"
            "<th>报送表所列佐证材料</th></tr>"
        ]
        for u in task.units:
            role = u.role + (f"（{u.via_group}）" if u.via_group else "")
            if u.group_without_members:
                rows.append(
                    f"<tr><td>{escape(u.name)}</td><td>{escape(role)}</td>"
                    '<td colspan="7">单位组还没有成员，无人报送</td></tr>'
                )
                continue
            latest = u.latest
            values = "；".join(f"{i} {v}" for i, v in latest.values) if latest else ""
            rows.append(
                "<tr>"
                + "".join(
                    f"<td>{escape(str(cell))}</td>"
                    for cell in (
                        u.name,
                        role,
                        f"{u.on_time}/{u.late}/{u.missing}",
                        latest.period_name if latest else "未报送",
                        (latest.status or "") if latest else "",
                        latest.excerpt if latest else "",
                        values,
                        len(u.evidence_ids),
                        u.listed_evidence_text,
                    )
                )
                + "</tr>"
            )
        parts.append(
            '<table border="1" cellspacing="0" cellpadding="3">' + "".join(rows) + "</table>"
        )
    return "".join(parts)
