"""A committed database of its own per test, with the API over it, for workers (in this process or in
others) to share: the pipeline's transactions, heartbeats and checkpoints must really commit."""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from reconsult.runtime import Runtime
from reconsult.service_app import create_service_app
from reconsult.settings import Settings
from review_api.security import create_access_token
from store import migrate
from store.blobs import LocalBlobStore
from store.crypto import Cipher
from store.models import Role, User
from tests.conftest import Accounts, CaseBuilder, create_accounts


@dataclass
class PipelineWorld:
    """A committed database, the API over it, and what a worker process needs to join in."""

    engine: Engine
    session_factory: sessionmaker[Session]
    client: TestClient
    accounts: Accounts
    settings: Settings
    blob_store: LocalBlobStore

    def headers(self, role: Role, user_id: uuid.UUID | None = None) -> dict[str, str]:
        """Bearer headers for the account of ``role`` (or a given user)."""
        with self.session_factory() as session:
            user = session.get(User, user_id or self.accounts.by_role(role))
            assert user is not None
            token = create_access_token(user, self.settings.jwt_signing_key, dt.timedelta(minutes=30))
        return {"Authorization": f"Bearer {token}"}

    def cases(self) -> CaseBuilder:
        """The usual case builder, on this world's API."""
        return CaseBuilder(self.client, self.headers(Role.OPS), self.accounts)

    def runtime(self, **overrides: Any) -> Runtime:
        """A runtime (as a worker process builds one) over this world."""
        settings = self.settings.model_copy(update=overrides)
        return Runtime(settings, self.engine, self.session_factory, self.blob_store)

    def worker_environment(self, **settings: str) -> dict[str, str]:
        """The environment of a ``reconsult worker`` process joining this world."""
        environment = dict(os.environ)
        environment.update(
            RECONSULT_MODE=self.settings.mode.value,
            RECONSULT_DATA_DIR=str(self.settings.data_dir),
            RECONSULT_DATABASE_URL=self.engine.url.render_as_string(hide_password=False),
            RECONSULT_JWT_SIGNING_KEY=self.settings.jwt_signing_key,
            RECONSULT_DATA_ENCRYPTION_KEY=self.settings.data_encryption_key,
        )
        environment.update({f"RECONSULT_{name.upper()}": value for name, value in settings.items()})
        return environment


@pytest.fixture
def pipeline_world(fresh_engine: Engine, settings: Settings, tmp_path: Path) -> Iterator[PipelineWorld]:
    migrate.upgrade(fresh_engine)
    accounts = create_accounts(fresh_engine)
    world_settings = settings.model_copy(update={"data_dir": tmp_path})
    factory = sessionmaker(bind=fresh_engine, expire_on_commit=False)
    blob_store = LocalBlobStore(world_settings.blob_dir, Cipher(world_settings.data_key_bytes))
    app = create_service_app(world_settings, factory, blob_store)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield PipelineWorld(fresh_engine, factory, client, accounts, world_settings, blob_store)
