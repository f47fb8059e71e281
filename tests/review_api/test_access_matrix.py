"""Every endpoint against every role: allowed, forbidden (403), unauthenticated (401), and not found (404)
for a case that is not the caller's."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from records.kinds import RecordKind
from store.models import CaseDocument, CaseSummaryRow, Role
from summarizer.schemas import CaseSummary, Citation, SummaryItem
from tests.conftest import (
    PASSWORD,
    Accounts,
    CaseBuilder,
    case_payload,
    consent_payload,
    file_part,
    pdf_bytes,
)

ALL_ROLES = frozenset(Role)


@dataclass
class World:
    """Ids an endpoint path or body can refer to."""

    case_id: str
    consent_id: str
    record_id: str
    accounts: Accounts
    run_id: str = ""
    document_id: str = ""


@dataclass(frozen=True)
class Endpoint:
    """One endpoint, who may call it, and how to call it."""

    method: str
    path: str
    allowed: frozenset[Role]
    body: Callable[[World], dict[str, Any]] | None = None
    files: bool = False
    case_scoped: bool = False
    ok: frozenset[int] = field(default=frozenset({200, 201}))

    def url(self, world: World) -> str:
        return self.path.format(
            case=world.case_id,
            consent=world.consent_id,
            record=world.record_id,
            run=world.run_id,
            document=world.document_id,
            admin=world.accounts.admin,
            ops=world.accounts.ops,
            specialist=world.accounts.specialist,
            section="assessment",
            eval=uuid.UUID(int=0),
        )

    def call(self, client: TestClient, world: World, headers: dict[str, str]) -> Any:
        kwargs: dict[str, Any] = {"headers": headers}
        if self.body is not None:
            kwargs["json"] = self.body(world)
        if self.files:
            kwargs["files"] = [file_part("extra.pdf", pdf_bytes("another synthetic page"))]
        return client.request(self.method, self.url(world), **kwargs)


OPS, SPEC, QA, ADMIN = Role.OPS, Role.SPECIALIST, Role.QA, Role.ADMIN
ENDPOINTS = [
    Endpoint("GET", "/auth/me", ALL_ROLES),
    Endpoint(
        "POST",
        "/users",
        frozenset({ADMIN}),
        body=lambda w: {"email": "new@example.com", "full_name": "New", "role": "qa", "password": "x" * 16},
    ),
    Endpoint("GET", "/users", frozenset({ADMIN})),
    Endpoint("GET", "/users/{ops}", frozenset({ADMIN})),
    Endpoint("PATCH", "/users/{ops}", frozenset({ADMIN}), body=lambda w: {"full_name": "Renamed"}),
    Endpoint("GET", "/specialists", frozenset({ADMIN, OPS, SPEC})),
    Endpoint("GET", "/specialists/{specialist}", frozenset({ADMIN, OPS, SPEC})),
    Endpoint(
        "PUT",
        "/specialists/{specialist}",
        frozenset({ADMIN}),
        body=lambda w: {"subspecialties": ["cardiology"], "weekly_capacity": 3},
    ),
    Endpoint("GET", "/audit", frozenset({ADMIN, QA})),
    Endpoint("GET", "/audit/verification", frozenset({ADMIN, QA})),
    Endpoint("POST", "/cases", frozenset({OPS}), body=lambda w: case_payload()),
    Endpoint("GET", "/cases", frozenset({OPS, SPEC, QA})),
    Endpoint("GET", "/cases/{case}", frozenset({OPS, SPEC, QA}), case_scoped=True),
    Endpoint(
        "PATCH", "/cases/{case}", frozenset({OPS}), body=lambda w: {"question": "Updated?"}, case_scoped=True
    ),
    Endpoint(
        "POST",
        "/cases/{case}/status",
        frozenset({SPEC}),
        body=lambda w: {"status": "in_review"},
        case_scoped=True,
    ),
    # The case is already assigned, so a permitted caller gets 409 for the illegal transition.
    Endpoint(
        "POST",
        "/cases/{case}/triage",
        frozenset({OPS}),
        body=lambda w: {"urgency": "routine", "subspecialty": "cardiology"},
        case_scoped=True,
        ok=frozenset({409}),
    ),
    Endpoint(
        "POST",
        "/cases/{case}/assignment",
        frozenset({OPS}),
        body=lambda w: {"specialist_id": str(w.accounts.other_specialist)},
        case_scoped=True,
    ),
    Endpoint("GET", "/cases/{case}/timeline", frozenset({OPS, SPEC, QA}), case_scoped=True),
    Endpoint(
        "POST",
        "/cases/{case}/consents",
        frozenset({OPS}),
        body=lambda w: consent_payload("external_model_processing"),
        case_scoped=True,
    ),
    Endpoint("GET", "/cases/{case}/consents", frozenset({OPS}), case_scoped=True),
    Endpoint("POST", "/cases/{case}/consents/{consent}/revoke", frozenset({OPS}), case_scoped=True),
    Endpoint("POST", "/cases/{case}/records", frozenset({OPS}), files=True, case_scoped=True),
    Endpoint("GET", "/cases/{case}/records", frozenset({SPEC}), case_scoped=True),
    Endpoint("GET", "/cases/{case}/records/{record}/content", frozenset({SPEC}), case_scoped=True),
    Endpoint("POST", "/cases/{case}/runs", frozenset({OPS}), case_scoped=True, ok=frozenset({200, 202})),
    Endpoint("GET", "/cases/{case}/runs", frozenset({OPS, SPEC, QA}), case_scoped=True),
    Endpoint("GET", "/cases/{case}/runs/{run}", frozenset({OPS, SPEC, QA}), case_scoped=True),
    # The run is queued, not failed, so a permitted caller gets 409.
    Endpoint(
        "POST", "/cases/{case}/runs/{run}/retry", frozenset({OPS}), case_scoped=True, ok=frozenset({409})
    ),
    Endpoint("GET", "/cases/{case}/summary", frozenset({SPEC, QA}), case_scoped=True),
    # No check has run for the fixture case, so a permitted caller gets 404 (and a refused one 403).
    Endpoint(
        "GET", "/cases/{case}/discrepancies", frozenset({SPEC, QA}), case_scoped=True, ok=frozenset({404})
    ),
    Endpoint("GET", "/cases/{case}/draft", frozenset({SPEC, QA}), case_scoped=True, ok=frozenset({404})),
    # The opinion is the assigned specialist's alone; the fixture case has no draft, so its reads are 404s.
    Endpoint("GET", "/cases/{case}/opinion", frozenset({SPEC}), case_scoped=True, ok=frozenset({404})),
    Endpoint("GET", "/cases/{case}/opinion/versions", frozenset({SPEC}), case_scoped=True),
    Endpoint(
        "PATCH",
        "/cases/{case}/opinion/sections/{section}",
        frozenset({SPEC}),
        body=lambda w: {"confirm": True},
        case_scoped=True,
        ok=frozenset({404}),
    ),
    Endpoint(
        "POST",
        "/cases/{case}/opinion/sign",
        frozenset({SPEC}),
        body=lambda w: {"password": PASSWORD},
        case_scoped=True,
        ok=frozenset({404}),
    ),
    Endpoint("GET", "/cases/{case}/opinion/signed", frozenset({SPEC}), case_scoped=True, ok=frozenset({404})),
    Endpoint("GET", "/cases/{case}/opinion/pdf", frozenset({SPEC}), case_scoped=True, ok=frozenset({409})),
    Endpoint("GET", "/cases/{case}/opinion/fhir", frozenset({SPEC}), case_scoped=True, ok=frozenset({409})),
    Endpoint(
        "GET",
        "/cases/{case}/opinion/diff?from=1&to=2",
        frozenset({SPEC}),
        case_scoped=True,
        ok=frozenset({404}),
    ),
    Endpoint(
        "POST",
        "/cases/{case}/opinion/addenda",
        frozenset({SPEC}),
        body=lambda w: {"password": PASSWORD, "text": "A correction."},
        case_scoped=True,
        ok=frozenset({409}),
    ),
    Endpoint("GET", "/queue", frozenset({OPS})),
    Endpoint("GET", "/evals", frozenset({QA})),
    Endpoint("GET", "/evals/signals", frozenset({QA})),
    Endpoint("GET", "/evals/{eval}", frozenset({QA}), ok=frozenset({404})),
    Endpoint("GET", "/evals/{eval}/report", frozenset({QA}), ok=frozenset({404})),
    Endpoint("GET", "/routing/overrides", frozenset({QA})),
    # The case is already assigned, so routing it again is a 409 for ops.
    Endpoint(
        "POST",
        "/cases/{case}/routing",
        frozenset({OPS}),
        body=lambda w: {"urgency": "urgent", "subspecialty": "cardiology", "override_reason": "test"},
        case_scoped=True,
        ok=frozenset({409}),
    ),
    Endpoint(
        "GET",
        "/cases/{case}/documents/{document}/source?start=0&end=9",
        frozenset({SPEC, QA}),
        case_scoped=True,
    ),
]


def _label(endpoint: Endpoint) -> str:
    return f"{endpoint.method} {endpoint.path}"


@pytest.fixture
def world(
    client: TestClient,
    cases: CaseBuilder,
    accounts: Accounts,
    as_role: Callable[[Role], dict[str, str]],
    session: Session,
) -> World:
    case_id = cases.assigned()
    consents = client.get(f"/cases/{case_id}/consents", headers=as_role(Role.OPS)).json()
    records = client.get(f"/cases/{case_id}/records", headers=as_role(Role.SPECIALIST)).json()
    run = client.post(f"/cases/{case_id}/runs", headers=as_role(Role.OPS))
    assert run.status_code == 202, run.text
    document_id = add_summarised_document(
        session, uuid.UUID(case_id), uuid.UUID(records[0]["id"]), run.json()["id"]
    )
    return World(
        case_id=case_id,
        consent_id=consents[0]["id"],
        record_id=records[0]["id"],
        accounts=accounts,
        run_id=run.json()["id"],
        document_id=str(document_id),
    )


def add_summarised_document(
    session: Session, case_id: uuid.UUID, record_id: uuid.UUID, run_id: str
) -> uuid.UUID:
    """A document and a one-item summary citing it, as a worker would have stored them."""
    text = "Diagnosis: stable angina."
    document = CaseDocument(
        case_id=case_id,
        record_id=record_id,
        document_key="fixture#0",
        position=0,
        kind=RecordKind.TEXT,
        status="ok",
        title="note",
        text=text,
        spans=[{"start": 0, "end": len(text), "page": 1}],
        facts_json="[]",
        certified_text=text,
        certified_offsets=[],
    )
    session.add(document)
    session.flush()
    citation = {"document_id": str(document.id), "page": 1, "start": 11, "end": 24}
    summary = CaseSummary(conditions=[SummaryItem(text="stable angina", citations=[Citation(**citation)])])
    session.add(
        CaseSummaryRow(
            run_id=uuid.UUID(run_id),
            case_id=case_id,
            summary=summary.model_dump(mode="json"),
            provenance=[],
            pipeline_version="test",
            input_hash="0" * 64,
        )
    )
    session.commit()
    return document.id


class TestRoleMatrix:
    @pytest.mark.parametrize("role", sorted(Role), ids=str)
    @pytest.mark.parametrize("endpoint", ENDPOINTS, ids=_label)
    def test_role(
        self,
        endpoint: Endpoint,
        role: Role,
        client: TestClient,
        world: World,
        as_role: Callable[[Role], dict[str, str]],
    ) -> None:
        response = endpoint.call(client, world, as_role(role))
        if role in endpoint.allowed:
            assert response.status_code in endpoint.ok, response.text
        else:
            assert response.status_code == 403, response.text
            assert response.headers["content-type"] == "application/problem+json"

    @pytest.mark.parametrize("endpoint", ENDPOINTS, ids=_label)
    def test_anonymous_is_unauthenticated(self, endpoint: Endpoint, client: TestClient, world: World) -> None:
        response = endpoint.call(client, world, {})
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"


class TestCaseThatIsNotTheirs:
    @pytest.mark.parametrize(
        "endpoint", [e for e in ENDPOINTS if e.case_scoped and SPEC in e.allowed], ids=_label
    )
    def test_other_specialist_gets_not_found(
        self,
        endpoint: Endpoint,
        client: TestClient,
        world: World,
        accounts: Accounts,
        headers: Callable[[uuid.UUID], dict[str, str]],
    ) -> None:
        response = endpoint.call(client, world, headers(accounts.other_specialist))
        assert response.status_code == 404, response.text

    @pytest.mark.parametrize(
        "endpoint", [e for e in ENDPOINTS if e.case_scoped and OPS in e.allowed], ids=_label
    )
    def test_unknown_case_is_not_found_for_ops(
        self, endpoint: Endpoint, client: TestClient, world: World, as_role: Callable[[Role], dict[str, str]]
    ) -> None:
        world.case_id = str(uuid.uuid4())
        response = endpoint.call(client, world, as_role(Role.OPS))
        assert response.status_code == 404, response.text


def test_every_api_route_is_in_the_matrix(client: TestClient) -> None:
    """A new endpoint must be added to ENDPOINTS, so nobody ships one without an access decision."""
    schema = client.get("/openapi.json").json()
    documented = {(method.upper(), path) for path, ops in schema["paths"].items() for method in ops} - {
        ("GET", "/health")
    }
    covered = {
        (
            e.method,
            e.path.replace("{case}", "{case_id}")
            .replace("{consent}", "{consent_id}")
            .replace("{record}", "{record_id}")
            .replace("{run}", "{run_id}")
            .replace("{document}", "{document_id}")
            .replace("{section}", "{section_id}")
            .replace("{eval}", "{run_id}")
            .split("?")[0]
            .replace("{ops}", "{user_id}")
            .replace("{specialist}", "{user_id}"),
        )
        for e in ENDPOINTS
    } | {("POST", "/auth/token")}
    assert documented <= covered, documented - covered
