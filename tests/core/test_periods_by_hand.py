"""Reporting periods added, edited and deleted by hand (with undo), short proposed names,
and periods that close by themselves after their due date plus the grace the clerk sets.

Seed 001 (2023年红旗区食品安全工作要点) has no 报送要求: without a period added by hand it
could never be reported on.  Writes run on SQLite and PostgreSQL (``any_db_url``) and are
checked on a freshly opened database.
"""

from __future__ import annotations

import datetime as dt
import glob
import re
from pathlib import Path

import pytest
from seeds import NUMBERS, seed_path
from sqlalchemy import func, select

from foodsafety_desktop.core.errors import UserError
from foodsafety_desktop.core.plans.reader import read_plan
from foodsafety_desktop.core.reports.summary import build_draft, save_draft
from foodsafety_desktop.core.services import audit, history, periods, settings, tracking, undo
from foodsafety_desktop.core.services.collect import collect_files
from foodsafety_desktop.core.services.plan_import import import_plan_file
from foodsafety_desktop.core.services.templates import template_filename, write_template
from foodsafety_desktop.core.storage.database import open_database
from foodsafety_desktop.core.storage.models import (
    AuditEntry,
    Department,
    Plan,
    ReportingPeriod,
    ReportingRule,
    Submission,
    SubmissionEntry,
    SummaryDraft,
    Task,
)

from .collect_fixtures import fill

D = dt.date
USER = "张三"
Q3 = "2022年第三季度"
MARKET, HEALTH = "县市场监管局", "县卫健委"
CORPUS = Path(__file__).resolve().parents[1] / "data" / "plans"
# Every proposed name: a regular period or 专项：… (a repeat numbered), no date, no sentence.
NAME = re.compile(
    r"^(?:\d{4}年(?:第[一二三四]季度|[上下]半年|度|\d{1,2}月)|专项：[^\s，。；：（）\d]{2,8})"
    r"(?:（第[一二三四五六七八九十]次）|（\d）)?$"
)


@pytest.fixture
def any_db(any_db_url, tmp_path, monkeypatch):
    monkeypatch.setenv("FOODSAFETY_DATA_DIR", str(tmp_path / "appdata"))
    database = open_database(any_db_url)
    yield database
    database.close()


def reopened(db):
    """A second Database on the same file or server: what another process would see."""
    return open_database(db.url)


def import_seed(db, number: str) -> int:
    return import_plan_file(db, seed_path(number), user=USER).plan_id


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


def proposed(plan: Plan) -> list[tuple[str, dt.date, str]]:
    return [(d.name, d.due_date, d.kind) for d in periods.propose_periods(plan)]


# --- proposed names --------------------------------------------------------------------


def test_proposed_names_of_the_seeds_are_short_and_regular(db):
    names = {}
    for number in NUMBERS:
        plan_id = import_seed(db, number)
        with db.session() as s:
            names[number] = proposed(s.get(Plan, plan_id))
    assert names["000"] == [
        ("专项：方案制定情况", D(2022, 7, 20), "once"),
        ("2022年度", D(2022, 12, 1), "year"),
        ("2023年度", D(2023, 12, 1), "year"),
        ("2024年度", D(2024, 12, 1), "year"),
    ]
    assert names["001"] == []  # a 工作要点 without 报送要求: periods are added by hand
    assert names["002"][0] == ("专项：方案制定情况", D(2022, 5, 31), "once")
    assert names["003"] == [
        ("2019年下半年", D(2019, 12, 31), "half"),
        ("2020年上半年", D(2020, 6, 30), "half"),
        ("2020年下半年", D(2020, 12, 31), "half"),
    ]
    # "并分别8月25日和11月1日前…逐条报送食品安全建设年工作各项任务落实情况"
    assert names["004"] == [
        ("专项：任务落实情况（第一次）", D(2020, 8, 25), "once"),
        ("专项：任务落实情况（第二次）", D(2020, 11, 1), "once"),
    ]
    for number, found in names.items():
        for name, _due, _kind in found:
            assert NAME.match(name), (number, name)


