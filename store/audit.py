"""The append-only, hash-chained audit log.

Every entry hashes its own fields together with the previous entry's hash, so altering, inserting or
deleting a row breaks the chain at that point. Appends are serialised by a transaction-scoped advisory lock,
which also makes ``seq`` gap-free: a gap means a deleted row. The database itself refuses UPDATE, DELETE
and TRUNCATE on the table (see the initial migration).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from store.models import AuditEvent

GENESIS_HASH = "0" * 64
# Arbitrary constant naming the audit chain's advisory lock.
AUDIT_CHAIN_LOCK = 0x5EC0_A0D1


@dataclass(frozen=True)
class AuditEntry:
    """What happened, by whom, to what. Never put PHI in any field."""

    action: str
    resource_type: str
    outcome: str = "success"
    actor_id: uuid.UUID | None = None
    actor_role: str | None = None
    resource_id: str | None = None
    case_id: uuid.UUID | None = None
    request_id: str | None = None
    client_address: str | None = None


@dataclass(frozen=True)
class ChainProblem:
    """One break in the chain found by :func:`verify_chain`."""

    seq: int
    problem: str


def append(session: Session, entry: AuditEntry) -> AuditEvent:
    """Add ``entry`` to the chain in the session's current transaction."""
    session.execute(select(func.pg_advisory_xact_lock(AUDIT_CHAIN_LOCK)))
    last = session.execute(
        select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)
    ).first()
    seq, prev_hash = (last.seq + 1, last.hash) if last else (1, GENESIS_HASH)
    event = AuditEvent(
        seq=seq,
        occurred_at=dt.datetime.now(dt.UTC),
        actor_id=entry.actor_id,
        actor_role=entry.actor_role,
        action=entry.action,
        resource_type=entry.resource_type,
        resource_id=entry.resource_id,
        case_id=entry.case_id,
        request_id=entry.request_id,
        client_address=entry.client_address,
        outcome=entry.outcome,
        prev_hash=prev_hash,
    )
    event.hash = event_hash(event)
    session.add(event)
    session.flush()
    return event


def event_hash(event: AuditEvent) -> str:
    """SHA-256 over the canonical JSON of the event's fields and its predecessor's hash."""
    canonical = {
        "seq": event.seq,
        "occurred_at": event.occurred_at.astimezone(dt.UTC).isoformat(),
        "actor_id": _text(event.actor_id),
        "actor_role": event.actor_role,
        "action": event.action,
        "resource_type": event.resource_type,
        "resource_id": event.resource_id,
        "case_id": _text(event.case_id),
        "request_id": event.request_id,
        "client_address": event.client_address,
        "outcome": event.outcome,
        "prev_hash": event.prev_hash,
    }
    payload = json.dumps(canonical, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()


def verify_chain(session: Session, batch_size: int = 5000) -> list[ChainProblem]:
    """Walk the whole log in order; report every altered, missing or re-linked row."""
    problems: list[ChainProblem] = []
    expected_seq, expected_prev = 1, GENESIS_HASH
    for event in _events_in_order(session, batch_size):
        if event.seq != expected_seq:
            problems.append(ChainProblem(event.seq, f"rows {expected_seq}..{event.seq - 1} are missing"))
        if event.prev_hash != expected_prev:
            problems.append(ChainProblem(event.seq, "link to the previous row is broken"))
        if event_hash(event) != event.hash:
            problems.append(ChainProblem(event.seq, "row content does not match its hash"))
        expected_seq, expected_prev = event.seq + 1, event.hash
    return problems


def _events_in_order(session: Session, batch_size: int) -> Iterator[AuditEvent]:
    statement = select(AuditEvent).order_by(AuditEvent.seq).execution_options(yield_per=batch_size)
    yield from session.scalars(statement)


def _text(value: uuid.UUID | None) -> str | None:
    return None if value is None else str(value)
