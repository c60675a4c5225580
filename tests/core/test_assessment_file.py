"""The assessment file: a unit's and the county's 佐证材料 laid out by 细则 item, and its
目录.docx checked against the files actually in the folder / zip (names, order, pages)."""

from __future__ import annotations

import hashlib
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
from foodsafety_desktop.core.services.assessment import (
    KIND_MEMBER,
    KIND_TOWNSHIP,
    assessment_items,
    import_assessment,
    item_paths,
)
from foodsafety_desktop.core.storage.database import open_database
from foodsafety_desktop.core.storage.models import (
    KIND_TOWNSHIP as DEPT_TOWNSHIP,
)
from foodsafety_desktop.core.storage.models import (
    AssessmentLink,
    Department,
)

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
TOWN = "城关镇"
REPORT = "2022年第三季度报送表.xlsx"


def _leaves(s, assessment_id: int) -> list[int]:
    items = assessment_items(s, assessment_id)
    parents = {i.parent_id for i in items}
    return [i.id for i in items if i.id not in parents]


class Scene:
    """Seed 002 with 县市场监管局's workbook collected, the township 细则 (numbered 1..26
    across its parts), a township 城关镇, and evidence of every kind and origin."""

    def __init__(self, db, tmp_path: Path) -> None:
        self.ledger = led = ledger_with_submission(db, tmp_path / "ledger")
        result = import_assessment(
            db, DATA / "township_2026.xlsx", year=YEAR, kind=KIND_TOWNSHIP, user=USER
        )
        self.assessment_id = result.assessment_id
        with db.session() as s:
            self.leaves = _leaves(s, self.assessment_id)
            self.item_count = len(self.leaves)
            items = assessment_items(s, self.assessment_id)
            paths = item_paths(items)
            self.paths = [paths[i.id] for i in items]  # 序号 of the 目录, in order
            leaves = set(self.leaves)
            self.bonus = [paths[i.id] for i in items if i.id in leaves and i.bonus]
            self.deduction = [paths[i.id] for i in items if i.id in leaves and i.deduction]
            self.other = s.scalars(
                select(Department.id).where(Department.name != MARKET).order_by(Department.id)
            ).first()
            self.other_name = s.get(Department, self.other).name
            town = Department(name=TOWN, kind=DEPT_TOWNSHIP)
            s.add(town)
            s.flush()
            self.town = town.id
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
        # 一.1: two files of the same name (one from another folder), a Word file with a
        # page count; a photo attached to the workbook (shared with 一.3, as is the
        # workbook itself, 报表); the plan attached to the item AND to the workbook.
        attach(db, make_pdf(files / "抽检计划.pdf", 3), user=USER, item_id=self.leaves[0],
               department_id=unit)  # fmt: skip
        attach(db, make_pdf(files / "second" / "抽检计划.pdf", 2, text="v2"), user=USER,
               item_id=self.leaves[0], department_id=unit)  # fmt: skip
        attach(db, make_docx(files / "会议纪要.docx", pages=4), user=USER,
               task_id=led.answered[0], department_id=unit)  # fmt: skip
        attach(db, make_png(files / "检查现场.png"), user=USER, submission_id=led.submission_id)
        attach(db, files / "抽检计划.pdf", user=USER, submission_id=led.submission_id)
        # 一.2: a workbook (pages unknown) and a Word file without a page count.
        attach(db, make_xlsx(files / "责任清单.xlsx"), user=USER, item_id=self.leaves[1],
               department_id=unit)  # fmt: skip
        attach(db, make_docx(files / "督导记录.docx", pages=None), user=USER,
               item_id=self.leaves[1], department_id=unit)  # fmt: skip
        # The township's own report on 一.2, another member unit's file, and the county's
        # own file (no unit) on 二.4.
        attach(db, make_pdf(files / "自查报告.pdf", 2, text="town"), user=USER,
               item_id=self.leaves[1], department_id=self.town)  # fmt: skip
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


