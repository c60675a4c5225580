"""The place a plan is for (地区: 卢氏县, 红旗区, 营口市鲅鱼圈区), found by one rule from the
发文机关, the title, the head's lines, the 文号 and the department names (``core.places``).

Every expected place was read off the plan text itself: the five seeds, the corpus plans
of ``tests/data/plans`` and the hand-written plans below.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from seeds import seed_path

from foodsafety_desktop.core import names
from foodsafety_desktop.core.places import (
    check_place,
    find_place,
    is_place,
    leading_place,
    office_name_of,
    place_name,
    plan_place,
)
from foodsafety_desktop.core.plans.parser import parse_text
from foodsafety_desktop.core.plans.reader import read_plan

PACKAGE = Path(__file__).resolve().parents[2] / "foodsafety_desktop"
PLANS = Path(__file__).resolve().parents[1] / "data" / "plans"

# --- the five seeds ------------------------------------------------------------------------

# (seed, place, level, issuer, title): 000 and 002/003 have a 发文机关 ("…文件"); 001 and 004
# write the place in the title only ("2023年红旗区…", "2020年营口市鲅鱼圈区…" over two lines).
SEEDS = [
    (
        "000",
        "郑州经济技术开发区",
        "区",
        "郑州经济技术开发区管理委员会办公室",
        "经开区深化食品安全放心工程建设攻坚行动实施方案（2022—2024年）",
    ),
    ("001", "红旗区", "区", None, "2023年红旗区食品安全工作要点"),
    (
        "002",
        "卢氏县",
        "县",
        "卢氏县人民政府办公室",
        "卢氏县深化食品安全放心工程建设攻坚行动工作方案（2022—2024年）",
    ),
    ("003", "新郑市", "市", "新郑市人民政府办公室", "新郑市食品行业质量提升行动方案"),
    (
        "004",
        "营口市鲅鱼圈区",
        "区",
        None,
        "2020年营口市鲅鱼圈区食品安全重点工作安排暨食品安全建设年工作方案",
    ),
]


@pytest.mark.parametrize(("seed", "place", "level", "issuer", "title"), SEEDS)
def test_seed_place(seed, place, level, issuer, title):
    plan = read_plan(seed_path(seed))
    assert (plan.title, plan.issuer) == (title, issuer)
    assert (plan.place, plan.jurisdiction) == (place, level)
    assert plan.stored_jurisdiction == place
    assert plan.to_json()["place"] == place
    # the title-only seeds keep their place: it is not only the 发文机关's
    if issuer is None:
        assert leading_place(title) == place


def test_seed_000_prefers_the_issuer_the_doc_number_abbreviates():
    """经开区 (title) and 郑州经济技术开发区 (发文机关, 郑经管办〔2022〕12号) name one place:
    the issuer's full name is taken, with or without the 文号."""
    plan = read_plan(seed_path("000"))
    assert plan.doc_number == "郑经管办〔2022〕12号"
    assert leading_place(plan.title) == "经开区"
    title_first = find_place(title=plan.title, issuer=None, level="区")
    assert title_first == "经开区"
    assert (
        find_place(title=plan.title, department_names=["郑州经济技术开发区市场监管局"], level="区")
        == "经开区"
    )
    assert (
        find_place(
            title=plan.title,
            department_names=["郑州经济技术开发区市场监管局"],
            doc_number=plan.doc_number,
            level="区",
        )
        == "郑州经济技术开发区"
    )


# --- the corpus (each place read off the plan's first lines) -------------------------------

