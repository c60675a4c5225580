"""``overview``: where a plan's work stands (概况) as an Excel workbook with charts, a
picture (.png / .pdf) or JSON; the warnings of every plan; the warning days."""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

from foodsafety_desktop.cli.common import (
    PROG,
    add_db_option,
    add_period_option,
    add_plan_option,
    date_arg,
    find_period,
    find_plan,
    note,
    open_db,
    print_json,
)
from foodsafety_desktop.core.errors import UserError

if TYPE_CHECKING:
    from foodsafety_desktop.core.services.overview import Overview

OUTPUT_SUFFIXES = (".xlsx", ".png", ".pdf")


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "overview",
        help="工作概况：各部分进度、各单位情况、量化指标、亮灯和到期预警",
        description=(
            "某一方案截至某一报送期次的工作概况：各部分任务完成情况、各单位承担任务和报送情况、"
            "量化指标的累计值和达标判断、每项任务的红黄绿灯；保存为带图表的 Excel（.xlsx）"
            "或图片（.png / .pdf），或以 JSON 输出。--warnings 列出全部方案的到期预警。"
        ),
        epilog=(
            "示例：\n"
            f"  {PROG} overview --plan 1 -o 工作概况.xlsx\n"
            f"  {PROG} overview --plan 1 --period 2023年第三季度 -o 工作概况.png\n"
            f"  {PROG} overview --plan 1 --json\n"
            f"  {PROG} overview --warnings --days 30\n"
            f"  {PROG} overview --set-warning-days 20"
        ),
    )
    add_plan_option(parser, required=False)
    add_period_option(parser, required=False)
    parser.add_argument(
        "-o", "--output", metavar="文件", help="保存为 .xlsx（带图表）、.png 或 .pdf"
    )
    parser.add_argument("--json", action="store_true", help="以 JSON 格式输出概况")
    parser.add_argument("--warnings", action="store_true", help="列出全部方案的到期预警")
    parser.add_argument(
        "--days", type=int, metavar="天数", help="预警天数（默认取设置，初始为 15 天）"
    )
    parser.add_argument(
        "--set-warning-days", type=int, metavar="天数", help="设置到期预警天数（1～90）"
    )
    # For tests and for looking back: the day the figures are computed for.
    parser.add_argument("--today", type=date_arg, help=argparse.SUPPRESS)
    add_db_option(parser)
    parser.set_defaults(handler=cmd_overview)


def cmd_overview(args: argparse.Namespace) -> int:
    if args.set_warning_days is not None:
        return _set_days(args)
    if args.warnings:
        return _warnings(args)
    if args.plan is None:
        raise UserError("请用 --plan 指定方案编号（见 plan list），或用 --warnings 查看到期预警。")
    output = Path(args.output).expanduser() if args.output else None
    if output is None and not args.json:
        raise UserError("请用 -o 指定保存的文件（.xlsx、.png 或 .pdf），或用 --json 输出。")
    if output is not None:
        if output.is_dir():
            raise UserError(f"“{args.output}”是一个文件夹，请指定要保存的文件名。")
        if output.suffix.lower() not in OUTPUT_SUFFIXES:
            raise UserError("概况只能保存为 .xlsx、.png 或 .pdf 文件。")
    ov = _read(args)
    if output is not None:
        path = _write(ov, output)
        note(f"已保存：{path}")
    if args.json:
        print_json(overview_json(ov))
    elif output is not None:
        counts = ov.light_counts()
        note(
            f"{ov.plan_title}，{ov.period_name or '尚无报送期次'}：{ov.plan.total}项任务，"
            + "，".join(f"{k}灯{v}项" for k, v in counts.items())
        )
    return 0


def _read(args: argparse.Namespace) -> Overview:
    from foodsafety_desktop.core.services.overview import overview

    with open_db(args) as db, db.session() as session:
        find_plan(session, args.plan)
        period_id = find_period(session, args.plan, args.period).id if args.period else None
        return overview(session, args.plan, period_id, today=args.today)


def _write(ov: Overview, output: Path) -> Path:
    if output.suffix.lower() == ".xlsx":
        from foodsafety_desktop.core.reports.overview_export import write_overview_xlsx

        return write_overview_xlsx(ov, output)
    try:
        from foodsafety_desktop.ui.overview_picture import write_picture
    except ImportError as exc:
        raise UserError(
            "这个版本还不能把概况保存为图片（.png / .pdf），请保存为 .xlsx。"
            f"（缺少组件：{exc.name or exc}）"
        ) from None
    return Path(write_picture(ov, output))


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def overview_json(ov: Overview) -> dict[str, Any]:
    """The overview as JSON-ready data: every field (dates ISO), plus the shares and
    the light counts."""
    data = _plain(dataclasses.asdict(ov))
    data["light_counts"] = ov.light_counts()
    data["plan"]["done_share"] = ov.plan.done_share
    for part, row in zip(ov.parts, data["parts"], strict=True):
        row["done_share"] = part.done_share
    for department, row in zip(ov.departments, data["departments"], strict=True):
        row["done_share"] = department.done_share
    return data


def _warnings(args: argparse.Namespace) -> int:
    from foodsafety_desktop.core.services.overview import warnings

    if args.days is not None and not 1 <= args.days <= 90:
        raise UserError("预警天数应在 1 到 90 之间。")
    with open_db(args) as db, db.session() as session:
        found = warnings(session, today=args.today, days=args.days)
    if args.json:
        print_json([dataclasses.asdict(w) for w in found])
        return 0
    if not found:
        note("没有到期预警。")
    for w in found:
        print(w.text)
    return 0


def _set_days(args: argparse.Namespace) -> int:
    from foodsafety_desktop.core.services.overview import set_warning_days
    from foodsafety_desktop.core.storage.database import current_user

    with open_db(args) as db, db.session() as session:
        changed = set_warning_days(session, args.set_warning_days, user=current_user())
    note(
        f"到期预警天数已设为 {args.set_warning_days} 天。"
        if changed
        else f"到期预警天数已经是 {args.set_warning_days} 天。"
    )
    return 0
