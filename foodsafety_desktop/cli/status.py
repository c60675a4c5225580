"""``status``: how far each department is with one period's report; reminder text."""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any

from foodsafety_desktop.cli.common import (
    REPORTING_EPILOG,
    add_db_option,
    add_period_option,
    add_plan_option,
    date_arg,
    find_period,
    iso,
    note,
    open_db,
    print_json,
)


def register(commands: argparse._SubParsersAction) -> None:
    status = commands.add_parser(
        "status",
        help="某一期次各单位的报送情况，催报",
        description=(
            "列出某一报送期次各单位的报送情况：已报、逾期报送、部分报送、退回修改（已退回、"
            "等待更正后的报送表）、未报（已过截止日期）、待报（未到截止日期），收到日期和已填行数。"
        ),
        epilog=REPORTING_EPILOG,
    )
    add_plan_option(status)
    add_period_option(status)
    status.add_argument("--json", action="store_true", help="以 JSON 格式输出")
    status.add_argument("--reminder", action="store_true", help="只输出可直接发送的催报通知文字")
    # For tests and for looking back: the day the states are computed for.
    status.add_argument("--today", type=date_arg, help=argparse.SUPPRESS)
    add_db_option(status)
    status.set_defaults(handler=cmd_status)


def _department_row(department: Any, cell: Any) -> dict[str, Any]:
    return {
        "department_id": department.id,
        "department": department.name,
        "state": cell.state,
        "received_on": iso(cell.received_on),
        "received_at": iso(
            cell.received_at.replace(tzinfo=dt.timezone.utc) if cell.received_at else None
        ),
        "late": cell.late,
        "answered_rows": cell.answered_rows,
        "expected_rows": cell.expected_rows,
        "submission_id": cell.submission_id,
        "submission_count": cell.submission_count,
    }


def cmd_status(args: argparse.Namespace) -> int:
    from foodsafety_desktop.core.services.periods import period_is_open
    from foodsafety_desktop.core.services.tracking import (
        STATE_RETURNED,
        STATES,
        reminder_text,
        status_matrix,
    )

    today = args.today or dt.date.today()
    with open_db(args) as db, db.session() as session:
        period = find_period(session, args.plan, args.period)
        matrix = status_matrix(session, args.plan, today=today)
        rows = [
            _department_row(department, matrix.cell(department.id, period.id))
            for department in matrix.departments
        ]
        counts = matrix.counts(period.id) if matrix.departments else dict.fromkeys(STATES, 0)
        if not counts.get(STATE_RETURNED):
            # 退回修改 is listed only when a unit is returned: the output of an office
            # that never returns a workbook stays as it was.
            counts.pop(STATE_RETURNED, None)
        reminder = reminder_text(session, period.id, today=today) if args.reminder else None
        info = {
            "plan_id": args.plan,
            "period_id": period.id,
            "period": period.name,
            "due_date": iso(period.due_date),
            "open": period_is_open(session, period, today=today),
            "today": today.isoformat(),
        }
        warnings = matrix.warnings
    summary = "，".join(f"{state} {n}" for state, n in counts.items())
    if args.json:
        data: dict[str, Any] = {
            **info,
            "counts": counts,
            "departments": rows,
            "warnings": warnings,
        }
        if reminder is not None:
            data["reminder"] = reminder
        print_json(data)
        return 0
    if reminder is not None:
        print(reminder)
        note(f"{info['period']}：{summary}")
        for warning in warnings:
            note(f"注意：{warning}")
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
    for warning in warnings:
        note(f"注意：{warning}")
    return 0
