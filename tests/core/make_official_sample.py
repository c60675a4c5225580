"""Write a sample 公文 with every element of OfficialDocument (not a test).

    python tests/core/make_official_sample.py [OUT.docx] [--letterhead RED.docx]
        [--render DIR]

The tests build the same document through :func:`build_sample`.  ``--render`` also
converts it with LibreOffice and writes page PNGs to DIR (how docs/official_sample_*.png
were made).  A Linux machine has none of the 公文 fonts, so the render maps them to the
closest Noto CJK faces through a private fontconfig file: 方正小标宋简体 → Noto Serif
CJK SC Bold, 仿宋/楷体 → Noto Serif CJK SC, 黑体 → Noto Sans CJK SC, Times New Roman →
Liberation Serif.  On Windows with the font pack installed Word shows the real faces.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from foodsafety_desktop.core.word import OfficialDocument, heading_label

TITLE = "经开区食品安全委员会办公室关于2023年\n食品安全重点工作落实情况的报告"
SIGNER = "经开区食品安全委员会办公室"
DATE = dt.date(2023, 11, 30)
ATTACHMENTS = ["2023年食品安全重点工作任务落实情况一览表", "2023年食品安全主要指标完成情况表"]

BODY = [
    "2023年，在区委、区政府的坚强领导下，区食安委各成员单位深入贯彻落实“四个最严”要求，"
    "紧紧围绕年度重点工作任务，压紧压实食品安全属地管理责任和企业主体责任，全区食品安全"
    "形势总体稳定向好，未发生重大食品安全事故。现将有关情况报告如下。",
]
SECTIONS = [
    (
        "总体情况",
        [
            (
                "强化源头治理",
                "全年共完成食用农产品抽检1,286批次，合格率98.6%；开展农药兽药残留专项整治"
                "行动3次，查处违法案件17件。区农业农村局牵头，区市场监管局、区生态环境局配合，"
                "对全区12个乡镇（街道）耕地土壤污染状况开展排查。",
            ),
            (
                "严格过程监管",
                "区市场监管局对全区2,318家食品生产经营主体实施风险分级管理，A级主体占比"
                "达到41.2%；“明厨亮灶”覆盖率达到92%，校园食堂实现全覆盖。",
            ),
        ],
    ),
    (
        "存在问题",
        [
            (
                "基层监管力量薄弱",
                "部分乡镇（街道）市场监管所仅有2至3名执法人员，难以满足日常监管需要。",
            ),
        ],
    ),
]
TABLE_HEADER = ["序号", "任务", "牵头单位", "责任单位", "完成情况", "进展摘要"]
TABLE_WIDTHS_MM = [14, 62, 30, 36, 20, 63]


def table_rows(count: int = 24) -> list[list[str]]:
    states = ["已完成", "序时推进", "滞后", "已完成"]
    return [
        [
            str(i),
            f"第{i}项重点任务：加强食品安全风险监测评估，完善风险会商和预警交流机制",
            "区市场监管局",
            "区卫健委、区农业农村局",
            states[i % len(states)],
            "已制定年度监测计划，完成监测样品采集和检测，形成风险分析报告并通报相关单位。",
        ]
        for i in range(1, count + 1)
    ]


def build_sample(letterhead: Path | None = None) -> OfficialDocument:
    """The sample document: two pages of body, a portrait and a landscape attachment."""
    doc = OfficialDocument(letterhead)
    doc.title(TITLE)
    doc.recipient("区人民政府")
    for text in BODY:
        doc.paragraph(text)
    for i, (heading, subsections) in enumerate(SECTIONS, start=1):
        doc.heading(1, heading_label(1, i) + heading)
        for j, (sub, text) in enumerate(subsections, start=1):
            doc.heading(2, heading_label(2, j) + sub)
            doc.paragraph(text)
            doc.paragraph(
                "各成员单位按照职责分工，细化工作措施，明确责任人和完成时限，"
                "确保各项任务按期保质完成。",
                bold_prefix=f"{heading_label(3, 1)}加强组织领导。",
            )
            doc.heading(
                3, heading_label(3, 2) + "健全工作机制。", run_in="建立月调度、季通报制度。"
            )
    doc.heading(1, heading_label(1, len(SECTIONS) + 1) + "下步工作打算")
    for k in range(1, 6):
        doc.paragraph(
            "持续深化食品安全放心工程建设，聚焦群众反映强烈的突出问题，开展专项整治，"
            f"推动第{k}项工作取得实效，不断提升人民群众的获得感、幸福感、安全感。"
        )
    doc.paragraph("特此报告。")
    doc.attachment_list(ATTACHMENTS)
    doc.signature(SIGNER, DATE)
    doc.attachment(1, ATTACHMENTS[0], landscape=True)
    doc.table(TABLE_HEADER, table_rows(), col_widths_mm=TABLE_WIDTHS_MM)
    doc.attachment(2, ATTACHMENTS[1])
    doc.table(
        ["序号", "指标", "目标值", "完成值", "是否完成"],
        [
            ["1", "食品抽检量（批次/千人）", "4.5", "5.1", "是"],
            ["2", "食用农产品抽检合格率", "≥98%", "98.6%", "是"],
            ["3", "“明厨亮灶”覆盖率", "≥95%", "92%", "否"],
        ],
        col_widths_mm=[14, 62, 26, 26, 28],
    )
    return doc


FONTCONFIG = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
{matches}
</fontconfig>
"""
MATCH = """  <match target="pattern">
    <test name="family"><string>{name}</string></test>
    <edit name="family" mode="assign" binding="strong"><string>{face}</string></edit>{weight}
  </match>"""
