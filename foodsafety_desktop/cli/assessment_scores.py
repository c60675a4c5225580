"""``assessment template`` / ``collect`` / ``score`` / ``scores`` / ``notice``: 考核得分.

``template`` writes the units' 自评表; ``collect`` imports the returned ones (one line a
file; 已导入过 is not a failure); ``score`` sets one 考核得分 with its reason (or,
``--accept-self``, takes the unit's 自评分 as its 考核得分);
``scores`` prints the totals and ranking (``--json``, ``-o 考核结果.xlsx``); ``notice``
writes the 考核情况通报.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

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

if TYPE_CHECKING:
    from foodsafety_desktop.core.services.assessment_scores import ScoreTable, Totals

_ID_HELP = "细则编号（见 assessment list）"
_COLLECTED_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Add this module's ``assessment`` subcommands to ``sub``."""
    tpl = sub.add_parser(
        "template",
        help="生成各单位的自评表（.xlsx）",
        description=(
            "按考核细则为每个考核对象生成自评表（填报说明、自评分、自评说明、佐证材料清单；"
            "表内有防伪标识）。不指定 --unit 时为全部单位生成，-o 为文件夹；"
            "指定 --unit 时 -o 可以是 .xlsx 文件或文件夹。"
        ),
        epilog=(
            "示例：\n"
            f"  {PROG} assessment template 1 -o 自评表\n"
            f"  {PROG} assessment template 1 --unit 城关镇 -o 城关镇自评表.xlsx"
        ),
    )
    tpl.add_argument("assessment_id", type=int, metavar="编号", help=_ID_HELP)
    tpl.add_argument("--unit", metavar="单位", action="append", help="只为这个单位生成（可重复）")
    tpl.add_argument("-o", "--output", required=True, metavar="文件夹或文件", help="保存位置")
    add_db_option(tpl)
    tpl.set_defaults(handler=cmd_template)

    col = sub.add_parser(
        "collect",
        help="导入收回的自评表",
        description=(
            "导入各单位填好的自评表（文件或文件夹），每个文件一行结果；"
            "已导入过的文件显示“已导入过，跳过”，不算失败。"
        ),
        epilog=f"示例：\n  {PROG} assessment collect 1 收回的自评表 --json",
    )
    col.add_argument("assessment_id", type=int, metavar="编号", help=_ID_HELP)
    col.add_argument("paths", nargs="+", metavar="文件或文件夹", help="收回的自评表")
    col.add_argument("--json", action="store_true", help="以 JSON 格式输出结果")
    add_db_option(col)
    col.set_defaults(handler=cmd_collect)

    score = sub.add_parser(
        "score",
        help="为一个单位的一个考核项目评分",
        description=(
            "设置考核得分（0 到该项分值；扣分项为扣减的分数，加分项为加的分数）。"
            "得分低于分值或有扣分时必须写明原因（--reason）。--clear 清除已评的分数。"
            "--accept-self 按单位的自评分认定考核得分（扣分原因取单位的自评说明）："
            "不写 --item 时为所有有自评分、尚未评分的项目。"
        ),
        epilog=(
            "示例：\n"
            f"  {PROG} assessment score 1 --unit 城关镇 --item 二.5 --score 3"
            " --reason 协管员培训记录不全\n"
            f"  {PROG} assessment score 1 --unit 城关镇 --item 八.25 --score 0\n"
            f"  {PROG} assessment score 1 --unit 城关镇 --accept-self\n"
            f"  {PROG} assessment score 1 --unit 城关镇 --accept-self --item 一.1 一.2"
        ),
    )
    score.add_argument("assessment_id", type=int, metavar="编号", help=_ID_HELP)
    score.add_argument("--unit", required=True, metavar="单位", help="考核对象的名称")
    score.add_argument(
        "--item",
        nargs="+",
        metavar="项目",
        help="考核项目：从一级项目写起的序号（如 二.5、三.（一）.1，见 assessment show）或 #编号；"
        "--accept-self 时可写多个",
    )
    value = score.add_mutually_exclusive_group(required=True)
    value.add_argument("--score", type=float, metavar="分数", help="考核得分")
    value.add_argument("--clear", action="store_true", help="清除这一项的考核得分")
    value.add_argument("--accept-self", action="store_true", help="按单位的自评分认定考核得分")
    score.add_argument("--reason", metavar="原因", help="扣分原因")
    add_db_option(score)
    score.set_defaults(handler=cmd_score)

    scores = sub.add_parser(
        "scores",
        help="考核得分汇总：考核总分、排名、等次",
        description=(
            "列出各单位的自评总分、基础分、加分、扣分、考核总分、排名和等次"
            "（自评总分与考核总分都等于基础分 + 加分 − 扣分）"
            "（优秀≥90、良好≥80、合格≥60 分为默认标准）；尚有项目未评分的单位标为“未评完”，"
            "不参加排名。-o 保存考核结果 Excel。"
        ),
        epilog=(
            f"示例：\n  {PROG} assessment scores 1 --json\n"
            f"  {PROG} assessment scores 1 -o 考核结果.xlsx"
        ),
    )
    scores.add_argument("assessment_id", type=int, metavar="编号", help=_ID_HELP)
    scores.add_argument("--json", action="store_true", help="以 JSON 格式输出（含每项得分）")
    scores.add_argument("-o", "--output", metavar="考核结果.xlsx", help="保存考核结果 Excel")
    add_db_option(scores)
    scores.set_defaults(handler=cmd_scores)

    notice = sub.add_parser(
        "notice",
        help="生成考核情况通报（Word 公文格式）",
        description="按考核得分生成考核情况通报：总体情况、各等次单位、主要扣分问题、下步要求，附考核得分表。",
        epilog=f"示例：\n  {PROG} assessment notice 1 -o 考核情况通报.docx --signed-on 2026-12-28",
    )
    notice.add_argument("assessment_id", type=int, metavar="编号", help=_ID_HELP)
    notice.add_argument("-o", "--output", required=True, metavar="文件", help="保存的 .docx 文件")
    notice.add_argument("--title", metavar="标题", help="通报标题（默认按年度和考核对象生成）")
    notice.add_argument("--recipient", metavar="主送", help="主送机关")
    notice.add_argument(
        "--signed-by", dest="signer", metavar="署名", help="署名（默认为食安办全称）"
    )
    notice.add_argument(
        "--signed-on", type=date_arg, metavar="日期", help="成文日期，如 2026-12-28"
    )
    notice.add_argument("--no-letterhead", action="store_true", help="不使用公文设置中的红头")
    add_db_option(notice)
    notice.set_defaults(handler=cmd_notice)


