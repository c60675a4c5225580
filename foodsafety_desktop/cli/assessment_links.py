"""``assessment link`` / ``record``: 细则 items linked to ledger tasks (issue 15).

``assessment link ID`` lists the links; ``--auto`` stores the proposals (those at or
above the threshold confirmed) and prints the confirmed links and the proposals left to
the clerk; ``--add`` / ``--confirm`` / ``--remove 项目 任务`` change one link.  A 细则
item is named by its number path ("二.4") or its number alone, a task by its 序号 as
the ledger shows it ("（三）").  ``assessment record ID [--unit 单位]`` prints what the
year's ledger says for each item.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from foodsafety_desktop.cli.common import PROG, add_db_option, iso, note, open_db, print_json
from foodsafety_desktop.core.errors import UserError

if TYPE_CHECKING:
    from foodsafety_desktop.core.services.assessment_links import (
        ItemRecord,
        LinkProposal,
        TaskRecord,
    )


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Add this module's ``assessment`` subcommands to ``sub``."""
    link = sub.add_parser(
        "link",
        help="考核项目与台账任务的关联：自动关联、添加、确认、取消",
        description=(
            "把考核细则的各项与当年工作台账的任务关联起来，关联任务的报送和指标自动计入该项。"
            "不带选项时列出已有的关联和待确认的建议。--auto 按文字相似度和承担单位自动关联："
            "相似度达到阈值的直接确认，其余作为建议列出，由您确认；已确认或已取消的关联不变，"
            "取消过的建议不会再次出现。项目写细则中的编号（如 二.4 或 4），任务写台账中的序号"
            "（如 （三）），也可写 #编号。"
        ),
        epilog=(
            "示例：\n"
            f"  {PROG} assessment link 1 --auto\n"
            f"  {PROG} assessment link 1 --auto --threshold 0.6 --plan 2 --json\n"
            f"  {PROG} assessment link 1 --confirm 三.16 （十二）\n"
            f"  {PROG} assessment link 1 --add 一.3 （一）\n"
            f"  {PROG} assessment link 1 --remove 四.21 （六）"
        ),
    )
    link.add_argument(
        "assessment_id", type=int, metavar="编号", help="细则编号（见 assessment list）"
    )
    action = link.add_mutually_exclusive_group()
    action.add_argument("--auto", action="store_true", help="按相似度自动关联，列出待确认的建议")
    for flag, text in (
        ("--add", "手动关联一个项目和一项任务"),
        ("--confirm", "确认一条关联建议"),
        ("--remove", "取消一条关联或建议（以后不再建议）"),
    ):
        action.add_argument(flag, nargs=2, metavar=("项目", "任务"), help=text)
    link.add_argument(
        "--threshold",
        type=float,
        metavar="相似度",
        help="--auto 直接确认的相似度下限（0 到 1，默认 0.5）",
    )
    link.add_argument("--plan", type=int, metavar="方案编号", help="只关联这个方案的任务")
    link.add_argument("--json", action="store_true", help="以 JSON 格式输出")
    add_db_option(link)
    link.set_defaults(handler=cmd_assessment_link)

    record = sub.add_parser(
        "record",
        help="各考核项目在当年台账中的落实记录",
        description=(
            "按细则顺序列出每个考核项目关联的任务、承担单位、当年各期次的报送情况"
            "（按时、逾期、未报）、完成情况、主要措施、指标完成值和佐证材料数。"
            "--unit 只列这个单位的部分。"
        ),
        epilog=(
            "示例：\n"
            f"  {PROG} assessment record 1\n"
            f"  {PROG} assessment record 1 --unit 县市场监管局 --json"
        ),
    )
    record.add_argument(
        "assessment_id", type=int, metavar="编号", help="细则编号（见 assessment list）"
    )
    record.add_argument("--unit", metavar="单位", help="只列这个单位（名称或别名）的部分")
    record.add_argument("--json", action="store_true", help="以 JSON 格式输出")
    add_db_option(record)
    record.set_defaults(handler=cmd_assessment_record)


def _proposal_json(p: LinkProposal) -> dict:
    return {
        "item_id": p.item_id,
        "item": p.item_path,
        "item_label": p.item_label,
        "task_id": p.task_id,
        "task": p.task_number,
        "task_label": p.task_label,
        "plan_id": p.plan_id,
        "similarity": p.similarity,
        "reason": p.reason,
    }


