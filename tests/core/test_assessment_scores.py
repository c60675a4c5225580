"""评议考核评分: 自评表 out and back, 自评分, 考核得分, totals, ranks, 考核结果.xlsx and
the 考核情况通报, on SQLite and PostgreSQL.

The 细则 is ``tests/data/assessment/township_2026.xlsx`` (26 scored items in eight
一级项目, a 加分项 heading capped at 5 points, a 扣分项 heading).  Expected totals are
recomputed here from the stored items and the values the test filled in, by the rules
the module docstring states, not typed in; every check reads a reopened database or
the written file.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import docx
import openpyxl
import pytest
from sqlalchemy import func, select

from foodsafety_desktop.core.errors import UserError
from foodsafety_desktop.core.excel import self_assessment as sheet
from foodsafety_desktop.core.reports.assessment_results import (
    NoticeOptions,
    make_notice,
    short_title,
    units_recipient,
    units_word,
    write_results_xlsx,
)
from foodsafety_desktop.core.services import assessment_scores as scores
from foodsafety_desktop.core.services.assessment import (
    KIND_MEMBER,
    KIND_TOWNSHIP,
    import_assessment,
)
from foodsafety_desktop.core.services.departments import create_department
from foodsafety_desktop.core.storage.database import open_database
from foodsafety_desktop.core.storage.models import (
    AssessmentItem,
    AssessmentScore,
    AssessmentSubmission,
    AuditEntry,
    Plan,
)

from .format_fixtures import SOFFICE, lo_convert

DATA = Path(__file__).resolve().parents[1] / "data" / "assessment"
TOWNSHIP_FILE = DATA / "township_2026.xlsx"
MEMBER_FILE = DATA / "member_2026.docx"
TOWNS = ("城关镇", "东明镇", "官道口镇")
USER = "测试员"


@pytest.fixture
def db(any_db_url):
    database = open_database(any_db_url)
    yield database
    database.close()


@pytest.fixture
def setup(db):
    """(assessment id, {town: department id}) with the township 细则 and three towns."""
    result = import_assessment(db, TOWNSHIP_FILE, year=2026, kind=KIND_TOWNSHIP, user=USER)
    with db.session() as s:
        ids = {name: create_department(s, name, user=USER).id for name in TOWNS}
    return result.assessment_id, ids


def reopened(db):
    return open_database(db.url)


# --- what the 细则 says, read back from the database -----------------------------------


def stored_items(db, assessment_id):
    """[(id, parent_id, points, bonus, deduction, has children)] in order."""
    with reopened(db).session() as s:
        rows = s.execute(
            select(
                AssessmentItem.id,
                AssessmentItem.parent_id,
                AssessmentItem.points,
                AssessmentItem.bonus,
                AssessmentItem.deduction,
            )
            .where(AssessmentItem.assessment_id == assessment_id)
            .order_by(AssessmentItem.position)
        ).all()
    parents = {r.parent_id for r in rows}
    return [(r.id, r.parent_id, r.points, r.bonus, r.deduction, r.id in parents) for r in rows]


def expected_totals(items, values):
    """(base, bonus, deduction, total) of ``values`` (item id → points): the counted
    leaves summed; each 加分项/扣分项 heading's leaves summed and capped by its points."""
    leaves = [i for i in items if not i[5]]
    base = sum(values.get(i[0]) or 0 for i in leaves if not (i[3] or i[4]))

    def flagged(index):
        total = 0.0
        for heading in items:
            if heading[index] and heading[1] is None:
                below = sum(values.get(i[0]) or 0 for i in leaves if i[1] == heading[0])
                total += min(below, heading[2]) if heading[2] is not None else below
        return total

    bonus, deduction = flagged(3), flagged(4)
    return round(base, 2), round(bonus, 2), round(deduction, 2), round(base + bonus - deduction, 2)


def competition_ranks(totals):
    return [1 + sum(1 for o in totals if o > t) for t in totals]


# --- filling a 自评表 as a unit does ----------------------------------------------------


def input_rows(path):
    """{sheet row: (item id, 分值)} of the rows with an open 自评分 cell."""
    wb = openpyxl.load_workbook(path)
    ws = wb[sheet.SHEET]
    identity = sheet.parse_identity(
        {r[0]: r[1] for r in wb[sheet.IDENTITY_SHEET].iter_rows(values_only=True)}
    )
    assert identity is not None
    rows = {}
    for row, item_id, _digest, points in identity[0].rows:
        assert ws[f"F{row}"].protection.locked is False
        rows[row] = (item_id, points)
    return rows


def fill(path, target, values, *, notes=None, reporter="王五"):
    """Write ``values`` (sheet row → cell value) into the 自评分 column; save as target."""
    wb = openpyxl.load_workbook(path)
    ws = wb[sheet.SHEET]
    for row, value in values.items():
        ws[f"F{row}"] = value
    for row, text in (notes or {}).items():
        ws[f"G{row}"] = text
        ws[f"H{row}"] = f"{text}的会议记录.pdf"
    ws[sheet.HEADER_CELLS["reporter"]] = reporter
    ws[sheet.HEADER_CELLS["phone"]] = "0398-1234567"
    wb.save(target)
    return target


def self_values(rows, rule):
    """sheet row → 自评分 by ``rule(index, points)`` (None leaves the cell empty)."""
    return {row: rule(n, points) for n, (row, (_item, points)) in enumerate(sorted(rows.items()))}


# --- the tests ------------------------------------------------------------------------


