"""The ``overview`` command: the 概况 as .xlsx / picture / JSON, the warnings and the
warning days, on the year of ``core/overview_fixtures``."""

from __future__ import annotations

import builtins
import json
import os
import subprocess
import sys

import openpyxl
import pytest
from core.overview_fixtures import FARM, MARKET, Q2, Q3, TODAY, build_year

from foodsafety_desktop.app import main
from foodsafety_desktop.core.services.overview import overview, warning_days, warnings
from foodsafety_desktop.core.storage.database import open_database


@pytest.fixture
def year(tmp_path):
    db_path = tmp_path / "cli.sqlite3"
    db = open_database(db_path)
    try:
        built = build_year(db, tmp_path / "year")
    finally:
        db.close()
    return ("--db", str(db_path)), built


def run(capsys, *args: str) -> tuple[int, str, str]:
    rc = main(list(args))
    out, err = capsys.readouterr()
    return rc, out, err


def test_json_is_the_overview(year, capsys):
    db, built = year
    today = ("--today", TODAY.isoformat())
    rc, out, err = run(capsys, *db, "overview", "--plan", str(built.plan_id), "--json", *today)
    assert rc == 0, err
    data = json.loads(out)
    database = open_database(db[1])
    try:
        with database.session() as s:
            expected = overview(s, built.plan_id, today=TODAY)
    finally:
        database.close()
    assert data["period_name"] == Q3 and data["as_of"] == TODAY.isoformat()
    assert data["plan"]["counts"] == expected.plan.counts
    assert data["light_counts"] == expected.light_counts()
    assert [t["year_to_date"] for t in data["targets"]] == [
        t.year_to_date for t in expected.targets
    ]
    assert [t["verdict"] for t in data["targets"]] == [t.verdict for t in expected.targets]
    assert data["lights"][2]["deadline"] == expected.lights[2].deadline.isoformat()
    assert [d["done_share"] for d in data["departments"]] == [
        d.done_share for d in expected.departments
    ]

    rc, out, err = run(
        capsys, *db, "overview", "--plan", str(built.plan_id), "--period", Q2, "--json", *today
    )
    assert rc == 0, err
    assert json.loads(out)["period_name"] == Q2


def test_xlsx_output(year, capsys, tmp_path):
    db, built = year
    target = tmp_path / "工作概况.xlsx"
    rc, _out, err = run(
        capsys,
        *db,
        "overview",
        "--plan",
        str(built.plan_id),
        "-o",
        str(target),
        "--today",
        "2022-10-10",
    )
    assert rc == 0, err
    assert "已保存" in err and "红灯2项" in err
    wb = openpyxl.load_workbook(target)
    assert wb.sheetnames == ["概况", "各单位", "量化指标", "亮灯"]
    assert [wb["各单位"].cell(r, 1).value for r in (5, 6)] == [MARKET, FARM]


def test_picture_output_or_a_clear_message(year, capsys, tmp_path, monkeypatch):
    db, built = year
    real_import = builtins.__import__

    def no_picture(name, *args, **kwargs):
        if name == "foodsafety_desktop.ui.overview_picture":
            raise ImportError("No module named 'foodsafety_desktop.ui.overview_picture'", name=name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_picture)
    target = tmp_path / "概况.png"
    rc, _out, err = run(capsys, *db, "overview", "--plan", str(built.plan_id), "-o", str(target))
    assert rc == 1 and "不能把概况保存为图片" in err and "Traceback" not in err
    assert not target.exists()


def test_wrong_use_is_explained(year, capsys, tmp_path):
    db, built = year
    rc, _out, err = run(capsys, *db, "overview")
    assert rc == 1 and "--plan" in err
    rc, _out, err = run(capsys, *db, "overview", "--plan", str(built.plan_id))
    assert rc == 1 and "-o" in err
    rc, _out, err = run(
        capsys, *db, "overview", "--plan", str(built.plan_id), "-o", str(tmp_path / "x.docx")
    )
    assert rc == 1 and ".xlsx" in err
    rc, _out, err = run(capsys, *db, "overview", "--plan", "999", "--json")
    assert rc == 1 and "plan list" in err
    rc, _out, err = run(
        capsys, *db, "overview", "--plan", str(built.plan_id), "--period", "2030年度", "--json"
    )
    assert rc == 1 and "2030年度" in err


def test_warnings_and_warning_days(year, capsys):
    db, _built = year
    rc, out, err = run(capsys, *db, "overview", "--warnings", "--today", "2022-10-10")
    assert rc == 0, err
    database = open_database(db[1])
    try:
        with database.session() as s:
            expected = [w.text for w in warnings(s, today=TODAY)]
    finally:
        database.close()
    assert out.splitlines() == expected and len(expected) == 2

    rc, out, err = run(
        capsys, *db, "overview", "--warnings", "--days", "60", "--today", "2022-10-10"
    )
    assert rc == 0 and "2022年度报送将于11月30日截止，还有4个单位未报送" in out.splitlines()
    rc, out, err = run(
        capsys, *db, "overview", "--warnings", "--days", "60", "--json", "--today", "2022-10-10"
    )
    period = next(w for w in json.loads(out) if w["kind"] == "period_due")
    assert period["departments"][0] == MARKET

    rc, _out, err = run(capsys, *db, "overview", "--set-warning-days", "30")
    assert rc == 0 and "30 天" in err
    rc, _out, err = run(capsys, *db, "overview", "--set-warning-days", "120")
    assert rc == 1 and "1 到 90" in err
    database = open_database(db[1])
    try:
        with database.session() as s:
            assert warning_days(s) == 30
    finally:
        database.close()
    rc, out, _err = run(capsys, *db, "overview", "--warnings", "--today", "2022-10-10")
    assert "将在30天内到期" in out


def test_picture_output(year, tmp_path):
    """As a clerk runs it: the command in a process of its own, which has no Qt
    application until the picture needs one."""
    db, built = year
    target = tmp_path / "概况.png"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    command = [sys.executable, "-m", "foodsafety_desktop", *db, "overview"]
    command += ["--plan", str(built.plan_id), "-o", str(target)]
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    pdf = tmp_path / "概况.pdf"
    command[-1] = str(pdf)
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert pdf.read_bytes()[:5] == b"%PDF-"
