"""``/audit``: the hash-chained audit log, filterable, and its verification."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict

from review_api import auditing
from review_api.deps import AuditReaderPrincipal, SessionDep
from store.audit import verify_chain
from store.repositories.audit import AuditFilters, AuditRepository

router = APIRouter(prefix="/audit", tags=["audit"])


class AuditEventOut(BaseModel):
    """One audit entry."""

    model_config = ConfigDict(from_attributes=True)

    seq: int
    occurred_at: dt.datetime
    actor_id: uuid.UUID | None
    actor_role: str | None
    action: str
    resource_type: str
    resource_id: str | None
    case_id: uuid.UUID | None
    request_id: str | None
    client_address: str | None
    outcome: str
    prev_hash: str
    hash: str


class AuditPage(BaseModel):
    """A page of audit entries, newest first."""

    items: list[AuditEventOut]
    total: int
    offset: int
    limit: int


class ChainReport(BaseModel):
    """The result of walking the whole chain."""

    intact: bool
    problems: list[dict[str, int | str]]


@router.get("", response_model=AuditPage, summary="Query the audit log")
def query_audit(
    principal: AuditReaderPrincipal,
    session: SessionDep,
    case_id: uuid.UUID | None = None,
    actor_id: uuid.UUID | None = None,
    action: str | None = None,
    outcome: str | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> AuditPage:
    """Entries matching every given filter."""
    filters = AuditFilters(case_id, actor_id, action, outcome, since, until)
    events, total = AuditRepository(session).list_readable(principal, filters, offset=offset, limit=limit)
    auditing.record(session, "audit.read", "audit_log", case_id=case_id)
    return AuditPage(
        items=[AuditEventOut.model_validate(event) for event in events],
        total=total,
        offset=offset,
        limit=limit,
    )


@router.get("/verification", response_model=ChainReport, summary="Verify the hash chain")
def verify_audit(principal: AuditReaderPrincipal, session: SessionDep) -> ChainReport:
    """Walk the whole log and report altered, missing or re-linked rows."""
    problems = verify_chain(session)
    auditing.record(session, "audit.verify", "audit_log", outcome="success" if not problems else "failure")
    return ChainReport(intact=not problems, problems=[{"seq": p.seq, "problem": p.problem} for p in problems])
