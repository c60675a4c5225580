"""``period add / edit / delete / grace`` on the command line, and seed 001 — a 工作要点
without any 报送要求 — through a whole reporting cycle with a period added by hand."""

from __future__ import annotations

import json
from pathlib import Path

import docx
import pytest
from core.collect_fixtures import fill
from seeds import seed_path

from foodsafety_desktop.app import main
from foodsafety_desktop.core.storage.database import open_database
from foodsafety_desktop.core.storage.models import ReportingPeriod, Submission

SEED_001 = seed_path("001")
Q3 = "2023年第三季度"


def run(capsys, *args: str) -> tuple[int, str, str]:
    rc = main(list(args))
    out, err = capsys.readouterr()
    return rc, out, err


@pytest.fixture
def hongqi(tmp_path, capsys):
    """Seed 001 imported; returns (--db option, plan id)."""
    db = ("--db", str(tmp_path / "cli.sqlite3"))
    rc, out, err = run(capsys, *db, "plan", "import", str(SEED_001))
    assert rc == 0, err
    return db, out.strip()


def docx_text(path: Path) -> str:
    document = docx.Document(str(path))
    return "\n".join(p.text for p in document.paragraphs)


def test_seed_001_through_a_whole_cycle_with_a_period_added_by_hand(hongqi, capsys, tmp_path):
    db, plan = hongqi
    rc, out, err = run(capsys, *db, "period", "list", "--plan", plan)
    assert (rc, out) == (0, "")
    assert f"period add --plan {plan} --name 2023年第三季度 --due 2023-10-10" in err

    # No 报送要求 in the plan: the message names the command that helps, no GUI button.
    rc, out, err = run(capsys, *db, "period", "create", "--plan", plan)
    assert rc == 1 and out == ""
    assert "没有找到报送要求" in err and f"period add --plan {plan}" in err
    assert "软件界面" not in err

    rc, out, err = run(
        capsys, *db, "period", "add", "--plan", plan, "--name", Q3, "--due", "2023-10-10", "--json"
    )
    assert rc == 0, err
    added = json.loads(out)
    assert added | {"id": None} == {
        "id": None,
        "name": Q3,
        "kind": "quarter",
        "kind_label": "季度",
        "year": 2023,
        "due_date": "2023-10-10",
        "start_date": "2023-07-01",
        "end_date": "2023-09-30",
        "open": False,  # 2023-10-10 + 30 days is long past
        "closes_on": "2023-11-09",
        "closed_by_hand": False,
        "submissions": 0,
    }
    assert "已添加报送期次“2023年第三季度”（季度，截止 2023年10月10日" in err
    assert f"templates --plan {plan} --period {Q3}" in err

    folder = tmp_path / "报送表"
    rc, out, err = run(capsys, *db, "templates", "--plan", plan, "--period", Q3, "-o", str(folder))
    assert rc == 0, err
    templates = {Path(p).name.split("-")[1]: Path(p) for p in out.splitlines()}
    assert "区市场监管局" in templates and "区卫健委" in templates
    assert "收回的报送表仍可导入，记为逾期报送" in err  # the period is closed today

    returned = tmp_path / "收回"
    on_time = [
        fill(templates["区市场监管局"], returned / "市场监管.xlsx", status="已完成"),
        fill(templates["区卫健委"], returned / "卫健委.xlsx", status="序时推进"),
    ]
    rc, out, err = run(
        capsys,
        *db,
        "collect",
        *map(str, on_time),
        "--received",
        "2023-10-08",
        "--accept-warnings",
    )
    assert rc == 0, out + err
    assert [line.split("\t")[:4] for line in out.splitlines() if line.startswith("已导入")] == [
        ["已导入", "市场监管.xlsx", "区市场监管局", Q3],
        ["已导入", "卫健委.xlsx", "区卫健委", Q3],
    ]
    # After the period closed: still taken, counted late.
    late = fill(templates["区公安局"], returned / "公安.xlsx")
    rc, out, err = run(
        capsys, *db, "collect", str(late), "--received", "2023-12-01", "--accept-warnings"
    )
    assert rc == 0, out + err

    rc, out, err = run(
        capsys, *db, "status", "--plan", plan, "--period", Q3, "--today", "2023-12-02", "--json"
    )
    assert rc == 0, err
    status = json.loads(out)
    assert status["open"] is False and status["due_date"] == "2023-10-10"
    states = {row["department"]: row["state"] for row in status["departments"]}
    assert states["区市场监管局"] == states["区卫健委"] == "已报"
    assert states["区公安局"] == "逾期报送"
    rc, out, _ = run(capsys, *db, "status", "--plan", plan, "--period", Q3, "--today", "2023-10-12")
    assert out.splitlines()[0] == f"{Q3}（截止日期 2023-10-10，进行中）"

    summary = tmp_path / "工作总结.docx"
    rc, out, err = run(capsys, *db, "summary", "--plan", plan, "--period", Q3, "-o", str(summary))
    assert rc == 0, err
    assert Path(out.strip()) == summary and summary.is_file()
    text = docx_text(summary)
    assert Q3 in text and "2023-10-10" not in text

    database = open_database(Path(db[1]))
    try:
        with database.session() as s:
            assert s.query(Submission).count() == 3
            assert [p.name for p in s.query(ReportingPeriod)] == [Q3]
    finally:
        database.close()


