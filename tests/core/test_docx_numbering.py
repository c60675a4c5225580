"""Word automatic numbering: the labels Word shows are rebuilt from numbering.xml."""

from __future__ import annotations

import docx
import pytest
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import parse_xml
from docx.oxml.ns import qn

from foodsafety_desktop.core.plans.docx_numbering import format_number
from foodsafety_desktop.core.plans.model import Paragraph, Table
from foodsafety_desktop.core.plans.reader import read_blocks, read_plan

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def lvl(ilvl, fmt, text, start=1, extra=""):
    return (
        f'<w:lvl w:ilvl="{ilvl}"><w:start w:val="{start}"/><w:numFmt w:val="{fmt}"/>'
        f'{extra}<w:lvlText w:val="{text}"/></w:lvl>'
    )


def abstract(abstract_id, *levels, extra=""):
    return (
        f'<w:abstractNum w:abstractNumId="{abstract_id}">{extra}{"".join(levels)}</w:abstractNum>'
    )


def num(num_id, abstract_id, overrides=""):
    return f'<w:num w:numId="{num_id}"><w:abstractNumId w:val="{abstract_id}"/>{overrides}</w:num>'


def start_override(ilvl, value):
    return f'<w:lvlOverride w:ilvl="{ilvl}"><w:startOverride w:val="{value}"/></w:lvlOverride>'


def new_document(*parts):
    """A python-docx document whose numbering.xml holds exactly ``parts``
    (abstractNum elements first, then num elements, as Word orders them)."""
    document = docx.Document()
    numbering = document.part.numbering_part.element
    for child in list(numbering):
        numbering.remove(child)
    xml = f'<w:numbering xmlns:w="{W}">{"".join(parts)}</w:numbering>'
    for child in parse_xml(xml):
        numbering.append(child)
    return document


def numbered(container, text, num_id=None, ilvl=None, style=None):
    p = container.add_paragraph(text, style=style)
    if num_id is not None or ilvl is not None:
        num_pr = p._p.get_or_add_pPr().get_or_add_numPr()
        if ilvl is not None:
            num_pr.get_or_add_ilvl().val = ilvl
        if num_id is not None:
            num_pr.get_or_add_numId().val = num_id
    return p


def texts(path):
    return [b.text for b in read_blocks(path) if isinstance(b, Paragraph)]


CHINESE_OUTLINE = abstract(
    0,
    lvl(0, "chineseCounting", "%1、"),
    lvl(1, "chineseCounting", "（%2）"),
    lvl(2, "decimal", "%3."),
    lvl(3, "decimal", "（%4）"),
    lvl(4, "decimalEnclosedCircle", "%5"),
)


def test_five_levels_restart_below_a_higher_level(tmp_path):
    document = new_document(CHINESE_OUTLINE, num(1, 0))
    for text, level in [
        ("总体要求", 0),
        ("主要任务", 0),
        ("强化源头治理", 1),
        ("严格过程监管", 1),
        ("加强农药管理。", 2),
        ("开展专项整治。", 2),
        ("抽检蔬菜。", 3),
        ("抽检水果。", 3),
        ("豇豆", 4),
        ("韭菜", 4),
        ("提升能力", 1),
        ("建设检验机构。", 2),
        ("保障措施", 0),
        ("加强领导", 1),
    ]:
        numbered(document, text, 1, level)
    path = tmp_path / "自动编号.docx"
    document.save(path)
    assert texts(path) == [
        "一、总体要求",
        "二、主要任务",
        "（一）强化源头治理",
        "（二）严格过程监管",
        "1.加强农药管理。",
        "2.开展专项整治。",
        "（1）抽检蔬菜。",
        "（2）抽检水果。",
        "①豇豆",
        "②韭菜",
        "（三）提升能力",
        "1.建设检验机构。",
        "三、保障措施",
        "（一）加强领导",
    ]


def test_start_override_restarts_a_list_and_plain_num_continues_it(tmp_path):
    document = new_document(
        abstract(0, lvl(0, "decimal", "%1.")),
        num(1, 0),
        num(2, 0, start_override(0, 1)),
        num(3, 0),
        num(4, 0, start_override(0, 5)),
    )
    for text, num_id in [("甲", 1), ("乙", 1), ("丙", 1), ("丁", 2), ("戊", 2), ("己", 3)]:
        numbered(document, text, num_id, 0)
    numbered(document, "庚", 4, 0)
    path = tmp_path / "重新编号.docx"
    document.save(path)
    assert texts(path) == ["1.甲", "2.乙", "3.丙", "1.丁", "2.戊", "3.己", "5.庚"]


