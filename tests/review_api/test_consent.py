"""No upload or processing without the matching active consent."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from store.models import Role
from tests.conftest import CaseBuilder, consent_payload, pdf_bytes


class TestConsentGates:
    def test_upload_without_record_release_is_409_naming_the_consent(self, cases: CaseBuilder) -> None:
        case_id = cases.create()
        response = cases.upload(case_id, ("note.pdf", pdf_bytes()))
        assert response.status_code == 409
        assert response.json()["missing_consents"] == ["record_release"]
        assert "record_release" in response.json()["detail"]

    def test_processing_needs_release_and_review_consent(
        self, client: TestClient, cases: CaseBuilder
    ) -> None:
        case_id = cases.create()
        cases.consent(case_id, "record_release")
        cases.move(case_id, "submitted")
        response = client.post(f"/cases/{case_id}/status", json={"status": "processing"}, headers=cases.ops)
        assert response.status_code == 409
        assert response.json()["missing_consents"] == ["specialist_review"]

    def test_revoked_consent_blocks_new_uploads_but_keeps_earlier_ones(
        self, client: TestClient, cases: CaseBuilder
    ) -> None:
        case_id = cases.create()
        cases.consent(case_id, "record_release")
        assert cases.upload(case_id, ("first.pdf", pdf_bytes())).status_code == 201
        consent_id = client.get(f"/cases/{case_id}/consents", headers=cases.ops).json()[0]["id"]
        revoked = client.post(f"/cases/{case_id}/consents/{consent_id}/revoke", headers=cases.ops)
        assert revoked.status_code == 200
        assert revoked.json()["active"] is False
        assert cases.upload(case_id, ("second.pdf", pdf_bytes("second"))).status_code == 409
        case = client.get(f"/cases/{case_id}", headers=cases.ops).json()
        assert case["record_count"] == 1
        assert case["active_consents"] == []

    def test_one_active_consent_per_scope(self, client: TestClient, cases: CaseBuilder) -> None:
        case_id = cases.create()
        cases.consent(case_id, "record_release")
        again = client.post(
            f"/cases/{case_id}/consents", json=consent_payload("record_release"), headers=cases.ops
        )
        assert again.status_code == 409

    def test_consent_in_the_future_is_refused(self, client: TestClient, cases: CaseBuilder) -> None:
        case_id = cases.create()
        body = consent_payload("record_release") | {"granted_at": "2999-01-01T00:00:00Z"}
        response = client.post(f"/cases/{case_id}/consents", json=body, headers=cases.ops)
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "body.granted_at"

    def test_consent_view_hides_the_grantor_name(self, client: TestClient, cases: CaseBuilder) -> None:
        case_id = cases.create()
        cases.consent(case_id, "record_release")
        listed = client.get(f"/cases/{case_id}/consents", headers=cases.ops)
        assert "Testy" not in listed.text

    def test_review_consent_revoked_blocks_starting_the_review(
        self, client: TestClient, cases: CaseBuilder, as_role: Callable[[Role], dict[str, str]]
    ) -> None:
        case_id = cases.assigned()
        consents = client.get(f"/cases/{case_id}/consents", headers=cases.ops).json()
        review = next(item for item in consents if item["scope"] == "specialist_review")
        client.post(f"/cases/{case_id}/consents/{review['id']}/revoke", headers=cases.ops)
        response = client.post(
            f"/cases/{case_id}/status", json={"status": "in_review"}, headers=as_role(Role.SPECIALIST)
        )
        assert response.status_code == 409
        assert response.json()["missing_consents"] == ["specialist_review"]
