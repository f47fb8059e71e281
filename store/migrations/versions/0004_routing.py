"""Routing: triage suggestions per run and ops' routing decisions (overrides are labelled examples).

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    urgency = postgresql.ENUM(name="urgency", create_type=False)
    op.create_table(
        "triage_suggestions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("run_id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("urgency", urgency, nullable=False),
        sa.Column("needs_review", sa.Boolean(), nullable=False),
        sa.Column("subspecialty", sa.String(100), nullable=False),
        sa.Column("output", postgresql.JSONB(), nullable=False),
        sa.Column("provenance", postgresql.JSONB(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_triage_suggestions"),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["pipeline_runs.id"],
            name="fk_triage_suggestions_run_id_pipeline_runs",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name="fk_triage_suggestions_case_id_cases", ondelete="CASCADE"
        ),
        sa.UniqueConstraint("run_id", name="uq_triage_suggestions_run_id"),
    )
    op.create_index("ix_triage_suggestions_case_id", "triage_suggestions", ["case_id"])
    op.create_table(
        "routing_decisions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("suggestion_id", sa.Uuid()),
        sa.Column("decided_by_id", sa.Uuid(), nullable=False),
        sa.Column("overridden", sa.Boolean(), nullable=False),
        sa.Column("urgency", urgency, nullable=False),
        sa.Column("subspecialty", sa.String(100), nullable=False),
        sa.Column("specialist_id", sa.Uuid(), nullable=False),
        sa.Column("override_reason", sa.String(500)),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_routing_decisions"),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name="fk_routing_decisions_case_id_cases", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["suggestion_id"],
            ["triage_suggestions.id"],
            name="fk_routing_decisions_suggestion_id_triage_suggestions",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["users.id"], name="fk_routing_decisions_decided_by_id_users"
        ),
        sa.ForeignKeyConstraint(
            ["specialist_id"], ["users.id"], name="fk_routing_decisions_specialist_id_users"
        ),
    )
    op.create_index("ix_routing_decisions_case_id", "routing_decisions", ["case_id"])


def downgrade() -> None:
    op.drop_table("routing_decisions")
    op.drop_table("triage_suggestions")