def test_each_section_restarts_with_its_own_num(tmp_path):
    """Word's "重新开始编号" per part: a new w:num with a startOverride on the task level."""
    document = new_document(
        abstract(0, lvl(0, "chineseCounting", "%1、"), lvl(1, "decimal", "%2.")),
        abstract(1, lvl(0, "chineseCounting", "（%1）")),
        num(1, 0),
        num(2, 1),
        num(3, 1, start_override(0, 1)),
    )
    numbered(document, "第一部分", 1, 0)
    numbered(document, "任务甲", 2, 0)
    numbered(document, "任务乙", 2, 0)
    numbered(document, "第二部分", 1, 0)
    numbered(document, "任务丙", 3, 0)
    path = tmp_path / "分部分.docx"
    document.save(path)
    assert texts(path) == [
        "一、第一部分",
        "（一）任务甲",
        "（二）任务乙",
        "二、第二部分",
        "（一）任务丙",
    ]


def test_style_linked_list_and_numbering_switched_off(tmp_path):
    document = new_document(
        abstract(
            0,
            lvl(0, "chineseCounting", "%1、", extra='<w:pStyle w:val="TaskHeading"/>'),
            lvl(1, "chineseCounting", "（%2）", extra='<w:pStyle w:val="TaskItem"/>'),
        ),
        num(7, 0),
    )
    for style_id, name in (("TaskHeading", "任务标题"), ("TaskItem", "任务条目")):
        style = document.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.element.set(qn("w:styleId"), style_id)
        num_pr = style.element.get_or_add_pPr().get_or_add_numPr()
        num_pr.get_or_add_numId().val = 7
    heading, item = document.styles["任务标题"], document.styles["任务条目"]
    numbered(document, "主要任务", style=heading)
    numbered(document, "强化监管", style=item)
    numbered(document, "不编号的说明", num_id=0, style=item)
    numbered(document, "严格执法", style=item)
    numbered(document, "保障措施", style=heading)
    numbered(document, "加强领导", style=item)
    path = tmp_path / "样式编号.docx"
    document.save(path)
    assert texts(path) == [
        "一、主要任务",
        "（一）强化监管",
        "不编号的说明",
        "（二）严格执法",
        "二、保障措施",
        "（一）加强领导",
    ]


def test_lvl_restart_zero_keeps_counting_and_start_value(tmp_path):
    document = new_document(
        abstract(
            0,
            lvl(0, "chineseCountingThousand", "%1、"),
            lvl(1, "decimal", "%2.", extra='<w:lvlRestart w:val="0"/>'),
        ),
        abstract(1, lvl(0, "ideographTraditional", "%1.", start=3)),
        num(1, 0),
        num(2, 1),
    )
    for text, level in [("甲部分", 0), ("任务", 1), ("任务", 1), ("乙部分", 0), ("任务", 1)]:
        numbered(document, text, 1, level)
    numbered(document, "丙", 2, 0)
    path = tmp_path / "连续编号.docx"
    document.save(path)
    assert texts(path) == ["一、甲部分", "1.任务", "2.任务", "二、乙部分", "3.任务", "丙.丙"]


def test_multi_level_label_with_two_numbers_and_legal_style(tmp_path):
    document = new_document(
        abstract(
            0,
            lvl(0, "chineseCounting", "第%1部分 "),
            lvl(1, "decimal", "%1.%2", extra="<w:isLgl/>"),
            lvl(2, "lowerLetter", "(%3)"),
        ),
        num(1, 0),
    )
    for text, level in [("总则", 0), ("目的", 1), ("说明", 2), ("说明", 2), ("范围", 1)]:
        numbered(document, text, 1, level)
    path = tmp_path / "多级.docx"
    document.save(path)
    assert texts(path) == ["第一部分 总则", "1.1 目的", "(a)说明", "(b)说明", "1.2 范围"]


def test_bullets_and_empty_numbered_paragraphs(tmp_path):
    document = new_document(
        abstract(0, lvl(0, "decimal", "%1、")),
        abstract(1, lvl(0, "bullet", "●")),
        num(1, 0),
        num(2, 1),
    )
    numbered(document, "第一项", 1, 0)
    numbered(document, "", 1, 0)  # shown as "2、" in Word and counted
    numbered(document, "第三项", 1, 0)
    numbered(document, "要点", 2, 0)
    path = tmp_path / "项目符号.docx"
    document.save(path)
    assert texts(path) == ["1、第一项", "3、第三项", "要点"]


