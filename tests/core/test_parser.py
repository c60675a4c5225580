"""The plan parser on the five seed plans (golden files) and on hand-written variants."""

from __future__ import annotations

import datetime as dt
import difflib
import json
from pathlib import Path

import pytest
from seeds import seed_files

from foodsafety_desktop.core.errors import UserError
from foodsafety_desktop.core.plans import parser
from foodsafety_desktop.core.plans.model import (
    Heading,
    Paragraph,
    ParsedItem,
    ParsedPlan,
    ParsedTask,
    Table,
)
from foodsafety_desktop.core.plans.parser import parse_blocks, parse_text, rejoin, split_label
from foodsafety_desktop.core.plans.reader import read_plan

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "data" / "golden"
SEED_FILES = seed_files()

_cache: dict[str, ParsedPlan] = {}


def seed(stem_prefix: str) -> ParsedPlan:
    """The parsed seed whose file name starts with ``stem_prefix`` ("000" … "004")."""
    if stem_prefix not in _cache:
        path = next(p for p in SEED_FILES if p.name.startswith(stem_prefix))
        _cache[stem_prefix] = read_plan(path)
    return _cache[stem_prefix]


def task(plan: ParsedPlan, label: str, section: str | None = None) -> ParsedTask:
    found = [
        t
        for t in plan.tasks
        if t.label == label and (section is None or any(section in h.title for h in t.path))
    ]
    assert len(found) == 1, f"{label} in {section}: {len(found)} tasks"
    return found[0]


# --- golden files -------------------------------------------------------------------


@pytest.mark.parametrize("path", SEED_FILES, ids=lambda p: p.stem)
def test_seed_matches_golden_file(path: Path) -> None:
    """Each seed as the office has it (a .txt, Markdown marks and all) through the reader."""
    golden = golden_file(path)
    expected = golden.read_text(encoding="utf-8")
    plan = read_plan(path)
    actual = json.dumps(plan.to_json(), ensure_ascii=False, indent=2) + "\n"
    if actual != expected:
        diff = difflib.unified_diff(
            expected.splitlines(), actual.splitlines(), "golden", "parsed", lineterm="", n=2
        )
        shown = "\n".join(list(diff)[:80])
        pytest.fail(
            f"{path.name} no longer matches {golden.name}:\n{shown}\n"
            "Fix the parser, or if the change is intended, run "
            "tests/data/golden/regenerate.py and read the new golden file."
        )


def golden_file(seed_file: Path) -> Path:
    """Golden files are named by seed number and place: 003_xinzheng_2019.json."""
    (golden,) = GOLDEN.glob(f"{seed_file.name[:3]}_*.json")
    return golden


def test_every_seed_has_a_golden_file() -> None:
    assert len(SEED_FILES) == 5
    assert {p.name[:3] for p in SEED_FILES} == {p.name[:3] for p in GOLDEN.glob("*.json")}


# --- plan metadata ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prefix", "count", "title", "issuer", "doc_number", "date", "years", "jurisdiction"),
    [
        (
            "000",
            12,
            "经开区深化食品安全放心工程建设攻坚行动实施方案（2022—2024年）",
            "郑州经济技术开发区管理委员会办公室",
            "郑经管办〔2022〕12号",
            dt.date(2022, 7, 7),
            (2022, 2024),
            "区",
        ),
        ("001", 31, "2023年红旗区食品安全工作要点", None, None, None, (2023, 2023), "区"),
        (
            "002",
            12,
            "卢氏县深化食品安全放心工程建设攻坚行动工作方案（2022—2024年）",
            "卢氏县人民政府办公室",
            "卢政办〔2022〕21号",
            dt.date(2022, 5, 19),
            (2022, 2024),
            "县",
        ),
        (
            "003",
            20,
            "新郑市食品行业质量提升行动方案",
            "新郑市人民政府办公室",
            "新政办〔2019〕16号",
            dt.date(2019, 9, 2),
            (2019, 2020),
            "市",
        ),
        (
            "004",
            48,
            "2020年营口市鲅鱼圈区食品安全重点工作安排暨食品安全建设年工作方案",
            None,
            None,
            None,
            (2020, 2020),
            "区",
        ),
    ],
)
def test_seed_metadata(prefix, count, title, issuer, doc_number, date, years, jurisdiction):
    plan = seed(prefix)
    assert len(plan.tasks) == count
    assert plan.title == title
    assert plan.issuer == issuer
    assert plan.doc_number == doc_number
    assert plan.date == date
    assert (plan.year_start, plan.year_end) == years
    assert plan.jurisdiction == jurisdiction