def corpus_names() -> list[tuple[str, str]]:
    out = []
    for path in sorted(glob.glob(str(CORPUS / "*.txt"))):
        parsed = read_plan(Path(path))
        plan = Plan(
            title=parsed.title,
            year_start=parsed.year_start,
            year_end=parsed.year_end,
            issued_on=parsed.date,
        )
        for i, rule in enumerate(parsed.reporting):
            plan.reporting_rules.append(
                ReportingRule(
                    position=i,
                    text=rule.text,
                    what=rule.what,
                    recurrence=rule.recurrence,
                    due_dates=",".join(rule.dates),
                )
            )
        out.extend((Path(path).stem, d.name) for d in periods.propose_periods(plan))
    return out


def test_proposed_names_of_the_plan_corpus_carry_no_date_or_sentence():
    found = corpus_names()
    assert len(found) > 60
    bad = [(plan, name) for plan, name in found if not NAME.match(name)]
    assert bad == []
    assert not any("-" in name or "（20" in name for _plan, name in found)


def test_once_rules_become_regular_periods_where_they_are(session):
    plan = plan_with_rules(
        session,
        ("once", "2025-06-20,2025-11-30", "上半年和全年任务完成情况书面"),
        issued_on=D(2025, 3, 6),
        year_start=2025,
        year_end=2025,
    )
    assert proposed(plan) == [
        ("2025年上半年", D(2025, 6, 20), "half"),
        ("2025年度", D(2025, 11, 30), "year"),
    ]
    # A plain progress report in June and December: the 上半年 and the annual report.
    plan = plan_with_rules(session, ("once", "2023-06-20,2023-12-20", "工作进展情况"))
    assert proposed(plan) == [
        ("2023年上半年", D(2023, 6, 20), "half"),
        ("2023年度", D(2023, 12, 20), "year"),
    ]
    plan = plan_with_rules(
        session,
        ("once", "2023-12-31", "全年工作总结"),
        ("once", "2023-12-15", "工作完成情况"),
        ("once", "2023-09-10", "专项整治开展情况"),
    )
    assert proposed(plan) == [
        ("专项：整治开展情况", D(2023, 9, 10), "once"),
        ("2023年度", D(2023, 12, 15), "year"),
        ("2023年度（2）", D(2023, 12, 31), "year"),
    ]


def test_monthly_rules_give_months(session):
    dates = ",".join(f"{m:02d}-25" for m in range(1, 13))
    plan = plan_with_rules(session, ("yearly", dates, "工作进展情况"), issued_on=D(2023, 3, 18))
    found = proposed(plan)
    assert found[0] == ("2023年3月", D(2023, 3, 25), "month")
    assert found[-1] == ("2023年12月", D(2023, 12, 25), "month")
    assert len(found) == 10
    # 每月5日前: the report on the month before.
    dates = ",".join(f"{m:02d}-05" for m in range(1, 13))
    plan = plan_with_rules(session, ("yearly", dates, "上月工作情况"))
    found = proposed(plan)
    assert found[0] == ("2023年1月", D(2023, 2, 5), "month")
    assert found[-1] == ("2023年12月", D(2024, 1, 5), "month")
    assert periods.KIND_LABELS["month"] == "月度"


def test_short_topic():
    assert periods.short_topic("专项攻坚行动工作方案") == "方案制定情况"
    assert periods.short_topic("食品安全建设年工作各项任务落实情况") == "任务落实情况"
    assert periods.short_topic("专项行动总结") == "行动总结"
    assert periods.short_topic("工作进展情况（2023-12-01）") == "工作进展情况"
    assert periods.short_topic("") == periods.DEFAULT_ONCE_NAME


# --- names typed by hand ---------------------------------------------------------------


