"""Runs (the queue), documents, chunk embeddings, unit extractions and summaries: all SQL of the pipeline.

The queue is PostgreSQL itself: a worker claims the oldest queued run, or a running one whose worker has
stopped sending heartbeats, with ``FOR UPDATE SKIP LOCKED``, so any number of workers on any number of
machines can share one database without a broker.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, func, literal, or_, select, update
from sqlalchemy.dialects.postgresql import JSONB, insert
from sqlalchemy.orm import Session

from records.kinds import RecordKind
from store.models import (
    CaseDocument,
    CaseSummaryRow,
    DocumentChunk,
    PipelineRun,
    Record,
    RunStatus,
    UnitExtractionRow,
)
from store.repositories.common import insert_once


class RunRepository:
    """Pipeline runs."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def find(self, case_id: uuid.UUID, input_hash: str) -> PipelineRun | None:
        """The run of ``case_id`` over the record set hashed ``input_hash``."""
        return self.session.scalars(
            select(PipelineRun).where(PipelineRun.case_id == case_id, PipelineRun.input_hash == input_hash)
        ).first()

    def get(self, run_id: uuid.UUID, case_id: uuid.UUID | None = None) -> PipelineRun | None:
        """A run by id (of ``case_id``, when given)."""
        run = self.session.get(PipelineRun, run_id)
        return run if run is not None and (case_id is None or run.case_id == case_id) else None

    def for_case(self, case_id: uuid.UUID) -> Sequence[PipelineRun]:
        """A case's runs, newest first."""
        return self.session.scalars(
            select(PipelineRun).where(PipelineRun.case_id == case_id).order_by(PipelineRun.created_at.desc())
        ).all()

    def add(self, run: PipelineRun) -> PipelineRun:
        """Queue a new run."""
        self.session.add(run)
        self.session.flush()
        return run

    def claim_next(self, worker_id: str, lease: dt.timedelta) -> uuid.UUID | None:
        """Take the oldest claimable run for ``worker_id``: queued, or running with a heartbeat older than
        ``lease`` (its worker died). Commit soon after: the row lock is held until then."""
        stale = func.now() - lease
        candidate = (
            select(PipelineRun.id)
            .where(
                or_(
                    PipelineRun.status == RunStatus.QUEUED,
                    (PipelineRun.status == RunStatus.RUNNING) & (PipelineRun.heartbeat_at < stale),
                )
            )
            .order_by(PipelineRun.created_at)
            .limit(1)
            .with_for_update(skip_locked=True)
            .scalar_subquery()
        )
        return self.session.execute(
            update(PipelineRun)
            .where(PipelineRun.id == candidate)
            .values(
                status=RunStatus.RUNNING,
                worker_id=worker_id,
                heartbeat_at=func.now(),
                attempts=PipelineRun.attempts + 1,
                started_at=func.coalesce(PipelineRun.started_at, func.now()),
                failure_reason=None,
            )
            .returning(PipelineRun.id)
        ).scalar()

    def heartbeat(self, run_id: uuid.UUID, worker_id: str) -> bool:
        """Renew the worker's lease; False if another worker has taken the run over."""
        result = self.session.execute(
            update(PipelineRun)
            .where(PipelineRun.id == run_id, PipelineRun.worker_id == worker_id)
            .values(heartbeat_at=func.now())
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def record_step(self, run_id: uuid.UUID, step: str, progress: dict[str, Any]) -> None:
        """Note the step a run is in and its progress counters (no PHI)."""
        # One statement merging into the stored counters: parallel nodes (triage and discrepancy) each add
        # theirs without overwriting the other's.
        merged = func.coalesce(PipelineRun.progress, literal({}, JSONB)).op("||")(literal(progress, JSONB))
        self.session.execute(
            update(PipelineRun).where(PipelineRun.id == run_id).values(step=step, progress=merged)
        )

    def pause(self, run_id: uuid.UUID, interrupt_id: str) -> None:
        """Park a run at the sign-off interrupt: no worker holds it until the signature queues it again."""
        self.session.execute(
            update(PipelineRun)
            .where(PipelineRun.id == run_id)
            .values(status=RunStatus.AWAITING_SIGNOFF, interrupt_id=interrupt_id, worker_id=None)
        )

    def finish(self, run_id: uuid.UUID, status: RunStatus, failure_reason: str | None = None) -> None:
        """Mark a run succeeded or failed."""
        self.session.execute(
            update(PipelineRun)
            .where(PipelineRun.id == run_id)
            .values(status=status, failure_reason=failure_reason, finished_at=func.now(), worker_id=None)
        )


class DocumentRepository:
    """A case's documents and their chunk embeddings."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def records(self, case_id: uuid.UUID, record_ids: Sequence[str]) -> Sequence[Record]:
        """The records a run covers, in upload order."""
        wanted = [uuid.UUID(record_id) for record_id in record_ids]
        return self.session.scalars(
            select(Record)
            .where(Record.case_id == case_id, Record.id.in_(wanted))
            .order_by(Record.uploaded_at)
        ).all()

    def for_records(self, case_id: uuid.UUID, record_ids: Sequence[str]) -> Sequence[CaseDocument]:
        """Documents of these records, in order."""
        wanted = [uuid.UUID(record_id) for record_id in record_ids]
        return self.session.scalars(
            select(CaseDocument)
            .join(Record, Record.id == CaseDocument.record_id)
            .where(CaseDocument.case_id == case_id, CaseDocument.record_id.in_(wanted))
            .order_by(Record.uploaded_at, CaseDocument.position)
        ).all()

    def for_case(self, case_id: uuid.UUID) -> Sequence[CaseDocument]:
        """Every document of a case, in upload order."""
        return self.session.scalars(
            select(CaseDocument)
            .join(Record, Record.id == CaseDocument.record_id)
            .where(CaseDocument.case_id == case_id)
            .order_by(Record.uploaded_at, CaseDocument.position)
        ).all()

    def get(self, case_id: uuid.UUID, document_id: uuid.UUID) -> CaseDocument | None:
        """One document of a case."""
        document = self.session.get(CaseDocument, document_id)
        return document if document is not None and document.case_id == case_id else None

    def has_documents(self, record_id: uuid.UUID) -> bool:
        """Whether a record was already read (a resumed ingest skips it)."""
        return (
            self.session.scalar(
                select(func.count()).select_from(CaseDocument).where(CaseDocument.record_id == record_id)
            )
            or 0
        ) > 0

    def add(self, document: CaseDocument) -> None:
        """Store a document read from a record."""
        self.session.add(document)

    def replace_chunks(self, document: CaseDocument, chunks: Sequence[tuple[int, int, list[float]]]) -> None:
        """Set a document's chunks (start, end, embedding), replacing any from an interrupted attempt."""
        self.session.execute(delete(DocumentChunk).where(DocumentChunk.document_id == document.id))
        self.session.add_all(
            DocumentChunk(
                case_id=document.case_id,
                document_id=document.id,
                position=position,
                kind=document.kind,
                start=start,
                end=end,
                embedding=embedding,
            )
            for position, (start, end, embedding) in enumerate(chunks)
        )

    def chunk_count(self, document_id: uuid.UUID) -> int:
        """How many chunks a document has."""
        return (
            self.session.scalar(
                select(func.count())
                .select_from(DocumentChunk)
                .where(DocumentChunk.document_id == document_id)
            )
            or 0
        )

    def nearest_chunks(
        self, case_id: uuid.UUID, query: list[float], k: int, kinds: Sequence[RecordKind] | None = None
    ) -> Sequence[tuple[DocumentChunk, float]]:
        """The ``k`` chunks of a case nearest to ``query`` (cosine distance), optionally of some kinds."""
        distance = DocumentChunk.embedding.cosine_distance(query)
        statement = select(DocumentChunk, distance.label("distance")).where(DocumentChunk.case_id == case_id)
        if kinds:
            statement = statement.where(DocumentChunk.kind.in_(list(kinds)))
        rows = self.session.execute(statement.order_by(distance).limit(k)).all()
        return [(row[0], float(row[1])) for row in rows]


class SummaryRepository:
    """Unit extractions and summaries of runs."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def extraction(self, run_id: uuid.UUID, unit_id: str) -> dict[str, Any] | None:
        """A unit's stored extraction, if it was made already."""
        row = self.session.get(UnitExtractionRow, (run_id, unit_id))
        return row.extraction if row else None

    def save_extraction(self, run_id: uuid.UUID, unit_id: str, extraction: dict[str, Any]) -> None:
        """Keep a unit's extraction (a second save of the same unit is ignored)."""
        self.session.execute(
            insert(UnitExtractionRow)
            .values(run_id=run_id, unit_id=unit_id, extraction=extraction)
            .on_conflict_do_nothing()
        )

    def extractions(self, run_id: uuid.UUID, unit_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """Stored extractions of these units."""
        rows = self.session.scalars(
            select(UnitExtractionRow).where(
                UnitExtractionRow.run_id == run_id, UnitExtractionRow.unit_id.in_(unit_ids)
            )
        ).all()
        return {row.unit_id: row.extraction for row in rows}

    def save_summary(self, row: CaseSummaryRow) -> None:
        """Store a run's summary; a run has one, so a repeated save (a resumed run) is ignored."""
        insert_once(self.session, row, "run_id")

    def for_run(self, run_id: uuid.UUID) -> CaseSummaryRow | None:
        """The summary of one run, if it made one."""
        return self.session.scalars(select(CaseSummaryRow).where(CaseSummaryRow.run_id == run_id)).first()

    def latest_for_case(self, case_id: uuid.UUID) -> CaseSummaryRow | None:
        """The case's most recent summary."""
        return self.session.scalars(
            select(CaseSummaryRow)
            .where(CaseSummaryRow.case_id == case_id)
            .order_by(CaseSummaryRow.created_at.desc())
        ).first()

    def count_for_run(self, run_id: uuid.UUID) -> int:
        """How many summaries a run has (one, or none yet)."""
        return (
            self.session.scalar(
                select(func.count()).select_from(CaseSummaryRow).where(CaseSummaryRow.run_id == run_id)
            )
            or 0
        )

    def extraction_count(self, run_id: uuid.UUID) -> int:
        """How many units of a run are extracted."""
        return (
            self.session.scalar(
                select(func.count()).select_from(UnitExtractionRow).where(UnitExtractionRow.run_id == run_id)
            )
            or 0
        )
