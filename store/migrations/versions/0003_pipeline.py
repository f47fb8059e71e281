"""Pipeline: runs (the queue), documents with their certified text, chunk embeddings (pgvector, HNSW),
unit extractions and case summaries.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from pgvector.sqlalchemy import Vector
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

RUN_STATUS = ("queued", "running", "succeeded", "failed")


def _now() -> sa.Column[Any]:
    return sa.Column(
        "created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
    )


def _case_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["case_id"], ["cases.id"], name=f"fk_{table}_case_id_cases", ondelete="CASCADE"
    )


def upgrade() -> None:
    run_status = postgresql.ENUM(*RUN_STATUS, name="run_status")
    run_status.create(op.get_bind())
    op.create_table(
        "pipeline_runs",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_pipeline_runs"),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("input_hash", sa.String(64), nullable=False),
        sa.Column("record_ids", postgresql.JSONB(), nullable=False),
        sa.Column("status", postgresql.ENUM(name="run_status", create_type=False), nullable=False),
        sa.Column("step", sa.String(40)),
        sa.Column("progress", postgresql.JSONB(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("worker_id", sa.String(100)),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True)),
        sa.Column("failure_reason", sa.String(300)),
        sa.Column("pipeline_version", sa.String(20), nullable=False),
        sa.Column(
            "requested_by_id",
            sa.Uuid(),
            sa.ForeignKey("users.id", name="fk_pipeline_runs_requested_by_id_users"),
        ),
        _now(),
        sa.Column("started_at", sa.DateTime(timezone=True)),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
        _case_fk("pipeline_runs"),
        sa.UniqueConstraint("case_id", "input_hash", name="uq_pipeline_runs_case_id"),
    )
    op.create_index("ix_pipeline_runs_case_id", "pipeline_runs", ["case_id"])
    # What workers poll: the oldest claimable run.
    op.create_index("ix_pipeline_runs_claimable", "pipeline_runs", ["status", "created_at"])
    op.create_table(
        "case_documents",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_case_documents"),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("record_id", sa.Uuid(), nullable=False),
        sa.Column("document_key", sa.String(300), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", postgresql.ENUM(name="record_kind", create_type=False), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("title", sa.LargeBinary(), nullable=False),
        sa.Column("text", sa.LargeBinary(), nullable=False),
        sa.Column("spans", postgresql.JSONB(), nullable=False),
        sa.Column("facts_json", sa.LargeBinary(), nullable=False),
        sa.Column("certified_text", sa.LargeBinary()),
        sa.Column("certified_offsets", postgresql.JSONB()),
        sa.Column("certified_seal", sa.String(64)),
        sa.Column("source_sha256", sa.String(64)),
        sa.Column("fact_hints", postgresql.JSONB()),
        sa.Column("deid_engine", sa.String(20)),
        _now(),
        _case_fk("case_documents"),
        sa.ForeignKeyConstraint(
            ["record_id"], ["records.id"], name="fk_case_documents_record_id_records", ondelete="CASCADE"
        ),
        sa.UniqueConstraint("case_id", "document_key", name="uq_case_documents_case_id"),
    )
    op.create_index("ix_case_documents_case_id", "case_documents", ["case_id"])
    op.create_index("ix_case_documents_record_id", "case_documents", ["record_id"])
    op.create_table(
        "document_chunks",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_document_chunks"),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("document_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", postgresql.ENUM(name="record_kind", create_type=False), nullable=False),
        sa.Column("start", sa.Integer(), nullable=False),
        sa.Column("end", sa.Integer(), nullable=False),
        sa.Column("embedding", Vector(384), nullable=False),
        _case_fk("document_chunks"),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["case_documents.id"],
            name="fk_document_chunks_document_id_case_documents",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint("document_id", "position", name="uq_document_chunks_document_id"),
    )
    op.create_index("ix_document_chunks_case_id", "document_chunks", ["case_id"])
    op.execute(
        "CREATE INDEX ix_document_chunks_embedding ON document_chunks "
        "USING hnsw (embedding vector_cosine_ops) WITH (m = 16, ef_construction = 64)"
    )
    op.create_table(
        "unit_extractions",
        sa.Column("run_id", sa.Uuid(), nullable=False),
        sa.Column("unit_id", sa.String(400), nullable=False),
        sa.Column("extraction", postgresql.JSONB(), nullable=False),
        _now(),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["pipeline_runs.id"],
            name="fk_unit_extractions_run_id_pipeline_runs",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("run_id", "unit_id", name="pk_unit_extractions"),
    )
    op.create_table(
        "case_summaries",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_case_summaries"),
        sa.Column("run_id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("summary", postgresql.JSONB(), nullable=False),
        sa.Column("provenance", postgresql.JSONB(), nullable=False),
        sa.Column("pipeline_version", sa.String(20), nullable=False),
        sa.Column("input_hash", sa.String(64), nullable=False),
        _now(),
        _case_fk("case_summaries"),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["pipeline_runs.id"],
            name="fk_case_summaries_run_id_pipeline_runs",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint("run_id", name="uq_case_summaries_run_id"),
    )
    op.create_index("ix_case_summaries_case_id", "case_summaries", ["case_id"])


def downgrade() -> None:
    for table in ("case_summaries", "unit_extractions", "document_chunks", "case_documents", "pipeline_runs"):
        op.drop_table(table)
    postgresql.ENUM(name="run_status").drop(op.get_bind())
