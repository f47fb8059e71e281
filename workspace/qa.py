"""QA's pages: recorded eval runs and production signals, a run's report, and two runs compared."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from review_api.deps import SessionDep
from review_api.evals import service as evals
from store.models import Role
from workspace.sessions import SignedIn
from workspace.web import PREFIX, render, role_page

router = APIRouter(prefix=f"{PREFIX}/qa", include_in_schema=False)
QaPage = Annotated[SignedIn, Depends(role_page(Role.QA))]
# The stored report is self-contained: inline styles and SVG, never a script.
REPORT_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'"


@router.get("")
def runs_page(request: Request, signed_in: QaPage, session: SessionDep) -> Response:
    """Eval runs, newest first, and what happens to the AI's output in production."""
    return render(
        request, "qa.html", runs=evals.list_runs(session), signals=evals.production_signals(session)
    )


@router.get("/compare")
def compare_page(
    request: Request,
    signed_in: QaPage,
    session: SessionDep,
    first: Annotated[uuid.UUID, Query()],
    second: Annotated[uuid.UUID, Query()],
) -> Response:
    """Two runs side by side: intervals, the difference, paired tests, regressions marked."""
    runs = evals.read_run(session, first), evals.read_run(session, second)
    return render(request, "qa_compare.html", runs=runs, rows=evals.compare(*runs))


@router.get("/runs/{run_id}")
def run_page(request: Request, run_id: uuid.UUID, signed_in: QaPage, session: SessionDep) -> Response:
    """One run: its metrics with intervals and what it measured with; the full report one click away."""
    return render(request, "qa_run.html", run=evals.read_run(session, run_id))


@router.get("/runs/{run_id}/report")
def report(run_id: uuid.UUID, signed_in: QaPage, session: SessionDep) -> Response:
    """The run's self-contained HTML report, under a policy that allows its inline styles and no script."""
    return HTMLResponse(
        evals.report_html(session, run_id), headers={"Content-Security-Policy": REPORT_POLICY}
    )
