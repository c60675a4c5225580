"""The five real plans, read from ``../shared/seeds/`` exactly as the office received them.

Their file names are opaque (``000_097644cdd73f6f98.txt``); tests pick a seed by its
number.  ``resources/seeds/`` holds copies for the demo database only.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEEDS_DIR = Path(os.environ.get("FOODSAFETY_SEEDS_DIR", ROOT.parent / "shared" / "seeds"))
NUMBERS = ("000", "001", "002", "003", "004")


def seed_files() -> list[Path]:
    """Every seed plan, in number order."""
    files = sorted(p for p in SEEDS_DIR.glob("*") if p.is_file() and p.name[:3] in NUMBERS)
    if len(files) != len(NUMBERS):
        raise FileNotFoundError(
            f"expected the five seed plans in {SEEDS_DIR} (set FOODSAFETY_SEEDS_DIR)"
        )
    return files


def seed_path(number: str) -> Path:
    """The seed plan numbered ``number`` ("000" … "004")."""
    return next(p for p in seed_files() if p.name.startswith(number))
