"""The assessment file (考核档案): a unit's or the whole county's 佐证材料 laid out by 细则
item, with a page-numbered 目录.docx in the official format, ready for the inspectors.

Layout (a folder, or the same inside a .zip under a root folder named as the zip)::

    目录.docx
    01 一、组织领导/
        01-会议纪要.pdf                 item 1 of a 细则 numbered 1..N across its parts
    02 二、源头治理/
        06-抽检计划.pdf
    09 报表及附件/
        附01-2024年度报送表.xlsx        a returned workbook (报表), filed once
        附02-检查照片.png               a file attached to a workbook, filed once

Folders: ``NN 一级项目`` (NN its place, so they sort in 细则 order anywhere).  Files carry
the 细则's own numbers (``services.assessment.item_paths``: the 目录's 序号 column is the
same path, "二.6", "三.（一）.1"):

* a 细则 that numbers its counted items 1..N across its parts (every counted item below
  a part has an Arabic number, increasing through the 细则; the 加分项 and 扣分项 are not
  looked at, they often restart at 1): ``06-name``, the number as printed, zero-padded so
  that it sorts;
* any other numbering (restarting in each part, nested （一）/1): ``NN 路径-name``, NN the
  item's place inside its folder (sorts), then the path as printed ("03 三.（二）.1-…");
* 加分项 and 扣分项 whose own numbers are Arabic and increase among them: ``加01-name``,
  ``扣01-name`` (their own number, marked so it never meets a counted item's); otherwise
  as any other numbering;
* a 一级项目's own files: ``00 一-name`` (first in its folder).

For the whole county the unit follows the number (``06-城关镇-name``); files attached for no
unit are the county's own and carry none.  Only the units the 细则 assesses
(``assessment_units``) and the county itself are in the whole county's file.

Which files belong to an item: files attached to the item or to a task confirmed-linked
to it are the item's own and go into its folder; files that belong to it only through a
workbook (the current returned workbooks of the year answering a linked task — 报表 — and
files attached to such a workbook) serve many items and are filed once, in the last
folder 报表及附件, each item listing them as "见报表及附件 附N：…".  The same bytes
(SHA-256) are filed once in the whole export: in the first item holding them as its own
file, else in 报表及附件; every other place refers to that copy ("见 二.6：…") with its
pages, which are counted once.

What the units list in the 佐证材料 column of their 报送表 (``SubmissionEntry.evidence``
of a linked task, the year's current workbooks) is shown under the item as text rows
marked “（报送表所列，未附文件）”: no file, no page numbers.  A counted item without any
file is a gap (标“无”, ``missing_items``); a 加分项 without files is “未申报”, a 扣分项
without files “无扣分材料”, and neither is a gap.

页数/页码: PDFs are counted (pdfminer, a dependency already), a photo is one page, a Word
file has the page count Word writes in ``docProps/app.xml``; other files (Excel, a Word
file without a count) show "—" and take no page numbers: they are bound separately, as
the note under the table says.  The 目录 is numbered by its own page-number footer; the
evidence pages are numbered from 1 in the order of the 目录, each file once.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from defusedxml import ElementTree
from sqlalchemy import select

from foodsafety_desktop.core.errors import UserError
from foodsafety_desktop.core.reports.formatting import break_title
from foodsafety_desktop.core.services.assessment import assessment_items, item_paths
from foodsafety_desktop.core.services.assessment_scores import assessment_units
from foodsafety_desktop.core.services.evidence import (
    EvidenceInfo,
    item_evidence,
    safe_file_name,
    stored_bytes,
)
from foodsafety_desktop.core.storage.models import (
    Assessment,
    AssessmentItem,
    AssessmentLink,
    Department,
    ReportingPeriod,
    Submission,
    SubmissionEntry,
)
from foodsafety_desktop.core.storage.originals import originals_of

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from foodsafety_desktop.core.storage.database import Database
    from foodsafety_desktop.core.word.fonts import FontSet
    from foodsafety_desktop.core.word.official import OfficialDocument

__all__ = [
    "APPENDIX_TITLE",
    "INDEX_NAME",
    "ExportResult",
    "IndexRow",
    "export_assessment_file",
    "item_numbers",
    "page_count",
]

INDEX_NAME = "目录.docx"
NO_EVIDENCE = "无"
NOT_CLAIMED = "未申报"  # a 加分项 without files: the unit claims no bonus
NO_DEDUCTION = "无扣分材料"  # a 扣分项 without files: the normal case
LISTED_MARK = "（报送表所列，未附文件）"
NO_PAGES = "—"
KIND_EVIDENCE = "佐证材料"
KIND_REPORT = "报表"
KIND_LISTED = "报送表所列"  # a line of text a unit wrote in its 报送表, no file
APPENDIX_TITLE = "报表及附件"
APPENDIX_NUMBER = "附"  # 附1, 附2 … in the 目录; 附01-… in file names
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".heic"}
_MAX_NAME = 120  # characters of a renamed file (Windows paths stay below 260)
_MAX_FOLDER = 40
INDEX_HEADER = ("序号", "考核项目", "佐证材料", "页数", "页码")
INDEX_WIDTHS_MM = (17.0, 53.0, 56.0, 12.0, 18.0)  # 156 mm: the text block of A4
INDEX_FONT_PT = 10.5  # 五号: a 目录 of 30 items and 80 files stays a few pages
PAGE_NOTE = (
    "说明：页码为按本目录顺序装订后的页码，每个文件只装订一份：多项共用的报表及报表所附材料"
    "收在最后的“报表及附件”中，相同的文件只收一份，其他项目注明“见……”及其页码；"
    "页数为“—”的文件（Excel 表格等）不计页码，请另行装订；标“无”的项目尚无佐证材料；"
    "标“报送表所列，未附文件”的是单位在报送表中列明、但未附文件的材料；加分项标“未申报”、"
    "扣分项标“无扣分材料”的，不计为缺少佐证材料。"
)


@dataclass
class IndexRow:
    """One line of the 目录: a file of an item, a reference to a file filed elsewhere in
    the export, the item itself marked 无, or a file of the 报表及附件 section."""

    number: str  # 序号 as the 细则 / the clerk write it: 二.6, 三.（一）.1, 附3
    item_id: int  # negative for the rows of the 报表及附件 section
    item_label: str  # as the 细则 writes it: 2.落实地方党政领导干部…
    level: int
    heading: bool = False  # a 一级项目 with items below it: no files of its own listed
    file: str | None = None  # path inside the export: 01 一、组织领导/01-责任清单.docx
    pages: int | None = None  # None for a reference: its pages are counted where filed
    first_page: int | None = None
    last_page: int | None = None
    kind: str = KIND_EVIDENCE  # or 报表
    department: str | None = None
    reference: str | None = None  # 见报表及附件 附2：… / 见 二.6：… (``file`` is the target's)
    appendix: bool = False  # a row of the 报表及附件 section
    sha256: str = ""
    listed: str | None = None  # what a unit's 报送表 lists (kind 报送表所列, no file)
    bonus: bool = False  # the item is a 加分项 (no file: 未申报, not a gap)
    deduction: bool = False  # the item is a 扣分项 (no file: 无扣分材料, not a gap)

    @property
    def counted(self) -> bool:
        """Whether an item without files is a gap (not a 加分项 or 扣分项)."""
        return not self.bonus and not self.deduction

    @property
    def evidence_text(self) -> str:
        """The 佐证材料 cell: the file, the reference, the listed text or 无 / 未申报."""
        if self.listed is not None:
            return self.listed + LISTED_MARK
        if self.file is None:
            return NOT_CLAIMED if self.bonus else NO_DEDUCTION if self.deduction else NO_EVIDENCE
        name = self.reference or self.file_name or ""
        return name + "（报表）" if self.kind == KIND_REPORT else name

    @property
    def file_name(self) -> str | None:
        return PurePosixPath(self.file).name if self.file else None

    @property
    def pages_text(self) -> str:
        if self.heading or self.file is None or self.reference is not None:
            return ""
        return str(self.pages) if self.pages is not None else NO_PAGES

    @property
    def page_range_text(self) -> str:
        if self.first_page is None or self.last_page is None:
            return "" if self.heading or self.file is None else NO_PAGES
        if self.first_page == self.last_page:
            return str(self.first_page)
        return f"{self.first_page}—{self.last_page}"


@dataclass
class ExportResult:
    """What ``export_assessment_file`` wrote."""

    path: Path  # the folder or the .zip
    assessment_id: int
    department_id: int | None
    unit: str  # 城关镇 / 全县
    item_count: int  # items that take evidence (the 目录's numbered rows)
    file_count: int  # files written, each distinct content once
    missing_count: int  # items without any evidence (无)
    page_count: int  # pages numbered
    rows: list[IndexRow] = field(default_factory=list)
    missing_items: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    shared_count: int = 0  # files of the 报表及附件 section


# --- page counts ---------------------------------------------------------------------


def page_count(name: str, content: bytes) -> int | None:
    """The printed pages of a file, or None when they cannot be known without printing."""
    suffix = Path(name).suffix.lower()
    if suffix in IMAGE_SUFFIXES:
        return 1
    if suffix == ".pdf" or content[:5] == b"%PDF-":
        return _pdf_pages(content)
    if suffix in (".docx", ".docm", ".wps", ".doc") and content[:4] == b"PK\x03\x04":
        return _office_pages(content)
    return None


def _pdf_pages(content: bytes) -> int | None:
    try:
        from pdfminer.pdfdocument import PDFDocument
        from pdfminer.pdfpage import PDFPage
        from pdfminer.pdfparser import PDFParser
        from pdfminer.pdftypes import resolve1
    except ImportError:  # pragma: no cover - pdfplumber is a dependency
        return None
    try:
        document = PDFDocument(PDFParser(io.BytesIO(content)))
        pages = resolve1(document.catalog.get("Pages"))
        count = resolve1(pages.get("Count")) if isinstance(pages, dict) else None
        if isinstance(count, int) and count > 0:
            return count
        return sum(1 for _ in PDFPage.create_pages(document)) or None
    except Exception:  # a damaged or encrypted PDF: pages unknown, the file still goes in
        return None


def _office_pages(content: bytes) -> int | None:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            data = archive.read("docProps/app.xml")
        root = ElementTree.fromstring(data)
    except Exception:
        return None
    for element in root.iter():
        if element.tag.rsplit("}", 1)[-1] == "Pages" and (element.text or "").strip().isdigit():
            pages = int(element.text.strip())
            return pages if pages > 0 else None
    return None


# --- gathering -----------------------------------------------------------------------


@dataclass
class _Item:
    id: int
    parent_id: int | None
    level: int
    label: str
    number: str  # 1.2: the place in the 细则 (``item_numbers``)
    path: str = ""  # 二.6: as the clerk names it (``item_paths``), the 目录's 序号
    own: str = ""  # the item's own number as written: 6, （一）, 一, or ""
    prefix: str = ""  # of its file names: 06 / 03 三.（二）.1 / 00 一 / 加01
    folder: str = ""  # 02 二、源头治理
    children: list[int] = field(default_factory=list)
    bonus: bool = False  # a 加分项 (or below one)
    deduction: bool = False  # a 扣分项 (or below one)

    @property
    def counted(self) -> bool:
        return not self.bonus and not self.deduction


@dataclass
class _File:
    name: str  # the name as attached / as the workbook is called
    load: Callable[[], bytes]  # its verified bytes, read when written (one at a time)
    kind: str
    department: str | None
    sha256: str


def _label(item: AssessmentItem) -> str:
    number = item.number
    if number and number[-1] not in "）)":
        number += "、" if item.level == 1 and not number.isdigit() else "."
    return f"{number}{item.title}"


def item_numbers(session: Session, assessment_id: int) -> dict[int, str]:
    """Place numbers of every item of a 细则: 1, 1.1, 1.2, 2, 2.1, 2.1.1 … (the 序号 of
    the 目录 up to issue 15; the 目录 now shows ``item_paths``, the 细则's own numbers)."""
    return {i.id: i.number for i in _items(session, assessment_id)}


def _items(session: Session, assessment_id: int) -> list[_Item]:
    rows = assessment_items(session, assessment_id)
    paths = item_paths(rows)
    by_id: dict[int, _Item] = {}
    counters: dict[int | None, int] = {}
    out: list[_Item] = []
    for row in rows:
        parent = by_id.get(row.parent_id) if row.parent_id is not None else None
        key = parent.id if parent else None
        counters[key] = counters.get(key, 0) + 1
        number = f"{parent.number}.{counters[key]}" if parent else str(counters[key])
        item = _Item(row.id, key, row.level, _label(row), number, paths[row.id], row.number or "")
        item.bonus = bool(row.bonus) or bool(parent and parent.bonus)
        item.deduction = bool(row.deduction) or bool(parent and parent.deduction)
        by_id[row.id] = item
        if parent:
            parent.children.append(row.id)
        out.append(item)
    _name_files(out)
    return out


def _numbered_across(items: list[_Item]) -> bool:
    """Whether ``items`` (the items below a part) carry Arabic numbers increasing through
    the 细则 (二.5 … 二.8, 三.9 …): each own number then names one item."""
    below = [i.own for i in items]
    if not below or not all(n.isdigit() for n in below):
        return False
    values = [int(n) for n in below]
    return all(a < b for a, b in itertools.pairwise(values))


def _marker(item: _Item) -> str:
    return "加" if item.bonus else "扣" if item.deduction else ""


def _name_files(items: list[_Item]) -> None:
    """Set each item's folder and file-name prefix (see the module docstring)."""
    by_id = {i.id: i for i in items}
    below = [i for i in items if i.parent_id is not None]
    # The counted items decide; the 加分项 / 扣分项 may restart and are looked at apart.
    groups = {m: [i for i in below if _marker(i) == m] for m in ("", "加", "扣")}
    across = {m: _numbered_across(group) for m, group in groups.items()}
    tops = [i for i in items if i.parent_id is None]
    # Zero-padded to one width (2 at least), so that plain and Explorer sorting agree.
    folder_width = max(2, len(str(len(tops) + 1)))  # + 1: the 报表及附件 folder
    for place, top in enumerate(tops, start=1):
        top.folder = f"{place:0{folder_width}d} {_folder_name(top.label, top.number)}"
    top_of: dict[int, _Item] = {}
    inside: dict[int, int] = {}
    for item in items:
        top = item
        while top.parent_id is not None:
            top = by_id[top.parent_id]
        top_of[item.id] = top
        if item.parent_id is not None:
            inside[item.id] = inside[top.id] = inside.get(top.id, 0) + 1
    width = max([2] + [len(i.own if across[_marker(i)] else str(inside[i.id])) for i in below])
    for item in items:
        item.folder = top_of[item.id].folder
        if item.parent_id is None:
            item.prefix = f"{0:0{width}d} {item.path}"
        elif across[_marker(item)]:
            item.prefix = _marker(item) + item.own.zfill(width)
        else:
            item.prefix = f"{inside[item.id]:0{width}d} {item.path}"


def _links(session: Session, assessment_id: int) -> dict[int, set[int]]:
    """Item id → the tasks confirmed-linked to it."""
    links: dict[int, set[int]] = {}
    for item_id, task_id in session.execute(
        select(AssessmentLink.item_id, AssessmentLink.task_id)
        .join(AssessmentItem, AssessmentItem.id == AssessmentLink.item_id)
        .where(AssessmentItem.assessment_id == assessment_id, AssessmentLink.confirmed.is_(True))
    ):
        links.setdefault(item_id, set()).add(task_id)
    return links


def _reports(
    session: Session,
    assessment: Assessment,
    links: dict[int, set[int]],
    units: set[int] | None,
) -> dict[int, list[Submission]]:
    """Per item, the current returned workbooks of the assessment's year that answered a
    task confirmed-linked to it (of the ``units`` only, when given)."""
    tasks = sorted({t for ts in links.values() for t in ts})
    if not tasks:
        return {}
    stmt = (
        select(Submission, SubmissionEntry.task_id, ReportingPeriod)
        .join(SubmissionEntry, SubmissionEntry.submission_id == Submission.id)
        .join(ReportingPeriod, ReportingPeriod.id == Submission.period_id)
        .where(
            SubmissionEntry.task_id.in_(tasks),
            Submission.is_current.is_(True),
            Submission.archive_path.is_not(None),
        )
    )
    if units is not None:
        stmt = stmt.where(Submission.department_id.in_(sorted(units)))
    answered: dict[int, set[int]] = {}
    submissions: dict[int, tuple[Submission, ReportingPeriod]] = {}
    for submission, task_id, period in session.execute(stmt):
        year = period.year or period.due_date.year
        if year != assessment.year:
            continue
        answered.setdefault(submission.id, set()).add(task_id)
        submissions[submission.id] = (submission, period)
    order = sorted(submissions.values(), key=lambda sp: (sp[1].due_date, sp[1].position, sp[0].id))
    out: dict[int, list[Submission]] = {}
    for item_id, wanted in links.items():
        out[item_id] = [s for s, _p in order if answered[s.id] & wanted]
    return out


def _listed(
    session: Session,
    assessment: Assessment,
    links: dict[int, set[int]],
    units: set[int],
    county: bool,
) -> dict[int, list[tuple[str | None, str]]]:
    """Per item, what the units wrote in the 佐证材料 column of the year's current
    workbooks for a task confirmed-linked to it: (unit, text), each text once per unit,
    in the order of the periods."""
    tasks = sorted({t for ts in links.values() for t in ts})
    if not tasks or not units:
        return {}
    stmt = (
        select(SubmissionEntry.task_id, SubmissionEntry.evidence, Department.name, ReportingPeriod)
        .join(Submission, Submission.id == SubmissionEntry.submission_id)
        .join(ReportingPeriod, ReportingPeriod.id == Submission.period_id)
        .join(Department, Department.id == Submission.department_id)
        .where(
            SubmissionEntry.task_id.in_(tasks),
            SubmissionEntry.evidence.is_not(None),
            Submission.is_current.is_(True),
            Submission.department_id.in_(sorted(units)),
        )
        .order_by(
            ReportingPeriod.due_date, ReportingPeriod.position, Submission.id, SubmissionEntry.id
        )
    )
    by_task: dict[int, list[tuple[str | None, str]]] = {}
    for task_id, text, unit, period in session.execute(stmt):
        text = re.sub(r"\s+", " ", text or "").strip()
        if not text or (period.year or period.due_date.year) != assessment.year:
            continue
        by_task.setdefault(task_id, []).append((unit if county else None, text))
    out: dict[int, list[tuple[str | None, str]]] = {}
    for item_id, wanted in links.items():
        lines = [line for t in sorted(wanted) for line in by_task.get(t, [])]
        if lines:
            out[item_id] = list(dict.fromkeys(lines))
    return out


def _report_name(session: Session, submission: Submission) -> str:
    period = session.get(ReportingPeriod, submission.period_id)
    suffix = Path(submission.source_name).suffix.lower() or ".xlsx"
    return f"{period.name if period else ''}报送表{suffix}"


def _numbered_name(prefix: str, unit: str | None, name: str, taken: set[str]) -> str:
    """``06-城关镇-name``, shortened to fit a Windows path, made unique in ``taken``
    with （2）, （3） … before the suffix."""
    name = safe_file_name(name)
    stem, suffix = os.path.splitext(name)
    prefix = f"{safe_file_name(prefix)}-" + (f"{safe_file_name(unit)}-" if unit else "")
    room = max(8, _MAX_NAME - len(prefix) - len(suffix) - 4)
    stem = stem[:room]
    candidate = f"{prefix}{stem}{suffix}"
    n = 1
    while candidate.lower() in taken:
        n += 1
        candidate = f"{prefix}{stem}（{n}）{suffix}"
    taken.add(candidate.lower())
    return candidate


def _folder_name(label: str, number: str) -> str:
    name = re.sub(r"\s+", "", safe_file_name(label)) or number
    return name[:_MAX_FOLDER].rstrip(".")


# --- the export ----------------------------------------------------------------------


def export_assessment_file(
    db: Database,
    assessment_id: int,
    target: str | os.PathLike[str],
    *,
    department_id: int | None = None,
    overwrite: bool = False,
    fonts: FontSet | None = None,
) -> ExportResult:
    """Write the assessment file of one unit (``department_id``) or of the whole county
    to ``target``: a folder, or a .zip when the path ends so.

    Written into a temporary folder beside the target and moved into place at the end:
    an interrupted export leaves nothing half-written.  A target that exists (a folder
    that is not empty, a zip) is refused unless ``overwrite``.
    """
    target = Path(target)
    as_zip = target.suffix.lower() == ".zip"
    _check_target(target, as_zip=as_zip, overwrite=overwrite)
    with db.session() as session:
        assessment = session.get(Assessment, assessment_id)
        if assessment is None:
            raise UserError(f"没有编号为 {assessment_id} 的考核细则。")
        unit = "全县"
        if department_id is not None:
            department = session.get(Department, department_id)
            if department is None:
                raise UserError(f"没有编号为 {department_id} 的单位。")
            unit = department.name
        items = _items(session, assessment_id)
        if not items:
            raise UserError(f"考核细则“{assessment.title}”没有任何考核项目，无法导出。")
        title = assessment.title
        plan = _plan(session, assessment, items, department_id)
        staging = _staging(target)
        try:
            # In the session: the originals are read one at a time as they are written.
            rows, warnings, files = _write_files(staging, plan, department_id is None)
        except OSError as exc:
            shutil.rmtree(staging, ignore_errors=True)
            raise _disk_error(target, exc) from exc
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    try:
        _write_index(staging / INDEX_NAME, title, unit, rows, fonts=fonts)
        if as_zip:
            _zip_into_place(staging, target)
        else:
            _move_into_place(staging, target)
    except OSError as exc:
        raise _disk_error(target, exc) from exc
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)

    numbered = [r for r in rows if not r.heading and not r.appendix]
    item_ids = list(dict.fromkeys(r.item_id for r in numbered))
    missing = _missing(rows)
    return ExportResult(
        path=target,
        assessment_id=assessment_id,
        department_id=department_id,
        unit=unit,
        item_count=len(item_ids),
        file_count=files,
        missing_count=len(missing),
        page_count=max((r.last_page or 0 for r in rows), default=0),
        rows=rows,
        missing_items=[
            f"{r.number} {r.item_label}" + ("（报送表列有材料，未附文件）" if r.listed else "")
            for r in missing
        ],
        warnings=warnings,
        shared_count=sum(1 for r in rows if r.appendix and r.file and r.reference is None),
    )


