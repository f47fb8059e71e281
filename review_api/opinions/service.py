"""Reading a case's AI draft by role (the assigned specialist re-identified, QA de-identified)."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from drafting.schemas import OpinionDraft
from review_api import auditing
from review_api.cases.service import get_case
from review_api.opinions.schemas import DraftPublic
from review_api.runs.service import require_clinical_reader
from store.errors import NotFound
from store.models import Role
from store.principal import Principal
from store.repositories.drafts import DraftRepository
from store.repositories.vaults import PhiVaultRepository


def read_draft(session: Session, principal: Principal, case_id: uuid.UUID) -> DraftPublic:
    """The case's latest AI draft; every read is audited."""
    require_clinical_reader(principal)
    get_case(session, principal, case_id)
    row = DraftRepository(session).latest_for_case(case_id)
    if row is None:
        raise NotFound("the case has no draft yet")
    draft = OpinionDraft.model_validate(row.draft)
    vault = PhiVaultRepository(session).get(case_id) if principal.role is Role.SPECIALIST else None
    view = "deidentified"
    if vault is not None:
        view = "reidentified"
        for section in draft.sections:
            for sentence in section.sentences:
                sentence.text = vault.reidentify(sentence.text)
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
