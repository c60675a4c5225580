"""The same use cases on every backend: SQLite, and PostgreSQL when FOODSAFETY_TEST_PG is set.

The owner's rule: write nothing that only SQLite understands, and test both.  Each test
gets a fresh database of its own (``any_db_url``, tests/pg.py) and goes through the core
use cases as the GUI and the command line call them: plan import of every seed, the
whole reporting cycle (periods, templates, filled workbooks, collecting, the status
matrix, the reminder, the summary draft and its .docx), ledger edits, undo and a
department merge, and two clerks working on one database at the same time.
"""

from __future__ import annotations

import datetime as dt
import threading

import docx
import openpyxl
import pytest
from seeds import NUMBERS, seed_path
from sqlalchemy import case, func, select

from foodsafety_desktop.core.reports.itemized import write_itemized
from foodsafety_desktop.core.reports.material import gather_material
from foodsafety_desktop.core.reports.reminder import write_reminder
from foodsafety_desktop.core.reports.summary import build_draft, save_draft, write_summary
from foodsafety_desktop.core.services import audit, departments, ledger, tracking, undo
from foodsafety_desktop.core.services.collect import collect_files
from foodsafety_desktop.core.services.ledger import LedgerFilter
from foodsafety_desktop.core.services.ledger_export import export_ledger_xlsx
from foodsafety_desktop.core.services.plan_import import import_plan_file
from foodsafety_desktop.core.storage.database import open_database
from foodsafety_desktop.core.storage.models import (
    AuditEntry,
    Department,
    Plan,
    Submission,
    SubmissionEntry,
    Task,
)

from .collect_fixtures import USER, build_scenario, data_rows, fill

MARKET = "县市场监管局"
HEALTH = "县卫健委"
FARM = "县农业农村局"
POLICE = "县公安局"
NAMES = [MARKET, HEALTH, FARM, POLICE]
ON_TIME = dt.datetime(2022, 9, 20, 2, 0)  # naive UTC
LATE = dt.datetime(2022, 10, 8, 2, 0)
TODAY = dt.date(2022, 10, 10)


@pytest.fixture
def any_db(any_db_url, tmp_path, monkeypatch):
    """``open_database`` on a fresh database of each backend (migrated to head)."""
    monkeypatch.setenv("FOODSAFETY_DATA_DIR", str(tmp_path / "appdata"))
    database = open_database(any_db_url)
    yield database
    database.close()


def assert_accepted(outcomes) -> None:
    refused = [(o.file_name, o.errors) for o in outcomes if not o.accepted]
    assert not refused


def _count(db, model) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_open_database_migrates_a_new_database_and_reopens(any_db_url, tmp_path, monkeypatch):
    monkeypatch.setenv("FOODSAFETY_DATA_DIR", str(tmp_path / "appdata"))
    first = open_database(any_db_url)
    try:
        assert _count(first, Plan) == 0
    finally:
        first.close()
    again = open_database(any_db_url)  # at head: no migration the second time
    try:
        assert _count(again, Plan) == 0
    finally:
        again.close()


def test_every_seed_imports_and_the_ledger_filters(any_db):
    counts = {}
    for number in NUMBERS:
        result = import_plan_file(any_db, seed_path(number), user=USER)
        with any_db.session() as s:
            counts[number] = s.scalar(
                select(func.count()).select_from(Task).where(Task.plan_id == result.plan_id)
            )
    assert all(n > 0 for n in counts.values()), counts
    with any_db.session() as s:
        plans = ledger.list_plans(s)
        assert len(plans) == len(NUMBERS)
        rows = ledger.ledger_rows(s, LedgerFilter(), today=TODAY)
        assert len(rows) == sum(counts.values())
        # Text search (LIKE with an escape character), department and overdue filters.
        word = "食品"
        found = ledger.ledger_rows(s, LedgerFilter(text=word), today=TODAY)
        assert found and len(found) < len(rows)
        assert ledger.ledger_rows(s, LedgerFilter(text="100%_不存在"), today=TODAY) == []
        market = departments.find_department_id(s, MARKET)
        mine = ledger.ledger_rows(s, LedgerFilter(department_id=market), today=TODAY)
        assert mine and len(mine) < len(rows)
        ledger.ledger_rows(s, LedgerFilter(overdue_only=True), today=TODAY)
        listed = departments.list_departments(s)
        assert MARKET in [d.name for d in listed]