# --- 000: attribution lines ---------------------------------------------------------


def test_000_labels_paths_and_several_leads() -> None:
    plan = seed("000")
    assert [t.label for t in plan.tasks][6:9] == ["（七）", "(八)", "(九)"]
    assert {tuple(h.as_text() for h in t.path) for t in plan.tasks} == {("三、主要任务",)}
    last = task(plan, "（十二）")
    assert last.lead == ["新区海关", "车站海关"]
    assert last.others == ["区市场监督管理局", "公安局经开分局", "各办事处"]
    assert len(last.items) == 1 and last.items[0].text == last.text


def test_000_lines_broken_by_page_breaks_are_rejoined() -> None:
    plan = seed("000")
    first = task(plan, "（一）")
    assert "组织食品安全标准与风险监测培训" in first.text
    assert task(plan, "(九)").others == [
        "区宣传部（文明办）",
        "公安局经开分局",
        "区政务服务局",
        "各办事处",
    ]
    assert "区综合行政执法局（城市管理局）" in task(plan, "(八)").others
    assert "区财政局（审计局）" in task(plan, "（十一）").others
    assert "（药物）" in task(plan, "（四）").text


def test_000_reporting_comes_from_the_measures_part() -> None:
    rules = seed("000").reporting
    assert rules, "工作措施 (五) names two reporting dates"
    assert all("报送" in r.text for r in rules)


# --- 001: inline notes, several per task --------------------------------------------


def test_001_task_2_has_two_items() -> None:
    second = task(seed("001"), "（二）")
    assert second.title == "严把产地环境安全关"
    assert [(i.lead, i.others) for i in second.items] == [
        (["生态环境红旗分局"], []),
        (["区农业农村局"], ["区生态环境局"]),
    ]
    assert second.items[1].text.startswith("落实耕地分类管理制度")
    assert "（" not in second.text.replace("（市、区）", "")


def test_001_task_15_has_six_items() -> None:
    fifteen = task(seed("001"), "（十五）")
    assert len(fifteen.items) == 6
    assert fifteen.items[0].text == "发布防止和减少餐饮浪费公告。"  # title left out
    assert (fifteen.items[1].lead, fifteen.items[1].cooperating) == (
        ["区商务局"],
        ["区市场监管局"],
    )
    assert fifteen.items[4].text.startswith("探索推行“7S”管理。")


def test_001_non_attribution_parentheticals_stay() -> None:
    plan = seed("001")
    assert "《河南省食品安全县（市、区）评价标准细则（2023年版）》" in task(plan, "（一）").text
    assert "校长（园长）责任制" in task(plan, "（十）").text
    assert "食品小经营店（小餐饮）" in task(plan, "（十二）").text
    assert "（仅销售食用农产品的除外）" in task(plan, "（十三）").text
    assert "总监和（或）食品安全员" in task(plan, "（十八）").text
    assert "制（修）订" in task(plan, "（十九）").text


def test_001_groups_are_kept_as_written() -> None:
    plan = seed("001")
    assert task(plan, "（一）").items[0].others == ["区食安委各成员单位"]
    last = task(plan, "（三十一）").items[-1]
    assert (last.lead, last.others) == (["区政府食安办"], ["区政府食安委相关成员单位及有关部门"])


def test_001_task_16_lead_written_with_a_comma() -> None:
    items = task(seed("001"), "（十六）").items
    assert (items[2].lead, items[2].others) == (["公安红旗分局"], ["区市场监管局"])


# --- 002: labelled notes, elided prefixes -------------------------------------------


def test_002_first_named_is_lead_and_names_stay_as_written() -> None:
    plan = seed("002")
    first = task(plan, "（一）")
    assert (first.lead, first.others) == (["县卫健委"], ["发改委", "农业农村局", "市场监管局"])
    second = task(plan, "（二）")
    assert second.lead == ["三门峡市生态环境局卢氏分局"]
    assert second.others == ["农业农村局", "各乡镇政府"]
    assert "排名第一" not in first.text
    assert "（社区卫生服务中心）" in first.text


