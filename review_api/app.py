"""The FastAPI application: routers, error handling, request context, security headers, offline docs."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy.orm import Session, sessionmaker
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from reconsult.settings import Settings
from review_api.audit_log.endpoints import router as audit_router
from review_api.auth.endpoints import router as auth_router
from review_api.cases.endpoints import router as cases_router
from review_api.context import RequestContextMiddleware
from review_api.discrepancies.endpoints import router as discrepancies_router
from review_api.evals.endpoints import router as evals_router
from review_api.opinions.endpoints import router as opinions_router
from review_api.problems import PROBLEM_MEDIA_TYPE, install_problem_handlers
from review_api.routing.endpoints import router as routing_router
from review_api.runs.endpoints import router as runs_router
from review_api.specialists.endpoints import router as specialists_router
from review_api.uploads.endpoints import router as uploads_router
from review_api.users.endpoints import router as users_router
from store.blobs import BlobStore

DESCRIPTION = """
The case API of **reconsult**, the AI layer for medical second opinions.

Sign in with **Authorize** (e-mail as username). Roles: `admin` manages accounts and specialist credentials;
`ops` take in cases, record consent, upload records, triage and assign; a `specialist` reads and reviews the
cases assigned to them; `qa` read de-identified cases and the audit log. Every access to PHI is audited.
Errors are RFC 9457 `application/problem+json`.
"""

_SWAGGER_STATIC = "/static/swagger"


def create_app(settings: Settings, session_factory: sessionmaker[Session], blob_store: BlobStore) -> FastAPI:
    """Build the API over the given database sessions and blob store."""
    app = FastAPI(
        title="reconsult case API",
        version="0.1.0",
        description=DESCRIPTION,
        docs_url=None,
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None,
    )
    app.state.settings = settings
    app.state.session_factory = session_factory
    app.state.blob_store = blob_store
    routers = (
        auth_router,
        users_router,
        specialists_router,
        cases_router,
        uploads_router,
        runs_router,
        discrepancies_router,
        opinions_router,
        evals_router,
        routing_router,
        audit_router,
    )
    for router in routers:
        app.include_router(router)
    install_problem_handlers(app)
    _mount_offline_docs(app)
    _mark_binary_fields(app)

    @app.get("/health", tags=["health"], summary="Liveness")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    app.add_middleware(
        UploadSizeGuard, max_body_bytes=settings.max_upload_bytes * settings.max_files_per_upload
    )
    app.add_middleware(SecurityHeaders)
    app.add_middleware(RequestContextMiddleware)
    return app


def _mount_offline_docs(app: FastAPI) -> None:
    """Swagger UI from a PyPI package instead of a CDN, so the docs work without internet."""
    from swagger_ui_bundle import swagger_ui_path

    app.mount(_SWAGGER_STATIC, StaticFiles(directory=str(swagger_ui_path)), name="swagger-static")

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="reconsult case API",
            swagger_js_url=f"{_SWAGGER_STATIC}/swagger-ui-bundle.js",
            swagger_css_url=f"{_SWAGGER_STATIC}/swagger-ui.css",
            swagger_favicon_url=f"{_SWAGGER_STATIC}/favicon-32x32.png",
            oauth2_redirect_url="/docs/oauth2-redirect",
            swagger_ui_parameters={"persistAuthorization": False, "tryItOutEnabled": True},
        )

    @app.get("/docs/oauth2-redirect", include_in_schema=False)
    def swagger_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()


def _mark_binary_fields(app: FastAPI) -> None:
    """Add ``format: binary`` beside OpenAPI 3.1's ``contentMediaType`` on file fields.

    Swagger UI renders a file picker only for ``format: binary``; without it the upload endpoint cannot be
    tried from the docs page.
    """
    generate = app.openapi

    def openapi_with_binary_fields() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = generate()
            _add_binary_format(schema)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi_with_binary_fields  # type: ignore[method-assign]


def _add_binary_format(node: Any) -> None:
    if isinstance(node, dict):
        if node.get("type") == "string" and node.get("contentMediaType") == "application/octet-stream":
            node["format"] = "binary"
        for child in node.values():
            _add_binary_format(child)
    elif isinstance(node, list):
        for child in node:
            _add_binary_format(child)


class SecurityHeaders:
    """Headers that keep PHI out of caches and stop content sniffing and framing."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = message.setdefault("headers", [])
                existing = {name.lower() for name, _ in headers}
                for name, value in (
                    (b"x-content-type-options", b"nosniff"),
                    (b"x-frame-options", b"DENY"),
                    (b"referrer-policy", b"no-referrer"),
                    (b"cache-control", b"no-store"),
                ):
                    if name not in existing:
                        headers.append((name, value))
            await send(message)

        await self.app(scope, receive, send_with_headers if scope["type"] == "http" else send)


class UploadSizeGuard:
    """Refuse a request whose declared body is larger than any upload could be, before reading it."""

    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        # Multipart framing adds a little to the files themselves.
        self.max_body_bytes = max_body_bytes + 1024 * 1024

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            declared = dict(scope.get("headers") or []).get(b"content-length")
            if declared is not None and declared.isdigit() and int(declared) > self.max_body_bytes:
                response = JSONResponse(
                    {
                        "type": "/problems/payload-too-large",
                        "title": "Payload too large",
                        "status": 413,
                        "detail": "the request body is larger than the upload limits allow",
                        "instance": scope.get("path", ""),
                    },
                    status_code=413,
                    media_type=PROBLEM_MEDIA_TYPE,
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
