"""What a write changed, so that every open window refreshes exactly what it shows.

Modelled on Anki's ``OpChanges``: a core use case returns (in its result) or is
declared with a ``ChangeSet``; the GUI hands it to every open window through one signal,
and a window re-reads its data only when a kind of data it shows was touched.  A change
made by another process (the command line, a second clerk) is noticed through
``audit.last_entry_id``: every write records an audit entry.
"""

from __future__ import annotations

from dataclasses import dataclass, fields


@dataclass(frozen=True)
class ChangeSet:
    """Which kinds of data a write touched."""

    plans: bool = False
    tasks: bool = False
    departments: bool = False
    periods: bool = False
    submissions: bool = False
    summaries: bool = False
    assessments: bool = False  # 考核细则, links, 自评, scores
    evidence: bool = False  # 佐证材料 files

    def __or__(self, other: ChangeSet) -> ChangeSet:
        merged = {f.name: getattr(self, f.name) or getattr(other, f.name) for f in fields(self)}
        return ChangeSet(**merged)

    def __bool__(self) -> bool:
        return any(getattr(self, f.name) for f in fields(self))

    def touches(self, *kinds: str) -> bool:
        """Whether any of ``kinds`` ("tasks", "submissions" …) changed."""
        return any(getattr(self, kind) for kind in kinds)


NOTHING = ChangeSet()
EVERYTHING = ChangeSet(**{f.name: True for f in fields(ChangeSet)})
PLAN_IMPORTED = ChangeSet(plans=True, tasks=True, departments=True)
TASKS = ChangeSet(tasks=True)
DEPARTMENTS = ChangeSet(departments=True, tasks=True)  # a merge moves assignments
SUBMISSIONS = ChangeSet(submissions=True, tasks=True)  # a submission sets task status
PERIODS = ChangeSet(periods=True)
SUMMARIES = ChangeSet(summaries=True)
ASSESSMENTS = ChangeSet(assessments=True)
EVIDENCE = ChangeSet(evidence=True)
