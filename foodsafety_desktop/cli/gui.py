"""No subcommand: the GUI, on the chosen database or on a throw-away demo database.

Not a subcommand, so not in ``COMMANDS``: ``add_options`` puts ``--demo`` on the
top-level parser and ``run_gui`` is the handler when no subcommand is given.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
from pathlib import Path

from foodsafety_desktop.core.errors import UserError
from foodsafety_desktop.core.paths import DATA_DIR_ENV


def add_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--demo", action="store_true", help="用临时的演示数据库启动图形界面（退出后删除）"
    )


def check_options(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """``--demo`` only with no subcommand and without ``--db`` (usage errors, exit 2)."""
    if args.demo and args.db is not None:
        parser.error("--demo 使用临时数据库，不能与 --db 同时使用")
    if args.demo and getattr(args, "handler", run_gui) is not run_gui:
        parser.error("--demo 只用于启动图形界面")


def run_gui(args: argparse.Namespace) -> int:
    """Start the GUI on the chosen database (or on a throw-away demo database)."""
    try:
        from foodsafety_desktop.ui.app import run_gui as start
    except ImportError as exc:
        raise UserError(f"无法启动图形界面：{exc}。请重新安装本软件。") from exc
    if not args.demo:
        from foodsafety_desktop.ui.app import start_gui

        return start_gui(args.db)
    from foodsafety_desktop.ui.app import OpenedDatabase

    folder = Path(tempfile.mkdtemp(prefix="foodsafety-demo-"))
    # Everything the demo session writes (archive, backups) stays in its own folder.
    os.environ[DATA_DIR_ENV] = str(folder)

    def open_demo() -> OpenedDatabase:  # built while the window already shows
        from foodsafety_desktop.core.services.demo import create_demo_database

        db = create_demo_database(folder / "演示数据.sqlite3")
        return OpenedDatabase(db=db, housekeeping=False)

    try:
        return start(open_demo, demo=True)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
