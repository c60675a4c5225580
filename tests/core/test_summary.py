"""The 工作总结: material from real submissions, the draft, the .docx reopened, edits
kept across regeneration, and the PDF route."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from collections import Counter

import docx
import pytest
from docx.oxml.ns import qn
from sqlalchemy import func, select

from foodsafety_desktop.core.excel import template_layout as layout
from foodsafety_desktop.core.reports.material import (
    compare,
    gather_material,
    sentence,
    unique_texts,
)
from foodsafety_desktop.core.reports.summary import (
    INDICATOR_TABLE_HEADER,
    NOBODY_REPORTED,
    TASK_TABLE_HEADER,
    build_draft,
    new_material,
    reporting_text,
    save_draft,
    summary_title,
    write_summary,
)
from foodsafety_desktop.core.services.collect import collect_files
from foodsafety_desktop.core.services.templates import template_filename, write_template
from foodsafety_desktop.core.storage.models import (
    AuditEntry,
    Department,
    Indicator,
    ReportingPeriod,
    Section,
    Submission,
    SubmissionEntry,
    SummaryDraft,
    Task,
)

from .collect_fixtures import USER, build_scenario, data_rows, fill

MARKET, HEALTH, FARM, POLICE = "县市场监管局", "县卫健委", "县农业农村局", "县公安局"
SHARED_PROBLEM = "基层执法力量不足，部分监管所仅有2至3人"
ON_TIME = dt.datetime(2022, 9, 20, 2)
LATE = dt.datetime(2022, 10, 8, 2)
TODAY = dt.date(2022, 10, 10)


def measures(department: str) -> str:
    return department + "落实措施第{n}条，开展专项检查{n}次"


class Period:
    """Seed 002, two targets added, Q3 answered by three departments; 县公安局 silent."""

    def __init__(self, db, folder):
        self.db = db
        sc = build_scenario(db, folder / "t", [])
        self.plan_id, self.period_id = sc.plan_id, sc.q3
        with db.session() as s:
            tasks = {
                t.position: t for t in s.scalars(select(Task).where(Task.plan_id == sc.plan_id))
            }
            s.add(
                Indicator(
                    task_id=tasks[10].id,
                    position=0,
                    text="学校食堂“明厨亮灶”覆盖率达到95%",
                    subject="学校食堂“明厨亮灶”覆盖率",
                    comparison="≥",
                    value=95.0,
                    unit="%",
                )
            )
            s.add(
                Indicator(
                    task_id=tasks[1].id,
                    position=0,
                    text="监测样品不合格率不超过2%",
                    subject="监测样品不合格率",
                    comparison="≤",
                    value=2.0,
                    unit="%",
                )
            )
            s.flush()
            period = s.get(ReportingPeriod, sc.q3)
            self.templates = {}
            for name in (MARKET, HEALTH, FARM, POLICE):
                dep = s.scalar(select(Department).where(Department.name == name))
                self.templates[name] = write_template(
                    s, sc.q3, dep.id, folder / "t" / template_filename(period, dep)
                )
        self.out = folder / "r"
        files = []
        for name, status, value in (
            (MARKET, "已完成", 96),
            (HEALTH, "序时推进", 1.5),
            (FARM, "滞后", 80),
        ):
            first = data_rows(self.templates[name])[0]
            files.append(
                fill(
                    self.templates[name],
                    self.out / f"{name}.xlsx",
                    status=status,
                    measures=measures(name),
                    value=value,
                    edits={
                        layout.cell("problems", first): SHARED_PROBLEM,
                        layout.cell("next_steps", first): f"{name}下步打算：加强督导",
                        layout.cell("data", first): f"{name}数据：检查企业{len(name)}0家",
                    },
                )
            )
        outcomes = collect_files(db, files, user=USER, received_at=ON_TIME, accept_warnings=True)
        assert all(o.accepted for o in outcomes), [o.as_dict() for o in outcomes]

    def late_police(self):
        path = fill(self.templates[POLICE], self.out / "police.xlsx", measures=measures(POLICE))
        outcomes = collect_files(self.db, [path], user=USER, received_at=LATE, accept_warnings=True)
        assert outcomes[0].accepted

    def material(self):
        with self.db.session() as s:
            return gather_material(s, self.plan_id, self.period_id)

    def draft(self, material=None):
        with self.db.session() as s:
            return build_draft(s, self.plan_id, self.period_id, today=TODAY, material=material)


@pytest.fixture
def period(db, tmp_path):
    return Period(db, tmp_path)


def task_paragraphs(body: list[str], label: str) -> list[str]:
    """The paragraphs of the task whose heading starts with ``label``, up to the next
    heading."""
    start = next(i for i, p in enumerate(body) if p.startswith(label))
    out = [body[start]]
    for p in body[start + 1 :]:
        if re.match(r"^(（[一二三四五六七八九十]+）|[一二三四五六七八九十]+、)", p):
            break
        out.append(p)
    return out


def body_paragraphs(document) -> list[str]:
    """Paragraph texts of the main text (before the first attachment section)."""
    out = []
    for p in document.paragraphs:
        out.append(p.text)
        if p._p.find(qn("w:pPr") + "/" + qn("w:sectPr")) is not None:
            break
    return out


def figure(text: str, label: str) -> int:
    m = re.search(label + r"(\d+)", text)
    return int(m.group(1)) if m else 0


# --- material ------------------------------------------------------------------------------


def period_statuses(s, period) -> dict[int, str]:
    """Task id → its status in the (only collected) period: the ledger's status for the
    tasks answered in it, 未报送 for the others (never the ledger's 未启动)."""
    answered = set(
        s.scalars(
            select(SubmissionEntry.task_id)
            .join(Submission, Submission.id == SubmissionEntry.submission_id)
            .where(
                Submission.period_id == period.period_id,
                Submission.is_current.is_(True),
                SubmissionEntry.status.is_not(None),
            )
        )
    )
    rows = s.execute(select(Task.id, Task.status).where(Task.plan_id == period.plan_id))
    return {i: status if i in answered else "未报送" for i, status in rows}


def test_material_figures_agree_with_the_database(period):
    m = period.material()
    with period.db.session() as s:
        by_status = Counter(period_statuses(s, period).values())
        reporters = set(
            s.scalars(
                select(Department.name)
                .join(Submission, Submission.department_id == Department.id)
                .where(Submission.period_id == period.period_id, Submission.is_current.is_(True))
            )
        )
        task_count = s.scalar(
            select(func.count()).select_from(Task).where(Task.plan_id == period.plan_id)
        )
    assert len(m.tasks) == task_count
    assert {k: v for k, v in m.status_counts.items() if v} == by_status
    assert {d.name for d in m.reported} == reporters == {MARKET, HEALTH, FARM}
    assert POLICE in {d.name for d in m.missing}
    assert not m.late  # received before the due date
    # Indicators: 96 ≥ 95 met (lead 县市场监管局); 1.5 ≤ 2 met (lead 县卫健委 answered 1.5).
    results = {i.text: i for i in m.indicators}
    school = results["学校食堂“明厨亮灶”覆盖率达到95%"]
    assert (school.reported_value, school.reported.department, school.met) == (96, MARKET, True)
    assert results["监测样品不合格率不超过2%"].met is True
    assert m.indicators_total == 2 and m.indicators_met == 2
    assert compare(2.5, "≤", 2.0) is False and compare(95, "≥", 95) and compare(3, "<", 3) is False


def test_lead_department_first_and_silent_departments_listed(period):
    m = period.material()
    for task in m.tasks:
        roles = [d.role for d in task.departments]
        assert roles == sorted(roles, key=lambda r: {"牵头": 0, "责任": 1, "配合": 2}.get(r, 9))
    first = m.tasks[0]  # 县卫健委 leads, 县市场监管局 and 县农业农村局 responsible
    assert first.departments[0].name == HEALTH and first.departments[0].reported
    assert [d.name for d in first.silent] == ["县发改委"]


# --- the document --------------------------------------------------------------------------


def test_summary_document_structure_and_attribution(period, tmp_path):
    material = period.material()
    draft = period.draft(material)
    assert draft.title == "卢氏县2022年第三季度食品安全工作总结"
    path = write_summary(draft, material, tmp_path / "总结.docx")
    document = docx.Document(str(path))
    body = body_paragraphs(document)
    text = "\n".join(body)

    # Headings in the plan's order, every task present with its heading.
    with period.db.session() as s:
        sections = list(s.scalars(select(Section).where(Section.plan_id == period.plan_id)))
        tasks = list(
            s.scalars(select(Task).where(Task.plan_id == period.plan_id).order_by(Task.position))
        )
        by_task = period_statuses(s, period)
    statuses = Counter(by_task.values())
    assert body.index("一、主要任务落实情况") >= 0 and len(sections) == 1
    starts = []
    for n, task in enumerate(tasks, start=1):
        heading = draft.task_block(task.id).title
        hits = [i for i, p in enumerate(body) if p.startswith(f"（{_cn(n)}）{heading}。")]
        assert len(hits) == 1, heading
        starts.append(hits[0])
    assert starts == sorted(starts)

    # The opening's figures agree with the database.
    opening = next(p for p in body if p.startswith("方案确定的"))
    assert figure(opening, "方案确定的") == len(tasks)
    for status in ("已完成", "序时推进", "滞后", "未启动", "未报送"):
        count = statuses.get(status, 0)
        said = "尚未报送进展" if status == "未报送" else status  # not the office's jargon
        assert (f"{said}{count}项" in opening) == bool(count), status
    assert statuses["未报送"] == 1 and "未启动" not in opening  # nobody reported 未启动
    assert figure(opening, "量化指标中已达标") == 2 and "2项量化指标" in opening
    # Who reported on time is the office's business: not told by default.
    assert "按时报送" not in text and POLICE not in opening
    reporting = reporting_text(material)
    assert "按时报送3个" in reporting and POLICE in reporting.split("未报送", 1)[1]

    # Every submitted measures text appears in its task's text, one paragraph per
    # department starting with its name, lead first.
    for task in material.tasks:
        number = tasks.index(_by_id(tasks, task.task_id)) + 1
        paragraphs = task_paragraphs(body, f"（{_cn(number)}）")
        for d in task.reporting:
            own = [p for p in paragraphs if f"{d.name}：" in p]
            assert len(own) == 1, (d.name, paragraphs)
            assert own[0].split("。", 1)[-1].startswith(f"{d.name}：") or own[0].startswith(
                f"{d.name}："
            )
            for m in d.measures + d.data:
                assert sentence(m) in own[0]
        positions = [
            next(i for i, p in enumerate(paragraphs) if f"{d.name}：" in p) for d in task.reporting
        ]
        assert positions == sorted(positions)
    eleventh = next(p for p in body if p.startswith("（十一）"))
    assert eleventh.endswith(NOBODY_REPORTED)

    # 存在问题 / 下步工作打算: the shared problem once, under both departments.
    assert "二、存在的问题" in body and "三、下步工作打算" in body
    assert text.count(SHARED_PROBLEM) == 1
    # grouped under its theme, the two departments that raised it named once
    item = next(p for p in body if SHARED_PROBLEM in p)
    assert item.startswith("（一）基层监管力量不足。"), item
    # the three departments that wrote it: the first (in template order) and a count
    assert re.search(r"（一）基层监管力量不足。县\w+等3个单位反映，基层执法力量不足", item), item
    for name in (MARKET, HEALTH, FARM):
        assert f"{name}下步打算：加强督导" in text
    assert "卢氏县食品安全委员会办公室" in body and "2022年10月10日" in body

    # Attachments: one row per task, one per indicator.
    task_table, indicator_table = document.tables
    assert [c.text for c in task_table.rows[0].cells] == TASK_TABLE_HEADER
    assert len(task_table.rows) - 1 == len(tasks)
    assert [r.cells[4].text for r in task_table.rows[1:]] == [by_task[t.id] for t in tasks]
    assert [c.text for c in indicator_table.rows[0].cells] == INDICATOR_TABLE_HEADER
    assert len(indicator_table.rows) - 1 == material.indicators_total
    assert document.sections[1].orientation == 1  # landscape 附件1


def _cn(n: int) -> str:
    from foodsafety_desktop.core.word.official import chinese_number

    return chinese_number(n)


def _by_id(tasks, task_id):
    return next(t for t in tasks if t.id == task_id)


def test_summary_format_spot_checks(period, tmp_path):
    material = period.material()
    path = write_summary(period.draft(material), material, tmp_path / "s.docx")
    document = docx.Document(str(path))
    title = document.paragraphs[0]
    assert title.text.startswith("卢氏县")
    assert {r.font.size.pt for r in title.runs} == {22.0}
    opening = next(p for p in document.paragraphs if p.text.startswith("方案确定的"))
    assert {r.font.size.pt for r in opening.runs} == {16.0}
    for p in document.paragraphs:
        for r in p.runs:
            if r.text.strip():
                fonts = r._r.find(qn("w:rPr") + "/" + qn("w:rFonts"))
                assert fonts is not None and fonts.get(qn("w:eastAsia")), r.text
    heading = next(p for p in document.paragraphs if p.text.startswith("（一）实施"))
    assert heading.runs[0].font.name is not None
    east = heading.runs[0]._r.find(qn("w:rPr") + "/" + qn("w:rFonts")).get(qn("w:eastAsia"))
    assert "楷" in east  # 二级 heading in 楷体, its run-in text in 仿宋
    run_in = heading.runs[1]._r.find(qn("w:rPr") + "/" + qn("w:rFonts")).get(qn("w:eastAsia"))
    assert "仿宋" in run_in


# --- titles --------------------------------------------------------------------------------


def test_titles_for_year_and_unknown_place(period):
    m = period.material()
    m.period_kind, m.period_name = "year", "2022年度"
    assert summary_title(m) == "卢氏县2022年度食品安全工作总结"
    m.place = None
    title = summary_title(m)
    # the plan cited in 书名号
    assert title.replace("\n", "").startswith("关于《卢氏县深化食品安全放心工程")
    assert title.replace("\n", "").endswith("（2022—2024年）》2022年度落实情况的报告")
    assert "\n" in title  # too long for one 2号 line


# --- edits ---------------------------------------------------------------------------------


def test_edits_survive_a_late_submission(period, tmp_path):
    draft = period.draft()
    tasks = [b for b in draft.blocks if b.kind == "task"]
    edited, excluded = tasks[0], tasks[2]
    edited.edited = "县卫健委牵头完成风险监测方案，此段由办公室改写。"
    excluded.included = False
    draft.recipient = "县食品安全委员会"
    draft.next_steps = draft.next_steps + "\n县食安办：统筹做好年度考核。"
    with period.db.session() as s:
        save_draft(s, period.period_id, draft, user=USER)
    with period.db.session() as s:
        row = s.scalar(select(SummaryDraft).where(SummaryDraft.period_id == period.period_id))
        assert row.opening is None and row.title is None  # unchanged: follows the data
        assert row.recipient == "县食品安全委员会"
        assert (
            s.scalar(
                select(func.count())
                .select_from(AuditEntry)
                .where(AuditEntry.action == "summary.create")
            )
            == 1
        )
        assert new_material(s, period.period_id) == []

    period.late_police()
    material = period.material()
    again = period.draft(material)
    assert again.task_block(edited.id).text == edited.edited
    assert again.task_block(excluded.id).included is False
    assert again.recipient == "县食品安全委员会"
    assert again.next_steps.endswith("县食安办：统筹做好年度考核。")
    assert len(again.new_material) == 1 and again.new_material[0].startswith(POLICE)
    assert "逾期报送1个" in reporting_text(material)  # regenerated with the late department

    path = write_summary(again, material, tmp_path / "again.docx")
    document = docx.Document(str(path))
    body = body_paragraphs(document)
    assert any(p.endswith(edited.edited) for p in body)
    assert not any(excluded.title in p for p in body)
    assert excluded.title in [r.cells[1].text for r in document.tables[0].rows]  # still listed
    assert body[2] == "县食品安全委员会："
    # Numbering closes the gap left by the excluded task.
    headings = [p[: p.index("）") + 1] for p in body if p.startswith("（")]
    assert headings[:3] == ["（一）", "（二）", "（三）"]
    police_text = sentence(measures(POLICE).format(n=1))
    assert any(f"{POLICE}：{police_text}" in p for p in body)

    # Saving again clears the list of new material.
    with period.db.session() as s:
        save_draft(s, period.period_id, again, user=USER)
        assert new_material(s, period.period_id) == []


def test_edits_equal_to_generated_text_are_not_stored(period):
    draft = period.draft()
    block = next(b for b in draft.blocks if b.kind == "task")
    block.edited = block.generated
    with period.db.session() as s:
        save_draft(s, period.period_id, draft, user=USER)
        row = s.scalar(select(SummaryDraft))
        assert '"tasks": {}' in row.edits_json


def test_unique_texts_drop_empty_answers():
    assert unique_texts(["同上", "无", " 开展检查。", "开展检查", None, "新增监测点"]) == [
        "开展检查。",
        "新增监测点",
    ]


# --- PDF -----------------------------------------------------------------------------------

needs_soffice = pytest.mark.skipif(
    shutil.which("soffice") is None and shutil.which("libreoffice") is None,
    reason="LibreOffice (soffice) is not installed: the PDF conversion is not checked",
)


@needs_soffice
def test_summary_converts_to_pdf(period, tmp_path):
    from .make_official_sample import convert_to_pdf

    material = period.material()
    path = write_summary(period.draft(material), material, tmp_path / "summary.docx")
    pdf = convert_to_pdf(path, tmp_path, work=tmp_path / "lo")
    if shutil.which("pdfinfo"):
        info = subprocess.run(
            ["pdfinfo", str(pdf)], capture_output=True, text=True, check=True
        ).stdout
        pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    else:
        pages = pdf.read_bytes().count(b"/Type /Page") - pdf.read_bytes().count(b"/Type /Pages")
    assert pages >= 2
