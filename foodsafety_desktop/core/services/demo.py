"""Demo data: a database filled from the five real seed plans in ``resources/seeds``."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import select

from foodsafety_desktop.core.errors import UserError
from foodsafety_desktop.core.services.plan_import import (
    ImportResult,
    file_sha256,
    import_plan_file,
)
from foodsafety_desktop.core.storage.database import Database, open_database
from foodsafety_desktop.core.storage.models import Plan

DEMO_USER = "演示数据"
SEED_SUFFIXES = (".txt", ".md", ".docx")


def seeds_dir() -> Path:
    """The folder of the seed plans.

    Looked up inside the package first (``foodsafety_desktop/resources/seeds``, for an
    installed wheel that ships them) and then in the source tree's ``resources/seeds``.
    """
    package = Path(__file__).resolve().parents[2]
    for candidate in (package / "resources" / "seeds", package.parent / "resources" / "seeds"):
        if candidate.is_dir():
            return candidate
    return package.parent / "resources" / "seeds"


def seed_files() -> list[Path]:
    """The seed plans in import order (by file name: 000_…, 001_…)."""
    folder = seeds_dir()
    if not folder.is_dir():
        raise UserError(f"找不到演示数据文件夹：{folder}")
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in SEED_SUFFIXES)


def create_demo_database(path: str | os.PathLike[str]) -> Database:
    """Open (or create) the database at ``path`` and import the seed plans into it.

    Seeds already imported (same file contents) are skipped, so calling this again on
    the same file is harmless.  Task statuses are left as imported (未启动).  The seed
    files are archived next to the database (``<folder>/archive``), not in the user's
    data folder, so a throw-away demo leaves nothing behind.
    """
    path = Path(path)
    db = open_database(path)
    try:
        import_seeds(db, archive_root=path.resolve().parent / "archive")
    except BaseException:
        db.close()
        raise
    return db


def import_seeds(db: Database, archive_root: Path | None = None) -> list[ImportResult]:
    """Import every seed plan not yet in the database."""
    with db.session() as session:
        known = set(
            session.scalars(select(Plan.source_sha256).where(Plan.source_sha256.isnot(None)))
        )
    results = []
    for seed in seed_files():
        if file_sha256(seed) in known:
            continue
        results.append(
            import_plan_file(db, seed, user=DEMO_USER, archive_root=archive_root, backup=False)
        )
    return results
