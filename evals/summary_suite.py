"""The summary suite: does the summarizer find what is there, and does every item rest on its citation?

(a) Synthea: each patient's notes go in as plain-text records (ingested, de-identified, summarised like any
case); the summary's conditions, medications and allergies are matched (lower case, SNOMED semantic tags
dropped) against the patient's structured Condition, MedicationRequest and AllergyIntolerance resources.
(b) MTS-Dialog and ACI-BENCH: each dialogue is a record; ROUGE-1/2/L (F-measure, stemmed) of the narrative
against the reference. (c) For every summary: the support rate (items whose re-identified text is supported
by the original text at their citations, by the same check the summarizer applies) and the dropped rate.
Whatever model the gateway routes ``summarize_*`` to is what is measured.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Iterable, Iterator
from itertools import islice
from pathlib import Path
from typing import Any

from evals.details import Details
from evals.metrics import ratio
from evals.summary_data import CATEGORIES, SYNTHEA, load_dialogues, load_synthea, normalise_concept
from llm.gateway import Gateway
from records.deid import Deidentifier, default_deidentifier
from records.documents import Document
from records.ingest import ingest_file
from summarizer.schemas import ITEM_LISTS, CaseSummary
from summarizer.service import reidentified
from summarizer.verify import unsupported_reason

# Medications match on the whole mention ("lisinopril 10 mg oral tablet"), as Synthea names them.
_ITEM_NAME = {"conditions": "name", "medications": "text", "allergies": "substance"}


class _Tally:
    """Support and drop counts over every summary of the run."""

    def __init__(self) -> None:
        self.items = 0
        self.supported = 0
        self.checked = 0
        self.dropped = 0
        self.calls = 0
        self.summaries = 0
        self.per_summary: list[tuple[int, int, int, int]] = []  # (supported, items, dropped, checked)

    def add(self, summary: CaseSummary, documents: dict[str, Document]) -> None:
        before = (self.supported, self.items)
        self._add(summary, documents)
        supported, items = self.supported - before[0], self.items - before[1]
        self.per_summary.append(
            (supported, items, summary.verification.dropped, summary.verification.checked)
        )

    def _add(self, summary: CaseSummary, documents: dict[str, Document]) -> None:
        self.summaries += 1
        self.checked += summary.verification.checked
        self.dropped += summary.verification.dropped
        self.calls += summary.model_calls
        for section in ITEM_LISTS:
            for item in getattr(summary, section):
                cited = "\n".join(documents[c.document_id].text[c.start : c.end] for c in item.citations)
                fields = {key: value for key, value in item.fields.items() if isinstance(value, str)}
                self.items += 1
                self.supported += unsupported_reason(fields, item.text, cited) is None


def run(
    data: Path | None = None, limit: int | None = None, split: str = "test", gateway: Gateway | None = None
) -> dict[str, Any]:
    """Run the suite on ``split`` (dev, test or all); ``data`` replaces the Synthea folder; ``gateway`` (the
    offline engine by default) answers the summarizer's model calls."""
    started = time.perf_counter()
    gateway, deidentifier, tally = gateway or Gateway(), default_deidentifier(), _Tally()
    synthea = _synthea_scores(data or SYNTHEA, split, limit, gateway, deidentifier, tally)
    rouge = _rouge_scores(split, limit, gateway, deidentifier, tally)
    metrics: dict[str, Any] = {
        "support_rate": round(tally.supported / tally.items, 4) if tally.items else None,
        "dropped_rate": round(tally.dropped / tally.checked, 4) if tally.checked else None,
        **synthea,
        **rouge,
        "summaries": tally.summaries,
        "summary_items": tally.items,
        "model_calls": tally.calls,
        "seconds": round(time.perf_counter() - started, 1),
    }
    details = Details()
    details.ratios("support_rate", [c[0] for c in tally.per_summary], [c[1] for c in tally.per_summary])
    details.ratios("dropped_rate", [c[2] for c in tally.per_summary], [c[3] for c in tally.per_summary])
    return {
        "suite": "summary",
        "dataset": "synthea-fhir-10+mts-dialog+aci-bench",
        "split": split,
        "metrics": metrics,
    } | details.as_json()


