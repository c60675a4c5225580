"""The place on the documents: every seed imported, its place stored on the plan, and the
署名, 报送至 and titles of the documents generated for it, read back from the files
(python-docx for the 工作总结 / 催报通知 / 逐条报送表, openpyxl for the 报送表).

The expected places and titles were read off the seeds (see ``test_places.SEEDS``).
"""

from __future__ import annotations

import datetime as dt
import re

import docx
import openpyxl
import pytest
from seeds import seed_path
from sqlalchemy import select

from foodsafety_desktop.core.excel import template_layout as layout
from foodsafety_desktop.core.reports.itemized import write_itemized
from foodsafety_desktop.core.reports.material import gather_material
from foodsafety_desktop.core.reports.reminder import write_reminder
from foodsafety_desktop.core.reports.summary import build_draft, write_summary
from foodsafety_desktop.core.services import periods
from foodsafety_desktop.core.services.office import office_for, office_settings, set_office
from foodsafety_desktop.core.services.plan_import import import_plan_file
from foodsafety_desktop.core.services.settings import (
    OFFICE_CONTACT,
    OFFICE_EMAIL,
    OFFICE_NAME,
    OFFICE_PHONE,
)
from foodsafety_desktop.core.services.templates import template_departments, write_template
from foodsafety_desktop.core.storage.database import open_database
from foodsafety_desktop.core.storage.models import (
    PERIOD_YEAR,
    AuditEntry,
    Plan,
    ReportingPeriod,
)
from foodsafety_desktop.core.word.official import STYLE_SIGNER

from .test_places import SEEDS

USER = "测试员"
CONTACT, PHONE = "张三", "0398-7777777"
ISO_DATE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}")
DOUBLED = re.compile(r"([\u4e00-\u9fff]{2,8})\1")
# (seed, place, plan title, the plan's first year) — from test_places.SEEDS
SEED_PLANS = [(seed, place, title) for seed, place, _level, _issuer, title in SEEDS]
YEARS = {"000": 2022, "001": 2023, "002": 2022, "003": 2019, "004": 2020}


@pytest.fixture
def db(tmp_path):
    database = open_database(tmp_path / "office.sqlite3")
    yield database
    database.close()


def title_of(document: docx.document.Document) -> str:
    (title,) = [p for p in document.paragraphs if p.style.name == "公文标题"]
    return title.text.replace("\n", "")


def signer_of(document: docx.document.Document) -> str:
    (signer,) = [p for p in document.paragraphs if p.style.name == STYLE_SIGNER]
    return signer.text.strip()


def assert_clean_title(title: str) -> None:
    assert not ISO_DATE.search(title), title
    assert "#" not in title and "*" not in title, title
    assert "落实情况落实情况" not in title and not DOUBLED.search(title), title


def write_summary_of(db, plan_id: int, period_id: int, path) -> docx.document.Document:
    with db.session() as s:
        material = gather_material(s, plan_id, period_id)
        draft = build_draft(s, plan_id, period_id, material=material, today=dt.date(2030, 1, 5))
        write_summary(draft, material, path)
    return docx.Document(str(path))


