"""Collecting returned workbooks: the round trip with real templates, validation, history."""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
import subprocess

import openpyxl
import pytest
from sqlalchemy import func, select

from foodsafety_desktop.core.errors import UserError
from foodsafety_desktop.core.excel import template_layout as layout
from foodsafety_desktop.core.excel.identity import IDENTITY_SHEET
from foodsafety_desktop.core.paths import archive_dir_for
from foodsafety_desktop.core.services import collect
from foodsafety_desktop.core.services.collect import (
    SIGNATURE_FAILED,
    check_workbook,
    collect_files,
    commit_submission,
    parse_value,
)
from foodsafety_desktop.core.services.templates import template_rows, write_template
from foodsafety_desktop.core.storage.models import (
    Assignment,
    AuditEntry,
    Department,
    Indicator,
    Plan,
    ReportingPeriod,
    Submission,
    SubmissionEntry,
    Task,
    combine_statuses,
)

from .collect_fixtures import USER, build_scenario, fill

MARKET = "县市场监管局"
HEALTH = "县卫健委"
FARM = "县农业农村局"
POLICE = "县公安局"
NAMES = [MARKET, HEALTH, FARM, POLICE, "县发改委"]
ON_TIME = dt.datetime(2022, 9, 20, 2, 0)  # naive UTC
R = layout.FIRST_DATA_ROW  # the first data row (6; 5 in templates of version 1)
LATE = dt.datetime(2022, 10, 8, 2, 0)


@pytest.fixture
def scenario(db, tmp_path):
    return build_scenario(db, tmp_path / "templates", NAMES)


def _sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _count(db, model):
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_round_trip(db, scenario, tmp_path):
    sc = scenario
    out = tmp_path / "returned"
    complete = fill(sc.templates[MARKET], out / "complete.xlsx", status="已完成")
    partial = fill(sc.templates[HEALTH], out / "partial.xlsx", only=2)
    late = fill(sc.templates["县发改委"], out / "late.xlsx", status="滞后")
    tampered = fill(sc.templates[POLICE], out / "tampered.xlsx")
    wb = openpyxl.load_workbook(tampered)
    ids = wb[IDENTITY_SHEET]
    for row in ids.iter_rows():
        if row[0].value == "department_id":
            row[1].value = str(sc.departments[FARM])
        if row[0].value == "department_name":
            row[1].value = FARM
    wb.save(tampered)
    wrong = fill(sc.q2_templates[FARM], out / "wrong-period.xlsx")

    outcomes = collect_files(
        db,
        [complete, partial, tampered, wrong],
        user=USER,
        period_id=sc.q3,
        accept_warnings=True,
        received_at=ON_TIME,
    )
    by_name = {o.file_name: o for o in outcomes}
    assert by_name["complete.xlsx"].accepted, by_name["complete.xlsx"].errors
    assert by_name["complete.xlsx"].department == MARKET
    assert by_name["complete.xlsx"].period == "2022年第三季度"
    assert by_name["partial.xlsx"].accepted
    assert any("完成情况未填写" in w for w in by_name["partial.xlsx"].warnings)
    assert not by_name["tampered.xlsx"].accepted
    assert any(SIGNATURE_FAILED in e for e in by_name["tampered.xlsx"].errors)
    assert not by_name["wrong-period.xlsx"].accepted
    assert any("报送期次不符" in e for e in by_name["wrong-period.xlsx"].errors)
    [late_outcome] = collect_files(
        db, [late], user=USER, period_id=sc.q3, accept_warnings=True, received_at=LATE
    )
    assert late_outcome.accepted

    with db.session() as s:
        subs = s.scalars(select(Submission).order_by(Submission.id)).all()
        assert [(x.department.name, x.is_current) for x in subs] == [
            (MARKET, True),
            (HEALTH, True),
            ("县发改委", True),
        ]
        market = subs[0]
        expected = template_rows(s, sc.q3, sc.departments[MARKET])
        assert len(market.entries) == len(expected) == 9
        assert {e.status for e in market.entries} == {"已完成"}
        assert market.entries[0].measures == "已按要求推进，开展专项检查1次"
        assert market.reporter == "张三" and market.phone == "0398-7654321"
        assert market.filled_on == "2022-09-20"
        assert market.sha256 == _sha(complete)
        archived = archive_dir_for(db.sqlite_path) / market.archive_path
        assert archived == archive_dir_for(db.sqlite_path) / "submissions" / str(sc.q3) / (
            f"{market.sha256[:12]}_complete.xlsx"
        )
        assert _sha(archived) == market.sha256
        # partial: 4 rows, 2 answered; all 4 stored (unanswered ones empty)
        health = subs[1]
        assert len(health.entries) == 4
        assert [e.status for e in health.entries] == ["序时推进", "序时推进", None, None]
        # the ledger: tasks the market authority leads take its status
        lead_tasks = s.scalars(
            select(Assignment.task_id).where(
                Assignment.department_id == sc.departments[MARKET], Assignment.role == "牵头"
            )
        ).all()
        for task_id in lead_tasks:
            task = s.get(Task, task_id)
            assert task.status == "已完成"
            assert task.progress.startswith("2022年第三季度县市场监管局：已按要求推进")
        assert (
            s.scalar(
                select(func.count())
                .select_from(AuditEntry)
                .where(AuditEntry.action == "submission.collect")
            )
            == 3
        )

    # the same file again is refused
    [again] = collect_files(db, [complete], user=USER, period_id=sc.q3, accept_warnings=True)
    assert not again.accepted and "已于" in again.errors[0] and "重复导入" in again.errors[0]

    # a resubmission replaces the earlier one; history kept; preview says what changed
    second = fill(
        sc.templates[MARKET],
        out / "complete-v2.xlsx",
        status="已完成",
        measures="已按要求推进，开展专项检查{n}次",
        edits={f"H{R}": "改写后的措施"},
    )
    with db.session() as s:
        preview = check_workbook(s, second, period_id=sc.q3)
        assert preview.ok and preview.compared_with == "current"
        assert preview.counts() == {"new": 0, "changed": 1, "unchanged": 8}
        assert preview.rows[0].changed_fields == ["measures"]
        result = commit_submission(s, preview, user=USER, received_at=LATE)
    with db.session() as s:
        old = s.get(Submission, 1)
        new = s.get(Submission, result.submission_id)
        assert old.is_current is False and new.is_current is True
        assert new.replaced_submission_id == old.id
        assert (archive_dir_for(db.sqlite_path) / old.archive_path).exists()
        assert new.entries[0].measures == "改写后的措施"