def test_reporting_cycle(any_db, tmp_path):
    db = any_db
    sc = build_scenario(db, tmp_path / "templates", NAMES)
    out = tmp_path / "returned"
    market = fill(sc.templates[MARKET], out / "market.xlsx", status="已完成")
    health = fill(sc.templates[HEALTH], out / "health.xlsx", only=2)
    farm = fill(sc.templates[FARM], out / "farm.xlsx", status="滞后", value=1.5)

    outcomes = collect_files(
        db,
        [market, health],
        user=USER,
        period_id=sc.q3,
        accept_warnings=True,
        received_at=ON_TIME,
    )
    assert_accepted(outcomes)
    [late] = collect_files(
        db, [farm], user=USER, period_id=sc.q3, accept_warnings=True, received_at=LATE
    )
    assert_accepted([late])
    # The same file again is refused; a corrected workbook replaces the department's.
    [again] = collect_files(db, [market], user=USER, period_id=sc.q3, accept_warnings=True)
    assert not again.accepted
    corrected = fill(sc.templates[HEALTH], out / "health-2.xlsx", status="已完成")
    [replaced] = collect_files(
        db, [corrected], user=USER, period_id=sc.q3, accept_warnings=True, received_at=ON_TIME
    )
    assert_accepted([replaced])

    with db.session() as s:
        subs = s.execute(
            select(Department.name, Submission.is_current)
            .join(Submission.department)
            .order_by(Submission.id)
        ).all()
        assert [tuple(r) for r in subs] == [
            (MARKET, True),
            (HEALTH, False),
            (FARM, True),
            (HEALTH, True),
        ]
        entries = s.scalar(select(func.count()).select_from(SubmissionEntry))
        assert entries > 0

        matrix = tracking.status_matrix(s, sc.plan_id, today=TODAY)
        d = sc.departments
        assert matrix.cell(d[MARKET], sc.q3).state == tracking.STATE_REPORTED
        assert matrix.cell(d[FARM], sc.q3).state == tracking.STATE_LATE
        assert matrix.cell(d[HEALTH], sc.q3).state == tracking.STATE_REPORTED
        assert matrix.cell(d[HEALTH], sc.q3).submission_count == 2
        assert matrix.cell(d[POLICE], sc.q3).state == tracking.STATE_MISSING
        assert matrix.cell(d[MARKET], sc.q3).answered_rows == len(data_rows(sc.templates[MARKET]))
        overview = tracking.reporting_overview(s, sc.plan_id)
        assert overview is not None
        missing = [dep.name for dep in tracking.missing_departments(s, sc.q3)]
        assert POLICE in missing and MARKET not in missing
        assert POLICE in tracking.reminder_text(s, sc.q3, today=TODAY)
        reminder = write_reminder(s, sc.q3, tmp_path / "催报.docx", today=TODAY)
        assert reminder.is_file()

        material = gather_material(s, sc.plan_id, sc.q3)
        draft = build_draft(s, sc.plan_id, sc.q3, today=TODAY, material=material)
        save_draft(s, sc.q3, draft, user=USER)
    with db.session() as s:
        saved = build_draft(s, sc.plan_id, sc.q3, today=TODAY)
        assert saved.blocks and len(saved.blocks) == len(draft.blocks)
    text = "\n".join(
        p.text
        for p in docx.Document(write_summary(draft, material, tmp_path / "总结.docx")).paragraphs
    )
    assert "开展专项检查" in text
    assert write_itemized(material, tmp_path / "逐条.docx", today=TODAY).is_file()
    with db.session() as s:
        path = export_ledger_xlsx(
            s, LedgerFilter(plan_id=sc.plan_id), tmp_path / "台账", today=TODAY
        )
    wb = openpyxl.load_workbook(path)
    assert wb.active.max_row > 1
    wb.close()
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(AuditEntry)) > 0


