"""``/queue`` and ``/cases/{case_id}/routing``: the ops queue with triage suggestions; routing in one call."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from review_api.deps import OpsPrincipal, QaPrincipal, SessionDep, SettingsDep
from review_api.routing import service
from review_api.routing.schemas import OverridePublic, QueueEntry, RoutingRequest, RoutingResult
from store.models import Urgency
from triage.routing import SlaState

router = APIRouter(tags=["routing"])


@router.get("/queue", response_model=list[QueueEntry], summary="The ops queue, riskiest first")
def read_queue(
    principal: OpsPrincipal,
    session: SessionDep,
    settings: SettingsDep,
    urgency: Annotated[Urgency | None, Query(description="Decided, else suggested, urgency")] = None,
    subspecialty: Annotated[
        str | None, Query(description="Decided, else top suggested, subspecialty")
    ] = None,
    sla_state: Annotated[SlaState | None, Query(description="Where the case is on its SLA clock")] = None,
    assigned: Annotated[
        bool | None, Query(description="Only assigned (true) or unassigned (false) cases")
    ] = None,
) -> list[QueueEntry]:
    """Open cases (processing to in review) with the pipeline's urgency and subspecialty suggestions and their
    reasons, eligible specialists ranked with reasons, and the SLA state; emergent first, then the nearest
    deadline."""
    return service.queue(
        session,
        principal,
        settings,
        urgency=urgency,
        subspecialty=subspecialty,
        state=sla_state,
        assigned=assigned,
    )


@router.post(
    "/cases/{case_id}/routing",
    response_model=RoutingResult,
    summary="Route a case: accept the suggestion or override it",
    responses={
        409: {"description": "The case cannot be routed in its status, or the specialist cannot take it"},
        422: {"description": "An override without a reason, or nothing to accept"},
    },
)
def route_case(
    case_id: uuid.UUID,
    request: RoutingRequest,
    principal: OpsPrincipal,
    session: SessionDep,
    settings: SettingsDep,
) -> RoutingResult:
    """An empty body accepts the suggested urgency, subspecialty and top specialist: the case is triaged (the
    SLA clock starts) and assigned. Any field given that differs from the suggestion is an override and needs
    ``override_reason``; overrides are kept as labelled examples for QA and retraining."""
    return service.route(session, principal, case_id, request, settings)


@router.get(
    "/routing/overrides",
    response_model=list[OverridePublic],
    summary="Overridden suggestions (labelled examples)",
)
def read_overrides(principal: QaPrincipal, session: SessionDep) -> list[OverridePublic]:
    """Each override with what the pipeline suggested and the reason ops gave: for QA to review triage and
    as labelled examples for retraining."""
    return service.overrides(session)
