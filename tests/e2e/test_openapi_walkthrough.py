"""The README's first walk, in a real browser: sign in on the OpenAPI page, create a case, grant consent,
upload a PDF and read the case back, against a served app and a database of its own."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page
from sqlalchemy import Engine

from reconsult.settings import Settings
from review_api.app import create_app
from review_api.users.schemas import UserCreate
from review_api.users.service import create_user
from store import migrate
from store.blobs import LocalBlobStore
from store.crypto import Cipher
from store.database import make_session_factory
from store.models import Role
from tests.e2e.conftest import serve

SAMPLE_PDF = Path(__file__).resolve().parents[2] / "docs" / "sample-records" / "consult-note.pdf"
OPS_PASSWORD = "walkthrough-ops-password"


@pytest.fixture
def served_api(fresh_engine: Engine, settings: Settings, tmp_path: Path) -> Iterator[str]:
    """The API on a real port over its own migrated database, with one ops account."""
    migrate.upgrade(fresh_engine)
    factory = make_session_factory(fresh_engine)
    with factory.begin() as session:
        create_user(
            session,
            UserCreate(
                email="walk.ops@example.com", full_name="Walk Ops", role=Role.OPS, password=OPS_PASSWORD
            ),
        )
    app = create_app(settings, factory, LocalBlobStore(tmp_path / "blobs", Cipher(settings.data_key_bytes)))
    yield from serve(app)


@pytest.fixture
def page(chromium: Browser) -> Page:
    """A page in Debian's headless Chromium, installed by `make test`."""
    return chromium.new_page(viewport={"width": 1280, "height": 1000})


def open_operation(page: Page, operation_id: str) -> Locator:
    section = page.locator(f"[id$='-{operation_id}']")
    section.locator(".opblock-summary").first.click()
    section.get_by_role("button", name="Execute").wait_for()
    return section


def execute(section: Locator) -> tuple[int, object]:
    section.get_by_role("button", name="Execute").click()
    status_cell = section.locator(".live-responses-table .response .response-col_status").first
    status = int(status_cell.inner_text())
    body = section.locator(".live-responses-table .microlight").first.inner_text()
    section.locator(".opblock-summary").first.click()  # fold it away again
    return status, json.loads(body)


def test_newcomer_walk_through_the_docs_page(served_api: str, page: Page) -> None:
    page.goto(f"{served_api}/docs")
    page.get_by_role("button", name=re.compile("Authorize")).first.click()
    page.locator("#oauth_username").fill("walk.ops@example.com")
    page.locator("#oauth_password").fill(OPS_PASSWORD)
    page.locator(".auth-btn-wrapper .authorize").click()
    page.get_by_text("Logout").wait_for()
    page.locator(".auth-btn-wrapper .btn-done").click()

    status, created = execute(open_operation(page, "create_case_cases_post"))
    assert status == 201
    assert isinstance(created, dict)
    case_id = created["id"]

    consent = open_operation(page, "grant_consent_cases__case_id__consents_post")
    consent.locator("input[placeholder='case_id']").fill(case_id)
    assert execute(consent)[0] == 201

    upload = open_operation(page, "upload_records_cases__case_id__records_post")
    upload.locator("input[placeholder='case_id']").fill(case_id)
    upload.locator("input[type=file]").first.set_input_files(SAMPLE_PDF)
    status, uploaded = execute(upload)
    assert status == 201
    assert isinstance(uploaded, list)
    assert uploaded[0]["kind"] == "pdf"

    read = open_operation(page, "read_case_cases__case_id__get")
    read.locator("input[placeholder='case_id']").fill(case_id)
    status, case = execute(read)
    assert status == 200
    assert isinstance(case, dict)
    assert (case["view"], case["record_count"], case["active_consents"]) == ("routing", 1, ["record_release"])
