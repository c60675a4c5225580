"""plans can be archived; tasks an update of their plan dropped are kept, marked

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 10:00:00

* ``plan.archived``: an archived plan (归档) is hidden from the plan lists of the main
  window and of ``plan list``, its tasks, periods, submissions and history stay; it can
  be restored.  Existing plans are not archived (server default false).
* ``task.removed_at``: when a plan is updated from a new version of its document and a
  task the new version no longer has was reported on, the task stays with its
  submissions and carries the time it was dropped (``services/plan_update.py``).

Both are plain added columns: ``ALTER TABLE … ADD COLUMN`` on SQLite and PostgreSQL
(and ``DROP COLUMN`` back).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "plan",
        sa.Column("archived", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column("task", sa.Column("removed_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    # Plain ALTER TABLE … DROP COLUMN (SQLite ≥ 3.35), never a batch copy of the table:
    # dropping the old "plan" or "task" table would cascade to every row referring to it.
    op.drop_column("task", "removed_at")
    op.drop_column("plan", "archived")
