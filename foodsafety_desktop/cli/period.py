"""``period list`` / ``period create``: a plan's reporting periods (报送期次)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from foodsafety_desktop.cli.common import (
    PROG,
    REPORTING_EPILOG,
    add_db_option,
    add_plan_option,
    add_subcommands,
    find_plan,
    iso,
    note,
    open_db,
    print_json,
)
from foodsafety_desktop.core.errors import UserError

if TYPE_CHECKING:
    from foodsafety_desktop.core.services.periods import PeriodRow


def register(commands: argparse._SubParsersAction) -> None:
    period = commands.add_parser(
        "period",
        help="报送期次：列表、按方案生成",
        description="报送期次（季度、半年、年度、专项报送）。",
        epilog=REPORTING_EPILOG,
    )
    period_commands = add_subcommands(period, "period_command")
    lst = period_commands.add_parser(
        "list",
        help="列出方案的报送期次和可用作 --period 的名称",
        description=(
            "列出方案的报送期次：名称（即 --period 的取值）、类型、截止日期、状态、已报单位数。"
        ),
    )
    add_plan_option(lst)
    lst.add_argument("--json", action="store_true", help="以 JSON 格式输出")
    add_db_option(lst)
    lst.set_defaults(handler=cmd_period_list)

    create = period_commands.add_parser(
        "create",
        help="按方案中的报送要求生成报送期次",
        description=(
            "按方案中的报送要求（如“每季度末前报送”）生成报送期次；已有的同名期次不会重复生成。"
        ),
    )
    add_plan_option(create)
    add_db_option(create)
    create.set_defaults(handler=cmd_period_create)


def _period_json(row: PeriodRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "kind": row.kind,
        "kind_label": row.kind_label,
        "year": row.year,
        "due_date": iso(row.due_date),
        "start_date": iso(row.start_date),
        "end_date": iso(row.end_date),
        "open": row.is_open,
        "submissions": row.submission_count,
    }


def _print_periods(rows: list[PeriodRow]) -> None:
    print("编号\t期次（--period 的取值）\t类型\t截止日期\t状态\t已报单位")
    for row in rows:
        print(
            f"{row.id}\t{row.name}\t{row.kind_label}\t{row.due_date.isoformat()}\t"
            f"{row.state_label}\t{row.submission_count}"
        )


def cmd_period_list(args: argparse.Namespace) -> int:
    from foodsafety_desktop.core.services.periods import list_periods

    with open_db(args) as db, db.session() as session:
        find_plan(session, args.plan)
        rows = list_periods(session, args.plan)
    if args.json:
        print_json([_period_json(r) for r in rows])
    elif rows:
        _print_periods(rows)
    if not rows:
        note(
            f"该方案还没有报送期次。按方案中的报送要求生成：{PROG} period create --plan {args.plan}"
        )
    return 0


def cmd_period_create(args: argparse.Namespace) -> int:
    from foodsafety_desktop.core.services.periods import (
        create_periods,
        list_periods,
        propose_periods,
    )
    from foodsafety_desktop.core.storage.database import current_user

    with open_db(args) as db, db.session() as session:
        plan = find_plan(session, args.plan)
        drafts = propose_periods(plan)
        if not drafts:
            raise UserError(
                f"方案“{plan.title}”中没有找到报送要求（如“每季度末前报送”），"
                "无法自动生成报送期次；请在软件界面的“报送期次”中手工添加。"
            )
        created = set(create_periods(session, plan.id, drafts, user=current_user()))
        rows = list_periods(session, plan.id)
    new = [r for r in rows if r.id in created]
    if new:
        _print_periods(new)
        note(f"已生成报送期次 {len(new)} 个；该方案现有报送期次 {len(rows)} 个。")
    else:
        note(f"方案中的报送期次都已存在（共 {len(rows)} 个），没有新生成。")
        _print_periods(rows)
    return 0
