"""``/evals``: the eval runs QA recorded with ``reconsult eval run --suite all``."""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from review_api import auditing
from review_api.deps import QaPrincipal, SessionDep
from review_api.evals.schemas import EvalRunPublic, EvalRunSummary, ProductionSignals
from store.errors import NotFound
from store.models import EvalRun
from store.repositories.evals import EvalRunRepository
from store.repositories.signals import SignalRepository

router = APIRouter(prefix="/evals", tags=["evals"])


@router.get("", response_model=list[EvalRunSummary], summary="Recorded eval runs, newest first")
def list_runs(principal: QaPrincipal, session: SessionDep) -> list[EvalRunSummary]:
    """Model, split and suites of each run."""
    auditing.record(session, "evals.list", "eval_run")
    return [
        EvalRunSummary.model_validate(run, from_attributes=True)
        for run in EvalRunRepository(session).newest_first()
    ]


@router.get(
    "/signals", response_model=ProductionSignals, summary="What happens to the AI's output in production"
)
def production_signals(principal: QaPrincipal, session: SessionDep) -> ProductionSignals:
    """Edit distance between AI draft and signed opinion per template version and section, triage acceptance
    and override rates per suggested subspecialty, SLA events, and the summaries' dropped-item rate."""
    signals = SignalRepository(session)
    auditing.record(session, "evals.signals.read", "production_signals")
    return ProductionSignals(
        edits_by_template=signals.edits_by_template(),
        routing_by_subspecialty=signals.routing_by_subspecialty(),
        sla_events=signals.sla_events(),
        summary_citation_check=signals.dropped_items(),
    )


@router.get("/{run_id}", response_model=EvalRunPublic, summary="One run's metrics and provenance")
def read_run(run_id: uuid.UUID, principal: QaPrincipal, session: SessionDep) -> EvalRunPublic:
    """Every suite's metrics with 95 % intervals, prompt and template versions, dataset digests."""
    run = _run(session, run_id)
    auditing.record(session, "evals.read", "eval_run", resource_id=run.id)
    return EvalRunPublic.model_validate(run, from_attributes=True)


@router.get(
    "/{run_id}/report",
    response_class=HTMLResponse,
    summary="The run's self-contained HTML report",
    responses={200: {"content": {"text/html": {}}}},
)
def read_report(run_id: uuid.UUID, principal: QaPrincipal, session: SessionDep) -> HTMLResponse:
    """Tables with intervals, confusion matrices, reliability diagrams and failures; opens offline."""
    run = _run(session, run_id)
    auditing.record(session, "evals.report.read", "eval_run", resource_id=run.id)
    return HTMLResponse(run.report_html)


def _run(session: SessionDep, run_id: uuid.UUID) -> EvalRun:
    run = EvalRunRepository(session).get(run_id)
    if run is None:
        raise NotFound("no such eval run")
    return run
