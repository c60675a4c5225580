"""评议考核评分: the units' 自评表, their 自评分, the office's 考核得分, totals and ranking.

Which units a 细则 scores: for 乡镇 every department of kind township (乡镇/街道); for
成员单位 every department of kind department that is not the office itself (the 食安委's
member units as 部门管理 knows them).  A unit that already has a score or a 自评表 for
the 细则 is always listed.

How the totals are counted (``score_table``), by the rules of the 细则 import
(``ParsedAssessment``): only items without items below them (leaves) are scored;
基础分 is the sum of the counted leaves (neither 加分项 nor 扣分项), 加分 the sum of
the 加分项 leaves capped by their heading's points when it has some (加分项（最高加5分）),
扣分 likewise for the 扣分项 leaves; 总分 = 基础分 + 加分 − 扣分.

A unit is *fully scored* when every counted leaf has a 考核得分; a 加分项 or 扣分项
without one counts 0 (nothing added, nothing taken off).  A unit not fully scored keeps
the total of what has been scored, is flagged (``missing``) and is left out of the
ranking and the 等次: its 自评分 is never used in place of a 考核得分.  Ranks are shared
by equal totals (1, 2, 2, 4).  The 等次 are a documented default (``DEFAULT_GRADES``:
优秀 ≥ 90, 良好 ≥ 80, 合格 ≥ 60, else 不合格), replaceable per call.

A returned 自评表 is refused, with every problem and its cell in one message, when a
locked cell of the 细则 (序号, 考核内容, 分值, 评分标准, 佐证材料要求; signed in version
2, compared with the stored 细则 in version 1 files), its 填报单位 or 考核年度 was
edited, or a 自评分 is not a number in 0..分值.  ``accept_self_scores`` takes a unit's
自评分 as its 考核得分 through ``set_score``'s checks and audit.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from foodsafety_desktop.core.dates import cn_datetime, local_time
from foodsafety_desktop.core.errors import UserError
from foodsafety_desktop.core.excel import self_assessment as sheet
from foodsafety_desktop.core.excel.identity import verify as verify_signature
from foodsafety_desktop.core.names import is_office_name
from foodsafety_desktop.core.services import audit
from foodsafety_desktop.core.services.assessment import (
    KIND_TOWNSHIP,
    assessment_items,
    assessment_row,
    format_points,
    item_paths,
)
from foodsafety_desktop.core.services.assessment import (
    find_item as find_stored_item,
)
from foodsafety_desktop.core.storage.models import (
    Assessment,
    AssessmentItem,
    AssessmentScore,
    AssessmentSubmission,
    Department,
    DepartmentAlias,
    Plan,
)
from foodsafety_desktop.core.storage.originals import (
    originals_of,
    self_assessment_original_path,
)
from foodsafety_desktop.core.terms import KIND_DEPARTMENT
from foodsafety_desktop.core.terms import KIND_TOWNSHIP as DEPT_TOWNSHIP

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from foodsafety_desktop.core.storage.database import Database

__all__ = [
    "DEFAULT_GRADES",
    "Deduction",
    "ItemScore",
    "ScoreChange",
    "ScoreItem",
    "ScoreTable",
    "SelfImport",
    "Totals",
    "UnitScores",
    "accept_self_scores",
    "assessment_office",
    "assessment_place",
    "assessment_plan",
    "assessment_units",
    "find_item",
    "find_unit",
    "grade_of",
    "import_self_assessment",
    "import_self_assessments",
    "score_table",
    "self_template_filename",
    "set_score",
    "write_self_template",
    "write_self_templates",
]

# (lowest total, 等次), highest first: the usual 评议考核 bands, a default only.
DEFAULT_GRADES: tuple[tuple[float, str], ...] = (
    (90.0, "优秀"),
    (80.0, "良好"),
    (60.0, "合格"),
    (float("-inf"), "不合格"),
)
_EPSILON = 0.005
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


def _round(value: float) -> float:
    return round(value + 0.0, 2)


# --- the 细则 as a scoring tree -------------------------------------------------------


@dataclass
class ScoreItem:
    """One item of the 细则 as the score table shows it."""

    id: int
    parent_id: int | None
    level: int
    number: str
    title: str
    points: float | None
    bonus: bool
    deduction: bool
    leaf: bool  # scored itself (no items below it)
    path: str  # 二.5 / 三.（一）.1 / 加分项.1: how the command line names it
    top_id: int  # its 一级项目
    rule: str | None = None
    evidence: str | None = None

    @property
    def counted(self) -> bool:
        return not (self.bonus or self.deduction)

    @property
    def label(self) -> str:
        number = self.number
        if number and number[-1] not in "）)":
            number += "、" if self.level == 1 and not number.isdigit() else "."
        return f"{number}{self.title}"

    @property
    def points_label(self) -> str:
        if self.points is None:
            return ""
        sign = "加" if self.bonus else "扣" if self.deduction else ""
        if self.bonus and not self.leaf:
            sign = "最高加"
        return f"{sign}{format_points(self.points)}"


def _items(session: Session, assessment_id: int) -> list[ScoreItem]:
    rows = assessment_items(session, assessment_id)
    paths = item_paths(rows)
    parents = {r.parent_id for r in rows if r.parent_id is not None}
    by_id: dict[int, ScoreItem] = {}
    items: list[ScoreItem] = []
    for r in rows:
        parent = by_id.get(r.parent_id) if r.parent_id is not None else None
        item = ScoreItem(
            id=r.id,
            parent_id=r.parent_id,
            level=r.level,
            number=r.number,
            title=r.title,
            points=r.points,
            bonus=r.bonus,
            deduction=r.deduction,
            leaf=r.id not in parents,
            path=paths[r.id],
            top_id=parent.top_id if parent else r.id,
            rule=r.rule,
            evidence=r.evidence,
        )
        by_id[r.id] = item
        items.append(item)
    return items


def find_item(session: Session, assessment_id: int, ref: str | int) -> ScoreItem:
    """The item ``ref`` names (see ``services.assessment.find_item``), as scored."""
    wanted = find_stored_item(session, assessment_id, ref).id
    return next(i for i in _items(session, assessment_id) if i.id == wanted)


# --- units ----------------------------------------------------------------------------


def _is_office(session: Session, name: str) -> bool:
    from foodsafety_desktop.core.services.settings import (
        OFFICE_NAME,
        get_setting,
        office_department,
    )

    return (
        is_office_name(name)
        or name == office_department(session)
        or name == (get_setting(session, OFFICE_NAME) or None)
    )


def assessment_units(session: Session, assessment_id: int) -> list[Department]:
    """The units the 细则 scores (see the module docstring), by name."""
    assessment = assessment_row(session, assessment_id)
    kind = DEPT_TOWNSHIP if assessment.kind == KIND_TOWNSHIP else KIND_DEPARTMENT
    units = [
        d
        for d in session.scalars(select(Department).where(Department.kind == kind))
        if kind == DEPT_TOWNSHIP or not _is_office(session, d.name)
    ]
    known = {d.id for d in units}
    item_ids = select(AssessmentItem.id).where(AssessmentItem.assessment_id == assessment_id)
    extra = set(
        session.scalars(
            select(AssessmentScore.department_id).where(AssessmentScore.item_id.in_(item_ids))
        )
    ) | set(
        session.scalars(
            select(AssessmentSubmission.department_id).where(
                AssessmentSubmission.assessment_id == assessment_id
            )
        )
    )
    for dep_id in sorted(extra - known):
        department = session.get(Department, dep_id)
        if department is not None:
            units.append(department)
    return sorted(units, key=lambda d: (d.name, d.id))


def find_unit(session: Session, assessment_id: int, name: str) -> Department:
    """The unit called ``name`` (its name or an alias) among the 细则's units."""
    text = "".join((name or "").split())
    units = assessment_units(session, assessment_id)
    for unit in units:
        if unit.name == text:
            return unit
    alias = session.scalar(select(DepartmentAlias).where(DepartmentAlias.alias == text))
    if alias is not None:
        for unit in units:
            if unit.id == alias.department_id:
                return unit
    names = "、".join(u.name for u in units[:12]) + ("等" if len(units) > 12 else "")
    listed = f"可选的单位：{names}。" if units else "还没有可考核的单位，请先在“部门管理”中添加。"
    raise UserError(f"“{name}”不是这份考核细则的考核对象。{listed}")


