"""The departments × periods matrix, missing departments and the 催报 text."""

from __future__ import annotations

import datetime as dt

from foodsafety_desktop.core.services.collect import collect_files
from foodsafety_desktop.core.services.settings import (
    OFFICE_CONTACT,
    OFFICE_NAME,
    OFFICE_PHONE,
    set_setting,
)
from foodsafety_desktop.core.services.tracking import (
    STATE_LATE,
    STATE_MISSING,
    STATE_PARTIAL,
    STATE_PENDING,
    STATE_REPORTED,
    missing_departments,
    reminder_text,
    status_matrix,
)

from .collect_fixtures import USER, build_scenario, fill

NAMES = ["县市场监管局", "县卫健委", "县发改委"]


def test_matrix_missing_and_reminder(db, tmp_path):
    sc = build_scenario(db, tmp_path / "t", NAMES)
    out = tmp_path / "r"
    ok = collect_files(
        db,
        [fill(sc.templates["县市场监管局"], out / "a.xlsx")],
        user=USER,
        received_at=dt.datetime(2022, 9, 20, 2),
        accept_warnings=True,
    )
    part = collect_files(
        db,
        [fill(sc.templates["县卫健委"], out / "b.xlsx", only=2)],
        user=USER,
        received_at=dt.datetime(2022, 9, 21, 2),
        accept_warnings=True,
    )
    late = collect_files(
        db,
        [fill(sc.templates["县发改委"], out / "c.xlsx")],
        user=USER,
        received_at=dt.datetime(2022, 10, 9, 2),
        accept_warnings=True,
    )
    assert all(o.accepted for o in ok + part + late)
    today = dt.date(2022, 10, 1)
    with db.session() as s:
        matrix = status_matrix(s, sc.plan_id, today=today)
        ids = sc.departments
        cell = matrix.cell(ids["县市场监管局"], sc.q3)
        assert (cell.state, cell.answered_rows, cell.expected_rows) == (STATE_REPORTED, 9, 9)
        assert (
            cell.received_on
            == dt.datetime(2022, 9, 20, 2).replace(tzinfo=dt.timezone.utc).astimezone().date()
        )
        cell = matrix.cell(ids["县卫健委"], sc.q3)
        assert (cell.state, cell.answered_rows, cell.expected_rows) == (STATE_PARTIAL, 2, 4)
        assert matrix.cell(ids["县发改委"], sc.q3).state == STATE_LATE
        assert matrix.cell(ids["县发改委"], sc.q3).late
        # another department of the plan: due date passed → 未报; a later period → 待报
        other = next(d for d in matrix.departments if d.name == "县农业农村局")
        assert matrix.cell(other.id, sc.q3).state == STATE_MISSING
        later = next(p for p in matrix.periods if p.name == "2022年度")
        assert matrix.cell(other.id, later.id).state == STATE_PENDING
        assert matrix.counts(sc.q3)[STATE_MISSING] == len(matrix.departments) - 3

        missing = missing_departments(s, sc.q3)
        assert {d.name for d in missing} == {d.name for d in matrix.departments} - set(NAMES)

        set_setting(s, OFFICE_NAME, "卢氏县食安办")
        set_setting(s, OFFICE_CONTACT, "李四")
        set_setting(s, OFFICE_PHONE, "0398-1234567")
        text = reminder_text(s, sc.q3, today=today)
    assert text.startswith("【卢氏县食安办催报】")
    assert "2022年第三季度" in text and "2022年9月25日" in text and "已逾期6天" in text
    assert "县农业农村局" in text and "县市场监管局" not in text
    assert "联系人：李四" in text and "0398-1234567" in text
    assert f"以下{len(missing)}个单位尚未报送" in text


def test_reminder_when_all_reported(db, tmp_path):
    sc = build_scenario(db, tmp_path / "t", ["县市场监管局"])
    with db.session() as s:
        text = reminder_text(s, sc.q2, today=dt.date(2022, 6, 1))
        assert "截止日期为2022年6月25日" in text and "请于截止日期前报送" in text


def test_reminder_is_signed_by_the_office_of_the_plans_place(db, tmp_path):
    sc = build_scenario(db, tmp_path / "t", ["县市场监管局"])
    with db.session() as s:
        text = reminder_text(s, sc.q3, today=dt.date(2022, 10, 1))
    assert text.startswith("【卢氏县食品安全委员会办公室催报】《卢氏县")
    assert "》2022年第三季度落实情况报送截止日期" in text
    assert "发送至卢氏县食品安全委员会办公室。" in text  # no contact set: nothing in brackets
