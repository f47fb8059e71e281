"""Cases, their timeline, consents and records."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Select, false, func, select
from sqlalchemy.orm import Session

from store.case_status import CaseStatus
from store.models import Case, CaseEvent, CaseSource, Consent, ConsentScope, Record, Role, Urgency
from store.principal import Principal


@dataclass(frozen=True)
class CaseFilters:
    """Filters for listing cases; every field is optional."""

    status: CaseStatus | None = None
    urgency: Urgency | None = None
    source: CaseSource | None = None
    requested_specialty: str | None = None
    assigned_specialist_id: uuid.UUID | None = None


class CaseRepository:
    """Cases. Specialists read only the cases assigned to them; ops and QA read all (through their own
    views); admins read none."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def readable_statement(self, principal: Principal) -> Select[Case]:
        """The cases ``principal`` may read."""
        statement = select(Case)
        if principal.role is Role.SPECIALIST:
            return statement.where(Case.assigned_specialist_id == principal.user_id)
        if principal.role in (Role.OPS, Role.QA):
            return statement
        return statement.where(false())

    def get_readable(
        self, principal: Principal, case_id: uuid.UUID, *, for_update: bool = False
    ) -> Case | None:
        """One case, if readable; ``for_update`` locks the row for a state change."""
        statement = self.readable_statement(principal).where(Case.id == case_id)
        if for_update:
            statement = statement.with_for_update()
        return self.session.scalars(statement).first()

    def list_readable(
        self, principal: Principal, filters: CaseFilters, *, offset: int, limit: int
    ) -> tuple[Sequence[Case], int]:
        """A page of readable cases matching ``filters`` (newest first) and the total count."""
        statement = self.readable_statement(principal)
        for column, value in (
            (Case.status, filters.status),
            (Case.urgency, filters.urgency),
            (Case.source, filters.source),
            (Case.requested_specialty, filters.requested_specialty),
            (Case.assigned_specialist_id, filters.assigned_specialist_id),
        ):
            if value is not None:
                statement = statement.where(column == value)
        total = self.session.scalar(select(func.count()).select_from(statement.subquery())) or 0
        page = self.session.scalars(
            statement.order_by(Case.created_at.desc(), Case.id).offset(offset).limit(limit)
        ).all()
        return page, total

    def in_statuses(self, principal: Principal, statuses: Sequence[CaseStatus], limit: int) -> Sequence[Case]:
        """Readable cases in any of ``statuses`` (the ops queue's working set), oldest first."""
        statement = self.readable_statement(principal).where(Case.status.in_(list(statuses)))
        return self.session.scalars(statement.order_by(Case.created_at).limit(limit)).all()

    def with_running_clock(self, statuses: Sequence[CaseStatus]) -> Sequence[Case]:
        """Cases in ``statuses`` whose SLA clock runs (triaged, with a due time): for the SLA sweep."""
        statement = select(Case).where(Case.status.in_(list(statuses)), Case.due_at.is_not(None))
        return self.session.scalars(statement.order_by(Case.due_at)).all()

    def add(self, case: Case) -> Case:
        """Insert a new case."""
        self.session.add(case)
        self.session.flush()
        return case

    def add_event(self, event: CaseEvent) -> CaseEvent:
        """Append an entry to a case's timeline."""
        self.session.add(event)
        self.session.flush()
        return event

    def timeline(self, case_id: uuid.UUID) -> Sequence[CaseEvent]:
        """A case's timeline, oldest first (callers check the case is readable first)."""
        statement = select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)
        return self.session.scalars(statement).all()

    def open_case_count(self, specialist_id: uuid.UUID) -> int:
        """How many unsigned cases a specialist holds."""
        statement = select(func.count(Case.id)).where(
            Case.assigned_specialist_id == specialist_id,
            Case.status.in_([CaseStatus.ASSIGNED, CaseStatus.IN_REVIEW]),
        )
        return self.session.scalar(statement) or 0


class ConsentRepository:
    """Consents, read through the case they belong to (callers check the case first)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def for_case(self, case_id: uuid.UUID) -> Sequence[Consent]:
        """All consents of a case, newest first."""
        statement = select(Consent).where(Consent.case_id == case_id).order_by(Consent.granted_at.desc())
        return self.session.scalars(statement).all()

    def get(self, case_id: uuid.UUID, consent_id: uuid.UUID) -> Consent | None:
        """One consent of a case."""
        statement = select(Consent).where(Consent.case_id == case_id, Consent.id == consent_id)
        return self.session.scalars(statement).first()

    def active_scopes(self, case_id: uuid.UUID) -> set[ConsentScope]:
        """The scopes with an unrevoked consent on this case."""
        statement = select(Consent.scope).where(Consent.case_id == case_id, Consent.revoked_at.is_(None))
        return set(self.session.scalars(statement).all())

    def add(self, consent: Consent) -> Consent:
        """Record a new consent."""
        self.session.add(consent)
        self.session.flush()
        return consent


class RecordRepository:
    """Uploaded records. Only the assigned specialist reads them (their content is PHI)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def readable_statement(self, principal: Principal) -> Select[Record]:
        """The records ``principal`` may read."""
        statement = select(Record)
        if principal.role is Role.SPECIALIST:
            return statement.join(Case, Record.case_id == Case.id).where(
                Case.assigned_specialist_id == principal.user_id
            )
        return statement.where(false())

    def list_readable(self, principal: Principal, case_id: uuid.UUID) -> Sequence[Record]:
        """A case's records, oldest first, if readable."""
        statement = self.readable_statement(principal).where(Record.case_id == case_id)
        return self.session.scalars(statement.order_by(Record.uploaded_at, Record.id)).all()

    def get_readable(self, principal: Principal, case_id: uuid.UUID, record_id: uuid.UUID) -> Record | None:
        """One record of a case, if readable."""
        statement = self.readable_statement(principal).where(
            Record.case_id == case_id, Record.id == record_id
        )
        return self.session.scalars(statement).first()

    def find_by_digest(self, case_id: uuid.UUID, sha256: str) -> Record | None:
        """The record of this case with these exact bytes, if already uploaded."""
        statement = select(Record).where(Record.case_id == case_id, Record.sha256 == sha256)
        return self.session.scalars(statement).first()

    def count_for_case(self, case_id: uuid.UUID) -> int:
        """How many records a case has (a routing field: no content)."""
        return self.session.scalar(select(func.count(Record.id)).where(Record.case_id == case_id)) or 0

    def digests_for_case(self, case_id: uuid.UUID) -> list[tuple[uuid.UUID, str]]:
        """Every record's id and content digest, in upload order: what a pipeline run reads (no content)."""
        statement = (
            select(Record.id, Record.sha256).where(Record.case_id == case_id).order_by(Record.uploaded_at)
        )
        return [(row.id, row.sha256) for row in self.session.execute(statement)]

    def add(self, record: Record) -> Record:
        """Insert a new record row (its blob is written by the caller)."""
        self.session.add(record)
        self.session.flush()
        return record
