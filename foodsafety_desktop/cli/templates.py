"""``templates``: one reporting workbook (报送表) per responsible department for a period."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from foodsafety_desktop.cli.common import (
    REPORTING_EPILOG,
    add_db_option,
    add_period_option,
    add_plan_option,
    find_period,
    note,
    open_db,
)
from foodsafety_desktop.core.dates import cn_date
from foodsafety_desktop.core.errors import UserError

_ZIP_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


def register(commands: argparse._SubParsersAction) -> None:
    templates = commands.add_parser(
        "templates",
        help="为各责任单位生成某一期次的报送表",
        description=(
            "为方案的每个责任单位生成该报送期次的报送表（.xlsx），写入指定文件夹，"
            "每行输出一个文件路径。单位组不单独生成，由其成员单位各自报送（见 department "
            "members）；食安办本身不生成（见 settings office）。"
        ),
        epilog=REPORTING_EPILOG,
    )
    add_plan_option(templates)
    add_period_option(templates)
    templates.add_argument(
        "-o", "--output", required=True, metavar="文件夹", help="报送表写入的文件夹（不存在则新建）"
    )
    templates.add_argument(
        "--prefill", action="store_true", help="预先填入各单位上一期次的报送内容"
    )
    templates.add_argument(
        "--zip", action="store_true", help="另外把全部报送表打包为一个 .zip 文件"
    )
    add_db_option(templates)
    templates.set_defaults(handler=cmd_templates)


def cmd_templates(args: argparse.Namespace) -> int:
    from foodsafety_desktop.core.services.periods import period_is_open
    from foodsafety_desktop.core.services.reporting_units import reporting_units
    from foodsafety_desktop.core.services.templates import write_all_templates
    from foodsafety_desktop.core.storage.database import current_user

    folder = Path(args.output).expanduser()
    if folder.exists() and not folder.is_dir():
        raise UserError(f"“{args.output}”是一个文件，请指定一个文件夹。")
    with open_db(args) as db, db.session() as session:
        period = find_period(session, args.plan, args.period)
        zip_name = _ZIP_UNSAFE.sub("_", f"{period.name}-报送表.zip") if args.zip else None
        paths = write_all_templates(
            session,
            period.id,
            folder,
            prefill=args.prefill,
            zip_name=zip_name,
            user=current_user(),
        )
        name, due, is_open = period.name, period.due_date, period_is_open(session, period)
        warnings = reporting_units(session, period.plan_id).warnings
    for path in paths:
        print(path)
    if zip_name:
        print(folder / zip_name)
    note(
        f"已生成“{name}”报送表 {len(paths)} 份（截止日期 {cn_date(due) or '—'}），"
        f"保存在：{folder}"
        + ("" if is_open else "。注意：该期次已关闭，收回的报送表仍可导入，记为逾期报送。")
    )
    for warning in warnings:
        note(f"注意：{warning}")
    return 0
