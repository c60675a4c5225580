"""Figures as of the period: a past period's documents do not change when later (or
earlier) periods are collected, and a task nobody answered in the period is 未报送.

Seed 002 (12 tasks).  2022年第三季度: 县市场监管局 answers every row 序时推进; 县卫健委
first sends 已完成, then a corrected file 滞后 (the current one counts); 县农业农村局 answered
2022年第二季度 (已完成) but not the third quarter.  So tasks 2 and 3 (only 县农业农村局 of
the answering departments holds them) and task 11 (nobody) are 未报送 in the third
quarter although the ledger says 已完成 / 未启动.  Then 2022年度 is collected, everything
已完成, and the third quarter's documents are generated again.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import docx
import pytest
from sqlalchemy import event, select

from foodsafety_desktop.core.reports.department_report import write_department_report
from foodsafety_desktop.core.reports.itemized import write_itemized
from foodsafety_desktop.core.reports.material import gather_material
from foodsafety_desktop.core.reports.reminder import write_reminder
from foodsafety_desktop.core.reports.summary import (
    NOBODY_REPORTED,
    build_draft,
    summary_figures,
    write_summary,
)
from foodsafety_desktop.core.services import periods, tracking
from foodsafety_desktop.core.services.collect import collect_files
from foodsafety_desktop.core.services.period_status import (
    PERIOD_STATUS_ORDER,
    STATUS_NOT_REPORTED,
    STATUS_UNSTATED,
    DepartmentAnswer,
    EntryAnswer,
    choose_answer,
    period_figures,
    progress_text,
)
from foodsafety_desktop.core.services.templates import template_filename, write_template
from foodsafety_desktop.core.storage.database import Database, open_database
from foodsafety_desktop.core.storage.models import Department, ReportingPeriod, Task

from .collect_fixtures import USER, build_scenario, fill

MARKET, HEALTH, FARM = "县市场监管局", "县卫健委", "县农业农村局"
YEAR = "2022年度"  # due 2022-11-30, after the third quarter
TODAY = dt.date(2022, 10, 10)
Q2_AT = dt.datetime(2022, 6, 20, 2)  # naive UTC
Q3_AT = dt.datetime(2022, 9, 20, 2)
YEAR_AT = dt.datetime(2022, 11, 25, 2)


@pytest.fixture
def any_db(any_db_url, tmp_path, monkeypatch):
    """A fresh database of each backend (SQLite; PostgreSQL with FOODSAFETY_TEST_PG)."""
    monkeypatch.setenv("FOODSAFETY_DATA_DIR", str(tmp_path / "appdata"))
    database = open_database(any_db_url)
    yield database
    database.close()


def collect(db: Database, paths: list[Path], at: dt.datetime) -> None:
    outcomes = collect_files(db, paths, user=USER, received_at=at, accept_warnings=True)
    assert all(o.accepted for o in outcomes), [o.as_dict() for o in outcomes]


def templates_for(db: Database, period_id: int, names: list[str], folder: Path) -> dict:
    folder.mkdir(parents=True, exist_ok=True)
    with db.session() as s:
        period = s.get(ReportingPeriod, period_id)
        out = {}
        for name in names:
            dep = s.scalar(select(Department).where(Department.name == name))
            out[name] = write_template(
                s, period_id, dep.id, folder / template_filename(period, dep)
            )
        return out


class Cycle:
    """The scenario of the module docstring, up to the third quarter collected."""

    def __init__(self, db: Database, folder: Path):
        self.db, self.folder = db, folder
        sc = build_scenario(db, folder / "t", [MARKET, HEALTH, FARM])
        self.plan_id, self.q3, self.q2_templates = sc.plan_id, sc.q3, sc.q2_templates
        out = folder / "r"
        collect(db, [fill(sc.q2_templates[FARM], out / "q2-farm.xlsx", status="已完成")], Q2_AT)
        collect(
            db,
            [
                fill(sc.templates[MARKET], out / "q3-market.xlsx", measures="市场监管第{n}项措施"),
                fill(sc.templates[HEALTH], out / "q3-health-1.xlsx", status="已完成"),
            ],
            Q3_AT,
        )
        corrected = fill(
            sc.templates[HEALTH], out / "q3-health-2.xlsx", status="滞后", measures="卫健第{n}项"
        )
        collect(db, [corrected], Q3_AT + dt.timedelta(hours=1))
        with db.session() as s:
            self.year = periods.find_period(s, self.plan_id, YEAR).id
            self.tasks = {
                t.position: t.id for t in s.scalars(select(Task).where(Task.plan_id == sc.plan_id))
            }

    def collect_year(self) -> None:
        """2022年度: every department, every row 已完成 (a newer period for the ledger)."""
        names = [MARKET, HEALTH, FARM]
        templates = templates_for(self.db, self.year, names, self.folder / "t" / "year")
        files = [
            fill(templates[n], self.folder / "r" / f"year-{n}.xlsx", status="已完成", value=99)
            for n in names
        ]
        collect(self.db, files, YEAR_AT)

    def collect_late_q2(self) -> None:
        """2022年第二季度, an earlier period, collected late: 县市场监管局 all 滞后."""
        path = fill(self.q2_templates[MARKET], self.folder / "r" / "q2-market.xlsx", status="滞后")
        collect(self.db, [path], YEAR_AT + dt.timedelta(days=1))

    def ledger_statuses(self) -> dict[int, str]:
        with self.db.session() as s:
            rows = s.execute(select(Task.position, Task.status).where(Task.plan_id == self.plan_id))
            return dict(rows.all())

    def documents(self, folder: Path) -> dict[str, object]:
        """Every figure and every text of the third quarter's documents."""
        folder.mkdir(parents=True, exist_ok=True)
        with self.db.session() as s:
            material = gather_material(s, self.plan_id, self.q3)
            draft = build_draft(s, self.plan_id, self.q3, today=TODAY, material=material)
            figures = period_figures(s, self.q3)
            matrix = tracking.status_matrix(s, self.plan_id, today=TODAY)
            column = {d.name: matrix.cell(d.id, self.q3).state for d in matrix.departments}
            reminder = tracking.reminder_text(s, self.q3, today=TODAY)
            notice = write_reminder(s, self.q3, folder / "催报.docx", today=TODAY)
        summary = write_summary(draft, material, folder / "总结.docx")
        itemized = write_itemized(material, folder / "逐条.docx", today=TODAY)
        department = write_department_report(material, HEALTH, folder / "部门.docx")
        return {
            "figures": summary_figures(material),
            "counts": material.status_counts,
            "tasks": {t.task_id: (t.status, t.progress) for t in material.tasks},
            "period_figures": {
                i: (t.status, t.progress, t.decided_by.department if t.decided_by else None)
                for i, t in figures.tasks.items()
            },
            "indicators": [(i.text, i.reported_text, i.met) for i in material.indicators],
            "matrix": column,
            "reminder": reminder,
            "summary": document_texts(summary),
            "itemized": document_texts(itemized),
            "department": document_texts(department),
            "notice": document_texts(notice),
        }


