"""``/cases``: intake, reading in the caller's view, status, triage, assignment, timeline and consent."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status

from review_api import auditing
from review_api.cases import consents, service
from review_api.cases.schemas import (
    AssignmentIn,
    CaseCreate,
    CaseEventOut,
    CasePage,
    CaseUpdate,
    CaseView,
    ConsentCreate,
    ConsentPublic,
    StatusChange,
    TriageDecision,
)
from review_api.deps import CaseReaderPrincipal, OpsPrincipal, SessionDep, SettingsDep
from store.case_status import CaseStatus
from store.models import CaseSource, Urgency
from store.repositories.cases import CaseFilters, CaseRepository, ConsentRepository

router = APIRouter(prefix="/cases", tags=["cases"])


@router.post("", response_model=CaseView, status_code=status.HTTP_201_CREATED, summary="Create a case")
def create_case(data: CaseCreate, principal: OpsPrincipal, session: SessionDep) -> service.CaseViewModel:
    """Register a case in ``draft``. Demographics and free text are encrypted at rest."""
    case = service.create_case(session, principal, data)
    return service.present(session, principal, case)


@router.get("", response_model=CasePage, summary="List cases")
def list_cases(
    principal: CaseReaderPrincipal,
    session: SessionDep,
    status: CaseStatus | None = None,
    urgency: Urgency | None = None,
    source: CaseSource | None = None,
    requested_specialty: str | None = None,
    assigned_specialist_id: uuid.UUID | None = None,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> CasePage:
    """Cases the caller may see, newest first; specialists see only their assigned cases."""
    filters = CaseFilters(status, urgency, source, requested_specialty, assigned_specialist_id)
    items, total = service.list_cases(session, principal, filters, offset=offset, limit=limit)
    return CasePage(items=items, total=total, offset=offset, limit=limit)


@router.get("/{case_id}", response_model=CaseView, summary="Read a case")
def read_case(
    case_id: uuid.UUID, principal: CaseReaderPrincipal, session: SessionDep
) -> service.CaseViewModel:
    """One case in the caller's view: clinical (assigned specialist), routing (ops) or de-identified (QA)."""
    return service.read_case(session, principal, case_id)


@router.patch("/{case_id}", response_model=CaseView, summary="Correct a case's intake data")
def update_case(
    case_id: uuid.UUID, data: CaseUpdate, principal: OpsPrincipal, session: SessionDep
) -> service.CaseViewModel:
    """Change demographics, diagnosis, question or requested specialty until the review starts."""
    case = service.update_case(session, principal, case_id, data)
    return service.present(session, principal, case)


@router.post("/{case_id}/status", response_model=CaseView, summary="Move a case to another status")
def change_status(
    case_id: uuid.UUID, change: StatusChange, principal: CaseReaderPrincipal, session: SessionDep
) -> service.CaseViewModel:
    """Ops submit, start processing, cancel and deliver; the assigned specialist starts the review.
    An illegal transition or a missing consent gets 409."""
    case = service.change_status(session, principal, case_id, change)
    return service.present(session, principal, case)


@router.post("/{case_id}/triage", response_model=CaseView, summary="Set urgency and subspecialty")
def triage_case(
    case_id: uuid.UUID,
    decision: TriageDecision,
    principal: OpsPrincipal,
    session: SessionDep,
    settings: SettingsDep,
) -> service.CaseViewModel:
    """Record the triage decision, start the SLA clock and move the case to ``triaged``."""
    case = service.triage(session, principal, case_id, decision, settings)
    return service.present(session, principal, case)


@router.post("/{case_id}/assignment", response_model=CaseView, summary="Assign a specialist")
def assign_case(
    case_id: uuid.UUID, assignment: AssignmentIn, principal: OpsPrincipal, session: SessionDep
) -> service.CaseViewModel:
    """Assign or reassign; refused (409, with reasons) if the specialist lacks a valid licence for the
    patient's state, malpractice coverage or board certification."""
    case = service.assign(session, principal, case_id, assignment.specialist_id)
    return service.present(session, principal, case)


@router.get("/{case_id}/timeline", response_model=list[CaseEventOut], summary="A case's timeline")
def read_timeline(
    case_id: uuid.UUID, principal: CaseReaderPrincipal, session: SessionDep
) -> list[CaseEventOut]:
    """Every status change, consent and upload, oldest first."""
    case = service.get_case(session, principal, case_id)
    auditing.record(session, "case.timeline.read", "case", resource_id=case.id, case_id=case.id)
    return [CaseEventOut.model_validate(event) for event in CaseRepository(session).timeline(case.id)]


@router.post(
    "/{case_id}/consents",
    response_model=ConsentPublic,
    status_code=status.HTTP_201_CREATED,
    summary="Grant consent",
)
def grant_consent(
    case_id: uuid.UUID, data: ConsentCreate, principal: OpsPrincipal, session: SessionDep
) -> ConsentPublic:
    """Record a consent for one scope: record release, specialist review or external model processing."""
    return ConsentPublic.model_validate(consents.grant(session, principal, case_id, data))


@router.get("/{case_id}/consents", response_model=list[ConsentPublic], summary="List consents")
def list_consents(case_id: uuid.UUID, principal: OpsPrincipal, session: SessionDep) -> list[ConsentPublic]:
    """All consents of a case, newest first, revoked ones included."""
    case = service.get_case(session, principal, case_id)
    auditing.record(session, "consent.list", "case", resource_id=case.id, case_id=case.id)
    return [ConsentPublic.model_validate(item) for item in ConsentRepository(session).for_case(case.id)]


@router.post(
    "/{case_id}/consents/{consent_id}/revoke", response_model=ConsentPublic, summary="Revoke consent"
)
def revoke_consent(
    case_id: uuid.UUID, consent_id: uuid.UUID, principal: OpsPrincipal, session: SessionDep
) -> ConsentPublic:
    """Revoke a consent; uploads and processing that need it are refused from then on."""
    return ConsentPublic.model_validate(consents.revoke(session, principal, case_id, consent_id))
