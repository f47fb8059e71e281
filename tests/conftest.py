"""Shared fixtures: one embedded PostgreSQL per test session, each test inside a rolled-back transaction.

Accounts for every role are committed once per session (argon2 hashing is deliberately slow); everything a
test writes happens inside its own outer transaction, which is rolled back at the end.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import os
import secrets
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from reconsult.offline import apply_offline_defaults

apply_offline_defaults()

from reconsult.demo import synthetic_pdf  # noqa: E402
from reconsult.service_app import create_service_app  # noqa: E402
from reconsult.settings import Mode, Settings  # noqa: E402
from review_api.security import create_access_token  # noqa: E402
from review_api.specialists.schemas import CertificationIn, LicenseIn, SpecialistProfileIn  # noqa: E402
from review_api.specialists.service import put_profile  # noqa: E402
from review_api.users.schemas import UserCreate  # noqa: E402
from review_api.users.service import create_user  # noqa: E402
from store import migrate  # noqa: E402
from store.blobs import LocalBlobStore  # noqa: E402
from store.crypto import Cipher, configure_column_cipher  # noqa: E402
from store.database import make_engine, start_embedded_postgres  # noqa: E402
from store.models import Role, User  # noqa: E402
from store.principal import Principal  # noqa: E402

# The scripted hosted model (tests.llm.scripted): one registration with litellm for the whole session.
pytest_plugins = ["tests.llm.scripted"]

SHARED_DATA = Path(
    os.environ.get("RECONSULT_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data")
)
if not SHARED_DATA.is_dir():
    raise RuntimeError(
        f"shared datasets not found at {SHARED_DATA}; set RECONSULT_SHARED_DATA to their folder"
    )
PASSWORD = "correct horse battery staple"


@dataclass(frozen=True)
class Accounts:
    """The committed accounts every test can use."""

    admin: uuid.UUID
    ops: uuid.UUID
    qa: uuid.UUID
    specialist: uuid.UUID
    other_specialist: uuid.UUID

    def by_role(self, role: Role) -> uuid.UUID:
        """The account for ``role`` (the first specialist for ``specialist``)."""
        return {
            Role.ADMIN: self.admin,
            Role.OPS: self.ops,
            Role.QA: self.qa,
            Role.SPECIALIST: self.specialist,
        }[role]


@pytest.fixture(scope="session")
def session_dir() -> Iterator[Path]:
    """A folder for the session's server and blobs outside pytest's numbered temporary folders: a second
    pytest session started meanwhile prunes old numbered folders, and must not take a running server's
    data with them."""
    folder = Path(tempfile.mkdtemp(prefix="reconsult-tests-"))
    for part in ("data", "pg"):
        (folder / part).mkdir()
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def settings(session_dir: Path) -> Settings:
    """Test settings with fresh secrets (test mode refuses the development ones)."""
    return Settings(
        mode=Mode.TEST,
        data_dir=session_dir / "data",
        jwt_signing_key=secrets.token_urlsafe(48),
        data_encryption_key=base64.b64encode(secrets.token_bytes(32)).decode(),
    )


@pytest.fixture(scope="session")
def database_url(session_dir: Path) -> str:
    """The embedded server for this test session, deleted at the end."""
    return start_embedded_postgres(session_dir / "pg" / "pgdata", cleanup_mode="delete")


@pytest.fixture(scope="session")
def engine(database_url: str, settings: Settings) -> Iterator[Engine]:
    """An engine on a database migrated to head."""
    configure_column_cipher(settings.data_key_bytes)
    engine = make_engine(database_url)
    migrate.upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def accounts(engine: Engine) -> Accounts:
    """One committed account per role, with specialist profiles (CA/NY licensed; the other one CA only)."""
    return create_accounts(engine)


def create_accounts(engine: Engine) -> Accounts:
    """Commit one account per role in ``engine``'s database (see :func:`accounts`)."""
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    with factory.begin() as session:
        users = {
            name: create_user(
                session, UserCreate(email=f"{name}@example.com", full_name=name, role=role, password=PASSWORD)
            )
            for name, role in (
                ("admin", Role.ADMIN),
                ("ops", Role.OPS),
                ("qa", Role.QA),
                ("specialist", Role.SPECIALIST),
                ("other_specialist", Role.SPECIALIST),
            )
        }
        admin = Principal(users["admin"].id, Role.ADMIN)
        put_profile(session, admin, users["specialist"].id, specialist_profile(["CA", "NY"]))
        put_profile(session, admin, users["other_specialist"].id, specialist_profile(["CA"]))
    return Accounts(**{name: user.id for name, user in users.items()})