def _check_unit(session: Session, assessment_id: int, department_id: int) -> Department:
    for unit in assessment_units(session, assessment_id):
        if unit.id == department_id:
            return unit
    department = session.get(Department, department_id)
    if department is None:
        raise UserError(f"未找到单位（编号 {department_id}），可能已被删除或合并。")
    kind = assessment_row(session, assessment_id).kind
    raise UserError(f"“{department.name}”不是对{kind}考核的考核对象，不能为它评分或生成自评表。")


# --- the 自评表 -----------------------------------------------------------------------


def self_template_filename(assessment: Assessment, department: Department) -> str:
    """``2026年度-城关镇-自评表.xlsx`` (characters Windows forbids → _)."""
    name = _UNSAFE.sub("_", f"{assessment.year}年度-{department.name}-自评表").strip()
    return f"{name.rstrip('. ')}.xlsx"


def _self_rows(items: list[ScoreItem]) -> list[sheet.SelfRow]:
    rows = []
    for offset, item in enumerate(items):
        rows.append(
            sheet.SelfRow(
                row=sheet.FIRST_DATA_ROW + offset,
                item_id=item.id,
                seq=item.number,
                title=item.title,
                level=item.level,
                points=item.points,
                points_label=item.points_label,
                rule=item.rule or "",
                evidence=item.evidence or "",
                heading=not item.leaf,
                bonus=item.bonus,
                deduction=item.deduction,
            )
        )
    return rows


def assessment_plan(session: Session, assessment: Assessment) -> Plan | None:
    """The ledger plan a 考核 belongs with: of the plans not archived, one whose years
    hold the 考核's year (else any), the latest imported; None without a plan."""
    from foodsafety_desktop.core.storage.models import Plan

    plans = list(
        session.scalars(
            select(Plan).where(Plan.archived.is_(False)).order_by(Plan.imported_at, Plan.id)
        )
    )

    def holds(plan: Plan) -> bool:
        start = plan.year_start or plan.year_end
        end = plan.year_end or plan.year_start
        return start is not None and end is not None and start <= assessment.year <= end

    return next((p for p in reversed(plans) if holds(p)), plans[-1] if plans else None)


def assessment_place(session: Session, assessment: Assessment) -> tuple[str, str]:
    """(place, level) a 考核 is for: the place of its plan as the other documents name
    it (郑州经济技术开发区, 区), else the one the 细则 title starts with (经开区), else
    ("", the plan's level or 县)."""
    from foodsafety_desktop.core.names import jurisdiction_level
    from foodsafety_desktop.core.places import find_place
    from foodsafety_desktop.core.services.office import place_of_plan

    plan = assessment_plan(session, assessment)
    place = place_of_plan(plan) or find_place(title=assessment.title) or ""
    level = (
        jurisdiction_level(place)
        or jurisdiction_level(plan.jurisdiction if plan is not None else None)
        or "县"
    )
    return place, level