CORPUS = {
    "anping_city_2023_zhongdian_gongzuo_anpai": "安平市",
    "baihe_district_2026_lead_in_list": "白河区",  # 发文机关 line without 文件; 白食安办
    "baishui_city_2020_zhongdian_gongzuo_joint": "白水市",
    "beiling_district_2023_web_markdown": "北岭区",
    "changning_county_2022_multi_paren": "长宁县",
    "dongcheng_district_2021_shouhu_xingdong": "东城区",
    "fengcheng_city_2022_section_qiantou": "丰城市",
    "guanghe_county_2026_unattributed_enclosed": "光和县",  # no department at all
    "heshan_district_2025_prefix_bare_cixiang": "鹤山区",
    "hexi_district_2024_paren_bare_circled": "河西区",
    "holdout_anhe_district_2025_web_yaodian": "安禾区",
    "holdout_baishi_county_2025_renwu_fengong": "白石县",
    "holdout_heyang_city_2024_bufen_qingdan": "河阳市",
    "holdout_luxi_district_2026_rank_first_halfwidth": "鹿溪区",
    "holdout_qingyuan_county_2023_zhuanxiang_mixed": "青垣县",
    "holdout_shuiquan_county_2022_section_qiantou": "水泉县",
    "holdout_tongshan_district_2022_canzhuo_anquan": "桐杉区",
    "holdout_xiangshui_city_2021_chengban_lines": "湘水市",
    "holdout_yanling_county_2024_gongzuo_yaodian": "岩岭县",
    "holdout_yuchuan_county_2023_zeren_bumen_circled": "榆川县",
    "huaxi_county_2019_excerpt_prefix_bare": None,  # an excerpt: "（节选）", 县… only
    "jinhu_district_2024_gongzuo_yaodian_qiantou": "金湖区",
    "jinxi_county_2019_rank_first": "金溪县",
    "lanping_county_2024_halfwidth_labelled": "兰坪县",  # first line not taken for a title
    "linjiang_district_2022_fangxin_gongcheng": "临江区",
    "liuhe_county_2019_unattributed_gbk": "六合县",
    "nanshan_county_2020_gongzuo_fangan_cixiang": "南山县",
    "pingyang_city_2024_excerpt_wide_numbers": "平阳市",
    "qinghe_county_2024_gongzuo_yaodian": "清河县",
    "qingshan_county_2025_paren_labelled": "青山县",
    "qingshi_county_2021_multi_paren_dun": "青石县",
    "shuangfeng_county_2025_renwu_qingdan": "双峰县",
    "songxi_county_2020_vague_partner": "松溪县",
    "taihe_district_2025_zhongdian_anpai": "泰和区",
    "taoyuan_county_2021_section_chengban": "桃源县",
    "xinan_district_2021_halfwidth": "新安区",
    "xiping_county_2023_shishi_fangan_zeren_bumen": "西平县",
    "yongan_district_2023_paren_role": "永安区",
    "yunhe_county_2022_chengban_xieban_gbk": "云和县",
}


def corpus_plans() -> list[Path]:
    return sorted(
        p
        for p in PLANS.iterdir()
        if p.suffix in (".txt", ".md") and p.stem.lower() not in ("readme", "accuracy")
    )


def test_every_corpus_plan_has_an_expected_place():
    assert sorted(p.stem for p in corpus_plans()) == sorted(CORPUS)


@pytest.mark.parametrize("path", corpus_plans(), ids=lambda p: p.stem)
def test_corpus_place(path):
    plan = read_plan(path)
    assert plan.place == CORPUS[path.stem]
    if plan.place:
        assert names.jurisdiction_level(plan.place) == plan.jurisdiction


@pytest.mark.parametrize(
    ("stem", "issuer"),
    [
        ("baihe_district_2026_lead_in_list", "白河区食品安全委员会办公室"),
        ("dongcheng_district_2021_shouhu_xingdong", "东城区食品安全委员会办公室"),
        ("yongan_district_2023_paren_role", "永安区人民政府办公室"),  # before 关于印发
        ("holdout_yanling_county_2024_gongzuo_yaodian", "岩岭县食品安全委员会办公室"),
    ],
)
def test_issuer_lines_without_wenjian(stem, issuer):
    path = next(p for p in corpus_plans() if p.stem == stem)
    assert read_plan(path).issuer == issuer


# --- plans written in other forms -----------------------------------------------------------

