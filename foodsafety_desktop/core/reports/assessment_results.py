"""考核结果.xlsx and the 考核情况通报 (.docx, GB/T 9704) of a 评议考核, from
``services.assessment_scores.score_table``."""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from foodsafety_desktop.core.errors import UserError
from foodsafety_desktop.core.excel.sheet_format import (
    FONT_NAME,
    LINE_HEIGHT,
    a4_landscape,
    save_workbook,
    set_text,
    wrapped_lines,
)
from foodsafety_desktop.core.reports.formatting import break_title, keep_last_lines_with_signature
from foodsafety_desktop.core.services.assessment import KIND_TOWNSHIP, format_points
from foodsafety_desktop.core.services.assessment_scores import (
    ScoreItem,
    ScoreTable,
    UnitScores,
    score_table,
)

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from foodsafety_desktop.core.storage.database import Database
    from foodsafety_desktop.core.word import FontSet

__all__ = [
    "DEFAULT_REQUIREMENTS",
    "SUMMARY_COLUMNS",
    "NoticeOptions",
    "NoticeResult",
    "default_requirements",
    "make_notice",
    "notice_title",
    "units_recipient",
    "units_word",
    "write_notice_docx",
    "write_results_xlsx",
]

SUMMARY_SHEET = "汇总"
DETAIL_SHEET = "明细"
# 汇总: (title, width)
SUMMARY_COLUMNS = (
    ("排名", 7),
    ("单位", 24),
    ("自评总分", 11),
    ("基础分", 11),
    ("加分", 8),
    ("扣分", 8),
    ("考核总分", 11),
    ("等次", 10),
    ("主要扣分情况", 60),
)
DETAIL_COLUMNS = (
    ("单位", 16),
    ("序号", 10),
    ("考核项目", 16),
    ("考核内容", 40),
    ("分值", 8),
    ("自评分", 8),
    ("考核得分", 9),
    ("扣分原因", 34),
    ("自评说明", 30),
)
NOT_SCORED = "未评完"


def _table(session_or_db: Session | Database, assessment_id: int) -> ScoreTable:
    from foodsafety_desktop.core.storage.database import Database

    if isinstance(session_or_db, Database):
        with session_or_db.session() as session:
            return score_table(session, assessment_id)
    return score_table(session_or_db, assessment_id)


def _num(value: float | None) -> float | int | None:
    if value is None:
        return None
    return int(value) if float(value).is_integer() else value


def _deduction_text(table: ScoreTable, unit: UnitScores) -> str:
    """一.2 全年召开食品安全专题会议不少于2次 失1分：原因；… (the 汇总's 主要扣分情况:
    the item's path and short title, what was lost and why)."""
    by_id = {i.id: i for i in table.items}
    parts = []
    for d in unit.deductions:
        sign = "扣" if d.deduction_item else "失"
        reason = f"：{d.reason}" if d.reason else ""
        title = _title_head(by_id[d.item_id].title) if d.item_id in by_id else d.label
        parts.append(f"{d.path} {title} {sign}{format_points(d.points_lost)}分{reason}")
    if not unit.fully_scored:
        parts.append(f"尚有 {len(unit.totals.missing)} 项未评分")
    return "；".join(parts)


