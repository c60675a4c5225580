"""``evidence add / list / open / remove`` and ``assessment export`` on SQLite and
PostgreSQL: what goes to standard output (data), to standard error (notes), the exit
codes, and what a reopened database and the written files hold."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import docx
import pytest
from core.evidence_fixtures import MARKET, ledger_with_submission, make_pdf, make_png

from foodsafety_desktop.app import main
from foodsafety_desktop.core.services.evidence import evidence_list
from foodsafety_desktop.core.storage.database import open_database

DATA = Path(__file__).resolve().parent / "data" / "assessment"


@pytest.fixture
def run(any_db_url, capsys):
    def run(*args: str) -> tuple[int, str, str]:
        rc = main(["--db", any_db_url, *args])
        out, err = capsys.readouterr()
        return rc, out, err

    return run


@pytest.fixture
def scene(any_db_url, tmp_path, run):
    db = open_database(any_db_url)
    try:
        ledger = ledger_with_submission(db, tmp_path / "ledger")
    finally:
        db.close()
    rc, out, _ = run(
        "assessment", "import", str(DATA / "township_2026.xlsx"), "--year", "2022", "--kind", "乡镇"
    )
    assert rc == 0
    return ledger, int(out.strip())


def _listed(url, **filters):
    db = open_database(url)
    try:
        with db.session() as s:
            return evidence_list(s, **filters)
    finally:
        db.close()


def test_add_list_open_remove(any_db_url, tmp_path, run, scene):
    ledger, assessment_id = scene
    pdf = make_pdf(tmp_path / "抽检 计划.pdf", 2)
    photo = make_png(tmp_path / "现场照片.png")
    empty = tmp_path / "空白.docx"
    empty.write_bytes(b"")
    task = f"#{ledger.answered[0]}"
    rc, out, err = run(
        "evidence", "add", str(pdf), str(photo), str(empty), "--task", task, "--unit", MARKET,
        "--note", "盖章版",
    )  # fmt: skip
    assert rc == 1  # one file could not be added; the others are kept
    lines = out.splitlines()
    assert lines[0].startswith("已添加\t抽检 计划.pdf\t编号 ")
    assert lines[1].startswith("已添加\t现场照片.png\t编号 ")
    assert lines[2].startswith("未添加\t空白.docx\t") and "空文件" in lines[2]
    assert "添加了 2 个文件" in err and "1 个未能添加" in err
    stored = _listed(any_db_url, task_id=ledger.answered[0])
    assert [(e.name, e.note, e.department_name) for e in stored] == [
        ("抽检 计划.pdf", "盖章版", MARKET),
        ("现场照片.png", "盖章版", MARKET),
    ]

    # Again: nothing added twice, not a failure.
    rc, out, err = run("evidence", "add", str(pdf), "--task", task, "--unit", MARKET, "--json")
    assert rc == 0
    (again,) = json.loads(out)
    assert again["status"] == "duplicate" and again["evidence"]["id"] == stored[0].id

    # A 细则 item by its number as `assessment link` writes it, and by the 目录's 序号.
    rc, out, _ = run(
        "evidence", "add", str(photo), "--item", "一.2", "--assessment", str(assessment_id),
        "--unit", MARKET,
    )  # fmt: skip
    assert rc == 0, out
    rc, out, _ = run(
        "evidence", "add", str(pdf), "--item", "1.3", "--assessment", str(assessment_id),
        "--unit", MARKET,
    )  # fmt: skip
    assert rc == 0, out
    items = _listed(any_db_url, assessment_id=assessment_id)
    assert [e.attached_to[:10] for e in items] == ["考核项目“2.落实地", "考核项目“3.将食品"]

    rc, out, _ = run("evidence", "list", "--unit", MARKET, "--json")
    listed = json.loads(out)
    assert rc == 0 and [e["name"] for e in listed] == [
        "抽检 计划.pdf",
        "现场照片.png",
        "现场照片.png",
        "抽检 计划.pdf",
    ]
    rc, out, _ = run("evidence", "list", "--task", task)
    assert out.splitlines()[0] == "编号\t文件名\t大小\t添加时间\t添加人\t单位\t添加到"
    assert len(out.splitlines()) == 3

    rc, out, _ = run("evidence", "open", str(stored[0].id))
    opened = Path(out.strip())
    assert rc == 0 and opened.name == "抽检 计划.pdf" and opened.read_bytes() == pdf.read_bytes()
    saved = tmp_path / "saved"
    saved.mkdir()
    rc, out, _ = run("evidence", "open", str(stored[0].id), "-o", str(saved))
    assert rc == 0 and (saved / "抽检 计划.pdf").read_bytes() == pdf.read_bytes()

    rc, out, err = run("evidence", "remove", str(stored[1].id))
    assert rc == 0 and "已删除佐证材料“现场照片.png”" in err
    assert [e.name for e in _listed(any_db_url, task_id=ledger.answered[0])] == ["抽检 计划.pdf"]
    rc, _, err = run("evidence", "open", str(stored[1].id))
    assert rc == 1 and "已被删除" in err


def test_add_needs_a_target_and_names_what_is_wrong(run, scene, tmp_path):
    pdf = make_pdf(tmp_path / "a.pdf", 1)
    rc, _, err = run("evidence", "add", str(pdf))
    assert rc == 1 and "请指定添加到哪里" in err
    rc, _, err = run("evidence", "add", str(pdf), "--item", "一.2")
    assert rc == 1 and "--assessment" in err
    rc, _, err = run("evidence", "add", str(pdf), "--task", "（三）")
    assert rc == 1 and "--plan" in err
    rc, _, err = run("evidence", "add", str(pdf), "--task", "#999999")
    assert rc == 1 and "没有编号为 999999 的任务" in err
    rc, _, err = run("evidence", "add", str(pdf), "--submission", "1", "--unit", "不存在的局")
    assert rc == 1 and "未找到单位“不存在的局”" in err


def test_assessment_export_one_unit_and_the_county(run, scene, tmp_path):
    _, assessment_id = scene
    pdf = make_pdf(tmp_path / "会议纪要.pdf", 3)
    rc, _, _ = run(
        "evidence", "add", str(pdf), "--item", "一.1", "--assessment", str(assessment_id),
        "--unit", MARKET,
    )  # fmt: skip
    assert rc == 0
    target = tmp_path / "档案"
    rc, out, err = run(
        "assessment", "export", str(assessment_id), "--unit", MARKET, "-o", str(target)
    )
    assert rc == 0, err
    assert out.strip() == str(target)
    assert (target / "01 一、党政同责" / "01-会议纪要.pdf").read_bytes() == pdf.read_bytes()
    assert f"已导出{MARKET}的考核档案" in err and "1 个文件" in err and "尚无佐证材料" in err
    index = docx.Document(str(target / "目录.docx"))
    cells = [c.text for c in index.tables[0].rows[2].cells]
    assert cells == ["一.1", cells[1], "01-会议纪要.pdf", "3", "1—3"]

    rc, _, err = run(
        "assessment", "export", str(assessment_id), "--unit", MARKET, "-o", str(target)
    )
    assert rc == 1 and "不是空的" in err and "--overwrite" in err
    rc, out, err = run(
        "assessment", "export", str(assessment_id), "-o", str(tmp_path / "全县.zip"), "--json"
    )
    assert rc == 0, err
    data = json.loads(out)
    # A 乡镇 细则 does not assess 县市场监管局: its file is not in the county's file.
    assert data["unit"] == "全县" and data["files"] == 0
    assert [r["file"] for r in data["rows"] if r["file"]] == []
    with zipfile.ZipFile(tmp_path / "全县.zip") as archive:
        assert archive.namelist() == ["全县/目录.docx"]

    rc, _, err = run("assessment", "export", "999", "-o", str(tmp_path / "x"))
    assert rc == 1 and "没有编号为 999 的考核细则" in err