def test_regular_names_say_kind_and_span():
    q3 = periods.regular_period("2023年第三季度")
    assert (q3.kind, q3.year, q3.start_date, q3.end_date, q3.default_due) == (
        "quarter",
        2023,
        D(2023, 7, 1),
        D(2023, 9, 30),
        D(2023, 10, 10),
    )
    assert periods.regular_period("２０２３年第3季度").start_date == D(2023, 7, 1)
    h2 = periods.regular_period("2023年下半年")
    assert (h2.kind, h2.end_date, h2.default_due) == ("half", D(2023, 12, 31), D(2024, 1, 10))
    assert periods.regular_period("2023年度").kind == "year"
    feb = periods.regular_period("2024年2月")
    assert (feb.kind, feb.end_date, feb.default_due) == ("month", D(2024, 2, 29), D(2024, 3, 5))
    assert periods.regular_period("专项：方案制定情况") is None
    assert periods.regular_period("2023年13月") is None
    assert periods.guess_kind("专项：方案制定情况") == "once"
    assert periods.guess_kind("2023年第四季度（补报）") == "quarter"


def test_draft_for_completes_what_the_name_says():
    draft = periods.draft_for("2023年第三季度", D(2023, 10, 10))
    assert (draft.kind, draft.year, draft.start_date, draft.end_date) == (
        "quarter",
        2023,
        D(2023, 7, 1),
        D(2023, 9, 30),
    )
    special = periods.draft_for("专项：方案制定情况", D(2023, 5, 31), start_date=D(2023, 3, 1))
    assert (special.kind, special.year, special.start_date, special.end_date) == (
        "once",
        2023,
        D(2023, 3, 1),
        D(2023, 5, 31),
    )
    # A kind given wins; the name's bounds are then not taken.
    odd = periods.draft_for("2023年度", D(2023, 12, 1), kind="once")
    assert (odd.kind, odd.start_date, odd.end_date) == ("once", None, None)
    with pytest.raises(UserError, match="请在“专项：”后写明报送内容"):
        periods.draft_for("专项：", D(2023, 5, 31))
    with pytest.raises(UserError, match="名称不能为空"):
        periods.draft_for("  ", D(2023, 5, 31))
    with pytest.raises(UserError, match="结束日期早于开始日期"):
        periods.draft_for("专项：x情况", D(2023, 5, 31), start_date=D(2023, 6, 1))
    with pytest.raises(UserError, match="未知的报送期次类型"):
        periods.draft_for("专项：方案", D(2023, 5, 31), kind="weekly")
    assert periods.kind_from_label("季度") == "quarter"
    with pytest.raises(UserError, match="可选：季度、半年、年度、专项、月度"):
        periods.kind_from_label("周报")


def test_suggestions_follow_the_plan(db):
    plan_id = import_seed(db, "001")  # 2023
    with db.session() as s:
        first = periods.suggest_periods(s, plan_id, today=D(2023, 8, 15))
        assert {k: (d.name, d.due_date) for k, d in first.items()} == {
            "quarter": ("2023年第三季度", D(2023, 10, 10)),
            "half": ("2023年下半年", D(2024, 1, 10)),
            "year": ("2023年度", D(2023, 12, 20)),
            "month": ("2023年8月", D(2023, 9, 5)),
            "once": ("专项：", D(2023, 9, 14)),
        }
        periods.add_period(s, plan_id, user=USER, name="2023年第三季度", due_date=D(2023, 10, 8))
        after = periods.suggest_periods(s, plan_id, today=D(2023, 8, 15))
        assert (after["quarter"].name, after["quarter"].start_date) == (
            "2023年第四季度",
            D(2023, 10, 1),
        )
        # Outside the plan's years: its first period of each kind.
        later = periods.suggest_periods(s, plan_id, today=D(2026, 1, 5))
        assert later["half"].name == "2023年上半年"


# --- add, edit, delete, undo -----------------------------------------------------------


def only_entry_since(db, since: int) -> AuditEntry:
    with db.session() as s:
        entries = list(s.scalars(select(AuditEntry).where(AuditEntry.id > since)))
    assert len(entries) == 1, [(e.action, e.summary) for e in entries]
    return entries[0]


