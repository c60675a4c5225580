"""Opening ledger A, then ledger B, then A again in the GUI keeps every original of A
where A's rows say: beside A, even when B shares A's folder (and so its ``archive/``)."""

from __future__ import annotations

import os
import time

import pytest
from core.collect_fixtures import USER, build_scenario, fill
from sqlalchemy import select

from foodsafety_desktop.core.paths import archive_dir_for
from foodsafety_desktop.core.services.collect import ORPHANS_DIR, collect_files
from foodsafety_desktop.core.storage.database import open_database
from foodsafety_desktop.core.storage.models import Plan, Submission
from foodsafety_desktop.core.storage.originals import plan_original_path
from foodsafety_desktop.ui import app


@pytest.fixture
def started(monkeypatch, qapp):
    """The real start-up; the window closes as soon as the ledger is shown (the start-up
    housekeeping — legacy archive, sweep, daily backup — is joined when it closes)."""
    from PySide6.QtCore import QTimer

    from foodsafety_desktop.ui.main_window import MainWindow

    shown: list[str] = []
    attach = MainWindow.attach_database

    def attach_and_close(self, db, *, read_only_note=None):
        attach(self, db, read_only_note=read_only_note)
        shown.append(db.location)
        QTimer.singleShot(0, self.close)

    monkeypatch.setattr(MainWindow, "attach_database", attach_and_close)
    QTimer.singleShot(60000, qapp.quit)
    return shown


def _originals(path) -> dict[str, bytes]:
    """Every original ledger ``path`` refers to, read from where its rows say."""
    root = archive_dir_for(path)
    db = open_database(path)
    try:
        with db.session() as s:
            wanted = [p for p in s.scalars(select(Submission.archive_path)) if p]
            wanted += [
                plan_original_path(name, sha)
                for name, sha in s.execute(select(Plan.source_name, Plan.source_sha256))
            ]
    finally:
        db.close()
    assert wanted
    return {p: (root / p).read_bytes() for p in wanted}


def test_a_then_b_then_a_keeps_every_original_of_a(tmp_path, started):
    folder = tmp_path / "台账"
    folder.mkdir()
    a, b = folder / "2022年台账.sqlite3", folder / "测试台账.sqlite3"
    db = open_database(a)
    try:
        sc = build_scenario(db, tmp_path / "templates", ["县市场监管局", "县卫健委"])
        returned = [
            fill(sc.templates[name], tmp_path / "returned" / f"{name}.xlsx", status="已完成")
            for name in sc.templates
        ]
        assert all(o.accepted for o in collect_files(db, returned, user=USER))
    finally:
        db.close()
    open_database(b).close()  # a second ledger in the same folder, empty
    before = _originals(a)
    assert len([p for p in before if p.startswith("submissions/")]) == 2
    # A copy nobody refers to, left by an import a power cut interrupted long ago.
    crashed = archive_dir_for(a) / "submissions" / "99" / "0123456789ab_断电.xlsx"
    crashed.parent.mkdir(parents=True)
    crashed.write_bytes(b"half an import")
    an_hour_ago = time.time() - 3600
    os.utime(crashed, (an_hour_ago, an_hour_ago))

    for ledger in (a, b, a):
        assert app.start_gui(str(ledger)) == 0
    assert started == [str(a.resolve()), str(b.resolve()), str(a.resolve())]

    assert _originals(a) == before  # every original of A where A's rows say
    orphaned = archive_dir_for(a) / ORPHANS_DIR
    assert [p.name for p in orphaned.rglob("*") if p.is_file()] == [crashed.name]
    assert not crashed.exists()
