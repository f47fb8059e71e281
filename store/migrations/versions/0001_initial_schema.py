"""Initial schema: users and specialists, cases with encrypted PHI, consents, records, the audit chain.

Revision ID: 0001
Revises:
Create Date: 2026-11-27 20:55:33.855682
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


AUDIT_GUARD_FUNCTION = """
CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$
"""

ENUM_TYPES = (
    "record_kind",
    "grantor_relationship",
    "consent_scope",
    "urgency",
    "case_source",
    "case_status",
    "user_role",
)


def upgrade() -> None:
    # pgvector: later migrations add embedding columns; creating it first proves the server has it.
    op.execute("CREATE EXTENSION IF NOT EXISTS vector")

    op.create_table(
        "audit_events",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("actor_role", sa.String(length=20), nullable=True),
        sa.Column("action", sa.String(length=80), nullable=False),
        sa.Column("resource_type", sa.String(length=50), nullable=False),
        sa.Column("resource_id", sa.String(length=100), nullable=True),
        sa.Column("case_id", sa.Uuid(), nullable=True),
        sa.Column("request_id", sa.String(length=100), nullable=True),
        sa.Column("client_address", sa.String(length=100), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_events")),
        sa.UniqueConstraint("hash", name=op.f("uq_audit_events_hash")),
    )
    op.create_index(op.f("ix_audit_events_case_id"), "audit_events", ["case_id"], unique=False)
    op.create_table(
        "users",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.Enum("admin", "ops", "specialist", "qa", name="user_role"), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column(
            "password_changed_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
    )
    op.create_table(
        "cases",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "submitted",
                "processing",
                "triaged",
                "assigned",
                "in_review",
                "signed",
                "delivered",
                "cancelled",
                name="case_status",
            ),
            nullable=False,
        ),
        sa.Column(
            "source",
            sa.Enum("patient", "referring_provider", "employer_plan", name="case_source"),
            nullable=False,
        ),
        sa.Column("patient_name", sa.LargeBinary(), nullable=False),
        sa.Column("patient_birth_date", sa.LargeBinary(), nullable=False),
        sa.Column("patient_sex", sa.LargeBinary(), nullable=False),
        sa.Column("patient_state", sa.LargeBinary(), nullable=False),
        sa.Column("referring_diagnosis", sa.LargeBinary(), nullable=False),
        sa.Column("referring_icd10", sa.String(length=8), nullable=True),
        sa.Column("question", sa.LargeBinary(), nullable=False),
        sa.Column("requested_specialty", sa.String(length=100), nullable=True),
        sa.Column("urgency", sa.Enum("emergent", "urgent", "routine", name="urgency"), nullable=True),
        sa.Column("subspecialty", sa.String(length=100), nullable=True),
        sa.Column("assigned_specialist_id", sa.Uuid(), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column(
            "status_changed_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["assigned_specialist_id"], ["users.id"], name=op.f("fk_cases_assigned_specialist_id_users")
        ),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_cases_created_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases")),
    )
    op.create_index(
        op.f("ix_cases_assigned_specialist_id"), "cases", ["assigned_specialist_id"], unique=False
    )
    op.create_index(op.f("ix_cases_status"), "cases", ["status"], unique=False)
    op.create_table(
        "specialist_profiles",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("credentials", sa.String(length=100), nullable=False),
        sa.Column("subspecialties", postgresql.ARRAY(sa.String(length=100)), nullable=False),
        sa.Column("malpractice_expires_on", sa.Date(), nullable=True),
        sa.Column("weekly_capacity", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_specialist_profiles_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_specialist_profiles")),
    )
    op.create_table(
        "board_certifications",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("specialist_id", sa.Uuid(), nullable=False),
        sa.Column("board", sa.String(length=200), nullable=False),
        sa.Column("specialty", sa.String(length=200), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["specialist_id"],
            ["specialist_profiles.user_id"],
            name=op.f("fk_board_certifications_specialist_id_specialist_profiles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_board_certifications")),
    )
    op.create_index(
        op.f("ix_board_certifications_specialist_id"), "board_certifications", ["specialist_id"], unique=False
    )
    op.create_table(
        "case_events",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("kind", sa.String(length=50), nullable=False),
        sa.Column(
            "from_status",
            sa.Enum(
                "draft",
                "submitted",
                "processing",
                "triaged",
                "assigned",
                "in_review",
                "signed",
                "delivered",
                "cancelled",
                name="case_status",
            ),
            nullable=True,
        ),
        sa.Column(
            "to_status",
            sa.Enum(
                "draft",
                "submitted",
                "processing",
                "triaged",
                "assigned",
                "in_review",
                "signed",
                "delivered",
                "cancelled",
                name="case_status",
            ),
            nullable=True,
        ),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("detail", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], name=op.f("fk_case_events_actor_id_users")),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_events_case_id_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_events")),
    )
    op.create_index(op.f("ix_case_events_case_id"), "case_events", ["case_id"], unique=False)
    op.create_table(
        "consents",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column(
            "scope",
            sa.Enum("record_release", "specialist_review", "external_model_processing", name="consent_scope"),
            nullable=False,
        ),
        sa.Column("granted_by_name", sa.LargeBinary(), nullable=False),
        sa.Column(
            "grantor_relationship",
            sa.Enum("patient", "parent_or_guardian", "legal_representative", name="grantor_relationship"),
            nullable=False,
        ),
        sa.Column("text_version", sa.String(length=50), nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by_id", sa.Uuid(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by_id", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_consents_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["users.id"], name=op.f("fk_consents_recorded_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["revoked_by_id"], ["users.id"], name=op.f("fk_consents_revoked_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consents")),
    )
    op.create_index(op.f("ix_consents_case_id"), "consents", ["case_id"], unique=False)
    op.create_table(
        "records",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "pdf",
                "docx",
                "html",
                "text",
                "fhir_json",
                "fhir_ndjson",
                "hl7v2",
                "ccda",
                "dicom",
                "zip",
                name="record_kind",
            ),
            nullable=False,
        ),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("filename", sa.LargeBinary(), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("blob_key", sa.String(length=100), nullable=False),
        sa.Column("uploaded_by_id", sa.Uuid(), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_records_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"], ["users.id"], name=op.f("fk_records_uploaded_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_records")),
        sa.UniqueConstraint("blob_key", name=op.f("uq_records_blob_key")),
        sa.UniqueConstraint("case_id", "sha256", name=op.f("uq_records_case_id")),
    )
    op.create_index(op.f("ix_records_case_id"), "records", ["case_id"], unique=False)
    op.create_table(
        "state_licenses",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("specialist_id", sa.Uuid(), nullable=False),
        sa.Column("state", sa.String(length=2), nullable=False),
        sa.Column("number", sa.String(length=50), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["specialist_id"],
            ["specialist_profiles.user_id"],
            name=op.f("fk_state_licenses_specialist_id_specialist_profiles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_state_licenses")),
        sa.UniqueConstraint("specialist_id", "state", name=op.f("uq_state_licenses_specialist_id")),
    )
    op.create_index(
        op.f("ix_state_licenses_specialist_id"), "state_licenses", ["specialist_id"], unique=False
    )
    _make_audit_log_append_only()


def _make_audit_log_append_only() -> None:
    # Triggers bind the table owner and superusers too, unlike REVOKE.
    op.execute(AUDIT_GUARD_FUNCTION)
    op.execute(
        "CREATE TRIGGER audit_events_no_update_delete BEFORE UPDATE OR DELETE ON audit_events "
        "FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()"
    )
    op.execute(
        "CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()"
    )


def downgrade() -> None:
    # Dropping the table drops its triggers; the guard function and enum types go separately.

    op.drop_index(op.f("ix_state_licenses_specialist_id"), table_name="state_licenses")
    op.drop_table("state_licenses")
    op.drop_index(op.f("ix_records_case_id"), table_name="records")
    op.drop_table("records")
    op.drop_index(op.f("ix_consents_case_id"), table_name="consents")
    op.drop_table("consents")
    op.drop_index(op.f("ix_case_events_case_id"), table_name="case_events")
    op.drop_table("case_events")
    op.drop_index(op.f("ix_board_certifications_specialist_id"), table_name="board_certifications")
    op.drop_table("board_certifications")
    op.drop_table("specialist_profiles")
    op.drop_index(op.f("ix_cases_status"), table_name="cases")
    op.drop_index(op.f("ix_cases_assigned_specialist_id"), table_name="cases")
    op.drop_table("cases")
    op.drop_table("users")
    op.drop_index(op.f("ix_audit_events_case_id"), table_name="audit_events")
    op.drop_table("audit_events")
    op.execute("DROP FUNCTION audit_events_append_only()")
    for enum_type in ENUM_TYPES:
        op.execute(f"DROP TYPE {enum_type}")
