"""``/cases/{case_id}/discrepancies``: the flags the discrepancy check raised for a case."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from review_api.deps import CurrentPrincipal, SessionDep
from review_api.discrepancies import service
from review_api.discrepancies.schemas import DiscrepanciesPublic

router = APIRouter(prefix="/cases/{case_id}", tags=["discrepancies"])


@router.get(
    "/discrepancies",
    response_model=DiscrepanciesPublic,
    summary="Discrepancies between the submitted diagnosis and the records",
    responses={404: {"description": "No check yet (or the case is not yours)"}},
)
def read_discrepancies(
    case_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep
) -> DiscrepanciesPublic:
    """Typed flags with a severity and a one-sentence reason, each citing the claim and the evidence. The
    assigned specialist reads the original wording; QA reads citations (open them with the source
    endpoint); ops and admins not at all."""
    return service.read_discrepancies(session, principal, case_id)
