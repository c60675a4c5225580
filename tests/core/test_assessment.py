"""评议考核细则: reading the .xlsx/.docx tables of ``tests/data/assessment`` and storing them.

The expectations are computed from the data ``tests/data/assessment/make_files.py`` wrote
the files from, not typed in again; every database assertion reads a reopened database.
"""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select

from foodsafety_desktop.core.errors import UserError
from foodsafety_desktop.core.plans import convert
from foodsafety_desktop.core.services.assessment import (
    KIND_MEMBER,
    KIND_TOWNSHIP,
    assessment_outline,
    import_assessment,
    list_assessments,
    parse_points,
    read_assessment,
)
from foodsafety_desktop.core.storage.database import open_database
from foodsafety_desktop.core.storage.models import Assessment, AssessmentItem, AuditEntry

DATA = Path(__file__).resolve().parents[1] / "data" / "assessment"
TOWNSHIP_FILE = DATA / "township_2026.xlsx"
MEMBER_FILE = DATA / "member_2026.docx"


def _load_make_files():
    spec = importlib.util.spec_from_file_location("assessment_make_files", DATA / "make_files.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SOURCE = _load_make_files()


def township_expectation():
    """(level-1 titles, level-1 points, leaf count) from the data of the workbook."""
    titles, points, leaves = [], [], 0
    for project, items in SOURCE.TOWNSHIP:
        title = project.split("、", 1)[1]
        if "（" in title:
            title, rest = title.split("（", 1)
            points.append(parse_points(rest))
        else:
            points.append(None)
        titles.append(title)
        leaves += len(items)
    return titles, points, leaves


# --- parse_points ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "points"),
    [
        ("10分", 10.0),
        ("10", 10.0),
        ("5分（每项1分）", 5.0),
        ("0.5分", 0.5),
        ("最高加5分", 5.0),
        ("每项1分，最高5分", 5.0),
        ("扣10分", 10.0),
        ("-5", 5.0),
        ("１０分", 10.0),
        ("", None),
        ("酌情", None),
    ],
)
def test_points_as_written_parse_to_numbers(text, points):
    assert parse_points(text) == points


# --- reading --------------------------------------------------------------------------


def test_township_workbook_is_read_with_its_merged_projects():
    parsed = read_assessment(TOWNSHIP_FILE)
    titles, points, leaves = township_expectation()
    assert parsed.title == SOURCE.TOWNSHIP_TITLE
    assert [i.title for i in parsed.items] == titles
    assert [i.points for i in parsed.items] == points
    assert [i.number for i in parsed.items] == list("一二三四五六七八")
    assert parsed.item_count == len(titles) + leaves
    assert {i.level for i in parsed.all_items()} == {1, 2}
    # Every leaf under the project its merged cell covers, in order, numbered as written.
    for top, (_project, items) in zip(parsed.items, SOURCE.TOWNSHIP, strict=True):
        assert [f"{c.number}.{c.title}" for c in top.children] == [i[0] for i in items]
        assert [c.points_text for c in top.children] == [i[1] for i in items]
        assert [c.rule for c in top.children] == [i[2] for i in items]
    # The 合计 and 说明 rows are not items; the merged evidence cell covers both rows.
    assert not any(i.title.startswith(("合计", "说明")) for i in parsed.all_items())
    leaf = {c.number: c for c in parsed.all_items() if c.level == 2}
    assert leaf["13"].evidence == leaf["12"].evidence == SOURCE.TOWNSHIP[3][1][0][3]
    assert leaf["5"].points == 5.0  # "5分（每季度1分）"
    counted = [i.points for i in parsed.items if not (i.bonus or i.deduction)]
    assert parsed.total_points == sum(counted) == 100
    bonus, deduction = parsed.items[-2], parsed.items[-1]
    assert bonus.bonus and all(c.bonus for c in bonus.children)
    assert parsed.bonus_points == bonus.points == 5  # the cap, not 3 + 2 + 1
    assert deduction.deduction and all(c.deduction for c in deduction.children)
    assert parsed.deduction_points == sum(c.points for c in deduction.children)
    assert not any(i.bonus or i.deduction for top in parsed.items[:-2] for i in top.walk())
    assert parsed.warnings == []