def document_texts(path: Path) -> list[str]:
    """The paragraphs of a .docx, then every table cell, as python-docx reads them back."""
    document = docx.Document(str(path))
    texts = [p.text for p in document.paragraphs]
    for table in document.tables:
        texts.extend(cell.text for row in table.rows for cell in row.cells)
    return texts


def test_past_period_documents_do_not_change_when_later_periods_are_collected(any_db, tmp_path):
    cycle = Cycle(any_db, tmp_path)
    before = cycle.documents(tmp_path / "before")
    ledger_before = cycle.ledger_statuses()
    cycle.collect_year()
    cycle.collect_late_q2()
    ledger_after = cycle.ledger_statuses()
    # The ledger follows the newest period: the later period did change it …
    assert ledger_after != ledger_before
    assert {ledger_after[p] for p in (1, 4, 5, 6, 7, 10)} == {"已完成"}
    # … and the third quarter's figures and texts are the same, document by document.
    after = cycle.documents(tmp_path / "after")
    for name in before:
        assert after[name] == before[name], name

    # The figures are the third quarter's own (not the ledger's, before or after).
    status = {p: before["tasks"][cycle.tasks[p]][0] for p in cycle.tasks}
    assert status[1] == "滞后"  # 县卫健委 leads: its current (corrected) answer
    assert status[4] == status[6] == status[10] == "序时推进"  # 县市场监管局 leads
    assert status[5] == status[7] == "序时推进"  # 县市场监管局 only
    assert status[2] == status[3] == status[11] == STATUS_NOT_REPORTED
    assert ledger_before[3] == "已完成" and ledger_before[11] == "未启动"
    figures = before["figures"]
    assert (figures["tasks"], figures["滞后"], figures["序时推进"]) == (12, 1, 8)
    assert figures[STATUS_NOT_REPORTED] == 3 and figures["已完成"] == figures["未启动"] == 0
    assert figures["on_time"] == 2 and FARM in before["reminder"]
    assert before["matrix"][FARM] == tracking.STATE_MISSING
    assert before["tasks"][cycle.tasks[1]][1] == "2022年第三季度县卫健委：卫健第1项"
    opening = next(t for t in before["summary"] if t.startswith("方案确定的"))
    assert "方案确定的12项任务中，序时推进8项、滞后1项、尚未报送进展3项" in opening


