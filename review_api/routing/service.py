"""The ops queue (cases with the pipeline's triage suggestion, ranked specialists and the SLA state) and
routing a case in one call: accept the suggestion, or override it with a reason."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy.orm import Session

from reconsult.settings import Settings
from review_api import auditing
from review_api.cases import service as cases
from review_api.cases.schemas import CaseRoutingView, TriageDecision
from review_api.routing.schemas import (
    OverridePublic,
    QueueEntry,
    RoutingRequest,
    RoutingResult,
    SpecialistSuggestion,
    SubspecialtyChance,
    TriageSuggestionPublic,
)
from review_api.specialists.service import credential_problems
from store.case_status import CaseStatus
from store.errors import Conflict, Unprocessable
from store.models import Case, RoutingDecision, SpecialistProfile, TriageSuggestionRow, Urgency
from store.principal import Principal
from store.repositories.cases import CaseRepository
from store.repositories.routing import RoutingRepository
from store.repositories.users import SpecialistRepository
from triage.routing import Candidate, SlaState, rank_specialists, sla_state

QUEUE_STATUSES = (CaseStatus.PROCESSING, CaseStatus.TRIAGED, CaseStatus.ASSIGNED, CaseStatus.IN_REVIEW)
QUEUE_LIMIT = 200
SUGGESTED_SPECIALISTS = 3
_URGENCY_RANK = {Urgency.EMERGENT: 0, Urgency.URGENT: 1, Urgency.ROUTINE: 2, None: 3}


def queue(
    session: Session,
    principal: Principal,
    settings: Settings,
    *,
    urgency: Urgency | None = None,
    subspecialty: str | None = None,
    state: SlaState | None = None,
    assigned: bool | None = None,
) -> list[QueueEntry]:
    """Open cases, riskiest first: emergent before urgent before routine, then the nearest deadline."""
    open_cases = CaseRepository(session).in_statuses(principal, QUEUE_STATUSES, QUEUE_LIMIT)
    suggestions = RoutingRepository(session).latest_suggestions([case.id for case in open_cases])
    now = dt.datetime.now(dt.UTC)
    roster = _roster(session, principal)
    entries = [
        _entry(session, principal, settings, roster, case, suggestions.get(case.id), now)
        for case in open_cases
    ]
    kept = [
        entry
        for entry in entries
        if (urgency is None or entry.effective_urgency is urgency)
        and (subspecialty is None or _subspecialty(entry) == subspecialty)
        and (state is None or entry.sla_state is state)
        and (assigned is None or (entry.case.assigned_specialist_id is not None) == assigned)
    ]
    far_future = dt.datetime.max.replace(tzinfo=dt.UTC)
    kept.sort(key=lambda entry: (_URGENCY_RANK[entry.effective_urgency], entry.case.due_at or far_future))
    auditing.record(session, "queue.read", "queue")
    return kept


def _entry(
    session: Session,
    principal: Principal,
    settings: Settings,
    roster: list[tuple[SpecialistProfile, int]],
    case: Case,
    suggestion: TriageSuggestionRow | None,
    now: dt.datetime,
) -> QueueEntry:
    view = cases.present(session, principal, case)
    assert isinstance(view, CaseRoutingView)
    effective = case.urgency or (suggestion.urgency if suggestion else None)
    window = dt.timedelta(hours=cases.sla_hours(case.urgency, settings)) if case.urgency else dt.timedelta(0)
    target = case.subspecialty or (suggestion.subspecialty if suggestion else None)
    specialists = _specialists(roster, case, target) if target else []
    return QueueEntry(
        case=view,
        effective_urgency=effective,
        sla_state=sla_state(case.due_at, window, now),
        suggestion=present_suggestion(suggestion) if suggestion else None,
        specialists=specialists,
    )


def _subspecialty(entry: QueueEntry) -> str | None:
    if entry.case.subspecialty:
        return entry.case.subspecialty
    return (
        entry.suggestion.subspecialties[0].name
        if entry.suggestion and entry.suggestion.subspecialties
        else None
    )


def present_suggestion(row: TriageSuggestionRow) -> TriageSuggestionPublic:
    """A suggestion without clinical text: reasons are the names of the rules that fired."""
    output = row.output
    return TriageSuggestionPublic(
        id=row.id,
        urgency=row.urgency,
        needs_review=row.needs_review,
        reasons=[reason["text"] for reason in output["urgency"]["reasons"]],
        subspecialties=[
            SubspecialtyChance(**{k: s[k] for k in ("name", "probability")}) for s in output["subspecialties"]
        ],
        created_at=row.created_at,
    )


def _roster(session: Session, principal: Principal) -> list[tuple[SpecialistProfile, int]]:
    """Active specialists with their open case counts, loaded once per request."""
    profiles = SpecialistRepository(session).list_readable(principal, subspecialty=None, active=True)
    repository = CaseRepository(session)
    return [(profile, repository.open_case_count(profile.user_id)) for profile in profiles]


def _specialists(
    roster: list[tuple[SpecialistProfile, int]], case: Case, subspecialty: str
) -> list[SpecialistSuggestion]:
    today = dt.date.today()
    candidates = [
        Candidate(
            user_id=profile.user_id,
            name=profile.user.full_name,
            subspecialties=tuple(profile.subspecialties),
            credential_problems=tuple(credential_problems(profile, case.patient_state, today)),
            open_cases=open_cases,
            weekly_capacity=profile.weekly_capacity,
        )
        for profile, open_cases in roster
    ]
    ranked = rank_specialists(candidates, subspecialty, case.patient_state)[:SUGGESTED_SPECIALISTS]
    return [
        SpecialistSuggestion(
            specialist_id=match.user_id,
            name=match.name,
            score=match.score,
            sla_feasible=match.sla_feasible,
            reasons=match.reasons,
        )
        for match in ranked
    ]


def route(
    session: Session, principal: Principal, case_id: uuid.UUID, request: RoutingRequest, settings: Settings
) -> RoutingResult:
    """Triage and assign in one call: the suggestion as it stands, or overridden (with a reason)."""
    case = cases.get_case(session, principal, case_id, for_update=True)
    suggestion = RoutingRepository(session).latest_suggestion(case_id)
    suggested_specialist = _top_specialist(session, principal, case, request, suggestion)
    urgency = request.urgency or (suggestion.urgency if suggestion else None)
    subspecialty = request.subspecialty or (suggestion.subspecialty if suggestion else None)
    specialist_id = request.specialist_id or suggested_specialist
    missing = [
        name
        for name, value in (
            ("urgency", urgency),
            ("subspecialty", subspecialty),
            ("specialist_id", specialist_id),
        )
        if value is None
    ]
    if missing:
        raise Unprocessable(
            "there is no suggestion to accept for: " + ", ".join(missing),
            errors=[{"field": name, "reason": "required without a suggestion"} for name in missing],
        )
    assert urgency is not None
    assert subspecialty is not None
    assert specialist_id is not None
    overridden = suggestion is None or (urgency, subspecialty, specialist_id) != (
        suggestion.urgency,
        suggestion.subspecialty,
        suggested_specialist,
    )
    if overridden and not (request.override_reason or "").strip():
        raise Unprocessable(
            "an override needs a reason",
            errors=[{"field": "override_reason", "reason": "required for an override"}],
        )
    _apply(session, principal, case, urgency, subspecialty, specialist_id, settings)
    RoutingRepository(session).add_decision(
        RoutingDecision(
            case_id=case.id,
            suggestion_id=suggestion.id if suggestion else None,
            decided_by_id=principal.user_id,
            overridden=overridden,
            urgency=urgency,
            subspecialty=subspecialty,
            specialist_id=specialist_id,
            override_reason=request.override_reason if overridden else None,
        )
    )
    auditing.record(
        session,
        "case.route.override" if overridden else "case.route.accept",
        "case",
        resource_id=case.id,
        case_id=case.id,
    )
    view = cases.present(session, principal, case)
    assert isinstance(view, CaseRoutingView)
    return RoutingResult(case=view, overridden=overridden, specialist_id=specialist_id)


def _top_specialist(
    session: Session,
    principal: Principal,
    case: Case,
    request: RoutingRequest,
    suggestion: TriageSuggestionRow | None,
) -> uuid.UUID | None:
    subspecialty = request.subspecialty or (suggestion.subspecialty if suggestion else None)
    if subspecialty is None:
        return None
    ranked = _specialists(_roster(session, principal), case, subspecialty)
    return ranked[0].specialist_id if ranked else None


def _apply(
    session: Session,
    principal: Principal,
    case: Case,
    urgency: Urgency,
    subspecialty: str,
    specialist_id: uuid.UUID,
    settings: Settings,
) -> None:
    if case.status not in (CaseStatus.PROCESSING, CaseStatus.TRIAGED):
        raise Conflict(f"only a case in processing or triaged can be routed; this one is {case.status.value}")
    if (case.urgency, case.subspecialty) != (urgency, subspecialty) or case.status is CaseStatus.PROCESSING:
        cases.triage(
            session, principal, case.id, TriageDecision(urgency=urgency, subspecialty=subspecialty), settings
        )
    cases.assign(session, principal, case.id, specialist_id)


def overrides(session: Session) -> list[OverridePublic]:
    """Every override with what was suggested: the labelled examples (newest first)."""
    repository = RoutingRepository(session)
    decisions = repository.overrides()
    suggestions = repository.suggestions_by_id([d.suggestion_id for d in decisions if d.suggestion_id])
    auditing.record(session, "routing.overrides.read", "routing_decision")
    return [
        OverridePublic(
            case_id=decision.case_id,
            decided_at=decision.created_at,
            suggested_urgency=suggestions[decision.suggestion_id].urgency if decision.suggestion_id else None,
            suggested_subspecialty=(
                suggestions[decision.suggestion_id].subspecialty if decision.suggestion_id else None
            ),
            urgency=decision.urgency,
            subspecialty=decision.subspecialty,
            override_reason=decision.override_reason,
        )
        for decision in decisions
    ]