def test_hand_made_sheet_is_proposed_for_confirmation(db, scenario, tmp_path):
    sc = scenario
    with db.session() as s:
        rows = template_rows(s, sc.q3, sc.departments[FARM])
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws["A1"] = "县农业农村局2022年第三季度食品安全工作落实情况"
    ws["A2"] = "填报单位：县农业农村局"
    ws.append([])
    ws.append(["序号", "工作任务", "进展情况", "主要措施", "存在问题"])
    # pasted in another order, the wording slightly shortened, one task left out
    for r in reversed(rows[:4]):
        ws.append([r.seq, r.task_text[2:-3], "序时推进", f"措施{r.seq}", "无"])
    path = tmp_path / "农业农村局三季度报送.xlsx"
    wb.save(path)
    with db.session() as s:
        preview = check_workbook(s, path, period_id=sc.q3)
        assert preview.needs_confirmation and preview.matched_by == "proposed"
        assert preview.ok, [str(e) for e in preview.errors]
        assert preview.department_name == FARM
        got = {(r.task_id, r.values["measures"]) for r in preview.rows}
        assert got == {(r.task_id, f"措施{r.seq}") for r in rows[:4]}
        assert [t.seq for t in preview.missing_rows] == [rows[4].seq]
        with pytest.raises(UserError, match="人工确认"):
            commit_submission(s, preview, user=USER)
        commit_submission(s, preview, user=USER, confirmed=True, received_at=ON_TIME)
    with db.session() as s:
        sub = s.scalar(select(Submission))
        assert sub.department_id == sc.departments[FARM] and sub.period_id == sc.q3
        assert {e.problems for e in sub.entries} == {"无"}
    # non-interactive collection never accepts a proposal
    [outcome] = collect_files(db, [path], user=USER, accept_warnings=True)
    assert not outcome.accepted


def test_period_from_file_name_without_identity(db, scenario, tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["序号", "任务内容", "完成情况"])
    ws.append(["1", "随便写的任务", "已完成"])
    path = tmp_path / "县卫健委-2022年第二季度.xlsx"
    wb.save(path)
    with db.session() as s:
        preview = check_workbook(s, path)
        assert preview.period_id == scenario.q2
        assert preview.department_name == HEALTH
        assert any("未能对应" in w.message for w in preview.warnings)


