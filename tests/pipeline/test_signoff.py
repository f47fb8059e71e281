"""The whole flow through the API on one case: upload, pipeline, triage, assignment, draft, edits with a
stale-write conflict, refused signatures (unedited draft, wrong user, expired licence, wrong password), a
valid signature, the PDF and FHIR outputs, and every step on the audit log."""

from __future__ import annotations

import datetime as dt
import io
import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle
from pypdf import PdfReader
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from pipeline.version import STEPS
from pipeline.worker import Worker
from store.models import Role, SignoffSignal, StateLicense
from tests.conftest import PASSWORD
from tests.pipeline.conftest import PipelineWorld
from tests.pipeline.test_runs import NOTE, fhir_conditions

MEANING = "I have reviewed the records and this opinion, and I am its author."


@pytest.fixture
def in_process_worker(pipeline_world: PipelineWorld) -> Iterator[Worker]:
    worker = pipeline_world.runtime(worker_lease_seconds=30).worker()
    yield worker
    worker.graph.checkpointer.conn.close()


class Flow:
    """The calls of the flow, as the ops user and the specialist make them."""

    def __init__(self, world: PipelineWorld) -> None:
        self.world = world
        self.ops = world.headers(Role.OPS)
        self.specialist = world.headers(Role.SPECIALIST)
        self.case_id = ""

    def processed_case(self, worker: Worker) -> str:
        cases = self.world.cases()
        self.case_id = cases.create(referring_diagnosis={"text": "Stable angina", "icd10": "I20.8"})
        cases.consent(self.case_id, "record_release", "specialist_review")
        files = (("referral.txt", NOTE.encode()), ("conditions.json", fhir_conditions()))
        assert cases.upload(self.case_id, *files).status_code == 201
        cases.move(self.case_id, "submitted", "processing")
        run = self.world.client.post(f"/cases/{self.case_id}/runs", headers=self.ops).json()
        assert worker.drain() == 1
        return str(run["id"])

    def route(self) -> None:
        routed = self.world.client.post(
            f"/cases/{self.case_id}/routing",
            json={
                "urgency": "urgent",
                "subspecialty": "cardiology",
                "specialist_id": str(self.world.accounts.specialist),
                "override_reason": "angina: cardiology",
            },
            headers=self.ops,
        )
        assert routed.status_code == 200, routed.text

    def url(self, path: str) -> str:
        return f"/cases/{self.case_id}/{path}"

    def save(self, section: str, version: int, **body: Any) -> Any:
        return self.world.client.patch(
            self.url(f"opinion/sections/{section}"),
            json=body,
            headers=self.specialist | {"If-Match": f'"{version}"'},
        )

    def sign(self, password: str = PASSWORD, headers: dict[str, str] | None = None) -> Any:
        return self.world.client.post(
            self.url("opinion/sign"),
            json={"password": password, "meaning": MEANING},
            headers=headers or self.specialist,
        )


