"""Content-based identification and validation, on the real sample records in shared/data."""

from __future__ import annotations

from pathlib import Path

import pydicom
import pytest

from records.intake import ArchiveLimits, RecordRejected, RejectionKind, identify
from records.kinds import RecordKind
from tests.conftest import SHARED_DATA, pdf_bytes

DICOM_TEST_FILES = Path(pydicom.__file__).parent / "data" / "test_files"


def _files(folder: str, pattern: str) -> list[Path]:
    return sorted((SHARED_DATA / folder).glob(pattern))


def _with_dicom_preamble(paths: list[Path]) -> list[Path]:
    return [path for path in paths if path.read_bytes()[128:132] == b"DICM"]


@pytest.mark.parametrize("path", _files("ccda-samples", "*.ccda"), ids=lambda p: p.name)
def test_every_ccda_sample(path: Path) -> None:
    assert identify(path, path.name) is RecordKind.CCDA


@pytest.mark.parametrize("path", _files("hl7v2-samples", "*.hl7"), ids=lambda p: p.name)
def test_every_hl7_sample(path: Path) -> None:
    assert identify(path, path.name) is RecordKind.HL7V2


@pytest.mark.parametrize("path", _files("synthea-fhir-10", "*.000.ndjson"), ids=lambda p: p.name)
def test_every_fhir_bulk_file(path: Path) -> None:
    assert identify(path, path.name) is RecordKind.FHIR_NDJSON


@pytest.mark.parametrize(
    "path", _with_dicom_preamble(sorted(DICOM_TEST_FILES.glob("*.dcm")))[:25], ids=lambda p: p.name
)
def test_bundled_dicom_files(path: Path) -> None:
    assert identify(path, path.name) is RecordKind.DICOM


def write(tmp_path: Path, name: str, content: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


@pytest.mark.parametrize(
    ("content", "kind"),
    [
        (b"Progress note\nBP 120/80, HR 72. Plan: continue.", RecordKind.TEXT),
        ("Note in UTF-16: Crohn disease".encode("utf-16"), RecordKind.TEXT),
        ("Befund: Größe 1,80 m".encode("cp1252"), RecordKind.TEXT),
        (b"<!DOCTYPE html><html><body><p>Discharge summary</p></body></html>", RecordKind.HTML),
        (b'{"resourceType": "Bundle", "type": "collection", "entry": []}', RecordKind.FHIR_JSON),
        (b"\x0bMSH|^~\\&|LAB||EHR||20240101||ORU^R01|1|P|2.5\rPID|1||123\r\x1c\r", RecordKind.HL7V2),
        (b"[doctor] hi , brian . how are you ?\n[patient] fine .", RecordKind.TEXT),
        (b"{Dictated, not read} Patient seen in clinic.", RecordKind.TEXT),
    ],
)
def test_text_formats(tmp_path: Path, content: bytes, kind: RecordKind) -> None:
    assert identify(write(tmp_path, "upload", content), "upload") is kind


def test_a_json_array_is_still_read_as_json(tmp_path: Path) -> None:
    with pytest.raises(RecordRejected, match="not a FHIR resource"):
        identify(write(tmp_path, "upload", b'[\n  {"resourceType": "Patient"}\n]'), "upload")


def test_docx_is_not_mistaken_for_a_zip(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_paragraph("Operative note: uncomplicated laparoscopic cholecystectomy.")
    path = tmp_path / "note.docx"
    document.save(str(path))
    assert identify(path, "note.docx") is RecordKind.DOCX


def test_pdf(tmp_path: Path) -> None:
    assert identify(write(tmp_path, "a.pdf", pdf_bytes()), "a.pdf") is RecordKind.PDF


def test_truncated_pdf_is_corrupt(tmp_path: Path) -> None:
    truncated = pdf_bytes()[:200]
    with pytest.raises(RecordRejected) as caught:
        identify(write(tmp_path, "cut.pdf", truncated), "cut.pdf")
    assert caught.value.kind is RejectionKind.CORRUPT


def test_malformed_hl7_is_corrupt(tmp_path: Path) -> None:
    with pytest.raises(RecordRejected) as caught:
        identify(write(tmp_path, "m.hl7", b"MSH|^~\\&|A|B\rthis is no segment\r"), "m.hl7")
    assert caught.value.kind is RejectionKind.CORRUPT


def test_ccda_with_external_entity_is_not_resolved(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    xxe = (
        f'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file://{secret}">]>'
        '<ClinicalDocument xmlns="urn:hl7-org:v3"><title>&x;</title></ClinicalDocument>'
    ).encode()
    # Parsing must not pull the file in; the document is still a well-formed C-CDA shell.
    assert identify(write(tmp_path, "x.xml", xxe), "x.xml") is RecordKind.CCDA


def test_rejection_message_names_file_not_content(tmp_path: Path) -> None:
    with pytest.raises(RecordRejected) as caught:
        identify(write(tmp_path, "p.json", b'{"name": "Jane Roe"}'), "Jane_labs.json", ArchiveLimits())
    assert "Jane_labs.json" in str(caught.value)
    assert "Jane Roe" not in str(caught.value)
