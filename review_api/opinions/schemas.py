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


class OpinionSection(BaseModel):
    """A section of the specialist's opinion. ``status`` is ``ai_draft`` until the specialist edits or
    confirms it; ``ai_text`` is what the AI drafted, kept to compare against."""

    id: str
    title: str
    required: bool
    status: str = Field(description="ai_draft, edited or confirmed")
    text: str
    ai_text: str


class OpinionPublic(BaseModel):
    """The current version of the opinion (its number is the ETag to send back with If-Match)."""

    version: int
    template: str
    template_version: int
    sections: list[OpinionSection]
    signed: bool


class SectionEdit(BaseModel):
    """Replace a section's text, or confirm the AI text as it stands."""

    text: str | None = Field(None, max_length=20_000, description="The new text of the section")
    confirm: bool = Field(False, description="Keep the text and mark the section reviewed")


class VersionPublic(BaseModel):
    """One saved version."""

    number: int
    author_id: uuid.UUID | None = Field(description="None for version 1, the AI draft")
    created_at: dt.datetime
    changed_sections: list[str]


class DiffPublic(BaseModel):
    """Unified diffs of the sections that differ between two versions."""

    from_version: int
    to_version: int
    sections: dict[str, str]


class SignRequest(BaseModel):
    """Re-authentication and the meaning of the signature."""

    password: str = Field(min_length=1, max_length=200)
    meaning: str = Field(
        "I have reviewed the records and this opinion, and I am its author.", min_length=10, max_length=300
    )


class AddendumRequest(SignRequest):
    """A signed correction to the signed opinion."""

    text: str = Field(min_length=1, max_length=20_000)


class SignaturePublic(BaseModel):
    """What a signature shows."""

    id: uuid.UUID
    printed_name: str
    credentials: str
    meaning: str
    signed_at: dt.datetime
    content_sha256: str


class AddendumPublic(SignaturePublic):
    """A signed addendum and its text (the correction it makes)."""

    text: str


class SignedOpinionPublic(SignaturePublic):
    """The signed opinion: its version, signature and addenda, and whether the PDF and FHIR are ready."""

    version: int
    addenda: list[AddendumPublic]
    exported: bool