def test_upload_to_signed_pdf_and_fhir(pipeline_world: PipelineWorld, in_process_worker: Worker) -> None:
    world, flow = pipeline_world, Flow(pipeline_world)
    run_id = flow.processed_case(in_process_worker)
    run = world.client.get(flow.url(f"runs/{run_id}"), headers=flow.ops).json()
    assert run["status"] == "awaiting_signoff"
    flow.route()
    draft = world.client.get(flow.url("draft"), headers=flow.specialist).json()
    assert draft["template"] in {"cardiology", "general"}

    opened = world.client.get(flow.url("opinion"), headers=flow.specialist)
    assert opened.status_code == 200, opened.text
    assert opened.headers["ETag"] == '"1"'
    sections = [section["id"] for section in opened.json()["sections"]]
    assert {section["status"] for section in opened.json()["sections"]} == {"ai_draft"}

    # Unreviewed sections: refused.
    unreviewed = flow.sign()
    assert unreviewed.status_code == 409
    assert unreviewed.json()["unreviewed"]

    # Confirm every section as the AI wrote it: still refused, the text is not the specialist's yet.
    version = 1
    for section in sections:
        saved = flow.save(section, version, confirm=True)
        assert saved.status_code == 200, saved.text
        version = saved.json()["version"]
    unedited = flow.sign()
    assert unedited.status_code == 409
    assert "word for word" in unedited.json()["detail"]

    # An edit, then a stale write from a tab that still holds the old version.
    edited = flow.save("assessment", version, text="Stable angina is likely; a functional test is needed.")
    assert edited.status_code == 200
    assert edited.headers["ETag"] == f'"{version + 1}"'
    stale = flow.save("recommendations", version, text="Exercise ECG.")
    assert stale.status_code == 412
    assert stale.json()["current_version"] == version + 1
    assert "Stable angina is likely" not in stale.text  # the problem names the version, holds no text
    reloaded = world.client.get(flow.url("opinion"), headers=flow.specialist)
    assert reloaded.headers["ETag"] == f'"{version + 1}"'
    assert reloaded.json()["sections"][sections.index("assessment")]["status"] == "edited"
    version += 1
    assert flow.save("recommendations", version, text="Stress echocardiography.").status_code == 200
    version += 1

    # The wrong user, the wrong password, an expired licence: refused.
    assert (
        flow.sign(headers=world.headers(Role.SPECIALIST, world.accounts.other_specialist)).status_code == 404
    )
    assert flow.sign(headers=flow.ops).status_code == 403
    wrong_password = flow.sign(password="not the password")
    assert (wrong_password.status_code, wrong_password.json()["reasons"]) == (403, ["wrong password"])
    with expired_licence(world, "CA"):
        lapsed = flow.sign()
    assert lapsed.status_code == 403
    assert lapsed.json()["reasons"] == ["the licence for the patient's state has expired"]

    signed = flow.sign()
    assert signed.status_code == 200, signed.text
    signature = signed.json()
    assert (signature["printed_name"], signature["credentials"], signature["version"]) == (
        "specialist",
        "MD",
        version,
    )
    assert len(signature["content_sha256"]) == 64
    assert not signature["exported"]
    case = world.client.get(f"/cases/{flow.case_id}", headers=flow.specialist).json()
    assert case["status"] == "signed"
    assert flow.save("assessment", version, text="A late change.").status_code == 409

    # The run resumes at its interrupt: finalize renders the PDF and the FHIR bundle.
    assert in_process_worker.drain() == 1
    run = world.client.get(flow.url(f"runs/{run_id}"), headers=flow.ops).json()
    assert (run["status"], [step["state"] for step in run["steps"]]) == ("succeeded", ["done"] * len(STEPS))
    assert world.client.get(flow.url("opinion/signed"), headers=flow.specialist).json()["exported"]
    check_pdf(world, flow, signature["content_sha256"])
    check_fhir(world, flow)
    check_immutable_and_addenda(world, flow)
    check_versions(world, flow, version)
    check_signals(world, flow, sections)
    check_audit(world, flow)


@contextmanager
def expired_licence(world: PipelineWorld, state: str) -> Iterator[None]:
    """The test specialist's licence for ``state`` expired yesterday, for the duration of the block."""
    query = select(StateLicense).where(
        StateLicense.specialist_id == world.accounts.specialist, StateLicense.state == state
    )
    with world.session_factory.begin() as session:
        licence = session.scalars(query).one()
        saved, licence.expires_on = licence.expires_on, dt.date.today() - dt.timedelta(days=1)
    try:
        yield
    finally:
        with world.session_factory.begin() as session:
            session.scalars(query).one().expires_on = saved


def check_pdf(world: PipelineWorld, flow: Flow, sha256: str) -> None:
    pdf = world.client.get(flow.url("opinion/pdf"), headers=flow.specialist)
    assert (pdf.status_code, pdf.headers["content-type"]) == (200, "application/pdf")
    text_of_pdf = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Electronically signed by specialist, MD" in text_of_pdf
    assert sha256 in text_of_pdf.replace("\n", "")
    assert "Stress echocardiography." in text_of_pdf
    assert "AI" not in text_of_pdf.split()