def _points(value: float | None) -> str:
    from foodsafety_desktop.core.services.assessment import format_points

    return format_points(value)


def _hinted(exc: UserError) -> UserError:
    return UserError(f"{exc.message.rstrip('。')}，请用 assessment list 查看编号。")


def cmd_template(args: argparse.Namespace) -> int:
    from foodsafety_desktop.core.services import assessment_scores as scores
    from foodsafety_desktop.core.storage.database import current_user

    output = Path(args.output).expanduser()
    with open_db(args) as db:
        with db.session() as session:
            try:
                scores.assessment_units(session, args.assessment_id)
            except UserError as exc:
                raise _hinted(exc) from None
            ids = [scores.find_unit(session, args.assessment_id, n).id for n in args.unit or []]
        if len(ids) == 1 and output.suffix.lower() == ".xlsx":
            paths = [scores.write_self_template(db, args.assessment_id, ids[0], output)]
        else:
            paths = scores.write_self_templates(
                db,
                args.assessment_id,
                output,
                department_ids=ids or None,
                user=current_user(),
            )
    for path in paths:
        print(path)
    note(f"已生成自评表 {len(paths)} 份。")
    return 0


def _collect_paths(raw: list[str]) -> tuple[list[Path], list[tuple[Path, str]]]:
    """The workbooks to import and (file, reason) of what is not collected."""
    files: list[Path] = []
    skipped: list[tuple[Path, str]] = []
    for text in raw:
        path = Path(text).expanduser()
        if path.is_dir():
            for child in sorted(path.iterdir()):
                if child.is_dir():
                    skipped.append((child, "是文件夹"))
                elif child.name.startswith(("~$", ".~")):
                    skipped.append((child, "是 Office 的临时文件"))
                elif child.suffix.lower() not in _COLLECTED_SUFFIXES:
                    skipped.append((child, "不是 Excel 工作簿"))
                else:
                    files.append(child)
        elif path.exists():
            files.append(path)
        else:
            raise UserError("找不到这个文件，可能已被移动、改名或删除。", file=path)
    return files, skipped


