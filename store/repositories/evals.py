"""Eval runs: all SQL of recording and reading them."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.models import EvalRun


class EvalRunRepository:
    """Recorded eval runs (no PHI: the suites run on synthetic and public data)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, run: EvalRun) -> EvalRun:
        """Record a run."""
        self.session.add(run)
        self.session.flush()
        return run

    def newest_first(self, limit: int = 100) -> Sequence[EvalRun]:
        """The most recent runs."""
        return self.session.scalars(select(EvalRun).order_by(EvalRun.created_at.desc()).limit(limit)).all()

    def get(self, run_id: uuid.UUID) -> EvalRun | None:
        """One run."""
        return self.session.get(EvalRun, run_id)
