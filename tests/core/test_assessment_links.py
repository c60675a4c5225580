"""考核细则 items linked to ledger tasks: proposals against a hand key, the stored links
(re-running changes nothing, a removed link stays removed) and the item records after a
collected period.

The 细则 is ``tests/data/assessment/member_2022.xlsx`` (written by ``make_files.py``,
whose ``MEMBER_2022_KEY`` is the hand key: item number → positions of seed 002's tasks);
the ledger is seed 002 answered for 2022年度 as ``realistic_fixtures`` does.  Every
assertion on stored state reads a reopened database.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
from pathlib import Path

import pytest
from seeds import seed_path
from sqlalchemy import func, select

from foodsafety_desktop.core.errors import UserError
from foodsafety_desktop.core.services import history
from foodsafety_desktop.core.services.assessment import (
    KIND_MEMBER,
    KIND_TOWNSHIP,
    assessment_outline,
    find_item,
    import_assessment,
)
from foodsafety_desktop.core.services.assessment_links import (
    AUTO_THRESHOLD,
    STATE_LATE,
    STATE_MISSING,
    STATE_ON_TIME,
    add_link,
    auto_link,
    confirm_link,
    find_task,
    item_links,
    item_record_html,
    item_records,
    propose_links,
    remove_link,
)
from foodsafety_desktop.core.services.plan_import import import_plan_file
from foodsafety_desktop.core.storage.database import open_database
from foodsafety_desktop.core.storage.models import (
    AssessmentItem,
    AssessmentLink,
    AuditEntry,
    Department,
    Evidence,
    Submission,
    SubmissionEntry,
    Task,
)

from .make_summary_sample import LATE, LEAD, SILENT, SUPPORT
from .realistic_fixtures import build_realistic

DATA = Path(__file__).resolve().parents[1] / "data" / "assessment"
MEMBER_2022 = DATA / "member_2022.xlsx"
TOWNSHIP_FILE = DATA / "township_2026.xlsx"
USER = "综合股"
YEAR_END = dt.date(2022, 12, 31)


def _load_make_files():
    spec = importlib.util.spec_from_file_location("assessment_make_files", DATA / "make_files.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SOURCE = _load_make_files()
KEY = SOURCE.MEMBER_2022_KEY
LEAF_NUMBERS = [c.split(".", 1)[0] for _p, items in SOURCE.MEMBER_2022 for c, *_ in items]


def _reopen(url):
    return open_database(url)


def _numbers(session, assessment_id) -> dict[int, str]:
    """Item id → its number as written (leaves are numbered 1…26 through the 细则)."""
    return dict(
        session.execute(
            select(AssessmentItem.id, AssessmentItem.number).where(
                AssessmentItem.assessment_id == assessment_id
            )
        ).all()
    )


def _positions(session) -> dict[int, int]:
    return dict(session.execute(select(Task.id, Task.position)).all())


def _key_pairs() -> set[tuple[str, int]]:
    return {(number, position) for number, positions in KEY.items() for position in positions}


def _pairs(proposals, numbers, positions) -> set[tuple[str, int]]:
    return {(numbers[p.item_id], positions[p.task_id]) for p in proposals}


def _stored(url) -> list[tuple]:
    db = _reopen(url)
    try:
        with db.session() as s:
            return list(
                s.execute(
                    select(
                        AssessmentLink.item_id,
                        AssessmentLink.task_id,
                        AssessmentLink.similarity,
                        AssessmentLink.confirmed,
                        AssessmentLink.created_by,
                    ).order_by(AssessmentLink.item_id, AssessmentLink.task_id)
                ).all()
            )
    finally:
        db.close()


def _audit(url) -> list[tuple[str, int | None, str]]:
    db = _reopen(url)
    try:
        with db.session() as s:
            return [
                (e.action, e.entity_id, e.summary)
                for e in s.scalars(
                    select(AuditEntry)
                    .where(AuditEntry.action.like("assessment.link%"))
                    .order_by(AuditEntry.id)
                )
            ]
    finally:
        db.close()


@pytest.fixture
def linked(any_db_url):
    """Seed 002 and member_2022.xlsx imported (no periods): (url, assessment id)."""
    db = open_database(any_db_url)
    try:
        import_plan_file(db, seed_path("002"), user=USER)
        result = import_assessment(db, MEMBER_2022, year=2022, kind=KIND_MEMBER, user=USER)
    finally:
        db.close()
    return any_db_url, result.assessment_id


# --- the done-when scenario ------------------------------------------------------------


def test_links_fill_the_item_records_of_a_collected_year(any_db_url, tmp_path):
    db = open_database(any_db_url)
    try:
        realistic = build_realistic(db, tmp_path / "round")
        imported = import_assessment(db, MEMBER_2022, year=2022, kind=KIND_MEMBER, user=USER)
        result = auto_link(db, imported.assessment_id, user=USER)
    finally:
        db.close()
    assessment_id = imported.assessment_id
    assert result.threshold == AUTO_THRESHOLD and result.changed

    db = _reopen(any_db_url)
    try:
        with db.session() as s:
            numbers, positions = _numbers(s, assessment_id), _positions(s)
            outline = assessment_outline(s, assessment_id)
            links = item_links(s, assessment_id)
            records = item_records(s, assessment_id, today=YEAR_END)
            departments = dict(s.execute(select(Department.name, Department.id)).all())
            four_html = item_record_html(s, assessment_id, find_item(s, assessment_id, "4").id)
            part_html = item_record_html(s, assessment_id, find_item(s, assessment_id, "二").id)
            by_unit = {
                name: item_records(
                    s, assessment_id, department_id=departments[name], today=YEAR_END
                )
                for name in ("县财政局", "县卫健委")
            }
    finally:
        db.close()

    # The proposals against the hand key.  Confirmed: exactly the twelve 攻坚行动 items
    # (precision 1, recall 12/14); item 16 (风险会商, two tasks of the key) is left to
    # the clerk with both of its tasks; every key pair is proposed (recall 1).
    key = _key_pairs()
    accepted = _pairs(result.accepted, numbers, positions)
    proposed = accepted | _pairs(result.pending, numbers, positions)
    assert accepted == {(str(n), n - 3) for n in range(4, 16)}
    assert accepted <= key and len(accepted & key) / len(key) == 12 / 14
    assert key <= proposed
    assert len(proposed & key) / len(proposed) >= 0.8  # 14 right of 16 proposed
    assert {positions[p.task_id] for p in result.pending if numbers[p.item_id] == "16"} == {1, 12}
    for p in result.accepted:
        assert p.similarity >= AUTO_THRESHOLD and p.reason.startswith("文字相近：")
    for p in result.pending:
        assert p.similarity < AUTO_THRESHOLD
    # Stored: the accepted confirmed, the pending as proposals, nothing else.
    stored = {(numbers[i], positions[t], c) for i, t, _sim, c, _by in _stored(any_db_url)}
    assert stored == {(n, p, True) for n, p in accepted} | {
        (numbers[p.item_id], positions[p.task_id], False) for p in result.pending
    }
    confirmed = {numbers[i]: [t.number for t in ts if t.confirmed] for i, ts in links.items()}
    labels = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二"]
    assert {n: ts for n, ts in confirmed.items() if ts} == {
        str(n + 4): [f"（{label}）"] for n, label in enumerate(labels)
    }

    # The 细则's totals, and the items in 细则 order with their records.
    assert (outline.summary.total_points, outline.summary.bonus_points) == (100, 5)
    assert [r.item_id for r in records] == [i.id for i in outline.items]
    leaves = [r for r in records if r.level == 2]
    assert [r.number for r in leaves] == LEAF_NUMBERS
    counted = sum(r.points for r in records if r.level == 1 and not (r.bonus or r.deduction))
    assert counted == 100
    assert sum(r.points for r in leaves if r.tasks) == 60  # 二、攻坚行动任务落实
    record = {r.number: r for r in leaves}
    assert [len(record[n].tasks) for n in LEAF_NUMBERS] == [
        1 if 4 <= int(n) <= 15 else 0 for n in LEAF_NUMBERS
    ]

    # 二.4 → （一）: its four units, the 2022年度 answers as the units wrote them.
    four = record["4"]
    assert four.path == "二.4"
    (task,) = four.tasks
    assert task.number == "（一）" and task.title == "实施标准制（修）订和风险监测行动"
    assert [(u.name, u.role) for u in task.units] == [
        ("县卫健委", "牵头"),
        ("县发改委", "责任"),
        ("县农业农村局", "责任"),
        ("县市场监管局", "责任"),
    ]
    lead = task.units[0]
    assert [p.period_name for p in lead.periods] == [
        "专项：方案制定情况",
        "2022年第二季度",
        "2022年第三季度",
        "2022年度",
    ]
    year = lead.periods[-1]
    assert (year.state, year.status, year.measures) == (STATE_ON_TIME, "已完成", LEAD[1][0])
    assert year.period_id == realistic.period_id
    assert year.values == [("食品安全风险监测样本不少于1.5批次/千人", "1.62")]
    assert (lead.on_time, lead.late, lead.missing) == (1, 0, 3)
    assert task.units[1].periods[-1].measures == SUPPORT["县发改委"]
    (target,) = task.targets
    assert (target.year_to_date, target.verdict) == (1.62, "已达标")
    # Four units × four periods, each (unit, period) once.
    assert (four.on_time, four.late, four.missing) == (4, 0, 12)

    # The same record as the 考核 view shows it.
    assert "任务 （一）实施标准制（修）订和风险监测行动" in four_html
    assert (
        "<td>县卫健委</td><td>牵头</td><td>1/0/3</td><td>2022年度</td><td>已完成</td>" in four_html
    )
    assert "累计 1.62批次/千人，已达标" in four_html
    assert "下设 12 项，其中 12 项已关联台账任务" in part_html

    # 二.5 → （二）: 滞后; 各乡镇政府 has no members, so nobody reports its part.
    (task,) = record["5"].tasks
    assert task.units[0].periods[-1].status == "滞后"
    group = next(u for u in task.units if u.name == "各乡镇政府")
    assert group.group_without_members and group.periods == []
    # 二.7 → （四）: 县文广旅局 reported late; 二.14 → （十一）: 县财政局 is silent.
    (task,) = record["7"].tasks
    (late_unit,) = [u for u in task.units if u.name in LATE]
    assert late_unit.periods[-1].state == STATE_LATE and late_unit.late == 1
    (task,) = record["14"].tasks
    silent = [u for u in task.units if u.name in SILENT]
    assert [u.name for u in silent] == ["县财政局"]
    assert silent[0].periods[-1].state == STATE_MISSING and silent[0].missing == 4
    assert task.units[0].periods[-1].status == "序时推进"

    # One unit's part: only the tasks it holds, only its lines.
    finance = {r.number: r for r in by_unit["县财政局"] if r.level == 2}
    assert [n for n, r in finance.items() if r.tasks] == ["14"]
    assert [u.name for u in finance["14"].tasks[0].units] == ["县财政局"]
    health = {r.number: r for r in by_unit["县卫健委"] if r.level == 2}
    # 县卫健委 holds （一）（四）（六）（十）: items 4, 7, 9, 13.
    assert [n for n, r in health.items() if r.tasks] == ["4", "7", "9", "13"]
    assert (health["4"].on_time, health["4"].missing) == (1, 3)


def test_evidence_counts_of_the_items_tasks_and_units(any_db_url, tmp_path):
    db = open_database(any_db_url)
    try:
        build_realistic(db, tmp_path / "round")
        imported = import_assessment(db, MEMBER_2022, year=2022, kind=KIND_MEMBER, user=USER)
        auto_link(db, imported.assessment_id, user=USER)
        with db.session() as s:
            numbers = {v: k for k, v in _numbers(s, imported.assessment_id).items()}
            departments = dict(s.execute(select(Department.name, Department.id)).all())
            task_one = s.scalar(select(Task.id).where(Task.position == 1))

            def submission(name):
                return s.scalar(
                    select(Submission.id).where(
                        Submission.department_id == departments[name],
                        Submission.is_current.is_(True),
                    )
                )

            def evidence(name, **where):
                s.add(
                    Evidence(
                        name=name,
                        sha256=name.encode().hex().ljust(64, "0")[:64],
                        size=10,
                        archive_path=f"evidence/{name}",
                        added_by=USER,
                        **where,
                    )
                )

            # On item 二.4 itself, on its task for 县卫健委 and for nobody, on the
            # 2022年度 workbooks of 县卫健委 and of 县发改委; one on item 一.1 (no task).
            evidence("会议纪要.pdf", item_id=numbers["4"])
            evidence("哨点医院名单.xlsx", task_id=task_one, department_id=departments["县卫健委"])
            evidence("监测方案.docx", task_id=task_one)
            evidence("培训照片.jpg", submission_id=submission("县卫健委"))
            evidence("配合材料.pdf", submission_id=submission("县发改委"))
            evidence("党组会议纪要.pdf", item_id=numbers["1"])
    finally:
        db.close()

    db = _reopen(any_db_url)
    try:
        with db.session() as s:
            records = {r.number: r for r in item_records(s, imported.assessment_id)}
            health = {
                r.number: r
                for r in item_records(
                    s, imported.assessment_id, department_id=departments["县卫健委"]
                )
            }
    finally:
        db.close()
    assert records["4"].evidence_count == 5
    assert records["1"].evidence_count == 1 and records["1"].tasks == []
    (task,) = records["4"].tasks
    assert len(task.evidence_ids) == 4  # not the item's own
    by_name = {u.name: len(u.evidence_ids) for u in task.units}
    assert by_name["县卫健委"] == 2 and by_name["县发改委"] == 1 and by_name["县市场监管局"] == 0
    # 县卫健委's part: its own and those attached for no unit, not 县发改委's.
    assert health["4"].evidence_count == 4
    # 二.7 → （四）: 县卫健委's workbook evidence counts there too (it holds （四）).
    assert health["7"].evidence_count == 1


# --- storing the links -----------------------------------------------------------------


def test_rerunning_auto_link_changes_nothing(linked):
    url, assessment_id = linked
    db = open_database(url)
    try:
        first = auto_link(db, assessment_id, user=USER)
        before, audit_before = _stored(url), _audit(url)
        second = auto_link(db, assessment_id, user="另一位")
    finally:
        db.close()
    assert first.changed and first.confirmed_now == 12 and first.proposed_now == 4
    assert len(audit_before) == 1 and audit_before[0][:2] == ("assessment.link_auto", assessment_id)
    assert "确认 12 项关联" in audit_before[0][2]
    assert not second.changed and (second.confirmed_now, second.proposed_now) == (0, 0)
    assert second.accepted == first.accepted and second.pending == first.pending
    assert _stored(url) == before and _audit(url) == audit_before
    assert {by for *_rest, by in before} == {USER}


def test_a_removed_link_does_not_come_back(linked):
    url, assessment_id = linked
    db = open_database(url)
    try:
        auto_link(db, assessment_id, user=USER)
        with db.session() as s:
            sixteen = find_item(s, assessment_id, "三.16").id
            nine = find_item(s, assessment_id, "二.9").id
            twelfth = find_task(s, assessment_id, "（十二）").id
            sixth = find_task(s, assessment_id, "(六)").id
            first = find_task(s, assessment_id, "三、（一）").id
        removed = [
            remove_link(db, sixteen, twelfth, user=USER),  # a proposal
            remove_link(db, nine, sixth, user=USER),  # a confirmed link
        ]
        again = remove_link(db, nine, sixth, user=USER)
        rerun = auto_link(db, assessment_id, user=USER)
    finally:
        db.close()
    assert all(c.changed and not c.confirmed for c in removed) and not again.changed
    assert rerun.skipped_removed == 2 and not rerun.changed
    pairs = {(p.item_id, p.task_id) for p in rerun.accepted + rerun.pending}
    assert (sixteen, twelfth) not in pairs and (nine, sixth) not in pairs
    assert (sixteen, first) in pairs
    db = _reopen(url)
    try:
        with db.session() as s:
            links = item_links(s, assessment_id)
            rows = {
                (r.item_id, r.task_id): (r.confirmed, r.similarity)
                for r in s.scalars(select(AssessmentLink))
            }
    finally:
        db.close()
    assert [t.task_id for t in links[nine]] == [] and [t.task_id for t in links[sixteen]] == [first]
    assert rows[(sixteen, twelfth)] == (False, None) and rows[(nine, sixth)] == (False, None)
    actions = [a for a, _i, _s in _audit(url)]
    assert actions == ["assessment.link_auto", "assessment.link_remove", "assessment.link_remove"]
    assert all(a in history.ACTION_LABELS for a in actions)


def test_the_clerk_adds_and_confirms_links(linked):
    url, assessment_id = linked
    db = open_database(url)
    try:
        auto_link(db, assessment_id, user=USER)
        with db.session() as s:
            sixteen = find_item(s, assessment_id, "16").id
            three = find_item(s, assessment_id, "一.3").id
            nine = find_item(s, assessment_id, "二.9").id
            first = find_task(s, assessment_id, "一").id
            sixth = find_task(s, assessment_id, "6").id
        confirmed = confirm_link(db, sixteen, first, user=USER)
        added = add_link(db, three, first, user=USER)
        remove_link(db, nine, sixth, user=USER)
        back = add_link(db, nine, sixth, user=USER)  # a removed link made again by hand
        same = add_link(db, three, first, user=USER)
        with pytest.raises(UserError, match="没有待确认的关联建议"):
            confirm_link(db, three, sixth, user=USER)
        rerun = auto_link(db, assessment_id, user=USER)
    finally:
        db.close()
    assert confirmed.changed and added.changed and back.changed and not same.changed
    assert "一.3" in added.summary and "（一）" in added.summary
    assert not rerun.changed
    db = _reopen(url)
    try:
        with db.session() as s:
            links = item_links(s, assessment_id)
    finally:
        db.close()
    assert [(t.task_id, t.confirmed, t.similarity) for t in links[three]] == [(first, True, None)]
    assert [(t.task_id, t.confirmed, t.similarity) for t in links[nine]] == [(sixth, True, None)]
    assert [t.task_id for t in links[sixteen] if t.confirmed] == [first]
    assert [a for a, _i, _s in _audit(url)] == [
        "assessment.link_auto",
        "assessment.link_confirm",
        "assessment.link_add",
        "assessment.link_remove",
        "assessment.link_add",
    ]


def test_references_name_items_and_tasks_as_the_clerk_sees_them(linked):
    url, assessment_id = linked
    db = open_database(url)
    try:
        with db.session() as s:
            assert find_item(s, assessment_id, "二.4").number == "4"
            assert find_item(s, assessment_id, " 二．4 ").number == "4"
            assert find_item(s, assessment_id, "二").title == "攻坚行动任务落实"
            item = find_item(s, assessment_id, "26")
            assert find_item(s, assessment_id, f"#{item.id}").id == item.id
            assert find_task(s, assessment_id, "（十二）").position == 12
            assert find_task(s, assessment_id, "12").position == 12
            for ref, words in (("九十九", "没有项目"), ("", "请写明")):
                with pytest.raises(UserError, match=words):
                    find_item(s, assessment_id, ref)
            with pytest.raises(UserError, match="没有任务“（二十）”"):
                find_task(s, assessment_id, "（二十）")
    finally:
        db.close()


def test_a_year_without_plans_is_refused(any_db_url):
    db = open_database(any_db_url)
    try:
        import_plan_file(db, seed_path("002"), user=USER)  # 2022—2024
        imported = import_assessment(db, TOWNSHIP_FILE, year=2026, kind=KIND_TOWNSHIP, user=USER)
        with pytest.raises(UserError, match="没有适用于2026年度的工作方案"):
            auto_link(db, imported.assessment_id, user=USER)
        assert _stored(any_db_url) == []
    finally:
        db.close()


def test_a_township_assessment_prefers_tasks_the_townships_hold(any_db_url):
    db = open_database(any_db_url)
    try:
        import_plan_file(db, seed_path("002"), user=USER)
        imported = import_assessment(db, TOWNSHIP_FILE, year=2023, kind=KIND_TOWNSHIP, user=USER)
        with db.session() as s:
            proposals = propose_links(s, imported.assessment_id)
            positions = _positions(s)
            numbers = _numbers(s, imported.assessment_id)
            townships = set(
                s.scalars(
                    select(Task.position)
                    .join(Task.assignments)
                    .join(Department)
                    .where(Department.name == "各乡镇政府")
                )
            )
            count = s.scalar(select(func.count()).select_from(AssessmentLink))
    finally:
        db.close()
    assert count == 0  # proposing stores nothing
    assert proposals
    for p in proposals:
        held = positions[p.task_id] in townships
        assert ("没有乡镇承担" in p.reason) == (not held), (p.item_label, p.task_label)
    # 农村集体聚餐 … the 三小 item goes to the township task （八）.
    best = {}
    for p in proposals:
        best.setdefault(numbers[p.item_id], positions[p.task_id])
    assert best["13"] == 8 and best["12"] == 5


# --- what the units list in the 佐证材料 column of their 报送表 ------------------------

LISTED = "《县卫健委风险监测工作记录（2022）》、现场照片36张"


def test_item_records_show_the_evidence_the_units_listed(any_db_url, tmp_path):
    """The 佐证材料 column of a unit's 报送表 (``SubmissionEntry.evidence``) is in its
    period line and in the HTML of the 考核 view, whether or not a file was attached."""
    db = open_database(any_db_url)
    try:
        build_realistic(db, tmp_path / "round")
        imported = import_assessment(db, MEMBER_2022, year=2022, kind=KIND_MEMBER, user=USER)
        auto_link(db, imported.assessment_id, user=USER)
        assessment_id = imported.assessment_id
        with db.session() as s:
            four = find_item(s, assessment_id, "4").id
            (task,) = next(r for r in item_records(s, assessment_id) if r.item_id == four).tasks
            lead = task.units[0]
            year = lead.periods[-1]
            for entry in s.scalars(
                select(SubmissionEntry).where(
                    SubmissionEntry.submission_id == year.submission_id,
                    SubmissionEntry.task_id == task.task_id,
                )
            ):
                entry.evidence = f"  {LISTED}\n"  # as written in the cell
    finally:
        db.close()

    db = _reopen(any_db_url)
    try:
        with db.session() as s:
            records = item_records(s, assessment_id, today=YEAR_END)
            html = item_record_html(s, assessment_id, four, today=YEAR_END)
            (own,) = [
                r
                for r in item_records(
                    s, assessment_id, department_id=lead.department_id, today=YEAR_END
                )
                if r.item_id == four
            ]
    finally:
        db.close()
    (task,) = next(r for r in records if r.item_id == four).tasks
    unit = task.units[0]
    assert unit.name == "县卫健委"
    assert [p.listed_evidence for p in unit.periods] == [None, None, None, LISTED]
    assert unit.listed_evidence == [("2022年度", LISTED)]
    assert unit.listed_evidence_text == LISTED
    assert all(p.listed_evidence is None for u in task.units[1:] for p in u.periods)
    assert own.tasks[0].units[0].periods[-1].listed_evidence == LISTED
    assert "<th>报送表所列佐证材料</th>" in html
    assert f"<td>0</td><td>{LISTED}</td></tr>" in html  # no file attached, listed text