def test_template_is_protected_signed_and_printable(db, setup, tmp_path):
    assessment_id, towns = setup
    paths = scores.write_self_templates(db, assessment_id, tmp_path / "out", user=USER)
    assert sorted(p.name for p in paths) == sorted(f"2026年度-{t}-自评表.xlsx" for t in TOWNS)
    items = stored_items(db, assessment_id)
    wb = openpyxl.load_workbook(paths[0])
    assert wb.sheetnames == [sheet.INSTRUCTIONS_SHEET, sheet.SHEET, sheet.IDENTITY_SHEET]
    assert wb[sheet.IDENTITY_SHEET].sheet_state == "veryHidden"
    ws = wb[sheet.SHEET]
    assert ws.protection.sheet and wb.security.lockStructure
    assert [c.value for c in ws[sheet.HEADER_ROW]] == [c.title for c in sheet.COLUMNS]
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1
    assert ws.print_title_rows == f"${sheet.HEADER_ROW}:${sheet.HEADER_ROW}"
    # One row per item in 细则 order; only the leaves have open cells.
    for offset, (_item, _p, _points, _b, _d, heading) in enumerate(items):
        row = sheet.FIRST_DATA_ROW + offset
        assert ws[f"F{row}"].protection.locked is heading
        assert ws[f"B{row}"].protection.locked is not False
    leaves = [i for i in items if not i[5]]
    assert len(input_rows(paths[0])) == len(leaves) == 26
    # 自评分 validations: 0..分值 for every leaf.
    ranges = {}
    for dv in ws.data_validations.dataValidation:
        for ref in str(dv.sqref).split():
            ranges[ref] = (dv.formula1, dv.formula2)
    for row, (_item, points) in input_rows(paths[0]).items():
        assert ranges[f"F{row}"] == ("0", sheet.points_text(points))
    department = ws[sheet.DEPARTMENT_CELL].value
    assert department.startswith("填报单位：") and department[5:] in towns


