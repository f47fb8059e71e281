"""``/cases/{case_id}/records``: upload record files (ops) and read them (the assigned specialist)."""

from __future__ import annotations

import uuid
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, File, UploadFile, status
from fastapi.responses import StreamingResponse

from review_api import auditing
from review_api.cases.service import get_case
from review_api.deps import BlobStoreDep, OpsPrincipal, SessionDep, SettingsDep, SpecialistPrincipal
from review_api.uploads import service
from review_api.uploads.schemas import RecordPublic, UploadResult
from store.errors import NotFound
from store.repositories.cases import RecordRepository

router = APIRouter(prefix="/cases/{case_id}/records", tags=["records"])


@router.post(
    "",
    response_model=list[UploadResult],
    status_code=status.HTTP_201_CREATED,
    summary="Upload record files",
    responses={
        409: {"description": "No active record-release consent, or the case is closed"},
        413: {"description": "A file is over the size limit"},
        415: {"description": "A file is of an unsupported type"},
        422: {"description": "A file is empty, corrupt, or an unsafe archive"},
    },
)
def upload_records(
    case_id: uuid.UUID,
    files: Annotated[
        list[UploadFile], File(description="PDF, DOCX, HTML, text, FHIR, HL7 v2, C-CDA, DICOM, ZIP")
    ],
    principal: OpsPrincipal,
    session: SessionDep,
    settings: SettingsDep,
    blobs: BlobStoreDep,
) -> list[UploadResult]:
    """Types are detected from content. If any file is refused, none is stored and the problem lists each
    refused file with its reason."""
    return service.upload(session, principal, case_id, files, settings, blobs)


@router.get("", response_model=list[RecordPublic], summary="List a case's records")
def list_records(
    case_id: uuid.UUID, principal: SpecialistPrincipal, session: SessionDep
) -> list[RecordPublic]:
    """The records of a case assigned to the caller."""
    get_case(session, principal, case_id)
    records = RecordRepository(session).list_readable(principal, case_id)
    auditing.record(session, "record.list", "case", resource_id=case_id, case_id=case_id)
    return [RecordPublic.model_validate(record, from_attributes=True) for record in records]


@router.get("/{record_id}/content", summary="Download a record file", response_class=StreamingResponse)
def read_record_content(
    case_id: uuid.UUID,
    record_id: uuid.UUID,
    principal: SpecialistPrincipal,
    session: SessionDep,
    blobs: BlobStoreDep,
) -> StreamingResponse:
    """The decrypted file, as uploaded."""
    record = RecordRepository(session).get_readable(principal, case_id, record_id)
    if record is None:
        raise NotFound("record not found")
    auditing.record(session, "record.read_content", "record", resource_id=record.id, case_id=case_id)
    disposition = f"attachment; filename*=UTF-8''{quote(record.filename)}"
    return StreamingResponse(
        blobs.get(record.blob_key),
        media_type=record.media_type,
        headers={"Content-Disposition": disposition, "Cache-Control": "no-store"},
    )
