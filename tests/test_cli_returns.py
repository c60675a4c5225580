"""``return``: a collected workbook returned with comments from the command line, the
package written, the state in ``status``, the corrected file collected; withdrawal."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
from core.collect_fixtures import Q3, fill
from docx import Document
from seeds import seed_path

from foodsafety_desktop.app import main
from foodsafety_desktop.core.excel import template_layout as layout

ROOT = Path(__file__).resolve().parents[1]
MARKET = "县市场监管局"


def run(capsys, *args: str) -> tuple[int, str, str]:
    rc = main(list(args))
    out, err = capsys.readouterr()
    return rc, out, err


def status_of(capsys, db, plan) -> dict:
    rc, out, err = run(capsys, *db, "status", "--plan", plan, "--period", Q3, "--json",
                       "--today", "2022-10-01")  # fmt: skip
    assert rc == 0, err
    return next(d for d in json.loads(out)["departments"] if d["department"] == MARKET)


def test_return_from_the_command_line(tmp_path, capsys):
    db_path = tmp_path / "cli.sqlite3"
    db = ("--db", str(db_path))
    rc, out, err = run(capsys, *db, "plan", "import", str(seed_path("002")))
    assert rc == 0, err
    plan = out.strip()
    assert run(capsys, *db, "period", "create", "--plan", plan)[0] == 0
    rc, _out, err = run(
        capsys, *db, "templates", "--plan", plan, "--period", Q3, "-o", str(tmp_path / "t")
    )
    assert rc == 0, err
    template = next((tmp_path / "t").glob(f"*{MARKET}*.xlsx"))
    filled = fill(template, tmp_path / "back" / "a.xlsx")
    rc, _out, err = run(capsys, *db, "collect", str(filled), "--received", "2022-09-20")
    assert rc == 0, err
    sub_id = status_of(capsys, db, plan)["submission_id"]

    rc, out, err = run(capsys, *db, "return", str(sub_id), "--rows", "--json")
    assert rc == 0, err
    rows = json.loads(out)["rows"]
    first, third = rows[0], rows[2]
    assert (first["row"], first["status"], first["comment"]) == (
        layout.FIRST_DATA_ROW,
        "序时推进",
        "",
    )

    # Bad input: a message, exit 1, nothing returned.
    rc, _out, err = run(capsys, *db, "return", str(sub_id), "--row", "abc")
    assert rc == 1 and "序号:退回意见" in err
    rc, _out, err = run(capsys, *db, "return", str(sub_id), "--note", "x", "--row", "99:请核实")
    assert rc == 1 and "没有序号为“99”的行" in err and "#任务编号" in err
    rc, _out, err = run(capsys, *db, "return", str(sub_id))
    assert rc == 1 and "请填写退回说明" in err
    rc, _out, err = run(capsys, *db, "return", "--plan", plan, "--period", Q3)
    assert rc == 1 and "--unit" in err
    assert status_of(capsys, db, plan)["state"] == "已报"

    folder = tmp_path / "退回"
    rc, out, err = run(
        capsys, *db, "return", "--plan", plan, "--period", Q3, "--unit", MARKET,
        "--note", "部分内容过于简略。",
        "--row", f"{first['seq']}:请补充检查户次。",  # the 序号 the unit's sheet shows
        "--row", f"#{third['task_id']}：请核实完成情况。",  # or the task by its number
        "-o", str(folder), "--json", "--today", "2022-10-01",
    )  # fmt: skip
    assert rc == 0, err
    data = json.loads(out)
    assert (data["submission_id"], data["updated"]) == (sub_id, False)
    assert [(r["row"], r["comment"]) for r in data["rows"]] == [
        (first["row"], "请补充检查户次。"),
        (third["row"], "请核实完成情况。"),
    ]
    notice, prefilled = Path(data["notice"]), Path(data["template"])
    assert notice.parent == folder and prefilled.parent == folder
    table = Document(str(notice)).tables[0]
    assert [row.cells[2].text for row in table.rows[1:]] == ["请补充检查户次。", "请核实完成情况。"]
    assert status_of(capsys, db, plan)["state"] == "退回修改"
    rc, out, err = run(capsys, *db, "status", "--plan", plan, "--period", Q3, "--reminder",
                       "--today", "2022-10-01")  # fmt: skip
    assert rc == 0 and f"报送表已退回修改：{MARKET}" in out
    rc, out, err = run(capsys, *db, "status", "--plan", plan, "--period", Q3,
                       "--today", "2022-10-01")  # fmt: skip
    assert f"{MARKET}\t退回修改\t2022-09-20\t" in out and "部分报送 0，退回修改 1，未报" in out

    # The unit corrects the prefilled template; collecting it ends the return.
    wb = openpyxl.load_workbook(prefilled)
    assert wb[layout.REPORT_SHEET][layout.cell("measures", first["row"])].value
    wb[layout.REPORT_SHEET][layout.cell("measures", first["row"])] = "检查320户次。"
    corrected = tmp_path / "back" / "更正.xlsx"
    wb.save(corrected)
    rc, out, err = run(capsys, *db, "collect", str(corrected), "--received", "2022-09-24")
    assert rc == 0, err
    cell = status_of(capsys, db, plan)
    assert cell["state"] == "已报" and cell["submission_id"] != sub_id
    assert cell["submission_count"] == 2
    rc, out, err = run(capsys, *db, "return", "--withdraw", str(sub_id))
    assert rc == 1 and "退回已经结束" in err


def test_withdraw_by_subprocess(tmp_path):
    """``python -m foodsafety_desktop return …`` as a clerk's script runs it."""
    data, db_path = tmp_path / "data", tmp_path / "cli.sqlite3"
    env = {**os.environ, "FOODSAFETY_DATA_DIR": str(data)}

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [sys.executable, "-m", "foodsafety_desktop", "--db", str(db_path), *args],
            capture_output=True,
            env=env,
            cwd=ROOT,
            timeout=120,
        )
        return subprocess.CompletedProcess(
            done.args, done.returncode, done.stdout.decode(), done.stderr.decode()
        )

    plan = cli("plan", "import", str(seed_path("002"))).stdout.strip()
    assert cli("period", "create", "--plan", plan).returncode == 0
    assert (
        cli("templates", "--plan", plan, "--period", Q3, "-o", str(tmp_path / "t")).returncode == 0
    )
    template = next((tmp_path / "t").glob(f"*{MARKET}*.xlsx"))
    collected = cli("collect", str(fill(template, tmp_path / "a.xlsx")), "--received", "2022-09-20")
    assert collected.returncode == 0, collected.stderr
    returned = cli("return", "--plan", plan, "--period", Q3, "--unit", MARKET, "--note", "请补充。")
    assert returned.returncode == 0, returned.stderr
    assert returned.stdout.startswith(f"已退回修改：{MARKET} {Q3}（报送编号 ")
    assert "-o 文件夹" in returned.stderr
    sub_id = returned.stdout.split("报送编号 ")[1].split("）")[0]
    withdrawn = cli("return", "--withdraw", sub_id)
    assert withdrawn.returncode == 0, withdrawn.stderr
    assert withdrawn.stdout.strip() == f"已撤销退回：{MARKET} {Q3}（报送编号 {sub_id}）"
    status = cli("status", "--plan", plan, "--period", Q3, "--json", "--today", "2022-10-01")
    state = next(d for d in json.loads(status.stdout)["departments"] if d["department"] == MARKET)
    assert state["state"] == "已报"
    again = cli("return", "--withdraw", sub_id)
    assert again.returncode == 1 and "未被退回" in again.stderr and "Traceback" not in again.stderr
