"""The de-identification suite: our engine and out-of-the-box Presidio, on the same texts, in one run.

The headline metrics are on the clinical sets (our annotated notes and the synthetic clinical queries);
presidio-synth (general-domain PII) is reported beside them. The baseline is Presidio's default recognizers
with the same spaCy model and its default threshold, redacting with its own anonymizer.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable, Iterable
from itertools import islice
from pathlib import Path
from typing import Any

from pydantic import PrivateAttr

from evals.details import Details
from evals.loaders import CLINICAL_DATASETS, DATASETS, GoldText, load_path
from evals.span_metrics import Prediction, SpanScore
from records.deid import DEFAULT_THRESHOLD, ENGINE_VERSION, Deidentifier, spacy_nlp_engine
from records.phi import PhiCategory
from records.vault import PhiVault

System = Callable[[str], Prediction]


def run(data: Path | None = None, limit: int | None = None, split: str = "test") -> dict[str, Any]:
    """Score both systems on every dataset (or on ``data``); ``limit`` caps texts per dataset."""
    datasets: dict[str, Callable[[], Iterable[GoldText]]] = (
        {data.name: lambda: load_path(data)} if data else dict(DATASETS)
    )
    systems = {"ours": reconsult_system(), "baseline": presidio_baseline_system()}
    scores: dict[str, dict[str, SpanScore]] = {name: {} for name in systems}
    case_scores: dict[str, SpanScore] = {"upper": SpanScore(), "mixed": SpanScore()}
    for dataset, load in datasets.items():
        texts = list(islice(_in_split(load(), split), limit))
        for system_name, system in systems.items():
            score = scores[system_name].setdefault(dataset, SpanScore())
            for text in texts:
                prediction = system(text.text)
                score.add(text, prediction)
                if system_name == "ours" and dataset == "clinical_notes":
                    case_scores["upper" if text.upper_case else "mixed"].add(text, prediction)
    headline = [name for name in scores["ours"] if name in CLINICAL_DATASETS] or list(scores["ours"])
    per_text = [counts for name in headline for counts in scores["ours"][name].per_text]
    details = Details()
    details.ratios("recall", [c[0] for c in per_text], [c[1] for c in per_text])
    details.ratios("precision", [c[2] for c in per_text], [c[3] for c in per_text])
    return details.as_json() | {
        "suite": "deid",
        "dataset": "+".join(headline),
        "split": split,
        "engine_version": ENGINE_VERSION,
        "threshold": DEFAULT_THRESHOLD,
        "metrics": _summary(scores["ours"], headline)
        | {
            "by_case": {case: score.metrics() for case, score in case_scores.items() if score.texts},
            "baseline": _summary(scores["baseline"], headline),
        },
    }


def _summary(by_dataset: dict[str, SpanScore], headline: list[str]) -> dict[str, Any]:
    combined = SpanScore()
    for name in headline:
        _merge(combined, by_dataset[name])
    return combined.metrics() | {"by_dataset": {name: score.metrics() for name, score in by_dataset.items()}}


def _merge(total: SpanScore, part: SpanScore) -> None:
    total.gold.update(part.gold)
    total.found.update(part.found)
    total.per_text += part.per_text
    for name in (
        "predicted",
        "predicted_true",
        "gold_tokens",
        "found_tokens",
        "predicted_tokens",
        "predicted_true_tokens",
        "leaks",
        "phi_free_texts",
        "over_redacted_texts",
        "texts",
    ):
        setattr(total, name, getattr(total, name) + getattr(part, name))


def _in_split(texts: Iterable[GoldText], split: str) -> Iterable[GoldText]:
    return (text for text in texts if split == "all" or text.split == split)


class SeededVault(PhiVault):
    """A case vault whose surrogates come from a generator seeded by the text, for evaluation only: two runs
    write the same outputs, so a comparison sees only what the engine changed."""

    _seeded: random.Random = PrivateAttr(default_factory=random.Random)

    @classmethod
    def for_text(cls, text: str) -> SeededVault:
        """The vault for ``text``: the same draws on every run."""
        generator = random.Random(int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big"))  # noqa: S311
        vault = cls(date_shift_days=PhiVault.new(generator).date_shift_days)
        vault._seeded = generator
        return vault

    def surrogate(self, category: PhiCategory, original: str, rng: random.Random | None = None) -> str:
        """The case's surrogate, drawn from the seeded generator."""
        return super().surrogate(category, original, rng or self._seeded)


def reconsult_system() -> System:
    """Our engine as a scored system: each text gets a fresh case vault."""
    deidentifier = Deidentifier()

    def predict(text: str) -> Prediction:
        # Surrogates drawn from a generator seeded by the text, so two runs write the same outputs.
        result = deidentifier.deidentify(text, SeededVault.for_text(text))
        return Prediction(tuple((s.start, s.end, s.category.value) for s in result.spans), result.text)

    return predict


def presidio_baseline_system() -> System:
    """Out-of-the-box Presidio: default recognizers and threshold, the same spaCy model, its anonymizer."""
    from presidio_analyzer import AnalyzerEngine
    from presidio_anonymizer import AnonymizerEngine

    analyzer = AnalyzerEngine(nlp_engine=spacy_nlp_engine(), supported_languages=["en"])
    anonymizer = AnonymizerEngine()  # type: ignore[no-untyped-call]

    def predict(text: str) -> Prediction:
        results = analyzer.analyze(text=text, language="en")
        output = anonymizer.anonymize(text=text, analyzer_results=results).text  # type: ignore[arg-type]
        return Prediction(tuple((r.start, r.end, r.entity_type) for r in results), output)

    return predict
