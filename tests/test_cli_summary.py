"""The ``summary`` command: 工作总结, 逐条报送表 and 部门小结 from the command line."""

from __future__ import annotations

import datetime as dt

import docx
import pytest
from core.collect_fixtures import Q3, USER, build_scenario, fill

from foodsafety_desktop.app import main
from foodsafety_desktop.core.services.collect import collect_files
from foodsafety_desktop.core.services.tracking import missing_departments
from foodsafety_desktop.core.storage.database import open_database
from foodsafety_desktop.core.storage.models import Submission

MARKET, HEALTH, POLICE = "县市场监管局", "县卫健委", "县公安局"


@pytest.fixture
def q3(tmp_path):
    """Seed 002 with Q3 answered by 县市场监管局 and 县卫健委; 县公安局 silent."""
    db_path = tmp_path / "cli.sqlite3"
    db = open_database(db_path)
    try:
        sc = build_scenario(db, tmp_path / "t", [MARKET, HEALTH, POLICE])
        files = [
            fill(sc.templates[name], tmp_path / "r" / f"{name}.xlsx", measures=name + "措施{n}")
            for name in (MARKET, HEALTH)
        ]
        outcomes = collect_files(
            db, files, user=USER, received_at=dt.datetime(2022, 9, 20, 2), accept_warnings=True
        )
        assert all(o.accepted for o in outcomes), [o.errors for o in outcomes]
    finally:
        db.close()
    return ("--db", str(db_path)), str(sc.plan_id)


def run(capsys, *args: str) -> tuple[int, str, str]:
    rc = main(list(args))
    out, err = capsys.readouterr()
    return rc, out, err


def test_summary_command_writes_the_summary(q3, capsys, tmp_path):
    db, plan = q3
    target = tmp_path / "总结"
    rc, out, err = run(capsys, *db, "summary", "--plan", plan, "--period", Q3, "-o", str(target))
    assert rc == 0, err
    path = tmp_path / "总结.docx"
    assert out.strip() == str(path) and "已生成2022年第三季度工作总结" in err
    text = "\n".join(p.text for p in docx.Document(str(path)).paragraphs)
    assert text.startswith("卢氏县2022年第三季度食品安全工作总结")
    assert f"{MARKET}：{MARKET}措施1" in text
    # POLICE did not report: the office's tracking, not told to the government by default
    assert POLICE not in text.split("附件")[0]
    rc, _, err = run(
        capsys, *db, "summary", "--plan", plan, "--period", Q3, "-o", str(target),
        "--reporting-figures",
    )  # fmt: skip
    assert rc == 0, err
    text = "\n".join(p.text for p in docx.Document(str(path)).paragraphs)
    reporting = next(p for p in text.split("\n") if p.startswith("本期应报送单位"))
    assert POLICE in reporting.split("未报送", 1)[1]
    # Loose period names work as elsewhere (第3季度).
    rc, _, err = run(
        capsys, *db, "summary", "--plan", plan, "--period", "2022年第3季度", "-o", str(path)
    )
    assert rc == 0, err


def test_summary_command_errors(q3, capsys, tmp_path):
    db, plan = q3
    out = str(tmp_path / "x.docx")
    rc, _, err = run(capsys, *db, "summary", "--plan", plan, "--period", "2030年度", "-o", out)
    assert rc == 1 and "错误：" in err
    rc, _, err = run(
        capsys, *db, "summary", "--plan", plan, "--period", Q3, "--kind", "department", "-o", out
    )
    assert rc == 1 and "--department" in err
    rc, _, err = run(capsys, *db, "summary", "--plan", plan, "--period", Q3, "-o", str(tmp_path))
    assert rc == 1 and "文件夹" in err


def test_summary_command_itemized(q3, capsys, tmp_path):
    db, plan = q3
    path = tmp_path / "逐条.docx"
    rc, out, err = run(
        capsys,
        *db,
        "summary",
        "--plan",
        plan,
        "--period",
        Q3,
        "--kind",
        "itemized",
        "-o",
        str(path),
    )
    assert rc == 0, err
    assert out.strip() == str(path) and len(docx.Document(str(path)).tables) >= 1


def test_summary_command_department(q3, capsys, tmp_path):
    db, plan = q3
    path = tmp_path / "部门.docx"
    rc, _, err = run(
        capsys,
        *db,
        "summary",
        "--plan",
        plan,
        "--period",
        Q3,
        "--kind",
        "department",
        "--department",
        "市场监管",
        "-o",
        str(path),
    )
    assert rc == 0, err
    text = "\n".join(p.text for p in docx.Document(str(path)).paragraphs)
    assert MARKET in text
    rc, _, err = run(
        capsys,
        *db,
        "summary",
        "--plan",
        plan,
        "--period",
        Q3,
        "--kind",
        "department",
        "--department",
        "县不存在局",
        "-o",
        str(path),
    )
    assert rc == 1 and "可用的单位" in err


def test_summary_command_reminder(q3, capsys, tmp_path):
    db, plan = q3
    path = tmp_path / "催报.docx"
    args = [*db, "summary", "--plan", plan, "--period", Q3, "--kind", "reminder", "-o", str(path)]
    rc, out, err = run(capsys, *args)
    assert rc == 0, err
    assert out.strip() == str(path) and "已生成2022年第三季度催报通知" in err
    # the missing departments are listed for the clerk, and named in the notice
    database = open_database(db[1])
    with database.session() as s:
        missing = [d.name for d in missing_departments(s, period_id(s, plan))]
    assert POLICE in missing and MARKET not in missing
    assert f"尚未报送的单位（{len(missing)}个）：{'、'.join(missing)}" in err
    text = "\n".join(p.text for p in docx.Document(str(path)).paragraphs)
    assert "催报通知" in text and POLICE in text and MARKET + "、" not in text
    assert text.rstrip().splitlines()[-2] == "卢氏县食品安全委员会办公室"

    # everyone reported: the reason, no file, a non-zero exit
    with database.session() as s:
        pid = period_id(s, plan)
        for dep in missing_departments(s, pid):
            s.add(
                Submission(
                    period_id=pid,
                    department_id=dep.id,
                    source_name="x.xlsx",
                    sha256=f"{dep.id:064d}",
                )
            )
    database.close()
    again = tmp_path / "再次催报.docx"
    rc, out, err = run(capsys, *args[:-1], str(again))
    assert rc == 1 and out == ""
    assert "错误：" in err and "2022年第三季度各单位均已报送，无需催报。" in err
    assert not again.exists()


def period_id(session, plan: str) -> int:
    from foodsafety_desktop.core.services.periods import find_period

    return find_period(session, int(plan), Q3).id