def test_002_note_broken_across_a_page_is_rejoined() -> None:
    assert task(seed("002"), "（五）").others[-2:] == ["供销社", "各乡镇政府"]


# --- 003: Markdown, heading tasks, sub-items folded ---------------------------------


def test_003_task_2_folds_its_sub_item() -> None:
    second = task(seed("003"), "2.")
    assert second.title == "推动食品产业转型升级"
    assert "(1) 提升品牌影响力竞争力。" in second.text
    assert second.deadline == "2020年10月"
    assert second.deadline_date == dt.date(2020, 10, 31)
    assert second.lead == ["市商务局"]
    assert second.others[-2:] == ["市食安委各成员单位", "各乡镇（街道、管委会）"]


def test_003_deadlines_and_heading_titles() -> None:
    plan = seed("003")
    assert task(plan, "11.").deadline == "2019年12月"
    first = task(plan, "1.")
    assert first.title == "打造千亿级食品产业集群"
    assert "以龙头企业做优做强为着力点" in first.text
    assert [h.as_text() for h in first.path] == [
        "三、主要任务",
        "(一)创新发展，构建现代食品产业体系",
    ]
    assert [h.level for h in first.path] == [1, 2]
    assert [t.label for t in plan.tasks] == [f"{n}." for n in range(1, 21)]


def test_003_lists_with_and_and_related_departments() -> None:
    plan = seed("003")
    assert task(plan, "5.").others == ["市粮食和物资储备局", "市市场监管局", "有关部门"]
    assert task(plan, "7.").others[-1] == "各乡镇（街道、管委会）"
    assert (task(plan, "12.").lead, task(plan, "12.").others) == (
        ["市食安办"],
        ["市食安委相关成员单位", "各乡镇（街道、管委会）"],
    )
    assert "公示系统（郑州）的互联互通" in task(plan, "8.").text


# --- 004: a shallower task and an unattributed one ----------------------------------


def test_004_tasks_at_two_levels() -> None:
    plan = seed("004")
    counts = {}
    for t in plan.tasks:
        counts[t.path[-1].title] = counts.get(t.path[-1].title, 0) + 1
    assert counts == {
        "重点工作任务": 2,  # （一） and （五）
        "实施最严谨的标准": 3,
        "落实最严格的监管": 6,
        "实行最严厉的处罚": 5,
        "压实食品生产经营者主体责任": 4,
        "推动食品产业高质量发展": 6,
        "强化食品安全风险管理能力": 9,
        "推进食品安全社会共治": 3,
        "开展食品安全放心工程建设攻坚行动": 10,
    }
    fifth = task(plan, "（五）")
    assert fifth.title == "坚持最严肃的问责"
    assert fifth.lead == ["区政府"]
    assert fifth.text.endswith("严肃问责。")


def test_004_unattributed_task_is_inferred_with_a_warning() -> None:
    plan = seed("004")
    first = task(plan, "（一）")
    assert (first.lead, first.others) == (["各镇（街道）"], ["政府食安委各成员单位"])
    assert len(plan.warnings) == 1 and "（一）" in plan.warnings[0]


def test_004_note_inside_a_sentence_group() -> None:
    items = task(seed("004"), "5.", "实行最严厉的处罚").items
    assert [(i.text, i.lead, i.others) for i in items] == [
        ("将严重违法食品生产经营者列入“黑名单”。", ["区市场监管局"], []),
        ("完善守信联合激励和失信联合惩戒机制。", ["区发改局"], ["区市场监管局"]),
    ]


def test_004_cooperating_and_group_names() -> None:
    eighth = task(seed("004"), "8.", "攻坚行动").items[0]
    assert (eighth.lead, eighth.others, eighth.cooperating) == (
        ["区发改局"],
        ["区财政局", "各镇（街道）"],
        ["区财政局"],
    )
    assert "各镇（街道）树立区域品牌" in task(seed("004"), "3.", "最严谨的标准").text


