"""``assessment template`` / ``collect`` / ``score`` / ``scores`` / ``notice`` on the
township 细则 of ``tests/data/assessment``, on SQLite and PostgreSQL: standard output
is data, notes go to standard error, and what the commands wrote is read back."""

from __future__ import annotations

import json
from pathlib import Path

import docx
import openpyxl
import pytest

from foodsafety_desktop.app import main
from foodsafety_desktop.core.excel import self_assessment as sheet
from foodsafety_desktop.core.reports.assessment_results import short_title
from foodsafety_desktop.core.services import assessment as scores_module
from foodsafety_desktop.core.services.assessment_scores import score_table
from foodsafety_desktop.core.storage.database import open_database

DATA = Path(__file__).resolve().parent / "data" / "assessment"
TOWNSHIP_FILE = DATA / "township_2026.xlsx"
TOWNS = ("城关镇", "东明镇")


@pytest.fixture
def run(any_db_url, capsys):
    def run(*args: str) -> tuple[int, str, str]:
        rc = main(["--db", any_db_url, *args])
        out, err = capsys.readouterr()
        return rc, out, err

    run.url = any_db_url  # type: ignore[attr-defined]
    return run


@pytest.fixture
def assessment(run):
    rc, out, err = run(
        "assessment", "import", str(TOWNSHIP_FILE), "--year", "2026", "--kind", "乡镇"
    )
    assert rc == 0, err
    db = open_database(run.url)
    try:
        from foodsafety_desktop.core.services.departments import create_department

        with db.session() as s:
            for name in TOWNS:
                create_department(s, name, user="测试员")
    finally:
        db.close()
    return int(out)


def filled(template: Path, target: Path, rule) -> Path:
    wb = openpyxl.load_workbook(template)
    pairs = {r[0]: r[1] for r in wb[sheet.IDENTITY_SHEET].iter_rows(values_only=True)}
    identity, _signature = sheet.parse_identity(pairs)
    ws = wb[sheet.SHEET]
    for row, _item, _digest, points in identity.rows:
        ws[f"F{row}"] = rule(points)
    wb.save(target)
    return target


def table(run, assessment_id):
    db = open_database(run.url)
    try:
        with db.session() as s:
            return score_table(s, assessment_id)
    finally:
        db.close()


