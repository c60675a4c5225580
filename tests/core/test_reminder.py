"""The 催报通知 in the 公文 format: addressed to the missing departments, with the
office's contact, read back with python-docx."""

from __future__ import annotations

import datetime as dt

import docx
import pytest
from docx.enum.section import WD_ORIENT

from foodsafety_desktop.core.errors import UserError
from foodsafety_desktop.core.reports import reminder
from foodsafety_desktop.core.reports.reminder import write_reminder
from foodsafety_desktop.core.services.collect import collect_files
from foodsafety_desktop.core.services.settings import (
    OFFICE_CONTACT,
    OFFICE_EMAIL,
    OFFICE_NAME,
    OFFICE_PHONE,
    set_setting,
)
from foodsafety_desktop.core.services.tracking import missing_departments
from foodsafety_desktop.core.storage.models import Department, Submission

from .collect_fixtures import USER, build_scenario, fill


@pytest.fixture
def scenario(db, tmp_path):
    sc = build_scenario(db, tmp_path / "t", ["县市场监管局"])
    outcomes = collect_files(
        db,
        [fill(sc.templates["县市场监管局"], tmp_path / "r" / "a.xlsx")],
        user=USER,
        received_at=dt.datetime(2022, 9, 20, 2),
        accept_warnings=True,
    )
    assert all(o.accepted for o in outcomes)
    with db.session() as s:
        set_setting(s, OFFICE_NAME, "卢氏县食品安全委员会办公室")
        set_setting(s, OFFICE_CONTACT, "李四")
        set_setting(s, OFFICE_PHONE, "0398-1234567")
    return sc


def texts(path) -> list[str]:
    return [p.text for p in docx.Document(str(path)).paragraphs]


def test_overdue_reminder_names_missing_departments_and_contact(
    db, scenario, tmp_path, monkeypatch
):
    monkeypatch.setattr(reminder, "MAX_NAMED_RECIPIENTS", 100)  # all as 主送机关
    today = dt.date(2022, 10, 1)
    with db.session() as s:
        missing = [d.name for d in missing_departments(s, scenario.q3)]
        path = write_reminder(s, scenario.q3, tmp_path / "催报", today=today)
    assert path.name == "催报.docx"
    d = docx.Document(str(path))
    lines = [p.text for p in d.paragraphs]
    title = d.paragraphs[0]
    assert title.style.name == "公文标题"
    # the plan's title would need four lines: the title names the period, the body the plan
    assert title.text == "关于报送2022年第三季度食品安全工作\n落实情况的催报通知"
    recipient = next(p for p in d.paragraphs if p.style.name == "主送机关")
    assert recipient.text == "、".join(missing) + "："
    assert "县市场监管局" not in recipient.text
    body = "".join(lines)
    assert "应于2022年9月25日前报送2022年第三季度工作落实情况" in body
    assert "截至2022年10月1日，你单位尚未报送，已超过报送截止日期6天" in body
    assert "于2022年10月4日前将报送表Excel文件报送卢氏县食品安全委员会办公室" in body
    assert "联系人：李四，联系电话：0398-1234567。" in lines
    assert lines[-2:] == ["卢氏县食品安全委员会办公室", "2022年10月1日"]
    # 特此通知 and the blank line go to the 署名's page, never the 署名 alone
    closing = lines.index("特此通知。")
    assert d.paragraphs[closing].paragraph_format.keep_with_next
    assert d.paragraphs[closing + 1].paragraph_format.keep_with_next
    assert not d.paragraphs[closing - 1].paragraph_format.keep_with_next
    assert d.sections[0].orientation == WD_ORIENT.PORTRAIT


def test_many_missing_departments_go_to_general_recipient(db, scenario, tmp_path):
    today = dt.date(2022, 9, 20)
    with db.session() as s:
        set_setting(s, OFFICE_EMAIL, "lsfda@example.cn")
        missing = [d.name for d in missing_departments(s, scenario.q3)]
        assert len(missing) > reminder.MAX_NAMED_RECIPIENTS
        path = write_reminder(s, scenario.q3, tmp_path / "催报.docx", today=today)
    lines = texts(path)
    body = "".join(lines)
    assert "各有关单位：" in lines
    for name in missing:
        assert name in body
    assert f"等{len(missing)}个单位尚未报送，距报送截止日期还有5天。" in body
    # before the due date the reply date is the due date itself
    assert "于2022年9月25日前将报送表Excel文件报送" in body
    assert "（电子邮箱：lsfda@example.cn）" in body
    assert "0398-1234567" in body


def test_no_reminder_when_everyone_reported(db, scenario, tmp_path):
    with db.session() as s:
        # mark every expected department as reported
        for dep in missing_departments(s, scenario.q3):
            s.add(
                Submission(
                    period_id=scenario.q3,
                    department_id=dep.id,
                    source_name="x.xlsx",
                    sha256=f"{dep.id:064d}",
                )
            )
        s.flush()
        with pytest.raises(UserError, match="均已报送"):
            write_reminder(s, scenario.q3, tmp_path / "x.docx", today=dt.date(2022, 10, 1))


def test_contact_lines_are_left_out_when_not_set(db, tmp_path):
    sc = build_scenario(db, tmp_path / "t", ["县市场监管局"])
    with db.session() as s:
        assert s.query(Department).count() > 0
        path = write_reminder(s, sc.q2, tmp_path / "r.docx", today=dt.date(2022, 6, 25))
    lines = texts(path)
    assert not any(line.startswith("联系人") for line in lines)
    assert "今天为报送截止日期" in "".join(lines)
    # no office name set: signed with the plan's place (seed 002)
    assert lines[-2:] == ["卢氏县食品安全委员会办公室", "2022年6月25日"]


def test_reply_deadline():
    due = dt.date(2022, 9, 25)
    assert reminder.reply_deadline(due, dt.date(2022, 9, 1)) == due
    assert reminder.reply_deadline(due, dt.date(2022, 9, 26)) == dt.date(2022, 9, 29)


def test_title_names_a_short_plan():
    title = reminder.reminder_title("《2023年食品安全工作要点》", "2023年第三季度")
    assert title == "关于报送《2023年食品安全工作要点》\n2023年第三季度落实情况的催报通知"
