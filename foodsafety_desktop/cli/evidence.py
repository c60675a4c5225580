"""``evidence add`` / ``list`` / ``open`` / ``remove``: 佐证材料 files kept with the database,
attached to a task, a returned workbook (submission) or a 考核细则 item.

``evidence add`` prints one line per file (added, already added, or why not) and exits
1 when any file could not be added; the files that could are kept.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from foodsafety_desktop.cli.common import (
    PROG,
    add_db_option,
    add_subcommands,
    note,
    open_db,
    print_json,
)
from foodsafety_desktop.core.errors import UserError

if TYPE_CHECKING:
    from foodsafety_desktop.core.services.evidence import EvidenceInfo

ITEM_HELP = (
    "考核项目：细则中的编号（如 二.4 或 4，见 assessment show），或考核档案目录中的"
    "项目序号（如 1.2）；需同时写 --assessment"
)
TASK_HELP = "任务：#任务编号，或与 --plan 一起写台账中的序号（如 （三））或位置（如 3）"


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "evidence",
        help="佐证材料：添加、列表、打开、删除",
        description=(
            "佐证材料（PDF、照片、Word、Excel、扫描件等任意文件）随数据库保存，可添加到"
            "一项任务、一份报送或一个考核项目。"
        ),
    )
    sub = add_subcommands(parser, "evidence_command")

    add = sub.add_parser(
        "add",
        help="添加佐证材料文件",
        description=(
            "把一个或几个文件作为佐证材料添加到一项任务（--task）、一份报送（--submission，"
            "报送编号见 status --json 的 submission_id）或一个考核项目（--item 和 --assessment）。"
            "同一文件已添加到同一处的，不重复添加。每个文件输出一行结果。"
        ),
        epilog=(
            "示例：\n"
            f"  {PROG} evidence add 抽检计划.pdf 现场照片.jpg --task （三） --plan 1"
            " --unit 县市场监管局\n"
            f"  {PROG} evidence add 会议纪要.docx --item 一.1 --assessment 1 --unit 城关镇\n"
            f"  {PROG} evidence add 扫描件.pdf --submission 12 --note 盖章版"
        ),
    )
    add.add_argument("files", nargs="+", metavar="文件", help="佐证材料文件（任意类型）")
    _target_options(add)
    add.add_argument("--note", metavar="说明", help="备注，如“盖章版”")
    add.add_argument("--json", action="store_true", help="以 JSON 格式输出每个文件的结果")
    add_db_option(add)
    add.set_defaults(handler=cmd_evidence_add)

    lst = sub.add_parser(
        "list",
        help="列出佐证材料",
        description=(
            "列出佐证材料：编号、文件名、大小、添加时间、添加人、单位和添加到哪里。"
            "可按任务、报送、考核项目、考核细则和单位筛选（同时给出的条件都要满足）；"
            "--assessment 单独使用时列出该细则各项的全部佐证材料（含关联任务的）。"
        ),
    )
    _target_options(lst)
    lst.add_argument("--json", action="store_true", help="以 JSON 格式输出")
    add_db_option(lst)
    lst.set_defaults(handler=cmd_evidence_list)

    opn = sub.add_parser(
        "open",
        help="取出佐证材料文件（只读副本），输出其路径",
        description=(
            "把佐证材料复制为临时文件夹中的只读副本（文件名与原文件相同），输出副本的路径，"
            "可用 Word/WPS 等打开；-o 另存到指定的文件或文件夹。"
        ),
    )
    opn.add_argument(
        "evidence_id", type=int, metavar="编号", help="佐证材料编号（见 evidence list）"
    )
    opn.add_argument("-o", "--output", metavar="文件或文件夹", help="另存到这里")
    add_db_option(opn)
    opn.set_defaults(handler=cmd_evidence_open)

    rm = sub.add_parser(
        "remove",
        help="删除一份佐证材料",
        description="删除一份佐证材料（记入操作记录）。",
    )
    rm.add_argument(
        "evidence_id", type=int, metavar="编号", help="佐证材料编号（见 evidence list）"
    )
    add_db_option(rm)
    rm.set_defaults(handler=cmd_evidence_remove)


def _target_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--task", metavar="任务", help=TASK_HELP)
    parser.add_argument("--plan", type=int, metavar="编号", help="--task 所在方案的编号")
    parser.add_argument("--submission", type=int, metavar="编号", help="报送编号")
    parser.add_argument("--item", metavar="项目", help=ITEM_HELP)
    parser.add_argument("--assessment", type=int, metavar="编号", help="考核细则编号")
    parser.add_argument("--unit", metavar="单位名称", help="佐证材料所属的单位")


def _targets(session, args: argparse.Namespace) -> dict:
    """The ids the target options name."""
    from foodsafety_desktop.core.services.departments import find_department_id
    from foodsafety_desktop.core.services.evidence import find_task_id

    out: dict = {}
    if args.task:
        out["task_id"] = find_task_id(session, args.task, plan_id=args.plan)
    if args.submission is not None:
        out["submission_id"] = args.submission
    if args.item:
        if args.assessment is None:
            raise UserError("用 --item 指定考核项目时，请同时用 --assessment 指定考核细则编号。")
        out["item_id"] = _find_item(session, args.assessment, args.item)
    if args.unit:
        out["department_id"] = find_department_id(session, args.unit)
    return out


def _find_item(session, assessment_id: int, ref: str) -> int:
    """The item by its number as ``assessment link`` names it, else by the 项目序号 of
    the assessment file's 目录 (1.2)."""
    from foodsafety_desktop.core.reports.assessment_file import item_numbers
    from foodsafety_desktop.core.services.assessment import find_item

    try:
        return find_item(session, assessment_id, ref).id
    except UserError:
        dotted = {
            number: item_id for item_id, number in item_numbers(session, assessment_id).items()
        }
        if ref.strip() in dotted:
            return dotted[ref.strip()]
        raise


