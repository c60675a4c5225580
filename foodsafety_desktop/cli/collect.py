"""``collect``: check and import the reporting workbooks the departments sent back."""

from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path
from typing import Any

from foodsafety_desktop.cli.common import (
    REPORTING_EPILOG,
    add_db_option,
    add_period_option,
    add_plan_option,
    date_arg,
    find_period,
    note,
    open_db,
)
from foodsafety_desktop.core.errors import UserError


def register(commands: argparse._SubParsersAction) -> None:
    collect = commands.add_parser(
        "collect",
        help="导入各单位交回的报送表",
        description=(
            "检查并导入各单位交回的报送表（.xlsx、.xlsm、.xls、.ods；给出文件夹则导入其中全部）。"
            "每个文件输出一行：已导入、已导入过（跳过）、旧版本（跳过）或未导入、填报单位、报送期次、"
            "每条错误和警告；文件夹中不是报送表的文件各输出一行“未收取”及原因。"
            "以前已导入过的同一文件跳过，不算失败；"
            "除此之外全部文件都已导入时退出码为 0，否则为 1。"
        ),
        epilog=REPORTING_EPILOG,
    )
    collect.add_argument("paths", nargs="+", metavar="文件或文件夹", help="交回的报送表")
    add_plan_option(collect, required=False)
    add_period_option(collect, required=False)
    collect.add_argument(
        "--accept-warnings", action="store_true", help="只有警告（没有错误）的文件也导入"
    )
    collect.add_argument(
        "--received",
        type=date_arg,
        metavar="日期",
        help=(
            "收到文件的日期，如 2023-09-20，逾期按此判断"
            "（默认：文件的修改时间，填报日期更早时取填报日期，均不晚于导入时）"
        ),
    )
    collect.add_argument(
        "--json",
        action="store_true",
        help=(
            "每个文件输出一行 JSON（JSON Lines）：status 为 imported、skipped（已导入过）、"
            "older_version（同一单位本期有更新的文件）、not_collected（不是报送表）"
            "或 rejected；错误/警告含 level、message、sheet、cell、text"
        ),
    )
    add_db_option(collect)
    collect.set_defaults(handler=cmd_collect)


def _received_at(day: dt.date) -> dt.datetime:
    """``--received``: every file of the batch received that day (local noon as UTC)."""
    from foodsafety_desktop.core.services.collect.received import local_noon

    if day > dt.date.today():
        raise UserError(f"收到日期 {day.isoformat()} 晚于今天，请检查。")
    return local_noon(day)


SKIPPED = "已导入过，跳过"
NOT_COLLECTED = "未收取"  # a file of a folder that is not a returned workbook


OLDER = "旧版本，跳过"


def _status(outcome: Any) -> str:
    """imported / skipped (the same file was imported before) / older_version (a newer
    file of the same department and period is in the batch) / rejected."""
    if outcome.accepted:
        return "imported"
    if outcome.already_imported:
        return "skipped"
    return "older_version" if outcome.older_version else "rejected"


def _outcome_lines(outcome: Any) -> list[str]:
    counts = outcome.counts or {}
    verdict = {
        "imported": "已导入",
        "skipped": SKIPPED,
        "older_version": OLDER,
        "rejected": "未导入",
    }[_status(outcome)]
    parts = [verdict, outcome.file_name]
    parts.append(outcome.department or "（单位未识别）")
    parts.append(outcome.period or "（期次未识别）")
    if outcome.accepted and counts:
        parts.append(
            f"新增 {counts.get('new', 0)} 行，变化 {counts.get('changed', 0)} 行，"
            f"未变 {counts.get('unchanged', 0)} 行"
        )
    if outcome.accepted and outcome.replaced_submission_id is not None:
        parts.append("替换了该单位本期此前的报送（原报送保留在历史中）")
    lines = ["\t".join(parts)]
    # A skipped file's findings explain why (导入过 when and as what, the newer file);
    # not errors.
    label = "说明" if outcome.already_imported or outcome.older_version else "错误"
    lines.extend(f"    {label}：{e}" for e in outcome.errors)
    lines.extend(f"    警告：{w}" for w in outcome.warnings)
    return lines


def _outcome_json(outcome: Any) -> dict[str, Any]:
    data = outcome.as_dict()
    data["already_imported"] = bool(outcome.already_imported)
    data["status"] = _status(outcome)
    return data


def _skipped_json(path: Path, reason: str) -> dict[str, Any]:
    return {
        "file": str(path),
        "status": "not_collected",
        "accepted": False,
        "already_imported": False,
        "reason": reason,
    }


def cmd_collect(args: argparse.Namespace) -> int:
    from foodsafety_desktop.core.services.collect import (
        ACCEPTED_SUFFIXES,
        collect_files,
        scan_paths,
    )
    from foodsafety_desktop.core.storage.database import current_user

    if args.period and args.plan is None:
        raise UserError("使用 --period 时还需用 --plan 指明方案编号。")
    if args.plan is not None and not args.period:
        raise UserError("--plan 只与 --period 一起使用（只收取该期次的报送表）。")
    scan = scan_paths(args.paths)
    for path, reason in scan.skipped:  # every file of a folder is accounted for
        if args.json:
            print(json.dumps(_skipped_json(path, reason), ensure_ascii=False), flush=True)
        else:
            print(f"{NOT_COLLECTED}\t{path.name}\t{reason}", flush=True)
    files = scan.files
    if not files:
        raise UserError(f"所给的文件夹中没有 Excel 报送表（{'、'.join(ACCEPTED_SUFFIXES)}）。")
    received_at = _received_at(args.received) if args.received else None
    user = current_user()
    with open_db(args) as db:
        period_id = None
        if args.period:
            with db.session() as session:
                period_id = find_period(session, args.plan, args.period).id

        def show(outcome: Any) -> None:  # each line as soon as its file is done
            if args.json:
                print(json.dumps(_outcome_json(outcome), ensure_ascii=False), flush=True)
            else:
                print("\n".join(_outcome_lines(outcome)), flush=True)

        # One batch: one backup before it; files committed together, alone if that fails.
        outcomes = collect_files(
            db,
            files,
            user=user,
            accept_warnings=args.accept_warnings,
            period_id=period_id,
            received_at=received_at,
            on_outcome=show,
        )
        accepted = sum(o.accepted for o in outcomes)
        skipped = sum(not o.accepted and o.already_imported for o in outcomes)
        older = sum(not o.accepted and o.older_version for o in outcomes)
    rejected = len(files) - accepted - skipped - older
    summary = f"共 {len(files)} 个文件：已导入 {accepted} 个，"
    if skipped:
        summary += f"已导入过（跳过）{skipped} 个，"
    if older:
        summary += f"旧版本（跳过）{older} 个，"
    summary += f"未导入 {rejected} 个。"
    if scan.skipped:
        summary += f"另有 {len(scan.skipped)} 个文件不是报送表，未收取（原因见上）。"
    note(summary)
    return 0 if rejected == 0 else 1
