"""Deadlines (完成时限) and reporting rules (报送要求)."""

from __future__ import annotations

import datetime as dt

import pytest
from seeds import seed_path

from foodsafety_desktop.core.plans.reader import read_blocks
from foodsafety_desktop.core.plans.schedule import extract_reporting, parse_deadline

D = dt.date


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2020年10月", ("2020年10月", D(2020, 10, 31))),
        ("完成时间：2020年10月", ("2020年10月", D(2020, 10, 31))),
        ("2019年12月", ("2019年12月", D(2019, 12, 31))),
        ("2024年2月", ("2024年2月", D(2024, 2, 29))),
        ("2022年7月20日", ("2022年7月20日", D(2022, 7, 20))),
        ("2022 年 7 月 20 日前", ("2022年7月20日", D(2022, 7, 20))),
        ("2020年10月前", ("2020年10月", D(2020, 10, 31))),
        ("2024年6月底前", ("2024年6月底", D(2024, 6, 30))),
        ("2023年底", ("2023年底", D(2023, 12, 31))),
        ("2023年底前完成", ("2023年底", D(2023, 12, 31))),
        ("2024年上半年", ("2024年上半年", D(2024, 6, 30))),
        ("2024年第三季度", ("2024年第三季度", D(2024, 9, 30))),
        ("2024年", ("2024年", D(2024, 12, 31))),
        ("2022—2024年", ("2024年", D(2024, 12, 31))),
        ("2024-06-30", ("2024-06-30", D(2024, 6, 30))),
        (
            "2024年6月底前完成排查，2024年12月底前完成整改",
            ("2024年12月底", D(2024, 12, 31)),
        ),
    ],
)
def test_parse_deadline(text, expected):
    assert parse_deadline(text) == expected


@pytest.mark.parametrize(
    "text",
    ["", "年底前", "6月底前", "长期坚持", "持续推进", "每季度", "（2023年版）", "2024年13月"],
)
def test_open_ended_or_yearless_deadlines_are_none(text):
    assert parse_deadline(text) is None


def test_yearless_deadline_with_default_year():
    assert parse_deadline("6月底前", default_year=2024) == ("6月底", D(2024, 6, 30))
    assert parse_deadline("11月15日", default_year=2024) == ("11月15日", D(2024, 11, 15))
    assert parse_deadline("年底前", default_year=2024) == ("年底", D(2024, 12, 31))
    assert parse_deadline("2023年5月", default_year=2024) == ("2023年5月", D(2023, 5, 31))
    assert parse_deadline("长期坚持", default_year=2024) is None


# --- reporting ------------------------------------------------------------------------

JINGKAI = [
    "(五) 实施跟踪问效。各牵头单位要于 2022 年 7 月 20 日",
    "前向区管委会食品安全委员会办公室报送专项攻坚行动工作方案，并于每年12月1日前向区管委会"
    "食品安全委员会办公室报送年度工作总结。区管委会食品安全委员会将攻坚行动实施情况纳入全区"
    "食品安全评议考核内容，对进展情况开展跟踪评价，确保各项任务和工作要求落到实处。",
]
LUSHI = (
    "（四）加强跟踪评估，确保取得实效。县直各牵头部门于2022年5月31日前向县政府食安办报送专项"
    "攻坚行动工作方案。同时，分别于每年的3月25日、6月25日、9月25日和11月30日之前向县政府"
    "食安办报送季度和年度工作总结。县政府食安办将“攻坚行动”实施情况纳入全县食品安全工作考核"
    "内容，对“攻坚行动”进展情况开展跟踪评估，确保各项任务和工作要求落实到位，取得实效。"
)
XINZHENG = (
    "（五）做好督导考核。将食品行业质量提升工作纳入市人民政府对各乡镇（街道、管委会）、各有关"
    "部门质量工作考核范围，同时纳入年度绩效考核指标体系。各相关责任单位每半年报送1次食品行业"
    "质量提升行动阶段情况小结，由市质量强市领导小组办公室对各责任单位工作推进情况强化督查督导"
    "和考评通报。"
)
BAYUQUAN = (
    "（三）按时报送情况。各有关部门要及时总结工作成果，归口报送工作信息，并分别8月25日和11月1日"
    "前向区政府食安办逐条报送食品安全建设年工作各项任务落实情况，重要情况和信息随时报送。"
)


def rules(paragraphs, plan_year=None):
    return [(r.recurrence, r.dates, r.what) for r in extract_reporting(paragraphs, plan_year)]


def test_jingkai_once_and_yearly_across_a_page_break():
    got = extract_reporting(JINGKAI, 2022)
    assert [(r.recurrence, r.dates, r.what) for r in got] == [
        ("once", ["2022-07-20"], "专项攻坚行动工作方案"),
        ("yearly", ["12-01"], "年度工作总结"),
    ]
    sentence = (
        "各牵头单位要于 2022 年 7 月 20 日前向区管委会食品安全委员会办公室报送专项攻坚行动"
        "工作方案，并于每年12月1日前向区管委会食品安全委员会办公室报送年度工作总结。"
    )
    assert got[0].text == got[1].text == sentence


def test_lushi_once_and_quarterly():
    got = extract_reporting([LUSHI], None)
    assert [(r.recurrence, r.dates, r.what) for r in got] == [
        ("once", ["2022-05-31"], "专项攻坚行动工作方案"),
        ("quarterly", ["03-25", "06-25", "09-25", "11-30"], "季度和年度工作总结"),
    ]
    assert got[0].text == "县直各牵头部门于2022年5月31日前向县政府食安办报送专项攻坚行动工作方案。"
    assert got[1].text.startswith("同时，分别于每年的3月25日")


