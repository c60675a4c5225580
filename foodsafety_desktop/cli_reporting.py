"""Command-line reporting (报送): periods, templates out, returned workbooks in, status.

Registered by ``cli.build_parser``; the same core calls as the GUI.  Heavy modules
(SQLAlchemy models, openpyxl) are imported inside the commands.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from foodsafety_desktop.cli import PROG, _add_db_option, _note, _open_database
from foodsafety_desktop.core.dates import cn_date
from foodsafety_desktop.core.errors import UserError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from foodsafety_desktop.core.services.periods import PeriodRow
    from foodsafety_desktop.core.storage.models import Plan, ReportingPeriod

_ZIP_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]')

EPILOG = (
    "报送流程示例：\n"
    f"  {PROG} period create --plan 1\n"
    f"  {PROG} period list --plan 1\n"
    f"  {PROG} templates --plan 1 --period 2023年第三季度 -o 报送表 --zip\n"
    f"  {PROG} collect 收回的报送表 --plan 1 --period 2023年第三季度\n"
    f"  {PROG} status --plan 1 --period 2023年第三季度 --reminder"
)


def _date_arg(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"应为日期（如 2023-09-25），而不是 {text}") from None


def _add_plan(parser: argparse.ArgumentParser, *, required: bool = True) -> None:
    parser.add_argument(
        "--plan", type=int, required=required, metavar="编号", help="方案编号（见 plan list）"
    )


def _add_period(parser: argparse.ArgumentParser, *, required: bool = True) -> None:
    parser.add_argument(
        "--period",
        required=required,
        metavar="期次",
        help="报送期次的名称或编号（见 period list），如 2023年第三季度",
    )


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``period``, ``templates``, ``collect`` and ``status`` to the top-level parser."""
    period = commands.add_parser(
        "period",
        help="报送期次：列表、按方案生成",
        description="报送期次（季度、半年、年度、专项报送）。",
        epilog=EPILOG,
    )
    period_commands = period.add_subparsers(dest="period_command", title="子命令", metavar="子命令")
    period_commands.required = True
    lst = period_commands.add_parser(
        "list",
        help="列出方案的报送期次和可用作 --period 的名称",
        description=(
            "列出方案的报送期次：名称（即 --period 的取值）、类型、截止日期、状态、已报单位数。"
        ),
    )
    _add_plan(lst)
    lst.add_argument("--json", action="store_true", help="以 JSON 格式输出")
    _add_db_option(lst)
    lst.set_defaults(handler=cmd_period_list)

    create = period_commands.add_parser(
        "create",
        help="按方案中的报送要求生成报送期次",
        description=(
            "按方案中的报送要求（如“每季度末前报送”）生成报送期次；已有的同名期次不会重复生成。"
        ),
    )
    _add_plan(create)
    _add_db_option(create)
    create.set_defaults(handler=cmd_period_create)

    templates = commands.add_parser(
        "templates",
        help="为各责任单位生成某一期次的报送表",
        description=(
            "为方案的每个责任单位生成该报送期次的报送表（.xlsx），写入指定文件夹，"
            "每行输出一个文件路径。"
        ),
        epilog=EPILOG,
    )
    _add_plan(templates)
    _add_period(templates)
    templates.add_argument(
        "-o", "--output", required=True, metavar="文件夹", help="报送表写入的文件夹（不存在则新建）"
    )
    templates.add_argument(
        "--prefill", action="store_true", help="预先填入各单位上一期次的报送内容"
    )
    templates.add_argument(
        "--zip", action="store_true", help="另外把全部报送表打包为一个 .zip 文件"
    )
    _add_db_option(templates)
    templates.set_defaults(handler=cmd_templates)

    collect = commands.add_parser(
        "collect",
        help="导入各单位交回的报送表",
        description=(
            "检查并导入各单位交回的报送表（.xlsx、.xlsm、.xls；给出文件夹则导入其中全部）。"
            "每个文件输出一行：已导入或未导入、填报单位、报送期次、每条错误和警告。"
            "全部文件都已导入时退出码为 0，否则为 1。"
        ),
        epilog=EPILOG,
    )
    collect.add_argument("paths", nargs="+", metavar="文件或文件夹", help="交回的报送表")
    _add_plan(collect, required=False)
    _add_period(collect, required=False)
    collect.add_argument(
        "--accept-warnings", action="store_true", help="只有警告（没有错误）的文件也导入"
    )
    collect.add_argument(
        "--received",
        type=_date_arg,
        metavar="日期",
        help="收到文件的日期，如 2023-09-20（默认：现在；补录早先收到的文件时使用）",
    )
    collect.add_argument(
        "--json",
        action="store_true",
        help="每个文件输出一行 JSON（JSON Lines）；错误/警告含 level、message、sheet、cell、text",
    )
    _add_db_option(collect)
    collect.set_defaults(handler=cmd_collect)

    status = commands.add_parser(
        "status",
        help="某一期次各单位的报送情况，催报",
        description=(
            "列出某一报送期次各单位的报送情况：已报、逾期报送、部分报送、未报（已过截止日期）、"
            "待报（未到截止日期），收到日期和已填行数。"
        ),
        epilog=EPILOG,
    )
    _add_plan(status)
    _add_period(status)
    status.add_argument("--json", action="store_true", help="以 JSON 格式输出")
    status.add_argument("--reminder", action="store_true", help="只输出可直接发送的催报通知文字")
    # For tests and for looking back: the day the states are computed for.
    status.add_argument("--today", type=_date_arg, help=argparse.SUPPRESS)
    _add_db_option(status)
    status.set_defaults(handler=cmd_status)


