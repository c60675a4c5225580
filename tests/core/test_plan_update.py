"""Importing a plan that is already in the database: the stored plans it already is, what
updating one would change, and the update itself (services.plan_import, plan_update), on
SQLite and PostgreSQL.

Seed 002 is imported as the office received it; its other versions are written into
tmp_path (tests/core/plan_versions.py).
"""

from __future__ import annotations

import datetime as dt
import hashlib

import openpyxl
import pytest
from seeds import seed_path
from sqlalchemy import func, select

from foodsafety_desktop.core.errors import UserError
from foodsafety_desktop.core.plans.model import Heading, ParsedItem, ParsedPlan, ParsedTask
from foodsafety_desktop.core.services import audit, history, ledger, periods
from foodsafety_desktop.core.services.collect import collect_files
from foodsafety_desktop.core.services.departments import find_department_id
from foodsafety_desktop.core.services.ledger import LedgerFilter
from foodsafety_desktop.core.services.ledger_export import export_ledger_xlsx
from foodsafety_desktop.core.services.plan_import import (
    MATCH_FILE,
    MATCH_TEXT,
    MATCH_TITLE,
    SamePlanExists,
    import_plan,
    import_plan_file,
    prepare_import,
    read_for_review,
)
from foodsafety_desktop.core.services.plan_update import (
    compare_matches,
    compare_plan,
    update_plan,
    update_reviewed,
)
from foodsafety_desktop.core.services.templates import template_rows
from foodsafety_desktop.core.storage.backup import parse_backup_name
from foodsafety_desktop.core.storage.database import open_database
from foodsafety_desktop.core.storage.models import (
    AuditEntry,
    Plan,
    ReportingPeriod,
    Section,
    Submission,
    SubmissionEntry,
    Task,
)

from .collect_fixtures import build_scenario, fill
from .plan_versions import (
    DROPPED_REPORTED,
    DROPPED_UNREPORTED,
    REASSIGNED,
    REWORDED,
    needs_soffice,
    revised_version,
    same_plan_as_doc,
)

USER = "测试员"
MARKET = "县市场监管局"
TITLE = "卢氏县深化食品安全放心工程建设攻坚行动工作方案（2022—2024年）"
FACTS = "卢政办〔2022〕21号，2022年5月19日"


@pytest.fixture
def any_db(any_db_url, tmp_path, monkeypatch):
    monkeypatch.setenv("FOODSAFETY_DATA_DIR", str(tmp_path / "appdata"))
    database = open_database(any_db_url)
    yield database
    database.close()


def reopened(db):
    """Another Database on the same file or server: what the next start would see."""
    return open_database(db.url)


def tasks_by_label(db, plan_id: int) -> dict[str, ledger.LedgerRow]:
    with db.session() as s:
        return {r.label: r for r in ledger.ledger_rows(s, LedgerFilter(plan_id=plan_id))}


def check_backup(db, backup, reason: str) -> None:
    if db.is_sqlite:
        assert backup is not None and backup.is_file()
        assert parse_backup_name(backup).reason == reason
    else:
        assert backup is None  # a server's administrator backs it up


def test_the_same_file_is_offered_for_update_not_refused(any_db):
    first = import_plan_file(any_db, seed_path("002"), user=USER)
    review = read_for_review(any_db, seed_path("002"))
    [match] = review.matches
    assert (match.plan_id, match.reason, match.share) == (first.plan_id, MATCH_FILE, 1.0)
    assert match.describe() == (
        f"方案编号 {first.plan_id}：《{TITLE}》（{FACTS}，12 项任务；同一文件）"
    )
    [comparison] = compare_matches(any_db, review)
    assert comparison.is_empty and comparison.unchanged == 12
    assert comparison.summary() == "内容没有变化" and comparison.groups() == []

    # Without a choice the command line's import refuses, naming the stored plan.
    with pytest.raises(SamePlanExists, match=f"该方案已导入过（方案编号 {first.plan_id}：《"):
        import_plan_file(any_db, seed_path("002"), user=USER)
    second = import_plan_file(any_db, seed_path("002"), user=USER, as_new=True)
    with any_db.session() as s:
        plans = ledger.list_plans(s)
        labels = ledger.plan_labels(plans)
    assert [p.id for p in plans] == [first.plan_id, second.plan_id]
    assert [p.label for p in plans] == [f"{TITLE}（{FACTS}，12 项任务）"] * 2
    # The same file twice: the picker also shows when each was imported and its number.
    assert labels[first.plan_id] != labels[second.plan_id]
    assert labels[second.plan_id].endswith(f"编号 {second.plan_id}）")
    assert f"{FACTS}，12 项任务；导入于 " in labels[second.plan_id]


