"""The discrepancy check through the gateway, and the citation check that turns a model's quotes into spans.

The same call serves the offline engine and a hosted model. A flag whose claim or evidence quote is not
found in the text it names is dropped and counted (a claim that its citation does not support is never
shown as fact); the rest carry spans of the original texts.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from discrepancy import local  # registers the offline engine's handlers
from discrepancy.schemas import (
    DIAGNOSIS_KEY,
    QUESTION_KEY,
    DiscrepancyFlag,
    DiscrepancyOutput,
    DiscrepancyReport,
    FlagOutput,
    NoteErrorOutput,
)
from llm.gateway import Gateway, ModelResult, Provenance
from prompts import load_template
from records.deid import CertifiedText
from summarizer.prepare import PreparedDocument
from summarizer.schemas import Citation, Quote
from summarizer.verify import locate

# Intake fields quoted by a flag have no document: their citations name these pseudo-documents.
DIAGNOSIS_SOURCE = "referring_diagnosis"
QUESTION_SOURCE = "question"
# About 15,000 tokens of records per check: the offline engine reads more, a hosted model's prompt stays
# bounded. Documents are passed in the order given until the budget is spent.
RECORD_BUDGET_CHARS = 60_000


@dataclass(frozen=True)
class CheckedText:
    """A text a flag may quote: its certified form, the id its citations name, and its page lookup."""

    source_id: str
    certified: CertifiedText
    page_at: Callable[[int], int | None] = lambda _offset: None

    @classmethod
    def of(cls, document: PreparedDocument) -> CheckedText:
        """A prepared (certified) document, cited by its id and pages."""
        return cls(document.document_id, document.certified, document.page_at)


@dataclass(frozen=True)
class DiscrepancyResult:
    """The checked report and the provenance of the model call."""

    report: DiscrepancyReport
    provenance: Provenance
    documents_read: int


def check_discrepancies(
    gateway: Gateway,
    diagnosis: CheckedText,
    documents: Sequence[CheckedText],
    question: CheckedText | None = None,
    case_ref: str | None = None,
) -> DiscrepancyResult:
    """Flags for the submitted diagnosis against the case's documents, their quotes resolved to spans."""
    texts = {DIAGNOSIS_KEY: diagnosis}
    if question is not None:
        texts[QUESTION_KEY] = question
    budget = RECORD_BUDGET_CHARS
    for index, document in enumerate(documents):
        if budget <= 0:
            break
        texts[f"d{index + 1}"] = document
        budget -= len(document.certified.text)
    result: ModelResult[DiscrepancyOutput] = gateway.structured(
        local.TASK,
        load_template(local.TASK),
        DiscrepancyOutput,
        texts={key: text.certified for key, text in texts.items()},
        case_ref=case_ref,
    )
    report = resolve(result.output, texts)
    return DiscrepancyResult(
        report, result.provenance, len(texts) - len({DIAGNOSIS_KEY, QUESTION_KEY} & set(texts))
    )


def resolve(output: DiscrepancyOutput, texts: dict[str, CheckedText]) -> DiscrepancyReport:
    """Keep the flags whose every quote is found in the text it names, with spans of the original texts."""
    report = DiscrepancyReport(checked=len(output.flags))
    for flag in output.flags:
        resolved = _resolved(flag, texts)
        if resolved is None:
            report.dropped += 1
        else:
            report.flags.append(resolved)
    return report


def _resolved(flag: FlagOutput, texts: dict[str, CheckedText]) -> DiscrepancyFlag | None:
    claim = _citation(flag.claim, texts)
    evidence = [_citation(item, texts) for item in flag.evidence]
    if claim is None or any(citation is None for citation in evidence):
        return None
    return DiscrepancyFlag(
        type=flag.type,
        severity=flag.severity,
        why=flag.why,
        claim=claim,
        evidence=[citation for citation in evidence if citation is not None],
        missing=flag.missing,
    )


def _citation(quote: Quote, texts: dict[str, CheckedText]) -> Citation | None:
    text = texts.get(quote.text_key)
    found = locate(quote.quote, text.certified.text) if text else None
    if text is None or found is None:
        return None
    start, end = text.certified.offsets.to_source(*found)
    return Citation(document_id=text.source_id, page=text.page_at(start), start=start, end=end)


def check_note(
    gateway: Gateway, note: CertifiedText, case_ref: str | None = None
) -> ModelResult[NoteErrorOutput]:
    """Whether a clinical note contains an error, and which sentence (the MEDEC task)."""
    return gateway.structured(
        local.NOTE_TASK,
        load_template(local.NOTE_TASK),
        NoteErrorOutput,
        texts={"d1": note},
        case_ref=case_ref,
    )