def test_an_unanswered_task_is_not_reported_never_not_started(db, tmp_path):
    cycle = Cycle(db, tmp_path)
    texts = cycle.documents(tmp_path / "docs")
    with db.session() as s:
        material = gather_material(s, cycle.plan_id, cycle.q3)
    silent = [t for t in material.tasks if not t.reported]
    assert [t.position for t in silent] == [2, 3, 11]
    assert {t.status for t in silent} == {STATUS_NOT_REPORTED}
    # Nothing of any third-quarter document calls a task 未启动: nobody said so.
    for name in ("summary", "itemized", "department", "notice"):
        assert not any("未启动" in t for t in texts[name]), name
    summary = texts["summary"]
    for task in silent:
        heading = next(t for t in summary if task.heading_title in t and t.startswith("（"))
        assert heading.endswith(NOBODY_REPORTED)
    # 附件1: 完成情况 and 进展摘要 of each silent task say 未报送.
    document = docx.Document(str(tmp_path / "docs" / "总结.docx"))
    rows = {r.cells[1].text: [c.text for c in r.cells] for r in document.tables[0].rows[1:]}
    for task in silent:
        assert rows[task.heading_title][4:] == [STATUS_NOT_REPORTED, STATUS_NOT_REPORTED]
    itemized = docx.Document(str(tmp_path / "docs" / "逐条.docx"))
    note = next(p.text for p in itemized.paragraphs if p.text.startswith("说明："))
    assert "共12项任务，其中序时推进8项、滞后1项、未报送3项；" in note


def test_a_department_saying_not_started_is_not_started(db, tmp_path):
    sc = build_scenario(db, tmp_path / "t", [MARKET])
    collect(db, [fill(sc.templates[MARKET], tmp_path / "r" / "m.xlsx", status="未启动")], Q3_AT)
    with db.session() as s:
        material = gather_material(s, sc.plan_id, sc.q3)
    counts = {k: v for k, v in material.status_counts.items() if v}
    assert counts == {"未启动": 9, STATUS_NOT_REPORTED: 3}


def test_answered_without_a_status_is_unstated(db, tmp_path):
    sc = build_scenario(db, tmp_path / "t", [MARKET])
    path = fill(sc.templates[MARKET], tmp_path / "r" / "m.xlsx", status="", measures="措施{n}")
    collect(db, [path], Q3_AT)
    with db.session() as s:
        figures = period_figures(s, sc.q3)
        market = next(t for t in figures.tasks.values() if t.reported)
    assert market.status == STATUS_UNSTATED
    assert market.progress is not None and market.progress.startswith(
        "2022年第三季度县市场监管局："
    )
    assert {k: v for k, v in figures.status_counts.items() if v} == {
        STATUS_UNSTATED: 9,
        STATUS_NOT_REPORTED: 3,
    }
    assert list(figures.status_counts) == list(PERIOD_STATUS_ORDER)


def test_blank_rows_and_empty_answers_are_not_reports(db, tmp_path):
    sc = build_scenario(db, tmp_path / "t", [HEALTH])
    path = fill(
        sc.templates[HEALTH], tmp_path / "r" / "h.xlsx", status="", measures="同上", value=None
    )
    collect(db, [path], Q3_AT)
    with db.session() as s:
        figures = period_figures(s, sc.q3)
        material = gather_material(s, sc.plan_id, sc.q3)
    assert len(figures.submissions) == 1  # the file is stored …
    # … but says nothing for any task: 同上 without a status is no answer.
    assert {t.status for t in figures.tasks.values()} == {STATUS_NOT_REPORTED}
    assert not any(t.reported for t in material.tasks)


def test_period_figures_read_in_five_queries(db, tmp_path):
    cycle = Cycle(db, tmp_path)
    cycle.collect_year()
    statements: list[str] = []

    def count(*args):
        statements.append(args[2])

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        with db.session() as s:
            figures = period_figures(s, cycle.year)
            for t in figures.tasks.values():  # touching the results loads nothing more
                _ = (t.status, t.progress, [a.status for a in t.answers])
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    selects = [st for st in statements if st.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 5, selects
    assert len(figures.submissions) == 3 and len(figures.tasks) == 12
    assert {t.status for t in figures.tasks.values()} == {"已完成", STATUS_NOT_REPORTED}


# --- the rule ---------------------------------------------------------------------------


def answer(department_id: int, hour: int, status: str | None) -> DepartmentAnswer:
    received = dt.datetime(2022, 9, 20, hour)
    entries = []
    if status is not None:
        entries = [EntryAnswer(None, None, status, None, None, None, None, None, None, None)]
    return DepartmentAnswer(
        department_id, f"单位{department_id}", department_id * 10, received, entries
    )


def test_choose_answer_lead_first_then_newest():
    lead_old = answer(1, 8, "滞后")
    other_new = answer(2, 9, "已完成")
    silent_newest = answer(3, 10, None)
    assert choose_answer([other_new, lead_old, silent_newest], {1}) is lead_old
    assert choose_answer([lead_old, other_new, silent_newest], set()) is other_new
    # A lead without a status does not decide; the newest with one does.
    assert choose_answer([answer(1, 11, None), other_new], {1}) is other_new
    # Nobody gave a status: the newest answer (its measures are the progress).
    assert choose_answer([answer(2, 8, None), silent_newest], {1}) is silent_newest
    assert choose_answer([], {1}) is None


def test_progress_text_as_the_ledger_shows_it():
    measures = ["  检查 ", None, "检查", "抽检"]
    assert progress_text("2022年第三季度县卫健委", measures) == (
        "2022年第三季度县卫健委：检查；抽检"
    )
    assert progress_text("期单位", ["", None]) is None
    long = progress_text("期单位", ["字" * 300])
    assert long is not None and len(long) == 200 and long.endswith("…")