@needs_soffice
def test_the_doc_of_an_imported_plan_updates_it_in_place(any_db, tmp_path):
    first = import_plan_file(any_db, seed_path("002"), user=USER)
    before = tasks_by_label(any_db, first.plan_id)
    doc = same_plan_as_doc(tmp_path / "doc")

    review = read_for_review(any_db, doc)
    [match] = review.matches
    assert (match.reason, match.reason_text, match.share) == (MATCH_TEXT, "正文相同", 1.0)
    with pytest.raises(SamePlanExists, match="已导入的方案中已有这份方案：方案编号"):
        import_plan_file(any_db, doc, user=USER)

    result = update_reviewed(any_db, review, first.plan_id, user=USER)
    assert result.updated and result.comparison.is_empty
    assert result.plan_id == first.plan_id and result.task_count == 12
    check_backup(any_db, result.backup, "plan-update")
    again = reopened(any_db)
    try:
        with again.session() as s:
            assert s.scalar(select(func.count(Plan.id))) == 1
            plan = s.get(Plan, first.plan_id)
            assert plan.source_name == doc.name
            assert plan.source_sha256 == hashlib.sha256(doc.read_bytes()).hexdigest()
            entry = s.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
            assert (entry.action, entry.entity_id) == ("plan.update", first.plan_id)
            assert entry.summary == f"更新方案《{TITLE}》：内容没有变化"
            assert audit.detail_of(entry)["previous_source"] == seed_path("002").name
        after = tasks_by_label(again, first.plan_id)
    finally:
        again.close()
    assert {k: r.task_id for k, r in after.items()} == {k: r.task_id for k, r in before.items()}


