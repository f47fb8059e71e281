"""Queueing runs, reporting their progress, and reading summaries and cited sources by role."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from pipeline.version import PIPELINE_VERSION, STEPS, run_input_hash
from records.documents import SourceSpan, span_at
from records.offsets import OffsetMap
from review_api import auditing
from review_api.cases.service import get_case, require_consent
from review_api.runs.schemas import (
    DocumentListing,
    DocumentText,
    RunPublic,
    SourceSpanPublic,
    StepProgress,
    SummaryPublic,
)
from store.errors import Conflict, Forbidden, NotFound, Unprocessable
from store.models import CaseDocument, ConsentScope, PipelineRun, Role, RunStatus
from store.principal import Principal
from store.repositories.cases import RecordRepository
from store.repositories.pipeline import DocumentRepository, RunRepository, SummaryRepository
from store.repositories.vaults import PhiVaultRepository
from summarizer.schemas import CaseSummary
from summarizer.service import reidentified

CONTEXT_CHARS = 200


def start_run(session: Session, principal: Principal, case_id: uuid.UUID) -> tuple[PipelineRun, bool]:
    """Queue a run over the case's current records; the same records give back the same run.
    Returns the run and whether it was created now."""
    case = get_case(session, principal, case_id, for_update=True)
    require_consent(session, case, ConsentScope.RECORD_RELEASE)
    records = RecordRepository(session).digests_for_case(case_id)
    if not records:
        raise Conflict("the case has no records to process")
    input_hash = run_input_hash((str(record_id), digest) for record_id, digest in records)
    runs = RunRepository(session)
    existing = runs.find(case_id, input_hash)
    if existing is not None:
        return existing, False
    run = runs.add(
        PipelineRun(
            case_id=case_id,
            input_hash=input_hash,
            record_ids=[str(record_id) for record_id, _ in records],
            status=RunStatus.QUEUED,
            progress={},
            attempts=0,
            pipeline_version=PIPELINE_VERSION,
            requested_by_id=principal.user_id,
        )
    )
    auditing.record(session, "run.create", "pipeline_run", resource_id=run.id, case_id=case_id)
    return run, True


def retry_run(session: Session, principal: Principal, case_id: uuid.UUID, run_id: uuid.UUID) -> PipelineRun:
    """Queue a failed run again; it resumes from its last checkpoint."""
    get_case(session, principal, case_id)
    run = _run(session, case_id, run_id)
    if run.status is not RunStatus.FAILED:
        raise Conflict(f"only a failed run can be retried; this one is {run.status.value}")
    run.status = RunStatus.QUEUED
    run.failure_reason = None
    auditing.record(session, "run.retry", "pipeline_run", resource_id=run.id, case_id=case_id)
    return run


def get_run(session: Session, principal: Principal, case_id: uuid.UUID, run_id: uuid.UUID) -> RunPublic:
    """A run's status and step progress."""
    get_case(session, principal, case_id)
    return present_run(session, _run(session, case_id, run_id))


def list_runs(session: Session, principal: Principal, case_id: uuid.UUID) -> list[RunPublic]:
    """A case's runs, newest first."""
    get_case(session, principal, case_id)
    return [present_run(session, run) for run in RunRepository(session).for_case(case_id)]


def present_run(session: Session, run: PipelineRun) -> RunPublic:
    """The public view of a run, with units done counted from the stored extractions."""
    progress = dict(run.progress or {})
    if run.step in STEPS[STEPS.index("summarize") :] or run.status is RunStatus.SUCCEEDED:
        progress["units_done"] = SummaryRepository(session).extraction_count(run.id)
    return RunPublic(
        id=run.id,
        case_id=run.case_id,
        status=run.status,
        step=run.step,
        steps=_steps(run),
        progress=progress,
        attempts=run.attempts,
        failure_reason=run.failure_reason,
        pipeline_version=run.pipeline_version,
        created_at=run.created_at,
        started_at=run.started_at,
        finished_at=run.finished_at,
    )


def _steps(run: PipelineRun) -> list[StepProgress]:
    if run.status is RunStatus.SUCCEEDED:
        return [StepProgress(name=name, state="done") for name in STEPS]
    current = STEPS.index(run.step) if run.step in STEPS else -1
    active = {
        RunStatus.FAILED: "failed",
        RunStatus.RUNNING: "running",
        RunStatus.AWAITING_SIGNOFF: "waiting",
    }.get(run.status, "pending")
    return [
        StepProgress(
            name=name, state="done" if index < current else active if index == current else "pending"
        )
        for index, name in enumerate(STEPS)
    ]


def read_summary(session: Session, principal: Principal, case_id: uuid.UUID) -> SummaryPublic:
    """The case's latest summary: the assigned specialist reads it re-identified, QA de-identified."""
    require_clinical_reader(principal)
    get_case(session, principal, case_id)
    row = SummaryRepository(session).latest_for_case(case_id)
    if row is None:
        raise NotFound("the case has no summary yet")
    summary = CaseSummary.model_validate(row.summary)
    view = "deidentified"
    if principal.role is Role.SPECIALIST:
        vault = PhiVaultRepository(session).get(case_id)
        summary, view = (reidentified(summary, vault), "reidentified") if vault else (summary, view)
    auditing.record(session, f"summary.read.{view}", "case_summary", resource_id=row.id, case_id=case_id)
    return SummaryPublic(
        run_id=row.run_id,
        view=view,
        summary=summary,
        provenance=row.provenance,
        pipeline_version=row.pipeline_version,
        created_at=row.created_at,
    )


