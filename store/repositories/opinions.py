"""Opinion versions, signed opinions, addenda, exports and sign-off signals: all SQL of the sign-off."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.models import (
    OpinionAddendum,
    OpinionExport,
    OpinionVersion,
    SignedOpinion,
    SignoffSignal,
)
from store.repositories.common import insert_once


class OpinionRepository:
    """A case's opinion through its versions to the signature."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def versions(self, case_id: uuid.UUID) -> Sequence[OpinionVersion]:
        """Every version, oldest first."""
        return self.session.scalars(
            select(OpinionVersion).where(OpinionVersion.case_id == case_id).order_by(OpinionVersion.number)
        ).all()

    def latest(self, case_id: uuid.UUID) -> OpinionVersion | None:
        """The current version."""
        return self.session.scalars(
            select(OpinionVersion)
            .where(OpinionVersion.case_id == case_id)
            .order_by(OpinionVersion.number.desc())
        ).first()

    def version(self, case_id: uuid.UUID, number: int) -> OpinionVersion | None:
        """Version ``number`` of the case's opinion."""
        return self.session.scalars(
            select(OpinionVersion).where(OpinionVersion.case_id == case_id, OpinionVersion.number == number)
        ).first()

    def add(self, row: OpinionVersion | SignedOpinion | OpinionAddendum | SignoffSignal) -> None:
        """Insert a row (a unique clash, such as two saves of the same version number, raises)."""
        self.session.add(row)
        self.session.flush()

    def signed(self, case_id: uuid.UUID) -> SignedOpinion | None:
        """The case's signed opinion, if any."""
        return self.session.scalars(select(SignedOpinion).where(SignedOpinion.case_id == case_id)).first()

    def signed_by_id(self, signed_id: uuid.UUID) -> SignedOpinion | None:
        """A signed opinion by id."""
        return self.session.get(SignedOpinion, signed_id)

    def addenda(self, signed_id: uuid.UUID) -> Sequence[OpinionAddendum]:
        """The addenda of a signed opinion, oldest first."""
        return self.session.scalars(
            select(OpinionAddendum)
            .where(OpinionAddendum.signed_opinion_id == signed_id)
            .order_by(OpinionAddendum.signed_at)
        ).all()

    def export(self, signed_id: uuid.UUID) -> OpinionExport | None:
        """The rendered PDF and FHIR bundle of a signed opinion, once finalize has made them."""
        return self.session.scalars(
            select(OpinionExport).where(OpinionExport.signed_opinion_id == signed_id)
        ).first()

    def save_export(self, row: OpinionExport) -> None:
        """Store the rendered outputs (a re-run of finalize keeps the first)."""
        insert_once(self.session, row, "signed_opinion_id")
