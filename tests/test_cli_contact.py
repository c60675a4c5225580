"""``settings contact``: the office's name, contact person, phone and e-mail on the command
line, and the templates and 工作总结 the other commands then write (seed 004: the place
营口市鲅鱼圈区 is written in the title only)."""

from __future__ import annotations

import json
from pathlib import Path

import docx
import openpyxl
from seeds import seed_path

from foodsafety_desktop.app import main
from foodsafety_desktop.core.excel import template_layout as layout
from foodsafety_desktop.core.word.official import STYLE_SIGNER

OFFICE = "营口市鲅鱼圈区食品安全委员会办公室"


def run(capsys, *args: str) -> tuple[int, str, str]:
    rc = main(list(args))
    out, err = capsys.readouterr()
    return rc, out, err


def test_contact_is_shown_set_and_cleared(tmp_path, capsys):
    db = ("--db", str(tmp_path / "cli.sqlite3"))
    rc, out, _err = run(capsys, *db, "plan", "import", str(seed_path("004")))
    assert rc == 0
    plan = out.strip()

    rc, out, _err = run(capsys, *db, "settings", "contact", "--plan", plan)
    assert rc == 0
    assert out.splitlines() == [
        "单位名称：按方案的地区生成",
        "联系人：（未填）",
        "联系电话：（未填）",
        "电子邮箱：（未填）",
        f"方案 {plan} 的署名：{OFFICE}",
        f"方案 {plan} 的报送至：{OFFICE}",
    ]

    rc, _out, err = run(
        capsys, *db, "settings", "contact", "--contact", "李四", "--phone", "0417-6251234"
    )
    assert rc == 0 and "已修改：联系人、联系电话。" in err
    rc, out, _err = run(capsys, *db, "settings", "contact", "--plan", plan, "--json")
    assert json.loads(out) == {
        "name": None,
        "contact": "李四",
        "phone": "0417-6251234",
        "email": None,
        "plan_office": {
            "name": OFFICE,
            "send_to": f"{OFFICE}（联系人：李四，联系电话：0417-6251234）",
        },
    }

    rc, _out, err = run(capsys, *db, "settings", "contact", "--email", "not-an-address")
    assert rc == 1 and "电子邮箱“not-an-address”的格式不对" in err
    rc, _out, err = run(capsys, *db, "settings", "contact", "--contact", "")
    assert rc == 0 and "已修改：联系人。" in err
    rc, out, _err = run(capsys, *db, "settings", "contact", "--json")
    assert json.loads(out)["contact"] is None


def test_templates_and_summary_on_the_command_line(tmp_path, capsys):
    db = ("--db", str(tmp_path / "cli.sqlite3"))
    rc, out, _err = run(capsys, *db, "plan", "import", str(seed_path("004")))
    plan = out.strip()
    assert (
        run(capsys, *db, "settings", "contact", "--contact", "李四", "--phone", "0417-6251234")[0]
        == 0
    )
    rc, _out, err = run(
        capsys,
        *db,
        "period",
        "add",
        "--plan",
        plan,
        "--name",
        "2020年第三季度",
        "--due",
        "2020-10-10",
    )
    assert rc == 0, err
    rc, out, err = run(
        capsys,
        *db,
        "templates",
        "--plan",
        plan,
        "--period",
        "2020年第三季度",
        "-o",
        str(tmp_path / "t"),
    )
    assert rc == 0, err
    first = Path(out.splitlines()[0])
    wb = openpyxl.load_workbook(first)
    try:
        report = wb[layout.REPORT_SHEET]
        assert report[layout.TITLE_CELL].value == (
            "《2020年营口市鲅鱼圈区食品安全重点工作安排暨食品安全建设年工作方案》"
            "2020年第三季度落实情况报送表"
        )
        hint = report[f"A{layout.HINT_ROW}"].value
        assert f"报送至：{OFFICE}（联系人：李四，联系电话：0417-6251234）" in hint
    finally:
        wb.close()

    rc, out, err = run(
        capsys,
        *db,
        "summary",
        "--plan",
        plan,
        "--period",
        "2020年第三季度",
        "-o",
        str(tmp_path / "总结.docx"),
    )
    assert rc == 0, err
    document = docx.Document(str(tmp_path / "总结.docx"))
    (signer,) = [p.text.strip() for p in document.paragraphs if p.style.name == STYLE_SIGNER]
    assert signer == OFFICE
    assert document.paragraphs[0].text.replace("\n", "") == (
        "营口市鲅鱼圈区2020年第三季度食品安全工作总结"
    )
