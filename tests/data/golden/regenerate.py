"""Rewrite the golden files from the seed plans: run deliberately, then READ the diff.

    python tests/data/golden/regenerate.py

Each ``<number>_<place>_<year>.json`` is ``ParsedPlan.to_json()`` of the seed plan of that
number in ``../shared/seeds/``, read through the plan reader exactly as a clerk's file
would be.  Tests never call this; a golden file changes only after a person has checked
every task (label, title, lead, others, deadline, items) against the seed text.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
GOLDEN = Path(__file__).resolve().parent


def golden_text(seed: Path) -> str:
    from foodsafety_desktop.core.plans.reader import read_plan

    plan = read_plan(seed)
    return json.dumps(plan.to_json(), ensure_ascii=False, indent=2) + "\n"


def main() -> None:
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "tests"))
    from seeds import seed_files

    for seed in seed_files():
        (target,) = GOLDEN.glob(f"{seed.name[:3]}_*.json")
        text = golden_text(seed)
        changed = target.read_text(encoding="utf-8") != text
        target.write_text(text, encoding="utf-8")
        print(f"{'updated ' if changed else 'same    '} {target.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