def _check_index(rows: list[list[str]], files: dict[str, bytes], paths: list[str]) -> dict:
    """The 目录 against the files of the export (paths relative to its root):

    * every file is filed once, in one row, under its item, with its true page count
      and consecutive page numbers; a file named in other rows ("见…") carries the page
      numbers of that copy and adds none;
    * no item lists the same bytes twice, and no two files of the export are the same;
    * the 序号 are the 细则's own numbers in its order, then 附, 附1 …;
    * sorted by name, the files come in the order of the 目录.

    Returns item 序号 → the file names its rows name (filed or referred to)."""
    by_name = {PurePosixPath(k).name: k for k in files}
    assert len(by_name) == len(files)
    digests = {k: hashlib.sha256(v).hexdigest() for k, v in files.items()}
    assert len(set(digests.values())) == len(files), "the same bytes filed twice"
    filed: list[str] = []
    ranges: dict[str, str] = {}
    referred: list[tuple[str, str]] = []
    named: dict[str, list[str]] = {}
    numbers: list[str] = []
    listed: dict[str, list[str]] = {}
    page = 0
    current = None
    for number, item, cell, pages, pages_at in rows:
        if number and number != current:
            current = number
            numbers.append(number)
        if cell == item == pages:
            continue  # a heading: one cell merged across the row
        if cell in (af.NO_EVIDENCE, af.NOT_CLAIMED, af.NO_DEDUCTION):
            assert pages == "" and pages_at == ""
            named[current] = []
            continue
        if cell.endswith(af.LISTED_MARK):
            # What a unit's 报送表 lists: text, no file, no pages.
            assert pages == "" and pages_at == ""
            listed.setdefault(current, []).append(cell.removesuffix(af.LISTED_MARK))
            named.setdefault(current, [])
            continue
        cell = cell.removesuffix("（报表）")
        if cell.startswith("见"):
            name = cell.split("：", 1)[1]
            assert pages == ""
            referred.append((name, pages_at))
        else:
            name = cell
            filed.append(by_name[name])
            assert pages == _pages_of(name, files[by_name[name]]), name
            if pages == "—":
                assert pages_at == "—"
            else:
                first, _, last = pages_at.partition("—")
                assert int(first) == page + 1 and int(last or first) == page + int(pages), name
                page += int(pages)
            ranges[name] = pages_at
        named.setdefault(current, []).append(name)
    assert sorted(filed) == sorted(files) and len(filed) == len(set(filed))
    assert filed == sorted(filed), "a folder sorted by name does not read as the 目录"
    for name, pages_at in referred:
        assert ranges[name] == pages_at, name
    for number, names in named.items():
        assert len({digests[by_name[n]] for n in names}) == len(names), number
    appendix = [n for n in numbers if n.startswith(af.APPENDIX_NUMBER)]
    expected = paths + (
        [af.APPENDIX_NUMBER] + [f"{af.APPENDIX_NUMBER}{k}" for k in range(1, len(appendix))]
        if appendix
        else []
    )
    assert numbers == expected
    return named


def _read_folder(target: Path) -> dict[str, bytes]:
    return {
        p.relative_to(target).as_posix(): p.read_bytes()
        for p in target.rglob("*")
        if p.is_file() and p.name != af.INDEX_NAME
    }