def test_fill_collect_score_and_rank(db, setup, tmp_path):
    assessment_id, towns = setup
    folder = tmp_path / "out"
    folder.mkdir()
    paths = {
        t: scores.write_self_template(db, assessment_id, towns[t], folder / f"{t}.xlsx")
        for t in TOWNS
    }
    items = stored_items(db, assessment_id)
    rows = input_rows(paths["城关镇"])
    returned = tmp_path / "returned"
    returned.mkdir()
    rules = {
        "城关镇": lambda n, p: p,  # full marks everywhere (加分 over the cap, 扣分 too)
        "东明镇": lambda n, p: p - 1 if n % 3 == 0 else p,
        "官道口镇": lambda n, p: None if n == 4 else p / 2,
    }
    filled = {t: self_values(rows, rule) for t, rule in rules.items()}
    for town in TOWNS:
        fill(paths[town], returned / f"{town}-已填.xlsx", filled[town], notes={min(rows): "已召开"})
    if SOFFICE:  # one file re-saved by LibreOffice, as a department's office suite does
        lo_convert([returned / "官道口镇-已填.xlsx"], "xlsx", tmp_path / "lo")
        shutil.copy(tmp_path / "lo" / "官道口镇-已填.xlsx", returned / "官道口镇-已填.xlsx")

    results = scores.import_self_assessments(
        db, sorted(returned.iterdir()), user=USER, assessment_id=assessment_id
    )
    assert [r.status for r in results] == ["imported"] * 3, [r.message for r in results]
    empty = next(r for r in results if r.department_name == "官道口镇")
    assert len(empty.warnings) == 1 and "F" in empty.warnings[0]

    with reopened(db).session() as s:
        assert s.scalar(select(func.count()).select_from(AssessmentSubmission)) == 3
        stored = {
            (r.department_id, r.item_id): (r.self_score, r.self_note)
            for r in s.scalars(select(AssessmentScore))
        }
        table = scores.score_table(s, assessment_id)
    for town in TOWNS:
        by_item = {rows[row][0]: v for row, v in filled[town].items()}
        for item_id, value in by_item.items():
            assert stored[(towns[town], item_id)][0] == (None if value is None else round(value, 2))
        unit = next(u for u in table.units if u.name == town)
        base, bonus, deduction, total = expected_totals(items, by_item)
        assert (unit.self_totals.base, unit.self_totals.bonus) == (base, bonus)
        assert (unit.self_totals.deduction, unit.self_totals.total) == (deduction, total)
        assert unit.submission_name == f"{town}-已填.xlsx"
    first_row_item = rows[min(rows)][0]
    assert stored[(towns["城关镇"], first_row_item)][1] == "已召开\n佐证材料：已召开的会议记录.pdf"
    # 城关镇 claimed every 加分: 3 + 2 + 1 = 6 is capped at the heading's 5.
    assert next(u for u in table.units if u.name == "城关镇").self_totals.bonus == 5
    # Nobody has a 考核得分 yet: listed, unranked, every counted item missing.
    assert all(u.rank is None and not u.fully_scored for u in table.units)

    # 考核得分: 东明镇 and 官道口镇 end equal (shared rank), 城关镇 ahead.
    leaves = [i for i in items if not i[5]]
    given: dict[str, dict[int, float]] = {t: {} for t in TOWNS}
    for n, (item_id, _parent, p, bonus_item, deduction_item, _h) in enumerate(leaves):
        for town in TOWNS:
            if deduction_item:
                value = p if (town == "东明镇" and n == len(leaves) - 1) else 0
            elif bonus_item:
                value = p if town == "城关镇" else 0
            elif town != "城关镇" and n in (0, 4):
                value = p - 1
            else:
                value = p
            reason = None
            if (value < p and not bonus_item) or (deduction_item and value):
                reason = f"{town}第{n + 1}项资料不全"
            scores.set_score(db, item_id, towns[town], score=value, reason=reason, user=USER)
            given[town][item_id] = value
    # 东明镇 lost a 扣分项 (5 points); give 官道口镇 the same loss on counted items.
    lost_item = next(i for i in leaves if not (i[3] or i[4]) and i[2] >= 5)
    scores.set_score(
        db,
        lost_item[0],
        towns["官道口镇"],
        score=lost_item[2] - 5,
        reason="专项整治未开展",
        user=USER,
    )
    given["官道口镇"][lost_item[0]] = lost_item[2] - 5

    with reopened(db).session() as s:
        table = scores.score_table(s, assessment_id)
    expected = {t: expected_totals(items, given[t]) for t in TOWNS}
    ranks = dict(zip(TOWNS, competition_ranks([expected[t][3] for t in TOWNS]), strict=True))
    assert sorted(ranks.values()) == [1, 2, 2]
    for unit in table.units:
        base, bonus, deduction, total = expected[unit.name]
        assert (unit.totals.base, unit.totals.bonus, unit.totals.deduction) == (
            base,
            bonus,
            deduction,
        )
        assert unit.totals.total == total and unit.rank == ranks[unit.name]
        assert unit.grade == scores.grade_of(total)
        lost = list(unit.deductions)
        expected_lost = [
            i
            for i in leaves
            if (
                given[unit.name][i[0]] < i[2]
                if not (i[3] or i[4])
                else i[4] and given[unit.name][i[0]] > 0
            )
        ]
        assert [d.item_id for d in lost] == [i[0] for i in expected_lost]
        assert all(d.reason for d in lost)
    assert [u.rank for u in table.units] == sorted(ranks.values())

    # One counted score cleared: that unit leaves the ranking and is flagged.
    scores.set_score(db, leaves[0][0], towns["城关镇"], score=None, reason=None, user=USER)
    with reopened(db).session() as s:
        table = scores.score_table(s, assessment_id)
    pending = table.not_fully_scored
    assert [u.name for u in pending] == ["城关镇"] and pending[0].totals.missing == [leaves[0][0]]
    assert pending[0].rank is None and pending[0].grade is None
    assert [u.rank for u in table.ranked] == [1, 1]  # the tied two, now first
    assert table.units[-1].name == "城关镇"

    # 考核结果.xlsx, reopened: numbers as numbers, one 明细 row per unit and item.
    out = write_results_xlsx(db, assessment_id, tmp_path / "考核结果.xlsx")
    wb = openpyxl.load_workbook(out)
    summary = wb["汇总"]
    assert [c.value for c in summary[2]][:8] == [
        "排名",
        "单位",
        "自评总分",
        "基础分",
        "加分",
        "扣分",
        "考核总分",
        "等次",
    ]
    for r, unit in enumerate(table.units, start=3):
        cells = [c.value for c in summary[r]]
        assert cells[0] == unit.rank and cells[1] == unit.name
        assert cells[2] == unit.self_totals.total and isinstance(cells[2], (int, float))
        assert cells[3:7] == [
            unit.totals.base,
            unit.totals.bonus,
            unit.totals.deduction,
            unit.totals.total,
        ]
        assert cells[7] == (unit.grade or "未评完")
        for d in unit.deductions:
            assert d.reason in cells[8]
    assert summary.page_setup.orientation == "landscape"
    detail = wb["明细"]
    data = [r for r in detail.iter_rows(min_row=3, values_only=True) if r[0]]
    assert len(data) == len(TOWNS) * len(leaves)
    by_key = {(r[0], r[1]): r for r in data}
    for unit in table.units:
        for item in table.leaves:
            row = by_key[(unit.name, item.path)]
            assert row[6] == unit.scores[item.id].score
            assert (row[7] or None) == unit.scores[item.id].reason

    # 考核情况通报: the figures and the reasons as the table has them.
    result = make_notice(
        db, assessment_id, tmp_path / "通报.docx", options=NoticeOptions(use_letterhead=False)
    )
    notice = result.path
    assert result.scored == 2 and result.pending == ["城关镇"]
    assert result.warnings and "城关镇1个单位尚未评分完毕" in result.warnings[0]
    document = docx.Document(str(notice))
    text = "\n".join(p.text for p in document.paragraphs)
    average, high, low = table.stats()
    assert "关于2026年度全县食品安全工作" in text.replace("\n", "")
    assert "各乡镇人民政府、县食安委各成员单位" in text
    # only the scored units counted; no 街道 among the towns: no "（街道）"
    assert "本次考核已评分2个单位，" in text and "本次共考核3个单位" not in text
    assert "另有城关镇1个单位尚未评分完毕，未列入本次统计和排名" in text
    assert "（街道）" not in text.replace(f"《{table.title}》", "")
    assert f"考核总分平均{scores.format_points(average)}分" in text
    assert f"最低{scores.format_points(low)}分" in text
    assert f"最高{scores.format_points(high)}分" in text
    # each 扣分 under its 一级项目, naming the item (number, short title), who lost
    # how much and why
    by_id = {i.id: i for i in table.items}
    line = next(t for t in text.split("\n") if "官道口镇失5分（专项整治未开展）" in t)
    assert f"{short_title(by_id[lost_item[0]])}：" in line
    assert line.startswith("（") and f"{by_id[by_id[lost_item[0]].top_id].title}方面。" in line
    last_leaf = by_id[leaves[-1][0]]
    assert last_leaf.deduction
    assert (
        f"{short_title(last_leaf)}：东明镇扣{scores.format_points(leaves[-1][2])}分"
        f"（东明镇第{len(leaves)}项资料不全）"
    ) in text
    assert "清河县食品安全委员会办公室" in text
    grid = document.tables[-1]
    assert len(grid.rows) == 1 + len(table.units)
    assert [c.text for c in grid.rows[1].cells][1] == table.units[0].name
    # the unit not fully scored shows no partial sum as its points
    last = [c.text for c in grid.rows[-1].cells]
    assert last[1] == "城关镇" and last[3:] == ["未评完", "", "", "—", "—"]
    # the annex title is broken between words, not inside one
    titles = [p.text for p in document.paragraphs if "评议考核得分表" in p.text]
    assert titles[-1].split("\n")[-1].startswith("评议考核") or "\n" not in titles[-1]


