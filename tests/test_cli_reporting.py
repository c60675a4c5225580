"""The reporting commands (period, templates, collect, status) on seed 002.

The first test runs ``python -m foodsafety_desktop`` in a subprocess (what a clerk's
script does); the others call ``app.main`` in-process, which is much faster.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest
from core.collect_fixtures import Q2, Q3, fill
from seeds import seed_path

from foodsafety_desktop.app import main
from foodsafety_desktop.core.excel.identity import IDENTITY_SHEET
from foodsafety_desktop.core.excel.template_layout import DEPARTMENT_CELL, FILLED_ON_CELL
from foodsafety_desktop.core.services.collect import SIGNATURE_FAILED
from foodsafety_desktop.core.services.periods import find_period
from foodsafety_desktop.core.services.templates import template_departments, template_filename
from foodsafety_desktop.core.storage.database import open_database
from foodsafety_desktop.core.storage.models import Submission

ROOT = Path(__file__).resolve().parents[1]
SEED = seed_path("002")
POLICE, TRADE, FARM, HEALTH = "县公安局", "县商务局", "县农业农村局", "县卫健委"


def cli(*args: str, data: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "FOODSAFETY_DATA_DIR": str(data)}
    env.pop("PYTHONIOENCODING", None)
    done = subprocess.run(
        [sys.executable, "-m", "foodsafety_desktop", *args],
        capture_output=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )
    return subprocess.CompletedProcess(
        done.args, done.returncode, done.stdout.decode("utf-8"), done.stderr.decode("utf-8")
    )


def expected_templates(db_path: Path, plan_id: int, period: str) -> list[str]:
    """File names of the period's templates, one per department, as the core names them."""
    db = open_database(db_path)
    try:
        with db.session() as s:
            p = find_period(s, plan_id, period)
            return [template_filename(p, d) for d in template_departments(s, plan_id)]
    finally:
        db.close()


def test_periods_and_templates_by_subprocess(tmp_path):
    data, db_path = tmp_path / "data", tmp_path / "cli.sqlite3"
    db = ("--db", str(db_path))
    done = cli(*db, "plan", "import", str(SEED), data=data)
    assert done.returncode == 0, done.stderr
    plan = done.stdout.strip()

    listed = cli(*db, "period", "list", "--plan", plan, data=data)
    assert listed.returncode == 0 and listed.stdout == ""
    assert f"period create --plan {plan}" in listed.stderr
    status = cli(*db, "status", "--plan", plan, "--period", Q3, data=data)
    assert status.returncode == 1 and "还没有报送期次" in status.stderr
    assert f"period create --plan {plan}" in status.stderr and "Traceback" not in status.stderr

    created = cli(*db, "period", "create", "--plan", plan, data=data)
    assert created.returncode == 0, created.stderr
    assert "已生成报送期次 12 个" in created.stderr
    # Long past its due date + the grace (30 days by default): closed by itself.
    assert f"\t{Q3}\t季度\t2022-09-25\t已关闭\t0" in created.stdout
    again = cli(*db, "period", "create", "--plan", plan, data=data)
    assert again.returncode == 0 and "没有新生成" in again.stderr

    listed = cli(*db, "period", "list", "--plan", plan, "--json", data=data)
    assert listed.returncode == 0, listed.stderr
    periods = json.loads(listed.stdout)
    assert len(periods) == 12
    by_name = {p["name"]: p for p in periods}
    assert [p["name"] for p in periods[:4]] == [
        "专项：方案制定情况",
        Q2,
        Q3,
        "2022年度",
    ]
    assert by_name[Q3] | {"id": None} == {
        "id": None,
        "name": Q3,
        "kind": "quarter",
        "kind_label": "季度",
        "year": 2022,
        "due_date": "2022-09-25",
        "start_date": "2022-07-01",
        "end_date": "2022-09-30",
        "open": False,
        "closes_on": "2022-10-25",
        "closed_by_hand": False,
        "submissions": 0,
    }
    assert (by_name["2022年度"]["kind"], by_name["2022年度"]["due_date"]) == ("year", "2022-11-30")
    assert by_name["2024年度"]["due_date"] == "2024-11-30"

    out = tmp_path / "报送表"
    # The period as a clerk might type it (第3季度) is found too.
    made = cli(
        *db,
        "templates",
        "--plan",
        plan,
        "--period",
        "2022年第3季度",
        "-o",
        str(out),
        "--zip",
        data=data,
    )
    assert made.returncode == 0, made.stderr
    expected = expected_templates(db_path, int(plan), Q3)
    # 15: 各乡镇政府 has no members, so it gets no template (and is named in a warning).
    assert len(expected) == 15 and f"{Q3}-{POLICE}-报送表.xlsx" in expected
    printed = [Path(line) for line in made.stdout.splitlines()]
    zip_path = out / f"{Q3}-报送表.zip"
    assert printed == [out / name for name in expected] + [zip_path]
    assert sorted(p.name for p in out.glob("*.xlsx")) == sorted(expected)
    assert sorted(zipfile.ZipFile(zip_path).namelist()) == sorted(expected)
    assert "报送表 15 份" in made.stderr
    assert "注意：单位组“各乡镇政府”承担7项任务，还没有指定成员单位" in made.stderr
    wb = openpyxl.load_workbook(out / f"{Q3}-{POLICE}-报送表.xlsx")
    assert wb["报送表"][DEPARTMENT_CELL].value == f"填报单位：{POLICE}"


