"""Opinion drafts: the AI draft each run wrote for its case.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "opinion_drafts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("run_id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("template", sa.String(50), nullable=False),
        sa.Column("template_version", sa.Integer(), nullable=False),
        sa.Column("draft", postgresql.JSONB(), nullable=False),
        sa.Column("provenance", postgresql.JSONB(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_opinion_drafts"),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["pipeline_runs.id"],
            name="fk_opinion_drafts_run_id_pipeline_runs",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name="fk_opinion_drafts_case_id_cases", ondelete="CASCADE"
        ),
        sa.UniqueConstraint("run_id", name="uq_opinion_drafts_run_id"),
    )
    op.create_index("ix_opinion_drafts_case_id", "opinion_drafts", ["case_id"])


def downgrade() -> None:
    op.drop_table("opinion_drafts")
