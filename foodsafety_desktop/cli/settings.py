"""``settings office``: which department is the office itself (食安办) and whether it reports;
``settings contact``: the office's name, contact person, phone and e-mail (署名, 报送至)."""

from __future__ import annotations

import argparse

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

SETTINGS_EPILOG = (
    "示例：\n"
    f"  {PROG} settings office                    查看食安办的设置\n"
    f"  {PROG} settings office --plan 1           查看方案 1 中识别为食安办的单位\n"
    f"  {PROG} settings office 县政府食安办        指定食安办所在的单位\n"
    f"  {PROG} settings office --auto             改回按方案自动识别\n"
    f"  {PROG} settings office --include          食安办也填报报送表"
)


def register(commands: argparse._SubParsersAction) -> None:
    settings = commands.add_parser(
        "settings",
        help="设置：食安办（本办）、联系方式、公文要素",
        description="本软件的设置。",
        epilog=SETTINGS_EPILOG,
    )
    settings_commands = add_subcommands(settings, "settings_command")
    office = settings_commands.add_parser(
        "office",
        help="查看或设置哪个单位是食安办本身、它是否填报报送表",
        description=(
            "食安办（食品安全委员会办公室）负责收取和汇总报送，本身默认不生成报送表、不催报、"
            "不计入未报。名称为“区食安办”“县政府食安办”“食品安全委员会办公室”等的单位，以及"
            "方案中写明接收报送的办公室，自动识别为食安办；名称不同的，可在此指定。"
        ),
        epilog=SETTINGS_EPILOG,
    )
    office.add_argument(
        "name", nargs="?", metavar="单位", help="食安办所在的单位（名称或别名，须为已有单位）"
    )
    office.add_argument("--auto", action="store_true", help="不再指定单位，按方案自动识别")
    reports = office.add_mutually_exclusive_group()
    reports.add_argument(
        "--include", action="store_true", help="食安办也像其他单位一样填报报送表、计入未报"
    )
    reports.add_argument("--exclude", action="store_true", help="食安办不填报报送表（默认）")
    office.add_argument(
        "--plan", type=int, metavar="编号", help="同时列出该方案中识别为食安办的单位"
    )
    office.add_argument("--json", action="store_true", help="以 JSON 格式输出")
    add_db_option(office)
    office.set_defaults(handler=cmd_settings_office)
    _register_contact(settings_commands)
    _register_document(settings_commands)


def cmd_settings_office(args: argparse.Namespace) -> int:
    from foodsafety_desktop.core.services import settings
    from foodsafety_desktop.core.services.reporting_units import reporting_units
    from foodsafety_desktop.core.storage.database import current_user

    if args.name and args.auto:
        raise UserError("指定单位与 --auto 不能同时使用。")
    with open_db(args) as db, db.session() as session:
        user = current_user()
        if args.name or args.auto:
            settings.set_office_department(session, None if args.auto else args.name, user=user)
        if args.include or args.exclude:
            settings.set_office_reports(session, bool(args.include), user=user)
        chosen = settings.office_department(session)
        included = settings.office_reports(session)
        detected: list[str] | None = None
        if args.plan is not None:
            find_plan(session, args.plan)
            detected = [d.name for d in reporting_units(session, args.plan).offices]
    if args.json:
        data = {"office_department": chosen, "office_reports": included}
        if detected is not None:
            data["plan_offices"] = detected
        print_json(data)
        return 0
    print(f"食安办所在单位：{chosen or '按方案自动识别'}")
    print(f"食安办是否填报报送表：{'是' if included else '否'}")
    if detected is not None:
        print(f"方案 {args.plan} 中的食安办：{'、'.join(detected) if detected else '（无）'}")
    note(
        "食安办与其他单位一样生成报送表、接受催报、计入未报。"
        if included
        else "食安办不生成报送表、不催报、不计入未报；需要时用 --include 改为填报。"
    )
    return 0


# --- settings contact: the office's name, contact person, phone and e-mail ------------------

CONTACT_EPILOG = (
    "示例：\n"
    f"  {PROG} settings contact                              查看\n"
    f"  {PROG} settings contact --contact 张三 --phone 0398-7777777\n"
    f"  {PROG} settings contact --name 卢氏县食品安全委员会办公室\n"
    f'  {PROG} settings contact --name ""                   署名改回按方案的地区生成'
)


def _register_contact(settings_commands: argparse._SubParsersAction) -> None:
    contact = settings_commands.add_parser(
        "contact",
        help="查看或设置食安办的名称、联系人、联系电话和电子邮箱（署名、报送至）",
        description=(
            "报送表的“报送至”写明食安办的名称、联系人、联系电话和电子邮箱；工作总结、"
            "催报通知以食安办的名称署名。名称不设置时按方案的地区生成（如“卢氏县食品安全"
            '委员会办公室”）。给空字符串（""）清除一项。'
        ),
        epilog=CONTACT_EPILOG,
    )
    contact.add_argument("--name", metavar="名称", help="署名用的名称（不设置则按方案的地区）")
    contact.add_argument("--contact", metavar="联系人", help="联系人姓名")
    contact.add_argument("--phone", metavar="电话", help="联系电话，如 0398-7777777")
    contact.add_argument("--email", metavar="邮箱", help="接收报送表的电子邮箱")
    contact.add_argument(
        "--plan", type=int, metavar="编号", help="同时显示该方案的文件上写的名称和报送至"
    )
    contact.add_argument("--json", action="store_true", help="以 JSON 格式输出")
    add_db_option(contact)
    contact.set_defaults(handler=cmd_settings_contact)


