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
    before = {b.path for b in backup.list_backups(stem=stem)}

    outcomes = collect_files(db, [returned], user="测试")
    assert [o.accepted for o in outcomes] == [True]

    made = [b for b in backup.list_backups(stem=stem) if b.path not in before]
    assert [b.reason for b in made] == ["submissions"]
    copy = open_database(made[0].path)
    with copy.session() as s:
        assert s.scalar(select(func.count()).select_from(Submission)) == 0
    copy.close()
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Submission)) == 1
