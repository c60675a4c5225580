"""``plan parse`` / ``import`` / ``list`` / ``delete`` / ``archive`` / ``restore``: work
plans (工作方案).

``plan import`` of a plan that is already in the database (the same file, the same text
from another file, the same title and 文号) asks for ``--update ID`` (update that plan,
its periods and submissions kept) or ``--new``.  ``plan parse`` and ``plan list`` load
neither Qt nor the Word/Excel libraries beyond what reading the file needs.
"""

from __future__ import annotations

import argparse
import json
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
from foodsafety_desktop.core.dates import cn_date
from foodsafety_desktop.core.errors import UserError

if TYPE_CHECKING:
    from foodsafety_desktop.core.plans.model import ParsedPlan
    from foodsafety_desktop.core.services.ledger import PlanSummary


def register(commands: argparse._SubParsersAction) -> None:
    plan = commands.add_parser(
        "plan", help="工作方案：解析、导入、更新、列表、删除、归档", description="工作方案"
    )
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
            "导入方案文件：任务、牵头单位、责任单位写入工作台账。标准输出只有方案的编号，"
            "提示信息输出到标准错误。\n"
            "同一方案已导入过（同一文件，或另一格式的同一方案，或标题和文号相同）时不导入，"
            "并列出已导入的方案：加 --update 编号 用这份文件更新该方案（保留其报送期次和报送，"
            "更新前自动备份），或加 --new 作为新方案导入。"
        ),
    )
    imp.add_argument("file", metavar="文件", help="方案文件（.docx、.txt、.md）")
    choice = imp.add_mutually_exclusive_group()
    choice.add_argument(
        "--update",
        type=int,
        metavar="编号",
        help="用这份文件更新已导入的方案（编号见 plan list），输出变化",
    )
    choice.add_argument("--new", action="store_true", help="已导入过同一方案时，仍作为新方案导入")
    add_db_option(imp)
    imp.set_defaults(handler=cmd_plan_import)

    lst = plan_commands.add_parser(
        "list",
        help="列出已导入的方案",
        description=(
            "列出已导入的工作方案：编号、名称、文号、成文日期和任务数。"
            "已归档的方案加 --all 才列出。"
        ),
    )
    lst.add_argument("--all", action="store_true", help="也列出已归档的方案")
    lst.add_argument("--json", action="store_true", help="以 JSON 格式输出")
    add_db_option(lst)
    lst.set_defaults(handler=cmd_plan_list)

    delete = plan_commands.add_parser(
        "delete",
        help="删除方案（连同其任务、报送期次和报送）",
        description=(
            "删除工作方案（编号见 plan list），连同其任务、报送期次、收到的报送和工作总结草稿。"
            "须加 --yes 确认；删除前自动备份数据库，删除后可在软件中“撤销”。"
            "只是不再使用的方案，请归档（plan archive）。"
        ),
    )
    delete.add_argument("plan_id", type=int, metavar="编号", help="方案编号（见 plan list）")
    delete.add_argument("--yes", action="store_true", help="确认删除")
    delete.add_argument("--json", action="store_true", help="以 JSON 格式输出删除的内容")
    add_db_option(delete)
    delete.set_defaults(handler=cmd_plan_delete)

    for name, text, handler in (
        ("archive", "归档方案：不再在方案列表中显示，数据和操作记录保留", cmd_plan_archive),
        ("restore", "取消归档：已归档的方案重新在方案列表中显示", cmd_plan_restore),
    ):
        sub = plan_commands.add_parser(name, help=text.split("：")[0], description=text + "。")
        sub.add_argument("plan_id", type=int, metavar="编号", help="方案编号（见 plan list --all）")
        sub.add_argument("--json", action="store_true", help="以 JSON 格式输出方案")
        add_db_option(sub)
        sub.set_defaults(handler=handler)


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
    if parsed.place:
        lines.append(f"地区：{parsed.place}")
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
    from foodsafety_desktop.core.services.plan_import import SamePlanExists, import_plan_file
    from foodsafety_desktop.core.storage.database import current_user

    path = _existing_file(args.file)
    with open_db(args) as db:
        try:
            result = import_plan_file(
                db, path, user=current_user(), update_plan_id=args.update, as_new=args.new
            )
        except SamePlanExists as exc:
            best = exc.matches[0].plan_id
            command = f"{PROG} plan import {args.file}"
            raise UserError(
                f"{exc.message}用这份文件更新该方案：{command} --update {best}；"
                f"作为新方案导入：{command} --new"
            ) from None
    print(result.plan_id)
    if result.comparison is not None:
        for line in result.comparison.lines():
            note(line)
        if result.backup is not None:
            note(f"更新前已备份：{result.backup.name}")
    else:
        note(f"已导入方案（编号 {result.plan_id}），共 {result.task_count} 项任务。")
    if result.created_departments:
        note(f"新建单位：{'、'.join(result.created_departments)}")
    for warning in result.warnings:
        note(f"提示：{warning}")
    return 0


