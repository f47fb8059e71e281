"""``/evals``: the eval runs QA recorded with ``reconsult eval run --suite all``."""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from review_api.deps import QaPrincipal, SessionDep
from review_api.evals import service
from review_api.evals.schemas import EvalRunPublic, EvalRunSummary, ProductionSignals

router = APIRouter(prefix="/evals", tags=["evals"])


@router.get("", response_model=list[EvalRunSummary], summary="Recorded eval runs, newest first")
def list_runs(principal: QaPrincipal, session: SessionDep) -> list[EvalRunSummary]:
    """Model, split and suites of each run."""
    return service.list_runs(session)


@router.get(
    "/signals", response_model=ProductionSignals, summary="What happens to the AI's output in production"
)
def production_signals(principal: QaPrincipal, session: SessionDep) -> ProductionSignals:
    """Edit distance between AI draft and signed opinion per template version and section, triage acceptance
    and override rates per suggested subspecialty, SLA events, and the summaries' dropped-item rate."""
    return service.production_signals(session)


@router.get("/{run_id}", response_model=EvalRunPublic, summary="One run's metrics and provenance")
def read_run(run_id: uuid.UUID, principal: QaPrincipal, session: SessionDep) -> EvalRunPublic:
    """Every suite's metrics with 95 % intervals, prompt and template versions, dataset digests."""
    return service.read_run(session, run_id)


@router.get(
    "/{run_id}/report",
    response_class=HTMLResponse,
    summary="The run's self-contained HTML report",
    responses={200: {"content": {"text/html": {}}}},
)
def read_report(run_id: uuid.UUID, principal: QaPrincipal, session: SessionDep) -> HTMLResponse:
    """Tables with intervals, confusion matrices, reliability diagrams and failures; opens offline."""
    return HTMLResponse(service.report_html(session, run_id))
