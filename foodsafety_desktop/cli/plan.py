"""``plan parse`` / ``plan import`` / ``plan list``: work plans (工作方案).

``plan parse`` and ``plan list`` load neither Qt nor the Word/Excel libraries beyond what
reading the file needs.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING

from foodsafety_desktop.cli.common import add_db_option, add_subcommands, note, open_db
from foodsafety_desktop.core.dates import cn_date
from foodsafety_desktop.core.errors import UserError

if TYPE_CHECKING:
    from foodsafety_desktop.core.plans.model import ParsedPlan


def register(commands: argparse._SubParsersAction) -> None:
    plan = commands.add_parser("plan", help="工作方案：解析、导入、列表", description="工作方案")
    plan_commands = add_subcommands(plan, "plan_command")

    parse = plan_commands.add_parser(
        "parse",
        help="解析方案文件并显示结果（不写入数据库）",
        description="解析实施方案/工作要点文件（.docx、.txt、.md）并显示找到的任务，不写入数据库。",
    )
    parse.add_argument("file", metavar="文件", help="方案文件（.docx、.txt、.md）")
    parse.add_argument("--json", action="store_true", help="以 JSON 格式输出")
    add_db_option(parse)
    parse.set_defaults(handler=cmd_plan_parse)

    imp = plan_commands.add_parser(
        "import",
        help="导入方案文件，输出新方案的编号",
        description=(
            "导入方案文件：任务、牵头单位、责任单位写入工作台账。标准输出只有新方案的编号，"
            "提示信息输出到标准错误。"
        ),
    )
    imp.add_argument("file", metavar="文件", help="方案文件（.docx、.txt、.md）")
    add_db_option(imp)
    imp.set_defaults(handler=cmd_plan_import)

    lst = plan_commands.add_parser(
        "list", help="列出已导入的方案", description="列出已导入的工作方案。"
    )
    add_db_option(lst)
    lst.set_defaults(handler=cmd_plan_list)


def _existing_file(name: str) -> Path:
    path = Path(name).expanduser()
    if not path.exists():
        raise UserError(f"找不到文件“{name}”，请检查文件名和路径。")
    if not path.is_file():
        raise UserError(f"“{name}”不是文件。")
    return path


def cmd_plan_parse(args: argparse.Namespace) -> int:
    path = _existing_file(args.file)
    from foodsafety_desktop.core.plans.reader import read_plan

    try:
        parsed = read_plan(path)
    except (OSError, UnicodeError) as exc:
        raise UserError(f"无法读取文件：{exc}", file=path) from exc
    if args.json:
        print(json.dumps(parsed.to_json(), ensure_ascii=False, indent=2))
    else:
        print(plan_summary(parsed))
    return 0


def plan_summary(parsed: ParsedPlan) -> str:
    """A readable Chinese account of what the parser found."""
    lines = [f"标题：{parsed.title}"]
    if parsed.doc_number:
        lines.append(f"文号：{parsed.doc_number}")
    if parsed.issuer:
        lines.append(f"发文机关：{parsed.issuer}")
    if parsed.date:
        lines.append(f"成文日期：{cn_date(parsed.date)}")
    if parsed.year_start:
        years = str(parsed.year_start)
        if parsed.year_end and parsed.year_end != parsed.year_start:
            years += f"—{parsed.year_end}"
        lines.append(f"年度：{years}")
    lines.append(f"任务：共 {len(parsed.tasks)} 项")
    for task in parsed.tasks:
        lines.append("")
        lines.append(f"{task.label}{task.title}")
        if task.path:
            lines.append(f"    所属：{' / '.join(h.as_text() for h in task.path)}")
        lines.append(f"    牵头单位：{'、'.join(task.lead) or '（未写明）'}")
        lines.append(f"    责任单位：{'、'.join(task.others) or '（未写明）'}")
        if task.deadline:
            lines.append(f"    完成时限：{task.deadline}")
        if task.targets:
            lines.append(f"    指标：{'；'.join(t.text for t in task.targets)}")
    if parsed.reporting:
        lines.append("")
        lines.append("报送要求：")
        lines.extend(f"    {rule.text}" for rule in parsed.reporting)
    if parsed.warnings:
        lines.append("")
        lines.append("提示：")
        lines.extend(f"    {w}" for w in parsed.warnings)
    return "\n".join(lines)


def cmd_plan_import(args: argparse.Namespace) -> int:
    from foodsafety_desktop.core.services.plan_import import import_plan_file
    from foodsafety_desktop.core.storage.database import current_user

    path = _existing_file(args.file)
    with open_db(args) as db:
        result = import_plan_file(db, path, user=current_user())
    print(result.plan_id)
    note(f"已导入方案（编号 {result.plan_id}），共 {result.task_count} 项任务。")
    if result.created_departments:
        note(f"新建单位：{'、'.join(result.created_departments)}")
    for warning in result.warnings:
        note(f"提示：{warning}")
    return 0


def cmd_plan_list(args: argparse.Namespace) -> int:
    from foodsafety_desktop.core.services.ledger import list_plans

    with open_db(args) as db, db.session() as session:
        plans = list_plans(session)
    if not plans:
        note("还没有导入任何工作方案。")
        return 0
    print("编号\t方案名称\t文号\t任务数")
    for plan in plans:
        print(f"{plan.id}\t{plan.title}\t{plan.doc_number or '—'}\t{plan.task_count}")
    return 0
