"""Importing parsed plans into the database (services.plan_import)."""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.util
import sys
import types
from pathlib import Path

import pytest
from seeds import seed_path
from sqlalchemy import func, select

from foodsafety_desktop.core.errors import UserError
from foodsafety_desktop.core.paths import archive_dir_for
from foodsafety_desktop.core.plans.model import (
    Heading,
    ParsedItem,
    ParsedPlan,
    ParsedTarget,
    ParsedTask,
    ReportingRule,
)
from foodsafety_desktop.core.services import audit, plan_import
from foodsafety_desktop.core.services.departments import resolve_names
from foodsafety_desktop.core.services.plan_import import (
    accept_certain,
    import_plan,
    import_plan_file,
    prepare_import,
    refresh_resolutions,
)
from foodsafety_desktop.core.storage import models
from foodsafety_desktop.core.storage.models import (
    ROLE_COOPERATING,
    ROLE_LEAD,
    ROLE_RESPONSIBLE,
    Assignment,
    Department,
    DepartmentAlias,
    Indicator,
    Plan,
    Section,
    Task,
    TaskItem,
)
from foodsafety_desktop.core.storage.originals import FolderOriginals, plan_original_path

USER = "测试员"
HAS_READER = importlib.util.find_spec("foodsafety_desktop.core.plans.reader") is not None
needs_reader = pytest.mark.skipif(not HAS_READER, reason="plan reader not written yet")

MAIN = Heading("三、", "主要任务", 1)


def county_plan() -> ParsedPlan:
    """A small 县 plan written like seed 002 (卢氏县)."""
    one = Heading("（一）", "强化源头治理", 2)
    two = Heading("（二）", "加强过程监管", 2)
    return ParsedPlan(
        title="某县食品安全工作方案",
        issuer="某县人民政府办公室",
        doc_number="某政办〔2022〕1号",
        date=dt.date(2022, 5, 19),
        year_start=2022,
        year_end=2024,
        jurisdiction="县",
        source_name="plan.txt",
        warnings=["第 3 段格式不规范"],
        tasks=[
            ParsedTask(
                label="1.",
                path=[MAIN, one],
                title="实施风险监测行动",
                text="实施风险监测行动。覆盖率达到90%。",
                items=[ParsedItem("实施风险监测行动。", ["县卫健委"], ["发改委", "农业农村局"])],
                deadline="2022年12月",
                deadline_date=dt.date(2022, 12, 31),
                targets=[ParsedTarget("覆盖率达到90%", 90.0, "%", "≥", "覆盖率")],
            ),
            ParsedTask(
                label="2.",
                path=[MAIN, one],
                title="实施产地环境净化行动",
                text="实施产地环境净化行动。",
                items=[
                    ParsedItem(
                        "土壤治理。",
                        ["三门峡市生态环境局卢氏分局"],
                        ["农业农村局", "各乡镇政府"],
                        cooperating=["各乡镇政府"],
                    ),
                    ParsedItem("水体治理。", ["县发改委"], ["卫健委", "农业农村局"]),
                ],
            ),
            ParsedTask(
                label="3.",
                path=[MAIN, two],
                title="实施餐饮提升行动",
                text="实施餐饮提升行动。",
                items=[ParsedItem("实施餐饮提升行动。", ["市场监管局"], ["县委宣传部"])],
            ),
        ],
        reporting=[
            ReportingRule("每年12月1日前报送年度工作总结。", ["12-01"], "yearly", "年度工作总结")
        ],
    )


def write_source(tmp_path: Path, text: str = "方案原文", name: str = "plan.txt") -> Path:
    path = tmp_path / "in" / name
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(text.encode("utf-8"))
    return path


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def do_import(db, parsed, source=None):
    with db.session() as s:
        review = prepare_import(s, parsed, source)
        return import_plan(s, review, user=USER)


# --- import_plan ----------------------------------------------------------------------


