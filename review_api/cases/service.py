"""Case intake, views, the status machine with its consent gates, manual triage and assignment."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy.orm import Session

from reconsult.settings import Settings
from review_api import auditing
from review_api.cases.schemas import (
    CaseClinicalView,
    CaseCreate,
    CaseDeidentifiedView,
    CaseRoutingView,
    CaseUpdate,
    PatientOut,
    ReferringDiagnosis,
    StatusChange,
    TriageDecision,
)
from review_api.specialists.service import credential_problems
from store.case_status import EDITABLE_STATUSES, CaseStatus, can_transition
from store.errors import Conflict, Forbidden, NotFound, Unprocessable
from store.models import Case, CaseEvent, ConsentScope, Role, Urgency
from store.principal import Principal
from store.repositories.cases import CaseFilters, CaseRepository, ConsentRepository, RecordRepository
from store.repositories.users import SpecialistRepository

# Transitions a role may request directly; the rest happen through triage, assignment and sign-off.
MANUAL_TARGETS: dict[Role, frozenset[CaseStatus]] = {
    Role.OPS: frozenset(
        {CaseStatus.SUBMITTED, CaseStatus.PROCESSING, CaseStatus.CANCELLED, CaseStatus.DELIVERED}
    ),
    Role.SPECIALIST: frozenset({CaseStatus.IN_REVIEW}),
}

# Consents that must be in force before a case may enter a status.
REQUIRED_CONSENTS: dict[CaseStatus, frozenset[ConsentScope]] = {
    CaseStatus.PROCESSING: frozenset({ConsentScope.RECORD_RELEASE, ConsentScope.SPECIALIST_REVIEW}),
    CaseStatus.ASSIGNED: frozenset({ConsentScope.SPECIALIST_REVIEW}),
    CaseStatus.IN_REVIEW: frozenset({ConsentScope.SPECIALIST_REVIEW}),
}

CaseViewModel = CaseClinicalView | CaseRoutingView | CaseDeidentifiedView


def get_case(session: Session, principal: Principal, case_id: uuid.UUID, *, for_update: bool = False) -> Case:
    """A case the caller may read; 404 otherwise (a case that is not theirs is indistinguishable)."""
    case = CaseRepository(session).get_readable(principal, case_id, for_update=for_update)
    if case is None:
        raise NotFound("case not found")
    return case


def read_case(session: Session, principal: Principal, case_id: uuid.UUID) -> CaseViewModel:
    """One case in the caller's view; the read is audited."""
    case = get_case(session, principal, case_id)
    auditing.record(session, "case.read", "case", resource_id=case.id, case_id=case.id)
    return present(session, principal, case)


def list_cases(
    session: Session, principal: Principal, filters: CaseFilters, *, offset: int, limit: int
) -> tuple[list[CaseViewModel], int]:
    """A page of the cases the caller may see, newest first, each in the caller's view, and the total."""
    cases, total = CaseRepository(session).list_readable(principal, filters, offset=offset, limit=limit)
    auditing.record(session, "case.list", "case")
    return [present(session, principal, case) for case in cases], total


def create_case(session: Session, principal: Principal, data: CaseCreate) -> Case:
    """Record a new case in ``draft``."""
    repository = CaseRepository(session)
    case = Case(status=CaseStatus.DRAFT, source=data.source, created_by_id=principal.user_id)
    _apply_intake(case, data.patient, data.referring_diagnosis, data.question)
    case.requested_specialty = data.requested_specialty
    repository.add(case)
    add_event(session, case, principal, "created", None, CaseStatus.DRAFT)
    auditing.record(session, "case.create", "case", resource_id=case.id, case_id=case.id)
    return case


def update_case(session: Session, principal: Principal, case_id: uuid.UUID, data: CaseUpdate) -> Case:
    """Correct intake data while the case is still editable."""
    case = get_case(session, principal, case_id, for_update=True)
    if case.status not in EDITABLE_STATUSES:
        raise Conflict(f"a case in status {case.status.value} can no longer be edited")
    changed = sorted(data.model_dump(exclude_unset=True))
    if data.patient is not None or data.referring_diagnosis is not None or data.question is not None:
        _apply_intake(case, data.patient, data.referring_diagnosis, data.question)
    if "requested_specialty" in changed:
        case.requested_specialty = data.requested_specialty
    session.flush()
    add_event(session, case, principal, "updated", None, None, fields=changed)
    auditing.record(session, "case.update", "case", resource_id=case.id, case_id=case.id)
    return case


