"""The pipeline's nodes: ingest, deidentify, index, the summarize stage over the database, and triage and
the discrepancy check side by side after it.

Each node does its work in one transaction of its own and is idempotent, so a node interrupted between its
commit and LangGraph's checkpoint simply runs again on resume and finds its work done. The graph state holds
ids and counters only; texts stay in the (encrypted) database.
"""

from __future__ import annotations

import json
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from langgraph.runtime import Runtime
from sqlalchemy.orm import Session, sessionmaker

from llm.embeddings import Embedder
from llm.gateway import Gateway
from pipeline.summary_graph import SummaryRun, SummaryState
from pipeline.version import PIPELINE_VERSION
from records.deid import ENGINE_VERSION, Deidentifier, certify, unseal
from records.documents import CodedFact, Document, DocumentStatus, SourceSpan
from records.ingest import ingest_file
from store.blobs import BlobStore
from store.models import (
    Case,
    CaseDocument,
    CaseSummaryRow,
    DiscrepancyReportRow,
    OpinionDraftRow,
    OpinionExport,
    TriageSuggestionRow,
    Urgency,
)
from store.repositories.discrepancy import DiscrepancyRepository
from store.repositories.drafts import DraftRepository
from store.repositories.opinions import OpinionRepository
from store.repositories.pipeline import DocumentRepository, RunRepository, SummaryRepository
from store.repositories.routing import RoutingRepository
from store.repositories.vaults import PhiVaultRepository
from summarizer.prepare import (
    DEFAULT_UNIT_CHARS,
    PreparedDocument,
    Unit,
    passages,
    prepare_document,
    unit_id,
    units_by_id,
)
from summarizer.service import UnitExtraction, assemble, extract_unit

CHUNK_CHARS = 1_000  # retrieval passages: a paragraph or two, well inside MiniLM's 256-token window


@dataclass
class PipelineServices:
    """What the nodes need from the process: database, blobs, models and keys."""

    session_factory: sessionmaker[Session]
    blob_store: BlobStore
    gateway: Gateway
    embedder: Embedder
    deidentifier: Callable[[], Deidentifier]
    seal_key: bytes
    unit_chars: int = DEFAULT_UNIT_CHARS


class RunState(SummaryState, total=False):
    """A run's graph state: ids and counters."""

    run_id: str
    case_id: str
    record_ids: list[str]
    input_hash: str
    documents: int
    rejected_files: int
    chunks: int
    signed_opinion_id: str  # set when the sign-off interrupt is resumed


@dataclass(frozen=True)
class PipelineRun(SummaryRun):
    """The runtime context of one run (never checkpointed)."""

    services: PipelineServices = field(kw_only=True)
    run_id: uuid.UUID = field(kw_only=True)
    case_id: uuid.UUID = field(kw_only=True)


# --- ingest ---------------------------------------------------------------------------------------------


def ingest(state: RunState, runtime: Runtime[PipelineRun]) -> dict[str, Any]:
    """Read every record of the run into documents (records read by an earlier attempt are skipped)."""
    run = runtime.context
    _enter(run, "ingest")
    documents = rejected = 0
    with run.services.session_factory.begin() as session:
        repository = DocumentRepository(session)
        for record in repository.records(run.case_id, state["record_ids"]):
            if repository.has_documents(record.id):
                continue
            result = _read_record(run.services.blob_store, record.blob_key, str(record.id), record.filename)
            rejected += len(result.errors) > 0 and not result.documents
            for position, document in enumerate(result.documents):
                repository.add(_document_row(run.case_id, record.id, position, document))
                documents += 1
        _progress(session, run, "ingest", {"documents": documents, "rejected_files": rejected})
    return {"documents": documents, "rejected_files": rejected}


def _read_record(blob_store: BlobStore, blob_key: str, record_id: str, filename: str) -> Any:
    with tempfile.TemporaryDirectory(prefix="reconsult-run-") as folder:
        path = Path(folder) / "record"
        with path.open("wb") as sink:
            for chunk in blob_store.get(blob_key):
                sink.write(chunk)
        return ingest_file(path, upload_id=record_id, filename=filename)