def assessment_office(session: Session, assessment: Assessment) -> tuple[str, str]:
    """(name, contact text) of the office as its 考核 documents sign: the setting
    office_name, else the full name the plan's documents sign with
    (郑州经济技术开发区食品安全委员会办公室, ``services.office``)."""
    from foodsafety_desktop.core.places import office_name_of
    from foodsafety_desktop.core.services.office import Office, office_settings

    settings = office_settings(session)
    place, level = assessment_place(session, assessment)
    name = settings.name or office_name_of(place or None, level)
    office = Office(name, settings.contact or "", settings.phone or "", settings.email or "")
    return office.name, office.contact_text()


def _write_one(
    session: Session,
    assessment: Assessment,
    department: Department,
    items: list[ScoreItem],
    path: Path,
    now: dt.datetime,
) -> Path:
    from foodsafety_desktop.core.services.settings import (
        TEMPLATE_PASSWORD,
        get_setting,
        office_secret,
    )

    rows = _self_rows(items)
    identity = sheet.SelfIdentity(
        assessment_id=assessment.id,
        assessment_title=assessment.title,
        year=assessment.year,
        kind=assessment.kind,
        department_id=department.id,
        department_name=department.name,
        generated_at=now.replace(microsecond=0).isoformat(),
        rows=tuple((r.row, r.item_id, r.text_sha1, r.points) for r in rows if not r.heading),
        locked=tuple((r.row, r.locked_digests()) for r in rows),
    )
    name, contact = assessment_office(session, assessment)
    if path.suffix.lower() != ".xlsx":
        path = path.with_name(path.name + ".xlsx")
    if not path.parent.is_dir():
        raise UserError(f"无法写入文件：文件夹“{path.parent}”不存在，请换一个保存位置。")
    return sheet.write_self_workbook(
        path,
        identity=identity,
        rows=rows,
        secret=office_secret(session),
        office_name=name,
        office_contact=contact,
        password=get_setting(session, TEMPLATE_PASSWORD) or None,
    )


def write_self_template(
    db: Database, assessment_id: int, department_id: int, path: str | os.PathLike[str]
) -> Path:
    """Write the unit's 自评表 for the 细则 to ``path`` (``.xlsx`` added) and return it."""
    with db.session() as session:
        assessment = assessment_row(session, assessment_id)
        department = _check_unit(session, assessment_id, department_id)
        items = _items(session, assessment_id)
        return _write_one(session, assessment, department, items, Path(path), dt.datetime.now())