def test_add_kinds_edit_and_their_errors(hongqi, capsys):
    db, plan = hongqi
    rc, out, err = run(
        capsys,
        *db,
        "period",
        "add",
        "--plan",
        plan,
        "--name",
        "专项：方案制定情况",
        "--due",
        "2023-05-31",
        "--kind",
        "专项",
        "--start",
        "2023-03-01",
    )
    assert rc == 0, err
    [header, line] = out.splitlines()
    assert header == "编号\t期次（--period 的取值）\t类型\t截止日期\t状态\t已报单位"
    special = line.split("\t")[0]
    assert line == f"{special}\t专项：方案制定情况\t专项\t2023-05-31\t已关闭\t0"
    assert "统计时段 2023年3月1日至2023年5月31日" in err

    rc, _, err = run(
        capsys,
        *db,
        "period",
        "add",
        "--plan",
        plan,
        "--name",
        "专项：方案制定情况",
        "--due",
        "2023-06-30",
    )
    assert rc == 1 and "已有名为“专项：方案制定情况”" in err
    rc, _, err = run(
        capsys, *db, "period", "add", "--plan", "99", "--name", Q3, "--due", "2023-10-10"
    )
    assert rc == 1 and "未找到该工作方案" in err
    with pytest.raises(SystemExit) as exc:
        main([*db, "period", "add", "--plan", plan, "--name", Q3, "--due", "10月10日"])
    assert exc.value.code == 2 and "应为日期" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main(
            [
                *db,
                "period",
                "add",
                "--plan",
                plan,
                "--name",
                Q3,
                "--due",
                "2023-10-10",
                "--kind",
                "周报",
            ]
        )
    assert exc.value.code == 2 and "无效的选项" in capsys.readouterr().err

    rc, out, err = run(capsys, *db, "period", "edit", special, "--due", "2023-06-15", "--json")
    assert rc == 0, err
    edited = json.loads(out)
    assert (edited["name"], edited["due_date"], edited["start_date"]) == (
        "专项：方案制定情况",
        "2023-06-15",
        "2023-03-01",
    )
    assert "已修改报送期次“专项：方案制定情况”" in err
    # A regular new name brings its kind and span along.
    rc, out, err = run(capsys, *db, "period", "edit", special, "--name", "2023年上半年", "--json")
    assert rc == 0, err
    half = json.loads(out)
    assert (half["kind"], half["start_date"], half["end_date"], half["year"]) == (
        "half",
        "2023-01-01",
        "2023-06-30",
        2023,
    )
    rc, _, err = run(capsys, *db, "period", "edit", special, "--name", "2023年上半年")
    assert rc == 0 and "没有变化" in err
    rc, _, err = run(capsys, *db, "period", "edit", special)
    assert rc == 1 and "没有要修改的内容" in err
    rc, _, err = run(capsys, *db, "period", "edit", "999", "--due", "2023-06-15")
    assert rc == 1 and "未找到报送期次（编号 999）" in err


