"""What the discrepancy endpoint returns."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from pydantic import BaseModel, Field

from discrepancy.schemas import FlagType, Severity


class CitedSpan(BaseModel):
    """A span a flag cites: a document (open it with the source endpoint) or the referring diagnosis or
    question (``document_id`` names them). ``text`` is the original wording, for the assigned specialist."""

    document_id: str
    page: int | None = None
    start: int
    end: int
    text: str | None = None


class FlagPublic(BaseModel):
    """One discrepancy: its type, severity, the reason in one sentence, and the spans on both sides."""

    type: FlagType
    severity: Severity
    why: str
    claim: CitedSpan
    evidence: list[CitedSpan] = Field(default_factory=list)
    missing: str | None = None


class DiscrepanciesPublic(BaseModel):
    """The latest discrepancy check of a case."""

    run_id: uuid.UUID
    view: str = Field(description="reidentified or deidentified")
    flags: list[FlagPublic]
    dropped_by_citation_check: int
    provenance: dict[str, Any]
    created_at: dt.datetime