def _missing(rows: list[IndexRow]) -> list[IndexRow]:
    """The first row of each counted item (not a 加分项 or 扣分项) without any file: the
    gaps of the 目录."""
    numbered = [r for r in rows if not r.heading and not r.appendix]
    with_files = {r.item_id for r in numbered if r.file is not None}
    first: dict[int, IndexRow] = {}
    for r in numbered:
        if r.counted and r.item_id not in with_files:
            first.setdefault(r.item_id, r)
    return list(first.values())


def _staging(target: Path) -> Path:
    """A new empty folder beside ``target`` (same disk: the final move is a rename)."""
    parent = target.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=f".~{target.stem}.", dir=parent))
    except OSError as exc:
        raise UserError(
            f"无法在“{parent}”中写入（{exc.strerror or exc}），请换一个保存位置。"
        ) from exc


def _disk_error(target: Path, exc: OSError) -> UserError:
    return UserError(
        f"无法写入“{target}”（{exc.strerror or exc}）：磁盘可能已满，或文件正在被其他程序"
        "使用。没有写入任何内容，请关闭相关程序或换一个位置后重试。"
    )


def _check_target(target: Path, *, as_zip: bool, overwrite: bool) -> None:
    if as_zip:
        if target.is_dir():
            raise UserError(f"“{target}”是一个文件夹，不能保存为压缩包，请换一个文件名。")
        if target.exists() and not overwrite:
            raise UserError(f"文件“{target}”已存在。如需替换，请选择覆盖（命令行加 --overwrite）。")
        return
    if target.exists() and not target.is_dir():
        raise UserError(f"“{target}”是一个文件，不是文件夹，请换一个保存位置。")
    if target.is_dir() and any(target.iterdir()) and not overwrite:
        raise UserError(
            f"文件夹“{target}”不是空的。请选择一个空文件夹，或选择覆盖（命令行加 --overwrite）。"
        )


