"""``assessment export``: the assessment file laid out by 细则 item (issue 15).

Prints the path written on standard output and the counts (items, files, items without
evidence, each named) on standard error.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from foodsafety_desktop.cli.common import PROG, add_db_option, note, open_db, print_json


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Add this module's ``assessment`` subcommands to ``sub``."""
    export = sub.add_parser(
        "export",
        help="导出考核档案：按细则各项整理的佐证材料和目录",
        description=(
            "把一个单位（--unit）或全县的佐证材料按考核细则的项目整理到一个文件夹或 .zip 压缩包："
            "每个一级项目一个文件夹，文件改名为“项目序号-文件名”（全县时为“项目序号-单位-文件名”），"
            "并生成公文格式的“目录.docx”（序号、考核项目、佐证材料、页数、页码，没有佐证材料的"
            "项目标“无”，加分项标“未申报”，扣分项标“无扣分材料”，后两者不算缺少材料）。关联任务"
            "当年的报送表作为“报表”一并收入，单位在报送表“佐证材料”栏所列的材料也列在目录中"
            "（标“报送表所列，未附文件”）。目标已存在且不是空文件夹时不导出，加 --overwrite 替换。"
        ),
        epilog=(
            "示例：\n"
            f"  {PROG} assessment export 1 --unit 城关镇 -o 城关镇考核档案\n"
            f"  {PROG} assessment export 1 -o 全县考核档案.zip --overwrite"
        ),
    )
    export.add_argument(
        "assessment_id", type=int, metavar="编号", help="细则编号（见 assessment list）"
    )
    export.add_argument("--unit", metavar="单位名称", help="只导出这个单位的（默认：全县）")
    export.add_argument(
        "-o", "--output", required=True, metavar="文件夹或.zip", help="导出到的文件夹或 .zip 文件"
    )
    export.add_argument("--overwrite", action="store_true", help="替换已有的文件夹或压缩包")
    export.add_argument("--json", action="store_true", help="以 JSON 格式输出目录的各行")
    add_db_option(export)
    export.set_defaults(handler=cmd_assessment_export)


def cmd_assessment_export(args: argparse.Namespace) -> int:
    from foodsafety_desktop.core.reports.assessment_file import export_assessment_file
    from foodsafety_desktop.core.services.departments import find_department_id

    with open_db(args) as db:
        department_id = None
        if args.unit:
            with db.session() as session:
                department_id = find_department_id(session, args.unit)
        result = export_assessment_file(
            db,
            args.assessment_id,
            Path(args.output).expanduser(),
            department_id=department_id,
            overwrite=args.overwrite,
        )
    if args.json:
        print_json(
            {
                "path": str(result.path),
                "unit": result.unit,
                "items": result.item_count,
                "files": result.file_count,
                "items_without_evidence": result.missing_count,
                "pages": result.page_count,
                "rows": [
                    {
                        "number": r.number,
                        "item": r.item_label,
                        "file": r.file,
                        "kind": r.kind if r.file or r.listed else None,
                        "listed": r.listed,
                        "bonus": r.bonus,
                        "deduction": r.deduction,
                        "department": r.department,
                        "pages": r.pages,
                        "first_page": r.first_page,
                        "last_page": r.last_page,
                    }
                    for r in result.rows
                    if not r.heading
                ],
            }
        )
    else:
        print(result.path)
    note(
        f"已导出{result.unit}的考核档案：{result.item_count} 项考核内容，"
        f"{result.file_count} 个文件"
        + (f"，装订共 {result.page_count} 页" if result.page_count else "")
        + "。"
    )
    if result.missing_items:
        note(f"以下 {result.missing_count} 项尚无佐证材料（加分项、扣分项不计）：")
        for label in result.missing_items:
            note(f"  {label}")
    for warning in result.warnings:
        note(f"提示：{warning}")
    return 0
