"""The command line: the same core operations as the GUI, for scripts and checks.

One module per command group (``plan``, ``ledger``, ``period``, ``templates``,
``collect``, ``status``, ``summary``), each with ``register(subparsers)`` and handlers
that parse, call the core and print; they share only ``common`` (the Chinese parser,
the options, ``open_db``).  No subcommand starts the GUI (``gui``).  Qt, openpyxl,
python-docx and Alembic are imported only inside the command that needs them, so
``plan parse`` / ``plan list`` never load Qt.
"""

from __future__ import annotations

import argparse
import os
import traceback
from collections.abc import Callable, Sequence

from foodsafety_desktop import __version__
from foodsafety_desktop.cli import (
    collect,
    gui,
    ledger,
    period,
    plan,
    status,
    summary,
    templates,
)
from foodsafety_desktop.cli.common import DB_HELP, PROG, ChineseArgumentParser, note
from foodsafety_desktop.core.errors import UserError

DEBUG_ENV = "FOODSAFETY_DEBUG"  # set to 1 to see tracebacks of unexpected errors

# The subcommands, in the order of ``--help``; each module has ``register(subparsers)``.
COMMANDS = (plan, ledger, period, templates, collect, status, summary)

__all__ = ["COMMANDS", "DEBUG_ENV", "PROG", "build_parser", "run"]


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
    gui.add_options(parser)
    parser.add_argument(
        "--version", action="version", version=f"%(prog)s {__version__}", help="显示版本号并退出"
    )
    subparsers = parser.add_subparsers(dest="command", title="子命令", metavar="子命令")
    for command in COMMANDS:
        command.register(subparsers)
    return parser


def run(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv`` and run the command; return the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    gui.check_options(parser, args)
    handler: Callable[[argparse.Namespace], int] = getattr(args, "handler", gui.run_gui)
    try:
        return handler(args)
    except UserError as exc:
        note(f"错误：{exc}")
        return 1
    except KeyboardInterrupt:
        note("已取消。")
        return 130
    except Exception as exc:  # the last line of defence: a message, not a traceback
        if os.environ.get(DEBUG_ENV):
            traceback.print_exc()
        note(
            f"发生了意外错误：{type(exc).__name__}: {exc}\n"
            f"数据未被修改。设置环境变量 {DEBUG_ENV}=1 后重试可显示详细信息。"
        )
        return 1
