"""Ingestion (records.ingest.ingest_file): every format into documents with sound provenance, ZIPs with
per-entry errors, archive limits, embedded attachments and scans without text."""

from __future__ import annotations

import base64
import io
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pydicom
import pytest

from records.documents import Document, DocumentStatus
from records.ingest import IngestResult, ingest_file
from records.intake import ArchiveLimits, RejectionKind
from records.kinds import RecordKind
from tests.conftest import SHARED_DATA
from tests.records.helpers import assert_provenance

DICOM_FILES = Path(pydicom.__file__).parent / "data" / "test_files"
MDM_SAMPLE = SHARED_DATA / "hl7v2-samples" / "MDM-T02-01.hl7"
EMPTY_ED_OBX = "OBX|2|ED|02585^TransthoracicEcho^PCV4||^application^pdf^Base64^||||||F"


# --- building real files --------------------------------------------------------------------------------


def pdf_with_text(text: str) -> bytes:
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, invariant=1)
    page.drawString(72, 720, text)
    page.showPage()
    page.save()
    return buffer.getvalue()


def pdf_without_text() -> bytes:
    """A page holding only a filled rectangle: what a scan looks like to a text extractor."""
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, invariant=1)
    page.rect(72, 72, 300, 400, fill=1)
    page.showPage()
    page.save()
    return buffer.getvalue()