@dataclass
class _Planned:
    item: _Item
    own: list[_File]  # attached to the item or to a linked task: filed in its folder
    shared: list[_File]  # through a workbook only (报表, its attachments): filed once at the end
    listed: list[tuple[str | None, str]] = field(default_factory=list)  # (unit, 报送表 text)


def _plan(
    session: Session, assessment: Assessment, items: list[_Item], department_id: int | None
) -> list[_Planned]:
    """Per item in order: its own files and the shared ones it relies on (bytes read
    when written, in the session)."""
    if department_id is None:
        # The whole county: the units the 细则 assesses, and the county's own files.
        units = {d.id for d in assessment_units(session, assessment.id)}
    else:
        units = {department_id}
    evidence = item_evidence(session, assessment.id, department_id=department_id)
    links = _links(session, assessment.id)
    reports = _reports(session, assessment, links, units)
    listed = _listed(session, assessment, links, units, department_id is None)
    out: list[_Planned] = []
    for item in items:
        linked = links.get(item.id, set())
        own: list[_File] = []
        shared: list[_File] = []
        for submission in reports.get(item.id, []):
            department = session.get(Department, submission.department_id)
            unit = department.name if department else None
            shared.append(
                _File(
                    _report_name(session, submission),
                    _report_loader(session, submission, unit),
                    KIND_REPORT,
                    unit,
                    submission.sha256,
                )
            )
        for info in evidence.get(item.id, []):
            if info.department_id is not None and info.department_id not in units:
                continue
            file = _File(
                info.name,
                _evidence_loader(session, info),
                KIND_EVIDENCE,
                info.department_name,
                info.sha256,
            )
            if info.item_id == item.id or info.task_id in linked:
                own.append(file)
            else:
                shared.append(file)
        out.append(_Planned(item, own, shared, listed.get(item.id, [])))
    return out