def test_refused_files_change_nothing(db, setup, tmp_path, any_db_url):
    assessment_id, towns = setup
    template = scores.write_self_template(db, assessment_id, towns["城关镇"], tmp_path / "t.xlsx")
    rows = input_rows(template)
    first = min(rows)
    full = self_values(rows, lambda n, p: p)

    def count():
        with reopened(db).session() as s:
            return (
                s.scalar(select(func.count()).select_from(AssessmentSubmission)),
                s.scalar(select(func.count()).select_from(AssessmentScore)),
                s.scalar(select(func.count()).select_from(AuditEntry)),
            )

    before = count()
    over = fill(template, tmp_path / "over.xlsx", {**full, first: rows[first][1] + 1})
    with pytest.raises(UserError) as err:
        scores.import_self_assessment(db, over, user=USER)
    assert (err.value.sheet, err.value.cell) == (sheet.SHEET, f"F{first}")
    assert err.value.file == "over.xlsx" and "超出范围" in err.value.message

    text = fill(template, tmp_path / "text.xlsx", {**full, first: "很好"})
    with pytest.raises(UserError) as err:
        scores.import_self_assessment(db, text, user=USER)
    assert err.value.cell == f"F{first}" and "不是数字" in err.value.message

    negative = fill(template, tmp_path / "neg.xlsx", {**full, first: -1})
    with pytest.raises(UserError, match="超出范围"):
        scores.import_self_assessment(db, negative, user=USER)

    # Forged: the identity edited to claim another town.
    forged = fill(template, tmp_path / "forged.xlsx", full)
    wb = openpyxl.load_workbook(forged)
    ident = wb[sheet.IDENTITY_SHEET]
    for row in ident.iter_rows():
        if row[0].value == "department_id":
            row[1].value = str(towns["东明镇"])
    wb.save(forged)
    with pytest.raises(UserError, match="校验失败"):
        scores.import_self_assessment(db, forged, user=USER)

    # Edited 考核内容.
    edited = fill(template, tmp_path / "edited.xlsx", full)
    wb = openpyxl.load_workbook(edited)
    wb[sheet.SHEET][f"B{first}"] = "随便写的内容"
    wb.save(edited)
    with pytest.raises(UserError) as err:
        scores.import_self_assessment(db, edited, user=USER)
    assert err.value.cell == f"B{first}" and "被改动" in err.value.message

    # Foreign: the same 细则 and town in another ledger (another office secret).
    other = open_database(tmp_path / "other.sqlite3")
    try:
        other_id = import_assessment(
            other, TOWNSHIP_FILE, year=2026, kind=KIND_TOWNSHIP, user=USER
        ).assessment_id
        with other.session() as s:
            other_town = create_department(s, "城关镇", user=USER).id
        foreign = scores.write_self_template(other, other_id, other_town, tmp_path / "foreign.xlsx")
    finally:
        other.close()
    foreign = fill(foreign, tmp_path / "foreign-filled.xlsx", full)
    with pytest.raises(UserError, match="不是本台账生成的"):
        scores.import_self_assessment(db, foreign, user=USER)

    # A 报送表-like workbook without the 自评表 sheet.
    plain = tmp_path / "plain.xlsx"
    book = openpyxl.Workbook()
    book.active.title = "报送表"
    book.save(plain)
    with pytest.raises(UserError, match="不是本办下发的自评表"):
        scores.import_self_assessment(db, plain, user=USER)

    # In a batch: each failure reported, nothing changed.
    results = scores.import_self_assessments(db, [over, forged, foreign], user=USER)
    assert [r.status for r in results] == ["failed"] * 3
    assert "F" in results[0].message and "over.xlsx" in results[0].message
    assert count() == before


def test_reimport_skips_and_a_corrected_file_replaces(db, setup, tmp_path):
    assessment_id, towns = setup
    template = scores.write_self_template(db, assessment_id, towns["东明镇"], tmp_path / "t.xlsx")
    rows = input_rows(template)
    first = fill(template, tmp_path / "初稿.xlsx", self_values(rows, lambda n, p: p / 2))
    done = scores.import_self_assessment(db, first, user=USER)
    again = scores.import_self_assessment(db, first, user=USER)
    assert done.status == "imported" and again.status == "skipped" and again.already_imported
    assert "已导入过" in again.message and again.submission_id == done.submission_id
    results = scores.import_self_assessments(db, [first], user=USER)
    assert results[0].status == "skipped"

    corrected = fill(template, tmp_path / "定稿.xlsx", self_values(rows, lambda n, p: p))
    replaced = scores.import_self_assessment(db, corrected, user=USER)
    assert replaced.replaced_submission_id == done.submission_id
    with reopened(db).session() as s:
        subs = s.scalars(select(AssessmentSubmission).order_by(AssessmentSubmission.id)).all()
        assert [(x.source_name, x.is_current) for x in subs] == [
            ("初稿.xlsx", False),
            ("定稿.xlsx", True),
        ]
        assert subs[1].replaced_submission_id == subs[0].id and subs[1].reporter == "王五"
        values = {
            r.item_id: (r.self_score, r.self_submission_id)
            for r in s.scalars(select(AssessmentScore))
        }
        actions = [e.action for e in s.scalars(select(AuditEntry).order_by(AuditEntry.id))]
    for _row, (item_id, p) in rows.items():
        assert values[item_id] == (p, replaced.submission_id)
    assert actions.count("assessment.self_import") == 2
    with pytest.raises(UserError, match="不是细则编号"):
        scores.import_self_assessment(db, corrected, user=USER, assessment_id=assessment_id + 99)


def test_set_score_checks_and_audits(db, setup):
    assessment_id, towns = setup
    town = towns["东明镇"]
    with db.session() as s:
        counted = scores.find_item(s, assessment_id, "二.5")
        heading = scores.find_item(s, assessment_id, "二")
        deduction = scores.find_item(s, assessment_id, "八.25")
        bonus = scores.find_item(s, assessment_id, "七.22")
        assert scores.find_item(s, assessment_id, f"#{counted.id}").id == counted.id
        assert scores.find_item(s, assessment_id, "二．5").id == counted.id
        with pytest.raises(UserError, match=r"一级项目的序号写起，如“一\.1”"):
            scores.find_item(s, assessment_id, "九.1")
    assert (counted.points, deduction.deduction, bonus.bonus) == (5, True, True)
    with pytest.raises(UserError, match="扣分原因"):
        scores.set_score(db, counted.id, town, score=4, reason=None, user=USER)
    with pytest.raises(UserError, match="0 到 5"):
        scores.set_score(db, counted.id, town, score=6, reason="x", user=USER)
    with pytest.raises(UserError, match="下面还有考核项目"):
        scores.set_score(db, heading.id, town, score=10, reason=None, user=USER)
    with pytest.raises(UserError, match="扣分原因"):
        scores.set_score(db, deduction.id, town, score=10, reason="  ", user=USER)
    scores.set_score(db, bonus.id, town, score=3, reason=None, user=USER)  # 加分 needs none
    scores.set_score(db, counted.id, town, score=5, reason=None, user=USER)
    change = scores.set_score(db, counted.id, town, score=3.5, reason="培训记录不全", user=USER)
    assert (change.before, change.after, change.after_reason) == (5, 3.5, "培训记录不全")
    with reopened(db).session() as s:
        row = s.scalar(select(AssessmentScore).where(AssessmentScore.item_id == counted.id))
        assert (row.score, row.reason, row.scored_by) == (3.5, "培训记录不全", USER)
        entry = s.scalars(
            select(AuditEntry)
            .where(AuditEntry.action == "assessment.score")
            .order_by(AuditEntry.id.desc())
        ).first()
        from foodsafety_desktop.core.services.history import ACTION_LABELS, describe

        assert ACTION_LABELS["assessment.score"] == "考核评分"
        assert "考核得分：5 → 3.5" in describe(entry.action, entry.detail).replace(".0", "")
    # A town of another kind is not a unit of this 细则.
    with db.session() as s:
        bureau = create_department(s, "县市场监管局", user=USER).id
    with pytest.raises(UserError, match="不是对乡镇考核的考核对象"):
        scores.set_score(db, counted.id, bureau, score=5, reason=None, user=USER)


