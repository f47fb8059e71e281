"""What the triage model is asked for: urgency with reasons, and the top subspecialties with evidence."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from summarizer.schemas import ExtractedItem, Quote


class UrgencyOutput(BaseModel):
    level: Literal["emergent", "urgent", "routine"]
    probabilities: dict[str, float] = Field(default_factory=dict)
    needs_review: bool = Field(False, description="Unsure: a person must confirm before the case is routed")
    reasons: list[ExtractedItem] = Field(
        default_factory=list,
        description="Red flags: text is the flag's short name (no patient details), quotes its sentence",
    )


class SubspecialtyOutput(BaseModel):
    name: str = Field(description="Subspecialty slug from the taxonomy")
    probability: float = Field(ge=0, le=1)
    evidence: list[Quote] = Field(default_factory=list)


class TriageOutput(BaseModel):
    """A triage suggestion for one case."""

    urgency: UrgencyOutput
    subspecialties: list[SubspecialtyOutput] = Field(max_length=3)