def write_self_templates(
    db: Database,
    assessment_id: int,
    folder: str | os.PathLike[str],
    *,
    department_ids: Sequence[int] | None = None,
    user: str | None = None,
) -> list[Path]:
    """One 自评表 per unit (all the 细则's units, or ``department_ids``) into ``folder``
    (created when missing); one audit entry."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"无法创建文件夹“{folder}”（{exc.strerror or exc}）。") from exc
    with db.session() as session:
        assessment = assessment_row(session, assessment_id)
        if department_ids is None:
            units = assessment_units(session, assessment_id)
        else:
            units = [_check_unit(session, assessment_id, d) for d in department_ids]
        if not units:
            what = "乡镇/街道" if assessment.kind == KIND_TOWNSHIP else "部门"
            raise UserError(
                f"还没有可考核的{assessment.kind}：请先在“部门管理”中添加{what}，再生成自评表。"
            )
        items = _items(session, assessment_id)
        now = dt.datetime.now()
        paths: list[Path] = []
        used: set[str] = set()
        for unit in units:
            name = self_template_filename(assessment, unit)
            if name.lower() in used:
                name = f"{Path(name).stem}-{unit.id}.xlsx"
            used.add(name.lower())
            paths.append(_write_one(session, assessment, unit, items, folder / name, now))
        audit.record(
            session,
            user=user or "未知用户",
            action="assessment.templates",
            entity="assessment",
            entity_id=assessment.id,
            summary=f"生成{assessment.year}年度对{assessment.kind}考核的自评表 {len(paths)} 份",
            detail={"folder": str(folder), "files": [p.name for p in paths]},
        )
        return paths


@dataclass
class SelfImport:
    """What ``import_self_assessment`` did with one file."""

    file_name: str
    status: str  # "imported", "skipped" (已导入过) or, in a batch, "failed"
    message: str
    assessment_id: int | None = None
    department_id: int | None = None
    department_name: str | None = None
    submission_id: int | None = None
    replaced_submission_id: int | None = None
    scores: dict[int, float | None] = field(default_factory=dict)  # item id → 自评分
    self_total: float | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def already_imported(self) -> bool:
        return self.status == "skipped"


_NUMBER = re.compile(r"^[+＋]?\s*(\d+(?:[.．]\d+)?)\s*分?$")


def _number(value: Any) -> float | str | None:
    """A 自评分 cell as a number, None for empty, or the text when it is not a number."""
    if value is None:
        return None
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float)):
        return float(value)
    text = str(value).strip().translate(str.maketrans("０１２３４５６７８９．", "0123456789."))
    if not text:
        return None
    if m := _NUMBER.match(text):
        return float(m.group(1))
    return text


@dataclass
class _Checked:
    identity: sheet.SelfIdentity
    department: Department
    scores: dict[int, tuple[float | None, str | None]]  # item id → (自评分, 说明)
    warnings: list[str]


def _check_workbook(session: Session, book: sheet.SelfWorkbook, expected: int | None) -> _Checked:
    from foodsafety_desktop.core.services.settings import office_secret

    path = book.path
    parsed = sheet.parse_identity(book.identity_values or {})
    if parsed is None:
        raise UserError(
            "文件中没有自评表的识别信息（可能是自己新建的表格，或复制到了其他文件中）；"
            "请使用本办下发的自评表填报。",
            file=path,
        )
    identity, signature = parsed
    if not verify_signature(identity, signature, office_secret(session)):
        raise UserError(
            "自评表的识别信息校验失败：这份自评表不是本台账生成的（其他单位或其他电脑的自评表），"
            "或识别信息被改动过。请使用本办下发的自评表。",
            file=path,
        )
    assessment = session.get(Assessment, identity.assessment_id)
    if assessment is None:
        raise UserError(
            f"这份自评表对应的考核细则（编号 {identity.assessment_id}，"
            f"《{identity.assessment_title}》）已不存在，可能已被替换；请重新下发自评表。",
            file=path,
        )
    if expected is not None and assessment.id != expected:
        raise UserError(
            f"这是{assessment.year}年度对{assessment.kind}考核"
            f"（细则编号 {assessment.id}）的自评表，"
            f"不是细则编号 {expected} 的。",
            file=path,
        )
    department = session.get(Department, identity.department_id)
    if department is None:
        raise UserError(
            f"自评表的填报单位“{identity.department_name}”已不存在（可能已被合并或删除）。",
            file=path,
        )
    items = {i.id: i for i in _items(session, assessment.id)}
    by_row = {r[0]: items.get(r[1]) for r in identity.rows}
    problems: list[tuple[str, str]] = []  # (cell, message): all of them in one error
    problems.extend(_header_problems(book, identity))
    locked = identity.locked
    if identity.format == sheet.FORMAT_V1:
        # sent out before the locked cells were signed: the rows of items checked
        # against the 细则 as it is (they cannot have changed: the 考核内容 digest
        # and the item ids still match, or the file is refused below)
        locked = tuple(
            (
                row,
                sheet.SelfRow(
                    row,
                    item.id,
                    item.number,
                    item.title,
                    item.level,
                    item.points,
                    item.points_label,
                    item.rule or "",
                    item.evidence or "",
                    False,
                ).locked_digests(),
            )
            for row, item in by_row.items()
            if item is not None and item.leaf
        )
    for row, digests in locked:
        values = book.cells.get(row, {})
        for key, digest in zip(sheet.LOCKED_KEYS, digests, strict=True):
            if key == "title" and row in by_row:
                continue  # checked below against the 细则's wording (also in version 1)
            if sheet.locked_digest(values.get(key)) != digest:
                title = sheet.COLUMN_BY_KEY[key].title
                problems.append(
                    (
                        sheet.cell(key, row),
                        f"{title}被改动过（现为“{_shown(values.get(key))}”）；{title}来自考核细则，"
                        "不能修改",
                    )
                )
    scores: dict[int, tuple[float | None, str | None]] = {}
    warnings: list[str] = []
    for row, item_id, digest, points in identity.rows:
        item = items.get(item_id)
        if item is None or not item.leaf:
            raise UserError(
                "自评表中的考核项目与现在的考核细则不一致（细则已修改），请重新下发自评表。",
                file=path,
                sheet=sheet.SHEET,
                cell=sheet.cell("title", row),
            )
        values = book.cells.get(row, {})
        if sheet.text_sha1(values.get("title")) != digest:
            problems.append(
                (
                    sheet.cell("title", row),
                    f"考核内容被改动过（应为“{item.title}”）；考核内容不能修改",
                )
            )
        value = _number(values.get("score"))
        where = sheet.cell("score", row)
        limit = item.points if item.points is not None else points
        if isinstance(value, str):
            problems.append(
                (where, f"自评分“{value}”不是数字；请只填数字（0 到 {format_points(limit)}）")
            )
            continue
        if value is not None and (value < 0 or (limit is not None and value > limit + _EPSILON)):
            problems.append(
                (
                    where,
                    f"“{item.label}”的自评分 {format_points(value)} 超出范围："
                    f"应在 0 到 {format_points(limit)} 之间"
                    + ("（扣分项填应扣的分数）" if item.deduction else ""),
                )
            )
            continue
        note_parts = [str(v).strip() for v in (values.get("note"),) if v not in (None, "")]
        evidence = values.get("evidence_list")
        if evidence not in (None, ""):
            note_parts.append(f"佐证材料：{str(evidence).strip()}")
        note = "\n".join(note_parts) or None
        if value is None and item.counted:
            warnings.append(f"单元格 {where}：“{item.label}”没有填写自评分。")
        scores[item_id] = (None if value is None else _round(value), note)
    if problems:
        raise _problems_error(path, problems)
    return _Checked(identity=identity, department=department, scores=scores, warnings=warnings)


MAX_PROBLEMS = 10


def _shown(value: Any, limit: int = 20) -> str:
    text = "" if value is None else sheet._text(value).strip()
    return text if len(text) <= limit else text[:limit] + "…"


def _header_problems(
    book: sheet.SelfWorkbook, identity: sheet.SelfIdentity
) -> list[tuple[str, str]]:
    """The locked 填报单位 and 考核年度 cells against the signed identity: a 自评表
    made for one unit and edited to show another's name is not that unit's."""
    from foodsafety_desktop.core.excel.identity import squash

    problems = []
    expected = (
        (sheet.DEPARTMENT_CELL, "department", "填报单位", identity.department_name),
        (sheet.PERIOD_CELL, "period", "考核年度", f"{identity.year}年度（对{identity.kind}）"),
    )
    for ref, key, label, want in expected:
        raw = book.header.get(key, "")
        got = squash(raw)
        for prefix in (label + ":", label):
            if got.startswith(prefix):
                got = got[len(prefix) :]
                break
        if not got or got == squash(want):
            continue  # an emptied cell claims nothing
        shown = raw.split("：", 1)[-1].strip() if "：" in raw else raw.strip()
        if key == "department":
            message = (
                f"填报单位被改为“{shown}”，但这份自评表是下发给“{want}”的；"
                f"“{shown}”请使用下发给本单位的自评表填报"
            )
        else:
            message = f"考核年度被改为“{shown}”，这份自评表是“{want}”的；考核年度不能修改"
        problems.append((ref, message))
    return problems


def _problems_error(path: Path, problems: list[tuple[str, str]]) -> UserError:
    """One UserError listing every problem (up to ``MAX_PROBLEMS``), each with its
    cell (the error's own cell when there is only one)."""
    if len(problems) == 1:
        ref, message = problems[0]
        return UserError(
            f"{message}。请在下发的自评表中改正后重新报送。", file=path, sheet=sheet.SHEET, cell=ref
        )
    shown = problems[:MAX_PROBLEMS]
    lines = [f"自评表中有 {len(problems)} 处问题，请改正后重新报送："]
    lines += [f"{n}. 单元格 {ref}：{message}。" for n, (ref, message) in enumerate(shown, 1)]
    if len(problems) > len(shown):
        lines.append(f"……另有 {len(problems) - len(shown)} 处，改正以上各处后再导入即可看到。")
    # no cell of its own: the location would name only the first of them
    return UserError("\n".join(lines), file=path, sheet=sheet.SHEET)


def _self_total(items: list[ScoreItem], values: dict[int, float | None]) -> float:
    return _totals(items, values).total


def import_self_assessment(
    db: Database,
    path: str | os.PathLike[str],
    *,
    user: str,
    assessment_id: int | None = None,
) -> SelfImport:
    """Import one returned 自评表 in one transaction: the original kept, an
    ``AssessmentSubmission`` replacing the unit's current one, the 自评分 and 说明 of
    every item set.  UserError (file, sheet, cell) when the file is not a valid 自评表
    of this ledger (or not of ``assessment_id``) or a 自评分 is not a number in
    0..分值: nothing is changed.  The same file again is ``status == "skipped"``."""
    path = Path(path)
    book = sheet.read_self_workbook(path)
    for attempt in range(2):
        try:
            return _import_once(db, book, user, assessment_id)
        except IntegrityError:
            # Another clerk stored this file, or this unit's 自评表, in the meantime:
            # look again (the file is then 已导入过, or it replaces theirs).
            if attempt:
                raise
    raise AssertionError("unreachable")


def _lock(session: Session, assessment_id: int) -> None:
    """Serialise the writes of two clerks to one 细则's 自评 and scores (as
    ``collect.commit.lock_for_collect`` does for a period): SQLite ``BEGIN IMMEDIATE``
    before anything is read, else the 细则's row ``SELECT … FOR UPDATE``.  The unique
    indexes (one current 自评表 per unit, one file once) back it up."""
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        raw = connection.connection.dbapi_connection
        if raw is not None and not getattr(raw, "in_transaction", True):
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        return
    session.execute(select(Assessment.id).where(Assessment.id == assessment_id).with_for_update())


def _already(
    session: Session, book: sheet.SelfWorkbook, assessment_id: int
) -> AssessmentSubmission | None:
    return session.scalar(
        select(AssessmentSubmission).where(
            AssessmentSubmission.assessment_id == assessment_id,
            AssessmentSubmission.sha256 == book.sha256,
        )
    )


def _import_once(
    db: Database, book: sheet.SelfWorkbook, user: str, expected: int | None
) -> SelfImport:
    parsed = sheet.parse_identity(book.identity_values or {})
    with db.session() as session:
        if parsed is not None:
            _lock(session, parsed[0].assessment_id)
        checked = _check_workbook(session, book, expected)
        identity, department = checked.identity, checked.department
        assessment = assessment_row(session, identity.assessment_id)
        done = _already(session, book, assessment.id)
        if done is not None:
            return SelfImport(
                file_name=book.file_name,
                status="skipped",
                message=(
                    f"已导入过：{department.name}的这份自评表"
                    f"（{cn_datetime(local_time(done.received_at))}导入），跳过。"
                ),
                assessment_id=assessment.id,
                department_id=department.id,
                department_name=department.name,
                submission_id=done.id,
            )
        relative = self_assessment_original_path(assessment.id, book.file_name, book.sha256)
        originals = originals_of(session)
        if not originals.has(session, relative):
            originals.keep(session, relative, book.content)
        old = session.scalar(
            select(AssessmentSubmission).where(
                AssessmentSubmission.assessment_id == assessment.id,
                AssessmentSubmission.department_id == department.id,
                AssessmentSubmission.is_current.is_(True),
            )
        )
        if old is not None:
            session.execute(
                update(AssessmentSubmission)
                .where(AssessmentSubmission.id == old.id)
                .values(is_current=False)
            )
            session.flush()
        submission = AssessmentSubmission(
            assessment_id=assessment.id,
            department_id=department.id,
            received_at=dt.datetime.now(dt.timezone.utc).replace(tzinfo=None),
            source_name=book.file_name,
            sha256=book.sha256,
            archive_path=relative,
            reporter=book.header.get("reporter") or None,
            phone=book.header.get("phone") or None,
            filled_on=book.header.get("filled_on") or None,
            is_current=True,
            replaced_submission_id=old.id if old is not None else None,
            warnings_json=json.dumps(checked.warnings, ensure_ascii=False)
            if checked.warnings
            else None,
        )
        session.add(submission)
        session.flush()
        existing = {
            s.item_id: s
            for s in session.scalars(
                select(AssessmentScore).where(
                    AssessmentScore.department_id == department.id,
                    AssessmentScore.item_id.in_(list(checked.scores)),
                )
            )
        }
        for item_id, (value, note) in checked.scores.items():
            row = existing.get(item_id)
            if row is None:
                row = AssessmentScore(item_id=item_id, department_id=department.id)
                session.add(row)
            row.self_score, row.self_note, row.self_submission_id = value, note, submission.id
        session.flush()
        items = _items(session, assessment.id)
        values = {k: v for k, (v, _n) in checked.scores.items()}
        total = _self_total(items, values)
        replaced = f"（替换{old.source_name}）" if old is not None else ""
        audit.record(
            session,
            user=user,
            action="assessment.self_import",
            entity="assessment",
            entity_id=assessment.id,
            summary=(
                f"收取{department.name}的{assessment.year}年度自评表“{book.file_name}”，"
                f"自评总分 {format_points(total)} 分{replaced}"
            ),
            detail={
                "单位": department.name,
                "文件": book.file_name,
                "sha256": book.sha256,
                "自评总分": total,
                "submission_id": submission.id,
                "replaced_submission_id": old.id if old is not None else None,
            },
        )
        return SelfImport(
            file_name=book.file_name,
            status="imported",
            message=(
                f"已导入{department.name}的自评表，自评总分 {format_points(total)} 分{replaced}。"
            ),
            assessment_id=assessment.id,
            department_id=department.id,
            department_name=department.name,
            submission_id=submission.id,
            replaced_submission_id=old.id if old is not None else None,
            scores=values,
            self_total=total,
            warnings=checked.warnings,
        )


def import_self_assessments(
    db: Database,
    paths: Sequence[str | os.PathLike[str]],
    *,
    user: str,
    assessment_id: int | None = None,
) -> list[SelfImport]:
    """Import each file in its own transaction; a file that fails is reported
    (``status == "failed"``, the message naming file, sheet and cell) and changes
    nothing, the others go on."""
    results = []
    for path in paths:
        try:
            results.append(import_self_assessment(db, path, user=user, assessment_id=assessment_id))
        except UserError as exc:
            results.append(SelfImport(file_name=Path(path).name, status="failed", message=str(exc)))
    return results


# --- 考核得分 -------------------------------------------------------------------------


@dataclass
class ScoreChange:
    item_id: int
    department_id: int
    before: float | None
    after: float | None
    before_reason: str | None
    after_reason: str | None


def set_score(
    db: Database,
    item_id: int,
    department_id: int,
    *,
    score: float | None,
    reason: str | None,
    user: str,
) -> ScoreChange:
    """Set (or with ``score`` None clear) the unit's 考核得分 on a leaf item, with its
    reason; one transaction, one audit entry with the old and new values.

    The score is 0..分值 (for a 扣分项 the points taken off, for a 加分项 those added);
    a reason is required when a counted item gets less than its 分值 and for any
    deduction (a 扣分项 above 0)."""
    with db.session() as session:
        return _set_score(session, item_id, department_id, score=score, reason=reason, user=user)


def _set_score(
    session: Session,
    item_id: int,
    department_id: int,
    *,
    score: float | None,
    reason: str | None,
    user: str,
) -> ScoreChange:
    reason = (reason or "").strip() or None
    assessment_id = session.scalar(
        select(AssessmentItem.assessment_id).where(AssessmentItem.id == item_id)
    )
    if assessment_id is None:
        raise UserError(f"没有编号为 {item_id} 的考核项目。")
    _lock(session, assessment_id)
    item_row = session.get(AssessmentItem, item_id)
    assert item_row is not None
    items = {i.id: i for i in _items(session, item_row.assessment_id)}
    item = items[item_id]
    department = _check_unit(session, item_row.assessment_id, department_id)
    if not item.leaf:
        raise UserError(
            f"“{item.label}”下面还有考核项目，请为下面的各项分别评分（它的得分是各项之和）。"
        )
    if score is not None:
        if isinstance(score, bool) or not isinstance(score, (int, float)):
            raise UserError(f"考核得分应为数字，而不是“{score}”。")
        score = _round(float(score))
        if item.points is None:
            raise UserError(f"“{item.label}”在考核细则中没有分值，无法评分；请核对考核细则。")
        if score < 0 or score > item.points + _EPSILON:
            what = "扣分" if item.deduction else "加分" if item.bonus else "考核得分"
            raise UserError(
                f"“{item.label}”的{what}应在 0 到 {format_points(item.points)} 之间，"
                f"而不是 {format_points(score)}。"
            )
        lost = item.counted and score < item.points - _EPSILON
        if (lost or (item.deduction and score > 0)) and not reason:
            what = "扣分" if item.deduction else f"失 {format_points(item.points - score)} 分"
            raise UserError(f"“{item.label}”{what}，请写明扣分原因（命令行 --reason）。")
    row = session.scalar(
        select(AssessmentScore).where(
            AssessmentScore.item_id == item_id, AssessmentScore.department_id == department.id
        )
    )
    if row is None:
        row = AssessmentScore(item_id=item_id, department_id=department.id)
        session.add(row)
    before, before_reason = row.score, row.reason
    row.score = score
    row.reason = reason if score is not None else None
    row.scored_at = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    row.scored_by = user
    session.flush()
    shown = "清除" if score is None else f"{format_points(score)} 分"
    audit.record(
        session,
        user=user,
        action="assessment.score",
        entity="assessment",
        entity_id=item_row.assessment_id,
        summary=f"{department.name}“{item.label}”考核得分：{shown}",
        detail={
            "单位": department.name,
            "考核项目": f"{item.path} {item.title}",
            "item_id": item_id,
            "department_id": department.id,
            "before": {"考核得分": before, "扣分原因": before_reason},
            "after": {"考核得分": score, "扣分原因": row.reason},
        },
    )
    return ScoreChange(item_id, department.id, before, score, before_reason, row.reason)


def _self_reason(note: str | None) -> str:
    """The unit's own 自评说明 (without its 佐证材料 list) as the reason of an
    accepted 自评分 below the item's 分值."""
    lines = [
        line.strip()
        for line in (note or "").splitlines()
        if line.strip() and not line.strip().startswith("佐证材料：")
    ]
    return "；".join(lines) or "按单位自评"


def accept_self_scores(
    db: Database,
    assessment_id: int,
    department_id: int,
    *,
    item_ids: Sequence[int] | None = None,
    user: str,
) -> list[ScoreChange]:
    """Take the unit's 自评分 as its 考核得分 (the clerk agrees with them), in one
    transaction, each through ``set_score``'s checks and audit entry; the reason of a
    score below the 分值 (or a 扣分) is the unit's 自评说明.  Without ``item_ids``:
    every leaf with a 自评分 and no 考核得分 yet.  UserError when a named item has no
    自评分; nothing is changed then."""
    with db.session() as session:
        _lock(session, assessment_id)
        department = _check_unit(session, assessment_id, department_id)
        items = {i.id: i for i in _items(session, assessment_id)}
        rows = {
            r.item_id: r
            for r in session.scalars(
                select(AssessmentScore).where(
                    AssessmentScore.department_id == department.id,
                    AssessmentScore.item_id.in_(list(items)),
                )
            )
        }
        if item_ids is None:
            chosen = [
                i.id
                for i in items.values()
                if i.leaf
                and (r := rows.get(i.id)) is not None
                and r.self_score is not None
                and r.score is None
            ]
        else:
            chosen = list(dict.fromkeys(item_ids))
            for item_id in chosen:
                item = items.get(item_id)
                if item is None:
                    raise UserError(f"编号为 {item_id} 的项目不属于这份考核细则。")
                row = rows.get(item_id)
                if item.leaf and (row is None or row.self_score is None):
                    raise UserError(
                        f"{department.name}“{item.label}”没有自评分，无法按自评分认定；"
                        "请直接评分（--score）。"
                    )
        changes = []
        for item_id in chosen:
            row = rows.get(item_id)
            value = row.self_score if row is not None else None
            item = items[item_id]
            lost = (
                value is not None
                and item.points is not None
                and (
                    (item.counted and value < item.points - _EPSILON)
                    or (item.deduction and value > 0)
                )
            )
            reason = _self_reason(row.self_note if row is not None else None) if lost else None
            changes.append(
                _set_score(session, item_id, department.id, score=value, reason=reason, user=user)
            )
        return changes


# --- the score table ------------------------------------------------------------------


@dataclass
class ItemScore:
    item_id: int
    self_score: float | None = None
    self_note: str | None = None
    score: float | None = None
    reason: str | None = None
    scored_by: str | None = None
    scored_at: dt.datetime | None = None


@dataclass
class Totals:
    """基础分, 加分 (capped), 扣分 (capped) and 总分 of one unit, 自评 or 考核."""

    base: float
    bonus: float
    deduction: float
    total: float
    missing: list[int] = field(default_factory=list)  # counted leaves without a value

    @property
    def complete(self) -> bool:
        return not self.missing


@dataclass
class Deduction:
    """One item where a unit lost or had points taken off, with the reason."""

    item_id: int
    path: str
    label: str
    top_title: str
    points_lost: float
    reason: str | None
    deduction_item: bool  # a 扣分项 (else a counted item scored below its 分值)


@dataclass
class UnitScores:
    department_id: int
    name: str
    scores: dict[int, ItemScore]
    self_totals: Totals
    totals: Totals
    rank: int | None = None
    grade: str | None = None
    deductions: list[Deduction] = field(default_factory=list)
    submission_name: str | None = None  # the current 自评表's file name
    submission_at: dt.datetime | None = None

    @property
    def fully_scored(self) -> bool:
        return self.totals.complete


@dataclass
class ScoreTable:
    assessment_id: int
    year: int
    kind: str
    title: str
    items: list[ScoreItem]
    units: list[UnitScores]  # ranked units first (by rank, name), then the others
    grades: tuple[tuple[float, str], ...] = DEFAULT_GRADES
    place: str = ""  # 郑州经济技术开发区 (``assessment_place``), "" when none is known
    level: str = "县"  # 县 / 区 / 市 / 旗: 全区, 区食安办

    @property
    def leaves(self) -> list[ScoreItem]:
        return [i for i in self.items if i.leaf]

    @property
    def not_fully_scored(self) -> list[UnitScores]:
        return [u for u in self.units if not u.fully_scored]

    @property
    def ranked(self) -> list[UnitScores]:
        return [u for u in self.units if u.rank is not None]

    def stats(self) -> tuple[float, float, float] | None:
        """(average, highest, lowest) 总分 of the ranked units; None without any."""
        totals = [u.totals.total for u in self.ranked]
        if not totals:
            return None
        return _round(sum(totals) / len(totals)), max(totals), min(totals)

    def grade_names(self) -> list[str]:
        return [name for _low, name in self.grades]


def grade_of(total: float, grades: Sequence[tuple[float, str]] = DEFAULT_GRADES) -> str:
    for low, name in grades:
        if total >= low - _EPSILON:
            return name
    return grades[-1][1]


def _capped(items: list[ScoreItem], values: dict[int, float | None], flag: str) -> float:
    """Sum of the leaves carrying ``flag``, each outermost flagged heading's sum capped
    by its points when it has some."""
    by_parent: dict[int | None, list[ScoreItem]] = {}
    for item in items:
        by_parent.setdefault(item.parent_id, []).append(item)

    def leaf_sum(item: ScoreItem) -> float:
        if item.leaf:
            return values.get(item.id) or 0.0
        return sum(leaf_sum(c) for c in by_parent.get(item.id, []))

    def walk(item: ScoreItem) -> float:
        if getattr(item, flag):
            got = leaf_sum(item)
            if not item.leaf and item.points is not None:
                got = min(got, item.points)
            return got
        return sum(walk(c) for c in by_parent.get(item.id, []))

    return _round(sum(walk(top) for top in by_parent.get(None, [])))


def _totals(items: list[ScoreItem], values: dict[int, float | None]) -> Totals:
    counted = [i for i in items if i.leaf and i.counted]
    base = _round(sum(values.get(i.id) or 0.0 for i in counted))
    bonus = _capped(items, values, "bonus")
    deduction = _capped(items, values, "deduction")
    missing = [i.id for i in counted if values.get(i.id) is None]
    return Totals(base, bonus, deduction, _round(base + bonus - deduction), missing)


def _ranks(totals: list[float]) -> list[int]:
    """Competition ranks of ``totals`` (1, 2, 2, 4), in the order given."""
    return [1 + sum(1 for other in totals if other > t + _EPSILON) for t in totals]


def score_table(
    session: Session,
    assessment_id: int,
    *,
    grades: Sequence[tuple[float, str]] = DEFAULT_GRADES,
) -> ScoreTable:
    """Every unit of the 细则 (those without any score too) with its item scores,
    自评 and 考核 totals, rank, 等次 and 扣分 items (see the module docstring)."""
    assessment = assessment_row(session, assessment_id)
    items = _items(session, assessment_id)
    by_id = {i.id: i for i in items}
    units = assessment_units(session, assessment_id)
    rows = session.scalars(
        select(AssessmentScore).where(AssessmentScore.item_id.in_(list(by_id)))
    ).all()
    scores: dict[int, dict[int, ItemScore]] = {}
    for r in rows:
        scores.setdefault(r.department_id, {})[r.item_id] = ItemScore(
            item_id=r.item_id,
            self_score=r.self_score,
            self_note=r.self_note,
            score=r.score,
            reason=r.reason,
            scored_by=r.scored_by,
            scored_at=r.scored_at,
        )
    current = {
        s.department_id: s
        for s in session.scalars(
            select(AssessmentSubmission).where(
                AssessmentSubmission.assessment_id == assessment_id,
                AssessmentSubmission.is_current.is_(True),
            )
        )
    }
    result: list[UnitScores] = []
    for unit in units:
        mine = scores.get(unit.id, {})
        self_totals = _totals(items, {k: v.self_score for k, v in mine.items()})
        totals = _totals(items, {k: v.score for k, v in mine.items()})
        deductions = []
        for item in items:
            s = mine.get(item.id)
            if not item.leaf or s is None or s.score is None or item.points is None:
                continue
            lost = item.points - s.score if item.counted else s.score if item.deduction else 0.0
            if lost > _EPSILON:
                deductions.append(
                    Deduction(
                        item_id=item.id,
                        path=item.path,
                        label=item.label,
                        top_title=by_id[item.top_id].title,
                        points_lost=_round(lost),
                        reason=s.reason,
                        deduction_item=item.deduction,
                    )
                )
        sub = current.get(unit.id)
        result.append(
            UnitScores(
                department_id=unit.id,
                name=unit.name,
                scores=mine,
                self_totals=self_totals,
                totals=totals,
                deductions=deductions,
                submission_name=sub.source_name if sub else None,
                submission_at=sub.received_at if sub else None,
            )
        )
    complete = [u for u in result if u.fully_scored]
    for ranked, rank in zip(complete, _ranks([u.totals.total for u in complete]), strict=True):
        ranked.rank = rank
        ranked.grade = grade_of(ranked.totals.total, grades)
    result.sort(key=lambda u: (u.rank is None, u.rank or 0, u.name))
    place, level = assessment_place(session, assessment)
    return ScoreTable(
        assessment_id=assessment.id,
        year=assessment.year,
        kind=assessment.kind,
        title=assessment.title,
        items=items,
        units=result,
        grades=tuple(grades),
        place=place,
        level=level,
    )