def test_import_stores_plan_sections_tasks(db, tmp_path):
    source = write_source(tmp_path)
    result = do_import(db, county_plan(), source)
    assert result.task_count == 3
    assert result.warnings[0] == "第 3 段格式不规范"
    assert set(result.created_departments) == {
        "县卫健委",
        "县发改委",
        "县农业农村局",
        "三门峡市生态环境局卢氏分局",
        "各乡镇政府",
        "县市场监管局",
        "县委宣传部",
    }
    with db.session() as s:
        plan = s.get(Plan, result.plan_id)
        assert (plan.title, plan.doc_number, plan.issued_on, plan.jurisdiction) == (
            "某县食品安全工作方案",
            "某政办〔2022〕1号",
            dt.date(2022, 5, 19),
            "县",
        )
        assert plan.source_sha256 == hashlib.sha256(source.read_bytes()).hexdigest()
        assert plan.source_name == "plan.txt"

        sections = s.scalars(select(Section).order_by(Section.position)).all()
        assert [(x.label, x.title, x.level) for x in sections] == [
            ("三、", "主要任务", 1),
            ("（一）", "强化源头治理", 2),
            ("（二）", "加强过程监管", 2),
        ]
        assert sections[0].parent_id is None
        assert sections[1].parent_id == sections[0].id == sections[2].parent_id

        tasks = s.scalars(select(Task).order_by(Task.position)).all()
        assert [(t.position, t.label) for t in tasks] == [(1, "1."), (2, "2."), (3, "3.")]
        assert [t.section_id for t in tasks] == [sections[1].id, sections[1].id, sections[2].id]
        assert (tasks[0].deadline_text, tasks[0].deadline) == ("2022年12月", dt.date(2022, 12, 31))
        assert tasks[0].status == models.STATUS_NOT_STARTED

        indicator = s.scalar(select(Indicator))
        assert (indicator.task_id, indicator.value, indicator.unit, indicator.comparison) == (
            tasks[0].id,
            90.0,
            "%",
            "≥",
        )
        rule = s.scalar(select(models.ReportingRule))
        assert (rule.recurrence, rule.due_dates, rule.what) == ("yearly", "12-01", "年度工作总结")


def assignments(s, task_label):
    rows = s.execute(
        select(Department.name, Assignment.role, Assignment.item_id, Assignment.written_name)
        .join(Assignment.department)
        .join(Assignment.task)
        .where(Task.label == task_label)
        .order_by(Assignment.position)
    ).all()
    return [tuple(r) for r in rows]


def test_assignments_roles_and_items(db):
    do_import(db, county_plan())
    with db.session() as s:
        assert assignments(s, "1.") == [
            ("县卫健委", ROLE_LEAD, None, "县卫健委"),
            ("县发改委", ROLE_RESPONSIBLE, None, "发改委"),
            ("县农业农村局", ROLE_RESPONSIBLE, None, "农业农村局"),
        ]
        task2 = s.scalar(select(Task).where(Task.label == "2."))
        items = s.scalars(select(TaskItem).where(TaskItem.task_id == task2.id)).all()
        assert [(i.position, i.text) for i in items] == [(1, "土壤治理。"), (2, "水体治理。")]
        first, second = items[0].id, items[1].id
        assert assignments(s, "2.") == [
            ("三门峡市生态环境局卢氏分局", ROLE_LEAD, first, "三门峡市生态环境局卢氏分局"),
            ("县农业农村局", ROLE_RESPONSIBLE, first, "农业农村局"),
            ("各乡镇政府", ROLE_COOPERATING, first, "各乡镇政府"),
            ("县发改委", ROLE_LEAD, second, "县发改委"),
            ("县卫健委", ROLE_RESPONSIBLE, second, "卫健委"),
            ("县农业农村局", ROLE_RESPONSIBLE, second, "农业农村局"),
        ]
        # Single-item tasks store no TaskItem.
        assert count(s, TaskItem) == 2
        kinds = dict(s.execute(select(Department.name, Department.kind)).all())
        assert kinds["各乡镇政府"] == models.KIND_GROUP
        # Bare names found by the prefix rule are not stored as aliases.
        assert count(s, DepartmentAlias) == 0


def test_duplicate_names_in_one_item_give_one_row(db):
    parsed = county_plan()
    parsed.tasks[0].items[0].others = ["发改委", "县发改委", "县卫健委"]
    do_import(db, parsed)
    with db.session() as s:
        assert assignments(s, "1.") == [
            ("县卫健委", ROLE_LEAD, None, "县卫健委"),
            ("县发改委", ROLE_RESPONSIBLE, None, "发改委"),
        ]


