"""Report templates written for seed 002, reopened with openpyxl and checked."""

from __future__ import annotations

import dataclasses
import zipfile

import pytest
from openpyxl import load_workbook
from seeds import seed_path
from sqlalchemy import select

from foodsafety_desktop.core.errors import UserError
from foodsafety_desktop.core.excel import template_layout as layout
from foodsafety_desktop.core.excel.identity import (
    IDENTITY_SHEET,
    read_identity,
    text_sha1,
    verify,
)
from foodsafety_desktop.core.services import periods, settings
from foodsafety_desktop.core.services.departments import create_department, set_group_members
from foodsafety_desktop.core.services.plan_import import import_plan_file
from foodsafety_desktop.core.services.templates import (
    template_departments,
    template_filename,
    template_rows,
    write_all_templates,
    write_template,
)
from foodsafety_desktop.core.storage.models import (
    KIND_TOWNSHIP,
    Assignment,
    Department,
    Indicator,
    Plan,
    ReportingPeriod,
    Submission,
    SubmissionEntry,
    Task,
    TaskItem,
)

SEED = seed_path("002")
Q2 = "2022年第二季度"


@pytest.fixture
def plan_id(db, tmp_path) -> int:
    plan_id = import_plan_file(db, SEED, user="测试").plan_id
    with db.session() as s:
        periods.create_periods(s, plan_id, periods.propose_periods(s.get(Plan, plan_id)), user="t")
        settings.set_setting(s, settings.OFFICE_NAME, "卢氏县政府食安办")
        settings.set_setting(s, settings.OFFICE_PHONE, "0398-1234567")
        # Seed 002 states no quantitative targets: give one task of 县市场监管局 two.
        task = s.scalars(
            select(Task)
            .join(Assignment, Assignment.task_id == Task.id)
            .join(Department, Department.id == Assignment.department_id)
            .where(Task.plan_id == plan_id, Department.name == "县市场监管局")
            .order_by(Task.position.desc())
        ).first()
        for position, (text, value) in enumerate(
            [("抽检合格率达98%", 98), ("检查覆盖率达100%", 100)]
        ):
            task.indicators.append(
                Indicator(position=position, text=text, comparison=">=", value=value, unit="%")
            )
    return plan_id


def period_id(db, plan_id, name=Q2) -> int:
    with db.session() as s:
        return periods.find_period(s, plan_id, name).id


def dept_id(db, name) -> int:
    with db.session() as s:
        return s.scalar(select(Department.id).where(Department.name == name))


def expected_rows(session, plan_id, department_ids) -> list[tuple[int, int | None]]:
    """(task_id, indicator_id) the department should get: straight from the tables."""
    tasks = session.scalars(
        select(Task)
        .join(Assignment, Assignment.task_id == Task.id)
        .where(Task.plan_id == plan_id, Assignment.department_id.in_(department_ids))
        .distinct()
        .order_by(Task.position)
    ).all()
    out = []
    for task in tasks:
        indicator_ids = session.scalars(
            select(Indicator.id).where(Indicator.task_id == task.id).order_by(Indicator.position)
        ).all()
        out.extend((task.id, i) for i in indicator_ids or [None])
    return out


def identity_of(wb):
    ws = wb[IDENTITY_SHEET]
    values = {r[0]: r[1] for r in ws.iter_rows(values_only=True) if r[0] is not None}
    parsed = read_identity(values)
    assert parsed is not None
    return parsed