def _evidence_loader(session: Session, info: EvidenceInfo) -> Callable[[], bytes]:
    return lambda: stored_bytes(session, info.archive_path, info.sha256, info.name)


def _report_loader(
    session: Session, submission: Submission, unit: str | None
) -> Callable[[], bytes]:
    relative, digest, source = submission.archive_path, submission.sha256, submission.source_name

    def load() -> bytes:
        assert relative is not None
        originals = originals_of(session)
        kept = originals.read(session, relative)
        if kept is None or hashlib.sha256(kept).hexdigest() != digest:
            state = "找不到了" if kept is None else "已损坏（内容与收取时不一致）"
            raise UserError(
                f"{unit or ''}的报送表“{source}”原件{state}（{originals.where}的 {relative}）。"
                "请从备份恢复后再导出。"
            )
        return kept

    return load


class _Writer:
    """Writes each distinct content (SHA-256) once, numbering its pages in 目录 order."""

    def __init__(self, staging: Path, county: bool) -> None:
        self.staging = staging
        self.county = county
        self.page = 0
        self.written = 0
        self.filed: dict[str, IndexRow] = {}  # sha256 → the row of the copy written
        self.taken: dict[str, set[str]] = {}

    def name(self, folder: str, prefix: str, file: _File) -> str:
        """The file's name in ``folder``: ``prefix-[unit-]name``, unique there."""
        unit = file.department if self.county else None
        return _numbered_name(prefix, unit, file.name, self.taken.setdefault(folder, set()))

    def write(self, folder: str, name: str, file: _File, row: IndexRow) -> IndexRow:
        (self.staging / folder).mkdir(exist_ok=True)
        content = file.load()
        (self.staging / folder / name).write_bytes(content)
        self.written += 1
        row.pages = page_count(file.name, content)
        del content
        row.file = f"{folder}/{name}"
        if row.pages is not None:
            row.first_page, row.last_page = self.page + 1, self.page + row.pages
            self.page += row.pages
        self.filed[file.sha256] = row
        return row


