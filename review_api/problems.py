"""RFC 9457 problem+json for every error, and the audit entry for every refused request.

Responses and logs carry no PHI: validation errors name the field and the reason but never echo the value,
and unexpected errors are logged by type and stack frames only (exception messages can quote data).
"""

from __future__ import annotations

import logging
import traceback
import uuid
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from review_api.auditing import record_refusal
from review_api.context import current_request
from store.errors import DomainError

log = logging.getLogger(__name__)

PROBLEM_MEDIA_TYPE = "application/problem+json"
# Refused attempts are audited too: who tried what on which case: stale saves, refused signatures.
_REFUSAL_OUTCOMES = {
    401: "unauthenticated",
    403: "denied",
    404: "not_found",
    409: "conflict",
    412: "stale",
    429: "throttled",
}


def problem(
    request: Request,
    status: int,
    title: str,
    detail: str,
    slug: str,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    """A problem+json response; ``request_id`` lets support find the matching audit and log lines."""
    body = {
        "type": f"/problems/{slug}",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
        "request_id": current_request().request_id,
        **extra,
    }
    return JSONResponse(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


def install_problem_handlers(app: FastAPI) -> None:
    """Route every error the app can raise to a problem+json response."""
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected_error)


def _page_error(request: Request, status: int, title: str, detail: str) -> Response | None:
    """An HTML error page when the request was for a web page (the app's ``page_error`` hook decides)."""
    page_error = getattr(request.app.state, "page_error", None)
    return page_error(request, status, title, detail) if page_error else None


async def _domain_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, DomainError)
    audit_refusal(request, error.status)
    if (page := _page_error(request, error.status, error.title, error.detail)) is not None:
        return page
    headers = {"WWW-Authenticate": "Bearer"} if error.status == 401 else None
    return problem(request, error.status, error.title, error.detail, error.slug, headers, **error.extensions)


async def _validation_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, RequestValidationError)
    errors = [
        {"field": ".".join(str(part) for part in item.get("loc", ())), "reason": item.get("msg", "invalid")}
        for item in error.errors()
    ]
    detail = "; ".join(f"{item['field']}: {item['reason']}" for item in errors)
    if (page := _page_error(request, 422, "Invalid request", detail)) is not None:
        return page
    return problem(request, 422, "Invalid request", detail, "validation", errors=errors)


async def _http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, StarletteHTTPException)
    detail = error.detail if isinstance(error.detail, str) else "request failed"
    if error.status_code in _REFUSAL_OUTCOMES:
        audit_refusal(request, error.status_code)
    if (page := _page_error(request, error.status_code, _title(error.status_code), detail)) is not None:
        return page
    return problem(request, error.status_code, _title(error.status_code), detail, f"http-{error.status_code}")


async def _unexpected_error(request: Request, error: Exception) -> JSONResponse:
    frames = "".join(traceback.format_tb(error.__traceback__))
    log.error("unhandled %s in request %s\n%s", type(error).__name__, current_request().request_id, frames)
    return problem(
        request, 500, "Internal error", "an unexpected error occurred; quote the request id", "internal"
    )


def audit_refusal(request: Request, status: int) -> None:
    """Record a refused request (401, 403, 404, 409, 412) with its route and case, in its own transaction."""
    outcome = _REFUSAL_OUTCOMES.get(status)
    if outcome is None:
        return
    route = request.scope.get("route")
    if route is None:  # no such endpoint: nothing was attempted
        return
    action = f"{request.method} {getattr(route, 'path_format', '?')}"
    try:
        case_id = uuid.UUID(str(request.path_params.get("case_id")))
    except ValueError:
        case_id = None
    record_refusal(request.app.state.session_factory, action, outcome, case_id)


def _title(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"