def test_xinzheng_half_yearly_gets_period_ends():
    assert rules([XINZHENG], 2019) == [
        ("half-yearly", ["06-30", "12-31"], "食品行业质量提升行动阶段情况小结")
    ]


def test_bayuquan_yearless_dates_take_the_plan_year():
    got = extract_reporting([BAYUQUAN], 2020)
    assert [(r.recurrence, r.dates, r.what) for r in got] == [
        ("once", ["2020-08-25", "2020-11-01"], "食品安全建设年工作各项任务落实情况")
    ]
    assert got[0].text == BAYUQUAN.removeprefix("（三）按时报送情况。")


def test_yearless_dates_without_plan_year_recur_yearly():
    assert rules([BAYUQUAN], None) == [
        ("yearly", ["08-25", "11-01"], "食品安全建设年工作各项任务落实情况")
    ]


def test_report_to_party_committee():
    sentence = (
        "各镇（街道）、政府食安委各成员单位按职责分工于11月1日前要向区委、区政府报告食品安全"
        "工作情况，同时抄报区政府食安办。"
    )
    got = extract_reporting(["明确地方党委和政府主要负责人为食品安全第一责任人。" + sentence], 2020)
    assert [(r.recurrence, r.dates, r.what, r.text) for r in got] == [
        ("once", ["2020-11-01"], "食品安全工作情况", sentence)
    ]


def test_quarter_end_month_and_year_end_summary():
    text = "请各责任单位于每季度末月25日前报送工作进展，12月10日前报送年度工作总结。"
    assert rules([text], 2024) == [
        ("quarterly", ["03-25", "06-25", "09-25", "12-25"], "工作进展"),
        ("once", ["2024-12-10"], "年度工作总结"),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "各成员单位每季度报送工作进展情况。",
            [("quarterly", ["03-31", "06-30", "09-30", "12-31"], "工作进展情况")],
        ),
        (
            "各乡镇每月5日前报送上月工作开展情况。",
            [("yearly", [f"{m:02d}-05" for m in range(1, 13)], "上月工作开展情况")],
        ),
        (
            "各单位于每年的6月25日和11月30日前向县食安办报送半年和年度工作总结。",
            [("half-yearly", ["06-25", "11-30"], "半年和年度工作总结")],
        ),
        (
            "各单位于每年年底前将年度工作总结报送至县食安办。",
            [("yearly", ["12-31"], "年度工作总结")],
        ),
        ("重要情况和信息随时报送。", []),
        ("全面实行公开承诺和自查评价报告制度。", []),
        ("完善事故调查、处置、报告、信息发布工作程序。", []),
    ],
)
def test_other_reporting_phrases(text, expected):
    assert rules([text], None) == expected


def test_seeds_reporting_rules():
    def seed_rules(name, year):
        texts = [b.text for b in read_blocks(seed_path(name[:3])) if hasattr(b, "text")]
        return rules(texts, year)

    assert seed_rules("000_zhengzhou_jingkai_2022.txt", None) == [
        ("once", ["2022-07-20"], "专项攻坚行动工作方案"),
        ("yearly", ["12-01"], "年度工作总结"),
    ]
    assert seed_rules("002_lushi_2022.txt", None) == [
        ("once", ["2022-05-31"], "专项攻坚行动工作方案"),
        ("quarterly", ["03-25", "06-25", "09-25", "11-30"], "季度和年度工作总结"),
    ]
    assert seed_rules("003_xinzheng_2019.md", None) == [
        ("half-yearly", ["06-30", "12-31"], "食品行业质量提升行动阶段情况小结")
    ]
    # The whole text: the 党政同责 task itself also carries a reporting duty.
    assert seed_rules("004_bayuquan_2020.txt", 2020) == [
        ("once", ["2020-11-01"], "食品安全工作情况"),
        ("once", ["2020-08-25", "2020-11-01"], "食品安全建设年工作各项任务落实情况"),
    ]
    assert seed_rules("001_hongqi_2023.txt", 2023) == []


@pytest.mark.parametrize(
    ("text", "year", "expected"),
    [
        ("加快建设，2024年6月底前完成。", None, ("2024年6月底前", dt.date(2024, 6, 30))),
        ("年底前完成摸底。", 2024, ("年底前", dt.date(2024, 12, 31))),
        ("年底前完成摸底。", None, ("年底前", None)),  # a plan of several years: as written
        ("6月底前完成，9月30日前全部建成。", 2024, ("9月30日前", dt.date(2024, 9, 30))),
        ("三季度末前组织一次演练。", 2024, ("三季度末前", dt.date(2024, 9, 30))),
        ("上半年完成主体登记。", 2024, ("上半年", dt.date(2024, 6, 30))),
        ("年内组织活动不少于6场。", 2025, ("年内", dt.date(2025, 12, 31))),
        ("此项工作长期坚持。", None, ("长期坚持", None)),
        ("到2025年，覆盖率达到90%。", None, None),
        ("2019年以来成效明显。", None, None),
        ("每年12月1日前报送年度工作总结。", 2024, None),
    ],
)
def test_deadline_in_task_text(text, year, expected):
    from foodsafety_desktop.core.plans.schedule import deadline_in_text

    assert deadline_in_text(text, default_year=year) == expected