def _document_row(
    case_id: uuid.UUID, record_id: uuid.UUID, position: int, document: Document
) -> CaseDocument:
    return CaseDocument(
        case_id=case_id,
        record_id=record_id,
        document_key=document.id,
        position=position,
        kind=document.kind,
        status=document.status.value,
        title=document.title,
        text=document.text,
        spans=[span.model_dump() for span in document.spans],
        facts_json=json.dumps([fact.model_dump() for fact in document.facts]),
    )


# --- deidentify -----------------------------------------------------------------------------------------


def deidentify(state: RunState, runtime: Runtime[PipelineRun]) -> dict[str, Any]:
    """Certify every readable document with the case's vault (one vault per case, locked meanwhile)."""
    run = runtime.context
    _enter(run, "deidentify")
    with run.services.session_factory.begin() as session:
        vaults = PhiVaultRepository(session)
        vault = vaults.load_or_create(run.case_id)
        certified = 0
        for row in DocumentRepository(session).for_records(run.case_id, state["record_ids"]):
            if not needs_certifying(row):
                continue
            prepared = prepare_document(stored_document(row), vault, run.services.deidentifier())
            row.certified_text = prepared.certified.text
            row.certified_offsets = [list(triple) for triple in prepared.certified.offsets.to_triples()]
            row.certified_seal = prepared.certified.seal(run.services.seal_key)
            row.source_sha256 = prepared.certified.source_sha256
            row.fact_hints = prepared.facts
            row.deid_engine = ENGINE_VERSION
            certified += 1
        vaults.save(run.case_id, vault)
        _progress(session, run, "deidentify", {"deidentified": certified})
    return {}


def needs_certifying(row: CaseDocument) -> bool:
    """Whether a readable document has no certified text from this de-identification engine: never
    certified, or certified by an earlier engine (its seal names that engine and would no longer verify,
    and the current engine finds more)."""
    readable = row.status == DocumentStatus.OK.value and bool(row.text)
    return readable and (row.certified_text is None or row.deid_engine != ENGINE_VERSION)


def stored_document(row: CaseDocument) -> Document:
    """The records-layer document a stored row holds."""
    return Document(
        id=str(row.id),
        upload_id=str(row.record_id),
        entry="",
        kind=row.kind,
        title=row.title,
        text=row.text,
        spans=[SourceSpan.model_validate(span) for span in row.spans],
        facts=[CodedFact.model_validate(fact) for fact in json.loads(row.facts_json)],
        status=DocumentStatus(row.status),
    )


def prepared_document(row: CaseDocument, seal_key: bytes) -> PreparedDocument:
    """A stored certified document, trusted again through its seal."""
    assert row.certified_text is not None
    assert row.certified_seal is not None
    assert row.source_sha256 is not None
    offsets = [(int(a), int(b), int(c)) for a, b, c in row.certified_offsets or []]
    certified = unseal(seal_key, row.certified_text, row.source_sha256, offsets, row.certified_seal)
    return PreparedDocument(
        document_id=str(row.id),
        kind=row.kind.value,
        certified=certified,
        facts=list(row.fact_hints or []),
        spans=[SourceSpan.model_validate(span) for span in row.spans],
    )


# --- index ----------------------------------------------------------------------------------------------


def index(state: RunState, runtime: Runtime[PipelineRun]) -> dict[str, Any]:
    """Embed each certified document's passages into pgvector (documents indexed earlier are skipped)."""
    run = runtime.context
    _enter(run, "index")
    chunks = 0
    with run.services.session_factory.begin() as session:
        repository = DocumentRepository(session)
        for row in _certified(repository, run, state):
            if repository.chunk_count(row.id):
                continue
            text = row.certified_text or ""
            spans = passages(text, CHUNK_CHARS)
            vectors = run.services.embedder.embed([text[start:end] for start, end in spans])
            repository.replace_chunks(row, [(s, e, v) for (s, e), v in zip(spans, vectors, strict=True)])
            chunks += len(spans)
        _progress(session, run, "index", {"chunks": chunks})
    return {"chunks": chunks}


def _certified(repository: DocumentRepository, run: PipelineRun, state: RunState) -> list[CaseDocument]:
    rows = repository.for_records(run.case_id, state["record_ids"])
    return [row for row in rows if row.certified_text is not None]


# --- summarize ------------------------------------------------------------------------------------------


