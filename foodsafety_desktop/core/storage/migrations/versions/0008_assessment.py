"""评议考核细则: the year's scoring table for the 乡镇 and the 食安委 member units

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 16:00:00

* ``assessment``: one 考核细则 per (year, kind), kind 乡镇 or 成员单位, with the name and
  sha256 of the file it was imported from.
* ``assessment_item``: its items, nested (一级项目 → 考核内容), in order, with points
  (NULL for a heading without points of its own), scoring rule, evidence requirement and
  the bonus (加分项) / deduction (扣分项) marks.

Two new tables: plain CREATE TABLE on SQLite and PostgreSQL (DROP TABLE back).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "assessment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("source_name", sa.String(length=500), nullable=True),
        sa.Column("source_sha256", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment")),
        sa.UniqueConstraint("year", "kind", name=op.f("uq_assessment_year")),
    )
    op.create_table(
        "assessment_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("points", sa.Float(), nullable=True),
        sa.Column("points_text", sa.String(length=100), nullable=True),
        sa.Column("rule", sa.Text(), nullable=True),
        sa.Column("evidence", sa.Text(), nullable=True),
        sa.Column("bonus", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("deduction", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessment.id"],
            name=op.f("fk_assessment_item_assessment_id_assessment"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["assessment_item.id"],
            name=op.f("fk_assessment_item_parent_id_assessment_item"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_item")),
    )
    op.create_index(op.f("ix_assessment_item_assessment_id"), "assessment_item", ["assessment_id"])
    op.create_index(op.f("ix_assessment_item_parent_id"), "assessment_item", ["parent_id"])
    op.create_index(
        "ix_assessment_item_assessment_position", "assessment_item", ["assessment_id", "position"]
    )


def downgrade() -> None:
    op.drop_table("assessment_item")
    op.drop_table("assessment")
