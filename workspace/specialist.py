"""The specialist's pages: "My cases", the case page (records, summary and flags, the draft editor), saving
with conflict handling, the version diff, signing and the signed PDF."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from review_api.cases import service as cases
from review_api.deps import SessionDep
from review_api.discrepancies.schemas import DiscrepanciesPublic
from review_api.discrepancies.service import read_discrepancies
from review_api.opinions import service as opinions
from review_api.opinions.schemas import (
    AddendumRequest,
    DraftPublic,
    OpinionPublic,
    SectionEdit,
    SignedOpinionPublic,
    SignRequest,
)
from review_api.runs import service as runs
from review_api.runs.schemas import DocumentListing, DocumentText, SummaryPublic
from store.case_status import CaseStatus
from store.errors import DomainError, NotFound, PreconditionFailed
from store.models import Role
from store.principal import Principal
from store.repositories.cases import CaseFilters
from summarizer.schemas import Citation
from workspace.documents import paged
from workspace.sessions import SignedIn
from workspace.web import PREFIX, refused, render, role_form, role_page, see_other

router = APIRouter(prefix=f"{PREFIX}/cases", include_in_schema=False)
SpecialistPage = Annotated[SignedIn, Depends(role_page(Role.SPECIALIST))]
SpecialistForm = Annotated[SignedIn, Depends(role_form(Role.SPECIALIST))]
MY_CASES_LIMIT = 200
FINISHED = frozenset({CaseStatus.SIGNED, CaseStatus.DELIVERED, CaseStatus.CANCELLED})
T = TypeVar("T")
EXPORTS = {"pdf": ("application/pdf", "opinion.pdf"), "fhir": ("application/fhir+json", "opinion.fhir.json")}
SUMMARY_SECTIONS = (
    ("presenting_problem", "Presenting problem"),
    ("conditions", "Conditions"),
    ("history", "History"),
    ("medications", "Medications"),
    ("allergies", "Allergies"),
    ("labs", "Laboratory results"),
    ("imaging", "Imaging"),
    ("pathology", "Pathology"),
    ("procedures", "Procedures"),
    ("timeline", "Timeline"),
    ("narrative", "Narrative"),
)


@dataclass
class CaseWorkspace:
    """Everything the case page shows, read through the API's services (so each read is audited)."""

    case: cases.CaseViewModel
    documents: list[DocumentListing]
    document: DocumentText | None = None
    passage: tuple[int, int] | None = None
    summary: SummaryPublic | None = None
    flags: DiscrepanciesPublic | None = None
    draft: DraftPublic | None = None
    opinion: OpinionPublic | None = None
    signed: SignedOpinionPublic | None = None
    sources: dict[str, list[Citation]] = field(default_factory=dict)


@router.get("")
def my_cases(request: Request, signed_in: SpecialistPage, session: SessionDep) -> Response:
    """The specialist's assigned cases, the nearest SLA due time first."""
    views, _ = cases.list_cases(session, signed_in.principal, CaseFilters(), offset=0, limit=MY_CASES_LIMIT)
    open_cases = sorted((view for view in views if view.status not in FINISHED), key=_due_order)
    done = [view for view in views if view.status in FINISHED]
    return render(request, "my_cases.html", open_cases=open_cases, done=done)


@router.get("/{case_id}")
def case_page(
    request: Request,
    case_id: uuid.UUID,
    signed_in: SpecialistPage,
    session: SessionDep,
    document: Annotated[uuid.UUID | None, Query()] = None,
    start: Annotated[int | None, Query(ge=0)] = None,
    end: Annotated[int | None, Query(ge=1)] = None,
) -> Response:
    """Records, summary and flags, and the draft editor; ``document``/``start``/``end`` open a cited
    passage in the records pane."""
    passage = (start, end) if start is not None and end is not None and start < end else None
    workspace = _load(session, signed_in.principal, case_id, document, passage)
    return _render_case(request, workspace, saved=request.query_params.get("saved"))


