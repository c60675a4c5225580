"""Collecting a folder as departments' answers arrive in it: every file is accounted for.

The workbooks are collected; every other file of the folder (a Word letter, an Office
lock file, a WPS .et, a zip, a subfolder) gets a line "未收取" with its reason, is not a
failure, and changes nothing.
"""

from __future__ import annotations

import json

import pytest
from core.collect_fixtures import build_scenario, fill
from sqlalchemy import func, select

from foodsafety_desktop.app import main
from foodsafety_desktop.core.services.collect import scan_paths
from foodsafety_desktop.core.storage.database import open_database
from foodsafety_desktop.core.storage.models import Submission

OTHERS = {
    "说明函.docx": "不是 Excel 报送表",
    "~$市场监管局.xlsx": "临时文件",
    "农业农村局.et": "另存为",
    "附件材料.zip": "解压",
    "照片": "子文件夹",
    "Thumbs.db": "系统生成",
}


@pytest.fixture
def inbox(tmp_path):
    """A ledger with Q3 templates, and the folder the answers were saved into."""
    path = tmp_path / "ledger.sqlite3"
    db = open_database(path)
    try:
        sc = build_scenario(db, tmp_path / "templates", ["县市场监管局", "县卫健委"])
    finally:
        db.close()
    folder = tmp_path / "收到的报送表"
    fill(sc.templates["县市场监管局"], folder / "市场监管局.xlsx", status="已完成")
    fill(sc.templates["县卫健委"], folder / "卫健委.xlsx", status="已完成")
    for name in OTHERS:
        if name == "照片":
            (folder / name).mkdir()
            (folder / name / "现场.jpg").write_bytes(b"\xff\xd8\xff")
        else:
            (folder / name).write_bytes(b"not a workbook")
    return path, folder


def test_scan_lists_every_other_file_with_its_reason(inbox):
    _path, folder = inbox
    scan = scan_paths([folder])
    assert [p.name for p in scan.files] == ["卫健委.xlsx", "市场监管局.xlsx"]
    reasons = {p.name: reason for p, reason in scan.skipped}
    assert set(reasons) == set(OTHERS)
    for name, word in OTHERS.items():
        assert word in reasons[name], (name, reasons[name])


def test_cli_names_every_file_not_collected_and_exits_0(inbox, capsys):
    path, folder = inbox
    assert main(["--db", str(path), "collect", str(folder), "--accept-warnings"]) == 0
    captured = capsys.readouterr()
    lines = [line.split("\t") for line in captured.out.splitlines() if not line.startswith(" ")]
    verdicts = {parts[1]: parts[0] for parts in lines}
    assert verdicts == {
        **dict.fromkeys(OTHERS, "未收取"),
        "市场监管局.xlsx": "已导入",
        "卫健委.xlsx": "已导入",
    }
    reason = next(parts[2] for parts in lines if parts[1] == "农业农村局.et")
    assert "WPS" in reason and ".xlsx" in reason
    assert f"另有 {len(OTHERS)} 个文件不是报送表，未收取" in captured.err
    db = open_database(path)
    try:
        with db.session() as s:
            assert s.scalar(select(func.count()).select_from(Submission)) == 2
    finally:
        db.close()


def test_cli_json_gives_each_file_not_collected_a_line(inbox, capsys):
    path, folder = inbox
    assert main(["--db", str(path), "collect", str(folder), "--json", "--accept-warnings"]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    by_status: dict[str, set[str]] = {}
    for record in records:
        by_status.setdefault(record["status"], set()).add(record["file"].rsplit("/", 1)[-1])
    assert by_status == {
        "not_collected": set(OTHERS),
        "imported": {"市场监管局.xlsx", "卫健委.xlsx"},
    }
    assert all(r["reason"] for r in records if r["status"] == "not_collected")


def test_a_folder_without_workbooks_still_says_what_it_holds(tmp_path, capsys):
    folder = tmp_path / "空"
    folder.mkdir()
    (folder / "通知.pdf").write_bytes(b"%PDF-1.4")
    assert main(["--db", str(tmp_path / "l.sqlite3"), "collect", str(folder)]) == 1
    captured = capsys.readouterr()
    assert captured.out.startswith("未收取\t通知.pdf\t不是 Excel 报送表")
    assert "没有 Excel 报送表" in captured.err


def test_a_corrected_file_says_it_replaced_the_earlier_one(inbox, tmp_path, capsys):
    """A department's second file of the period replaces its first: the line says so,
    and ``--json`` names the submission it replaced."""
    path, folder = inbox
    first = folder / "市场监管局.xlsx"
    assert main(["--db", str(path), "collect", str(first), "--json"]) == 0
    [before] = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert before["replaced_submission_id"] is None
    corrected = fill(first, tmp_path / "市场监管局-更正.xlsx", status="滞后")
    assert main(["--db", str(path), "collect", str(corrected)]) == 0
    out = capsys.readouterr().out
    assert "已导入" in out and "替换了该单位本期此前的报送（原报送保留在历史中）" in out, out
    again = fill(first, tmp_path / "市场监管局-再更正.xlsx", status="已完成")
    assert main(["--db", str(path), "collect", str(again), "--json"]) == 0
    [after] = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    db = open_database(path)
    try:
        with db.session() as s:
            ids = s.scalars(select(Submission.id).order_by(Submission.id)).all()
    finally:
        db.close()
    assert after["replaced_submission_id"] == ids[1] and after["submission_id"] == ids[2]
