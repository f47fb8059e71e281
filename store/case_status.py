"""The case status machine, shared by the API and the pipeline worker."""

from __future__ import annotations

from enum import StrEnum


class CaseStatus(StrEnum):
    """Where a case is in its life, from intake to delivery of the signed opinion."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    PROCESSING = "processing"
    TRIAGED = "triaged"
    ASSIGNED = "assigned"
    IN_REVIEW = "in_review"
    SIGNED = "signed"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"


# Forward along the flow, back to `triaged` when a specialist is unassigned, and to `cancelled` from any
# state before signature. A signed opinion is never cancelled: it is corrected by a signed addendum.
ALLOWED_TRANSITIONS: dict[CaseStatus, frozenset[CaseStatus]] = {
    CaseStatus.DRAFT: frozenset({CaseStatus.SUBMITTED, CaseStatus.CANCELLED}),
    CaseStatus.SUBMITTED: frozenset({CaseStatus.PROCESSING, CaseStatus.CANCELLED}),
    CaseStatus.PROCESSING: frozenset({CaseStatus.TRIAGED, CaseStatus.SUBMITTED, CaseStatus.CANCELLED}),
    CaseStatus.TRIAGED: frozenset({CaseStatus.ASSIGNED, CaseStatus.CANCELLED}),
    CaseStatus.ASSIGNED: frozenset({CaseStatus.IN_REVIEW, CaseStatus.TRIAGED, CaseStatus.CANCELLED}),
    CaseStatus.IN_REVIEW: frozenset({CaseStatus.SIGNED, CaseStatus.TRIAGED, CaseStatus.CANCELLED}),
    CaseStatus.SIGNED: frozenset({CaseStatus.DELIVERED}),
    CaseStatus.DELIVERED: frozenset(),
    CaseStatus.CANCELLED: frozenset(),
}

# States in which the case's intake data (demographics, diagnosis, question) may still change.
EDITABLE_STATUSES = frozenset(
    {CaseStatus.DRAFT, CaseStatus.SUBMITTED, CaseStatus.PROCESSING, CaseStatus.TRIAGED, CaseStatus.ASSIGNED}
)


def can_transition(current: CaseStatus, target: CaseStatus) -> bool:
    """Whether the machine allows moving from ``current`` to ``target``."""
    return target in ALLOWED_TRANSITIONS[current]