# --- numbering and rejoining --------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("一、总体要求", ("一、", "cn", "总体要求")),
        ("十二、其他", ("十二、", "cn", "其他")),
        ("（十一）实施行动。", ("（十一）", "pcn", "实施行动。")),
        ("(八) 实施“三小”治理", ("(八)", "pcn", "实施“三小”治理")),
        ("1.推进食用林产品标准", ("1.", "ar", "推进食用林产品标准")),
        ("13. 开展专项治理。", ("13.", "ar", "开展专项治理。")),
        ("2、加强校园食品安全", ("2、", "ar", "加强校园食品安全")),
        ("3．做好保障", ("3．", "ar", "做好保障")),
        ("(1) 提升品牌影响力", ("(1)", "par", "提升品牌影响力")),
        ("（2）开展整治", ("（2）", "par", "开展整治")),
        ("①建立台账", ("①", "circ", "建立台账")),
    ],
)
def test_split_label(text: str, expected: tuple[str, str, str]) -> None:
    assert split_label(text) == expected


@pytest.mark.parametrize(
    "text", ["2022年7月7日", "3.2批次/千人", "12331网络平台", "——坚持安全第一。", "（2023年版）"]
)
def test_not_a_label(text: str) -> None:
    assert split_label(text) is None


def joined(*texts: str) -> list[str]:
    return [b.text for b in rejoin([Paragraph(t) for t in texts]) if isinstance(b, Paragraph)]


def test_rejoin_sentence_broken_by_a_page() -> None:
    assert joined("根据精神，特制", "定本实施方案。", "一、总体要求") == [
        "根据精神，特制定本实施方案。",
        "一、总体要求",
    ]


def test_rejoin_keeps_short_headings_apart() -> None:
    texts = [
        "一、总体要求",
        "以习近平新时代中国特色社会主义思想为指导。",
        "（一）强化食品安全党政同责",
        "认真宣传。",
        "1. 打造千亿级食品产业集群",
        "大力发展粮油制品。",
    ]
    assert joined(*texts) == texts


def test_rejoin_long_numbered_line_cut_mid_sentence() -> None:
    assert joined("1. 到2020年，基于风险分析和供应链管理的食品安全监管", "体系初步建立。") == [
        "1. 到2020年，基于风险分析和供应链管理的食品安全监管体系初步建立。"
    ]


def test_rejoin_department_list_but_not_the_next_line() -> None:
    texts = [
        "责任单位：区宣传部（文明办）、公安局经开分局、区政务",
        "服务局、各办事处",
        "（十）实施校园食品安全守护行动。",
    ]
    assert joined(*texts) == [
        "责任单位：区宣传部（文明办）、公安局经开分局、区政务服务局、各办事处",
        "（十）实施校园食品安全守护行动。",
    ]
    assert joined("完成时间：2020年10月", "大力发展粮油制品。") == [
        "完成时间：2020年10月",
        "大力发展粮油制品。",
    ]


def test_rejoin_after_a_closing_parenthesis_when_the_next_line_continues() -> None:
    assert joined("实现与国家企业信用信息公示系统（郑州）", "的互联互通。") == [
        "实现与国家企业信用信息公示系统（郑州）的互联互通。"
    ]
    assert joined("强化食品安全（区市场监管局）", "加强管理。") == [
        "强化食品安全（区市场监管局）",
        "加强管理。",
    ]


# --- a hand-written variant ---------------------------------------------------------

VARIANT = """\
某县2024年食品安全工作要点
（征求意见稿）
为做好2024年全县食品安全工作，制定本要点。
一、总体要求
以习近平新时代中国特色社会主义思想为指导，坚持问题导向
，全面提升食品安全保障水平。
二、重点任务
1、强化源头治理
(1)加强耕地土壤污染源头防控，推进受污染耕地安全利用。(县农业农村局牵头，县生态环境分局配合)
(2) 开展农药残留突出问题攻坚治理（县农业农村局负责）。严厉打击违法使用禁限用药物行为。\
（县公安局、县农业农村局按职责分工负责）
2、加强校园食品安全
落实学校食品安全校长（园长）负责制，学校食堂“互联网+明厨亮灶”覆盖率达到100%。
牵头单位：县教体局
责任单位：县市场监管局、
各乡镇（街道）
完成时限：2024年6月底前
3、推进社会共治
开展食品安全宣传周活动。（责任单位：县食安办、县委宣传部。排名第一的为牵头单位）
三、工作要求
各乡镇、各有关部门于每年12月10日前向县食安办报送年度工作总结。
抄送：县委办公室
"""