def cmd_collect(args: argparse.Namespace) -> int:
    from foodsafety_desktop.core.services.assessment_scores import import_self_assessments
    from foodsafety_desktop.core.storage.database import current_user

    files, skipped = _collect_paths(args.paths)
    with open_db(args) as db:
        with db.session() as session:
            from foodsafety_desktop.core.services.assessment import assessment_outline

            try:
                assessment_outline(session, args.assessment_id)
            except UserError as exc:
                raise _hinted(exc) from None
        results = import_self_assessments(
            db, files, user=current_user(), assessment_id=args.assessment_id
        )
    failed = [r for r in results if r.status == "failed"]
    if args.json:
        data = [
            {
                "file": r.file_name,
                "status": r.status,
                "already_imported": r.already_imported,
                "message": r.message,
                "unit": r.department_name,
                "submission_id": r.submission_id,
                "replaced_submission_id": r.replaced_submission_id,
                "self_total": r.self_total,
                "warnings": r.warnings,
            }
            for r in results
        ]
        data += [
            {"file": p.name, "status": "not_collected", "message": f"未收取：{why}"}
            for p, why in skipped
        ]
        print_json(data)
    else:
        for r in results:
            mark = {"imported": "已导入", "skipped": "跳过", "failed": "失败"}[r.status]
            print(f"{mark}\t{r.file_name}\t{r.message}")
            for warning in r.warnings:
                note(f"提示：{r.file_name}：{warning}")
        for p, why in skipped:
            print(f"未收取\t{p.name}\t{why}")
    imported = sum(r.status == "imported" for r in results)
    note(f"共 {len(results)} 个文件：导入 {imported} 个，失败 {len(failed)} 个。")
    return 1 if failed else 0


def cmd_score(args: argparse.Namespace) -> int:
    from foodsafety_desktop.core.services import assessment_scores as scores
    from foodsafety_desktop.core.storage.database import current_user

    refs = args.item or []
    if not args.accept_self and len(refs) != 1:
        raise UserError(
            "请用 --item 指定一个考核项目（--score、--clear 一次为一项评分）。"
            if not refs
            else "--score、--clear 一次只能为一个项目评分；按自评分认定多项请用 --accept-self。"
        )
    with open_db(args) as db:
        with db.session() as session:
            items = []
            for ref in refs:
                try:
                    items.append(scores.find_item(session, args.assessment_id, ref))
                except UserError as exc:
                    if "没有编号为" in exc.message and "考核细则。" in exc.message:
                        raise _hinted(exc) from None
                    raise
            unit = scores.find_unit(session, args.assessment_id, args.unit)
            unit_id, unit_name = unit.id, unit.name
            by_id = {i.id: i for i in scores.score_table(session, args.assessment_id).items}
        if args.accept_self:
            changes = scores.accept_self_scores(
                db,
                args.assessment_id,
                unit_id,
                item_ids=[i.id for i in items] if items else None,
                user=current_user(),
            )
        else:
            changes = [
                scores.set_score(
                    db,
                    items[0].id,
                    unit_id,
                    score=None if args.clear else args.score,
                    reason=args.reason,
                    user=current_user(),
                )
            ]
    for change in changes:
        item = by_id[change.item_id]
        before = "未评" if change.before is None else f"{_points(change.before)} 分"
        after = "未评" if change.after is None else f"{_points(change.after)} 分"
        line = f"{unit_name}\t{item.path}\t{item.title}\t{before} → {after}"
        if args.accept_self and change.after_reason:
            # below the 分值 (or a 扣分): say which 自评说明 became the 扣分原因
            of = "扣分项" if item.deduction else f"分值 {_points(item.points)} 分"
            line += f"（{of}）\t扣分原因（取自评说明）：{change.after_reason}"
        print(line)
    if args.accept_self:
        note(
            f"已按自评分认定{unit_name} {len(changes)} 个项目的考核得分。"
            if changes
            else f"{unit_name}没有尚未评分且有自评分的项目，未作改动。"
        )
    return 0


