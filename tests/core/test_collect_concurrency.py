"""Two clerks collecting the same returned workbooks at the same time import each once.

Two ``collect`` processes (``python -m foodsafety_desktop --db DB collect FOLDER --json``)
are started together on the same six workbooks, trial after trial, on one SQLite file
and — when ``FOODSAFETY_TEST_PG`` names a server — on a fresh PostgreSQL database.
Every file must be stored exactly once (one current submission per department, one
copy per file, every row), and for every file the process that did not store it must
say so as 已导入过 / 已由另一位用户… — a skipped file, not a failure (exit 0).

``COLLECT_TRIALS`` sets the number of trials on SQLite (default 20, about 30 s; lower
it on a slow machine, raise it to hunt a race), ``COLLECT_PG_TRIALS`` on PostgreSQL (20).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select

from foodsafety_desktop.core.storage.database import open_database
from foodsafety_desktop.core.storage.models import (
    AuditEntry,
    StoredFile,
    Submission,
    SubmissionEntry,
)
from foodsafety_desktop.core.storage.originals import FolderOriginals, originals_of

from .collect_fixtures import build_scenario, data_rows, fill

TRIALS = int(os.environ.get("COLLECT_TRIALS", "20"))
PG_TRIALS = int(os.environ.get("COLLECT_PG_TRIALS", "20"))
NAMES = ["县市场监管局", "县卫健委", "县农业农村局", "县公安局", "县发改委", "县商务局"]
REPO = Path(__file__).resolve().parents[2]


def _start(url: str, folder: Path, data: Path) -> subprocess.Popen[str]:
    env = dict(os.environ, FOODSAFETY_DATA_DIR=str(data), PYTHONPATH=str(REPO))
    return subprocess.Popen(
        [
            *(sys.executable, "-m", "foodsafety_desktop", "--db", url),
            *("collect", str(folder), "--json", "--accept-warnings"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
        encoding="utf-8",
        cwd=REPO,
    )


def _reset(db) -> None:
    """Back to no submission at all (the plan, periods and templates stay)."""
    with db.session() as s:
        s.execute(delete(SubmissionEntry))
        s.execute(delete(Submission))
        s.execute(delete(AuditEntry).where(AuditEntry.action == "submission.collect"))
        s.execute(delete(StoredFile).where(StoredFile.path.startswith("submissions/")))
    originals = originals_of(db)
    if isinstance(originals, FolderOriginals):
        shutil.rmtree(originals.root / "submissions", ignore_errors=True)


def _archived(db) -> Counter[str]:
    """The stored originals of returned workbooks: the files beside a SQLite ledger
    (with any partial file left behind), the rows of a server database."""
    originals = originals_of(db)
    if isinstance(originals, FolderOriginals):
        root = originals.root
        return Counter(
            p.relative_to(root).as_posix() for p in (root / "submissions").rglob("*") if p.is_file()
        )
    with db.session() as s:
        return Counter(
            s.scalars(select(StoredFile.path).where(StoredFile.path.startswith("submissions/")))
        )


def test_two_clerks_collect_the_same_files_once(any_db_url, tmp_path):
    db = open_database(any_db_url)
    try:
        sc = build_scenario(db, tmp_path / "templates", NAMES)
        folder = tmp_path / "returned"
        files = {
            fill(sc.templates[name], folder / f"{n}-{name}.xlsx", status="已完成").name: name
            for n, name in enumerate(NAMES, start=1)
        }
        rows = {f: len(data_rows(folder / f)) for f in files}
        sqlite = db.is_sqlite
        trials = TRIALS if sqlite else PG_TRIALS
        races = Counter()  # how the second process learnt of it: at check / at commit
        for trial in range(trials):
            where = f"trial {trial + 1}/{trials} ({db.engine.dialect.name})"
            _reset(db)
            # Two clerks: each has a data folder of their own (logs; the originals are
            # kept with the database).
            datas = [tmp_path / f"trial{trial}" / clerk for clerk in ("a", "b")]
            procs = [_start(any_db_url, folder, data) for data in datas]
            results = []
            for proc in procs:
                out, err = proc.communicate(timeout=120)
                assert proc.returncode == 0, f"{where}: exit {proc.returncode}\n{out}\n{err}"
                assert "Traceback" not in err, f"{where}: {err}"
                results.append([json.loads(line) for line in out.splitlines()])
            per_file: dict[str, list[dict]] = {}
            for lines in results:
                assert len(lines) == len(files), where
                for r in lines:
                    per_file.setdefault(Path(r["file"]).name, []).append(r)
            for name, pair in per_file.items():
                imported = [r for r in pair if r["accepted"]]
                skipped = [r for r in pair if not r["accepted"]]
                assert len(imported) == 1 and len(skipped) == 1, f"{where} {name}: {pair}"
                other = skipped[0]
                assert other["already_imported"] is True, f"{where} {name}: {other}"
                assert other["errors"] == [], f"{where} {name}: {other}"
                text = other["notes"][0]["text"]
                assert "导入过" in text or "已由另一位用户" in text, f"{where}: {text}"
                races["commit" if "已由另一位用户" in text else "check"] += 1
            with db.session() as s:
                subs = s.scalars(select(Submission)).all()
                assert len(subs) == len(files), f"{where}: {len(subs)} submissions"
                assert len({x.sha256 for x in subs}) == len(files), where
                current = Counter((x.period_id, x.department_id) for x in subs if x.is_current)
                assert len(current) == len(files) and set(current.values()) == {1}, where
                assert {x.period_id for x in subs} == {sc.q3}, where
                for sub in subs:
                    n = s.scalar(
                        select(func.count())
                        .select_from(SubmissionEntry)
                        .where(SubmissionEntry.submission_id == sub.id)
                    )
                    assert n == rows[sub.source_name], f"{where} {sub.source_name}: {n} rows"
                audits = s.scalar(
                    select(func.count())
                    .select_from(AuditEntry)
                    .where(AuditEntry.action == "submission.collect")
                )
                assert audits == len(files), where
                referenced = {x.archive_path for x in subs}
            archived = _archived(db)  # one store for both clerks: the database's
            assert set(archived) == referenced, f"{where}: archive {archived} ≠ {referenced}"
            assert set(archived.values()) == {1}, f"{where}: a file archived twice {archived}"
            if sqlite:
                with db.engine.connect() as c:
                    assert c.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok", where
        print(
            f"\n{db.engine.dialect.name}: {trials} trials × {len(files)} files, every file "
            f"imported once; the other process learnt it at check {races['check']} times, "
            f"at commit (under the lock) {races['commit']} times"
        )
    finally:
        db.close()


def test_migration_0005_resolves_the_doubles_a_race_left(tmp_path):
    """An office database with doubled imports (made before 0005) upgrades without fail:
    the newest current stays current, the other copies of the same file go."""
    from alembic import command

    from foodsafety_desktop.core.services.collect import collect_files
    from foodsafety_desktop.core.storage.database import alembic_config, upgrade_schema

    from .collect_fixtures import USER

    path = tmp_path / "office.sqlite3"
    db = open_database(path)
    sc = build_scenario(db, tmp_path / "templates", NAMES[:2])
    first = fill(sc.templates[NAMES[0]], tmp_path / "in" / "a.xlsx", status="已完成")
    second = fill(sc.templates[NAMES[1]], tmp_path / "in" / "b.xlsx", status="滞后")
    outcomes = collect_files(db, [first, second], user=USER, accept_warnings=True)
    assert all(o.accepted for o in outcomes)
    command.downgrade(alembic_config(db.engine), "0004")
    columns = (
        "period_id, department_id, received_at, source_name, sha256, archive_path, reporter,"
        " phone, filled_on, is_current, replaced_submission_id, warnings_json"
    )
    with db.engine.begin() as c:  # what the race made: each file imported twice, both current
        for sid in (1, 2):
            c.exec_driver_sql(
                f"INSERT INTO submission ({columns}) SELECT {columns} FROM submission"
                f" WHERE id = {sid}"
            )
            new = c.exec_driver_sql("SELECT max(id) FROM submission").scalar()
            c.exec_driver_sql(
                "INSERT INTO submission_entry (submission_id, task_id, item_id, indicator_id,"
                " status, measures, data, examples, problems, next_steps, value, value_text)"
                f" SELECT {new}, task_id, item_id, indicator_id, status, measures, data,"
                " examples, problems, next_steps, value, value_text FROM submission_entry"
                f" WHERE submission_id = {sid}"
            )
    upgrade_schema(db.engine)
    with db.session() as s:
        subs = s.scalars(select(Submission).order_by(Submission.id)).all()
        assert [(x.id, x.is_current) for x in subs] == [(3, True), (4, True)]
        for x in subs:
            n = s.scalar(
                select(func.count())
                .select_from(SubmissionEntry)
                .where(SubmissionEntry.submission_id == x.id)
            )
            assert n == len(data_rows(first if x.source_name == "a.xlsx" else second))
    with db.engine.connect() as c:
        assert c.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    # the constraints hold from now on
    with pytest.raises(Exception, match="UNIQUE"), db.engine.begin() as c:
        c.exec_driver_sql(
            f"INSERT INTO submission ({columns}) SELECT {columns} FROM submission WHERE id = 3"
        )
    db.close()