def cmd_settings_contact(args: argparse.Namespace) -> int:
    from foodsafety_desktop.core.services import office
    from foodsafety_desktop.core.services.settings import (
        OFFICE_CONTACT,
        OFFICE_EMAIL,
        OFFICE_NAME,
        OFFICE_PHONE,
    )
    from foodsafety_desktop.core.storage.database import current_user

    given = {
        OFFICE_NAME: args.name,
        OFFICE_CONTACT: args.contact,
        OFFICE_PHONE: args.phone,
        OFFICE_EMAIL: args.email,
    }
    values = {key: value for key, value in given.items() if value is not None}
    with open_db(args) as db, db.session() as session:
        changed = office.set_office(session, values, user=current_user()) if values else []
        current = office.office_settings(session)
        named = None
        if args.plan is not None:
            named = office.office_for(session, find_plan(session, args.plan))
    if args.json:
        data: dict = {
            "name": current.name,
            "contact": current.contact,
            "phone": current.phone,
            "email": current.email,
        }
        if named is not None:
            data["plan_office"] = {"name": named.name, "send_to": named.send_to()}
        print_json(data)
    else:
        values_now = current.as_dict()
        for key, label, _limit in office.FIELDS:
            shown = values_now[key] or ("按方案的地区生成" if key == OFFICE_NAME else "（未填）")
            print(f"{label}：{shown}")
        if named is not None:
            print(f"方案 {args.plan} 的署名：{named.name}")
            print(f"方案 {args.plan} 的报送至：{named.send_to()}")
    if values:
        note(f"已修改：{'、'.join(changed)}。" if changed else "没有变化。")
    return 0


# --- settings document: what the 公文 remember (红头, 主送, 抄送, 签发人) --------------------

DOCUMENT_EPILOG = (
    "示例：\n"
    f"  {PROG} settings document                                   查看\n"
    f"  {PROG} settings document --letterhead 红头.docx             记住本单位的红头文件\n"
    f"  {PROG} settings document --issuer-mark 卢氏县食品安全委员会办公室\n"
    f"  {PROG} settings document --recipient 卢氏县人民政府 --copy-to 市食安办、县委办公室\n"
    f"  {PROG} settings document --no-letterhead                   不再使用红头文件"
)


def _register_document(settings_commands: argparse._SubParsersAction) -> None:
    document = settings_commands.add_parser(
        "document",
        help="查看或设置公文的红头、主送机关、抄送机关和签发人（工作总结的默认值）",
        description=(
            "工作总结按 GB/T 9704 排版：版头（红头、发文字号、签发人）、主送机关、版记（抄送机关、"
            "印发机关和印发日期）。这里设置的是每份文件的默认值，生成时可逐份修改。红头文件"
            "随数据库保存（服务器数据库保存在数据库中），各台电脑使用同一个红头。"
            '给空字符串（""）清除一项。'
        ),
        epilog=DOCUMENT_EPILOG,
    )
    document.add_argument(
        "--letterhead", metavar="红头.docx", help="本单位的红头文件（Word .docx），随数据库保存"
    )
    document.add_argument("--no-letterhead", action="store_true", help="不再使用红头文件")
    document.add_argument(
        "--issuer-mark", metavar="文字", help="发文机关标志：没有红头文件时按此文字生成红色版头"
    )
    document.add_argument(
        "--recipient", metavar="机关", help="工作总结（报告）的主送机关，默认为本地人民政府"
    )
    document.add_argument("--copy-to", metavar="机关", help="抄送机关，多个用顿号或逗号分隔")
    document.add_argument("--signed-by", metavar="姓名", help="上行文的签发人")
    document.add_argument("--json", action="store_true", help="以 JSON 格式输出")
    add_db_option(document)
    document.set_defaults(handler=cmd_settings_document)


def cmd_settings_document(args: argparse.Namespace) -> int:
    from foodsafety_desktop.core.services import documents
    from foodsafety_desktop.core.storage.database import current_user

    if args.letterhead and args.no_letterhead:
        raise UserError("--letterhead 与 --no-letterhead 不能同时使用。")
    given = {
        documents.REPORT_RECIPIENT: args.recipient,
        documents.COPY_TO: args.copy_to,
        documents.ISSUER_MARK: args.issuer_mark,
        documents.SIGNED_BY: args.signed_by,
    }
    values = {key: value for key, value in given.items() if value is not None}
    changed: list[str] = []
    with open_db(args) as db, db.session() as session:
        user = current_user()
        if values:
            changed += documents.set_document_settings(session, values, user=user)
        if args.letterhead:
            before = documents.document_settings(session).letterhead
            documents.keep_letterhead(session, args.letterhead, user=user)
            if documents.document_settings(session).letterhead != before:
                changed.append("红头文件")
        if args.no_letterhead and documents.forget_letterhead(session, user=user):
            changed.append("红头文件")
        current = documents.document_settings(session)
    if args.json:
        print_json(
            {
                "letterhead": current.letterhead_name,
                "issuer_mark": current.issuer_mark or None,
                "recipient": current.report_recipient or None,
                "copy_to": current.copy_to,
                "signed_by": current.signed_by or None,
            }
        )
    else:
        print(f"红头文件：{current.letterhead_name or '（未设置）'}")
        print(f"发文机关标志：{current.issuer_mark or '（未设置：不生成红头）'}")
        print(f"主送机关（报告）：{current.report_recipient or '本地人民政府（按方案的地区）'}")
        print(f"抄送机关：{'、'.join(current.copy_to) or '（无）'}")
        print(f"签发人：{current.signed_by or '（未填）'}")
    if values or args.letterhead or args.no_letterhead:
        note(f"已修改：{'、'.join(changed)}。" if changed else "没有变化。")
    return 0
