"""Department lists and attribution notes (牵头单位 / 责任单位) as plans write them."""

from __future__ import annotations

import pytest

from foodsafety_desktop.core.plans.attribution import (
    Attribution,
    combine_labelled,
    infer_from_text,
    is_department_name,
    iter_parentheticals,
    parse_label_line,
    parse_note,
    split_by_attributions,
    split_department_list,
)


def roles(found: Attribution | None) -> tuple[list[str], list[str], list[str]] | None:
    return None if found is None else (found.lead, found.others, found.cooperating)


# --- department names ---------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "区市场监管局",
        "区委宣传部",
        "区委网信办",
        "区卫健委",
        "发改委",
        "公安红旗分局",
        "生态环境红旗分局",
        "区自然资源事务中心",
        "鲅鱼圈海关",
        "区供销社",
        "区科协",
        "区法院",
        "区检察院",
        "区政府",
        "区政府食安办",
        "各办事处",
        "各乡镇政府",
        "各镇（街道）",
        "各乡镇（街道、管委会）",
        "区食安委各成员单位",
        "有关部门",
        "区宣传部（文明办）",
        "区综合行政执法局(城市管理局)",
        "三门峡市生态环境局卢氏分局",
    ],
)
def test_department_names(name: str) -> None:
    assert is_department_name(name)


@pytest.mark.parametrize(
    "text",
    [
        "2023年版",
        "园长",
        "含特殊食品",
        "小餐饮",
        "或",
        "仅销售食用农产品的除外",
        "修",
        "街道",
        "药物",
        "小区",
        "GAP",
        "郑州",
        "按国家统筹",
        "产业联盟",
        "集中",
        "信息员",
        "市、区",
    ],
)
def test_not_department_names(text: str) -> None:
    assert not is_department_name(text)


# --- lists --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("区市场监督管理局、新区海关、车站海关", ["区市场监督管理局", "新区海关", "车站海关"]),
        (
            "三门峡市生态环境局卢氏分局、农业农村局，各乡镇政府",
            ["三门峡市生态环境局卢氏分局", "农业农村局", "各乡镇政府"],
        ),
        # inner 、 of a group name does not split it
        (
            "市农委、市粮食和物资储备局、市市场监管局，各乡镇（街道、管委会）",
            ["市农委", "市粮食和物资储备局", "市市场监管局", "各乡镇（街道、管委会）"],
        ),
        # 和 joins two names only when the left part is itself a department
        (
            "市委编办、市农委、市市场监管局和各乡镇（街道、管委会）",
            ["市委编办", "市农委", "市市场监管局", "各乡镇（街道、管委会）"],
        ),
        ("市自然资源和规划局", ["市自然资源和规划局"]),
        # "X及有关部门": 有关部门 is kept as a group of its own
        (
            "市农委、市粮食和物资储备局、市市场监管局及有关部门",
            ["市农委", "市粮食和物资储备局", "市市场监管局", "有关部门"],
        ),
        # …but a group followed by 及有关部门 stays one group name
        ("区政府食安委相关成员单位及有关部门", ["区政府食安委相关成员单位及有关部门"]),
        (
            "市食安办会同市食安委相关成员单位，各乡镇（街道、管委会）",
            ["市食安办", "市食安委相关成员单位", "各乡镇（街道、管委会）"],
        ),
        (
            "区宣传部（文明办）、公安局经开分局、区政务 服务局、各办事处",
            ["区宣传部（文明办）", "公安局经开分局", "区政务服务局", "各办事处"],
        ),
        ("区综合行政执法局(城市管理局)，区工信局。", ["区综合行政执法局(城市管理局)", "区工信局"]),
    ],
)
def test_split_department_list(text: str, names: list[str]) -> None:
    assert split_department_list(text) == names


# --- notes in parentheses -----------------------------------------------------------