class DatabaseSummary:
    """The summarize stage's context over the database: units from certified documents, extractions and
    the summary stored per run."""

    def __init__(self, services: PipelineServices, run_id: uuid.UUID, case_id: uuid.UUID) -> None:
        self.services = services
        self.run_id = run_id
        self.case_id = case_id
        self._documents: list[PreparedDocument] | None = None
        self._units: dict[str, Unit] | None = None

    def unit_ids(self) -> list[str]:
        """Every unit of the run's certified documents."""
        units = self._load_units()
        with self.services.session_factory.begin() as session:
            RunRepository(session).record_step(self.run_id, "summarize", {"units": len(units)})
        return list(units)

    def extract(self, unit_id: str) -> None:
        """Extract a unit unless an earlier attempt stored it."""
        with self.services.session_factory() as session:
            if SummaryRepository(session).extraction(self.run_id, unit_id) is not None:
                return
        result = extract_unit(self.services.gateway, self._load_units()[unit_id], str(self.case_id))
        with self.services.session_factory.begin() as session:
            SummaryRepository(session).save_extraction(self.run_id, unit_id, result.model_dump(mode="json"))

    def assemble(self, unit_ids: list[str]) -> None:
        """Build and store the run's one summary."""
        with self.services.session_factory.begin() as session:
            repository = SummaryRepository(session)
            if repository.count_for_run(self.run_id):
                return
            stored = repository.extractions(self.run_id, unit_ids)
            extractions = [UnitExtraction.model_validate(stored[unit_id]) for unit_id in unit_ids]
            summary, narrative = assemble(
                self._load_documents(), extractions, self.services.gateway, str(self.case_id)
            )
            run = RunRepository(session).get(self.run_id)
            assert run is not None
            provenance = [e.provenance.model_dump() for e in extractions] + [
                p.model_dump() for p in narrative
            ]
            repository.save_summary(
                CaseSummaryRow(
                    run_id=self.run_id,
                    case_id=self.case_id,
                    summary=summary.model_dump(mode="json"),
                    provenance=provenance,
                    pipeline_version=PIPELINE_VERSION,
                    input_hash=run.input_hash,
                )
            )
            RunRepository(session).record_step(
                self.run_id, "summarize", {"summary_items": _item_count(summary)}
            )

    def opening_units(self, documents: int) -> list[Unit]:
        """The first unit of each of the first ``documents`` documents (the units summarised already)."""
        units = self._load_units()
        return [units[unit_id(document.document_id, 0)] for document in self._load_documents()[:documents]]

    def documents(self) -> list[PreparedDocument]:
        """The run's certified documents, in record order."""
        return self._load_documents()

    def _load_documents(self) -> list[PreparedDocument]:
        if self._documents is None:
            with self.services.session_factory() as session:
                run = RunRepository(session).get(self.run_id)
                assert run is not None
                rows = DocumentRepository(session).for_records(self.case_id, run.record_ids)
                self._documents = [
                    prepared_document(row, self.services.seal_key)
                    for row in rows
                    if row.certified_text is not None
                ]
        return self._documents

    def _load_units(self) -> dict[str, Unit]:
        if self._units is None:
            self._units = units_by_id(self._load_documents(), self.services.unit_chars)
        return self._units


def _item_count(summary: Any) -> int:
    return sum(
        len(getattr(summary, name))
        for name in ("conditions", "medications", "allergies", "labs", "procedures")
    )


def _enter(run: PipelineRun, step: str) -> None:
    """Record the step a run is entering (committed at once, so a failure names where it happened)."""
    with run.services.session_factory.begin() as session:
        RunRepository(session).record_step(run.run_id, step, {})


def _progress(session: Session, run: PipelineRun, step: str, progress: dict[str, Any]) -> None:
    RunRepository(session).record_step(run.run_id, step, progress)


# --- triage ---------------------------------------------------------------------------------------------

TRIAGE_DOCUMENTS = 8  # the first unit of each of at most this many documents: a bounded triage prompt