def docx_bytes() -> bytes:
    import docx

    document = docx.Document()
    document.add_heading("Operative note", level=1)
    document.add_paragraph("Uncomplicated laparoscopic cholecystectomy. Estimated blood loss 20 mL.")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def zip_bytes(entries: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            archive.writestr(name, data)
    return buffer.getvalue()


HTML = (
    b"<!DOCTYPE html><html><body><h1>Discharge summary</h1><p>Stable angina, discharged home.</p>"
    b"<table><tr><td>Sodium</td><td>140 mmol/L</td></tr></table></body></html>"
)
TEXT = b"HISTORY:\nChest pain for two days.\n\nPLAN: Exercise stress test, continue aspirin.\n"


def smallest(folder: Path, pattern: str) -> Path:
    return min(sorted(folder.glob(pattern)), key=lambda path: path.stat().st_size)


def dicom_sample() -> Path:
    return next(
        path for path in sorted(DICOM_FILES.glob("CT_small*.dcm")) if path.read_bytes()[128:132] == b"DICM"
    )


# (name, expected kind, bytes) for one file of every accepted format.
FORMAT_FILES: dict[str, tuple[RecordKind, Callable[[], bytes]]] = {
    "record.ccda": (RecordKind.CCDA, lambda: smallest(SHARED_DATA / "ccda-samples", "*.ccda").read_bytes()),
    "message.hl7": (
        RecordKind.HL7V2,
        lambda: smallest(SHARED_DATA / "hl7v2-samples", "ORU*.hl7").read_bytes(),
    ),
    "AllergyIntolerance.000.ndjson": (
        RecordKind.FHIR_NDJSON,
        lambda: (SHARED_DATA / "synthea-fhir-10" / "AllergyIntolerance.000.ndjson").read_bytes(),
    ),
    "image.dcm": (RecordKind.DICOM, lambda: dicom_sample().read_bytes()),
    "echo.pdf": (RecordKind.PDF, lambda: pdf_with_text("Echo: normal left ventricular function, EF 60%.")),
    "summary.html": (RecordKind.HTML, lambda: HTML),
    "note.txt": (RecordKind.TEXT, lambda: TEXT),
    "operative.docx": (RecordKind.DOCX, docx_bytes),
}


def ingest_bytes(tmp_path: Path, name: str, data: bytes, upload_id: str = "upload-1") -> IngestResult:
    path = tmp_path / name
    path.write_bytes(data)
    return ingest_file(path, upload_id, name)


def assert_provenance_sound(document: Document) -> None:
    assert document.text.strip(), f"{document.id} has no text"
    assert document.spans, f"{document.id} has no provenance"
    assert_provenance(document)


def assert_ids_unique(result: IngestResult) -> None:
    ids = [document.id for document in result.documents]
    assert len(ids) == len(set(ids)), ids


# --- every format ---------------------------------------------------------------------------------------


class TestEachFormat:
    @pytest.mark.parametrize("name", FORMAT_FILES)
    def test_file_becomes_documents_of_its_kind_with_sound_provenance(
        self, tmp_path: Path, name: str
    ) -> None:
        kind, content = FORMAT_FILES[name]
        result = ingest_bytes(tmp_path, name, content())
        assert result.errors == []
        assert result.documents
        assert {document.kind for document in result.documents} == {kind}
        for document in result.documents:
            assert document.upload_id == "upload-1"
            assert document.entry == ""
            assert document.status is DocumentStatus.OK
            assert_provenance_sound(document)
        assert_ids_unique(result)

    def test_text_is_taken_from_the_content(self, tmp_path: Path) -> None:
        pdf = ingest_bytes(tmp_path, "echo.pdf", FORMAT_FILES["echo.pdf"][1]()).documents[0]
        assert "normal left ventricular function" in pdf.text
        html = ingest_bytes(tmp_path, "summary.html", HTML).documents[0]
        assert "Stable angina" in html.text
        assert "140 mmol/L" in html.text
        assert "<p>" not in html.text
        text = ingest_bytes(tmp_path, "note.txt", TEXT).documents[0]
        assert "Exercise stress test" in text.text

    def test_the_format_comes_from_content_not_the_name(self, tmp_path: Path) -> None:
        result = ingest_bytes(tmp_path, "looks-like-text.txt", FORMAT_FILES["echo.pdf"][1]())
        assert [document.kind for document in result.documents] == [RecordKind.PDF]

    def test_all_formats_in_one_zip_keep_their_entries_and_unique_ids(self, tmp_path: Path) -> None:
        entries = [(f"records/{name}", content()) for name, (_kind, content) in FORMAT_FILES.items()]
        result = ingest_bytes(tmp_path, "records.zip", zip_bytes(entries), upload_id="upload-z")
        assert result.errors == []
        assert {document.entry: document.kind for document in result.documents} == {
            f"records/{name}": kind for name, (kind, _content) in FORMAT_FILES.items()
        }
        assert all(document.upload_id == "upload-z" for document in result.documents)
        for document in result.documents:
            assert_provenance_sound(document)
        assert_ids_unique(result)


# --- a ZIP with good and bad entries --------------------------------------------------------------------


class TestZipWithBadEntries:
    @pytest.fixture
    def result(self, tmp_path: Path) -> IngestResult:
        good_pdf = pdf_with_text("Pathology: benign fibroadenoma.")
        archive = zip_bytes(
            [
                ("notes/progress.txt", TEXT),
                ("labs/oru.hl7", FORMAT_FILES["message.hl7"][1]()),
                ("reports/path.pdf", good_pdf),
                ("reports/cut.pdf", good_pdf[:300]),
                ("notes/empty.txt", b""),
                ("photos/rash.png", b"\x89PNG\r\n\x1a\n" + bytes(64)),
            ]
        )
        return ingest_bytes(tmp_path, "upload.zip", archive)

    def test_good_entries_become_documents(self, result: IngestResult) -> None:
        assert {document.entry: document.kind for document in result.documents} == {
            "notes/progress.txt": RecordKind.TEXT,
            "labs/oru.hl7": RecordKind.HL7V2,
            "reports/path.pdf": RecordKind.PDF,
        }
        for document in result.documents:
            assert_provenance_sound(document)
        assert_ids_unique(result)

    def test_each_bad_entry_is_an_error_naming_it(self, result: IngestResult) -> None:
        assert {error.entry: error.kind for error in result.errors} == {
            "reports/cut.pdf": RejectionKind.CORRUPT,
            "notes/empty.txt": RejectionKind.EMPTY,
            "photos/rash.png": RejectionKind.UNSUPPORTED,
        }
        for error in result.errors:
            assert error.filename == "upload.zip"
            assert error.entry is not None
            assert error.entry in str(error)


# --- archive limits -------------------------------------------------------------------------------------


@pytest.fixture
def opened_entries(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of every ZIP entry opened for reading during the test."""
    names: list[str] = []
    original_open = zipfile.ZipFile.open

    def spy(self: zipfile.ZipFile, name: Any, *args: Any, **kwargs: Any) -> Any:
        mode = args[0] if args else kwargs.get("mode", "r")
        if mode == "r":  # building a test archive opens its entries for writing
            names.append(name.filename if isinstance(name, zipfile.ZipInfo) else str(name))
        return original_open(self, name, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "open", spy)
    return names


def nested_zip(levels: int) -> bytes:
    """``levels`` ZIPs inside one another, the innermost holding a text note."""
    data = zip_bytes([("note.txt", b"Innermost note: stable.")])
    for level in range(levels - 1):
        data = zip_bytes([(f"level{level}.zip", data)])
    return data


class TestArchiveLimits:
    def test_nesting_up_to_the_limit_is_read(self, tmp_path: Path, opened_entries: list[str]) -> None:
        result = ingest_bytes(tmp_path, "nested.zip", nested_zip(ArchiveLimits().max_depth))
        assert result.errors == []
        assert [document.entry for document in result.documents] == ["level0.zip/note.txt"]
        assert "note.txt" in opened_entries  # the spy sees extraction, so its silence below means something

    def test_nesting_deeper_than_the_limit_is_unsafe(self, tmp_path: Path) -> None:
        result = ingest_bytes(tmp_path, "nested.zip", nested_zip(ArchiveLimits().max_depth + 1))
        assert result.documents == []
        assert [error.kind for error in result.errors] == [RejectionKind.UNSAFE_ARCHIVE]
        assert result.errors[0].entry is not None
        assert result.errors[0].entry.endswith(".zip")

    def test_a_zip_bomb_is_refused_before_anything_is_extracted(
        self, tmp_path: Path, opened_entries: list[str]
    ) -> None:
        archive = zip_bytes([("zeros.bin", bytes(20 * 1024 * 1024)), ("note.txt", TEXT)])
        assert len(archive) < 100_000
        result = ingest_bytes(tmp_path, "bomb.zip", archive)
        assert result.documents == []
        assert [(error.kind, error.entry) for error in result.errors] == [
            (RejectionKind.UNSAFE_ARCHIVE, "zeros.bin")
        ]
        assert opened_entries == []

    @pytest.mark.parametrize("name", ["../../etc/cron.d/evil", "/etc/passwd", "notes/../../escape.txt"])
    def test_path_traversal_entry_names_are_unsafe(
        self, tmp_path: Path, opened_entries: list[str], name: str
    ) -> None:
        result = ingest_bytes(tmp_path, "traversal.zip", zip_bytes([("ok.txt", TEXT), (name, b"x")]))
        assert result.documents == []
        assert [(error.kind, error.entry) for error in result.errors] == [
            (RejectionKind.UNSAFE_ARCHIVE, name)
        ]
        assert opened_entries == []


# --- attachments and scans ------------------------------------------------------------------------------


def segment_number(message: str, prefix: str) -> int:
    segments = [
        line for line in message.replace("\r\n", "\n").replace("\r", "\n").split("\n") if line.strip()
    ]
    return next(number for number, line in enumerate(segments, start=1) if line.startswith(prefix))


class TestEmbeddedAttachment:
    def test_hl7_ed_pdf_becomes_a_pdf_document_named_after_its_obx_segment(self, tmp_path: Path) -> None:
        message = MDM_SAMPLE.read_text(encoding="utf-8-sig")
        assert EMPTY_ED_OBX in message
        pdf = pdf_with_text("Transthoracic echo: mild mitral regurgitation.")
        payload = base64.b64encode(pdf).decode()
        with_pdf = message.replace(EMPTY_ED_OBX, EMPTY_ED_OBX.replace("Base64^", f"Base64^{payload}"))
        result = ingest_bytes(tmp_path, "mdm.hl7", with_pdf.encode())
        assert result.errors == []
        kinds = [document.kind for document in result.documents]
        assert kinds == [RecordKind.HL7V2, RecordKind.PDF]
        message_doc, attachment = result.documents
        assert attachment.entry == f"OBX{segment_number(message, 'OBX|2|ED')}"
        assert "mild mitral regurgitation" in attachment.text
        assert "Attached document: TransthoracicEcho" in message_doc.text
        for document in result.documents:
            assert_provenance_sound(document)
        assert_ids_unique(result)


class TestScannedPdf:
    def test_pdf_without_a_text_layer_needs_ocr(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr("records.pdf.ocr_available", lambda: False)  # a machine without tesseract
        result = ingest_bytes(tmp_path, "scan.pdf", pdf_without_text())
        assert result.errors == []
        (document,) = result.documents
        assert document.kind is RecordKind.PDF
        assert document.status is DocumentStatus.NEEDS_OCR
        assert document.text == ""
        assert document.spans == []
        assert "ocr" in document.metadata