def test_member_document_is_read_with_heading_rows_and_three_levels():
    parsed = read_assessment(MEMBER_FILE)
    assert parsed.title == SOURCE.MEMBER_TITLE
    heads = [r for r in SOURCE.MEMBER if r[0] in ("head", "merged")]
    assert len(parsed.items) == len(heads)
    assert parsed.item_count == sum(1 for r in SOURCE.MEMBER if r[0] != "break")
    first, second, third = parsed.items[:3]
    assert (first.number, first.title, first.points) == ("一", "党政同责", 10.0)
    # A heading merged across the row: its points come from the title.
    assert (second.number, second.title, second.points) == ("二", "履职尽责", 30.0)
    assert second.rule is None and second.evidence is None
    # 三、风险防控 → （一）抽检监测 → 1.; the second table (after the page break) goes on.
    assert [(c.number, c.title, c.points) for c in third.children] == [
        ("（一）", "抽检监测", None),
        ("（二）", "隐患排查", None),
    ]
    assert [c.level for c in third.walk()] == [1, 2, 3, 3, 2, 3, 3]
    assert third.value() == third.points == 25
    assert parsed.total_points == 100
    bonus = next(i for i in parsed.items if i.bonus)
    assert (bonus.title, bonus.points) == ("加分项", 5.0)
    assert [c.points for c in bonus.children] == [3.0, 2.0]
    deduction = next(i for i in parsed.items if i.deduction)
    assert deduction.title == "扣分项" and deduction.points is None
    assert parsed.deduction_points == 10
    assert parsed.warnings == []


def _workbook(path: Path, rows: list[list[object]], merges: tuple[str, ...] = ()) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "细则"
    for row in rows:
        ws.append(row)
    for cells in merges:
        ws.merge_cells(cells)
    wb.save(path)
    return path


def test_other_header_words_a_title_row_and_a_total_that_is_not_100(tmp_path):
    path = _workbook(
        tmp_path / "细则.xlsx",
        [
            ["某县2025年度食品安全工作考核评分表"],
            [],
            ["序号", "评分项目", "标准分", "评分细则", "备查资料", "考核得分"],
            ["一", "组织领导", 30, "", "", ""],
            ["1", "成立领导小组", "10分", "未成立的不得分。", "文件", ""],
            ["2", "召开专题会议", "20分", "未召开的不得分。", "纪要", ""],
            ["二", "日常监管", "65分", "", "", ""],
            ["3", "开展检查", "若干", "未开展的不得分。", "记录", ""],
        ],
    )
    parsed = read_assessment(path)
    assert parsed.title == "某县2025年度食品安全工作考核评分表"
    assert [(i.number, i.title, i.points) for i in parsed.items] == [
        ("一", "组织领导", 30.0),
        ("二", "日常监管", 65.0),
    ]
    assert [c.evidence for c in parsed.items[0].children] == ["文件", "纪要"]
    assert parsed.total_points == 95
    assert (
        parsed.warnings[0].startswith("各项分值合计 95 分") and "不是 100 分" in parsed.warnings[0]
    )
    assert any("单元格 C8" in w and "若干" in w for w in parsed.warnings)


def test_leaves_count_where_the_headings_have_no_points(tmp_path):
    rows = [["考核项目", "考核内容", "分值", "评分标准"]]
    for project, count in (("一、组织领导", 4), ("二、日常监管", 6)):
        rows += [[project, f"第{n}项工作", "10分", "未完成不得分"] for n in range(1, count + 1)]
    path = _workbook(tmp_path / "无标题分值.xlsx", rows, ("A2:A5", "A6:A11"))
    parsed = read_assessment(path)
    assert [(i.title, i.points, len(i.children)) for i in parsed.items] == [
        ("组织领导", None, 4),
        ("日常监管", None, 6),
    ]
    assert parsed.total_points == 100 and parsed.warnings == []


# --- bad files ------------------------------------------------------------------------


def _text_renamed(tmp_path: Path) -> Path:
    path = tmp_path / "考核细则.xlsx"
    path.write_text("一、党政同责 10分\n二、监管能力建设 20分\n", encoding="utf-8")
    return path


