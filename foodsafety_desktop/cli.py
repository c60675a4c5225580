"""The command line: the same core operations as the GUI, for scripts and checks.

Plans and the ledger are here; reporting (period, templates, collect, status) is in
``cli_reporting``.  No subcommand starts the GUI.  Qt, openpyxl, python-docx and Alembic
are imported only inside the command that needs them, so ``plan parse`` / ``plan list``
never load Qt.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import tempfile
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from foodsafety_desktop import __version__
from foodsafety_desktop.core.dates import cn_date
from foodsafety_desktop.core.errors import UserError
from foodsafety_desktop.core.paths import DATA_DIR_ENV
from foodsafety_desktop.core.storage.models import STATUSES

if TYPE_CHECKING:
    from foodsafety_desktop.core.plans.model import ParsedPlan
    from foodsafety_desktop.core.storage.database import Database

PROG = "foodsafety-desktop"
DEBUG_ENV = "FOODSAFETY_DEBUG"  # set to 1 to see tracebacks of unexpected errors

# argparse's own messages, in Chinese (the rest of its text is ours).
_ARGPARSE_MESSAGES = [
    (r"the following arguments are required: (.*)", r"缺少必需的参数：\1"),
    (r"unrecognized arguments: (.*)", r"无法识别的参数：\1"),
    (
        r"argument (\S+): invalid choice: (.*?) \(choose from (.*)\)",
        r"参数 \1：无效的选项 \2（可选：\3）",
    ),
    (r"argument (\S+): invalid int value: (.*)", r"参数 \1：应为整数，而不是 \2"),
    (r"argument (\S+): expected one argument", r"参数 \1 后面需要一个值"),
    (r"argument (\S+): (.*)", r"参数 \1：\2"),
]


class _Formatter(argparse.RawDescriptionHelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None):  # type: ignore[override]
        super().add_usage(usage, actions, groups, prefix="用法：" if prefix is None else prefix)


class ChineseArgumentParser(argparse.ArgumentParser):
    """An ArgumentParser whose help and error texts are Chinese."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        add_help = kwargs.pop("add_help", True)
        super().__init__(*args, add_help=False, **kwargs)
        self._positionals.title = "参数"
        self._optionals.title = "选项"
        if add_help:
            self.add_argument(
                "-h", "--help", action="help", default=argparse.SUPPRESS, help="显示本帮助并退出"
            )

    def error(self, message: str) -> NoReturn:
        for pattern, replacement in _ARGPARSE_MESSAGES:
            translated, count = re.subn(pattern, replacement, message)
            if count:
                message = translated
                break
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}：错误：{message}\n")


DB_HELP = "数据库文件路径或 SQLAlchemy 地址（默认：本用户数据文件夹中的数据库）"


def _add_db_option(parser: argparse.ArgumentParser) -> None:
    # Accepted after the subcommand too; SUPPRESS keeps the top-level value otherwise.
    parser.add_argument("--db", metavar="路径或地址", default=argparse.SUPPRESS, help=DB_HELP)


def build_parser() -> ChineseArgumentParser:
    parser = ChineseArgumentParser(
        prog=PROG,
        description="食安台账：县区食品安全办公室的工作台账。不带子命令时启动图形界面。",
        epilog=(
            "示例：\n"
            f"  {PROG} plan parse 实施方案.docx --json\n"
            f"  {PROG} plan import 实施方案.docx\n"
            f"  {PROG} plan list\n"
            f"  {PROG} ledger export --plan 1 -o 工作台账.xlsx --overdue\n"
            f"  {PROG} period list --plan 1\n"
            f"  {PROG} templates --plan 1 --period 2023年第三季度 -o 报送表\n"
            f"  {PROG} collect 收回的报送表 --json\n"
            f"  {PROG} status --plan 1 --period 2023年第三季度"
        ),
    )
    parser.add_argument("--db", metavar="路径或地址", default=None, help=DB_HELP)
    parser.add_argument(
        "--demo", action="store_true", help="用临时的演示数据库启动图形界面（退出后删除）"
    )
    parser.add_argument(
        "--version", action="version", version=f"%(prog)s {__version__}", help="显示版本号并退出"
    )
    commands = parser.add_subparsers(dest="command", title="子命令", metavar="子命令")

    plan = commands.add_parser("plan", help="工作方案：解析、导入、列表", description="工作方案")
    plan_commands = plan.add_subparsers(dest="plan_command", title="子命令", metavar="子命令")
    plan_commands.required = True

    parse = plan_commands.add_parser(
        "parse",
        help="解析方案文件并显示结果（不写入数据库）",
        description="解析实施方案/工作要点文件（.docx、.txt、.md）并显示找到的任务，不写入数据库。",
    )
    parse.add_argument("file", metavar="文件", help="方案文件（.docx、.txt、.md）")
    parse.add_argument("--json", action="store_true", help="以 JSON 格式输出")
    _add_db_option(parse)
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
    _add_db_option(imp)
    imp.set_defaults(handler=cmd_plan_import)

    lst = plan_commands.add_parser(
        "list", help="列出已导入的方案", description="列出已导入的工作方案。"
    )
    _add_db_option(lst)
    lst.set_defaults(handler=cmd_plan_list)

    ledger = commands.add_parser("ledger", help="工作台账：导出", description="工作台账")
    ledger_commands = ledger.add_subparsers(dest="ledger_command", title="子命令", metavar="子命令")
    ledger_commands.required = True
    export = ledger_commands.add_parser(
        "export",
        help="把工作台账导出为 Excel 文件",
        description="把一个方案的工作台账导出为可直接打印的 Excel 文件（.xlsx）。",
    )
    export.add_argument("--plan", type=int, required=True, metavar="编号", help="方案编号")
    export.add_argument("-o", "--output", required=True, metavar="文件", help="导出的 .xlsx 文件")
    export.add_argument(
        "--department", metavar="单位名称", help="只导出该单位（含其所在单位组）的任务"
    )
    export.add_argument(
        "--status",
        choices=STATUSES,
        metavar="状态",
        help=f"只导出该状态的任务：{'、'.join(STATUSES)}",
    )
    export.add_argument("--overdue", action="store_true", help="只导出逾期未完成的任务")
    export.add_argument("--text", default="", metavar="关键词", help="只导出包含关键词的任务")
    _add_db_option(export)
    export.set_defaults(handler=cmd_ledger_export)

    # Reporting (报送) commands live in their own module; imported here, after this
    # module is complete, because they reuse its helpers.
    from foodsafety_desktop.cli_reporting import register

    register(commands)

    from foodsafety_desktop.cli_summary import register as register_summary

    register_summary(commands)
    return parser