def test_errors_name_the_cell(db, scenario, tmp_path):
    sc = scenario
    bad = fill(
        sc.templates[MARKET],
        tmp_path / "bad.xlsx",
        edits={f"G{R + 1}": "基本完成", f"B{R + 2}": "改过的任务内容"},
    )
    with db.session() as s:
        preview = check_workbook(s, bad, period_id=sc.q3)
    texts = [e.text() for e in preview.errors]
    assert any(f"单元格 G{R + 1}" in t and "不在可选范围" in t for t in texts)
    assert any(f"单元格 B{R + 2}" in t and "锁定内容被改动" in t for t in texts)
    [outcome] = collect_files(db, [bad], user=USER, accept_warnings=True)
    assert not outcome.accepted
    assert _count(db, Submission) == 0 and _count(db, SubmissionEntry) == 0
    assert not (archive_dir_for(db.sqlite_path) / "submissions").exists() or not any(
        (archive_dir_for(db.sqlite_path) / "submissions").rglob("*.xlsx")
    )


def test_duplicate_and_missing_rows(db, scenario, tmp_path):
    sc = scenario
    path = fill(sc.templates[HEALTH], tmp_path / "dup.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb[layout.REPORT_SHEET]
    ws.protection.sheet = False
    for col in "ABCDEFGHIJKL":  # copy the first row below the last one; clear the last
        ws[f"{col}{R + 4}"] = ws[f"{col}{R}"].value
        ws[f"{col}{R + 3}"] = None
    wb.save(path)
    with db.session() as s:
        preview = check_workbook(s, path, period_id=sc.q3)
    texts = [e.text() for e in preview.errors]
    assert any("重复行" in t and f"B{R + 4}" in t for t in texts)
    assert any(f"缺少第 {R + 3} 行" in t for t in texts)


def test_a_row_the_template_does_not_have_is_named_by_its_filled_cell(db, scenario, tmp_path):
    path = fill(
        scenario.templates[HEALTH], tmp_path / "extra.xlsx", edits={f"L{R + 20}": "多出来的"}
    )
    with db.session() as s:
        preview = check_workbook(s, path, period_id=scenario.q3)
    [extra] = [w for w in preview.warnings if "没有这一行" in w.message]
    assert extra.cell == f"L{R + 20}"


def test_warnings_need_acceptance(db, scenario, tmp_path):
    partial = fill(scenario.templates[HEALTH], tmp_path / "p.xlsx", only=1)
    [outcome] = collect_files(db, [partial], user=USER)
    assert not outcome.accepted and outcome.warnings
    assert _count(db, Submission) == 0


def test_formula_in_input_cell_is_never_evaluated(db, scenario, tmp_path):
    path = fill(
        scenario.templates[HEALTH],
        tmp_path / "f.xlsx",
        edits={f"H{R}": '=WEBSERVICE("http://example.invalid")', f"I{R}": "=1+1"},
    )
    with db.session() as s:
        preview = check_workbook(s, path, period_id=scenario.q3)
    row = preview.rows[0]
    # openpyxl stored no cached result: read as empty, never computed, never fetched
    assert row.values["measures"] is None and row.values["data"] is None
    # ... and the clerk is told which cells, so the department can save them in Excel/WPS
    flagged = {(w.cell, w.sheet) for w in preview.warnings if "公式没有计算结果" in w.message}
    assert {cell for cell, _ in flagged} == {f"H{R}", f"I{R}"}


# --- a hand-built plan with a quantitative target ------------------------------------


@pytest.fixture
def small(db, tmp_path):
    with db.session() as s:
        dep = Department(name="县教育局")
        plan = Plan(title="某县食品安全工作要点", year_start=2024, year_end=2024)
        s.add_all([dep, plan])
        s.flush()
        task = Task(
            plan_id=plan.id,
            position=1,
            label="1.",
            title="校园食品安全",
            text="学校食堂明厨亮灶覆盖率达到100%",
            status="未启动",
        )
        s.add(task)
        s.flush()
        s.add(Assignment(task_id=task.id, department_id=dep.id, role="牵头"))
        s.add(
            Indicator(
                task_id=task.id, text="明厨亮灶覆盖率达到100%", comparison=">=", value=100, unit="%"
            )
        )
        period = ReportingPeriod(
            plan_id=plan.id,
            name="2024年第一季度",
            kind="quarter",
            year=2024,
            due_date=dt.date(2024, 3, 25),
        )
        s.add(period)
        s.flush()
        path = write_template(s, period.id, dep.id, tmp_path / "edu.xlsx")
        return period.id, task.id, path


def test_value_must_be_numeric(db, small, tmp_path):
    period_id, task_id, template = small
    bad = fill(template, tmp_path / "bad.xlsx", value="约九成")
    with db.session() as s:
        preview = check_workbook(s, bad, period_id=period_id)
    assert any(f"单元格 F{R}" in e.text() and "不是数字" in e.text() for e in preview.errors)
    good = fill(template, tmp_path / "good.xlsx", value="98.5%", status="序时推进")
    [outcome] = collect_files(db, [good], user=USER, period_id=period_id)
    assert outcome.accepted, outcome.errors
    with db.session() as s:
        entry = s.scalar(select(SubmissionEntry))
        assert (entry.value, entry.value_text, entry.indicator_id is not None) == (
            98.5,
            "98.5%",
            True,
        )
        assert s.get(Task, task_id).status == "序时推进"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, (None, None, True)),
        (95, (95.0, "95", True)),
        ("1,200", (1200.0, "1,200", True)),
        ("12家", (12.0, "12家", True)),
        ("约95", (None, "约95", False)),
        ("=1+1", (None, "=1+1", False)),
    ],
)
def test_parse_value(raw, expected):
    assert parse_value(raw) == expected