def _write_files(
    staging: Path, plan: list[_Planned], county: bool
) -> tuple[list[IndexRow], list[str], int]:
    rows: list[IndexRow] = []
    warnings: list[str] = []
    writer = _Writer(staging, county)
    shared: dict[str, tuple[_File, list[str]]] = {}  # sha256 → the file, the items using it
    # (row, sha256 of the file it names, the 报表及附件 entry it goes through or None)
    refs: list[tuple[IndexRow, str, int | None]] = []
    # Bytes some item holds as its own are filed there, not among the shared files.
    owned = {f.sha256 for p in plan for f in p.own}
    for planned in plan:
        item = planned.item

        def row_of(file: _File, item: _Item = item) -> IndexRow:
            return IndexRow(
                number=item.path,
                item_id=item.id,
                item_label=item.label,
                level=item.level,
                kind=file.kind,
                department=file.department,
                sha256=file.sha256,
                bonus=item.bonus,
                deduction=item.deduction,
            )

        if item.children and not planned.own and not planned.shared and not planned.listed:
            rows.append(IndexRow(item.path, item.id, item.label, item.level, heading=True))
            continue
        seen: set[str] = set()  # an item lists the same bytes once
        new: list[tuple[str, _File, IndexRow]] = []
        listed: list[IndexRow] = []
        for file in planned.own:
            if file.sha256 in seen:
                continue
            seen.add(file.sha256)
            row = row_of(file)
            if file.sha256 in writer.filed:
                refs.append((row, file.sha256, None))
                listed.append(row)
            else:
                new.append((writer.name(item.folder, item.prefix, file), file, row))
        # In the order of their names, so that a folder sorted by name reads as the 目录.
        new.sort(key=lambda n: n[0].lower())
        for name, file, row in new:
            writer.write(item.folder, name, file, row)
        listed[:0] = [row for _name, _file, row in new]
        for file in planned.shared:
            if file.sha256 in seen:
                continue
            seen.add(file.sha256)
            row = row_of(file)
            if file.sha256 in owned:
                refs.append((row, file.sha256, None))
            else:
                entry = list(shared).index(file.sha256) if file.sha256 in shared else len(shared)
                shared.setdefault(file.sha256, (file, []))[1].append(item.path)
                refs.append((row, file.sha256, entry))
            listed.append(row)
        for unit, text in planned.listed:
            listed.append(
                IndexRow(
                    item.path,
                    item.id,
                    item.label,
                    item.level,
                    kind=KIND_LISTED,
                    department=unit,
                    listed=f"{unit}：{text}" if unit else text,
                    bonus=item.bonus,
                    deduction=item.deduction,
                )
            )
        rows.extend(
            listed
            or [
                IndexRow(
                    item.path,
                    item.id,
                    item.label,
                    item.level,
                    bonus=item.bonus,
                    deduction=item.deduction,
                )
            ]
        )

    appendix: list[IndexRow] = []
    if shared:
        tops = sum(1 for p in plan if p.item.parent_id is None)
        folder = f"{tops + 1:0{max(2, len(str(tops + 1)))}d} {APPENDIX_TITLE}"
        rows.append(IndexRow(APPENDIX_NUMBER, 0, APPENDIX_TITLE, 1, heading=True, appendix=True))
        for k, (file, users) in enumerate(shared.values(), start=1):
            row = IndexRow(
                number=f"{APPENDIX_NUMBER}{k}",
                item_id=-k,
                item_label="用于 " + "、".join(users),
                level=2,
                kind=file.kind,
                department=file.department,
                appendix=True,
                sha256=file.sha256,
            )
            prefix = f"{APPENDIX_NUMBER}{k:0{max(2, len(str(len(shared))))}d}"
            writer.write(folder, writer.name(folder, prefix, file), file, row)
            appendix.append(row)
        rows.extend(appendix)
    for row, digest, via in refs:
        target = writer.filed[digest]
        row.file, row.first_page, row.last_page = target.file, target.first_page, target.last_page
        if via is not None:
            row.reference = f"见{APPENDIX_TITLE} {appendix[via].number}：{target.file_name}"
        else:
            row.reference = f"见 {target.number}：{target.file_name}"
    return rows, warnings, writer.written


