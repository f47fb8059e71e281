"""Signing in and out of the workspace, and each role's home page."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from review_api import auditing
from review_api.auth.service import authenticate
from review_api.context import current_request
from review_api.deps import SessionDep, SessionFactoryDep, SettingsDep
from store.errors import TooManyRequests, Unauthorized
from store.principal import Principal
from workspace import sessions
from workspace.web import HOME_BY_ROLE, PREFIX, FormPosterDep, SignedInDep, render, see_other

router = APIRouter(prefix=PREFIX, include_in_schema=False)
# Before there is a session, the sign-in form is protected by a double-submit cookie instead.
SIGN_IN_COOKIE = "reconsult_sign_in"


@router.get("")
def home(signed_in: SignedInDep) -> Response:
    """Each role starts on its own page."""
    return see_other(HOME_BY_ROLE[signed_in.role])


@router.get("/sign-in")
def sign_in_page(request: Request, settings: SettingsDep) -> Response:
    """The sign-in form."""
    return _sign_in_form(request, settings.secure_cookies)


@router.post("/sign-in")
def sign_in(
    request: Request,
    session: SessionDep,
    session_factory: SessionFactoryDep,
    settings: SettingsDep,
    email: Annotated[str, Form(max_length=320)] = "",
    password: Annotated[str, Form(max_length=200)] = "",
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    """Start a session; a wrong e-mail or password gets the same answer in the same time."""
    if not sessions.same_token(request.cookies.get(SIGN_IN_COOKIE, ""), csrf_token):
        return _sign_in_form(request, settings.secure_cookies, "The form expired. Please sign in again.")
    try:
        user = authenticate(session, session_factory, settings.jwt_signing_key, email, password)
    except (Unauthorized, TooManyRequests) as error:
        session.rollback()
        problem = f"{error.detail[0].upper()}{error.detail[1:]}."
        return _sign_in_form(request, settings.secure_cookies, problem, email, error.status)
    token = sessions.start(session, user, settings)
    current_request().principal = Principal(user_id=user.id, role=user.role)
    auditing.record(session, "auth.sign_in.web", "user", resource_id=user.id)
    response = see_other(HOME_BY_ROLE[user.role])
    response.set_cookie(
        sessions.COOKIE_NAME,
        token,
        max_age=settings.web_session_hours * 3600,
        path=PREFIX,
        secure=settings.secure_cookies,
        httponly=True,
        samesite="strict",
    )
    response.delete_cookie(SIGN_IN_COOKIE, path=PREFIX)
    return response


@router.post("/sign-out")
def sign_out(signed_in: FormPosterDep, session: SessionDep) -> Response:
    """End the session and forget the cookie."""
    sessions.end(session, signed_in)
    auditing.record(session, "auth.sign_out.web", "user", resource_id=signed_in.user_id)
    response = see_other(f"{PREFIX}/sign-in?signed_out=1")
    response.delete_cookie(sessions.COOKIE_NAME, path=PREFIX)
    return response


def _sign_in_form(
    request: Request, secure: bool, problem: str | None = None, email: str = "", status: int = 401
) -> Response:
    token = secrets.token_urlsafe(32)
    response = render(
        request,
        "sign_in.html",
        status_code=status if problem else 200,
        sign_in_token=token,
        problem=problem,
        email=email,
        signed_out="signed_out" in request.query_params,
    )
    response.set_cookie(
        SIGN_IN_COOKIE, token, max_age=3600, path=PREFIX, secure=secure, httponly=True, samesite="strict"
    )
    return response