def check_fhir(world: PipelineWorld, flow: Flow) -> None:
    response = world.client.get(flow.url("opinion/fhir"), headers=flow.specialist)
    assert response.status_code == 200
    Bundle.model_validate(response.json())  # raises on anything FHIR R4 does not allow
    report, provenance = (entry["resource"] for entry in response.json()["entry"])
    assert (report["resourceType"], report["status"]) == ("DiagnosticReport", "final")
    assert report["presentedForm"][0]["contentType"] == "application/pdf"
    assert provenance["resourceType"] == "Provenance"
    assert provenance["target"][0]["reference"] == f"DiagnosticReport/{report['id']}"


def check_immutable_and_addenda(world: PipelineWorld, flow: Flow) -> None:
    with world.engine.connect() as connection, pytest.raises(DBAPIError, match="immutable"):
        connection.execute(text("UPDATE signed_opinions SET meaning = 'changed'"))
    addendum = world.client.post(
        flow.url("opinion/addenda"),
        json={"text": "Correction: the exercise test was done.", "password": PASSWORD, "meaning": MEANING},
        headers=flow.specialist,
    )
    assert addendum.status_code == 201, addendum.text
    signed = world.client.get(flow.url("opinion/signed"), headers=flow.specialist).json()
    assert [item["id"] for item in signed["addenda"]] == [addendum.json()["id"]]


def check_versions(world: PipelineWorld, flow: Flow, last: int) -> None:
    versions = world.client.get(flow.url("opinion/versions"), headers=flow.specialist).json()
    assert [item["number"] for item in versions] == list(range(1, last + 1))
    diff = world.client.get(flow.url("opinion/diff"), params={"from": 1, "to": last}, headers=flow.specialist)
    assert set(diff.json()["sections"]) == {"assessment", "recommendations"}
    assert "+Stress echocardiography." in diff.json()["sections"]["recommendations"]


def check_signals(world: PipelineWorld, flow: Flow, sections: list[str]) -> None:
    with world.session_factory() as session:
        signal = session.scalars(
            select(SignoffSignal).where(SignoffSignal.case_id == uuid.UUID(flow.case_id))
        ).one()
    assert set(signal.section_edit_distance) == set(sections)
    assert signal.section_edit_distance["assessment"] > 0
    assert signal.section_edit_distance["records_reviewed"] == 0
    assert signal.sections_changed_share == round(2 / len(sections), 4)
    assert signal.seconds_to_signature is not None
    production = world.client.get("/evals/signals", headers=world.headers(Role.QA)).json()
    (edits,) = production["edits_by_template"]
    assert edits["signed"] == 1
    assert edits["section_edit_distance"]["assessment"] > 0
    (routing,) = production["routing_by_subspecialty"]
    assert (routing["decisions"], routing["override_rate"]) == (1, 1.0)  # ops overrode the suggestion
    assert production["summary_citation_check"]["summaries"] == 1
    assert production["sla_events"]["sla_breached"] == 0


def check_audit(world: PipelineWorld, flow: Flow) -> None:
    entries = world.client.get(
        "/audit", params={"case_id": flow.case_id, "limit": 500}, headers=world.headers(Role.QA)
    ).json()["items"]
    actions = {(entry["action"], entry["outcome"]) for entry in entries}
    expected = {
        ("draft.read.reidentified", "success"),
        ("opinion.read", "success"),
        ("opinion.section.saved", "success"),
        ("PATCH /cases/{case_id}/opinion/sections/{section_id}", "stale"),
        ("POST /cases/{case_id}/opinion/sign", "conflict"),
        ("POST /cases/{case_id}/opinion/sign", "denied"),
        ("POST /cases/{case_id}/opinion/sign", "not_found"),
        ("opinion.signed", "success"),
        ("opinion.pdf.read", "success"),
        ("opinion.fhir.read", "success"),
        ("opinion.addendum.signed", "success"),
    }
    assert expected - actions == set(), json.dumps(sorted(actions))