def test_update_keeps_periods_and_submissions_and_lists_the_changes(any_db, tmp_path):
    scenario = build_scenario(any_db, tmp_path / "templates", [MARKET])
    filled = fill(scenario.templates[MARKET], tmp_path / "returned" / "市场监管局.xlsx")
    [outcome] = collect_files(
        any_db, [filled], user=USER, period_id=scenario.q3, accept_warnings=True
    )
    assert outcome.accepted, outcome.errors
    plan_id = scenario.plan_id
    before = tasks_by_label(any_db, plan_id)
    with any_db.session() as s:
        periods_before = list(s.execute(select(ReportingPeriod.id, ReportingPeriod.name)))
        entries_before = sorted(s.execute(select(SubmissionEntry.id, SubmissionEntry.task_id)))
        submissions_before = sorted(s.scalars(select(Submission.id)))
        sections_before = sorted(s.scalars(select(Section.id).where(Section.plan_id == plan_id)))
        reported = s.scalar(
            select(func.count(SubmissionEntry.id)).where(
                SubmissionEntry.task_id == before[DROPPED_REPORTED].task_id
            )
        )
        unreported = s.scalar(
            select(func.count(SubmissionEntry.id)).where(
                SubmissionEntry.task_id == before[DROPPED_UNREPORTED].task_id
            )
        )
    assert reported > 0 and unreported == 0
    statuses = {label: (r.status, r.progress) for label, r in before.items()}
    assert statuses[DROPPED_REPORTED][0] == "序时推进"  # from 县市场监管局's report

    revised = revised_version(tmp_path / "修订版.docx")
    review = read_for_review(any_db, revised)
    [match] = review.matches
    # 9 of 12 tasks the same: below the share of one text, but the title and 文号 agree.
    assert (match.reason, match.reason_text) == (MATCH_TITLE, "标题和文号相同")
    [comparison] = compare_matches(any_db, review)
    assert comparison.summary() == (
        "新增 1 项任务，删除 2 项任务（其中 1 项已有报送，保留并标注“已从方案中删除”），"
        "内容有修改 1 项，责任单位有变化 1 项"
    )
    assert comparison.groups() == [
        ("新增任务（1）", ["三、（十三）实施餐饮外卖专项治理行动（牵头：县市场监管局）"]),
        (
            "删除的任务（2）",
            [
                f"三、（五）实施农村假冒伪劣食品治理行动（已有 {reported} 条报送内容，"
                "保留在台账中并标注“已从方案中删除”）",
                "三、（十一）实施“优质粮食工程”行动",
            ],
        ),
        ("内容有修改（1）", ["三、（二）实施产地环境净化行动：内容有修改"]),
        (
            "责任单位有变化（1）",
            ["三、（三）实施农药兽药使用减量行动：责任单位 各乡镇政府 → 县市场监管局"],
        ),
    ]
    assert comparison.unchanged == 8
    assert (comparison.periods, comparison.submissions) == (len(periods_before), 1)
    assert comparison.kept_text() == (
        f"8 项任务没有变化。保留该方案的 {len(periods_before)} 个报送期次和 1 份报送，"
        "以及各项任务的状态和最新进展。"
    )

    result = update_reviewed(any_db, review, plan_id, user=USER)
    assert result.task_count == 11 and result.created_departments == []
    check_backup(any_db, result.backup, "plan-update")

    for db in (any_db, reopened(any_db)):
        try:
            after = tasks_by_label(db, plan_id)
            assert list(after) == [
                "（一）", "（二）", "（三）", "（四）", "（五）", "（六）", "（七）",
                "（八）", "（九）", "（十）", "（十二）", "（十三）",
            ]  # fmt: skip
            # Paired tasks keep their ids, statuses and progress; the dropped task that
            # was reported on stays where it was, marked; the other one is gone.
            for label in after:
                if label != "（十三）":
                    assert after[label].task_id == before[label].task_id, label
                    assert (after[label].status, after[label].progress) == statuses[label]
            assert [r.label for r in after.values() if r.removed] == [DROPPED_REPORTED]
            assert not after[DROPPED_REPORTED].overdue
            assert "积极探索用耕地" in after[REWORDED].text
            assert after[REASSIGNED].lead == ["县农业农村局"]
            assert after[REASSIGNED].responsible == [MARKET]
            assert after["（十三）"].lead == [MARKET] and after["（十三）"].responsible == [
                "县商务局"
            ]
            with db.session() as s:
                assert s.get(Task, before[DROPPED_UNREPORTED].task_id) is None
                assert list(s.execute(select(ReportingPeriod.id, ReportingPeriod.name))) == (
                    periods_before
                )
                assert sorted(s.scalars(select(Submission.id))) == submissions_before
                assert (
                    sorted(s.execute(select(SubmissionEntry.id, SubmissionEntry.task_id)))
                    == entries_before
                )
                assert (
                    sorted(s.scalars(select(Section.id).where(Section.plan_id == plan_id)))
                    == sections_before
                )
                [summary] = ledger.list_plans(s)
                assert summary.task_count == 11  # the marked task is not counted
                entry = s.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
                assert entry.action == "plan.update"
                assert entry.summary == f"更新方案《{TITLE}》：{comparison.summary()}"
                detail = audit.detail_of(entry)
                assert detail["tasks_added"] == ["三、（十三）实施餐饮外卖专项治理行动"]
                assert detail["tasks_removed"] == ["三、（十一）实施“优质粮食工程”行动"]
                assert detail["tasks_kept"] == ["三、（五）实施农村假冒伪劣食品治理行动"]
                task_id = str(before[REASSIGNED].task_id)
                assert detail["tasks"][task_id] == {"responsible": [["各乡镇政府"], [MARKET]]}
                # The task's own history shows the update that changed it.
                rows = history.history_rows(s, "task", before[REASSIGNED].task_id)
                assert rows[0].action == "更新方案"
                assert "责任单位：各乡镇政府 → 县市场监管局" in rows[0].detail_text()
        finally:
            if db is not any_db:
                db.close()

    # The exported 台账 marks the kept task too.
    with any_db.session() as s:
        path = export_ledger_xlsx(s, LedgerFilter(plan_id=plan_id), tmp_path / "台账.xlsx")
    sheet = openpyxl.load_workbook(path).active
    cells = [str(c.value or "") for row in sheet.iter_rows() for c in row]
    assert [c[:24] for c in cells if c.startswith("【已从方案中删除】")] == [
        "【已从方案中删除】实施农村假冒伪劣食品治理行动。"
    ]

    # The original again: the dropped task with reports comes back (same id), the other
    # comes back as a new task, and the added one (nobody reported on it) goes.
    review = read_for_review(any_db, seed_path("002"))
    assert review.matches[0].reason == MATCH_TITLE
    again = update_reviewed(any_db, review, plan_id, user=USER).comparison
    assert [c.describe() for c in again.added] == [
        "三、（五）实施农村假冒伪劣食品治理行动（牵头：县市场监管局）（此前已从方案中删除，恢复）",
        "三、（十一）实施“优质粮食工程”行动（牵头：县发改委）",
    ]
    assert [c.describe() for c in again.removed] == ["三、（十三）实施餐饮外卖专项治理行动"]
    restored = tasks_by_label(any_db, plan_id)
    assert len(restored) == 12 and not any(r.removed for r in restored.values())
    assert restored[DROPPED_REPORTED].task_id == before[DROPPED_REPORTED].task_id
    assert restored[REASSIGNED].responsible == ["各乡镇政府"]


