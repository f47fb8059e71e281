"""Each case's PHI vault, stored encrypted; only the pipeline and re-identification for authorised
readers load it."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from records.vault import PhiVault
from store.models import PhiVaultRow


class PhiVaultRepository:
    """Load and save case vaults. The vault holds PHI: never log it or return it from the API."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def load_or_create(self, case_id: uuid.UUID) -> PhiVault:
        """The case's vault, or a new one (with its own random date shift) on first use.

        The row is locked, so two workers de-identifying records of one case share one vault.
        """
        row = self.session.scalars(
            select(PhiVaultRow).where(PhiVaultRow.case_id == case_id).with_for_update()
        ).first()
        if row is None:
            return PhiVault.new()
        return PhiVault.from_json(row.sealed_json.encode())

    def save(self, case_id: uuid.UUID, vault: PhiVault) -> None:
        """Store the vault (encrypted at column level) in the session's transaction."""
        row = self.session.get(PhiVaultRow, case_id)
        if row is None:
            self.session.add(PhiVaultRow(case_id=case_id, sealed_json=vault.to_json().decode()))
        else:
            row.sealed_json = vault.to_json().decode()
        self.session.flush()

    def get(self, case_id: uuid.UUID) -> PhiVault | None:
        """The case's vault for reading (re-identifying text for an authorised reader); None before any."""
        row = self.session.get(PhiVaultRow, case_id)
        return PhiVault.from_json(row.sealed_json.encode()) if row else None
