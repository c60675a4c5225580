"""Child process of the kill trials: collect the listed workbooks into one database.

Usage: ``python kill_import_worker.py DATABASE LIST_FILE`` with ``FOODSAFETY_DATA_DIR``
set to the data folder.  ``LIST_FILE`` holds one workbook path per line, imported in
that order by ``collect.collect_files`` (a transaction per batch); a line ``--`` ends a
batch (a resubmission replaces the earlier answer only from a later batch: within one
batch only the newest version of a department's answer goes in).  Prints ``ready``
once the database is open (the parent starts its clock then) and, at the end, one JSON
line with the outcomes; exits 0.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

BATCH_END = "--"


def main(argv: list[str]) -> int:
    database, list_file = Path(argv[1]), Path(argv[2])
    from foodsafety_desktop.core.services.collect import collect_files
    from foodsafety_desktop.core.storage.database import open_database

    batches: list[list[Path]] = [[]]
    for line in list_file.read_text("utf-8").splitlines():
        if line.strip() == BATCH_END:
            batches.append([])
        elif line.strip():
            batches[-1].append(Path(line))
    db = open_database(database)
    print("ready", flush=True)
    outcomes = []
    for batch in batches:
        outcomes += collect_files(db, batch, user="断电测试", accept_warnings=True)
    db.close()
    print(json.dumps([o.as_dict() for o in outcomes], ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