@pytest.mark.parametrize(
    ("inner", "expected"),
    [
        (
            "区农业农村局牵头，区市场监管局、区公安局、区法院按职责分工负责",
            (["区农业农村局"], ["区市场监管局", "区公安局", "区法院"], []),
        ),
        ("区商务局牵头，区市场监管局配合", (["区商务局"], ["区市场监管局"], ["区市场监管局"])),
        # the same department as lead and cooperating: it stays lead only
        ("区市场监管局牵头，区市场监管局配合", (["区市场监管局"], [], [])),
        ("区市场监管局牵头、区工信局配合", (["区市场监管局"], ["区工信局"], ["区工信局"])),
        ("区食安办，区食安委各成员单位按职责分工负责", (["区食安办"], ["区食安委各成员单位"], [])),
        ("区市场监管局", (["区市场监管局"], [], [])),
        ("区政府食安办", (["区政府食安办"], [], [])),
        ("区发改局负责", (["区发改局"], [], [])),
        ("区政府负责", (["区政府"], [], [])),
        ("区农业农村局、区市场监管局", (["区农业农村局"], ["区市场监管局"], [])),
        (
            "公安红旗分局牵头、区市场监管局按职责分工负责",
            (["公安红旗分局"], ["区市场监管局"], []),
        ),
        (
            "区发改局牵头，区财政局配合，各镇（街道）按职责分工负责",
            (["区发改局"], ["区财政局", "各镇（街道）"], ["区财政局"]),
        ),
        (
            "区政府食安办、区农业农村局，各镇（街道）按职责分工负责",
            (["区政府食安办"], ["区农业农村局", "各镇（街道）"], []),
        ),
        (
            "区政府食安办牵头，区政府食安委相关成员单位及有关部门按职责分工负责",
            (["区政府食安办"], ["区政府食安委相关成员单位及有关部门"], []),
        ),
        (
            "责任单位：县卫健委、发改委、农业农村局、市场监管局。排名第一的为牵头单位，下同",
            (["县卫健委"], ["发改委", "农业农村局", "市场监管局"], []),
        ),
        (
            "责任单位：三门峡市生态环境局卢氏分局、农业农村局，各乡镇政府",
            (["三门峡市生态环境局卢氏分局"], ["农业农村局", "各乡镇政府"], []),
        ),
        (
            "牵头单位：区市场监管局；配合单位：区公安局",
            (["区市场监管局"], ["区公安局"], ["区公安局"]),
        ),
        (" 区市场监管局（牵头）、区公安局 ", (["区市场监管局"], ["区公安局"], [])),
    ],
)
def test_parse_note(inner: str, expected: tuple) -> None:
    assert roles(parse_note(inner)) == expected


@pytest.mark.parametrize(
    "inner",
    [
        "2023年版",
        "园长",
        "含特殊食品",
        "小餐饮",
        "文明办以外",
        "或",
        "仅销售食用农产品的除外",
        "修",
        "街道",
        "药物",
        "小区",
        "GAP",
        "市、区",
        "无公害农产品、绿色食品、有机农产品和农产品地理标志",
        "冷链食品、休闲食品",
        "按国家统筹",
        "2019年7月—2020年9月",
    ],
)
def test_parse_note_rejects_prose(inner: str) -> None:
    assert parse_note(inner) is None


def test_labelled_note_with_deadline() -> None:
    found = parse_note("责任单位：区市场监管局、区公安局；完成时限：2022年底前")
    assert roles(found) == (["区市场监管局"], ["区公安局"], [])
    assert found is not None and found.deadline == "2022年底前"


# --- lines --------------------------------------------------------------------------


def test_label_lines() -> None:
    assert parse_label_line("牵头单位：区社会事业局") == ("lead", "区社会事业局")
    assert parse_label_line("责任单位:市农委、市商务局") == ("responsible", "市农委、市商务局")
    assert parse_label_line("完成时间：2020年10月") == ("deadline", "2020年10月")
    assert parse_label_line("配合单位： 区公安局") == ("cooperating", "区公安局")
    assert parse_label_line("各牵头单位要于2022年7月20日前报送") is None


def test_combine_lines_with_several_leads() -> None:
    found = combine_labelled(
        [
            ("lead", "新区海关、车站海关"),
            ("responsible", "区市场监督管理局、公安局经开分局、各办事处"),
            ("deadline", "2020年10月"),
        ]
    )
    assert roles(found) == (
        ["新区海关", "车站海关"],
        ["区市场监督管理局", "公安局经开分局", "各办事处"],
        [],
    )
    assert found.deadline == "2020年10月"


