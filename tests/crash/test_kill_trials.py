"""Crash safety of collecting returned workbooks: SIGKILL a 40-workbook import at random.

A child process (``kill_import_worker.py``) collects 40 filled workbooks (30 rows each,
four of them resubmissions that replace an earlier one) into a copy of a prepared
ledger; the parent kills it at a moment drawn by a seeded RNG from [0, the measured
length of a full import] and then checks the ledger: SQLite integrity, every workbook
fully in or fully out (in import order), one current submission per period and
department, the archive agreeing with the database, and that the ledger still opens and
collects.  A process kill keeps what reached the OS, so this tests the transaction and
archive logic; a power cut additionally relies on WAL + ``synchronous=FULL``.

Allowed state after a kill: the files of the transaction being written at that moment
(``FILES_PER_TRANSACTION`` files of one batch) may have left archive
copies (complete, or one ``.part``) that no submission refers to;
``collect.sweep_orphan_archives`` (run at start) removes the ``.part`` and moves the
copies to ``archive/orphaned/``, after which none remain.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from core.collect_fixtures import USER, build_scenario, fill

from foodsafety_desktop.core.services.collect.batch import FILES_PER_TRANSACTION

pytestmark = pytest.mark.skipif(
    sys.platform == "win32", reason="SIGKILL and POSIX process semantics are needed"
)

WORKER = Path(__file__).with_name("kill_import_worker.py")
TRIALS = int(os.environ.get("KILL_TRIALS", "50"))
SEED = 20261123
ROWS = 30  # rows per workbook
PERIODS = 9
# A group (各乡镇政府) reports through its members, so only departments here (issue 12).
DEPARTMENTS = ["县市场监管局", "县卫健委", "县商务局", "县农业农村局"]
RESUBMISSIONS = 4  # 9 periods × 4 departments + 4 resubmissions = 40 workbooks
DB_NAME = "ledger.sqlite3"


@dataclass
class Workbook:
    path: Path
    sha256: str
    archive_path: str  # relative to the archive root, as stored by a full import
    period_id: int
    department_id: int


@dataclass
class Prepared:
    pristine: Path  # a data folder: ledger.sqlite3 + archive/
    workbooks: list[Workbook]  # in import order
    batches: list[int]  # the worker's batch of each workbook
    list_file: Path
    duration: float  # seconds of a full import in the child (from "ready" to exit)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _copy_data(source: Path, target: Path) -> None:
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("backups"))


def _run_child(data: Path, list_file: Path) -> subprocess.Popen[str]:
    env = dict(os.environ, FOODSAFETY_DATA_DIR=str(data))
    stderr = open(data.parent / "worker.stderr", "w", encoding="utf-8")  # noqa: SIM115
    proc = subprocess.Popen(
        [sys.executable, str(WORKER), str(data / DB_NAME), str(list_file)],
        stdout=subprocess.PIPE,
        stderr=stderr,
        env=env,
        text=True,
        encoding="utf-8",
    )
    stderr.close()  # the child holds its own descriptor
    first = proc.stdout.readline() if proc.stdout else ""
    if first.strip() != "ready":
        proc.kill()
        proc.wait(timeout=60)
        err = (data.parent / "worker.stderr").read_text("utf-8")
        raise AssertionError(f"worker did not start: {first!r}\n{err}")
    return proc


@pytest.fixture(scope="module")
def prepared(tmp_path_factory) -> Prepared:
    from foodsafety_desktop.core.services import ledger, periods
    from foodsafety_desktop.core.services.templates import (
        template_filename,
        template_rows,
        write_template,
    )
    from foodsafety_desktop.core.storage.database import open_database
    from foodsafety_desktop.core.storage.models import Department, ReportingPeriod

    base = tmp_path_factory.mktemp("kill")
    pristine = base / "pristine"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("FOODSAFETY_DATA_DIR", str(pristine))
        pristine.mkdir()
        db = open_database(pristine / DB_NAME)
        sc = build_scenario(db, base / "templates", [])
        templates: dict[tuple[int, int], Path] = {}
        with db.session() as s:
            deps = [sc.departments[name] for name in DEPARTMENTS]
            for dep_id in deps:
                have = len(template_rows(s, sc.q3, dep_id))
                for i in range(ROWS - have):
                    task_id = ledger.add_task(
                        s,
                        sc.plan_id,
                        user=USER,
                        title=f"补充任务{i + 1}",
                        text=f"组织开展第{i + 1}轮食品安全专项检查（单位{dep_id}），按季度报送。",
                    )
                    ledger.update_task(s, task_id, user=USER, lead_ids=[dep_id])
            rows = periods.list_periods(s, sc.plan_id)[:PERIODS]
            for p in rows:
                period = s.get(ReportingPeriod, p.id)
                for dep_id in deps:
                    dep = s.get(Department, dep_id)
                    assert len(template_rows(s, period.id, dep_id)) == ROWS
                    folder = base / "templates" / str(period.id)
                    folder.mkdir(parents=True, exist_ok=True)
                    templates[(period.id, dep_id)] = write_template(
                        s, period.id, dep_id, folder / template_filename(period, dep)
                    )
        db.close()

    returned = base / "returned"
    keys = list(templates)  # period-major
    paths = [
        fill(
            templates[key], returned / f"{n:02d}-{templates[key].name}", measures=f"第{n}份：{{n}}"
        )
        for n, key in enumerate(keys)
    ]
    for k in range(RESUBMISSIONS):  # replace (period k, department k) later in the run
        key = keys[k * len(DEPARTMENTS) + k]
        again = fill(templates[key], returned / f"re{k}-{templates[key].name}", status="已完成")
        paths.insert(10 * k + 9, again)
    assert len(paths) == 40 and len({_sha(p) for p in paths}) == 40
    list_file = base / "files.txt"
    # A resubmission starts a new batch: within one batch only the newest version of a
    # department's answer is imported (collect.versions).
    resubmitted = set(paths[10 * k + 9] for k in range(RESUBMISSIONS))
    lines = [line for p in paths for line in (["--"] if p in resubmitted else []) + [str(p)]]
    list_file.write_text("\n".join(lines), encoding="utf-8")

    # Measure a full import (twice: the first run also warms caches; the faster counts),
    # and learn where each workbook lands.
    durations = []
    for run in range(2):
        measure = base / f"measure{run}"
        _copy_data(pristine, measure / "data")
        proc = _run_child(measure / "data", list_file)
        started = time.perf_counter()
        out, _ = proc.communicate(timeout=600)
        durations.append(time.perf_counter() - started)
        assert proc.returncode == 0, (measure / "worker.stderr").read_text("utf-8")
        outcomes = json.loads(out.strip().splitlines()[-1])
        assert all(o["accepted"] for o in outcomes), [o["errors"] for o in outcomes]
    duration = min(durations)
    with sqlite3.connect(measure / "data" / DB_NAME) as con:
        stored = {
            sha: (archive, period_id, dep_id, entries)
            for sha, archive, period_id, dep_id, entries in con.execute(
                "SELECT s.sha256, s.archive_path, s.period_id, s.department_id,"
                " (SELECT count(*) FROM submission_entry e WHERE e.submission_id = s.id)"
                " FROM submission s"
            )
        }
    con.close()
    workbooks = []
    for path in paths:
        sha = _sha(path)
        archive, period_id, dep_id, entries = stored[sha]
        assert entries == ROWS
        workbooks.append(Workbook(path, sha, archive, period_id, dep_id))
    batches = list(itertools.accumulate(int(p in resubmitted) for p in paths))
    return Prepared(pristine, workbooks, batches, list_file, duration)


def _unreferenced(root: Path, referenced: set[str]) -> set[str]:
    folder = root / "submissions"
    if not folder.is_dir():
        return set()
    return {
        p.relative_to(root).as_posix()
        for p in folder.rglob("*")
        if p.is_file() and p.relative_to(root).as_posix() not in referenced
    }


def _check_after_kill(data: Path, prep: Prepared, trial: int) -> tuple[int, int]:
    """Assert the ledger's state after the child ended; (files in, orphans swept)."""
    from foodsafety_desktop.core.services.collect import collect_files, sweep_orphan_archives
    from foodsafety_desktop.core.storage.integrity import check_file, open_checked, quick_check

    where = f"trial {trial}"
    db_path = data / DB_NAME
    root = data / "archive"
    con = sqlite3.connect(db_path)
    try:
        assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)], where
        assert con.execute("PRAGMA foreign_key_check").fetchall() == [], where
        subs = con.execute(
            "SELECT id, sha256, archive_path, period_id, department_id, is_current"
            " FROM submission ORDER BY id"
        ).fetchall()
        entries = dict(
            con.execute("SELECT submission_id, count(*) FROM submission_entry GROUP BY 1")
        )
        audited = {
            row[0]
            for row in con.execute(
                "SELECT entity_id FROM audit_entry WHERE action = 'submission.collect'"
            )
        }
    finally:
        con.close()
    by_sha: dict[str, list[tuple]] = {}
    for sub in subs:
        by_sha.setdefault(sub[1], []).append(sub)
    assert set(by_sha) <= {w.sha256 for w in prep.workbooks}, where
    inside = []
    for w in prep.workbooks:
        rows = by_sha.get(w.sha256, [])
        assert len(rows) <= 1, where
        if rows:  # fully in: the submission, all its entries, its history entry
            sub_id = rows[0][0]
            assert entries.get(sub_id) == ROWS, f"{where}: {w.path.name} partly in"
            assert sub_id in audited, f"{where}: {w.path.name} without history"
            assert rows[0][2] == w.archive_path, where
        inside.append(bool(rows))
    assert sum(entries.values()) == ROWS * sum(inside), f"{where}: entries without submission"
    k = sum(inside)
    assert inside == [True] * k + [False] * (len(inside) - k), f"{where}: not in import order"
    # One current submission per period and department: the last one imported.
    last: dict[tuple[int, int], str] = {}
    for w in prep.workbooks[:k]:
        last[(w.period_id, w.department_id)] = w.sha256
    current = {(s[3], s[4]): s[1] for s in subs if s[5]}
    assert current == last, where
    assert len([s for s in subs if s[5]]) == len(current), where
    # The archive agrees with the database.
    for w in prep.workbooks[:k]:
        archived = root / w.archive_path
        assert archived.is_file() and _sha(archived) == w.sha256, f"{where}: {archived}"
    referenced = {w.archive_path for w in prep.workbooks[:k]}
    orphans = _unreferenced(root, referenced)

    # The transaction being written: from the first file not in, up to the end of its
    # chunk of the batch (a transaction commits whole, so that file starts one).
    writing = [
        w.archive_path
        for n, w in enumerate(prep.workbooks[k : k + FILES_PER_TRANSACTION], start=k)
        if prep.batches[n] == prep.batches[k]
    ]

    def allowed(orphan: str) -> bool:
        # A copy of a file being written, or a partial one (``<name>.<pid>-<thread>.part``).
        return any(
            orphan == path or (orphan.startswith(path + ".") and orphan.endswith(".part"))
            for path in writing
        )

    assert all(allowed(o) for o in orphans), f"{where}: unexpected archive files {orphans}"

    # Next start: the ledger opens (quick check), orphans are swept, collecting goes on.
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("FOODSAFETY_DATA_DIR", str(data))
        db = open_checked(db_path)
        try:
            assert quick_check(db) == [], where
            swept = sweep_orphan_archives(db)
            assert {p.relative_to(root).as_posix() for p in swept} == orphans, where
            assert _unreferenced(root, referenced) == set(), where
            for orphan in orphans - {o for o in orphans if o.endswith(".part")}:
                assert (root / "orphaned" / orphan).is_file(), where
            if k < len(prep.workbooks):
                nxt_wb = prep.workbooks[k]
                [outcome] = collect_files(db, [nxt_wb.path], user=USER, accept_warnings=True)
                assert outcome.accepted, f"{where}: {outcome.errors}"
                archived = root / nxt_wb.archive_path
                assert _sha(archived) == nxt_wb.sha256, where
            else:
                [outcome] = collect_files(
                    db,
                    [prep.workbooks[0].path],
                    user=USER,
                    accept_warnings=True,
                )
                assert not outcome.accepted and "重复导入" in outcome.errors[0], where
        finally:
            db.close()
    assert check_file(db_path, full=True) == [], where
    return k, len(orphans)


