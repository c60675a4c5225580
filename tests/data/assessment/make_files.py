"""Write the 考核细则 files of this folder (not a test; the tests read the files as given).

    python tests/data/assessment/make_files.py [FOLDER]

* ``township_2026.xlsx``: 清河县 2026 年度对乡镇（街道）的评议考核细则 — a title row, the
  header 考核项目 / 考核内容 / 分值 / 评分标准 / 佐证材料 / 自评得分, the 一级项目 in
  vertically merged cells of column A ("一、党政同责（10分）"), points written "3分",
  "5分（每季度1分）", a 加分项 (最高加5分, three items adding to 6) and a 扣分项, a merged
  evidence cell over two rows, a 合计 row and a 说明 row.
* ``member_2026.docx``: 清河县 2026 年度对县食安委成员单位的考核细则 — 附件 line, title,
  one Word table 序号 / 考核内容 / 分值 / 评分标准 / 佐证材料要求 with heading rows (序号
  "一" with its points in 分值; or the heading merged across the row "履职尽责（30分）"),
  a third level under 三、风险防控 ("（一）抽检监测" → "1."), 加分项 and 扣分项 rows merged
  across, the header repeated by a second table after a page break.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

FIXED_TIME = dt.datetime(2026, 11, 20, 9, 0, 0)

TOWNSHIP_TITLE = "清河县2026年度乡镇（街道）食品安全工作评议考核细则"
# (一级项目 as written in column A, [(考核内容, 分值, 评分标准, 佐证材料)])
TOWNSHIP = [
    (
        "一、党政同责（10分）",
        [
            (
                "1.乡镇党委、政府每年至少专题研究食品安全工作2次",
                "3分",
                "未专题研究的扣3分；研究少于2次的扣1.5分。",
                "会议纪要、会议记录",
            ),
            (
                "2.落实地方党政领导干部食品安全工作责任制，制定乡镇领导班子成员食品安全责任清单",
                "4分",
                "未制定责任清单的扣2分；责任清单未落实到人的扣1分；未按要求开展督导的扣1分。",
                "责任清单、督导记录",
            ),
            (
                "3.将食品安全工作纳入乡镇年度综合目标考核和村（社区）考核",
                "3分",
                "未纳入的不得分。",
                "考核办法、考核结果通报",
            ),
        ],
    ),
    (
        "二、监管能力建设（20分）",
        [
            (
                "4.明确乡镇食品安全办公室，配备专（兼）职工作人员不少于2名",
                "5分",
                "机构未明确的扣3分；人员配备不足的扣2分。",
                "机构设置文件、人员名单",
            ),
            (
                "5.健全村（社区）食品安全协管员、信息员队伍，每季度至少开展1次业务培训",
                "5分（每季度1分）",
                "队伍不健全的扣1分；每少开展1次培训扣1分。",
                "协管员名册、培训通知及签到表",
            ),
            (
                "6.落实分层级精准防控包保督导工作，包保干部督导任务完成率100%",
                "6分",
                "督导任务完成率每低于100%一个百分点扣0.5分，扣完为止。",
                "包保督导系统截图、督导记录",
            ),
            (
                "7.将食品安全工作经费列入乡镇财政预算并足额保障",
                "4分",
                "未列入预算的不得分；经费保障不足的酌情扣分。",
                "财政预算文件、支出凭证",
            ),
        ],
    ),
    (
        "三、风险防控（20分）",
        [
            (
                "8.农村集体聚餐备案指导率达到100%",
                "6分",
                "备案指导率每低于100%一个百分点扣0.5分；发生农村集体聚餐食物中毒的不得分。",
                "农村集体聚餐备案登记表、指导记录",
            ),
            (
                "9.开展食品安全风险隐患排查，建立问题清单和整改台账",
                "6分",
                "未开展排查的扣6分；未建立问题清单或整改台账的扣3分。",
                "排查记录、问题清单、整改台账",
            ),
            (
                "10.推行食用农产品承诺达标合格证制度",
                "4分",
                "辖区种植养殖主体合格证开具率低于90%的扣2分。",
                "合格证开具统计表",
            ),
            (
                "11.加强校园及周边食品安全管理",
                "4分",
                "校园周边存在无证经营“三无”食品的，每发现1处扣1分。",
                "检查记录、整治台账",
            ),
        ],
    ),
    (
        "四、专项整治（20分）",
        [
            (
                "12.开展农村假冒伪劣食品专项整治",
                "6分",
                "未开展的不得分；整治工作不到位的酌情扣分。",
                "工作方案、整治台账、总结",
            ),
            (
                "13.推进食品小作坊、小餐饮、小摊贩“三小”治理",
                "5分",
                "未完成备案登记任务的扣2分；未落实集中管理的扣3分。",
                "工作方案、整治台账、总结",  # merged with the cell above
            ),
            (
                "14.配合打击私屠滥宰、非法添加等违法违规行为",
                "5分",
                "发现线索未及时报告的每次扣1分。",
                "线索移交记录",
            ),
            (
                "15.配合县级部门完成食品安全抽检任务",
                "4分",
                "抽检任务未完成的按比例扣分。",
                "抽检配合记录",
            ),
        ],
    ),
    (
        "五、宣传教育（15分）",
        [
            (
                "16.组织开展食品安全宣传周活动",
                "5分",
                "未组织开展的不得分。",
                "活动方案、图片资料、新闻报道",
            ),
            (
                "17.开展食品安全知识进村入户、进学校、进市场宣传",
                "5分",
                "每少开展一类宣传扣1分。",
                "宣传记录、图片资料",
            ),
            (
                "18.群众食品安全满意度测评达到80%以上",
                "5分",
                "满意度每低于80%一个百分点扣0.5分。",
                "县食安办测评结果",
            ),
        ],
    ),
    (
        "六、应急管理（15分）",
        [
            (
                "19.制定（修订）乡镇食品安全事故应急预案",
                "5分",
                "未制定的不得分；未及时修订的扣2分。",
                "应急预案文本",
            ),
            (
                "20.每年至少开展1次食品安全事故应急演练或培训",
                "5分",
                "未开展的不得分。",
                "演练方案、图片资料",
            ),
            (
                "21.及时报送食品安全事件和舆情信息",
                "5分",
                "迟报、漏报的每次扣1分。",
                "信息报送记录",
            ),
        ],
    ),
    (
        "七、加分项（最高加5分）",
        [
            (
                "22.积极参与创建国家食品安全示范城市，工作成效突出",
                "加3分",
                "经县食安办认定的加3分。",
                "创建工作资料、上级肯定性文件",
            ),
            (
                "23.食品安全工作获得省级表彰",
                "加2分",
                "以表彰文件为准。",
                "表彰文件",
            ),
            (
                "24.食品安全工作获得市级表彰或经验做法被市级以上推广",
                "加1分",
                "以表彰或推广文件为准。",
                "表彰或推广文件",
            ),
        ],
    ),
    (
        "八、扣分项",
        [
            (
                "25.辖区内发生重大食品安全事故",
                "扣10分",
                "经调查认定负有责任的扣10分。",
                "事故调查报告",
            ),
            (
                "26.瞒报、迟报食品安全事故或舆情信息",
                "扣5分",
                "每发生1次扣5分。",
                "核查通报",
            ),
        ],
    ),
]

MEMBER_TITLE = "清河县2026年度县食品安全委员会成员单位食品安全工作考核细则"
HEADER_DOCX = ["序号", "考核内容", "分值", "评分标准", "佐证材料要求"]
# Rows: ("head", 序号, title, 分值) a heading with its points in 分值; ("merged", title) a
# heading merged across the row; ("sub", 序号, title) a heading of level 2 without points;
# ("item", 序号, 内容, 分值, 评分标准, 佐证材料); ("break",) a new table after a page break.
MEMBER = [
    ("head", "一", "党政同责", "10"),
    (
        "item",
        "1",
        "主要负责同志专题研究本部门食品安全工作，每年不少于1次",
        "4分",
        "未研究的扣4分。",
        "党组（党委）会议纪要",
    ),
    (
        "item",
        "2",
        "制定本部门食品安全工作要点，明确年度重点任务和责任分工",
        "3分",
        "未制定的扣3分；任务分工不明确的扣1分。",
        "工作要点文件",
    ),
    (
        "item",
        "3",
        "明确1名分管领导和1名联络员，人员变动及时报县食安办",
        "3分",
        "未明确的扣2分；变动未报的扣1分。",
        "分管领导、联络员名单",
    ),
    ("merged", "二、履职尽责（30分）"),
    (
        "item",
        "4",
        "按照职责分工落实县食安委年度食品安全重点工作任务",
        "10分（每项未完成扣2分）",
        "对照任务清单逐项核查，每项未完成扣2分，扣完为止。",
        "任务落实台账、工作总结",
    ),
    (
        "item",
        "5",
        "按时报送季度、半年和年度食品安全工作总结",
        "6分",
        "每迟报1次扣1分，未报的每次扣2分。",
        "报送记录",
    ),
    (
        "item",
        "6",
        "参加县食安委全体会议、联络员会议和专题会议",
        "4分",
        "无故缺席的每次扣1分。",
        "会议签到表",
    ),
    (
        "item",
        "7",
        "配合县食安办开展食品安全督查、评议考核工作",
        "10分",
        "不配合的每次扣2分；督查发现问题未按期整改的每项扣2分。",
        "督查整改报告",
    ),
    ("head", "三", "风险防控", "25分"),
    ("sub", "（一）", "抽检监测"),
    (
        "item",
        "1",
        "完成本系统年度食品安全监督抽检任务",
        "8分",
        "抽检任务完成率每低于100%一个百分点扣0.5分。",
        "抽检计划及完成情况统计",
    ),
    (
        "item",
        "2",
        "不合格食品核查处置率达到100%",
        "7分",
        "核查处置率每低于100%一个百分点扣1分。",
        "核查处置台账",
    ),
    ("break",),
    ("sub", "（二）", "隐患排查"),
    (
        "item",
        "1",
        "开展本行业领域食品安全风险隐患排查整治",
        "5分",
        "未开展的扣5分；排查问题未整改的每项扣1分。",
        "排查整治台账",
    ),
    (
        "item",
        "2",
        "参加食品安全风险会商，提出本领域风险防控措施",
        "5分",
        "每缺席1次扣1分。",
        "会商记录",
    ),
    ("head", "四", "宣传教育", "15"),
    (
        "item",
        "8",
        "结合本系统特点开展食品安全宣传周主题宣传活动",
        "5分",
        "未开展的扣5分。",
        "活动方案、图片资料",
    ),
    (
        "item",
        "9",
        "开展本系统从业人员食品安全培训",
        "5分",
        "未开展的扣5分。",
        "培训通知、签到表",
    ),
    (
        "item",
        "10",
        "在县级以上媒体宣传报道本部门食品安全工作",
        "5分",
        "每篇计1分，最高5分。",
        "报道截图",
    ),
    ("head", "五", "应急管理", "20"),
    (
        "item",
        "11",
        "制定本部门食品安全突发事件应急处置方案",
        "10分",
        "未制定的扣10分。",
        "应急处置方案",
    ),
    (
        "item",
        "12",
        "参加县级食品安全事故应急演练，及时处置职责范围内的突发事件",
        "10分",
        "未参加的扣5分；处置不及时的扣5分。",
        "演练资料、处置报告",
    ),
    ("merged", "加分项（最高加5分）"),
    (
        "item",
        "1",
        "牵头创建国家食品安全示范城市工作成效明显，获得上级肯定",
        "3",
        "以上级文件为准。",
        "上级肯定性文件",
    ),
    (
        "item",
        "2",
        "本部门食品安全工作获得省级以上表彰",
        "2",
        "以表彰文件为准。",
        "表彰文件",
    ),
    ("merged", "扣分项"),
    (
        "item",
        "1",
        "本系统发生重大食品安全事故或造成恶劣社会影响",
        "扣10分",
        "经认定负有监管责任的扣10分。",
        "事故调查报告",
    ),
]


def write_township(path: Path) -> None:
    import openpyxl
    from openpyxl.styles import Alignment, Font

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "乡镇考核细则"
    ws.append([TOWNSHIP_TITLE])
    ws.merge_cells("A1:F1")
    ws["A1"].font = Font(bold=True, size=16)
    ws.append(["考核项目", "考核内容", "分值", "评分标准", "佐证材料", "自评得分"])
    row = 3
    for project, items in TOWNSHIP:
        first = row
        for content, points, rule, evidence in items:
            ws.append(["", content, points, rule, evidence, ""])
            row += 1
        ws.cell(first, 1, project)
        if row - 1 > first:
            ws.merge_cells(start_row=first, start_column=1, end_row=row - 1, end_column=1)
    # Items 12 and 13 share one evidence cell, as clerks merge them.
    twelve = next(r for r in range(3, row) if str(ws.cell(r, 2).value).startswith("12."))
    ws.cell(twelve + 1, 5).value = None
    ws.merge_cells(start_row=twelve, start_column=5, end_row=twelve + 1, end_column=5)
    ws.append(["合计", "", "100分", "", "", ""])
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=2)
    row += 1
    ws.append(
        [
            "说明：1.各项扣分以该项分值扣完为止；2.加分项最高加5分；"
            "3.佐证材料于12月10日前报县食安办。"
        ]
    )
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=6)
    for column, width in zip("ABCDEF", (18, 48, 12, 46, 30, 10), strict=True):
        ws.column_dimensions[column].width = width
    for line in ws.iter_rows(min_row=2):
        for cell in line:
            cell.alignment = Alignment(wrap_text=True, vertical="center")
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME
    wb.properties.creator = "清河县食安办"
    wb.save(path)


def write_member(path: Path) -> None:
    import docx
    from docx.enum.section import WD_ORIENT
    from docx.enum.text import WD_BREAK
    from docx.shared import Cm

    document = docx.Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    document.add_paragraph("附件2")
    document.add_paragraph(MEMBER_TITLE)

    def new_table():
        table = document.add_table(rows=1, cols=len(HEADER_DOCX))
        table.style = "Table Grid"
        for cell, text in zip(table.rows[0].cells, HEADER_DOCX, strict=True):
            cell.text = text
        return table

    table = new_table()
    for row in MEMBER:
        if row[0] == "break":
            document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
            table = new_table()
            continue
        cells = table.add_row().cells
        if row[0] == "head":
            _, number, title, points = row
            cells[0].text, cells[1].text, cells[2].text = number, title, points
        elif row[0] == "merged":
            merged = cells[0].merge(cells[-1])
            merged.text = row[1]
        elif row[0] == "sub":
            _, number, title = row
            cells[0].text, cells[1].text = number, title
        else:
            _, number, content, points, rule, evidence = row
            for cell, text in zip(cells, (number, content, points, rule, evidence), strict=True):
                cell.text = text
    document.core_properties.created = FIXED_TIME
    document.core_properties.modified = FIXED_TIME
    document.core_properties.author = "清河县食安办"
    document.save(path)


def main(argv: list[str]) -> int:
    folder = Path(argv[0]) if argv else Path(__file__).parent
    folder.mkdir(parents=True, exist_ok=True)
    write_township(folder / "township_2026.xlsx")
    write_member(folder / "member_2026.docx")
    write_member_2022(folder / "member_2022.xlsx")
    write_variants_2024(folder)
    print(f"written to {folder}")
    return 0


# --- member_2022.xlsx: the 2022 细则 for seed 002's member units (assessment links) ------

MEMBER_2022_TITLE = "卢氏县2022年度县食品安全委员会成员单位食品安全工作考核细则"
# (一级项目 as written in column A, [(考核内容, 分值, 评分标准, 佐证材料)]).  The items of
# 二、 follow the twelve 攻坚行动 of seed 002 (卢政办〔2022〕21号) in the words of a
# 考核细则, not copied from the plan; the others score work the plan has no task for.
MEMBER_2022 = [
    (
        "一、组织领导（12分）",
        [
            (
                "1.主要负责同志专题研究部署本部门深化食品安全放心工程建设攻坚行动，全年不少于1次",
                "4分",
                "未研究部署的扣4分。",
                "党组（党委）会议纪要",
            ),
            (
                "2.按要求制定本部门专项攻坚行动子方案，于5月31日前报县政府食安办",
                "4分",
                "未制定的扣4分；逾期报送的扣2分。",
                "子方案文件、报送记录",
            ),
            (
                "3.按时报送季度和年度工作总结，报送内容真实完整",
                "4分",
                "每迟报1次扣1分；未报的每次扣2分。",
                "报送记录",
            ),
        ],
    ),
    (
        "二、攻坚行动任务落实（60分）",
        [
            (
                "4.开展食品安全标准跟踪评价和宣传贯彻，食源性疾病监测覆盖全县所有乡镇卫生院，"
                "组织开展食品安全风险监测",
                "6分",
                "食源性疾病监测未覆盖全部乡镇卫生院的扣2分；未开展风险监测的扣2分；"
                "未开展标准宣贯培训的扣2分。",
                "监测方案、哨点医院名单、培训资料",
            ),
            (
                "5.落实受污染耕地安全利用和严格管控措施，加强涉镉等重金属企业监管和地表水水质管控",
                "5分",
                "受污染耕地安全利用任务未完成的扣3分；涉重金属企业监管不到位的扣2分。",
                "耕地安全利用台账、企业监管记录、水质监测报告",
            ),
            (
                "6.严格执行农药安全间隔期、兽药休药期规定，开展农药兽药残留监测，推广绿色防控技术",
                "5分",
                "未开展农药兽药残留监测的扣3分；绿色防控技术推广不到位的扣2分。",
                "残留监测报告、绿色防控示范资料",
            ),
            (
                "7.开展保健食品欺诈和虚假宣传专项整治，查处会议营销、电话营销等违法行为，"
                "开展老年人识骗防骗科普宣传",
                "5分",
                "未开展专项整治的扣3分；未开展科普宣传的扣2分。",
                "整治方案、检查记录、案件查办资料",
            ),
            (
                "8.加强农村食品生产经营环节监管，开展规范化农村食品经营店创建活动",
                "5分",
                "农村食品经营店规范化建设达标率低于80%的扣2分；专项治理不到位的扣3分。",
                "检查台账、规范化经营店名单",
            ),
            (
                "9.实施餐饮服务量化分级和风险分级管理，推动餐饮门店“互联网+明厨亮灶”建设，"
                "加强餐饮从业人员培训考核",
                "6分",
                "量化分级管理未全覆盖的扣2分；从业人员培训考核未开展的扣2分；"
                "“明厨亮灶”建设滞后的扣2分。",
                "量化分级台账、培训考核记录",
            ),
            (
                "10.升级改造食用农产品市场，督促市场落实进货查验记录，推行食用农产品承诺达标合格证制度",
                "5分",
                "市场升级改造任务未完成的扣3分；合格证制度推行不到位的扣2分。",
                "市场改造资料、合格证开具统计",
            ),
            (
                "11.落实食品小作坊、小经营店和小摊点登记备案管理，开展“三小”示范创建",
                "5分",
                "“三小”登记备案未全覆盖的扣3分；未开展示范创建的扣2分。",
                "登记备案台账、示范单位名单",
            ),
            (
                "12.落实网络食品经营电子商务平台备案管理，开展网络食品线上监测和监督抽检",
                "4分",
                "未开展线上监测的扣2分；未开展网络食品抽检的扣2分。",
                "监测记录、抽检报告",
            ),
            (
                "13.压实学校食品安全校长（园长）负责制，推进学校食堂“互联网+明厨亮灶”，"
                "加强校园周边食品安全监管",
                "6分",
                "学校食堂“明厨亮灶”覆盖率未达100%的扣3分；发生校园食品安全事件的不得分。",
                "检查记录、学校食堂名单",
            ),
            (
                "14.实施“优质粮食工程”，开展粮食绿色仓储、质量追溯和应急保障能力提升",
                "4分",
                "仓储设施改造任务未完成的扣2分；粮食质量安全检验监测未开展的扣2分。",
                "项目资料、检验监测报告",
            ),
            (
                "15.督促进口食品经营者落实进货查验，开展进口食品风险监控，严厉打击食品走私",
                "4分",
                "未开展进口食品监督检查的扣2分；风险监控不到位的扣2分。",
                "检查记录、风险监控资料",
            ),
        ],
    ),
    (
        "三、风险防控和应急处置（13分）",
        [
            (
                "16.参加县食安委风险会商研判，及时通报本领域食品安全风险信息，实现部门间信息共享",
                "4分",
                "每缺席1次扣1分；风险信息未及时通报的扣1分。",
                "会商记录、信息通报",
            ),
            (
                "17.制定本部门食品安全突发事件应急处置方案，参加县级食品安全事故应急演练",
                "5分",
                "未制定应急处置方案的扣3分；未参加演练的扣2分。",
                "应急处置方案、演练资料",
            ),
            (
                "18.对发现的风险隐患实施挂账督办，督查发现的问题按期整改到位",
                "4分",
                "问题未按期整改的每项扣1分。",
                "督办台账、整改报告",
            ),
        ],
    ),
    (
        "四、宣传引导（15分）",
        [
            (
                "19.组织开展食品安全宣传周活动，结合本行业特点开展主题宣传",
                "5分",
                "未开展的扣5分。",
                "活动方案、图片资料",
            ),
            (
                "20.在县级以上媒体宣传报道攻坚行动进展和典型经验",
                "5分",
                "每篇计1分，最高5分。",
                "报道截图",
            ),
            (
                "21.畅通投诉举报渠道，落实“内部吹哨人”制度，鼓励群众参与监督",
                "5分",
                "未建立“内部吹哨人”制度的扣3分；举报处理不及时的扣2分。",
                "制度文件、举报处理记录",
            ),
        ],
    ),
    (
        "五、加分项（最高加5分）",
        [
            (
                "22.在河南省食品安全示范县创建工作中成效突出，获得上级肯定",
                "加3分",
                "以上级肯定性文件为准。",
                "上级肯定性文件",
            ),
            (
                "23.攻坚行动经验做法被省级以上推广或获得省级以上表彰",
                "加2分",
                "以推广或表彰文件为准。",
                "推广或表彰文件",
            ),
            (
                "24.牵头的专项攻坚行动被市级以上媒体专题报道",
                "加1分",
                "以媒体报道为准。",
                "报道截图",
            ),
        ],
    ),
    (
        "六、扣分项",
        [
            (
                "25.本系统发生重大食品安全事故或造成恶劣社会影响",
                "扣10分",
                "经调查认定负有监管责任的扣10分。",
                "事故调查报告",
            ),
            (
                "26.瞒报、迟报食品安全事件信息",
                "扣5分",
                "每发生1次扣5分。",
                "核查通报",
            ),
        ],
    ),
]
# The hand key of member_2022.xlsx against seed 002: item number → the positions of the
# tasks (（一）…（十二）) whose submissions score it.  Items not named score work the plan
# has no task for (组织领导, 应急演练, 宣传周 …) and should get no link.
MEMBER_2022_KEY = {
    "4": {1},
    "5": {2},
    "6": {3},
    "7": {4},
    "8": {5},
    "9": {6},
    "10": {7},
    "11": {8},
    "12": {9},
    "13": {10},
    "14": {11},
    "15": {12},
    "16": {1, 12},
}


def write_member_2022(path: Path) -> None:
    """member_2022.xlsx: the layout of township_2026.xlsx (一级项目 merged down column A),
    with 自评得分 and 考核得分 columns left empty for the units and the office."""
    import openpyxl
    from openpyxl.styles import Alignment, Font

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "成员单位考核细则"
    ws.append([MEMBER_2022_TITLE])
    ws.merge_cells("A1:G1")
    ws["A1"].font = Font(bold=True, size=16)
    ws.append(["考核项目", "考核内容", "分值", "评分标准", "佐证材料", "自评得分", "考核得分"])
    row = 3
    for project, items in MEMBER_2022:
        first = row
        for content, points, rule, evidence in items:
            ws.append(["", content, points, rule, evidence, "", ""])
            row += 1
        ws.cell(first, 1, project)
        if row - 1 > first:
            ws.merge_cells(start_row=first, start_column=1, end_row=row - 1, end_column=1)
    ws.append(["合计", "", "100分", "", "", "", ""])
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=2)
    row += 1
    ws.append(
        [
            "说明：1.各项扣分以该项分值扣完为止；2.加分项最高加5分；"
            "3.自评报告和佐证材料于12月10日前报县政府食安办。"
        ]
    )
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=7)
    for column, width in zip("ABCDEFG", (16, 50, 10, 44, 28, 10, 10), strict=True):
        ws.column_dimensions[column].width = width
    for line in ws.iter_rows(min_row=2):
        for cell in line:
            cell.alignment = Alignment(wrap_text=True, vertical="center")
    wb.properties.created = dt.datetime(2022, 11, 28, 9, 0, 0)
    wb.properties.modified = dt.datetime(2022, 11, 28, 9, 0, 0)
    wb.properties.creator = "卢氏县食安办"
    wb.save(path)


# --- 2024 variants: one 细则 in three layouts of the same family (header words, bonus cap) -

VARIANT_2024_TITLE = "卢氏县2024年度食品安全工作考核细则"
VARIANT_2024_BONUS_CAP = 4.0
# (number, title, points of the heading as written or "", [(考核内容, 分值, 评分标准, 佐证)]).
VARIANT_2024 = [
    (
        "一",
        "组织领导",
        "20分",
        [
            (
                "主要负责同志专题研究部署食品安全工作，全年不少于2次",
                "6分",
                "未研究的扣6分，研究1次的扣3分。",
                "会议纪要",
            ),
            ("制定年度食品安全工作要点并印发", "4分", "未制定的不得分。", "工作要点文件"),
            (
                "落实食品安全包保督导责任",
                "10分（每季度2.5分）",
                "每季度未督导扣2.5分。",
                "包保督导台账",
            ),
        ],
    ),
    (
        "二",
        "监管执法",
        "40分",
        [
            (
                "完成年度食品安全监督抽检任务，抽检量达到4批次/千人",
                "15分",
                "每低于0.1批次扣1分。",
                "抽检报告",
            ),
            ("开展食用农产品质量安全专项整治", "10分", "未开展不得分。", "整治方案、总结材料"),
            (
                "查办食品安全违法案件，案件信息按时公开",
                "10分",
                "未按时公开的每件扣1分。",
                "案件台账",
            ),
            ("开展校园及周边食品安全专项检查", "5分", "每少一次扣1分。", "检查记录"),
        ],
    ),
    (
        "三",
        "宣传培训",
        "20分",
        [
            ("开展食品安全宣传周活动", "8分", "未开展扣8分。", "活动照片"),
            ("组织食品从业人员培训不少于40学时/年", "12分", "每少4学时扣1分。", "培训签到表"),
        ],
    ),
    (
        "四",
        "信息报送",
        "20分",
        [
            ("按时报送季度报送表和年度总结", "12分", "迟报一次扣2分。", "报送记录"),
            ("报送工作信息被县级以上采用", "8分", "每少一篇扣1分。", ""),
        ],
    ),
    (
        "五",
        "加分项",
        "",
        [
            ("工作经验被省级推广", "3分", "省级加3分，市级加1分。", "推广文件"),
            ("获市级以上表彰", "2分", "每次加1分。", "表彰文件"),
            ("创新监管方式被县食安委通报表扬", "1分", "", ""),
        ],
    ),
    (
        "六",
        "扣分项",
        "",
        [
            ("发生较大及以上食品安全事故", "-10分", "每起扣10分。", ""),
            ("被上级通报批评", "-5分", "每次扣2.5分。", ""),
        ],
    ),
]


def _variant_workbook():
    import openpyxl

    wb = openpyxl.Workbook()
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME
    wb.properties.creator = "卢氏县食安办"
    return wb


def write_variant_single_2024(path: Path) -> None:
    """``member_2024_single.xlsx``: no 考核项目 column; heading rows with 序号 "一" and
    their points in 分值; headers 考核内容和标准 / 评分标准及依据 / 备注（佐证材料） beside
    自评分 and 得分; the bonus heading has no points, its cap is its rule cell
    "加分最高不超过4分"."""
    wb = _variant_workbook()
    ws = wb.active
    ws.title = "考核细则"
    ws.append([VARIANT_2024_TITLE])
    ws.merge_cells("A1:G1")
    ws.append(
        ["序号", "考核内容和标准", "分值", "评分标准及依据", "备注（佐证材料）", "自评分", "得分"]
    )
    number = 0
    for head, title, points, items in VARIANT_2024:
        rule = "加分最高不超过4分" if title == "加分项" else ""
        ws.append([head, title, points, rule, "", "", ""])
        for content, item_points, item_rule, evidence in items:
            number += 1
            ws.append([str(number), content, item_points, item_rule, evidence, "", ""])
    ws.append(["合计", "", "100分", "", "", "", ""])
    wb.save(path)


def write_variant_heading_2024(path: Path) -> None:
    """``township_2024_heading.docx``: 序号 / 考核项目 / 工作内容及要求 / 分值 / 评分细则 /
    备注, the 备注 cells holding the evidence ("提供会议纪要"); 一级项目 merged down the
    考核项目 column ("一、组织领导（20分）"), but 加分项 and 扣分项 as heading rows not merged
    ("五、加分项（最高加4分）") followed by rows whose 考核项目 cell says "加分项"."""
    import docx

    header = ["序号", "考核项目", "工作内容及要求", "分值", "评分细则", "备注"]
    document = docx.Document()
    document.add_paragraph(VARIANT_2024_TITLE)
    table = document.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = text
    number = 0
    for head, title, points, items in VARIANT_2024:
        heading = f"{head}、{title}"
        if title == "加分项":
            heading += "（最高加4分）"
        elif points:
            heading += f"（{points}）"
        if not points:
            cells = table.add_row().cells
            cells[0].text, cells[1].text = head, heading
        first = None
        for content, item_points, item_rule, evidence in items:
            number += 1
            cells = table.add_row().cells
            texts = (str(number), "", content, item_points, item_rule, evidence)
            if evidence and number % 2:
                texts = (*texts[:5], f"提供{evidence}")
            for cell, text in zip(cells, texts, strict=True):
                cell.text = text
            if points:
                first = first or cells[1]
                last = cells[1]
            else:
                cells[1].text = title
        if points:
            merged = first.merge(last)
            merged.text = heading
    cells = table.add_row().cells
    cells[0].text, cells[3].text = "合计", "100"
    document.add_paragraph("说明：加分项最高加4分，扣分项不设上限。")
    document.core_properties.created = FIXED_TIME
    document.core_properties.modified = FIXED_TIME
    document.core_properties.author = "卢氏县食安办"
    document.save(path)


def write_variant_note_2024(path: Path) -> None:
    """``member_2024_note.xlsx``: 考核类别 merged down column A without points, headers
    序号 / 考核内容及要求 / 分值 / 评分细则 / 佐证资料 / 自评得分; the bonus cap only in
    the 备注 row under the table ("加分项累计不超过4分")."""
    wb = _variant_workbook()
    ws = wb.active
    ws.title = "成员单位"
    ws.append([VARIANT_2024_TITLE])
    ws.merge_cells("A1:G1")
    ws.append(["考核类别", "序号", "考核内容及要求", "分值", "评分细则", "佐证资料", "自评得分"])
    row, number = 3, 0
    for head, title, _points, items in VARIANT_2024:
        first = row
        for content, item_points, item_rule, evidence in items:
            number += 1
            ws.append(["", str(number), content, item_points, item_rule, evidence, ""])
            row += 1
        ws.cell(first, 1, f"{head}、{title}")
        ws.merge_cells(start_row=first, start_column=1, end_row=row - 1, end_column=1)
    ws.append(["合计", "", "", "100分", "", "", ""])
    ws.append(["备注：1.加分项累计不超过4分；2.扣分项从总分中扣除。"])
    ws.merge_cells(start_row=row + 1, start_column=1, end_row=row + 1, end_column=7)
    wb.save(path)


def write_variants_2024(folder: Path) -> None:
    """The three 2024 variants (``main`` writes them too)."""
    write_variant_single_2024(folder / "member_2024_single.xlsx")
    write_variant_heading_2024(folder / "township_2024_heading.docx")
    write_variant_note_2024(folder / "member_2024_note.xlsx")


# --- restarting 加分项 / 扣分项: counted items 1..24 across the parts, bonus and deduction
# parts numbered from 1 again (the second trial's 办事处 细则), in two layouts -----------

RESTART_2022_TITLE = "2022年度经开区办事处食品安全工作考核细则"
# (number, part, points, [item titles]); items of the counted parts get 2 points each.
RESTART_2022 = [
    ("一", "组织领导", "8分", [
        "将食品安全工作纳入党工委重要议事日程", "全年召开食品安全专题会议不少于2次",
        "建立健全食品安全协管员队伍", "落实食品安全工作经费",
    ]),
    ("二", "源头治理", "8分", [
        "开展重金属重点行业企业排查整治", "实施农药兽药使用减量行动",
        "开展高毒高风险农药淘汰工作", "推行食用农产品承诺达标合格证制度",
    ]),
    ("三", "生产经营监管", "18分", [
        "开展保健食品行业专项清理整治", "开展农村假冒伪劣食品治理",
        "实施餐饮质量安全提升行动", "加强餐厨垃圾收运监管",
        "推进食用农产品市场规范化建设", "实施食品小作坊治理提升行动",
        "配合开展网络食品净网行动", "实施校园食品安全守护行动",
        "配合实施优质粮食工程",
    ]),
    ("四", "宣传与应急", "8分", [
        "组织开展食品安全宣传周活动", "配合打击食品走私行为",
        "制定食品安全事故应急预案并演练", "及时处置食品安全投诉举报",
    ]),
    ("五", "信息报送", "6分", [
        "按时报送工作方案落实情况和年度总结", "报送内容真实完整",
        "建立食品安全工作台账",
    ]),
    ("六", "加分项", "", [
        "获得省级以上食品安全示范创建荣誉", "工作经验做法被市级以上推广",
        "工作创新做法在全区推广",
    ]),
    ("七", "扣分项", "", [
        "辖区发生较大及以上食品安全事故", "因食品安全工作被上级通报批评",
        "食品安全舆情处置不力",
    ]),
]  # fmt: skip


def _restart_items():
    """(part number, part, points, [(number as printed, title, points, rule)]): counted
    items 1..24 through the parts, each 加分项 / 扣分项 part from 1."""
    out, number = [], 0
    for head, part, points, titles in RESTART_2022:
        rows = []
        for k, title in enumerate(titles, start=1):
            if part == "加分项":
                rows.append((str(k), title, "2分", "符合的加2分。"))
            elif part == "扣分项":
                rows.append((str(k), title, "-5分", "发生的扣5分。"))
            else:
                number += 1
                rows.append((str(number), title, "2分", "未完成的不得分。"))
        out.append((head, part, points, rows))
    return out


def write_restart_2022(folder: Path) -> None:
    """``township_2022_restart.xlsx``: heading rows 一 … 七 with their points, items 1..24
    across, 加分项 and 扣分项 from 1 (the second trial's layout); and
    ``township_2022_restart_note.xlsx``: the same 细则 with its parts merged down a 考核类别
    column and the caps in a 备注 row."""
    wb = _variant_workbook()
    ws = wb.active
    ws.title = "考核细则"
    ws.append([RESTART_2022_TITLE])
    ws.merge_cells("A1:F1")
    ws.append(["序号", "考核内容", "分值", "评分标准", "佐证材料", "自评分"])
    for head, part, points, rows in _restart_items():
        ws.append([head, part, points, "加分最高不超过6分" if part == "加分项" else "", "", ""])
        for number, title, item_points, rule in rows:
            ws.append([number, title, item_points, rule, "工作记录、照片", ""])
    ws.append(["合计", "", "48分", "", "", ""])
    wb.save(folder / "township_2022_restart.xlsx")

    wb = _variant_workbook()
    ws = wb.active
    ws.title = "乡镇"
    ws.append([RESTART_2022_TITLE])
    ws.merge_cells("A1:F1")
    ws.append(["考核类别", "序号", "考核内容及要求", "分值", "评分细则", "佐证资料"])
    row = 3
    for head, part, _points, rows in _restart_items():
        first = row
        for number, title, item_points, rule in rows:
            ws.append(["", number, title, item_points, rule, "工作记录"])
            row += 1
        ws.cell(first, 1, f"{head}、{part}")
        ws.merge_cells(start_row=first, start_column=1, end_row=row - 1, end_column=1)
    ws.append(["合计", "", "", "48分", "", ""])
    ws.append(["备注：1.加分项累计不超过6分；2.扣分项从总分中扣除。"])
    ws.merge_cells(start_row=row + 1, start_column=1, end_row=row + 1, end_column=6)
    wb.save(folder / "township_2022_restart_note.xlsx")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