def write_results_xlsx(
    session_or_db: Session | Database, assessment_id: int, path: str | os.PathLike[str]
) -> Path:
    """考核结果.xlsx: sheet 汇总 (排名, 单位, 自评总分, 基础分, 加分, 扣分, 考核总分,
    等次, 主要扣分情况) and sheet 明细 (one row per unit and scored item, with the
    reasons); numbers as numbers, A4 landscape, header rows repeated.  A unit not
    fully scored has no 排名 and 等次 "未评完"."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    table = _table(session_or_db, assessment_id)
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        path = path.with_name(path.name + ".xlsx")
    if not path.parent.is_dir():
        raise UserError(f"无法写入文件：文件夹“{path.parent}”不存在，请换一个保存位置。")
    thin = Side(style="thin", color="000000")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    bold = Font(name=FONT_NAME, size=11, bold=True)
    body = Font(name=FONT_NAME, size=11)
    fill = PatternFill("solid", fgColor="D9E1F2")
    center = Alignment(horizontal="center", vertical="center", wrap_text=True)
    wrap = Alignment(horizontal="left", vertical="top", wrap_text=True)
    title_font = Font(name=FONT_NAME, size=16, bold=True)

    wb = Workbook()
    wb.properties.creator = "食安台账"
    ws = wb.active
    ws.title = SUMMARY_SHEET
    title = f"{table.year}年度{_whom(table)}食品安全工作评议考核结果"

    def head(sheet: Any, columns: Sequence[tuple[str, float]], text: str) -> None:
        last = _letter(len(columns))
        sheet.merge_cells(f"A1:{last}1")
        set_text(sheet["A1"], text)
        sheet["A1"].font = title_font
        sheet["A1"].alignment = center
        sheet.row_dimensions[1].height = 30
        for index, (name, width) in enumerate(columns, start=1):
            sheet.column_dimensions[_letter(index)].width = width
            c = sheet.cell(2, index)
            c.value = name
            c.font, c.fill, c.alignment, c.border = bold, fill, center, border
        sheet.row_dimensions[2].height = 24
        sheet.freeze_panes = "A3"

    head(ws, SUMMARY_COLUMNS, title)
    for r, unit in enumerate(table.units, start=3):
        t, own = unit.totals, unit.self_totals
        values: list[Any] = [
            unit.rank,
            unit.name,
            _num(own.total) if _has_self(unit) else None,
            _num(t.base),
            _num(t.bonus),
            _num(t.deduction),
            _num(t.total),
            unit.grade or NOT_SCORED,
            _deduction_text(table, unit),
        ]
        if not unit.scores or all(v.score is None for v in unit.scores.values()):
            values[3:7] = [None, None, None, None]
        for index, value in enumerate(values, start=1):
            c = ws.cell(r, index)
            if isinstance(value, str):
                set_text(c, value)
            else:
                c.value = value
            c.font, c.border = body, border
            c.alignment = wrap if index in (2, 9) else center
            if index in (3, 4, 5, 6, 7):
                c.number_format = "0.##"
        ws.row_dimensions[r].height = (
            max(2, wrapped_lines(values[8], SUMMARY_COLUMNS[8][1])) * LINE_HEIGHT + 4
        )
    last_row = 2 + len(table.units)
    note_row = last_row + 2
    ws.merge_cells(f"A{note_row}:{_letter(len(SUMMARY_COLUMNS))}{note_row}")
    bands = "、".join(
        f"{name}{'' if low == float('-inf') else f'（{format_points(low)}分以上）'}"
        for low, name in table.grades
    )
    set_text(
        ws[f"A{note_row}"],
        f"说明：自评总分、考核总分 = 基础分 + 加分 − 扣分；等次：{bands}。"
        f"“{NOT_SCORED}”的单位尚有考核项目没有评分，不参加排名。",
    )
    ws[f"A{note_row}"].font = Font(name=FONT_NAME, size=10)
    ws[f"A{note_row}"].alignment = wrap
    ws.row_dimensions[note_row].height = 2 * LINE_HEIGHT + 4
    a4_landscape(ws, title_row=2, print_area=f"A1:{_letter(len(SUMMARY_COLUMNS))}{note_row}")

    detail = wb.create_sheet(DETAIL_SHEET)
    head(detail, DETAIL_COLUMNS, f"{title}明细")
    tops = {i.id: i for i in table.items if i.parent_id is None}
    r = 3
    for unit in table.units:
        for item in table.leaves:
            s = unit.scores.get(item.id)
            values = [
                unit.name,
                item.path,
                tops[item.top_id].title,
                item.title,
                _num(item.points),
                _num(s.self_score) if s else None,
                _num(s.score) if s else None,
                (s.reason or "") if s else "",
                (s.self_note or "") if s else "",
            ]
            for index, value in enumerate(values, start=1):
                c = detail.cell(r, index)
                if isinstance(value, str):
                    set_text(c, value)
                else:
                    c.value = value
                c.font, c.border = body, border
                c.alignment = center if index in (2, 5, 6, 7) else wrap
            detail.row_dimensions[r].height = (
                max(
                    wrapped_lines(item.title, DETAIL_COLUMNS[3][1]),
                    wrapped_lines(values[7], DETAIL_COLUMNS[7][1]),
                    wrapped_lines(values[8], DETAIL_COLUMNS[8][1]),
                )
                * LINE_HEIGHT
                + 4
            )
            r += 1
    a4_landscape(
        detail, title_row=2, print_area=f"A1:{_letter(len(DETAIL_COLUMNS))}{max(r - 1, 2)}"
    )
    detail.print_title_rows = "2:2"
    save_workbook(wb, path)
    return path


# What a township-level unit's name ends with → its kind, longest first; a kind's
# part of a 主送 line (乡镇人民政府, 街道办事处).
_UNIT_KINDS = (
    ("街道办事处", "街道"),
    ("民族乡", "乡镇"),
    ("办事处", "办事处"),
    ("街道", "街道"),
    ("社区", "社区"),
    ("乡", "乡镇"),
    ("镇", "乡镇"),
)
_KIND_ORDER = ("乡镇", "街道", "办事处", "社区")
_GOVERNMENTS = {"乡镇": "乡镇人民政府", "街道": "街道办事处", "办事处": "办事处", "社区": "社区"}


def unit_kinds(table: ScoreTable) -> list[str]:
    """The kinds of the units by their names, in the order 乡镇, 街道, 办事处, 社区
    (["乡镇"] when no name says: the 细则 kind's word)."""
    found = set()
    for unit in table.units:
        name = "".join(unit.name.split())
        kind = next((k for end, k in _UNIT_KINDS if name.endswith(end)), None)
        if kind:
            found.add(kind)
    return [k for k in _KIND_ORDER if k in found] or ["乡镇"]


def has_streets(table: ScoreTable) -> bool:
    """Whether a 街道 (…街道 / …街道办事处) is among the units."""
    return "街道" in unit_kinds(table)


def units_word(table: ScoreTable) -> str:
    """The units' collective name: 乡镇, 办事处, 乡镇（街道）, 乡镇（街道、社区）."""
    first, *rest = unit_kinds(table)
    return first + (f"（{'、'.join(rest)}）" if rest else "")


def units_recipient(table: ScoreTable) -> str:
    """The 主送 of the units: 各乡镇人民政府, 各办事处, 各乡镇人民政府、街道办事处."""
    return "各" + "、".join(_GOVERNMENTS[k] for k in unit_kinds(table))


def _whom(table: ScoreTable) -> str:
    if table.kind == KIND_TOWNSHIP:
        return units_word(table)
    return f"{table.level}食安委成员单位"


def _unscored(unit: UnitScores) -> str:
    """未评分 (no 考核得分 at all) or 未评完 (some items still without one)."""
    return "未评完" if any(s.score is not None for s in unit.scores.values()) else "未评分"


def pending_text(table: ScoreTable) -> str:
    """另有文峪乡、范里镇2个单位尚未评分 / …尚未评完 ("" when every unit is scored)."""
    parts = []
    for state in ("未评分", "未评完"):
        units = [u for u in table.not_fully_scored if _unscored(u) == state]
        if units:
            verb = "尚未评分" if state == "未评分" else "尚未评分完毕"
            parts.append(f"{_names(units)}{len(units)}个单位{verb}")
    return f"另有{'，'.join(parts)}" if parts else ""


def _has_self(unit: UnitScores) -> bool:
    """Whether the unit sent a 自评表 (or has any 自评分)."""
    return unit.submission_name is not None or any(
        s.self_score is not None for s in unit.scores.values()
    )


def _self_total_text(unit: UnitScores) -> str:
    return format_points(unit.self_totals.total) if _has_self(unit) else "未报"


def _letter(index: int) -> str:
    from foodsafety_desktop.core.excel.workbook_reader import column_letter

    return column_letter(index)


# --- 考核情况通报 ---------------------------------------------------------------------


def default_requirements(level: str = "县") -> tuple[str, ...]:
    """The 下步要求 paragraphs; 整改情况 go to the office of ``level`` (县食安办, 区食安办)."""
    return (
        "（一）认真抓好整改。各单位要对照本次考核发现的扣分问题，逐项分析原因，制定整改措施，"
        f"明确责任人和完成时限，整改情况于一个月内报{level}食安办。",
        "（二）压实工作责任。各单位要严格落实食品安全党政同责和“三管三必须”要求，"
        "把食品安全工作摆上重要议事日程，确保各项工作任务落到实处。",
        "（三）注重资料积累。各单位要规范食品安全工作台账，平时注重文件、总结、记录、报表、"
        "案卷等佐证材料的收集整理，做到工作有部署、有落实、有记录、可查证。",
    )


DEFAULT_REQUIREMENTS = default_requirements()


@dataclass
class NoticeOptions:
    """What the clerk may change in the 通报 (None: the default)."""

    title: str | None = None
    recipient: str | None = None
    organisation: str | None = None  # the paragraph on how the 考核 was organised
    requirements: Sequence[str] | None = None  # 下步要求 paragraphs
    signer: str | None = None
    signed_on: dt.date | None = None
    use_letterhead: bool = True


def notice_title(table: ScoreTable) -> str:
    """关于2026年度全县食品安全工作评议考核情况的通报 (乡镇) /
    关于2026年度县食安委成员单位食品安全工作考核情况的通报 (成员单位), broken into lines."""
    level = table.level
    if table.kind == KIND_TOWNSHIP:
        units = [f"关于{table.year}年度", f"全{level}食品安全工作", "评议考核情况的通报"]
    else:
        units = [f"关于{table.year}年度{level}食安委", "成员单位食品安全工作", "评议考核情况的通报"]
    return break_title(units)


def _names(units: Sequence[UnitScores]) -> str:
    return "、".join(u.name for u in units)


@dataclass
class NoticeResult:
    """The 通报 written and what the clerk should know before signing it."""

    path: Path
    scored: int  # units ranked in it
    pending: list[str]  # units not (fully) scored, left out of the ranking
    warnings: list[str]


def write_notice_docx(
    db: Database,
    assessment_id: int,
    path: str | os.PathLike[str],
    *,
    options: NoticeOptions | None = None,
    fonts: FontSet | None = None,
) -> Path:
    """``make_notice``'s file (its warnings dropped)."""
    return make_notice(db, assessment_id, path, options=options, fonts=fonts).path


def make_notice(
    db: Database,
    assessment_id: int,
    path: str | os.PathLike[str],
    *,
    options: NoticeOptions | None = None,
    fonts: FontSet | None = None,
) -> NoticeResult:
    """The 考核情况通报 of the 细则 as a 公文: title, 主送 (the units by their kind,
    各乡镇人民政府 / 各办事处 / 各乡镇人民政府、街道办事处, and the 县/区食安委各成员单位),
    how the 考核 was done, 总体情况 (average, highest, lowest), the units by 等次, the
    main 扣分 problems grouped by 一级项目 and item (``_problems``), 下步要求, 附件
    考核得分表; 全县/全区 and 县/区食安办 after the plan's place, signed with the office's
    full name (``assessment_office``) and dated.  Units not
    fully scored are named as such, left out of the figures and shown 未评分 in the
    annex; the result warns of them.  UserError when no unit is fully scored yet."""
    from foodsafety_desktop.core.services.assessment_scores import assessment_office
    from foodsafety_desktop.core.services.documents import letterhead_of
    from foodsafety_desktop.core.storage.models import Assessment
    from foodsafety_desktop.core.word import OfficialDocument
    from foodsafety_desktop.core.word.official import chinese_number

    options = options or NoticeOptions()
    with db.session() as session:
        table = score_table(session, assessment_id)
        assessment = session.get(Assessment, assessment_id)
        assert assessment is not None
        office_name, _contact = assessment_office(session, assessment)
        letterhead = letterhead_of(session) if options.use_letterhead else None
    ranked = table.ranked
    if not ranked:
        raise UserError(
            "还没有评分完毕的单位，无法生成考核情况通报；请先为各单位的每个考核项目评分"
            "（命令行 assessment score）。"
        )
    level = table.level
    signed_on = options.signed_on or dt.date.today()
    doc = OfficialDocument(letterhead, fonts=fonts)
    doc.title(options.title or notice_title(table))
    members = f"{level}食安委各成员单位"
    doc.recipient(
        options.recipient
        or (f"{units_recipient(table)}、{members}" if table.kind == KIND_TOWNSHIP else members)
    )
    whom = f"各{_whom(table)}" if table.kind == KIND_TOWNSHIP else f"{level}食安委各成员单位"
    organisation = options.organisation or (
        f"为推动食品安全各项工作任务落到实处，根据《{table.title}》，{level}食安办组织对"
        f"{whom}{table.year}年度食品安全工作进行了评议考核。考核采取单位自评、查阅资料"
        "（文件、总结、记录、报表、案卷）和综合评议相结合的方式进行。现将考核情况通报如下："
    )
    doc.paragraph(organisation)

    doc.heading(1, "一、总体情况")
    stats = table.stats()
    assert stats is not None
    average, high, low = stats
    best = [u for u in ranked if abs(u.totals.total - high) < 0.005]
    worst = [u for u in ranked if abs(u.totals.total - low) < 0.005]
    counts = {name: [u for u in ranked if u.grade == name] for name in table.grade_names()}
    grades_text = "，".join(f"{name}{len(us)}个" for name, us in counts.items() if us)
    pending = table.not_fully_scored
    counted = (
        f"本次共考核{len(table.units)}个单位"
        if not pending
        else f"本次考核已评分{len(ranked)}个单位"
    )
    text = (
        f"{counted}，考核总分平均{format_points(average)}分，"
        f"最高{format_points(high)}分（{_names(best)}），最低{format_points(low)}分（{_names(worst)}）。"
        f"按考核总分，{grades_text}。"
    )
    if pending:
        text += f"{pending_text(table)}，未列入本次统计和排名。"
    doc.paragraph(text)

    doc.heading(1, "二、考核结果")
    for number, (name, units) in enumerate(((n, u) for n, u in counts.items() if u), start=1):
        doc.heading(
            2,
            f"（{chinese_number(number)}）{name}等次（{len(units)}个）。",
            run_in=_names(units) + "。",
        )

    problems = _problems(table)
    if problems:
        doc.heading(1, "三、主要扣分问题")
        for number, (top, text) in enumerate(problems, start=1):
            aspect = top if top.endswith("项") else f"{top}方面"
            doc.heading(2, f"（{chinese_number(number)}）{aspect}。", run_in=text + "。")
    doc.heading(1, f"{'四' if problems else '三'}、下步要求")
    for line in options.requirements or default_requirements(level):
        doc.paragraph(line)
    attachment_units = [f"{table.year}年度{_whom(table)}", "食品安全工作", "评议考核得分表"]
    doc.attachment_list(["".join(attachment_units)])
    doc.signature(options.signer or office_name, signed_on)
    keep_last_lines_with_signature(doc)

    doc.attachment(None, break_title(attachment_units))
    rows = []
    for unit in table.units:
        t = unit.totals
        if unit.fully_scored:
            figures = [
                format_points(t.base),
                format_points(t.bonus) if t.bonus else "",
                format_points(t.deduction) if t.deduction else "",
                format_points(t.total),
                unit.grade or "—",
            ]
        else:
            # a partial sum would read as the unit's points
            figures = [_unscored(unit), "", "", "—", "—"]
        rows.append(
            [str(unit.rank) if unit.rank else "—", unit.name, _self_total_text(unit), *figures]
        )
    doc.table(["排名", "单位", "自评总分", "基础分", "加分", "扣分", "考核总分", "等次"], rows)
    written = doc.save(path)
    warnings = []
    if pending:
        warnings.append(
            f"{pending_text(table)}，通报只统计和排名已评分的{len(ranked)}个单位；"
            "请评分完毕后重新生成通报。"
        )
    return NoticeResult(written, len(ranked), [u.name for u in pending], warnings)


_SHORT_TITLE = 24  # characters of an item's title the 通报 names it by


def _title_head(title: str) -> str:
    """A title up to its first pause, cut at 24 characters."""
    title = " ".join(title.split())
    head = re.split(r"[，,；;。：:（(]", title, maxsplit=1)[0].strip() or title
    return head if len(head) <= _SHORT_TITLE else head[: _SHORT_TITLE - 1] + "…"


def short_title(item: ScoreItem) -> str:
    """An item as the 通报 names it: its number and title up to the first pause,
    cut at 24 characters (1.将食品安全工作纳入办事处党工委重要议事日程)."""
    return item.label[: len(item.label) - len(item.title)] + _title_head(item.title)


def _lost_text(names: Sequence[str], points: float, deduction_item: bool, reason: str) -> str:
    """京航办事处失1分（原因） / 潮河办事处、京航办事处各扣3分（原因）."""
    verb = ("各" if len(names) > 1 else "") + ("扣" if deduction_item else "失")
    why = reason.strip().rstrip("。；;，,")
    return f"{'、'.join(names)}{verb}{format_points(points)}分" + (f"（{why}）" if why else "")


def _problems(table: ScoreTable) -> list[tuple[str, str]]:
    """(一级项目 title, its text) for each 一级项目 where a unit lost points, in 细则
    order: every such item named by its number and short title, then who lost how
    much and why ("1.全年召开食品安全专题会议不少于2次：京航办事处失1分（…）"); units
    with the same points and reason together, in ranking order."""
    by_id = {i.id: i for i in table.items}
    order = {i.id: n for n, i in enumerate(table.items)}
    # top id → item id → (points lost, reason, 扣分项) → unit names
    grouped: dict[int, dict[int, dict[tuple[float, str, bool], list[str]]]] = {}
    for unit in table.units:
        for d in unit.deductions:
            top = by_id[d.item_id].top_id
            key = (d.points_lost, (d.reason or "").strip(), d.deduction_item)
            names = grouped.setdefault(top, {}).setdefault(d.item_id, {}).setdefault(key, [])
            if unit.name not in names:
                names.append(unit.name)
    result = []
    for top in sorted(grouped, key=lambda t: order.get(t, 0)):
        parts = []
        for item_id in sorted(grouped[top], key=lambda i: order.get(i, 0)):
            losses = "，".join(
                _lost_text(names, points, deduction_item, reason)
                for (points, reason, deduction_item), names in grouped[top][item_id].items()
            )
            parts.append(f"{short_title(by_id[item_id])}：{losses}")
        result.append((by_id[top].title, "；".join(parts)))
    return result
