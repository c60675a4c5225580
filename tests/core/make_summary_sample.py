"""Write a realistic annual 工作总结 for seed 002 and render it (not a test).

    python tests/core/make_summary_sample.py [--out DIR] [--docs]

Seed 002 (卢氏县) is imported, a few quantitative targets are added to its tasks, the
2022年度 templates are written for every department and filled with plausible answers
(two departments stay silent, one reports late), collected, and the summary is built
and written.  With LibreOffice the document is converted to PDF and page PNGs (fonts
mapped as in make_official_sample.py); ``--docs`` copies the first page, a body page
and the attachment table to docs/summary_page1.png, summary_body.png and
summary_attachment.png.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

import openpyxl

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from seeds import seed_path  # noqa: E402

from foodsafety_desktop.core.excel import template_layout as layout  # noqa: E402
from foodsafety_desktop.core.reports.material import gather_material  # noqa: E402
from foodsafety_desktop.core.reports.summary import (  # noqa: E402
    MASTHEAD_MARK,
    build_draft,
    write_summary,
)
from foodsafety_desktop.core.services import periods  # noqa: E402
from foodsafety_desktop.core.services.collect import collect_files  # noqa: E402
from foodsafety_desktop.core.services.plan_import import import_plan_file  # noqa: E402
from foodsafety_desktop.core.services.templates import (  # noqa: E402
    template_departments,
    template_filename,
    write_template,
)
from foodsafety_desktop.core.storage.database import Database, open_database  # noqa: E402
from foodsafety_desktop.core.storage.models import Indicator, Plan, Task  # noqa: E402
from foodsafety_desktop.core.word.official import doc_number_text  # noqa: E402
from tests.core.make_official_sample import convert_to_pdf  # noqa: E402

SEED = seed_path("002")
USER = "综合股"
PERIOD = "2022年度"
SIGNED_ON = dt.date(2022, 12, 5)
SILENT = {"县供销社", "县财政局"}
LATE = {"县文广旅局"}

# Targets added to the plan (seed 002 states its goals without numbers per task).
TARGETS = {
    6: [("餐饮服务单位量化分级管理率达到95%", "餐饮服务单位量化分级管理率", "≥", 95.0, "%")],
    10: [("学校食堂“明厨亮灶”覆盖率达到100%", "学校食堂“明厨亮灶”覆盖率", "≥", 100.0, "%")],
    3: [("主要农作物病虫害绿色防控覆盖率达到45%", "绿色防控覆盖率", "≥", 45.0, "%")],
    1: [("食品安全风险监测样本不少于1.5批次/千人", "食品安全风险监测样本", "≥", 1.5, "批次/千人")],
}
VALUES = {"餐饮": 96.3, "学校": 100, "绿色防控": 43.5, "风险监测": 1.62}

# What the lead department of each task (by position) reports: measures, data, example.
LEAD = {
    1: (
        "制定《卢氏县2022年食品安全风险监测方案》，在县人民医院、县中医院设立食源性疾病"
        "监测哨点医院2家，组织开展食品安全标准宣贯培训3场次，培训食品生产经营者460人次",
        "全年采集监测样品1086份，覆盖粮食、蔬菜、肉类等12大类",
        "",
    ),
    2: (
        "完成全县受污染耕地安全利用和严格管控任务，对官道口镇、范里镇等重点区域开展土壤"
        "环境质量例行监测，建立涉重金属重点行业企业污染源排查清单",
        "排查涉镉等重金属重点企业9家，整治到位9家",
        "",
    ),
    3: (
        "深入实施农药兽药使用减量行动，推广绿色防控技术和统防统治，开展农资打假专项行动"
        "和“治违禁 控药残 促提升”三年行动",
        "检查农资经营门店312家次，立案查处违法案件7起，抽检农产品1260批次，合格率99.2%",
        "在双龙湾镇建成香菇绿色防控示范基地1个",
    ),
    4: (
        "开展保健食品行业专项清理整治，以会议营销、电话营销为重点，联合公安、商务等部门"
        "对全县保健食品经营单位开展拉网式排查",
        "检查保健食品经营户286家次，责令整改17家，查处虚假宣传案件3起",
        "开展保健食品科普宣传“进社区、进乡村、进家庭”活动52场次",
    ),
    5: (
        "持续开展农村假冒伪劣食品专项整治，聚焦农村集市、城乡结合部和校园周边等重点区域，"
        "严厉打击“三无”、山寨食品",
        "出动执法人员1860人次，检查农村食品经营户3420家次，下架问题食品326公斤",
        "",
    ),
    6: (
        "全面推行餐饮服务量化分级管理和“明厨亮灶”工程，组织餐饮从业人员培训考核，开展"
        "农村集体聚餐备案指导",
        "培训考核餐饮从业人员2150人，指导农村集体聚餐1280场次",
        "",
    ),
    7: (
        "推进食用农产品批发市场和农贸市场规范化建设，落实入场销售者台账和快检制度",
        "完成4个农贸市场升级改造，配备快检室6个，全年快检样品9800批次",
        "",
    ),
    8: (
        "贯彻落实《河南省食品小作坊、小经营店和小摊点管理条例》，对小作坊实行登记管理，"
        "对小摊点实行备案管理并划定经营区域",
        "登记食品小作坊86家，备案小摊点412家，规范提升小作坊示范点6个",
        "",
    ),
    9: (
        "开展网络食品“净网”行动，对入网食品经营者开展资质核查和线上监测",
        "监测网络食品经营店铺214家，督促下线违规商品32件",
        "",
    ),
    10: (
        "严格落实学校食品安全校长（园长）负责制和陪餐制度，联合教体部门开展春秋季开学"
        "校园食品安全专项检查",
        "检查学校（幼儿园）食堂186家次，校园周边食品经营户527家次",
        "全县学校食堂全部实现“明厨亮灶”",
    ),
    11: (
        "开展粮食绿色仓储提升行动，完成2个粮库仓储设施升级改造，落实粮食质量安全检验监测",
        "",
        "",
    ),
    12: (
        "督促进口冷链食品经营者落实进货查验和追溯制度，严格执行“四证一码”管理",
        "检查进口冷链食品经营单位58家次",
        "",
    ),
}
SUPPORT = {
    "县卫健委": "配合开展食源性疾病监测和食品安全风险评估，强化医疗机构食源性疾病病例报告",
    "县公安局": "保持对食品安全违法犯罪的高压态势，侦办危害食品安全刑事案件",
    "县农业农村局": "加强食用农产品产地准出管理，推行食用农产品承诺达标合格证制度",
    "县市场监管局": "落实食品安全抽检监测和日常监督检查，依法查处违法违规行为",
    "县商务局": "督促商贸流通企业落实进货查验制度，规范市场经营秩序",
    "县教体局": "压实学校食品安全主体责任，开展学生食品安全教育",
    "县民政局": "加强养老机构食堂食品安全管理，开展专项检查",
    "县发改委": "将食品安全工作纳入全县国民经济和社会发展规划，统筹安排相关项目",
    "县委宣传部": "组织新闻媒体开展食品安全宣传报道，营造社会共治氛围",
    "县文广旅局": "加强旅游景区餐饮服务食品安全宣传引导",
    "县城市管理局": "规范占道经营食品摊点，配合划定小摊点经营区域",
    "县工信科技局": "引导食品生产企业技术改造，提升行业质量管理水平",
}
PROBLEMS = {
    "县市场监管局": "基层市场监管所执法人员不足，部分所仅有2至3人，日常监管任务繁重",
    "县农业农村局": "农产品质量安全检测能力有待提升，乡镇监管站快检设备老化",
    "县卫健委": "食源性疾病监测哨点覆盖面不够，乡镇卫生院报告意识有待加强",
    "县教体局": "部分农村学校食堂设施设备陈旧，改造资金不足",
}
NEXT_STEPS = {
    "县市场监管局": "持续深化食品安全放心工程建设攻坚行动，加大抽检监测和执法办案力度",
    "县农业农村局": "推进农产品质量安全网格化监管，扩大绿色防控技术覆盖面",
    "县卫健委": "新增食源性疾病监测哨点医院2家，提升风险监测能力",
    "县教体局": "筹措资金推进农村学校食堂标准化改造",
}


def add_targets(db: Database) -> None:
    with db.session() as s:
        plan = s.query(Plan).one()
        for task in s.query(Task).where(Task.plan_id == plan.id):
            for i, (text, subject, cmp, value, unit) in enumerate(TARGETS.get(task.position, [])):
                s.add(
                    Indicator(
                        task_id=task.id,
                        position=i,
                        text=text,
                        subject=subject,
                        comparison=cmp,
                        value=value,
                        unit=unit,
                    )
                )


def fill_realistic(template: Path, out: Path, department: str, positions: dict[int, int]) -> Path:
    """Answer every row of ``department``'s template as its clerk would."""
    wb = openpyxl.load_workbook(template)
    ws = wb[layout.REPORT_SHEET]
    ws[layout.REPORTER_CELL] = "王丽"
    ws[layout.PHONE_CELL] = "0398-7861234"
    ws[layout.FILLED_ON_CELL] = dt.date(2022, 11, 25)
    rows = [r for r in range(layout.FIRST_DATA_ROW, ws.max_row + 1) if ws[f"B{r}"].value]
    first_row = True
    for r in rows:
        seq = str(ws[layout.cell("seq", r)].value).split("-")[0]
        position = positions.get(int(seq)) if seq.isdigit() else None
        role = str(ws[layout.cell("role", r)].value or "")
        if position is None:
            continue
        lead = "牵头" in role
        measures, data, example = LEAD[position] if lead else (SUPPORT.get(department), "", "")
        status = "已完成" if position not in (2, 11) else ("滞后" if position == 2 else "序时推进")
        ws[layout.cell("status", r)] = status
        ws[layout.cell("measures", r)] = measures or f"{department}按职责分工配合推进相关工作"
        if data:
            ws[layout.cell("data", r)] = data
        if example:
            ws[layout.cell("examples", r)] = example
        target = str(ws[layout.cell("target", r)].value or "")
        for key, value in VALUES.items():
            if key in target:
                ws[layout.cell("value", r)] = value
        if first_row:
            if department in PROBLEMS:
                ws[layout.cell("problems", r)] = PROBLEMS[department]
            if department in NEXT_STEPS:
                ws[layout.cell("next_steps", r)] = NEXT_STEPS[department]
            first_row = False
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    return out


