"""The served application: the case API with the review workspace's pages mounted on it."""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker

from reconsult.settings import Settings
from review_api.app import create_app
from store.blobs import BlobStore
from workspace.app import install as install_workspace


def create_service_app(
    settings: Settings, session_factory: sessionmaker[Session], blob_store: BlobStore
) -> FastAPI:
    """The API and, under ``/app``, the web workspace calling the API's services."""
    app = create_app(settings, session_factory, blob_store)
    install_workspace(app)
    return app
