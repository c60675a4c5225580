"""Reporting periods proposed from a plan's rules, stored, found and edited (services.periods)."""

from __future__ import annotations

import datetime as dt

import pytest
from alembic import command
from seeds import seed_path
from sqlalchemy import inspect, select

from foodsafety_desktop.core.errors import UserError
from foodsafety_desktop.core.services import periods, settings
from foodsafety_desktop.core.services.audit import history
from foodsafety_desktop.core.services.plan_import import import_plan_file
from foodsafety_desktop.core.storage.database import alembic_config, schema_revision
from foodsafety_desktop.core.storage.models import Plan, ReportingPeriod, ReportingRule

SEED = seed_path("002")
D = dt.date


@pytest.fixture
def lushi(db, tmp_path) -> int:
    """Seed 002 (卢氏县, issued 2022-05-19, 2022—2024) imported; returns the plan id."""
    return import_plan_file(db, SEED, user="测试").plan_id


EXPECTED_002 = [
    ("专项：方案制定情况", D(2022, 5, 31), "once"),
    ("2022年第二季度", D(2022, 6, 25), "quarter"),
    ("2022年第三季度", D(2022, 9, 25), "quarter"),
    ("2022年度", D(2022, 11, 30), "year"),
    ("2023年第一季度", D(2023, 3, 25), "quarter"),
    ("2023年第二季度", D(2023, 6, 25), "quarter"),
    ("2023年第三季度", D(2023, 9, 25), "quarter"),
    ("2023年度", D(2023, 11, 30), "year"),
    ("2024年第一季度", D(2024, 3, 25), "quarter"),
    ("2024年第二季度", D(2024, 6, 25), "quarter"),
    ("2024年第三季度", D(2024, 9, 25), "quarter"),
    ("2024年度", D(2024, 11, 30), "year"),
]


def test_propose_periods_for_seed_002(db, lushi):
    with db.session() as s:
        drafts = periods.propose_periods(s.get(Plan, lushi))
    assert [(d.name, d.due_date, d.kind) for d in drafts] == EXPECTED_002
    # 2022年第一季度 (due 2022-03-25) is before the plan was issued on 2022-05-19.
    q2 = drafts[1]
    assert (q2.year, q2.start_date, q2.end_date) == (2022, D(2022, 4, 1), D(2022, 6, 30))
    annual = drafts[3]
    assert (annual.start_date, annual.end_date) == (D(2022, 1, 1), D(2022, 12, 31))
    assert "11月30日" in annual.note


def plan_with_rules(session, *rules, year_start=2023, year_end=2023, issued_on=None) -> Plan:
    plan = Plan(title="某方案", year_start=year_start, year_end=year_end, issued_on=issued_on)
    for position, (recurrence, dates, what) in enumerate(rules):
        plan.reporting_rules.append(
            ReportingRule(
                position=position, text=what, what=what, recurrence=recurrence, due_dates=dates
            )
        )
    session.add(plan)
    session.flush()
    return plan


def names_and_dues(plan: Plan) -> list[tuple[str, dt.date]]:
    return [(d.name, d.due_date) for d in periods.propose_periods(plan)]


def test_half_yearly_defaults_and_dates(session):
    plan = plan_with_rules(session, ("half-yearly", "", "阶段情况小结"), year_end=2024)
    assert names_and_dues(plan) == [
        ("2023年上半年", D(2023, 7, 10)),
        ("2023年下半年", D(2024, 1, 10)),
        ("2024年上半年", D(2024, 7, 10)),
        ("2024年下半年", D(2025, 1, 10)),
    ]
    plan = plan_with_rules(session, ("half-yearly", "06-30,12-31", "小结"))
    assert names_and_dues(plan) == [
        ("2023年上半年", D(2023, 6, 30)),
        ("2023年下半年", D(2023, 12, 31)),
    ]


def test_quarterly_without_annual_and_defaults(session):
    plan = plan_with_rules(session, ("quarterly", "03-25,06-25,09-25,12-25", "季度工作总结"))
    assert [n for n, _ in names_and_dues(plan)] == [
        "2023年第一季度",
        "2023年第二季度",
        "2023年第三季度",
        "2023年第四季度",
    ]
    plan = plan_with_rules(session, ("quarterly", "", "季度报告"))
    assert [d for _, d in names_and_dues(plan)] == [
        D(2023, 4, 10),
        D(2023, 7, 10),
        D(2023, 10, 10),
        D(2024, 1, 10),
    ]


