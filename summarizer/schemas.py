"""What the summarizer asks a model for, and the case summary it builds from the answers.

Model-facing models (:class:`DocumentExtraction`, :class:`Narrative`) cite by quoting: a citation names the
input text (``"d1"``) and quotes it exactly, which a hosted model can do reliably and the summarizer can
check. The case summary's citations are resolved spans: document id, page and character range in the
document's original text.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class Quote(BaseModel):
    """A model's citation: an exact quote from one of the input texts."""

    text_key: str = Field(description="Key of the input text quoted, e.g. 'd1'")
    quote: str = Field(min_length=1, description="Exact characters copied from that text")


class ExtractedItem(BaseModel):
    """One statement a model found, with the quotes that support it."""

    text: str = Field(min_length=1, description="The statement, in the words of the source where possible")
    quotes: list[Quote] = Field(min_length=1)


class ConditionExtract(ExtractedItem):
    name: str = Field(description="Diagnosis or problem as written")
    status: str | None = Field(None, description="active, resolved, history, suspected, ...")
    date: str | None = Field(None, description="Onset or diagnosis date as written")


class MedicationExtract(ExtractedItem):
    name: str = Field(description="Drug as written (generic or brand)")
    dose: str | None = None
    route: str | None = None
    frequency: str | None = None
    start_date: str | None = None
    end_date: str | None = None


class AllergyExtract(ExtractedItem):
    substance: str
    reaction: str | None = None


class LabExtract(ExtractedItem):
    name: str
    value: str
    unit: str | None = None
    reference_range: str | None = None
    abnormal: bool | None = Field(None, description="True when flagged or outside the reference range")
    date: str | None = None


class FindingExtract(ExtractedItem):
    """An imaging or pathology finding."""

    date: str | None = None


class ProcedureExtract(ExtractedItem):
    name: str
    date: str | None = None


class PatientContextExtract(BaseModel):
    age_years: int | None = Field(None, description="Age in years as stated (90 for '90+')")
    sex: Literal["female", "male", "other"] | None = None
    quotes: list[Quote] = Field(default_factory=list)


class DocumentExtraction(BaseModel):
    """Everything clinically relevant in one text (a document or a part of a long one)."""

    patient: PatientContextExtract = Field(default_factory=PatientContextExtract)
    document_date: str | None = Field(None, description="The date the document was written, as written")
    presenting_problem: list[ExtractedItem] = Field(default_factory=list)
    history: list[ExtractedItem] = Field(default_factory=list)
    conditions: list[ConditionExtract] = Field(default_factory=list)
    medications: list[MedicationExtract] = Field(default_factory=list)
    allergies: list[AllergyExtract] = Field(default_factory=list)
    labs: list[LabExtract] = Field(default_factory=list)
    imaging: list[FindingExtract] = Field(default_factory=list)
    pathology: list[FindingExtract] = Field(default_factory=list)
    procedures: list[ProcedureExtract] = Field(default_factory=list)
    key_sentences: list[ExtractedItem] = Field(
        default_factory=list, description="The few sentences a specialist should read first"
    )


class Narrative(BaseModel):
    """A short narrative for the specialist, each sentence citing the excerpts it rests on."""

    sentences: list[ExtractedItem] = Field(default_factory=list)


# --- the case summary -----------------------------------------------------------------------------------


class Citation(BaseModel):
    """A span of a document's original text."""

    document_id: str
    page: int | None = None
    start: int
    end: int


class SummaryItem(BaseModel):
    """A statement of the summary with the spans that support it."""

    text: str
    citations: list[Citation] = Field(min_length=1)
    fields: dict[str, str | bool | int | None] = Field(
        default_factory=dict, description="Structured parts: name, dose, value, unit, date, ..."
    )


SECTIONS = (
    "presenting_problem",
    "history",
    "conditions",
    "medications",
    "allergies",
    "labs",
    "imaging",
    "pathology",
    "procedures",
)
# Every list of items in a summary: the sections, the dated timeline and the narrative.
ITEM_LISTS = (*SECTIONS, "timeline", "narrative")


class PatientContext(BaseModel):
    age_band: str | None = Field(None, description="Ten-year band such as '50-59', or '90+'")
    sex: str | None = None


class VerificationCounts(BaseModel):
    """How many extracted items the citation check kept and dropped."""

    checked: int = 0
    dropped: int = 0
    reasons: dict[str, int] = Field(default_factory=dict)

    @property
    def dropped_rate(self) -> float:
        """Share of checked items dropped."""
        return self.dropped / self.checked if self.checked else 0.0


class CaseSummary(BaseModel):
    """The grounded case summary."""

    patient: PatientContext = Field(default_factory=PatientContext)
    presenting_problem: list[SummaryItem] = Field(default_factory=list)
    history: list[SummaryItem] = Field(default_factory=list)
    conditions: list[SummaryItem] = Field(default_factory=list)
    medications: list[SummaryItem] = Field(default_factory=list)
    allergies: list[SummaryItem] = Field(default_factory=list)
    labs: list[SummaryItem] = Field(default_factory=list)
    imaging: list[SummaryItem] = Field(default_factory=list)
    pathology: list[SummaryItem] = Field(default_factory=list)
    procedures: list[SummaryItem] = Field(default_factory=list)
    timeline: list[SummaryItem] = Field(default_factory=list)
    narrative: list[SummaryItem] = Field(default_factory=list)
    verification: VerificationCounts = Field(default_factory=VerificationCounts)
    documents: int = 0
    model_calls: int = 0
