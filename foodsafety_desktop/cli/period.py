"""``period list / create / add / edit / delete / grace``: a plan's reporting periods (报送期次)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from foodsafety_desktop.cli.common import (
    PROG,
    add_db_option,
    add_plan_option,
    add_subcommands,
    date_arg,
    find_plan,
    iso,
    note,
    open_db,
    print_json,
)
from foodsafety_desktop.core.errors import UserError

if TYPE_CHECKING:
    from foodsafety_desktop.core.services.periods import PeriodRow

# The kinds as the clerk types them (--kind), in the order of the help text.
KIND_CHOICES = ("季度", "半年", "年度", "月度", "专项")

PERIOD_EPILOG = (
    "示例：\n"
    f"  {PROG} period create --plan 1          按方案中的报送要求生成\n"
    f"  {PROG} period add --plan 1 --name 2023年第三季度 --due 2023-10-10\n"
    f"  {PROG} period add --plan 1 --name 专项：方案制定情况 --due 2023-05-31 --kind 专项\n"
    f"  {PROG} period edit 5 --due 2023-10-15\n"
    f"  {PROG} period delete 5\n"
    f"  {PROG} period grace 15                截止日期后 15 天自动关闭\n"
    f"  {PROG} templates --plan 1 --period 2023年第三季度 -o 报送表"
)


def _hints(plan_id: int | str) -> str:
    return (
        f"按方案中的报送要求生成：{PROG} period create --plan {plan_id}；"
        f"或手工添加：{PROG} period add --plan {plan_id} --name 2023年第三季度 --due 2023-10-10"
    )


def register(commands: argparse._SubParsersAction) -> None:
    period = commands.add_parser(
        "period",
        help="报送期次：列表、按方案生成、手工添加、修改、删除",
        description="报送期次（季度、半年、年度、月度、专项报送）。",
        epilog=PERIOD_EPILOG,
    )
    period_commands = add_subcommands(period, "period_command")
    lst = period_commands.add_parser(
        "list",
        help="列出方案的报送期次和可用作 --period 的名称",
        description=(
            "列出方案的报送期次：编号、名称（即 --period 的取值）、类型、截止日期、状态、"
            "已报单位数。期次在截止日期后若干天（见 period grace）自动关闭；"
            "关闭后仍可收取逾期报送的文件。"
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
            "方案中没有报送要求的，请用 period add 手工添加。"
        ),
    )
    add_plan_option(create)
    add_db_option(create)
    create.set_defaults(handler=cmd_period_create)

    add = period_commands.add_parser(
        "add",
        help="手工添加一个报送期次",
        description=(
            "手工添加一个报送期次。名称写成 2023年第三季度、2023年上半年、2023年度、2023年3月 时，"
            "类型和统计时段自动确定；其他名称（如 专项：方案制定情况）为专项报送。"
            "截止日期单独保存，不要写在名称里。"
        ),
        epilog=PERIOD_EPILOG,
    )
    add_plan_option(add)
    add.add_argument("--name", required=True, metavar="名称", help="期次名称，如 2023年第三季度")
    add.add_argument(
        "--due", required=True, type=date_arg, metavar="日期", help="截止日期，如 2023-10-10"
    )
    _add_field_options(add)
    add.add_argument("--json", action="store_true", help="以 JSON 格式输出添加的期次")
    add_db_option(add)
    add.set_defaults(handler=cmd_period_add)

    edit = period_commands.add_parser(
        "edit",
        help="修改报送期次的名称、截止日期、类型或统计时段",
        description=(
            "修改报送期次（编号见 period list）；只改给出的项。新名称是 2023年第四季度 这样的"
            "规范名称时，类型和统计时段随之更新（另给出的 --kind、--start、--end 优先）。"
        ),
    )
    edit.add_argument(
        "period_id", type=int, metavar="编号", help="报送期次的编号（见 period list）"
    )
    edit.add_argument("--name", metavar="名称", help="新的名称")
    edit.add_argument("--due", type=date_arg, metavar="日期", help="新的截止日期")
    _add_field_options(edit)
    edit.add_argument("--json", action="store_true", help="以 JSON 格式输出修改后的期次")
    add_db_option(edit)
    edit.set_defaults(handler=cmd_period_edit)

    delete = period_commands.add_parser(
        "delete",
        help="删除报送期次",
        description=(
            "删除报送期次（编号见 period list）。已收到报送的期次不删除，除非加 --force："
            "删除前自动备份数据库，删除后可在软件中“撤销”。只是不再收取的，请关闭期次。"
        ),
    )
    delete.add_argument(
        "period_id", type=int, metavar="编号", help="报送期次的编号（见 period list）"
    )
    delete.add_argument(
        "--force", action="store_true", help="已收到报送的期次也删除（连同其报送记录）"
    )
    delete.add_argument("--json", action="store_true", help="以 JSON 格式输出删除的内容")
    add_db_option(delete)
    delete.set_defaults(handler=cmd_period_delete)

    grace = period_commands.add_parser(
        "grace",
        help="查看或设置期次截止后自动关闭的天数",
        description=(
            "报送期次在截止日期后若干天自动关闭（默认 30 天）。关闭后仍可收取报送表，"
            "记为逾期报送。不给天数时显示当前设置。"
        ),
    )
    grace.add_argument("days", nargs="?", type=int, metavar="天数", help="0 到 366 的整数")
    grace.add_argument("--json", action="store_true", help="以 JSON 格式输出")
    add_db_option(grace)
    grace.set_defaults(handler=cmd_period_grace)


def _add_field_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--kind",
        choices=KIND_CHOICES,
        metavar="类型",
        help="季度、半年、年度、月度或专项（默认按名称判断）",
    )
    parser.add_argument(
        "--start", type=date_arg, metavar="日期", help="统计时段的开始日期，如 2023-07-01"
    )
    parser.add_argument(
        "--end", type=date_arg, metavar="日期", help="统计时段的结束日期，如 2023-09-30"
    )
    parser.add_argument("--note", metavar="说明", help="备注（如报送要求的原文）")


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
        "closes_on": iso(row.closes_on),
        "closed_by_hand": row.closed_by_hand,
        "submissions": row.submission_count,
    }


def _print_periods(rows: list[PeriodRow]) -> None:
    print("编号\t期次（--period 的取值）\t类型\t截止日期\t状态\t已报单位")
    for row in rows:
        print(
            f"{row.id}\t{row.name}\t{row.kind_label}\t{row.due_date.isoformat()}\t"
            f"{row.state_label}\t{row.submission_count}"
        )


def _row(session, plan_id: int, period_id: int) -> PeriodRow:
    from foodsafety_desktop.core.services.periods import list_periods

    return next(r for r in list_periods(session, plan_id) if r.id == period_id)


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
        note(f"该方案还没有报送期次。{_hints(args.plan)}")
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
                f"无法自动生成报送期次；请手工添加：{PROG} period add --plan {plan.id} "
                "--name 2023年第三季度 --due 2023-10-10"
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


def _kind(label: str | None) -> str | None:
    from foodsafety_desktop.core.services.periods import kind_from_label

    return kind_from_label(label) if label else None


def cmd_period_add(args: argparse.Namespace) -> int:
    from foodsafety_desktop.core.dates import cn_date
    from foodsafety_desktop.core.services.periods import add_period
    from foodsafety_desktop.core.storage.database import current_user

    with open_db(args) as db, db.session() as session:
        find_plan(session, args.plan)
        period_id = add_period(
            session,
            args.plan,
            user=current_user(),
            name=args.name,
            due_date=args.due,
            kind=_kind(args.kind),
            start_date=args.start,
            end_date=args.end,
            note=args.note,
        )
        row = _row(session, args.plan, period_id)
    if args.json:
        print_json(_period_json(row))
    else:
        _print_periods([row])
    span = (
        f"，统计时段 {cn_date(row.start_date)}至{cn_date(row.end_date)}"
        if row.start_date and row.end_date
        else ""
    )
    note(
        f"已添加报送期次“{row.name}”（{row.kind_label}，截止 {cn_date(row.due_date)}{span}）。"
        f"生成报送表：{PROG} templates --plan {args.plan} --period {row.name} -o 报送表"
    )
    return 0


def cmd_period_edit(args: argparse.Namespace) -> int:
    from foodsafety_desktop.core.services.periods import UNSET, get_period, update_period
    from foodsafety_desktop.core.storage.database import current_user

    given = [args.name, args.due, args.kind, args.start, args.end, args.note]
    if all(v is None for v in given):
        raise UserError(
            "没有要修改的内容：请给出 --name、--due、--kind、--start、--end 或 --note。"
        )
    with open_db(args) as db, db.session() as session:
        plan_id = get_period(session, args.period_id).plan_id
        changed = update_period(
            session,
            args.period_id,
            user=current_user(),
            name=args.name,
            due_date=args.due,
            kind=_kind(args.kind),
            start_date=args.start if args.start is not None else UNSET,
            end_date=args.end if args.end is not None else UNSET,
            note=args.note if args.note is not None else UNSET,
            derive_from_name=args.name is not None,
        )
        row = _row(session, plan_id, args.period_id)
    if args.json:
        print_json(_period_json(row))
    else:
        _print_periods([row])
    note(f"已修改报送期次“{row.name}”。" if changed else f"报送期次“{row.name}”没有变化。")
    return 0


def cmd_period_delete(args: argparse.Namespace) -> int:
    from foodsafety_desktop.core.services.periods import (
        PeriodHasSubmissions,
        delete_period_with_backup,
    )
    from foodsafety_desktop.core.storage.database import current_user

    with open_db(args) as db:
        try:
            deleted = delete_period_with_backup(
                db, args.period_id, user=current_user(), force=args.force
            )
        except PeriodHasSubmissions as exc:
            raise UserError(
                f"{exc.message}确需删除的，请加 --force（删除前自动备份，删除后可在软件中撤销）："
                f"{PROG} period delete {args.period_id} --force"
            ) from None
    if args.json:
        print_json(
            {
                "id": deleted.period_id,
                "name": deleted.name,
                "submissions": deleted.submissions,
                "departments": deleted.departments,
                "backup": str(deleted.backup) if deleted.backup else None,
            }
        )
    note(deleted.message.replace("可以撤销。", "可在软件中“台账 → 撤销”恢复。"))
    return 0


def cmd_period_grace(args: argparse.Namespace) -> int:
    from foodsafety_desktop.core.services.settings import (
        period_grace_days,
        set_period_grace_days,
    )
    from foodsafety_desktop.core.storage.database import current_user

    with open_db(args) as db, db.session() as session:
        if args.days is not None:
            set_period_grace_days(session, args.days, user=current_user())
        days = period_grace_days(session)
    if args.json:
        print_json({"grace_days": days})
    else:
        print(days)
    note(
        f"报送期次在截止日期后 {days} 天自动关闭；关闭后仍可收取报送表，记为逾期报送。"
        if days
        else "报送期次在截止日期的第二天自动关闭；关闭后仍可收取报送表，记为逾期报送。"
    )
    return 0
