"""QA lists recorded eval runs, reads their metrics and opens their reports; nobody else does."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from store.models import EvalRun, Role
from store.repositories.evals import EvalRunRepository

REPORT = "<!doctype html><html><body><h1>Eval run run-1</h1><svg></svg></body></html>"


def record(session: Session) -> EvalRun:
    run = EvalRunRepository(session).add(
        EvalRun(
            name="run-1",
            model="offline engine",
            split="test",
            suites=["triage"],
            prompt_versions={"prompts": {"triage_case": 2}},
            dataset_digests={"evals/datasets/urgency_vignettes.jsonl": "0" * 64},
            metrics={"suites": {"triage": {"metrics": {"urgency_accuracy": 0.78}, "intervals": {}}}},
            report_html=REPORT,
        )
    )
    session.commit()
    return run


class TestEvalRuns:
    def test_qa_lists_reads_and_opens_a_recorded_run(
        self, client: TestClient, session: Session, as_role: Callable[[Role], dict[str, str]]
    ) -> None:
        run = record(session)
        qa = as_role(Role.QA)
        listed = client.get("/evals", headers=qa).json()
        assert [item["name"] for item in listed] == ["run-1"]
        detail = client.get(f"/evals/{run.id}", headers=qa).json()
        assert detail["metrics"]["suites"]["triage"]["metrics"]["urgency_accuracy"] == 0.78
        assert detail["prompt_versions"] == {"prompts": {"triage_case": 2}}
        report = client.get(f"/evals/{run.id}/report", headers=qa)
        assert report.headers["content-type"].startswith("text/html")
        assert report.text == REPORT

    def test_other_roles_are_refused(
        self, client: TestClient, session: Session, as_role: Callable[[Role], dict[str, str]]
    ) -> None:
        run = record(session)
        for role in (Role.OPS, Role.SPECIALIST, Role.ADMIN):
            assert client.get(f"/evals/{run.id}/report", headers=as_role(role)).status_code == 403