def test_combine_lines_without_lead_takes_first_named() -> None:
    found = combine_labelled(
        [("responsible", "市食安办会同市食安委相关成员单位，各乡镇（街道、管委会）")]
    )
    assert roles(found) == (["市食安办"], ["市食安委相关成员单位", "各乡镇（街道、管委会）"], [])


# --- scanning task text -------------------------------------------------------------


def test_iter_parentheticals_nested_and_mixed_widths() -> None:
    text = "对照《县（市、区）细则（2023年版）》。（区食安办(牵头)）各乡镇（街道、管委会)和"
    inners = [inner for _, _, inner in iter_parentheticals(text)]
    assert inners == ["市、区", "2023年版", "区食安办(牵头)", "街道、管委会"]


def clauses(text: str) -> list[tuple[str, list[str] | None]]:
    return [
        (s.text, s.attribution.names() if s.attribution else None)
        for s in split_by_attributions(text)
    ]


def test_split_clauses_period_before_and_after_note() -> None:
    text = (
        "将严重违法食品生产经营者列入“黑名单”（区市场监管局负责）。"
        "完善守信联合激励和失信联合惩戒机制。（区发改局、区市场监管局按职责分工负责）"
    )
    assert clauses(text) == [
        ("将严重违法食品生产经营者列入“黑名单”。", ["区市场监管局"]),
        ("完善守信联合激励和失信联合惩戒机制。", ["区发改局", "区市场监管局"]),
    ]


def test_split_clauses_half_width_note_and_semicolon() -> None:
    text = "加强宣传(区委宣传部负责)；开展培训。(区市场监管局)"
    assert clauses(text) == [
        ("加强宣传；", ["区委宣传部"]),
        ("开展培训。", ["区市场监管局"]),
    ]


def test_split_keeps_other_parentheticals() -> None:
    text = (
        "全面落实学校食品安全校长（园长）责任制。食品小经营店（小餐饮）明厨亮灶建设。"
        "网络食品（含特殊食品）备案。制（修）订标准。（区市场监管局）"
    )
    assert clauses(text) == [(text.removesuffix("（区市场监管局）"), ["区市场监管局"])]


def test_alias_after_a_department_name_is_not_a_note() -> None:
    text = "区宣传部（文明办）、乡镇卫生院（社区卫生服务中心）、区综合行政执法局（城市管理局）"
    assert clauses(text) == [(text, None)]


def test_text_after_the_last_note_is_unattributed() -> None:
    text = "开展宣传。（区市场监管局）探索推行“7S”管理。"
    assert clauses(text) == [("开展宣传。", ["区市场监管局"]), ("探索推行“7S”管理。", None)]


def test_deadline_note_does_not_cut_the_clause() -> None:
    segments = split_by_attributions("建成平台（完成时限：2022年底），推广应用。（区市场监管局）")
    assert [s.text for s in segments] == ["建成平台，推广应用。"]
    assert segments[0].attribution is not None
    assert segments[0].attribution.deadline == "2022年底"


def test_infer_from_text() -> None:
    text = (
        "建立部门间统计数据定期共享机制。各镇（街道）、政府食安委各成员单位按职责分工"
        "于11月1日前要向区委、区政府报告食品安全工作情况。"
    )
    assert roles(infer_from_text(text)) == (["各镇（街道）"], ["政府食安委各成员单位"], [])
    assert infer_from_text("各单位要按职责分工抓好落实。") is None


def test_bare_note_after_a_clause_ending_like_a_name_part() -> None:
    # "放心" ends in 心 but is no department ("中心" is): the note attributes the clause
    assert clauses("让消费者吃得更加放心（区市场监管局）") == [
        ("让消费者吃得更加放心", ["区市场监管局"])
    ]


# --- the general grammar: sentences, several labels, mixed notes --------------------

