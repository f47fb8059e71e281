"""Reading a case's discrepancy flags: with the original wording for the assigned specialist, citations only
(open them through the source endpoint) for QA."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from discrepancy.schemas import DiscrepancyFlag, DiscrepancyReport
from discrepancy.service import DIAGNOSIS_SOURCE, QUESTION_SOURCE
from records.vault import PhiVault
from review_api import auditing
from review_api.cases.service import get_case
from review_api.discrepancies.schemas import CitedSpan, DiscrepanciesPublic, FlagPublic
from review_api.runs.service import require_clinical_reader
from store.errors import NotFound
from store.models import Case, Role
from store.principal import Principal
from store.repositories.discrepancy import DiscrepancyRepository
from store.repositories.pipeline import DocumentRepository
from store.repositories.vaults import PhiVaultRepository
from summarizer.schemas import Citation


def read_discrepancies(session: Session, principal: Principal, case_id: uuid.UUID) -> DiscrepanciesPublic:
    """The case's latest flags; every read is audited."""
    require_clinical_reader(principal)
    case = get_case(session, principal, case_id)
    row = DiscrepancyRepository(session).latest_for_case(case_id)
    if row is None:
        raise NotFound("the case has no discrepancy check yet")
    report = DiscrepancyReport.model_validate(row.report)
    vault = PhiVaultRepository(session).get(case_id) if principal.role is Role.SPECIALIST else None
    view = "reidentified" if vault is not None else "deidentified"
    originals = _OriginalTexts(session, case) if vault is not None else None
    flags = [_present(flag, vault, originals) for flag in report.flags]
    auditing.record(
        session, f"discrepancies.read.{view}", "discrepancy_report", resource_id=row.id, case_id=case_id
    )
    return DiscrepanciesPublic(
        run_id=row.run_id,
        view=view,
        flags=flags,
        dropped_by_citation_check=report.dropped,
        provenance=row.provenance,
        created_at=row.created_at,
    )


class _OriginalTexts:
    """The original texts flags cite, loaded once each."""

    def __init__(self, session: Session, case: Case) -> None:
        self.session = session
        self.case = case
        self.cache: dict[str, str] = {
            DIAGNOSIS_SOURCE: case.referring_diagnosis,
            QUESTION_SOURCE: case.question,
        }

    def text(self, document_id: str) -> str | None:
        if document_id not in self.cache:
            try:
                document = DocumentRepository(self.session).get(self.case.id, uuid.UUID(document_id))
            except ValueError:
                document = None
            self.cache[document_id] = document.text if document is not None and document.text else ""
        return self.cache[document_id] or None


def _present(flag: DiscrepancyFlag, vault: PhiVault | None, originals: _OriginalTexts | None) -> FlagPublic:
    return FlagPublic(
        type=flag.type,
        severity=flag.severity,
        why=vault.reidentify(flag.why) if vault is not None else flag.why,
        claim=_cited(flag.claim, originals),
        evidence=[_cited(citation, originals) for citation in flag.evidence],
        missing=flag.missing,
    )


def _cited(citation: Citation, originals: _OriginalTexts | None) -> CitedSpan:
    text = originals.text(citation.document_id) if originals is not None else None
    return CitedSpan(
        document_id=citation.document_id,
        page=citation.page,
        start=citation.start,
        end=citation.end,
        text=text[citation.start : citation.end] if text else None,
    )
