"""The assessment file: a unit's and the county's 佐证材料 laid out by 细则 item, and its
目录.docx checked against the files actually in the folder / zip (names, order, pages)."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile
from pathlib import Path, PurePosixPath

import docx
import pdfplumber
import pytest
from sqlalchemy import select

from foodsafety_desktop.core.errors import UserError
from foodsafety_desktop.core.reports import assessment_file as af
from foodsafety_desktop.core.services import evidence as ev
from foodsafety_desktop.core.services.assessment import KIND_TOWNSHIP, import_assessment
from foodsafety_desktop.core.storage.database import open_database
from foodsafety_desktop.core.storage.models import AssessmentItem, AssessmentLink, Department

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
YEAR = 2022  # the year of seed 002's periods: its returned workbooks count as 报表


class Scene:
    def __init__(self, db, tmp_path: Path) -> None:
        self.ledger = led = ledger_with_submission(db, tmp_path / "ledger")
        result = import_assessment(
            db, DATA / "township_2026.xlsx", year=YEAR, kind=KIND_TOWNSHIP, user=USER
        )
        self.assessment_id = result.assessment_id
        with db.session() as s:
            items = list(
                s.scalars(
                    select(AssessmentItem)
                    .where(AssessmentItem.assessment_id == self.assessment_id)
                    .order_by(AssessmentItem.position)
                )
            )
            self.leaves = [i.id for i in items if i.level == 2]
            self.item_count = len(self.leaves)
            self.other = s.scalars(
                select(Department.id).where(Department.name != MARKET).order_by(Department.id)
            ).first()
            self.other_name = s.get(Department, self.other).name
            # The clerk confirmed two links; a third is only proposed and must not count.
            for item, task, confirmed in (
                (self.leaves[0], led.answered[0], True),
                (self.leaves[2], led.answered[1], True),
                (self.leaves[4], led.answered[2], False),
            ):
                s.add(
                    AssessmentLink(item_id=item, task_id=task, confirmed=confirmed, created_by=USER)
                )
        files = tmp_path / "files"
        (files / "second").mkdir(parents=True)
        unit = led.department_id
        attach = ev.attach_evidence
        # 1.1: two files of the same name (one from another folder), a Word file with a
        # page count, a photo of the workbook and the workbook itself (报表).
        attach(db, make_pdf(files / "抽检计划.pdf", 3), user=USER, item_id=self.leaves[0],
               department_id=unit)  # fmt: skip
        attach(db, make_pdf(files / "second" / "抽检计划.pdf", 2, text="v2"), user=USER,
               item_id=self.leaves[0], department_id=unit)  # fmt: skip
        attach(db, make_docx(files / "会议纪要.docx", pages=4), user=USER,
               task_id=led.answered[0], department_id=unit)  # fmt: skip
        attach(db, make_png(files / "检查现场.png"), user=USER, submission_id=led.submission_id)
        # 1.2: a workbook (pages unknown) and a Word file without a page count.
        attach(db, make_xlsx(files / "责任清单.xlsx"), user=USER, item_id=self.leaves[1],
               department_id=unit)  # fmt: skip
        attach(db, make_docx(files / "督导记录.docx", pages=None), user=USER,
               item_id=self.leaves[1], department_id=unit)  # fmt: skip
        # Another unit's file and the county's own file (no unit).
        attach(db, make_pdf(files / "其他单位材料.pdf", 1), user=USER,
               task_id=led.answered[0], department_id=self.other)  # fmt: skip
        attach(db, make_png(files / "全县通报.png", shade=10), user=USER, item_id=self.leaves[3])
        # On the proposed (unconfirmed) link's task: not in the file.
        attach(db, make_pdf(files / "未确认.pdf", 1), user=USER, task_id=led.answered[2],
               department_id=unit)  # fmt: skip


def _index_rows(document: docx.Document) -> list[list[str]]:
    (table,) = document.tables
    rows = []
    for row in table.rows[1:]:
        rows.append([c.text.strip() for c in row.cells])
    assert [c.text for c in table.rows[0].cells] == list(af.INDEX_HEADER)
    return rows


def _pages_of(name: str, content: bytes) -> str:
    """Pages as the clerk would count them, independently of the exporter's reader."""
    suffix = PurePosixPath(name).suffix
    if suffix == ".pdf":
        with pdfplumber.open(io.BytesIO(content)) as pdf:
            return str(len(pdf.pages))
    if suffix == ".png":
        return "1"
    if suffix == ".docx":
        app = zipfile.ZipFile(io.BytesIO(content)).read("docProps/app.xml").decode()
        found = re.search(r"<Pages>(\d+)</Pages>", app)
        return found.group(1) if found else "—"
    return "—"


