"""Wiring: from settings to a database engine, sessions, blob store and the API app."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from fastapi import FastAPI
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from reconsult.settings import Settings
from store import migrate
from store.blobs import LocalBlobStore
from store.crypto import Cipher, configure_column_cipher
from store.database import libpq_url, make_engine, make_session_factory, resolve_database_url

if TYPE_CHECKING:
    from pipeline.stages import PipelineServices
    from pipeline.worker import Worker


@dataclass
class Runtime:
    """The long-lived objects a process needs."""

    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    blob_store: LocalBlobStore

    def pipeline_services(self) -> PipelineServices:
        """What the pipeline's workers need (models load lazily, on first use)."""
        from llm.embeddings import default_embedder
        from llm.gateway import Gateway
        from pipeline.stages import PipelineServices
        from records.deid import default_deidentifier

        return PipelineServices(
            session_factory=self.session_factory,
            blob_store=self.blob_store,
            gateway=Gateway(self.settings.gateway_config()),
            embedder=default_embedder(),
            deidentifier=default_deidentifier,
            seal_key=self.settings.seal_key,
            unit_chars=self.settings.summary_unit_chars,
        )

    def worker(self) -> Worker:
        """A pipeline worker over this runtime's database, checkpointing there too."""
        from pipeline.graph import postgres_checkpointer
        from pipeline.worker import Worker, WorkerOptions
        from review_api.cases.service import sla_hours

        options = WorkerOptions(
            lease=dt.timedelta(seconds=self.settings.worker_lease_seconds),
            poll_seconds=self.settings.worker_poll_seconds,
            max_concurrency=self.settings.worker_concurrency,
            sla_window=lambda urgency: dt.timedelta(hours=sla_hours(urgency, self.settings)),
        )
        checkpointer = postgres_checkpointer(libpq_url(self.engine.url.render_as_string(hide_password=False)))
        return Worker(self.pipeline_services(), checkpointer, options)

    def create_app(self) -> FastAPI:
        """The API, with the workspace pages, over this runtime."""
        from reconsult.service_app import create_service_app

        return create_service_app(self.settings, self.session_factory, self.blob_store)


def build_runtime(settings: Settings, *, upgrade_schema: bool = False) -> Runtime:
    """Connect to the configured (or embedded) database and set up encryption; optionally migrate."""
    configure_column_cipher(settings.data_key_bytes)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(resolve_database_url(settings.database_url, settings.pgdata_dir))
    if upgrade_schema:
        migrate.upgrade(engine)
    blob_store = LocalBlobStore(settings.blob_dir, Cipher(settings.data_key_bytes))
    return Runtime(settings, engine, make_session_factory(engine), blob_store)