def last_id(db) -> int:
    with db.session() as s:
        return audit.last_entry_id(s)


def fields(db, period_id: int) -> tuple | None:
    with db.session() as s:
        p = s.get(ReportingPeriod, period_id)
        if p is None:
            return None
        return (p.name, p.kind, p.year, p.due_date, p.start_date, p.end_date, p.position)


def test_add_edit_delete_and_undo_each(any_db):
    db = any_db
    plan_id = import_seed(db, "001")
    with db.session() as s:
        assert periods.propose_periods_for(s, plan_id) == []

    since = last_id(db)
    with db.session() as s:
        q3 = periods.add_period(
            s, plan_id, user=USER, name=" 2023年第三季度 ", due_date=D(2023, 10, 10)
        )
    entry = only_entry_since(db, since)
    assert (entry.action, entry.entity, entry.entity_id, entry.user) == (
        "period.create",
        "plan",
        plan_id,
        USER,
    )
    assert "“2023年第三季度”（截止 2023年10月10日）" in entry.summary
    other = reopened(db)
    try:
        assert fields(other, q3) == (
            "2023年第三季度",
            "quarter",
            2023,
            D(2023, 10, 10),
            D(2023, 7, 1),
            D(2023, 9, 30),
            1,
        )
    finally:
        other.close()
    with db.session() as s:
        change = undo.last_undoable(s)
        assert change.description == "新建报送期次“2023年第三季度”"
        with pytest.raises(UserError, match="已有名为“2023年第三季度”"):
            periods.add_period(
                s, plan_id, user=USER, name="2023年第三季度", due_date=D(2023, 11, 1)
            )
        special = periods.add_period(
            s,
            plan_id,
            user=USER,
            name="专项：方案制定情况",
            due_date=D(2023, 5, 31),
            kind="once",
        )
        assert [r.name for r in periods.list_periods(s, plan_id)] == [
            "专项：方案制定情况",
            "2023年第三季度",
        ]

    # Rename to the next quarter: kind and span follow the name; undo puts all back.
    since = last_id(db)
    with db.session() as s:
        assert periods.update_period(
            s,
            q3,
            user=USER,
            name="2023年第四季度",
            due_date=D(2024, 1, 10),
            derive_from_name=True,
        )
        assert not periods.update_period(s, q3, user=USER, name="2023年第四季度")
    entry = only_entry_since(db, since)
    assert (entry.action, entry.entity, entry.entity_id) == ("period.update", "period", q3)
    assert entry.summary == "修改报送期次“2023年第四季度”：名称、截止日期、开始日期、结束日期"
    shown = history.describe_detail(entry)
    assert "名称：2023年第三季度 → 2023年第四季度" in shown
    assert "截止日期：2023-10-10 → 2024-01-10" in shown
    assert fields(db, q3)[3:6] == (D(2024, 1, 10), D(2023, 10, 1), D(2023, 12, 31))
    with db.session() as s:
        assert undo.last_undoable(s).description == "修改报送期次“2023年第三季度”"
        text = undo.undo_last(s, user=USER)
    assert text == "报送期次已恢复为“2023年第三季度”（截止 2023-10-10）"
    assert fields(db, q3) == (
        "2023年第三季度",
        "quarter",
        2023,
        D(2023, 10, 10),
        D(2023, 7, 1),
        D(2023, 9, 30),
        2,
    )

    # Delete without submissions, undo: the same id and fields again.
    before = fields(db, special)
    with db.session() as s:
        deleted = periods.delete_period(s, special, user=USER)
        assert (deleted.submissions, deleted.changes.periods, deleted.changes.submissions) == (
            0,
            True,
            False,
        )
    assert fields(db, special) is None
    assert fields(db, q3)[-1] == 1  # positions renumbered
    with db.session() as s:
        assert undo.last_undoable(s).description == "删除报送期次“专项：方案制定情况”"
        assert undo.undo_last(s, user=USER) == "已恢复报送期次“专项：方案制定情况”"
    other = reopened(db)
    try:
        assert fields(other, special) == before
        assert fields(other, q3)[-1] == 2
    finally:
        other.close()

    # Undo of an addition removes it; a second undo finds nothing.
    with db.session() as s:
        extra = periods.add_period(s, plan_id, user=USER, name="2023年度", due_date=D(2023, 12, 20))
    with db.session() as s:
        assert undo.undo_last(s, user=USER) == "已删除新建的报送期次“2023年度”"
        assert undo.last_undoable(s) is None
    assert fields(db, extra) is None


