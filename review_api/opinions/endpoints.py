"""``/cases/{case_id}/draft`` and ``/cases/{case_id}/opinion``: the AI draft, the specialist's versions with
If-Match, diffs, the signature, addenda, and the signed opinion as PDF and FHIR."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request, Response
from fastapi.responses import StreamingResponse

from review_api.deps import CurrentPrincipal, SessionDep
from review_api.opinions import service
from review_api.opinions.schemas import (
    AddendumRequest,
    DiffPublic,
    DraftPublic,
    OpinionPublic,
    SectionEdit,
    SignaturePublic,
    SignedOpinionPublic,
    SignRequest,
    VersionPublic,
)

router = APIRouter(prefix="/cases/{case_id}", tags=["opinions"])
NOT_YOURS: dict[int | str, dict[str, Any]] = {404: {"description": "No such case, or not assigned to you"}}


@router.get(
    "/draft",
    response_model=DraftPublic,
    summary="The AI draft of the opinion, by section, every fact citing its source",
    responses={404: {"description": "No draft yet (or the case is not yours)"}},
)
def read_draft(case_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep) -> DraftPublic:
    """Sections of the template chosen by the case's subspecialty, each marked AI-generated. The assigned
    specialist reads it re-identified, QA de-identified; ops and admins not at all."""
    return service.read_draft(session, principal, case_id)


@router.get(
    "/opinion",
    response_model=OpinionPublic,
    summary="The current version of the opinion",
    responses=NOT_YOURS,
)
def read_opinion(
    case_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep, response: Response
) -> OpinionPublic:
    """Version 1 is the AI draft; the ETag header names the version to send back with If-Match."""
    opinion = service.read_opinion(session, principal, case_id)
    response.headers["ETag"] = service.etag(opinion.version)
    return opinion


@router.patch(
    "/opinion/sections/{section_id}",
    response_model=OpinionPublic,
    summary="Edit or confirm a section (a new version)",
    responses={412: {"description": "Stale If-Match: the body names the current version"}, **NOT_YOURS},
)
def edit_section(
    case_id: uuid.UUID,
    section_id: str,
    edit: SectionEdit,
    principal: CurrentPrincipal,
    session: SessionDep,
    response: Response,
    if_match: Annotated[str | None, Header(description="The ETag of the version you edited")] = None,
) -> OpinionPublic:
    """Give ``text`` to replace the section, or ``confirm`` to keep the AI text as reviewed."""
    opinion = service.edit_section(session, principal, case_id, section_id, edit, if_match)
    response.headers["ETag"] = service.etag(opinion.version)
    return opinion


@router.get(
    "/opinion/versions",
    response_model=list[VersionPublic],
    summary="Every saved version",
    responses=NOT_YOURS,
)
def list_versions(
    case_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep
) -> list[VersionPublic]:
    """Oldest first, with the sections each changed."""
    return service.list_versions(session, principal, case_id)


@router.get(
    "/opinion/diff",
    response_model=DiffPublic,
    summary="Differences between two versions",
    responses=NOT_YOURS,
)
def diff_versions(
    case_id: uuid.UUID,
    principal: CurrentPrincipal,
    session: SessionDep,
    from_version: Annotated[int, Query(alias="from", ge=1)],
    to_version: Annotated[int, Query(alias="to", ge=1)],
) -> DiffPublic:
    """A unified diff per changed section."""
    return service.diff_versions(session, principal, case_id, from_version, to_version)


@router.post(
    "/opinion/sign",
    response_model=SignedOpinionPublic,
    summary="Sign the opinion (re-enter your password)",
    responses={
        403: {"description": "Wrong password, or a licence or credential problem (listed in reasons)"},
        409: {"description": "A section is unreviewed, the text is the AI draft as written, or it is signed"},
        **NOT_YOURS,
    },
)
def sign(
    case_id: uuid.UUID, request: SignRequest, principal: CurrentPrincipal, session: SessionDep
) -> SignedOpinionPublic:
    """Only the assigned specialist, with an active licence for the patient's state and unexpired
    credentials; every section edited or confirmed. The signed opinion is immutable."""
    return service.sign(session, principal, case_id, request)


@router.get(
    "/opinion/signed",
    response_model=SignedOpinionPublic,
    summary="The signature and addenda",
    responses=NOT_YOURS,
)
def read_signed(case_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep) -> SignedOpinionPublic:
    """Printed name, credentials, time, meaning and SHA-256 of the signed content; addenda; whether the PDF
    and FHIR outputs are ready."""
    return service.read_signed(session, principal, case_id)


@router.post(
    "/opinion/addenda",
    response_model=SignaturePublic,
    status_code=201,
    summary="Add a signed correction to the signed opinion",
    responses=NOT_YOURS,
)
def add_addendum(
    case_id: uuid.UUID, request: AddendumRequest, principal: CurrentPrincipal, session: SessionDep
) -> SignaturePublic:
    """The signed opinion never changes; an addendum references it and is signed like it."""
    return service.add_addendum(session, principal, case_id, request.text, request)


@router.get(
    "/opinion/pdf",
    summary="The signed opinion as PDF",
    response_class=StreamingResponse,
    responses={
        200: {"content": {"application/pdf": {}}},
        409: {"description": "Not rendered yet"},
        **NOT_YOURS,
    },
)
def read_pdf(case_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep, request: Request) -> Any:
    """With the signature block, without any AI marking."""
    chunks = list(service.rendered(session, principal, case_id, request.app.state.blob_store, "pdf"))
    return Response(
        b"".join(chunks),
        media_type="application/pdf",
        headers={"Content-Disposition": "attachment; filename=opinion.pdf"},
    )


@router.get(
    "/opinion/fhir",
    summary="The signed opinion as a FHIR R4 bundle (DiagnosticReport and Provenance)",
    responses={
        200: {"content": {"application/fhir+json": {}}},
        409: {"description": "Not rendered yet"},
        **NOT_YOURS,
    },
)
def read_fhir(case_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep, request: Request) -> Any:
    """Validated with fhir.resources."""
    chunks = list(service.rendered(session, principal, case_id, request.app.state.blob_store, "fhir"))
    return Response(b"".join(chunks), media_type="application/fhir+json")
