"""Shapes of pipeline runs, summaries and cited sources."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from pydantic import BaseModel, Field

from store.models import RunStatus
from summarizer.schemas import CaseSummary


class StepProgress(BaseModel):
    """One step of the graph and whether it is done."""

    name: str
    state: str = Field(description="done, running, waiting (for the signature), pending or failed")


class RunPublic(BaseModel):
    """A run's status and progress (no clinical content)."""

    id: uuid.UUID
    case_id: uuid.UUID
    status: RunStatus
    step: str | None
    steps: list[StepProgress]
    progress: dict[str, Any] = Field(
        description="Counters: documents, rejected files, chunks, units, units done"
    )
    attempts: int
    failure_reason: str | None
    pipeline_version: str
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None


class SummaryPublic(BaseModel):
    """A case summary: re-identified for the assigned specialist, de-identified for QA."""

    run_id: uuid.UUID
    view: str = Field(description="reidentified or deidentified")
    summary: CaseSummary
    provenance: list[dict[str, Any]]
    pipeline_version: str
    created_at: dt.datetime


class SourceSpanPublic(BaseModel):
    """The text a citation points at, with a little context either side."""

    document_id: uuid.UUID
    view: str
    page: int | None
    start: int
    end: int
    text: str
    before: str
    after: str


class DocumentListing(BaseModel):
    """A document of the case as listed beside the summary (QA see a neutral title: file names can name
    the patient)."""

    id: uuid.UUID
    title: str
    kind: str
    pages: int | None


class DocumentText(DocumentListing):
    """A whole document: the original text for the assigned specialist, the de-identified text for QA, with
    where each page starts in it."""

    view: str
    text: str
    page_starts: list[tuple[int, int]] = Field(description="(page, offset) of each page's first character")