# --- LibreOffice re-save --------------------------------------------------------------


def test_libreoffice_resave_xlsx_and_xls(db, scenario, tmp_path):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        pytest.skip("未安装 LibreOffice（soffice），跳过用真实办公软件另存后导入的测试。")
    filled = fill(
        scenario.templates[MARKET], tmp_path / "filled" / "市场监管局.xlsx", status="已完成"
    )
    filled2 = fill(scenario.templates[HEALTH], tmp_path / "filled" / "卫健委.xlsx")
    results = {}
    for target, src in (("xlsx", filled), ("xls", filled2)):
        outdir = tmp_path / f"lo-{target}"
        subprocess.run(
            [
                soffice,
                "--headless",
                f"-env:UserInstallation=file://{tmp_path}/lo-profile",
                "--convert-to",
                target,
                "--outdir",
                str(outdir),
                str(src),
            ],
            check=True,
            capture_output=True,
            timeout=180,
        )
        [converted] = list(outdir.iterdir())
        results[target] = converted
    outcomes = collect_files(db, list(results.values()), user=USER, period_id=scenario.q3)
    for o in outcomes:
        assert o.accepted, (o.file_name, o.errors, o.warnings)
    from foodsafety_desktop.core.excel.workbook_reader import read_returned_workbook

    xls = read_returned_workbook(results["xls"])
    assert xls.file_format == "xls" and xls.identity_values is not None
    assert xls.sheet_states[IDENTITY_SHEET] in ("hidden", "veryHidden")
    with db.session() as s:
        subs = s.scalars(select(Submission).order_by(Submission.id)).all()
        assert [len(x.entries) for x in subs] == [9, 4]
        assert {e.status for e in subs[0].entries} == {"已完成"}


def test_collect_progress_and_folder(db, scenario, tmp_path):
    folder = tmp_path / "in"
    fill(scenario.templates[MARKET], folder / "a.xlsx")
    fill(scenario.templates[HEALTH], folder / "b.xlsx")
    (folder / "~$a.xlsx").write_bytes(b"lock")
    (folder / "readme.txt").write_text("x")
    calls = []
    outcomes = collect_files(
        db, [folder], user=USER, accept_warnings=True, progress=lambda d, t: calls.append((d, t))
    )
    assert [o.accepted for o in outcomes] == [True, True]
    assert calls == [(0, 4), (1, 4), (2, 4), (3, 4), (4, 4)]  # a check and a commit each
    assert outcomes[0].as_dict()["department"] == MARKET
    assert collect.expand_paths([folder]) == [folder / "a.xlsx", folder / "b.xlsx"]


# --- the ledger from many departments and periods --------------------------------------