def test_numbered_cells_of_a_table_and_a_merged_cell_counted_once(tmp_path):
    document = new_document(abstract(0, lvl(0, "decimal", "%1.")), num(1, 0))
    table = document.add_table(rows=4, cols=3)
    for i, text in enumerate(["序号", "工作任务", "牵头单位"]):
        table.cell(0, i).text = text
    for r, (task, lead) in enumerate(
        [("开展抽检", "县市场监管局"), ("开展抽检", "县农业农村局"), ("培训", "县教育局")], start=1
    ):
        table.cell(r, 1).text = task
        table.cell(r, 2).text = lead
    merged = table.cell(1, 0).merge(table.cell(2, 0))  # one number over two rows
    for cell in (merged, table.cell(3, 0)):
        for p in list(cell.paragraphs):
            cell._tc.remove(p._p)
        numbered(cell, "项", 1, 0)
    path = tmp_path / "表格编号.docx"
    document.save(path)
    (found,) = [b for b in read_blocks(path) if isinstance(b, Table)]
    assert [row[0] for row in found.rows] == ["序号", "1.项", "1.项", "2.项"]


@pytest.mark.parametrize(
    ("n", "fmt", "expected"),
    [
        (1, "chineseCounting", "一"),
        (10, "chineseCounting", "十"),
        (11, "chineseCounting", "十一"),
        (20, "chineseCounting", "二十"),
        (21, "chineseCountingThousand", "二十一"),
        (100, "chineseCounting", "一百"),
        (105, "chineseCounting", "一百〇五"),
        (110, "chineseCounting", "一百一十"),
        (3, "chineseLegalSimplified", "叁"),
        (1, "ideographTraditional", "甲"),
        (11, "ideographTraditional", "甲"),
        (1, "decimalEnclosedCircle", "①"),
        (20, "decimalEnclosedCircleChinese", "⑳"),
        (21, "decimalEnclosedCircle", "21"),
        (1, "ideographEnclosedCircle", "㈠"),
        (12, "decimalFullWidth", "１２"),
        (3, "decimalEnclosedParen", "⑶"),
        (2, "lowerLetter", "b"),
        (27, "upperLetter", "AA"),
        (14, "upperRoman", "XIV"),
        (4, "lowerRoman", "iv"),
        (7, "decimal", "7"),
        (7, "decimalZero", "07"),
        (7, "somethingNew", "7"),
    ],
)
def test_format_number(n, fmt, expected):
    assert format_number(n, fmt) == expected


def test_plan_with_automatic_numbering_gives_labelled_tasks(tmp_path):
    document = new_document(CHINESE_OUTLINE, num(1, 0))
    document.add_paragraph("某某县2024年食品安全重点工作安排")
    numbered(document, "总体要求", 1, 0)
    document.add_paragraph("坚持以人民为中心，落实“四个最严”要求，保障群众饮食安全。")
    numbered(document, "重点任务", 1, 0)
    numbered(document, "强化源头治理。开展耕地土壤污染防治，严控农药兽药残留超标。", 1, 1)
    document.add_paragraph("牵头单位：县农业农村局")
    document.add_paragraph("责任单位：县生态环境分局、各乡镇人民政府")
    numbered(
        document, "严格生产经营监管。开展食品生产企业风险分级管理，抽检合格率达到98%以上。", 1, 1
    )
    document.add_paragraph("牵头单位：县市场监管局")
    numbered(document, "加强校园食品安全。落实校长陪餐制度。", 1, 1)
    document.add_paragraph("牵头单位：县教育局；配合单位：县市场监管局")
    path = tmp_path / "工作安排.docx"
    document.save(path)
    plan = read_plan(path)
    assert plan.title == "某某县2024年食品安全重点工作安排"
    assert [(t.label, t.title, t.lead) for t in plan.tasks] == [
        ("（一）", "强化源头治理", ["县农业农村局"]),
        ("（二）", "严格生产经营监管", ["县市场监管局"]),
        ("（三）", "加强校园食品安全", ["县教育局"]),
    ]
    assert [h.as_text() for h in plan.tasks[0].path] == ["二、重点任务"]
    assert plan.tasks[2].others == ["县市场监管局"]
