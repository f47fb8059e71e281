"""Discrepancy reports: the flags each run raised for its case.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "discrepancy_reports",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("run_id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("report", postgresql.JSONB(), nullable=False),
        sa.Column("flag_count", sa.Integer(), nullable=False),
        sa.Column("provenance", postgresql.JSONB(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_discrepancy_reports"),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["pipeline_runs.id"],
            name="fk_discrepancy_reports_run_id_pipeline_runs",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name="fk_discrepancy_reports_case_id_cases", ondelete="CASCADE"
        ),
        sa.UniqueConstraint("run_id", name="uq_discrepancy_reports_run_id"),
    )
    op.create_index("ix_discrepancy_reports_case_id", "discrepancy_reports", ["case_id"])


def downgrade() -> None:
    op.drop_table("discrepancy_reports")