def _check_index(rows: list[list[str]], files: dict[str, bytes], item_count: int) -> None:
    """Every file in the export is listed once, under its item, in order, with its true
    page count and consecutive page numbers; every item without a file says 无."""
    listed = []
    numbers_seen = []
    page = 0
    current = None
    for number, item, name, pages, pages_at in rows:
        if number:
            current = number
        if name == item == pages:
            continue  # a 一级项目 heading: one cell merged across the row
        if number and number not in numbers_seen[-1:]:  # merged cells repeat the 序号
            numbers_seen.append(number)
        if name == af.NO_EVIDENCE:
            assert pages == "" and pages_at == ""
            continue
        name = name.removesuffix("（报表）")
        assert name.startswith(f"{current}-"), (current, name)
        listed.append(name)
        assert pages == _pages_of(name, files[name]), name
        if pages == "—":
            assert pages_at == "—"
        else:
            first, _, last = pages_at.partition("—")
            assert int(first) == page + 1 and int(last or first) == page + int(pages), name
            page += int(pages)
    assert sorted(listed) == sorted(files) and len(listed) == len(set(listed))
    assert len(numbers_seen) == item_count == len(set(numbers_seen))
    # The items appear in the order of the 细则.
    as_tuples = [tuple(int(x) for x in n.split(".")) for n in numbers_seen]
    assert as_tuples == sorted(as_tuples)


def test_one_unit_folder_matches_its_index(any_db_url, tmp_path):
    db = open_database(any_db_url)
    try:
        scene = Scene(db, tmp_path)
    finally:
        db.close()
    target = tmp_path / "导出" / "市场监管局考核档案"
    db = open_database(any_db_url)
    try:
        result = af.export_assessment_file(
            db, scene.assessment_id, target, department_id=scene.ledger.department_id
        )
    finally:
        db.close()
    written = {p.relative_to(target).as_posix(): p.read_bytes() for p in target.rglob("*.*")}
    assert af.INDEX_NAME in written
    evidence = {k: v for k, v in written.items() if k != af.INDEX_NAME}
    assert sorted(evidence) == [
        "一、党政同责/1.1-2022年第三季度报送表.xlsx",
        "一、党政同责/1.1-会议纪要.docx",
        "一、党政同责/1.1-抽检计划.pdf",
        "一、党政同责/1.1-抽检计划（2）.pdf",
        "一、党政同责/1.1-检查现场.png",
        "一、党政同责/1.2-督导记录.docx",
        "一、党政同责/1.2-责任清单.xlsx",
        "一、党政同责/1.3-2022年第三季度报送表.xlsx",
        "一、党政同责/1.3-检查现场.png",
    ]
    # The renamed files are the attached files, byte for byte.
    source = tmp_path / "files"
    assert evidence["一、党政同责/1.1-抽检计划.pdf"] == (source / "抽检计划.pdf").read_bytes()
    assert (
        evidence["一、党政同责/1.1-抽检计划（2）.pdf"]
        == (source / "second" / "抽检计划.pdf").read_bytes()
    )
    returned = next((tmp_path / "ledger" / "returned").iterdir()).read_bytes()
    assert evidence["一、党政同责/1.1-2022年第三季度报送表.xlsx"] == returned

    rows = _index_rows(docx.Document(str(target / af.INDEX_NAME)))
    _check_index(rows, {PurePosixPath(k).name: v for k, v in evidence.items()}, scene.item_count)
    assert (result.item_count, result.file_count) == (scene.item_count, 9)
    assert result.missing_count == scene.item_count - 3
    assert result.page_count == 3 + 2 + 4 + 1 + 1
    text = "\n".join(p.text for p in docx.Document(str(target / af.INDEX_NAME)).paragraphs)
    assert f"被考核单位：{MARKET}" in text and f"其中{result.missing_count}项尚无佐证材料" in text
    # The 目录's pages are numbered like the official documents (a PAGE field footer).
    footer = docx.Document(str(target / af.INDEX_NAME)).sections[0].footer._element.xml
    assert "PAGE" in footer


