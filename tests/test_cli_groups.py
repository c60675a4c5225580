"""``department groups / members`` and ``settings office`` on the seeds (issue 12, item 3):
a group's members get its templates, the office none, the 催报 names real departments."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from seeds import seed_path

from foodsafety_desktop.app import main

Q3 = "2022年第三季度"
TOWNSHIPS = "各乡镇政府"


def run(capsys, *args: str) -> tuple[int, str, str]:
    rc = main(list(args))
    out, err = capsys.readouterr()
    return rc, out, err


@pytest.fixture
def seed_002(tmp_path, capsys):
    db = ("--db", str(tmp_path / "cli.sqlite3"))
    rc, out, err = run(capsys, *db, "plan", "import", str(seed_path("002")))
    assert rc == 0, err
    plan = out.strip()
    assert run(capsys, *db, "period", "create", "--plan", plan)[0] == 0
    return db, plan


def templates(capsys, db, plan: str, folder: Path) -> tuple[list[str], str]:
    rc, out, err = run(capsys, *db, "templates", "--plan", plan, "--period", Q3, "-o", str(folder))
    assert rc == 0, err
    return [Path(line).name.split("-")[1] for line in out.splitlines()], err


def test_group_members_on_the_command_line(seed_002, capsys, tmp_path):
    db, plan = seed_002
    rc, out, err = run(capsys, *db, "department", "groups", "--plan", plan)
    assert rc == 0, err
    assert out.splitlines()[1].split("\t")[1:] == [TOWNSHIPS, "7", "（未指定）"]
    assert f"单位组“{TOWNSHIPS}”承担7项任务，还没有指定成员单位" in err

    before, err = templates(capsys, db, plan, tmp_path / "before")
    assert len(before) == 15 and TOWNSHIPS not in before
    assert f"注意：单位组“{TOWNSHIPS}”承担7项任务" in err

    rc, out, err = run(capsys, *db, "department", "members", TOWNSHIPS, "--add", "城关镇")
    assert rc == 1 and "没有名为“城关镇”的单位；请核对名称，或加 --create 新增这些单位。" in err
    rc, out, err = run(
        capsys, *db, "department", "members", TOWNSHIPS, "--add", "城关镇", "东明镇", "--create"
    )
    assert rc == 0, err
    assert out.splitlines() == ["城关镇", "东明镇"]
    assert "已新增单位“城关镇”。" in err and "有成员单位 2 个" in err
    rc, out, err = run(capsys, *db, "department", "members", TOWNSHIPS, "--json")
    assert json.loads(out)["members"] == ["城关镇", "东明镇"]

    after, err = templates(capsys, db, plan, tmp_path / "after")
    assert len(after) == 17 and TOWNSHIPS not in after
    assert {"城关镇", "东明镇"} <= set(after) and "单位组" not in err

    rc, out, err = run(
        capsys, *db, "status", "--plan", plan, "--period", Q3, "--reminder", "--today", "2022-10-01"
    )
    assert rc == 0, err
    assert "以下17个单位尚未报送" in out and "城关镇" in out and TOWNSHIPS not in out

    rc, out, err = run(capsys, *db, "department", "members", TOWNSHIPS, "--remove", "东明镇")
    assert rc == 0 and out.splitlines() == ["城关镇"]
    rc, out, err = run(capsys, *db, "department", "members", "县商务局", "--add", "城关镇")
    assert rc == 1 and "“县商务局”不是单位组" in err


def test_proposals_on_the_command_line(tmp_path, capsys):
    db = ("--db", str(tmp_path / "cli.sqlite3"))
    rc, out, err = run(capsys, *db, "plan", "import", str(seed_path("001")))
    assert rc == 0, err
    group = "区食安委各成员单位"
    rc, out, err = run(capsys, *db, "department", "members", group, "--propose", "--json")
    assert rc == 0, err
    proposals = json.loads(out)
    assert proposals[0] == {
        "name": "区农业农村局",
        "department_id": proposals[0]["department_id"],
        "reason": "本方案的单位",
    }
    assert not {"区食安办", "区政府食安办"} & {p["name"] for p in proposals}
    rc, out, err = run(capsys, *db, "department", "members", group, "--accept-proposals")
    assert rc == 0, err
    assert out.splitlines() == [p["name"] for p in proposals]
    rc, out, err = run(capsys, *db, "department", "members", group, "--propose")
    assert rc == 0 and out == "" and "建议“区食安委各成员单位”的成员单位 0 个" in err


def test_settings_office(tmp_path, capsys):
    db = ("--db", str(tmp_path / "cli.sqlite3"))
    rc, out, err = run(capsys, *db, "plan", "import", str(seed_path("001")))
    plan = out.strip()
    rc, out, err = run(capsys, *db, "settings", "office", "--plan", plan)
    assert rc == 0, err
    assert out.splitlines() == [
        "食安办所在单位：按方案自动识别",
        "食安办是否填报报送表：否",
        f"方案 {plan} 中的食安办：区食安办、区政府食安办",
    ]
    rc, out, err = run(
        capsys,
        *db,
        "period",
        "add",
        "--plan",
        plan,
        "--name",
        "2023年第三季度",
        "--due",
        "2023-10-10",
    )
    assert rc == 0, err
    rc, out, err = run(
        capsys,
        *db,
        "templates",
        "--plan",
        plan,
        "--period",
        "2023年第三季度",
        "-o",
        str(tmp_path / "t"),
    )
    assert rc == 0, err
    names = {Path(line).name.split("-")[1] for line in out.splitlines()}
    assert not {"区食安办", "区政府食安办"} & names
    assert "区食安办、区政府食安办是食安办本身" in err

    rc, out, err = run(capsys, *db, "settings", "office", "--include", "--json", "--plan", plan)
    assert rc == 0, err
    assert json.loads(out) == {
        "office_department": None,
        "office_reports": True,
        "plan_offices": ["区食安办", "区政府食安办"],
    }
    rc, out, err = run(capsys, *db, "settings", "office", "区商务局", "--exclude", "--json")
    assert json.loads(out) == {"office_department": "区商务局", "office_reports": False}
    rc, out, err = run(capsys, *db, "settings", "office", "县档案馆")
    assert rc == 1 and "未找到单位“县档案馆”" in err
    rc, out, err = run(capsys, *db, "settings", "office", "--auto", "--json")
    assert json.loads(out)["office_department"] is None