def test_one_unit_files_each_file_once_numbered_as_the_rules(any_db_url, tmp_path):
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
    evidence = _read_folder(target)
    # Folders NN 一级项目; files by the 细则's own item numbers (1..26 across its parts);
    # the workbook and the file attached to it filed once, at the end.
    assert sorted(evidence) == [
        "01 一、党政同责/01-会议纪要.docx",
        "01 一、党政同责/01-抽检计划.pdf",
        "01 一、党政同责/01-抽检计划（2）.pdf",
        "01 一、党政同责/02-督导记录.docx",
        "01 一、党政同责/02-责任清单.xlsx",
        f"09 {af.APPENDIX_TITLE}/附01-{REPORT}",
        f"09 {af.APPENDIX_TITLE}/附02-检查现场.png",
    ]
    # The renamed files are the attached files, byte for byte.
    source = tmp_path / "files"
    assert evidence["01 一、党政同责/01-抽检计划.pdf"] == (source / "抽检计划.pdf").read_bytes()
    assert (
        evidence["01 一、党政同责/01-抽检计划（2）.pdf"]
        == (source / "second" / "抽检计划.pdf").read_bytes()
    )
    returned = next((tmp_path / "ledger" / "returned").iterdir()).read_bytes()
    assert evidence[f"09 {af.APPENDIX_TITLE}/附01-{REPORT}"] == returned

    index = docx.Document(str(target / af.INDEX_NAME))
    rows = _index_rows(index)
    named = _check_index(rows, evidence, scene.paths)
    # 一.1 files its own three and names the two shared ones; 一.3 relies on the
    # workbook, its photo and the plan attached to it, which is 一.1's own file: named,
    # not copied (the trial's 抽检计划.pdf in eleven items, twice in one).
    assert named["一.1"] == [
        "01-会议纪要.docx", "01-抽检计划.pdf", "01-抽检计划（2）.pdf",
        f"附01-{REPORT}", "附02-检查现场.png",
    ]  # fmt: skip
    assert named["一.3"] == [f"附01-{REPORT}", "附02-检查现场.png", "01-抽检计划.pdf"]
    cells = [r[2] for r in rows]
    assert f"见{af.APPENDIX_TITLE} 附1：附01-{REPORT}（报表）" in cells
    assert "见 一.1：01-抽检计划.pdf" in cells
    (shared,) = [r for r in rows if r[0] == "附2"]
    assert shared[1] == "用于 一.1、一.3" and shared[3:] == ["1", "10"]
    assert (result.item_count, result.file_count, result.shared_count) == (
        scene.item_count,
        7,
        2,
    )
    # A 加分项 without files is 未申报, a 扣分项 without files the normal case: no gaps.
    assert scene.bonus and scene.deduction
    counted = scene.item_count - len(scene.bonus) - len(scene.deduction)
    assert result.missing_count == counted - 3
    gaps = {label.split(" ")[0] for label in result.missing_items}
    assert not gaps & {*scene.bonus, *scene.deduction}
    by_number = {r[0]: r[2] for r in rows if r[0]}
    assert all(by_number[p] == af.NOT_CLAIMED for p in scene.bonus)
    assert all(by_number[p] == af.NO_DEDUCTION for p in scene.deduction)
    assert result.page_count == 4 + 3 + 2 + 1  # each file once
    text = "\n".join(p.text for p in index.paragraphs)
    assert f"被考核单位：{MARKET}" in text and f"其中{result.missing_count}项尚无佐证材料" in text
    assert "装订共10页" in text and "报表及附件2个" in text
    # Neither another unit's nor the township's nor the county's files.
    assert not any(w in n for n in evidence for w in ("其他单位", "自查报告", "全县通报"))
    # The 目录's pages are numbered like the official documents (a PAGE field footer).
    assert "PAGE" in index.sections[0].footer._element.xml


def test_whole_county_zip_holds_only_the_assessed_units(any_db_url, tmp_path):
    """A 乡镇 细则: the townships' files and the county's own; a member unit's (县市场监管局,
    its workbook) are not in it."""
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
        n.removeprefix("全县考核档案/"): v
        for n, v in contents.items()
        if not n.endswith(af.INDEX_NAME)
    }
    assert sorted(evidence) == [
        f"01 一、党政同责/02-{TOWN}-自查报告.pdf",
        "02 二、监管能力建设/04-全县通报.png",  # the county's own file: no unit
    ]
    index = docx.Document(io.BytesIO(contents[f"全县考核档案/{af.INDEX_NAME}"]))
    _check_index(_index_rows(index), evidence, scene.paths)
    everything = index.element.xml
    assert MARKET not in everything and scene.other_name not in everything
    assert result.file_count == 2 and result.unit == "全县"


