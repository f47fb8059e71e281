"""AES-GCM sealing of column values and streamed blobs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from store.blobs import LocalBlobStore
from store.crypto import SEGMENT_BYTES, Cipher, DecryptionError


@pytest.fixture
def cipher() -> Cipher:
    return Cipher(os.urandom(32))


class TestValues:
    def test_round_trip_and_context_binding(self, cipher: Cipher) -> None:
        sealed = cipher.seal(b"Jane Roe", "cases.patient_name")
        assert b"Jane" not in sealed
        assert cipher.open(sealed, "cases.patient_name") == b"Jane Roe"
        with pytest.raises(DecryptionError):
            cipher.open(sealed, "cases.question")

    def test_tampering_and_wrong_key_fail(self, cipher: Cipher) -> None:
        sealed = bytearray(cipher.seal(b"value", "c"))
        sealed[-1] ^= 1
        with pytest.raises(DecryptionError):
            cipher.open(bytes(sealed), "c")
        with pytest.raises(DecryptionError):
            Cipher(os.urandom(32)).open(cipher.seal(b"value", "c"), "c")


class TestBlobs:
    def test_multi_segment_round_trip(self, cipher: Cipher, tmp_path: Path) -> None:
        store = LocalBlobStore(tmp_path, cipher)
        payload = os.urandom(SEGMENT_BYTES * 2 + 123)
        store.put("blob1", [payload[:1000], payload[1000:]])
        assert b"".join(store.get("blob1")) == payload
        assert payload[:64] not in store.path_for("blob1").read_bytes()

    def test_truncated_blob_is_detected(self, cipher: Cipher, tmp_path: Path) -> None:
        store = LocalBlobStore(tmp_path, cipher)
        store.put("blob2", [os.urandom(SEGMENT_BYTES + 10)])
        path = store.path_for("blob2")
        sealed = path.read_bytes()
        path.write_bytes(sealed[: len(sealed) // 2])
        with pytest.raises(DecryptionError):
            b"".join(store.get("blob2"))

    def test_blob_moved_to_another_key_is_detected(self, cipher: Cipher, tmp_path: Path) -> None:
        store = LocalBlobStore(tmp_path, cipher)
        store.put("aa1", [b"record bytes"])
        store.put("aa2", [b"other bytes"])
        store.path_for("aa2").write_bytes(store.path_for("aa1").read_bytes())
        with pytest.raises(DecryptionError):
            b"".join(store.get("aa2"))

    @pytest.mark.parametrize("key", ["../escape", "a/b", "", "x.y"])
    def test_keys_cannot_be_paths(self, cipher: Cipher, tmp_path: Path, key: str) -> None:
        with pytest.raises(ValueError, match="blob keys"):
            LocalBlobStore(tmp_path, cipher).put(key, [b"x"])
