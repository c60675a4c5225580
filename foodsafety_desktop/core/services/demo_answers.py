"""What the departments of 卢氏县 (seed 002) answer in the demo's 2022年第三季度 workbooks.

Fixed texts, no randomness: the demo database is the same on every start.  Ported from
``tests/core/make_summary_sample.py`` (an annual report there) and reworded for a
quarterly report.  ``fill_workbook`` writes one department's answers into its template.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl

from foodsafety_desktop.core.excel import template_layout as layout
from foodsafety_desktop.core.services.templates import TemplateRow
from foodsafety_desktop.core.storage.models import (
    STATUS_BEHIND,
    STATUS_DONE,
    STATUS_ON_SCHEDULE,
)

# Departments that have not reported, and the one that reported after the due date.
SILENT = ("县供销社", "县财政局")
LATE = ("县文广旅局",)

# 完成情况 of each task (by position in the plan) in the third quarter of 2022.
STATUS_BY_POSITION = {2: STATUS_BEHIND, 4: STATUS_DONE, 12: STATUS_DONE}
DEFAULT_STATUS = STATUS_ON_SCHEDULE

# What the lead (牵头) department of each task reports: measures, data, typical example.
LEAD: dict[int, tuple[str, str, str]] = {
    1: (
        "印发《卢氏县2022年食品安全风险监测方案》，在县人民医院、县中医院设立食源性疾病"
        "监测哨点医院2家，三季度组织食品安全标准宣贯培训1场次，培训食品生产经营者160人次",
        "1—9月采集监测样品812份，覆盖粮食、蔬菜、肉类等12大类",
        "",
    ),
    2: (
        "对官道口镇、范里镇等重点区域开展土壤环境质量例行监测，建立涉重金属重点行业企业"
        "污染源排查清单，受污染耕地安全利用任务正在推进",
        "排查涉镉等重金属重点企业9家，已整治到位6家",
        "",
    ),
    3: (
        "深入实施农药兽药使用减量行动，推广绿色防控技术和统防统治，开展农资打假专项行动"
        "和“治违禁 控药残 促提升”三年行动",
        "三季度检查农资经营门店96家次，立案查处违法案件2起，抽检农产品380批次，合格率99.2%",
        "在双龙湾镇建成香菇绿色防控示范基地1个",
    ),
    4: (
        "完成保健食品行业专项清理整治，以会议营销、电话营销为重点，联合公安、商务等部门"
        "对全县保健食品经营单位开展拉网式排查",
        "检查保健食品经营户286家次，责令整改17家，查处虚假宣传案件3起",
        "开展保健食品科普宣传“进社区、进乡村、进家庭”活动52场次",
    ),
    5: (
        "持续开展农村假冒伪劣食品专项整治，聚焦农村集市、城乡结合部和校园周边等重点区域，"
        "严厉打击“三无”、山寨食品",
        "三季度出动执法人员620人次，检查农村食品经营户1140家次，下架问题食品108公斤",
        "",
    ),
    6: (
        "推行餐饮服务量化分级管理和“明厨亮灶”工程，组织餐饮从业人员培训考核，开展农村"
        "集体聚餐备案指导",
        "三季度培训考核餐饮从业人员720人，指导农村集体聚餐430场次",
        "",
    ),
    7: (
        "推进食用农产品批发市场和农贸市场规范化建设，落实入场销售者台账和快检制度",
        "已完成2个农贸市场升级改造，配备快检室4个，1—9月快检样品7200批次",
        "",
    ),
    8: (
        "贯彻落实《河南省食品小作坊、小经营店和小摊点管理条例》，对小作坊实行登记管理，"
        "对小摊点实行备案管理并划定经营区域",
        "登记食品小作坊81家，备案小摊点396家，规范提升小作坊示范点4个",
        "",
    ),
    9: (
        "开展网络食品“净网”行动，对入网食品经营者开展资质核查和线上监测",
        "三季度监测网络食品经营店铺214家，督促下线违规商品11件",
        "",
    ),
    10: (
        "严格落实学校食品安全校长（园长）负责制和陪餐制度，联合教体部门开展秋季开学校园"
        "食品安全专项检查",
        "检查学校（幼儿园）食堂93家次，校园周边食品经营户265家次",
        "县城区学校食堂全部实现“明厨亮灶”",
    ),
    11: (
        "推进粮食绿色仓储提升行动，2个粮库仓储设施升级改造正在施工，落实粮食质量安全检验监测",
        "秋粮收购质量安全抽检样品46份",
        "",
    ),
    12: (
        "督促进口冷链食品经营者落实进货查验和追溯制度，严格执行“四证一码”管理",
        "检查进口冷链食品经营单位21家次，未发现问题产品",
        "",
    ),
}

# What a department that shares a task (责任 / 配合) reports about its part.
SUPPORT = {
    "县卫健委": "配合开展食源性疾病监测和食品安全风险评估，强化医疗机构食源性疾病病例报告",
    "县公安局": "保持对食品安全违法犯罪的高压态势，依法侦办危害食品安全刑事案件",
    "县农业农村局": "加强食用农产品产地准出管理，推行食用农产品承诺达标合格证制度",
    "县市场监管局": "落实食品安全抽检监测和日常监督检查，依法查处违法违规行为",
    "县商务局": "督促商贸流通企业落实进货查验制度，规范市场经营秩序",
    "县教体局": "压实学校食品安全主体责任，开学季开展学生食品安全教育",
    "县民政局": "加强养老机构食堂食品安全管理，开展专项检查",
    "县发改委": "将食品安全工作纳入全县国民经济和社会发展规划，统筹安排相关项目",
    "县委宣传部": "组织新闻媒体开展食品安全宣传报道，营造社会共治氛围",
    "县文广旅局": "加强旅游景区餐饮服务食品安全宣传引导",
    "县城市管理局": "规范占道经营食品摊点，配合划定小摊点经营区域",
    "县工信科技局": "引导食品生产企业技术改造，提升行业质量管理水平",
    "各乡镇政府": "落实属地管理责任，发挥食品安全协管员、信息员作用，开展辖区排查",
    "县供销社": "规范系统内农资和食品经营网点管理",
    "县财政局": "保障食品安全工作经费",
}
PROBLEMS = {
    "县市场监管局": "基层市场监管所执法人员不足，部分所仅有2至3人，日常监管任务繁重",
    "县农业农村局": "农产品质量安全检测能力有待提升，乡镇监管站快检设备老化",
    "县卫健委": "食源性疾病监测哨点覆盖面不够，乡镇卫生院报告意识有待加强",
    "三门峡市生态环境局卢氏分局": "受污染耕地治理资金到位较晚，部分地块整治进度滞后",
}
NEXT_STEPS = {
    "县市场监管局": "四季度加大抽检监测和执法办案力度，做好年度考核迎检准备",
    "县农业农村局": "推进农产品质量安全网格化监管，扩大绿色防控技术覆盖面",
    "县卫健委": "新增食源性疾病监测哨点医院2家，提升风险监测能力",
    "三门峡市生态环境局卢氏分局": "倒排工期，确保年底前完成剩余3家企业整治",
}
REPORTERS = ("王丽", "张建国", "李红梅", "赵鹏", "刘晓燕", "陈志强", "杨帆", "周敏")


def status_for(position: int | None) -> str:
    return STATUS_BY_POSITION.get(position or 0, DEFAULT_STATUS)


def _task_core(title: str) -> str:
    """``实施农村假冒伪劣食品治理行动`` → ``农村假冒伪劣食品治理``."""
    core = title.strip()
    if core.startswith("实施"):
        core = core[2:]
    if core.endswith("行动") and len(core) > 4:
        core = core[:-2]
    return core


def answer(department: str, role: str, position: int | None, title: str) -> dict[str, str]:
    """The text answers of one row: status, measures, data, examples."""
    status = status_for(position)
    if role == layout.ROLE_TEXT_LEAD and position in LEAD:
        measures, data, example = LEAD[position]
        return {"status": status, "measures": measures, "data": data, "examples": example}
    part = SUPPORT.get(department, f"{department}按职责分工配合推进相关工作")
    core = _task_core(title)
    measures = f"配合牵头单位推进{core}工作，{part}" if core else part
    return {"status": status, "measures": measures, "data": "", "examples": ""}


def fill_workbook(
    template: Path,
    out: Path,
    *,
    department: str,
    rows: list[TemplateRow],
    positions: dict[int, int],
    titles: dict[int, str],
    values: dict[int, float],
    filled_on: dt.date,
    reporter_index: int = 0,
) -> Path:
    """Answer every row of ``department``'s template as its clerk would; save to ``out``.

    ``positions`` / ``titles``: task id → position / title; ``values``: indicator id →
    the value reached (完成值, only on rows with a target).
    """
    wb = openpyxl.load_workbook(template)
    ws = wb[layout.REPORT_SHEET]
    ws[layout.REPORTER_CELL] = REPORTERS[reporter_index % len(REPORTERS)]
    ws[layout.PHONE_CELL] = f"0398-78{61234 + 37 * reporter_index:05d}"
    ws[layout.FILLED_ON_CELL] = filled_on
    for i, row in enumerate(rows):
        if row.indicator_id is not None and row.indicator_id in values:
            ws[layout.cell("value", row.row)] = values[row.indicator_id]
        if row.anchor is not None:
            continue  # a 指标 sub-row: its task cells are merged into the task row above
        texts = answer(
            department, row.role, positions.get(row.task_id), titles.get(row.task_id, "")
        )
        for key, text in texts.items():
            if text:
                ws[layout.cell(key, row.row)] = text
        if i == 0:
            if department in PROBLEMS:
                ws[layout.cell("problems", row.row)] = PROBLEMS[department]
            if department in NEXT_STEPS:
                ws[layout.cell("next_steps", row.row)] = NEXT_STEPS[department]
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    return out
