"""Scoring detected PHI spans against gold spans: entity level, token level, leaks and over-redaction."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from evals.loaders import GoldSpan, GoldText
from evals.metrics import f1

_TOKEN = re.compile(r"\w+")


@dataclass(frozen=True)
class Prediction:
    """What a system said about one text: spans (offsets into the text) and its redacted output (leaks are
    counted on what the output carries over of the text; see :func:`carried_over`)."""

    spans: tuple[tuple[int, int, str], ...]
    output: str


@dataclass
class SpanScore:
    """Counts accumulated over texts; :meth:`metrics` turns them into rates."""

    gold: Counter[str] = field(default_factory=Counter)
    found: Counter[str] = field(default_factory=Counter)
    predicted: int = 0
    predicted_true: int = 0
    gold_tokens: int = 0
    found_tokens: int = 0
    predicted_tokens: int = 0
    predicted_true_tokens: int = 0
    leaks: int = 0
    phi_free_texts: int = 0
    over_redacted_texts: int = 0
    texts: int = 0
    missed_examples: list[dict[str, str]] = field(default_factory=list)
    # Per text: (gold entities found, gold entities, predictions on PHI, predictions), for resampling.
    per_text: list[tuple[int, int, int, int]] = field(default_factory=list)

    def add(self, gold: GoldText, prediction: Prediction) -> None:
        """Score one text."""
        self.texts += 1
        ignored = [span for span in gold.spans if span.category is None]
        phi = gold.phi_spans
        predicted = [(start, end) for start, end, _category in prediction.spans]
        predicted = [
            span for span in predicted if not any(_overlaps(span, (g.start, g.end)) for g in ignored)
        ]
        before = (sum(self.found.values()), sum(self.gold.values()), self.predicted_true, self.predicted)
        self._entities(gold, phi, predicted)
        after = (sum(self.found.values()), sum(self.gold.values()), self.predicted_true, self.predicted)
        found, total, right, made = (a - b for a, b in zip(after, before, strict=True))
        self.per_text.append((found, total, right, made))
        self._tokens(gold.text, phi, predicted, ignored)
        carried = carried_over(gold.text, prediction.spans)
        self.leaks += sum(1 for span in phi if gold.text[span.start : span.end] in carried)
        if not phi:
            self.phi_free_texts += 1
            self.over_redacted_texts += bool(predicted)

    def _entities(self, gold: GoldText, phi: tuple[GoldSpan, ...], predicted: list[tuple[int, int]]) -> None:
        for span in phi:
            assert span.category is not None
            self.gold[span.category.value] += 1
            if any(_overlaps((span.start, span.end), other) for other in predicted):
                self.found[span.category.value] += 1
            elif len(self.missed_examples) < 200:
                self.missed_examples.append({"text_id": gold.id, "category": span.category.value})
        self.predicted += len(predicted)
        self.predicted_true += sum(1 for p in predicted if any(_overlaps(p, (g.start, g.end)) for g in phi))

    def _tokens(
        self, text: str, phi: Iterable[GoldSpan], predicted: list[tuple[int, int]], ignored: list[GoldSpan]
    ) -> None:
        gold_tokens = _token_set(text, [(s.start, s.end) for s in phi])
        predicted_tokens = _token_set(text, predicted) - _token_set(text, [(s.start, s.end) for s in ignored])
        self.gold_tokens += len(gold_tokens)
        self.found_tokens += len(gold_tokens & predicted_tokens)
        self.predicted_tokens += len(predicted_tokens)
        self.predicted_true_tokens += len(gold_tokens & predicted_tokens)

    def metrics(self) -> dict[str, Any]:
        """Recall, precision and F1 (entity and token level), recall by category, leaks, over-redaction."""
        recall = _rate(sum(self.found.values()), sum(self.gold.values()))
        precision = _rate(self.predicted_true, self.predicted)
        token_recall = _rate(self.found_tokens, self.gold_tokens)
        token_precision = _rate(self.predicted_true_tokens, self.predicted_tokens)
        return {
            "recall": recall,
            "precision": precision,
            "f1": _f1(recall, precision),
            "recall_by_category": {
                category: _rate(self.found[category], count) for category, count in sorted(self.gold.items())
            },
            "support_by_category": dict(sorted(self.gold.items())),
            "token": {
                "recall": token_recall,
                "precision": token_precision,
                "f1": _f1(token_recall, token_precision),
            },
            "leaks": self.leaks,
            "over_redaction_rate": _rate(self.over_redacted_texts, self.phi_free_texts),
            "phi_free_texts": self.phi_free_texts,
            "texts": self.texts,
            "gold_entities": sum(self.gold.values()),
        }


def carried_over(text: str, spans: Iterable[tuple[int, int, str]]) -> str:
    """What the redacted output keeps of ``text``: its unredacted stretches, joined by a NUL so that no
    string is found across a replacement. A leak is a gold PHI string found here; a surrogate that happens
    to equal another gold string ("Smith" for "Jones" in a text that also names a Smith) is the system's
    invention, not a leak."""
    kept, position = [], 0
    for start, end, _category in sorted(spans):
        if start > position:
            kept.append(text[position:start])
        position = max(position, end)
    kept.append(text[position:])
    return "\0".join(kept)


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _token_set(text: str, spans: list[tuple[int, int]]) -> set[tuple[int, int]]:
    tokens = set()
    for start, end in spans:
        for match in _TOKEN.finditer(text, start, end):
            tokens.add(match.span())
    return tokens


def _rate(numerator: int, denominator: int) -> float:
    return round(numerator / denominator, 4) if denominator else 1.0


def _f1(recall: float, precision: float) -> float:
    return f1(precision, recall) or 0.0
