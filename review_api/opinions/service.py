"""The opinion from AI draft to signature: reading the draft by role, versions with optimistic concurrency,
diffs, the signature with every check the invariants ask for, addenda, and the rendered outputs.

Version 1 is the AI draft, re-identified, made when the assigned specialist first opens the opinion. Every
save makes the next version; a save must name the version it edits (``If-Match``), and a stale one gets 412
naming the current version (its text is read with GET: problem responses carry no PHI). Signing stores
the signature first (immutable in the database), then queues the paused pipeline run to resume at its
sign-off interrupt, whose finalize node renders the PDF and FHIR.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from drafting.diff import edit_distance, same_text, section_diffs
from drafting.export import content_sha256, utc_timestamp
from drafting.schemas import OpinionDraft
from prompts.opinion_templates import load_opinion_template
from review_api import auditing
from review_api.cases.service import get_case, transition
from review_api.opinions.schemas import (
    AddendumPublic,
    DiffPublic,
    DraftPublic,
    OpinionPublic,
    OpinionSection,
    SectionEdit,
    SignaturePublic,
    SignedOpinionPublic,
    SignRequest,
    VersionPublic,
)
from review_api.runs.service import require_clinical_reader
from review_api.security import verify_password
from review_api.specialists.service import credential_problems
from store.blobs import BlobStore
from store.case_status import CaseStatus
from store.errors import Conflict, Forbidden, NotFound, PreconditionFailed, Unprocessable
from store.models import (
    Case,
    CaseEvent,
    OpinionAddendum,
    OpinionDraftRow,
    OpinionVersion,
    PipelineRun,
    Role,
    RunStatus,
    SignedOpinion,
    SignoffSignal,
    SpecialistProfile,
    User,
)
from store.principal import Principal
from store.repositories.drafts import DraftRepository
from store.repositories.opinions import OpinionRepository
from store.repositories.users import SpecialistRepository
from store.repositories.vaults import PhiVaultRepository

SIGNABLE_STATUSES = (CaseStatus.ASSIGNED, CaseStatus.IN_REVIEW)


# --- the AI draft ---------------------------------------------------------------------------------------


def read_draft(session: Session, principal: Principal, case_id: uuid.UUID) -> DraftPublic:
    """The case's latest AI draft; every read is audited."""
    require_clinical_reader(principal)
    get_case(session, principal, case_id)
    row = DraftRepository(session).latest_for_case(case_id)
    if row is None:
        raise NotFound("the case has no draft yet")
    draft = OpinionDraft.model_validate(row.draft)
    view = "deidentified"
    if principal.role is Role.SPECIALIST:
        draft, view = _reidentified(session, case_id, draft), "reidentified"
    auditing.record(session, f"draft.read.{view}", "opinion_draft", resource_id=row.id, case_id=case_id)
    return DraftPublic(
        run_id=row.run_id,
        view=view,
        template=row.template,
        template_version=row.template_version,
        assessment=draft.assessment,
        sections=draft.sections,
        dropped_by_citation_check=draft.dropped,
        provenance=row.provenance,
        created_at=row.created_at,
    )


def _reidentified(session: Session, case_id: uuid.UUID, draft: OpinionDraft) -> OpinionDraft:
    vault = PhiVaultRepository(session).get(case_id)
    if vault is None:
        return draft
    copy = draft.model_copy(deep=True)
    for section in copy.sections:
        for sentence in section.sentences:
            sentence.text = vault.reidentify(sentence.text)
    return copy


# --- versions -------------------------------------------------------------------------------------------


def read_opinion(session: Session, principal: Principal, case_id: uuid.UUID) -> OpinionPublic:
    """The current version; the first read makes version 1 from the AI draft."""
    case = _own_case(session, principal, case_id)
    version = _current_version(session, case)
    auditing.record(session, "opinion.read", "opinion_version", resource_id=version.id, case_id=case_id)
    return _present(session, case, version)


def edit_section(
    session: Session,
    principal: Principal,
    case_id: uuid.UUID,
    section_id: str,
    edit: SectionEdit,
    if_match: str | None,
) -> OpinionPublic:
    """Save a section as a new version, if ``if_match`` names the current one."""
    case = _own_case(session, principal, case_id, for_update=True)
    _require_open(session, case)
    current = _current_version(session, case)
    if if_match is None:
        raise PreconditionFailed("send If-Match with the version you edited", current_version=current.number)
    if _etag_number(if_match) != current.number:
        raise PreconditionFailed(
            "the opinion changed since you opened it: reload, merge and save again",
            current_version=current.number,  # the number only: a problem response carries no PHI
        )
    sections = _sections(current)
    section = next((s for s in sections if s.id == section_id), None)
    if section is None:
        raise NotFound("no such section in this opinion")
    if edit.text is None and not edit.confirm:
        raise Unprocessable("nothing to save", errors=[{"field": "text", "reason": "give text, or confirm"}])
    if edit.text is not None and not same_text(edit.text, section.text):
        section.text, section.status = edit.text, "edited"
    elif section.status == "ai_draft":
        section.status = "confirmed"
    version = _save(session, case, current, sections, principal.user_id)
    if case.status is CaseStatus.ASSIGNED:
        transition(session, principal, case, CaseStatus.IN_REVIEW, reason="first edit")
    auditing.record(
        session, "opinion.section.saved", "opinion_version", resource_id=version.id, case_id=case_id
    )
    return _present(session, case, version)


