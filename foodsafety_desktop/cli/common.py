"""What every command module shares: the Chinese parser, the common options, ``open_db``
and the look-ups whose errors carry a command-line hint.

Command modules import this module and the core, never each other.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from foodsafety_desktop.core.errors import UserError
from foodsafety_desktop.core.logs import log_file  # noqa: F401  (re-exported)

if TYPE_CHECKING:
    from foodsafety_desktop.core.storage.database import Database

PROG = "foodsafety-desktop"

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
    (r"argument (\S+): not allowed with argument (\S+)", r"参数 \1 不能与 \2 同时使用"),
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


# --- options --------------------------------------------------------------------------

DB_HELP = "数据库文件路径或 SQLAlchemy 地址（默认：本用户数据文件夹中的数据库）"

REPORTING_EPILOG = (
    "报送流程示例：\n"
    f"  {PROG} period create --plan 1\n"
    f"  {PROG} period list --plan 1\n"
    f"  {PROG} templates --plan 1 --period 2023年第三季度 -o 报送表 --zip\n"
    f"  {PROG} collect 收回的报送表 --plan 1 --period 2023年第三季度\n"
    f"  {PROG} status --plan 1 --period 2023年第三季度 --reminder"
)


def add_db_option(parser: argparse.ArgumentParser) -> None:
    """``--db`` after the subcommand; SUPPRESS keeps the top-level value otherwise."""
    parser.add_argument("--db", metavar="路径或地址", default=argparse.SUPPRESS, help=DB_HELP)


def add_subcommands(parser: argparse.ArgumentParser, dest: str) -> argparse._SubParsersAction:
    """Required second-level subcommands (``plan parse``, ``period list`` …)."""
    commands = parser.add_subparsers(dest=dest, title="子命令", metavar="子命令")
    commands.required = True
    return commands


def add_plan_option(parser: argparse.ArgumentParser, *, required: bool = True) -> None:
    parser.add_argument(
        "--plan", type=int, required=required, metavar="编号", help="方案编号（见 plan list）"
    )


def add_period_option(parser: argparse.ArgumentParser, *, required: bool = True) -> None:
    parser.add_argument(
        "--period",
        required=required,
        metavar="期次",
        help="报送期次的名称或编号（见 period list），如 2023年第三季度",
    )


def date_arg(text: str) -> dt.date:
    """An argparse ``type``: an ISO date such as 2023-09-25."""
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"应为日期（如 2023-09-25），而不是 {text}") from None


# --- running a command ----------------------------------------------------------------


@contextlib.contextmanager
def open_db(args: argparse.Namespace) -> Iterator[Database]:
    """The database ``--db`` names (else the default one), closed when the block ends."""
    from foodsafety_desktop.core.storage.database import open_database

    db = open_database(getattr(args, "db", None))
    try:
        _adopt_legacy_archive(db)
        yield db
    finally:
        db.close()


def _adopt_legacy_archive(db: Database) -> None:
    """Originals an earlier version kept in the data folder move in with their database;
    a failure is logged and never stops the command (the next start tries again)."""
    from foodsafety_desktop.core.storage.originals import adopt_legacy_archive

    try:
        adopt_legacy_archive(db)
    except Exception as exc:
        log_unexpected(exc, "adopting the data folder's archive")


def log_unexpected(exc: BaseException, operation: str) -> Path | None:
    """``core.logs.log_unexpected`` with the command line that failed."""
    from foodsafety_desktop.core.logs import log_unexpected as write

    return write(exc, operation, f"{PROG} " + " ".join(sys.argv[1:]))


def note(text: str) -> None:
    """A message for the person at the terminal: standard error, so stdout stays data."""
    print(text, file=sys.stderr)


def print_json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2))


def iso(value: dt.date | dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def find_plan(session, plan_id: int):
    """The plan ``--plan`` names; the error tells how to find the right number."""
    from foodsafety_desktop.core.services.ledger import get_plan

    try:
        return get_plan(session, plan_id)
    except UserError as exc:
        hint = "请用 plan list 查看方案编号。"
        raise UserError(f"{exc.message.rstrip('。')}，{hint}") from None


def find_period(session, plan_id: int, name: str):
    """The period ``--plan``/``--period`` name; with the ``period create`` / ``period add``
    hint when the plan has no periods yet."""
    from foodsafety_desktop.core.services.periods import find_period as find

    find_plan(session, plan_id)
    try:
        return find(session, plan_id, name)
    except UserError as exc:
        if "还没有报送期次" in exc.message:
            hint = (
                f"按方案的报送要求生成：{PROG} period create --plan {plan_id}；"
                f"或手动添加：{PROG} period add --plan {plan_id} --name 名称 --due YYYY-MM-DD"
            )
            raise UserError(f"{exc.message.rstrip('。')}。{hint}") from None
        raise