def test_template_collect_score_scores_notice(run, assessment, tmp_path):
    rc, out, err = run("assessment", "template", str(assessment), "-o", str(tmp_path / "自评表"))
    assert rc == 0, err
    paths = [Path(line) for line in out.splitlines()]
    assert sorted(p.name for p in paths) == sorted(f"2026年度-{t}-自评表.xlsx" for t in TOWNS)
    assert "已生成自评表 2 份" in err
    rc, out, err = run(
        "assessment",
        "template",
        str(assessment),
        "--unit",
        "城关镇",
        "-o",
        str(tmp_path / "单个.xlsx"),
    )
    assert (
        rc == 0
        and Path(out.strip()) == tmp_path / "单个.xlsx"
        and (tmp_path / "单个.xlsx").is_file()
    )

    returned = tmp_path / "收回"
    returned.mkdir()
    for path in paths:
        filled(path, returned / path.name, lambda p: p)
    (returned / "~$临时.xlsx").write_bytes(b"x")
    (returned / "说明.docx").write_bytes(b"x")
    rc, out, err = run("assessment", "collect", str(assessment), str(returned), "--json")
    assert rc == 0, err
    results = json.loads(out)
    statuses = sorted(r["status"] for r in results)
    assert statuses == ["imported", "imported", "not_collected", "not_collected"]
    rc, out, err = run("assessment", "collect", str(assessment), str(returned), "--json")
    assert rc == 0
    assert [r["already_imported"] for r in json.loads(out) if "already_imported" in r] == [
        True,
        True,
    ]

    # A wrong 自评分 fails that file only, with the cell, and the exit code says so.
    bad = filled(paths[0], tmp_path / "错误.xlsx", lambda p: p + 1)
    rc, out, err = run("assessment", "collect", str(assessment), str(bad))
    assert rc == 1 and out.startswith("失败\t错误.xlsx") and "单元格 F" in out

    rc, out, err = run(
        "assessment", "score", str(assessment), "--unit", "城关镇", "--item", "二.5", "--score", "3"
    )
    assert rc == 1 and "扣分原因" in err
    rc, out, err = run(
        "assessment", "score", str(assessment), "--unit", "城关镇", "--item", "二.5",
        "--score", "3", "--reason", "培训记录不全",
    )  # fmt: skip
    assert rc == 0, err
    assert out.startswith("城关镇\t二.5\t") and out.rstrip().endswith("未评 → 3 分")
    rc, _out, err = run(
        "assessment",
        "score",
        str(assessment),
        "--unit",
        "县公安局",
        "--item",
        "二.5",
        "--score",
        "3",
    )
    assert rc == 1 and "不是这份考核细则的考核对象" in err
    rc, _out, err = run(
        "assessment", "score", str(assessment), "--unit", "城关镇", "--item", "十.1", "--score", "3"
    )
    assert rc == 1 and "assessment show" in err

    # Score everything else at full marks for both towns (加分项, 扣分项 0).
    current = table(run, assessment)
    for unit in current.units:
        for item in current.leaves:
            if unit.name == "城关镇" and item.path == "二.5":
                continue
            value = 0 if (item.bonus or item.deduction) else item.points
            rc, _out, err = run(
                "assessment", "score", str(assessment), "--unit", unit.name,
                "--item", f"#{item.id}", "--score", str(value),
            )  # fmt: skip
            assert rc == 0, err

    rc, out, err = run(
        "assessment", "scores", str(assessment), "--json", "-o", str(tmp_path / "考核结果.xlsx")
    )
    assert rc == 0, err
    data = json.loads(out)
    final = table(run, assessment)
    assert [(u["name"], u["rank"], u["score"]["total"]) for u in data["units"]] == [
        (u.name, u.rank, u.totals.total) for u in final.units
    ]
    assert [u["rank"] for u in data["units"]] == [1, 2]
    town = next(u for u in data["units"] if u["name"] == "城关镇")
    assert (
        town["deductions"][0]["path"] == "二.5"
        and town["deductions"][0]["reason"] == "培训记录不全"
    )
    assert town["score"]["total"] == 98 and town["grade"] == "优秀"
    assert (
        town["self"]["total"]
        == town["self"]["base"] + town["self"]["bonus"] - town["self"]["deduction"]
    )
    wb = openpyxl.load_workbook(tmp_path / "考核结果.xlsx")
    assert [c.value for c in wb["汇总"][3]][:2] == [1, "东明镇"]

    # Chinese as written, not as \u escapes
    assert '"name": "城关镇"' in out and "\\u" not in out
    rc, out, err = run("assessment", "scores", str(assessment))
    assert (
        rc == 0
        and out.splitlines()[0] == "排名\t单位\t自评总分\t基础分\t加分\t扣分\t考核总分\t等次"
    )
    assert out.splitlines()[2].startswith("2\t城关镇\t")

    rc, out, err = run(
        "assessment", "notice", str(assessment), "-o", str(tmp_path / "通报"),
        "--signed-on", "2026-12-28",
    )  # fmt: skip
    assert rc == 0, err
    document = docx.Document(out.strip())
    text = "\n".join(p.text for p in document.paragraphs)
    assert "2026年12月28日" in text
    # the 扣分 names its item and what was lost
    item = next(i for i in final.leaves if i.path == "二.5")
    lost = scores_module.format_points(item.points - 3)
    assert f"{short_title(item)}：城关镇失{lost}分（培训记录不全）" in text


def test_unknown_assessment_hints_at_list(run, tmp_path):
    for args in (
        ("scores", "99"),
        ("template", "99", "-o", str(tmp_path)),
        ("notice", "99", "-o", str(tmp_path / "x.docx")),
    ):
        rc, out, err = run("assessment", *args)
        assert rc == 1 and out == "" and "assessment list" in err, args


