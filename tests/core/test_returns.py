"""退回修改: a collected workbook returned with comments, the unit's state, the package
(退回说明 and prefilled template) and the corrected file replacing the returned one."""

from __future__ import annotations

import datetime as dt
import json

import openpyxl
import pytest
from docx import Document
from sqlalchemy import select

from foodsafety_desktop.core.errors import UserError
from foodsafety_desktop.core.excel import template_layout as layout
from foodsafety_desktop.core.reports.return_notice import write_return_package
from foodsafety_desktop.core.services import history, returns, tracking
from foodsafety_desktop.core.services.collect import collect_files
from foodsafety_desktop.core.services.overview import overview
from foodsafety_desktop.core.services.period_status import period_figures
from foodsafety_desktop.core.services.returns import RowComment
from foodsafety_desktop.core.services.templates import template_rows
from foodsafety_desktop.core.storage.database import open_database
from foodsafety_desktop.core.storage.models import AuditEntry, Submission, Task

from .collect_fixtures import USER, build_scenario, fill

MARKET = "县市场监管局"
TODAY = dt.date(2022, 10, 1)  # a Saturday: 3 working days → Wednesday 2022-10-05


@pytest.fixture
def db(any_db_url):
    database = open_database(any_db_url)
    yield database
    database.close()


def collected(db, sc, tmp_path, name="a.xlsx", received=dt.datetime(2022, 9, 20, 2)):
    out = collect_files(
        db,
        [fill(sc.templates[MARKET], tmp_path / "back" / name)],
        user=USER,
        received_at=received,
        accept_warnings=True,
    )
    assert out[0].accepted, out[0].errors
    return out[0].submission_id


def state(url, sc, today=TODAY) -> str:
    db = open_database(url)
    try:
        with db.session() as s:
            return (
                tracking.status_matrix(s, sc.plan_id, today=today)
                .cell(sc.departments[MARKET], sc.q3)
                .state
            )
    finally:
        db.close()


