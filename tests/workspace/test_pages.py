"""Each role's pages over the test database: what they show, what they keep to themselves, and how their
forms refuse bad input."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from store.models import EvalRun, Role
from tests.conftest import Accounts, CaseBuilder, case_payload
from tests.workspace.conftest import csrf_token

PATIENT = case_payload()["patient"]["name"]


def test_my_cases_lists_only_the_specialists_cases_and_keeps_phi_out_of_urls(
    browser: TestClient, signed_in_as: Callable[[Role], str], cases: CaseBuilder, accounts: Accounts
) -> None:
    mine = cases.assigned()
    theirs = cases.assigned(accounts.other_specialist)
    page = signed_in_as(Role.SPECIALIST)
    assert f"/app/cases/{mine}" in page
    assert theirs not in page
    assert PATIENT in page
    assert f'href="/app/cases/{mine}"' in page  # the link names the case id only
    other = browser.get(f"/app/cases/{theirs}")
    assert other.status_code == 404
    assert PATIENT not in other.text


def test_the_case_page_says_what_is_not_ready_yet(
    browser: TestClient, signed_in_as: Callable[[Role], str], cases: CaseBuilder
) -> None:
    case_id = cases.assigned()
    signed_in_as(Role.SPECIALIST)
    page = browser.get(f"/app/cases/{case_id}")
    assert page.status_code == 200
    assert "The summary is not ready yet." in page.text
    assert "The draft is not ready yet." in page.text


def test_the_ops_queue_shows_routing_fields_and_no_clinical_content(
    browser: TestClient, signed_in_as: Callable[[Role], str], cases: CaseBuilder
) -> None:
    case_id = cases.triaged()
    page = signed_in_as(Role.OPS)
    assert f'id="case-{case_id}"' in page
    assert PATIENT not in page
    assert "Suspected sarcoidosis" not in page


def test_an_override_without_a_reason_is_explained_on_the_queue(
    browser: TestClient, signed_in_as: Callable[[Role], str], cases: CaseBuilder, accounts: Accounts
) -> None:
    case_id = cases.triaged()
    page = signed_in_as(Role.OPS)
    response = browser.post(
        f"/app/queue/{case_id}/route",
        data={
            "csrf_token": csrf_token(page),
            "decision": "override",
            "urgency": "emergent",
            "subspecialty": "cardiology",
            "specialist_id": str(accounts.specialist),
            "override_reason": "",
        },
    )
    assert response.status_code == 422
    assert "Not routed: an override needs a reason" in response.text


def test_qa_lists_opens_and_compares_recorded_runs(
    browser: TestClient, signed_in_as: Callable[[Role], str], session: Session
) -> None:
    runs = [
        EvalRun(
            name=name,
            model="offline",
            split="test",
            suites=["triage"],
            prompt_versions={},
            dataset_digests={},
            metrics={"suites": {"triage": triage_result(correct)}},
            report_html="<!doctype html><title>report</title><style>p{color:red}</style><p>report body</p>",
        )
        for name, correct in (("run-a", 90), ("run-b", 60))
    ]
    session.add_all(runs)
    session.commit()
    page = signed_in_as(Role.QA)
    assert "run-a" in page
    assert "run-b" in page
    report = browser.get(f"/app/qa/runs/{runs[0].id}/report")
    assert "report body" in report.text
    assert "script-src" not in report.headers["content-security-policy"]  # no script may run in it
    compared = browser.get("/app/qa/compare", params={"first": str(runs[0].id), "second": str(runs[1].id)})
    assert compared.status_code == 200
    assert "urgency accuracy" in compared.text
    assert "McNemar p=" in compared.text  # recorded runs keep per-item samples: paired tests
    assert "REGRESSION" in compared.text


def triage_result(correct: int, items: int = 100) -> dict[str, Any]:
    """A recorded triage suite: the accuracy and its per-item outcomes (the first ``correct`` right)."""
    outcomes = [1] * correct + [0] * (items - correct)
    return {
        "metrics": {"urgency_accuracy": correct / items},
        "samples": {"urgency_accuracy": {"numerators": outcomes, "denominators": [1] * items}},
    }


def test_admin_sees_credential_warnings_and_a_bad_new_account_is_named(
    browser: TestClient, signed_in_as: Callable[[Role], str]
) -> None:
    page = signed_in_as(Role.ADMIN)
    assert "Specialists" in page
    response = browser.post(
        "/app/admin/users",
        data={
            "csrf_token": csrf_token(page),
            "email": "new.reader@example.com",
            "full_name": "New Reader",
            "role": "qa",
            "password": "short",
        },
    )
    assert response.status_code == 422
    assert "password" in response.text
    assert 'value="new.reader@example.com"' in response.text  # what was typed is kept
    created = browser.post(
        "/app/admin/users",
        data={
            "csrf_token": csrf_token(page),
            "email": "new.reader@example.com",
            "full_name": "New Reader",
            "role": "qa",
            "password": "a-long-enough-password",
        },
    )
    assert created.status_code == 303
    assert "new.reader@example.com" in browser.get("/app/admin").text


def test_admin_edits_a_specialists_licences_and_a_bad_row_is_named(
    browser: TestClient, signed_in_as: Callable[[Role], str], accounts: Accounts
) -> None:
    signed_in_as(Role.ADMIN)
    url = f"/app/admin/specialists/{accounts.specialist}"
    page = browser.get(url).text
    assert 'value="CA"' in page
    assert 'value="NY"' in page
    form = {
        "csrf_token": csrf_token(page),
        "credentials": "MD",
        "subspecialties": "cardiology, internal_medicine",
        "weekly_capacity": "5",
        "active": "true",
        "license_state": ["CA", "TX"],
        "license_number": ["A-1", "TX-77"],
        "license_expires_on": ["2031-01-31", "31/12/2030"],
    }
    refused = browser.post(url, data=form)
    assert refused.status_code == 422
    assert "licenses, row 2, expires on" in refused.text
    assert 'value="TX-77"' in refused.text  # what was typed is kept
    form["license_expires_on"] = ["2031-01-31", "2030-12-31"]
    assert browser.post(url, data=form).status_code == 303
    saved = browser.get(url).text
    assert 'value="TX"' in saved
    assert 'value="NY"' not in saved  # the form replaces the list