def test_variant_plan_with_half_width_numbering_and_mixed_styles() -> None:
    plan = parse_text(VARIANT, "variant.txt")
    assert plan.title == "某县2024年食品安全工作要点"
    assert (plan.year_start, plan.year_end, plan.jurisdiction) == (2024, 2024, "县")
    assert [(t.label, [h.as_text() for h in t.path]) for t in plan.tasks] == [
        ("(1)", ["二、重点任务", "1、强化源头治理"]),
        ("(2)", ["二、重点任务", "1、强化源头治理"]),
        ("2、", ["二、重点任务"]),
        ("3、", ["二、重点任务"]),
    ]
    first, second, school, publicity = plan.tasks
    assert first.items == [
        ParsedItem(
            text="加强耕地土壤污染源头防控，推进受污染耕地安全利用。",
            lead=["县农业农村局"],
            others=["县生态环境分局"],
            cooperating=["县生态环境分局"],
        )
    ]
    assert [(i.text, i.lead, i.others) for i in second.items] == [
        ("开展农药残留突出问题攻坚治理。", ["县农业农村局"], []),
        ("严厉打击违法使用禁限用药物行为。", ["县公安局"], ["县农业农村局"]),
    ]
    assert school.title == "加强校园食品安全"
    assert (school.lead, school.others) == (["县教体局"], ["县市场监管局", "各乡镇（街道）"])
    assert school.deadline_date == dt.date(2024, 6, 30)
    assert "校长（园长）负责制" in school.text and "牵头单位" not in school.text
    assert [t.value for t in school.targets] == [100.0]
    assert (publicity.lead, publicity.others) == (["县食安办"], ["县委宣传部"])
    assert plan.warnings == []
    assert [r.dates for r in plan.reporting] == [["12-10"]]


def test_markdown_decoration_is_stripped() -> None:
    text = "# 某区工作方案\n---\n### **一、主要任务**\n**（一）加强监管。**（区市场监管局）\n"
    plan = parse_text(text)
    assert plan.title == "某区工作方案"
    assert plan.tasks[0].path == [Heading("一、", "主要任务", 1)]
    assert plan.tasks[0].title == "加强监管"


def test_no_task_raises_a_user_error() -> None:
    with pytest.raises(UserError) as caught:
        parse_text("某县工作方案\n一、总体要求\n加强组织领导。\n", "空方案.txt")
    message = str(caught.value)
    assert "未在文件中找到可识别的工作任务" in message
    assert "牵头单位" in message and "空方案.txt" in message


def test_task_without_any_department_gets_a_warning() -> None:
    plan = parse_text(
        "某区工作方案\n一、主要任务\n（一）加强监管。（区市场监管局）\n（二）做好宣传。\n"
    )
    assert [t.label for t in plan.tasks] == ["（一）", "（二）"]
    assert plan.tasks[1].items == []
    assert plan.warnings == ["任务（二）做好宣传未注明牵头单位或责任单位，请在台账中补充。"]