def build(folder: Path) -> Path:
    """Build the database and the summary .docx in ``folder``; returns the .docx."""
    for sub in ("t", "r"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    os.environ["FOODSAFETY_DATA_DIR"] = str(folder / "data")
    db = open_database(folder / "sample.sqlite3")
    try:
        result = import_plan_file(db, SEED, user=USER)
        add_targets(db)
        files = []
        with db.session() as s:
            plan = s.get(Plan, result.plan_id)
            periods.create_periods(s, plan.id, periods.propose_periods(plan), user=USER)
            period = periods.find_period(s, plan.id, PERIOD)
            period_id = period.id
            # 序号 in a template is the running number of the department's own rows, so
            # map it back through the template rows to the task's position.
            from foodsafety_desktop.core.services.templates import template_rows

            for dep in template_departments(s, plan.id):
                if dep.name in SILENT:
                    continue
                rows = template_rows(s, period_id, dep.id)
                positions = {}
                for row in rows:
                    seq = str(row.seq).split("-")[0]
                    positions[int(seq)] = s.get(Task, row.task_id).position
                tpl = write_template(
                    s, period_id, dep.id, folder / "t" / template_filename(period, dep)
                )
                files.append(
                    (dep.name, fill_realistic(tpl, folder / "r" / tpl.name, dep.name, positions))
                )
        on_time = [p for name, p in files if name not in LATE]
        late = [p for name, p in files if name in LATE]
        for paths, when in (
            (on_time, dt.datetime(2022, 11, 25, 2)),
            (late, dt.datetime(2022, 12, 2, 2)),
        ):
            outcomes = collect_files(
                db,
                paths,
                user=USER,
                accept_warnings=True,
                received_at=when,
            )
            bad = [o.as_dict() for o in outcomes if not o.accepted]
            if bad:
                raise RuntimeError(bad)
        with db.session() as s:
            material = gather_material(s, result.plan_id, period_id)
            draft = build_draft(s, result.plan_id, period_id, today=SIGNED_ON, material=material)
        # The whole 公文 as an office sends it upward: a red 发文机关标志, 发文字号 and
        # 签发人, 主送 the county government, 抄送 and the 版记.
        draft.masthead = MASTHEAD_MARK
        draft.head.doc_number = doc_number_text("卢食安办", SIGNED_ON.year, 12)
        draft.head.signed_by = "王建国"
        draft.head.copy_to = [
            "市食品安全委员会办公室",
            "县委办公室",
            "县人大常委会办公室",
            "县政协办公室",
        ]
        return write_summary(draft, material, folder / "卢氏县2022年度食品安全工作总结.docx")
    finally:
        db.close()


def render(docx_path: Path, out: Path, dpi: int = 70) -> list[Path]:
    pdf = convert_to_pdf(docx_path, out)
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), str(pdf), str(out / "page")], check=True)
    return sorted(out.glob("page-*.png"))


def _is_wide(png: Path) -> bool:
    width, height = struct.unpack(">II", png.read_bytes()[16:24])  # the IHDR chunk
    return width > height


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=None, help="folder for the files")
    parser.add_argument("--docs", action="store_true", help="copy the renders to docs/")
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="summary-sample-"))
    path = build(out)
    print(path)
    if shutil.which("soffice") is None and shutil.which("libreoffice") is None:
        print("LibreOffice (soffice) not found: no PDF or PNG written")
        return
    pages = render(path, out)
    for p in pages:
        print(p)
    if args.docs:
        # The first page, the page of the 署名, the landscape table (the pages of 附件1
        # are the landscape ones) and the 版记 on the last page.
        wide = [i for i, page in enumerate(pages) if _is_wide(page)]
        signed = wide[0] - 1  # the page of the 署名, before 附件1
        picks = {
            "summary_page1.png": 0,
            "summary_body.png": signed,
            "summary_attachment.png": wide[0],
            "summary_imprint.png": len(pages) - 1,
        }
        for name, index in picks.items():
            shutil.copyfile(pages[index], ROOT / "docs" / name)
            print(ROOT / "docs" / name)


if __name__ == "__main__":
    main()
