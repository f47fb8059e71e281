"""Drafting an opinion through the gateway, and the citation check that keeps only supported sentences.

The model sees certified texts only: the submitted diagnosis and question, excerpts of the records behind
the summary's items (``e1``...) with each item's statement (``s1``...), each record's heading, and the
discrepancy flags' reasons (``w1``...) and missing tests (``m1``...), which are generated text and pass the
de-identification gate like any other. It writes each section as sentences quoting those texts. A sentence
is kept when every quote is found and it cites at least one record (or it is a placeholder for the
specialist, with no number); a sentence restating an item must not hold a number its quote does not.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from discrepancy.schemas import DiscrepancyFlag, DiscrepancyReport
from discrepancy.service import CheckedText
from drafting import local  # registers the offline engine's handler
from drafting.schemas import (
    PLACEHOLDER_PREFIX,
    CitedSentence,
    DraftOutput,
    DraftSection,
    DraftSentence,
    OpinionDraft,
)
from llm.gateway import Gateway, Provenance
from prompts import load_template
from prompts.opinion_templates import OpinionTemplate, TemplateSection
from records.deid import CertifiedText
from summarizer.schemas import CaseSummary, Citation, SummaryItem
from summarizer.verify import locate, unsupported_reason

MAX_ITEMS_PER_SOURCE = 6  # summary items per section source: a bounded prompt and a readable draft
HEADING_CHARS = 120
_NON_RECORD_SOURCES = frozenset(
    {"diagnosis", "question", "documents", "assessment", "flags", "workup", "answer", "limitations"}
)
# Sentences of the records themselves: a report's conclusion, and a plan or recommendation already made.
RECORD_SENTENCES = {
    "findings": re.compile(
        r"(?im)^[ \t]*(?:impression|conclusion|diagnosis|final diagnosis|summary)[ \t]*:[ \t]*(.+)$"
    ),
    "plan": re.compile(
        r"(?i)[^.\n]*\b(?:plan(?:ned)?|recommend\w*|advised?|refer(?:red|ral)?|scheduled|to start|will start"
        r"|follow-up|continue)\b[^.\n]*[.\n]?"
    ),
}


@dataclass(frozen=True)
class DraftSources:
    """What a draft is written from."""

    summary: CaseSummary
    report: DiscrepancyReport
    documents: Sequence[CheckedText]
    diagnosis: CheckedText
    question: CheckedText | None
    certify_statement: Callable[
        [str], CertifiedText
    ]  # generated text through the gate, with the case's vault


@dataclass(frozen=True)
class DraftResult:
    """The kept draft and the provenance of the model call."""

    draft: OpinionDraft
    provenance: Provenance


@dataclass
class _Inputs:
    """The texts the model sees, where each record excerpt lies, and the hints that structure them."""

    texts: dict[str, CertifiedText] = field(default_factory=dict)
    records: dict[str, tuple[CheckedText, int]] = field(
        default_factory=dict
    )  # key -> (text, certified start)
    statements: set[str] = field(default_factory=set)
    items: list[dict[str, str]] = field(default_factory=list)
    documents: list[str] = field(default_factory=list)
    flags: list[dict[str, Any]] = field(default_factory=list)

    def record(self, prefix: str, text: CheckedText, start: int, end: int) -> str | None:
        """Add the certified excerpt ``[start, end)`` of ``text``; its key, or None when it is blank."""
        piece = text.certified.text[start:end]
        stripped = piece.strip()
        if not stripped:
            return None
        start += len(piece) - len(piece.lstrip())
        key = f"{prefix}{len(self.records) + 1}"
        self.texts[key] = text.certified.excerpt(start, start + len(stripped))
        self.records[key] = (text, start)
        return key

    def statement(self, prefix: str, certified: CertifiedText) -> str:
        key = f"{prefix}{len(self.statements) + 1}"
        self.texts[key] = certified
        self.statements.add(key)
        return key


def draft_opinion(
    gateway: Gateway, template: OpinionTemplate, sources: DraftSources, case_ref: str | None = None
) -> DraftResult:
    """The AI draft of the case's opinion on ``template``, every kept sentence citing its sources."""
    inputs = _inputs(template, sources)
    hints = {
        "template": template.family,
        "template_version": template.version,
        "sections": [
            {"id": s.id, "sources": list(s.sources), "required": s.required} for s in template.sections
        ],
        "items": inputs.items,
        "documents": inputs.documents,
        "flags": inputs.flags,
    }
    result = gateway.structured(
        local.TASK, load_template(local.TASK), DraftOutput, texts=inputs.texts, hints=hints, case_ref=case_ref
    )
    return DraftResult(_checked(template, result.output, inputs), result.provenance)


def record_heading(text: str) -> str:
    """How a record names itself: its first line, or, when that line runs on (a PDF whose text layer lost
    its line breaks), its first sentences up to ``HEADING_CHARS``, never a word cut in half."""
    first_line = text.lstrip().split("\n", 1)[0]
    if len(first_line) <= HEADING_CHARS:
        return first_line
    window = first_line[: HEADING_CHARS + 1]
    sentence_end = window.rfind(". ")
    if sentence_end > 0:
        return window[: sentence_end + 1]
    return window[: window.rfind(" ")] if " " in window else window[:HEADING_CHARS]


