"""The SLA sweep adds each reminder, escalation and redistribution suggestion once per clock."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy.orm import Session

from pipeline.sla import sweep
from store.models import Case, Urgency
from store.repositories.cases import CaseRepository
from tests.conftest import CaseBuilder

WINDOW = dt.timedelta(hours=72)


def window_for(_: Urgency) -> dt.timedelta:
    return WINDOW


def kinds(session: Session, case_id: uuid.UUID) -> list[str]:
    return [
        event.kind
        for event in CaseRepository(session).timeline(case_id)
        if event.kind.startswith(("sla", "red"))
    ]


def test_each_sla_event_is_added_once_per_clock(cases: CaseBuilder, session: Session) -> None:
    case_id = uuid.UUID(cases.assigned())
    case = session.get(Case, case_id)
    assert case is not None
    assert case.due_at is not None
    started = case.due_at - WINDOW

    assert sweep(session, window_for, started + dt.timedelta(hours=10)) == 0
    assert sweep(session, window_for, started + dt.timedelta(hours=60)) == 3
    assert kinds(session, case_id) == ["sla_reminder", "sla_escalation", "redistribution_suggested"]
    assert sweep(session, window_for, started + dt.timedelta(hours=61)) == 0  # once each
    assert sweep(session, window_for, case.due_at + dt.timedelta(minutes=1)) == 1
    assert kinds(session, case_id)[-1] == "sla_breached"
    event = CaseRepository(session).timeline(case_id)[-1]
    assert set(event.detail) == {"due_at", "sla_state"}  # ids and states only
