"""A file is reported imported only once its transaction has committed.

Every commit of a transaction holding one file of a batch is made to fail the way a
full disk, a broken disk or a lock timeout fails it (``sqlite3.OperationalError`` raised
by the DB-API commit).  The batch's files share a transaction, so its commit fails
first; then each file is committed alone: that file is not accepted, with a Chinese
line naming the cause, its archived copy is removed again, the other files are stored,
and nothing reported imported is missing from the database.  The command line says the
same: exit 1, ``accepted`` false.  A failure that passes (a lock released) costs
nothing: the files are stored one by one.
"""

from __future__ import annotations

import errno
import json
import os
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite

from foodsafety_desktop.app import main
from foodsafety_desktop.core.paths import archive_dir_for
from foodsafety_desktop.core.services.collect import batch, collect_files
from foodsafety_desktop.core.storage.database import open_database
from foodsafety_desktop.core.storage.integrity import check_file
from foodsafety_desktop.core.storage.models import Submission
from foodsafety_desktop.core.storage.originals import FolderOriginals

from .collect_fixtures import USER, build_scenario, fill

NAMES = ["县市场监管局", "县卫健委", "县农业农村局"]
FAILING = "2-县卫健委.xlsx"


@pytest.fixture
def returned(tmp_path):
    path = tmp_path / "ledger.sqlite3"
    db = open_database(path)
    sc = build_scenario(db, tmp_path / "templates", NAMES)
    db.close()
    folder = tmp_path / "returned"
    for n, name in enumerate(NAMES, start=1):
        fill(sc.templates[name], folder / f"{n}-{name}.xlsx", status="已完成")
    return path, folder


def _fail_commit_of(monkeypatch, file_name: str, message: str, *, times: int = 99) -> dict:
    """The DB-API commit of a transaction holding ``file_name`` raises ``message`` (at
    most ``times`` times)."""
    state = {"files": set(), "raised": 0, "commits": 0}
    real_commit = batch.commit_submission
    real_commit_many = batch.commit_submissions
    real_do_commit = SQLiteDialect_pysqlite.do_commit

    def commit_submission(session, preview, **kwargs):
        state["files"].add(preview.file_name)
        return real_commit(session, preview, **kwargs)

    def commit_submissions(session, previews, **kwargs):
        state["files"].update(preview.file_name for preview, _ in previews)
        return real_commit_many(session, previews, **kwargs)

    def do_commit(self, dbapi_connection):
        files, state["files"] = state["files"], set()
        if file_name in files and state["raised"] < times:
            state["raised"] += 1
            raise sqlite3.OperationalError(message)
        state["commits"] += bool(files)
        return real_do_commit(self, dbapi_connection)

    monkeypatch.setattr(batch, "commit_submission", commit_submission)
    monkeypatch.setattr(batch, "commit_submissions", commit_submissions)
    monkeypatch.setattr(SQLiteDialect_pysqlite, "do_commit", do_commit)
    return state


def _stored(path: Path) -> dict[str, Submission]:
    db = open_database(path)
    try:
        with db.session() as s:
            return {x.source_name: x for x in s.scalars(select(Submission))}
    finally:
        db.close()


def _archived(database: Path) -> set[str]:
    root = archive_dir_for(database)  # beside the ledger
    return {
        p.relative_to(root).as_posix() for p in (root / "submissions").rglob("*") if p.is_file()
    }


