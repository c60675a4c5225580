"""Realistic plan files built in a test's tmp_path: a .docx with a task table, a .docx
whose structure is Word heading styles, and a GBK-encoded .txt (Windows Notepad "ANSI").

Import from any test: ``from plan_fixtures import make_table_plan_docx`` (``tests/`` is on
``sys.path`` under pytest's rootdir import mode).
"""

from __future__ import annotations

from pathlib import Path

TABLE_PLAN_TITLE = "清河县2024年食品安全重点工作安排"
TABLE_PLAN_REPORTING = "请各责任单位于每季度末月25日前报送工作进展，12月10日前报送年度工作总结。"
TABLE_PLAN_HEADER = ["序号", "重点任务", "牵头单位", "配合单位", "完成时限"]

# Section rows (one cell text spanning the table) and task rows, in table order.
TABLE_PLAN_ROWS: list[str | list[str]] = [
    "（一）强化源头治理",
    [
        "1",
        "加强受污染耕地安全利用。落实耕地土壤分类管理制度，受污染耕地安全利用率达到95%以上。",
        "县农业农村局",
        "县生态环境分局、县自然资源局",
        "2024年11月",
    ],
    [
        "2",
        "严格农药兽药使用监管。开展豇豆等重点品种农药残留突出问题攻坚治理，"
        "种养殖环节农产品质量安全定量检测量达到1.5批次/千人。",
        "县农业农村局",
        "县市场监管局、各乡镇（街道）",
        "2024年12月",
    ],
    "（二）严格过程监管",
    [
        "3",
        "推进“互联网+明厨亮灶”建设。学校食堂“明厨亮灶”覆盖率达到95%，"
        "大型餐饮服务单位“互联网+明厨亮灶”覆盖率达80%以上。",
        "县市场监管局",
        "县教育局、县商务局",
        "2024年10月31日",
    ],
    [
        "4",
        "强化食品安全监督抽检。食品抽检量达到4批次/千人，抽检不合格食品核查处置率达到100%。",
        "县市场监管局",
        "县卫健委",
        "2024年12月",
    ],
    [
        "5",
        "开展校园食品安全守护行动。每学期组织一次学校食堂联合检查，督促落实校长（园长）陪餐制度。",
        "县教育局",
        "县市场监管局\n县公安局",
        "长期坚持",
    ],
    [
        "6",
        "加强监管队伍能力建设。组织开展食品安全监管人员业务培训，"
        "监管人员培训时间人均不低于40学时/年。",
        "县市场监管局",
        "县委组织部、县人社局、县财政局",
        "2024年6月底前",
    ],
]


def make_table_plan_docx(path: Path) -> Path:
    """A county's 2024 重点工作安排 whose division of labour is one table.

    Header 序号/重点任务/牵头单位/配合单位/完成时限, two full-width section rows
    ("（一）强化源头治理", "（二）严格过程监管") and six tasks, then 工作要求 with the
    reporting sentence ``TABLE_PLAN_REPORTING``.
    """
    import docx

    document = docx.Document()
    document.add_paragraph("清河县人民政府食品安全委员会办公室")
    document.add_paragraph("清食安办〔2024〕3号")
    document.add_paragraph("")
    document.add_paragraph(TABLE_PLAN_TITLE)
    document.add_paragraph("县食安委各成员单位，各乡镇人民政府、街道办事处：")
    document.add_paragraph(
        "为深入贯彻落实党中央、国务院关于食品安全工作的决策部署，持续推进食品安全放心工程建设"
        "攻坚行动，切实保障人民群众“舌尖上的安全”，结合我县实际，现将2024年食品安全重点工作"
        "安排如下。"
    )
    document.add_paragraph("一、重点工作任务")
    table = document.add_table(rows=1, cols=len(TABLE_PLAN_HEADER))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, TABLE_PLAN_HEADER, strict=True):
        cell.text = text
    for row in TABLE_PLAN_ROWS:
        cells = table.add_row().cells
        if isinstance(row, str):
            merged = cells[0].merge(cells[-1])
            merged.text = row
        else:
            for cell, text in zip(cells, row, strict=True):
                lines = text.split("\n")
                cell.text = lines[0]
                for line in lines[1:]:
                    cell.add_paragraph(line)
    document.add_paragraph("二、工作要求")
    document.add_paragraph(
        "（一）加强组织领导。各牵头单位要切实履行牵头职责，细化工作措施，明确时间节点，"
        "确保各项任务按期完成。"
    )
    document.add_paragraph("（二）严格报送制度。")
    document.add_paragraph(TABLE_PLAN_REPORTING)
    document.add_paragraph("清河县人民政府食品安全委员会办公室")
    document.add_paragraph("2024年3月15日")
    path = Path(path)
    document.save(str(path))
    return path


