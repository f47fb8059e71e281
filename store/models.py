"""SQLAlchemy models. The schema itself is created only by the Alembic migrations in ``store/migrations``."""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum
from typing import Any

from pgvector.sqlalchemy import Vector
from sqlalchemy import (
    BigInteger,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from records.kinds import RecordKind
from store.case_status import CaseStatus
from store.types import EncryptedDate, EncryptedText

# all-MiniLM-L6-v2 (llm.embeddings); store may not import llm, and the migration fixes the width anyway.
EMBEDDING_DIMENSIONS = 384

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def _enum(enum_class: type[StrEnum], name: str) -> Enum:
    """A PostgreSQL enum storing the members' values (not their Python names)."""
    return Enum(enum_class, name=name, values_callable=lambda members: [member.value for member in members])


def _now_column() -> Mapped[dt.datetime]:
    return mapped_column(DateTime(timezone=True), server_default=func.now())


class Base(DeclarativeBase):
    """Declarative base with a stable constraint naming convention for migrations."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Role(StrEnum):
    """What a user may do; see the access rules in ``store.scoping``."""

    ADMIN = "admin"
    OPS = "ops"
    SPECIALIST = "specialist"
    QA = "qa"


class CaseSource(StrEnum):
    """Who submitted the case."""

    PATIENT = "patient"
    REFERRING_PROVIDER = "referring_provider"
    EMPLOYER_PLAN = "employer_plan"


class Sex(StrEnum):
    """Sex recorded for the patient."""

    FEMALE = "female"
    MALE = "male"
    OTHER = "other"
    UNKNOWN = "unknown"


class Urgency(StrEnum):
    """How soon an opinion is needed; set by triage."""

    EMERGENT = "emergent"
    URGENT = "urgent"
    ROUTINE = "routine"


class ConsentScope(StrEnum):
    """What a consent permits."""

    RECORD_RELEASE = "record_release"
    SPECIALIST_REVIEW = "specialist_review"
    EXTERNAL_MODEL_PROCESSING = "external_model_processing"


class GrantorRelationship(StrEnum):
    """Who granted a consent, relative to the patient."""

    PATIENT = "patient"
    PARENT_OR_GUARDIAN = "parent_or_guardian"
    LEGAL_REPRESENTATIVE = "legal_representative"


class User(Base):
    """A staff account: admin, ops, specialist or QA."""

    __tablename__ = "users"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(_enum(Role, "user_role"))
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = _now_column()
    password_changed_at: Mapped[dt.datetime] = _now_column()

    specialist_profile: Mapped[SpecialistProfile | None] = relationship(back_populates="user", lazy="raise")


class SpecialistProfile(Base):
    """A specialist's routing and credential data."""

    __tablename__ = "specialist_profiles"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    credentials: Mapped[str] = mapped_column(String(100), default="")
    subspecialties: Mapped[list[str]] = mapped_column(ARRAY(String(100)), default=list)
    malpractice_expires_on: Mapped[dt.date | None] = mapped_column(Date)
    weekly_capacity: Mapped[int] = mapped_column(Integer, default=5)
    active: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )

    user: Mapped[User] = relationship(back_populates="specialist_profile", lazy="raise")
    licenses: Mapped[list[StateLicense]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="StateLicense.state"
    )
    certifications: Mapped[list[BoardCertification]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="BoardCertification.board"
    )


class StateLicense(Base):
    """A state medical licence held by a specialist."""

    __tablename__ = "state_licenses"
    __table_args__ = (UniqueConstraint("specialist_id", "state"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    specialist_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("specialist_profiles.user_id", ondelete="CASCADE"), index=True
    )
    state: Mapped[str] = mapped_column(String(2))
    number: Mapped[str] = mapped_column(String(50))
    expires_on: Mapped[dt.date] = mapped_column(Date)


class BoardCertification(Base):
    """A board certification held by a specialist."""

    __tablename__ = "board_certifications"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    specialist_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("specialist_profiles.user_id", ondelete="CASCADE"), index=True
    )
    board: Mapped[str] = mapped_column(String(200))
    specialty: Mapped[str] = mapped_column(String(200))
    expires_on: Mapped[dt.date | None] = mapped_column(Date)