def test_member_units_leave_out_the_office(db):
    result = import_assessment(db, MEMBER_FILE, year=2026, kind=KIND_MEMBER, user=USER)
    with db.session() as s:
        for name in ("县市场监管局", "县食安办", "县教体局", "城关镇", "各乡镇政府"):
            create_department(s, name, user=USER)
        names = [d.name for d in scores.assessment_units(s, result.assessment_id)]
        table = scores.score_table(s, result.assessment_id)
    assert sorted(names) == sorted(["县市场监管局", "县教体局"])
    assert [u.name for u in table.units] == names
    assert all(u.rank is None and u.submission_name is None for u in table.units)
    with db.session() as s:
        item = scores.find_item(s, result.assessment_id, "三.（一）.1")
        assert item.title.startswith("完成本系统年度食品安全监督抽检任务")
        assert scores.find_item(s, result.assessment_id, "加分项.2").bonus


def test_two_clerks_at_once(db, setup, tmp_path):
    """Two clerks (two connections, two threads started together) collect the same
    file, then two versions of one town's 自评表: the file is stored once (the other
    clerk is told 已导入过), and exactly one version is current, replacing the other."""
    import threading

    assessment_id, towns = setup
    template = scores.write_self_template(db, assessment_id, towns["城关镇"], tmp_path / "t.xlsx")
    rows = input_rows(template)
    second = open_database(db.url)
    try:
        for trial in range(5):
            same = fill(
                template,
                tmp_path / f"同一份{trial}.xlsx",
                self_values(rows, lambda n, p: p),
                reporter=f"甲{trial}",
            )
            one = fill(
                template,
                tmp_path / f"一稿{trial}.xlsx",
                self_values(rows, lambda n, p: p / 2),
                reporter=f"乙{trial}",
            )
            two = fill(
                template,
                tmp_path / f"二稿{trial}.xlsx",
                self_values(rows, lambda n, p: 0),
                reporter=f"丙{trial}",
            )
            for files in ((same, same), (one, two)):
                barrier = threading.Barrier(2)
                results: dict[int, scores.SelfImport] = {}

                def clerk(index, database, path, barrier=barrier, results=results):
                    barrier.wait()
                    results[index] = scores.import_self_assessment(
                        database, path, user=f"clerk{index}"
                    )

                threads = [
                    threading.Thread(target=clerk, args=(i, d, f))
                    for i, (d, f) in enumerate(zip((db, second), files, strict=True))
                ]
                for t in threads:
                    t.start()
                for t in threads:
                    t.join()
                statuses = sorted(r.status for r in results.values())
                if files[0] == files[1]:
                    assert statuses == ["imported", "skipped"]
                else:
                    assert statuses == ["imported", "imported"]
            with reopened(db).session() as s:
                subs = s.scalars(
                    select(AssessmentSubmission).where(
                        AssessmentSubmission.department_id == towns["城关镇"]
                    )
                ).all()
                current = [x for x in subs if x.is_current]
                assert len(current) == 1 and len(subs) == 3 * (trial + 1)
                assert len({x.sha256 for x in subs}) == len(subs)
                # The chain of replacements runs through every version once.
                replaced = [x.replaced_submission_id for x in subs if x.replaced_submission_id]
                assert len(replaced) == len(set(replaced)) == len(subs) - 1
                values = {r.self_submission_id for r in s.scalars(select(AssessmentScore))}
                assert values == {current[0].id}
    finally:
        second.close()


# --- the locked cells, the header, all bad cells at once ------------------------------


def submissions_count(db):
    with reopened(db).session() as s:
        return (
            s.scalar(select(func.count()).select_from(AssessmentSubmission)),
            s.scalar(select(func.count()).select_from(AuditEntry)),
        )


def edit(path, target, cells):
    """Save ``path`` as ``target`` with the 自评表 sheet's ``cells`` (ref → value) set."""
    wb = openpyxl.load_workbook(path)
    for ref, value in cells.items():
        wb[sheet.SHEET][ref] = value
    wb.save(target)
    return target


def resign_as_v1(db, path):
    """The 自评表 as the first version wrote it: only 考核内容 signed (no "locked")."""
    import dataclasses

    from foodsafety_desktop.core.services.settings import office_secret

    wb = openpyxl.load_workbook(path)
    pairs = {r[0]: r[1] for r in wb[sheet.IDENTITY_SHEET].iter_rows(values_only=True)}
    identity, _signature = sheet.parse_identity(pairs)
    old = dataclasses.replace(identity, format=sheet.FORMAT_V1, locked=())
    del wb[sheet.IDENTITY_SHEET]
    with db.session() as s:
        secret = office_secret(s)
    sheet._write_identity(wb, old, secret)
    wb.save(path)
    return path


