"""A period with real submissions for the document tests (逐条报送表, 部门小结).

Seed 002 imported; Q3 answered by 县市场监管局 (every row) and 县卫健委 (two rows, one
with data, examples, problems and next steps), 县发改委 silent.  Every measures text
names its department and row, so a test can tell whose text landed where.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from foodsafety_desktop.core.excel import template_layout as layout
from foodsafety_desktop.core.reports.material import PeriodMaterial, gather_material
from foodsafety_desktop.core.services.collect import collect_files
from foodsafety_desktop.core.storage.database import Database
from foodsafety_desktop.core.storage.models import Submission, SubmissionEntry

from .collect_fixtures import USER, Scenario, build_scenario, data_rows, fill

FULL = "县市场监管局"
PARTIAL = "县卫健委"
SILENT = "县发改委"
NAMES = [FULL, PARTIAL, SILENT]


@dataclass
class Reported:
    """One submitted row as stored: whose, for which task, what it says."""

    department: str
    task_id: int
    status: str | None
    measures: str | None
    data: str | None
    examples: str | None
    problems: str | None
    next_steps: str | None


@dataclass
class Period:
    scenario: Scenario
    material: PeriodMaterial
    reported: list[Reported]


def measures_text(department: str) -> str:
    return department + "落实措施第{n}条，开展专项检查{n}次"


def build_period(db: Database, folder: Path) -> Period:
    sc = build_scenario(db, folder / "t", NAMES)
    out = folder / "r"
    first = data_rows(sc.templates[PARTIAL])[0]
    files = [
        fill(sc.templates[FULL], out / "full.xlsx", measures=measures_text(FULL)),
        fill(
            sc.templates[PARTIAL],
            out / "partial.xlsx",
            status="已完成",
            measures=measures_text(PARTIAL),
            only=2,
            edits={
                layout.cell("data", first): "县卫健委数据：监测样品120份",
                layout.cell("examples", first): "县卫健委典型案例：建立哨点医院",
                layout.cell("problems", first): "县卫健委问题：检测能力不足",
                layout.cell("next_steps", first): "县卫健委打算：新增监测点2个",
            },
        ),
    ]
    outcomes = collect_files(
        db, files, user=USER, received_at=dt.datetime(2022, 9, 20, 2), accept_warnings=True
    )
    assert all(o.accepted for o in outcomes), [o.as_dict() for o in outcomes]
    with db.session() as s:
        material = gather_material(s, sc.plan_id, sc.q3)
        reported = [
            Reported(
                sub.department.name,
                e.task_id,
                e.status,
                e.measures,
                e.data,
                e.examples,
                e.problems,
                e.next_steps,
            )
            for sub in s.scalars(
                select(Submission).where(
                    Submission.period_id == sc.q3, Submission.is_current.is_(True)
                )
            )
            for e in s.scalars(
                select(SubmissionEntry).where(SubmissionEntry.submission_id == sub.id)
            )
        ]
    return Period(sc, material, reported)
