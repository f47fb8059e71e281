"""Shared test helpers for the parsers: the provenance check every document must pass, and a stand-in for
ingestion's embedded parser."""

from __future__ import annotations

from records.documents import Document, DocumentBuilder, SourceRef
from records.kinds import RecordKind


class EmbeddedStub:
    """Stands in for ingestion's embedded parser: PDFs are only recorded, anything else becomes text."""

    def __init__(self) -> None:
        self.calls: list[tuple[bytes, SourceRef]] = []

    def __call__(self, data: bytes, source: SourceRef) -> list[Document]:
        self.calls.append((data, source))
        if data.startswith(b"%PDF"):
            return []
        builder = DocumentBuilder(source, RecordKind.TEXT, "embedded text")
        builder.add(data.decode("utf-8", errors="replace"))
        return [builder.build()]


def assert_provenance(document: Document) -> None:
    """Spans are ordered, disjoint, non-empty, stripped slices of the text; every fact lies on one of the
    spans and shows its display, code or value there (when it has any: a source may leave all three out)."""
    previous_end = 0
    for span in document.spans:
        piece = document.text[span.start : span.end]
        assert piece.strip(), span
        assert piece == piece.strip(), span
        assert span.start >= previous_end, span
        previous_end = span.end
    assert previous_end <= len(document.text)
    span_bounds = {(span.start, span.end) for span in document.spans}
    for fact in document.facts:
        assert (fact.start, fact.end) in span_bounds, fact
        rendered = document.text[fact.start : fact.end]
        shown = [part for part in (fact.display, fact.code, fact.value) if part]
        assert not shown or any(part in rendered for part in shown), (fact, rendered)
