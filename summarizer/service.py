"""The summarizer's two steps: extract each unit (map), then assemble the case summary (reduce).

:func:`extract_unit` asks the ``summarize_document`` model for a :class:`DocumentExtraction` of one unit.
:func:`assemble` resolves every quote to a span of the certified text, drops items their citation does not
support, maps the survivors' citations to the original text (document, page, characters), merges
duplicates across documents, builds the dated timeline and asks the ``summarize_narrative`` model for a short
narrative over a bounded set of key excerpts. Both steps are pure: the pipeline (or the CLI, or an eval)
decides where units come from and where results go.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from pydantic import BaseModel

from llm.gateway import Gateway, Provenance
from prompts import load_template
from records.dates import date_value
from records.deid import CertifiedText
from records.vault import PhiVault
from summarizer import local  # registers the offline engine's handlers
from summarizer.prepare import DEFAULT_UNIT_CHARS, PreparedDocument, Unit, units_by_id
from summarizer.schemas import (
    ITEM_LISTS,
    SECTIONS,
    CaseSummary,
    Citation,
    DocumentExtraction,
    ExtractedItem,
    Narrative,
    PatientContext,
    SummaryItem,
    VerificationCounts,
)
from summarizer.text_rules import normalise
from summarizer.verify import locate, unsupported_reason

MAX_CITATIONS_PER_ITEM = 5
MAX_NARRATIVE_EXCERPTS = 40
_DATE_FIELDS = ("date", "start_date")


class UnitExtraction(BaseModel):
    """One unit's extraction with where it came from and how it was made."""

    document_id: str
    offset: int
    length: int
    extraction: DocumentExtraction
    provenance: Provenance


def extract_unit(gateway: Gateway, unit: Unit, case_ref: str | None = None) -> UnitExtraction:
    """The model's extraction of one unit (the map step)."""
    facts = [{**fact, "text_key": "d1"} for fact in unit.facts]
    result = gateway.structured(
        local.DOCUMENT_TASK,
        load_template(local.DOCUMENT_TASK),
        DocumentExtraction,
        texts={"d1": unit.certified},
        hints={"facts": facts},
        case_ref=case_ref,
    )
    return UnitExtraction(
        document_id=unit.document_id,
        offset=unit.offset,
        length=len(unit.certified.text),
        extraction=result.output,
        provenance=result.provenance,
    )


@dataclass
class _Resolved:
    """An item that passed the citation check, in original-text citations."""

    section: str
    text: str
    fields: dict[str, str | bool | int | None]
    citations: list[Citation]
    rank: int = 0


@dataclass
class _Assembly:
    documents: dict[str, PreparedDocument]
    counts: VerificationCounts = field(default_factory=VerificationCounts)
    items: dict[tuple[str, str], _Resolved] = field(default_factory=dict)
    key_sentences: list[tuple[int, str, int, int]] = field(default_factory=list)  # rank, doc, start, end


def assemble(
    documents: Sequence[PreparedDocument],
    extractions: Iterable[UnitExtraction],
    gateway: Gateway,
    case_ref: str | None = None,
) -> tuple[CaseSummary, list[Provenance]]:
    """The case summary from every unit's extraction (the reduce step) and the narrative call's provenance."""
    order = {document.document_id: index for index, document in enumerate(documents)}
    assembly = _Assembly({document.document_id: document for document in documents})
    extractions = sorted(extractions, key=lambda e: (order.get(e.document_id, len(order)), e.offset))
    patient = PatientContext()
    for unit in extractions:
        _take_unit(assembly, unit)
        patient = _patient_context(patient, unit)
    summary = CaseSummary(patient=patient, verification=assembly.counts, documents=len(documents))
    for (section, _), item in assembly.items.items():
        getattr(summary, section).append(_summary_item(item))
    summary.timeline = _timeline(assembly.items.values())
    narrative, provenance = _narrative(assembly, gateway, case_ref)
    summary.narrative = narrative
    summary.model_calls = len(extractions) + len(provenance)
    return summary, provenance


