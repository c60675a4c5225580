"""``assessment link`` / ``record`` on seed 002 and ``tests/data/assessment/member_2022.xlsx``:
data on standard output, notes on standard error, on SQLite and PostgreSQL; the
expectations come from the core's own reading (``propose_links``, ``item_records``)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from core.realistic_fixtures import build_realistic
from seeds import seed_path

from foodsafety_desktop.app import main
from foodsafety_desktop.core.services.assessment_links import (
    AUTO_THRESHOLD,
    item_links,
    item_records,
    propose_links,
)
from foodsafety_desktop.core.storage.database import open_database

MEMBER_2022 = Path(__file__).resolve().parent / "data" / "assessment" / "member_2022.xlsx"


@pytest.fixture
def run(any_db_url, capsys):
    def run(*args: str) -> tuple[int, str, str]:
        rc = main(["--db", any_db_url, *args])
        out, err = capsys.readouterr()
        return rc, out, err

    run.url = any_db_url  # type: ignore[attr-defined]
    return run


def _import(run) -> str:
    rc, _out, err = run("plan", "import", str(seed_path("002")))
    assert rc == 0, err
    rc, out, err = run(
        "assessment", "import", str(MEMBER_2022), "--year", "2022", "--kind", "成员单位"
    )
    assert rc == 0, err
    return out.strip()


def _read(url, read):
    db = open_database(url)
    try:
        with db.session() as s:
            return read(s)
    finally:
        db.close()


def test_auto_link_prints_the_links_and_the_proposals(run):
    assessment_id = _import(run)
    proposals = _read(run.url, lambda s: propose_links(s, int(assessment_id)))
    rc, out, err = run("assessment", "link", assessment_id, "--auto", "--json")
    assert rc == 0, err
    data = json.loads(out)
    assert data["threshold"] == AUTO_THRESHOLD and data["changed"] is True
    best = [p for p in proposals if p.similarity >= AUTO_THRESHOLD]
    assert [(a["item_id"], a["task_id"]) for a in data["accepted"]] == [
        (p.item_id, p.task_id) for p in best
    ]
    assert [a["item"] for a in data["accepted"]] == [f"二.{n}" for n in range(4, 16)]
    assert data["accepted"][0]["task"] == "（一）"
    assert {(p["item"], p["task"]) for p in data["pending"]} == {
        ("三.16", "（一）"),
        ("三.16", "（十二）"),
        ("四.19", "（一）"),
        ("四.21", "（六）"),
    }
    assert "本次确认 12 项关联、新增建议 4 项。" in err

    rc, out, err = run("assessment", "link", assessment_id, "--auto")
    assert rc == 0, err
    lines = out.splitlines()
    assert lines[0] == f"已关联（相似度不低于 {AUTO_THRESHOLD:g}）："
    assert lines[2].startswith("二.4\t（一）实施标准制（修）订和风险监测行动\t0.")
    assert "待确认的建议：" in lines and "关联没有变化" in err


def test_add_confirm_remove_and_list(run):
    assessment_id = _import(run)
    run("assessment", "link", assessment_id, "--auto")
    for args, words in (
        (("--confirm", "三.16", "（十二）"), "已确认考核项目 三.16"),
        (("--add", "一.3", "(一)"), "已关联考核项目 一.3"),
        (("--remove", "四.21", "六"), "已取消考核项目 四.21"),
        (("--add", "一.3", "1"), "未改变："),
    ):
        rc, out, err = run("assessment", "link", assessment_id, *args)
        assert rc == 0 and out == "", err
        assert words in err, err
    rc, out, err = run("assessment", "link", assessment_id, "--auto")
    assert "1 项已取消的关联不再建议" in err and "四.21" not in out

    links = _read(run.url, lambda s: item_links(s, int(assessment_id)))
    rc, out, err = run("assessment", "link", assessment_id, "--json")
    assert rc == 0, err
    listed = {row["item"]: row["tasks"] for row in json.loads(out)}
    assert [(t["task"], t["confirmed"], t["similarity"]) for t in listed["一.3"]] == [
        ("（一）", True, None)
    ]
    assert {t["task"] for t in listed["三.16"] if t["confirmed"]} == {"（十二）"}
    assert listed["四.21"] == []
    assert sum(len(v) for v in listed.values()) == sum(len(v) for v in links.values())
    rc, out, err = run("assessment", "link", assessment_id)
    assert out.splitlines()[0] == "项目\t任务\t状态\t相似度"
    assert "一.3\t（一）实施标准制（修）订和风险监测行动\t已确认\t手动" in out.splitlines()
    assert "没有关联任务的项目" in err and "四.21" in err


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--add", "九十九", "（一）"), "没有项目“九十九”"),
        (("--add", "二.4", "（二十）"), "没有任务“（二十）”"),
        (("--confirm", "一.1", "（一）"), "没有待确认的关联建议"),
        (("--auto", "--threshold", "1.5"), "相似度应在 0 到 1 之间"),
        (("--threshold", "0.6"), "--threshold 只与 --auto 一起使用"),
    ],
)
def test_mistakes_are_messages(run, args, words):
    assessment_id = _import(run)
    rc, out, err = run("assessment", "link", assessment_id, *args)
    assert rc == 1 and out == "", err
    assert words in err and "Traceback" not in err


def test_record_prints_the_year_for_each_item(run, tmp_path):
    db = open_database(run.url)
    try:
        build_realistic(db, tmp_path / "round")
    finally:
        db.close()
    rc, out, err = run(
        "assessment", "import", str(MEMBER_2022), "--year", "2022", "--kind", "成员单位"
    )
    assessment_id = out.strip()
    run("assessment", "link", assessment_id, "--auto")

    rc, out, err = run("assessment", "record", assessment_id, "--json")
    assert rc == 0, err
    data = {row["item"]: row for row in json.loads(out)}
    records = _read(run.url, lambda s: item_records(s, int(assessment_id)))
    assert list(data) == [r.path for r in records]
    four = data["二.4"]
    assert (four["on_time"], four["late"], four["missing"]) == (4, 0, 12)
    (task,) = four["tasks"]
    lead = task["units"][0]
    assert (lead["name"], lead["role"]) == ("县卫健委", "牵头")
    year = lead["periods"][-1]
    assert (year["period"], year["state"], year["status"]) == ("2022年度", "按时报送", "已完成")
    assert year["due_date"] == dt.date(2022, 11, 30).isoformat()
    assert task["targets"][0]["verdict"] == "已达标"

    rc, out, err = run("assessment", "record", assessment_id)
    assert rc == 0, err
    lines = out.splitlines()
    assert lines[0] == "一 组织领导（12分）"
    assert "二.4 开展食品安全标准跟踪评价" in lines[lines.index("二 攻坚行动任务落实（60分）") + 1]
    assert any(
        line.strip().startswith("县卫健委（牵头）：按时 1、逾期 0、未报 3；2022年度：已完成，")
        for line in lines
    )
    assert any("单位组还没有成员，无人报送" in line for line in lines)

    rc, out, err = run("assessment", "record", assessment_id, "--unit", "县财政局", "--json")
    assert rc == 0, err
    rows = [r for r in json.loads(out) if r["tasks"]]
    assert [(r["item"], [u["name"] for t in r["tasks"] for u in t["units"]]) for r in rows] == [
        ("二.14", ["县财政局"])
    ]
    assert rows[0]["missing"] == 4
    rc, out, err = run("assessment", "record", assessment_id, "--unit", "县不存在局")
    assert rc == 1 and "未找到单位“县不存在局”" in err


def test_record_shows_the_evidence_the_units_listed(run, tmp_path):
    """What a unit wrote in the 佐证材料 column of its 报送表, per period in the JSON and
    on the unit's line."""
    from sqlalchemy import select

    from foodsafety_desktop.core.storage.models import Department, Submission, SubmissionEntry

    db = open_database(run.url)
    try:
        build_realistic(db, tmp_path / "round")
    finally:
        db.close()
    rc, out, err = run(
        "assessment", "import", str(MEMBER_2022), "--year", "2022", "--kind", "成员单位"
    )
    assessment_id = out.strip()
    run("assessment", "link", assessment_id, "--auto")
    listed = "《风险监测工作记录》、现场照片12张"
    db = open_database(run.url)
    try:
        with db.session() as s:
            (record,) = [r for r in item_records(s, int(assessment_id)) if r.path == "二.4"]
            (task,) = record.tasks
            unit = s.scalar(select(Department.id).where(Department.name == "县卫健委"))
            year = next(u for u in task.units if u.department_id == unit).periods[-1]
            entries = s.scalars(
                select(SubmissionEntry)
                .join(Submission)
                .where(Submission.id == year.submission_id, SubmissionEntry.task_id == task.task_id)
            ).all()
            assert entries
            for entry in entries:
                entry.evidence = listed
    finally:
        db.close()

    rc, out, err = run("assessment", "record", assessment_id, "--json")
    assert rc == 0, err
    (four,) = [r for r in json.loads(out) if r["item"] == "二.4"]
    units = {u["name"]: u for u in four["tasks"][0]["units"]}
    assert [p["listed_evidence"] for p in units["县卫健委"]["periods"]] == [
        None,
        None,
        None,
        listed,
    ]
    assert all(p["listed_evidence"] is None for p in units["县发改委"]["periods"])

    rc, out, err = run("assessment", "record", assessment_id)
    assert rc == 0, err
    (line,) = [
        x for x in out.splitlines() if x.strip().startswith("县卫健委（牵头）") and listed in x
    ]
    assert line.endswith(f"；报送表所列佐证材料：{listed}")
