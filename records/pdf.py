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
    if not builder.is_empty:
        return [builder.build()]
    # No text layer: a scan. OCR it where tesseract is installed; otherwise say so rather than hand on
    # an empty text as if the record said nothing.
    if not ocr_available():
        builder.metadata["ocr"] = "tesseract not installed"
        return [builder.build(status=DocumentStatus.NEEDS_OCR)]
    builder.metadata["ocr"] = "tesseract"
    for page_number, text in _ocr_pages(path):
        builder.add(text, page=page_number, section="OCR")
    builder.metadata["pages"] = _page_count(path)
    return [builder.build()]


def ocr_available() -> bool:
    """Whether the tesseract binary is on the PATH."""
    return shutil.which("tesseract") is not None


# Rendering resolution for OCR: tesseract reads 300 dpi scans best.
_OCR_SCALE = 300 / 72


def _ocr_pages(path: Path) -> list[tuple[int, str]]:
    """(page number, recognised text) for every page, rendered with PDFium and read by tesseract."""
    import pypdfium2
    import pytesseract

    document = pypdfium2.PdfDocument(str(path))
    try:
        pages = []
        for index in range(len(document)):
            image = document[index].render(scale=_OCR_SCALE).to_pil()
            pages.append((index + 1, str(pytesseract.image_to_string(image, lang="eng"))))
        return pages
    finally:
        document.close()


def _page_count(path: Path) -> int:
    import pypdfium2

    document = pypdfium2.PdfDocument(str(path))
    try:
        return len(document)
    finally:
        document.close()


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
