"""Shapes of the ops queue and routing decisions."""

from __future__ import annotations

import datetime as dt
import uuid

from pydantic import BaseModel, Field

from review_api.cases.schemas import CaseRoutingView
from store.models import Urgency
from triage.routing import SlaState


class SubspecialtyChance(BaseModel):
    name: str
    probability: float


class TriageSuggestionPublic(BaseModel):
    """What the pipeline suggests, as ops may see it: levels, names and reasons, no clinical text."""

    id: uuid.UUID
    urgency: Urgency
    needs_review: bool = Field(description="The model was unsure: confirm before routing")
    reasons: list[str] = Field(
        description="Red flags that fired (rule names; the quoted text is for clinicians)"
    )
    subspecialties: list[SubspecialtyChance]
    created_at: dt.datetime


class SpecialistSuggestion(BaseModel):
    """An eligible specialist, ranked, with the reasons."""

    specialist_id: uuid.UUID
    name: str
    score: float
    sla_feasible: bool
    reasons: list[str]


class QueueEntry(BaseModel):
    """One case in the ops queue."""

    case: CaseRoutingView
    effective_urgency: Urgency | None = Field(description="The decided urgency, else the suggested one")
    sla_state: SlaState
    suggestion: TriageSuggestionPublic | None
    specialists: list[SpecialistSuggestion]


class RoutingRequest(BaseModel):
    """Accept the suggestion (empty body) or override any part of it, with a reason."""

    urgency: Urgency | None = None
    subspecialty: str | None = Field(None, max_length=100)
    specialist_id: uuid.UUID | None = None
    override_reason: str | None = Field(None, max_length=500, description="Required when anything differs")


class RoutingResult(BaseModel):
    """The case as routed and whether it was an override."""

    case: CaseRoutingView
    overridden: bool
    specialist_id: uuid.UUID


class OverridePublic(BaseModel):
    """An overridden suggestion: a labelled example for QA and retraining."""

    case_id: uuid.UUID
    decided_at: dt.datetime
    suggested_urgency: Urgency | None
    suggested_subspecialty: str | None
    urgency: Urgency
    subspecialty: str
    override_reason: str | None