def change_status(session: Session, principal: Principal, case_id: uuid.UUID, change: StatusChange) -> Case:
    """Move a case along the status machine, within what the caller's role may do."""
    case = get_case(session, principal, case_id, for_update=True)
    if change.status not in MANUAL_TARGETS.get(principal.role, frozenset()):
        raise Forbidden(f"your role cannot move a case to {change.status.value}")
    if change.status is CaseStatus.CANCELLED and change.cancel_reason is None:
        raise Unprocessable(
            "cancel_reason is required when cancelling", errors=[_field_error("cancel_reason")]
        )
    detail = {"cancel_reason": change.cancel_reason.value} if change.cancel_reason else {}
    transition(session, principal, case, change.status, **detail)
    return case


def triage(
    session: Session, principal: Principal, case_id: uuid.UUID, decision: TriageDecision, settings: Settings
) -> Case:
    """Set urgency and subspecialty, start the SLA clock and move the case to ``triaged``."""
    case = get_case(session, principal, case_id, for_update=True)
    if case.status not in (CaseStatus.PROCESSING, CaseStatus.TRIAGED):
        raise Conflict(
            f"only a case in processing or triaged can be triaged; this one is {case.status.value}",
            current_status=case.status.value,
        )
    case.urgency = decision.urgency
    case.subspecialty = decision.subspecialty
    case.due_at = dt.datetime.now(dt.UTC) + dt.timedelta(hours=sla_hours(decision.urgency, settings))
    if case.status is CaseStatus.TRIAGED:  # a correction: the SLA clock restarts, the status stays
        session.flush()
        add_event(session, case, principal, "retriaged", urgency=decision.urgency.value)
        auditing.record(session, "case.retriage", "case", resource_id=case.id, case_id=case.id)
    else:
        transition(session, principal, case, CaseStatus.TRIAGED, urgency=decision.urgency.value)
    return case


def sla_hours(urgency: Urgency, settings: Settings) -> int:
    """How long an opinion may take at this urgency."""
    return {
        Urgency.EMERGENT: settings.sla_emergent_hours,
        Urgency.URGENT: settings.sla_urgent_hours,
        Urgency.ROUTINE: settings.sla_routine_hours,
    }[urgency]


def assign(session: Session, principal: Principal, case_id: uuid.UUID, specialist_id: uuid.UUID) -> Case:
    """Assign (or reassign) a case to a specialist who holds the credentials for the patient's state."""
    case = get_case(session, principal, case_id, for_update=True)
    profile = SpecialistRepository(session).get_readable(principal, specialist_id)
    if profile is None or not profile.user.active:
        raise Unprocessable("no active specialist with this id", errors=[_field_error("specialist_id")])
    problems = credential_problems(profile, case.patient_state, dt.date.today())
    if problems:
        raise Conflict("the specialist cannot take this case: " + "; ".join(problems), reasons=problems)
    if case.status in (CaseStatus.ASSIGNED, CaseStatus.IN_REVIEW):
        if case.assigned_specialist_id == specialist_id:
            raise Conflict("the case is already assigned to this specialist")
        transition(session, principal, case, CaseStatus.TRIAGED, reason="reassignment")
    case.assigned_specialist_id = specialist_id
    transition(session, principal, case, CaseStatus.ASSIGNED, specialist_id=str(specialist_id))
    return case