def _info_json(info: EvidenceInfo) -> dict:
    return {
        "id": info.id,
        "name": info.name,
        "size": info.size,
        "sha256": info.sha256,
        "added_at": info.added_at.isoformat(timespec="seconds"),
        "added_by": info.added_by,
        "note": info.note,
        "task_id": info.task_id,
        "submission_id": info.submission_id,
        "item_id": info.item_id,
        "department_id": info.department_id,
        "department": info.department_name,
        "attached_to": info.attached_to,
    }


def cmd_evidence_add(args: argparse.Namespace) -> int:
    from foodsafety_desktop.core.services.evidence import attach_many
    from foodsafety_desktop.core.storage.database import current_user

    with open_db(args) as db:
        with db.session() as session:
            targets = _targets(session, args)
        if not {"task_id", "submission_id", "item_id"} & set(targets):
            raise UserError(
                "请指定添加到哪里：--task 任务、--submission 报送编号，或 --item 项目"
                " 和 --assessment 细则编号。"
            )
        outcomes = attach_many(
            db, [Path(f).expanduser() for f in args.files], user=current_user(), note=args.note,
            **targets,
        )  # fmt: skip
    failed = [o for o in outcomes if o.error]
    if args.json:
        print_json(
            [
                {
                    "file": str(o.path),
                    "status": "failed" if o.error else "duplicate" if o.duplicate else "added",
                    "error": o.error,
                    "evidence": _info_json(o.info) if o.info else None,
                }
                for o in outcomes
            ]
        )
    else:
        for o in outcomes:
            if o.error:
                print(f"未添加\t{o.path.name}\t{o.error}")
            elif o.duplicate:
                assert o.info is not None
                print(f"已添加过\t{o.path.name}\t编号 {o.info.id}")
            else:
                assert o.info is not None
                print(f"已添加\t{o.path.name}\t编号 {o.info.id}\t{o.info.attached_to}")
    added = sum(1 for o in outcomes if o.added)
    note(
        f"添加了 {added} 个文件"
        + (
            f"，{sum(1 for o in outcomes if o.duplicate)} 个已添加过"
            if added < len(outcomes)
            else ""
        )
        + (f"，{len(failed)} 个未能添加" if failed else "")
        + "。"
    )
    return 1 if failed else 0


def cmd_evidence_list(args: argparse.Namespace) -> int:
    from foodsafety_desktop.core.services.evidence import evidence_list

    with open_db(args) as db, db.session() as session:
        targets = _targets(session, args)
        rows = evidence_list(session, assessment_id=args.assessment if not args.item else None,
                             **targets)  # fmt: skip
    if args.json:
        print_json([_info_json(r) for r in rows])
        return 0
    if not rows:
        note(f"没有符合条件的佐证材料（{PROG} evidence add 文件 --task 任务 添加）。")
        return 0
    print("编号\t文件名\t大小\t添加时间\t添加人\t单位\t添加到")
    for r in rows:
        print(
            f"{r.id}\t{r.name}\t{r.size_text}\t{r.added_text}\t{r.added_by}\t"
            f"{r.department_name or '—'}\t{r.attached_to}"
        )
    return 0


def cmd_evidence_open(args: argparse.Namespace) -> int:
    from foodsafety_desktop.core.fileio import write_atomically
    from foodsafety_desktop.core.services.evidence import (
        evidence_bytes,
        evidence_copy_for_opening,
        evidence_info,
    )

    with open_db(args) as db:
        if not args.output:
            print(evidence_copy_for_opening(db, args.evidence_id))
            return 0
        with db.session() as session:
            content = evidence_bytes(session, args.evidence_id)
            name = evidence_info(session, args.evidence_id).name
    target = Path(args.output).expanduser()
    if target.is_dir():
        target = target / name
    if not target.parent.is_dir():
        raise UserError(f"文件夹“{target.parent}”不存在，请换一个保存位置。")
    write_atomically(target, lambda tmp: tmp.write_bytes(content), program="其他程序")
    print(target)
    return 0


def cmd_evidence_remove(args: argparse.Namespace) -> int:
    from foodsafety_desktop.core.services.evidence import remove_evidence
    from foodsafety_desktop.core.storage.database import current_user

    with open_db(args) as db:
        info = remove_evidence(db, args.evidence_id, user=current_user())
    note(f"已删除佐证材料“{info.name}”（{info.attached_to}）。")
    return 0
