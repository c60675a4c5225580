"""``ledger export``: a plan's 工作台账 as a printable Excel file."""

from __future__ import annotations

import argparse
from pathlib import Path

from foodsafety_desktop.cli.common import add_db_option, add_subcommands, open_db
from foodsafety_desktop.core.terms import STATUSES


def register(commands: argparse._SubParsersAction) -> None:
    ledger = commands.add_parser("ledger", help="工作台账：导出", description="工作台账")
    ledger_commands = add_subcommands(ledger, "ledger_command")
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
    add_db_option(export)
    export.set_defaults(handler=cmd_ledger_export)


def cmd_ledger_export(args: argparse.Namespace) -> int:
    from foodsafety_desktop.core.services.departments import find_department_id
    from foodsafety_desktop.core.services.ledger import LedgerFilter
    from foodsafety_desktop.core.services.ledger_export import export_ledger_xlsx

    with open_db(args) as db, db.session() as session:
        department_id = find_department_id(session, args.department) if args.department else None
        flt = LedgerFilter(
            plan_id=args.plan,
            department_id=department_id,
            status=args.status or None,
            overdue_only=args.overdue,
            text=args.text,
        )
        path = export_ledger_xlsx(session, flt, Path(args.output).expanduser())
    print(f"已导出：{path}")
    return 0
