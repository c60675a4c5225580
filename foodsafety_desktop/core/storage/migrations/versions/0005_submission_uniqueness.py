"""uniqueness of submissions: one current per period and department, one copy per file

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 10:00:00

Two clerks collecting the same returned workbooks at once (two processes on one SQLite
file, or on a PostgreSQL server) imported files twice: the "already imported?" check ran
before the insert, outside any lock.  The schema now refuses it:

* ``uq_submission_current``: a partial unique index on (period_id, department_id)
  ``WHERE is_current`` (SQLite and PostgreSQL both have partial indexes);
* ``uq_submission_period_sha256``: unique (period_id, sha256), one stored copy of the
  same bytes per period.

An office database may already hold the doubles the race made.  They are resolved
before the indexes are created, the same way on every backend, so the upgrade never
fails: per (period, department) the newest current submission (received_at, then id)
stays current and the others become history; per (period, sha256) the row kept is the
current one, else the newest, and the other copies of the same bytes (same answers) are
deleted with their entries, references to them moved to the kept row.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _resolve_doubles(connection: sa.Connection) -> None:
    rows = connection.execute(
        sa.text(
            "SELECT id, period_id, department_id, sha256, is_current, received_at"
            " FROM submission ORDER BY id"
        )
    ).all()
    if not rows:
        return

    def newest(row: sa.Row) -> tuple[object, int]:
        return (row.received_at or "", row.id)

    current: dict[tuple[int, int], list[sa.Row]] = {}
    for row in rows:
        if row.is_current:
            current.setdefault((row.period_id, row.department_id), []).append(row)
    demoted: set[int] = set()
    for group in current.values():
        if len(group) > 1:
            keep = max(group, key=newest)
            demoted.update(r.id for r in group if r.id != keep.id)
    for sid in sorted(demoted):
        connection.execute(
            sa.text("UPDATE submission SET is_current = :no WHERE id = :id"),
            {"no": False, "id": sid},
        )

    by_hash: dict[tuple[int, str], list[sa.Row]] = {}
    for row in rows:
        by_hash.setdefault((row.period_id, row.sha256), []).append(row)
    for group in by_hash.values():
        if len(group) < 2:
            continue
        keep = max(group, key=lambda r: (bool(r.is_current) and r.id not in demoted, newest(r)))
        for row in sorted(group, key=lambda r: r.id):
            if row.id == keep.id:
                continue
            params = {"keep": keep.id, "gone": row.id}
            connection.execute(
                sa.text(
                    "UPDATE submission SET replaced_submission_id = :keep"
                    " WHERE replaced_submission_id = :gone AND id <> :keep"
                ),
                params,
            )
            connection.execute(
                sa.text(
                    "UPDATE submission SET replaced_submission_id = NULL"
                    " WHERE id = :keep AND replaced_submission_id = :gone"
                ),
                params,
            )
            connection.execute(
                sa.text("DELETE FROM submission_entry WHERE submission_id = :gone"), params
            )
            connection.execute(sa.text("DELETE FROM submission WHERE id = :gone"), params)


def upgrade() -> None:
    _resolve_doubles(op.get_bind())
    op.create_index(
        "uq_submission_current",
        "submission",
        ["period_id", "department_id"],
        unique=True,
        sqlite_where=sa.text("is_current"),
        postgresql_where=sa.text("is_current"),
    )
    op.create_index(
        "uq_submission_period_sha256", "submission", ["period_id", "sha256"], unique=True
    )


def downgrade() -> None:
    op.drop_index("uq_submission_period_sha256", table_name="submission")
    op.drop_index("uq_submission_current", table_name="submission")
