"""Who reports on a plan (应报单位): the one rule templates, tracking, 催报 and the
工作总结 counts follow.

A unit reports when it holds a task of the plan, directly or as a member of a group.
A group (各乡镇政府, 区食安委各成员单位 …) never reports itself: its members do, each
for the group's tasks as well as its own; a group without members yet makes nobody
report its tasks and is named in ``warnings`` until the clerk gives it members.  The
office running the ledger (食安办) is left out unless the clerk includes it
(``settings.office_reports``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from foodsafety_desktop.core.names import is_office_name, prefixed
from foodsafety_desktop.core.services.settings import (
    OFFICE_NAME,
    get_setting,
    office_department,
    office_reports,
)
from foodsafety_desktop.core.storage.models import (
    KIND_GROUP,
    Assignment,
    Department,
    GroupMember,
    Plan,
    ReportingRule,
    Task,
)

# "向县政府食安办报送", "报送至区食安办": the body a plan's reports go to.
_RECIPIENT = re.compile(
    r"向([\u4e00-\u9fff（）()]{2,40}?)(?:逐条|书面|及时|按时|分别)?(?:报送|报告|上报|提交|汇报)"
    r"|报送(?:至|到)([\u4e00-\u9fff（）()]{2,40}?)(?=[，。；、,;\s]|$)"
)
_NAME_SEPARATORS = re.compile(r"[、，,]|和|及")


@dataclass(frozen=True)
class GroupWithoutMembers:
    """A group holding tasks of the plan that has no members yet."""

    id: int
    name: str
    task_count: int  # tasks of the plan it holds


@dataclass
class ReportingUnits:
    """The plan's reporting units and what the clerk should know about the others."""

    plan_id: int
    # Who gets a template, is tracked, reminded and counted: ordered by the first task
    # they hold (a group's members at the group's place), then by name.
    departments: list[Department] = field(default_factory=list)
    groups_without_members: list[GroupWithoutMembers] = field(default_factory=list)
    offices: list[Department] = field(default_factory=list)  # the office, holding tasks
    office_included: bool = False  # the clerk counts the office as a reporting unit

    @property
    def ids(self) -> set[int]:
        return {d.id for d in self.departments}

    def reports(self, department_id: int) -> bool:
        return department_id in self.ids

    @property
    def warnings(self) -> list[str]:
        """Chinese sentences for the template generation and the status views."""
        out = [
            f"单位组“{g.name}”承担{g.task_count}项任务，还没有指定成员单位，这些任务暂无单位报送；"
            "请在“部门管理”中为它勾选成员单位。"
            for g in self.groups_without_members
        ]
        if self.offices and not self.office_included:
            names = "、".join(d.name for d in self.offices)
            out.append(
                f"{names}是食安办本身，不生成报送表，不催报，不计入未报；"
                "需要它填报的，请在设置中改为报送。"
            )
        return out


def reporting_units(session: Session, plan_id: int) -> ReportingUnits:
    """The reporting units of the plan (the same for each of its periods)."""
    rows = session.execute(
        select(Assignment.department_id, Assignment.task_id, Task.position)
        .join(Task, Task.id == Assignment.task_id)
        .where(Task.plan_id == plan_id)
        .order_by(Task.position, Assignment.position, Assignment.id)
    ).all()
    first: dict[int, int] = {}
    tasks_of: dict[int, set[int]] = {}
    for department_id, task_id, position in rows:
        first.setdefault(department_id, position)
        tasks_of.setdefault(department_id, set()).add(task_id)
    members: dict[int, list[int]] = {}
    for group_id, member_id in session.execute(
        select(GroupMember.group_id, GroupMember.member_id)
        .where(GroupMember.group_id.in_(list(first)))
        .order_by(GroupMember.id)
    ):
        members.setdefault(group_id, []).append(member_id)
    known = _departments(session, {*first, *(m for ms in members.values() for m in ms)})

    units = ReportingUnits(plan_id=plan_id, office_included=office_reports(session))
    order: dict[int, int] = {}
    for department_id, position in first.items():
        department = known.get(department_id)
        if department is None:
            continue
        if department.kind == KIND_GROUP:
            held = members.get(department_id, [])
            if not held:
                units.groups_without_members.append(
                    GroupWithoutMembers(
                        department.id, department.name, len(tasks_of[department_id])
                    )
                )
            for member_id in held:
                if member_id in known:
                    order[member_id] = min(order.get(member_id, position), position)
        else:
            order[department_id] = min(order.get(department_id, position), position)

    offices = office_ids(session, plan_id, [known[i] for i in order])
    candidates = sorted((known[i] for i in order), key=lambda d: (order[d.id], d.name))
    units.offices = [d for d in candidates if d.id in offices]
    units.departments = [d for d in candidates if units.office_included or d.id not in offices]
    return units


def office_ids(session: Session, plan_id: int, candidates: list[Department]) -> set[int]:
    """Which of ``candidates`` (units of the plan) are the office that runs the ledger.

    The office is the department the clerk named (``settings.office_department``), a
    unit whose name is the office's (区食安办, 县政府食安办, 区管委会食品安全委员会办公室,
    or the office name of the settings), and the plan's own word for it: its issuer or
    the body its reports go to ("向县政府食安办报送") when that is an office (…办,
    …办公室) and one of the units, as written or with the plan's 县/区/市 in front.
    """
    chosen = office_department(session)
    office_name = get_setting(session, OFFICE_NAME)
    plan = session.get(Plan, plan_id)
    named: set[str] = set()
    if plan is not None:
        texts = session.scalars(select(ReportingRule.text).where(ReportingRule.plan_id == plan_id))
        for name in (plan.issuer, *report_recipients(" ".join(texts))):
            if name and (is_office_name(name) or name.endswith(("办", "办公室"))):
                named.add(name)
                with_place = prefixed(name, plan.jurisdiction)
                if with_place:
                    named.add(with_place)
    found: set[int] = set()
    for department in candidates:
        if (
            department.name == chosen
            or department.name == office_name
            or department.name in named
            or is_office_name(department.name)
        ):
            found.add(department.id)
    return found


def report_recipients(text: str) -> list[str]:
    """The bodies a plan's text says reports go to: "向县政府食安办报送" → 县政府食安办."""
    found: list[str] = []
    for match in _RECIPIENT.finditer(text or ""):
        for name in _NAME_SEPARATORS.split(match.group(1) or match.group(2) or ""):
            name = name.strip()
            if len(name) >= 2 and name not in found:
                found.append(name)
    return found


def groups_without_members(session: Session, plan_id: int) -> list[GroupWithoutMembers]:
    """The plan's groups whose tasks nobody reports yet (for the import's question)."""
    return reporting_units(session, plan_id).groups_without_members


def _departments(session: Session, ids: set[int]) -> dict[int, Department]:
    if not ids:
        return {}
    return {d.id: d for d in session.scalars(select(Department).where(Department.id.in_(ids)))}
