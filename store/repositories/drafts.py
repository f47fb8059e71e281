"""Opinion drafts: all SQL of the draft stage and of reading a case's AI draft."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.models import OpinionDraftRow
from store.repositories.common import insert_once


class DraftRepository:
    """The AI drafts runs wrote."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def save(self, row: OpinionDraftRow) -> None:
        """Store a run's draft (a re-run after a crash keeps the first)."""
        insert_once(self.session, row, "run_id")

    def for_run(self, run_id: uuid.UUID) -> OpinionDraftRow | None:
        """The draft of one run, if it wrote one."""
        return self.session.scalars(select(OpinionDraftRow).where(OpinionDraftRow.run_id == run_id)).first()

    def latest_for_case(self, case_id: uuid.UUID) -> OpinionDraftRow | None:
        """The case's most recent AI draft."""
        return self.session.scalars(
            select(OpinionDraftRow)
            .where(OpinionDraftRow.case_id == case_id)
            .order_by(OpinionDraftRow.created_at.desc())
        ).first()
