"""One settings object for the whole service, read from ``RECONSULT_*`` environment variables."""

from __future__ import annotations

import base64
import binascii
import hashlib
from enum import StrEnum
from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from llm.config import GatewayConfig, ModelRoute

# Development defaults. They are public (they are in this file), so any mode but ``dev`` refuses them.
DEV_JWT_SIGNING_KEY = "dev-only-jwt-signing-key-change-me-0123456789"
DEV_DATA_ENCRYPTION_KEY = base64.b64encode(b"dev-only-data-key-change-me-0123").decode()

MEBIBYTE = 1024 * 1024


class Mode(StrEnum):
    """Deployment mode. Only ``dev`` accepts the built-in secrets."""

    DEV = "dev"
    TEST = "test"
    PRODUCTION = "production"


class Settings(BaseSettings):
    """Service configuration; every field can be set as ``RECONSULT_<FIELD>``."""

    model_config = SettingsConfigDict(env_prefix="RECONSULT_", env_file=".env", extra="ignore")

    mode: Mode = Field(Mode.DEV, description="dev, test or production; only dev accepts default secrets")
    data_dir: Path = Field(Path("var"), description="Embedded database, blobs and reports live here")
    database_url: str | None = Field(
        None, description="SQLAlchemy URL of an external PostgreSQL with pgvector; unset: embedded server"
    )
    jwt_signing_key: str = Field(DEV_JWT_SIGNING_KEY, description="HMAC key for access tokens")
    data_encryption_key: str = Field(
        DEV_DATA_ENCRYPTION_KEY, description="Base64 of 32 bytes: AES-256-GCM key for PHI columns and blobs"
    )
    access_token_minutes: int = Field(15, ge=1, le=24 * 60, description="Lifetime of an access token")
    web_session_idle_minutes: int = Field(
        30, ge=1, le=24 * 60, description="A workspace session ends after this long without a request"
    )
    web_session_hours: int = Field(
        12, ge=1, le=7 * 24, description="A workspace session ends this long after sign-in"
    )
    secure_cookies: bool = Field(
        True, description="Send the workspace cookie over HTTPS only (turn off for plain-HTTP local use)"
    )
    max_upload_bytes: int = Field(200 * MEBIBYTE, ge=1, description="Largest accepted file per upload")
    max_files_per_upload: int = Field(20, ge=1, description="Most files in one upload request")
    zip_max_entries: int = Field(2000, ge=1, description="Most files a ZIP upload may hold")
    zip_max_total_bytes: int = Field(2048 * MEBIBYTE, ge=1, description="Largest uncompressed ZIP content")
    zip_max_ratio: int = Field(100, ge=1, description="Largest compression ratio of a ZIP entry")
    zip_max_depth: int = Field(2, ge=0, description="How deep ZIPs may nest inside ZIPs")
    sla_emergent_hours: int = Field(24, ge=1, description="Opinion due time for emergent cases")
    sla_urgent_hours: int = Field(72, ge=1, description="Opinion due time for urgent cases")
    sla_routine_hours: int = Field(120, ge=1, description="Opinion due time for routine cases")
    llm_routes: dict[str, ModelRoute] = Field(
        default_factory=dict,
        description='Model per task as JSON, e.g. {"summarize_document": {"model": "gpt-4o-mini", '
        '"fallbacks": ["ollama/llama3"]}}; tasks without a route use the offline engine',
    )
    llm_num_retries: int = Field(2, ge=0, description="Retries of a failing model call before a fallback")
    llm_max_reasks: int = Field(2, ge=0, description="Re-asks after output that fails schema validation")
    summary_unit_chars: int = Field(
        12_000, ge=500, description="Most characters of record text in one summarizer model call"
    )
    worker_lease_seconds: int = Field(
        60, ge=2, description="A run whose worker sent no heartbeat for this long is taken over by another"
    )
    worker_poll_seconds: float = Field(2.0, gt=0, description="How often an idle worker looks for runs")
    worker_concurrency: int = Field(4, ge=1, description="Units a worker summarises in parallel")

    @field_validator("data_encryption_key")
    @classmethod
    def _key_is_32_bytes(cls, value: str) -> str:
        try:
            raw = base64.b64decode(value, validate=True)
        except binascii.Error as error:
            raise ValueError("data_encryption_key must be base64") from error
        if len(raw) != 32:
            raise ValueError("data_encryption_key must decode to 32 bytes (AES-256)")
        return value

    @model_validator(mode="after")
    def _no_default_secrets_outside_dev(self) -> Settings:
        if self.mode is Mode.DEV:
            return self
        defaults = [
            name
            for name, default in (
                ("jwt_signing_key", DEV_JWT_SIGNING_KEY),
                ("data_encryption_key", DEV_DATA_ENCRYPTION_KEY),
            )
            if getattr(self, name) == default
        ]
        if defaults:
            names = ", ".join(f"RECONSULT_{name.upper()}" for name in defaults)
            raise ValueError(f"mode {self.mode.value} refuses the built-in development secrets: set {names}")
        if len(self.jwt_signing_key) < 32:
            raise ValueError("RECONSULT_JWT_SIGNING_KEY must be at least 32 characters")
        return self

    @property
    def data_key_bytes(self) -> bytes:
        """The decoded AES-256 data-encryption key."""
        return base64.b64decode(self.data_encryption_key)

    def gateway_config(self) -> GatewayConfig:
        """The model gateway's configuration."""
        return GatewayConfig(
            routes=self.llm_routes, num_retries=self.llm_num_retries, max_reasks=self.llm_max_reasks
        )

    @property
    def seal_key(self) -> bytes:
        """The key that seals certified texts in the database (derived from the data key)."""
        return hashlib.sha256(b"reconsult certified-text seal\x00" + self.data_key_bytes).digest()

    @property
    def blob_dir(self) -> Path:
        """Where the local blob store keeps encrypted record files."""
        return self.data_dir / "blobs"

    @property
    def pgdata_dir(self) -> Path:
        """Where the embedded PostgreSQL keeps its cluster."""
        return self.data_dir / "pgdata"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()