def test_tables_are_handed_to_table_plan(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[list[str]] = []

    def fake_tasks_from_table(table, path, one_year):
        seen.append([h.as_text() for h in path])
        if table.rows[0][0] != "序号":
            return None
        return [
            ParsedTask(
                "1", list(path), "表格任务", "表格任务", [ParsedItem("表格任务", ["区商务局"])]
            )
        ]

    monkeypatch.setattr(parser, "_tasks_from_table", fake_tasks_from_table)
    blocks = [
        Paragraph("某区工作方案"),
        Paragraph("一、重点任务"),
        Table([["序号", "工作任务", "牵头单位"], ["1", "表格任务", "区商务局"]]),
        Table([["说明"], ["无关表格"]]),
    ]
    plan = parse_blocks(blocks, "table.docx")
    assert [t.title for t in plan.tasks] == ["表格任务"]
    assert seen == [["一、重点任务"], ["一、重点任务"]]


def test_lines_after_the_last_sub_item_name_the_parent() -> None:
    text = (
        "某区工作方案\n一、主要任务\n"
        "（一）加强监管\n1. 开展检查。\n2. 开展抽检。\n牵头单位：区市场监管局\n责任单位：各办事处\n"
        "（二）做好宣传。\n牵头单位：区委宣传部\n"
    )
    plan = parse_text(text)
    assert [(t.label, t.lead, t.others) for t in plan.tasks] == [
        ("（一）", ["区市场监管局"], ["各办事处"]),
        ("（二）", ["区委宣传部"], []),
    ]
    assert plan.tasks[0].text == "加强监管\n1. 开展检查。\n2. 开展抽检。"


def test_a_numbered_body_heading_is_not_the_title() -> None:
    plan = parse_text("一、实施方案\n（一）加强监管。（区市场监管局）\n", "某区方案.txt")
    assert plan.title == "某区方案"
    assert plan.warnings == ["未能识别方案标题，已暂用“某区方案”，请核对。"]
    assert [t.label for t in plan.tasks] == ["（一）"]


def test_rejoin_does_not_continue_a_finished_department_list() -> None:
    texts = ["责任单位：市市场监管局，各乡镇（街道、管委会）。", "加快推进食品检验快检车辆配备"]
    assert joined(*texts) == texts


# --- numbering forms, Markdown marks, plans naming nobody ----------------------------


@pytest.mark.parametrize(
    ("text", "label", "style"),
    [
        ("一、总体要求", "一、", "cn"),
        ("（一）强化监管", "（一）", "pcn"),
        ("(一)强化监管", "(一)", "pcn"),
        ("㈢强化能力建设", "㈢", "pcn"),  # ㈠…㈩ stand where （一） would
        ("1.开展检查", "1.", "ar"),
        ("1、开展检查", "1、", "ar"),
        ("1．开展检查", "1．", "ar"),
        ("101.开展第101项工作", "101.", "ar"),
        ("（12）开展检查", "（12）", "par"),
        ("⑳开展检查", "⑳", "circ"),
    ],
)
def test_numbering_forms(text, label, style):
    found = split_label(text)
    assert found is not None and found[:2] == (label, style)


def test_a_number_is_no_label():
    assert split_label("3.2批次/千人的抽检量") is None
    assert split_label("2024年起全面推开") is None


def test_items_numbered_past_99_stay_apart():
    lines = ["某区2025年食品安全重点工作", "一、重点任务"]
    lines += [f"{n}.开展第{n}项工作。（区市场监管局牵头）" for n in range(1, 106)]
    plan = parse_text("\n".join(lines))
    assert [t.label for t in plan.tasks] == [f"{n}." for n in range(1, 106)]
    assert plan.tasks[-1].title == "开展第105项工作"


def test_markdown_marks_in_a_text_file():
    text = (
        "# 某县食品安全工作方案\n---\n## 一、主要任务\n"
        "**（一）加强监管。**（县市场监管局负责）\n### （二）做好宣传。（县委宣传部）\n"
    )
    plan = parse_text(text, "网页复制.txt")
    assert plan.title == "某县食品安全工作方案"
    assert [(t.label, t.title, t.lead) for t in plan.tasks] == [
        ("（一）", "加强监管", ["县市场监管局"]),
        ("（二）", "做好宣传", ["县委宣传部"]),
    ]


def test_heading_attribution_is_handed_down_to_its_items():
    plan = parse_text(
        "某区工作方案\n一、强化过程监管\n由区市场监管局承办，区公安局协办。\n"
        "（一）开展餐饮提升行动。\n（二）开展网络订餐整治。（区商务局负责）\n"
    )
    assert [(t.label, t.lead, t.others) for t in plan.tasks] == [
        ("（一）", ["区市场监管局"], ["区公安局"]),
        ("（二）", ["区商务局"], []),  # an item naming its own keeps its own
    ]


def test_plan_naming_nobody_has_tasks_at_its_lowest_level():
    plan = parse_text(
        "某县示范创建方案\n一、工作目标\n（一）全面提升。\n二、主要任务\n"
        "（一）源头治理\n1. 加强耕地管控。\n2. 加强投入品监管。\n（二）开展专项整治。\n"
        "三、保障措施\n（一）加强组织领导。\n"
    )
    assert [(t.label, t.title, t.items) for t in plan.tasks] == [
        ("1.", "加强耕地管控", []),
        ("2.", "加强投入品监管", []),
        ("（二）", "开展专项整治", []),
    ]
    assert plan.warnings == [parser.UNATTRIBUTED_WARNING.format(count=3)]


def test_closing_remarks_of_a_part_are_not_the_last_task():
    plan = parse_text(
        "某区2026年食品安全工作要点\n一、重点任务\n1.加强风险监测。样品不少于240份。\n"
        "责任单位：区卫健委（牵头）、区市场监管局\n"
        "请各单位于2026年12月10日前将全年工作完成情况报区食安办。\n"
    )
    (task,) = plan.tasks
    assert task.deadline is None and "报区食安办" not in task.text
    assert task.lead == ["区卫健委"] and task.others == ["区市场监管局"]
    assert [r.dates for r in plan.reporting] == [["2026-12-10"]]


def test_assign_names_departments_for_a_task():
    task = ParsedTask("1.", [], "加强监管", "加强监管。")
    task.assign(["县市场监管局"], ["县公安局", "县市场监管局"], replace=False)
    assert (task.lead, task.others) == (["县市场监管局"], ["县公安局"])
    task.assign(["县教育局"], ["县卫健委"], replace=False)  # added: 县教育局 joins as 责任
    assert (task.lead, task.others) == (["县市场监管局"], ["县公安局", "县教育局", "县卫健委"])
    task.assign(["县教育局"], [], replace=True)
    assert (task.lead, task.others) == (["县教育局"], [])


def test_an_item_opening_with_a_year_is_its_own_item():
    plan = parse_text(
        "某镇食品安全工作方案\n一、主要任务\n1、加强登记。（镇食安办负责）\n"
        "2、开展培训。（镇卫生院负责）\n3、2025年6月底前完成厨师登记。（镇食安办负责）\n"
        "4.2025年底前建成快检室。（镇食安办负责）\n"
    )
    assert [t.label for t in plan.tasks] == ["1、", "2、", "3、", "4."]
    assert plan.tasks[2].deadline_date == dt.date(2025, 6, 30)


@pytest.mark.parametrize("joint", ["，", "……", "。", ","])
def test_rank_first_remark_however_punctuated(joint):
    plan = parse_text(
        "某县工作方案\n一、主要任务\n"
        f"（一）落实包保责任。（责任单位：县市场监管局、县委组织部{joint}排名第一的为牵头单位{joint}下同）\n"
    )
    (task,) = plan.tasks
    assert (task.lead, task.others) == (["县市场监管局"], ["县委组织部"])


def test_attribution_sentence_in_a_heading_line_goes_to_its_items():
    plan = parse_text(
        "某县工作方案\n一、主要任务\n（一）完善监管体系。由县市场监管局承办，县委编办协办。\n"
        "1.健全乡镇监管所。\n2.建立协管员队伍。\n"
    )
    assert [(t.label, t.lead, t.others) for t in plan.tasks] == [
        ("1.", ["县市场监管局"], ["县委编办"]),
        ("2.", ["县市场监管局"], ["县委编办"]),
    ]
    assert plan.tasks[0].path[-1].as_text() == "（一）完善监管体系"


def test_deadline_is_kept_as_the_plan_writes_it():
    plan = parse_text(
        "某县工作方案\n一、主要任务\n（一）开展抽检。（牵头单位：县市场监管局；完成时限：2025年10月底前）\n"
    )
    assert (plan.tasks[0].deadline, plan.tasks[0].deadline_date) == (
        "2025年10月底前",
        dt.date(2025, 10, 31),
    )


def test_reporting_rule_after_a_markdown_rule():
    plan = parse_text(
        "某县2025年食品安全工作要点\n一、重点任务\n1.加强监管。（县市场监管局负责）\n---\n"
        "请各成员单位于每年12月1日前将年度工作总结报送县食安办。\n"
    )
    assert [(r.dates, r.what) for r in plan.reporting] == [(["12-01"], "年度工作总结")]
