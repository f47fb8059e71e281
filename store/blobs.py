"""Encrypted blob storage for record files, behind an interface an S3-compatible store can implement."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Protocol

from store.crypto import Cipher

READ_CHUNK_BYTES = 1024 * 1024


def read_file_chunks(path: Path, size: int = READ_CHUNK_BYTES) -> Iterator[bytes]:
    """A file's bytes in chunks of ``size``, so large records never sit in memory whole."""
    with path.open("rb") as source:
        while chunk := source.read(size):
            yield chunk


class BlobStore(Protocol):
    """Where sealed record bytes live. Keys are opaque ids chosen by the caller, never file names."""

    def put(self, key: str, chunks: Iterable[bytes]) -> None:
        """Encrypt and store a stream of plaintext under ``key``, atomically."""

    def get(self, key: str) -> Iterator[bytes]:
        """Stream the decrypted bytes stored under ``key``."""

    def delete(self, key: str) -> None:
        """Remove ``key`` if present."""


class LocalBlobStore:
    """Blobs as sealed files in a local directory; writes go through a temp file and an atomic rename."""

    def __init__(self, root: Path, cipher: Cipher) -> None:
        self._root = root
        self._cipher = cipher

    def path_for(self, key: str) -> Path:
        """The file holding ``key``'s sealed bytes (keys are ids: no separators or dots allowed)."""
        if not key or not all(ch.isalnum() or ch in "-_" for ch in key):
            raise ValueError("blob keys are ids made of letters, digits, '-' and '_'")
        return self._root / key[:2] / key

    def put(self, key: str, chunks: Iterable[bytes]) -> None:
        """Encrypt and store a stream of plaintext under ``key``, atomically."""
        target = self.path_for(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temp_name = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
        try:
            with os.fdopen(handle, "wb") as sink:
                for sealed in self._cipher.seal_stream(chunks, key):
                    sink.write(sealed)
                sink.flush()
                os.fsync(sink.fileno())
            os.replace(temp_name, target)
        except BaseException:
            Path(temp_name).unlink(missing_ok=True)
            raise

    def get(self, key: str) -> Iterator[bytes]:
        """Stream the decrypted bytes stored under ``key``."""
        return self._cipher.open_stream(read_file_chunks(self.path_for(key)), key)

    def delete(self, key: str) -> None:
        """Remove ``key`` if present."""
        self.path_for(key).unlink(missing_ok=True)
