"""Record uploads: type from content, dedupe, encryption at rest, and every way a file can be refused
without losing anything."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from reconsult.settings import Settings
from review_api.app import create_app
from store.blobs import LocalBlobStore
from store.models import Role
from tests.conftest import SHARED_DATA, CaseBuilder, file_part, pdf_bytes

PNG_HEADER = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def zip_of(entries: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.fixture
def open_case(cases: CaseBuilder) -> str:
    """A draft case with record-release consent."""
    case_id = cases.create()
    cases.consent(case_id, "record_release")
    return case_id


def stored_blob_files(blob_store: LocalBlobStore, root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


class TestAcceptedFormats:
    @pytest.mark.parametrize(
        ("name", "path", "kind"),
        [
            ("visit.ccda", SHARED_DATA / "ccda-samples" / "Consultation_Note.ccda", "ccda"),
            ("lab.hl7", SHARED_DATA / "hl7v2-samples" / "LAB-ORU-1.hl7", "hl7v2"),
            ("conditions.ndjson", SHARED_DATA / "synthea-fhir-10" / "Condition.000.ndjson", "fhir_ndjson"),
        ],
    )
    def test_real_record_files(
        self, cases: CaseBuilder, open_case: str, name: str, path: Path, kind: str
    ) -> None:
        response = cases.upload(open_case, (name, path.read_bytes()))
        assert response.status_code == 201, response.text
        assert response.json()[0]["kind"] == kind

    def test_type_comes_from_content_not_name(self, cases: CaseBuilder, open_case: str) -> None:
        response = cases.upload(open_case, ("scan.txt", pdf_bytes()))
        assert response.status_code == 201
        assert response.json()[0]["kind"] == "pdf"
        assert response.json()[0]["media_type"] == "application/pdf"

    def test_zip_of_records(self, cases: CaseBuilder, open_case: str) -> None:
        archive = zip_of(
            {
                "records/note.pdf": pdf_bytes(),
                "records/lab.hl7": (SHARED_DATA / "hl7v2-samples" / "ORU-R01-01.hl7").read_bytes(),
            }
        )
        response = cases.upload(open_case, ("bundle.zip", archive))
        assert response.status_code == 201, response.text
        assert response.json()[0]["kind"] == "zip"

    def test_same_bytes_twice_is_a_duplicate_not_a_second_record(
        self, cases: CaseBuilder, open_case: str
    ) -> None:
        pdf = pdf_bytes()
        first = cases.upload(open_case, ("a.pdf", pdf)).json()[0]
        second = cases.upload(open_case, ("renamed.pdf", pdf)).json()[0]
        assert second["duplicate"] is True
        assert second["id"] == first["id"]


class TestRefusedFiles:
    @pytest.mark.parametrize(
        ("name", "content", "status", "kind"),
        [
            ("empty.pdf", b"", 422, "empty"),
            ("blank.txt", b"  \n\n ", 422, "empty"),
            ("broken.pdf", b"%PDF-1.7\nthis is not really a PDF at all\n", 422, "corrupt"),
            ("broken.dcm", b"\x00" * 128 + b"DICM" + b"\xff" * 40, 422, "corrupt"),
            ("broken.json", b'{"resourceType": "Patient", ', 422, "corrupt"),
            ("photo.pdf", PNG_HEADER, 415, "unsupported"),
            ("data.json", b'{"hello": "world"}', 415, "unsupported"),
            ("program.exe", b"MZ\x90\x00\x03\x00\x00\x00" + bytes(range(256)) * 4, 415, "unsupported"),
            ("notes.xml", b"<?xml version='1.0'?><notes><n>hi</n></notes>", 415, "unsupported"),
            ("broken.zip", b"PK\x03\x04" + b"\x00" * 30, 422, "corrupt"),
        ],
    )
    def test_problem_names_file_and_reason(
        self, cases: CaseBuilder, open_case: str, name: str, content: bytes, status: int, kind: str
    ) -> None:
        response = cases.upload(open_case, (name, content))
        assert response.status_code == status, response.text
        assert response.headers["content-type"] == "application/problem+json"
        problem = response.json()
        assert problem["errors"][0]["file"] == name
        assert problem["errors"][0]["kind"] == kind
        assert name in problem["detail"]

    def test_zip_bomb(self, cases: CaseBuilder, open_case: str) -> None:
        bomb = zip_of({"huge.txt": b"0" * (20 * 1024 * 1024)})
        assert len(bomb) < 100_000
        response = cases.upload(open_case, ("bomb.zip", bomb))
        assert response.status_code == 422
        assert response.json()["errors"][0]["kind"] == "unsafe_archive"
        assert "ZIP bomb" in response.json()["errors"][0]["reason"]

    @pytest.mark.parametrize(
        "entry", ["../../etc/cron.d/evil.txt", "/etc/passwd.txt", "..\\..\\windows\\evil.txt"]
    )
    def test_path_traversal_entry(self, cases: CaseBuilder, open_case: str, entry: str) -> None:
        archive = zip_of({entry: b"plain text", "ok.txt": b"fine"})
        response = cases.upload(open_case, ("records.zip", archive))
        assert response.status_code == 422
        error = response.json()["errors"][0]
        assert error["kind"] == "unsafe_archive"
        assert error["entry"] == entry
        assert "path traversal" in error["reason"]

    def test_nesting_beyond_the_limit(self, cases: CaseBuilder, open_case: str) -> None:
        nested = zip_of({"note.txt": b"deep"})
        for level in range(3):
            nested = zip_of({f"level{level}.zip": nested})
        response = cases.upload(open_case, ("nested.zip", nested))
        assert response.status_code == 422
        assert "nest" in response.json()["errors"][0]["reason"]

    def test_bad_entry_inside_zip_is_named(self, cases: CaseBuilder, open_case: str) -> None:
        archive = zip_of({"good.pdf": pdf_bytes(), "scans/photo.png": PNG_HEADER})
        response = cases.upload(open_case, ("bundle.zip", archive))
        assert response.status_code == 415
        assert response.json()["errors"][0]["entry"] == "scans/photo.png"

    def test_oversized_file(
        self,
        settings: Settings,
        session_factory: sessionmaker[Session],
        blob_store: LocalBlobStore,
        open_case: str,
        as_role: Callable[[Role], dict[str, str]],
    ) -> None:
        small = settings.model_copy(update={"max_upload_bytes": 2048})
        with TestClient(create_app(small, session_factory, blob_store)) as client:
            response = client.post(
                f"/cases/{open_case}/records",
                files=[file_part("big.txt", b"a" * 4096)],
                headers=as_role(Role.OPS),
            )
        assert response.status_code == 413
        assert response.json()["errors"][0]["file"] == "big.txt"

    def test_body_larger_than_any_upload_is_refused_before_reading(
        self,
        settings: Settings,
        session_factory: sessionmaker[Session],
        blob_store: LocalBlobStore,
        open_case: str,
        as_role: Callable[[Role], dict[str, str]],
    ) -> None:
        tiny = settings.model_copy(update={"max_upload_bytes": 10, "max_files_per_upload": 1})
        with TestClient(create_app(tiny, session_factory, blob_store)) as client:
            response = client.post(
                f"/cases/{open_case}/records",
                files=[file_part("big.txt", b"a" * (2 * 1024 * 1024))],
                headers=as_role(Role.OPS),
            )
        assert response.status_code == 413


class TestNothingIsLost:
    def test_failed_batch_stores_nothing_and_keeps_earlier_uploads(
        self,
        client: TestClient,
        cases: CaseBuilder,
        blob_store: LocalBlobStore,
        tmp_path: Path,
        as_role: Callable[[Role], dict[str, str]],
    ) -> None:
        case_id = cases.assigned()  # already holds one uploaded PDF
        blobs_before = stored_blob_files(blob_store, tmp_path / "blobs")
        response = cases.upload(case_id, ("new.pdf", pdf_bytes("a new page")), ("empty.txt", b""))
        assert response.status_code == 422
        assert stored_blob_files(blob_store, tmp_path / "blobs") == blobs_before
        records = client.get(f"/cases/{case_id}/records", headers=as_role(Role.SPECIALIST)).json()
        assert len(records) == 1
        content = client.get(
            f"/cases/{case_id}/records/{records[0]['id']}/content", headers=as_role(Role.SPECIALIST)
        )
        assert content.content == pdf_bytes()

    def test_every_refused_file_is_listed(self, cases: CaseBuilder, open_case: str) -> None:
        response = cases.upload(open_case, ("a.txt", b""), ("b.png", PNG_HEADER), ("c.pdf", pdf_bytes()))
        assert [error["file"] for error in response.json()["errors"]] == ["a.txt", "b.png"]


class TestEncryptionAtRest:
    def test_blob_on_disk_is_not_the_plaintext(
        self,
        client: TestClient,
        cases: CaseBuilder,
        tmp_path: Path,
        blob_store: LocalBlobStore,
        as_role: Callable[[Role], dict[str, str]],
    ) -> None:
        marker = b"UNIQUE-PLAINTEXT-MARKER-7781"
        case_id = cases.create()
        cases.consent(case_id, "record_release")
        cases.upload(case_id, ("note.txt", b"Clinical note " + marker))
        files = stored_blob_files(blob_store, tmp_path / "blobs")
        assert len(files) == 1
        sealed = files[0].read_bytes()
        assert marker not in sealed
        assert b"Clinical note" not in sealed

    def test_phi_columns_are_ciphertext_in_the_database(self, session: Session, cases: CaseBuilder) -> None:
        case_id = cases.create()
        row = session.execute(
            text("SELECT patient_name, patient_birth_date, referring_diagnosis FROM cases WHERE id = :id"),
            {"id": case_id},
        ).one()
        for raw in row:
            assert b"Testy" not in bytes(raw)
            assert b"1960" not in bytes(raw)
            assert b"sarcoidosis" not in bytes(raw)
