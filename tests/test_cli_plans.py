"""``plan import`` of a plan already imported (``--update`` / ``--new``), ``plan list``
with 文号, date and task count (``--all``, ``--json``), ``plan archive`` / ``restore``
and ``plan delete`` (``--yes``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from core.plan_versions import revised_version
from seeds import seed_path

from foodsafety_desktop.app import main
from foodsafety_desktop.core.services import undo
from foodsafety_desktop.core.storage.backup import parse_backup_name
from foodsafety_desktop.core.storage.database import open_database

SEED = seed_path("002")
TITLE = "卢氏县深化食品安全放心工程建设攻坚行动工作方案（2022—2024年）"
ROW = f"{TITLE}\t卢政办〔2022〕21号\t2022年5月19日"


@pytest.fixture
def run(tmp_path, capsys):
    db = tmp_path / "office.sqlite3"

    def run(*args: str) -> tuple[int, str, str]:
        try:
            code = main(["--db", str(db), *args])
        except SystemExit as exit_:  # argparse refuses the options
            code = exit_.code
        out, err = capsys.readouterr()
        return code, out, err

    run.db = db
    return run


def test_importing_the_same_plan_again_asks_for_update_or_new(run, tmp_path):
    assert run("plan", "import", str(SEED))[:2] == (0, "1\n")
    code, out, err = run("plan", "import", str(SEED))
    assert code == 1 and out == ""
    assert f"该方案已导入过（方案编号 1：《{TITLE}》）" in err
    assert f"plan import {SEED} --update 1" in err and f"plan import {SEED} --new" in err

    revised = revised_version(tmp_path / "修订版.docx")
    code, out, err = run("plan", "import", str(revised))
    assert code == 1 and "已导入的方案中已有这份方案：方案编号 1：" in err
    assert "标题和文号相同" in err
    code, out, err = run("plan", "import", str(revised), "--update", "1")
    assert (code, out) == (0, "1\n"), err
    lines = err.splitlines()
    assert lines[0] == (
        f"更新方案（编号 1）《{TITLE}》：新增 1 项任务，删除 2 项任务，内容有修改 1 项，"
        "责任单位有变化 1 项。"
    )
    assert lines[1:3] == [
        "新增任务（1）：",
        "  三、（十三）实施餐饮外卖专项治理行动（牵头：县市场监管局）",
    ]
    assert "  三、（三）实施农药兽药使用减量行动：责任单位 各乡镇政府 → 县市场监管局" in lines
    assert lines[-1].startswith("更新前已备份：office-") and lines[-1].endswith(
        "-plan-update.sqlite3"
    )

    assert run("plan", "import", str(SEED), "--new")[:2] == (0, "2\n")
    code, out, _ = run("plan", "list")
    assert code == 0
    assert out.splitlines() == [
        "编号\t方案名称\t文号\t成文日期\t任务数",
        f"1\t{ROW}\t11",
        f"2\t{ROW}\t12",
    ]
    code, _, err = run("plan", "import", str(SEED), "--update", "1", "--new")
    assert code == 2 and "参数 --new 不能与 --update 同时使用" in err


def test_archive_restore_delete_and_json(run):
    run("plan", "import", str(SEED))
    run("plan", "import", str(seed_path("001")))
    code, out, err = run("plan", "archive", "1", "--json")
    assert code == 0 and json.loads(out)["archived"] is True
    assert "已归档方案《" in err and "plan restore 1" in err
    assert [line.split("\t")[0] for line in run("plan", "list")[1].splitlines()] == ["编号", "2"]
    code, out, _ = run("plan", "list", "--all")
    assert out.splitlines()[0] == "编号\t方案名称\t文号\t成文日期\t任务数\t状态"
    assert out.splitlines()[1] == f"1\t{ROW}\t12\t已归档"
    assert out.splitlines()[2].startswith("2\t") and out.splitlines()[2].endswith("\t使用中")
    listed = json.loads(run("plan", "list", "--all", "--json")[1])
    assert (listed[0]["id"], listed[0]["archived"], listed[0]["task_count"]) == (1, True, 12)
    assert (
        listed[0]["issued_on"] == "2022-05-19" and listed[0]["doc_number"] == "卢政办〔2022〕21号"
    )
    assert run("plan", "restore", "1")[0] == 0
    assert len(json.loads(run("plan", "list", "--json")[1])) == 2

    code, out, err = run("plan", "delete", "1")
    assert code == 1 and out == ""
    assert f"删除方案《{TITLE}》将同时删除其 12 项任务。" in err and "plan delete 1 --yes" in err
    code, out, err = run("plan", "delete", "1", "--yes", "--json")
    assert code == 0, err
    deleted = json.loads(out)
    assert (deleted["id"], deleted["tasks"], deleted["submissions"]) == (1, 12, 0)
    assert parse_backup_name(Path(deleted["backup"])).reason == "plan-delete"
    assert "可在软件中“台账 → 撤销”恢复" in err
    assert [p["id"] for p in json.loads(run("plan", "list", "--all", "--json")[1])] == [2]
    db = open_database(run.db)  # what the GUI's 撤销 then offers
    try:
        with db.session() as s:
            assert undo.last_undoable(s).description == f"删除方案《{TITLE}》"
    finally:
        db.close()
    code, _, err = run("plan", "delete", "7", "--yes")
    assert code == 1 and "未找到该工作方案（编号 7）" in err


def test_update_refuses_a_plan_the_file_is_not_a_version_of(run):
    """A mistyped number: seed 001 must not be turned into seed 002 with its reports."""
    assert run("plan", "import", str(seed_path("001")))[:2] == (0, "1\n")
    code, out, err = run("plan", "import", str(SEED), "--update", "1")
    assert code == 1 and out == ""
    assert "不是同一方案" in err and "数据库中没有与它相同的方案" in err and "--new" in err
    code, out, _ = run("plan", "list")
    assert code == 0 and len(out.splitlines()) == 2 and "红旗区" in out  # unchanged