def test_second_plan_reuses_departments(db, tmp_path):
    do_import(db, county_plan())
    parsed = county_plan()
    parsed.title = "另一方案"
    parsed.tasks[0].items[0].lead = ["县卫生健康委员会"]
    with db.session() as s:
        review = prepare_import(s, parsed)
        res = review.resolutions
        assert res["县发改委"].match == "exact"
        assert (res["卫健委"].match, res["卫健委"].canonical_name) == ("prefix", "县卫健委")
        assert res["发改委"].match == "prefix"
        assert res["发改委"].department_id is not None
        assert res["县卫生健康委员会"].match == "fuzzy"
        assert res["县卫生健康委员会"].canonical_name == "县卫健委"
        result = import_plan(s, review, user=USER)  # the clerk accepted every proposal
    assert result.created_departments == []
    with db.session() as s:
        assert count(s, Department) == 7
        alias = s.scalar(select(DepartmentAlias))
        assert (alias.alias, s.get(Department, alias.department_id).name) == (
            "县卫生健康委员会",
            "县卫健委",
        )
        assert count(s, Plan) == 2


def test_clerk_decision_kept_on_refresh(db):
    parsed = county_plan()
    with db.session() as s:
        review = prepare_import(s, parsed)
        review.resolutions["发改委"].canonical_name = "县发展和改革委员会"
        parsed.tasks[2].items[0].others.append("县教育局")
        refresh_resolutions(s, review)
        assert review.resolutions["发改委"].canonical_name == "县发展和改革委员会"
        assert review.resolutions["县教育局"].match == "new"
        parsed.tasks[2].items[0].others.remove("县委宣传部")
        refresh_resolutions(s, review)
        assert "县委宣传部" not in review.resolutions
        result = import_plan(s, review, user=USER)
    assert "县发展和改革委员会" in result.created_departments
    assert "县委宣传部" not in result.created_departments


def test_names_added_without_refresh_are_resolved(db):
    parsed = county_plan()
    with db.session() as s:
        review = prepare_import(s, parsed)
        parsed.tasks[0].items[0].others.append("商务局")
        result = import_plan(s, review, user=USER)
    assert "县商务局" in result.created_departments


def test_audit_entry(db):
    result = do_import(db, county_plan())
    with db.session() as s:
        (entry,) = audit.history(s, "plan", result.plan_id)
        assert entry.action == "plan.import"
        assert entry.user == USER
        assert "3 项任务" in entry.summary
        assert audit.detail_of(entry)["task_count"] == 3


def test_source_archived(db, tmp_path):
    source = write_source(tmp_path, "原始字节\r\n")
    do_import(db, county_plan(), source)
    sha = hashlib.sha256(source.read_bytes()).hexdigest()
    target = archive_dir_for(db.sqlite_path) / "plans" / f"{sha[:12]}_plan.txt"
    assert target == archive_dir_for(db.sqlite_path) / plan_original_path(source.name, sha)
    assert target.read_bytes() == source.read_bytes()
    assert target.parent.parent.parent == tmp_path  # beside the ledger t.sqlite3


def test_reimport_same_file_is_refused(db, tmp_path):
    source = write_source(tmp_path)
    first = do_import(db, county_plan(), source)
    copy = write_source(tmp_path, name="copy.txt")  # same bytes, other name
    with pytest.raises(UserError, match=f"该方案已导入过（方案编号 {first.plan_id}"):
        do_import(db, county_plan(), copy)
    with db.session() as s, pytest.raises(UserError, match="已导入过"):
        import_plan(
            s, plan_import.ImportReview(county_plan(), {}, source), user=USER
        )  # also refused without prepare_import


def test_plan_without_tasks_is_refused(db):
    with pytest.raises(UserError, match="没有识别出任何任务"):
        do_import(db, ParsedPlan(title="空方案"))


def assert_empty(db):
    with db.session() as s:
        for model in (Plan, Section, Task, Department, Assignment, models.AuditEntry):
            assert count(s, model) == 0, model
    plans = archive_dir_for(db.sqlite_path) / "plans"
    assert not plans.exists() or not list(plans.iterdir())


def test_failure_in_the_middle_leaves_nothing(db, tmp_path, monkeypatch):
    source = write_source(tmp_path)
    real = plan_import._add_sections

    def broken(*args, **kwargs):
        real(*args, **kwargs)
        raise RuntimeError("磁盘出错")

    monkeypatch.setattr(plan_import, "_add_sections", broken)
    with pytest.raises(RuntimeError):
        do_import(db, county_plan(), source)
    assert_empty(db)


def test_failure_after_archiving_removes_the_copy(db, tmp_path):
    source = write_source(tmp_path)
    with pytest.raises(RuntimeError), db.session() as s:
        import_plan(s, prepare_import(s, county_plan(), source), user=USER)
        assert list(
            (archive_dir_for(db.sqlite_path) / "plans").glob("*")
        )  # archived before the commit
        raise RuntimeError("调用方出错")
    assert_empty(db)
    # And a later import of the same file works.
    do_import(db, county_plan(), source)