def test_kill_during_import_leaves_every_workbook_fully_in_or_out(prepared, tmp_path):
    import signal

    rng = random.Random(SEED)
    total = len(prepared.workbooks)
    killed = mid_import = orphan_trials = files_in = 0
    started = time.perf_counter()
    duration = prepared.duration
    for trial in range(TRIALS):
        data = tmp_path / f"t{trial:02d}" / "data"
        _copy_data(prepared.pristine, data)
        offset = rng.uniform(0.0, duration)
        proc = _run_child(data, prepared.list_file)
        ready = time.perf_counter()
        try:
            proc.wait(timeout=offset)
            # Finished before the kill: the machine is faster now than when measured
            # (other load); draw later moments from the shorter, observed duration.
            duration = min(duration, time.perf_counter() - ready)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=60)
        said = proc.stdout.read() if proc.stdout else ""
        if proc.stdout:
            proc.stdout.close()
        was_killed = proc.returncode == -signal.SIGKILL
        if not was_killed:
            assert proc.returncode == 0, (data.parent / "worker.stderr").read_text("utf-8")
        k, orphans = _check_after_kill(data, prepared, trial)
        if not was_killed:
            assert k == total, f"trial {trial}: {said[-3000:]}"
        killed += was_killed
        mid_import += was_killed and 0 < k < total
        orphan_trials += orphans > 0
        files_in += k
        shutil.rmtree(data.parent)
    elapsed = time.perf_counter() - started
    files_out = TRIALS * total - files_in
    summary = (
        f"kill trials: {TRIALS} run, {killed} killed ({mid_import} mid-import), "
        f"{TRIALS} survived; files fully in {files_in} / fully out {files_out} "
        f"(of {TRIALS}×{total}), orphan archive copies swept in {orphan_trials} trials; "
        f"full import {prepared.duration:.1f} s (later {duration:.1f} s), trials {elapsed:.0f} s"
    )
    print("\n" + summary)
    # Timing depends on the machine's load; these floors keep the test meaningful.
    assert killed >= TRIALS // 3
    assert mid_import >= TRIALS // 5