def _proposal_line(p: LinkProposal) -> str:
    return f"{p.item_path}\t{p.task_label}\t{p.similarity:.2f}\t{p.reason}"


def cmd_assessment_link(args: argparse.Namespace) -> int:
    from foodsafety_desktop.core.services import assessment_links as links
    from foodsafety_desktop.core.services.assessment import find_item
    from foodsafety_desktop.core.storage.database import current_user

    if args.threshold is not None and not args.auto:
        raise UserError("--threshold 只与 --auto 一起使用。")
    with open_db(args) as db:
        if args.auto:
            threshold = links.AUTO_THRESHOLD if args.threshold is None else args.threshold
            result = links.auto_link(
                db, args.assessment_id, user=current_user(), threshold=threshold, plan_id=args.plan
            )
            return _print_auto(args, result)
        pair = args.add or args.confirm or args.remove
        if pair:
            with db.session() as session:
                item = find_item(session, args.assessment_id, pair[0])
                task = links.find_task(session, args.assessment_id, pair[1], plan_id=args.plan)
                item_id, task_id = item.id, task.id
            if args.add:
                change = links.add_link(db, item_id, task_id, user=current_user())
            elif args.confirm:
                change = links.confirm_link(db, item_id, task_id, user=current_user())
            else:
                change = links.remove_link(db, item_id, task_id, user=current_user())
            if args.json:
                print_json(
                    {
                        "item_id": change.item_id,
                        "task_id": change.task_id,
                        "changed": change.changed,
                        "confirmed": change.confirmed,
                        "summary": change.summary,
                    }
                )
            else:
                note(("已" if change.changed else "未改变：") + change.summary)
            return 0
        return _print_links(args, db)


def _print_auto(args: argparse.Namespace, result) -> int:
    if args.json:
        print_json(
            {
                "threshold": result.threshold,
                "accepted": [_proposal_json(p) for p in result.accepted],
                "pending": [_proposal_json(p) for p in result.pending],
                "confirmed_now": result.confirmed_now,
                "proposed_now": result.proposed_now,
                "dropped": result.dropped,
                "skipped_removed": result.skipped_removed,
                "changed": result.changed,
            }
        )
    else:
        print(f"已关联（相似度不低于 {result.threshold:g}）：")
        print("项目\t任务\t相似度\t依据")
        for p in result.accepted:
            print(_proposal_line(p))
        print("待确认的建议：")
        print("项目\t任务\t相似度\t依据")
        for p in result.pending:
            print(_proposal_line(p))
    parts = [f"本次确认 {result.confirmed_now} 项关联", f"新增建议 {result.proposed_now} 项"]
    if result.dropped:
        parts.append(f"撤下不再适用的建议 {result.dropped} 项")
    if result.skipped_removed:
        parts.append(f"{result.skipped_removed} 项已取消的关联不再建议")
    note("、".join(parts) + ("。" if result.changed else "；关联没有变化。"))
    if result.pending:
        note(
            f"确认建议：{PROG} assessment link {args.assessment_id} --confirm 项目 任务；"
            f"取消：--remove 项目 任务。"
        )
    return 0


def _print_links(args: argparse.Namespace, db) -> int:
    from foodsafety_desktop.core.services.assessment import assessment_outline
    from foodsafety_desktop.core.services.assessment_links import item_links

    with db.session() as session:
        outline = assessment_outline(session, args.assessment_id)
        linked = item_links(session, args.assessment_id)
    paths = _paths(outline.items)
    if args.json:
        print_json(
            [
                {
                    "item_id": item.id,
                    "item": paths[item.id],
                    "title": item.title,
                    "tasks": [
                        {
                            "task_id": t.task_id,
                            "task": t.number,
                            "title": t.title,
                            "plan_id": t.plan_id,
                            "confirmed": t.confirmed,
                            "similarity": t.similarity,
                            "created_by": t.created_by,
                            "created_at": iso(t.created_at),
                        }
                        for t in linked.get(item.id, [])
                    ],
                }
                for item in outline.items
            ]
        )
        return 0
    print("项目\t任务\t状态\t相似度")
    for item in outline.items:
        for t in linked.get(item.id, []):
            state = "已确认" if t.confirmed else "待确认"
            similarity = "手动" if t.similarity is None else f"{t.similarity:.2f}"
            print(f"{paths[item.id]}\t{t.number}{t.title}\t{state}\t{similarity}")
    unlinked = [i for i in outline.items if not linked.get(i.id) and i.level > 1]
    if unlinked:
        note(f"没有关联任务的项目 {len(unlinked)} 项：" + "、".join(paths[i.id] for i in unlinked))
    return 0


