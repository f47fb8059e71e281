"""Eval runs and production signals for QA, as the API and the workspace show them (each read audited)."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from evals.compare import MetricComparison, compare_runs
from review_api import auditing
from review_api.evals.schemas import EvalRunPublic, EvalRunSummary, ProductionSignals
from store.errors import NotFound
from store.models import EvalRun
from store.repositories.evals import EvalRunRepository
from store.repositories.signals import SignalRepository


def list_runs(session: Session) -> list[EvalRunSummary]:
    """Recorded runs, newest first."""
    auditing.record(session, "evals.list", "eval_run")
    return [
        EvalRunSummary.model_validate(run, from_attributes=True)
        for run in EvalRunRepository(session).newest_first()
    ]


def production_signals(session: Session) -> ProductionSignals:
    """What happens to the AI's output in production, aggregated (no PHI)."""
    signals = SignalRepository(session)
    auditing.record(session, "evals.signals.read", "production_signals")
    return ProductionSignals(
        edits_by_template=signals.edits_by_template(),
        routing_by_subspecialty=signals.routing_by_subspecialty(),
        sla_events=signals.sla_events(),
        summary_citation_check=signals.dropped_items(),
    )


def read_run(session: Session, run_id: uuid.UUID) -> EvalRunPublic:
    """One run's metrics (with intervals) and what it measured with."""
    run = _run(session, run_id)
    auditing.record(session, "evals.read", "eval_run", resource_id=run.id)
    return EvalRunPublic.model_validate(run, from_attributes=True)


def report_html(session: Session, run_id: uuid.UUID) -> str:
    """A run's self-contained HTML report."""
    run = _run(session, run_id)
    auditing.record(session, "evals.report.read", "eval_run", resource_id=run.id)
    return run.report_html


def compare(first: EvalRunPublic, second: EvalRunPublic) -> list[MetricComparison]:
    """Two recorded runs (as read) metric by metric, with paired tests where both kept per-item samples."""
    return compare_runs(first.metrics.get("suites", {}), second.metrics.get("suites", {}))


def _run(session: Session, run_id: uuid.UUID) -> EvalRun:
    run = EvalRunRepository(session).get(run_id)
    if run is None:
        raise NotFound("no such eval run")
    return run
