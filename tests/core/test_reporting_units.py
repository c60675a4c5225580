"""Who reports (应报单位): groups through their members, never the office (issue 12, item 3).

On the seed plans: a group with members gets no template of its own, its members do
(with the group's tasks); a group without members makes nobody report and is named in
a warning; the 食安办 gets no template, no 催报 and is not counted as 未报 unless the
clerk includes it.  The core cycle runs on both backends.
"""

from __future__ import annotations

import datetime as dt

import docx
import pytest
from seeds import seed_path
from sqlalchemy import select

from foodsafety_desktop.core.errors import UserError
from foodsafety_desktop.core.names import is_office_name, is_township_group, members_written_in
from foodsafety_desktop.core.plans.model import ParsedItem, ParsedPlan, ParsedTask, ReportingRule
from foodsafety_desktop.core.reports.itemized import implementation_text
from foodsafety_desktop.core.reports.material import gather_material
from foodsafety_desktop.core.reports.reminder import write_reminder
from foodsafety_desktop.core.services import departments, periods, settings
from foodsafety_desktop.core.services.plan_import import (
    import_plan,
    import_plan_file,
    prepare_import,
)
from foodsafety_desktop.core.services.reporting_units import (
    report_recipients,
    reporting_units,
)
from foodsafety_desktop.core.services.templates import (
    template_departments,
    template_rows,
    write_all_templates,
    write_template,
)
from foodsafety_desktop.core.services.tracking import (
    STATE_MISSING,
    missing_departments,
    reminder_text,
    status_matrix,
)
from foodsafety_desktop.core.storage.database import open_database
from foodsafety_desktop.core.storage.models import (
    KIND_GROUP,
    KIND_TOWNSHIP,
    Assignment,
    AuditEntry,
    Department,
    Plan,
    Task,
)

USER = "测试员"
COMMITTEE = "区食安委各成员单位"  # seed 001
RELEVANT = "区政府食安委相关成员单位"
RELEVANT_AND_OTHERS = "区政府食安委相关成员单位及有关部门"
OFFICES_001 = ["区食安办", "区政府食安办"]
TOWNSHIPS = "各乡镇政府"  # seed 002
Q3_2023 = "2023年第三季度"
AFTER_DUE = dt.date(2023, 10, 20)


@pytest.fixture
def any_db(any_db_url, tmp_path, monkeypatch):
    monkeypatch.setenv("FOODSAFETY_DATA_DIR", str(tmp_path / "appdata"))
    database = open_database(any_db_url)
    yield database
    database.close()


def dep_id(session, name: str) -> int:
    return session.scalar(select(Department.id).where(Department.name == name))


def held_task_ids(session, plan_id: int, name: str) -> set[int]:
    return set(
        session.scalars(
            select(Assignment.task_id)
            .join(Task, Task.id == Assignment.task_id)
            .where(Task.plan_id == plan_id, Assignment.department_id == dep_id(session, name))
        )
    )


def seed_001(db) -> tuple[int, int]:
    """Seed 001 (no 报送要求) imported, with a period added by hand: (plan, period)."""
    plan_id = import_plan_file(db, seed_path("001"), user=USER).plan_id
    with db.session() as s:
        period_id = periods.add_period(
            s, plan_id, user=USER, name=Q3_2023, due_date=dt.date(2023, 10, 10)
        )
    return plan_id, period_id


