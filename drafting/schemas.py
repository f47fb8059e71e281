"""What the drafter asks a model for, and the opinion draft it keeps after checking the citations.

A model writes each section as sentences; a sentence stating a fact quotes the excerpts it rests on (by
key, exactly, as the summarizer's models do). A sentence without a quote is a placeholder for the specialist
("[Specialist to complete: ...]") and may hold no number. The kept draft carries resolved spans instead.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from summarizer.schemas import Citation, Quote

PLACEHOLDER_PREFIX = "[Specialist to complete"
SectionStatus = Literal["ai_draft", "edited", "confirmed"]


class DraftSentence(BaseModel):
    """One sentence of a section, with the quotes that support it (none for a placeholder)."""

    text: str = Field(min_length=1)
    quotes: list[Quote] = Field(default_factory=list)


class DraftSectionOutput(BaseModel):
    id: str = Field(description="Section id from the template")
    sentences: list[DraftSentence] = Field(default_factory=list)


class DraftOutput(BaseModel):
    """Every section of the template, in order."""

    assessment: Literal["confirm", "refine", "change", "undetermined"] = Field(
        "undetermined", description="The draft's view of the submitted diagnosis"
    )
    sections: list[DraftSectionOutput] = Field(default_factory=list)


class CitedSentence(BaseModel):
    """A kept sentence: a fact with the spans that support it, a standard statement of the template, or a
    placeholder for the specialist."""

    text: str
    citations: list[Citation] = Field(default_factory=list)
    kind: Literal["fact", "standard", "placeholder"] = "fact"


class DraftSection(BaseModel):
    """A section of the opinion; AI-generated until the specialist edits or confirms it."""

    id: str
    title: str
    required: bool
    status: SectionStatus = "ai_draft"
    sentences: list[CitedSentence] = Field(default_factory=list)

    @property
    def text(self) -> str:
        """The section as one paragraph."""
        return " ".join(sentence.text for sentence in self.sentences)


class OpinionDraft(BaseModel):
    """The AI draft of a case's opinion (de-identified: surrogates, re-identified when read)."""

    template: str
    template_version: int
    assessment: str = "undetermined"
    sections: list[DraftSection] = Field(default_factory=list)
    checked: int = 0
    dropped: int = 0
