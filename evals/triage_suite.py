"""The triage suite: subspecialty routing on MTSamples, urgency on hand-written vignettes.

Subspecialty: each distinct note of the CSV counts once; its gold set is every subspecialty its routable
labels can mean (a note filed under "Cardiovascular / Pulmonary" is rightly routed to cardiology or to
pulmonology). Top-1 and top-3 accuracy ask whether the first (any of the first three) suggestions is in the
gold set. Per-class precision and recall, macro-F1 and the confusion matrix use one gold class per note: the
top suggestion when it is right, else the note's narrowed training label (``triage.taxonomy``).
"""

from __future__ import annotations

import csv
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from evals.loaders import SHARED_DATA
from llm.embeddings import default_embedder
from triage.subspecialty import default_model, note_vectors
from triage.taxonomy import mtsamples_targets, training_label

MTSAMPLES_DEV = SHARED_DATA / "mtsamples" / "dev.csv"


@dataclass
class RoutedNote:
    """A distinct note with its gold subspecialties and the one it is scored against per class."""

    text: str
    gold: set[str]
    primary: str


def load_routed_notes(path: Path) -> list[RoutedNote]:
    """Distinct notes of a MTSamples-format CSV that have at least one routable label."""
    by_text: dict[str, RoutedNote] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            targets = set(mtsamples_targets(row["medical_specialty"]))
            primary = training_label(row["medical_specialty"], row["transcription"])
            if not targets or primary is None:
                continue
            note = by_text.setdefault(row["transcription"], RoutedNote(row["transcription"], set(), primary))
            note.gold |= targets
    return list(by_text.values())


def subspecialty_scores(path: Path, limit: int | None = None) -> dict[str, Any]:
    """Routing metrics of the shipped model on ``path``."""
    notes = load_routed_notes(path)[:limit]
    model = default_model()
    probabilities = model.probabilities(note_vectors([note.text for note in notes], default_embedder()))
    ranked = [[model.classes[i] for i in np.argsort(-row)[:3]] for row in probabilities]
    top1 = sum(choices[0] in note.gold for choices, note in zip(ranked, notes, strict=True))
    top3 = sum(bool(set(choices) & note.gold) for choices, note in zip(ranked, notes, strict=True))
    pairs = [
        (choices[0] if choices[0] in note.gold else note.primary, choices[0])
        for choices, note in zip(ranked, notes, strict=True)
    ]
    per_class = _per_class(pairs)
    return {
        "subspecialty_notes": len(notes),
        "subspecialty_top1": _ratio(top1, len(notes)),
        "subspecialty_top3": _ratio(top3, len(notes)),
        "subspecialty_macro_f1": round(float(np.mean([scores["f1"] for scores in per_class.values()])), 4),
        "subspecialty_per_class": per_class,
        "subspecialty_confusion": _confusion(pairs),
        "subspecialty_model": model.version,
    }


def _per_class(pairs: list[tuple[str, str]]) -> dict[str, dict[str, float]]:
    classes = sorted({gold for gold, _ in pairs} | {predicted for _, predicted in pairs})
    scores = {}
    for name in classes:
        true_positive = sum(gold == predicted == name for gold, predicted in pairs)
        predicted_count = sum(predicted == name for _, predicted in pairs)
        gold_count = sum(gold == name for gold, _ in pairs)
        precision = true_positive / predicted_count if predicted_count else 0.0
        recall = true_positive / gold_count if gold_count else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        scores[name] = {
            "precision": round(precision, 4),
            "recall": round(recall, 4),
            "f1": round(f1, 4),
            "support": gold_count,
        }
    return scores


def _confusion(pairs: list[tuple[str, str]]) -> dict[str, dict[str, int]]:
    """Gold class -> predicted class -> count (mistakes and hits)."""
    matrix: dict[str, Counter[str]] = defaultdict(Counter)
    for gold, predicted in pairs:
        matrix[gold][predicted] += 1
    return {gold: dict(row) for gold, row in sorted(matrix.items())}


def _ratio(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


def run(data: Path | None = None, limit: int | None = None, split: str = "dev") -> dict[str, Any]:
    """Run the suite; ``data`` replaces the MTSamples dev CSV (any CSV in its format)."""
    started = time.perf_counter()
    metrics = subspecialty_scores(data or MTSAMPLES_DEV, limit)
    metrics["seconds"] = round(time.perf_counter() - started, 1)
    dataset = str(data) if data else "mtsamples/dev.csv"
    return {"suite": "triage", "dataset": dataset, "split": split, "metrics": metrics}


def summary_lines(result: dict[str, Any]) -> list[str]:
    """A readable digest of a triage-suite result."""
    metrics = result["metrics"]
    lines = [f"suite triage on {result['dataset']}: {metrics['subspecialty_notes']} notes"]
    for key in ("subspecialty_top1", "subspecialty_top3", "subspecialty_macro_f1"):
        lines.append(f"{key:<28}{metrics[key]}")
    lines.append("per class (precision / recall / support):")
    for name, scores in metrics["subspecialty_per_class"].items():
        lines.append(f"  {name:<34}{scores['precision']:>7}{scores['recall']:>8}{scores['support']:>6}")
    return lines
