"""AES-256-GCM encryption for PHI columns and record blobs.

Column values are sealed as ``version || nonce || ciphertext+tag`` with the column's name as associated
data, so a ciphertext copied into another column fails to open. Blobs are sealed in fixed-size segments
(a STREAM-like construction) so a 200 MB upload is never held in memory twice; each segment's associated
data binds the blob id, its index and whether it is the last one, so segments cannot be reordered,
dropped or truncated without detection.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterable, Iterator

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

FORMAT_VERSION = 1
NONCE_BYTES = 12
SEGMENT_BYTES = 1024 * 1024
_BLOB_MAGIC = b"RCB1"


class DecryptionError(Exception):
    """A ciphertext was altered, truncated, or sealed under another key or context."""


class Cipher:
    """Seals and opens values and blobs under one AES-256-GCM key."""

    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise ValueError("AES-256-GCM needs a 32-byte key")
        self._aead = AESGCM(key)

    def seal(self, plaintext: bytes, context: str) -> bytes:
        """Encrypt a small value; ``context`` (e.g. the column name) must match when opening."""
        nonce = os.urandom(NONCE_BYTES)
        return bytes([FORMAT_VERSION]) + nonce + self._aead.encrypt(nonce, plaintext, context.encode())

    def open(self, sealed: bytes, context: str) -> bytes:
        """Decrypt a value sealed by :meth:`seal` under the same context."""
        if len(sealed) < 1 + NONCE_BYTES or sealed[0] != FORMAT_VERSION:
            raise DecryptionError("unknown ciphertext format")
        nonce, body = sealed[1 : 1 + NONCE_BYTES], sealed[1 + NONCE_BYTES :]
        try:
            return self._aead.decrypt(nonce, body, context.encode())
        except InvalidTag as error:
            raise DecryptionError("ciphertext failed authentication") from error

    def seal_stream(self, chunks: Iterable[bytes], blob_id: str) -> Iterator[bytes]:
        """Encrypt a byte stream segment by segment, yielding the sealed blob piece by piece."""
        yield _BLOB_MAGIC
        pending = b""
        index = 0
        for chunk in chunks:
            pending += chunk
            while len(pending) > SEGMENT_BYTES:
                yield self._seal_segment(pending[:SEGMENT_BYTES], blob_id, index, last=False)
                pending = pending[SEGMENT_BYTES:]
                index += 1
        yield self._seal_segment(pending, blob_id, index, last=True)

    def open_stream(self, sealed: Iterable[bytes], blob_id: str) -> Iterator[bytes]:
        """Decrypt a blob sealed by :meth:`seal_stream`, yielding plaintext segments."""
        reader = _ExactReader(iter(sealed))
        if reader.read(len(_BLOB_MAGIC)) != _BLOB_MAGIC:
            raise DecryptionError("not a sealed blob")
        index = 0
        while True:
            header = reader.read(5)
            if len(header) < 5:
                raise DecryptionError("blob is truncated")
            last, length = header[0] == 1, struct.unpack(">I", header[1:])[0]
            body = reader.read(length)
            if len(body) < length:
                raise DecryptionError("blob is truncated")
            yield self._open_segment(body, blob_id, index, last)
            if last:
                if reader.read(1):
                    raise DecryptionError("data after the last segment")
                return
            index += 1

    def _seal_segment(self, plaintext: bytes, blob_id: str, index: int, *, last: bool) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        body = nonce + self._aead.encrypt(nonce, plaintext, _segment_context(blob_id, index, last))
        return bytes([1 if last else 0]) + struct.pack(">I", len(body)) + body

    def _open_segment(self, body: bytes, blob_id: str, index: int, last: bool) -> bytes:
        try:
            return self._aead.decrypt(
                body[:NONCE_BYTES], body[NONCE_BYTES:], _segment_context(blob_id, index, last)
            )
        except InvalidTag as error:
            raise DecryptionError("blob segment failed authentication") from error


def _segment_context(blob_id: str, index: int, last: bool) -> bytes:
    return f"blob:{blob_id}:{index}:{int(last)}".encode()


class _ExactReader:
    """Reads exact byte counts from an iterator of arbitrarily sized chunks."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._buffer = b""

    def read(self, size: int) -> bytes:
        while len(self._buffer) < size:
            chunk = next(self._chunks, None)
            if chunk is None:
                break
            self._buffer += chunk
        data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data


_column_cipher: Cipher | None = None


def configure_column_cipher(key: bytes) -> None:
    """Install the key used by encrypted columns; the composition root calls this once at start-up."""
    global _column_cipher
    _column_cipher = Cipher(key)


def column_cipher() -> Cipher:
    """The cipher for encrypted columns; fails loudly if start-up did not configure one."""
    if _column_cipher is None:
        raise RuntimeError("column encryption key not configured: call store.crypto.configure_column_cipher")
    return _column_cipher