# --- in-process -----------------------------------------------------------------------


def run(capsys, *args: str) -> tuple[int, str, str]:
    rc = main(list(args))
    out, err = capsys.readouterr()
    return rc, out, err


@pytest.fixture
def q3(tmp_path, capsys):
    """Seed 002 imported with its periods; Q3 and Q2 templates of every department."""
    db_path = tmp_path / "cli.sqlite3"
    db = ("--db", str(db_path))
    rc, out, err = run(capsys, *db, "plan", "import", str(SEED))
    assert rc == 0, err
    plan = out.strip()
    assert run(capsys, *db, "period", "create", "--plan", plan)[0] == 0
    folders = {}
    for period, folder in ((Q3, "q3"), (Q2, "q2")):
        rc, out, err = run(
            capsys,
            *db,
            "templates",
            "--plan",
            plan,
            "--period",
            period,
            "-o",
            str(tmp_path / folder),
        )
        assert rc == 0, err
        folders[period] = {Path(p).name.split("-")[1]: Path(p) for p in out.splitlines()}
    return db, plan, folders[Q3], folders[Q2], tmp_path / "returned"


def status(capsys, db, plan, today: str, *extra: str) -> dict:
    rc, out, err = run(
        capsys, *db, "status", "--plan", plan, "--period", Q3, "--today", today, "--json", *extra
    )
    assert rc == 0, err
    return json.loads(out)


