"""``department groups / members``: unit groups (单位组) and the members who report for them."""

from __future__ import annotations

import argparse
from typing import Any

from foodsafety_desktop.cli.common import (
    PROG,
    add_db_option,
    add_subcommands,
    find_plan,
    note,
    open_db,
    print_json,
)
from foodsafety_desktop.core.errors import UserError

DEPARTMENT_EPILOG = (
    "示例：\n"
    f"  {PROG} department groups --plan 1            方案中的单位组及其成员\n"
    f"  {PROG} department members 各乡镇政府 --propose\n"
    f"  {PROG} department members 各乡镇政府 --add 城关镇 东明镇 --create\n"
    f"  {PROG} department members 区食安委各成员单位 --accept-proposals\n"
    f"  {PROG} department members 各乡镇政府 --remove 东明镇"
)


def register(commands: argparse._SubParsersAction) -> None:
    department = commands.add_parser(
        "department",
        help="单位组：查看、指定成员单位",
        description=(
            "单位组（各乡镇政府、区食安委各成员单位、有关部门等）不单独报送：它承担的任务由"
            "成员单位分别报送。还没有成员的单位组，其任务暂无单位报送。"
        ),
        epilog=DEPARTMENT_EPILOG,
    )
    department_commands = add_subcommands(department, "department_command")

    groups = department_commands.add_parser(
        "groups",
        help="列出单位组、成员数和任务数",
        description="列出单位组及其成员；给出 --plan 时只列该方案中承担任务的单位组。",
        epilog=DEPARTMENT_EPILOG,
    )
    groups.add_argument(
        "--plan", type=int, metavar="编号", help="只列该方案中的单位组（方案编号见 plan list）"
    )
    groups.add_argument("--json", action="store_true", help="以 JSON 格式输出")
    add_db_option(groups)
    groups.set_defaults(handler=cmd_department_groups)

    members = department_commands.add_parser(
        "members",
        help="查看或修改单位组的成员单位",
        description=(
            "查看单位组的成员单位（每行一个），或用 --add、--remove 修改；--propose 列出建议的成员"
            "（方案中写明的单位、已有的乡镇/街道或本方案的部门），--accept-proposals 把建议的"
            "成员全部加入。成员单位各自生成报送表，报送单位组承担的任务。"
        ),
        epilog=DEPARTMENT_EPILOG,
    )
    members.add_argument("group", metavar="单位组", help="单位组的名称或别名，如 各乡镇政府")
    members.add_argument("--add", nargs="+", metavar="单位", default=[], help="加入的成员单位")
    members.add_argument("--remove", nargs="+", metavar="单位", default=[], help="移出的成员单位")
    members.add_argument(
        "--create", action="store_true", help="--add 的单位还不存在时新增（如 城关镇）"
    )
    members.add_argument("--propose", action="store_true", help="列出建议的成员单位，不修改")
    members.add_argument("--accept-proposals", action="store_true", help="把建议的成员单位全部加入")
    members.add_argument("--json", action="store_true", help="以 JSON 格式输出")
    add_db_option(members)
    members.set_defaults(handler=cmd_department_members)


def cmd_department_groups(args: argparse.Namespace) -> int:
    from foodsafety_desktop.core.services.departments import list_departments, plan_group_ids
    from foodsafety_desktop.core.services.reporting_units import reporting_units
    from foodsafety_desktop.core.terms import KIND_GROUP

    with open_db(args) as db, db.session() as session:
        rows = [r for r in list_departments(session) if r.kind == KIND_GROUP]
        if args.plan is not None:
            find_plan(session, args.plan)
            units = reporting_units(session, args.plan)
            in_plan = set(plan_group_ids(session, args.plan))
            rows = [r for r in rows if r.id in in_plan]
            warnings = units.warnings
        else:
            warnings = []
    data = [
        {"id": r.id, "name": r.name, "members": r.members, "task_count": r.task_count} for r in rows
    ]
    if args.json:
        print_json(data if args.plan is None else {"groups": data, "warnings": warnings})
        return 0
    if not rows:
        note("没有单位组。" if args.plan is None else "该方案中没有单位组。")
        return 0
    print("编号\t单位组\t任务数\t成员单位")
    for r in rows:
        names = "、".join(r.members) if r.members else "（未指定）"
        print(f"{r.id}\t{r.name}\t{r.task_count}\t{names}")
    for warning in warnings:
        note(warning)
    if any(not r.members for r in rows):
        note(f"指定成员单位：{PROG} department members 单位组名称 --propose / --add 单位 …")
    return 0


def cmd_department_members(args: argparse.Namespace) -> int:
    from foodsafety_desktop.core.services import departments as service
    from foodsafety_desktop.core.storage.database import current_user
    from foodsafety_desktop.core.terms import KIND_GROUP

    changing = bool(args.add or args.remove or args.accept_proposals)
    if args.propose and changing:
        raise UserError(
            "--propose 只列出建议，不能与 --add、--remove、--accept-proposals 同时使用。"
        )
    if args.create and not (args.add or args.accept_proposals):
        raise UserError("--create 需要与 --add 一起使用。")
    created: list[str] = []
    with open_db(args) as db, db.session() as session:
        group_id = service.find_department_id(session, args.group)
        row = _row(session, group_id)
        if row.kind != KIND_GROUP:
            raise UserError(f"“{row.name}”不是单位组；单位组的成员只能在单位组上指定。")
        if args.propose:
            proposals = service.propose_group_members(session, group_id)
        else:
            proposals = []
            user = current_user()
            if args.accept_proposals:
                offered = service.propose_group_members(session, group_id)
                created += service.add_group_members(
                    session, group_id, [p.name for p in offered], user=user, create=True
                )
            if args.add:
                try:
                    created += service.add_group_members(
                        session, group_id, args.add, user=user, create=args.create
                    )
                except service.UnknownDepartments as exc:
                    raise UserError(
                        f"没有名为“{'、'.join(exc.names)}”的单位；请核对名称，"
                        "或加 --create 新增这些单位。"
                    ) from None
            if args.remove:
                service.remove_group_members(session, group_id, args.remove, user=user)
            row = _row(session, group_id)
    if args.propose:
        if args.json:
            print_json(
                [
                    {"name": p.name, "department_id": p.department_id, "reason": p.reason}
                    for p in proposals
                ]
            )
        else:
            for p in proposals:
                print(f"{p.name}\t{p.reason}" + ("" if p.department_id else "（新单位）"))
        note(
            f"建议“{row.name}”的成员单位 {len(proposals)} 个。"
            + (
                f"全部加入：{PROG} department members {row.name} --accept-proposals"
                if proposals
                else f"请用 --add 指定，如：{PROG} department members {row.name} --add 单位名称"
            )
        )
        return 0
    if args.json:
        print_json({"id": row.id, "name": row.name, "members": row.members, "created": created})
    else:
        for name in row.members:
            print(name)
    for name in created:
        note(f"已新增单位“{name}”。")
    if row.members:
        note(f"单位组“{row.name}”有成员单位 {len(row.members)} 个，各自报送单位组承担的任务。")
    else:
        note(
            f"单位组“{row.name}”还没有成员单位，它承担的任务暂无单位报送。"
            f"建议的成员：{PROG} department members {row.name} --propose"
        )
    return 0


def _row(session: Any, department_id: int) -> Any:
    from foodsafety_desktop.core.services.departments import department_row

    return department_row(session, department_id)