# --- helpers --------------------------------------------------------------------------


def _plan(session: Session, plan_id: int) -> Plan:
    from foodsafety_desktop.core.storage.models import Plan

    plan = session.get(Plan, plan_id)
    if plan is None:
        raise UserError(f"未找到该工作方案（编号 {plan_id}），请用 plan list 查看方案编号。")
    return plan


def _find_period(session: Session, plan_id: int, name: str) -> ReportingPeriod:
    from foodsafety_desktop.core.services.periods import find_period

    _plan(session, plan_id)
    try:
        return find_period(session, plan_id, name)
    except UserError as exc:
        if "还没有报送期次" in exc.message:
            hint = f"{PROG} period create --plan {plan_id}"
            raise UserError(f"{exc.message.rstrip('。')}：{hint}") from None
        raise


def _iso(value: dt.date | dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def _print_json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2))


def _period_json(row: PeriodRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "kind": row.kind,
        "kind_label": row.kind_label,
        "year": row.year,
        "due_date": _iso(row.due_date),
        "start_date": _iso(row.start_date),
        "end_date": _iso(row.end_date),
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


# --- period ---------------------------------------------------------------------------


def cmd_period_list(args: argparse.Namespace) -> int:
    from foodsafety_desktop.core.services.periods import list_periods

    db = _open_database(args)
    try:
        with db.session() as session:
            _plan(session, args.plan)
            rows = list_periods(session, args.plan)
    finally:
        db.close()
    if args.json:
        _print_json([_period_json(r) for r in rows])
    elif rows:
        _print_periods(rows)
    if not rows:
        _note(
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

    db = _open_database(args)
    try:
        with db.session() as session:
            plan = _plan(session, args.plan)
            drafts = propose_periods(plan)
            if not drafts:
                raise UserError(
                    f"方案“{plan.title}”中没有找到报送要求（如“每季度末前报送”），"
                    "无法自动生成报送期次；请在软件界面的“报送期次”中手工添加。"
                )
            created = set(create_periods(session, plan.id, drafts, user=current_user()))
            rows = list_periods(session, plan.id)
    finally:
        db.close()
    new = [r for r in rows if r.id in created]
    if new:
        _print_periods(new)
        _note(f"已生成报送期次 {len(new)} 个；该方案现有报送期次 {len(rows)} 个。")
    else:
        _note(f"方案中的报送期次都已存在（共 {len(rows)} 个），没有新生成。")
        _print_periods(rows)
    return 0


# --- templates ------------------------------------------------------------------------


def cmd_templates(args: argparse.Namespace) -> int:
    from foodsafety_desktop.core.excel.templates import write_all_templates
    from foodsafety_desktop.core.storage.database import current_user

    folder = Path(args.output).expanduser()
    if folder.exists() and not folder.is_dir():
        raise UserError(f"“{args.output}”是一个文件，请指定一个文件夹。")
    db = _open_database(args)
    try:
        with db.session() as session:
            period = _find_period(session, args.plan, args.period)
            zip_name = _ZIP_UNSAFE.sub("_", f"{period.name}-报送表.zip") if args.zip else None
            paths = write_all_templates(
                session,
                period.id,
                folder,
                prefill=args.prefill,
                zip_name=zip_name,
                user=current_user(),
            )
            name, due, is_open = period.name, period.due_date, period.is_open
    finally:
        db.close()
    for path in paths:
        print(path)
    if zip_name:
        print(folder / zip_name)
    _note(
        f"已生成“{name}”报送表 {len(paths)} 份（截止日期 {cn_date(due) or '—'}），"
        f"保存在：{folder}" + ("" if is_open else "。注意：该期次已关闭。")
    )
    return 0


# --- collect --------------------------------------------------------------------------


def _received_at(day: dt.date) -> dt.datetime:
    """Local noon of ``day`` as naive UTC (the schema's timestamps); noon keeps the date."""
    if day > dt.date.today():
        raise UserError(f"收到日期 {day.isoformat()} 晚于今天，请检查。")
    local = dt.datetime.combine(day, dt.time(12)).astimezone()
    return local.astimezone(dt.timezone.utc).replace(tzinfo=None)


def _outcome_lines(outcome: Any) -> list[str]:
    counts = outcome.counts or {}
    verdict = "已导入" if outcome.accepted else "未导入"
    parts = [verdict, outcome.file_name]
    parts.append(outcome.department or "（单位未识别）")
    parts.append(outcome.period or "（期次未识别）")
    if outcome.accepted and counts:
        parts.append(
            f"新增 {counts.get('new', 0)} 行，变化 {counts.get('changed', 0)} 行，"
            f"未变 {counts.get('unchanged', 0)} 行"
        )
    lines = ["\t".join(parts)]
    lines.extend(f"    错误：{e}" for e in outcome.errors)
    lines.extend(f"    警告：{w}" for w in outcome.warnings)
    return lines


def cmd_collect(args: argparse.Namespace) -> int:
    from foodsafety_desktop.core.services.collect import collect_files, expand_paths
    from foodsafety_desktop.core.storage.database import current_user

    if args.period and args.plan is None:
        raise UserError("使用 --period 时还需用 --plan 指明方案编号。")
    if args.plan is not None and not args.period:
        raise UserError("--plan 只与 --period 一起使用（只收取该期次的报送表）。")
    files = expand_paths(args.paths)
    if not files:
        raise UserError("所给的文件夹中没有 Excel 文件（.xlsx、.xlsm、.xls）。")
    received_at = _received_at(args.received) if args.received else None
    user = current_user()
    db = _open_database(args)
    accepted = 0
    try:
        period_id = None
        if args.period:
            with db.session() as session:
                period_id = _find_period(session, args.plan, args.period).id
        # One file at a time, so that each line appears as soon as its file is done.
        for path in files:
            [outcome] = collect_files(
                db,
                [path],
                user=user,
                accept_warnings=args.accept_warnings,
                period_id=period_id,
                received_at=received_at,
            )
            accepted += outcome.accepted
            if args.json:
                print(json.dumps(outcome.as_dict(), ensure_ascii=False), flush=True)
            else:
                print("\n".join(_outcome_lines(outcome)), flush=True)
    finally:
        db.close()
    rejected = len(files) - accepted
    _note(f"共 {len(files)} 个文件：已导入 {accepted} 个，未导入 {rejected} 个。")
    return 0 if rejected == 0 else 1


# --- status ---------------------------------------------------------------------------


def cmd_status(args: argparse.Namespace) -> int:
    from foodsafety_desktop.core.services.tracking import STATES, reminder_text, status_matrix

    today = args.today or dt.date.today()
    db = _open_database(args)
    try:
        with db.session() as session:
            period = _find_period(session, args.plan, args.period)
            matrix = status_matrix(session, args.plan, today=today)
            rows = []
            for department in matrix.departments:
                cell = matrix.cell(department.id, period.id)
                rows.append(
                    {
                        "department_id": department.id,
                        "department": department.name,
                        "state": cell.state,
                        "received_on": _iso(cell.received_on),
                        "received_at": _iso(
                            cell.received_at.replace(tzinfo=dt.timezone.utc)
                            if cell.received_at
                            else None
                        ),
                        "late": cell.late,
                        "answered_rows": cell.answered_rows,
                        "expected_rows": cell.expected_rows,
                        "submission_id": cell.submission_id,
                        "submission_count": cell.submission_count,
                    }
                )
            counts = matrix.counts(period.id) if matrix.departments else dict.fromkeys(STATES, 0)
            reminder = reminder_text(session, period.id, today=today) if args.reminder else None
            info = {
                "plan_id": args.plan,
                "period_id": period.id,
                "period": period.name,
                "due_date": _iso(period.due_date),
                "open": period.is_open,
                "today": today.isoformat(),
            }
    finally:
        db.close()
    summary = "，".join(f"{state} {n}" for state, n in counts.items())
    if args.json:
        data: dict[str, Any] = {**info, "counts": counts, "departments": rows}
        if reminder is not None:
            data["reminder"] = reminder
        _print_json(data)
        return 0
    if reminder is not None:
        print(reminder)
        _note(f"{info['period']}：{summary}")
        return 0
    state = "进行中" if info["open"] else "已关闭"
    print(f"{info['period']}（截止日期 {info['due_date']}，{state}）")
    print("单位\t报送情况\t收到日期\t已填/应填行数")
    for row in rows:
        answered = (
            f"{row['answered_rows']}/{row['expected_rows']}"
            if row["submission_id"]
            else f"—/{row['expected_rows']}"
        )
        print(f"{row['department']}\t{row['state']}\t{row['received_on'] or '—'}\t{answered}")
    print(f"合计：{summary}")
    return 0
