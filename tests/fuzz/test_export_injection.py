"""Exports neutralise formula injection: text from a plan or a department stays text.

Existing tests cover "=" in the ledger export's task text and in a template's task text
and prefilled 主要措施; these add every dangerous first character (= + - @, also after a
tab) in every column that carries department or plan text, and Word documents (no field
codes from text).
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from core.collect_fixtures import USER, build_scenario, fill
from openpyxl import load_workbook
from sqlalchemy import select

from foodsafety_desktop.core.excel import template_layout as layout
from foodsafety_desktop.core.services import ledger
from foodsafety_desktop.core.services.collect import collect_files
from foodsafety_desktop.core.services.ledger_export import export_ledger_xlsx
from foodsafety_desktop.core.services.templates import write_template
from foodsafety_desktop.core.storage.database import open_database
from foodsafety_desktop.core.storage.models import Submission, SubmissionEntry, Task
from foodsafety_desktop.core.word import OfficialDocument

MARKET = "县市场监管局"
HOSTILE = [
    '=HYPERLINK("http://evil.example","点我")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "=cmd|' /C notepad'!'A1'",
]


def assert_no_formula(path: Path, expected: list[str]) -> None:
    wb = load_workbook(path)
    texts = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{ws.title}!{cell.coordinate}: {cell.value!r}"
                if isinstance(cell.value, str):
                    texts.append(cell.value)
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in archive.read(name) and b"<f " not in archive.read(name)
    joined = "\n".join(texts)
    for text in expected:
        assert text in joined, text


@pytest.fixture
def db(tmp_path, private_data_dir):
    private_data_dir.mkdir(parents=True, exist_ok=True)
    database = open_database(tmp_path / "t.sqlite3")
    yield database
    database.close()


@pytest.fixture
def hostile_ledger(db, tmp_path):
    """Seed 002 with hostile texts in task texts, progress and a department's answers."""
    sc = build_scenario(db, tmp_path / "templates", [MARKET])
    returned = fill(sc.templates[MARKET], tmp_path / "returned.xlsx")
    [outcome] = collect_files(db, [returned], user=USER, accept_warnings=True)
    assert outcome.accepted, outcome.errors
    with db.session() as s:
        tasks = s.scalars(select(Task).where(Task.plan_id == sc.plan_id).order_by(Task.position))
        for task, text in zip(tasks, HOSTILE, strict=False):
            ledger.update_task(s, task.id, user=USER, text=text, progress="\t" + text)
        entries = s.scalars(
            select(SubmissionEntry).join(Submission).where(Submission.is_current.is_(True))
        ).all()
        for entry, text in zip(entries, HOSTILE * 3, strict=False):
            entry.measures = text
            entry.problems = text
            entry.next_steps = text
    return sc


def test_ledger_export_keeps_every_dangerous_start_as_text(db, hostile_ledger, tmp_path):
    with db.session() as s:
        path = export_ledger_xlsx(
            s, ledger.LedgerFilter(plan_id=hostile_ledger.plan_id), tmp_path / "台账"
        )
    assert_no_formula(path, HOSTILE)


def test_template_keeps_task_text_and_prefilled_answers_as_text(db, hostile_ledger, tmp_path):
    sc = hostile_ledger
    with db.session() as s:
        from foodsafety_desktop.core.services import periods

        later = periods.find_period(s, sc.plan_id, "2022年度")
        dep = sc.departments[MARKET]
        path = write_template(s, later.id, dep, tmp_path / "prefilled.xlsx", prefill=True)
        plain = write_template(s, sc.q3, dep, tmp_path / "plain.xlsx")
    assert_no_formula(path, [])
    assert_no_formula(plain, [])
    ws = load_workbook(path)[layout.REPORT_SHEET]
    measures = [
        ws[layout.cell("measures", r)].value for r in range(layout.FIRST_DATA_ROW, ws.max_row + 1)
    ]
    assert any(isinstance(m, str) and m[:1] in "=+-@" for m in measures), measures


def test_word_document_turns_no_text_into_a_field(tmp_path):
    doc = OfficialDocument()
    doc.title(HOSTILE[0])
    doc.heading(1, HOSTILE[1])
    for text in HOSTILE:
        doc.paragraph(text)
    doc.paragraph('{ DDEAUTO c:\\\\windows\\\\system32\\\\cmd.exe "/k calc" }')
    doc.table(["序号", "落实情况"], [[str(i), text] for i, text in enumerate(HOSTILE, 1)])
    path = doc.save(tmp_path / "总结.docx")
    with zipfile.ZipFile(path) as archive:
        body = archive.read("word/document.xml")
    for marker in (b"fldSimple", b"instrText", b"fldChar", b"<w:ddeLink"):
        assert marker not in body, marker
    import docx

    text = "\n".join(p.text for p in docx.Document(str(path)).paragraphs)
    assert HOSTILE[2] in text