def test_collect_and_status(q3, capsys):
    db, plan, templates, q2_templates, out = q3
    police = fill(templates[POLICE], out / "公安.xlsx", status="已完成")
    trade = fill(templates[TRADE], out / "商务.xlsx")

    # Received on time, both complete: exit 0, one line per file.
    rc, stdout, err = run(
        capsys, *db, "collect", str(police), str(trade), "--received", "2022-09-20"
    )
    assert rc == 0, stdout + err
    lines = stdout.splitlines()
    assert lines == [
        f"已导入\t公安.xlsx\t{POLICE}\t{Q3}\t新增 5 行，变化 0 行，未变 0 行",
        f"已导入\t商务.xlsx\t{TRADE}\t{Q3}\t新增 6 行，变化 0 行，未变 0 行",
    ]
    assert "已导入 2 个，未导入 0 个" in err

    # A tampered file, a file of the wrong period and a repeated file, as JSON Lines.
    tampered = fill(templates["县民政局"], out / "民政.xlsx")
    wb = openpyxl.load_workbook(tampered)
    for key, value in wb[IDENTITY_SHEET].iter_rows(max_col=2):
        if key.value == "department_name":
            value.value = FARM  # claims to come from another department
    wb.save(tampered)
    wrong = fill(q2_templates[FARM], out / "农业-二季度.xlsx")
    rc, stdout, err = run(
        capsys, *db, "collect", str(out), "--plan", plan, "--period", Q3, "--json"
    )
    assert rc == 1
    results = {Path(r["file"]).name: r for r in map(json.loads, stdout.splitlines())}
    assert set(results) == {"公安.xlsx", "商务.xlsx", "民政.xlsx", "农业-二季度.xlsx"}
    assert not any(r["accepted"] for r in results.values())
    # 公安 and 商务 were imported above: skipped, not failures
    assert {n for n, r in results.items() if r["already_imported"]} == {"公安.xlsx", "商务.xlsx"}
    assert {n: r["status"] for n, r in results.items()} == {
        "公安.xlsx": "skipped",
        "商务.xlsx": "skipped",
        "民政.xlsx": "rejected",
        "农业-二季度.xlsx": "rejected",
    }
    bad = results["民政.xlsx"]
    assert bad["department"] == FARM  # what the file claims
    assert bad["errors"] == [
        {
            "level": "error",
            "message": SIGNATURE_FAILED,
            "sheet": IDENTITY_SHEET,
            "cell": None,
            "text": f"工作表“{IDENTITY_SHEET}”：{SIGNATURE_FAILED}",
        }
    ]
    assert any("报送期次不符" in e["message"] for e in results["农业-二季度.xlsx"]["errors"])
    assert results["公安.xlsx"]["errors"] == []  # skipped, not failed: the line is a note
    [duplicate] = results["公安.xlsx"]["notes"]
    assert "导入过" in duplicate["text"] and duplicate["level"] == "info"
    # the import's own time in local time, not the --received date (2022-09-20 noon)
    assert "2022-09-20 12:00" not in duplicate["text"]
    assert set(results["商务.xlsx"]) >= {"file", "accepted", "department", "period", "errors"}
    assert wrong.exists() and "已导入 0 个，已导入过（跳过）2 个，未导入 2 个" in err

    # Before the due date the others are 待报; after it 未报.
    before = status(capsys, db, plan, "2022-09-21")
    states = {d["department"]: d["state"] for d in before["departments"]}
    assert states[POLICE] == states[TRADE] == "已报"
    assert {s for n, s in states.items() if n not in (POLICE, TRADE)} == {"待报"}
    assert before["counts"] == {"已报": 2, "逾期报送": 0, "部分报送": 0, "未报": 0, "待报": 13}
    after = status(capsys, db, plan, "2022-10-01")
    rows = {d["department"]: d for d in after["departments"]}
    assert [d["department"] for d in after["departments"]] == list(templates)
    assert rows[POLICE] | {"department_id": 0, "submission_id": 0, "received_at": ""} == {
        "department_id": 0,
        "department": POLICE,
        "state": "已报",
        "received_on": "2022-09-20",
        "received_at": "",
        "late": False,
        "answered_rows": 5,
        "expected_rows": 5,
        "submission_id": 0,
        "submission_count": 1,
    }
    assert rows[FARM]["state"] == "未报" and rows[FARM]["received_on"] is None
    assert after["counts"]["未报"] == 13 and after["due_date"] == "2022-09-25"
    assert after["warnings"][0].startswith("单位组“各乡镇政府”承担7项任务")

    # 催报: the text names who is missing, not who reported.
    rc, text, err = run(
        capsys, *db, "status", "--plan", plan, "--period", Q3, "--today", "2022-10-01", "--reminder"
    )
    assert rc == 0, err
    assert FARM in text and HEALTH in text and POLICE not in text and TRADE not in text
    assert "已逾期6天" in text and "13个单位尚未报送" in text and "各乡镇政府" not in text
    assert "未报 13" in err
    assert FARM in status(capsys, db, plan, "2022-10-01", "--reminder")["reminder"]


def test_collecting_a_folder_again_skips_what_was_imported(q3, capsys):
    """Re-running ``collect`` on the same folder: the files imported before, unchanged,
    are 已导入过，跳过 and the exit code is 0; a new file in the folder is imported."""
    db, _, templates, _, _ = q3
    folder = templates[POLICE].parent.parent / "收回"
    folder.mkdir()
    fill(templates[POLICE], folder / "公安.xlsx", status="已完成")
    fill(templates[TRADE], folder / "商务.xlsx")
    rc, _, err = run(capsys, *db, "collect", str(folder), "--received", "2022-09-20")
    assert rc == 0, err
    from foodsafety_desktop.core.storage.backup import list_backups

    # One backup for the batch of two files, not one per file.
    backups = Path(db[1]).parent / "backups"  # beside the ledger
    assert [b.reason for b in list_backups(backups, stem="cli")].count("submissions") == 1

    rc, stdout, err = run(capsys, *db, "collect", str(folder))
    assert rc == 0, stdout + err
    lines = stdout.splitlines()
    verdicts = [line.split("\t")[:2] for line in lines if not line.startswith(" ")]
    assert verdicts == [["已导入过，跳过", "公安.xlsx"], ["已导入过，跳过", "商务.xlsx"]]
    assert all("导入过" in line for line in lines if line.startswith(" "))
    assert not any("错误：" in line for line in lines)
    assert "已导入 0 个，已导入过（跳过）2 个，未导入 0 个" in err

    fill(templates[FARM], folder / "农业.xlsx")
    rc, stdout, err = run(capsys, *db, "collect", str(folder), "--json")
    assert rc == 0, stdout + err
    results = {Path(r["file"]).name: r for r in map(json.loads, stdout.splitlines())}
    assert {n: (r["status"], r["already_imported"], r["accepted"]) for n, r in results.items()} == {
        "公安.xlsx": ("skipped", True, False),
        "商务.xlsx": ("skipped", True, False),
        "农业.xlsx": ("imported", False, True),
    }
    assert "已导入 1 个，已导入过（跳过）2 个，未导入 0 个" in err