def specialist_profile(states: list[str], *, license_expires_in_days: int = 365) -> SpecialistProfileIn:
    """A profile licensed in ``states`` with valid certification and coverage."""
    later = dt.date.today() + dt.timedelta(days=365)
    return SpecialistProfileIn(
        credentials="MD",
        subspecialties=["cardiology"],
        licenses=[
            LicenseIn(
                state=state,
                number=f"{state}-1",
                expires_on=dt.date.today() + dt.timedelta(days=license_expires_in_days),
            )
            for state in states
        ],
        certifications=[
            CertificationIn(
                board="American Board of Internal Medicine", specialty="Cardiology", expires_on=later
            )
        ],
        malpractice_expires_on=later,
    )


@pytest.fixture
def fresh_engine(engine: Engine) -> Iterator[Engine]:
    """An empty database of its own on the session's server (for migrations and the CLI)."""
    name = f"fresh_{uuid.uuid4().hex[:12]}"
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as admin:
        admin.execute(text(f'CREATE DATABASE "{name}"'))
    fresh = make_engine(engine.url.set(database=name).render_as_string(hide_password=False))
    yield fresh
    fresh.dispose()
    _drop_database(engine, name)


def _drop_database(engine: Engine, name: str) -> None:
    """Drop a test database; once more on a new connection if the server dropped ours meanwhile (workers
    killed by a test leave their backends to exit on their own)."""
    for attempt in (1, 2):
        try:
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as admin:
                admin.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            return
        except OperationalError:
            engine.dispose()
            if attempt == 2:
                raise


@pytest.fixture
def connection(engine: Engine, accounts: Accounts) -> Iterator[Connection]:
    """A connection inside an outer transaction that is rolled back after the test."""
    with engine.connect() as connection:
        transaction = connection.begin()
        yield connection
        transaction.rollback()


@pytest.fixture
def session_factory(connection: Connection) -> sessionmaker[Session]:
    """Sessions whose commits become savepoints of the test's outer transaction."""
    return sessionmaker(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)