class Case(Base):
    """A second-opinion case. Demographics and free clinical text are encrypted at column level."""

    __tablename__ = "cases"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    status: Mapped[CaseStatus] = mapped_column(_enum(CaseStatus, "case_status"), index=True)
    source: Mapped[CaseSource] = mapped_column(_enum(CaseSource, "case_source"))
    patient_name: Mapped[str] = mapped_column(EncryptedText("cases.patient_name"))
    patient_birth_date: Mapped[dt.date] = mapped_column(EncryptedDate("cases.patient_birth_date"))
    patient_sex: Mapped[str] = mapped_column(EncryptedText("cases.patient_sex"))
    patient_state: Mapped[str] = mapped_column(EncryptedText("cases.patient_state"))
    referring_diagnosis: Mapped[str] = mapped_column(EncryptedText("cases.referring_diagnosis"))
    referring_icd10: Mapped[str | None] = mapped_column(String(8))
    question: Mapped[str] = mapped_column(EncryptedText("cases.question"))
    requested_specialty: Mapped[str | None] = mapped_column(String(100))
    urgency: Mapped[Urgency | None] = mapped_column(_enum(Urgency, "urgency"))
    subspecialty: Mapped[str | None] = mapped_column(String(100))
    assigned_specialist_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), index=True)
    due_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    created_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = _now_column()
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
    status_changed_at: Mapped[dt.datetime] = _now_column()


class CaseEvent(Base):
    """One entry of a case's timeline. ``detail`` holds ids and enums only, never PHI."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    occurred_at: Mapped[dt.datetime] = _now_column()
    kind: Mapped[str] = mapped_column(String(50))
    from_status: Mapped[CaseStatus | None] = mapped_column(_enum(CaseStatus, "case_status"))
    to_status: Mapped[CaseStatus | None] = mapped_column(_enum(CaseStatus, "case_status"))
    actor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    detail: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)


class Consent(Base):
    """A consent granted for a case, in one scope; revocable."""

    __tablename__ = "consents"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    scope: Mapped[ConsentScope] = mapped_column(_enum(ConsentScope, "consent_scope"))
    granted_by_name: Mapped[str] = mapped_column(EncryptedText("consents.granted_by_name"))
    grantor_relationship: Mapped[GrantorRelationship] = mapped_column(
        _enum(GrantorRelationship, "grantor_relationship")
    )
    text_version: Mapped[str] = mapped_column(String(50))
    granted_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    recorded_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[dt.datetime] = _now_column()
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))


class Record(Base):
    """An uploaded record file; its bytes are sealed in the blob store under ``blob_key``."""

    __tablename__ = "records"
    __table_args__ = (UniqueConstraint("case_id", "sha256"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[RecordKind] = mapped_column(_enum(RecordKind, "record_kind"))
    media_type: Mapped[str] = mapped_column(String(100))
    filename: Mapped[str] = mapped_column(EncryptedText("records.filename"))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    blob_key: Mapped[str] = mapped_column(String(100), unique=True)
    uploaded_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[dt.datetime] = _now_column()


class PhiVaultRow(Base):
    """A case's surrogate map (``records.vault.PhiVault`` as JSON), encrypted like every PHI column."""

    __tablename__ = "phi_vaults"

    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    sealed_json: Mapped[str] = mapped_column(EncryptedText("phi_vaults.sealed_json"))
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class AuditEvent(Base):
    """One link of the append-only, hash-chained audit log. The database refuses UPDATE and DELETE.

    No foreign keys: the log must outlive whatever it mentions.
    """

    __tablename__ = "audit_events"
    # Sign-in throttling counts an e-mail's recent failures on every attempt (review_api.auth.throttle).
    __table_args__ = (
        Index(
            "ix_audit_events_failed_sign_ins",
            "resource_id",
            "occurred_at",
            postgresql_where=text("action = 'auth.sign_in.failed'"),
        ),
    )

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    occurred_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    actor_id: Mapped[uuid.UUID | None] = mapped_column()
    actor_role: Mapped[str | None] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(80))
    resource_type: Mapped[str] = mapped_column(String(50))
    resource_id: Mapped[str | None] = mapped_column(String(100))
    case_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    request_id: Mapped[str | None] = mapped_column(String(100))
    client_address: Mapped[str | None] = mapped_column(String(100))
    outcome: Mapped[str] = mapped_column(String(20))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class RunStatus(StrEnum):
    """Where a pipeline run is."""

    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    AWAITING_SIGNOFF = "awaiting_signoff"  # paused at the sign-off interrupt until a specialist signs


