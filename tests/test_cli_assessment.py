"""``assessment import`` / ``list`` / ``show`` on the files of ``tests/data/assessment``:
what goes to standard output (data) and to standard error (notes), on SQLite and
PostgreSQL; the expected values come from the core's reading of the same files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from foodsafety_desktop.app import main
from foodsafety_desktop.core.services.assessment import (
    assessment_outline,
    format_points,
    read_assessment,
)
from foodsafety_desktop.core.storage.database import open_database

DATA = Path(__file__).resolve().parent / "data" / "assessment"
TOWNSHIP_FILE = DATA / "township_2026.xlsx"
MEMBER_FILE = DATA / "member_2026.docx"


@pytest.fixture
def run(any_db_url, capsys):
    def run(*args: str) -> tuple[int, str, str]:
        rc = main(["--db", any_db_url, *args])
        out, err = capsys.readouterr()
        return rc, out, err

    run.url = any_db_url  # type: ignore[attr-defined]
    return run


def test_import_prints_the_id_and_notes_the_counts(run):
    parsed = read_assessment(TOWNSHIP_FILE)
    rc, out, err = run(
        "assessment", "import", str(TOWNSHIP_FILE), "--year", "2026", "--kind", "乡镇"
    )
    assert rc == 0, err
    assessment_id = int(out.strip())
    assert out == f"{assessment_id}\n"
    assert parsed.count_text in err and "合计 100 分" in err and "加分项 5 分" in err
    db = open_database(run.url)
    try:
        with db.session() as s:
            outline = assessment_outline(s, assessment_id)
    finally:
        db.close()
    assert (outline.summary.year, outline.summary.kind) == (2026, "乡镇")
    assert len(outline.items) == parsed.item_count


def test_second_import_is_refused_then_replaced(run):
    args = ("assessment", "import", str(MEMBER_FILE), "--year", "2026", "--kind", "成员单位")
    rc, out, _err = run(*args)
    first = int(out)
    rc, out, err = run(*args)
    assert rc == 1 and out == ""
    assert "已经有了" in err and f"编号 {first}" in err and "--replace" in err
    assert "Traceback" not in err
    rc, out, err = run(*args, "--replace", "--json")
    assert rc == 0, err
    data = json.loads(out)
    assert data["replaced_id"] == first and data["total_points"] == 100
    assert data["items"] == read_assessment(MEMBER_FILE).item_count
    assert "替换了原细则" in err
    _rc, out, _err = run("assessment", "list", "--json")
    assert [(r["id"], r["kind"]) for r in json.loads(out)] == [(data["id"], "成员单位")]


def test_list_shows_every_assessment(run):
    _rc, out, _err = run("assessment", "list")
    assert out == ""
    ids = []
    for path, kind in ((TOWNSHIP_FILE, "乡镇"), (MEMBER_FILE, "成员单位")):
        rc, out, err = run("assessment", "import", str(path), "--year", "2026", "--kind", kind)
        assert rc == 0, err
        ids.append(int(out))
    rc, out, err = run("assessment", "list")
    assert rc == 0, err
    lines = out.splitlines()
    assert lines[0] == "编号\t年度\t考核对象\t名称\t考核内容\t分值"
    expected = []
    for assessment_id, path, kind in zip(
        ids, (TOWNSHIP_FILE, MEMBER_FILE), ("乡镇", "成员单位"), strict=True
    ):
        parsed = read_assessment(path)
        points = f"{format_points(parsed.total_points)}+{format_points(parsed.bonus_points)}"
        expected.append(
            f"{assessment_id}\t2026\t{kind}\t{parsed.title}\t{parsed.content_count}\t{points}"
        )
    assert lines[1:] == expected
    _rc, out, _err = run("assessment", "list", "--json")
    rows = json.loads(out)
    assert [(r["id"], r["year"], r["kind"], r["points"], r["bonus_points"]) for r in rows] == [
        (ids[0], 2026, "乡镇", 100, 5),
        (ids[1], 2026, "成员单位", 100, 5),
    ]


def test_show_indents_the_outline(run):
    _rc, out, _err = run(
        "assessment", "import", str(MEMBER_FILE), "--year", "2026", "--kind", "成员单位"
    )
    assessment_id = out.strip()
    rc, out, err = run("assessment", "show", assessment_id)
    assert rc == 0, err
    lines = out.splitlines()
    parsed = read_assessment(MEMBER_FILE)
    assert lines[0].startswith(parsed.title) and parsed.count_text in lines[0]
    body = lines[1:]
    assert len(body) == parsed.item_count
    items = parsed.all_items()
    for line, item in zip(body, items, strict=True):
        indent = len(line) - len(line.lstrip(" "))
        assert indent == 2 * (item.level - 1), line
        assert item.title in line
    assert body[0] == "一、党政同责（10分）"
    assert "  （一）抽检监测" in body
    assert any(line.startswith("加分项（加5分）【加分项】") for line in body)
    assert any(line.strip().endswith("（扣10分）") for line in body)

    rc, out, _err = run("assessment", "show", assessment_id, "--json")
    data = json.loads(out)
    assert [(i["level"], i["title"], i["points"]) for i in data["items"]] == [
        (i.level, i.title, i.points) for i in items
    ]
    rc, out, err = run("assessment", "show", "999")
    assert rc == 1 and "没有编号为 999 的考核细则" in err and "assessment list" in err


def test_bad_file_is_a_message_naming_it(run, tmp_path):
    path = tmp_path / "细则.xlsx"
    path.write_text("不是工作簿", encoding="utf-8")
    rc, out, err = run("assessment", "import", str(path), "--year", "2026", "--kind", "乡镇")
    assert rc == 1 and out == ""
    assert "细则.xlsx" in err and "Traceback" not in err
    with pytest.raises(SystemExit) as exited:
        run("assessment", "import", str(path), "--year", "2026", "--kind", "县直")
    assert exited.value.code == 2


MEMBER_TRIAL = DATA / "member_2024_trial.xlsx"  # the trial's 成员单位考核细则2024.xlsx
TOWNSHIP_TRIAL = DATA / "township_2024_trial.docx"  # the trial's 乡镇考核细则2024.docx
HEADING_VARIANT = DATA / "township_2024_heading.docx"


def _show(run, path: Path, kind: str) -> list[str]:
    rc, out, err = run("assessment", "import", str(path), "--year", "2024", "--kind", kind)
    assert rc == 0, err
    rc, shown, err = run("assessment", "show", out.strip())
    assert rc == 0, err
    return shown.splitlines()[1:]


def test_show_prints_the_item_text_of_a_content_and_requirements_column(run):
    body = _show(run, MEMBER_TRIAL, "成员单位")
    assert body[:2] == [
        "（一）责任落实（20分）",
        "  1.召开专题会议研究部署本部门食品安全工作（5分）",
    ]
    assert "  15.发生重大食品安全舆情处置不力（扣5分）" in body
    assert [line for line in body if "【" in line] == [
        "加分项（加3分）【加分项】",
        "扣分项【扣分项】",
    ]
    assert all(line.split(".", 1)[1][0] != "（" for line in body if line.startswith("  "))
    _rc, out, _err = run("assessment", "list", "--json")
    assert [(r["points"], r["bonus_points"], r["items"]) for r in json.loads(out)] == [(100, 3, 21)]


@pytest.mark.parametrize("path", [TOWNSHIP_TRIAL, HEADING_VARIANT], ids=lambda p: p.name)
def test_show_keeps_one_bonus_heading_with_its_cap(run, path):
    body = _show(run, path, "乡镇")
    parsed = read_assessment(path)
    bonus = next(i for i in parsed.items if i.bonus)
    headings = [line for line in body if not line.startswith(" ")]
    assert [line for line in headings if "加分项" in line] == [
        f"{bonus.number}、加分项（加{format_points(bonus.points)}分）【加分项】"
    ]
    assert [line for line in headings if "扣分项" in line] == [
        f"{parsed.items[-1].number}、扣分项【扣分项】"
    ]
    start = body.index(headings[-2]) + 1
    assert body[start : start + len(bonus.children)] == [
        f"  {c.number}.{c.title}（加{format_points(c.points)}分）" for c in bonus.children
    ]
    _rc, out, _err = run("assessment", "list", "--json")
    assert [(r["points"], r["bonus_points"]) for r in json.loads(out)] == [(100, bonus.points)]
    _rc, out, _err = run("assessment", "show", str(json.loads(out)[0]["id"]), "--json")
    leaves = [i for i in json.loads(out)["items"] if i["level"] == 2 and not i["bonus"]]
    assert leaves[0]["evidence"].startswith("提供")