def triage_stage(state: RunState, runtime: Runtime[PipelineRun]) -> dict[str, Any]:
    """Suggest urgency and subspecialty from the case's certified documents (their opening units)."""
    from triage.service import triage
    from triage.taxonomy import subspecialties

    run = runtime.context
    _enter(run, "triage")
    source = run.source
    assert isinstance(source, DatabaseSummary)
    texts = {
        f"d{index + 1}": unit.certified for index, unit in enumerate(source.opening_units(TRIAGE_DOCUMENTS))
    }
    with run.services.session_factory() as session:
        case = session.get(Case, run.case_id)
        requested = case.requested_specialty if case is not None else None
    hint = requested if requested in subspecialties() else None
    result = triage(run.services.gateway, texts, hint, str(run.case_id))
    output = result.output
    with run.services.session_factory.begin() as session:
        RoutingRepository(session).save_suggestion(
            TriageSuggestionRow(
                run_id=run.run_id,
                case_id=run.case_id,
                urgency=Urgency(output.urgency.level),
                needs_review=output.urgency.needs_review,
                subspecialty=output.subspecialties[0].name if output.subspecialties else "internal_medicine",
                output=output.model_dump(mode="json"),
                provenance=result.provenance.model_dump(),
            )
        )
        _progress(session, run, "triage", {"urgency": output.urgency.level})
    return {}


# --- discrepancy ----------------------------------------------------------------------------------------


def discrepancy_stage(state: RunState, runtime: Runtime[PipelineRun]) -> dict[str, Any]:
    """Check the submitted diagnosis against the case's certified documents (beside triage)."""
    from discrepancy.service import check_discrepancies

    run = runtime.context
    _enter(run, "discrepancy")
    with run.services.session_factory() as session:
        if DiscrepancyRepository(session).for_run(run.run_id) is not None:
            return {}
    diagnosis, question = _certified_intake(run)
    documents = _checked_documents(run)
    result = check_discrepancies(run.services.gateway, diagnosis, documents, question, str(run.case_id))
    with run.services.session_factory.begin() as session:
        DiscrepancyRepository(session).save(
            DiscrepancyReportRow(
                run_id=run.run_id,
                case_id=run.case_id,
                report=result.report.model_dump(mode="json"),
                flag_count=len(result.report.flags),
                provenance=result.provenance.model_dump(),
            )
        )
        _progress(session, run, "discrepancy", {"flags": len(result.report.flags)})
    return {}


def _checked_documents(run: PipelineRun) -> list[Any]:
    """The run's certified documents as the discrepancy check and the drafter read them."""
    from discrepancy.service import CheckedText

    source = run.source
    assert isinstance(source, DatabaseSummary)
    return [CheckedText.of(document) for document in source.documents()]


def _certified_intake(run: PipelineRun) -> tuple[Any, Any]:
    """The case's submitted diagnosis and question, certified with the case's vault."""
    from discrepancy.service import DIAGNOSIS_SOURCE, QUESTION_SOURCE, CheckedText

    with run.services.session_factory.begin() as session:
        case = session.get(Case, run.case_id)
        assert case is not None
        vaults = PhiVaultRepository(session)
        vault = vaults.load_or_create(run.case_id)
        deidentifier = run.services.deidentifier()
        diagnosis = CheckedText(DIAGNOSIS_SOURCE, certify(case.referring_diagnosis, vault, deidentifier))
        question = CheckedText(QUESTION_SOURCE, certify(case.question, vault, deidentifier))
        vaults.save(run.case_id, vault)
    return diagnosis, question


# --- draft ----------------------------------------------------------------------------------------------


