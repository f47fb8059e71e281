"""The API starts and a case goes from intake to the assigned specialist."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from store.models import Role
from tests.conftest import CaseBuilder


def test_assigned_specialist_reads_clinical_view(
    client: TestClient, cases: CaseBuilder, as_role: Callable[[Role], dict[str, str]]
) -> None:
    case_id = cases.assigned()
    response = client.get(f"/cases/{case_id}", headers=as_role(Role.SPECIALIST))
    assert response.status_code == 200
    body = response.json()
    assert body["view"] == "clinical"
    assert body["patient"]["name"] == "Testy McTestface"
    assert body["record_count"] == 1