# --- commands -------------------------------------------------------------------------


def _open_database(args: argparse.Namespace) -> Database:
    from foodsafety_desktop.core.storage.database import open_database

    return open_database(getattr(args, "db", None))


def _existing_file(name: str) -> Path:
    path = Path(name).expanduser()
    if not path.exists():
        raise UserError(f"找不到文件“{name}”，请检查文件名和路径。")
    if not path.is_file():
        raise UserError(f"“{name}”不是文件。")
    return path


def _read_plan(path: Path) -> ParsedPlan:
    from foodsafety_desktop.core.plans.reader import read_plan

    try:
        return read_plan(path)
    except (OSError, UnicodeError) as exc:
        raise UserError(f"无法读取文件：{exc}", file=path) from exc


def cmd_plan_parse(args: argparse.Namespace) -> int:
    parsed = _read_plan(_existing_file(args.file))
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
    db = _open_database(args)
    try:
        result = import_plan_file(db, path, user=current_user())
    finally:
        db.close()
    print(result.plan_id)
    _note(f"已导入方案（编号 {result.plan_id}），共 {result.task_count} 项任务。")
    if result.created_departments:
        _note(f"新建单位：{'、'.join(result.created_departments)}")
    for warning in result.warnings:
        _note(f"提示：{warning}")
    return 0


def cmd_plan_list(args: argparse.Namespace) -> int:
    from foodsafety_desktop.core.services.ledger import list_plans

    db = _open_database(args)
    try:
        with db.session() as session:
            plans = list_plans(session)
    finally:
        db.close()
    if not plans:
        _note("还没有导入任何工作方案。")
        return 0
    print("编号\t方案名称\t文号\t任务数")
    for plan in plans:
        print(f"{plan.id}\t{plan.title}\t{plan.doc_number or '—'}\t{plan.task_count}")
    return 0


def cmd_ledger_export(args: argparse.Namespace) -> int:
    from foodsafety_desktop.core.services.ledger import LedgerFilter
    from foodsafety_desktop.core.services.ledger_export import export_ledger_xlsx

    db = _open_database(args)
    try:
        with db.session() as session:
            department_id = _department_id(session, args.department) if args.department else None
            flt = LedgerFilter(
                plan_id=args.plan,
                department_id=department_id,
                status=args.status or None,
                overdue_only=args.overdue,
                text=args.text,
            )
            path = export_ledger_xlsx(session, flt, Path(args.output).expanduser())
    finally:
        db.close()
    print(f"已导出：{path}")
    return 0


def _department_id(session, name: str) -> int:
    from sqlalchemy import select

    from foodsafety_desktop.core.storage.models import Department, DepartmentAlias

    name = name.strip()
    found = session.scalar(select(Department.id).where(Department.name == name))
    if found is None:
        found = session.scalar(
            select(DepartmentAlias.department_id).where(DepartmentAlias.alias == name)
        )
    if found is None:
        raise UserError(f"未找到单位“{name}”，请使用单位管理中的名称。")
    return found


def run_gui(args: argparse.Namespace) -> int:
    """Start the GUI on the chosen database (or on a throw-away demo database)."""
    try:
        from foodsafety_desktop.ui.app import run_gui as start
    except ImportError as exc:
        raise UserError(f"无法启动图形界面：{exc}。请重新安装本软件。") from exc
    if not args.demo:
        from foodsafety_desktop.ui.app import start_gui

        return start_gui(args.db)
    from foodsafety_desktop.core.services.demo import create_demo_database

    folder = Path(tempfile.mkdtemp(prefix="foodsafety-demo-"))
    # Everything the demo session writes (archive, backups) stays in its own folder.
    os.environ[DATA_DIR_ENV] = str(folder)
    try:
        db = create_demo_database(folder / "演示数据.sqlite3")
        try:
            return start(db, demo=True)
        finally:
            db.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# --- running --------------------------------------------------------------------------


def _note(text: str) -> None:
    print(text, file=sys.stderr)


def run(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv`` and run the command; return the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.demo and args.db is not None:
        parser.error("--demo 使用临时数据库，不能与 --db 同时使用")
    handler: Callable[[argparse.Namespace], int] = getattr(args, "handler", run_gui)
    if args.demo and handler is not run_gui:
        parser.error("--demo 只用于启动图形界面")
    try:
        return handler(args)
    except UserError as exc:
        _note(f"错误：{exc}")
        return 1
    except KeyboardInterrupt:
        _note("已取消。")
        return 130
    except Exception as exc:  # the last line of defence: a message, not a traceback
        if os.environ.get(DEBUG_ENV):
            traceback.print_exc()
        _note(
            f"发生了意外错误：{type(exc).__name__}: {exc}\n"
            f"数据未被修改。设置环境变量 {DEBUG_ENV}=1 后重试可显示详细信息。"
        )
        return 1