def _empty_workbook(tmp_path: Path) -> Path:
    path = tmp_path / "空白.xlsx"
    openpyxl.Workbook().save(path)
    return path


def _no_header(tmp_path: Path) -> Path:
    return _workbook(
        tmp_path / "名单.xlsx",
        [["单位", "联系人", "电话"], ["城关镇", "张三", "123"], ["河口乡", "李四", "456"]],
    )


def _encrypted(tmp_path: Path) -> Path:
    path = tmp_path / "加密.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "EncryptedPackage".encode("utf-16-le"))
    return path


def _docx_without_table(tmp_path: Path) -> Path:
    import docx

    path = tmp_path / "通知.docx"
    document = docx.Document()
    document.add_paragraph("关于开展2026年度食品安全工作评议考核的通知")
    document.save(path)
    return path


def _truncated(tmp_path: Path) -> Path:
    path = tmp_path / "下载不全.xlsx"
    path.write_bytes(TOWNSHIP_FILE.read_bytes()[:2000])
    return path


BAD_FILES = {
    "text renamed .xlsx": (_text_renamed, "不是真正的 Excel 文件"),
    "empty workbook": (_empty_workbook, "没有任何内容"),
    "no header": (_no_header, "找不到考核细则的表头"),
    "password": (_encrypted, "打开密码"),
    "document without a table": (_docx_without_table, "没有表格"),
    "truncated": (_truncated, "损坏"),
}


def _counts(url: str) -> tuple[int, int, int]:
    db = open_database(url)
    try:
        with db.session() as s:
            return (
                s.scalar(select(func.count()).select_from(Assessment)),
                s.scalar(select(func.count()).select_from(AssessmentItem)),
                s.scalar(select(func.count()).select_from(AuditEntry)),
            )
    finally:
        db.close()


@pytest.mark.parametrize("case", BAD_FILES, ids=list(BAD_FILES))
def test_bad_files_are_refused_naming_the_file_and_change_nothing(any_db_url, tmp_path, case):
    make, words = BAD_FILES[case]
    path = make(tmp_path)
    db = open_database(any_db_url)
    try:
        import_assessment(db, TOWNSHIP_FILE, year=2025, kind=KIND_TOWNSHIP, user="张三")
        with pytest.raises(UserError) as raised:
            import_assessment(db, path, year=2026, kind=KIND_TOWNSHIP, user="张三", replace=True)
    finally:
        db.close()
    message = str(raised.value)
    assert f"文件“{path.name}”" in message and words in message, message
    assert _counts(any_db_url) == (1, read_assessment(TOWNSHIP_FILE).item_count, 1)


def test_no_header_names_the_sheet(tmp_path):
    with pytest.raises(UserError) as raised:
        read_assessment(_no_header(tmp_path))
    assert raised.value.sheet == "细则"


def test_old_word_document_goes_through_the_converter(tmp_path, monkeypatch):
    def fake(source, target):
        shutil.copyfile(MEMBER_FILE, target)

    monkeypatch.setattr(convert, "CONVERTERS", [lambda: fake])
    path = tmp_path / "成员单位细则.doc"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "WordDocument".encode("utf-16-le") * 4)
    assert read_assessment(path).item_count == read_assessment(MEMBER_FILE).item_count

    monkeypatch.setattr(convert, "CONVERTERS", [])
    with pytest.raises(UserError, match="另存为"):
        read_assessment(path)


# --- the database ---------------------------------------------------------------------


