"""Fixtures of the core tests: a fresh database in tmp_path."""

from __future__ import annotations

import pytest

from foodsafety_desktop.core.storage.database import open_database


@pytest.fixture
def db(tmp_path, monkeypatch):
    """A new database at ``tmp_path/t.sqlite3``; the data folder is ``tmp_path``."""
    monkeypatch.setenv("FOODSAFETY_DATA_DIR", str(tmp_path))
    database = open_database(tmp_path / "t.sqlite3")
    yield database
    database.close()


@pytest.fixture
def session(db):
    """One unit of work on ``db``, committed at the end of the test."""
    with db.session() as s:
        yield s
