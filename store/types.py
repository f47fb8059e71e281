"""Column types: PHI values encrypted with AES-256-GCM before they reach the database."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import LargeBinary
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from store.crypto import column_cipher


class EncryptedText(TypeDecorator[str]):
    """A string stored as an AES-GCM ciphertext bound to its column (``context``)."""

    impl = LargeBinary
    cache_ok = True

    def __init__(self, context: str) -> None:
        super().__init__()
        self.context = context

    def process_bind_param(self, value: Any, dialect: Dialect) -> bytes | None:
        if value is None:
            return None
        return column_cipher().seal(self._encode(value), self.context)

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        return self._decode(column_cipher().open(bytes(value), self.context))

    def _encode(self, value: Any) -> bytes:
        return str(value).encode()

    def _decode(self, raw: bytes) -> Any:
        return raw.decode()


class EncryptedDate(EncryptedText):
    """A date stored encrypted (ISO 8601 inside the ciphertext)."""

    def _encode(self, value: Any) -> bytes:
        if not isinstance(value, dt.date):
            raise TypeError("EncryptedDate takes datetime.date values")
        return value.isoformat().encode()

    def _decode(self, raw: bytes) -> Any:
        return dt.date.fromisoformat(raw.decode())