def test_both_files_are_stored_and_read_back(any_db_url):
    db = open_database(any_db_url)
    try:
        town = import_assessment(db, TOWNSHIP_FILE, year=2026, kind=KIND_TOWNSHIP, user="张三")
        member = import_assessment(db, MEMBER_FILE, year=2026, kind=KIND_MEMBER, user="张三")
    finally:
        db.close()
    for result, path in ((town, TOWNSHIP_FILE), (member, MEMBER_FILE)):
        parsed = read_assessment(path)
        assert (result.item_count, result.total_points, result.bonus_points) == (
            parsed.item_count,
            100,
            5,
        )
        assert result.warnings == [] and result.replaced_id is None

    db = open_database(any_db_url)
    try:
        with db.session() as s:
            stored = s.get(Assessment, town.assessment_id)
            assert (stored.year, stored.kind, stored.title, stored.source_name) == (
                2026,
                KIND_TOWNSHIP,
                SOURCE.TOWNSHIP_TITLE,
                TOWNSHIP_FILE.name,
            )
            assert len(stored.source_sha256) == 64
            items = stored.items
            parsed = read_assessment(TOWNSHIP_FILE).all_items()
            assert [
                (i.level, i.number, i.title, i.points, i.bonus, i.deduction) for i in items
            ] == [(p.level, p.number, p.title, p.points, p.bonus, p.deduction) for p in parsed]
            assert [i.position for i in items] == list(range(1, len(items) + 1))
            tops = [i for i in items if i.parent_id is None]
            assert all(i.level == 1 for i in tops) and len(tops) == len(SOURCE.TOWNSHIP)
            assert all(i.parent.level == i.level - 1 for i in items if i.parent_id)
            outline = assessment_outline(s, member.assessment_id)
            assert max(i.level for i in outline.items) == 3
            assert [
                (r.id, r.year, r.kind, r.item_count, r.total_points) for r in list_assessments(s)
            ] == [
                (town.assessment_id, 2026, KIND_TOWNSHIP, town.item_count, 100),
                (member.assessment_id, 2026, KIND_MEMBER, member.item_count, 100),
            ]
            entries = s.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
            assert [(e.action, e.entity_id, e.user) for e in entries] == [
                ("assessment.import", town.assessment_id, "张三"),
                ("assessment.import", member.assessment_id, "张三"),
            ]
    finally:
        db.close()


def test_a_second_one_for_the_year_and_kind_is_refused_unless_replaced(any_db_url):
    db = open_database(any_db_url)
    try:
        first = import_assessment(db, TOWNSHIP_FILE, year=2026, kind=KIND_TOWNSHIP, user="张三")
        import_assessment(db, MEMBER_FILE, year=2025, kind=KIND_TOWNSHIP, user="张三")
        before = _counts(any_db_url)
        with pytest.raises(UserError) as raised:
            import_assessment(db, MEMBER_FILE, year=2026, kind=KIND_TOWNSHIP, user="李四")
        message = str(raised.value)
        assert "2026年度对乡镇的考核细则已经有了" in message
        assert (
            f"《{SOURCE.TOWNSHIP_TITLE}》" in message and f"编号 {first.assessment_id}" in message
        )
        assert "--replace" in message
        assert _counts(any_db_url) == before

        again = import_assessment(
            db, MEMBER_FILE, year=2026, kind=KIND_TOWNSHIP, user="李四", replace=True
        )
    finally:
        db.close()
    assert again.replaced_id == first.assessment_id

    db = open_database(any_db_url)
    try:
        with db.session() as s:
            rows = s.execute(
                select(Assessment.year, Assessment.title).order_by(Assessment.year)
            ).all()
            assert [tuple(r) for r in rows] == [
                (2025, SOURCE.MEMBER_TITLE),
                (2026, SOURCE.MEMBER_TITLE),
            ]
            member_items = read_assessment(MEMBER_FILE).item_count
            assert s.scalar(select(func.count()).select_from(AssessmentItem)) == 2 * member_items
            last = s.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
            assert (last.action, last.user, last.entity_id) == (
                "assessment.import",
                "李四",
                again.assessment_id,
            )
            assert f"替换原细则《{SOURCE.TOWNSHIP_TITLE}》" in last.summary
    finally:
        db.close()


def test_a_failed_replace_keeps_the_old_one(any_db_url, monkeypatch):
    from foodsafety_desktop.core.services import assessment as service

    db = open_database(any_db_url)
    try:
        import_assessment(db, TOWNSHIP_FILE, year=2026, kind=KIND_TOWNSHIP, user="张三")
        before = _counts(any_db_url)

        def broken(*_args, **_kwargs):
            raise RuntimeError("disk full")

        monkeypatch.setattr(service.audit, "record", broken)
        with pytest.raises(RuntimeError):
            import_assessment(
                db, MEMBER_FILE, year=2026, kind=KIND_TOWNSHIP, user="张三", replace=True
            )
    finally:
        db.close()
    assert _counts(any_db_url) == before