def test_failing_flush_after_tasks_leaves_nothing(db, tmp_path, monkeypatch):
    source = write_source(tmp_path)

    def broken(*args, **kwargs):
        raise UserError("测试：审计失败")

    with monkeypatch.context() as patched:  # undo only this patch, not the data folder's
        patched.setattr(plan_import.audit, "record", broken)
        with pytest.raises(UserError):
            do_import(db, county_plan(), source)
    assert_empty(db)


# --- import_plan_file: fuzzy proposals are not merged ------------------------------------


def district_plan(typos: bool) -> ParsedPlan:
    names = (
        ["区场监管局", "区业农村局", "公安红旗局"]
        if typos
        else [
            "区市场监管局",
            "区农业农村局",
            "公安红旗分局",
        ]
    )
    return ParsedPlan(
        title="某区方案" + ("（二）" if typos else ""),
        jurisdiction="区",
        tasks=[
            ParsedTask(
                label="1.",
                path=[MAIN],
                title="任务",
                text="任务。",
                items=[ParsedItem("任务。", [names[0]], [*names[1:], "商务局"])],
            )
        ],
    )


def test_accept_certain_turns_fuzzy_into_new_with_warning(db):
    do_import(db, district_plan(typos=False))
    with db.session() as s:
        review = prepare_import(s, district_plan(typos=True))
        proposals = {n: (r.match, r.canonical_name) for n, r in review.resolutions.items()}
        assert proposals == {
            "区场监管局": ("fuzzy", "区市场监管局"),
            "区业农村局": ("fuzzy", "区农业农村局"),
            "公安红旗局": ("fuzzy", "公安红旗分局"),
            "商务局": ("prefix", "区商务局"),
        }
        notes = accept_certain(review)
        result = import_plan(s, review, user=USER)
    assert len(notes) == 3
    assert any("区场监管局" in n and "区市场监管局" in n and "未自动合并" in n for n in notes)
    # 公安红旗局 has no place of its own: as a new department it gets the prefix.
    assert set(result.created_departments) == {"区场监管局", "区业农村局", "区公安红旗局"}


def test_fuzzy_within_one_plan_not_merged(db):
    parsed = district_plan(typos=False)
    parsed.tasks.append(
        ParsedTask(
            label="2.",
            path=[MAIN],
            title="任务二",
            text="任务二。",
            items=[ParsedItem("任务二。", ["区市场监管局"], ["区场监管局"])],
        )
    )
    with db.session() as s:
        review = prepare_import(s, parsed)
        assert review.resolutions["区场监管局"].match == "fuzzy"
        assert review.resolutions["区场监管局"].department_id is None
        accept_certain(review)
        result = import_plan(s, review, user=USER)
    assert "区场监管局" in result.created_departments


@needs_reader
def test_import_plan_file_does_not_merge_fuzzy(db, tmp_path):
    good = write_source(
        tmp_path,
        "某区食品安全工作方案\n\n一、主要任务\n\n"
        "1.加强监管。（牵头单位：区市场监管局；责任单位：区农业农村局）\n",
        "good.txt",
    )
    typo = write_source(
        tmp_path,
        "某区食品安全工作方案（二）\n\n一、主要任务\n\n"
        "1.加强监管。（牵头单位：区场监管局；责任单位：区业农村局）\n",
        "typo.txt",
    )
    import_plan_file(db, good, user=USER)
    result = import_plan_file(db, typo, user=USER)
    with db.session() as s:
        names = set(s.scalars(select(Department.name)))
    if {"区市场监管局", "区场监管局"} <= names:
        assert any("未自动合并" in w for w in result.warnings)
    assert count_aliases(db) == 0


def count_aliases(db) -> int:
    with db.session() as s:
        return count(s, DepartmentAlias)


# --- the real seed 002 (卢氏县) --------------------------------------------------------


