"""Demo data (services.demo)."""

from __future__ import annotations

import importlib.util
import sys
import types
from pathlib import Path

import pytest
from sqlalchemy import func, select

from foodsafety_desktop.core.paths import archive_dir
from foodsafety_desktop.core.plans.model import ParsedItem, ParsedPlan, ParsedTask
from foodsafety_desktop.core.services import demo
from foodsafety_desktop.core.storage.models import Plan

HAS_READER = importlib.util.find_spec("foodsafety_desktop.core.plans.reader") is not None


def test_seed_files_are_found():
    files = demo.seed_files()
    assert [f.name[:3] for f in files] == ["000", "001", "002", "003", "004"]
    assert demo.seeds_dir().name == "seeds"


@pytest.mark.skipif(not HAS_READER, reason="plan reader not written yet")
def test_create_demo_database(tmp_path):
    path = tmp_path / "demo.sqlite3"
    db = demo.create_demo_database(path)
    try:
        with db.session() as s:
            assert s.scalar(select(func.count()).select_from(Plan)) == 5
    finally:
        db.close()
    again = demo.create_demo_database(path)  # seeds already there: skipped, no error
    try:
        with again.session() as s:
            assert s.scalar(select(func.count()).select_from(Plan)) == 5
    finally:
        again.close()


def test_create_demo_database_with_a_stand_in_reader(tmp_path, monkeypatch):
    def read_plan(path):
        task = ParsedTask("1.", [], "任务", "任务。", [ParsedItem("任务。", ["区卫健委"])])
        return ParsedPlan(title=Path(path).stem, jurisdiction="区", tasks=[task])

    module = types.ModuleType("foodsafety_desktop.core.plans.reader")
    module.read_plan = read_plan
    monkeypatch.setitem(sys.modules, module.__name__, module)
    path = tmp_path / "demo" / "演示.sqlite3"
    path.parent.mkdir()
    for _ in range(2):  # the second call finds every seed imported already
        db = demo.create_demo_database(path)
        try:
            with db.session() as s:
                titles = s.scalars(select(Plan.title).order_by(Plan.id)).all()
        finally:
            db.close()
        assert titles == [f.stem for f in demo.seed_files()]
    assert len(list((path.parent / "archive" / "plans").iterdir())) == 5
    assert not archive_dir().exists()  # the user's data folder is left alone
