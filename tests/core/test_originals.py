"""The originals of plans and returned workbooks are kept with their database.

A SQLite ledger: ``archive/`` beside its file.  A server database: its ``stored_file``
table, so every clerk sees them.  Earlier versions kept them in the data folder; they
are brought over, never moved away from another ledger.
"""

from __future__ import annotations

import shutil

from seeds import seed_path
from sqlalchemy import func, select

from foodsafety_desktop.core.paths import archive_dir_for, legacy_archive_dir
from foodsafety_desktop.core.services.collect import collect_files, sweep_orphan_archives
from foodsafety_desktop.core.storage.database import open_database
from foodsafety_desktop.core.storage.models import Plan, StoredFile, Submission
from foodsafety_desktop.core.storage.originals import (
    DatabaseOriginals,
    FolderOriginals,
    adopt_legacy_archive,
    originals_of,
    plan_original_path,
)

from .collect_fixtures import USER, build_scenario, fill

NAMES = ["县市场监管局", "县卫健委"]


def _collected(db, tmp_path):
    sc = build_scenario(db, tmp_path / "templates", NAMES)
    returned = [
        fill(sc.templates[name], tmp_path / "returned" / f"{n}.xlsx", status="已完成")
        for n, name in enumerate(NAMES, start=1)
    ]
    outcomes = collect_files(db, returned, user=USER)
    assert all(o.accepted for o in outcomes), [o.errors for o in outcomes]
    return returned


def test_every_original_is_kept_where_the_database_is(any_db_url, tmp_path):
    db = open_database(any_db_url)
    try:
        returned = _collected(db, tmp_path)
        originals = originals_of(db)
        with db.session() as s:
            subs = {x.source_name: x for x in s.scalars(select(Submission))}
            plan = s.scalars(select(Plan)).one()
            for path in returned:
                assert originals.read(s, subs[path.name].archive_path) == path.read_bytes()
            kept_plan = originals.read(s, plan_original_path(plan.source_name, plan.source_sha256))
            assert kept_plan == seed_path("002").read_bytes()
            stored = s.scalar(select(func.count()).select_from(StoredFile))
        if db.is_sqlite:
            assert isinstance(originals, FolderOriginals)
            assert originals.root == db.sqlite_path.parent / "archive"
            assert stored == 0
        else:  # every clerk's PC sees them: nothing in any data folder
            assert isinstance(originals, DatabaseOriginals)
            assert stored == len(returned) + 1
            assert not legacy_archive_dir().exists()
    finally:
        db.close()


def test_a_rolled_back_import_keeps_no_original(any_db_url, tmp_path):
    db = open_database(any_db_url)
    try:
        sc = build_scenario(db, tmp_path / "templates", NAMES[:1])
        path = fill(sc.templates[NAMES[0]], tmp_path / "returned" / "1.xlsx", status="已完成")
        from foodsafety_desktop.core.services.collect import check_workbook, commit_submission

        try:
            with db.session() as s:
                preview = check_workbook(s, path)
                commit_submission(s, preview, user=USER)
                raise RuntimeError("the caller fails after the commit step")
        except RuntimeError:
            pass
        with db.session() as s:
            assert s.scalar(select(func.count()).select_from(Submission)) == 0
            assert not originals_of(db).has(s, f"submissions/{sc.q3}/{preview.sha256[:12]}_1.xlsx")
    finally:
        db.close()


def test_the_sweep_of_one_ledger_leaves_another_ledgers_originals(tmp_path):
    folder = tmp_path / "台账"
    folder.mkdir()
    a = open_database(folder / "a.sqlite3")
    try:
        _collected(a, tmp_path)
        with a.session() as s:
            kept = [x.archive_path for x in s.scalars(select(Submission))]
    finally:
        a.close()
    b = open_database(folder / "b.sqlite3")  # same folder, same archive/
    try:
        assert sweep_orphan_archives(b) == []
    finally:
        b.close()
    root = archive_dir_for(folder / "a.sqlite3")
    assert all((root / p).is_file() for p in kept)

    # A sibling that cannot be read may refer to anything: complete files stay.
    (folder / "c.sqlite3").write_bytes(b"not a database at all, but named like one" * 100)
    stray = root / "submissions" / "98" / "0123456789ab_x.xlsx"
    stray.parent.mkdir(parents=True)
    stray.write_bytes(b"x")
    b = open_database(folder / "b.sqlite3")
    try:
        assert sweep_orphan_archives(b) == []
        assert stray.is_file()
        (folder / "c.sqlite3").unlink()
        assert sweep_orphan_archives(b) == [stray]  # now nobody refers to it
    finally:
        b.close()


def test_originals_of_earlier_versions_are_brought_over(any_db_url, tmp_path):
    """Earlier versions archived into the data folder whatever ``--db`` said."""
    db = open_database(any_db_url)
    try:
        _collected(db, tmp_path)
        originals = originals_of(db)
        legacy = legacy_archive_dir()
        with db.session() as s:
            paths = [x.archive_path for x in s.scalars(select(Submission))]
            plan = s.scalars(select(Plan)).one()
            paths.append(plan_original_path(plan.source_name, plan.source_sha256))
            wanted = {p: originals.read(s, p) for p in paths}
        assert all(wanted.values())
        # As an earlier version left it: the originals in the data folder only.
        for relative, content in wanted.items():
            (legacy / relative).parent.mkdir(parents=True, exist_ok=True)
            (legacy / relative).write_bytes(content)
        if isinstance(originals, FolderOriginals):
            shutil.rmtree(originals.root)
        else:
            with db.session() as s:
                s.query(StoredFile).delete()
        other = legacy / "submissions" / "1" / "0123456789ab_别的台账.xlsx"
        other.parent.mkdir(parents=True, exist_ok=True)
        other.write_bytes(b"another ledger's")

        assert adopt_legacy_archive(db) == len(wanted)
        assert adopt_legacy_archive(db) == 0  # idempotent: each start may call it
        with db.session() as s:
            assert {p: originals.read(s, p) for p in wanted} == wanted
            # What no row of this database refers to stays where it was.
            assert not originals.has(s, "submissions/1/0123456789ab_别的台账.xlsx")
        # Copied, not moved: another ledger may still refer to the old folder's files.
        assert all((legacy / relative).is_file() for relative in wanted)
    finally:
        db.close()


def test_the_default_ledger_adopts_nothing(private_data_dir):
    private_data_dir.mkdir(parents=True, exist_ok=True)
    db = open_database(None)  # the default ledger: its archive is the data folder's
    try:
        assert originals_of(db).root == legacy_archive_dir()
        legacy_archive_dir().mkdir()
        assert adopt_legacy_archive(db) == 0
    finally:
        db.close()