def _plan_json(plan: PlanSummary) -> dict:
    return {
        "id": plan.id,
        "title": plan.title,
        "doc_number": plan.doc_number,
        "issued_on": iso(plan.issued_on),
        "year_start": plan.year_start,
        "year_end": plan.year_end,
        "task_count": plan.task_count,
        "archived": plan.archived,
        "source_name": plan.source_name,
        "imported_at": iso(plan.imported_at),
    }


def cmd_plan_list(args: argparse.Namespace) -> int:
    from foodsafety_desktop.core.services.ledger import list_plans

    with open_db(args) as db, db.session() as session:
        plans = list_plans(session, include_archived=args.all)
    if args.json:
        print_json([_plan_json(p) for p in plans])
        return 0
    if not plans:
        note(
            "还没有导入任何工作方案。"
            if args.all
            else "没有未归档的工作方案（plan list --all 列出全部）。"
        )
        return 0
    header = "编号\t方案名称\t文号\t成文日期\t任务数"
    print(header + ("\t状态" if args.all else ""))
    for plan in plans:
        line = (
            f"{plan.id}\t{plan.title}\t{plan.doc_number or '—'}\t"
            f"{cn_date(plan.issued_on) if plan.issued_on else '—'}\t{plan.task_count}"
        )
        print(line + (f"\t{'已归档' if plan.archived else '使用中'}" if args.all else ""))
    return 0


def cmd_plan_delete(args: argparse.Namespace) -> int:
    from foodsafety_desktop.core.services.plan_admin import (
        delete_plan_with_backup,
        plan_contents,
    )
    from foodsafety_desktop.core.storage.database import current_user

    with open_db(args) as db:
        if not args.yes:
            with db.session() as session:
                contents = plan_contents(session, args.plan_id)
            raise UserError(
                f"删除方案《{contents.title}》将同时删除其 {contents.describe()}。"
                f"确需删除的，请加 --yes（删除前自动备份，删除后可在软件中撤销）："
                f"{PROG} plan delete {args.plan_id} --yes；只是不再使用的，请归档："
                f"{PROG} plan archive {args.plan_id}"
            )
        deleted = delete_plan_with_backup(db, args.plan_id, user=current_user())
    if args.json:
        c = deleted.contents
        print_json(
            {
                "id": c.plan_id,
                "title": c.title,
                "doc_number": c.doc_number,
                "tasks": c.tasks,
                "periods": c.periods,
                "submissions": c.submissions,
                "departments": c.departments,
                "backup": str(deleted.backup) if deleted.backup else None,
            }
        )
    note(deleted.message.replace("可以撤销。", "可在软件中“台账 → 撤销”恢复。"))
    return 0


def _set_archived(args: argparse.Namespace, archived: bool) -> int:
    from foodsafety_desktop.core.services.plan_admin import archive_plan
    from foodsafety_desktop.core.storage.database import current_user

    with open_db(args) as db, db.session() as session:
        plan = archive_plan(session, args.plan_id, user=current_user(), archived=archived)
    if args.json:
        print_json(_plan_json(plan))
    if archived:
        note(f"已归档方案《{plan.title}》；恢复显示：{PROG} plan restore {plan.id}")
    else:
        note(f"方案《{plan.title}》已恢复显示在方案列表中。")
    return 0


def cmd_plan_archive(args: argparse.Namespace) -> int:
    return _set_archived(args, True)


def cmd_plan_restore(args: argparse.Namespace) -> int:
    return _set_archived(args, False)
