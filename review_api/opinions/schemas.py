"""What the opinion endpoints return."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from pydantic import BaseModel, Field

from drafting.schemas import DraftSection


class DraftPublic(BaseModel):
    """The AI draft of a case's opinion: re-identified for the assigned specialist, de-identified for QA.
    Every section is marked AI-generated (``status: ai_draft``); facts cite document spans."""

    run_id: uuid.UUID
    view: str = Field(description="reidentified or deidentified")
    template: str
    template_version: int
    assessment: str
    sections: list[DraftSection]
    dropped_by_citation_check: int
    provenance: dict[str, Any]
    created_at: dt.datetime