def test_seed_001_groups_report_through_members_and_the_office_not_at_all(any_db, tmp_path):
    plan_id, period_id = seed_001(any_db)
    with any_db.session() as s:
        units = reporting_units(s, plan_id)
        names = [d.name for d in units.departments]
        assert not {COMMITTEE, RELEVANT, RELEVANT_AND_OTHERS, *OFFICES_001} & set(names)
        assert all(d.kind != KIND_GROUP for d in units.departments)
        assert [d.name for d in units.offices] == OFFICES_001
        assert [g.name for g in units.groups_without_members] == [
            COMMITTEE,
            RELEVANT,
            RELEVANT_AND_OTHERS,
        ]
        assert [g.task_count for g in units.groups_without_members] == [1, 1, 1]
        assert len(units.warnings) == 4
        assert f"单位组“{COMMITTEE}”承担1项任务，还没有指定成员单位" in units.warnings[0]
        assert units.warnings[3].startswith("区食安办、区政府食安办是食安办本身")
        assert [d.name for d in template_departments(s, plan_id)] == names

        # The committee's members: one department of the plan, one new unit.
        created = departments.add_group_members(
            s, dep_id(s, COMMITTEE), ["区市场监管局", "区科协"], user=USER, create=True
        )
        assert created == ["区科协"]

    with any_db.session() as s:
        units = reporting_units(s, plan_id)
        after = [d.name for d in units.departments]
        assert sorted(after) == sorted([*names, "区科协"])
        assert [g.name for g in units.groups_without_members] == [RELEVANT, RELEVANT_AND_OTHERS]
        # The member holds exactly the group's tasks; a department of the plan holds its
        # own and the group's.
        group_tasks = held_task_ids(s, plan_id, COMMITTEE)
        assert {r.task_id for r in template_rows(s, period_id, dep_id(s, "区科协"))} == group_tasks
        market = {r.task_id for r in template_rows(s, period_id, dep_id(s, "区市场监管局"))}
        assert group_tasks < market
        assert held_task_ids(s, plan_id, "区市场监管局") | group_tasks == market

        paths = write_all_templates(s, period_id, tmp_path / "out", user=USER)
        files = {p.name for p in paths}
        assert len(paths) == len(after)
        assert f"{Q3_2023}-区科协-报送表.xlsx" in files
        for name in (COMMITTEE, RELEVANT, *OFFICES_001):
            assert f"{Q3_2023}-{name}-报送表.xlsx" not in files
        with pytest.raises(UserError, match="是单位组，由它的成员单位分别报送"):
            write_template(s, period_id, dep_id(s, COMMITTEE), tmp_path / "g.xlsx")

        # 催报: only real departments, the office never.
        text = reminder_text(s, period_id, today=AFTER_DUE)
        assert f"以下{len(after)}个单位尚未报送：{'、'.join(after)}。" in text
        for name in (COMMITTEE, RELEVANT, RELEVANT_AND_OTHERS, *OFFICES_001):
            assert f"{name}、" not in text and f"{name}。" not in text
        matrix = status_matrix(s, plan_id, today=AFTER_DUE)
        assert [d.name for d in matrix.departments] == after
        assert matrix.counts(period_id)[STATE_MISSING] == len(after)
        assert matrix.warnings == units.warnings
        notice = write_reminder(s, period_id, tmp_path / "催报.docx", today=AFTER_DUE)

        # 工作总结 figures: the office and the groups are not 应报 / 未报送.
        material = gather_material(s, plan_id, period_id)
        assert [d.name for d in material.departments] == after
        assert [d.name for d in material.missing] == after
        led_by_office = next(t for t in material.tasks if "区政府食安办" in t.lead_names)
        assert "区政府食安办" not in [d.name for d in led_by_office.silent]
        assert "区政府食安办" not in implementation_text(led_by_office).split("未填报：")[-1]
        relevant_task = next(
            t for t in material.tasks if RELEVANT_AND_OTHERS in [d.name for d in t.departments]
        )
        assert RELEVANT_AND_OTHERS not in [d.name for d in relevant_task.silent]

    body = "\n".join(p.text for p in docx.Document(str(notice)).paragraphs)
    assert f"截至2023年10月20日，{'、'.join(after)}等{len(after)}个单位尚未报送" in body
    for name in (COMMITTEE, RELEVANT, *OFFICES_001):
        assert name not in body


def test_the_clerk_can_include_the_office(any_db, tmp_path):
    plan_id, period_id = seed_001(any_db)
    with any_db.session() as s:
        before = [d.name for d in template_departments(s, plan_id)]
        assert settings.set_office_reports(s, True, user=USER)
        assert not settings.set_office_reports(s, True, user=USER)
    with any_db.session() as s:
        units = reporting_units(s, plan_id)
        assert units.office_included
        names = [d.name for d in units.departments]
        assert set(names) - set(before) == set(OFFICES_001)
        assert not any("食安办本身" in w for w in units.warnings)
        paths = write_all_templates(s, period_id, tmp_path / "out")
        assert f"{Q3_2023}-区食安办-报送表.xlsx" in {p.name for p in paths}
        assert "区食安办" in reminder_text(s, period_id, today=AFTER_DUE)
        settings.set_office_reports(s, False, user=USER)
    with any_db.session() as s:
        assert [d.name for d in template_departments(s, plan_id)] == before
        changes = s.scalars(
            select(AuditEntry.summary).where(AuditEntry.action == "setting.update")
        ).all()
        assert changes == [
            "食安办本身是否填报报送表：不报送 → 报送",
            "食安办本身是否填报报送表：报送 → 不报送",
        ]


