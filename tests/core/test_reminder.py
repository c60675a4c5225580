"""The 催报通知 in the 公文 format: addressed to the missing departments, with the
office's contact, read back with python-docx."""

from __future__ import annotations

import datetime as dt
import re

import docx
import openpyxl
import pytest
from docx.enum.section import WD_ORIENT

from foodsafety_desktop.core.errors import UserError
from foodsafety_desktop.core.excel import template_layout as layout
from foodsafety_desktop.core.reports import reminder
from foodsafety_desktop.core.reports.reminder import write_reminder
from foodsafety_desktop.core.services.collect import collect_files
from foodsafety_desktop.core.services.departments import add_group_members, find_department_id
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
from .realistic_fixtures import SPREAD, joined, needs_pdf_tools, render_pages


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
    # the plan's title fits three lines broken between its words
    assert title.text == (
        "关于报送《卢氏县深化食品安全放心工程建设\n攻坚行动工作方案（2022—2024年）》\n"
        "2022年第三季度落实情况的催报通知"
    )
    recipient = next(p for p in d.paragraphs if p.style.name == "主送机关")
    assert recipient.text == "、".join(missing) + "："
    assert "县市场监管局" not in recipient.text
    body = "".join(lines)
    assert "应于2022年9月25日前报送2022年第三季度工作落实情况" in body
    assert "截至2022年10月1日，你单位尚未报送，已超过报送截止日期6天" in body
    assert (
        "请你单位于2022年10月4日前，将经单位负责人审核的报送表通过电子邮件、U盘或微信"
        "报送卢氏县食品安全委员会办公室。"
    ) in body
    # the plan is named once: in the title here, so the body does not repeat it
    assert body.replace("\n", "").count("《卢氏县深化食品安全放心工程建设攻坚行动工作方案") == 1
    assert "按照工作安排，各有关单位应于" in body
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
    assert "请上述单位于2022年9月25日前，将经单位负责人审核的报送表" in body
    # the address on a line of its own, after the contact
    assert lines[lines.index("联系人：李四，联系电话：0398-1234567。") + 1] == (
        "电子邮箱：lsfda@example.cn"
    )


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
    # nothing set: a line to write each on by hand
    blank = f"联系人：{reminder.BLANK_NAME}，联系电话：{reminder.BLANK_PHONE}。"
    assert blank in lines and set(reminder.BLANK_NAME) == {"_"}
    assert not any("电子邮箱" in line for line in lines)
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


# --- as printed: LibreOffice's layout ---------------------------------------------------

TOWNSHIPS = ["城关镇", "东明镇", "文峪乡", "横涧乡", "官道口镇"]


def missing_count(db, folder, count: int, *, contact: bool, reported: int = 0):
    """Seed 002 with ``count`` departments missing for Q3: townships added to 各乡镇政府
    (its members report) or ``reported`` departments marked as reported."""
    sc = build_scenario(db, folder, [])
    with db.session() as s:
        have = len(missing_departments(s, sc.q3))
        if count > have:
            group = find_department_id(s, "各乡镇政府")
            add_group_members(s, group, TOWNSHIPS[: count - have], user=USER, create=True)
        for dep in missing_departments(s, sc.q3)[:reported]:
            s.add(
                Submission(
                    period_id=sc.q3,
                    department_id=dep.id,
                    source_name="x.xlsx",
                    sha256=f"{dep.id:064d}",
                )
            )
        s.flush()
        if contact:
            set_setting(s, OFFICE_CONTACT, "李四")
            set_setting(s, OFFICE_PHONE, "0398-1234567")
            set_setting(s, OFFICE_EMAIL, "lsfda@example.cn")
        names = [d.name for d in missing_departments(s, sc.q3)]
    assert len(names) == count - reported
    return sc, names


@needs_pdf_tools
@pytest.mark.parametrize(
    ("count", "contact", "reported"),
    [(16, False, 0), (16, True, 0), (20, True, 0), (15, True, 5)],
    ids=["16-no-contact", "16", "20", "10-named"],
)
def test_notice_is_one_page_signed_with_its_closing(db, tmp_path, count, contact, reported):
    sc, names = missing_count(db, tmp_path / "t", count, contact=contact, reported=reported)
    with db.session() as s:
        path = write_reminder(s, sc.q3, tmp_path / "催报.docx", today=dt.date(2022, 10, 1))
    pages = render_pages(path, tmp_path)
    assert len(pages) == 1
    page = joined(pages[0])
    assert page.startswith("关于报送")
    # every missing department named, none spread apart; 特此通知 above the 署名
    for name in names:
        assert name in page, name
    assert not SPREAD.search(pages[0]), SPREAD.search(pages[0])
    assert page.index("特此通知。") < page.index("卢氏县食品安全委员会办公室2022年10月1日")
    assert page.endswith("2022年10月1日—1—")
    if contact:
        assert "联系人：李四，联系电话：0398-1234567。电子邮箱：lsfda@example.cn" in page
    else:
        assert "联系人：" in page and "联系电话：" in page


def test_notice_agrees_with_the_instructions_of_the_template(db, tmp_path):
    """What the notice asks of the file is what the template's 填报说明 allows."""
    sc = build_scenario(db, tmp_path / "t", ["县市场监管局"])
    wb = openpyxl.load_workbook(sc.templates["县市场监管局"])
    instructions = "".join(str(c.value or "") for c in wb[layout.INSTRUCTIONS_SHEET]["A"])
    with db.session() as s:
        path = write_reminder(s, sc.q3, tmp_path / "催报.docx", today=dt.date(2022, 10, 1))
    notice = "".join(texts(path))
    formats = set(re.findall(r"\.xlsx?(?![A-Za-z])", instructions))
    assert formats == {".xlsx", ".xls"}
    assert formats == set(re.findall(r"\.xlsx?(?![A-Za-z])", notice))
    assert "另存为" not in notice
    for way in ("电子邮件", "U盘", "微信"):
        assert way in instructions and way in notice
    assert "不要插入、删除或移动行和列" in instructions and "不要增删行列" in notice
