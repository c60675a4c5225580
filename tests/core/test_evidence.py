"""佐证材料: files of several types attached to a task, a returned workbook and a 细则 item,
kept with the database (SQLite: ``archive/`` beside the ledger; PostgreSQL: ``stored_file``),
read back from a reopened database."""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

import pytest
from sqlalchemy import func, select

from foodsafety_desktop.core.errors import UserError
from foodsafety_desktop.core.services import evidence as ev
from foodsafety_desktop.core.services.assessment import KIND_TOWNSHIP, import_assessment
from foodsafety_desktop.core.services.history import history_rows
from foodsafety_desktop.core.storage.database import open_database, sqlite_file
from foodsafety_desktop.core.storage.models import AssessmentItem, AuditEntry, Evidence, StoredFile
from foodsafety_desktop.core.storage.originals import originals_of, referenced_paths

from .evidence_fixtures import (
    MARKET,
    USER,
    ledger_with_submission,
    make_docx,
    make_pdf,
    make_png,
    make_xlsx,
)

DATA = Path(__file__).resolve().parents[1] / "data" / "assessment"


@pytest.fixture
def files(tmp_path):
    folder = tmp_path / "佐证 材料"
    folder.mkdir()
    return {
        "pdf": make_pdf(folder / "抽检计划.pdf", 3),
        "png": make_png(folder / "检查现场照片.png"),
        "docx": make_docx(folder / "会议纪要.docx", pages=2),
        "xlsx": make_xlsx(folder / "抽检台账.xlsx"),
    }


def _counts(url):
    db = open_database(url)
    try:
        with db.session() as s:
            return (
                s.scalar(select(func.count()).select_from(Evidence)),
                s.scalar(
                    select(func.count())
                    .select_from(StoredFile)
                    .where(StoredFile.path.like("evidence/%"))
                ),
            )
    finally:
        db.close()


def test_files_of_every_type_are_kept_and_read_back(any_db_url, tmp_path, files):
    db = open_database(any_db_url)
    try:
        ledger = ledger_with_submission(db, tmp_path / "ledger")
        task = ledger.answered[0]
        import_assessment(db, DATA / "township_2026.xlsx", year=2026, kind=KIND_TOWNSHIP, user=USER)
        with db.session() as s:
            item_id = s.scalars(
                select(AssessmentItem.id).where(AssessmentItem.level == 2).order_by("position")
            ).first()
        on_task = ev.attach_evidence(db, files["pdf"], user=USER, task_id=task, note="全年计划")
        on_submission = ev.attach_evidence(
            db, files["png"], user=USER, submission_id=ledger.submission_id
        )
        on_item = ev.attach_evidence(
            db, files["docx"], user=USER, item_id=item_id, department_id=ledger.department_id
        )
        xlsx = ev.attach_evidence(db, files["xlsx"], user=USER, task_id=task)
    finally:
        db.close()
    assert not any(i.duplicate for i in (on_task, on_submission, on_item, xlsx))
    # The submission's unit is the evidence's unit when none is given.
    assert on_submission.department_id == ledger.department_id
    assert on_submission.department_name == MARKET
    assert on_submission.attached_to == f"报送：{MARKET} 2022年第三季度"
    assert on_item.attached_to.startswith("考核项目“1.")

    db = open_database(any_db_url)
    try:
        with db.session() as s:
            listed = ev.evidence_list(s, task_id=task)
            assert [(i.name, i.size, i.note, i.added_by) for i in listed] == [
                ("抽检计划.pdf", files["pdf"].stat().st_size, "全年计划", USER),
                ("抽检台账.xlsx", files["xlsx"].stat().st_size, None, USER),
            ]
            assert [i.name for i in ev.evidence_list(s, department_id=ledger.department_id)] == [
                "检查现场照片.png",
                "会议纪要.docx",
            ]
            for info in (on_task, on_submission, on_item, xlsx):
                path = files[Path(info.name).suffix[1:]]
                assert ev.evidence_bytes(s, info.id) == path.read_bytes()
                row = s.get(Evidence, info.id)
                assert row.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
                assert row.archive_path == f"evidence/{row.sha256[:12]}_{path.name}"
            paths = {s.get(Evidence, i.id).archive_path for i in (on_task, on_item)}
            assert paths <= referenced_paths(s)
            stored = set(s.scalars(select(StoredFile.path)))
            history = [r.summary for r in history_rows(s, "task", task)]
    finally:
        db.close()
    file = sqlite_file(any_db_url)
    if file is not None:  # SQLite: the files are in archive/ beside the ledger
        for info in (on_task, on_submission, on_item, xlsx):
            kept = file.parent / "archive" / info.archive_path
            assert kept.read_bytes() == files[Path(info.name).suffix[1:]].read_bytes()
        assert not any(p.startswith("evidence/") for p in stored)
    else:  # a server: in stored_file, nothing beside any file
        assert {i.archive_path for i in (on_task, on_submission, on_item, xlsx)} <= stored
    assert any("添加佐证材料“抽检计划.pdf”" in line for line in history), history