def test_partial_late_and_table(q3, capsys):
    db, plan, templates, _, out = q3
    partial = fill(templates[HEALTH], out / "卫健-部分.xlsx", only=1)
    rc, stdout, _ = run(capsys, *db, "collect", str(partial), "--received", "2022-09-22")
    assert rc == 1  # warnings (rows left empty) need --accept-warnings
    assert stdout.startswith(f"未导入\t卫健-部分.xlsx\t{HEALTH}\t{Q3}\n")
    assert "    警告：" in stdout and "接受警告" in stdout
    rc, stdout, _ = run(
        capsys, *db, "collect", str(partial), "--received", "2022-09-22", "--accept-warnings"
    )
    assert rc == 0 and stdout.startswith("已导入")
    # Saved today, 填报日期 three days after the deadline: received then, so late.
    late = fill(templates[FARM], out / "农业.xlsx", edits={FILLED_ON_CELL: "2022年9月28日"})
    assert run(capsys, *db, "collect", str(late))[0] == 0

    rc, table, err = run(
        capsys, *db, "status", "--plan", plan, "--period", Q3, "--today", "2022-10-01"
    )
    assert rc == 0, err
    lines = table.splitlines()
    assert lines[0] == f"{Q3}（截止日期 2022-09-25，进行中）"
    assert f"{HEALTH}\t部分报送\t2022-09-22\t1/4" in lines
    assert any(line.startswith(f"{FARM}\t逾期报送\t") and line.endswith("\t5/5") for line in lines)
    assert "县发改委\t未报\t—\t—/3" in lines
    assert lines[-1] == "合计：已报 0，逾期报送 1，部分报送 1，未报 13，待报 0"

    rc, stdout, _ = run(capsys, *db, "period", "list", "--plan", plan)
    assert f"\t{Q3}\t季度\t2022-09-25\t已关闭\t2" in stdout  # closed, and took a late file

    database = open_database(Path(db[1]))
    try:
        with database.session() as s:
            assert s.query(Submission).count() == 2
    finally:
        database.close()


def test_collect_usage_errors(q3, capsys, tmp_path):
    db, plan, templates, _, _ = q3
    rc, _, err = run(capsys, *db, "collect", str(templates[POLICE]), "--period", Q3)
    assert rc == 1 and "还需用 --plan" in err
    empty = tmp_path / "空文件夹"
    empty.mkdir()
    rc, _, err = run(capsys, *db, "collect", str(empty))
    assert rc == 1 and "没有 Excel 报送表" in err
    rc, stdout, err = run(capsys, *db, "collect", str(tmp_path / "没有.xlsx"), "--json")
    missing = json.loads(stdout)
    assert rc == 1 and not missing["accepted"]
    [error] = missing["errors"]
    assert error["level"] == "error" and error["message"].startswith("找不到该文件")
    assert error["text"] == f"文件“没有.xlsx”：{error['message']}"
    assert error["sheet"] is None and error["cell"] is None
    rc, _, err = run(capsys, *db, "status", "--plan", plan, "--period", "2030年度")
    assert rc == 1 and "该方案的报送期次有：" in err
    rc, _, err = run(capsys, *db, "status", "--plan", "99", "--period", Q3)
    assert rc == 1 and "未找到该工作方案" in err
    with pytest.raises(SystemExit) as exc:
        main([*db, "collect", str(templates[POLICE]), "--received", "9月20日"])
    assert exc.value.code == 2 and "应为日期" in capsys.readouterr().err


def test_reporting_commands_do_not_import_qt(tmp_path):
    code = (
        "import sys\n"
        "from foodsafety_desktop.app import main\n"
        f"db = {str(tmp_path / 'x.sqlite3')!r}\n"
        "codes = [main(['--db', db, 'period', 'list', '--plan', '1']),\n"
        "         main(['--db', db, 'status', '--plan', '1', '--period', '1'])]\n"
        "qt = any(m.split('.')[0] in ('PySide6', 'shiboken6') for m in sys.modules)\n"
        "print('QT', qt, codes)\n"
    )
    env = {**os.environ, "FOODSAFETY_DATA_DIR": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr.decode("utf-8")
    assert "QT False [1, 1]" in done.stdout.decode("utf-8")