TASKS = (
    "一、重点任务\n"
    "（一）加强食品安全监管。开展专项检查，全年抽检不少于500批次。"
    "（{lead}牵头，{other}配合）\n"
    "（二）推进示范创建。巩固省级食品安全示范创建成果。（{lead}负责）\n"
)


def plan_text(head: str, lead: str = "县市场监管局", other: str = "县农业农村局") -> str:
    return head + "\n" + TASKS.format(lead=lead, other=other)


@pytest.mark.parametrize(
    ("head", "place", "level"),
    [
        # 发文机关 "XX县食品安全委员会办公室" on its own line, 文号 "X食安办〔2024〕3号",
        # a notice without a place: the organ gives it.
        (
            "卢氏县食品安全委员会办公室\n卢食安办〔2024〕3号\n"
            "关于做好2024年全县食品安全重点工作的通知\n各乡镇人民政府，县食安委各成员单位：",
            "卢氏县",
            "县",
        ),
        # the organ before 关于印发 on the notice line
        (
            "卢氏县人民政府办公室关于印发2024年食品安全工作要点的通知\n2024年食品安全工作要点",
            "卢氏县",
            "县",
        ),
        # titles "XX市XX区2024年…": a district keeps its city
        ("新乡市红旗区2024年食品安全工作要点", "新乡市红旗区", "区"),
        # a province and a city before a county are not part of it
        ("河南省三门峡市卢氏县2024年食品安全工作要点", "卢氏县", "县"),
        ("中共卢氏县委办公室 卢氏县人民政府办公室文件\n2024年食品安全工作要点", "卢氏县", "县"),
        ("长阳土家族自治县2024年食品安全工作要点", "长阳土家族自治县", "县"),
        ("（此件公开发布）\n《双峰县2025年食品安全工作任务清单》", "双峰县", "县"),
    ],
)
def test_place_in_other_forms(head, place, level):
    plan = parse_text(plan_text(head, f"{level}市场监管局", f"{level}农业农村局"))
    assert (plan.place, plan.jurisdiction) == (place, level)


def test_department_prefix_rules_out_a_place_of_another_level():
    """Issued by the city's office (三食安办), for a county: its departments are 县… and
    only 卢氏县 is a 县."""
    text = plan_text(
        "三门峡市食品安全委员会办公室文件\n三食安办〔2024〕1号\n"
        "关于印发卢氏县2024年食品安全工作要点的通知\n卢氏县2024年食品安全工作要点"
    )
    plan = parse_text(text)
    assert plan.issuer == "三门峡市食品安全委员会办公室"
    assert (plan.place, plan.jurisdiction) == ("卢氏县", "县")
    # the same plan with 区 departments names no place of its own
    other = parse_text(
        "三门峡市食品安全委员会办公室文件\n2024年食品安全工作要点\n"
        + TASKS.format(lead="区市场监管局", other="区农业农村局")
    )
    assert (other.place, other.jurisdiction) == (None, "区")


def test_department_names_carrying_the_place():
    """No place at the head; the departments write it ("卢氏县市场监管局牵头")."""
    plan = parse_text(plan_text("2024年食品安全工作要点", "卢氏县市场监管局", "卢氏县农业农村局"))
    assert (plan.place, plan.jurisdiction) == ("卢氏县", "县")


def test_no_place_anywhere_keeps_the_level():
    plan = parse_text(plan_text("食品安全工作要点"))
    assert (plan.place, plan.jurisdiction) == (None, "县")
    assert plan.stored_jurisdiction == "县"


def test_doc_number_and_longer_spelling():
    assert find_place(title="红旗区2024年工作要点", department_names=["卫滨区商务局"]) == "红旗区"
    assert (
        find_place(
            title="红旗区2024年工作要点",
            department_names=["卫滨区商务局"],
            doc_number="卫食安办〔2024〕1号",
        )
        == "卫滨区"
    )
    assert (
        find_place(issuer="红旗区人民政府办公室", title="新乡市红旗区2024年食品安全工作要点")
        == "新乡市红旗区"
    )
    assert find_place(title="三门峡市2024年工作要点", level="县") is None