def test_ledger_edits_and_undo(any_db):
    result = import_plan_file(any_db, seed_path("002"), user=USER)
    with any_db.session() as s:
        before = ledger.ledger_rows(s, LedgerFilter(), today=TODAY)
        first = before[0].task_id
        market = departments.find_department_id(s, MARKET)
        ledger.update_task(
            s,
            first,
            user=USER,
            title="改过的标题",
            status="已完成",
            deadline=dt.date(2022, 12, 31),
            progress="已完成全部工作",
            lead_ids=[market],
        )
    with any_db.session() as s:
        row = ledger.ledger_row(s, first, today=TODAY)
        assert row is not None and row.title == "改过的标题" and row.status == "已完成"
        added = ledger.add_task(s, result.plan_id, user=USER, title="新增任务", after_task_id=first)
    with any_db.session() as s:
        ids = [r.task_id for r in ledger.ledger_rows(s, LedgerFilter(), today=TODAY)]
        assert ids.index(added) == ids.index(first) + 1
        ledger.move_task(s, added, -1, user=USER)
    with any_db.session() as s:
        ids = [r.task_id for r in ledger.ledger_rows(s, LedgerFilter(), today=TODAY)]
        assert ids.index(added) < ids.index(first)
        assert len(ids) == len(before) + 1
        ledger.delete_task(s, added, user=USER)
    with any_db.session() as s:
        assert len(ledger.ledger_rows(s, LedgerFilter(), today=TODAY)) == len(before)
        assert undo.last_undoable(s) is not None
        assert undo.undo_last(s, user="李四")
    with any_db.session() as s:
        rows = ledger.ledger_rows(s, LedgerFilter(), today=TODAY)
        assert len(rows) == len(before) + 1
        assert "新增任务" in [r.title for r in rows]
        history = audit.history(s, "task", first)
        assert history


def test_department_merge_and_undo(any_db, tmp_path):
    sc = build_scenario(any_db, tmp_path / "templates", [MARKET, FARM])
    out = tmp_path / "returned"
    files = [
        fill(sc.templates[MARKET], out / "market.xlsx"),
        fill(sc.templates[FARM], out / "farm.xlsx"),
    ]
    outcomes = collect_files(
        any_db, files, user=USER, period_id=sc.q3, accept_warnings=True, received_at=ON_TIME
    )
    assert_accepted(outcomes)
    d = sc.departments
    with any_db.session() as s:
        before = sorted((r.name, tuple(sorted(r.aliases))) for r in departments.list_departments(s))
        departments.merge_departments(s, d[MARKET], d[FARM], user=USER)
    with any_db.session() as s:
        names = [r.name for r in departments.list_departments(s)]
        assert FARM not in names
        currents = s.execute(
            select(Submission.department_id, Submission.is_current).order_by(Submission.id)
        ).all()
        assert {tuple(c) for c in currents} == {(d[MARKET], True), (d[MARKET], False)}
        assert "1 份报送" in undo.undo_last(s, user=USER)
    with any_db.session() as s:
        after = sorted((r.name, tuple(sorted(r.aliases))) for r in departments.list_departments(s))
        assert after == before
        currents = s.execute(select(Submission.department_id, Submission.is_current)).all()
        assert {tuple(c) for c in currents} == {(d[MARKET], True), (d[FARM], True)}


def test_two_clerks_collect_at_once(any_db, any_db_url, tmp_path):
    """Two clerks (two programs, two engines) collect different departments' workbooks at
    the same moment, and both collect the same department's: every workbook is stored,
    and each department has exactly one current submission."""
    sc = build_scenario(any_db, tmp_path / "templates", NAMES)
    out = tmp_path / "returned"
    batches = {
        "甲": [
            fill(sc.templates[MARKET], out / "甲" / "market.xlsx"),
            fill(sc.templates[HEALTH], out / "甲" / "health.xlsx", reporter="甲"),
        ],
        "乙": [
            fill(sc.templates[FARM], out / "乙" / "farm.xlsx"),
            fill(sc.templates[HEALTH], out / "乙" / "health.xlsx", reporter="乙"),
        ],
    }
    clerks = {name: open_database(any_db_url) for name in batches}
    results: dict[str, list] = {}
    errors: list[BaseException] = []
    start = threading.Barrier(len(clerks))

    def work(name: str) -> None:
        try:
            start.wait(timeout=30)
            results[name] = collect_files(
                clerks[name],
                batches[name],
                user=name,
                period_id=sc.q3,
                accept_warnings=True,
                received_at=ON_TIME,
            )
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(name,)) for name in clerks]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
    finally:
        for clerk in clerks.values():
            clerk.close()
    assert not errors, errors
    outcomes = [o for name in clerks for o in results[name]]
    assert_accepted(outcomes)
    with any_db.session() as s:
        rows = s.execute(
            select(
                Department.name, func.count(), func.sum(case((Submission.is_current, 1), else_=0))
            )
            .join(Submission.department)
            .group_by(Department.name)
        ).all()
        assert {name: (n, current) for name, n, current in rows} == {
            MARKET: (1, 1),
            FARM: (1, 1),
            HEALTH: (2, 1),
        }
        matrix = tracking.status_matrix(s, sc.plan_id, today=TODAY)
        assert matrix.cell(sc.departments[HEALTH], sc.q3).submission_count == 2
