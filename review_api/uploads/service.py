"""Accepting record files: all files of a request are checked before any is stored, so a request either
stores every file or none, and earlier uploads are never touched."""

from __future__ import annotations

import hashlib
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path, PureWindowsPath

from fastapi import UploadFile
from sqlalchemy.orm import Session

from reconsult.settings import Settings
from records.intake import ArchiveLimits, RecordRejected, RejectionKind, identify
from records.kinds import MEDIA_TYPES, RecordKind
from review_api import auditing
from review_api.cases.service import add_event, get_case, require_consent
from review_api.uploads.schemas import UploadResult
from store.blobs import BlobStore, read_file_chunks
from store.case_status import CaseStatus
from store.database import on_rollback
from store.errors import Conflict, DomainError, PayloadTooLarge, Unprocessable, UnsupportedMediaType
from store.models import Case, ConsentScope, Record
from store.principal import Principal
from store.repositories.cases import RecordRepository

_COPY_CHUNK = 1024 * 1024
_CLOSED_STATUSES = frozenset({CaseStatus.SIGNED, CaseStatus.DELIVERED, CaseStatus.CANCELLED})
_ERROR_FOR_REJECTION: dict[RejectionKind, type[DomainError]] = {
    RejectionKind.TOO_LARGE: PayloadTooLarge,
    RejectionKind.UNSUPPORTED: UnsupportedMediaType,
    RejectionKind.EMPTY: Unprocessable,
    RejectionKind.CORRUPT: Unprocessable,
    RejectionKind.UNSAFE_ARCHIVE: Unprocessable,
}


@dataclass
class _Checked:
    filename: str
    path: Path
    size: int
    sha256: str
    kind: RecordKind


def upload(
    session: Session,
    principal: Principal,
    case_id: uuid.UUID,
    files: list[UploadFile],
    settings: Settings,
    blobs: BlobStore,
) -> list[UploadResult]:
    """Validate every file, then store the new ones encrypted; duplicates of earlier uploads are reported."""
    case = get_case(session, principal, case_id, for_update=True)
    if case.status in _CLOSED_STATUSES:
        raise Conflict(f"records cannot be added to a case in status {case.status.value}")
    require_consent(session, case, ConsentScope.RECORD_RELEASE)
    if len(files) > settings.max_files_per_upload:
        raise Unprocessable(f"at most {settings.max_files_per_upload} files per upload")
    scratch_root = settings.data_dir / "tmp"
    scratch_root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=scratch_root, prefix="upload-") as scratch:
        checked = _check_all(files, Path(scratch), settings)
        return [_store(session, principal, case, item, blobs) for item in checked]


def _check_all(files: list[UploadFile], scratch: Path, settings: Settings) -> list[_Checked]:
    limits = ArchiveLimits(
        max_entries=settings.zip_max_entries,
        max_total_bytes=settings.zip_max_total_bytes,
        max_ratio=settings.zip_max_ratio,
        max_depth=settings.zip_max_depth,
    )
    checked, rejections = [], []
    for index, upload_file in enumerate(files):
        filename = display_name(upload_file.filename)
        try:
            checked.append(_check_one(upload_file, filename, scratch / f"file-{index}", settings, limits))
        except RecordRejected as rejection:
            rejections.append(rejection)
    if rejections:
        raise _rejection_error(rejections)
    return checked


def _check_one(
    upload_file: UploadFile, filename: str, target: Path, settings: Settings, limits: ArchiveLimits
) -> _Checked:
    digest, size = hashlib.sha256(), 0
    with target.open("wb") as sink:
        while chunk := upload_file.file.read(_COPY_CHUNK):
            size += len(chunk)
            if size > settings.max_upload_bytes:
                raise RecordRejected(
                    filename,
                    RejectionKind.TOO_LARGE,
                    f"the file is larger than the {settings.max_upload_bytes // (1024 * 1024)} MiB limit",
                )
            digest.update(chunk)
            sink.write(chunk)
    kind = identify(target, filename, limits)
    return _Checked(filename=filename, path=target, size=size, sha256=digest.hexdigest(), kind=kind)


def _rejection_error(rejections: list[RecordRejected]) -> DomainError:
    """One problem for the whole request, with an entry per refused file; status of the first refusal."""
    errors = [
        {"file": item.filename, "entry": item.entry, "kind": item.kind.value, "reason": item.reason}
        for item in rejections
    ]
    detail = "; ".join(str(item) for item in rejections) + "; nothing from this upload was stored"
    return _ERROR_FOR_REJECTION[rejections[0].kind](detail, errors=errors)


def _store(
    session: Session, principal: Principal, case: Case, item: _Checked, blobs: BlobStore
) -> UploadResult:
    repository = RecordRepository(session)
    existing = repository.find_by_digest(case.id, item.sha256)
    if existing is not None:
        return _result(existing, duplicate=True)
    blob_key = uuid.uuid4().hex
    blobs.put(blob_key, read_file_chunks(item.path))
    on_rollback(session, lambda: blobs.delete(blob_key))
    record = repository.add(
        Record(
            case_id=case.id,
            kind=item.kind,
            media_type=MEDIA_TYPES[item.kind],
            filename=item.filename,
            size_bytes=item.size,
            sha256=item.sha256,
            blob_key=blob_key,
            uploaded_by_id=principal.user_id,
        )
    )
    add_event(
        session, case, principal, "record_uploaded", record_id=str(record.id), record_kind=item.kind.value
    )
    auditing.record(session, "record.upload", "record", resource_id=record.id, case_id=case.id)
    return _result(record, duplicate=False)


def _result(record: Record, *, duplicate: bool) -> UploadResult:
    return UploadResult(
        id=record.id,
        kind=record.kind,
        media_type=record.media_type,
        filename=record.filename,
        size_bytes=record.size_bytes,
        sha256=record.sha256,
        uploaded_at=record.uploaded_at,
        duplicate=duplicate,
    )


def display_name(raw: str | None) -> str:
    """The file's own name without any client-side directory (browsers may send ``C:\\fakepath\\x.pdf``)."""
    name = PureWindowsPath(raw or "").name.replace("\x00", "").strip()
    return name[:255] or "unnamed file"