@pytest.mark.parametrize(("year", "kind"), [(2026, "县直部门"), (1999, KIND_TOWNSHIP)])
def test_kind_and_year_are_checked(tmp_path, year, kind):
    db = open_database(tmp_path / "k.sqlite3")
    try:
        with pytest.raises(UserError, match=r"考核对象|考核年度"):
            import_assessment(db, TOWNSHIP_FILE, year=year, kind=kind, user="张三")
    finally:
        db.close()


def test_unknown_assessment_is_a_user_error(tmp_path):
    db = open_database(tmp_path / "u.sqlite3")
    try:
        with db.session() as s, pytest.raises(UserError, match="没有编号为 9 的考核细则"):
            assessment_outline(s, 9)
    finally:
        db.close()


def test_the_original_is_kept_and_a_replace_is_backed_up(tmp_path, monkeypatch):
    """The 细则's file stays with its database (archive/ beside a SQLite file), counted
    as referenced by the start-up sweep; replacing one takes a backup first."""
    from foodsafety_desktop.core.paths import archive_dir_for, backups_dir_for
    from foodsafety_desktop.core.storage.originals import referenced_paths

    monkeypatch.setenv("FOODSAFETY_DATA_DIR", str(tmp_path / "appdata"))
    path = tmp_path / "ledger.sqlite3"
    db = open_database(path)
    try:
        import_assessment(db, TOWNSHIP_FILE, year=2026, kind=KIND_TOWNSHIP, user="测试")
        kept = list((archive_dir_for(path) / "assessments").iterdir())
        assert len(kept) == 1 and kept[0].read_bytes() == TOWNSHIP_FILE.read_bytes()
        with db.session() as s:
            assert f"assessments/{kept[0].name}" in referenced_paths(s)
        import_assessment(
            db, TOWNSHIP_FILE, year=2026, kind=KIND_TOWNSHIP, user="测试", replace=True
        )
        backups = list(backups_dir_for(path).glob("*"))
        assert any("assessment-replace" in b.name for b in backups), backups
    finally:
        db.close()


# --- the 2024 family: header words, one bonus heading with its cap, 备注 as evidence ---

MEMBER_TRIAL = DATA / "member_2024_trial.xlsx"  # the trial's 成员单位考核细则2024.xlsx
TOWNSHIP_TRIAL = DATA / "township_2024_trial.docx"  # the trial's 乡镇考核细则2024.docx
VARIANTS = {
    "single": DATA / "member_2024_single.xlsx",
    "heading": DATA / "township_2024_heading.docx",
    "note": DATA / "member_2024_note.xlsx",
}


def variant_expectation(layout: str):
    """(heading numbers and titles, every leaf as (number, title, points, rule, evidence))
    from ``make_files.VARIANT_2024``, as the layout writes them."""
    heads, leaves, number = [], [], 0
    for head, title, _points, items in SOURCE.VARIANT_2024:
        heads.append((head, title))
        for content, points, rule, evidence in items:
            number += 1
            if layout == "heading" and evidence and number % 2:
                evidence = f"提供{evidence}"
            leaves.append(
                (str(number), content, parse_points(points), rule or None, evidence or None)
            )
    return heads, leaves


@pytest.mark.parametrize("layout", list(VARIANTS))
def test_variant_layouts_read_the_same_items_with_the_bonus_cap(layout):
    parsed = read_assessment(VARIANTS[layout])
    heads, leaves = variant_expectation(layout)
    assert parsed.title == SOURCE.VARIANT_2024_TITLE
    assert [(i.number, i.title) for i in parsed.items] == heads
    assert [
        (c.number, c.title, c.points, c.rule, c.evidence)
        for top in parsed.items
        for c in top.children
    ] == leaves
    assert all(c.title for c in parsed.all_items())
    bonus = [i for i in parsed.items if i.bonus]
    assert len(bonus) == 1 and bonus[0].points == SOURCE.VARIANT_2024_BONUS_CAP
    assert len(bonus[0].children) == 3  # 3 + 2 + 1 under a cap of 4
    deduction = [i for i in parsed.items if i.deduction]
    assert len(deduction) == 1 and deduction[0].points is None
    assert (parsed.total_points, parsed.bonus_points, parsed.deduction_points) == (100, 4, 15)
    assert parsed.warnings == []