def list_versions(session: Session, principal: Principal, case_id: uuid.UUID) -> list[VersionPublic]:
    """Every version with the sections it changed."""
    case = _own_case(session, principal, case_id)
    versions = OpinionRepository(session).versions(case.id)
    result: list[VersionPublic] = []
    previous: dict[str, str] | None = None
    for version in versions:
        texts = _texts(version)
        changed: list[str] = sorted(section_diffs(previous, texts)) if previous is not None else []
        result.append(
            VersionPublic(
                number=version.number,
                author_id=version.author_id,
                created_at=version.created_at,
                changed_sections=changed,
            )
        )
        previous = texts
    auditing.record(session, "opinion.versions.read", "opinion_version", case_id=case_id)
    return result


def diff_versions(
    session: Session, principal: Principal, case_id: uuid.UUID, first: int, second: int
) -> DiffPublic:
    """Unified diffs of the sections that differ between two versions."""
    case = _own_case(session, principal, case_id)
    repository = OpinionRepository(session)
    before, after = repository.version(case.id, first), repository.version(case.id, second)
    if before is None or after is None:
        raise NotFound("no such version")
    auditing.record(session, "opinion.diff.read", "opinion_version", resource_id=after.id, case_id=case_id)
    return DiffPublic(
        from_version=first, to_version=second, sections=section_diffs(_texts(before), _texts(after))
    )


def _own_case(
    session: Session, principal: Principal, case_id: uuid.UUID, *, for_update: bool = False
) -> Case:
    """The case, for the specialist assigned to it (anyone else: 403 by role, 404 by case)."""
    if principal.role is not Role.SPECIALIST:
        raise Forbidden("the opinion is written and signed by the assigned specialist")
    case = get_case(session, principal, case_id, for_update=for_update)
    if case.assigned_specialist_id != principal.user_id:
        raise NotFound("case not found")
    return case


def _require_open(session: Session, case: Case) -> None:
    if OpinionRepository(session).signed(case.id) is not None:
        raise Conflict("the opinion is signed; corrections are signed addenda")
    if case.status not in SIGNABLE_STATUSES:
        raise Conflict(f"a {case.status.value} case has no opinion to edit", current_status=case.status.value)


def _current_version(session: Session, case: Case) -> OpinionVersion:
    repository = OpinionRepository(session)
    current = repository.latest(case.id)
    if current is not None:
        return current
    row = DraftRepository(session).latest_for_case(case.id)
    if row is None:
        raise NotFound("the case has no draft yet")
    draft = _reidentified(session, case.id, OpinionDraft.model_validate(row.draft))
    sections = [
        OpinionSection(
            id=section.id,
            title=section.title,
            required=section.required,
            status="ai_draft",
            text=section.text,
            ai_text=section.text,
        )
        for section in draft.sections
    ]
    version = OpinionVersion(case_id=case.id, number=1, draft_id=row.id, sections_json=_dump(sections))
    repository.add(version)
    return version


def _save(
    session: Session, case: Case, current: OpinionVersion, sections: list[OpinionSection], author: uuid.UUID
) -> OpinionVersion:
    version = OpinionVersion(
        case_id=case.id,
        number=current.number + 1,
        draft_id=current.draft_id,
        sections_json=_dump(sections),
        author_id=author,
    )
    OpinionRepository(session).add(version)
    return version


def _present(session: Session, case: Case, version: OpinionVersion) -> OpinionPublic:
    draft = session.get(OpinionDraftRow, version.draft_id)
    assert draft is not None
    return OpinionPublic(
        version=version.number,
        template=draft.template,
        template_version=draft.template_version,
        sections=_sections(version),
        signed=OpinionRepository(session).signed(case.id) is not None,
    )


def _sections(version: OpinionVersion) -> list[OpinionSection]:
    return [OpinionSection.model_validate(item) for item in json.loads(version.sections_json)]


def _texts(version: OpinionVersion) -> dict[str, str]:
    return {section.id: section.text for section in _sections(version)}


def _dump(sections: list[OpinionSection]) -> str:
    return json.dumps([section.model_dump() for section in sections], ensure_ascii=False)