def transition(session: Session, principal: Principal, case: Case, target: CaseStatus, **detail: Any) -> None:
    """Apply one transition: legality, consent gates, timestamps, the timeline and the audit entry."""
    if not can_transition(case.status, target):
        raise Conflict(
            f"a case cannot move from {case.status.value} to {target.value}",
            current_status=case.status.value,
        )
    missing = REQUIRED_CONSENTS.get(target, frozenset()) - ConsentRepository(session).active_scopes(case.id)
    if missing:
        names = sorted(scope.value for scope in missing)
        raise Conflict(f"missing active consent: {', '.join(names)}", missing_consents=names)
    if target is CaseStatus.IN_REVIEW and case.assigned_specialist_id != principal.user_id:
        raise Forbidden("only the assigned specialist can start the review")
    previous = case.status
    case.status = target
    case.status_changed_at = dt.datetime.now(dt.UTC)
    if target is CaseStatus.TRIAGED and previous in (CaseStatus.ASSIGNED, CaseStatus.IN_REVIEW):
        case.assigned_specialist_id = None
    session.flush()
    add_event(session, case, principal, "status_changed", previous, target, **detail)
    auditing.record(session, f"case.status.{target.value}", "case", resource_id=case.id, case_id=case.id)


def require_consent(session: Session, case: Case, scope: ConsentScope) -> None:
    """409 naming the consent if ``scope`` is not in force for the case."""
    if scope not in ConsentRepository(session).active_scopes(case.id):
        raise Conflict(f"missing active consent: {scope.value}", missing_consents=[scope.value])


def present(session: Session, principal: Principal, case: Case) -> CaseViewModel:
    """The case in the view the caller's role is entitled to."""
    if principal.role is Role.QA:
        return _deidentified_view(case)
    routing = CaseRoutingView(
        **_common_fields(case),
        assigned_specialist_id=case.assigned_specialist_id,
        due_at=case.due_at,
        created_at=case.created_at,
        status_changed_at=case.status_changed_at,
        record_count=RecordRepository(session).count_for_case(case.id),
        active_consents=sorted(ConsentRepository(session).active_scopes(case.id)),
    )
    if principal.role is not Role.SPECIALIST:
        return routing
    return CaseClinicalView(
        **routing.model_dump(exclude={"view"}),
        patient=PatientOut(
            name=case.patient_name,
            birth_date=case.patient_birth_date,
            sex=case.patient_sex,
            state=case.patient_state,
        ),
        referring_diagnosis=ReferringDiagnosis(text=case.referring_diagnosis, icd10=case.referring_icd10),
        question=case.question,
    )


def age_band(birth_date: dt.date, on: dt.date) -> str:
    """A ten-year age band; everyone over 89 shares one band (Safe Harbor)."""
    age = on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))
    if age >= 90:
        return "90+"
    low = age // 10 * 10
    return f"{low}-{low + 9}"


def _common_fields(case: Case) -> dict[str, Any]:
    """The fields every view shares (none of them PHI)."""
    return {
        "id": case.id,
        "status": case.status,
        "source": case.source,
        "requested_specialty": case.requested_specialty,
        "urgency": case.urgency,
        "subspecialty": case.subspecialty,
    }


def _deidentified_view(case: Case) -> CaseDeidentifiedView:
    return CaseDeidentifiedView(
        **_common_fields(case),
        referring_icd10=case.referring_icd10,
        age_band=age_band(case.patient_birth_date, case.created_at.date()),
        sex=case.patient_sex,
        created_year=case.created_at.year,
    )


def _apply_intake(
    case: Case, patient: Any, diagnosis: ReferringDiagnosis | None, question: str | None
) -> None:
    if patient is not None:
        case.patient_name = patient.name
        case.patient_birth_date = patient.birth_date
        case.patient_sex = patient.sex.value
        case.patient_state = patient.state
    if diagnosis is not None:
        case.referring_diagnosis = diagnosis.text
        case.referring_icd10 = diagnosis.icd10
    if question is not None:
        case.question = question


def add_event(
    session: Session,
    case: Case,
    principal: Principal,
    kind: str,
    from_status: CaseStatus | None = None,
    to_status: CaseStatus | None = None,
    **detail: Any,
) -> None:
    """Append an entry to the case timeline; ``detail`` takes ids and codes only, never PHI."""
    event = CaseEvent(
        case_id=case.id,
        kind=kind,
        from_status=from_status,
        to_status=to_status,
        actor_id=principal.user_id,
        detail=detail,
        occurred_at=dt.datetime.now(dt.UTC),
    )
    CaseRepository(session).add_event(event)


def _field_error(field: str) -> dict[str, str]:
    return {"field": field, "reason": "required or invalid"}