@router.post("/{case_id}/sections/{section_id}")
def save_section(
    request: Request,
    case_id: uuid.UUID,
    section_id: str,
    signed_in: SpecialistForm,
    session: SessionDep,
    base_version: Annotated[int, Form(ge=1)],
    text: Annotated[str, Form(max_length=20_000)] = "",
    action: Annotated[str, Form(pattern="^(save|confirm)$")] = "save",
) -> Response:
    """Save (or confirm) a section against the version the page was opened at; a stale save keeps the
    specialist's text on the page beside the current one."""
    edit = SectionEdit(confirm=True) if action == "confirm" else SectionEdit(text=text)
    try:
        opinions.edit_section(
            session, signed_in.principal, case_id, section_id, edit, opinions.etag(base_version)
        )
    except PreconditionFailed as error:
        refused(session, request, error)
        workspace = _load(session, signed_in.principal, case_id)
        conflict = {"section": section_id, "text": text, "from_version": base_version}
        return _render_case(request, workspace, conflict=conflict, status_code=409)
    return see_other(f"{PREFIX}/cases/{case_id}?saved={section_id}#section-{section_id}")


@router.post("/{case_id}/sign")
def sign(
    request: Request,
    case_id: uuid.UUID,
    signed_in: SpecialistForm,
    session: SessionDep,
    password: Annotated[str, Form(max_length=200)] = "",
    meaning: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    """Sign the current version; a refusal re-opens the dialog with its reasons."""

    def sign_opinion() -> None:
        opinions.sign(session, signed_in.principal, case_id, SignRequest(password=password, meaning=meaning))

    invalid = "state the meaning of your signature (10 to 300 characters)"
    return _signed(request, session, signed_in, case_id, sign_opinion, "refusal", invalid)


@router.get("/{case_id}/versions")
def versions(
    request: Request,
    case_id: uuid.UUID,
    signed_in: SpecialistPage,
    session: SessionDep,
    from_version: Annotated[int | None, Query(alias="from", ge=1)] = None,
    to_version: Annotated[int | None, Query(alias="to", ge=1)] = None,
) -> Response:
    """Every saved version, and the differences between two of them (first and latest by default)."""
    principal = signed_in.principal
    saved = opinions.list_versions(session, principal, case_id)
    first, last = from_version or 1, to_version or saved[-1].number
    diff = opinions.diff_versions(session, principal, case_id, first, last)
    return render(request, "versions.html", case_id=case_id, versions=saved, diff=diff)


@router.post("/{case_id}/addenda")
def add_addendum(
    request: Request,
    case_id: uuid.UUID,
    signed_in: SpecialistForm,
    session: SessionDep,
    text: Annotated[str, Form(max_length=20_000)] = "",
    password: Annotated[str, Form(max_length=200)] = "",
    meaning: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    """Sign a correction to the signed opinion (which itself never changes)."""

    def sign_addendum() -> None:
        addendum = AddendumRequest(text=text.strip(), password=password, meaning=meaning)
        opinions.add_addendum(session, signed_in.principal, case_id, addendum.text, addendum)

    invalid = "write the correction and the meaning of your signature (10 to 300 characters)"
    return _signed(request, session, signed_in, case_id, sign_addendum, "addendum", invalid, text=text)


@router.get("/{case_id}/opinion.pdf")
def opinion_pdf(
    request: Request, case_id: uuid.UUID, signed_in: SpecialistPage, session: SessionDep
) -> Response:
    """The signed opinion as PDF, as finalize rendered it."""
    return _export(request, session, signed_in, case_id, "pdf")


@router.get("/{case_id}/opinion.fhir.json")
def opinion_fhir(
    request: Request, case_id: uuid.UUID, signed_in: SpecialistPage, session: SessionDep
) -> Response:
    """The signed opinion as a FHIR R4 bundle (DiagnosticReport and Provenance)."""
    return _export(request, session, signed_in, case_id, "fhir")


def _export(
    request: Request, session: Session, signed_in: SignedIn, case_id: uuid.UUID, kind: str
) -> Response:
    content = b"".join(
        opinions.rendered(session, signed_in.principal, case_id, request.app.state.blob_store, kind)
    )
    media_type, name = EXPORTS[kind]
    return Response(
        content, media_type=media_type, headers={"Content-Disposition": f"attachment; filename={name}"}
    )


def _load(
    session: Session,
    principal: Principal,
    case_id: uuid.UUID,
    document_id: uuid.UUID | None = None,
    passage: tuple[int, int] | None = None,
) -> CaseWorkspace:
    case = cases.read_case(session, principal, case_id)
    workspace = CaseWorkspace(case=case, documents=runs.list_documents(session, principal, case_id))
    if document_id is not None:
        workspace.document = runs.read_document(session, principal, case_id, document_id)
        workspace.passage = passage
    workspace.summary = _unless_missing(runs.read_summary, session, principal, case_id)
    workspace.flags = _unless_missing(read_discrepancies, session, principal, case_id)
    workspace.draft = _unless_missing(opinions.read_draft, session, principal, case_id)
    if workspace.draft is not None:
        workspace.opinion = opinions.read_opinion(session, principal, case_id)
        workspace.sources = {
            section.id: [c for sentence in section.sentences for c in sentence.citations]
            for section in workspace.draft.sections
        }
    if workspace.opinion is not None and workspace.opinion.signed:
        workspace.signed = opinions.read_signed(session, principal, case_id)
    return workspace


def _render_case(
    request: Request, workspace: CaseWorkspace, status_code: int = 200, **context: Any
) -> Response:
    summary = workspace.summary.summary if workspace.summary else None
    return render(
        request,
        "case.html",
        status_code=status_code,
        w=workspace,
        pages=paged(workspace.document, workspace.passage) if workspace.document else [],
        titles={str(document.id): document.title for document in workspace.documents},
        summary_sections=[
            (heading, getattr(summary, name)) for name, heading in SUMMARY_SECTIONS if getattr(summary, name)
        ]
        if summary
        else [],
        **context,
    )


def _unless_missing(read: Callable[[Session, Principal, uuid.UUID], T], *args: Any) -> T | None:
    """What ``read`` returns, or None while the pipeline has not produced it yet."""
    try:
        return read(*args)
    except NotFound:
        return None


def _signed(
    request: Request,
    session: Session,
    signed_in: SignedIn,
    case_id: uuid.UUID,
    sign: Callable[[], None],
    form: str,
    invalid: str,
    **typed: str,
) -> Response:
    """Run a signature; on a refusal the case page again, the ``form`` (the sign dialog or the addendum form)
    open with the reasons and what was typed."""
    try:
        sign()
    except DomainError as error:
        refused(session, request, error)
        problem, status = {"detail": error.detail, "reasons": _reasons(error)}, error.status
    except ValueError:  # a field SignRequest refuses: empty, too short or too long
        problem, status = {"detail": invalid, "reasons": []}, 422
    else:
        return see_other(f"{PREFIX}/cases/{case_id}#signature")
    workspace = _load(session, signed_in.principal, case_id)
    return _render_case(request, workspace, status_code=status, **{form: problem | typed})


def _reasons(error: DomainError) -> list[str]:
    reasons = error.extensions.get("reasons") or []
    unreviewed = error.extensions.get("unreviewed") or []
    return [str(reason) for reason in reasons] + [
        f"not yet edited or confirmed: {title}" for title in unreviewed
    ]


def _due_order(view: cases.CaseViewModel) -> tuple[int, str]:
    """Cases with a due time first, the nearest first."""
    due_at = getattr(view, "due_at", None)
    return (0, due_at.isoformat()) if due_at else (1, "")