def _refresh_one_task_at_a_time(session, task_ids):
    """The ledger update as first written (query by query, one task at a time): the oracle."""
    from foodsafety_desktop.core.storage.models import GroupMember

    changes = {}
    for task_id in task_ids:
        task = session.get(Task, task_id)
        rows = session.execute(
            select(SubmissionEntry, Submission, ReportingPeriod)
            .join(Submission, Submission.id == SubmissionEntry.submission_id)
            .join(ReportingPeriod, ReportingPeriod.id == Submission.period_id)
            .where(SubmissionEntry.task_id == task_id, Submission.is_current.is_(True))
            .order_by(ReportingPeriod.due_date.desc(), ReportingPeriod.id.desc())
        ).all()
        if task is None or not rows:
            continue
        latest = [(e, sub) for e, sub, p in rows if p.id == rows[0][2].id]
        by_sub = {}
        for entry, sub in latest:
            by_sub.setdefault(sub.id, (sub, []))[1].append(entry)
        leads = set(
            session.scalars(
                select(Assignment.department_id).where(
                    Assignment.task_id == task_id, Assignment.role == "牵头"
                )
            )
        )
        leads |= set(
            session.scalars(select(GroupMember.member_id).where(GroupMember.group_id.in_(leads)))
        )
        ordered = sorted(by_sub.values(), key=lambda p: (p[0].received_at, p[0].id), reverse=True)

        def combined(entries):
            return combine_statuses(e.status for e in entries)

        chosen = next(
            (p for p in ordered if p[0].department_id in leads and combined(p[1])), None
        ) or next((p for p in ordered if combined(p[1])), ordered[0])
        sub, entries = chosen
        measures = "；".join(
            dict.fromkeys(e.measures.strip() for e in entries if e.measures and e.measures.strip())
        )
        before = {"status": task.status, "progress": task.progress}
        if combined(entries):
            task.status = combined(entries)
        if measures:
            text = f"{sub.period.name}{sub.department.name}：{measures}"
            task.progress = text if len(text) <= 200 else text[:199] + "…"
        after = {"status": task.status, "progress": task.progress}
        if before != after:
            changes[task_id] = {k: [before[k], after[k]] for k in before if before[k] != after[k]}
    session.flush()
    return changes


class _FromTheDatabase(collect.commit.TaskAnswers):
    """The answers kept in memory replaced by the oracle, reading the database again."""

    def refresh(self, task_ids):
        return _refresh_one_task_at_a_time(self._session, sorted(set(task_ids)))


def test_ledger_from_many_departments_and_periods(db, scenario, tmp_path, monkeypatch):
    """The answers kept in memory (``TaskAnswers``) give the ledger and the history the
    one-task-at-a-time version gave, reading the database after each file."""
    from foodsafety_desktop.core.storage.database import open_database
    from foodsafety_desktop.core.storage.models import KIND_GROUP, GroupMember

    sc = scenario
    with db.session() as s:
        # A group leads a task the health commission co-operates on: its members lead too.
        shared = s.scalars(
            select(Assignment.task_id).where(
                Assignment.department_id == sc.departments[HEALTH], Assignment.role != "牵头"
            )
        ).first()
        group = Department(name="县食品安全联合工作组", kind=KIND_GROUP)
        s.add(group)
        s.flush()
        s.add(GroupMember(group_id=group.id, member_id=sc.departments[HEALTH]))
        s.add(Assignment(task_id=shared, department_id=group.id, role="牵头"))
    out = tmp_path / "returned"
    q2, q3 = sc.q2_templates, sc.templates
    at = dt.datetime(2022, 6, 20, 2, 0)
    rounds = [  # (file, received at)
        (fill(q2[MARKET], out / "q2-market.xlsx", status="已完成"), at),
        (fill(q2[HEALTH], out / "q2-health.xlsx", status="滞后", measures="卫健{n}"), at),
        (fill(q2[FARM], out / "q2-farm.xlsx", measures="农业{n}"), at + dt.timedelta(hours=1)),
        (fill(q3[HEALTH], out / "q3-health.xlsx", status="滞后", only=2), ON_TIME),
        (fill(q3[POLICE], out / "q3-police.xlsx", status="已完成", measures="公安{n}"), ON_TIME),
        (fill(q3[FARM], out / "q3-farm.xlsx", status="未启动", measures=" "), ON_TIME),
        (fill(q3[HEALTH], out / "q3-health-2.xlsx", measures="卫健第二稿{n}" * 40), LATE),
        (fill(q2["县发改委"], out / "q2-late.xlsx", status="已完成"), LATE),
        (fill(q3[MARKET], out / "q3-market.xlsx", status="滞后", only=3), LATE - dt.timedelta(1)),
    ]
    db.close()
    ledgers = []
    for name, answers in (("set", collect.commit.TaskAnswers), ("one", _FromTheDatabase)):
        copy = tmp_path / f"{name}.sqlite3"
        shutil.copyfile(tmp_path / "t.sqlite3", copy)
        # commit_submission reads the answers through its own module's class
        monkeypatch.setattr(collect.commit, "TaskAnswers", answers)
        other = open_database(copy)
        try:
            for path, received in rounds:
                [outcome] = collect_files(
                    other,
                    [path],
                    user=USER,
                    accept_warnings=True,
                    received_at=received,
                )
                assert outcome.accepted, (path.name, outcome.errors)
            with other.session() as s:
                tasks = {t.id: (t.status, t.progress) for t in s.scalars(select(Task))}
                details = [
                    e.detail
                    for e in s.scalars(
                        select(AuditEntry)
                        .where(AuditEntry.action == "submission.collect")
                        .order_by(AuditEntry.id)
                    )
                ]
        finally:
            other.close()
        ledgers.append((tasks, details))
    assert ledgers[0] == ledgers[1]
    tasks = ledgers[0][0]
    assert tasks[shared][1].startswith("2022年第三季度县卫健委：卫健第二稿")
    assert len(tasks[shared][1]) == 200 and tasks[shared][1].endswith("…")
    assert {status for status, _ in tasks.values()} >= {"已完成", "滞后", "序时推进"}


