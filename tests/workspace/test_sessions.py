"""Signing in and out of the workspace: cookies, CSRF, expiry, roles, the security headers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from store.models import AuditEvent, Role, User, WebSession
from tests.conftest import PASSWORD, Accounts
from tests.workspace.conftest import csrf_token, sign_in


def test_sign_in_sets_a_strict_secure_cookie_and_lands_on_the_role_home(browser: TestClient) -> None:
    form = browser.get("/app/sign-in")
    response = browser.post(
        "/app/sign-in",
        data={"email": "ops@example.com", "password": PASSWORD, "csrf_token": csrf_token(form.text)},
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/app/queue"
    cookie = next(h for h in response.headers.get_list("set-cookie") if h.startswith("reconsult_session="))
    attributes = {part.strip() for part in cookie.split(";")}
    assert {"HttpOnly", "Secure", "SameSite=strict", "Path=/app"} <= attributes


def test_wrong_password_and_unknown_account_get_the_same_answer(browser: TestClient) -> None:
    answers = []
    for email, password in (("ops@example.com", "not-the-password"), ("nobody@example.com", PASSWORD)):
        form = browser.get("/app/sign-in")
        response = browser.post(
            "/app/sign-in", data={"email": email, "password": password, "csrf_token": csrf_token(form.text)}
        )
        assert response.status_code == 401
        answers.append("Incorrect e-mail or password" in response.text)
    assert answers == [True, True]


def test_a_sign_in_form_without_its_token_is_refused(browser: TestClient) -> None:
    browser.get("/app/sign-in")
    response = browser.post(
        "/app/sign-in", data={"email": "ops@example.com", "password": PASSWORD, "csrf_token": "forged"}
    )
    assert response.status_code == 401
    assert "reconsult_session" not in browser.cookies


def test_pages_need_a_session_and_another_roles_page_is_forbidden(
    browser: TestClient, signed_in_as: Callable[[Role], str]
) -> None:
    assert browser.get("/app/cases").headers["location"] == "/app/sign-in"
    signed_in_as(Role.OPS)
    refused = browser.get("/app/cases")
    assert refused.status_code == 403
    assert "text/html" in refused.headers["content-type"]
    assert "this page is for another role" in refused.text


def test_a_post_without_the_session_csrf_token_is_refused(
    browser: TestClient, signed_in_as: Callable[[Role], str]
) -> None:
    signed_in_as(Role.OPS)
    assert browser.post("/app/sign-out", data={"csrf_token": "forged"}).status_code == 403
    assert browser.get("/app").headers["location"] == "/app/queue"  # still signed in


def test_sign_out_ends_the_session_on_the_server(
    browser: TestClient, signed_in_as: Callable[[Role], str]
) -> None:
    landing = signed_in_as(Role.OPS)
    stolen = browser.cookies["reconsult_session"]
    response = browser.post("/app/sign-out", data={"csrf_token": csrf_token(landing)})
    assert response.headers["location"].startswith("/app/sign-in")
    browser.cookies.clear()
    replayed = browser.get("/app", headers={"Cookie": f"reconsult_session={stolen}"})
    assert replayed.headers["location"] == "/app/sign-in"


def test_an_idle_session_expires(
    browser: TestClient, signed_in_as: Callable[[Role], str], session: Session
) -> None:
    signed_in_as(Role.OPS)
    session.execute(update(WebSession).values(last_seen_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)))
    session.commit()
    assert browser.get("/app").headers["location"] == "/app/sign-in"


def test_a_password_change_ends_earlier_sessions(
    browser: TestClient, signed_in_as: Callable[[Role], str], session: Session, accounts: Accounts
) -> None:
    signed_in_as(Role.OPS)
    session.execute(
        update(User)
        .where(User.id == accounts.ops)
        .values(password_changed_at=dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1))
    )
    session.commit()
    assert browser.get("/app").headers["location"] == "/app/sign-in"


def test_pages_carry_a_content_security_policy_without_inline_script(browser: TestClient) -> None:
    policy = browser.get("/app/sign-in").headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy


def test_the_api_still_answers_problem_json(browser: TestClient) -> None:
    response = browser.get("/cases")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"


def test_sign_in_is_audited(browser: TestClient, session: Session, accounts: Accounts) -> None:
    sign_in(browser, "qa@example.com")
    actions = session.scalars(select(AuditEvent.action).where(AuditEvent.actor_id == accounts.qa)).all()
    assert "auth.sign_in.web" in actions


def test_repeated_failed_sign_ins_are_refused_for_a_while(browser: TestClient) -> None:
    for _ in range(5):
        form = browser.get("/app/sign-in")
        browser.post(
            "/app/sign-in",
            data={
                "email": "admin@example.com",
                "password": "wrong-password",
                "csrf_token": csrf_token(form.text),
            },
        )
    form = browser.get("/app/sign-in")
    response = browser.post(
        "/app/sign-in",
        data={"email": "admin@example.com", "password": PASSWORD, "csrf_token": csrf_token(form.text)},
    )
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.text
