"""Create, update and public shapes of a staff account."""

from __future__ import annotations

import datetime as dt
import uuid

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from review_api.security import MIN_PASSWORD_LENGTH
from store.models import Role


class UserCreate(BaseModel):
    """A new staff account."""

    email: EmailStr
    full_name: str = Field(min_length=1, max_length=200)
    role: Role
    password: str = Field(
        min_length=MIN_PASSWORD_LENGTH, max_length=200, description="At least 12 characters"
    )


class UserUpdate(BaseModel):
    """Changes to an account; omitted fields stay as they are."""

    full_name: str | None = Field(None, min_length=1, max_length=200)
    role: Role | None = None
    active: bool | None = None
    password: str | None = Field(None, min_length=MIN_PASSWORD_LENGTH, max_length=200)


class UserPublic(BaseModel):
    """An account as the API shows it (never the password hash)."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    email: str
    full_name: str
    role: Role
    active: bool
    created_at: dt.datetime


class UserPage(BaseModel):
    """A page of accounts."""

    items: list[UserPublic]
    total: int
    offset: int
    limit: int
