"""The record formats the service accepts, and their media types."""

from __future__ import annotations

from enum import StrEnum


class RecordKind(StrEnum):
    """A record format, as detected from a file's content (never from its name)."""

    PDF = "pdf"
    DOCX = "docx"
    HTML = "html"
    TEXT = "text"
    FHIR_JSON = "fhir_json"
    FHIR_NDJSON = "fhir_ndjson"
    HL7V2 = "hl7v2"
    CCDA = "ccda"
    DICOM = "dicom"
    ZIP = "zip"


MEDIA_TYPES: dict[RecordKind, str] = {
    RecordKind.PDF: "application/pdf",
    RecordKind.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    RecordKind.HTML: "text/html",
    RecordKind.TEXT: "text/plain",
    RecordKind.FHIR_JSON: "application/fhir+json",
    RecordKind.FHIR_NDJSON: "application/fhir+ndjson",
    RecordKind.HL7V2: "application/hl7-v2",
    RecordKind.CCDA: "application/hl7-cda+xml",
    RecordKind.DICOM: "application/dicom",
    RecordKind.ZIP: "application/zip",
}
