"""The triage suite: subspecialty routing on MTSamples, urgency on hand-written vignettes.

Subspecialty: each distinct note of the CSV counts once; its gold set is every subspecialty its routable
labels can mean (a note filed under "Cardiovascular / Pulmonary" is rightly routed to cardiology or to
pulmonology). Top-1 and top-3 accuracy ask whether the first (any of the first three) suggestions is in the
gold set. Per-class precision and recall, macro-F1 and the confusion matrix use one gold class per note: the
top suggestion when it is right, else the note's narrowed training label (``triage.taxonomy``).
"""

from __future__ import annotations

import csv
import json
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from evals.demographics import demographic_groups
from evals.details import Details
from evals.loaders import SHARED_DATA
from evals.metrics import f1, ratio
from llm.embeddings import Embedder, default_embedder
from triage.subspecialty import default_model, note_vectors
from triage.taxonomy import mtsamples_targets, training_label
from triage.urgency import LEVELS, UrgencySuggestion, suggest_urgency, train_urgency

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


def subspecialty_scores(
    path: Path, limit: int | None = None, details: Details | None = None
) -> dict[str, Any]:
    """Routing metrics of the shipped model on ``path`` (per-note parts into ``details`` when given)."""
    notes = load_routed_notes(path)[:limit]
    model = default_model()
    texts = [note.text for note in notes]
    probabilities = model.probabilities(note_vectors(texts, default_embedder()), texts)
    ranked = [[model.classes[i] for i in np.argsort(-row)[:3]] for row in probabilities]
    top1 = sum(choices[0] in note.gold for choices, note in zip(ranked, notes, strict=True))
    top3 = sum(bool(set(choices) & note.gold) for choices, note in zip(ranked, notes, strict=True))
    pairs = [
        (choices[0] if choices[0] in note.gold else note.primary, choices[0])
        for choices, note in zip(ranked, notes, strict=True)
    ]
    per_class = _per_class(pairs)
    if details is not None:
        hits1 = [choices[0] in note.gold for choices, note in zip(ranked, notes, strict=True)]
        details.outcomes("subspecialty_top1", hits1)
        details.outcomes(
            "subspecialty_top3", [bool(set(c) & n.gold) for c, n in zip(ranked, notes, strict=True)]
        )
        details.reliability["subspecialty"] = [
            (round(float(row.max()), 4), hit) for row, hit in zip(probabilities, hits1, strict=True)
        ]
        details.failures += [
            {
                "item": f"mtsamples note {index}",
                "gold": sorted(note.gold),
                "predicted": choices[0],
                "excerpt": note.text[:160],
            }
            for index, (choices, note) in enumerate(zip(ranked, notes, strict=True))
            if choices[0] not in note.gold
        ][:5]
    return {
        "subspecialty_notes": len(notes),
        "subspecialty_top1": ratio(top1, len(notes)),
        "subspecialty_top3": ratio(top3, len(notes)),
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
        f1_score = f1(precision, recall) or 0.0
        scores[name] = {
            "precision": round(precision, 4),
            "recall": round(recall, 4),
            "f1": f1_score,
            "support": gold_count,
        }
    return scores


def _confusion(pairs: list[tuple[str, str]]) -> dict[str, dict[str, int]]:
    """Gold class -> predicted class -> count (mistakes and hits)."""
    matrix: dict[str, Counter[str]] = defaultdict(Counter)
    for gold, predicted in pairs:
        matrix[gold][predicted] += 1
    return {gold: dict(row) for gold, row in sorted(matrix.items())}


def run(data: Path | None = None, limit: int | None = None, split: str = "dev") -> dict[str, Any]:
    """Run the suite; ``data`` replaces the MTSamples dev CSV (any CSV in its format)."""
    started = time.perf_counter()
    details = Details()
    metrics = subspecialty_scores(data or MTSAMPLES_DEV, limit, details) | urgency_scores(split, details)
    metrics["seconds"] = round(time.perf_counter() - started, 1)
    dataset = str(data) if data else "mtsamples/dev.csv"
    return {"suite": "triage", "dataset": dataset, "split": split, "metrics": metrics} | details.as_json()


def summary_lines(result: dict[str, Any]) -> list[str]:
    """A readable digest of a triage-suite result."""
    metrics = result["metrics"]
    lines = [f"suite triage on {result['dataset']}: {metrics['subspecialty_notes']} notes"]
    for key in ("subspecialty_top1", "subspecialty_top3", "subspecialty_macro_f1"):
        lines.append(f"{key:<28}{metrics[key]}")
    lines.append(f"urgency on {metrics['urgency_vignettes']} vignettes ({result['split']} split):")
    for key in (
        "urgency_accuracy",
        "under_triage_rate",
        "over_triage_rate",
        "emergent_below_urgent",
        "ece",
        "needs_review_rate",
        "vignette_subspecialty_top1",
        "vignette_subspecialty_top3",
    ):
        lines.append(f"  {key:<30}{metrics[key]}")
    lines.append(f"  confusion (gold -> predicted): {metrics['urgency_confusion']}")
    if "held_out_file_urgency_accuracy" in metrics:
        lines.append("  each dev file held out of the urgency model's training in turn:")
        for key in ("urgency_accuracy", "under_triage_rate", "over_triage_rate", "emergent_below_urgent"):
            lines.append(f"    {key:<28}{metrics['held_out_file_' + key]}")
    lines.append("per class (precision / recall / support):")
    for name, scores in metrics["subspecialty_per_class"].items():
        lines.append(f"  {name:<34}{scores['precision']:>7}{scores['recall']:>8}{scores['support']:>6}")
    return lines


URGENCY_VIGNETTES = Path(__file__).parent / "datasets" / "urgency_vignettes.jsonl"


@dataclass(frozen=True)
class Vignette:
    """A hand-written case with its urgency label (see datasets/README_urgency.md)."""

    id: str
    split: str
    urgency: str
    subspecialty: str
    text: str
    file: str  # the file it came from: held-out-file validation leaves one file out at a time


def load_vignettes(path: Path | None = None, split: str = "all") -> list[Vignette]:
    """The vignettes of ``split`` (dev, test or all): of ``path``, or of every urgency vignette file."""
    files = [path] if path else sorted(URGENCY_VIGNETTES.parent.glob("urgency_vignettes*.jsonl"))
    rows = [
        (json.loads(line), file.name)
        for file in files
        for line in file.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    return [
        Vignette(row["id"], row["split"], row["urgency"], row["subspecialty"], row["text"], name)
        for row, name in rows
        if split == "all" or row["split"] == split
    ]


def urgency_scores(split: str, details: Details | None = None) -> dict[str, Any]:
    """Accuracy, under- and over-triage, the emergencies sent below urgent, and expected calibration error;
    and subspecialty top-1/top-3 on the same referral-style vignettes. On the dev split, which trains the
    urgency model, the same metrics again with each dev file held out of training in turn."""
    vignettes = load_vignettes(split=split)
    texts = [vignette.text for vignette in vignettes]
    embedder = default_embedder()
    vectors = note_vectors(texts, embedder)
    model = default_model()
    ranked = [[model.classes[i] for i in np.argsort(-row)[:3]] for row in model.probabilities(vectors, texts)]
    suggestions = [suggest_urgency(v.text, vector) for v, vector in zip(vignettes, vectors, strict=True)]
    count = len(vignettes)
    metrics = {"urgency_vignettes": count} | _urgency_metrics(vignettes, suggestions)
    if details is not None:
        _urgency_details(details, vignettes, suggestions)
    if split == "dev" and len({v.file for v in vignettes}) > 1:
        held_out = _held_out_file_suggestions(vignettes, vectors, embedder)
        metrics |= {f"held_out_file_{key}": value for key, value in _urgency_metrics(*held_out).items()}
    return metrics | {
        "vignette_subspecialty_top1": ratio(
            sum(choices[0] == v.subspecialty for choices, v in zip(ranked, vignettes, strict=True)), count
        ),
        "vignette_subspecialty_top3": ratio(
            sum(v.subspecialty in choices for choices, v in zip(ranked, vignettes, strict=True)), count
        ),
    }


def _urgency_details(
    details: Details, vignettes: list[Vignette], suggestions: list[UrgencySuggestion]
) -> None:
    gold = [LEVELS.index(v.urgency) for v in vignettes]
    predicted = [LEVELS.index(s.level) for s in suggestions]
    pairs = list(zip(gold, predicted, strict=True))
    details.outcomes("urgency_accuracy", [g == p for g, p in pairs])
    details.outcomes("under_triage_rate", [p > g for g, p in pairs])
    details.outcomes("over_triage_rate", [p < g for g, p in pairs])
    details.reliability["urgency"] = [
        (s.confidence, g == p) for s, (g, p) in zip(suggestions, pairs, strict=True)
    ]
    demographics = demographic_groups(v.text for v in vignettes)
    details.by_groups(
        "urgency_accuracy", {"subspecialty": [v.subspecialty for v in vignettes]} | demographics
    )
    details.by_groups("under_triage_rate", demographics)
    details.failures += [
        {"item": v.id, "gold": v.urgency, "predicted": s.level, "excerpt": v.text[:160]}
        for v, s in zip(vignettes, suggestions, strict=True)
        if v.urgency != s.level
    ][:5]


def _urgency_metrics(vignettes: list[Vignette], suggestions: list[UrgencySuggestion]) -> dict[str, Any]:
    gold = [LEVELS.index(v.urgency) for v in vignettes]
    predicted = [LEVELS.index(s.level) for s in suggestions]
    pairs = list(zip(gold, predicted, strict=True))
    count = len(pairs)
    return {
        "urgency_accuracy": ratio(sum(g == p for g, p in pairs), count),
        "under_triage_rate": ratio(sum(p > g for g, p in pairs), count),
        "over_triage_rate": ratio(sum(p < g for g, p in pairs), count),
        "emergent_below_urgent": sum(g == 0 and p == 2 for g, p in pairs),
        "needs_review_rate": ratio(sum(s.needs_review for s in suggestions), count),
        "ece": _expected_calibration_error([s.confidence for s in suggestions], [g == p for g, p in pairs]),
        "urgency_confusion": _confusion([(LEVELS[g], LEVELS[p]) for g, p in pairs]),
    }


def _held_out_file_suggestions(
    vignettes: list[Vignette], vectors: np.ndarray, embedder: Embedder
) -> tuple[list[Vignette], list[UrgencySuggestion]]:
    """Each dev file triaged by a model trained on the other dev files: the dev estimate that is not
    training accuracy (the red-flag rules were written with every dev file in view, so it flatters them)."""
    scored: list[Vignette] = []
    suggestions: list[UrgencySuggestion] = []
    for file in sorted({v.file for v in vignettes}):
        training = [v for v in vignettes if v.file != file]
        model = train_urgency([v.text for v in training], [v.urgency for v in training], embedder)
        for vignette, vector in zip(vignettes, vectors, strict=True):
            if vignette.file == file:
                scored.append(vignette)
                suggestions.append(suggest_urgency(vignette.text, vector, model))
    return scored, suggestions


def _expected_calibration_error(confidences: list[float], correct: list[bool], bins: int = 10) -> float:
    """Mean |accuracy - confidence| over equal-width confidence bins, weighted by bin size."""
    total, error = len(confidences), 0.0
    for index in range(bins):
        low, high = index / bins, (index + 1) / bins
        members = [i for i, c in enumerate(confidences) if low < c <= high or (index == 0 and c == 0)]
        if members:
            accuracy = sum(correct[i] for i in members) / len(members)
            confidence = sum(confidences[i] for i in members) / len(members)
            error += len(members) / total * abs(accuracy - confidence)
    return round(error, 4)
