"""Rewrite the golden files from the seed plans: run deliberately, then READ the diff.

    python tests/data/golden/regenerate.py

Each ``<seed-stem>.json`` is ``ParsedPlan.to_json()`` of ``resources/seeds/<seed>``.
Tests never call this; a golden file changes only after a person has checked every
task (label, title, lead, others, deadline, items) against the seed text.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
SEEDS = ROOT / "resources" / "seeds"
GOLDEN = Path(__file__).resolve().parent


def golden_text(seed: Path) -> str:
    from foodsafety_desktop.core.plans.parser import parse_text

    plan = parse_text(seed.read_text(encoding="utf-8"), seed.name)
    return json.dumps(plan.to_json(), ensure_ascii=False, indent=2) + "\n"


def main() -> None:
    sys.path.insert(0, str(ROOT))
    for seed in sorted(SEEDS.iterdir()):
        if seed.suffix not in {".txt", ".md"}:
            continue
        target = GOLDEN / f"{seed.stem}.json"
        text = golden_text(seed)
        changed = not target.exists() or target.read_text(encoding="utf-8") != text
        target.write_text(text, encoding="utf-8")
        print(f"{'updated ' if changed else 'same    '} {target.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