def test_whole_county_zip_names_the_units(any_db_url, tmp_path):
    db = open_database(any_db_url)
    try:
        scene = Scene(db, tmp_path)
        target = tmp_path / "全县考核档案.zip"
        result = af.export_assessment_file(db, scene.assessment_id, target)
    finally:
        db.close()
    with zipfile.ZipFile(target) as archive:
        names = archive.namelist()
        contents = {n: archive.read(n) for n in names}
    assert all(n.startswith("全县考核档案/") for n in names)
    evidence = {
        PurePosixPath(n).name: v for n, v in contents.items() if not n.endswith(af.INDEX_NAME)
    }
    assert f"1.1-{MARKET}-抽检计划.pdf" in evidence
    assert f"1.1-{scene.other_name}-其他单位材料.pdf" in evidence
    assert "2.1-全县通报.png" in evidence  # the county's own file: no unit
    assert not any("未确认" in n for n in evidence)
    index = docx.Document(io.BytesIO(contents[f"全县考核档案/{af.INDEX_NAME}"]))
    _check_index(_index_rows(index), evidence, scene.item_count)
    assert result.file_count == len(evidence) == 11
    assert result.unit == "全县"


def test_existing_target_is_refused_and_a_failure_leaves_nothing(any_db_url, tmp_path, monkeypatch):
    db = open_database(any_db_url)
    try:
        scene = Scene(db, tmp_path)
        unit = scene.ledger.department_id
        folder = tmp_path / "档案"
        folder.mkdir()
        (folder / "旧文件.txt").write_text("old", encoding="utf-8")
        with pytest.raises(UserError, match="不是空的"):
            af.export_assessment_file(db, scene.assessment_id, folder, department_id=unit)
        assert [p.name for p in folder.iterdir()] == ["旧文件.txt"]
        af.export_assessment_file(
            db, scene.assessment_id, folder, department_id=unit, overwrite=True
        )
        assert not (folder / "旧文件.txt").exists() and (folder / af.INDEX_NAME).is_file()

        zipped = tmp_path / "档案.zip"
        zipped.write_bytes(b"old")
        with pytest.raises(UserError, match="已存在"):
            af.export_assessment_file(db, scene.assessment_id, zipped, department_id=unit)
        assert zipped.read_bytes() == b"old"

        def broken(*args, **kwargs):
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(af, "_write_index", broken)
        fresh = tmp_path / "新档案"
        with pytest.raises(UserError, match="没有写入任何内容"):
            af.export_assessment_file(db, scene.assessment_id, fresh, department_id=unit)
        with pytest.raises(UserError, match="没有写入任何内容"):
            af.export_assessment_file(
                db, scene.assessment_id, zipped, department_id=unit, overwrite=True
            )
    finally:
        db.close()
    assert not fresh.exists() and zipped.read_bytes() == b"old"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".~")]


def test_page_counts():
    assert af.page_count("a.jpg", b"\xff\xd8") == 1
    assert af.page_count("a.xlsx", b"PK\x03\x04") is None
    assert af.page_count("a.pdf", b"%PDF-1.4 damaged") is None
    assert af.page_count("说明.txt", "文字".encode()) is None


@pytest.mark.skipif(shutil.which("soffice") is None, reason="needs LibreOffice")
def test_index_renders_with_its_page_number(tmp_path):
    db = open_database(tmp_path / "ledger.sqlite3")
    try:
        scene = Scene(db, tmp_path)
        target = tmp_path / "out"
        af.export_assessment_file(
            db, scene.assessment_id, target, department_id=scene.ledger.department_id
        )
    finally:
        db.close()
    subprocess.run(
        ["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path),
         str(target / af.INDEX_NAME)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    with pdfplumber.open(tmp_path / "目录.pdf") as pdf:
        first = pdf.pages[0].extract_text()
        assert "佐证材料目录" in first and "1.1-抽检计划.pdf" in first
        assert "— 1 —" in first
        everything = "".join(p.extract_text() for p in pdf.pages)
    assert everything.count("1.1-抽检计划") == 2


def test_a_missing_original_stops_the_export_and_leaves_nothing(tmp_path):
    db = open_database(tmp_path / "ledger.sqlite3")
    try:
        scene = Scene(db, tmp_path)
        with db.session() as s:
            (info,) = [
                e for e in ev.evidence_list(s, item_id=scene.leaves[1]) if e.name == "责任清单.xlsx"
            ]
        (tmp_path / "archive" / info.archive_path).unlink()
        target = tmp_path / "档案"
        with pytest.raises(UserError) as raised:
            af.export_assessment_file(
                db, scene.assessment_id, target, department_id=scene.ledger.department_id
            )
    finally:
        db.close()
    assert "责任清单.xlsx" in str(raised.value) and "原件找不到" in str(raised.value)
    assert not target.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".~")]