@pytest.mark.parametrize("version", ["v2", "v1"])
def test_locked_cells_cannot_be_edited(db, setup, tmp_path, version):
    """分值, 评分标准, 序号 and 佐证材料要求 of a row are signed like its 考核内容 (a
    version 1 file, sent out before, is checked against the 细则 as stored)."""
    assessment_id, towns = setup
    template = scores.write_self_template(db, assessment_id, towns["城关镇"], tmp_path / "t.xlsx")
    if version == "v1":
        resign_as_v1(db, template)
        wb = openpyxl.load_workbook(template)
        pairs = {r[0]: r[1] for r in wb[sheet.IDENTITY_SHEET].iter_rows(values_only=True)}
        assert pairs["format"] == sheet.FORMAT_V1 and "locked" not in pairs
    rows = input_rows(template)
    first, second = sorted(rows)[:2]
    full = self_values(rows, lambda n, p: p)
    filled = fill(template, tmp_path / "filled.xlsx", full)
    before = submissions_count(db)

    # the 分值 alone raised: refused, naming the cell
    points = rows[first][1]
    raised = edit(filled, tmp_path / "raised.xlsx", {f"C{first}": points + 1})
    with pytest.raises(UserError) as err:
        scores.import_self_assessment(db, raised, user=USER)
    assert err.value.cell == f"C{first}" and "分值被改动过" in err.value.message

    # several locked cells: every one named in one message
    edited = edit(
        filled,
        tmp_path / "edited.xlsx",
        {
            f"A{first}": "9",
            f"D{first}": "不扣分",
            f"E{second}": "无需材料",
        },
    )
    with pytest.raises(UserError) as err:
        scores.import_self_assessment(db, edited, user=USER)
    message = err.value.message
    assert "3 处问题" in message
    for ref, what in (
        (f"A{first}", "序号"),
        (f"D{first}", "评分标准"),
        (f"E{second}", "佐证材料要求"),
    ):
        assert f"单元格 {ref}：{what}被改动过" in message
    assert "“不扣分”" in message
    assert submissions_count(db) == before

    # re-saved by an office suite: the 分值 text turned into a number is the same cell
    resaved = edit(filled, tmp_path / "resaved.xlsx", {f"C{first}": float(points)})
    result = scores.import_self_assessment(db, resaved, user=USER)
    assert result.status == "imported"
    with reopened(db).session() as s:
        assert (
            s.scalar(
                select(AssessmentSubmission.source_name).where(
                    AssessmentSubmission.is_current.is_(True)
                )
            )
            == "resaved.xlsx"
        )


def test_heading_rows_are_signed(db, setup, tmp_path):
    assessment_id, towns = setup
    template = scores.write_self_template(db, assessment_id, towns["城关镇"], tmp_path / "t.xlsx")
    rows = input_rows(template)
    heading = sheet.FIRST_DATA_ROW  # the first 一级项目
    assert heading not in rows
    filled = fill(template, tmp_path / "f.xlsx", self_values(rows, lambda n, p: p))
    edited = edit(filled, tmp_path / "h.xlsx", {f"B{heading}": "别的项目", f"C{heading}": "99"})
    with pytest.raises(UserError) as err:
        scores.import_self_assessment(db, edited, user=USER)
    assert f"单元格 B{heading}：考核内容被改动过" in err.value.message
    assert f"单元格 C{heading}：分值被改动过" in err.value.message


def test_every_bad_cell_reported_at_once(db, setup, tmp_path):
    assessment_id, towns = setup
    template = scores.write_self_template(db, assessment_id, towns["城关镇"], tmp_path / "t.xlsx")
    rows = input_rows(template)
    order = sorted(rows)
    full = self_values(rows, lambda n, p: p)
    two = fill(template, tmp_path / "two.xlsx", {**full, order[0]: "满分", order[1]: -1})
    with pytest.raises(UserError) as err:
        scores.import_self_assessment(db, two, user=USER)
    message = err.value.message
    assert message.startswith("自评表中有 2 处问题")
    assert f"1. 单元格 F{order[0]}：自评分“满分”不是数字" in message
    assert f"2. 单元格 F{order[1]}：" in message and "-1 超出范围" in message
    assert err.value.cell is None and err.value.sheet == sheet.SHEET

    many = fill(template, tmp_path / "many.xlsx", {**full, **{r: "好" for r in order[:12]}})
    with pytest.raises(UserError) as err:
        scores.import_self_assessment(db, many, user=USER)
    message = err.value.message
    assert "12 处问题" in message and "另有 2 处" in message
    assert f"单元格 F{order[9]}" in message and f"单元格 F{order[10]}" not in message


def test_unit_cell_edited_to_another_unit(db, setup, tmp_path):
    assessment_id, towns = setup
    template = scores.write_self_template(db, assessment_id, towns["城关镇"], tmp_path / "t.xlsx")
    rows = input_rows(template)
    filled = fill(template, tmp_path / "f.xlsx", self_values(rows, lambda n, p: p))
    before = submissions_count(db)
    other = edit(filled, tmp_path / "other.xlsx", {sheet.DEPARTMENT_CELL: "填报单位：东明镇"})
    with pytest.raises(UserError) as err:
        scores.import_self_assessment(db, other, user=USER)
    assert err.value.cell == sheet.DEPARTMENT_CELL
    assert "“东明镇”" in err.value.message and "“城关镇”" in err.value.message
    bare = edit(filled, tmp_path / "bare.xlsx", {sheet.DEPARTMENT_CELL: "官道口镇"})
    with pytest.raises(UserError, match="填报单位被改为“官道口镇”"):
        scores.import_self_assessment(db, bare, user=USER)
    year = edit(filled, tmp_path / "year.xlsx", {sheet.PERIOD_CELL: "考核年度：2025年度（对乡镇）"})
    with pytest.raises(UserError) as err:
        scores.import_self_assessment(db, year, user=USER)
    assert err.value.cell == sheet.PERIOD_CELL
    assert submissions_count(db) == before
    # the same name written with other spaces and a half-width colon is the same unit
    spaced = edit(filled, tmp_path / "spaced.xlsx", {sheet.DEPARTMENT_CELL: "填报单位: 城关 镇"})
    result = scores.import_self_assessment(db, spaced, user=USER)
    assert result.status == "imported" and result.department_name == "城关镇"