def test_undo_of_proposed_periods_removes_them_all(db):
    plan_id = import_seed(db, "002")
    with db.session() as s:
        ids = periods.create_periods(s, plan_id, periods.propose_periods_for(s, plan_id), user=USER)
        assert undo.last_undoable(s).description == "新建报送期次 12 个"
        undo.undo_last(s, user=USER)
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(ReportingPeriod)) == 0
        assert s.scalars(select(ReportingPeriod).where(ReportingPeriod.id.in_(ids))).all() == []


def state(db, plan_id: int) -> dict:
    """What deleting and restoring a period must keep: periods, submissions, entries,
    summary edits, task statuses (ids may change, nothing else)."""
    with db.session() as s:
        plan_periods = [
            (p.name, p.kind, p.due_date, p.start_date, p.end_date, p.position, p.is_open)
            for p in s.scalars(
                select(ReportingPeriod)
                .where(ReportingPeriod.plan_id == plan_id)
                .order_by(ReportingPeriod.position)
            )
        ]
        submissions = sorted(
            (p.name, sub.department_id, sub.sha256, sub.is_current, sub.received_at, sub.reporter)
            for sub, p in s.execute(
                select(Submission, ReportingPeriod).join(
                    ReportingPeriod, ReportingPeriod.id == Submission.period_id
                )
            )
        )
        entries = sorted(
            (e.task_id, e.status, e.measures, e.value_text)
            for e in s.scalars(select(SubmissionEntry))
        )
        drafts = sorted((d.title, d.saved_by) for d in s.scalars(select(SummaryDraft)))
        tasks = sorted(
            (t.id, t.status, t.progress)
            for t in s.scalars(select(Task).where(Task.plan_id == plan_id))
        )
    return {
        "periods": plan_periods,
        "submissions": submissions,
        "entries": entries,
        "drafts": drafts,
        "tasks": tasks,
    }