@pytest.mark.parametrize(
    ("text", "place"),
    [
        ("卢氏县人民政府办公室", "卢氏县"),
        ("2022—2024年卢氏县食品安全工作", "卢氏县"),
        ("红旗区食品安全", "红旗区"),  # 旗 inside a name
        ("沙市区人民政府", "沙市区"),
        ("济南市市中区人民政府", "济南市市中区"),
        ("济南市市场监管局", "济南市"),
        ("新郑市市场监督管理局", "新郑市"),
        ("新郑市区食品安全", "新郑市"),  # the city's urban area, not a district
        ("郑州市新郑市人民政府", "新郑市"),
        ("内蒙古自治区鄂伦春自治旗", "鄂伦春自治旗"),
        ("恩施土家族苗族自治州利川市", "利川市"),
        ("全州县人民政府", "全州县"),
        ("泰和县人民政府", "泰和县"),
        ("县市场监管局", None),
        ("区委宣传部", None),
        ("市食安办", None),
        ("全县各乡镇", None),
        ("我区食品安全", None),
        ("各县（市、区）人民政府", None),
        ("食品安全示范区创建", None),
        ("关于做好2026年全区食品安全重点工作的通知", None),
        ("三门峡市生态环境局卢氏分局", "三门峡市"),
        ("", None),
        (None, None),
    ],
)
def test_leading_place(text, place):
    assert leading_place(text) == place


# --- stored values, the level, the office's name --------------------------------------------


def test_jurisdiction_level_and_prefix_of_a_place():
    assert [names.jurisdiction_level(j) for j in ("卢氏县", "营口市鲅鱼圈区", "县", "", None)] == [
        "县",
        "区",
        "县",
        None,
        None,
    ]
    # the place stored on the plan prefixes bare names with its level, as the level did
    assert names.prefixed("发改委", "卢氏县") == "县发改委"
    assert names.prefixed("发改委", "营口市鲅鱼圈区") == "区发改委"
    assert names.prefixed("发改委", "县") == "县发改委"
    assert names.prefixed("县委宣传部", "卢氏县") is None


def test_stored_place_and_plans_of_earlier_versions():
    assert (place_name("卢氏县"), place_name("县"), place_name(None)) == ("卢氏县", None, None)
    assert is_place("营口市鲅鱼圈区") and not is_place("区") and not is_place("市场监管局")
    # earlier versions stored the level only: the place is found again from the title
    assert plan_place("区", title="2023年红旗区食品安全工作要点") == "红旗区"
    assert plan_place("区", issuer="卢氏县人民政府办公室") is None  # another level
    assert plan_place("卢氏县", title="2023年红旗区食品安全工作要点") == "卢氏县"
    assert office_name_of("卢氏县") == "卢氏县食品安全委员会办公室"
    assert office_name_of(None, "区") == "区食品安全委员会办公室"
    assert office_name_of(None) == "食品安全委员会办公室"


def test_check_place():
    assert check_place(" 卢氏 县 ") == "卢氏县"
    assert check_place("") is None
    with pytest.raises(ValueError, match="以“县”“区”“市”或“旗”结尾"):
        check_place("卢氏")


@pytest.mark.parametrize("module", ["places.py", "titles.py"])
def test_place_and_title_rules_are_pure(module):
    """core/places.py and core/titles.py need no database and no Qt (like core/names.py)."""
    tree = ast.parse((PACKAGE / "core" / module).read_text(encoding="utf-8"))
    imported = {
        node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
    } | {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    banned = {
        name
        for name in imported
        if name.split(".")[0] in ("sqlalchemy", "PySide6")
        or name.startswith(("foodsafety_desktop.core.storage", "foodsafety_desktop.core.services"))
    }
    assert not banned