def _totals_json(t: Totals) -> dict:
    return {
        "base": t.base,
        "bonus": t.bonus,
        "deduction": t.deduction,
        "total": t.total,
        "complete": t.complete,
        "missing_items": t.missing,
    }


def _table_json(table: ScoreTable) -> dict:
    return {
        "id": table.assessment_id,
        "year": table.year,
        "kind": table.kind,
        "title": table.title,
        "grades": [
            {"name": name, "min": None if low == float("-inf") else low}
            for low, name in table.grades
        ],
        "items": [
            {
                "id": i.id,
                "path": i.path,
                "title": i.title,
                "points": i.points,
                "bonus": i.bonus,
                "deduction": i.deduction,
                "leaf": i.leaf,
            }
            for i in table.items
        ],
        "units": [
            {
                "id": u.department_id,
                "name": u.name,
                "rank": u.rank,
                "grade": u.grade,
                "fully_scored": u.fully_scored,
                "self": _totals_json(u.self_totals),
                "score": _totals_json(u.totals),
                "self_assessment": u.submission_name,
                "self_assessment_at": iso(u.submission_at),
                "deductions": [
                    {
                        "item_id": d.item_id,
                        "path": d.path,
                        "points_lost": d.points_lost,
                        "reason": d.reason,
                        "deduction_item": d.deduction_item,
                    }
                    for d in u.deductions
                ],
                "items": [
                    {
                        "item_id": s.item_id,
                        "self_score": s.self_score,
                        "self_note": s.self_note,
                        "score": s.score,
                        "reason": s.reason,
                    }
                    for s in sorted(u.scores.values(), key=lambda s: s.item_id)
                ],
            }
            for u in table.units
        ],
    }


def cmd_scores(args: argparse.Namespace) -> int:
    from foodsafety_desktop.core.services.assessment_scores import score_table

    with open_db(args) as db:
        with db.session() as session:
            try:
                table = score_table(session, args.assessment_id)
            except UserError as exc:
                raise _hinted(exc) from None
        if args.output:
            from foodsafety_desktop.core.reports.assessment_results import write_results_xlsx

            path = write_results_xlsx(db, args.assessment_id, Path(args.output).expanduser())
            note(f"已保存考核结果：{path}")
    if args.json:
        print_json(_table_json(table))
        return 0
    if not table.units:
        note(f"还没有可考核的{table.kind}，请先在“部门管理”中添加。")
        return 0
    print("排名\t单位\t自评总分\t基础分\t加分\t扣分\t考核总分\t等次")
    for u in table.units:
        t = u.totals
        rank = str(u.rank) if u.rank else "—"
        grade = u.grade or f"未评完（{len(t.missing)} 项未评）"
        self_total = _points(u.self_totals.total) if u.submission_name else "未报"
        figures = [t.base, t.bonus, t.deduction, t.total]
        scored = any(s.score is not None for s in u.scores.values())
        shown = "\t".join(_points(f) if scored else "—" for f in figures)
        print(f"{rank}\t{u.name}\t{self_total}\t{shown}\t{grade}")
    pending = table.not_fully_scored
    if pending:
        note(f"提示：{len(pending)} 个单位尚有项目未评分，不参加排名。")
    return 0


def cmd_notice(args: argparse.Namespace) -> int:
    from foodsafety_desktop.core.reports.assessment_results import (
        NoticeOptions,
        make_notice,
    )

    output = Path(args.output).expanduser()
    if output.suffix.lower() != ".docx":
        output = output.with_name(output.name + ".docx")
    with open_db(args) as db:
        with db.session() as session:
            from foodsafety_desktop.core.services.assessment import assessment_outline

            try:
                assessment_outline(session, args.assessment_id)
            except UserError as exc:
                raise _hinted(exc) from None
        result = make_notice(
            db,
            args.assessment_id,
            output,
            options=NoticeOptions(
                title=args.title,
                recipient=args.recipient,
                signer=args.signer,
                signed_on=args.signed_on,
                use_letterhead=not args.no_letterhead,
            ),
        )
    print(result.path)
    for warning in result.warnings:
        note(f"提示：{warning}")
    return 0