def test_a_batch_gives_the_ledger_and_history_of_files_one_by_one(
    db, scenario, tmp_path, monkeypatch
):
    """One transaction for the batch (set-based: the answers read once) stores
    what collecting the same files one at a time stores: the tasks' status and progress,
    and each file's own history entry with the task changes it made — including a
    partial answer that replaces a full one, and a file changed after its check, which
    is refused alone."""
    from foodsafety_desktop.core.storage.database import open_database

    sc = scenario
    out = tmp_path / "returned"
    q2, q3 = sc.q2_templates, sc.templates
    first = [  # stored before the batch: the batch's files replace two of them
        fill(q3[HEALTH], out / "0-health.xlsx", status="滞后", measures="卫健{n}"),
        fill(q3[FARM], out / "0-farm.xlsx", status="已完成"),
    ]
    batch = [
        fill(q2[MARKET], out / "1-q2-market.xlsx", status="已完成", measures="市场{n}"),
        fill(q3[HEALTH], out / "2-health.xlsx", status="已完成", only=1),  # partial now
        fill(q3[POLICE], out / "3-police.xlsx", status="滞后", measures="公安{n}"),
        fill(q3[FARM], out / "4-farm.xlsx", status="序时推进", measures="农业{n}"),
        fill(q3[MARKET], out / "5-market.xlsx", status="滞后", measures="市场第三季度{n}"),
    ]
    db.close()
    police = batch[2]

    def changed_after_its_check(done, total):  # the clerk's colleague saves it again
        if done == total // 2 and police.stat().st_size == size:
            with police.open("ab") as f:
                f.write(b"\0")

    size = police.stat().st_size
    results = []
    for name, groups in (("batch", [batch]), ("one", [[f] for f in batch])):
        copy = tmp_path / f"{name}.sqlite3"
        shutil.copyfile(tmp_path / "t.sqlite3", copy)
        other = open_database(copy)
        try:
            for path in first:
                [o] = collect_files(
                    other, [path], user=USER, accept_warnings=True, received_at=ON_TIME
                )
                assert o.accepted, o.errors
            outcomes = []
            police.write_bytes(police.read_bytes()[:size])
            for group in groups:
                outcomes += collect_files(
                    other,
                    group,
                    user=USER,
                    accept_warnings=True,
                    received_at=LATE,
                    progress=changed_after_its_check if police in group else None,
                )
            assert [o.accepted for o in outcomes] == [True, True, False, True, True], [
                o.errors for o in outcomes
            ]
            assert outcomes[2].errors == [
                "文件“3-police.xlsx”：文件在检查之后被修改过，请重新检查后再导入。"
            ]
            archive = archive_dir_for(copy) / "submissions"
            assert sorted(p.name.split("_", 1)[1] for p in archive.rglob("*.xlsx")) == sorted(
                p.name for p in [*first, *batch] if p.name != "3-police.xlsx"
            )
            with other.session() as s:
                tasks = {t.id: (t.status, t.progress) for t in s.scalars(select(Task))}
                details = [
                    (e.summary, e.detail)
                    for e in s.scalars(
                        select(AuditEntry)
                        .where(AuditEntry.action == "submission.collect")
                        .order_by(AuditEntry.id)
                    )
                ]
                current = s.scalar(
                    select(func.count()).select_from(Submission).where(Submission.is_current)
                )
        finally:
            other.close()
        results.append((tasks, details, current))
    # The summaries' 新增/变化 counts differ: a batch checks every file before storing
    # any, so the third quarter's file is not compared with the second's, stored later.
    assert results[0][0] == results[1][0]
    assert [d for _, d in results[0][1]] == [d for _, d in results[1][1]]
    assert results[0][2] == results[1][2]
    tasks, details, current = results[0]
    assert current == 4  # health and farm replaced, market's q2 and q3; police failed
    assert len(details) == 6 and all('"tasks": {' in d for _, d in details[2:])
    # The partial health answer took back its answers on the tasks it no longer holds.
    assert "替换此前的报送" in details[3][0]


