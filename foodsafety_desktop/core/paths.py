"""Where the application keeps its data (the per-user data folder on Windows)."""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "foodsafety-desktop"
APP_AUTHOR = "foodsafety"
DATA_DIR_ENV = "FOODSAFETY_DATA_DIR"  # lets tests and portable installs move the folder


def data_dir() -> Path:
    """The data folder (on Windows under ``%LOCALAPPDATA%\\foodsafety\\foodsafety-desktop``)."""
    override = os.environ.get(DATA_DIR_ENV)
    if override:
        return Path(override)
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME, APP_AUTHOR))


def default_database_path() -> Path:
    return data_dir() / "ledger.sqlite3"


def archive_dir() -> Path:
    """Original files (plans, returned workbooks) kept as received."""
    return data_dir() / "archive"


def backups_dir() -> Path:
    return data_dir() / "backups"
