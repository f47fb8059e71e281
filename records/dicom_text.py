"""DICOM studies as text: study, series and instance metadata and structured-report content.

Pixels never become text. Identifying attributes are read like any other record (de-identification comes
after ingestion); the metadata that matters clinically (modality, body part, descriptions, dates) and the
text of structured reports are what the document carries.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from records.documents import Document, DocumentBuilder, EmbeddedParser, SourceRef
from records.intake import DICOM_READ_ERRORS, RecordRejected, RejectionKind, read_dicom_header
from records.kinds import RecordKind

_METADATA_LINES = (
    ("Modality", "Modality"),
    ("BodyPartExamined", "Body part"),
    ("StudyDescription", "Study"),
    ("SeriesDescription", "Series"),
    ("ProtocolName", "Protocol"),
    ("StudyDate", "Study date"),
    ("SeriesDate", "Series date"),
    ("AcquisitionDate", "Acquisition date"),
    ("ContentDate", "Content date"),
    ("InstitutionName", "Institution"),
    ("ReferringPhysicianName", "Referring physician"),
    ("PatientName", "Patient"),
    ("PatientSex", "Sex"),
    ("PatientAge", "Age"),
)
_MAX_SR_DEPTH = 20


def parse_dicom(path: Path, source: SourceRef, embedded: EmbeddedParser) -> list[Document]:
    """One document per DICOM file: its metadata lines, then any structured-report content."""
    try:
        dataset = read_dicom_header(path)
    except DICOM_READ_ERRORS as error:
        raise RecordRejected(
            source.filename, RejectionKind.CORRUPT, "the DICOM file is malformed", source.entry
        ) from error
    modality = str(dataset.get("Modality", "") or "")
    title = " ".join(part for part in (modality, str(dataset.get("StudyDescription", "") or "")) if part)
    builder = DocumentBuilder(source, RecordKind.DICOM, title=title or "DICOM instance")
    instance = str(dataset.get("SOPInstanceUID", "") or "")
    for keyword, label in _METADATA_LINES:
        value = dataset.get(keyword)
        if value not in (None, ""):
            builder.add(f"{label}: {value}", section="metadata", resource_type=keyword, resource_id=instance)
    builder.add_fact(
        f"Imaging: {modality or 'unknown modality'} {dataset.get('BodyPartExamined', '') or ''}".strip(),
        {
            "kind": "imaging_study",
            "display": str(dataset.get("StudyDescription", "") or "") or None,
            "value": modality or None,
            "date": _iso_date(dataset.get("StudyDate")),
        },
        section="metadata",
        resource_type="ImagingStudy",
        resource_id=str(dataset.get("StudyInstanceUID", "") or "") or None,
    )
    for depth, line in _report_lines(dataset.get("ContentSequence"), 0):
        builder.add(
            ("  " * depth) + line,
            section="structured report",
            resource_type="ContentItem",
            resource_id=instance,
        )
    builder.metadata["pixels_present"] = "PixelData" in dataset or bool(dataset.get("Rows"))
    return [builder.build()]


def _report_lines(sequence: Any, depth: int) -> Iterator[tuple[int, str]]:
    """``Concept: value`` lines from an SR content tree, depth first."""
    if sequence is None or depth > _MAX_SR_DEPTH:
        return
    for item in sequence:
        name = _code_meaning(item.get("ConceptNameCodeSequence"))
        value = _item_value(item)
        if name or value:
            yield depth, f"{name}: {value}" if name and value else (name or value)
        yield from _report_lines(item.get("ContentSequence"), depth + 1)


def _item_value(item: Any) -> str:
    value_type = str(item.get("ValueType", "") or "")
    if value_type == "TEXT":
        return str(item.get("TextValue", "") or "")
    if value_type == "CODE":
        return _code_meaning(item.get("ConceptCodeSequence"))
    if value_type == "NUM":
        measured = item.get("MeasuredValueSequence")
        if measured:
            unit = _code_meaning(measured[0].get("MeasurementUnitsCodeSequence"))
            return f"{measured[0].get('NumericValue', '')} {unit}".strip()
    if value_type in ("DATE", "DATETIME", "TIME"):
        return str(item.get(value_type.capitalize(), "") or item.get("DateTime", "") or "")
    if value_type == "PNAME":
        return str(item.get("PersonName", "") or "")
    return ""


def _code_meaning(sequence: Any) -> str:
    return str(sequence[0].get("CodeMeaning", "") or "") if sequence else ""


def _iso_date(value: Any) -> str | None:
    text = str(value or "")
    return f"{text[:4]}-{text[4:6]}-{text[6:8]}" if len(text) >= 8 and text[:8].isdigit() else None
