"""``summary``: a period's 工作总结 (with the saved edits), its 逐条报送表 or one
department's 部门小结, as Word documents."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from foodsafety_desktop.cli.common import (
    PROG,
    add_db_option,
    add_period_option,
    add_plan_option,
    find_period,
    note,
    open_db,
)
from foodsafety_desktop.core.errors import UserError

if TYPE_CHECKING:
    from foodsafety_desktop.core.reports.material import PeriodMaterial

KINDS = {"summary": "工作总结", "itemized": "逐条报送表", "department": "部门小结"}


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "summary",
        help="生成工作总结、逐条报送表或部门小结（Word 公文格式）",
        description=(
            "按报送期次生成 Word 文档（GB/T 9704 公文格式）：工作总结（含在软件中保存的修改）、"
            "逐条报送表，或某一单位的部门小结。"
        ),
        epilog=(
            "示例：\n"
            f"  {PROG} summary --plan 1 --period 2023年第三季度 -o 工作总结.docx\n"
            f"  {PROG} summary --plan 1 --period 2023年度 --kind itemized -o 逐条报送表.docx\n"
            f"  {PROG} summary --plan 1 --period 2023年度 --kind department "
            "--department 区市场监管局 -o 部门小结.docx"
        ),
    )
    add_plan_option(parser)
    add_period_option(parser)
    parser.add_argument("-o", "--output", required=True, metavar="文件", help="保存为（.docx）")
    parser.add_argument(
        "--kind",
        choices=list(KINDS),
        default="summary",
        help="summary 工作总结（默认）、itemized 逐条报送表、department 部门小结",
    )
    parser.add_argument(
        "--department", metavar="单位", help="部门小结的单位名称（--kind department 时必填）"
    )
    parser.add_argument(
        "--letterhead", metavar="红头.docx", help="以本单位的红头文件（.docx）为底稿（仅工作总结）"
    )
    add_db_option(parser)
    parser.set_defaults(handler=cmd_summary)


def cmd_summary(args: argparse.Namespace) -> int:
    from foodsafety_desktop.core.reports.material import gather_material

    if args.kind == "department" and not args.department:
        raise UserError("生成部门小结需要用 --department 指定单位名称。")
    output = Path(args.output).expanduser()
    if output.is_dir():
        raise UserError(f"“{args.output}”是一个文件夹，请指定要保存的 .docx 文件名。")
    letterhead = Path(args.letterhead).expanduser() if args.letterhead else None
    if letterhead is not None and not letterhead.is_file():
        raise UserError(f"找不到红头文件“{args.letterhead}”。")
    with open_db(args) as db, db.session() as session:
        period = find_period(session, args.plan, args.period)
        material = gather_material(session, args.plan, period.id)
        draft = None
        if args.kind == "summary":
            from foodsafety_desktop.core.reports.summary import build_draft

            draft = build_draft(session, args.plan, period.id, material=material)

    if args.kind == "summary":
        from foodsafety_desktop.core.reports.summary import write_summary

        assert draft is not None
        path = write_summary(draft, material, output, letterhead=letterhead)
        if draft.new_material:
            note("上次保存修改后又收到的报送：" + "；".join(draft.new_material))
    elif args.kind == "itemized":
        from foodsafety_desktop.core.reports.itemized import write_itemized

        path = write_itemized(material, output)
    else:
        from foodsafety_desktop.core.reports.department_report import write_department_report

        name = _department_name(material, args.department)
        path = write_department_report(material, name, output)
    print(path)
    note(f"已生成{material.period_name}{KINDS[args.kind]}：{path}")
    return 0


def _department_name(material: PeriodMaterial, written: str) -> str:
    """The period's department named ``written`` (exact, else the one name containing it)."""
    names = material.department_names()
    if written in names:
        return written
    close = [n for n in names if written in n]
    if len(close) == 1:
        return close[0]
    listed = "、".join(names[:30]) + ("等" if len(names) > 30 else "")
    raise UserError(f"该期次没有名为“{written}”的单位。可用的单位：{listed}。")