@pytest.fixture
def session(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session for calling services and repositories directly."""
    with session_factory() as session:
        yield session


@pytest.fixture
def blob_store(tmp_path: Path, settings: Settings) -> LocalBlobStore:
    """A blob store in the test's own directory."""
    return LocalBlobStore(tmp_path / "blobs", Cipher(settings.data_key_bytes))


@pytest.fixture
def client(
    settings: Settings, session_factory: sessionmaker[Session], blob_store: LocalBlobStore
) -> Iterator[TestClient]:
    """The API over the test transaction."""
    app = create_service_app(settings, session_factory, blob_store)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def session_user(session: Session) -> Callable[[uuid.UUID], User]:
    """Load a user in the test session."""

    def load(user_id: uuid.UUID) -> User:
        user = session.get(User, user_id)
        assert user is not None
        return user

    return load


@pytest.fixture
def headers(
    settings: Settings, session_user: Callable[[uuid.UUID], User]
) -> Callable[[uuid.UUID], dict[str, str]]:
    """Bearer headers for an account id."""

    def for_user(user_id: uuid.UUID) -> dict[str, str]:
        token = create_access_token(session_user(user_id), settings.jwt_signing_key, dt.timedelta(minutes=5))
        return {"Authorization": f"Bearer {token}"}

    return for_user


@pytest.fixture
def as_role(
    accounts: Accounts, headers: Callable[[uuid.UUID], dict[str, str]]
) -> Callable[[Role], dict[str, str]]:
    """Bearer headers for the account of a role."""
    return lambda role: headers(accounts.by_role(role))


def case_payload(**overrides: Any) -> dict[str, Any]:
    """A valid case intake body (synthetic patient)."""
    payload: dict[str, Any] = {
        "patient": {"name": "Testy McTestface", "birth_date": "1960-03-14", "sex": "female", "state": "CA"},
        "referring_diagnosis": {"text": "Suspected sarcoidosis", "icd10": "D86.9"},
        "question": "Is the diagnosis right?",
        "requested_specialty": "pulmonology",
        "source": "patient",
    }
    payload.update(overrides)
    return payload


def consent_payload(scope: str) -> dict[str, str]:
    """A valid consent body."""
    return {
        "scope": scope,
        "granted_by_name": "Testy McTestface",
        "grantor_relationship": "patient",
        "text_version": "v1",
    }


def pdf_bytes(text: str = "Synthetic record: chest pain, troponin negative.") -> bytes:
    """A real one-page PDF."""
    return synthetic_pdf(text)


def file_part(name: str, content: bytes) -> tuple[str, tuple[str, io.BytesIO, str]]:
    """One ``files`` multipart part (the declared content type is deliberately generic)."""
    return ("files", (name, io.BytesIO(content), "application/octet-stream"))


@dataclass
class CaseBuilder:
    """Drives a case through the API to a given stage, as ops would."""

    client: TestClient
    ops: dict[str, str]
    accounts: Accounts

    def create(self, **overrides: Any) -> str:
        """A new draft case; returns its id."""
        response = self.client.post("/cases", json=case_payload(**overrides), headers=self.ops)
        assert response.status_code == 201, response.text
        case_id: str = response.json()["id"]
        return case_id

    def consent(self, case_id: str, *scopes: str) -> None:
        """Grant consents."""
        for scope in scopes:
            response = self.client.post(
                f"/cases/{case_id}/consents", json=consent_payload(scope), headers=self.ops
            )
            assert response.status_code == 201, response.text

    def upload(self, case_id: str, *parts: tuple[str, bytes]) -> Any:
        """Upload files; returns the response."""
        return self.client.post(
            f"/cases/{case_id}/records",
            files=[file_part(name, data) for name, data in parts],
            headers=self.ops,
        )

    def move(self, case_id: str, *statuses: str) -> None:
        """Request status changes as ops."""
        for status in statuses:
            response = self.client.post(f"/cases/{case_id}/status", json={"status": status}, headers=self.ops)
            assert response.status_code == 200, response.text

    def triaged(self, **overrides: Any) -> str:
        """A case with consents and a record, triaged as urgent cardiology."""
        case_id = self.create(**overrides)
        self.consent(case_id, "record_release", "specialist_review")
        assert self.upload(case_id, ("note.pdf", pdf_bytes())).status_code == 201
        self.move(case_id, "submitted", "processing")
        response = self.client.post(
            f"/cases/{case_id}/triage",
            json={"urgency": "urgent", "subspecialty": "cardiology"},
            headers=self.ops,
        )
        assert response.status_code == 200, response.text
        return case_id

    def assigned(self, specialist_id: uuid.UUID | None = None, **overrides: Any) -> str:
        """A triaged case assigned to the test specialist (or another)."""
        case_id = self.triaged(**overrides)
        chosen = specialist_id or self.accounts.specialist
        response = self.client.post(
            f"/cases/{case_id}/assignment", json={"specialist_id": str(chosen)}, headers=self.ops
        )
        assert response.status_code == 200, response.text
        return case_id


@pytest.fixture
def cases(client: TestClient, as_role: Callable[[Role], dict[str, str]], accounts: Accounts) -> CaseBuilder:
    """A builder for cases at any stage."""
    return CaseBuilder(client, as_role(Role.OPS), accounts)


@pytest.fixture(scope="session")
def deidentifier() -> Any:
    """The one de-identifier of the test session (it loads spaCy)."""
    from records.deid import Deidentifier

    return Deidentifier()