def test_seed_002_a_group_without_members_reports_nothing_until_it_has_members(any_db, tmp_path):
    plan_id = import_plan_file(any_db, seed_path("002"), user=USER).plan_id
    with any_db.session() as s:
        periods.create_periods(s, plan_id, periods.propose_periods(s.get(Plan, plan_id)), user=USER)
        q3 = periods.find_period(s, plan_id, "2022年第三季度").id
        today = dt.date(2022, 10, 1)
        units = reporting_units(s, plan_id)
        assert TOWNSHIPS not in [d.name for d in units.departments]
        assert [(g.name, g.task_count) for g in units.groups_without_members] == [(TOWNSHIPS, 7)]
        assert units.offices == []
        matrix = status_matrix(s, plan_id, today=today)
        assert len(matrix.departments) == 15
        assert matrix.counts(q3)[STATE_MISSING] == 15
        assert TOWNSHIPS not in [d.name for d in missing_departments(s, q3)]
        assert TOWNSHIPS not in reminder_text(s, q3, today=today)
        paths = write_all_templates(s, q3, tmp_path / "before")
        assert len(paths) == 15
        group_rows = len(template_rows(s, q3, dep_id(s, TOWNSHIPS)))

        for name in ("城关镇", "东明镇"):
            departments.create_department(s, name, user=USER, kind=KIND_TOWNSHIP)
        proposals = departments.propose_group_members(s, dep_id(s, TOWNSHIPS))
        assert [(p.name, p.reason) for p in proposals] == [
            ("东明镇", departments.REASON_TOWNSHIP),
            ("城关镇", departments.REASON_TOWNSHIP),
        ]
        departments.add_group_members(
            s, dep_id(s, TOWNSHIPS), [p.name for p in proposals], user=USER
        )

    with any_db.session() as s:
        units = reporting_units(s, plan_id)
        names = [d.name for d in units.departments]
        assert len(names) == 17 and {"城关镇", "东明镇"} <= set(names)
        assert units.groups_without_members == [] and units.warnings == []
        assert departments.propose_group_members(s, dep_id(s, TOWNSHIPS)) == []
        matrix = status_matrix(s, plan_id, today=today)
        cell = matrix.cell(dep_id(s, "城关镇"), q3)
        assert (cell.state, cell.expected_rows) == (STATE_MISSING, group_rows)
        text = reminder_text(s, q3, today=today)
        assert "城关镇" in text and "东明镇" in text and TOWNSHIPS not in text
        paths = write_all_templates(s, q3, tmp_path / "after")
        files = {p.name for p in paths}
        assert "2022年第三季度-城关镇-报送表.xlsx" in files
        assert "2022年第三季度-各乡镇政府-报送表.xlsx" not in files


def test_only_groups_without_members_means_no_templates(db, tmp_path):
    plan = ParsedPlan(
        title="测试方案",
        jurisdiction="县",
        tasks=[ParsedTask("1.", [], "任务一", "任务一。", [ParsedItem("任务一。", [TOWNSHIPS])])],
    )
    with db.session() as s:
        plan_id = import_plan(s, prepare_import(s, plan), user=USER).plan_id
        period_id = periods.add_period(
            s, plan_id, user=USER, name="2024年度", due_date=dt.date(2024, 12, 10)
        )
        with pytest.raises(UserError, match=f"没有需要报送的单位.*单位组“{TOWNSHIPS}”"):
            write_all_templates(s, period_id, tmp_path / "out")


def test_the_office_named_in_settings_or_by_the_plan(db):
    plan = ParsedPlan(
        title="测试方案",
        issuer="县食品安全委员会办公室",
        jurisdiction="县",
        tasks=[
            ParsedTask("1.", [], "任务一", "任务一。", [ParsedItem("任务一。", ["县综合协调办"])]),
            ParsedTask("2.", [], "任务二", "任务二。", [ParsedItem("任务二。", ["县商务局"])]),
            ParsedTask(
                "3.", [], "任务三", "任务三。", [ParsedItem("任务三。", ["县食品安全委员会办公室"])]
            ),
        ],
        reporting=[
            ReportingRule(
                "各单位于每年12月1日前向综合协调办报送年度工作总结。",
                ["12-01"],
                "yearly",
                "年度工作总结",
            )
        ],
    )
    with db.session() as s:
        plan_id = import_plan(s, prepare_import(s, plan), user=USER).plan_id
        # The body reports go to (written without 县, an office) and the issuer.
        units = reporting_units(s, plan_id)
        assert [d.name for d in units.offices] == ["县综合协调办", "县食品安全委员会办公室"]
        assert [d.name for d in units.departments] == ["县商务局"]

        assert settings.set_office_department(s, "县商务局", user=USER)
        assert settings.office_department(s) == "县商务局"
        assert [d.name for d in reporting_units(s, plan_id).departments] == []
        with pytest.raises(UserError, match="未找到单位“县档案馆”"):
            settings.set_office_department(s, "县档案馆", user=USER)
        assert settings.set_office_department(s, None, user=USER)
        assert not settings.set_office_department(s, "", user=USER)
        assert [d.name for d in reporting_units(s, plan_id).departments] == ["县商务局"]