def _inputs(template: OpinionTemplate, sources: DraftSources) -> _Inputs:
    inputs = _Inputs()
    for key, text in (("diagnosis", sources.diagnosis), ("question", sources.question)):
        if text is not None:
            inputs.texts[key] = text.certified
            inputs.records[key] = (text, 0)
    by_id = {text.source_id: text for text in sources.documents}
    for text in sources.documents:
        heading = record_heading(text.certified.text)
        start = text.certified.text.find(heading)
        if (heading_key := inputs.record("h", text, start, start + len(heading))) is not None:
            inputs.documents.append(heading_key)
    wanted = {source for section in template.sections for source in section.sources} - _NON_RECORD_SOURCES
    for kind in sorted(wanted - set(RECORD_SENTENCES)):
        for item in getattr(sources.summary, kind, [])[:MAX_ITEMS_PER_SOURCE]:
            _add_item(inputs, kind, item, by_id, sources.certify_statement)
    for kind in sorted(wanted & set(RECORD_SENTENCES)):
        _add_record_sentences(inputs, kind, sources.documents)
    for flag in sources.report.flags:
        _add_flag(inputs, flag, by_id, sources)
    return inputs


def _add_item(
    inputs: _Inputs,
    kind: str,
    item: SummaryItem,
    by_id: dict[str, CheckedText],
    certify_statement: Callable[[str], CertifiedText],
) -> None:
    citation = item.citations[0]
    text = by_id.get(citation.document_id)
    if text is None or "\n" in item.text.strip() or item.text.count("|") >= 2:
        return  # a table or a run of lines is not a sentence of an opinion
    key = inputs.record("e", text, *text.certified.offsets.to_target(citation.start, citation.end))
    if key is not None:
        inputs.items.append(
            {"kind": kind, "statement": inputs.statement("s", certify_statement(item.text)), "excerpt": key}
        )


def _add_record_sentences(inputs: _Inputs, kind: str, documents: Sequence[CheckedText]) -> None:
    """Sentences of the records that state a conclusion or a plan, told as they are written."""
    found = 0
    for text in documents:
        for match in RECORD_SENTENCES[kind].finditer(text.certified.text):
            start, end = match.span(match.lastindex or 0)
            key = inputs.record("e", text, start, end)
            if key is not None and found < MAX_ITEMS_PER_SOURCE:
                inputs.items.append({"kind": kind, "statement": key, "excerpt": key})
                found += 1


def _add_flag(
    inputs: _Inputs, flag: DiscrepancyFlag, by_id: dict[str, CheckedText], sources: DraftSources
) -> None:
    texts = by_id | {sources.diagnosis.source_id: sources.diagnosis}
    if sources.question is not None:
        texts[sources.question.source_id] = sources.question
    keys: list[str | None] = []
    for citation in [flag.claim, *flag.evidence]:
        text = texts.get(citation.document_id)
        if text is not None:
            keys.append(
                inputs.record("c", text, *text.certified.offsets.to_target(citation.start, citation.end))
            )
    if not keys or keys[0] is None:
        return
    entry: dict[str, Any] = {
        "type": flag.type,
        "severity": flag.severity,
        "claim": keys[0],
        "evidence": [key for key in keys[1:] if key is not None],
        "why": inputs.statement("w", sources.certify_statement(flag.why)),
        "missing": inputs.statement("m", sources.certify_statement(flag.missing)) if flag.missing else None,
    }
    inputs.flags.append(entry)


def _checked(template: OpinionTemplate, output: DraftOutput, inputs: _Inputs) -> OpinionDraft:
    written = {section.id: section.sentences for section in output.sections}
    draft = OpinionDraft(
        template=template.family, template_version=template.version, assessment=output.assessment
    )
    for section in template.sections:
        kept = [sentence for s in written.get(section.id, []) if (sentence := _kept(s, inputs, draft))]
        sentences = [CitedSentence(text=text, kind="standard") for text in section.standard] + kept
        if not sentences:
            sentences = [_placeholder(section)]
        draft.sections.append(
            DraftSection(id=section.id, title=section.title, required=section.required, sentences=sentences)
        )
    return draft


def _kept(sentence: DraftSentence, inputs: _Inputs, draft: OpinionDraft) -> CitedSentence | None:
    draft.checked += 1
    if not sentence.quotes:
        if sentence.text.startswith(PLACEHOLDER_PREFIX) and not any(c.isdigit() for c in sentence.text):
            return CitedSentence(text=sentence.text, kind="placeholder")
        draft.dropped += 1
        return None
    citations, cited = [], []
    for quote in sentence.quotes:
        found = (
            locate(quote.quote, inputs.texts[quote.text_key].text) if quote.text_key in inputs.texts else None
        )
        if found is None:
            draft.dropped += 1
            return None
        cited.append(inputs.texts[quote.text_key].text[found[0] : found[1]])
        if quote.text_key in inputs.records:
            text, offset = inputs.records[quote.text_key]
            citations.append(_citation(text, offset + found[0], offset + found[1]))
    restates_an_item = any(key.startswith("e") for key in (q.text_key for q in sentence.quotes))
    if not citations or (restates_an_item and unsupported_reason({}, sentence.text, "\n".join(cited))):
        draft.dropped += 1
        return None
    return CitedSentence(text=sentence.text, citations=citations)


def _citation(text: CheckedText, start: int, end: int) -> Citation:
    source_start, source_end = text.certified.offsets.to_source(start, end)
    return Citation(
        document_id=text.source_id, page=text.page_at(source_start), start=source_start, end=source_end
    )


def _placeholder(section: TemplateSection) -> CitedSentence:
    return CitedSentence(text=f"{PLACEHOLDER_PREFIX}: {section.guidance}]", kind="placeholder")
