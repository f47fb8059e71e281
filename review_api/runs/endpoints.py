"""``/cases/{case_id}/runs``, ``/summary`` and ``/documents/{id}/source``: run the pipeline over a case's
records, follow its progress, read the grounded summary and open the source behind any citation."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from review_api.deps import CaseReaderPrincipal, CurrentPrincipal, OpsPrincipal, SessionDep
from review_api.runs import service
from review_api.runs.schemas import RunPublic, SourceSpanPublic, SummaryPublic

router = APIRouter(prefix="/cases/{case_id}", tags=["pipeline"])


@router.post(
    "/runs",
    response_model=RunPublic,
    status_code=status.HTTP_202_ACCEPTED,
    summary="Process the case's records (ingest, de-identify, index, summarise)",
    responses={
        200: {"description": "A run over these exact records exists already; it is returned"},
        409: {"description": "No active record-release consent, or no records"},
    },
)
def start_run(
    case_id: uuid.UUID, principal: OpsPrincipal, session: SessionDep, response: Response
) -> RunPublic:
    """Queues a run for the workers. Idempotent: the same record set returns the same run."""
    run, created = service.start_run(session, principal, case_id)
    if not created:
        response.status_code = status.HTTP_200_OK
    session.flush()
    return service.present_run(session, run)


@router.get("/runs", response_model=list[RunPublic], summary="List a case's runs")
def list_runs(case_id: uuid.UUID, principal: CaseReaderPrincipal, session: SessionDep) -> list[RunPublic]:
    """Newest first."""
    return service.list_runs(session, principal, case_id)


@router.get("/runs/{run_id}", response_model=RunPublic, summary="A run's status and step progress")
def get_run(
    case_id: uuid.UUID, run_id: uuid.UUID, principal: CaseReaderPrincipal, session: SessionDep
) -> RunPublic:
    """Status, the step it is in, counters, and the failure reason (step and error type) if it failed."""
    return service.get_run(session, principal, case_id, run_id)


@router.post(
    "/runs/{run_id}/retry",
    response_model=RunPublic,
    summary="Retry a failed run",
    responses={409: {"description": "The run has not failed"}},
)
def retry_run(
    case_id: uuid.UUID, run_id: uuid.UUID, principal: OpsPrincipal, session: SessionDep
) -> RunPublic:
    """Queues the run again; it resumes from its last checkpoint."""
    run = service.retry_run(session, principal, case_id, run_id)
    return service.present_run(session, run)


@router.get(
    "/summary",
    response_model=SummaryPublic,
    summary="The case summary with its citations",
    responses={404: {"description": "No summary yet (or the case is not yours)"}},
)
def read_summary(case_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep) -> SummaryPublic:
    """Every item cites document, page and character range; open one with the source endpoint. The
    assigned specialist reads it re-identified, QA de-identified; ops and admins not at all."""
    return service.read_summary(session, principal, case_id)


@router.get(
    "/documents/{document_id}/source",
    response_model=SourceSpanPublic,
    summary="The source text behind a citation",
)
def read_source(
    case_id: uuid.UUID,
    document_id: uuid.UUID,
    principal: CurrentPrincipal,
    session: SessionDep,
    start: Annotated[int, Query(ge=0, description="Citation start (offset into the document's text)")],
    end: Annotated[int, Query(gt=0, description="Citation end (exclusive)")],
) -> SourceSpanPublic:
    """The cited characters with some context: original text for the assigned specialist, the
    de-identified text at the same place for QA."""
    return service.read_source(session, principal, case_id, document_id, start, end)
