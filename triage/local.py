"""The offline engine's triage: red-flag rules and the urgency model, the subspecialty model, and a prior
for the specialty the referrer asked for. Registered for the task ``triage_case``."""

from __future__ import annotations

from typing import Any

import numpy as np

from llm.embeddings import default_embedder
from llm.local import register_local_task
from summarizer.schemas import ExtractedItem, Quote
from triage.schemas import SubspecialtyOutput, TriageOutput, UrgencyOutput
from triage.subspecialty import default_model, mean_vector, passage_vectors, passages_of
from triage.urgency import suggest_urgency

TASK = "triage_case"
REQUESTED_PRIOR = 2.0  # the referrer's requested specialty counts double: a hint, not a verdict


def triage_case(payload: dict[str, Any]) -> dict[str, Any]:
    """Triage the case whose texts the payload holds (``d1``, ``d2``...)."""
    texts: dict[str, str] = payload.get("texts", {})
    hints: dict[str, Any] = payload.get("hints", {})
    text, starts = _joined(texts)
    passages = passage_vectors([text], default_embedder())[0]
    vector = mean_vector(passages)
    urgency = suggest_urgency(text, vector)
    reasons = [
        ExtractedItem(text=reason.text, quotes=[_quote(text, starts, reason.start, reason.end)])
        for reason in urgency.reasons
    ]
    output = TriageOutput(
        urgency=UrgencyOutput(
            level=urgency.level,
            probabilities=urgency.probabilities,
            needs_review=urgency.needs_review,
            reasons=reasons,
        ),
        subspecialties=_subspecialties(text, starts, passages, hints.get("requested_specialty")),
    )
    return output.model_dump(mode="json")


JOINER = "\n\n"


def _joined(texts: dict[str, str]) -> tuple[str, list[tuple[int, str]]]:
    """The case's texts read as one, and where each begins (for quoting it by its key)."""
    starts, position = [], 0
    for key, text in texts.items():
        starts.append((position, key))
        position += len(text) + len(JOINER)
    return JOINER.join(texts.values()), starts


def _quote(text: str, starts: list[tuple[int, str]], start: int, end: int) -> Quote:
    """A quote of ``text[start:end]`` naming the input text it lies in."""
    key = next((key for begin, key in reversed(starts) if begin <= start), "d1")
    return Quote(text_key=key, quote=text[start:end].split(JOINER)[0])


def _subspecialties(
    text: str, starts: list[tuple[int, str]], passages: np.ndarray, requested: Any
) -> list[SubspecialtyOutput]:
    model = default_model()
    probabilities = model.probabilities(mean_vector(passages)[None, :], [text])[0]
    if isinstance(requested, str) and requested in model.classes:
        probabilities[model.classes.index(requested)] *= REQUESTED_PRIOR
        probabilities /= probabilities.sum()
    top = np.argsort(-probabilities)[:3]
    evidence_spans = _evidence(text, passages, [int(index) for index in top])
    return [
        SubspecialtyOutput(
            name=model.classes[index],
            probability=round(float(probabilities[index]), 4),
            evidence=[_quote(text, starts, start, end)] if end > start else [],
        )
        for index, (start, end) in zip(top, evidence_spans, strict=True)
    ]


def _evidence(text: str, passages: np.ndarray, classes: list[int]) -> list[tuple[int, int]]:
    """For each class, the passage that scores it highest (what most speaks for that subspecialty); the
    passages' embeddings are the ones the note's vector was made from."""
    spans = passages_of(text)
    pieces = [text[start:end] for start, end in spans]
    scores = default_model().probabilities(passages, pieces)
    return [spans[int(np.argmax(scores[:, index]))] for index in classes]


register_local_task(TASK, triage_case)
