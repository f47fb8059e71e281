"""An index for sign-in throttling: each attempt counts the e-mail's recent failures in the audit log.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_audit_events_failed_sign_ins",
        "audit_events",
        ["resource_id", "occurred_at"],
        postgresql_where=sa.text("action = 'auth.sign_in.failed'"),
    )


def downgrade() -> None:
    op.drop_index("ix_audit_events_failed_sign_ins", table_name="audit_events")
