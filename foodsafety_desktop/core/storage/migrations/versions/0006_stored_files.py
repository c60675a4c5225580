"""original files kept inside a server database

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 12:00:00

A SQLite ledger keeps the originals of plans and returned workbooks in ``archive/``
beside its file.  A server database (PostgreSQL) is shared by clerks on several PCs,
none of which sees another's folder: its originals are stored in ``stored_file``, keyed
by the same relative path a folder archive uses.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stored_file",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("path", sa.String(length=1000), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("stored_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stored_file")),
        sa.UniqueConstraint("path", name=op.f("uq_stored_file_path")),
    )


def downgrade() -> None:
    op.drop_table("stored_file")