def _paths(items) -> dict[int, str]:
    from foodsafety_desktop.core.services.assessment import item_paths

    return item_paths(items)


def _points(value: float | None) -> str:
    from foodsafety_desktop.core.services.assessment import format_points

    return format_points(value)


def _task_json(t: TaskRecord) -> dict:
    return {
        "task_id": t.task_id,
        "task": t.number,
        "title": t.title,
        "plan_id": t.plan_id,
        "similarity": t.similarity,
        "evidence": len(t.evidence_ids),
        "targets": [
            {
                "text": g.text,
                "target": g.target_text,
                "year_to_date": g.year_to_date,
                "verdict": g.verdict,
            }
            for g in t.targets
        ],
        "units": [
            {
                "department_id": u.department_id,
                "name": u.name,
                "role": u.role,
                "via_group": u.via_group,
                "group_without_members": u.group_without_members,
                "on_time": u.on_time,
                "late": u.late,
                "missing": u.missing,
                "evidence": len(u.evidence_ids),
                "periods": [
                    {
                        "period_id": p.period_id,
                        "period": p.period_name,
                        "due_date": iso(p.due_date),
                        "state": p.state,
                        "returned": p.returned,
                        "status": p.status,
                        "measures": p.measures,
                        "values": [{"indicator": i, "value": v} for i, v in p.values],
                        "listed_evidence": p.listed_evidence,
                    }
                    for p in u.periods
                ],
            }
            for u in t.units
        ],
    }


def _record_json(r: ItemRecord) -> dict:
    return {
        "item_id": r.item_id,
        "item": r.path,
        "level": r.level,
        "title": r.title,
        "points": r.points,
        "bonus": r.bonus,
        "deduction": r.deduction,
        "on_time": r.on_time,
        "late": r.late,
        "missing": r.missing,
        "evidence": r.evidence_count,
        "pending": r.pending,
        "tasks": [_task_json(t) for t in r.tasks],
    }


def cmd_assessment_record(args: argparse.Namespace) -> int:
    from foodsafety_desktop.core.services.assessment_links import item_records
    from foodsafety_desktop.core.services.departments import find_department_id

    with open_db(args) as db, db.session() as session:
        department_id = find_department_id(session, args.unit) if args.unit else None
        records = item_records(session, args.assessment_id, department_id=department_id)
    if args.json:
        print_json([_record_json(r) for r in records])
        return 0
    for r in records:
        points = _points(r.points)
        sign = "加" if r.bonus else "扣" if r.deduction else ""
        head = "  " * (r.level - 1) + f"{r.path} {r.title}"
        if points:
            head += f"（{sign}{points}分）"
        if r.level > 1 or r.tasks:
            head += f"：按时 {r.on_time}、逾期 {r.late}、未报 {r.missing}"
            head += f"，佐证材料 {r.evidence_count} 份"
            if not r.tasks:
                head += "；未关联任务"
            if r.pending:
                head += f"；待确认建议 {r.pending} 项"
        print(head)
        indent = "  " * r.level
        for t in r.tasks:
            print(f"{indent}任务 {t.number}{t.title}")
            for g in t.targets:
                ytd = g.year_to_date_text or "未报"
                print(f"{indent}  指标 {g.text}：目标 {g.target_text}，累计 {ytd}，{g.verdict}")
            for u in t.units:
                if u.group_without_members:
                    print(f"{indent}  {u.name}（{u.role}）：单位组还没有成员，无人报送")
                    continue
                via = f"，{u.via_group}" if u.via_group else ""
                latest = u.latest
                said = ""
                if latest is not None:
                    said = f"；{latest.period_name}：{latest.status or '未填完成情况'}"
                    if latest.excerpt:
                        said += f"，{latest.excerpt}"
                    if latest.values:
                        said += "，" + "；".join(f"{i} {v}" for i, v in latest.values)
                if u.listed_evidence:
                    said += f"；报送表所列佐证材料：{u.listed_evidence_text}"
                print(
                    f"{indent}  {u.name}（{u.role}{via}）：按时 {u.on_time}、逾期 {u.late}、"
                    f"未报 {u.missing}{said}"
                )
    return 0