def test_trial_member_workbook_keeps_the_item_text_and_the_noted_cap():
    """考核内容及要求 is the content column; "（一）责任落实 20分" is a heading with its
    points; the cap of the unnumbered 加分项 is the note above the header."""
    parsed = read_assessment(MEMBER_TRIAL)
    assert [(i.number, i.title, i.points) for i in parsed.items] == [
        ("（一）", "责任落实", 20.0),
        ("（二）", "监管执法", 50.0),
        ("（三）", "宣传培训", 15.0),
        ("（四）", "信息报送", 15.0),
        ("", "加分项", 3.0),
        ("", "扣分项", None),
    ]
    first = parsed.items[0].children[0]
    assert (first.number, first.title, first.points, first.rule, first.evidence) == (
        "1",
        "召开专题会议研究部署本部门食品安全工作",
        5.0,
        "未召开不得分",
        "会议纪要",
    )
    assert all(i.title for i in parsed.all_items()) and parsed.item_count == 21
    assert [c.points for c in parsed.items[4].children] == [2.0, 2.0]
    assert parsed.items[4].points_text == "加分项累计不超过3分"
    assert (parsed.total_points, parsed.bonus_points, parsed.deduction_points) == (100, 3, 5)
    assert parsed.warnings == []


def test_trial_township_document_has_one_bonus_heading_and_evidence_from_the_remarks():
    parsed = read_assessment(TOWNSHIP_TRIAL)
    assert [(i.number, i.title, i.points) for i in parsed.items][-2:] == [
        ("七", "加分项", 5.0),
        ("八", "扣分项", None),
    ]
    assert [i.number for i in parsed.items] == list("一二三四五六七八")
    bonus, deduction = parsed.items[-2:]
    assert [c.number for c in bonus.children] == ["23", "24", "25"]
    assert [c.number for c in deduction.children] == ["26", "27"]
    # The 备注 column holds the evidence ("提供会议纪要").
    leaves = [c for top in parsed.items[:6] for c in top.children]
    assert leaves[0].evidence == "提供会议纪要" and leaves[-1].evidence == "采用证明"
    assert all(c.evidence for c in leaves)
    assert (parsed.total_points, parsed.bonus_points, parsed.deduction_points) == (100, 5, 15)
    assert parsed.warnings == []


@pytest.mark.parametrize(
    ("content", "rule", "evidence"),
    [
        ("考核内容及要求", "评分标准", "佐证材料"),
        ("考核内容和标准", "评分标准及依据", "备注（佐证材料）"),
        ("工作内容及要求", "评分细则", "佐证资料"),
        ("工作内容", "评分办法", "佐证材料要求"),
    ],
)
def test_header_words_begin_or_contain_the_column_names(tmp_path, content, rule, evidence):
    path = _workbook(
        tmp_path / "细则.xlsx",
        [
            ["序号", content, "分值", "自评分", rule, evidence, "得分"],
            ["一", "组织领导", "100分", "", "", "", ""],
            ["1", "成立领导小组", "40分", "40", "未成立的不得分。", "文件", "38"],
            ["2", "召开专题会议", "60分", "55", "未召开的不得分。", "纪要", "60"],
        ],
    )
    parsed = read_assessment(path)
    assert [(c.title, c.points, c.rule, c.evidence) for c in parsed.items[0].children] == [
        ("成立领导小组", 40.0, "未成立的不得分。", "文件"),
        ("召开专题会议", 60.0, "未召开的不得分。", "纪要"),
    ]
    assert parsed.warnings == []


def test_remarks_that_are_not_evidence_stay_unread(tmp_path):
    path = _workbook(
        tmp_path / "细则.xlsx",
        [
            ["序号", "考核内容", "分值", "评分标准", "备注"],
            ["1", "成立领导小组", "40分", "未成立的不得分。", "以该项分值扣完为止"],
            ["2", "召开专题会议", "60分", "未召开的不得分。", "牵头部门负责"],
            ["3", "开展检查", "0分", "", "提供检查记录"],
        ],
    )
    assert [i.evidence for i in read_assessment(path).items] == [None, None, None]


