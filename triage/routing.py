"""Specialist matching and the SLA clock: pure rules over plain inputs (the API gathers them).

A specialist with any credential problem (licence for the patient's state, board certification, malpractice
cover, inactive) is never suggested. The others are ranked by subspecialty fit, then by free capacity;
each suggestion lists its reasons and whether the SLA is feasible at their current load.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from enum import StrEnum

WARNING_SHARE = 0.5  # of the SLA window elapsed: a reminder
AT_RISK_SHARE = 0.8  # an escalation


class SlaState(StrEnum):
    """Where a case is on its SLA clock."""

    NOT_STARTED = "not_started"  # not triaged yet
    ON_TRACK = "on_track"
    WARNING = "warning"
    AT_RISK = "at_risk"
    BREACHED = "breached"


def sla_state(due_at: dt.datetime | None, window: dt.timedelta, now: dt.datetime) -> SlaState:
    """The state of a clock that ends at ``due_at`` after running for ``window``."""
    if due_at is None:
        return SlaState.NOT_STARTED
    if now >= due_at:
        return SlaState.BREACHED
    elapsed = 1 - (due_at - now) / window
    if elapsed >= AT_RISK_SHARE:
        return SlaState.AT_RISK
    if elapsed >= WARNING_SHARE:
        return SlaState.WARNING
    return SlaState.ON_TRACK


@dataclass(frozen=True)
class Candidate:
    """A specialist as matching sees them."""

    user_id: uuid.UUID
    name: str
    subspecialties: tuple[str, ...]
    credential_problems: tuple[str, ...]
    open_cases: int
    weekly_capacity: int


@dataclass
class Match:
    """A suggested specialist and why."""

    user_id: uuid.UUID
    name: str
    score: float
    sla_feasible: bool
    reasons: list[str] = field(default_factory=list)


def rank_specialists(candidates: list[Candidate], subspecialty: str, patient_state: str) -> list[Match]:
    """Eligible specialists, best first: subspecialty fit, then free capacity."""
    matches = []
    for candidate in candidates:
        if candidate.credential_problems:
            continue  # never suggested, whatever else fits
        fits = subspecialty in candidate.subspecialties
        free = candidate.weekly_capacity - candidate.open_cases
        reasons = [
            f"subspecialty {subspecialty}: {'yes' if fits else 'no'}",
            f"licensed in {patient_state}; certification and malpractice cover current",
            f"load {candidate.open_cases} of {candidate.weekly_capacity} cases",
        ]
        feasible = free > 0
        if not feasible:
            reasons.append("at capacity: the SLA is at risk with this specialist")
        score = (2.0 if fits else 0.0) + max(free, 0) / max(candidate.weekly_capacity, 1)
        matches.append(Match(candidate.user_id, candidate.name, round(score, 3), feasible, reasons))
    return sorted(matches, key=lambda match: (-match.score, match.name))