def test_accept_self_and_notice_warns_of_unscored_units(run, assessment, tmp_path):
    rc, out, err = run("assessment", "template", str(assessment), "-o", str(tmp_path / "自评表"))
    assert rc == 0, err
    path = next(Path(line) for line in out.splitlines() if "城关镇" in line)
    # full marks on counted items, nothing on 加分/扣分 items
    back = filled(path, tmp_path / "城关镇.xlsx", lambda p: p)
    wb = openpyxl.load_workbook(back)
    current = table(run, assessment)
    flagged = {i.id for i in current.leaves if i.bonus or i.deduction}
    pairs = {r[0]: r[1] for r in wb[sheet.IDENTITY_SHEET].iter_rows(values_only=True)}
    identity, _signature = sheet.parse_identity(pairs)
    by_id = {i.id: i for i in current.leaves}
    short_of = None
    for row, item_id, _digest, points in identity.rows:
        if item_id in flagged:
            wb[sheet.SHEET][f"F{row}"] = 0
        elif short_of is None and by_id[item_id].path != "一.1" and points >= 1:
            short_of = by_id[item_id]  # one item below its 分值, with a 自评说明
            wb[sheet.SHEET][f"F{row}"] = points - 1
            wb[sheet.SHEET][f"G{row}"] = "只开了一次会"
            wb[sheet.SHEET][f"H{row}"] = "会议记录.pdf"
    wb.save(back)
    rc, out, err = run("assessment", "collect", str(assessment), str(back))
    assert rc == 0, out + err

    # --score with several items, or without one: refused
    rc, _out, err = run(
        "assessment", "score", str(assessment), "--unit", "城关镇", "--item", "一.1", "一.2",
        "--score", "3",
    )  # fmt: skip
    assert rc == 1 and "--accept-self" in err
    # one item first, then the rest
    rc, out, err = run(
        "assessment", "score", str(assessment), "--unit", "城关镇", "--accept-self",
        "--item", "一.1",
    )  # fmt: skip
    assert rc == 0, err
    assert out.startswith("城关镇\t一.1\t") and len(out.splitlines()) == 1
    assert "1 个项目" in err
    rc, out, err = run("assessment", "score", str(assessment), "--unit", "城关镇", "--accept-self")
    assert rc == 0, err
    assert len(out.splitlines()) == len(current.leaves) - 1
    # the item below its 分值 says which 自评说明 became its 扣分原因; the others do not
    assert short_of is not None
    told = [line for line in out.splitlines() if "扣分原因" in line]
    points = scores_module.format_points(short_of.points)
    assert told == [
        f"城关镇\t{short_of.path}\t{short_of.title}\t未评 → "
        f"{scores_module.format_points(short_of.points - 1)} 分（分值 {points} 分）"
        "\t扣分原因（取自评说明）：只开了一次会"
    ]
    final = table(run, assessment)
    town = next(u for u in final.units if u.name == "城关镇")
    assert town.fully_scored and all(
        s.score == s.self_score for s in town.scores.values() if s.self_score is not None
    )
    assert town.scores[short_of.id].reason == "只开了一次会"
    rc, out, err = run("assessment", "score", str(assessment), "--unit", "城关镇", "--accept-self")
    assert rc == 0 and out == "" and "未作改动" in err
    # 东明镇 sent nothing: --accept-self on a named item says so
    rc, _out, err = run(
        "assessment", "score", str(assessment), "--unit", "东明镇", "--accept-self",
        "--item", "一.1",
    )  # fmt: skip
    assert rc == 1 and "没有自评分" in err

    rc, out, err = run("assessment", "notice", str(assessment), "-o", str(tmp_path / "通报"))
    assert rc == 0, err
    assert "提示：另有东明镇1个单位尚未评分" in err
    document = docx.Document(out.strip())
    text = "\n".join(p.text for p in document.paragraphs)
    assert "本次考核已评分1个单位" in text and "另有东明镇1个单位尚未评分" in text
    row = next(r for r in document.tables[-1].rows if r.cells[1].text == "东明镇")
    assert [c.text for c in row.cells][3:] == ["未评分", "", "", "—", "—"]
