"""Shapes of a case: what intake sends, and the three views (clinical, routing, de-identified)."""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field, field_validator

from review_api.us_states import StateCode
from store.case_status import CaseStatus
from store.models import CaseSource, ConsentScope, GrantorRelationship, Sex, Urgency

ICD10_PATTERN = r"^[A-TV-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$"


class PatientIn(BaseModel):
    """Patient demographics. PHI: encrypted at rest, shown only to the assigned specialist."""

    name: str = Field(min_length=1, max_length=200)
    birth_date: dt.date
    sex: Sex
    state: StateCode = Field(
        description="State of residence (two-letter code); decides which licence is needed"
    )

    @field_validator("birth_date")
    @classmethod
    def _in_the_past(cls, value: dt.date) -> dt.date:
        if value > dt.date.today():
            raise ValueError("birth date is in the future")
        if value.year < 1880:
            raise ValueError("birth date is before 1880")
        return value


class ReferringDiagnosis(BaseModel):
    """The diagnosis the case arrives with."""

    text: str = Field(min_length=1, max_length=2000)
    icd10: str | None = Field(None, pattern=ICD10_PATTERN, examples=["C34.90"])


class CaseCreate(BaseModel):
    """A new case, as intake submits it."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "patient": {
                        "name": "Alex Example",
                        "birth_date": "1961-04-12",
                        "sex": "female",
                        "state": "CA",
                    },
                    "referring_diagnosis": {
                        "text": "Non-small cell lung cancer, stage IIIA",
                        "icd10": "C34.90",
                    },
                    "question": "Is surgery still an option, or should I have chemoradiation?",
                    "requested_specialty": "thoracic oncology",
                    "source": "patient",
                }
            ]
        }
    )

    patient: PatientIn
    referring_diagnosis: ReferringDiagnosis
    question: str = Field(min_length=1, max_length=4000, description="What the patient wants answered")
    requested_specialty: str | None = Field(None, max_length=100)
    source: CaseSource


class CaseUpdate(BaseModel):
    """Corrections to intake data; omitted fields stay as they are."""

    patient: PatientIn | None = None
    referring_diagnosis: ReferringDiagnosis | None = None
    question: str | None = Field(None, min_length=1, max_length=4000)
    requested_specialty: str | None = Field(None, max_length=100)


class _CaseBase(BaseModel):
    id: uuid.UUID
    status: CaseStatus
    source: CaseSource
    requested_specialty: str | None
    urgency: Urgency | None
    subspecialty: str | None


class CaseRoutingView(_CaseBase):
    """What ops see: routing fields, no clinical content."""

    view: Literal["routing"] = "routing"
    assigned_specialist_id: uuid.UUID | None
    due_at: dt.datetime | None
    created_at: dt.datetime
    status_changed_at: dt.datetime
    record_count: int
    active_consents: list[ConsentScope]


class PatientOut(BaseModel):
    """Patient demographics as shown to the assigned specialist."""

    name: str
    birth_date: dt.date
    sex: str
    state: str


class CaseClinicalView(CaseRoutingView):
    """What the assigned specialist sees: routing fields plus the clinical content."""

    view: Literal["clinical"] = "clinical"  # type: ignore[assignment]
    patient: PatientOut
    referring_diagnosis: ReferringDiagnosis
    question: str


class CaseDeidentifiedView(_CaseBase):
    """What QA sees: no names, no dates finer than a year, ages over 89 grouped (HIPAA Safe Harbor)."""

    view: Literal["deidentified"] = "deidentified"
    referring_icd10: str | None
    age_band: str
    sex: str
    created_year: int


CaseView = Annotated[CaseClinicalView | CaseRoutingView | CaseDeidentifiedView, Field(discriminator="view")]


class CasePage(BaseModel):
    """A page of cases, each in the caller's view."""

    items: list[CaseView]
    total: int
    offset: int
    limit: int


class CancelReason(StrEnum):
    """Why a case was cancelled (codes, so no free text with PHI lands on the timeline)."""

    PATIENT_WITHDREW = "patient_withdrew"
    DUPLICATE = "duplicate"
    OUT_OF_SCOPE = "out_of_scope"
    REFERRED_TO_EMERGENCY_CARE = "referred_to_emergency_care"
    OTHER = "other"


class StatusChange(BaseModel):
    """A requested status transition."""

    status: CaseStatus
    cancel_reason: CancelReason | None = Field(None, description="Required when cancelling")


class TriageDecision(BaseModel):
    """Urgency and subspecialty set by ops (the triage stage will suggest these)."""

    urgency: Urgency
    subspecialty: str = Field(min_length=1, max_length=100)


class AssignmentIn(BaseModel):
    """Assign a case to a specialist."""

    specialist_id: uuid.UUID


class CaseEventOut(BaseModel):
    """One entry of a case's timeline."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    occurred_at: dt.datetime
    kind: str
    from_status: CaseStatus | None
    to_status: CaseStatus | None
    actor_id: uuid.UUID | None
    detail: dict[str, Any]


class ConsentCreate(BaseModel):
    """A consent given by the patient or their representative."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "scope": "record_release",
                    "granted_by_name": "Alex Example",
                    "grantor_relationship": "patient",
                    "text_version": "consent-2026-01",
                }
            ]
        }
    )

    scope: ConsentScope
    granted_by_name: str = Field(min_length=1, max_length=200, description="Who granted it (PHI, encrypted)")
    grantor_relationship: GrantorRelationship
    text_version: str = Field(min_length=1, max_length=50, examples=["consent-2026-01"])
    granted_at: dt.datetime | None = Field(None, description="Defaults to now; never in the future")

    @field_validator("granted_at")
    @classmethod
    def _not_in_future(cls, value: dt.datetime | None) -> dt.datetime | None:
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("give a time zone")
            if value > dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5):
                raise ValueError("consent cannot be granted in the future")
        return value


class ConsentPublic(BaseModel):
    """A consent as shown (without the grantor's name)."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    scope: ConsentScope
    grantor_relationship: GrantorRelationship
    text_version: str
    granted_at: dt.datetime
    recorded_at: dt.datetime
    revoked_at: dt.datetime | None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def active(self) -> bool:
        """Whether the consent is in force."""
        return self.revoked_at is None
