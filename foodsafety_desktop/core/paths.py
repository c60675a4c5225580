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


def archive_dir_for(database_file: Path) -> Path:
    """Original files (plans, returned workbooks) of a SQLite ledger: ``archive/`` beside it.

    Beside the file, not in the data folder: a ledger on ``D:\\台账`` or a USB stick takes
    its originals along, and two ledgers in different folders never share one archive.
    """
    return Path(database_file).parent / "archive"


def backups_dir_for(database_file: Path) -> Path:
    """The backups of a SQLite ledger: ``backups/`` beside it (names start with its stem)."""
    return Path(database_file).parent / "backups"


def legacy_archive_dir() -> Path:
    """Where versions before 0.6 archived the originals of every database."""
    return data_dir() / "archive"
