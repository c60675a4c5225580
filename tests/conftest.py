"""Shared test setup: Qt offscreen, a private data folder for every test, and the database
backends (``any_db_url``: SQLite, and PostgreSQL when ``FOODSAFETY_TEST_PG`` is set)."""

from __future__ import annotations

import os
import tempfile

# Must be set before any Qt import (pytest-qt creates the QApplication lazily).
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Never the clerk's real data folder, even where a test undoes its monkeypatches.
os.environ["FOODSAFETY_DATA_DIR"] = tempfile.mkdtemp(prefix="foodsafety-tests-")

import pytest
from pg import backend_params, database_url_for


@pytest.fixture(autouse=True)
def private_data_dir(tmp_path, monkeypatch):
    """Keep the per-user data folder (archive, backups, default db) inside tmp_path."""
    data = tmp_path / "appdata"
    monkeypatch.setenv("FOODSAFETY_DATA_DIR", str(data))
    return data


@pytest.fixture(params=backend_params())
def any_db_url(request, tmp_path):
    """The URL of a new, empty database, once on SQLite and once on PostgreSQL (skipped
    without ``FOODSAFETY_TEST_PG``); each test has its own database, dropped afterwards."""
    with database_url_for(request.param, tmp_path) as url:
        yield url
