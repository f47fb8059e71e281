"""PDFs with a text layer, through unstructured's fast strategy (page numbers kept)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from records.documents import Document, DocumentBuilder, DocumentStatus, EmbeddedParser, SourceRef
from records.intake import RecordRejected, RejectionKind
from records.kinds import RecordKind

# unstructured's element categories that carry no reading text of their own.
_SKIPPED_CATEGORIES = frozenset({"PageBreak", "Image", "Header", "Footer", "PageNumber"})


def parse_pdf(path: Path, source: SourceRef, embedded: EmbeddedParser) -> list[Document]:
    """The PDF's text by page; titles start sections. A PDF without text is marked as needing OCR."""
    elements = _partition(path, source)
    builder = DocumentBuilder(source, RecordKind.PDF, title=_title(elements) or "PDF document")
    section: str | None = None
    for element in elements:
        category = getattr(element, "category", "")
        text = str(getattr(element, "text", "") or "")
        if category in _SKIPPED_CATEGORIES or not text.strip():
            continue
        if category == "Title":
            section = text.strip()[:200]
        builder.add(text, page=getattr(element.metadata, "page_number", None), section=section)
    builder.metadata["pages"] = max((span.page or 0 for span in builder.spans), default=0)
    if builder.is_empty:
        # A scan: say so rather than hand on an empty text. OCR is used only where tesseract exists.
        builder.metadata["ocr"] = "available" if shutil.which("tesseract") else "tesseract not installed"
        return [builder.build(status=DocumentStatus.NEEDS_OCR)]
    return [builder.build()]


def _partition(path: Path, source: SourceRef) -> list[Any]:
    from unstructured.partition.pdf import partition_pdf

    try:
        return list(partition_pdf(filename=str(path), strategy="fast", languages=["eng"]))
    except Exception as error:  # unstructured wraps pdfminer/pikepdf errors in many types
        raise RecordRejected(
            source.filename, RejectionKind.CORRUPT, "the PDF text cannot be read", source.entry
        ) from error


def _title(elements: list[Any]) -> str:
    first = next((element for element in elements if getattr(element, "category", "") == "Title"), None)
    return str(first.text).strip()[:200] if first is not None else ""