def summarize_texts(
    texts: Iterable[tuple[str, str]], gateway: Gateway, deidentifier: Deidentifier
) -> tuple[CaseSummary, dict[str, Document]]:
    """One case from ``(name, text)`` records: ingested as text files, de-identified with one vault,
    summarised; the summary comes back re-identified, with the documents its citations point into."""
    documents: dict[str, Document] = {}
    with tempfile.TemporaryDirectory(prefix="reconsult-eval-") as folder:
        for index, (name, text) in enumerate(texts):
            path = Path(folder) / f"{index:05d}-{name}.txt"
            path.write_text(text, encoding="utf-8")
            for document in ingest_file(path, upload_id=f"r{index}", filename=path.name).documents:
                if document.text:
                    documents[document.id] = document
    from pipeline.summary_graph import summarize_documents

    context, vault = summarize_documents(list(documents.values()), gateway, deidentifier)
    return reidentified(context.summary or CaseSummary(), vault), documents


def _synthea_scores(
    folder: Path, split: str, limit: int | None, gateway: Gateway, deidentifier: Deidentifier, tally: _Tally
) -> dict[str, Any]:
    found = {category: 0 for category in CATEGORIES}
    predicted = {category: 0 for category in CATEGORIES}
    truth = {category: 0 for category in CATEGORIES}
    patients = [patient for patient in load_synthea(folder) if split == "all" or patient.split == split]
    for patient in islice(patients, limit):
        summary, documents = summarize_texts(
            ((f"note{i}", text) for i, (_, text) in enumerate(patient.notes)), gateway, deidentifier
        )
        tally.add(summary, documents)
        for category in CATEGORIES:
            names = {
                normalise_concept(str(item.fields.get(_ITEM_NAME[category]) or item.text))
                for item in getattr(summary, category)
            }
            found[category] += len(names & patient.truth[category])
            predicted[category] += len(names)
            truth[category] += len(patient.truth[category])
    return {
        "synthea_patients": len(patients[:limit] if limit else patients),
        "synthea_recall_by_category": {c: ratio(found[c], truth[c]) for c in CATEGORIES},
        "synthea_precision_by_category": {c: ratio(found[c], predicted[c]) for c in CATEGORIES},
        "synthea_support_by_category": truth,
    }


def _rouge_scores(
    split: str, limit: int | None, gateway: Gateway, deidentifier: Deidentifier, tally: _Tally
) -> dict[str, Any]:
    from rouge_score import rouge_scorer

    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=True)
    by_dataset: dict[str, dict[str, list[float]]] = {}
    for pair in _limited_per_dataset(load_dialogues(split), limit):
        summary, documents = summarize_texts([("dialogue", pair.dialogue)], gateway, deidentifier)
        tally.add(summary, documents)
        narrative = " ".join(item.text for item in summary.narrative)
        scores = scorer.score(pair.reference, narrative)
        bucket = by_dataset.setdefault(pair.dataset, {"rouge1": [], "rouge2": [], "rougeL": []})
        for key, value in scores.items():
            bucket[key].append(value.fmeasure)
    every = {
        key: [v for bucket in by_dataset.values() for v in bucket[key]]
        for key in ("rouge1", "rouge2", "rougeL")
    }
    return {
        **{key: _mean(values) for key, values in every.items()},
        "rouge_by_dataset": {
            name: {key: _mean(values) for key, values in bucket.items()} | {"pairs": len(bucket["rouge1"])}
            for name, bucket in by_dataset.items()
        },
    }


def _limited_per_dataset(pairs: Iterable[Any], limit: int | None) -> Iterator[Any]:
    counts: dict[str, int] = {}
    for pair in pairs:
        counts[pair.dataset] = counts.get(pair.dataset, 0) + 1
        if limit is None or counts[pair.dataset] <= limit:
            yield pair


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 4) if values else None


def summary_lines(result: dict[str, Any]) -> list[str]:
    """A readable digest of a summary-suite result."""
    metrics = result["metrics"]
    lines = [
        f"suite summary ({result['split']} split): {metrics['summaries']} summaries in {metrics['seconds']} s"
    ]
    lines.append(f"support rate {metrics['support_rate']}   dropped rate {metrics['dropped_rate']}")
    for category in CATEGORIES:
        lines.append(
            f"synthea {category:<12} recall {metrics['synthea_recall_by_category'][category]}"
            f"  precision {metrics['synthea_precision_by_category'][category]}"
            f"  (n={metrics['synthea_support_by_category'][category]})"
        )
    lines.append(f"ROUGE-1 {metrics['rouge1']}  ROUGE-2 {metrics['rouge2']}  ROUGE-L {metrics['rougeL']}")
    for name, scores in metrics["rouge_by_dataset"].items():
        lines.append(f"  {name}: {scores}")
    return lines