# --- 按自评分认定 and the 通报 of units not yet scored -----------------------------------


def test_accept_self_scores_and_notice_of_unscored_units(db, any_db_url, tmp_path):
    result = import_assessment(db, TOWNSHIP_FILE, year=2026, kind=KIND_TOWNSHIP, user=USER)
    assessment_id = result.assessment_id
    names = ("城关镇", "东明镇", "城东街道", "官道口镇")
    with db.session() as s:
        towns = {name: create_department(s, name, user=USER).id for name in names}
    template = scores.write_self_template(db, assessment_id, towns["城关镇"], tmp_path / "t.xlsx")
    rows = input_rows(template)
    order = sorted(rows)
    # every item at its 分值 but the first (1 point less, with a note); 加分/扣分 0
    items = {i[0]: i for i in stored_items(db, assessment_id)}

    def rule(n, points):
        item = items[rows[order[n]][0]]
        if item[3] or item[4]:
            return 0
        return points - 1 if n == 0 else points

    values = {row: rule(n, rows[row][1]) for n, row in enumerate(order)}
    filled = fill(template, tmp_path / "f.xlsx", values, notes={order[0]: "只开了一次会"})
    scores.import_self_assessment(db, filled, user=USER)
    first_item = rows[order[0]][0]

    # a named item without a 自评分 (another unit's): refused, nothing changed
    with pytest.raises(UserError, match="没有自评分"):
        scores.accept_self_scores(
            db, assessment_id, towns["东明镇"], item_ids=[first_item], user=USER
        )
    # one named item, then all the rest
    one = scores.accept_self_scores(
        db, assessment_id, towns["城关镇"], item_ids=[first_item], user=USER
    )
    assert [(c.item_id, c.after, c.after_reason) for c in one] == [
        (first_item, values[order[0]], "只开了一次会")
    ]
    rest = scores.accept_self_scores(db, assessment_id, towns["城关镇"], user=USER)
    assert sorted(c.item_id for c in rest) == sorted(rows[r][0] for r in order[1:])
    assert scores.accept_self_scores(db, assessment_id, towns["城关镇"], user=USER) == []
    with reopened(db).session() as s:
        stored = dict(
            s.execute(
                select(AssessmentScore.item_id, AssessmentScore.score).where(
                    AssessmentScore.department_id == towns["城关镇"]
                )
            ).all()
        )
        audits = s.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "assessment.score")
        )
    assert stored == {rows[r][0]: values[r] for r in order}
    assert audits == len(order)

    # 东明镇 scored by hand at full marks; 城东街道 and 官道口镇 not at all
    with db.session() as s:
        leaves = scores.score_table(s, assessment_id).leaves
    for item in leaves:
        value = 0 if (item.bonus or item.deduction) else item.points
        scores.set_score(db, item.id, towns["东明镇"], score=value, reason=None, user=USER)
    made = make_notice(
        db, assessment_id, tmp_path / "通报.docx", options=NoticeOptions(use_letterhead=False)
    )
    assert made.scored == 2 and sorted(made.pending) == ["城东街道", "官道口镇"]
    assert "2个单位尚未评分" in made.warnings[0]
    document = docx.Document(str(made.path))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "本次考核已评分2个单位" in text
    assert "另有城东街道、官道口镇2个单位尚未评分，未列入本次统计和排名" in text
    assert "各乡镇（街道）" in text and "各乡镇人民政府、街道办事处、县食安委各成员单位" in text
    assert "城关镇失1分（只开了一次会）" in text
    grid = document.tables[-1]
    shown = {r.cells[1].text: [c.text for c in r.cells] for r in grid.rows[1:]}
    assert shown["官道口镇"][3:] == ["未评分", "", "", "—", "—"]
    assert shown["城关镇"][0] in ("1", "2") and shown["城关镇"][6] != "—"
    annex = [p.text for p in document.paragraphs if p.text.endswith("评议考核得分表")][-1]
    assert annex == "2026年度乡镇（街道）\n食品安全工作评议考核得分表"


# --- the words of the 通报: the place's level and the units' kind -----------------------


def _stub_table(names, *, kind=KIND_TOWNSHIP, level="县"):
    empty = scores.Totals(0.0, 0.0, 0.0, 0.0)
    units = [scores.UnitScores(n, name, {}, empty, empty) for n, name in enumerate(names)]
    return scores.ScoreTable(1, 2026, kind, "", [], units, level=level)


@pytest.mark.parametrize(
    ("names", "word", "recipient"),
    [
        (("城关镇", "文峪乡", "瓦窑沟乡"), "乡镇", "各乡镇人民政府"),
        (("潮河办事处", "京航办事处"), "办事处", "各办事处"),
        (("城关镇", "城东街道"), "乡镇（街道）", "各乡镇人民政府、街道办事处"),
        (("城关镇", "东城街道办事处"), "乡镇（街道）", "各乡镇人民政府、街道办事处"),
        (("红旗街道", "东风街道办事处"), "街道", "各街道办事处"),
        (("城关镇", "产业园办事处"), "乡镇（办事处）", "各乡镇人民政府、办事处"),
        (
            ("城关镇", "城东街道", "新华社区"),
            "乡镇（街道、社区）",
            "各乡镇人民政府、街道办事处、社区",
        ),
        (("示范园", "城关镇"), "乡镇", "各乡镇人民政府"),  # a name of no kind: left out
        (("示范园",), "乡镇", "各乡镇人民政府"),  # none said: the 细则's kind
    ],
)
def test_units_are_named_by_their_kind(names, word, recipient):
    table = _stub_table(names)
    assert units_word(table) == word
    assert units_recipient(table) == recipient


def _plan(session, *, jurisdiction, issuer, title, years, archived=False):
    plan = Plan(
        title=title,
        issuer=issuer,
        jurisdiction=jurisdiction,
        year_start=years[0],
        year_end=years[1],
        archived=archived,
    )
    session.add(plan)
    session.flush()
    return plan