from foodsafety_desktop.core.plans.attribution import (  # noqa: E402
    parse_labelled_line,
    parse_role_sentence,
    split_prefix_attribution,
    split_suffix_attribution,
    split_trailing_labels,
)


@pytest.mark.parametrize(
    ("text", "expected", "rest"),
    [
        (
            "由市经贸委负责，市农业局、卫生局配合，加快建设。",
            (["市经贸委"], ["市农业局", "卫生局"], ["市农业局", "卫生局"]),
            "加快建设。",
        ),
        ("县农业局负责，加强监管。", (["县农业局"], [], []), "加强监管。"),
        (
            "由县教育局、县市场监管局负责，开展行动。",
            (["县教育局", "县市场监管局"], [], []),
            "开展行动。",
        ),
        (
            "由区食安办牵头，各街道办事处参与，开展督查。",
            (["区食安办"], ["各街道办事处"], ["各街道办事处"]),
            "开展督查。",
        ),
    ],
)
def test_prefix_sentence(text, expected, rest):
    found, remainder = split_prefix_attribution(text)
    assert roles(found) == expected
    assert remainder == rest


@pytest.mark.parametrize(
    "text",
    [
        "县市场监管局负责对全县食品生产企业开展监督检查。",  # 负责 governs the clause
        "各单位要加强领导，明确责任。",
        "（区农业农村局牵头，区市场监管局配合）",
    ],
)
def test_prose_is_no_prefix(text):
    assert split_prefix_attribution(text) is None


def test_attribution_sentences():
    assert roles(parse_role_sentence("此项工作由县发改委负责，县市场监管局协办。")) == (
        ["县发改委"],
        ["县市场监管局"],
        ["县市场监管局"],
    )
    assert roles(parse_role_sentence("由区市场监管局承办，区公安局、各街道办事处协办。")) == (
        ["区市场监管局"],
        ["区公安局", "各街道办事处"],
        ["区公安局", "各街道办事处"],
    )
    assert parse_role_sentence("区市场监管局、区公安局。") is None  # a bare list is prose here
    rest, found = split_suffix_attribution(
        "推进明厨亮灶建设，此项工作由市市场监管局牵头，各县（市、区）人民政府参与。"
    )
    assert rest == "推进明厨亮灶建设。"
    towns = ["各县（市、区）人民政府"]
    assert roles(found) == (["市市场监管局"], towns, towns)
    assert split_suffix_attribution("加强宣传，各部门配合。") is None  # no 由: prose


def test_several_labels_on_one_line():
    assert parse_labelled_line("牵头单位：区市场监管局；配合单位：区财政局、区委编办") == [
        ("lead", "区市场监管局"),
        ("cooperating", "区财政局、区委编办"),
    ]
    assert parse_labelled_line("主办单位:市教育局  协办单位:市市场监管局") == [
        ("lead", "市教育局"),
        ("cooperating", "市市场监管局"),
    ]
    assert parse_labelled_line("【牵头单位】市发改委") == [("lead", "市发改委")]
    assert parse_labelled_line("责任单位要切实履行职责") is None
    text, entries = split_trailing_labels(
        "开展学校食品安全检查。责任单位：市教育局（牵头）、市卫健委"
    )
    assert text == "开展学校食品安全检查。"
    assert entries == [("responsible", "市教育局（牵头）、市卫健委")]


def test_mixed_note_and_joint_leads():
    assert roles(parse_note("市市场监管局牵头，市公安局配合；完成时限：2023年底前")) == (
        ["市市场监管局"],
        ["市公安局"],
        ["市公安局"],
    )
    mixed = parse_note("市市场监管局牵头，市公安局配合；完成时限：2023年底前")
    assert mixed.deadline == "2023年底前"
    assert roles(parse_note("区市场监管局、区农业农村局负责")) == (
        ["区市场监管局", "区农业农村局"],
        [],
        [],
    )
    # after an explicit 牵头 unit, 负责 is 责任
    found = parse_note("区市场监管局牵头，区公安局负责")
    assert roles(found) == (["区市场监管局"], ["区公安局"], [])
    assert roles(parse_note("海关、市商务局")) == (["海关"], ["市商务局"], [])
