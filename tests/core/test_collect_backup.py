"""A batch of returned workbooks is imported only after a backup of the state before it."""

from __future__ import annotations

from sqlalchemy import func, select

from foodsafety_desktop.core.services.collect import collect_files
from foodsafety_desktop.core.storage import backup
from foodsafety_desktop.core.storage.database import open_database
from foodsafety_desktop.core.storage.models import Submission

from .collect_fixtures import build_scenario, fill

MARKET = "县市场监管局"


def test_the_backup_before_a_batch_holds_the_state_before_it(db, tmp_path) -> None:
    scenario = build_scenario(db, tmp_path / "templates", [MARKET])
    returned = fill(scenario.templates[MARKET], tmp_path / "returned" / "市场监管局.xlsx")
    stem = db.sqlite_path.stem
    folder = db.sqlite_path.parent / "backups"  # beside the ledger
    before = {b.path for b in backup.list_backups(folder, stem=stem)}

    outcomes = collect_files(db, [returned], user="测试")
    assert [o.accepted for o in outcomes] == [True]

    made = [b for b in backup.list_backups(folder, stem=stem) if b.path not in before]
    assert [b.reason for b in made] == ["submissions"]
    copy = open_database(made[0].path)
    with copy.session() as s:
        assert s.scalar(select(func.count()).select_from(Submission)) == 0
    copy.close()
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Submission)) == 1


def test_sweep_leaves_files_written_after_it_started(db, tmp_path) -> None:
    import os
    import time

    from foodsafety_desktop.core.paths import archive_dir_for
    from foodsafety_desktop.core.services.collect import ORPHANS_DIR, sweep_orphan_archives

    root = archive_dir_for(db.sqlite_path)
    folder = root / "submissions" / "7"
    folder.mkdir(parents=True)
    crashed = folder / "abc_县市场监管局.xlsx"  # left by an import a power cut interrupted
    crashed.write_bytes(b"old")
    os.utime(crashed, (time.time() - 3600, time.time() - 3600))
    started = time.time() - 60
    running = folder / "def_县卫健委.xlsx"  # being archived by an import right now
    running.write_bytes(b"new")

    moved = sweep_orphan_archives(db, older_than=started)

    assert moved == [crashed]
    assert (root / ORPHANS_DIR / "submissions" / "7" / crashed.name).read_bytes() == b"old"
    assert running.exists()


def test_a_batch_that_stores_nothing_makes_no_backup(db, tmp_path) -> None:
    """Re-collecting a folder (every file already imported) or a batch of refused files
    changes nothing: a backup of it would push a useful one of the day out of the
    rotation."""
    scenario = build_scenario(db, tmp_path / "templates", [MARKET])
    returned = fill(scenario.templates[MARKET], tmp_path / "returned" / "市场监管局.xlsx")
    broken = tmp_path / "returned" / "坏文件.xlsx"
    broken.write_bytes(b"PK\x03\x04 not a workbook")
    folder = db.sqlite_path.parent / "backups"
    stem = db.sqlite_path.stem
    assert [o.accepted for o in collect_files(db, [returned], user="测试")] == [True]
    before = [b.path for b in backup.list_backups(folder, stem=stem)]

    again = collect_files(db, [returned, broken], user="测试")

    assert [(o.accepted, o.already_imported) for o in again] == [(False, True), (False, False)]
    assert [b.path for b in backup.list_backups(folder, stem=stem)] == before
