"""Case vaults are stored encrypted and come back with the same surrogates and date shift."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from records.phi import PhiCategory
from store.models import Role
from store.repositories.vaults import PhiVaultRepository
from tests.conftest import CaseBuilder


def test_vault_round_trip_is_encrypted(
    session: Session, client: TestClient, cases: CaseBuilder, as_role: Callable[[Role], dict[str, str]]
) -> None:
    case_id = uuid.UUID(cases.create())
    repository = PhiVaultRepository(session)
    vault = repository.load_or_create(case_id)
    surrogate = vault.surrogate(PhiCategory.NAME, "Wilhelmina Quackenbush")
    repository.save(case_id, vault)
    session.commit()

    raw = session.execute(
        text("SELECT sealed_json FROM phi_vaults WHERE case_id = :id"), {"id": case_id}
    ).scalar_one()
    assert b"Quackenbush" not in bytes(raw)

    again = PhiVaultRepository(session).load_or_create(case_id)
    assert again.date_shift_days == vault.date_shift_days
    assert again.surrogate(PhiCategory.NAME, "Wilhelmina Quackenbush") == surrogate


def test_a_new_case_gets_a_fresh_vault(session: Session, cases: CaseBuilder) -> None:
    first = PhiVaultRepository(session).load_or_create(uuid.UUID(cases.create()))
    assert first.entries == {}