class PipelineRun(Base):
    """One run of the graph over a case's records: a queue entry and its progress.

    A run is identified by its case and the hash of its record set, so asking twice for the same records
    returns the same run. Workers claim queued runs (or runs whose worker stopped sending heartbeats) with
    ``FOR UPDATE SKIP LOCKED``; the LangGraph thread id is the run id.
    """

    __tablename__ = "pipeline_runs"
    __table_args__ = (
        UniqueConstraint("case_id", "input_hash"),
        Index("ix_pipeline_runs_claimable", "status", "created_at"),  # what workers poll
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    input_hash: Mapped[str] = mapped_column(String(64))
    record_ids: Mapped[list[str]] = mapped_column(JSONB)
    status: Mapped[RunStatus] = mapped_column(_enum(RunStatus, "run_status"), default=RunStatus.QUEUED)
    step: Mapped[str | None] = mapped_column(String(40))
    progress: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    worker_id: Mapped[str | None] = mapped_column(String(100))
    heartbeat_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    failure_reason: Mapped[str | None] = mapped_column(String(300))
    pipeline_version: Mapped[str] = mapped_column(String(20))
    requested_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = _now_column()
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    # The sign-off interrupt the run paused at, and the value (ids only) to resume it with once signed.
    interrupt_id: Mapped[str | None] = mapped_column(String(100))
    resume_value: Mapped[dict[str, Any] | None] = mapped_column(JSONB)


class CaseDocument(Base):
    """A document read from a record: its original text (PHI, encrypted) and, once de-identified, the
    certified text the models see with its offset map and seal."""

    __tablename__ = "case_documents"
    __table_args__ = (UniqueConstraint("case_id", "document_key"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    record_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"), index=True)
    document_key: Mapped[str] = mapped_column(String(300))
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[RecordKind] = mapped_column(_enum(RecordKind, "record_kind"))
    status: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(EncryptedText("case_documents.title"))
    text: Mapped[str] = mapped_column(EncryptedText("case_documents.text"))
    spans: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    facts_json: Mapped[str] = mapped_column(EncryptedText("case_documents.facts_json"))
    certified_text: Mapped[str | None] = mapped_column(EncryptedText("case_documents.certified_text"))
    certified_offsets: Mapped[list[list[int]] | None] = mapped_column(JSONB)
    certified_seal: Mapped[str | None] = mapped_column(String(64))
    source_sha256: Mapped[str | None] = mapped_column(String(64))
    fact_hints: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONB)
    deid_engine: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[dt.datetime] = _now_column()


class DocumentChunk(Base):
    """A passage of a de-identified document and its embedding, for retrieval within a case."""

    __tablename__ = "document_chunks"
    __table_args__ = (
        UniqueConstraint("document_id", "position"),
        Index(
            "ix_document_chunks_embedding",
            "embedding",
            postgresql_using="hnsw",
            postgresql_with={"m": 16, "ef_construction": 64},
            postgresql_ops={"embedding": "vector_cosine_ops"},
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    document_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("case_documents.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[RecordKind] = mapped_column(_enum(RecordKind, "record_kind"))
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    embedding: Mapped[list[float]] = mapped_column(Vector(EMBEDDING_DIMENSIONS))


class UnitExtractionRow(Base):
    """One unit's extraction in a run (de-identified content), kept so a resumed run does not redo it."""

    __tablename__ = "unit_extractions"

    run_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("pipeline_runs.id", ondelete="CASCADE"), primary_key=True
    )
    unit_id: Mapped[str] = mapped_column(String(400), primary_key=True)
    extraction: Mapped[dict[str, Any]] = mapped_column(JSONB)
    created_at: Mapped[dt.datetime] = _now_column()


class CaseSummaryRow(Base):
    """The grounded summary a run produced (de-identified: surrogates, re-identified when read), with the
    provenance of every model call behind it. One per run."""

    __tablename__ = "case_summaries"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    run_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("pipeline_runs.id", ondelete="CASCADE"), unique=True)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    summary: Mapped[dict[str, Any]] = mapped_column(JSONB)
    provenance: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    pipeline_version: Mapped[str] = mapped_column(String(20))
    input_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = _now_column()


class TriageSuggestionRow(Base):
    """The triage a run suggested for its case (de-identified content), one per run."""

    __tablename__ = "triage_suggestions"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    run_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("pipeline_runs.id", ondelete="CASCADE"), unique=True)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    urgency: Mapped[Urgency] = mapped_column(_enum(Urgency, "urgency"))
    needs_review: Mapped[bool] = mapped_column()
    subspecialty: Mapped[str] = mapped_column(String(100))
    output: Mapped[dict[str, Any]] = mapped_column(JSONB)
    provenance: Mapped[dict[str, Any]] = mapped_column(JSONB)
    created_at: Mapped[dt.datetime] = _now_column()


class DiscrepancyReportRow(Base):
    """The discrepancy flags a run raised (de-identified quotes resolved to spans of the original texts), with
    the provenance of the model call. One per run."""

    __tablename__ = "discrepancy_reports"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    run_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("pipeline_runs.id", ondelete="CASCADE"), unique=True)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    report: Mapped[dict[str, Any]] = mapped_column(JSONB)
    flag_count: Mapped[int] = mapped_column()
    provenance: Mapped[dict[str, Any]] = mapped_column(JSONB)
    created_at: Mapped[dt.datetime] = _now_column()


class OpinionDraftRow(Base):
    """The AI draft of a case's opinion a run wrote (de-identified, re-identified when read), on the template
    version it names, with the provenance of the model call. One per run; the specialist's edits are
    versions of their own."""

    __tablename__ = "opinion_drafts"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    run_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("pipeline_runs.id", ondelete="CASCADE"), unique=True)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    template: Mapped[str] = mapped_column(String(50))
    template_version: Mapped[int] = mapped_column()
    draft: Mapped[dict[str, Any]] = mapped_column(JSONB)
    provenance: Mapped[dict[str, Any]] = mapped_column(JSONB)
    created_at: Mapped[dt.datetime] = _now_column()