def etag(number: int) -> str:
    """The ETag of version ``number``."""
    return f'"{number}"'


def _etag_number(value: str) -> int | None:
    tag = value.strip().removeprefix("W/").strip('"')
    return int(tag) if tag.isdigit() else None


# --- signature ------------------------------------------------------------------------------------------


def sign(
    session: Session, principal: Principal, case_id: uuid.UUID, request: SignRequest
) -> SignedOpinionPublic:
    """Sign the current version: the assigned specialist, re-authenticated, with an active licence for the
    patient's state and unexpired credentials, every section reviewed and the text made their own."""
    case = _own_case(session, principal, case_id, for_update=True)
    _require_open(session, case)
    signer, profile = _signer(session, principal, case, request.password)
    version = _current_version(session, case)
    sections = _sections(version)
    unreviewed = [section.title for section in sections if section.status == "ai_draft"]
    if unreviewed:
        raise Conflict("every section must be edited or confirmed before signing", unreviewed=unreviewed)
    if all(same_text(section.text, section.ai_text) for section in sections):
        raise Conflict("the opinion is the AI draft word for word: make it yours before signing")
    signed = _store_signature(session, case, version, sections, signer, profile.credentials, request.meaning)
    transition(session, principal, case, CaseStatus.SIGNED, signed_opinion=str(signed.id))
    _record_signals(session, case, version, sections, signed)
    _resume_run(session, case.id, signed.id)
    auditing.record(session, "opinion.signed", "signed_opinion", resource_id=signed.id, case_id=case_id)
    return _present_signed(session, signed)


def _signer(
    session: Session, principal: Principal, case: Case, password: str
) -> tuple[User, SpecialistProfile]:
    """The re-authenticated signer and their profile, if they may sign for this patient today: an active
    licence for the patient's state, unexpired board certification and malpractice coverage."""
    signer = _reauthenticated(session, principal, password)
    profile = SpecialistRepository(session).get_readable(principal, principal.user_id)
    if profile is None:
        raise Forbidden("you may not sign: no specialist profile", reasons=["no specialist profile"])
    problems = credential_problems(profile, case.patient_state, dt.date.today())
    if problems:
        raise Forbidden("you may not sign for this patient", reasons=problems)
    return signer, profile


def _reauthenticated(session: Session, principal: Principal, password: str) -> User:
    user = session.get(User, principal.user_id)
    if user is None or not verify_password(user.password_hash, password):
        raise Forbidden("re-authentication failed: the password is not right", reasons=["wrong password"])
    return user


def signed_content(
    case: Case,
    version_number: int,
    template: str,
    sections: list[dict[str, str]],
    signer: User,
    credentials: str,
    meaning: str,
    signed_at: dt.datetime,
) -> dict[str, Any]:
    """The canonical content a signature covers."""
    return {
        "case_id": str(case.id),
        "version": version_number,
        "template": template,
        "title": load_opinion_template(template).title,
        "patient": {
            "name": case.patient_name,
            "birth_date": case.patient_birth_date.isoformat(),
            "sex": case.patient_sex,
        },
        "sections": sections,
        "signer": {"id": str(signer.id), "name": signer.full_name, "credentials": credentials},
        "meaning": meaning,
        "signed_at": utc_timestamp(signed_at),
    }


def _store_signature(
    session: Session,
    case: Case,
    version: OpinionVersion,
    sections: list[OpinionSection],
    signer: User,
    credentials: str,
    meaning: str,
) -> SignedOpinion:
    draft = session.get(OpinionDraftRow, version.draft_id)
    assert draft is not None
    signed_at = dt.datetime.now(dt.UTC).replace(microsecond=0)
    texts = [{"id": s.id, "title": s.title, "text": s.text} for s in sections]
    content = signed_content(
        case, version.number, draft.template, texts, signer, credentials, meaning, signed_at
    )
    signed = SignedOpinion(
        case_id=case.id,
        version_id=version.id,
        content=json.dumps(content, ensure_ascii=False),
        content_sha256=content_sha256(content),
        signer_id=signer.id,
        printed_name=signer.full_name,
        credentials=credentials,
        meaning=meaning,
        signed_at=signed_at,
    )
    OpinionRepository(session).add(signed)
    return signed


