"""The review workspace in a real browser, against the app on a real port and a committed database with a
pipeline worker: ops assign an emergent case from the queue; the specialist opens it, follows a citation to
its source passage, edits a section, meets a stale-write conflict, is refused a signature, signs, and
downloads the PDF; QA opens an eval report. On the way every page passes axe-core's WCAG 2.1 A/AA checks
(labels, names, contrast, focusable regions) and the case page is used from the keyboard."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from evals.report import write_report
from pipeline.worker import Worker
from reconsult.service_app import create_service_app
from store.models import EvalRun, Role
from tests.conftest import PASSWORD
from tests.e2e.conftest import assert_accessible, serve
from tests.pipeline.conftest import PipelineWorld

EMERGENT_NOTE = """EMERGENCY DEPARTMENT REFERRAL
Patient: Rosalind Achterberg   DOB: 07/22/1961   MRN: 5530-1178

HISTORY OF PRESENT ILLNESS:
Sudden severe thunderclap headache, the worst headache of her life, starting three hours ago during exercise,
with vomiting and neck stiffness. She is drowsy. Blood pressure 184/102 mmHg.

MEDICATIONS:
Amlodipine 5 mg oral daily

ASSESSMENT:
1. Migraine
"""
# Set to a path (e.g. docs/workspace-case-page.png) to refresh the README's screenshot of the case page.
SCREENSHOT = os.environ.get("RECONSULT_SCREENSHOT")


@pytest.fixture
def worker(pipeline_world: PipelineWorld) -> Iterator[Worker]:
    worker = pipeline_world.runtime(worker_lease_seconds=30).worker()
    yield worker
    worker.graph.checkpointer.conn.close()


@pytest.fixture
def served(pipeline_world: PipelineWorld) -> Iterator[str]:
    world = pipeline_world
    yield from serve(create_service_app(world.settings, world.session_factory, world.blob_store))


@pytest.fixture
def context(chromium: Browser) -> Iterator[BrowserContext]:
    context = chromium.new_context(viewport={"width": 1600, "height": 1000}, accept_downloads=True)
    yield context
    context.close()


def processed_emergent_case(world: PipelineWorld, worker: Worker) -> str:
    cases = world.cases()
    case_id = cases.create(
        referring_diagnosis={"text": "Migraine", "icd10": "G43.909"}, question="Is this migraine?"
    )
    cases.consent(case_id, "record_release", "specialist_review")
    assert cases.upload(case_id, ("ed-referral.txt", EMERGENT_NOTE.encode())).status_code == 201
    cases.move(case_id, "submitted", "processing")
    started = world.client.post(f"/cases/{case_id}/runs", headers=world.headers(Role.OPS))
    assert started.status_code == 202, started.text
    assert worker.drain() == 1
    return case_id


def sign_in(page: Page, base: str, email: str, password: str = PASSWORD) -> None:
    page.goto(f"{base}/app/sign-in")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You are signed out.")).to_be_visible()


def ops_assign_the_emergent_case(page: Page, base: str, case_id: str, specialist_id: str) -> None:
    sign_in(page, base, "ops@example.com")
    expect(page).to_have_url(f"{base}/app/queue")
    banner = page.get_by_role("alert")
    expect(banner).to_contain_text("emergent case")
    banner.get_by_role("link", name=re.compile(case_id[:8])).click()
    row = page.locator(f"#case-{case_id}")
    expect(row).to_have_class(re.compile("row-emergent"))
    assert_accessible(page)
    row.get_by_text("Assign or override").click()
    row.get_by_label("Specialist").select_option(value=specialist_id)
    row.get_by_label("Reason").fill("our neurovascular reader is on call")
    row.get_by_role("button", name="Assign").click()
    expect(page.get_by_role("status")).to_contain_text("routed")
    expect(page.locator(f"#case-{case_id}")).to_contain_text("Assigned: specialist")
    sign_out(page)


def keyboard_to_main(page: Page) -> None:
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()


def follow_a_citation(page: Page) -> None:
    """With the keyboard: focus the first citation of the summary and press Enter."""
    citation = page.locator("#summary-heading ~ ul.summary a.cite").first
    citation.focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"document=.*start=\d+&end=\d+#passage$"))
    passage = page.locator("mark#passage")
    expect(passage).to_be_visible()
    expect(passage).to_be_focused()
    assert passage.inner_text().strip()
    assert passage.inner_text() in EMERGENT_NOTE


def edit_with_a_stale_tab(context: BrowserContext, page: Page) -> None:
    first_section = page.locator(".section").first
    section_id = (first_section.get_attribute("id") or "").removeprefix("section-")
    stale_tab = context.new_page()
    stale_tab.goto(page.url.split("?")[0])
    page.locator(f"#text-{section_id}").fill(
        "Thunderclap headache: subarachnoid haemorrhage until proven otherwise."
    )
    page.locator(f"#section-{section_id}").get_by_role("button", name=re.compile("^Save")).click()
    expect(page.locator(f"#section-{section_id}")).to_contain_text("Saved as version 2")
    expect(page.locator(f"#section-{section_id} .badge")).to_have_text("Edited")

    mine = "Not migraine: urgent CT and, if negative, lumbar puncture."
    stale_tab.locator(f"#text-{section_id}").fill(mine)
    stale_tab.locator(f"#section-{section_id}").get_by_role("button", name=re.compile("^Save")).click()
    conflict = stale_tab.locator(f"#section-{section_id} [role=alert]")
    expect(conflict).to_contain_text("this section changed after you opened it")
    expect(conflict).to_contain_text("subarachnoid haemorrhage")
    expect(stale_tab.locator(f"#text-{section_id}")).to_have_value(mine)  # nothing lost
    stale_tab.close()


def confirm_the_rest(page: Page) -> None:
    while (confirm := page.get_by_role("button", name="Confirm AI text")).count():
        confirm.first.click()
        expect(page.get_by_role("status")).to_contain_text("Saved as version")


def sign(page: Page, password: str) -> None:
    page.get_by_role("button", name="Review and sign…").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("You are signing this text")
    assert_accessible(page)
    dialog.get_by_label("Your password").fill(password)
    dialog.get_by_role("button", name="Sign", exact=True).click()


def test_the_review_workspace_end_to_end(
    pipeline_world: PipelineWorld, worker: Worker, served: str, context: BrowserContext, tmp_path: Path
) -> None:
    world, base = pipeline_world, served
    case_id = processed_emergent_case(world, worker)
    page = context.new_page()
    ops_assign_the_emergent_case(page, base, case_id, str(world.accounts.specialist))

    sign_in(page, base, "specialist@example.com")
    expect(page).to_have_url(f"{base}/app/cases")
    assert_accessible(page)
    page.get_by_role("link", name="Testy McTestface").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Testy McTestface")
    expect(page.locator(".badge-ai").first).to_be_visible()
    keyboard_to_main(page)
    assert "Testy" not in page.url  # PHI never in URLs
    follow_a_citation(page)
    assert_accessible(page)
    if SCREENSHOT:
        page.locator("h1").scroll_into_view_if_needed()
        page.screenshot(path=SCREENSHOT)
    edit_with_a_stale_tab(context, page)
    confirm_the_rest(page)
    page.get_by_role("link", name="versions and differences").click()
    expect(page.locator("pre.diff .added").first).to_be_visible()
    assert_accessible(page)
    page.go_back()

    sign(page, "not-my-password")
    refusal = page.get_by_role("dialog").get_by_role("alert")
    expect(refusal).to_contain_text("Not signed: re-authentication failed")
    page.get_by_role("dialog").get_by_role("button", name="Cancel").click()
    sign(page, PASSWORD)
    expect(page.locator("#signature")).to_contain_text("Signed")
    expect(page.locator("#signature")).to_contain_text("rendered")

    assert worker.drain() == 1  # the run resumes after the signature and renders the PDF
    page.reload()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the signed opinion (PDF)").click()
    pdf = tmp_path / "opinion.pdf"
    download_info.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    page.get_by_text("Add a signed addendum").click()
    page.get_by_label("Addendum", exact=True).fill("CT angiography result to follow; opinion unchanged.")
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Sign the addendum").click()
    expect(page.locator(".addendum")).to_contain_text("CT angiography result to follow")
    assert_accessible(page)
    sign_out(page)

    record_an_eval_run(world, tmp_path)
    sign_in(page, base, "qa@example.com")
    expect(page).to_have_url(f"{base}/app/qa")
    assert_accessible(page)
    page.get_by_role("link", name="browser-check").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("browser-check")
    assert_accessible(page)
    page.get_by_role("link", name=re.compile("Open the full report")).click()
    expect(page.locator("svg").first).to_be_visible()
    expect(page.get_by_text("95 %").first).to_be_visible()
    page.go_back()
    sign_out(page)
    assert_accessible(page)  # the sign-in page

    sign_in(page, base, "admin@example.com")
    expect(page.get_by_role("heading", name="Specialists")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="specialist", exact=True).click()
    expect(page.get_by_label("Licence 1 state")).to_have_value("CA")
    assert_accessible(page)


def record_an_eval_run(world: PipelineWorld, folder: Path) -> None:
    """A recorded run as `eval run --suite all` stores it (a small triage result with per-item samples)."""
    outcomes = [1, 1, 0, 1, 1, 1, 0, 1]
    result = {
        "suite": "triage",
        "dataset": "urgency_vignettes",
        "split": "test",
        "metrics": {"urgency_accuracy": sum(outcomes) / len(outcomes), "vignettes": len(outcomes)},
        "samples": {"urgency_accuracy": {"numerators": outcomes, "denominators": [1] * len(outcomes)}},
        "reliability": {"urgency": [[0.9, True], [0.6, False], [0.8, True], [0.7, True]]},
    }
    meta = {"run_id": "browser-check", "model": "offline", "split": "test"}
    report = write_report([result], folder / "report", meta)
    with world.session_factory.begin() as session:
        session.add(
            EvalRun(
                name="browser-check",
                model="offline",
                split="test",
                suites=["triage"],
                prompt_versions={},
                dataset_digests={},
                metrics={"suites": {"triage": {"metrics": result["metrics"]}}},
                report_html=report.read_text(),
            )
        )
