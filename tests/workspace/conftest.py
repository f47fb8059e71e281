"""A browser-like client for the workspace pages: HTTPS (the session cookie is Secure), no automatic
redirects, and a helper that signs in through the form."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from store.models import Role
from tests.conftest import PASSWORD

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(page: str) -> str:
    """The CSRF token of the first form on ``page``."""
    found = CSRF_FIELD.search(page)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


@pytest.fixture
def browser(client: TestClient) -> Iterator[TestClient]:
    """A cookie-keeping client of the same app over HTTPS."""
    with TestClient(client.app, base_url="https://testserver", follow_redirects=False) as browser:
        yield browser


def sign_in(browser: TestClient, email: str, password: str = PASSWORD) -> str:
    """Sign in through the form; returns the page the browser lands on."""
    form = browser.get("/app/sign-in")
    response = browser.post(
        "/app/sign-in", data={"email": email, "password": password, "csrf_token": csrf_token(form.text)}
    )
    assert response.status_code == 303, response.text
    landing = browser.get(response.headers["location"])
    assert landing.status_code == 200, landing.text
    return landing.text


@pytest.fixture
def signed_in_as(browser: TestClient) -> Callable[[Role], str]:
    """Sign the browser in as the test account of a role; returns the landing page."""
    return lambda role: sign_in(browser, f"{role.value}@example.com")
