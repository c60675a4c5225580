"""Shared test setup: Qt offscreen, and a private data folder for every test."""

from __future__ import annotations

import os
import tempfile

# Must be set before any Qt import (pytest-qt creates the QApplication lazily).
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Never the clerk's real data folder, even where a test undoes its monkeypatches.
os.environ["FOODSAFETY_DATA_DIR"] = tempfile.mkdtemp(prefix="foodsafety-tests-")

import pytest


@pytest.fixture(autouse=True)
def private_data_dir(tmp_path, monkeypatch):
    """Keep the per-user data folder (archive, backups, default db) inside tmp_path."""
    data = tmp_path / "appdata"
    monkeypatch.setenv("FOODSAFETY_DATA_DIR", str(data))
    return data
