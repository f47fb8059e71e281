"""What every workspace page shares: templates, the signed-in account, CSRF checks, role checks, the content
security policy and HTML error pages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from review_api.context import current_request
from review_api.deps import SessionDep, SettingsDep
from review_api.problems import audit_refusal
from store.errors import DomainError, Forbidden
from store.models import Role
from workspace import sessions
from workspace.sessions import SignedIn

PREFIX = "/app"
HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")
# Scripts and styles from our own static files only: no inline script can run, whatever a page contains.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
HOME_BY_ROLE = {
    Role.SPECIALIST: f"{PREFIX}/cases",
    Role.OPS: f"{PREFIX}/queue",
    Role.QA: f"{PREFIX}/qa",
    Role.ADMIN: f"{PREFIX}/admin",
}


class SignInRequired(Exception):
    """No live session: the browser is sent to the sign-in page."""


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """A page from ``templates/``, with the signed-in account (if any) and the current time."""
    context.setdefault("signed_in", getattr(request.state, "signed_in", None))
    context.setdefault("now", dt.datetime.now(dt.UTC))
    context.setdefault("idle_minutes", request.app.state.settings.web_session_idle_minutes)
    return templates.TemplateResponse(request, template, context, status_code=status_code)


def see_other(url: str) -> RedirectResponse:
    """Redirect after a form post, so reloading the page does not post again."""
    return RedirectResponse(url, status_code=303)


def get_signed_in(request: Request, session: SessionDep, settings: SettingsDep) -> SignedIn:
    """The account of the session cookie, or a redirect to the sign-in page."""
    token = request.cookies.get(sessions.COOKIE_NAME)
    signed_in = sessions.find(session, token, settings) if token else None
    if signed_in is None:
        raise SignInRequired
    current_request().principal = signed_in.principal
    request.state.signed_in = signed_in
    return signed_in


SignedInDep = Annotated[SignedIn, Depends(get_signed_in)]


def check_csrf(signed_in: SignedInDep, csrf_token: Annotated[str | None, Form()] = None) -> SignedIn:
    """Every form post carries the session's CSRF token (a hidden field), so another site cannot post."""
    if not sessions.same_token(signed_in.csrf_token, csrf_token):
        raise Forbidden("the form has expired or did not come from this site; reload the page and try again")
    return signed_in


FormPosterDep = Annotated[SignedIn, Depends(check_csrf)]


def role_page(*roles: Role) -> Callable[[SignedIn], SignedIn]:
    """A dependency that admits only the given roles to a page (403 otherwise)."""

    def check(signed_in: SignedInDep) -> SignedIn:
        if signed_in.role not in roles:
            raise Forbidden("this page is for another role")
        return signed_in

    return check


def role_form(*roles: Role) -> Callable[[SignedIn], SignedIn]:
    """A dependency for a form post: the session's CSRF token, then one of the given roles."""
    check_role = role_page(*roles)

    def check(signed_in: FormPosterDep) -> SignedIn:
        return check_role(signed_in)

    return check


def refused(session: Session, request: Request, error: DomainError) -> None:
    """Undo a refused action's partial work and audit the refusal as the API's error handler does, before
    the page explains it."""
    session.rollback()
    audit_refusal(request, error.status)


def page_error(request: Request, status: int, title: str, detail: str) -> Response | None:
    """The HTML page for an error raised while serving a workspace page; None for API requests. An
    unauthenticated page request goes to the sign-in page instead."""
    if not is_page(request):
        return None
    if status == 401:
        return see_other(f"{PREFIX}/sign-in")
    return render(request, "error.html", status_code=status, title=title, detail=detail)


async def sign_in_required(request: Request, error: Exception) -> Response:
    """No live session: to the sign-in page."""
    return see_other(f"{PREFIX}/sign-in")


def is_page(request: Request) -> bool:
    """Whether the request is for a workspace page (errors as HTML) rather than the API (problem+json)."""
    return _is_page_path(request.url.path)


def _is_page_path(path: str) -> bool:
    return path == PREFIX or path.startswith(f"{PREFIX}/")


class PagePolicy:
    """Sets the content security policy on workspace pages (not on the API's own docs page, which Swagger
    UI builds with inline script). A page that sets its own policy keeps it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if not _is_page_path(path):
            await self.app(scope, receive, send)
            return

        async def send_with_policy(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = message.setdefault("headers", [])
                if not any(name.lower() == b"content-security-policy" for name, _ in headers):
                    headers.append((b"content-security-policy", CONTENT_SECURITY_POLICY.encode()))
            await send(message)

        await self.app(scope, receive, send_with_policy)
