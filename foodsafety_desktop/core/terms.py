"""The ledger's words: department roles, department kinds and task statuses.

Stored values are Chinese where the clerk sees them as they are (牵头, 已完成); kinds are
stored as codes with Chinese labels.  A module of its own so the GUI and the command line
can use them without importing the database schema.
"""

from __future__ import annotations

from collections.abc import Iterable

# Roles of a department in a task (assignment.role).
ROLE_LEAD = "牵头"
ROLE_RESPONSIBLE = "责任"
ROLE_COOPERATING = "配合"
ROLES = (ROLE_LEAD, ROLE_RESPONSIBLE, ROLE_COOPERATING)

# Department kinds (department.kind).
KIND_DEPARTMENT = "department"
KIND_TOWNSHIP = "township"
KIND_GROUP = "group"
KIND_LABELS = {KIND_DEPARTMENT: "部门", KIND_TOWNSHIP: "乡镇/街道", KIND_GROUP: "单位组"}

# Task progress status (task.status); the same set is used by department submissions.
STATUS_NOT_STARTED = "未启动"
STATUS_ON_SCHEDULE = "序时推进"
STATUS_DONE = "已完成"
STATUS_BEHIND = "滞后"
STATUSES = (STATUS_NOT_STARTED, STATUS_ON_SCHEDULE, STATUS_DONE, STATUS_BEHIND)


def combine_statuses(statuses: Iterable[str | None]) -> str | None:
    """One department's status of a task from its rows (items, indicators): all 已完成 →
    已完成, any 滞后 → 滞后, any progress → 序时推进, else 未启动; None when no row says."""
    present = [s for s in statuses if s]
    if not present:
        return None
    if all(s == STATUS_DONE for s in present):
        return STATUS_DONE
    if STATUS_BEHIND in present:
        return STATUS_BEHIND
    if any(s in (STATUS_ON_SCHEDULE, STATUS_DONE) for s in present):
        return STATUS_ON_SCHEDULE
    return STATUS_NOT_STARTED