HEADING_PLAN_TITLE = "柳林县2023年食品安全示范创建工作方案"

# (heading level or None for body text, text) in document order.
HEADING_PLAN_BLOCKS: list[tuple[int | None, str]] = [
    (None, HEADING_PLAN_TITLE),
    (1, "总体要求"),
    (
        None,
        "以创建省级食品安全示范县为抓手，坚持问题导向，压实各方责任，"
        "全面提升全县食品安全保障水平。",
    ),
    (1, "重点任务"),
    (2, "强化校园食品安全管理"),
    (
        None,
        "全面落实学校食品安全校长（园长）负责制和陪餐制度，学校食堂“明厨亮灶”覆盖率达到100%。"
        "（县市场监管局牵头，县教育局配合）",
    ),
    (2, "开展农村集体聚餐风险防控"),
    (
        None,
        "建立农村集体聚餐备案登记制度，乡村厨师培训率达到90%以上。"
        "（各乡镇人民政府牵头，县市场监管局、县卫健委配合）",
    ),
    (2, "提升食品抽检监测能力"),
    (
        None,
        "食品抽检量达到4.2批次/千人，抽检不合格食品核查处置率达到100%。（县市场监管局负责）",
    ),
    (1, "工作要求"),
    (
        None,
        "各责任单位于每年12月1日前向县食安办报送年度工作总结。",
    ),
]


def make_heading_styles_docx(path: Path) -> Path:
    """A plan whose sections and tasks are Word "Heading 1/2" paragraphs, not numbered
    in the text; tasks carry inline attributions such as （县市场监管局牵头，县教育局配合）.
    """
    import docx

    document = docx.Document()
    for level, text in HEADING_PLAN_BLOCKS:
        if level is None:
            document.add_paragraph(text)
        else:
            document.add_heading(text, level=level)
    path = Path(path)
    document.save(str(path))
    return path


GBK_PLAN_TEXT = """\
平安县2022年食品安全工作要点

一、强化食品安全责任落实
（一）落实党政同责。健全食品安全工作责任制，县乡两级党委政府主要负责人每年听取食品安全工作汇报不少于1次。（县食安办牵头，县食安委各成员单位配合）
（二）压实企业主体责任。督促食品生产经营企业配备食品安全总监和食品安全员，配备率达到100%。（县市场监管局牵头，各乡镇人民政府配合）
完成时间：2022年10月

二、加强重点领域监管
（三）严格食用农产品质量安全监管。主要农产品质量安全监测总体合格率稳定在98%以上。（县农业农村局牵头，县市场监管局配合）
（四）开展“双随机、一公开”检查。对农村集体聚餐、小作坊开展监督检查，覆盖率达90%以上。（县市场监管局）
完成时间：2022年12月

三、工作要求
各乡镇、各有关部门于每年的6月25日和11月30日前向县食安办报送半年和年度工作总结。
"""


def make_gbk_txt(path: Path) -> Path:
    """A short plan saved the way Windows Notepad saves "ANSI" text: GBK with CRLF."""
    path = Path(path)
    path.write_bytes(GBK_PLAN_TEXT.replace("\n", "\r\n").encode("gbk"))
    return path
