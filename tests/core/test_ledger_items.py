"""A task with several attributions shows each clause with its own departments."""

from __future__ import annotations

from seeds import seed_path
from sqlalchemy import select

from foodsafety_desktop.core.services.ledger import task_items
from foodsafety_desktop.core.services.plan_import import import_plan_file
from foodsafety_desktop.core.storage.models import Task

SEED_001 = seed_path("001")


def test_task_items_follow_the_plan_text(db) -> None:
    result = import_plan_file(db, SEED_001, user="测试")
    with db.session() as s:
        tasks = {
            t.label: t.id for t in s.scalars(select(Task).where(Task.plan_id == result.plan_id))
        }
        two = task_items(s, tasks["（二）"])
        single = task_items(s, tasks["（五）"])

    assert [(i.lead, i.others) for i in two] == [
        (["生态环境红旗分局"], []),
        (["区农业农村局"], ["区生态环境局"]),
    ]
    assert two[1].text.startswith("落实耕地分类管理制度")
    assert "受污染耕地安全利用率达100%" in two[1].text
    assert single == []