def test_delete_refuses_a_period_with_submissions_unless_forced(hongqi, capsys, tmp_path):
    db, plan = hongqi
    for name, due in ((Q3, "2023-10-10"), ("2023年度", "2023-12-20")):
        rc, _, err = run(capsys, *db, "period", "add", "--plan", plan, "--name", name, "--due", due)
        assert rc == 0, err
    rc, out, _ = run(capsys, *db, "period", "list", "--plan", plan, "--json")
    ids = {p["name"]: str(p["id"]) for p in json.loads(out)}

    rc, out, err = run(capsys, *db, "period", "delete", ids["2023年度"], "--json")
    assert rc == 0, err
    assert json.loads(out) == {
        "id": int(ids["2023年度"]),
        "name": "2023年度",
        "submissions": 0,
        "departments": 0,
        "backup": None,
    }
    assert err.strip() == "已删除报送期次“2023年度”。可在软件中“台账 → 撤销”恢复。"

    rc, out, err = run(
        capsys, *db, "templates", "--plan", plan, "--period", Q3, "-o", str(tmp_path / "t")
    )
    assert rc == 0, err
    template = next(Path(p) for p in out.splitlines() if "区市场监管局" in p)
    filled = fill(template, tmp_path / "r" / "市场监管.xlsx")
    rc, out, err = run(capsys, *db, "collect", str(filled), "--accept-warnings")
    assert rc == 0, out + err

    rc, out, err = run(capsys, *db, "period", "delete", ids[Q3])
    assert rc == 1 and out == ""
    assert "已收到 1 个单位的 1 份报送" in err
    assert f"period delete {ids[Q3]} --force" in err
    rc, out, err = run(capsys, *db, "period", "list", "--plan", plan)
    assert f"{ids[Q3]}\t{Q3}\t" in out  # still there

    rc, out, err = run(capsys, *db, "period", "delete", ids[Q3], "--force", "--json")
    assert rc == 0, err
    deleted = json.loads(out)
    assert (deleted["name"], deleted["submissions"], deleted["departments"]) == (Q3, 1, 1)
    backup = Path(deleted["backup"])
    assert backup.is_file() and "period-delete" in backup.name
    assert f"删除前已备份：{backup.name}" in err
    rc, out, err = run(capsys, *db, "period", "list", "--plan", plan)
    assert out == "" and "还没有报送期次" in err
    rc, _, err = run(capsys, *db, "period", "delete", ids[Q3])
    assert rc == 1 and "未找到报送期次" in err


def test_grace_days(hongqi, capsys):
    db, plan = hongqi
    assert run(capsys, *db, "period", "grace")[1] == "30\n"
    rc, out, err = run(capsys, *db, "period", "grace", "0", "--json")
    assert (rc, json.loads(out)) == (0, {"grace_days": 0})
    assert "截止日期的第二天自动关闭" in err
    rc, _, err = run(capsys, *db, "period", "grace", "400")
    assert rc == 1 and "0 到 366 之间" in err
    rc, _, err = run(
        capsys, *db, "period", "add", "--plan", plan, "--name", Q3, "--due", "2023-10-10"
    )
    rc, out, _ = run(capsys, *db, "period", "list", "--plan", plan, "--json")
    assert json.loads(out)[0]["closes_on"] == "2023-10-10"


def test_period_help_is_chinese(capsys):
    for command in ("add", "edit", "delete", "grace"):
        with pytest.raises(SystemExit) as exc:
            main(["period", command, "--help"])
        assert exc.value.code == 0
        out = capsys.readouterr().out
        assert out.startswith("用法：") and "选项" in out