def test_write_all_templates(db, plan_id, tmp_path):
    pid = period_id(db, plan_id)
    calls = []
    with db.session() as s:
        paths = write_all_templates(
            s,
            pid,
            tmp_path / "out",
            zip_name="全部报送表",
            progress=lambda done, total: calls.append((done, total)),
            user="张三",
        )
        departments = template_departments(s, plan_id)
        secret = settings.office_secret(s)
        period = s.get(ReportingPeriod, pid)
        names = [template_filename(period, d) for d in departments]
        holders = set(
            s.scalars(
                select(Assignment.department_id)
                .join(Task, Task.id == Assignment.task_id)
                .where(Task.plan_id == plan_id)
            )
        )
        expected = {d.id: expected_rows(s, plan_id, [d.id]) for d in departments}
        task_texts = {t.id: t for t in s.scalars(select(Task).where(Task.plan_id == plan_id))}
    # 002's only group (各乡镇政府) has no members: it reports nothing, nobody for it.
    group = dept_id(db, "各乡镇政府")
    assert {d.id for d in departments} == holders - {group}
    assert [p.name for p in paths] == names
    assert "2022年第二季度-县市场监管局-报送表.xlsx" in names
    assert "2022年第二季度-各乡镇政府-报送表.xlsx" not in names
    assert group not in expected
    assert calls == [(i, len(paths)) for i in range(len(paths) + 1)]
    with zipfile.ZipFile(tmp_path / "out" / "全部报送表.zip") as archive:
        assert sorted(archive.namelist()) == sorted(names)
    assert not list((tmp_path / "out").glob("~*"))  # no temporary files left

    for department, path in zip(departments, paths, strict=True):
        wb = load_workbook(path)
        assert wb.sheetnames == [layout.INSTRUCTIONS_SHEET, layout.REPORT_SHEET, IDENTITY_SHEET]
        ws = wb[layout.REPORT_SHEET]
        assert ws[layout.DEPARTMENT_CELL].value == f"填报单位：{department.name}"
        assert ws[layout.TITLE_CELL].value.endswith(f"{Q2}落实情况报送表")
        assert [c.value for c in ws[layout.HEADER_ROW]] == [c.title for c in layout.COLUMNS]
        identity, signature = identity_of(wb)
        assert verify(identity, signature, secret)
        assert (identity.department_id, identity.period_id, identity.plan_id) == (
            department.id,
            pid,
            plan_id,
        )
        got = [(r.task_id, r.indicator_id) for r in identity.rows]
        assert got == expected[department.id]
        assert [r.row for r in identity.rows] == list(
            range(layout.FIRST_DATA_ROW, layout.FIRST_DATA_ROW + len(got))
        )
        last = identity.rows[-1].row
        assert ws.cell(last + 1, 2).value is None  # nothing below the last row
        for r in identity.rows:
            # A 指标 sub-row shows no task text: its task cells are the anchor's, merged.
            text = ws[layout.cell("task", r.task_row)].value
            assert text_sha1(text) == r.text_sha1
            assert task_texts[r.task_id].title in text
            assert ws[layout.cell("role", r.task_row)].value in ("牵头", "责任", "配合")
            if r.anchor is not None:
                assert ws[layout.cell("task", r.row)].value is None
            if r.indicator_id is not None:
                assert ws[layout.cell("target", r.row)].value
        assert wb[layout.INSTRUCTIONS_SHEET]["A1"].value.endswith("填报说明")
    assert wb[IDENTITY_SHEET].sheet_state == "veryHidden"


@pytest.fixture
def market(db, plan_id, tmp_path):
    """The template of 县市场监管局 for 2022年第二季度, reopened."""
    with db.session() as s:
        path = write_template(
            s, period_id(db, plan_id), dept_id(db, "县市场监管局"), tmp_path / "m"
        )
        secret = settings.office_secret(s)
    assert path == tmp_path / "m.xlsx"
    return load_workbook(path), secret


def test_locked_and_input_cells(market):
    wb, _ = market
    ws = wb[layout.REPORT_SHEET]
    assert ws.protection.sheet and wb.security.lockStructure
    assert ws[layout.DEPARTMENT_CELL].protection.locked
    for ref in (layout.REPORTER_CELL, layout.PHONE_CELL, layout.FILLED_ON_CELL):
        assert not ws[ref].protection.locked
    identity, _ = identity_of(wb)
    with_indicator = [r.row for r in identity.rows if r.indicator_id is not None]
    without = [r.row for r in identity.rows if r.indicator_id is None]
    assert with_indicator and without
    for r in identity.rows:
        for key in layout.LOCKED_KEYS:
            assert ws[layout.cell(key, r.row)].protection.locked, (key, r.row)
        for key in ("status", *layout.TEXT_INPUT_KEYS):
            # answered once per task: on its task row, merged down over the 指标 block
            assert not ws[layout.cell(key, r.task_row)].protection.locked, (key, r.row)
        value_locked = ws[layout.cell("value", r.row)].protection.locked
        assert value_locked == (r.indicator_id is None)


