"""``return``: send a department's workbook back for rework (退回修改), or withdraw that."""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any

from foodsafety_desktop.cli.common import (
    PROG,
    add_db_option,
    date_arg,
    iso,
    note,
    open_db,
    print_json,
)
from foodsafety_desktop.core.errors import UserError

EPILOG = (
    "示例：\n"
    f"  {PROG} status --plan 1 --period 2022年第三季度 --json   （submission_id 即报送编号）\n"
    f"  {PROG} return 12 --rows                              （列出该报送各行及任务编号）\n"
    f"  {PROG} return 12 --note 部分内容过于简略 --row 3:请补充检查户次 -o 退回\n"
    f"  {PROG} return --plan 1 --period 2022年第三季度 --unit 县市场监管局 --note …\n"
    f"  {PROG} return --withdraw 12"
)


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "return",
        help="退回报送表，请单位修改后重新报送",
        description=(
            "把某单位本期的报送表退回修改：填写退回说明和逐行的退回意见，该单位本期显示“退回修改”，"
            "直到收到更正后的报送表（导入后替换原报送，二者都保留在历史中）。"
            "给出 -o 时在该文件夹中写出退回说明（Word 公文）和预填原内容的报送表。"
            "再次退回同一报送即修改退回意见；--withdraw 撤销退回。"
        ),
        epilog=EPILOG,
    )
    parser.add_argument(
        "submission",
        nargs="?",
        type=int,
        metavar="报送编号",
        help="见 status --json 的 submission_id",
    )
    parser.add_argument(
        "--plan", type=int, metavar="编号", help="与 --period、--unit 一起代替报送编号"
    )
    parser.add_argument("--period", metavar="期次", help="报送期次的名称或编号")
    parser.add_argument("--unit", metavar="单位", help="填报单位的名称或别名")
    parser.add_argument("--note", metavar="文字", default="", help="退回说明（退回的原因）")
    parser.add_argument(
        "--row",
        action="append",
        default=[],
        metavar="序号:意见",
        help="一行的退回意见：报送表中该行的序号和意见，如 3:请补充检查户次"
        "（或 #任务编号:意见）；可重复",
    )
    parser.add_argument("-o", "--output", metavar="文件夹", help="写出退回说明和预填的报送表")
    parser.add_argument(
        "--days", type=int, default=None, metavar="天数", help="重新报送的期限（工作日，默认 3）"
    )
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--withdraw", action="store_true", help="撤销退回")
    action.add_argument(
        "--rows", action="store_true", help="只列出该报送的各行（任务编号、序号、完成情况、意见）"
    )
    parser.add_argument("--json", action="store_true", help="以 JSON 格式输出")
    # For tests and for looking back: the date of the notice.
    parser.add_argument("--today", type=date_arg, help=argparse.SUPPRESS)
    add_db_option(parser)
    parser.set_defaults(handler=cmd_return)


def parse_row(text: str) -> tuple[str, str]:
    """``3:请补充…`` (a full-width colon too) → ("3", "请补充…"): the row's 序号 as the
    unit's 报送表 prints it (3, 3-2), or ``#17`` for a task by its number; UserError
    otherwise."""
    head, sep, comment = text.replace("：", ":", 1).partition(":")
    if not sep or not head.strip() or not comment.strip():
        raise UserError(
            f"--row 应写成“序号:退回意见”（序号即报送表中该行的序号），如 3:请补充检查户次，"
            f"而不是“{text}”。"
        )
    return head.strip(), comment.strip()


def _task_of(review: Any, ref: str) -> int:
    """The task of the row ``ref`` names: its 序号 in the unit's 报送表, or #任务编号."""
    if ref.startswith("#") and ref[1:].isdigit():
        return int(ref[1:])
    for r in review.rows:
        if str(r.seq or "") == ref:
            return int(r.task_id)
    seqs = "、".join(str(r.seq) for r in review.rows if r.seq)
    raise UserError(
        f"{review.department}的报送表中没有序号为“{ref}”的行（各行序号：{seqs}）。"
        "也可以写“#任务编号”，任务编号见 return 报送编号 --rows。"
    )


def _submission_id(db: Any, args: argparse.Namespace) -> int:
    from foodsafety_desktop.core.services.returns import find_submission

    by_unit = (args.plan, args.period, args.unit)
    if args.submission is not None:
        if any(v is not None for v in by_unit):
            raise UserError("报送编号与 --plan/--period/--unit 只需给出一种。")
        return int(args.submission)
    if any(v is None for v in by_unit):
        raise UserError("请给出报送编号，或同时给出 --plan、--period 和 --unit。")
    return find_submission(db, args.plan, args.period, args.unit)


