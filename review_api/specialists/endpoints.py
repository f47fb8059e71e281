"""``/specialists``: profiles for routing (ops) and credential management (admin)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from review_api import auditing
from review_api.deps import AdminPrincipal, SessionDep, SpecialistReaderPrincipal
from review_api.specialists import service
from review_api.specialists.schemas import SpecialistProfileIn, SpecialistPublic
from store.errors import NotFound
from store.repositories.users import SpecialistRepository

router = APIRouter(prefix="/specialists", tags=["specialists"])


@router.get("", response_model=list[SpecialistPublic], summary="List specialists")
def list_specialists(
    principal: SpecialistReaderPrincipal,
    session: SessionDep,
    subspecialty: str | None = None,
    active: bool | None = None,
    expiring_within_days: Annotated[
        int | None,
        Query(ge=0, le=365, description="Only those with a credential expired or expiring this soon"),
    ] = None,
) -> list[SpecialistPublic]:
    """Specialists with their credentials and expiry warnings; a specialist sees only their own. Admins
    monitor credentials with ``expiring_within_days=30``; an expired credential already keeps a specialist
    out of matching and assignment."""
    return service.list_specialists(
        session,
        principal,
        subspecialty=subspecialty,
        active=active,
        expiring_within_days=expiring_within_days,
    )


@router.get("/{user_id}", response_model=SpecialistPublic, summary="Read a specialist profile")
def read_specialist(
    user_id: uuid.UUID, principal: SpecialistReaderPrincipal, session: SessionDep
) -> SpecialistPublic:
    """One profile."""
    profile = SpecialistRepository(session).get_readable(principal, user_id)
    if profile is None:
        raise NotFound("specialist profile not found")
    auditing.record(session, "specialist.read", "specialist_profile", resource_id=user_id)
    return service.present(profile, dt.date.today())


@router.put("/{user_id}", response_model=SpecialistPublic, summary="Create or replace a specialist profile")
def put_specialist(
    user_id: uuid.UUID, data: SpecialistProfileIn, principal: AdminPrincipal, session: SessionDep
) -> SpecialistPublic:
    """Set subspecialties, licences, certifications, malpractice expiry, capacity and the active flag."""
    return service.present(service.put_profile(session, principal, user_id, data), dt.date.today())
