"""Tasks from division-of-labour tables (任务分工表)."""

from __future__ import annotations

import datetime as dt

import pytest
from plan_fixtures import make_table_plan_docx

from foodsafety_desktop.core.plans.model import Heading, Table
from foodsafety_desktop.core.plans.reader import read_blocks
from foodsafety_desktop.core.plans.table_plan import split_names, tasks_from_table

SECTION = Heading(label="一、", title="重点工作任务", level=1)


def fixture_table(tmp_path) -> Table:
    blocks = read_blocks(make_table_plan_docx(tmp_path / "安排.docx"))
    (table,) = [b for b in blocks if isinstance(b, Table)]
    return table


def test_fixture_table_gives_six_tasks(tmp_path):
    tasks = tasks_from_table(fixture_table(tmp_path), [SECTION])
    assert tasks is not None
    assert [t.label for t in tasks] == ["1.", "2.", "3.", "4.", "5.", "6."]
    assert [t.title for t in tasks] == [
        "加强受污染耕地安全利用",
        "严格农药兽药使用监管",
        "推进“互联网+明厨亮灶”建设",
        "强化食品安全监督抽检",
        "开展校园食品安全守护行动",
        "加强监管队伍能力建设",
    ]
    first, second, third, _, fifth, sixth = tasks
    assert [h.as_text() for h in first.path] == ["一、重点工作任务", "（一）强化源头治理"]
    assert first.path[1].level == 2
    assert [h.as_text() for h in third.path] == ["一、重点工作任务", "（二）严格过程监管"]
    assert first.text.endswith("受污染耕地安全利用率达到95%以上。")
    assert first.lead == ["县农业农村局"]
    assert first.others == ["县生态环境分局", "县自然资源局"]
    assert first.items[0].cooperating == ["县生态环境分局", "县自然资源局"]
    assert second.others == ["县市场监管局", "各乡镇（街道）"]
    assert fifth.others == ["县市场监管局", "县公安局"]  # names on separate lines
    assert (first.deadline, first.deadline_date) == ("2024年11月", dt.date(2024, 11, 30))
    assert (third.deadline, third.deadline_date) == ("2024年10月31日", dt.date(2024, 10, 31))
    assert (fifth.deadline, fifth.deadline_date) == ("长期坚持", None)
    assert (sixth.deadline, sixth.deadline_date) == ("2024年6月底前", dt.date(2024, 6, 30))
    assert [(t.subject, t.value, t.unit) for t in first.targets] == [
        ("受污染耕地安全利用率", 95.0, "%")
    ]
    assert [(t.subject, t.comparison, t.value) for t in third.targets] == [
        ("学校食堂“明厨亮灶”覆盖率", "≥", 95.0),
        ("大型餐饮服务单位“互联网+明厨亮灶”覆盖率", "≥", 80.0),
    ]
    assert fifth.targets == []


def test_header_in_second_row_any_order_and_no_lead_column():
    table = Table(
        rows=[
            ["卢氏县食品安全攻坚行动任务分工表", "", "", ""],
            ["完成时间", "工作内容", "责任单位", "序号"],
            [
                "2022年12月",
                "实施校园食品安全守护行动。学校食堂“明厨亮灶”覆盖率达100%。",
                "县教育体育局、县市场监管局，各乡镇（街道、管委会）",
                "1",
            ],
            ["2023年6月", "开展农村假冒伪劣食品治理", "县市场监管局；县公安局", "2"],
        ]
    )
    tasks = tasks_from_table(table, [])
    assert tasks is not None
    first, second = tasks
    assert first.label == "1."
    assert first.lead == ["县教育体育局"]
    assert first.others == ["县市场监管局", "各乡镇（街道、管委会）"]
    assert first.deadline_date == dt.date(2022, 12, 31)
    assert [t.value for t in first.targets] == [100.0]
    assert second.title == "开展农村假冒伪劣食品治理"
    assert (second.lead, second.others) == (["县市场监管局"], ["县公安局"])
    assert first.path == []