def test_duplicate_says_when_imported_in_local_time(db, scenario, tmp_path, monkeypatch):
    import time

    monkeypatch.setenv("TZ", "Asia/Shanghai")
    time.tzset()
    try:
        path = fill(scenario.templates[MARKET], tmp_path / "a.xlsx")
        # received long before the import (a late entry of an old file): not what is shown
        [first] = collect_files(db, [path], user=USER, accept_warnings=True, received_at=ON_TIME)
        assert first.accepted
        with db.session() as s:
            imported = s.scalar(select(AuditEntry.at))
        local = (imported + dt.timedelta(hours=8)).strftime("%Y-%m-%d %H:%M")
        [again] = collect_files(db, [path], user=USER, accept_warnings=True)
        assert not again.accepted
        assert f"该文件已于 {local} 导入过（{MARKET}，2022年第三季度）" in again.errors[0]
        assert collect.local_time_text(dt.datetime(2022, 9, 20, 2, 0)) == "2022-09-20 10:00"
        assert again.as_dict()["errors"] == []  # skipped, not failed
        entry = again.as_dict()["notes"][0]
        assert entry["level"] == "info" and entry["text"] == again.errors[0]
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


def test_a_file_another_clerk_stores_during_the_check_is_said_so(db, scenario, tmp_path):
    """Clerk B stores a file after clerk A's batch began: A's check finds it stored and
    says another user did so meanwhile, not that A imported it before."""
    from foodsafety_desktop.core.storage.database import open_database

    out = tmp_path / "in"
    files = [
        fill(scenario.templates[MARKET], out / "1.xlsx"),
        fill(scenario.templates[HEALTH], out / "2.xlsx"),
    ]
    other = open_database(tmp_path / "t.sqlite3")  # clerk B, on the same ledger

    def clerk_b_stores_the_second(done, total):
        if done == 0:  # A's batch has begun, nothing checked yet
            [b] = collect_files(other, [files[1]], user="乙", accept_warnings=True)
            assert b.accepted

    try:
        first, second = collect_files(
            db, files, user="甲", accept_warnings=True, progress=clerk_b_stores_the_second
        )
    finally:
        other.close()
    assert first.accepted and second.already_imported and not second.failed
    assert "已由另一位用户（乙）于" in second.errors[0], second.errors
    # Collected again later, the same file was imported before: no "meanwhile" then.
    [later] = collect_files(db, [files[1]], user="甲", accept_warnings=True)
    assert "已于" in later.errors[0] and "另一位用户" not in later.errors[0], later.errors


def test_progress_ends_when_no_file_can_be_committed(db, tmp_path):
    broken = tmp_path / "坏.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a workbook")
    calls = []
    [outcome] = collect_files(db, [broken], user=USER, progress=lambda d, t: calls.append((d, t)))
    assert not outcome.accepted
    assert calls == [(0, 2), (1, 2), (2, 2)]  # the dialog's bar reaches its end
