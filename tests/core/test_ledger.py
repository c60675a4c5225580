"""Ledger queries (filters, rows) and edits with their audit entries."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import event, select

from foodsafety_desktop.core.errors import UserError
from foodsafety_desktop.core.services import audit, ledger
from foodsafety_desktop.core.services.ledger import UNSET, LedgerFilter
from foodsafety_desktop.core.storage import models
from foodsafety_desktop.core.storage.models import AuditEntry, Task

from .ledger_fixtures import TODAY, ledger_db_fixture, sample_fixture  # noqa: F401


def titles(db, flt: LedgerFilter, today=TODAY) -> list[str]:
    with db.session() as s:
        return [r.title for r in ledger.ledger_rows(s, flt, today=today)]


def test_list_plans(ledger_db, sample):
    with ledger_db.session() as s:
        plans = ledger.list_plans(s)
    assert [(p.id, p.task_count) for p in plans] == [(sample.plan, 4), (sample.other_plan, 1)]
    assert plans[0].doc_number == "某食安办〔2024〕1号"
    assert plans[0].issued_on == dt.date(2024, 2, 1)


def test_sections(ledger_db, sample):
    with ledger_db.session() as s:
        rows = ledger.sections(s, sample.plan)
    assert [r.as_text() for r in rows] == [
        "三、主要任务",
        "（一）落实监管责任",
        "（二）强化风险防控",
    ]
    assert rows[1].parent_id == rows[0].id


def test_rows_of_plan(ledger_db, sample):
    with ledger_db.session() as s:
        rows = ledger.ledger_rows(s, LedgerFilter(plan_id=sample.plan), today=TODAY)
    assert [r.label for r in rows] == ["1.", "2.", "3.", "4."]
    r1, _r2, _r3, r4 = rows
    assert r1.section_path == ["三、主要任务", "（一）落实监管责任"]
    assert r1.lead == ["县市场监管局"]
    assert r1.responsible == ["县农业农村局", "县教育局"]  # 责任 + 配合
    assert r1.indicators == ["抽检覆盖率达到100%"]
    assert r1.deadline == dt.date(2024, 6, 30) and r1.deadline_text == "2024年6月底前"
    assert r1.overdue
    assert r4.responsible == ["城关镇", "县市场监管局"]  # de-duplicated, assignment order
    assert r4.deadline is None and not r4.overdue


def test_all_plans_sorted_by_plan_then_position(ledger_db, sample):
    assert titles(ledger_db, LedgerFilter())[-1] == "其他方案的任务"
    assert len(titles(ledger_db, LedgerFilter())) == 5


def test_filter_department_direct_and_via_group(ledger_db, sample):
    town = sample.departments["城关镇"]
    assert titles(ledger_db, LedgerFilter(plan_id=sample.plan, department_id=town)) == [
        "压实属地管理责任",  # assigned to 各乡镇, a group containing 城关镇
        "校园食品安全守护行动",
    ]
    market = sample.departments["县市场监管局"]
    assert titles(ledger_db, LedgerFilter(department_id=market)) == [
        "落实企业主体责任",
        "开展农药残留专项整治",
        "校园食品安全守护行动",
    ]


def test_filter_status(ledger_db, sample):
    assert titles(ledger_db, LedgerFilter(status=models.STATUS_DONE)) == ["开展农药残留专项整治"]


def test_filter_overdue_uses_given_today(ledger_db, sample):
    assert titles(ledger_db, LedgerFilter(plan_id=sample.plan, overdue_only=True)) == [
        "落实企业主体责任"
    ]
    earlier = dt.date(2024, 1, 1)
    assert titles(ledger_db, LedgerFilter(overdue_only=True), today=earlier) == []
    later = dt.date(2025, 1, 1)
    assert titles(ledger_db, LedgerFilter(plan_id=sample.plan, overdue_only=True), later) == [
        "落实企业主体责任",
        "压实属地管理责任",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("50%", ["压实属地管理责任"]),  # % is literal, found in progress
        ("%", ["落实企业主体责任", "压实属地管理责任"]),
        ("A_B", ["校园食品安全守护行动"]),
        ("_", ["校园食品安全守护行动"]),
        ("haccp", ["落实企业主体责任"]),  # case-insensitive, in the text
        ("农药", ["开展农药残留专项整治"]),  # title
        ("卫健委", ["其他方案的任务"]),  # department name
        ("  各乡镇 ", ["压实属地管理责任"]),
        ("没有这个词", []),
    ],
)
def test_filter_text(ledger_db, sample, text, expected):
    assert titles(ledger_db, LedgerFilter(text=text)) == expected


def test_filters_combine(ledger_db, sample):
    market = sample.departments["县市场监管局"]
    flt = LedgerFilter(plan_id=sample.plan, department_id=market, status="未启动", text="HACCP")
    assert titles(ledger_db, flt) == ["落实企业主体责任"]


def test_rows_query_count_does_not_grow_with_rows(ledger_db, sample):
    statements: list[str] = []

    def count(*args):
        statements.append(args[2])

    event.listen(ledger_db.engine, "before_cursor_execute", count)
    try:
        with ledger_db.session() as s:
            rows = ledger.ledger_rows(s, LedgerFilter(), today=TODAY)
            for r in rows:  # touching the row values must not load anything more
                _ = (r.lead, r.responsible, r.indicators, r.section_path)
    finally:
        event.remove(ledger_db.engine, "before_cursor_execute", count)
    selects = [st for st in statements if st.lstrip().upper().startswith("SELECT")]
    assert len(rows) == 5
    assert len(selects) <= 5, selects


def test_is_overdue():
    d = dt.date(2024, 6, 30)
    assert ledger.is_overdue(d, "未启动", dt.date(2024, 7, 1))
    assert not ledger.is_overdue(d, "已完成", dt.date(2024, 7, 1))
    assert not ledger.is_overdue(d, "未启动", d)
    assert not ledger.is_overdue(None, "未启动", dt.date(2024, 7, 1))


# --- edits ----------------------------------------------------------------------------


def entries(db, task_id) -> list[AuditEntry]:
    with db.session() as s:
        return audit.history(s, "task", task_id)


def test_update_task_fields_and_audit(ledger_db, sample):
    t1 = sample.tasks["t1"]
    with ledger_db.session() as s:
        ledger.update_task(
            s, t1, user="张三", status="已完成", progress=" 已完成全部抽检 ", title="新名称"
        )
    with ledger_db.session() as s:
        row = ledger.ledger_rows(s, LedgerFilter(plan_id=sample.plan), today=TODAY)[0]
    assert (row.title, row.status, row.progress) == ("新名称", "已完成", "已完成全部抽检")
    assert not row.overdue
    [entry] = entries(ledger_db, t1)
    assert entry.user == "张三" and entry.action == "task.update"
    assert "状态 未启动→已完成" in entry.summary and "最新进展" in entry.summary
    detail = json.loads(entry.detail)
    assert detail["before"]["status"] == "未启动" and detail["after"]["status"] == "已完成"


def test_update_task_unset_vs_none(ledger_db, sample):
    t1 = sample.tasks["t1"]
    with ledger_db.session() as s:
        ledger.update_task(s, t1, user="u", status="序时推进")  # deadline not given: kept
        task = s.get(Task, t1)
        assert task.deadline == dt.date(2024, 6, 30)
        ledger.update_task(s, t1, user="u", deadline=None, progress=None)
        assert task.deadline is None
        assert task.deadline_text is None  # the old text would contradict the new date
    with ledger_db.session() as s:
        ledger.update_task(s, t1, user="u", deadline=dt.date(2024, 9, 30), deadline_text="9月底前")
        task = s.get(Task, t1)
        assert (task.deadline, task.deadline_text) == (dt.date(2024, 9, 30), "9月底前")
        ledger.update_task(s, t1, user="u", deadline_text=UNSET, progress=UNSET)
    assert len(entries(ledger_db, t1)) == 3  # the last call changed nothing


def test_update_task_departments(ledger_db, sample):
    d = sample.departments
    t1 = sample.tasks["t1"]
    with ledger_db.session() as s:
        ledger.update_task(
            s,
            t1,
            user="u",
            lead_ids=[d["县农业农村局"]],
            responsible_ids=[d["县卫健委"], d["县教育局"]],
        )
    with ledger_db.session() as s:
        row = ledger.ledger_rows(s, LedgerFilter(plan_id=sample.plan), today=TODAY)[0]
        roles = {
            a.department.name: a.role
            for a in s.scalars(select(models.Assignment).where(models.Assignment.task_id == t1))
        }
    assert row.lead == ["县农业农村局"]
    assert row.responsible == ["县卫健委", "县教育局"]
    assert roles == {"县农业农村局": "牵头", "县卫健委": "责任", "县教育局": "配合"}
    [entry] = entries(ledger_db, t1)
    assert "牵头单位" in entry.summary and "责任单位" in entry.summary


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"title": "  "}, "任务名称不能为空"),
        ({"status": "进行中"}, "无效的状态"),
        ({"lead_ids": [99999]}, "未找到单位"),
    ],
)
def test_update_task_rejects_bad_input(ledger_db, sample, kwargs, message):
    with pytest.raises(UserError, match=message), ledger_db.session() as s:
        ledger.update_task(s, sample.tasks["t1"], user="u", **kwargs)
    assert entries(ledger_db, sample.tasks["t1"]) == []


def test_unknown_task_id(ledger_db, sample):
    with ledger_db.session() as s:
        for call in (
            lambda: ledger.update_task(s, 99999, user="u", status="已完成"),
            lambda: ledger.move_task(s, 99999, 1, user="u"),
            lambda: ledger.delete_task(s, 99999, user="u"),
            lambda: ledger.add_task(s, sample.plan, user="u", title="x", after_task_id=99999),
        ):
            with pytest.raises(UserError, match="未找到"):
                call()
        with pytest.raises(UserError, match="未找到该工作方案"):
            ledger.add_task(s, 99999, user="u", title="x")


def order(db, plan_id) -> list[tuple[str, int]]:
    with db.session() as s:
        tasks = s.scalars(select(Task).where(Task.plan_id == plan_id).order_by(Task.position))
        return [(t.title, t.section_id) for t in tasks]


def test_add_task_after_a_task(ledger_db, sample):
    one, two = sample.sections["one"], sample.sections["two"]
    with ledger_db.session() as s:
        new_id = ledger.add_task(
            s, sample.plan, user="李四", title=" 新任务 ", after_task_id=sample.tasks["t1"]
        )
    assert order(ledger_db, sample.plan) == [
        ("落实企业主体责任", one),
        ("新任务", one),
        ("压实属地管理责任", one),
        ("开展农药残留专项整治", two),
        ("校园食品安全守护行动", two),
    ]
    with ledger_db.session() as s:
        positions = [t.position for t in s.scalars(select(Task).where(Task.plan_id == sample.plan))]
        assert len(set(positions)) == 5
        row = next(r for r in ledger.ledger_rows(s, LedgerFilter(), TODAY) if r.task_id == new_id)
    assert row.status == "未启动" and row.section_path[-1] == "（一）落实监管责任"
    [entry] = entries(ledger_db, new_id)
    assert entry.action == "task.add" and entry.user == "李四"


def test_add_task_to_section_and_end(ledger_db, sample):
    with ledger_db.session() as s:
        ledger.add_task(
            s, sample.plan, user="u", title="第一节末尾", section_id=sample.sections["one"]
        )
        ledger.add_task(s, sample.plan, user="u", title="方案末尾")
    titles_ = [t for t, _ in order(ledger_db, sample.plan)]
    assert titles_.index("第一节末尾") == 2
    assert titles_[-1] == "方案末尾"


def test_add_task_rejects_empty_title(ledger_db, sample):
    with pytest.raises(UserError, match="任务名称不能为空"), ledger_db.session() as s:
        ledger.add_task(s, sample.plan, user="u", title="")


def test_move_task_swaps_with_neighbour(ledger_db, sample):
    with ledger_db.session() as s:
        ledger.move_task(s, sample.tasks["t2"], -1, user="u")
    assert [t for t, _ in order(ledger_db, sample.plan)][:2] == [
        "压实属地管理责任",
        "落实企业主体责任",
    ]
    with ledger_db.session() as s:
        ledger.move_task(s, sample.tasks["t2"], -1, user="u")  # already first: nothing
        ledger.move_task(s, sample.tasks["t4"], +1, user="u")  # already last: nothing
    assert len(entries(ledger_db, sample.tasks["t2"])) == 1
    assert entries(ledger_db, sample.tasks["t4"]) == []
    assert entries(ledger_db, sample.tasks["t2"])[0].action == "task.move"


def test_move_task_across_a_section_takes_the_neighbours_section(ledger_db, sample):
    with ledger_db.session() as s:
        ledger.move_task(s, sample.tasks["t3"], -1, user="u")
    assert order(ledger_db, sample.plan) == [
        ("落实企业主体责任", sample.sections["one"]),
        ("开展农药残留专项整治", sample.sections["one"]),
        ("压实属地管理责任", sample.sections["one"]),
        ("校园食品安全守护行动", sample.sections["two"]),
    ]


def test_delete_task(ledger_db, sample):
    t2 = sample.tasks["t2"]
    with ledger_db.session() as s:
        ledger.delete_task(s, t2, user="u")
    assert [t for t, _ in order(ledger_db, sample.plan)] == [
        "落实企业主体责任",
        "开展农药残留专项整治",
        "校园食品安全守护行动",
    ]
    [entry] = entries(ledger_db, t2)
    assert entry.action == "task.delete" and "压实属地管理责任" in entry.summary
    assert json.loads(entry.detail)["lead"] == ["各乡镇"]
    with ledger_db.session() as s:
        assert (
            s.scalars(select(models.Assignment).where(models.Assignment.task_id == t2)).all() == []
        )


def test_ledger_task_ids_and_pages_give_the_same_rows_as_one_query(ledger_db, sample):
    with ledger_db.session() as s:
        whole = ledger.ledger_rows(s, LedgerFilter(), today=TODAY)
        ids = ledger.ledger_task_ids(s, LedgerFilter(), today=TODAY)
        assert ids == [r.task_id for r in whole] and len(ids) == 5
        pages = [
            row
            for start in range(0, len(ids), 2)
            for row in ledger.ledger_rows(
                s, LedgerFilter(task_ids=ids[start : start + 2]), today=TODAY
            )
        ]
        one = ledger.ledger_row(s, ids[-1], today=TODAY)
        assert ledger.ledger_row(s, 10_000, today=TODAY) is None
    assert pages == whole
    assert one == whole[-1]
