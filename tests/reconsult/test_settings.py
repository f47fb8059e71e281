"""Settings refuse the built-in secrets outside development."""

from __future__ import annotations

import base64
import secrets

import pytest
from pydantic import ValidationError

from reconsult.settings import Mode, Settings


def test_dev_mode_accepts_defaults() -> None:
    assert Settings(mode=Mode.DEV).mode is Mode.DEV


@pytest.mark.parametrize("mode", [Mode.TEST, Mode.PRODUCTION])
def test_other_modes_refuse_default_secrets(mode: Mode) -> None:
    with pytest.raises(ValidationError, match="RECONSULT_JWT_SIGNING_KEY, RECONSULT_DATA_ENCRYPTION_KEY"):
        Settings(mode=mode)


def test_production_with_real_secrets() -> None:
    settings = Settings(
        mode=Mode.PRODUCTION,
        jwt_signing_key=secrets.token_urlsafe(48),
        data_encryption_key=base64.b64encode(secrets.token_bytes(32)).decode(),
    )
    assert len(settings.data_key_bytes) == 32


def test_encryption_key_must_be_32_bytes() -> None:
    with pytest.raises(ValidationError, match="32 bytes"):
        Settings(data_encryption_key=base64.b64encode(b"short").decode())
