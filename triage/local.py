"""The offline engine's triage: red-flag rules and the urgency model, the subspecialty model, and a prior
for the specialty the referrer asked for. Registered for the task ``triage_case``."""

from __future__ import annotations

from typing import Any

import numpy as np

from llm.embeddings import default_embedder
from llm.local import register_local_task
from summarizer.schemas import ExtractedItem, Quote
from triage.schemas import SubspecialtyOutput, TriageOutput, UrgencyOutput
from triage.subspecialty import default_model, note_vectors, passages_of
from triage.urgency import suggest_urgency

TASK = "triage_case"
REQUESTED_PRIOR = 2.0  # the referrer's requested specialty counts double: a hint, not a verdict


def triage_case(payload: dict[str, Any]) -> dict[str, Any]:
    """Triage the case whose texts the payload holds (``d1``, ``d2``...)."""
    texts: dict[str, str] = payload.get("texts", {})
    hints: dict[str, Any] = payload.get("hints", {})
    key, text = _main_text(texts)
    vector = note_vectors([text], default_embedder())[0]
    urgency = suggest_urgency(text, vector)
    reasons = [
        ExtractedItem(text=reason.text, quotes=[Quote(text_key=key, quote=text[reason.start : reason.end])])
        for reason in urgency.reasons
    ]
    output = TriageOutput(
        urgency=UrgencyOutput(
            level=urgency.level,
            probabilities=urgency.probabilities,
            needs_review=urgency.needs_review,
            reasons=reasons,
        ),
        subspecialties=_subspecialties(key, text, vector, hints.get("requested_specialty")),
    )
    return output.model_dump(mode="json")


def _main_text(texts: dict[str, str]) -> tuple[str, str]:
    """The case read as one text (the first key names it for quotes: cases are triaged from one text)."""
    if not texts:
        return "d1", ""
    key = next(iter(texts))
    return key, texts[key]


def _subspecialties(key: str, text: str, vector: np.ndarray, requested: Any) -> list[SubspecialtyOutput]:
    model = default_model()
    probabilities = model.probabilities(vector[None, :])[0]
    if isinstance(requested, str) and requested in model.classes:
        probabilities[model.classes.index(requested)] *= REQUESTED_PRIOR
        probabilities /= probabilities.sum()
    top = np.argsort(-probabilities)[:3]
    evidence_spans = _evidence(text, [int(index) for index in top])
    return [
        SubspecialtyOutput(
            name=model.classes[index],
            probability=round(float(probabilities[index]), 4),
            evidence=[Quote(text_key=key, quote=text[start:end])] if end > start else [],
        )
        for index, (start, end) in zip(top, evidence_spans, strict=True)
    ]


def _evidence(text: str, classes: list[int]) -> list[tuple[int, int]]:
    """For each class, the passage that scores it highest (what most speaks for that subspecialty)."""
    spans = passages_of(text)
    vectors = note_vectors([text[start:end] for start, end in spans], default_embedder())
    scores = default_model().probabilities(vectors)
    return [spans[int(np.argmax(scores[:, index]))] for index in classes]


register_local_task(TASK, triage_case)