def test_a_period_with_submissions_is_kept_unless_forced_then_undone(any_db, tmp_path):
    db = any_db
    plan_id = import_seed(db, "002")
    with db.session() as s:
        periods.create_periods(s, plan_id, periods.propose_periods_for(s, plan_id), user=USER)
        q3 = periods.find_period(s, plan_id, Q3)
        q2 = periods.find_period(s, plan_id, "2022年第二季度")
        q3_id = q3.id
        files = []
        for name, status in ((MARKET, "已完成"), (HEALTH, "滞后")):
            dep = s.scalar(select(Department).where(Department.name == name))
            template = write_template(s, q3.id, dep.id, tmp_path / template_filename(q3, dep))
            files.append(fill(template, tmp_path / "returned" / f"{name}.xlsx", status=status))
        dep = s.scalar(select(Department).where(Department.name == HEALTH))
        template = write_template(s, q2.id, dep.id, tmp_path / template_filename(q2, dep))
        earlier = fill(template, tmp_path / "returned" / "q2.xlsx", status="序时推进")
    outcomes = collect_files(
        db, [earlier], user=USER, accept_warnings=True, received_at=dt.datetime(2022, 6, 20, 2)
    )
    outcomes += collect_files(
        db, files, user=USER, accept_warnings=True, received_at=dt.datetime(2022, 9, 20, 2)
    )
    assert all(o.accepted for o in outcomes)
    with db.session() as s:
        draft = build_draft(s, plan_id, q3_id)
        draft.title = "关于2022年第三季度工作的报告（修改稿）"
        save_draft(s, q3_id, draft, user=USER)
    kept = state(db, plan_id)
    assert len(kept["submissions"]) == 3 and kept["drafts"]
    assert ("已完成" in {t[1] for t in kept["tasks"]}) and kept["entries"]

    with pytest.raises(periods.PeriodHasSubmissions) as refused:
        periods.delete_period_with_backup(db, q3_id, user=USER)
    assert (refused.value.submissions, refused.value.departments) == (2, 2)
    assert str(refused.value).startswith("报送期次“2022年第三季度”已收到 2 个单位的 2 份报送")
    assert state(db, plan_id) == kept  # refused: nothing touched

    since = last_id(db)
    deleted = periods.delete_period_with_backup(db, q3_id, user=USER, force=True)
    assert (deleted.name, deleted.submissions, deleted.departments) == (Q3, 2, 2)
    assert deleted.changes.submissions and deleted.changes.tasks and deleted.changes.periods
    if db.is_sqlite:
        assert deleted.backup is not None and deleted.backup.is_file()
        assert "period-delete" in deleted.backup.name
        assert f"删除前已备份：{deleted.backup.name}" in deleted.message
    else:
        assert deleted.backup is None  # a server's administrator backs it up
    entry = only_entry_since(db, since)  # the backup writes no entry; the delete one
    assert (entry.action, entry.entity_id) == ("period.delete", q3_id)
    assert entry.summary == "删除报送期次“2022年第三季度”（含 2 个单位的 2 份报送）"
    gone = state(db, plan_id)
    assert [sub[0] for sub in gone["submissions"]] == ["2022年第二季度"]
    assert gone["drafts"] == [] and len(gone["entries"]) < len(kept["entries"])
    assert Q3 not in [p[0] for p in gone["periods"]]
    # 县卫健委's tasks take their status from its 2022年第二季度 report again.
    assert "滞后" in {t[1] for t in kept["tasks"]}
    assert "滞后" not in {t[1] for t in gone["tasks"]}
    assert "tasks" in audit.detail_of(entry) and audit.detail_of(entry)["tasks"]

    with db.session() as s:
        text = undo.undo_last(s, user=USER)
    assert text.startswith("已恢复报送期次“2022年第三季度”（2 份报送、")
    other = reopened(db)
    try:
        assert state(other, plan_id) == kept
        with other.session() as s:
            matrix = tracking.status_matrix(s, plan_id, today=D(2022, 10, 1))
            q3_again = periods.find_period(s, plan_id, Q3).id
            market = s.scalar(select(Department.id).where(Department.name == MARKET))
            assert matrix.cell(market, q3_again).state == tracking.STATE_REPORTED
    finally:
        other.close()


def test_a_period_that_received_more_meanwhile_is_not_deleted(db, tmp_path):
    plan_id = import_seed(db, "002")
    with db.session() as s:
        periods.create_periods(s, plan_id, periods.propose_periods_for(s, plan_id), user=USER)
        q3 = periods.find_period(s, plan_id, Q3)
        dep = s.scalar(select(Department).where(Department.name == MARKET))
        template = write_template(s, q3.id, dep.id, tmp_path / template_filename(q3, dep))
        q3_id = q3.id
    collect_files(db, [fill(template, tmp_path / "r.xlsx")], user=USER, accept_warnings=True)
    with db.session() as s, pytest.raises(UserError, match="刚刚又收到了报送"):
        periods.delete_period(s, q3_id, user=USER, force=True, expected_submissions=0)
    with db.session() as s:
        assert s.get(ReportingPeriod, q3_id) is not None


# --- closing by itself -----------------------------------------------------------------