def test_return_package_and_corrected_file(db, any_db_url, tmp_path):
    sc = build_scenario(db, tmp_path / "t", [MARKET])
    sub_id = collected(db, sc, tmp_path)
    with db.session() as s:
        layout_rows = [r for r in template_rows(s, sc.q3, sc.departments[MARKET]) if not r.anchor]
    first, third = layout_rows[0], layout_rows[2]

    result = returns.return_submission(
        db,
        sub_id,
        user=USER,
        note="部分任务的落实情况过于简略。",
        rows=[
            RowComment(first.task_id, "请补充检查户次和发现问题数。"),
            RowComment(third.task_id, "完成情况与措施不一致，请核实。"),
            RowComment(layout_rows[1].task_id, "   "),  # empty: dropped
        ],
    )
    assert (result.returned, result.updated, result.department) == (True, False, MARKET)
    assert [r.row for r in result.rows] == [first.row, third.row]

    # Reopened: the stored return, its audit entry, the state everywhere it is shown.
    again = open_database(any_db_url)
    try:
        with again.session() as s:
            sub = s.get(Submission, sub_id)
            assert sub.returned_by == USER and sub.returned_at is not None and sub.is_current
            data = json.loads(sub.return_json)
            assert data["note"] == "部分任务的落实情况过于简略。"
            assert [(r["task_id"], r["row"], r["comment"]) for r in data["rows"]] == [
                (first.task_id, first.row, "请补充检查户次和发现问题数。"),
                (third.task_id, third.row, "完成情况与措施不一致，请核实。"),
            ]
            entry = s.scalars(
                select(AuditEntry).where(AuditEntry.action == returns.ACTION_RETURN)
            ).one()
            assert (entry.entity, entry.entity_id, entry.user) == ("submission", sub_id, USER)
            assert history.ACTION_LABELS[entry.action] == "退回修改"
            assert "请补充检查户次和发现问题数" in history.describe(entry.action, entry.detail)

            matrix = tracking.status_matrix(s, sc.plan_id, today=TODAY)
            cell = matrix.cell(sc.departments[MARKET], sc.q3)
            assert (cell.state, cell.submission_id) == (tracking.STATE_RETURNED, sub_id)
            assert matrix.counts(sc.q3)[tracking.STATE_RETURNED] == 1
            view = overview(s, sc.plan_id, sc.q3, today=TODAY)
            unit = next(d for d in view.departments if d.name == MARKET)
            assert unit.state == tracking.STATE_RETURNED
            assert (unit.periods_on_time, unit.periods_late) == (0, 0)  # not final yet
            assert [d.name for d in tracking.returned_departments(s, sc.q3)] == [MARKET]
            assert MARKET not in [d.name for d in tracking.missing_departments(s, sc.q3)]
            text = tracking.reminder_text(s, sc.q3, today=TODAY)
            assert f"以下1个单位的报送表已退回修改：{MARKET}。请按退回意见修改后" in text
            # The returned answers still count in the period's figures.
            figures = period_figures(s, sc.q3)
            assert figures.tasks[first.task_id].status == "序时推进"
    finally:
        again.close()

    package = write_return_package(db, sub_id, tmp_path / "pkg", today=TODAY)
    notice = Document(str(package.notice_path))
    paragraphs = "\n".join(p.text for p in notice.paragraphs)
    assert "关于退回修改县市场监管局2022年第三季度" in paragraphs.replace("\n", "")
    assert "退回原因：部分任务的落实情况过于简略。" in paragraphs
    assert "2022年10月5日前重新报送" in paragraphs  # 3 working days after Saturday 10-01
    assert "文件名：a.xlsx" in paragraphs and "2022年9月20日" in paragraphs
    table = notice.tables[0]
    cells = [[c.text for c in row.cells] for row in table.rows]
    assert cells[0] == ["序号", "任务", "退回意见"]
    # 序号 as the unit's own 报送表 numbers the rows, so it finds them.
    assert [row[0] for row in cells[1:]] == [str(first.seq), str(third.seq)]
    assert [row[2] for row in cells[1:]] == [
        "请补充检查户次和发现问题数。",
        "完成情况与措施不一致，请核实。",
    ]
    assert cells[1][1].startswith("（一）")

    wb = openpyxl.load_workbook(package.template_path)
    ws = wb[layout.REPORT_SHEET]
    assert ws[layout.REPORTER_CELL].value == "张三"  # the returned file's 填报人
    assert ws[layout.cell("status", first.row)].value == "序时推进"
    assert ws[layout.cell("measures", first.row)].value == "已按要求推进，开展专项检查1次"
    assert (
        ws[layout.cell("task", first.row)].comment.text == "退回意见：请补充检查户次和发现问题数。"
    )
    assert ws[layout.cell("task", layout_rows[1].row)].comment is None
    # It asks for the same date as the notice (3 working days), not the period's due date.
    hint = ws[f"A{layout.HINT_ROW}"].value
    assert hint.startswith("重新报送截止日期：2022年10月5日前"), hint
    instructions = [c.value for c in wb[layout.INSTRUCTIONS_SHEET]["A"] if c.value]
    assert "重新报送截止日期：2022年10月5日前" in instructions
    # The unit corrects the commented row and sends it back.
    ws[layout.cell("measures", first.row)] = "开展专项检查120户次，发现问题15个，已全部整改。"
    corrected = tmp_path / "back" / "更正.xlsx"
    wb.save(corrected)
    out = collect_files(
        db, [corrected], user=USER, received_at=dt.datetime(2022, 9, 24, 2), accept_warnings=True
    )
    assert out[0].accepted and not out[0].warnings, (out[0].errors, out[0].warnings)
    new_id = out[0].submission_id

    assert state(any_db_url, sc) == tracking.STATE_REPORTED
    again = open_database(any_db_url)
    try:
        with again.session() as s:
            old, new = s.get(Submission, sub_id), s.get(Submission, new_id)
            assert (old.is_current, new.is_current) == (False, True)
            assert new.replaced_submission_id == sub_id
            assert old.returned_at is not None and new.returned_at is None  # both kept
            rows = history.submission_history(s, sub_id)
            assert [r.action_code for r in rows] == [
                "submission.collect",
                returns.ACTION_RETURN,
                "submission.collect",
            ]
            assert rows[0].entity_id == new_id and rows[0].summary.endswith(
                "（更正退回修改的报送）"
            )
            assert "完成情况与措施不一致" in rows[1].detail_text()
            assert [r.id for r in history.submission_history(s, new_id)] == [r.id for r in rows]
            review = returns.review_submission(s, sub_id)
            assert review.replaced_by == new_id and not review.is_current
            assert review.returned is not None and len(review.returned.rows) == 2
    finally:
        again.close()
    # The returned one is history now: it can be neither returned nor withdrawn.
    with pytest.raises(UserError, match="只能退回当前有效的报送"):
        returns.return_submission(db, sub_id, user=USER, note="再退", rows=[])
    with pytest.raises(UserError, match="退回已经结束"):
        returns.withdraw_return(db, sub_id, user=USER)


