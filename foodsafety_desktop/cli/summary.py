"""``summary``: a period's 工作总结 (with the saved edits), its 逐条报送表, one
department's 部门小结 or the 催报通知 to the departments that have not reported, as Word
documents."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from foodsafety_desktop.cli.common import (
    PROG,
    add_db_option,
    add_period_option,
    add_plan_option,
    date_arg,
    find_period,
    note,
    open_db,
)
from foodsafety_desktop.core.errors import UserError

if TYPE_CHECKING:
    from foodsafety_desktop.core.reports.material import PeriodMaterial

KINDS = {
    "summary": "工作总结",
    "itemized": "逐条报送表",
    "department": "部门小结",
    "reminder": "催报通知",
}


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "summary",
        help="生成工作总结、逐条报送表、部门小结或催报通知（Word 公文格式）",
        description=(
            "按报送期次生成 Word 文档（GB/T 9704 公文格式）：工作总结（含在软件中保存的修改）、"
            "逐条报送表、某一单位的部门小结，或给尚未报送单位的催报通知。"
        ),
        epilog=(
            "示例：\n"
            f"  {PROG} summary --plan 1 --period 2023年第三季度 -o 工作总结.docx\n"
            f"  {PROG} summary --plan 1 --period 2023年度 --kind itemized -o 逐条报送表.docx\n"
            f"  {PROG} summary --plan 1 --period 2023年度 --kind department "
            "--department 区市场监管局 -o 部门小结.docx\n"
            f"  {PROG} summary --plan 1 --period 2023年第三季度 --kind reminder -o 催报通知.docx"
        ),
    )
    add_plan_option(parser)
    add_period_option(parser)
    parser.add_argument("-o", "--output", required=True, metavar="文件", help="保存为（.docx）")
    parser.add_argument(
        "--kind",
        choices=list(KINDS),
        default="summary",
        help=(
            "summary 工作总结（默认）、itemized 逐条报送表、department 部门小结、reminder 催报通知"
        ),
    )
    parser.add_argument(
        "--department", metavar="单位", help="部门小结的单位名称（--kind department 时必填）"
    )
    parser.add_argument(
        "--letterhead",
        metavar="红头.docx",
        help="以这个红头文件（.docx）为底稿（工作总结、催报通知；默认用“公文设置”中保存的红头）",
    )
    head = parser.add_argument_group(
        "工作总结的公文要素",
        "只对这一份文件有效；默认值用 settings document 设置，或在软件中保存的修改。",
    )
    head.add_argument(
        "--masthead",
        choices=["none", "file", "mark"],
        help="版头：none 不用红头、file 红头文件、mark 按发文机关标志生成红头",
    )
    head.add_argument("--doc-number", metavar="字号", help="发文字号，如 卢食安办〔2022〕12号")
    head.add_argument("--signed-by", metavar="姓名", help="签发人（上行文）")
    head.add_argument("--urgency", choices=["加急", "特急"], help="紧急程度")
    head.add_argument("--secrecy", metavar="密级", help="密级和保密期限，如 秘密★1年（涉密公文）")
    head.add_argument("--copy-number", metavar="份号", help="份号，6位数字（涉密公文）")
    head.add_argument("--recipient", metavar="机关", help="主送机关")
    head.add_argument("--copy-to", metavar="机关", help="抄送机关，多个用顿号或逗号分隔")
    head.add_argument("--signed-on", type=date_arg, metavar="日期", help="成文日期，如 2022-12-05")
    head.add_argument("--no-imprint", action="store_true", help="不印版记（抄送、印发机关和日期）")
    head.add_argument(
        "--reporting-figures",
        action="store_true",
        help="写入各单位按时、逾期、未报送情况的段落（默认不写）",
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
    if args.kind == "reminder":
        _say_missing_fonts()
        return _reminder(args, output, letterhead)
    _say_missing_fonts()
    kept_letterhead = None
    with open_db(args) as db, db.session() as session:
        period = find_period(session, args.plan, args.period)
        material = gather_material(session, args.plan, period.id)
        draft = None
        if args.kind == "summary":
            from foodsafety_desktop.core.reports.summary import MASTHEAD_FILE, build_draft
            from foodsafety_desktop.core.services.documents import letterhead_of

            draft = build_draft(session, args.plan, period.id, material=material)
            _apply_head_options(draft, args, letterhead is not None)
            if draft.masthead == MASTHEAD_FILE and letterhead is None:
                kept_letterhead = letterhead_of(session)
                if kept_letterhead is None:
                    raise UserError(
                        "没有保存的红头文件：用 settings document --letterhead 红头.docx 保存，"
                        "或用 --letterhead 指定，或用 --masthead none 不用红头。"
                    )

    if args.kind == "summary":
        from foodsafety_desktop.core.reports.summary import write_summary

        assert draft is not None
        path = write_summary(draft, material, output, letterhead=letterhead or kept_letterhead)
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


def _apply_head_options(draft: object, args: argparse.Namespace, letterhead_given: bool) -> None:
    """This document's 公文要素 from the command line, over the saved ones."""
    from foodsafety_desktop.core.reports.summary import MASTHEAD_FILE, SummaryDraft
    from foodsafety_desktop.core.services.documents import split_names
    from foodsafety_desktop.core.word.official import normalized_doc_number

    assert isinstance(draft, SummaryDraft)
    if args.masthead:
        draft.masthead = args.masthead
    elif letterhead_given:
        draft.masthead = MASTHEAD_FILE
    if args.doc_number is not None:
        draft.head.doc_number = normalized_doc_number(args.doc_number)
    if args.signed_by is not None:
        draft.head.signed_by = args.signed_by.strip()
    if args.urgency:
        draft.head.urgency = args.urgency
    if args.secrecy is not None:
        draft.head.secrecy = args.secrecy.strip()
    if args.copy_number is not None:
        number = args.copy_number.strip()
        if not (number.isdigit() and len(number) <= 6):
            raise UserError(f"份号“{number}”应为不超过6位的数字，如 000012。")
        draft.head.copy_number = number.zfill(6)
    if args.recipient is not None:
        draft.recipient = args.recipient.strip()
    if args.copy_to is not None:
        draft.head.copy_to = split_names(args.copy_to)
    if args.signed_on is not None:
        draft.signed_on = args.signed_on
    if args.no_imprint:
        draft.imprint = False
    if args.reporting_figures:
        draft.include_reporting = True


def _say_missing_fonts() -> None:
    """Once per PC: which 公文 fonts it lacks and what the documents use instead."""
    from foodsafety_desktop.core.paths import data_dir
    from foodsafety_desktop.core.word.fonts import (
        fonts_notice,
        installed_font_families,
        notice_once,
    )

    notice = notice_once(fonts_notice(installed_font_families()), data_dir())
    if notice:
        note(notice)


def _reminder(args: argparse.Namespace, output: Path, letterhead: Path | None) -> int:
    """The 催报通知 (as 报送管理 → 催报… → Word 催报通知): UserError when everyone reported."""
    from foodsafety_desktop.core.reports.reminder import write_reminder
    from foodsafety_desktop.core.services.tracking import missing_departments

    with open_db(args) as db, db.session() as session:
        period = find_period(session, args.plan, args.period)
        names = [d.name for d in missing_departments(session, period.id)]
        path = write_reminder(session, period.id, output, letterhead=letterhead)
        period_name = period.name
    print(path)
    note(f"尚未报送的单位（{len(names)}个）：{'、'.join(names)}")
    note(f"已生成{period_name}{KINDS['reminder']}：{path}")
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