def _index_table(rows: list[IndexRow]) -> tuple[list[list[str]], list[tuple[int, int]]]:
    """The table rows of the 目录 and the (first, last) row spans of each item (merged
    in the 序号 and 考核项目 columns)."""
    table: list[list[str]] = []
    spans: list[tuple[int, int]] = []
    start = 0
    previous: int | None = None
    for row in rows:
        if row.item_id != previous:
            if previous is not None:
                spans.append((start, len(table) - 1))
            start, previous = len(table), row.item_id
        first = len(table) == start
        if row.heading:
            cells = [row.number, row.item_label, "", "", ""]
        else:
            cells = [
                row.number if first else "",
                row.item_label if first else "",
                row.evidence_text,
                row.pages_text,
                row.page_range_text,
            ]
        table.append(cells)
    if previous is not None:
        spans.append((start, len(table) - 1))
    return table, spans


def _write_index(
    path: Path,
    title: str,
    unit: str,
    rows: list[IndexRow],
    *,
    fonts: FontSet | None,
) -> None:
    from foodsafety_desktop.core.word import OfficialDocument

    doc = OfficialDocument(fonts=fonts)
    doc.title(break_title([title, "佐证材料目录"]))
    numbered = [r for r in rows if not r.heading and not r.appendix]
    files = [r for r in rows if r.file and r.reference is None]
    shared = [r for r in files if r.appendix]
    gaps = _missing(rows)
    missing = len(gaps)
    only_listed = any(r.listed for r in gaps)
    items = len({r.item_id for r in numbered})
    pages = max((r.last_page or 0 for r in rows), default=0)
    doc.paragraph(
        f"被考核单位：{unit}。共{items}项考核内容，佐证材料{len(files)}个文件"
        + (f"（其中多项共用的报表及附件{len(shared)}个，收在最后）" if shared else "")
        + (f"，按本目录顺序装订共{pages}页" if pages else "")
        + (
            f"；其中{missing}项尚无佐证材料"
            + ("文件（标“无”或只有报送表所列）。" if only_listed else "（标“无”）。")
            if missing
            else "。"
        )
    )
    table, spans = _index_table(rows)
    doc.table(
        INDEX_HEADER,
        table,
        col_widths_mm=INDEX_WIDTHS_MM,
        font_size_pt=INDEX_FONT_PT,
        align=("center", "left", "left", "center", "center"),
    )
    _merge_spans(doc, rows, spans)
    doc.note(PAGE_NOTE)
    doc.save(path)


