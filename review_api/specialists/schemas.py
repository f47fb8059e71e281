"""Shapes of a specialist profile and its credentials."""

from __future__ import annotations

import datetime as dt
import uuid

from pydantic import BaseModel, ConfigDict, Field, field_validator

from review_api.us_states import StateCode


class LicenseIn(BaseModel):
    """A state medical licence."""

    state: StateCode = Field(description="Two-letter US state or territory code")
    number: str = Field(min_length=1, max_length=50)
    expires_on: dt.date


class LicenseOut(LicenseIn):
    """A licence as stored."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID


class CertificationIn(BaseModel):
    """A board certification."""

    board: str = Field(min_length=1, max_length=200, examples=["American Board of Internal Medicine"])
    specialty: str = Field(min_length=1, max_length=200, examples=["Cardiovascular Disease"])
    expires_on: dt.date | None = Field(None, description="Empty for lifetime certificates")


class CertificationOut(CertificationIn):
    """A certification as stored."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID


class SpecialistProfileIn(BaseModel):
    """A whole profile; PUT replaces licences and certifications with these lists."""

    credentials: str = Field("", max_length=100, examples=["MD, FACC"], description="Printed after the name")
    subspecialties: list[str] = Field(default_factory=list, max_length=20)
    licenses: list[LicenseIn] = Field(default_factory=list, max_length=60)
    certifications: list[CertificationIn] = Field(default_factory=list, max_length=20)
    malpractice_expires_on: dt.date | None = None
    weekly_capacity: int = Field(5, ge=0, le=100)
    active: bool = True

    @field_validator("licenses")
    @classmethod
    def _one_license_per_state(cls, value: list[LicenseIn]) -> list[LicenseIn]:
        states = [license.state for license in value]
        if len(states) != len(set(states)):
            raise ValueError("at most one licence per state")
        return value


class SpecialistPublic(BaseModel):
    """A profile with the specialist's name and warnings about credentials that lapse soon."""

    user_id: uuid.UUID
    full_name: str
    email: str
    credentials: str
    subspecialties: list[str]
    licenses: list[LicenseOut]
    certifications: list[CertificationOut]
    malpractice_expires_on: dt.date | None
    weekly_capacity: int
    active: bool
    warnings: list[str] = Field(description="Credentials expired or expiring within 60 days")
