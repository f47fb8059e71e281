"""Writing audit entries for API actions, with the request's identity attached."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session, sessionmaker

from review_api.context import current_request
from store import audit
from store.audit import AuditEntry


def record(
    session: Session,
    action: str,
    resource_type: str,
    *,
    resource_id: uuid.UUID | str | None = None,
    case_id: uuid.UUID | None = None,
    outcome: str = "success",
) -> None:
    """Append an audit entry in ``session``'s transaction, so it commits or rolls back with the action."""
    audit.append(session, _entry(action, resource_type, resource_id, case_id, outcome))


def record_refusal(
    session_factory: sessionmaker[Session], action: str, outcome: str, case_id: uuid.UUID | None
) -> None:
    """Record a refused request in a transaction of its own (the request's own transaction rolled back)."""
    with session_factory() as session, session.begin():
        audit.append(session, _entry(action, "request", None, case_id, outcome))


def _entry(
    action: str,
    resource_type: str,
    resource_id: uuid.UUID | str | None,
    case_id: uuid.UUID | None,
    outcome: str,
) -> AuditEntry:
    context = current_request()
    principal = context.principal
    return AuditEntry(
        action=action,
        resource_type=resource_type,
        resource_id=None if resource_id is None else str(resource_id),
        case_id=case_id,
        outcome=outcome,
        actor_id=principal.user_id if principal else None,
        actor_role=principal.role.value if principal else None,
        request_id=context.request_id,
        client_address=context.client_address,
    )