BOLD = '\n    <edit name="weight" mode="assign" binding="strong"><const>bold</const></edit>'
RENDER_FACES = {
    "方正小标宋简体": ("Noto Serif CJK SC", True),
    "仿宋_GB2312": ("Noto Serif CJK SC", False),
    "楷体_GB2312": ("Noto Serif CJK SC", False),
    "黑体": ("Noto Sans CJK SC", False),
    "宋体": ("Noto Serif CJK SC", False),
    "Times New Roman": ("Liberation Serif", False),
}


def convert_to_pdf(docx_path: Path, out_dir: Path, *, work: Path | None = None) -> Path:
    """Convert with LibreOffice headless, using a private profile (so parallel runs do
    not collide) and the render font mapping above.  Returns the PDF path."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise FileNotFoundError("LibreOffice (soffice) is not installed")
    work = Path(work or tempfile.mkdtemp(prefix="official-render-"))
    work.mkdir(parents=True, exist_ok=True)
    conf = work / "fonts.conf"
    matches = "\n".join(
        MATCH.format(name=name, face=face, weight=BOLD if bold else "")
        for name, (face, bold) in RENDER_FACES.items()
    )
    conf.write_text(FONTCONFIG.format(matches=matches), encoding="utf-8")
    env = dict(os.environ, FONTCONFIG_FILE=str(conf))
    profile = (work / "lo-profile").resolve().as_uri()
    subprocess.run(
        [soffice, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
         "--outdir", str(out_dir), str(docx_path)],
        check=True, capture_output=True, timeout=180, env=env,
    )  # fmt: skip
    pdf = out_dir / (docx_path.stem + ".pdf")
    if not pdf.is_file():
        raise RuntimeError(f"LibreOffice wrote no PDF for {docx_path}")
    return pdf


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out", nargs="?", default="official_sample.docx", type=Path)
    parser.add_argument("--letterhead", type=Path)
    parser.add_argument("--render", type=Path, metavar="DIR", help="also write page PNGs")
    args = parser.parse_args()
    path = build_sample(args.letterhead).save(args.out)
    print(path)
    if args.render:
        args.render.mkdir(parents=True, exist_ok=True)
        pdf = convert_to_pdf(path, args.render)
        subprocess.run(
            ["pdftoppm", "-png", "-r", "60", str(pdf), str(args.render / "page")], check=True
        )
        print(pdf)


if __name__ == "__main__":
    main()
