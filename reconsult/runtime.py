"""Wiring: from settings to a database engine, sessions, blob store and the API app."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import FastAPI
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from reconsult.settings import Settings
from store import migrate
from store.blobs import LocalBlobStore
from store.crypto import Cipher, configure_column_cipher
from store.database import make_engine, make_session_factory, resolve_database_url


@dataclass
class Runtime:
    """The long-lived objects a process needs."""

    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    blob_store: LocalBlobStore

    def create_app(self) -> FastAPI:
        """The API over this runtime."""
        from review_api.app import create_app

        return create_app(self.settings, self.session_factory, self.blob_store)


def build_runtime(settings: Settings, *, upgrade_schema: bool = False) -> Runtime:
    """Connect to the configured (or embedded) database and set up encryption; optionally migrate."""
    configure_column_cipher(settings.data_key_bytes)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(resolve_database_url(settings.database_url, settings.pgdata_dir))
    if upgrade_schema:
        migrate.upgrade(engine)
    blob_store = LocalBlobStore(settings.blob_dir, Cipher(settings.data_key_bytes))
    return Runtime(settings, engine, make_session_factory(engine), blob_store)
