"""What the discrepancy check asks a model for, and the flags it keeps after checking the citations.

Model-facing models cite by exact quote, as the summarizer's do: a flag quotes the submitted claim (the
referring diagnosis, the question, or a document that states it) and the evidence in the records. The
checked flags carry resolved spans instead (document id, page and character range in the original text).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, model_validator

from summarizer.schemas import Citation, Quote

FlagType = Literal[
    "contradicted_by_findings",
    "unsupported_by_records",
    "stage_grade_mismatch",
    "missing_workup",
    "medication_inconsistent",
    "report_inconsistency",
]
FLAG_TYPES: tuple[FlagType, ...] = (
    "contradicted_by_findings",
    "unsupported_by_records",
    "stage_grade_mismatch",
    "missing_workup",
    "medication_inconsistent",
    "report_inconsistency",
)
Severity = Literal["high", "medium", "low"]
# A flag built on absence quotes no evidence: there is nothing in the records to quote.
ABSENCE_TYPES = frozenset({"missing_workup", "unsupported_by_records"})
# The texts a check reads besides the documents (d1, d2, ...).
DIAGNOSIS_KEY = "diagnosis"
QUESTION_KEY = "question"


class FlagOutput(BaseModel):
    """One discrepancy as a model reports it."""

    type: FlagType
    severity: Severity = Field(
        description="high: changes treatment or is dangerous; medium: changes staging, work-up or timing; "
        "low: a documentation inconsistency without clinical effect"
    )
    why: str = Field(min_length=1, max_length=400, description="One sentence a specialist reads first")
    claim: Quote = Field(description="The claim at issue: a quote of the diagnosis, question or a document")
    evidence: list[Quote] = Field(
        default_factory=list, description="Quotes of the records on the other side (none for an absence)"
    )
    missing: str | None = Field(None, description="For missing_workup: the test or result that is absent")

    @model_validator(mode="after")
    def _evidence_unless_absence(self) -> FlagOutput:
        if self.type not in ABSENCE_TYPES and not self.evidence:
            raise ValueError(f"a {self.type} flag must quote its evidence")
        return self


class DiscrepancyOutput(BaseModel):
    """Every discrepancy between the submitted diagnosis and the records (an empty list when none)."""

    flags: list[FlagOutput] = Field(default_factory=list)


class DiscrepancyFlag(BaseModel):
    """A checked flag: its claim and evidence resolved to spans of the original texts."""

    type: FlagType
    severity: Severity
    why: str
    claim: Citation
    evidence: list[Citation] = Field(default_factory=list)
    missing: str | None = None


class DiscrepancyReport(BaseModel):
    """The flags of one case, and how many the citation check dropped."""

    flags: list[DiscrepancyFlag] = Field(default_factory=list)
    checked: int = 0
    dropped: int = 0


ErrorType = Literal["diagnosis", "management", "treatment", "pharmacotherapy", "causalOrganism"]


class NoteErrorOutput(BaseModel):
    """Whether a clinical note contains an error, and which sentence (the MEDEC task)."""

    has_error: bool
    sentence: Quote | None = Field(None, description="The erroneous sentence, quoted exactly")
    error_type: ErrorType | None = None
    why: str | None = Field(None, max_length=400)

    @model_validator(mode="after")
    def _sentence_with_error(self) -> NoteErrorOutput:
        if self.has_error and self.sentence is None:
            raise ValueError("an error must quote its sentence")
        return self
