"""Discrepancy reports: all SQL of the discrepancy stage and of reading its flags."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.models import DiscrepancyReportRow
from store.repositories.common import insert_once


class DiscrepancyRepository:
    """The flags runs raised."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def save(self, row: DiscrepancyReportRow) -> None:
        """Store a run's report (a re-run after a crash keeps the first)."""
        insert_once(self.session, row, "run_id")

    def for_run(self, run_id: uuid.UUID) -> DiscrepancyReportRow | None:
        """The report of one run, if it made one."""
        return self.session.scalars(
            select(DiscrepancyReportRow).where(DiscrepancyReportRow.run_id == run_id)
        ).first()

    def latest_for_case(self, case_id: uuid.UUID) -> DiscrepancyReportRow | None:
        """The case's most recent report."""
        return self.session.scalars(
            select(DiscrepancyReportRow)
            .where(DiscrepancyReportRow.case_id == case_id)
            .order_by(DiscrepancyReportRow.created_at.desc())
        ).first()
