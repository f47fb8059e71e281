"""Sign-off: opinion versions, signed opinions and addenda (immutable), exports, QA signals; runs that pause
at the sign-off interrupt.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

IMMUTABLE_TABLES = ("signed_opinions", "opinion_addenda")


def upgrade() -> None:
    op.execute("ALTER TYPE run_status ADD VALUE IF NOT EXISTS 'awaiting_signoff'")
    op.add_column("pipeline_runs", sa.Column("interrupt_id", sa.String(100)))
    op.add_column("pipeline_runs", sa.Column("resume_value", postgresql.JSONB()))
    op.create_table(
        "opinion_versions",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("case_id", sa.Uuid(), sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("draft_id", sa.Uuid(), sa.ForeignKey("opinion_drafts.id"), nullable=False),
        sa.Column("sections_json", sa.LargeBinary(), nullable=False),
        sa.Column("author_id", sa.Uuid(), sa.ForeignKey("users.id")),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.UniqueConstraint("case_id", "number", name="uq_opinion_versions_case_id"),
    )
    op.create_index("ix_opinion_versions_case_id", "opinion_versions", ["case_id"])
    op.create_table(
        "signed_opinions",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("case_id", sa.Uuid(), sa.ForeignKey("cases.id"), nullable=False, unique=True),
        sa.Column("version_id", sa.Uuid(), sa.ForeignKey("opinion_versions.id"), nullable=False),
        *_signature_columns(),
    )
    op.create_table(
        "opinion_addenda",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("signed_opinion_id", sa.Uuid(), sa.ForeignKey("signed_opinions.id"), nullable=False),
        *_signature_columns(),
    )
    op.create_index("ix_opinion_addenda_signed_opinion_id", "opinion_addenda", ["signed_opinion_id"])
    op.create_table(
        "opinion_exports",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column(
            "signed_opinion_id", sa.Uuid(), sa.ForeignKey("signed_opinions.id"), nullable=False, unique=True
        ),
        sa.Column("case_id", sa.Uuid(), sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
        sa.Column("pdf_blob_key", sa.String(64), nullable=False),
        sa.Column("fhir_blob_key", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
    )
    op.create_index("ix_opinion_exports_case_id", "opinion_exports", ["case_id"])
    op.create_table(
        "signoff_signals",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column(
            "signed_opinion_id", sa.Uuid(), sa.ForeignKey("signed_opinions.id"), nullable=False, unique=True
        ),
        sa.Column("case_id", sa.Uuid(), sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
        sa.Column("template", sa.String(50), nullable=False),
        sa.Column("template_version", sa.Integer(), nullable=False),
        sa.Column("section_edit_distance", postgresql.JSONB(), nullable=False),
        sa.Column("sections_changed_share", sa.Float(), nullable=False),
        sa.Column("seconds_to_signature", sa.Integer()),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
    )
    op.create_index("ix_signoff_signals_case_id", "signoff_signals", ["case_id"])
    # A signed record is immutable at the database level, whatever the application does.
    op.execute(
        """
        CREATE FUNCTION refuse_signed_record_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'signed records are immutable (%): corrections are signed addenda', TG_TABLE_NAME
                USING ERRCODE = 'integrity_constraint_violation';
        END $$
        """
    )
    for table in IMMUTABLE_TABLES:
        op.execute(
            f"CREATE TRIGGER {table}_immutable BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION refuse_signed_record_change()"
        )


def _signature_columns() -> list[sa.Column[Any]]:
    """What a signature row holds besides its ids."""
    return [
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("content_sha256", sa.String(64), nullable=False),
        sa.Column("signer_id", sa.Uuid(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("printed_name", sa.String(200), nullable=False),
        sa.Column("credentials", sa.String(100), nullable=False),
        sa.Column("meaning", sa.String(300), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
    ]


def downgrade() -> None:
    for table in IMMUTABLE_TABLES:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_immutable ON {table}")
    op.execute("DROP FUNCTION IF EXISTS refuse_signed_record_change()")
    for table in (
        "signoff_signals",
        "opinion_exports",
        "opinion_addenda",
        "signed_opinions",
        "opinion_versions",
    ):
        op.drop_table(table)
    op.drop_column("pipeline_runs", "resume_value")
    op.drop_column("pipeline_runs", "interrupt_id")
