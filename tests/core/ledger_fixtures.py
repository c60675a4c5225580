"""A small ledger database built from ORM objects, for the ledger and export tests.

Import the fixtures into a test module (``from .ledger_fixtures import ledger_db_fixture,
sample_fixture``); the fixtures are named ``ledger_db`` and ``sample``.  They live here
rather than in ``conftest.py`` so that other engineers' fixtures stay separate.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from foodsafety_desktop.core.storage import models
from foodsafety_desktop.core.storage.database import Database, open_database
from foodsafety_desktop.core.storage.models import (
    Assignment,
    Department,
    GroupMember,
    Indicator,
    Plan,
    Section,
    Task,
)

TODAY = dt.date(2024, 7, 1)  # fixed "today" for overdue checks


@dataclass
class LedgerIds:
    """Ids of the objects in the sample ledger."""

    plan: int
    other_plan: int
    sections: dict[str, int]  # "main", "one", "two"
    departments: dict[str, int]  # name -> id
    tasks: dict[str, int]  # "t1".."t4", "other"


def build_sample(db: Database) -> LedgerIds:
    """Two plans; the first has sections 三、/（一）/（二） and four tasks.

    t1 县市场监管局 牵头, 县农业农村局 责任, 县教育局 配合; due 2024-06-30, 未启动 (overdue)
    t2 各乡镇 (group with 城关镇) 牵头; due 2024-12-31, 序时推进, progress with "50%"
    t3 县农业农村局 牵头, 县市场监管局 责任; due 2024-03-31, 已完成 (not overdue)
    t4 县教育局 牵头, 城关镇 + 县市场监管局 (twice) 责任; no deadline; "=SUM(A1)" progress
    """
    with db.session() as s:
        names = ["县市场监管局", "县农业农村局", "县教育局", "城关镇", "各乡镇", "县卫健委"]
        kinds = {"城关镇": models.KIND_TOWNSHIP, "各乡镇": models.KIND_GROUP}
        depts = {n: Department(name=n, kind=kinds.get(n, models.KIND_DEPARTMENT)) for n in names}
        s.add_all(depts.values())
        s.flush()
        s.add(GroupMember(group_id=depts["各乡镇"].id, member_id=depts["城关镇"].id))

        plan = Plan(
            title="某县2024年食品安全工作要点",
            doc_number="某食安办〔2024〕1号",
            issued_on=dt.date(2024, 2, 1),
            year_start=2024,
            year_end=2024,
        )
        s.add(plan)
        s.flush()
        main = Section(plan_id=plan.id, label="三、", title="主要任务", level=1, position=1)
        s.add(main)
        s.flush()
        one = Section(
            plan_id=plan.id,
            parent_id=main.id,
            label="（一）",
            title="落实监管责任",
            level=2,
            position=2,
        )
        two = Section(
            plan_id=plan.id,
            parent_id=main.id,
            label="（二）",
            title="强化风险防控",
            level=2,
            position=3,
        )
        s.add_all([one, two])
        s.flush()

        def task(
            position,
            section,
            label,
            title,
            text,
            deadline=None,
            deadline_text=None,
            status=models.STATUS_NOT_STARTED,
            progress=None,
            plan_id=plan.id,
        ):
            t = Task(
                plan_id=plan_id,
                section_id=section.id if section else None,
                position=position,
                label=label,
                title=title,
                text=text,
                deadline=deadline,
                deadline_text=deadline_text,
                status=status,
                progress=progress,
            )
            s.add(t)
            s.flush()
            return t

        def assign(t, name, role, position):
            s.add(
                Assignment(
                    task_id=t.id,
                    department_id=depts[name].id,
                    role=role,
                    written_name=name,
                    position=position,
                )
            )

        t1 = task(
            1,
            one,
            "1.",
            "落实企业主体责任",
            "推动HACCP体系认证，抽检覆盖率达到100%。",
            dt.date(2024, 6, 30),
            "2024年6月底前",
        )
        assign(t1, "县市场监管局", models.ROLE_LEAD, 0)
        assign(t1, "县农业农村局", models.ROLE_RESPONSIBLE, 1)
        assign(t1, "县教育局", models.ROLE_COOPERATING, 2)
        s.add(
            Indicator(
                task_id=t1.id,
                position=0,
                text="抽检覆盖率达到100%",
                comparison="≥",
                value=100.0,
                unit="%",
            )
        )

        t2 = task(
            2,
            one,
            "2.",
            "压实属地管理责任",
            "各乡镇落实包保督导。",
            dt.date(2024, 12, 31),
            None,
            models.STATUS_ON_SCHEDULE,
            "已完成50%的排查",
        )
        assign(t2, "各乡镇", models.ROLE_LEAD, 0)

        t3 = task(
            3,
            two,
            "3.",
            "开展农药残留专项整治",
            "整治农药残留超标问题。",
            dt.date(2024, 3, 31),
            "2024年3月",
            models.STATUS_DONE,
        )
        assign(t3, "县农业农村局", models.ROLE_LEAD, 0)
        assign(t3, "县市场监管局", models.ROLE_RESPONSIBLE, 1)

        t4 = task(4, two, "4.", "校园食品安全守护行动", "落实A_B双重管理。", progress="=SUM(A1:A3)")
        assign(t4, "县教育局", models.ROLE_LEAD, 0)
        assign(t4, "城关镇", models.ROLE_RESPONSIBLE, 1)
        assign(t4, "县市场监管局", models.ROLE_RESPONSIBLE, 2)
        assign(t4, "县市场监管局", models.ROLE_COOPERATING, 3)

        other = Plan(title="另一个方案", year_start=2023, year_end=2023)
        s.add(other)
        s.flush()
        t5 = task(
            1, None, "（一）", "其他方案的任务", "内容", dt.date(2024, 1, 31), plan_id=other.id
        )
        assign(t5, "县卫健委", models.ROLE_LEAD, 0)

        return LedgerIds(
            plan=plan.id,
            other_plan=other.id,
            sections={"main": main.id, "one": one.id, "two": two.id},
            departments={n: d.id for n, d in depts.items()},
            tasks={"t1": t1.id, "t2": t2.id, "t3": t3.id, "t4": t4.id, "other": t5.id},
        )


@pytest.fixture(name="ledger_db")
def ledger_db_fixture(tmp_path) -> Database:
    db = open_database(tmp_path / "ledger.sqlite3")
    yield db
    db.close()


@pytest.fixture(name="sample")
def sample_fixture(ledger_db) -> LedgerIds:
    return build_sample(ledger_db)
