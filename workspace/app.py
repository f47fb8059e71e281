"""Mounting the workspace on the API's FastAPI app."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from workspace import admin, auth, credentials, ops, qa, specialist
from workspace.web import HERE, PREFIX, PagePolicy, SignInRequired, page_error, sign_in_required


def install(app: FastAPI) -> None:
    """Add the pages, their static files, the HTML error pages and the content security policy."""
    app.mount(f"{PREFIX}/static", StaticFiles(directory=HERE / "static"), name="workspace-static")
    for router in (auth.router, specialist.router, ops.router, qa.router, admin.router, credentials.router):
        app.include_router(router)
    app.state.page_error = page_error
    app.add_exception_handler(SignInRequired, sign_in_required)
    app.add_middleware(PagePolicy)
