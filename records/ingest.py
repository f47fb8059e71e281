"""Ingestion: an uploaded file (or a ZIP of them) into documents with provenance.

Every file is identified from its content and handed to the parser for its format; bytes embedded in a
record (a base64 PDF in FHIR, HL7 or C-CDA) go through the same path. A file that cannot be read yields a
typed error naming it and the reason, and ingestion carries on with the others.
"""

from __future__ import annotations

import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from records.ccda import parse_ccda
from records.dicom_text import parse_dicom
from records.documents import Document, EmbeddedParser, SourceRef
from records.fhir import parse_fhir
from records.hl7v2 import parse_hl7v2
from records.intake import (
    ArchiveLimits,
    RecordRejected,
    RejectionKind,
    archive_members,
    identify_entry,
)
from records.kinds import RecordKind
from records.pdf import parse_pdf
from records.text_formats import parse_docx, parse_html, parse_text

Parser = Callable[[Path, SourceRef, EmbeddedParser], list[Document]]

PARSERS: dict[RecordKind, Parser] = {
    RecordKind.PDF: parse_pdf,
    RecordKind.DOCX: parse_docx,
    RecordKind.HTML: parse_html,
    RecordKind.TEXT: parse_text,
    RecordKind.FHIR_JSON: parse_fhir,
    RecordKind.FHIR_NDJSON: parse_fhir,
    RecordKind.HL7V2: parse_hl7v2,
    RecordKind.CCDA: parse_ccda,
    RecordKind.DICOM: parse_dicom,
}


@dataclass
class IngestResult:
    """The documents read from one upload, and what could not be read."""

    documents: list[Document] = field(default_factory=list)
    errors: list[RecordRejected] = field(default_factory=list)


def ingest_file(
    path: Path, upload_id: str, filename: str, limits: ArchiveLimits | None = None
) -> IngestResult:
    """Read every document from the uploaded file at ``path``."""
    return _Ingestion(filename, limits or ArchiveLimits()).run(
        path, SourceRef(upload_id=upload_id, filename=filename)
    )


class _Ingestion:
    """One upload's walk: documents are returned up the call chain, errors collected on the way."""

    def __init__(self, filename: str, limits: ArchiveLimits) -> None:
        self.filename = filename
        self.limits = limits
        self.errors: list[RecordRejected] = []
        self._scratch = tempfile.TemporaryDirectory(prefix="reconsult-ingest-")
        self._embedded_count = 0

    def run(self, path: Path, source: SourceRef) -> IngestResult:
        with self._scratch:
            documents = self._read(path, source, depth=0)
        return IngestResult(documents=documents, errors=self.errors)

    def _read(self, path: Path, source: SourceRef, depth: int) -> list[Document]:
        """The documents in one file; a file that cannot be read adds an error and yields nothing."""
        try:
            if _is_plain_zip(path):
                return self._read_archive(path, source, depth)
            kind = identify_entry(path, self.filename, source.entry or None, depth, self.limits)
            return PARSERS[kind](path, source, self._embedded_parser(depth))
        except RecordRejected as rejection:
            self.errors.append(rejection)
            return []

    def _read_archive(self, path: Path, source: SourceRef, depth: int) -> list[Document]:
        if depth >= self.limits.max_depth:
            raise RecordRejected(
                self.filename,
                RejectionKind.UNSAFE_ARCHIVE,
                f"ZIP archives nest deeper than {self.limits.max_depth}",
                source.entry or None,
            )
        documents: list[Document] = []
        for member in archive_members(path, self.filename, self.limits, source.entry or None):
            if member.error is not None:
                self.errors.append(member.error)
                continue
            assert member.path is not None
            member_source = SourceRef(upload_id=source.upload_id, entry=member.name, filename=source.filename)
            documents += self._read(member.path, member_source, depth + 1)
        return documents

    def _embedded_parser(self, depth: int) -> EmbeddedParser:
        def parse_embedded(data: bytes, source: SourceRef) -> list[Document]:
            self._embedded_count += 1
            scratch = Path(self._scratch.name) / f"embedded-{self._embedded_count}"
            scratch.write_bytes(data)
            try:
                return self._read(scratch, source, depth + 1)
            finally:
                scratch.unlink(missing_ok=True)

        return parse_embedded


def _is_plain_zip(path: Path) -> bool:
    """A ZIP archive that is not an Office document (DOCX is a ZIP too)."""
    if not zipfile.is_zipfile(path):
        return False
    with zipfile.ZipFile(path) as archive:
        return "word/document.xml" not in archive.namelist()