def test_data_validations(market):
    wb, _ = market
    ws = wb[layout.REPORT_SHEET]
    identity, _ = identity_of(wb)
    rules = {dv.type: dv for dv in ws.data_validations.dataValidation}
    status, value = rules["list"], rules["decimal"]
    assert status.formula1 == '"已完成,序时推进,滞后,未启动"'
    for r in identity.rows:
        # one 完成情况 per task (its task row), one 完成值 per indicator (every row of it)
        assert (layout.cell("status", r.row) in status.sqref) == (r.anchor is None)
        assert (layout.cell("value", r.row) in value.sqref) == (r.indicator_id is not None)
    assert status.showErrorMessage and value.showErrorMessage


def test_print_settings(market):
    wb, _ = market
    ws = wb[layout.REPORT_SHEET]
    assert ws.page_setup.orientation == "landscape"
    assert int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A4)
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1
    assert ws.print_title_rows == "$5:$5"
    assert ws.freeze_panes == "A6"
    assert ws.column_dimensions["B"].width == layout.COLUMN_BY_KEY["task"].width
    assert ws["B6"].alignment.wrap_text and ws["B6"].border.left.style == "thin"
    identity, _ = identity_of(wb)
    assert ws.print_area == f"'{layout.REPORT_SHEET}'!$A$1:$M${identity.rows[-1].row}"
    assert wb.active.title == layout.REPORT_SHEET


def test_identity_signature_detects_tampering(market):
    wb, secret = market
    identity, signature = identity_of(wb)
    assert verify(identity, signature, secret)
    assert not verify(identity, signature, b"another office" * 3)
    assert not verify(
        dataclasses.replace(identity, department_id=identity.department_id + 1), signature, secret
    )
    assert not verify(
        dataclasses.replace(identity, period_id=identity.period_id + 1), signature, secret
    )
    assert not verify(dataclasses.replace(identity, rows=identity.rows[:-1]), signature, secret)
    # Changed in the sheet itself: read back from the A/B pairs.
    ws = wb[IDENTITY_SHEET]
    values = {r[0]: r[1] for r in ws.iter_rows(values_only=True)}
    values["department_id"] = str(identity.department_id + 1)
    forged, same_signature = read_identity(values)
    assert not verify(forged, same_signature, secret)
    values["department_id"] = float(identity.department_id)  # 3.0 after a re-save is fine
    assert verify(*read_identity(values), secret)
    assert read_identity({"format": "something else"}) is None


def test_formula_like_text_is_written_as_text(db, plan_id, tmp_path):
    with db.session() as s:
        market_id = dept_id(db, "县市场监管局")
        task = s.scalars(
            select(Task)
            .join(Assignment, Assignment.task_id == Task.id)
            .where(Task.plan_id == plan_id, Assignment.department_id == market_id)
            .order_by(Task.position)
        ).first()
        task.label = ""
        task.text = '=HYPERLINK("http://x","点我")+1'
        s.flush()
        path = write_template(s, period_id(db, plan_id), market_id, tmp_path / "f.xlsx")
    ws = load_workbook(path)[layout.REPORT_SHEET]
    cell = ws[layout.cell("task", layout.FIRST_DATA_ROW)]
    assert cell.value == '=HYPERLINK("http://x","点我")+1'
    assert cell.data_type == "s"
    with zipfile.ZipFile(path) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]
        assert not any(b"<f>" in archive.read(n) for n in sheets)


def test_group_members_get_their_own_templates(db, plan_id, tmp_path):
    with db.session() as s:
        group = s.scalar(select(Department).where(Department.name == "各乡镇政府"))
        members = [
            create_department(s, name, user="t", kind=KIND_TOWNSHIP)
            for name in ("城关镇", "东明镇")
        ]
        member_ids = [m if isinstance(m, int) else m.id for m in members]
        set_group_members(s, group.id, member_ids, user="t")
    pid = period_id(db, plan_id)
    with db.session() as s:
        names = [d.name for d in template_departments(s, plan_id)]
        assert "各乡镇政府" not in names and {"城关镇", "东明镇"} <= set(names)
        group_rows = [(r.task_id, r.indicator_id) for r in template_rows(s, pid, group.id)]
        member_rows = [(r.task_id, r.indicator_id) for r in template_rows(s, pid, member_ids[0])]
        assert member_rows == group_rows and member_rows
        paths = write_all_templates(s, pid, tmp_path / "out")
    assert "2022年第二季度-城关镇-报送表.xlsx" in {p.name for p in paths}
    assert "2022年第二季度-各乡镇政府-报送表.xlsx" not in {p.name for p in paths}