class MemberScene:
    """The member 细则 (numbers 1..7, then （一）/1 nested, 加分项 restarting at 1) with
    县市场监管局's workbook: the other numbering family."""

    def __init__(self, db, tmp_path: Path) -> None:
        led = self.ledger = ledger_with_submission(db, tmp_path / "ledger")
        result = import_assessment(
            db, DATA / "member_2026.docx", year=YEAR, kind=KIND_MEMBER, user=USER
        )
        self.assessment_id = result.assessment_id
        with db.session() as s:
            items = assessment_items(s, self.assessment_id)
            paths = item_paths(items)
            self.paths = [paths[i.id] for i in items]
            self.by_path = {paths[i.id]: i.id for i in items}
            self.other_name = "县农业农村局"
            self.other = s.scalar(select(Department.id).where(Department.name == self.other_name))
            town = Department(name=TOWN, kind=DEPT_TOWNSHIP)
            s.add(town)
            s.flush()
            for path, task in (("三.（二）.1", led.answered[0]), ("四.8", led.answered[1])):
                s.add(
                    AssessmentLink(
                        item_id=self.by_path[path], task_id=task, confirmed=True, created_by=USER
                    )
                )
            town_id = town.id
        files = tmp_path / "files"
        files.mkdir()
        attach = ev.attach_evidence
        unit = led.department_id
        attach(db, make_pdf(files / "整治方案.pdf", 2), user=USER,
               item_id=self.by_path["三.（二）.1"], department_id=unit)  # fmt: skip
        attach(db, make_pdf(files / "部署文件.pdf", 1, text="county"), user=USER,
               item_id=self.by_path["三"])  # fmt: skip
        attach(db, make_pdf(files / "宣传活动.pdf", 3, text="agri"), user=USER,
               item_id=self.by_path["四.8"], department_id=self.other)  # fmt: skip
        attach(db, make_pdf(files / "乡镇材料.pdf", 1, text="town"), user=USER,
               item_id=self.by_path["三.（一）.1"], department_id=town_id)  # fmt: skip
        attach(db, make_png(files / "现场.png", shade=70), user=USER,
               submission_id=led.submission_id)  # fmt: skip


def test_nested_numbering_sorts_by_place_and_shows_the_rules_numbers(any_db_url, tmp_path):
    db = open_database(any_db_url)
    try:
        scene = MemberScene(db, tmp_path)
        target = tmp_path / "成员单位考核档案"
        result = af.export_assessment_file(db, scene.assessment_id, target)
    finally:
        db.close()
    evidence = _read_folder(target)
    assert sorted(evidence) == [
        "03 三、风险防控/00 三-部署文件.pdf",
        f"03 三、风险防控/05 三.（二）.1-{MARKET}-整治方案.pdf",
        f"04 四、宣传教育/01 四.8-{scene.other_name}-宣传活动.pdf",
        f"08 {af.APPENDIX_TITLE}/附01-{MARKET}-{REPORT}",
        f"08 {af.APPENDIX_TITLE}/附02-{MARKET}-现场.png",
    ]
    index = docx.Document(str(target / af.INDEX_NAME))
    named = _check_index(_index_rows(index), evidence, scene.paths)
    assert named["三.（二）.1"] == [
        f"05 三.（二）.1-{MARKET}-整治方案.pdf",
        f"附01-{MARKET}-{REPORT}",
        f"附02-{MARKET}-现场.png",
    ]
    assert named["四.8"] == [
        f"01 四.8-{scene.other_name}-宣传活动.pdf",
        f"附01-{MARKET}-{REPORT}",
        f"附02-{MARKET}-现场.png",
    ]
    assert TOWN not in index.element.xml  # a township is not assessed by this 细则
    assert result.file_count == 5 and result.page_count == 1 + 2 + 3 + 1


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
        assert "佐证材料目录" in first and "01-抽检计划.pdf" in first
        assert "— 1 —" in first
        everything = "".join(p.extract_text() for p in pdf.pages)
    assert "附2 用于 一.1、一.3 附02-检查现场.png 1 10" in everything  # the last file


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


# --- counted items 1..24 across, 加分项 / 扣分项 restarting at 1 (the second trial) -------

LISTED = "《市场监管局农贸市场检查记录（2022）》、现场照片36张"


