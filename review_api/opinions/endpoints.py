"""``/cases/{case_id}/draft``: the AI draft of the case's opinion."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from review_api.deps import CurrentPrincipal, SessionDep
from review_api.opinions import service
from review_api.opinions.schemas import DraftPublic

router = APIRouter(prefix="/cases/{case_id}", tags=["opinions"])


@router.get(
    "/draft",
    response_model=DraftPublic,
    summary="The AI draft of the opinion, by section, every fact citing its source",
    responses={404: {"description": "No draft yet (or the case is not yours)"}},
)
def read_draft(case_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep) -> DraftPublic:
    """Sections of the template chosen by the case's subspecialty, each marked AI-generated. The assigned
    specialist reads it re-identified, QA de-identified; ops and admins not at all."""
    return service.read_draft(session, principal, case_id)