def test_yearly_once_and_unique_names(session):
    plan = plan_with_rules(
        session,
        ("yearly", "12-01", "年度工作总结"),
        ("once", "2023-07-20,08-25", "专项方案"),
        ("yearly", "01-15", "年度总结"),
        issued_on=D(2023, 1, 1),
    )
    assert names_and_dues(plan) == [
        ("专项：方案制定情况（第一次）", D(2023, 7, 20)),
        ("专项：方案制定情况（第二次）", D(2023, 8, 25)),
        ("2023年度", D(2023, 12, 1)),
        ("2023年度（2）", D(2024, 1, 15)),
    ]


def test_years_fall_back_to_issue_year(session):
    plan = plan_with_rules(
        session,
        ("yearly", "12-01", "总结"),
        year_start=None,
        year_end=None,
        issued_on=D(2021, 3, 1),
    )
    assert names_and_dues(plan) == [("2021年度", D(2021, 12, 1))]


def create_002(db, lushi) -> list[int]:
    with db.session() as s:
        drafts = periods.propose_periods(s.get(Plan, lushi))
        return periods.create_periods(s, lushi, drafts, user="张三")


def test_create_list_and_create_again(db, lushi):
    ids = create_002(db, lushi)
    assert len(ids) == 12
    with db.session() as s:
        rows = periods.list_periods(s, lushi, today=D(2022, 5, 20))
        assert [(r.name, r.due_date, r.kind) for r in rows] == EXPECTED_002
        assert [r.position for r in rows] == list(range(1, 13))
        assert all(r.is_open and r.submission_count == 0 for r in rows)
        assert rows[1].kind_label == "季度" and rows[0].kind_label == "专项"
        assert history(s, "plan", lushi)[0].action == "period.create"
    assert create_002(db, lushi) == []  # the same proposals twice add nothing


def test_find_period_by_name_or_id(db, lushi):
    ids = create_002(db, lushi)
    with db.session() as s:
        assert periods.find_period(s, lushi, "2023年第一季度").id == ids[4]
        assert periods.find_period(s, lushi, " 2023年第1季度 ").id == ids[4]
        assert periods.find_period(s, lushi, str(ids[3])).name == "2022年度"
        assert periods.find_period(s, lushi, ids[3]).name == "2022年度"
        with pytest.raises(UserError) as err:
            periods.find_period(s, lushi, "2025年度")
        message = str(err.value)
        assert "未找到报送期次“2025年度”" in message
        assert "2022年第二季度、2022年第三季度、2022年度" in message


def test_find_period_without_periods(db, lushi):
    with db.session() as s, pytest.raises(UserError, match="还没有报送期次"):
        periods.find_period(s, lushi, "2023年度")


def test_update_close_reopen_delete(db, lushi):
    ids = create_002(db, lushi)
    with db.session() as s:
        periods.update_period(s, ids[1], user="张三", name="2022年二季度", due_date=D(2022, 6, 28))
        with pytest.raises(UserError, match="已有名为“2022年度”"):
            periods.update_period(s, ids[1], user="张三", name="2022年度")
        with pytest.raises(UserError, match="结束日期早于开始日期"):
            periods.update_period(s, ids[1], user="张三", end_date=D(2022, 1, 1))
    with db.session() as s:
        period = s.get(ReportingPeriod, ids[1])
        assert (period.name, period.due_date) == ("2022年二季度", D(2022, 6, 28))
        entry = history(s, "period", ids[1])[0]
        assert entry.action == "period.update" and entry.user == "张三"
        periods.close_period(s, ids[1], user="张三")
        assert not s.get(ReportingPeriod, ids[1]).is_open
        periods.close_period(s, ids[1], user="张三", reopen=True)
        assert s.get(ReportingPeriod, ids[1]).is_open
        periods.delete_period(s, ids[0], user="张三")
        rows = periods.list_periods(s, lushi)
        assert len(rows) == 11 and rows[0].name == "2022年二季度" and rows[0].position == 1


def test_office_secret_is_created_once(session):
    assert settings.get_setting(session, settings.OFFICE_SECRET) is None
    secret = settings.office_secret(session)
    assert len(secret) == 32
    assert settings.office_secret(session) == secret
    assert settings.get_setting(session, settings.OFFICE_SECRET) == secret.hex()
    settings.set_setting(session, settings.OFFICE_NAME, "县政府食安办")
    assert settings.get_setting(session, settings.OFFICE_NAME) == "县政府食安办"
    assert settings.get_setting(session, "missing", "默认") == "默认"


def test_migration_0002_downgrades_and_upgrades(db):
    config = alembic_config(db.engine)
    command.downgrade(config, "0001")
    assert schema_revision(db.engine) == "0001"
    assert "reporting_period" not in inspect(db.engine).get_table_names()
    command.upgrade(config, "head")
    tables = set(inspect(db.engine).get_table_names())
    assert {"reporting_period", "submission", "submission_entry", "setting"} <= tables
    with db.session() as s:
        assert s.scalars(select(ReportingPeriod)).all() == []