@pytest.mark.parametrize(("seed", "place", "title"), SEED_PLANS)
def test_seed_documents_carry_the_place(db, tmp_path, seed, place, title):
    year = YEARS[seed]
    office = f"{place}食品安全委员会办公室"
    result = import_plan_file(db, seed_path(seed), user=USER, backup=False)
    plan_id = result.plan_id

    # Stored on the plan, as read by a new database connection.
    reopened = open_database(tmp_path / "office.sqlite3")
    try:
        with reopened.session() as s:
            plan = s.get(Plan, plan_id)
            assert (plan.title, plan.jurisdiction) == (title, place)
    finally:
        reopened.close()

    with db.session() as s:
        assert office_for(s, s.get(Plan, plan_id)).name == office
        set_office(s, {OFFICE_CONTACT: CONTACT, OFFICE_PHONE: PHONE}, user=USER)
        quarter = periods.add_period(
            s, plan_id, user=USER, name=f"{year}年第三季度", due_date=dt.date(year, 10, 10)
        )
        special = periods.add_period(
            s, plan_id, user=USER, name="专项：方案制定情况", due_date=dt.date(year, 11, 30)
        )
        # a period named by an earlier version, with its due date in the name
        legacy = ReportingPeriod(
            plan_id=plan_id,
            name=f"全年工作总结（{year}-12-01）",
            kind=PERIOD_YEAR,
            year=year,
            due_date=dt.date(year, 12, 1),
        )
        s.add(legacy)
        s.flush()
        legacy_id = legacy.id
        department = template_departments(s, plan_id)[0]
        department_id = department.id

    # 工作总结: the place in the title, the office (not the bare 食品安全委员会办公室) signs.
    document = write_summary_of(db, plan_id, quarter, tmp_path / "季度.docx")
    assert title_of(document) == f"{place}{year}年第三季度食品安全工作总结"
    assert signer_of(document) == office
    document = write_summary_of(db, plan_id, special, tmp_path / "专项.docx")
    assert title_of(document) == f"关于《{title}》方案制定情况的报告"
    assert signer_of(document) == office
    document = write_summary_of(db, plan_id, legacy_id, tmp_path / "年度.docx")
    assert title_of(document) == f"{place}{year}年度食品安全工作总结"
    texts = [p.text for p in document.paragraphs]
    assert "全年工作总结任务落实情况一览表" in texts  # the attachment's own title
    assert not any(ISO_DATE.search(t) for t in texts), "no date of the old name anywhere"
    for path in ("季度.docx", "专项.docx", "年度.docx"):
        assert_clean_title(title_of(docx.Document(str(tmp_path / path))))

    # 报送表: 报送至 the office, with its contact person and phone; the plan in 书名号.
    with db.session() as s:
        path = write_template(s, quarter, department_id, tmp_path / "报送表.xlsx")
        special_path = write_template(s, special, department_id, tmp_path / "专项报送表.xlsx")
    send_to = f"报送至：{office}（联系人：{CONTACT}，联系电话：{PHONE}）"
    wb = openpyxl.load_workbook(path)
    try:
        report = wb[layout.REPORT_SHEET]
        assert report[layout.TITLE_CELL].value == f"《{title}》{year}年第三季度落实情况报送表"
        assert send_to in report[f"A{layout.HINT_ROW}"].value
        instructions = [c.value for c in wb[layout.INSTRUCTIONS_SHEET]["A"] if c.value]
        assert send_to in instructions
        assert instructions[0] == f"《{title}》{year}年第三季度落实情况报送表填报说明"
    finally:
        wb.close()
    wb = openpyxl.load_workbook(special_path)
    try:
        heading = wb[layout.REPORT_SHEET][layout.TITLE_CELL].value
        assert heading == f"《{title}》方案制定情况报送表"
        assert_clean_title(heading)
    finally:
        wb.close()

    # 催报通知 and 逐条报送表: signed and titled the same way.
    with db.session() as s:
        reminder = write_reminder(s, quarter, tmp_path / "催报.docx", today=dt.date(year, 10, 20))
        material = gather_material(s, plan_id, special)
        itemized = write_itemized(material, tmp_path / "逐条.docx", today=dt.date(year, 12, 1))
    document = docx.Document(str(reminder))
    assert signer_of(document) == office
    assert title_of(document) in (
        f"关于报送《{title}》{year}年第三季度落实情况的催报通知",
        f"关于报送{year}年第三季度食品安全工作落实情况的催报通知",  # plan title too long
    )
    assert f"报送{office}" in "".join(p.text for p in document.paragraphs)
    document = docx.Document(str(itemized))
    assert title_of(document) == f"《{title}》方案制定情况表"
    assert any(p.text.startswith(f"填报单位：{office}") for p in document.paragraphs)


def test_office_name_setting_signs_every_plan_and_clears(db, tmp_path):
    plan_id = import_plan_file(db, seed_path("001"), user=USER, backup=False).plan_id
    with db.session() as s:
        quarter = periods.add_period(
            s, plan_id, user=USER, name="2023年第三季度", due_date=dt.date(2023, 10, 10)
        )
        changed = set_office(s, {OFFICE_NAME: "新乡市红旗区食安办"}, user=USER)
        assert changed == ["单位名称"]
    document = write_summary_of(db, plan_id, quarter, tmp_path / "a.docx")
    assert signer_of(document) == "新乡市红旗区食安办"
    with db.session() as s:
        assert set_office(s, {OFFICE_NAME: ""}, user=USER) == ["单位名称"]
        assert office_settings(s).name is None
        department_id = template_departments(s, plan_id)[0].id
        path = write_template(s, quarter, department_id, tmp_path / "b.xlsx")
    assert signer_of(write_summary_of(db, plan_id, quarter, tmp_path / "b.docx")) == (
        "红旗区食品安全委员会办公室"
    )
    wb = openpyxl.load_workbook(path)
    try:
        # no contact set: 报送至 names the office alone
        instructions = [c.value for c in wb[layout.INSTRUCTIONS_SHEET]["A"] if c.value]
        assert "报送至：红旗区食品安全委员会办公室" in instructions
    finally:
        wb.close()


def test_set_office_validates_and_is_audited(db):
    with db.session() as s:
        assert set_office(s, {OFFICE_CONTACT: " 张三 ", OFFICE_EMAIL: "sab@example.cn"}, user=USER)
        assert set_office(s, {OFFICE_CONTACT: "张三"}, user=USER) == []  # unchanged
        with pytest.raises(Exception, match="联系电话“零三九八”只能包含数字"):
            set_office(s, {OFFICE_PHONE: "零三九八"}, user=USER)
        with pytest.raises(Exception, match="电子邮箱“sab”的格式不对"):
            set_office(s, {OFFICE_EMAIL: "sab"}, user=USER)
        with pytest.raises(Exception, match="没有名为"):
            set_office(s, {"office_secret": "x"}, user=USER)
        entries = list(s.scalars(select(AuditEntry).where(AuditEntry.action == "setting.update")))
    assert [e.summary for e in entries] == [
        "本单位信息：联系人：未填 → 张三；电子邮箱：未填 → sab@example.cn"
    ]
    with db.session() as s:
        current = office_settings(s)
        assert (current.contact, current.email, current.phone) == ("张三", "sab@example.cn", None)
