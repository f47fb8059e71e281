"""The ops queue: urgency, suggested subspecialty and specialists with reasons, a live SLA countdown, and
routing (accept the suggestion, or override it with a reason). No clinical content: ops see routing fields."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from pydantic import ValidationError

from review_api.deps import SessionDep, SettingsDep
from review_api.routing import service as routing
from review_api.routing.schemas import RoutingRequest
from review_api.specialists.service import list_specialists
from store.errors import DomainError
from store.models import Role, Urgency
from triage.taxonomy import subspecialties
from workspace.sessions import SignedIn
from workspace.web import PREFIX, refused, render, role_form, role_page, see_other

router = APIRouter(prefix=f"{PREFIX}/queue", include_in_schema=False)
OpsPage = Annotated[SignedIn, Depends(role_page(Role.OPS))]
OpsForm = Annotated[SignedIn, Depends(role_form(Role.OPS))]


@router.get("")
def queue_page(request: Request, signed_in: OpsPage, session: SessionDep, settings: SettingsDep) -> Response:
    """Open cases, emergent first, then the nearest deadline."""
    return _render_queue(request, session, signed_in, settings)


@router.post("/{case_id}/route")
def route(
    request: Request,
    case_id: uuid.UUID,
    signed_in: OpsForm,
    session: SessionDep,
    settings: SettingsDep,
    decision: Annotated[str, Form(pattern="^(accept|override)$")] = "accept",
    urgency: Annotated[str, Form()] = "",
    subspecialty: Annotated[str, Form(max_length=100)] = "",
    specialist_id: Annotated[str, Form()] = "",
    override_reason: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """Accept the suggestion as it stands, or route with the chosen values (an override needs a reason)."""
    try:
        choice = (
            RoutingRequest()
            if decision == "accept"
            else RoutingRequest(
                urgency=Urgency(urgency) if urgency else None,
                subspecialty=subspecialty or None,
                specialist_id=uuid.UUID(specialist_id) if specialist_id else None,
                override_reason=override_reason or None,
            )
        )
        routing.route(session, signed_in.principal, case_id, choice, settings)
    except DomainError as error:
        refused(session, request, error)
        problem = {"case_id": case_id, "detail": error.detail}
        return _render_queue(request, session, signed_in, settings, problem=problem, status_code=error.status)
    except (ValidationError, ValueError):
        problem = {"case_id": case_id, "detail": "choose a valid urgency, subspecialty and specialist"}
        return _render_queue(request, session, signed_in, settings, problem=problem, status_code=422)
    return see_other(f"{PREFIX}/queue?routed={case_id}#case-{case_id}")


def _render_queue(
    request: Request,
    session: SessionDep,
    signed_in: SignedIn,
    settings: SettingsDep,
    status_code: int = 200,
    **context: Any,
) -> Response:
    entries = routing.queue(session, signed_in.principal, settings)
    specialists = list_specialists(session, signed_in.principal, active=True)
    emergent_unassigned = [
        entry
        for entry in entries
        if entry.effective_urgency is Urgency.EMERGENT and entry.case.assigned_specialist_id is None
    ]
    return render(
        request,
        "queue.html",
        status_code=status_code,
        entries=entries,
        emergent_unassigned=emergent_unassigned,
        specialists=specialists,
        names={specialist.user_id: specialist.full_name for specialist in specialists},
        subspecialties=sorted(subspecialties()),
        urgencies=list(Urgency),
        routed=request.query_params.get("routed"),
        **context,
    )