def test_department_without_tasks(db, plan_id, tmp_path):
    with db.session() as s:
        lonely_id = create_department(s, "县档案馆", user="t").id
        with pytest.raises(UserError, match="没有承担任务"):
            write_template(s, period_id(db, plan_id), lonely_id, tmp_path / "x.xlsx")


def test_prefill_from_previous_period(db, plan_id, tmp_path):
    market_id = dept_id(db, "县市场监管局")
    q2, q3 = period_id(db, plan_id, Q2), period_id(db, plan_id, "2022年第三季度")
    with db.session() as s:
        rows = template_rows(s, q2, market_id)
        first, with_value = rows[0], next(r for r in rows if r.indicator_id is not None)
        submission = Submission(
            period_id=q2,
            department_id=market_id,
            source_name="q2.xlsx",
            sha256="0" * 64,
            reporter="李四",
            phone="13800000000",
            is_current=True,
        )
        submission.entries = [
            SubmissionEntry(
                task_id=first.task_id,
                item_id=first.item_id,
                indicator_id=first.indicator_id,
                status="序时推进",
                measures="=开展专项检查12次",
                problems="人员不足",
            ),
            SubmissionEntry(
                task_id=with_value.task_id,
                item_id=with_value.item_id,
                indicator_id=with_value.indicator_id,
                status="已完成",
                value=92.5,
                value_text="92.5",
            ),
        ]
        s.add(submission)
        s.flush()
        plain = write_template(s, q3, market_id, tmp_path / "plain.xlsx")
        filled = write_template(s, q3, market_id, tmp_path / "filled.xlsx", prefill=True)
        # An earlier period has no previous answers: nothing to fill.
        first_period = write_template(s, q2, market_id, tmp_path / "q2.xlsx", prefill=True)
    ws = load_workbook(filled)[layout.REPORT_SHEET]
    assert ws[layout.REPORTER_CELL].value == "李四"
    assert ws[layout.PHONE_CELL].value == "13800000000"
    assert ws[layout.cell("status", first.row)].value == "序时推进"
    assert ws[layout.cell("measures", first.row)].value == "=开展专项检查12次"
    assert ws[layout.cell("measures", first.row)].data_type == "s"
    assert ws[layout.cell("problems", first.row)].value == "人员不足"
    assert ws[layout.cell("value", with_value.row)].value == 92.5
    assert ws[layout.cell("status", with_value.row)].value == "已完成"
    for path in (plain, first_period):
        ws = load_workbook(path)[layout.REPORT_SHEET]
        assert ws[layout.cell("status", first.row)].value is None
        assert ws[layout.REPORTER_CELL].value is None


def test_rows_of_items_and_roles(db, plan_id):
    """A department named in one item of a task gets that item only, with its indicator."""
    with db.session() as s:
        task = Task(
            plan_id=plan_id, position=99, label="（十三）", title="新增任务", text="新增任务。"
        )
        first = TaskItem(position=1, text="甲项内容。")
        second = TaskItem(position=2, text="乙项内容，覆盖率达90%。")
        task.items = [first, second]
        task.indicators = [Indicator(text="覆盖率达90%", comparison=">=", value=90, unit="%")]
        s.add(task)
        s.flush()
        police = dept_id(db, "县公安局")
        market = dept_id(db, "县市场监管局")
        s.add_all(
            [
                Assignment(task_id=task.id, item_id=first.id, department_id=market, role="牵头"),
                Assignment(task_id=task.id, item_id=second.id, department_id=police, role="配合"),
                Assignment(task_id=task.id, item_id=second.id, department_id=market, role="责任"),
            ]
        )
        s.flush()
        pid = period_id(db, plan_id)
        police_rows = [r for r in template_rows(s, pid, police) if r.task_id == task.id]
        market_rows = [r for r in template_rows(s, pid, market) if r.task_id == task.id]
    assert [(r.item_id, r.indicator_id, r.role) for r in police_rows] == [
        (second.id, task.indicators[0].id, "配合")
    ]
    assert police_rows[0].task_text == "（十三）新增任务：乙项内容，覆盖率达90%。"
    assert police_rows[0].target == "覆盖率达90%"
    assert [(r.item_id, r.indicator_id, r.role) for r in market_rows] == [
        (first.id, None, "牵头"),
        (second.id, task.indicators[0].id, "责任"),
    ]
    assert market_rows[-1].row == market_rows[0].row + 1
