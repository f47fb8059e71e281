"""Documents: the text of a record in reading order, with the provenance of every span.

A parser builds a :class:`Document` with a :class:`DocumentBuilder`, appending pieces of text together with
where they came from (page, section, FHIR resource, HL7 segment, ...). Every character of ``Document.text``
that came from the record is covered by exactly one :class:`SourceSpan`, so a later stage can cite
``(document id, page, start, end)`` and ``document.text[start:end]`` is exactly the cited text. Coded facts
(codes, values, units, dates) from structured sources are kept beside the text as :class:`CodedFact`s, each
pointing at the span where it was rendered.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import Any, Protocol

from pydantic import BaseModel, Field

from records.kinds import RecordKind

SEPARATOR = "\n"


class DocumentStatus(StrEnum):
    """Whether the document's text could be read."""

    OK = "ok"
    NEEDS_OCR = "needs_ocr"  # a scan or image without a text layer, and no OCR engine installed
    EMPTY = "empty"  # parsed, but there was no text to extract


class SourceSpan(BaseModel):
    """Where a piece of ``Document.text`` came from."""

    start: int = Field(description="Offset of the first character in Document.text")
    end: int = Field(description="Offset one past the last character (end-exclusive)")
    page: int | None = Field(None, description="1-based page number, for paged formats")
    section: str | None = Field(None, description="Section heading or structural label")
    resource_type: str | None = Field(None, description="FHIR resource type, HL7 segment or CDA element")
    resource_id: str | None = Field(None, description="Resource id, segment index or entry id")
    source_start: int | None = Field(
        None, description="For text formats: where this span's verbatim text starts in the decoded file"
    )

    def source_offset(self, offset: int) -> int | None:
        """The decoded file's offset of ``Document.text[offset]`` (text formats only)."""
        return None if self.source_start is None else self.source_start + offset - self.start


class CodedFact(BaseModel):
    """A fact from a structured source, kept with its codes so later stages need not re-read the text."""

    kind: str = Field(description="condition, medication, allergy, observation, procedure, encounter, ...")
    display: str | None = None
    code: str | None = None
    system: str | None = Field(None, description="Code system URI or OID (SNOMED CT, LOINC, RxNorm, ICD-10)")
    value: str | None = None
    unit: str | None = None
    reference_range: str | None = None
    interpretation: str | None = Field(None, description="Abnormal flag: H, L, A, N, ...")
    status: str | None = None
    date: str | None = Field(None, description="ISO 8601 date or date-time as recorded")
    start: int = Field(description="Offset in Document.text of the rendered fact")
    end: int
    resource_type: str | None = None
    resource_id: str | None = None


class Document(BaseModel):
    """One readable document derived from an upload (a file, a ZIP entry, an embedded attachment)."""

    id: str = Field(description="Stable id: upload id, entry path and position")
    upload_id: str
    entry: str = Field(description="Path of the file inside the upload ('' for the upload itself)")
    kind: RecordKind
    title: str
    text: str
    spans: list[SourceSpan]
    facts: list[CodedFact] = Field(default_factory=list)
    status: DocumentStatus = DocumentStatus.OK
    metadata: dict[str, Any] = Field(default_factory=dict)

    def span_at(self, offset: int) -> SourceSpan | None:
        """The span holding the character at ``offset``."""
        return span_at(self.spans, offset)


def span_at(spans: Sequence[SourceSpan], offset: int) -> SourceSpan | None:
    """The span holding the character at ``offset``."""
    return next((span for span in spans if span.start <= offset < span.end), None)


class SourceRef(BaseModel):
    """Which upload (and which entry in it) a parser is reading."""

    upload_id: str
    entry: str = ""
    filename: str = ""

    def child(self, name: str) -> SourceRef:
        """The reference of something inside this source (a ZIP entry, an attachment)."""
        entry = f"{self.entry}/{name}" if self.entry else name
        return SourceRef(upload_id=self.upload_id, entry=entry, filename=self.filename)

    def document_id(self, index: int) -> str:
        """An id for the ``index``-th document from this source."""
        return f"{self.upload_id}:{self.entry}#{index}"


class DocumentBuilder:
    """Accumulates text pieces with their provenance; pieces are separated by a newline."""

    def __init__(self, source: SourceRef, kind: RecordKind, title: str) -> None:
        self.source = source
        self.kind = kind
        self.title = title
        self._parts: list[str] = []
        self._length = 0
        self.spans: list[SourceSpan] = []
        self.facts: list[CodedFact] = []
        self.metadata: dict[str, Any] = {}

    def add(
        self,
        text: str,
        *,
        page: int | None = None,
        section: str | None = None,
        resource_type: str | None = None,
        resource_id: str | None = None,
        source_start: int | None = None,
    ) -> tuple[int, int]:
        """Append ``text`` (skipped if blank) and record its provenance; return its (start, end)."""
        if source_start is not None:
            source_start += len(text) - len(text.lstrip())
        text = text.strip()
        if not text:
            return (self._length, self._length)
        if self._parts:
            self._parts.append(SEPARATOR)
            self._length += len(SEPARATOR)
        start = self._length
        self._parts.append(text)
        self._length += len(text)
        span = SourceSpan(
            start=start,
            end=self._length,
            page=page,
            section=section,
            resource_type=resource_type,
            resource_id=resource_id,
            source_start=source_start,
        )
        self.spans.append(span)
        return (start, self._length)

    def add_fact(self, text: str, fact: dict[str, Any], **provenance: Any) -> None:
        """Append the rendered ``text`` of a coded fact and keep the fact, pointing at that text."""
        start, end = self.add(text, **provenance)
        if end > start:
            self.facts.append(
                CodedFact(
                    start=start,
                    end=end,
                    resource_type=provenance.get("resource_type"),
                    resource_id=provenance.get("resource_id"),
                    **{key: _text_or_none(value) for key, value in fact.items()},
                )
            )

    @property
    def is_empty(self) -> bool:
        """Whether nothing has been added."""
        return not self._parts

    def build(self, index: int = 0, status: DocumentStatus | None = None) -> Document:
        """The finished document."""
        text = "".join(self._parts)
        return Document(
            id=self.source.document_id(index),
            upload_id=self.source.upload_id,
            entry=self.source.entry,
            kind=self.kind,
            title=self.title,
            text=text,
            spans=self.spans,
            facts=self.facts,
            status=status or (DocumentStatus.OK if text else DocumentStatus.EMPTY),
            metadata=self.metadata,
        )


def _text_or_none(value: Any) -> Any:
    if value is None or isinstance(value, str):
        return value if value else None
    if isinstance(value, int | float):
        return str(value)
    return value


class EmbeddedParser(Protocol):
    """Parses bytes found inside a record (a base64 PDF in a FHIR DocumentReference, an HL7 ED value, a
    C-CDA nonXMLBody) into documents, detecting their format from content like any upload."""

    def __call__(self, data: bytes, source: SourceRef) -> list[Document]: ...