def test_two_row_header_and_lead_marks():
    table = Table(
        rows=[
            ["序号", "重点任务", "责任单位", "责任单位", "时间节点"],
            ["序号", "重点任务", "牵头单位", "配合单位", "时间节点"],
            ["1", "开展食品安全宣传周活动", "县食安办", "县食安委各成员单位", "6月底前"],
        ]
    )
    (task,) = tasks_from_table(table, [], plan_year=2024) or []
    assert task.lead == ["县食安办"]
    assert task.others == ["县食安委各成员单位"]
    assert (task.deadline, task.deadline_date) == ("6月底前", dt.date(2024, 6, 30))


def test_lead_marked_in_the_responsible_column():
    table = Table(
        rows=[
            ["序号", "工作任务", "责任单位", "完成时限"],
            [
                "1",
                "整治校园周边环境",
                "县公安局、县教育局（牵头）、县市场监管局按职责分工负责",
                "长期",
            ],
        ]
    )
    (task,) = tasks_from_table(table, []) or []
    assert task.lead == ["县教育局"]
    assert task.others == ["县公安局", "县市场监管局"]
    assert (task.deadline, task.deadline_date) == ("长期", None)


def test_section_rows_nest_and_plain_full_width_rows():
    table = Table(
        rows=[
            ["序号", "任务", "牵头单位", "参与单位"],
            ["一、源头治理", "一、源头治理", "一、源头治理", "一、源头治理"],
            ["（一）农业投入品", "", "", ""],
            ["1", "农药减量", "县农业农村局", "县供销社"],
            ["二、过程监管", "", "", ""],
            ["2", "餐饮监管", "县市场监管局", ""],
            ["其他工作", "其他工作", "其他工作", "其他工作"],
            ["3", "宣传培训", "县委宣传部", "县市场监管局"],
        ]
    )
    tasks = tasks_from_table(table, []) or []
    assert [[h.as_text() for h in t.path] for t in tasks] == [
        ["一、源头治理", "（一）农业投入品"],
        ["二、过程监管"],
        ["二、过程监管", "其他工作"],
    ]
    assert [[h.level for h in t.path] for t in tasks] == [[1, 2], [1], [1, 2]]
    assert tasks[1].others == []
    assert tasks[2].items[0].cooperating == ["县市场监管局"]


def test_vertically_merged_task_with_one_row_per_department_group():
    table = Table(
        rows=[
            ["序号", "工作任务", "牵头单位", "配合单位"],
            ["1", "整治校园周边食品安全", "县市场监管局", "县教育局"],
            ["1", "整治校园周边食品安全", "县公安局", "各乡镇"],
            ["2", "打击食品犯罪", "县公安局", ""],
        ]
    )
    tasks = tasks_from_table(table, []) or []
    assert [t.label for t in tasks] == ["1.", "2."]
    assert tasks[0].lead == ["县市场监管局", "县公安局"]
    assert tasks[0].others == ["县教育局", "各乡镇"]
    assert len(tasks[0].items) == 2


def test_repeated_header_row_is_skipped():
    table = Table(
        rows=[
            ["序号", "工作任务", "责任单位"],
            ["1", "任务甲", "县市场监管局"],
            ["序号", "工作任务", "责任单位"],
            ["2", "任务乙", "县农业农村局"],
        ]
    )
    assert [t.title for t in tasks_from_table(table, []) or []] == ["任务甲", "任务乙"]


@pytest.mark.parametrize(
    "rows",
    [
        [["指标名称", "2022年", "2023年"], ["抽检量", "3", "4"]],
        [["序号", "单位名称", "联系人"], ["1", "县市场监管局", "张三"]],
        [["一、总体要求"]],
        [],
    ],
)
def test_other_tables_are_not_recognised(rows):
    assert tasks_from_table(Table(rows=rows), []) is None


def test_split_names_keeps_parentheses():
    assert split_names(
        "县市场监管局、各乡镇（街道、管委会），县公安局;县卫健委 县教育局\n县财政局"
    ) == [
        "县市场监管局",
        "各乡镇（街道、管委会）",
        "县公安局",
        "县卫健委",
        "县教育局",
        "县财政局",
    ]
    assert split_names("无") == []
