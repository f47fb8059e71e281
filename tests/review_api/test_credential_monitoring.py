"""Admins see specialists whose credentials lapse soon; an expired one is never suggested in the queue."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from review_api.specialists.service import put_profile
from store.models import Role
from store.principal import Principal
from tests.conftest import Accounts, specialist_profile


def test_expiring_within_thirty_days(
    client: TestClient, accounts: Accounts, session: Session, as_role: Callable[[Role], dict[str, str]]
) -> None:
    admin = Principal(accounts.admin, Role.ADMIN)
    put_profile(
        session, admin, accounts.other_specialist, specialist_profile(["CA"], license_expires_in_days=20)
    )
    session.commit()
    response = client.get("/specialists", params={"expiring_within_days": 30}, headers=as_role(Role.ADMIN))
    assert response.status_code == 200, response.text
    listed = {item["user_id"]: item for item in response.json()}
    assert set(listed) == {str(accounts.other_specialist)}  # the other account's credentials last a year
    assert any(
        warning.startswith("licence CA expires on")
        for warning in listed[str(accounts.other_specialist)]["warnings"]
    )
    everyone = client.get("/specialists", headers=as_role(Role.ADMIN)).json()
    assert len(everyone) >= 2