def test_same_file_twice_is_one_row_but_another_target_is_another(any_db_url, tmp_path, files):
    db = open_database(any_db_url)
    try:
        ledger = ledger_with_submission(db, tmp_path / "ledger")
        first = ev.attach_evidence(db, files["pdf"], user=USER, task_id=ledger.answered[0])
        renamed = tmp_path / "抽检计划（定稿）.pdf"
        renamed.write_bytes(files["pdf"].read_bytes())
        again = ev.attach_many(db, [files["pdf"], renamed], user=USER, task_id=ledger.answered[0])
        other = ev.attach_evidence(db, files["pdf"], user=USER, task_id=ledger.answered[1])
    finally:
        db.close()
    assert [o.duplicate for o in again] == [True, True]
    assert {o.info.id for o in again} == {first.id}
    assert "已添加过" in again[0].message and "抽检计划.pdf" in again[0].message
    assert not other.duplicate and other.id != first.id
    evidence_rows, stored = _counts(any_db_url)
    assert evidence_rows == 2
    if sqlite_file(any_db_url) is None:
        # The two rows share one stored copy.
        assert stored == 1


@pytest.mark.parametrize("case", ["empty", "too_big", "missing", "folder", "no_target"])
def test_refused_files_name_the_file_and_change_nothing(any_db_url, tmp_path, monkeypatch, case):
    db = open_database(any_db_url)
    try:
        ledger = ledger_with_submission(db, tmp_path / "ledger")
        target = {"task_id": ledger.answered[0]}
        path = tmp_path / "检查记录.pdf"
        if case == "empty":
            path.write_bytes(b"")
            words = "空文件"
        elif case == "too_big":
            make_pdf(path, 2)
            monkeypatch.setattr(ev, "MAX_EVIDENCE_BYTES", 100)
            words = "文件太大"
        elif case == "missing":
            words = "找不到这个文件"
        elif case == "folder":
            path.mkdir()
            words = "文件夹"
        else:
            make_pdf(path, 1)
            target = {}
            words = "任务、一份报送或一个考核项目"
        with pytest.raises(UserError) as raised:
            ev.attach_evidence(db, path, user=USER, **target)
        (outcome,) = ev.attach_many(db, [path], user=USER, **target)
    finally:
        db.close()
    message = str(raised.value)
    assert words in message, message
    if case != "no_target":
        assert "检查记录.pdf" in message
    assert outcome.error == message and not outcome.added
    assert _counts(any_db_url)[0] == 0


def test_unreadable_file_is_named(tmp_path, files, monkeypatch):
    """A file another program holds locked (Windows) cannot be read: the message names it."""
    db = open_database(tmp_path / "ledger.sqlite3")
    try:
        ledger = ledger_with_submission(db, tmp_path / "ledger")
        locked = files["pdf"]
        read_bytes = Path.read_bytes

        def refuse(self):
            if self == locked:
                raise PermissionError(13, "Permission denied")
            return read_bytes(self)

        monkeypatch.setattr(Path, "read_bytes", refuse)
        with pytest.raises(UserError) as raised:
            ev.attach_evidence(db, locked, user=USER, task_id=ledger.answered[0])
    finally:
        db.close()
    assert "无法读取" in str(raised.value) and "抽检计划.pdf" in str(raised.value)


def test_remove_is_audited_and_the_original_stays(any_db_url, tmp_path, files):
    db = open_database(any_db_url)
    try:
        ledger = ledger_with_submission(db, tmp_path / "ledger")
        info = ev.attach_evidence(db, files["png"], user=USER, task_id=ledger.answered[0])
        removed = ev.remove_evidence(db, info.id, user="李四")
        with pytest.raises(UserError, match="已被删除"):
            ev.remove_evidence(db, info.id, user="李四")
    finally:
        db.close()
    assert removed.name == "检查现场照片.png"
    db = open_database(any_db_url)
    try:
        with db.session() as s:
            assert ev.evidence_list(s, task_id=ledger.answered[0]) == []
            entry = s.scalars(
                select(AuditEntry).where(AuditEntry.action == "evidence.remove")
            ).one()
            assert (entry.user, entry.entity, entry.entity_id) == ("李四", "task", info.task_id)
            assert "删除佐证材料“检查现场照片.png”" in entry.summary
            with pytest.raises(UserError, match="已被删除"):
                ev.evidence_bytes(s, info.id)
            # Nothing refers to the original any more: the start-up sweep may take it.
            assert info.archive_path not in referenced_paths(s)
            assert originals_of(s).has(s, info.archive_path)
    finally:
        db.close()