def _take_unit(assembly: _Assembly, unit: UnitExtraction) -> None:
    document = assembly.documents.get(unit.document_id)
    if document is None:
        return
    for section in SECTIONS:
        for item in getattr(unit.extraction, section):
            resolved = _check(assembly, document, unit, section, item)
            if resolved is not None:
                _merge(assembly, resolved)
    for rank, sentence in enumerate(unit.extraction.key_sentences):
        spans = _quote_spans(document, unit, sentence)
        if spans and unsupported_reason({}, sentence.text, _joined(document, spans)) is None:
            assembly.key_sentences.append((rank, document.document_id, *spans[0]))


def _check(
    assembly: _Assembly, document: PreparedDocument, unit: UnitExtraction, section: str, item: ExtractedItem
) -> _Resolved | None:
    assembly.counts.checked += 1
    fields = {
        key: value
        for key, value in item.model_dump(exclude={"text", "quotes"}).items()
        if isinstance(value, str | bool | int) or value is None
    }
    spans = _quote_spans(document, unit, item)
    reason = (
        "quote_not_found" if not spans else unsupported_reason(fields, item.text, _joined(document, spans))
    )
    if reason is not None:
        assembly.counts.dropped += 1
        assembly.counts.reasons[reason] = assembly.counts.reasons.get(reason, 0) + 1
        return None
    citations = [_citation(document, start, end) for start, end in spans]
    return _Resolved(section, item.text, fields, citations)


def _quote_spans(
    document: PreparedDocument, unit: UnitExtraction, item: ExtractedItem
) -> list[tuple[int, int]]:
    """Each quote's span in the document's certified text; empty if any quote is not in the unit."""
    unit_text = document.certified.text[unit.offset : unit.offset + unit.length]
    spans = []
    for quote in item.quotes:
        found = locate(quote.quote, unit_text) if quote.text_key == "d1" else None
        if found is None:
            return []
        spans.append((unit.offset + found[0], unit.offset + found[1]))
    return spans


def _joined(document: PreparedDocument, spans: list[tuple[int, int]]) -> str:
    return "\n".join(document.certified.text[start:end] for start, end in spans)


def _citation(document: PreparedDocument, start: int, end: int) -> Citation:
    source_start, source_end = document.certified.offsets.to_source(start, end)
    return Citation(
        document_id=document.document_id,
        page=document.page_at(source_start),
        start=source_start,
        end=source_end,
    )


def _merge(assembly: _Assembly, item: _Resolved) -> None:
    name = item.fields.get("name") or item.fields.get("substance") or item.text
    key = (item.section, normalise(str(name)) if item.section != "labs" else normalise(item.text))
    existing = assembly.items.get(key)
    if existing is None:
        assembly.items[key] = item
        return
    for citation in item.citations:
        if len(existing.citations) < MAX_CITATIONS_PER_ITEM and citation not in existing.citations:
            existing.citations.append(citation)
    for field_name, value in item.fields.items():
        if existing.fields.get(field_name) is None and value is not None:
            existing.fields[field_name] = value


def _summary_item(item: _Resolved) -> SummaryItem:
    fields = {key: value for key, value in item.fields.items() if value is not None}
    return SummaryItem(text=item.text, citations=item.citations, fields=fields)


def _patient_context(current: PatientContext, unit: UnitExtraction) -> PatientContext:
    found = unit.extraction.patient
    age_band = current.age_band
    if found.age_years is not None:
        # The latest document's age wins: units arrive in document order.
        age_band = (
            "90+"
            if found.age_years >= 90
            else f"{found.age_years // 10 * 10}-{found.age_years // 10 * 10 + 9}"
        )
    return PatientContext(age_band=age_band, sex=found.sex or current.sex)


def _timeline(items: Iterable[_Resolved]) -> list[SummaryItem]:
    """Dated items in date order (dates as written; shifted dates keep their order and intervals)."""
    dated: dict[tuple[dt.date, str], SummaryItem] = {}
    for item in items:
        written = next(
            (item.fields[key] for key in _DATE_FIELDS if isinstance(item.fields.get(key), str)), None
        )
        if not isinstance(written, str):
            continue
        when = date_value(re.split(r"[T ]", written)[0]) or date_value(written)
        if when is None:
            continue
        label = f"{written}: {item.section.replace('_', ' ')} - {item.text}"
        dated.setdefault(
            (when, normalise(item.text)),
            SummaryItem(text=label, citations=item.citations[:1], fields={"date": written}),
        )
    return [dated[key] for key in sorted(dated)]


