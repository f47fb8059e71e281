"""Triage suggestions and routing decisions."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.orm import Session

from store.models import RoutingDecision, TriageSuggestionRow
from store.repositories.common import insert_once


class RoutingRepository:
    """What the pipeline suggested and what ops decided."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def save_suggestion(self, row: TriageSuggestionRow) -> None:
        """Store a run's suggestion; a resumed run's second save is ignored."""
        insert_once(self.session, row, "run_id")

    def latest_suggestion(self, case_id: uuid.UUID) -> TriageSuggestionRow | None:
        """The newest suggestion for a case."""
        return self.session.scalars(
            select(TriageSuggestionRow)
            .where(TriageSuggestionRow.case_id == case_id)
            .order_by(TriageSuggestionRow.created_at.desc())
        ).first()

    def latest_suggestions(self, case_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, TriageSuggestionRow]:
        """The newest suggestion of each case, in one query."""
        rows = self.session.scalars(
            select(TriageSuggestionRow)
            .where(TriageSuggestionRow.case_id.in_(list(case_ids)))
            .order_by(TriageSuggestionRow.case_id, TriageSuggestionRow.created_at.desc())
            .ext(distinct_on(TriageSuggestionRow.case_id))
        ).all()
        return {row.case_id: row for row in rows}

    def add_decision(self, decision: RoutingDecision) -> RoutingDecision:
        """Record a routing decision."""
        self.session.add(decision)
        self.session.flush()
        return decision

    def overrides(self) -> Sequence[RoutingDecision]:
        """Every overridden suggestion (labelled examples), newest first."""
        return self.session.scalars(
            select(RoutingDecision)
            .where(RoutingDecision.overridden)
            .order_by(RoutingDecision.created_at.desc())
        ).all()

    def suggestions_by_id(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, TriageSuggestionRow]:
        """Suggestions by id."""
        rows = self.session.scalars(
            select(TriageSuggestionRow).where(TriageSuggestionRow.id.in_(list(ids)))
        ).all()
        return {row.id: row for row in rows}
