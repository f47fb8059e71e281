"""The drafting suite: opinion drafts for the hand-written discrepancy cases, written end to end.

Each case's documents are ingested from files, summarised, checked for discrepancies and drafted on the
template of the case's subspecialty, all through the gateway. Metrics:

- ``template_completeness``: the share of drafts in which every required section holds at least one fact
  or standard statement (a placeholder for the specialist does not fill a section);
- ``citation_coverage``: the share of the draft's factual sentences (facts, and any other sentence holding a
  number) that cite a source span;
- ``uncited_numbers``: sentences shown with a number and no citation (the target is none);
- ``dropped_sentence_rate``: the share of the sentences the model wrote that the citation check dropped.
"""

from __future__ import annotations

import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from discrepancy.service import DIAGNOSIS_SOURCE, QUESTION_SOURCE, CheckedText, check_discrepancies
from drafting.schemas import OpinionDraft
from drafting.service import DraftSources, draft_opinion
from evals.demographics import demographic_groups
from evals.details import Details
from evals.discrepancy_suite import case_text, load_cases
from evals.metrics import ratio
from llm.gateway import Gateway
from pipeline.summary_graph import summarize_documents
from prompts.opinion_templates import template_for
from records.deid import certify, default_deidentifier
from records.documents import Document
from records.ingest import ingest_file


def draft_case(gateway: Gateway, case: dict[str, Any], folder: Path) -> OpinionDraft:
    """The AI draft of one hand-written case, from its documents written to ``folder``."""
    documents: list[Document] = []
    for index, record in enumerate(case["documents"]):
        path = folder / record["name"]
        path.write_text(record["text"], encoding="utf-8")
        result = ingest_file(path, upload_id=f"{case['id']}-{index}", filename=record["name"])
        documents += [document for document in result.documents if document.text]
    context, vault = summarize_documents(documents, gateway)
    deidentifier = default_deidentifier()
    checked = [CheckedText.of(document) for document in context.documents]
    diagnosis = CheckedText(DIAGNOSIS_SOURCE, certify(case["diagnosis"], vault, deidentifier))
    question = CheckedText(QUESTION_SOURCE, certify(case["question"], vault, deidentifier))
    report = check_discrepancies(gateway, diagnosis, checked, question, case["id"]).report
    assert context.summary is not None
    sources = DraftSources(
        context.summary, report, checked, diagnosis, question, lambda text: certify(text, vault, deidentifier)
    )
    return draft_opinion(gateway, template_for(case["subspecialty"]), sources, case["id"]).draft


def draft_scores(drafts: list[OpinionDraft], details: Details | None = None) -> dict[str, Any]:
    """Completeness, citation coverage, uncited numbers and the drop rate over ``drafts``."""
    complete = facts = cited = uncited_numbers = checked = dropped = 0
    unfilled: Counter[str] = Counter()
    per_draft: list[tuple[bool, int, int]] = []
    for draft in drafts:
        facts_before, cited_before = facts, cited
        missing = [
            section.id
            for section in draft.sections
            if section.required and not any(s.kind in ("fact", "standard") for s in section.sentences)
        ]
        unfilled.update(missing)
        complete += not missing
        checked, dropped = checked + draft.checked, dropped + draft.dropped
        for sentence in (s for section in draft.sections for s in section.sentences):
            has_number = any(character.isdigit() for character in sentence.text)
            if sentence.kind == "fact" or has_number:
                facts += 1
                cited += bool(sentence.citations)
                uncited_numbers += has_number and not sentence.citations
        per_draft.append((not missing, cited - cited_before, facts - facts_before))
    if details is not None:
        details.outcomes("template_completeness", [entry[0] for entry in per_draft])
        details.ratios(
            "citation_coverage", [entry[1] for entry in per_draft], [entry[2] for entry in per_draft]
        )
        details.by_groups("template_completeness", {"template": [draft.template for draft in drafts]})
    return {
        "drafts": len(drafts),
        "template_completeness": ratio(complete, len(drafts)),
        "citation_coverage": ratio(cited, facts),
        "uncited_numbers": uncited_numbers,
        "dropped_sentence_rate": ratio(dropped, checked),
        "factual_sentences": facts,
        "unfilled_required_sections": dict(unfilled.most_common()),
        "templates": dict(Counter(draft.template for draft in drafts)),
    }


def run(
    data: Path | None = None, limit: int | None = None, split: str = "test", gateway: Gateway | None = None
) -> dict[str, Any]:
    """Run the suite on the cases of ``split`` (``data`` is not used: the cases are the dataset)."""
    from reconsult.settings import get_settings

    started = time.perf_counter()
    gateway = gateway or Gateway(get_settings().gateway_config())
    drafts = []
    cases = load_cases(split=split)[:limit]
    with tempfile.TemporaryDirectory() as scratch:
        for case in cases:
            folder = Path(scratch) / case["id"]
            folder.mkdir()
            drafts.append(draft_case(gateway, case, folder))
    details = Details()
    metrics = draft_scores(drafts, details) | {"seconds": round(time.perf_counter() - started, 1)}
    details.by_groups("template_completeness", demographic_groups(case_text(case) for case in cases))
    result = {"suite": "drafting", "dataset": "discrepancy_cases.jsonl", "split": split, "metrics": metrics}
    return result | details.as_json()


def summary_lines(result: dict[str, Any]) -> list[str]:
    """A readable digest of a drafting-suite result."""
    metrics = result["metrics"]
    lines = [f"suite drafting on {metrics['drafts']} cases ({result['split']} split)"]
    for key in (
        "template_completeness",
        "citation_coverage",
        "uncited_numbers",
        "dropped_sentence_rate",
        "factual_sentences",
    ):
        lines.append(f"  {key:<28}{metrics[key]}")
    lines.append(f"  unfilled required sections: {metrics['unfilled_required_sections']}")
    lines.append(f"  templates: {metrics['templates']}")
    return lines
