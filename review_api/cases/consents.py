"""Granting and revoking consent on a case."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy.orm import Session

from review_api import auditing
from review_api.cases.schemas import ConsentCreate
from review_api.cases.service import add_event, get_case
from store.errors import Conflict, NotFound
from store.models import Consent
from store.principal import Principal
from store.repositories.cases import ConsentRepository


def grant(session: Session, principal: Principal, case_id: uuid.UUID, data: ConsentCreate) -> Consent:
    """Record a consent; a scope may have only one consent in force at a time."""
    case = get_case(session, principal, case_id, for_update=True)
    repository = ConsentRepository(session)
    if data.scope in repository.active_scopes(case.id):
        raise Conflict(f"a {data.scope.value} consent is already in force; revoke it first")
    consent = repository.add(
        Consent(
            case_id=case.id,
            scope=data.scope,
            granted_by_name=data.granted_by_name,
            grantor_relationship=data.grantor_relationship,
            text_version=data.text_version,
            granted_at=data.granted_at or dt.datetime.now(dt.UTC),
            recorded_by_id=principal.user_id,
            recorded_at=dt.datetime.now(dt.UTC),
        )
    )
    add_event(session, case, principal, "consent_granted", scope=data.scope.value, consent_id=str(consent.id))
    auditing.record(session, "consent.grant", "consent", resource_id=consent.id, case_id=case.id)
    return consent


def revoke(session: Session, principal: Principal, case_id: uuid.UUID, consent_id: uuid.UUID) -> Consent:
    """Revoke a consent; work already done stays, new work that needs it is refused from now on."""
    case = get_case(session, principal, case_id, for_update=True)
    consent = ConsentRepository(session).get(case.id, consent_id)
    if consent is None:
        raise NotFound("consent not found")
    if consent.revoked_at is not None:
        raise Conflict("the consent is already revoked")
    consent.revoked_at = dt.datetime.now(dt.UTC)
    consent.revoked_by_id = principal.user_id
    session.flush()
    add_event(
        session, case, principal, "consent_revoked", scope=consent.scope.value, consent_id=str(consent.id)
    )
    auditing.record(session, "consent.revoke", "consent", resource_id=consent.id, case_id=case.id)
    return consent
