"""``assessment import`` / ``list`` / ``show``: the year's 评议考核细则 (scoring tables for
the 乡镇 and the 食安委 member units).

``assessment import`` prints the new 细则's number on standard output and its item count
and points on standard error, as ``plan import`` does; a second 细则 for the same year and
kind needs ``--replace``.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from foodsafety_desktop.cli.common import (
    PROG,
    add_db_option,
    add_subcommands,
    iso,
    note,
    open_db,
    print_json,
)
from foodsafety_desktop.core.errors import UserError

if TYPE_CHECKING:
    from foodsafety_desktop.core.services.assessment import AssessmentSummary, OutlineItem

KIND_CHOICES = ("乡镇", "成员单位")  # services.assessment.KINDS, without importing SQLAlchemy


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "assessment",
        help="评议考核细则：导入、列表、查看",
        description="年度食品安全工作评议考核细则（对乡镇、对县食安委成员单位）",
    )
    sub = add_subcommands(parser, "assessment_command")

    imp = sub.add_parser(
        "import",
        help="导入考核细则（.xlsx、.docx），输出细则的编号",
        description=(
            "导入年度考核细则表格（Excel .xlsx/.xls 或 Word .docx/.doc）：考核项目、考核内容、"
            "分值、评分标准、佐证材料。标准输出只有细则的编号，项数和分值输出到标准错误。"
            "同一年度、同一考核对象已有细则时不导入，加 --replace 用这份文件替换。"
        ),
        epilog=(
            "示例：\n"
            f"  {PROG} assessment import 2026年乡镇考核细则.xlsx --year 2026 --kind 乡镇\n"
            f"  {PROG} assessment import 成员单位考核细则.docx --year 2026 --kind 成员单位"
            " --replace"
        ),
    )
    imp.add_argument("file", metavar="文件", help="考核细则文件（.xlsx、.xls、.docx、.doc）")
    imp.add_argument("--year", type=int, required=True, metavar="年度", help="考核年度，如 2026")
    imp.add_argument(
        "--kind",
        required=True,
        choices=KIND_CHOICES,
        metavar="对象",
        help="考核对象：乡镇 或 成员单位",
    )
    imp.add_argument("--replace", action="store_true", help="替换同一年度、同一对象已有的细则")
    imp.add_argument("--json", action="store_true", help="以 JSON 格式输出导入结果")
    add_db_option(imp)
    imp.set_defaults(handler=cmd_assessment_import)

    lst = sub.add_parser(
        "list",
        help="列出已导入的考核细则",
        description="列出已导入的考核细则：编号、年度、考核对象、名称、项数和分值。",
    )
    lst.add_argument("--json", action="store_true", help="以 JSON 格式输出")
    add_db_option(lst)
    lst.set_defaults(handler=cmd_assessment_list)

    show = sub.add_parser(
        "show",
        help="按层级显示一份考核细则的各项",
        description="按层级缩进显示考核细则的各项：编号、内容、分值（加分项、扣分项标明）。",
    )
    show.add_argument(
        "assessment_id", type=int, metavar="编号", help="细则编号（见 assessment list）"
    )
    show.add_argument("--json", action="store_true", help="以 JSON 格式输出细则和各项")
    add_db_option(show)
    show.set_defaults(handler=cmd_assessment_show)

    # The parts of the group, each in its own module.
    from foodsafety_desktop.cli.assessment_export import add_commands as add_export
    from foodsafety_desktop.cli.assessment_links import add_commands as add_links
    from foodsafety_desktop.cli.assessment_scores import add_commands as add_scores

    for add in (add_links, add_scores, add_export):
        add(sub)


def _points(value: float | None) -> str:
    from foodsafety_desktop.core.services.assessment import format_points

    return format_points(value)


def cmd_assessment_import(args: argparse.Namespace) -> int:
    from foodsafety_desktop.core.services.assessment import import_assessment
    from foodsafety_desktop.core.storage.database import current_user

    path = Path(args.file).expanduser()
    if not path.exists():
        raise UserError("找不到这个文件，可能已被移动、改名或删除。", file=path)
    with open_db(args) as db:
        result = import_assessment(
            db, path, year=args.year, kind=args.kind, user=current_user(), replace=args.replace
        )
    if args.json:
        print_json(
            {
                "id": result.assessment_id,
                "title": result.title,
                "items": result.item_count,
                "contents": result.content_count,
                "parts": result.part_count,
                "total_points": result.total_points,
                "bonus_points": result.bonus_points,
                "deduction_points": result.deduction_points,
                "replaced_id": result.replaced_id,
                "warnings": result.warnings,
            }
        )
    else:
        print(result.assessment_id)
    replaced = f"，替换了原细则（编号 {result.replaced_id}）" if result.replaced_id else ""
    bonus = f"，加分项 {_points(result.bonus_points)} 分" if result.bonus_points else ""
    note(
        f"已导入考核细则（编号 {result.assessment_id}）《{result.title}》："
        f"{result.content_count} 项考核内容（{result.part_count} 个一级项目），"
        f"合计 {_points(result.total_points)} 分{bonus}{replaced}。"
    )
    for warning in result.warnings:
        note(f"提示：{warning}")
    return 0


def _summary_json(row: AssessmentSummary) -> dict:
    return {
        "id": row.id,
        "year": row.year,
        "kind": row.kind,
        "title": row.title,
        "items": row.item_count,
        "contents": row.content_count,
        "parts": row.part_count,
        "points": row.total_points,
        "bonus_points": row.bonus_points,
        "source_name": row.source_name,
        "created_at": iso(row.created_at),
    }


def cmd_assessment_list(args: argparse.Namespace) -> int:
    from foodsafety_desktop.core.services.assessment import list_assessments

    with open_db(args) as db, db.session() as session:
        rows = list_assessments(session)
    if args.json:
        print_json([_summary_json(r) for r in rows])
        return 0
    if not rows:
        note(f"还没有导入任何考核细则（{PROG} assessment import 文件 --year 年度 --kind 乡镇）。")
        return 0
    print("编号\t年度\t考核对象\t名称\t考核内容\t分值")
    for r in rows:
        points = _points(r.total_points)
        if r.bonus_points:
            points += f"+{_points(r.bonus_points)}"
        print(f"{r.id}\t{r.year}\t{r.kind}\t{r.title}\t{r.content_count}\t{points}")
    return 0


def _item_json(item: OutlineItem) -> dict:
    return {
        "id": item.id,
        "parent_id": item.parent_id,
        "level": item.level,
        "number": item.number,
        "title": item.title,
        "points": item.points,
        "points_text": item.points_text,
        "rule": item.rule,
        "evidence": item.evidence,
        "bonus": item.bonus,
        "deduction": item.deduction,
    }


def _outline_line(item: OutlineItem) -> str:
    line = "  " * (item.level - 1) + item.label
    if item.points is not None:
        sign = "加" if item.bonus else "扣" if item.deduction else ""
        line += f"（{sign}{_points(item.points)}分）"
    marks = [m for m, on in (("加分项", item.bonus), ("扣分项", item.deduction)) if on]
    if marks and item.parent_id is None:
        line += f"【{marks[0]}】"
    return line


def cmd_assessment_show(args: argparse.Namespace) -> int:
    from foodsafety_desktop.core.services.assessment import assessment_outline

    with open_db(args) as db, db.session() as session:
        try:
            outline = assessment_outline(session, args.assessment_id)
        except UserError as exc:
            raise UserError(
                f"{exc.message.rstrip('。')}，请用 assessment list 查看编号。"
            ) from None
    if args.json:
        data = _summary_json(outline.summary)
        data["items"] = [_item_json(i) for i in outline.items]
        print_json(data)
        return 0
    s = outline.summary
    bonus = f"，加分项 {_points(s.bonus_points)} 分" if s.bonus_points else ""
    print(
        f"{s.title}（{s.year}年度，对{s.kind}，{s.count_text}，"
        f"合计 {_points(s.total_points)} 分{bonus}）"
    )
    for item in outline.items:
        print(_outline_line(item))
    return 0