def _narrative(
    assembly: _Assembly, gateway: Gateway, case_ref: str | None
) -> tuple[list[SummaryItem], list[Provenance]]:
    """The narrative over the best key sentences of all documents (a bounded, ranked set)."""
    chosen = sorted(assembly.key_sentences, key=lambda entry: entry[0])[:MAX_NARRATIVE_EXCERPTS]
    if not chosen:
        return [], []
    chosen.sort(key=lambda entry: (list(assembly.documents).index(entry[1]), entry[2]))
    excerpts = {}
    locations = {}
    for index, (rank, document_id, start, end) in enumerate(chosen):
        key = f"e{index + 1}"
        excerpts[key] = assembly.documents[document_id].certified.excerpt(start, end)
        locations[key] = (document_id, start, rank)
    result = gateway.structured(
        local.NARRATIVE_TASK,
        load_template(local.NARRATIVE_TASK),
        Narrative,
        texts=excerpts,
        hints={"ranks": {key: location[2] for key, location in locations.items()}},
        case_ref=case_ref,
    )
    sentences = []
    for sentence in result.output.sentences:
        citations = _narrative_citations(assembly, sentence, excerpts, locations)
        if citations:
            sentences.append(SummaryItem(text=sentence.text, citations=citations))
    return sentences, [result.provenance]


def _narrative_citations(
    assembly: _Assembly,
    sentence: ExtractedItem,
    excerpts: Mapping[str, CertifiedText],
    locations: dict[str, tuple[str, int, int]],
) -> list[Citation]:
    assembly.counts.checked += 1
    citations, cited = [], []
    for quote in sentence.quotes:
        if quote.text_key not in locations:
            break
        document_id, offset, _ = locations[quote.text_key]
        document = assembly.documents[document_id]
        excerpt_text = excerpts[quote.text_key].text
        found = locate(quote.quote, excerpt_text)
        if found is None:
            break
        cited.append(excerpt_text[found[0] : found[1]])
        citations.append(_citation(document, offset + found[0], offset + found[1]))
    else:
        if citations and unsupported_reason({}, sentence.text, "\n".join(cited)) is None:
            return citations
    assembly.counts.dropped += 1
    assembly.counts.reasons["narrative_unsupported"] = (
        assembly.counts.reasons.get("narrative_unsupported", 0) + 1
    )
    return []


def reidentified(summary: CaseSummary, vault: PhiVault) -> CaseSummary:
    """The summary with the case's surrogates replaced by the original values (for the specialist)."""
    copy = summary.model_copy(deep=True)
    for section in ITEM_LISTS:
        for item in getattr(copy, section):
            item.text = vault.reidentify(item.text)
            item.fields = {
                key: vault.reidentify(value) if isinstance(value, str) else value
                for key, value in item.fields.items()
            }
    return copy


class InMemorySummary:
    """Units, extractions and the summary of one case kept in memory (the CLI and the evals); it has the
    shape of the pipeline's summary context."""

    def __init__(
        self,
        documents: Sequence[PreparedDocument],
        gateway: Gateway,
        case_ref: str | None = None,
        unit_chars: int = DEFAULT_UNIT_CHARS,
    ) -> None:
        self.documents = list(documents)
        self.gateway = gateway
        self.case_ref = case_ref
        self.units = units_by_id(self.documents, unit_chars)
        self.extractions: dict[str, UnitExtraction] = {}
        self.summary: CaseSummary | None = None
        self.provenance: list[Provenance] = []

    def unit_ids(self) -> list[str]:
        """Every unit, in document order."""
        return list(self.units)

    def extract(self, unit_id: str) -> None:
        """Extract one unit (once)."""
        if unit_id not in self.extractions:
            self.extractions[unit_id] = extract_unit(self.gateway, self.units[unit_id], self.case_ref)

    def assemble(self, unit_ids: list[str]) -> None:
        """Build the summary from the extracted units."""
        extractions = [self.extractions[unit_id] for unit_id in unit_ids]
        self.summary, narrative = assemble(self.documents, extractions, self.gateway, self.case_ref)
        self.provenance = [extraction.provenance for extraction in extractions] + narrative
