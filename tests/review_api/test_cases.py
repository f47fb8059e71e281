"""Case intake, the three views, the status machine, triage and assignment checks."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from review_api.cases.service import age_band
from review_api.specialists.service import put_profile
from store.models import Role
from store.principal import Principal
from tests.conftest import Accounts, CaseBuilder, case_payload, specialist_profile


class TestViews:
    def test_ops_see_routing_fields_only(self, client: TestClient, cases: CaseBuilder) -> None:
        case_id = cases.triaged()
        body = client.get(f"/cases/{case_id}", headers=cases.ops).json()
        assert body["view"] == "routing"
        assert body["urgency"] == "urgent"
        assert body["due_at"] is not None
        for clinical in ("patient", "referring_diagnosis", "question"):
            assert clinical not in body
        assert "Testy" not in str(body)

    def test_qa_sees_deidentified_view(
        self, client: TestClient, cases: CaseBuilder, as_role: Callable[[Role], dict[str, str]]
    ) -> None:
        case_id = cases.create(
            patient={"name": "Old Person", "birth_date": "1920-01-01", "sex": "male", "state": "NY"}
        )
        body = client.get(f"/cases/{case_id}", headers=as_role(Role.QA)).json()
        assert body["view"] == "deidentified"
        assert body["age_band"] == "90+"
        assert body["referring_icd10"] == "D86.9"
        assert "Old Person" not in str(body)
        assert "1920" not in str(body)

    def test_specialist_lists_only_assigned_cases(
        self, client: TestClient, cases: CaseBuilder, as_role: Callable[[Role], dict[str, str]]
    ) -> None:
        mine = cases.assigned()
        cases.triaged()
        listed = client.get("/cases", headers=as_role(Role.SPECIALIST)).json()
        assert [item["id"] for item in listed["items"]] == [mine]

    @pytest.mark.parametrize(
        ("born", "band"), [("1990-06-15", "30-39"), ("1936-11-28", "89-99"), ("1936-11-26", "90+")]
    )
    def test_age_band(self, born: str, band: str) -> None:
        expected = band if band != "89-99" else "80-89"
        assert age_band(dt.date.fromisoformat(born), dt.date(2026, 11, 27)) == expected


class TestListing:
    def test_filter_and_paginate(self, client: TestClient, cases: CaseBuilder) -> None:
        drafts = [cases.create() for _ in range(3)]
        submitted = cases.create()
        cases.move(submitted, "submitted")
        page = client.get("/cases", params={"status": "draft", "limit": 2}, headers=cases.ops).json()
        assert page["total"] >= 3
        assert len(page["items"]) == 2
        rest = client.get(
            "/cases", params={"status": "draft", "limit": 2, "offset": 2}, headers=cases.ops
        ).json()
        seen = {item["id"] for item in page["items"] + rest["items"]}
        assert set(drafts) <= seen
        assert submitted not in seen


class TestStatusMachine:
    def test_illegal_transition_is_409(self, client: TestClient, cases: CaseBuilder) -> None:
        case_id = cases.create()
        response = client.post(f"/cases/{case_id}/status", json={"status": "delivered"}, headers=cases.ops)
        assert response.status_code == 409
        assert response.json()["current_status"] == "draft"

    def test_every_transition_is_on_the_timeline(self, client: TestClient, cases: CaseBuilder) -> None:
        case_id = cases.assigned()
        events = client.get(f"/cases/{case_id}/timeline", headers=cases.ops).json()
        statuses = [event["to_status"] for event in events if event["kind"] == "status_changed"]
        assert statuses == ["submitted", "processing", "triaged", "assigned"]
        assert all(event["occurred_at"] for event in events)
        kinds = {event["kind"] for event in events}
        assert {"created", "consent_granted", "record_uploaded"} <= kinds

    def test_cancel_needs_a_reason_code(self, client: TestClient, cases: CaseBuilder) -> None:
        case_id = cases.create()
        missing = client.post(f"/cases/{case_id}/status", json={"status": "cancelled"}, headers=cases.ops)
        assert missing.status_code == 422
        done = client.post(
            f"/cases/{case_id}/status",
            json={"status": "cancelled", "cancel_reason": "duplicate"},
            headers=cases.ops,
        )
        assert done.json()["status"] == "cancelled"
        edit = client.patch(f"/cases/{case_id}", json={"question": "still there?"}, headers=cases.ops)
        assert edit.status_code == 409

    def test_specialist_starts_review(
        self, client: TestClient, cases: CaseBuilder, as_role: Callable[[Role], dict[str, str]]
    ) -> None:
        case_id = cases.assigned()
        response = client.post(
            f"/cases/{case_id}/status", json={"status": "in_review"}, headers=as_role(Role.SPECIALIST)
        )
        assert response.json()["status"] == "in_review"


class TestAssignment:
    def test_specialist_without_licence_for_patient_state_is_refused(
        self, client: TestClient, cases: CaseBuilder, accounts: Accounts
    ) -> None:
        patient = {"name": "Tex Patient", "birth_date": "1970-01-01", "sex": "male", "state": "TX"}
        case_id = cases.triaged(patient=patient)
        response = client.post(
            f"/cases/{case_id}/assignment",
            json={"specialist_id": str(accounts.specialist)},
            headers=cases.ops,
        )
        assert response.status_code == 409
        assert "no licence for the patient's state" in response.json()["reasons"]

    def test_expired_licence_is_refused(
        self, client: TestClient, cases: CaseBuilder, accounts: Accounts, session: Session
    ) -> None:
        admin = Principal(accounts.admin, Role.ADMIN)
        put_profile(
            session, admin, accounts.other_specialist, specialist_profile(["CA"], license_expires_in_days=-1)
        )
        session.commit()
        case_id = cases.triaged()
        response = client.post(
            f"/cases/{case_id}/assignment",
            json={"specialist_id": str(accounts.other_specialist)},
            headers=cases.ops,
        )
        assert response.status_code == 409
        assert "the licence for the patient's state has expired" in response.json()["reasons"]

    def test_reassignment_moves_the_case(
        self,
        client: TestClient,
        cases: CaseBuilder,
        accounts: Accounts,
        headers: Callable[[uuid.UUID], dict[str, str]],
    ) -> None:
        case_id = cases.assigned()
        response = client.post(
            f"/cases/{case_id}/assignment",
            json={"specialist_id": str(accounts.other_specialist)},
            headers=cases.ops,
        )
        assert response.json()["assigned_specialist_id"] == str(accounts.other_specialist)
        assert client.get(f"/cases/{case_id}", headers=headers(accounts.specialist)).status_code == 404
        assert client.get(f"/cases/{case_id}", headers=headers(accounts.other_specialist)).status_code == 200

    def test_unknown_specialist_is_422(self, client: TestClient, cases: CaseBuilder) -> None:
        case_id = cases.triaged()
        response = client.post(
            f"/cases/{case_id}/assignment", json={"specialist_id": str(uuid.uuid4())}, headers=cases.ops
        )
        assert response.status_code == 422


class TestValidationErrors:
    def test_problem_names_fields_without_echoing_values(
        self, client: TestClient, cases: CaseBuilder
    ) -> None:
        body = case_payload(
            patient={"name": "Secret Name", "birth_date": "2999-01-01", "sex": "x", "state": "ZZ"}
        )
        response = client.post("/cases", json=body, headers=cases.ops)
        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"
        fields = {error["field"] for error in response.json()["errors"]}
        assert {"body.patient.birth_date", "body.patient.sex", "body.patient.state"} <= fields
        assert "Secret Name" not in response.text
        assert "2999" not in response.text

    def test_no_phi_in_logs(
        self, client: TestClient, cases: CaseBuilder, caplog: pytest.LogCaptureFixture
    ) -> None:
        caplog.set_level(logging.DEBUG)
        case_id = cases.assigned()
        client.get(f"/cases/{case_id}", headers=cases.ops)
        client.post("/cases", json=case_payload(question=""), headers=cases.ops)
        assert "Testy" not in caplog.text
        assert "sarcoidosis" not in caplog.text