@needs_reader
def test_import_seed_002(db):
    seed = seed_path("002")
    result = import_plan_file(db, seed, user=USER)
    assert result.task_count >= 10
    with db.session() as s:
        plan = s.get(Plan, result.plan_id)
        assert plan.jurisdiction == "卢氏县"  # the place, its level read back by names
        assert count(s, Task) == result.task_count
        first = s.scalar(
            select(Task)
            .where(Task.plan_id == plan.id, Task.label == "（一）")
            .join(Assignment, Assignment.task_id == Task.id)
            .order_by(Task.position)
            .limit(1)
        )
        assert first is not None and "风险监测" in first.title
        lead = s.execute(
            select(Department.name, Assignment.written_name)
            .join(Assignment.department)
            .where(Assignment.task_id == first.id, Assignment.role == ROLE_LEAD)
        ).all()
        assert [tuple(r) for r in lead] == [("县卫健委", "县卫健委")]
        others = set(
            s.scalars(
                select(Department.name)
                .join(Assignment.department)
                .where(Assignment.task_id == first.id, Assignment.role != ROLE_LEAD)
            )
        )
        assert {"县发改委", "县农业农村局", "县市场监管局"} <= others
        names = set(s.scalars(select(Department.name)))
        assert "发改委" not in names and "卫健委" not in names
        assert "三门峡市生态环境局卢氏分局" in names
        # In a fresh database "县卫健委" is new; "卫健委" (task 4) maps to it by prefix.
        by = {r.written: r for r in resolve_names(s, ["县卫健委", "卫健委", "发改委"], "县")}
        assert by["县卫健委"].match == "exact"
        assert (by["卫健委"].match, by["卫健委"].canonical_name) == ("prefix", "县卫健委")
        assert (by["发改委"].match, by["发改委"].canonical_name) == ("prefix", "县发改委")
    assert (
        archive_dir_for(db.sqlite_path) / plan_original_path(seed.name, plan.source_sha256)
    ).exists()
    with pytest.raises(UserError, match="已导入过"):
        import_plan_file(db, seed, user=USER)


def test_merge_into_another_written_name_follows_its_decision(db):
    parsed = county_plan()
    with db.session() as s:
        review = prepare_import(s, parsed)
        # The clerk: "县委宣传部" is the same unit as "市场监管局" (whatever that becomes).
        review.resolutions["县委宣传部"].canonical_name = "市场监管局"
        result = import_plan(s, review, user=USER)
    assert "县委宣传部" not in result.created_departments
    with db.session() as s:
        assert [d for d, *_ in assignments(s, "3.")] == ["县市场监管局"]


def test_originals_elsewhere(db, tmp_path):
    source = write_source(tmp_path)
    root = tmp_path / "elsewhere"
    with db.session() as s:
        import_plan(
            s, prepare_import(s, county_plan(), source), user=USER, originals=FolderOriginals(root)
        )
    assert len(list((root / "plans").iterdir())) == 1
    assert not (archive_dir_for(db.sqlite_path) / "plans").exists()


def fake_reader(monkeypatch, plans: dict[str, ParsedPlan]) -> None:
    """Stand in for core.plans.reader: file name → parsed plan."""
    module = types.ModuleType("foodsafety_desktop.core.plans.reader")
    module.read_plan = lambda path: plans[Path(path).name]
    monkeypatch.setitem(sys.modules, module.__name__, module)


def test_import_plan_file_accepts_prefix_but_not_fuzzy(db, tmp_path, monkeypatch):
    good = write_source(tmp_path, "甲", "good.txt")
    typo = write_source(tmp_path, "乙", "typo.txt")
    fake_reader(monkeypatch, {"good.txt": district_plan(False), "typo.txt": district_plan(True)})
    first = import_plan_file(db, good, user=USER)
    assert set(first.created_departments) == {
        "区市场监管局",
        "区农业农村局",
        "公安红旗分局",
        "区商务局",
    }
    second = import_plan_file(db, typo, user=USER)
    assert set(second.created_departments) == {"区场监管局", "区业农村局", "区公安红旗局"}
    fuzzy_notes = [w for w in second.warnings if "未自动合并" in w]
    assert len(fuzzy_notes) == 3
    with db.session() as s:
        # 商务局 was accepted by prefix: the same department in both plans.
        rows = s.execute(
            select(Plan.title, Department.name)
            .join(Task, Task.plan_id == Plan.id)
            .join(Assignment, Assignment.task_id == Task.id)
            .join(Department, Department.id == Assignment.department_id)
            .where(Department.name == "区商务局")
        ).all()
        assert len(rows) == 2
        assert count(s, DepartmentAlias) == 0
        assert s.scalar(select(Plan.source_name).where(Plan.id == second.plan_id)) == "typo.txt"
    with pytest.raises(UserError, match="已导入过"):
        import_plan_file(db, typo, user=USER)


def test_names_with_spaces(db):
    parsed = county_plan()
    parsed.tasks[0].items[0].others = [" 发改委 ", "发改委"]
    result = do_import(db, parsed)
    assert "县发改委" in result.created_departments
    with db.session() as s:
        assert [d for d, *_ in assignments(s, "1.")] == ["县卫健委", "县发改委"]