def _rows_json(review: Any) -> list[dict[str, Any]]:
    return [
        {
            "task_id": r.task_id,
            "item_id": r.item_id,
            "indicator_id": r.indicator_id,
            "row": r.row,
            "seq": r.seq,
            "task": r.task,
            "status": r.status,
            "comment": r.comment,
        }
        for r in review.rows
    ]


def _review_json(review: Any) -> dict[str, Any]:
    info = review.returned
    return {
        "submission_id": review.submission_id,
        "period_id": review.period_id,
        "period": review.period,
        "department_id": review.department_id,
        "department": review.department,
        "file": review.source_name,
        "received_at": iso(review.received_at.replace(tzinfo=dt.timezone.utc)),
        "current": review.is_current,
        "returned": info is not None,
        "returned_at": iso(info.returned_at.replace(tzinfo=dt.timezone.utc)) if info else None,
        "returned_by": info.returned_by if info else None,
        "note": info.note if info else None,
        "replaced_by": review.replaced_by,
        "rows": _rows_json(review),
    }


def _days(args: argparse.Namespace) -> int:
    from foodsafety_desktop.core.services.returns import DEFAULT_RESUBMIT_DAYS

    days = DEFAULT_RESUBMIT_DAYS if args.days is None else args.days
    if days < 1:
        raise UserError("重新报送的期限至少为 1 个工作日。")
    return days


def cmd_return(args: argparse.Namespace) -> int:
    from foodsafety_desktop.core.services import returns
    from foodsafety_desktop.core.storage.database import current_user

    comments = [parse_row(text) for text in args.row]
    if args.withdraw and (comments or args.note or args.output):
        raise UserError("--withdraw 不能与 --note、--row、-o 同时使用。")
    with open_db(args) as db:
        submission_id = _submission_id(db, args)
        if args.rows:
            review = returns.review_submission(db, submission_id)
            if args.json:
                print_json(_review_json(review))
                return 0
            state = (
                "已退回修改"
                if review.returned
                else ("当前有效" if review.is_current else "已被替换")
            )
            print(f"{review.department} {review.period}（{review.source_name}，{state}）")
            print("任务编号\t行\t序号\t完成情况\t任务\t退回意见")
            for r in review.rows:
                print(
                    f"{r.task_id}\t{r.row or '—'}\t{r.seq or '—'}\t{r.status or '—'}\t"
                    f"{r.task}\t{r.comment}"
                )
            return 0
        if args.withdraw:
            result = returns.withdraw_return(db, submission_id, user=current_user())
            if args.json:
                print_json({"submission_id": result.submission_id, "returned": False})
            else:
                print(
                    f"已撤销退回：{result.department} {result.period}（报送编号 {submission_id}）"
                )
            return 0
        if not args.note and not comments and args.output:
            # Returned already: only the package again (a lost notice, another folder).
            from foodsafety_desktop.core.reports.return_notice import write_return_package

            package = write_return_package(
                db, submission_id, args.output, today=args.today, resubmit_days=_days(args)
            )
            if args.json:
                print_json(
                    {
                        "submission_id": submission_id,
                        "notice": str(package.notice_path),
                        "template": str(package.template_path),
                    }
                )
            else:
                print(f"退回说明：{package.notice_path}")
                print(f"预填的报送表：{package.template_path}")
            return 0
        review = returns.review_submission(db, submission_id)
        result = returns.return_submission(
            db,
            submission_id,
            user=current_user(),
            note=args.note,
            rows=[returns.RowComment(_task_of(review, ref), comment) for ref, comment in comments],
        )
        package = None
        if args.output:
            from foodsafety_desktop.core.reports.return_notice import write_return_package

            package = write_return_package(
                db, submission_id, args.output, today=args.today, resubmit_days=_days(args)
            )
    if args.json:
        data: dict[str, Any] = {
            "submission_id": result.submission_id,
            "period_id": result.period_id,
            "period": result.period,
            "department_id": result.department_id,
            "department": result.department,
            "returned": True,
            "updated": result.updated,
            "note": result.note,
            "rows": [
                {"task_id": r.task_id, "row": r.row, "comment": r.comment} for r in result.rows
            ],
            "notice": str(package.notice_path) if package else None,
            "template": str(package.template_path) if package else None,
        }
        print_json(data)
        return 0
    verb = "已修改退回意见" if result.updated else "已退回修改"
    print(f"{verb}：{result.department} {result.period}（报送编号 {result.submission_id}）")
    for r in result.rows:
        print(f"  第{r.row or '—'}行 {r.task}：{r.comment}")
    if package:
        print(f"退回说明：{package.notice_path}")
        print(f"预填的报送表：{package.template_path}")
    else:
        note(f"用 -o 文件夹 写出退回说明和预填的报送表，发给{result.department}。")
    return 0