def test_items_without_their_text_are_refused_naming_the_columns(any_db_url, tmp_path):
    path = _workbook(
        tmp_path / "细则.xlsx",
        [
            ["考核项目", "序号", "工作安排", "分值", "评分标准"],
            ["一、组织领导", "", "", "", ""],
            ["", "1", "成立领导小组", "40分", "未成立的不得分。"],
            ["", "2", "召开专题会议", "60分", "未召开的不得分。"],
        ],
    )
    db = open_database(any_db_url)
    try:
        with pytest.raises(UserError) as raised:
            import_assessment(db, path, year=2026, kind=KIND_MEMBER, user="张三")
    finally:
        db.close()
    error = raised.value
    assert error.sheet == "细则" and f"文件“{path.name}”" in str(error)
    assert "2 个考核项目都读不到考核内容" in error.message
    assert "考核项目（A列“考核项目”）、序号（B列“序号”）" in error.message
    assert "分值（D列“分值”）、评分标准（E列“评分标准”）" in error.message
    assert "没有认出的列：C列“工作安排”" in error.message
    assert _counts(any_db_url) == (0, 0, 0)


def test_some_items_without_text_are_named_in_a_warning(tmp_path):
    path = _workbook(
        tmp_path / "细则.xlsx",
        [
            ["考核项目", "序号", "考核内容", "分值"],
            ["一、组织领导", "1", "成立领导小组", "40分"],
            ["一、组织领导", "2", "", "60分"],
        ],
    )
    parsed = read_assessment(path)
    assert [c.title for c in parsed.items[0].children] == ["成立领导小组", ""]
    assert parsed.warnings == ["工作表“细则”第3行：考核项目没有考核内容（名称为空），请核对。"]


@pytest.mark.parametrize(
    ("note", "cap"),
    [
        ("注：加分项累计不超过3分。", 3.0),
        ("说明：1.加分最高不超过5分；2.扣分项不设上限。", 5.0),
        ("备注：加分项每项加1分，最高加2分。", 2.0),
        ("说明：加分项不设上限，扣分项最多扣10分。", None),
    ],
)
def test_a_note_gives_the_bonus_heading_its_cap(tmp_path, note, cap):
    path = _workbook(
        tmp_path / "细则.xlsx",
        [
            ["序号", "考核内容", "分值", "评分标准"],
            ["一", "组织领导", "100分", ""],
            ["1", "成立领导小组", "100分", ""],
            ["二", "加分项", "", ""],
            ["2", "经验被推广", "3分", ""],
            ["3", "获得表彰", "3分", ""],
            [note],
        ],
    )
    parsed = read_assessment(path)
    bonus = parsed.items[1]
    assert bonus.points == cap
    assert parsed.bonus_points == (cap if cap is not None else 6.0)


@pytest.mark.parametrize(
    "path", [MEMBER_TRIAL, TOWNSHIP_TRIAL, *VARIANTS.values()], ids=lambda p: p.name
)
def test_the_2024_family_is_stored_with_its_cap(any_db_url, path):
    parsed = read_assessment(path)
    db = open_database(any_db_url)
    try:
        result = import_assessment(db, path, year=2024, kind=KIND_MEMBER, user="张三")
    finally:
        db.close()
    assert (result.total_points, result.bonus_points) == (100, parsed.bonus_points)
    assert result.warnings == []
    db = open_database(any_db_url)
    try:
        with db.session() as s:
            outline = assessment_outline(s, result.assessment_id)
    finally:
        db.close()
    assert (outline.summary.total_points, outline.summary.bonus_points) == (
        100,
        parsed.bonus_points,
    )
    assert [
        (i.level, i.number, i.title, i.points, i.rule, i.evidence, i.bonus) for i in outline.items
    ] == [
        (p.level, p.number, p.title, p.points, p.rule, p.evidence, p.bonus)
        for p in parsed.all_items()
    ]
    assert all(i.title for i in outline.items)
    assert [i.label for i in outline.items if i.bonus and i.parent_id is None] == [
        next(f"{p.number}、加分项" if p.number else "加分项" for p in parsed.items if p.bonus)
    ]
