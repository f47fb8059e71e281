"""Turning ingested documents into what the summarizer's model calls take: certified text in bounded units.

A document's text is certified once (de-identified with the case's vault); its coded facts are mapped into
the certified text's offsets and passed as hints (kind, code, status and offsets: nothing free-text). A long
document is cut at paragraph boundaries into units of at most ``budget_chars`` characters, so every model
call has a bounded prompt and the number of calls grows linearly with the record.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from records.deid import CertifiedText, Deidentifier, certify
from records.documents import CodedFact, Document, SourceSpan, span_at
from records.vault import PhiVault

# About 3,000 tokens of text per call: room for the instructions and the answer in any current model.
DEFAULT_UNIT_CHARS = 12_000
_HINT_KINDS = frozenset({"condition", "medication", "allergy", "observation", "procedure", "imaging_study"})


@dataclass
class PreparedDocument:
    """A document ready for the summarizer: its certified text and where its pages are."""

    document_id: str
    kind: str
    certified: CertifiedText
    facts: list[dict[str, Any]]
    spans: list[SourceSpan] = field(default_factory=list)

    def page_at(self, source_offset: int) -> int | None:
        """The page of the original text's character at ``source_offset``."""
        span = span_at(self.spans, source_offset)
        return span.page if span else None


@dataclass(frozen=True)
class Unit:
    """A part of one document small enough for one model call."""

    document_id: str
    offset: int  # where the unit starts in the document's certified text
    certified: CertifiedText
    facts: tuple[dict[str, Any], ...]


def prepare_document(
    document: Document, vault: PhiVault, deidentifier: Deidentifier | None = None
) -> PreparedDocument:
    """Certify ``document``'s text with the case's vault and map its coded facts into the certified text."""
    certified = certify(document.text, vault, deidentifier)
    return PreparedDocument(
        document_id=document.id,
        kind=document.kind.value,
        certified=certified,
        facts=[hint for hint in (_fact_hint(fact, certified) for fact in document.facts) if hint],
        spans=list(document.spans),
    )


def _fact_hint(fact: CodedFact, certified: CertifiedText) -> dict[str, Any] | None:
    if fact.kind not in _HINT_KINDS:
        return None
    start, end = certified.offsets.to_target(fact.start, fact.end)
    return {
        "kind": fact.kind,
        "code": fact.code,
        "status": fact.status,
        "interpretation": fact.interpretation,
        "start": start,
        "end": end,
    }


def split_units(document: PreparedDocument, budget_chars: int = DEFAULT_UNIT_CHARS) -> list[Unit]:
    """``document`` in units of at most ``budget_chars`` characters, cut at blank lines or line ends."""
    units = []
    for start, end in passages(document.certified.text, budget_chars):
        facts = tuple(
            {**fact, "start": fact["start"] - start, "end": fact["end"] - start}
            for fact in document.facts
            if start <= fact["start"] and fact["end"] <= end
        )
        units.append(Unit(document.document_id, start, document.certified.excerpt(start, end), facts))
    return units


def passages(text: str, budget_chars: int) -> list[tuple[int, int]]:
    """``text`` cut into consecutive ``(start, end)`` pieces of at most ``budget_chars`` characters, at blank
    lines, line ends, sentence ends or spaces where possible."""
    pieces, start = [], 0
    while start < len(text):
        end = _cut(text, start, budget_chars)
        pieces.append((start, end))
        start = end
    return pieces


def _cut(text: str, start: int, budget: int) -> int:
    limit = start + budget
    if limit >= len(text):
        return len(text)
    for separator in ("\n\n", "\n", ". ", " "):
        position = text.rfind(separator, start + budget // 2, limit)
        if position > start:
            return position + len(separator)
    return limit


def unit_id(document_id: str, offset: int) -> str:
    """The id of the unit of ``document_id`` starting at ``offset`` (stable across attempts of a run)."""
    return f"{document_id}@{offset}"


def units_by_id(
    documents: Sequence[PreparedDocument], budget_chars: int = DEFAULT_UNIT_CHARS
) -> dict[str, Unit]:
    """Every unit of ``documents``, in order, by :func:`unit_id`."""
    return {
        unit_id(unit.document_id, unit.offset): unit
        for document in documents
        for unit in split_units(document, budget_chars)
    }