def _all_scored(db, assessment_id, towns, lost_reason):
    """Every unit scored at full marks but one item of the first unit (2 points lost,
    ``lost_reason``); 加分 and 扣分 0 but one 扣分 of the last unit."""
    with db.session() as s:
        leaves = scores.score_table(s, assessment_id).leaves
    counted = [i for i in leaves if i.counted and (i.points or 0) >= 2]
    deduction = next(i for i in leaves if i.deduction)
    names = list(towns)
    for name, unit_id in towns.items():
        for item in leaves:
            value, reason = (0 if not item.counted else item.points), None
            if name == names[0] and item.id == counted[0].id:
                value, reason = item.points - 2, lost_reason
            if name == names[-1] and item.id == deduction.id:
                value, reason = deduction.points, "被市食安办通报批评一次"
            scores.set_score(db, item.id, unit_id, score=value, reason=reason, user=USER)
    return counted[0], deduction


def _notice_text(path):
    document = docx.Document(str(path))
    text = "\n".join(p.text for p in document.paragraphs)
    return document, text


def test_notice_of_a_district_with_offices(db, tmp_path):
    """A 区 whose units are 办事处: 全区, 区食安办, 各办事处 throughout, signed with the
    office's full name as the plan's documents are."""
    result = import_assessment(db, TOWNSHIP_FILE, year=2026, kind=KIND_TOWNSHIP, user=USER)
    assessment_id = result.assessment_id
    with db.session() as s:
        # an older plan of another place and an archived one: not this 考核's
        _plan(
            s,
            jurisdiction="卢氏县",
            issuer="卢氏县人民政府办公室",
            title="卢氏县方案",
            years=(2020, 2021),
        )
        _plan(
            s,
            jurisdiction="郑州经济技术开发区",
            issuer="郑州经济技术开发区管理委员会办公室",
            title="经开区深化食品安全放心工程建设攻坚行动实施方案（2025—2027年）",
            years=(2025, 2027),
        )
        _plan(
            s,
            jurisdiction="新郑市",
            issuer="新郑市人民政府办公室",
            title="新郑市方案",
            years=(2026, 2026),
            archived=True,
        )
        towns = {n: create_department(s, n, user=USER).id for n in ("潮河办事处", "京航办事处")}
    lost, deduction = _all_scored(db, assessment_id, towns, "专题会议只开了一次")
    made = make_notice(
        db, assessment_id, tmp_path / "通报.docx", options=NoticeOptions(use_letterhead=False)
    )
    document, text = _notice_text(made.path)
    with reopened(db).session() as s:
        title = scores.score_table(s, assessment_id).title
    body = text.replace(f"《{title}》", "《细则》")  # the 细则 file is 清河县's
    assert "关于2026年度全区食品安全工作" in body.replace("\n", "")
    assert "各办事处、区食安委各成员单位：" in body
    assert "区食安办组织对各办事处2026年度食品安全工作进行了评议考核" in body
    assert "整改情况于一个月内报区食安办" in body
    assert "附件：2026年度办事处食品安全工作评议考核得分表" in body
    assert "郑州经济技术开发区食品安全委员会办公室\n" in body
    # no 县 or 乡镇 left in the office's own words (the 扣分 lines quote the 细则)
    own = "\n".join(line for line in body.split("\n") if "分（" not in line)
    assert "乡镇" not in own and "县" not in own
    # 主要扣分问题 name the item and what was lost; a 扣分项 says what happened
    assert f"{short_title(lost)}：潮河办事处失2分（专题会议只开了一次）" in body
    assert short_title(deduction).endswith(deduction.title.split("，")[0][:23])
    assert (
        f"扣分项。{short_title(deduction)}：京航办事处扣{scores.format_points(deduction.points)}"
        "分（被市食安办通报批评一次）"
    ) in body
    header = [c.text for c in document.tables[-1].rows[0].cells]
    assert header == ["排名", "单位", "自评总分", "基础分", "加分", "扣分", "考核总分", "等次"]

    out = write_results_xlsx(db, assessment_id, tmp_path / "考核结果.xlsx")
    wb = openpyxl.load_workbook(out)
    assert wb["汇总"]["A1"].value == "2026年度办事处食品安全工作评议考核结果"
    cells = {r[1]: r for r in wb["汇总"].iter_rows(min_row=3, values_only=True) if r[1]}
    head = short_title(lost).removeprefix(f"{lost.number}.")
    assert f"{lost.path} {head} 失2分：专题会议只开了一次" in cells["潮河办事处"][8]


def test_notice_of_a_county_with_towns(db, tmp_path):
    """A 县 plan and 乡镇: 全县, 县食安办, 各乡镇; the office signs with the plan's place
    even though the 细则 title names none."""
    result = import_assessment(db, TOWNSHIP_FILE, year=2026, kind=KIND_TOWNSHIP, user=USER)
    with db.session() as s:
        _plan(
            s,
            jurisdiction="县",  # an earlier version's bare level: the place found again
            issuer="卢氏县人民政府办公室",
            title="卢氏县2026年食品安全工作要点",
            years=(2026, 2026),
        )
        towns = {n: create_department(s, n, user=USER).id for n in ("城关镇", "文峪乡")}
    _all_scored(db, result.assessment_id, towns, "资料不全")
    made = make_notice(
        db,
        result.assessment_id,
        tmp_path / "通报.docx",
        options=NoticeOptions(use_letterhead=False),
    )
    _document, text = _notice_text(made.path)
    with reopened(db).session() as s:
        title = scores.score_table(s, result.assessment_id).title
    text = text.replace(f"《{title}》", "《细则》")
    assert "关于2026年度全县食品安全工作" in text.replace("\n", "")
    assert "各乡镇人民政府、县食安委各成员单位：" in text
    assert "县食安办组织对各乡镇2026年度" in text and "报县食安办" in text
    assert "附件：2026年度乡镇食品安全工作评议考核得分表" in text
    assert "卢氏县食品安全委员会办公室\n" in text
    own = "\n".join(line for line in text.split("\n") if "分（" not in line)
    assert "区" not in own and "办事处" not in own and "街道" not in own
