"""A case through the whole pipeline: upload, queue, worker, summary with sources, by role; and a worker
killed mid-run, resumed by another process from its checkpoint."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import func, select

from llm.embeddings import default_embedder
from pipeline.version import STEPS
from pipeline.worker import Worker
from records.kinds import RecordKind
from store.models import (
    CaseDocument,
    CaseSummaryRow,
    PipelineRun,
    Role,
    RoutingDecision,
    RunStatus,
    UnitExtractionRow,
)
from store.repositories.pipeline import DocumentRepository
from tests.pipeline.conftest import PipelineWorld

NOTE = """REFERRAL NOTE
Patient: Margaret Okonkwo   DOB: 03/14/1956   MRN: 4471-2290

HISTORY OF PRESENT ILLNESS:
Mrs. Okonkwo is a 68 year-old woman with a history of hypertension and hyperlipidemia who presents with
two months of exertional chest pressure.

MEDICATIONS:
Lisinopril 20 mg oral daily
Metformin 1000 mg BID

ASSESSMENT:
1. Stable angina
"""


def fhir_conditions() -> bytes:
    condition = {
        "resourceType": "Condition",
        "id": "c1",
        "clinicalStatus": {"coding": [{"code": "active"}]},
        "code": {
            "coding": [{"system": "http://snomed.info/sct", "code": "44054006", "display": "Diabetes type 2"}]
        },
        "onsetDateTime": "2019-06-01",
    }
    return json.dumps(
        {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": condition}]}
    ).encode()


def ready_case(world: PipelineWorld, *files: tuple[str, bytes], **intake: Any) -> str:
    """A case with consents, the files, and assigned to the test specialist (``intake`` overrides fields of
    the case's intake body)."""
    cases = world.cases()
    case_id = cases.create(**intake)
    cases.consent(case_id, "record_release", "specialist_review")
    assert cases.upload(case_id, *files).status_code == 201
    cases.move(case_id, "submitted", "processing")
    ops = world.headers(Role.OPS)
    triage = world.client.post(
        f"/cases/{case_id}/triage", json={"urgency": "urgent", "subspecialty": "cardiology"}, headers=ops
    )
    assert triage.status_code == 200, triage.text
    assigned = world.client.post(
        f"/cases/{case_id}/assignment", json={"specialist_id": str(world.accounts.specialist)}, headers=ops
    )
    assert assigned.status_code == 200, assigned.text
    return case_id


@pytest.fixture
def in_process_worker(pipeline_world: PipelineWorld) -> Iterator[Worker]:
    worker = pipeline_world.runtime(worker_lease_seconds=30).worker()
    yield worker
    worker.graph.checkpointer.conn.close()


class TestAProcessedCase:
    def test_upload_queue_work_and_read(
        self, pipeline_world: PipelineWorld, in_process_worker: Worker
    ) -> None:
        world = pipeline_world
        case_id = ready_case(
            world,
            ("referral.txt", NOTE.encode()),
            ("conditions.json", fhir_conditions()),
            referring_diagnosis={"text": "Stable angina", "icd10": "I20.8"},
        )
        ops = world.headers(Role.OPS)
        started = world.client.post(f"/cases/{case_id}/runs", headers=ops)
        assert started.status_code == 202, started.text
        again = world.client.post(f"/cases/{case_id}/runs", headers=ops)
        assert (again.status_code, again.json()["id"]) == (200, started.json()["id"])  # idempotent
        assert started.json()["status"] == "queued"

        assert in_process_worker.drain() == 1

        run = world.client.get(f"/cases/{case_id}/runs/{started.json()['id']}", headers=ops).json()
        assert run["status"] == "awaiting_signoff", run  # paused at the sign-off interrupt
        waiting = STEPS.index("await_signoff")
        assert [step["state"] for step in run["steps"]] == ["done"] * waiting + ["waiting", "pending"]
        assert run["progress"]["urgency"] in {"emergent", "urgent", "routine"}  # triage and discrepancy,
        assert run["progress"]["flags"] == 1  # side by side, both kept their counters
        assert run["progress"]["documents"] == 2
        assert run["progress"]["units_done"] == run["progress"]["units"] >= 2

        specialist = world.headers(Role.SPECIALIST)
        summary = world.client.get(f"/cases/{case_id}/summary", headers=specialist).json()
        assert summary["view"] == "reidentified"
        conditions = {item["text"] for item in summary["summary"]["conditions"]}
        assert {"hypertension", "hyperlipidemia", "Stable angina", "Diabetes type 2"} <= conditions
        assert "Okonkwo" in json.dumps(summary["summary"]["history"])
        assert {p["task"] for p in summary["provenance"]} == {"summarize_document", "summarize_narrative"}

        item = next(i for i in summary["summary"]["conditions"] if i["text"] == "Stable angina")
        citation = item["citations"][0]
        source_url = f"/cases/{case_id}/documents/{citation['document_id']}/source"
        source = world.client.get(
            source_url, params={"start": citation["start"], "end": citation["end"]}, headers=specialist
        )
        assert source.status_code == 200, source.text
        assert "Stable angina" in source.json()["text"]

        qa = world.headers(Role.QA)
        deidentified = world.client.get(f"/cases/{case_id}/summary", headers=qa).json()
        assert deidentified["view"] == "deidentified"
        assert "Okonkwo" not in json.dumps(deidentified)
        history = next(i for i in deidentified["summary"]["history"] if i["citations"])["citations"][0]
        qa_source = world.client.get(
            f"/cases/{case_id}/documents/{history['document_id']}/source",
            params={"start": history["start"], "end": history["end"]},
            headers=qa,
        ).json()
        assert qa_source["view"] == "deidentified"
        assert "Okonkwo" not in json.dumps(qa_source)

        assert world.client.get(f"/cases/{case_id}/summary", headers=ops).status_code == 403
        self.check_discrepancies(world, case_id)
        self.check_draft(world, case_id)
        bad_span = world.client.get(source_url, params={"start": 5, "end": 10**6}, headers=specialist)
        assert bad_span.status_code == 422

    def check_discrepancies(self, world: PipelineWorld, case_id: str) -> None:
        """No test of ischaemia in the records: the submitted stable angina is flagged as unsupported, quoting
        the diagnosis; the specialist reads its wording, QA only its citation, ops nothing."""
        url = f"/cases/{case_id}/discrepancies"
        flags = world.client.get(url, headers=world.headers(Role.SPECIALIST)).json()
        assert flags["view"] == "reidentified"
        (flag,) = flags["flags"]
        assert flag["type"] == "unsupported_by_records"
        assert flag["claim"]["document_id"] == "referring_diagnosis"
        assert flag["claim"]["text"] == "Stable angina"
        qa_flags = world.client.get(url, headers=world.headers(Role.QA)).json()
        assert qa_flags["view"] == "deidentified"
        assert qa_flags["flags"][0]["claim"]["text"] is None
        assert world.client.get(url, headers=world.headers(Role.OPS)).status_code == 403

    def check_draft(self, world: PipelineWorld, case_id: str) -> None:
        """The draft is on the cardiology template ops routed the case to, every section AI-generated; the
        specialist reads the patient's details, QA surrogates; facts cite spans."""
        url = f"/cases/{case_id}/draft"
        draft = world.client.get(url, headers=world.headers(Role.SPECIALIST)).json()
        assert (draft["view"], draft["template"]) == ("reidentified", "cardiology")
        assert {section["status"] for section in draft["sections"]} == {"ai_draft"}
        facts = [s for section in draft["sections"] for s in section["sentences"] if s["kind"] == "fact"]
        assert facts
        assert all(sentence["citations"] for sentence in facts)
        reason = next(section for section in draft["sections"] if section["id"] == "reason_for_review")
        assert "Stable angina" in json.dumps(reason)
        assert world.client.get(url, headers=world.headers(Role.QA)).json()["view"] == "deidentified"
        assert world.client.get(url, headers=world.headers(Role.OPS)).status_code == 403

    def test_chunks_are_retrievable_by_kind(
        self, pipeline_world: PipelineWorld, in_process_worker: Worker
    ) -> None:
        case_id = ready_case(
            pipeline_world, ("referral.txt", NOTE.encode()), ("conditions.json", fhir_conditions())
        )
        assert (
            pipeline_world.client.post(
                f"/cases/{case_id}/runs", headers=pipeline_world.headers(Role.OPS)
            ).status_code
            == 202
        )
        in_process_worker.drain()
        query = default_embedder().embed(["chest pain on exertion"])[0]
        with pipeline_world.session_factory() as session:
            repository = DocumentRepository(session)
            nearest = repository.nearest_chunks(uuid.UUID(case_id), query, k=5)
            assert nearest
            assert nearest[0][0].kind is RecordKind.TEXT
            distances = [distance for _, distance in nearest]
            assert distances == sorted(distances)
            fhir_only = repository.nearest_chunks(
                uuid.UUID(case_id), query, k=5, kinds=[RecordKind.FHIR_JSON]
            )
            assert fhir_only
            assert {chunk.kind for chunk, _ in fhir_only} == {RecordKind.FHIR_JSON}

    def test_a_failing_stage_fails_the_run_and_it_can_be_retried(
        self, pipeline_world: PipelineWorld, in_process_worker: Worker
    ) -> None:
        world = pipeline_world
        case_id = ready_case(world, ("referral.txt", NOTE.encode()))
        ops = world.headers(Role.OPS)
        run_id = world.client.post(f"/cases/{case_id}/runs", headers=ops).json()["id"]
        with world.session_factory.begin() as session:  # the record's blob is lost from storage
            record_id = session.get(PipelineRun, uuid.UUID(run_id)).record_ids[0]  # type: ignore[union-attr]
        blob_path = next((path for path in world.settings.blob_dir.rglob("*") if path.is_file()), None)
        assert blob_path is not None
        hidden = blob_path.with_suffix(".hidden")
        blob_path.rename(hidden)
        assert in_process_worker.drain() == 1
        failed = world.client.get(f"/cases/{case_id}/runs/{run_id}", headers=ops).json()
        assert failed["status"] == "failed"
        assert failed["failure_reason"] == "ingest: FileNotFoundError"
        assert record_id not in failed["failure_reason"]
        hidden.rename(blob_path)
        retried = world.client.post(f"/cases/{case_id}/runs/{run_id}/retry", headers=ops)
        assert retried.json()["status"] == "queued"
        assert in_process_worker.drain() == 1
        assert (
            world.client.get(f"/cases/{case_id}/runs/{run_id}", headers=ops).json()["status"]
            == "awaiting_signoff"
        )


STROKE_NOTE = """REFERRAL
Patient: Tobias Lindqvist   DOB: 02/11/1958
Since 40 minutes ago he has sudden right arm weakness, slurred speech and a facial droop.
History of atrial fibrillation, on no anticoagulation. Question: is this a TIA, and which neurologist?
"""


class TestRoutingAProcessedCase:
    def test_the_queue_shows_the_suggestion_and_ops_route_in_one_call(
        self, pipeline_world: PipelineWorld, in_process_worker: Worker
    ) -> None:
        world = pipeline_world
        cases = world.cases()
        case_id = cases.create(requested_specialty="neurology")
        cases.consent(case_id, "record_release", "specialist_review")
        assert cases.upload(case_id, ("referral.txt", STROKE_NOTE.encode())).status_code == 201
        cases.move(case_id, "submitted", "processing")
        ops = world.headers(Role.OPS)
        assert world.client.post(f"/cases/{case_id}/runs", headers=ops).status_code == 202
        assert in_process_worker.drain() == 1

        queue = world.client.get("/queue", headers=ops)
        assert queue.status_code == 200, queue.text
        entry = next(e for e in queue.json() if e["case"]["id"] == case_id)
        assert entry["effective_urgency"] == "emergent"
        assert entry["suggestion"]["reasons"] == ["Signs of acute stroke"]  # rule names, no clinical text
        assert "Lindqvist" not in json.dumps(queue.json())
        assert entry["sla_state"] == "not_started"
        assert len(entry["suggestion"]["subspecialties"]) == 3
        emergent_first = [e["effective_urgency"] for e in queue.json()]
        assert emergent_first == sorted(emergent_first, key=["emergent", "urgent", "routine", None].index)

        overridden = world.client.post(
            f"/cases/{case_id}/routing", json={"urgency": "urgent", "subspecialty": "neurology"}, headers=ops
        )
        assert overridden.status_code == 422
        assert overridden.json()["errors"][0]["field"] == "override_reason"

        routed = world.client.post(
            f"/cases/{case_id}/routing",
            json={
                "subspecialty": "neurology",
                "specialist_id": str(world.accounts.specialist),
                "override_reason": "stroke: neurology, whatever the model ranked first",
            },
            headers=ops,
        )
        assert routed.status_code == 200, routed.text
        body = routed.json()
        assert body["case"]["status"] == "assigned"
        assert body["case"]["urgency"] == "emergent"  # the suggested urgency was kept
        assert body["case"]["due_at"] is not None  # the SLA clock runs
        after = next(e for e in world.client.get("/queue", headers=ops).json() if e["case"]["id"] == case_id)
        assert after["sla_state"] == "on_track"
        with world.session_factory() as session:
            decision = session.scalars(select(RoutingDecision)).one()
            assert (decision.overridden, decision.subspecialty) == (True, "neurology")
        (example,) = world.client.get("/routing/overrides", headers=world.headers(Role.QA)).json()
        assert (example["case_id"], example["suggested_urgency"], example["subspecialty"]) == (
            case_id,
            "emergent",
            "neurology",
        )
        assert example["override_reason"].startswith("stroke: neurology")


def long_record(paragraphs: int) -> bytes:
    """A long synthetic note: many visits, each a paragraph with problems and medications."""
    visits = [
        f"VISIT {index}:\nPatient seen for follow-up of hypertension and type 2 diabetes mellitus. "
        f"Blood pressure {120 + index % 30}/{70 + index % 15}. "
        f"Continue lisinopril {10 + index % 3 * 10} mg oral daily and metformin 500 mg BID. "
        f"Hemoglobin A1c {6 + index % 4}.{index % 10} %."
        for index in range(paragraphs)
    ]
    return ("\n\n".join(visits) + "\n").encode()


def count(world: PipelineWorld, statement: Any) -> int:
    with world.session_factory() as session:
        return int(session.scalar(statement) or 0)


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


class TestCrashSafety:
    def test_a_killed_worker_is_resumed_by_another_and_makes_one_summary(
        self, pipeline_world: PipelineWorld
    ) -> None:
        world = pipeline_world
        case_id = ready_case(world, ("visits.txt", long_record(400)))
        run_id = uuid.UUID(
            world.client.post(f"/cases/{case_id}/runs", headers=world.headers(Role.OPS)).json()["id"]
        )
        environment = world.worker_environment(
            worker_lease_seconds="3",
            worker_poll_seconds="0.2",
            summary_unit_chars="600",
            worker_concurrency="1",
        )
        command = [sys.executable, "-m", "reconsult", "worker"]
        first = subprocess.Popen(command, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        extracted = (
            select(func.count()).select_from(UnitExtractionRow).where(UnitExtractionRow.run_id == run_id)
        )
        try:
            wait_for(lambda: count(world, extracted) >= 5, 240, "the first worker to extract some units")
            os.kill(first.pid, signal.SIGKILL)  # no clean-up of any kind
        finally:
            first.wait(timeout=30)
        summaries = select(func.count()).select_from(CaseSummaryRow).where(CaseSummaryRow.run_id == run_id)
        assert count(world, summaries) == 0, "the run finished before it could be killed"
        done_before = count(world, extracted)
        with world.session_factory() as session:
            run = session.get(PipelineRun, run_id)
            assert run is not None
            assert (run.status, run.attempts) == (RunStatus.RUNNING, 1)
            units = run.progress["units"]
        assert done_before < units

        time.sleep(3.5)  # the dead worker's lease runs out
        second = subprocess.run(
            [*command, "--once"], env=environment, capture_output=True, text=True, timeout=600
        )
        assert second.returncode == 0, second.stderr[-2000:]
        assert "1 run(s) processed" in second.stdout

        with world.session_factory() as session:
            run = session.get(PipelineRun, run_id)
            assert run is not None
            assert (run.status, run.attempts) == (RunStatus.AWAITING_SIGNOFF, 2)
            documents = session.scalar(
                select(func.count())
                .select_from(CaseDocument)
                .where(CaseDocument.case_id == uuid.UUID(case_id))
            )
            assert documents == 1  # ingest was not redone
        assert count(world, summaries) == 1
        assert count(world, extracted) == units
        summary = world.client.get(f"/cases/{case_id}/summary", headers=world.headers(Role.SPECIALIST)).json()
        medications = {item["fields"].get("name", "").lower() for item in summary["summary"]["medications"]}
        assert {"lisinopril", "metformin"} <= medications
