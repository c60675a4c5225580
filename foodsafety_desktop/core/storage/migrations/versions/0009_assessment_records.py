"""评议考核 records: links to the ledger, evidence files, 自评 workbooks, scores, 退回修改

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 17:00:00

* ``assessment_link``: a 细则 item linked to a ledger task (proposed or confirmed).
* ``evidence``: 佐证材料 files kept with the database, attached to a task, a submission
  or a 细则 item, for a department.
* ``assessment_submission``: a unit's returned 自评 workbook, one current per 细则 and
  unit (a partial unique index, as ``submission`` has since 0005).
* ``assessment_score``: 自评分 and 考核得分 per item and unit.
* ``submission``: ``returned_at``, ``returned_by``, ``return_json`` (退回修改).
* ``submission_entry``: ``evidence``, the 佐证材料 a department listed in its workbook.

New tables and nullable columns: plain DDL on SQLite and PostgreSQL.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "assessment_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("similarity", sa.Float(), nullable=True),
        sa.Column("confirmed", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["assessment_item.id"],
            name=op.f("fk_assessment_link_item_id_assessment_item"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["task.id"],
            name=op.f("fk_assessment_link_task_id_task"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_link")),
        sa.UniqueConstraint("item_id", "task_id", name=op.f("uq_assessment_link_item_id")),
    )
    op.create_index(op.f("ix_assessment_link_item_id"), "assessment_link", ["item_id"])
    op.create_index(op.f("ix_assessment_link_task_id"), "assessment_link", ["task_id"])

    op.create_table(
        "evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("archive_path", sa.String(length=1000), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=True),
        sa.Column("submission_id", sa.Integer(), nullable=True),
        sa.Column("item_id", sa.Integer(), nullable=True),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        sa.Column("added_by", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["task_id"], ["task.id"], name=op.f("fk_evidence_task_id_task"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submission.id"],
            name=op.f("fk_evidence_submission_id_submission"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["assessment_item.id"],
            name=op.f("fk_evidence_item_id_assessment_item"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["department.id"],
            name=op.f("fk_evidence_department_id_department"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence")),
    )
    for column in ("sha256", "task_id", "submission_id", "item_id", "department_id"):
        op.create_index(op.f(f"ix_evidence_{column}"), "evidence", [column])

    op.create_table(
        "assessment_submission",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("source_name", sa.String(length=500), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("archive_path", sa.String(length=1000), nullable=True),
        sa.Column("reporter", sa.String(length=100), nullable=True),
        sa.Column("phone", sa.String(length=100), nullable=True),
        sa.Column("filled_on", sa.String(length=100), nullable=True),
        sa.Column("is_current", sa.Boolean(), nullable=False),
        sa.Column("replaced_submission_id", sa.Integer(), nullable=True),
        sa.Column("warnings_json", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessment.id"],
            name=op.f("fk_assessment_submission_assessment_id_assessment"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["department.id"],
            name=op.f("fk_assessment_submission_department_id_department"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["replaced_submission_id"],
            ["assessment_submission.id"],
            name=op.f("fk_assessment_submission_replaced_submission_id_assessment_submission"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_submission")),
        sa.UniqueConstraint(
            "assessment_id", "sha256", name=op.f("uq_assessment_submission_assessment_id")
        ),
    )
    op.create_index(
        op.f("ix_assessment_submission_assessment_id"), "assessment_submission", ["assessment_id"]
    )
    op.create_index(
        op.f("ix_assessment_submission_department_id"), "assessment_submission", ["department_id"]
    )
    op.create_index(
        "uq_assessment_submission_current",
        "assessment_submission",
        ["assessment_id", "department_id"],
        unique=True,
        sqlite_where=sa.text("is_current"),
        postgresql_where=sa.text("is_current"),
    )

    op.create_table(
        "assessment_score",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("self_score", sa.Float(), nullable=True),
        sa.Column("self_note", sa.Text(), nullable=True),
        sa.Column("self_submission_id", sa.Integer(), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("scored_at", sa.DateTime(), nullable=True),
        sa.Column("scored_by", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["assessment_item.id"],
            name=op.f("fk_assessment_score_item_id_assessment_item"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["department.id"],
            name=op.f("fk_assessment_score_department_id_department"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["self_submission_id"],
            ["assessment_submission.id"],
            name=op.f("fk_assessment_score_self_submission_id_assessment_submission"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_score")),
        sa.UniqueConstraint("item_id", "department_id", name=op.f("uq_assessment_score_item_id")),
    )
    op.create_index(op.f("ix_assessment_score_item_id"), "assessment_score", ["item_id"])
    op.create_index(
        op.f("ix_assessment_score_department_id"), "assessment_score", ["department_id"]
    )

    op.add_column("submission", sa.Column("returned_at", sa.DateTime(), nullable=True))
    op.add_column("submission", sa.Column("returned_by", sa.String(length=100), nullable=True))
    op.add_column("submission", sa.Column("return_json", sa.Text(), nullable=True))
    op.add_column("submission_entry", sa.Column("evidence", sa.Text(), nullable=True))


def downgrade() -> None:
    # Plain ALTER TABLE … DROP COLUMN (SQLite ≥ 3.35), never a batch copy: dropping the
    # old "submission" table would cascade to its entries (as in 0007).
    op.drop_column("submission_entry", "evidence")
    op.drop_column("submission", "return_json")
    op.drop_column("submission", "returned_by")
    op.drop_column("submission", "returned_at")
    op.drop_table("assessment_score")
    op.drop_table("assessment_submission")
    op.drop_table("evidence")
    op.drop_table("assessment_link")