def read_source(
    session: Session, principal: Principal, case_id: uuid.UUID, document_id: uuid.UUID, start: int, end: int
) -> SourceSpanPublic:
    """The text behind a citation (offsets into the document's original text): the original for the
    assigned specialist, the de-identified text at the same place for QA."""
    require_clinical_reader(principal)
    get_case(session, principal, case_id)
    document = DocumentRepository(session).get(case_id, document_id)
    if document is None:
        raise NotFound("no such document in this case")
    if not 0 <= start < end <= len(document.text):
        raise Unprocessable(
            "the span is outside the document",
            errors=[{"field": "start/end", "reason": f"need 0 <= start < end <= {len(document.text)}"}],
        )
    text, view, (shown_start, shown_end) = _view_text(principal, document, start, end)
    auditing.record(
        session, f"document.source.{view}", "case_document", resource_id=document.id, case_id=case_id
    )
    return SourceSpanPublic(
        document_id=document.id,
        view=view,
        page=_page(document, start),
        start=start,
        end=end,
        text=text[shown_start:shown_end],
        before=text[max(0, shown_start - CONTEXT_CHARS) : shown_start],
        after=text[shown_end : shown_end + CONTEXT_CHARS],
    )


def list_documents(session: Session, principal: Principal, case_id: uuid.UUID) -> list[DocumentListing]:
    """The case's documents in upload order, for the records pane."""
    require_clinical_reader(principal)
    get_case(session, principal, case_id)
    documents = DocumentRepository(session).for_case(case_id)
    auditing.record(session, "document.list", "case_document", case_id=case_id)
    return [_listing(principal, position, document) for position, document in enumerate(documents, 1)]


def read_document(
    session: Session, principal: Principal, case_id: uuid.UUID, document_id: uuid.UUID
) -> DocumentText:
    """A whole document: original text for the assigned specialist, de-identified text for QA."""
    require_clinical_reader(principal)
    get_case(session, principal, case_id)
    documents = DocumentRepository(session).for_case(case_id)
    position, document = next(
        ((number, doc) for number, doc in enumerate(documents, 1) if doc.id == document_id), (0, None)
    )
    if document is None:
        raise NotFound("no such document in this case")
    text, view, _ = _view_text(principal, document, 0, len(document.text))
    auditing.record(
        session, f"document.read.{view}", "case_document", resource_id=document.id, case_id=case_id
    )
    return DocumentText(
        **_listing(principal, position, document).model_dump(),
        view=view,
        text=text,
        page_starts=_page_starts(principal, document),
    )


def _listing(principal: Principal, position: int, document: CaseDocument) -> DocumentListing:
    pages = {span["page"] for span in document.spans if span.get("page") is not None}
    title = document.title if principal.role is Role.SPECIALIST else f"Document {position}"
    return DocumentListing(id=document.id, title=title, kind=document.kind.value, pages=len(pages) or None)


def _page_starts(principal: Principal, document: CaseDocument) -> list[tuple[int, int]]:
    """Where each page begins, in the text the caller sees."""
    starts: dict[int, int] = {}
    for span in document.spans:
        if span.get("page") is not None and span["end"] > span["start"]:
            starts[span["page"]] = min(starts.get(span["page"], span["start"]), span["start"])
    if principal.role is not Role.SPECIALIST and document.certified_offsets is not None:
        offsets = OffsetMap.from_spans([(a, b, c) for a, b, c in document.certified_offsets])
        starts = {page: offsets.to_target(start, start + 1)[0] for page, start in starts.items()}
    return sorted(starts.items())


def _view_text(
    principal: Principal, document: CaseDocument, start: int, end: int
) -> tuple[str, str, tuple[int, int]]:
    if principal.role is Role.SPECIALIST:
        return document.text, "original", (start, end)
    if document.certified_text is None:
        raise Conflict("the document has not been de-identified yet")
    offsets = OffsetMap.from_spans([(a, b, c) for a, b, c in document.certified_offsets or []])
    return document.certified_text, "deidentified", offsets.to_target(start, end)


def _page(document: CaseDocument, offset: int) -> int | None:
    span = span_at([SourceSpan.model_validate(span) for span in document.spans], offset)
    return span.page if span else None


def require_clinical_reader(principal: Principal) -> None:
    if principal.role not in (Role.SPECIALIST, Role.QA):
        raise Forbidden("clinical content is for the assigned specialist and QA")


def _run(session: Session, case_id: uuid.UUID, run_id: uuid.UUID) -> PipelineRun:
    run = RunRepository(session).get(run_id, case_id)
    if run is None:
        raise NotFound("no such run for this case")
    return run
