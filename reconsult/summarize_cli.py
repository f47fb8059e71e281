"""``reconsult summarize``: ingest, de-identify and summarise local files without a server.

All files are one case: one surrogate map, one summary. Citations name the file; for plain-text files the
offsets index the file's text as ``open(path).read()`` returns it, for other formats they index the text
ingestion extracted (``"offsets": "document"``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from llm.gateway import Gateway
from records.documents import Document
from records.ingest import ingest_file
from records.kinds import RecordKind
from summarizer.schemas import ITEM_LISTS, CaseSummary, Citation, SummaryItem
from summarizer.service import InMemorySummary, reidentified


def ingest_paths(paths: list[Path]) -> tuple[list[tuple[Path, Document]], list[dict[str, str]]]:
    """The documents with text in ``paths`` (each with its file), and an error per unreadable file."""
    documents: list[tuple[Path, Document]] = []
    errors: list[dict[str, str]] = []
    for index, path in enumerate(paths):
        if not path.is_file():
            errors.append({"path": str(path), "reason": "no such file"})
            continue
        result = ingest_file(path, upload_id=f"file{index + 1}", filename=path.name)
        documents += [(path, document) for document in result.documents if document.text]
        errors += [{"path": str(path), "reason": str(error)} for error in result.errors]
    return documents, errors


def summarize_paths(paths: list[Path], gateway: Gateway, *, deidentified: bool = False) -> dict[str, Any]:
    """The case summary of ``paths`` as one JSON-ready object."""
    documents, errors = ingest_paths(paths)
    from pipeline.summary_graph import summarize_documents

    context, vault = summarize_documents([document for _, document in documents], gateway)
    summary = context.summary or CaseSummary()
    shown = summary if deidentified else reidentified(summary, vault)
    return _as_json(shown, {document.id: (path, document) for path, document in documents}, errors, context)


def _as_json(
    summary: CaseSummary,
    documents: dict[str, tuple[Path, Document]],
    errors: list[dict[str, str]],
    context: InMemorySummary,
) -> dict[str, Any]:
    output: dict[str, Any] = {
        "patient": summary.patient.model_dump(),
        "documents": [
            {"id": doc_id, "path": str(path), "title": document.title, "kind": document.kind.value}
            for doc_id, (path, document) in documents.items()
        ],
        "errors": errors,
    }
    for section in ITEM_LISTS:
        output[section] = [_item(item, documents) for item in getattr(summary, section)]
    output["verification"] = {
        **summary.verification.model_dump(),
        "dropped_rate": round(summary.verification.dropped_rate, 4),
    }
    output["provenance"] = [entry.model_dump() for entry in context.provenance]
    return output


def _item(item: SummaryItem, documents: dict[str, tuple[Path, Document]]) -> dict[str, Any]:
    return {
        "text": item.text,
        "fields": item.fields,
        "citations": [file_citation(citation, documents) for citation in item.citations],
    }


def file_citation(citation: Citation, documents: dict[str, tuple[Path, Document]]) -> dict[str, Any]:
    """A citation as the CLI prints it: the file, and offsets into the file's text for plain-text files
    (``"offsets": "file"``) or into the extracted text otherwise (``"offsets": "document"``)."""
    path, document = documents[citation.document_id]
    start, end, offsets = citation.start, citation.end, "document"
    span = document.span_at(citation.start)
    if document.kind is RecordKind.TEXT and span is not None and span.source_start is not None:
        end_span = document.span_at(max(citation.end - 1, citation.start))
        mapped_start = span.source_offset(citation.start)
        mapped_end = end_span.source_offset(citation.end) if end_span else None
        if mapped_start is not None and mapped_end is not None:
            start, end, offsets = mapped_start, mapped_end, "file"
    return {
        "path": str(path),
        "start": start,
        "end": end,
        "offsets": offsets,
        "page": citation.page,
        "document": citation.document_id,
    }