def test_return_again_updates_the_comments_and_withdraw_undoes_it(db, any_db_url, tmp_path):
    sc = build_scenario(db, tmp_path / "t", [MARKET])
    sub_id = collected(db, sc, tmp_path, received=dt.datetime(2022, 9, 30, 2))
    assert state(any_db_url, sc) == tracking.STATE_LATE
    with db.session() as s:
        task_id = template_rows(s, sc.q3, sc.departments[MARKET])[0].task_id
    returns.return_submission(db, sub_id, user=USER, note="请补充数据。", rows=[])
    result = returns.return_submission(
        db, sub_id, user="李四", note="", rows=[RowComment(task_id, "请写明抽检批次。")]
    )
    assert result.updated and result.note == ""
    assert state(any_db_url, sc) == tracking.STATE_RETURNED
    with db.session() as s:
        sub = s.get(Submission, sub_id)
        assert sub.returned_by == "李四"
        info = returns.return_info(sub)
        assert (info.note, [r.comment for r in info.rows]) == ("", ["请写明抽检批次。"])
        entry = s.scalars(
            select(AuditEntry).where(AuditEntry.action == returns.ACTION_RETURN_UPDATE)
        ).one()
        detail = history.describe(entry.action, entry.detail)
        assert "退回说明：请补充数据。 → （空）" in detail
        assert "请写明抽检批次。" in detail
    withdrawn = returns.withdraw_return(db, sub_id, user=USER)
    assert not withdrawn.returned
    assert state(any_db_url, sc) == tracking.STATE_LATE  # as before the return
    with db.session() as s:
        sub = s.get(Submission, sub_id)
        assert (sub.returned_at, sub.returned_by, sub.return_json) == (None, None, None)
        actions = [r.action_code for r in history.submission_history(s, sub_id)]
    assert actions == [
        returns.ACTION_WITHDRAW,
        returns.ACTION_RETURN_UPDATE,
        returns.ACTION_RETURN,
        "submission.collect",
    ]
    with pytest.raises(UserError, match="未被退回"):
        returns.withdraw_return(db, sub_id, user=USER)
    with pytest.raises(UserError, match="未被退回"):
        write_return_package(db, sub_id, tmp_path / "pkg")


def test_refusals_change_nothing(db, any_db_url, tmp_path):
    sc = build_scenario(db, tmp_path / "t", [MARKET])
    sub_id = collected(db, sc, tmp_path)
    with db.session() as s:
        every = set(s.scalars(select(Task.id).where(Task.plan_id == sc.plan_id)))
        ours = {r.task_id for r in template_rows(s, sc.q3, sc.departments[MARKET])}
        before = len(s.scalars(select(AuditEntry)).all())
    foreign = min(every - ours)
    with pytest.raises(UserError, match="请填写退回说明，或至少填写一行的退回意见"):
        returns.return_submission(db, sub_id, user=USER, note="  ", rows=[RowComment(1, " ")])
    with pytest.raises(UserError, match="不在“县市场监管局”的报送表中"):
        returns.return_submission(db, sub_id, user=USER, note="x", rows=[RowComment(foreign, "y")])
    with pytest.raises(UserError, match="未找到报送记录"):
        returns.return_submission(db, 99999, user=USER, note="x", rows=[])
    with pytest.raises(UserError, match="尚未报送"):
        returns.find_submission(db, sc.plan_id, "2022年第三季度", "县卫健委")
    assert returns.find_submission(db, sc.plan_id, "2022年第三季度", MARKET) == sub_id
    with db.session() as s:
        assert len(s.scalars(select(AuditEntry)).all()) == before
        assert s.get(Submission, sub_id).returned_at is None
    assert state(any_db_url, sc) == tracking.STATE_REPORTED


@pytest.mark.parametrize(
    ("day", "days", "expected"),
    [
        (dt.date(2022, 10, 1), 3, dt.date(2022, 10, 5)),  # Saturday
        (dt.date(2022, 9, 28), 3, dt.date(2022, 10, 3)),  # Wednesday → Monday
        (dt.date(2022, 9, 30), 1, dt.date(2022, 10, 3)),  # Friday → Monday
    ],
)
def test_working_days(day, days, expected):
    assert returns.add_working_days(day, days) == expected


def test_a_corrected_file_after_the_due_date_keeps_the_first_receipt(db, any_db_url, tmp_path):
    """Reported on time, returned, corrected after the due date: still on time (the
    office asked for the rework), in the matrix and in the 概况; a unit late the first
    time stays late."""
    sc = build_scenario(db, tmp_path / "t", [MARKET])
    sub_id = collected(db, sc, tmp_path, received=dt.datetime(2022, 9, 20, 2))
    with db.session() as s:
        due = s.get(Submission, sub_id).period.due_date
    returns.return_submission(db, sub_id, user=USER, note="部分任务的落实情况过于简略。", rows=[])
    assert state(any_db_url, sc) == tracking.STATE_RETURNED
    after_due = dt.datetime.combine(due + dt.timedelta(days=8), dt.time(2))
    corrected = fill(
        sc.templates[MARKET], tmp_path / "back" / "更正.xlsx", measures="补充检查户次{n}"
    )
    out = collect_files(db, [corrected], user=USER, received_at=after_due, accept_warnings=True)
    assert out[0].accepted, out[0].errors
    later = due + dt.timedelta(days=10)
    assert state(any_db_url, sc, today=later) == tracking.STATE_REPORTED
    again = open_database(any_db_url)
    try:
        with again.session() as s:
            unit = next(
                d
                for d in overview(s, sc.plan_id, sc.q3, today=later).departments
                if d.name == MARKET
            )
            assert (unit.state, unit.periods_on_time, unit.periods_late) == ("已报", 1, 0)
    finally:
        again.close()