class RoutingDecision(Base):
    """What ops decided against what was suggested; overrides (with their reason) are labelled examples for
    QA and retraining."""

    __tablename__ = "routing_decisions"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    suggestion_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("triage_suggestions.id"))
    decided_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    overridden: Mapped[bool] = mapped_column()
    urgency: Mapped[Urgency] = mapped_column(_enum(Urgency, "urgency"))
    subspecialty: Mapped[str] = mapped_column(String(100))
    specialist_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    override_reason: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[dt.datetime] = _now_column()


class OpinionVersion(Base):
    """One saved state of a case's opinion: version 1 is the AI draft as the specialist first saw it,
    every save after it a new version. The sections hold the specialist's text (PHI, encrypted)."""

    __tablename__ = "opinion_versions"
    __table_args__ = (UniqueConstraint("case_id", "number"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column()
    draft_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("opinion_drafts.id"))
    sections_json: Mapped[str] = mapped_column(EncryptedText("opinion_versions.sections_json"))
    author_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = _now_column()


class _Signature:
    """What every signature row shows: the hash of its canonical content, who signed (printed name and
    credentials as they were), what the signature means, and when."""

    content_sha256: Mapped[str] = mapped_column(String(64))
    signer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    printed_name: Mapped[str] = mapped_column(String(200))
    credentials: Mapped[str] = mapped_column(String(100))
    meaning: Mapped[str] = mapped_column(String(300))
    signed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class SignedOpinion(_Signature, Base):
    """A signed opinion: the canonical content, its SHA-256, and what the signature shows. Immutable in the
    database (a trigger refuses UPDATE and DELETE); corrections are signed addenda."""

    __tablename__ = "signed_opinions"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id"), unique=True)
    version_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("opinion_versions.id"))
    content: Mapped[str] = mapped_column(EncryptedText("signed_opinions.content"))


class OpinionAddendum(_Signature, Base):
    """A signed correction to a signed opinion; immutable like it."""

    __tablename__ = "opinion_addenda"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    signed_opinion_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("signed_opinions.id"), index=True)
    content: Mapped[str] = mapped_column(EncryptedText("opinion_addenda.content"))


class OpinionExport(Base):
    """The signed opinion rendered by the pipeline's finalize node: a PDF and a FHIR R4 bundle
    (DiagnosticReport and the signature's Provenance), both encrypted in the blob store."""

    __tablename__ = "opinion_exports"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    signed_opinion_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("signed_opinions.id"), unique=True)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    pdf_blob_key: Mapped[str] = mapped_column(String(64))
    fhir_blob_key: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = _now_column()


class SignoffSignal(Base):
    """What the specialist changed, for QA: edit distance per section between the AI draft and the signed
    text, the share of sections changed, and the time from assignment to signature. No PHI."""

    __tablename__ = "signoff_signals"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    signed_opinion_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("signed_opinions.id"), unique=True)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    template: Mapped[str] = mapped_column(String(50))
    template_version: Mapped[int] = mapped_column()
    section_edit_distance: Mapped[dict[str, Any]] = mapped_column(JSONB)
    sections_changed_share: Mapped[float] = mapped_column()
    seconds_to_signature: Mapped[int | None] = mapped_column()
    created_at: Mapped[dt.datetime] = _now_column()


class EvalRun(Base):
    """An eval run QA can list and open: what was measured with what (model, prompt and template versions,
    dataset digests), its metrics and its self-contained HTML report (synthetic or public data only)."""

    __tablename__ = "eval_runs"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    model: Mapped[str] = mapped_column(String(200))
    split: Mapped[str] = mapped_column(String(10))
    suites: Mapped[list[str]] = mapped_column(JSONB)
    prompt_versions: Mapped[dict[str, Any]] = mapped_column(JSONB)
    dataset_digests: Mapped[dict[str, str]] = mapped_column(JSONB)
    metrics: Mapped[dict[str, Any]] = mapped_column(JSONB)
    report_html: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = _now_column()


class WebSession(Base):
    """A signed-in browser: the cookie holds a random token, this row its SHA-256 (a database reader cannot
    hijack a session), when it expires (absolute), when it was last used (idle expiry) and when it ended."""

    __tablename__ = "web_sessions"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = _now_column()
    last_seen_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