def test_periods_close_after_due_date_and_grace(any_db):
    db = any_db
    plan_id = import_seed(db, "001")
    due = D(2023, 10, 10)
    with db.session() as s:
        period_id = periods.add_period(s, plan_id, user=USER, name="2023年第三季度", due_date=due)

    def row(today: dt.date) -> periods.PeriodRow:
        with db.session() as s:
            [r] = periods.list_periods(s, plan_id, today=today)
            return r

    assert settings.DEFAULT_PERIOD_GRACE_DAYS == 30
    assert row(due).is_open and row(due + dt.timedelta(days=30)).is_open
    closed = row(due + dt.timedelta(days=31))
    assert (closed.is_open, closed.closed_automatically, closed.state_label) == (
        False,
        True,
        "已关闭",
    )
    assert closed.closes_on == D(2023, 11, 9)
    assert closed.state_hint == (
        "截止日期已过，已于2023年11月9日后自动关闭，仍可收取逾期报送（记为逾期报送）。"
    )
    assert row(due).state_hint == "截止日期2023年10月10日，2023年11月9日后自动关闭。"

    since = last_id(db)
    with db.session() as s:
        assert settings.set_period_grace_days(s, 5, user=USER)
        assert not settings.set_period_grace_days(s, 5, user=USER)
        for bad in (-1, 367, True, "5"):
            with pytest.raises(UserError):
                settings.set_period_grace_days(s, bad, user=USER)
    entry = only_entry_since(db, since)
    assert (entry.action, entry.summary) == (
        "setting.update",
        "报送期次截止后自动关闭的天数：30 天 → 5 天",
    )
    assert history.describe_detail(entry) == "period_grace_days：30 → 5"
    assert row(due + dt.timedelta(days=5)).is_open
    assert not row(due + dt.timedelta(days=6)).is_open
    other = reopened(db)
    try:
        with other.session() as s:
            assert settings.period_grace_days(s) == 5
            period = s.get(ReportingPeriod, period_id)
            assert periods.period_is_open(s, period, today=due + dt.timedelta(days=5))
            assert not periods.period_is_open(s, period, today=due + dt.timedelta(days=6))
    finally:
        other.close()

    # Closed by hand before the due date: closed, whatever the grace.
    with db.session() as s:
        periods.close_period(s, period_id, user=USER)
    by_hand = row(due - dt.timedelta(days=1))
    assert (by_hand.is_open, by_hand.closed_by_hand, by_hand.closed_automatically) == (
        False,
        True,
        False,
    )
    assert by_hand.state_hint == "已手动关闭，仍可收取逾期报送（记为逾期报送）。"
    with db.session() as s:
        settings.set_setting(s, settings.PERIOD_GRACE_DAYS, "许多")  # damaged: the default
        assert settings.period_grace_days(s) == 30


def test_a_closed_period_still_takes_files_marked_late(db, tmp_path):
    plan_id = import_seed(db, "002")
    with db.session() as s:
        periods.create_periods(s, plan_id, periods.propose_periods_for(s, plan_id), user=USER)
        q3 = periods.find_period(s, plan_id, Q3)
        dep = s.scalar(select(Department).where(Department.name == MARKET))
        template = write_template(s, q3.id, dep.id, tmp_path / template_filename(q3, dep))
        q3_id, market = q3.id, dep.id
        assert not periods.period_is_open(s, q3, today=D(2022, 12, 1))  # due 09-25 + 30
    [outcome] = collect_files(
        db,
        [fill(template, tmp_path / "late.xlsx")],
        user=USER,
        accept_warnings=True,
        received_at=dt.datetime(2022, 12, 1, 2),
    )
    assert outcome.accepted
    with db.session() as s:
        cell = tracking.status_matrix(s, plan_id, today=D(2022, 12, 1)).cell(market, q3_id)
        assert (cell.state, cell.late, cell.received_on) == (
            tracking.STATE_LATE,
            True,
            D(2022, 12, 1),
        )
        [row] = [r for r in periods.list_periods(s, plan_id, today=D(2022, 12, 1)) if r.id == q3_id]
        assert (row.is_open, row.submission_count) == (False, 1)