def test_members_written_in_the_plan_are_proposed_and_created(db):
    written = "各乡镇（城关镇、东明镇）"
    plan = ParsedPlan(
        title="测试方案",
        jurisdiction="县",
        tasks=[
            ParsedTask(
                "1.", [], "任务一", "任务一。", [ParsedItem("任务一。", ["县商务局", written])]
            )
        ],
    )
    with db.session() as s:
        import_plan(s, prepare_import(s, plan), user=USER)
        group = dep_id(s, written)
        proposals = departments.propose_group_members(s, group)
        assert [(p.name, p.department_id, p.reason) for p in proposals] == [
            ("城关镇", None, departments.REASON_WRITTEN),
            ("东明镇", None, departments.REASON_WRITTEN),
        ]
        with pytest.raises(departments.UnknownDepartments) as raised:
            departments.add_group_members(s, group, ["城关镇"], user=USER)
        assert raised.value.names == ["城关镇"]
        created = departments.add_group_members(
            s, group, [p.name for p in proposals], user=USER, create=True
        )
        assert created == ["城关镇", "东明镇"]
        row = departments.department_row(s, group)
        assert row.members == ["城关镇", "东明镇"]
        assert s.get(Department, dep_id(s, "城关镇")).kind == KIND_TOWNSHIP
        departments.remove_group_members(s, group, ["东明镇"], user=USER)
        assert departments.department_row(s, group).members == ["城关镇"]
        with pytest.raises(UserError, match="不是单位组“各乡镇（城关镇、东明镇）”的成员"):
            departments.remove_group_members(s, group, ["县商务局"], user=USER)


def test_committee_proposals_are_the_plans_departments_without_the_office(db):
    plan_id, _period = seed_001(db)
    with db.session() as s:
        proposals = departments.propose_group_members(s, dep_id(s, COMMITTEE))
        names = [p.name for p in proposals]
        expected = [
            d.name
            for d in reporting_units(s, plan_id).departments  # plan order, no office
        ]
        assert sorted(names) == sorted(expected)
        assert names[0] == expected[0]
        assert {p.reason for p in proposals} == {departments.REASON_PLAN}
        assert not set(OFFICES_001) & set(names)


def test_a_group_cannot_be_a_member_of_a_group(session):
    group = departments.create_department(session, "各乡镇政府", user=USER)
    other = departments.create_department(session, "各有关部门", user=USER)
    with pytest.raises(UserError, match="“各有关部门”是单位组，不能作为单位组“各乡镇政府”的成员"):
        departments.set_group_members(session, group.id, [other.id], user=USER)


@pytest.mark.parametrize(
    ("name", "office"),
    [
        ("区食安办", True),
        ("区政府食安办", True),
        ("县政府食安办", True),
        ("食安办", True),
        ("区管委会食品安全委员会办公室", True),
        ("卢氏县人民政府食品安全委员会办公室", True),
        ("郑州经济技术开发区管理委员会食品安全委员会办公室", True),
        ("区市场监管局（区食安办）", False),
        ("区市场监管局食安办", False),
        ("区食安委", False),
        ("区食安委各成员单位", False),
        ("县人民政府办公室", False),
        ("区政府", False),
    ],
)
def test_office_names(name, office):
    assert is_office_name(name) is office


def test_group_names_and_written_members():
    assert members_written_in("各乡镇（街道、管委会）") == []
    assert members_written_in("各镇（街道）") == []
    assert members_written_in("各乡镇（城关镇、东明镇等）") == ["城关镇", "东明镇"]
    assert is_township_group("各乡镇政府") and is_township_group("各办事处")
    assert is_township_group("各镇（街道）") and not is_township_group(COMMITTEE)
    assert not is_township_group("城关镇")


def test_report_recipients_of_the_seeds():
    assert report_recipients(
        "各牵头单位要于 2022 年 7 月 20 日前向区管委会食品安全委员会办公室报送专项攻坚行动工作方案"
    ) == ["区管委会食品安全委员会办公室"]
    assert report_recipients("分别8月25日和11月1日前向区政府食安办逐条报送食品安全建设年工作") == [
        "区政府食安办"
    ]
    assert report_recipients("报送至县食安办，抄送县政府办") == ["县食安办"]