def _record_signals(
    session: Session,
    case: Case,
    version: OpinionVersion,
    sections: list[OpinionSection],
    signed: SignedOpinion,
) -> None:
    """Per-section edit distance, the share of sections changed, and the time from assignment to signature."""
    draft = session.get(OpinionDraftRow, version.draft_id)
    assert draft is not None
    distances = {section.id: edit_distance(section.ai_text, section.text) for section in sections}
    assigned_at = session.scalars(
        select(CaseEvent.occurred_at)
        .where(CaseEvent.case_id == case.id, CaseEvent.to_status == CaseStatus.ASSIGNED)
        .order_by(CaseEvent.occurred_at.desc())
    ).first()
    OpinionRepository(session).add(
        SignoffSignal(
            signed_opinion_id=signed.id,
            case_id=case.id,
            template=draft.template,
            template_version=draft.template_version,
            section_edit_distance=distances,
            sections_changed_share=round(sum(d > 0 for d in distances.values()) / max(len(distances), 1), 4),
            seconds_to_signature=int((signed.signed_at - assigned_at).total_seconds())
            if assigned_at
            else None,
        )
    )


def _resume_run(session: Session, case_id: uuid.UUID, signed_id: uuid.UUID) -> None:
    """Queue the run paused at the sign-off interrupt to resume with the signature's id."""
    run = session.scalars(
        select(PipelineRun)
        .where(PipelineRun.case_id == case_id, PipelineRun.status == RunStatus.AWAITING_SIGNOFF)
        .order_by(PipelineRun.created_at.desc())
        .with_for_update()
    ).first()
    if run is not None:
        run.resume_value = {"signed_opinion_id": str(signed_id)}
        run.status = RunStatus.QUEUED


def add_addendum(
    session: Session, principal: Principal, case_id: uuid.UUID, text: str, request: SignRequest
) -> SignaturePublic:
    """A signed correction referencing the signed opinion (by its signer or another credentialed specialist
    assigned to the case)."""
    case = _own_case(session, principal, case_id, for_update=True)
    signed = OpinionRepository(session).signed(case.id)
    if signed is None:
        raise Conflict("there is no signed opinion to correct")
    signer, profile = _signer(session, principal, case, request.password)
    signed_at = dt.datetime.now(dt.UTC).replace(microsecond=0)
    content = {
        "corrects": str(signed.id),
        "corrects_sha256": signed.content_sha256,
        "text": text,
        "signer": {"id": str(signer.id), "name": signer.full_name, "credentials": profile.credentials},
        "meaning": request.meaning,
        "signed_at": utc_timestamp(signed_at),
    }
    addendum = OpinionAddendum(
        signed_opinion_id=signed.id,
        content=json.dumps(content, ensure_ascii=False),
        content_sha256=content_sha256(content),
        signer_id=signer.id,
        printed_name=signer.full_name,
        credentials=profile.credentials,
        meaning=request.meaning,
        signed_at=signed_at,
    )
    OpinionRepository(session).add(addendum)
    auditing.record(
        session, "opinion.addendum.signed", "opinion_addendum", resource_id=addendum.id, case_id=case_id
    )
    return _signature(addendum)


def read_signed(session: Session, principal: Principal, case_id: uuid.UUID) -> SignedOpinionPublic:
    """The signed opinion's signature, version and addenda."""
    case = _own_case(session, principal, case_id)
    signed = OpinionRepository(session).signed(case.id)
    if signed is None:
        raise NotFound("the opinion is not signed yet")
    auditing.record(session, "opinion.signed.read", "signed_opinion", resource_id=signed.id, case_id=case_id)
    return _present_signed(session, signed)


def _present_signed(session: Session, signed: SignedOpinion) -> SignedOpinionPublic:
    repository = OpinionRepository(session)
    version = session.get(OpinionVersion, signed.version_id)
    assert version is not None
    return SignedOpinionPublic(
        **_signature(signed).model_dump(),
        version=version.number,
        addenda=[
            AddendumPublic(**_signature(addendum).model_dump(), text=json.loads(addendum.content)["text"])
            for addendum in repository.addenda(signed.id)
        ],
        exported=repository.export(signed.id) is not None,
    )


def _signature(row: SignedOpinion | OpinionAddendum) -> SignaturePublic:
    return SignaturePublic(
        id=row.id,
        printed_name=row.printed_name,
        credentials=row.credentials,
        meaning=row.meaning,
        signed_at=row.signed_at,
        content_sha256=row.content_sha256,
    )


def rendered(
    session: Session, principal: Principal, case_id: uuid.UUID, blobs: BlobStore, kind: str
) -> Iterator[bytes]:
    """The signed opinion's PDF (``kind`` "pdf") or FHIR bundle ("fhir"), as finalize rendered them."""
    case = _own_case(session, principal, case_id)
    repository = OpinionRepository(session)
    signed = repository.signed(case.id)
    export = repository.export(signed.id) if signed is not None else None
    if signed is None or export is None:
        raise Conflict("the signed opinion has not been rendered yet; try again shortly")
    auditing.record(session, f"opinion.{kind}.read", "opinion_export", resource_id=export.id, case_id=case_id)
    return blobs.get(export.pdf_blob_key if kind == "pdf" else export.fhir_blob_key)