@pytest.mark.parametrize(
    ("error", "cause"),
    [
        ("database or disk is full", "磁盘空间已满"),
        ("disk I/O error", "读写磁盘出错"),
        ("database is locked", "数据库正被另一位用户或程序占用"),
    ],
)
def test_a_failed_commit_is_not_reported_imported(returned, monkeypatch, error, cause):
    path, folder = returned
    with monkeypatch.context() as mp:
        state = _fail_commit_of(mp, FAILING, error)
        db = open_database(path)
        try:
            outcomes = collect_files(db, [folder], user=USER, accept_warnings=True)
        finally:
            db.close()
    assert state["raised"] == 2  # the batch's transaction, then the file's own
    assert state["commits"] == 2  # the two other files, each alone
    by_name = {o.file_name: o for o in outcomes}
    failed = by_name[FAILING]
    assert not failed.accepted and not failed.already_imported and failed.failed
    assert failed.submission_id is None
    [line] = failed.errors
    assert line.startswith(cause) and "未能保存" in line and "Traceback" not in line, line
    assert all(o.accepted for n, o in by_name.items() if n != FAILING)

    stored = _stored(path)
    assert set(stored) == {n for n, o in by_name.items() if o.accepted}  # nothing claimed
    for o in outcomes:
        if o.accepted:
            assert stored[o.file_name].id == o.submission_id
    assert check_file(path, full=True) == []
    assert _archived(path) == {x.archive_path for x in stored.values()}  # no stray copy

    # Once the disk has room again the same file goes in.
    db = open_database(path)
    try:
        [again] = collect_files(db, [folder / FAILING], user=USER, accept_warnings=True)
    finally:
        db.close()
    assert again.accepted, again.errors
    assert _archived(path) == {x.archive_path for x in _stored(path).values()}


def test_cli_exits_non_zero_and_says_not_accepted(returned, monkeypatch, capsys):
    path, folder = returned
    _fail_commit_of(monkeypatch, FAILING, "database or disk is full")
    rc = main(["--db", str(path), "collect", str(folder), "--json", "--accept-warnings"])
    out, err = capsys.readouterr()
    assert rc == 1
    results = {Path(r["file"]).name: r for r in map(json.loads, out.splitlines())}
    assert results[FAILING]["accepted"] is False
    assert results[FAILING]["already_imported"] is False
    assert results[FAILING]["errors"][0]["text"].startswith("磁盘空间已满，未能保存")
    assert all(r["accepted"] for n, r in results.items() if n != FAILING)
    assert "已导入 2 个" in err and "未导入 1 个" in err and "Traceback" not in err
    stored = _stored(path)
    assert set(stored) == {n for n, r in results.items() if r["accepted"]}
    assert check_file(path, full=True) == []
    assert _archived(path) == {x.archive_path for x in stored.values()}


def test_a_passing_failure_stores_every_file(returned, monkeypatch):
    """The batch's commit fails once (a lock held a moment too long): every file is
    then committed alone and stored, each once."""
    path, folder = returned
    with monkeypatch.context() as mp:
        state = _fail_commit_of(mp, FAILING, "database is locked", times=1)
        db = open_database(path)
        try:
            outcomes = collect_files(db, [folder], user=USER, accept_warnings=True)
        finally:
            db.close()
    assert state["raised"] == 1 and state["commits"] == 3
    assert [o.accepted for o in outcomes] == [True, True, True]
    assert [o.errors for o in outcomes] == [[], [], []]
    stored = _stored(path)
    assert {o.submission_id for o in outcomes} == {x.id for x in stored.values()}
    assert len(stored) == 3
    assert _archived(path) == {x.archive_path for x in stored.values()}
    assert check_file(path, full=True) == []


@pytest.mark.parametrize(
    ("code", "cause"),
    [
        (errno.ENOSPC, "磁盘空间已满，未能保存该文件的导入"),
        (errno.EACCES, "无法把报送文件保存到存档文件夹：没有写入存档文件夹的权限"),
    ],
)
def test_an_original_that_cannot_be_kept_is_said_in_chinese(returned, monkeypatch, code, cause):
    """The disk fills (or refuses) while one file's original is written to the archive:
    that file is not imported, its line says why in Chinese (no "No space left on
    device"), the others go in."""
    path, folder = returned
    real_keep = FolderOriginals.keep

    def keep(self, session, relative, content):
        if relative.endswith(FAILING):
            raise OSError(code, os.strerror(code))
        return real_keep(self, session, relative, content)

    monkeypatch.setattr(FolderOriginals, "keep", keep)
    db = open_database(path)
    try:
        outcomes = collect_files(db, [folder], user=USER, accept_warnings=True)
    finally:
        db.close()
    by_name = {o.file_name: o for o in outcomes}
    [line] = by_name[FAILING].errors
    assert cause in line and os.strerror(code) not in line, line
    assert not by_name[FAILING].accepted
    assert all(o.accepted for n, o in by_name.items() if n != FAILING)
    assert set(_stored(path)) == {n for n in by_name if n != FAILING}