def draft_stage(state: RunState, runtime: Runtime[PipelineRun]) -> dict[str, Any]:
    """Write the AI draft of the opinion on the template of the case's subspecialty (ops' decision if they
    have triaged the case, else the run's triage suggestion), from the summary and the discrepancy flags."""
    from discrepancy.schemas import DiscrepancyReport
    from drafting.service import DraftSources, draft_opinion
    from prompts.opinion_templates import template_for
    from summarizer.schemas import CaseSummary

    run = runtime.context
    _enter(run, "draft")
    with run.services.session_factory() as session:
        if DraftRepository(session).for_run(run.run_id) is not None:
            return {}
        summary = SummaryRepository(session).for_run(run.run_id)
        report = DiscrepancyRepository(session).for_run(run.run_id)
        subspecialty = _routed_subspecialty(session, run)
    assert summary is not None
    assert report is not None
    diagnosis, question = _certified_intake(run)
    statements = _StatementCertifier(run)
    sources = DraftSources(
        summary=CaseSummary.model_validate(summary.summary),
        report=DiscrepancyReport.model_validate(report.report),
        documents=_checked_documents(run),
        diagnosis=diagnosis,
        question=question,
        certify_statement=statements.certify,
    )
    template = template_for(subspecialty)
    result = draft_opinion(run.services.gateway, template, sources, str(run.case_id))
    statements.save()
    with run.services.session_factory.begin() as session:
        DraftRepository(session).save(
            OpinionDraftRow(
                run_id=run.run_id,
                case_id=run.case_id,
                template=template.family,
                template_version=template.version,
                draft=result.draft.model_dump(mode="json"),
                provenance=result.provenance.model_dump(),
            )
        )
        _progress(
            session, run, "draft", {"template": template.family, "draft_sections": len(result.draft.sections)}
        )
    return {}


def _routed_subspecialty(session: Session, run: PipelineRun) -> str | None:
    """Ops' subspecialty for the case when they have triaged it, else the run's own suggestion."""
    case = session.get(Case, run.case_id)
    if case is not None and case.subspecialty:
        return case.subspecialty
    suggestion = RoutingRepository(session).latest_suggestion(run.case_id)
    return suggestion.subspecialty if suggestion is not None else None


class _StatementCertifier:
    """Certifies generated statements (item texts, flag reasons) with the case's vault, saved once at the end:
    they hold surrogates already, so the vault rarely grows, but it must not lose what it learns."""

    def __init__(self, run: PipelineRun) -> None:
        self.run = run
        with run.services.session_factory() as session:
            vault = PhiVaultRepository(session).get(run.case_id)
        assert vault is not None
        self.vault = vault
        self.deidentifier = run.services.deidentifier()

    def certify(self, text: str) -> Any:
        return certify(text, self.vault, self.deidentifier)

    def save(self) -> None:
        with self.run.services.session_factory.begin() as session:
            vaults = PhiVaultRepository(session)
            vaults.load_or_create(self.run.case_id)  # takes the vault's lock
            vaults.save(self.run.case_id, self.vault)


# --- sign-off and finalize ------------------------------------------------------------------------------


def await_signoff(state: RunState, runtime: Runtime[PipelineRun]) -> dict[str, Any]:
    """Pause until the assigned specialist signs: the API stores the signature, then the run resumes here
    with the signed opinion's id (ids only: no text in the checkpoint)."""
    from langgraph.types import interrupt

    run = runtime.context
    _enter(run, "await_signoff")
    with run.services.session_factory() as session:
        draft = DraftRepository(session).for_run(run.run_id)
    answer = interrupt({"draft_id": str(draft.id) if draft else None})
    return {"signed_opinion_id": str(answer["signed_opinion_id"])}


def finalize(state: RunState, runtime: Runtime[PipelineRun]) -> dict[str, Any]:
    """Render the signed opinion to PDF and to a FHIR bundle, encrypted in the blob store (once)."""
    from drafting.export import fhir_bundle, render_pdf

    run = runtime.context
    _enter(run, "finalize")
    signed_id = uuid.UUID(state["signed_opinion_id"])
    with run.services.session_factory() as session:
        repository = OpinionRepository(session)
        signed = repository.signed_by_id(signed_id)
        assert signed is not None
        if repository.export(signed_id) is not None:
            return {}
        content, sha256, case_id = json.loads(signed.content), signed.content_sha256, signed.case_id
    pdf = render_pdf(content, sha256)
    bundle = json.dumps(fhir_bundle(content, sha256, pdf, str(signed_id))).encode()
    keys = {"pdf": uuid.uuid4().hex, "fhir": uuid.uuid4().hex}
    run.services.blob_store.put(keys["pdf"], [pdf])
    run.services.blob_store.put(keys["fhir"], [bundle])
    with run.services.session_factory.begin() as session:
        OpinionRepository(session).save_export(
            OpinionExport(
                signed_opinion_id=signed_id,
                case_id=case_id,
                pdf_blob_key=keys["pdf"],
                fhir_blob_key=keys["fhir"],
            )
        )
        _progress(session, run, "finalize", {"exported": True})
    return {}
