"""Eight versions of one department's workbook in one batch: the newest goes in.

The files of one department and period are grouped; the newest (receipt date, then
填报日期) is imported, the others are reported as 旧版本 — not imported, not a failure.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time

from sqlalchemy import select

from foodsafety_desktop.app import main
from foodsafety_desktop.core.excel.template_layout import FILLED_ON_CELL
from foodsafety_desktop.core.services.collect import collect_files
from foodsafety_desktop.core.storage.database import open_database
from foodsafety_desktop.core.storage.models import Submission, SubmissionEntry

from .collect_fixtures import USER, build_scenario, fill

MARKET, HEALTH = "县市场监管局", "县卫健委"


def versions(sc, folder, count=8):
    """``count`` versions of the market bureau's answer, saved a day apart (the
    newest is not the last by name), and one answer of the health bureau."""
    paths = []
    base = time.time() - 30 * 86400
    for n in range(count):
        # Names that do not sort by age: 第3稿 is the newest.
        path = fill(
            sc.templates[MARKET],
            folder / f"市场监管局-第{(n + 3) % count + 1}稿.xlsx",
            measures=f"第{n + 1}次修改{{n}}",
            edits={FILLED_ON_CELL: None},
        )
        os.utime(path, (base + n * 86400, base + n * 86400))
        paths.append(path)
    health = fill(sc.templates[HEALTH], folder / "卫健委.xlsx", status="已完成")
    return paths, health


def test_only_the_newest_version_is_imported(any_db_url, tmp_path):
    db = open_database(any_db_url)
    try:
        sc = build_scenario(db, tmp_path / "templates", [MARKET, HEALTH])
        paths, health = versions(sc, tmp_path / "收到")
        outcomes = collect_files(db, [tmp_path / "收到"], user=USER, accept_warnings=True)
        by_name = {o.file_name: o for o in outcomes}
        newest = paths[-1].name
        assert by_name[newest].accepted and by_name[health.name].accepted
        older = [o for o in outcomes if o.older_version]
        assert len(older) == 7 and not any(o.failed for o in outcomes)
        assert all(f"更新的文件“{newest}”" in o.errors[0] for o in older)
        with db.session() as s:
            subs = s.scalars(select(Submission)).all()
            assert sorted(x.source_name for x in subs) == sorted([newest, health.name])
            market = next(x for x in subs if x.source_name == newest)
            measures = s.scalars(
                select(SubmissionEntry.measures).where(SubmissionEntry.submission_id == market.id)
            ).all()
            assert measures and all(m.startswith("第8次修改") for m in measures)
    finally:
        db.close()


def test_the_cli_reports_older_versions_as_skipped(tmp_path, capsys):
    path = tmp_path / "ledger.sqlite3"
    db = open_database(path)
    try:
        sc = build_scenario(db, tmp_path / "templates", [MARKET, HEALTH])
    finally:
        db.close()
    paths, _health = versions(sc, tmp_path / "收到", count=3)
    folder = str(tmp_path / "收到")
    assert main(["--db", str(path), "collect", folder, "--accept-warnings"]) == 0
    captured = capsys.readouterr()
    lines = [ln.split("\t") for ln in captured.out.splitlines() if not ln.startswith(" ")]
    verdicts = {parts[1]: parts[0] for parts in lines}
    assert verdicts[paths[-1].name] == "已导入"
    assert [verdicts[p.name] for p in paths[:-1]] == ["旧版本，跳过"] * 2
    assert "    说明：旧版本：" in captured.out
    assert "旧版本（跳过）2 个" in captured.err and "未导入 0 个" in captured.err

    # Collected again with --json: the stored one is skipped, the older ones still older.
    assert main(["--db", str(path), "collect", folder, "--json", "--accept-warnings"]) == 0
    records = {
        json.loads(line)["file"].rsplit("/", 1)[-1]: json.loads(line)["status"]
        for line in capsys.readouterr().out.splitlines()
    }
    assert records[paths[-1].name] == "skipped"
    assert [records[p.name] for p in paths[:-1]] == ["older_version"] * 2


def test_an_old_draft_found_in_a_later_folder_does_not_replace_the_final_one(tmp_path):
    db = open_database(tmp_path / "ledger.sqlite3")
    try:
        sc = build_scenario(db, tmp_path / "templates", [MARKET, HEALTH])
        paths, _health = versions(sc, tmp_path / "all", count=2)  # [初稿 (older), 定稿]
        draft, final = paths
        [stored] = collect_files(db, [final], user=USER, accept_warnings=True)
        assert stored.accepted
        [later] = collect_files(db, [draft], user=USER, accept_warnings=True)
        assert later.older_version and not later.accepted and not later.failed
        assert f"已导入的“{final.name}”收到日期" in later.errors[0]
        with db.session() as s:
            current = s.scalars(select(Submission).where(Submission.is_current.is_(True))).all()
            assert [x.source_name for x in current] == [final.name]
        # The clerk says when the draft really came (after the final one): it goes in.
        [chosen] = collect_files(
            db, [draft], user=USER, accept_warnings=True, received_at=dt.datetime.now()
        )
        assert chosen.accepted
    finally:
        db.close()
