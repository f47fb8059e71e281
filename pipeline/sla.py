"""The SLA sweep: reminders, escalations and redistribution suggestions on case timelines.

Workers run it between runs. Each clock (a case's ``due_at``) gets at most one event of each kind: a
reminder at half the window, an escalation at 80 %, a breach at the deadline, and, for a case assigned but
not started by half-time, a suggestion to redistribute it. Events carry ids and states only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy.orm import Session

from store.case_status import CaseStatus
from store.models import Case, CaseEvent, Urgency
from store.repositories.cases import CaseRepository
from triage.routing import SlaState, sla_state

CLOCKED_STATUSES = (CaseStatus.TRIAGED, CaseStatus.ASSIGNED, CaseStatus.IN_REVIEW)
_EVENT_AT: tuple[tuple[SlaState, str], ...] = (
    (SlaState.WARNING, "sla_reminder"),
    (SlaState.AT_RISK, "sla_escalation"),
    (SlaState.BREACHED, "sla_breached"),
)
_ORDER = [SlaState.ON_TRACK, SlaState.WARNING, SlaState.AT_RISK, SlaState.BREACHED]


def sweep(session: Session, window_for: Callable[[Urgency], dt.timedelta], now: dt.datetime) -> int:
    """Add the SLA events now due on every running clock; returns how many were added."""
    repository = CaseRepository(session)
    added = 0
    for case in repository.with_running_clock(CLOCKED_STATUSES):
        assert case.due_at is not None
        assert case.urgency is not None
        state = sla_state(case.due_at, window_for(case.urgency), now)
        if state not in _ORDER:
            continue
        clock = case.due_at.isoformat()
        done = {(event.kind, event.detail.get("due_at")) for event in repository.timeline(case.id)}
        for kind in _kinds_due(case, state):
            if (kind, clock) not in done:
                repository.add_event(_event(case, kind, state, clock, now))
                added += 1
    return added


def _kinds_due(case: Case, state: SlaState) -> list[str]:
    reached = _ORDER.index(state)
    kinds = [kind for threshold, kind in _EVENT_AT if _ORDER.index(threshold) <= reached]
    if case.status is CaseStatus.ASSIGNED and reached >= _ORDER.index(SlaState.WARNING):
        kinds.append("redistribution_suggested")  # assigned, not started, half the time gone
    return kinds


def _event(case: Case, kind: str, state: SlaState, clock: str, now: dt.datetime) -> CaseEvent:
    detail = {"due_at": clock, "sla_state": state.value}
    if kind == "redistribution_suggested" and case.assigned_specialist_id:
        detail["specialist_id"] = str(case.assigned_specialist_id)
    return CaseEvent(case_id=case.id, kind=kind, actor_id=None, detail=detail, occurred_at=now)