def test_opening_writes_a_read_only_copy_named_as_the_original(tmp_path, files, monkeypatch):
    monkeypatch.setattr(ev, "opened_copies_dir", lambda: tmp_path / "opened")
    db = open_database(tmp_path / "ledger.sqlite3")
    try:
        ledger = ledger_with_submission(db, tmp_path / "ledger")
        info = ev.attach_evidence(db, files["docx"], user=USER, task_id=ledger.answered[0])
        copy = ev.evidence_copy_for_opening(db, info.id)
        assert copy.name == "会议纪要.docx"
        assert copy.read_bytes() == files["docx"].read_bytes()
        if os.name != "nt":
            assert not copy.stat().st_mode & stat.S_IWUSR
        assert ev.evidence_copy_for_opening(db, info.id) == copy  # reused
        # A damaged original is refused, not opened.
        kept = tmp_path / "archive" / info.archive_path
        kept.write_bytes(b"damaged")
        with pytest.raises(UserError, match="已损坏"), db.session() as s:
            ev.evidence_bytes(s, info.id)
        kept.unlink()
        with pytest.raises(UserError, match="原件找不到"), db.session() as s:
            ev.evidence_bytes(s, info.id)
    finally:
        db.close()


# --- the 佐证材料 column of the 报送表 (SubmissionEntry.evidence) ---------------------


def _template(db, folder: Path, *, version: int = 2) -> tuple[Path, int]:
    """县市场监管局's 2022年第三季度 template of seed 002 (version 1: as sent out before)."""
    from seeds import seed_path

    from foodsafety_desktop.core.services import periods
    from foodsafety_desktop.core.services.plan_import import import_plan_file
    from foodsafety_desktop.core.services.templates import template_filename, write_template
    from foodsafety_desktop.core.storage.models import Department, Plan

    from .template_v1 import write_template_v1

    result = import_plan_file(db, seed_path("002"), user=USER)
    folder.mkdir(parents=True, exist_ok=True)
    with db.session() as s:
        plan = s.get(Plan, result.plan_id)
        periods.create_periods(s, plan.id, periods.propose_periods(plan), user=USER)
        q3 = periods.find_period(s, plan.id, "2022年第三季度")
        dep = s.query(Department).filter_by(name=MARKET).one()
        path = folder / template_filename(q3, dep)
        if version == 1:
            write_template_v1(s, q3.id, dep.id, path)
        else:
            write_template(s, q3.id, dep.id, path)
        return path, q3.id


def _entries(url) -> dict[int, str | None]:
    from foodsafety_desktop.core.storage.models import Submission, SubmissionEntry

    db = open_database(url)
    try:
        with db.session() as s:
            rows = s.execute(
                select(SubmissionEntry.id, SubmissionEntry.evidence)
                .join(Submission, Submission.id == SubmissionEntry.submission_id)
                .where(Submission.is_current.is_(True))
                .order_by(SubmissionEntry.id)
            )
            return dict(rows.all())
    finally:
        db.close()


def test_the_evidence_column_is_read_into_the_submission(any_db_url, tmp_path):
    import openpyxl

    from foodsafety_desktop.core.excel import template_layout as layout
    from foodsafety_desktop.core.services.collect import collect_files

    from .collect_fixtures import fill

    db = open_database(any_db_url)
    try:
        template, _ = _template(db, tmp_path / "t")
        ws = openpyxl.load_workbook(template)[layout.REPORT_SHEET]
        assert ws[f"M{layout.HEADER_ROW}"].value == "佐证材料"
        first = layout.FIRST_DATA_ROW
        filled = fill(
            template,
            tmp_path / "returned" / template.name,
            edits={f"M{first}": "会议纪要、检查记录"},
        )
        (outcome,) = collect_files(db, [filled], user=USER)
    finally:
        db.close()
    assert outcome.submission_id, outcome
    values = list(_entries(any_db_url).values())
    assert values[0] == "会议纪要、检查记录" and not any(values[1:])


@pytest.mark.parametrize("version", [1, 2])
def test_templates_sent_out_before_the_column_are_read_as_before(any_db_url, tmp_path, version):
    """A template in circulation has no 佐证材料 title: whatever is typed right of 下步打算
    is no answer, and the file is collected as before."""
    import openpyxl

    from foodsafety_desktop.core.excel import template_layout as layout
    from foodsafety_desktop.core.services.collect import collect_files

    from .collect_fixtures import fill

    db = open_database(any_db_url)
    try:
        template, _ = _template(db, tmp_path / "t", version=version)
        header = layout.HEADER_ROW if version == 2 else layout.HEADER_ROW_V1
        wb = openpyxl.load_workbook(template)
        wb[layout.REPORT_SHEET][f"M{header}"] = None  # as the templates sent out were
        wb.save(template)
        filled = fill(
            template,
            tmp_path / "returned" / template.name,
            edits={f"M{header + 1}": "随手写的备注"},
            version=version,
        )
        (outcome,) = collect_files(db, [filled], user=USER)
    finally:
        db.close()
    assert outcome.submission_id and not outcome.errors, outcome
    values = _entries(any_db_url)
    assert values and not any(values.values())
