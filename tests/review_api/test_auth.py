"""Sign-in, tokens, and the audit trail of every access and refusal."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from reconsult.settings import Settings
from review_api.security import create_access_token
from store.models import AuditEvent, Role, User
from tests.conftest import PASSWORD, Accounts, CaseBuilder


def sign_in(client: TestClient, email: str, password: str) -> tuple[int, dict[str, object]]:
    response = client.post("/auth/token", data={"username": email, "password": password})
    return response.status_code, response.json()


def audit_rows(session: Session, action: str) -> list[AuditEvent]:
    return list(
        session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq))
    )


class TestSignIn:
    def test_password_flow_issues_a_working_token(self, client: TestClient) -> None:
        status, body = sign_in(client, "ops@example.com", PASSWORD)
        assert status == 200
        assert body["token_type"] == "bearer"
        me = client.get("/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"})
        assert me.json()["role"] == "ops"

    def test_wrong_password_and_unknown_email_look_the_same(
        self, client: TestClient, session: Session
    ) -> None:
        wrong = client.post("/auth/token", data={"username": "ops@example.com", "password": "nope-nope-nope"})
        unknown = client.post(
            "/auth/token", data={"username": "ghost@example.com", "password": "nope-nope-nope"}
        )
        assert wrong.status_code == unknown.status_code == 401
        assert wrong.json()["detail"] == unknown.json()["detail"]
        refusals = audit_rows(session, "POST /auth/token")
        assert [row.outcome for row in refusals[-2:]] == ["unauthenticated", "unauthenticated"]

    def test_expired_token_is_refused(
        self, client: TestClient, settings: Settings, session: Session, accounts: Accounts
    ) -> None:
        user = session.get(User, accounts.ops)
        assert user is not None
        token = create_access_token(user, settings.jwt_signing_key, dt.timedelta(seconds=-1))
        assert client.get("/auth/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401

    def test_forged_token_is_refused(self, client: TestClient, session: Session, accounts: Accounts) -> None:
        user = session.get(User, accounts.admin)
        assert user is not None
        token = create_access_token(user, "x" * 48, dt.timedelta(minutes=5))
        assert client.get("/auth/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401

    def test_password_change_revokes_older_tokens(
        self, client: TestClient, accounts: Accounts, as_role: Callable[[Role], dict[str, str]]
    ) -> None:
        old = as_role(Role.QA)
        changed = client.patch(
            f"/users/{accounts.qa}", json={"password": "a-brand-new-passphrase"}, headers=as_role(Role.ADMIN)
        )
        assert changed.status_code == 200
        assert client.get("/auth/me", headers=old).status_code == 401
        assert sign_in(client, "qa@example.com", "a-brand-new-passphrase")[0] == 200

    def test_deactivated_account_cannot_sign_in_or_use_tokens(
        self, client: TestClient, accounts: Accounts, as_role: Callable[[Role], dict[str, str]]
    ) -> None:
        token_headers = as_role(Role.QA)
        client.patch(f"/users/{accounts.qa}", json={"active": False}, headers=as_role(Role.ADMIN))
        assert client.get("/auth/me", headers=token_headers).status_code == 401
        assert sign_in(client, "qa@example.com", PASSWORD)[0] == 401

    def test_admin_cannot_lock_themselves_out(
        self, client: TestClient, accounts: Accounts, as_role: Callable[[Role], dict[str, str]]
    ) -> None:
        response = client.patch(
            f"/users/{accounts.admin}", json={"active": False}, headers=as_role(Role.ADMIN)
        )
        assert response.status_code == 409


class TestAuditTrail:
    def test_phi_read_is_audited_with_actor_and_request(
        self,
        client: TestClient,
        cases: CaseBuilder,
        session: Session,
        accounts: Accounts,
        headers: Callable[[uuid.UUID], dict[str, str]],
    ) -> None:
        case_id = cases.assigned()
        response = client.get(
            f"/cases/{case_id}", headers=headers(accounts.specialist) | {"X-Request-ID": "req-abc-123"}
        )
        assert response.headers["x-request-id"] == "req-abc-123"
        row = audit_rows(session, "case.read")[-1]
        assert (row.actor_id, row.actor_role, str(row.case_id)) == (
            accounts.specialist,
            "specialist",
            case_id,
        )
        assert row.request_id == "req-abc-123"
        assert row.outcome == "success"
        assert row.client_address

    def test_denied_attempt_is_audited_although_the_request_failed(
        self,
        client: TestClient,
        cases: CaseBuilder,
        session: Session,
        accounts: Accounts,
        headers: Callable[[uuid.UUID], dict[str, str]],
    ) -> None:
        case_id = cases.assigned()
        assert client.get(f"/cases/{case_id}", headers=headers(accounts.other_specialist)).status_code == 404
        assert client.get("/users", headers=headers(accounts.other_specialist)).status_code == 403
        not_found = audit_rows(session, "GET /cases/{case_id}")[-1]
        assert (not_found.actor_id, not_found.outcome, str(not_found.case_id)) == (
            accounts.other_specialist,
            "not_found",
            case_id,
        )
        denied = audit_rows(session, "GET /users")[-1]
        assert (denied.actor_id, denied.outcome) == (accounts.other_specialist, "denied")

    def test_failed_action_leaves_no_success_entry(
        self, client: TestClient, cases: CaseBuilder, session: Session
    ) -> None:
        case_id = cases.create()
        before = len(audit_rows(session, "record.upload"))
        assert cases.upload(case_id, ("x.pdf", b"%PDF-1.4 junk")).status_code == 409
        assert len(audit_rows(session, "record.upload")) == before

    def test_audit_api_filters_and_verifies(
        self, client: TestClient, cases: CaseBuilder, as_role: Callable[[Role], dict[str, str]]
    ) -> None:
        case_id = cases.assigned()
        page = client.get("/audit", params={"case_id": case_id}, headers=as_role(Role.QA)).json()
        assert page["total"] > 0
        assert all(item["case_id"] == case_id for item in page["items"])
        report = client.get("/audit/verification", headers=as_role(Role.ADMIN)).json()
        assert report == {"intact": True, "problems": []}


class TestThrottling:
    def test_five_failures_lock_the_email_out_even_with_the_right_password(
        self, client: TestClient, session: Session
    ) -> None:
        for _ in range(5):
            assert sign_in(client, "qa@example.com", "not-the-password")[0] == 401
        status, body = sign_in(client, "qa@example.com", PASSWORD)
        assert status == 429
        assert "too many failed sign-ins" in str(body["detail"])
        assert sign_in(client, "ops@example.com", PASSWORD)[0] == 200  # other accounts are unaffected
        failures = audit_rows(session, "auth.sign_in.failed")
        assert len(failures) >= 5
        assert all(row.resource_id and "qa@" not in row.resource_id for row in failures)  # keyed hash

    def test_an_unknown_email_is_throttled_the_same_way(self, client: TestClient) -> None:
        answers = [sign_in(client, "ghost@example.com", "not-the-password")[0] for _ in range(6)]
        assert answers == [401] * 5 + [429]
