"""Shapes of uploaded records."""

from __future__ import annotations

import datetime as dt
import uuid

from pydantic import BaseModel

from records.kinds import RecordKind


class RecordPublic(BaseModel):
    """A stored record's metadata (the file name is PHI: shown to the uploader and assigned specialist)."""

    id: uuid.UUID
    kind: RecordKind
    media_type: str
    filename: str
    size_bytes: int
    sha256: str
    uploaded_at: dt.datetime


class UploadResult(RecordPublic):
    """One file of an upload; ``duplicate`` means the case already had these exact bytes."""

    duplicate: bool
