"""What the eval-run endpoints return."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from pydantic import BaseModel


class EvalRunSummary(BaseModel):
    """One recorded run, as listed."""

    id: uuid.UUID
    name: str
    model: str
    split: str
    suites: list[str]
    created_at: dt.datetime


class EvalRunPublic(EvalRunSummary):
    """One run with what it measured with and its metrics (with intervals)."""

    prompt_versions: dict[str, Any]
    dataset_digests: dict[str, str]
    metrics: dict[str, Any]


class ProductionSignals(BaseModel):
    """Aggregates from the database: counts, rates and distances, no PHI."""

    edits_by_template: list[dict[str, Any]]
    routing_by_subspecialty: list[dict[str, Any]]
    sla_events: dict[str, int]
    summary_citation_check: dict[str, Any]