def small_plan(*, lead: list[str], deadline: str | None) -> ParsedPlan:
    heading = Heading("一、", "主要任务", 1)
    return ParsedPlan(
        title="某县食品安全培训方案",
        doc_number="某食安办〔2024〕3号",
        date=dt.date(2024, 3, 1),
        jurisdiction="县",
        tasks=[
            ParsedTask(
                label="1.",
                path=[heading],
                title="开展从业人员培训",
                text="开展从业人员培训，全年培训不少于40学时。",
                items=[ParsedItem("开展从业人员培训。", lead, [])],
                deadline=deadline,
                deadline_date=dt.date(2024, 12, 31) if deadline else None,
            ),
            ParsedTask(
                label="2.",
                path=[heading],
                title="开展宣传周活动",
                text="开展食品安全宣传周活动。",
                items=[ParsedItem("开展食品安全宣传周活动。", ["县市场监管局"], [])],
            ),
        ],
    )


def test_what_the_new_version_does_not_say_is_kept(any_db):
    """Departments the clerk gave a task the document names none for, and a deadline the
    document does not give, survive an update."""
    with any_db.session() as s:
        first = import_plan(
            s, prepare_import(s, small_plan(lead=[], deadline="2024年底前")), user=USER
        )
    with any_db.session() as s:
        rows = ledger.ledger_rows(s, LedgerFilter(plan_id=first.plan_id))
        market = find_department_id(s, MARKET)
        ledger.update_task(s, rows[0].task_id, user=USER, lead_ids=[market])

    with any_db.session() as s:
        review = prepare_import(s, small_plan(lead=[], deadline=None))
        assert [(m.plan_id, m.reason) for m in review.matches] == [(first.plan_id, MATCH_TEXT)]
        comparison = compare_plan(s, review, first.plan_id)
        assert comparison.is_empty, comparison.groups()
        update_plan(s, review, first.plan_id, user=USER)
    with any_db.session() as s:
        row = ledger.ledger_rows(s, LedgerFilter(plan_id=first.plan_id))[0]
    assert row.lead == ["县市场监管局"] and row.deadline_text == "2024年底前"

    # A document that names the department does set it.
    with any_db.session() as s:
        review = prepare_import(s, small_plan(lead=["县教体局"], deadline="2024年6月底前"))
        comparison = compare_plan(s, review, first.plan_id)
        assert [line for _h, lines in comparison.groups() for line in lines] == [
            "一、1.开展从业人员培训：牵头单位 县市场监管局 → 县教体局",
            "一、1.开展从业人员培训：完成时限 2024年底前 → 2024年6月底前",
        ]
        update_plan(s, review, first.plan_id, user=USER)
    with any_db.session() as s:
        row = ledger.ledger_rows(s, LedgerFilter(plan_id=first.plan_id))[0]
    assert row.lead == ["县教体局"] and row.deadline_text == "2024年6月底前"


def test_plans_that_only_share_a_sentence_are_different_plans(any_db):
    with any_db.session() as s:
        import_plan(s, prepare_import(s, small_plan(lead=[], deadline=None)), user=USER)
    other = small_plan(lead=[], deadline=None)
    other.title, other.doc_number = "某县校园食品安全方案", "某教〔2024〕9号"
    with any_db.session() as s:
        assert prepare_import(s, other).matches == []


def test_updating_a_plan_that_is_gone_says_so(any_db):
    with any_db.session() as s:
        review = prepare_import(s, small_plan(lead=[], deadline=None))
    with pytest.raises(UserError, match="未找到该工作方案（编号 99）"):
        update_reviewed(any_db, review, 99, user=USER)


def test_a_dropped_task_is_asked_for_only_in_periods_due_before_it_was_dropped(any_db, tmp_path):
    scenario = build_scenario(any_db, tmp_path / "templates", [MARKET])
    filled = fill(scenario.templates[MARKET], tmp_path / "returned" / "市场监管局.xlsx")
    assert collect_files(any_db, [filled], user=USER, accept_warnings=True)[0].accepted
    dropped = tasks_by_label(any_db, scenario.plan_id)[DROPPED_REPORTED].task_id
    review = read_for_review(any_db, revised_version(tmp_path / "修订版.docx"))
    update_reviewed(any_db, review, scenario.plan_id, user=USER)
    with any_db.session() as s:
        later = periods.add_period(
            s,
            scenario.plan_id,
            user=USER,
            name="专项：修订后落实情况",
            due_date=dt.date.today() + dt.timedelta(days=30),
        )
        market = find_department_id(s, MARKET)
        # Q3 was due before the update: its sheets hold the task, checks expect it.
        assert dropped in {r.task_id for r in template_rows(s, scenario.q3, market)}
        later_rows = {r.task_id for r in template_rows(s, later, market)}
        assert later_rows and dropped not in later_rows
