"""A ledger database built from ORM objects for the GUI tests (no parser needed).

``build_ledger(db)`` makes one plan of 31 tasks under 一、/（一）（二）… headings, spread
over five departments, with overdue, done and open tasks; ``LEDGER_TODAY`` fixes "today".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from foodsafety_desktop.core.storage import models
from foodsafety_desktop.core.storage.database import Database
from foodsafety_desktop.core.storage.models import (
    Assignment,
    Department,
    Indicator,
    Plan,
    Section,
    Task,
)

LEDGER_TODAY = dt.date(2024, 7, 1)
PLAN_TITLE = "某区2024年食品安全工作要点"
DEPARTMENTS = ["区市场监管局", "区农业农村局", "区教育局", "区卫健委", "区公安分局"]
CHINESE_NUMBERS = "一二三四五六七八九十"


@dataclass
class LedgerIds:
    plan: int
    departments: dict[str, int]
    tasks: list[int]  # in document order
    sections: list[int]


def _long_text(n: int) -> str:
    return (
        f"第{n}项任务：围绕食品安全“四个最严”要求，压实属地管理责任和部门监管责任，"
        "组织开展风险隐患排查整治，建立问题清单、责任清单和整改清单，"
        "对发现的问题逐项跟踪、按期销号，确保各项工作落到实处。"
    ) * (1 + n % 3)


def build_ledger(db: Database, task_count: int = 31) -> LedgerIds:
    """One plan with ``task_count`` tasks in two level-1 and four level-2 sections."""
    with db.session() as s:
        depts = {name: Department(name=name) for name in DEPARTMENTS}
        s.add_all(depts.values())
        plan = Plan(
            title=PLAN_TITLE,
            doc_number="某食安办〔2024〕1号",
            issued_on=dt.date(2024, 2, 1),
            year_start=2024,
            year_end=2024,
            jurisdiction="区",
        )
        s.add(plan)
        s.flush()
        sections: list[Section] = []
        position = 0
        for top in range(2):
            position += 1
            head = Section(
                plan_id=plan.id,
                label=f"{CHINESE_NUMBERS[top]}、",
                title=["重点任务", "保障措施"][top],
                level=1,
                position=position,
            )
            s.add(head)
            s.flush()
            for sub in range(2):
                position += 1
                section = Section(
                    plan_id=plan.id,
                    parent_id=head.id,
                    label=f"（{CHINESE_NUMBERS[sub]}）",
                    title=f"第{top * 2 + sub + 1}组工作",
                    level=2,
                    position=position,
                )
                s.add(section)
                sections.append(section)
        s.flush()
        tasks: list[Task] = []
        per_section = -(-task_count // len(sections))
        for n in range(1, task_count + 1):
            section = sections[(n - 1) // per_section]
            if n % 4 == 1:
                deadline, status = dt.date(2024, 3, 31), models.STATUS_NOT_STARTED  # overdue
            elif n % 4 == 2:
                deadline, status = dt.date(2024, 3, 31), models.STATUS_DONE
            elif n % 4 == 3:
                deadline, status = dt.date(2024, 12, 31), models.STATUS_ON_SCHEDULE
            else:
                deadline, status = None, models.STATUS_NOT_STARTED
            task = Task(
                plan_id=plan.id,
                section_id=section.id,
                position=n,
                label=f"{n}.",
                title=f"任务{n:02d}落实责任",
                text=_long_text(n),
                deadline=deadline,
                deadline_text=f"{deadline.year}年{deadline.month}月底前" if deadline else None,
                status=status,
                progress="已召开部署会议" if n % 5 == 0 else None,
            )
            s.add(task)
            tasks.append(task)
        s.flush()
        for n, task in enumerate(tasks, start=1):
            lead = DEPARTMENTS[n % len(DEPARTMENTS)]
            other = DEPARTMENTS[(n + 1) % len(DEPARTMENTS)]
            s.add(Assignment(task_id=task.id, department_id=depts[lead].id,
                             role=models.ROLE_LEAD, position=0))  # fmt: skip
            s.add(Assignment(task_id=task.id, department_id=depts[other].id,
                             role=models.ROLE_RESPONSIBLE, position=1))  # fmt: skip
            if n % 3 == 0:
                s.add(Indicator(task_id=task.id, position=0, text=f"抽检覆盖率达到{90 + n % 10}%",
                                comparison=">=", value=90 + n % 10, unit="%"))  # fmt: skip
        s.flush()
        return LedgerIds(
            plan=plan.id,
            departments={name: d.id for name, d in depts.items()},
            tasks=[t.id for t in tasks],
            sections=[sec.id for sec in sections],
        )