@pytest.mark.parametrize("rules", ["township_2022_restart.xlsx", "township_2022_restart_note.xlsx"])
def test_restarting_bonus_parts_keep_the_counted_numbers(any_db_url, tmp_path, rules):
    """The counted items decide the numbering (三.13 → ``13-…``, one number per file);
    the 加分项 / 扣分项 are ``加01-…`` / ``扣01-…``; a bonus or deduction item without
    files is no gap; what the unit's 报送表 lists is a text row of the item."""
    from foodsafety_desktop.core.storage.models import SubmissionEntry

    db = open_database(any_db_url)
    try:
        led = ledger_with_submission(db, tmp_path / "ledger")
        result = import_assessment(db, DATA / rules, year=YEAR, kind=KIND_TOWNSHIP, user=USER)
        assessment_id = result.assessment_id
        with db.session() as s:
            items = assessment_items(s, assessment_id)
            paths = item_paths(items)
            by_path = {paths[i.id]: i.id for i in items}
            s.add(
                AssessmentLink(
                    item_id=by_path["三.13"], task_id=led.answered[0], confirmed=True,
                    created_by=USER,
                )
            )  # fmt: skip
            for entry in s.scalars(
                select(SubmissionEntry).where(
                    SubmissionEntry.submission_id == led.submission_id,
                    SubmissionEntry.task_id == led.answered[0],
                )
            ):
                entry.evidence = LISTED
        files = tmp_path / "files"
        files.mkdir()
        unit = led.department_id
        ev.attach_evidence(db, make_pdf(files / "农贸市场检查照片.pdf", 2), user=USER,
                           item_id=by_path["三.13"], department_id=unit)  # fmt: skip
        ev.attach_evidence(db, make_png(files / "示范创建证书.png", shade=30), user=USER,
                           item_id=by_path["六.1"], department_id=unit)  # fmt: skip
        ev.attach_evidence(db, make_pdf(files / "通报.pdf", 1, text="deduction"), user=USER,
                           item_id=by_path["七.2"], department_id=unit)  # fmt: skip
        target = tmp_path / "档案"
        result = af.export_assessment_file(db, assessment_id, target, department_id=unit)
    finally:
        db.close()

    evidence = _read_folder(target)
    assert sorted(evidence) == [
        "03 三、生产经营监管/13-农贸市场检查照片.pdf",
        "06 六、加分项/加01-示范创建证书.png",
        "07 七、扣分项/扣02-通报.pdf",
        f"08 {af.APPENDIX_TITLE}/附01-{REPORT}",
    ]
    index = docx.Document(str(target / af.INDEX_NAME))
    rows = _index_rows(index)
    named = _check_index(rows, evidence, [paths[i.id] for i in items])
    text = "\n".join(p.text for p in index.paragraphs)
    assert "共30项考核内容" in text and "其中23项尚无佐证材料（标“无”）" in text
    assert named["三.13"] == ["13-农贸市场检查照片.pdf", f"附01-{REPORT}"]
    assert named["六.1"] == ["加01-示范创建证书.png"] and named["七.2"] == ["扣02-通报.pdf"]
    # The 目录 rows of 三.13: its file, the workbook, then what the 报送表 lists (no pages).
    thirteen = [r for r in rows if r[1].startswith("13.")]
    assert [r[2:] for r in thirteen] == [
        ["13-农贸市场检查照片.pdf", "2", "1—2"],
        [f"见{af.APPENDIX_TITLE} 附1：附01-{REPORT}（报表）", "", "—"],
        [LISTED + af.LISTED_MARK, "", ""],
    ]
    cell = {r[0]: r[2] for r in rows if r[0]}
    assert [cell[p] for p in ("六.2", "六.3", "七.1", "七.3")] == [
        af.NOT_CLAIMED, af.NOT_CLAIMED, af.NO_DEDUCTION, af.NO_DEDUCTION,
    ]  # fmt: skip
    assert cell["一.1"] == af.NO_EVIDENCE
    # Only the counted items are gaps: 24 less 三.13.
    assert result.missing_count == 23 and len(result.missing_items) == 23
    assert {m.split(" ")[0] for m in result.missing_items} == {
        p for p in paths.values() if p.count(".") == 1 and p[0] not in "六七" and p != "三.13"
    }
    assert result.page_count == 2 + 1 + 1
