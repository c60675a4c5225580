"""The command line: the same core operations as the GUI, for scripts and checks.

One module per command group (``plan``, ``ledger``, ``period``, ``templates``,
``collect``, ``status``, ``summary``, ``department``, ``settings``), each with
``register(subparsers)`` and handlers that parse, call the core and print; they share
only ``common`` (the Chinese parser, the options, ``open_db``).  No subcommand starts
the GUI (``gui``).  Qt, openpyxl, python-docx and Alembic are imported only inside the
command that needs them, so ``plan parse`` / ``plan list`` never load Qt.

``run`` is the last line of defence: a ``UserError`` is its message (exit 1); a database
or disk error is a Chinese sentence naming the operation (``core.storage.errors``) with
the English detail only in the log (``logs/foodsafety.log`` in the data folder); a
reader that stops early (``… | head -1``) ends the command quietly with exit code 141,
as a Unix tool killed by SIGPIPE does.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import traceback
from collections.abc import Callable, Sequence

from foodsafety_desktop import __version__
from foodsafety_desktop.cli import (
    assessment,
    collect,
    department,
    evidence,
    gui,
    ledger,
    overview,
    period,
    plan,
    returns,
    settings,
    status,
    summary,
    templates,
)
from foodsafety_desktop.cli.common import (
    DB_HELP,
    PROG,
    ChineseArgumentParser,
    log_unexpected,
    note,
)
from foodsafety_desktop.core.errors import UserError

DEBUG_ENV = "FOODSAFETY_DEBUG"  # set to 1 to see tracebacks of unexpected errors

# The subcommands, in the order of ``--help``; each module has ``register(subparsers)``.
COMMANDS = (
    plan, ledger, period, templates, collect, returns, status, summary, overview, assessment,
    evidence, department, settings,
)  # fmt: skip

# What each command does, as the error messages name it ("导入方案时…").
OPERATIONS = {
    "plan parse": "识别方案",
    "plan import": "导入方案",
    "plan list": "列出方案",
    "plan delete": "删除方案",
    "plan archive": "归档方案",
    "plan restore": "取消归档方案",
    "ledger export": "导出工作台账",
    "period list": "列出报送期次",
    "period create": "生成报送期次",
    "period add": "添加报送期次",
    "period edit": "修改报送期次",
    "period delete": "删除报送期次",
    "period grace": "设置自动关闭天数",
    "templates": "生成报送表",
    "collect": "导入报送表",
    "return": "退回报送表",
    "status": "查看报送情况",
    "summary": "生成工作总结",
    "overview": "生成工作概况",
    "assessment import": "导入考核细则",
    "assessment list": "列出考核细则",
    "assessment show": "查看考核细则",
    "assessment export": "导出考核档案",
    "evidence add": "添加佐证材料",
    "evidence list": "列出佐证材料",
    "evidence open": "打开佐证材料",
    "evidence remove": "删除佐证材料",
    "assessment template": "生成自评表",
    "assessment collect": "导入自评表",
    "assessment score": "考核评分",
    "assessment scores": "汇总考核得分",
    "assessment notice": "生成考核情况通报",
    "assessment link": "关联考核项目与任务",
    "assessment record": "查看考核项目落实记录",
    "department groups": "列出单位组",
    "department members": "设置单位组成员",
    "settings office": "设置食安办",
    "settings contact": "设置食安办的联系方式",
}
# Exit code when the reader of standard output went away (128 + SIGPIPE, as the shell
# reports a tool that SIGPIPE ended): the output, and maybe the work, is incomplete.
BROKEN_PIPE_EXIT = 141

__all__ = ["BROKEN_PIPE_EXIT", "COMMANDS", "DEBUG_ENV", "OPERATIONS", "PROG", "build_parser", "run"]


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
            f"  {PROG} status --plan 1 --period 2023年第三季度\n"
            f"  {PROG} department members 各乡镇政府 --add 城关镇 东明镇 --create"
        ),
    )
    parser.add_argument("--db", metavar="路径或地址", default=None, help=DB_HELP)
    gui.add_options(parser)
    parser.add_argument(
        "--version", action="version", version=f"%(prog)s {__version__}", help="显示版本号并退出"
    )
    subparsers = parser.add_subparsers(dest="command", title="子命令", metavar="子命令")
    for command in COMMANDS:
        command.register(subparsers)
    return parser


def operation_name(args: argparse.Namespace) -> str:
    """The Chinese name of the command ``args`` runs ("导入方案"); "打开图形界面" without one."""
    command = getattr(args, "command", None)
    if not command:
        return "打开图形界面"
    sub = getattr(args, f"{command}_command", None)
    key = f"{command} {sub}" if sub else command
    return OPERATIONS.get(key, f"执行 {key}")


def run(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv`` and run the command; return the exit code."""
    try:
        parser = build_parser()
        args = parser.parse_args(argv)  # --help, too, writes to standard output
        gui.check_options(parser, args)
        return _run_handler(args)
    except BrokenPipeError:
        return _stdout_gone()


def _run_handler(args: argparse.Namespace) -> int:
    handler: Callable[[argparse.Namespace], int] = getattr(args, "handler", gui.run_gui)
    try:
        code = handler(args)
        if sys.stdout is not None:
            sys.stdout.flush()  # a closed pipe shows here, not at interpreter exit
        return code
    except BrokenPipeError:
        raise
    except UserError as exc:
        note(f"错误：{exc}")
        return 1
    except KeyboardInterrupt:
        note("已取消。")
        return 130
    except Exception as exc:  # the last line of defence: a message, not a traceback
        return _unexpected(exc, operation_name(args))


def _stdout_gone() -> int:
    """The reader of standard output went away: stop quietly, and point standard output
    at the null device so that the interpreter's last flush has nowhere to fail."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    return BROKEN_PIPE_EXIT


def _unexpected(exc: Exception, operation: str) -> int:
    from foodsafety_desktop.core.storage.errors import database_error_message

    if os.environ.get(DEBUG_ENV):
        traceback.print_exc()
    log = log_unexpected(exc, operation)
    where = (
        f"详细信息已写入日志：{log}"
        if log
        else f"设置环境变量 {DEBUG_ENV}=1 后重试可显示详细信息。"
    )
    message = database_error_message(exc, operation)
    if message is not None:  # the driver's English is in the log only
        note(f"错误：{message}\n{where}")
        return 1
    note(f"{operation}时发生了意外错误：{type(exc).__name__}: {exc}\n数据未被修改。{where}")
    return 1