def _merge_spans(doc: OfficialDocument, rows: list[IndexRow], spans: list[tuple[int, int]]) -> None:
    """Merge the 序号 and 考核项目 cells of an item's files into one (vertically), and a
    heading's empty cells across (so a 一级项目 reads as a band)."""
    table = doc.document.tables[-1]
    for first, last in spans:
        if rows[first].heading:
            cells = table.rows[first + 1].cells
            cells[1].merge(cells[4])
            continue
        if last > first:
            for column in (0, 1):
                table.cell(first + 1, column).merge(table.cell(last + 1, column))


def _move_into_place(staging: Path, target: Path) -> None:
    """Rename the staging folder to ``target``; an existing (empty or overwritten)
    target is moved aside first and removed only once the new one is in place."""
    old: Path | None = None
    if target.exists():
        old = target.with_name(f".~{target.name}.old-{os.getpid()}")
        if old.exists():
            shutil.rmtree(old, ignore_errors=True)
        os.replace(target, old)
    try:
        os.replace(staging, target)
    except BaseException:
        if old is not None:
            os.replace(old, target)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _zip_into_place(staging: Path, target: Path) -> None:
    """Zip the staging folder under a root folder named as the zip; the zip appears
    atomically (``fileio.write_atomically``: a partial file beside it, then moved)."""
    from foodsafety_desktop.core.fileio import write_atomically

    root = safe_file_name(target.stem) or "考核档案"

    def write(partial: Path) -> None:
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(staging.rglob("*")):
                if not path.is_dir():
                    archive.write(path, f"{root}/{path.relative_to(staging).as_posix()}")

    write_atomically(target, write, program="压缩软件")
