"""Queries over the audit log (appends go through ``store.audit``)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Select, false, func, select
from sqlalchemy.orm import Session

from store.models import AuditEvent, Role
from store.principal import Principal


@dataclass(frozen=True)
class AuditFilters:
    """Filters for reading the audit log; every field is optional."""

    case_id: uuid.UUID | None = None
    actor_id: uuid.UUID | None = None
    action: str | None = None
    outcome: str | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None


class AuditRepository:
    """The audit log, readable by admins and QA."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def readable_statement(self, principal: Principal) -> Select[AuditEvent]:
        """The entries ``principal`` may read."""
        statement = select(AuditEvent)
        if principal.role in (Role.ADMIN, Role.QA):
            return statement
        return statement.where(false())

    def list_readable(
        self, principal: Principal, filters: AuditFilters, *, offset: int, limit: int
    ) -> tuple[Sequence[AuditEvent], int]:
        """A page of entries, newest first, and the total count."""
        statement = self.readable_statement(principal)
        for column, value in (
            (AuditEvent.case_id, filters.case_id),
            (AuditEvent.actor_id, filters.actor_id),
            (AuditEvent.action, filters.action),
            (AuditEvent.outcome, filters.outcome),
        ):
            if value is not None:
                statement = statement.where(column == value)
        if filters.since is not None:
            statement = statement.where(AuditEvent.occurred_at >= filters.since)
        if filters.until is not None:
            statement = statement.where(AuditEvent.occurred_at < filters.until)
        total = self.session.scalar(select(func.count()).select_from(statement.subquery())) or 0
        page = self.session.scalars(
            statement.order_by(AuditEvent.seq.desc()).offset(offset).limit(limit)
        ).all()
        return page, total
