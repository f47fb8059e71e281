"""The drafting suite end to end on a few dev cases: files in, drafts out, the guarantees measured."""

from __future__ import annotations

from evals.drafting_suite import run
from llm.gateway import Gateway


def test_drafts_of_dev_cases_cite_every_fact_and_number() -> None:
    result = run(split="dev", limit=3, gateway=Gateway())
    metrics = result["metrics"]
    assert metrics["drafts"] == 3
    assert metrics["citation_coverage"] == 1.0
    assert metrics["uncited_numbers"] == 0
    assert metrics["factual_sentences"] > 0
    assert 0 <= metrics["template_completeness"] <= 1
